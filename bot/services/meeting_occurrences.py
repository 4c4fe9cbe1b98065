"""When a meeting happens: the occurrences its rule gives, after admins' moves and
cancellations. Plain Python; nothing here calls Slack."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.meeting_times import MAX_HORIZON, MAX_OCCURRENCES, MeetingTimes, occurrences
from bot.services.meeting_specs import MeetingError, times_of
from models.meetings import Meeting

MOVE_LIMIT = timedelta(days=60)  # how far one occurrence may be moved
# How far ahead a date an admin names, or "the next one", is looked for.
SEARCH_AHEAD = timedelta(days=378)


@dataclass(frozen=True)
class Occurrence:
    meeting_key: str
    original: datetime  # UTC, as the rule gives it
    start: datetime  # UTC, after any move

    @property
    def moved(self) -> bool:
        return self.original != self.start


def effective_occurrences(meeting: Meeting, after: datetime, until: datetime) -> list[Occurrence]:
    """Occurrences with after < start <= until, after admins' moves and cancellations."""
    originals = occurrences(times_of(meeting), after - MOVE_LIMIT, until + MOVE_LIMIT)
    return _effective(meeting, after, until, originals)


def upcoming_occurrences(meeting: Meeting, after: datetime, until: datetime) -> list[Occurrence]:
    """The same as effective_occurrences, from the rule's occurrences over whole UTC days,
    worked out once a day for each set of meeting times (what lists of meetings ask for
    at every open: the rule's expansion is the costly part, and the day's is fixed)."""
    return upcoming_from(times_of(meeting), meeting.key, changes_of(meeting), after, until)


def changes_of(meeting: Meeting) -> dict[datetime, datetime | None]:
    """original start (UTC) -> new start (UTC), or None where that date is cancelled."""
    return {change.original_start: change.new_start for change in meeting.changes}


def upcoming_from(
    times: MeetingTimes,
    key: str,
    changes: Mapping[datetime, datetime | None],
    after: datetime,
    until: datetime,
) -> list[Occurrence]:
    """upcoming_occurrences from a meeting's times, key and changes (no ORM object needed)."""
    first, last = after - MOVE_LIMIT, until + MOVE_LIMIT
    starts = _day_window(times, first.astimezone(UTC).date(), last.astimezone(UTC).date())
    if starts is None:
        originals = occurrences(times, first, last)
    else:
        originals = [start for start in starts if first < start <= last]
    return _effective_from(key, changes, after, until, originals)


@functools.lru_cache(maxsize=4096)
def _day_window(times: MeetingTimes, first_day: date, last_day: date) -> tuple[datetime, ...] | None:
    """Rule occurrences from the start of first_day to the end of last_day (UTC); None when the
    window is cut short by the limits of `occurrences`, so the caller works it out exactly."""
    start = datetime.combine(first_day, time(), tzinfo=UTC) - timedelta(seconds=1)
    end = datetime.combine(last_day + timedelta(days=1), time(), tzinfo=UTC)
    if end - start > MAX_HORIZON:
        return None
    found = occurrences(times, start, end)
    return None if len(found) >= MAX_OCCURRENCES else tuple(found)


def _effective(
    meeting: Meeting, after: datetime, until: datetime, originals: list[datetime]
) -> list[Occurrence]:
    return _effective_from(meeting.key, changes_of(meeting), after, until, originals)


def _effective_from(
    key: str,
    changes: Mapping[datetime, datetime | None],
    after: datetime,
    until: datetime,
    originals: list[datetime],
) -> list[Occurrence]:
    found: list[Occurrence] = []
    for original in originals:
        start = changes.get(original, original)
        if start is not None and after < start <= until:
            found.append(Occurrence(key, original, start))
    return sorted(found, key=lambda item: item.start)


def previous_start(meeting: Meeting, occurrence: Occurrence) -> datetime | None:
    """The start of the occurrence before this one, for the clock-change note; None when
    there is none or either was moved (a moved meeting explains itself)."""
    if occurrence.moved or meeting.rrule is None:
        return None
    earlier = effective_occurrences(
        meeting, occurrence.original - timedelta(days=400), occurrence.original - timedelta(seconds=1)
    )
    if not earlier or earlier[-1].moved:
        return None
    return earlier[-1].start


def find_occurrence(meeting: Meeting, start: datetime) -> Occurrence | None:
    for item in effective_occurrences(meeting, start - timedelta(seconds=1), start):
        if item.start == start:
            return item
    return None


def occurrence_on(meeting: Meeting, on: date, now: datetime) -> Occurrence:
    zone = ZoneInfo(meeting.timezone)
    for item in effective_occurrences(meeting, now, now + SEARCH_AHEAD):
        if item.start.astimezone(zone).date() == on:
            return item
    raise MeetingError(
        f"{meeting.name} has no meeting on {on.isoformat()} ({meeting.timezone} date) still to come",
        field="date",
    )


def next_occurrence(meeting: Meeting, now: datetime) -> Occurrence:
    found = effective_occurrences(meeting, now, now + SEARCH_AHEAD)
    if not found:
        raise MeetingError(f"{meeting.name} has no meeting still to come")
    return found[0]
