"""Block Kit for roles: the role card, the list of roles, "no such role" and duty search."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from slack_sdk.models.blocks import Block, ButtonElement

from bot.services.roles import SECTION_TITLES, DutyHit, RoleDoc
from bot.views.common import (
    Reply,
    actions,
    bullets,
    button,
    context,
    escape,
    header,
    mention,
    plain,
    section,
    truncate,
)

ROLE_OPEN = "role_open"  # action ids are "role_open:<key>": unique within a block
ROLE_SECTION_PREFIX = "role_section:"
ROLE_SHARE = "role_share"
ROLES_LIST = "roles_list"

CARD_SECTIONS = ("main_aims", "how_to_apply")
# Every other part of the role document, one button each: a member can read all of it.
MORE_SECTIONS = (
    "about",
    "who_we_are",
    "could_include",
    "skills",
    "you_can_bring",
    "lines_of_communication",
    "time_commitment",
)
MORE_TITLES = {"about": "What will be your role?", "who_we_are": "Who are we?", **SECTION_TITLES}


def open_role_button(role: RoleDoc, text: str = "Read more") -> ButtonElement:
    """The one button that shows a role's card; any view may use it."""
    return button(text, f"{ROLE_OPEN}:{role.key}", value=role.key)


def _holders(user_ids: Sequence[str]) -> str:
    return ", ".join(mention(u) for u in user_ids) if user_ids else "_vacant_"


def _held_by(role: RoleDoc, holders: Sequence[str], post_holders: Mapping[str, Sequence[str]] | None) -> str:
    """Who holds the role now; a role of several posts lists each post on its own line."""
    if not role.posts or post_holders is None:
        return f"*Held now by:* {_holders(holders)}"
    lines = [f"{post.title}: {_holders(post_holders.get(post.key, []))}" for post in role.posts]
    return "*Held now by:*\n" + bullets(lines)


def _section_text(role: RoleDoc, name: str) -> str:
    if name == "about":
        return f"*{MORE_TITLES[name]}*\n{role.about}"
    items: list[str] = list(getattr(role, name))
    return f"*{MORE_TITLES[name]}*\n{bullets(items)}"


def _facts(role: RoleDoc) -> str:
    facts = [
        "voting member of the LIEC"
        if role.voting
        else "voting or non-voting: the role document says both (see above)"
        if role.voting is None
        else "non-voting member of the LIEC",
        "open to job share" if role.job_share else "not a job share",
    ]
    if role.posts:
        # Semicolons: region names have commas of their own.
        facts.append(f"{len(role.posts)} posts: " + "; ".join(p.title for p in role.posts))
    return " · ".join(facts) + f" · <{role.link}|More about the role>"


def role_card(
    role: RoleDoc,
    holders: Sequence[str],
    shown: str | None = None,
    shareable: bool = True,
    post_holders: Mapping[str, Sequence[str]] | None = None,
) -> Reply:
    """The summary, main aims and how to apply; buttons reveal every other part of the document."""
    blocks: list[Block] = [
        header(role.title),
        section(role.summary),
        section(_held_by(role, holders, post_holders)),
    ]
    if role.unsettled:
        blocks.append(section(":warning: *Where the role document is unclear*\n" + bullets(role.unsettled)))
    blocks += [section(_section_text(role, name)) for name in CARD_SECTIONS]
    if shown in MORE_SECTIONS:
        blocks.append(section(_section_text(role, shown)))
    blocks.append(context(_facts(role)))
    if shareable:
        buttons = [
            button(MORE_TITLES[name], f"{ROLE_SECTION_PREFIX}{name}", value=role.key)
            for name in MORE_SECTIONS
            if name != shown and (name != "who_we_are" or role.who_we_are)
        ]
        buttons.append(button("Share in channel", ROLE_SHARE, value=role.key, style="primary"))
        blocks.append(actions(*buttons))
    return Reply(text=f"{role.title}: {role.summary}", blocks=blocks)


def shared_role_card(
    role: RoleDoc,
    holders: Sequence[str],
    shared_by: str,
    post_holders: Mapping[str, Sequence[str]] | None = None,
) -> Reply:
    card = role_card(role, holders, shareable=False, post_holders=post_holders)
    card.blocks.append(context(f"Shared by {mention(shared_by)} · type `/liec role {role.key}` for more"))
    return card


def roles_list(roles: Sequence[RoleDoc], officers: dict[str, list[str]]) -> Reply:
    blocks: list[Block] = [header("LIEC officer roles")]
    for role in roles:
        blocks.append(
            section(
                f"*{role.title}*\n{role.summary}\n_Held by:_ {_holders(officers.get(role.key, []))}",
                accessory=open_role_button(role),
            )
        )
    blocks.append(
        context("Type `/liec role <name>` for any role, or `/liec who <duty>` to find who does what.")
    )
    return Reply(text="LIEC officer roles", blocks=blocks[:50])


def no_such_role(query: str, suggestions: Sequence[RoleDoc]) -> Reply:
    shown = escape(truncate(query, 60))
    text = f"There is no role called “{shown}”."
    blocks: list[Block] = [section(text + (" Did you mean one of these?" if suggestions else ""))]
    buttons = [open_role_button(role, role.title) for role in suggestions]
    buttons.append(button("See all roles", ROLES_LIST, value="all"))
    blocks.append(actions(*buttons))
    return Reply(text=text, blocks=blocks)


def role_usage() -> Reply:
    return Reply(
        text="Which role? For example: /liec role secretary",
        blocks=[
            section("Which role? For example `/liec role secretary` or `/liec role bame`."),
            actions(button("See all roles", ROLES_LIST, value="all")),
        ],
    )


def duty_hits(words: str, hits: Sequence[DutyHit]) -> Reply:
    shown = escape(truncate(words, 80))
    if not hits:
        text = f"No role mentions “{shown}”. Try other words, or see every role."
        return Reply(
            text=text,
            blocks=[section(text), actions(button("See all roles", ROLES_LIST, value="all"))],
        )
    blocks: list[Block] = [header(truncate(f"Who does “{plain(words)}”?", 150))]
    for hit in hits:
        quoted = "\n".join(f"> {escape(truncate(line, 400))}" for line in hit.lines)
        blocks.append(
            section(
                f"*{hit.role.title}*\n{quoted}",
                accessory=open_role_button(hit.role),
            )
        )
    return Reply(text=f"Roles that do “{shown}”", blocks=blocks)


def duty_usage() -> Reply:
    text = "Which duty? For example `/liec who minutes` or `/liec who MemberCentre`."
    return Reply(text=text, blocks=[section(text)])
