"""Nominations end to end, as Slack does it: the signed slash command, the views.open the bot
sends to the fake Web API, a signed view_submission built from that very view, then the DMs
the nominators get and their button clicks. Time moves by the injected clock."""

from __future__ import annotations

import csv
import html
import io
import itertools
import json
import time
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from bot.fake_slack import FakeSlack
from bot.services import nomination_rules as fields
from bot.services.nominations import status_of
from models.elections import NominationRecord, NominatorRecord
from tests.e2e.harness import BotHarness, view_state

ADMIN = "U0SECRETARY"
CANDIDATE = "U0MEMBER"
NOM_1 = "U0NOMONE"
NOM_2 = "U0NOMTWO"
ELECTION = "LIEC by-election 2026"

PEOPLE = {
    CANDIDATE: {
        "name": "member",
        "tz": "Europe/Paris",
        "profile": {"real_name": "Mary Member", "email": "mary@example.org"},
    },
    NOM_1: {
        "name": "nom1",
        "tz": "America/New_York",
        "profile": {"real_name": "Nora One", "email": "nora@example.org"},
    },
    NOM_2: {
        "name": "nom2",
        "tz": "Asia/Tokyo",
        "profile": {"real_name": "Nick Two", "email": "nick@example.org"},
    },
}


@pytest.fixture
def org(org: dict[str, Any]) -> dict[str, Any]:
    # The e2e clock stands at 2026-11-23 12:00 UTC: this by-election is open then.
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
    for user_id, user in PEOPLE.items():
        fake_slack.users[user_id] = json.loads(json.dumps(user))
    harness = make_bot()
    harness.deps.jobs.startup()  # as `serve` does: the organisation file's elections are stored
    harness.run_jobs()  # the election opened three days ago: its announcement goes out now
    return harness


def open_form(bot: BotHarness, text: str = "nominate", user: str = CANDIDATE) -> dict[str, Any]:
    """Type the command; return the form as the bot last sent it (opened, then prefilled)."""
    before = len(bot.fake.calls_to("views.update"))
    response = bot.command(text, user=user)
    assert response.status == 200
    assert response.body == ""  # acknowledged at once, nothing else said
    opened = bot.fake.wait_for("views.open")[-1]
    assert opened["trigger_id"] == "1.2.trigger"
    updated = bot.fake.wait_for("views.update", before + 1)[-1]
    # Slack gives each modal its own id; a double click re-sends the same one.
    return {**updated["view"], "id": f"V{uuid.uuid4().hex[:10].upper()}"}


def change_form(
    bot: BotHarness,
    view: dict[str, Any],
    action: dict[str, Any],
    typed: dict[str, Any] | None = None,
    user: str = CANDIDATE,
) -> dict[str, Any]:
    """A click inside the open form, as Slack sends it: block_actions carrying the view with its
    id, hash and what is typed so far. Returns the form as the bot redrew it (views.update)."""
    before = len(bot.fake.calls_to("views.update"))
    sent = {**view, "hash": view.get("hash", "h0"), "state": {"values": view_state(view, typed or {})}}
    response = bot.click(
        user,
        action["action_id"],
        extra={
            "actions": [{"block_id": "b", "action_ts": "1.0", **action}],
            "view": sent,
            "container": {"type": "view", "view_id": view["id"]},
        },
    )
    assert response.status == 200 and response.body == ""  # acknowledged at once
    update = bot.fake.wait_for("views.update", before + 1)[before]
    assert update["view_id"] == view["id"] and update["hash"] == sent["hash"]
    return {**update["view"], "id": view["id"], "hash": f"h{uuid.uuid4().hex[:6]}"}


def choose_route(
    bot: BotHarness, view: dict[str, Any], route: str, typed: dict[str, Any] | None = None
) -> dict[str, Any]:
    block = next(b for b in view["blocks"] if b.get("block_id") == fields.ROUTE)
    option = next(o for o in block["element"]["options"] if o["value"] == route)
    action = {
        "type": "radio_buttons",
        "action_id": block["element"]["action_id"],
        "block_id": fields.ROUTE,
        "selected_option": option,
    }
    return change_form(bot, view, action, {**(typed or {}), fields.ROUTE: route})


