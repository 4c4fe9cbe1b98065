"""`python -m bot db upgrade`, and the bot refusing a database whose schema is behind."""

from __future__ import annotations

from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

import bot.__main__ as cli
from bot import db
from bot.clock import ManualClock
from bot.config import ConfigError, Settings, parse_org_config
from bot.runtime import build_runtime
from models import Base
from tests.e2e.harness import EXAMPLE, example_org

MY_TABLES = {"audit_log", "member_timezones"}


def _settings(url: str) -> Settings:
    return Settings(database_url=url, liec_config=EXAMPLE, slack_signing_secret="s")


def _build(url: str) -> Any:
    from datetime import UTC, datetime

    return build_runtime(
        _settings(url),
        org=parse_org_config(example_org()),
        clock=ManualClock(datetime(2026, 1, 1, tzinfo=UTC)),
    )


@pytest.fixture
def quiet_cli(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli, "setup_logging", lambda *a, **k: None)
    monkeypatch.setattr(cli, "load_dotenv", lambda *a, **k: False)
    for name in ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_API_URL"):
        monkeypatch.delenv(name, raising=False)


def test_the_bot_refuses_a_schema_behind_until_db_upgrade(
    database_url: str, monkeypatch: pytest.MonkeyPatch, quiet_cli: None, capsys: pytest.CaptureFixture[str]
) -> None:
    # Back to before the data-rights tables (0005) and the merge that follows them (0006).
    command.downgrade(db.alembic_config(database_url), "0005_data_rights")
    command.downgrade(db.alembic_config(database_url), "0005_data_rights@-1")
    engine = db.make_engine(database_url)
    assert not MY_TABLES & set(inspect(engine).get_table_names())
    engine.dispose()

    with pytest.raises(ConfigError) as refused:
        _build(database_url)
    assert "python -m bot db upgrade" in str(refused.value)
    assert "0005_data_rights" in str(refused.value) and db.heads()[0] in str(refused.value)

    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("LIEC_CONFIG", str(EXAMPLE))
    assert cli.main(["db", "upgrade"]) == 0
    assert "0005_data_rights" in capsys.readouterr().out
    runtime = _build(database_url)
    runtime.engine.dispose()
    assert cli.main(["db", "upgrade"]) == 0  # again: nothing to do
    assert "nothing to apply" in capsys.readouterr().out


def test_db_upgrade_names_an_unreachable_database_without_a_traceback(
    monkeypatch: pytest.MonkeyPatch, quiet_cli: None, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://someone:hunter2@127.0.0.1:9/none")
    assert cli.main(["db", "upgrade"]) == 1
    err = capsys.readouterr().err
    assert "cannot upgrade the database" in err and "hunter2" not in err


def test_the_migration_matches_the_models(database_url: str) -> None:
    engine = db.make_engine(database_url)
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    engine.dispose()
    mine = [d for d in diff if MY_TABLES & set(str(d).split("'"))]
    assert mine == []


def test_the_migration_downgrades_and_upgrades_again(database_url: str) -> None:
    config = db.alembic_config(database_url)
    command.downgrade(config, "0005_data_rights")
    command.downgrade(config, "0005_data_rights@-1")
    engine = db.make_engine(database_url)
    assert not MY_TABLES & set(inspect(engine).get_table_names())
    engine.dispose()
    command.upgrade(config, "head")
    engine = db.make_engine(database_url)
    assert set(inspect(engine).get_table_names()) >= MY_TABLES
    assert db.schema_behind(engine) == set()
    engine.dispose()
