"""`python -m bot serve` stops promptly on SIGTERM (systemd's `stop`) while Slack hangs, and the
job it was running is not lost: the next start runs it again."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.fake_slack import FakeSlack
from tests.processes import STARTED_WITHIN, bot_env, free_port, org_file_with_one_reminder, stop

STOPPED_WITHIN = 15.0
"""Seconds: well inside systemd's TimeoutStopSec (30), and shorter than one hanging Slack call
with its retries (the client's 10 s timeout, several attempts)."""


def _serve(tmp_path: Path, fake: FakeSlack, mode: str) -> subprocess.Popen[str]:
    settings = {"SLACK_BOT_TOKEN": "xoxb-stop-test", "SLACK_SIGNING_SECRET": "stop-secret"}
    if mode == "socket":
        settings["SLACK_APP_TOKEN"] = "xapp-stop-test"  # apps.connections.open hangs too
    env = bot_env(tmp_path, SLACK_API_URL=fake.api_url, LIEC_CONFIG=str(tmp_path / "liec.yml"), **settings)
    args = ["--http", "--port", str(free_port())] if mode == "http" else []
    return subprocess.Popen(
        [sys.executable, "-m", "bot", "serve", *args, "--tick", "0.5"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _reminder_jobs(tmp_path: Path) -> list[tuple[str, str | None]]:
    with sqlite3.connect(tmp_path / "bot.db") as database:
        rows = database.execute(
            "SELECT status, claimed_by FROM scheduled_jobs WHERE kind = 'meeting_reminder'"
        ).fetchall()
    return [(str(status), claimed_by) for status, claimed_by in rows]


@pytest.mark.parametrize("mode", ["http", "socket"])
def test_sigterm_stops_promptly_while_slack_hangs_and_the_job_runs_after_a_restart(
    tmp_path: Path, mode: str
) -> None:
    org_file_with_one_reminder(tmp_path, due_in=timedelta(seconds=STARTED_WITHIN))

    released = threading.Event()

    def hang(_params: dict[str, Any]) -> None:
        released.wait(120)  # Slack accepted the connection and never answers

    hanging = FakeSlack().start()
    for method in ("chat.postMessage", "conversations.history", "apps.connections.open"):
        hanging.on(method, hang)
    process = _serve(tmp_path, hanging, mode)
    try:
        hanging.wait_for("chat.postMessage", 1, timeout=60)  # the reminder job is in a Slack call
        status, output = stop(process, STOPPED_WITHIN)
        assert status == 0, f"serve did not stop cleanly on SIGTERM (status {status}):\n{output}"
    finally:
        if process.poll() is None:
            process.kill()
        released.set()
        hanging.stop()
    # Given back, not failed nor left to a lease of minutes.
    assert _reminder_jobs(tmp_path) != [] and all(claimed is None for _s, claimed in _reminder_jobs(tmp_path))

    working = FakeSlack().start()
    process = _serve(tmp_path, working, mode)
    try:
        working.wait_for("chat.postMessage", 1, timeout=60)
        posts = [p for p in working.calls_to("chat.postMessage") if p.get("channel") == "C0CHAIRS"]
        assert len(posts) == 1 and "Branch chairs" in str(posts[0]["blocks"])
    finally:
        status, output = stop(process, 30)
        working.stop()
    assert status == 0, output
