"""SharedReads: callers at the same moment share one read, and no caller gets a read that
began before it asked (so a change committed before an export is in it)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

import pytest

from bot.shared_reads import SharedReads, _Round

T = TypeVar("T")
WAIT = 10.0


class Watched(SharedReads):
    """Counts the callers that joined a read already waiting to begin."""

    def __init__(self) -> None:
        super().__init__()
        self.joined = threading.Semaphore(0)

    def _wait(self, joined: _Round[T]) -> T:  # type: ignore[override]
        self.joined.release()
        return SharedReads._wait(joined)


def until(condition: object, what: str) -> None:
    deadline = time.monotonic() + WAIT
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, what
        time.sleep(0.005)


def _numbered_reads() -> tuple[threading.Event, list[int], Callable[[], int]]:
    """(release, started, read): each read returns its number (1, 2, ...); the first one waits
    for `release`."""
    release_first = threading.Event()
    started: list[int] = []

    def read() -> int:
        started.append(len(started) + 1)
        if len(started) == 1:
            assert release_first.wait(WAIT)
        return len(started)

    return release_first, started, read


def test_callers_arriving_during_a_read_share_the_next_one_not_the_running_one() -> None:
    reads = Watched()
    release_first, started, read = _numbered_reads()

    with ThreadPoolExecutor(4) as pool:
        first = pool.submit(reads.get, "csv", read)
        until(lambda: started == [1], "the first read began")
        second = pool.submit(reads.get, "csv", read)  # waits for the first read to end
        until(lambda: "csv" in reads._waiting, "the second caller opened the next read")
        others: list[Future[int]] = [pool.submit(reads.get, "csv", read) for _ in range(2)]
        for _ in others:
            assert reads.joined.acquire(timeout=WAIT)
        release_first.set()
        assert first.result(WAIT) == 1
        # Everyone who asked while the first read ran gets the second: read after they asked.
        assert [f.result(WAIT) for f in (second, *others)] == [2, 2, 2]
    assert started == [1, 2]


def test_a_failed_read_fails_every_caller_sharing_it_and_the_next_caller_reads_again() -> None:
    reads = Watched()
    gate, began = threading.Event(), threading.Event()

    def failing() -> int:
        began.set()
        assert gate.wait(WAIT)
        raise RuntimeError("database gone")

    with ThreadPoolExecutor(2) as pool:
        leader = pool.submit(reads.get, "list", failing)
        assert began.wait(WAIT)
        follower_of_next = pool.submit(reads.get, "list", failing)
        until(lambda: "list" in reads._waiting, "the next read is waiting")
        gate.set()
        with pytest.raises(RuntimeError):
            leader.result(WAIT)
        with pytest.raises(RuntimeError):
            follower_of_next.result(WAIT)
    assert reads.get("list", lambda: 7) == 7


def test_different_keys_do_not_share() -> None:
    reads = SharedReads()
    assert reads.get(("db1", "csv"), lambda: "one") == "one"
    assert reads.get(("db2", "csv"), lambda: "two") == "two"


@pytest.mark.parametrize("asked", ["before the read began", "after the read began"])
def test_a_caller_that_asked_before_a_running_read_began_shares_it(asked: str) -> None:
    """`asked_at` (when the caller's request arrived): a read running since then already holds
    every change committed before the caller asked, so the caller shares it; a read that began
    before the caller asked may miss such a change, so the caller gets the next read."""
    reads = Watched()
    release_first, started, read = _numbered_reads()

    arrived = time.monotonic()
    with ThreadPoolExecutor(2) as pool:
        first = pool.submit(reads.get, "home", read)
        until(lambda: started == [1], "the first read began")
        asked_at = arrived if asked == "before the read began" else time.monotonic()
        caller = pool.submit(reads.get, "home", read, asked_at)
        if asked == "before the read began":
            assert reads.joined.acquire(timeout=WAIT)  # waiting on the running read
        else:
            until(lambda: "home" in reads._waiting, "the caller opened the next read")
        release_first.set()
        assert first.result(WAIT) == 1
        expected = 1 if asked == "before the read began" else 2
        assert caller.result(WAIT) == expected
    assert started == list(range(1, expected + 1))
