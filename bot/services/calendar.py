"""Meetings in members' own calendars: RFC 5545 files, who was sent what, and the updates
they get when an occurrence moves or is cancelled. Plain Python and SQL; nothing here calls
Slack (handlers/calendar.py uploads the files).

A member adds either one occurrence (its own UID, from the meeting's key and the
occurrence's original start) or the whole series (the meeting's UID, with its RRULE, a
VTIMEZONE for its zone, EXDATEs for cancelled dates and an override per moved date). Each
file they get for a UID carries a higher SEQUENCE than the one before, so their calendar
replaces the event; a cancellation is METHOD:CANCEL with the same UID.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, selectinload

from bot.jobs import JobKind
from bot.meeting_times import occurrences
from bot.services.meeting_occurrences import MOVE_LIMIT, Occurrence, effective_occurrences, find_occurrence
from bot.services.meeting_specs import MeetingError, refusing, times_of
from bot.services.rows import add_unless_raced
from models.meeting_members import SERIES, CalendarAddition
from models.meetings import Meeting

if TYPE_CHECKING:
    # icalendar is imported when a file is built (the functions below), not at start: a tenth
    # of the bot's start-up, for a button most members never press.
    from icalendar import Calendar, Event, vRecur

PRODID = "-//Labour International//LIEC bot//EN"
UID_DOMAIN = "liec-bot"
# Meetings have no length in the organisation file; calendars show them as an hour.
LENGTH = timedelta(hours=1)
# iTIP wants an ORGANIZER on a cancellation; `.invalid` can never be a real address (RFC 2606).
ORGANIZER = "mailto:liec-bot@liec-bot.invalid"
# One member's update after a change: one job per (addition, its new SEQUENCE).
SEND = JobKind("calendar_send", ("addition", "sequence"), prefix="cal")

Method = Literal["PUBLISH", "CANCEL"]


@dataclass(frozen=True)
class IcsFile:
    filename: str
    title: str
    content: bytes
    uid: str
    sequence: int
    method: Method


@dataclass(frozen=True)
class Added:
    """What the member asked for, ready to upload."""

    meeting_name: str
    file: IcsFile
    start: datetime | None  # the occurrence's start; None for a series
    series: bool


def stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%MZ")


def unstamp(text: str) -> datetime:
    try:
        return datetime.strptime(text, "%Y%m%dT%H%MZ").replace(tzinfo=UTC)
    except ValueError:
        raise MeetingError("that button is out of date; use the latest message") from None


def series_uid(meeting: Meeting) -> str:
    return f"meeting-{meeting.key}@{UID_DOMAIN}"


def occurrence_uid(meeting: Meeting, original: datetime) -> str:
    return f"meeting-{meeting.key}-{stamp(original)}@{UID_DOMAIN}"


# --- building files ---------------------------------------------------------------------


def _wall(moment: datetime, zone: ZoneInfo) -> datetime:
    """An aware time in the meeting's zone: icalendar writes it as DTSTART;TZID=<zone>:..."""
    return moment.astimezone(zone)


def _describe(meeting: Meeting, channel_name: str) -> dict[str, Any]:
    lines = [f"Reminders and papers in Slack: #{channel_name}"]
    if meeting.video_url:
        lines.append(f"Join the call: {meeting.video_url}")
    if meeting.agenda_url:
        lines.append(f"Agenda: {meeting.agenda_url}")
    fields: dict[str, Any] = {
        "summary": meeting.name,
        "description": "\n".join(lines),
        "location": meeting.video_url or f"Slack #{channel_name}",
    }
    if meeting.video_url:
        fields["url"] = meeting.video_url
    return fields


def _event(
    uid: str, sequence: int, now: datetime, start: datetime, fields: dict[str, Any], zone: ZoneInfo
) -> Event:
    from icalendar import Event

    event = Event()
    event.add("uid", uid)
    event.add("sequence", sequence)
    event.add("dtstamp", now.astimezone(UTC))
    event.add("dtstart", _wall(start, zone))
    event.add("duration", LENGTH)
    for name, value in fields.items():
        event.add(name, value)
    return event


