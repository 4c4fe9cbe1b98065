"""Block Kit for regional questions: the coordinator's message, the asker's replies, the
region picker, the open-questions list and the two modals.

Every piece of member-typed text (the question) goes through ``escape``; Slack user ids come
from Slack and are shown as mentions only where the reader is an officer or the member.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Literal

from slack_sdk.models.blocks import (
    Block,
    InputBlock,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    RadioButtonsElement,
)
from slack_sdk.models.views import View

from bot.services.question_text import DISPLAY_PIECE_CHARS, MAX_QUESTION_CHARS
from bot.services.question_times import clock_text, place_name, zone_or_utc
from bot.services.tz_regions import Region
from bot.views.common import (
    Reply,
    actions,
    button,
    context,
    escape,
    form_modal,
    header,
    mention,
    notice,
    section,
    split_text,
    truncate,
)
from models.questions import Question

CLAIM = "questions.claim"
ANSWERED = "questions.answered"
REROUTE = "questions.reroute"
PICK_REGION_PREFIX = "questions.pick_region."  # + region; the value is a question id or ""
ASK_SEND = "questions.ask_send"  # the value is the held question's id
ASK_CANCEL = "questions.ask_cancel"
ASK_MODAL = "questions.ask_modal"
ASK_BLOCK = "question"
ASK_INPUT = "text"
REROUTE_MODAL = "questions.reroute_modal"
REROUTE_BLOCK = "region"
REROUTE_INPUT = "choice"
LIST_LIMIT = 20

MessageState = Literal["open", "claimed", "answered", "moved"]


def names(user_ids: Sequence[str]) -> str:
    mentions = [mention(u) for u in user_ids]
    if len(mentions) <= 1:
        return "".join(mentions)
    return ", ".join(mentions[:-1]) + " and " + mentions[-1]


def _asked_text(question: Question) -> str:
    local = question.asked_at.astimezone(zone_or_utc(question.asker_tz))
    when = local.strftime("%a %d %b") + ", " + clock_text(local)
    return f"asked {when} their time in {place_name(question.asker_tz)}"


def _question_blocks(question: Question) -> list[Block]:
    return [section(escape(piece)) for piece in split_text(question.text, DISPLAY_PIECE_CHARS)]


def coordinator_message(
    question: Question,
    region: Region | None,
    state: MessageState,
    *,
    escalated: bool = False,
    escalate_after: float = 24,
) -> Reply:
    """The question as a coordinator (or the Vice Chair) sees it, with the buttons that fit
    its state. Rebuilt and updated in place when someone takes, answers or moves it.
    ``region`` None: the asker never picked one (only ever escalated)."""
    where = region.display_title if region else "a member whose region is not known"
    title = f"Unclaimed question for {where}" if escalated else f"Question for {where}"
    blocks: list[Block] = [
        header(title),
        section(f"*From:* {mention(question.asker_id)}, {_asked_text(question)}"),
    ]
    if escalated:
        blocks.append(
            section(
                f"No coordinator took this question within {_hours(escalate_after)}, or none "
                "could be reached, so it has come to you as Vice Chair (Membership)."
            )
        )
    blocks += _question_blocks(question)
    value = str(question.id)
    block_id = f"questions.actions.{question.id}"
    if state == "open":
        blocks.append(
            actions(
                button("I'll take it", CLAIM, value, style="primary"),
                button("Answered", ANSWERED, value),
                button("Belongs to another region", REROUTE, value),
                block_id=block_id,
            )
        )
    elif state == "claimed":
        blocks.append(context(f"Taken by {mention(question.claimed_by or '')}"))
        blocks.append(
            actions(
                button("Answered", ANSWERED, value, style="primary"),
                button("Belongs to another region", REROUTE, value),
                block_id=block_id,
            )
        )
    elif state == "answered":
        blocks.append(context(f"Answered by {mention(question.answered_by or '')}"))
    else:
        moved_to = Region(question.region).display_title if question.region else "another region"
        blocks.append(context(f"Moved to {moved_to}"))
    blocks.append(context(f"Question {question.id}"))
    short = region.short_title if region else "no known region"
    return Reply(text=f"A question from {mention(question.asker_id)} for {short}", blocks=blocks)


def _hours(hours: float) -> str:
    whole = int(hours) if float(hours).is_integer() else hours
    return f"{whole} hour{'s' if whole != 1 else ''}"


# For the asker --------------------------------------------------------------------------------


def sent_to_coordinators(region: Region, holders: Sequence[str], expectation: str) -> Reply:
    if len(holders) > 1:
        who = f"{names(holders)} (the coordinators for {region.display_title}, a job share) have"
    else:
        who = f"{names(holders)} (the coordinator for {region.display_title}) has"
    text = f"{who} your question; {expectation}."
    return notice(text)


def sent_to_channel(region: Region, channel: str, expectation: str) -> Reply:
    text = f"The coordinator for {region.display_title} has your question in <#{channel}>"
    return notice(f"{text}; {expectation}." if expectation else f"{text}.")


def waiting_for_coordinator(region: Region, escalate_after: float) -> Reply:
    return notice(
        f"{region.display_title} has no regional coordinator at the moment, so your question "
        "is waiting. The LIEC admins have been told. It will reach the coordinator as soon as "
        "one is appointed, or the Vice Chair (Membership) if no one has taken it within "
        f"{_hours(escalate_after)}. Nothing you wrote is lost."
    )


def delivery_delayed() -> Reply:
    return notice(
        "Slack is not taking messages just now, so your question is saved and will be "
        "delivered in a few minutes. I'll tell you who has it."
    )


def escalated_to_asker(
    region: Region | None,
    vice_chairs: Sequence[str],
    reason: Literal["time", "unreachable"],
    escalate_after: float,
) -> Reply:
    where = f"the coordinator for {region.display_title}" if region else "a coordinator"
    why = (
        f"No one has taken your question within {_hours(escalate_after)}"
        if reason == "time"
        else f"Your question could not reach {where} on Slack"
    )
    if vice_chairs:
        return notice(f"{why}, so it has gone to {names(vice_chairs)}, Vice Chair (Membership).")
    return notice(f"{why}, so it has gone to the LIEC admins.")


def claimed_to_asker(region: Region, coordinator: str) -> Reply:
    return notice(f"{mention(coordinator)} has taken your question for {region.short_title}.")


def answered_to_asker(coordinator: str) -> Reply:
    return notice(f"{mention(coordinator)} has marked your question as answered.")


def moved_to_asker(region: Region) -> Reply:
    return notice(f"Your question has been passed to {region.display_title}.")


def refused(reason: str) -> Reply:
    return notice(reason)


def confirm_send(question: Question, region: Region, channel: str) -> Reply:
    """Before a typed question is posted where others can read it: the text as it will be
    posted, where, and Send / Cancel (the form says the same before its Send)."""
    where = ask_destination(region, channel)
    value = str(question.id)
    blocks: list[Block] = [section(where), *_question_blocks(question)]
    blocks.append(
        actions(
            button("Send", ASK_SEND, value, style="primary"),
            button("Cancel", ASK_CANCEL, value),
            block_id=f"questions.confirm.{question.id}",
        )
    )
    blocks.append(context("Nothing is sent until you press Send; left unsent, it is deleted after a day."))
    return Reply(text=f"Your question will be posted in <#{channel}>: send it?", blocks=blocks)


def sending() -> Reply:
    return notice("Sending your question…")


def cancelled() -> Reply:
    return notice("Cancelled: your question was not sent, and it is not kept.")


def not_held() -> Reply:
    """A Send or Cancel pressed again, or on another member's message."""
    return notice("This question was sent or cancelled already; nothing more was done.")


