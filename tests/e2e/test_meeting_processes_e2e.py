"""Reminders across real bot processes: killed with SIGKILL and restarted, and two processes
sharing one PostgreSQL database. Each process runs the real job queue and scheduler tick
(tests/e2e/meeting_worker.py) with a clock started at a chosen instant."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, select

from bot import db
from bot.fake_slack import FakeSlack
from models.foundation import ScheduledJob
from models.meetings import MeetingPost
from tests.e2e.harness import example_org

ROOT = Path(__file__).resolve().parents[2]
T0 = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


class Worker:
    def __init__(self, fake: FakeSlack, database_url: str, org_file: Path, start: datetime) -> None:
        env = {
            **os.environ,
            "LIEC_WORKER_DB": database_url,
            "LIEC_WORKER_API": fake.api_url,
            "LIEC_WORKER_ORG": str(org_file),
            "LIEC_WORKER_START": start.isoformat(),
            "PYTHONPATH": str(ROOT),
        }
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.e2e.meeting_worker"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def wait_ready(self, timeout: float = 60) -> None:
        assert self.process.stdout is not None
        deadline = time.monotonic() + timeout
        line = self.process.stdout.readline()
        if line.strip() != "ready" or time.monotonic() > deadline:
            self.stop()
            _out, err = self.process.communicate(timeout=10)
            raise AssertionError(f"worker did not start: {line!r} {err[-2000:]}")

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def finish(self, timeout: float = 30) -> None:
        """SIGTERM, and wait for the exit: the scheduler's tick in hand runs to its end first
        (meeting_worker.py shuts it down waiting), so whatever this process was posting is
        posted by then, and a count taken after is final."""
        self.process.send_signal(signal.SIGTERM)
        try:
            _out, err = self.process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError(f"the worker did not stop within {timeout} s") from None
        assert self.process.returncode == 0, err[-2000:]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def workers() -> Iterator[list[Worker]]:
    started: list[Worker] = []
    yield started
    for worker in started:
        worker.stop()


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    slack = FakeSlack().start()
    yield slack
    slack.stop()
    assert slack.invalid == []


def org_file(tmp_path: Path, meetings: list[dict[str, Any]]) -> Path:
    org = example_org()
    org["meetings"] = meetings
    org["digest"] = {"weekday": "sunday", "time": "23:00", "timezone": "Europe/London"}
    path = tmp_path / "org.json"
    path.write_text(json.dumps(org, default=str))
    return path


def reminder_keys(fake: FakeSlack) -> list[str]:
    return [
        c["metadata"]["event_payload"]["key"]
        for c in fake.calls_to("chat.postMessage")
        if (c.get("metadata") or {}).get("event_payload", {}).get("kind") == "meeting_reminder"
    ]


def wait_until_reminders_finished(database_url: str, count: int, timeout: float = 60) -> None:
    """Wait until the database shows all `count` reminder jobs done, each with its post
    recorded, and no job running in any process: then none of them is due again."""
    engine = db.make_engine(database_url)
    try:
        deadline = time.monotonic() + timeout
        while True:
            with engine.connect() as conn:
                jobs = conn.execute(select(ScheduledJob.key, ScheduledJob.status)).all()
                recorded = set(conn.execute(select(MeetingPost.key)).scalars())
            reminders = {key: status for key, status in jobs if key.startswith("mtg:")}
            finished = len(reminders) == count and set(reminders.values()) == {"done"}
            if finished and set(reminders) <= recorded and all(s != "running" for _, s in jobs):
                return
            assert time.monotonic() < deadline, f"the reminders did not finish: {Counter(reminders.values())}"
            time.sleep(0.1)
    finally:
        engine.dispose()


def finish(workers: list[Worker]) -> None:
    """Stop every process and wait for each to exit: a duplicate still on its way when the
    jobs were seen done is posted by then, so "each once" is a finding, not a guess."""
    for worker in workers:
        worker.finish()


def outcomes(database_url: str) -> dict[str, str]:
    engine = db.make_engine(database_url)
    try:
        with engine.connect() as conn:
            return dict(conn.execute(select(MeetingPost.key, MeetingPost.outcome)).all())
    finally:
        engine.dispose()


def test_a_bot_killed_before_its_reminders_sends_each_once_after_restart(
    fake: FakeSlack, database_url: str, tmp_path: Path, workers: list[Worker]
) -> None:
    path = org_file(
        tmp_path,
        [
            {
                "name": "On time",
                "channel": "C0ONE",
                "start": "2026-11-23 12:10",
                "timezone": "Europe/London",
                "reminders": ["5m"],
            },
            {
                "name": "Late",
                "channel": "C0TWO",
                "start": "2026-11-23 12:10",
                "timezone": "Europe/London",
                "reminders": ["9m"],
            },
        ],
    )
    first = Worker(fake, database_url, path, T0)
    workers.append(first)
    first.wait_ready()
    first.kill()  # SIGKILL at 12:00, before either reminder (12:01 and 12:05)
    assert reminder_keys(fake) == []
    engine = create_engine(db.normalise_url(database_url))
    with engine.connect() as conn:
        pending = set(
            conn.execute(select(ScheduledJob.key).where(ScheduledJob.status == "pending")).scalars()
        )
    engine.dispose()
    assert {"mtg:on-time:20261123T1210Z:5m", "mtg:late:20261123T1210Z:9m"} <= pending

    second = Worker(fake, database_url, path, datetime(2026, 11, 23, 12, 7, tzinfo=UTC))
    workers.append(second)
    second.wait_ready()
    wait_until_reminders_finished(database_url, 2)
    finish([second])
    assert sorted(reminder_keys(fake)) == ["mtg:late:20261123T1210Z:9m", "mtg:on-time:20261123T1210Z:5m"]
    got = outcomes(database_url)
    assert got["mtg:on-time:20261123T1210Z:5m"] == "sent"  # two minutes after it was due
    assert got["mtg:late:20261123T1210Z:9m"] == "sent_late"  # six minutes after: marked late
    late = next(c for c in fake.calls_to("chat.postMessage") if c.get("channel") == "C0TWO")
    assert late["text"].startswith("(Sent late)")


@pytest.mark.postgres
@pytest.mark.parametrize("trial", range(3))
def test_two_processes_on_postgresql_send_each_reminder_once(
    trial: int, fake: FakeSlack, postgres_database_url: str, tmp_path: Path, workers: list[Worker]
) -> None:
    meetings = [
        {
            "name": f"Meeting {n}",
            "channel": f"C0CH{n % 10}",
            "start": "2026-11-23 12:10",
            "timezone": "Europe/London",
            "reminders": ["9m"],
        }
        for n in range(60)
    ]
    path = org_file(tmp_path, meetings)
    # Both start together (racing to plan the same jobs) ten seconds before all 60 fall due:
    # on a loaded machine starting takes seconds, and a reminder already past when a process
    # first plans is not planned, so a shorter lead made the test fail for want of time.
    start = datetime(2026, 11, 23, 12, 0, 50, tzinfo=UTC)
    pair = [Worker(fake, postgres_database_url, path, start) for _ in range(2)]
    workers.extend(pair)
    for worker in pair:
        worker.wait_ready()
    wait_until_reminders_finished(postgres_database_url, 60)
    finish(pair)
    sent = Counter(reminder_keys(fake))
    assert len(sent) == 60, f"trial {trial}: {len(sent)} of 60 reminders posted"
    assert [key for key, count in sent.items() if count > 1] == []
    assert set(outcomes(postgres_database_url).values()) == {"sent"}
