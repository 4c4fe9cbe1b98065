"""The migration history is one line: one head, so `db upgrade` and `db revision` never guess."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bot import db

ROOT = Path(__file__).resolve().parent.parent


def test_history_has_exactly_one_head() -> None:
    assert len(db.heads()) == 1, f"several heads: {db.heads()}; add a merge revision"


def test_alembic_heads_works_in_the_checkout() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "alembic", "heads"],
        check=False,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert db.heads()[0] in done.stdout


def test_db_revision_writes_the_next_migration_after_the_head(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # A copy of the migrations, so the checkout is not changed by the test.
    import shutil

    copy = tmp_path / "migrations"
    shutil.copytree(ROOT / "migrations", copy)
    monkeypatch.setattr(db, "MIGRATIONS_DIR", copy)
    head = db.heads()[0]
    path = Path(db.new_revision("Add apologies"))
    assert path.parent == copy / "versions"
    assert path.name.count("add_apologies") == 1  # named by the revision id, the slug once
    text = path.read_text()
    assert f'down_revision = "{head}"' in text or f"down_revision = '{head}'" in text
    assert db.heads() != [head] and len(db.heads()) == 1


def test_the_head_read_without_alembic_is_alembics_head(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # The start's shortcut (bot.db.schema_behind) trusts head_revision(): it must name the same
    # head as Alembic, in the checkout and after `db revision` adds one.
    assert db.head_revision() == db.heads()[0]
    import shutil

    copy = tmp_path / "migrations"
    shutil.copytree(ROOT / "migrations", copy)
    monkeypatch.setattr(db, "MIGRATIONS_DIR", copy)
    db.new_revision("Add apologies")
    assert db.head_revision() == db.heads()[0] != "0010_admin_alerts"


def test_a_revision_written_unusually_leaves_the_schema_check_to_alembic(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import shutil

    copy = tmp_path / "migrations"
    shutil.copytree(ROOT / "migrations", copy)
    monkeypatch.setattr(db, "MIGRATIONS_DIR", copy)
    head = db.heads()[0]
    (copy / "versions" / "0099_computed.py").write_text(
        f'revision = "0099_" + "computed"\ndown_revision = "{head}"\n\n'
        "def upgrade() -> None:\n    pass\n\n\ndef downgrade() -> None:\n    pass\n"
    )
    assert db.heads() == ["0099_computed"]
    assert db.head_revision() is None  # not a literal: the shortcut does not guess
    url = f"sqlite:///{tmp_path}/at_old_head.db"
    monkeypatch.setattr(db, "MIGRATIONS_DIR", ROOT / "migrations")
    db.upgrade(url)  # at the checkout's head, one behind the copy's
    monkeypatch.setattr(db, "MIGRATIONS_DIR", copy)
    engine = db.make_engine(url)
    try:
        assert db.schema_behind(engine) == {"0099_computed"}
    finally:
        engine.dispose()


FAILING_REVISION = '''"""A migration that fails half-way: a table made, a row written, then an error."""

import sqlalchemy as sa
from alembic import op

revision = "9999_fails_half_way"
down_revision = "{head}"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("half_made", sa.Column("id", sa.Integer, primary_key=True))
    op.execute("INSERT INTO half_made (id) VALUES (1)")
    op.create_table("also_half_made", sa.Column("id", sa.Integer, primary_key=True))
    raise RuntimeError("the migration failed half-way")


def downgrade() -> None:
    pass
'''


def test_a_migration_that_fails_half_way_leaves_nothing_behind_and_can_be_run_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, database_url: str
) -> None:
    """On SQLite too: pysqlite begins a transaction only before an INSERT, so the table made
    before it stayed, and the next `db upgrade` stopped on it (bot/db.py `_begin_everything`)."""
    import shutil

    from sqlalchemy import inspect

    copy = tmp_path / "migrations"
    shutil.copytree(ROOT / "migrations", copy)
    monkeypatch.setattr(db, "MIGRATIONS_DIR", copy)
    head = db.heads()[0]
    failing = copy / "versions" / "9999_fails_half_way.py"
    failing.write_text(FAILING_REVISION.replace("{head}", head))
    with pytest.raises(RuntimeError, match="half-way"):
        db.upgrade(database_url)
    engine = db.make_engine(database_url)
    try:
        tables = set(inspect(engine).get_table_names())
        assert not tables & {"half_made", "also_half_made"}
        assert db.schema_behind(engine) == {"9999_fails_half_way"}  # still at the head before it
        failing.unlink()  # the migration mended (here: taken out); the upgrade runs again
        db.upgrade(database_url)
        assert db.schema_behind(engine) == set()
    finally:
        engine.dispose()
