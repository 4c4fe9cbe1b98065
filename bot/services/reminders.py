"""Posting a scheduled message exactly once, and deciding what a late one becomes.

Plain Python: Slack is behind the `Outbox` protocol (handlers/meeting_jobs.py implements it
with the Web API), so the protocol is tested with an outbox that fails on command.

Exactly once, in short (README.md, "Reminders: exactly once", has the argument):
1. The job queue claims each job row with a conditional UPDATE: one process runs it.
2. Every post carries Slack message metadata naming the job key.
3. Before posting again after anything that may have posted (a crash after posting but
   before recording, found as a reclaimed job; a 5xx or a dropped connection, which may
   come after Slack posted), the channel's history is searched for that key.
4. A 429 means Slack did not post; it is retried straight away after Retry-After.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal, Protocol

from bot.services.meetings import METADATA_EVENT

# A reminder held up this long is marked late: a queue busy for a minute is not "late",
# a bot that was down is.
LATE_AFTER = timedelta(minutes=5)
POST_ATTEMPTS = 3

# Slack errors that no retry will cure: the bot cannot post in that channel.
CHANNEL_ERRORS = frozenset(
    {
        "channel_not_found",
        "not_in_channel",
        "is_archived",
        "restricted_action",
        "cannot_dm_bot",
        "user_not_found",
        "account_inactive",
    }
)


class PostError(Exception):
    """A post or a look-up that did not work.

    permanent: retrying will not help (the channel is gone, the bot is not in it).
    maybe_posted: the message may have been posted all the same (5xx, connection dropped).
    """

    def __init__(self, error: str, *, permanent: bool = False, maybe_posted: bool = False) -> None:
        super().__init__(error)
        self.error = error
        self.permanent = permanent
        self.maybe_posted = maybe_posted


class Outbox(Protocol):
    def find(self, channel: str, key: str, since: datetime) -> str | None:
        """The ts of a message posted to `channel` since `since` carrying `key`, or None."""
        ...

    def post(self, channel: str, key: str, text: str, blocks: list[dict[str, Any]]) -> str:
        """Post a message carrying `key`; return its ts. Raises PostError."""
        ...


@dataclass(frozen=True)
class Delivery:
    outcome: Literal["sent", "found"]  # found: it had been posted before (recovery)
    ts: str


Timing = Literal["on_time", "late", "skip"]


def timing(due: datetime, now: datetime, grace: timedelta) -> Timing:
    """A post that fell due while the bot was down is sent late within `grace`, else skipped."""
    late_by = now - due
    if late_by > grace:
        return "skip"
    if late_by > LATE_AFTER:
        return "late"
    return "on_time"


def deliver_once(
    outbox: Outbox,
    channel: str,
    key: str,
    text: str,
    blocks: list[dict[str, Any]],
    *,
    since: datetime,
    check_first: bool,
    sleep: Callable[[float], None] = time.sleep,
    attempts: int = POST_ATTEMPTS,
) -> Delivery:
    """Post once. `check_first` when an earlier run may have posted (a reclaimed job, a retry).

    Raises PostError: permanent ones at once; passing ones when every attempt failed, and
    then nothing was posted as far as the history shows, so the caller may retry later.
    """
    if check_first:
        found = outbox.find(channel, key, since)
        if found is not None:
            return Delivery("found", found)
    last: PostError | None = None
    for attempt in range(attempts):
        if attempt:
            sleep(min(2.0 ** (attempt - 1), 8.0))
        try:
            return Delivery("sent", outbox.post(channel, key, text, blocks))
        except PostError as exc:
            if exc.permanent:
                raise
            last = exc
            if exc.maybe_posted:
                # Slack may have posted before failing: look before posting again.
                found = outbox.find(channel, key, since)
                if found is not None:
                    return Delivery("found", found)
    assert last is not None
    raise last


def metadata(key: str, kind: str) -> dict[str, Any]:
    """The Slack message metadata every scheduled post carries."""
    return {"event_type": METADATA_EVENT, "event_payload": {"key": key, "kind": kind}}


def carries(message: dict[str, Any], key: str) -> bool:
    """True if a conversations.history message carries this key in its metadata."""
    meta = message.get("metadata") or {}
    return bool(
        meta.get("event_type") == METADATA_EVENT and (meta.get("event_payload") or {}).get("key") == key
    )


def humanize(delta: timedelta) -> str:
    """'7 days', '1 day', '3 hours', '1 hour', '30 minutes': how far off a meeting is."""
    minutes = max(1, round(delta.total_seconds() / 60))
    if minutes >= 2 * 24 * 60 - 30:
        value, unit = round(minutes / (24 * 60)), "day"
    elif minutes >= 24 * 60 - 30:
        value, unit = 1, "day"
    elif minutes >= 2 * 60 - 15:
        value, unit = round(minutes / 60), "hour"
    elif minutes >= 55:
        value, unit = 1, "hour"
    else:
        value, unit = minutes, "minute"
    return f"{value} {unit}{'s' if value != 1 else ''}"
