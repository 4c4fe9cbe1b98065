"""Regional questions: /liec ask, /liec region, /liec questions; the coordinators' buttons;
the delivery and escalation jobs."""

from __future__ import annotations

import contextlib
import logging
import re
from typing import Any

from slack_bolt import Ack, App, Respond

from bot.deps import AppDeps
from bot.jobs import JobRun, RetryLater
from bot.services import item_fates
from bot.services import questions as svc
from bot.services.question_text import QuestionRefused, clean_question
from bot.services.tz_regions import Region, parse_region
from bot.views import questions as views
from bot.views.common import Reply, notice
from handlers import question_delivery as delivery
from handlers.commands import CommandRequest, Subcommand
from models.questions import Question

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
        open_ask_modal(deps, req.trigger_id, req.user_id)
        return
    try:
        text = clean_question(req.args)
    except QuestionRefused:
        return  # already refused in the acknowledgement
    handle_question(deps, req.user_id, text, req.reply)


def open_ask_modal(deps: AppDeps, trigger_id: str, user_id: str) -> None:
    """The form at once (the trigger lasts 3 seconds), then where this member's question will
    go, as the delivery will decide it: a region's channel shows their name to everyone in it."""
    opened = delivery.slack_call(deps.client.views_open, trigger_id=trigger_id, view=views.ask_modal())
    tz = delivery.member_tz(deps, user_id)
    with deps.session_factory() as session:
        region = svc.decide_region(svc.member_choice(session, user_id), deps.org, tz).region
    if region is None:
        return  # the general words stand: they will be asked their region
    # As the delivery decides: the channel only while the region has a coordinator.
    has_coordinator = bool(svc.coordinators(deps.org, region))
    channel = svc.region_channel(deps.org, region) if has_coordinator else None
    destination = views.ask_destination(region, channel)
    view = (opened or {}).get("view") or {}
    with contextlib.suppress(delivery.Delayed, delivery.Unreachable):
        delivery.slack_call(
            deps.client.views_update,
            view_id=view.get("id"),
            hash=view.get("hash"),
            view=views.ask_modal(destination),
        )


def handle_question(deps: AppDeps, asker_id: str, text: str, tell: delivery.Tell) -> None:
    tz = delivery.member_tz(deps, asker_id)
    with deps.session_factory.begin() as session:
        decision = svc.decide_region(svc.member_choice(session, asker_id), deps.org, tz)
        question = svc.create_question(
            session,
            asker_id=asker_id,
            text=text,
            decision=decision,
            asker_tz=tz,
            now=deps.clock.now(),
        )
    # Even a question whose asker never picks a region reaches someone in the end.
    delivery.schedule_escalation(deps, question)
    log.info("question asked id=%s region=%s", question.id, question.region or "-")
    if decision.region is None:
        tell(views.region_picker(decision.reason, question.id))
        return
    delivery.deliver_and_tell(deps, question.id, tell)


# Regions --------------------------------------------------------------------------------------


def region_work(req: CommandRequest, deps: AppDeps) -> None:
    """/liec region: the member's region, how it was decided, and the coordinator."""
    if req.args.strip():
        return  # set / branch were answered in the acknowledgement
    tz = delivery.member_tz(deps, req.user_id)
    with deps.session_factory() as session:
        choice = svc.member_choice(session, req.user_id)
        decision = svc.decide_region(choice, deps.org, tz)
        branch_key = choice.branch if choice else None
    branch = deps.org.branches.get(branch_key) if branch_key else None
    holders = svc.coordinators(deps.org, decision.region) if decision.region else []
    req.reply(views.region_status(decision.region, decision.reason, holders, branch.name if branch else None))


def region_reply(req: CommandRequest, deps: AppDeps) -> Reply | None:
    words = req.args.split(maxsplit=1)
    if not words:
        return None  # /liec region: shown after the acknowledgement (needs the Slack profile)
    verb, rest = words[0].lower(), (words[1].strip() if len(words) > 1 else "")
    if verb == "set":
        return _set_region(req.user_id, rest, deps)
    if verb == "branch":
        return _set_branch(req.user_id, rest, deps)
    return views.region_usage()


def _set_region(user_id: str, typed: str, deps: AppDeps) -> Reply:
    if not typed:
        return views.region_picker("", intro="Which region are you in?")
    if typed.lower() == "auto":
        with deps.session_factory.begin() as session:
            svc.set_region(session, user_id, None, deps.clock.now())
        return views.refused(
            "Done: your branch or your Slack time zone decides your region. See it with `/liec region`."
        )
    region = parse_region(typed)
    if region is None:
        return views.region_picker("", intro=views.unknown_region(typed))
    with deps.session_factory.begin() as session:
        svc.set_region(session, user_id, region, deps.clock.now())
    return views.region_saved(region, svc.coordinators(deps.org, region))


