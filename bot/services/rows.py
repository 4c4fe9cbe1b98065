"""A row two requests may insert at the same moment (two presses of one button): the first
insert wins on the unique constraint, and the second takes the row the first made."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

T = TypeVar("T")


def add_unless_raced(session: Session, row: T, existing: Callable[[], T | None]) -> T:
    """Add `row`, flushed in a savepoint, and return it; when another transaction inserted the
    same unique row first, return that one (`existing()`, read again) for the caller to change.
    Raises the IntegrityError when there is none (another constraint failed)."""
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        found = existing()
        if found is None:
            raise
        return found
    return row
