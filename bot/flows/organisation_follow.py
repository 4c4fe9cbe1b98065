"""What an organisation change re-plans on the questions' side (handlers/organisation.py hands
these to the OrgStore): escalations after a new `escalate_after`, and a new coordinator's
share of the questions nobody has taken yet."""

from __future__ import annotations

from bot.config import OrgConfig
from bot.deps import AppDeps
from bot.flows import question_delivery as delivery
from bot.services import organisation_effects as effects


def follow_escalation(deps: AppDeps, before: OrgConfig, after: OrgConfig) -> None:
    """A new `escalate_after` moves the escalation of every question still unclaimed."""
    if not effects.escalation_changed(before, after):
        return
    for question in deps.read(effects.awaiting_escalation):
        delivery.schedule_escalation(deps, question)


def follow_coordinators(deps: AppDeps, before: OrgConfig, after: OrgConfig) -> None:
    """A new coordinator gets the region's questions nobody has taken yet (questions that
    waited for a coordinator are delivered by the startup step the store re-runs)."""
    regions = effects.regions_with_new_coordinators(before, after)
    for question_id in deps.read(effects.unclaimed_delivered, regions):
        delivery.schedule_delivery(deps, question_id)
