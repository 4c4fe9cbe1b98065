"""Who sees each field of a nomination: the table in docs/ARCHITECTURE.md ("Who sees a
nomination"), as rules every surface calls.

A person's email address and membership number are seen only by that person and the
returning officer; a candidate's statement only by the candidate and the returning officer
(and by every member once the admins publish the list). So when the submitter (who may not
be the candidate) edits a nomination, those fields of other people are shown empty, marked
as kept: left empty they keep what is stored; typed in, they replace it.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, replace

from bot.services import nomination_rules as fields
from bot.services.nomination_rules import NominationForm, Person, candidate_texts, with_candidate_texts
from bot.services.nominations import candidate_of, form_of, nominator_person, partner_of
from models.elections import NominationRecord, NominatorRecord


class Party(enum.StrEnum):
    """The parts a member can play in one nomination."""

    CANDIDATE = "candidate"
    SUBMITTER = "submitter"
    PARTNER = "job-share partner"
    NOMINATOR = "nominator"
    RETURNING_OFFICER = "returning officer"


def parties(nomination: NominationRecord, user_id: str, *, returning_officer: bool = False) -> set[Party]:
    found: set[Party] = set()
    if user_id and nomination.candidate_slack_id == user_id:
        found.add(Party.CANDIDATE)
    if user_id and nomination.submitted_by == user_id:
        found.add(Party.SUBMITTER)
    if user_id and nomination.partner_slack_id == user_id:
        found.add(Party.PARTNER)
    if user_id and any(n.slack_id == user_id for n in nomination.nominators):
        found.add(Party.NOMINATOR)
    if returning_officer:
        found.add(Party.RETURNING_OFFICER)
    return found


def sees_own_details(person_slack_id: str | None, user_id: str) -> bool:
    """An email address or membership number: only the person it belongs to (and the
    returning officer, who reads them in the list and the CSV, not in the form)."""
    return bool(user_id) and person_slack_id == user_id


@dataclass(frozen=True)
class EditForm:
    """The form as one editor may see it, and the fields kept out of it."""

    form: NominationForm
    kept: frozenset[str]


def _clean(text: str) -> str:
    return " ".join(text.split())


def _nominator_shown(row: NominatorRecord | None) -> Person:
    if row is None:
        return Person()
    if row.slack_id:
        # A member on Slack gives their own details when they confirm: the form names them only.
        return Person(row.slack_id)
    return Person(None, row.name or "")


def edit_form(nomination: NominationRecord, user_id: str) -> EditForm:
    """The stored nomination as ``user_id`` may see it in the Edit form."""
    full = form_of(nomination)
    kept: set[str] = set()
    candidate = full.candidate
    texts = candidate_texts(full)
    if not sees_own_details(nomination.candidate_slack_id, user_id):
        candidate = replace(candidate, email="", membership_number="")
        private = {text.key for text in fields.CANDIDATE_TEXTS if text.private}
        texts = {key: "" if key in private else value for key, value in texts.items()}
        kept |= {fields.CANDIDATE_EMAIL, fields.CANDIDATE_MEMBERSHIP, *private}
    partner = full.partner
    if partner is not None and not sees_own_details(nomination.partner_slack_id, user_id):
        partner = replace(partner, email="", membership_number="")
        kept |= {fields.PARTNER_EMAIL, fields.PARTNER_MEMBERSHIP}
    by_slot = {row.slot: row for row in nomination.nominators}
    shown: list[Person] = []
    for slot, keys in enumerate(fields.NOMINATOR_FIELDS, start=1):
        row = by_slot.get(slot)
        shown.append(_nominator_shown(row))
        if row is not None and not row.slack_id:
            kept |= {keys.email, keys.membership}
    shown_form = replace(full, candidate=candidate, partner=partner, nominators=(shown[0], shown[1]))
    return EditForm(with_candidate_texts(shown_form, texts), frozenset(kept))


def _same_person(stored: Person, typed: Person) -> bool:
    if stored.slack_id or typed.slack_id:
        return stored.slack_id == typed.slack_id
    return _clean(stored.name).casefold() == _clean(typed.name).casefold() and bool(_clean(typed.name))


def _restored(stored: Person, typed: Person) -> Person:
    """Typed details, with the fields left empty taken from what is stored, when the form
    still names the same person."""
    if typed.is_blank or not _same_person(stored, typed):
        return typed
    return replace(
        typed,
        email=typed.email if typed.email.strip() else stored.email,
        membership_number=typed.membership_number
        if typed.membership_number.strip()
        else stored.membership_number,
    )


def restore_kept(nomination: NominationRecord, form: NominationForm) -> NominationForm:
    """A submitted edit with the kept fields left empty filled from the stored nomination.

    Only for the same person: a different candidate, partner or nominator needs their own
    details, and the form says so on the field."""
    stored_candidate = candidate_of(nomination)
    candidate = _restored(stored_candidate, form.candidate)
    texts = candidate_texts(form)
    if _same_person(stored_candidate, form.candidate):
        stored = candidate_texts(nomination)
        for text in fields.CANDIDATE_TEXTS:
            if text.private and not texts[text.key].strip():
                texts[text.key] = stored[text.key]
    partner = form.partner
    stored_partner = partner_of(nomination)
    if partner is not None and stored_partner is not None:
        partner = _restored(stored_partner, partner)
    by_slot = {row.slot: row for row in nomination.nominators}
    nominators: list[Person] = []
    for slot, typed in enumerate(form.nominators, start=1):
        row = by_slot.get(slot)
        if row is not None and not row.slack_id and not typed.slack_id:
            nominators.append(_restored(nominator_person(row), typed))
        else:
            nominators.append(typed)
    restored = replace(form, candidate=candidate, partner=partner, nominators=(nominators[0], nominators[1]))
    return with_candidate_texts(restored, texts)


def _people(form: NominationForm) -> list[tuple[Person | None, fields.PersonFields]]:
    return [
        (form.candidate, fields.CANDIDATE_FIELDS),
        *zip(form.nominators, fields.NOMINATOR_FIELDS, strict=True),
        (form.partner, fields.PARTNER_FIELDS),
    ]


def restored_fields(typed: NominationForm, restored: NominationForm) -> frozenset[str]:
    """The field keys ``restore_kept`` filled in: details the editor neither saw nor typed,
    which ``validate`` must not compare with what they typed (its ``hidden``)."""
    found: set[str] = set()
    for (before, keys), (after, _) in zip(_people(typed), _people(restored), strict=True):
        if after is None:
            continue
        if not (before and before.email.strip()) and after.email.strip():
            found.add(keys.email)
        if not (before and before.membership_number.strip()) and after.membership_number.strip():
            found.add(keys.membership)
    return frozenset(found)
