"""A database the size of ten Labour Internationals, for `bench.at_scale` and the statement-count test.

    seed(url, now, scale=1.0)   # 30,000 members, 250 branches, 3 elections with 2,000
                                # nominations, 10,000 questions, 500 meetings, 100,000 audit rows

`scale` multiplies every count (the test seeds two small sizes and compares statement
counts). Rows go in with bulk INSERTs on the bot's own schema (migrations applied first);
meetings' future jobs are planned by the bot's own planner, as a start would plan them.
The people the benchmark acts as are fixed ids (`MEMBER`, `COORDINATOR`, `ADMIN`) with rows
of their own among the crowd.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import Engine, Integer, Table, insert, text

from bot import db
from bot.config import OrgConfig, parse_org_config
from bot.services import meeting_planning
from models.audit import AuditEntry
from models.base import Base
from models.elections import ElectionRecord, NominationRecord, NominatorRecord
from models.home import MemberTimezone
from models.meetings import Meeting, MeetingPost
from models.questions import MemberRegion, Question, QuestionDelivery

EXAMPLE = Path(__file__).resolve().parent.parent / "bot" / "data" / "liec.example.yml"
REGIONS = ("americas", "asia-pacific", "europe-africa-middle-east")
COORDINATORS = {
    "americas": "U0RCAMERICAS",
    "asia-pacific": "U0RCASIAPAC",
    "europe-africa-middle-east": "U0RCEAME",
}
ZONES = (
    "Europe/Paris",
    "America/New_York",
    "Asia/Tokyo",
    "Australia/Sydney",
    "Europe/London",
    "Africa/Lagos",
)
MEMBER = "U0MEMBER"
COORDINATOR = "U0RCEAME"
ADMIN = "U0SECRETARY"
OPEN_ELECTION = "Bench by-election"
POSITIONS = ("secretary", "bame-officer", *(f"regional-coordinator:{r}" for r in REGIONS))
QUESTION_STATES = ("unrouted", "waiting", "open", "claimed", "answered")
BATCH = 5000


@dataclass(frozen=True)
class Sizes:
    members: int
    branches: int
    nominations: int
    questions: int
    meetings: int
    posts_per_meeting: int
    audit: int

    @classmethod
    def at(cls, scale: float) -> Sizes:
        def n(full: int, least: int = 3) -> int:
            return max(least, round(full * scale))

        return cls(
            members=n(30_000, 10),
            branches=n(250),
            nominations=n(2_000, 6),
            questions=n(10_000, 10),
            meetings=n(500),
            posts_per_meeting=20,
            audit=n(100_000, 10),
        )


def member_id(index: int) -> str:
    return f"U1{index:08d}"


def forget_me_member(index: int) -> str:
    """Members kept apart for /liec forget-me: each run erases one."""
    return f"U2{index:08d}"


def org_file(sizes: Sizes) -> dict[str, Any]:
    """The example organisation file with `sizes.branches` branches and no elections of its own."""
    data: dict[str, Any] = yaml.safe_load(EXAMPLE.read_text())
    data["branches"] = {
        f"branch-{i:03d}": {"name": f"Branch {i:03d}", "region": REGIONS[i % 3]}
        for i in range(sizes.branches)
    }
    # Admins enough for ten clients to have three each (their DMs tell their requests apart).
    data["admins"] = [*data["admins"], *(f"U0ADMIN{i:02d}" for i in range(28))]
    data["elections"] = []  # the benchmark's elections are in the database, as if made in Slack
    return data


def write_org_file(path: Path, sizes: Sizes) -> Path:
    path.write_text(yaml.safe_dump(org_file(sizes), sort_keys=False))
    return path


def _batches(rows: Iterable[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    iterator = iter(rows)
    while batch := list(itertools.islice(iterator, BATCH)):
        yield batch


def _insert(engine: Engine, table: Table, rows: Iterable[dict[str, Any]]) -> None:
    with engine.begin() as connection:
        for batch in _batches(rows):
            connection.execute(insert(table), batch)


def seed(url: str, now: datetime, scale: float = 1.0, forget_me_members: int = 0) -> Sizes:
    """Apply the migrations to `url` and fill it; returns the sizes seeded."""
    sizes = Sizes.at(scale)
    db.upgrade(url)
    engine = db.make_engine(url)
    try:
        _members(engine, sizes, now, forget_me_members)
        _elections(engine, sizes, now)
        _questions(engine, sizes, now, forget_me_members)
        _meetings(engine, sizes, now, parse_org_config(org_file(sizes)))
        _insert(
            engine,
            AuditEntry.__table__,  # type: ignore[arg-type]
            (
                {
                    "at": now - timedelta(minutes=i),
                    "actor_id": ADMIN,
                    "what": f"nominations list: election {i % 3}",
                }
                for i in range(sizes.audit)
            ),
        )
        _advance_sequences(engine)
        _as_autovacuum_leaves_it(engine)
    finally:
        engine.dispose()
    return sizes


def _as_autovacuum_leaves_it(engine: Engine) -> None:
    """PostgreSQL: a database that grew over years has statistics and visibility maps, which
    autovacuum keeps; one filled in seconds by bulk INSERTs has neither until autovacuum's
    next round (up to a minute later), and is planned blind meanwhile (a count over 8,000
    questions read from the heap and sorted: 5 ms instead of 1.3 from the index alone). So
    the seeded database is left as autovacuum would leave it, as PostgreSQL's documentation
    advises after a bulk load (https://www.postgresql.org/docs/current/populate.html#POPULATE-ANALYZE).
    SQLite gathers no statistics unless told to, and a deployed bot never tells it: left as is."""
    if engine.dialect.name != "postgresql":
        return
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("VACUUM ANALYZE")


def _advance_sequences(engine: Engine) -> None:
    """PostgreSQL: rows seeded with their ids leave each table's id sequence at 1, so the
    bot's first insert would collide with a seeded row; move every sequence past its rows."""
    if engine.dialect.name != "postgresql":
        return
    with engine.begin() as connection:
        for table in Base.metadata.sorted_tables:
            column = table.c.get("id")
            if column is None or not column.primary_key or not isinstance(column.type, Integer):
                continue
            connection.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                    f"COALESCE((SELECT max(id) FROM {table.name}), 0) + 1, false)"
                )
            )


