"""`python -m bot check`: the organisation file, the role files, the database schema and, where
they are set, the Slack tokens (that they work and have every scope the manifest asks for).

Each check prints one line: `ok`, `skip` (nothing to check) or `WRONG` with what to do.
The exit status is 1 when anything is wrong, so the check can gate a deployment.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import inspect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from bot import db, yaml_text
from bot.config import OrgConfig, Settings, load_org_config
from bot.packaged import data_path, example_config
from bot.validation import validate
from bot.workspace_check import workspace_problems

MANIFEST = data_path("manifest.yml")
SCOPES_HEADER = "x-oauth-scopes"

T = TypeVar("T")


@dataclass
class Report:
    lines: list[str] = field(default_factory=list)
    wrong: int = 0

    def ok(self, what: str) -> None:
        self.lines.append(f"ok    {what}")

    def skip(self, what: str) -> None:
        self.lines.append(f"skip  {what}")

    def problem(self, what: str) -> None:
        self.wrong += 1
        self.lines.append(f"WRONG {what}")


def manifest_bot_scopes(path: Path = MANIFEST) -> set[str]:
    data: Any = yaml_text.safe_load(path.read_text(encoding="utf-8"))
    scopes = data.get("oauth_config", {}).get("scopes", {}).get("bot", []) if isinstance(data, dict) else []
    return {str(scope) for scope in scopes or []}


def granted_scopes(headers: Mapping[str, Any]) -> set[str] | None:
    """The scopes Slack lists in auth.test's x-oauth-scopes header; None when it is absent."""
    for name, value in headers.items():
        if name.lower() == SCOPES_HEADER:
            text = value[0] if isinstance(value, list) else str(value)
            return {scope.strip() for scope in text.split(",") if scope.strip()}
    return None


def _client(settings: Settings, token: str | None = None) -> WebClient:
    # The client logs a refused connection as an error; the check says it once, in plain words.
    quiet = logging.getLogger("bot.check.slack")
    quiet.setLevel(logging.CRITICAL)
    return WebClient(token=token, base_url=settings.slack_api_url, timeout=10, logger=quiet)


def _slack_error(exc: SlackApiError) -> str:
    return str(exc.response.get("error", "")) if exc.response is not None else "unknown_error"


def _ask_slack(
    report: Report, settings: Settings, what: str, call: Callable[[], T], refused: str
) -> T | None:
    """Slack's answer to `call`; None when Slack refused (`refused` says what to do) or could
    not be reached, and the report says so."""
    try:
        return call()
    except SlackApiError as exc:
        report.problem(f"{what}: Slack refused it ({_slack_error(exc)}): {refused}")
    except OSError as exc:
        report.problem(f"{what}: cannot reach Slack at {settings.slack_api_url} ({type(exc).__name__})")
    return None


def check_bot_token(settings: Settings, report: Report, manifest: Path = MANIFEST) -> bool:
    """True when the token works (Slack accepted it), so the workspace can be checked with it."""
    token = settings.slack_bot_token
    if not token:
        report.skip("Slack bot token: SLACK_BOT_TOKEN is not set")
        return False
    if token.endswith("..."):
        return False  # the example's placeholder: bot/validation.py says so
    if not token.startswith("xoxb-"):
        report.problem(
            "Slack bot token: SLACK_BOT_TOKEN is not a bot token (it starts with xoxb-): copy the "
            "Bot User OAuth Token from api.slack.com/apps -> your app -> OAuth & Permissions"
        )
        return False
    answer = _ask_slack(
        report,
        settings,
        "Slack bot token",
        _client(settings, token).auth_test,
        "copy the Bot User OAuth Token again from api.slack.com/apps -> your app -> "
        "OAuth & Permissions, or reinstall the app",
    )
    if answer is None:
        return False
    granted = granted_scopes(answer.headers)
    if granted is None:
        report.problem("Slack bot token: Slack did not say which scopes it has (no x-oauth-scopes header)")
        return True
    missing = sorted(manifest_bot_scopes(manifest) - granted)
    if missing:
        report.problem(
            f"Slack bot token: it lacks {len(missing)} scope(s) the manifest asks for: "
            f"{', '.join(missing)}. Add them under OAuth & Permissions -> Scopes (or paste "
            "manifest.yml again), then reinstall the app to the workspace"
        )
        return True
    report.ok(f"Slack bot token (works, with all {len(granted)} scopes; team {answer.get('team', '?')})")
    return True


