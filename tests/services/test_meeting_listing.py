"""The per-process cache of upcoming meetings and the meetings' data version it is kept under
(bot/services/meeting_queries.py UpcomingCache, migration 0011), on SQLite and PostgreSQL."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import delete, select, text, update
from sqlalchemy.orm import Session, sessionmaker

from bot.services import meetings as service
from bot.services.meeting_queries import UpcomingCache, get_meeting, upcoming, upcoming_listed
from bot.services.meeting_specs import MeetingSpec
from models.foundation import DataVersion
from models.meetings import Meeting, MeetingChange
from tests.conftest import two_processes_on
from tests.services.test_meetings_service import NOW, org_with

UNTIL = NOW + timedelta(days=60)
WEEKLY = MeetingSpec(
    key="weekly",
    name="Weekly call",
    channel="C0WEEKLY",
    start="2027-01-04 18:00",
    timezone="Europe/London",
    rrule="FREQ=WEEKLY",
)


def _version(session: Session) -> int:
    return int(session.scalar(select(DataVersion.version).where(DataVersion.name == "meetings")) or 0)


def _listed(
    factory: sessionmaker[Session], cache: UpcomingCache | None, now: datetime = NOW
) -> list[tuple[str, datetime]]:
    with factory() as session:
        return [(m.key, o.start) for m, o in upcoming_listed(session, cache, now, UNTIL)]


def _add(factory: sessionmaker[Session], spec: MeetingSpec = WEEKLY) -> None:
    with factory.begin() as session:
        service.add_meeting(session, spec, "U0ADMIN", NOW, org_with())


@pytest.fixture
def synced(session_factory: sessionmaker[Session]) -> sessionmaker[Session]:
    with session_factory.begin() as session:
        service.sync_from_config(session, org_with(), NOW)
    return session_factory


def _move_weekly(factory: sessionmaker[Session]) -> None:
    """Move the weekly meeting's 4 January 2027 date to 5 January, 19:00."""
    with factory.begin() as session:
        weekly = get_meeting(session, "weekly")
        assert weekly is not None
        service.move(session, weekly, date(2027, 1, 4), "2027-01-05 19:00", "U0ADMIN", NOW, org_with())


def test_every_write_to_meetings_or_their_changes_moves_the_version(synced: sessionmaker[Session]) -> None:
    seen = []
    with synced() as session:
        seen.append(_version(session))
    writes: list[Callable[[Session], object]] = [
        _add_in,
        lambda s: s.execute(update(Meeting).where(Meeting.key == "weekly").values(name="Weekly")),
        lambda s: s.add(
            MeetingChange(
                meeting_id=_id(s, "weekly"),
                original_start=datetime(2027, 1, 11, 18, tzinfo=UTC),
                new_start=None,
                changed_at=NOW,
            )
        ),
        lambda s: s.execute(update(MeetingChange).values(changed_by="forgotten")),
        lambda s: s.execute(delete(MeetingChange)),
        lambda s: s.execute(text("DELETE FROM meetings WHERE key = 'weekly'")),  # raw SQL too
    ]
    for write in writes:
        with synced.begin() as session:
            write(session)
        with synced() as session:
            seen.append(_version(session))
    assert all(after > before for before, after in itertools.pairwise(seen)), seen


def _add_in(session: Session) -> None:
    service.add_meeting(session, WEEKLY, "U0ADMIN", NOW, org_with())


def _id(session: Session, key: str) -> int:
    return int(session.scalar(select(Meeting.id).where(Meeting.key == key)) or 0)


def test_the_cached_list_is_the_list_worked_out_afresh(synced: sessionmaker[Session]) -> None:
    _add(synced)
    cache = UpcomingCache()
    for hours in (0, 5, 30, 24 * 9, 24 * 40):
        now = NOW + timedelta(hours=hours)
        for limit in (1, 3, 15):
            with synced() as session:
                fresh = [(m.key, o) for m, o in upcoming(session, now, UNTIL, limit)]
                cached = [(m.key, o) for m, o in upcoming_listed(session, cache, now, UNTIL, limit)]
            assert cached == fresh and fresh


def test_a_new_moved_or_cancelled_meeting_shows_at_once(synced: sessionmaker[Session]) -> None:
    cache = UpcomingCache()
    assert [key for key, _ in _listed(synced, cache)] == ["gc", "gc"]
    _add(synced)
    assert ("weekly", datetime(2027, 1, 4, 18, tzinfo=UTC)) in _listed(synced, cache)

    _move_weekly(synced)
    found = _listed(synced, cache)
    assert ("weekly", datetime(2027, 1, 5, 19, tzinfo=UTC)) in found
    assert ("weekly", datetime(2027, 1, 4, 18, tzinfo=UTC)) not in found

    with synced.begin() as session:
        weekly = get_meeting(session, "weekly")
        assert weekly is not None
        service.cancel(session, weekly, date(2027, 1, 11), "U0ADMIN", NOW, org_with())
    assert ("weekly", datetime(2027, 1, 11, 18, tzinfo=UTC)) not in _listed(synced, cache)

    with synced.begin() as session:
        weekly = get_meeting(session, "weekly")
        assert weekly is not None
        service.cancel(session, weekly, None, "U0ADMIN", NOW, org_with())
    assert [key for key, _ in _listed(synced, cache)] == ["gc", "gc"]


