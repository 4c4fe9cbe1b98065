"""The use cases of a nomination as members act on it: submit or edit the form, and the rules
of who may do what (edit, withdraw, answer as a nominator). Plain Python over a session;
handlers parse the Slack payload, call one of these, and render the outcome."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy.orm import Session

from bot.config import OrgConfig
from bot.services import election_store, item_fates, nomination_rules, nomination_visibility, nominations
from bot.services.nomination_rules import NominationForm, Person, validate
from bot.services.outcomes import Refused
from bot.services.rows import one_at_a_time
from models.elections import ElectionRecord, NominationRecord, NominatorRecord


@dataclass(frozen=True)
class Saved:
    nomination: NominationRecord
    edited: bool
    again: bool = False  # Slack's retry or a double click: saved the first time


@dataclass(frozen=True)
class Rejected:
    errors: dict[str, str]  # {field key: message}


Submitted = Saved | Rejected


@dataclass(frozen=True)
class Submission:
    """A nomination form as the member sent it."""

    user_id: str
    key: str  # the view id: one submission, however often Slack delivers it
    election_id: int | None
    form: NominationForm
    editing_id: int | None = None
    # The field keys filled from the stored nomination: the editor never saw them
    # (nomination_visibility.restored_fields).
    hidden: frozenset[str] = frozenset()


def editing_problem(
    editing: NominationRecord | None, user_id: str, election: ElectionRecord | None, now: datetime
) -> str | None:
    """Why this member may not save this edit, or None. Only the candidate or whoever
    submitted the nomination may edit it, while it stands, within its own election."""
    if editing is None:
        return item_fates.NOMINATION_GONE
    if not nominations.can_manage(editing, user_id):
        return "This nomination is not yours to edit."
    if editing.withdrawn_at is not None:
        return item_fates.nomination_fate(editing, now) or "This nomination was withdrawn."
    if election is not None and editing.election_id != election.id:
        return f"Choose a position in {editing.election.name}."
    return None


def duplicate_problem(session: Session, election_id: int, sub: Submission) -> str | None:
    """One nomination per candidate and position: the member is told to edit their own, or
    that the form matches a nomination already made (neither which detail matched nor whose)."""
    if sub.form.position is None:
        return None
    same = nominations.find_duplicate(
        session, election_id, sub.form.position, sub.form.candidate, exclude_id=sub.editing_id
    )
    if same is None:
        return None
    if nominations.can_manage(same, sub.user_id):
        return "You already have a nomination for this position: edit it with /liec nominations mine."
    return nominations.DUPLICATE_REFUSED


def _restored(session: Session, sub: Submission) -> Submission:
    """Fields the editor may not see came back empty: they keep what is stored."""
    editing = nominations.get(session, sub.editing_id) if sub.editing_id else None
    if editing is None or not nominations.can_manage(editing, sub.user_id):
        return sub
    form = nomination_visibility.restore_kept(editing, sub.form)
    return replace(sub, form=form, hidden=nomination_visibility.restored_fields(sub.form, form))


def check(
    session: Session, org: OrgConfig, sub: Submission, now: datetime
) -> tuple[ElectionRecord | None, NominationRecord | None, dict[str, str]]:
    """(election, nomination being edited, errors by field)."""
    editing = nominations.get(session, sub.editing_id) if sub.editing_id else None
    election = election_store.get(session, sub.election_id) if sub.election_id else None
    errors = validate(sub.form, nominations.rules_for(election, org), now, hidden=sub.hidden)
    position = nomination_rules.POSITION
    if sub.editing_id is not None:
        problem = editing_problem(editing, sub.user_id, election, now)
        if problem is not None:
            errors[position] = problem
    if election is not None and not errors:
        problem = duplicate_problem(session, election.id, sub)
        if problem is not None:
            errors[position] = problem
    return election, editing, errors


def submit(session: Session, org: OrgConfig, sub: Submission, now: datetime) -> Submitted:
    """Save a new nomination or an edit; Rejected with every error by field."""
    earlier = nominations.find_submission(session, sub.key)
    if earlier is not None:
        return Saved(earlier, edited=False, again=True)
    if sub.election_id is not None:
        # One nomination per candidate and position: two forms naming the same candidate at
        # once must not both pass the duplicate check before either is saved.
        one_at_a_time(session, ElectionRecord, sub.election_id)
    sub = _restored(session, sub)
    election, editing, errors = check(session, org, sub, now)
    if errors or election is None:
        return Rejected(errors)
    if editing is not None:
        nominations.update(session, editing, sub.form, now)
        return Saved(editing, edited=True)
    saved, made = nominations.submit(
        session, sub.form, election, submitted_by=sub.user_id, submission_key=sub.key, now=now
    )
    return Saved(saved, edited=False, again=not made)


def nominator_problem(nominator: NominatorRecord | None, user_id: str, now: datetime) -> str | None:
    """Why this member cannot answer this request to nominate, or None (plain text: the
    caller escapes it, as it carries the election's name)."""
    if nominator is None:
        return item_fates.NOMINATOR_GONE
    if nominator.slack_id != user_id:
        return "This request was sent to someone else."
    nomination = nominator.nomination
    if nomination.withdrawn_at is not None:
        return "The candidate has withdrawn this nomination: there is nothing to confirm."
    if nominations.election_closed(nomination, now):
        return (
            f"Nominations for {nomination.election.name} have closed, so this "
            "nomination can no longer be confirmed."
        )
    if nominator.status != nominations.AWAITING:
        return f"You have already {nominator.status} this nomination."
    return None


def cannot_change(n: NominationRecord | None, user_id: str, now: datetime) -> str | None:
    """Why Edit or Withdraw does nothing: the answer every such button gives."""
    if n is not None and not nominations.can_manage(n, user_id):
        return "This nomination is not yours to change."
    return item_fates.nomination_fate(n, now)


@dataclass(frozen=True)
class Withdrawn:
    nomination_id: int


def withdraw(session: Session, nomination_id: int, user_id: str, now: datetime) -> Withdrawn | Refused:
    """Withdraw a nomination (its candidate or whoever submitted it, while the election is
    open); the requests to its nominators not yet sent are withdrawn with it."""
    n = nominations.get(session, nomination_id)
    problem = cannot_change(n, user_id, now)
    if problem is not None or n is None:
        return Refused(problem or item_fates.NOMINATION_GONE)
    nominations.withdraw(n, now)
    nominations.cancel_requests(session, n)
    return Withdrawn(n.id)


@dataclass(frozen=True)
class Confirmed:
    nominator: NominatorRecord
    again: bool = False  # confirmed before (a double click or Slack's retry)


def confirm(
    session: Session, org: OrgConfig, nominator_id: int, user_id: str, details: Person, now: datetime
) -> Confirmed | Rejected:
    """A nominator confirms with their own details; Rejected with the errors by field (a
    problem with the request itself is on the name field).

    Details that match the candidate's or another person's on the nomination are not refused
    (the nominator never sees those, and a refusal would confirm a guess): the returning
    officer, who checks every nomination, is shown the match (``nomination_rules.clashes``);
    nothing a member sees differs."""
    nominator = _answering(session, nominations.get_nominator(session, nominator_id))
    if nominator is not None and nominator.slack_id == user_id and nominator.status == nominations.CONFIRMED:
        return Confirmed(nominator, again=True)
    problem = nominator_problem(nominator, user_id, now)
    if problem is not None or nominator is None:
        return Rejected({nomination_rules.CONFIRM_NAME: problem or ""})
    nomination = nominator.nomination
    rules = nominations.rules_for(nomination.election, org)
    errors = nomination_rules.validate_confirmation(details, rules, now)
    if errors:
        return Rejected(errors)
    nominations.confirm(session, nominator, details, now)
    return Confirmed(nominator)


@dataclass(frozen=True)
class Asked:
    """What a nominator is asked about."""

    candidate_name: str
    position_key: str
    nominator_id: int


def _asked(nominator: NominatorRecord) -> Asked:
    return Asked(nominator.nomination.candidate_name, nominator.nomination.position_key, nominator.id)


def clicked(session: Session, value: str, user_id: str) -> tuple[NominatorRecord | None, str | None]:
    """The row a request DM's button (its value) acts on, and why there is none. A request
    names the nomination and the person asked (``nomination:<id>:<user>``): the clicker's
    current row in it, so that an edit that replaced the row leaves the DM they have working.
    Older DMs carry the row's id."""
    if value.startswith(nominations.REQUEST_PREFIX):
        number, _, sent_to = value.removeprefix(nominations.REQUEST_PREFIX).partition(":")
        nomination_id = int(number) if number.isdigit() else 0
        if nominations.get(session, nomination_id) is None:
            return None, item_fates.NOMINATION_GONE
        if sent_to != user_id:
            return None, "This request was sent to someone else."
        row = nominations.awaiting_row(session, nomination_id, user_id)
        return row, None if row is not None else item_fates.NOMINATOR_GONE
    return nominations.get_nominator(session, int(value) if value.isdigit() else 0), None


def _answerable(
    session: Session, value: str, user_id: str, now: datetime, *, answering: bool = False
) -> tuple[NominatorRecord | None, str | None]:
    """The row a button acts on and why it cannot be answered; `answering` (the answer is about
    to be stored): read again with its nomination's turn taken (`_answering`)."""
    nominator, gone = clicked(session, value, user_id)
    if answering:
        nominator = _answering(session, nominator)
    return nominator, gone or nominator_problem(nominator, user_id, now)


def _answering(session: Session, nominator: NominatorRecord | None) -> NominatorRecord | None:
    """`nominator` read again once this transaction has its nomination's turn
    (`rows.one_at_a_time`): a nominator's answers take turns, so Confirm and Decline pressed at
    once (two devices) do not both find the request awaiting. None when it has gone since."""
    if nominator is None:
        return None
    one_at_a_time(session, NominationRecord, nominator.nomination_id)
    return session.get(NominatorRecord, nominator.id, populate_existing=True)


def request_to_answer(session: Session, value: str, user_id: str, now: datetime) -> Asked | Refused:
    """The request a nominator pressed Confirm on (the button's value), if it is theirs to
    answer now."""
    nominator, problem = _answerable(session, value, user_id, now)
    if problem is not None or nominator is None:
        return Refused(problem or "")
    return _asked(nominator)


def decline(session: Session, value: str, user_id: str, now: datetime) -> Asked | Refused:
    """A nominator declines (the button's value); the candidate is told by a job
    (nominations.DECLINED_JOB)."""
    nominator, problem = _answerable(session, value, user_id, now, answering=True)
    if problem is not None or nominator is None:
        return Refused(problem or "")
    nominations.decline(session, nominator, now)
    return _asked(nominator)


@dataclass(frozen=True)
class Editable:
    """The form again for nomination ``nomination_id``, as its editor may see it: ``shown``
    (nomination_visibility.edit_form), the positions open in its election, the one it is
    for (``selected``, "election_id|position_key") and when its election closes (UTC)."""

    nomination_id: int
    shown: nomination_visibility.EditForm
    open_positions: list[election_store.OpenPosition]
    selected: str
    closes_at: datetime


@dataclass(frozen=True)
class CannotEdit:
    """Why the member cannot edit it (plain text: the caller escapes it)."""

    problem: str


def to_edit(session: Session, nomination_id: int, user_id: str, now: datetime) -> Editable | CannotEdit:
    """The form member ``user_id`` edits nomination ``nomination_id`` in, or why they cannot:
    deleted, withdrawn, closed, or not theirs (``cannot_change``)."""
    n = nominations.get(session, nomination_id)
    problem = cannot_change(n, user_id, now)
    if problem is not None or n is None:
        return CannotEdit(problem or item_fates.NOMINATION_GONE)
    return Editable(
        nomination_id,
        nomination_visibility.edit_form(n, user_id),
        election_store.open_positions(session, now, election_id=n.election_id),
        f"{n.election_id}|{n.position_key}",
        n.election.closes_at,
    )
