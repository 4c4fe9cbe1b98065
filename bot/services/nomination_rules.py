"""The rules a nomination must meet, from the role documents' "How to apply".

A candidate writes a statement of up to 200 words and is nominated by two other LI
members or by one branch; the name, email address and membership number of the
candidate and of each nominator are given. Posts are open to job share.

``validate`` returns ``{field key: message}``; the field keys double as the modal's
block ids, so a message lands on the field at fault. A rule that spans fields (two
nominators who are the same person) names one of them.
"""

from __future__ import annotations

import enum
import re
import unicodedata
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from bot.services.elections import REGIONS, Election, Position, has_closed, is_open
from bot.text_measure import count_characters, count_words

MAX_STATEMENT_WORDS = 200
# A long statement of 200 real words fits well inside this; it stops a single
# 10,000-character "word" from being stored. Slack's text inputs allow 3,000.
MAX_STATEMENT_CHARS = 3000
MAX_NAME_CHARS = 150
DEFAULT_MEMBERSHIP_NUMBER_PATTERN = r"^[A-Za-z]?\d{5,8}$"
DEFAULT_MEMBERSHIP_NUMBER_FORMAT = "5 to 8 digits, optionally after one letter (e.g. L1234567)"

# Field keys: also the block ids of the nomination modal.
POSITION = "position"
REGION = "region"
CANDIDATE_USER = "candidate_user"
CANDIDATE_NAME = "candidate_name"
CANDIDATE_EMAIL = "candidate_email"
CANDIDATE_MEMBERSHIP = "candidate_membership"
STATEMENT = "statement"
ROUTE = "route"
BRANCH = "branch"
NOMINATOR_1_USER = "nominator_1_user"
NOMINATOR_1_NAME = "nominator_1_name"
NOMINATOR_1_EMAIL = "nominator_1_email"
NOMINATOR_1_MEMBERSHIP = "nominator_1_membership"
NOMINATOR_2_USER = "nominator_2_user"
NOMINATOR_2_NAME = "nominator_2_name"
NOMINATOR_2_EMAIL = "nominator_2_email"
NOMINATOR_2_MEMBERSHIP = "nominator_2_membership"
PARTNER_USER = "partner_user"
PARTNER_NAME = "partner_name"
PARTNER_EMAIL = "partner_email"
PARTNER_MEMBERSHIP = "partner_membership"


@dataclass(frozen=True)
class PersonFields:
    """The field keys of one person's details in the form."""

    user: str
    name: str
    email: str
    membership: str


CANDIDATE_FIELDS = PersonFields(CANDIDATE_USER, CANDIDATE_NAME, CANDIDATE_EMAIL, CANDIDATE_MEMBERSHIP)
NOMINATOR_FIELDS = (
    PersonFields(NOMINATOR_1_USER, NOMINATOR_1_NAME, NOMINATOR_1_EMAIL, NOMINATOR_1_MEMBERSHIP),
    PersonFields(NOMINATOR_2_USER, NOMINATOR_2_NAME, NOMINATOR_2_EMAIL, NOMINATOR_2_MEMBERSHIP),
)
PARTNER_FIELDS = PersonFields(PARTNER_USER, PARTNER_NAME, PARTNER_EMAIL, PARTNER_MEMBERSHIP)


class Route(enum.StrEnum):
    MEMBERS = "members"
    BRANCH = "branch"


@dataclass(frozen=True)
class Person:
    """Someone named on a form: by Slack account, by details, or both."""

    slack_id: str | None = None
    name: str = ""
    email: str = ""
    membership_number: str = ""

    @property
    def is_blank(self) -> bool:
        return not (
            self.slack_id or self.name.strip() or self.email.strip() or self.membership_number.strip()
        )


def fill_from_profile(person: Person, profile: Person) -> Person:
    """``person`` with the blanks filled from the member's own Slack ``profile``, when the person
    is that member (or not chosen yet): what the form's pre-fill would have shown."""
    if person.slack_id not in (None, "", profile.slack_id):
        return person
    return replace(
        person,
        slack_id=person.slack_id or profile.slack_id,
        name=person.name or profile.name,
        email=person.email or profile.email,
    )


@dataclass(frozen=True)
class NominationForm:
    """What a member submits; any of it may be wrong, which is what ``validate`` is for."""

    position: Position | None
    candidate: Person
    statement: str
    route: Route | None
    nominators: tuple[Person, Person] = field(default_factory=lambda: (Person(), Person()))
    branch: str | None = None
    partner: Person | None = None


