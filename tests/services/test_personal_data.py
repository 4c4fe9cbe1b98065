"""Personal data is declared once, on the model (models/base.py `personal`, `PERSONAL`), and
the member's export, erasure, the CSV and the retention purge are checked against those marks
for every table of `Base.metadata`: a new personal column that one of them misses fails here.

The walk plants, for two members, a row in every table with a personal column, each personal
column holding a value found nowhere else (the member's Slack id, or a marker beginning with
it), and rows where one member acted on the other's (a nomination made for someone else, a
question taken for another region). Then it runs the real use cases: my-data for the first
member must carry every marked column; forget-me must leave the first member's values only in
columns declared `Erasure.KEEP` (and leave them there), and the second member's values
untouched; the retention purge must remove every column declared `purged`. SQLite and
PostgreSQL."""

from __future__ import annotations

import dataclasses
import json
import zlib
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import JSON, Column, String, Table, Text, insert, select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.config import OrgConfig, parse_org_config
from bot.services import apologies, calendar, member_data, nomination_csv, nominations, organisation
from bot.services.nomination_rules import CANDIDATE_TEXTS, NominationForm
from models.base import Base, Erasure, personal_columns
from models.elections import ElectionRecord, NominationRecord, NominatorRecord
from tests.e2e.harness import example_org

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
ME = "U0PDMEMBER"
OTHER = "U0PDOTHER1"
NOBODY = "U0PDNOBODY"
AFTER_RETENTION = NOW + timedelta(days=800)

# String, text and JSON columns that hold no personal data (models/base.py says what counts),
# each a decision: a new such column must be marked personal or added here.
NOT_PERSONAL: dict[str, set[str]] = {
    "audit_log": {"what"},  # names what was read (a list, an election), never the data itself
    "elections": {"name", "kind", "timezone", "positions", "source"},
    "nominations": {"position_key", "submission_key", "route", "branch"},
    # Where the nominator's request DM is: erased with them, but it is Slack's id of a message.
    "nominators": {"status", "dm_channel", "dm_ts"},
    "slack_deliveries": {"key"},  # Slack's event ids
    "data_versions": {"name"},  # which tables a counter stands for ("meetings")
    "scheduled_jobs": {"kind", "status", "claimed_by", "last_error"},
    "calendar_additions": {"target", "uid"},
    "meetings": {
        "key",
        "source",
        "name",
        "channel",
        "start",
        "timezone",
        "rrule",
        "reminders",
        "kind",
        "agenda",
        "agenda_url",
        "video_url",
    },
    "meeting_posts": {"key", "kind", "channel", "ts", "outcome", "detail"},
    "organisation_changes": {"source"},
    "questions": {"region", "status"},
    "question_deliveries": {"stage", "status", "channel", "ts", "error"},
}

# A Slack-id column by which a row is found, and exported through another column of the same
# row: replacing the id in this column alone leaves the export as it was, on purpose.
FOUND_THROUGH: dict[tuple[str, str], str] = {
    # A job is found by its key or its payload; the export shows its kind and when it is due.
    ("scheduled_jobs", "payload"): "the job is exported by its key",
    # The candidate's own nomination: that they submitted it themselves adds nothing.
    ("nominations", "submitted_by"): "exported as nominations you submitted for others",
}

# A personal column holding one word of a fixed list, so it cannot hold a marker: its row is
# found by the member's id beside it, and goes with it.
ONE_WORD = {("meeting_answers", "answer")}


def marker(user: str, table: str, column: str) -> str:
    """A value for one member's column found nowhere else, beginning with their Slack id, short
    enough for a Slack-id column (20 characters)."""
    return f"{user}{zlib.crc32(f'{table}.{column}'.encode()):08x}"[:20]


def _table(name: str) -> Table:
    return Base.metadata.tables[name]


def _personal(table: Table) -> list[Column[Any]]:
    return [c for c in table.columns if c.info.get("personal")]


# What one member leaves in every table ---------------------------------------------------------


