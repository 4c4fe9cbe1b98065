"""`python -m bot serve` in Socket Mode, against a stand-in Socket Mode server and Web API.

The stand-in hands the bot a websocket URL from apps.connections.open, says hello, and then
delivers envelopes as Slack does: a slash command (the ack's payload is the reply) and the
same event twice (Socket Mode redelivers without retry headers; the bot must act once).
"""

from __future__ import annotations

import json
import queue
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from websockets.sync.server import Server, ServerConnection, serve

from bot.fake_slack import FakeSlack
from tests.processes import bot_env, stop_serving


class SocketModeStandIn:
    def __init__(self) -> None:
        self.connections: queue.Queue[ServerConnection] = queue.Queue()
        self._closed = threading.Event()
        self.server: Server = serve(self._handle, "127.0.0.1", 0)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.server.socket.getsockname()[1]}/link"

    def _handle(self, connection: ServerConnection) -> None:
        connection.send(json.dumps({"type": "hello", "num_connections": 1}))
        self.connections.put(connection)
        self._closed.wait()  # returning would close the connection

    def deliver(
        self, connection: ServerConnection, envelope: dict[str, Any], timeout: float = 10
    ) -> dict[str, Any]:
        connection.send(json.dumps(envelope))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            reply = json.loads(connection.recv(timeout=deadline - time.monotonic()))
            if reply.get("envelope_id") == envelope["envelope_id"]:
                return dict(reply)
        raise AssertionError("no acknowledgement for the envelope")

    def close(self) -> None:
        self._closed.set()
        self.server.shutdown()


@pytest.fixture
def socket_bot(tmp_path: Path) -> Iterator[tuple[SocketModeStandIn, FakeSlack, subprocess.Popen[str]]]:
    stand_in = SocketModeStandIn()
    fake = FakeSlack(users={"U0MEMBER": {"name": "m", "tz": "Europe/Paris", "profile": {}}}).start()
    fake.on("apps.connections.open", lambda params: {"ok": True, "url": stand_in.url})
    env = bot_env(
        tmp_path,
        SLACK_BOT_TOKEN="xoxb-socket-test",
        SLACK_APP_TOKEN="xapp-socket-test",
        SLACK_API_URL=fake.api_url,
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "serve"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    yield stand_in, fake, process
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
    stand_in.close()
    fake.stop()


def _connected(stand_in: SocketModeStandIn, process: subprocess.Popen[str]) -> ServerConnection:
    """The bot's Socket Mode connection, once it has opened it (its output if it never does)."""
    try:
        return stand_in.connections.get(timeout=60)
    except queue.Empty:
        process.kill()
        output = process.stdout.read() if process.stdout else ""
        raise AssertionError(f"the bot never connected: {output}") from None


def test_socket_mode_answers_commands_and_acts_once_per_event(
    socket_bot: tuple[SocketModeStandIn, FakeSlack, subprocess.Popen[str]],
) -> None:
    stand_in, fake, process = socket_bot
    connection = _connected(stand_in, process)

    command = {
        "envelope_id": "env-1",
        "type": "slash_commands",
        "accepts_response_payload": True,
        "payload": {
            "command": "/liec",
            "text": "role secretary",
            "user_id": "U0MEMBER",
            "channel_id": "C0GENERAL",
            "team_id": "T0001",
            "api_app_id": "A0LIEC",
            "response_url": fake.response_url(),
            "trigger_id": "1.2.3",
        },
    }
    reply = stand_in.deliver(connection, command)
    assert reply["payload"]["blocks"][0]["text"]["text"] == "Secretary"

    event = {
        "type": "event_callback",
        "team_id": "T0001",
        "api_app_id": "A0LIEC",
        "event_id": "EvSOCKET1",
        "event_time": int(time.time()),
        "event": {"type": "app_home_opened", "user": "U0MEMBER", "tab": "home", "channel": "D0MEMBER"},
    }
    for attempt in (1, 2):  # Slack's redelivery, without retry headers in Socket Mode
        stand_in.deliver(
            connection, {"envelope_id": f"env-ev-{attempt}", "type": "events_api", "payload": event}
        )
    fake.wait_for("views.publish", 1, timeout=10)
    # Both envelopes were acknowledged, so both deliveries' work (after the acknowledgement)
    # was handed to the bot: stopped, it has finished it, and the count below is final.
    output = stop_serving(process)
    assert len(fake.calls_to("views.publish")) == 1
    assert "duplicate delivery skipped key=event:EvSOCKET1" in output  # the second's work ran


def _command(fake: FakeSlack, envelope_id: str, text: str) -> dict[str, Any]:
    return {
        "envelope_id": envelope_id,
        "type": "slash_commands",
        "accepts_response_payload": True,
        "payload": {
            "command": "/liec",
            "text": text,
            "user_id": "U0MEMBER",
            "channel_id": "C0GENERAL",
            "team_id": "T0001",
            "api_app_id": "A0LIEC",
            "response_url": fake.response_url(),
            "trigger_id": "1.2.3",
        },
    }


def _reply_text(reply: dict[str, Any]) -> str:
    payload = reply.get("payload") or {}
    return str(payload.get("text", "")) + json.dumps(payload.get("blocks", []))


def test_socket_mode_requests_keep_the_request_bounds_on_a_stalled_database(
    socket_bot: tuple[SocketModeStandIn, FakeSlack, subprocess.Popen[str]], tmp_path: Path
) -> None:
    """The same bounds as over HTTP (tests/e2e/test_stalled_database_e2e.py): with SQLite's
    write lock held by another process for longer than the bot's background wait would allow
    an answer, a command that needs no write is answered, and one that writes is told that
    nothing was saved, and nothing is saved."""
    stand_in, fake, process = socket_bot
    connection = _connected(stand_in, process)
    database = sqlite3.connect(tmp_path / "bot.db", isolation_level=None, timeout=30)
    database.execute("BEGIN EXCLUSIVE")
    try:
        # Shorter than the bot's background lock wait (15 s): unbounded, no answer comes in time.
        role = stand_in.deliver(connection, _command(fake, "env-role", "role secretary"), timeout=10)
        assert "Secretary" in _reply_text(role)
        region = stand_in.deliver(connection, _command(fake, "env-region", "region set americas"), timeout=10)
        assert "nothing was" in _reply_text(region) and "try again" in _reply_text(region)
    finally:
        database.execute("ROLLBACK")
    assert database.execute("SELECT count(*) FROM member_regions").fetchone() == (0,)
    again = stand_in.deliver(connection, _command(fake, "env-again", "region set americas"), timeout=10)
    assert "nothing was" not in _reply_text(again)
    assert database.execute("SELECT region FROM member_regions").fetchall() == [("americas",)]
    database.close()
