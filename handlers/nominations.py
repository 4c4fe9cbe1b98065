"""Nominating: /liec nominate, the Nominate button and the shortcut open the form; the
submission is checked in the acknowledgement; /liec nominations mine for the candidate,
/liec nominations [position] | export for admins, whose side (the list, the export, Mark as
checked) is handlers/nomination_admin.py. The nominators' side (their DM, Confirm and
Decline) is handlers/nomination_answers.py; the form's redrawing as it is filled in (route, job-share
partner) is handlers/nomination_form.py.

Personal data goes only to DMs and modals, never to a channel or a log line (ids only).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk.errors import SlackApiError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.deps import AppDeps
from bot.services import election_store, item_fates, nomination_rules, nomination_visibility, nominations
from bot.services.election_store import OpenPosition
from bot.services.elections import REGIONAL_COORDINATOR, REGIONS, Position, split_region
from bot.services.nomination_rules import NominationForm, Person, Route, validate
from bot.slack_dm import send_dm
from bot.views import elections as election_views
from bot.views import nominations as views
from bot.views.common import Reply, escape, notice
from handlers import nomination_admin
from handlers.commands import CommandRequest, Subcommand
from handlers.election_titles import position_title
from handlers.nomination_items import nomination_item
from models.elections import NominationRecord

log = logging.getLogger(__name__)

NOT_ADMIN = "Only LIEC admins can see the nominations. To see your own, type `/liec nominations mine`."


# Choosing what is open ------------------------------------------------------------------


def _resolve_role(deps: AppDeps, text: str) -> tuple[Position | None, Reply | None]:
    """The role (and region) a member typed after /liec nominate, or a reply saying what
    went wrong. A bare region ("asia") means that region's coordinator."""
    if not text.strip():
        return None, None
    rest, region = split_region(text)
    bare = rest.strip(" -").lower()
    if bare == "rc" or (region is not None and not bare):
        return Position(REGIONAL_COORDINATOR, region), None
    match = deps.roles.match(rest or text)
    if match.role is None:
        hint = ", ".join(r.title for r in match.suggestions) or ", ".join(r.title for r in deps.roles.roles)
        return None, notice(f"There is no role called “{escape(text[:60])}”. Roles: {escape(hint)}.")
    return Position(match.role.key, region if match.role.key == REGIONAL_COORDINATOR else None), None


def _not_open_reply(session: Session, deps: AppDeps, wanted: Position | None) -> Reply:
    now = deps.clock.now()
    if wanted is not None and election_store.open_positions(session, now):
        return notice(
            f"Nominations for {escape(position_title(deps, wanted))} are not open "
            "now. Type `/liec nominate` to see the positions that are."
        )
    upcoming = election_store.next_election(session, now)
    if upcoming is not None:
        return notice(
            f"Nominations are not open now. {escape(upcoming.name)} opens "
            f"{election_views.slack_time(upcoming.opens_at)}."
        )
    return notice(
        "No election is taking nominations now. Members are told in the "
        "announcements channel when nominations open."
    )


def _choices(deps: AppDeps, found: list[OpenPosition]) -> list[views.Choice]:
    several = len({f.election_id for f in found}) > 1
    return [
        views.Choice(f.value, position_title(deps, f.position) + (f" · {f.election_name}" if several else ""))
        for f in found
    ]


def branch_groups(deps: AppDeps) -> list[views.BranchGroup]:
    return [
        views.BranchGroup(
            title,
            [
                views.Choice(key, branch.name)
                for key, branch in sorted(deps.org.branches.items(), key=lambda kv: kv[1].name)
                if branch.region == region
            ],
        )
        for region, title in REGIONS.items()
    ]


def membership_format(deps: AppDeps) -> str:
    return nominations.rules_for(None, deps.org).membership_format_text


def _profile(deps: AppDeps, user_id: str) -> Person:
    """Name and email from the Slack profile, where Slack has them."""
    try:
        user = deps.client.users_info(user=user_id)["user"]
    except SlackApiError:
        return Person(user_id)
    profile = user.get("profile") or {}
    name = profile.get("real_name") or user.get("real_name") or ""
    return Person(user_id, name=str(name), email=str(profile.get("email") or ""))


