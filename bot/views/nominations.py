"""Block Kit for nominations: the nomination modal and reading it back, "my nominations", and
the returning officer's list. The nominators' messages and modal are bot/views/nominators.py.

Block ids of the nomination modal are the field keys of bot/services/nomination_rules.py,
so a rule's message lands on the field at fault. The modal shows only what applies: the
chosen route's fields (two nominators, or the branch) and the job-share partner's once
added. Redrawing keeps every block id and action id, so Slack keeps what was typed.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from slack_sdk.models.blocks import (
    Block,
    ConfirmObject,
    EmailInputElement,
    InputBlock,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    RadioButtonsElement,
    UserSelectElement,
)
from slack_sdk.models.views import View

from bot.services import nomination_rules as fields
from bot.services.election_store import parse_position_value
from bot.services.nomination_rules import (
    CANDIDATE_TEXTS,
    MAX_NAME_CHARS,
    CandidateText,
    NominationForm,
    Person,
    PersonFields,
    Route,
    fill_from_profile,
    with_candidate_texts,
)
from bot.views.choices import Choice, ChoiceGroup, select_element
from bot.views.common import (
    MESSAGE_BLOCK_LIMIT,
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
    mention,
    section,
    split_text,
    truncate,
)
from bot.views.elections import chunk_messages, slack_time

NOMINATION_CALLBACK = "nomination_submit"
SHORTCUT = "liec_nominate"
MINE_EDIT = "nomination_edit"
MINE_WITHDRAW = "nomination_withdraw"
ADMIN_CHECKED = "nomination_checked"
INPUT = "value"  # the action_id of the input elements in these modals, but the route's
ROUTE_ACTION = "nomination_route"  # choosing the route redraws the form
PARTNER_ADD = "nomination_partner_add"
PARTNER_REMOVE = "nomination_partner_remove"
PARTNER_TOGGLE = "partner_toggle"  # the block of the add / remove button

OPTION_TEXT_LIMIT = 75

# Slack's text input counts code units; the bot counts what people see (grapheme clusters),
# so the input lets through a 150-character name written with combining marks (up to 4 each).
NAME_INPUT_CHARS = MAX_NAME_CHARS * 4


@dataclass(frozen=True)
class BranchGroup:
    region: str
    branches: Sequence[Choice]


def text_input(
    block_id: str,
    label: str,
    initial: str = "",
    *,
    optional: bool = False,
    hint: str | None = None,
    max_length: int = NAME_INPUT_CHARS,
    email: bool = False,
) -> InputBlock:
    element: EmailInputElement | PlainTextInputElement
    if email:
        element = EmailInputElement(action_id=INPUT, initial_value=initial or None)
    else:
        element = PlainTextInputElement(action_id=INPUT, initial_value=initial or None, max_length=max_length)
    return InputBlock(block_id=block_id, label=label, element=element, optional=optional, hint=hint)


# On a field the editor may not see (another person's email or number, the candidate's statement).
KEPT_HINT = (
    "Given already: only that person and the returning officer see it. "
    "Leave it empty to keep it, or type a new one."
)
# On a candidate's text the editor may not see (the statement).
TEXT_KEPT_HINT = (
    "Written already: only the candidate and the returning officer see it. "
    "Leave it empty to keep it, or write a new one."
)


def _text_block(text: CandidateText, form: NominationForm, kept: frozenset[str]) -> InputBlock:
    """One of the candidate's declared texts (nomination_rules.CANDIDATE_TEXTS)."""
    return InputBlock(
        block_id=text.key,
        label=text.label,
        optional=text.optional or text.key in kept,
        element=PlainTextInputElement(
            action_id=INPUT,
            multiline=text.multiline,
            initial_value=getattr(form, text.key) or None,
            max_length=text.max_chars,
        ),
        hint=TEXT_KEPT_HINT if text.key in kept else text.hint,
    )


def _user_input(block_id: str, label: str, initial: str | None, hint: str) -> InputBlock:
    return InputBlock(
        block_id=block_id,
        label=label,
        optional=True,
        hint=hint,
        element=UserSelectElement(action_id=INPUT, initial_user=initial or None),
    )


