"""`liec-bot db backup`: SQLite's online backup API, a sound copy even while the bot writes."""

from __future__ import annotations

import sqlite3
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import inspect

from bot import db
from bot.__main__ import main
from bot.backup import BackupError, backup


def test_a_backup_is_a_complete_database_made_while_another_connection_writes(
    sqlite_database_url: str, tmp_path: Path
) -> None:
    source = Path(sqlite_database_url.removeprefix("sqlite:///"))
    with sqlite3.connect(source) as conn:
        conn.execute("CREATE TABLE notes (n INTEGER)")
        conn.executemany("INSERT INTO notes VALUES (?)", [(n,) for n in range(5000)])
    stop = threading.Event()

    def writer() -> None:
        conn = sqlite3.connect(source, timeout=10)
        while not stop.is_set():
            with conn:
                conn.execute("INSERT INTO notes VALUES (-1)")
        conn.close()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        written = backup(sqlite_database_url, tmp_path / "copy.db")
    finally:
        stop.set()
        thread.join()
    with sqlite3.connect(written) as copy:
        assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert copy.execute("SELECT count(*) FROM notes WHERE n >= 0").fetchone() == (5000,)
    engine = db.make_engine(f"sqlite:///{written}")
    try:
        assert "scheduled_jobs" in inspect(engine).get_table_names()
        assert db.schema_behind(engine) == set()  # restoring is putting this file back
    finally:
        engine.dispose()
    assert not list(tmp_path.glob("*.part"))


def test_the_default_name_is_beside_the_database_with_the_time(sqlite_database_url: str) -> None:
    source = Path(sqlite_database_url.removeprefix("sqlite:///"))
    written = backup(sqlite_database_url, now=datetime(2027, 1, 9, 10, 30, tzinfo=UTC))
    assert written == source.with_name("liec-backup-20270109-103000.db")
    with pytest.raises(BackupError, match="exists already"):
        backup(sqlite_database_url, now=datetime(2027, 1, 9, 10, 30, tzinfo=UTC))


def test_postgresql_is_pointed_at_pg_dump_and_a_missing_file_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://liec@127.0.0.1:9/liec")
    assert main(["db", "backup"]) == 1
    assert "pg_dump" in capsys.readouterr().err
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/none.db")
    assert main(["db", "backup"]) == 1
    assert "does not exist" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_the_command_prints_where_it_wrote(
    sqlite_database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("DATABASE_URL", sqlite_database_url)
    assert main(["db", "backup", "--to", str(tmp_path / "b.db")]) == 0
    assert capsys.readouterr().out == f"backed up to {tmp_path / 'b.db'}\n"
