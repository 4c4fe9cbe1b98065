"""Getting a question to people over Slack: coordinators, the region's channel, the Vice Chair
(Membership), the admins and the asker; and keeping the coordinators' messages up to date.

Exactly once: before posting, a delivery row is reserved under a unique constraint (question,
stage, recipient), so a retried delivery skips whoever already has the message. Slack's 429
and 5xx are retried by the client (bot/slack_client.py); a fault that outlasts those retries
releases the reservation and the caller retries later through the job queue.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from slack_sdk.errors import SlackApiError

from bot.deliver import alert_admins as alert_admins_once
from bot.deliver import dm_teller as deliver_dm_teller
from bot.deliver import post_once as post_channel_once
from bot.deliver import send as send_message
from bot.deliver import tell, update_message, update_view
from bot.deps import AppDeps
from bot.jobs import JobKind
from bot.services import question_deliveries as deliveries
from bot.services import question_flow as flow
from bot.services import questions as svc
from bot.services import slack_setup
from bot.services.delivery import LOOK_BACK, REFUSALS, PostError, connection_fault
from bot.services.outcomes import Skip
from bot.services.question_times import Availability, availability, expectation_text
from bot.services.tz_regions import Region
from bot.slack_modals import Tell, show_modal
from bot.slack_outbox import slack_fault
from bot.views import questions as views
from bot.views.common import Reply, mention
from models.questions import Question

log = logging.getLogger(__name__)

# A one-off DM to a member about their question (the admins hear if Slack refuses it).
MEMBER_DM = "questions.member"
# A question's message to its coordinators rewritten as the question moves on.
MESSAGE_UPDATE = "questions.message_update"


PostResult = Literal["sent", "already", "unreachable", "delayed"]


class Unreachable(Exception):
    """The person or channel cannot be reached at all; ``error`` is Slack's word for why."""

    def __init__(self, error: str) -> None:
        super().__init__(error)
        self.error = error


class Delayed(Exception):
    """A passing fault: try again later; ``error`` is Slack's word, or the connection fault."""

    def __init__(self, error: str) -> None:
        super().__init__(error)
        self.error = error


def slack_call(fn: Callable[..., Any], **kwargs: Any) -> Any:
    """Call the Web API under the one delivery policy (bot/services/delivery.py `fault`):
    Unreachable for a refusal, Delayed for anything passing (the client has already retried
    429 and 5xx)."""
    try:
        return fn(**kwargs)
    except SlackApiError as exc:
        failure = slack_fault(exc)
    except OSError as exc:  # connection refused, reset, DNS, read timeout
        failure = connection_fault(exc)
    if failure.permanent:
        raise Unreachable(failure.error)
    log.warning("slack call failed method=%s error=%s", getattr(fn, "__name__", "?"), failure.error)
    raise Delayed(failure.error)


@dataclass(frozen=True)
class Person:
    user_id: str
    tz: str | None
    reachable: bool
    error: str | None = None


def look_up(deps: AppDeps, user_id: str) -> Person:
    """A person's time zone and whether they are still in the workspace."""
    try:
        answer = slack_call(deps.client.users_info, user=user_id)
    except Unreachable as exc:
        if exc.error in REFUSALS:
            return Person(user_id, None, reachable=False, error=exc.error)
        if slack_setup.is_setup_error(exc.error):
            alert_setup(deps, "users.info", exc.error, "members' time zones cannot be read")
            return Person(user_id, None, reachable=True, error=exc.error)
        return Person(user_id, None, reachable=True)  # try to deliver
    except Delayed as exc:
        if slack_setup.is_setup_error(exc.error):
            alert_setup(deps, "users.info", exc.error, "members' time zones cannot be read")
            return Person(user_id, None, reachable=True, error=exc.error)
        return Person(user_id, None, reachable=True)  # unknown: try to deliver anyway
    user = answer.get("user") or {}
    if user.get("deleted"):
        return Person(user_id, None, reachable=False, error="account_inactive")
    tz = user.get("tz")
    return Person(user_id, tz if isinstance(tz, str) else None, reachable=True)


def member_tz(deps: AppDeps, user_id: str) -> str | None:
    return look_up(deps, user_id).tz


def member_timezone(deps: AppDeps, user_id: str) -> tuple[str | None, str | None]:
    """(time zone, Slack's error when it could not be read because of the bot's setup)."""
    person = look_up(deps, user_id)
    return person.tz, person.error if slack_setup.is_setup_error(person.error) else None


def alert_setup(deps: AppDeps, method: str, error: str, effect: str) -> None:
    """Slack refused because of the bot's own installation: the admins are told once."""
    log.error("slack refused method=%s error=%s: the app's scopes or token need fixing", method, error)
    alert_admins(deps, slack_setup.alert_key(method, error), slack_setup.alert_text(method, error, effect))


