"""What members do with meetings: the ones they put in their own calendar, and their answers
(going, or apologies with a reason). Both are personal data: my-data exports them, forget-me
erases them, and the retention purge removes them (bot/services/calendar.py, apologies.py)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, UtcDateTime, personal
from models.meetings import Meeting

_MEMBER_ID = personal(user_id=True, purged=True)
_PURGED = personal(purged=True)
SERIES = "series"  # CalendarAddition.target for the whole series


class CalendarAddition(Base):
    """A member was sent a meeting for their calendar: the whole series (`target` "series")
    or one occurrence (`target` the UTC stamp of its original start). `sequence` is the
    SEQUENCE of the last file they were sent for it, so each update they get is higher."""

    __tablename__ = "calendar_additions"
    __table_args__ = (UniqueConstraint("user_id", "meeting_id", "target"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[str] = mapped_column(String(20), index=True, info=_MEMBER_ID)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"))
    target: Mapped[str] = mapped_column(String(20))
    original_start: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    # The UID of the event in their calendar; it stays when a new schedule in the organisation
    # file carries the date they added to a new time (`target` then follows the new date).
    uid: Mapped[str] = mapped_column(String(200))
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    cancelled: Mapped[bool] = mapped_column(default=False)
    added_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)

    meeting: Mapped[Meeting] = relationship()


class MeetingAnswer(Base):
    """A member's answer for one occurrence (by its original start, so a move keeps it):
    `answer` is "going" or "apologies", `reason` the optional short reason for apologies."""

    __tablename__ = "meeting_answers"
    __table_args__ = (UniqueConstraint("meeting_id", "original_start", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"))
    original_start: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    user_id: Mapped[str] = mapped_column(String(20), index=True, info=_MEMBER_ID)
    answer: Mapped[str] = mapped_column(String(10), info=_PURGED)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True, info=_PURGED)
    answered_at: Mapped[datetime] = mapped_column(UtcDateTime)

    meeting: Mapped[Meeting] = relationship()
