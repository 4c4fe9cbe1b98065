"""Meetings: their definitions (organisation file or Slack), their effective occurrences, and
the scheduled jobs that post their reminders. Plain Python and SQL; nothing here calls Slack.

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

import hashlib
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from rapidfuzz import fuzz, process
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from bot.config import MeetingConfig, OrgConfig, meeting_key_for
from bot.jobs import JobQueue
from bot.services.meeting_times import (
    MeetingTimeError,
    MeetingTimes,
    format_duration,
    occurrences,
    parse_duration,
    parse_meeting_times,
    parse_start,
)
from models.foundation import ScheduledJob
from models.meetings import Meeting, MeetingAlert, MeetingChange, MeetingPost

log = logging.getLogger(__name__)

HORIZON = timedelta(days=63)  # reminders are planned for occurrences this far ahead (>= 60d lead)
LOOKBACK = timedelta(days=61)  # pending reminders of occurrences this recent are kept, not withdrawn
MOVE_LIMIT = timedelta(days=60)  # how far one occurrence may be moved
DIGEST_AHEAD = timedelta(days=15)
REFRESH_AT = time(0, 10)
DEFAULT_MISFIRE_GRACE = timedelta(hours=1)
# Slack takes about one message a second in a channel: reminders due together in one
# channel are planned this far apart (see spread()).
SPREAD = timedelta(seconds=1)

JOB_REMINDER = "meeting_reminder"
JOB_AGENDA = "meeting_agenda"
JOB_CHANGE = "meeting_change"
JOB_DIGEST = "meeting_digest"
JOB_REFRESH = "meeting_refresh"
JOB_KINDS = (JOB_REMINDER, JOB_AGENDA, JOB_CHANGE, JOB_DIGEST, JOB_REFRESH)


class MeetingError(Exception):
    """A request about meetings that cannot be done; `field` names the input at fault."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass(frozen=True)
class MeetingSpec:
    """What defines a meeting, from either source."""

    key: str
    name: str
    channel: str
    start: str
    timezone: str
    rrule: str | None = None
    reminders: tuple[str, ...] = ("7d", "1d", "1h")
    kind: str = "other"
    agenda: str | None = None
    agenda_url: str | None = None
    video_url: str | None = None

    @classmethod
    def from_config(cls, config: MeetingConfig) -> MeetingSpec:
        return cls(
            key=config.meeting_key,
            name=config.name,
            channel=config.channel,
            start=config.start,
            timezone=config.timezone,
            rrule=config.rrule,
            reminders=tuple(config.reminders),
            kind=config.kind,
            agenda=config.agenda,
            agenda_url=config.agenda_url,
            video_url=config.video_url,
        )

    def times(self) -> MeetingTimes:
        return _times(self.start, self.timezone, self.rrule, self.reminders)

    def schedule_fields(self) -> tuple[str, str, str | None]:
        return (self.start, self.timezone, self.rrule)


@dataclass(frozen=True)
class Occurrence:
    meeting_key: str
    original: datetime  # UTC, as the rule gives it
    start: datetime  # UTC, after any move

    @property
    def moved(self) -> bool:
        return self.original != self.start


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


# --- times ---------------------------------------------------------------------------


@lru_cache(maxsize=8192)
def _times(start: str, timezone: str, rrule: str | None, reminders: tuple[str, ...]) -> MeetingTimes:
    return parse_meeting_times(start, timezone, rrule, reminders)


def times_of(meeting: Meeting) -> MeetingTimes:
    return _times(meeting.start, meeting.timezone, meeting.rrule, tuple(meeting.reminders))


def spec_of(meeting: Meeting) -> MeetingSpec:
    return MeetingSpec(
        key=meeting.key,
        name=meeting.name,
        channel=meeting.channel,
        start=meeting.start,
        timezone=meeting.timezone,
        rrule=meeting.rrule,
        reminders=tuple(meeting.reminders),
        kind=meeting.kind,
        agenda=meeting.agenda,
        agenda_url=meeting.agenda_url,
        video_url=meeting.video_url,
    )


def misfire_grace(org: OrgConfig) -> timedelta:
    try:
        return parse_duration(org.misfire_grace)
    except MeetingTimeError:
        return DEFAULT_MISFIRE_GRACE


def effective_occurrences(meeting: Meeting, after: datetime, until: datetime) -> list[Occurrence]:
    """Occurrences with after < start <= until, after admins' moves and cancellations."""
    times = times_of(meeting)
    changes = {change.original_start: change.new_start for change in meeting.changes}
    found: list[Occurrence] = []
    for original in occurrences(times, after - MOVE_LIMIT, until + MOVE_LIMIT):
        start = changes.get(original, original)
        if start is not None and after < start <= until:
            found.append(Occurrence(meeting.key, original, start))
    return sorted(found, key=lambda item: item.start)


