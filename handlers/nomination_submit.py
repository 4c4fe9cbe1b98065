"""The nomination form's submission: a new nomination is checked in the acknowledgement as
far as the form alone tells (Slack shows those errors on their fields) and saved after it; an
edit is checked and saved in the acknowledgement (docs/ARCHITECTURE.md, "The /liec
dispatcher"). Personal data goes only to the member's own modal and DMs, never to a log line.
"""

from __future__ import annotations

import functools
import logging
import time
from typing import Any

from slack_bolt import Ack, BoltContext
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from bot.db import answer_given_up
from bot.deliver import update_view
from bot.deps import AppDeps
from bot.flows.nomination_forms import branch_groups, dm_tell, membership_format, open_choices
from bot.listeners import acknowledged
from bot.routes import Routes
from bot.services import nomination_rules, nominations
from bot.services import nomination_submissions as submissions
from bot.services.position_titles import position_title
from bot.views import nominations as views
from bot.views.choices import Choice
from models.elections import NominationRecord

log = logging.getLogger(__name__)


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


@functools.cache
def _saving_view() -> dict[str, Any]:
    """``views.saving_view`` as Slack's JSON, built once: it never changes, and each build
    validated every object again (a twentieth of the acknowledgement's CPU)."""
    return views.saving_view().to_dict()


SAVING = "nomination_saving"
"""Bolt context key: the acknowledgement showed ``saving_view`` at this ``time.monotonic()``,
for ``save_nomination``, which reads the context the acknowledgement left (bot/listeners.py)."""


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
        ack(response_action="update", view=_saving_view())
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


def _open_choices(deps: AppDeps, view: dict[str, Any]) -> list[Choice]:
    """The open posts, read only for a form whose position menu loads them from the bot (over
    100): a menu with its own options is drawn again from them, and a form coming back because
    the database is slow must not wait on it a second time. None when it cannot be read."""
    block: dict[str, Any] = next(
        (b for b in view.get("blocks", []) if b.get("block_id") == nomination_rules.POSITION), {}
    )
    element = block.get("element") or {}
    if element.get("options"):  # as redrawn_modal reads them
        return []
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
        positions=_open_choices(deps, view),
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
    outcome, result = _saved(deps, sub)
    if isinstance(outcome, submissions.Rejected):
        result = _form_again(deps, view, outcome.errors)
        what = "your nomination is not saved: open the form again with `/liec nominate`"
    else:
        what = "the form still says it is saving, but your nomination is saved: see `/liec nominations mine`"
    shown = functools.partial(update_view, deps, sub.key, result, tell=dm_tell(deps, sub.user_id), what=what)
    wait = since + deps.view_after_ack_s - time.monotonic()
    if wait > 0:
        deps.later(wait, shown)  # holds no thread of the work after acknowledgements
    else:
        shown()


def _saved(deps: AppDeps, sub: submissions.Submission) -> tuple[submissions.Submitted, Any]:
    """(outcome, the view saying it is saved): any failure is a Rejected saying it is not."""
    try:
        outcome, result = deps.write(_save, deps, sub)
    except SQLAlchemyError as exc:
        log.warning("nomination not saved error=%s view=%s", type(exc).__name__, sub.key)
        return submissions.Rejected({"": NOT_REACHED}), None
    except Exception:
        # Ids only: the form carries the member's personal data.
        log.exception("nomination not saved view=%s", sub.key)
        return submissions.Rejected({"": NOT_SAVED}), None
    if isinstance(outcome, submissions.Saved) and not outcome.again:
        log.info("nomination saved id=%s by=%s edit=False", outcome.nomination.id, sub.user_id)
    return outcome, result


def register(routes: Routes, deps: AppDeps) -> None:
    def submit_nomination(ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext) -> None:
        _submit_nomination(ack, body, view, context, deps)

    def saved(body: dict[str, Any], context: BoltContext) -> None:
        save_nomination(body, context, deps)

    routes.view(views.NOMINATION_CALLBACK)(acknowledged(deps, saved, ack=submit_nomination))