def _set_branch(user_id: str, typed: str, deps: AppDeps) -> Reply:
    names = [b.name for b in deps.org.branches.values()]
    if not typed:
        return views.branch_not_found("", [], names)
    if typed.lower() == "none":
        with deps.session_factory.begin() as session:
            svc.set_branch(session, user_id, None, deps.clock.now())
        return views.refused("Done: you have no branch set.")
    match = svc.find_branch(deps.org, typed)
    if match.key is None:
        return views.branch_not_found(typed, match.suggestions, names)
    with deps.session_factory.begin() as session:
        svc.set_branch(session, user_id, match.key, deps.clock.now())
    branch = deps.org.branches[match.key]
    return views.branch_saved(branch.name, Region(branch.region))


# Coordinators' list ----------------------------------------------------------------------------


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
    with deps.session_factory() as session:
        found = svc.open_questions(session, regions)
    label = "every region" if regions is None else ", ".join(r.display_title for r in regions)
    return views.questions_list(found, label, deps.clock.now())


SUBCOMMANDS = [
    Subcommand(
        "ask",
        "/liec ask <question>",
        "ask your regional coordinator (no text: a form for longer questions)",
        reply=ask_reply,
        work=ask_work,
    ),
    Subcommand(
        "region",
        "/liec region",
        "your region and its coordinator; `set <region>` or `branch <branch>` to change it",
        reply=region_reply,
        work=region_work,
    ),
    Subcommand(
        "questions",
        "/liec questions",
        "your region's open questions, oldest first",
        reply=questions_reply,
        audience="coordinators",
    ),
]


# Buttons and modals -----------------------------------------------------------------------------


def _question_id(body: dict[str, Any]) -> int | None:
    value = str(body["actions"][0].get("value") or "")
    return int(value) if value.isdigit() else None


def _ephemeral(respond: Respond, reply: Reply) -> None:
    respond(**reply.as_ephemeral(), replace_original=False)


def _settled(deps: AppDeps, question_id: int) -> None:
    """After a take, an answer or a move: no escalation any more, and messages brought up to date."""
    with deps.session_factory.begin() as session:
        deps.jobs.cancel(session, svc.escalation_job_key(question_id))
    delivery.refresh_messages(deps, question_id)


def _allowed(deps: AppDeps, question_id: int, user_id: str) -> Question | None:
    with deps.session_factory() as session:
        question = svc.get_question(session, question_id)
    if question is None or not svc.can_handle(deps.org, question, user_id):
        return None
    return question


def _question_clicked(deps: AppDeps, body: dict[str, Any], respond: Respond) -> tuple[Question, str] | None:
    """The question a coordinator's button is about, if they may handle it (else they are told)."""
    question_id, user_id = _question_id(body), body["user"]["id"]
    if question_id is None:
        _ephemeral(respond, notice(item_fates.QUESTION_GONE))
        return None
    with deps.session_factory() as session:
        gone = item_fates.question_fate(svc.get_question(session, question_id))
    if gone is not None:
        _ephemeral(respond, notice(gone))
        return None
    question = _allowed(deps, question_id, user_id)
    if question is None:
        _ephemeral(respond, views.not_yours())
        return None
    return question, user_id


def on_claim(deps: AppDeps, body: dict[str, Any], respond: Respond) -> None:
    clicked = _question_clicked(deps, body, respond)
    if clicked is None:
        return
    question, user_id = clicked
    question_id = question.id
    with deps.session_factory.begin() as session:
        won = svc.claim(session, question_id, user_id, deps.clock.now())
        current = svc.get_question(session, question_id)
        holder = current.claimed_by if current else None
    if not won:
        _ephemeral(respond, views.already_taken(holder))
        return
    _settled(deps, question_id)
    if question.region:
        delivery.send(deps, question.asker_id, views.claimed_to_asker(Region(question.region), user_id))


def on_answered(deps: AppDeps, body: dict[str, Any], respond: Respond) -> None:
    clicked = _question_clicked(deps, body, respond)
    if clicked is None:
        return
    question, user_id = clicked
    question_id = question.id
    with deps.session_factory.begin() as session:
        done = svc.mark_answered(session, question_id, user_id, deps.clock.now())
    if not done:
        _ephemeral(respond, views.already_taken(None))
        return
    _settled(deps, question_id)
    delivery.send(deps, question.asker_id, views.answered_to_asker(user_id))


def on_reroute_button(deps: AppDeps, body: dict[str, Any], respond: Respond) -> None:
    clicked = _question_clicked(deps, body, respond)
    if clicked is None:
        return
    question, _ = clicked
    if question.status == svc.ANSWERED:
        _ephemeral(respond, views.already_taken(None))
        return
    delivery.slack_call(
        deps.client.views_open, trigger_id=body["trigger_id"], view=views.reroute_modal(question)
    )


