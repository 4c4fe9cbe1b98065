"""Stored elections: creating them (from the organisation file or an admin), finding the
positions open now, closing early, and the scheduled jobs each election needs."""

from __future__ import annotations

import functools
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from bot.config import ElectionConfig
from bot.jobs import JobKind
from bot.services.elections import (
    DEFAULT_RETENTION_DAYS,
    REGIONAL_COORDINATOR,
    REGIONS,
    Election,
    ElectionError,
    ElectionKind,
    Position,
    local_to_aware,
    purge_at,
    reminder_at,
    zone,
)
from bot.services.rows import add_unless_raced
from models.elections import ElectionRecord

# The election's scheduled work, declared once (bot/jobs.py JobKind).
ANNOUNCE = JobKind("elections.announce", ("election_id",))
REMIND = JobKind("elections.remind", ("election_id",))
CLOSE = JobKind("elections.close", ("election_id",))
PURGE = JobKind("elections.purge", ("election_id",))
SUMMARY = JobKind("elections.summary", ("election_id", "admin"))  # one per admin at closing


def to_election(record: ElectionRecord) -> Election:
    return _election(record.name, record.kind, record.opens_at, record.closes_at, tuple(record.positions))


@functools.lru_cache(maxsize=64)
def _election(
    name: str, kind: str, opens_at: datetime, closes_at: datetime, positions: tuple[str, ...]
) -> Election:
    # Built once per set of values: a list of 2,000 nominations asks for their election 2,000 times.
    return Election(
        name=name,
        kind=ElectionKind(kind),
        opens_at=opens_at,
        closes_at=closes_at,
        positions=tuple(Position.parse(key) for key in positions),
    )


def positions_for_roles(role_keys: Iterable[str]) -> tuple[Position, ...]:
    """The organisation file lists roles; a regional coordinator role means its three posts."""
    positions: list[Position] = []
    for key in role_keys:
        if key == REGIONAL_COORDINATOR:
            positions += [Position(key, region) for region in REGIONS]
        else:
            positions.append(Position(key))
    return tuple(positions)


def election_from_config(config: ElectionConfig, known_roles: Collection[str]) -> Election:
    """`known_roles` in the order to list them; an election that names no roles is for all of them."""
    unknown = [key for key in config.roles if key not in known_roles]
    if unknown:
        raise ElectionError(f"election {config.name!r}: unknown role {unknown[0]!r}")
    tz = zone(config.timezone)

    def aware(moment: datetime) -> datetime:
        return moment if moment.tzinfo is not None else local_to_aware(moment, tz)

    return Election(
        name=config.name,
        kind=ElectionKind(config.kind),
        opens_at=aware(config.opens),
        closes_at=aware(config.closes),
        positions=positions_for_roles(config.roles or known_roles),
    )


def get(session: Session, election_id: int) -> ElectionRecord | None:
    return session.get(ElectionRecord, election_id)


def get_by_name(session: Session, name: str) -> ElectionRecord | None:
    wanted = " ".join(name.split()).casefold()
    for record in session.scalars(select(ElectionRecord)):
        if " ".join(record.name.split()).casefold() == wanted:
            return record
    return None


def all_elections(session: Session) -> list[ElectionRecord]:
    return list(session.scalars(select(ElectionRecord).order_by(ElectionRecord.opens_at)))


_OPEN_ELECTIONS = (
    select(ElectionRecord)
    .where(ElectionRecord.opens_at <= bindparam("now"), ElectionRecord.closes_at > bindparam("now"))
    .order_by(ElectionRecord.closes_at)
)
"""`open_elections`' statement, built once: every Home tab runs it (docs/ARCHITECTURE.md,
"Statements built once")."""


def open_elections(session: Session, now: datetime) -> list[ElectionRecord]:
    """The elections open at ``now`` (UTC): opened at or before it, closing after it, the
    soonest to close first."""
    return list(session.scalars(_OPEN_ELECTIONS, {"now": now}))


def next_election(session: Session, now: datetime) -> ElectionRecord | None:
    return session.scalars(
        select(ElectionRecord).where(ElectionRecord.opens_at > now).order_by(ElectionRecord.opens_at).limit(1)
    ).first()


@dataclass(frozen=True)
class OpenPosition:
    election_id: int
    election_name: str
    closes_at: datetime
    position: Position

    @property
    def value(self) -> str:
        """The modal option value: which election, which position."""
        return f"{self.election_id}|{self.position.key}"


def parse_position_value(value: str) -> tuple[int, Position] | None:
    election_id, _, key = value.partition("|")
    try:
        return int(election_id), Position.parse(key)
    except (ValueError, ElectionError):
        return None


