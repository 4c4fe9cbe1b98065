"""Opening and pushing a modal, and telling the member when Slack refuses the trigger.

A trigger_id lasts three seconds and is good for one view. When the bot is slower than that
(a cold start, a slow database), Slack answers ``expired_trigger_id`` and nothing opens: the
member is told to press again (a new press brings a new trigger) instead of being left with
a button that seems to do nothing. Any other refusal, or a fault that outlasted the client's
retries, is told to the member too: a form that does not open never goes unexplained.
Updating an open view is bot/deliver.py `update_view`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.views.common import Reply, notice

log = logging.getLogger(__name__)

TRIGGER_ERRORS = frozenset({"expired_trigger_id", "exchanged_trigger_id", "trigger_exchanged"})

Tell = Callable[[Reply], None]


def press_again(again: str) -> Reply:
    """The member's answer when Slack did not open the form in time."""
    return notice(f"Slack did not open the form in time, so nothing has changed. Please {again}.")


def not_opened(error: str) -> Reply:
    """The member's answer when Slack refused the form for another reason."""
    return notice(
        f"Slack would not open the form (it says `{error}`), so nothing has changed. Please try "
        "again in a minute; if it keeps happening, tell the LIEC admins."
    )


def _error(exc: SlackApiError) -> str:
    return str(exc.response.get("error", "")) if exc.response is not None else ""


def show_modal(
    client: WebClient,
    trigger_id: str,
    view: Any,
    *,
    tell: Tell,
    again: str = "press the button again",
    push: bool = False,
) -> dict[str, Any] | None:
    """views.open (or views.push) the view; None, and the member told, if Slack refused it
    (an expired trigger: press again)."""
    try:
        call = client.views_push if push else client.views_open
        response = call(trigger_id=trigger_id, view=view)
    except SlackApiError as exc:
        error = _error(exc)
        log.info("modal not opened error=%s push=%s", error, push)
        tell(press_again(again) if error in TRIGGER_ERRORS else not_opened(error or "unknown_error"))
        return None
    except OSError as exc:  # the client's retries of a dropped connection are used up
        log.warning("modal not opened error=%s push=%s", type(exc).__name__, push)
        tell(not_opened(type(exc).__name__))
        return None
    data: dict[str, Any] = dict(response.data) if isinstance(response.data, dict) else {}
    return data
