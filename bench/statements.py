"""SQL statements per surface: the real bot in this process, its engine's statements counted.

The bot is built as `serve` builds it (`build_runtime`, the WSGI app) and served on loopback
by wsgiref; each surface is sent once to warm what the bot keeps in memory, then once
counted, from the request to the last statement of its work after the acknowledgement.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from sqlalchemy import event

from bench.surfaces import Client, Finishes, Surface, set_response_base
from bot.config import Settings, parse_org_config
from bot.fake_slack import FakeSlack
from bot.runtime import build_runtime

SECRET = "bench-signing-secret"


class _Server(WSGIServer):
    daemon_threads = True


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


class Counter:
    """Statements run, and when the last statement or Web API call was seen."""

    def __init__(self, fake: FakeSlack) -> None:
        self._lock = threading.Lock()
        self.fake = fake
        self.count = 0
        self.calls = 0
        self.last = time.monotonic()

    def __call__(self, *_args: Any) -> None:
        with self._lock:
            self.count += 1
            self.last = time.monotonic()

    def settle(self, quiet: float = 0.2, limit: float = 10.0) -> int:
        """The count once neither a statement nor a Web API call has come for `quiet` seconds
        (the work after the acknowledgement has ended)."""
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            calls = len(self.fake.calls)
            with self._lock:
                if calls != self.calls:
                    self.calls, self.last = calls, time.monotonic()
                idle = time.monotonic() - self.last
                if idle >= quiet:
                    return self.count
            time.sleep(min(quiet - idle, 0.05))
        with self._lock:
            return self.count


@contextmanager
def bot_in_process(database_url: str, org: dict[str, Any], fake: FakeSlack) -> Iterator[tuple[int, Counter]]:
    settings = Settings(
        slack_bot_token="xoxb-bench-token",
        slack_signing_secret=SECRET,
        slack_api_url=fake.api_url,
        database_url=database_url,
    )
    runtime = build_runtime(settings, org=parse_org_config(org), verified_before=True)  # as serve --http
    counter = Counter(fake)
    event.listen(runtime.engine, "before_cursor_execute", counter)
    server = make_server("127.0.0.1", 0, runtime.http_app(), _Server, _Quiet)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    try:
        yield server.server_port, counter
    finally:
        server.shutdown()
        server.server_close()
        runtime.engine.dispose()


def count_statements(
    database_url: str,
    org: dict[str, Any],
    surfaces: Sequence[Surface],
    fake: FakeSlack | None = None,
    quiet: float = 0.2,
) -> dict[str, int]:
    """Statements each surface runs, warm, from its request to the end of its work (once
    neither a statement nor a Web API call has come for `quiet` seconds)."""
    own = fake is None
    fake = fake or FakeSlack().start()
    set_response_base(fake)
    finishes = Finishes(fake)
    counts: dict[str, int] = {}
    try:
        with bot_in_process(database_url, org, fake) as (port, counter):
            client = Client(port, SECRET, finishes)
            try:
                for n, surface in enumerate(surfaces):
                    for attempt in range(2):  # the first warms what the bot caches
                        if surface.setup is not None:
                            surface.setup(0, 2 * n + attempt, client)
                        before = counter.settle(quiet)
                        request = surface.make(0, 2 * n + attempt)
                        status, _, _, finished = client.send(request)
                        if status != 200 or (request.done is not None and finished is None):
                            raise RuntimeError(f"{surface.name}: HTTP {status}, finished: {finished}")
                        counts[surface.name] = counter.settle(quiet) - before
            finally:
                client.close()
    finally:
        if own:
            fake.stop()
    return counts
