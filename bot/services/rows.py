"""Rows two requests or processes may insert at the same moment (two presses of one button,
Slack's retry, two bot processes): the unique key decides, the first insert wins and the
second loses cleanly. This module is the one place that handles that race.

- `insert_once`: one INSERT ... ON CONFLICT DO NOTHING, for a plain row whose caller only needs
  to know whether it won (a claim, a record of something seen).
- `add_unless_raced`: an ORM row (with its relationships and generated id) the caller goes on
  to use: flushed in a savepoint; a loser takes the winner's row instead.
- `one_at_a_time`: for a rule no unique key can hold, checked by reading and then writing:
  transactions that name the same row take turns from the read on.

On PostgreSQL the loser's insert waits for the winner's transaction (the unique index), then
loses if it committed or wins if it rolled back; on SQLite writers are serialised anyway.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from sqlalchemy import CursorResult, Insert, Table, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.db import begin_writing

T = TypeVar("T")


def insert_once(session: Session, model: type[Any], values: Mapping[str, object], key: Sequence[str]) -> bool:
    """Insert one row of `model` (a mapped class) with `values` (column name: value); False,
    and nothing written, when a row with the same `key` (the columns of a primary key or a
    unique constraint, exactly) exists or is being inserted by another transaction. One
    statement on SQLite and PostgreSQL; no savepoint, no exception. Other constraint failures
    raise IntegrityError as usual."""
    dialect = session.get_bind().dialect.name
    result = session.execute(_insert_once_statement(dialect, model.__table__, tuple(key)), dict(values))
    if dialect == "postgresql":
        # psycopg's row count is not told here (-1): the returned key says whether it was written.
        return result.first() is not None
    # SQLite: no RETURNING before 3.35; the count of rows written says the same.
    return isinstance(result, CursorResult) and result.rowcount == 1


@functools.cache
def _insert_once_statement(dialect: str, table: Table, key: tuple[str, ...]) -> Insert:
    """`insert_once`'s statement for one table, built once (its values are the execution's
    parameters): it runs before or after every event's acknowledgement
    (docs/ARCHITECTURE.md, "Statements built once")."""
    if dialect == "postgresql":
        return (
            postgresql.insert(table)
            .on_conflict_do_nothing(index_elements=list(key))
            .returning(table.c[key[0]])
        )
    return sqlite.insert(table).on_conflict_do_nothing(index_elements=list(key))


def one_at_a_time(session: Session, model: type[Any], row_id: object) -> None:
    """From here to the end of the session's transaction, other transactions that call this
    for the same row wait for this one: for a rule checked by reading and then writing, which
    no unique key can hold (one nomination per candidate and position, matched by Slack id,
    email or membership number). PostgreSQL: ``SELECT ... FOR UPDATE`` of the row `row_id` of
    `model` (a mapped class with an ``id``), whose lock is held until commit or rollback.
    SQLite: the transaction begins now with the one write lock (`bot.db.begin_writing`),
    which serialises every writer anyway. The wait is bounded as a write's is; it raises
    ``OperationalError`` when cut short."""
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        begin_writing(connection)
        return
    session.execute(select(model.id).where(model.id == row_id).with_for_update())


def add_unless_raced(session: Session, row: T, existing: Callable[[], T | None]) -> T:
    """Add `row`, flushed in a savepoint, and return it; when another transaction inserted the
    same unique row first, return that one (`existing()`, read again) for the caller to change
    (`result is row` tells the caller it won). Raises the IntegrityError when there is none
    (another constraint failed). The savepoint keeps the caller's transaction usable: only the
    losing insert is rolled back."""
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        found = existing()
        if found is None:
            raise
        return found
    return row
