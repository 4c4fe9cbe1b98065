"""What the meetings feature holds about a member, and forgetting them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from models.meetings import Meeting, MeetingChange


def export_member_data(session: Session, user_id: str) -> dict[str, Any]:
    """What this feature holds about a member: the meetings they added in Slack and the
    occurrences they moved or cancelled. Reminders name nobody."""
    added = session.scalars(select(Meeting).where(Meeting.created_by == user_id)).all()
    changed = session.scalars(
        select(MeetingChange)
        .where(MeetingChange.changed_by == user_id)
        .options(selectinload(MeetingChange.meeting))
    ).all()
    return {
        "meetings_added": [
            {"meeting": m.key, "name": m.name, "added_at": m.created_at.isoformat()} for m in added
        ],
        "meeting_changes": [
            {
                "meeting": c.meeting.key,
                "occurrence": c.original_start.isoformat(),
                "change": "cancelled" if c.new_start is None else f"moved to {c.new_start.isoformat()}",
                "changed_at": c.changed_at.isoformat(),
            }
            for c in changed
        ],
    }


def forget_member(session: Session, user_id: str, now: datetime) -> list[tuple[str, str]]:
    """Remove the member's id from meetings they added and changes they made; the meetings
    and changes stay, because they belong to the organisation. Returns what was kept."""
    del now
    added = session.scalars(select(Meeting).where(Meeting.created_by == user_id)).all()
    changed = session.scalars(select(MeetingChange).where(MeetingChange.changed_by == user_id)).all()
    for meeting in added:
        meeting.created_by = None
    for change in changed:
        change.changed_by = None
    session.flush()
    kept = []
    if added:
        kept.append(
            (
                f"{len(added)} meeting(s) you added, without your name",
                "the meetings belong to the organisation and members rely on them",
            )
        )
    if changed:
        kept.append(
            (
                f"{len(changed)} meeting change(s) you made, without your name",
                "the new times belong to the organisation's schedule",
            )
        )
    return kept