@dataclass(frozen=True)
class ElectionRules:
    """Everything besides the form that decides whether it is acceptable."""

    election: Election | None
    branches: frozenset[str]
    membership_number_pattern: str = DEFAULT_MEMBERSHIP_NUMBER_PATTERN
    membership_number_format: str | None = None
    max_statement_words: int = MAX_STATEMENT_WORDS
    max_statement_chars: int = MAX_STATEMENT_CHARS

    def __post_init__(self) -> None:
        re.compile(self.membership_number_pattern)  # fail at start-up, not on a submission

    @property
    def membership_format_text(self) -> str:
        if self.membership_number_format:
            return self.membership_number_format
        if self.membership_number_pattern == DEFAULT_MEMBERSHIP_NUMBER_PATTERN:
            return DEFAULT_MEMBERSHIP_NUMBER_FORMAT
        return f"the pattern {self.membership_number_pattern}"


def clean_email(email: str) -> str:
    """The address as stored: email-validator's normalised form (NFC, lower-case domain).

    An address the library refuses is returned trimmed; ``validate`` refuses it on its field.
    """
    # email-validator is imported at the first address, not at start (its tables take a while).
    from email_validator import EmailNotValidError, validate_email

    try:
        return validate_email(email.strip(), check_deliverability=False).normalized
    except EmailNotValidError:
        return email.strip()


def normalise_email(email: str) -> str:
    """The form used to compare addresses: the domain in its IDNA (ASCII) form, so
    ``ben@bücher.de`` is ``ben@xn--bcher-kva.de``; the local part in NFC and case-folded, so
    an accent typed as one code point or as letter + combining mark is the same."""
    from email_validator import EmailNotValidError, validate_email

    text = email.strip()
    try:
        checked = validate_email(text, check_deliverability=False)
    except EmailNotValidError:
        return unicodedata.normalize("NFC", text).casefold()
    local = unicodedata.normalize("NFC", checked.local_part or "").casefold()
    return f"{local}@{checked.ascii_domain.lower()}"


def stored_compare_form(stored: str) -> str:
    """`normalise_email` of an address as stored (`clean_email`'s form), without
    email-validator for an ASCII one: stored, its domain is already lower-case and checking it
    again changes nothing, so its compare form is its lower case (tests/services/
    test_nominations_store.py checks that this is `normalise_email`'s answer)."""
    return stored.lower() if stored.isascii() else normalise_email(stored)


def normalise_membership_number(number: str) -> str:
    """The number as stored and compared: NFKC (full-width ``L１２３４５６７`` is ``L1234567``),
    any script's decimal digits as ASCII digits, spaces removed, letters in capitals."""
    if number.isascii() and number.isalnum() and number == number.upper():
        return number  # already so (as stored): the steps below would change nothing
    text = unicodedata.normalize("NFKC", number)
    text = "".join(
        str(unicodedata.decimal(char)) if not char.isascii() and char.isdecimal() else char for char in text
    )
    return re.sub(r"\s+", "", text).upper()


def _plural(count: int, word: str) -> str:
    return f"{count:,} {word}" if count == 1 else f"{count:,} {word}s"


def _check_statement(statement: str, rules: ElectionRules) -> str | None:
    words = count_words(statement)
    if words == 0:
        return "Please write a personal statement (up to 200 words)."
    if words > rules.max_statement_words:
        return f"Your statement has {_plural(words, 'word')}; the limit is {rules.max_statement_words:,}."
    chars = count_characters(statement.strip())
    if chars > rules.max_statement_chars:
        return (
            f"Your statement has {_plural(chars, 'character')}; the limit is {rules.max_statement_chars:,}."
        )
    return None


@dataclass(frozen=True)
class CandidateText:
    """A text the candidate gives about themselves, declared once.

    ``key`` is at once the NominationForm attribute, the modal's block id and the
    NominationRecord column (marked personal there). The form, the reader, the edit read-back
    (nomination_visibility), my-data (``your_<key>``), the returning officer's CSV (column
    ``key``) and validation (``check``) are all drawn from CANDIDATE_TEXTS; erasure and the
    purge delete the nomination row, so they need nothing more.
    """

    key: str
    label: str
    hint: str
    max_chars: int
    check: Callable[[str, ElectionRules], str | None]
    multiline: bool = False
    optional: bool = False
    # Seen only by the candidate and the returning officer: someone else who edits the
    # nomination sees it empty, and left empty it keeps what is stored.
    private: bool = False


