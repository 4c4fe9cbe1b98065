"""Work after the acknowledgement gives way to requests being answered (bot/acks_first.py).

Each test orders events with threading.Event and checks the order, never a duration."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator

import pytest

from bot import acks_first
from bot.acks_first import AcksFirst
from bot.config import Settings
from bot.fake_slack import FakeSlack
from bot.slack_client import make_web_client


def answer_in_another_thread(acks: AcksFirst) -> tuple[threading.Event, threading.Event, threading.Thread]:
    """(answering began, let it end, the thread): a request is being answered until released."""
    began, release = threading.Event(), threading.Event()

    def answer() -> None:
        with acks.answering():
            began.set()
            release.wait(30)

    thread = threading.Thread(target=answer)
    thread.start()
    assert began.wait(10)
    return began, release, thread


def ended_first(acks: AcksFirst, work: Callable[[], object]) -> bool:
    """Whether `work`, started while another thread answers a request, ran only after that
    answer ended."""
    _, release, thread = answer_in_another_thread(acks)
    ended = threading.Event()
    seen: list[bool] = []

    def after_the_ack() -> None:
        work()
        seen.append(ended.is_set())

    worker = threading.Thread(target=after_the_ack)
    worker.start()
    # Until the work either is held at the gate or has run: no fixed sleep.
    while acks.waiting == 0 and worker.is_alive():
        time.sleep(0.001)
    ended.set()
    release.set()
    thread.join(10)
    worker.join(10)
    return seen == [True]


def test_nothing_waits_when_no_request_is_being_answered() -> None:
    acks = AcksFirst(max_wait=60)
    finished = threading.Event()
    worker = threading.Thread(target=lambda: (acks.give_way(), finished.set()))
    worker.start()
    assert finished.wait(10)  # not the 60 s bound


def test_work_waits_until_the_answer_is_given() -> None:
    acks = AcksFirst(max_wait=60)
    assert ended_first(acks, acks.give_way)


def test_the_thread_answering_never_waits_for_itself_or_another_answer() -> None:
    acks = AcksFirst(max_wait=60)
    _, release, thread = answer_in_another_thread(acks)
    inside = threading.Event()

    def answer() -> None:
        with acks.answering():
            acks.give_way()  # another request is being answered too: this one goes on
            inside.set()

    answering = threading.Thread(target=answer)
    answering.start()
    assert inside.wait(10)
    release.set()
    thread.join(10)
    answering.join(10)


def test_work_is_delayed_never_starved() -> None:
    acks = AcksFirst(max_wait=0.05)
    _, release, thread = answer_in_another_thread(acks)
    finished = threading.Event()
    worker = threading.Thread(target=lambda: (acks.give_way(), finished.set()))
    worker.start()
    assert finished.wait(10)  # while the answer still goes on
    release.set()
    thread.join(10)


@pytest.fixture
def patient(monkeypatch: pytest.MonkeyPatch) -> Iterator[AcksFirst]:
    """The process's gate, waiting as long as an answer takes (so the order shows)."""
    monkeypatch.setattr(acks_first.ACKS_FIRST, "max_wait", 60)
    yield acks_first.ACKS_FIRST


def test_the_database_and_slack_calls_of_the_work_give_way(patient: AcksFirst) -> None:
    fake = FakeSlack().start()
    try:
        client = make_web_client(Settings(slack_bot_token="xoxb-t", slack_api_url=fake.api_url))
        assert ended_first(patient, lambda: client.chat_postMessage(channel="C1", text="hi"))
    finally:
        fake.stop()


def test_the_interpreter_switches_often_only_while_some_work_runs() -> None:
    """`ShortSwitches`: the short interval from the first work in until the last is out, in
    any thread; the resting one before and after."""
    import sys

    from bot.acks_first import ShortSwitches

    before = sys.getswitchinterval()
    switches = ShortSwitches(short=0.001, resting=0.004)
    inside, release = threading.Event(), threading.Event()

    def other_work() -> None:
        with switches.working():
            inside.set()
            release.wait(30)

    try:
        sys.setswitchinterval(0.004)
        with switches.working():
            assert sys.getswitchinterval() == pytest.approx(0.001)
            with switches.working():  # nested
                pass
            assert sys.getswitchinterval() == pytest.approx(0.001)
            thread = threading.Thread(target=other_work)
            thread.start()
            assert inside.wait(10)
        assert sys.getswitchinterval() == pytest.approx(0.001)  # the other thread still works
        release.set()
        thread.join(10)
        assert sys.getswitchinterval() == pytest.approx(0.004)
    finally:
        release.set()
        sys.setswitchinterval(before)


def test_a_job_tick_switches_often_while_it_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    from bot import scheduler

    seen: list[float] = []

    class Queue:
        def run_due(self) -> int:
            seen.append(sys.getswitchinterval())
            return 0

    before = sys.getswitchinterval()
    try:
        scheduler._tick(Queue())  # type: ignore[arg-type]
        assert seen == [pytest.approx(acks_first.SWITCH_INTERVAL)]
        assert sys.getswitchinterval() == pytest.approx(acks_first.RESTING_SWITCH_INTERVAL)
    finally:
        sys.setswitchinterval(before)
