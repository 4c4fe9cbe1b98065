"""Members' answers to a meeting (going, or apologies with a short reason) and the Secretary's
list of them. Personal data: only the member, the Secretary and the admins see answers.
Plain Python and SQL; nothing here calls Slack."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, selectinload

from bot.config import OrgConfig
from bot.jobs import JobKind
from bot.services import calendar
from bot.services.calendar import occurrence_by_original, resolve, stamp
from bot.services.meeting_occurrences import SEARCH_AHEAD, Occurrence, effective_occurrences
from bot.services.meeting_queries import find_meeting
from bot.services.meeting_specs import MeetingError, refusing
from bot.services.rows import add_unless_raced
from bot.text_measure import count_characters
from models.meeting_members import MeetingAnswer
from models.meetings import Meeting

GOING = "going"
APOLOGIES = "apologies"
REASON_LIMIT = 200
# The Secretary's list, one job per (occurrence, recipient), due at the last reminder.
LIST = JobKind("meeting_apologies_list", ("meeting", "start", "user"), prefix="mtg-apologies")
# The daily retention purge of members' meeting data (answers and calendar additions).
PURGE = JobKind("meeting_data_purge", ("day",), prefix="meeting-data-purge")
PURGE_AT = time(3, 20)  # UTC, every day
LOOK_BACK = timedelta(days=400)  # how far back `/liec meeting apologies <meeting> <date>` looks


@dataclass(frozen=True)
class Target:
    """The occurrence a button is about, as the member sees it."""

    meeting_key: str
    meeting_name: str
    timezone: str
    original: datetime
    start: datetime
    answer: str | None  # the member's current answer
    reason: str | None


@dataclass(frozen=True)
class Apology:
    user_id: str
    reason: str | None


@dataclass(frozen=True)
class AttendanceList:
    meeting_name: str
    meeting_key: str
    timezone: str
    start: datetime
    apologies: list[Apology]
    going: int


def sees_lists(org: OrgConfig, user_id: str) -> bool:
    return user_id in org.holders("secretary") or org.is_admin(user_id)


def secretaries(org: OrgConfig) -> list[str]:
    """Who gets the list: the Secretary (or a job share), or the admins when the post is vacant."""
    return org.holders("secretary") or list(org.admins)


def _occurrence(session: Session, meeting_key: str, value: str) -> tuple[Meeting, Occurrence]:
    meeting = session.scalars(
        select(Meeting).where(Meeting.key == meeting_key).options(selectinload(Meeting.changes))
    ).one_or_none()
    if meeting is None or not meeting.active:
        raise MeetingError("that meeting is no longer on the calendar")
    item = resolve(meeting, value)
    if item is None:
        raise MeetingError("answer for one date of the meeting")
    return meeting, item


def _mine(session: Session, meeting: Meeting, original: datetime, user_id: str) -> MeetingAnswer | None:
    return session.scalars(
        select(MeetingAnswer).where(
            MeetingAnswer.meeting_id == meeting.id,
            MeetingAnswer.original_start == original,
            MeetingAnswer.user_id == user_id,
        )
    ).one_or_none()


@refusing
def target(session: Session, meeting_key: str, value: str, user_id: str, now: datetime) -> Target:
    """The occurrence a button names, with the member's answer so far; Refused once it
    started (or when it was moved, cancelled or is gone)."""
    meeting, item = _occurrence(session, meeting_key, value)
    if item.start <= now:
        raise MeetingError(f"{meeting.name} has started: answers are closed", field="reason")
    mine = _mine(session, meeting, item.original, user_id)
    return Target(
        meeting.key,
        meeting.name,
        meeting.timezone,
        item.original,
        item.start,
        mine.answer if mine else None,
        mine.reason if mine else None,
    )


def clean_reason(text: str | None) -> str | None:
    reason = " ".join((text or "").split())
    length = count_characters(reason)  # as people see them, as every length rule counts
    if length > REASON_LIMIT:
        raise MeetingError(f"keep the reason to {REASON_LIMIT} characters (it has {length})", field="reason")
    return reason or None


@dataclass(frozen=True)
class Answer:
    """A member's answer for one occurrence: `value` is the button's (see calendar.resolve),
    `what` GOING or APOLOGIES, `reason` as typed (kept only with apologies)."""

    meeting_key: str
    value: str
    user_id: str
    what: str
    reason: str | None = None


@refusing
def answer(session: Session, given: Answer, now: datetime) -> Target:
    """Record (or change) the member's answer for one occurrence, until it starts; Refused
    (a reason too long, the meeting started, moved or gone) with the field at fault."""
    if given.what not in {GOING, APOLOGIES}:
        raise MeetingError("answer going or send apologies")
    reason = clean_reason(given.reason) if given.what == APOLOGIES else None
    meeting, item = _occurrence(session, given.meeting_key, given.value)
    if item.start <= now:
        raise MeetingError(f"{meeting.name} has started: answers are closed", field="reason")
    fresh = MeetingAnswer(
        meeting_id=meeting.id,
        original_start=item.original,
        user_id=given.user_id,
        answer=given.what,
        reason=reason,
        answered_at=now,
    )
    # Two presses at the same moment: the first makes the row, the second changes it.
    row = _mine(session, meeting, item.original, given.user_id) or add_unless_raced(
        session, fresh, lambda: _mine(session, meeting, item.original, given.user_id)
    )
    row.answer, row.reason, row.answered_at = given.what, reason, now
    session.flush()
    return Target(meeting.key, meeting.name, meeting.timezone, item.original, item.start, given.what, reason)


def attendance(session: Session, meeting: Meeting, item: Occurrence) -> AttendanceList:
    rows = session.scalars(
        select(MeetingAnswer)
        .where(MeetingAnswer.meeting_id == meeting.id, MeetingAnswer.original_start == item.original)
        .order_by(MeetingAnswer.answered_at, MeetingAnswer.id)
    ).all()
    return AttendanceList(
        meeting.name,
        meeting.key,
        meeting.timezone,
        item.start,
        [Apology(r.user_id, r.reason) for r in rows if r.answer == APOLOGIES],
        sum(1 for r in rows if r.answer == GOING),
    )


@refusing
def list_for(
    session: Session,
    org: OrgConfig,
    user_id: str,
    meeting_text: str,
    on: date | None,
    now: datetime,
) -> AttendanceList:
    """`/liec meeting apologies <meeting> [date]`: the Secretary's and admins' view only;
    Refused (not theirs to see, no such meeting or date) with the field at fault."""
    if not sees_lists(org, user_id):
        raise MeetingError("Only the Secretary and the LIEC admins can see who sent apologies.")
    meeting, suggestions = find_meeting(session, meeting_text)
    if meeting is None:
        hint = f" Did you mean {', '.join(suggestions)}?" if suggestions else ""
        raise MeetingError(f"There is no meeting `{meeting_text}`.{hint}", field="meeting")
    if on is None:
        found = effective_occurrences(meeting, now - timedelta(hours=12), now + SEARCH_AHEAD)
        if not found:
            raise MeetingError(f"{meeting.name} has no meeting still to come: give a date", field="date")
        item = found[0]
    else:
        zone = ZoneInfo(meeting.timezone)
        window = effective_occurrences(meeting, now - LOOK_BACK, now + SEARCH_AHEAD)
        matches = [i for i in window if i.start.astimezone(zone).date() == on]
        if not matches:
            raise MeetingError(
                f"{meeting.name} has no meeting on {on.isoformat()} ({meeting.timezone} date)",
                field="date",
            )
        item = matches[0]
    return attendance(session, meeting, item)


def schedule_lists(session: Session, org: OrgConfig, meeting_key: str, start: datetime, now: datetime) -> int:
    """At the last reminder: one job per Secretary (or admin) to DM them the list."""
    people = secretaries(org)
    for user_id in people:
        LIST.schedule(
            session,
            meeting_key,
            stamp(start),
            user_id,
            due_at=now,
            payload={"meeting": meeting_key, "start": start.isoformat(), "user": user_id},
        )
    return len(people)


def list_for_job(session: Session, payload: dict[str, Any]) -> AttendanceList | None:
    """The list a `LIST` job (its payload) sends; None when the occurrence was moved or
    cancelled since."""
    start = datetime.fromisoformat(str(payload["start"]))
    meeting = session.scalars(
        select(Meeting).where(Meeting.key == str(payload["meeting"])).options(selectinload(Meeting.changes))
    ).one_or_none()
    if meeting is None or not meeting.active:
        return None
    item = next((i for i in effective_occurrences(meeting, start - timedelta(seconds=1), start)), None)
    if item is None or occurrence_by_original(meeting, item.original) is None:
        return None
    return attendance(session, meeting, item)


# --- personal data ----------------------------------------------------------------------------


def export_member_data(session: Session, user_id: str) -> dict[str, Any]:
    rows = session.scalars(
        select(MeetingAnswer)
        .where(MeetingAnswer.user_id == user_id)
        .options(selectinload(MeetingAnswer.meeting))
        .order_by(MeetingAnswer.original_start)
    ).all()
    return {
        "your_answers": [
            {
                "meeting": row.meeting.key,
                "name": row.meeting.name,
                "date": row.original_start.isoformat(),
                "answer": "going" if row.answer == GOING else "apologies",
                "reason": row.reason,
                "answered_at": row.answered_at.isoformat(),
            }
            for row in rows
        ]
    }


def forget_member(session: Session, user_id: str, now: datetime) -> list[tuple[str, str]]:
    del now
    session.execute(delete(MeetingAnswer).where(MeetingAnswer.user_id == user_id))
    return []


def purge(session: Session, now: datetime, retention_days: int) -> int:
    """Answers for meetings that took place more than the retention period ago."""
    cutoff = now - timedelta(days=retention_days)
    rows = session.scalars(select(MeetingAnswer).where(MeetingAnswer.original_start < cutoff)).all()
    for row in rows:
        session.delete(row)
    session.flush()
    return len(rows)


def purge_all(session: Session, now: datetime, retention_days: int) -> tuple[int, int]:
    """The daily retention purge of members' meeting data: (answers, calendar additions)
    removed; the next runs are scheduled in the same transaction."""
    answers = purge(session, now, retention_days)
    additions = calendar.purge(session, now, retention_days)
    schedule_purges(session, now)
    return answers, additions


def schedule_purges(session: Session, now: datetime) -> None:
    """The next two days' purges at PURGE_AT UTC (scheduling one again is a no-op)."""
    for days in (1, 2):  # two ahead, so one missed run never breaks the chain
        day = (now + timedelta(days=days)).date()
        PURGE.schedule(
            session, day.isoformat(), due_at=datetime.combine(day, PURGE_AT, tzinfo=UTC), payload={}
        )
