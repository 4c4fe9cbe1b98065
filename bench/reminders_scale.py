"""10,000 meetings whose reminders fall due in the same minute, against a rate-limited Slack.

    python -m bench.reminders_scale                       # the run recorded in bench/README.md
    python -m bench.reminders_scale --meetings 500 --quick
    python -m bench.reminders_scale --database-url postgresql+psycopg://root@127.0.0.1:5432/test

What it does, all on loopback:
1. plans 10,000 one-off meetings over 500 channels from an organisation file, each with one
   reminder, all due at the same instant (the same code path as a start: sync_from_config);
2. starts several bot runtimes on the same database (standing for bot processes), each
   looping on its job queue's run_due as the scheduler tick would, against a stand-in Slack
   that allows one message per second per channel and answers 429 + Retry-After: 1 beyond;
3. reports how long until every reminder was posted, that each was posted exactly once, the
   429s met, and the memory the scheduler held;
4. measures the idle tick (run_due with nothing due) against 10,000 and then 100,000 future
   reminders, to show that its cost does not grow with them.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select, text

from bot import db
from bot.config import Settings, parse_org_config
from bot.runtime import Runtime, build_runtime
from models.foundation import ScheduledJob
from models.meetings import MeetingPost
from tests.e2e.harness import example_org

DUE = datetime(2026, 11, 23, 12, 1, tzinfo=UTC)
ROOT = Path(__file__).resolve().parent.parent


class ShiftedClock:
    """Real time, starting at `start` (so retries and leases still pass)."""

    def __init__(self, start: datetime) -> None:
        self.set(start)

    def set(self, start: datetime) -> None:
        self._offset = start - datetime.now(UTC)

    def now(self) -> datetime:
        return datetime.now(UTC) + self._offset


class RateLimitedSlack:
    """chat.postMessage at most once per second per channel (429 + Retry-After beyond);
    conversations.history empty; everything else ok. Counts posts by reminder key."""

    def __init__(self, per_channel_interval: float = 1.0) -> None:
        self.interval = per_channel_interval
        self.posts: Counter[str] = Counter()
        self.rejected = 0
        self._last: dict[str, float] = {}
        self._lock = threading.Lock()
        slack = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                body: dict[str, Any] = (
                    json.loads(raw) if raw and "json" in self.headers.get("Content-Type", "") else {}
                )
                status, answer, headers = slack.answer(self.path.rsplit("/", 1)[-1], body)
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/api/"

    def answer(self, method: str, body: dict[str, Any]) -> tuple[int, dict[str, Any], dict[str, str]]:
        if method == "chat.postMessage":
            channel = str(body.get("channel"))
            with self._lock:
                now = time.monotonic()
                if now - self._last.get(channel, -1e9) < self.interval:
                    self.rejected += 1
                    return 429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "1"}
                self._last[channel] = now
                key = ((body.get("metadata") or {}).get("event_payload") or {}).get("key", "?")
                self.posts[key] += 1
            return 200, {"ok": True, "channel": channel, "ts": f"{now:.6f}"}, {}
        if method == "conversations.history":
            return 200, {"ok": True, "messages": [], "has_more": False}, {}
        return 200, {"ok": True}, {}

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def organisation(meetings: int, channels: int) -> dict[str, Any]:
    org = example_org()
    org["meetings"] = [
        # Neighbours share a channel: the worst order for a queue that runs jobs by due time
        # and then by id, since all the reminders of one channel come up together.
        {
            "name": f"Meeting {n}",
            "key": f"m{n:05d}",
            "channel": f"C{n * channels // meetings:06d}",
            "start": "2026-11-23 12:10",
            "timezone": "Europe/London",
            "reminders": ["9m"],
        }
        for n in range(meetings)
    ]
    org["notice_days"] = {}
    org["channels"] = {"announcements": None, "admins": None}
    return org


def runtimes(count: int, url: str, api_url: str, org: dict[str, Any], clock: ShiftedClock) -> list[Runtime]:
    settings = Settings(
        slack_bot_token="xoxb-bench", slack_signing_secret="bench", slack_api_url=api_url, database_url=url
    )
    config = parse_org_config(org)
    return [build_runtime(settings, org=config, clock=clock, config_import=True) for _ in range(count)]


def pending_due(runtime: Runtime) -> int:
    """Reminders not yet done (due, or spread a few seconds after the minute)."""
    with runtime.deps.session_factory() as session:
        return int(
            session.scalar(
                select(func.count())
                .select_from(ScheduledJob)
                .where(
                    ScheduledJob.status.in_(["pending", "running"]),
                    ScheduledJob.key.startswith("mtg:"),
                )
            )
            or 0
        )


def rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def worker(args: argparse.Namespace) -> None:
    """One bot process: loop on run_due, as the scheduler tick does, until nothing is due."""
    org = json.loads(Path(args.org).read_text())
    [runtime] = runtimes(1, args.database_url, args.api_url, org, ShiftedClock(DUE))
    idle = rss_mib()
    ran = 0
    while True:
        done = runtime.deps.jobs.run_due()
        ran += done
        if done == 0:
            if pending_due(runtime) == 0:
                break
            time.sleep(0.2)  # the tick interval when idle
    print(json.dumps({"ran": ran, "rss_idle_mib": idle, "rss_max_mib": rss_mib()}), flush=True)
    runtime.engine.dispose()


def deliver(
    count: int, url: str, api_url: str, org_path: Path, timeout: float
) -> tuple[float, list[dict[str, Any]]]:
    """Start `count` bot processes on the same database; the seconds until all are done."""
    command = [
        sys.executable,
        "-m",
        "bench.reminders_scale",
        "--worker",
        "--database-url",
        url,
        "--api-url",
        api_url,
        "--org",
        str(org_path),
    ]
    began = time.perf_counter()
    processes = [subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True) for _ in range(count)]
    reports = []
    for process in processes:
        out, _err = process.communicate(timeout=timeout)
        reports.append(json.loads(out.strip().splitlines()[-1]))
    return time.perf_counter() - began, reports


def idle_tick_ms(runtime: Runtime, rounds: int = 50) -> float:
    runtime.deps.jobs.run_due()
    times = []
    for _ in range(rounds):
        began = time.perf_counter()
        ran = runtime.deps.jobs.run_due()
        times.append((time.perf_counter() - began) * 1000)
        assert ran == 0
    return statistics.median(times)


def add_future_jobs(runtime: Runtime, count: int, start: datetime) -> None:
    rows = [
        {
            "kind": "meeting_reminder",
            "key": f"mtg:future{n}:x:1h",
            "due_at": start + timedelta(days=1, seconds=n),
            "payload": {},
            "status": "pending",
            "attempts": 0,
        }
        for n in range(count)
    ]
    with runtime.deps.session_factory.begin() as session:
        for chunk in range(0, len(rows), 5000):
            session.execute(insert(ScheduledJob), rows[chunk : chunk + 5000])


def query_plan(runtime: Runtime) -> str:
    """How the database answers the idle tick's query (the one in JobQueue.run_due)."""
    when = "'2026-11-23 12:30:00+00'"
    query = (
        f"SELECT id, status FROM scheduled_jobs WHERE (status = 'pending' AND due_at <= {when}) "
        f"OR (status = 'running' AND lease_until < {when}) ORDER BY due_at LIMIT 200"
    )
    with runtime.engine.connect() as conn:
        if runtime.engine.dialect.name == "sqlite":
            rows = conn.execute(text("EXPLAIN QUERY PLAN " + query)).all()
            return "; ".join(str(row[-1]) for row in rows)
        rows = conn.execute(text("EXPLAIN " + query)).all()
        return " | ".join(str(row[0]).strip() for row in rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--meetings", type=int, default=10_000)
    parser.add_argument("--channels", type=int, default=500)
    parser.add_argument("--workers", type=int, default=2, help="bot processes sharing the database")
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--quick", action="store_true", help="skip the 100,000-job idle tick")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--api-url", help=argparse.SUPPRESS)
    parser.add_argument("--org", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args)
        return

    tmp = Path(tempfile.mkdtemp(prefix="liec-bench-"))
    url = args.database_url or f"sqlite:///{tmp / 'bench.db'}"
    db.upgrade(url)
    slack = RateLimitedSlack()
    org = organisation(args.meetings, args.channels)
    org_path = tmp / "org.json"
    org_path.write_text(json.dumps(org, default=str))
    clock = ShiftedClock(DUE - timedelta(minutes=1))
    [planner] = runtimes(1, url, slack.api_url, org, clock)

    began = time.perf_counter()
    planner.deps.jobs.startup()  # the organisation file becomes meetings and jobs
    planning = time.perf_counter() - began
    with planner.deps.session_factory() as session:
        jobs = session.scalar(
            select(func.count()).select_from(ScheduledJob).where(ScheduledJob.key.startswith("mtg:"))
        )
    idle_small = idle_tick_ms(planner)

    elapsed, reports = deliver(args.workers, url, slack.api_url, org_path, timeout=1800)

    with planner.deps.session_factory() as session:
        outcomes = Counter(session.scalars(select(MeetingPost.outcome)).all())
    posted = slack.posts
    duplicates = sum(1 for count in posted.values() if count > 1)
    if not args.quick:
        add_future_jobs(planner, 100_000, DUE)
    clock.set(DUE + timedelta(minutes=10))
    if planner.engine.dialect.name == "postgresql":
        # What autovacuum does after a burst: clear the dead row versions 10,000 claims left.
        with planner.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE scheduled_jobs"))
    plan = query_plan(planner)
    idle_large = idle_tick_ms(planner) if not args.quick else float("nan")

    print(f"database                 {planner.engine.dialect.name}, {args.workers} bot processes")
    print(
        f"meetings / channels      {args.meetings} / {args.channels} (one reminder each, all due {DUE:%H:%M} UTC)"
    )
    print(f"planning (file -> jobs)  {planning:.1f} s for {jobs} reminder jobs")
    print(
        f"all posted after         {elapsed:.1f} s, process start included "
        f"(floor: {args.meetings / args.channels:.0f} s at 1 msg/s/channel)"
    )
    print(f"posted / distinct keys   {sum(posted.values())} / {len(posted)}; duplicates {duplicates}")
    print(f"outcomes                 {dict(outcomes)}")
    print(f"429 answers met          {slack.rejected}")
    print(f"jobs run per process     {[r['ran'] for r in reports]}")
    print(
        f"process memory (max RSS) {[round(r['rss_idle_mib']) for r in reports]} MiB idle, "
        f"{[round(r['rss_max_mib']) for r in reports]} MiB after delivering"
    )
    print(
        f"idle tick (median)       {idle_small:.2f} ms with {jobs} future reminders; "
        f"{idle_large:.2f} ms with 100,000 future reminders (and those {jobs} done)"
    )
    print(f"idle tick query plan     {plan}")
    slack.stop()
    planner.engine.dispose()


if __name__ == "__main__":
    main()