def open_then_prefill(
    deps: AppDeps, trigger_id: str, build: Callable[[Person | None], Any], user_id: str
) -> None:
    """views.open at once (the trigger lasts 3 seconds), then fill in the profile."""
    opened = deps.client.views_open(trigger_id=trigger_id, view=build(None))
    profile = _profile(deps, user_id)
    if not (profile.name or profile.email):
        return
    view = opened.get("view") or {}
    # If this fails the member still has the form, and types their details themselves.
    with contextlib.suppress(SlackApiError):
        deps.client.views_update(view_id=view.get("id"), hash=view.get("hash"), view=build(profile))


def open_nomination_form(
    deps: AppDeps,
    trigger_id: str,
    user_id: str,
    found: list[OpenPosition],
    selected: str | None = None,
) -> None:
    choices = _choices(deps, found)
    branches = branch_groups(deps)
    closes_at = min(f.closes_at for f in found)

    def build(profile: Person | None) -> Any:
        candidate = profile or Person(user_id)
        initial = NominationForm(position=None, candidate=candidate, statement="", route=Route.MEMBERS)
        return views.nomination_modal(
            choices,
            branches,
            membership_format=membership_format(deps),
            initial=initial,
            selected=selected,
            closes_at=closes_at,
        )

    open_then_prefill(deps, trigger_id, build, user_id)


def _open_positions(
    deps: AppDeps, wanted: Position | None = None, election_id: int | None = None
) -> list[OpenPosition]:
    with deps.session_factory() as session:
        found = election_store.open_positions(
            session, deps.clock.now(), wanted.role_key if wanted else None, election_id
        )
    if wanted is not None and wanted.region is not None:
        found = [f for f in found if f.position == wanted]
    return found


# /liec nominate ------------------------------------------------------------------------


def nominate_reply(req: CommandRequest, deps: AppDeps) -> Reply | None:
    wanted, problem = _resolve_role(deps, req.args)
    if problem is not None:
        return problem
    if _open_positions(deps, wanted):
        return None  # the form opens after the acknowledgement
    with deps.session_factory() as session:
        return _not_open_reply(session, deps, wanted)


def nominate_work(req: CommandRequest, deps: AppDeps) -> None:
    wanted, problem = _resolve_role(deps, req.args)
    if problem is not None:
        return
    found = _open_positions(deps, wanted)
    if found:
        selected = found[0].value if wanted and len(found) == 1 else None
        open_nomination_form(deps, req.trigger_id, req.user_id, found, selected)


# /liec nominations ---------------------------------------------------------------------


def _mine_view(deps: AppDeps, user_id: str) -> Any:
    now = deps.clock.now()
    with deps.session_factory() as session:
        items = [nomination_item(deps, n, now) for n in nominations.mine(session, user_id)]
    return views.mine_modal(items)


def _nothing_mine(deps: AppDeps, user_id: str) -> Reply | None:
    """With no nominations and no election open, say when nominations open (no empty form)."""
    with deps.session_factory() as session:
        if nominations.mine(session, user_id) or election_store.open_positions(session, deps.clock.now()):
            return None
        return _not_open_reply(session, deps, None)


def nominations_reply(req: CommandRequest, deps: AppDeps) -> Reply | None:
    verb = req.args.split()[0].lower() if req.args.split() else ""
    if verb == "mine":
        return _nothing_mine(deps, req.user_id)
    if not deps.is_admin(req.user_id):
        return notice(NOT_ADMIN)
    if verb == "export":
        return notice("I'm sending you the CSV of every nomination by direct message.")
    _, problem = _resolve_role(deps, req.args)
    if problem is not None:
        return problem
    return notice("I'm sending you the list of nominations by direct message.")


def nominations_work(req: CommandRequest, deps: AppDeps) -> None:
    verb = req.args.split()[0].lower() if req.args.split() else ""
    if verb == "mine":
        if _nothing_mine(deps, req.user_id) is None:
            deps.client.views_open(trigger_id=req.trigger_id, view=_mine_view(deps, req.user_id))
        return
    if not deps.is_admin(req.user_id):
        return
    if verb == "export":
        nomination_admin.export_csv(deps, req.user_id)
        return
    wanted, problem = _resolve_role(deps, req.args)
    if problem is None:
        nomination_admin.send_admin_list(deps, req.user_id, wanted)


