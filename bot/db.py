"""Engine and session factory from DATABASE_URL, and the schema version check."""

from __future__ import annotations

import ast
import contextlib
import sqlite3
import threading
from collections.abc import Iterator
from contextvars import ContextVar
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, create_engine, event, exc, text
from sqlalchemy.exc import OperationalError, ProgrammingError
from sqlalchemy.orm import Session, sessionmaker

if TYPE_CHECKING:
    # Alembic is imported only when a migration is read or run: a start on an up-to-date
    # database does without it (`schema_behind`), a tenth of the start's CPU.
    from alembic.config import Config

_given_up: ContextVar[threading.Event | None] = ContextVar("liec_db_given_up", default=None)


class AnswerAlreadySent(RuntimeError):
    """The member was told "not saved" before this transaction could commit; it is rolled back."""


@contextlib.contextmanager
def commits_until(given_up: threading.Event) -> Iterator[None]:
    """Within this block (in this thread), refuse to commit once ``given_up`` is set.

    The HTTP layer sets it when it has told the member that nothing was saved because the
    database did not answer in time; a transaction finishing later must not prove it wrong.
    """
    token = _given_up.set(given_up)
    try:
        yield
    finally:
        _given_up.reset(token)


@event.listens_for(Session, "before_commit")
def _refuse_commit_after_giving_up(_session: Session) -> None:
    given_up = _given_up.get()
    if given_up is not None and given_up.is_set():
        raise AnswerAlreadySent("the acknowledgement deadline passed; rolled back")


MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def normalise_url(url: str) -> str:
    # Heroku-style and plain URLs name no driver; psycopg 3 is the one installed.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


LOCK_TIMEOUT_MS = 1000
"""Within a request: longest wait for a lock (a row, a table, SQLite's file) before failing."""
STATEMENT_TIMEOUT_MS = 1500
"""Within a request: longest a PostgreSQL statement may run before the server cancels it."""
BACKGROUND_LOCK_TIMEOUT_MS = 15_000
"""In scheduled jobs and other work after the acknowledgement: they may wait, but not forever."""
BACKGROUND_STATEMENT_TIMEOUT_MS = 120_000
CONNECT_TIMEOUT_S = 2
"""Longest wait for a new connection (libpq's minimum) or for a free one from the pool."""
POOL_SIZE = 10
"""Connections the pool keeps open: as many as requests, work after them and jobs use at once
under load (ten at a time). A connection beyond them is opened for one use and closed, which
costs a connect (and SQLite's pragmas) on every request; SQLAlchemy's default keeps five."""
POOL_OVERFLOW = 20
"""Connections opened beyond POOL_SIZE for one use each, at a burst's peak."""


def in_request() -> bool:
    """Whether this thread is answering a request (inside ``commits_until``)."""
    return _given_up.get() is not None


def answer_given_up() -> bool:
    """Whether the request this thread answers has already been told "not saved" (its
    acknowledgement's deadline passed): what it decides now must not be acted on later."""
    given_up = _given_up.get()
    return given_up is not None and given_up.is_set()


