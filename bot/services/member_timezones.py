"""Members' Slack time zones, cached so that the Home tab is built without asking Slack.

A cached zone older than `REFRESH_AFTER` is still used, and refreshed in the background.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, delete, select
from sqlalchemy.orm import Session

from bot.jobs import JobKind
from models.home import MemberTimezone

REFRESH_AFTER = timedelta(days=7)
# Reads one member's zone from Slack, at most once a day each (bot/jobs.py JobKind).
REFRESH = JobKind("home.timezone", ("user_id", "day"))


_CACHED = select(MemberTimezone.user_id, MemberTimezone.tz, MemberTimezone.checked_at).where(
    MemberTimezone.user_id.in_(bindparam("user_ids", expanding=True))
)
"""`cached`'s statement, built once: every Home tab runs it (docs/ARCHITECTURE.md,
"Statements built once")."""


@dataclass(frozen=True)
class CachedZone:
    tz: str | None
    checked_at: datetime

    def stale(self, now: datetime) -> bool:
        return now - self.checked_at >= REFRESH_AFTER


def cached(session: Session, user_ids: Iterable[str]) -> dict[str, CachedZone]:
    wanted = sorted(set(user_ids))
    if not wanted:
        return {}
    rows = session.execute(_CACHED, {"user_ids": wanted})
    return {user_id: CachedZone(tz, checked_at) for user_id, tz, checked_at in rows}


def needing_refresh(found: dict[str, CachedZone], user_ids: Iterable[str], now: datetime) -> list[str]:
    return sorted({u for u in user_ids if u not in found or found[u].stale(now)})


def store(session: Session, user_id: str, tz: str | None, now: datetime) -> None:
    row = session.get(MemberTimezone, user_id)
    if row is None:
        session.add(MemberTimezone(user_id=user_id, tz=tz, checked_at=now))
    else:
        row.tz, row.checked_at = tz, now
    session.flush()


def export_member_data(session: Session, user_id: str) -> dict[str, Any]:
    row = session.get(MemberTimezone, user_id)
    if row is None:
        return {"slack_time_zone": None}
    return {"slack_time_zone": row.tz, "read_from_slack_at": row.checked_at.isoformat()}


def schedule_refresh(session: Session, user_id: str, now: datetime) -> None:
    REFRESH.schedule(session, user_id, now.date().isoformat(), due_at=now, payload={"user_id": user_id})


def forget_member(session: Session, user_id: str, now: datetime) -> list[tuple[str, str]]:
    del now
    session.execute(delete(MemberTimezone).where(MemberTimezone.user_id == user_id))
    # A read still to come would store the zone again.
    REFRESH.cancel_all(session, user_id)
    return []
