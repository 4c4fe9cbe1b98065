"""What a meeting post that fell due while the bot was down becomes, and how far off a
meeting is in words. Posting itself, exactly once, is bot/services/delivery.py."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Literal

# A reminder held up this long is marked late: a queue busy for a minute is not "late",
# a bot that was down is.
LATE_AFTER = timedelta(minutes=5)

Timing = Literal["on_time", "late", "skip"]


def timing(due: datetime, now: datetime, grace: timedelta) -> Timing:
    """A post that fell due while the bot was down is sent late within `grace`, else skipped."""
    late_by = now - due
    if late_by > grace:
        return "skip"
    if late_by > LATE_AFTER:
        return "late"
    return "on_time"


def superseded(due: datetime, dues_of_occurrence: Iterable[datetime], now: datetime) -> bool:
    """Whether a reminder gives way to a later reminder of the same occurrence that is already
    due: after downtime, a meeting whose 1 h and 30 min reminders were both missed gets one
    post, the latest due, not two identical "(sent late)" ones."""
    return any(due < other <= now for other in dues_of_occurrence)


def humanize(delta: timedelta) -> str:
    """'7 days', '1 day', '3 hours', '1 hour', '30 minutes': how far off a meeting is."""
    minutes = max(1, round(delta.total_seconds() / 60))
    if minutes >= 2 * 24 * 60 - 30:
        value, unit = round(minutes / (24 * 60)), "day"
    elif minutes >= 24 * 60 - 30:
        value, unit = 1, "day"
    elif minutes >= 2 * 60 - 15:
        value, unit = round(minutes / 60), "hour"
    elif minutes >= 55:
        value, unit = 1, "hour"
    else:
        value, unit = minutes, "minute"
    return f"{value} {unit}{'s' if value != 1 else ''}"
