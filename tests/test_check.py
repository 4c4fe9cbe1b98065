"""`python -m bot check`: organisation file, role files, database schema and Slack tokens."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml
from alembic import command

from bot import db
from bot.check import check, granted_scopes, manifest_bot_scopes, run_check
from bot.config import Settings, parse_org_config
from bot.runtime import load_roles
from bot.services.config_problems import config_problems
from tests.e2e.harness import EXAMPLE, example_org

ROOT = Path(__file__).resolve().parents[1]
ALL_SCOPES = ",".join(sorted(manifest_bot_scopes()))


class FakeAuth:
    """Answers auth.test (with the x-oauth-scopes header Slack sends) and apps.connections.open."""

    def __init__(self) -> None:
        self.scopes: str | None = ALL_SCOPES
        self.error: str | None = None
        self.app_error: str | None = None
        self.seen: list[tuple[str, str]] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(length)
                method = self.path.rsplit("/", 1)[-1]
                fake.seen.append((method, self.headers.get("Authorization", "")))
                error = fake.error if method == "auth.test" else fake.app_error
                body: dict[str, Any] = {"ok": error is None}
                if error:
                    body["error"] = error
                elif method == "auth.test":
                    body.update(team="LI", user_id="UBOT")
                else:
                    body["url"] = "wss://example.invalid/link"
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                if method == "auth.test" and fake.scopes is not None and error is None:
                    self.send_header("x-oauth-scopes", fake.scopes)
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/api/"


@pytest.fixture
def slack() -> Iterator[FakeAuth]:
    fake = FakeAuth()
    yield fake
    fake.server.shutdown()
    fake.server.server_close()


def _settings(database_url: str, **values: Any) -> Settings:
    return Settings(database_url=database_url, liec_config=EXAMPLE, **values)


def _wrong(lines: list[str]) -> list[str]:
    return [line for line in lines if line.startswith("WRONG")]


def test_manifest_scopes_are_read_from_the_manifest() -> None:
    scopes = manifest_bot_scopes()
    assert {"commands", "chat:write", "im:write", "files:write", "users:read"} <= scopes


def test_scopes_header_is_read_whatever_its_case() -> None:
    assert granted_scopes({"X-OAuth-Scopes": "chat:write, commands"}) == {"chat:write", "commands"}
    assert granted_scopes({"Content-Type": "application/json"}) is None


def test_everything_in_order_exits_zero(
    database_url: str, slack: FakeAuth, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = _settings(database_url, slack_bot_token="xoxb-1-secret", slack_api_url=slack.url)
    assert run_check(settings) == 0
    out = capsys.readouterr().out
    assert "WRONG" not in out
    assert "ok    Slack bot token" in out
    assert "skip  Slack app token" in out
    assert "xoxb-1-secret" not in out
    assert slack.seen[0] == ("auth.test", "Bearer xoxb-1-secret")
    assert {method for method, _ in slack.seen[1:]} == {"users.info", "conversations.history"}


def test_missing_scopes_are_named_and_fail(
    sqlite_database_url: str, slack: FakeAuth, capsys: pytest.CaptureFixture[str]
) -> None:
    slack.scopes = "commands,chat:write,users:read"
    settings = _settings(sqlite_database_url, slack_bot_token="xoxb-1-secret", slack_api_url=slack.url)
    assert run_check(settings) == 1
    out = capsys.readouterr().out
    wrong = _wrong(out.splitlines())
    assert len(wrong) == 1
    assert "files:write" in wrong[0] and "im:write" in wrong[0] and "reinstall" in wrong[0]
    assert "chat:write," not in wrong[0]  # only the missing ones


def test_a_refused_token_says_where_to_get_a_new_one(sqlite_database_url: str, slack: FakeAuth) -> None:
    slack.error = "invalid_auth"
    report = check(_settings(sqlite_database_url, slack_bot_token="xoxb-1-secret", slack_api_url=slack.url))
    wrong = _wrong(report.lines)
    assert len(wrong) == 1 and "invalid_auth" in wrong[0] and "OAuth & Permissions" in wrong[0]
    assert report.wrong == 1


def test_a_user_token_is_not_a_bot_token(sqlite_database_url: str, slack: FakeAuth) -> None:
    report = check(_settings(sqlite_database_url, slack_bot_token="xoxp-1-secret", slack_api_url=slack.url))
    assert any("not a bot token" in line for line in _wrong(report.lines))
    assert slack.seen == []  # not sent anywhere
    assert "xoxp-1-secret" not in "\n".join(report.lines)


def test_unreachable_slack_is_wrong(sqlite_database_url: str) -> None:
    report = check(
        _settings(sqlite_database_url, slack_bot_token="xoxb-1", slack_api_url="http://127.0.0.1:9/api/")
    )
    assert any("cannot reach Slack" in line for line in _wrong(report.lines))


def test_no_tokens_means_nothing_to_check_there(sqlite_database_url: str) -> None:
    report = check(_settings(sqlite_database_url))
    assert report.wrong == 0
    assert any(line.startswith("skip  Slack bot token") for line in report.lines)


def test_app_token_is_tried(sqlite_database_url: str, slack: FakeAuth) -> None:
    settings = _settings(sqlite_database_url, slack_app_token="xapp-1-secret", slack_api_url=slack.url)
    assert check(settings).wrong == 0
    assert slack.seen == [("apps.connections.open", "Bearer xapp-1-secret")]
    slack.app_error = "invalid_auth"
    assert any("connections:write" in line for line in _wrong(check(settings).lines))
    assert any(
        "xapp-" in line
        for line in _wrong(check(_settings(sqlite_database_url, slack_app_token="xoxb-2")).lines)
    )


def test_a_broken_organisation_file_is_named(sqlite_database_url: str, tmp_path: Path) -> None:
    config = tmp_path / "liec.yml"
    config.write_text(EXAMPLE.read_text().replace("admins:\n  - U0SECRETARY", "admins:\n  - secretary"))
    report = check(Settings(database_url=sqlite_database_url, liec_config=config))
    wrong = _wrong(report.lines)
    assert len(wrong) == 1 and "admins" in wrong[0] and "Slack user id" in wrong[0]


def test_an_officer_role_without_a_role_file_is_wrong(sqlite_database_url: str, tmp_path: Path) -> None:
    data = example_org()
    data["officers"]["treasurer"] = ["U0TREASURER"]
    config = tmp_path / "liec.yml"
    config.write_text(yaml.safe_dump(data))
    report = check(Settings(database_url=sqlite_database_url, liec_config=config))
    wrong = _wrong(report.lines)
    assert len(wrong) == 1 and "officers.treasurer" in wrong[0] and "secretary" in wrong[0]


def test_config_problems_see_what_the_schema_cannot() -> None:
    roles = load_roles(Settings())
    assert config_problems(parse_org_config(example_org()), roles) == []
    data = example_org()
    data["officers"]["regional-coordinator"] = ["U0RCAMERICAS", "U0SOMEONE"]
    del data["regions"]["asia-pacific"]
    data["elections"][0]["roles"].append("treasurer")
    position = len(data["elections"][0]["roles"]) - 1
    problems = config_problems(parse_org_config(data), roles)
    text = "\n".join(problems)
    assert "regions.asia-pacific is missing" in text
    assert "lists U0SOMEONE, who coordinates no region" in text
    assert (
        "regions.europe-africa-middle-east.coordinator: U0RCEAME coordinates a region but is not listed"
        in text
    )
    assert f"elections.0.roles.{position}: there is no role 'treasurer'" in text
    assert len(problems) == 4


def test_a_vacancy_is_not_a_problem() -> None:
    data = example_org()
    data["officers"]["secretary"] = []
    assert config_problems(parse_org_config(data), load_roles(Settings())) == []


def test_a_database_that_does_not_exist_yet_is_not_an_error(tmp_path: Path) -> None:
    report = check(_settings(f"sqlite:///{tmp_path}/nothing.db"))
    assert report.wrong == 0
    assert any("nothing.db does not exist yet; the bot creates it" in line for line in report.lines)
    assert not (tmp_path / "nothing.db").exists()  # checking creates nothing


@pytest.mark.postgres
def test_an_empty_postgresql_database_is_not_behind(postgres_empty_url: str) -> None:
    report = check(_settings(postgres_empty_url))
    assert report.wrong == 0
    assert any("it is empty; the bot creates its tables" in line for line in report.lines)


def test_an_unreachable_database_is_wrong_without_a_traceback() -> None:
    report = check(_settings("postgresql+psycopg://nobody:pw@127.0.0.1:9/none"))
    wrong = _wrong(report.lines)
    assert len(wrong) == 1 and "cannot read it" in wrong[0] and "pw" not in wrong[0]


def test_a_schema_behind_is_wrong_with_the_command_to_run(database_url: str) -> None:
    command.downgrade(db.alembic_config(database_url), "0005_data_rights")
    report = check(_settings(database_url))
    wrong = _wrong(report.lines)
    assert len(wrong) == 1 and db.heads()[0] in wrong[0] and "python -m bot db upgrade" in wrong[0]
    db.upgrade(database_url)
    assert check(_settings(database_url)).wrong == 0


def _store(database_url: str, data: dict[str, Any]) -> None:
    """Put `data` in the database as the stored organisation, as a running bot would have it."""
    from datetime import UTC, datetime

    from bot.services import organisation

    engine = db.make_engine(database_url)
    try:
        with db.make_session_factory(engine).begin() as session:
            organisation.fill(session, parse_org_config(data), "test", datetime(2026, 11, 23, tzinfo=UTC))
    finally:
        engine.dispose()


def test_check_validates_the_organisation_stored_in_the_database(database_url: str) -> None:
    """Issue 13 moved the organisation into the database: `check` checks what `serve` uses."""
    data = example_org()
    data["officers"]["treasurer"] = ["U0TREASURER"]  # no role file: a problem the schema cannot see
    _store(database_url, data)
    report = check(_settings(database_url))  # the file itself is in order
    wrong = _wrong(report.lines)
    assert len(wrong) == 1
    assert "organisation in the database (revision 1)" in wrong[0] and "officers.treasurer" in wrong[0]
    assert any(line.startswith("skip  organisation file") for line in report.lines)


def test_serve_refuses_the_stored_organisation_check_calls_wrong(sqlite_database_url: str) -> None:
    from bot.__main__ import _validate
    from bot.config import ConfigError

    data = example_org()
    data["officers"]["treasurer"] = ["U0TREASURER"]
    _store(sqlite_database_url, data)
    wrong = _wrong(check(_settings(sqlite_database_url)).lines)
    with pytest.raises(ConfigError) as refused:
        _validate(_settings(sqlite_database_url))
    assert [f"WRONG {line}" for line in str(refused.value).splitlines()] == wrong
    _validate(_settings(sqlite_database_url), config_import=True)  # the file replaces it: in order


def test_a_broken_file_is_not_wrong_when_the_database_holds_the_organisation(
    sqlite_database_url: str, tmp_path: Path
) -> None:
    _store(sqlite_database_url, example_org())
    config = tmp_path / "liec.yml"
    config.write_text(EXAMPLE.read_text().replace("admins:\n  - U0SECRETARY", "admins:\n  - secretary"))
    report = check(Settings(database_url=sqlite_database_url, liec_config=config))
    assert report.wrong == 0
    assert (
        "ok    organisation in the database (revision 1) (and it agrees with the role files)" in report.lines
    )


def test_a_stored_organisation_that_no_longer_validates_is_wrong(sqlite_database_url: str) -> None:
    from sqlalchemy import update

    from bot.services.organisation import document_of
    from models.organisation import OrganisationDocument

    _store(sqlite_database_url, example_org())
    data = document_of(parse_org_config(example_org()))
    data["admins"] = ["secretary"]
    engine = db.make_engine(sqlite_database_url)
    with db.make_session_factory(engine).begin() as session:
        session.execute(update(OrganisationDocument).values(document=data))
    engine.dispose()
    wrong = _wrong(check(_settings(sqlite_database_url)).lines)
    assert len(wrong) == 1 and "organisation in the database" in wrong[0] and "admins" in wrong[0]
