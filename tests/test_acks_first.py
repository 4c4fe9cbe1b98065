"""Work after the acknowledgement gives way to requests being answered (bot/acks_first.py).

Each test orders events with threading.Event and checks the order, never a duration."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator

import pytest

from bot import acks_first
from bot.acks_first import AcksFirst
from bot.config import Settings
from bot.fake_slack import FakeSlack
from bot.server import UntilWritten
from bot.slack_client import make_web_client


def inside_in_another_thread(
    inside: Callable[[], contextlib.AbstractContextManager[object]],
) -> tuple[threading.Event, threading.Event, threading.Thread]:
    """(it began, let it end, the thread): another thread is inside ``inside()`` until released."""
    began, release = threading.Event(), threading.Event()

    def run() -> None:
        with inside():
            began.set()
            release.wait(30)

    thread = threading.Thread(target=run)
    thread.start()
    assert began.wait(10)
    return began, release, thread


def answer_in_another_thread(acks: AcksFirst) -> tuple[threading.Event, threading.Event, threading.Thread]:
    """A request is being answered until released."""
    return inside_in_another_thread(acks.answering)


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


# One thread of work at a time (WorkTurn) -----------------------------------------------------
def holding(turn: acks_first.WorkTurn) -> tuple[threading.Event, threading.Event, threading.Thread]:
    """Another thread's work holds the turn until released."""
    return inside_in_another_thread(turn.taken)


def test_work_takes_turns_one_thread_at_a_time() -> None:
    turn = acks_first.WorkTurn(max_wait=60)
    _, release, thread = holding(turn)
    lock, asking = turn._lock, threading.Event()

    class Watched:
        """The turn's lock, telling when a thread has begun to wait for it."""

        def acquire(self, timeout: float = -1) -> bool:
            asking.set()
            return lock.acquire(timeout=timeout)

        def release(self) -> None:
            lock.release()

    turn._lock = Watched()  # type: ignore[assignment]
    ran = threading.Event()
    order: list[bool] = []

    def second() -> None:
        with turn.taken():
            order.append(release.is_set() and turn.held())
            ran.set()

    other = threading.Thread(target=second)
    other.start()
    # The second is waiting for the turn and has not run: proven by events, not a duration.
    assert asking.wait(10)
    assert not ran.is_set()
    release.set()
    thread.join(10)
    assert ran.wait(10)
    other.join(10)
    assert order == [True]


def test_a_turn_held_long_delays_other_work_never_stops_it() -> None:
    turn = acks_first.WorkTurn(max_wait=0.01)
    _, release, thread = holding(turn)
    try:
        with turn.taken():  # the first still holds it: this one runs without it
            assert not turn.held()
    finally:
        release.set()
        thread.join(10)
    with turn.taken():
        assert turn.held()


def test_work_waiting_for_slack_hands_the_turn_on_and_takes_it_back() -> None:
    turn = acks_first.WorkTurn(max_wait=60)
    ran_meanwhile = threading.Event()
    with turn.taken():
        with turn.given_back():
            assert not turn.held()

            # Another thread's work runs while this one waits.
            def other_work() -> None:
                with turn.taken():
                    assert turn.held()
                    ran_meanwhile.set()

            other = threading.Thread(target=other_work)
            other.start()
            assert ran_meanwhile.wait(10)
            other.join(10)
        assert turn.held()
        with turn.taken():  # nested: the outer one has it
            assert turn.held()
        assert turn.held()
    assert not turn.held()
    with turn.given_back():  # a thread without the turn (a request being answered) gives none
        assert not turn.held()


