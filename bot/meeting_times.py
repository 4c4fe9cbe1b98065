"""When a meeting happens and when its reminders fall due: plain rules, no Slack types.

A meeting keeps its own local wall time. Each occurrence is computed from the rule in the
meeting's zone (naive local times, then the zone attached) and returned in UTC, so a
10:00 Europe/London meeting stays at 10:00 London time across daylight saving.

Occurrences that land on a clock change are resolved the way PEP 495 resolves fold=0:
- a wall time in a spring-forward gap is shifted forward by the gap (01:30 on the day
  London goes from 01:00 to 02:00 is held at 02:30 BST, the same instant as 01:30 GMT);
- a wall time that happens twice on a fall-back day is the first of the two (the
  earlier instant, still on summer time).
A `start` given by an admin is stricter: a gap or a fold there is rejected, with the reason
and a suggested time, because the admin can say what they mean.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import lru_cache
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from dateutil.rrule import rrule, rrulestr
from rapidfuzz import process

Field = Literal["start", "timezone", "rrule", "reminders"]

MAX_REMINDER_LEAD = timedelta(days=60)
# occurrences() never looks further than this, nor returns more than this many,
# whatever the caller asks: a bad caller cannot make it loop for ever.
MAX_HORIZON = timedelta(days=800)
MAX_OCCURRENCES = 500
# The Gregorian calendar repeats every 400 years: 146,097 days, a whole number of weeks.
_CALENDAR_CYCLE_YEARS = 400
_LAST_PROBE_YEAR = 9999 - _CALENDAR_CYCLE_YEARS

_ALLOWED_FREQS = {"DAILY", "WEEKLY", "MONTHLY", "YEARLY"}
_TOO_FREQUENT = {"SECONDLY", "MINUTELY", "HOURLY"}
_ALLOWED_PARTS = {"FREQ", "INTERVAL", "COUNT", "UNTIL", "BYDAY", "BYMONTHDAY", "BYMONTH", "BYSETPOS", "WKST"}
_TIME_OF_DAY_PARTS = {"BYHOUR", "BYMINUTE", "BYSECOND"}
_MONTH_LENGTH_MAX = {1: 31, 2: 29, 3: 31, 4: 30, 5: 31, 6: 30, 7: 31, 8: 31, 9: 30, 10: 31, 11: 30, 12: 31}

_START_RE = re.compile(
    r"^(?P<y>\d{4})-(?P<mo>\d{1,2})-(?P<d>\d{1,2})[T ](?P<h>\d{1,2}):(?P<mi>\d{2})"
    r"(?::(?P<s>\d{2}))?(?P<off>Z|[+-]\d{2}:?\d{2})?$"
)
_DURATION_RE = re.compile(r"^(?P<n>\d+)\s*(?P<unit>[wdhm])$")
_UNIT = {"w": timedelta(weeks=1), "d": timedelta(days=1), "h": timedelta(hours=1), "m": timedelta(minutes=1)}


class MeetingTimeError(ValueError):
    """A meeting's time settings are wrong; `field` names the setting, `message` says why."""

    def __init__(self, field: Field, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field: Field = field
        self.message = message


@dataclass(frozen=True)
class MeetingTimes:
    """The validated time settings of one meeting."""

    zone: ZoneInfo
    start_local: datetime  # naive wall time in `zone`
    start_utc: datetime
    rule: str | None  # normalised RRULE text (no DTSTART), None for a one-off meeting
    reminders: tuple[timedelta, ...]  # distinct, longest first
    # Leads written in hours or minutes ("24h"): exact durations. Leads written in days or
    # weeks ("1d", "7d", "1w") are calendar days, as RFC 5545 counts them (see reminder_due).
    exact: frozenset[timedelta] = frozenset()


# --- parsing ------------------------------------------------------------------------


def parse_meeting_times(
    start: str | datetime,
    timezone: str,
    rule: str | None = None,
    reminders: Iterable[str] = (),
) -> MeetingTimes:
    """Validate every time setting of a meeting, or raise MeetingTimeError naming the field."""
    zone = parse_zone(timezone)
    start_local, start_utc = parse_start(start, zone)
    normalised = parse_rule(rule, start_local, zone) if rule else None
    written = [reminders] if isinstance(reminders, str) else list(reminders)
    return MeetingTimes(
        zone, start_local, start_utc, normalised, parse_reminders(written), exact_leads(written)
    )


def parse_zone(name: str) -> ZoneInfo:
    name = (name or "").strip()
    if not name:
        raise MeetingTimeError("timezone", "is missing: give an IANA name such as Europe/London")
    if name not in _zone_names():
        raise MeetingTimeError("timezone", _unknown_zone_message(name))
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:  # listed but unreadable: tzdata broken
        raise MeetingTimeError("timezone", _unknown_zone_message(name)) from exc


def parse_start(value: str | datetime, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """Return (naive local wall time in `zone`, UTC instant) for a meeting's start.

    A wall time without an offset is read in `zone` and must exist exactly once there;
    a time with an offset is an exact instant, whatever zone it was written in.
    """
    if isinstance(value, datetime):
        value = value.isoformat(sep=" ")
    text = str(value).strip()
    match = _START_RE.match(text)
    if not match:
        raise MeetingTimeError(
            "start",
            f"'{text}' is not a date and time: write '2026-12-05 10:00' (local time in the "
            "meeting's zone) or '2026-12-05T10:00+00:00' (with an offset)",
        )
    day = _parse_date(int(match["y"]), int(match["mo"]), int(match["d"]))
    clock = _parse_clock(int(match["h"]), int(match["mi"]), int(match["s"] or 0))
    naive = datetime.combine(day, clock)
    if match["off"]:
        exact = datetime.fromisoformat(text.replace(" ", "T").replace("Z", "+00:00"))
        local = exact.astimezone(zone)
        return local.replace(tzinfo=None), exact.astimezone(UTC)
    problem = wall_time_problem(naive, zone)
    if problem:
        raise MeetingTimeError("start", problem)
    return naive, naive.replace(tzinfo=zone).astimezone(UTC)


def parse_rule(text: str, start_local: datetime, zone: ZoneInfo) -> str:
    """Validate an RFC 5545 RRULE against the meeting's start; return it normalised."""
    parts = _rule_parts(text)
    freq = parts.get("FREQ")
    if freq is None:
        raise MeetingTimeError("rrule", "has no FREQ: for example FREQ=MONTHLY;BYDAY=1SA")
    if freq in _TOO_FREQUENT:
        raise MeetingTimeError(
            "rrule", f"FREQ={freq} is too frequent for a meeting: use DAILY, WEEKLY, MONTHLY or YEARLY"
        )
    if freq not in _ALLOWED_FREQS:
        raise MeetingTimeError(
            "rrule", f"FREQ={freq} is not a frequency: use DAILY, WEEKLY, MONTHLY or YEARLY"
        )
    for key in ("INTERVAL", "COUNT"):
        if key in parts and not (parts[key].isdigit() and int(parts[key]) >= 1):
            raise MeetingTimeError("rrule", f"{key}={parts[key]} must be a whole number, 1 or more")
    if "UNTIL" in parts and "COUNT" in parts:
        raise MeetingTimeError("rrule", "give COUNT or UNTIL, not both")
    until: datetime | None = None
    if "UNTIL" in parts:
        until = _local_until(parts["UNTIL"], zone)
        if until < start_local:
            raise MeetingTimeError(
                "rrule", f"UNTIL={parts['UNTIL']} ends before the start ({_wall(start_local)})"
            )
        parts["UNTIL"] = until.strftime("%Y%m%dT%H%M%S")
    _check_month_days(parts)
    _check_weekdays(parts)
    normalised = ";".join(f"{key}={value}" for key, value in parts.items())
    first = _first_occurrence(_build_rule(normalised, start_local), start_local, until)
    if first is None:
        raise MeetingTimeError("rrule", f"'{normalised}' gives no date from the start on")
    if first != start_local:
        raise MeetingTimeError(
            "rrule",
            f"the start ({_wall(start_local)}) is not one of the rule's dates; its first date "
            f"from then is {_wall(first)}: make that the start, or change the rule",
        )
    return normalised


def parse_duration(text: str) -> timedelta:
    """'30m', '1h', '1d', '2w' -> timedelta; positive and at most 60 days."""
    raw = str(text).strip()
    match = _DURATION_RE.match(raw.lower())
    if not match:
        raise MeetingTimeError(
            "reminders",
            f"'{raw}' is not a duration: write a whole number and a unit, such as 30m, 1h, 1d or 2w",
        )
    amount = int(match["n"]) * _UNIT[match["unit"]]
    if amount <= timedelta(0):
        raise MeetingTimeError(
            "reminders", f"'{raw}' is zero: a reminder comes before the meeting, at least 1m"
        )
    if amount > MAX_REMINDER_LEAD:
        raise MeetingTimeError("reminders", f"'{raw}' is more than 60 days before the meeting")
    return amount


def parse_reminders(values: Iterable[str]) -> tuple[timedelta, ...]:
    if isinstance(values, str):  # a lone "7d" where a list was meant
        values = [values]
    seen: dict[timedelta, str] = {}
    for value in values:
        amount = parse_duration(value)
        if amount in seen:
            raise MeetingTimeError(
                "reminders", f"'{value}' and '{seen[amount]}' are the same reminder: keep one"
            )
        seen[amount] = str(value)
    return tuple(sorted(seen, reverse=True))


def exact_leads(values: Iterable[str]) -> frozenset[timedelta]:
    """The leads written in hours or minutes: RFC 5545 counts those as exact durations."""
    found = set()
    for value in values:
        match = _DURATION_RE.match(str(value).strip().lower())
        if match and match["unit"] in "hm":
            found.add(int(match["n"]) * _UNIT[match["unit"]])
    return frozenset(found)


def calendar_before(start: datetime, days: int, zone: ZoneInfo) -> datetime:
    """The instant ``days`` calendar days before ``start`` at the same local wall time in
    ``zone`` (RFC 5545: "P1D" and "P1W" are nominal days, kept at the same local time across a
    clock change). A wall time that does not exist that day is held forward by the gap; one
    that happens twice is the first of the two, as occurrences are."""
    wall = start.astimezone(zone).replace(tzinfo=None) - timedelta(days=days)
    return wall.replace(tzinfo=zone, fold=0).astimezone(UTC)


def reminder_due(start: datetime, lead: timedelta, meeting: MeetingTimes) -> datetime:
    """When a reminder ``lead`` before ``start`` (UTC) is due: days and weeks in calendar
    time (same local wall time), hours and minutes exactly, as RFC 5545 counts durations."""
    if lead % timedelta(days=1) or lead in meeting.exact:
        return _utc(start) - lead
    return calendar_before(_utc(start), lead.days, meeting.zone)


def format_duration(amount: timedelta) -> str:
    """The shortest label parse_duration reads back: 7 days -> '1w', 90 minutes -> '90m'."""
    minutes = int(amount.total_seconds() // 60)
    for unit, size in (("w", 7 * 24 * 60), ("d", 24 * 60), ("h", 60)):
        if minutes % size == 0:
            return f"{minutes // size}{unit}"
    return f"{minutes}m"


def wall_time_problem(naive: datetime, zone: ZoneInfo) -> str | None:
    """Why a local wall time is not a single instant in `zone`, or None if it is."""
    first = naive.replace(tzinfo=zone, fold=0)
    second = naive.replace(tzinfo=zone, fold=1)
    before, after = first.utcoffset(), second.utcoffset()
    if before is None or after is None or before == after:
        return None
    when = f"{naive:%H:%M} on {naive:%Y-%m-%d}"
    name = zone.key
    if after > before:
        # A gap: fold=0 uses the old offset, and reading it back lands past the gap.
        edge = _transition(zone, second.astimezone(UTC), first.astimezone(UTC))
        gap_from = (edge + before).replace(tzinfo=None)
        gap_to = (edge + after).replace(tzinfo=None)
        moved = (naive + (after - before)).strftime("%H:%M")
        return (
            f"{when} does not exist in {name}: the clocks go forward from "
            f"{gap_from:%H:%M} to {gap_to:%H:%M} that day. Choose a time outside "
            f"{gap_from:%H:%M}-{gap_to:%H:%M}, for example {moved}"
        )
    edge = _transition(zone, first.astimezone(UTC), second.astimezone(UTC))
    fold_from = (edge + after).replace(tzinfo=None)
    fold_to = (edge + before).replace(tzinfo=None)
    return (
        f"{when} happens twice in {name}: the clocks go back from {fold_to:%H:%M} to "
        f"{fold_from:%H:%M} that day. Give the offset, {_offset_example(naive, before)} "
        f"for the first or {_offset_example(naive, after)} for the second, or choose a "
        f"time outside {fold_from:%H:%M}-{fold_to:%H:%M}"
    )


# --- occurrences and reminders ------------------------------------------------------


def occurrences(meeting: MeetingTimes, after: datetime, until: datetime) -> list[datetime]:
    """UTC starts of the meeting's occurrences with after < start <= until.

    Bounded: the window is cut at MAX_HORIZON past `after` and at MAX_OCCURRENCES results.
    """
    after, until = _utc(after), min(_utc(until), _utc(after) + MAX_HORIZON)
    if until <= after:
        return []
    if meeting.rule is None:
        return [meeting.start_utc] if after < meeting.start_utc <= until else []
    built = _build_rule(meeting.rule, meeting.start_local)
    # Local wall times and UTC order differ by at most a day; widen, then filter exactly.
    low = _local_naive(after, meeting.zone) - timedelta(days=1)
    high = _local_naive(until, meeting.zone) + timedelta(days=1)
    found: list[datetime] = []
    for wall in built.xafter(low, count=MAX_OCCURRENCES + 4, inc=True):
        if wall > high:
            break
        instant = to_utc(wall, meeting)
        if after < instant <= until:
            found.append(instant)
            if len(found) >= MAX_OCCURRENCES:
                break
    return found


def previous_occurrence(meeting: MeetingTimes, occurrence_utc: datetime) -> datetime | None:
    """The UTC start of the occurrence before this one, or None for the first."""
    if meeting.rule is None:
        return None
    built = _build_rule(meeting.rule, meeting.start_local)
    target = _utc(occurrence_utc)
    wall = _local_naive(target, meeting.zone) + timedelta(days=1)
    for _ in range(4):  # a gap-shifted occurrence may read back as the same instant once
        earlier = built.before(wall)
        if earlier is None:
            return None
        instant = to_utc(earlier, meeting)
        if instant < target:
            return instant
        wall = earlier
    return None


def to_utc(wall: datetime, meeting: MeetingTimes) -> datetime:
    """A naive local wall time of this meeting as a UTC instant (gap: forward, fold: first)."""
    if wall == meeting.start_local:
        # The start itself is exact even when it was given in the second half of a fold.
        return meeting.start_utc
    return wall.replace(tzinfo=meeting.zone, fold=0).astimezone(UTC)


@dataclass(frozen=True)
class ReminderInstant:
    occurrence: datetime  # UTC start of the meeting
    lead: timedelta  # how long before the start
    due: datetime  # UTC instant to post

    @property
    def label(self) -> str:
        return format_duration(self.lead)


def reminder_instants(
    meeting: MeetingTimes, occurrence_starts: Sequence[datetime], now: datetime
) -> list[ReminderInstant]:
    """Each reminder of each occurrence still to come, earliest first.

    Days and weeks are calendar days (RFC 5545): a 7-day reminder of a Sydney 10:00 meeting
    is at 10:00 Sydney time a week before, across a clock change; hours are exact.
    """
    now = _utc(now)
    due = [
        ReminderInstant(start, lead, reminder_due(start, lead, meeting))
        for start in map(_utc, occurrence_starts)
        for lead in meeting.reminders
        if reminder_due(start, lead, meeting) > now
    ]
    return sorted(due, key=lambda item: (item.due, item.occurrence))


# --- how a reader sees it -----------------------------------------------------------


def shift_for_reader(
    meeting_tz: tzinfo,
    reader_tz: tzinfo,
    occurrence_utc: datetime,
    previous_occurrence_utc: datetime,
) -> timedelta:
    """How far the reader's local time of day for this occurrence moved since the last one.

    The meeting keeps its own wall time; when the reader's clocks and the meeting's clocks
    change on different dates, the reader sees it move. Positive: later for the reader.
    """
    now, before = _utc(occurrence_utc), _utc(previous_occurrence_utc)
    reader_change = _offset(reader_tz, now) - _offset(reader_tz, before)
    meeting_change = _offset(meeting_tz, now) - _offset(meeting_tz, before)
    return reader_change - meeting_change


def describe_shift(shift: timedelta, period: str = "this week") -> str | None:
    """'one hour earlier for you this week', or None when nothing moved."""
    if shift == timedelta(0):
        return None
    direction = "later" if shift > timedelta(0) else "earlier"
    minutes = abs(int(shift.total_seconds())) // 60
    hours, rest = divmod(minutes, 60)
    pieces = []
    if hours:
        pieces.append(f"{_number_word(hours)} hour{'s' if hours != 1 else ''}")
    if rest:
        pieces.append(f"{_number_word(rest)} minutes")
    return f"{' and '.join(pieces)} {direction} for you {period}"


def slack_date_token(
    instant_utc: datetime,
    fmt: str = "{date_long_pretty} at {time}",
    fallback_tz: tzinfo = UTC,
) -> str:
    """A Slack date token: each reader sees their own local time; the fallback is in the
    meeting's zone for clients that cannot render it."""
    if any(char in fmt for char in "|<>^"):
        raise ValueError("a Slack date format cannot contain | < > or ^")
    instant = _utc(instant_utc)
    return f"<!date^{int(instant.timestamp())}^{fmt}|{local_label(instant, fallback_tz)}>"


def local_label(instant_utc: datetime, zone: tzinfo) -> str:
    """'Saturday 5 December 2026, 10:00 GMT' in the given zone."""
    local = _utc(instant_utc).astimezone(zone)
    return f"{local:%A} {local.day} {local:%B %Y}, {local:%H:%M} {local.tzname() or ''}".strip()


# --- helpers ------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _zone_names() -> frozenset[str]:
    return frozenset(available_timezones())


def _unknown_zone_message(name: str) -> str:
    guess = process.extractOne(name, sorted(_zone_names()), score_cutoff=80)
    hint = f" Did you mean {guess[0]}?" if guess else ""
    return f"'{name}' is not a known time zone: use an IANA name such as Europe/London.{hint}"


def _parse_date(year: int, month: int, day: int) -> date:
    if not 1 <= month <= 12:
        raise MeetingTimeError(
            "start", f"{year:04d}-{month:02d}-{day:02d} is not a date: there is no month {month}"
        )
    try:
        return date(year, month, day)
    except ValueError:
        length = (date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)).day
        raise MeetingTimeError(
            "start",
            f"{year:04d}-{month:02d}-{day:02d} is not a date: {date(year, month, 1):%B %Y} has {length} days",
        ) from None


def _parse_clock(hour: int, minute: int, second: int) -> time:
    try:
        return time(hour, minute, second)
    except ValueError:
        raise MeetingTimeError(
            "start", f"{hour:02d}:{minute:02d} is not a time of day: use 00:00 to 23:59"
        ) from None


def _rule_parts(text: str) -> dict[str, str]:
    raw = str(text).strip()
    body = raw[6:] if raw.upper().startswith("RRULE:") else raw
    if not body or "\n" in body or ":" in body:
        raise MeetingTimeError(
            "rrule",
            f"'{raw}' is not a single RRULE: write one line such as "
            "FREQ=MONTHLY;BYDAY=1SA (the start comes from 'start', not DTSTART)",
        )
    parts: dict[str, str] = {}
    for piece in body.strip(";").split(";"):
        key, sep, value = piece.partition("=")
        key, value = key.strip().upper(), value.strip().upper()
        if not sep or not key or not value:
            raise MeetingTimeError(
                "rrule",
                f"'{piece}' is not a rule part: write NAME=VALUE pairs joined by ';', "
                "such as FREQ=MONTHLY;BYDAY=1SA",
            )
        if key in parts:
            raise MeetingTimeError("rrule", f"{key} is given twice")
        if key in _TIME_OF_DAY_PARTS:
            raise MeetingTimeError(
                "rrule",
                f"{key} is not allowed: the time of day comes from 'start', and a "
                "meeting happens at most once a day",
            )
        if key not in _ALLOWED_PARTS:
            raise MeetingTimeError(
                "rrule",
                f"{key} is not supported; use FREQ, INTERVAL, "
                "COUNT, UNTIL, BYDAY, BYMONTHDAY, BYMONTH, BYSETPOS or WKST",
            )
        parts[key] = value
    return parts


def _local_until(value: str, zone: ZoneInfo) -> datetime:
    """UNTIL as a naive local wall time: a DATE includes that whole day, a UTC time is
    converted to the meeting's zone (dateutil cannot mix a UTC UNTIL with a local start)."""
    try:
        if re.fullmatch(r"\d{8}", value):
            moment = datetime.strptime(value, "%Y%m%d").replace(hour=23, minute=59, second=59)
        elif re.fullmatch(r"\d{8}T\d{6}Z", value):
            exact = datetime.strptime(value, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
            moment = exact.astimezone(zone).replace(tzinfo=None)
        elif re.fullmatch(r"\d{8}T\d{6}", value):
            moment = datetime.strptime(value, "%Y%m%dT%H%M%S")
        else:
            raise ValueError(value)
    except ValueError:
        raise MeetingTimeError(
            "rrule", f"UNTIL={value} is not a date: write UNTIL=20271231 or UNTIL=20271231T235959Z"
        ) from None
    return moment


def _check_month_days(parts: dict[str, str]) -> None:
    """Catch a month day that no chosen month has (30 February) before dateutil searches
    to the year 9999 for it."""
    if "BYMONTHDAY" not in parts:
        return
    try:
        days = [int(d) for d in parts["BYMONTHDAY"].split(",")]
        months = [int(m) for m in parts.get("BYMONTH", "1").split(",")]
    except ValueError:
        return  # dateutil words the syntax error
    for day in days:
        if day == 0 or abs(day) > 31:
            raise MeetingTimeError(
                "rrule", f"BYMONTHDAY={day}: a month has no such day (use 1 to 31, or -1 for the last)"
            )
    if "BYMONTH" not in parts:
        return
    longest = max((_MONTH_LENGTH_MAX.get(m, 31) for m in months), default=31)
    if all(abs(d) > longest for d in days):
        raise MeetingTimeError(
            "rrule",
            f"BYMONTHDAY={parts['BYMONTHDAY']} never happens in "
            f"BYMONTH={parts['BYMONTH']}: those months have at most {longest} days",
        )


def _check_weekdays(parts: dict[str, str]) -> None:
    """BYDAY=1SA means the first Saturday of the month (or year): the number must exist."""
    if "BYDAY" not in parts:
        return
    most = {"MONTHLY": 5, "YEARLY": 53}.get(parts.get("FREQ", ""), 0)
    for item in parts["BYDAY"].split(","):
        match = re.fullmatch(r"([+-]?\d{1,2})?(MO|TU|WE|TH|FR|SA|SU)", item)
        if match is None:
            raise MeetingTimeError(
                "rrule",
                f"BYDAY={item} is not a day: write MO, TU, WE, TH, FR, "
                "SA or SU, with a number before it for 'the first' (1SA) or "
                "'the last' (-1SA)",
            )
        if match[1] is None:
            continue
        number = int(match[1])
        if not most:
            raise MeetingTimeError("rrule", f"BYDAY={item}: a numbered day needs FREQ=MONTHLY or FREQ=YEARLY")
        if number == 0 or abs(number) > most:
            period = "month" if most == 5 else "year"
            raise MeetingTimeError(
                "rrule", f"BYDAY={item}: a {period} has no such day (use 1 to {most}, or -1 for the last)"
            )


@lru_cache(maxsize=4096)
def _build_rule(text: str, dtstart: datetime) -> rrule:
    try:
        built = rrulestr(text, dtstart=dtstart)
    except (ValueError, TypeError) as exc:
        raise MeetingTimeError("rrule", f"'{text}' is not a valid RRULE: {exc}") from None
    if not isinstance(built, rrule):
        raise MeetingTimeError("rrule", f"'{text}' is not a single RRULE")
    return built


def _first_occurrence(built: rrule, dtstart: datetime, until: datetime | None) -> datetime | None:
    """The rule's first date, searching at most one 400-year calendar cycle.

    dateutil searches an empty rule up to the year 9999, which takes seconds for a daily
    rule. The calendar repeats every 400 years, so the same rule moved forward by whole
    cycles, close to 9999, gives the same answer within a bounded search.
    """
    cycles = max(0, (_LAST_PROBE_YEAR - dtstart.year) // _CALENDAR_CYCLE_YEARS)
    years = cycles * _CALENDAR_CYCLE_YEARS
    probe = built.replace(
        dtstart=dtstart.replace(year=dtstart.year + years),
        until=until.replace(year=until.year + years) if until else None,
    )
    try:
        first = next(iter(probe), None)
    except (IndexError, ValueError, OverflowError) as exc:  # dateutil on rules it cannot expand
        raise MeetingTimeError("rrule", f"cannot be expanded ({type(exc).__name__})") from None
    return first.replace(year=first.year - years) if first else None


def _transition(zone: ZoneInfo, low: datetime, high: datetime) -> datetime:
    """The UTC instant, to the second, at which `zone` changes offset between low and high."""
    target = high.astimezone(zone).utcoffset()
    while high - low > timedelta(seconds=1):
        middle = low + (high - low) / 2
        if middle.astimezone(zone).utcoffset() == target:
            high = middle
        else:
            low = middle
    return high.replace(microsecond=0)


def _offset_example(naive: datetime, offset: timedelta) -> str:
    total = int(offset.total_seconds()) // 60
    sign = "+" if total >= 0 else "-"
    hours, minutes = divmod(abs(total), 60)
    return f"{naive:%Y-%m-%dT%H:%M}{sign}{hours:02d}:{minutes:02d}"


def _offset(zone: tzinfo, instant: datetime) -> timedelta:
    return instant.astimezone(zone).utcoffset() or timedelta(0)


def _local_naive(instant: datetime, zone: ZoneInfo) -> datetime:
    return instant.astimezone(zone).replace(tzinfo=None)


def _utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("an aware datetime is needed")
    return value.astimezone(UTC)


def _wall(value: datetime) -> str:
    return f"{value:%A} {value:%Y-%m-%d %H:%M}"


def _number_word(value: int) -> str:
    words = [
        "zero",
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "eleven",
        "twelve",
    ]
    return words[value] if value < len(words) else str(value)
