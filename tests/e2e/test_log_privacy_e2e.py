"""Personal data never reaches a log, on the happy paths or the error paths.

Every log record the bot and its libraries write during the whole run is formatted as in
production (bot.logs) and searched for distinctive personal strings, in every encoding they
could take on the way: as typed, URL-encoded (form bodies), JSON-escaped and lower-cased.
"""

from __future__ import annotations

import io
import json
import logging
import sqlite3
import threading
import urllib.parse
from collections.abc import Iterator

import pytest
from sqlalchemy.engine import make_url

from bot import db as bot_db
from bot.logs import RequestBodyFilter, make_formatter
from bot.services import nomination_rules as fields
from bot.slack_requests import slash_command_body
from tests.e2e.harness import BotHarness
from tests.e2e.test_nominations_e2e import (  # noqa: F401 - the fixtures are used by name
    CANDIDATE,
    NOM_1,
    answers,
    bot,
    confirm,
    open_form,
    option_value,
    org,
    submit,
)

NAME = "Xanthippe Vorobyeva"
EMAIL = "xanthippe.v@quillmere.example"
NUMBER = "Q9081726"
STATEMENT = "Zorblatt hollyhock manifesto for the branch"
QUESTION = "Grimsby petunia quorum question"
PERSONAL = (NAME, EMAIL, NUMBER, STATEMENT, QUESTION)
WORDS = ("Xanthippe", "Vorobyeva", "quillmere", "Zorblatt", "hollyhock", "Grimsby", "petunia")


def _encodings(value: str) -> set[str]:
    forms = {
        value,
        urllib.parse.quote_plus(value),
        urllib.parse.quote(value),
        json.dumps(value)[1:-1],
        value.lower(),
    }
    forms |= {word for word in WORDS if word in value}  # a name or a word alone
    forms.add(value.split("@", maxsplit=1)[0])  # an email's local part alone
    return forms


@pytest.fixture
def log_output() -> Iterator[io.StringIO]:
    """Everything logged, at every level, formatted and filtered as `serve` does."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(make_formatter("json"))
    handler.addFilter(RequestBodyFilter())
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield stream
    root.removeHandler(handler)
    root.setLevel(level)


def _assert_nothing_personal(stream: io.StringIO) -> None:
    text = stream.getvalue()
    assert text, "nothing was logged: the test would prove nothing"
    for value in PERSONAL:
        for form in _encodings(value):
            assert form not in text, f"{form!r} (from {value!r}) reached the log"


def test_full_flows_and_error_paths_log_nothing_personal(
    bot: BotHarness,  # noqa: F811 - the fixture imported above
    log_output: io.StringIO,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A nomination with a nominator who is not on Slack, and a confirmation.
    result = submit(
        bot,
        open_form(bot),
        **{
            fields.STATEMENT: STATEMENT,
            fields.NOMINATOR_2_USER: None,
            fields.NOMINATOR_2_NAME: NAME,
            fields.NOMINATOR_2_EMAIL: EMAIL,
            fields.NOMINATOR_2_MEMBERSHIP: NUMBER,
        },
    )
    assert result["response_action"] == "update"
    bot.run_jobs()
    confirm(bot, NOM_1, "345678")
    bot.run_jobs()

    # A question, my-data, then forget-me.
    assert QUESTION in json.dumps(bot.command(f"ask {QUESTION}").json()) or bot.run_jobs() >= 0
    bot.run_jobs()
    bot.command("my-data", user=CANDIDATE)
    bot.fake.wait_for("files.completeUploadExternal")

    # Error paths. A forged request carrying the same data.
    body, content_type = slash_command_body(f"ask {QUESTION} {EMAIL} {NUMBER} {NAME}", user_id=CANDIDATE)
    assert bot.post(body, content_type, signed=False).status == 401
    assert bot.post(body, content_type, headers={"X-Slack-Signature": "v0=1"}, signed=True).status == 401

    # Slack refusing and failing while personal data is being sent.
    bot.fake.fail_next("chat.postMessage", error="channel_not_found", times=2)
    bot.command(f"ask {QUESTION} again")
    bot.run_jobs()
    bot.fake.fail_next("chat.postMessage", status=500, times=3)
    bot.command(f"ask {QUESTION} once more")
    bot.run_jobs()

    # The database failing on an insert: a lock held by another session.
    held = threading.Event()
    release = threading.Event()

    def hold() -> None:
        if database_url.startswith("sqlite"):
            connection = sqlite3.connect(make_url(database_url).database or "", isolation_level=None)
            connection.execute("BEGIN EXCLUSIVE")
            held.set()
            release.wait(10)
            connection.execute("ROLLBACK")
            connection.close()
        else:
            from sqlalchemy import create_engine, text

            engine = create_engine(database_url)
            with engine.connect() as connection:
                connection.execute(text("LOCK TABLE nominations IN ACCESS EXCLUSIVE MODE"))
                connection.execute(text("LOCK TABLE member_regions IN ACCESS EXCLUSIVE MODE"))
                held.set()
                release.wait(10)
                connection.rollback()
            engine.dispose()

    before = len(bot.fake.calls_to("views.update"))
    assert bot.command("nominate", user=NOM_1).status == 200
    view = {**bot.fake.wait_for("views.update", before + 1)[-1]["view"], "id": "VLOCKED01"}
    thread = threading.Thread(target=hold)
    thread.start()
    assert held.wait(10)
    try:
        answer = bot.command("region set americas").json()
        assert "try again" in answer["text"]
        typed = answers(
            **{
                fields.CANDIDATE_USER: NOM_1,
                fields.CANDIDATE_NAME: NAME,
                fields.CANDIDATE_EMAIL: EMAIL,
                fields.CANDIDATE_MEMBERSHIP: NUMBER,
                fields.STATEMENT: STATEMENT,
                fields.NOMINATOR_1_USER: CANDIDATE,
            }
        )
        typed[fields.POSITION] = option_value(view, fields.POSITION, "Secretary")
        # The form is checked and acknowledged without the database; its save, after it, waits
        # for SQLite's lock (here 0.3 s, not 15) and fails: the form comes back, not saved. On
        # PostgreSQL only member_regions is locked, and the nomination is saved.
        monkeypatch.setattr(bot_db, "BACKGROUND_LOCK_TIMEOUT_MS", 300)
        acked = bot.submit_view(NOM_1, view, typed).json()
        assert "Saving your nomination" in json.dumps(acked)
        bot.lazy.wait_idle(30)
    finally:
        release.set()
        thread.join()
    shown = json.dumps([c for c in bot.fake.calls_to("views.update") if c["view_id"] == "VLOCKED01"][-1])
    if database_url.startswith("sqlite"):
        assert "Not saved yet" in shown and "could not reach its database" in shown
    else:
        assert "Nomination saved" in shown

    # Forget-me last: it reads and erases all of the above.
    opened = len(bot.fake.calls_to("views.open"))
    bot.command("forget-me", user=CANDIDATE)
    forget = bot.fake.wait_for("views.open", opened + 1)[-1]["view"]  # not an earlier modal
    assert bot.submit_view(CANDIDATE, forget, {}).status == 200
    # The erasure runs after the acknowledgement: everything it (or anything else) logs is in
    # before the logs are searched.
    bot.settle()
    assert "erased" in json.dumps(
        [c for c in bot.fake.calls_to("chat.postMessage") if c["channel"] == CANDIDATE][-1:]
    )

    _assert_nothing_personal(log_output)
