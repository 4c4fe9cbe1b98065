"""What an organisation change means for work already planned, beyond re-running the planners
(meetings, the digest, elections, questions waiting for a coordinator: see bot/runtime.py)."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from bot.config import OrgConfig
from bot.services import questions
from models.questions import Question


def escalation_changed(before: OrgConfig, after: OrgConfig) -> bool:
    return before.escalate_after != after.escalate_after


def awaiting_escalation(session_factory: sessionmaker[Session]) -> list[Question]:
    """Unclaimed questions not yet sent to the Vice Chair: their escalation clock follows
    `escalate_after`, so a change of it moves their escalation."""
    with session_factory() as session:
        found = [q for q in questions.open_questions(session, None) if q.status in questions.UNCLAIMED]
        return [q for q in found if q.escalated_at is None and q.region is not None]
