"""`liec-bot config export` and `config import`: the organisation in the database, to and from a file."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.__main__ import main
from bot.clock import ManualClock
from bot.config import Settings, parse_org_config
from bot.org_store import OrgStore
from bot.services import organisation
from tests.e2e.harness import EXAMPLE, example_org
from tests.services.test_organisation import NOW


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, database_url: str, tmp_path: Path) -> Settings:
    monkeypatch.chdir(tmp_path)  # no .env of the checkout
    monkeypatch.setattr("bot.__main__.setup_logging", lambda _level: None)  # pytest owns the log here
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("LIEC_CONFIG", str(EXAMPLE))
    return Settings(database_url=database_url, liec_config=EXAMPLE)


def _stored(settings: Settings) -> tuple[object, int]:
    from bot import db

    engine = db.make_engine(settings.database_url)
    try:
        with db.make_session_factory(engine)() as session:
            stored = organisation.load(session)
            assert stored is not None
            return stored
    finally:
        engine.dispose()


def _fill(settings: Settings) -> None:
    from bot import db

    engine = db.make_engine(settings.database_url)
    try:
        OrgStore.open(
            db.make_session_factory(engine), ManualClock(NOW), lambda: parse_org_config(example_org())
        )
    finally:
        engine.dispose()


def test_export_then_import_of_the_same_file_changes_nothing(
    env: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _fill(env)
    exported = tmp_path / "exported.yml"
    assert main(["config", "export", "-o", str(exported)]) == 0
    text = exported.read_text()
    assert "the database is the source of truth" in text and "# Who holds each role now" in text
    assert main(["config", "import", str(exported)]) == 0
    assert "nothing changes" in capsys.readouterr().out
    assert _stored(env)[1] == 1


def test_import_shows_the_changes_asks_and_records_them(
    env: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _fill(env)
    data = example_org()
    data["regions"]["americas"]["coordinator"] = "U0NEWAMERICAS"
    data["officers"]["regional-coordinator"] = ["U0NEWAMERICAS", "U0RCASIAPAC", "U0RCEAME"]
    changed = tmp_path / "changed.yml"
    changed.write_text(yaml.safe_dump(data))

    monkeypatch.setattr("builtins.input", lambda _prompt: "no")
    assert main(["config", "import", str(changed)]) == 1
    out = capsys.readouterr().out
    assert "regions.americas.coordinator: U0RCAMERICAS becomes U0NEWAMERICAS" in out
    assert "nothing changed" in out and _stored(env)[1] == 1

    assert main(["config", "import", str(changed), "--yes"]) == 0
    org, revision = _stored(env)
    assert revision == 2 and org.regions["americas"].coordinator == ["U0NEWAMERICAS"]  # type: ignore[attr-defined]

    assert main(["config", "export"]) == 0
    exported = capsys.readouterr().out
    assert "by command line (import): " in exported and "U0NEWAMERICAS" in exported


@pytest.mark.parametrize(
    ("mistake", "key"),
    [
        (lambda d: d["regions"]["americas"].update(coordinator="nobody"), "regions.americas.coordinator"),
        (lambda d: d.update(escalate_after=-1), "escalate_after"),
        (lambda d: d["officers"].update(treasurer=["U0TREASURE"]), "officers.treasurer"),
    ],
)
def test_an_import_with_a_mistake_changes_nothing_and_names_the_key(
    env: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str], mistake: object, key: str
) -> None:
    _fill(env)
    data = example_org()
    mistake(data)  # type: ignore[operator]
    wrong = tmp_path / "wrong.yml"
    wrong.write_text(yaml.safe_dump(data))
    assert main(["config", "import", str(wrong), "--yes"]) == 2
    err = capsys.readouterr().err
    assert key in err and "Traceback" not in err
    assert _stored(env)[1] == 1


def test_serve_reads_the_file_only_to_fill_an_empty_database_or_with_config_import(
    env: Settings, tmp_path: Path
) -> None:
    from bot.__main__ import _parser, _validate
    from bot.config import ConfigError

    broken = tmp_path / "broken.yml"
    broken.write_text(EXAMPLE.read_text().replace("U0CHAIR", "chair"))
    settings = env.model_copy(update={"liec_config": broken})
    with pytest.raises(ConfigError, match=r"admins\.1"):
        _validate(settings)  # an empty database is filled from the file: it must be right
    _fill(env)
    _validate(settings)  # the database is the organisation now; the file is not read
    with pytest.raises(ConfigError, match=r"admins\.1"):
        _validate(settings, config_import=True)
    assert _parser().parse_args(["serve", "--config-import"]).config_import is True