SUBCOMMANDS = [
    Subcommand(
        "nominate",
        "/liec nominate [role]",
        "nominate a candidate in an officer election",
        reply=nominate_reply,
        work=nominate_work,
    ),
    Subcommand(
        "nominations",
        "/liec nominations mine",
        "see, edit or withdraw your nominations",
        reply=nominations_reply,
        work=nominations_work,
        admin_help=(
            ("/liec nominations [role]", "every nomination, or those for one role"),
            ("/liec nominations export", "all nominations as a CSV, sent to you by DM"),
        ),
    ),
]


# The submission ------------------------------------------------------------------------


def _submitted_view(deps: AppDeps, n: NominationRecord) -> Any:
    asked = [x.slack_id for x in n.nominators if x.slack_id and x.status == nominations.AWAITING]
    return views.submitted_view(
        position_title(deps, n.position_key), n.election.name, nominations.status_of(n).value, asked
    )


def _check_submission(
    session: Session, deps: AppDeps, user_id: str, view: dict[str, Any]
) -> tuple[NominationForm, Any, NominationRecord | None, dict[str, str]]:
    """(form, election record, nomination being edited, errors)."""
    now = deps.clock.now()
    election_id, form = views.read_nomination(view["state"]["values"])
    editing_id = views.metadata_id(view, "nomination_id")
    editing = nominations.get(session, editing_id) if editing_id else None
    if editing is not None and nominations.can_manage(editing, user_id):
        # Fields the editor may not see came back empty: they keep what is stored.
        form = nomination_visibility.restore_kept(editing, form)
    election = election_store.get(session, election_id) if election_id else None
    errors = validate(form, nominations.rules_for(election, deps.org), now)
    position = nomination_rules.POSITION
    if editing_id is not None:
        if editing is None:
            errors[position] = item_fates.NOMINATION_GONE
        elif not nominations.can_manage(editing, user_id):
            errors[position] = "This nomination is not yours to edit."
        elif editing.withdrawn_at is not None:
            errors[position] = item_fates.nomination_fate(editing, now) or "This nomination was withdrawn."
        elif election is not None and editing.election_id != election.id:
            errors[position] = f"Choose a position in {editing.election.name}."
    if election is not None and form.position is not None and not errors:
        same = nominations.find_duplicate(
            session, election.id, form.position, form.candidate, exclude_id=editing_id
        )
        if same is not None:
            errors[position] = (
                "You already have a nomination for this position: edit it with /liec nominations mine."
                if nominations.can_manage(same, user_id)
                else nominations.DUPLICATE_REFUSED
            )
    return form, election, editing, errors


def _submit_nomination(ack: Ack, body: dict[str, Any], view: dict[str, Any], deps: AppDeps) -> None:
    user_id = body["user"]["id"]
    key = str(view.get("id") or "")
    now = deps.clock.now()
    try:
        with deps.session_factory.begin() as session:
            earlier = nominations.find_submission(session, key)
            if earlier is not None:
                # Slack's retry or a double click: the first one was saved; say so again.
                ack(response_action="update", view=_submitted_view(deps, earlier))
                return
            form, election, editing, errors = _check_submission(session, deps, user_id, view)
            if errors or election is None:
                placed = views.place_errors(errors, views.input_block_ids(view), nomination_rules.POSITION)
                ack(response_action="errors", errors=placed)
                return
            if editing is not None:
                nominations.update(session, editing, form, now)
                saved = editing
            else:
                saved = nominations.submit(
                    session, form, election, submitted_by=user_id, submission_key=key, now=now
                )
            result = _submitted_view(deps, saved)
            saved_id = saved.id
    except IntegrityError:
        # Two deliveries of one submission raced; the other one saved it.
        with deps.session_factory() as session:
            earlier = nominations.find_submission(session, key)
            result = _submitted_view(deps, earlier) if earlier else None
        if result is None:
            ack()
        else:
            ack(response_action="update", view=result)
        return
    log.info("nomination saved id=%s by=%s edit=%s", saved_id, user_id, editing is not None)
    ack(response_action="update", view=result)


# "My nominations" -------------------------------------------------------------------------