def make_engine(url: str, *, bounded: bool = True) -> Engine:
    """An engine for ``url`` (SQLite or PostgreSQL through psycopg 3).

    ``bounded`` (the bot's engine): every wait on the database is cut short so that a reply
    reaches Slack within its 3 seconds
    (https://api.slack.com/interactivity/handling#acknowledgment_response). Inside a request
    (``commits_until``) a lock is waited for LOCK_TIMEOUT_MS and a statement may run
    STATEMENT_TIMEOUT_MS; elsewhere (jobs, work after the acknowledgement) the BACKGROUND_
    bounds apply; a new or pooled connection is waited for CONNECT_TIMEOUT_S. A wait cut short
    raises ``sqlalchemy.exc.OperationalError`` and its transaction is rolled back, so nothing
    is half-saved. Migrations use ``bounded=False``: they may wait and run long.
    """
    url = normalise_url(url)
    # hide_parameters: a failed statement's error (and so a logged traceback) never carries
    # the values bound to it, which are often a member's name, email or statement.
    kwargs: dict[str, Any] = {"pool_pre_ping": True, "hide_parameters": True}
    sqlite = url.startswith("sqlite")
    if bounded and not (sqlite and (":memory:" in url or url == "sqlite://")):
        kwargs.update(pool_size=POOL_SIZE, max_overflow=POOL_OVERFLOW)
    if sqlite:
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": BACKGROUND_LOCK_TIMEOUT_MS / 1000}
    elif bounded:
        kwargs["pool_timeout"] = CONNECT_TIMEOUT_S
        kwargs["connect_args"] = {
            "connect_timeout": CONNECT_TIMEOUT_S,
            "options": (
                f"-c lock_timeout={BACKGROUND_LOCK_TIMEOUT_MS} "
                f"-c statement_timeout={BACKGROUND_STATEMENT_TIMEOUT_MS} "
                "-c idle_in_transaction_session_timeout=300000"
            ),
        }
    engine = create_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            # WAL lets the scheduler write while a request reads; foreign keys are off by default.
            if not bounded:
                # SQLite's own transactions, begun by `_begin_everything` below.
                dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            if ":memory:" not in url and url != "sqlite://":
                cursor.execute("PRAGMA journal_mode=WAL")
            cursor.close()

        @event.listens_for(engine, "savepoint")
        def _savepoint_inside_a_transaction(conn: Any, _name: Any) -> None:
            # pysqlite begins a transaction only before an INSERT, UPDATE or DELETE: a SAVEPOINT
            # outside one starts its own, whose RELEASE commits at once, so a later rollback
            # would leave the savepoint's rows behind. Begin first, as that insert would have;
            # IMMEDIATE takes the write lock now, as a savepoint is opened to write.
            begin_writing(conn)

        if not bounded:

            @event.listens_for(engine, "begin")
            def _begin_everything(conn: Any) -> None:
                # Migrations and the command line: every statement in the transaction, DDL
                # included. pysqlite begins one only before an INSERT, UPDATE or DELETE, so a
                # migration that failed kept the tables it had made before its first INSERT,
                # and the next `db upgrade` stopped on them. (Serving keeps the driver's way:
                # a request's reads stay outside any transaction, so a later write of it never
                # finds its snapshot stale.) SQLAlchemy's pysqlite recipe:
                # https://docs.sqlalchemy.org/en/20/dialects/sqlite.html#pysqlite-serializable
                conn.exec_driver_sql("BEGIN")

    if bounded and sqlite and ":memory:" not in url and url != "sqlite://":
        _one_writer_at_a_time(engine)

    if bounded:

        @event.listens_for(engine, "begin")
        def _request_bounds(connection: Any) -> None:
            request = in_request()
            if engine.dialect.name == "sqlite":
                # Per connection, so set at every transaction: pooled connections serve both.
                busy = LOCK_TIMEOUT_MS if request else BACKGROUND_LOCK_TIMEOUT_MS
                connection.exec_driver_sql(f"PRAGMA busy_timeout={busy}")
            elif request:
                # SET LOCAL ends with the transaction: the pooled connection keeps the defaults.
                connection.exec_driver_sql(
                    f"SET LOCAL lock_timeout = {LOCK_TIMEOUT_MS}; "
                    f"SET LOCAL statement_timeout = {STATEMENT_TIMEOUT_MS}"
                )

    return engine


def begin_writing(conn: Connection) -> None:
    """On SQLite, begin `conn`'s transaction now, holding the database's one write lock
    (``BEGIN IMMEDIATE``; this process's writers take their turn first,
    ``_one_writer_at_a_time``), unless it has begun already: what it reads from here on, no
    other writer changes before it ends. Waits as a write does (LOCK_TIMEOUT_MS in a
    request, then ``OperationalError``). Does nothing on other databases."""
    if conn.dialect.name != "sqlite":
        return
    dbapi_connection = conn.connection.dbapi_connection
    if dbapi_connection is not None and not dbapi_connection.in_transaction:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


_READS = ("SELECT", "PRAGMA", "SAVEPOINT", "RELEASE", "ROLLBACK", "EXPLAIN")
"""Statements that only read (or only mark a savepoint): every other statement may write, and
takes the writer's turn (a `WITH ... INSERT`, DDL, a statement behind a comment)."""


