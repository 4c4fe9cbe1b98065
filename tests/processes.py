"""Running the bot as a volunteer does: `python -m bot ...` in its own process."""

from __future__ import annotations

import os
import socket
from pathlib import Path

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
