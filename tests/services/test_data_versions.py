"""The nominations' data version (migration 0016) and the values kept under a data version
(bot/services/data_versions.py), on SQLite and PostgreSQL: the returning officer's CSV is
built again whenever any process changed an election, a nomination or a nominator."""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import delete, text, update
from sqlalchemy.orm import Session, sessionmaker

from bot.services import data_versions, nomination_csv, nominations
from bot.services.data_versions import KeptUnderVersion
from models.elections import ElectionRecord, NominationRecord, NominatorRecord
from tests.conftest import two_processes_on
from tests.services.test_nominations_store import CLOSES, FORM, NOW, make_election, submit


def _version(factory: sessionmaker[Session]) -> int:
    with factory() as session:
        return int(data_versions.current(session, data_versions.NOMINATIONS) or 0)


def test_every_write_to_elections_nominations_or_nominators_moves_the_version(
    session_factory: sessionmaker[Session],
) -> None:
    writes: list[Callable[[Session], object]] = [
        make_election,
        lambda s: submit(s, s.query(ElectionRecord).one()),
        lambda s: s.execute(update(NominatorRecord).values(status="confirmed")),
        lambda s: s.execute(update(NominationRecord).values(statement="Changed")),
        lambda s: nominations.forget_member(s, "U0CAND", NOW),
        lambda s: s.execute(update(ElectionRecord).values(name="LIEC 2028")),
        lambda s: s.execute(delete(NominatorRecord)),
        lambda s: s.execute(text("DELETE FROM nominations")),  # raw SQL too
        lambda s: s.execute(delete(ElectionRecord)),
    ]
    seen = [_version(session_factory)]
    for write in writes:
        with session_factory.begin() as session:
            write(session)
        seen.append(_version(session_factory))
    assert all(after > before for before, after in itertools.pairwise(seen)), seen


def test_a_transaction_moves_it_once_on_postgresql(session_factory: sessionmaker[Session]) -> None:
    before = _version(session_factory)
    with session_factory.begin() as session:
        election = make_election(session)
        submit(session, election, key="V1")
        submit(session, election, key="V2", form=replace(FORM, statement="Two"))
    after = _version(session_factory)
    dialect = session_factory.kw["bind"].dialect.name
    assert after == before + 1 if dialect == "postgresql" else after > before


def test_reads_of_other_tables_leave_it_alone(session_factory: sessionmaker[Session]) -> None:
    before = _version(session_factory)
    with session_factory.begin() as session:
        session.execute(text("UPDATE data_versions SET version = version + 1 WHERE name = 'meetings'"))
    assert _version(session_factory) == before


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _exported(session: Session) -> tuple[str, int]:
    return nomination_csv.export_csv(session)


@pytest.fixture
def second_process(database_url: str) -> Iterator[tuple[sessionmaker[Session], sessionmaker[Session]]]:
    yield from two_processes_on(database_url)


def test_the_csv_is_kept_while_nothing_changes_and_built_again_after_any_process_changes_it(
    second_process: tuple[sessionmaker[Session], sessionmaker[Session]],
) -> None:
    a, b = second_process
    clock = Clock()
    kept: KeptUnderVersion[tuple[str, int]] = KeptUnderVersion(data_versions.NOMINATIONS, 60.0, clock)
    builds: list[int] = []

    def build(session: Session) -> tuple[str, int]:
        builds.append(1)
        return _exported(session)

    def export() -> list[dict[str, str]]:
        with a() as session:
            content, count = kept.get(session, build)
            assert (content, count) == _exported(session)  # what is kept is what a build gives
        return list(csv.DictReader(io.StringIO(content)))

    with b.begin() as session:
        election = make_election(session)
    assert export() == [] and export() == [] and len(builds) == 1  # nothing changed: built once

    with b.begin() as session:  # the other process saves a nomination
        submit(session, session.get_one(ElectionRecord, election.id))
    assert [row["candidate_email"] for row in export()] == ["ada@example.org"]
    assert len(builds) == 2

    with b.begin() as session:  # and then a nominator answers
        session.execute(update(NominatorRecord).where(NominatorRecord.slot == 1).values(status="declined"))
    assert export()[0]["nominator_1_status"] == "declined" and len(builds) == 3

    clock.now += 61  # kept a minute at most, even with nothing changed
    export()
    assert len(builds) == 4
    export()
    assert len(builds) == 4