def previous_start(meeting: Meeting, occurrence: Occurrence) -> datetime | None:
    """The start of the occurrence before this one, for the clock-change note; None when
    there is none or either was moved (a moved meeting explains itself)."""
    if occurrence.moved or meeting.rrule is None:
        return None
    earlier = effective_occurrences(
        meeting, occurrence.original - timedelta(days=400), occurrence.original - timedelta(seconds=1)
    )
    if not earlier or earlier[-1].moved:
        return None
    return earlier[-1].start


def find_occurrence(meeting: Meeting, start: datetime) -> Occurrence | None:
    for item in effective_occurrences(meeting, start - timedelta(seconds=1), start):
        if item.start == start:
            return item
    return None


# --- keys ----------------------------------------------------------------------------


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%MZ")


def reminder_key(meeting_key: str, start: datetime, lead: timedelta) -> str:
    return f"mtg:{meeting_key}:{_stamp(start)}:{format_duration(lead)}"


def agenda_key(meeting_key: str, start: datetime) -> str:
    return f"mtg:{meeting_key}:{_stamp(start)}:agenda"


def _prefix(meeting_key: str) -> str:
    return f"mtg:{meeting_key}:"


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
            due = item.start - lead
            if due > now:
                plan.append(
                    PlannedJob(
                        JOB_REMINDER,
                        key,
                        due,
                        {**payload, "lead": format_duration(lead), "due": due.isoformat()},
                        meeting.channel,
                    )
                )
        if notice:
            key = agenda_key(meeting.key, item.start)
            keep.add(key)
            due = item.start - timedelta(days=notice)
            if due > now:
                plan.append(
                    PlannedJob(JOB_AGENDA, key, due, {**payload, "days": notice, "due": due.isoformat()})
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
        if job.kind == JOB_REMINDER:
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
    for key, seen in _known_jobs(session, now, "mtg:").items():
        known_by_meeting.setdefault(key.split(":")[1], {})[key] = seen
    meetings = session.scalars(select(Meeting).options(selectinload(Meeting.changes))).all()
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
    for due, day in digest_times(org, now):
        JobQueue.schedule(
            session,
            kind=JOB_DIGEST,
            key=f"mtg-digest:{day.isoformat()}",
            due_at=due,
            payload={"day": day.isoformat(), "due": due.isoformat()},
        )
    for days in (1, 2):  # two ahead, so one missed refresh never breaks the chain
        day = (now + timedelta(days=days)).date()
        due = datetime.combine(day, REFRESH_AT, tzinfo=UTC)
        JobQueue.schedule(
            session,
            kind=JOB_REFRESH,
            key=f"mtg-refresh:{day.isoformat()}",
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


def digest_window(org: OrgConfig, day: date) -> tuple[datetime, datetime]:
    """From the digest's own time to the Monday after, 00:00, in the digest's zone: the
    weekend's meetings (a digest sent on another weekday covers the days up to Monday)."""
    zone = ZoneInfo(org.digest.timezone)
    hour, minute = (int(part) for part in org.digest.time.split(":"))
    start = datetime.combine(day, time(hour, minute), tzinfo=zone)
    days_to_monday = (7 - day.weekday()) % 7 or 7
    end = datetime.combine(day + timedelta(days=days_to_monday), time(0, 0), tzinfo=zone)
    return start.astimezone(UTC), end.astimezone(UTC)


# --- definitions ---------------------------------------------------------------------


def sync_from_config(session: Session, org: OrgConfig, now: datetime) -> PlanReport:
    """Make the file's meetings the stored ones, then plan every meeting.

    A meeting whose start, zone or rule changed in the file gets a notice in its channel; one
    gone from the file is withdrawn, with a notice if it had an occurrence coming. A meeting
    an admin cancelled in Slack stays cancelled.
    """
    report = PlanReport()
    stored = {m.key: m for m in session.scalars(select(Meeting).options(selectinload(Meeting.changes)))}
    in_file = set()
    for config in org.meetings:
        spec = MeetingSpec.from_config(config)
        in_file.add(spec.key)
        meeting = stored.get(spec.key)
        if meeting is None:
            session.add(_new_meeting(spec, "file", None, now))
            continue
        if meeting.source != "file":
            log.warning("meeting key %s is used in Slack and in the file; the file wins", spec.key)
            meeting.source = "file"
        if not meeting.active and meeting.cancelled_at is None:
            meeting.active = True  # back in the file after being taken out
        before = spec_of(meeting)
        if before == spec:
            continue
        was_coming = meeting.active and _next_start(meeting, now) is not None
        _apply(meeting, spec, now)
        if was_coming and before.schedule_fields() != spec.schedule_fields():
            digest = hashlib.sha256(repr(spec.schedule_fields()).encode()).hexdigest()[:10]
            schedule_change_notice(session, meeting, f"file:{digest}", "rescheduled", now)
            report.notices.append(meeting.key)
    for meeting in stored.values():
        if meeting.source == "file" and meeting.key not in in_file and meeting.active:
            if _next_start(meeting, now) is not None:
                schedule_change_notice(session, meeting, "file:removed", "cancelled", now)
                report.notices.append(meeting.key)
            meeting.active = False
            meeting.updated_at = now
    session.flush()
    planned = plan_all(session, org, now)
    report.scheduled, report.withdrawn = planned.scheduled, planned.withdrawn
    return report


def add_meeting(session: Session, spec: MeetingSpec, by: str, now: datetime, org: OrgConfig) -> Meeting:
    """A meeting added in Slack (already validated by the modal)."""
    spec.times()
    existing = session.scalars(select(Meeting).where(Meeting.key == spec.key)).one_or_none()
    if existing is not None:
        raise MeetingError(
            f"there is already a meeting called {existing.name} (key `{spec.key}`): choose another name",
            field="name",
        )
    meeting = _new_meeting(spec, "slack", by, now)
    session.add(meeting)
    session.flush()
    plan_meeting(session, meeting, org, now)
    schedule_change_notice(session, meeting, "added", "added", now)
    return meeting


def cancel(
    session: Session, meeting: Meeting, on: date | None, by: str, now: datetime, org: OrgConfig
) -> Occurrence | None:
    """Cancel one occurrence (`on`, a date in the meeting's zone) or, with on=None, the
    meeting itself. Returns the cancelled occurrence, or None for the whole meeting."""
    if not meeting.active:
        raise MeetingError(f"{meeting.name} is already cancelled")
    if on is None:
        meeting.active = False
        meeting.cancelled_at = now
        meeting.updated_at = now
        schedule_change_notice(session, meeting, "all:cancelled", "cancelled", now)
        plan_meeting(session, meeting, org, now)
        return None
    item = occurrence_on(meeting, on, now)
    _record_change(session, meeting, item.original, None, by, now)
    schedule_change_notice(
        session, meeting, f"{_stamp(item.start)}:cancelled", "occurrence_cancelled", now, item
    )
    plan_meeting(session, meeting, org, now)
    return item


def move(
    session: Session,
    meeting: Meeting,
    on: date | None,
    new_start: str,
    by: str,
    now: datetime,
    org: OrgConfig,
) -> tuple[Occurrence, datetime]:
    """Move one occurrence (`on`, or the next one) to a new local start in the meeting's zone."""
    if not meeting.active:
        raise MeetingError(f"{meeting.name} is cancelled")
    item = occurrence_on(meeting, on, now) if on is not None else next_occurrence(meeting, now)
    try:
        _local, target = parse_start(new_start, ZoneInfo(meeting.timezone))
    except MeetingTimeError as exc:
        raise MeetingError(exc.message, field="start") from None
    if target <= now:
        raise MeetingError("the new time has already passed", field="start")
    if abs(target - item.original) > MOVE_LIMIT:
        raise MeetingError(
            "a single meeting can move by up to 60 days; to change the whole schedule, change "
            "the meeting itself",
            field="start",
        )
    if target == item.start:
        raise MeetingError("that is already when it starts", field="start")
    clash = find_occurrence(meeting, target)
    if clash is not None:
        raise MeetingError("another meeting of this series already starts then", field="start")
    _record_change(session, meeting, item.original, target, by, now)
    schedule_change_notice(
        session, meeting, f"{_stamp(item.start)}:moved:{_stamp(target)}", "moved", now, item, target
    )
    plan_meeting(session, meeting, org, now)
    return item, target


def occurrence_on(meeting: Meeting, on: date, now: datetime) -> Occurrence:
    zone = ZoneInfo(meeting.timezone)
    for item in effective_occurrences(meeting, now, now + HORIZON * 6):
        if item.start.astimezone(zone).date() == on:
            return item
    raise MeetingError(
        f"{meeting.name} has no meeting on {on.isoformat()} ({meeting.timezone} date) still to come",
        field="date",
    )


def next_occurrence(meeting: Meeting, now: datetime) -> Occurrence:
    found = effective_occurrences(meeting, now, now + HORIZON * 6)
    if not found:
        raise MeetingError(f"{meeting.name} has no meeting still to come")
    return found[0]


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
    names the event; scheduling the same event again only moves its time."""
    JobQueue.schedule(
        session,
        kind=JOB_CHANGE,
        key=f"mtg-change:{meeting.key}:{what}",
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


def _record_change(
    session: Session,
    meeting: Meeting,
    original: datetime,
    new_start: datetime | None,
    by: str,
    now: datetime,
) -> None:
    change = next((c for c in meeting.changes if c.original_start == original), None)
    if change is None:
        change = MeetingChange(original_start=original)
        meeting.changes.append(change)
    change.new_start, change.changed_by, change.changed_at = new_start, by, now
    meeting.updated_at = now
    session.flush()


def _new_meeting(spec: MeetingSpec, source: str, by: str | None, now: datetime) -> Meeting:
    meeting = Meeting(key=spec.key, source=source, created_by=by, created_at=now, active=True, changes=[])
    _apply(meeting, spec, now)
    return meeting


def _apply(meeting: Meeting, spec: MeetingSpec, now: datetime) -> None:
    meeting.name, meeting.channel, meeting.kind = spec.name, spec.channel, spec.kind
    meeting.start, meeting.timezone, meeting.rrule = spec.start, spec.timezone, spec.rrule
    meeting.reminders = list(spec.reminders)
    meeting.agenda, meeting.agenda_url, meeting.video_url = (spec.agenda, spec.agenda_url, spec.video_url)
    meeting.updated_at = now


def _next_start(meeting: Meeting, now: datetime) -> datetime | None:
    try:
        found = effective_occurrences(meeting, now, now + HORIZON)
    except MeetingTimeError:
        return None
    return found[0].start if found else None


# --- reading -------------------------------------------------------------------------


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
            found.extend((meeting, item) for item in effective_occurrences(meeting, now, until))
        except MeetingTimeError:
            log.warning("meeting %s has times that no longer parse", meeting.key)
    found.sort(key=lambda pair: (pair[1].start, pair[0].name))
    return found[:limit]


def record_post(
    session: Session,
    key: str,
    kind: str,
    channel: str | None,
    ts: str | None,
    outcome: str,
    due_at: datetime,
    now: datetime,
    detail: dict[str, Any] | None = None,
) -> MeetingPost:
    post = session.get(MeetingPost, key)
    if post is None:
        post = MeetingPost(key=key)
        session.add(post)
    post.kind, post.channel, post.ts, post.outcome = kind, channel, ts, outcome
    post.due_at, post.recorded_at, post.detail = due_at, now, detail or {}
    return post


def posted(session: Session, key: str, due_at: datetime) -> MeetingPost | None:
    """The record of this post if it was already made for this due time."""
    post = session.get(MeetingPost, key)
    if post is None or post.due_at != due_at or post.outcome not in {"sent", "sent_late", "found"}:
        return None
    return post


# --- data rights ---------------------------------------------------------------------


def export_member_data(session: Session, user_id: str) -> dict[str, Any]:
    """What this feature holds about a member: the meetings they added in Slack and the
    occurrences they moved or cancelled. Reminders name nobody."""
    added = session.scalars(select(Meeting).where(Meeting.created_by == user_id)).all()
    changed = session.scalars(
        select(MeetingChange)
        .where(MeetingChange.changed_by == user_id)
        .options(selectinload(MeetingChange.meeting))
    ).all()
    return {
        "meetings_added": [
            {"meeting": m.key, "name": m.name, "added_at": m.created_at.isoformat()} for m in added
        ],
        "meeting_changes": [
            {
                "meeting": c.meeting.key,
                "occurrence": c.original_start.isoformat(),
                "change": "cancelled" if c.new_start is None else f"moved to {c.new_start.isoformat()}",
                "changed_at": c.changed_at.isoformat(),
            }
            for c in changed
        ],
    }


def forget_member(session: Session, user_id: str, now: datetime) -> list[tuple[str, str]]:
    """Remove the member's id from meetings they added and changes they made; the meetings
    and changes stay, because they belong to the organisation. Returns what was kept."""
    del now
    added = session.scalars(select(Meeting).where(Meeting.created_by == user_id)).all()
    changed = session.scalars(select(MeetingChange).where(MeetingChange.changed_by == user_id)).all()
    for meeting in added:
        meeting.created_by = None
    for change in changed:
        change.changed_by = None
    session.flush()
    kept = []
    if added:
        kept.append(
            (
                f"{len(added)} meeting(s) you added, without your name",
                "the meetings belong to the organisation and members rely on them",
            )
        )
    if changed:
        kept.append(
            (
                f"{len(changed)} meeting change(s) you made, without your name",
                "the new times belong to the organisation's schedule",
            )
        )
    return kept


def alert_once(session: Session, key: str, now: datetime) -> bool:
    """Reserve an admin alert; False when it was already sent (by this or another process)."""
    if session.get(MeetingAlert, key) is not None:
        return False
    try:
        with session.begin_nested():
            session.add(MeetingAlert(key=key, sent_at=now))
    except IntegrityError:
        return False
    return True


def split_reminders(text: str) -> list[str]:
    """'7d, 1d 1h' -> ['7d', '1d', '1h'] (the modal's field)."""
    return [part for part in text.replace(",", " ").split() if part]
