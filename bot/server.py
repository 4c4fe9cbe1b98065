"""HTTP serving: a WSGI app for /slack/events and /healthz, run by gunicorn.

gunicorn's gthread worker keeps connections alive and answers from a thread pool; with
Bolt's process_before_response the acknowledgement is the HTTP response itself.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any

from gunicorn.app.base import BaseApplication
from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"

StartResponse = Callable[..., Any]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


def make_wsgi_app(app: App) -> WSGIApp:
    slack = SlackRequestHandler(app, path=EVENTS_PATH)

    def wsgi(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == HEALTH_PATH and environ.get("REQUEST_METHOD") in {"GET", "HEAD"}:
            start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "3")])
            return [b"ok\n"]
        if path == EVENTS_PATH:
            return slack(environ, start_response)
        start_response("404 Not Found", [("Content-Type", "text/plain"), ("Content-Length", "10")])
        return [b"not found\n"]

    return wsgi


class GunicornServer(BaseApplication):  # type: ignore[misc]
    """Runs a WSGI app factory in gunicorn; the factory runs in the worker, after the fork."""

    def __init__(
        self,
        factory: Callable[[], WSGIApp],
        port: int,
        host: str = "0.0.0.0",  # noqa: S104 - Slack must reach it
        threads: int = 16,
        workers: int = 1,
        on_worker_start: Callable[[], None] | None = None,
    ) -> None:
        self._factory = factory
        self._options = {
            "bind": f"{host}:{port}",
            "workers": workers,
            "worker_class": "gthread",
            "threads": threads,
            "keepalive": 5,
            "timeout": 60,
            "graceful_timeout": 10,
            "accesslog": None,
            "loglevel": "warning",
        }
        if on_worker_start is not None:
            self._options["post_worker_init"] = lambda _worker: on_worker_start()
        super().__init__()

    def load_config(self) -> None:
        for key, value in self._options.items():
            self.cfg.set(key, value)

    def load(self) -> WSGIApp:
        return self._factory()
