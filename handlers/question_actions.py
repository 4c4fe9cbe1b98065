"""The coordinators' buttons on a question (Take it, Answered, Another region and its modal)
and a member's pick of their region."""

from __future__ import annotations

import logging
import re
from typing import Any

from slack_bolt import Respond

from bot.deps import AppDeps
from bot.flows import question_delivery as delivery
from bot.listeners import after_ack
from bot.routes import Routes
from bot.services import item_fates
from bot.services import questions as svc
from bot.services.tz_regions import Region, parse_region
from bot.slack_modals import show_modal
from bot.views import questions as views
from bot.views.common import Reply, notice
from models.questions import Question

log = logging.getLogger(__name__)


def _question_id(body: dict[str, Any]) -> int | None:
    value = str(body["actions"][0].get("value") or "")
    return int(value) if value.isdigit() else None


def _ephemeral(respond: Respond, reply: Reply) -> None:
    respond(**reply.as_ephemeral(), replace_original=False)


def _settled(deps: AppDeps, question_id: int) -> None:
    """After a take, an answer or a move: no escalation any more, and messages brought up to date."""
    deps.write(svc.ESCALATE.cancel, question_id)
    delivery.refresh_messages(deps, question_id)


def _allowed(deps: AppDeps, question_id: int, user_id: str) -> Question | None:
    question = deps.read(svc.get_question, question_id)
    if question is None or not svc.can_handle(deps.org, question, user_id):
        return None
    return question


def _question_clicked(deps: AppDeps, body: dict[str, Any], respond: Respond) -> tuple[Question, str] | None:
    """The question a coordinator's button is about, if they may handle it (else they are told)."""
    question_id, user_id = _question_id(body), body["user"]["id"]
    question = deps.read(svc.get_question, question_id) if question_id is not None else None
    gone = item_fates.question_fate(question)
    if gone is not None or question_id is None:
        _ephemeral(respond, notice(gone or item_fates.QUESTION_GONE))
        return None
    question = _allowed(deps, question_id, user_id)
    if question is None:
        _ephemeral(respond, views.not_yours())
        return None
    return question, user_id


def _handled(
    deps: AppDeps, respond: Respond, question: Question, holder: str | None, told: Reply | None
) -> None:
    """After a take or an answer: a loser is told who has it; else no escalation any more,
    the messages brought up to date, and the asker told."""
    if told is None:
        _ephemeral(respond, views.already_taken(holder))
        return
    _settled(deps, question.id)
    delivery.send(deps, question.asker_id, told)


def on_claim(deps: AppDeps, body: dict[str, Any], respond: Respond) -> None:
    clicked = _question_clicked(deps, body, respond)
    if clicked is None:
        return
    question, user_id = clicked
    won, holder = deps.write(svc.claim_or_holder, question.id, user_id, deps.clock.now())
    if won and not question.region:  # nobody to tell of a claim of an unrouted question
        _settled(deps, question.id)
        return
    told = views.claimed_to_asker(Region(question.region), user_id) if won and question.region else None
    _handled(deps, respond, question, holder, told)


def on_answered(deps: AppDeps, body: dict[str, Any], respond: Respond) -> None:
    clicked = _question_clicked(deps, body, respond)
    if clicked is None:
        return
    question, user_id = clicked
    done = deps.write(svc.mark_answered, question.id, user_id, deps.clock.now())
    _handled(deps, respond, question, None, views.answered_to_asker(user_id) if done else None)


def on_reroute_button(deps: AppDeps, body: dict[str, Any], respond: Respond) -> None:
    clicked = _question_clicked(deps, body, respond)
    if clicked is None:
        return
    question, _ = clicked
    if question.status == svc.ANSWERED:
        _ephemeral(respond, views.already_taken(None))
        return
    show_modal(
        deps.client,
        body["trigger_id"],
        views.reroute_modal(question),
        tell=lambda reply: _ephemeral(respond, reply),
        again="press the button again",
    )


def _not_moved(question: Question | None, question_id: int, region: Region) -> Reply:
    """Why `reroute` moved nothing: answered meanwhile, or already in that region (another
    coordinator moved it there first)."""
    if question is not None and question.region == region.value and question.status != svc.ANSWERED:
        return notice(f"Question {question_id} is already with {region.display_title}: nothing was moved.")
    return views.already_taken(None)


def on_reroute_submit(deps: AppDeps, body: dict[str, Any], respond: Respond) -> None:
    del respond  # a modal's submission has none
    user_id = body["user"]["id"]
    view = body["view"]
    metadata = str(view.get("private_metadata") or "")
    state = view["state"]["values"][views.REROUTE_BLOCK][views.REROUTE_INPUT]
    region = parse_region(str((state.get("selected_option") or {}).get("value", "")))
    # A modal's submission has no response_url: every answer comes by DM.
    told = delivery.dm_teller(deps, user_id)
    if not metadata.isdigit() or region is None:
        return told(views.reroute_unreadable())
    question_id = int(metadata)
    gone = item_fates.question_fate(deps.read(svc.get_question, question_id))
    if gone is not None or _allowed(deps, question_id, user_id) is None:
        return told(notice(gone) if gone is not None else views.not_yours())
    moved = deps.write(svc.reroute, question_id, region, user_id, deps.clock.now())
    if moved is None:
        told(_not_moved(deps.read(svc.get_question, question_id), question_id, region))
        return
    log.info("question moved id=%s region=%s", question_id, region.value)
    delivery.refresh_messages(deps, question_id)
    delivery.schedule_escalation(deps, moved)
    tell = delivery.dm_teller(deps, moved.asker_id)
    tell(views.moved_to_asker(region))
    delivery.deliver_and_tell(deps, question_id, tell)


def on_pick_region(deps: AppDeps, body: dict[str, Any], respond: Respond) -> None:
    """A member picks their region (remembered); a question waiting for it is sent."""
    action = body["actions"][0]
    region = parse_region(action["action_id"].removeprefix(views.PICK_REGION_PREFIX))
    user_id = body["user"]["id"]
    if region is None:
        return
    now = deps.clock.now()
    deps.write(svc.set_region, user_id, region, now)
    respond(
        **views.region_saved(region, svc.coordinators(deps.org, region)).as_ephemeral(),
        replace_original=True,
    )
    question_id = _question_id(body)
    if question_id is None:
        return
    routed = deps.write(svc.give_own_region, question_id, user_id, region, now)
    if routed is None:
        return
    delivery.schedule_escalation(deps, routed)
    delivery.deliver_and_tell(deps, question_id, delivery.dm_teller(deps, user_id))


def register(routes: Routes, deps: AppDeps) -> None:
    routes.action(views.CLAIM)(after_ack(deps, on_claim))
    routes.action(views.ANSWERED)(after_ack(deps, on_answered))
    routes.action(views.REROUTE)(after_ack(deps, on_reroute_button))
    routes.action(re.compile("^" + re.escape(views.PICK_REGION_PREFIX)))(after_ack(deps, on_pick_region))
    routes.view(views.REROUTE_MODAL)(after_ack(deps, on_reroute_submit))
