"""Block Kit for a member's Home tab: "what is there for me?" at a glance."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

from slack_sdk.models.blocks import Block

from bot.services.home import (
    AdminPart,
    ElectionItem,
    HomeData,
    MeetingItem,
    NominationItem,
    QuestionItem,
    RegionPart,
)
from bot.views import calendar as calendar_views
from bot.views.common import (
    MODAL_BLOCK_LIMIT,
    actions,
    bullets,
    button,
    context,
    divider,
    escape,
    header,
    mention,
    section,
    truncate,
)
from bot.views.elections import NOMINATE_BUTTON
from bot.views.member_data import FORGET_BUTTON, MY_DATA_BUTTON
from bot.views.organisation import HOME_OPEN as ORGANISATION_BUTTON
from bot.views.slack_dates import SHORT, date_token

HOME_BLOCK_LIMIT = MODAL_BLOCK_LIMIT  # a Home tab holds 100 blocks, like a modal

QUESTION_STATUS = {
    "unrouted": "waiting for you to pick your region",
    "waiting": "waiting for a coordinator",
    "open": "with the coordinators",
    "claimed": "a coordinator is on it",
}


def _coordinator_line(region: RegionPart) -> str:
    if not region.coordinators:
        return "*Coordinator:* the post is vacant; `/liec ask` still reaches the committee."
    people = []
    for person in region.coordinators:
        if person.local_now is None:
            people.append(mention(person.user_id))
        else:
            local = person.local_now
            people.append(f"{mention(person.user_id)} (it is {local:%H:%M} on {local:%A} for them)")
    word = "Coordinator" if len(people) == 1 else "Coordinators"
    return f"*{word}:* " + ", ".join(people)


def region_blocks(region: RegionPart) -> list[Block]:
    how = "Tell me with `/liec region set <region>` or `/liec region branch <your branch>`."
    if region.region is None and region.reading_timezone:
        return [
            section(f"*Your region:* I am reading your Slack time zone; it will show here next time. {how}")
        ]
    if region.region is None:
        return [section(f"*Your region:* not known ({escape(region.reason)}). {how}")]
    text = (
        f"*Your region:* {region.region.display_title} ({escape(region.reason)})\n{_coordinator_line(region)}"
    )
    return [section(text)]


def _meeting_line(item: MeetingItem) -> str:
    parts = [f"*{escape(truncate(item.name, 100))}*, {date_token(item.starts_at)} in <#{item.channel}>"]
    if item.agenda_url:
        parts.append(f"<{item.agenda_url}|Agenda>")
    if item.video_url:
        parts.append(f"<{item.video_url}|Join the call>")
    return " · ".join(parts)


def meeting_blocks(items: Sequence[MeetingItem]) -> list[Block]:
    if not items:
        return [section("*Next meetings*\nNo meetings in the next three months.")]
    blocks: list[Block] = [
        section("*Next meetings* (in your own time)\n" + bullets([_meeting_line(i) for i in items]))
    ]
    return blocks + calendar_views.home_buttons(
        [(i.key, i.name, i.starts_at, i.recurring) for i in items if i.key]
    )


def election_blocks(items: Sequence[ElectionItem]) -> list[Block]:
    if not items:
        return [section("*Elections*\nNo election is taking nominations now.")]
    blocks: list[Block] = [section("*Open elections*")]
    for item in items:
        positions = ", ".join(escape(p) for p in item.positions)
        blocks.append(
            section(
                f"*{escape(item.name)}*\n{truncate(positions, 1500)}\n"
                f"Nominations close {date_token(item.closes_at)}.",
                accessory=button("Nominate", NOMINATE_BUTTON, value=str(item.election_id), style="primary"),
            )
        )
    return blocks


def _nomination_line(item: NominationItem) -> str:
    whom = f" (you nominated {escape(truncate(item.candidate, 80))})" if item.candidate else ""
    return f"{escape(item.position)}, {escape(item.election)}{whom}: *{escape(item.status)}*"


def nomination_blocks(items: Sequence[NominationItem]) -> list[Block]:
    if not items:
        return []  # nothing to say to a member who has not nominated anyone
    return [section("*Your nominations*\n" + bullets([_nomination_line(i) for i in items]))]


def _question_line(item: QuestionItem) -> str:
    status = QUESTION_STATUS.get(item.status, item.status)
    asked = date_token(item.asked_at, "{date_short_pretty}")
    return f"“{escape(truncate(item.text, 100))}”, asked {asked}: {status}"


def question_blocks(items: Sequence[QuestionItem]) -> list[Block]:
    if not items:
        return [section("*Your questions*\nNone open. `/liec ask` reaches your regional coordinator.")]
    return [section("*Your open questions*\n" + bullets([_question_line(i) for i in items]))]


def _listed(title: str, lines: Sequence[str] | None, none: str) -> list[Block]:
    if lines is None:
        return []  # that capability is absent or could not be read
    return [section(f"*{title}*\n" + (bullets(lines) if lines else none))]


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _in_channel(channel: str | None) -> str:
    return f" in <#{channel}>" if channel else ""


def admin_blocks(admin: AdminPart) -> list[Block]:
    blocks: list[Block] = [divider(), header("For officers and admins")]
    waiting = (
        None
        if admin.awaiting_nominators is None
        else [
            f"{escape(w.position)} ({escape(w.election)}): {_count(w.awaiting, 'nomination')}"
            for w in admin.awaiting_nominators
        ]
    )
    blocks += _listed("Nominations awaiting nominators", waiting, "None.")
    unanswered = (
        None
        if admin.unanswered_questions is None
        else [
            f"{r.region.display_title if r.region else 'Region not known yet'}: {r.unanswered} "
            f"(oldest asked {date_token(r.oldest, SHORT)})"
            for r in admin.unanswered_questions
        ]
    )
    blocks += _listed("Unanswered questions by region", unanswered, "None.")
    failed = (
        None
        if admin.failed_reminders is None
        else [
            f"{escape(f.what)}{_in_channel(f.channel)}, due {date_token(f.due_at, SHORT)}: "
            f"`{escape(truncate(f.error, 60))}`"
            for f in admin.failed_reminders
        ]
    )
    blocks += _listed("Reminders that failed (last two weeks)", failed, "None.")
    problems = [escape(truncate(p, 280)) for p in admin.config_problems]
    blocks += _listed(
        "Configuration problems", problems, "None: the organisation file agrees with the role files."
    )
    if admin.can_change_organisation:
        blocks.append(
            section(
                "*Organisation*\nWho holds each post, regions, branches, channels and settings.",
                accessory=button("Change", ORGANISATION_BUTTON),
            )
        )
    return blocks


def _checked(blocks: Sequence[Block]) -> tuple[dict[str, Any], ...]:
    # to_dict() runs slack_sdk's validation of every limit it knows.
    return tuple(block.to_dict() for block in blocks)


_HEADER = _checked([header("Labour International: what is there for you")])
_FOOTER = _checked(
    [
        divider(),
        context(
            "Times are shown in your own time zone. `/liec help` lists everything, "
            "`/liec officers` shows who holds each role."
        ),
        actions(
            button("Send me my data", MY_DATA_BUTTON, value="home"),
            button("Forget me…", FORGET_BUTTON, value="home", style="danger"),
        ),
    ]
)


# The parts every member sees alike (the next meetings, the open elections: no personal data)
# are built and checked once per distinct content, as `/liec meetings`' list is: slack_sdk's
# checks of a tab's blocks were about a tenth of its CPU.
@functools.lru_cache(maxsize=64)
def _meeting_dicts(items: tuple[MeetingItem, ...]) -> tuple[dict[str, Any], ...]:
    return _checked(meeting_blocks(items))


@functools.lru_cache(maxsize=64)
def _election_dicts(items: tuple[ElectionItem, ...]) -> tuple[dict[str, Any], ...]:
    return _checked(election_blocks(items))


def home_view(data: HomeData) -> dict[str, Any]:
    """The member's tab as views.publish takes it: a `home` view's dict, every block checked
    by slack_sdk's models, at most HOME_BLOCK_LIMIT blocks (Slack's limit), the footer always
    shown. The shared dicts are not to be changed by the caller."""
    # Each part in the order shown; a part that is None is absent or could not be read.
    parts: list[tuple[Any, Callable[[Any], tuple[dict[str, Any], ...]]]] = [
        (data.region, lambda region: _checked(region_blocks(region))),
        (data.meetings, lambda meetings: _meeting_dicts(tuple(meetings))),
        (data.elections, lambda elections: _election_dicts(tuple(elections))),
        (data.nominations, lambda nominations: _checked(nomination_blocks(nominations))),
        (data.questions, lambda questions: _checked(question_blocks(questions))),
        (data.admin, lambda admin: _checked(admin_blocks(admin))),
    ]
    blocks: list[dict[str, Any]] = list(_HEADER)
    for part, render in parts:
        if part is not None:
            blocks += render(part)
    return {"type": "home", "blocks": blocks[: HOME_BLOCK_LIMIT - len(_FOOTER)] + list(_FOOTER)}
