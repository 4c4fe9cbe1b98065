"""Meetings, the changes admins make to single occurrences, and what was posted for them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, Erasure, UtcDateTime, personal

# Who added or moved a meeting: the meeting stays (the organisation's), the name goes.
_ADMIN = personal(Erasure.PSEUDONYMISE, user_id=True)


class Meeting(Base):
    """One meeting series (or a one-off), from the organisation file or added in Slack.

    Times are kept as the admin wrote them (`start` in `timezone`, `rrule`); every occurrence
    and reminder instant is computed from them (bot/meeting_times.py).
    """

    __tablename__ = "meetings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(60), unique=True)
    source: Mapped[str] = mapped_column(String(10))  # file | slack
    name: Mapped[str] = mapped_column(Text)  # limited in grapheme clusters by the rules
    channel: Mapped[str] = mapped_column(String(40))
    start: Mapped[str] = mapped_column(String(40))
    timezone: Mapped[str] = mapped_column(String(64))
    rrule: Mapped[str | None] = mapped_column(String(300), nullable=True)
    reminders: Mapped[list[str]] = mapped_column(JSON, default=list)
    kind: Mapped[str] = mapped_column(String(10), default="other")
    agenda: Mapped[str | None] = mapped_column(Text, nullable=True)
    agenda_url: Mapped[str | None] = mapped_column(String(500), nullable=True)
    video_url: Mapped[str | None] = mapped_column(String(500), nullable=True)
    # False once cancelled in Slack (kept so that a restart does not bring it back) or gone
    # from the organisation file.
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    cancelled_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    created_by: Mapped[str | None] = mapped_column(String(20), nullable=True, info=_ADMIN)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)

    changes: Mapped[list[MeetingChange]] = relationship(
        back_populates="meeting", cascade="all, delete-orphan", order_by="MeetingChange.id"
    )


class MeetingChange(Base):
    """One occurrence moved (`new_start`) or cancelled (`new_start` is None) by an admin."""

    __tablename__ = "meeting_changes"
    __table_args__ = (UniqueConstraint("meeting_id", "original_start"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"))
    original_start: Mapped[datetime] = mapped_column(UtcDateTime)
    new_start: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    changed_by: Mapped[str | None] = mapped_column(String(20), nullable=True, info=_ADMIN)
    changed_at: Mapped[datetime] = mapped_column(UtcDateTime)

    meeting: Mapped[Meeting] = relationship(back_populates="changes")


class MeetingPost(Base):
    """What became of one scheduled post (a reminder, a notice, a digest), by its job key.

    outcome: sent | sent_late | found (posted before a crash, recorded on recovery)
    | skipped (too late) | superseded (a later reminder of the occurrence was due too) | withdrawn
    | failed.
    """

    __tablename__ = "meeting_posts"
    # The admins' Home tab lists the recent failures: found by index, not among every post.
    __table_args__ = (Index("ix_meeting_posts_outcome_recorded_at", "outcome", "recorded_at"),)

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    channel: Mapped[str | None] = mapped_column(String(40), nullable=True)
    ts: Mapped[str | None] = mapped_column(String(40), nullable=True)
    outcome: Mapped[str] = mapped_column(String(20))
    due_at: Mapped[datetime] = mapped_column(UtcDateTime)
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
