"""Database fixtures: every storage test runs on SQLite and on PostgreSQL.

PostgreSQL is 127.0.0.1:5432 (trust auth) unless LIEC_TEST_POSTGRES_URL says otherwise. In
CI (CI=true or LIEC_REQUIRE_POSTGRES=1) a missing server fails the run; elsewhere those tests
skip with the reason.
"""

from __future__ import annotations

import logging
import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from bot import db

POSTGRES_URL = os.environ.get("LIEC_TEST_POSTGRES_URL", "postgresql+psycopg://root@127.0.0.1:5432/test")
REQUIRE_POSTGRES = os.environ.get("CI", "").lower() == "true" or bool(os.environ.get("LIEC_REQUIRE_POSTGRES"))


@pytest.fixture(autouse=True)
def _root_logging_restored() -> Iterator[None]:
    """A test that runs `main()` in this process installs the bot's log handler on the root
    logger, bound to that test's captured stderr; later tests must not write to it once closed."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def _admin_engine():  # type: ignore[no-untyped-def]
    return create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[str]:
    """A migrated template database; each test gets a fresh copy of it."""
    name = f"liec_tpl_{uuid.uuid4().hex[:10]}"
    try:
        engine = _admin_engine()
        with engine.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:
        message = f"PostgreSQL is not reachable at {POSTGRES_URL} ({type(exc).__name__})"
        if REQUIRE_POSTGRES:
            pytest.fail(message + "; CI requires it (.ci/run starts it)", pytrace=False)
        pytest.skip(message + "; start it to run the PostgreSQL half of the storage tests")
    url = make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    db.upgrade(url)
    yield name
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sqlite-template") / "template.db"
    db.upgrade(f"sqlite:///{path}")
    return path


def _fresh_postgres(template: str) -> Iterator[str]:
    name = f"liec_t_{uuid.uuid4().hex[:12]}"
    engine = _admin_engine()
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated, empty database: once on SQLite, once on PostgreSQL."""
    if request.param == "sqlite":
        path = tmp_path / "liec.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
    else:
        yield from _fresh_postgres(request.getfixturevalue("postgres_template"))


@pytest.fixture
def sqlite_database_url(sqlite_template: Path, tmp_path: Path) -> str:
    path = tmp_path / "liec.db"
    shutil.copy(sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def postgres_database_url(postgres_template: str) -> Iterator[str]:
    yield from _fresh_postgres(postgres_template)


@pytest.fixture
def postgres_empty_url(postgres_template: str) -> Iterator[str]:
    """A brand-new PostgreSQL database with no tables, as on a first deployment."""
    yield from _fresh_postgres("template0")


def two_processes_on(url: str) -> Iterator[tuple[sessionmaker[Session], sessionmaker[Session]]]:
    """Two engines on one database, as two bot processes behind one address have (a fixture's
    body: ``yield from two_processes_on(url)``)."""
    engines = [db.make_engine(url) for _ in range(2)]
    yield db.make_session_factory(engines[0]), db.make_session_factory(engines[1])
    for engine in engines:
        engine.dispose()


@pytest.fixture
def session_factory(database_url: str) -> Iterator[sessionmaker[Session]]:
    engine = db.make_engine(database_url)
    yield db.make_session_factory(engine)
    engine.dispose()