# In the order the form shows them, after the candidate's details.
CANDIDATE_TEXTS: tuple[CandidateText, ...] = (
    CandidateText(
        STATEMENT,
        "Personal statement",
        "Up to 200 words: the skills you can bring and how you would develop this role. "
        "Published only if the admins publish the candidate list.",
        MAX_STATEMENT_CHARS,
        _check_statement,
        multiline=True,
        private=True,
    ),
)


def candidate_texts(source: object) -> dict[str, str]:
    """Each declared candidate text of a form or a stored nomination, by key."""
    return {text.key: str(getattr(source, text.key) or "") for text in CANDIDATE_TEXTS}


def with_candidate_texts(form: NominationForm, texts: Mapping[str, str]) -> NominationForm:
    """The form with these declared candidate texts (keys of CANDIDATE_TEXTS) replaced."""
    known = {text.key for text in CANDIDATE_TEXTS}
    unknown = set(texts) - known
    if unknown:
        raise ValueError(f"not candidate texts: {sorted(unknown)}")
    changes: dict[str, Any] = dict(texts)
    return replace(form, **changes)


def _check_person_details(
    person: Person, keys: PersonFields, who: str, rules: ElectionRules, hidden: frozenset[str] = frozenset()
) -> dict[str, str]:
    errors: dict[str, str] = {}
    name = person.name.strip()
    if not name:
        errors[keys.name] = f"Please give {who} name."
    elif (length := count_characters(name)) > MAX_NAME_CHARS:
        errors[keys.name] = f"The name has {_plural(length, 'character')}; the limit is {MAX_NAME_CHARS}."
    email = person.email.strip()
    if not email:
        errors[keys.email] = f"Please give {who} email address."
    else:
        from email_validator import EmailNotValidError, validate_email

        try:
            validate_email(email, check_deliverability=False)
        except EmailNotValidError as exc:
            # email-validator's reason may quote the address: not of one kept from the member.
            reason = " Please type it again." if keys.email in hidden else f" {exc}"
            errors[keys.email] = f"That is not a valid email address.{reason}"
    number = normalise_membership_number(person.membership_number)
    if not number:
        errors[keys.membership] = f"Please give {who} membership number."
    elif not number.isascii() or not re.fullmatch(rules.membership_number_pattern, number):
        # Not the value itself: a kept detail the editor may not see (nomination_visibility)
        # is checked too, and an error must not show it to them.
        errors[keys.membership] = (
            f"That is not a membership number: the format is {rules.membership_format_text}."
        )
    return errors


def _check_position(form: NominationForm, rules: ElectionRules, now: datetime) -> dict[str, str]:
    election = rules.election
    if election is None:
        return {POSITION: "No election is taking nominations at the moment."}
    if not is_open(election, now):
        when = election.closes_at if has_closed(election, now) else election.opens_at
        verb = "closed" if has_closed(election, now) else "open"
        stamp = when.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
        return {POSITION: f"Nominations for {election.name} {verb} at {stamp}."}
    if form.position is None:
        return {POSITION: "Please choose the position."}
    open_roles = {p.role_key for p in election.positions}
    if form.position.role_key not in open_roles:
        return {POSITION: f"{form.position.role_key} is not a position in {election.name}."}
    regions = sorted(
        p.region for p in election.positions if p.role_key == form.position.role_key and p.region
    )
    if not regions:
        return {}
    if form.position.region is None:
        return {REGION: "Please choose the region for this post."}
    if form.position not in election.positions:
        open_names = ", ".join(REGIONS.get(r, r) for r in regions)
        return {REGION: f"This election covers the post only for: {open_names}."}
    return {}


def _identities(person: Person, *, stored: bool = False) -> Iterator[tuple[str, str]]:
    """The keys that make two entries the same person: Slack id, email, membership number.

    ``stored``: the details as saved (already email-validator's normalised form and a
    normalised number), compared without asking email-validator again for an ASCII address."""
    if person.slack_id:
        yield "slack", person.slack_id
    if person.email.strip():
        yield "email", stored_compare_form(person.email.strip()) if stored else normalise_email(person.email)
    if person.membership_number.strip():
        number = person.membership_number
        yield "membership", number.strip() if stored else normalise_membership_number(number)


_IDENTITY_LABELS = (
    ("slack", "Slack account"),
    ("email", "email address"),
    ("membership", "membership number"),
)


def _shared_label(a: set[tuple[str, str]], b: set[tuple[str, str]]) -> str | None:
    shared = a & b
    for kind, label in _IDENTITY_LABELS:
        if any(k == kind for k, _ in shared):
            return label
    return None


def _same_person(a: Person, b: Person) -> str | None:
    """Which identity two people share, if any: 'Slack account', 'email' or 'membership number'."""
    return _shared_label(set(_identities(a)), set(_identities(b)))


