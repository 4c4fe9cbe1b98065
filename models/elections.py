"""Officer elections, the nominations made in them, and each nomination's nominators.

Names, emails and membership numbers here are personal data: they are deleted
``retention_days`` after the election closes (the purge job), or on a member's request.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, Erasure, UtcDateTime, personal

# Deleted on erasure once the election has closed (at its close while it runs), and purged
# with the election's nominations.
_PURGED = personal(purged=True)
_MEMBER_ID = personal(user_id=True, purged=True)
# An admin's act: the election stays, who did it goes.
_ADMIN = personal(Erasure.PSEUDONYMISE, user_id=True)


class ElectionRecord(Base):
    """An election: its window, the positions it covers, and what the bot has done for it."""

    __tablename__ = "elections"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    # TEXT: names are limited in grapheme clusters by the rules, not in code points here.
    name: Mapped[str] = mapped_column(Text, unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    opens_at: Mapped[datetime] = mapped_column(UtcDateTime)
    closes_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # The zone the admins think in, for their summary; members see their own zone.
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    positions: Mapped[list[str]] = mapped_column(JSON, default=list)
    source: Mapped[str] = mapped_column(String(10), default="slack")  # "config" or "slack"
    created_by: Mapped[str | None] = mapped_column(String(20), nullable=True, info=_ADMIN)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    closed_early_by: Mapped[str | None] = mapped_column(String(20), nullable=True, info=_ADMIN)
    announced_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    reminded_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    summary_sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    published_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    published_by: Mapped[str | None] = mapped_column(String(20), nullable=True, info=_ADMIN)
    purged_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)

    nominations: Mapped[list[NominationRecord]] = relationship(
        back_populates="election",
        cascade="all, delete-orphan",
        order_by="NominationRecord.id",
        passive_deletes=True,
    )


class NominationRecord(Base):
    """One candidate (or job-share pair) nominated for one position."""

    __tablename__ = "nominations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    election_id: Mapped[int] = mapped_column(ForeignKey("elections.id", ondelete="CASCADE"), index=True)
    position_key: Mapped[str] = mapped_column(String(80))
    # The modal's view id: Slack's retries and double clicks carry the same one.
    submission_key: Mapped[str] = mapped_column(String(100), unique=True)
    # Their own nomination is deleted; as the submitter of someone else's they become "forgotten".
    submitted_by: Mapped[str] = mapped_column(
        String(20), index=True, info=personal(Erasure.PSEUDONYMISE, user_id=True, purged=True)
    )
    candidate_slack_id: Mapped[str | None] = mapped_column(
        String(20), nullable=True, index=True, info=_MEMBER_ID
    )
    candidate_name: Mapped[str] = mapped_column(Text, info=_PURGED)
    candidate_email: Mapped[str] = mapped_column(String(320), info=_PURGED)
    candidate_membership: Mapped[str] = mapped_column(String(40), info=_PURGED)
    statement: Mapped[str] = mapped_column(Text, info=_PURGED)
    route: Mapped[str] = mapped_column(String(10))
    branch: Mapped[str | None] = mapped_column(String(80), nullable=True)
    partner_slack_id: Mapped[str | None] = mapped_column(String(20), nullable=True, info=_MEMBER_ID)
    partner_name: Mapped[str | None] = mapped_column(Text, nullable=True, info=_PURGED)
    partner_email: Mapped[str | None] = mapped_column(String(320), nullable=True, info=_PURGED)
    partner_membership: Mapped[str | None] = mapped_column(String(40), nullable=True, info=_PURGED)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    # The returning officer has checked the branch or the nominators not on Slack.
    checked_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    checked_by: Mapped[str | None] = mapped_column(
        String(20), nullable=True, info=personal(Erasure.PSEUDONYMISE, user_id=True, purged=True)
    )
    # The candidate asked to be forgotten while the election ran: deleted when it closes.
    forget_at_close: Mapped[bool] = mapped_column(Boolean, default=False)

    election: Mapped[ElectionRecord] = relationship(back_populates="nominations")
    nominators: Mapped[list[NominatorRecord]] = relationship(
        back_populates="nomination",
        cascade="all, delete-orphan",
        order_by="NominatorRecord.slot",
        passive_deletes=True,
    )


class NominatorRecord(Base):
    """One of a nomination's two nominating members.

    status: awaiting (asked on Slack) -> confirmed | declined; to_check (not on Slack: the
    returning officer checks them by hand).
    """

    __tablename__ = "nominators"
    __table_args__ = (
        UniqueConstraint("nomination_id", "slot"),
        # A nomination's nominators by status, read from the index alone (the admins' count
        # of nominations awaiting a nominator: two EXISTS per nomination).
        Index("ix_nominators_nomination_id_status", "nomination_id", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    nomination_id: Mapped[int] = mapped_column(ForeignKey("nominations.id", ondelete="CASCADE"))
    slot: Mapped[int] = mapped_column(Integer)
    slack_id: Mapped[str | None] = mapped_column(String(20), nullable=True, index=True, info=_MEMBER_ID)
    name: Mapped[str | None] = mapped_column(Text, nullable=True, info=_PURGED)
    email: Mapped[str | None] = mapped_column(String(320), nullable=True, info=_PURGED)
    membership_number: Mapped[str | None] = mapped_column(String(40), nullable=True, info=_PURGED)
    status: Mapped[str] = mapped_column(String(20))
    responded_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    # The DM asking them (sent by a durable job, so once); kept to update it on an answer.
    notified_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    dm_channel: Mapped[str | None] = mapped_column(String(20), nullable=True)
    dm_ts: Mapped[str | None] = mapped_column(String(30), nullable=True)
    forget_at_close: Mapped[bool] = mapped_column(Boolean, default=False)

    nomination: Mapped[NominationRecord] = relationship(back_populates="nominators")
