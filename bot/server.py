"""HTTP serving: a WSGI app for /slack/events and /healthz, served by waitress.

What an unauthenticated request may cost (README, "Security"):

- waitress reads every request whole in its I/O loop before a worker thread sees it, so a
  client that sends its headers and then trickles or stalls its body holds a socket, never
  one of the threads that answer Slack. A connection idle for ``CHANNEL_TIMEOUT`` seconds is
  closed; ``CONNECTION_LIMIT`` bounds how many sockets are open at once.
- A body over ``MAX_BODY_BYTES`` (1 MiB, several times Slack's largest real payload: a
  view_submission of a 100-block modal) is refused with 413 from its Content-Length, before
  it is read. Headers over ``MAX_HEADER_BYTES`` likewise (431/400).
- The signature (Slack's ``v0`` HMAC-SHA256 of ``v0:{timestamp}:{body}``, timestamp within
  five minutes: https://api.slack.com/authentication/verifying-requests-from-slack) is checked
  here, in time linear in the body, before Bolt parses anything. A refused request gets an
  empty 401 and one log line that names neither its body nor its headers' values.

An answer whose whole body is one chunk (every answer here) goes out in one send with its
status line and headers (``one_send_channel``).
"""

from __future__ import annotations

import codecs
import contextlib
import functools
import json
import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from io import BytesIO
from typing import Any, TypeVar
from urllib.parse import parse_qs

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk.signature import SignatureVerifier

from bot.acks_first import ACKS_FIRST
from bot.db import commits_until
from bot.views.common import failure_view, notice

log = logging.getLogger(__name__)

T = TypeVar("T")

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"

MAX_BODY_BYTES = 1024 * 1024
"""Largest request body accepted, in bytes; larger ones get 413 before they are read."""
MAX_HEADER_BYTES = 64 * 1024
CHANNEL_TIMEOUT = 10
"""Seconds a connection may send nothing before it is closed."""
CONNECTION_LIMIT = 1000
THREADS = 16
SIGNATURE_MAX_AGE = 60 * 5
"""Seconds a signed request stays valid (Slack's documented replay window)."""
ACK_DEADLINE = 2.5
"""Seconds a verified request may take before it is answered "not saved, try again": Slack
shows the member an error after 3 s (https://api.slack.com/interactivity/handling)."""
LATE_TEXT = (
    "Sorry, the bot could not reach its database in time, so nothing was saved. Please try "
    "again in a minute; if it keeps happening, tell an LIEC admin."
)

StartResponse = Callable[..., Any]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


