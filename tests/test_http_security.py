"""An unauthenticated request costs the bot nothing (README, "Security").

The bot runs as a volunteer runs it (`python -m bot serve --http`), and Slack is the fake on
loopback. While unsigned 1 MB bodies, junk and stalled connections are in flight, a signed
`/liec role secretary` is still answered within Slack's 3 seconds, and nothing of the refused
requests reaches the log.
"""

from __future__ import annotations

import contextlib
import http.client
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.fake_slack import FakeSlack
from bot.logs import MAX_FIELD_CHARS, redact
from bot.server import MAX_BODY_BYTES, signature_valid
from bot.slack_requests import signed_headers, slash_command_body
from tests.processes import bot_env, free_port, stop

SECRET = "security-test-secret"
PERSONAL = ("Zebedee Quuxworth", "zebedee.q", "L7654321", "Hollowmere statement")


def _wait_until_up(port: int, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the bot stopped: {process.stdout.read() if process.stdout else ''}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise AssertionError("the bot did not come up within 60 s")


@contextlib.contextmanager
def _serving(tmp_path: Path, api_url: str) -> Iterator[tuple[int, subprocess.Popen[str]]]:
    """`python -m bot serve --http` on a free port, its Web API calls going to `api_url`."""
    port = free_port()
    env = bot_env(
        tmp_path, SLACK_BOT_TOKEN="xoxb-security", SLACK_SIGNING_SECRET=SECRET, SLACK_API_URL=api_url
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "serve", "--http", "--port", str(port)],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        _wait_until_up(port, process)
        yield port, process
    finally:
        stop(process, 20)


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[int, subprocess.Popen[str]]]:
    fake = FakeSlack().start()
    try:
        with _serving(tmp_path, fake.api_url) as serving:
            yield serving
    finally:
        fake.stop()


def _post(port: int, body: bytes, headers: dict[str, str], timeout: float = 30) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("POST", "/slack/events", body=body, headers=headers)
        answer = connection.getresponse()
        return answer.status, answer.read()
    finally:
        connection.close()


def _stall(port: int, opened: list[socket.socket], trickle: bool) -> None:
    """Headers announcing a large body, a few bytes of it, then nothing (or a byte now and then)."""
    sock = socket.create_connection(("127.0.0.1", port))
    opened.append(sock)
    sock.sendall(
        b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
        b"Content-Length: 900000\r\n\r\ntoken=abc"
    )
    if trickle:
        for _ in range(20):
            time.sleep(0.3)
            try:
                sock.sendall(b"a")
            except OSError:
                return


def _signed_role_command() -> tuple[bytes, dict[str, str]]:
    body, content_type = slash_command_body("role secretary", user_id="U0MEMBER", response_url="")
    return body.encode(), {"Content-Type": content_type, **signed_headers(SECRET, body)}


def test_a_signed_command_is_answered_in_time_during_a_flood(
    served: tuple[int, subprocess.Popen[str]],
) -> None:
    port, process = served
    personal = "&".join(f"f{i}={value}" for i, value in enumerate(PERSONAL)).replace(
        "zebedee.q", "zebedee.q%40example.org"
    )
    letters = b"a" * (MAX_BODY_BYTES - 1000)
    floods: list[tuple[bytes, dict[str, str]]] = [
        # Just under the limit, with a forged signature: read, refused by its signature.
        (letters, {"X-Slack-Request-Timestamp": str(int(time.time())), "X-Slack-Signature": "v0=00"}),
        # Over the limit: refused from its Content-Length.
        (b"b" * (MAX_BODY_BYTES + 10), {}),
        # Junk: a payload that is not JSON, a timestamp that is not a number.
        (b"payload=%7Bnot-json", {"X-Slack-Request-Timestamp": "soon", "X-Slack-Signature": "v0=zz"}),
        # A member's data in a forged request: refused, and never logged.
        (
            personal.encode(),
            {"X-Slack-Request-Timestamp": str(int(time.time())), "X-Slack-Signature": "v0=1"},
        ),
    ]
    statuses: list[int] = []
    opened: list[socket.socket] = []

    def flood(body: bytes, headers: dict[str, str]) -> None:
        try:
            status, _ = _post(port, body, {"Content-Type": "application/x-www-form-urlencoded", **headers})
            statuses.append(status)
        except (OSError, http.client.HTTPException):
            statuses.append(-1)  # the server may close a connection whose body it refused

    stallers = [threading.Thread(target=_stall, args=(port, opened, i % 2 == 0)) for i in range(20)]
    flooders = [threading.Thread(target=flood, args=floods[i % len(floods)]) for i in range(12)]
    try:
        for thread in stallers:
            thread.start()
        time.sleep(0.5)  # the stalled connections are open before the floods start
        for thread in flooders:
            thread.start()
        body, headers = _signed_role_command()
        started = time.monotonic()
        status, answer = _post(port, body, headers, timeout=3)  # Slack's limit: 3 s
        assert status == 200, answer
        assert b"Secretary" in answer
        assert time.monotonic() - started < 3
        for thread in flooders:
            thread.join(timeout=60)
        assert statuses and all(status in {401, 413, -1} for status in statuses), statuses
        assert 401 in statuses and 413 in statuses
    finally:
        for sock in opened:
            sock.close()
        for thread in stallers:
            thread.join(timeout=30)
    # Every refused request left at most a line that names no part of it.
    _, output = stop(process, 20)
    assert "refused a request without a valid Slack signature" in output
    assert "aaaaaaaaaa" not in output and "not-json" not in output
    for value in PERSONAL:
        assert value not in output and value.replace(" ", "+") not in output
    assert "Traceback" not in output


