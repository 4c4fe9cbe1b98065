"""Posting a scheduled message to a channel exactly once.

Plain Python: Slack is behind the `Outbox` protocol (bot/slack_outbox.py implements it with
the Web API), so the rules are tested with an outbox that fails on command. Meeting
reminders, agenda notices, change notices, the digest and the election announcements all
post this way.

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

from bot.jobs import LEASE, MAX_ATTEMPTS, JobRun, RetryLater

# The metadata event_type of every scheduled post.
METADATA_EVENT = "liec_reminder"
# Election announcements carried this event_type before they were posted this way; a job
# recovered after an upgrade still finds them.
EARLIER_EVENTS = frozenset({"liec_election_post"})
POST_ATTEMPTS = 3

# Slack's `ok: false` answers that pass: the same call may work in a moment. `ratelimited`
# means nothing was posted; the others may come after Slack posted.
PASSING_ERRORS = frozenset(
    {"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"}
)
# Refusals that no retry cures: the bot cannot post there. Any other `ok: false` answer is a
# refusal too (Slack answered and would answer the same again); these are the usual ones.
REFUSALS = frozenset(
    {
        "channel_not_found",
        "not_in_channel",
        "is_archived",
        "restricted_action",
        "cannot_dm_bot",
        "user_not_found",
        "users_not_found",
        "account_inactive",
        "user_disabled",
        "user_is_bot",
        "invalid_users",
    }
)
# The history is searched from this long before the due time (or the run, if earlier).
LOOK_BACK = timedelta(minutes=10)


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


def fault(status: int, error: str) -> PostError:
    """What a failed Slack answer means, the one policy for every post.

    429 and `ratelimited`: not posted, retry. 5xx and the other passing `ok: false` errors:
    maybe posted, look before retrying. Any other refusal: permanent.
    """
    if status >= 500:
        return PostError(error or f"http_{status}", maybe_posted=True)
    if status == 429 or error == "ratelimited":
        return PostError(error or "ratelimited")
    if error in PASSING_ERRORS:
        return PostError(error, maybe_posted=True)
    return PostError(error or f"http_{status}", permanent=True)


def connection_fault(exc: BaseException) -> PostError:
    """A dropped, refused or timed-out connection: Slack may have posted."""
    return PostError(type(exc).__name__, maybe_posted=True)


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


def deliver_job(
    outbox: Outbox,
    run: JobRun,
    channel: str,
    text: str,
    blocks: list[dict[str, Any]],
    *,
    due: datetime,
    now: datetime,
    sleep: Callable[[float], None] = time.sleep,
) -> Delivery:
    """The message of job `run`, posted once under the job's key.

    `due` is when the post first fell due (a retried job's row has a later due_at); `now` is
    the clock now. Raises RetryLater for a passing fault while the job has attempts left, and
    PostError for a permanent one or on the last attempt: the caller records or reports it.
    """
    if now - run.now > LEASE / 2:
        # Our claim may lapse while we post; let the queue hand it out again.
        raise RetryLater("claim too old to post safely")
    try:
        return deliver_once(
            outbox,
            channel,
            run.key,
            text,
            blocks,
            since=min(due, run.now) - LOOK_BACK,
            check_first=run.recovered or run.attempt > 1,
            sleep=sleep,
        )
    except PostError as exc:
        if exc.permanent or run.attempt >= MAX_ATTEMPTS:
            raise
        raise RetryLater(exc.error) from None


def metadata(key: str, kind: str) -> dict[str, Any]:
    """The Slack message metadata every scheduled post carries."""
    return {"event_type": METADATA_EVENT, "event_payload": {"key": key, "kind": kind}}


def carries(message: dict[str, Any], key: str) -> bool:
    """True if a conversations.history message carries this key in its metadata."""
    meta = message.get("metadata") or {}
    event = meta.get("event_type")
    return bool(
        (event == METADATA_EVENT or event in EARLIER_EVENTS)
        and (meta.get("event_payload") or {}).get("key") == key
    )