def _calendar(method: Method, events: Sequence[Event], since: datetime) -> Calendar:
    from icalendar import Calendar

    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", method)
    for event in events:
        cal.add_component(event)
    # One VTIMEZONE for the meeting's zone, from the tz database: its clock changes from the
    # year before the first date on, so that any calendar shows every date at the right time.
    cal.add_missing_timezones(first_date=date(since.year - 1, 1, 1), last_date=date(since.year + 12, 1, 1))
    return cal


def _rrule(meeting: Meeting) -> vRecur:
    """The stored rule for an .ics: UNTIL is kept as a local wall time in the meeting's zone,
    and RFC 5545 wants it in UTC when DTSTART has a TZID."""
    from icalendar import vRecur

    times = times_of(meeting)
    assert times.rule is not None
    parts: dict[str, Any] = {}
    for part in times.rule.split(";"):
        key, _, value = part.partition("=")
        if key == "UNTIL":
            local = datetime.strptime(value, "%Y%m%dT%H%M%S").replace(tzinfo=times.zone)
            parts[key] = local.astimezone(UTC)
        else:
            parts[key] = value.split(",")
    return vRecur(parts)


def series_file(meeting: Meeting, channel_name: str, sequence: int, now: datetime) -> IcsFile:
    """The whole series, with its moves and cancellations so far."""
    times = times_of(meeting)
    zone = times.zone
    uid = series_uid(meeting)
    fields = _describe(meeting, channel_name)
    master = _event(uid, sequence, now, times.start_utc, fields, zone)
    overrides: list[Event] = []
    if times.rule is not None:
        master.add("rrule", _rrule(meeting))
        cancelled = sorted(c.original_start for c in meeting.changes if c.new_start is None)
        for original in cancelled:
            master.add("exdate", _wall(original, zone))
        for change in sorted(meeting.changes, key=lambda c: c.original_start):
            if change.new_start is None:
                continue
            override = _event(uid, sequence, now, change.new_start, fields, zone)
            override.add("recurrence-id", _wall(change.original_start, zone))
            overrides.append(override)
    cal = _calendar("PUBLISH", [master, *overrides], times.start_utc)
    return IcsFile(
        f"{meeting.key}.ics", f"{meeting.name} (every meeting)", cal.to_ical(), uid, sequence, "PUBLISH"
    )


def occurrence_file(
    meeting: Meeting,
    original: datetime,
    start: datetime,
    channel_name: str,
    sequence: int,
    now: datetime,
    uid: str | None = None,
) -> IcsFile:
    zone = ZoneInfo(meeting.timezone)
    uid = uid or occurrence_uid(meeting, original)
    event = _event(uid, sequence, now, start, _describe(meeting, channel_name), zone)
    cal = _calendar("PUBLISH", [event], start)
    day = start.astimezone(zone).strftime("%Y-%m-%d")
    return IcsFile(
        f"{meeting.key}-{day}.ics", f"{meeting.name}, {day}", cal.to_ical(), uid, sequence, "PUBLISH"
    )


def cancel_file(
    meeting: Meeting,
    uid: str,
    sequence: int,
    start: datetime,
    now: datetime,
    channel_name: str,
    recurrence_id: datetime | None = None,
) -> IcsFile:
    """METHOD:CANCEL for a UID: the whole event, or with `recurrence_id` one date of a series."""
    from icalendar import vCalAddress

    zone = ZoneInfo(meeting.timezone)
    event = _event(uid, sequence, now, start, _describe(meeting, channel_name), zone)
    event.add("status", "CANCELLED")
    organizer = vCalAddress(ORGANIZER)
    organizer.params["cn"] = "LIEC bot"
    event.add("organizer", organizer)
    if recurrence_id is not None:
        event.add("recurrence-id", _wall(recurrence_id, zone))
    cal = _calendar("CANCEL", [event], start)
    day = start.astimezone(zone).strftime("%Y-%m-%d")
    return IcsFile(
        f"{meeting.key}-{day}-cancelled.ics",
        f"{meeting.name}, {day}: cancelled",
        cal.to_ical(),
        uid,
        sequence,
        "CANCEL",
    )


