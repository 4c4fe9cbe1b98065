"""Stored nominations: submit once, edit and withdraw until closing, nominators' answers,
the returning officer's lists, and the member's data rights (export, forget, purge).

Admin reads of personal data go through ``list_for_admin`` and ``export_rows``
(bot/services/nomination_csv.py): the two places to audit.
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import BindParameter, Select, String, and_, bindparam, delete, func, or_, select
from sqlalchemy.orm import Session, aliased, selectinload, subqueryload

from bot.config import OrgConfig
from bot.jobs import JobKind
from bot.services import election_store
from bot.services.elections import POSITION_SEPARATOR, Position, has_closed
from bot.services.nomination_rules import (
    ElectionRules,
    NominationForm,
    Person,
    Route,
    candidate_texts,
    clean_email,
    normalise_email,
    normalise_membership_number,
    stored_compare_form,
    with_candidate_texts,
)
from bot.services.rows import add_unless_raced
from models.base import personal_columns
from models.elections import ElectionRecord, NominationRecord, NominatorRecord
from models.foundation import ScheduledJob

# Nominator statuses.
AWAITING = "awaiting"
CONFIRMED = "confirmed"
DECLINED = "declined"
TO_CHECK = "to_check"

# The messages a nomination sends, as durable jobs, declared once (bot/jobs.py JobKind).
# A nominator asked to confirm: one request DM per nomination and person (not per row, which
# an edit may replace); the payload names the current row.
NOTIFY_JOB = JobKind("nominations.notify", ("nomination_id", "slack_id"))
DECLINED_JOB = JobKind("nominations.declined", ("nominator_id",))  # the candidate told of a decline
VALID_JOB = JobKind("nominations.valid", ("nomination_id", "stamp"))  # the candidate told it is valid

# A form that matches another member's nomination for the same position. It says neither which
# detail matched (Slack account, email, membership number) nor whose: the form must not tell
# anyone whether an email address or number belongs to a candidate.
DUPLICATE_REFUSED = (
    "This form cannot be accepted: it matches a nomination already made for this position. "
    "If you believe it is right, ask the returning officer."
)

# A request DM's buttons carry `nomination:<id>:<user>`: the clicker's row in it is what they answer.
REQUEST_PREFIX = "nomination:"

# Stands in for a member's Slack id once they have asked to be forgotten.
FORGOTTEN = "forgotten"


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
    statuses = [n.status for n in nomination.nominators]
    return status_from(nomination.withdrawn_at, nomination.checked_at, statuses)


def status_from(
    withdrawn_at: datetime | None, checked_at: datetime | None, statuses: Sequence[str | None]
) -> NominationStatus:
    """A nomination's status from its stored values and its nominators' statuses (a row read
    without the ORM, as the CSV reads it, gets the same answer as ``status_of``).

    Every nomination is valid only once the returning officer has checked it (the role
    documents: the name, email address and membership number of the candidate and of each
    nominator must be given, which the returning officer checks), whichever way it was
    nominated. So what members see never depends on what that check will find: a guess of a
    hidden detail that matches someone's (nomination_rules.clashes) shows them nothing."""
    if withdrawn_at is not None:
        return NominationStatus.WITHDRAWN
    if DECLINED in statuses:
        return NominationStatus.DECLINED
    if AWAITING in statuses:
        return NominationStatus.AWAITING
    if checked_at is None:
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
    form = NominationForm(
        position=position_of(nomination),
        candidate=candidate_of(nomination),
        statement="",
        route=Route(nomination.route),
        nominators=(by_slot.get(1, Person()), by_slot.get(2, Person())),
        branch=nomination.branch,
        partner=partner_of(nomination),
    )
    return with_candidate_texts(form, candidate_texts(nomination))


def _load() -> Any:
    # The nominators by subquery: one statement however many nominations (selectinload asks
    # again for every 500, so the admins' list and export would grow with the election).
    return select(NominationRecord).options(
        subqueryload(NominationRecord.nominators), selectinload(NominationRecord.election)
    )


def get(session: Session, nomination_id: int) -> NominationRecord | None:
    return session.scalars(_load().where(NominationRecord.id == nomination_id)).first()


