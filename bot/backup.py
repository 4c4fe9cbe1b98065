"""`liec-bot db backup`: a consistent copy of a SQLite database while the bot runs.

SQLite's online backup API copies the pages under a read lock, so the copy is a sound
database even while the bot writes (copying the file with `cp` is not). PostgreSQL has its
own tool, pg_dump; the command says so rather than half-doing it.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import make_url

from bot import db


class BackupError(Exception):
    """The backup cannot be made; the message says what to do instead."""


def sqlite_path(database_url: str) -> Path | None:
    """The file of a SQLite database URL; None for any other database."""
    url = make_url(db.normalise_url(database_url))
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return Path(url.database)


def default_target(source: Path, now: datetime) -> Path:
    stamp = f"{now.astimezone(UTC):%Y%m%d-%H%M%S}"
    return source.with_name(f"{source.stem}-backup-{stamp}{source.suffix or '.db'}")


def backup(database_url: str, target: Path | None = None, now: datetime | None = None) -> Path:
    source = sqlite_path(database_url)
    if source is None:
        raise BackupError(
            "this database is not SQLite: back PostgreSQL up with its own tool, e.g. "
            'pg_dump --format=custom --file=liec.dump "$DATABASE_URL" (see the README, Backups)'
        )
    if not source.exists():
        raise BackupError(f"{source} does not exist: there is nothing to back up yet")
    target = target or default_target(source, now or datetime.now(UTC))
    if target.exists():
        raise BackupError(f"{target} exists already: give another name with --to")
    # Read-only source; the copy is written to a new file and only appears when complete.
    partial = target.with_name(target.name + ".part")
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        dst = sqlite3.connect(partial)
        try:
            src.backup(dst)
        finally:
            dst.close()
        partial.rename(target)
    finally:
        src.close()
        partial.unlink(missing_ok=True)
    return target