# Posting ---------------------------------------------------------------------------------------


def _reserve(deps: AppDeps, question_id: int, stage: str, recipient: str) -> int | None:
    """The id of a reservation this caller holds, or None if the recipient is served."""
    return deps.write(deliveries.reserve, question_id, stage, recipient, deps.clock.now())


def _post_to_channel(
    deps: AppDeps, question_id: int, stage: str, channel: str, message: Reply, since: datetime | None
) -> tuple[str, str]:
    """A region channel's copy, as the reminders post: one post carrying its key, and after a
    5xx or a dropped connection (Slack may have posted) the history is searched before posting
    again, so a 500 after Slack accepted the message does not post it twice. Raises PostError."""
    key = deliveries.channel_post_key(question_id, stage, channel)
    look_from = (since or deps.clock.now()) - LOOK_BACK
    done = post_channel_once(
        deps,
        "questions.channel",
        channel,
        key,
        message,
        since=look_from,
        check_first=True,  # an earlier delivery may have posted before it failed
        attempts=1,  # a passing fault is retried later by the delivery job
    )
    return channel, done.ts


def post_once(
    deps: AppDeps,
    question_id: int,
    stage: str,
    recipient: str,
    message: Reply,
    since: datetime | None = None,
) -> tuple[PostResult, str | None]:
    """Post ``message`` to ``recipient`` (a user id: their DM with the bot; or a channel)
    unless this stage already reached them. Returns the result and, if unreachable, why."""
    reservation = _reserve(deps, question_id, stage, recipient)
    if reservation is None:
        return "already", None
    try:
        if deliveries.is_channel(recipient):
            channel, ts = _post_to_channel(deps, question_id, stage, recipient, message, since)
        else:
            channel, ts = send_message(deps, recipient, message)
    except PostError as exc:
        if exc.permanent:
            deps.write(deliveries.record_unreachable, reservation, exc.error)
            return "unreachable", exc.error
        deps.write(deliveries.release, reservation)
        return "delayed", None
    deps.write(deliveries.record_sent, reservation, channel, ts)
    return "sent", None


def send(deps: AppDeps, user_id: str, message: Reply) -> bool:
    """A one-off DM to a member (the asker, whoever pressed a button); a failure is reported
    to the admins (bot/deliver.py `tell`), never raised. True if sent."""
    return tell(deps, user_id, message, kind=MEMBER_DM, what="a message to a member about a question")


def dm_teller(deps: AppDeps, user_id: str) -> Tell:
    """`send` bound to one member."""
    return deliver_dm_teller(deps, user_id, kind=MEMBER_DM, what="a message to a member about a question")


def alert_admins(deps: AppDeps, key: str, text: str) -> None:
    """Tell the admins once about a problem; the text carries no member's personal data."""
    alert_admins_once(deps, key, text)


# Delivery to a region ----------------------------------------------------------------------------


@dataclass
class Report:
    outcome: Literal["delivered", "vacant", "delayed", "escalated", "settled"]
    region: Region | None = None
    holders: list[Person] = field(default_factory=list)
    channel: str | None = None


def _stage_recipients(
    deps: AppDeps, region: Region, channel_ok: bool
) -> tuple[list[Person], list[str], str | None]:
    holders = [look_up(deps, user_id) for user_id in svc.coordinators(deps.org, region)]
    # A region's channel shows the question to everyone in it: only if the asker was told.
    channel = svc.region_channel(deps.org, region) if channel_ok else None
    reachable = [p.user_id for p in holders if p.reachable]
    recipients = [channel] if channel and holders else reachable
    return holders, recipients, channel if holders else None


def deliver(deps: AppDeps, question_id: int) -> Report:
    """Send a waiting (or partly delivered) question to its region's coordinators."""
    plan = deps.read(flow.to_deliver, question_id)
    if isinstance(plan, Skip):
        return Report("settled")
    region, stage, since = plan.region, plan.stage, plan.since
    message = views.coordinator_message(plan.question, region, "open")
    holders, recipients, channel = _stage_recipients(deps, region, plan.channel_ok)
    if not holders:
        alert_admins(
            deps,
            svc.vacancy_alert_key(region),
            f"A member's question for {region.display_title} is waiting: the region has no "
            f"coordinator in the organisation (regions.{region.value}.coordinator). It "
            "will be delivered as soon as an admin sets one with /liec org.",
        )
        return Report("vacant", region)
    results = [(r, *post_once(deps, question_id, stage, r, message, since)) for r in recipients]
    for recipient, result, error in results:
        if result == "unreachable":
            alert_admins(
                deps,
                svc.unreachable_alert_key(region, recipient),
                f"The {region.short_title} coordinator's Slack account or channel cannot be "
                f"reached (Slack says {error}); questions go to the Vice Chair (Membership) "
                f"meanwhile. Check regions.{region.value} in the organisation file.",
            )
    for person in holders:
        if not person.reachable:
            alert_admins(
                deps,
                svc.unreachable_alert_key(region, person.user_id),
                f"A {region.short_title} coordinator in the organisation file has left the "
                f"workspace or cannot be reached (Slack says {person.error}). Check "
                f"regions.{region.value}.coordinator.",
            )
    reached = [r for r, result, _ in results if result in ("sent", "already")]
    if reached:
        deps.write(svc.mark_delivered, question_id)
        live = [p for p in holders if p.reachable and (channel or p.user_id in reached)]
        return Report("delivered", region, live, channel)
    if any(result == "delayed" for _, result, _ in results):
        return Report("delayed", region)
    return Report("escalated", region)


