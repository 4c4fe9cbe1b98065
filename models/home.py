"""What the Home tab remembers between opens: members' Slack time zones."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import PERSONAL, Base, UtcDateTime, personal


class MemberTimezone(Base):
    """A member's Slack time zone as last read from users.info.

    Kept so that opening the Home tab needs no call to Slack but the publish itself; it is
    refreshed in the background when it is older than a week.
    """

    __tablename__ = "member_timezones"

    user_id: Mapped[str] = mapped_column(String(20), primary_key=True, info=personal(user_id=True))
    tz: Mapped[str | None] = mapped_column(String(64), nullable=True, info=PERSONAL)
    checked_at: Mapped[datetime] = mapped_column(UtcDateTime)
