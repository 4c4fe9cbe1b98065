"""Nominating: /liec nominate, the Nominate button and the shortcut open the form (its
submission is handlers/nomination_submit.py); /liec nominations mine for the candidate,
/liec nominations [position] | export for admins (bot/flows/nomination_lists.py; Mark as
checked is handlers/nomination_admin.py). The nominators' Confirm and Decline are
handlers/nomination_answers.py (their DM is a job: bot/flows/nomination_messages.py); the
form's redrawing as it is filled in is handlers/nomination_form.py. Each is in the one
feature list, handlers/__init__.py.

Personal data goes only to DMs and modals, never to a channel or a log line (ids only).
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Respond

from bot.commands import CommandRequest, Subcommand
from bot.deps import AppDeps
from bot.flows import nomination_lists, nomination_messages
from bot.flows.nomination_forms import (
    dm_tell,
    mine_view,
    not_open_reply,
    nothing_mine,
    open_nomination_form,
    respond_tell,
)
from bot.listeners import acknowledged
from bot.routes import Routes
from bot.services import election_store
from bot.services.election_store import OpenPosition
from bot.services.elections import REGIONAL_COORDINATOR, Position, split_region
from bot.slack_modals import show_modal
from bot.views import elections as election_views
from bot.views import nominations as views
from bot.views.common import Reply, escape, notice

log = logging.getLogger(__name__)

NOT_ADMIN = "Only LIEC admins can see the nominations. To see your own, type `/liec nominations mine`."


# Choosing what is open ------------------------------------------------------------------


def _resolve_role(deps: AppDeps, text: str) -> tuple[Position | None, Reply | None]:
    """The role (and region) a member typed after /liec nominate, or a reply saying what
    went wrong. A bare region ("asia") means that region's coordinator."""
    if not text.strip():
        return None, None
    rest, region = split_region(text)
    bare = rest.strip(" -").lower()
    if bare == "rc" or (region is not None and not bare):
        return Position(REGIONAL_COORDINATOR, region), None
    match = deps.roles.match(rest or text)
    if match.role is None:
        hint = ", ".join(r.title for r in match.suggestions) or ", ".join(r.title for r in deps.roles.roles)
        return None, notice(f"There is no role called “{escape(text[:60])}”. Roles: {escape(hint)}.")
    return Position(match.role.key, region if match.role.key == REGIONAL_COORDINATOR else None), None


def _open_positions(
    deps: AppDeps, wanted: Position | None = None, election_id: int | None = None
) -> list[OpenPosition]:
    found = deps.read(
        election_store.open_positions, deps.clock.now(), wanted.role_key if wanted else None, election_id
    )
    if wanted is not None and wanted.region is not None:
        found = [f for f in found if f.position == wanted]
    return found


# /liec nominate ------------------------------------------------------------------------


def nominate_reply(req: CommandRequest, deps: AppDeps) -> Reply | None:
    """An unknown position is answered at once, from memory; whether nominations are open is
    read after the acknowledgement (``nominate_work``), so the acknowledgement waits on no
    database whatever the load."""
    _wanted, problem = _resolve_role(deps, req.args)
    return problem


def nominate_work(req: CommandRequest, deps: AppDeps) -> None:
    """The form, or (no position open) when nominations open, through the response_url."""
    wanted, problem = _resolve_role(deps, req.args)
    if problem is not None:
        return
    found = _open_positions(deps, wanted)
    if found:
        selected = found[0].value if wanted and len(found) == 1 else None
        open_nomination_form(
            deps, req.trigger_id, req.user_id, found, selected, req.reply, "type the command again"
        )
        return
    req.reply(deps.read(not_open_reply, deps, wanted))


# /liec nominations ---------------------------------------------------------------------


def nominations_reply(req: CommandRequest, deps: AppDeps) -> Reply | None:
    verb = req.args.split()[0].lower() if req.args.split() else ""
    if verb == "mine":
        return None  # read after the acknowledgement (nominations_work)
    if not deps.is_admin(req.user_id):
        return notice(NOT_ADMIN)
    if verb == "export":
        return notice("I'm sending you the CSV of every nomination by direct message.")
    wanted, problem = _resolve_role(deps, req.args)
    if problem is not None:
        return problem
    if wanted is None:
        return notice("I'm sending you how many nominations each position has by direct message.")
    return notice("I'm sending you the list of nominations by direct message.")


def nominations_work(req: CommandRequest, deps: AppDeps) -> None:
    verb = req.args.split()[0].lower() if req.args.split() else ""
    if verb == "mine":
        # The list in a modal; with no nomination and no election open, when nominations open
        # (through the response_url: no empty form).
        nothing = nothing_mine(deps, req.user_id)
        if nothing is not None:
            req.reply(nothing)
            return
        view = mine_view(deps, req.user_id)
        show_modal(deps.client, req.trigger_id, view, tell=req.reply, again="type the command again")
        return
    if not deps.is_admin(req.user_id):
        return
    if verb == "export":
        nomination_lists.export_csv(deps, req.user_id, req.asked_at)
        return
    wanted, problem = _resolve_role(deps, req.args)
    if problem is None:
        nomination_lists.send_admin_list(deps, req.user_id, wanted, req.asked_at)


SUBCOMMANDS = [
    Subcommand(
        "nominate",
        "/liec nominate [role]",
        "nominate a candidate in an officer election",
        reply=nominate_reply,
        work=nominate_work,
        from_memory=True,
    ),
    Subcommand(
        "nominations",
        "/liec nominations mine",
        "see, edit or withdraw your nominations",
        reply=nominations_reply,
        work=nominations_work,
        from_memory=True,
        admin_help=(
            ("/liec nominations [role]", "how many nominations each role has; with a role, its nominations"),
            ("/liec nominations export", "all nominations as a CSV, sent to you by DM"),
        ),
    ),
]


# Wiring --------------------------------------------------------------------------------


def register(routes: Routes, deps: AppDeps) -> None:
    def nominate_button(body: dict[str, Any], respond: Respond) -> None:
        election_id = int(body["actions"][0].get("value") or 0)
        user_id = body["user"]["id"]
        # On the Home tab there is no response_url: the member is told by DM.
        tell = respond_tell(respond) if body.get("response_url") else dm_tell(deps, user_id)
        found = _open_positions(deps, election_id=election_id)
        if not found:
            record = deps.read(election_store.get, election_id)
            text = (
                f"Nominations for {escape(record.name)} closed {election_views.slack_time(record.closes_at)}."
                if record
                else "That election no longer exists."
            )
            tell(notice(text))
            return
        open_nomination_form(
            deps, body["trigger_id"], user_id, found, tell=tell, again="press *Nominate* again"
        )

    def shortcut(body: dict[str, Any]) -> None:
        user_id = body["user"]["id"]
        found = _open_positions(deps)
        if found:
            open_nomination_form(deps, body["trigger_id"], user_id, found, again="use the shortcut again")
            return
        dm_tell(deps, user_id)(deps.read(not_open_reply, deps, None))

    routes.action(election_views.NOMINATE_BUTTON)(acknowledged(deps, nominate_button))
    routes.shortcut(views.SHORTCUT)(acknowledged(deps, shortcut))
    nomination_messages.register(deps)
