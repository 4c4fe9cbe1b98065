"""The election jobs' use cases and the candidate list's: what to announce or remind, closing,
the admins' closing summary, the purge, and what to publish.

Each takes the session, the input and the time (aware UTC) and says what the caller is to do;
the Slack side is bot/flows/election_jobs.py and election_publish.py, which post only after
the session is closed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from sqlalchemy.orm import Session

from bot.services import audit, election_store, nominations
from bot.services.elections import reminder_at
from bot.services.nominations import NominationStatus
from bot.services.outcomes import Skip
from bot.services.position_titles import position_title
from bot.services.roles import RoleCatalog


@dataclass(frozen=True)
class Announcement:
    """The opening announcement to post: `due` is when it first fell due (the opening)."""

    election_id: int
    name: str
    titles: tuple[str, ...]
    closes_at: datetime
    due: datetime


@dataclass(frozen=True)
class Reminder:
    """The reminder before closing; `due` is when it first fell due."""

    election_id: int
    name: str
    closes_at: datetime
    due: datetime


@dataclass(frozen=True)
class Finished:
    """Closing done: the pending erasures carried out, one summary job per admin planned."""

    summaries: int


@dataclass(frozen=True)
class SummaryItem:
    position: str
    candidate: str
    status: NominationStatus
    route: str


@dataclass(frozen=True)
class Summary:
    """The closing summary for one admin (their read recorded in the audit log)."""

    name: str
    closes_at: datetime
    items: tuple[SummaryItem, ...]


@dataclass(frozen=True)
class Purged:
    count: int


@dataclass(frozen=True)
class Candidate:
    position: str
    name: str  # the candidate, "and" the job-share partner
    statement: str


@dataclass(frozen=True)
class CandidateList:
    """The valid candidates of a closed, unpublished election."""

    election_id: int
    name: str
    closes_at: datetime
    candidates: tuple[Candidate, ...]
    # Nominations the returning officer has not checked: not valid, so not in the list.
    left_to_check: int = 0


def announcement(
    session: Session, roles: RoleCatalog, election_id: int, now: datetime
) -> Announcement | Skip:
    """The announcement to post, unless the election is gone, announced or already closed."""
    record = election_store.get(session, election_id)
    if record is None:
        return Skip("no such election")
    if record.announced_at is not None:
        return Skip("announced already")
    if record.closes_at <= now:
        return Skip("closed")
    titles = tuple(position_title(roles, key) for key in record.positions)
    return Announcement(record.id, record.name, titles, record.closes_at, record.opens_at)


def reminder(session: Session, election_id: int, now: datetime, due_at: datetime) -> Reminder | Skip:
    """The reminder to post, unless the election is gone, reminded or closed. `due_at` is the
    job's due time, used when the election has no reminder time of its own."""
    record = election_store.get(session, election_id)
    if record is None:
        return Skip("no such election")
    if record.reminded_at is not None:
        return Skip("reminded already")
    if record.closes_at <= now:
        return Skip("closed")
    due = reminder_at(election_store.to_election(record)) or due_at
    return Reminder(record.id, record.name, record.closes_at, due)


def record_posted(
    session: Session, election_id: int, what: Literal["announced_at", "reminded_at"], now: datetime
) -> None:
    """Stamp the announcement or the reminder as posted (no-op for a deleted election)."""
    record = election_store.get(session, election_id)
    if record is not None:
        setattr(record, what, now)


def finish(session: Session, election_id: int, admins: Sequence[str], now: datetime) -> Finished | Skip:
    """At closing: carry out pending erasure requests, then plan a summary job for each admin
    (one each, so one admin's failed DM neither blocks nor repeats the others'). Once."""
    record = election_store.get(session, election_id)
    if record is None:
        return Skip("no such election")
    if record.summary_sent_at is not None:
        return Skip("finished already")
    if record.closes_at > now:
        return Skip("not closed")
    nominations.forget_flagged(session, record.id)
    for admin in admins:
        election_store.SUMMARY.schedule(
            session, record.id, admin, due_at=now, payload={"election_id": record.id, "admin": admin}
        )
    record.summary_sent_at = now
    return Finished(len(admins))


def summary(
    session: Session, roles: RoleCatalog, election_id: int, admin: str, now: datetime
) -> Summary | Skip:
    """The closing summary for `admin`, their read recorded in the audit log; Skip once the
    nominations are purged."""
    record = election_store.get(session, election_id)
    if record is None:
        return Skip("no such election")
    if record.purged_at is not None:
        return Skip("purged")
    audit.record_admin_read(session, admin, f"closing summary of {record.name}", now)
    items = tuple(
        SummaryItem(
            position_title(roles, n.position_key), n.candidate_name, nominations.status_of(n), n.route
        )
        for n in nominations.list_for_admin(session, record.id)
    )
    return Summary(record.name, record.closes_at, items)


def purge(session: Session, election_id: int, now: datetime) -> Purged | Skip:
    """Delete the election's nominations (retention_days after closing, when the job falls due)."""
    record = election_store.get(session, election_id)
    if record is None:
        return Skip("no such election")
    if record.purged_at is not None:
        return Skip("purged already")
    if record.closes_at.astimezone(UTC) > now:
        return Skip("not closed")  # closing moved later; the purge job was moved with it
    return Purged(nominations.purge_election(session, record, now))


def candidate_list(session: Session, roles: RoleCatalog, name: str, now: datetime) -> CandidateList | Skip:
    """The valid candidates of the closed election `name`, unless it is unknown, still open or
    published already."""
    record = election_store.get_by_name(session, name) if name else None
    if record is None:
        return Skip("no such election")
    if record.published_at is not None:
        return Skip("published already")
    if election_store.state(record, now) != "closed":
        return Skip("not closed")
    listed = [(n, nominations.status_of(n)) for n in nominations.list_for_admin(session, record.id)]
    candidates = tuple(
        Candidate(
            position_title(roles, n.position_key),
            n.candidate_name + (f" and {n.partner_name}" if n.partner_name else ""),
            n.statement,
        )
        for n, status in listed
        if status is NominationStatus.VALID
    )
    unchecked = sum(1 for _, status in listed if status is NominationStatus.TO_CHECK)
    return CandidateList(record.id, record.name, record.closes_at, candidates, unchecked)


def mark_published(session: Session, election_id: int, user_id: str, now: datetime) -> None:
    """Record that `user_id` published the candidate list at `now`."""
    stored = election_store.get(session, election_id)
    if stored is not None:
        stored.published_at = now
        stored.published_by = user_id