def delivered_reply(deps: AppDeps, report: Report) -> Reply:
    assert report.region is not None
    now = deps.clock.now()
    hours = deps.org.working_hours
    people: list[tuple[str, Availability]] = [
        (mention(p.user_id), availability(now, p.tz, hours.start, hours.end)) for p in report.holders
    ]
    if report.channel:
        return views.sent_to_channel(report.region, report.channel, expectation_text(people))
    return views.sent_to_coordinators(
        report.region, [p.user_id for p in report.holders], expectation_text(people)
    )


def deliver_and_tell(deps: AppDeps, question_id: int, tell: Tell, *, in_job: bool = False) -> Report:
    """Deliver, then tell the asker what happened. Outside a job, a passing fault schedules
    a retry job; inside one, the caller raises RetryLater."""
    report = deliver(deps, question_id)
    if report.outcome == "delivered":
        tell(delivered_reply(deps, report))
    elif report.outcome == "vacant" and report.region is not None:
        tell(views.waiting_for_coordinator(report.region, deps.org.escalate_after))
    elif report.outcome == "delayed" and not in_job:
        schedule_delivery(deps, question_id)
        tell(views.delivery_delayed())
    elif report.outcome == "escalated" and not escalate(deps, question_id, "unreachable", tell):
        # The Vice Chair could not be reached either, for now: the escalation job retries.
        schedule_escalation_now(deps, question_id)
        tell(views.delivery_delayed())
    return report


def _schedule(deps: AppDeps, kind: JobKind, due_at: datetime, question_id: int) -> None:
    deps.write(kind.schedule, question_id, due_at=due_at, payload={"question_id": question_id})


def schedule_delivery(deps: AppDeps, question_id: int) -> None:
    _schedule(deps, svc.DELIVER, deps.clock.now(), question_id)


def schedule_escalation(deps: AppDeps, question: Question) -> None:
    _schedule(deps, svc.ESCALATE, svc.escalation_due(question, deps.org), question.id)


def schedule_escalation_now(deps: AppDeps, question_id: int) -> None:
    _schedule(deps, svc.ESCALATE, deps.clock.now(), question_id)


# Escalation -----------------------------------------------------------------------------------


def escalate(
    deps: AppDeps,
    question_id: int,
    reason: Literal["time", "unreachable"],
    tell: Tell | None = None,
) -> bool:
    """Send an unclaimed question to the Vice Chair (Membership), or to the admins when that
    post is vacant, and tell the asker (by ``tell``, or a DM); False on a passing fault."""
    plan = deps.read(flow.to_escalate, question_id)
    if isinstance(plan, Skip):
        return True
    region, stage, asker = plan.region, plan.stage, plan.asker
    message = views.coordinator_message(
        plan.question, region, "open", escalated=True, escalate_after=deps.org.escalate_after
    )
    vice_chairs = [p for p in svc.vice_chairs(deps.org) if p != asker]
    results = [post_once(deps, question_id, stage, r, message)[0] for r in vice_chairs]
    reached_vc = any(r in ("sent", "already") for r in results)
    if not reached_vc:
        results += [post_once(deps, question_id, stage, a, message)[0] for a in deps.org.admins]
    if not any(r in ("sent", "already") for r in results):
        return not any(r == "delayed" for r in results)
    # The status is left alone: a question that waited for a coordinator still goes to the
    # one appointed later.
    first = deps.write(svc.mark_escalated, question_id, deps.clock.now()) is not None
    if first:
        (tell or dm_teller(deps, asker))(
            views.escalated_to_asker(
                region, vice_chairs if reached_vc else [], reason, deps.org.escalate_after
            )
        )
    return True


# Keeping messages current -----------------------------------------------------------------------


