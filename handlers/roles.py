"""/liec roles, role, who, help: and the buttons on role cards."""

from __future__ import annotations

import re
import weakref
from typing import Any

from slack_bolt import App, Respond

from bot.commands import CommandRequest, Subcommand
from bot.deps import AppDeps
from bot.listeners import ack_only
from bot.services.roles import RoleCatalog, RoleDoc
from bot.views import roles as views
from bot.views.common import Reply

# Role cards depend only on the role files and the organisation file, which are read once at
# start: each card is built and validated once per process, not once per request.
_cards: weakref.WeakKeyDictionary[RoleCatalog, dict[tuple[str, tuple[str, ...]], Reply]] = (
    weakref.WeakKeyDictionary()
)


def _post_holders(role: RoleDoc, deps: AppDeps) -> dict[str, list[str]]:
    """Who holds each of a role's posts (a regional coordinator's: the region's coordinators)."""
    return {
        post.key: list(deps.org.regions[post.key].coordinator)
        for post in role.posts
        if post.key in deps.org.regions
    }


def _card(role: RoleDoc, deps: AppDeps) -> Reply:
    holders = tuple(deps.org.holders(role.key))
    posts = _post_holders(role, deps)
    cards = _cards.setdefault(deps.roles, {})
    cache_key = (role.key, (*holders, *(f"{k}={','.join(v)}" for k, v in sorted(posts.items()))))
    card = cards.get(cache_key)
    if card is None:
        card = cards[cache_key] = views.role_card(role, holders, post_holders=posts)
    return card


def _role_reply(key: str, deps: AppDeps, shown: str | None = None) -> Reply:
    role = deps.roles.get(key)
    if role is None:
        return views.no_such_role(key, [])
    return views.role_card(
        role, deps.org.holders(role.key), shown=shown, post_holders=_post_holders(role, deps)
    )


def roles_reply(_req: CommandRequest, deps: AppDeps) -> Reply:
    return views.roles_list(deps.roles.roles, deps.org.officers)


def role_reply(req: CommandRequest, deps: AppDeps) -> Reply:
    if not req.args:
        return views.role_usage()
    match = deps.roles.match(req.args)
    if match.role is None:
        return views.no_such_role(req.args, match.suggestions)
    return _card(match.role, deps)


def who_reply(req: CommandRequest, deps: AppDeps) -> Reply:
    if not req.args:
        return views.duty_usage()
    return views.duty_hits(req.args, deps.roles.who(req.args))


SUBCOMMANDS = [
    Subcommand("roles", "/liec roles", "every officer role and who holds it", reply=roles_reply),
    Subcommand("role", "/liec role secretary", "what a role does and how to apply", reply=role_reply),
    Subcommand("who", "/liec who minutes", "which roles do a duty", reply=who_reply),
]


def register(app: App, deps: AppDeps) -> None:
    def open_role(body: dict[str, Any], respond: Respond) -> None:
        key = body["actions"][0].get("value", "")
        respond(**_role_reply(key, deps).as_ephemeral(), replace_original=False)

    def show_section(body: dict[str, Any], respond: Respond) -> None:
        action = body["actions"][0]
        shown = action["action_id"].removeprefix(views.ROLE_SECTION_PREFIX)
        respond(
            **_role_reply(action.get("value", ""), deps, shown=shown).as_ephemeral(), replace_original=True
        )

    def list_roles(respond: Respond) -> None:
        respond(
            **views.roles_list(deps.roles.roles, deps.org.officers).as_ephemeral(), replace_original=False
        )

    def share(body: dict[str, Any], respond: Respond) -> None:
        role = deps.roles.get(body["actions"][0].get("value", ""))
        if role is None:
            return
        card = views.shared_role_card(
            role, deps.org.holders(role.key), body["user"]["id"], post_holders=_post_holders(role, deps)
        )
        # Role descriptions are public; this is the only way a role card reaches a channel.
        respond(**card.as_in_channel(), replace_original=False, delete_original=False)

    app.action(re.compile(f"^{views.ROLE_OPEN}(:|$)"))(ack=ack_only, lazy=[open_role])
    app.action(re.compile("^" + re.escape(views.ROLE_SECTION_PREFIX)))(ack=ack_only, lazy=[show_section])
    app.action(views.ROLES_LIST)(ack=ack_only, lazy=[list_roles])
    app.action(views.ROLE_SHARE)(ack=ack_only, lazy=[share])
