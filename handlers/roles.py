"""/liec roles, role, who, help: and the buttons on role cards."""

from __future__ import annotations

import re
from typing import Any

from slack_bolt import Respond

from bot.commands import CommandRequest, Subcommand
from bot.config import OrgConfig
from bot.deps import AppDeps
from bot.listeners import acknowledged
from bot.routes import Routes
from bot.services.roles import RoleDoc
from bot.views import roles as views
from bot.views.common import Reply
from bot.views.reply_cache import ReplyCache

# Role cards, the roles list and duty searches depend only on the role documents and the
# organisation: each is built and checked once while both stay the same.
_replies = ReplyCache()


def _post_holders(role: RoleDoc, org: OrgConfig) -> dict[str, list[str]]:
    """Who holds each of a role's posts (a regional coordinator's: the region's coordinators)."""
    return {
        post.key: list(org.regions[post.key].coordinator) for post in role.posts if post.key in org.regions
    }


def _card(role: RoleDoc, deps: AppDeps) -> Reply:
    org = deps.org  # once: the card is kept under the organisation it was built from
    return _replies.get(
        deps.roles,
        org,
        ("role", role.key),
        lambda: views.role_card(role, org.holders(role.key), post_holders=_post_holders(role, org)),
    )


def _role_reply(key: str, deps: AppDeps, shown: str | None = None) -> Reply:
    role = deps.roles.get(key)
    if role is None:
        return views.no_such_role(key, [])
    return views.role_card(
        role, deps.org.holders(role.key), shown=shown, post_holders=_post_holders(role, deps.org)
    )


def roles_reply(_req: CommandRequest, deps: AppDeps) -> Reply:
    org = deps.org
    return _replies.get(deps.roles, org, "roles", lambda: views.roles_list(deps.roles.roles, org.officers))


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
    return _replies.get(
        deps.roles, deps.org, ("who", req.args), lambda: views.duty_hits(req.args, deps.roles.who(req.args))
    )


SUBCOMMANDS = [
    Subcommand(
        "roles", "/liec roles", "every officer role and who holds it", reply=roles_reply, from_memory=True
    ),
    Subcommand(
        "role",
        "/liec role secretary",
        "what a role does and how to apply",
        reply=role_reply,
        from_memory=True,
    ),
    Subcommand("who", "/liec who minutes", "which roles do a duty", reply=who_reply, from_memory=True),
]


def register(routes: Routes, deps: AppDeps) -> None:
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
        if role is None:  # the role files changed since the card was shown
            respond(
                **views.no_such_role(body["actions"][0].get("value", ""), []).as_ephemeral(),
                replace_original=False,
            )
            return
        card = views.shared_role_card(
            role, deps.org.holders(role.key), body["user"]["id"], post_holders=_post_holders(role, deps.org)
        )
        # Role descriptions are public; this is the only way a role card reaches a channel.
        respond(**card.as_in_channel(), replace_original=False, delete_original=False)

    routes.action(re.compile(f"^{views.ROLE_OPEN}(:|$)"))(acknowledged(deps, open_role))
    routes.action(re.compile("^" + re.escape(views.ROLE_SECTION_PREFIX)))(acknowledged(deps, show_section))
    routes.action(views.ROLES_LIST)(acknowledged(deps, list_roles))
    routes.action(views.ROLE_SHARE)(acknowledged(deps, share))