def get_nominator(session: Session, nominator_id: int) -> NominatorRecord | None:
    return session.get(NominatorRecord, nominator_id)


_SUBMITTED = select(NominationRecord.id).where(
    NominationRecord.submission_key == bindparam("submission_key", type_=String)
)
"""`find_submission`'s probe, built once (docs/ARCHITECTURE.md, "Statements built once")."""


def find_submission(session: Session, submission_key: str) -> NominationRecord | None:
    """The nomination saved from this form submission (its view id: Slack's retries carry the
    same), or None. Every new nomination asks first, and the answer is almost always None:
    one indexed probe of the id, and the nomination with its nominators loaded only when there
    is one (`_load`'s eager loads cost four times the probe even when nothing matches)."""
    found = session.scalar(_SUBMITTED, {"submission_key": submission_key})
    return None if found is None else get(session, found)


def can_manage(nomination: NominationRecord, user_id: str) -> bool:
    # An empty id must not match an empty field (a candidate not on Slack has none).
    return bool(user_id) and user_id in {nomination.candidate_slack_id, nomination.submitted_by}


def find_duplicate(
    session: Session,
    election_id: int,
    position: Position,
    candidate: Person,
    exclude_id: int | None = None,
) -> NominationRecord | None:
    """An active nomination of the same person for the same position: the same Slack id,
    email address (compared as `normalise_email` compares) or membership number.

    One statement of the four columns compared, whatever the position holds; the matching
    nomination is loaded only when there is one."""
    email = normalise_email(candidate.email)
    number = normalise_membership_number(candidate.membership_number)
    rows = session.execute(
        select(
            NominationRecord.id,
            NominationRecord.candidate_slack_id,
            NominationRecord.candidate_email,
            NominationRecord.candidate_membership,
        ).where(
            NominationRecord.election_id == election_id,
            NominationRecord.position_key == position.key,
            NominationRecord.withdrawn_at.is_(None),
        )
    )
    for row_id, slack_id, stored_email, membership in rows:
        if row_id == exclude_id:
            continue
        if (
            (candidate.slack_id and slack_id == candidate.slack_id)
            or (email and stored_email and stored_compare_form(stored_email) == email)
            or (number and normalise_membership_number(membership) == number)
        ):
            return session.get(NominationRecord, row_id)
    return None


def _clean(text: str) -> str:
    return " ".join(text.split())


def _apply_form(nomination: NominationRecord, form: NominationForm) -> None:
    assert form.position is not None and form.route is not None
    nomination.position_key = form.position.key
    nomination.candidate_slack_id = form.candidate.slack_id
    nomination.candidate_name = _clean(form.candidate.name)
    nomination.candidate_email = clean_email(form.candidate.email)
    nomination.candidate_membership = normalise_membership_number(form.candidate.membership_number)
    for key, value in candidate_texts(form).items():
        setattr(nomination, key, value.strip())
    nomination.route = form.route.value
    nomination.branch = form.branch if form.route is Route.BRANCH else None
    partner = form.partner if form.partner is not None and not form.partner.is_blank else None
    nomination.partner_slack_id = partner.slack_id if partner else None
    nomination.partner_name = _clean(partner.name) if partner else None
    nomination.partner_email = clean_email(partner.email) if partner else None
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
        email=clean_email(person.email),
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


def _message_job(
    session: Session, kind: JobKind, parts: tuple[object, ...], now: datetime, **payload: int
) -> None:
    """A message to send now, as a durable job: retried until it is delivered, sent once."""
    kind.schedule(session, *parts, due_at=now, payload=payload)


def notify_key(nomination_id: int, slack_id: str) -> str:
    """One request DM per person and nomination: the job's key (not the row's id, which an
    edit may replace)."""
    return NOTIFY_JOB.key(nomination_id, slack_id)


