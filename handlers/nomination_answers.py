"""The nominators' side: the DM asking them (a durable job), Confirm (a modal for their own
details) and Decline, and the candidate hearing of a decline or of a valid nomination."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, Respond

from bot.deliver import update_message
from bot.deps import AppDeps
from bot.flows.nomination_forms import membership_format, open_then_prefill, respond_tell
from bot.listeners import after_ack
from bot.routes import Routes
from bot.services import nomination_rules
from bot.services import nomination_submissions as submissions
from bot.services.nomination_rules import Person
from bot.services.outcomes import Refused
from bot.services.position_titles import position_title
from bot.views import nominations as views
from bot.views import nominators as nominator_views
from bot.views.common import escape
from models.elections import NominatorRecord

log = logging.getLogger(__name__)

# What an update of this module is, for the admins' alert when Slack refuses it (bot/deliver.py).
ANSWERED = "nominations.request_answered"


# Nominators ----------------------------------------------------------------------------


def _on_confirm_button(deps: AppDeps, body: dict[str, Any], respond: Respond) -> None:
    user_id = body["user"]["id"]
    value = str(body["actions"][0].get("value") or "")
    asked = deps.read(submissions.request_to_answer, value, user_id, deps.clock.now())
    if isinstance(asked, Refused):
        respond(text=escape(asked.message), replace_original=False, response_type="ephemeral")
        return
    nominator_id = asked.nominator_id
    candidate, position = asked.candidate_name, position_title(deps.roles, asked.position_key)
    number_format = membership_format(deps)

    def build(profile: Person | None) -> Any:
        return nominator_views.confirm_modal(
            nominator_id, candidate, position, profile or Person(), number_format
        )

    open_then_prefill(
        deps, body["trigger_id"], build, user_id, respond_tell(respond), "press *Confirm* again"
    )


def _submit_confirmation(ack: Ack, body: dict[str, Any], view: dict[str, Any], deps: AppDeps) -> None:
    nominator_id = views.metadata_id(view, "nominator_id") or 0
    details = nominator_views.read_confirmation(view["state"]["values"])
    outcome = deps.write(
        submissions.confirm, deps.org, nominator_id, body["user"]["id"], details, deps.clock.now()
    )
    if isinstance(outcome, submissions.Rejected):
        # Escaped as before: the request's problem carries the election's name.
        name = nomination_rules.CONFIRM_NAME
        ack(
            response_action="errors",
            errors={k: escape(v) if k == name else v for k, v in outcome.errors.items()},
        )
        return
    thanks = "You have confirmed this nomination. Thank you." if outcome.again else None
    ack(
        response_action="update",
        view=views.modal_notice("Confirmed", thanks or "Thank you: your nomination is recorded."),
    )
    if not thanks:
        _confirmed(deps, outcome.nominator)


def _confirmed(deps: AppDeps, nominator: NominatorRecord) -> None:
    """After a confirmation: logged (ids only), and the request in their DM marked answered."""
    nomination = nominator.nomination
    log.info("nominator confirmed nominator=%s nomination=%s", nominator.id, nominator.nomination_id)
    if nominator.dm_channel and nominator.dm_ts:
        answered = nominator_views.nominator_answered(
            nomination.candidate_name, position_title(deps.roles, nomination.position_key), True
        )
        update_message(
            deps,
            nominator.dm_channel,
            nominator.dm_ts,
            answered,
            kind=ANSWERED,
            what="a nominator's answered request (its buttons stay as they were)",
            person=nominator.slack_id,
        )


def _on_decline(deps: AppDeps, body: dict[str, Any], respond: Respond) -> None:
    user_id = body["user"]["id"]
    value = str(body["actions"][0].get("value") or "")
    asked = deps.write(submissions.decline, value, user_id, deps.clock.now())
    if isinstance(asked, Refused):
        respond(text=escape(asked.message), replace_original=False, response_type="ephemeral")
        return
    nominator_id = asked.nominator_id
    answered = nominator_views.nominator_answered(
        asked.candidate_name, position_title(deps.roles, asked.position_key), False
    )
    log.info("nominator declined nominator=%s", nominator_id)
    respond(text=answered.text, blocks=answered.block_dicts(), replace_original=True)


def register(routes: Routes, deps: AppDeps) -> None:
    def submit_confirmation(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        _submit_confirmation(ack, body, view, deps)

    routes.view(nominator_views.CONFIRM_CALLBACK)(submit_confirmation)
    routes.action(nominator_views.NOMINATOR_CONFIRM)(after_ack(deps, _on_confirm_button))
    routes.action(nominator_views.NOMINATOR_DECLINE)(after_ack(deps, _on_decline))