def test_the_list_moves_on_with_the_clock(synced: sessionmaker[Session]) -> None:
    cache = UpcomingCache()
    first = _listed(synced, cache)[0]
    # Just after the first meeting has begun, it is no longer coming up (same cached day).
    assert _listed(synced, cache, first[1])[0] != first
    assert _listed(synced, cache, first[1] - timedelta(seconds=1))[0] == first


@pytest.fixture
def second_process(
    postgres_database_url: str,
) -> Iterator[tuple[sessionmaker[Session], sessionmaker[Session]]]:
    """Two engines on one PostgreSQL database, as two bot processes have."""
    yield from two_processes_on(postgres_database_url)


def test_a_change_made_by_another_process_shows_in_the_next_read(
    second_process: tuple[sessionmaker[Session], sessionmaker[Session]],
) -> None:
    a, b = second_process
    with b.begin() as session:
        service.sync_from_config(session, org_with(), NOW)
    cache_a, cache_b = UpcomingCache(), UpcomingCache()
    assert _listed(a, cache_a) == _listed(b, cache_b)
    _add(b)  # process B adds a meeting
    assert ("weekly", datetime(2027, 1, 4, 18, tzinfo=UTC)) in _listed(a, cache_a)
    _move_weekly(b)  # and moves one date of it
    found = _listed(a, cache_a)
    assert ("weekly", datetime(2027, 1, 5, 19, tzinfo=UTC)) in found
    assert ("weekly", datetime(2027, 1, 4, 18, tzinfo=UTC)) not in found
    with a.begin() as session:  # process A cancels the meeting: B sees it gone
        weekly = get_meeting(session, "weekly")
        assert weekly is not None
        service.cancel(session, weekly, None, "U0ADMIN", NOW, org_with())
    assert [key for key, _ in _listed(b, cache_b)] == ["gc", "gc"]
    assert _listed(a, cache_a) == _listed(b, cache_b)


def test_two_writers_of_meetings_that_meet_on_another_row_wait_for_each_other_not_deadlock(
    second_process: tuple[sessionmaker[Session], sessionmaker[Session]],
) -> None:
    """PostgreSQL (migration 0014): the version is bumped at commit, so a transaction that wrote
    a meeting does not hold the version's lock while it goes on to wait for another row (here
    a delivery key, as two processes planning at once meet on a job's key)."""
    a, b = second_process
    with b.begin() as session:
        service.sync_from_config(session, org_with(), NOW)
    with a() as session:
        before = _version(session)
    one, two = a(), b()
    errors: list[BaseException] = []
    try:
        one.execute(update(Meeting).where(Meeting.key == "gc").values(name="General Committee, renamed"))
        two.execute(text("INSERT INTO slack_deliveries (key, seen_at) VALUES ('both', :now)"), {"now": NOW})

        def two_writes_a_meeting_change_and_commits() -> None:
            try:
                two.add(
                    MeetingChange(
                        meeting_id=_id(two, "gc"),
                        original_start=datetime(2027, 1, 11, 18, tzinfo=UTC),
                        new_start=None,
                        changed_at=NOW,
                    )
                )
                two.commit()
            except BaseException as exc:
                errors.append(exc)

        second = threading.Thread(target=two_writes_a_meeting_change_and_commits)
        second.start()
        # Waits for two's uncommitted key; with the version locked by `one` since its first
        # write, `two` would wait for `one` too, and PostgreSQL would abort one of them.
        one.execute(
            text("INSERT INTO slack_deliveries (key, seen_at) VALUES ('both', :now) ON CONFLICT DO NOTHING"),
            {"now": NOW},
        )
        one.commit()
        second.join(30)
        assert not second.is_alive()
    finally:
        one.close()
        two.close()
    assert errors == []
    with a() as session:
        assert _version(session) == before + 2  # one bump per changed row, each at its commit


def test_a_transaction_moves_the_version_once_however_many_rows_it_writes(
    synced: sessionmaker[Session],
) -> None:
    """One bump per writing transaction (on PostgreSQL at its commit), not one per row: a
    reader needs only to know that something changed."""
    with synced() as session:
        before = _version(session)
    with synced.begin() as session:
        session.execute(update(Meeting).values(name=Meeting.name + " "))
        for week in (11, 18):
            session.add(
                MeetingChange(
                    meeting_id=_id(session, "gc"),
                    original_start=datetime(2027, 1, week, 18, tzinfo=UTC),
                    new_start=None,
                    changed_at=NOW,
                )
            )
    with synced() as session:
        after = _version(session)
    dialect = synced.kw["bind"].dialect.name
    assert after == before + 1 if dialect == "postgresql" else after > before
