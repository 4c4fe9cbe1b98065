from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.meeting_times import (
    MAX_OCCURRENCES,
    MeetingTimeError,
    describe_shift,
    format_duration,
    local_label,
    occurrences,
    parse_duration,
    parse_meeting_times,
    previous_occurrence,
    reminder_due,
    reminder_instants,
    shift_for_reader,
    slack_date_token,
)

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")
SYDNEY = ZoneInfo("Australia/Sydney")


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def error_of(*args: object, **kwargs: object) -> MeetingTimeError:
    with pytest.raises(MeetingTimeError) as caught:
        parse_meeting_times(*args, **kwargs)  # type: ignore[arg-type]
    return caught.value


def local_times(starts: list[datetime], zone: ZoneInfo) -> list[str]:
    return [f"{s.astimezone(zone):%Y-%m-%d %H:%M %Z}" for s in starts]


# --- start -----------------------------------------------------------------------


@pytest.mark.parametrize("text", ["2026-12-05 10:00", "2026-12-05T10:00", "2026-12-05 10:00:00"])
def test_a_wall_time_is_read_in_the_meetings_zone(text: str) -> None:
    winter = parse_meeting_times(text, "America/New_York")
    assert winter.start_utc == utc(2026, 12, 5, 15, 0)
    assert winter.start_local == datetime(2026, 12, 5, 10, 0)


def test_a_time_with_an_offset_is_an_exact_instant_in_any_zone() -> None:
    meeting = parse_meeting_times("2026-07-04T05:00-04:00", "Europe/London")
    assert meeting.start_utc == utc(2026, 7, 4, 9, 0)
    assert meeting.start_local == datetime(2026, 7, 4, 10, 0)  # 10:00 BST
    assert parse_meeting_times("2026-07-04T09:00Z", "Europe/London").start_utc == utc(2026, 7, 4, 9)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("2026-02-30 10:00", "2026-02-30 is not a date: February 2026 has 28 days"),
        ("2028-02-30 10:00", "February 2028 has 29 days"),
        ("2026-04-31 10:00", "April 2026 has 30 days"),
        ("2026-13-01 10:00", "there is no month 13"),
        ("2026-12-05 25:00", "25:00 is not a time of day"),
        ("2026-12-05", "is not a date and time"),
        ("next saturday", "is not a date and time"),
    ],
)
def test_an_impossible_start_is_rejected_with_the_reason(text: str, words: str) -> None:
    error = error_of(text, "Europe/London")
    assert error.field == "start"
    assert words in error.message


@pytest.mark.parametrize(
    ("text", "zone", "words"),
    [
        (
            "2027-03-28 01:30",
            "Europe/London",
            "01:30 on 2027-03-28 does not exist in Europe/London: the clocks go forward from "
            "01:00 to 02:00 that day. Choose a time outside 01:00-02:00, for example 02:30",
        ),
        (
            "2027-03-14 02:30",
            "America/New_York",
            "does not exist in America/New_York: the clocks go forward from 02:00 to 03:00",
        ),
        (
            "2026-10-04 02:15",
            "Australia/Sydney",
            "does not exist in Australia/Sydney: the clocks go forward from 02:00 to 03:00 that "
            "day. Choose a time outside 02:00-03:00, for example 03:15",
        ),
    ],
)
def test_a_start_in_a_spring_forward_gap_is_rejected(text: str, zone: str, words: str) -> None:
    error = error_of(text, zone)
    assert error.field == "start"
    assert words in error.message


@pytest.mark.parametrize(
    ("text", "zone", "words"),
    [
        (
            "2026-10-25 01:30",
            "Europe/London",
            "01:30 on 2026-10-25 happens twice in Europe/London: the clocks go back from 02:00 to "
            "01:00 that day. Give the offset, 2026-10-25T01:30+01:00 for the first or "
            "2026-10-25T01:30+00:00 for the second, or choose a time outside 01:00-02:00",
        ),
        (
            "2026-11-01 01:59",
            "America/New_York",
            "2026-11-01T01:59-04:00 for the first or 2026-11-01T01:59-05:00 for the second",
        ),
        (
            "2027-04-04 02:30",
            "Australia/Sydney",
            "happens twice in Australia/Sydney: the clocks go back from 03:00 to 02:00",
        ),
    ],
)
def test_a_start_that_happens_twice_is_rejected(text: str, zone: str, words: str) -> None:
    error = error_of(text, zone)
    assert error.field == "start"
    assert words in error.message


