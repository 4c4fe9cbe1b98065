"""Block Kit for the officer directory and for what happens to a vacant post."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from slack_sdk.models.blocks import Block

from bot.services.officer_directory import DirectoryEntry, ElectionWindow, PostHolders
from bot.services.roles import RoleDoc
from bot.views.common import (
    MESSAGE_BLOCK_LIMIT,
    Reply,
    actions,
    bullets,
    button,
    context,
    escape,
    header,
    mention,
    section,
)
from bot.views.roles import open_role_button
from bot.views.slack_dates import date_token

BY_ELECTION_INFO = "officers_by_election"
VACANT = ":red_circle: *Vacant*"


def _holders(post: PostHolders) -> str:
    return ", ".join(mention(user) for user in post.holders) if post.holders else VACANT


def _entry_text(entry: DirectoryEntry) -> str:
    role = entry.role
    lines = [f"*{role.title}*"]
    if len(entry.posts) == 1 and entry.posts[0].title is None:
        lines.append(f"Held by: {_holders(entry.posts[0])}")
    else:
        lines += [f"{post.title}: {_holders(post)}" for post in entry.posts]
    return "\n".join(lines)


def directory(entries: Sequence[DirectoryEntry]) -> Reply:
    """Every role, who holds it, vacancies marked; a button to each role's description."""
    blocks: list[Block] = [header("LIEC officers")]
    vacancies = 0
    room = MESSAGE_BLOCK_LIMIT - 3  # the header, the closing context and a possible "more" line
    shown = 0
    for entry in entries:
        needed = 2 if entry.vacant_posts else 1
        if len(blocks) - 1 + needed > room:
            break
        shown += 1
        blocks.append(
            section(
                _entry_text(entry),
                accessory=open_role_button(entry.role, "Role description"),
            )
        )
        if entry.vacant_posts:
            vacancies += len(entry.vacant_posts)
            blocks.append(actions(button("By-election information", BY_ELECTION_INFO, value=entry.role.key)))
    if shown < len(entries):
        blocks.append(context(f"{len(entries) - shown} more roles: type `/liec roles` to see them all."))
    summary = (
        f"{vacancies} post{'s are' if vacancies != 1 else ' is'} vacant."
        if vacancies
        else "Every post is filled."
    )
    blocks.append(context(f"{summary} Type `/liec role <name>` for any role."))
    return Reply(text=f"LIEC officers. {summary}", blocks=blocks)


def _window_text(window: ElectionWindow, now: datetime) -> str:
    kind = "By-election" if window.kind == "by-election" else "Election"
    if window.is_open(now):
        when = f"nominations are open now and close {date_token(window.closes)}"
    else:
        when = f"nominations open {date_token(window.opens)} and close {date_token(window.closes)}"
    return f"*{kind}: {escape(window.name)}*: {when}."


def by_election_info(
    role: RoleDoc, vacant_posts: Sequence[PostHolders], windows: Sequence[ElectionWindow], now: datetime
) -> Reply:
    """What a member can do about a vacant post: the election that will fill it, or how it is filled."""
    posts = [post.title for post in vacant_posts if post.title]
    what = f"{role.title} ({', '.join(posts)})" if posts else role.title
    blocks: list[Block] = [header(f"Vacant: {what}")]
    if windows:
        blocks += [section(_window_text(window, now)) for window in windows[:5]]
        blocks.append(
            section("To stand or to nominate someone, type `/liec nominate` while nominations are open.")
        )
    else:
        blocks.append(
            section(
                "No by-election has been called for this post yet. The LIEC may hold a by-election "
                "to fill a vacancy; members are told when nominations open. Until then, the "
                "Secretary can tell you more."
            )
        )
    blocks.append(section(f"*How to apply*\n{bullets(role.how_to_apply)}"))
    blocks.append(actions(open_role_button(role, "Role description")))
    return Reply(text=f"Vacant: {what}", blocks=blocks)


def not_vacant(role: RoleDoc) -> Reply:
    text = f"{role.title} has no vacant post now."
    return Reply(text=text, blocks=[section(text), actions(open_role_button(role, "Role description"))])