def open_positions(
    session: Session,
    now: datetime,
    role_key: str | None = None,
    election_id: int | None = None,
) -> list[OpenPosition]:
    found: list[OpenPosition] = []
    for record in open_elections(session, now):
        if election_id is not None and record.id != election_id:
            continue
        for key in record.positions:
            position = Position.parse(key)
            if role_key is None or position.role_key == role_key:
                found.append(OpenPosition(record.id, record.name, record.closes_at, position))
    return found


def create(
    session: Session,
    election: Election,
    *,
    source: str,
    now: datetime,
    created_by: str | None = None,
    timezone: str = "UTC",
) -> ElectionRecord:
    if get_by_name(session, election.name) is not None:
        raise ElectionError(f"There is already an election called {election.name}.")
    record = ElectionRecord(
        name=" ".join(election.name.split()),
        kind=election.kind.value,
        opens_at=election.opens_at.astimezone(UTC),
        closes_at=election.closes_at.astimezone(UTC),
        timezone=timezone,
        positions=[p.key for p in election.positions],
        source=source,
        created_by=created_by,
        created_at=now,
    )
    # Two admins opening one election at once: the second is told the name is taken.
    if add_unless_raced(session, record, lambda: get_by_name(session, election.name)) is not record:
        raise ElectionError(f"There is already an election called {election.name}.")
    return record


def open_from_slack(
    session: Session, election: Election, created_by: str, now: datetime, retention_days: int
) -> int:
    """An admin opens an election with the form: stored and its jobs scheduled; its id.
    Raises ElectionError (a name taken, ...)."""
    record = create(session, election, source="slack", now=now, created_by=created_by)
    schedule_jobs(session, record, retention_days)
    return record.id


def close_early(
    session: Session, name: str, by: str, now: datetime, retention_days: int
) -> tuple[int, str, bool] | None:
    """An admin closes an open election now: (id, name, closed by this call), or None when
    there is no open election of that name. Raises ElectionError."""
    record = get_by_name(session, name) if name else None
    if record is None or state(record, now) != "open":
        return None
    return record.id, record.name, close_now(session, record, by, now, retention_days)


def schedule_jobs(
    session: Session, record: ElectionRecord, retention_days: int = DEFAULT_RETENTION_DAYS
) -> None:
    """The announcement, the reminder, the close and the purge, as durable jobs."""
    election = to_election(record)
    payload = {"election_id": record.id}
    if record.announced_at is None:
        ANNOUNCE.schedule(session, record.id, due_at=record.opens_at, payload=payload)
    remind = reminder_at(election)
    if remind is not None and record.reminded_at is None:
        REMIND.schedule(session, record.id, due_at=remind, payload=payload)
    elif remind is None:
        REMIND.cancel(session, record.id)
    CLOSE.schedule(session, record.id, due_at=record.closes_at, payload=payload)
    PURGE.schedule(session, record.id, due_at=purge_at(record.closes_at, retention_days), payload=payload)


def sync_from_config(
    session: Session,
    configs: Sequence[ElectionConfig],
    known_roles: Collection[str],
    now: datetime,
    retention_days: int = DEFAULT_RETENTION_DAYS,
) -> list[str]:
    """Store the organisation file's elections and their jobs; returns problems, one a line.

    An election already stored keeps what happened to it; its times and positions follow
    the file until it closes (an admin may move a deadline by editing the file).
    """
    problems: list[str] = []
    for config in configs:
        try:
            election = election_from_config(config, known_roles)
        except ElectionError as exc:
            problems.append(str(exc))
            continue
        record = get_by_name(session, election.name)
        if record is None:
            record = create(session, election, source="config", now=now, timezone=config.timezone)
        elif record.source == "config" and record.closed_early_by is None and (record.closes_at > now):
            if record.announced_at is None:
                record.opens_at = election.opens_at.astimezone(UTC)
            record.closes_at = election.closes_at.astimezone(UTC)
            record.kind = election.kind.value
            record.positions = [p.key for p in election.positions]
        schedule_jobs(session, record, retention_days)
    return problems


def close_now(
    session: Session,
    record: ElectionRecord,
    by: str,
    now: datetime,
    retention_days: int = DEFAULT_RETENTION_DAYS,
) -> bool:
    """Close an election before its time; False if it had already closed."""
    if record.closes_at <= now:
        return False
    if record.opens_at >= now:
        raise ElectionError(f"{record.name} has not opened yet, so there is nothing to close.")
    record.closes_at = now
    record.closed_early_by = by
    ANNOUNCE.cancel(session, record.id)
    REMIND.cancel(session, record.id)
    CLOSE.schedule(session, record.id, due_at=now, payload={"election_id": record.id})
    PURGE.schedule(
        session, record.id, due_at=purge_at(now, retention_days), payload={"election_id": record.id}
    )
    return True


def state(record: ElectionRecord, now: datetime) -> str:
    if now < record.opens_at:
        return "upcoming"
    if now < record.closes_at:
        return "open"
    return "closed"
