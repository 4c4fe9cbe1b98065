"""The use cases of a question's delivery (bot/flows/question_delivery.py, question_jobs.py):
each takes the session, the time where it needs one and typed input, and returns a typed
outcome; nothing here knows Slack. The flow renders, talks to Slack (bot/deliver.py) between
them, and records what Slack did with another use case, so no Slack call waits inside a
transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from bot.config import OrgConfig
from bot.services import admin_alerts
from bot.services import question_deliveries as deliveries
from bot.services import questions as svc
from bot.services.outcomes import Skip
from bot.services.tz_regions import Region
from models.questions import Question, QuestionDelivery


@dataclass(frozen=True)
class Deliver:
    """A waiting or open question to send to its region's coordinators at ``stage``."""

    question: Question
    region: Region
    stage: str
    since: datetime  # when it was routed (or asked): a channel's history is searched from here
    channel_ok: bool  # the asker was told a region's channel shows it to everyone there


def to_deliver(session: Session, question_id: int) -> Deliver | Skip:
    """What delivering question ``question_id`` means now: Skip when it is gone, has no
    region, or is claimed, answered or held unsent."""
    question = svc.get_question(session, question_id)
    if question is None:
        return Skip("gone")
    if question.region is None:
        return Skip("no region")
    if question.status not in (svc.WAITING, svc.OPEN):
        return Skip(question.status)
    return Deliver(
        question,
        Region(question.region),
        svc.stage_of(question),
        question.routed_at or question.asked_at,
        question.channel_ok,
    )


@dataclass(frozen=True)
class Escalate:
    """An unclaimed question to send to the Vice Chair (Membership) at ``stage``."""

    question: Question
    region: Region | None
    stage: str
    asker: str


def to_escalate(session: Session, question_id: int) -> Escalate | Skip:
    """What escalating question ``question_id`` means now: Skip when it is gone or taken."""
    question = svc.get_question(session, question_id)
    if question is None:
        return Skip("gone")
    if question.status not in svc.UNCLAIMED:
        return Skip(question.status)
    return Escalate(
        question,
        Region(question.region) if question.region else None,
        f"{svc.ESCALATION_STAGE}#{question.reroutes}",
        question.asker_id,
    )


@dataclass(frozen=True)
class Sent:
    """A question and the messages Slack holds of it (delivery rows with channel and ts)."""

    question: Question
    messages: list[QuestionDelivery]


def sent_messages(session: Session, question_id: int) -> Sent | Skip:
    """Every message carrying question ``question_id``, to redraw; Skip when it is gone."""
    question = svc.get_question(session, question_id)
    if question is None:
        return Skip("gone")
    return Sent(question, deliveries.sent_messages(session, question_id))


def asker_of(session: Session, question_id: int) -> str | None:
    """The asker's Slack user id; None when the question is gone."""
    question = svc.get_question(session, question_id)
    return question.asker_id if question else None


@dataclass(frozen=True)
class Asked:
    """A stored question; ``held_for`` the channel it waits to be posted in with its asker's
    consent (None: it goes on at once)."""

    question: Question
    decision: svc.RegionDecision
    held_for: str | None


def ask(
    session: Session,
    org: OrgConfig,
    now: datetime,
    *,
    asker_id: str,
    text: str,
    tz: str | None,
    tz_error: str | None,
    confirm: bool,
    warned: bool,
) -> Asked:
    """A member's question, stored with the region decided for it (questions.decide_region).
    ``confirm``: a question for a region's channel is held for the asker's Send (``held_for``);
    ``warned``: the asker was told a region's channel shows it to everyone there."""
    decision = svc.decide_region(svc.member_choice(session, asker_id), org, tz, tz_error)
    channel = svc.goes_to_channel(org, decision.region) if confirm else None
    question = svc.create_question(
        session,
        asker_id=asker_id,
        text=text,
        decision=decision,
        asker_tz=tz,
        now=now,
        unsent=channel is not None,
        # A member asked for their region is told which regions post in a channel first.
        channel_ok=warned or decision.region is None,
    )
    return Asked(question, decision, channel if decision.region is not None else None)


def schedule_waiting(session: Session, org: OrgConfig, now: datetime) -> list[int]:
    """At start: each question waiting in a region that now has a coordinator gets a delivery
    job due ``now``, and the region's vacancy alert is cleared. Returns the questions' ids."""
    scheduled: list[int] = []
    for region in Region:
        if not svc.coordinators(org, region):
            continue
        admin_alerts.clear(session, svc.vacancy_alert_key(region))
        for question in svc.waiting_questions(session, region):
            svc.DELIVER.schedule(session, question.id, due_at=now, payload={"question_id": question.id})
            scheduled.append(question.id)
    return scheduled
