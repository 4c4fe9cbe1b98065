"""/liec questions' list: the count of the questions not shown, exact or "more than"."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from bot.views.questions import questions_list
from models.questions import Question

NOW = datetime(2027, 1, 1, 12, tzinfo=UTC)


def _questions(n: int) -> list[Question]:
    return [
        Question(id=i, asker_id="U0MEMBER", region=None, text=f"Question {i}", status="open", asked_at=NOW)
        for i in range(1, n + 1)
    ]


def test_the_questions_not_shown_are_counted_exactly_up_to_the_cap() -> None:
    reply = questions_list(
        _questions(20), "every region", NOW + timedelta(hours=1), total=1000, counted_up_to=1000
    )
    assert reply.text == "1000 open question(s)"
    assert "…and 980 more, newer ones." in json.dumps(reply.as_ephemeral(), ensure_ascii=False)


def test_past_the_cap_the_list_says_more_than() -> None:
    reply = questions_list(
        _questions(20), "every region", NOW + timedelta(hours=1), total=1001, counted_up_to=1000
    )
    assert reply.text == "More than 1,000 open questions"
    assert "…and over 980 more, newer ones." in json.dumps(reply.as_ephemeral(), ensure_ascii=False)