def _schedule_requests(session: Session, rows: Sequence[NominatorRecord], now: datetime) -> None:
    """The DM to each nominator on Slack, as a durable job: retried until it is delivered.

    At most one per person and nomination until they answer: a member named again after an
    edit (swapped out and back, moved to the other slot) keeps the DM they already have, whose
    buttons find their current row by nomination and person."""
    for row in rows:
        if not (row.slack_id and row.status == AWAITING) or row.notified_at is not None:
            continue
        key = notify_key(row.nomination_id, row.slack_id)
        job = session.scalars(select(ScheduledJob).where(ScheduledJob.key == key)).one_or_none()
        sent = (job.payload or {}) if job is not None else {}
        if job is not None and job.status == "done" and sent.get("dm_ts"):
            # They have the DM; its buttons find this row.
            row.notified_at = job.finished_at or now
            row.dm_channel, row.dm_ts = sent.get("dm_channel"), sent.get("dm_ts")
            continue
        if job is not None and job.status in {"pending", "running"}:
            job.payload = {**(job.payload or {}), "nominator_id": row.id}
            continue
        if job is not None:
            # Finished without a DM (its row had gone) or given up: ask again, from now.
            session.delete(job)
            session.flush()
        NOTIFY_JOB.schedule(
            session, row.nomination_id, row.slack_id, due_at=now, payload={"nominator_id": row.id}
        )


def record_request_sent(
    session: Session, nominator: NominatorRecord, channel: str, ts: str, now: datetime
) -> None:
    """The request DM went out: kept on the row (to update it on an answer) and on its job (for
    a row that replaces this one after an edit)."""
    nominator.notified_at, nominator.dm_channel, nominator.dm_ts = now, channel, ts
    if nominator.slack_id:
        key = notify_key(nominator.nomination_id, nominator.slack_id)
        job = session.scalars(select(ScheduledJob).where(ScheduledJob.key == key)).one_or_none()
        if job is not None:
            job.payload = {**(job.payload or {}), "dm_channel": channel, "dm_ts": ts}


def _answered(session: Session, nominator: NominatorRecord) -> None:
    """After an answer, a later request (the position changed, say) is a new DM."""
    if nominator.slack_id:
        session.execute(
            delete(ScheduledJob).where(
                ScheduledJob.key == notify_key(nominator.nomination_id, nominator.slack_id)
            )
        )


def cancel_requests(session: Session, nomination: NominationRecord) -> None:
    """Withdraw the requests to the nominators not yet sent (the nomination was withdrawn)."""
    for row in nomination.nominators:
        if row.slack_id:
            NOTIFY_JOB.cancel(session, nomination.id, row.slack_id)


def awaiting_row(session: Session, nomination_id: int, slack_id: str) -> NominatorRecord | None:
    """The member's current row in a nomination: what a request DM's buttons act on."""
    return session.scalars(
        select(NominatorRecord).where(
            NominatorRecord.nomination_id == nomination_id, NominatorRecord.slack_id == slack_id
        )
    ).first()


