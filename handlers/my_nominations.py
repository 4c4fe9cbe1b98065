"""A member's "My nominations": Edit (the form again, filled in) and Withdraw."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App

from bot.deps import AppDeps
from bot.flows.nomination_forms import branch_groups, membership_format, mine_view, position_choices
from bot.services import election_store, nominations
from bot.services import nomination_submissions as submissions
from bot.views import nominations as views
from bot.views.common import escape

log = logging.getLogger(__name__)


def _on_edit(body: dict[str, Any], deps: AppDeps) -> None:
    user_id = body["user"]["id"]
    nomination_id = int(body["actions"][0].get("value") or 0)
    now = deps.clock.now()
    with deps.session_factory() as session:
        n = nominations.get(session, nomination_id)
        if n is None or not nominations.can_manage(n, user_id) or n.withdrawn_at is not None:
            return
        if nominations.election_closed(n, now):
            deps.client.views_push(
                trigger_id=body["trigger_id"],
                view=views.modal_notice(
                    "Nominations closed",
                    f"Nominations for {escape(n.election.name)} have "
                    "closed: the nomination can no longer be changed.",
                ),
            )
            return
        form = nominations.form_of(n)
        found = election_store.open_positions(session, now, election_id=n.election_id)
        selected = f"{n.election_id}|{n.position_key}"
        closes_at = n.election.closes_at
    view = views.nomination_modal(
        position_choices(deps, found),
        branch_groups(deps),
        membership_format=membership_format(deps),
        initial=form,
        selected=selected,
        closes_at=closes_at,
        nomination_id=nomination_id,
    )
    deps.client.views_push(trigger_id=body["trigger_id"], view=view)


def _on_withdraw(body: dict[str, Any], deps: AppDeps) -> None:
    user_id = body["user"]["id"]
    nomination_id = int(body["actions"][0].get("value") or 0)
    now = deps.clock.now()
    with deps.session_factory.begin() as session:
        outcome = submissions.withdraw(session, nomination_id, user_id, now)
    if isinstance(outcome, submissions.Refused):
        return  # the list only offers Withdraw where it applies; a stale click does nothing
    log.info("nomination withdrawn id=%s by=%s", nomination_id, user_id)
    view = body.get("view") or {}
    deps.client.views_update(view_id=view.get("id"), view=mine_view(deps, user_id))


def register(app: App, deps: AppDeps) -> None:
    def ack_only(ack: Ack) -> None:
        ack()

    def on_edit(body: dict[str, Any]) -> None:
        _on_edit(body, deps)

    def on_withdraw(body: dict[str, Any]) -> None:
        _on_withdraw(body, deps)

    app.action(views.MINE_EDIT)(ack=ack_only, lazy=[on_edit])
    app.action(views.MINE_WITHDRAW)(ack=ack_only, lazy=[on_withdraw])
