"""A second, independent reader of the .ics files the bot sends: icalendar parses them and
recurring-ical-events expands them, so the tests check the files as a calendar would read
them, not through the bot's own occurrence code."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from datetime import UTC, datetime

import icalendar
import recurring_ical_events


@dataclass(frozen=True)
class ReadEvent:
    uid: str
    sequence: int
    start: datetime  # UTC
    status: str | None
    recurrence_id: datetime | None


def read(content: bytes) -> icalendar.Calendar:
    return icalendar.Calendar.from_ical(content)


def method(content: bytes) -> str:
    return str(read(content)["METHOD"])


def events(content: bytes) -> list[ReadEvent]:
    found = []
    for event in read(content).walk("VEVENT"):
        rid = event.get("RECURRENCE-ID")
        found.append(
            ReadEvent(
                str(event["UID"]),
                int(event.get("SEQUENCE", 0)),
                event["DTSTART"].dt.astimezone(UTC),
                str(event["STATUS"]) if "STATUS" in event else None,
                rid.dt.astimezone(UTC) if rid is not None else None,
            )
        )
    return found


def expand(content: bytes, after: datetime, until: datetime) -> list[datetime]:
    """Every start the file gives in [after, until), in UTC, as a calendar would show them."""
    found = recurring_ical_events.of(read(content)).between(after, until)
    return sorted(event["DTSTART"].dt.astimezone(UTC) for event in found)


def with_private_zone_name(content: bytes, zone: str) -> bytes:
    """The file with its zone renamed to a name no tz database knows, so a reader can only
    use the file's own VTIMEZONE: this checks the VTIMEZONE the bot wrote."""
    # icalendar remembers a zone by its name for the whole process: a fresh name each time.
    private = f"LIEC-Private-{next(_names)}".encode()
    return re.sub(rb"TZID([=:])" + re.escape(zone.encode()), rb"TZID\1" + private, content)


_names = itertools.count(1)
