"""Reserving a question's delivery before posting, against a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.services import question_deliveries as deliveries
from bot.services import questions
from bot.services.questions import RegionDecision
from bot.services.tz_regions import Region
from models.questions import QuestionDelivery

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
STAGE = "americas#0"


def _question(factory: sessionmaker[Session]) -> int:
    with factory.begin() as session:
        decision = RegionDecision(Region.AMERICAS, "chosen", "you chose it")
        question = questions.create_question(
            session, asker_id="U0MEMBER", text="when is the AGM?", decision=decision, asker_tz=None, now=NOW
        )
        return question.id


def _reserve(factory: sessionmaker[Session], question_id: int, now: datetime) -> int | None:
    with factory.begin() as session:
        return deliveries.reserve(session, question_id, STAGE, "U0AM", now)


def test_only_one_poster_holds_a_reservation_until_it_goes_stale(
    session_factory: sessionmaker[Session],
) -> None:
    question_id = _question(session_factory)
    held = _reserve(session_factory, question_id, NOW)
    assert held is not None
    assert _reserve(session_factory, question_id, NOW + timedelta(minutes=1)) is None
    # The first poster died before recording its message: after the lease, another takes over.
    assert _reserve(session_factory, question_id, NOW + timedelta(minutes=6)) == held
    with session_factory() as session:
        rows = session.scalars(select(QuestionDelivery)).all()
        assert [(row.id, row.status, row.reserved_at) for row in rows] == [
            (held, "reserved", NOW + timedelta(minutes=6))
        ]


def test_a_recipient_already_served_is_never_reserved_again(session_factory: sessionmaker[Session]) -> None:
    question_id = _question(session_factory)
    held = _reserve(session_factory, question_id, NOW)
    assert held is not None
    with session_factory.begin() as session:
        deliveries.record_sent(session, held, "D0AM", "1.0001")
    assert _reserve(session_factory, question_id, NOW + timedelta(days=1)) is None
    with session_factory.begin() as session:
        other_stage = deliveries.reserve(session, question_id, "escalation", "U0AM", NOW)
    assert other_stage is not None and other_stage != held
