"""The use cases of a nomination's messages (bot/flows/nomination_messages.py): what the
request to a nominator, or a candidate's notice, says and to whom, or why none is due; and
the request recorded once Slack took it. Nothing here knows Slack: the flow renders the
outcome, sends it through bot/deliver.py with no transaction open, then records it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from bot.services import nominations
from bot.services.nomination_submissions import nominator_problem
from bot.services.nominations import NominationStatus
from bot.services.outcomes import Skip
from models.elections import NominationRecord


@dataclass(frozen=True)
class NominatorRequest:
    """The request to nominator ``nominator_slack_id`` to confirm nomination ``nomination_id``."""

    nomination_id: int
    nominator_slack_id: str
    candidate_name: str
    candidate_slack_id: str | None
    submitted_by: str
    position_key: str
    election_name: str
    closes_at: datetime  # UTC


def request_to_send(session: Session, nominator_id: int, now: datetime) -> NominatorRequest | Skip:
    """The request nominator row ``nominator_id`` is due, or Skip: the row is gone, the
    nominator is not on Slack, the request went already, or they can no longer answer it
    (withdrawn, closed, answered: nomination_submissions.nominator_problem)."""
    nominator = nominations.get_nominator(session, nominator_id)
    if nominator is None:
        return Skip("gone")
    if nominator.slack_id is None:
        return Skip("not on Slack")
    if nominator.notified_at is not None:
        return Skip("sent already")
    problem = nominator_problem(nominator, nominator.slack_id, now)
    if problem is not None:
        return Skip(problem)
    n = nominator.nomination
    return NominatorRequest(
        n.id,
        nominator.slack_id,
        n.candidate_name,
        n.candidate_slack_id,
        n.submitted_by,
        n.position_key,
        n.election.name,
        n.election.closes_at,
    )


def record_request_sent(session: Session, nominator_id: int, channel: str, ts: str, now: datetime) -> bool:
    """Slack took the request (DM ``channel``, message ``ts``): kept on the nominator's row
    (nominations.record_request_sent). False when the row went meanwhile (an edit replaced it)."""
    nominator = nominations.get_nominator(session, nominator_id)
    if nominator is None:
        return False
    nominations.record_request_sent(session, nominator, channel, ts, now)
    return True


@dataclass(frozen=True)
class CandidateNotice:
    """A notice for the candidate, sent to ``to``: the candidate, or (not on Slack) whoever
    nominated them."""

    to: str
    position_key: str
    election_name: str
    declined_by: str | None = None  # the nominator who declined (None: not on Slack)


def _notice(n: NominationRecord, declined_by: str | None = None) -> CandidateNotice:
    # A candidate not on Slack hears through whoever nominated them.
    return CandidateNotice(
        n.candidate_slack_id or n.submitted_by, n.position_key, n.election.name, declined_by
    )


def declined_notice(session: Session, nominator_id: int) -> CandidateNotice | Skip:
    """The candidate hears that nominator row ``nominator_id`` declined; Skip when the row is
    gone or no longer declined."""
    nominator = nominations.get_nominator(session, nominator_id)
    if nominator is None:
        return Skip("gone")
    if nominator.status != nominations.DECLINED:
        return Skip(nominator.status)
    return _notice(nominator.nomination, nominator.slack_id)


def valid_notice(session: Session, nomination_id: int) -> CandidateNotice | Skip:
    """The candidate hears that nomination ``nomination_id`` is valid; Skip when it is gone
    or no longer valid (withdrawn, a nominator declined, an edit awaits confirmation)."""
    n = nominations.get(session, nomination_id)
    if n is None:
        return Skip("gone")
    status = nominations.status_of(n)
    if status is not NominationStatus.VALID:
        return Skip(status.value)
    return _notice(n)
