"""Members' calendars and answers, Slack side: Add to calendar, Going and Send apologies (with
its modal), `/liec meeting apologies`, and the jobs that send calendar updates, the Secretary's
list and purge old answers. handlers/calendar.py and handlers/meetings.py wire them; the rules
are in bot/services/calendar.py and apologies.py."""

from __future__ import annotations

import logging
import re
from datetime import date
from typing import Any

from slack_bolt import Ack, Respond
from slack_sdk.errors import SlackApiError

from bot.commands import CommandRequest
from bot.deps import AppDeps
from bot.jobs import Job, JobKind, JobRun, RetryLater
from bot.services import apologies, calendar
from bot.services.meeting_specs import MeetingError
from bot.slack_dm import DmFile, send_dm, upload_to_dm
from bot.views import calendar as views
from bot.views.common import Reply, truncate

log = logging.getLogger(__name__)

# Answers that mean the member cannot be reached: retrying will not help.
UNREACHABLE = frozenset(
    {"user_not_found", "users_not_found", "account_inactive", "user_disabled", "cannot_dm_bot"}
)
_DATE = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}$")


def _error(exc: SlackApiError) -> str:
    return str(exc.response.get("error", "")) if exc.response is not None else ""


def channel_name(deps: AppDeps, channel_id: str) -> str:
    """The channel's name for the calendar entry; its id when Slack cannot say."""
    try:
        info = deps.client.conversations_info(channel=channel_id)
    except (SlackApiError, OSError):
        log.warning("channel name not read; the calendar file shows its id")
        return channel_id
    channel = info.get("channel") or {}
    name = channel.get("name") if isinstance(channel, dict) else None
    return str(name) if name else channel_id


def _tell(deps: AppDeps, body: dict[str, Any], respond: Respond, reply: Reply) -> None:
    """A private answer: ephemeral where the button was (a message), else a DM (Home tab)."""
    if body.get("response_url"):
        respond(**reply.as_ephemeral(), replace_original=False)
    else:
        send_dm(deps.client, body["user"]["id"], reply)


def _sentence(exc: MeetingError) -> str:
    text = exc.message[:1].upper() + exc.message[1:]
    return text if text.endswith(".") else text + "."


def _clicked(body: dict[str, Any]) -> tuple[str, str, str]:
    action = (body.get("actions") or [{}])[0]
    key, target = views.parse_value(str(action.get("value") or ""))
    return body["user"]["id"], key, target


# --- Add to calendar ---------------------------------------------------------------------------


def add_to_calendar(deps: AppDeps, body: dict[str, Any], respond: Respond) -> None:
    user_id, key, target = _clicked(body)
    try:
        added = calendar.add_for_member(
            deps.session_factory, user_id, key, target, lambda c: channel_name(deps, c), deps.clock.now()
        )
    except MeetingError as exc:
        _tell(deps, body, respond, views.problem(_sentence(exc)))
        return
    try:
        upload_to_dm(
            deps.client,
            user_id,
            [DmFile(added.file.filename, added.file.title, added.file.content)],
            comment=views.calendar_comment(added),
        )
    except (SlackApiError, OSError):
        log.exception("calendar file not sent")
        _tell(deps, body, respond, views.calendar_failed())
        return
    if body.get("response_url"):
        _tell(deps, body, respond, views.calendar_sent(added))


def send_update(deps: AppDeps, run: JobRun) -> None:
    """One member's update or cancellation after a meeting changed."""
    delivery = calendar.delivery_for(
        deps.session_factory, run.payload, lambda c: channel_name(deps, c), deps.clock.now()
    )
    if delivery is None:
        return
    file = DmFile(delivery.file.filename, delivery.file.title, delivery.file.content)
    try:
        upload_to_dm(deps.client, delivery.user_id, [file], comment=views.update_comment(delivery))
    except SlackApiError as exc:
        if _error(exc) in UNREACHABLE:
            log.warning("calendar update not sent: member unreachable (%s)", _error(exc))
            return
        raise RetryLater(_error(exc) or "slack_error") from None
    except OSError as exc:
        raise RetryLater("connection") from exc


# --- Going and Send apologies ------------------------------------------------------------------