def _person_blocks(
    keys: PersonFields,
    who: str,
    person: Person,
    *,
    required: bool,
    membership_hint: str,
    user_hint: str,
    kept: frozenset[str] = frozenset(),
) -> list[Block]:
    details_hint = None if required else "Only if they are not on Slack."
    return [
        _user_input(keys.user, f"{who} on Slack", person.slack_id, user_hint),
        text_input(keys.name, f"{who}: name", person.name, optional=not required, hint=details_hint),
        text_input(
            keys.email,
            f"{who}: email",
            person.email,
            optional=not required or keys.email in kept,
            email=True,
            hint=KEPT_HINT if keys.email in kept else None,
        ),
        text_input(
            keys.membership,
            f"{who}: membership number",
            person.membership_number,
            optional=not required or keys.membership in kept,
            hint=f"{KEPT_HINT} {membership_hint}" if keys.membership in kept else membership_hint,
            max_length=40,
        ),
    ]


def _branch_block(branches: Sequence[BranchGroup], selected: str | None) -> InputBlock | None:
    groups = [ChoiceGroup(g.region, g.branches) for g in branches]
    if not any(g.choices for g in groups):
        return None
    return InputBlock(
        block_id=fields.BRANCH,
        label="The nominating branch",
        element=select_element(INPUT, groups, selected=selected, placeholder="Choose the branch"),
        hint="The branch that nominates the candidate.",
    )


def has_branches(branches: Sequence[BranchGroup]) -> bool:
    return any(g.branches for g in branches)


def _route_blocks(
    form: NominationForm,
    route: Route,
    branches: Sequence[BranchGroup],
    membership_hint: str,
    kept: frozenset[str] = frozenset(),
) -> list[Block]:
    routes = [Option(value=Route.MEMBERS.value, text="Two LI members")]
    if has_branches(branches):  # with no branch listed, only members can nominate
        routes.append(Option(value=Route.BRANCH.value, text="One branch"))
    else:
        route = Route.MEMBERS
    blocks: list[Block] = [
        header("Nominated by"),
        InputBlock(
            block_id=fields.ROUTE,
            label="Nominated by",
            dispatch_action=True,
            element=RadioButtonsElement(
                action_id=ROUTE_ACTION,
                options=routes,
                initial_option=routes[-1] if route is Route.BRANCH else routes[0],
            ),
        ),
    ]
    if route is Route.BRANCH:
        branch = _branch_block(branches, form.branch)
        if branch is not None:
            blocks.append(branch)
        return blocks
    for number, keys in enumerate(fields.NOMINATOR_FIELDS, start=1):
        blocks += _person_blocks(
            keys,
            f"Nominator {number}",
            form.nominators[number - 1],
            required=False,
            membership_hint=membership_hint,
            user_hint="They get a message asking them to confirm.",
            kept=kept,
        )
    return blocks


def _partner_blocks(
    form: NominationForm, with_partner: bool, membership_hint: str, kept: frozenset[str] = frozenset()
) -> list[Block]:
    blocks: list[Block] = [header("Job share (optional)")]
    if not with_partner:
        return [
            *blocks,
            section("Every post is open to job share."),
            actions(button("Add a job-share partner", PARTNER_ADD), block_id=PARTNER_TOGGLE),
        ]
    return [
        *blocks,
        *_person_blocks(
            fields.PARTNER_FIELDS,
            "Job-share partner",
            form.partner or Person(),
            required=False,
            membership_hint=membership_hint,
            user_hint="Every post is open to job share.",
            kept=kept,
        ),
        actions(button("Remove the job-share partner", PARTNER_REMOVE), block_id=PARTNER_TOGGLE),
    ]


