"""Reading meetings: one by key, the one a person meant, and what is coming up."""

from __future__ import annotations

import bisect
import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from rapidfuzz import fuzz, process
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload, subqueryload

from bot.config import meeting_key_for
from bot.meeting_times import MeetingTimeError, MeetingTimes
from bot.services import data_versions
from bot.services.meeting_occurrences import Occurrence, changes_of, upcoming_from, upcoming_occurrences
from bot.services.meeting_specs import times_of
from models.meetings import Meeting

log = logging.getLogger(__name__)


def get_meeting(session: Session, key: str) -> Meeting | None:
    return session.scalars(
        select(Meeting).where(Meeting.key == key).options(selectinload(Meeting.changes))
    ).one_or_none()


def find_meeting(session: Session, text: str) -> tuple[Meeting | None, list[str]]:
    """The meeting a person meant by key or name, or None and the likeliest keys."""
    wanted = text.strip()
    meetings = session.scalars(select(Meeting).options(subqueryload(Meeting.changes))).all()
    for meeting in meetings:
        if wanted.lower() in {meeting.key, meeting.name.lower(), meeting_key_for(meeting.name)}:
            return meeting, []
    choices = {m.key: f"{m.key} {m.name}" for m in meetings}
    ranked = process.extract(wanted, choices, scorer=fuzz.WRatio, limit=3, score_cutoff=60)
    return None, [key for _text, _score, key in ranked]


# Narrow windows first: with hundreds of meetings the next day or week already holds the
# first `limit` occurrences, which are then those of the whole window (everything outside the
# narrow window starts after everything inside it).
_FIRST_WINDOWS = (timedelta(days=1), timedelta(days=7))


def upcoming(
    session: Session, now: datetime, until: datetime, limit: int = 15
) -> list[tuple[Meeting, Occurrence]]:
    meetings = session.scalars(
        select(Meeting).where(Meeting.active.is_(True)).options(subqueryload(Meeting.changes))
    ).all()
    for ahead in (*_FIRST_WINDOWS, None):
        end = until if ahead is None else min(until, now + ahead)
        found = _occurring(meetings, now, end)
        if len(found) >= limit or end == until:
            found.sort(key=lambda pair: (pair[1].start, pair[0].name))
            return found[:limit]
    return []  # not reached: the last window is the whole one


def _occurring(
    meetings: Sequence[Meeting], now: datetime, until: datetime
) -> list[tuple[Meeting, Occurrence]]:
    found: list[tuple[Meeting, Occurrence]] = []
    for meeting in meetings:
        try:
            found.extend((meeting, item) for item in upcoming_occurrences(meeting, now, until))
        except MeetingTimeError:
            log.warning("meeting %s has times that no longer parse", meeting.key)
    return found


# Lists of upcoming meetings, cached per process ------------------------------------------------


@dataclass(frozen=True)
class ListedMeeting:
    """What a list of meetings shows of one meeting (a plain copy: no session needed)."""

    key: str
    name: str
    channel: str
    timezone: str
    video_url: str | None
    agenda_url: str | None
    rrule: str | None

    @classmethod
    def of(cls, meeting: Meeting) -> ListedMeeting:
        return cls(
            meeting.key,
            meeting.name,
            meeting.channel,
            meeting.timezone,
            meeting.video_url,
            meeting.agenda_url,
            meeting.rrule,
        )


Listed = tuple[ListedMeeting, Occurrence]


@dataclass(frozen=True)
class _Plain:
    """One active meeting as the cache keeps it: plain values, shared safely by threads."""

    listed: ListedMeeting
    times: MeetingTimes
    changes: dict[datetime, datetime | None]


@dataclass(frozen=True)
class _Day:
    """Every occurrence from the start of one UTC day to `span` days after its end, sorted."""

    starts: list[datetime]
    items: list[Listed]


class UpcomingCache:
    """The upcoming meetings each process has worked out, kept while the meetings' data
    version (`data_versions` "meetings", bumped by the database in the writing transaction
    on every write to `meetings` and `meeting_changes`, migrations 0011 and 0014) has not moved: a
    change made by any process shows in the next read of every process. One per AppDeps;
    safe across threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._version: int | None = None
        self._meetings: list[_Plain] = []
        self._days: dict[tuple[date, int], _Day] = {}

    def upcoming(self, session: Session, now: datetime, until: datetime, limit: int) -> list[Listed]:
        """What `upcoming` gives, as plain copies: one small statement while the version
        holds. The version is read before the meetings, so what is kept under a version is
        never older than that version."""
        version = data_versions.current(session, data_versions.MEETINGS)
        day = now.astimezone(UTC).date()
        span = max(0, (until - now).days + 1)
        with self._lock:
            if version is None or version != self._version:
                self._meetings = _plain_meetings(session)
                self._days = {}
                self._version = version
            found = self._days.get((day, span))
            if found is None:
                found = self._day(day, span)
                self._days = {k: v for k, v in self._days.items() if k[0] >= day}
                self._days[(day, span)] = found
        first = bisect.bisect_right(found.starts, now)
        last = bisect.bisect_right(found.starts, until)
        return found.items[first : min(last, first + limit)]

    def _day(self, day: date, span: int) -> _Day:
        start = datetime.combine(day, time(), tzinfo=UTC)
        end = start + timedelta(days=1 + span)
        items = [
            (each.listed, occurrence)
            for each in self._meetings
            for occurrence in upcoming_from(each.times, each.listed.key, each.changes, start, end)
        ]
        items.sort(key=lambda pair: (pair[1].start, pair[0].name))
        return _Day([occurrence.start for _, occurrence in items], items)


def _plain_meetings(session: Session) -> list[_Plain]:
    found = []
    meetings = session.scalars(
        select(Meeting).where(Meeting.active.is_(True)).options(subqueryload(Meeting.changes))
    ).all()
    for meeting in meetings:
        try:
            times = times_of(meeting)
        except MeetingTimeError:
            log.warning("meeting %s has times that no longer parse", meeting.key)
            continue
        found.append(_Plain(ListedMeeting.of(meeting), times, changes_of(meeting)))
    return found


def upcoming_listed(
    session: Session, cache: UpcomingCache | None, now: datetime, until: datetime, limit: int = 15
) -> list[Listed]:
    """The first `limit` occurrences with now < start <= until, by start then name, of the
    active meetings (as `upcoming`), through the process's cache (None: worked out afresh)."""
    return (cache or UpcomingCache()).upcoming(session, now, until, limit)
