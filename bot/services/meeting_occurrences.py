"""When a meeting happens: the occurrences its rule gives, after admins' moves and
cancellations. Plain Python; nothing here calls Slack."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.meeting_times import occurrences
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
    times = times_of(meeting)
    changes = {change.original_start: change.new_start for change in meeting.changes}
    found: list[Occurrence] = []
    for original in occurrences(times, after - MOVE_LIMIT, until + MOVE_LIMIT):
        start = changes.get(original, original)
        if start is not None and after < start <= until:
            found.append(Occurrence(meeting.key, original, start))
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
