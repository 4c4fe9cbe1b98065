from datetime import UTC, datetime

import pytest

from bot.services.question_text import (
    DISPLAY_PIECE_CHARS,
    MAX_QUESTION_CHARS,
    QuestionRefused,
    clean_question,
)
from bot.services.question_times import availability, expectation_text, place_name
from bot.services.tz_regions import Region, parse_region
from bot.views.common import SECTION_TEXT_LIMIT, escape, from_slack, split_text


def test_a_question_is_kept_as_typed_without_surrounding_space() -> None:
    assert clean_question("  Where is the AGM? <!channel>\n") == "Where is the AGM? <!channel>"


@pytest.mark.parametrize("text", ["", "   \n "])
def test_an_empty_question_is_refused(text: str) -> None:
    with pytest.raises(QuestionRefused, match="empty"):
        clean_question(text)


def test_a_ten_thousand_character_question_is_refused_with_the_reason() -> None:
    with pytest.raises(QuestionRefused) as refused:
        clean_question("x" * 10_000)
    assert "10,000 characters" in str(refused.value)
    assert "3,000" in str(refused.value)
    assert clean_question("x" * MAX_QUESTION_CHARS) == "x" * MAX_QUESTION_CHARS


def test_pieces_rebuild_the_text_and_fit_a_section_once_escaped() -> None:
    text = ("word " * 300 + "\n") * 2
    pieces = split_text(text.strip(), DISPLAY_PIECE_CHARS)
    assert " ".join(" ".join(pieces).split()) == " ".join(text.split())
    worst = split_text("&" * MAX_QUESTION_CHARS, DISPLAY_PIECE_CHARS)
    assert "".join(worst) == "&" * MAX_QUESTION_CHARS
    assert all(len(escape(p)) <= SECTION_TEXT_LIMIT for p in worst)
    assert split_text("short", DISPLAY_PIECE_CHARS) == ["short"]


def test_pieces_cut_at_a_space_near_the_limit() -> None:
    text = "a" * 450 + " " + "b" * 100
    assert split_text(text, DISPLAY_PIECE_CHARS) == ["a" * 450, "b" * 100]


@pytest.mark.parametrize(
    ("typed", "region"),
    [
        ("americas", Region.AMERICAS),
        ("The Americas", Region.AMERICAS),
        ("asia-pacific", Region.ASIA_PACIFIC),
        ("Asia Pacific", Region.ASIA_PACIFIC),
        ("APAC", Region.ASIA_PACIFIC),
        ("europe-africa-middle-east", Region.EUROPE_AFRICA_MIDDLE_EAST),
        ("Europe, Africa and the Middle East", Region.EUROPE_AFRICA_MIDDLE_EAST),
        ("emea", Region.EUROPE_AFRICA_MIDDLE_EAST),
        ("mars", None),
        ("", None),
    ],
)
def test_parse_region(typed: str, region: Region | None) -> None:
    assert parse_region(typed) is region


@pytest.mark.parametrize(
    ("tz", "place"),
    [
        ("Australia/Sydney", "Sydney"),
        ("America/Argentina/Buenos_Aires", "Buenos Aires"),
        ("Etc/UTC", "UTC"),
        ("UTC", "UTC"),
        (None, "UTC"),
        ("Not/AZone", "UTC"),
    ],
)
def test_place_name(tz: str | None, place: str) -> None:
    assert place_name(tz) == place


# 16:10 UTC on 1 July 2026 is 02:10 on 2 July in Sydney (AEST, UTC+10) and 17:10 in London (BST).
NOW = datetime(2026, 7, 1, 16, 10, tzinfo=UTC)


def test_outside_working_hours_the_reply_is_expected_at_the_next_start() -> None:
    sydney = availability(NOW, "Australia/Sydney")
    assert not sydney.in_hours
    assert sydney.now_text == "02:10 in Sydney"
    assert sydney.next_start.isoformat() == "2026-07-02T08:00:00+10:00"
    assert expectation_text([("them", sydney)]) == (
        "it is 02:10 in Sydney for them, expect a reply after 08:00 their time"
    )


