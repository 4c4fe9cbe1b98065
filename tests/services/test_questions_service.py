"""The question rules over the database, on SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.config import OrgConfig, parse_org_config
from bot.jobs import JobQueue
from bot.services import admin_alerts
from bot.services import question_deliveries as deliveries
from bot.services import questions as svc
from bot.services.tz_regions import Region
from models import Base
from models.alerts import AdminAlert
from models.foundation import ScheduledJob
from models.questions import MemberRegion, Question, QuestionDelivery

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def org(**changes: Any) -> OrgConfig:
    data: dict[str, Any] = {
        "admins": ["U0ADMIN"],
        "officers": {"vice-chair-membership": ["U0VC"]},
        "regions": {
            "americas": {"coordinator": "U0AM"},
            "asia-pacific": {"coordinator": ["U0AP1", "U0AP2"]},
            "europe-africa-middle-east": {"coordinator": []},
        },
        "branches": {
            "new-york": {"name": "New York", "region": "americas"},
            "france": {"name": "France", "region": "europe-africa-middle-east"},
        },
        "escalate_after": 24,
    }
    data.update(changes)
    return parse_org_config(data)


ORG = org()


def ask(
    session: Session, asker: str = "U0MEMBER", tz: str | None = "Asia/Tokyo", at: datetime = NOW
) -> Question:
    decision = svc.decide_region(svc.member_choice(session, asker), ORG, tz)
    return svc.create_question(
        session, asker_id=asker, text=f"question from {asker}", decision=decision, asker_tz=tz, now=at
    )


# Regions (pure) -----------------------------------------------------------------------------


def test_the_members_choice_then_branch_then_time_zone_then_ask() -> None:
    tz = "Europe/Paris"
    assert svc.decide_region(None, ORG, tz) == svc.RegionDecision(
        Region.EUROPE_AFRICA_MIDDLE_EAST, "timezone", "from your Slack time zone Europe/Paris (France)"
    )
    branch = MemberRegion(user_id="U1", branch="new-york", region=None, updated_at=NOW)
    assert svc.decide_region(branch, ORG, tz) == svc.RegionDecision(
        Region.AMERICAS, "branch", "from your branch, New York"
    )
    chosen = MemberRegion(user_id="U1", branch="new-york", region="asia-pacific", updated_at=NOW)
    assert svc.decide_region(chosen, ORG, tz).region is Region.ASIA_PACIFIC
    assert svc.decide_region(chosen, ORG, tz).source == "chosen"
    gone = MemberRegion(user_id="U1", branch="closed-branch", region=None, updated_at=NOW)
    assert svc.decide_region(gone, ORG, tz).source == "timezone"  # a branch no longer listed
    assert svc.decide_region(None, ORG, "Etc/UTC").region is None
    assert svc.decide_region(None, ORG, "Etc/UTC").source == "unknown"


def test_a_time_zone_slack_would_not_give_is_not_called_missing_from_the_profile() -> None:
    decision = svc.decide_region(None, ORG, None, "missing_scope")
    assert decision.region is None and decision.source == "unknown"
    assert "bot's Slack permissions, not with your profile" in decision.reason
    # Any other error, or none, is the ordinary "no time zone".
    assert svc.decide_region(None, ORG, None, "ratelimited").reason == "your Slack profile has no time zone"
    assert svc.decide_region(None, ORG, None).reason == "your Slack profile has no time zone"
    # The member's own choice still wins.
    chosen = MemberRegion(user_id="U1", branch=None, region="americas", updated_at=NOW)
    assert svc.decide_region(chosen, ORG, None, "missing_scope").region is Region.AMERICAS


def test_the_admins_alert_names_the_scope_and_the_fix() -> None:
    from bot.services import slack_setup

    text = slack_setup.alert_text("users.info", "missing_scope", "members' time zones cannot be read")
    assert "`users.info`" in text and "`missing_scope`" in text and "users:read" in text
    assert "reinstall" in text
    assert "SLACK_BOT_TOKEN" in slack_setup.alert_text("users.info", "invalid_auth", "x")
    assert slack_setup.alert_key("users.info", "missing_scope") == "slack-setup:users.info:missing_scope"


def test_find_branch_by_key_or_name_and_suggest_close_names() -> None:
    assert svc.find_branch(ORG, "new-york").key == "new-york"
    assert svc.find_branch(ORG, "NEW YORK").key == "new-york"
    near = svc.find_branch(ORG, "New Yrok")
    assert near.key is None and near.suggestions[0] == "New York"
    assert svc.find_branch(ORG, "zzzz").suggestions == []


def test_who_may_handle_a_question() -> None:
    question = Question(region="asia-pacific", asker_id="U0MEMBER")
    assert svc.can_handle(ORG, question, "U0AP2")
    assert svc.can_handle(ORG, question, "U0VC") and svc.can_handle(ORG, question, "U0ADMIN")
    assert not svc.can_handle(ORG, question, "U0AM")
    assert not svc.can_handle(ORG, Question(region=None, asker_id="U0MEMBER"), "U0AM")
    assert svc.coordinator_regions(ORG, "U0AP1") == [Region.ASIA_PACIFIC]


# Storage ------------------------------------------------------------------------------------


def test_the_migration_creates_exactly_the_models_tables(session_factory: sessionmaker[Session]) -> None:
    with session_factory() as session:
        diff = compare_metadata(MigrationContext.configure(session.connection()), Base.metadata)
    ours = {"member_regions", "questions", "question_deliveries", "admin_alerts"}
    assert [d for d in diff if any(name in str(d) for name in ours)] == []


def test_choices_are_remembered_and_a_branch_replaces_a_chosen_region(
    session_factory: sessionmaker[Session],
) -> None:
    with session_factory.begin() as session:
        svc.set_region(session, "U1", Region.ASIA_PACIFIC, NOW)
    with session_factory.begin() as session:
        assert svc.decide_region(svc.member_choice(session, "U1"), ORG, None).region is Region.ASIA_PACIFIC
        svc.set_branch(session, "U1", "france", NOW)
    with session_factory.begin() as session:
        decision = svc.decide_region(svc.member_choice(session, "U1"), ORG, "Asia/Tokyo")
        assert (decision.region, decision.source) == (Region.EUROPE_AFRICA_MIDDLE_EAST, "branch")
        svc.set_region(session, "U1", Region.AMERICAS, NOW)
    with session_factory.begin() as session:
        assert svc.decide_region(svc.member_choice(session, "U1"), ORG, None).region is Region.AMERICAS


def test_the_first_to_take_a_question_owns_it(session_factory: sessionmaker[Session]) -> None:
    with session_factory.begin() as session:
        question_id = ask(session).id
        svc.mark_delivered(session, question_id)
    with session_factory.begin() as session:
        assert svc.claim(session, question_id, "U0AP2", NOW)
    with session_factory.begin() as session:
        assert not svc.claim(session, question_id, "U0AP1", NOW)
        assert svc.mark_answered(session, question_id, "U0AP1", NOW + timedelta(hours=1))
    with session_factory() as session:
        question = session.get_one(Question, question_id)
        assert (question.status, question.claimed_by, question.answered_by) == ("answered", "U0AP2", "U0AP1")
        assert question.claimed_at == NOW
    with session_factory.begin() as session:
        assert not svc.mark_answered(session, question_id, "U0AP1", NOW)
        assert svc.reroute(session, question_id, Region.AMERICAS, "U0AP1", NOW) is None


def test_answering_an_unclaimed_question_also_takes_it(session_factory: sessionmaker[Session]) -> None:
    with session_factory.begin() as session:
        question_id = ask(session).id
    with session_factory.begin() as session:
        assert svc.mark_answered(session, question_id, "U0AP1", NOW)
    with session_factory() as session:
        assert session.get_one(Question, question_id).claimed_by == "U0AP1"


def test_rerouting_starts_a_new_stage_unclaimed(session_factory: sessionmaker[Session]) -> None:
    with session_factory.begin() as session:
        question = ask(session)
        question_id, first_stage = question.id, svc.stage_of(question)
        svc.claim(session, question_id, "U0AP1", NOW)
    later = NOW + timedelta(hours=2)
    with session_factory.begin() as session:
        moved = svc.reroute(session, question_id, Region.AMERICAS, "U0AP1", later)
        assert moved is not None
        assert (moved.region, moved.status, moved.claimed_by, moved.reroutes) == (
            "americas",
            "waiting",
            None,
            1,
        )
        assert svc.stage_of(moved) != first_stage
        assert svc.escalation_due(moved, ORG) == later + timedelta(hours=24)
        assert svc.reroute(session, question_id, Region.AMERICAS, "U0AM", later) is None  # already there


def test_an_unrouted_question_gets_the_region_once(session_factory: sessionmaker[Session]) -> None:
    with session_factory.begin() as session:
        question = ask(session, tz="Etc/UTC")
        assert (question.status, question.region) == ("unrouted", None)
        question_id = question.id
    with session_factory.begin() as session:
        routed = svc.give_region(session, question_id, Region.AMERICAS, "you chose it", NOW)
        assert routed is not None and routed.status == "waiting"
        assert svc.give_region(session, question_id, Region.ASIA_PACIFIC, "again", NOW) is None


def test_escalation_is_recorded_once_and_never_for_a_taken_question(
    session_factory: sessionmaker[Session],
) -> None:
    with session_factory.begin() as session:
        first, second = ask(session).id, ask(session, asker="U2").id
        svc.claim(session, second, "U0AP1", NOW)
    with session_factory.begin() as session:
        assert svc.mark_escalated(session, first, NOW) is not None
        assert svc.mark_escalated(session, first, NOW) is None
        assert svc.mark_escalated(session, second, NOW) is None


def test_open_questions_oldest_first_by_region(session_factory: sessionmaker[Session]) -> None:
    with session_factory.begin() as session:
        newer = ask(session, asker="U1", at=NOW + timedelta(hours=1)).id
        older = ask(session, asker="U2", at=NOW).id
        americas = ask(session, asker="U3", tz="America/Lima").id
        unrouted = ask(session, asker="U4", tz=None).id
        done = ask(session, asker="U5").id
        svc.mark_answered(session, done, "U0AP1", NOW)
    with session_factory() as session:
        assert [q.id for q in svc.open_questions(session, [Region.ASIA_PACIFIC])] == [older, newer]
        everything = [q.id for q in svc.open_questions(session, None)]
        assert set(everything) == {older, newer, americas, unrouted}
        assert [q.id for q in svc.waiting_questions(session, Region.AMERICAS)] == [americas]


def test_a_delivery_is_reserved_once_and_a_stale_reservation_can_be_taken_over(
    session_factory: sessionmaker[Session],
) -> None:
    with session_factory.begin() as session:
        question_id = ask(session).id
        session.add(deliveries.new_reservation(question_id, "asia-pacific#0", "U0AP1", NOW))
    with pytest.raises(IntegrityError), session_factory.begin() as session:
        session.add(deliveries.new_reservation(question_id, "asia-pacific#0", "U0AP1", NOW))
    with session_factory.begin() as session:
        held = deliveries.find_delivery(session, question_id, "asia-pacific#0", "U0AP1")
        assert held is not None
        assert not deliveries.take_over_stale(session, held.id, NOW + timedelta(minutes=1))
        assert deliveries.take_over_stale(session, held.id, NOW + timedelta(minutes=6))
        deliveries.record_sent(session, held.id, "D0AP1", "1.0001")
    with session_factory.begin() as session:
        assert [d.ts for d in deliveries.sent_messages(session, question_id)] == ["1.0001"]
        assert not deliveries.take_over_stale(session, held.id, NOW + timedelta(hours=1))  # sent: never again
        deliveries.release(session, held.id)  # only a reservation can be released
        assert deliveries.find_delivery(session, question_id, "asia-pacific#0", "U0AP1") is not None


# Data rights -----------------------------------------------------------------------------------


def test_export_member_data(session_factory: sessionmaker[Session]) -> None:
    with session_factory.begin() as session:
        svc.set_branch(session, "U0MEMBER", "france", NOW)
        mine = ask(session).id
        theirs = ask(session, asker="U0OTHER").id
        svc.claim(session, theirs, "U0MEMBER", NOW)
    with session_factory() as session:
        data = svc.export_member_data(session, "U0MEMBER")
    assert data["region_choice"]["branch"] == "france"
    assert [q["id"] for q in data["questions_asked"]] == [mine]
    assert data["questions_asked"][0]["question"] == "question from U0MEMBER"
    assert data["questions_handled"] == [
        {
            "id": theirs,
            "region": "asia-pacific",
            "claimed": True,
            "answered": False,
            "claimed_at": NOW.isoformat(),
            "answered_at": None,
        }
    ]
    assert "question from U0OTHER" not in str(data)  # another member's words are theirs


def test_forget_member(session_factory: sessionmaker[Session]) -> None:
    with session_factory.begin() as session:
        svc.set_region(session, "U0MEMBER", Region.AMERICAS, NOW)
        mine = ask(session)
        JobQueue.schedule(session, kind="questions.escalate", key=svc.escalation_job_key(mine.id), due_at=NOW)
        session.add(deliveries.new_reservation(mine.id, "americas#0", "U0AM", NOW))
        theirs = ask(session, asker="U0OTHER").id
        svc.mark_answered(session, theirs, "U0MEMBER", NOW)
        session.add(deliveries.new_reservation(theirs, "americas#0", "U0MEMBER", NOW))
        admin_alerts.note(session, svc.unreachable_alert_key(Region.AMERICAS, "U0MEMBER"), NOW)
    with session_factory.begin() as session:
        kept = svc.forget_member(session, "U0MEMBER", NOW)
    assert [what for what, _why in kept] == [
        "1 other members' question(s) you took or answered, without your name",
        "messages already sent in Slack about these questions",
    ]
    assert all(why for _what, why in kept)
    with session_factory() as session:
        assert session.get(MemberRegion, "U0MEMBER") is None
        assert session.scalars(select(Question).where(Question.asker_id == "U0MEMBER")).all() == []
        other = session.get_one(Question, theirs)
        assert (other.claimed_by, other.answered_by, other.status) == (None, None, "answered")
        assert session.scalars(select(QuestionDelivery)).all() == []
        # The alert about them is the admin alerts' own data (bot/services/member_data.py).
        assert len(session.scalars(select(AdminAlert)).all()) == 1
        job = session.scalars(select(ScheduledJob)).one()
        assert job.status == "cancelled"
        assert svc.export_member_data(session, "U0MEMBER") == {
            "region_choice": None,
            "questions_asked": [],
            "questions_sent_to_you": [],
            "questions_you_moved": [],
            "questions_handled": [],
        }


def test_forgetting_someone_with_nothing_keeps_nothing(session_factory: sessionmaker[Session]) -> None:
    with session_factory.begin() as session:
        assert svc.forget_member(session, "U0NOBODY", NOW) == []


# Held for the asker's consent (a region's channel) ------------------------------------------------


def test_a_region_channel_is_where_others_read_the_question_only_while_it_has_a_coordinator() -> None:
    with_channel = org(
        regions={
            "americas": {"coordinator": "U0AM", "channel": "C0AMQ"},
            "europe-africa-middle-east": {"coordinator": [], "channel": "C0EUQ"},
        }
    )
    assert svc.goes_to_channel(with_channel, Region.AMERICAS) == "C0AMQ"
    assert svc.goes_to_channel(with_channel, Region.EUROPE_AFRICA_MIDDLE_EAST) is None  # vacant: DMs
    assert svc.goes_to_channel(with_channel, None) is None
    assert svc.goes_to_channel(ORG, Region.AMERICAS) is None


def test_a_held_question_is_sent_or_cancelled_once_and_only_by_its_asker(
    session_factory: sessionmaker[Session],
) -> None:
    later = NOW + timedelta(minutes=3)
    with session_factory.begin() as session:
        decision = svc.decide_region(None, ORG, "America/Lima")
        held = svc.create_question(
            session, asker_id="U0MEMBER", text="q", decision=decision, asker_tz=None, now=NOW, unsent=True
        )
        other = svc.create_question(
            session, asker_id="U0MEMBER", text="r", decision=decision, asker_tz=None, now=NOW, unsent=True
        )
        assert held.status == svc.UNSENT
        assert svc.open_questions_page(session, None, 20)[1] == 0  # no coordinator sees it
    with session_factory.begin() as session:
        assert svc.send_unsent(session, held.id, "U0OTHER", later) is None
        assert svc.cancel_unsent(session, held.id, "U0OTHER") is False
        sent = svc.send_unsent(session, held.id, "U0MEMBER", later)
        assert sent is not None and sent.status == svc.WAITING and sent.asked_at == later
        assert svc.send_unsent(session, held.id, "U0MEMBER", later) is None  # a second press
        assert svc.cancel_unsent(session, held.id, "U0MEMBER") is False  # sent: not cancelled
        assert svc.cancel_unsent(session, other.id, "U0MEMBER") is True
        assert svc.get_question(session, other.id) is None
        assert svc.send_unsent(session, other.id, "U0MEMBER", later) is None
