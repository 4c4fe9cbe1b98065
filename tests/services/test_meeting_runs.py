"""The meeting jobs' use cases (bot/services/meeting_runs.py): what a reminder, change notice
or digest is to post, and when the job has nothing to post."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bot import db
from bot.services import meeting_runs as runs
from bot.services import meetings
from bot.services.meeting_posts import record_post
from bot.services.meeting_queries import get_meeting
from tests.services.test_meetings_service import NOW, org_with

ORG = org_with()
# The General Committee meets on the fourth Saturday, 14:00 in London.
FIRST = datetime(2027, 1, 23, 14, tzinfo=UTC)
SECOND = datetime(2027, 2, 27, 14, tzinfo=UTC)
DUE = FIRST - timedelta(days=1)
KEY = "mtg.remind:gc:test"


@pytest.fixture
def factory(sqlite_database_url: str) -> Iterator[sessionmaker[Session]]:
    engine = db.make_engine(sqlite_database_url)
    factory = db.make_session_factory(engine)
    with factory.begin() as session:
        meetings.sync_from_config(session, ORG, NOW)
    yield factory
    engine.dispose()


def sent(factory: sessionmaker[Session], key: str, due: datetime, outcome: str = "sent") -> None:
    with factory.begin() as session:
        record_post(session, key, "meetings.reminder", "C0GC", "1.2", outcome, due, NOW)


def test_a_reminder_is_for_an_occurrence_still_on(factory: sessionmaker[Session]) -> None:
    with factory() as session:
        found = runs.occurrence(session, KEY, "gc", SECOND, DUE)
    assert isinstance(found, runs.Occurrence)
    assert (found.meeting.key, found.start, found.previous, found.due) == ("gc", SECOND, FIRST, DUE)


def test_a_reminder_posted_for_this_due_time_is_not_posted_again(factory: sessionmaker[Session]) -> None:
    sent(factory, KEY, DUE)
    with factory() as session:
        assert runs.occurrence(session, KEY, "gc", FIRST, DUE) == runs.AlreadyPosted()
        # A failed attempt, or a post for another due time, is not a post for this one.
        assert isinstance(
            runs.occurrence(session, KEY, "gc", FIRST, DUE + timedelta(hours=1)), runs.Occurrence
        )
    sent(factory, KEY, DUE, "failed")
    with factory() as session:
        assert isinstance(runs.occurrence(session, KEY, "gc", FIRST, DUE), runs.Occurrence)


def test_a_cancelled_or_unknown_occurrence_is_withdrawn(factory: sessionmaker[Session]) -> None:
    with factory.begin() as session:
        meeting = get_meeting(session, "gc")
        assert meeting is not None
        meetings.cancel(session, meeting, date(2027, 1, 23), "U0ADMIN", NOW, ORG)
    with factory() as session:
        assert runs.occurrence(session, KEY, "gc", FIRST, DUE) == runs.Withdrawn()
        assert runs.occurrence(session, KEY, "gc", FIRST + timedelta(hours=1), DUE) == runs.Withdrawn()
        assert runs.occurrence(session, KEY, "nope", FIRST, DUE) == runs.Withdrawn()
        assert runs.occurrence(session, KEY, "gc", None, DUE) == runs.Withdrawn()
        assert isinstance(runs.occurrence(session, KEY, "gc", SECOND, DUE), runs.Occurrence)


def test_a_cancelled_meeting_withdraws_its_reminders_but_its_notice_goes_out(
    factory: sessionmaker[Session],
) -> None:
    with factory() as session:
        found = runs.change_notice(session, "n", "gc", "C0GC", NOW, NOW)
    assert isinstance(found, runs.ChangeNotice) and found.next_start == FIRST
    with factory.begin() as session:
        meeting = get_meeting(session, "gc")
        assert meeting is not None
        meetings.cancel(session, meeting, None, "U0ADMIN", NOW, ORG)
    with factory() as session:
        assert runs.occurrence(session, KEY, "gc", FIRST, DUE) == runs.Withdrawn()
        found = runs.change_notice(session, "n", "gc", "C0GC", NOW, NOW)
        assert isinstance(found, runs.ChangeNotice) and found.next_start is None
        assert runs.change_notice(session, "n", "gc", "", NOW, NOW) == runs.Withdrawn()
        assert runs.change_notice(session, "n", "nope", "C0GC", NOW, NOW) == runs.Withdrawn()
    sent(factory, "n", NOW)
    with factory() as session:
        assert runs.change_notice(session, "n", "gc", "C0GC", NOW, NOW) == runs.AlreadyPosted()


def test_the_digest_lists_the_weekends_meetings_once(factory: sessionmaker[Session]) -> None:
    friday, due = date(2027, 1, 22), datetime(2027, 1, 22, 9, tzinfo=UTC)
    with factory() as session:
        found = runs.digest(session, "d", ORG, friday, due)
        assert isinstance(found, runs.Digest)
        assert [(m.key, start) for m, start in found.items] == [("gc", FIRST)]
        assert runs.digest(session, "d", ORG, friday - timedelta(days=7), due) == runs.Digest(())
    sent(factory, "d", due)
    with factory() as session:
        assert runs.digest(session, "d", ORG, friday, due) == runs.AlreadyPosted()
