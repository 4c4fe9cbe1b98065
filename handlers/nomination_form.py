"""The nomination form redrawn as the member fills it in: choosing the route shows either
the two nominators' fields or the branch, and the job-share partner's fields come and go
with their button; over 100 branches or posts its selects search (block_suggestion). Each
change is acknowledged at once; the views.update runs after.

The update carries the view's hash, so it never overwrites a newer version of the form blindly.
When Slack answers hash_conflict (the profile pre-fill landed after the member clicked), the
form is drawn again from the view as it now stands, pre-fill included, with the change on top.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack

from bot.deliver import update_view
from bot.deps import AppDeps
from bot.flows.nomination_forms import branch_groups, dm_tell, membership_format, open_choices, profile_of
from bot.listeners import acknowledged
from bot.routes import Routes
from bot.services import nomination_rules
from bot.services.nomination_rules import Route
from bot.views import nominations as views
from bot.views.choices import ChoiceGroup, suggest

log = logging.getLogger(__name__)


def _chosen_route(body: dict[str, Any]) -> Route | None:
    action = (body.get("actions") or [{}])[0]
    value = (action.get("selected_option") or {}).get("value")
    return Route(value) if value in {r.value for r in Route} else None


def _drawn(
    body: dict[str, Any], deps: AppDeps, route: Route | None, with_partner: bool | None, *, fresh: bool
) -> Any:
    """The form for this change; ``fresh``: with the member's profile pre-fill read again."""
    user_id = str((body.get("user") or {}).get("id") or "")
    return views.redrawn_modal(
        body.get("view") or {},
        branch_groups(deps),
        membership_format=membership_format(deps),
        route=route,
        with_partner=with_partner,
        positions=open_choices(deps),
        profile=profile_of(deps, user_id) if fresh else None,
    )


def redraw(body: dict[str, Any], deps: AppDeps, *, route: Route | None, with_partner: bool | None) -> None:
    """Update the form in ``body["view"]`` for ``route`` / ``with_partner`` (None: as it is)."""
    view = body.get("view") or {}
    if view.get("callback_id") != views.NOMINATION_CALLBACK:
        return
    user_id = str((body.get("user") or {}).get("id") or "")
    update_view(
        deps,
        str(view.get("id") or ""),
        _drawn(body, deps, route, with_partner, fresh=False),
        hash=view.get("hash"),
        tell=dm_tell(deps, user_id),
        what="the form does not show your last choice yet: choose it again",
        # The form changed after the member's click: the profile pre-fill landed first. Drawn
        # from the view as it now stands (the member's state, the pre-fill) with this change
        # on top, so that neither is lost.
        redo=lambda: _drawn(body, deps, route, with_partner, fresh=True),
    )


def register(routes: Routes, deps: AppDeps) -> None:
    def on_route(body: dict[str, Any]) -> None:
        redraw(body, deps, route=_chosen_route(body), with_partner=None)

    def on_partner_add(body: dict[str, Any]) -> None:
        redraw(body, deps, route=None, with_partner=True)

    def on_partner_remove(body: dict[str, Any]) -> None:
        redraw(body, deps, route=None, with_partner=False)

    def suggestions(ack: Ack, body: dict[str, Any]) -> None:
        # Over 100 branches or posts, the form's select searches: Slack asks for the options.
        if body.get("block_id") == nomination_rules.BRANCH:
            groups = [ChoiceGroup(g.region, g.branches) for g in branch_groups(deps)]
        else:
            groups = [ChoiceGroup("", open_choices(deps))]
        ack(**suggest(groups, str(body.get("value") or "")))

    def is_form_suggestion(body: dict[str, Any]) -> bool:
        return (body.get("view") or {}).get("callback_id") == views.NOMINATION_CALLBACK and body.get(
            "block_id"
        ) in {nomination_rules.BRANCH, nomination_rules.POSITION}

    routes.options(views.INPUT, matchers=[is_form_suggestion])(suggestions)
    routes.action(views.ROUTE_ACTION)(acknowledged(deps, on_route))
    routes.action(views.PARTNER_ADD)(acknowledged(deps, on_partner_add))
    routes.action(views.PARTNER_REMOVE)(acknowledged(deps, on_partner_remove))
