"""Requests that act for a member must say which member."""

from __future__ import annotations

from typing import Any

import pytest

from bot.services.slack_payloads import acting_user, refused


@pytest.mark.parametrize(
    "kind", ["block_actions", "view_submission", "view_closed", "shortcut", "message_action"]
)
@pytest.mark.parametrize("user", [None, {}, {"id": None}, {"id": ""}, {"id": "nobody"}, {"id": 7}, "U0ME"])
def test_an_interaction_without_a_usable_user_is_refused(kind: str, user: Any) -> None:
    body: dict[str, Any] = {"type": kind}
    if user is not None:
        body["user"] = user
    assert refused(body)


def test_an_interaction_with_a_user_passes() -> None:
    body = {"type": "block_actions", "user": {"id": "U0MEMBER"}}
    assert acting_user(body) == "U0MEMBER" and not refused(body)
    assert not refused({"type": "block_actions", "user": {"id": "W0ENTERPRISE"}})


def test_a_slash_command_needs_its_user_id() -> None:
    assert refused({"command": "/liec", "text": "role"})
    assert refused({"command": "/liec", "user_id": ""})
    assert not refused({"command": "/liec", "user_id": "U0MEMBER"})


def test_events_are_not_interactions() -> None:
    assert not refused({"type": "event_callback", "event": {"type": "app_home_opened"}})
    assert not refused({"type": "url_verification"})
