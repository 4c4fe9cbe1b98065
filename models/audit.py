"""The audit log of admins' reads of members' personal data: who, what, when."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, Erasure, UtcDateTime, personal


class AuditEntry(Base):
    """One read of personal data by an admin (a nominations list, an export).

    ``what`` names the data read (an election, a list), never the data itself.
    """

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    actor_id: Mapped[str] = mapped_column(
        String(20),
        index=True,
        info=personal(
            Erasure.KEEP,
            why="the party must be able to show who read members' personal data and when",
            user_id=True,
        ),
    )
    what: Mapped[str] = mapped_column(String(300))
