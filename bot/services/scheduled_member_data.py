"""A member's Slack id in the durable job queue (bot/jobs.py): job keys such as
``home.timezone:<id>:<day>`` and payloads such as an admin's closing summary.

Every feature cancels its own jobs when a member is forgotten; a cancelled or finished row
would still carry the id, so this provider deletes every row that names the member.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import String, cast, delete, or_, select
from sqlalchemy.orm import Session

from models.foundation import ScheduledJob


def _naming(user_id: str) -> Any:
    return or_(
        ScheduledJob.key.contains(user_id, autoescape=True),
        cast(ScheduledJob.payload, String).contains(user_id, autoescape=True),
    )


def export_member_data(session: Session, user_id: str) -> dict[str, Any]:
    rows = session.scalars(
        select(ScheduledJob)
        .where(_naming(user_id), ScheduledJob.status == "pending")
        .order_by(ScheduledJob.due_at)
    )
    return {
        "scheduled_work": [
            {"kind": row.kind, "key": row.key, "due_at": row.due_at.isoformat()} for row in rows
        ]
    }


def forget_member(session: Session, user_id: str, now: datetime) -> list[tuple[str, str]]:
    del now
    session.execute(delete(ScheduledJob).where(_naming(user_id)))
    return []
