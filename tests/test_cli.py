"""The command line as a volunteer runs it: try, serve, check, db upgrade."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from alembic import command

from bot import db
from bot.slack_requests import signed_headers, slash_command_body
from tests.processes import ROOT, bot_env, free_port


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    return bot_env(
        tmp_path,
        SLACK_BOT_TOKEN="xoxb-cli-test",
        SLACK_SIGNING_SECRET="cli-secret",
        SLACK_API_URL="http://127.0.0.1:9/api/",  # nothing listens there: Slack is "down"
        DATABASE_URL=f"sqlite:///{tmp_path}/cli.db",
        **extra,
    )


def _run(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        check=False,
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_try_prints_the_reply_with_no_slack(tmp_path: Path) -> None:
    result = _run(["try", "role secretary"], _env(tmp_path), tmp_path)
    assert result.returncode == 0, result.stderr
    assert "SECRETARY" in result.stdout and "How to apply" in result.stdout
    assert "Traceback" not in result.stderr


def test_try_says_which_organisation_file_it_used(tmp_path: Path) -> None:
    env = _env(tmp_path)
    del env["LIEC_CONFIG"]
    example = ROOT / "bot" / "data" / "liec.example.yml"
    result = _run(["try", "officers"], env, tmp_path)
    assert result.returncode == 0, result.stderr
    assert (
        "(organisation file: the example shipped with the bot; no liec.yml in this folder)" in result.stdout
    )
    (tmp_path / "liec.yml").write_text(example.read_text().replace("U0SECRETARY", "U0OURSEC"))
    result = _run(["try", "officers"], env, tmp_path)
    assert f"(organisation file: {tmp_path / 'liec.yml'})" in result.stdout
    assert "U0OURSEC" in result.stdout
    assert "(times are in the trial member's time zone, Europe/Paris)" in result.stdout


def test_a_broken_organisation_file_stops_the_bot_with_one_line(tmp_path: Path) -> None:
    config = tmp_path / "liec.yml"
    config.write_text((ROOT / "bot" / "data" / "liec.example.yml").read_text().replace("U0CHAIR", "chair"))
    result = _run(
        ["serve", "--http", "--port", str(free_port())], _env(tmp_path, LIEC_CONFIG=str(config)), tmp_path
    )
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert "admins.1: 'chair' is not a Slack user id" in result.stderr


@pytest.mark.parametrize(
    "change",
    [
        # Mistakes that need the role files: an officer under an unknown role, an election role.
        lambda data: (
            data["officers"].update(treasurer=["U0TREASURER"]),
            data["elections"][0]["roles"].append("treasurer"),
        ),
        # A mistake of the file's form: an election time zone that does not exist.
        lambda data: data["elections"][0].update(timezone="Europe/Atlantis"),
    ],
)
def test_serve_refuses_exactly_what_check_calls_wrong(tmp_path: Path, change: Any) -> None:
    data = yaml.safe_load((ROOT / "bot" / "data" / "liec.example.yml").read_text())
    change(data)
    config = tmp_path / "liec.yml"
    config.write_text(yaml.safe_dump(data))
    env = _env(tmp_path, LIEC_CONFIG=str(config))
    checked = _run(["check"], env, tmp_path)
    assert checked.returncode == 1
    wrong = [line.removeprefix("WRONG ") for line in checked.stdout.splitlines() if line.startswith("WRONG")]
    wrong = [line for line in wrong if not line.startswith("Slack")]  # Slack is "down" in these tests
    served = _run(["serve", "--http", "--port", str(free_port())], env, tmp_path)
    assert served.returncode == 2
    refused = [line.removeprefix("liec-bot: ") for line in served.stderr.splitlines()]
    assert wrong and refused == wrong
    assert all(line.startswith(f"{config}: ") for line in refused)
    assert "Traceback" not in served.stderr


def test_init_then_check_reads_the_env_of_the_folder_and_names_placeholders(tmp_path: Path) -> None:
    env = bot_env(tmp_path)
    del env["LIEC_CONFIG"], env["DATABASE_URL"]
    assert _run(["init"], env, tmp_path).returncode == 0
    checked = _run(["check"], env, tmp_path)
    wrong = [line for line in checked.stdout.splitlines() if line.startswith("WRONG")]
    assert checked.returncode == 1
    # Only the Slack values: the copied organisation file is sound and a missing database is no error.
    assert len(wrong) == 3, checked.stdout
    assert "SLACK_BOT_TOKEN in .env is still the example's xoxb-..." in wrong[0]
    assert "SLACK_APP_TOKEN in .env is still the example's xapp-..." in wrong[1]
    assert "SLACK_SIGNING_SECRET in .env is still the example's ..." in wrong[2]
    assert "liec.db does not exist yet; the bot creates it" in checked.stdout
    served = _run(["serve"], env, tmp_path)
    assert served.returncode == 2
    assert [f"WRONG {line.removeprefix('liec-bot: ')}" for line in served.stderr.splitlines()] == wrong


def test_db_upgrade_prints_its_one_line_and_no_log_lines(tmp_path: Path) -> None:
    result = _run(["db", "upgrade"], _env(tmp_path), tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("database schema is up to date (now at ")
    assert result.stdout.count("\n") == 1
    assert result.stderr == ""


def test_serving_needs_the_slack_credentials(tmp_path: Path) -> None:
    env = _env(tmp_path)
    del env["SLACK_SIGNING_SECRET"]
    result = _run(["serve", "--http"], env, tmp_path)
    assert result.returncode == 2 and "SLACK_SIGNING_SECRET not set" in result.stderr


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "serve", "--http", "--port", str(port)],
        env=_env(tmp_path),
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=1) as response:
                if response.status == 200:
                    break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise AssertionError(
                    f"the bot did not come up: {process.stdout.read() if process.stdout else ''}"
                ) from None
            time.sleep(0.2)
    yield url, process
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)


def test_serve_comes_up_and_answers_while_slack_is_unreachable(
    served: tuple[str, subprocess.Popen[str]],
) -> None:
    url, process = served
    body, content_type = slash_command_body("role sec")
    request = urllib.request.Request(
        url + "/slack/events",
        data=body.encode(),
        headers={"Content-Type": content_type, **signed_headers("cli-secret", body)},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        reply = json.loads(response.read())
    assert reply["blocks"][0]["text"]["text"] == "Secretary"
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=30) == 0
    output = process.stdout.read() if process.stdout else ""
    assert "xoxb-cli-test" not in output and "cli-secret" not in output


def test_an_older_schema_is_refused_until_db_upgrade(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/cli.db"
    command.upgrade(db.alembic_config(url), "0001_foundation")
    env = _env(tmp_path)
    heads_beyond_foundation = db.schema_behind(db.make_engine(url))
    if heads_beyond_foundation:
        refused = _run(["serve", "--http", "--port", str(free_port())], env, tmp_path)
        assert refused.returncode == 2
        assert "python -m bot db upgrade" in refused.stderr
        check = _run(["check"], env, tmp_path)
        assert check.returncode != 0 and "db upgrade" in check.stdout
    upgraded = _run(["db", "upgrade"], env, tmp_path)
    assert upgraded.returncode == 0, upgraded.stderr
    assert db.schema_behind(db.make_engine(url)) == set()
    # Without a token, check skips the Slack part; the organisation file and schema are fine.
    env.pop("SLACK_BOT_TOKEN")
    checked = _run(["check"], env, tmp_path)
    assert checked.returncode == 0, checked.stdout


LAZY = ("alembic", "icalendar", "email_validator")
"""Imported when first needed, never by a start on an up-to-date database (a third of the
start's CPU between them, with Bolt's unnamed-app stack walk)."""


def test_a_start_on_an_up_to_date_database_imports_no_optional_module(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/cli.db"
    db.upgrade(url)
    # `serve`'s own steps up to the port, in a fresh interpreter: validate, build, the WSGI app.
    script = (
        "import sys\n"
        "from bot.__main__ import _validate\n"
        "from bot.config import Settings\n"
        "from bot.runtime import build_runtime\n"
        "from bot.server import make_wsgi_app\n"
        "settings = Settings.from_env()\n"
        "roles = _validate(settings)\n"
        "runtime = build_runtime(settings, roles=roles, schema_checked=True)\n"
        "make_wsgi_app(runtime.app, signing_secret='cli-secret')\n"
        f"print(sorted(name for name in {LAZY!r} if name in sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        check=False,
        env=_env(tmp_path),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_once_started_full_collections_come_ten_times_less_often() -> None:
    """`_started`: the start's objects frozen out of every collection, and full collections
    (each stops every thread for the whole of what was made since) after 100 collections of
    the middle generation, not CPython's 10 (bot/__main__.py `FULL_COLLECTION_AFTER`)."""
    import gc

    from bot import __main__ as entry

    before = gc.get_threshold()
    try:
        entry._started()
        assert gc.get_threshold() == (before[0], before[1], entry.FULL_COLLECTION_AFTER)
        assert entry.FULL_COLLECTION_AFTER == 100
        assert gc.get_freeze_count() > 0 and gc.isenabled()
    finally:
        gc.set_threshold(*before)
        gc.unfreeze()
