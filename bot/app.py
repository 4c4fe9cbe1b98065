"""create_app(deps) -> App: a factory, so nothing talks to Slack at import or start time."""

from __future__ import annotations

import logging

from slack_bolt import App

from bot.deps import AppDeps

log = logging.getLogger(__name__)


def create_app(deps: AppDeps) -> App:
    app = App(
        # The token travels in the client (pointed at SLACK_API_URL).
        token=None,
        signing_secret=deps.settings.slack_signing_secret or "",
        client=deps.client,
        # Listeners answer inside the acknowledgement; slow work goes to lazy listeners.
        process_before_response=True,
        # auth.test would otherwise be called here, before the port is up.
        token_verification_enabled=False,
        logger=logging.getLogger("slack_bolt"),
    )
    from handlers import register

    register(app, deps)
    return app
