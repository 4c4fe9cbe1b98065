"""Issue 9, the smaller kinds, end to end: requests without a user, buttons on items that
moved on, one request DM per nominator, and a duplicate that names no one."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.fake_slack import FakeSlack
from bot.services import item_fates, nominations
from bot.services import nomination_rules as fields
from bot.slack_requests import block_actions_payload
from models.elections import NominationRecord
from tests.e2e.harness import BotHarness
from tests.e2e.test_nominations_e2e import (
    ADMIN,
    CANDIDATE,
    ELECTION,
    NOM_1,
    NOM_2,
    PEOPLE,
    button,
    confirm,
    dms_to,
    open_form,
    shown_errors,
    submit,
)

NOM_3 = "U0NOMTHREE"


@pytest.fixture
def org(org: dict[str, Any]) -> dict[str, Any]:
    org["elections"] = [
        {
            "name": ELECTION,
            "kind": "by-election",
            "opens": "2026-11-20T09:00:00+00:00",
            "closes": "2026-12-01T21:00:00+00:00",
            "roles": ["secretary", "regional-coordinator"],
        }
    ]
    return org


@pytest.fixture
def bot(make_bot: Callable[..., BotHarness], fake_slack: FakeSlack) -> BotHarness:
    for user_id, user in {**PEOPLE, NOM_3: {"name": "nom3", "profile": {"real_name": "Nat Three"}}}.items():
        fake_slack.users[user_id] = json.loads(json.dumps(user))
    harness = make_bot()
    harness.deps.jobs.startup()
    harness.run_jobs()
    return harness


def _mine(bot: BotHarness, user: str = CANDIDATE) -> dict[str, Any]:
    before = len(bot.fake.calls_to("views.open"))
    bot.command("nominations mine", user=user)
    return {**bot.fake.wait_for("views.open", before + 1)[-1]["view"], "id": "VMINE"}


def _press_in_list(bot: BotHarness, mine: dict[str, Any], action: str, user: str = CANDIDATE) -> str:
    """Press Edit or Withdraw in a My nominations list (as it was shown); the notice pushed."""
    value = button(mine, action)["value"]
    before = len(bot.fake.calls_to("views.push"))
    assert bot.click(user, action, value, extra={"view": mine}).status == 200
    return json.dumps(bot.fake.wait_for("views.push", before + 1)[-1]["view"])


def _nomination_id(bot: BotHarness) -> int:
    with bot.deps.session_factory() as session:
        return int(session.scalars(select(NominationRecord.id)).one())


def _answer(bot: BotHarness, user: str, action: str, value: str) -> str:
    before = len(bot.fake.calls_to("response_url"))
    assert bot.click(user, action, value).status == 200
    return str(bot.fake.wait_for("response_url", before + 1)[-1].get("text"))


# A user is required ------------------------------------------------------------------------


def test_an_action_without_a_user_is_refused_and_changes_nothing(bot: BotHarness) -> None:
    # A candidate not on Slack: candidate_slack_id is empty, which a null user.id once matched.
    submit(bot, open_form(bot), **{fields.CANDIDATE_USER: None})
    nomination_id = _nomination_id(bot)
    for user_id in (None, "", "not-a-user"):
        payload = block_actions_payload("U0X", "nomination_withdraw", str(nomination_id))
        payload["user"]["id"] = user_id
        response = bot.interaction(payload)
        assert response.status == 400
    payload = block_actions_payload("U0X", "nomination_withdraw", str(nomination_id))
    del payload["user"]
    assert bot.interaction(payload).status == 400
    with bot.deps.session_factory() as session:
        assert session.scalars(select(NominationRecord.withdrawn_at)).one() is None
    assert bot.fake.calls_to("views.push") == []  # no listener ran


def test_a_view_submission_without_a_user_is_refused(bot: BotHarness) -> None:
    view = open_form(bot)
    payload = {"type": "view_submission", "user": {"id": None}, "view": {**view, "state": {"values": {}}}}
    assert bot.interaction(payload).status == 400


# Every button answers ----------------------------------------------------------------------


def test_withdraw_and_edit_after_the_close_say_it_closed(bot: BotHarness) -> None:
    submit(bot, open_form(bot))
    mine = _mine(bot)  # opened before the close, pressed after it
    bot.clock.advance(timedelta(days=9))
    for action in ("nomination_withdraw", "nomination_edit"):
        told = _press_in_list(bot, mine, action)
        assert "closed on 2026-12-01 21:00 UTC" in told and "can no longer be changed or withdrawn" in told
    with bot.deps.session_factory() as session:
        assert session.scalars(select(NominationRecord.withdrawn_at)).one() is None


def test_edit_or_withdraw_again_after_withdrawing_says_it_was_withdrawn(bot: BotHarness) -> None:
    submit(bot, open_form(bot))
    mine = _mine(bot)
    value = button(mine, "nomination_withdraw")["value"]
    updated = len(bot.fake.calls_to("views.update"))
    bot.click(CANDIDATE, "nomination_withdraw", value, extra={"view": mine})
    bot.fake.wait_for("views.update", updated + 1)
    for action in ("nomination_withdraw", "nomination_edit"):
        before = len(bot.fake.calls_to("views.push"))
        bot.click(CANDIDATE, action, value, extra={"view": mine})  # the list as it was
        told = json.dumps(bot.fake.wait_for("views.push", before + 1)[-1]["view"])
        assert "was withdrawn on 2026-11-23 12:00 UTC" in told


def test_mark_checked_on_a_deleted_nomination_says_it_was_deleted(bot: BotHarness) -> None:
    submit(bot, open_form(bot))
    nomination_id = _nomination_id(bot)
    with bot.deps.session_factory.begin() as session:
        row = nominations.get(session, nomination_id)
        session.delete(row)
    told = _answer(bot, ADMIN, "nomination_checked", str(nomination_id))
    assert told == item_fates.NOMINATION_GONE


def test_a_nominator_answering_a_deleted_nomination_is_told(bot: BotHarness) -> None:
    submit(bot, open_form(bot))
    bot.run_jobs()
    value = button(dms_to(bot, NOM_1)[-1], "nominator_confirm")["value"]
    with bot.deps.session_factory.begin() as session:
        session.delete(nominations.get(session, _nomination_id(bot)))
    assert _answer(bot, NOM_1, "nominator_confirm", value) == item_fates.NOMINATION_GONE
    assert _answer(bot, NOM_1, "nominator_decline", value) == item_fates.NOMINATION_GONE


def test_a_nominator_swapped_out_is_told_the_request_no_longer_stands(bot: BotHarness) -> None:
    submit(bot, open_form(bot))
    bot.run_jobs()
    value = button(dms_to(bot, NOM_1)[-1], "nominator_decline")["value"]
    _resave(bot, **{fields.NOMINATOR_1_USER: NOM_3})
    assert _answer(bot, NOM_1, "nominator_decline", value) == item_fates.NOMINATOR_GONE


# One request per person --------------------------------------------------------------------


def _resave(bot: BotHarness, **changes: Any) -> None:
    before = len(bot.fake.calls_to("views.push"))
    mine = _mine(bot)
    value = button(mine, "nomination_edit")["value"]
    bot.click(CANDIDATE, "nomination_edit", value, extra={"view": mine})
    view = {**bot.fake.wait_for("views.push", before + 1)[-1]["view"], "id": f"VE{before}"}
    assert submit(bot, view, **changes)["response_action"] == "update"


def test_swapping_nominators_back_and_forth_dms_each_person_once(bot: BotHarness) -> None:
    submit(bot, open_form(bot))
    bot.run_jobs()
    for _ in range(3):
        _resave(bot, **{fields.NOMINATOR_1_USER: NOM_3})
        bot.run_jobs()
        _resave(bot, **{fields.NOMINATOR_1_USER: NOM_1})
        bot.run_jobs()
        # The slots swapped: the same two people, each keeping their request.
        _resave(bot, **{fields.NOMINATOR_1_USER: NOM_2, fields.NOMINATOR_2_USER: NOM_1})
        bot.run_jobs()
        _resave(bot, **{fields.NOMINATOR_1_USER: NOM_1, fields.NOMINATOR_2_USER: NOM_2})
        bot.run_jobs()
    assert [len(dms_to(bot, who)) for who in (NOM_1, NOM_2, NOM_3)] == [1, 1, 1]
    # The first DM still works: NOM_1 confirms through it, and the answer lands on that DM.
    assert confirm(bot, NOM_1, "345678")["response_action"] == "update"
    # The DM they were sent first is updated with the answer: its place was carried over.
    updated = bot.fake.wait_for("chat.update")[-1]
    assert updated["channel"] == "D" + NOM_1[1:] and "You confirmed" in updated["text"]
    with bot.deps.session_factory() as session:
        row = session.scalars(select(NominationRecord)).one()
        assert [(n.slack_id, n.status) for n in row.nominators] == [(NOM_1, "confirmed"), (NOM_2, "awaiting")]


def test_after_an_answer_a_new_request_is_a_new_dm(bot: BotHarness) -> None:
    submit(bot, open_form(bot))
    bot.run_jobs()
    confirm(bot, NOM_1, "345678")
    # Swapped out and back after answering: a new request, so a new DM (once).
    _resave(bot, **{fields.NOMINATOR_1_USER: NOM_3})
    _resave(bot, **{fields.NOMINATOR_1_USER: NOM_1})
    bot.run_jobs()
    _resave(bot, **{fields.NOMINATOR_1_USER: NOM_3})
    _resave(bot, **{fields.NOMINATOR_1_USER: NOM_1})
    bot.run_jobs()
    # NOM_3 was named and dropped before their DM went: nothing was sent to them.
    assert [len(dms_to(bot, who)) for who in (NOM_1, NOM_2, NOM_3)] == [2, 1, 0]
    # Named again now, they get their one DM: the earlier job that found no row sent nothing.
    _resave(bot, **{fields.NOMINATOR_1_USER: NOM_3})
    bot.run_jobs()
    assert [len(dms_to(bot, who)) for who in (NOM_1, NOM_2, NOM_3)] == [2, 1, 1]


# The duplicate -----------------------------------------------------------------------------


def test_the_duplicate_message_says_not_whose_details_matched(bot: BotHarness) -> None:
    submit(bot, open_form(bot))
    # Another member types Mary's membership number for a different person.
    result = submit(
        bot,
        open_form(bot, user=NOM_3),
        user=NOM_3,
        **{
            fields.CANDIDATE_USER: NOM_3,
            fields.CANDIDATE_NAME: "Nat Three",
            fields.CANDIDATE_EMAIL: "nat@example.org",
            fields.NOMINATOR_1_USER: NOM_1,
        },
    )
    message = shown_errors(result)[fields.POSITION]
    assert message == nominations.DUPLICATE_REFUSED
    for revealing in ("membership", "email", "candidate", "Mary", "L123456"):
        assert revealing not in message


def test_saving_an_edit_of_a_nomination_deleted_meanwhile_says_so(bot: BotHarness) -> None:
    submit(bot, open_form(bot))
    mine = _mine(bot)
    bot.click(CANDIDATE, "nomination_edit", button(mine, "nomination_edit")["value"], extra={"view": mine})
    view = {**bot.fake.wait_for("views.push")[-1]["view"], "id": "VEDITGONE"}
    with bot.deps.session_factory.begin() as session:
        session.delete(nominations.get(session, _nomination_id(bot)))
    result = submit(bot, view)
    assert result["errors"][fields.POSITION] == item_fates.NOMINATION_GONE
