"""The admins' alerts: the first report of a problem, and the summary of its repeats. Every
alert is built here, so each says the same true thing about what follows
(bot/services/admin_alerts.py: told once, repeats counted and summarised at most weekly)."""

from __future__ import annotations

from datetime import datetime

from bot.views.common import Reply, section
from bot.views.slack_dates import date_token

# What the admins hear next of the same problem; admin_alerts.SUMMARY_EVERY is the week.
REPEATS = "If it happens again, I will not alert you each time: I will send a count at most once a week."


def admin_alert(text: str) -> Reply:
    """The first report of a problem (`text`: what happened and the fix; no personal data)."""
    full = f"{text} {REPEATS}"
    return Reply(text=full.replace("*", ""), blocks=[section(f":warning: {full}")])


def repeat_summary(text: str, repeats: int, since: datetime) -> Reply:
    times = "once more" if repeats == 1 else f"{repeats} more times"
    return admin_alert(f"Still happening ({times} since {date_token(since)}): {text}")