def region_picker(
    reason: str,
    question_id: int | None = None,
    intro: str | None = None,
    channels: dict[Region, str] | None = None,
) -> Reply:
    """Three buttons, one per region; the value carries the waiting question, if any.
    `channels`: the regions whose questions are posted in a channel, said before the pick."""
    lead = intro or (
        f"I can't tell which region you are in: {escape(reason)}. Pick yours and I'll remember it"
        + (" and send your question." if question_id else ".")
    )
    value = str(question_id) if question_id else ""
    buttons = [button(region.display_title, PICK_REGION_PREFIX + region.value, value) for region in Region]
    blocks: list[Block] = [section(lead), actions(*buttons)]
    if question_id and channels:
        blocks.append(
            context(
                *[
                    f"{r.display_title}: your question is *posted in <#{c}>* with your name; everyone "
                    "in that channel can read it."
                    for r, c in channels.items()
                ]
            )
        )
    return Reply(text=lead, blocks=blocks)


def region_status(
    region: Region | None,
    reason: str,
    holders: Sequence[str],
    branch_name: str | None,
) -> Reply:
    if region is None:
        return region_picker(reason)
    coordinator = names(holders) if holders else "_vacant at the moment_"
    lines = [
        f"*Your region:* {region.display_title}",
        f"*How it was decided:* {escape(reason)}",
        f"*Coordinator:* {coordinator}",
    ]
    if branch_name:
        lines.append(f"*Your branch:* {escape(branch_name)}")
    intro = "\n".join(lines)
    buttons = [button(r.display_title, PICK_REGION_PREFIX + r.value) for r in Region if r is not region]
    return Reply(
        text=f"Your region: {region.display_title}",
        blocks=[
            section(intro),
            context(
                "Not right? Pick another region, or `/liec region set <region>`, "
                "or `/liec region branch <branch>`."
            ),
            actions(*buttons),
        ],
    )


