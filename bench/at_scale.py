"""The bot at ten times Labour International's size: every surface's latency, statements and memory.

    python -m bench.at_scale                       # SQLite, the full run recorded in bench/README.md
    python -m bench.at_scale --database-url postgresql+psycopg://root@127.0.0.1:5432/test
    python -m bench.at_scale --quick               # a smoke run of under a minute (a tenth of the data)

What it does, in order:
1. Seeds a fresh database (`bench.seed`): 30,000 members, 250 branches, 3 elections with 2,000
   nominations, 10,000 questions, 500 meetings with their jobs and past posts, 100,000 audit
   rows. On PostgreSQL it makes its own databases on the server named by --database-url and
   drops them at the end.
2. Counts the SQL statements each surface runs (`bench.statements`, the bot in-process) on that
   database and on one a tenth of its size: the counts must be equal.
3. Starts the bot as `python -m bot serve --http` (gunicorn) against a FakeSlack on loopback,
   timing start to ready (`/healthz` answering), and the bare Bolt floor (`bench.bare_app`) on
   the same server stack. Reads idle memory (RSS and PSS of every process) after a warm-up.
4. Sends every surface (`bench.surfaces`) at concurrency 1 and 10: the time to the
   acknowledgement and, when work goes on after it, to the Web API call that finishes it.
   The floor is measured before and after the surfaces at each concurrency.
5. Prints the figures against the issue's targets and (unless --quick or --no-write) writes
   them to bench/README.md and bench/at_scale.json.
"""

from __future__ import annotations

import argparse
import compileall
import contextlib
import json
import os
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import Engine, make_url

from bench import seed as seeding
from bench.roles_latency import (
    Server,
    collector_paused,
    cpu_seconds,
    loadavg,
    machine,
    pss_mb,
    rss_mb,
    settle,
)
from bench.statements import count_statements
from bench.surfaces import Client, Finishes, Surface, command, set_response_base, surfaces
from bot import db
from bot.fake_slack import FakeSlack
from models.foundation import ScheduledJob

ROOT = Path(__file__).resolve().parent.parent
SECRET = "bench-signing-secret"
README = ROOT / "bench" / "README.md"
SUMMARY = ROOT / "bench" / "at_scale.json"
ACK_TARGET = 2.0  # every acknowledgement's p99 at most this times the floor's, at concurrency 10
ROLE_TARGET = 1.5  # /liec role secretary, at concurrency 1 and 10
DONE_TARGETS_MS = {
    "home (member)": 150,
    "home (coordinator)": 150,
    "home (admin)": 150,
    "nominations export": 1000,
    "nominations export (changed)": 1000,
    "forget-me": 2000,
    "nominate": 300,
}
READY_TARGET_S = 2.0
PSS_TARGET_MB = 100.0
GROWTH_TARGET_MB = 50.0


# Databases -----------------------------------------------------------------------------------
@contextlib.contextmanager
def databases(url: str | None, work: Path) -> Iterator[tuple[str, str]]:
    """(full-size database URL, tenth-size database URL), fresh, removed afterwards."""
    if url is None:
        yield f"sqlite:///{work / 'scale.db'}", f"sqlite:///{work / 'small.db'}"
        return
    base = make_url(url)
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    names = [f"liec_scale_{uuid.uuid4().hex[:8]}", f"liec_small_{uuid.uuid4().hex[:8]}"]
    try:
        with admin.connect() as conn:
            for name in names:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
        full, small = (base.set(database=name).render_as_string(hide_password=False) for name in names)
        yield full, small
    finally:
        with admin.connect() as conn:
            for name in names:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


