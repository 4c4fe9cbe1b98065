"""The shipped systemd unit: valid for systemd, starts on boot, restarts on failure."""

from __future__ import annotations

import configparser
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
UNIT = ROOT / "deploy" / "liec-bot.service"


def _unit() -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string(UNIT.read_text(encoding="utf-8"))
    return parser


def test_the_unit_starts_on_boot_restarts_on_failure_and_runs_serve() -> None:
    unit = _unit()
    assert unit["Install"]["WantedBy"] == "multi-user.target"
    assert unit["Service"]["Restart"] == "on-failure"
    assert unit["Service"]["ExecStart"].endswith("/liec-bot serve")
    # A mistake in the organisation file (exit 2) is not retried for ever.
    assert unit["Service"]["RestartPreventExitStatus"] == "2"
    assert unit["Service"]["WorkingDirectory"] in unit["Service"]["ReadWritePaths"].split()


def test_systemd_accepts_the_unit(tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed here, so the unit cannot be verified by systemd")
    # systemd checks that ExecStart exists: point it at this environment's liec-bot.
    here = Path(sys.executable).parent / "liec-bot"
    text = UNIT.read_text(encoding="utf-8").replace("/opt/liec-bot/bin/liec-bot", str(here))
    unit = tmp_path / "liec-bot.service"
    unit.write_text(text, encoding="utf-8")
    result = subprocess.run(
        [analyze, "verify", str(unit)], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    # Unknown keys (a typo such as `Restrt=`) are only warned about: none may be left.
    assert result.stderr.strip() == "", result.stderr