def message_state(question: Question, stage: str) -> views.MessageState:
    current = stage in (svc.stage_of(question), f"{svc.ESCALATION_STAGE}#{question.reroutes}")
    if not current:
        return "moved"
    if question.status == svc.ANSWERED:
        return "answered"
    if question.status == svc.CLAIMED:
        return "claimed"
    return "open"


def refresh_messages(deps: AppDeps, question_id: int) -> None:
    """Rewrite every message carrying the question so that its buttons fit its state."""
    sent = deps.read(flow.sent_messages, question_id)
    if isinstance(sent, Skip):
        return
    question = sent.question
    updates = []
    for delivery in sent.messages:
        if not (delivery.channel and delivery.ts):
            continue  # never sent: nothing to rewrite
        escalated = delivery.stage.startswith(svc.ESCALATION_STAGE)
        stage_region = question.region if escalated else delivery.stage.split("#", 1)[0]
        shown_region = Region(stage_region) if stage_region else None
        message = views.coordinator_message(
            question,
            shown_region,
            message_state(question, delivery.stage),
            escalated=escalated,
            escalate_after=deps.org.escalate_after,
        )
        updates.append((delivery.channel, delivery.ts, message))
    for channel, ts, message in updates:
        update_message(
            deps,
            channel,
            ts,
            message,
            kind=MESSAGE_UPDATE,
            what="a question's message to its coordinators (its buttons stay as they were)",
        )


# Asking ------------------------------------------------------------------------------------------


def open_ask_modal(
    deps: AppDeps,
    trigger_id: str,
    user_id: str,
    tell: Tell | None = None,
    again: str = "press the button again",
) -> None:
    """The form at once (the trigger lasts 3 seconds), then where this member's question will
    go, as the delivery will decide it: a region's channel shows their name to everyone in it.
    An expired trigger: the member is told to try again (``tell``; by DM if None)."""
    opened = show_modal(
        deps.client, trigger_id, views.ask_modal(), tell=tell or dm_teller(deps, user_id), again=again
    )
    if opened is None:
        return
    tz, tz_error = member_timezone(deps, user_id)
    region = svc.decide_region(deps.read(svc.member_choice, user_id), deps.org, tz, tz_error).region
    if region is None:
        return  # the general words stand: they will be asked their region
    # As the delivery decides: the channel only while the region has a coordinator.
    has_coordinator = bool(svc.coordinators(deps.org, region))
    channel = svc.region_channel(deps.org, region) if has_coordinator else None
    destination = views.ask_destination(region, channel)
    view = (opened or {}).get("view") or {}
    # hash_conflict: drawn again without the hash (the question's field keeps its ids, so what
    # the member typed stays); if Slack still will not, the member is told where it goes.
    update_view(
        deps,
        str(view.get("id") or ""),
        views.ask_modal(destination),
        hash=view.get("hash"),
        tell=tell or dm_teller(deps, user_id),
        what=f"it does not say where your question goes. {destination}",
        redo=lambda: views.ask_modal(destination),
    )


def handle_question(
    deps: AppDeps, asker_id: str, text: str, tell: Tell, *, confirm: bool = False, warned: bool = False
) -> None:
    """A member's question: stored, routed to a region (or the member asked for theirs),
    delivered, and the member told what happened. `confirm` (typed with /liec ask, which has
    not shown the form's warning): a question for a region's channel, where others read it, is
    held and the member asked to Send or Cancel first (`send_held`). `warned`: the member was
    told (the form) that a region's channel would show it to everyone there."""
    org = deps.org
    tz, tz_error = member_timezone(deps, asker_id)
    asked = deps.write(
        flow.ask,
        org,
        deps.clock.now(),
        asker_id=asker_id,
        text=text,
        tz=tz,
        tz_error=tz_error,
        confirm=confirm,
        warned=warned,
    )
    question, decision = asked.question, asked.decision
    if asked.held_for is not None and decision.region is not None:
        log.info("question held for the asker's consent id=%s", question.id)
        tell(views.confirm_send(question, decision.region, asked.held_for))
        return
    # Even a question whose asker never picks a region reaches someone in the end.
    schedule_escalation(deps, question)
    log.info("question asked id=%s region=%s", question.id, question.region or "-")
    if decision.region is None:
        channels = {r: c for r in Region if (c := svc.goes_to_channel(org, r))}
        tell(views.region_picker(decision.reason, question.id, channels=channels))
        return
    deliver_and_tell(deps, question.id, tell)


def send_held(deps: AppDeps, question: Question, tell: Tell) -> None:
    """A held question its asker agreed to send (svc.send_unsent): delivered as any other."""
    schedule_escalation(deps, question)
    log.info("question asked id=%s region=%s", question.id, question.region or "-")
    deliver_and_tell(deps, question.id, tell)