def nomination_modal(
    positions: Sequence[Choice],
    branches: Sequence[BranchGroup],
    *,
    membership_format: str,
    initial: NominationForm | None = None,
    selected: str | None = None,
    closes_at: datetime | None = None,
    nomination_id: int | None = None,
    with_partner: bool | None = None,
    kept: frozenset[str] = frozenset(),
    errors: dict[str, str] | None = None,
) -> View:
    """The form. ``selected`` is the chosen position's option value; ``nomination_id`` makes
    it an edit of that nomination. The route shown is ``initial.route`` (two members unless
    it says a branch); the partner's fields show when ``with_partner``, by default when the
    form has a partner. ``errors`` (``{block_id: message}``, plain text): the form comes back
    from a save that found them, each under its field (``with_errors``)."""
    form = initial or NominationForm(position=None, candidate=Person(), statement="", route=Route.MEMBERS)
    route = form.route or Route.MEMBERS
    if with_partner is None:
        with_partner = form.partner is not None and not form.partner.is_blank
    if not positions:
        raise ValueError("the nomination form needs at least one open position")
    if not any(c.value == selected for c in positions) and len(positions) == 1:
        selected = positions[0].value
    membership_hint = f"Format: {membership_format}."
    intro = "Every field is checked when you submit. "
    if closes_at is not None:
        intro += f"Nominations close {slack_time(closes_at)}."
    blocks: list[Block] = [
        section(intro),
        InputBlock(
            block_id=fields.POSITION,
            label="Position",
            element=select_element(
                INPUT, [ChoiceGroup("", positions)], selected=selected, placeholder="Choose the post"
            ),
        ),
        header("Candidate"),
        *_person_blocks(
            fields.CANDIDATE_FIELDS,
            "Candidate",
            form.candidate,
            required=True,
            membership_hint=membership_hint,
            user_hint="Yourself, unless you nominate someone else.",
            kept=kept,
        ),
        *(_text_block(text, form, kept) for text in CANDIDATE_TEXTS),
        *_route_blocks(form, route, branches, membership_hint, kept),
        *_partner_blocks(form, with_partner, membership_hint, kept),
        context(
            "Emails and membership numbers are seen only by the person they belong to and the "
            "returning officer; the statement only by the candidate and the returning officer."
        ),
    ]
    if errors:
        blocks = with_errors(blocks, errors)
    metadata: dict[str, Any] = {}
    if nomination_id:
        metadata["nomination_id"] = nomination_id
    if kept:
        metadata["kept"] = sorted(kept)
    if closes_at is not None:
        metadata["closes_at"] = int(closes_at.timestamp())
    return form_modal(
        NOMINATION_CALLBACK,
        "Edit nomination" if nomination_id else "Nominate",
        "Save" if nomination_id else "Submit",
        blocks,
        private_metadata=json.dumps(metadata),
    )


def redrawn_modal(
    view: dict[str, Any],
    branches: Sequence[BranchGroup],
    *,
    membership_format: str,
    route: Route | None = None,
    with_partner: bool | None = None,
    positions: Sequence[Choice] = (),
    profile: Person | None = None,
    errors: dict[str, str] | None = None,
) -> View:
    """The nomination modal ``view`` (as a block_actions payload carries it) drawn again for
    another route or with the partner added or removed. What was typed comes from the view's
    state; the positions offered and the edit it may be come from the view itself."""
    values: dict[str, Any] = (view.get("state") or {}).get("values") or {}
    blocks = {b.get("block_id"): b for b in view.get("blocks", [])}
    position = blocks.get(fields.POSITION, {}).get("element", {})
    # A static select carries its options; an external one (over 100 posts) does not.
    choices = [Choice(str(o["value"]), str(o["text"]["text"])) for o in position.get("options") or []]
    choices = choices or list(positions)
    selected = _value(values, fields.POSITION) or (position.get("initial_option") or {}).get("value")
    _, form = read_nomination(values)
    if profile is not None:  # the pre-fill the member has not seen in this view's state yet
        form = replace(form, candidate=fill_from_profile(form.candidate, profile))
    if route is None:
        route = form.route or (Route.BRANCH if fields.BRANCH in blocks else Route.MEMBERS)
    if with_partner is None:
        with_partner = fields.PARTNER_NAME in blocks
    closes = metadata_id(view, "closes_at")
    return nomination_modal(
        choices,
        branches,
        membership_format=membership_format,
        initial=replace(form, route=route),
        selected=selected,
        closes_at=datetime.fromtimestamp(closes, UTC) if closes is not None else None,
        nomination_id=metadata_id(view, "nomination_id"),
        with_partner=with_partner,
        kept=metadata_kept(view),
        errors=errors,
    )


NOT_SAVED = "Not saved yet: please see the :warning: below, then press *Submit* again."