def test_the_offset_the_fold_message_suggests_is_accepted_as_the_second_instant() -> None:
    second = parse_meeting_times("2026-10-25T01:30+00:00", "Europe/London")
    assert second.start_utc == utc(2026, 10, 25, 1, 30)
    assert occurrences(second, utc(2026, 10, 1), utc(2026, 11, 1)) == [utc(2026, 10, 25, 1, 30)]


def test_the_hour_either_side_of_a_change_is_fine() -> None:
    assert parse_meeting_times("2027-03-28 00:59", "Europe/London").start_utc == utc(2027, 3, 28, 0, 59)
    assert parse_meeting_times("2027-03-28 02:00", "Europe/London").start_utc == utc(2027, 3, 28, 1, 0)
    assert parse_meeting_times("2026-10-25 02:00", "Europe/London").start_utc == utc(2026, 10, 25, 2)


# --- time zone -------------------------------------------------------------------


def test_an_unknown_zone_is_rejected_with_a_suggestion() -> None:
    error = error_of("2026-12-05 10:00", "Europe/Londn")
    assert error.field == "timezone"
    assert "'Europe/Londn' is not a known time zone" in error.message
    assert "Did you mean Europe/London?" in error.message


@pytest.mark.parametrize("zone", ["Mars/Olympus_Mons", "", "   ", "../../etc/passwd", "BST"])
def test_other_bad_zones_are_rejected(zone: str) -> None:
    assert error_of("2026-12-05 10:00", zone).field == "timezone"


# --- rrule -----------------------------------------------------------------------


@pytest.mark.parametrize("freq", ["SECONDLY", "MINUTELY", "HOURLY"])
def test_too_frequent_rules_are_rejected(freq: str) -> None:
    error = error_of("2026-12-05 10:00", "Europe/London", f"FREQ={freq}")
    assert error.field == "rrule"
    assert f"FREQ={freq} is too frequent for a meeting" in error.message


@pytest.mark.parametrize(
    ("rule", "words"),
    [
        ("FREQ=MONTHLY;BYDAY=1XX", "BYDAY=1XX is not a day"),
        ("FREQ=MONTHLY;BYMONTHDAY=40", "BYMONTHDAY=40: a month has no such day"),
        ("FREQ=MONTHLY;BYMONTHDAY=x", "is not a valid RRULE"),
        ("FREQ=FORTNIGHTLY", "FREQ=FORTNIGHTLY is not a frequency"),
        ("BYDAY=1SA", "has no FREQ"),
        ("garbage", "'garbage' is not a rule part"),
        ("FREQ=DAILY;BYHOUR=9,10", "BYHOUR is not allowed"),
        ("FREQ=WEEKLY;BYEASTER=0", "BYEASTER is not supported"),
        ("FREQ=WEEKLY;FREQ=DAILY", "FREQ is given twice"),
        ("DTSTART:20260101T100000\nRRULE:FREQ=DAILY", "is not a single RRULE"),
        ("FREQ=MONTHLY;INTERVAL=0", "INTERVAL=0 must be a whole number, 1 or more"),
        ("FREQ=MONTHLY;COUNT=-2", "COUNT=-2 must be a whole number"),
        ("FREQ=MONTHLY;COUNT=2;UNTIL=20271231", "give COUNT or UNTIL, not both"),
        ("FREQ=MONTHLY;UNTIL=tomorrow", "UNTIL=TOMORROW is not a date"),
        ("FREQ=MONTHLY;BYDAY=9SA", "BYDAY=9SA: a month has no such day"),
        ("FREQ=MONTHLY;BYDAY=0SA", "a month has no such day"),
        ("FREQ=YEARLY;BYDAY=60MO", "BYDAY=60MO: a year has no such day"),
        ("FREQ=WEEKLY;BYDAY=1SA", "a numbered day needs FREQ=MONTHLY"),
        ("FREQ=WEEKLY;BYDAY=SAT", "BYDAY=SAT is not a day"),
    ],
)
def test_malformed_rules_are_rejected(rule: str, words: str) -> None:
    error = error_of("2026-12-05 10:00", "Europe/London", rule)
    assert error.field == "rrule"
    assert words in error.message