def _answer(start_response: StartResponse, status: str, body: bytes = b"") -> Iterable[bytes]:
    start_response(status, [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]


def signature_valid(
    secret: str, body: bytes, timestamp: str | None, signature: str | None, now: float | None = None
) -> bool:
    """Whether ``body`` was signed by Slack with ``secret``: never raises, whatever the input.

    ``timestamp`` is Slack's ``X-Slack-Request-Timestamp`` (Unix seconds, as text) and must be
    within SIGNATURE_MAX_AGE of ``now``; ``signature`` is ``X-Slack-Signature`` (``v0=<hex>``).
    Time is linear in the body (one HMAC); comparison is constant-time (slack_sdk).
    """
    if not timestamp or not signature or len(timestamp) > 20 or not timestamp.isdigit():
        return False
    now = time.time() if now is None else now
    if abs(now - int(timestamp)) > SIGNATURE_MAX_AGE:
        return False
    verifier = SignatureVerifier(secret)
    return verifier.is_valid(body=body, timestamp=timestamp, signature=signature)


def make_wsgi_app(
    app: App,
    *,
    signing_secret: str | None,
    events: bool = True,
    from_memory: Callable[[bytes], bool] | None = None,
) -> WSGIApp:
    """/healthz, and /slack/events handed to Bolt only once its signature is verified.

    ``signing_secret``: the app's Signing Secret (None only for a bare benchmark floor, which
    leaves verification to Bolt alone). ``events=False`` (Socket Mode, where Slack never POSTs
    to us) answers 404 on /slack/events without reading the body. ``from_memory(body)``: the
    verified requests answered from memory alone (handlers `from_memory`), which
    cannot wait on the database or Slack: they are dispatched on this thread, without the
    hand-off to ``AckDeadline`` (a tenth of a millisecond, a fifth of the role card's time).
    Given ``signing_secret``, an interaction reaches Bolt as its decoded JSON
    (``interaction_json``), so the app must not verify the signature again (``create_app``'s
    ``verified_before``): it would be checking a body Slack did not sign.
    """
    slack = SlackRequestHandler(app, path=EVENTS_PATH)

    def wsgi(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD")
        if path == HEALTH_PATH and method in {"GET", "HEAD"}:
            return _answer(start_response, "200 OK", b"ok\n")
        if path != EVENTS_PATH or not events:
            return _answer(start_response, "404 Not Found", b"not found\n")
        if method != "POST":
            return _answer(start_response, "405 Method Not Allowed")
        if signing_secret is None:
            return slack(environ, start_response)
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = -1
        if length < 0 or length > MAX_BODY_BYTES:
            return _answer(start_response, "413 Content Too Large")
        body = environ["wsgi.input"].read(length) if length else b""
        if not signature_valid(
            signing_secret,
            body,
            environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP"),
            environ.get("HTTP_X_SLACK_SIGNATURE"),
        ):
            # Nothing of the request itself: its body may carry a member's personal data.
            log.warning("refused a request without a valid Slack signature (%d bytes)", len(body))
            return _answer(start_response, "401 Unauthorized")
        environ["wsgi.input"] = BytesIO(body)
        decoded = interaction_json(body)
        if decoded is not None:
            environ = {
                **environ,
                "CONTENT_TYPE": "application/json",
                "CONTENT_LENGTH": str(len(decoded)),
                "wsgi.input": BytesIO(decoded),
            }
        # Answering until the server has written the answer (``UntilWritten``): the work after
        # the acknowledgement, started during the dispatch, waits meanwhile (bot/acks_first.py).
        with contextlib.ExitStack() as answering:
            answering.enter_context(ACKS_FIRST.answering())
            if from_memory is not None and from_memory(body):
                chunks = list(slack(environ, start_response))
            else:
                chunks = list(within_deadline(environ, body, start_response))
            return UntilWritten(chunks, answering.pop_all().close)

    deadline = AckDeadline()

    def within_deadline(
        environ: dict[str, Any], body: bytes, start_response: StartResponse
    ) -> Iterable[bytes]:
        answer: dict[str, Any] = {}

        def capture(status: str, headers: list[tuple[str, str]], *_: Any) -> Callable[[bytes], None]:
            answer["status"], answer["headers"] = status, headers
            return lambda _data: None

        content = deadline.run(lambda: b"".join(slack(environ, capture)))
        if content is None:
            return _late_answer(body, start_response)
        start_response(answer["status"], answer["headers"])
        return [content]

    return wsgi


_PAYLOAD = b"payload="


def interaction_json(body: bytes) -> bytes | None:
    """The JSON of an interaction as Slack delivers it over HTTP (``payload=`` and the
    form-encoded JSON of the block_actions, view_submission, shortcut..., one field:
    https://api.slack.com/interactivity/handling#payloads), decoded exactly as
    ``urllib.parse.unquote_plus`` decodes it; None for any other body, which Bolt parses.

    Bolt's own parse (``parse_qsl``) decodes each ``%XX`` in a Python loop: for a modal's
    submission (10 kB or more, most of it escaped JSON) a third of the acknowledgement's CPU.
    Here the ``%XX`` escapes are turned into ``\\xXX`` ones and decoded by the
    ``unicode_escape`` codec, in C. A body that does not decode that way (a stray ``%``, a
    backslash, bytes that are not UTF-8 once decoded) is left to Bolt."""
    if not body.startswith(_PAYLOAD) or b"&" in body or b"\\" in body or not body.isascii():
        return None
    escaped = body[len(_PAYLOAD) :].replace(b"+", b" ").replace(b"%", b"\\x")
    try:
        decoded = codecs.decode(escaped, "unicode_escape").encode("latin-1")
        decoded.decode("utf-8")
    except UnicodeError:
        return None
    return decoded


class UntilWritten:
    """A WSGI answer that calls ``written()`` once, when the server has taken its last chunk
    (waitress writes each chunk to the socket as it takes it) or closes it, whichever is first
    (PEP 3333: a server calls ``close()`` even when it stops early)."""

    __slots__ = ("_chunks", "_written")

    def __init__(self, chunks: list[bytes], written: Callable[[], object]) -> None:
        self._chunks = chunks
        self._written: Callable[[], object] | None = written

    def __len__(self) -> int:  # waitress sets Content-Length from a one-chunk answer's length
        return len(self._chunks)

    def __iter__(self) -> Iterator[bytes]:
        yield from self._chunks
        self.close()

    def close(self) -> None:
        written, self._written = self._written, None
        if written is not None:
            written()


class AckDeadline:
    """Runs the dispatch of one verified request (HTTP or Socket Mode) inside the request
    bounds of bot.db (``commits_until``: short lock and statement limits, and no commit once
    the member has been told that nothing was saved), waiting at most ACK_DEADLINE seconds."""

    def __init__(self) -> None:
        # Generous: a thread stuck on a database that stopped answering must not starve the rest.
        self._workers = ThreadPoolExecutor(max_workers=THREADS * 8, thread_name_prefix="ack")

    def run(self, dispatch: Callable[[], T]) -> T | None:
        """``dispatch()``'s result, or None when it took longer than ACK_DEADLINE: it is then
        given up (whatever it would still commit is rolled back, AnswerAlreadySent) and the
        caller answers with ``late_answer``."""
        given_up = threading.Event()

        def run() -> T | None:
            if given_up.is_set():  # waited in the queue past the deadline: do nothing at all
                return None
            with commits_until(given_up), ACKS_FIRST.answering():
                return dispatch()

        future = self._workers.submit(run)
        try:
            return future.result(timeout=ACK_DEADLINE)
        except FutureTimeout:
            given_up.set()
            log.warning("a request was answered late: the database did not answer in time")
            return None


def late_answer(payload: dict[str, Any]) -> dict[str, Any] | None:
    """What the member sees when their request could not be done in time: nothing was saved.

    ``payload``: the request as Slack sent it (a slash command's fields, or an interaction's
    parsed ``payload``). None: an empty acknowledgement (buttons, events).
    """
    if "command" in payload:
        return notice(LATE_TEXT).as_ephemeral()
    if payload.get("type") == "view_submission":
        # Pushed over the form, so closing it brings back everything they typed.
        return {"response_action": "push", "view": failure_view(LATE_TEXT).to_dict()}
    return None


def _late_answer(body: bytes, start_response: StartResponse) -> Iterable[bytes]:
    form = parse_qs(body.decode("utf-8", "replace"))
    payload: dict[str, Any] = {}
    if "command" in form:
        payload = {"command": form["command"][0]}
    elif "payload" in form:
        try:
            parsed = json.loads(form["payload"][0])
        except ValueError:
            parsed = None
        payload = parsed if isinstance(parsed, dict) else {}
    answer = late_answer(payload)
    if answer is None:
        return _answer(start_response, "200 OK")
    content = json.dumps(answer).encode()
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(content)))])
    return [content]


