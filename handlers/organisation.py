"""/liec org: the organisation editor for admins (also a button on the admins' Home tab).

Thin: the menu and each form are built by bot/views/organisation.py; every submission goes to
bot/services/organisation_editor.py, which checks the admin list again, validates, saves and
records the change. No session is opened here.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack

from bot.commands import CommandRequest, Subcommand
from bot.deliver import dm_teller, update_view
from bot.deps import AppDeps
from bot.flows.organisation_follow import follow_coordinators, follow_escalation
from bot.listeners import acknowledged
from bot.routes import Routes
from bot.services import nominations
from bot.services import organisation_editor as editor
from bot.services.organisation import OrganisationConflict
from bot.services.organisation_fields import FORM_BRANCHES, FORMS
from bot.slack_modals import Tell, show_modal
from bot.views import organisation as views

log = logging.getLogger(__name__)


def _membership_example(deps: AppDeps) -> str:
    return nominations.rules_for(None, deps.org).membership_format_text


# An answer by DM where no response_url is at hand (the admins hear if Slack refuses it).
ANSWER = "organisation.answer"


def _dm(deps: AppDeps, body: dict[str, Any]) -> Tell:
    return dm_teller(deps, body["user"]["id"], kind=ANSWER, what="an answer to an admin's button")


def org_work(req: CommandRequest, deps: AppDeps) -> None:
    if req.trigger_id:
        menu = views.menu(deps.org).to_dict()
        show_modal(deps.client, req.trigger_id, menu, tell=req.reply, again="type the command again")


SUBCOMMANDS = [
    Subcommand(
        "org",
        "/liec org",
        "admins: change who holds each post, regions, branches, channels and settings",
        work=org_work,
        aliases=("organisation", "organization"),
        admin_only=True,
    ),
]


def turn_page(deps: AppDeps, body: dict[str, Any]) -> None:
    """Previous / Next in the branches form: the page drawn from the organisation as it is now."""
    user = str(body.get("user", {}).get("id", ""))
    view = body.get("view") or {}
    context = views.FormContext.load(view.get("private_metadata"))
    value = str((body.get("actions") or [{}])[0].get("value") or "")
    if not deps.is_admin(user) or context is None or context.form != FORM_BRANCHES or not value.isdigit():
        return
    store = deps.organisation
    revision = store.revision if store is not None else 0

    def drawn() -> Any:
        return views.form(FORM_BRANCHES, deps.org, revision, deps.roles.roles, "", int(value))

    update_view(
        deps,
        str(view.get("id") or ""),
        drawn(),
        hash=view.get("hash"),
        tell=_dm(deps, body),
        what="the branches form still shows the page it showed",
        redo=drawn,  # a double click: the page asked for, over whatever is shown
    )


def register(routes: Routes, deps: AppDeps) -> None:
    if deps.organisation is not None:
        store = deps.organisation
        store.on_change(lambda before, after: follow_escalation(deps, before, after))
        store.on_change(lambda before, after: follow_coordinators(deps, before, after))

    def open_menu(body: dict[str, Any]) -> None:
        # From the admins' Home tab.
        if deps.is_admin(body.get("user", {}).get("id", "")):
            show_modal(deps.client, body["trigger_id"], views.menu(deps.org).to_dict(), tell=_dm(deps, body))

    def open_form(body: dict[str, Any]) -> None:
        if not deps.is_admin(body.get("user", {}).get("id", "")):
            return
        which = str((body.get("actions") or [{}])[0].get("value") or "")
        if which not in FORMS:
            return
        store = deps.organisation
        revision = store.revision if store is not None else 0
        view = views.form(which, deps.org, revision, deps.roles.roles, _membership_example(deps))
        show_modal(deps.client, body["trigger_id"], view.to_dict(), tell=_dm(deps, body), push=True)

    def submit(ack: Ack, body: dict[str, Any]) -> None:
        user = body.get("user", {}).get("id", "")
        view = body.get("view", {})
        context = views.FormContext.load(view.get("private_metadata"))
        store = deps.organisation
        if context is None or store is None:
            ack(response_action="update", view=views.refused().to_dict())
            return
        try:
            saved = editor.submit(
                store, deps.roles, context.form, user, views.form_values(view), context.revision
            )
        except editor.NotAdmin:
            log.warning("organisation form refused: not an admin form=%s", context.form)
            ack(response_action="update", view=views.refused().to_dict())
            return
        except editor.FormErrors as exc:
            ack(
                response_action="errors",
                errors={block: views.error_text(text) for block, text in exc.errors.items()},
            )
            return
        except OrganisationConflict:
            ack(response_action="update", view=views.changed_meanwhile().to_dict())
            return
        log.info("organisation changed form=%s changes=%d", context.form, len(saved.changes))
        ack(response_action="update", view=views.saved([c.in_words() for c in saved.changes]).to_dict())

    routes.action(views.HOME_OPEN)(acknowledged(deps, open_menu))
    routes.action(views.OPEN_FORM)(acknowledged(deps, open_form))
    routes.action(views.BRANCH_PAGE)(acknowledged(deps, lambda body: turn_page(deps, body)))
    routes.view(views.FORM_CALLBACK)(submit)
