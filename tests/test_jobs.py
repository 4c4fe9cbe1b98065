"""The durable job queue: scheduling, claiming once, retrying, recovering a killed run."""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime, timedelta
from urllib.error import URLError

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.clock import ManualClock
from bot.jobs import LEASE, Job, JobKind, JobQueue, JobRun, RetryLater
from bot.slack_client import Stopping
from models.foundation import ScheduledJob
from tests.services.test_rows import second_waits_for_first

T0 = datetime(2027, 3, 6, 9, 0, tzinfo=UTC)


def _queue(session_factory: sessionmaker[Session], clock: ManualClock) -> tuple[JobQueue, list[JobRun]]:
    ran: list[JobRun] = []
    queue = JobQueue(session_factory, clock)
    queue.register(Job(JobKind("test", ("id",)), ran.append))
    return queue, ran


def _job(session_factory: sessionmaker[Session], key: str) -> ScheduledJob:
    with session_factory() as session:
        return session.scalars(select(ScheduledJob).where(ScheduledJob.key == key)).one()


def test_a_job_runs_once_when_due_and_not_before(session_factory: sessionmaker[Session]) -> None:
    clock = ManualClock(T0)
    queue, ran = _queue(session_factory, clock)
    with session_factory.begin() as session:
        queue.schedule(session, kind="test", key="k1", due_at=T0 + timedelta(minutes=5), payload={"a": 1})
    assert queue.run_due() == 0
    clock.advance(timedelta(minutes=5))
    assert queue.run_due() == 1
    assert queue.run_due() == 0
    assert [r.payload for r in ran] == [{"a": 1}]
    assert _job(session_factory, "k1").status == "done"


def test_scheduling_again_is_a_no_op_but_moving_reschedules(session_factory: sessionmaker[Session]) -> None:
    clock = ManualClock(T0)
    queue, ran = _queue(session_factory, clock)
    with session_factory.begin() as session:
        queue.schedule(session, kind="test", key="k", due_at=T0)
    queue.run_due()
    with session_factory.begin() as session:
        queue.schedule(session, kind="test", key="k", due_at=T0)  # e.g. the config reloaded
    assert queue.run_due() == 0
    with session_factory.begin() as session:
        queue.schedule(session, kind="test", key="k", due_at=T0 + timedelta(hours=1))  # moved
    clock.advance(timedelta(hours=1))
    assert queue.run_due() == 1
    assert len(ran) == 2


def test_two_processes_scheduling_one_job_at_once_make_one_row(
    session_factory: sessionmaker[Session],
) -> None:
    clock = ManualClock(T0)
    queue, _ran = _queue(session_factory, clock)

    def second_schedules() -> datetime:
        with session_factory.begin() as second:
            return queue.schedule(second, kind="test", key="k", due_at=T0 + timedelta(hours=1)).due_at

    out = second_waits_for_first(
        session_factory,
        lambda first: queue.schedule(first, kind="test", key="k", due_at=T0),
        second_schedules,
    )
    # The second found the first one's job and moved it, with no error.
    assert out == [T0 + timedelta(hours=1)]
    assert _job(session_factory, "k").due_at == T0 + timedelta(hours=1)


def test_cancel_withdraws_a_pending_job(session_factory: sessionmaker[Session]) -> None:
    clock = ManualClock(T0)
    queue, ran = _queue(session_factory, clock)
    with session_factory.begin() as session:
        queue.schedule(session, kind="test", key="meeting:1:7d", due_at=T0)
        queue.schedule(session, kind="test", key="meeting:1:1d", due_at=T0)
        queue.schedule(session, kind="test", key="meeting:2:1d", due_at=T0)
    with session_factory.begin() as session:
        assert queue.cancel(session, "meeting:2:1d") is True
        assert queue.cancel_prefix(session, "meeting:1:") == 2
    assert queue.run_due() == 0 and ran == []