def test_late_evening_expects_a_reply_tomorrow() -> None:
    late = availability(datetime(2026, 7, 1, 21, 30, tzinfo=UTC), "Europe/London")  # 22:30 BST
    assert not late.in_hours
    assert expectation_text([("them", late)]) == (
        "it is 22:30 in London for them, expect a reply after 08:00 their time tomorrow"
    )


def test_within_working_hours() -> None:
    london = availability(NOW, "Europe/London")
    assert london.in_hours
    assert expectation_text([("them", london)]) == (
        "it is 17:10 in London for them, within their working hours, so expect a reply today"
    )


def test_working_hours_come_from_the_organisation_and_may_cross_midnight() -> None:
    assert availability(NOW, "Europe/London", "18:00", "21:00").next_start.hour == 18
    night = availability(NOW, "Australia/Sydney", "22:00", "06:00")  # 02:10 local
    assert night.in_hours


def test_next_start_across_a_change_of_daylight_saving() -> None:
    # 01:30 UTC on 29 March 2026 is 02:30 BST, the night the UK clocks go forward.
    after = availability(datetime(2026, 3, 29, 1, 30, tzinfo=UTC), "Europe/London")
    assert after.next_start.isoformat() == "2026-03-29T08:00:00+01:00"


def test_a_job_share_names_the_one_in_working_hours() -> None:
    text = expectation_text(
        [
            ("<@UA>", availability(NOW, "Australia/Sydney")),
            ("<@UB>", availability(NOW, "Europe/London")),
        ]
    )
    assert text == (
        "it is 02:10 in Sydney for <@UA> and 17:10 in London for <@UB>; "
        "<@UB> is in working hours now, so expect a reply today"
    )


def test_a_job_share_with_both_asleep_gives_the_sooner_start() -> None:
    text = expectation_text(
        [
            ("<@UA>", availability(NOW, "America/Los_Angeles")),  # 09:10 PDT
            ("<@UB>", availability(NOW, "Australia/Sydney")),  # 02:10 AEST
        ]
    )
    assert "<@UA> is in working hours now" in text
    both_asleep = expectation_text(
        [
            ("<@UA>", availability(NOW, "Australia/Sydney")),  # 02:10, starts 08:00 = 22:00 UTC
            ("<@UB>", availability(NOW, "Asia/Tokyo")),  # 01:10, starts 08:00 = 23:00 UTC
        ]
    )
    assert both_asleep == (
        "it is 02:10 in Sydney for <@UA> and 01:10 in Tokyo for <@UB>; "
        "expect a reply after 08:00 <@UA>'s time"
    )


def test_question_length_counts_what_people_see() -> None:
    # 3,000 accented letters typed as letter + combining mark are 3,000 characters, not 6,000.
    assert clean_question("e\u0301" * 3000) == "e\u0301" * 3000
    with pytest.raises(QuestionRefused, match="3,001 characters"):
        clean_question("e\u0301" * 3001)


@pytest.mark.parametrize(
    ("sent", "typed"),
    [
        ("Q&amp;A", "Q&A"),
        ("2 &lt; 3 &gt; 1", "2 < 3 > 1"),
        ("&amp;lt;", "&lt;"),  # a typed entity is decoded once, not twice
        ("&amp;amp;", "&amp;"),
        ("&quot; &nbsp; & alone", "&quot; &nbsp; & alone"),  # Slack encodes only these three
    ],
)
def test_slack_text_is_decoded_once_and_escaped_back_to_the_same(sent: str, typed: str) -> None:
    assert from_slack(sent) == typed


@pytest.mark.parametrize("sent", ["Q&amp;A", "2 &lt; 3 &gt; 1", "&amp;lt;", "&amp;amp;"])
def test_escaping_what_was_decoded_gives_back_what_slack_sent(sent: str) -> None:
    assert escape(from_slack(sent)) == sent
