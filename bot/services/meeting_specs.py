"""What defines a meeting, from the organisation file or from Slack, and the times it implies.
Plain Python; nothing here calls Slack."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from bot.config import MeetingConfig
from bot.meeting_times import MeetingTimes, parse_meeting_times
from models.meetings import Meeting


class MeetingError(Exception):
    """A request about meetings that cannot be done; `field` names the input at fault."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


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