def _rows(user: str, n: int) -> dict[str, list[dict[str, Any]]]:
    """Valid rows for member number `n` (1 or 2), every personal column holding their id or
    their marker; a marker column's value is filled in by `_mark`."""
    past = NOW - timedelta(days=40)
    occurrence = NOW - timedelta(days=10)
    return {
        "elections": [
            {
                "id": n,
                "name": f"Election {n}",
                "kind": "by-election",
                "opens_at": NOW - timedelta(days=60),
                "closes_at": NOW - timedelta(days=30),
                "timezone": "UTC",
                "positions": ["secretary"],
                "source": "slack",
                "created_by": user,
                "created_at": NOW - timedelta(days=90),
                "closed_early_by": user,
                "published_at": NOW - timedelta(days=20),
                "published_by": user,
            }
        ],
        "nominations": [
            {
                "id": n,
                "election_id": n,
                "position_key": "secretary",
                "submission_key": f"k{n}",
                "submitted_by": user,
                "candidate_slack_id": user,
                "route": "members",
                "partner_slack_id": user,
                "created_at": past,
                "updated_at": past,
                "checked_at": past,
                "checked_by": user,
                "forget_at_close": False,
            }
        ],
        "nominators": [
            {"nomination_id": n, "slot": 1, "slack_id": user, "status": "confirmed", "forget_at_close": False}
        ],
        "meetings": [
            {
                "id": n,
                "key": f"meeting-{n}",
                "source": "slack",
                "name": "Social",
                "channel": "C0SOCIAL",
                "start": "2026-11-13 18:00",
                "timezone": "UTC",
                "reminders": [],
                "created_by": user,
                "created_at": past,
                "updated_at": past,
            }
        ],
        "meeting_changes": [
            {
                "meeting_id": n,
                "original_start": occurrence,
                "new_start": occurrence + timedelta(hours=1),
                "changed_by": user,
                "changed_at": past,
            }
        ],
        "calendar_additions": [
            {
                "user_id": user,
                "meeting_id": n,
                "target": "20261113T180000Z",
                "original_start": occurrence,
                "uid": f"meeting-{n}@liec-bot",
                "sequence": 0,
                "cancelled": False,
                "added_at": past,
                "updated_at": past,
            }
        ],
        "meeting_answers": [
            {
                "meeting_id": n,
                "original_start": occurrence,
                "user_id": user,
                "answer": "apologies",  # one of two words: found in the export as it is
                "answered_at": past,
            }
        ],
        "member_timezones": [{"user_id": user, "checked_at": past}],
        "member_regions": [{"user_id": user, "updated_at": past}],
        "questions": [
            {
                "id": n,
                "asker_id": user,
                "region": "americas",
                "region_reason": f"moved here by <@{user}>",
                "status": "answered",
                "asked_at": past,
                "reroutes": 1,
                "claimed_by": user,
                "answered_by": user,
            }
        ],
        "question_deliveries": [
            {
                "question_id": n,
                "stage": "americas#0",
                "recipient": user,
                "status": "sent",
                "reserved_at": past,
            }
        ],
        "admin_alerts": [{"key": f"refused:dm:{user}", "first_at": past, "told_at": past, "repeats": 0}],
        "audit_log": [{"at": past, "actor_id": user, "what": "nominations list"}],
        "scheduled_jobs": [
            {
                "kind": "home.timezone",
                "key": f"home.timezone:{user}:2026-11-24",
                "due_at": NOW + timedelta(days=1),
                "payload": {"user_id": user},
                "status": "pending",
            }
        ],
        "organisation_changes": [
            {
                "revision": n,
                "at": past,
                "actor_id": user,
                "source": "slack",
                "changes": [{"path": "admins", "before": [], "after": [user]}],
                "summary": f"admins: + <@{user}>",
            }
        ],
    }


def _across(me: str, other: str) -> dict[str, list[dict[str, Any]]]:
    """Rows where `me` acted on what belongs to `other`: the fact stays when `me` is forgotten."""
    past = NOW - timedelta(days=40)
    return {
        "nominations": [
            {
                "id": 3,
                "election_id": 2,
                "position_key": "secretary",
                "submission_key": "k3",
                "submitted_by": me,
                "candidate_slack_id": other,
                "candidate_name": marker(other, "nominations", "candidate_name"),
                "candidate_email": marker(other, "nominations", "candidate_email"),
                "candidate_membership": marker(other, "nominations", "candidate_membership"),
                "statement": marker(other, "nominations", "statement"),
                "route": "members",
                "created_at": past,
                "updated_at": past,
                "checked_at": past,
                "checked_by": me,
                "forget_at_close": False,
            }
        ],
        "meeting_changes": [
            {
                "meeting_id": 2,
                "original_start": NOW - timedelta(days=3),
                "new_start": None,
                "changed_by": me,
                "changed_at": past,
            }
        ],
        "questions": [
            {
                "id": 3,
                "asker_id": other,
                "region": "americas",
                "region_reason": f"moved here by <@{me}>",
                "text": marker(other, "questions", "text"),
                "status": "answered",
                "asked_at": past,
                "reroutes": 1,
                "claimed_by": me,
                "answered_by": me,
            }
        ],
        "organisation_changes": [
            {
                "revision": 3,
                "at": past,
                "actor_id": other,
                "source": "slack",
                "changes": [{"path": "officers.secretary", "before": [other], "after": [me]}],
                "summary": "officers.secretary changed",
            }
        ],
    }