def test_the_work_runs_in_its_turn_and_web_api_calls_hand_it_on(monkeypatch: pytest.MonkeyPatch) -> None:
    """The executor of the work after acknowledgements, a delayed update (`run_later`) and a job tick run holding
    the process's turn; a Web API call made by such work hands it on while Slack answers."""
    from concurrent.futures import ThreadPoolExecutor

    from bot import scheduler
    from bot.acks_first import WORK_TURN, SwitchingExecutor
    from bot.deps import run_later

    monkeypatch.setattr(WORK_TURN, "max_wait", 60)
    seen: dict[str, bool] = {}
    executor = SwitchingExecutor(ThreadPoolExecutor(1))
    executor.submit(lambda: seen.setdefault("after an ack", WORK_TURN.held())).result(10)
    executor.shutdown()
    done = threading.Event()
    run_later(0, lambda: (seen.setdefault("run_later", WORK_TURN.held()), done.set()))
    assert done.wait(10)

    class Queue:
        def run_due(self) -> int:
            seen["job tick"] = WORK_TURN.held()
            return 0

    scheduler._tick(Queue())  # type: ignore[arg-type]
    assert seen == {"after an ack": True, "run_later": True, "job tick": True}

    fake = FakeSlack().start()
    free_during_call: list[bool] = []

    def while_slack_answers(_params: object) -> None:
        # The stand-in answers on its own thread: another thread's work could take the turn now.
        took = WORK_TURN._lock.acquire(blocking=False)
        free_during_call.append(took)
        if took:
            WORK_TURN._lock.release()

    fake.on("chat.postMessage", while_slack_answers)
    try:
        client = make_web_client(Settings(slack_bot_token="xoxb-t", slack_api_url=fake.api_url))
        with WORK_TURN.taken():
            client.chat_postMessage(channel="C1", text="hi")
            assert WORK_TURN.held()  # taken back once Slack has answered
    finally:
        fake.stop()
    assert free_during_call == [True]


def test_work_after_an_acknowledgement_begins_by_giving_way(patient: AcksFirst) -> None:
    """The work is started while its own request's answer is still to be written
    (bot/listeners.py): it runs nothing of its own until that answer has ended."""

    def work() -> None:
        with acks_first.working():
            pass

    assert ended_first(patient, work)


def _answer_of_a_command() -> tuple[UntilWritten, list[str]]:
    """The server's WSGI answer to a signed slash command, not yet taken by the server."""
    import io

    from slack_bolt import App
    from slack_bolt.authorization import AuthorizeResult

    from bot.server import EVENTS_PATH, make_wsgi_app
    from bot.slack_requests import signed_headers, slash_command_body

    secret = "test-secret"
    app = App(
        signing_secret=secret,
        # No Web API call: the answer is all this test reads.
        authorize=lambda **_: AuthorizeResult(enterprise_id=None, team_id="T0001", bot_token="xoxb-t"),
        request_verification_enabled=False,
        process_before_response=True,
    )
    app.command("/liec")(lambda ack: ack("hi"))
    body, content_type = slash_command_body("role secretary")
    environ: dict[str, object] = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": EVENTS_PATH,
        "QUERY_STRING": "",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "CONTENT_TYPE": content_type,
        "CONTENT_LENGTH": str(len(body.encode())),
        "wsgi.input": io.BytesIO(body.encode()),
    }
    for name, value in signed_headers(secret, body).items():
        environ["HTTP_" + name.upper().replace("-", "_")] = value
    statuses: list[str] = []
    answer = make_wsgi_app(app, signing_secret=secret)(environ, lambda status, _h: statuses.append(status))
    assert isinstance(answer, UntilWritten)
    return answer, statuses


@pytest.mark.parametrize("ends", ["taken", "closed"])
def test_a_request_is_being_answered_until_the_server_has_taken_its_answer(
    patient: AcksFirst, ends: str
) -> None:
    """bot/server.py: from the dispatch until the server has taken the answer's last chunk
    (waitress writes each to the socket as it takes it), or has closed it (PEP 3333)."""
    answer, statuses = _answer_of_a_command()
    assert statuses == ["200 OK"]
    given_way = threading.Event()
    worker = threading.Thread(target=lambda: (patient.give_way(), given_way.set()))
    worker.start()
    while patient.waiting == 0 and worker.is_alive():  # held at the gate: no fixed sleep
        time.sleep(0.001)
    assert not given_way.is_set()
    if ends == "taken":
        assert b"hi" in b"".join(answer)
    else:
        answer.close()
    assert given_way.wait(10)  # not the 60 s bound
    worker.join(10)
    answer.close()  # closed again after being taken: it ended once, so nothing is left answering
    finished = threading.Event()
    worker = threading.Thread(target=lambda: (patient.give_way(), finished.set()))
    worker.start()
    assert finished.wait(10)  # not the 60 s bound
    worker.join(10)
