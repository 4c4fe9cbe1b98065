"""The Home tab: app_home_opened -> one views.publish, built from the database.

The event is acknowledged at once; the view is built after the acknowledgement and
published with the only Slack call of the open. Time zones the tab needs and does not have
(or has from more than a week ago) are read from Slack by a background job, for next time.
"""

from __future__ import annotations

import logging
from functools import partial
from typing import Any

from slack_bolt import BoltContext
from slack_sdk.errors import SlackApiError

from bot import deliver
from bot.deps import AppDeps
from bot.flows.question_delivery import alert_setup
from bot.jobs import Job, JobRun, RetryLater
from bot.listeners import ASKED_AT, acknowledged
from bot.routes import Routes
from bot.services import home, member_timezones, questions, slack_setup
from bot.services.slack_deliveries import delivery_key, first_delivery
from bot.services.tz_regions import Region
from bot.shared_reads import SharedReads
from bot.views import home as views

log = logging.getLogger(__name__)

# users.info answers that mean there is no one to read a time zone from.
GONE = frozenset({"user_not_found", "users_not_found", "account_inactive", "user_disabled"})


# Admins and officers opening their tabs at the same moment share one read of the part they
# all see alike. A shared read always begins after its callers asked, so it is never stale.
_ADMIN_COUNTS = SharedReads()


def publish_home(deps: AppDeps, user_id: str, asked_at: float | None = None) -> None:
    """Build the member's tab and publish it. ``asked_at``: ``time.monotonic()`` when the
    member opened it (the event's arrival), which lets the admins' shared counts be a read
    already running since then (bot/shared_reads.py); None: a read begun after this call."""
    counts = None
    if home.sees_admin_part(deps.org, user_id):
        counts = _ADMIN_COUNTS.get(
            None,
            lambda: deps.read(home.kept_admin_counts, deps.admin_counts, deps.roles, deps.clock.now()),
            asked_at,
        )
    now = deps.clock.now()
    data = deps.read(home.build_home, deps.org, deps.roles, user_id, now, deps.upcoming_meetings, counts)
    if data.timezones_to_refresh:
        deps.write(home.schedule_timezone_refresh, data.timezones_to_refresh, now)
    deliver.publish_home(deps, user_id, views.home_view(data))


def refresh_timezone(deps: AppDeps, run: JobRun) -> None:
    user_id = str(run.payload["user_id"])
    try:
        answer = deps.client.users_info(user=user_id)
    except SlackApiError as exc:
        error = str(exc.response.get("error", "")) if exc.response is not None else ""
        if slack_setup.is_setup_error(error):
            # No retry will cure it: the admins are told once; the tab keeps saying it is reading.
            alert_setup(deps, "users.info", error, "members' time zones cannot be read")
            return
        if error not in GONE:
            raise RetryLater(error or "slack_error") from None
        tz = None
    else:
        user: dict[str, Any] = answer.get("user") or {}
        value = user.get("tz")
        tz = value if isinstance(value, str) and not user.get("deleted") else None
    deps.write(member_timezones.store, user_id, tz, deps.clock.now())


def refresh_coordinators(deps: AppDeps) -> None:
    """At start: the coordinators' local times appear on members' tabs from the first open."""
    now = deps.clock.now()
    people = sorted({user for region in Region for user in questions.coordinators(deps.org, region)})
    deps.write(home.refresh_stale_timezones, people, now)


def register(routes: Routes, deps: AppDeps) -> None:
    def opened(event: dict[str, Any], body: dict[str, Any], context: BoltContext) -> None:
        # Slack's retries are recognised here, after the acknowledgement (the middleware
        # leaves this event to us, so the acknowledgement waits on no write): the delivery is
        # claimed first, so a retry arriving while the first is built publishes nothing.
        key = delivery_key(body)
        if key is not None and not deps.write(first_delivery, key, deps.clock.now()):
            # The middleware's line for the other events: a skipped retry leaves a trace.
            log.info("duplicate delivery skipped key=%s", key)
            return
        if event.get("tab", "home") == "home" and event.get("user"):
            publish_home(deps, str(event["user"]), context.get(ASKED_AT))

    routes.event("app_home_opened")(acknowledged(deps, opened))
    deps.jobs.register(Job(member_timezones.REFRESH, partial(refresh_timezone, deps)))
    deps.jobs.on_startup(lambda: refresh_coordinators(deps))
