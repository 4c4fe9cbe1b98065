"""Nominating: /liec nominate, the Nominate button and the shortcut open the form; a new
nomination is checked in the acknowledgement as far as the form tells and saved after it (an
edit is checked and saved in it); /liec nominations mine for the candidate,
/liec nominations [position] | export for admins (bot/flows/nomination_lists.py; Mark as
checked is handlers/nomination_admin.py). The nominators' Confirm and Decline are
handlers/nomination_answers.py (their DM is a job: bot/flows/nomination_messages.py); the
form's redrawing as it is filled in is handlers/nomination_form.py. Each is in the one
feature list, handlers/__init__.py.

Personal data goes only to DMs and modals, never to a channel or a log line (ids only).
"""

from __future__ import annotations

import functools
import logging
import time
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from bot.commands import CommandRequest, Subcommand
from bot.db import answer_given_up
from bot.deliver import update_view
from bot.deps import AppDeps
from bot.flows import nomination_lists, nomination_messages
from bot.flows.nomination_forms import (
    branch_groups,
    dm_tell,
    membership_format,
    mine_view,
    not_open_reply,
    nothing_mine,
    open_choices,
    open_nomination_form,
    respond_tell,
)
from bot.listeners import ack_only, answered
from bot.services import election_store, nomination_rules, nominations
from bot.services import nomination_submissions as submissions
from bot.services.election_store import OpenPosition
from bot.services.elections import REGIONAL_COORDINATOR, Position, split_region
from bot.services.position_titles import position_title
from bot.slack_modals import show_modal
from bot.views import elections as election_views
from bot.views import nominations as views
from bot.views.choices import Choice
from bot.views.common import Reply, escape, notice
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


def _open_positions(
    deps: AppDeps, wanted: Position | None = None, election_id: int | None = None
) -> list[OpenPosition]:
    found = deps.read(
        election_store.open_positions, deps.clock.now(), wanted.role_key if wanted else None, election_id
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
    return deps.read(not_open_reply, deps, wanted)


def nominate_work(req: CommandRequest, deps: AppDeps) -> None:
    wanted, problem = _resolve_role(deps, req.args)
    if problem is not None:
        return
    found = _open_positions(deps, wanted)
    if found:
        selected = found[0].value if wanted and len(found) == 1 else None
        open_nomination_form(
            deps, req.trigger_id, req.user_id, found, selected, req.reply, "type the command again"
        )


# /liec nominations ---------------------------------------------------------------------


def nominations_reply(req: CommandRequest, deps: AppDeps) -> Reply | None:
    verb = req.args.split()[0].lower() if req.args.split() else ""
    if verb == "mine":
        return nothing_mine(deps, req.user_id)
    if not deps.is_admin(req.user_id):
        return notice(NOT_ADMIN)
    if verb == "export":
        return notice("I'm sending you the CSV of every nomination by direct message.")
    wanted, problem = _resolve_role(deps, req.args)
    if problem is not None:
        return problem
    if wanted is None:
        return notice("I'm sending you how many nominations each position has by direct message.")
    return notice("I'm sending you the list of nominations by direct message.")


def nominations_work(req: CommandRequest, deps: AppDeps) -> None:
    verb = req.args.split()[0].lower() if req.args.split() else ""
    if verb == "mine":
        if nothing_mine(deps, req.user_id) is None:
            view = mine_view(deps, req.user_id)
            show_modal(deps.client, req.trigger_id, view, tell=req.reply, again="type the command again")
        return
    if not deps.is_admin(req.user_id):
        return
    if verb == "export":
        nomination_lists.export_csv(deps, req.user_id)
        return
    wanted, problem = _resolve_role(deps, req.args)
    if problem is None:
        nomination_lists.send_admin_list(deps, req.user_id, wanted)


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
            ("/liec nominations [role]", "how many nominations each role has; with a role, its nominations"),
            ("/liec nominations export", "all nominations as a CSV, sent to you by DM"),
        ),
    ),
]


# The submission ------------------------------------------------------------------------


def _submitted_view(deps: AppDeps, n: NominationRecord) -> Any:
    asked = [x.slack_id for x in n.nominators if x.slack_id and x.status == nominations.AWAITING]
    return views.submitted_view(
        position_title(deps.roles, n.position_key), n.election.name, nominations.status_of(n).value, asked
    )


def _save(session: Session, deps: AppDeps, sub: submissions.Submission) -> tuple[submissions.Submitted, Any]:
    """The submission saved (or rejected), and the view that says so, built in the session."""
    outcome = submissions.submit(session, deps.org, sub, deps.clock.now())
    saved = outcome.nomination if isinstance(outcome, submissions.Saved) else None
    return outcome, _submitted_view(deps, saved) if saved is not None else None


def _submission(body: dict[str, Any], view: dict[str, Any]) -> submissions.Submission:
    election_id, form = views.read_nomination(view["state"]["values"])
    return submissions.Submission(
        user_id=body["user"]["id"],
        key=str(view.get("id") or ""),
        election_id=election_id,
        form=form,
        editing_id=views.metadata_id(view, "nomination_id"),
    )


SAVING = "nomination_saving"
"""Bolt context key: the acknowledgement showed ``saving_view`` at this ``time.monotonic()``,
for ``save_nomination`` (a lazy listener gets a copy of the context the acknowledgement left)."""


