"""Latency of `/liec role secretary`: the bot against a bare Bolt app, behind the same server.

    python -m bench.roles_latency                 # the full run recorded in bench/README.md
    python -m bench.roles_latency --quick         # a smoke run of a few seconds
    python -m bench.roles_latency --seeded --repeat 5 --servers bot,bare
                                                  # the bot on a database ten times LI's size
                                                  # (bench.seed), five whole runs, each run's
                                                  # ratio and their spread

Each server is a subprocess (gunicorn master and its worker, as in production), measured
from /proc: CPU per request from utime+stime, idle memory from VmRSS. The load generator
sends signed slash commands on keep-alive connections, one connection per simulated
client, at each concurrency in turn, over loopback only. Nothing reaches the internet: the
bot's Web API calls go to a FakeSlack started here.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import http.client
import itertools
import os
import platform
import resource
import shlex
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from bot.fake_slack import FakeSlack
from bot.server import EVENTS_PATH, HEALTH_PATH
from bot.slack_requests import signed_headers, slash_command_body

ROOT = Path(__file__).resolve().parent.parent
SECRET = "bench-signing-secret"
TEXT = "role secretary"
EXPECTED = b"Secretary"  # the role card's title: proof the bot did the real work
TARGET = 1.5  # bot p99 at most this times the fastest bare configuration's p99
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024


# Servers -------------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def process_tree(pid: int) -> list[int]:
    """The process and all its descendants (the gunicorn master and its workers)."""
    found = [pid]
    with contextlib.suppress(OSError):
        for task in os.listdir(f"/proc/{pid}/task"):
            with contextlib.suppress(OSError):
                children = Path(f"/proc/{pid}/task/{task}/children").read_text().split()
                for child in children:
                    found.extend(process_tree(int(child)))
    return found


def cpu_seconds(pids: Sequence[int]) -> float:
    ticks = 0
    for pid in pids:
        with contextlib.suppress(OSError):
            stat = Path(f"/proc/{pid}/stat").read_text()
            fields = stat[stat.rindex(")") + 2 :].split()
            ticks += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
    return ticks / CLOCK_TICKS


def memory_mb(pids: Sequence[int], source: str, key: str) -> float:
    kb = 0
    for pid in pids:
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{pid}/{source}").read_text().splitlines():
                if line.startswith(key):
                    kb += int(line.split()[1])
    return kb / 1024


def rss_mb(pids: Sequence[int]) -> float:
    """Resident memory, as `top` shows it: pages a forked worker shares with its master count twice."""
    return memory_mb(pids, "status", "VmRSS:")


def pss_mb(pids: Sequence[int]) -> float:
    """Proportional set size: each shared page split between the processes sharing it."""
    return memory_mb(pids, "smaps_rollup", "Pss:")


@dataclass
class Server:
    name: str
    argv: list[str]
    env: dict[str, str]
    port: int = field(default_factory=free_port)
    log_path: Path | None = None
    process: subprocess.Popen[bytes] | None = None

    def start(self, log_dir: Path) -> None:
        self.log_path = log_dir / f"{self.name}.log"
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                [*self.argv, "--port", str(self.port)],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def wait_healthy(self, timeout: float = 90.0) -> None:
        assert self.process is not None
        deadline = time.monotonic() + timeout
        url = f"http://127.0.0.1:{self.port}{HEALTH_PATH}"
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited at start:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(url, timeout=1) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"{self.name} did not answer {HEALTH_PATH} in {timeout:.0f} s:\n{self.log_tail()}")

    def pids(self) -> list[int]:
        assert self.process is not None
        return process_tree(self.process.pid)

    def log_tail(self, lines: int = 30) -> str:
        if self.log_path is None or not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def make_servers(
    names: Sequence[str],
    fake: FakeSlack,
    work_dir: Path,
    candidate: str | None = None,
    database: tuple[str, Path] | None = None,
) -> list[Server]:
    """`database`: the bot's (URL, organisation file) when not a fresh one with the example file."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"SLACK_APP_TOKEN", "PORT", "DATABASE_URL", "LIEC_CONFIG"}
    }
    env.update(
        SLACK_BOT_TOKEN="xoxb-bench-token",
        SLACK_SIGNING_SECRET=SECRET,
        SLACK_API_URL=fake.api_url,
        PYTHONUNBUFFERED="1",
    )
    url, org_file = database or (
        f"sqlite:///{work_dir / 'bench.db'}",
        ROOT / "bot" / "data" / "liec.example.yml",
    )
    bot_env = {**env, "DATABASE_URL": url, "LIEC_CONFIG": str(org_file)}
    python = sys.executable
    known = {
        "bot": Server("bot", [python, "-m", "bot", "serve", "--http"], bot_env),
        "bare": Server("bare", [python, "-m", "bench.bare_app"], env),
        "bare-default": Server("bare-default", [python, "-m", "bench.bare_app", "--default-ack"], env),
    }
    servers = [known[name] for name in names]
    if candidate:
        # Another build of the bot (say, with a fix applied), on its own database.
        servers.append(
            Server(
                "candidate",
                shlex.split(candidate),
                {**bot_env, "DATABASE_URL": f"sqlite:///{work_dir / 'candidate.db'}"},
            )
        )
    return servers