def _members(engine: Engine, sizes: Sizes, now: datetime, extra: int) -> None:
    people = [member_id(i) for i in range(sizes.members)]
    people += [forget_me_member(i) for i in range(extra)]
    # The people the benchmark acts as, and every coordinator, last and always the same.
    people += [*sorted(set(COORDINATORS.values()) - {COORDINATOR}), MEMBER, COORDINATOR, ADMIN]
    # The admins are members too, their time zones read like everyone's (else each one's first
    # Home tab would wait on a refresh from Slack: a first open, not the steady state measured).
    people += sorted(set(org_file(sizes)["admins"]) - set(people))
    _insert(
        engine,
        MemberTimezone.__table__,  # type: ignore[arg-type]
        ({"user_id": p, "tz": ZONES[i % len(ZONES)], "checked_at": now} for i, p in enumerate(people)),
    )
    _insert(
        engine,
        MemberRegion.__table__,  # type: ignore[arg-type]
        (
            {
                "user_id": p,
                "region": REGIONS[i % 3] if p not in (MEMBER, COORDINATOR, ADMIN) else REGIONS[2],
                "branch": f"branch-{i % sizes.branches:03d}" if i % 2 else None,
                "updated_at": now,
            }
            for i, p in enumerate(people)
        ),
    )


