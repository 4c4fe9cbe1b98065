"""One error path: a failure never reaches a member as a stack trace or as silence."""

from __future__ import annotations

import json

import pytest

from bot.slack_requests import block_actions_payload
from bot.views import officers as officer_views
from bot.views import roles as role_views
from bot.views.elections import NOMINATE_BUTTON
from handlers import nominations as nominations_handlers
from handlers import roles as roles_handlers
from tests.e2e.harness import BotHarness


def test_a_failing_form_submission_keeps_the_form_and_says_so(bot: BotHarness) -> None:
    @bot.runtime.app.view("test_broken_form")
    def broken(ack: object) -> None:
        raise RuntimeError("a bug")

    view = {
        "type": "modal",
        "callback_id": "test_broken_form",
        "title": {"type": "plain_text", "text": "Form"},
        "blocks": [],
    }
    response = bot.submit_view("U0MEMBER", view, {})
    assert response.status == 200
    answer = response.json()
    assert answer["response_action"] == "push"  # the form stays underneath, with its answers
    assert "nothing was saved" in json.dumps(answer["view"])
    assert "Traceback" not in response.body and "a bug" not in response.body


def _home_click(bot: BotHarness, user: str, action_id: str, value: str) -> None:
    """A button on the Home tab, as Slack sends it: no response_url, no channel."""
    payload = block_actions_payload(user, action_id, value)
    payload.pop("response_url")
    payload.pop("channel")
    payload["container"] = {"type": "view", "view_id": "V0HOME"}
    payload["view"] = {"id": "V0HOME", "type": "home"}
    assert bot.interaction(payload).status == 200
    bot.settle()


def _said(bot: BotHarness, before: int, method: str, to: str | None = None) -> str:
    """Everything sent with `method` since call `before` (to `to` only, when given)."""
    return json.dumps(
        [
            c.params
            for c in bot.fake.calls[before:]
            if c.method == method and (to is None or c.params.get("channel") == to)
        ]
    )


def test_a_button_whose_work_fails_after_the_acknowledgement_says_so_where_it_was_pressed(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Work that fails after the acknowledgement: the member hears of it (bot/listeners.py)."""

    def broken(*_: object, **__: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(roles_handlers.views, "roles_list", broken)
    before = len(bot.fake.calls)
    assert bot.click("U0MEMBER", role_views.ROLES_LIST, "all").status == 200
    bot.settle()
    said = _said(bot, before, "response_url")
    assert "something went wrong on our side" in said and "a bug" not in said


def test_a_home_tab_button_whose_work_fails_says_so_by_dm(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_: object, **__: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(nominations_handlers, "_open_positions", broken)
    before = len(bot.fake.calls)
    _home_click(bot, "U0MEMBER", NOMINATE_BUTTON, "1")
    said = _said(bot, before, "chat.postMessage", "U0MEMBER")
    assert "something went wrong on our side" in said and "a bug" not in said


def test_the_home_tab_nominate_button_of_an_election_gone_answers_by_dm(bot: BotHarness) -> None:
    before = len(bot.fake.calls)
    _home_click(bot, "U0MEMBER", NOMINATE_BUTTON, "999999")
    assert "That election no longer exists" in _said(bot, before, "chat.postMessage", "U0MEMBER")


@pytest.mark.parametrize("action_id", [role_views.ROLE_SHARE, officer_views.BY_ELECTION_INFO])
def test_a_role_button_of_a_role_gone_since_says_so(bot: BotHarness, action_id: str) -> None:
    before = len(bot.fake.calls)
    assert bot.click("U0MEMBER", action_id, "no-such-role").status == 200
    bot.settle()
    assert "There is no role called" in _said(bot, before, "response_url")
