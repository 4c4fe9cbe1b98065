"""register(app, deps): every Slack surface the bot listens on."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App, BoltResponse

from bot.deps import AppDeps

log = logging.getLogger(__name__)


def register(app: App, deps: AppDeps) -> None:
    from handlers import commands, middleware, roles
    from handlers import questions

    middleware.register(app, deps)
    commands.register(app, deps)
    for feature in (
        roles,
        questions,
        # features add their handler module here
    ):
        feature.register(app, deps)

    @app.error
    def on_error(error: Exception, body: dict[str, Any]) -> BoltResponse:
        # One error path: the traceback goes to the log, the member gets a plain answer.
        log.error("unhandled error type=%s", body.get("type", "?"), exc_info=error)
        return BoltResponse(status=200, body="")