# --- what a member asks for -----------------------------------------------------------------


def _meeting(session: Session, key: str) -> Meeting:
    meeting = session.scalars(
        select(Meeting).where(Meeting.key == key).options(selectinload(Meeting.changes))
    ).one_or_none()
    if meeting is None or not meeting.active:
        raise MeetingError("that meeting is no longer on the calendar")
    return meeting


def occurrence_by_original(meeting: Meeting, original: datetime) -> Occurrence | None:
    """The occurrence the rule gives at `original`, wherever it was moved; None if cancelled."""
    window = effective_occurrences(meeting, original - MOVE_LIMIT - timedelta(days=1), original + MOVE_LIMIT)
    return next((item for item in window if item.original == original), None)


def resolve(meeting: Meeting, value: str) -> Occurrence | None:
    """A button's target: 'series' (None), 'o<stamp>' an original start, 's<stamp>' a start."""
    if value == SERIES:
        return None
    moment = unstamp(value[1:])
    item = (
        occurrence_by_original(meeting, moment) if value.startswith("o") else find_occurrence(meeting, moment)
    )
    if item is None:
        raise MeetingError(f"that date of {meeting.name} was moved or cancelled; see the latest message")
    return item


@dataclass(frozen=True)
class AddRequest:
    """A member's press of Add to calendar: `target` is the button's value (see `resolve`);
    `channel_name` names the meeting's channel in the file (from `meeting_channel`)."""

    user_id: str
    meeting_key: str
    target: str
    channel_name: str


@refusing
def meeting_channel(session: Session, meeting_key: str) -> str:
    """The channel id of a meeting still on the calendar; Refused when it is not."""
    return _meeting(session, meeting_key).channel


@refusing
def add_for_member(session: Session, ask: AddRequest, now: datetime) -> Added:
    """Record that the member added the series or one occurrence, and build their file;
    Refused (gone, moved, cancelled, started, an old button) for the member to read."""
    meeting = _meeting(session, ask.meeting_key)
    item = resolve(meeting, ask.target)
    if item is None and meeting.rrule is None:
        item = next_or_only(meeting, now)
    if item is not None and item.start <= now:
        raise MeetingError(f"that date of {meeting.name} has already started")
    key = SERIES if item is None else stamp(item.original)
    fresh = CalendarAddition(
        user_id=ask.user_id,
        meeting_id=meeting.id,
        target=key,
        original_start=item.original if item else None,
        uid=series_uid(meeting) if item is None else occurrence_uid(meeting, item.original),
        sequence=0,
        cancelled=False,
        added_at=now,
        updated_at=now,
    )
    addition = _addition(session, ask.user_id, meeting, key) or add_unless_raced(
        session, fresh, lambda: _addition(session, ask.user_id, meeting, key)
    )
    if addition is not fresh:
        # Added again (or by a press a moment ago): the newest file must replace the old.
        addition.sequence += 1
    addition.cancelled = False
    addition.updated_at = now
    session.flush()
    name = ask.channel_name
    if item is None:
        file = series_file(meeting, name, addition.sequence, now)
    else:
        file = occurrence_file(meeting, item.original, item.start, name, addition.sequence, now, addition.uid)
    return Added(meeting.name, file, item.start if item else None, item is None)


def _addition(session: Session, user_id: str, meeting: Meeting, key: str) -> CalendarAddition | None:
    return session.scalars(
        select(CalendarAddition).where(
            CalendarAddition.user_id == user_id,
            CalendarAddition.meeting_id == meeting.id,
            CalendarAddition.target == key,
        )
    ).one_or_none()


def next_or_only(meeting: Meeting, now: datetime) -> Occurrence:
    found = effective_occurrences(meeting, now - timedelta(days=1), now + timedelta(days=800))
    upcoming = [item for item in found if item.start > now]
    if not upcoming:
        raise MeetingError(f"{meeting.name} has no date still to come")
    return upcoming[0]


