"""Declarative base with a constraint naming convention, so migrations name things predictably."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import DateTime, MetaData, TypeDecorator
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UtcDateTime(TypeDecorator[datetime]):
    """Stores aware datetimes as UTC and always gives them back aware.

    SQLite keeps no zone, PostgreSQL does: this makes both behave the same.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)  # type: ignore[no-any-return]
        return value.astimezone(UTC)  # type: ignore[no-any-return]


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


# Personal data is declared once, on its column: `mapped_column(..., info=PERSONAL)` or
# `info=personal(...)`. The rule for what counts as personal: a column is personal when, with
# its row, it says something about one identifiable member:
# - a Slack user id wherever it names a person: the member the row is about, or a person as
#   actor (who created, checked, moved, claimed), subject or recipient (a DM, an alert about
#   them), including ids inside a job key, a payload or the organisation document;
# - anything a member gave or chose about themselves: names, emails, membership numbers,
#   statements, questions, reasons, time zones, regions and branches, attendance answers.
# Not personal: timestamps, statuses and counts of a row (they go with the row), keys of the
# organisation's own things (elections, positions, meetings, channels), text the organisation
# wrote (meeting names, agendas), Slack's ids of events and messages.
#
# Each mark says what forget-me does with the member's value (`Erasure`), and whether the
# retention purge removes it. The member's export (my-data), erasure (forget-me), the returning
# officer's CSV and the retention purge are checked against these marks for every table
# (tests/services/test_personal_data.py); erasure of a nominator is driven by them.


class Erasure(StrEnum):
    """What forget-me does with a personal column that names the member."""

    DELETE = "delete"  # the value goes, or its row does
    PSEUDONYMISE = "pseudonymise"  # the fact stays, the name goes (None, "forgotten", a phrase)
    KEEP = "keep"  # kept on purpose; `why` says why, and the forget-me DM says so too


def personal(
    erasure: Erasure = Erasure.DELETE, *, why: str = "", user_id: bool = False, purged: bool = False
) -> dict[str, Any]:
    """The `info` of a personal column.

    user_id: the value is a Slack user id (or holds one, as a job key does); the member's data
    is found by it. purged: the retention purge removes it (nominations with their election,
    meeting answers and calendar additions after the meeting). KEEP needs its reason in `why`.
    """
    if erasure is Erasure.KEEP and not why:
        raise ValueError("a personal column kept on erasure needs its reason")
    return {"personal": True, "erasure": erasure, "why": why, "user_id": user_id, "purged": purged}


PERSONAL: dict[str, Any] = personal()


def personal_columns(model: type[Base]) -> tuple[str, ...]:
    """The attribute names of the model's columns marked personal, in table order."""
    return tuple(column.key for column in model.__table__.columns if column.info.get("personal"))
