"""Every interactive surface a person meets, as Slack sends it, and how to tell when it is done.

Used by `bench.at_scale` (latency against the bot served by gunicorn) and by the
statement-count test (the bot in-process, its engine's statements counted). A surface is
one signed request to /slack/events; when the bot's work goes on after the
acknowledgement, `done` names the Web API call to the stand-in Slack that finishes it
(matched by a key: the trigger id, the user or the DM channel).
"""

from __future__ import annotations

import http.client
import itertools
import json
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bench.roles_latency import open_connection, post
from bench.seed import COORDINATOR, MEMBER, forget_me_member, member_id
from bot.fake_slack import FakeSlack
from bot.services import nomination_rules as fields
from bot.slack_requests import event_body, interaction_body, signed_headers, slash_command_body

# The Web API calls that finish a surface, and the key each is matched by.
DONE_KEYS: dict[str, Callable[[dict[str, Any]], str]] = {
    "views.open": lambda p: str(p.get("trigger_id", "")),
    "views.publish": lambda p: str(p.get("user_id", "")),
    "files.completeUploadExternal": lambda p: str(p.get("channel_id", "")),
    "chat.postMessage": lambda p: str(p.get("channel", "")),
    "response_url": lambda p: str(p.get("_url", "")),
    "views.update": lambda p: str(p.get("view_id", "")),
}


class Finishes:
    """Waits for the Web API calls that finish surfaces, by method and key, first come first served."""

    def __init__(self, fake: FakeSlack, quiet_s: float = 0.5) -> None:
        self.fake = fake
        self.quiet_s = quiet_s  # what `quiet` waits for by default
        self._lock = threading.Lock()
        self._waiting: dict[tuple[str, str], deque[tuple[threading.Event, list[float]]]] = defaultdict(deque)
        self.views: dict[str, dict[str, Any]] = {}  # the last view opened, by trigger id
        for method in DONE_KEYS:
            fake.on(method, self._hook(method))

    def _hook(self, method: str) -> Callable[[dict[str, Any]], None]:
        key_of = DONE_KEYS[method]

        def hook(params: dict[str, Any]) -> None:
            # When the call reached the stand-in, before it checked the blocks: checking them
            # is Slack's work, done here by the load generator's own busy process, not the bot's.
            at = time.perf_counter() - (time.monotonic() - self._arrival(params))
            key = key_of(params)
            with self._lock:
                if method == "views.open":
                    self.views[key] = params.get("view") or {}
                queue = self._waiting.get((method, key))
                if queue:
                    event, stamp = queue.popleft()
                    stamp.append(at)
                    event.set()

        return hook

    def _arrival(self, params: dict[str, Any]) -> float:
        """time.monotonic() when the call carrying `params` arrived (FakeSlack's `Call.at`)."""
        for call in reversed(self.fake.calls[-500:]):
            if call.params is params:
                return call.at
        return time.monotonic()

    def quiet(self, for_seconds: float | None = None, limit: float = 300.0) -> None:
        """Wait until no Web API call has come for `for_seconds` (default `quiet_s`): the work one
        surface left running after its acknowledgements (a list's many DMs) must not slow the next."""
        for_seconds = self.quiet_s if for_seconds is None else for_seconds
        deadline = time.monotonic() + limit
        seen, since = len(self.fake.calls), time.monotonic()
        while time.monotonic() < deadline:
            time.sleep(0.1)
            now_seen = len(self.fake.calls)
            if now_seen != seen:
                seen, since = now_seen, time.monotonic()
            elif time.monotonic() - since >= for_seconds:
                return

    def expect(self, method: str, key: str) -> tuple[threading.Event, list[float]]:
        waiter: tuple[threading.Event, list[float]] = (threading.Event(), [])
        with self._lock:
            self._waiting[(method, key)].append(waiter)
        return waiter


@dataclass(frozen=True)
class Request:
    body: str
    content_type: str
    done: tuple[str, str] | None = None  # (Web API method, key) that finishes the work


@dataclass(frozen=True)
class Surface:
    name: str
    make: Callable[[int, int], Request]  # (client number, request number) -> the request
    setup: Callable[[int, int, Client], object] | None = None  # runs first, not measured
    check: bytes = b""  # text the acknowledgement must hold
    most: int | None = None  # requests at most per level (an admin's list is 45 DMs)


# The admins' lists and export of nominations are rare and heavy (a position's list is a few
# DMs, the CSV 2,000 rows): a few of them a level, not hundreds.
HEAVY_REQUESTS = 20

_ids = itertools.count(1)
SUBMITTED_PEOPLE = 50_000_000
"""The first member number of the people the submissions nominate (beyond any seeded)."""


def _trigger() -> str:
    return f"{next(_ids)}.{time.monotonic_ns()}.bench"


