"""Stored nominations: submit once, edit and withdraw until closing, nominators' answers,
the returning officer's lists, and the member's data rights (export, forget, purge).

Admin reads of personal data go through ``list_for_admin`` and ``export_rows``
(bot/services/nomination_csv.py): the two places to audit.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session, selectinload

from bot.config import OrgConfig
from bot.jobs import JobQueue
from bot.services import election_store
from bot.services.elections import Position, has_closed
from bot.services.nomination_rules import (
    ElectionRules,
    NominationForm,
    Person,
    Route,
    normalise_email,
    normalise_membership_number,
)
from models.elections import ElectionRecord, NominationRecord, NominatorRecord

# Nominator statuses.
AWAITING = "awaiting"
CONFIRMED = "confirmed"
DECLINED = "declined"
TO_CHECK = "to_check"

NOTIFY_JOB = "nominations.notify"
DECLINED_JOB = "nominations.declined"
VALID_JOB = "nominations.valid"


class NominationStatus(enum.StrEnum):
    AWAITING = "awaiting nominators"
    TO_CHECK = "to be checked by the returning officer"
    VALID = "valid"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"


NOMINATOR_LABELS = {
    AWAITING: "awaiting confirmation",
    CONFIRMED: "confirmed",
    DECLINED: "declined",
    TO_CHECK: "to be checked by the returning officer",
}


def status_of(nomination: NominationRecord) -> NominationStatus:
    if nomination.withdrawn_at is not None:
        return NominationStatus.WITHDRAWN
    statuses = [n.status for n in nomination.nominators]
    if DECLINED in statuses:
        return NominationStatus.DECLINED
    if AWAITING in statuses:
        return NominationStatus.AWAITING
    needs_check = nomination.route == Route.BRANCH or TO_CHECK in statuses
    if needs_check and nomination.checked_at is None:
        return NominationStatus.TO_CHECK
    return NominationStatus.VALID


def rules_for(election: ElectionRecord | None, org: OrgConfig) -> ElectionRules:
    return ElectionRules(
        election=election_store.to_election(election) if election is not None else None,
        branches=frozenset(org.branches),
        membership_number_pattern=org.membership_number_pattern,
        membership_number_format=org.membership_number_format,
    )


def position_of(nomination: NominationRecord) -> Position:
    return Position.parse(nomination.position_key)


def candidate_of(nomination: NominationRecord) -> Person:
    return Person(
        nomination.candidate_slack_id,
        nomination.candidate_name,
        nomination.candidate_email,
        nomination.candidate_membership,
    )


def partner_of(nomination: NominationRecord) -> Person | None:
    if not (nomination.partner_slack_id or nomination.partner_name):
        return None
    return Person(
        nomination.partner_slack_id,
        nomination.partner_name or "",
        nomination.partner_email or "",
        nomination.partner_membership or "",
    )


def nominator_person(nominator: NominatorRecord) -> Person:
    return Person(
        nominator.slack_id, nominator.name or "", nominator.email or "", nominator.membership_number or ""
    )


def form_of(nomination: NominationRecord) -> NominationForm:
    """The stored nomination as a form, to prefill the edit modal."""
    by_slot = {n.slot: nominator_person(n) for n in nomination.nominators}
    return NominationForm(
        position=position_of(nomination),
        candidate=candidate_of(nomination),
        statement=nomination.statement,
        route=Route(nomination.route),
        nominators=(by_slot.get(1, Person()), by_slot.get(2, Person())),
        branch=nomination.branch,
        partner=partner_of(nomination),
    )


def _load() -> Any:
    return select(NominationRecord).options(
        selectinload(NominationRecord.nominators), selectinload(NominationRecord.election)
    )


def get(session: Session, nomination_id: int) -> NominationRecord | None:
    return session.scalars(_load().where(NominationRecord.id == nomination_id)).first()


def get_nominator(session: Session, nominator_id: int) -> NominatorRecord | None:
    return session.get(NominatorRecord, nominator_id)


def find_submission(session: Session, submission_key: str) -> NominationRecord | None:
    return session.scalars(_load().where(NominationRecord.submission_key == submission_key)).first()


def can_manage(nomination: NominationRecord, user_id: str) -> bool:
    return user_id in {nomination.candidate_slack_id, nomination.submitted_by}


def find_duplicate(
    session: Session,
    election_id: int,
    position: Position,
    candidate: Person,
    exclude_id: int | None = None,
) -> NominationRecord | None:
    """An active nomination of the same person for the same position."""
    rows = session.scalars(
        select(NominationRecord).where(
            NominationRecord.election_id == election_id,
            NominationRecord.position_key == position.key,
            NominationRecord.withdrawn_at.is_(None),
        )
    )
    email = normalise_email(candidate.email)
    number = normalise_membership_number(candidate.membership_number)
    for row in rows:
        if row.id == exclude_id:
            continue
        if candidate.slack_id and row.candidate_slack_id == candidate.slack_id:
            return row
        if email and normalise_email(row.candidate_email) == email:
            return row
        if number and normalise_membership_number(row.candidate_membership) == number:
            return row
    return None


def _clean(text: str) -> str:
    return " ".join(text.split())


def _apply_form(nomination: NominationRecord, form: NominationForm) -> None:
    assert form.position is not None and form.route is not None
    nomination.position_key = form.position.key
    nomination.candidate_slack_id = form.candidate.slack_id
    nomination.candidate_name = _clean(form.candidate.name)
    nomination.candidate_email = form.candidate.email.strip()
    nomination.candidate_membership = normalise_membership_number(form.candidate.membership_number)
    nomination.statement = form.statement.strip()
    nomination.route = form.route.value
    nomination.branch = form.branch if form.route is Route.BRANCH else None
    partner = form.partner if form.partner is not None and not form.partner.is_blank else None
    nomination.partner_slack_id = partner.slack_id if partner else None
    nomination.partner_name = _clean(partner.name) if partner else None
    nomination.partner_email = partner.email.strip() if partner else None
    nomination.partner_membership = (
        normalise_membership_number(partner.membership_number) if partner else None
    )


def _nominator_row(slot: int, person: Person) -> NominatorRecord:
    if person.slack_id:
        # Their details come from them, when they confirm.
        return NominatorRecord(slot=slot, slack_id=person.slack_id, status=AWAITING, forget_at_close=False)
    return NominatorRecord(
        slot=slot,
        name=_clean(person.name),
        email=person.email.strip(),
        membership_number=normalise_membership_number(person.membership_number),
        status=TO_CHECK,
        forget_at_close=False,
    )


def _same_nominator(row: NominatorRecord, person: Person) -> bool:
    if person.slack_id or row.slack_id:
        return row.slack_id == person.slack_id
    return (
        normalise_email(row.email or "") == normalise_email(person.email)
        and normalise_membership_number(row.membership_number or "")
        == normalise_membership_number(person.membership_number)
        and _clean(row.name or "") == _clean(person.name)
    )


def _message_job(session: Session, kind: str, key: str, now: datetime, **payload: int) -> None:
    """A message to send now, as a durable job: retried until it is delivered, sent once."""
    JobQueue.schedule(session, kind=kind, key=f"{kind}:{key}", due_at=now, payload=payload)


def _schedule_requests(session: Session, rows: Sequence[NominatorRecord], now: datetime) -> None:
    """The DM to each nominator on Slack, as a durable job: retried until it is delivered."""
    for row in rows:
        if row.slack_id and row.status == AWAITING:
            _message_job(session, NOTIFY_JOB, f"{row.id}", now, nominator_id=row.id)


def submit(
    session: Session,
    form: NominationForm,
    election: ElectionRecord,
    *,
    submitted_by: str,
    submission_key: str,
    now: datetime,
) -> NominationRecord:
    """Store a checked form (``validate`` returned no errors) and ask its nominators.

    The submission key is unique: a second insert for the same modal fails at commit.
    """
    nomination = NominationRecord(
        election_id=election.id,
        submission_key=submission_key,
        submitted_by=submitted_by,
        created_at=now,
        updated_at=now,
        forget_at_close=False,
    )
    _apply_form(nomination, form)
    if form.route is Route.MEMBERS:
        nomination.nominators = [
            _nominator_row(slot, person) for slot, person in enumerate(form.nominators, start=1)
        ]
    session.add(nomination)
    session.flush()
    _schedule_requests(session, nomination.nominators, now)
    return nomination


def update(session: Session, nomination: NominationRecord, form: NominationForm, now: datetime) -> None:
    """Apply an edit. Nominators who are the same keep their answer, unless the position
    changed (they agreed to nominate for one post, not any); new ones are asked."""
    position_changed = form.position != position_of(nomination)
    _apply_form(nomination, form)
    nomination.updated_at = now
    if form.route is not Route.MEMBERS:
        nomination.nominators.clear()
        session.flush()
        return
    by_slot = {row.slot: row for row in nomination.nominators}
    for slot, person in enumerate(form.nominators, start=1):
        row = by_slot.get(slot)
        if row is not None and _same_nominator(row, person) and not position_changed:
            continue
        if row is not None:
            nomination.nominators.remove(row)
            session.flush()  # the (nomination, slot) pair is unique
        nomination.nominators.append(_nominator_row(slot, person))
    nomination.nominators.sort(key=lambda row: row.slot)
    session.flush()
    _schedule_requests(session, nomination.nominators, now)


def withdraw(nomination: NominationRecord, now: datetime) -> None:
    if nomination.withdrawn_at is None:
        nomination.withdrawn_at = now
        nomination.updated_at = now


def confirm(session: Session, nominator: NominatorRecord, details: Person, now: datetime) -> NominationStatus:
    nominator.name = _clean(details.name)
    nominator.email = details.email.strip()
    nominator.membership_number = normalise_membership_number(details.membership_number)
    nominator.status = CONFIRMED
    nominator.responded_at = now
    session.flush()
    nomination = nominator.nomination
    status = status_of(nomination)
    if status is NominationStatus.VALID:
        _schedule_valid(session, nomination, now)
    return status


def decline(session: Session, nominator: NominatorRecord, now: datetime) -> None:
    nominator.status = DECLINED
    nominator.responded_at = now
    _message_job(session, DECLINED_JOB, f"{nominator.id}", now, nominator_id=nominator.id)


def mark_checked(session: Session, nomination: NominationRecord, by: str, now: datetime) -> NominationStatus:
    """The returning officer has checked the branch or the nominators not on Slack."""
    nomination.checked_at = now
    nomination.checked_by = by
    status = status_of(nomination)
    if status is NominationStatus.VALID:
        _schedule_valid(session, nomination, now)
    return status


def _schedule_valid(session: Session, nomination: NominationRecord, now: datetime) -> None:
    stamp = int(nomination.updated_at.timestamp())
    _message_job(session, VALID_JOB, f"{nomination.id}:{stamp}", now, nomination_id=nomination.id)


def election_closed(nomination: NominationRecord, now: datetime) -> bool:
    return has_closed(election_store.to_election(nomination.election), now)


# Lists --------------------------------------------------------------------------------


def mine(session: Session, user_id: str) -> list[NominationRecord]:
    """Nominations a member is the candidate of, or made."""
    return list(
        session.scalars(
            _load()
            .where(
                or_(NominationRecord.candidate_slack_id == user_id, NominationRecord.submitted_by == user_id)
            )
            .order_by(NominationRecord.id)
        )
    )


def list_for_admin(
    session: Session, election_id: int | None = None, role_key: str | None = None
) -> list[NominationRecord]:
    """Every nomination, for the returning officer (personal data: admins only, in DMs)."""
    query = _load().order_by(NominationRecord.election_id, NominationRecord.position_key, NominationRecord.id)
    if election_id is not None:
        query = query.where(NominationRecord.election_id == election_id)
    rows: list[NominationRecord] = list(session.scalars(query))
    if role_key is not None:
        rows = [row for row in rows if position_of(row).role_key == role_key]
    return rows


@dataclass(frozen=True)
class StatusCount:
    position_key: str
    counts: dict[NominationStatus, int]


def counts_by_position(session: Session, election: ElectionRecord) -> list[StatusCount]:
    """How many nominations each position has, by status: no personal data."""
    found: dict[str, dict[NominationStatus, int]] = {key: {} for key in election.positions}
    for row in list_for_admin(session, election.id):
        bucket = found.setdefault(row.position_key, {})
        status = status_of(row)
        bucket[status] = bucket.get(status, 0) + 1
    return [StatusCount(key, counts) for key, counts in found.items()]


# Data rights --------------------------------------------------------------------------


def _nomination_data(row: NominationRecord) -> dict[str, Any]:
    return {
        "election": row.election.name,
        "position": row.position_key,
        "status": status_of(row).value,
        "candidate": asdict(candidate_of(row)),
        "statement": row.statement,
        "route": row.route,
        "branch": row.branch,
        "job_share_partner": asdict(partner) if (partner := partner_of(row)) else None,
        "nominators": [{"slot": n.slot, "slack_id": n.slack_id, "status": n.status} for n in row.nominators],
        "submitted_by": row.submitted_by,
        "created_at": row.created_at.isoformat(),
        "updated_at": row.updated_at.isoformat(),
        "withdrawn_at": row.withdrawn_at.isoformat() if row.withdrawn_at else None,
    }


def export_member_data(session: Session, user_id: str) -> dict[str, Any]:
    """What the nominations hold about a member: as candidate or submitter, and as nominator."""
    as_nominator = session.scalars(
        select(NominatorRecord)
        .options(selectinload(NominatorRecord.nomination).selectinload(NominationRecord.election))
        .where(NominatorRecord.slack_id == user_id)
    )
    return {
        "nominations": [_nomination_data(row) for row in mine(session, user_id)],
        "nominated_others": [
            {
                "election": row.nomination.election.name,
                "position": row.nomination.position_key,
                # Only what they gave and what they answered; the candidate's data is not theirs.
                "candidate_name": row.nomination.candidate_name,
                "your_name": row.name,
                "your_email": row.email,
                "your_membership_number": row.membership_number,
                "status": row.status,
                "responded_at": row.responded_at.isoformat() if row.responded_at else None,
            }
            for row in as_nominator
        ],
    }


def _erase_nominator(row: NominatorRecord) -> None:
    # The nomination keeps the fact that a nominator answered, not who they were.
    row.slack_id = row.name = row.email = row.membership_number = None
    row.dm_channel = row.dm_ts = None


def forget_member(session: Session, user_id: str, now: datetime) -> list[tuple[str, str]]:
    """Delete a member's nomination data. Returns what was kept and why: a nomination in an
    election still running is kept until it closes (the close job then deletes it)."""
    kept: list[tuple[str, str]] = []
    for row in mine(session, user_id):
        if row.candidate_slack_id != user_id and row.submitted_by == user_id:
            # Someone else is the candidate: keep their nomination, drop who typed it in.
            row.submitted_by = "forgotten"
            continue
        if election_closed(row, now):
            session.delete(row)
            continue
        row.forget_at_close = True
        kept.append(
            (
                f"nomination for {row.position_key} in {row.election.name}",
                "the election is still running; it is deleted when nominations close at "
                f"{row.election.closes_at:%Y-%m-%d %H:%M} UTC",
            )
        )
    as_nominator = session.scalars(
        select(NominatorRecord)
        .options(selectinload(NominatorRecord.nomination).selectinload(NominationRecord.election))
        .where(NominatorRecord.slack_id == user_id)
    )
    for nominator in as_nominator:
        nomination = nominator.nomination
        if election_closed(nomination, now):
            _erase_nominator(nominator)
            continue
        nominator.forget_at_close = True
        kept.append(
            (
                f"your nomination of a candidate in {nomination.election.name}",
                "the election is still running and the returning officer needs it to check the "
                "nomination; it is deleted when nominations close",
            )
        )
    session.flush()
    return kept


def forget_flagged(session: Session, election_id: int) -> int:
    """At closing: carry out the requests to be forgotten made while the election ran."""
    rows = list(
        session.scalars(
            select(NominationRecord).where(
                NominationRecord.election_id == election_id, NominationRecord.forget_at_close.is_(True)
            )
        )
    )
    for row in rows:
        session.delete(row)
    nominators = session.scalars(
        select(NominatorRecord)
        .join(NominationRecord)
        .where(NominationRecord.election_id == election_id, NominatorRecord.forget_at_close.is_(True))
    )
    for nominator in nominators:
        _erase_nominator(nominator)
    session.flush()
    return len(rows)


def purge_election(session: Session, election: ElectionRecord, now: datetime) -> int:
    """Delete every nomination of an election (retention_days after it closed)."""
    ids = select(NominationRecord.id).where(NominationRecord.election_id == election.id)
    session.execute(delete(NominatorRecord).where(NominatorRecord.nomination_id.in_(ids)))
    result = session.execute(delete(NominationRecord).where(NominationRecord.election_id == election.id))
    election.purged_at = now
    session.expire(election, ["nominations"])
    return int(result.rowcount)  # type: ignore[attr-defined]
