"""Tables every feature relies on: Slack delivery de-duplication and the durable job queue."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UtcDateTime, personal


class SlackDelivery(Base):
    """One row per Slack delivery already handled, so Slack's retries do no work twice."""

    __tablename__ = "slack_deliveries"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    seen_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)


class ScheduledJob(Base):
    """A unit of scheduled work. The database, not the scheduler's memory, is the truth."""

    __tablename__ = "scheduled_jobs"
    __table_args__ = (Index("ix_scheduled_jobs_status_due_at", "status", "due_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(60))
    # Keys and payloads name members (`home.timezone:<id>:<day>`, an admin's summary): forget-me
    # deletes every job that names the member (bot/services/scheduled_member_data.py).
    key: Mapped[str] = mapped_column(String(200), unique=True, info=personal(user_id=True))
    due_at: Mapped[datetime] = mapped_column(UtcDateTime)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict, info=personal(user_id=True))
    # pending -> running -> done | failed | cancelled | skipped
    status: Mapped[str] = mapped_column(String(20), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    lease_until: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    claimed_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)


class DataVersion(Base):
    """A counter the database itself bumps (triggers, migrations 0011 and 0014) on every write to the
    tables it stands for, in the writing transaction: a process keeps what it computed from
    those tables for as long as the counter has not moved, whichever process wrote."""

    __tablename__ = "data_versions"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)  # "meetings"
    version: Mapped[int] = mapped_column(Integer)
