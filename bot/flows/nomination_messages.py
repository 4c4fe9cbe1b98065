"""The messages a nomination sends as durable jobs: the request to each nominator, and the
candidate hearing of a decline or of a valid nomination. Posted through bot/deliver.py."""

from __future__ import annotations

from functools import partial

from bot.deliver import send_in_job
from bot.deps import AppDeps
from bot.jobs import Job, JobRun
from bot.services import nominations
from bot.services.delivery import PostError
from bot.services.nomination_submissions import nominator_problem
from bot.services.nominations import NominationStatus
from bot.services.position_titles import position_title
from bot.views import nominators as nominator_views
from bot.views.common import Reply
from models.elections import NominationRecord


def _notify_nominator(deps: AppDeps, run: JobRun) -> None:
    nominator_id = int(run.payload["nominator_id"])
    with deps.session_factory() as session:
        nominator = nominations.get_nominator(session, nominator_id)
        if nominator is None or nominator.slack_id is None or nominator.notified_at is not None:
            return
        if nominator_problem(nominator, nominator.slack_id, run.now) is not None:
            return
        n = nominator.nomination
        reply = nominator_views.nominator_request(
            n.id,
            nominator.slack_id,
            n.candidate_name,
            n.candidate_slack_id,
            n.submitted_by,
            position_title(deps.roles, n.position_key),
            n.election.name,
            n.election.closes_at,
        )
        user_id = nominator.slack_id
    try:
        channel, ts = send_in_job(deps, run, user_id, reply, what="a nominator's request to confirm")
    except PostError:
        return
    with deps.session_factory.begin() as session:
        stored = nominations.get_nominator(session, nominator_id)
        if stored is not None:
            nominations.record_request_sent(session, stored, channel, ts, run.now)


def _tell_candidate(deps: AppDeps, run: JobRun, nomination: NominationRecord, reply: Reply) -> None:
    # A candidate not on Slack hears through whoever nominated them.
    to = nomination.candidate_slack_id or nomination.submitted_by
    try:
        send_in_job(deps, run, to, reply, what="a notice to a candidate")
    except PostError:
        return


def _notify_declined(deps: AppDeps, run: JobRun) -> None:
    with deps.session_factory() as session:
        nominator = nominations.get_nominator(session, int(run.payload["nominator_id"]))
        if nominator is None or nominator.status != nominations.DECLINED:
            return
        n = nominator.nomination
        reply = nominator_views.declined_notice(
            nominator.slack_id, position_title(deps.roles, n.position_key), n.election.name
        )
    _tell_candidate(deps, run, n, reply)


def _notify_valid(deps: AppDeps, run: JobRun) -> None:
    with deps.session_factory() as session:
        n = nominations.get(session, int(run.payload["nomination_id"]))
        if n is None or nominations.status_of(n) is not NominationStatus.VALID:
            return
        reply = nominator_views.valid_notice(position_title(deps.roles, n.position_key), n.election.name)
    _tell_candidate(deps, run, n, reply)


def jobs(deps: AppDeps) -> list[Job]:
    return [
        Job(nominations.NOTIFY_JOB, partial(_notify_nominator, deps)),
        Job(nominations.DECLINED_JOB, partial(_notify_declined, deps)),
        Job(nominations.VALID_JOB, partial(_notify_valid, deps)),
    ]


def register(deps: AppDeps) -> None:
    deps.jobs.register(*jobs(deps))