def command(text: str, user: str, done: str | None = None) -> Request:
    trigger = _trigger()
    body, content_type = slash_command_body(
        text, user_id=user, trigger_id=trigger, response_url=f"{_RESPONSE_BASE[0]}respond/bench-{trigger}"
    )
    key = {
        "views.open": trigger,
        "files.completeUploadExternal": "D" + user[1:],
        "chat.postMessage": user,
        "response_url": f"/respond/bench-{trigger}",
    }
    return Request(body, content_type, (done, key[done]) if done else None)


_RESPONSE_BASE = ["http://127.0.0.1:9/"]


def home_opened(user: str) -> Request:
    event = {"type": "app_home_opened", "user": user, "channel": "D" + user[1:], "tab": "home"}
    body, content_type = event_body(event, event_id=f"Ev{next(_ids):012d}{time.monotonic_ns()}")
    return Request(body, content_type, ("views.publish", user))


def view_submission(
    user: str, view: dict[str, Any], values: dict[str, Any], done: tuple[str, str] | None
) -> Request:
    """A view_submission of `view` with `values` as its state. `done` ("views.update", any
    key) finishes with the update of this very view (its id is made here)."""
    view_id = f"V{next(_ids):09d}{time.monotonic_ns() % 10**6}"
    if done is not None and done[0] == "views.update":
        done = ("views.update", view_id)  # the work after the acknowledgement updates this view
    payload = {
        "type": "view_submission",
        "user": {"id": user, "username": user.lower(), "team_id": "T0001"},
        "trigger_id": _trigger(),
        "view": {
            **view,
            "id": view_id,
            "hash": "h0",
            "state": {"values": values},
        },
    }
    body, content_type = interaction_body(payload)
    return Request(body, content_type, done)


def _option(view: dict[str, Any], block_id: str) -> dict[str, Any]:
    block = next(b for b in view["blocks"] if b.get("block_id") == block_id)
    options = list(block["element"].get("options") or [])
    for group in block["element"].get("option_groups") or []:
        options += group["options"]
    return (
        next(o for o in options if o["text"]["text"] == "Secretary")
        if block_id == fields.POSITION
        else options[0]
    )


def nomination_values(view: dict[str, Any], candidate: str, first: str, second: str) -> dict[str, Any]:
    """The form's state.values for a nomination by the members' route."""
    inputs = {b["block_id"]: b["element"] for b in view.get("blocks", []) if b.get("type") == "input"}

    def answer(block_id: str, value: Any) -> dict[str, Any]:
        element = inputs[block_id]
        kind = element["type"]
        if kind == "users_select":
            state: dict[str, Any] = {"type": kind, "selected_user": value}
        elif kind in {"static_select", "radio_buttons"}:
            state = {"type": kind, "selected_option": value}
        else:
            state = {"type": kind, "value": value}
        return {element["action_id"]: state}

    route = next(o for o in _options(inputs[fields.ROUTE]) if o["value"] == "members")
    wanted = {
        fields.POSITION: _option(view, fields.POSITION),
        fields.CANDIDATE_USER: candidate,
        fields.CANDIDATE_NAME: f"Candidate {candidate}",
        fields.CANDIDATE_EMAIL: f"{candidate.lower()}@example.org",
        fields.CANDIDATE_MEMBERSHIP: f"L{candidate[-8:]}",  # each candidate their own: a save, not a duplicate
        fields.STATEMENT: "I will keep the minutes and circulate notices in good time.",
        fields.ROUTE: route,
        fields.NOMINATOR_FIELDS[0].user: first,
        fields.NOMINATOR_FIELDS[1].user: second,
    }
    return {block_id: answer(block_id, value) for block_id, value in wanted.items() if block_id in inputs}


def _options(element: dict[str, Any]) -> list[dict[str, Any]]:
    options = list(element.get("options") or [])
    for group in element.get("option_groups") or []:
        options += group["options"]
    return options


# Clients -------------------------------------------------------------------------------------
class Client:
    """One keep-alive connection to the server, sending signed requests and waiting for the work."""

    def __init__(self, port: int, secret: str, finishes: Finishes, timeout: float = 30.0) -> None:
        self.port = port
        self.secret = secret
        self.finishes = finishes
        self.timeout = timeout
        self.conn = self._open()

    def _open(self) -> http.client.HTTPConnection:
        return open_connection(self.port, self.timeout)

    def close(self) -> None:
        self.conn.close()

    def send(self, request: Request) -> tuple[int, bytes, float, float | None]:
        """(status, body, seconds to the acknowledgement, seconds to the finishing call or None)."""
        waiter = self.finishes.expect(*request.done) if request.done else None
        headers = {"Content-Type": request.content_type, **signed_headers(self.secret, request.body)}
        started = time.perf_counter()
        try:
            status, data = post(self.conn, request.body.encode(), headers)
        except (OSError, http.client.HTTPException):
            self.conn.close()
            self.conn = self._open()
            return 0, b"", time.perf_counter() - started, None
        acked = time.perf_counter() - started
        finished = None
        if waiter is not None:
            event, stamp = waiter
            if event.wait(self.timeout) and stamp:
                finished = stamp[0] - started
        return status, data, acked, finished


