"""Calendar files: what the bot sends, read back by a second reader (icalendar and
recurring-ical-events) and checked against the bot's own occurrences, across clock changes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.services import calendar
from models.meetings import Meeting, MeetingChange
from tests.ical_reader import events, expand, method, read, with_private_zone_name

NOW = datetime(2026, 11, 23, 12, tzinfo=UTC)
FROM = datetime(2026, 12, 1, tzinfo=UTC)
UNTIL = datetime(2028, 6, 30, tzinfo=UTC)  # the bot looks 800 days ahead at most


def meeting(zone: str, start: str, rule: str | None, key: str = "gc", video: str | None = None) -> Meeting:
    return Meeting(
        id=1,
        key=key,
        name="General Committee",
        channel="C0GC",
        start=start,
        timezone=zone,
        rrule=rule,
        reminders=["1d"],
        video_url=video,
        active=True,
        changes=[],
    )


SERIES = [
    ("Europe/London", "2027-01-09 10:00", "FREQ=MONTHLY;BYDAY=2SA"),
    ("Europe/London", "2027-01-30 14:00", "FREQ=MONTHLY;BYDAY=-1SA"),
    ("America/New_York", "2027-01-06 19:00", "FREQ=WEEKLY;BYDAY=WE"),
    ("America/New_York", "2027-01-30 11:00", "FREQ=MONTHLY;BYDAY=-1SA"),
    ("Australia/Sydney", "2027-01-30 10:00", "FREQ=MONTHLY;BYDAY=-1SA"),
    ("Australia/Sydney", "2027-01-02 09:00", "FREQ=WEEKLY;INTERVAL=2;BYDAY=SA"),
    ("Pacific/Auckland", "2027-01-04 18:30", "FREQ=WEEKLY;BYDAY=MO"),
    ("Pacific/Auckland", "2027-01-30 08:00", "FREQ=MONTHLY;BYDAY=-1SA;COUNT=20"),
    ("Europe/London", "2027-01-30 10:00", "FREQ=MONTHLY;BYDAY=-1SA;UNTIL=20280101T000000"),
]


@pytest.mark.parametrize(("zone", "start", "rule"), SERIES)
def test_a_series_file_expands_to_the_bots_own_instants_across_clock_changes(
    zone: str, start: str, rule: str
) -> None:
    mtg = meeting(zone, start, rule)
    file = calendar.series_file(mtg, "general-committee", 0, NOW)
    theirs = expand(file.content, FROM, UNTIL)
    ours = calendar.bot_instants(mtg, FROM - timedelta(seconds=1), UNTIL - timedelta(seconds=1))
    assert theirs == ours
    assert len(ours) >= 10
    # The meeting keeps its local time, so in UTC it moves with the clocks: the test crosses them.
    offsets = {moment.astimezone(ZoneInfo(zone)).utcoffset() for moment in ours}
    assert len(offsets) == 2
    assert {m.astimezone(ZoneInfo(zone)).strftime("%H:%M") for m in ours} == {start[-5:]}
    # Read with only the file's own VTIMEZONE (the zone's name unknown): the same instants.
    assert expand(with_private_zone_name(file.content, zone), FROM, UNTIL) == ours


def test_last_saturday_is_the_last_saturday_of_each_month() -> None:
    mtg = meeting("Europe/London", "2027-01-30 14:00", "FREQ=MONTHLY;BYDAY=-1SA")
    theirs = expand(calendar.series_file(mtg, "gc", 0, NOW).content, FROM, datetime(2028, 1, 1, tzinfo=UTC))
    for moment in theirs:
        local = moment.astimezone(ZoneInfo("Europe/London"))
        assert local.weekday() == 5 and (local + timedelta(days=7)).month != local.month
    assert len(theirs) == 12


def test_a_series_carries_moves_and_cancellations_as_the_bot_counts_them() -> None:
    zone = ZoneInfo("Europe/London")
    mtg = meeting(
        "Europe/London", "2027-01-30 14:00", "FREQ=MONTHLY;BYDAY=-1SA", video="https://example.org/v"
    )
    # 27 March 2027 is cancelled; 24 April moves to the Sunday, 11:00 (both in BST).
    mtg.changes.append(
        MeetingChange(original_start=datetime(2027, 3, 27, 14, tzinfo=zone).astimezone(UTC), new_start=None)
    )
    mtg.changes.append(
        MeetingChange(
            original_start=datetime(2027, 4, 24, 14, tzinfo=zone).astimezone(UTC),
            new_start=datetime(2027, 4, 25, 11, tzinfo=zone).astimezone(UTC),
        )
    )
    file = calendar.series_file(mtg, "general-committee", 3, NOW)
    until = datetime(2027, 12, 31, tzinfo=UTC)
    ours = calendar.bot_instants(mtg, FROM, until)
    assert expand(file.content, FROM, until) == ours
    assert datetime(2027, 4, 25, 10, tzinfo=UTC) in ours
    assert datetime(2027, 3, 27, 14, tzinfo=UTC) not in ours
    found = events(file.content)
    assert {e.uid for e in found} == {"meeting-gc@liec-bot"}
    assert {e.sequence for e in found} == {3}
    assert [e.recurrence_id for e in found if e.recurrence_id] == [datetime(2027, 4, 24, 13, tzinfo=UTC)]
    master = read(file.content).walk("VEVENT")[0]
    assert str(master["SUMMARY"]) == "General Committee"
    assert "#general-committee" in str(master["DESCRIPTION"])
    assert "https://example.org/v" in str(master["DESCRIPTION"])
    assert str(master["LOCATION"]) == "https://example.org/v"
    assert [str(tz["TZID"]) for tz in read(file.content).walk("VTIMEZONE")] == ["Europe/London"]


def test_one_occurrence_has_its_own_stable_uid_and_one_instant() -> None:
    mtg = meeting("America/New_York", "2027-01-06 19:00", "FREQ=WEEKLY;BYDAY=WE")
    original = datetime(2027, 3, 17, 23, tzinfo=UTC)  # 19:00 EDT
    first = calendar.occurrence_file(mtg, original, original, "gc", 0, NOW)
    again = calendar.occurrence_file(mtg, original, original, "gc", 0, NOW + timedelta(days=3))
    assert expand(first.content, FROM, UNTIL) == [original]
    assert first.uid == again.uid == "meeting-gc-20270317T2300Z@liec-bot"
    assert method(first.content) == "PUBLISH"
    assert "RRULE" not in first.content.decode()
    assert [str(tz["TZID"]) for tz in read(first.content).walk("VTIMEZONE")] == ["America/New_York"]


def test_an_update_keeps_the_uid_and_raises_the_sequence() -> None:
    mtg = meeting("Pacific/Auckland", "2027-01-04 18:30", "FREQ=WEEKLY;BYDAY=MO")
    original = datetime(2027, 4, 5, 6, 30, tzinfo=UTC)  # Monday 18:30 NZST... after the April change
    moved = original + timedelta(days=1)
    before = events(calendar.occurrence_file(mtg, original, original, "gc", 0, NOW).content)[0]
    after_file = calendar.occurrence_file(mtg, original, moved, "gc", 1, NOW)
    after = events(after_file.content)[0]
    assert (after.uid, after.sequence, after.start) == (before.uid, 1, moved)
    assert expand(after_file.content, FROM, UNTIL) == [moved]


def test_a_cancellation_is_method_cancel_with_the_same_uid() -> None:
    mtg = meeting("Australia/Sydney", "2027-01-30 10:00", "FREQ=MONTHLY;BYDAY=-1SA")
    original = datetime(2027, 2, 26, 23, tzinfo=UTC)
    one = calendar.cancel_file(mtg, calendar.occurrence_uid(mtg, original), 2, original, NOW, "gc")
    assert method(one.content) == "CANCEL"
    [event] = events(one.content)
    assert (event.uid, event.sequence, event.status) == (
        calendar.occurrence_uid(mtg, original),
        2,
        "CANCELLED",
    )
    assert "ORGANIZER" in one.content.decode()
    date_of_series = calendar.cancel_file(
        mtg, calendar.series_uid(mtg), 1, original, NOW, "gc", recurrence_id=original
    )
    [event] = events(date_of_series.content)
    assert (event.uid, event.recurrence_id, event.status) == ("meeting-gc@liec-bot", original, "CANCELLED")


def test_a_one_off_meeting_file_has_no_rule() -> None:
    mtg = meeting("Europe/London", "2027-03-28 09:00", None)  # the morning the clocks went forward
    file = calendar.series_file(mtg, "gc", 0, NOW)
    assert "RRULE" not in file.content.decode()
    assert expand(file.content, FROM, UNTIL) == calendar.bot_instants(mtg, FROM, UNTIL)
