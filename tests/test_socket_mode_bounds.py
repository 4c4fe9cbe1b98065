"""BoundedSocketModeHandler: a Socket Mode envelope's listeners run inside the request bounds,
and one that cannot be answered in time gets the same "nothing was saved" answer as over HTTP."""

from __future__ import annotations

import logging
import threading
from typing import Any

from slack_bolt import Ack, App
from slack_bolt.authorization import AuthorizeResult
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse

from bot import db
from bot.server import LATE_TEXT
from bot.socket_mode import BoundedSocketModeHandler


class _Socket:
    """What the handler answers through: the envelope's acknowledgement."""

    def __init__(self) -> None:
        self.logger = logging.getLogger("test.socket")
        self.sent: list[SocketModeResponse] = []

    def send_socket_mode_response(self, response: SocketModeResponse) -> None:
        self.sent.append(response)


def _command(envelope_id: str, text: str) -> SocketModeRequest:
    payload = {"command": "/liec", "text": text, "user_id": "U1", "team_id": "T1", "channel_id": "C1"}
    return SocketModeRequest(type="slash_commands", envelope_id=envelope_id, payload=payload)


def _app() -> App:
    def authorize(enterprise_id: str | None, team_id: str | None) -> AuthorizeResult:
        return AuthorizeResult(enterprise_id=enterprise_id, team_id=team_id, bot_token="xoxb-t")

    return App(
        name="t",
        signing_secret="s",
        authorize=authorize,
        token_verification_enabled=False,
        process_before_response=True,  # as the bot's app (bot/app.py): listeners in the dispatch
    )


def test_listeners_run_inside_the_request_bounds_and_a_stalled_one_is_answered_not_saved() -> None:
    app = _app()
    seen: dict[str, bool] = {}
    stalled = threading.Event()

    @app.command("/liec")
    def listener(ack: Ack, command: dict[str, Any]) -> None:
        seen[command["text"]] = db.in_request()
        if command["text"] == "stall":
            stalled.wait(10)  # a database that does not answer
        ack(text="done")

    handler = BoundedSocketModeHandler(app, "xapp-t")
    socket = _Socket()
    try:
        handler.handle(socket, _command("e1", "quick"))  # type: ignore[arg-type]
        handler.handle(socket, _command("e2", "stall"))  # type: ignore[arg-type]
    finally:
        stalled.set()
        handler.client.close()  # type: ignore[no-untyped-call]
    assert seen == {"quick": True, "stall": True}
    quick, late = socket.sent
    assert (quick.envelope_id, quick.payload) == ("e1", {"text": "done"})
    assert late.envelope_id == "e2" and late.payload is not None
    assert late.payload["text"] == LATE_TEXT


def test_work_after_the_acknowledgement_waits_until_it_is_sent(monkeypatch: Any) -> None:
    """bot/acks_first.py: an envelope is being answered until its acknowledgement is sent, so
    the work after it (started in the dispatch) gives way until then."""
    from bot import acks_first

    gate = acks_first.ACKS_FIRST
    monkeypatch.setattr(gate, "max_wait", 60)

    app = _app()
    app.command("/liec")(lambda ack: ack(text="done"))
    held: list[bool] = []
    probes: list[threading.Thread] = []

    class Watching(_Socket):
        def send_socket_mode_response(self, response: SocketModeResponse) -> None:
            # Work beginning now: held at the gate, or through it at once when nothing is
            # being answered (no fixed sleep: until one or the other).
            through = threading.Event()
            probe = threading.Thread(target=lambda: (gate.give_way(), through.set()))
            probes.append(probe)
            probe.start()
            while gate.waiting == 0 and not through.is_set():
                through.wait(0.001)
            held.append(not through.is_set())
            super().send_socket_mode_response(response)

    handler = BoundedSocketModeHandler(app, "xapp-t")
    socket = Watching()
    try:
        handler.handle(socket, _command("e1", "quick"))  # type: ignore[arg-type]
    finally:
        handler.client.close()  # type: ignore[no-untyped-call]
    assert held == [True]
    probes[0].join(10)  # let through once sent: not the 60 s bound
    assert not probes[0].is_alive()
    assert [r.envelope_id for r in socket.sent] == ["e1"]
