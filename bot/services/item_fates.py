"""What became of the item a button is about, in words for the member who pressed it.

A button stays in a message or a list after its item has moved on: a nomination withdrawn,
an election closed, a nomination deleted when its candidate asked to be forgotten or its
election's data was purged, a question erased with its asker's data. Every button answers,
and these are its answers when the item cannot be acted on any more; None means it can.
"""

from __future__ import annotations

from datetime import UTC, datetime

from bot.services import nominations
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


def question_fate(question: Question | None) -> str | None:
    """Why a coordinator's button on a question does nothing now; None when it can act."""
    if question is None:
        return QUESTION_GONE
    return None