def _cannot_change(n: NominationRecord | None, user_id: str, now: datetime) -> str | None:
    """Why Edit or Withdraw does nothing: the answer every such button gives."""
    if n is not None and not nominations.can_manage(n, user_id):
        return "This nomination is not yours to change."
    return item_fates.nomination_fate(n, now)


def _push_notice(deps: AppDeps, body: dict[str, Any], title: str, text: str) -> None:
    # A button inside a modal has no response_url: the answer is a modal pushed on top.
    deps.client.views_push(trigger_id=body["trigger_id"], view=views.modal_notice(title, escape(text)))


def _on_edit(body: dict[str, Any], deps: AppDeps) -> None:
    user_id = body["user"]["id"]
    nomination_id = int(body["actions"][0].get("value") or 0)
    now = deps.clock.now()
    with deps.session_factory() as session:
        n = nominations.get(session, nomination_id)
        problem = _cannot_change(n, user_id, now)
        if problem is not None:
            _push_notice(deps, body, "Cannot edit", problem)
            return
        assert n is not None
        shown = nomination_visibility.edit_form(n, user_id)
        found = election_store.open_positions(session, now, election_id=n.election_id)
        selected = f"{n.election_id}|{n.position_key}"
        closes_at = n.election.closes_at
    view = views.nomination_modal(
        _choices(deps, found),
        branch_groups(deps),
        membership_format=membership_format(deps),
        initial=shown.form,
        selected=selected,
        closes_at=closes_at,
        nomination_id=nomination_id,
        kept=shown.kept,
    )
    deps.client.views_push(trigger_id=body["trigger_id"], view=view)


def _on_withdraw(body: dict[str, Any], deps: AppDeps) -> None:
    user_id = body["user"]["id"]
    nomination_id = int(body["actions"][0].get("value") or 0)
    now = deps.clock.now()
    with deps.session_factory.begin() as session:
        n = nominations.get(session, nomination_id)
        problem = _cannot_change(n, user_id, now)
        if problem is not None or n is None:
            _push_notice(deps, body, "Cannot withdraw", problem or item_fates.NOMINATION_GONE)
            return
        nominations.withdraw(n, now)
        nominations.cancel_requests(session, n)
    log.info("nomination withdrawn id=%s by=%s", nomination_id, user_id)
    view = body.get("view") or {}
    deps.client.views_update(view_id=view.get("id"), view=_mine_view(deps, user_id))


# Wiring --------------------------------------------------------------------------------


def register(app: App, deps: AppDeps) -> None:
    def ack_only(ack: Ack) -> None:
        ack()

    def nominate_button(body: dict[str, Any], respond: Respond) -> None:
        election_id = int(body["actions"][0].get("value") or 0)
        found = _open_positions(deps, election_id=election_id)
        if not found:
            with deps.session_factory() as session:
                record = election_store.get(session, election_id)
                text = (
                    f"Nominations for {escape(record.name)} closed "
                    f"{election_views.slack_time(record.closes_at)}."
                    if record
                    else "That election no longer exists."
                )
            respond(text=text, replace_original=False, response_type="ephemeral")
            return
        open_nomination_form(deps, body["trigger_id"], body["user"]["id"], found)

    def shortcut(body: dict[str, Any]) -> None:
        user_id = body["user"]["id"]
        found = _open_positions(deps)
        if found:
            open_nomination_form(deps, body["trigger_id"], user_id, found)
            return
        with deps.session_factory() as session:
            send_dm(deps.client, user_id, _not_open_reply(session, deps, None))

    def submit_nomination(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        _submit_nomination(ack, body, view, deps)

    app.action(election_views.NOMINATE_BUTTON)(ack=ack_only, lazy=[nominate_button])
    app.shortcut(views.SHORTCUT)(ack=ack_only, lazy=[shortcut])
    app.view(views.NOMINATION_CALLBACK)(submit_nomination)
    app.action(views.MINE_EDIT)(ack=ack_only, lazy=[lambda body: _on_edit(body, deps)])
    app.action(views.MINE_WITHDRAW)(ack=ack_only, lazy=[lambda body: _on_withdraw(body, deps)])
    nomination_admin.register(app, deps)

    # The form's redrawing and the nominators' side: imported here, as they build on this
    # module's helpers.
    from handlers import nomination_answers, nomination_form

    nomination_form.register(app, deps)
    nomination_answers.register(app, deps)
