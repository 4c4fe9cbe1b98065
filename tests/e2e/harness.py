"""Drives the real bot the way Slack does: signed HTTP requests in, Web API calls out to FakeSlack."""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import yaml

from bot.clock import ManualClock
from bot.config import Settings, parse_org_config
from bot.fake_slack import FakeSlack, check_message, check_suggestion, check_view
from bot.runtime import Runtime, build_runtime
from bot.server import EVENTS_PATH, make_wsgi_app
from bot.slack_requests import (
    block_actions_payload,
    event_body,
    interaction_body,
    signed_headers,
    slash_command_body,
)
from handlers import from_memory

SECRET = "test-signing-secret"
EXAMPLE = Path(__file__).resolve().parents[2] / "bot" / "data" / "liec.example.yml"


def example_org() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(EXAMPLE.read_text())
    return data


class _Server(WSGIServer):
    daemon_threads = True


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@dataclass
class HttpResponse:
    status: int
    body: str
    headers: dict[str, str]

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


class TrackedExecutor(ThreadPoolExecutor):
    """The work after acknowledgements runs here (`create_app(listener_executor=...)`), so a test can wait
    until the work after every acknowledgement so far is done, rather than sleep and hope."""

    def __init__(self) -> None:
        super().__init__(max_workers=10, thread_name_prefix="lazy")
        self._pending = 0
        self._idle = threading.Condition()

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        with self._idle:
            self._pending += 1

        def run() -> Any:
            try:
                return fn(*args, **kwargs)
            finally:
                with self._idle:
                    self._pending -= 1
                    self._idle.notify_all()

        return super().submit(run)

    def wait_idle(self, timeout: float = 10.0) -> None:
        with self._idle:
            if not self._idle.wait_for(lambda: self._pending == 0, timeout):
                raise AssertionError(f"work after acknowledgements still running after {timeout} s")


