"""Reading meetings: one by key, the one a person meant, and what is coming up."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta

from rapidfuzz import fuzz, process
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload, subqueryload

from bot.config import meeting_key_for
from bot.meeting_times import MeetingTimeError
from bot.services.meeting_occurrences import Occurrence, upcoming_occurrences
from models.meetings import Meeting

log = logging.getLogger(__name__)


def get_meeting(session: Session, key: str) -> Meeting | None:
    return session.scalars(
        select(Meeting).where(Meeting.key == key).options(selectinload(Meeting.changes))
    ).one_or_none()


def find_meeting(session: Session, text: str) -> tuple[Meeting | None, list[str]]:
    """The meeting a person meant by key or name, or None and the likeliest keys."""
    wanted = text.strip()
    meetings = session.scalars(select(Meeting).options(subqueryload(Meeting.changes))).all()
    for meeting in meetings:
        if wanted.lower() in {meeting.key, meeting.name.lower(), meeting_key_for(meeting.name)}:
            return meeting, []
    choices = {m.key: f"{m.key} {m.name}" for m in meetings}
    ranked = process.extract(wanted, choices, scorer=fuzz.WRatio, limit=3, score_cutoff=60)
    return None, [key for _text, _score, key in ranked]


# Narrow windows first: with hundreds of meetings the next day or week already holds the
# first `limit` occurrences, which are then those of the whole window (everything outside the
# narrow window starts after everything inside it).
_FIRST_WINDOWS = (timedelta(days=1), timedelta(days=7))


def upcoming(
    session: Session, now: datetime, until: datetime, limit: int = 15
) -> list[tuple[Meeting, Occurrence]]:
    meetings = session.scalars(
        select(Meeting).where(Meeting.active.is_(True)).options(subqueryload(Meeting.changes))
    ).all()
    for ahead in (*_FIRST_WINDOWS, None):
        end = until if ahead is None else min(until, now + ahead)
        found = _occurring(meetings, now, end)
        if len(found) >= limit or end == until:
            found.sort(key=lambda pair: (pair[1].start, pair[0].name))
            return found[:limit]
    return []  # not reached: the last window is the whole one


def _occurring(
    meetings: Sequence[Meeting], now: datetime, until: datetime
) -> list[tuple[Meeting, Occurrence]]:
    found: list[tuple[Meeting, Occurrence]] = []
    for meeting in meetings:
        try:
            found.extend((meeting, item) for item in upcoming_occurrences(meeting, now, until))
        except MeetingTimeError:
            log.warning("meeting %s has times that no longer parse", meeting.key)
    return found
