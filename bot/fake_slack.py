"""A stand-in for Slack's Web API on 127.0.0.1, for `python -m bot try` and the tests.

It records every call, answers like Slack does, checks every message and view against
slack_sdk's Block Kit models and Slack's limits, and can be told to fail (429, 5xx or a
Slack error) to exercise the bot's retries.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlparse

from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

MESSAGE_METHODS = {"chat.postMessage", "chat.postEphemeral", "chat.update", "chat.scheduleMessage"}
VIEW_METHODS = {"views.open", "views.update", "views.push", "views.publish"}
MESSAGE_TEXT_LIMIT = 40_000
MESSAGE_BLOCK_LIMIT = 50
VIEW_BLOCK_LIMIT = 100
VIEW_JSON_LIMIT = 250_000


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    at: float = field(default_factory=time.monotonic)
    refused: bool = False  # answered ok:false by a hook: Slack kept nothing


@dataclass
class Failure:
    status: int = 200
    error: str | None = None
    retry_after: int | None = None


Answer = dict[str, Any]
Hook = Callable[[dict[str, Any]], Answer | None]


def check_blocks(blocks: Any, limit: int) -> list[str]:
    """Problems Slack would reject; empty when the blocks are valid."""
    if blocks is None:
        return []
    if isinstance(blocks, str):
        blocks = json.loads(blocks)
    if not isinstance(blocks, list):
        return ["blocks must be a list"]
    problems = []
    if len(blocks) > limit:
        problems.append(f"{len(blocks)} blocks; the limit is {limit}")
    for index, raw in enumerate(blocks):
        try:
            block = Block.parse(raw)
            if block is None:
                problems.append(f"block {index}: unknown type {raw.get('type')!r}")
                continue
            block.to_dict()
        except Exception as exc:
            problems.append(f"block {index}: {exc}")
            continue
        problems += [f"block {index}: {problem}" for problem in check_choices(raw)]
    return problems


# Limits Slack enforces that slack_sdk's models do not check.
_CHOICE_LIMITS = {
    "checkboxes": 10,
    "radio_buttons": 10,
    "static_select": 100,
    "multi_static_select": 100,
    "overflow": 5,
}


def _elements(raw: dict[str, Any]) -> list[dict[str, Any]]:
    found = [raw.get("element"), raw.get("accessory"), *(raw.get("elements") or [])]
    return [e for e in found if isinstance(e, dict)]


def check_choices(raw: dict[str, Any]) -> list[str]:
    """A select or checkbox list with no option, or more than Slack takes."""
    problems = []
    for element in _elements(raw):
        limit = _CHOICE_LIMITS.get(str(element.get("type")))
        if limit is None:
            continue
        groups = element.get("option_groups") or []
        count = len(element.get("options") or []) + sum(len(g.get("options") or []) for g in groups)
        if count == 0:
            problems.append(f"{element['type']} {element.get('action_id')!r} has no options")
        elif count > limit:
            problems.append(
                f"{element['type']} {element.get('action_id')!r} has {count} options; the limit is {limit}"
            )
    return problems


def check_suggestion(answer: dict[str, Any]) -> list[str]:
    """A block_suggestion answer: at most 100 options, in options or option groups."""
    groups = answer.get("option_groups") or []
    count = len(answer.get("options") or []) + sum(len(g.get("options") or []) for g in groups)
    return [f"{count} suggested options; the limit is 100"] if count > 100 else []


def check_message(params: dict[str, Any]) -> list[str]:
    problems = check_blocks(params.get("blocks"), MESSAGE_BLOCK_LIMIT)
    text = params.get("text") or ""
    if len(text) > MESSAGE_TEXT_LIMIT:
        problems.append(f"text has {len(text)} characters; the limit is {MESSAGE_TEXT_LIMIT}")
    if not text and not params.get("blocks") and not params.get("attachments"):
        problems.append("no text and no blocks")
    return problems


def check_view(raw: Any) -> list[str]:
    if isinstance(raw, str):
        if len(raw) > VIEW_JSON_LIMIT:
            return [f"view has {len(raw)} characters of JSON; the limit is {VIEW_JSON_LIMIT}"]
        raw = json.loads(raw)
    problems = check_blocks(raw.get("blocks", []), VIEW_BLOCK_LIMIT)
    try:
        View(**raw).to_dict()
    except Exception as exc:
        problems.append(f"view: {exc}")
    for key in ("private_metadata",):
        if len(raw.get(key) or "") > 3000:
            problems.append(f"{key} is over 3,000 characters")
    return problems


class FakeSlack:
    def __init__(self, users: dict[str, dict[str, Any]] | None = None) -> None:
        self.users: dict[str, dict[str, Any]] = dict(users or {})
        # When set: the workspace's channels, each with whether the bot is a member of it
        # (conversations.history answers channel_not_found or not_in_channel from it).
        self.channels: dict[str, bool] | None = None
        # When set: the token's scopes, sent in auth.test's x-oauth-scopes header as Slack does.
        self.scopes: list[str] | None = None
        self.calls: list[Call] = []
        self.invalid: list[tuple[str, list[str]]] = []
        self.failed: list[Call] = []  # calls answered with an injected failure
        self.uploads: dict[str, bytes] = {}
        self._hooks: dict[str, Hook] = {}
        self._failures: dict[str, list[Failure]] = {}
        self._ids = itertools.count(1)
        self._lock = threading.Condition()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # Life cycle ---------------------------------------------------------------
    class _Server(ThreadingHTTPServer):
        # socketserver's listen backlog is 5: a sixth connection waiting to be accepted had its
        # SYN dropped and sent again by TCP a second later, which Slack itself never causes
        # (ten admins' CSV uploads at once took a second longer against this stand-in).
        request_queue_size = 128

    def start(self) -> FakeSlack:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                fake._handle(self)

            do_GET = do_POST

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = FakeSlack._Server(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    @property
    def base_url(self) -> str:
        assert self._server is not None, "start() first"
        return f"http://127.0.0.1:{self._server.server_address[1]}/"

    @property
    def api_url(self) -> str:
        return self.base_url + "api/"

    def response_url(self, name: str = "r") -> str:
        return f"{self.base_url}respond/{name}-{next(self._ids)}"

    # Control ------------------------------------------------------------------
    def on(self, method: str, hook: Hook) -> None:
        """Answer `method` with hook(params); a None answer falls back to the default."""
        self._hooks[method] = hook

    def fail_next(
        self,
        method: str,
        status: int = 429,
        *,
        times: int = 1,
        error: str | None = None,
        retry_after: int | None = 1,
    ) -> None:
        failure = Failure(status=status, error=error, retry_after=retry_after if status == 429 else None)
        with self._lock:
            self._failures.setdefault(method, []).extend([failure] * times)

    def calls_to(self, method: str) -> list[dict[str, Any]]:
        with self._lock:
            return [c.params for c in self.calls if c.method == method]

    def wait_for(self, method: str, count: int = 1, timeout: float = 5.0) -> list[dict[str, Any]]:
        """Wait until `method` has been called `count` times (work after the ack runs on another thread)."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                found = [c.params for c in self.calls if c.method == method]
                if len(found) >= count:
                    return found
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    names = sorted({c.method for c in self.calls})
                    raise AssertionError(
                        f"expected {count} call(s) to {method}, got {len(found)}; calls seen: {names}"
                    )
                self._lock.wait(remaining)

    def wait_for_response(self, response_url: str, timeout: float = 5.0) -> dict[str, Any]:
        """The last message posted to ``response_url`` (one made by ``response_url()``), waiting
        up to ``timeout`` seconds for the first."""
        path = "/" + response_url.removeprefix(self.base_url)
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                found = [
                    c.params
                    for c in self.calls
                    if c.method == "response_url" and c.params.get("_url") == path
                ]
                if found:
                    return found[-1]
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"nothing was posted to {path}")
                self._lock.wait(remaining)

    def reset(self) -> None:
        with self._lock:
            self.calls.clear()
            self.invalid.clear()
            self.failed.clear()
            self._failures.clear()
            self._hooks.clear()

    # Serving ------------------------------------------------------------------
    def _handle(self, request: BaseHTTPRequestHandler) -> None:
        url = urlparse(request.path)
        length = int(request.headers.get("Content-Length") or 0)
        raw = request.rfile.read(length) if length else b""
        if url.path.startswith("/upload/"):
            self.uploads[url.path.rsplit("/", 1)[-1]] = raw
            self._send(request, 200, {"ok": True})
            return
        params = self._params(request, raw, url.query)
        if url.path.startswith("/respond/"):
            method = "response_url"
            params["_url"] = url.path
        else:
            method = url.path.removeprefix("/api/")
        failure = None
        with self._lock:
            queue = self._failures.get(method)
            if queue:
                failure = queue.pop(0)
                self.failed.append(Call(method, params))
            else:
                self.calls.append(Call(method, params))
                self._lock.notify_all()
        if failure is not None:
            if failure.status != 200:
                headers = {"Retry-After": str(failure.retry_after)} if failure.retry_after else {}
                self._send(request, failure.status, {"ok": False, "error": "ratelimited"}, headers)
            else:
                self._send(request, 200, {"ok": False, "error": failure.error})
            return
        problems = self._problems(method, params)
        if problems:
            with self._lock:
                self.invalid.append((method, problems))
            self._send(request, 200, {"ok": False, "error": "invalid_blocks", "errors": problems})
            return
        hook = self._hooks.get(method)
        answer = hook(params) if hook is not None else None
        if answer is None:
            answer = self._default(method, params)
        elif answer.get("ok") is False:
            with self._lock:
                for call in reversed(self.calls):
                    if call.params is params:
                        call.refused = True
                        break
        headers = {}
        if method == "auth.test" and self.scopes is not None:
            headers["x-oauth-scopes"] = ",".join(self.scopes)
        self._send(request, 200, answer, headers)

    @staticmethod
    def _params(request: BaseHTTPRequestHandler, raw: bytes, query: str) -> dict[str, Any]:
        params: dict[str, Any] = dict(parse_qsl(query))
        content_type = request.headers.get("Content-Type", "")
        if raw and "json" in content_type:
            params.update(json.loads(raw))
        elif raw:
            params.update(parse_qsl(raw.decode("utf-8"), keep_blank_values=True))
        for key in ("blocks", "view", "metadata", "files"):
            value = params.get(key)
            if isinstance(value, str) and value[:1] in "[{":
                params[key] = json.loads(value)
        auth = request.headers.get("Authorization", "")
        if auth:
            params["_token"] = auth.removeprefix("Bearer ")
        return params

    @staticmethod
    def _problems(method: str, params: dict[str, Any]) -> list[str]:
        if method in MESSAGE_METHODS or method == "response_url":
            return check_message(params)
        if method in VIEW_METHODS:
            return check_view(params.get("view") or {})
        return []

    def _send(
        self,
        request: BaseHTTPRequestHandler,
        status: int,
        body: Answer,
        headers: dict[str, str] | None = None,
    ) -> None:
        data = json.dumps(body).encode()
        request.send_response(status)
        request.send_header("Content-Type", "application/json; charset=utf-8")
        request.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            request.send_header(name, value)
        request.end_headers()
        request.wfile.write(data)

    def _next_ts(self) -> str:
        return f"{int(time.time())}.{next(self._ids):06d}"

    def _default(self, method: str, params: dict[str, Any]) -> Answer:
        n = next(self._ids)
        if method == "auth.test":
            return {"ok": True, "user_id": "UBOT", "bot_id": "BBOT", "team_id": "T0001", "team": "LI"}
        if method in {"chat.postMessage", "chat.update"}:
            channel = params.get("channel", "")
            if channel.startswith("U"):
                channel = "D" + channel[1:]
            return {"ok": True, "channel": channel, "ts": params.get("ts") or self._next_ts()}
        if method == "chat.postEphemeral":
            return {"ok": True, "message_ts": self._next_ts()}
        if method == "chat.scheduleMessage":
            return {"ok": True, "scheduled_message_id": f"Q{n:08d}", "channel": params.get("channel")}
        if method == "conversations.open":
            users = str(params.get("users", "U0")).split(",")
            return {"ok": True, "channel": {"id": "D" + users[0][1:]}}
        if method == "conversations.history":
            return self._history(params)
        if method == "users.info":
            user_id = params.get("user", "")
            user = self.users.get(user_id)
            if user is None:
                return {"ok": False, "error": "user_not_found"}
            return {"ok": True, "user": {"id": user_id, **user}}
        if method == "users.lookupByEmail":
            for user_id, user in self.users.items():
                if user.get("profile", {}).get("email", "").lower() == str(params.get("email")).lower():
                    return {"ok": True, "user": {"id": user_id, **user}}
            return {"ok": False, "error": "users_not_found"}
        if method in VIEW_METHODS:
            view = dict(params.get("view") or {})
            view.update({"id": params.get("view_id") or f"V{n:08d}", "hash": f"h{n}"})
            return {"ok": True, "view": view}
        if method == "files.getUploadURLExternal":
            file_id = f"F{n:08d}"
            return {"ok": True, "upload_url": f"{self.base_url}upload/{file_id}", "file_id": file_id}
        if method == "files.completeUploadExternal":
            files = params.get("files") or []
            return {"ok": True, "files": [{"id": f.get("id"), "title": f.get("title")} for f in files]}
        return {"ok": True}

    def _history(self, params: dict[str, Any]) -> Answer:
        channel = params.get("channel")
        if self.channels is not None and channel not in self.channels:
            return {"ok": False, "error": "channel_not_found"}
        if self.channels is not None and not self.channels[str(channel)]:
            return {"ok": False, "error": "not_in_channel"}
        messages = []
        for call in self.calls:
            if (
                call.method == "chat.postMessage"
                and call.params.get("channel") == channel
                and not call.refused
            ):
                message = {"type": "message", "text": call.params.get("text", ""), "ts": "0"}
                if call.params.get("metadata"):
                    message["metadata"] = call.params["metadata"]
                messages.append(message)
        return {"ok": True, "messages": list(reversed(messages)), "has_more": False}