class BotHarness:
    def __init__(
        self,
        fake: FakeSlack,
        database_url: str,
        clock: ManualClock,
        org: dict[str, Any],
        config_import: bool = True,
    ) -> None:
        """`org` is the organisation file. By default it replaces the stored organisation on
        start (serve --config-import), so a test's file is the organisation; with
        `config_import=False` it only fills an empty database, as a plain `serve` does."""
        self.fake = fake
        self.clock = clock
        self.settings = Settings(
            slack_bot_token="xoxb-test-token",
            slack_signing_secret=SECRET,
            slack_api_url=fake.api_url,
            database_url=database_url,
        )
        self.lazy = TrackedExecutor()
        self.runtime: Runtime = build_runtime(
            self.settings,
            org=parse_org_config(org),
            clock=clock,
            config_import=config_import,
            listener_executor=self.lazy,
            verified_before=True,  # as `serve --http`: make_wsgi_app below verifies
        )
        self.deps = self.runtime.deps
        # Long enough that an update cannot overtake the acknowledgement's answer here on
        # loopback, short enough for hundreds of submissions (a test may set it longer).
        self.deps.view_after_ack_s = 0.02
        self.deps.later = self._later
        self._server = make_server(
            "127.0.0.1",
            0,
            make_wsgi_app(self.runtime.app, signing_secret=SECRET, from_memory=from_memory),
            _Server,
            _Quiet,
        )
        threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True).start()
        self.url = f"http://127.0.0.1:{self._server.server_port}"

    def settle(self) -> None:
        """Wait until the work after every acknowledgement so far is done:
        then "nothing else happened" is a finding, not a guess."""
        self.lazy.wait_idle()

    def close(self) -> None:
        self.lazy.shutdown(wait=False)
        self._server.shutdown()
        self._server.server_close()
        self.runtime.engine.dispose()

    # Raw HTTP ---------------------------------------------------------------
    def post(
        self,
        body: str,
        content_type: str,
        headers: dict[str, str] | None = None,
        signed: bool = True,
        path: str = EVENTS_PATH,
    ) -> HttpResponse:
        all_headers = {"Content-Type": content_type}
        if signed:
            all_headers.update(signed_headers(SECRET, body))
        all_headers.update(headers or {})
        request = urllib.request.Request(self.url + path, data=body.encode(), headers=all_headers)
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                answer = HttpResponse(response.status, response.read().decode(), dict(response.headers))
        except urllib.error.HTTPError as error:
            return HttpResponse(error.code, error.read().decode(), dict(error.headers))
        self._check_answer(answer)
        return answer

    def _check_answer(self, answer: HttpResponse) -> None:
        """What the bot answers in the acknowledgement is held to Slack's rules too."""
        if not answer.body.startswith("{"):
            return
        payload = answer.json()
        problems = []
        if "blocks" in payload or "text" in payload:
            problems = check_message(payload)
        elif payload.get("response_action") in {"update", "push"}:
            problems = check_view(payload.get("view") or {})
        elif payload.get("response_action") == "errors" and not payload.get("errors"):
            problems = ["response_action errors with no errors"]
        elif "options" in payload or "option_groups" in payload:
            problems = check_suggestion(payload)
        if problems:
            self.fake.invalid.append(("ack", problems))

    def get(self, path: str) -> HttpResponse:
        try:
            with urllib.request.urlopen(self.url + path, timeout=10) as response:
                return HttpResponse(response.status, response.read().decode(), dict(response.headers))
        except urllib.error.HTTPError as error:
            return HttpResponse(error.code, error.read().decode(), dict(error.headers))

    # As Slack sends them -------------------------------------------------------
    def command(self, text: str, user: str = "U0MEMBER", channel: str = "C0GENERAL") -> HttpResponse:
        body, content_type = slash_command_body(
            text, user_id=user, channel_id=channel, response_url=self.fake.response_url("cmd")
        )
        return self.post(body, content_type)

    def answer(self, text: str, user: str = "U0MEMBER", channel: str = "C0GENERAL") -> Any:
        """What the member sees for `/liec <text>`: the acknowledgement's message, or, when the
        acknowledgement is empty, the message posted to this command's own response_url."""
        url = self.fake.response_url("cmd")
        body, content_type = slash_command_body(text, user_id=user, channel_id=channel, response_url=url)
        acked = self.post(body, content_type)
        assert acked.status == 200, acked
        if acked.body:
            return acked.json()
        return self.fake.wait_for_response(url)

    def interaction(self, payload: dict[str, Any]) -> HttpResponse:
        body, content_type = interaction_body(payload)
        return self.post(body, content_type)

    def click(self, user: str, action_id: str, value: str = "", **kwargs: Any) -> HttpResponse:
        payload = block_actions_payload(
            user, action_id, value, response_url=self.fake.response_url("act"), **kwargs
        )
        return self.interaction(payload)

    def suggest(
        self, user: str, view: dict[str, Any], block_id: str, typed: str = ""
    ) -> list[dict[str, Any]]:
        """What Slack asks for an external select in ``view`` as the member types: the
        options the bot offers (flattened from its option groups)."""
        element = next(b["element"] for b in view["blocks"] if b.get("block_id") == block_id)
        payload = {
            "type": "block_suggestion",
            "user": {"id": user, "username": user.lower(), "team_id": "T0001"},
            "team": {"id": "T0001"},
            "action_id": element["action_id"],
            "block_id": block_id,
            "value": typed,
            "view": {**view, "id": view.get("id", "V0TEST"), "state": {"values": {}}},
        }
        answer = self.interaction(payload)
        assert answer.status == 200, answer.body
        return _options(answer.json())

    def submit_view(self, user: str, view: dict[str, Any], answers: dict[str, Any]) -> HttpResponse:
        """Submit `view` (as the bot sent it) with answers keyed by block_id."""
        payload = {
            "type": "view_submission",
            "user": {"id": user, "username": user.lower(), "team_id": "T0001"},
            "trigger_id": "1.2.submit",
            "view": {
                **view,
                "id": view.get("id", "V0TEST"),
                "hash": view.get("hash", "h0"),
                "state": {"values": view_state(view, answers)},
            },
        }
        return self.interaction(payload)

    def _later(self, delay_s: float, fn: Callable[[], object]) -> None:
        """`AppDeps.later` on the tracked executor, so that `settle` and `wait_idle` wait for it."""

        def run() -> None:
            time.sleep(max(0.0, delay_s))
            fn()

        self.lazy.submit(run)

    def submit_form(self, user: str, view: dict[str, Any], answers: dict[str, Any]) -> Any:
        """What the member sees after pressing Submit on `view`: the acknowledgement's answer
        (errors on fields, or the view it shows), or, where the work after the acknowledgement
        then updated the view (a nomination is saved after it), that last view, as
        ``{"response_action": "update", "view": ...}``."""
        before = len(self.fake.calls_to("views.update"))
        acked = self.submit_view(user, view, answers)
        assert acked.status == 200, acked
        self.lazy.wait_idle()
        view_id = view.get("id", "V0TEST")
        later = [c for c in self.fake.calls_to("views.update")[before:] if c.get("view_id") == view_id]
        if later:
            return {"response_action": "update", "view": later[-1]["view"]}
        return acked.json()

    def event(
        self, event: dict[str, Any], event_id: str = "Ev0001", retry_num: int | None = None
    ) -> HttpResponse:
        body, content_type = event_body(event, event_id)
        headers = {}
        if retry_num is not None:
            headers = {"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": "http_timeout"}
        return self.post(body, content_type, headers)

    def run_jobs(self) -> int:
        return self.deps.jobs.run_due()


