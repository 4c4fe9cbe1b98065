"""`python -m bot try "role secretary"`: the real Bolt app, in-process, against a stand-in Slack."""

from __future__ import annotations

import json
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server
from zoneinfo import ZoneInfo

from bot.config import OrgConfig, Settings, load_org_config
from bot.fake_slack import FakeSlack
from bot.packaged import example_config
from bot.render import message_to_text
from bot.runtime import build_runtime
from bot.server import EVENTS_PATH
from bot.slack_requests import signed_headers, slash_command_body

EXAMPLE_CONFIG = example_config()
TRIAL_ZONE = "Europe/Paris"  # the trial member's own time zone: times are printed in it
TRY_SECRET = "try-signing-secret"  # noqa: S105 - a throwaway secret for the in-process trial


class _ThreadingWSGIServer(WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


# Where the stand-in Slack says each region's people live, so routing and local times show.
_REGION_ZONES = {
    "americas": "America/New_York",
    "asia-pacific": "Australia/Sydney",
    "europe-africa-middle-east": "Europe/London",
}


def _trial_users(org: OrgConfig, user_id: str) -> dict[str, dict[str, object]]:
    users: dict[str, dict[str, object]] = {}
    for holders in org.officers.values():
        for holder in holders:
            users[holder] = {"name": holder.lower(), "tz": "Europe/London", "profile": {}}
    for region, config in org.regions.items():
        for coordinator in config.coordinator:
            users[coordinator] = {"name": coordinator.lower(), "tz": _REGION_ZONES[region], "profile": {}}
    users[user_id] = {"name": "member", "tz": TRIAL_ZONE, "profile": {"real_name": "Trial Member"}}
    return users


def _config_used(config: Path | None) -> tuple[Path, str]:
    """The organisation file for the trial, and a line saying which one it is."""
    if config is not None and config.exists():
        return config, f"(organisation file: {config.resolve()})"
    return EXAMPLE_CONFIG, "(organisation file: the example shipped with the bot; no liec.yml in this folder)"


def run_trial(text: str, user_id: str = "U0MEMBER", config: Path | None = None) -> str:
    config_path, config_line = _config_used(config)
    org = load_org_config(config_path)
    fake = FakeSlack(users=_trial_users(org, user_id)).start()
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            slack_bot_token="xoxb-try",  # noqa: S106
            slack_signing_secret=TRY_SECRET,
            slack_api_url=fake.api_url,
            database_url=f"sqlite:///{tmp}/try.db",
            liec_config=config_path,
        )
        runtime = build_runtime(settings, org=org, config_import=True, verified_before=True)
        runtime.deps.jobs.startup()  # elections and meetings from the organisation file
        server = make_server(
            "127.0.0.1",
            0,
            runtime.http_app(),
            _ThreadingWSGIServer,
            _QuietHandler,
        )
        threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
        try:
            body, content_type = slash_command_body(text, user_id=user_id, response_url=fake.response_url())
            request = urllib.request.Request(
                f"http://127.0.0.1:{server.server_port}{EVENTS_PATH}",
                data=body.encode(),
                headers={"Content-Type": content_type, **signed_headers(TRY_SECRET, body)},
            )
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
                raw = response.read().decode()
            zone = ZoneInfo(TRIAL_ZONE)
            zone_line = f"(times are in the trial member's time zone, {TRIAL_ZONE})"
            out = [config_line, zone_line, "", f"/liec {text}", ""]
            if raw:
                out.append(message_to_text(json.loads(raw), zone))
            out.extend(_follow_ups(fake, zone))
            return "\n".join(out)
        finally:
            server.shutdown()
            server.server_close()
            fake.stop()
            runtime.engine.dispose()


def _follow_ups(fake: FakeSlack, zone: ZoneInfo, quiet: float = 0.4, limit: float = 3.0) -> list[str]:
    """What the bot sent after the acknowledgement, once it has gone quiet."""
    deadline = time.monotonic() + limit
    seen = -1
    while time.monotonic() < deadline:
        count = len(fake.calls)
        if count == seen:
            break
        seen = count
        time.sleep(quiet)
    out = []
    for call in fake.calls:
        if call.method in {"response_url", "chat.postMessage", "chat.postEphemeral"}:
            out.append(f"-- {call.method} --\n{message_to_text(call.params, zone)}")
        elif call.method.startswith("views."):
            view = call.params.get("view") or {}
            title = (view.get("title") or {}).get("text", "")
            out.append(f"-- {call.method}: {title} --\n{message_to_text(view, zone)}")
    return out
