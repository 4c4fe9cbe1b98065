"""Concurrent requests for the same large read share one: ten admins exporting at once read
the nominations once, not ten times over on two cores.

A caller joins the read for its key that has not begun yet, or starts one; reads of one key
run one at a time. So whatever a caller gets was read after it asked: a change committed
before the request (in this process or any other on the same database) is in its answer,
with no cache to invalidate. Nothing is kept once a read has been handed out.

"When it asked" is, by default, the call; a caller that knows when its request reached the
bot (``asked_at``, before the acknowledgement and the wait for a thread after it) also joins
a read that is running and began after that moment: it holds every change committed before
the member asked, and the caller does not wait for it to end and then for a read of its own.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar, cast

T = TypeVar("T")


@dataclass
class _Round(Generic[T]):
    done: threading.Event = field(default_factory=threading.Event)
    value: T | None = None
    error: BaseException | None = None
    began: float | None = None  # time.monotonic() when the read began; None: not yet


class SharedReads:
    """``get(key, read)``: ``read()``'s result, shared with callers of the same key that
    arrived before it began. Thread-safe; ``read`` raising raises in every caller sharing it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._waiting: dict[Hashable, _Round[Any]] = {}
        self._running: dict[Hashable, threading.Lock] = {}
        self._current: dict[Hashable, _Round[Any]] = {}  # the read of each key now running

    def get(self, key: Hashable, read: Callable[[], T], asked_at: float | None = None) -> T:
        """``asked_at``: ``time.monotonic()`` when the caller's request arrived (None: now); a
        read of ``key`` running since then is shared too."""
        joined: _Round[T]
        with self._lock:
            current = self._current.get(key)
            if (
                asked_at is not None
                and current is not None
                and current.began is not None
                and current.began >= asked_at
            ):
                joined, leader = current, False
            else:
                waiting = self._waiting.get(key)
                leader = waiting is None
                joined = self._waiting[key] = _Round() if waiting is None else waiting
            running = self._running.setdefault(key, threading.Lock())
        if not leader:
            return self._wait(joined)
        with running:  # the previous read of this key has ended; callers until now share this one
            with self._lock:
                del self._waiting[key]
                joined.began = time.monotonic()
                self._current[key] = joined
            try:
                value = read()
                joined.value = value
            except BaseException as exc:
                joined.error = exc
                raise
            finally:
                with self._lock:
                    if self._current.get(key) is joined:
                        del self._current[key]
                joined.done.set()
        return value

    @staticmethod
    def _wait(joined: _Round[T]) -> T:
        joined.done.wait()  # the read is bounded by the database's own timeouts
        if joined.error is not None:
            raise joined.error
        return cast(T, joined.value)
