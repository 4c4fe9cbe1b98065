"""The admins' alerts: the first report of a problem, and the summary of its repeats."""

from __future__ import annotations

from datetime import datetime

from bot.views.common import Reply, section
from bot.views.slack_dates import date_token


def admin_alert(text: str) -> Reply:
    return Reply(text=text.replace("*", ""), blocks=[section(f":warning: {text}")])


def repeat_summary(text: str, repeats: int, since: datetime) -> Reply:
    times = "once more" if repeats == 1 else f"{repeats} more times"
    return admin_alert(f"Still happening ({times} since {date_token(since)}): {text}")
