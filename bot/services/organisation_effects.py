"""What an organisation change means for work already planned, beyond re-running the planners
(meetings, the digest, elections, questions waiting for a coordinator: see bot/runtime.py)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from bot.config import OrgConfig
from bot.services import questions
from bot.services.tz_regions import Region
from models.questions import Question


def escalation_changed(before: OrgConfig, after: OrgConfig) -> bool:
    return before.escalate_after != after.escalate_after


def awaiting_escalation(session: Session) -> list[Question]:
    """Unclaimed questions not yet sent to the Vice Chair: their escalation clock follows
    `escalate_after`, so a change of it moves their escalation."""
    found = [q for q in questions.open_questions(session, None) if q.status in questions.UNCLAIMED]
    return [q for q in found if q.escalated_at is None and q.region is not None]


def regions_with_new_coordinators(before: OrgConfig, after: OrgConfig) -> list[Region]:
    """Regions whose coordinators changed and that have one now."""
    return [
        region
        for region in Region
        if questions.coordinators(after, region)
        and set(questions.coordinators(after, region)) != set(questions.coordinators(before, region))
    ]


def unclaimed_delivered(session: Session, regions: list[Region]) -> list[int]:
    """Questions delivered to a region's coordinators that nobody has taken yet: a new
    coordinator gets them too (whoever already has one is not sent it again)."""
    if not regions:
        return []
    return [q.id for q in questions.open_questions(session, regions) if q.status == questions.OPEN]
