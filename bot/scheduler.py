"""APScheduler only wakes the durable job queue; every job lives in the database (bot/jobs.py).

Its own cron and interval triggers are not used for meeting times: they have a record of
daylight-saving bugs, and its job stores must not be shared between processes.
"""

from __future__ import annotations

import logging

from apscheduler.schedulers.background import BackgroundScheduler

from bot.acks_first import working
from bot.jobs import JobQueue
from bot.memory import release_freed_memory

log = logging.getLogger(__name__)

TICK_JOB_ID = "liec-job-queue-tick"


def build_scheduler(queue: JobQueue, tick_seconds: float = 5.0) -> BackgroundScheduler:
    scheduler = BackgroundScheduler(timezone="UTC")
    scheduler.add_job(
        _tick,
        "interval",
        args=[queue],
        seconds=tick_seconds,
        id=TICK_JOB_ID,
        replace_existing=True,
        max_instances=1,  # a long tick is never overlapped by the next one
        coalesce=True,
    )
    return scheduler


def _tick(queue: JobQueue) -> None:
    try:
        with working():  # requests get the interpreter sooner from the jobs
            queue.run_due()
    except Exception:
        # The database may be briefly unreachable; the next tick tries again.
        log.exception("job queue tick failed")
    # What the requests and jobs since the last tick freed goes back to the system.
    release_freed_memory()
