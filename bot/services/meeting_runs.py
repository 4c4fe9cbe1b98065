"""The meeting jobs' use cases: what a reminder, agenda notice, change notice or digest is to
post, read and decided in one session; what became of it is recorded with
bot/services/meeting_posts.py `record_post`.

Each takes the session, the job's input and the time (aware UTC); the Slack side is
bot/flows/meeting_jobs.py, which posts only after the session is closed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.orm import Session

from bot.config import OrgConfig
from bot.services import meeting_planning as planning
from bot.services import meeting_queries
from bot.services.meeting_occurrences import effective_occurrences, find_occurrence, previous_start
from bot.services.meeting_posts import posted
from models.meetings import Meeting


@dataclass(frozen=True)
class AlreadyPosted:
    """Posted for this due time already (this job before a crash, or another process)."""


@dataclass(frozen=True)
class Withdrawn:
    """The meeting or occurrence is gone: cancelled, moved or removed after the job was planned."""


@dataclass(frozen=True)
class Occurrence:
    """The occurrence a reminder or agenda notice is for."""

    meeting: Meeting
    start: datetime
    previous: datetime | None  # the occurrence before, for clock-change notes
    due: datetime


@dataclass(frozen=True)
class ChangeNotice:
    meeting: Meeting
    next_start: datetime | None  # the next occurrence within the planning horizon, if still active


@dataclass(frozen=True)
class Digest:
    items: tuple[tuple[Meeting, datetime], ...]  # (meeting, start) in the digest of the day


def occurrence(
    session: Session, key: str, meeting_key: str, start: datetime | None, due: datetime
) -> Occurrence | AlreadyPosted | Withdrawn:
    """The occurrence starting at `start` of meeting `meeting_key` that job `key` (due at
    `due`) is for, if it is still on and not yet posted for."""
    if posted(session, key, due):
        return AlreadyPosted()
    meeting = meeting_queries.get_meeting(session, meeting_key)
    if meeting is None or not meeting.active or start is None:
        return Withdrawn()
    item = find_occurrence(meeting, start)
    if item is None:
        return Withdrawn()  # cancelled or moved after this job was planned (planning withdraws it too)
    return Occurrence(meeting, start, previous_start(meeting, item), due)


def change_notice(
    session: Session, key: str, meeting_key: str, channel: str, due: datetime, now: datetime
) -> ChangeNotice | AlreadyPosted | Withdrawn:
    """The meeting a change notice is about and its next occurrence after `now`; Withdrawn
    when the meeting is gone or the notice has no channel."""
    if posted(session, key, due):
        return AlreadyPosted()
    meeting = meeting_queries.get_meeting(session, meeting_key)
    if meeting is None or not channel:
        return Withdrawn()
    upcoming = effective_occurrences(meeting, now, now + planning.HORIZON)
    return ChangeNotice(meeting, upcoming[0].start if upcoming and meeting.active else None)


def digest(session: Session, key: str, org: OrgConfig, day: date, due: datetime) -> Digest | AlreadyPosted:
    """The meetings of the weekend digest sent on `day` (each judged in its own time zone)."""
    if posted(session, key, due):
        return AlreadyPosted()
    start, end = planning.digest_window(org, day)
    found = meeting_queries.upcoming(session, start, end, limit=10_000)
    return Digest(tuple((m, o.start) for m, o in found if planning.in_digest(m.timezone, o.start, day)))
