"""`python -m bot serve --http` runs the scheduler beside its HTTP server: a reminder due in a
few seconds is posted once, through the real entry point."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import yaml

from bot.fake_slack import FakeSlack
from tests.processes import ROOT, bot_env, free_port


def test_serve_posts_a_due_reminder_once(tmp_path: Path) -> None:
    fake = FakeSlack().start()
    org = yaml.safe_load((ROOT / "bot" / "data" / "liec.example.yml").read_text())
    start = (datetime.now(UTC) + timedelta(hours=1, seconds=6)).replace(microsecond=0)
    org["meetings"] = [
        {
            "name": "Branch chairs' call",
            "kind": "branch",
            "channel": "C0CHAIRS",
            "start": start.isoformat(),
            "timezone": "Europe/London",
            "reminders": ["1h"],
        }
    ]
    org["elections"] = []
    (tmp_path / "liec.yml").write_text(yaml.safe_dump(org))
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
