"""Every message the organisation file's lists can grow is valid Block Kit at any size:
0, 1, 10, 11, 100, 101 and 150 meetings, posts, coordinators or elections."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.fake_slack import check_message
from bot.services.tz_regions import Region
from bot.views import elections as election_views
from bot.views import meetings as meeting_views
from bot.views import questions as question_views
from models.meetings import Meeting

SIZES = [0, 1, 10, 11, 100, 101, 150]
NOW = datetime(2027, 1, 8, 9, tzinfo=UTC)


def meetings(n: int) -> list[tuple[Meeting, datetime]]:
    return [
        (
            Meeting(
                key=f"m-{i}",
                name=f"Branch meeting {i} " + "x" * 100,
                channel=f"C{i:08d}",
                start="2027-01-09 10:00",
                timezone="Europe/London",
                reminders=["1h"],
                video_url="https://example.org/call",
                agenda_url="https://example.org/agenda",
            ),
            NOW + timedelta(hours=i),
        )
        for i in range(n)
    ]


@pytest.mark.parametrize("n", SIZES[1:])
def test_the_digest_with_any_number_of_meetings(n: int) -> None:
    reply = meeting_views.digest(meetings(n))
    assert check_message({"text": reply.text, "blocks": reply.block_dicts()}) == []


@pytest.mark.parametrize("n", SIZES)
def test_the_meetings_list_with_any_number_of_meetings(n: int) -> None:
    reply = meeting_views.meetings_list(meetings(n), 30)
    assert check_message({"text": reply.text, "blocks": reply.block_dicts()}) == []
    if n > 45:
        assert "more" in str(reply.block_dicts()[-2:])


@pytest.mark.parametrize("n", SIZES[1:])
def test_the_election_announcement_with_any_number_of_posts(n: int) -> None:
    posts = [f"Officer for campaign number {i} of the executive" for i in range(n)]
    reply = election_views.announcement(1, "LIEC elections 2027", posts, NOW + timedelta(days=20))
    assert check_message({"text": reply.text, "blocks": reply.block_dicts()}) == []
    shown = str(reply.block_dicts())
    assert posts[-1] in shown or f"{n} positions" in shown  # every post, or how many there are


@pytest.mark.parametrize("n", SIZES[1:])
def test_a_question_sent_to_any_number_of_coordinators(n: int) -> None:
    holders = [f"U{i:010d}" for i in range(n)]
    reply = question_views.sent_to_coordinators(Region.AMERICAS, holders, "expect an answer within a day")
    assert check_message({"text": reply.text, "blocks": reply.block_dicts()}) == []
