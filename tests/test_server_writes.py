"""bot/server.py: an answer leaves in one send, status line and headers with its body, and
its bytes are what waitress would have written (bench/README.md, "What was slow")."""

from __future__ import annotations

import http.client
import io
import threading
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.server import make_server, one_send_channel

BODY = b'{"blocks": "' + b"x" * 4000 + b'"}'
StartResponse = Callable[[str, list[tuple[str, str]]], Any]


def _recording(base: type) -> tuple[type, list[bytes]]:
    writes: list[bytes] = []

    class Recording(base):  # type: ignore[misc, valid-type]
        def write_soon(self, data: Any) -> Any:
            writes.append(bytes(data))
            return super().write_soon(data)

    return Recording, writes


def _serve(app: Callable[[dict[str, Any], StartResponse], Iterable[bytes]], channel: type) -> Iterator[int]:
    server = make_server(app, 0, host="127.0.0.1")
    server.channel_class = channel
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield int(server.effective_port)
    finally:
        server.close()
        thread.join(timeout=5)


def _get(port: int) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        conn.request("POST", "/slack/events", body=b"x")
        answer = conn.getresponse()
        return answer.status, dict(answer.getheaders()), answer.read()
    finally:
        conn.close()


def _one_chunk(_environ: dict[str, Any], start_response: StartResponse) -> list[bytes]:
    start_response("200 OK", [("Content-Type", "application/json")])
    return [BODY]


def test_the_server_makes_one_send_channels() -> None:
    server = make_server(_one_chunk, 0, host="127.0.0.1")
    try:
        assert server.channel_class is one_send_channel()
    finally:
        server.close()


@pytest.mark.parametrize("ours, sends", [(True, 1), (False, 2)])
def test_an_answer_in_one_chunk_leaves_in_one_send(ours: bool, sends: int) -> None:
    """Ours: one send holding the headers and the body. waitress's own channel, for the
    contrast that shows the check can fail: the headers, then the body."""
    from waitress.channel import HTTPChannel

    channel, writes = _recording(one_send_channel() if ours else HTTPChannel)
    for port in _serve(_one_chunk, channel):
        status, headers, body = _get(port)
        assert (status, body) == (200, BODY)
        assert headers["Content-Length"] == str(len(BODY))
    assert len(writes) == sends
    assert writes[0].startswith(b"HTTP/1.1 200 OK\r\n")
    assert writes[-1].endswith(BODY)


def test_answers_in_several_chunks_or_none_are_written_as_waitress_does() -> None:
    def chunks(_environ: dict[str, Any], start_response: StartResponse) -> Iterator[bytes]:
        start_response("200 OK", [("Content-Type", "text/plain")])
        yield b"first "
        yield b"second"

    def empty(_environ: dict[str, Any], start_response: StartResponse) -> list[bytes]:
        start_response("200 OK", [("Content-Length", "0")])
        return []

    def not_modified(_environ: dict[str, Any], start_response: StartResponse) -> list[bytes]:
        start_response("304 Not Modified", [])
        return [b"ignored"]

    for app, expected in ((chunks, (200, b"first second")), (empty, (200, b"")), (not_modified, (304, b""))):
        channel, _ = _recording(one_send_channel())
        for port in _serve(app, channel):
            status, _, body = _get(port)
            assert (status, body) == expected


def test_the_bytes_written_are_waitress_own() -> None:
    from waitress.channel import HTTPChannel

    written = []
    for base in (one_send_channel(), HTTPChannel):
        channel, writes = _recording(base)
        for port in _serve(_one_chunk, channel):
            _get(port)
        lines = b"".join(writes).split(b"\r\n")
        written.append([line for line in lines if not line.startswith(b"Date: ")])
    assert written[0] == written[1]


def test_the_served_app_refuses_to_exist_without_a_signing_secret(tmp_path: Path) -> None:
    """`Runtime.http_app()`, the one WSGI app `serve --http` and `try` serve, never hands a
    request to Bolt unverified: without a signing secret it is not built at all."""
    from datetime import UTC, datetime

    from bot.clock import ManualClock
    from bot.config import ConfigError, Settings, parse_org_config
    from bot.runtime import build_runtime
    from tests.e2e.harness import EXAMPLE, example_org

    def runtime(secret: str | None) -> Any:
        return build_runtime(
            Settings(
                database_url=f"sqlite:///{tmp_path}/{secret}.db",
                liec_config=EXAMPLE,
                slack_signing_secret=secret,
            ),
            org=parse_org_config(example_org()),
            clock=ManualClock(datetime(2026, 1, 1, tzinfo=UTC)),
        )

    without = runtime(None)
    try:
        with pytest.raises(ConfigError, match="SLACK_SIGNING_SECRET"):
            without.http_app()
    finally:
        without.engine.dispose()
    served = runtime("s")
    try:
        app = served.http_app()
        statuses: list[str] = []
        body = b"command=%2Fliec&text=role+secretary"
        environ = {
            "REQUEST_METHOD": "POST",
            "PATH_INFO": "/slack/events",
            "CONTENT_TYPE": "application/x-www-form-urlencoded",
            "CONTENT_LENGTH": str(len(body)),
            "wsgi.input": io.BytesIO(body),
        }
        answer = b"".join(app(environ, lambda status, _headers, *_: statuses.append(status)))
        assert statuses == ["401 Unauthorized"]  # unsigned: refused before Bolt
        assert b"Secretary" not in answer
    finally:
        served.engine.dispose()
