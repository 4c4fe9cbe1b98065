"""Every model module, imported so that Base.metadata knows every table (and Alembic sees them)."""

from models import (
    alerts,
    audit,
    elections,
    foundation,
    home,
    meeting_members,
    meetings,
    organisation,
    questions,
)
from models.base import Base

__all__ = [
    "Base",
    "alerts",
    "audit",
    "elections",
    "foundation",
    "home",
    "meeting_members",
    "meetings",
    "organisation",
    "questions",
]
