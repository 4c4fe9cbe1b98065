"""bot/listeners.py: a listener asking for an argument it would never be given fails when it
is registered, not when a member first presses the button."""

from __future__ import annotations

import time
from types import SimpleNamespace
from typing import Any, cast
from urllib.parse import urlencode

import pytest
from slack_bolt import App, BoltContext, BoltRequest
from slack_sdk import WebClient
from slack_sdk.signature import SignatureVerifier

from bot.commands import CommandRequest, Subcommand
from bot.deps import AppDeps
from bot.fake_slack import FakeSlack
from bot.listeners import ASKED_AT, acknowledged, after_ack
from handlers.commands import register

SECRET = "listeners-test-secret"


def test_an_acknowledgement_or_work_taking_an_unknown_argument_is_refused_at_registration() -> None:
    deps = cast(AppDeps, object())  # registration reads nothing of them

    def ack_with_client(ack: Any, client: Any) -> None: ...

    def work_with_say(body: Any, say: Any) -> None: ...

    def work(body: Any, respond: Any, context: Any, event: Any) -> None: ...

    def ack(ack: Any, body: Any, context: Any, view: Any, event: Any) -> None: ...

    with pytest.raises(ValueError, match="'ack_with_client' takes \\['client'\\]"):
        acknowledged(deps, work, ack=ack_with_client)
    with pytest.raises(ValueError, match="'work_with_say' takes \\['say'\\]"):
        acknowledged(deps, work_with_say)
    assert callable(acknowledged(deps, work, ack=ack))  # every name it may take
    assert callable(after_ack(deps, lambda _deps, _body, _respond: None, ack=ack))


def test_work_is_handed_on_only_when_there_is_some() -> None:
    """``when(body)`` False: acknowledged, nothing handed to the work after acknowledgements."""
    handed: list[Any] = []
    deps = cast(AppDeps, SimpleNamespace(run_after_ack=handed.append))
    acked: list[dict[str, Any]] = []

    def ack(ack: Any, body: Any) -> None:
        acked.append(body)

    listener = acknowledged(deps, lambda body: None, ack=ack, when=lambda body: body["work"])
    context = BoltContext()
    listener(None, {"work": False}, context)
    assert len(acked) == 1 and handed == []
    listener(None, {"work": True}, context)
    assert len(acked) == 2 and len(handed) == 1


def test_the_moment_a_request_reached_its_listener_is_left_for_the_work() -> None:
    """``ASKED_AT``, set before the acknowledgement: the work after it may share a read that
    began since (bot/shared_reads.py)."""
    handed: list[Any] = []
    deps = cast(AppDeps, SimpleNamespace(run_after_ack=handed.append))
    acked: list[float] = []
    worked: list[float] = []

    def ack(context: Any) -> None:
        acked.append(context[ASKED_AT])

    def work(context: Any) -> None:
        worked.append(context[ASKED_AT])

    before = time.monotonic()
    acknowledged(deps, work, ack=ack)(None, {}, BoltContext())
    after = time.monotonic()
    (run,) = handed
    run()
    assert before <= acked[0] <= after and worked == acked


def test_a_commands_work_is_told_when_the_command_arrived() -> None:
    """A `/liec` subcommand's work gets the moment its request reached the bot, through Bolt's
    whole dispatch of a signed request (the admins' export shares a read running since then)."""
    seen: list[CommandRequest] = []
    deps = cast(AppDeps, SimpleNamespace(run_after_ack=lambda work: work(), is_admin=lambda _user: False))
    fake = FakeSlack().start()  # Bolt asks auth.test who the app is before a listener runs
    app = App(
        signing_secret=SECRET,
        client=WebClient(token="xoxb-test", base_url=fake.api_url),
        token_verification_enabled=False,
        process_before_response=True,
    )
    probe = Subcommand("probe", "/liec probe", "a probe", work=lambda req, _deps: seen.append(req))
    register(app, deps, [probe])
    body = urlencode({"command": "/liec", "text": "probe now", "user_id": "U1", "team_id": "T1"})
    stamp = str(int(time.time()))
    headers = {
        "content-type": ["application/x-www-form-urlencoded"],
        "x-slack-request-timestamp": [stamp],
        "x-slack-signature": [SignatureVerifier(SECRET).generate_signature(timestamp=stamp, body=body)],
    }
    before = time.monotonic()
    try:
        response = app.dispatch(BoltRequest(body=body, headers=headers))
    finally:
        fake.stop()
    assert response.status == 200
    (request,) = seen
    assert request.args == "now"
    assert request.asked_at is not None and before <= request.asked_at <= time.monotonic()
