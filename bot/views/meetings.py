"""Block Kit for meetings: reminders, notices, the digest, the list and the add modal.

Times are Slack date tokens, so each reader sees their own local time, with the meeting's
own date and zone beside them for clients that cannot show tokens and for reference.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import (
    Block,
    ConversationFilter,
    ConversationSelectElement,
    InputBlock,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    StaticSelectElement,
    UrlInputElement,
)
from slack_sdk.models.views import View

from bot.config import MEETING_AGENDA_CHARS, MEETING_NAME_CHARS
from bot.meeting_times import local_label, slack_date_token
from bot.services.meeting_queries import ListedMeeting
from bot.services.reminders import humanize
from bot.views import calendar as calendar_views
from bot.views.common import Reply, bullets, context, escape, form_modal, header, section, truncate
from models.meetings import Meeting

ADD_CALLBACK = "meeting_add"
VALUE = "value"  # the action id of every input in the modal (block ids tell them apart)
BLOCK_NAME = "meeting_name"
BLOCK_CHANNEL = "meeting_channel"
BLOCK_START = "meeting_start"
BLOCK_TIMEZONE = "meeting_timezone"
BLOCK_RRULE = "meeting_rrule"
BLOCK_REMINDERS = "meeting_reminders"
BLOCK_KIND = "meeting_kind"
BLOCK_AGENDA = "meeting_agenda"
BLOCK_AGENDA_URL = "meeting_agenda_url"
BLOCK_VIDEO_URL = "meeting_video_url"

KIND_LABELS = {
    "liec": "LIEC meeting",
    "gc": "General Committee",
    "amm": "All Members Meeting",
    "branch": "Branch meeting",
    "other": "Other",
}
USAGE = (
    "`/liec meetings`  the meetings coming up",
    "`/liec meeting add`  add a meeting (a form)",
    "`/liec meeting cancel general-committee 2027-03-27`  cancel one date of a meeting",
    "`/liec meeting cancel general-committee all`  cancel a meeting and every date to come",
    "`/liec meeting move general-committee 2027-03-27 to 2027-04-03 14:00`  move one date "
    "(the new time in the meeting's own zone)",
    "`/liec meeting move general-committee 2027-04-03 14:00`  move the next date",
    "`/liec meeting apologies general-committee [2027-03-27]`  who sent apologies, and how many are "
    "going (the Secretary and admins)",
)


def when(start: datetime, zone: str) -> str:
    """'<token>' then the meeting's own date: Saturday 6 March 2027, 10:00 GMT (Europe/London)."""
    tz = ZoneInfo(zone)
    return f"{slack_date_token(start, fallback_tz=tz)}\n_{local_label(start, tz)} ({zone})_"


def _links(meeting: Meeting | ListedMeeting) -> str | None:
    links = []
    if meeting.agenda_url:
        links.append(f"<{meeting.agenda_url}|Agenda>")
    if meeting.video_url:
        links.append(f"<{meeting.video_url}|Join the call>")
    return " · ".join(links) or None


def _name(meeting: Meeting | ListedMeeting) -> str:
    return escape(truncate(meeting.name, 150))


def reminder(
    meeting: Meeting,
    start: datetime,
    now: datetime,
    *,
    late_since: datetime | None = None,
    shift_notes: Sequence[str] = (),
    buttons: Block | None = None,
) -> Reply:
    """One reminder in the meeting's channel; `buttons` are the members' (Going, Send
    apologies, Add to calendar: bot/views/calendar.py)."""
    away = humanize(start - now)
    blocks: list[Block] = [
        section(f"*Reminder: {_name(meeting)}* starts in {away}."),
        section(f"*When:* {when(start, meeting.timezone)}"),
    ]
    if meeting.agenda:
        blocks.append(section(f"*Agenda:*\n{escape(truncate(meeting.agenda, 2500))}"))
    links = _links(meeting)
    if links:
        blocks.append(section(links))
    notes = [f"*The clocks have changed.* {note}" for note in shift_notes]
    if late_since is not None:
        notes.append(
            "_Sent late: the bot was offline when this reminder was due "
            f"({slack_date_token(late_since, '{date_short_pretty} at {time}', ZoneInfo(meeting.timezone))})._"
        )
    if notes:
        blocks.append(context(*notes))
    if buttons is not None:
        blocks.append(buttons)
    prefix = "(Sent late) " if late_since is not None else ""
    return Reply(text=f"{prefix}Reminder: {_name(meeting)} starts in {away}", blocks=blocks)


