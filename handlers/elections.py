"""/liec election open | close | status | publish (admins) and the "open an election" modal.
The election's scheduled jobs are in bot/flows/election_jobs.py."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from slack_bolt import Ack
from sqlalchemy.orm import Session

from bot.commands import CommandRequest, Subcommand
from bot.deps import AppDeps
from bot.flows import election_jobs
from bot.flows.election_jobs import finish_election
from bot.flows.election_publish import publish_candidate_list
from bot.routes import Routes
from bot.services import election_store, nominations
from bot.services.elections import (
    REGIONAL_COORDINATOR,
    REGIONS,
    Election,
    ElectionError,
    Position,
    check_draft,
)
from bot.services.position_titles import position_title
from bot.slack_modals import show_modal
from bot.views import elections as views
from bot.views.choices import Choice, ChoiceGroup, suggest
from bot.views.common import Reply, escape, notice
from models.elections import ElectionRecord

log = logging.getLogger(__name__)

USAGE = (
    "`/liec election open` (a form) · `/liec election close <name>` · "
    "`/liec election status` · `/liec election publish <name>`"
)


# /liec election -----------------------------------------------------------------------


def _split(args: str) -> tuple[str, str]:
    verb, _, rest = args.strip().partition(" ")
    return verb.lower(), rest.strip()


ANYWAY = "anyway"


def _publish_args(rest: str) -> tuple[str, bool]:
    """(the election's name, whether the admin added `anyway`: publish though nominations
    are still to be checked)."""
    name, _, last = rest.rpartition(" ")
    if name and last.lower() == ANYWAY:
        return name.strip(), True
    return rest, False


def _find(session: Session, name: str) -> tuple[ElectionRecord | None, Reply | None]:
    if not name:
        return None, notice(f"Which election? {USAGE}")
    record = election_store.get_by_name(session, name)
    if record is None:
        names = ", ".join(r.name for r in election_store.all_elections(session)) or "none yet"
        return None, notice(f"There is no election called {escape(name)}. Elections: {escape(names)}.")
    return record, None


def _status_lines(session: Session, deps: AppDeps, now: datetime) -> list[views.ElectionLine]:
    return [
        views.ElectionLine(
            name=record.name,
            kind=record.kind,
            state=election_store.state(record, now),
            opens_at=record.opens_at,
            closes_at=record.closes_at,
            counts=[
                (position_title(deps.roles, c.position_key), c.counts)
                for c in nominations.counts_by_position(session, record)
            ],
            published=record.published_at is not None,
        )
        for record in election_store.all_elections(session)
    ]


def status_reply(deps: AppDeps) -> Reply:
    return views.status_reply(deps.read(_status_lines, deps, deps.clock.now()))


def election_reply(req: CommandRequest, deps: AppDeps) -> Reply | None:
    verb, rest = _split(req.args)
    now = deps.clock.now()
    if verb == "open":
        return None
    if verb == "status":
        return status_reply(deps)
    if verb not in {"close", "publish"}:
        return notice(USAGE)
    if verb == "publish":
        rest, _ = _publish_args(rest)
    record, problem = deps.read(_find, rest)
    if record is None:
        return problem
    state = election_store.state(record, now)
    if verb == "close" and state != "open":
        return notice(f"{escape(record.name)} is {state}: only an open election can be closed.")
    if verb == "publish":
        if state != "closed":
            return notice(
                f"{escape(record.name)} is {state}: publish the candidate list once nominations have closed."
            )
        if record.published_at is not None:
            return notice(
                f"The candidate list of {escape(record.name)} was "
                f"published {views.slack_time(record.published_at)}."
            )
        if not deps.org.channels.announcements:
            return notice("The organisation file has no `channels.announcements` to publish in.")
    return None


def election_work(req: CommandRequest, deps: AppDeps) -> None:
    verb, rest = _split(req.args)
    if verb == "open":
        modal = views.open_election_modal(_position_choices(deps))
        show_modal(deps.client, req.trigger_id, modal, tell=req.reply, again="type the command again")
    elif verb == "close":
        _close_command(req, deps, rest)
    elif verb == "publish":
        name, anyway = _publish_args(rest)
        reply = publish_candidate_list(deps, name, req.user_id, anyway=anyway)
        if reply is not None:
            req.reply(reply)


def _position_choices(deps: AppDeps) -> list[tuple[str, str]]:
    choices: list[tuple[str, str]] = []
    for role in deps.roles.roles:
        if role.key == REGIONAL_COORDINATOR:
            choices += [
                (Position(role.key, region).key, position_title(deps.roles, Position(role.key, region)))
                for region in REGIONS
            ]
        else:
            choices.append((role.key, role.title))
    return choices


def _close_command(req: CommandRequest, deps: AppDeps, name: str) -> None:
    now = deps.clock.now()
    try:
        found = deps.write(election_store.close_early, name, req.user_id, now, deps.org.retention_days)
    except ElectionError as exc:
        req.reply(notice(escape(str(exc))))
        return
    if found is None:
        return  # the acknowledgement has said why
    election_id, election_name, closed = found
    if not closed:
        req.reply(notice(f"{escape(election_name)} had already closed."))
        return
    finish_election(deps, election_id, now)
    log.info("election closed early id=%s by=%s", election_id, req.user_id)
    req.reply(
        notice(
            f"Nominations for {escape(election_name)} are closed. "
            "The admins get the summary by direct message."
        )
    )


SUBCOMMANDS = [
    Subcommand(
        "election",
        "/liec election open|close|status|publish",
        "run an officer election",
        reply=election_reply,
        work=election_work,
        admin_only=True,
    ),
]


# The "open an election" modal ---------------------------------------------------------


def _submit_open(ack: Ack, body: dict[str, Any], view: dict[str, Any], deps: AppDeps) -> None:
    user_id = body["user"]["id"]
    if not deps.is_admin(user_id):
        ack(response_action="errors", errors={views.NAME: "Only LIEC admins can open elections."})
        return
    now = deps.clock.now()
    election = check_draft(views.read_open_form(view["state"]["values"]), now)
    if not isinstance(election, Election):
        ack(response_action="errors", errors=views.field_errors(election))
        return
    try:
        election_id = deps.write(
            election_store.open_from_slack, election, user_id, now, deps.org.retention_days
        )
    except ElectionError as exc:
        ack(response_action="errors", errors={views.NAME: str(exc)})
        return
    log.info("election created id=%s by=%s", election_id, user_id)
    ack(
        response_action="update",
        view=views.election_created_view(election.name, election.opens_at, election.closes_at),
    )


def register(routes: Routes, deps: AppDeps) -> None:
    election_jobs.register(deps)

    def submit_open(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        _submit_open(ack, body, view, deps)

    routes.view(views.OPEN_CALLBACK)(submit_open)

    def position_suggestions(ack: Ack, body: dict[str, Any]) -> None:
        # Over 100 posts in the role catalogue, the modal's multi-select searches.
        groups = [ChoiceGroup("", [Choice(key, title) for key, title in _position_choices(deps)])]
        ack(**suggest(groups, str(body.get("value") or "")))

    def is_open_suggestion(body: dict[str, Any]) -> bool:
        view = body.get("view") or {}
        return view.get("callback_id") == views.OPEN_CALLBACK and body.get("block_id") == views.POSITIONS

    routes.options(views.INPUT, matchers=[is_open_suggestion])(position_suggestions)
