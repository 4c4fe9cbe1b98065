"""The organisation editor (/liec org): a menu modal, one form per part of the organisation, and
the answer after saving. Pure builders returning slack_sdk models; ids are constants here."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from slack_sdk.models.blocks import (
    Block,
    CheckboxesElement,
    ConversationMultiSelectElement,
    InputBlock,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    StaticMultiSelectElement,
    StaticSelectElement,
    TimePickerElement,
    UserMultiSelectElement,
)
from slack_sdk.models.views import View

from bot.config import MEETING_KINDS, MEMBERSHIP_FORMAT_CHARS, REGION_KEYS, OrgConfig
from bot.services.organisation_fields import (
    ADMINS,
    ADMINS_CHANNEL,
    ANNOUNCEMENTS,
    DIGEST_TIME,
    DIGEST_WEEKDAY,
    DIGEST_ZONE,
    ESCALATE_AFTER,
    FORM_BRANCHES,
    FORM_CHANNELS,
    FORM_REGIONS,
    FORM_ROLES,
    FORMS,
    MEMBERSHIP_FORMAT,
    MEMBERSHIP_PATTERN,
    MISFIRE_GRACE,
    NEW_BRANCH,
    REMOVE_BRANCHES,
    REMOVE_ME,
    REMOVE_ME_VALUE,
    RETENTION_DAYS,
    WEEKDAYS,
    WORKING_END,
    WORKING_START,
    branch_block,
    coordinator_block,
    notice_block,
    region_channel_block,
    role_block,
)
from bot.services.roles import RoleDoc
from bot.services.tz_regions import Region
from bot.views.common import (
    Reply,
    actions,
    bullets,
    button,
    context,
    escape,
    form_modal,
    header,
    mention,
    plain,
    section,
    truncate,
)

MENU_CALLBACK = "org_menu"
FORM_CALLBACK = "org_form"
OPEN_FORM = "org_open_form"  # a button in the menu (value: the form) or on the admins' Home tab
HOME_OPEN = "org_open_menu"
BRANCH_PAGE = "org_branch_page"  # Previous / Next in the branches form (value: the page, from 0)
VALUE = "value"  # the action id of every input in the forms


@dataclass(frozen=True)
class FormContext:
    """What a form carries in private_metadata: which form, the revision it shows and, for the
    branches, the page."""

    form: str
    revision: int
    page: int = 0

    def dump(self) -> str:
        return json.dumps({"form": self.form, "revision": self.revision, "page": self.page})

    @classmethod
    def load(cls, text: str | None) -> FormContext | None:
        try:
            data = json.loads(text or "")
            return cls(str(data["form"]), int(data["revision"]), max(int(data.get("page", 0)), 0))
        except (ValueError, KeyError, TypeError, AttributeError):
            return None


# Elements ------------------------------------------------------------------------------------


def _label(text: str) -> PlainTextObject:
    return PlainTextObject(text=truncate(text, 2000))


def _input(
    block_id: str, label: str, element: Any, hint: str | None = None, optional: bool = True
) -> InputBlock:
    return InputBlock(
        block_id=block_id,
        label=_label(label),
        element=element,
        hint=_label(hint) if hint else None,
        optional=optional,
    )


def _people(
    block_id: str, label: str, users: Sequence[str], most: int, hint: str | None = None
) -> InputBlock:
    element = UserMultiSelectElement(
        action_id=VALUE,
        placeholder="Vacant" if most <= 2 else "Choose people",
        initial_users=list(users) or None,
        max_selected_items=most,
    )
    return _input(block_id, label, element, hint)


def _channel(block_id: str, label: str, channel: str | None, hint: str | None = None) -> InputBlock:
    # A multi-select of at most one: unlike a single select, it can be emptied again.
    element = ConversationMultiSelectElement(
        action_id=VALUE,
        placeholder="No channel",
        initial_conversations=[channel] if channel else None,
        max_selected_items=1,
        filter={"include": ["public", "private"], "exclude_bot_users": True},
    )
    return _input(block_id, label, element, hint)


def _text(
    block_id: str,
    label: str,
    value: str | None,
    hint: str | None = None,
    optional: bool = True,
    most: int = 200,
) -> InputBlock:
    element = PlainTextInputElement(action_id=VALUE, initial_value=value or None, max_length=most)
    return _input(block_id, label, element, hint, optional)


def _options(pairs: Sequence[tuple[str, str]]) -> list[Option]:
    return [Option(value=value, label=truncate(text, 75)) for value, text in pairs]


def _choice(block_id: str, label: str, pairs: Sequence[tuple[str, str]], chosen: str | None) -> InputBlock:
    options = _options(pairs)
    initial = next((o for o in options if o.value == chosen), None)
    element = StaticSelectElement(action_id=VALUE, options=options, initial_option=initial)
    return _input(block_id, label, element, optional=False)


def _time(block_id: str, label: str, value: str) -> InputBlock:
    return _input(block_id, label, TimePickerElement(action_id=VALUE, initial_time=value), optional=False)


REGION_CHOICES = [(key, Region(key).display_title) for key in REGION_KEYS]


# The menu ------------------------------------------------------------------------------------


def _summary(form: str, org: OrgConfig) -> str:
    if form == FORM_ROLES:
        filled = sum(1 for holders in org.officers.values() if holders)
        return f"{filled} of {len(org.officers)} roles filled"
    if form == FORM_REGIONS:
        return "; ".join(
            f"{Region(key).short_title}: {', '.join(mention(u) for u in config.coordinator) or 'vacant'}"
            for key, config in org.regions.items()
        )
    if form == FORM_BRANCHES:
        return f"{len(org.branches)} branches"
    if form == FORM_CHANNELS:
        return f"{len(org.admins)} admin(s): {', '.join(mention(a) for a in org.admins)}"
    return (
        f"questions go up after {org.escalate_after:g} h; digest on {org.digest.weekday.title()}s at "
        f"{org.digest.time} ({org.digest.timezone})"
    )


def menu(org: OrgConfig) -> View:
    blocks: list[Block] = [
        section(
            "Change who holds each post, the regions, branches, channels and settings. Every "
            "change applies at once and is recorded (`/liec audit`)."
        )
    ]
    for form, title in FORMS.items():
        blocks.append(
            section(f"*{title}*\n{_summary(form, org)}", accessory=button("Change", OPEN_FORM, form))
        )
    blocks.append(context("`liec-bot config export` writes the whole organisation as a file."))
    return View(
        type="modal",
        callback_id=MENU_CALLBACK,
        title=PlainTextObject(text="Organisation"),
        close=PlainTextObject(text="Done"),
        blocks=blocks,
    )


# The forms -----------------------------------------------------------------------------------


def _roles_form(org: OrgConfig, roles: Sequence[RoleDoc]) -> list[Block]:
    blocks: list[Block] = []
    for role in roles:
        if any(post.key in REGION_KEYS for post in role.posts):
            continue  # the coordinators are set region by region
        most = 2 if role.job_share else 1
        hint = "Empty when the post is vacant." + (" Two people for a job share." if most == 2 else "")
        blocks.append(_people(role_block(role.key), role.title, org.holders(role.key), most, hint))
    blocks.append(context("Regional coordinators are set under *Regions and coordinators*."))
    return blocks


def _regions_form(org: OrgConfig) -> list[Block]:
    blocks: list[Block] = []
    for key in REGION_KEYS:
        config = org.regions.get(key)  # type: ignore[call-overload]
        title = Region(key).display_title
        blocks.append(
            _people(
                coordinator_block(key),
                f"{title}: coordinator",
                config.coordinator if config else [],
                2,
                "Empty when the post is vacant; two people for a job share.",
            )
        )
        blocks.append(
            _channel(
                region_channel_block(key),
                f"{title}: questions channel",
                config.channel if config else None,
                "Optional: questions go to this channel instead of the coordinator's DMs.",
            )
        )
    return blocks


# Three fields a branch: a page of 25 is 75 blocks, and with the removal list, the new branch's
# three fields and the page buttons the modal stays under Slack's 100 blocks; the removal list
# offers this page's branches only, under the 100 options of a static select.
BRANCHES_PAGE = 25


def branch_pages(count: int) -> int:
    """How many pages `count` branches take (at least one: the new branch's fields)."""
    return max((count + BRANCHES_PAGE - 1) // BRANCHES_PAGE, 1)


def _page_buttons(page: int, pages: int, count: int) -> list[Block]:
    first = page * BRANCHES_PAGE + 1
    last = min((page + 1) * BRANCHES_PAGE, count)
    buttons = []
    if page > 0:
        buttons.append(button("Previous branches", BRANCH_PAGE, str(page - 1), style=None))
    if page + 1 < pages:
        buttons.append(button("Next branches", BRANCH_PAGE, str(page + 1), style=None))
    return [
        context(
            f"Branches {first}-{last} of {count}, page {page + 1} of {pages}. *Save* keeps the changes "
            "on this page; turning the page drops them, so save first."
        ),
        actions(*buttons, block_id="org_branch_pages"),
    ]


def _branches_form(org: OrgConfig, page: int = 0) -> list[Block]:
    blocks: list[Block] = []
    count = len(org.branches)
    pages = branch_pages(count)
    page = min(max(page, 0), pages - 1)
    shown = list(org.branches.items())[page * BRANCHES_PAGE : (page + 1) * BRANCHES_PAGE]
    if pages > 1:
        blocks += _page_buttons(page, pages, count)
    for key, branch in shown:
        blocks.append(_text(branch_block(key, "name"), f"Branch {key}: name", branch.name, optional=False))
        blocks.append(
            _choice(branch_block(key, "region"), f"{branch.name}: region", REGION_CHOICES, branch.region)
        )
        blocks.append(_channel(branch_block(key, "channel"), f"{branch.name}: channel", branch.channel))
    if shown:
        remove = StaticMultiSelectElement(
            action_id=VALUE,
            placeholder="None",
            options=_options([(key, branch.name) for key, branch in shown]),
        )
        hint = "With their channel." + (" Only this page's branches are listed." if pages > 1 else "")
        blocks.append(_input(REMOVE_BRANCHES, "Remove these branches", remove, hint))
    blocks.append(
        _text(branch_block(NEW_BRANCH, "name"), "New branch: name", None, "Leave empty to add none.")
    )
    blocks.append(
        _input(
            branch_block(NEW_BRANCH, "region"),
            "New branch: region",
            StaticSelectElement(action_id=VALUE, options=_options(REGION_CHOICES)),
        )
    )
    blocks.append(_channel(branch_block(NEW_BRANCH, "channel"), "New branch: channel", None))
    return blocks


def _channels_form(org: OrgConfig) -> list[Block]:
    confirm = CheckboxesElement(
        action_id=VALUE,
        options=_options([(REMOVE_ME_VALUE, "Yes, remove me from the admins")]),
    )
    return [
        _channel(ANNOUNCEMENTS, "Announcements channel", org.channels.announcements),
        _channel(ADMINS_CHANNEL, "Admins' channel", org.channels.admins, "Alerts for the admins go here."),
        _input(
            ADMINS,
            "Admins",
            UserMultiSelectElement(action_id=VALUE, initial_users=list(org.admins), max_selected_items=20),
            "They can run admin commands and change the organisation.",
            optional=False,
        ),
        _input(
            REMOVE_ME,
            "Removing yourself?",
            confirm,
            "Only if you take yourself off the admins: you can then no longer change the organisation.",
        ),
    ]


def _settings_form(org: OrgConfig, membership_example: str) -> list[Block]:
    blocks: list[Block] = [
        _text(
            ESCALATE_AFTER,
            "Hours before an unclaimed question goes to the Vice Chair (Membership)",
            f"{org.escalate_after:g}",
            optional=False,
        ),
        _time(WORKING_START, "Working hours: from", org.working_hours.start),
        _time(WORKING_END, "Working hours: to", org.working_hours.end),
        _text(RETENTION_DAYS, "Days personal data is kept", str(org.retention_days), optional=False),
    ]
    for kind in MEETING_KINDS:
        days = org.notice_days.get(kind)
        blocks.append(
            _text(
                notice_block(kind),
                f"Agenda notice for {kind} meetings (days before)",
                str(days) if days else None,
                "Empty: no agenda reminder for this kind.",
            )
        )
    blocks += [
        _choice(DIGEST_WEEKDAY, "Weekly digest: day", [(d, d.title()) for d in WEEKDAYS], org.digest.weekday),
        _time(DIGEST_TIME, "Weekly digest: time", org.digest.time),
        _text(
            DIGEST_ZONE,
            "Weekly digest: time zone",
            org.digest.timezone,
            "Like Europe/London.",
            optional=False,
        ),
        _text(
            MISFIRE_GRACE,
            "How late a reminder may still go out after the bot was down",
            org.misfire_grace,
            "Like 1h or 30m.",
            optional=False,
        ),
        _text(
            MEMBERSHIP_PATTERN,
            "Membership number pattern",
            org.membership_number_pattern,
            "A regular expression: the check made on what members type.",
            optional=False,
        ),
        _text(
            MEMBERSHIP_FORMAT,
            "Membership number format, as members are told it",
            org.membership_number_format,
            f"Like: 5 to 8 digits, optionally after one letter (e.g. L1234567). Members are told now: "
            f"the format is {membership_example}.",
            most=MEMBERSHIP_FORMAT_CHARS,
        ),
    ]
    return blocks


def form(
    which: str,
    org: OrgConfig,
    revision: int,
    roles: Sequence[RoleDoc],
    membership_example: str,
    page: int = 0,
) -> View:
    """One form of the organisation editor; `page` (from 0) is the branches form's page, since
    a modal holds at most 100 blocks (bot/views/organisation.py BRANCHES_PAGE)."""
    if which == FORM_ROLES:
        blocks = _roles_form(org, roles)
    elif which == FORM_REGIONS:
        blocks = _regions_form(org)
    elif which == FORM_BRANCHES:
        page = min(max(page, 0), branch_pages(len(org.branches)) - 1)
        blocks = _branches_form(org, page)
    elif which == FORM_CHANNELS:
        blocks = _channels_form(org)
    else:
        blocks = _settings_form(org, membership_example)
    return form_modal(
        FORM_CALLBACK,
        truncate(FORMS.get(which, "Organisation"), 24),
        "Save",
        blocks,
        FormContext(which, revision, page if which == FORM_BRANCHES else 0).dump(),
    )


# Answers -------------------------------------------------------------------------------------


def form_values(view: dict[str, Any]) -> dict[str, str | list[str] | None]:
    """The answers of a submitted form by block id: a list for multi-selects, else text."""
    values: dict[str, str | list[str] | None] = {}
    for block_id, by_action in (view.get("state", {}).get("values") or {}).items():
        answer = by_action.get(VALUE) or {}
        if "selected_users" in answer:
            values[block_id] = [str(u) for u in answer.get("selected_users") or []]
        elif "selected_conversations" in answer:
            values[block_id] = [str(c) for c in answer.get("selected_conversations") or []]
        elif "selected_options" in answer:
            values[block_id] = [str(o.get("value")) for o in answer.get("selected_options") or []]
        elif "selected_option" in answer:
            values[block_id] = (answer.get("selected_option") or {}).get("value")
        elif "selected_time" in answer:
            values[block_id] = answer.get("selected_time")
        else:
            raw = answer.get("value")
            values[block_id] = raw.strip() if isinstance(raw, str) and raw.strip() else None
    return values


def _result(title: str, text: str) -> View:
    return View(
        type="modal",
        callback_id=f"{FORM_CALLBACK}_done",
        title=PlainTextObject(text=title),
        close=PlainTextObject(text="Close"),
        blocks=[section(text)],
    )


def saved(changes: Sequence[str]) -> View:
    if not changes:
        return _result("Nothing changed", "Nothing changed: the form was the organisation already.")
    listed = bullets([escape(truncate(c, 300)) for c in changes[:30]])
    return _result(
        "Saved",
        f"Saved, and in force at once:\n{listed}"[:2900],
    )


def refused() -> View:
    return _result("Admins only", "Only LIEC admins can change the organisation. Nothing was changed.")


def changed_meanwhile() -> View:
    return _result(
        "Changed meanwhile",
        "Someone changed the organisation while this form was open, so nothing was saved. "
        "Open `/liec org` again to see the organisation as it is now.",
    )


def home_button() -> Any:
    return button("Organisation", HOME_OPEN, style=None)


def audit_changes(changes: Sequence[Any]) -> list[Block]:
    """The organisation's change log for /liec audit: who, when, before and after."""
    if not changes:
        return []
    lines = [
        f"{change.at.strftime('%Y-%m-%d %H:%M UTC')}  "
        f"{mention(change.actor_id) if change.actor_id[:1] in {'U', 'W'} else escape(change.actor_id)}  "
        f"{escape(truncate(change.summary, 250))}"
        for change in changes
    ]
    blocks: list[Block] = [header("Organisation changes")]
    for start in range(0, len(lines), 5):
        blocks.append(section("\n".join(lines[start : start + 5])))
    return blocks


def error_text(message: str) -> str:
    return plain(truncate(message, 1900))


def reply_refused() -> Reply:
    return Reply(text="Only LIEC admins can change the organisation.")
