"""Changing meetings: the organisation file's meetings kept in step with the stored ones, and
an admin's add, cancel or move from Slack. Every change is planned into jobs at once
(bot/services/meeting_planning.py). Plain Python and SQL; nothing here calls Slack."""

from __future__ import annotations

import hashlib
import logging
from datetime import date, datetime
from functools import partial
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, subqueryload

from bot.config import OrgConfig
from bot.meeting_times import MeetingTimeError, parse_start
from bot.services.meeting_occurrences import (
    MOVE_LIMIT,
    Occurrence,
    effective_occurrences,
    find_occurrence,
    next_occurrence,
    occurrence_on,
)
from bot.services.meeting_planning import (
    HORIZON,
    PlanReport,
    plan_all,
    plan_meeting,
    schedule_change_notice,
    stamp,
)
from bot.services.meeting_specs import MeetingError, MeetingSpec, spec_of
from bot.services.rows import add_unless_raced
from models.meetings import Meeting, MeetingChange

log = logging.getLogger(__name__)


def sync_from_config(session: Session, org: OrgConfig, now: datetime) -> PlanReport:
    """Make the file's meetings the stored ones, then plan every meeting.

    A meeting whose start, zone or rule changed in the file gets a notice in its channel; one
    gone from the file is withdrawn, with a notice if it had an occurrence coming. A meeting
    an admin cancelled in Slack stays cancelled.
    """
    report = PlanReport()
    stored = {m.key: m for m in session.scalars(select(Meeting).options(subqueryload(Meeting.changes)))}
    in_file = set()
    for config in org.meetings:
        spec = MeetingSpec.from_config(config)
        in_file.add(spec.key)
        meeting = stored.get(spec.key)
        if meeting is None:
            # Another process may store the file's meeting at the same moment: one is kept.
            stored_meeting = partial(session.scalar, select(Meeting).where(Meeting.key == spec.key))
            add_unless_raced(session, _new_meeting(spec, "file", None, now), stored_meeting)
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
    """A meeting added in Slack (already validated by the modal). Raises MeetingError on the
    `name` field when a meeting with the same key exists, also when another admin adds it at
    the same moment (the unique key decides, `rows.add_unless_raced`)."""
    spec.times()

    def same_key() -> Meeting | None:
        return session.scalars(select(Meeting).where(Meeting.key == spec.key)).one_or_none()

    new = _new_meeting(spec, "slack", by, now)
    # Two admins adding the same name at once: the second is told just as if it came later.
    meeting = same_key() or add_unless_raced(session, new, same_key)
    if meeting is not new:
        raise MeetingError(
            f"there is already a meeting called {meeting.name} (key `{spec.key}`): choose another name",
            field="name",
        )
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
        session, meeting, f"{stamp(item.start)}:cancelled", "occurrence_cancelled", now, item
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
        session, meeting, f"{stamp(item.start)}:moved:{stamp(target)}", "moved", now, item, target
    )
    plan_meeting(session, meeting, org, now)
    return item, target


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
        # Two admins changing one date at once: the second changes the row the first made.
        change = add_unless_raced(
            session,
            MeetingChange(
                meeting_id=meeting.id,
                original_start=original,
                new_start=new_start,
                changed_by=by,
                changed_at=now,
            ),
            lambda: session.scalars(
                select(MeetingChange).where(
                    MeetingChange.meeting_id == meeting.id, MeetingChange.original_start == original
                )
            ).one_or_none(),
        )
        session.expire(meeting, ["changes"])  # read again with the new row, whoever made it
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