def keep_failed_posts_in_history(fake: FakeSlack) -> None:
    """Slack kept the messages it answered with a failure: conversations.history shows them,
    with their metadata, as it does after a 5xx that came once the message was posted."""

    def history(params: dict[str, Any]) -> dict[str, Any]:
        kept = [
            {"type": "message", "ts": "1795435260.000100", "metadata": c.params["metadata"]}
            for c in fake.failed
            if c.params.get("channel") == params.get("channel")
        ]
        return {"ok": True, "messages": kept, "has_more": False}

    fake.on("conversations.history", history)


def _answer(element: dict[str, Any], answer: Any) -> dict[str, Any]:
    kind = element["type"]
    if kind in {"plain_text_input", "email_text_input", "number_input", "url_text_input"}:
        return {"type": kind, "value": answer}
    if kind == "users_select":
        return {"type": kind, "selected_user": answer}
    if kind == "multi_users_select":
        return {"type": kind, "selected_users": list(answer)}
    if kind == "multi_conversations_select":
        return {"type": kind, "selected_conversations": list(answer)}
    if kind == "multi_static_select":
        options = _options(element)
        return {"type": kind, "selected_options": [o for o in options if o["value"] in answer]}
    if kind == "conversations_select":
        return {"type": kind, "selected_conversation": answer}
    if kind == "channels_select":
        return {"type": kind, "selected_channel": answer}
    if kind == "external_select":  # the options came from a block_suggestion: a dict or a value
        chosen = (
            answer
            if isinstance(answer, dict)
            else {"value": answer, "text": {"type": "plain_text", "text": answer}}
        )
        return {"type": kind, "selected_option": chosen}
    if kind == "multi_external_select":
        chosen = [
            a if isinstance(a, dict) else {"value": a, "text": {"type": "plain_text", "text": a}}
            for a in answer
        ]
        return {"type": kind, "selected_options": chosen}
    if kind == "multi_static_select":
        return {"type": kind, "selected_options": [o for o in _options(element) if o["value"] in answer]}
    if kind in {"static_select", "radio_buttons"}:
        options = _options(element)
        chosen = next((o for o in options if o["value"] == answer), None)
        if chosen is None:
            raise AssertionError(f"{answer!r} is not an option of {element.get('action_id')}")
        return {"type": kind, "selected_option": chosen}
    if kind == "checkboxes":
        options = _options(element)
        return {"type": kind, "selected_options": [o for o in options if o["value"] in answer]}
    if kind == "datepicker":
        return {"type": kind, "selected_date": answer}
    if kind == "timepicker":
        return {"type": kind, "selected_time": answer}
    if kind == "datetimepicker":
        return {"type": kind, "selected_date_time": answer}
    raise AssertionError(f"no test support for {kind}")


def _options(element: dict[str, Any]) -> list[dict[str, Any]]:
    options = list(element.get("options") or [])
    for group in element.get("option_groups") or []:
        options += group["options"]
    return options


def view_state(view: dict[str, Any], answers: dict[str, Any]) -> dict[str, Any]:
    """The state.values Slack would send for these answers; unknown block ids fail the test."""
    inputs = {b["block_id"]: b["element"] for b in view.get("blocks", []) if b.get("type") == "input"}
    unknown = set(answers) - set(inputs)
    if unknown:
        raise AssertionError(f"no input blocks {sorted(unknown)} in the view; it has {sorted(inputs)}")
    return {
        block_id: {inputs[block_id]["action_id"]: _answer(inputs[block_id], answer)}
        for block_id, answer in answers.items()
    }
