"""Members' calendars and answers: Add to calendar, Going and Send apologies (with its modal),
and the jobs that send calendar updates, the Secretary's list and purge old answers. Listeners
ack first; the work is in bot/flows/calendar.py (Slack side) over bot/services/calendar.py and
apologies.py."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, Respond

from bot.deps import AppDeps
from bot.flows import calendar as flow
from bot.views import calendar as views


def register(app: App, deps: AppDeps) -> None:
    def ack_only(ack: Ack) -> None:
        ack()

    def lazy(fn: Any) -> Any:
        def run(body: dict[str, Any], respond: Respond) -> None:
            fn(deps, body, respond)

        return run

    app.action(views.ADD_ONE)(ack=ack_only, lazy=[lazy(flow.add_to_calendar)])
    app.action(views.ADD_SERIES)(ack=ack_only, lazy=[lazy(flow.add_to_calendar)])
    app.action(views.GOING)(ack=ack_only, lazy=[lazy(flow.going)])
    app.action(views.SEND_APOLOGIES)(ack=ack_only, lazy=[lazy(flow.open_apologies)])

    def submitted(ack: Ack, body: dict[str, Any]) -> None:
        flow.submit_apologies(deps, ack, body)

    app.view(views.APOLOGIES_MODAL)(submitted)
    deps.jobs.register(*flow.jobs(deps))
    deps.jobs.on_startup(lambda: flow.schedule_purges(deps))
