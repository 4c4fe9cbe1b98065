"""The returning officer's CSV of nominations: every field, one row per nomination.

Cells a spreadsheet would run as a formula (=, +, -, @ at the start, full-width forms too)
are prefixed with an apostrophe, so a statement cannot become a formula on the Secretary's
computer; invisible direction controls are removed (bot/services/text_safety.py).
"""

from __future__ import annotations

import csv
import functools
import io
from collections.abc import Callable, Sequence

from bot.services.nomination_rules import CANDIDATE_TEXTS, candidate_texts
from bot.services.nominations import (
    NOMINATOR_LABELS,
    partner_of,
    position_of,
    status_of,
)
from bot.services.text_safety import safe_cell
from models.elections import NominationRecord

COLUMNS = (
    "election",
    "position",
    "status",
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


def export_rows(
    nominations: Sequence[NominationRecord], label: Callable[[str], str] = str
) -> list[dict[str, str]]:
    """One dict per nomination; ``label`` turns a position key into its title."""
    label = functools.cache(label)  # a handful of positions, thousands of nominations
    rows = []
    for n in nominations:
        row = {
            "election": n.election.name,
            "position": label(position_of(n).key),
            "status": status_of(n).value,
            "candidate_name": n.candidate_name,
            "candidate_email": n.candidate_email,
            "candidate_membership_number": n.candidate_membership,
            "candidate_slack_id": n.candidate_slack_id or "",
            **candidate_texts(n),
            "route": n.route,
            "branch": n.branch or "",
            "submitted_by": n.submitted_by,
            "submitted_at_utc": f"{n.created_at:%Y-%m-%d %H:%M}",
            "updated_at_utc": f"{n.updated_at:%Y-%m-%d %H:%M}",
            "withdrawn_at_utc": f"{n.withdrawn_at:%Y-%m-%d %H:%M}" if n.withdrawn_at else "",
            "checked_by": n.checked_by or "",
            "checked_at_utc": f"{n.checked_at:%Y-%m-%d %H:%M}" if n.checked_at else "",
        }
        for nominator in n.nominators:
            prefix = f"nominator_{nominator.slot}_"
            row[prefix + "name"] = nominator.name or ""
            row[prefix + "email"] = nominator.email or ""
            row[prefix + "membership_number"] = nominator.membership_number or ""
            row[prefix + "slack_id"] = nominator.slack_id or ""
            row[prefix + "status"] = NOMINATOR_LABELS.get(nominator.status, nominator.status)
        partner = partner_of(n)
        if partner is not None:
            row["partner_name"] = partner.name
            row["partner_email"] = partner.email
            row["partner_membership_number"] = partner.membership_number
            row["partner_slack_id"] = partner.slack_id or ""
        rows.append({column: row.get(column, "") for column in COLUMNS})
    return rows


def to_csv(rows: Sequence[dict[str, str]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({key: safe_cell(value) for key, value in row.items()})
    return out.getvalue()
