"""The admins' alerts: one row per problem (a kind of failure at one target), so that each is
told once and its repeats are counted and summarised, whichever feature it comes from."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UtcDateTime, personal


class AdminAlert(Base):
    __tablename__ = "admin_alerts"

    # `refused:<kind>:<target>`: a target that is a person (their DM) names them; forget-me
    # deletes the alerts about them.
    key: Mapped[str] = mapped_column(String(200), primary_key=True, info=personal(user_id=True))
    first_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # When the admins last heard of it (the alert, then each summary of repeats).
    told_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # Repeats since the admins last heard of it.
    repeats: Mapped[int] = mapped_column(Integer, default=0)
