"""Member or admin text in a notification's fallback ``text`` is as inert as in its blocks:
``<!here> standup`` never broadcasts, whichever message carries it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.views import elections as election_views
from bot.views import meetings as meeting_views
from bot.views.common import Reply, inert_broadcasts
from models.meetings import Meeting

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
LIVE = ("<!here>", "<!channel>", "<!everyone>", "<!subteam^S123|team>")


def _meeting(name: str) -> Meeting:
    return Meeting(
        key="standup",
        source="slack",
        name=name,
        channel="C0X",
        start="2026-11-24 12:00",
        timezone="UTC",
        reminders=[],
        kind="other",
        active=True,
        created_at=NOW,
        updated_at=NOW,
    )


def _replies(name: str) -> list[Reply]:
    meeting = _meeting(name)
    start = NOW + timedelta(days=1)
    return [
        meeting_views.reminder(meeting, start, NOW),
        meeting_views.reminder(meeting, start, NOW, late_since=NOW),
        meeting_views.agenda_notice(meeting, start, 7),
        *(
            meeting_views.change_notice(meeting, action, start, start, start)
            for action in ("added", "moved", "cancelled", "occurrence_cancelled", "rescheduled")
        ),
        meeting_views.digest([(meeting, start)]),
        meeting_views.meetings_list([(meeting, start)], 7),
        *election_views.candidate_list(name, [election_views.Candidate(name, name, name)]),
    ]


def _mrkdwn(value: object) -> list[str]:
    """Every mrkdwn text in the blocks (plain_text is never parsed, so it cannot broadcast)."""
    if isinstance(value, dict):
        own = [str(value["text"])] if value.get("type") == "mrkdwn" else []
        return own + [t for item in value.values() for t in _mrkdwn(item)]
    if isinstance(value, list):
        return [t for item in value for t in _mrkdwn(item)]
    return []


@pytest.mark.parametrize("live", LIVE)
def test_a_broadcast_in_a_meeting_or_election_name_is_inert_in_text_and_blocks(live: str) -> None:
    for reply in _replies(f"{live} standup"):
        assert live not in reply.text, reply.text
        assert all(live not in text for text in _mrkdwn(reply.block_dicts()))


def test_the_reminder_fallback_shows_the_name_escaped() -> None:
    reply = meeting_views.reminder(_meeting("<!here> standup"), NOW + timedelta(hours=1), NOW)
    assert reply.text.startswith("Reminder: &lt;!here&gt; standup starts in")


def test_every_reply_fallback_is_made_inert_even_when_a_builder_forgot_to_escape() -> None:
    assert Reply(text="<!here> and <!channel|channel> and <@U123>").text == (
        "&lt;!here&gt; and &lt;!channel|channel&gt; and <@U123>"
    )
    assert inert_broadcasts("<!date^1700000000^{date}|x>") == "<!date^1700000000^{date}|x>"
