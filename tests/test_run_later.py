"""`AppDeps.later`'s production form: work after a delay, on a thread of its own."""

from __future__ import annotations

import logging
import threading
import time

import pytest

from bot.deps import run_later


def test_the_work_runs_once_after_the_delay_on_another_thread() -> None:
    ran: list[tuple[float, str]] = []
    done = threading.Event()
    asked = time.monotonic()
    run_later(0.05, lambda: (ran.append((time.monotonic(), threading.current_thread().name)), done.set()))
    assert done.wait(5)
    [(at, thread)] = ran
    assert at >= asked + 0.05
    assert thread != threading.current_thread().name


def test_a_failure_is_logged_and_goes_no_further(caplog: pytest.LogCaptureFixture) -> None:
    done = threading.Event()

    def broken() -> None:
        done.set()
        raise RuntimeError("details that stay out of the log line")

    run_later(0.0, broken)
    assert done.wait(5)
    deadline = time.monotonic() + 5
    while not caplog.records and time.monotonic() < deadline:
        time.sleep(0.01)  # the log line follows the raise, on the timer's thread
    assert [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR] == ["delayed work failed"]