def submit(
    session: Session,
    form: NominationForm,
    election: ElectionRecord,
    *,
    submitted_by: str,
    submission_key: str,
    now: datetime,
) -> tuple[NominationRecord, bool]:
    """Store a checked form (``validate`` returned no errors) and ask its nominators:
    (the nomination, True). The submission key is unique: when another delivery of the same
    modal stored it first, (that nomination, False), and nothing is stored or asked again.
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
    saved = add_unless_raced(session, nomination, lambda: find_submission(session, submission_key))
    if saved is not nomination:
        return saved, False
    _schedule_requests(session, nomination.nominators, now)
    return nomination, True


def update(session: Session, nomination: NominationRecord, form: NominationForm, now: datetime) -> None:
    """Apply an edit. Nominators who are the same keep their answer, unless the position
    changed (they agreed to nominate for one post, not any); new ones are asked.

    The returning officer checks an edited nomination again, whatever changed: were it only
    when the details changed, an editor typing a guess of a detail kept from them would see the
    nomination stay valid when the guess is right (nomination_visibility)."""
    position_changed = form.position != position_of(nomination)
    _apply_form(nomination, form)
    nomination.updated_at = now
    nomination.checked_at = nomination.checked_by = None
    if form.route is not Route.MEMBERS:
        nomination.nominators.clear()
        session.flush()
        return
    # A nominator named again keeps their row (and answer), whichever slot they are in now.
    unused = list(nomination.nominators)
    kept: dict[int, NominatorRecord] = {}
    for slot, person in enumerate(form.nominators, start=1):
        match = None if position_changed else next((r for r in unused if _same_nominator(r, person)), None)
        if match is not None:
            kept[slot] = match
            unused.remove(match)
    for row in unused:
        nomination.nominators.remove(row)
    session.flush()  # the (nomination, slot) pair is unique: free the slots first
    for slot, row in kept.items():
        row.slot = -slot
    session.flush()
    for slot, person in enumerate(form.nominators, start=1):
        if slot in kept:
            kept[slot].slot = slot
        else:
            nomination.nominators.append(_nominator_row(slot, person))
    nomination.nominators.sort(key=lambda row: row.slot)
    session.flush()
    _schedule_requests(session, nomination.nominators, now)


def withdraw(nomination: NominationRecord, now: datetime) -> None:
    if nomination.withdrawn_at is None:
        nomination.withdrawn_at = now
        nomination.updated_at = now


def confirm(session: Session, nominator: NominatorRecord, details: Person, now: datetime) -> None:
    """The nominator's answer and own details. The returning officer checks them, with the rest
    of the nomination, before it is valid: a check made before this answer does not cover it."""
    nominator.name = _clean(details.name)
    nominator.email = clean_email(details.email)
    nominator.membership_number = normalise_membership_number(details.membership_number)
    nominator.status = CONFIRMED
    nominator.responded_at = now
    nominator.nomination.checked_at = nominator.nomination.checked_by = None
    _answered(session, nominator)
    session.flush()


def decline(session: Session, nominator: NominatorRecord, now: datetime) -> None:
    nominator.status = DECLINED
    nominator.responded_at = now
    _answered(session, nominator)
    _message_job(session, DECLINED_JOB, (nominator.id,), now, nominator_id=nominator.id)


def mark_checked(session: Session, nomination: NominationRecord, by: str, now: datetime) -> NominationStatus:
    """The returning officer has checked the nomination: the people's details (and any that
    match each other's: nomination_rules.clashes), the branch, the nominators not on Slack."""
    nomination.checked_at = now
    nomination.checked_by = by
    status = status_of(nomination)
    if status is NominationStatus.VALID:
        _schedule_valid(session, nomination, now)
    return status


def _schedule_valid(session: Session, nomination: NominationRecord, now: datetime) -> None:
    stamp = int(nomination.updated_at.timestamp())
    _message_job(session, VALID_JOB, (nomination.id, stamp), now, nomination_id=nomination.id)


def election_closed(nomination: NominationRecord, now: datetime) -> bool:
    return has_closed(election_store.to_election(nomination.election), now)


# Lists --------------------------------------------------------------------------------


def _is_mine(user_id: str | BindParameter[str]) -> Any:
    """The member is the candidate or made the nomination; ``user_id`` may be a bind parameter
    of a statement built once."""
    return or_(NominationRecord.candidate_slack_id == user_id, NominationRecord.submitted_by == user_id)


def mine(session: Session, user_id: str) -> list[NominationRecord]:
    """Nominations a member is the candidate of, or made."""
    return list(session.scalars(_load().where(_is_mine(user_id)).order_by(NominationRecord.id)))


@dataclass(frozen=True)
class MineSummary:
    """One of a member's nominations as the Home tab lists it."""

    position_key: str
    election_name: str
    status: NominationStatus
    candidate_name: str
    candidate_slack_id: str | None
    submitted_by: str


def _nominator_with(status: str, nomination_id: Any = NominationRecord.id) -> Any:
    """Whether the nomination ``nomination_id`` (a column of the outer statement) has a
    nominator with this status: answered from the `(nomination_id, status)` index alone."""
    return (
        select(NominatorRecord.id)
        .where(NominatorRecord.nomination_id == nomination_id, NominatorRecord.status == status)
        .exists()
    )


_STATUS_DECIDING = (DECLINED, AWAITING)
"""The nominators' statuses `status_from` looks for: whether any nominator has each is all it
needs of them."""