def test_retry_later_backs_off_then_fails(session_factory: sessionmaker[Session]) -> None:
    clock = ManualClock(T0)
    queue = JobQueue(session_factory, clock)
    attempts: list[int] = []

    def flaky(run: JobRun) -> None:
        attempts.append(run.attempt)
        raise RetryLater("slack down")

    queue.register(Job(JobKind("flaky", ("id",)), flaky))
    with session_factory.begin() as session:
        queue.schedule(session, kind="flaky", key="f", due_at=T0)
    for _ in range(10):
        queue.run_due()
        clock.advance(timedelta(hours=1))
    job = _job(session_factory, "f")
    assert attempts == [1, 2, 3, 4, 5]
    assert job.status == "failed" and job.last_error == "slack down"


def test_an_unexpected_error_marks_the_job_failed_and_the_queue_goes_on(
    session_factory: sessionmaker[Session],
) -> None:
    clock = ManualClock(T0)
    queue, ran = _queue(session_factory, clock)
    queue.register(Job(JobKind("boom", ("id",)), lambda run: 1 / 0))  # type: ignore[func-returns-value]
    with session_factory.begin() as session:
        queue.schedule(session, kind="boom", key="b", due_at=T0)
        queue.schedule(session, kind="test", key="t", due_at=T0 + timedelta(seconds=1))
    clock.advance(timedelta(seconds=1))
    assert queue.run_due() == 2
    assert _job(session_factory, "b").status == "failed"
    assert len(ran) == 1


def test_a_run_left_by_a_killed_process_is_recovered_after_its_lease(
    session_factory: sessionmaker[Session],
) -> None:
    clock = ManualClock(T0)
    queue, ran = _queue(session_factory, clock)
    with session_factory.begin() as session:
        queue.schedule(session, kind="test", key="k", due_at=T0)
    # A process claims it and dies before recording the result.
    assert queue._claim(_job(session_factory, "k").id, "pending", clock.now()) is not None
    assert queue.run_due() == 0  # the lease still holds
    clock.advance(LEASE + timedelta(seconds=1))
    assert queue.run_due() == 1
    assert ran[0].recovered is True and ran[0].attempt == 2


def test_two_processes_never_run_the_same_job(session_factory: sessionmaker[Session]) -> None:
    clock = ManualClock(T0)
    counts: dict[str, int] = {}
    lock = threading.Lock()

    def record(run: JobRun) -> None:
        with lock:
            counts[run.key] = counts.get(run.key, 0) + 1

    queues = []
    for _ in range(4):
        queue = JobQueue(session_factory, clock)
        queue.register(Job(JobKind("test", ("id",)), record))
        queues.append(queue)
    with session_factory.begin() as session:
        for i in range(60):
            queues[0].schedule(session, kind="test", key=f"k{i}", due_at=T0)
    threads = [threading.Thread(target=q.run_due) for q in queues]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert counts == {f"k{i}": 1 for i in range(60)}


def test_a_job_kind_builds_every_key_of_its_kind() -> None:
    reminder = JobKind("meeting_reminder", ("meeting", "start", "lead"), prefix="mtg")
    assert reminder.key("gc", "20270123T1400Z", "1d") == "mtg:gc:20270123T1400Z:1d"
    assert reminder.key_prefix("gc") == "mtg:gc:"
    agenda = JobKind("meeting_agenda", ("meeting", "start"), prefix="mtg", suffix="agenda")
    assert agenda.key("gc", "20270123T1400Z") == "mtg:gc:20270123T1400Z:agenda"
    assert JobKind("nominations.notify", ("nominator_id",)).key(7) == "nominations.notify:7"
    with pytest.raises(TypeError):
        reminder.key("gc")  # a key is never built from some of its parts
    with pytest.raises(TypeError):
        reminder.key_prefix("gc", "20270123T1400Z", "1d")


def test_a_kinds_failure_policy_sets_its_attempts(session_factory: sessionmaker[Session]) -> None:
    clock = ManualClock(T0)
    queue = JobQueue(session_factory, clock)
    attempts: list[tuple[int, bool]] = []

    def flaky(run: JobRun) -> None:
        attempts.append((run.attempt, run.last_attempt))
        raise RetryLater("slack down")

    kind = JobKind("twice", ("id",), attempts=2)
    queue.register(Job(kind, flaky))
    with session_factory.begin() as session:
        kind.schedule(session, 1, due_at=T0)
    for _ in range(5):
        queue.run_due()
        clock.advance(timedelta(hours=1))
    assert attempts == [(1, False), (2, True)]
    assert _job(session_factory, "twice:1").status == "failed"


