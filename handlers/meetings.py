"""/liec meetings, /liec meeting add|cancel|move, the add modal, and the meeting jobs."""

from __future__ import annotations

import functools
import logging
import re
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from slack_bolt import Ack
from sqlalchemy.orm import Session

from bot.commands import CommandRequest, Subcommand
from bot.deps import AppDeps
from bot.flows import meeting_jobs
from bot.flows.calendar import apologies_reply
from bot.routes import Routes
from bot.services import meetings as service
from bot.services.meeting_occurrences import next_occurrence
from bot.services.meeting_queries import ListedMeeting, find_meeting, upcoming_listed
from bot.services.meeting_specs import MeetingError, MeetingSpec, check_form
from bot.slack_modals import show_modal
from bot.views import meetings as views
from bot.views.common import Reply, escape, notice, truncate
from models.meetings import Meeting

log = logging.getLogger(__name__)

LIST_DAYS = 60
_DATE = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}$")


def meetings_work(req: CommandRequest, deps: AppDeps) -> None:
    """/liec meetings, answered after the acknowledgement: it reads the database, and the
    acknowledgement answers at once whatever the load (the reply goes to the response_url)."""
    req.reply(meetings_reply(req, deps))


def meetings_reply(_req: CommandRequest, deps: AppDeps) -> Reply:
    """The meetings of the next LIST_DAYS days, each in the reader's own time."""
    now = deps.clock.now()
    found = deps.read(upcoming_listed, deps.upcoming_meetings, now, now + timedelta(days=LIST_DAYS))
    return _listed(tuple((m, o.start) for m, o in found))


@functools.lru_cache(maxsize=64)
def _listed(items: tuple[tuple[ListedMeeting, datetime], ...]) -> Reply:
    """The list, built and validated once per distinct content (a Reply keeps its blocks)."""
    return views.meetings_list(items, LIST_DAYS)


def meeting_reply(req: CommandRequest, deps: AppDeps) -> Reply | None:
    words = req.args.split(maxsplit=1)
    action = words[0].lower() if words else ""
    rest = words[1] if len(words) > 1 else ""
    if action in {"", "help"}:
        return views.usage()
    if action == "apologies":  # the Secretary's and admins' (checked by the service)
        return apologies_reply(req, deps, rest)
    if not deps.is_admin(req.user_id):
        return notice("Only LIEC admins can do that. If you think you should be one, ask the Secretary.")
    if action == "add":
        return None  # the modal opens after the acknowledgement
    if action not in {"cancel", "move"}:
        return views.usage(f"I don't know `meeting {escape(truncate(action, 40))}`.")
    parts = rest.split(maxsplit=1)
    if not parts:
        return views.usage(f"Which meeting? Give its key (see `/liec meetings`) after `{action}`.")
    try:
        return deps.write(_change, parts, action, req, deps)
    except MeetingError as exc:
        return views.problem(escape(exc.message))


def _change(session: Session, parts: list[str], action: str, req: CommandRequest, deps: AppDeps) -> Reply:
    meeting, suggestions = find_meeting(session, parts[0])
    if meeting is None:
        return views.problem(f"There is no meeting `{escape(truncate(parts[0], 60))}`.", suggestions)
    more = parts[1].strip() if len(parts) > 1 else ""
    if action == "cancel":
        return _cancel(session, meeting, more, req, deps)
    return _move(session, meeting, more, req, deps)


def _cancel(session: Session, meeting: Meeting, more: str, req: CommandRequest, deps: AppDeps) -> Reply:
    now = deps.clock.now()
    name = escape(meeting.name)
    if more.lower() == "all" or (not more and meeting.rrule is None):
        service.cancel(session, meeting, None, req.user_id, now, deps.org)
        return views.done(f"*{name}* is cancelled, with every date to come; its reminders are withdrawn.")
    if not more:
        try:
            start = next_occurrence(meeting, now).start.astimezone(ZoneInfo(meeting.timezone))
        except MeetingError:
            return views.usage(f"*{name}* has no date still to come: cancel it with `all`.")
        # A real date of this meeting as the example: its next one.
        return views.usage(
            f"*{name}* repeats: say which date to cancel (`/liec meeting cancel "
            f"{meeting.key} {start.date().isoformat()}` for the next one) or `all`."
        )
    item = service.cancel(session, meeting, _date(more), req.user_id, now, deps.org)
    assert item is not None
    return views.done(
        f"*{name}* on {views.when(item.start, meeting.timezone)}\nis cancelled; its reminders are withdrawn."
    )


def _move(session: Session, meeting: Meeting, more: str, req: CommandRequest, deps: AppDeps) -> Reply:
    if not more:
        return views.usage("Give the new start, in the meeting's own time zone.")
    on: date | None = None
    if re.search(r"\s+to\s+", more):
        day, more = re.split(r"\s+to\s+", more, maxsplit=1)
        on = _date(day.strip())
    item, target = service.move(session, meeting, on, more.strip(), req.user_id, deps.clock.now(), deps.org)
    return views.done(
        f"*{escape(meeting.name)}* moves from {views.when(item.start, meeting.timezone)}\n"
        f"to {views.when(target, meeting.timezone)}\nIts reminders follow it."
    )


def _date(text: str) -> date:
    try:
        if not _DATE.match(text):
            raise ValueError(text)
        return date.fromisoformat("-".join(part.zfill(2) for part in text.split("-")))
    except ValueError:
        raise MeetingError(f"`{truncate(text, 40)}` is not a date like 2027-03-27") from None


def meeting_work(req: CommandRequest, deps: AppDeps) -> None:
    if req.args.lower().split(maxsplit=1)[:1] != ["add"] or not req.trigger_id:
        return
    if not deps.is_admin(req.user_id):
        return
    channel = req.channel_id if req.channel_id[:1] in {"C", "G"} else None
    modal = views.add_modal(channel).to_dict()
    show_modal(deps.client, req.trigger_id, modal, tell=req.reply, again="type the command again")


SUBCOMMANDS = [
    Subcommand("meetings", "/liec meetings", "the meetings coming up, in your own time", work=meetings_work),
    Subcommand(
        "meeting",
        "/liec meeting add|cancel|move|apologies",
        "add a meeting, or cancel or move one date of it (admins); see apologies (the Secretary)",
        reply=meeting_reply,
        work=meeting_work,
        audience="secretary",
    ),
]


def register(routes: Routes, deps: AppDeps) -> None:
    meeting_jobs.register(deps)

    def submit(ack: Ack, body: dict[str, Any]) -> None:
        user = body.get("user", {}).get("id", "")
        if not deps.is_admin(user):
            ack(response_action="errors", errors={views.BLOCK_NAME: "Only LIEC admins can add meetings."})
            return
        spec = check_form(views.form_fields(body.get("view", {})), deps.clock.now())
        if isinstance(spec, MeetingSpec):
            try:
                deps.write(service.add_meeting, spec, user, deps.clock.now(), deps.org)
            except MeetingError as exc:
                spec = {"name": exc.message}
        if isinstance(spec, dict):
            ack(response_action="errors", errors=views.form_errors(spec))
            return
        ack()

    routes.view(views.ADD_CALLBACK)(submit)
