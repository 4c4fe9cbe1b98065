"""Signed requests shaped like Slack's own: for `try`, the tests and the benchmarks."""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import urlencode

from slack_sdk.signature import SignatureVerifier


def signed_headers(secret: str, body: str, timestamp: int | None = None) -> dict[str, str]:
    ts = str(int(time.time()) if timestamp is None else timestamp)
    signature = SignatureVerifier(secret).generate_signature(timestamp=ts, body=body)
    assert signature is not None
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": signature}


def slash_command_body(
    text: str,
    user_id: str = "U0MEMBER",
    channel_id: str = "C0GENERAL",
    response_url: str = "",
    trigger_id: str = "1.2.trigger",
    command: str = "/liec",
) -> tuple[str, str]:
    """(body, content type) of a slash command delivery."""
    body = urlencode(
        {
            "token": "legacy",
            "team_id": "T0001",
            "team_domain": "labourinternational",
            "channel_id": channel_id,
            "channel_name": "general",
            "user_id": user_id,
            "user_name": user_id.lower(),
            "command": command,
            "text": text,
            "api_app_id": "A0LIEC",
            "is_enterprise_install": "false",
            "response_url": response_url,
            "trigger_id": trigger_id,
        }
    )
    return body, "application/x-www-form-urlencoded"


def interaction_body(payload: dict[str, Any]) -> tuple[str, str]:
    """(body, content type) of a block_actions / view_submission / shortcut delivery."""
    payload = {"team": {"id": "T0001"}, "api_app_id": "A0LIEC", "token": "legacy", **payload}
    return urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded"


def event_body(event: dict[str, Any], event_id: str = "Ev0001") -> tuple[str, str]:
    body = {
        "token": "legacy",
        "team_id": "T0001",
        "api_app_id": "A0LIEC",
        "type": "event_callback",
        "event_id": event_id,
        "event_time": int(time.time()),
        "authorizations": [{"team_id": "T0001", "user_id": "UBOT", "is_bot": True}],
        "event": event,
    }
    return json.dumps(body), "application/json"


def block_actions_payload(
    user_id: str,
    action_id: str,
    value: str = "",
    response_url: str = "",
    trigger_id: str = "1.2.trigger",
    block_id: str = "b",
    channel_id: str = "C0GENERAL",
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    return {
        "type": "block_actions",
        "user": {"id": user_id, "username": user_id.lower(), "team_id": "T0001"},
        "trigger_id": trigger_id,
        "response_url": response_url,
        "channel": {"id": channel_id},
        "container": {"type": "message", "channel_id": channel_id, "is_ephemeral": True},
        "actions": [
            {
                "type": "button",
                "action_id": action_id,
                "block_id": block_id,
                "value": value,
                "action_ts": str(time.time()),
            }
        ],
        **(extra or {}),
    }
