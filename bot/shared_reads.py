"""Concurrent requests for the same large read share one: ten admins exporting at once read
the nominations once, not ten times over on two cores.

A caller joins the read for its key that has not begun yet, or starts one; reads of one key
run one at a time. So whatever a caller gets was read after it asked: a change committed
before the request (in this process or any other on the same database) is in its answer,
with no cache to invalidate. Nothing is kept once a read has been handed out.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar, cast

T = TypeVar("T")


@dataclass
class _Round(Generic[T]):
    done: threading.Event = field(default_factory=threading.Event)
    value: T | None = None
    error: BaseException | None = None


class SharedReads:
    """``get(key, read)``: ``read()``'s result, shared with callers of the same key that
    arrived before it began. Thread-safe; ``read`` raising raises in every caller sharing it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._waiting: dict[Hashable, _Round[Any]] = {}
        self._running: dict[Hashable, threading.Lock] = {}

    def get(self, key: Hashable, read: Callable[[], T]) -> T:
        joined: _Round[T] | None
        with self._lock:
            joined = self._waiting.get(key)
            leader = joined is None
            if joined is None:
                joined = self._waiting[key] = _Round()
            running = self._running.setdefault(key, threading.Lock())
        if not leader:
            return self._wait(joined)
        with running:  # the previous read of this key has ended; callers until now share this one
            with self._lock:
                del self._waiting[key]
            try:
                value = read()
                joined.value = value
            except BaseException as exc:
                joined.error = exc
                raise
            finally:
                joined.done.set()
        return value

    @staticmethod
    def _wait(joined: _Round[T]) -> T:
        joined.done.wait()  # the read is bounded by the database's own timeouts
        if joined.error is not None:
            raise joined.error
        return cast(T, joined.value)
