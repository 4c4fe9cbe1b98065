"""The nominators' side: the DM asking them (a durable job), Confirm (a modal for their own
details) and Decline, and the candidate hearing of a decline or of a valid nomination."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk.errors import SlackApiError
from sqlalchemy.orm import Session

from bot.deps import AppDeps
from bot.jobs import JobRun
from bot.services import item_fates, nomination_rules, nominations
from bot.services.nomination_rules import Person
from bot.services.nominations import NominationStatus
from bot.slack_dm import send_dm
from bot.views import nominations as views
from bot.views import nominators as nominator_views
from bot.views.common import Reply, escape
from handlers.election_jobs import retry_slack_faults
from handlers.election_titles import position_title
from handlers.nominations import membership_format, open_then_prefill
from models.elections import NominationRecord, NominatorRecord

log = logging.getLogger(__name__)


# Nominators ----------------------------------------------------------------------------


def _nominator_problem(nominator: NominatorRecord | None, user_id: str, now: datetime) -> str | None:
    if nominator is None:
        return item_fates.NOMINATOR_GONE
    if nominator.slack_id != user_id:
        return "This request was sent to someone else."
    nomination = nominator.nomination
    if nomination.withdrawn_at is not None:
        return "The candidate has withdrawn this nomination: there is nothing to confirm."
    if nominations.election_closed(nomination, now):
        return (
            f"Nominations for {escape(nomination.election.name)} have closed, so this "
            "nomination can no longer be confirmed."
        )
    if nominator.status != nominations.AWAITING:
        return f"You have already {nominator.status} this nomination."
    return None


def _clicked(session: Session, body: dict[str, Any]) -> tuple[NominatorRecord | None, str | None]:
    """The row a request DM's button acts on, and why there is none. A request names the
    nomination (``nomination:<id>``): the clicker's current row in it, so that an edit that
    replaced the row leaves the DM they have working. Older DMs carry the row's id."""
    user_id = body["user"]["id"]
    value = str(body["actions"][0].get("value") or "")
    if value.startswith(nominator_views.REQUEST_PREFIX):
        number, _, sent_to = value.removeprefix(nominator_views.REQUEST_PREFIX).partition(":")
        nomination_id = int(number) if number.isdigit() else 0
        if nominations.get(session, nomination_id) is None:
            return None, item_fates.NOMINATION_GONE
        if sent_to != user_id:
            return None, "This request was sent to someone else."
        row = nominations.awaiting_row(session, nomination_id, user_id)
        return row, None if row is not None else item_fates.NOMINATOR_GONE
    return nominations.get_nominator(session, int(value or 0) if value.isdigit() else 0), None


def _on_confirm_button(body: dict[str, Any], respond: Respond, deps: AppDeps) -> None:
    user_id = body["user"]["id"]
    with deps.session_factory() as session:
        nominator, gone = _clicked(session, body)
        problem = gone or _nominator_problem(nominator, user_id, deps.clock.now())
        if problem is not None or nominator is None:
            respond(text=problem or "", replace_original=False, response_type="ephemeral")
            return
        nominator_id = nominator.id
        candidate = nominator.nomination.candidate_name
        position = position_title(deps, nominator.nomination.position_key)
    number_format = membership_format(deps)

    def build(profile: Person | None) -> Any:
        return nominator_views.confirm_modal(
            nominator_id, candidate, position, profile or Person(), number_format
        )

    open_then_prefill(deps, body["trigger_id"], build, user_id)


def _others(nominator: NominatorRecord) -> list[tuple[Person, str]]:
    nomination = nominator.nomination
    others = [
        (nominations.nominator_person(n), "the other nominator")
        for n in nomination.nominators
        if n.id != nominator.id
    ]
    partner = nominations.partner_of(nomination)
    if partner is not None:
        others.append((partner, "the job-share partner"))
    return others


def _submit_confirmation(ack: Ack, body: dict[str, Any], view: dict[str, Any], deps: AppDeps) -> None:
    user_id = body["user"]["id"]
    now = deps.clock.now()
    nominator_id = views.metadata_id(view, "nominator_id") or 0
    details = nominator_views.read_confirmation(view["state"]["values"])
    with deps.session_factory.begin() as session:
        nominator = nominations.get_nominator(session, nominator_id)
        if (
            nominator is not None
            and nominator.slack_id == user_id
            and nominator.status == nominations.CONFIRMED
        ):
            ack(
                response_action="update",
                view=views.modal_notice("Confirmed", "You have confirmed this nomination. Thank you."),
            )
            return
        problem = _nominator_problem(nominator, user_id, now)
        if problem is not None or nominator is None:
            ack(response_action="errors", errors={nomination_rules.CONFIRM_NAME: problem or ""})
            return
        nomination = nominator.nomination
        rules = nominations.rules_for(nomination.election, deps.org)
        errors = nomination_rules.validate_confirmation(
            details, nominations.candidate_of(nomination), _others(nominator), rules, now
        )
        if errors:
            ack(response_action="errors", errors=errors)
            return
        status = nominations.confirm(session, nominator, details, now)
        answered = nominator_views.nominator_answered(
            nomination.candidate_name, position_title(deps, nomination.position_key), True
        )
        channel, ts = nominator.dm_channel, nominator.dm_ts
    log.info("nominator confirmed nominator=%s status=%s", nominator_id, status.value)
    ack(
        response_action="update",
        view=views.modal_notice("Confirmed", "Thank you: your nomination is recorded."),
    )
    if channel and ts:
        _replace_dm(deps, channel, ts, answered)