def with_errors(blocks: Sequence[Block], errors: dict[str, str]) -> list[Block]:
    """``blocks`` with each error (``{block_id: message}``, plain text: escaped here) in a
    context block right under its input block, and a line at the top saying nothing was saved.

    Slack draws an error in red on its field only in the acknowledgement of the submission
    (``response_action: errors``); a problem found after it, when the form is saved, is shown
    this way instead, with everything the member typed kept. An error whose block is not in
    the form goes under the top line."""
    ids = {getattr(b, "block_id", None) for b in blocks}
    loose = [message for key, message in errors.items() if key not in ids]
    shown: list[Block] = [section(NOT_SAVED)]
    shown += [context(f":warning: {escape(message)}") for message in loose]
    for block in blocks:
        shown.append(block)
        message = errors.get(getattr(block, "block_id", None) or "")
        if message is not None:
            shown.append(context(f":warning: {escape(message)}"))
    return shown


def saving_view() -> View:
    """What a submitted nomination form shows until it is saved (a moment, after the
    acknowledgement): ``submitted_view`` or the form again with what stopped it follows."""
    return modal_notice("Nominate", "Saving your nomination…")


def modal_notice(title: str, text: str) -> View:
    return View(
        type="modal",
        title=PlainTextObject(text=truncate(title, 24)),
        close=PlainTextObject(text="Close"),
        blocks=[section(text)],
    )


def submitted_view(position: str, election: str, status: str, asked: Sequence[str]) -> View:
    lines = [f"Your nomination for *{escape(position)}* in {escape(election)} is saved. Status: *{status}*."]
    if asked:
        lines.append(
            "The bot has asked "
            + ", ".join(mention(u) for u in asked)
            + " to confirm; you will hear when they answer."
        )
    lines.append("See, edit or withdraw it until closing: `/liec nominations mine`.")
    return modal_notice("Nomination saved", "\n".join(lines))


# Reading the modal back -------------------------------------------------------------


def _value(values: dict[str, Any], block_id: str) -> str:
    # One element per input block; its action_id does not matter here.
    element = next(iter((values.get(block_id) or {}).values()), None) or {}
    for key in ("value", "selected_user"):
        if element.get(key):
            return str(element[key])
    option = element.get("selected_option") or {}
    return str(option.get("value") or "")


def read_person(values: dict[str, Any], keys: PersonFields) -> Person:
    return Person(
        slack_id=_value(values, keys.user) or None,
        name=_value(values, keys.name),
        email=_value(values, keys.email),
        membership_number=_value(values, keys.membership),
    )


def read_nomination(values: dict[str, Any]) -> tuple[int | None, NominationForm]:
    """(election id, the form) from a view_submission's ``state.values``."""
    parsed = parse_position_value(_value(values, fields.POSITION))
    route = _value(values, fields.ROUTE)
    partner = read_person(values, fields.PARTNER_FIELDS)
    form = NominationForm(
        position=parsed[1] if parsed else None,
        candidate=read_person(values, fields.CANDIDATE_FIELDS),
        statement="",
        route=Route(route) if route in {r.value for r in Route} else None,
        nominators=(
            read_person(values, fields.NOMINATOR_FIELDS[0]),
            read_person(values, fields.NOMINATOR_FIELDS[1]),
        ),
        branch=_value(values, fields.BRANCH) or None,
        partner=None if partner.is_blank else partner,
    )
    form = with_candidate_texts(form, {text.key: _value(values, text.key) for text in CANDIDATE_TEXTS})
    return (parsed[0] if parsed else None), form


def input_block_ids(view: dict[str, Any]) -> list[str]:
    return [b["block_id"] for b in view.get("blocks", []) if b.get("type") == "input"]


def place_errors(errors: dict[str, str], block_ids: Sequence[str], fallback: str) -> dict[str, str]:
    """Slack shows errors only on input blocks of the view: move any other onto ``fallback``."""
    placed: dict[str, str] = {}
    for key, message in errors.items():
        target = key if key in block_ids else fallback
        placed[target] = f"{placed[target]} {message}" if target in placed else message
    return {key: truncate(message, 2000) for key, message in placed.items()}


def metadata_id(view: dict[str, Any], key: str) -> int | None:
    try:
        value = json.loads(view.get("private_metadata") or "{}").get(key)
    except (ValueError, AttributeError):
        return None
    return value if isinstance(value, int) else None


def metadata_kept(view: dict[str, Any]) -> frozenset[str]:
    """The fields an edit form keeps out of sight (bot/services/nomination_visibility.py)."""
    try:
        value = json.loads(view.get("private_metadata") or "{}").get("kept")
    except (ValueError, AttributeError):
        return frozenset()
    return frozenset(str(v) for v in value) if isinstance(value, list) else frozenset()