def _submit_nomination(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext, deps: AppDeps
) -> None:
    """The acknowledgement of the form. A new nomination is checked here as far as the form
    alone allows (``nomination_rules.check_details``: Slack shows these errors on their fields)
    and saved after it (``save_nomination``), so that the acknowledgement does not wait on the
    database. An edit is checked against the stored nomination, whose kept fields come back
    empty, so it is checked and saved here."""
    sub = _submission(body, view)
    if sub.editing_id is None:
        errors = nomination_rules.check_details(sub.form, nominations.rules_for(None, deps.org))
        if errors:
            _refuse(ack, errors, view)
            return
        ack(response_action="update", view=views.saving_view())
        if not answer_given_up():  # else the member was told "not saved": nothing follows
            context[SAVING] = time.monotonic()
        return
    outcome, result = deps.write(_save, deps, sub)
    if isinstance(outcome, submissions.Rejected):
        _refuse(ack, outcome.errors, view)
        return
    if not outcome.again:
        log.info("nomination saved id=%s by=%s edit=%s", outcome.nomination.id, sub.user_id, outcome.edited)
    ack(response_action="update", view=result)


def _refuse(ack: Ack, errors: dict[str, str], view: dict[str, Any]) -> None:
    placed = views.place_errors(errors, views.input_block_ids(view), nomination_rules.POSITION)
    ack(response_action="errors", errors=placed)


NOT_REACHED = (
    "The bot could not reach its database, so this nomination is not saved yet. Please press "
    "Submit again in a minute; if it keeps happening, tell an LIEC admin."
)
NOT_SAVED = (
    "Something went wrong, so this nomination is not saved yet. Please press Submit again; if it "
    "keeps happening, tell an LIEC admin."
)


def _open_choices(deps: AppDeps) -> list[Choice]:
    """The open posts, for a form whose position menu loads them from the bot (over 100);
    none when the database cannot be read (a form with its own options needs none)."""
    try:
        return open_choices(deps)
    except SQLAlchemyError:
        return []


def _form_again(deps: AppDeps, view: dict[str, Any], errors: dict[str, str]) -> Any:
    """The submitted form drawn again as the member typed it, ``errors`` under their fields."""
    placed = views.place_errors(errors, views.input_block_ids(view), nomination_rules.POSITION)
    return views.redrawn_modal(
        view,
        branch_groups(deps),
        membership_format=membership_format(deps),
        positions=_open_choices(deps),
        errors=placed,
    )


def save_nomination(body: dict[str, Any], context: BoltContext, deps: AppDeps) -> None:
    """After the acknowledgement of a new nomination's form, when it showed ``saving_view``
    (``context[SAVING]``; else it refused the form, or saved an edit, and nothing follows):
    save it (``nomination_submissions.submit``, which checks everything again, the election's
    state and the stored nominations included) and update the modal to say so, or to the form
    again, as the member typed it, with what stopped it under its field (``views.with_errors``).
    Any failure of the save comes back the same way, so the modal never stays on "Saving…".
    Slack's retries of the submission carry the same view id: saved once, shown each time."""
    since = context.get(SAVING)
    if not isinstance(since, float):
        return
    view = body.get("view") or {}
    sub = _submission(body, view)
    result: Any
    try:
        outcome, result = deps.write(_save, deps, sub)
    except SQLAlchemyError as exc:
        log.warning("nomination not saved error=%s view=%s", type(exc).__name__, sub.key)
        outcome = submissions.Rejected({"": NOT_REACHED})
    except Exception:
        # Ids only: the form carries the member's personal data.
        log.exception("nomination not saved view=%s", sub.key)
        outcome = submissions.Rejected({"": NOT_SAVED})
    if isinstance(outcome, submissions.Rejected):
        result = _form_again(deps, view, outcome.errors)
        what = "your nomination was not saved: open the form again with `/liec nominate`"
    else:
        if not outcome.again:
            log.info("nomination saved id=%s by=%s edit=False", outcome.nomination.id, sub.user_id)
        what = "the form still says it is saving, but your nomination is saved: see `/liec nominations mine`"
    shown = functools.partial(update_view, deps, sub.key, result, tell=dm_tell(deps, sub.user_id), what=what)
    wait = since + deps.view_after_ack_s - time.monotonic()
    if wait > 0:
        deps.later(wait, shown)  # holds no thread of the work after acknowledgements
    else:
        shown()


# Wiring --------------------------------------------------------------------------------


def register(app: App, deps: AppDeps) -> None:
    def nominate_button(body: dict[str, Any], respond: Respond) -> None:
        election_id = int(body["actions"][0].get("value") or 0)
        user_id = body["user"]["id"]
        # On the Home tab there is no response_url: the member is told by DM.
        tell = respond_tell(respond) if body.get("response_url") else dm_tell(deps, user_id)
        found = _open_positions(deps, election_id=election_id)
        if not found:
            record = deps.read(election_store.get, election_id)
            text = (
                f"Nominations for {escape(record.name)} closed {election_views.slack_time(record.closes_at)}."
                if record
                else "That election no longer exists."
            )
            tell(notice(text))
            return
        open_nomination_form(
            deps, body["trigger_id"], user_id, found, tell=tell, again="press *Nominate* again"
        )

    def shortcut(body: dict[str, Any]) -> None:
        user_id = body["user"]["id"]
        found = _open_positions(deps)
        if found:
            open_nomination_form(deps, body["trigger_id"], user_id, found, again="use the shortcut again")
            return
        dm_tell(deps, user_id)(deps.read(not_open_reply, deps, None))

    def submit_nomination(ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext) -> None:
        _submit_nomination(ack, body, view, context, deps)

    def saved(body: dict[str, Any], context: BoltContext) -> None:
        save_nomination(body, context, deps)

    app.action(election_views.NOMINATE_BUTTON)(ack=ack_only, lazy=[answered(deps, nominate_button)])
    app.shortcut(views.SHORTCUT)(ack=ack_only, lazy=[answered(deps, shortcut)])
    app.view(views.NOMINATION_CALLBACK)(ack=submit_nomination, lazy=[answered(deps, saved)])
    nomination_messages.register(deps)