@functools.cache
def _newest_mine_statement(newest: int) -> Select[Any]:
    """`newest_mine`'s statement, built once per `newest` with the member as the bind
    parameter ``user_id``: SQLAlchemy keeps a statement object's cache key, so running it
    again skips building it and working out the key (1.5 ms of CPU a call to 0.3 here)."""
    user_id = bindparam("user_id", type_=String)
    newest_rows = (
        select(
            NominationRecord.id,
            NominationRecord.position_key,
            ElectionRecord.name,
            NominationRecord.withdrawn_at,
            NominationRecord.checked_at,
            NominationRecord.candidate_name,
            NominationRecord.candidate_slack_id,
            NominationRecord.submitted_by,
        )
        .join(ElectionRecord, ElectionRecord.id == NominationRecord.election_id)
        .where(_is_mine(user_id))
        .order_by(NominationRecord.id.desc())
        .limit(newest)
        .subquery()
    )
    # The nominators are looked up for the newest rows only: in one flat statement
    # PostgreSQL works out the select list before the sort and limit, for every nomination
    # the member ever made (4.7 ms for a few hundred, instead of 0.4).
    return select(
        *list(newest_rows.c)[1:],
        *(_nominator_with(status, newest_rows.c.id) for status in _STATUS_DECIDING),
    ).order_by(newest_rows.c.id.desc())


def newest_mine(session: Session, user_id: str, newest: int) -> list[MineSummary]:
    """The member's `newest` nominations (candidate of, or made), newest first: one statement
    of just the columns listed, however many they made (no ORM objects, which cost more than
    the rest of a Home tab), with whether a nominator of each has each status `status_from`
    looks for.
    The status is `status_from`'s, as `status_of` gives it."""
    rows = session.execute(_newest_mine_statement(newest), {"user_id": user_id}).all()
    summaries = []
    for row in rows:
        position_key, name, withdrawn_at, checked_at, candidate_name, candidate, submitted_by = row[:7]
        statuses = [status for status, present in zip(_STATUS_DECIDING, row[7:], strict=True) if present]
        summaries.append(
            MineSummary(
                position_key,
                name,
                status_from(withdrawn_at, checked_at, statuses),
                candidate_name,
                candidate,
                submitted_by,
            )
        )
    return summaries


def has_mine(session: Session, user_id: str) -> bool:
    """Whether the member is the candidate of, or made, any nomination: one EXISTS, no rows
    loaded (the acknowledgement of `/liec nominations mine` asks only this)."""
    return bool(session.scalar(select(select(NominationRecord.id).where(_is_mine(user_id)).exists())))


def list_for_admin(
    session: Session, election_id: int | None = None, role_key: str | None = None
) -> list[NominationRecord]:
    """Every nomination, for the returning officer (personal data: admins only, in DMs)."""
    query = _load().order_by(NominationRecord.election_id, NominationRecord.position_key, NominationRecord.id)
    if election_id is not None:
        query = query.where(NominationRecord.election_id == election_id)
    if role_key is not None:
        # The stored key is Position.key: the role, or the role, ":" and a region. Filtered
        # here, one position's list loads its own nominations, not the election's 2,000.
        query = query.where(
            or_(
                NominationRecord.position_key == role_key,
                NominationRecord.position_key.startswith(role_key + POSITION_SEPARATOR, autoescape=True),
            )
        )
    rows: list[NominationRecord] = list(session.scalars(query))
    if role_key is not None:
        rows = [row for row in rows if position_of(row).role_key == role_key]
    return rows


def for_position(session: Session, wanted: Position) -> list[NominationRecord]:
    """One position's nominations (a region's, for a regional role), with their nominators and
    election loaded, ordered as ``list_for_admin``: personal data, admins only, in DMs."""
    rows = list_for_admin(session, role_key=wanted.role_key)
    if wanted.region is not None:
        rows = [n for n in rows if position_of(n) == wanted]
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


@dataclass(frozen=True)
class PositionTally:
    election: str
    position_key: str
    counts: dict[NominationStatus, int]


