from datetime import UTC, datetime, timedelta

import pytest

from bot.services.reminders import LATE_AFTER, humanize, timing


def test_timing() -> None:
    due = datetime(2027, 1, 23, 13, tzinfo=UTC)
    grace = timedelta(hours=1)
    assert timing(due, due - timedelta(seconds=1), grace) == "on_time"
    assert timing(due, due + LATE_AFTER, grace) == "on_time"
    assert timing(due, due + LATE_AFTER + timedelta(seconds=1), grace) == "late"
    assert timing(due, due + grace, grace) == "late"
    assert timing(due, due + grace + timedelta(seconds=1), grace) == "skip"
    assert timing(due, due + timedelta(minutes=20), timedelta(minutes=10)) == "skip"


@pytest.mark.parametrize(
    ("delta", "words"),
    [
        (timedelta(days=7), "7 days"),
        (timedelta(days=1), "1 day"),
        (timedelta(hours=23, minutes=40), "1 day"),
        (timedelta(hours=3), "3 hours"),
        (timedelta(hours=1), "1 hour"),
        (timedelta(minutes=30), "30 minutes"),
        (timedelta(minutes=1), "1 minute"),
        (timedelta(seconds=5), "1 minute"),
        (timedelta(weeks=2), "14 days"),
    ],
)
def test_humanize(delta: timedelta, words: str) -> None:
    assert humanize(delta) == words
