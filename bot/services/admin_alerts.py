"""Telling the admins about a problem once, and summarising its repeats.

One row per problem key (a kind of failure at one target, e.g. `refused:meeting_reminder:C123`):
the first report is told at once; later reports of the same key are counted and told as one
summary at most every SUMMARY_EVERY, so a daily meeting whose channel refuses for ten days
gives one alert and one summary, not thirty. `clear` forgets a problem once its cause is gone
(the next report is told at once again). Plain SQL; nothing here knows Slack.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, delete, select
from sqlalchemy.orm import Session

from bot.services.rows import insert_once
from models.alerts import AdminAlert

SUMMARY_EVERY = timedelta(days=7)


@dataclass(frozen=True)
class Tell:
    """Tell the admins now: the first report of the problem."""


@dataclass(frozen=True)
class Summarise:
    """Tell the admins how often it happened again since they last heard of it."""

    repeats: int
    since: datetime


@dataclass(frozen=True)
class Quiet:
    """Already told; counted for the next summary."""


Decision = Tell | Summarise | Quiet


def note(session: Session, key: str, now: datetime, *, every: timedelta = SUMMARY_EVERY) -> Decision:
    """Record one report of the problem `key` and decide what the admins hear of it.

    Safe with several processes: the first insert wins (primary key); a loser counts a repeat.
    """
    row = session.get(AdminAlert, key, with_for_update=True)
    if row is None:
        values = {"key": key, "first_at": now, "told_at": now, "repeats": 0}
        if insert_once(session, AdminAlert, values, key=["key"]):
            return Tell()
        row = session.get(AdminAlert, key, with_for_update=True)
        if row is None:  # cleared in between: nothing to count
            return Quiet()
    row.repeats += 1
    if now - row.told_at >= every:
        decision = Summarise(row.repeats, row.told_at)
        row.told_at, row.repeats = now, 0
        return decision
    return Quiet()


def clear(session: Session, prefix: str) -> None:
    """Forget the problems whose key starts with `prefix`: their cause is gone."""
    session.execute(delete(AdminAlert).where(AdminAlert.key.startswith(prefix)))


def _about(target: str) -> Any:
    return AdminAlert.key.endswith(f":{target}", autoescape=True)


def forget_target(session: Session, target: str) -> None:
    """Forget the problems about one person (their user id ends the key): forget-me."""
    session.execute(delete(AdminAlert).where(_about(target)))


def export_member_data(session: Session, user_id: str) -> dict[str, Any]:
    """The problems reaching the member that the admins were told of: what failed and when
    (the key without their id), never the alert's text."""
    rows = session.scalars(select(AdminAlert).where(_about(user_id)).order_by(AdminAlert.first_at))
    return {
        "problems_reaching_you_told_to_the_admins": [
            {
                "problem": row.key.removesuffix(f":{user_id}"),
                "first_at": row.first_at.isoformat(),
                "told_at": row.told_at.isoformat(),
                "repeats": row.repeats,
            }
            for row in rows
        ]
    }


def forget_member(session: Session, user_id: str, now: datetime) -> list[tuple[str, str]]:
    del now
    forget_target(session, user_id)
    return []


_KNOWN = select(AdminAlert.key).where(AdminAlert.key == bindparam("key"))
"""`known`'s statement, built once: a Home tab runs it for a member whose time zone is not
cached (docs/ARCHITECTURE.md, "Statements built once")."""


def known(session: Session, key: str) -> bool:
    """Whether the alert ``key`` has been raised (and not cleared)."""
    return session.scalar(_KNOWN, {"key": key}) is not None
