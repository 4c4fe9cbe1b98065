"""One error path: a failure never reaches a member as a stack trace or as silence."""

from __future__ import annotations

import json

from tests.e2e.harness import BotHarness


def test_a_failing_form_submission_keeps_the_form_and_says_so(bot: BotHarness) -> None:
    @bot.runtime.app.view("test_broken_form")
    def broken(ack: object) -> None:
        raise RuntimeError("a bug")

    view = {
        "type": "modal",
        "callback_id": "test_broken_form",
        "title": {"type": "plain_text", "text": "Form"},
        "blocks": [],
    }
    response = bot.submit_view("U0MEMBER", view, {})
    assert response.status == 200
    answer = response.json()
    assert answer["response_action"] == "push"  # the form stays underneath, with its answers
    assert "nothing was saved" in json.dumps(answer["view"])
    assert "Traceback" not in response.body and "a bug" not in response.body
