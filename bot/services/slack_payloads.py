"""Who is acting in a Slack request, and requests that do not say.

Every button, modal, shortcut and slash command acts for a member; the bot's checks compare
that member's id with the item's owner. A payload without a usable id (``user.id`` null,
empty or not a Slack id) would compare equal to an empty field (``None in {None, ...}``), so
it is refused before any listener runs.
"""

from __future__ import annotations

import re
from typing import Any

# Interactions that act for the member in ``user.id``.
ACTING_TYPES = frozenset(
    {"block_actions", "view_submission", "view_closed", "shortcut", "message_action", "block_suggestion"}
)
_SLACK_USER = re.compile(r"^[UW][A-Z0-9]{2,20}$")


def is_user_id(value: object) -> bool:
    return isinstance(value, str) and bool(_SLACK_USER.match(value))


def needs_user(body: dict[str, Any]) -> bool:
    """Does this request act for a member (an interaction or a slash command)?"""
    return body.get("type") in ACTING_TYPES or "command" in body


def acting_user(body: dict[str, Any]) -> str | None:
    """The member the request acts for, or None when it does not say (or says nonsense)."""
    if "command" in body:
        candidate: object = body.get("user_id")
    else:
        user = body.get("user")
        candidate = user.get("id") if isinstance(user, dict) else None
    return candidate if isinstance(candidate, str) and is_user_id(candidate) else None


def refused(body: dict[str, Any]) -> bool:
    """A request that acts for a member but does not say which: it must not be handled."""
    return needs_user(body) and acting_user(body) is None