def partner_button(
    bot: BotHarness, view: dict[str, Any], typed: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Click "Add a job-share partner" or "Remove the job-share partner", whichever is shown."""
    element = button(view, "nomination_partner_add", "nomination_partner_remove")
    action = {"type": "button", "action_id": element["action_id"], "block_id": "partner_toggle"}
    return change_form(bot, view, action, typed)


def input_ids(view: dict[str, Any]) -> set[str]:
    return {b["block_id"] for b in view["blocks"] if b["type"] == "input"}


def answers(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        fields.POSITION: None,  # filled in by submit()
        fields.CANDIDATE_USER: CANDIDATE,
        fields.CANDIDATE_NAME: "Mary Member",
        fields.CANDIDATE_EMAIL: "mary@example.org",
        fields.CANDIDATE_MEMBERSHIP: "L123456",
        fields.STATEMENT: "I will keep the minutes and circulate notices in good time.",
        fields.ROUTE: "members",
        fields.NOMINATOR_1_USER: NOM_1,
        fields.NOMINATOR_2_USER: NOM_2,
    }
    base.update(changes)
    return {k: v for k, v in base.items() if v is not None}


def option_value(view: dict[str, Any], block_id: str, label_part: str) -> str:
    block = next(b for b in view["blocks"] if b.get("block_id") == block_id)
    element = block["element"]
    options = list(element.get("options") or [])
    for group in element.get("option_groups") or []:
        options += group["options"]
    return next(o["value"] for o in options if label_part in o["text"]["text"])


def submit(
    bot: BotHarness, view: dict[str, Any], position: str = "Secretary", user: str = CANDIDATE, **changes: Any
) -> Any:
    values = answers(**changes)
    values[fields.POSITION] = option_value(view, fields.POSITION, position)
    return bot.submit_form(user, view, values)


def shown_errors(result: dict[str, Any]) -> dict[str, str]:
    """The errors the member sees on the form's fields after pressing Submit: Slack's, from the
    acknowledgement, or those under each field of the form drawn again by a save that found
    them (views.with_errors), as ``{block_id: message}``."""
    if result["response_action"] == "errors":
        return dict(result["errors"])
    blocks = result["view"]["blocks"]
    found = {}
    for field, below in itertools.pairwise(blocks):
        text = below["elements"][0]["text"] if below["type"] == "context" else ""
        if field["type"] == "input" and text.startswith(":warning: "):
            found[field["block_id"]] = html.unescape(text.removeprefix(":warning: "))
    assert found, "the form came back with no error on a field"
    assert "Not saved yet" in json.dumps(blocks[0])
    return found


def count(bot: BotHarness, model: type) -> int:
    with bot.deps.session_factory() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def dms_to(bot: BotHarness, user: str) -> list[dict[str, Any]]:
    return [c for c in bot.fake.calls_to("chat.postMessage") if c["channel"] == user]


def button(message: dict[str, Any], *action_ids: str) -> dict[str, Any]:
    return next(
        e
        for b in message["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] in action_ids
    )


def confirm(bot: BotHarness, user: str, membership: str) -> Any:
    """The nominator clicks Confirm in their DM and submits the form it opens."""
    request = dms_to(bot, user)[-1]
    value = button(request, "nominator_confirm")["value"]
    before = len(bot.fake.calls_to("views.update"))
    assert bot.click(user, "nominator_confirm", value).status == 200
    view = bot.fake.wait_for("views.update", before + 1)[-1]["view"]
    view = {**view, "id": f"V{uuid.uuid4().hex[:10].upper()}"}
    return bot.submit_view(
        user,
        view,
        {
            fields.CONFIRM_NAME: PEOPLE[user]["profile"]["real_name"],
            fields.CONFIRM_EMAIL: PEOPLE[user]["profile"]["email"],
            fields.CONFIRM_MEMBERSHIP: membership,
        },
    ).json()


# The form ---------------------------------------------------------------------------------


def test_nominate_opens_the_form_prefilled_from_the_profile(bot: BotHarness) -> None:
    view = open_form(bot)
    assert view["callback_id"] == "nomination_submit"
    blocks = {b.get("block_id"): b for b in view["blocks"]}
    assert blocks[fields.CANDIDATE_USER]["element"]["initial_user"] == CANDIDATE
    assert blocks[fields.CANDIDATE_NAME]["element"]["initial_value"] == "Mary Member"
    assert blocks[fields.CANDIDATE_EMAIL]["element"]["initial_value"] == "mary@example.org"
    options = [o["text"]["text"] for o in blocks[fields.POSITION]["element"]["options"]]
    assert options == [
        "Secretary",
        "Regional Coordinator (The Americas)",
        "Regional Coordinator (Asia, Australasia and Pacific)",
        "Regional Coordinator (Europe, Africa and the Middle East)",
    ]
    assert blocks[fields.STATEMENT]["element"]["multiline"] is True
    by_branch = {b.get("block_id"): b for b in choose_route(bot, view, "branch")["blocks"]}
    branch_groups = [g["label"]["text"] for g in by_branch[fields.BRANCH]["element"]["option_groups"]]
    assert "The Americas" in branch_groups
    # Opened at once with what was known, before asking Slack for the profile.
    opened = bot.fake.calls_to("views.open")[0]["view"]
    first = {b.get("block_id"): b for b in opened["blocks"]}
    assert "initial_value" not in first[fields.CANDIDATE_NAME]["element"]


def test_nominate_a_role_preselects_it(bot: BotHarness) -> None:
    view = open_form(bot, "nominate secretary")
    position = next(b for b in view["blocks"] if b.get("block_id") == fields.POSITION)
    assert position["element"]["initial_option"]["text"]["text"] == "Secretary"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("nominate treasurer", "no role called"),
        ("nominate bame officer", "are not open now"),
    ],
)
def test_unknown_or_closed_position_gets_a_message_and_no_modal(
    bot: BotHarness, text: str, expected: str
) -> None:
    body = bot.answer(text)
    assert expected in json.dumps(body["blocks"])
    bot.settle()  # the work after the acknowledgement has ended
    assert bot.fake.calls_to("views.open") == []


def test_closed_election_gets_a_message_and_no_modal(bot: BotHarness) -> None:
    bot.clock.advance(timedelta(days=30))
    body = bot.answer("nominate")
    assert "No election is taking nominations now" in json.dumps(body["blocks"])
    assert bot.fake.calls_to("views.open") == []


def test_nominations_mine_with_no_open_election_says_when_nominations_open(
    make_bot: Callable[..., BotHarness], org: dict[str, Any]
) -> None:
    org["elections"][0].update(opens="2027-01-10T09:00:00+00:00", closes="2027-01-31T21:00:00+00:00")
    bot = make_bot(org)
    bot.deps.jobs.startup()
    body = bot.answer("nominations mine")
    text = json.dumps(body["blocks"])
    assert f"Nominations are not open now. {ELECTION} opens <!date^" in text
    assert "/liec nominate" not in text
    bot.clock.advance(timedelta(milliseconds=1))
    assert bot.fake.calls_to("views.open") == []


def test_nominations_mine_after_every_election_says_how_members_hear(bot: BotHarness) -> None:
    bot.clock.advance(timedelta(days=30))
    body = bot.answer("nominations mine")
    assert "No election is taking nominations now" in json.dumps(body["blocks"])
    assert bot.fake.calls_to("views.open") == []


# Submitting --------------------------------------------------------------------------------


def test_a_new_nomination_is_acknowledged_without_the_database_and_kept_when_not_saved(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The acknowledgement checks what the form alone tells (its errors are Slack's, on their
    fields) and shows "Saving…"; the save follows it. With the database gone the
    acknowledgement is the same, and the form comes back as typed, saying it is not saved;
    Submit again, with the database back, saves it."""
    view = open_form(bot)
    values = answers(**{fields.STATEMENT: "Kept as I typed it."})
    values[fields.POSITION] = option_value(view, fields.POSITION, "Secretary")

    class Gone:
        def __call__(self, *_: Any, **__: Any) -> Any:
            raise OperationalError("connect", None, ConnectionRefusedError("the database is gone"))

        begin = __call__

    monkeypatch.setattr(bot.deps, "session_factory", Gone())
    bot.deps.view_after_ack_s = 0.3
    sent_at = time.monotonic()
    acked = bot.submit_view(CANDIDATE, view, values)
    assert acked.json()["response_action"] == "update"
    assert "Saving your nomination" in json.dumps(acked.json()["view"])
    bot.lazy.wait_idle()
    [back_call] = [
        c for c in bot.fake.calls if c.method == "views.update" and c.params["view_id"] == view["id"]
    ]
    # Slack applies the acknowledgement's view when its answer arrives: the update waits.
    assert back_call.at >= sent_at + 0.3
    back = back_call.params["view"]
    blob = html.unescape(json.dumps(back["blocks"]))
    assert "Not saved yet" in blob and "could not reach its database" in blob
    statement = next(b for b in back["blocks"] if b.get("block_id") == fields.STATEMENT)
    assert statement["element"]["initial_value"] == "Kept as I typed it."
    monkeypatch.undo()
    assert count(bot, NominationRecord) == 0

    result = submit(bot, {**back, "id": view["id"]}, **{fields.STATEMENT: "Kept as I typed it."})
    assert result["view"]["title"]["text"] == "Nomination saved"
    assert count(bot, NominationRecord) == 1


def test_a_fault_in_the_save_brings_the_form_back_and_logs_no_personal_data(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Whatever fails in the save after the acknowledgement, the modal does not stay on
    "Saving…": the form comes back as typed, saying it is not saved, and the log has ids only."""
    from bot.services import nomination_submissions

    def broken(*_: Any, **__: Any) -> Any:
        raise RuntimeError("a bug in the save")

    monkeypatch.setattr(nomination_submissions, "submit", broken)
    view = open_form(bot)
    result = submit(bot, view, **{fields.STATEMENT: "Quillmere zorblatt statement."})
    blob = html.unescape(json.dumps(result["view"]["blocks"]))
    assert "Not saved yet" in blob and "Something went wrong" in blob
    assert "Quillmere zorblatt statement." in blob  # what was typed, in the form again
    assert count(bot, NominationRecord) == 0
    logged = "\n".join(r.getMessage() + (r.exc_text or "") for r in caplog.records)
    assert "nomination not saved view=" in logged
    assert "Quillmere" not in logged and "mary@example.org" not in logged


def test_every_rule_is_shown_on_the_field_at_fault(bot: BotHarness) -> None:
    view = open_form(bot)
    statement = " ".join(["word"] * 231)
    result = submit(
        bot,
        view,
        **{
            fields.STATEMENT: statement,
            fields.CANDIDATE_EMAIL: "mary-at-example.org",
            fields.CANDIDATE_MEMBERSHIP: "12",
            fields.NOMINATOR_1_USER: CANDIDATE,
            fields.NOMINATOR_2_USER: None,
        },
    )
    assert result["response_action"] == "errors"
    errors = result["errors"]
    assert errors[fields.STATEMENT] == "Your statement has 231 words; the limit is 200."
    assert "not a valid email address" in errors[fields.CANDIDATE_EMAIL]
    assert "5 to 8 digits" in errors[fields.CANDIDATE_MEMBERSHIP]
    assert "same Slack account as the candidate" in errors[fields.NOMINATOR_1_USER]
    assert fields.NOMINATOR_2_USER in errors
    inputs = {b["block_id"] for b in view["blocks"] if b["type"] == "input"}
    assert set(errors) <= inputs  # Slack shows errors on input blocks only
    assert count(bot, NominationRecord) == 0


def test_duplicate_nominators_by_email_in_another_case(bot: BotHarness) -> None:
    view = open_form(bot)
    person = {"name": "Ben", "email": "ben@example.org", "membership": "234567"}
    result = submit(
        bot,
        view,
        **{
            fields.NOMINATOR_1_USER: None,
            fields.NOMINATOR_2_USER: None,
            fields.NOMINATOR_1_NAME: person["name"],
            fields.NOMINATOR_1_EMAIL: person["email"],
            fields.NOMINATOR_1_MEMBERSHIP: person["membership"],
            fields.NOMINATOR_2_NAME: "Benjamin",
            fields.NOMINATOR_2_EMAIL: "BEN@EXAMPLE.ORG",
            fields.NOMINATOR_2_MEMBERSHIP: "345678",
        },
    )
    assert result["errors"] == {
        fields.NOMINATOR_2_EMAIL: (
            "Nominator 2 has the same email address as nominator 1: two different members must nominate."
        )
    }


def test_full_journey_submit_confirm_and_valid(bot: BotHarness) -> None:
    view = open_form(bot)
    result = submit(bot, view)
    assert result["response_action"] == "update"
    assert "awaiting nominators" in json.dumps(result["view"])
    assert bot.run_jobs() >= 2
    for nominator in (NOM_1, NOM_2):
        request = dms_to(bot, nominator)[-1]
        assert "Mary Member" in request["text"] and "Secretary" in request["text"]
        assert "Confirm / Decline" in request["text"]
        # The nominator sees the candidate's name, not their email or membership number.
        assert "mary@example.org" not in json.dumps(request)
        assert "L123456" not in json.dumps(request)

    assert confirm(bot, NOM_1, "345678")["response_action"] == "update"
    updated_dm = bot.fake.wait_for("chat.update")[-1]
    assert "You confirmed" in updated_dm["text"]
    with bot.deps.session_factory() as session:
        assert session.scalars(select(NominatorRecord.status).order_by(NominatorRecord.slot)).all() == [
            "confirmed",
            "awaiting",
        ]

    assert confirm(bot, NOM_2, "456789")["response_action"] == "update"
    bot.run_jobs()
    assert not any("*valid*" in json.dumps(dm.get("blocks")) for dm in dms_to(bot, CANDIDATE))
    # Every nomination is valid once the returning officer has checked it.
    listing = admin_list_text(bot)
    assert "to be checked by the returning officer" in listing and "To check:" not in listing
    with bot.deps.session_factory() as session:
        nomination_id = session.scalars(select(NominationRecord.id)).one()
    before = len(bot.fake.calls_to("response_url"))
    bot.click(ADMIN, "nomination_checked", str(nomination_id))
    bot.fake.wait_for("response_url", before + 1)
    bot.run_jobs()
    valid = dms_to(bot, CANDIDATE)[-1]
    assert "is now *valid*" in json.dumps(valid["blocks"])
    # The candidate's own list shows it as valid.
    before = len(bot.fake.calls_to("views.open"))
    bot.command("nominations mine", user=CANDIDATE)
    mine = bot.fake.wait_for("views.open", before + 1)[-1]["view"]
    assert "*valid*" in json.dumps(mine["blocks"])
    # Nothing personal ever went to a channel.
    for call in bot.fake.calls_to("chat.postMessage"):
        if not call["channel"].startswith("U"):
            assert "mary@example.org" not in json.dumps(call)


def admin_list_text(bot: BotHarness) -> str:
    before = len(bot.fake.calls_to("chat.postMessage"))
    bot.command("nominations secretary", user=ADMIN)
    return json.dumps(bot.fake.wait_for("chat.postMessage", before + 1)[-1]["blocks"])


@pytest.mark.parametrize("number", ["L123456", "345678"])  # the candidate's; Nora's own
def test_what_a_nominator_confirms_with_shows_no_member_whether_it_is_the_candidates(
    bot: BotHarness, number: str
) -> None:
    """The nominator never sees the candidate's membership number: a refusal, or any status,
    saying theirs is the same would confirm a guess. They, the candidate and the submitter see
    what they would see for any number; the returning officer is shown the match."""
    submit(bot, open_form(bot))
    bot.run_jobs()
    result = confirm(bot, NOM_1, number)
    assert result["response_action"] == "update"
    assert json.dumps(result["view"]["blocks"]).count("your nomination is recorded") == 1
    assert confirm(bot, NOM_2, "456789")["response_action"] == "update"
    bot.run_jobs()
    with bot.deps.session_factory() as session:
        assert session.scalars(select(NominatorRecord.status).order_by(NominatorRecord.slot)).all() == [
            "confirmed",
            "confirmed",
        ]
    # What the candidate (here also the submitter) sees, the same for either number.
    before = len(bot.fake.calls_to("views.open"))
    bot.command("nominations mine", user=CANDIDATE)
    mine = json.dumps(bot.fake.wait_for("views.open", before + 1)[-1]["view"]["blocks"], ensure_ascii=False)
    assert "to be checked by the returning officer" in mine
    assert "Nominator 1: <@U0NOMONE> · confirmed" in mine and "To check" not in mine
    assert not any("valid" in json.dumps(dm) for dm in dms_to(bot, CANDIDATE))
    listing = admin_list_text(bot)
    match = "To check: Nominator 1 has the same membership number as the candidate."
    assert (match in listing) is (number == "L123456")


def edit_as(bot: BotHarness, user: str, **changes: Any) -> Any:
    """``user`` opens their nomination from /liec nominations mine and submits the Edit form
    with the kept fields left as shown (empty) and these changes."""
    before = len(bot.fake.calls_to("views.open"))
    bot.command("nominations mine", user=user)
    mine = bot.fake.wait_for("views.open", before + 1)[-1]["view"]
    edit = button(mine, "nomination_edit")
    pushed_before = len(bot.fake.calls_to("views.push"))
    bot.click(
        user,
        "nomination_edit",
        edit["value"],
        extra={"view": {**mine, "id": "VMINE"}, "container": {"type": "view"}},
    )
    pushed = bot.fake.wait_for("views.push", pushed_before + 1)[-1]["view"]
    pushed = {**pushed, "id": f"VEDIT{uuid.uuid4().hex[:6].upper()}"}
    kept = {fields.CANDIDATE_EMAIL: None, fields.CANDIDATE_MEMBERSHIP: None, fields.STATEMENT: None}
    return submit(bot, pushed, user=user, **{**kept, **changes})


@pytest.mark.parametrize(
    ("typed", "match"),
    [
        ({fields.NOMINATOR_2_EMAIL: "Mary@Example.org"}, "email address"),
        ({fields.NOMINATOR_2_MEMBERSHIP: "l123456"}, "membership number"),
    ],
)
def test_an_editor_cannot_learn_a_hidden_detail_by_typing_a_guess(
    bot: BotHarness, typed: dict[str, str], match: str
) -> None:
    """NOM_1 nominated Mary and edits the nomination: Mary's email address and number are kept
    from them. Typing a guess of one as the offline nominator's gives the same answer as a
    wrong guess; the returning officer sees the match."""
    offline = {
        fields.NOMINATOR_1_USER: NOM_2,
        fields.NOMINATOR_2_USER: None,
        fields.NOMINATOR_2_NAME: "Olga Offline",
        fields.NOMINATOR_2_EMAIL: "olga@example.org",
        fields.NOMINATOR_2_MEMBERSHIP: "765432",
    }
    assert submit(bot, open_form(bot, user=NOM_1), user=NOM_1, **offline)["response_action"] == "update"
    wrong = edit_as(bot, NOM_1, **{**offline, fields.NOMINATOR_2_EMAIL: "x@example.org"})
    right = edit_as(bot, NOM_1, **{**offline, **typed})
    assert wrong["response_action"] == right["response_action"] == "update", right
    with bot.deps.session_factory() as session:
        n = session.scalars(select(NominationRecord)).one()
        assert (n.candidate_email, n.candidate_membership) == ("mary@example.org", "L123456")
    assert f"To check: Nominator 2 has the same {match} as the candidate." in admin_list_text(bot)


def test_a_request_slack_will_not_update_after_the_answer_is_reported_to_the_admins(
    bot: BotHarness,
) -> None:
    submit(bot, open_form(bot))
    bot.run_jobs()
    bot.fake.on("chat.update", lambda p: {"ok": False, "error": "cant_update_message"})
    assert confirm(bot, NOM_1, "345678")["response_action"] == "update"
    alert = wait_alert(bot, "cant_update_message")
    assert "a nominator's answered request" in alert
    assert NOM_1 not in alert and "Nora" not in alert and "Mary" not in alert


def test_someone_else_cannot_answer_for_a_nominator(bot: BotHarness) -> None:
    submit(bot, open_form(bot))
    bot.run_jobs()
    value = button(dms_to(bot, NOM_1)[-1], "nominator_confirm")["value"]
    bot.click(NOM_2, "nominator_decline", value)
    reply = bot.fake.wait_for("response_url")[-1]
    assert "sent to someone else" in reply["text"]
    with bot.deps.session_factory() as session:
        assert "declined" not in session.scalars(select(NominatorRecord.status)).all()


def test_decline_tells_the_candidate(bot: BotHarness) -> None:
    submit(bot, open_form(bot))
    bot.run_jobs()
    value = button(dms_to(bot, NOM_2)[-1], "nominator_decline")["value"]
    assert bot.click(NOM_2, "nominator_decline", value).status == 200
    answered = bot.fake.wait_for("response_url")[-1]
    assert answered["replace_original"] is True and "You declined" in answered["text"]
    bot.run_jobs()
    told = dms_to(bot, CANDIDATE)[-1]
    assert f"<@{NOM_2}> declined to nominate you" in json.dumps(told["blocks"])


def test_submitting_twice_creates_one_nomination(bot: BotHarness) -> None:
    view = open_form(bot)
    first = submit(bot, view)
    second = submit(bot, view)  # a double click, or Slack's retry: the same view id
    assert first["response_action"] == second["response_action"] == "update"
    assert count(bot, NominationRecord) == 1
    bot.run_jobs()
    assert len(dms_to(bot, NOM_1)) == 1  # and one request to each nominator


def test_a_second_form_for_the_same_post_is_refused(bot: BotHarness) -> None:
    submit(bot, open_form(bot))
    result = submit(bot, open_form(bot))
    assert "already have a nomination" in shown_errors(result)[fields.POSITION]


def test_a_form_submitted_after_closing_is_refused_with_the_reason(bot: BotHarness) -> None:
    view = open_form(bot)
    bot.clock.advance(timedelta(days=9))  # past 2026-12-01 21:00 UTC
    result = submit(bot, view)
    assert shown_errors(result)[fields.POSITION] == (
        f"Nominations for {ELECTION} closed at 2026-12-01 21:00 UTC."
    )
    assert count(bot, NominationRecord) == 0


def test_nominators_not_on_slack_are_to_be_checked(bot: BotHarness) -> None:
    result = submit(
        bot,
        open_form(bot),
        **{
            fields.NOMINATOR_2_USER: None,
            fields.NOMINATOR_2_NAME: "Olga Offline",
            fields.NOMINATOR_2_EMAIL: "olga@example.org",
            fields.NOMINATOR_2_MEMBERSHIP: "765432",
        },
    )
    assert result["response_action"] == "update"
    bot.run_jobs()
    assert len(dms_to(bot, NOM_1)) == 1
    confirm(bot, NOM_1, "345678")
    with bot.deps.session_factory() as session:
        row = session.scalars(select(NominationRecord)).one()
        assert status_of(row).value == "to be checked by the returning officer"


def test_branch_route_needs_an_existing_branch(bot: BotHarness) -> None:
    view = choose_route(bot, open_form(bot), "branch")
    result = submit(
        bot, view, **{fields.ROUTE: "branch", fields.NOMINATOR_1_USER: None, fields.NOMINATOR_2_USER: None}
    )
    assert result["errors"] == {fields.BRANCH: "Please choose the nominating branch."}
    ok = submit(
        bot,
        view,
        **{
            fields.ROUTE: "branch",
            fields.BRANCH: "france",
            fields.NOMINATOR_1_USER: None,
            fields.NOMINATOR_2_USER: None,
        },
    )
    assert ok["response_action"] == "update"
    with bot.deps.session_factory() as session:
        row = session.scalars(select(NominationRecord)).one()
        assert row.branch == "france" and row.nominators == []


def test_regional_post_and_job_share(bot: BotHarness) -> None:
    view = partner_button(bot, open_form(bot, "nominate regional coordinator"))
    result = submit(
        bot,
        view,
        position="Asia, Australasia",
        **{
            fields.PARTNER_NAME: "Pat Partner",
            fields.PARTNER_EMAIL: "pat@example.org",
            fields.PARTNER_MEMBERSHIP: "998877",
        },
    )
    assert result["response_action"] == "update"
    with bot.deps.session_factory() as session:
        row = session.scalars(select(NominationRecord)).one()
        assert row.position_key == "regional-coordinator:asia-pacific"
        assert row.partner_name == "Pat Partner"


def test_the_form_shows_only_the_chosen_route_and_keeps_what_was_typed(bot: BotHarness) -> None:
    view = open_form(bot)
    nominators = {k for f in fields.NOMINATOR_FIELDS for k in vars(f).values()}
    partner = set(vars(fields.PARTNER_FIELDS).values())
    # Two members is the usual route: their fields show; the branch and the partner do not.
    assert nominators <= input_ids(view)
    assert fields.BRANCH not in input_ids(view) and not partner & input_ids(view)
    typed = {
        fields.POSITION: option_value(view, fields.POSITION, "Secretary"),
        fields.CANDIDATE_NAME: "Mary Q. Member",
        fields.STATEMENT: "Typed before choosing the route.",
        fields.NOMINATOR_1_USER: NOM_1,
    }
    by_branch = choose_route(bot, view, "branch", typed)
    assert fields.BRANCH in input_ids(by_branch)
    assert not nominators & input_ids(by_branch)
    # Same block ids and action ids (Slack keeps the values), and the values themselves.
    before = {b.get("block_id"): b for b in view["blocks"]}
    after = {b.get("block_id"): b for b in by_branch["blocks"]}
    for key in (fields.POSITION, fields.CANDIDATE_NAME, fields.STATEMENT, fields.ROUTE):
        assert after[key]["element"]["action_id"] == before[key]["element"]["action_id"]
    assert after[fields.CANDIDATE_NAME]["element"]["initial_value"] == "Mary Q. Member"
    assert after[fields.STATEMENT]["element"]["initial_value"] == "Typed before choosing the route."
    assert after[fields.POSITION]["element"]["initial_option"]["text"]["text"] == "Secretary"
    assert after[fields.ROUTE]["element"]["initial_option"]["value"] == "branch"

    back = choose_route(bot, by_branch, "members")
    assert nominators <= input_ids(back) and fields.BRANCH not in input_ids(back)
    result = submit(bot, back, **{fields.CANDIDATE_NAME: "Mary Q. Member"})
    assert result["response_action"] == "update"
    with bot.deps.session_factory() as session:
        row = session.scalars(select(NominationRecord)).one()
        assert row.branch is None and len(row.nominators) == 2


def test_the_job_share_partner_is_added_and_removed(bot: BotHarness) -> None:
    view = open_form(bot)
    by_branch = choose_route(bot, view, "branch")
    with_partner = partner_button(bot, by_branch, {fields.ROUTE: "branch", fields.CANDIDATE_NAME: "Mary"})
    partner = set(vars(fields.PARTNER_FIELDS).values())
    assert partner <= input_ids(with_partner)
    assert fields.BRANCH in input_ids(with_partner)  # the route stays as chosen
    assert button(with_partner, "nomination_partner_remove")["text"]["text"] == "Remove the job-share partner"
    # A partner's details that break the rules are refused on the partner's field.
    refused = submit(
        bot,
        with_partner,
        **{
            fields.ROUTE: "branch",
            fields.BRANCH: "france",
            fields.NOMINATOR_1_USER: None,
            fields.NOMINATOR_2_USER: None,
            fields.PARTNER_NAME: "Pat Partner",
        },
    )
    assert "email address" in refused["errors"][fields.PARTNER_EMAIL]

    removed = partner_button(bot, with_partner, {fields.ROUTE: "branch", fields.PARTNER_NAME: "Pat Partner"})
    assert not partner & input_ids(removed)
    assert fields.BRANCH in input_ids(removed)
    assert button(removed, "nomination_partner_add")["text"]["text"] == "Add a job-share partner"
    ok = submit(
        bot,
        removed,
        **{
            fields.ROUTE: "branch",
            fields.BRANCH: "france",
            fields.NOMINATOR_1_USER: None,
            fields.NOMINATOR_2_USER: None,
        },
    )
    assert ok["response_action"] == "update"
    with bot.deps.session_factory() as session:
        row = session.scalars(select(NominationRecord)).one()
        assert row.partner_name is None and row.branch == "france"


def test_a_route_chosen_before_the_prefill_landed_is_kept_with_the_prefill(bot: BotHarness) -> None:
    # The member chooses "One branch" on the form as first opened; the profile pre-fill lands
    # meanwhile, so Slack refuses the stale redraw (hash_conflict).
    open_form(bot)
    first = {**bot.fake.calls_to("views.open")[-1]["view"], "id": "VRACE", "hash": "h-opened"}
    bot.fake.fail_next("views.update", status=200, error="hash_conflict")
    before = len(bot.fake.calls_to("views.update"))
    block = next(b for b in first["blocks"] if b.get("block_id") == fields.ROUTE)
    option = next(o for o in block["element"]["options"] if o["value"] == "branch")
    bot.click(
        CANDIDATE,
        block["element"]["action_id"],
        extra={
            "actions": [
                {
                    "type": "radio_buttons",
                    "action_id": block["element"]["action_id"],
                    "block_id": fields.ROUTE,
                    "selected_option": option,
                    "action_ts": "1.0",
                }
            ],
            "view": {**first, "state": {"values": view_state(first, {fields.ROUTE: "branch"})}},
            "container": {"type": "view", "view_id": "VRACE"},
        },
    )
    redrawn = bot.fake.wait_for("views.update", before + 1)[-1]
    assert [c.method for c in bot.fake.failed] == ["views.update"]
    assert "hash" not in redrawn  # drawn from the view as it now stands
    view = {**redrawn["view"], "id": "VRACE"}
    assert fields.BRANCH in input_ids(view)  # the route change is not lost
    name = next(b for b in view["blocks"] if b.get("block_id") == fields.CANDIDATE_NAME)
    assert name["element"]["initial_value"] == PEOPLE[CANDIDATE]["profile"]["real_name"]  # nor the pre-fill
    ok = submit(
        bot,
        view,
        **{
            fields.ROUTE: "branch",
            fields.BRANCH: "france",
            fields.NOMINATOR_1_USER: None,
            fields.NOMINATOR_2_USER: None,
        },
    )
    assert ok["response_action"] == "update"  # no complaint under Position


def test_hostile_statement_is_stored_as_typed_and_shown_escaped(bot: BotHarness) -> None:
    statement = "<!channel> @here *vote* <https://evil.example|me> & <@U0SECRETARY>"
    submit(bot, open_form(bot), **{fields.STATEMENT: statement})
    with bot.deps.session_factory() as session:
        assert session.scalars(select(NominationRecord.statement)).one() == statement


def test_a_10000_character_statement_is_refused_with_numbers(bot: BotHarness) -> None:
    result = submit(bot, open_form(bot), **{fields.STATEMENT: "x" * 10_000})
    assert result["errors"][fields.STATEMENT] == ("Your statement has 10,000 characters; the limit is 3,000.")


# Editing and withdrawing -----------------------------------------------------------------


def test_candidate_edits_and_withdraws_from_nominations_mine(bot: BotHarness) -> None:
    submit(bot, open_form(bot))
    bot.command("nominations mine")
    mine = bot.fake.wait_for("views.open", 2)[-1]["view"]
    edit = button(mine, "nomination_edit")
    bot.click(
        CANDIDATE,
        "nomination_edit",
        edit["value"],
        extra={"view": {**mine, "id": "VMINE"}, "container": {"type": "view"}},
    )
    pushed = bot.fake.wait_for("views.push")[-1]["view"]
    pushed = {**pushed, "id": "VEDIT1"}
    statement = next(b for b in pushed["blocks"] if b.get("block_id") == fields.STATEMENT)
    assert statement["element"]["initial_value"].startswith("I will keep the minutes")
    result = submit(bot, pushed, **{fields.STATEMENT: "A new statement."})
    assert result["response_action"] == "update"
    with bot.deps.session_factory() as session:
        assert session.scalars(select(NominationRecord.statement)).one() == "A new statement."
    assert count(bot, NominationRecord) == 1

    before = len(bot.fake.calls_to("views.update"))
    bot.click(
        CANDIDATE,
        "nomination_withdraw",
        edit["value"],
        extra={"view": {**mine, "id": "VMINE"}, "container": {"type": "view"}},
    )
    refreshed = bot.fake.wait_for("views.update", before + 1)[-1]
    assert refreshed["view_id"] == "VMINE"
    assert "*withdrawn*" in json.dumps(refreshed["view"]["blocks"])


def test_someone_else_cannot_edit_a_nomination(bot: BotHarness) -> None:
    submit(bot, open_form(bot))
    with bot.deps.session_factory() as session:
        nomination_id = session.scalars(select(NominationRecord.id)).one()
    view = open_form(bot, user=NOM_1)
    view["private_metadata"] = json.dumps({"nomination_id": nomination_id})
    result = submit(
        bot, view, user=NOM_1, **{fields.CANDIDATE_USER: NOM_1, fields.NOMINATOR_1_USER: CANDIDATE}
    )
    assert result["errors"][fields.POSITION] == "This nomination is not yours to edit."


# The returning officer ---------------------------------------------------------------------


@pytest.mark.parametrize("text", ["nominations", "nominations secretary", "nominations export"])
def test_non_admins_are_refused_and_get_nothing_else(bot: BotHarness, text: str) -> None:
    submit(bot, open_form(bot))
    calls = len(bot.fake.calls)
    body = bot.command(text, user=NOM_1).json()
    assert "Only LIEC admins" in json.dumps(body["blocks"])
    bot.settle()  # the lazy half of the command has run
    assert [c.method for c in bot.fake.calls[calls:]] == []


def test_admin_list_by_dm_with_statuses(bot: BotHarness) -> None:
    submit(bot, open_form(bot))
    before = len(bot.fake.calls_to("chat.postMessage"))
    body = bot.command("nominations secretary", user=ADMIN).json()
    assert "direct message" in json.dumps(body["blocks"])
    listing = bot.fake.wait_for("chat.postMessage", before + 1)[-1]
    assert listing["channel"] == ADMIN
    text = json.dumps(listing["blocks"])
    assert "Mary Member" in text and "awaiting nominators" in text


def test_admin_export_is_a_csv_in_a_dm(bot: BotHarness) -> None:
    submit(bot, open_form(bot), **{fields.STATEMENT: '=HYPERLINK("http://evil") vote'})
    bot.command("nominations export", user=ADMIN)
    complete = bot.fake.wait_for("files.completeUploadExternal")[-1]
    opened = bot.fake.calls_to("conversations.open")[-1]
    assert opened["users"] == ADMIN
    assert complete["channel_id"].startswith("D")
    content = next(iter(bot.fake.uploads.values())).decode()
    rows = list(csv.DictReader(io.StringIO(content)))
    assert rows[0]["candidate_email"] == "mary@example.org"
    assert rows[0]["status"] == "awaiting nominators"
    assert rows[0]["statement"].startswith("'=")  # no formula in the Secretary's spreadsheet


def test_an_export_shows_what_another_process_changed_just_before(
    bot: BotHarness, make_bot: Callable[..., BotHarness]
) -> None:
    # A second bot process on the same database (as behind one address): exports read after
    # they are asked for, so what either process saved before is in the next export.
    other = make_bot()

    def exported(harness: BotHarness) -> list[dict[str, str]]:
        before = len(harness.fake.calls_to("files.completeUploadExternal"))
        harness.command("nominations export", user=ADMIN)
        complete = harness.fake.wait_for("files.completeUploadExternal", before + 1)[-1]
        content = harness.fake.uploads[complete["files"][0]["id"]].decode()
        return list(csv.DictReader(io.StringIO(content)))

    assert exported(other) == []
    submit(bot, open_form(bot))
    assert [row["status"] for row in exported(other)] == ["awaiting nominators"]
    bot.run_jobs()
    confirm(bot, NOM_1, "345678")
    confirm(bot, NOM_2, "456789")
    checked = "to be checked by the returning officer"
    assert [row["status"] for row in exported(other)] == [checked]
    assert [row["status"] for row in exported(bot)] == [checked]


def test_the_bots_tick_drops_a_kept_csv_after_its_minute(bot: BotHarness) -> None:
    """The CSV kept for admins exporting again (personal data) is dropped by a scheduler tick
    once its minute is over, without anyone asking (`build_runtime` makes `expire` a tick step)."""
    submit(bot, open_form(bot))
    bot.command("nominations export", user=ADMIN)
    bot.fake.wait_for("files.completeUploadExternal")
    kept = bot.deps.nominations_csv
    bot.run_jobs()
    assert kept._kept is not None  # within its minute
    kept.keep_s = 0.0  # as if the minute had passed
    bot.run_jobs()
    assert kept._kept is None


# Faults ---------------------------------------------------------------------------------------


def wait_alert(bot: BotHarness, about: str) -> str:
    """The admins' alert (their channel, C0LIECADMIN) about `about`, once it comes."""
    for _ in range(100):
        found = [c["text"] for c in dms_to(bot, "C0LIECADMIN") if about in c["text"]]
        if found:
            return found[-1]
        bot.fake.wait_for("chat.postMessage", len(bot.fake.calls_to("chat.postMessage")) + 1)
    raise AssertionError(f"no alert about {about!r}")


def test_a_refused_list_or_csv_for_the_admin_is_reported_not_lost(bot: BotHarness) -> None:
    submit(bot, open_form(bot))
    bot.fake.on(
        "chat.postMessage",
        lambda p: {"ok": False, "error": "user_disabled"} if p.get("channel") == ADMIN else None,
    )
    bot.command("nominations", user=ADMIN)
    assert "user_disabled" in wait_alert(bot, "the nominations list")
    bot.fake.fail_next("files.getUploadURLExternal", status=200, error="not_allowed")
    bot.command("nominations export", user=ADMIN)
    alert = wait_alert(bot, "the nominations CSV")
    assert "not_allowed" in alert and ADMIN not in alert


def test_an_expired_shortcut_whose_dm_is_refused_is_reported(bot: BotHarness) -> None:
    bot.fake.on(
        "chat.postMessage",
        lambda p: {"ok": False, "error": "cannot_dm_bot"} if p.get("channel") == CANDIDATE else None,
    )
    expire_next_trigger(bot)
    shortcut(bot)
    alert = wait_alert(bot, "an answer to a member about a nomination")
    assert "cannot_dm_bot" in alert and CANDIDATE not in alert


def test_a_429_on_the_nominator_dm_is_retried(bot: BotHarness) -> None:
    submit(bot, open_form(bot))
    bot.fake.fail_next("chat.postMessage", status=429, retry_after=1)
    bot.run_jobs()
    assert len(bot.fake.failed) == 1
    assert len(dms_to(bot, NOM_1)) == 1 and len(dms_to(bot, NOM_2)) == 1


def test_a_slack_fault_on_the_dm_is_retried_later_and_nothing_is_lost(bot: BotHarness) -> None:
    submit(bot, open_form(bot))
    bot.fake.fail_next("chat.postMessage", status=200, error="internal_error", times=2)
    bot.run_jobs()
    assert dms_to(bot, NOM_1) == [] and dms_to(bot, NOM_2) == []
    bot.clock.advance(timedelta(minutes=2))
    bot.run_jobs()
    assert len(dms_to(bot, NOM_1)) == 1 and len(dms_to(bot, NOM_2)) == 1


def test_a_5xx_on_the_dm_is_retried_by_the_client(bot: BotHarness) -> None:
    submit(bot, open_form(bot))
    bot.fake.fail_next("chat.postMessage", status=503)
    bot.run_jobs()
    assert len(dms_to(bot, NOM_1)) == 1 and len(dms_to(bot, NOM_2)) == 1


# Other ways in ---------------------------------------------------------------------------


def shortcut(bot: BotHarness, user: str = CANDIDATE) -> None:
    response = bot.interaction(
        {
            "type": "shortcut",
            "callback_id": "liec_nominate",
            "trigger_id": "1.2.shortcut",
            "user": {"id": user, "username": user.lower(), "team_id": "T0001"},
        }
    )
    assert response.status == 200


def test_the_shortcut_opens_the_form(bot: BotHarness) -> None:
    shortcut(bot)
    opened = bot.fake.wait_for("views.open")[-1]
    assert opened["trigger_id"] == "1.2.shortcut"
    assert opened["view"]["callback_id"] == "nomination_submit"


def test_the_shortcut_after_closing_sends_a_message_not_a_form(bot: BotHarness) -> None:
    bot.clock.advance(timedelta(days=30))
    shortcut(bot)
    told = bot.fake.wait_for("chat.postMessage", 2)[-1]
    assert told["channel"] == CANDIDATE
    assert "No election is taking nominations now" in told["text"]
    assert bot.fake.calls_to("views.open") == []


def test_the_announcements_nominate_button_after_closing_says_when_it_closed(
    bot: BotHarness,
) -> None:
    announcement = next(c for c in bot.fake.calls_to("chat.postMessage") if c["channel"] == "C0ANNOUNCE")
    value = button(announcement, "election_nominate")["value"]
    bot.clock.advance(timedelta(days=30))
    bot.click(CANDIDATE, "election_nominate", value)
    told = bot.fake.wait_for("response_url")[-1]
    assert told["response_type"] == "ephemeral"
    assert f"Nominations for {ELECTION} closed <!date^" in told["text"]
    assert bot.fake.calls_to("views.open") == []


def test_the_announcement_names_no_one_and_has_the_nominate_button(bot: BotHarness) -> None:
    announcement = next(c for c in bot.fake.calls_to("chat.postMessage") if c["channel"] == "C0ANNOUNCE")
    assert button(announcement, "election_nominate")["style"] == "primary"
    assert "200 words" in json.dumps(announcement["blocks"])


def test_hostile_names_are_escaped_in_every_list(bot: BotHarness) -> None:
    name = "<!channel> @here <@U0SECRETARY>"
    submit(bot, open_form(bot), **{fields.CANDIDATE_NAME: name})
    bot.run_jobs()
    before = len(bot.fake.calls_to("chat.postMessage"))
    bot.command("nominations secretary", user=ADMIN)
    listing = bot.fake.wait_for("chat.postMessage", before + 1)[-1]
    request = dms_to(bot, NOM_1)[-1]
    for message in (listing, request):
        blob = json.dumps(message)
        assert "<!channel>" not in blob and "<@U0SECRETARY>" not in blob
        assert "&lt;!channel&gt;" in blob
        assert "@here" not in blob.replace("@\\u2060here", "")


@pytest.mark.parametrize("text", ["nominate rc asia", "nominate regional coordinator asia", "nominate asia"])
def test_nominate_with_a_region_preselects_that_post(bot: BotHarness, text: str) -> None:
    view = open_form(bot, text)
    position = next(b for b in view["blocks"] if b.get("block_id") == fields.POSITION)
    assert [o["text"]["text"] for o in position["element"]["options"]] == [
        "Regional Coordinator (Asia, Australasia and Pacific)"
    ]
    assert position["element"]["initial_option"]["value"].endswith("regional-coordinator:asia-pacific")


def test_every_position_is_counted_in_one_dm_and_one_position_is_listed(bot: BotHarness) -> None:
    # At ten times LI's size every position's list would be 45 DMs: /liec nominations gives one
    # DM of counts (no personal data, so no audit entry); one position's list is there on asking.
    submit(bot, open_form(bot))
    before = len(dms_to(bot, ADMIN))
    bot.command("nominations", user=ADMIN)
    bot.settle()  # the command's work is over: "one DM" is a count, not a first sighting
    summary = dms_to(bot, ADMIN)[before:]
    assert len(summary) == 1
    text = json.dumps(summary[0]["blocks"])
    assert "*Secretary*: 1 (1 awaiting nominators)" in text
    assert "/liec nominations secretary" in text
    assert "Mary Member" not in text and "nominator_confirm" not in text
    assert "nominations list" not in json.dumps(bot.command("audit", user=ADMIN).json()["blocks"])
    bot.command("nominations secretary", user=ADMIN)
    deadline = time.monotonic() + 10
    while len(dms_to(bot, ADMIN)) == before + 1 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert "Mary Member" in json.dumps(dms_to(bot, ADMIN)[-1]["blocks"])


def test_admin_reads_of_nominations_are_in_the_audit_log(bot: BotHarness) -> None:
    submit(bot, open_form(bot))
    before = len(dms_to(bot, ADMIN))
    bot.command("nominations secretary", user=ADMIN)
    # The list is a DM to the admin: wait for it, not for any post (the announcement is one).
    deadline = time.monotonic() + 10
    while len(dms_to(bot, ADMIN)) == before and time.monotonic() < deadline:
        time.sleep(0.02)
    assert len(dms_to(bot, ADMIN)) > before
    bot.command("nominations export", user=ADMIN)
    bot.fake.wait_for("files.completeUploadExternal")
    text = json.dumps(bot.command("audit", user=ADMIN).json()["blocks"])
    assert "nominations list (secretary)" in text
    assert "nominations export (CSV)" in text
    assert "mary@example.org" not in text  # the log says what was read, never the data


def test_a_region_with_101_branches_is_searched_and_any_branch_can_nominate(
    make_bot: Callable[..., BotHarness], fake_slack: FakeSlack, org: dict[str, Any]
) -> None:
    org["branches"] = {
        f"eu-{i:03d}": {"name": f"Branch {i:03d}", "region": "europe-africa-middle-east"} for i in range(101)
    }
    for user_id, user in PEOPLE.items():
        fake_slack.users[user_id] = json.loads(json.dumps(user))
    bot = make_bot(org)
    bot.deps.jobs.startup()
    bot.run_jobs()
    view = choose_route(bot, open_form(bot), "branch")
    assert fake_slack.invalid == []  # every view Slack was sent is valid Block Kit
    branch = next(b for b in view["blocks"] if b.get("block_id") == fields.BRANCH)
    assert branch["element"]["type"] == "external_select"
    found = bot.suggest(CANDIDATE, view, fields.BRANCH, "branch 10")
    assert [o["value"] for o in found] == ["eu-100", "eu-010"]  # the label that starts so first
    assert len(bot.suggest(CANDIDATE, view, fields.BRANCH, "")) == 100
    last = bot.suggest(CANDIDATE, view, fields.BRANCH, "100")
    ok = submit(
        bot,
        view,
        **{
            fields.ROUTE: "branch",
            fields.BRANCH: last[0],
            fields.NOMINATOR_1_USER: None,
            fields.NOMINATOR_2_USER: None,
        },
    )
    assert ok["response_action"] == "update"
    with bot.deps.session_factory() as session:
        assert session.scalars(select(NominationRecord)).one().branch == "eu-100"


# Slack's refusals: an expired trigger ----------------------------------------------------


def expire_next_trigger(bot: BotHarness, method: str = "views.open") -> None:
    bot.fake.fail_next(method, status=200, error="expired_trigger_id")


def test_an_expired_trigger_on_the_nominate_button_says_press_again(bot: BotHarness) -> None:
    announcement = next(c for c in bot.fake.calls_to("chat.postMessage") if c["channel"] == "C0ANNOUNCE")
    expire_next_trigger(bot)
    bot.click(CANDIDATE, "election_nominate", button(announcement, "election_nominate")["value"])
    told = bot.fake.wait_for("response_url")[-1]
    assert told["response_type"] == "ephemeral"
    assert "Slack did not open the form in time" in told["text"] and "press *Nominate* again" in told["text"]
    assert bot.fake.calls_to("views.update") == []  # no pre-fill of a form that never opened


def test_an_expired_trigger_on_the_shortcut_says_so_by_dm(bot: BotHarness) -> None:
    before = len(dms_to(bot, CANDIDATE))
    expire_next_trigger(bot)
    shortcut(bot)
    deadline = time.monotonic() + 5
    while len(dms_to(bot, CANDIDATE)) == before and time.monotonic() < deadline:
        time.sleep(0.02)
    assert "use the shortcut again" in dms_to(bot, CANDIDATE)[-1]["text"]


def test_an_expired_trigger_on_the_slash_command_says_type_it_again(bot: BotHarness) -> None:
    expire_next_trigger(bot)
    bot.command("nominate", user=CANDIDATE)
    told = bot.fake.wait_for("response_url")[-1]
    assert "type the command again" in told["text"]


def test_an_expired_trigger_on_edit_says_press_edit_again(bot: BotHarness) -> None:
    submit(bot, open_form(bot))
    bot.command("nominations mine")
    mine = bot.fake.wait_for("views.open", 2)[-1]["view"]
    before = len(dms_to(bot, CANDIDATE))
    expire_next_trigger(bot, "views.push")
    edit = button(mine, "nomination_edit")
    bot.click(
        CANDIDATE,
        "nomination_edit",
        edit["value"],
        extra={"view": {**mine, "id": "VMINE"}, "container": {"type": "view"}, "response_url": ""},
    )
    deadline = time.monotonic() + 5
    while len(dms_to(bot, CANDIDATE)) == before and time.monotonic() < deadline:
        time.sleep(0.02)
    assert "press *Edit* again" in dms_to(bot, CANDIDATE)[-1]["text"]


def test_an_expired_trigger_on_a_nominators_confirm_says_press_confirm_again(bot: BotHarness) -> None:
    submit(bot, open_form(bot))
    bot.run_jobs()  # the nominators' DMs
    request = dms_to(bot, NOM_1)[-1]
    expire_next_trigger(bot)
    before = len(bot.fake.calls_to("response_url"))
    bot.click(NOM_1, "nominator_confirm", button(request, "nominator_confirm")["value"])
    told = bot.fake.wait_for("response_url", before + 1)[-1]
    assert "press *Confirm* again" in told["text"]


def _edit_view(bot: BotHarness, user: str) -> dict[str, Any]:
    """/liec nominations mine, then Edit: the form as pushed to this member."""
    opened = len(bot.fake.calls_to("views.open"))
    pushed = len(bot.fake.calls_to("views.push"))
    bot.command("nominations mine", user=user)
    mine = bot.fake.wait_for("views.open", opened + 1)[-1]["view"]
    edit = button(mine, "nomination_edit")
    bot.click(user, "nomination_edit", edit["value"], extra={"view": {**mine, "id": "VMINE"}})
    view = bot.fake.wait_for("views.push", pushed + 1)[-1]["view"]
    return {**view, "id": f"V{uuid.uuid4().hex[:10].upper()}", "_list": mine}


def test_a_member_who_nominated_another_does_not_see_what_the_candidate_gave(bot: BotHarness) -> None:
    alice = "U0ALICE"
    bot.fake.users[alice] = {
        "name": "alice",
        "profile": {"real_name": "Alice Able", "email": "alice@example.org"},
    }
    typed = ("typed.by.alice@example.org", "L5550001", "Alice wrote this statement")
    own = ("mary.own@example.org", "L5550002", "Mary's very own statement")
    submit(
        bot,
        open_form(bot, user=alice),
        user=alice,
        **{
            fields.CANDIDATE_EMAIL: typed[0],
            fields.CANDIDATE_MEMBERSHIP: typed[1],
            fields.STATEMENT: typed[2],
        },
    )
    bot.run_jobs()
    confirm(bot, NOM_1, "L2223334")
    # Mary edits in her own details.
    result = submit(
        bot,
        _edit_view(bot, CANDIDATE),
        **{fields.CANDIDATE_EMAIL: own[0], fields.CANDIDATE_MEMBERSHIP: own[1], fields.STATEMENT: own[2]},
    )
    assert result["response_action"] == "update"

    view = _edit_view(bot, alice)
    shown = json.dumps(view).casefold()
    for secret in (*own, *typed, "nora@example.org", "L2223334"):
        assert secret.casefold() not in shown, secret
    # Alice saves the form as shown: what she cannot see is kept, not wiped.
    result = submit(
        bot,
        view,
        user=alice,
        **{fields.CANDIDATE_EMAIL: None, fields.CANDIDATE_MEMBERSHIP: None, fields.STATEMENT: None},
    )
    assert result["response_action"] == "update"
    with bot.deps.session_factory() as session:
        row = session.scalars(select(NominationRecord)).one()
        assert (row.candidate_email, row.candidate_membership, row.statement) == own
        assert row.nominators[0].status == "confirmed"  # Nora's answer stands

    bot.fake.uploads.clear()
    before = len(bot.fake.calls_to("files.completeUploadExternal"))
    bot.command("my-data", user=alice)
    bot.fake.wait_for("files.completeUploadExternal", before + 1)
    files = [content.decode("utf-8") for content in bot.fake.uploads.values()]
    assert any("nominations_you_submitted_for_others" in text for text in files)
    mine = "".join(files).casefold()
    for secret in (*own, *typed, "mary member"):
        assert secret.casefold() not in mine, secret


def test_direction_and_width_controls_never_reach_a_dm_or_the_csv(bot: BotHarness) -> None:
    rlo, zwsp = "\u202e", "\u200b"
    name = f"Mary{zwsp} Mem{rlo}ber"
    submit(
        bot,
        open_form(bot),
        **{fields.CANDIDATE_NAME: name, fields.STATEMENT: f'＝HYPERLINK("http://evil") {rlo}vote'},
    )
    bot.run_jobs()
    request = dms_to(bot, NOM_1)[-1]
    shown = json.dumps([request["text"], request["blocks"]], ensure_ascii=False)
    assert "Mary Member" in shown and rlo not in shown and zwsp not in shown
    bot.command("nominations export", user=ADMIN)
    bot.fake.wait_for("files.completeUploadExternal")
    content = next(iter(bot.fake.uploads.values())).decode()
    row = next(csv.DictReader(io.StringIO(content)))
    assert row["candidate_name"] == "Mary Member"
    assert row["statement"].startswith("'＝") and rlo not in content  # the full-width = is caught too
