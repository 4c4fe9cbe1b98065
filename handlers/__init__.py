"""register(app, deps): every Slack surface the bot listens on."""

from __future__ import annotations

import json
import logging
import re
from typing import Any

from slack_bolt import Ack, App, BoltResponse

from bot.deps import AppDeps
from bot.views.common import failure_view

log = logging.getLogger(__name__)


def register(app: App, deps: AppDeps) -> None:
    from handlers import (
        calendar,
        commands,
        elections,
        home,
        meetings,
        member_data,
        middleware,
        nominations,
        officers,
        organisation,
        questions,
        roles,
    )

    middleware.register(app, deps)
    commands.register(app, deps)
    for feature in (
        roles,
        questions,
        officers,
        member_data,
        home,
        meetings,
        calendar,
        elections,
        nominations,
        organisation,
    ):
        feature.register(app, deps)

    # Registered last: any event no feature listens for is still acknowledged, so Slack does
    # not retry it or count it as a failure.
    @app.event(re.compile(".*"))
    def acknowledge_other_events(ack: Ack) -> None:
        ack()

    @app.error
    def on_error(error: Exception, body: dict[str, Any]) -> BoltResponse:
        # One error path: the traceback goes to the log, the member gets a plain answer.
        log.error("unhandled error type=%s", body.get("type", "?"), exc_info=error)
        if body.get("type") == "view_submission":
            # Pushed on top of the form, so closing it brings back everything they typed.
            answer = {"response_action": "push", "view": failure_view().to_dict()}
            return BoltResponse(
                status=200, body=json.dumps(answer), headers={"content-type": "application/json"}
            )
        return BoltResponse(status=200, body="")
