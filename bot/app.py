"""create_app(deps) -> App: a factory, so nothing talks to Slack at import or start time."""

from __future__ import annotations

import logging
from concurrent.futures import Executor, ThreadPoolExecutor
from typing import Any

from slack_bolt import App
from slack_bolt.authorization import AuthorizeResult
from slack_bolt.authorization.authorize import Authorize
from slack_bolt.context import BoltContext
from slack_sdk import WebClient

from bot.acks_first import SwitchingExecutor
from bot.deps import AppDeps

AFTER_ACK_THREADS = 5
"""Threads for the work after acknowledgements: Bolt's own default pool's size."""

log = logging.getLogger(__name__)


class _DeliberateTokenSetup(logging.Filter):
    """Bolt reads SLACK_BOT_TOKEN itself and warns that it goes unused: here that is the design
    (the token reaches Bolt through `authorize`), so the warning would only mislead."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        return not ("`token`" in message and ("will be unused" in message or "will be ignored" in message))


class OneWorkspace(Authorize):
    """One workspace, one token. Bolt's default would call auth.test on the first request, so a
    command that needs nothing from Slack would fail while Slack is unreachable. An
    ``Authorize`` object rather than a function: Bolt calls a function through its argument
    injection, a dict of a dozen arguments built at every request."""

    def __init__(self, token: str) -> None:
        self.token = token

    def __call__(
        self,
        *,
        context: BoltContext,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None,
        **_: Any,
    ) -> AuthorizeResult:
        return AuthorizeResult(enterprise_id=enterprise_id, team_id=team_id, bot_token=self.token)


def create_app(
    deps: AppDeps, listener_executor: Executor | None = None, *, verified_before: bool = False
) -> App:
    """The Bolt app with every feature registered. `listener_executor` runs the work after
    acknowledgements (`AppDeps.run_after_ack`; a pool of AFTER_ACK_THREADS when None); the tests
    pass one that can tell when it is done.
    `verified_before`: every request reaches Bolt through `bot.server.make_wsgi_app` with the
    signing secret, which has verified Slack's signature already (or through Socket Mode, which
    needs none), so Bolt does not verify it a second time."""
    token = deps.settings.slack_bot_token or ""

    authorize = OneWorkspace(token)

    bolt_logger = logging.getLogger("slack_bolt")
    if not any(isinstance(f, _DeliberateTokenSetup) for f in bolt_logger.filters):
        bolt_logger.addFilter(_DeliberateTokenSetup())
    # The work after acknowledgements switches threads every millisecond and runs one thread
    # at a time, so that a request being answered meanwhile gets the interpreter sooner
    # (bot/acks_first.py).
    after_ack = SwitchingExecutor(listener_executor or ThreadPoolExecutor(AFTER_ACK_THREADS))
    deps.after_ack = after_ack
    app = App(
        # Named: unnamed, Bolt names the app after its caller's file through inspect.stack(),
        # which reads the source of every frame (30 ms and more of the start).
        name="liec-bot",
        authorize=authorize,
        signing_secret=deps.settings.slack_signing_secret or "",
        request_verification_enabled=not verified_before,
        # Same address and retries as deps.client; the token comes from `authorize` per request.
        client=WebClient(
            base_url=deps.client.base_url,
            timeout=deps.client.timeout,
            retry_handlers=deps.client.retry_handlers,
        ),
        # Listeners answer inside the acknowledgement; slow work follows it (bot/listeners.py).
        process_before_response=True,
        # auth.test would otherwise be called here, before the port is up.
        token_verification_enabled=False,
        logger=bolt_logger,
        # Bolt runs no listener on it (every listener answers inside the acknowledgement, and
        # none is a lazy listener: bot/listeners.py); given so that Bolt starts no pool of its own.
        listener_executor=after_ack,
    )

    from handlers import register

    register(app, deps)
    return app
