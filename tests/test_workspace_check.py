"""`check` with a token looks at the workspace itself, here the stand-in Slack (bot/fake_slack.py)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.check import check, manifest_bot_scopes
from bot.config import Settings
from bot.fake_slack import FakeSlack
from bot.packaged import example_config

EXAMPLE: dict[str, Any] = yaml.safe_load(example_config().read_text(encoding="utf-8"))


def _real_ids(text: str) -> str:
    """The example with every placeholder id made a 'real' one (U0SECRETARY -> U9SECRETARY)."""
    return re.sub(r"\b([UC])0", r"\g<1>9", text)


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    fake = FakeSlack().start()
    fake.scopes = sorted(manifest_bot_scopes())
    yield fake
    fake.stop()


def _workspace(fake: FakeSlack, data: dict[str, Any]) -> None:
    from bot.config import parse_org_config
    from bot.workspace_check import channel_ids, user_ids

    org = parse_org_config(data)
    fake.users = {user: {"name": user.lower(), "deleted": False} for _, user in user_ids(org)}
    fake.channels = {channel: True for _, channel in channel_ids(org)}


def _check(tmp_path: Path, fake: FakeSlack, text: str) -> list[str]:
    config = tmp_path / "liec.yml"
    config.write_text(text, encoding="utf-8")
    settings = Settings(
        database_url=f"sqlite:///{tmp_path}/new.db",
        liec_config=config,
        slack_bot_token="xoxb-real",
        slack_api_url=fake.api_url,
    )
    return [line.removeprefix("WRONG ") for line in check(settings).lines if line.startswith("WRONG")]


def test_a_sound_workspace_passes(tmp_path: Path, slack: FakeSlack) -> None:
    text = _real_ids(example_config().read_text(encoding="utf-8"))
    _workspace(slack, yaml.safe_load(text))
    assert _check(tmp_path, slack, text) == []


def test_missing_deactivated_and_uninvited_are_named_with_the_line_to_type(
    tmp_path: Path, slack: FakeSlack
) -> None:
    text = _real_ids(example_config().read_text(encoding="utf-8"))
    data = yaml.safe_load(text)
    _workspace(slack, data)
    secretary = data["officers"]["secretary"][0]
    bame = data["officers"]["bame-officer"][0]
    announcements = data["channels"]["announcements"]
    meeting = data["meetings"][0]["channel"]
    del slack.users[bame]
    slack.users[secretary]["deleted"] = True
    assert slack.channels is not None
    slack.channels[announcements] = False
    del slack.channels[meeting]
    wrong = [line.split(": ", 1)[1] for line in _check(tmp_path, slack, text)]
    assert f"admins.0: {secretary} has been deactivated in Slack; put in who holds the post now" in wrong
    assert f"officers.bame-officer.0: {bame} is not a member of this workspace; check the member ID" in wrong
    assert (
        f"channels.announcements: the bot is not in channel {announcements}; open that channel in Slack "
        "and type `/invite @LIEC`"
    ) in wrong
    assert any(line.startswith(f"meetings.0.channel: there is no channel {meeting}") for line in wrong)
    assert len(wrong) == 4


def test_the_examples_placeholders_are_named(tmp_path: Path, slack: FakeSlack) -> None:
    text = example_config().read_text(encoding="utf-8")
    wrong = _check(tmp_path, slack, text)
    assert any("admins.0: U0SECRETARY is still the example's placeholder" in line for line in wrong)
    assert any("channels.announcements: C0ANNOUNCE" in line and "placeholder" in line for line in wrong)
    assert not [c for c in slack.calls if c.method in {"users.info", "conversations.history"}]


def test_missing_scopes_are_named(tmp_path: Path, slack: FakeSlack) -> None:
    slack.scopes = ["commands", "chat:write"]
    text = _real_ids(example_config().read_text(encoding="utf-8"))
    _workspace(slack, yaml.safe_load(text))
    wrong = _check(tmp_path, slack, text)
    assert len(wrong) == 1 and "users:read" in wrong[0] and "reinstall" in wrong[0]