# The surfaces --------------------------------------------------------------------------------
def _nominate_view(client: Client) -> dict[str, Any]:
    request = command("nominate secretary", MEMBER, "views.open")
    status, _, _, finished = client.send(request)
    assert request.done is not None
    view = client.finishes.views.get(request.done[1])
    if status != 200 or finished is None or not view:
        raise RuntimeError("the nomination form did not open")
    return view


def surfaces(admins: list[str], change_nominations: Callable[[], object] | None = None) -> list[Surface]:
    """Every surface, made for client `c`'s request number `n` (ids kept apart between clients).

    Given ``change_nominations`` (a write to the bot's database that moves the nominations' data
    version, as any saved nomination does), also "nominations export (changed)": an export of
    nominations changed since the last one, so the CSV is built again each time. Plain
    "nominations export" asks again with nothing changed, as admins exporting together do."""
    form: list[dict[str, Any]] = []

    def submission(c: int, n: int) -> Request:
        assert form, "the form is fetched first"
        # People of their own, apart from the seeded members: no seeded nomination matches.
        base = SUBMITTED_PEOPLE + 3 * (c * 100_000 + n)
        candidate, first, second = (member_id(base + k) for k in range(3))
        values = nomination_values(form[0], candidate, first, second)
        # Submitted by a member of their own: MEMBER's `nominations mine` and my-data stay
        # the seeded ones, whatever this surface added before them.
        return view_submission(member_id(SUBMITTED_PEOPLE - 1), form[0], values, ("views.update", ""))

    def fetch_form(_c: int, _n: int, client: Client) -> None:
        if not form:
            form.append(_nominate_view(client))

    forget_views: dict[tuple[int, int], tuple[str, dict[str, Any]]] = {}
    forgetting = itertools.count()

    def forget_setup(c: int, n: int, client: Client) -> None:
        # Each confirmation erases one member: the next of those seeded for it.
        user = forget_me_member(next(forgetting))
        request = command("forget-me", user, "views.open")
        client.send(request)
        assert request.done is not None
        forget_views[(c, n)] = (user, client.finishes.views.get(request.done[1]) or {})

    def forget_submit(c: int, n: int) -> Request:
        user, view = forget_views.pop((c, n))
        return view_submission(user, view, {}, ("chat.postMessage", user))

    def admin(c: int, n: int = 0) -> str:
        # Three admins a client, never shared: a list's last DMs cannot finish the next request.
        return admins[(3 * c + n % 3) % len(admins)]

    return [
        Surface("role", lambda c, n: command("role secretary", MEMBER), check=b"Secretary"),
        Surface("who", lambda c, n: command("who minutes", MEMBER)),
        Surface("roles", lambda c, n: command("roles", MEMBER)),
        Surface("officers", lambda c, n: command("officers", MEMBER)),
        Surface("region", lambda c, n: command("region", MEMBER, "response_url")),
        Surface("meetings", lambda c, n: command("meetings", MEMBER, "response_url")),
        Surface("nominate", lambda c, n: command("nominate secretary", MEMBER, "views.open")),
        Surface("nomination submission", submission, setup=fetch_form, check=b"Saving your nomination"),
        Surface("nominations mine", lambda c, n: command("nominations mine", MEMBER, "views.open")),
        Surface(
            "nominations (admin)",
            lambda c, n: command("nominations", admin(c, n), "chat.postMessage"),
            most=HEAVY_REQUESTS,
        ),
        Surface(  # one position's list: a seventh of the nominations, a few DMs
            "nominations secretary (admin)",
            lambda c, n: command("nominations secretary", admin(c, n), "chat.postMessage"),
            most=HEAVY_REQUESTS,
        ),
        Surface(
            "nominations export",
            lambda c, n: command("nominations export", admin(c, n), "files.completeUploadExternal"),
            most=HEAVY_REQUESTS,
        ),
        *(
            [
                Surface(
                    "nominations export (changed)",
                    lambda c, n: command("nominations export", admin(c, n), "files.completeUploadExternal"),
                    setup=lambda c, n, client: change_nominations(),
                    most=HEAVY_REQUESTS,
                )
            ]
            if change_nominations is not None
            else []
        ),
        Surface("questions", lambda c, n: command("questions", COORDINATOR, "response_url")),
        Surface("home (member)", lambda c, n: home_opened(member_id(c * 7 + n % 7))),
        Surface("home (coordinator)", lambda c, n: home_opened(COORDINATOR)),
        Surface("home (admin)", lambda c, n: home_opened(admin(c, n))),
        Surface("my-data", lambda c, n: command("my-data", MEMBER, "files.completeUploadExternal")),
        Surface("forget-me", forget_submit, setup=forget_setup),
    ]


def set_response_base(fake: FakeSlack) -> None:
    _RESPONSE_BASE[0] = fake.base_url


def ack_json(data: bytes) -> Any:
    return json.loads(data) if data.startswith(b"{") else None
