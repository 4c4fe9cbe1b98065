"""Members' data rights end to end: /liec my-data, /liec forget-me and the admins' /liec audit."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from bot.services import audit, questions
from bot.services.tz_regions import Region
from bot.views.member_data import FORGET_BUTTON, FORGET_MODAL, MY_DATA_BUTTON
from models.audit import AuditEntry
from models.questions import MemberRegion, Question
from tests.e2e.harness import BotHarness


def _uploads(bot: BotHarness) -> tuple[dict[str, Any], str]:
    """(the JSON export, the readable summary) from the files the bot uploaded."""
    exported, summary = None, None
    for raw in bot.fake.uploads.values():
        text = raw.decode("utf-8")
        try:
            exported = json.loads(text)
        except ValueError:
            summary = text
    assert exported is not None and summary is not None, bot.fake.uploads
    return exported, summary


def _ask(bot: BotHarness, asker: str, text: str) -> int:
    now = bot.clock.now()
    with bot.deps.session_factory.begin() as session:
        questions.set_region(session, asker, Region.EUROPE_AFRICA_MIDDLE_EAST, now)
        decision = questions.decide_region(questions.member_choice(session, asker), bot.deps.org, None)
        question = questions.create_question(
            session, asker_id=asker, text=text, decision=decision, asker_tz="Europe/Paris", now=now
        )
        return question.id


def _my_data(bot: BotHarness, user: str = "U0MEMBER") -> tuple[dict[str, Any], str]:
    bot.fake.uploads.clear()
    before = len(bot.fake.calls_to("files.completeUploadExternal"))
    ack = bot.command("my-data", user=user).json()
    assert "DM" in json.dumps(ack)
    bot.fake.wait_for("files.completeUploadExternal", before + 1)
    return _uploads(bot)


def test_my_data_sends_everything_stored_as_json_and_summary_by_dm(bot: BotHarness) -> None:
    _ask(bot, "U0MEMBER", "When is the next branch meeting in Lyon?")
    exported, summary = _my_data(bot)

    opened = bot.fake.calls_to("conversations.open")
    assert opened[-1]["users"] == "U0MEMBER"
    completed = bot.fake.calls_to("files.completeUploadExternal")[-1]
    assert completed["channel_id"] == "D0MEMBER"  # the member's own DM, nowhere else
    assert len(completed["files"]) == 2

    assert exported["slack_user_id"] == "U0MEMBER"
    asked = exported["regional_questions"]["questions_asked"]
    assert [q["question"] for q in asked] == ["When is the next branch meeting in Lyon?"]
    assert exported["regional_questions"]["region_choice"]["region"] == "europe-africa-middle-east"
    assert exported["organisation_file"] == {"admin": False, "roles_held": []}
    assert "When is the next branch meeting in Lyon?" in summary
    assert "Regional questions" in summary
    done = bot.fake.wait_for("response_url")[-1]
    assert "two files" in json.dumps(done)


def test_my_data_holds_nothing_of_other_members(bot: BotHarness) -> None:
    _ask(bot, "U0SECRETARY", "A question from someone else")
    exported, summary = _my_data(bot)
    assert "someone else" not in json.dumps(exported) + summary


def test_forget_me_confirms_then_erases_and_says_what_was_kept(bot: BotHarness) -> None:
    mine = _ask(bot, "U0MEMBER", "My own question")
    theirs = _ask(bot, "U0SECRETARY", "Someone else's question")
    with bot.deps.session_factory.begin() as session:
        questions.claim(session, theirs, "U0MEMBER", bot.clock.now())

    assert bot.command("forget-me").json() is None  # the modal is the answer
    view = bot.fake.wait_for("views.open")[0]["view"]
    assert view["callback_id"] == FORGET_MODAL
    assert "cannot be undone" in json.dumps(view)
    # Nothing is erased before the member confirms.
    with bot.deps.session_factory() as session:
        assert session.get(Question, mine) is not None

    assert bot.submit_view("U0MEMBER", view, {}).status == 200
    told = bot.fake.wait_for("chat.postMessage")[-1]
    assert told["channel"] == "U0MEMBER"
    text = json.dumps(told["blocks"])
    assert "erased" in text and "Why:" in text
    assert "took or answered" in text  # the other member's question is kept, without their name

    with bot.deps.session_factory() as session:
        assert session.get(Question, mine) is None
        assert session.get(MemberRegion, "U0MEMBER") is None
        kept = session.get_one(Question, theirs)
        assert kept.claimed_by is None and kept.asker_id == "U0SECRETARY"

    exported, summary = _my_data(bot)
    assert exported["regional_questions"]["questions_asked"] == []
    assert exported["regional_questions"]["region_choice"] is None
    assert "My own question" not in summary


def test_forget_me_with_nothing_stored_says_nothing_was_kept(bot: BotHarness) -> None:
    bot.command("forget-me")
    view = bot.fake.wait_for("views.open")[0]["view"]
    bot.submit_view("U0MEMBER", view, {})
    told = bot.fake.wait_for("chat.postMessage")[-1]
    assert "Nothing was kept" in told["text"] or "Nothing was kept" in json.dumps(told["blocks"])


def test_home_tab_buttons_send_data_and_open_the_confirmation(bot: BotHarness) -> None:
    _ask(bot, "U0MEMBER", "Asked before clicking")
    bot.click("U0MEMBER", MY_DATA_BUTTON, "")
    bot.fake.wait_for("files.completeUploadExternal")
    exported, _ = _uploads(bot)
    assert exported["regional_questions"]["questions_asked"][0]["question"] == "Asked before clicking"
    bot.click("U0MEMBER", FORGET_BUTTON, "")
    assert bot.fake.wait_for("views.open")[0]["view"]["callback_id"] == FORGET_MODAL


def test_audit_is_for_admins_only(bot: BotHarness) -> None:
    refused = bot.command("audit", user="U0MEMBER").json()
    assert "Only LIEC admins" in json.dumps(refused)


def test_audit_lists_admin_reads_newest_first(bot: BotHarness) -> None:
    now = bot.clock.now()
    with bot.deps.session_factory.begin() as session:
        audit.record_admin_read(
            session, "U0CHAIR", "nominations list: LIEC elections 2027", now - timedelta(days=2)
        )
        audit.record_admin_read(
            session, "U0SECRETARY", "nominations export (CSV): <!channel> by-election", now
        )
    body = bot.command("audit", user="U0SECRETARY").json()
    text = json.dumps(body["blocks"])
    assert text.index("U0SECRETARY") < text.index("U0CHAIR")
    assert "nominations list: LIEC elections 2027" in text
    assert "<!channel>" not in text  # what an admin typed stays inert
    assert f"<!date^{int(now.timestamp())}^" in text
    assert "2 entries" in text


def test_an_admins_audit_entries_are_kept_when_they_ask_to_be_forgotten(bot: BotHarness) -> None:
    with bot.deps.session_factory.begin() as session:
        audit.record_admin_read(session, "U0SECRETARY", "nominations list", bot.clock.now())
    bot.command("forget-me", user="U0SECRETARY")
    view = bot.fake.wait_for("views.open")[0]["view"]
    bot.submit_view("U0SECRETARY", view, {})
    told = json.dumps(bot.fake.wait_for("chat.postMessage")[-1]["blocks"])
    assert "audit log" in told and "who read members' personal data" in told
    assert "organisation file" in told  # the Secretary is listed there; the Secretary edits it
    with bot.deps.session_factory() as session:
        assert session.scalar(select(func.count()).select_from(AuditEntry)) == 1


def test_data_rights_round_trip_through_the_other_features(bot: BotHarness) -> None:
    """Data made with /liec ask and a nomination appears in my-data; after forget-me only what
    is kept for a stated reason remains."""
    from bot.services import nominations
    from bot.services.elections import Position
    from bot.services.nomination_rules import NominationForm, Person, Route
    from tests.services.test_nominations_store import open_by_election

    assert bot.command("ask Where is the AGM this year?").status == 200
    bot.fake.wait_for("chat.postMessage")  # delivered to the region's coordinator
    now = bot.clock.now()
    with bot.deps.session_factory.begin() as session:
        election = open_by_election(session, "Secretary by-election", now)
        form = NominationForm(
            position=Position("secretary"),
            candidate=Person("U0MEMBER", "Mary Member", "mary@example.org", "L1234567"),
            statement="I take good minutes.",
            route=Route.MEMBERS,
            nominators=(Person("U0SECRETARY"), Person("U0BAME")),
        )
        nominations.submit(session, form, election, submitted_by="U0MEMBER", submission_key="V-rt", now=now)

    exported, summary = _my_data(bot)
    assert exported["regional_questions"]["questions_asked"][0]["question"] == "Where is the AGM this year?"
    (nomination,) = exported["nominations"]["nominations"]
    assert (
        nomination["your_email"] == "mary@example.org"
        and nomination["your_statement"] == "I take good minutes."
    )
    assert "mary@example.org" in summary

    bot.fake.reset()
    bot.command("forget-me")
    view = bot.fake.wait_for("views.open")[0]["view"]
    bot.submit_view("U0MEMBER", view, {})
    told = json.dumps(bot.fake.wait_for("chat.postMessage")[-1]["blocks"])
    assert "nomination for secretary in Secretary by-election" in told and "still running" in told

    exported, summary = _my_data(bot)
    assert exported["regional_questions"]["questions_asked"] == []
    assert exported["regional_questions"]["region_choice"] is None
    assert "Where is the AGM" not in summary
    # Kept, as the member was told: the running election's nomination, deleted at closing.
    assert [n["election"] for n in exported["nominations"]["nominations"]] == ["Secretary by-election"]


def _alert(bot: BotHarness, about: str) -> str:
    """The admins' alert (their channel, C0LIECADMIN) about `about`, once it comes."""
    for _ in range(100):
        posts = bot.fake.calls_to("chat.postMessage")
        found = [p["text"] for p in posts if p["channel"] == "C0LIECADMIN" and about in p["text"]]
        if found:
            return found[-1]
        bot.fake.wait_for("chat.postMessage", len(posts) + 1)
    raise AssertionError(f"no alert about {about!r}")


def test_a_refused_export_or_forget_me_answer_is_reported_to_the_admins(bot: BotHarness) -> None:
    bot.fake.fail_next("files.getUploadURLExternal", status=200, error="not_allowed")
    bot.command("my-data")
    assert "could not send your data" in bot.fake.wait_for("response_url")[-1]["text"]
    assert "not_allowed" in _alert(bot, "a member's data export")
    bot.command("forget-me")
    view = bot.fake.wait_for("views.open")[0]["view"]
    bot.fake.on(
        "chat.postMessage",
        lambda p: {"ok": False, "error": "cannot_dm_bot"} if p.get("channel") == "U0MEMBER" else None,
    )
    bot.submit_view("U0MEMBER", view, {})
    alert = _alert(bot, "a member's forget-me answer")
    assert "cannot_dm_bot" in alert and "U0MEMBER" not in alert
