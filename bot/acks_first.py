"""Acknowledgements first: work after the acknowledgement gives way to requests being answered.

Slack shows the member an error when a request is not acknowledged within 3 s
(https://api.slack.com/interactivity/handling#acknowledgment_response); the work after it
(bot/listeners.py) and the jobs have no such deadline of their own. One Python process runs
one thread at a time, so under load an acknowledgement otherwise waits its turn behind the work
of earlier requests. Here a thread doing such work, when it begins (``working()``) and at each
point where it is about to talk to the database or to Slack (``AppDeps.read``/``write``, every
Web API call), first waits while any request is being answered, from its dispatch until the
server has written its answer (bot/server.py): at most ``MAX_WAIT`` seconds each time, so it is
delayed, never starved (a modal must still open within its trigger's 3 s). A thread answering a
request never waits here.

Such work also takes turns with itself (``WorkTurn``): its threads run their Python one at a
time, handing the turn on while they wait for Slack. A request needing the interpreter then
competes with one thread of work, not with every one of them.
"""

from __future__ import annotations

import contextlib
import functools
import sys
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")

MAX_WAIT = 0.01
"""Seconds one give-way waits at most."""
SWITCH_INTERVAL = 0.001
"""Seconds a thread runs Python before the interpreter lets another waiting thread run
(``sys.setswitchinterval``) while work after an acknowledgement or a job runs
(``ShortSwitches``). Between its waits above, such work (building a list, a modal) runs
stretches of pure Python; a request arriving meanwhile waits for the interpreter up to this
long each time it needs it. In `bench.at_scale` at concurrency 10 it brought `nominate`,
`nominations mine` and `meetings` from 4.8x, 6.8x and 3.7x the floor to 3.9x, 4.8x and 2.6x,
the same CPU per request."""
RESTING_SWITCH_INTERVAL = 0.005
"""The same, while no such work runs: CPython's default. Requests alone (the role card) pass the
interpreter between them at every read and write of their sockets; switching every millisecond
as well only cost them: `/liec role secretary` at concurrency 10 was 1.59x the bare floor's p99
(median of three runs) with 1 ms throughout, 1.45x with 5 ms (bench/README.md)."""


class ShortSwitches:
    """The interpreter switches threads every ``short`` seconds while any work after an
    acknowledgement or any job runs (``working()``), every ``resting`` seconds otherwise: a
    request gets the interpreter sooner from such work, and requests alone do not pay for
    switches that wait for nothing. Thread-safe; ``working()`` may be nested."""

    def __init__(self, short: float = SWITCH_INTERVAL, resting: float = RESTING_SWITCH_INTERVAL) -> None:
        self.short = short
        self.resting = resting
        self._running = 0
        self._lock = threading.Lock()

    @contextlib.contextmanager
    def working(self) -> Iterator[None]:
        with self._lock:
            self._running += 1
            if self._running == 1:
                sys.setswitchinterval(self.short)
        try:
            yield
        finally:
            with self._lock:
                self._running -= 1
                if self._running == 0:
                    sys.setswitchinterval(self.resting)


SHORT_SWITCHES = ShortSwitches()
"""The process's one: the switch interval is the interpreter's."""


TURN_MAX_WAIT = 0.05
"""Seconds a thread of work waits at most for its turn (``WorkTurn``) before it runs anyway:
a long stretch of one (a CSV of 2,000 rows) or one waiting on the database delays the others,
never stops them."""


