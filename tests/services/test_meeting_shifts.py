from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bot.services.meeting_shifts import period_for, shift_notes

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")
SYDNEY = ZoneInfo("Australia/Sydney")


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def test_a_london_meeting_after_the_us_change() -> None:
    notes = shift_notes(LONDON, utc(2027, 3, 20, 10), utc(2027, 3, 13, 10), "this week")
    assert notes == ["In the US and Canada and Morocco: one hour later for you this week."]


def test_a_london_meeting_after_the_uk_change_moves_for_everyone_else() -> None:
    notes = shift_notes(LONDON, utc(2027, 4, 3, 9), utc(2027, 3, 27, 10), "this week")
    assert len(notes) == 1
    assert notes[0].endswith(": one hour earlier for you this week.")
    # Sydney falls back early on 4 April, after this meeting: it sees only the UK's change.
    for where in (
        "the US and Canada",
        "Chile",
        "Israel",
        "south-east Australia",
        "places that never change their clocks",
    ):
        assert where in notes[0]
    assert "the UK and Europe" not in notes[0]


def test_a_sydney_meeting_when_sydney_falls_back() -> None:
    # 18:00 AEDT (07:00 UTC) on 3 April, 18:00 AEST (08:00 UTC) on 10 April
    notes = shift_notes(SYDNEY, utc(2027, 4, 10, 8), utc(2027, 4, 3, 7), "this week")
    assert "In the UK and Europe, the US and Canada" in notes[0]
    assert notes[0].endswith("one hour later for you this week.")
    assert all("New Zealand" not in note for note in notes)  # NZ fell back the same night


def test_a_new_york_meeting_in_a_quiet_week_has_no_notes() -> None:
    assert shift_notes(NEW_YORK, utc(2027, 6, 12, 23), utc(2027, 6, 5, 23), "this week") == []
    assert shift_notes(NEW_YORK, utc(2027, 6, 12, 23), None, "this week") == []


def test_period_for() -> None:
    assert period_for("FREQ=WEEKLY;INTERVAL=2") == "this week"
    assert period_for("FREQ=MONTHLY;BYDAY=1SA") == "this month"
    assert period_for("FREQ=DAILY") == "today"
    assert period_for("FREQ=YEARLY") == "this time"
    assert period_for(None) == "this time"
