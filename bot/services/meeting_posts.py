"""What became of each meeting post."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from models.meetings import MeetingPost


def record_post(
    session: Session,
    key: str,
    kind: str,
    channel: str | None,
    ts: str | None,
    outcome: str,
    due_at: datetime,
    now: datetime,
    detail: dict[str, Any] | None = None,
) -> MeetingPost:
    post = session.get(MeetingPost, key)
    if post is None:
        post = MeetingPost(key=key)
        session.add(post)
    post.kind, post.channel, post.ts, post.outcome = kind, channel, ts, outcome
    post.due_at, post.recorded_at, post.detail = due_at, now, detail or {}
    return post


def posted(session: Session, key: str, due_at: datetime) -> MeetingPost | None:
    """The record of this post if it was already made for this due time."""
    post = session.get(MeetingPost, key)
    if post is None or post.due_at != due_at or post.outcome not in {"sent", "sent_late", "found"}:
        return None
    return post
