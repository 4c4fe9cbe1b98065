"""Regional questions: /liec ask (and its form), /liec questions. /liec region is
handlers/regions.py, the coordinators' buttons handlers/question_actions.py; delivery and
its jobs are bot/flows/question_delivery.py and bot/flows/question_jobs.py."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, Respond

from bot.commands import CommandRequest, Subcommand
from bot.deps import AppDeps
from bot.flows import question_delivery as delivery
from bot.flows import question_jobs
from bot.listeners import after_ack
from bot.routes import Routes
from bot.services import questions as svc
from bot.services.question_text import QuestionRefused, clean_question
from bot.services.tz_regions import Region, parse_region
from bot.views import questions as views
from bot.views.common import Reply

log = logging.getLogger(__name__)


# Asking ---------------------------------------------------------------------------------------


def ask_reply(req: CommandRequest, deps: AppDeps) -> Reply | None:
    """Refuse at once what cannot be sent; the rest is done after the acknowledgement."""
    del deps
    if not req.args:
        return None  # the modal opens
    try:
        clean_question(req.args)
    except QuestionRefused as refused:
        return views.refused(str(refused))
    return None


def ask_work(req: CommandRequest, deps: AppDeps) -> None:
    if not req.args:
        delivery.open_ask_modal(deps, req.trigger_id, req.user_id, req.reply, "type the command again")
        return
    try:
        text = clean_question(req.args)
    except QuestionRefused:
        return  # already refused in the acknowledgement
    # Typed, the question has shown no warning: one for a region's channel is held for Send.
    delivery.handle_question(deps, req.user_id, text, req.reply, confirm=True)


# Coordinators' list ----------------------------------------------------------------------------


def questions_work(req: CommandRequest, deps: AppDeps) -> None:
    """/liec questions, answered after the acknowledgement (it reads the database), to the
    command's response_url."""
    req.reply(questions_reply(req, deps))


def questions_reply(req: CommandRequest, deps: AppDeps) -> Reply:
    """/liec questions [region]: open questions, oldest first, for the reader's regions."""
    everything = svc.sees_all_regions(deps.org, req.user_id)
    own = svc.coordinator_regions(deps.org, req.user_id)
    if not everything and not own:
        return views.not_a_coordinator()
    asked = parse_region(req.args) if req.args else None
    regions: list[Region] | None
    if asked is not None and (everything or asked in own):
        regions = [asked]
    elif everything:
        regions = None  # every region, and questions whose region is not known yet
    else:
        regions = own
    found, total = deps.read(svc.open_questions_page, regions, views.LIST_LIMIT)
    label = "every region" if regions is None else ", ".join(r.display_title for r in regions)
    return views.questions_list(found, label, deps.clock.now(), total=total, counted_up_to=svc.COUNTED_UP_TO)


SUBCOMMANDS = [
    Subcommand(
        "ask",
        "/liec ask <question>",
        "ask your regional coordinator (no text: a form for longer questions)",
        reply=ask_reply,
        work=ask_work,
        from_memory=True,
    ),
    Subcommand(
        "questions",
        "/liec questions",
        "your region's open questions, oldest first",
        work=questions_work,
        audience="coordinators",
    ),
]


def ask_submit_ack(ack: Ack, body: dict[str, Any]) -> None:
    values = body["view"]["state"]["values"]
    typed = str(values.get(views.ASK_BLOCK, {}).get(views.ASK_INPUT, {}).get("value") or "")
    try:
        clean_question(typed)
    except QuestionRefused as refused:
        ack(response_action="errors", errors={views.ASK_BLOCK: str(refused)})
        return
    ack()


def on_ask_submit(deps: AppDeps, body: dict[str, Any], respond: Respond) -> None:
    del respond  # a modal's submission has none: the asker hears by DM
    values = body["view"]["state"]["values"]
    typed = str(values[views.ASK_BLOCK][views.ASK_INPUT].get("value") or "")
    try:
        text = clean_question(typed)
    except QuestionRefused:
        return
    user_id = body["user"]["id"]
    # The form said where the question goes, a region's channel included.
    delivery.handle_question(deps, user_id, text, delivery.dm_teller(deps, user_id), warned=True)


def _held_id(body: dict[str, Any]) -> int | None:
    value = str((body.get("actions") or [{}])[0].get("value") or "")
    return int(value) if value.isdigit() else None


def on_send(deps: AppDeps, body: dict[str, Any], respond: Respond) -> None:
    """Send on a held question: it goes, and the buttons go from the member's message."""
    question_id, user_id = _held_id(body), str(body["user"]["id"])
    now = deps.clock.now()
    held = deps.write(svc.send_unsent, question_id, user_id, now) if question_id else None
    if held is None:
        respond(**views.not_held().as_ephemeral(), replace_original=False)
        return
    respond(**views.sending().as_ephemeral(), replace_original=True)

    def tell(reply: Reply) -> None:
        respond(**reply.as_ephemeral(), replace_original=False)

    delivery.send_held(deps, held, tell)


def on_cancel(deps: AppDeps, body: dict[str, Any], respond: Respond) -> None:
    question_id, user_id = _held_id(body), str(body["user"]["id"])
    gone = deps.write(svc.cancel_unsent, question_id, user_id) if question_id else False
    reply = views.cancelled() if gone else views.not_held()
    respond(**reply.as_ephemeral(), replace_original=gone)


def register(routes: Routes, deps: AppDeps) -> None:
    routes.view(views.ASK_MODAL)(after_ack(deps, on_ask_submit, ack=ask_submit_ack))
    routes.action(views.ASK_SEND)(after_ack(deps, on_send))
    routes.action(views.ASK_CANCEL)(after_ack(deps, on_cancel))
    question_jobs.register(deps)
