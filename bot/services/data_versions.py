"""Values worked out from tables whose data version the database bumps on every write
(`data_versions`: "meetings", migrations 0011 and 0014; "nominations", migration 0016), kept
per process while that version holds: a change made by any process shows in every process's
next read, with nothing to invalidate by hand."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Generic, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.foundation import DataVersion

T = TypeVar("T")

MEETINGS = "meetings"
"""Bumped by every write to `meetings` and `meeting_changes`."""
NOMINATIONS = "nominations"
"""Bumped by every write to `elections`, `nominations` and `nominators`."""


def current(session: Session, name: str) -> int | None:
    """The data version ``name`` as the session sees it now (None: the row is missing, as in a
    database not yet upgraded; nothing is kept under None)."""
    return session.scalar(select(DataVersion.version).where(DataVersion.name == name))


class KeptUnderVersion(Generic[T]):
    """One value worked out from the tables behind data version ``name``, kept while that
    version holds and for at most ``keep_s`` seconds (monotonic) after it was worked out, so
    that personal data in it does not stay in memory for long. Thread-safe; two callers
    missing at once both work it out (callers that must share one read use
    bot/shared_reads.py)."""

    def __init__(self, name: str, keep_s: float, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.name = name
        self.keep_s = keep_s
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._kept: tuple[int, float, T] | None = None  # (version, when worked out, value)

    def get(self, session: Session, work_out: Callable[[Session], T]) -> T:
        """``work_out(session)``, or the value kept under the version the session sees now.
        The version is read first, so a value kept under a version is never older than it.
        ``session`` must only read (``AppDeps.read``): a session that has written would keep
        data that may never be committed."""
        version = current(session, self.name)
        now = self._monotonic()
        with self._lock:
            kept = self._kept
            if kept is not None and (kept[0] != version or now - kept[1] > self.keep_s):
                self._kept = kept = None  # dropped as soon as it is stale: no personal data lingers
        if kept is not None:
            return kept[2]
        value = work_out(session)
        if version is not None:
            with self._lock:
                self._kept = (version, now, value)
        return value

    def expire(self) -> None:
        """Drop what is kept once ``keep_s`` have passed since it was worked out, whether or not
        anyone asks again (run at every scheduler tick: ``bot/runtime.py``)."""
        with self._lock:
            if self._kept is not None and self._monotonic() - self._kept[1] > self.keep_s:
                self._kept = None
