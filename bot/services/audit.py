"""The audit log of admins' reads of members' personal data (exports, nomination lists).

Whoever shows or sends an admin personal data calls `record_admin_read` in the same
transaction that reads it, so the read and its record stand or fall together.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models.audit import AuditEntry

WHAT_LIMIT = 300


@dataclass(frozen=True)
class AuditPage:
    entries: list[AuditEntry]  # newest first
    total: int


def record_admin_read(session: Session, admin_id: str, what: str, now: datetime) -> AuditEntry:
    """Record that `admin_id` read the personal data described by `what` (no data itself)."""
    what = " ".join(what.split())
    if not what:
        raise ValueError("an audit entry must say what was read")
    if now.tzinfo is None:
        raise ValueError("an audit entry needs an aware time")
    entry = AuditEntry(at=now, actor_id=admin_id, what=what[:WHAT_LIMIT])
    session.add(entry)
    session.flush()
    return entry


def recent(session: Session, limit: int = 30, actor_id: str | None = None) -> AuditPage:
    """The newest entries first, and how many there are in all (for the one actor, if given)."""
    query = select(AuditEntry)
    count = select(func.count()).select_from(AuditEntry)
    if actor_id is not None:
        query = query.where(AuditEntry.actor_id == actor_id)
        count = count.where(AuditEntry.actor_id == actor_id)
    entries = list(session.scalars(query.order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit)))
    return AuditPage(entries, int(session.scalar(count) or 0))


# Data rights ---------------------------------------------------------------------------------


def export_member_data(session: Session, user_id: str) -> dict[str, Any]:
    """The member's own reads of personal data as an admin, if they ever were one."""
    entries = session.scalars(
        select(AuditEntry).where(AuditEntry.actor_id == user_id).order_by(AuditEntry.at, AuditEntry.id)
    ).all()
    return {
        "personal_data_you_read_as_an_admin": [{"when": e.at.isoformat(), "what": e.what} for e in entries]
    }


def forget_member(session: Session, user_id: str, now: datetime) -> list[tuple[str, str]]:
    """Nothing is deleted: the log exists so that members can learn who read their data."""
    del now
    count = session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.actor_id == user_id))
    if not count:
        return []
    return [
        (
            f"the audit log's {count} record(s) of personal data you read as an admin",
            "the party must be able to show who read members' personal data and when; the "
            "records name what was read, not the data itself",
        )
    ]
