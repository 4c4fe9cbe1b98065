"""The returning officer's CSV of nominations: every field, one row per nomination.

Cells a spreadsheet would run as a formula (=, +, -, @ at the start, full-width forms too)
are prefixed with an apostrophe, so a statement cannot become a formula on the Secretary's
computer; invisible direction controls are removed (bot/services/text_safety.py).

At ten times LI's size (2,000 nominations) it is read with one statement of just the
columns it shows, row by row into the csv writer: no ORM objects, no list of dicts.
"""

from __future__ import annotations

import csv
import functools
import io
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import and_, select
from sqlalchemy.orm import Session, aliased

from bot.services.elections import Position
from bot.services.nomination_rules import CANDIDATE_TEXTS, NominationForm, Person, Route, clashes
from bot.services.nominations import NOMINATOR_LABELS, status_from
from bot.services.text_safety import safe_cell
from models.elections import ElectionRecord, NominationRecord, NominatorRecord

COLUMNS = (
    "election",
    "position",
    "status",
    "to_check",
    "candidate_name",
    "candidate_email",
    "candidate_membership_number",
    "candidate_slack_id",
    *(text.key for text in CANDIDATE_TEXTS),
    "route",
    "branch",
    "nominator_1_name",
    "nominator_1_email",
    "nominator_1_membership_number",
    "nominator_1_slack_id",
    "nominator_1_status",
    "nominator_2_name",
    "nominator_2_email",
    "nominator_2_membership_number",
    "nominator_2_slack_id",
    "nominator_2_status",
    "partner_name",
    "partner_email",
    "partner_membership_number",
    "partner_slack_id",
    "submitted_by",
    "submitted_at_utc",
    "updated_at_utc",
    "withdrawn_at_utc",
    "checked_by",
    "checked_at_utc",
)


_N1 = aliased(NominatorRecord, name="nominator_1")
_N2 = aliased(NominatorRecord, name="nominator_2")
_NOMINATOR_FIELDS = ("name", "email", "membership_number", "slack_id", "status")
_NOMINATION_FIELDS = (
    "position_key",
    "route",
    "branch",
    "withdrawn_at",
    "checked_at",
    "candidate_name",
    "candidate_email",
    "candidate_membership",
    "candidate_slack_id",
    *(text.key for text in CANDIDATE_TEXTS),
    "partner_slack_id",
    "partner_name",
    "partner_email",
    "partner_membership",
    "submitted_by",
    "created_at",
    "updated_at",
    "checked_by",
)


def _query(election_id: int | None) -> Any:
    # A nomination has two nominators (slots 1 and 2, unique per nomination): one outer join each.
    query = (
        select(
            ElectionRecord.name,
            *(getattr(NominationRecord, field) for field in _NOMINATION_FIELDS),
            *(getattr(_N1, field) for field in _NOMINATOR_FIELDS),
            *(getattr(_N2, field) for field in _NOMINATOR_FIELDS),
        )
        .select_from(NominationRecord)
        .join(ElectionRecord, ElectionRecord.id == NominationRecord.election_id)
        .outerjoin(_N1, and_(_N1.nomination_id == NominationRecord.id, _N1.slot == 1))
        .outerjoin(_N2, and_(_N2.nomination_id == NominationRecord.id, _N2.slot == 2))
        .order_by(NominationRecord.election_id, NominationRecord.position_key, NominationRecord.id)
    )
    return query if election_id is None else query.where(NominationRecord.election_id == election_id)


def _person(nominator: dict[str, Any]) -> Person:
    return Person(nominator["slack_id"], "", nominator["email"] or "", nominator["membership_number"] or "")


