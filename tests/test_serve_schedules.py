"""`python -m bot serve --http` runs the scheduler beside its HTTP server: a reminder due in a
few seconds is posted once, through the real entry point."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

from bot.fake_slack import FakeSlack
from tests.processes import bot_env, free_port, org_file_with_one_reminder


def test_serve_posts_a_due_reminder_once(tmp_path: Path) -> None:
    fake = FakeSlack().start()
    org_file_with_one_reminder(tmp_path, due_in=timedelta(seconds=6))
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
        time.sleep(2)  # several more ticks: a second post would show now
        posts = [p for p in fake.calls_to("chat.postMessage") if p.get("channel") == "C0CHAIRS"]
        assert len(posts) == 1
        assert "Branch chairs" in str(posts[0]["blocks"])
        assert posts[0]["metadata"]["event_payload"]["key"]
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
        fake.stop()
