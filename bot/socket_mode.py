"""Socket Mode: each envelope dispatched under the same request bounds and ack deadline as HTTP.

Bolt's sync App runs middleware around a `next()` that only marks the chain as passed, so a
middleware's `with` block ends before any listener runs: the bounds must be set around the
whole dispatch, as bot/server.py does for HTTP. This handler does that for Socket Mode.
"""

from __future__ import annotations

import logging
import time

from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_bolt.adapter.socket_mode.internals import run_bolt_app, send_response
from slack_sdk.socket_mode.client import BaseSocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse

from bot.acks_first import ACKS_FIRST
from bot.server import AckDeadline, late_answer

log = logging.getLogger(__name__)


class BoundedSocketModeHandler(SocketModeHandler):
    """SocketModeHandler whose listeners run inside bot.db's request bounds (``commits_until``):
    a lock is waited for LOCK_TIMEOUT_MS, and an envelope not answered within ACK_DEADLINE
    seconds is acknowledged with the "nothing was saved" answer (bot.server.late_answer)
    while its transaction is refused its commit."""

    def __init__(self, app: App, app_token: str | None) -> None:
        super().__init__(app, app_token)
        self._deadline = AckDeadline()

    def handle(self, client: BaseSocketModeClient, req: SocketModeRequest) -> None:
        # Being answered until the acknowledgement is sent, as over HTTP until it is written
        # (bot/server.py): the work after it, started during the dispatch, waits meanwhile.
        with ACKS_FIRST.answering():
            start = time.time()
            response = self._deadline.run(lambda: run_bolt_app(self.app, req))
            if response is not None:
                send_response(client, req, response, start)
                return
            client.send_socket_mode_response(
                SocketModeResponse(envelope_id=req.envelope_id, payload=late_answer(req.payload or {}))
            )
