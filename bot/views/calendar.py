"""Block Kit for members' calendars and answers: the buttons on reminders, on `/liec meetings`
and on the Home tab; the apologies modal; the replies; the Secretary's list."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import ActionsBlock, Block, InputBlock, PlainTextInputElement, PlainTextObject
from slack_sdk.models.views import View

from bot.meeting_times import local_label, slack_date_token
from bot.services.apologies import APOLOGIES, REASON_LIMIT, AttendanceList, Target
from bot.services.calendar import Added, Delivery, stamp
from bot.views.common import (
    Reply,
    actions,
    bullets,
    button,
    context,
    escape,
    form_modal,
    mention,
    section,
    truncate,
)

ADD_ONE = "calendar_add_one"
ADD_SERIES = "calendar_add_series"
GOING = "meeting_going"
SEND_APOLOGIES = "meeting_send_apologies"
APOLOGIES_MODAL = "meeting_apologies"
BLOCK_REASON = "apologies_reason"
VALUE = "value"
SERIES_TARGET = "series"


def value(meeting_key: str, target: str) -> str:
    return f"{meeting_key}|{target}"


def parse_value(text: str) -> tuple[str, str]:
    key, _, target = (text or "").partition("|")
    return key, target


def by_original(meeting_key: str, original: datetime) -> str:
    return value(meeting_key, "o" + stamp(original))


def by_start(meeting_key: str, start: datetime) -> str:
    return value(meeting_key, "s" + stamp(start))


def when(start: datetime, zone: str) -> str:
    tz = ZoneInfo(zone)
    return f"{slack_date_token(start, fallback_tz=tz)} _({local_label(start, tz)}, {zone})_"


# --- buttons ---------------------------------------------------------------------------------


def reminder_buttons(meeting_key: str, original: datetime, recurring: bool) -> ActionsBlock:
    """Going, Send apologies and Add to calendar, under a reminder."""
    this = by_original(meeting_key, original)
    buttons = [
        button("Going", GOING, this, style="primary"),
        button("Send apologies", SEND_APOLOGIES, this),
        button("Add to calendar", ADD_ONE, this),
    ]
    if recurring:
        buttons.append(button("Add every meeting", ADD_SERIES, value(meeting_key, SERIES_TARGET)))
    return actions(*buttons, block_id=f"answer:{meeting_key}")


def list_buttons(meeting_key: str, start: datetime, recurring: bool) -> ActionsBlock:
    buttons = [button("Add to calendar", ADD_ONE, by_start(meeting_key, start))]
    if recurring:
        buttons.append(button("Add every meeting", ADD_SERIES, value(meeting_key, SERIES_TARGET)))
    return actions(*buttons, block_id=f"calendar:{meeting_key}:{stamp(start)}")


def home_buttons(items: Sequence[tuple[str, str, datetime, bool]]) -> list[Block]:
    """One Add to calendar button per meeting on the Home tab: (key, name, start, recurring).
    A repeating meeting adds every date; a one-off adds itself."""
    seen: set[str] = set()
    buttons = []
    for key, name, start, recurring in items:
        if key in seen:
            continue
        seen.add(key)
        label = f"Add {truncate(name, 40)} to calendar"
        target = value(key, SERIES_TARGET) if recurring else by_start(key, start)
        buttons.append(button(label, ADD_SERIES if recurring else ADD_ONE, target))
    if not buttons:
        return []
    return [actions(*buttons, block_id="home_calendar")]


# --- answers to the member -------------------------------------------------------------------


def problem(text: str) -> Reply:
    return Reply(text=text, blocks=[section(escape(text))])


def calendar_comment(added: Added) -> str:
    name = escape(added.meeting_name)
    if added.series:
        return (
            f"*{name}*, every meeting, for your calendar: open the file to add it. "
            "If a date moves or is cancelled, I will send you the change here."
        )
    assert added.start is not None
    return (
        f"*{name}* on {slack_date_token(added.start)}, for your calendar: open the file to add it. "
        "If it moves or is cancelled, I will send you the change here."
    )


def calendar_sent(added: Added) -> Reply:
    what = "every meeting of " if added.series else ""
    text = f"I have sent you {what}*{escape(added.meeting_name)}* for your calendar, in a DM."
    return Reply(text=text.replace("*", ""), blocks=[section(text)])


def form_failed() -> Reply:
    return problem("Sorry, the form did not open. Please press Send apologies again.")


def calendar_failed() -> Reply:
    return problem("Sorry, I could not send you the calendar file. Please try again in a minute.")


def update_comment(delivery: Delivery) -> str:
    name = escape(delivery.meeting_name)
    if delivery.comment_kind == "cancelled":
        return f"*{name}*: a date you added to your calendar is *cancelled*. Open the file to remove it."
    if delivery.comment_kind == "moved":
        return f"*{name}* has *moved*. Open the file to update your calendar."
    return f"*{name}* has *changed*. Open the file to update your calendar."


def answer_saved(target: Target) -> Reply:
    name = escape(target.meeting_name)
    on = slack_date_token(target.start)
    if target.answer == APOLOGIES:
        reason = f" Your reason: “{escape(target.reason)}”." if target.reason else ""
        text = f"Your apologies for *{name}* on {on} are sent to the Secretary.{reason}"
    else:
        text = f"You are down as going to *{name}* on {on}."
    more = (
        "You can change your answer until the meeting starts. Only you, the Secretary and the admins see it."
    )
    return Reply(text=text.replace("*", ""), blocks=[section(text), context(more)])


def answer_saved_view(target: Target) -> View:
    reply = answer_saved(target)
    return View(
        type="modal",
        title=PlainTextObject(text="Apologies sent"),
        close=PlainTextObject(text="Done"),
        blocks=list(reply.blocks),
    )


def apologies_modal(target: Target, button_value: str) -> View:
    intro = section(
        f"Send apologies for *{escape(target.meeting_name)}* on {when(target.start, target.timezone)}.\n"
        "Only the Secretary and the admins see them."
    )
    reason = InputBlock(
        block_id=BLOCK_REASON,
        label=PlainTextObject(text="Reason (optional)"),
        element=PlainTextInputElement(
            action_id=VALUE,
            initial_value=target.reason if target.answer == APOLOGIES and target.reason else None,
            max_length=REASON_LIMIT,
            placeholder="Travelling; at work",
        ),
        optional=True,
        hint=PlainTextObject(text=f"A few words, up to {REASON_LIMIT} characters."),
    )
    return form_modal(
        APOLOGIES_MODAL, "Send apologies", "Send", [intro, reason], private_metadata=button_value
    )


def reason_of(view: dict[str, object]) -> str | None:
    state = view.get("state")
    values = state.get("values") if isinstance(state, dict) else None
    block = values.get(BLOCK_REASON) if isinstance(values, dict) else None
    answer = block.get(VALUE) if isinstance(block, dict) else None
    raw = answer.get("value") if isinstance(answer, dict) else None
    return raw if isinstance(raw, str) else None


# --- the Secretary's list ----------------------------------------------------------------------


def attendance_list(found: AttendanceList) -> Reply:
    name = escape(found.meeting_name)
    lines = [
        f"{mention(a.user_id)}"
        + (f": {escape(truncate(a.reason, 200))}" if a.reason else ": no reason given")
        for a in found.apologies[:150]
    ]
    people = "person" if found.going == 1 else "people"
    blocks: list[Block] = [
        section(f"*Apologies for {name}*\n{when(found.start, found.timezone)}"),
        section(bullets(lines) if lines else "No apologies so far."),
        section(f"*Going:* {found.going} {people} said they are going."),
        context("Members' answers are personal data: only the Secretary and the admins see this list."),
    ]
    text = f"Apologies for {found.meeting_name}: {len(found.apologies)}; going: {found.going}"
    return Reply(text=text, blocks=blocks)
