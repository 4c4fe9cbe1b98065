"""The Home tab's view: valid Block Kit within Slack's limits, whatever the data."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from slack_sdk.models.views import View

from bot.fake_slack import check_view
from bot.services.home import (
    AdminPart,
    CoordinatorNow,
    ElectionItem,
    FailedPost,
    HomeData,
    MeetingItem,
    NominationItem,
    PositionWaiting,
    QuestionItem,
    RegionPart,
    RegionQuestions,
)
from bot.services.tz_regions import Region
from bot.views.home import HOME_BLOCK_LIMIT, home_view

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
HOSTILE = "<!channel> @here <@U0SECRETARY> <https://evil.example|click> & " + "x" * 4000


def _valid(raw: dict[str, Any]) -> dict[str, Any]:
    View(**raw).to_dict()  # slack_sdk parses the blocks again and validates them and the view's limits
    assert check_view(json.dumps(raw)) == []
    assert len(raw["blocks"]) <= HOME_BLOCK_LIMIT  # type: ignore[arg-type]
    return raw


def _empty(**parts: object) -> HomeData:
    values: dict[str, object] = dict(
        user_id="U0MEMBER",
        now=NOW,
        region=None,
        meetings=None,
        elections=None,
        nominations=None,
        questions=None,
        admin=None,
    )
    values.update(parts)
    return HomeData(**values)  # type: ignore[arg-type]


def test_a_feature_that_does_not_exist_shows_nothing() -> None:
    raw = _valid(home_view(_empty()))
    text = json.dumps(raw)
    for title in ("region", "meetings", "Elections", "nominations", "questions", "officers and admins"):
        assert title not in text
    assert "Send me my data" in text  # the data rights are always there


def test_hostile_text_is_inert_and_long_text_fits() -> None:
    data = _empty(
        region=RegionPart(None, HOSTILE, []),
        meetings=[MeetingItem(HOSTILE, NOW, "C0LIEC", None, None)],
        elections=[ElectionItem(1, HOSTILE, NOW, (HOSTILE,) * 3)],
        nominations=[NominationItem(HOSTILE, HOSTILE, "valid", HOSTILE)],
        questions=[QuestionItem(1, HOSTILE, "open", None, NOW)],
        admin=AdminPart(
            [PositionWaiting(HOSTILE, HOSTILE, 2)], [], [FailedPost(HOSTILE, None, NOW, HOSTILE)], [HOSTILE]
        ),
    )
    raw = _valid(home_view(data))
    mrkdwn = json.dumps([b for b in raw["blocks"] if b["type"] != "header"])  # type: ignore[union-attr]
    assert "<!channel>" not in mrkdwn and "<@U0SECRETARY>" not in mrkdwn and "<https://evil" not in mrkdwn
    assert "@here" not in mrkdwn.replace("@\\u2060here", "")


def test_the_most_data_a_tab_can_hold_stays_under_one_hundred_blocks() -> None:
    many = 500
    data = _empty(
        region=RegionPart(
            Region.AMERICAS,
            "you chose it",
            [CoordinatorNow(f"U0C{i}", "America/Lima", NOW) for i in range(40)],
        ),
        meetings=[
            MeetingItem(
                f"Meeting {i}",
                NOW + timedelta(days=i),
                "C0LIEC",
                "https://x.example/v",
                "https://x.example/a",
            )
            for i in range(many)
        ],
        elections=[
            ElectionItem(i, f"Election {i}", NOW, tuple(f"Position {j}" for j in range(40)))
            for i in range(many)
        ],
        nominations=[NominationItem("Secretary", f"Election {i}", "valid", None) for i in range(many)],
        questions=[QuestionItem(i, "q" * 3000, "waiting", Region.AMERICAS, NOW) for i in range(many)],
        admin=AdminPart(
            [PositionWaiting("E", f"P{i}", i) for i in range(many)],
            [RegionQuestions(Region.AMERICAS, 5, NOW)] * many,
            [FailedPost("reminder of LIEC meeting", "C0LIEC", NOW, "not_in_channel")] * many,
            ["a problem " * 30] * many,
        ),
    )
    raw = _valid(home_view(data))
    blocks = raw["blocks"]
    assert len(blocks) == HOME_BLOCK_LIMIT  # type: ignore[arg-type]
    assert blocks[-1]["type"] == "actions"  # type: ignore[index]  # the data-rights buttons survive


def test_a_coordinators_local_time_is_shown_when_known() -> None:
    local = NOW.astimezone(__import__("zoneinfo").ZoneInfo("Asia/Tokyo"))
    data = _empty(
        region=RegionPart(
            Region.ASIA_PACIFIC,
            "from your Slack time zone Asia/Tokyo (Japan)",
            [CoordinatorNow("U0RCASIAPAC", "Asia/Tokyo", local), CoordinatorNow("U0SHARE", None, None)],
        )
    )
    text = json.dumps(_valid(home_view(data)))
    assert "Coordinators:* <@U0RCASIAPAC> (it is 21:00 on Monday for them), <@U0SHARE>" in text


def test_a_vacant_coordinator_post_is_said_plainly() -> None:
    text = json.dumps(_valid(home_view(_empty(region=RegionPart(Region.AMERICAS, "you chose it", [])))))
    assert "the post is vacant" in text


def test_empty_lists_say_so_and_an_admin_part_lists_none() -> None:
    data = _empty(meetings=[], elections=[], nominations=[], questions=[], admin=AdminPart([], [], [], []))
    text = json.dumps(_valid(home_view(data)))
    assert "No meetings in the next three months" in text
    assert "No election is taking nominations now" in text
    assert "Your nominations" not in text  # nothing to say to someone who never nominated
    assert "None open" in text
    assert text.count("None.") == 3


def test_an_admin_part_that_could_not_be_read_is_left_out() -> None:
    data = _empty(admin=AdminPart(None, None, None, []))
    text = json.dumps(_valid(home_view(data)))
    assert "For officers and admins" in text and "Configuration problems" in text
    assert "awaiting nominators" not in text and "Unanswered" not in text and "failed" not in text


def test_what_every_member_sees_alike_is_checked_once_and_nothing_personal_is_shared() -> None:
    """The next meetings and open elections are built and checked once per content and shared
    by every member's tab; each member's own part is built for them alone."""
    meetings = [MeetingItem("LIEC meeting", NOW, "C0LIEC", None, None, "liec", True)]
    elections = [ElectionItem(1, "2027 LIEC elections", NOW, ("Secretary",))]
    own = [NominationItem("Secretary", "2027 LIEC elections", "valid", "Alice Candidate")]
    first = _valid(home_view(_empty(meetings=meetings, elections=elections, nominations=own)))
    second = _valid(home_view(_empty(user_id="U0OTHER", meetings=list(meetings), elections=list(elections))))
    shared = [b for b in first["blocks"] if any(b is c for c in second["blocks"])]
    texts = json.dumps(shared)
    assert "LIEC meeting" in texts and "2027 LIEC elections" in texts and "Add LIEC meeting" in texts
    assert "Alice Candidate" in json.dumps(first) and "Alice Candidate" not in json.dumps(second)
    # A changed meeting is built afresh, not taken from the one kept.
    moved = [MeetingItem("LIEC meeting", NOW + timedelta(days=1), "C0LIEC", None, None, "liec", True)]
    third = home_view(_empty(meetings=moved))
    assert not any(
        b is c for b in third["blocks"] for c in first["blocks"] if "LIEC meeting" in json.dumps(c)
    )
