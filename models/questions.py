"""Members' regional questions: who asked what, where it went, and who has it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import PERSONAL, Base, Erasure, UtcDateTime, personal

_MEMBER_ID = personal(user_id=True)
# The coordinator who took or answered another member's question: the question stays (the
# asker's), the name goes.
_HANDLER = personal(Erasure.PSEUDONYMISE, user_id=True)


class MemberRegion(Base):
    """A member's own choice of region and branch (either may be unset)."""

    __tablename__ = "member_regions"

    user_id: Mapped[str] = mapped_column(String(20), primary_key=True, info=_MEMBER_ID)
    region: Mapped[str | None] = mapped_column(String(30), nullable=True, info=PERSONAL)
    branch: Mapped[str | None] = mapped_column(String(80), nullable=True, info=PERSONAL)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Question(Base):
    """A member's question and its state.

    status: unrouted (the member must pick a region) -> waiting (no one to deliver to yet)
    -> open (delivered) -> claimed -> answered; unsent: typed for a region whose questions go
    to a channel, held until the member presses Send (or deleted by Cancel). ``escalated_at``
    is set once the question has gone to the Vice Chair (Membership).
    """

    __tablename__ = "questions"
    __table_args__ = (Index("ix_questions_status_region_asked_at", "status", "region", "asked_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    asker_id: Mapped[str] = mapped_column(String(20), index=True, info=_MEMBER_ID)
    region: Mapped[str | None] = mapped_column(String(30), nullable=True)
    # "moved here by <@id>": the coordinator's id becomes "a coordinator" when they are forgotten.
    region_reason: Mapped[str] = mapped_column(
        String(300), default="", info=personal(Erasure.PSEUDONYMISE, user_id=True)
    )
    text: Mapped[str] = mapped_column(Text, info=PERSONAL)
    asker_tz: Mapped[str | None] = mapped_column(String(64), nullable=True, info=PERSONAL)
    status: Mapped[str] = mapped_column(String(20), default="unrouted")
    asked_at: Mapped[datetime] = mapped_column(UtcDateTime)
    routed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    reroutes: Mapped[int] = mapped_column(Integer, default=0)
    claimed_by: Mapped[str | None] = mapped_column(String(20), nullable=True, index=True, info=_HANDLER)
    claimed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    answered_by: Mapped[str | None] = mapped_column(String(20), nullable=True, index=True, info=_HANDLER)
    answered_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    escalated_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    # The asker was told, before it went, that a region's channel shows the question to everyone
    # in it (the form says so; a typed question is held for Send). Without it, a region's
    # channel is no place for it: its coordinators get it by DM, after a move as well.
    channel_ok: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    deliveries: Mapped[list[QuestionDelivery]] = relationship(
        back_populates="question", cascade="all, delete-orphan", order_by="QuestionDelivery.id"
    )


class QuestionDelivery(Base):
    """One message carrying a question to one recipient (a coordinator, a channel, the Vice
    Chair). The row is reserved before posting, so a question reaches each recipient once
    per stage even when delivery is retried."""

    __tablename__ = "question_deliveries"
    __table_args__ = (UniqueConstraint("question_id", "stage", "recipient"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"), index=True)
    # "<region>#<reroutes>" for coordinators, "escalation" for the Vice Chair (Membership).
    stage: Mapped[str] = mapped_column(String(60))
    recipient: Mapped[str] = mapped_column(String(20), index=True, info=_MEMBER_ID)
    # reserved -> sent | unreachable
    status: Mapped[str] = mapped_column(String(20), default="reserved")
    channel: Mapped[str | None] = mapped_column(String(20), nullable=True)
    ts: Mapped[str | None] = mapped_column(String(40), nullable=True)
    error: Mapped[str | None] = mapped_column(String(60), nullable=True)
    reserved_at: Mapped[datetime] = mapped_column(UtcDateTime)

    question: Mapped[Question] = relationship(back_populates="deliveries")
