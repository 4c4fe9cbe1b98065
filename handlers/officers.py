"""/liec officers: the officer directory, and the by-election button on a vacant post."""

from __future__ import annotations

from typing import Any

from slack_bolt import Respond

from bot.commands import CommandRequest, Subcommand
from bot.deps import AppDeps
from bot.listeners import acknowledged
from bot.routes import Routes
from bot.services import election_store, officer_directory
from bot.views import officers as views
from bot.views import roles as role_views
from bot.views.common import Reply
from bot.views.reply_cache import ReplyCache

# The directory depends only on the role documents and the organisation: built and checked
# once while both stay the same.
_replies = ReplyCache(limit=1)


def officers_reply(_req: CommandRequest, deps: AppDeps) -> Reply:
    return _replies.get(
        deps.roles,
        deps.org,
        "officers",
        lambda: views.directory(officer_directory.directory(deps.roles, deps.org)),
    )


def by_election_reply(role_key: str, deps: AppDeps) -> Reply | None:
    role = deps.roles.get(role_key)
    if role is None:
        return None
    entry = next(e for e in officer_directory.directory(deps.roles, deps.org) if e.role.key == role.key)
    if not entry.vacant_posts:
        return views.not_vacant(role)
    now = deps.clock.now()
    stored = officer_directory.stored_windows(deps.read(election_store.all_elections), role.key)
    windows = officer_directory.elections_for_role(deps.org, role.key, now, stored)
    return views.by_election_info(role, entry.vacant_posts, windows, now)


SUBCOMMANDS = [
    Subcommand(
        "officers",
        "/liec officers",
        "who holds each role now, and the vacant posts",
        reply=officers_reply,
        from_memory=True,
        aliases=("directory",),
    ),
]


def register(routes: Routes, deps: AppDeps) -> None:
    def show_by_election(body: dict[str, Any], respond: Respond) -> None:
        role_key = body["actions"][0].get("value", "")
        # None: the role files changed since the directory was shown.
        reply = by_election_reply(role_key, deps) or role_views.no_such_role(role_key, [])
        respond(**reply.as_ephemeral(), replace_original=False)

    routes.action(views.BY_ELECTION_INFO)(acknowledged(deps, show_by_election))