def change_notice(
    meeting: Meeting,
    action: str,
    start: datetime | None,
    target: datetime | None,
    next_start: datetime | None,
) -> Reply:
    """A meeting added, cancelled, moved or rescheduled: said in its channel."""
    name = _name(meeting)
    zone = meeting.timezone
    if action == "occurrence_cancelled" and start is not None:
        text = f"*{name}* on {when(start, zone)}\nis *cancelled*."
    elif action == "moved" and start is not None and target is not None:
        text = (
            f"*{name}* has *moved*.\n*Now:* {when(target, zone)}\n"
            f"*Was:* {slack_date_token(start, fallback_tz=ZoneInfo(zone))}"
        )
    elif action == "cancelled":
        text = f"*{name}* is *cancelled*: no further meetings are planned."
    elif action == "rescheduled":
        upcoming = f"\n*Next:* {when(next_start, zone)}" if next_start else ""
        text = f"The schedule of *{name}* has *changed*.{upcoming}"
    else:
        upcoming = f"\n*First:* {when(next_start, zone)}" if next_start else ""
        text = f"New meeting: *{name}*.{upcoming}"
    blocks: list[Block] = [section(text)]
    if action not in {"cancelled", "occurrence_cancelled"}:
        blocks.append(context("Reminders will follow here before each meeting."))
    plain = text.replace("*", "").split("\n")[0]
    return Reply(text=plain, blocks=blocks)


def agenda_notice(meeting: Meeting, start: datetime, days: int) -> Reply:
    """The Secretary's reminder to circulate the notice and agenda."""
    text = (
        f"Time to circulate the notice and agenda for *{_name(meeting)}*: it meets in {days} "
        f"day{'s' if days != 1 else ''}.\n*When:* {when(start, meeting.timezone)}"
    )
    blocks: list[Block] = [section(text)]
    blocks.append(
        context(
            "The LI Rules and Standing Orders ask for notices and agendas to reach "
            "branches in good time. Add the agenda to the meeting so its reminders "
            "carry it."
        )
    )
    return Reply(text=f"Circulate the agenda for {_name(meeting)}", blocks=blocks)


# A message holds 50 blocks: a header, this many meetings (a line and its buttons each) and two
# lines of context.
LISTED_MEETINGS = 23


def digest(items: Sequence[tuple[Meeting, datetime]]) -> Reply:
    blocks: list[Block] = [header("Meetings this weekend")]
    for meeting, start in items[:LISTED_MEETINGS]:
        line = f"*{_name(meeting)}* in <#{meeting.channel}>\n{when(start, meeting.timezone)}"
        links = _links(meeting)
        blocks.append(section(line + (f"\n{links}" if links else "")))
    if len(items) > LISTED_MEETINGS:
        blocks.append(context(f"And {len(items) - LISTED_MEETINGS} more this weekend."))
    blocks.append(context("Times show in your own time zone; the line in italics is the meeting's own."))
    return Reply(text=f"Meetings this weekend: {len(items)}", blocks=blocks)


def meetings_list(items: Sequence[tuple[Meeting | ListedMeeting, datetime]], days: int) -> Reply:
    if not items:
        return Reply(text="No meetings coming up", blocks=[section(f"No meetings in the next {days} days.")])
    blocks: list[Block] = [header("Upcoming meetings")]
    for meeting, start in items[:LISTED_MEETINGS]:
        line = (
            f"*{_name(meeting)}*  `{meeting.key}`  in <#{meeting.channel}>\n{when(start, meeting.timezone)}"
        )
        links = _links(meeting)
        blocks.append(section(line + (f"\n{links}" if links else "")))
        blocks.append(calendar_views.list_buttons(meeting.key, start, meeting.rrule is not None))
    if len(items) > LISTED_MEETINGS:
        blocks.append(context(f"And {len(items) - LISTED_MEETINGS} more in the next {days} days."))
    blocks.append(
        context("Times show in your own time zone; the line in italics is the meeting's own date and zone.")
    )
    return Reply(text=f"{len(items)} upcoming meeting(s)", blocks=blocks)


def usage(problem: str | None = None) -> Reply:
    blocks: list[Block] = []
    if problem:
        blocks.append(section(problem))
    blocks.append(section(bullets(USAGE)))
    return Reply(text=problem or "Meeting commands", blocks=blocks)


def problem(text: str, suggestions: Sequence[str] = ()) -> Reply:
    if suggestions:
        text += " Did you mean " + ", ".join(f"`{escape(s)}`" for s in suggestions) + "?"
    return Reply(text=text, blocks=[section(text)])


def done(text: str) -> Reply:
    return Reply(
        text=text.replace("*", ""), blocks=[section(text), context("A notice goes to the meeting's channel.")]
    )


# --- the add modal -------------------------------------------------------------------


