"""Engine and session factory from DATABASE_URL, and the schema version check."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def normalise_url(url: str) -> str:
    # Heroku-style and plain URLs name no driver; psycopg 3 is the one installed.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def make_engine(url: str) -> Engine:
    url = normalise_url(url)
    kwargs: dict[str, Any] = {"pool_pre_ping": True}
    if url.startswith("sqlite"):
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
    engine = create_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            # WAL lets the scheduler write while a request reads; foreign keys are off by default.
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            if ":memory:" not in url and url != "sqlite://":
                cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

    return engine


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", normalise_url(url).replace("%", "%%"))
    return config


def upgrade(url: str) -> None:
    command.upgrade(alembic_config(url), "head")


def heads() -> list[str]:
    """The revisions nothing follows; exactly one in a healthy history (tests/test_migrations.py)."""
    return list(ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads())


def new_revision(message: str) -> str:
    """Write an empty migration after the single head; returns its file path.

    Raises alembic.util.CommandError when the history has more than one head.
    """
    config = alembic_config("sqlite://")
    # The id already holds the slug: the file is named by the id alone (0007_apologies.py).
    config.set_main_option("file_template", "%%(rev)s")
    # Revision ids follow the files' own scheme: a sequence number and a slug (0007_apologies).
    number = 1 + max(int(rev.revision[:4]) for rev in ScriptDirectory.from_config(config).walk_revisions())
    slug = "_".join("".join(c if c.isalnum() else " " for c in message.lower()).split())[:40]
    script = command.revision(config, message=message, rev_id=f"{number:04d}_{slug}")
    if isinstance(script, list):  # only with several heads, which the call above refuses
        script = script[0]
    assert script is not None
    return str(script.path)


def schema_behind(engine: Engine) -> set[str]:
    """The migrations the database has not had; empty when it is up to date."""
    script = ScriptDirectory.from_config(alembic_config(str(engine.url)))
    with engine.connect() as connection:
        current = set(MigrationContext.configure(connection).get_current_heads())
    wanted = {rev.revision for rev in script.walk_revisions()}
    reached: set[str] = set()
    for head in current:
        reached.update(rev.revision for rev in script.iterate_revisions(head, "base"))
    return wanted - reached