@pytest.mark.parametrize(
    ("rule", "words"),
    [
        ("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30", "BYMONTHDAY=30 never happens in BYMONTH=2"),
        ("FREQ=DAILY;BYMONTH=4,6;BYMONTHDAY=31", "those months have at most 30 days"),
        # every 7 days from a Saturday never lands on a Monday
        ("FREQ=DAILY;INTERVAL=7;BYDAY=MO", "gives no date from the start on"),
        ("FREQ=WEEKLY;COUNT=0", "COUNT=0 must be a whole number"),
        ("FREQ=MONTHLY;UNTIL=20200101", "ends before the start"),
    ],
)
def test_rules_that_yield_nothing_are_rejected(rule: str, words: str) -> None:
    error = error_of("2026-12-05 10:00", "Europe/London", rule)
    assert error.field == "rrule"
    assert words in error.message


def test_a_start_that_is_not_one_of_the_rules_dates_is_rejected_with_the_first_date() -> None:
    error = error_of("2026-12-06 10:00", "Europe/London", "FREQ=MONTHLY;BYDAY=1SA")
    assert error.field == "rrule"
    assert "the start (Sunday 2026-12-06 10:00) is not one of the rule's dates" in error.message
    assert "Saturday 2027-01-02 10:00" in error.message


def test_a_rare_but_real_rule_is_found() -> None:
    # Monday 29 February: next in 2044, far past the first year of searching.
    meeting = parse_meeting_times(
        "2044-02-29 10:00", "Europe/London", "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29;BYDAY=MO"
    )
    assert occurrences(meeting, utc(2044, 1, 1), utc(2045, 1, 1)) == [utc(2044, 2, 29, 10)]


def test_rrule_prefix_lowercase_and_utc_until_are_accepted() -> None:
    meeting = parse_meeting_times(
        "2026-12-05 10:00", "Europe/London", "rrule:freq=monthly;byday=1sa;until=20270301T000000Z"
    )
    assert meeting.rule == "FREQ=MONTHLY;BYDAY=1SA;UNTIL=20270301T000000"
    assert len(occurrences(meeting, utc(2026, 1, 1), utc(2028, 1, 1))) == 3


def test_a_date_until_includes_that_day() -> None:
    meeting = parse_meeting_times(
        "2026-12-05 10:00", "Europe/London", "FREQ=MONTHLY;BYDAY=1SA;UNTIL=20270206"
    )
    assert occurrences(meeting, utc(2026, 1, 1), utc(2028, 1, 1))[-1] == utc(2027, 2, 6, 10)


# --- reminders -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("7d", timedelta(days=7)),
        ("1d", timedelta(days=1)),
        ("1h", timedelta(hours=1)),
        ("30m", timedelta(minutes=30)),
        ("2w", timedelta(weeks=2)),
        (" 60D ", timedelta(days=60)),
    ],
)
def test_durations(text: str, amount: timedelta) -> None:
    assert parse_duration(text) == amount


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("0h", "'0h' is zero"),
        ("0m", "is zero"),
        ("-1d", "'-1d' is not a duration"),
        ("abc", "'abc' is not a duration"),
        ("1.5h", "is not a duration"),
        ("7", "not a duration"),
        ("61d", "'61d' is more than 60 days"),
        ("9w", "more than 60 days"),
        ("", "not a duration"),
    ],
)
def test_bad_durations_are_rejected(text: str, words: str) -> None:
    error = error_of("2026-12-05 10:00", "Europe/London", None, ["1d", text])
    assert error.field == "reminders"
    assert words in error.message


