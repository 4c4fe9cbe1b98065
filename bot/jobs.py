"""The durable job queue: scheduled work lives in the database, not in a scheduler's memory.

Each job is a row with a unique key. Any number of bot processes may call `run_due`; a
conditional UPDATE claims each row, so exactly one process runs it. A process that dies
while running a job leaves a lease that expires; the job is then claimed again and its
handler is told (`JobRun.recovered`) so it can check whether the work already happened.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.clock import Clock
from bot.services.rows import add_unless_raced
from models.foundation import ScheduledJob

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=5)
MAX_ATTEMPTS = 5
UNREACHABLE_MAX_DELAY = 300  # seconds between tries while Slack cannot be reached


@dataclass(frozen=True)
class JobRun:
    kind: str
    key: str
    payload: dict[str, Any]
    due_at: datetime
    now: datetime
    attempt: int
    recovered: bool  # an earlier run was claimed and never recorded (crash or kill)
    attempts: int = MAX_ATTEMPTS  # what its kind allows (JobKind.attempts)

    @property
    def late_by(self) -> timedelta:
        return max(self.now - self.due_at, timedelta(0))

    @property
    def last_attempt(self) -> bool:
        """No retry follows this run: a passing fault now is the end of it."""
        return self.attempt >= self.attempts


@dataclass(frozen=True)
class JobKind:
    """A kind of scheduled work, declared once: its name (stored in each row), how its keys
    are built (the only place they are built), and its failure policy.

    A key is `prefix:part1:part2...[:suffix]` (prefix defaults to the name). `attempts`: how many
    runs a passing fault (RetryLater) gets before the job is marked failed.
    """

    name: str
    parts: tuple[str, ...]
    prefix: str = ""
    suffix: str = ""  # a last fixed part, e.g. "agenda"
    attempts: int = MAX_ATTEMPTS

    def key(self, *values: object) -> str:
        if len(values) != len(self.parts):
            raise TypeError(f"a {self.name} key has the parts {self.parts}, not {values!r}")
        fixed = [self.suffix] if self.suffix else []
        return ":".join([self.prefix or self.name, *(str(v) for v in values), *fixed])

    def key_prefix(self, *values: object) -> str:
        """The start of every key whose first parts are `values` (for cancel_prefix)."""
        if len(values) >= len(self.parts):
            raise TypeError(f"a {self.name} key prefix has fewer parts than {self.parts}")
        return ":".join([self.prefix or self.name, *(str(v) for v in values)]) + ":"

    def schedule(
        self, session: Session, *values: object, due_at: datetime, payload: dict[str, Any] | None = None
    ) -> ScheduledJob:
        return JobQueue.schedule(
            session, kind=self.name, key=self.key(*values), due_at=due_at, payload=payload
        )

    def cancel(self, session: Session, *values: object) -> bool:
        return JobQueue.cancel(session, self.key(*values))

    def cancel_all(self, session: Session, *values: object) -> int:
        """Withdraw every pending job of this kind whose key starts with `values`."""
        return JobQueue.cancel_prefix(session, self.key_prefix(*values))


class RetryLater(Exception):
    """Raised by a handler for a passing fault: the job is tried again after a backoff."""


JobHandler = Callable[[JobRun], None]


@dataclass(frozen=True)
class Job:
    """A job kind with the function that runs it: what a feature hands to `JobQueue.register`."""

    kind: JobKind
    handler: JobHandler


class JobQueue:
    def __init__(
        self, session_factory: sessionmaker[Session], clock: Clock, stopping: threading.Event | None = None
    ) -> None:
        self._session_factory = session_factory
        self._clock = clock
        # Set when the process is asked to stop (`stop`): no job is claimed after it, and the
        # Slack client's retries and the deliveries' backoff end at once (bot/slack_client.py).
        self.stopping = stopping or threading.Event()
        self._running = 0
        self._idle = threading.Condition()
        self._slack_down = False
        self._handlers: dict[str, JobHandler] = {}
        self._kinds: dict[str, JobKind] = {}
        self._startup: list[Callable[[], None]] = []
        self._tick: list[Callable[[], object]] = []
        self.worker_id = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"

    # Wiring -------------------------------------------------------------------
    def register(self, *jobs: Job) -> None:
        """The one way to wire scheduled work: each feature hands over its `Job`s."""
        for job in jobs:
            name = job.kind.name
            if name in self._handlers:
                raise ValueError(f"a handler for job kind {name!r} is already registered")
            self._handlers[name] = job.handler
            self._kinds[name] = job.kind

    def on_startup(self, fn: Callable[[], None]) -> None:
        """Work to do when the scheduler starts, such as turning the organisation file into jobs."""
        self._startup.append(fn)

    def on_tick(self, fn: Callable[[], object]) -> None:
        """Work done before each run of due jobs, such as taking a newer organisation."""
        self._tick.append(fn)

    def startup(self) -> None:
        for fn in self._startup:
            try:
                fn()
            except Exception:
                log.exception("startup job sync failed: %s", getattr(fn, "__name__", fn))

    # Scheduling ---------------------------------------------------------------
    @staticmethod
    def schedule(
        session: Session,
        *,
        kind: str,
        key: str,
        due_at: datetime,
        payload: dict[str, Any] | None = None,
    ) -> ScheduledJob:
        """Create or move the job with this key. Scheduling the same job again is a no-op,
        so reloading configuration never repeats work already done."""

        def stored() -> ScheduledJob | None:
            return session.scalars(select(ScheduledJob).where(ScheduledJob.key == key)).one_or_none()

        job = stored()
        if job is None:
            new = ScheduledJob(
                kind=kind,
                key=key,
                due_at=due_at,
                payload=payload or {},
                status="pending",
                attempts=0,
            )
            # Another process may plan the same job at the same moment: theirs is moved below.
            job = add_unless_raced(session, new, stored)
            if job is new:
                return job
        same = job.due_at == due_at and job.kind == kind
        if same and job.status in {"pending", "running", "done", "skipped", "failed"}:
            if payload is not None and job.status == "pending":
                job.payload = payload
            return job
        job.kind, job.due_at, job.status, job.attempts = kind, due_at, "pending", 0
        job.lease_until = job.claimed_by = job.finished_at = job.last_error = None
        if payload is not None:
            job.payload = payload
        return job

    @staticmethod
    def cancel(session: Session, key: str) -> bool:
        """Withdraw a job that has not run; True if there was one to withdraw."""
        result = session.execute(
            update(ScheduledJob)
            .where(ScheduledJob.key == key, ScheduledJob.status == "pending")
            .values(status="cancelled")
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    @staticmethod
    def cancel_prefix(session: Session, prefix: str) -> int:
        result = session.execute(
            update(ScheduledJob)
            .where(ScheduledJob.key.startswith(prefix), ScheduledJob.status == "pending")
            .values(status="cancelled")
        )
        return int(result.rowcount)  # type: ignore[attr-defined]

    # Running ------------------------------------------------------------------
    def next_due_at(self) -> datetime | None:
        with self._session_factory() as session:
            return session.scalars(
                select(ScheduledJob.due_at)
                .where(ScheduledJob.status == "pending")
                .order_by(ScheduledJob.due_at)
                .limit(1)
            ).first()

    def run_due(self, limit: int = 200) -> int:
        """Claim and run the jobs that are due; returns how many ran. Safe to call concurrently."""
        for fn in self._tick:
            try:
                fn()
            except Exception:
                log.exception("tick step failed: %s", getattr(fn, "__name__", fn))
        now = self._clock.now()
        with self._session_factory() as session:
            # Uses the (status, due_at) index: the cost does not grow with future jobs.
            candidates = session.execute(
                select(ScheduledJob.id, ScheduledJob.status)
                .where(
                    or_(
                        and_(ScheduledJob.status == "pending", ScheduledJob.due_at <= now),
                        and_(ScheduledJob.status == "running", ScheduledJob.lease_until < now),
                    )
                )
                .order_by(ScheduledJob.due_at)
                .limit(limit)
            ).all()
        ran = 0
        for job_id, status in candidates:
            if self.stopping.is_set():
                break
            with self._idle:
                self._running += 1
            try:
                run = self._claim(job_id, status, now)
                if run is not None:
                    self._run(job_id, run)
                    ran += 1
            finally:
                with self._idle:
                    self._running -= 1
                    self._idle.notify_all()
        return ran

    def stop(self, grace: float) -> bool:
        """Stop running jobs: none is claimed from now on, Slack retries and backoff waits end
        (their job is given back, not failed), the job in hand gets up to ``grace`` seconds to
        end, and any job this process still holds is given back (``release``). Returns whether
        every job ended within ``grace`` (False: one is still blocked, in a Slack call say)."""
        self.stopping.set()
        with self._idle:
            ended = self._idle.wait_for(lambda: self._running == 0, timeout=grace)
        self.release()
        return ended

    def release(self) -> int:
        """Give back every job this process is running, as a killed process's lease would be
        after it ran out, but at once: the next `run_due` of any process claims it again with
        `recovered=True` (so a post that may have gone out is looked for before posting again),
        and the interrupted attempt is not counted. Returns how many were given back."""
        with self._session_factory.begin() as session:
            result = session.execute(
                update(ScheduledJob)
                .where(ScheduledJob.status == "running", ScheduledJob.claimed_by == self.worker_id)
                .values(
                    lease_until=self._clock.now(),
                    claimed_by=None,
                    attempts=ScheduledJob.attempts - 1,
                )
            )
        released = int(result.rowcount)  # type: ignore[attr-defined]
        if released:
            log.info("gave back %d running job(s) for the next start", released)
        return released

    def _claim(self, job_id: int, seen_status: str, now: datetime) -> JobRun | None:
        with self._session_factory.begin() as session:
            condition = (
                ScheduledJob.status == "pending"
                if seen_status == "pending"
                else and_(ScheduledJob.status == "running", ScheduledJob.lease_until < now)
            )
            result = session.execute(
                update(ScheduledJob)
                .where(ScheduledJob.id == job_id, condition)
                .values(
                    status="running",
                    lease_until=now + LEASE,
                    claimed_by=self.worker_id,
                    attempts=ScheduledJob.attempts + 1,
                )
            )
            if result.rowcount != 1:  # type: ignore[attr-defined]
                return None  # another process has it
            job = session.get_one(ScheduledJob, job_id)
            return JobRun(
                kind=job.kind,
                key=job.key,
                payload=dict(job.payload),
                due_at=job.due_at,
                now=now,
                attempt=job.attempts,
                recovered=seen_status == "running",
                attempts=self._attempts(job.kind),
            )

    def _attempts(self, name: str) -> int:
        kind = self._kinds.get(name)
        return kind.attempts if kind is not None else MAX_ATTEMPTS

    def _run(self, job_id: int, run: JobRun) -> None:
        handler = self._handlers.get(run.kind)
        status, error, retry_at = "done", None, None
        if handler is None:
            status, error = "failed", f"no handler for job kind {run.kind!r}"
        else:
            try:
                try:
                    handler(run)
                except Exception:
                    if self.stopping.is_set():
                        return  # interrupted by the stop: `stop` gives it back (`release`), unchanged
                    raise
            except RetryLater as exc:
                error = str(exc) or type(exc).__name__
                if not run.last_attempt:
                    status = "pending"
                    retry_at = self._clock.now() + timedelta(seconds=30 * 2 ** (run.attempt - 1))
                else:
                    status = "failed"
            except OSError as exc:
                # Slack (or the network) cannot be reached: nothing was sent, so try again later,
                # however long it lasts (a reminder judges its own lateness when it runs).
                self._unreachable(exc)
                status, error = "pending", type(exc).__name__
                delay = min(30 * 2 ** min(run.attempt - 1, 5), UNREACHABLE_MAX_DELAY)
                retry_at = self._clock.now() + timedelta(seconds=delay)
            except Exception as exc:
                log.exception("job failed kind=%s key=%s", run.kind, run.key)
                status, error = "failed", type(exc).__name__
        if status == "done":
            self._reachable()
        self._finish(job_id, status, error, retry_at)

    def _unreachable(self, exc: OSError) -> None:
        """One plain line when Slack stops answering, not one (with a traceback) per job."""
        if not self._slack_down:
            self._slack_down = True
            log.warning(
                "cannot reach Slack (%s); due jobs wait and are tried again every few minutes",
                type(exc).__name__,
            )

    def _reachable(self) -> None:
        if self._slack_down:
            self._slack_down = False
            log.warning("Slack can be reached again; waiting jobs are going out")

    def _finish(self, job_id: int, status: str, error: str | None, retry_at: datetime | None) -> None:
        with self._session_factory.begin() as session:
            values: dict[str, Any] = {
                "status": status,
                "last_error": error,
                "lease_until": None,
                "finished_at": self._clock.now() if status != "pending" else None,
            }
            if retry_at is not None:
                values["due_at"] = retry_at
            session.execute(
                update(ScheduledJob)
                .where(ScheduledJob.id == job_id, ScheduledJob.claimed_by == self.worker_id)
                .values(**values)
            )
