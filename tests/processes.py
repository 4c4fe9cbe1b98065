"""Running the bot as a volunteer does: `python -m bot ...` in its own process."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def stop(process: subprocess.Popen[str], timeout: float) -> tuple[int | None, str]:
    """SIGTERM, then wait up to `timeout` seconds: (exit code, or None when it had to be
    killed; everything it printed)."""
    process.send_signal(signal.SIGTERM)
    try:
        output, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        output, _ = process.communicate()
        return None, output or ""
    return process.returncode, output or ""


def stop_serving(process: subprocess.Popen[str], timeout: float = 30) -> str:
    """Stop a `serve` as systemd does (SIGTERM) and wait for it to exit; returns its output.

    Then the work it had in hand is over: its Socket Mode handler waits for the envelopes it is
    handling, the job in hand ends or is given back (bot/__main__.py `_stop_jobs`), and the
    interpreter's exit runs all the work after acknowledgements already submitted to its thread
    pool (concurrent.futures joins its workers at exit). So a count of Slack calls taken after this
    is final: "nothing more happened" is a finding, not a guess. A stop that cut that short
    (`os._exit` after a job held on past the grace) fails here rather than passing vacuously."""
    returncode, output = stop(process, timeout)
    assert returncode is not None, f"the bot did not stop within {timeout} s: {output[-3000:]}"
    assert returncode == 0, output[-3000:]
    assert "stopped while a job still waited" not in output, output[-3000:]
    return output


def bot_env(tmp_path: Path, **settings: str) -> dict[str, str]:
    """This process's environment without any Slack, LIEC or database settings, plus `settings`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "LIEC_", "DATABASE_"))}
    env.setdefault("PORT", str(free_port()))
    env["DATABASE_URL"] = f"sqlite:///{tmp_path}/bot.db"
    env["LIEC_CONFIG"] = str(ROOT / "bot" / "data" / "liec.example.yml")
    env.update(settings)
    return env


STARTED_WITHIN = 20
"""Seconds from writing the organisation file to the bot's first planning, with room for a busy
CI machine: a reminder already due when the bot first plans is not created (a meeting added
after its reminder's time gets none), so a margin any shorter makes the test flaky, not wrong."""


def org_file_with_one_reminder(tmp_path: Path, due_in: timedelta) -> Path:
    """The example organisation file with one meeting whose one reminder (1h before) falls due
    `due_in` from now, and no elections: a serve started on it has exactly one job to run."""
    org = yaml.safe_load((ROOT / "bot" / "data" / "liec.example.yml").read_text())
    start = (datetime.now(UTC) + timedelta(hours=1) + due_in).replace(microsecond=0)
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
    path = tmp_path / "liec.yml"
    path.write_text(yaml.safe_dump(org))
    return path
