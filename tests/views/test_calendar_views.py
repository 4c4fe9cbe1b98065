from datetime import UTC, datetime

from bot.fake_slack import check_message, check_view
from bot.services.apologies import Apology, AttendanceList, Target
from bot.views import calendar as views
from bot.views.common import Reply

START = datetime(2027, 1, 23, 14, 0, tzinfo=UTC)
HOSTILE = "<!channel> *bold* <@U0X> @here"


def elements(reply: Reply) -> list[tuple[str, str]]:
    return [
        (e["action_id"], e["value"])
        for b in reply.block_dicts()
        if b["type"] == "actions"
        for e in b["elements"]
    ]


def test_reminder_buttons_name_the_occurrence_by_its_original_start() -> None:
    reply = Reply("r", [views.reminder_buttons("gc", START, recurring=True)])
    assert elements(reply) == [
        (views.GOING, "gc|o20270123T1400Z"),
        (views.SEND_APOLOGIES, "gc|o20270123T1400Z"),
        (views.ADD_ONE, "gc|o20270123T1400Z"),
        (views.ADD_SERIES, "gc|series"),
    ]
    one_off = Reply("r", [views.reminder_buttons("gc", START, recurring=False)])
    assert [a for a, _v in elements(one_off)] == [views.GOING, views.SEND_APOLOGIES, views.ADD_ONE]
    assert check_message({"text": "r", "blocks": reply.block_dicts()}) == []
    assert views.parse_value("gc|o20270123T1400Z") == ("gc", "o20270123T1400Z")


def test_home_buttons_are_one_per_meeting() -> None:
    blocks = views.home_buttons(
        [("gc", "GC", START, True), ("gc", "GC", START, True), ("x", "X", START, False)]
    )
    reply = Reply("h", blocks)
    assert elements(reply) == [(views.ADD_SERIES, "gc|series"), (views.ADD_ONE, "x|s20270123T1400Z")]
    assert views.home_buttons([]) == []


def test_the_apologies_modal_is_valid_and_keeps_a_reason_given_before() -> None:
    target = Target("gc", HOSTILE, "Europe/London", START, START, "apologies", "At work")
    view = views.apologies_modal(target, "gc|o20270123T1400Z").to_dict()
    assert check_view(view) == []
    assert view["private_metadata"] == "gc|o20270123T1400Z"
    [reason] = [b for b in view["blocks"] if b.get("block_id") == views.BLOCK_REASON]
    assert reason["element"]["initial_value"] == "At work" and reason["optional"] is True
    assert "<!channel>" not in str(view)
    state = {"state": {"values": {views.BLOCK_REASON: {views.VALUE: {"value": "Ill"}}}}}
    assert views.reason_of(state) == "Ill"
    assert views.reason_of({}) is None


def test_the_secretarys_list_names_apologies_escaped_and_counts_going() -> None:
    found = AttendanceList(
        "GC", "gc", "Europe/London", START, [Apology("U0A", HOSTILE), Apology("U0B", None)], 1
    )
    reply = views.attendance_list(found)
    text = str(reply.block_dicts())
    assert "<@U0A>: &lt;!channel&gt;" in text and "<@U0B>: no reason given" in text
    assert "1 person said they are going" in text
    assert check_message({"text": reply.text, "blocks": reply.block_dicts()}) == []
    empty = views.attendance_list(AttendanceList("GC", "gc", "Europe/London", START, [], 0))
    assert "No apologies so far" in str(empty.block_dicts()) and "0 people" in str(empty.block_dicts())