def test_reminders_are_distinct_and_longest_first() -> None:
    meeting = parse_meeting_times("2026-12-05 10:00", "Europe/London", None, ["1h", "7d", "1d"])
    assert meeting.reminders == (timedelta(days=7), timedelta(days=1), timedelta(hours=1))
    assert (
        "'1w' and '7d' are the same reminder"
        in error_of("2026-12-05 10:00", "Europe/London", None, ["7d", "1w"]).message
    )
    assert parse_meeting_times("2026-12-05 10:00", "UTC", None, "1d").reminders == (timedelta(days=1),)


@pytest.mark.parametrize("text", ["30m", "90m", "1h", "36h", "1d", "10d", "1w", "8w"])
def test_format_duration_reads_back(text: str) -> None:
    assert format_duration(parse_duration(text)) == text


# --- occurrences across daylight saving ------------------------------------------


def test_london_first_saturday_keeps_ten_oclock_through_the_year() -> None:
    meeting = parse_meeting_times("2026-12-05 10:00", "Europe/London", "FREQ=MONTHLY;BYDAY=1SA")
    starts = occurrences(meeting, utc(2027, 2, 1), utc(2027, 11, 30))
    assert local_times(starts, LONDON) == [
        "2027-02-06 10:00 GMT",
        "2027-03-06 10:00 GMT",
        "2027-04-03 10:00 BST",
        "2027-05-01 10:00 BST",
        "2027-06-05 10:00 BST",
        "2027-07-03 10:00 BST",
        "2027-08-07 10:00 BST",
        "2027-09-04 10:00 BST",
        "2027-10-02 10:00 BST",
        "2027-11-06 10:00 GMT",
    ]
    assert starts[1] == utc(2027, 3, 6, 10) and starts[2] == utc(2027, 4, 3, 9)


def test_new_york_weekly_keeps_its_wall_time_across_both_changes() -> None:
    meeting = parse_meeting_times("2027-03-06 19:00", "America/New_York", "FREQ=WEEKLY")
    spring = occurrences(meeting, utc(2027, 3, 1), utc(2027, 3, 22))
    assert spring == [utc(2027, 3, 7, 0), utc(2027, 3, 14, 0), utc(2027, 3, 20, 23)]
    autumn = occurrences(meeting, utc(2027, 10, 29), utc(2027, 11, 15))
    assert local_times(autumn, NEW_YORK) == [
        "2027-10-30 19:00 EDT",
        "2027-11-06 19:00 EDT",
        "2027-11-13 19:00 EST",
    ]
    # the clocks go back on Sunday 7 November
    assert autumn[1] == utc(2027, 11, 6, 23) and autumn[2] == utc(2027, 11, 14, 0)


def test_sydney_monthly_keeps_its_wall_time_across_both_changes() -> None:
    meeting = parse_meeting_times("2027-03-06 18:00", "Australia/Sydney", "FREQ=MONTHLY;BYDAY=1SA")
    starts = occurrences(meeting, utc(2027, 3, 1), utc(2027, 11, 30))
    assert all(s.astimezone(SYDNEY).hour == 18 for s in starts)
    # summer time (+11) ends on 4 April 2027 and starts again on 3 October 2027
    assert starts[0] == utc(2027, 3, 6, 7)
    assert starts[1] == utc(2027, 4, 3, 7)  # the day before the change: still +11
    assert starts[2] == utc(2027, 5, 1, 8)
    assert starts[7] == utc(2027, 10, 2, 8)  # the day before summer time
    assert starts[8] == utc(2027, 11, 6, 7)