def _people(n: dict[str, Any], nominators: list[dict[str, Any]], partner: bool) -> NominationForm:
    """The people of a row read without the ORM, as ``nomination_rules.clashes`` compares them
    (what ``nominations.form_of`` gives of a record)."""
    return NominationForm(
        position=None,
        candidate=Person(n["candidate_slack_id"], "", n["candidate_email"], n["candidate_membership"]),
        statement="",
        route=Route(n["route"]),
        nominators=(_person(nominators[0]), _person(nominators[1])),
        partner=Person(n["partner_slack_id"], "", n["partner_email"] or "", n["partner_membership"] or "")
        if partner
        else None,
    )


def _stamp(moment: datetime | None) -> str:
    """``YYYY-MM-DD HH:MM`` (a four-digit year, as every moment the bot records has):
    ``isoformat`` is half the CPU of ``strftime``, 8,000 times an export."""
    return moment.isoformat(" ", "minutes")[:16] if moment else ""


def export_rows(
    session: Session, label: Callable[[str], str] = str, election_id: int | None = None
) -> Iterator[dict[str, str]]:
    """One dict per nomination (every column of COLUMNS, in order), read as it is written;
    ``label`` turns a position key into its title."""
    title = functools.cache(lambda key: label(Position.parse(key).key))  # a handful of positions
    rows = session.execute(_query(election_id).execution_options(yield_per=500))
    for election, *values in rows:
        n = dict(zip(_NOMINATION_FIELDS, values, strict=False))
        nominators = [
            dict(zip(_NOMINATOR_FIELDS, values[start : start + 5], strict=True))
            for start in (len(_NOMINATION_FIELDS), len(_NOMINATION_FIELDS) + 5)
        ]
        statuses = [m["status"] for m in nominators if m["status"]]
        row = {
            "election": election,
            "position": title(n["position_key"]),
            "status": status_from(n["withdrawn_at"], n["checked_at"], statuses).value,
            "candidate_name": n["candidate_name"],
            "candidate_email": n["candidate_email"],
            "candidate_membership_number": n["candidate_membership"],
            "candidate_slack_id": n["candidate_slack_id"] or "",
            **{text.key: n[text.key] or "" for text in CANDIDATE_TEXTS},
            "route": n["route"],
            "branch": n["branch"] or "",
        }
        for slot, nominator in enumerate(nominators, start=1):
            prefix = f"nominator_{slot}_"
            for field in _NOMINATOR_FIELDS[:4]:
                row[prefix + field] = nominator[field] or ""
            status = nominator["status"]
            row[prefix + "status"] = NOMINATOR_LABELS.get(status, status) if status else ""
        partner = bool(n["partner_slack_id"] or n["partner_name"])
        row["to_check"] = " ".join(clashes(_people(n, nominators, partner), stored=True))
        row["partner_name"] = (n["partner_name"] or "") if partner else ""
        row["partner_email"] = (n["partner_email"] or "") if partner else ""
        row["partner_membership_number"] = (n["partner_membership"] or "") if partner else ""
        row["partner_slack_id"] = (n["partner_slack_id"] or "") if partner else ""
        row["submitted_by"] = n["submitted_by"]
        row["submitted_at_utc"] = _stamp(n["created_at"])
        row["updated_at_utc"] = _stamp(n["updated_at"])
        row["withdrawn_at_utc"] = _stamp(n["withdrawn_at"])
        row["checked_by"] = n["checked_by"] or ""
        row["checked_at_utc"] = _stamp(n["checked_at"])
        yield {column: row[column] for column in COLUMNS}


def to_csv(rows: Iterable[dict[str, str]]) -> str:
    """The rows as CSV text (CRLF lines, a header), every cell through ``safe_cell``."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    writer.writerows([safe_cell(row[column]) for column in COLUMNS] for row in rows)
    return out.getvalue()


def export_csv(session: Session, label: Callable[[str], str] = str) -> tuple[str, int]:
    """(the CSV of every nomination, how many rows): the returning officer's export."""
    count = 0

    def counted(rows: Iterator[dict[str, str]]) -> Iterator[dict[str, str]]:
        nonlocal count
        for row in rows:
            count += 1
            yield row

    return to_csv(counted(export_rows(session, label))), count