def check_workspace(settings: Settings, org: OrgConfig, report: Report, source: str | None = None) -> None:
    """The organisation's users and channels in the real workspace (needs a working bot token);
    `source` names the organisation checked (the file by default)."""
    where = source or str(settings.liec_config)
    assert settings.slack_bot_token
    example = None
    if settings.liec_config.resolve() != example_config().resolve():
        example = load_org_config(example_config())
    try:
        found = workspace_problems(_client(settings, settings.slack_bot_token), org, example)
    except OSError as exc:
        report.problem(f"workspace: cannot reach Slack at {settings.slack_api_url} ({type(exc).__name__})")
        return
    for problem in found.problems:
        report.problem(f"{where}: {problem}")
    if not found.problems:
        report.ok(
            f"workspace: the {found.users} people and {found.channels} channels of the {where} "
            "are there, and the bot is in every channel"
        )


def check_app_token(settings: Settings, report: Report) -> None:
    token = settings.slack_app_token
    if not token:
        report.skip("Slack app token: SLACK_APP_TOKEN is not set (the bot serves HTTP, not Socket Mode)")
        return
    if token.endswith("..."):
        return  # the example's placeholder: bot/validation.py says so
    if not token.startswith("xapp-"):
        report.problem(
            "Slack app token: SLACK_APP_TOKEN is not an app-level token (it starts with xapp-): "
            "create one under Basic Information -> App-Level Tokens with connections:write"
        )
        return
    answer = _ask_slack(
        report,
        settings,
        "Slack app token",
        lambda: _client(settings).apps_connections_open(app_token=token),
        "it needs the connections:write scope and Socket Mode turned on",
    )
    if answer is not None:
        report.ok("Slack app token (Socket Mode)")


def _sqlite_file_missing(url: str) -> Path | None:
    parsed = make_url(db.normalise_url(url))
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    path = Path(parsed.database)
    return None if path.exists() else path


def check_database(settings: Settings, report: Report) -> None:
    missing = _sqlite_file_missing(settings.database_url)
    if missing is not None:
        report.ok(f"database: {missing} does not exist yet; the bot creates it when it first starts")
        return
    try:
        engine = db.make_engine(settings.database_url)
        try:
            empty = not inspect(engine).get_table_names()
            behind = set() if empty else db.schema_behind(engine)
        finally:
            engine.dispose()
    except (SQLAlchemyError, OSError) as exc:
        report.problem(
            f"database: cannot read it ({type(exc).__name__}); is DATABASE_URL right and the server up?"
        )
        return
    if empty:
        report.ok("database: it is empty; the bot creates its tables when it first starts")
    elif behind:
        report.problem(
            f"database: the schema is behind this version of the bot (missing {', '.join(sorted(behind))}); "
            "back it up, then run: python -m bot db upgrade"
        )
    else:
        report.ok("database schema is up to date")


def check(settings: Settings, manifest: Path = MANIFEST) -> Report:
    report = Report()
    validation = validate(settings)
    for problem in validation.all_problems:
        report.problem(problem)
    if validation.roles is not None:
        report.ok(f"role files ({len(validation.roles.roles)} roles)")
    if validation.org is not None and not validation.problems:
        what = validation.source if validation.from_database else f"organisation file {validation.source}"
        report.ok(f"{what} (and it agrees with the role files)")
    if validation.from_database:
        report.skip(
            f"organisation file {settings.liec_config}: the bot uses the {validation.source}; the file "
            "only fills an empty database, or replaces the stored one with `serve --config-import`"
        )
    check_database(settings, report)
    if check_bot_token(settings, report, manifest) and validation.org is not None:
        check_workspace(settings, validation.org, report, validation.source)
    check_app_token(settings, report)
    return report


def run_check(settings: Settings) -> int:
    report = check(settings)
    for line in report.lines:
        print(line)
    if report.wrong:
        print(f"{report.wrong} thing(s) to fix before the bot can run well.")
        return 1
    print("Everything checked is in order.")
    return 0