@pytest.mark.parametrize(
    ("zone", "wall", "gap_day", "expected_utc"),
    [
        # a wall time inside the gap is held forward by the gap: the same instant as the
        # wall time read on the old offset
        ("Europe/London", "01:30", datetime(2027, 3, 28), utc(2027, 3, 28, 1, 30)),
        ("America/New_York", "02:30", datetime(2027, 3, 14), utc(2027, 3, 14, 7, 30)),
        ("Australia/Sydney", "02:30", datetime(2027, 10, 3), utc(2027, 10, 2, 16, 30)),
    ],
)
def test_a_daily_occurrence_in_a_gap_is_shifted_forward(
    zone: str, wall: str, gap_day: datetime, expected_utc: datetime
) -> None:
    first = gap_day - timedelta(days=2)
    meeting = parse_meeting_times(f"{first:%Y-%m-%d} {wall}", zone, "FREQ=DAILY;COUNT=5")
    starts = occurrences(meeting, utc(2027, 1, 1), utc(2028, 1, 1))
    assert len(starts) == 5
    assert starts[2] == expected_utc
    shifted = starts[2].astimezone(ZoneInfo(zone))
    assert (shifted.hour * 60 + shifted.minute) - (int(wall[:2]) * 60 + int(wall[3:])) == 60
    # the days either side keep the wall time
    assert {f"{s.astimezone(ZoneInfo(zone)):%H:%M}" for s in (starts[1], starts[3])} == {wall}


@pytest.mark.parametrize(
    ("zone", "wall", "fold_day", "expected_utc"),
    [
        ("Europe/London", "01:30", datetime(2027, 10, 31), utc(2027, 10, 31, 0, 30)),
        ("America/New_York", "01:30", datetime(2027, 11, 7), utc(2027, 11, 7, 5, 30)),
        ("Australia/Sydney", "02:30", datetime(2027, 4, 4), utc(2027, 4, 3, 15, 30)),
    ],
)
def test_a_daily_occurrence_in_a_fold_is_the_first_of_the_two(
    zone: str, wall: str, fold_day: datetime, expected_utc: datetime
) -> None:
    first = fold_day - timedelta(days=1)
    meeting = parse_meeting_times(f"{first:%Y-%m-%d} {wall}", zone, "FREQ=DAILY;COUNT=3")
    starts = occurrences(meeting, utc(2027, 1, 1), utc(2028, 1, 1))
    assert starts[1] == expected_utc
    assert f"{starts[1].astimezone(ZoneInfo(zone)):%H:%M}" == wall
    assert starts[1].astimezone(ZoneInfo(zone)).fold == 0


def test_occurrences_window_is_open_at_after_and_closed_at_until() -> None:
    meeting = parse_meeting_times("2026-12-05 10:00", "Europe/London", "FREQ=MONTHLY;BYDAY=1SA")
    assert occurrences(meeting, utc(2026, 12, 5, 10), utc(2027, 1, 2, 10)) == [utc(2027, 1, 2, 10)]
    assert occurrences(meeting, utc(2027, 1, 2, 10), utc(2027, 1, 2, 10)) == []
    assert occurrences(meeting, utc(2027, 2, 1), utc(2027, 1, 1)) == []


def test_a_one_off_meeting_has_one_occurrence() -> None:
    meeting = parse_meeting_times("2026-12-05 10:00", "Europe/London")
    assert occurrences(meeting, utc(2026, 1, 1), utc(2027, 1, 1)) == [utc(2026, 12, 5, 10)]
    assert occurrences(meeting, utc(2026, 12, 5, 10), utc(2027, 1, 1)) == []
    assert previous_occurrence(meeting, utc(2026, 12, 5, 10)) is None


def test_occurrences_are_bounded_whatever_the_window() -> None:
    meeting = parse_meeting_times("2026-01-01 10:00", "UTC", "FREQ=DAILY")
    starts = occurrences(meeting, utc(2025, 12, 31), utc(2100, 1, 1))
    assert len(starts) == MAX_OCCURRENCES
    assert starts == sorted(starts)
    assert occurrences(meeting, utc(2090, 1, 1), utc(2090, 1, 3)) == [
        utc(2090, 1, 1, 10),
        utc(2090, 1, 2, 10),
    ]


