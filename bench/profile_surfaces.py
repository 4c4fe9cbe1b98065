"""CPU time per call of the reading surfaces, in one process, on a seeded database.

    python -m bench.profile_surfaces [--database-url URL] [--scale 1.0] [--runs 20] [--profile NAME]

It seeds a fresh database as `bench.at_scale` does (SQLite in a temporary folder, or its own
database on the PostgreSQL server named by --database-url, dropped at the end), builds the bot
as `serve` does against a FakeSlack, and calls each surface's own code directly, without HTTP:
`/liec meetings` and `/liec questions` (the acknowledgement's reply), the Home tab
(`publish_home`, to its views.publish) for a member, a coordinator and an admin, and
`nominate` (the reply, then the work up to views.open), and the save of a nomination
(`nomination_submissions.submit`, as after the form's acknowledgement). It prints the thread's CPU time and
the wall time per call (medians), which the load of a shared machine moves far less than
latencies; --profile NAME prints cProfile's top functions for that surface.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

from bench import seed as seeding
from bench.at_scale import databases
from bench.seed import COORDINATOR, MEMBER, member_id
from bench.surfaces import SUBMITTED_PEOPLE, nomination_values
from bot.commands import CommandRequest
from bot.config import Settings, parse_org_config
from bot.fake_slack import FakeSlack
from bot.runtime import build_runtime
from bot.services import nomination_submissions as submissions
from bot.views.nominations import read_nomination
from handlers.home import publish_home
from handlers.meetings import meetings_reply
from handlers.nominations import nominate_reply, nominate_work
from handlers.questions import questions_reply


def request(user: str, args: str) -> CommandRequest:
    return CommandRequest(
        user_id=user, channel_id="C0GENERAL", team_id="T0001", args=args, trigger_id="1.2.bench"
    )


def measure(fn: Callable[[], object], runs: int) -> tuple[float, float]:
    """(median CPU ms of this thread, median wall ms) per call."""
    cpu, wall = [], []
    for _ in range(runs):
        c, w = time.thread_time(), time.perf_counter()
        fn()
        cpu.append(1000 * (time.thread_time() - c))
        wall.append(1000 * (time.perf_counter() - w))
    return statistics.median(cpu), statistics.median(wall)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench.profile_surfaces", description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="a PostgreSQL server (its own database is made there)")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--profile", help="print cProfile's top functions for this surface")
    parser.add_argument("--sort", default="cumulative", help="cProfile's order: cumulative, tottime")
    parser.add_argument("--restrict", nargs="*", help='pstats restrictions, e.g. "bot/" 40')
    args = parser.parse_args(argv)
    now = datetime.now(UTC)
    fake = FakeSlack().start()
    with (
        tempfile.TemporaryDirectory(prefix="liec-prof-") as tmp,
        databases(args.database_url, Path(tmp)) as urls,
    ):
        url = urls[0]
        sizes = seeding.seed(url, now, args.scale)
        org = seeding.org_file(sizes)
        admin = next(iter(org["admins"]))
        settings = Settings(
            slack_bot_token="xoxb-bench-token",
            slack_signing_secret="bench-signing-secret",
            slack_api_url=fake.api_url,
            database_url=url,
        )
        runtime = build_runtime(settings, org=parse_org_config(org))
        deps = runtime.deps
        meetings = request(MEMBER, "")
        coordinator = request(COORDINATOR, "")
        nominate = request(MEMBER, "secretary")
        members = iter(range(10**6))

        def nominate_call() -> None:
            assert nominate_reply(nominate, deps) is None
            nominate_work(nominate, deps)

        nominate_call()
        form = fake.calls_to("views.open")[-1]["view"]
        submitted = iter(range(10**6))

        def submission_call() -> None:
            k = next(submitted)
            people = (member_id(SUBMITTED_PEOPLE + 3 * k + j) for j in range(3))
            election_id, typed = read_nomination(nomination_values(form, *people))
            sub = submissions.Submission(MEMBER, f"Vprofile{k}", election_id, typed)
            outcome = deps.write(submissions.submit, deps.org, sub, deps.clock.now())
            assert isinstance(outcome, submissions.Saved), outcome

        surfaces: dict[str, Callable[[], object]] = {
            "meetings": lambda: meetings_reply(meetings, deps).as_ephemeral(),
            "questions": lambda: questions_reply(coordinator, deps).as_ephemeral(),
            "home (member)": lambda: publish_home(deps, member_id(next(members) % 1000)),
            "home (coordinator)": lambda: publish_home(deps, COORDINATOR),
            "home (admin)": lambda: publish_home(deps, admin),
            "nominate": nominate_call,
            "nomination submission": submission_call,
        }
        print(f"{'surface':<20} {'cpu ms':>8} {'wall ms':>8}")
        for name, fn in surfaces.items():
            fn()  # warm
            cpu, wall = measure(fn, args.runs)
            print(f"{name:<20} {cpu:>8.1f} {wall:>8.1f}")
        if args.profile:
            profiler = cProfile.Profile()
            profiler.enable()
            for _ in range(args.runs):
                surfaces[args.profile]()
            profiler.disable()
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats(args.sort).print_stats(
                *([int(r) if r.isdigit() else r for r in args.restrict] if args.restrict else [60])
            )
            print(out.getvalue())
        runtime.engine.dispose()
    fake.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
