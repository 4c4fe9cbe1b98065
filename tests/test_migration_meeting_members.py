"""Migration 0007: the tables of members' calendars and answers match the models, and the
migration goes down and up again."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from bot import db
from models import Base

MY_TABLES = {"calendar_additions", "meeting_answers"}


def test_the_migration_matches_the_models(database_url: str) -> None:
    engine = db.make_engine(database_url)
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    engine.dispose()
    mine = [d for d in diff if MY_TABLES & set(str(d).split("'"))]
    assert mine == []


def test_the_migration_downgrades_and_upgrades_again(database_url: str) -> None:
    config = db.alembic_config(database_url)
    command.downgrade(config, "0006_merge_heads")
    engine = db.make_engine(database_url)
    assert not MY_TABLES & set(inspect(engine).get_table_names())
    assert "0007_meeting_members" in db.schema_behind(engine)
    command.upgrade(config, "heads")
    assert set(inspect(engine).get_table_names()) >= MY_TABLES
    assert db.schema_behind(engine) == set()
    engine.dispose()
