"""Where the time of one `/liec role secretary` goes, inside one process, without HTTP.

    python -m bench.profile_request [--runs 3000] [--profile]

It builds the bot as `serve` does (against a FakeSlack and a temporary SQLite file) and a
bare Bolt app, then times the WSGI call of each and the pieces of the bot's request path
one by one: the reply, the Block Kit serialisation. With --profile it prints cProfile's top functions for the bot's WSGI call.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import pstats
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from bench.bare_app import create_bare_app
from bench.roles_latency import ROOT, SECRET, TEXT
from bot.commands import CommandRequest
from bot.config import Settings
from bot.fake_slack import FakeSlack
from bot.runtime import build_runtime
from bot.server import EVENTS_PATH, WSGIApp, make_wsgi_app
from bot.slack_requests import signed_headers, slash_command_body
from handlers.roles import role_reply


def per_call_us(fn: Callable[[], object], runs: int) -> float:
    """Median of five batches, in microseconds per call: robust to a stray scheduler tick."""
    batches = []
    for _ in range(5):
        started = time.perf_counter()
        for _ in range(runs // 5):
            fn()
        batches.append((time.perf_counter() - started) / (runs // 5))
    return 1e6 * sorted(batches)[2]


def environ(body: str, content_type: str) -> dict[str, Any]:
    payload = body.encode()
    env: dict[str, Any] = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": EVENTS_PATH,
        "QUERY_STRING": "",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "CONTENT_TYPE": content_type,
        "CONTENT_LENGTH": str(len(payload)),
        "wsgi.input": io.BytesIO(payload),
    }
    for name, value in signed_headers(SECRET, body).items():
        env["HTTP_" + name.upper().replace("-", "_")] = value
    return env


def call(wsgi: WSGIApp, body: str, content_type: str) -> bytes:
    status: list[str] = []

    def start_response(line: str, _headers: Iterable[tuple[str, str]]) -> None:
        status.append(line)

    data = b"".join(wsgi(environ(body, content_type), start_response))
    assert status[0].startswith("200"), status
    return data


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench.profile_request", description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3000)
    parser.add_argument("--profile", action="store_true", help="print cProfile's top functions")
    args = parser.parse_args(argv)

    fake = FakeSlack().start()
    body, content_type = slash_command_body(TEXT, response_url=fake.response_url("bench"))
    with tempfile.TemporaryDirectory(prefix="liec-profile-") as tmp:
        settings = Settings(
            slack_bot_token="xoxb-bench-token",
            slack_signing_secret=SECRET,
            slack_api_url=fake.api_url,
            database_url=f"sqlite:///{Path(tmp) / 'bench.db'}",
            liec_config=ROOT / "bot" / "data" / "liec.example.yml",
        )
        runtime = build_runtime(settings, verified_before=True)  # as serve --http
        deps = runtime.deps
        bot = runtime.http_app()  # as serve --http builds it
        bare = make_wsgi_app(create_bare_app(SECRET, fake.api_url), signing_secret=None)
        answer = call(bot, body, content_type)
        assert b"Secretary" in answer, answer[:200]
        call(bare, body, content_type)

        request = CommandRequest(
            user_id="U0MEMBER", channel_id="C0GENERAL", team_id="T0001", args="secretary"
        )
        reply = role_reply(request, deps)
        ack_body = reply.as_ephemeral()
        runs = args.runs
        rows = [
            ("bare app: whole WSGI call", per_call_us(lambda: call(bare, body, content_type), runs)),
            ("bot: whole WSGI call", per_call_us(lambda: call(bot, body, content_type), runs)),
            (
                "  role_reply (match + the card's slack_sdk blocks)",
                per_call_us(lambda: role_reply(request, deps), runs),
            ),
            ("    roles.match('secretary')", per_call_us(lambda: deps.roles.match("secretary"), runs)),
            ("  Reply.as_ephemeral (to_dict validation)", per_call_us(reply.as_ephemeral, runs)),
            ("  json.dumps of the ack body", per_call_us(lambda: json.dumps(ack_body), runs)),
        ]
        print(f"{'piece':<50} {'us/call':>9}")
        for name, micros in rows:
            print(f"{name:<50} {micros:>9.0f}")
        print(f"ack body: {len(json.dumps(ack_body))} bytes of JSON, {len(ack_body['blocks'])} blocks")

        if args.profile:
            profiler = cProfile.Profile()
            profiler.enable()
            for _ in range(runs):
                call(bot, body, content_type)
            profiler.disable()
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(45)
            print(out.getvalue())
        time.sleep(0.5)  # let any work after the acknowledgements above finish before the database goes
        runtime.engine.dispose()
    fake.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
