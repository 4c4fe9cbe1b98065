"""What defines a meeting, from the organisation file or from Slack, and the times it implies.
Plain Python; nothing here calls Slack."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache, wraps
from typing import ParamSpec, TypeVar

from bot.config import (
    MEETING_AGENDA_CHARS,
    MEETING_NAME_CHARS,
    MeetingConfig,
    length_problem,
    meeting_key_for,
)
from bot.meeting_times import MeetingTimeError, MeetingTimes, occurrences, parse_meeting_times
from bot.services.outcomes import Refused
from models.meetings import Meeting

P = ParamSpec("P")
R = TypeVar("R")


class MeetingError(Exception):
    """A request about meetings that cannot be done; `field` names the input at fault."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def refusing(use_case: Callable[P, R]) -> Callable[P, R | Refused]:
    """The use case answering Refused(message, field) where it raises MeetingError. Its rules
    raise before anything is written, so a refusal leaves the transaction as it found it."""

    @wraps(use_case)
    def run(*args: P.args, **kwargs: P.kwargs) -> R | Refused:
        try:
            return use_case(*args, **kwargs)
        except MeetingError as exc:
            return Refused(exc.message, exc.field)

    return run


@dataclass(frozen=True)
class MeetingSpec:
    """What defines a meeting, from either source."""

    key: str
    name: str
    channel: str
    start: str
    timezone: str
    rrule: str | None = None
    reminders: tuple[str, ...] = ("7d", "1d", "1h")
    kind: str = "other"
    agenda: str | None = None
    agenda_url: str | None = None
    video_url: str | None = None

    @classmethod
    def from_config(cls, config: MeetingConfig) -> MeetingSpec:
        return cls(
            key=config.meeting_key,
            name=config.name,
            channel=config.channel,
            start=config.start,
            timezone=config.timezone,
            rrule=config.rrule,
            reminders=tuple(config.reminders),
            kind=config.kind,
            agenda=config.agenda,
            agenda_url=config.agenda_url,
            video_url=config.video_url,
        )

    def times(self) -> MeetingTimes:
        return _times(self.start, self.timezone, self.rrule, self.reminders)

    def schedule_fields(self) -> tuple[str, str, str | None]:
        return (self.start, self.timezone, self.rrule)


@lru_cache(maxsize=8192)
def _times(start: str, timezone: str, rrule: str | None, reminders: tuple[str, ...]) -> MeetingTimes:
    return parse_meeting_times(start, timezone, rrule, reminders)


def times_of(meeting: Meeting) -> MeetingTimes:
    return _times(meeting.start, meeting.timezone, meeting.rrule, tuple(meeting.reminders))


def spec_of(meeting: Meeting) -> MeetingSpec:
    return MeetingSpec(
        key=meeting.key,
        name=meeting.name,
        channel=meeting.channel,
        start=meeting.start,
        timezone=meeting.timezone,
        rrule=meeting.rrule,
        reminders=tuple(meeting.reminders),
        kind=meeting.kind,
        agenda=meeting.agenda,
        agenda_url=meeting.agenda_url,
        video_url=meeting.video_url,
    )


def split_reminders(text: str) -> list[str]:
    """'7d, 1d 1h' -> ['7d', '1d', '1h'] (the modal's field)."""
    return [part for part in text.replace(",", " ").split() if part]


# The "add a meeting" form -----------------------------------------------------------------

_URL = re.compile(r"^https?://[^\s<>|]+$")
# How far ahead a start that has passed must still repeat.
REPEATS_WITHIN = timedelta(days=730)


def check_form(values: Mapping[str, str | None], now: datetime) -> MeetingSpec | dict[str, str]:
    """The meeting an admin's form describes, or every error as {field: message}. `values` are
    keyed by field: name, channel, start, timezone, rrule, reminders, kind, agenda,
    agenda_url, video_url."""
    errors: dict[str, str] = {}
    name = values.get("name") or ""
    channel = values.get("channel") or ""
    if not name:
        errors["name"] = "Give the meeting a name."
    elif problem := length_problem(name, MEETING_NAME_CHARS, "The name"):
        errors["name"] = f"{problem}."
    if problem := length_problem(values.get("agenda") or "", MEETING_AGENDA_CHARS, "The agenda"):
        errors["agenda"] = f"{problem}."
    if not channel:
        errors["channel"] = "Choose the channel for its reminders."
    reminders = split_reminders(values.get("reminders") or "")
    times = None
    try:
        times = parse_meeting_times(
            values.get("start") or "", values.get("timezone") or "", values.get("rrule"), reminders
        )
    except MeetingTimeError as exc:
        errors[exc.field] = exc.message
    if times is not None and not occurrences(times, now, now + REPEATS_WITHIN):
        errors["start"] = "That start has passed and nothing repeats after it."
    for field in ("agenda_url", "video_url"):
        url = values.get(field)
        if url and not _URL.match(url):
            errors[field] = "Give a web address starting with https://"
    if errors or times is None:
        return errors
    return MeetingSpec(
        key=meeting_key_for(name),
        name=name,
        channel=channel,
        start=values.get("start") or "",
        timezone=times.zone.key,
        rrule=times.rule,
        reminders=tuple(reminders),
        kind=values.get("kind") or "other",
        agenda=values.get("agenda"),
        agenda_url=values.get("agenda_url"),
        video_url=values.get("video_url"),
    )
