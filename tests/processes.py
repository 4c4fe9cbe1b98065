"""Running the bot as a volunteer does: `python -m bot ...` in its own process."""

from __future__ import annotations

import os
import socket
from datetime import UTC, datetime, timedelta
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def bot_env(tmp_path: Path, **settings: str) -> dict[str, str]:
    """This process's environment without any Slack, LIEC or database settings, plus `settings`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "LIEC_", "DATABASE_"))}
    env.setdefault("PORT", str(free_port()))
    env["DATABASE_URL"] = f"sqlite:///{tmp_path}/bot.db"
    env["LIEC_CONFIG"] = str(ROOT / "bot" / "data" / "liec.example.yml")
    env.update(settings)
    return env


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
