"""/liec my-data, /liec forget-me (with its confirmation modal) and the admins' /liec audit."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Respond

from bot.commands import CommandRequest, Subcommand
from bot.deliver import give_files, tell
from bot.deps import AppDeps
from bot.flows.nomination_forms import dm_tell
from bot.listeners import after_ack
from bot.routes import Routes
from bot.services import audit, member_data, organisation
from bot.slack_dm import DmFile
from bot.slack_modals import Tell, show_modal
from bot.views import member_data as views
from bot.views import organisation as organisation_views
from bot.views.common import Reply

log = logging.getLogger(__name__)

JSON_FILE = "liec-my-data.json"
SUMMARY_FILE = "liec-my-data.txt"
ORGANISATION_CHANGES_SHOWN = 10
# What a DM of this feature is, for the admins' alert when Slack refuses it (bot/deliver.py).
EXPORT = "member_data_export"
FORGET = "member_data_forget"


def send_export(deps: AppDeps, user_id: str) -> bool:
    """Everything stored about the member, as two files in a DM with the bot. False when Slack
    refused them (the admins are told: bot/deliver.py)."""
    export = deps.read(member_data.export_member, deps.org, user_id, deps.clock.now())
    files = [
        DmFile(JSON_FILE, "Your LIEC data (JSON)", export.as_json()),
        DmFile(SUMMARY_FILE, "Your LIEC data (summary)", member_data.readable_summary(export)),
    ]
    if not give_files(
        deps, user_id, files, views.export_comment(), kind=EXPORT, what="a member's data export"
    ):
        return False
    log.info("member data export sent sections=%d", len(export.sections))
    return True


def export_from_button(deps: AppDeps, body: dict[str, Any], respond: Respond) -> None:
    del respond  # a Home tab button has none
    # A Home tab button has no response_url: the DM is the answer, or the log says why not.
    try:
        send_export(deps, body["user"]["id"])
    except Exception:
        log.exception("member data export failed")


def my_data_reply(_req: CommandRequest, _deps: AppDeps) -> Reply:
    return views.export_on_its_way()


def my_data_work(req: CommandRequest, deps: AppDeps) -> None:
    try:
        sent = send_export(deps, req.user_id)
    except Exception:
        log.exception("member data export failed")
        sent = False
    req.reply(views.export_sent() if sent else views.export_failed())


def open_forget_modal(deps: AppDeps, trigger_id: str, tell: Tell, again: str) -> None:
    titles = [provider.title for provider in member_data.providers()]
    show_modal(deps.client, trigger_id, views.forget_modal(titles), tell=tell, again=again)


def forget_work(req: CommandRequest, deps: AppDeps) -> None:
    open_forget_modal(deps, req.trigger_id, req.reply, "type the command again")


def _forget_from_button(deps: AppDeps, body: dict[str, Any], respond: Respond) -> None:
    del respond  # a Home tab button has none
    tell = dm_tell(deps, str(body["user"]["id"]))
    open_forget_modal(deps, body["trigger_id"], tell, "press the button again")


def forget_now(deps: AppDeps, user_id: str) -> None:
    """Erase the member's data in one transaction, then tell them what was kept and why."""
    try:
        kept = deps.write(member_data.forget, deps.org, user_id, deps.clock.now())
    except Exception:
        log.exception("forget-me failed; nothing was erased")
        reply = views.forget_failed()
    else:
        log.info("member data erased kept=%d", len(kept))
        reply = views.forget_done(kept)
    tell(deps, user_id, reply, kind=FORGET, what="a member's forget-me answer")


def audit_reply(_req: CommandRequest, deps: AppDeps) -> Reply:
    page = deps.read(audit.recent, limit=views.AUDIT_SHOWN)
    changes = deps.read(organisation.recent_changes, limit=ORGANISATION_CHANGES_SHOWN)
    reads = views.audit_log(page)
    # Then the organisation's changes (/liec org, config import): who, when, before and after.
    return Reply(text=reads.text, blocks=[*reads.blocks, *organisation_views.audit_changes(changes)])


SUBCOMMANDS = [
    Subcommand(
        "my-data",
        "/liec my-data",
        "everything the bot stores about you, sent to you by DM",
        reply=my_data_reply,
        work=my_data_work,
        from_memory=True,
        aliases=("mydata",),
    ),
    Subcommand(
        "forget-me",
        "/liec forget-me",
        "erase what the bot stores about you (asks you to confirm)",
        work=forget_work,
        aliases=("forgetme",),
    ),
    Subcommand(
        "audit",
        "/liec audit",
        "who read members' personal data, and when; who changed the organisation (admins)",
        reply=audit_reply,
        admin_only=True,
    ),
]


def _forget_submitted(deps: AppDeps, body: dict[str, Any], respond: Respond) -> None:
    del respond  # a modal's submission has none: the answer comes by DM
    forget_now(deps, body["user"]["id"])


def register(routes: Routes, deps: AppDeps) -> None:
    routes.view(views.FORGET_MODAL)(after_ack(deps, _forget_submitted))
    routes.action(views.MY_DATA_BUTTON)(after_ack(deps, export_from_button))
    routes.action(views.FORGET_BUTTON)(after_ack(deps, _forget_from_button))