def on_reroute_submit(deps: AppDeps, body: dict[str, Any]) -> None:
    user_id = body["user"]["id"]
    view = body["view"]
    metadata = str(view.get("private_metadata") or "")
    state = view["state"]["values"][views.REROUTE_BLOCK][views.REROUTE_INPUT]
    region = parse_region(str((state.get("selected_option") or {}).get("value", "")))
    if not metadata.isdigit() or region is None:
        return
    question_id = int(metadata)
    with deps.session_factory() as session:
        gone = item_fates.question_fate(svc.get_question(session, question_id))
    if gone is not None:
        # A modal's submission has no response_url: the answer comes by DM.
        delivery.send(deps, user_id, notice(gone))
        return
    if _allowed(deps, question_id, user_id) is None:
        return
    with deps.session_factory.begin() as session:
        moved = svc.reroute(session, question_id, region, user_id, deps.clock.now())
    if moved is None:
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
    with deps.session_factory.begin() as session:
        svc.set_region(session, user_id, region, now)
    respond(
        **views.region_saved(region, svc.coordinators(deps.org, region)).as_ephemeral(),
        replace_original=True,
    )
    question_id = _question_id(body)
    if question_id is None:
        return
    with deps.session_factory.begin() as session:
        question = svc.get_question(session, question_id)
        if question is None or question.asker_id != user_id:
            return
        routed = svc.give_region(session, question_id, region, "you chose it", now)
    if routed is None:
        return
    delivery.schedule_escalation(deps, routed)
    delivery.deliver_and_tell(deps, question_id, delivery.dm_teller(deps, user_id))


def ask_submit_ack(ack: Ack, body: dict[str, Any]) -> None:
    values = body["view"]["state"]["values"]
    typed = str(values.get(views.ASK_BLOCK, {}).get(views.ASK_INPUT, {}).get("value") or "")
    try:
        clean_question(typed)
    except QuestionRefused as refused:
        ack(response_action="errors", errors={views.ASK_BLOCK: str(refused)})
        return
    ack()


def on_ask_submit(deps: AppDeps, body: dict[str, Any]) -> None:
    values = body["view"]["state"]["values"]
    typed = str(values[views.ASK_BLOCK][views.ASK_INPUT].get("value") or "")
    try:
        text = clean_question(typed)
    except QuestionRefused:
        return
    user_id = body["user"]["id"]
    handle_question(deps, user_id, text, delivery.dm_teller(deps, user_id))


# Jobs -------------------------------------------------------------------------------------------


def run_delivery(deps: AppDeps, run: JobRun) -> None:
    question_id = int(run.payload["question_id"])
    with deps.session_factory() as session:
        question = svc.get_question(session, question_id)
        asker = question.asker_id if question else None
    if asker is None:
        return
    report = delivery.deliver_and_tell(deps, question_id, delivery.dm_teller(deps, asker), in_job=True)
    if report.outcome == "delayed":
        raise RetryLater("Slack did not take the message")


def run_escalation(deps: AppDeps, run: JobRun) -> None:
    if not delivery.escalate(deps, int(run.payload["question_id"]), "time"):
        raise RetryLater("Slack did not take the message")


def deliver_waiting(deps: AppDeps) -> None:
    """At start: questions that waited for a coordinator go to the one now configured."""
    with deps.session_factory.begin() as session:
        for region in Region:
            if not svc.coordinators(deps.org, region):
                continue
            svc.clear_alerts(session, svc.vacancy_alert_key(region))
            for question in svc.waiting_questions(session, region):
                deps.jobs.schedule(
                    session,
                    kind=delivery.DELIVER_JOB,
                    key=svc.delivery_job_key(question.id),
                    due_at=deps.clock.now(),
                    payload={"question_id": question.id},
                )


def register(app: App, deps: AppDeps) -> None:
    def ack_only(ack: Ack) -> None:
        ack()

    def lazy(fn: Any) -> Any:
        def run(body: dict[str, Any], respond: Respond) -> None:
            fn(deps, body, respond)

        return run

    app.action(views.CLAIM)(ack=ack_only, lazy=[lazy(on_claim)])
    app.action(views.ANSWERED)(ack=ack_only, lazy=[lazy(on_answered)])
    app.action(views.REROUTE)(ack=ack_only, lazy=[lazy(on_reroute_button)])
    app.action(re.compile("^" + re.escape(views.PICK_REGION_PREFIX)))(
        ack=ack_only, lazy=[lazy(on_pick_region)]
    )

    def ask_submitted(body: dict[str, Any]) -> None:
        on_ask_submit(deps, body)

    def reroute_submitted(body: dict[str, Any]) -> None:
        on_reroute_submit(deps, body)

    app.view(views.ASK_MODAL)(ack=ask_submit_ack, lazy=[ask_submitted])
    app.view(views.REROUTE_MODAL)(ack=ack_only, lazy=[reroute_submitted])

    deps.jobs.register(delivery.DELIVER_JOB, lambda run: run_delivery(deps, run))
    deps.jobs.register(delivery.ESCALATE_JOB, lambda run: run_escalation(deps, run))
    deps.jobs.on_startup(lambda: deliver_waiting(deps))