# --- updates after a change -----------------------------------------------------------------


def plan_updates(
    session: Session,
    meeting: Meeting,
    action: str,
    now: datetime,
    item: Occurrence | None = None,
    target: datetime | None = None,
) -> int:
    """After a change to a meeting (in the same transaction), a send job for everyone who
    added what changed, each with the next SEQUENCE. Returns how many were planned."""
    del target  # the file is built from the meeting as it stands when it is sent
    if meeting.id is None:
        return 0
    additions = session.scalars(
        select(CalendarAddition)
        .where(CalendarAddition.meeting_id == meeting.id)
        .order_by(CalendarAddition.id)
    ).all()
    taken = {(a.user_id, a.target) for a in additions}
    planned = 0
    for addition in additions:
        if addition.cancelled:
            continue
        send = _what_to_send(meeting, addition, action, item, now, taken)
        if send is None:
            continue
        addition.sequence += 1
        addition.updated_at = now
        if send == "cancel":
            addition.cancelled = True
        payload = {
            "addition": addition.id,
            "user": addition.user_id,
            "meeting": meeting.key,
            "send": send,
            "sequence": addition.sequence,
            "start": item.start.isoformat() if item else None,
            "original": item.original.isoformat() if item else None,
        }
        SEND.schedule(session, addition.id, addition.sequence, due_at=now, payload=payload)
        planned += 1
    session.flush()
    return planned


def _what_to_send(
    meeting: Meeting,
    addition: CalendarAddition,
    action: str,
    item: Occurrence | None,
    now: datetime,
    taken: set[tuple[str, str]],
) -> str | None:
    """publish | cancel (the whole UID) | cancel-date (one date of a series) | None."""
    series = addition.target == SERIES
    if not series and (addition.original_start is None or addition.original_start <= now):
        return None  # a date already past: nothing in the member's calendar to change
    if action == "cancelled":
        return "cancel"
    if action == "rescheduled":
        return "publish" if series else _follow_new_schedule(meeting, addition, taken)
    if item is None:
        return None
    mine = series or addition.target == stamp(item.original)
    if not mine:
        return None
    if action == "occurrence_cancelled":
        return "cancel-date" if series else "cancel"
    if action == "moved":
        return "publish"
    return None


def _follow_new_schedule(
    meeting: Meeting, addition: CalendarAddition, taken: set[tuple[str, str]]
) -> str | None:
    """A new schedule for the series: the date the member added stays (None), moves to the
    new time on the same day in the meeting's zone (publish, same UID), or is gone (cancel)."""
    original = addition.original_start
    assert original is not None
    if occurrence_by_original(meeting, original) is not None:
        return None
    zone = ZoneInfo(meeting.timezone)
    day = original.astimezone(zone).date()
    around = effective_occurrences(meeting, original - timedelta(days=2), original + timedelta(days=2))
    same_day = [i for i in around if i.start.astimezone(zone).date() == day]
    target = stamp(same_day[0].original) if same_day else ""
    if not same_day or (addition.user_id, target) in taken:
        return "cancel"  # gone, or the member has added the new date already
    taken.add((addition.user_id, target))
    addition.target, addition.original_start = target, same_day[0].original
    return "publish"


@dataclass(frozen=True)
class Delivery:
    user_id: str
    meeting_name: str
    file: IcsFile
    comment_kind: str  # moved | cancelled | updated


def send_channel(session: Session, payload: dict[str, Any]) -> str | None:
    """The channel of the meeting a send job is about (its file names it); None when gone."""
    return session.scalars(select(Meeting.channel).where(Meeting.key == str(payload["meeting"]))).first()