def _mark(table: str, row: dict[str, Any], user: str) -> dict[str, Any]:
    """Fill every personal column the row leaves unset with the member's marker."""
    for column in _personal(_table(table)):
        if column.key not in row:
            row[column.key] = marker(user, table, column.key)
    return row


def _document(me: str, other: str) -> dict[str, Any]:
    doc = example_org()
    doc["admins"] = [*doc["admins"], me]
    doc["officers"]["secretary"] = [me]
    doc["officers"]["bame-officer"] = [other]
    return organisation.document_of(parse_org_config(doc))


def _seed(session: Session) -> None:
    planted: dict[str, list[dict[str, Any]]] = {}
    for user, n in ((ME, 1), (OTHER, 2)):
        for table, rows in _rows(user, n).items():
            planted.setdefault(table, []).extend(_mark(table, row, user) for row in rows)
    for table, rows in _across(ME, OTHER).items():
        planted[table].extend(rows)
    planted["organisation"] = [
        {"id": 1, "revision": 3, "document": _document(ME, OTHER), "updated_at": NOW, "updated_by": ME}
    ]
    described = {t.name for t in Base.metadata.sorted_tables if _personal(t)}
    assert described <= set(planted), f"describe a row of {sorted(described - set(planted))} here"
    for table in Base.metadata.sorted_tables:
        if table.name in planted:
            for row in planted[table.name]:
                session.execute(insert(table).values(row))
    session.flush()


# Reading the database as cells ------------------------------------------------------------------

Cell = tuple[str, tuple[Any, ...], str]  # table, primary key, column


def _text(value: Any) -> str:
    return json.dumps(value, default=str) if isinstance(value, dict | list) else str(value)


def _cells(session: Session, user: str) -> dict[Cell, str]:
    """Every cell of the database whose value holds the member's id (so their markers too)."""
    found: dict[Cell, str] = {}
    for table in Base.metadata.sorted_tables:
        for row in session.execute(select(table)).mappings():
            key = tuple(row[c.key] for c in table.primary_key.columns)
            for column, value in row.items():
                if user in _text(value):
                    found[(table.name, key, str(column))] = _text(value)
    return found


def _org(session: Session) -> OrgConfig:
    """The current organisation, as the bot reads it (deps.org is the stored document)."""
    document = session.scalar(select(_table("organisation").c.document))
    return parse_org_config(document if document is not None else example_org())


def _export(session: Session) -> str:
    return json.dumps(member_data.export_member(session, _org(session), ME, NOW).as_dict(), default=str)


@pytest.fixture
def seeded(session_factory: sessionmaker[Session]) -> Iterator[sessionmaker[Session]]:
    with session_factory.begin() as session:
        _seed(session)
    yield session_factory


def _columns(where: Callable[[Column[Any]], bool]) -> list[tuple[Table, Column[Any]]]:
    return [(t, c) for t in Base.metadata.sorted_tables for c in _personal(t) if where(c)]


# The declarations ----------------------------------------------------------------------------------


def test_every_text_column_is_marked_personal_or_declared_not() -> None:
    for table in Base.metadata.sorted_tables:
        text = {c.key for c in table.columns if isinstance(c.type, String | Text | JSON)}
        unmarked = text - {c.key for c in _personal(table)} - NOT_PERSONAL.get(table.name, set())
        assert not unmarked, f"{table.name}: mark {sorted(unmarked)} personal or declare them not"
        wrongly = NOT_PERSONAL.get(table.name, set()) & {c.key for c in _personal(table)}
        assert not wrongly, f"{table.name}: {sorted(wrongly)} are marked personal and declared not"


def test_every_personal_column_has_an_erasure_and_a_kept_one_its_reason() -> None:
    for table, column in _columns(lambda c: True):
        assert isinstance(column.info["erasure"], Erasure), f"{table.name}.{column.key}"
        if column.info["erasure"] is Erasure.KEEP:
            assert column.info["why"], f"{table.name}.{column.key} is kept: say why"


# The use cases against the marks -------------------------------------------------------------------


def test_my_data_carries_every_personal_column(seeded: sessionmaker[Session]) -> None:
    with seeded() as session:
        whole = _export(session)
        for table, column in _columns(lambda c: not c.info["user_id"]):
            first = select(column).where(_is_mine(table)).order_by(*table.primary_key.columns)
            value = _text(session.scalar(first))
            assert value in whole, f"my-data misses {table.name}.{column.key}"
    # A Slack-id column is found in the export by what changes when it no longer names the member.
    for table, column in _columns(lambda c: c.info["user_id"]):
        if (table.name, column.key) in FOUND_THROUGH:
            continue
        with seeded() as session:
            _replace(session, table, column, ME, NOBODY)
            assert _export(session) != whole, f"my-data misses {table.name}.{column.key}"
            session.rollback()