def region_saved(region: Region, holders: Sequence[str]) -> Reply:
    who = f" Your coordinator: {names(holders)}." if holders else ""
    return notice(f"Saved: your region is {region.display_title}.{who}")


def branch_saved(branch_name: str, region: Region) -> Reply:
    return notice(f"Saved: your branch is {escape(branch_name)}, so your region is {region.display_title}.")


BRANCHES_LISTED = 40  # more names than this would overrun a section's 3,000 characters


def branch_not_found(typed: str, suggestions: Sequence[str], all_names: Sequence[str]) -> Reply:
    """A branch not found: the likely ones, else every branch while the list fits one message
    (LI may have hundreds: then the member is asked to type part of the name)."""
    if suggestions:
        hint = "Did you mean " + " or ".join(f"*{escape(truncate(s, 80))}*" for s in suggestions[:5]) + "?"
    elif len(all_names) > BRANCHES_LISTED:
        hint = (
            f"There are {len(all_names)} branches: type part of your branch's name, like "
            "`/liec region branch lond`, and I'll suggest the ones that match."
        )
    elif all_names:
        hint = "The branches are: " + ", ".join(escape(truncate(n, 60)) for n in all_names) + "."
    else:
        hint = "No branches are listed in the organisation file yet."
    return notice(f"I don't know the branch “{escape(truncate(typed, 60))}”. {hint}")


def unknown_region(typed: str) -> str:
    """`/liec region set mars`: name what was typed and the regions there are."""
    regions = "; ".join(f"{r.display_title} (`{r.value}`)" for r in Region)
    return f"There is no region `{escape(truncate(typed, 40))}`. The regions are: {regions}. Which is yours?"


def region_usage() -> Reply:
    return notice(
        "Use `/liec region` to see your region, `/liec region set americas` "
        "(or `asia-pacific`, `europe-africa-middle-east`, `auto`), or "
        "`/liec region branch <branch>`."
    )


# For coordinators -------------------------------------------------------------------------


def _age(asked: datetime, now: datetime) -> str:
    age = now - asked
    if age < timedelta(hours=1):
        return f"{max(int(age.total_seconds() // 60), 0)} min ago"
    if age < timedelta(days=2):
        return f"{int(age.total_seconds() // 3600)} h ago"
    return f"{age.days} days ago"


def _status_text(question: Question) -> str:
    if question.status == "claimed":
        return f"taken by {mention(question.claimed_by or '')}"
    status = {"unrouted": "region not chosen", "waiting": "waiting", "open": "not taken yet"}
    text = status.get(question.status, question.status)
    return text + (", escalated" if question.escalated_at else "")


