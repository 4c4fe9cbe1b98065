"""The election jobs' use cases (bot/services/election_runs.py): what each job is to do, and
when it is to do nothing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot import db
from bot.services import election_runs as runs
from bot.services import election_store, nominations
from bot.services.nominations import NominationStatus
from bot.services.outcomes import Skip
from bot.services.roles import RoleCatalog, default_roles_dir
from models.audit import AuditEntry
from models.elections import NominationRecord, NominatorRecord
from models.foundation import ScheduledJob
from tests.services.test_nominations_store import CLOSES, NOW, OPENS, make_election, submit

ROLES = RoleCatalog.load(default_roles_dir())
AFTER = CLOSES + timedelta(minutes=1)


@pytest.fixture
def factory(sqlite_database_url: str) -> Iterator[sessionmaker[Session]]:
    engine = db.make_engine(sqlite_database_url)
    yield db.make_session_factory(engine)
    engine.dispose()


@pytest.fixture
def election_id(factory: sessionmaker[Session]) -> int:
    with factory.begin() as session:
        record = make_election(session)
        submit(session, record)
        return record.id


def test_the_announcement_goes_out_once_while_the_election_is_open(
    factory: sessionmaker[Session], election_id: int
) -> None:
    with factory() as session:
        found = runs.announcement(session, ROLES, election_id, NOW)
    assert isinstance(found, runs.Announcement)
    assert (found.name, found.closes_at, found.due) == ("LIEC 2027", CLOSES, OPENS)
    assert len(found.titles) == 2 and all(found.titles)
    with factory.begin() as session:
        runs.record_posted(session, election_id, "announced_at", NOW)
    with factory() as session:
        assert runs.announcement(session, ROLES, election_id, NOW) == Skip("announced already")
        assert runs.announcement(session, ROLES, election_id + 1, NOW) == Skip("no such election")


def test_no_announcement_or_reminder_after_closing(factory: sessionmaker[Session], election_id: int) -> None:
    with factory() as session:
        assert runs.announcement(session, ROLES, election_id, CLOSES) == Skip("closed")
        assert runs.reminder(session, election_id, CLOSES, NOW) == Skip("closed")


def test_the_reminder_is_due_48_hours_before_closing_and_goes_out_once(
    factory: sessionmaker[Session], election_id: int
) -> None:
    with factory() as session:
        found = runs.reminder(session, election_id, NOW, NOW)
    assert found == runs.Reminder(election_id, "LIEC 2027", CLOSES, CLOSES - timedelta(hours=48))
    with factory.begin() as session:
        runs.record_posted(session, election_id, "reminded_at", NOW)
    with factory() as session:
        assert runs.reminder(session, election_id, NOW, NOW) == Skip("reminded already")


def test_closing_plans_one_summary_per_admin_once_and_only_after_closing(
    factory: sessionmaker[Session], election_id: int
) -> None:
    with factory.begin() as session:
        assert runs.finish(session, election_id, ["U0A", "U0B"], NOW) == Skip("not closed")
    with factory.begin() as session:
        assert runs.finish(session, election_id, ["U0A", "U0B"], AFTER) == runs.Finished(2)
    with factory.begin() as session:
        assert runs.finish(session, election_id, ["U0A", "U0B"], AFTER) == Skip("finished already")
        keys = set(session.scalars(select(ScheduledJob.key)))
    assert {election_store.SUMMARY.key(election_id, a) for a in ("U0A", "U0B")} <= keys


def test_the_summary_lists_every_nomination_and_records_the_admins_read(
    factory: sessionmaker[Session], election_id: int
) -> None:
    with factory.begin() as session:
        found = runs.summary(session, ROLES, election_id, "U0A", AFTER)
    assert isinstance(found, runs.Summary)
    assert [(i.candidate, i.status) for i in found.items] == [("Ada Candidate", NominationStatus.AWAITING)]
    with factory() as session:
        entries = session.scalars(select(AuditEntry)).all()
    assert [e.what for e in entries if e.actor_id == "U0A"] == ["closing summary of LIEC 2027"]


def test_the_purge_waits_for_closing_and_happens_once(
    factory: sessionmaker[Session], election_id: int
) -> None:
    with factory.begin() as session:
        assert runs.purge(session, election_id, NOW) == Skip("not closed")
    with factory.begin() as session:
        assert runs.purge(session, election_id, AFTER) == runs.Purged(1)
    with factory.begin() as session:
        assert runs.purge(session, election_id, AFTER) == Skip("purged already")
        assert runs.summary(session, ROLES, election_id, "U0A", AFTER) == Skip("purged")


def test_the_candidate_list_is_published_once_after_closing(
    factory: sessionmaker[Session], election_id: int
) -> None:
    with factory() as session:
        assert runs.candidate_list(session, ROLES, "LIEC 2027", NOW) == Skip("not closed")
        assert runs.candidate_list(session, ROLES, "", AFTER) == Skip("no such election")
        found = runs.candidate_list(session, ROLES, "LIEC 2027", AFTER)
    # The one nomination still awaits its nominators: not a valid candidate.
    assert found == runs.CandidateList(election_id, "LIEC 2027", CLOSES, ())
    with factory.begin() as session:
        for nominator in session.scalars(select(NominatorRecord)):
            nominator.status = nominations.CONFIRMED
    with factory() as session:
        found = runs.candidate_list(session, ROLES, "LIEC 2027", AFTER)
    # Answered, not yet checked by the returning officer: left out, and counted as such.
    assert isinstance(found, runs.CandidateList) and (found.candidates, found.left_to_check) == ((), 1)
    with factory.begin() as session:
        nominations.mark_checked(session, session.scalars(select(NominationRecord)).one(), "U0RO", AFTER)
    with factory() as session:
        found = runs.candidate_list(session, ROLES, "LIEC 2027", AFTER)
    assert isinstance(found, runs.CandidateList) and (len(found.candidates), found.left_to_check) == (1, 0)
    with factory.begin() as session:
        runs.mark_published(session, election_id, "U0A", AFTER)
    with factory() as session:
        assert runs.candidate_list(session, ROLES, "LIEC 2027", AFTER) == Skip("published already")
