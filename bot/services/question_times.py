"""Local times and working hours: what a member can expect when a coordinator has their question.

Pure functions of an injected "now" (aware UTC); the zone names come from Slack profiles.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_START = "08:00"
DEFAULT_END = "21:00"


def zone_or_utc(tz: str | None) -> ZoneInfo:
    """The member's zone, or UTC when Slack gave none or one we cannot read."""
    if tz:
        try:
            return ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return ZoneInfo("UTC")


def place_name(tz: str | None) -> str:
    """A place a member recognises: "Sydney" for Australia/Sydney, "UTC" when there is none."""
    zone = zone_or_utc(tz).key
    if "/" not in zone or zone.startswith("Etc/"):
        return "UTC"
    return zone.rsplit("/", 1)[1].replace("_", " ")


def _hhmm(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


def clock_text(moment: datetime) -> str:
    return moment.strftime("%H:%M")


@dataclass(frozen=True)
class Availability:
    """Where one person is in their day."""

    tz: str | None
    local_now: datetime
    in_hours: bool
    next_start: datetime  # the start of their next working day (local); now if in hours
    start: str

    @property
    def place(self) -> str:
        return place_name(self.tz)

    @property
    def now_text(self) -> str:
        return f"{clock_text(self.local_now)} in {self.place}"

    @property
    def start_is_tomorrow(self) -> bool:
        return self.next_start.date() > self.local_now.date()


def availability(
    now: datetime, tz: str | None, start: str = DEFAULT_START, end: str = DEFAULT_END
) -> Availability:
    """Whether ``now`` falls in working hours ``start``-``end`` in zone ``tz`` (an end before
    the start means the hours run past midnight), and when they next begin."""
    zone = zone_or_utc(tz)
    local = now.astimezone(zone)
    begin, finish = _hhmm(start), _hhmm(end)
    moment = local.time().replace(tzinfo=None)
    # An end before the start: the hours run past midnight.
    crosses_midnight = finish < begin
    in_hours = (moment >= begin or moment < finish) if crosses_midnight else begin <= moment < finish
    if in_hours:
        next_start = local
    else:
        day = local.date() if moment < begin else local.date() + timedelta(days=1)
        # Built from the wall clock, so a change of daylight saving in between is respected.
        next_start = datetime.combine(day, begin, tzinfo=zone)
    return Availability(tz=tz, local_now=local, in_hours=in_hours, next_start=next_start, start=start)


def expectation_text(people: list[tuple[str, Availability]]) -> str:
    """How soon a reply may come, given each holder's availability: for example
    "it is 03:10 in Sydney for them, expect a reply after 08:00 their time"."""
    if not people:
        return ""
    if len(people) == 1:
        (_, one) = people[0]
        return f"it is {one.now_text} for them, " + _expect(one, "their time")
    times = " and ".join(f"{a.now_text} for {name}" for name, a in people)
    working = [name for name, a in people if a.in_hours]
    if working:
        return f"it is {times}; {working[0]} is in working hours now, so expect a reply today"
    name, soonest = min(people, key=lambda p: p[1].next_start.astimezone(UTC))
    return f"it is {times}; " + _expect(soonest, f"{name}'s time")


def _expect(one: Availability, whose: str) -> str:
    if one.in_hours:
        return "within their working hours, so expect a reply today"
    when = " tomorrow" if one.start_is_tomorrow else ""
    return f"expect a reply after {clock_text(one.next_start)} {whose}{when}"
