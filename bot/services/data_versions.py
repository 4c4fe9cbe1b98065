"""Values worked out from tables whose data version the database bumps on every write
(`data_versions`: "meetings", migrations 0011 and 0014; "nominations", migration 0016;
"questions" and "failed_posts", migration 0017), kept
per process while that version holds: a change made by any process shows in every process's
next read, with nothing to invalidate by hand."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Generic, TypeVar

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from models.foundation import DataVersion

T = TypeVar("T")

MEETINGS = "meetings"
"""Bumped by every write to `meetings` and `meeting_changes`."""
NOMINATIONS = "nominations"
"""Bumped by every write to `elections`, `nominations` and `nominators`."""
QUESTIONS = "questions"
"""Bumped by every write to `questions`."""
FAILED_POSTS = "failed_posts"
"""Bumped by every write to `meeting_posts`, and to a `scheduled_jobs` row that is or was failed."""


_CURRENT = select(DataVersion.version).where(DataVersion.name == bindparam("name"))
_CURRENT_ALL = select(DataVersion.name, DataVersion.version).where(
    DataVersion.name.in_(bindparam("names", expanding=True))
)
# Built once: a version is read at nearly every open of the Home tab and every list of
# meetings (docs/ARCHITECTURE.md, "Statements built once").


def current(session: Session, name: str) -> int | None:
    """The data version ``name`` as the session sees it now (None: the row is missing, as in a
    database not yet upgraded; nothing is kept under None)."""
    return session.scalar(_CURRENT, {"name": name})


def current_all(session: Session, names: tuple[str, ...]) -> tuple[int, ...] | None:
    """The data versions ``names`` as the session sees them now, in that order, in one
    statement (None: a row is missing)."""
    rows = session.execute(_CURRENT_ALL, {"names": list(names)})
    found = {name: version for name, version in rows}
    if any(name not in found for name in names):
        return None
    return tuple(found[name] for name in names)


class KeptUnderVersion(Generic[T]):
    """One value worked out from the tables behind data version ``name`` (or versions: a
    tuple of names), kept while that version holds and for at most ``keep_s`` seconds
    (monotonic) after it was worked out, so that personal data in it does not stay in memory
    for long. Thread-safe; two callers missing at once both work it out (callers that must
    share one read use bot/shared_reads.py)."""

    def __init__(
        self, name: str | tuple[str, ...], keep_s: float, monotonic: Callable[[], float] = time.monotonic
    ) -> None:
        self.names = (name,) if isinstance(name, str) else name
        self.keep_s = keep_s
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._kept: tuple[tuple[int, ...], float, T] | None = None  # (versions, when worked out, value)

    def get(
        self, session: Session, work_out: Callable[[Session], T], fresh: Callable[[T], bool] | None = None
    ) -> T:
        """``work_out(session)``, or the value kept under the versions the session sees now
        and, given ``fresh``, for which ``fresh(value)`` is still true (a value that also
        depends on the time: what was open until a moment now past). The versions are read
        first, so a value kept under them is never older than they are.
        ``session`` must only read (``AppDeps.read``): a session that has written would keep
        data that may never be committed."""
        version = current_all(session, self.names)
        now = self._monotonic()
        with self._lock:
            kept = self._kept
            if kept is not None and (
                kept[0] != version
                or now - kept[1] > self.keep_s
                or (fresh is not None and not fresh(kept[2]))
            ):
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
