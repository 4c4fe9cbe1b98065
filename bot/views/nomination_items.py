"""A nomination as a list shows it: in the candidate's "My nominations" and in the
returning officer's list."""

from __future__ import annotations

from datetime import datetime

from bot.config import OrgConfig
from bot.services import nominations
from bot.services.nomination_rules import Route, clashes
from bot.services.nominations import NominationStatus
from bot.services.position_titles import position_title
from bot.services.roles import RoleCatalog
from bot.views import nominations as views
from bot.views.common import escape
from models.elections import NominationRecord


def nomination_item(
    org: OrgConfig, roles: RoleCatalog, n: NominationRecord, now: datetime, *, returning_officer: bool = False
) -> views.NominationItem:
    """``returning_officer``: the item also says which people on it share a detail (their
    details are the candidate's and nominators' own, seen only by the returning officer)."""
    status = nominations.status_of(n)
    if n.route == Route.BRANCH:
        branch = org.branches.get(n.branch or "")
        route = f"the {escape(branch.name if branch else n.branch or '?')} branch"
    else:
        route = "two members"
    lines = []
    for nominator in n.nominators:
        who = f"<@{nominator.slack_id}>" if nominator.slack_id else escape(nominator.name or "(forgotten)")
        lines.append(
            f"Nominator {nominator.slot}: {who} · "
            f"{nominations.NOMINATOR_LABELS.get(nominator.status, nominator.status)}"
        )
    if n.partner_name:
        lines.append(f"Job share with {escape(n.partner_name)}")
    return views.NominationItem(
        nomination_id=n.id,
        position=position_title(roles, n.position_key),
        election=n.election.name,
        candidate=n.candidate_name,
        candidate_slack_id=n.candidate_slack_id,
        status=status.value,
        route=route,
        nominators=lines,
        closes_at=n.election.closes_at,
        open=n.withdrawn_at is None and not nominations.election_closed(n, now),
        needs_check=status is NominationStatus.TO_CHECK,
        clashes=clashes(nominations.form_of(n), stored=True) if returning_officer else (),
    )
