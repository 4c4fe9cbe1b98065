"""/liec election open | close | status | publish (admins) and the "open an election" modal.
The election's scheduled jobs are in handlers/election_jobs.py."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from slack_bolt import Ack, App
from sqlalchemy.orm import Session

from bot.deps import AppDeps
from bot.services import election_store, nominations
from bot.services.delivery import LOOK_BACK, PostError, deliver_once
from bot.services.elections import (
    REGIONAL_COORDINATOR,
    REGIONS,
    Election,
    ElectionError,
    ElectionKind,
    Position,
)
from bot.slack_outbox import SlackOutbox
from bot.views import elections as views
from bot.views.common import Reply, escape, notice
from handlers import election_jobs
from handlers.commands import CommandRequest, Subcommand
from handlers.election_jobs import finish_election
from handlers.election_titles import position_title
from models.elections import ElectionRecord

log = logging.getLogger(__name__)

PUBLISH_KIND = "election_publish"
USAGE = (
    "`/liec election open` (a form) · `/liec election close <name>` · "
    "`/liec election status` · `/liec election publish <name>`"
)


# /liec election -----------------------------------------------------------------------


def _split(args: str) -> tuple[str, str]:
    verb, _, rest = args.strip().partition(" ")
    return verb.lower(), rest.strip()


def _find(session: Session, name: str) -> tuple[ElectionRecord | None, Reply | None]:
    if not name:
        return None, notice(f"Which election? {USAGE}")
    record = election_store.get_by_name(session, name)
    if record is None:
        names = ", ".join(r.name for r in election_store.all_elections(session)) or "none yet"
        return None, notice(f"There is no election called {escape(name)}. Elections: {escape(names)}.")
    return record, None


def status_reply(deps: AppDeps) -> Reply:
    now = deps.clock.now()
    with deps.session_factory() as session:
        lines = []
        for record in election_store.all_elections(session):
            counts = [
                (position_title(deps, c.position_key), c.counts)
                for c in nominations.counts_by_position(session, record)
            ]
            lines.append(
                views.ElectionLine(
                    name=record.name,
                    kind=record.kind,
                    state=election_store.state(record, now),
                    opens_at=record.opens_at,
                    closes_at=record.closes_at,
                    counts=counts,
                    published=record.published_at is not None,
                )
            )
    return views.status_reply(lines)


def election_reply(req: CommandRequest, deps: AppDeps) -> Reply | None:
    verb, rest = _split(req.args)
    now = deps.clock.now()
    if verb == "open":
        return None
    if verb == "status":
        return status_reply(deps)
    if verb not in {"close", "publish"}:
        return notice(USAGE)
    with deps.session_factory() as session:
        record, problem = _find(session, rest)
        if record is None:
            return problem
        state = election_store.state(record, now)
        if verb == "close" and state != "open":
            return notice(f"{escape(record.name)} is {state}: only an open election can be closed.")
        if verb == "publish":
            if state != "closed":
                return notice(
                    f"{escape(record.name)} is {state}: publish the candidate "
                    "list once nominations have closed."
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
        deps.client.views_open(
            trigger_id=req.trigger_id, view=views.open_election_modal(_position_choices(deps))
        )
    elif verb == "close":
        _close_command(req, deps, rest)
    elif verb == "publish":
        _publish(req, deps, rest)


def _position_choices(deps: AppDeps) -> list[tuple[str, str]]:
    choices: list[tuple[str, str]] = []
    for role in deps.roles.roles:
        if role.key == REGIONAL_COORDINATOR:
            choices += [
                (Position(role.key, region).key, position_title(deps, Position(role.key, region)))
                for region in REGIONS
            ]
        else:
            choices.append((role.key, role.title))
    return choices


def _close_command(req: CommandRequest, deps: AppDeps, name: str) -> None:
    now = deps.clock.now()
    with deps.session_factory.begin() as session:
        record, _ = _find(session, name)
        if record is None or election_store.state(record, now) != "open":
            return  # the acknowledgement has said why
        try:
            closed = election_store.close_now(session, record, req.user_id, now, deps.org.retention_days)
        except ElectionError as exc:
            req.reply(notice(escape(str(exc))))
            return
        election_id, election_name = record.id, record.name
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


def _publish(req: CommandRequest, deps: AppDeps, name: str) -> None:
    channel = deps.org.channels.announcements
    now = deps.clock.now()
    with deps.session_factory() as session:
        record, _ = _find(session, name)
        if record is None or channel is None or record.published_at is not None:
            return
        if election_store.state(record, now) != "closed":
            return
        valid = [
            n
            for n in nominations.list_for_admin(session, record.id)
            if nominations.status_of(n) is nominations.NominationStatus.VALID
        ]
        candidates = []
        for n in valid:
            name_text = n.candidate_name + (f" and {n.partner_name}" if n.partner_name else "")
            candidates.append(views.Candidate(position_title(deps, n.position_key), name_text, n.statement))
        election_id, election_name, closed_at = record.id, record.name, record.closes_at
    # Exactly once, like the scheduled posts: a publish typed again after a fault finds the
    # messages that went out (the list can only be published after closing).
    outbox = SlackOutbox(deps.client, PUBLISH_KIND)
    for index, message in enumerate(views.candidate_list(election_name, candidates)):
        try:
            deliver_once(
                outbox,
                channel,
                f"{PUBLISH_KIND}:{election_id}:{index}",
                message.text,
                message.block_dicts(),
                since=min(closed_at, now) - LOOK_BACK,
                check_first=True,
            )
        except PostError as exc:
            log.warning("candidate list not published election=%s error=%s", election_id, exc.error)
            req.reply(
                notice(
                    f"The candidate list of {escape(election_name)} could not be "
                    f"posted (Slack said `{escape(exc.error)}`), so it is not marked "
                    "published. Please try again in a few minutes."
                )
            )
            return
    with deps.session_factory.begin() as session:
        stored = election_store.get(session, election_id)
        if stored is not None:
            stored.published_at = now
            stored.published_by = req.user_id
    log.info("candidate list published election=%s by=%s", election_id, req.user_id)
    req.reply(
        notice(
            f"The candidate list of {escape(election_name)} is published "
            f"({len(candidates)} candidate{'s' if len(candidates) != 1 else ''})."
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


def _selected_time(values: dict[str, Any], block_id: str) -> datetime | None:
    stamp = (values.get(block_id, {}).get(views.INPUT) or {}).get("selected_date_time")
    return datetime.fromtimestamp(int(stamp), UTC) if stamp else None


def read_open_form(values: dict[str, Any], now: datetime) -> tuple[Election | None, dict[str, str]]:
    def element(block_id: str) -> dict[str, Any]:
        found: dict[str, Any] = values.get(block_id, {}).get(views.INPUT) or {}
        return found

    name = " ".join(str(element(views.NAME).get("value") or "").split())
    kind = (element(views.KIND).get("selected_option") or {}).get("value", "regular")
    opens_at = _selected_time(values, views.OPENS)
    closes_at = _selected_time(values, views.CLOSES)
    keys = [o["value"] for o in element(views.POSITIONS).get("selected_options") or []]
    errors: dict[str, str] = {}
    if not name:
        errors[views.NAME] = "Please give the election a name."
    if opens_at is None:
        errors[views.OPENS] = "Please choose when nominations open."
    if closes_at is None:
        errors[views.CLOSES] = "Please choose when nominations close."
    elif closes_at <= now:
        errors[views.CLOSES] = "The closing time has already passed."
    elif opens_at is not None and closes_at <= opens_at:
        errors[views.CLOSES] = "Nominations must close after they open."
    if not keys:
        errors[views.POSITIONS] = "Choose at least one position."
    if errors or opens_at is None or closes_at is None:
        return None, errors
    try:
        election = Election(
            name=name,
            kind=ElectionKind(kind),
            opens_at=opens_at,
            closes_at=closes_at,
            positions=tuple(Position.parse(k) for k in keys),
        )
    except (ElectionError, ValueError) as exc:
        return None, {views.NAME: str(exc)}
    return election, {}


def _submit_open(ack: Ack, body: dict[str, Any], view: dict[str, Any], deps: AppDeps) -> None:
    user_id = body["user"]["id"]
    if not deps.is_admin(user_id):
        ack(response_action="errors", errors={views.NAME: "Only LIEC admins can open elections."})
        return
    now = deps.clock.now()
    election, errors = read_open_form(view["state"]["values"], now)
    if election is None:
        ack(response_action="errors", errors=errors)
        return
    with deps.session_factory.begin() as session:
        try:
            record = election_store.create(session, election, source="slack", now=now, created_by=user_id)
        except ElectionError as exc:
            session.rollback()
            ack(response_action="errors", errors={views.NAME: str(exc)})
            return
        election_store.schedule_jobs(session, record, deps.org.retention_days)
        log.info("election created id=%s by=%s", record.id, user_id)
    ack(
        response_action="update",
        view=views.election_created_view(election.name, election.opens_at, election.closes_at),
    )


def register(app: App, deps: AppDeps) -> None:
    election_jobs.register(deps)

    def submit_open(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        _submit_open(ack, body, view, deps)

    app.view(views.OPEN_CALLBACK)(submit_open)