# Load ----------------------------------------------------------------------------------------
@dataclass
class Result:
    surface: str
    concurrency: int
    acks: list[float] = field(default_factory=list)
    dones: list[float] = field(default_factory=list)
    errors: int = 0
    wall: float = 0.0
    cpu: float | None = None  # the server's CPU seconds over the level, its work after the acks included

    def p(self, q: float, done: bool = False) -> float:
        values = sorted(self.dones if done else self.acks)
        if not values:
            return float("nan")
        rank = max(1, int(-(-q * len(values) // 1)))
        return 1000 * values[min(rank, len(values)) - 1]

    def summary(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "requests": len(self.acks),
            "errors": self.errors,
            "ack_p50_ms": round(self.p(0.5), 2),
            "ack_p99_ms": round(self.p(0.99), 2),
            "req_per_s": round(len(self.acks) / self.wall, 1) if self.wall else None,
        }
        if self.cpu is not None and self.acks:
            out["cpu_ms_per_request"] = round(1000 * self.cpu / len(self.acks), 2)
        if self.dones:
            out.update(done_p50_ms=round(self.p(0.5, True), 2), done_p99_ms=round(self.p(0.99, True), 2))
        return out


def run(
    port: int | Sequence[int],
    finishes: Finishes,
    surface: Surface,
    concurrency: int,
    total: int,
    cap: float,
    server: Server | None = None,
    jobs: Engine | None = None,
) -> Result:
    """`total` requests of one surface from `concurrency` clients, each waiting for its work.
    Given several ports, the clients spread over them in turn, as behind a round-robin proxy.
    Given the `server`, its processes' CPU time over the level (until the work after the
    acknowledgements is over) is kept too: what a request costs the server, which the load
    of a shared machine moves far less than latencies. Given the bot's database (`jobs`), the
    level also waits for the durable jobs it queued (the nominators' DMs of a submission) to
    be run, so that they count to this surface and do not land on the next one."""
    cpu_before = cpu_seconds(server.pids()) if server is not None else 0.0
    ports = [port] if isinstance(port, int) else list(port)
    result = Result(surface.name, concurrency)
    lock = threading.Lock()
    tickets = iter(range(min(total, surface.most or total)))
    deadline = time.monotonic() + cap
    ready = threading.Barrier(concurrency + 1)

    def client(c: int) -> None:
        conn = Client(ports[c % len(ports)], SECRET, finishes)
        ready.wait()
        try:
            while time.monotonic() < deadline:
                with lock:
                    n = next(tickets, None)
                if n is None:
                    return
                if surface.setup is not None:
                    surface.setup(c, n, conn)
                request = surface.make(c, n)
                status, body, acked, finished = conn.send(request)
                ok = status == 200 and (request.done is None or finished is not None)
                ok = ok and (not surface.check or surface.check in body)
                with lock:
                    if not ok:
                        result.errors += 1
                        continue
                    result.acks.append(acked)
                    if finished is not None:
                        result.dones.append(finished)
        finally:
            conn.close()

    threads = [threading.Thread(target=client, args=(c,), daemon=True) for c in range(concurrency)]
    with collector_paused():
        for thread in threads:
            thread.start()
        started = time.perf_counter()
        ready.wait()
        for thread in threads:
            thread.join()
        result.wall = time.perf_counter() - started
    finishes.quiet()
    if jobs is not None and not no_jobs_due(jobs):
        finishes.quiet()
    if server is not None:
        # Setups (a form fetched, a confirmation opened) run on the server too: at most one
        # request's worth each, and they are part of what a person does.
        result.cpu = cpu_seconds(server.pids()) - cpu_before
    return result


def no_jobs_due(engine: Engine, limit: float = 300.0) -> bool:
    """Wait until no durable job is due or running (the scheduler ticks every 5 s); True if
    there was none to wait for."""
    deadline = time.monotonic() + limit
    first = True
    while time.monotonic() < deadline:
        due = select(func.count()).where(
            ScheduledJob.status.in_(("pending", "running")), ScheduledJob.due_at <= datetime.now(UTC)
        )
        with engine.connect() as connection:
            if not connection.scalar(due):
                return first
        first = False
        time.sleep(0.2)
    raise RuntimeError(f"the bot's due jobs were not all run within {limit:.0f} s")


def change_nominations(engine: Engine) -> Callable[[], None]:
    """A write to the bot's database that moves the nominations' data version (migration
    0016), as any saved, answered or checked nomination does: the next export builds its CSV
    again."""

    def change() -> None:
        with engine.begin() as connection:
            connection.execute(
                text("UPDATE data_versions SET version = version + 1 WHERE name = 'nominations'")
            )

    return change


def floor_surface() -> Surface:
    return Surface("floor", lambda c, n: command("role secretary", seeding.MEMBER))


def merge(a: Result, b: Result) -> Result:
    cpu = None if a.cpu is None or b.cpu is None else a.cpu + b.cpu
    return Result(
        a.surface,
        a.concurrency,
        a.acks + b.acks,
        a.dones + b.dones,
        a.errors + b.errors,
        a.wall + b.wall,
        cpu,
    )


TICK_S = 5.0
"""The bot's scheduler tick (`serve`'s default); --quick runs the bot with QUICK_TICK_S."""
QUICK_TICK_S = 1.0
SETTLE_AFTER_TICK_S = 2.0
"""Seconds past one tick to the memory figure: at its tick the bot gives the memory the run
freed back to the system (7 s in a full run)."""


# Servers -------------------------------------------------------------------------------------
def bot_server(name: str, url: str, org_path: Path, fake: FakeSlack, tick: float = TICK_S) -> Server:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"SLACK_APP_TOKEN", "PORT", "DATABASE_URL", "LIEC_CONFIG"}
    }
    env.update(
        SLACK_BOT_TOKEN="xoxb-bench-token",
        SLACK_SIGNING_SECRET=SECRET,
        SLACK_API_URL=fake.api_url,
        PYTHONUNBUFFERED="1",
        DATABASE_URL=url,
        LIEC_CONFIG=str(org_path),
    )
    if name == "bare":
        return Server(name, [sys.executable, "-m", "bench.bare_app"], env)
    return Server(name, [sys.executable, "-m", "bot", "serve", "--http", "--tick", str(tick)], env)


def compile_bytecode() -> None:
    """Compile the checkout's modules, as `pip install` does for an installed bot: without it a
    start under PYTHONDONTWRITEBYTECODE (set on this machine) compiles every module from source
    each time, and start-to-ready would time the compiler rather than the bot."""
    for package in ("bot", "handlers", "models", "migrations", "bench"):
        compileall.compile_dir(ROOT / package, quiet=1)


def start_timed(server: Server, log_dir: Path) -> float:
    compile_bytecode()
    started = time.perf_counter()
    server.start(log_dir)
    server.wait_healthy(timeout=120)
    return time.perf_counter() - started


def memory(server: Server) -> dict[str, Any]:
    pids = server.pids()
    return {
        "processes": len(pids),
        "rss_mb": round(rss_mb(pids), 1),
        "pss_mb": round(pss_mb(pids), 1),
        "per_process": [
            {"pid": p, "rss_mb": round(rss_mb([p]), 1), "pss_mb": round(pss_mb([p]), 1)} for p in pids
        ],
    }


# Scaling out --------------------------------------------------------------------------------
SCALE_OUT_SURFACES = ("role", "home (member)", "nomination submission")


def scale_out(
    bot: Server,
    url: str,
    org_path: Path,
    fake: FakeSlack,
    finishes: Finishes,
    all_surfaces: Sequence[Surface],
    work: Path,
    args: argparse.Namespace,
) -> dict[str, Any]:
    """The same load on one bot process, then on two on the same database (clients spread over
    both, as a round-robin proxy would); then whether every job the load made ran once."""
    second = bot_server("bot2", url, org_path, fake)
    out: dict[str, Any] = {"requests": args.requests_c10, "concurrency": 10, "surfaces": {}}
    started_at = datetime.now(UTC)
    try:
        start_timed(second, work)
        time.sleep(6)  # its start-up jobs
        for surface in (s for s in all_surfaces if s.name in SCALE_OUT_SURFACES):
            one = run(bot.port, finishes, surface, 10, args.requests_c10, args.time_cap)
            two = run([bot.port, second.port], finishes, surface, 10, args.requests_c10, args.time_cap)
            out["surfaces"][surface.name] = {"one process": one.summary(), "two processes": two.summary()}
            print(f"  scale-out {surface.name}: one {one.summary()} two {two.summary()}", file=sys.stderr)
        time.sleep(12)  # a few scheduler ticks: the nominators' DMs the submissions queued go out
    finally:
        second.stop()
    engine = create_engine(make_url(url))
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT status, attempts, claimed_by FROM scheduled_jobs WHERE claimed_by IS NOT NULL "
                    "AND due_at >= :since"
                ),
                {"since": started_at},
            ).all()
    finally:
        engine.dispose()
    out["jobs_run"] = len(rows)
    out["jobs_run_more_than_once"] = sum(1 for _status, attempts, _by in rows if attempts > 1)
    out["jobs_by_process"] = sorted(sum(1 for row in rows if row[2] == by) for by in {row[2] for row in rows})
    return out


