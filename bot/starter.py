"""`liec-bot init`: a commented `.env` and `liec.yml` in the current folder, from the packaged
examples. An existing file is never overwritten."""

from __future__ import annotations

import shutil
from pathlib import Path

from bot.packaged import example_config, example_env


def write_starter_files(folder: Path) -> list[str]:
    """Copy the examples into `folder`; one line per file saying what was done."""
    lines: list[str] = []
    for source, name, private in ((example_env(), ".env", True), (example_config(), "liec.yml", False)):
        target = folder / name
        if target.exists():
            lines.append(f"kept  {target} (it exists already; nothing was overwritten)")
            continue
        shutil.copyfile(source, target)
        if private:
            target.chmod(0o600)  # it will hold the Slack tokens
        lines.append(f"wrote {target}")
    lines += [
        "",
        "Next: put the three Slack values in .env and your admins, officers, coordinators and",
        "channels in liec.yml (the comments in each file say where to find them), then run:",
        "  liec-bot check",
    ]
    return lines
