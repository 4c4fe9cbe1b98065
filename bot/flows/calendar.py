"""Members' calendars and answers, Slack side: Add to calendar, Going and Send apologies (with
its modal), `/liec meeting apologies`, and the jobs that send calendar updates, the Secretary's
list and purge old answers. handlers/calendar.py and handlers/meetings.py wire them; the rules
are in bot/services/calendar.py and apologies.py."""

from __future__ import annotations

import logging
import re
from datetime import date
from functools import partial
from typing import Any

from slack_bolt import Ack, Respond
from slack_sdk.errors import SlackApiError

from bot import deliver
from bot.commands import CommandRequest
from bot.deps import AppDeps
from bot.jobs import Job, JobRun
from bot.services import apologies, calendar
from bot.services.delivery import PostError
from bot.services.outcomes import Refused
from bot.slack_dm import DmFile
from bot.slack_modals import show_modal
from bot.views import calendar as views
from bot.views.common import Reply, truncate

log = logging.getLogger(__name__)

# What a DM of this feature is, for the admins' alert when Slack refuses it (deliver.py).
ANSWER = "calendar_answer"  # a member's answer to their own button, by DM (Home tab)
FILE = "calendar_file"  # the .ics a member asked for
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
    deliver.tell_where_pressed(deps, body, respond, reply, kind=ANSWER, what="an answer to a member's button")


def _sentence(refused: Refused) -> str:
    text = refused.message[:1].upper() + refused.message[1:]
    return text if text.endswith(".") else text + "."


def _clicked(body: dict[str, Any]) -> tuple[str, str, str]:
    action = (body.get("actions") or [{}])[0]
    key, target = views.parse_value(str(action.get("value") or ""))
    return body["user"]["id"], key, target


# --- Add to calendar ---------------------------------------------------------------------------


def add_to_calendar(deps: AppDeps, body: dict[str, Any], respond: Respond) -> None:
    user_id, key, target = _clicked(body)
    channel = deps.read(calendar.meeting_channel, key)
    if isinstance(channel, Refused):
        _tell(deps, body, respond, views.problem(_sentence(channel)))
        return
    ask = calendar.AddRequest(user_id, key, target, channel_name(deps, channel))
    added = deps.write(calendar.add_for_member, ask, deps.clock.now())
    if isinstance(added, Refused):
        _tell(deps, body, respond, views.problem(_sentence(added)))
        return
    file = DmFile(added.file.filename, added.file.title, added.file.content)
    comment = views.calendar_comment(added)
    if not deliver.give_files(deps, user_id, [file], comment, kind=FILE, what="a calendar file"):
        _tell(deps, body, respond, views.calendar_failed())
        return
    if body.get("response_url"):
        _tell(deps, body, respond, views.calendar_sent(added))


def send_update(deps: AppDeps, run: JobRun) -> None:
    """One member's update or cancellation after a meeting changed (a calendar.SEND job)."""
    channel = deps.read(calendar.send_channel, run.payload)
    if channel is None:
        return
    name = channel_name(deps, channel)
    delivery = deps.read(calendar.delivery_for, run.payload, name, deps.clock.now())
    if delivery is None:
        return
    file = DmFile(delivery.file.filename, delivery.file.title, delivery.file.content)
    comment = views.update_comment(delivery)
    try:
        deliver.send_files_in_job(deps, run, delivery.user_id, [file], comment, what="a calendar update")
    except PostError:
        return  # reported to the admins; a member who cannot be reached gets no retry


# --- Going and Send apologies ------------------------------------------------------------------


def going(deps: AppDeps, body: dict[str, Any], respond: Respond) -> None:
    user_id, key, target = _clicked(body)
    given = apologies.Answer(key, target, user_id, apologies.GOING)
    saved = deps.write(apologies.answer, given, deps.clock.now())
    reply = views.problem(_sentence(saved)) if isinstance(saved, Refused) else views.answer_saved(saved)
    _tell(deps, body, respond, reply)


def open_apologies(deps: AppDeps, body: dict[str, Any], respond: Respond) -> None:
    user_id, key, target = _clicked(body)
    found = deps.read(apologies.target, key, target, user_id, deps.clock.now())
    if isinstance(found, Refused):
        _tell(deps, body, respond, views.problem(_sentence(found)))
        return
    modal = views.apologies_modal(found, views.value(key, target)).to_dict()
    answer = partial(_tell, deps, body, respond)
    try:
        show_modal(deps.client, body["trigger_id"], modal, tell=answer, again="press Send apologies again")
    except SlackApiError as exc:
        log.warning("apologies form not opened error=%s", _error(exc))
        answer(views.form_failed())


def submit_apologies(deps: AppDeps, ack: Ack, body: dict[str, Any]) -> None:
    """Validated and saved in the acknowledgement: an error shows on the reason field."""
    view = body.get("view") or {}
    key, target = views.parse_value(str(view.get("private_metadata") or ""))
    given = apologies.Answer(key, target, body["user"]["id"], apologies.APOLOGIES, views.reason_of(view))
    saved = deps.write(apologies.answer, given, deps.clock.now())
    if isinstance(saved, Refused):
        ack(response_action="errors", errors={views.BLOCK_REASON: _sentence(saved).rstrip(".")})
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
    found = deps.read(apologies.list_for, deps.org, req.user_id, " ".join(words), on, deps.clock.now())
    if isinstance(found, Refused):
        return Reply(text=found.message, blocks=views.problem(found.message).blocks)
    return views.attendance_list(found)


def send_list(deps: AppDeps, run: JobRun) -> None:
    """The Secretary's list of answers to one occurrence (an apologies.LIST job)."""
    found = deps.read(apologies.list_for_job, run.payload)
    if found is None:
        return  # moved or cancelled since the reminder
    to = str(run.payload["user"])
    try:
        deliver.send_in_job(
            deps, run, to, views.attendance_list(found), what="the Secretary's list of apologies"
        )
    except PostError:
        return  # reported to the admins


# --- retention ---------------------------------------------------------------------------------


def purge(deps: AppDeps, run: JobRun) -> None:
    """Answers and calendar records older than the organisation's retention period go."""
    answers, additions = deps.write(apologies.purge_all, run.now, deps.org.retention_days)
    log.info("meeting data purged answers=%d calendar_additions=%d", answers, additions)


def jobs(deps: AppDeps) -> list[Job]:
    """The calendar's scheduled work, for JobQueue.register."""
    return [
        Job(calendar.SEND, partial(send_update, deps)),
        Job(apologies.LIST, partial(send_list, deps)),
        Job(apologies.PURGE, partial(purge, deps)),
    ]


def schedule_purges(deps: AppDeps) -> None:
    deps.write(apologies.schedule_purges, deps.clock.now())