# Load ----------------------------------------------------------------------------------------
@dataclass
class Level:
    server: str
    concurrency: int
    latencies: list[float]  # seconds, one per successful request
    errors: int
    wall: float
    server_cpu: float
    client_cpu: float
    first_body: bytes = b""

    @property
    def count(self) -> int:
        return len(self.latencies)

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies)
        if not ordered:
            return float("nan")
        # Nearest rank: the value at or below which q of the requests finished.
        rank = max(1, int(-(-q * len(ordered) // 1)))
        return ordered[min(rank, len(ordered)) - 1]

    @property
    def throughput(self) -> float:
        return self.count / self.wall if self.wall else 0.0

    @property
    def cpu_ms_per_request(self) -> float:
        return 1000 * self.server_cpu / self.count if self.count else float("nan")

    @property
    def client_cpu_ms_per_request(self) -> float:
        return 1000 * self.client_cpu / self.count if self.count else float("nan")


def merge(parts: Sequence[Level]) -> Level:
    """One level out of its rounds: latencies pooled, CPU and wall time added up."""
    return Level(
        server=parts[0].server,
        concurrency=parts[0].concurrency,
        latencies=[latency for part in parts for latency in part.latencies],
        errors=sum(part.errors for part in parts),
        wall=sum(part.wall for part in parts),
        server_cpu=sum(part.server_cpu for part in parts),
        client_cpu=sum(part.client_cpu for part in parts),
        first_body=parts[0].first_body,
    )


@contextlib.contextmanager
def connection(port: int) -> Iterator[list[http.client.HTTPConnection]]:
    """A keep-alive connection in a box, so a broken one can be replaced in place."""
    box = [open_connection(port)]
    try:
        yield box
    finally:
        box[0].close()


def open_connection(port: int, timeout: float = 30.0) -> http.client.HTTPConnection:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    _connect(conn)
    return conn


def _connect(conn: http.client.HTTPConnection) -> socket.socket:
    conn.connect()
    assert conn.sock is not None
    # `post` writes each request at once; this rules the client out as a Nagle delay.
    conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return conn.sock


def post(conn: http.client.HTTPConnection, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
    """(status, body) of a POST to /slack/events on ``conn``, its request written in one send;
    a connection the server closes after its answer (HTTP/1.0) is opened again for the next.

    ``HTTPConnection.request`` sends the headers and the body in two: between them the client
    thread gives up this process's interpreter, and another thread (another client, the
    stand-in Slack checking a modal) could hold it for milliseconds, seen on the wire as a
    body arriving up to 10 ms after its headers and counted as the server's latency.
    OSError or HTTPException when the connection fails."""
    sock = conn.sock if conn.sock is not None else _connect(conn)
    lines = [f"POST {EVENTS_PATH} HTTP/1.1", f"Host: {conn.host}:{conn.port}", f"Content-Length: {len(body)}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
    response = http.client.HTTPResponse(sock, method="POST")
    response.begin()
    data = response.read()
    if response.will_close:
        conn.close()
    return response.status, data


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """This process's garbage collector off while it measures, after a full collection. The
    benchmark's process is the load generator and the stand-in Slack, which keeps every call
    it saw: tens of thousands of objects by the time of the later levels. A full collection of
    them stopped every client thread for 50 to 120 ms, and one request caught in it showed as
    an acknowledgement of about 100 ms that the bot never took (seen here with gc.callbacks in
    both processes: the bot's collections took under 8 ms)."""
    gc.collect()
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def run_level(
    server: Server, concurrency: int, total: int, time_cap: float, body: str, content_type: str
) -> Level:
    """`total` requests from `concurrency` clients, each waiting for its answer before the next."""
    tickets = itertools.count()
    latencies: list[float] = []
    errors = [0]
    first_body: list[bytes] = []
    ready = threading.Barrier(concurrency + 1)
    deadline = [0.0]
    payload = body.encode()

    def client() -> None:
        with connection(server.port) as box:
            ready.wait()
            while next(tickets) < total and time.monotonic() < deadline[0]:
                # Signed afresh each time: Bolt refuses a timestamp over five minutes old.
                headers = {"Content-Type": content_type, **signed_headers(SECRET, body)}
                started = time.perf_counter()
                try:
                    status, data = post(box[0], payload, headers)
                except (OSError, http.client.HTTPException):
                    errors[0] += 1
                    box[0].close()
                    box[0] = open_connection(server.port)
                    continue
                elapsed = time.perf_counter() - started
                if status != 200:
                    errors[0] += 1
                    continue
                latencies.append(elapsed)
                if not first_body:
                    first_body.append(data)

    threads = [threading.Thread(target=client, daemon=True) for _ in range(concurrency)]
    with collector_paused():
        for thread in threads:
            thread.start()
        pids = server.pids()
        cpu_before = cpu_seconds(pids)
        client_before = resource.getrusage(resource.RUSAGE_SELF)
        deadline[0] = time.monotonic() + time_cap
        started = time.perf_counter()
        ready.wait()
        for thread in threads:
            thread.join()
        wall = time.perf_counter() - started
        client_after = resource.getrusage(resource.RUSAGE_SELF)
    client_cpu = (client_after.ru_utime + client_after.ru_stime) - (
        client_before.ru_utime + client_before.ru_stime
    )
    return Level(
        server=server.name,
        concurrency=concurrency,
        latencies=latencies,
        errors=errors[0],
        wall=wall,
        server_cpu=cpu_seconds(pids) - cpu_before,
        client_cpu=client_cpu,
        first_body=first_body[0] if first_body else b"",
    )


# Report --------------------------------------------------------------------------------------
def fastest_bare(levels: Sequence[Level], concurrency: int) -> float:
    bare = [
        lv.percentile(0.99) for lv in levels if lv.concurrency == concurrency and lv.server.startswith("bare")
    ]
    return min(bare) if bare else float("nan")


def table(levels: Sequence[Level], idle: dict[str, tuple[float, float]]) -> str:
    rows = [
        "| server | concurrency | requests | errors | p50 ms | p99 ms | req/s | server CPU ms/req "
        "| idle RSS MB | idle PSS MB | p99 / fastest bare |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for lv in sorted(levels, key=lambda lv: lv.concurrency):
        ratio = lv.percentile(0.99) / fastest_bare(levels, lv.concurrency)
        rows.append(
            f"| {lv.server} | {lv.concurrency} | {lv.count} | {lv.errors} "
            f"| {1000 * lv.percentile(0.5):.2f} | {1000 * lv.percentile(0.99):.2f} "
            f"| {lv.throughput:.0f} | {lv.cpu_ms_per_request:.2f} "
            f"| {idle[lv.server][0]:.1f} | {idle[lv.server][1]:.1f} | {ratio:.2f} |"
        )
    return "\n".join(rows)


def verdict(levels: Sequence[Level]) -> list[str]:
    lines = []
    for lv in sorted(levels, key=lambda lv: lv.concurrency):
        base = fastest_bare(levels, lv.concurrency)
        if lv.server.startswith("bare") or base != base:  # NaN: nothing to compare with
            continue
        ratio = lv.percentile(0.99) / base
        met = "met" if ratio <= TARGET else "MISSED"
        lines.append(
            f"{lv.server} c={lv.concurrency}: p99 is {ratio:.2f}x the fastest bare p99 (target {TARGET}x): {met}"
        )
    return lines


def repeats_table(runs: Sequence[Sequence[Level]]) -> str:
    """Each whole run's p99s and ratio per concurrency, then the spread of the ratios."""
    rows = [
        "| run | server | concurrency | requests | p99 ms | fastest bare p99 ms | ratio |",
        "|---:|---|---:|---:|---:|---:|---:|",
    ]
    ratios: dict[tuple[str, int], list[float]] = {}
    for number, levels in enumerate(runs, 1):
        for lv in sorted(levels, key=lambda lv: lv.concurrency):
            if lv.server.startswith("bare"):
                continue
            base = fastest_bare(levels, lv.concurrency)
            ratio = lv.percentile(0.99) / base
            ratios.setdefault((lv.server, lv.concurrency), []).append(ratio)
            rows.append(
                f"| {number} | {lv.server} | {lv.concurrency} | {lv.count} "
                f"| {1000 * lv.percentile(0.99):.2f} | {1000 * base:.2f} | {ratio:.2f} |"
            )
    rows += [
        "",
        f"| server | concurrency | runs | ratio min | ratio median | ratio max | runs within {TARGET}x |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for (server, concurrency), values in sorted(ratios.items(), key=lambda item: (item[0][1], item[0][0])):
        ordered = sorted(values)
        within = sum(1 for value in ordered if value <= TARGET)
        rows.append(
            f"| {server} | {concurrency} | {len(ordered)} | {ordered[0]:.2f} "
            f"| {statistics.median(ordered):.2f} | {ordered[-1]:.2f} | {within} of {len(ordered)} |"
        )
    return "\n".join(rows)


def machine() -> str:
    model = "unknown CPU"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return f"{os.cpu_count()} cores ({model}), Linux {platform.release()}, Python {platform.python_version()}"


def loadavg() -> str:
    """The 1, 5 and 15 minute load averages: other work on the machine shows here."""
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


# Run -----------------------------------------------------------------------------------------
def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench.roles_latency", description=__doc__.splitlines()[0])
    parser.add_argument("--levels", default="1,10,50", help="concurrencies, comma-separated")
    parser.add_argument("--requests-c1", type=int, default=2000, help="requests at concurrency 1")
    parser.add_argument("--requests", type=int, default=5000, help="requests at the other levels")
    parser.add_argument("--warmup", type=int, default=500, help="requests before measuring, per server")
    parser.add_argument("--rounds", type=int, default=5, help="rounds each level is split into")
    parser.add_argument("--time-cap", type=float, default=60.0, help="seconds at most per server and level")
    parser.add_argument("--servers", default="bot,bare,bare-default", help="any of bot, bare, bare-default")
    parser.add_argument(
        "--candidate",
        metavar="COMMAND",
        help="also measure another build of the bot, started by COMMAND (which must accept --port)",
    )
    parser.add_argument("--quick", action="store_true", help="a few hundred requests per level")
    parser.add_argument(
        "--seeded",
        action="store_true",
        help="the bot's database ten times LI's size (bench.seed) instead of an empty one",
    )
    parser.add_argument("--scale", type=float, default=1.0, help="with --seeded: 1.0 is ten times LI's size")
    parser.add_argument(
        "--database-url", help="with --seeded: a PostgreSQL server (the script makes its own database there)"
    )
    parser.add_argument(
        "--repeat", type=int, default=1, help="whole runs (every level, every round), each reported"
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.requests_c1, args.requests, args.warmup = 200, 400, 100
    return args


def measure(servers: Sequence[Server], args: argparse.Namespace, body: str, content_type: str) -> list[Level]:
    """One whole run: each level in rounds, the servers taking turns in a rotating order, so that
    a burst of other work on the machine falls on every server alike rather than on one."""
    results: list[Level] = []
    for concurrency in [int(c) for c in args.levels.split(",")]:
        total = args.requests_c1 if concurrency == 1 else args.requests
        parts: dict[str, list[Level]] = {server.name: [] for server in servers}
        for round_ in range(args.rounds):
            shift = round_ % len(servers)
            for server in [*servers[shift:], *servers[:shift]]:
                part = run_level(
                    server,
                    concurrency,
                    total // args.rounds,
                    args.time_cap / args.rounds,
                    body,
                    content_type,
                )
                parts[server.name].append(part)
        for server in servers:
            level = merge(parts[server.name])
            results.append(level)
            print(
                f"  {server.name:<13} c={concurrency:<3} {level.count} ok, {level.errors} errors, "
                f"p99 {1000 * level.percentile(0.99):.2f} ms, "
                f"client CPU {level.client_cpu_ms_per_request:.2f} ms/req",
                file=sys.stderr,
            )
    return results


def settle(fake: FakeSlack, quiet_for: float = 12.0, limit: float = 900.0) -> None:
    """Wait until the bot has made no Web API call for `quiet_for` seconds (two scheduler ticks
    and more). The seeded database holds 2,000 questions waiting for a coordinator, which the
    bot's start delivers (a users.info and two posts each, minutes of CPU on this machine):
    a burst after a start, not the steady state whose latency is measured here."""
    started = deadline = time.monotonic()
    deadline += limit
    seen, since = len(fake.calls), time.monotonic()
    while time.monotonic() < deadline:
        time.sleep(0.5)
        if len(fake.calls) != seen:
            seen, since = len(fake.calls), time.monotonic()
        elif time.monotonic() - since >= quiet_for:
            break
    print(
        f"the bot's start-up work on the seeded database: {seen} Web API calls, quiet after "
        f"{since - started:.0f} s",
        file=sys.stderr,
    )


@contextlib.contextmanager
def seeded_database(args: argparse.Namespace, work_dir: Path) -> Iterator[tuple[str, Path] | None]:
    """With --seeded: (URL, organisation file) of a database ten times LI's size, removed after."""
    if not args.seeded:
        yield None
        return
    from bench import at_scale, seed  # the same data and databases as bench.at_scale

    with at_scale.databases(args.database_url, work_dir) as (url, _small):
        started = time.perf_counter()
        sizes = seed.seed(url, datetime.now(UTC), args.scale)
        print(f"seeded in {time.perf_counter() - started:.1f} s: {sizes}", file=sys.stderr)
        yield url, seed.write_org_file(work_dir / "liec.yml", sizes)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    command = "python -m bench.roles_latency" + (" " + " ".join(argv if argv is not None else sys.argv[1:]))
    load_before = loadavg()
    fake = FakeSlack().start()
    body, content_type = slash_command_body(TEXT, user_id="U0MEMBER", response_url=fake.response_url("bench"))
    runs: list[list[Level]] = []
    idle: dict[str, tuple[float, float]] = {}
    with (
        tempfile.TemporaryDirectory(prefix="liec-bench-") as tmp,
        seeded_database(args, Path(tmp)) as database,
    ):
        servers = make_servers(args.servers.split(","), fake, Path(tmp), args.candidate, database)
        try:
            for server in servers:
                server.start(Path(tmp))
            for server in servers:
                server.wait_healthy()
            # The bot's first scheduler tick (5 s after start) runs its start-up jobs: not measured.
            time.sleep(6)
            if database is not None:
                settle(fake)
            for server in servers:
                warm = run_level(server, 10, args.warmup, args.time_cap, body, content_type)
                if warm.errors or not warm.latencies:
                    raise RuntimeError(f"{server.name} failed during warm-up:\n{server.log_tail()}")
                if server.name in {"bot", "candidate"} and EXPECTED not in warm.first_body:
                    raise RuntimeError(
                        f"the bot did not answer with the role card: {warm.first_body[:200]!r}"
                    )
            time.sleep(2)  # let the servers settle before reading idle memory
            for server in servers:
                pids = server.pids()
                idle[server.name] = (rss_mb(pids), pss_mb(pids))
            for number in range(args.repeat):
                if args.repeat > 1:
                    print(f"run {number + 1} of {args.repeat} (load average {loadavg()})", file=sys.stderr)
                runs.append(measure(servers, args, body, content_type))
        finally:
            for server in servers:
                server.stop()
            fake.stop()
    results = [level for run in runs for level in run]
    database_text = "an empty SQLite database"
    if database is not None:
        kind = "PostgreSQL on 127.0.0.1" if args.database_url else "SQLite (file)"
        database_text = f"a database ten times LI's size ({kind}, bench.seed at scale {args.scale})"
    print(f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {machine()}")
    print(f"command: {command.strip()}")
    print(f"the bot's database: {database_text}")
    print(f"load average before: {load_before}, after: {loadavg()}")
    print()
    if len(runs) > 1:
        print(repeats_table(runs))
        print()
        print("All runs pooled:")
        print()
    keys = dict.fromkeys((lv.server, lv.concurrency) for lv in results)  # in the order measured
    pooled = [merge([lv for lv in results if (lv.server, lv.concurrency) == key]) for key in keys]
    print(table(pooled, idle))
    print()
    for line in verdict(pooled):
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
