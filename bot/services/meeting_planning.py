"""Planning meetings into the scheduled jobs that post their reminders. Plain Python and
SQL; nothing here calls Slack.

Every post is a row in the durable job queue (bot/jobs.py) with a key that says what it is:

    mtg:<meeting>:<start UTC>:<lead>      a reminder, e.g. mtg:gc:20270123T1400Z:1d
    mtg:<meeting>:<start UTC>:agenda      the Secretary's reminder to circulate the agenda
    mtg-change:<meeting>:...              a notice that a meeting was cancelled or moved
    mtg-digest:<date>                     the weekly digest
    mtg-refresh:<date>                    the daily re-planning (keeps the horizon rolling)

Planning is idempotent: it schedules every wanted job (scheduling a key again is a no-op,
even when it already ran) and withdraws pending jobs that are no longer wanted. So a change
to the file or in Slack, a restart, or two processes planning at once all end in one job per
reminder. The start in a key is the occurrence's effective start, so a moved occurrence gets
new keys and the old ones are withdrawn.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload, subqueryload

from bot.config import OrgConfig
from bot.jobs import JobKind, JobQueue
from bot.meeting_times import (
    MeetingTimeError,
    calendar_before,
    format_duration,
    parse_duration,
    reminder_due,
)
from bot.services import calendar
from bot.services.meeting_occurrences import Occurrence, effective_occurrences
from bot.services.meeting_specs import times_of
from models.foundation import ScheduledJob
from models.meetings import Meeting

log = logging.getLogger(__name__)

HORIZON = timedelta(days=63)  # reminders are planned for occurrences this far ahead (>= 60d lead)
LOOKBACK = timedelta(days=61)  # pending reminders of occurrences this recent are kept, not withdrawn
DIGEST_AHEAD = timedelta(days=15)
REFRESH_AT = time(0, 10)
DEFAULT_MISFIRE_GRACE = timedelta(hours=1)
# Slack takes about one message a second in a channel: reminders due together in one
# channel are planned this far apart (see spread()).
SPREAD = timedelta(seconds=1)

# The meetings' scheduled work, declared once (bot/jobs.py JobKind); the keys are in the
# module's docstring.
REMINDER = JobKind("meeting_reminder", ("meeting", "start", "lead"), prefix="mtg")
AGENDA = JobKind("meeting_agenda", ("meeting", "start"), prefix="mtg", suffix="agenda")
CHANGE = JobKind("meeting_change", ("meeting", "what"), prefix="mtg-change")
DIGEST = JobKind("meeting_digest", ("day",), prefix="mtg-digest")
REFRESH = JobKind("meeting_refresh", ("day",), prefix="mtg-refresh")
KINDS = (REMINDER, AGENDA, CHANGE, DIGEST, REFRESH)


@dataclass(frozen=True)
class PlannedJob:
    kind: str
    key: str
    due_at: datetime
    payload: dict[str, Any]
    channel: str = ""


@dataclass
class PlanReport:
    scheduled: int = 0
    withdrawn: int = 0
    notices: list[str] = field(default_factory=list)


def misfire_grace(org: OrgConfig) -> timedelta:
    try:
        return parse_duration(org.misfire_grace)
    except MeetingTimeError:
        return DEFAULT_MISFIRE_GRACE


# --- keys ----------------------------------------------------------------------------


def stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%MZ")


def reminder_key(meeting_key: str, start: datetime, lead: timedelta) -> str:
    return REMINDER.key(meeting_key, stamp(start), format_duration(lead))


def agenda_key(meeting_key: str, start: datetime) -> str:
    return AGENDA.key(meeting_key, stamp(start))


def _prefix(meeting_key: str) -> str:
    """The start of every reminder and agenda key of one meeting."""
    return REMINDER.key_prefix(meeting_key)


# --- planning ------------------------------------------------------------------------


def wanted_jobs(meeting: Meeting, org: OrgConfig, now: datetime) -> tuple[list[PlannedJob], set[str]]:
    """(jobs to schedule, every key still wanted). Reminders whose time has passed are not
    created, but a pending one for a recent occurrence is kept, so that a reminder that fell
    due while the bot was down is sent late or reported, never silently dropped."""
    plan: list[PlannedJob] = []
    keep: set[str] = set()
    if not meeting.active:
        return plan, keep
    times = times_of(meeting)
    notice = org.notice_days.get(meeting.kind)
    for item in effective_occurrences(meeting, now - LOOKBACK, now + HORIZON):
        payload = {
            "meeting": meeting.key,
            "start": item.start.isoformat(),
            "original": item.original.isoformat(),
        }
        for lead in times.reminders:
            key = reminder_key(meeting.key, item.start, lead)
            keep.add(key)
            due = reminder_due(item.start, lead, times)
            if due > now:
                plan.append(
                    PlannedJob(
                        REMINDER.name,
                        key,
                        due,
                        {**payload, "lead": format_duration(lead), "due": due.isoformat()},
                        meeting.channel,
                    )
                )
        if notice:
            key = agenda_key(meeting.key, item.start)
            keep.add(key)
            due = calendar_before(item.start, notice, times.zone)
            if due > now:
                plan.append(
                    PlannedJob(AGENDA.name, key, due, {**payload, "days": notice, "due": due.isoformat()})
                )
    return plan, keep


Known = dict[str, tuple[datetime, str]]  # job key -> (due_at, status)


def plan_meeting(
    session: Session,
    meeting: Meeting,
    org: OrgConfig,
    now: datetime,
    known: Known | None = None,
) -> PlanReport:
    """Schedule this meeting's wanted jobs and withdraw its pending jobs no longer wanted."""
    plan, keep = _wanted(meeting, org, now)
    neighbours = session.scalars(
        select(Meeting)
        .where(Meeting.channel == meeting.channel, Meeting.active.is_(True), Meeting.key != meeting.key)
        .options(selectinload(Meeting.changes))
    ).all()
    others = [job for other in neighbours for job in _wanted(other, org, now)[0]]
    if known is None:
        known = _known_jobs(session, now, _prefix(meeting.key))
    return _apply_plan(session, plan, keep, known, spread([*plan, *others]))


