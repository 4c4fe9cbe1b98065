"""Who sees a recurring meeting move because the clocks changed: notes for a channel message.

A channel message is the same for every reader, so it cannot say "for you" to one member.
Instead it names the places whose clocks moved differently from the meeting's own zone since
the last occurrence: one representative zone per set of clock-change rules our members live
under (Europe changes on one date, the US and Canada on another, the southern hemisphere the
other way round). Members elsewhere read the time from the Slack date token, which Slack
shows in their own time zone.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.meeting_times import describe_shift, shift_for_reader

# (where, a zone that follows the same clock-change rules)
READER_GROUPS: tuple[tuple[str, str], ...] = (
    ("the UK and Europe", "Europe/London"),
    ("the US and Canada", "America/New_York"),
    ("Chile", "America/Santiago"),
    ("south-east Australia", "Australia/Sydney"),
    ("New Zealand", "Pacific/Auckland"),
    ("Israel", "Asia/Jerusalem"),
    ("Egypt", "Africa/Cairo"),
    ("Morocco", "Africa/Casablanca"),
    ("places that never change their clocks", "Asia/Dubai"),
)


def period_for(rule: str | None) -> str:
    """How a reminder names the time since the last occurrence."""
    freq = dict(p.partition("=")[::2] for p in (rule or "").split(";")).get("FREQ")
    return {"DAILY": "today", "WEEKLY": "this week", "MONTHLY": "this month"}.get(freq or "", "this time")


def shift_notes(
    meeting_zone: ZoneInfo, occurrence: datetime, previous: datetime | None, period: str
) -> list[str]:
    """One line per distinct move, e.g. 'In the US and Canada: one hour later for you this week.'"""
    if previous is None:
        return []
    by_words: dict[str, list[str]] = {}
    for where, zone in READER_GROUPS:
        shift = shift_for_reader(meeting_zone, ZoneInfo(zone), occurrence, previous)
        words = describe_shift(shift, period)
        if words is not None:
            by_words.setdefault(words, []).append(where)
    return [f"In {_join(places)}: {words}." for words, places in by_words.items()]


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
