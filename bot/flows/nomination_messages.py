"""The messages a nomination sends as durable jobs: the request to each nominator, and the
candidate hearing of a decline or of a valid nomination. What each says and to whom is a
use case (bot/services/nomination_notices.py); posted through bot/deliver.py with no
transaction open."""

from __future__ import annotations

from functools import partial

from bot.deliver import send_in_job
from bot.deps import AppDeps
from bot.jobs import Job, JobRun
from bot.services import nomination_notices as notices
from bot.services import nominations
from bot.services.delivery import PostError
from bot.services.outcomes import Skip
from bot.services.position_titles import position_title
from bot.views import nominators as nominator_views
from bot.views.common import Reply


def _notify_nominator(deps: AppDeps, run: JobRun) -> None:
    nominator_id = int(run.payload["nominator_id"])
    request = deps.read(notices.request_to_send, nominator_id, run.now)
    if isinstance(request, Skip):
        return
    reply = nominator_views.nominator_request(
        request.nomination_id,
        request.nominator_slack_id,
        request.candidate_name,
        request.candidate_slack_id,
        request.submitted_by,
        position_title(deps.roles, request.position_key),
        request.election_name,
        request.closes_at,
    )
    try:
        channel, ts = send_in_job(
            deps, run, request.nominator_slack_id, reply, what="a nominator's request to confirm"
        )
    except PostError:
        return
    deps.write(notices.record_request_sent, nominator_id, channel, ts, run.now)


def _tell_candidate(deps: AppDeps, run: JobRun, notice: notices.CandidateNotice, reply: Reply) -> None:
    try:
        send_in_job(deps, run, notice.to, reply, what="a notice to a candidate")
    except PostError:
        return


def _notify_declined(deps: AppDeps, run: JobRun) -> None:
    notice = deps.read(notices.declined_notice, int(run.payload["nominator_id"]))
    if isinstance(notice, Skip):
        return
    reply = nominator_views.declined_notice(
        notice.declined_by, position_title(deps.roles, notice.position_key), notice.election_name
    )
    _tell_candidate(deps, run, notice, reply)


def _notify_valid(deps: AppDeps, run: JobRun) -> None:
    notice = deps.read(notices.valid_notice, int(run.payload["nomination_id"]))
    if isinstance(notice, Skip):
        return
    reply = nominator_views.valid_notice(
        position_title(deps.roles, notice.position_key), notice.election_name
    )
    _tell_candidate(deps, run, notice, reply)


def jobs(deps: AppDeps) -> list[Job]:
    return [
        Job(nominations.NOTIFY_JOB, partial(_notify_nominator, deps)),
        Job(nominations.DECLINED_JOB, partial(_notify_declined, deps)),
        Job(nominations.VALID_JOB, partial(_notify_valid, deps)),
    ]


def register(deps: AppDeps) -> None:
    deps.jobs.register(*jobs(deps))