def delivery_for(session: Session, payload: dict[str, Any], name: str, now: datetime) -> Delivery | None:
    """The file a send job (`SEND`, its payload) uploads, built from the meeting as it stands;
    None when the meeting or the addition is gone (the member forgot, or the meeting was
    deleted). `name`: the meeting's channel as the file names it."""
    addition = session.get(CalendarAddition, int(payload["addition"]))
    meeting = session.scalars(
        select(Meeting).where(Meeting.key == str(payload["meeting"])).options(selectinload(Meeting.changes))
    ).one_or_none()
    if addition is None or meeting is None or addition.meeting_id != meeting.id:
        return None
    sequence = int(payload["sequence"])
    send = str(payload["send"])
    series = addition.target == SERIES
    original = addition.original_start
    start = _when(payload.get("start"))
    if send == "publish" and series:
        return Delivery(addition.user_id, meeting.name, series_file(meeting, name, sequence, now), "updated")
    if send == "publish" and original is not None:
        item = occurrence_by_original(meeting, original)
        if item is None:
            return None  # cancelled since: that send job follows
        file = occurrence_file(meeting, original, item.start, name, sequence, now, addition.uid)
        return Delivery(addition.user_id, meeting.name, file, "moved")
    if send == "cancel-date":
        recurrence = _when(payload.get("original"))
        if recurrence is None or start is None:
            return None
        file = cancel_file(meeting, series_uid(meeting), sequence, start, now, name, recurrence)
        return Delivery(addition.user_id, meeting.name, file, "cancelled")
    if series:
        file = cancel_file(meeting, series_uid(meeting), sequence, times_of(meeting).start_utc, now, name)
        return Delivery(addition.user_id, meeting.name, file, "cancelled")
    assert original is not None
    item = occurrence_by_original(meeting, original)
    when = start or (item.start if item else original)
    file = cancel_file(meeting, addition.uid, sequence, when, now, name)
    return Delivery(addition.user_id, meeting.name, file, "cancelled")


def _when(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) and value else None


# --- the bot's own view, for the tests and for checks ------------------------------------------


def bot_instants(meeting: Meeting, after: datetime, until: datetime) -> list[datetime]:
    """Every start the bot itself would remind about in (after, until]."""
    return [item.start for item in effective_occurrences(meeting, after, until)]


def rule_instants(meeting: Meeting, after: datetime, until: datetime) -> list[datetime]:
    return occurrences(times_of(meeting), after, until)


# --- personal data ----------------------------------------------------------------------------


def export_member_data(session: Session, user_id: str) -> dict[str, Any]:
    rows = session.scalars(
        select(CalendarAddition)
        .where(CalendarAddition.user_id == user_id)
        .options(selectinload(CalendarAddition.meeting))
        .order_by(CalendarAddition.id)
    ).all()
    return {
        "meetings_in_your_calendar": [
            {
                "meeting": row.meeting.key,
                "name": row.meeting.name,
                "what": "every meeting"
                if row.target == SERIES
                else f"the meeting of {row.original_start.isoformat() if row.original_start else '?'}",
                "added_at": row.added_at.isoformat(),
                "updates_sent": row.sequence,
                "cancelled": row.cancelled,
            }
            for row in rows
        ]
    }


def forget_member(session: Session, user_id: str, now: datetime) -> list[tuple[str, str]]:
    del now
    session.execute(delete(CalendarAddition).where(CalendarAddition.user_id == user_id))
    return []


def purge(session: Session, now: datetime, retention_days: int) -> int:
    """Remove records of meetings added to calendars once they are past the retention period:
    an occurrence that took place, or a series that ended or was cancelled, that long ago."""
    cutoff = now - timedelta(days=retention_days)
    past = session.scalars(
        select(CalendarAddition).where(
            CalendarAddition.original_start.is_not(None), CalendarAddition.original_start < cutoff
        )
    ).all()
    stale = session.scalars(
        select(CalendarAddition)
        .where(CalendarAddition.target == SERIES, CalendarAddition.updated_at < cutoff)
        .options(selectinload(CalendarAddition.meeting).selectinload(Meeting.changes))
    ).all()
    ended = [
        row
        for row in stale
        if not row.meeting.active or not effective_occurrences(row.meeting, cutoff, now + timedelta(days=365))
    ]
    for row in [*past, *ended]:
        session.delete(row)
    gone = len(past) + len(ended)
    session.flush()
    return gone