def tally_for_admin(session: Session) -> list[PositionTally]:
    """How many nominations each position of each election has, by status, in the order of
    the admins' list (election, position); no personal data. One statement of just the
    columns a status needs (a nomination's two nominators by two outer joins): no ORM objects,
    so it costs little however large the election."""
    first, second = aliased(NominatorRecord), aliased(NominatorRecord)
    rows = session.execute(
        select(
            ElectionRecord.name,
            NominationRecord.position_key,
            NominationRecord.withdrawn_at,
            NominationRecord.checked_at,
            first.status,
            second.status,
        )
        .select_from(NominationRecord)
        .join(ElectionRecord, ElectionRecord.id == NominationRecord.election_id)
        .outerjoin(first, and_(first.nomination_id == NominationRecord.id, first.slot == 1))
        .outerjoin(second, and_(second.nomination_id == NominationRecord.id, second.slot == 2))
        .order_by(NominationRecord.election_id, NominationRecord.position_key)
    )
    found: dict[tuple[str, str], dict[NominationStatus, int]] = {}
    for election, key, withdrawn_at, checked_at, *statuses in rows:
        status = status_from(withdrawn_at, checked_at, [s for s in statuses if s])
        bucket = found.setdefault((election, key), {})
        bucket[status] = bucket.get(status, 0) + 1
    return [PositionTally(election, key, counts) for (election, key), counts in found.items()]


def awaiting_by_position(session: Session, election: ElectionRecord) -> dict[str, int]:
    """How many nominations of each position await a nominator's answer (status_of's
    AWAITING: not withdrawn, none declined, one awaiting), counted by the database in one
    statement, in the order of the election's positions."""

    rows = session.execute(
        select(NominationRecord.position_key, func.count())
        .where(
            NominationRecord.election_id == election.id,
            NominationRecord.withdrawn_at.is_(None),
            ~_nominator_with(DECLINED),
            _nominator_with(AWAITING),
        )
        .group_by(NominationRecord.position_key)
    )
    counts = {key: int(count) for key, count in rows}
    order = {key: index for index, key in enumerate(election.positions)}
    return {key: counts[key] for key in sorted(counts, key=lambda k: (order.get(k, len(order)), k))}


# Data rights --------------------------------------------------------------------------


