"""bot/routes.py: each kind of interaction is one Bolt listener that finds the feature's function
by id, with Bolt's own results: the function registered for the id runs, patterns in the order
registered, matchers tell one id's menus apart, and a request no route takes falls through to
the listeners registered after (else Bolt's "unhandled request")."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import pytest
from slack_bolt import Ack, App, BoltRequest
from slack_sdk import WebClient
from slack_sdk.signature import SignatureVerifier

from bot.fake_slack import FakeSlack
from bot.routes import Routes

SECRET = "routes-test-secret"


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeSlack]:
    slack = FakeSlack().start()  # Bolt asks auth.test who the app is before a listener runs
    yield slack
    slack.stop()


def _app(fake: FakeSlack | None = None) -> App:
    return App(
        signing_secret=SECRET,
        client=WebClient(token="xoxb-test", base_url=fake.api_url if fake else "http://127.0.0.1:9/"),
        token_verification_enabled=False,
        process_before_response=True,
    )


def _send(app: App, payload: dict[str, Any]) -> tuple[int, str]:
    """``payload`` as Slack posts an interaction, signed, through Bolt's whole dispatch."""
    body = urlencode({"payload": json.dumps({"team": {"id": "T1"}, "user": {"id": "U1"}, **payload})})
    stamp = str(int(time.time()))
    headers = {
        "content-type": ["application/x-www-form-urlencoded"],
        "x-slack-request-timestamp": [stamp],
        "x-slack-signature": [SignatureVerifier(SECRET).generate_signature(timestamp=stamp, body=body)],
    }
    response = app.dispatch(BoltRequest(body=body, headers=headers))
    return response.status, response.body


def _action(action_id: str) -> dict[str, Any]:
    return {
        "type": "block_actions",
        "actions": [{"action_id": action_id, "block_id": "b"}],
        "trigger_id": "t",
    }


def _submission(callback_id: str) -> dict[str, Any]:
    return {
        "type": "view_submission",
        "view": {"id": "V1", "type": "modal", "callback_id": callback_id, "state": {"values": {}}},
    }


def _suggestion(action_id: str, block_id: str) -> dict[str, Any]:
    return {"type": "block_suggestion", "action_id": action_id, "block_id": block_id, "value": "se"}


def _recorder(ran: list[str], name: str) -> Any:
    def listener(ack: Ack, body: dict[str, Any]) -> None:
        ran.append(name)
        ack()

    return listener


def test_each_request_reaches_the_function_of_its_id_and_unknown_ids_fall_through(fake: FakeSlack) -> None:
    app = _app(fake)
    routes = Routes(app)
    ran: list[str] = []
    routes.action("going")(_recorder(ran, "going"))
    routes.action(re.compile("^pick_region:"))(_recorder(ran, "pick"))
    routes.action(re.compile("^role_"))(_recorder(ran, "role, first pattern"))
    routes.action(re.compile("^role_open"))(_recorder(ran, "role_open, second pattern"))
    routes.view("form")(_recorder(ran, "form"))
    routes.shortcut("nominate")(_recorder(ran, "shortcut"))
    routes.options("input", matchers=[lambda body: body["block_id"] == "branch"])(_recorder(ran, "branches"))
    routes.options("input", matchers=[lambda body: body["block_id"] == "position"])(_recorder(ran, "posts"))
    routes.install()

    @app.action("registered_after")
    def after(ack: Ack) -> None:
        ran.append("Bolt's own listener, after the routes")
        ack()

    assert _send(app, _action("going"))[0] == 200
    assert _send(app, _action("pick_region:americas"))[0] == 200
    assert _send(app, _action("role_open:secretary"))[0] == 200  # the first pattern, as in Bolt
    assert _send(app, _submission("form"))[0] == 200
    assert _send(app, {"type": "shortcut", "callback_id": "nominate", "trigger_id": "t"})[0] == 200
    assert _send(app, _suggestion("input", "position"))[0] == 200
    assert _send(app, _suggestion("input", "branch"))[0] == 200
    assert _send(app, _action("registered_after"))[0] == 200
    assert ran == [
        "going",
        "pick",
        "role, first pattern",
        "form",
        "shortcut",
        "posts",
        "branches",
        "Bolt's own listener, after the routes",
    ]
    ran.clear()
    # No route takes them: Bolt's own answer to a request nobody listens for.
    assert _send(app, _action("going_again"))[0] == 404
    assert _send(app, _action("xgoing"))[0] == 404  # an id is matched whole
    assert _send(app, _submission("form2"))[0] == 404
    assert _send(app, _suggestion("input", "candidate"))[0] == 404  # no matcher takes it
    assert ran == []


def test_the_function_is_given_what_it_asks_for_by_name(fake: FakeSlack) -> None:
    app = _app(fake)
    routes = Routes(app)
    seen: dict[str, Any] = {}

    def submit(ack: Ack, view: dict[str, Any], context: Any) -> None:
        seen.update(view=view, user=context.user_id)
        ack(response_action="errors", errors={"name": "Give a name."})

    routes.view("form")(submit)
    routes.install()
    status, body = _send(app, _submission("form"))
    assert status == 200 and json.loads(body)["errors"] == {"name": "Give a name."}
    assert seen == {"view": _submission("form")["view"], "user": "U1"}


def test_routes_that_bolt_and_a_dict_would_order_differently_are_refused_at_registration() -> None:
    routes = Routes(_app())

    def listener(ack: Ack) -> None: ...

    routes.action(re.compile("^role_"))(listener)
    with pytest.raises(ValueError, match="'role_open' takes what '\\^role_' takes"):
        routes.action("role_open")(listener)  # Bolt would give it to the earlier pattern
    routes.action("going")(listener)
    with pytest.raises(ValueError, match="takes what 'going' takes"):
        routes.action(re.compile("go"))(listener)  # the dict would give "going" to the id
    with pytest.raises(ValueError, match="takes what 'going' takes"):
        routes.action("going")(listener)  # the second would never run
    with pytest.raises(ValueError, match="flags"):
        routes.action(re.compile("^x", re.IGNORECASE))(listener)
    routes.view("going")(listener)  # another kind: no clash


def test_a_function_asking_for_an_argument_it_would_never_be_given_is_refused() -> None:
    routes = Routes(_app())

    def wants_client(ack: Ack, client: Any) -> None: ...

    with pytest.raises(ValueError, match="takes \\['client'\\]"):
        routes.action("a")(wants_client)


def test_nothing_registers_after_install() -> None:
    routes = Routes(_app())
    routes.install()
    with pytest.raises(RuntimeError, match="install"):
        routes.view("late")(lambda ack: None)
