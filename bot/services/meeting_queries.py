"""Reading meetings: one by key, the one a person meant, and what is coming up."""

from __future__ import annotations

import logging
from datetime import datetime

from rapidfuzz import fuzz, process
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from bot.config import meeting_key_for
from bot.services.meeting_occurrences import Occurrence, upcoming_occurrences
from bot.services.meeting_times import MeetingTimeError
from models.meetings import Meeting

log = logging.getLogger(__name__)


def get_meeting(session: Session, key: str) -> Meeting | None:
    return session.scalars(
        select(Meeting).where(Meeting.key == key).options(selectinload(Meeting.changes))
    ).one_or_none()


def find_meeting(session: Session, text: str) -> tuple[Meeting | None, list[str]]:
    """The meeting a person meant by key or name, or None and the likeliest keys."""
    wanted = text.strip()
    meetings = session.scalars(select(Meeting).options(selectinload(Meeting.changes))).all()
    for meeting in meetings:
        if wanted.lower() in {meeting.key, meeting.name.lower(), meeting_key_for(meeting.name)}:
            return meeting, []
    choices = {m.key: f"{m.key} {m.name}" for m in meetings}
    ranked = process.extract(wanted, choices, scorer=fuzz.WRatio, limit=3, score_cutoff=60)
    return None, [key for _text, _score, key in ranked]


def upcoming(
    session: Session, now: datetime, until: datetime, limit: int = 15
) -> list[tuple[Meeting, Occurrence]]:
    meetings = session.scalars(
        select(Meeting).where(Meeting.active.is_(True)).options(selectinload(Meeting.changes))
    ).all()
    found: list[tuple[Meeting, Occurrence]] = []
    for meeting in meetings:
        try:
            found.extend((meeting, item) for item in upcoming_occurrences(meeting, now, until))
        except MeetingTimeError:
            log.warning("meeting %s has times that no longer parse", meeting.key)
    found.sort(key=lambda pair: (pair[1].start, pair[0].name))
    return found[:limit]