def test_junk_without_a_signature_gets_401_never_500(served: tuple[int, subprocess.Popen[str]]) -> None:
    port, _ = served
    now = str(int(time.time()))
    cases: list[tuple[bytes, dict[str, str]]] = [
        (b"payload=%7B%7B%7B", {"X-Slack-Request-Timestamp": now, "X-Slack-Signature": "v0=abc"}),
        (b"payload=%7B%7D", {"X-Slack-Request-Timestamp": "1e9", "X-Slack-Signature": "v0=abc"}),
        (b"payload=%7B%7D", {"X-Slack-Request-Timestamp": "-1", "X-Slack-Signature": ""}),
        (b"payload=%7B%7D", {"X-Slack-Request-Timestamp": "9" * 400, "X-Slack-Signature": "v0=abc"}),
        (b"command=%2Fliec&text=role", {}),
        (b"", {"X-Slack-Request-Timestamp": now}),
    ]
    for body, headers in cases:
        status, answer = _post(port, body, {"Content-Type": "application/x-www-form-urlencoded", **headers})
        assert status == 401, (body, headers, answer)
        assert answer == b""


def test_an_old_signature_is_refused_even_when_it_is_right(served: tuple[int, subprocess.Popen[str]]) -> None:
    port, _ = served
    body, content_type = slash_command_body("role secretary", user_id="U0MEMBER", response_url="")
    old = signed_headers(SECRET, body, timestamp=int(time.time()) - 6 * 60)
    status, _ = _post(port, body.encode(), {"Content-Type": content_type, **old})
    assert status == 401


def test_signature_check_never_raises_on_junk() -> None:
    body = b"payload=x"
    for timestamp, signature in [(None, None), ("", "v0=1"), ("abc", "v0=1"), ("12" * 30, "v0=1"), ("1", "")]:
        assert signature_valid(SECRET, body, timestamp, signature) is False
    now = int(time.time())
    good = signed_headers(SECRET, body.decode(), timestamp=now)
    assert signature_valid(SECRET, body, good["X-Slack-Request-Timestamp"], good["X-Slack-Signature"])
    assert not signature_valid(
        SECRET, body + b"x", good["X-Slack-Request-Timestamp"], good["X-Slack-Signature"]
    )


def test_the_redactor_bounds_what_it_writes_and_still_masks() -> None:
    long = "a" * 400_000
    assert len(redact(long)) < MAX_FIELD_CHARS + 100
    masked = redact("from jo.bloggs@example.org and jo.bloggs%40example.org, number L1234567")
    assert "jo.bloggs" not in masked and "L1234567" not in masked


def test_socket_mode_port_answers_health_and_refuses_events(tmp_path: Path) -> None:
    from slack_bolt import App

    from bot.server import make_server, make_wsgi_app

    seen: list[Any] = []
    app = App(signing_secret=SECRET, token="xoxb-x", token_verification_enabled=False)

    @app.command("/liec")
    def _never(ack: Any) -> None:
        seen.append(1)
        ack()

    server = make_server(make_wsgi_app(app, signing_secret=None, events=False), 0, host="127.0.0.1")
    port = int(server.effective_port)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as answer:
            assert answer.status == 200
        body, headers = _signed_role_command()
        status, _ = _post(port, body, headers, timeout=5)
        assert status == 404
        assert seen == []
    finally:
        server.close()


def test_a_command_needing_nothing_from_slack_is_answered_while_slack_is_unreachable(
    tmp_path: Path,
) -> None:
    """One workspace, one token (bot/app.py `OneWorkspace`): no auth.test before answering, so
    the role card comes from the bot alone while Slack's Web API does not answer at all."""
    closed = free_port()  # nothing listens there
    with _serving(tmp_path, f"http://127.0.0.1:{closed}/api/") as (port, _process):
        body, headers = _signed_role_command()
        status, answer = _post(port, body, headers)
    assert status == 200 and b"Secretary" in answer, answer[:300]
