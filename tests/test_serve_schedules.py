"""`python -m bot serve --http` runs the scheduler beside its HTTP server: a reminder due in a
few seconds is posted once, through the real entry point."""

from __future__ import annotations

import contextlib
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

from bot.fake_slack import FakeSlack
from tests.processes import STARTED_WITHIN, bot_env, free_port, org_file_with_one_reminder, stop_serving


def test_serve_posts_a_due_reminder_once(tmp_path: Path) -> None:
    fake = FakeSlack().start()
    org_file_with_one_reminder(tmp_path, due_in=timedelta(seconds=STARTED_WITHIN))
    env = bot_env(
        tmp_path,
        SLACK_BOT_TOKEN="xoxb-serve-test",
        SLACK_SIGNING_SECRET="serve-secret",
        SLACK_API_URL=fake.api_url,
        LIEC_CONFIG=str(tmp_path / "liec.yml"),
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "serve", "--http", "--port", str(free_port()), "--tick", "0.5"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        posts = fake.wait_for("chat.postMessage", 1, timeout=45)
        key = posts[0]["metadata"]["event_payload"]["key"]
        # The reminder's job is over (not pending again, not running) and its post recorded;
        # then the stop ends whatever else the bot had in hand: the count below is final.
        _wait_until_finished(tmp_path / "bot.db", key)
        stop_serving(process)
        posts = [p for p in fake.calls_to("chat.postMessage") if p.get("channel") == "C0CHAIRS"]
        assert len(posts) == 1
        assert "Branch chairs" in str(posts[0]["blocks"])
        assert posts[0]["metadata"]["event_payload"]["key"] == key
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
        fake.stop()


def _wait_until_finished(database: Path, key: str, timeout: float = 30) -> None:
    """Wait until the job `key` is done (so not due again), its post is recorded as sent, and
    no job of the bot's is running. A job run twice, or retried, is not done in between."""
    deadline = time.monotonic() + timeout
    while True:
        with contextlib.closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=10)) as db:
            jobs = db.execute("SELECT key, status FROM scheduled_jobs ORDER BY key").fetchall()
            post = db.execute("SELECT outcome FROM meeting_posts WHERE key = ?", (key,)).fetchone()
        if (key, "done") in jobs and post == ("sent",) and all(s != "running" for _, s in jobs):
            return
        assert time.monotonic() < deadline, f"the reminder's job did not finish: {jobs} {post}"
        time.sleep(0.1)