class WorkTurn:
    """Work after acknowledgements and jobs run their Python one thread at a time.

    The interpreter hands itself to whichever waiting thread the system wakes; with five
    threads of such work runnable, a request being answered waited behind each of them in
    turn, at each of the several points where it needs the interpreter (reading the request,
    dispatching it, writing the answer). Taking turns, one thread of work runs while the others
    wait here, outside the interpreter. In `bench.at_scale` at concurrency 10 (a tenth of the
    data, 300 requests a surface, runs minutes apart) `nominations mine`, `home (member)` and a
    nomination submission were acknowledged at a p50 of 3.5, 2.1 and 3.4 ms instead of 7.3, 4.8
    and 3.9 (p99 16.4, 6.2 and 26.9 instead of 15.5, 13.0 and 31.3), and their work ended
    sooner (done p50 41, 43 and 254 ms instead of 43, 48 and 254).

    A thread hands the turn on while it waits for Slack (``given_back``): a Web API call takes
    a tenth of a second and more, and others' work goes on meanwhile. A database statement
    keeps it: handing it on during each (tried) let ten Home tabs advance in lockstep, a
    statement each in turn, so that all of them ended late (PostgreSQL at concurrency 10: the
    admins' tab done at p99 316 ms against 168, and the acknowledgements' p99 worse too).
    Waits are bounded (``max_wait``), so a thread holding the turn for long delays the rest,
    never blocks them. Thread-safe; ``taken()`` may be nested (the inner one does nothing)."""

    def __init__(self, max_wait: float = TURN_MAX_WAIT) -> None:
        self.max_wait = max_wait
        self._lock = threading.Lock()
        self._local = threading.local()

    def held(self) -> bool:
        """Whether this thread holds the turn now."""
        return getattr(self._local, "held", None) is True

    @contextlib.contextmanager
    def taken(self) -> Iterator[None]:
        """Run the body holding the turn (or without it, once ``max_wait`` has passed)."""
        if getattr(self._local, "held", None) is not None:  # nested: the outer one has it
            yield
            return
        self._local.held = self._lock.acquire(timeout=self.max_wait)
        try:
            yield
        finally:
            if self._local.held:
                self._lock.release()
            self._local.held = None

    @contextlib.contextmanager
    def given_back(self) -> Iterator[None]:
        """Around a wait outside Python (a Web API call): others take the turn meanwhile; it is
        taken again (bounded) before the body's caller goes on. Does nothing on a thread that
        does not hold it (a request being answered never takes it)."""
        if not self.held():
            yield
            return
        self._lock.release()
        self._local.held = False
        try:
            yield
        finally:
            self._local.held = self._lock.acquire(timeout=self.max_wait)


WORK_TURN = WorkTurn()
"""The process's one: the interpreter is the process's."""


@contextlib.contextmanager
def working() -> Iterator[None]:
    """Around any work after an acknowledgement or job: it first gives way to requests being
    answered (``AcksFirst.give_way``: work after an acknowledgement is started while that
    acknowledgement is still to be written), then runs with short switches
    (``ShortSwitches``) and one thread of work at a time (``WorkTurn``)."""
    ACKS_FIRST.give_way()
    with SHORT_SWITCHES.working(), WORK_TURN.taken():
        yield


class SwitchingExecutor(Executor):
    """Runs each callable on ``inner`` inside ``working()``: the work after acknowledgements
    (``AppDeps.after_ack``, bot/listeners.py)."""

    def __init__(self, inner: Executor) -> None:
        self._inner = inner

    def submit(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> Future[T]:
        return self._inner.submit(self._run, functools.partial(fn, *args, **kwargs))

    def _run(self, work: Callable[[], T]) -> T:
        with working():
            return work()

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self._inner.shutdown(wait=wait, cancel_futures=cancel_futures)


class AcksFirst:
    def __init__(self, max_wait: float = MAX_WAIT) -> None:
        self.max_wait = max_wait
        self._answering = 0
        self.waiting = 0  # threads in give_way now (what the tests watch)
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._local = threading.local()

    def answering(self) -> _Answering:
        """Around the answer to one request (its dispatch and acknowledgement): other threads'
        work gives way meanwhile, and this thread never does."""
        return _Answering(self)

    def _begin(self) -> bool:
        with self._lock:
            self._answering += 1
        was = getattr(self._local, "answering", False)
        self._local.answering = True
        return bool(was)

    def _end(self, was: bool) -> None:
        self._local.answering = was
        with self._lock:
            self._answering -= 1
            if self._answering == 0 and self.waiting:
                self._idle.notify_all()

    def give_way(self) -> None:
        """Wait (at most ``max_wait`` s) until no request is being answered; at once when none
        is, or when this thread is answering one."""
        if self._answering == 0 or getattr(self._local, "answering", False):
            return
        with self._idle:
            self.waiting += 1
            try:
                self._idle.wait_for(lambda: self._answering == 0, timeout=self.max_wait)
            finally:
                self.waiting -= 1


class _Answering:
    """``AcksFirst.answering()``: a plain context manager (it runs on every request)."""

    __slots__ = ("_acks", "_was")

    def __init__(self, acks: AcksFirst) -> None:
        self._acks = acks
        self._was = False

    def __enter__(self) -> None:
        self._was = self._acks._begin()

    def __exit__(self, *_: object) -> None:
        self._acks._end(self._was)


ACKS_FIRST = AcksFirst()
"""The process's one: the interpreter runs one thread at a time for all of them."""
