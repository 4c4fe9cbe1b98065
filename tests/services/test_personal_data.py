"""Personal data is declared once, on the model (models/base.py PERSONAL), and the member's
export, erasure, the CSV and the retention purge are checked against those marks: a new
personal field that one of them misses fails here."""

from __future__ import annotations

import json
import zlib
from datetime import timedelta

from sqlalchemy import String, Text, select
from sqlalchemy.orm import Session, sessionmaker

from bot.services import nomination_csv, nominations
from models.base import Base, personal_columns
from models.elections import NominationRecord, NominatorRecord
from tests.services.test_nominations_store import CLOSES, FORM, NOW, make_election, submit

CANDIDATE = "U0CAND"
NOMINATOR = "U0NOM1"
# Text columns that hold no personal data, each a decision: a new text column must be
# marked personal (info=PERSONAL) or added here.
NOT_PERSONAL = {
    NominationRecord: {"position_key", "submission_key", "route", "branch", "checked_by"},
    NominatorRecord: {"status", "dm_channel", "dm_ts"},
}
# Columns whose value is the member's own Slack id, by which export and erasure find them.
IDS = {"submitted_by": CANDIDATE, "candidate_slack_id": CANDIDATE, "slack_id": NOMINATOR}


def marker(model: type[Base], column: str) -> str:
    if column in IDS:
        return IDS[column]
    if "email" in column:
        return f"{model.__tablename__}-{column.replace('_', '')}@marker.example"
    return f"M{zlib.crc32(f'{model.__name__}.{column}'.encode()):010d}"


def planted(session: Session) -> tuple[NominationRecord, NominatorRecord]:
    """A nomination whose every personal column holds a value found nowhere else."""
    n = submit(session, make_election(session), by=CANDIDATE)
    for column in personal_columns(NominationRecord):
        setattr(n, column, marker(NominationRecord, column))
    n.route = "members"
    nominator = next(x for x in n.nominators if x.slot == 1)
    for column in personal_columns(NominatorRecord):
        setattr(nominator, column, marker(NominatorRecord, column))
    session.flush()
    return n, nominator


def test_every_text_column_is_marked_personal_or_declared_not() -> None:
    for model, exempt in NOT_PERSONAL.items():
        text = {c.key for c in model.__table__.columns if isinstance(c.type, String | Text)}
        unmarked = text - set(personal_columns(model)) - exempt
        assert not unmarked, f"{model.__name__}: mark {sorted(unmarked)} personal or declare them not"


def test_the_export_and_the_csv_carry_every_personal_column(session_factory: sessionmaker[Session]) -> None:
    with session_factory.begin() as session:
        planted(session)
    partner = marker(NominationRecord, "partner_slack_id")
    with session_factory() as session:
        as_candidate = json.dumps(nominations.export_member_data(session, CANDIDATE))
        as_partner = json.dumps(nominations.export_member_data(session, partner))
        as_nominator = json.dumps(nominations.export_member_data(session, NOMINATOR))
        csv = json.dumps(list(nomination_csv.export_rows(session)))
    for column in personal_columns(NominationRecord):
        # Each person's details go to that person: the job-share partner's to the partner.
        mine = as_partner if column.startswith("partner_") else as_candidate
        assert marker(NominationRecord, column) in mine, f"my-data misses nominations.{column}"
        assert marker(NominationRecord, column) in csv, f"the CSV misses nominations.{column}"
    for column in personal_columns(NominatorRecord):
        assert marker(NominatorRecord, column) in as_nominator, f"my-data misses nominators.{column}"
        assert marker(NominatorRecord, column) in csv, f"the CSV misses nominators.{column}"


def _stored_values(session: Session) -> str:
    rows = [
        {c: getattr(row, c) for c in personal_columns(type(row))}
        for model in (NominationRecord, NominatorRecord)
        for row in session.scalars(select(model))
    ]
    return json.dumps(rows, default=str)


def test_erasure_removes_every_personal_column(session_factory: sessionmaker[Session]) -> None:
    after = CLOSES + timedelta(hours=1)  # closed: erased at once
    with session_factory.begin() as session:
        planted(session)
    for who, model in ((NOMINATOR, NominatorRecord), (CANDIDATE, NominationRecord)):
        with session_factory.begin() as session:
            nominations.forget_member(session, who, after)
        with session_factory() as session:
            stored = _stored_values(session)
        for column in personal_columns(model):
            assert marker(model, column) not in stored, f"forget-me keeps {model.__tablename__}.{column}"


def test_the_retention_purge_leaves_no_personal_column(session_factory: sessionmaker[Session]) -> None:
    with session_factory.begin() as session:
        n, _ = planted(session)
        nominations.purge_election(session, n.election, NOW)
    with session_factory() as session:
        assert _stored_values(session) == "[]"
    assert FORM.candidate.slack_id == CANDIDATE
