"""The election's jobs: announce at opening, remind 48 hours before closing, close with a
summary to each admin, and purge the nomination data retention_days after closing.

Each job is claimed by one process (bot/jobs.py); channel posts go out exactly once
(bot/services/delivery.py, bot/slack_outbox.py).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from functools import partial

from bot.deliver import post_job, send_in_job
from bot.deps import AppDeps
from bot.jobs import Job, JobRun, RetryLater
from bot.services import audit, election_store, nominations
from bot.services.delivery import PostError
from bot.services.elections import reminder_at
from bot.services.position_titles import position_title
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
    with deps.session_factory() as session:
        record = election_store.get(session, int(run.payload["election_id"]))
        if record is None or record.announced_at is not None or record.closes_at <= run.now:
            return
        titles = [position_title(deps.roles, key) for key in record.positions]
        reply = views.announcement(record.id, record.name, titles, record.closes_at)
        due = record.opens_at
    if _post_to_announcements(deps, run, reply, due):
        _stamp(deps, int(run.payload["election_id"]), "announced_at", run.now)


def _remind(deps: AppDeps, run: JobRun) -> None:
    with deps.session_factory() as session:
        record = election_store.get(session, int(run.payload["election_id"]))
        if record is None or record.reminded_at is not None or record.closes_at <= run.now:
            return
        reply = views.reminder(record.id, record.name, record.closes_at)
        due = reminder_at(election_store.to_election(record)) or run.due_at
    if _post_to_announcements(deps, run, reply, due):
        _stamp(deps, int(run.payload["election_id"]), "reminded_at", run.now)


def _stamp(deps: AppDeps, election_id: int, column: str, now: datetime) -> None:
    with deps.session_factory.begin() as session:
        record = election_store.get(session, election_id)
        if record is not None:
            setattr(record, column, now)


def finish_election(deps: AppDeps, election_id: int, now: datetime) -> None:
    """At closing: carry out pending erasure requests, then a summary to each admin (a job
    each, so one admin's failed DM neither blocks nor repeats the others')."""
    with deps.session_factory.begin() as session:
        record = election_store.get(session, election_id)
        if record is None or record.summary_sent_at is not None or record.closes_at > now:
            return
        nominations.forget_flagged(session, record.id)
        for admin in deps.org.admins:
            election_store.SUMMARY.schedule(
                session, record.id, admin, due_at=now, payload={"election_id": record.id, "admin": admin}
            )
        record.summary_sent_at = now


def _summary(deps: AppDeps, run: JobRun) -> None:
    with deps.session_factory.begin() as session:
        record = election_store.get(session, int(run.payload["election_id"]))
        if record is None or record.purged_at is not None:
            return
        audit.record_admin_read(
            session, str(run.payload["admin"]), f"closing summary of {record.name}", run.now
        )
        lines = [
            views.SummaryLine(
                position_title(deps.roles, n.position_key),
                n.candidate_name,
                nominations.status_of(n),
                n.route,
            )
            for n in nominations.list_for_admin(session, record.id)
        ]
        messages = views.closing_summary(record.name, record.closes_at, lines)
    for message in messages:
        try:
            send_in_job(deps, run, str(run.payload["admin"]), message, what="the election's closing summary")
        except PostError:
            return


def _purge(deps: AppDeps, run: JobRun) -> None:
    with deps.session_factory.begin() as session:
        record = election_store.get(session, int(run.payload["election_id"]))
        if record is None or record.purged_at is not None:
            return
        if record.closes_at.astimezone(UTC) > run.now:
            return  # closing moved later; the purge job was moved with it
        count = nominations.purge_election(session, record, run.now)
    log.info(
        "election %s: %s nominations deleted after the retention period", run.payload["election_id"], count
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
        with deps.session_factory.begin() as session:
            problems = election_store.sync_from_config(
                session,
                deps.org.elections,
                [role.key for role in deps.roles.roles],
                deps.clock.now(),
                deps.org.retention_days,
            )
        for problem in problems:
            log.warning("organisation file: %s", problem)

    deps.jobs.on_startup(sync_config)
