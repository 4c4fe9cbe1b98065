"""/liec region: a member's region (set, automatic) and branch."""

from __future__ import annotations

import logging

from bot.commands import CommandRequest, Subcommand
from bot.deps import AppDeps
from bot.flows import question_delivery as delivery
from bot.routes import Routes
from bot.services import questions as svc
from bot.services.tz_regions import Region, parse_region
from bot.views import questions as views
from bot.views.common import Reply

log = logging.getLogger(__name__)


def region_work(req: CommandRequest, deps: AppDeps) -> None:
    """/liec region: the member's region, how it was decided, and the coordinator."""
    if req.args.strip():
        return  # set / branch were answered in the acknowledgement
    tz, tz_error = delivery.member_timezone(deps, req.user_id)
    choice = deps.read(svc.member_choice, req.user_id)
    decision = svc.decide_region(choice, deps.org, tz, tz_error)
    branch_key = choice.branch if choice else None
    branch = deps.org.branches.get(branch_key) if branch_key else None
    holders = svc.coordinators(deps.org, decision.region) if decision.region else []
    req.reply(views.region_status(decision.region, decision.reason, holders, branch.name if branch else None))


def region_reply(req: CommandRequest, deps: AppDeps) -> Reply | None:
    words = req.args.split(maxsplit=1)
    if not words:
        return None  # /liec region: shown after the acknowledgement (needs the Slack profile)
    verb, rest = words[0].lower(), (words[1].strip() if len(words) > 1 else "")
    if verb == "set":
        return _set_region(req.user_id, rest, deps)
    if verb == "branch":
        return _set_branch(req.user_id, rest, deps)
    return views.region_usage()


def _set_region(user_id: str, typed: str, deps: AppDeps) -> Reply:
    if not typed:
        return views.region_picker("", intro="Which region are you in?")
    if typed.lower() == "auto":
        deps.write(svc.set_region, user_id, None, deps.clock.now())
        return views.refused(
            "Done: your branch or your Slack time zone decides your region. See it with `/liec region`."
        )
    region = parse_region(typed)
    if region is None:
        return views.region_picker("", intro=views.unknown_region(typed))
    deps.write(svc.set_region, user_id, region, deps.clock.now())
    return views.region_saved(region, svc.coordinators(deps.org, region))


def _set_branch(user_id: str, typed: str, deps: AppDeps) -> Reply:
    names = [b.name for b in deps.org.branches.values()]
    if not typed:
        return views.branch_not_found("", [], names)
    if typed.lower() == "none":
        deps.write(svc.set_branch, user_id, None, deps.clock.now())
        return views.refused("Done: you have no branch set.")
    match = svc.find_branch(deps.org, typed)
    if match.key is None:
        return views.branch_not_found(typed, match.suggestions, names)
    deps.write(svc.set_branch, user_id, match.key, deps.clock.now())
    branch = deps.org.branches[match.key]
    return views.branch_saved(branch.name, Region(branch.region))


SUBCOMMANDS = [
    Subcommand(
        "region",
        "/liec region",
        "your region and its coordinator; `set <region>` or `branch <branch>` to change it",
        reply=region_reply,
        work=region_work,
    ),
]


def register(routes: Routes, deps: AppDeps) -> None:
    """Only the subcommand; nothing else to listen for."""
