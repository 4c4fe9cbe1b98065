"""The bot's Web API client: pointed at SLACK_API_URL, retrying what Slack asks to retry."""

from __future__ import annotations

import threading
from typing import Any

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.handler import RetryHandler
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState

from bot.acks_first import ACKS_FIRST, WORK_TURN
from bot.config import Settings


class Stopping(ConnectionError):
    """The process is stopping: a Slack call's retry was abandoned (nothing more was sent).
    An OSError, so a job treats it as Slack being unreachable (bot/jobs.py)."""


class _UntilStopping(RetryHandler):
    """Retries as ``inner`` does, except once ``stopping`` is set: then no retry is made, and
    a wait before one (backoff, or a 429's Retry-After, in seconds) ends at once."""

    def __init__(self, inner: RetryHandler, stopping: threading.Event) -> None:
        super().__init__(max_retry_count=inner.max_retry_count, interval_calculator=inner.interval_calculator)
        self.inner = inner
        self._stopping = stopping

    def __deepcopy__(self, _memo: dict[int, object]) -> _UntilStopping:
        # Bolt deep-copies a request, its client included, for a lazy listener (the bot has
        # none: bot/listeners.py). Any copy must still see this process's stop (an Event
        # cannot be copied), and a handler keeps no state of its own between calls (that is
        # RetryState's), so it is shared.
        return self

    def can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if self._stopping.is_set():
            return False
        return self.inner.can_retry(state=state, request=request, response=response, error=error)

    def prepare_for_next_attempt(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        state.next_attempt_requested = True
        if self._stopping.wait(self._delay(state, response)):
            raise Stopping("the bot is stopping")
        state.increment_current_attempt()

    def _delay(self, state: RetryState, response: HttpResponse | None) -> float:
        if response is not None and response.status_code == 429:
            # Slack's Retry-After, in seconds (https://api.slack.com/apis/rate-limits).
            for name, values in response.headers.items():
                if name.lower() == "retry-after" and values:
                    try:
                        return float(values[0]) + 0.5
                    except ValueError:
                        break
            return 1.5
        return float(self.interval_calculator.calculate_sleep_duration(state.current_attempt))


def rate_limit_retries(client: WebClient) -> list[RetryHandler]:
    """``client``'s retry handlers for 429 alone (they stop with the process, as all of them)."""
    return [
        handler
        for handler in client.retry_handlers
        if isinstance(handler, RateLimitErrorRetryHandler)
        or (isinstance(handler, _UntilStopping) and isinstance(handler.inner, RateLimitErrorRetryHandler))
    ]


class GivingWayClient(WebClient):
    """A WebClient whose every call first gives way to requests being answered
    (bot/acks_first.py); a call made while answering one goes at once. Work waiting for Slack's
    answer hands its turn to other work meanwhile (``WorkTurn.given_back``)."""

    def api_call(self, *args: Any, **kwargs: Any) -> Any:
        ACKS_FIRST.give_way()
        with WORK_TURN.given_back():
            return super().api_call(*args, **kwargs)


def make_web_client(settings: Settings, stopping: threading.Event | None = None) -> WebClient:
    """``stopping``: set when the process is asked to stop; retries end then (``Stopping``)."""
    stopping = stopping or threading.Event()
    handlers: list[RetryHandler] = [
        ConnectionErrorRetryHandler(max_retry_count=2),
        # Honours Retry-After on 429.
        RateLimitErrorRetryHandler(max_retry_count=3),
        ServerErrorRetryHandler(max_retry_count=3),
    ]
    return GivingWayClient(
        token=settings.slack_bot_token,
        base_url=settings.slack_api_url,
        timeout=10,
        retry_handlers=[_UntilStopping(handler, stopping) for handler in handlers],
    )
