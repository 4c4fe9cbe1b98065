"""Elections: positions, the nomination window and the instants scheduled jobs run at.

Plain Python: no Slack, no database. Every instant is an aware datetime; the closing
moment is kept in UTC so that it means the same thing to members in every time zone.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil import parser as date_parser

from bot.config import ELECTION_NAME_CHARS, length_problem

REGIONAL_COORDINATOR = "regional-coordinator"
REGIONS: dict[str, str] = {
    "americas": "The Americas",
    "asia-pacific": "Asia, Australasia and Pacific",
    "europe-africa-middle-east": "Europe, Africa and the Middle East",
}
POSITION_SEPARATOR = ":"
REMINDER_BEFORE_CLOSE = timedelta(hours=48)
DEFAULT_RETENTION_DAYS = 365


class ElectionError(ValueError):
    """An election that cannot exist as described; the message is safe to show an admin."""


class ElectionKind(enum.StrEnum):
    REGULAR = "regular"
    BY_ELECTION = "by-election"


@dataclass(frozen=True, order=True)
class Position:
    """A post to be filled: a role key, plus a region for a regional coordinator."""

    role_key: str
    region: str | None = None

    @property
    def key(self) -> str:
        """Stable text form, e.g. ``secretary`` or ``regional-coordinator:americas``."""
        if self.region is None:
            return self.role_key
        return f"{self.role_key}{POSITION_SEPARATOR}{self.region}"

    @classmethod
    def parse(cls, text: str) -> Position:
        role_key, _, region = text.strip().partition(POSITION_SEPARATOR)
        role_key = role_key.strip()
        region = region.strip()
        if not role_key:
            raise ElectionError(f"{text!r} is not a position: it has no role.")
        if region and region not in REGIONS:
            known = ", ".join(REGIONS)
            raise ElectionError(f"{region!r} is not a region; the regions are {known}.")
        if role_key == REGIONAL_COORDINATOR and not region:
            known = ", ".join(REGIONS)
            raise ElectionError(
                f"A regional coordinator post needs its region, e.g. "
                f"{REGIONAL_COORDINATOR}{POSITION_SEPARATOR}americas (regions: {known})."
            )
        return cls(role_key, region or None)


# Words members use for a region, as typed after /liec nominate ("rc asia").
_REGION_WORDS: dict[str, str] = {
    "americas": "americas",
    "america": "americas",
    "asia": "asia-pacific",
    "pacific": "asia-pacific",
    "australasia": "asia-pacific",
    "apac": "asia-pacific",
    "asia-pacific": "asia-pacific",
    "europe": "europe-africa-middle-east",
    "africa": "europe-africa-middle-east",
    "eame": "europe-africa-middle-east",
    "emea": "europe-africa-middle-east",
    "europe-africa-middle-east": "europe-africa-middle-east",
}
_REGION_FILLER = {"the", "and", "for", "of", "in", "middle", "east", "australia"}


def split_region(text: str) -> tuple[str, str | None]:
    """("regional coordinator", "asia-pacific") from "regional coordinator asia"; the text
    unchanged and None when it names no region (or two)."""
    words = text.lower().replace(",", " ").split()
    found = {_REGION_WORDS[w] for w in words if w in _REGION_WORDS}
    if len(found) != 1:
        return text.strip(), None
    rest = [w for w in words if w not in _REGION_WORDS and w not in _REGION_FILLER]
    return " ".join(rest), found.pop()


def position_label(position: Position, role_titles: dict[str, str] | None = None) -> str:
    """Human title of a position, e.g. ``Regional Coordinator (The Americas)``."""
    titles = role_titles or {}
    title = titles.get(position.role_key) or position.role_key.replace("-", " ").title()
    if position.region is None:
        return title
    return f"{title} ({REGIONS.get(position.region, position.region)})"


def _require_aware(moment: datetime, what: str) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ElectionError(f"The {what} needs a time zone.")


@dataclass(frozen=True)
class Election:
    """An election's rules of time and scope (the stored record lives in models/)."""

    name: str
    kind: ElectionKind
    opens_at: datetime
    closes_at: datetime
    positions: tuple[Position, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        if not self.name.strip():
            raise ElectionError("An election needs a name.")
        _require_aware(self.opens_at, "opening time")
        _require_aware(self.closes_at, "closing time")
        if self.closes_at <= self.opens_at:
            raise ElectionError("An election must close after it opens.")
        if not self.positions:
            raise ElectionError("An election needs at least one position.")
        if len(set(self.positions)) != len(self.positions):
            raise ElectionError("An election lists the same position twice.")


def is_open(election: Election, now: datetime) -> bool:
    """Nominations are taken from the opening instant up to, not including, the closing one."""
    _require_aware(now, "current time")
    return election.opens_at <= now < election.closes_at


def has_closed(election: Election, now: datetime) -> bool:
    _require_aware(now, "current time")
    return now >= election.closes_at


def closing_utc(election: Election) -> datetime:
    return election.closes_at.astimezone(UTC)


def opening_utc(election: Election) -> datetime:
    return election.opens_at.astimezone(UTC)


def reminder_at(election: Election) -> datetime | None:
    """When to remind members, 48 hours before closing; None when the window is shorter."""
    moment = closing_utc(election) - REMINDER_BEFORE_CLOSE
    if moment <= opening_utc(election):
        return None
    return moment


def purge_at(closes_at: datetime, retention_days: int = DEFAULT_RETENTION_DAYS) -> datetime:
    """When an election's nomination data is deleted: ``retention_days`` after it closes."""
    _require_aware(closes_at, "closing time")
    if retention_days < 0:
        raise ElectionError("retention_days cannot be negative.")
    return closes_at.astimezone(UTC) + timedelta(days=retention_days)


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ElectionError(f"{name!r} is not a time zone (try e.g. Europe/London).") from exc


def local_to_aware(local: datetime, tz: ZoneInfo) -> datetime:
    """Attach ``tz`` to a wall-clock time, refusing times that a DST change makes unclear.

    An hour that happens twice (clocks go back) or not at all (clocks go forward) would
    give members two readings of the deadline, so the admin is asked for another time.
    """
    naive = local.replace(tzinfo=None)
    first = naive.replace(tzinfo=tz, fold=0)
    second = naive.replace(tzinfo=tz, fold=1)
    if first.utcoffset() != second.utcoffset():
        stamp = naive.strftime("%Y-%m-%d %H:%M")
        # fold=0 and fold=1 disagree both for repeated and for skipped wall times.
        round_trip = first.astimezone(UTC).astimezone(tz).replace(tzinfo=None)
        if round_trip != naive:
            raise ElectionError(f"{stamp} does not exist in {tz.key} (the clocks go forward).")
        raise ElectionError(f"{stamp} happens twice in {tz.key} (the clocks go back).")
    return first


def parse_moment(text: str, default_tz: str = "UTC") -> datetime:
    """Read ``2025-03-31 23:59`` (in ``default_tz``) or an ISO time with its own offset."""
    try:
        parsed = date_parser.isoparse(text.strip())
    except ValueError:
        try:
            parsed = date_parser.parse(text.strip(), dayfirst=False, yearfirst=True)
        except (ValueError, OverflowError) as exc:
            raise ElectionError(f"{text!r} is not a date and time (use 2025-03-31 23:59).") from exc
    if parsed.tzinfo is not None:
        return parsed
    return local_to_aware(parsed, zone(default_tz))


# The "open an election" form ------------------------------------------------------------

# The form's fields, as its errors name them (the view maps each to its block).
FIELD_NAME, FIELD_KIND, FIELD_OPENS, FIELD_CLOSES, FIELD_POSITIONS = (
    "name",
    "kind",
    "opens",
    "closes",
    "positions",
)


@dataclass(frozen=True)
class ElectionDraft:
    """The form as an admin filled it in, before any rule is applied."""

    name: str
    kind: str
    opens_at: datetime | None
    closes_at: datetime | None
    position_keys: tuple[str, ...]


def check_draft(draft: ElectionDraft, now: datetime) -> Election | dict[str, str]:
    """The election the form describes, or every error as {field: message}."""
    name = " ".join(draft.name.split())
    errors: dict[str, str] = {}
    if not name:
        errors[FIELD_NAME] = "Please give the election a name."
    elif problem := length_problem(name, ELECTION_NAME_CHARS, "The name"):
        errors[FIELD_NAME] = f"{problem}."
    if draft.opens_at is None:
        errors[FIELD_OPENS] = "Please choose when nominations open."
    if draft.closes_at is None:
        errors[FIELD_CLOSES] = "Please choose when nominations close."
    elif draft.closes_at <= now:
        errors[FIELD_CLOSES] = "The closing time has already passed."
    elif draft.opens_at is not None and draft.closes_at <= draft.opens_at:
        errors[FIELD_CLOSES] = "Nominations must close after they open."
    if not draft.position_keys:
        errors[FIELD_POSITIONS] = "Choose at least one position."
    if errors or draft.opens_at is None or draft.closes_at is None:
        return errors
    try:
        return Election(
            name=name,
            kind=ElectionKind(draft.kind or "regular"),
            opens_at=draft.opens_at,
            closes_at=draft.closes_at,
            positions=tuple(Position.parse(k) for k in draft.position_keys),
        )
    except (ElectionError, ValueError) as exc:
        return {FIELD_NAME: str(exc)}
