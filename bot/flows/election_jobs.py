"""The election's jobs: announce at opening, remind 48 hours before closing, close with a
summary to each admin, and purge the nomination data retention_days after closing.

Each job is claimed by one process (bot/jobs.py); channel posts go out exactly once
(bot/services/delivery.py, bot/slack_outbox.py).
"""

from __future__ import annotations

import logging
from datetime import datetime
from functools import partial

from bot.deliver import post_job, send_in_job
from bot.deps import AppDeps
from bot.jobs import Job, JobRun, RetryLater
from bot.services import election_runs, election_store
from bot.services.delivery import PostError
from bot.services.outcomes import Skip
from bot.views import elections as views
from bot.views.common import Reply

log = logging.getLogger(__name__)


def _post_to_announcements(deps: AppDeps, run: JobRun, reply: Reply, due: datetime) -> bool:
    """Post a job's message in the announcements channel exactly once; `due` is when it first
    fell due. A passing fault is retried by the queue; a refusal (or the last attempt's fault) is
    reported to the admins at once (bot/deliver.py)."""
    channel = deps.org.channels.announcements
    if not channel:
        log.warning("no channels.announcements in the organisation file; %s not posted", run.key)
        return False
    what = (
        "the election announcement" if run.kind == election_store.ANNOUNCE.name else "the election reminder"
    )
    try:
        post_job(deps, run, channel, reply, due=due, what=what)
    except PostError as exc:
        # Reported to the admins at once; the queue keeps trying, so the post goes out as
        # soon as they have invited the bot.
        if not run.last_attempt:
            raise RetryLater(exc.error) from None
        return False
    return True


def _announce(deps: AppDeps, run: JobRun) -> None:
    election_id = int(run.payload["election_id"])
    found = deps.read(election_runs.announcement, deps.roles, election_id, run.now)
    if isinstance(found, Skip):
        return
    reply = views.announcement(found.election_id, found.name, found.titles, found.closes_at)
    if _post_to_announcements(deps, run, reply, found.due):
        deps.write(election_runs.record_posted, election_id, "announced_at", run.now)


def _remind(deps: AppDeps, run: JobRun) -> None:
    election_id = int(run.payload["election_id"])
    found = deps.read(election_runs.reminder, election_id, run.now, run.due_at)
    if isinstance(found, Skip):
        return
    reply = views.reminder(found.election_id, found.name, found.closes_at)
    if _post_to_announcements(deps, run, reply, found.due):
        deps.write(election_runs.record_posted, election_id, "reminded_at", run.now)


def finish_election(deps: AppDeps, election_id: int, now: datetime) -> None:
    """At closing: carry out pending erasure requests, then a summary to each admin (a job
    each, so one admin's failed DM neither blocks nor repeats the others')."""
    deps.write(election_runs.finish, election_id, deps.org.admins, now)


def _summary(deps: AppDeps, run: JobRun) -> None:
    admin = str(run.payload["admin"])
    found = deps.write(election_runs.summary, deps.roles, int(run.payload["election_id"]), admin, run.now)
    if isinstance(found, Skip):
        return
    lines = [views.SummaryLine(i.position, i.candidate, i.status, i.route) for i in found.items]
    for message in views.closing_summary(found.name, found.closes_at, lines):
        try:
            send_in_job(deps, run, admin, message, what="the election's closing summary")
        except PostError:
            return


def _purge(deps: AppDeps, run: JobRun) -> None:
    purged = deps.write(election_runs.purge, int(run.payload["election_id"]), run.now)
    if isinstance(purged, Skip):
        return
    log.info(
        "election %s: %s nominations deleted after the retention period",
        run.payload["election_id"],
        purged.count,
    )


def _close(deps: AppDeps, run: JobRun) -> None:
    finish_election(deps, int(run.payload["election_id"]), run.now)


def jobs(deps: AppDeps) -> list[Job]:
    return [
        Job(election_store.ANNOUNCE, partial(_announce, deps)),
        Job(election_store.REMIND, partial(_remind, deps)),
        Job(election_store.CLOSE, partial(_close, deps)),
        Job(election_store.SUMMARY, partial(_summary, deps)),
        Job(election_store.PURGE, partial(_purge, deps)),
    ]


def register(deps: AppDeps) -> None:
    deps.jobs.register(*jobs(deps))

    def sync_config() -> None:
        problems = deps.write(
            election_store.sync_from_config,
            deps.org.elections,
            [role.key for role in deps.roles.roles],
            deps.clock.now(),
            deps.org.retention_days,
        )
        for problem in problems:
            log.warning("organisation file: %s", problem)

    deps.jobs.on_startup(sync_config)
