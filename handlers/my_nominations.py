"""A member's "My nominations": Edit (the form again, filled in) and Withdraw."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Respond

from bot.deliver import update_view
from bot.deps import AppDeps
from bot.flows.nomination_forms import dm_tell, edit_view, mine_view
from bot.listeners import after_ack
from bot.routes import Routes
from bot.services import nomination_submissions as submissions
from bot.services.outcomes import Refused
from bot.slack_modals import show_modal
from bot.views import nominations as views
from bot.views.common import escape

log = logging.getLogger(__name__)


def _on_edit(deps: AppDeps, body: dict[str, Any], respond: Respond) -> None:
    del respond  # a button inside a modal has none
    view = edit_view(deps, int(body["actions"][0].get("value") or 0), body["user"]["id"])
    tell = dm_tell(deps, str(body["user"]["id"]))
    show_modal(deps.client, body["trigger_id"], view, tell=tell, again="press *Edit* again", push=True)


def _on_withdraw(deps: AppDeps, body: dict[str, Any], respond: Respond) -> None:
    del respond  # a button inside a modal has none
    user_id = body["user"]["id"]
    nomination_id = int(body["actions"][0].get("value") or 0)
    now = deps.clock.now()
    outcome = deps.write(submissions.withdraw, nomination_id, user_id, now)
    if isinstance(outcome, Refused):
        # A button inside a modal has no response_url: the answer is a modal pushed on top (or,
        # if Slack says the trigger expired, a DM asking to press again).
        notice = views.modal_notice("Cannot withdraw", escape(outcome.message))
        tell = dm_tell(deps, user_id)
        show_modal(
            deps.client, body["trigger_id"], notice, tell=tell, again="press the button again", push=True
        )
        return
    log.info("nomination withdrawn id=%s by=%s", nomination_id, user_id)
    view = body.get("view") or {}
    update_view(
        deps,
        str(view.get("id") or ""),
        mine_view(deps, user_id),
        tell=dm_tell(deps, user_id),
        what="the list still shows it, though it is withdrawn",
    )


def register(routes: Routes, deps: AppDeps) -> None:
    routes.action(views.MINE_EDIT)(after_ack(deps, _on_edit))
    routes.action(views.MINE_WITHDRAW)(after_ack(deps, _on_withdraw))
