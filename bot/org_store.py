"""The current organisation of one process, kept in step with the database.

Every process keeps the current `OrgConfig` in memory (`OrgStore.current`, read through
`deps.org`). A cheap check of the revision number, once per scheduler tick, tells a process that
another one changed the organisation: it then loads the new document, swaps it in one assignment
and tells its listeners (who re-plan jobs and deliver questions that waited for a coordinator).
Like the job queue (bot/jobs.py) it holds the session factory: it is the process's state, not a
rule; the rules are bot/services/organisation.py, each taking a session.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from sqlalchemy.orm import Session, sessionmaker

from bot.clock import Clock
from bot.config import ConfigError, OrgConfig
from bot.services.organisation import FROM_FILE, Change, fill, load, replace, stored_revision

log = logging.getLogger(__name__)

Listener = Callable[[OrgConfig, OrgConfig], None]


class OrgStore:
    """The current OrgConfig of one process, kept in step with the database."""

    def __init__(
        self, session_factory: sessionmaker[Session], clock: Clock, org: OrgConfig, revision: int
    ) -> None:
        self._session_factory = session_factory
        self._clock = clock
        self._current = (org, revision)
        self._listeners: list[Listener] = []
        self._lock = threading.Lock()

    @classmethod
    def open(
        cls,
        session_factory: sessionmaker[Session],
        clock: Clock,
        from_file: Callable[[], OrgConfig],
        *,
        import_file: bool = False,
    ) -> OrgStore:
        """The stored organisation; an empty database is filled from the file. With
        `import_file` (serve --config-import) the file replaces the stored one on every start."""
        now = clock.now()
        if import_file:
            org = from_file()
            with session_factory.begin() as session:
                revision, changes = replace(session, org, FROM_FILE, "import", now)
            if changes:
                log.info("organisation file imported at start: %s change(s)", len(changes))
            return cls(session_factory, clock, org, revision)
        with session_factory() as session:
            stored = load(session)
        if stored is not None:
            return cls(session_factory, clock, *stored)
        org = from_file()
        with session_factory.begin() as session:
            filled = fill(session, org, FROM_FILE, now)
        if filled is None:
            # Another process filled it first: theirs is the organisation.
            with session_factory() as session:
                stored = load(session)
            if stored is None:  # and emptied it again at once: never in practice
                raise ConfigError("the organisation was filled and removed by another process; start again")
            return cls(session_factory, clock, *stored)
        log.info("the organisation was filled from the organisation file")
        return cls(session_factory, clock, org, filled)

    @property
    def current(self) -> OrgConfig:
        return self._current[0]

    @property
    def revision(self) -> int:
        return self._current[1]

    def on_change(self, listener: Listener) -> None:
        """Called with (before, after) after this process takes a new organisation."""
        self._listeners.append(listener)

    def refresh(self) -> bool:
        """Take a newer stored organisation, if any; True if it changed. One cheap query when
        nothing changed."""
        with self._session_factory() as session:
            revision = stored_revision(session)
            if revision is None or revision == self.revision:
                return False
            stored = load(session)
        if stored is None:
            return False
        try:
            self._take(*stored)
        except ConfigError:
            log.exception("the stored organisation does not validate; keeping revision %s", self.revision)
            return False
        return True

    def save(
        self, new: OrgConfig, actor: str, source: str, expected_revision: int | None = None
    ) -> list[Change]:
        """Store `new` (audited), take it at once in this process, and return what changed."""
        with self._session_factory.begin() as session:
            revision, changes = replace(session, new, actor, source, self._clock.now(), expected_revision)
        if changes:
            self._take(new, revision)
        return changes

    def _take(self, org: OrgConfig, revision: int) -> None:
        with self._lock:
            if revision <= self.revision:
                return
            before = self.current
            self._current = (org, revision)  # one assignment: readers see the old or the new
        for listener in self._listeners:
            try:
                listener(before, org)
            except Exception:
                log.exception("re-planning after an organisation change failed")