# Report --------------------------------------------------------------------------------------
def report(summary: dict[str, Any]) -> str:
    lines = [
        f"{summary['when']}; {summary['machine']}; database: {summary['database']}; "
        f"load average {summary['load_before']} before and {summary['load_after']} after "
        "(the 2 cores are shared with other agents' work: timings are noisy).",
        f"Command: `{summary['command']}`",
        "",
        f"Seeded: {summary['sizes']}; seeding took {summary['seed_s']} s.",
        "",
        "| surface | c | requests | errors | ack p50 ms | ack p99 ms | ack p99 / floor p99 "
        "| done p50 ms | done p99 ms | server CPU ms per request | statements | statements at 1/10 size |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    counts, small = summary["statements"], summary["statements_small"]
    for row in summary["results"]:
        floor = summary["floor"][str(row["concurrency"])]["ack_p99_ms"]
        ratio = row["ack_p99_ms"] / floor if floor else float("nan")
        lines.append(
            f"| {row['surface']} | {row['concurrency']} | {row['requests']} | {row['errors']} "
            f"| {row['ack_p50_ms']:.1f} | {row['ack_p99_ms']:.1f} | {ratio:.2f} "
            f"| {row.get('done_p50_ms', '')} | {row.get('done_p99_ms', '')} "
            f"| {row.get('cpu_ms_per_request', '')} "
            f"| {counts.get(row['surface'], '')} | {small.get(row['surface'], '')} |"
        )
    for c, floor in summary["floor"].items():
        lines.append(
            f"| *floor (bare Bolt, /liec ack)* | {c} | {floor['requests']} | {floor['errors']} "
            f"| {floor['ack_p50_ms']:.1f} | {floor['ack_p99_ms']:.1f} | 1.00 | | "
            f"| {floor.get('cpu_ms_per_request', '')} | | |"
        )
    idle, after, bare = summary["memory_idle"], summary["memory_after"], summary["memory_bare"]
    lines += [
        "",
        f"Start to ready (`serve --http` to `/healthz` answering, seeded database): {summary['ready_s']:.2f} s.",
        f"Bot memory, all {idle['processes']} processes: idle after start {idle['rss_mb']} MB RSS / "
        f"{idle['pss_mb']} MB PSS; after one warm-up request of each surface {summary['memory_warm']['rss_mb']} MB "
        f"RSS / {summary['memory_warm']['pss_mb']} MB PSS; at the end of the run "
        f"{summary['memory_end']['rss_mb']} MB RSS / {summary['memory_end']['pss_mb']} MB PSS, and "
        f"{summary['settle_s']:.0f} s later (the bot's next scheduler tick gives freed memory back) "
        f"{after['rss_mb']} MB RSS / {after['pss_mb']} MB PSS "
        f"(bare floor app idle: {bare['rss_mb']} MB RSS / {bare['pss_mb']} MB PSS).",
        "",
        "Targets:",
    ]
    lines += [f"- {line}" for line in summary["verdict"]]
    if "scale_out" in summary:
        out = summary["scale_out"]
        lines += [
            "",
            f"Scaling out: {out['requests']} requests at concurrency {out['concurrency']}, on one bot process "
            "and on two on the same database (clients spread over both):",
            "",
            "| surface | processes | req/s | ack p50 ms | ack p99 ms | errors |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        for name, both in out["surfaces"].items():
            for label, row in both.items():
                lines.append(
                    f"| {name} | {label} | {row['req_per_s']} | {row['ack_p50_ms']} | {row['ack_p99_ms']} "
                    f"| {row['errors']} |"
                )
        lines += [
            "",
            f"Jobs the load queued and the processes ran: {out['jobs_run']}, by process {out['jobs_by_process']}; "
            f"run more than once: {out['jobs_run_more_than_once']}.",
        ]
    return "\n".join(lines)


def verdict(summary: dict[str, Any]) -> list[str]:
    out = []
    floor10 = summary["floor"]["10"]["ack_p99_ms"]
    floor1 = summary["floor"]["1"]["ack_p99_ms"]
    worst = max(
        (r for r in summary["results"] if r["concurrency"] == 10), key=lambda r: r["ack_p99_ms"], default=None
    )
    if worst is not None:
        ratio = worst["ack_p99_ms"] / floor10
        out.append(
            f"every ack p99 at most {ACK_TARGET}x the floor at c=10: worst is {worst['surface']} at "
            f"{ratio:.2f}x: {'met' if ratio <= ACK_TARGET else 'NOT met'}"
        )
    for r in summary["results"]:
        if r["surface"] == "role":
            floor = floor1 if r["concurrency"] == 1 else floor10
            ratio = r["ack_p99_ms"] / floor
            out.append(
                f"role at c={r['concurrency']}: {ratio:.2f}x the floor (target {ROLE_TARGET}x): "
                f"{'met' if ratio <= ROLE_TARGET else 'NOT met'}"
            )
        target = DONE_TARGETS_MS.get(r["surface"])
        if target is not None and "done_p99_ms" in r:
            met = r["done_p99_ms"] <= target
            out.append(
                f"{r['surface']} done p99 at c={r['concurrency']}: {r['done_p99_ms']:.0f} ms "
                f"(target {target} ms): {'met' if met else 'NOT met'}"
            )
    same = summary["statements"] == summary["statements_small"]
    out.append(f"statement counts equal at both sizes: {'met' if same else 'NOT met'}")
    out.append(
        f"start to ready {summary['ready_s']:.2f} s (target {READY_TARGET_S} s): "
        f"{'met' if summary['ready_s'] <= READY_TARGET_S else 'NOT met'}"
    )
    pss = summary["memory_idle"]["pss_mb"]
    out.append(
        f"idle PSS {pss} MB (target {PSS_TARGET_MB:.0f} MB): {'met' if pss <= PSS_TARGET_MB else 'NOT met'}"
    )
    growth = summary["memory_after"]["pss_mb"] - pss
    out.append(
        f"PSS growth over the run {growth:.1f} MB (target at most {GROWTH_TARGET_MB:.0f} MB): "
        f"{'met' if growth <= GROWTH_TARGET_MB else 'NOT met'}"
    )
    return out


def write(summary: dict[str, Any], text_report: str) -> None:
    key = summary["dialect"]
    stored: dict[str, Any] = {}
    if SUMMARY.exists():
        stored = json.loads(SUMMARY.read_text())
    stored[key] = summary
    SUMMARY.write_text(json.dumps(stored, indent=1, sort_keys=True) + "\n")
    begin, end = f"<!-- at_scale:{key} -->", f"<!-- /at_scale:{key} -->"
    readme = README.read_text()
    block = f"{begin}\n{text_report}\n{end}"
    if begin in readme:
        head, rest = readme.split(begin, 1)
        readme = head + block + rest.split(end, 1)[1]
    else:
        readme = readme.rstrip("\n") + f"\n\n{block}\n"
    README.write_text(readme)


# Run -----------------------------------------------------------------------------------------
def selected(found: list[Surface], wanted: str | None) -> list[Surface]:
    """The surfaces whose names start with one of the comma-separated names (all when None)."""
    if not wanted:
        return found
    names = [name.strip() for name in wanted.split(",") if name.strip()]
    chosen = [s for s in found if any(s.name.startswith(name) for name in names)]
    if not chosen:
        raise SystemExit(f"no surface matches {wanted!r}: {', '.join(s.name for s in found)}")
    return chosen


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench.at_scale", description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="a PostgreSQL server (its own databases are made there)")
    parser.add_argument("--scale", type=float, default=1.0, help="1.0 is ten times LI's size")
    parser.add_argument("--requests-c1", type=int, default=200, help="requests per surface at concurrency 1")
    parser.add_argument(
        "--requests-c10", type=int, default=300, help="requests per surface at concurrency 10"
    )
    parser.add_argument("--time-cap", type=float, default=15.0, help="seconds at most per surface and level")
    parser.add_argument("--quick", action="store_true", help="a tenth of the data, a few requests")
    parser.add_argument("--no-write", action="store_true", help="print only")
    parser.add_argument(
        "--scale-out", action="store_true", help="also two bot processes on the one database (PostgreSQL)"
    )
    parser.add_argument(
        "--surfaces",
        help="only these surfaces, comma-separated names or prefixes (e.g. 'meetings,home,nominate'); "
        "a selective run is printed, never written",
    )
    args = parser.parse_args(argv)
    if args.surfaces:
        args.no_write = True
    if args.quick:
        args.scale, args.requests_c1, args.requests_c10, args.time_cap = 0.1, 6, 20, 5.0
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    argv_text = " ".join(argv if argv is not None else sys.argv[1:])
    load_before = loadavg()
    now = datetime.now(UTC)
    # Forget-me erases one seeded member a request: enough of them for every request.
    forgetters = 2 * (args.requests_c1 + args.requests_c10) + 40
    summary: dict[str, Any] = {
        "command": f"python -m bench.at_scale {argv_text}".strip(),
        "machine": machine(),
    }
    with (
        tempfile.TemporaryDirectory(prefix="liec-scale-") as tmp,
        databases(args.database_url, Path(tmp)) as urls,
    ):
        work = Path(tmp)
        full, small = urls
        started = time.perf_counter()
        sizes = seeding.seed(full, now, args.scale, forget_me_members=forgetters)
        summary["seed_s"] = round(time.perf_counter() - started, 1)
        small_sizes = seeding.seed(small, now, args.scale / 10, forget_me_members=10)
        org = seeding.org_file(sizes)
        org_path = seeding.write_org_file(work / "liec.yml", sizes)
        admins = list(org["admins"])
        summary["sizes"] = ", ".join(f"{k} {v:,}" for k, v in vars(sizes).items())
        summary["dialect"] = make_url(full).get_backend_name()
        print(f"seeded in {summary['seed_s']} s: {summary['sizes']}", file=sys.stderr)

        writers = [db.make_engine(full), db.make_engine(small)]  # the changes between exports
        chosen = selected(surfaces(admins, change_nominations(writers[0])), args.surfaces)
        quiet = 0.1 if args.quick else 0.2  # seconds without a statement or a call: work over
        summary["statements"] = count_statements(full, org, chosen, quiet=quiet)
        summary["statements_small"] = count_statements(
            small,
            seeding.org_file(small_sizes),
            selected(surfaces(admins, change_nominations(writers[1])), args.surfaces),
            quiet=quiet,
        )
        print(f"statements: {summary['statements']}", file=sys.stderr)

        jobs = db.make_engine(full)  # to see when the jobs a surface queued have run
        fake = FakeSlack().start()
        set_response_base(fake)
        # A quick run ticks every second and waits less for quiet: under a minute in all.
        tick = QUICK_TICK_S if args.quick else TICK_S
        summary["settle_s"] = settle_s = tick + SETTLE_AFTER_TICK_S
        finishes = Finishes(fake, quiet_s=0.2 if args.quick else 0.5)
        bot = bot_server("bot", full, org_path, fake, tick)
        bare = bot_server("bare", full, org_path, fake)
        try:
            summary["ready_s"] = round(start_timed(bot, work), 2)
            summary["ready_log"] = bot.log_tail(12).splitlines()  # where the start's time went
            start_timed(bare, work)
            time.sleep(tick + 3)  # the start-up jobs and the first scheduler ticks: not measured
            summary["memory_idle"] = memory(bot)  # started, nothing asked of it yet
            summary["memory_bare"] = memory(bare)
            settle(fake)  # the start's deliveries of the seeded waiting questions: not measured
            all_surfaces = selected(surfaces(admins, change_nominations(writers[0])), args.surfaces)
            floor = floor_surface()
            for surface in [*all_surfaces]:
                run(bot.port, finishes, surface, 1, 3, args.time_cap)  # warm-up
            run(bare.port, finishes, floor, 10, 100, args.time_cap)
            time.sleep(settle_s)
            summary["memory_warm"] = memory(bot)
            results: list[Result] = []
            floors: dict[str, Result] = {}
            for concurrency, total in ((1, args.requests_c1), (10, args.requests_c10)):
                floor_total = max(total, 100)
                before = run(bare.port, finishes, floor, concurrency, floor_total, args.time_cap, bare)
                for surface in all_surfaces:
                    result = run(bot.port, finishes, surface, concurrency, total, args.time_cap, bot, jobs)
                    results.append(result)
                    print(f"  {surface.name:<24} c={concurrency:<3} {result.summary()}", file=sys.stderr)
                after = run(bare.port, finishes, floor, concurrency, floor_total, args.time_cap, bare)
                floors[str(concurrency)] = merge(before, after)
            summary["memory_end"] = memory(bot)  # the moment the last surface is done
            # Then as it stays: the scheduler's next tick gives freed memory back (bot/memory.py).
            time.sleep(settle_s)
            summary["memory_after"] = memory(bot)
            if args.scale_out:
                summary["scale_out"] = scale_out(
                    bot, full, org_path, fake, finishes, all_surfaces, work, args
                )
        finally:
            bot.stop()
            bare.stop()
            fake.stop()
            jobs.dispose()
            for writer in writers:
                writer.dispose()
        summary["results"] = [
            {"surface": r.surface, "concurrency": r.concurrency, **r.summary()} for r in results
        ]
        summary["floor"] = {c: r.summary() for c, r in floors.items()}
    summary["when"] = f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
    summary["database"] = "SQLite (file)" if summary["dialect"] == "sqlite" else "PostgreSQL on 127.0.0.1"
    summary["load_before"], summary["load_after"] = load_before, loadavg()
    summary["verdict"] = verdict(summary)
    text_report = report(summary)
    print(text_report)
    if not (args.quick or args.no_write or args.surfaces):
        write(summary, text_report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