def _seen(person: Person, keys: PersonFields, hidden: frozenset[str]) -> Person:
    """The person as the member filling in the form knows them: the details kept from them
    (``hidden``) left out, so that no message compares what they typed with those."""
    if not hidden:
        return person
    return replace(
        person,
        email="" if keys.email in hidden else person.email,
        membership_number="" if keys.membership in hidden else person.membership_number,
    )


def _first_field(keys: PersonFields, label: str) -> str:
    """The block to hang a cross-field message on: the one that carries the clash."""
    if label == "Slack account":
        return keys.user
    if label == "email address":
        return keys.email
    return keys.membership


def _check_nominator(
    person: Person, keys: PersonFields, number: int, rules: ElectionRules, hidden: frozenset[str]
) -> dict[str, str]:
    if person.slack_id:
        # Members on Slack give their own details when they confirm.
        return {}
    if person.is_blank:
        return {
            keys.user: f"Choose nominator {number} on Slack, or give their name, email and membership number."
        }
    return _check_person_details(person, keys, f"nominator {number}'s", rules, hidden)


def _check_nominators(form: NominationForm, rules: ElectionRules, hidden: frozenset[str]) -> dict[str, str]:
    errors: dict[str, str] = {}
    numbered = list(enumerate(zip(form.nominators, NOMINATOR_FIELDS, strict=True), start=1))
    for number, (person, keys) in numbered:
        for key, message in _check_nominator(person, keys, number, rules, hidden).items():
            errors.setdefault(key, message)
    # Each person's identities once: an address is normalised by email-validator.
    others: list[tuple[set[tuple[str, str]], str]] = [
        (set(_identities(_seen(form.candidate, CANDIDATE_FIELDS, hidden))), "the candidate")
    ]
    if form.partner is not None and not form.partner.is_blank:
        others.append(
            (set(_identities(_seen(form.partner, PARTNER_FIELDS, hidden))), "the job-share partner")
        )
    nominator_ids = [
        set(_identities(_seen(person, keys, hidden)))
        for person, keys in zip(form.nominators, NOMINATOR_FIELDS, strict=True)
    ]
    for number, (person, keys) in numbered:
        if person.is_blank:
            continue
        for other, role in others:
            label = _shared_label(nominator_ids[number - 1], other)
            if label:
                errors.setdefault(
                    _first_field(keys, label),
                    f"Nominator {number} has the same {label} as {role}: "
                    "candidates cannot nominate themselves.",
                )
    first, second = form.nominators
    if not first.is_blank and not second.is_blank:
        label = _shared_label(nominator_ids[0], nominator_ids[1])
        if label:
            errors.setdefault(
                _first_field(NOMINATOR_FIELDS[1], label),
                f"Nominator 2 has the same {label} as nominator 1: two different members must nominate.",
            )
    return errors


def _check_partner(form: NominationForm, rules: ElectionRules, hidden: frozenset[str]) -> dict[str, str]:
    partner = form.partner
    if partner is None or partner.is_blank:
        return {}
    errors = _check_person_details(partner, PARTNER_FIELDS, "the job-share partner's", rules, hidden)
    label = _same_person(
        _seen(partner, PARTNER_FIELDS, hidden), _seen(form.candidate, CANDIDATE_FIELDS, hidden)
    )
    if label:
        errors.setdefault(
            _first_field(PARTNER_FIELDS, label),
            f"The job-share partner has the same {label} as the candidate.",
        )
    return errors


def validate(
    form: NominationForm, rules: ElectionRules, now: datetime, *, hidden: frozenset[str] = frozenset()
) -> dict[str, str]:
    """Every broken rule, as ``{field key: message}``; empty when the form is acceptable.

    Fields of the route not chosen are ignored (and must not be stored). ``hidden``: the
    field keys whose values the member neither saw nor typed (an edit keeps them from the
    stored nomination: nomination_visibility). Their format is checked, but no message
    compares them with another person's details: "the same email address as the candidate"
    would tell the member that a guess typed elsewhere is right. The returning officer sees
    such a match instead (``clashes``).
    """
    if now.tzinfo is None:
        raise ValueError("validate needs an aware 'now'")
    errors = _check_position(form, rules, now)
    for key, message in check_details(form, rules, hidden=hidden).items():
        errors.setdefault(key, message)
    return errors