def going(deps: AppDeps, body: dict[str, Any], respond: Respond) -> None:
    user_id, key, target = _clicked(body)
    try:
        saved = apologies.answer(
            deps.session_factory, key, target, user_id, apologies.GOING, None, deps.clock.now()
        )
    except MeetingError as exc:
        _tell(deps, body, respond, views.problem(_sentence(exc)))
        return
    _tell(deps, body, respond, views.answer_saved(saved))


def open_apologies(deps: AppDeps, body: dict[str, Any], respond: Respond) -> None:
    user_id, key, target = _clicked(body)
    try:
        found = apologies.target(deps.session_factory, key, target, user_id, deps.clock.now())
    except MeetingError as exc:
        _tell(deps, body, respond, views.problem(_sentence(exc)))
        return
    modal = views.apologies_modal(found, views.value(key, target))
    try:
        deps.client.views_open(trigger_id=body["trigger_id"], view=modal.to_dict())
    except SlackApiError as exc:
        # Most often an expired trigger: the member presses again.
        log.warning("apologies form not opened error=%s", _error(exc))
        _tell(deps, body, respond, views.form_failed())


def submit_apologies(deps: AppDeps, ack: Ack, body: dict[str, Any]) -> None:
    """Validated and saved in the acknowledgement: an error shows on the reason field."""
    view = body.get("view") or {}
    key, target = views.parse_value(str(view.get("private_metadata") or ""))
    try:
        saved = apologies.answer(
            deps.session_factory,
            key,
            target,
            body["user"]["id"],
            apologies.APOLOGIES,
            views.reason_of(view),
            deps.clock.now(),
        )
    except MeetingError as exc:
        ack(response_action="errors", errors={views.BLOCK_REASON: _sentence(exc).rstrip(".")})
        return
    ack(response_action="update", view=views.answer_saved_view(saved).to_dict())


# --- the Secretary's list ----------------------------------------------------------------------


def apologies_reply(req: CommandRequest, deps: AppDeps, rest: str) -> Reply:
    """`/liec meeting apologies <meeting> [date]`."""
    words = rest.split()
    if not words:
        return views.problem(
            "Which meeting? For example: /liec meeting apologies general-committee 2027-01-23"
        )
    on: date | None = None
    if len(words) > 1 and _DATE.match(words[-1]):
        try:
            on = date.fromisoformat("-".join(part.zfill(2) for part in words[-1].split("-")))
        except ValueError:
            return views.problem(f"{truncate(words[-1], 40)} is not a date like 2027-01-23.")
        words = words[:-1]
    try:
        found = apologies.list_for(
            deps.session_factory, deps.org, req.user_id, " ".join(words), on, deps.clock.now()
        )
    except MeetingError as exc:
        return Reply(text=exc.message, blocks=views.problem(exc.message).blocks)
    return views.attendance_list(found)


def send_list(deps: AppDeps, run: JobRun) -> None:
    found = apologies.list_for_job(deps.session_factory, run.payload)
    if found is None:
        return  # moved or cancelled since the reminder
    try:
        send_dm(deps.client, str(run.payload["user"]), views.attendance_list(found))
    except SlackApiError as exc:
        if _error(exc) in UNREACHABLE:
            log.warning("apologies list not sent: recipient unreachable (%s)", _error(exc))
            return
        raise RetryLater(_error(exc) or "slack_error") from None
    except OSError as exc:
        raise RetryLater("connection") from exc


# --- retention ---------------------------------------------------------------------------------


def purge(deps: AppDeps, run: JobRun) -> None:
    """Answers and calendar records older than the organisation's retention period go."""
    answers, additions = apologies.purge_all(deps.session_factory, run.now, deps.org.retention_days)
    log.info("meeting data purged answers=%d calendar_additions=%d", answers, additions)


JOBS = (
    (JobKind(calendar.SEND_JOB, ()), send_update),
    (JobKind(apologies.LIST_JOB, ()), send_list),
    (JobKind(apologies.PURGE_JOB, ()), purge),
)


def jobs(deps: AppDeps) -> list[Job]:
    """The calendar's scheduled work, for JobQueue.register."""
    return [Job(kind, _bound(deps, fn)) for kind, fn in JOBS]


def _bound(deps: AppDeps, fn: Any) -> Any:
    def run(run: JobRun) -> None:
        fn(deps, run)

    return run


def schedule_purges(deps: AppDeps) -> None:
    apologies.schedule_purges(deps.session_factory, deps.clock.now())
