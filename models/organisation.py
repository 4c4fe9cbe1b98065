"""The organisation document (admins, officers, regions, branches, channels, settings) and its changes.

One row holds the current document as JSON with a revision number; every change adds a row to
`organisation_changes` with who made it, when, and each value before and after. The document
holds Slack ids and names only (no emails, no membership numbers).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, Erasure, UtcDateTime, personal

_WHO_HOLDS_WHAT = personal(
    Erasure.KEEP,
    why="it says who holds each office; an admin removes a member who stands down (/liec org)",
    user_id=True,
)
_CHANGE_LOG = personal(
    Erasure.KEEP,
    why="the party must be able to show who held each post and who changed it",
    user_id=True,
)


class OrganisationDocument(Base):
    """The current organisation; a single row (id 1). `revision` grows by one at each change."""

    __tablename__ = "organisation"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    revision: Mapped[int] = mapped_column(Integer)
    # Officers', coordinators' and admins' Slack ids and names.
    document: Mapped[dict[str, Any]] = mapped_column(JSON, info=_WHO_HOLDS_WHAT)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_by: Mapped[str] = mapped_column(String(40), info=_CHANGE_LOG)


class OrganisationChange(Base):
    """One change of the organisation: who (a Slack user id, or `file`/`command line`), when,
    how (`slack`, `import`, `start`), and each changed value before and after."""

    __tablename__ = "organisation_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    revision: Mapped[int] = mapped_column(Integer, index=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    actor_id: Mapped[str] = mapped_column(String(40), index=True, info=_CHANGE_LOG)
    source: Mapped[str] = mapped_column(String(20))
    # [{"path": "regions.americas.coordinator", "before": [...], "after": [...]}, ...]
    changes: Mapped[list[dict[str, Any]]] = mapped_column(JSON, info=_CHANGE_LOG)
    summary: Mapped[str] = mapped_column(Text, info=_CHANGE_LOG)
