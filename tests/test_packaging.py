"""The bot as a volunteer installs it: a wheel (not the checkout) runs from any folder, and
`liec-bot init` writes the starter files."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

from bot.__main__ import main

ROOT = Path(__file__).resolve().parents[1]


def test_init_writes_a_commented_env_and_organisation_file_and_the_next_step(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["init"]) == 0
    out = capsys.readouterr().out
    env = (tmp_path / ".env").read_text(encoding="utf-8")
    config = (tmp_path / "liec.yml").read_text(encoding="utf-8")
    assert "SLACK_BOT_TOKEN=" in env and env.lstrip().startswith("#")
    assert "admins:" in config and config.lstrip().startswith("#")
    assert (tmp_path / ".env").stat().st_mode & 0o077 == 0  # the tokens are for its owner only
    assert "wrote" in out and "liec-bot check" in out


def test_init_never_overwrites(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "liec.yml").write_text("admins: [U0MINE]\n", encoding="utf-8")
    assert main(["init"]) == 0
    assert (tmp_path / "liec.yml").read_text(encoding="utf-8") == "admins: [U0MINE]\n"
    assert (tmp_path / ".env").exists()
    assert "kept" in capsys.readouterr().out


def test_a_missing_organisation_file_says_to_run_init(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("LIEC_CONFIG", "DATABASE_URL", "SLACK_BOT_TOKEN", "SLACK_APP_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-x")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "s")
    assert main(["serve", "--http"]) == 2
    assert gc.isenabled()  # `serve` turns the collector off for its start, and back on when it fails
    err = capsys.readouterr().err
    assert "liec-bot init" in err
    assert "liec.example.yml to liec.example.yml" not in err


@pytest.mark.install
def test_a_non_editable_install_runs_try_from_an_empty_folder(tmp_path: Path) -> None:
    """`pip install .` (what pipx does), then `liec-bot try` where there is no checkout."""
    target = tmp_path / "venv"
    venv.create(target, with_pip=False)
    python = target / "bin" / "python"
    # The package is installed without its dependencies, which are made visible from this
    # environment (a path only: the editable install of the checkout stays invisible).
    site = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    Path(site, "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    # What `pip install .` and pipx do: build a wheel in an isolated build environment, install it.
    install = subprocess.run(
        [sys.executable, "-m", "pip", "--python", python, "install", "-q", "--no-deps", ROOT],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert install.returncode == 0, install.stderr

    empty = tmp_path / "somewhere"
    empty.mkdir()
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"LIEC_CONFIG", "ROLES_DIR", "DATABASE_URL", "PYTHONPATH"}
    }
    where = subprocess.run(
        [python, "-c", "import bot; print(bot.__file__)"],
        cwd=empty,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert where.stdout.startswith(str(target)), where.stdout + where.stderr
    trial = subprocess.run(
        [target / "bin" / "liec-bot", "try", "role secretary"],
        cwd=empty,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert trial.returncode == 0, trial.stderr
    assert "SECRETARY" in trial.stdout
    assert "example shipped with the bot" in trial.stdout
    assert list(empty.iterdir()) == []  # nothing written where it ran
    # The manifest `check` compares the token's scopes with ships too.
    manifest = subprocess.run(
        [target / "bin" / "liec-bot", "manifest"],
        cwd=empty,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert manifest.returncode == 0 and "oauth_config:" in manifest.stdout, manifest.stderr
    assert (ROOT / "manifest.yml").read_text(encoding="utf-8") == manifest.stdout