def test_previous_occurrence() -> None:
    meeting = parse_meeting_times("2027-03-26 01:30", "Europe/London", "FREQ=DAILY")
    assert previous_occurrence(meeting, utc(2027, 3, 29, 0, 30)) == utc(2027, 3, 28, 1, 30)
    assert previous_occurrence(meeting, utc(2027, 3, 28, 1, 30)) == utc(2027, 3, 27, 1, 30)
    assert previous_occurrence(meeting, utc(2027, 3, 26, 1, 30)) is None


# --- reminder instants -----------------------------------------------------------


def test_day_reminders_keep_the_local_time_and_skip_the_past() -> None:
    # Sunday 28 March 2027 10:00 BST; the clocks changed at 01:00 GMT that morning.
    meeting = parse_meeting_times("2027-03-28 10:00", "Europe/London", None, ["7d", "1d", "1h"])
    starts = occurrences(meeting, utc(2027, 1, 1), utc(2028, 1, 1))
    assert starts == [utc(2027, 3, 28, 9)]
    due = reminder_instants(meeting, starts, now=utc(2027, 3, 22))
    assert [(item.label, item.due) for item in due] == [
        # "1d" is a calendar day (RFC 5545): 10:00 GMT on the Saturday, 23 hours before
        ("1d", utc(2027, 3, 27, 10)),
        ("1h", utc(2027, 3, 28, 8)),
    ]
    assert all(item.occurrence == utc(2027, 3, 28, 9) for item in due)
    assert reminder_instants(meeting, starts, now=utc(2027, 3, 28, 8)) == []


def test_a_sydney_meetings_week_reminder_is_at_its_own_local_time_across_a_clock_change() -> None:
    # Sydney goes from AEDT (+11) to AEST (+10) on Sunday 4 April 2027, 03:00 local.
    meeting = parse_meeting_times("2027-04-08 10:00", "Australia/Sydney", None, ["7d"])
    start = utc(2027, 4, 8, 0)  # 10:00 AEST
    (week,) = reminder_instants(meeting, [start], now=utc(2027, 3, 1))
    assert week.due == utc(2027, 3, 31, 23)  # 10:00 AEDT on 1 April, not 09:00
    assert week.due.astimezone(ZoneInfo("Australia/Sydney")).hour == 10


def test_hours_are_exact_even_when_they_make_whole_days() -> None:
    meeting = parse_meeting_times("2027-04-08 10:00", "Australia/Sydney", None, ["168h", "24h"])
    start = utc(2027, 4, 8, 0)
    assert [item.due for item in reminder_instants(meeting, [start], now=utc(2027, 3, 1))] == [
        start - timedelta(hours=168),  # 09:00 AEDT: exactly 168 hours before
        start - timedelta(hours=24),
    ]


def test_calendar_days_in_a_gap_are_held_forward() -> None:
    # 01:30 on Sunday 28 March 2027 does not exist in London: a "1d" reminder of a Monday
    # 01:30 meeting is at 02:30 BST, the same instant as 01:30 GMT.
    meeting = parse_meeting_times("2027-03-29 01:30", "Europe/London", None, ["1d"])
    start = utc(2027, 3, 29, 0, 30)
    assert reminder_due(start, timedelta(days=1), meeting) == utc(2027, 3, 28, 1, 30)


def test_reminder_instants_of_many_occurrences_come_in_time_order() -> None:
    meeting = parse_meeting_times("2027-01-02 10:00", "UTC", "FREQ=WEEKLY", ["7d", "1h"])
    starts = occurrences(meeting, utc(2027, 1, 1), utc(2027, 1, 20))
    due = [item.due for item in reminder_instants(meeting, starts, now=utc(2027, 1, 1))]
    assert due == [
        utc(2027, 1, 2, 9),
        utc(2027, 1, 2, 10),
        utc(2027, 1, 9, 9),
        utc(2027, 1, 9, 10),
        utc(2027, 1, 16, 9),
    ]


# --- what the reader sees --------------------------------------------------------


