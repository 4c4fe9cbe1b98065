"""manifest.yml is what a volunteer pastes into Slack: it must match what the bot listens for."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
MANIFEST: dict[str, Any] = yaml.safe_load((ROOT / "manifest.yml").read_text())


def test_the_command_interactivity_and_socket_mode_are_declared() -> None:
    features = MANIFEST["features"]
    (command,) = features["slash_commands"]
    assert command["command"] == "/liec"
    assert command["usage_hint"] and command["description"]
    settings = MANIFEST["settings"]
    assert settings["interactivity"]["is_enabled"] is True
    assert settings["socket_mode_enabled"] is True
    for url in (
        command["url"],
        settings["interactivity"]["request_url"],
        settings["event_subscriptions"]["request_url"],
    ):
        assert url.endswith("/slack/events")
    assert features["app_home"]["home_tab_enabled"] is True


def test_events_and_shortcuts_are_the_ones_the_bot_handles() -> None:
    assert MANIFEST["settings"]["event_subscriptions"]["bot_events"] == ["app_home_opened"]
    shortcut_ids = {s["callback_id"] for s in MANIFEST["features"]["shortcuts"]}
    source = "\n".join(p.read_text() for p in (ROOT / "bot" / "views").glob("*.py"))
    source += "\n".join(p.read_text() for p in (ROOT / "handlers").glob("*.py"))
    for callback_id in shortcut_ids:
        assert f'"{callback_id}"' in source, f"no listener for the shortcut {callback_id}"


def test_scopes_are_the_ones_the_bot_uses_and_no_more() -> None:
    scopes = set(MANIFEST["oauth_config"]["scopes"]["bot"])
    assert scopes == {
        "commands",
        "chat:write",
        "im:write",
        "users:read",
        "users:read.email",
        "files:write",
        "channels:history",
        "groups:history",
        "im:history",
        "channels:read",
        "groups:read",
    }
    assert "chat:write.public" not in scopes and "admin" not in " ".join(scopes)


def test_the_manifest_stands_at_the_top_level_and_is_the_one_the_package_ships() -> None:
    # A volunteer pastes the top-level file; the package carries the same one (a link to it).
    top = ROOT / "manifest.yml"
    assert top.is_file() and not top.is_symlink()
    assert (ROOT / "bot" / "data" / "manifest.yml").read_bytes() == top.read_bytes()
