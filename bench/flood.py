"""What an unsigned flood costs signed traffic: the bot beside the bare Bolt floor.

    python -m bench.flood            # the run recorded in bench/README.md
    python -m bench.flood --quick    # a smoke run of a few seconds

For each server (the bot as `serve --http`; bare Bolt on the same server stack), signed
`/liec role secretary` commands are timed one after another, first on a quiet server, then
while attackers keep sending unsigned bodies just under 1 MiB, bodies over it, junk payloads
and connections that send headers and then stall or trickle their body. Loopback only; the
bot's Web API calls go to a FakeSlack started here.
"""

from __future__ import annotations

import argparse
import http.client
import socket
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bench.roles_latency import SECRET, TEXT, Server, loadavg, machine, make_servers
from bot.fake_slack import FakeSlack
from bot.server import EVENTS_PATH, MAX_BODY_BYTES
from bot.slack_requests import signed_headers, slash_command_body


@dataclass
class Result:
    server: str
    flood: bool
    latencies: list[float]
    errors: int
    attacks: int

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies)
        if not ordered:
            return float("nan")
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def _signed(port: int, expect: bytes) -> float | None:
    body, content_type = slash_command_body(TEXT, user_id="U0MEMBER", response_url="")
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=3)
    started = time.perf_counter()
    try:
        connection.request(
            "POST",
            EVENTS_PATH,
            body=body,
            headers={"Content-Type": content_type, **signed_headers(SECRET, body)},
        )
        answer = connection.getresponse()
        ok = answer.status == 200 and expect in answer.read()
    except (OSError, http.client.HTTPException):
        ok = False
    finally:
        connection.close()
    return time.perf_counter() - started if ok else None


def _attack(port: int, stop: threading.Event, counter: list[int], kind: int) -> None:
    big = b"a" * (MAX_BODY_BYTES - 100)
    while not stop.is_set():
        try:
            if kind == 0:  # a forged signature on a large body
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                connection.request(
                    "POST",
                    EVENTS_PATH,
                    body=big,
                    headers={"X-Slack-Request-Timestamp": str(int(time.time())), "X-Slack-Signature": "v0=0"},
                )
                connection.getresponse().read()
                connection.close()
            elif kind == 1:  # junk: not JSON, a timestamp that is not a number
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                connection.request(
                    "POST", EVENTS_PATH, body=b"payload=%7Bx", headers={"X-Slack-Request-Timestamp": "soon"}
                )
                connection.getresponse().read()
                connection.close()
            else:  # headers, a little body, then a trickle
                with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
                    sock.sendall(
                        b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Length: 500000\r\n\r\nab"
                    )
                    for _ in range(10):
                        if stop.wait(0.5):
                            break
                        sock.sendall(b"a")
            counter[0] += 1
        except (OSError, http.client.HTTPException):
            counter[0] += 1


def _expected(server: Server) -> bytes:
    # The bot answers with the role card; the bare floor with an empty acknowledgement.
    return b"Secretary" if server.name == "bot" else b""


def measure(server: Server, requests: int, flood: bool) -> Result:
    stop = threading.Event()
    counter = [0]
    attackers = [
        threading.Thread(target=_attack, args=(server.port, stop, counter, i % 3), daemon=True)
        for i in range(24 if flood else 0)
    ]
    for thread in attackers:
        thread.start()
    if flood:
        time.sleep(1.0)
    latencies: list[float] = []
    errors = 0
    for _ in range(requests):
        took = _signed(server.port, _expected(server))
        if took is None:
            errors += 1
        else:
            latencies.append(took)
    stop.set()
    for thread in attackers:
        thread.join(timeout=15)
    return Result(server.name, flood, latencies, errors, counter[0])


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench.flood", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    requests = 30 if args.quick else 300
    fake = FakeSlack().start()
    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="liec-flood-") as tmp:
        for server in make_servers(["bot", "bare"], fake, Path(tmp)):
            server.start(Path(tmp))
            try:
                server.wait_healthy()
                for _ in range(10):
                    _signed(server.port, _expected(server))  # warm up
                results.append(measure(server, requests, flood=False))
                results.append(measure(server, requests, flood=True))
            finally:
                server.stop()
    fake.stop()
    print(
        f"bench.flood {'--quick ' if args.quick else ''}on {machine()}, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
    )
    print(f"load average after: {loadavg()}")
    print("| server | flood | signed requests | p50 ms | p99 ms | failed or over 3 s | attack requests |")
    print("|---|---|---|---|---|---|---|")
    for r in results:
        print(
            f"| {r.server} | {'yes' if r.flood else 'no'} | {len(r.latencies) + r.errors} | "
            f"{r.percentile(0.5):.1f} | {r.percentile(0.99):.1f} | {r.errors} | {r.attacks} |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
