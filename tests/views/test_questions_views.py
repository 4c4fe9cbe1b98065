from datetime import UTC, datetime

import pytest

from bot.fake_slack import check_message, check_view
from bot.services.question_text import MAX_QUESTION_CHARS
from bot.services.tz_regions import Region
from bot.views import questions as views
from models.questions import Question

ASKED = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def question(text: str = "When do we meet?", **fields: object) -> Question:
    values: dict[str, object] = {
        "id": 7,
        "asker_id": "U0MEMBER",
        "region": "asia-pacific",
        "text": text,
        "asker_tz": "Australia/Sydney",
        "status": "open",
        "asked_at": ASKED,
        "reroutes": 0,
    }
    values.update(fields)
    return Question(**values)


def buttons(reply: views.Reply) -> list[str]:
    return [e["action_id"] for b in reply.block_dicts() if b["type"] == "actions" for e in b["elements"]]


@pytest.mark.parametrize(
    ("state", "expected", "shown"),
    [
        ("open", [views.CLAIM, views.ANSWERED, views.REROUTE], None),
        ("claimed", [views.ANSWERED, views.REROUTE], "Taken by <@U0AP>"),
        ("answered", [], "Answered by <@U0AP>"),
        ("moved", [], "Moved to Asia, Australasia and Pacific"),
    ],
)
def test_the_coordinators_message_fits_the_state(
    state: views.MessageState, expected: list[str], shown: str | None
) -> None:
    reply = views.coordinator_message(
        question(claimed_by="U0AP", answered_by="U0AP"), Region.ASIA_PACIFIC, state
    )
    assert buttons(reply) == expected
    text = str(reply.block_dicts())
    assert "asked Mon 23 Nov, 23:00 their time in Sydney" in text
    if shown:
        assert shown in text
    assert check_message({"text": reply.text, "blocks": reply.block_dicts()}) == []


def test_the_longest_question_of_escapable_characters_still_fits() -> None:
    reply = views.coordinator_message(
        question("<&>" * (MAX_QUESTION_CHARS // 3)), Region.AMERICAS, "open", escalated=True
    )
    assert check_message({"text": reply.text, "blocks": reply.block_dicts()}) == []
    assert "<&>" not in str(reply.block_dicts())
    assert "Unclaimed question for The Americas" in str(reply.block_dicts())


def test_modals_are_valid() -> None:
    assert check_view(views.ask_modal().to_dict()) == []
    reroute = views.reroute_modal(question()).to_dict()
    assert check_view(reroute) == []
    options = [o["value"] for o in reroute["blocks"][0]["element"]["options"]]
    assert options == ["americas", "europe-africa-middle-east"]


def test_replies_to_the_asker() -> None:
    shared = views.sent_to_coordinators(Region.ASIA_PACIFIC, ["U1", "U2"], "it is late")
    assert (
        shared.text
        == "<@U1> and <@U2> (the coordinators for Asia, Australasia and Pacific, a job share) have your "
        "question; it is late."
    )
    one = views.sent_to_coordinators(Region.AMERICAS, ["U1"], "it is early")
    assert one.text == "<@U1> (the coordinator for The Americas) has your question; it is early."
    waiting = views.waiting_for_coordinator(Region.AMERICAS, 24).text
    assert "no regional coordinator" in waiting and "24 hours" in waiting
    assert "within 1 hour," in views.escalated_to_asker(Region.AMERICAS, ["UV"], "time", 1).text
    assert "LIEC admins" in views.escalated_to_asker(None, [], "unreachable", 24).text


def test_the_region_picker_escapes_the_reason_and_carries_the_question() -> None:
    picker = views.region_picker("your Slack time zone <!here> does not say", 12)
    dicts = str(picker.block_dicts())
    assert "<!here>" not in dicts and "&lt;!here&gt;" in dicts
    values = {e["value"] for b in picker.block_dicts() if b["type"] == "actions" for e in b["elements"]}
    assert values == {"12"}


@pytest.mark.parametrize("count", [0, 1, 40, 41, 250])
def test_a_branch_not_found_answer_fits_a_message_whatever_the_number_of_branches(count: int) -> None:
    names = [f"Branch number {i} of the Liberal International family" for i in range(count)]
    reply = views.branch_not_found("atlantis", [], names)
    assert check_message({"text": reply.text, "blocks": reply.block_dicts()}) == []
    if count > views.BRANCHES_LISTED:
        assert f"There are {count} branches" in reply.text
    elif count:
        assert names[-1] in reply.text
