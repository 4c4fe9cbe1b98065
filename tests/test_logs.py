"""Structured logs: one JSON object (or key=value line) per record, nothing secret or personal."""

from __future__ import annotations

import io
import json
import logging
import threading
from collections.abc import Iterator

import pytest

from bot.logs import KeyValueFormatter, make_formatter, redact, setup_logging


@pytest.fixture
def captured() -> Iterator[tuple[logging.Logger, io.StringIO]]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(make_formatter("json"))
    logger = logging.getLogger("tests.logs")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    yield logger, stream
    logger.removeHandler(handler)
    logger.propagate = True


def _records(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_each_record_is_one_json_object_on_one_line(captured: tuple[logging.Logger, io.StringIO]) -> None:
    logger, stream = captured
    logger.info(
        "question asked id=%s region=%s", 42, "americas", extra={"job": "questions.deliver", "attempt": 2}
    )
    logger.warning("two\nlines")
    records = _records(stream)
    assert len(records) == 2
    first = records[0]
    assert first["msg"] == "question asked id=42 region=americas"
    assert first["level"] == "INFO" and first["logger"] == "tests.logs"
    assert first["job"] == "questions.deliver" and first["attempt"] == 2
    assert str(first["time"]).endswith("+00:00")
    assert records[1]["msg"] == "two\nlines"


def test_tokens_emails_and_membership_numbers_never_reach_the_log(
    captured: tuple[logging.Logger, io.StringIO],
) -> None:
    logger, stream = captured
    logger.info(
        "nomination by jo.bloggs@example.org number L1234567 with token xoxb-111-222-abc",
        extra={"candidate": "membership 12345678", "header": "Bearer xapp-1-A0-xyz"},
    )
    try:
        raise RuntimeError("failed for someone@example.com token=xoxp-9-9-9 number=7654321")
    except RuntimeError:
        logger.exception("delivery failed")
    text = stream.getvalue()
    for secret in (
        "jo.bloggs@example.org",
        "L1234567",
        "xoxb-111",
        "12345678",
        "xapp-1",
        "someone@example.com",
        "xoxp-9",
        "7654321",
    ):
        assert secret not in text
    records = _records(stream)
    assert "<email>" in str(records[0]["msg"]) and "<number>" in str(records[0]["msg"])
    assert "<token>" in str(records[0]["header"])
    assert "Traceback" in str(records[1]["exc"]) and "<token>" in str(records[1]["exc"])
    assert len(stream.getvalue().splitlines()) == 2  # the traceback stays inside its record


@pytest.mark.parametrize(
    "kept",
    [
        "slack ts 1700000000.000100",
        "listening on 127.0.0.1:54321",
        "question_id=123456 and id=98765",
        "took 12345ms",
        "on 2026-11-23 at 10:00",
        "version 1.123456",
        "channel C0123456789 user U0MEMBER",
    ],
)
def test_ordinary_numbers_and_slack_ids_stay_readable(kept: str) -> None:
    assert redact(kept) == kept


@pytest.mark.parametrize("number", ["12345", "L1234567", "a12345678"])
def test_membership_numbers_are_masked_wherever_they_stand(number: str) -> None:
    for text in (number, f"({number})", f"number:{number}", f"is {number}.", f'"{number}"'):
        assert number not in redact(text)


def test_key_value_lines_quote_what_needs_quoting() -> None:
    record = logging.LogRecord("bot", logging.INFO, __file__, 1, "sent to %s", ("a b",), None)
    line = KeyValueFormatter().format(record)
    assert "level=INFO" in line and "logger=bot" in line and 'msg="sent to a b"' in line
    assert "\n" not in line


def test_setup_logging_writes_json(capsys: pytest.CaptureFixture[str]) -> None:
    root = logging.getLogger()
    saved, level = root.handlers[:], root.level
    try:
        setup_logging("INFO")
        logging.getLogger("bot.test").info("hello token xoxb-1-2-3")
        err = capsys.readouterr().err.strip().splitlines()[-1]
        assert json.loads(err)["msg"] == "hello token <token>"
    finally:
        root.handlers[:] = saved
        root.setLevel(level)


def test_an_idle_scheduler_logs_nothing_per_tick(caplog: pytest.LogCaptureFixture) -> None:
    from bot.scheduler import build_scheduler

    setup_logging("INFO")
    ticked = threading.Event()
    ticks: list[int] = []

    class Queue:
        def run_due(self) -> int:
            ticks.append(1)
            if len(ticks) >= 3:
                ticked.set()
            return 0

    scheduler = build_scheduler(Queue(), tick_seconds=0.02)  # type: ignore[arg-type]
    scheduler.start()
    try:
        assert ticked.wait(10)
    finally:
        scheduler.shutdown(wait=True)
    assert [r.getMessage() for r in caplog.records if r.name.startswith("apscheduler")] == []


MEMBERS_WORDS = " ".join(["Zebedee", "Quarrington"])  # never written whole in a traced line


def test_a_postgresql_error_never_logs_the_row_it_quotes(
    captured: tuple[logging.Logger, io.StringIO], postgres_database_url: str
) -> None:
    # A real server error: PostgreSQL's DETAIL quotes the failing row, a member's words in it.
    from sqlalchemy import text

    from bot.db import make_engine

    engine = make_engine(postgres_database_url)
    logger, stream = captured
    try:
        with engine.begin() as connection:
            connection.execute(text("CREATE TEMP TABLE t (name text, statement text NOT NULL)"))
            connection.execute(text("INSERT INTO t VALUES (:name, NULL)"), {"name": MEMBERS_WORDS})
    except Exception:
        logger.exception("unhandled error type=view_submission")
    finally:
        engine.dispose()
    written = stream.getvalue()
    assert "not-null constraint" in written  # the error itself is logged...
    assert MEMBERS_WORDS not in written  # ...not the row it quotes
