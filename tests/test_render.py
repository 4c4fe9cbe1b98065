"""`try` shows Slack's date tokens as the trial member's Slack would: in their own time zone."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bot.render import message_to_text
from bot.views.slack_dates import LONG, SHORT, date_token


def test_date_tokens_show_in_the_readers_zone() -> None:
    moment = datetime(2027, 1, 9, 10, 0, tzinfo=UTC)
    message = {"text": f"Meeting {date_token(moment, LONG)}; short {date_token(moment, SHORT)}"}
    assert message_to_text(message, ZoneInfo("Europe/Paris")) == (
        "Meeting Saturday, January 9, 2027 at 11:00; short Jan 9, 2027 11:00\n"
    )
    assert "at 19:00" in message_to_text(message, ZoneInfo("Asia/Tokyo"))


def test_without_a_zone_the_fallback_text_is_shown() -> None:
    token = "<!date^1799488800^{date_long_pretty} at {time}|9 Jan 2027 10:00 UTC>"
    assert message_to_text({"text": token}) == "9 Jan 2027 10:00 UTC\n"