def _replace_dm(deps: AppDeps, channel: str, ts: str, reply: Reply) -> None:
    try:
        deps.client.chat_update(channel=channel, ts=ts, text=reply.text, blocks=reply.block_dicts())
    except SlackApiError:
        log.warning("could not update a nominator's DM channel=%s", channel)


def _on_decline(body: dict[str, Any], respond: Respond, deps: AppDeps) -> None:
    user_id = body["user"]["id"]
    with deps.session_factory.begin() as session:
        nominator, gone = _clicked(session, body)
        problem = gone or _nominator_problem(nominator, user_id, deps.clock.now())
        if problem is not None or nominator is None:
            respond(text=problem or "", replace_original=False, response_type="ephemeral")
            return
        nominator_id = nominator.id
        nominations.decline(session, nominator, deps.clock.now())
        answered = nominator_views.nominator_answered(
            nominator.nomination.candidate_name,
            position_title(deps, nominator.nomination.position_key),
            False,
        )
    log.info("nominator declined nominator=%s", nominator_id)
    respond(text=answered.text, blocks=answered.block_dicts(), replace_original=True)


# Jobs ----------------------------------------------------------------------------------


def _notify_nominator(deps: AppDeps, run: JobRun) -> None:
    nominator_id = int(run.payload["nominator_id"])
    with deps.session_factory() as session:
        nominator = nominations.get_nominator(session, nominator_id)
        if nominator is None or nominator.slack_id is None or nominator.notified_at is not None:
            return
        if _nominator_problem(nominator, nominator.slack_id, run.now) is not None:
            return
        n = nominator.nomination
        reply = nominator_views.nominator_request(
            n.id,
            nominator.slack_id,
            n.candidate_name,
            n.candidate_slack_id,
            n.submitted_by,
            position_title(deps, n.position_key),
            n.election.name,
            n.election.closes_at,
        )
        user_id = nominator.slack_id
    try:
        channel, ts = send_dm(deps.client, user_id, reply)
    except SlackApiError as exc:
        raise retry_slack_faults(run, exc) from exc
    with deps.session_factory.begin() as session:
        stored = nominations.get_nominator(session, nominator_id)
        if stored is not None:
            nominations.record_request_sent(session, stored, channel, ts, run.now)


def _tell_candidate(deps: AppDeps, run: JobRun, nomination: NominationRecord, reply: Reply) -> None:
    # A candidate not on Slack hears through whoever nominated them.
    to = nomination.candidate_slack_id or nomination.submitted_by
    try:
        send_dm(deps.client, to, reply)
    except SlackApiError as exc:
        raise retry_slack_faults(run, exc) from exc


def _notify_declined(deps: AppDeps, run: JobRun) -> None:
    with deps.session_factory() as session:
        nominator = nominations.get_nominator(session, int(run.payload["nominator_id"]))
        if nominator is None or nominator.status != nominations.DECLINED:
            return
        n = nominator.nomination
        reply = nominator_views.declined_notice(
            nominator.slack_id, position_title(deps, n.position_key), n.election.name
        )
    _tell_candidate(deps, run, n, reply)


def _notify_valid(deps: AppDeps, run: JobRun) -> None:
    with deps.session_factory() as session:
        n = nominations.get(session, int(run.payload["nomination_id"]))
        if n is None or nominations.status_of(n) is not NominationStatus.VALID:
            return
        reply = nominator_views.valid_notice(position_title(deps, n.position_key), n.election.name)
    _tell_candidate(deps, run, n, reply)


def register(app: App, deps: AppDeps) -> None:
    def ack_only(ack: Ack) -> None:
        ack()

    def submit_confirmation(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        _submit_confirmation(ack, body, view, deps)

    app.view(nominator_views.CONFIRM_CALLBACK)(submit_confirmation)
    app.action(nominator_views.NOMINATOR_CONFIRM)(
        ack=ack_only, lazy=[lambda body, respond: _on_confirm_button(body, respond, deps)]
    )
    app.action(nominator_views.NOMINATOR_DECLINE)(
        ack=ack_only, lazy=[lambda body, respond: _on_decline(body, respond, deps)]
    )

    deps.jobs.register(nominations.NOTIFY_JOB, lambda run: _notify_nominator(deps, run))
    deps.jobs.register(nominations.DECLINED_JOB, lambda run: _notify_declined(deps, run))
    deps.jobs.register(nominations.VALID_JOB, lambda run: _notify_valid(deps, run))
