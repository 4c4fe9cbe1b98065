"""The README's quick-start commands are the ones CI runs and the ones a fresh Debian 12 machine accepts."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _quick_start_commands() -> list[str]:
    section = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```sh\n(.*?)\n```", section, re.S)


def test_quick_start_has_a_try_and_a_test_command_that_make_their_own_venv() -> None:
    commands = _quick_start_commands()
    assert len(commands) == 2
    for command in commands:
        # The system Python of Debian 12 refuses pip install: each command makes a venv first.
        assert command.startswith('python3 -m venv .venv && .venv/bin/pip install -e ".[dev]" && ')
        assert "python -m pip" not in command
    assert commands[0].endswith('.venv/bin/python -m bot try "role secretary"')
    assert commands[1].endswith(".venv/bin/python -m pytest")


def test_ci_runs_exactly_the_readmes_test_command() -> None:
    test_command = _quick_start_commands()[1]
    ci_lines = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert test_command in ci_lines
    assert "export LIEC_REQUIRE_POSTGRES=1" in ci_lines


def test_readme_says_to_get_the_code_first() -> None:
    quick_start = README.split("## Quick start", 1)[1]
    assert quick_start.index("git clone") < quick_start.index("```sh")