def test_a_london_meeting_read_in_new_york_in_march_2027() -> None:
    # The US changes on 14 March, the UK on 28 March: for three weeks New York is 4 hours
    # behind London instead of 5.
    meeting = parse_meeting_times("2027-03-06 10:00", "Europe/London", "FREQ=WEEKLY")
    words = {}
    for start in occurrences(meeting, utc(2027, 3, 7), utc(2027, 4, 11)):
        before = previous_occurrence(meeting, start)
        assert before is not None
        shift = shift_for_reader(LONDON, NEW_YORK, start, before)
        words[f"{start.astimezone(NEW_YORK):%d %b %H:%M}"] = describe_shift(shift)
    assert words == {
        "13 Mar 05:00": None,
        "20 Mar 06:00": "one hour later for you this week",
        "27 Mar 06:00": None,
        "03 Apr 05:00": "one hour earlier for you this week",
        "10 Apr 05:00": None,
    }


def test_no_shift_for_a_reader_in_the_meetings_zone_or_on_its_rules() -> None:
    start, before = utc(2027, 4, 3, 9), utc(2027, 3, 27, 10)
    assert shift_for_reader(LONDON, LONDON, start, before) == timedelta(0)
    assert shift_for_reader(LONDON, ZoneInfo("Europe/Dublin"), start, before) == timedelta(0)
    # a reader on UTC all year sees the London meeting move an hour earlier
    assert shift_for_reader(LONDON, UTC, start, before) == timedelta(hours=-1)


def test_a_sydney_reader_of_a_new_york_meeting_sees_both_changes() -> None:
    # New York springs forward on 14 March, Sydney falls back on 4 April 2027.
    assert shift_for_reader(NEW_YORK, SYDNEY, utc(2027, 3, 20, 23), utc(2027, 3, 14, 0)) == timedelta(
        hours=-1
    )
    assert shift_for_reader(NEW_YORK, SYDNEY, utc(2027, 4, 3, 23), utc(2027, 3, 27, 23)) == timedelta(
        hours=-1
    )
    assert shift_for_reader(NEW_YORK, SYDNEY, utc(2027, 4, 10, 23), utc(2027, 4, 3, 23)) == timedelta(0)


def test_describe_shift_words() -> None:
    assert describe_shift(timedelta(0)) is None
    assert describe_shift(timedelta(hours=1)) == "one hour later for you this week"
    assert describe_shift(timedelta(hours=-1)) == "one hour earlier for you this week"
    assert describe_shift(timedelta(hours=-2)) == "two hours earlier for you this week"
    assert describe_shift(timedelta(minutes=30), "this month") == "30 minutes later for you this month"
    assert describe_shift(timedelta(minutes=-90)) == "one hour and 30 minutes earlier for you this week"


def test_lord_howe_moves_by_half_an_hour() -> None:
    shift = shift_for_reader(LONDON, ZoneInfo("Australia/Lord_Howe"), utc(2027, 4, 10, 9), utc(2027, 4, 3, 9))
    assert describe_shift(shift) == "30 minutes earlier for you this week"


def test_slack_date_token() -> None:
    instant = utc(2027, 3, 6, 10)
    assert slack_date_token(instant, fallback_tz=LONDON) == (
        "<!date^1804327200^{date_long_pretty} at {time}|Saturday 6 March 2027, 10:00 GMT>"
    )
    assert slack_date_token(utc(2027, 7, 3, 9), "{date_short} {time}", LONDON) == (
        "<!date^1814605200^{date_short} {time}|Saturday 3 July 2027, 10:00 BST>"
    )
    assert slack_date_token(instant).endswith("|Saturday 6 March 2027, 10:00 UTC>")


def test_slack_date_token_refuses_bad_input() -> None:
    with pytest.raises(ValueError, match="cannot contain"):
        slack_date_token(utc(2027, 3, 6), "{date}|<!channel>")
    with pytest.raises(ValueError, match="aware"):
        slack_date_token(datetime(2027, 3, 6, 10))


def test_local_label_in_the_meetings_zone() -> None:
    assert local_label(utc(2027, 3, 6, 7), SYDNEY) == "Saturday 6 March 2027, 18:00 AEDT"
    assert local_label(utc(2027, 5, 1, 8), SYDNEY) == "Saturday 1 May 2027, 18:00 AEST"
