"""De-duplication of Slack's retried deliveries.

Over HTTP Slack retries an event it thinks was not delivered (X-Slack-Retry-Num); in Socket
Mode Bolt drops the retry fields, so the event id itself is the key in both cases.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from slack_bolt import App, BoltRequest, BoltResponse
from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError

from bot.deps import AppDeps
from bot.jobs import JobRun
from models.foundation import SlackDelivery

log = logging.getLogger(__name__)

PRUNE_JOB_KIND = "maintenance.prune-deliveries"
KEEP_DELIVERIES = timedelta(days=2)


def delivery_key(body: dict[str, Any]) -> str | None:
    if body.get("type") == "event_callback" and body.get("event_id"):
        return f"event:{body['event_id']}"
    return None


def first_delivery(deps: AppDeps, key: str) -> bool:
    """Record the delivery; False if it was recorded before (a retry)."""
    try:
        with deps.session_factory.begin() as session:
            session.add(SlackDelivery(key=key, seen_at=deps.clock.now()))
    except IntegrityError:
        return False
    return True


def register(app: App, deps: AppDeps) -> None:
    def deduplicate(
        body: dict[str, Any], request: BoltRequest, next: Callable[[], BoltResponse]
    ) -> BoltResponse | None:
        key = delivery_key(body)
        if key is not None and not first_delivery(deps, key):
            retry = request.headers.get("x-slack-retry-num", [""])[0]
            log.info("duplicate delivery skipped key=%s retry=%s", key, retry or "-")
            return BoltResponse(status=200, body="")
        next()
        return None

    app.use(deduplicate)

    def prune(run: JobRun) -> None:
        with deps.session_factory.begin() as session:
            session.execute(delete(SlackDelivery).where(SlackDelivery.seen_at < run.now - KEEP_DELIVERIES))
            deps.jobs.schedule(
                session,
                kind=PRUNE_JOB_KIND,
                key=f"{PRUNE_JOB_KIND}:{(run.now + timedelta(days=1)).date()}",
                due_at=run.now + timedelta(days=1),
            )

    def schedule_prune() -> None:
        now = deps.clock.now()
        with deps.session_factory.begin() as session:
            deps.jobs.schedule(session, kind=PRUNE_JOB_KIND, key=f"{PRUNE_JOB_KIND}:{now.date()}", due_at=now)

    deps.jobs.register(PRUNE_JOB_KIND, prune)
    deps.jobs.on_startup(schedule_prune)
