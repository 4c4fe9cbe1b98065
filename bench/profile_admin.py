"""Where the time of the admin and data-rights surfaces goes, in one process, at full size.

    python -m bench.profile_admin [--database-url URL] [--db-file PATH] [--profile NAME]

Seeds (or reuses, with --db-file) a database at ten times LI's size, builds the bot as
`serve` does against a FakeSlack, and calls the work after the acknowledgement of the
admin counts DM, one position's list (secretary), the CSV export (of unchanged nominations, and
of nominations changed since the last: built again), my-data and forget-me directly, timing wall and CPU time of
the calling thread per call (the FakeSlack's threads are not counted), and the statements.
With --profile NAME it prints cProfile's top functions for that surface.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import event

from bench import seed as seeding
from bench.at_scale import change_nominations
from bot.config import Settings, parse_org_config
from bot.fake_slack import FakeSlack
from bot.flows import nomination_lists
from bot.runtime import build_runtime
from bot.services.elections import Position
from handlers import member_data


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench.profile_admin")
    parser.add_argument("--database-url")
    parser.add_argument("--db-file", default="/tmp/liec-profile-admin.db")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--profile")
    args = parser.parse_args(argv)
    url = args.database_url or f"sqlite:///{args.db_file}"
    now = datetime.now(UTC)
    fresh = args.database_url is not None or not Path(args.db_file).exists()
    sizes = seeding.Sizes.at(1.0)
    if fresh:
        seeding.seed(url, now, 1.0, forget_me_members=2 * args.runs + 10)
    org = seeding.org_file(sizes)
    fake = FakeSlack().start()
    runtime = build_runtime(
        Settings(
            slack_bot_token="xoxb-bench-token",
            slack_signing_secret="s",
            slack_api_url=fake.api_url,
            database_url=url,
        ),
        org=parse_org_config(org),
    )
    deps = runtime.deps
    statements = [0]
    event.listen(
        runtime.engine, "before_cursor_execute", lambda *_: statements.__setitem__(0, statements[0] + 1)
    )
    admin = org["admins"][0]
    forgotten = iter(range(1000))
    changed = change_nominations(runtime.engine)  # counted too: one statement
    cases: dict[str, Callable[[], object]] = {
        "admin counts": lambda: nomination_lists.send_admin_list(deps, admin, None),
        "admin list": lambda: nomination_lists.send_admin_list(deps, admin, Position("secretary")),
        "export": lambda: nomination_lists.export_csv(deps, admin),  # the CSV kept: unchanged data
        "export (changed)": lambda: (changed(), nomination_lists.export_csv(deps, admin)),
        "my-data": lambda: member_data.send_export(deps, seeding.member_id(5)),
        "forget-me": lambda: member_data.forget_now(deps, seeding.forget_me_member(next(forgotten))),
    }
    try:
        for name, fn in cases.items():
            fn()  # warm
            walls, cpus = [], []
            for _ in range(args.runs):
                before = statements[0]
                w, c = time.perf_counter(), time.thread_time()
                if args.profile == name:
                    prof = cProfile.Profile()
                    prof.runcall(fn)
                else:
                    fn()
                walls.append(time.perf_counter() - w)
                cpus.append(time.thread_time() - c)
                count = statements[0] - before
            walls.sort()
            cpus.sort()
            print(
                f"{name:<16} wall median {1000 * walls[len(walls) // 2]:7.1f} ms  "
                f"cpu median {1000 * cpus[len(cpus) // 2]:7.1f} ms  statements {count}"
            )
            if args.profile == name:
                out = io.StringIO()
                pstats.Stats(prof, stream=out).sort_stats("cumulative").print_stats(35)
                print(out.getvalue())
    finally:
        runtime.engine.dispose()
        fake.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