def _text_input(
    block_id: str,
    label: str,
    *,
    placeholder: str = "",
    initial: str | None = None,
    optional: bool = False,
    multiline: bool = False,
    hint: str | None = None,
    max_length: int = 150,
) -> InputBlock:
    return InputBlock(
        block_id=block_id,
        label=PlainTextObject(text=label),
        element=PlainTextInputElement(
            action_id=VALUE,
            placeholder=placeholder or None,
            initial_value=initial,
            multiline=multiline,
            max_length=max_length,
        ),
        optional=optional,
        hint=PlainTextObject(text=hint) if hint else None,
    )


def add_modal(channel_id: str | None = None, zone: str = "Europe/London") -> View:
    kinds = [Option(value=key, label=label) for key, label in KIND_LABELS.items()]
    blocks: list[Block] = [
        _text_input(BLOCK_NAME, "Name", placeholder="General Committee", max_length=MEETING_NAME_CHARS),
        InputBlock(
            block_id=BLOCK_CHANNEL,
            label=PlainTextObject(text="Channel for reminders"),
            element=ConversationSelectElement(
                action_id=VALUE,
                initial_conversation=channel_id or None,
                filter=ConversationFilter(include=["public", "private"], exclude_bot_users=True),
            ),
        ),
        _text_input(
            BLOCK_START,
            "Start (local time in the meeting's time zone)",
            placeholder="2027-03-06 10:00",
            max_length=40,
            hint="Year-month-day hour:minute, 24-hour clock.",
        ),
        _text_input(
            BLOCK_TIMEZONE,
            "Time zone",
            initial=zone,
            max_length=64,
            hint="An IANA name such as Europe/London, America/New_York or Australia/Sydney.",
        ),
        _text_input(
            BLOCK_RRULE,
            "Repeats (RFC 5545 rule)",
            optional=True,
            max_length=300,
            placeholder="FREQ=MONTHLY;BYDAY=1SA",
            hint="Empty for a one-off. FREQ=MONTHLY;BYDAY=1SA is the first Saturday "
            "of each month; FREQ=WEEKLY is every week.",
        ),
        _text_input(
            BLOCK_REMINDERS,
            "Reminders before it",
            initial="7d, 1d, 1h",
            max_length=100,
            hint="Each a number and a unit: m, h, d or w; up to 60 days.",
        ),
        InputBlock(
            block_id=BLOCK_KIND,
            label=PlainTextObject(text="Kind"),
            element=StaticSelectElement(action_id=VALUE, options=kinds, initial_option=kinds[-1]),
        ),
        _text_input(BLOCK_AGENDA, "Agenda", optional=True, multiline=True, max_length=MEETING_AGENDA_CHARS),
        InputBlock(
            block_id=BLOCK_AGENDA_URL,
            label=PlainTextObject(text="Agenda link"),
            element=UrlInputElement(action_id=VALUE),
            optional=True,
        ),
        InputBlock(
            block_id=BLOCK_VIDEO_URL,
            label=PlainTextObject(text="Video call link"),
            element=UrlInputElement(action_id=VALUE),
            optional=True,
        ),
    ]
    return form_modal(ADD_CALLBACK, "Add a meeting", "Add", blocks)


def modal_values(view: dict[str, Any]) -> dict[str, str | None]:
    """The answers of a submitted add modal, by block id."""
    values: dict[str, str | None] = {}
    for block_id, actions in (view.get("state", {}).get("values") or {}).items():
        answer = actions.get(VALUE) or {}
        if "selected_conversation" in answer:
            values[block_id] = answer.get("selected_conversation")
        elif "selected_option" in answer:
            values[block_id] = (answer.get("selected_option") or {}).get("value")
        else:
            raw = answer.get("value")
            values[block_id] = raw.strip() if isinstance(raw, str) and raw.strip() else None
    return values


# The form's fields, as the service's errors name them, and their blocks.
FIELD_BLOCKS = {
    "name": BLOCK_NAME,
    "channel": BLOCK_CHANNEL,
    "start": BLOCK_START,
    "timezone": BLOCK_TIMEZONE,
    "rrule": BLOCK_RRULE,
    "reminders": BLOCK_REMINDERS,
    "kind": BLOCK_KIND,
    "agenda": BLOCK_AGENDA,
    "agenda_url": BLOCK_AGENDA_URL,
    "video_url": BLOCK_VIDEO_URL,
}


def form_fields(view: dict[str, Any]) -> dict[str, str | None]:
    """The answers of a submitted add modal, by field."""
    by_block = modal_values(view)
    return {field: by_block.get(block) for field, block in FIELD_BLOCKS.items()}


def form_errors(errors: dict[str, str]) -> dict[str, str]:
    """The service's {field: message} as Slack's {block_id: message}."""
    return {FIELD_BLOCKS.get(field, BLOCK_NAME): truncate(text, 1900) for field, text in errors.items()}