def _is_mine(table: Table) -> Any:
    """The member's own row: the first Slack-id column names them (their row comes first)."""
    ids = [c for c in _personal(table) if c.info["user_id"] and isinstance(c.type, String)]
    return ids[0] == ME


def _replace(session: Session, table: Table, column: Column[Any], old: str, new: str) -> None:
    key = list(table.primary_key.columns)
    for row in session.execute(select(*key, column)).all():
        value = row[-1]
        if old not in _text(value):
            continue
        replaced = json.loads(_text(value).replace(old, new)) if isinstance(value, dict | list) else None
        if replaced is None:
            replaced = str(value).replace(old, new)
        where = [k == v for k, v in zip(key, row[:-1], strict=True)]
        session.execute(update(table).where(*where).values({column.key: replaced}))
    session.flush()


def test_forget_me_leaves_only_what_is_declared_kept(seeded: sessionmaker[Session]) -> None:
    with seeded() as session:
        mine_before = _cells(session, ME)
        others_before = _cells(session, OTHER)
    # Every personal column of every table holds the member's value before, so the walk proves something.
    planted = {(table, column) for table, _, column in mine_before}
    for table, column in _columns(lambda c: True):
        if (table.name, column.key) not in ONE_WORD:
            assert (table.name, column.key) in planted, f"the seed misses {table.name}.{column.key}"

    with seeded.begin() as session:
        kept = member_data.forget(session, _org(session), ME, NOW)
    with seeded() as session:
        mine_after = _cells(session, ME)
        others_after = _cells(session, OTHER)

    erasure = {(t.name, c.key): c.info["erasure"] for t, c in _columns(lambda c: True)}
    for table, key, column in mine_after:
        assert erasure.get((table, column)) is Erasure.KEEP, f"forget-me leaves {table}.{column} ({key})"
    for cell, value in mine_before.items():
        table, _, column = cell
        if erasure.get((table, column)) is Erasure.KEEP:
            assert mine_after.get(cell) == value, f"{table}.{column} is declared kept, but it went"
    # What the DM says is kept names each kept table's reason.
    said = " ".join(f"{k.what} {k.why}" for k in kept)
    for table, column in _columns(lambda c: c.info["erasure"] is Erasure.KEEP):
        assert column.info["why"].split(";")[0] in said, (
            f"the forget-me DM does not say why {table.name}.{column.key} is kept"
        )
    # The other member's data is untouched, wherever it is.
    assert others_after == others_before


def test_the_retention_purge_removes_every_purged_column(seeded: sessionmaker[Session]) -> None:
    with seeded.begin() as session:
        for election in session.scalars(select(ElectionRecord)):
            nominations.purge_election(session, election, AFTER_RETENTION)
        apologies.purge(session, AFTER_RETENTION, retention_days=30)
        calendar.purge(session, AFTER_RETENTION, retention_days=30)
    with seeded() as session:
        left = {(t, c) for t, _, c in [*_cells(session, ME), *_cells(session, OTHER)]}
    for table, column in _columns(lambda c: c.info["purged"]):
        assert (table.name, column.key) not in left, f"the purge leaves {table.name}.{column.key}"


# The returning officer's CSV -------------------------------------------------------------------------


def _csv(session: Session) -> str:
    return nomination_csv.to_csv(nomination_csv.export_rows(session))


def test_the_csv_carries_every_personal_column_of_a_nomination(seeded: sessionmaker[Session]) -> None:
    with seeded() as session:
        whole = _csv(session)
    for model in (NominationRecord, NominatorRecord):
        table = _table(model.__tablename__)
        for column in personal_columns(model):
            with seeded() as session:
                _replace(session, table, table.c[column], ME, NOBODY)
                assert _csv(session) != whole, f"the CSV misses {table.name}.{column}"
                session.rollback()


def test_every_candidate_text_is_a_form_field_and_a_personal_column() -> None:
    """A text declared in nomination_rules.CANDIDATE_TEXTS is a NominationForm field and a
    nominations column marked personal: the declaration, the form and the model agree."""
    form_fields = {f.name for f in dataclasses.fields(NominationForm)}
    for text in CANDIDATE_TEXTS:
        assert text.key in form_fields, f"NominationForm has no {text.key}"
        assert text.key in personal_columns(NominationRecord), f"mark nominations.{text.key} personal"
