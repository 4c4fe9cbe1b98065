"""Block Kit for elections: the admin's "open an election" modal, the announcement and
reminder in the announcements channel, the status list, the closing summary and the
published candidate list."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from slack_sdk.models.blocks import (
    Block,
    DateTimePickerElement,
    InputBlock,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    RadioButtonsElement,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot.config import ELECTION_NAME_CHARS
from bot.services.elections import (
    FIELD_CLOSES,
    FIELD_KIND,
    FIELD_NAME,
    FIELD_OPENS,
    FIELD_POSITIONS,
    ElectionDraft,
    ElectionKind,
)
from bot.services.nominations import NominationStatus
from bot.services.text_safety import neutralise
from bot.views.choices import Choice, ChoiceGroup, multi_select_element
from bot.views.common import (
    SECTION_TEXT_LIMIT,
    Reply,
    actions,
    bullets,
    button,
    context,
    divider,
    escape,
    form_modal,
    header,
    section,
    split_text,
)

NOMINATE_BUTTON = "election_nominate"
OPEN_CALLBACK = "election_open_submit"
INPUT = "value"  # the action_id of every input element in these modals

NAME = "election_name"
KIND = "election_kind"
OPENS = "election_opens"
CLOSES = "election_closes"
POSITIONS = "election_positions"

# Statements and names are escaped, and "&" becomes "&amp;": keep a margin under the limit.
_CHUNK = SECTION_TEXT_LIMIT - 200
_MESSAGE_BLOCKS = 45


def slack_time(moment: datetime) -> str:
    """A moment each reader sees in their own time zone, with UTC alongside to be sure."""
    utc = moment.astimezone(UTC)
    fallback = f"{utc:%Y-%m-%d %H:%M} UTC"
    return (
        f"<!date^{int(utc.timestamp())}^{{date_long_pretty}} at {{time}}|{fallback}> (your time; {fallback})"
    )


def utc_text(moment: datetime) -> str:
    return f"{moment.astimezone(UTC):%Y-%m-%d %H:%M} UTC"


def plain_section(text: str) -> SectionBlock:
    """Member-typed prose shown exactly as typed: plain text parses no mentions or markup."""
    return SectionBlock(text=PlainTextObject(text=neutralise(text), emoji=False))


def chunk_messages(text: str, blocks: Sequence[Block]) -> list[Reply]:
    """Slack takes 50 blocks a message: long lists go as several messages."""
    replies = []
    for start in range(0, max(len(blocks), 1), _MESSAGE_BLOCKS):
        part = list(blocks[start : start + _MESSAGE_BLOCKS])
        suffix = f" ({start // _MESSAGE_BLOCKS + 1})" if len(blocks) > _MESSAGE_BLOCKS else ""
        replies.append(Reply(text=text + suffix, blocks=part))
    return replies


# The admin's modal ---------------------------------------------------------------------


def open_election_modal(positions: Sequence[tuple[str, str]]) -> View:
    """``positions`` are (position key, title) pairs: one per role, one per regional post."""
    choices = [ChoiceGroup("", [Choice(key, title) for key, title in positions])]
    kinds = [
        Option(value=ElectionKind.REGULAR.value, text="Regular election (all roles)"),
        Option(value=ElectionKind.BY_ELECTION.value, text="By-election (vacancies)"),
    ]
    blocks: list[Block] = [
        InputBlock(
            block_id=NAME,
            label="Name",
            element=PlainTextInputElement(
                action_id=INPUT, max_length=ELECTION_NAME_CHARS, placeholder="LIEC elections 2027"
            ),
        ),
        InputBlock(
            block_id=KIND,
            label="Kind",
            element=RadioButtonsElement(action_id=INPUT, options=kinds, initial_option=kinds[0]),
        ),
        InputBlock(
            block_id=OPENS,
            label="Nominations open",
            element=DateTimePickerElement(action_id=INPUT),
            hint="In your own time zone; members see it in theirs.",
        ),
        InputBlock(
            block_id=CLOSES, label="Nominations close", element=DateTimePickerElement(action_id=INPUT)
        ),
        InputBlock(
            block_id=POSITIONS,
            label="Positions",
            # Checkboxes up to 10 posts, a multi-select up to 100, then one with search.
            element=multi_select_element(INPUT, choices, placeholder="Choose the posts"),
        ),
    ]
    return form_modal(OPEN_CALLBACK, "Open an election", "Schedule", blocks)


def election_created_view(name: str, opens_at: datetime, closes_at: datetime) -> View:
    return View(
        type="modal",
        title=PlainTextObject(text="Election scheduled"),
        close=PlainTextObject(text="Done"),
        blocks=[
            section(
                f"*{escape(name)}* is scheduled.\nNominations open {slack_time(opens_at)} and "
                f"close {slack_time(closes_at)}. The bot announces it in the announcements "
                "channel when it opens, reminds members 48 hours before it closes, and sends "
                "the admins a summary at closing."
            )
        ],
    )


# Channel messages ----------------------------------------------------------------------


def _how_to_apply() -> str:
    return (
        "A candidate writes a personal statement of up to 200 words (the skills they bring "
        "and how they would develop the role) and is nominated by *two other LI members* or "
        "by *one branch*. Every post is open to job share."
    )


def announcement(election_id: int, name: str, positions: Sequence[str], closes_at: datetime) -> Reply:
    blocks: list[Block] = [
        header(f"Nominations are open: {name}"),
        # Every post, over as many sections as the list needs (3,000 characters each).
        *(
            section(piece)
            for piece in split_text(f"*Positions*\n{bullets([escape(p) for p in positions])}", 2900)
        ),
        section(f"Nominations close {slack_time(closes_at)}."),
        section(_how_to_apply()),
        actions(button("Nominate", NOMINATE_BUTTON, value=str(election_id), style="primary")),
        context(
            "Or type `/liec nominate`. Your nominators see the candidate's name; email "
            "addresses, membership numbers and the statement are seen only by the person they "
            "describe and the returning officer."
        ),
    ]
    return Reply(
        text=f"Nominations are open: {escape(name)}. They close {utc_text(closes_at)}.", blocks=blocks
    )


def reminder(election_id: int, name: str, closes_at: datetime) -> Reply:
    blocks: list[Block] = [
        section(f"*48 hours left:* nominations for *{escape(name)}* close {slack_time(closes_at)}."),
        section("Nominators who have not confirmed yet: please answer the bot's message."),
        actions(button("Nominate", NOMINATE_BUTTON, value=str(election_id), style="primary")),
    ]
    return Reply(
        text=f"48 hours left: nominations for {escape(name)} close {utc_text(closes_at)}.", blocks=blocks
    )


# Admin views ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ElectionLine:
    name: str
    kind: str
    state: str
    opens_at: datetime
    closes_at: datetime
    counts: Sequence[tuple[str, dict[NominationStatus, int]]]  # (position title, counts)
    published: bool


def _counts_text(counts: dict[NominationStatus, int]) -> str:
    if not counts:
        return "no nominations"
    return ", ".join(f"{n} {status.value}" for status, n in counts.items())


def status_reply(lines: Sequence[ElectionLine]) -> Reply:
    if not lines:
        return Reply(
            text="No elections yet.",
            blocks=[
                section(
                    "There are no elections yet. Add one to the organisation file (`elections`) or "
                    "type `/liec election open`."
                )
            ],
        )
    blocks: list[Block] = [header("Elections")]
    for line in lines[-12:]:
        counts = bullets([f"{escape(title)}: {_counts_text(c)}" for title, c in line.counts])
        published = " · candidate list published" if line.published else ""
        blocks.append(
            section(
                f"*{escape(line.name)}* ({line.kind}) · *{line.state}*{published}\n"
                f"Opens {slack_time(line.opens_at)}\nCloses {slack_time(line.closes_at)}\n"
                f"{counts}"
            )
        )
    return Reply(text="Elections", blocks=blocks)


@dataclass(frozen=True)
class SummaryLine:
    position: str
    candidate: str
    status: NominationStatus
    route: str


def closing_summary(name: str, closes_at: datetime, lines: Sequence[SummaryLine]) -> list[Reply]:
    """The admins' summary at closing, sent by DM (it names candidates)."""
    blocks: list[Block] = [
        header(f"Nominations closed: {name}"),
        section(
            f"Nominations closed {slack_time(closes_at)}. "
            f"{len(lines)} nomination{'s' if len(lines) != 1 else ''}:"
        ),
    ]
    by_position: dict[str, list[SummaryLine]] = {}
    for line in lines:
        by_position.setdefault(line.position, []).append(line)
    for position, group in by_position.items():
        items = [f"{escape(g.candidate)} · {g.status.value} · {g.route}" for g in group]
        for piece in split_text(f"*{escape(position)}*\n{bullets(items)}", _CHUNK):
            blocks.append(section(piece))
    blocks.append(
        context(
            "`/liec nominations` for the details · `/liec nominations export` "
            "for the CSV · `/liec election publish <name>` to publish the "
            "candidate list"
        )
    )
    return chunk_messages(f"Nominations closed: {escape(name)}", blocks)


