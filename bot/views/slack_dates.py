"""Slack date tokens: each reader sees the moment in their own local time."""

from __future__ import annotations

from datetime import UTC, datetime

LONG = "{date_long_pretty} at {time}"
SHORT = "{date_short_pretty} {time}"


def date_token(moment: datetime, fmt: str = LONG) -> str:
    """``<!date^…>`` with a UTC fallback for clients that cannot render it."""
    instant = moment.astimezone(UTC)
    fallback = instant.strftime("%d %b %Y %H:%M UTC")
    return f"<!date^{int(instant.timestamp())}^{fmt}|{fallback}>"