def test_a_kind_is_registered_once(session_factory: sessionmaker[Session]) -> None:
    queue = JobQueue(session_factory, ManualClock(T0))
    kind = JobKind("once", ("id",))
    queue.register(Job(kind, lambda run: None))
    with pytest.raises(ValueError, match="already registered"):
        queue.register(Job(kind, lambda run: None))


def test_slack_unreachable_is_one_plain_line_and_every_job_is_retried(
    session_factory: sessionmaker[Session], caplog: pytest.LogCaptureFixture
) -> None:
    clock = ManualClock(T0)
    queue = JobQueue(session_factory, clock)
    down = True
    sent: list[str] = []

    def post(run: JobRun) -> None:
        if down:
            raise URLError(ConnectionRefusedError(111, "Connection refused"))
        sent.append(run.key)

    queue.register(Job(JobKind("post", ("n",)), post))
    with session_factory.begin() as session:
        for n in range(3):
            queue.schedule(session, kind="post", key=f"p{n}", due_at=T0)
    with caplog.at_level(logging.INFO, logger="bot.jobs"):
        for _ in range(8):  # Slack is down for hours
            queue.run_due()
            clock.advance(timedelta(hours=1))
        assert {_job(session_factory, f"p{n}").status for n in range(3)} == {"pending"}
        down = False
        clock.advance(timedelta(minutes=5))
        assert queue.run_due() == 3
    assert sorted(sent) == ["p0", "p1", "p2"]
    lines = [r for r in caplog.records if r.name == "bot.jobs"]
    assert [r.getMessage() for r in lines] == [
        "cannot reach Slack (URLError); due jobs wait and are tried again every few minutes",
        "Slack can be reached again; waiting jobs are going out",
    ]
    assert not any(r.exc_info for r in lines)


def test_stop_gives_back_the_job_in_hand_and_the_next_start_runs_it_as_recovered(
    session_factory: sessionmaker[Session],
) -> None:
    clock = ManualClock(T0)
    stopping = JobQueue(session_factory, clock)
    entered = threading.Event()

    def waits_on_slack(run: JobRun) -> None:
        entered.set()
        if stopping.stopping.wait(10):  # as a Slack retry's backoff does (bot/slack_client.py)
            raise Stopping("the bot is stopping")

    stopping.register(Job(JobKind("test", ("id",)), waits_on_slack))
    with session_factory.begin() as session:
        stopping.schedule(session, kind="test", key="k1", due_at=T0)
        stopping.schedule(session, kind="test", key="k2", due_at=T0)
    worker = threading.Thread(target=stopping.run_due)
    worker.start()
    assert entered.wait(10)
    assert stopping.stop(grace=10) is True
    worker.join(10)
    first, second = _job(session_factory, "k1"), _job(session_factory, "k2")
    assert (first.status, first.claimed_by, first.attempts) == ("running", None, 0)  # given back
    assert (second.status, second.attempts) == ("pending", 0)  # never claimed after the stop
    assert stopping.run_due() == 0

    clock.advance(timedelta(seconds=1))
    restarted, ran = _queue(session_factory, clock)
    assert restarted.run_due() == 2
    assert sorted((r.key, r.recovered, r.attempt) for r in ran) == [("k1", True, 1), ("k2", False, 1)]


def test_a_job_still_blocked_after_the_grace_is_given_back_and_its_late_end_changes_nothing(
    session_factory: sessionmaker[Session],
) -> None:
    clock = ManualClock(T0)
    queue = JobQueue(session_factory, clock)
    entered, unblock = threading.Event(), threading.Event()

    def blocked(run: JobRun) -> None:  # a Slack call that does not answer
        entered.set()
        unblock.wait(10)

    queue.register(Job(JobKind("test", ("id",)), blocked))
    with session_factory.begin() as session:
        queue.schedule(session, kind="test", key="k", due_at=T0)
    worker = threading.Thread(target=queue.run_due)
    worker.start()
    assert entered.wait(10)
    assert queue.stop(grace=0.1) is False
    unblock.set()
    worker.join(10)
    job = _job(session_factory, "k")
    assert (job.status, job.claimed_by) == ("running", None)  # left for the next start to look at
