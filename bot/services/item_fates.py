"""What became of the item a button is about, in words for the member who pressed it.

A button stays in a message or a list after its item has moved on: a nomination withdrawn,
an election closed, a nomination deleted when its candidate asked to be forgotten or its
election's data was purged, a question erased with its asker's data. Every button answers,
and these are its answers when the item cannot be acted on any more; None means it can.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.orm import Session

from bot.services import nominations
from bot.services.nominations import NominationStatus
from models.elections import NominationRecord
from models.questions import Question

NOMINATION_GONE = (
    "This nomination no longer exists: it was deleted, because the candidate asked for their "
    "data to be erased or the election's nomination data was removed after it closed."
)
QUESTION_GONE = (
    "This question no longer exists: the member who asked it had their data erased, so there "
    "is nothing to take, answer or move."
)
NOMINATOR_GONE = (
    "This request no longer stands: the nomination was changed to name other nominators, or "
    "it was deleted. There is nothing to answer."
)


def _utc(moment: datetime) -> str:
    return f"{moment.astimezone(UTC):%Y-%m-%d %H:%M} UTC"


def nomination_fate(
    nomination: NominationRecord | None, now: datetime, *, changing: bool = True
) -> str | None:
    """Why a nomination cannot be edited, withdrawn or checked now; None when it can.

    ``changing`` is False for the returning officer's Mark as checked, which stays possible
    after closing (the check is of the nomination as it stood)."""
    if nomination is None:
        return NOMINATION_GONE
    if nomination.withdrawn_at is not None:
        return (
            f"This nomination was withdrawn on {_utc(nomination.withdrawn_at)}: "
            "nothing more can be done with it."
        )
    if changing and nominations.election_closed(nomination, now):
        return (
            f"Nominations for {nomination.election.name} closed on {_utc(nomination.election.closes_at)}: "
            "the nomination stands as it was then and can no longer be changed or withdrawn."
        )
    return None


def mark_checked_by_id(
    session: Session, nomination_id: int, by: str, now: datetime
) -> tuple[NominationStatus, str] | str:
    """The returning officer's Mark as checked: (the nomination's status now, its position key),
    or why it cannot be checked (deleted, withdrawn; still awaiting, declined or checked
    already: a button from an older list)."""
    n = nominations.get(session, nomination_id)
    problem = nomination_fate(n, now, changing=False)
    if problem is not None or n is None:
        return problem or NOMINATION_GONE
    status = nominations.status_of(n)
    if status is not NominationStatus.TO_CHECK:
        return f"This nomination is {status.value}: there is nothing to check now."
    return nominations.mark_checked(session, n, by, now), n.position_key


def question_fate(question: Question | None) -> str | None:
    """Why a coordinator's button on a question does nothing now; None when it can act."""
    if question is None:
        return QUESTION_GONE
    return None