def serve_forever(
    wsgi: WSGIApp,
    port: int,
    host: str = "0.0.0.0",  # noqa: S104 - Slack must reach it
    threads: int = THREADS,
    on_ready: Callable[[int], None] | None = None,
) -> None:
    """Serve ``wsgi`` with waitress until the process is stopped; ``on_ready(port)`` once bound."""
    server = make_server(wsgi, port, host, threads)
    if on_ready is not None:
        on_ready(int(server.effective_port))
    server.run()


def make_server(wsgi: WSGIApp, port: int, host: str = "0.0.0.0", threads: int = THREADS) -> Any:  # noqa: S104
    """A bound (not yet running) waitress server with the limits above; ``.run()``, ``.close()``."""
    from waitress.server import create_server

    server = create_server(
        wsgi,
        host=host,
        port=port,
        threads=threads,
        channel_timeout=CHANNEL_TIMEOUT,
        cleanup_interval=1,
        connection_limit=CONNECTION_LIMIT,
        max_request_body_size=MAX_BODY_BYTES,
        max_request_header_size=MAX_HEADER_BYTES,
        asyncore_use_poll=True,  # select() stops at 1024 descriptors
        expose_tracebacks=False,
        ident="liec-bot",
        clear_untrusted_proxy_headers=True,
    )
    server.channel_class = one_send_channel()  # each accepted connection's (waitress's server)
    return server


@functools.cache
def one_send_channel() -> type:
    """waitress's HTTP channel, whose task writes an answer with a known whole body (its
    Content-Length, one chunk: every answer of ``make_wsgi_app``) in one send, status line
    and headers included. waitress sends the headers as soon as it has them and the body
    after: two system calls and two TCP segments for one answer. The second was an eighth of
    the server's time on the role card (bench/README.md, "What was slow"). The bytes on the
    wire are the same; an answer in several chunks, or none, is written as waitress does."""
    from waitress.channel import HTTPChannel
    from waitress.task import WSGITask

    class OneSendTask(WSGITask):  # type: ignore[misc]
        wrote_header: bool  # waitress's own attributes, typed for mypy
        content_bytes_written: int

        def write(self, data: bytes) -> None:
            whole = (
                self.complete
                and not self.wrote_header
                and data
                and self.has_body
                and not self.chunked_response
                and self.content_length == len(data)
            )
            if not whole:
                super().write(data)
                return
            head = self.build_response_header()
            self.wrote_header = True
            self.content_bytes_written = len(data)
            self.channel.write_soon(head + data)

    class OneSendChannel(HTTPChannel):  # type: ignore[misc]
        task_class = OneSendTask

    return OneSendChannel