def check_details(
    form: NominationForm, rules: ElectionRules, *, hidden: frozenset[str] = frozenset()
) -> dict[str, str]:
    """The part of ``validate`` that needs only the form and the organisation, not the
    election's state nor anything stored: the fields' formats, the statement's length, the
    route, and the people on the form compared with one another. ``{field key: message}``;
    ``rules.election`` is not read. ``hidden`` as in ``validate``.

    A new nomination's form is checked with this in the acknowledgement, so that Slack shows
    its errors on their fields (https://api.slack.com/surfaces/modals#displaying_errors); the
    rest of ``validate`` runs when it is saved, after it."""
    errors: dict[str, str] = {}
    if form.position is None:
        errors[POSITION] = "Please choose the position."
    errors.update(_check_person_details(form.candidate, CANDIDATE_FIELDS, "the candidate's", rules, hidden))
    for text in CANDIDATE_TEXTS:
        error = text.check(getattr(form, text.key), rules)
        if error:
            errors[text.key] = error
    if form.route is Route.MEMBERS:
        for key, message in _check_nominators(form, rules, hidden).items():
            errors.setdefault(key, message)
    elif form.route is Route.BRANCH:
        if not form.branch:
            errors[BRANCH] = "Please choose the nominating branch."
        elif form.branch not in rules.branches:
            errors[BRANCH] = f"{form.branch} is not one of LI's branches."
    else:
        errors[ROUTE] = "Choose how you are nominated: by two members or by one branch."
    for key, message in _check_partner(form, rules, hidden).items():
        errors.setdefault(key, message)
    return errors


# A nominator on Slack gives their own details when they confirm.
CONFIRM_NAME = "confirm_name"
CONFIRM_EMAIL = "confirm_email"
CONFIRM_MEMBERSHIP = "confirm_membership"
CONFIRM_FIELDS = PersonFields("confirm_user", CONFIRM_NAME, CONFIRM_EMAIL, CONFIRM_MEMBERSHIP)


def validate_confirmation(details: Person, rules: ElectionRules, now: datetime) -> dict[str, str]:
    """A nominator's own details, as given when they confirm: ``{field key: message}``.

    They are not compared here with the candidate's or anyone else's, whose email address and
    membership number the nominator never sees: an error saying they match would confirm a
    guess. A match is for the returning officer to check (``clashes``).
    """
    if now.tzinfo is None:
        raise ValueError("validate_confirmation needs an aware 'now'")
    errors = _check_person_details(details, CONFIRM_FIELDS, "your", rules)
    election = rules.election
    if election is None or not is_open(election, now):
        errors[CONFIRM_NAME] = "Nominations have closed, so this nomination cannot be confirmed."
    return errors


def clashes_with(
    person: Person, who: str, others: Sequence[tuple[Person, str]], *, stored: bool = False
) -> list[str]:
    """How ``person`` (named ``who``, e.g. "Nominator 1") shares a Slack account, email
    address or membership number with each of ``others`` (each with its name, e.g. "the
    candidate"): one sentence per match, for the returning officer, e.g. "Nominator 1 has the
    same email address as the candidate." ``stored``: details as saved (see ``_identities``)."""
    return _matches(who, _keys(person, stored), [(role, _keys(other, stored)) for other, role in others])


_Keys = set[tuple[str, str]] | None
"""A person's identities (``_identities``), or None for a blank entry, which matches no one."""


def _keys(person: Person, stored: bool) -> _Keys:
    return None if person.is_blank else set(_identities(person, stored=stored))


def _matches(who: str, mine: _Keys, others: Sequence[tuple[str, _Keys]]) -> list[str]:
    if mine is None:
        return []
    found = []
    for role, theirs in others:
        label = None if theirs is None else _shared_label(mine, theirs)
        if label:
            found.append(f"{who} has the same {label} as {role}.")
    return found


def clashes(form: NominationForm, *, stored: bool = False) -> list[str]:
    """Every pair of people on the form who share a Slack account, email address or
    membership number, one sentence each, for the returning officer: the matches ``validate``
    could not tell the member about (``hidden``) and those found when a nominator confirms.
    The rule: candidates cannot nominate themselves, and two different members nominate
    (the role documents' "How to apply")."""
    people: list[tuple[Person, str]] = [(form.candidate, "the candidate")]
    if form.route is Route.MEMBERS:
        people += [(person, f"nominator {n}") for n, person in enumerate(form.nominators, start=1)]
    if form.partner is not None:
        people.append((form.partner, "the job-share partner"))
    # Each person's identities worked out once (the CSV export asks this of 2,000 rows).
    keyed = [(who, _keys(person, stored)) for person, who in people]
    found = []
    for index, (who, mine) in enumerate(keyed):
        found += _matches(who[0].upper() + who[1:], mine, keyed[:index])
    return found