def _elections(engine: Engine, sizes: Sizes, now: datetime) -> None:
    windows = [
        (
            "Bench elections (past)",
            now - timedelta(days=60),
            now - timedelta(days=30),
            now - timedelta(days=20),
        ),
        ("Bench by-election (past)", now - timedelta(days=20), now - timedelta(days=10), None),
        (OPEN_ELECTION, now - timedelta(days=5), now + timedelta(days=20), None),
    ]
    rows = [
        {
            "id": i + 1,
            "name": name,
            "kind": "regular" if i == 0 else "by-election",
            "opens_at": opens,
            "closes_at": closes,
            "timezone": "Europe/London",
            "positions": list(POSITIONS),
            "source": "slack",
            "created_by": ADMIN,
            "created_at": opens - timedelta(days=7),
            "announced_at": opens,
            "reminded_at": None,
            "summary_sent_at": closes if closes < now else None,
            "published_at": published,
            "published_by": ADMIN if published else None,
        }
        for i, (name, opens, closes, published) in enumerate(windows)
    ]
    _insert(engine, ElectionRecord.__table__, rows)  # type: ignore[arg-type]

    def nomination(i: int) -> dict[str, Any]:
        election = 1 + i % 3
        candidate = MEMBER if i < 3 else member_id(i % sizes.members)
        at = now - timedelta(days=4, minutes=i)
        return {
            "id": i + 1,
            "election_id": election,
            "position_key": POSITIONS[(i // 3) % len(POSITIONS)],
            "submission_key": f"Vseed{i:08d}",
            "submitted_by": candidate,
            "candidate_slack_id": candidate,
            "candidate_name": f"Candidate {i}",
            "candidate_email": f"candidate{i}@example.org",
            "candidate_membership": f"L{100000 + i}",
            "statement": "I will serve the members. " * 20,
            "route": "members",
            "branch": None,
            "created_at": at,
            "updated_at": at,
            "forget_at_close": False,
        }

    _insert(engine, NominationRecord.__table__, (nomination(i) for i in range(sizes.nominations)))  # type: ignore[arg-type]
    statuses = ("confirmed", "awaiting", "declined", "to_check")
    _insert(
        engine,
        NominatorRecord.__table__,  # type: ignore[arg-type]
        (
            {
                "nomination_id": i + 1,
                "slot": slot,
                "slack_id": member_id((i * 2 + slot) % sizes.members),
                "name": f"Nominator {i}-{slot}",
                "email": f"nominator{i}-{slot}@example.org",
                "membership_number": f"L{200000 + i * 2 + slot}",
                "status": statuses[(i + slot) % 4],
                "notified_at": now - timedelta(days=3),
                "forget_at_close": False,
            }
            for i in range(sizes.nominations)
            for slot in (1, 2)
        ),
    )


def _questions(engine: Engine, sizes: Sizes, now: datetime, extra: int) -> None:
    askers = [MEMBER] * 5 + [forget_me_member(i) for i in range(extra)]

    def question(i: int) -> dict[str, Any]:
        status = QUESTION_STATES[i % len(QUESTION_STATES)]
        region = None if status == "unrouted" else REGIONS[i % 3]
        asked = now - timedelta(hours=i % 2000)
        taken = COORDINATORS[region] if region and status in {"claimed", "answered"} else None
        return {
            "id": i + 1,
            "asker_id": askers[i] if i < len(askers) else member_id(i % sizes.members),
            "region": region,
            "region_reason": "their branch",
            "text": f"Question {i}: when is the next branch meeting?",
            "asker_tz": ZONES[i % len(ZONES)],
            "status": status,
            "asked_at": asked,
            "routed_at": asked if region else None,
            "reroutes": 0,
            "claimed_by": taken,
            "claimed_at": asked + timedelta(hours=1) if taken else None,
            "answered_by": taken if status == "answered" else None,
            "answered_at": asked + timedelta(hours=2) if status == "answered" else None,
            "escalated_at": None,
        }

    rows = [question(i) for i in range(sizes.questions)]
    _insert(engine, Question.__table__, rows)  # type: ignore[arg-type]
    _insert(
        engine,
        QuestionDelivery.__table__,  # type: ignore[arg-type]
        (
            {
                "question_id": row["id"],
                "stage": f"{row['region']}#0",
                "recipient": COORDINATORS[row["region"]],
                "status": "sent",
                "channel": "D" + COORDINATORS[row["region"]][1:],
                "ts": f"1790000000.{row['id']:06d}",
                "error": None,
                "reserved_at": row["asked_at"],
            }
            for row in rows
            if row["status"] in {"open", "claimed", "answered"}
        ),
    )


def _meetings(engine: Engine, sizes: Sizes, now: datetime, org: OrgConfig) -> None:
    start = now - timedelta(days=7 * sizes.posts_per_meeting)
    _insert(
        engine,
        Meeting.__table__,  # type: ignore[arg-type]
        (
            {
                "key": f"bench-{i:04d}",
                "source": "slack",
                "name": f"Branch meeting {i}",
                "channel": f"C1{i:08d}",
                "start": (start + timedelta(hours=i % 48)).strftime("%Y-%m-%d %H:00"),
                "timezone": ZONES[i % len(ZONES)],
                "rrule": "FREQ=WEEKLY",
                "reminders": ["1d", "1h"],
                "kind": "other",
                "active": True,
                "created_by": ADMIN,
                "created_at": start,
                "updated_at": start,
            }
            for i in range(sizes.meetings)
        ),
    )
    _insert(
        engine,
        MeetingPost.__table__,  # type: ignore[arg-type]
        (
            {
                "key": f"mtg:bench-{i:04d}:past:{week}",
                "kind": "reminder",
                "channel": f"C1{i:08d}",
                "ts": f"1780000000.{i * 100 + week:06d}",
                # The last week's posts of one meeting in ten failed: the admins' Home tab lists them.
                "outcome": "failed" if i % 10 == 0 and week == sizes.posts_per_meeting - 1 else "sent",
                "due_at": start + timedelta(days=7 * week),
                "recorded_at": now - timedelta(days=7 * (sizes.posts_per_meeting - 1 - week), hours=1),
                "detail": {},
            }
            for i in range(sizes.meetings)
            for week in range(sizes.posts_per_meeting)
        ),
    )
    # Their future reminders, as the bot plans them.
    session_factory = db.make_session_factory(engine)
    with session_factory.begin() as session:
        meeting_planning.plan_all(session, org, now)


def people_of(sizes: Sizes) -> Sequence[str]:
    return [member_id(i) for i in range(sizes.members)]