# Lists ---------------------------------------------------------------------------------


def candidate_text(name: str, slack_id: str | None) -> str:
    return f"*{escape(name)}*" + (f" ({mention(slack_id)})" if slack_id else "")


@dataclass(frozen=True)
class NominationItem:
    nomination_id: int
    position: str
    election: str
    candidate: str
    candidate_slack_id: str | None
    status: str
    route: str
    nominators: Sequence[str]  # each already safe mrkdwn
    closes_at: datetime
    open: bool  # editable: not withdrawn, election not closed
    needs_check: bool = False
    # For the returning officer only: people on the nomination who share a detail (plain text).
    clashes: Sequence[str] = ()


def mine_modal(items: Sequence[NominationItem]) -> View:
    blocks: list[Block] = []
    if not items:
        blocks.append(section("You have no nominations. Type `/liec nominate` to make one."))
    for item in items[:30]:
        detail = bullets([f"Status: *{item.status}*", f"Nominated by: {item.route}", *item.nominators])
        blocks.append(
            section(
                f"*{escape(item.position)}* · {escape(item.election)}\n"
                f"Candidate: {candidate_text(item.candidate, item.candidate_slack_id)}\n{detail}"
            )
        )
        if item.open:
            withdraw_check = ConfirmObject(
                title="Withdraw?",
                text="Your nominators will no longer be asked.",
                confirm="Withdraw",
                deny="Back",
            )
            withdraw = button("Withdraw", MINE_WITHDRAW, value=str(item.nomination_id), style="danger")
            withdraw.confirm = withdraw_check
            blocks.append(actions(button("Edit", MINE_EDIT, value=str(item.nomination_id)), withdraw))
            blocks.append(context(f"Editable until {slack_time(item.closes_at)}."))
        blocks.append(divider())
    return View(
        type="modal",
        title=PlainTextObject(text="My nominations"),
        close=PlainTextObject(text="Close"),
        blocks=blocks[:100],
    )


def admin_summary(title: str, tallies: Sequence[tuple[str, str, dict[str, int]]]) -> Reply:
    """How many nominations each position has, by status, and how to see one position's list
    or every field (a list of every position would be 45 DMs at ten times LI's size).
    ``tallies`` are (election, position title, {status: count}) in the list's order. No
    personal data."""
    total = sum(sum(counts.values()) for _, _, counts in tallies)
    blocks: list[Block] = [
        header(title),
        section(
            f"*{total:,}* nominations. For one position's list, with *Mark checked*, type "
            "`/liec nominations <role>` (e.g. `/liec nominations secretary`); for every field, "
            "`/liec nominations export`."
        ),
    ]
    by_election: dict[str, list[str]] = {}
    for election, position, counts in tallies:
        shown = " · ".join(f"{count:,} {status}" for status, count in counts.items())
        line = f"*{escape(position)}*: {sum(counts.values()):,} ({shown})"
        by_election.setdefault(election, []).append(line)
    for election, lines in by_election.items():
        for piece in split_text(f"*{escape(election)}*\n" + "\n".join(lines), SECTION_TEXT_LIMIT):
            blocks.append(section(piece))
    # A few lines per position: fifty sections of 3,000 characters would be thousands of positions.
    return Reply(text=title, blocks=blocks[:MESSAGE_BLOCK_LIMIT])


def admin_list(title: str, items: Sequence[NominationItem]) -> list[Reply]:
    """The returning officer's list, by DM: every nomination with its status."""
    blocks: list[Block] = [header(title)]
    if not items:
        blocks.append(section("No nominations."))
    for item in items:
        text = (
            f"*{escape(item.position)}* · {escape(item.election)}\n"
            f"{candidate_text(item.candidate, item.candidate_slack_id)} · "
            f"*{item.status}* · by {item.route}\n" + bullets(item.nominators)
        )
        if item.clashes:
            text += "\n" + bullets([f":warning: To check: {escape(clash)}" for clash in item.clashes])
        if item.needs_check:
            blocks.append(
                section(text, accessory=button("Mark checked", ADMIN_CHECKED, value=str(item.nomination_id)))
            )
        else:
            blocks.append(section(text))
    blocks.append(
        context("Personal data: keep this in this DM. `/liec nominations export` sends every field as a CSV.")
    )
    return chunk_messages(title, blocks)