def _wanted(meeting: Meeting, org: OrgConfig, now: datetime) -> tuple[list[PlannedJob], set[str]]:
    try:
        return wanted_jobs(meeting, org, now)
    except MeetingTimeError as exc:
        # Stored times that no longer parse (a time-zone database update): keep nothing.
        log.warning("meeting %s cannot be planned: %s", meeting.key, exc)
        return [], set()


def spread(plan: Iterable[PlannedJob]) -> dict[str, datetime]:
    """New due times for reminders that share a channel and an instant: one second apart,
    in key order. The queue runs jobs in due order, so it then takes them channel by
    channel instead of waiting on one channel's rate limit while the others are free."""
    groups: dict[tuple[str, datetime], list[str]] = {}
    for job in plan:
        if job.kind == REMINDER.name:
            groups.setdefault((job.channel, job.due_at), []).append(job.key)
    moved: dict[str, datetime] = {}
    for (_channel, due), keys in groups.items():
        for index, key in enumerate(sorted(keys)[1:], start=1):
            moved[key] = due + index * SPREAD
    return moved


def _apply_plan(
    session: Session, plan: list[PlannedJob], keep: set[str], known: Known, moved: dict[str, datetime]
) -> PlanReport:
    """Schedule what is wanted (leaving alone jobs already as wanted) and withdraw the rest."""
    report = PlanReport()
    for job in plan:
        due = moved.get(job.key, job.due_at)
        seen = known.get(job.key)
        if seen is not None and seen[0] == due and seen[1] != "cancelled":
            continue
        JobQueue.schedule(session, kind=job.kind, key=job.key, due_at=due, payload=job.payload)
        report.scheduled += 1
    for key, (_due, status) in known.items():
        if status == "pending" and key not in keep and JobQueue.cancel(session, key):
            report.withdrawn += 1
    return report


def _known_jobs(session: Session, now: datetime, prefix: str) -> Known:
    # Only jobs recent enough to matter: older rows are history.
    since = now - LOOKBACK - timedelta(days=62)
    rows = session.execute(
        select(ScheduledJob.key, ScheduledJob.due_at, ScheduledJob.status).where(
            ScheduledJob.key.startswith(prefix, autoescape=True), ScheduledJob.due_at >= since
        )
    ).all()
    return {key: (due, status) for key, due, status in rows}


