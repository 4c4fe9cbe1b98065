"""The use cases of a question's delivery, on SQLite and on PostgreSQL: what delivering,
escalating or redrawing a question means now (or Skip, and why), asking, and the questions
scheduled at start."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.services import admin_alerts
from bot.services import question_deliveries as deliveries
from bot.services import question_flow as flow
from bot.services import questions as svc
from bot.services.outcomes import Skip
from bot.services.tz_regions import Region
from models.foundation import ScheduledJob
from tests.services.test_questions_service import NOW, ORG, ask, org

NEW_YORK = "America/New_York"  # Americas: a coordinator
PARIS = "Europe/Paris"  # Europe, Africa and the Middle East: none


def test_a_missing_unrouted_or_taken_question_is_not_delivered(
    session_factory: sessionmaker[Session],
) -> None:
    with session_factory.begin() as session:
        assert flow.to_deliver(session, 404) == Skip("gone")
        unrouted = ask(session, "U0LOST", tz=None).id
        assert flow.to_deliver(session, unrouted) == Skip("no region")
        taken = ask(session, "U0TAKEN", tz=NEW_YORK).id
        assert svc.claim(session, taken, "U0AM", NOW)
        assert flow.to_deliver(session, taken) == Skip(svc.CLAIMED)
        unsent = svc.create_question(
            session,
            asker_id="U0HELD",
            text="held",
            decision=svc.decide_region(None, ORG, NEW_YORK),
            asker_tz=NEW_YORK,
            now=NOW,
            unsent=True,
        ).id
        assert flow.to_deliver(session, unsent) == Skip(svc.UNSENT)


def test_a_waiting_question_is_delivered_at_its_stage_from_when_it_was_routed(
    session_factory: sessionmaker[Session],
) -> None:
    with session_factory.begin() as session:
        question = ask(session, tz=NEW_YORK, at=NOW - timedelta(hours=1))
        plan = flow.to_deliver(session, question.id)
        assert isinstance(plan, flow.Deliver)
        assert (plan.region, plan.stage, plan.since, plan.channel_ok) == (
            Region.AMERICAS,
            "americas#0",
            NOW - timedelta(hours=1),
            False,
        )
        svc.mark_delivered(session, question.id)
        assert isinstance(flow.to_deliver(session, question.id), flow.Deliver)  # open: partly delivered


def test_only_an_unclaimed_question_is_escalated(session_factory: sessionmaker[Session]) -> None:
    with session_factory.begin() as session:
        assert flow.to_escalate(session, 404) == Skip("gone")
        question = ask(session, "U0ASKER", tz=None)
        plan = flow.to_escalate(session, question.id)
        assert isinstance(plan, flow.Escalate)
        assert (plan.region, plan.stage, plan.asker) == (None, "escalation#0", "U0ASKER")
        routed = ask(session, "U0OTHER", tz=NEW_YORK).id
        assert svc.claim(session, routed, "U0AM", NOW)
        assert flow.to_escalate(session, routed) == Skip(svc.CLAIMED)


def test_the_messages_to_redraw_are_those_slack_holds(session_factory: sessionmaker[Session]) -> None:
    with session_factory.begin() as session:
        assert flow.sent_messages(session, 404) == Skip("gone")
        question = ask(session, tz=NEW_YORK)
        held = deliveries.reserve(session, question.id, "americas#0", "U0AM", NOW)
        assert held is not None
        deliveries.reserve(session, question.id, "americas#0", "U0AM2", NOW)  # never sent
        deliveries.record_sent(session, held, "D0AM", "1.0001")
        sent = flow.sent_messages(session, question.id)
        assert isinstance(sent, flow.Sent) and sent.question.id == question.id
        assert [(m.channel, m.ts) for m in sent.messages] == [("D0AM", "1.0001")]
        assert flow.asker_of(session, question.id) == "U0MEMBER"
        assert flow.asker_of(session, 404) is None


def test_asking_for_a_regions_channel_is_held_only_when_confirmation_is_wanted(
    session_factory: sessionmaker[Session],
) -> None:
    channel_org = org(regions={"americas": {"coordinator": "U0AM", "channel": "C0AMQ"}})

    def asked(session: Session, asker: str, tz: str | None, *, confirm: bool) -> flow.Asked:
        return flow.ask(
            session,
            channel_org,
            NOW,
            asker_id=asker,
            text="?",
            tz=tz,
            tz_error=None,
            confirm=confirm,
            warned=False,
        )

    with session_factory.begin() as session:
        held = asked(session, "U0ONE", NEW_YORK, confirm=True)
        assert held.held_for == "C0AMQ" and held.question.status == svc.UNSENT
        assert held.decision.region is Region.AMERICAS
        sent = asked(session, "U0TWO", NEW_YORK, confirm=False)
        assert sent.held_for is None and sent.question.status == svc.WAITING
        assert not sent.question.channel_ok  # not warned: no channel post yet
        lost = asked(session, "U0LOST", None, confirm=True)  # asked for their region first
        assert lost.held_for is None and lost.question.status == svc.UNROUTED and lost.question.channel_ok


def test_at_start_only_regions_with_a_coordinator_have_their_waiting_questions_scheduled(
    session_factory: sessionmaker[Session],
) -> None:
    with session_factory.begin() as session:
        americas = ask(session, "U0ONE", tz=NEW_YORK).id
        ask(session, "U0TWO", tz=PARIS)  # no coordinator: it keeps waiting
        for region in (Region.AMERICAS, Region.EUROPE_AFRICA_MIDDLE_EAST):
            admin_alerts.note(session, svc.vacancy_alert_key(region), NOW)
        assert flow.schedule_waiting(session, ORG, NOW) == [americas]
        due = session.scalars(select(ScheduledJob.key).where(ScheduledJob.kind == svc.DELIVER.name)).all()
        assert due == [svc.delivery_job_key(americas)]
        assert not admin_alerts.known(session, svc.vacancy_alert_key(Region.AMERICAS))
        assert admin_alerts.known(session, svc.vacancy_alert_key(Region.EUROPE_AFRICA_MIDDLE_EAST))
