"""A stalled database never holds a reply past Slack's 3 seconds, and nothing is half-saved.

Three ways a database stalls: a lock held by another session for 10 s (SQLite's file lock,
PostgreSQL's table lock), and a PostgreSQL server that stops answering on connections it has
already accepted (a relay on loopback that freezes).
"""

from __future__ import annotations

import logging
import socket
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from bot.clock import ManualClock
from bot.db import AnswerAlreadySent
from bot.fake_slack import FakeSlack
from bot.server import LATE_TEXT
from models.questions import MemberRegion
from tests.e2e.harness import BotHarness

SLACK_LIMIT = 3.0


def _timed(call: Callable[[], Any]) -> tuple[Any, float]:
    started = time.monotonic()
    result = call()
    return result, time.monotonic() - started


def _saved_region(bot: BotHarness, user: str) -> str | None:
    with bot.deps.session_factory() as session:
        row = session.scalar(select(MemberRegion).where(MemberRegion.user_id == user))
        return row.region if row is not None else None


class _Lock:
    """Another session holding the member_regions table for ``seconds``."""

    def __init__(self, database_url: str, seconds: float) -> None:
        self.database_url = database_url
        self.seconds = seconds
        self.held = threading.Event()
        self.thread = threading.Thread(target=self._hold, daemon=True)

    def _hold(self) -> None:
        if self.database_url.startswith("sqlite"):
            connection = sqlite3.connect(make_url(self.database_url).database or "", isolation_level=None)
            connection.execute("BEGIN EXCLUSIVE")
            self.held.set()
            time.sleep(self.seconds)
            connection.execute("ROLLBACK")
            connection.close()
            return
        engine = create_engine(self.database_url)
        with engine.connect() as connection:
            connection.execute(text("LOCK TABLE member_regions IN ACCESS EXCLUSIVE MODE"))
            self.held.set()
            time.sleep(self.seconds)
            connection.rollback()
        engine.dispose()

    def __enter__(self) -> _Lock:
        self.thread.start()
        assert self.held.wait(10)
        return self

    def __exit__(self, *_: object) -> None:
        self.thread.join(timeout=30)


def test_a_lock_held_for_10_s_gets_a_not_saved_answer_in_time(bot: BotHarness, database_url: str) -> None:
    with _Lock(database_url, 10):
        answer, took = _timed(lambda: bot.command("region set americas"))
        assert took < SLACK_LIMIT
        text_shown = answer.json()["text"]
        assert "nothing was" in text_shown and "try again" in text_shown
        # A command that needs no database is not held up either.
        role, took = _timed(lambda: bot.command("role secretary"))
        assert took < SLACK_LIMIT and "Secretary" in role.json()["text"]
    # Nothing was half-saved: the lock is gone and the choice was not stored.
    assert _saved_region(bot, "U0MEMBER") is None
    again = bot.command("region set americas")
    assert "nothing was" not in again.json()["text"]
    assert _saved_region(bot, "U0MEMBER") == "americas"


class _Relay:
    """A TCP relay to PostgreSQL that can freeze: it keeps every connection open, answers nothing."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.frozen = threading.Event()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.sockets: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            server = socket.create_connection(self.target)
            self.sockets += [client, server]
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    def _pipe(self, source: socket.socket, sink: socket.socket) -> None:
        while True:
            try:
                data = source.recv(65536)
            except OSError:
                return
            if not data:
                return
            while self.frozen.is_set():
                time.sleep(0.05)  # hold what was said: the server seems to have stopped answering
            try:
                sink.sendall(data)
            except OSError:
                return

    def close(self) -> None:
        self.frozen.clear()
        self.listener.close()
        for sock in self.sockets:
            sock.close()


@pytest.fixture
def relay(postgres_database_url: str) -> Iterator[tuple[_Relay, str]]:
    url = make_url(postgres_database_url)
    relay = _Relay((url.host or "127.0.0.1", url.port or 5432))
    yield relay, url.set(host="127.0.0.1", port=relay.port).render_as_string(hide_password=False)
    relay.close()


@pytest.mark.postgres
def test_a_postgres_server_that_stops_answering_gets_a_not_saved_answer_in_time(
    fake_slack: FakeSlack,
    clock: ManualClock,
    org: dict[str, Any],
    relay: tuple[_Relay, str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    stalled, url = relay
    bot = BotHarness(fake_slack, url, clock, org)
    try:
        assert "nothing was" not in bot.command("region set europe-africa-middle-east").json()["text"]
        stalled.frozen.set()
        late = 0
        for _ in range(3):  # more than one: a stuck request must not hold up the next
            answer, took = _timed(lambda: bot.command("region set americas"))
            assert took < SLACK_LIMIT
            shown = answer.json()["text"]
            # Either still waiting at the deadline, or refused a new connection within it.
            assert "nothing was" in shown and "try again" in shown
            late += shown == LATE_TEXT
        assert late >= 1
        role, took = _timed(lambda: bot.command("role secretary"))
        assert took < SLACK_LIMIT and "Secretary" in role.json()["text"]
        # Released, the stuck requests finish; each is refused its commit, because the member
        # was already told that nothing was saved.
        with caplog.at_level(logging.ERROR):
            stalled.frozen.clear()
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and _refused(caplog) < late:
                time.sleep(0.05)
        assert _refused(caplog) == late
        assert _saved_region_at(url, "U0MEMBER") == "europe-africa-middle-east"
    finally:
        stalled.frozen.clear()
        bot.close()


def _refused(caplog: pytest.LogCaptureFixture) -> int:
    return sum(
        1
        for record in caplog.records
        if record.exc_info and isinstance(record.exc_info[1], AnswerAlreadySent)
    )


def _saved_region_at(url: str, user: str) -> str | None:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return connection.execute(
                text("SELECT region FROM member_regions WHERE user_id = :u"), {"u": user}
            ).scalar()
    finally:
        engine.dispose()
