"""One process's writing transactions on a SQLite file take turns (bot/db.py): the turn is
taken at the first write, given back at commit and rollback, and its wait is bounded."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError

from bot import db
from tests.services.test_rows import waits_for_the_write_turn

WAIT = 10.0


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = db.make_engine(f"sqlite:///{tmp_path / 'turns.db'}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (n INTEGER)"))
    yield engine
    engine.dispose()


def count(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM t")).scalar_one())


def test_a_writer_waits_for_the_turn_within_the_request_bound_and_gets_it_after_commit(
    engine: Engine,
) -> None:
    wrote, finish = threading.Event(), threading.Event()

    def holder() -> None:
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO t VALUES (1)"))
            wrote.set()
            assert finish.wait(WAIT)

    thread = threading.Thread(target=holder)
    thread.start()
    assert wrote.wait(WAIT)
    with engine.connect() as conn:  # reading takes no turn
        assert conn.execute(text("SELECT count(*) FROM t")).scalar_one() == 0
    # In a request the wait is LOCK_TIMEOUT_MS, then the write fails and nothing is half-done.
    with pytest.raises(OperationalError), db.commits_until(threading.Event()), engine.begin() as conn:
        conn.execute(text("INSERT INTO t VALUES (2)"))
    finish.set()
    thread.join(WAIT)
    with db.commits_until(threading.Event()), engine.begin() as conn:
        conn.execute(text("INSERT INTO t VALUES (3)"))
    assert count(engine) == 2


def test_the_turn_is_given_back_when_a_transaction_fails(engine: Engine) -> None:
    def failing() -> None:
        with pytest.raises(RuntimeError), engine.begin() as conn:
            conn.execute(text("INSERT INTO t VALUES (1)"))
            raise RuntimeError("the use case refused")

    thread = threading.Thread(target=failing)
    thread.start()
    thread.join(WAIT)
    # Had the rollback kept the turn, this write would wait LOCK_TIMEOUT_MS and fail.
    with db.commits_until(threading.Event()), engine.begin() as conn:
        conn.execute(text("INSERT INTO t VALUES (2)"))
    assert count(engine) == 1


def test_ten_writers_at_once_all_write(engine: Engine) -> None:
    def write(n: int) -> None:
        with engine.begin() as conn:
            conn.execute(text("SELECT count(*) FROM t"))
            conn.execute(text("INSERT INTO t VALUES (:n)"), {"n": n})
            conn.execute(text("UPDATE t SET n = n WHERE n = :n"), {"n": n})

    threads = [threading.Thread(target=write, args=(n,)) for n in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(WAIT)
    assert count(engine) == 10


@pytest.mark.parametrize(
    "first_write",
    [
        "WITH one AS (SELECT 1) INSERT INTO t SELECT * FROM one",
        "/* a note */ INSERT INTO t VALUES (1)",
    ],
)
def test_a_first_write_of_any_form_takes_the_turn(engine: Engine, first_write: str) -> None:
    """A transaction whose first write is not a plain INSERT still takes the turn at it: had it
    not, it would hold SQLite's lock while another writer held the turn, and its next INSERT
    would wait for that writer, which waits for SQLite's lock: both until a timeout."""
    first_done, second_started = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def first() -> None:
        try:
            with engine.begin() as conn:
                conn.execute(text(first_write))
                first_done.set()
                assert second_started.wait(WAIT)
                # The second writer must be waiting for the turn this one holds; had this one
                # not taken it, the second would hold it and wait for SQLite's lock instead.
                deadline = time.monotonic() + WAIT
                while not waits_for_the_write_turn(threads[1]):
                    assert time.monotonic() < deadline, "the second writer never waited for the turn"
                    time.sleep(0.005)
                conn.execute(text("INSERT INTO t VALUES (2)"))
        except BaseException as exc:
            errors.append(exc)

    def second() -> None:
        assert first_done.wait(WAIT)
        second_started.set()
        try:
            with engine.begin() as conn:
                conn.execute(text("INSERT INTO t VALUES (3)"))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == [] and count(engine) == 3
