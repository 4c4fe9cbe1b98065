"""Requests refused before any listener: those that do not say which member acts, and
Slack's retried deliveries (de-duplicated).

Over HTTP Slack retries an event it thinks was not delivered (X-Slack-Retry-Num); in Socket
Mode Bolt drops the retry fields, so the event id itself is the key in both cases.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from slack_bolt import App, BoltRequest, BoltResponse

from bot.deps import AppDeps
from bot.jobs import JobRun
from bot.services.slack_deliveries import delivery_key, first_delivery, forget_deliveries_before
from bot.services.slack_payloads import refused

log = logging.getLogger(__name__)

PRUNE_JOB_KIND = "maintenance.prune-deliveries"
KEEP_DELIVERIES = timedelta(days=2)  # Slack retries for minutes; two days is ample


def register(app: App, deps: AppDeps) -> None:
    def deduplicate(
        body: dict[str, Any],
        request: BoltRequest,
        next: Callable[[], BoltResponse],
    ) -> BoltResponse | None:
        key = delivery_key(body)
        if key is not None and not first_delivery(deps.session_factory, key, deps.clock.now()):
            retry = request.headers.get("x-slack-retry-num", [""])[0]
            log.info("duplicate delivery skipped key=%s retry=%s", key, retry or "-")
            return BoltResponse(status=200, body="")
        next()
        return None

    def require_user(body: dict[str, Any], next: Callable[[], BoltResponse]) -> BoltResponse | None:
        # Before any listener: its checks compare this id with an item's owner.
        if refused(body):
            log.warning("request without a user refused type=%s", body.get("type") or "command")
            return BoltResponse(status=400, body="This request does not say which Slack user sent it.")
        next()
        return None

    app.use(require_user)
    app.use(deduplicate)

    def prune(run: JobRun) -> None:
        tomorrow = run.now + timedelta(days=1)
        with deps.session_factory.begin() as session:
            forget_deliveries_before(session, run.now - KEEP_DELIVERIES)
            deps.jobs.schedule(
                session, kind=PRUNE_JOB_KIND, key=f"{PRUNE_JOB_KIND}:{tomorrow.date()}", due_at=tomorrow
            )

    def schedule_prune() -> None:
        now = deps.clock.now()
        with deps.session_factory.begin() as session:
            deps.jobs.schedule(session, kind=PRUNE_JOB_KIND, key=f"{PRUNE_JOB_KIND}:{now.date()}", due_at=now)

    deps.jobs.register(PRUNE_JOB_KIND, prune)
    deps.jobs.on_startup(schedule_prune)