def _one_writer_at_a_time(engine: Engine) -> None:
    """SQLite has one writer: this process's writing transactions take turns on a lock here.

    Without it, the threads of one process wait for SQLite's write lock in its busy handler,
    which polls with sleeps growing to 100 ms: the lock is often free while they sleep, and
    an unlucky waiter can lose round after round (ten forget-me at once took 3.6 s at the
    99th percentile for 20 ms of work each). A lock here hands the turn straight to the next
    writer. It is taken at a transaction's first statement that may write (reads before it
    take no turn; anything not known only to read counts as a write: ``_READS``) and given
    back at its commit or rollback, or when its connection returns to the pool; the wait has
    the same bounds as SQLite's (LOCK_TIMEOUT_MS in a request, BACKGROUND_LOCK_TIMEOUT_MS
    elsewhere), and fails the same way, with ``OperationalError``. Other processes on the file
    still meet SQLite's own lock.
    """
    turn = threading.Lock()
    holder: list[object | None] = [None]  # the DBAPI connection whose transaction holds the turn
    giving_back = threading.Lock()  # a connection closed by the garbage collector, elsewhere

    def release(dbapi_connection: object) -> None:
        with giving_back:
            if holder[0] is dbapi_connection:
                holder[0] = None
                turn.release()

    @event.listens_for(engine, "before_cursor_execute")
    def _take_turn(conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        dbapi_connection = conn.connection.dbapi_connection
        if holder[0] is dbapi_connection or statement.lstrip()[:9].upper().startswith(_READS):
            return
        wait = (LOCK_TIMEOUT_MS if in_request() else BACKGROUND_LOCK_TIMEOUT_MS) / 1000
        if not turn.acquire(timeout=wait):
            raise exc.OperationalError(statement, None, sqlite3.OperationalError("database is locked"))
        holder[0] = dbapi_connection

    @event.listens_for(engine, "commit")
    @event.listens_for(engine, "rollback")
    def _end_turn(conn: Any) -> None:
        release(conn.connection.dbapi_connection)

    @event.listens_for(engine.pool, "reset")
    @event.listens_for(engine.pool, "checkin")
    @event.listens_for(engine.pool, "close")
    @event.listens_for(engine.pool, "invalidate")
    def _end_turn_of_connection(dbapi_connection: Any, *_args: Any) -> None:
        release(dbapi_connection)


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


def alembic_config(url: str) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", normalise_url(url).replace("%", "%%"))
    return config


def upgrade(url: str) -> None:
    from alembic import command

    command.upgrade(alembic_config(url), "head")


def heads() -> list[str]:
    """The revisions nothing follows; exactly one in a healthy history (tests/test_migrations.py)."""
    from alembic.script import ScriptDirectory

    return list(ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads())


def new_revision(message: str) -> str:
    """Write an empty migration after the single head; returns its file path.

    Raises alembic.util.CommandError when the history has more than one head.
    """
    from alembic import command
    from alembic.script import ScriptDirectory

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
    """The migrations the database has not had; empty when it is up to date.

    The common case, a database at the single head, is recognised without Alembic
    (``head_revision`` and the ``alembic_version`` table); anything else is worked out by
    Alembic, which names each missing migration (and raises on a revision it does not know).
    """
    head = head_revision()
    if head is not None and _stored_revisions(engine) == {head}:
        return set()
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config(str(engine.url)))
    with engine.connect() as connection:
        current = set(MigrationContext.configure(connection).get_current_heads())
    wanted = {rev.revision for rev in script.walk_revisions()}
    reached: set[str] = set()
    for head in current:
        reached.update(rev.revision for rev in script.iterate_revisions(head, "base"))
    return wanted - reached


def head_revision() -> str | None:
    """The single head of migrations/versions, read from the files' ``revision`` and
    ``down_revision`` lines without importing Alembic; None when the files do not say plainly
    (a file without a literal ``revision``, or several heads), and Alembic must decide.
    tests/test_migrations.py checks that this agrees with Alembic's ``heads()``."""
    revisions: set[str] = set()
    followed: set[str] = set()
    for path in (MIGRATIONS_DIR / "versions").glob("*.py"):
        if path.name.startswith(("__init__", ".#")):
            continue  # Alembic skips them too
        found = _revision_lines(path.read_text(encoding="utf-8"))
        if found is None:
            return None
        revision, down = found
        revisions.add(revision)
        followed.update(down)
    heads = revisions - followed
    return heads.pop() if len(heads) == 1 else None


def _revision_lines(source: str) -> tuple[str, set[str]] | None:
    """(revision, the revisions it follows) from a migration's top-level assignments."""
    values: dict[str, Any] = {}
    target: ast.expr
    value: ast.expr
    for node in ast.parse(source).body:
        if isinstance(node, ast.AnnAssign) and node.value is not None:
            target, value = node.target, node.value  # revision: str = "..."
        elif isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        else:
            continue
        if isinstance(target, ast.Name) and target.id in {"revision", "down_revision"}:
            try:
                values[target.id] = ast.literal_eval(value)
            except (ValueError, TypeError):  # not a literal: Alembic must read it
                return None
    revision, down = values.get("revision"), values.get("down_revision")
    if not isinstance(revision, str) or "down_revision" not in values:
        return None
    if down is None:
        return revision, set()
    if isinstance(down, str):
        return revision, {down}
    if isinstance(down, tuple | list) and all(isinstance(d, str) for d in down):
        return revision, set(down)
    return None


def _stored_revisions(engine: Engine) -> set[str] | None:
    """The revisions recorded in the database (Alembic's ``alembic_version`` table); None when
    the table cannot be read. A database that cannot be reached raises, as Alembic would."""
    with engine.connect() as connection:
        try:
            rows = connection.execute(text("SELECT version_num FROM alembic_version")).all()
        except (OperationalError, ProgrammingError):
            return None
    return {str(row[0]) for row in rows}
