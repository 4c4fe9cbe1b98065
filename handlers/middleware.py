"""Requests refused before any listener: those that do not say which member acts, and
Slack's retried deliveries (de-duplicated).

Over HTTP Slack retries an event it thinks was not delivered (X-Slack-Retry-Num); in Socket
Mode Bolt drops the retry fields, so the event id itself is the key in both cases.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.middleware import Middleware
from sqlalchemy.orm import Session

from bot.deps import AppDeps
from bot.jobs import Job, JobKind, JobRun
from bot.services.slack_deliveries import (
    checked_after_ack,
    delivery_key,
    first_delivery,
    forget_deliveries_before,
)
from bot.services.slack_payloads import refused

log = logging.getLogger(__name__)

PRUNE = JobKind("maintenance.prune-deliveries", ("day",))
KEEP_DELIVERIES = timedelta(days=2)  # Slack retries for minutes; two days is ample


def _prune(session: Session, before: datetime, next_at: datetime) -> None:
    forget_deliveries_before(session, before)
    PRUNE.schedule(session, next_at.date(), due_at=next_at)


class _RequireUser(Middleware):
    """Before any listener: its checks compare this id with an item's owner.

    The middleware here are Middleware objects rather than functions: Bolt calls a function
    through its argument injection, which builds a dict of some thirty arguments for each
    middleware at each request (about a fifth of the role card's CPU, bench.profile_request).
    """

    def process(
        self, *, req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]
    ) -> BoltResponse | None:
        if refused(req.body):
            log.warning("request without a user refused type=%s", req.body.get("type") or "command")
            return BoltResponse(status=400, body="This request does not say which Slack user sent it.")
        next()
        return None


class _Deduplicate(Middleware):
    def __init__(self, deps: AppDeps) -> None:
        self.deps = deps

    def process(
        self, *, req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]
    ) -> BoltResponse | None:
        key = None if checked_after_ack(req.body) else delivery_key(req.body)
        if key is not None and not self.deps.write(first_delivery, key, self.deps.clock.now()):
            retry = req.headers.get("x-slack-retry-num", [""])[0]
            log.info("duplicate delivery skipped key=%s retry=%s", key, retry or "-")
            return BoltResponse(status=200, body="")
        next()
        return None


def register(app: App, deps: AppDeps) -> None:
    app.use(_RequireUser())
    app.use(_Deduplicate(deps))

    def prune(run: JobRun) -> None:
        tomorrow = run.now + timedelta(days=1)
        deps.write(_prune, run.now - KEEP_DELIVERIES, tomorrow)

    def schedule_prune() -> None:
        now = deps.clock.now()
        deps.write(PRUNE.schedule, now.date(), due_at=now)

    deps.jobs.register(Job(PRUNE, prune))
    deps.jobs.on_startup(schedule_prune)
