from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.services.elections import (
    Election,
    ElectionDraft,
    ElectionError,
    ElectionKind,
    Position,
    check_draft,
    closing_utc,
    has_closed,
    is_open,
    local_to_aware,
    parse_moment,
    position_label,
    purge_at,
    reminder_at,
    split_region,
)

LONDON = ZoneInfo("Europe/London")
OPENS = datetime(2025, 3, 1, 9, 0, tzinfo=LONDON)
CLOSES = datetime(2025, 3, 31, 23, 59, tzinfo=LONDON)  # BST by then: 22:59 UTC


def election(**kw: object) -> Election:
    args: dict[str, object] = {
        "name": "LIEC 2025",
        "kind": ElectionKind.REGULAR,
        "opens_at": OPENS,
        "closes_at": CLOSES,
        "positions": (Position("secretary"),),
    }
    args.update(kw)
    return Election(**args)  # type: ignore[arg-type]


def test_open_from_opening_up_to_but_not_including_closing() -> None:
    e = election()
    assert not is_open(e, OPENS - timedelta(microseconds=1))
    assert is_open(e, OPENS)
    assert is_open(e, CLOSES - timedelta(microseconds=1))
    assert not is_open(e, CLOSES)
    assert has_closed(e, CLOSES)
    assert not has_closed(e, OPENS)


def test_open_compares_instants_not_wall_clocks() -> None:
    e = election()
    # 23:30 in Tokyo on 31 March is 14:30 UTC, before the London close.
    assert is_open(e, datetime(2025, 3, 31, 23, 30, tzinfo=ZoneInfo("Asia/Tokyo")))
    # 18:30 in New York on 31 March is 22:30 UTC; 19:00 is 23:00 UTC, after it.
    new_york = ZoneInfo("America/New_York")
    assert is_open(e, datetime(2025, 3, 31, 18, 30, tzinfo=new_york))
    assert not is_open(e, datetime(2025, 3, 31, 19, 0, tzinfo=new_york))


def test_naive_now_is_refused() -> None:
    with pytest.raises(ElectionError):
        is_open(election(), datetime(2025, 3, 10))


def test_closing_moment_is_aware_utc() -> None:
    closing = closing_utc(election())
    assert closing == datetime(2025, 3, 31, 22, 59, tzinfo=UTC)
    assert closing.utcoffset() == timedelta(0)


def test_reminder_is_48_hours_before_closing() -> None:
    assert reminder_at(election()) == datetime(2025, 3, 29, 22, 59, tzinfo=UTC)


def test_no_reminder_when_the_window_is_shorter_than_48_hours() -> None:
    short = election(opens_at=CLOSES - timedelta(hours=48))
    assert reminder_at(short) is None


def test_purge_defaults_to_365_days_after_closing() -> None:
    assert purge_at(CLOSES) == datetime(2026, 3, 31, 22, 59, tzinfo=UTC)
    assert purge_at(CLOSES, retention_days=30) == datetime(2025, 4, 30, 22, 59, tzinfo=UTC)
    with pytest.raises(ElectionError):
        purge_at(CLOSES, retention_days=-1)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"name": "  "}, "needs a name"),
        ({"closes_at": OPENS}, "close after it opens"),
        ({"opens_at": datetime(2025, 3, 1)}, "time zone"),
        ({"positions": ()}, "at least one position"),
        ({"positions": (Position("secretary"), Position("secretary"))}, "same position twice"),
    ],
)
def test_impossible_elections_are_refused(changes: dict[str, object], message: str) -> None:
    with pytest.raises(ElectionError, match=message):
        election(**changes)


def test_position_keys_round_trip() -> None:
    for text in ("secretary", "regional-coordinator:americas"):
        assert Position.parse(text).key == text
    assert Position.parse(" regional-coordinator : asia-pacific ") == Position(
        "regional-coordinator", "asia-pacific"
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("regional-coordinator", "needs its region"),
        ("regional-coordinator:mars", "not a region"),
        (":americas", "no role"),
    ],
)
def test_bad_positions(text: str, message: str) -> None:
    with pytest.raises(ElectionError, match=message):
        Position.parse(text)


def test_position_label() -> None:
    titles = {"regional-coordinator": "Regional Coordinator"}
    assert position_label(Position("regional-coordinator", "americas"), titles) == (
        "Regional Coordinator (The Americas)"
    )
    assert position_label(Position("bame-officer")) == "Bame Officer"


def test_local_times_that_happen_twice_or_never_are_refused() -> None:
    with pytest.raises(ElectionError, match="happens twice"):
        local_to_aware(datetime(2025, 10, 26, 1, 30), LONDON)
    with pytest.raises(ElectionError, match="does not exist"):
        local_to_aware(datetime(2025, 3, 30, 1, 30), LONDON)
    ok = local_to_aware(datetime(2025, 3, 30, 2, 30), LONDON)
    assert ok.astimezone(UTC) == datetime(2025, 3, 30, 1, 30, tzinfo=UTC)


def test_parse_moment() -> None:
    assert parse_moment("2025-03-31 23:59", "Europe/London") == CLOSES
    assert parse_moment("2025-03-31T22:59:00+00:00", "Asia/Tokyo") == CLOSES
    with pytest.raises(ElectionError, match="not a date"):
        parse_moment("next tuesday-ish", "UTC")
    with pytest.raises(ElectionError, match="not a time zone"):
        parse_moment("2025-03-31 23:59", "Mars/Olympus")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("regional coordinator americas", ("regional coordinator", "americas")),
        ("rc asia", ("rc", "asia-pacific")),
        ("coordinator for Europe, Africa and the Middle East", ("coordinator", "europe-africa-middle-east")),
        ("secretary", ("secretary", None)),
        ("asia or americas", ("asia or americas", None)),
    ],
)
def test_split_region(text: str, expected: tuple[str, str | None]) -> None:
    assert split_region(text) == expected


# The "open an election" form ---------------------------------------------------------------


FORM_NOW = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)


def draft(**changes: object) -> ElectionDraft:
    base: dict[str, object] = {
        "name": "  By-election   2027 ",
        "kind": "by-election",
        "opens_at": FORM_NOW + timedelta(days=1),
        "closes_at": FORM_NOW + timedelta(days=10),
        "position_keys": ("secretary",),
    }
    return ElectionDraft(**{**base, **changes})  # type: ignore[arg-type]


def test_an_open_form_becomes_an_election() -> None:
    election = check_draft(draft(), FORM_NOW)
    assert isinstance(election, Election)
    assert election.name == "By-election 2027" and election.kind is ElectionKind.BY_ELECTION


def test_every_open_form_error_is_on_its_field() -> None:
    assert check_draft(draft(name=" ", opens_at=None, closes_at=None, position_keys=()), FORM_NOW) == {
        "name": "Please give the election a name.",
        "opens": "Please choose when nominations open.",
        "closes": "Please choose when nominations close.",
        "positions": "Choose at least one position.",
    }
    assert check_draft(draft(closes_at=FORM_NOW), FORM_NOW) == {
        "closes": "The closing time has already passed."
    }
    assert check_draft(draft(closes_at=FORM_NOW + timedelta(hours=1)), FORM_NOW) == {
        "closes": "Nominations must close after they open."
    }