def questions_list(
    questions: Sequence[Question],
    regions_text: str,
    now: datetime,
    total: int | None = None,
    counted_up_to: int | None = None,
) -> Reply:
    """The oldest open questions; `total` counts them all when only the first are given, up to
    `counted_up_to` (a total above it means "more than counted_up_to")."""
    total = len(questions) if total is None else total
    if not questions:
        return notice(f"No open questions for {regions_text}.")
    blocks: list[Block] = [header(f"Open questions: {truncate(regions_text, 120)}")]
    for question in questions[:LIST_LIMIT]:
        region = Region(question.region).short_title if question.region else "no region"
        first = escape(truncate(" ".join(question.text.split()), 200))
        blocks.append(
            section(
                f"*{question.id}* · {region} · {mention(question.asker_id)} · "
                f"{_age(question.asked_at, now)} · {_status_text(question)}\n>{first}",
            )
        )
    shown = min(len(questions), LIST_LIMIT)
    over = counted_up_to is not None and total > counted_up_to
    if over:
        assert counted_up_to is not None
        blocks.append(context(f"…and over {counted_up_to - shown:,} more, newer ones."))
        return Reply(text=f"More than {counted_up_to:,} open questions", blocks=blocks)
    if total > shown:
        blocks.append(context(f"…and {total - shown} more, newer ones."))
    return Reply(text=f"{total} open question(s)", blocks=blocks)


def not_a_coordinator() -> Reply:
    return notice(
        "`/liec questions` is for regional coordinators, the Vice Chair (Membership) and "
        "LIEC admins. To ask your coordinator something, use `/liec ask <question>`."
    )


def not_yours() -> Reply:
    return notice("Only this region's coordinators, the Vice Chair (Membership) and admins can do that.")


def reroute_unreadable() -> Reply:
    return notice(
        "Nothing was moved: that form no longer says which question or region. Press *Another region* again."
    )


def already_taken(by: str | None) -> Reply:
    return notice(f"Too late: {mention(by)} has it already." if by else "This question is settled.")


# Modals ----------------------------------------------------------------------------------------


ASK_WHERE = "questions.ask_where"


def ask_destination(region: Region | None, channel: str | None) -> str:
    """Where a question will go, said before it is sent: a region's channel shows the asker's name."""
    if region is not None and channel:
        return (
            f"Your question will be *posted in <#{channel}>*, the {escape(region.display_title)} "
            "coordinators' channel, *with your name*, so that whichever of them is free can take it. "
            "Everyone in that channel can read it, and if a coordinator moves it to a region whose "
            "coordinators also use a channel, everyone in that one."
        )
    if region is not None:
        return (
            f"Your question goes to the {escape(region.display_title)} coordinator by direct message, "
            "with your name; they reply to you directly."
        )
    return (
        "Your question goes to your regional coordinator with your name (in a region that takes "
        "questions in a channel, it is posted in that channel). You will be asked your region "
        "if the bot cannot tell it."
    )


def ask_modal(destination: str | None = None) -> View:
    question = InputBlock(
        block_id=ASK_BLOCK,
        label=PlainTextObject(text="Your question"),
        element=PlainTextInputElement(action_id=ASK_INPUT, multiline=True, max_length=MAX_QUESTION_CHARS),
    )
    where = section(destination or ask_destination(None, None), block_id=ASK_WHERE)
    return form_modal(ASK_MODAL, "Ask your coordinator", "Send", [where, question])


def reroute_modal(question: Question) -> View:
    options = [
        Option(value=r.value, text=PlainTextObject(text=r.display_title))
        for r in Region
        if r.value != question.region
    ]
    region = InputBlock(
        block_id=REROUTE_BLOCK,
        label=PlainTextObject(text="Which region should have this question?"),
        element=RadioButtonsElement(action_id=REROUTE_INPUT, options=options),
    )
    return form_modal(REROUTE_MODAL, "Another region", "Move", [region], private_metadata=str(question.id))
