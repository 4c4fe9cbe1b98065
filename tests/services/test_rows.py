"""The one way to insert a row that another request or process may insert at the same moment:
the first insert wins, the second loses cleanly (no exception) and, on PostgreSQL, waits for
the first transaction to end before it knows."""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot import db
from bot.services.rows import add_unless_raced, insert_once
from models.foundation import SlackDelivery

T0 = datetime(2027, 1, 9, 10, 0, tzinfo=UTC)
WAIT_S = 10  # the bound on waiting for the other thread; never reached when it works


def delivery(key: str) -> dict[str, object]:
    return {"key": key, "seen_at": T0}


def count(session_factory: sessionmaker[Session]) -> int:
    with session_factory() as session:
        return session.scalar(select(func.count()).select_from(SlackDelivery)) or 0


def test_a_row_is_inserted_once(session_factory: sessionmaker[Session]) -> None:
    with session_factory.begin() as session:
        assert insert_once(session, SlackDelivery, delivery("a"), key=["key"])
        assert not insert_once(session, SlackDelivery, delivery("a"), key=["key"])
        assert insert_once(session, SlackDelivery, delivery("b"), key=["key"])
    with session_factory.begin() as session:
        assert not insert_once(
            session, SlackDelivery, {"key": "a", "seen_at": T0.replace(year=2028)}, key=["key"]
        )
    with session_factory() as session:
        assert session.get_one(SlackDelivery, "a").seen_at == T0  # the loser changed nothing
    assert count(session_factory) == 2


def in_thread(work: Callable[[], object]) -> tuple[threading.Thread, list[object]]:
    """Run `work` in another thread; its result (or exception) lands in the list."""
    out: list[object] = []

    def run() -> None:
        try:
            out.append(work())
        except Exception as error:  # handed to the test, which asserts on it
            out.append(error)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, out


def waits_for_the_write_turn(thread: threading.Thread) -> bool:
    """True while `thread` waits in `bot.db._one_writer_at_a_time` for the writer's turn: the
    innermost frame of a thread blocked on that lock is the listener that takes it."""
    frame = sys._current_frames().get(thread.ident or 0)
    return (
        frame is not None and frame.f_code.co_name == "_take_turn" and frame.f_code.co_filename == db.__file__
    )


def wait_until_blocked(session_factory: sessionmaker[Session], second: threading.Thread) -> None:
    """Wait until the `second` transaction waits on the first: on PostgreSQL, until another
    connection waits on a lock (the unique index held by the first, uncommitted insert); on
    SQLite, until its thread waits for the writer's turn the first holds. A second that read
    the first's row before it was committed, and so never waits, fails here."""
    postgresql = session_factory.kw["bind"].dialect.name == "postgresql"
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        if not postgresql:
            if waits_for_the_write_turn(second):
                return
        else:
            with session_factory() as watcher:
                waiting = watcher.scalar(
                    text(
                        "SELECT count(*) FROM pg_stat_activity "
                        "WHERE datname = current_database() AND wait_event_type = 'Lock'"
                    )
                )
            if waiting:
                return
        time.sleep(0.005)
    pytest.fail("the second transaction did not wait for the first")


def second_waits_for_first(
    session_factory: sessionmaker[Session],
    first_writes: Callable[[Session], object],
    second: Callable[[], object],
    first_ends: str = "commit",
) -> list[object]:
    """`first_writes` in a transaction left open; `second` in another thread, which must wait
    for it (`wait_until_blocked`); then the first commits (or rolls back). Returns what the
    second returned or raised."""
    first = session_factory()
    try:
        first_writes(first)
        thread, out = in_thread(second)
        wait_until_blocked(session_factory, thread)
        assert not out  # still waiting
        first.commit() if first_ends == "commit" else first.rollback()
    finally:
        first.close()
    thread.join(WAIT_S)
    return out


def _second_insert(session_factory: sessionmaker[Session]) -> bool:
    with session_factory.begin() as second:
        return insert_once(second, SlackDelivery, delivery("raced"), key=["key"])


@pytest.mark.parametrize("first_ends", ["commit", "rollback"])
def test_the_second_of_two_racing_inserts_waits_for_the_first(
    session_factory: sessionmaker[Session], first_ends: str
) -> None:
    def first_inserts(first: Session) -> None:
        assert insert_once(first, SlackDelivery, delivery("raced"), key=["key"])

    out = second_waits_for_first(
        session_factory, first_inserts, lambda: _second_insert(session_factory), first_ends
    )
    # The first committed: the second loses, quietly. It rolled back: the second wins.
    assert out == [first_ends == "rollback"]
    assert count(session_factory) == 1


def test_add_unless_raced_gives_the_loser_the_winners_row(session_factory: sessionmaker[Session]) -> None:
    def first_adds(first: Session) -> None:
        mine = add_unless_raced(first, SlackDelivery(key="raced", seen_at=T0), lambda: None)
        assert mine.seen_at == T0

    def second_add() -> tuple[datetime, bool]:
        with session_factory.begin() as second:
            late = SlackDelivery(key="raced", seen_at=T0.replace(year=2028))
            won = add_unless_raced(second, late, lambda: second.get(SlackDelivery, "raced"))
            # The loser's transaction goes on: only its insert was undone.
            second.add(SlackDelivery(key="after", seen_at=T0))
            return won.seen_at, won is late

    out = second_waits_for_first(session_factory, first_adds, second_add)
    assert out == [(T0, False)]
    assert count(session_factory) == 2


def test_add_unless_raced_raises_when_no_row_won(session_factory: sessionmaker[Session]) -> None:
    with session_factory.begin() as session:
        session.add(SlackDelivery(key="taken", seen_at=T0))
    with pytest.raises(IntegrityError), session_factory.begin() as session:
        add_unless_raced(session, SlackDelivery(key="taken", seen_at=T0), lambda: None)


def test_a_row_added_unless_raced_goes_with_its_transaction_when_that_rolls_back(
    session_factory: sessionmaker[Session],
) -> None:
    # On SQLite the savepoint is the transaction's first write: its release must not commit.
    with pytest.raises(RuntimeError), session_factory.begin() as session:
        assert count(session_factory) == 0
        add_unless_raced(session, SlackDelivery(key="half", seen_at=T0), lambda: None)
        raise RuntimeError("the rest of the use case failed")
    assert count(session_factory) == 0
