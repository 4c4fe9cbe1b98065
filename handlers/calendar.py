"""Members' calendars and answers: Add to calendar, Going and Send apologies (with its modal),
and the jobs that send calendar updates, the Secretary's list and purge old answers. Listeners
ack first; the work is in bot/flows/calendar.py (Slack side) over bot/services/calendar.py and
apologies.py."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack

from bot.deps import AppDeps
from bot.flows import calendar as flow
from bot.listeners import after_ack
from bot.routes import Routes
from bot.views import calendar as views


def register(routes: Routes, deps: AppDeps) -> None:
    routes.action(views.ADD_ONE)(after_ack(deps, flow.add_to_calendar))
    routes.action(views.ADD_SERIES)(after_ack(deps, flow.add_to_calendar))
    routes.action(views.GOING)(after_ack(deps, flow.going))
    routes.action(views.SEND_APOLOGIES)(after_ack(deps, flow.open_apologies))

    def submitted(ack: Ack, body: dict[str, Any]) -> None:
        flow.submit_apologies(deps, ack, body)

    routes.view(views.APOLOGIES_MODAL)(submitted)
    deps.jobs.register(*flow.jobs(deps))
    deps.jobs.on_startup(lambda: flow.schedule_purges(deps))