def _when(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _as_candidate(row: NominationRecord) -> dict[str, Any]:
    """A nomination of the member: their own details, not the other people's."""
    return {
        "election": row.election.name,
        "position": row.position_key,
        "status": status_of(row).value,
        "your_slack_id": row.candidate_slack_id,
        "your_name": row.candidate_name,
        "your_email": row.candidate_email,
        "your_membership_number": row.candidate_membership,
        **{f"your_{key}": value for key, value in candidate_texts(row).items()},
        "route": row.route,
        "branch": row.branch,
        "job_share": partner_of(row) is not None,
        "nominators": [{"slot": n.slot, "status": n.status} for n in row.nominators],
        "created_at": row.created_at.isoformat(),
        "updated_at": row.updated_at.isoformat(),
        "withdrawn_at": _when(row.withdrawn_at),
    }


def _as_submitter(row: NominationRecord) -> dict[str, Any]:
    """A nomination the member made of someone else: that they made it, not what it says
    about the candidate (which is the candidate's data)."""
    return {
        "election": row.election.name,
        "position": row.position_key,
        "submitted_at": row.created_at.isoformat(),
    }


def export_member_data(session: Session, user_id: str) -> dict[str, Any]:
    """What the nominations hold about a member: as candidate, as the one who submitted a
    nomination, as job-share partner and as nominator. Only data about them."""
    own = mine(session, user_id)
    as_partner = session.scalars(_load().where(NominationRecord.partner_slack_id == user_id))
    as_nominator = session.scalars(
        select(NominatorRecord)
        .options(selectinload(NominatorRecord.nomination).selectinload(NominationRecord.election))
        .where(NominatorRecord.slack_id == user_id)
    )
    return {
        "nominations": [_as_candidate(row) for row in own if row.candidate_slack_id == user_id],
        "nominations_you_submitted_for_others": [
            _as_submitter(row) for row in own if row.candidate_slack_id != user_id
        ],
        "job_share_partner_in": [
            {
                "election": row.election.name,
                "position": row.position_key,
                "your_slack_id": row.partner_slack_id,
                "your_name": row.partner_name,
                "your_email": row.partner_email,
                "your_membership_number": row.partner_membership,
            }
            for row in as_partner
        ],
        # What they did as returning officer or admin: the fact stays when they are forgotten.
        "nominations_you_checked": [
            {
                "election": row.election.name,
                "position": row.position_key,
                "checked_at": _when(row.checked_at),
            }
            for row in session.scalars(_load().where(NominationRecord.checked_by == user_id))
        ],
        "elections_you_created_closed_or_published": [
            {
                "election": e.name,
                "created": e.created_by == user_id,
                "closed_early": e.closed_early_by == user_id,
                "published": e.published_by == user_id,
            }
            for e in session.scalars(
                select(ElectionRecord)
                .where(
                    or_(
                        ElectionRecord.created_by == user_id,
                        ElectionRecord.closed_early_by == user_id,
                        ElectionRecord.published_by == user_id,
                    )
                )
                .order_by(ElectionRecord.id)
            )
        ],
        "nominated_others": [
            {
                "election": row.nomination.election.name,
                "position": row.nomination.position_key,
                # Only what they gave and what they answered; the candidate's data is not theirs.
                "your_slack_id": row.slack_id,
                "your_name": row.name,
                "your_email": row.email,
                "your_membership_number": row.membership_number,
                "status": row.status,
                "responded_at": _when(row.responded_at),
            }
            for row in as_nominator
        ],
    }


def _erase_nominator(row: NominatorRecord) -> None:
    # The nomination keeps the fact that a nominator answered, not who they were: every
    # column marked personal (models/base.py PERSONAL), and where their DM was.
    for column in personal_columns(NominatorRecord):
        setattr(row, column, None)
    row.dm_channel = row.dm_ts = None


def forget_member(session: Session, user_id: str, now: datetime) -> list[tuple[str, str]]:
    """Delete a member's nomination data. Returns what was kept and why: a nomination in an
    election still running is kept until it closes (the close job then deletes it)."""
    kept: list[tuple[str, str]] = []
    own = mine(session, user_id)
    if any(n.notified_at is not None for row in own for n in row.nominators):
        kept.append(
            (
                "the messages already sent in Slack asking your nominators, which name you",
                "they are in Slack, not in the bot's records; a workspace admin can delete them",
            )
        )
    for row in own:
        if row.candidate_slack_id != user_id and row.submitted_by == user_id:
            # Someone else is the candidate: keep their nomination, drop who typed it in.
            row.submitted_by = FORGOTTEN
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
    kept += _forget_partner(session, user_id, now)
    kept += _forget_officer_marks(session, user_id)
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


def _forget_partner(session: Session, user_id: str, now: datetime) -> list[tuple[str, str]]:
    """A job-share partner's details: gone once the election has closed; while it runs the
    candidate's nomination needs them, so they stay until the nominations are purged."""
    kept: list[tuple[str, str]] = []
    rows = session.scalars(_load().where(NominationRecord.partner_slack_id == user_id))
    for row in rows:
        if election_closed(row, now):
            row.partner_slack_id = row.partner_email = row.partner_membership = None
            row.partner_name = FORGOTTEN
            continue
        kept.append(
            (
                f"your details as job-share partner in a nomination in {row.election.name}",
                "the election is still running and the nomination is the candidate's as well as "
                "yours; they are deleted with the election's nominations after it closes",
            )
        )
    return kept


def _forget_officer_marks(session: Session, user_id: str) -> list[tuple[str, str]]:
    """Who checked a nomination, or opened, closed or published an election: the fact stays,
    the name goes."""
    for row in session.scalars(select(NominationRecord).where(NominationRecord.checked_by == user_id)):
        row.checked_by = FORGOTTEN
    for election in session.scalars(
        select(ElectionRecord).where(
            or_(
                ElectionRecord.created_by == user_id,
                ElectionRecord.closed_early_by == user_id,
                ElectionRecord.published_by == user_id,
            )
        )
    ):
        if election.created_by == user_id:
            election.created_by = None
        if election.closed_early_by == user_id:
            # Not None: that would read as "never closed early" and reopen a configured election.
            election.closed_early_by = FORGOTTEN
        if election.published_by == user_id:
            election.published_by = None
    return []


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