def test_a_candidate_forgotten_is_gone_from_the_next_export(session_factory: sessionmaker[Session]) -> None:
    kept: KeptUnderVersion[tuple[str, int]] = KeptUnderVersion(data_versions.NOMINATIONS, 60.0, Clock())
    with session_factory.begin() as session:
        election = make_election(session)
        submit(session, election)
    with session_factory() as session:
        assert "ada@example.org" in kept.get(session, _exported)[0]
    with session_factory.begin() as session:  # after the close, erased at once
        assert nominations.forget_member(session, "U0CAND", CLOSES + timedelta(days=1)) == []
    with session_factory() as session:
        assert "ada@example.org" not in kept.get(session, _exported)[0]


def test_nothing_is_kept_without_the_version_row(session_factory: sessionmaker[Session]) -> None:
    """A database not yet upgraded to 0016 has no "nominations" row: every call builds."""
    with session_factory.begin() as session:
        session.execute(text("DELETE FROM data_versions WHERE name = 'nominations'"))
    kept: KeptUnderVersion[tuple[str, int]] = KeptUnderVersion(data_versions.NOMINATIONS, 60.0, Clock())
    builds: list[int] = []

    def build(session: Session) -> tuple[str, int]:
        builds.append(1)
        return _exported(session)

    for _ in range(2):
        with session_factory() as session:
            kept.get(session, build)
    assert len(builds) == 2


def test_a_kept_csv_is_dropped_after_its_minute_without_anyone_asking(
    session_factory: sessionmaker[Session],
) -> None:
    clock = Clock()
    kept: KeptUnderVersion[tuple[str, int]] = KeptUnderVersion(data_versions.NOMINATIONS, 60.0, clock)
    with session_factory.begin() as session:
        submit(session, make_election(session))
    with session_factory() as session:
        kept.get(session, _exported)
    kept.expire()
    assert kept._kept is not None  # within its minute: kept
    clock.now += 61
    kept.expire()
    assert kept._kept is None  # the personal data in it is gone from memory


def _versions(factory: sessionmaker[Session]) -> tuple[int, ...]:
    with factory() as session:
        found = data_versions.current_all(session, (data_versions.QUESTIONS, data_versions.FAILED_POSTS))
    assert found is not None
    return found


def test_the_home_counts_versions_move_with_what_they_count_only(
    session_factory: sessionmaker[Session],
) -> None:
    """Migration 0017: "questions" with every write to `questions`; "failed_posts" with every
    write to `meeting_posts` and to a job that is or was failed, and not with other jobs'."""
    from models.foundation import ScheduledJob
    from models.meetings import MeetingPost
    from models.questions import Question

    def question(s: Session) -> None:
        s.add(Question(asker_id="U1", text="q", status="waiting", region_reason="unknown", asked_at=NOW))

    def post(s: Session) -> None:
        s.add(
            MeetingPost(
                key="mtg:m:x:1h",
                kind="mtg.reminder",
                channel="C1",
                outcome="failed",
                due_at=NOW,
                recorded_at=NOW,
            )
        )

    def job(status: str) -> Callable[[Session], object]:
        return lambda s: s.add(
            ScheduledJob(kind="k", key=f"job-{status}", due_at=NOW, payload={}, status=status)
        )

    # (the write, which of the two versions it moves)
    writes: list[tuple[Callable[[Session], object], tuple[bool, bool]]] = [
        (question, (True, False)),
        (lambda s: s.execute(update(Question).values(status="open")), (True, False)),
        (lambda s: s.execute(delete(Question)), (True, False)),
        (post, (False, True)),
        (lambda s: s.execute(update(MeetingPost).values(outcome="sent")), (False, True)),
        (lambda s: s.execute(text("DELETE FROM meeting_posts")), (False, True)),
        (job("pending"), (False, False)),
        (lambda s: s.execute(update(ScheduledJob).values(status="running")), (False, False)),
        (lambda s: s.execute(update(ScheduledJob).values(status="failed")), (False, True)),
        (lambda s: s.execute(update(ScheduledJob).values(last_error="again")), (False, True)),
        (lambda s: s.execute(update(ScheduledJob).values(status="pending")), (False, True)),
        (lambda s: s.execute(delete(ScheduledJob)), (False, False)),
        (job("failed"), (False, True)),
        (lambda s: s.execute(delete(ScheduledJob)), (False, True)),
    ]
    for n, (write, moves) in enumerate(writes):
        before = _versions(session_factory)
        with session_factory.begin() as session:
            write(session)
        after = _versions(session_factory)
        assert tuple(a > b for a, b in zip(after, before, strict=True)) == moves, n