def plan_all(session: Session, org: OrgConfig, now: datetime) -> PlanReport:
    """Plan every meeting, the digests and the next refreshes."""
    report = PlanReport()
    known_by_meeting: dict[str, Known] = {}
    for key, seen in _known_jobs(session, now, REMINDER.key_prefix()).items():
        known_by_meeting.setdefault(key.split(":")[1], {})[key] = seen
    meetings = session.scalars(select(Meeting).options(subqueryload(Meeting.changes))).all()
    wanted = {meeting.key: _wanted(meeting, org, now) for meeting in meetings}
    moved = spread(job for plan, _keep in wanted.values() for job in plan)
    for meeting in meetings:
        plan, keep = wanted[meeting.key]
        part = _apply_plan(session, plan, keep, known_by_meeting.pop(meeting.key, {}), moved)
        report.scheduled += part.scheduled
        report.withdrawn += part.withdrawn
    for known in known_by_meeting.values():  # jobs of meetings that no longer exist
        report.withdrawn += sum(
            JobQueue.cancel(session, key) for key, (_due, status) in known.items() if status == "pending"
        )
    digests = digest_times(org, now)
    for due, day in digests:
        DIGEST.schedule(
            session,
            day.isoformat(),
            due_at=due,
            payload={"day": day.isoformat(), "due": due.isoformat()},
        )
    # A digest moved to another weekday: the ones still to come on the old day are withdrawn
    # (one already due still goes out).
    wanted_digests = {DIGEST.key(day.isoformat()) for _due, day in digests}
    for key in session.scalars(
        select(ScheduledJob.key).where(
            ScheduledJob.kind == DIGEST.name, ScheduledJob.status == "pending", ScheduledJob.due_at > now
        )
    ).all():
        if key not in wanted_digests:
            report.withdrawn += JobQueue.cancel(session, key)
    for days in (1, 2):  # two ahead, so one missed refresh never breaks the chain
        day = (now + timedelta(days=days)).date()
        due = datetime.combine(day, REFRESH_AT, tzinfo=UTC)
        REFRESH.schedule(
            session,
            day.isoformat(),
            due_at=due,
            payload={"due": due.isoformat()},
        )
    return report


def digest_times(org: OrgConfig, now: datetime) -> list[tuple[datetime, date]]:
    """The digest instants (UTC) in the next DIGEST_AHEAD, with their local dates."""
    zone = ZoneInfo(org.digest.timezone)
    hour, minute = (int(part) for part in org.digest.time.split(":"))
    weekday = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday").index(
        org.digest.weekday
    )
    today = now.astimezone(zone).date()
    found = []
    for offset in range(DIGEST_AHEAD.days):
        day = today + timedelta(days=offset)
        if day.weekday() != weekday:
            continue
        due = datetime.combine(day, time(hour, minute), tzinfo=zone).astimezone(UTC)
        if due > now:
            found.append((due, day))
    return found


def digest_days(day: date) -> tuple[date, date]:
    """The local dates a digest sent on ``day`` covers: that day to the Sunday after (the
    weekend's meetings; a digest sent on another weekday covers the days up to Monday)."""
    days_to_monday = (7 - day.weekday()) % 7 or 7
    return day, day + timedelta(days=days_to_monday - 1)


# The westernmost zone is UTC-12: its Monday starts 12 hours after UTC's.
_LAST_ZONE_BEHIND_UTC = timedelta(hours=12)


def digest_window(org: OrgConfig, day: date) -> tuple[datetime, datetime]:
    """The UTC instants to search for a digest sent on ``day``: from the digest's own time to
    the moment Monday begins in the last zone on Earth. Which of the meetings found belong to
    "this weekend" is decided in each meeting's own time zone (``in_digest``)."""
    zone = ZoneInfo(org.digest.timezone)
    hour, minute = (int(part) for part in org.digest.time.split(":"))
    start = datetime.combine(day, time(hour, minute), tzinfo=zone)
    _, last = digest_days(day)
    end = datetime.combine(last + timedelta(days=1), time(0, 0), tzinfo=UTC) + _LAST_ZONE_BEHIND_UTC
    return start.astimezone(UTC), end


def in_digest(meeting_timezone: str, start: datetime, day: date) -> bool:
    """Whether a meeting starting at ``start`` falls in the digest of ``day``, judged on the
    meeting's own local date: a Sunday 18:00 Los Angeles meeting is on Sunday, though it is
    Monday 02:00 in London."""
    first, last = digest_days(day)
    return first <= start.astimezone(ZoneInfo(meeting_timezone)).date() <= last


def schedule_change_notice(
    session: Session,
    meeting: Meeting,
    what: str,
    action: str,
    now: datetime,
    item: Occurrence | None = None,
    target: datetime | None = None,
) -> None:
    """A notice in the meeting's channel, posted by the job queue (so exactly once). `what`
    names the event; scheduling the same event again only moves its time. Members who put
    what changed in their own calendar get the update or cancellation by DM."""
    calendar.plan_updates(session, meeting, action, now, item, target)
    CHANGE.schedule(
        session,
        meeting.key,
        what,
        due_at=now,
        payload={
            "meeting": meeting.key,
            "channel": meeting.channel,
            "action": action,
            "due": now.isoformat(),
            "start": item.start.isoformat() if item else None,
            "target": target.isoformat() if target else None,
        },
    )