@dataclass(frozen=True)
class Candidate:
    position: str
    name: str
    statement: str


def candidate_list(name: str, candidates: Sequence[Candidate]) -> list[Reply]:
    """The published list: names and positions escaped, statements as plain text."""
    blocks: list[Block] = [header(f"Candidates: {name}")]
    if not candidates:
        blocks.append(section("There are no valid nominations."))
    current = None
    for candidate in candidates:
        if candidate.position != current:
            current = candidate.position
            blocks += [divider(), section(f"*{escape(candidate.position)}*")]
        blocks.append(section(f"*{escape(candidate.name)}*"))
        blocks += [plain_section(piece) for piece in split_text(candidate.statement, _CHUNK)]
    return chunk_messages(f"Candidates: {escape(name)}", blocks)


# Reading the "open an election" form ----------------------------------------------------

FIELD_BLOCKS = {
    FIELD_NAME: NAME,
    FIELD_KIND: KIND,
    FIELD_OPENS: OPENS,
    FIELD_CLOSES: CLOSES,
    FIELD_POSITIONS: POSITIONS,
}


def _selected_time(values: dict[str, Any], block_id: str) -> datetime | None:
    stamp = (values.get(block_id, {}).get(INPUT) or {}).get("selected_date_time")
    return datetime.fromtimestamp(int(stamp), UTC) if stamp else None


def read_open_form(values: dict[str, Any]) -> ElectionDraft:
    def element(block_id: str) -> dict[str, Any]:
        found: dict[str, Any] = values.get(block_id, {}).get(INPUT) or {}
        return found

    return ElectionDraft(
        name=str(element(NAME).get("value") or ""),
        kind=(element(KIND).get("selected_option") or {}).get("value", "regular"),
        opens_at=_selected_time(values, OPENS),
        closes_at=_selected_time(values, CLOSES),
        position_keys=tuple(o["value"] for o in element(POSITIONS).get("selected_options") or []),
    )


def field_errors(errors: dict[str, str]) -> dict[str, str]:
    """The service's {field: message} as Slack's {block_id: message}."""
    return {FIELD_BLOCKS.get(field, NAME): text for field, text in errors.items()}
