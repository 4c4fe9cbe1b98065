"""The organisation file: every mistake is refused in one line that names the key."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.config import ConfigError, Settings, load_org_config, parse_org_config

EXAMPLE = Path(__file__).resolve().parents[1] / "bot" / "data" / "liec.example.yml"


def _example() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(EXAMPLE.read_text())
    return data


def test_the_example_file_is_valid() -> None:
    org = load_org_config(EXAMPLE)
    assert org.admins and org.is_admin(org.admins[0])
    assert set(org.regions) == {"americas", "asia-pacific", "europe-africa-middle-east"}
    assert org.holders("secretary") == ["U0SECRETARY"]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda d: d.pop("admins"), "admins: is missing; add it, e.g. `admins: [U012ABCDEF]`"),
        (lambda d: d.update(admins=["bob"]), "admins.0: 'bob' is not a Slack user id"),
        (
            lambda d: d.update(officerz={}),
            "officerz: `officerz` is not a key the bot knows; did you mean `officers`?",
        ),
        (lambda d: d["officers"].update({"Secretary": ["U0X1"]}), "'Secretary' is not a role key"),
        (lambda d: d["regions"].update(antarctica={"coordinator": "U0X1"}), "regions.antarctica"),
        (lambda d: d["regions"]["americas"].update(coordinator="nobody"), "regions.americas.coordinator"),
        (lambda d: d["branches"]["france"].update(region="mars"), "branches.france.region"),
        (lambda d: d["elections"][0].update(kind="snap"), "elections.0.kind"),
        (
            lambda d: d["elections"][0].update(closes="2027-02-01T00:00:00+00:00"),
            "closes must be after opens",
        ),
        (lambda d: d.update(membership_number_pattern="(["), "membership_number_pattern"),
        (
            lambda d: d["meetings"][0].pop("channel"),
            "meetings.0.channel: is missing; add it, e.g. `channel: C012ABCDEF`",
        ),
        (
            lambda d: d["channels"].update(announcements="#announcements"),
            "channels.announcements: '#announcements' is not a channel id",
        ),
        (lambda d: d["channels"].update(admins="admins"), "channels.admins: 'admins' is not a channel id"),
        (
            lambda d: d["regions"]["americas"].update(channel="#americas"),
            "regions.americas.channel: '#americas' is not a channel id",
        ),
        (
            lambda d: d["branches"]["france"].update(channel="france"),
            "branches.france.channel: 'france' is not a channel id",
        ),
        (lambda d: d.update(digest={"channel": "#digest"}), "digest.channel: '#digest' is not a channel id"),
        (lambda d: d["elections"][0].update(timezone="Mars/Olympus"), "elections.0.timezone: 'Mars/Olympus'"),
        (
            lambda d: d["elections"][0].update(opens="2027-3-1 9am"),
            "elections.0.opens: '2027-3-1 9am' is not a date and time; expected YYYY-MM-DD HH:MM, e.g. `opens: 2027-03-01 09:00`",
        ),
        (
            lambda d: d["regions"].update(europe={"coordinator": "U0X1"}),
            "regions.europe: 'europe' is not one of the choices; expected one of 'americas', 'asia-pacific' or 'europe-africa-middle-east'",
        ),
    ],
)
def test_mistakes_name_the_key(change: Any, expected: str) -> None:
    data = _example()
    change(data)
    with pytest.raises(ConfigError) as error:
        parse_org_config(data, "liec.yml")
    message = str(error.value)
    assert expected in message
    assert "\n" not in message and message.startswith("liec.yml: ")


def test_missing_or_broken_files_say_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"not found.*liec-bot init"):
        load_org_config(tmp_path / "liec.yml")
    broken = tmp_path / "broken.yml"
    broken.write_text("admins: [U0A\n  officers: {")
    with pytest.raises(ConfigError, match="not valid YAML at line"):
        load_org_config(broken)
    listy = tmp_path / "list.yml"
    listy.write_text("- a\n- b\n")
    with pytest.raises(ConfigError, match="must be a YAML mapping"):
        load_org_config(listy)


def test_settings_read_the_environment_with_defaults() -> None:
    settings = Settings.from_env({"SLACK_API_URL": "http://127.0.0.1:9/api", "PORT": "8080"})
    assert settings.slack_api_url == "http://127.0.0.1:9/api/"
    assert settings.port == 8080
    assert settings.database_url == "sqlite:///liec.db"
    assert settings.liec_config == Path("liec.yml")
    with pytest.raises(ConfigError, match="PORT"):
        Settings.from_env({"PORT": "not-a-port"})
    with pytest.raises(ConfigError, match="SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET not set"):
        Settings.from_env({}).require_slack_credentials()


def test_a_misspelt_key_gets_did_you_mean_and_every_problem_has_its_own_line() -> None:
    data = _example()
    data["admin"] = data.pop("admins")
    data["channels"]["anouncements"] = data["channels"].pop("announcements")
    with pytest.raises(ConfigError) as error:
        parse_org_config(data, "liec.yml")
    lines = str(error.value).splitlines()
    assert "liec.yml: admin: `admin` is not a key the bot knows; did you mean `admins`?" in lines
    assert "liec.yml: admins: is missing; add it, e.g. `admins: [U012ABCDEF]`" in lines
    assert any(
        "channels.anouncements: " in line and "did you mean `announcements`?" in line for line in lines
    )
    assert len(lines) == 3
    assert not any("Input should" in line or "more problem" in line for line in lines)
