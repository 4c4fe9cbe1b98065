"""`liec-bot config export` and `liec-bot config import FILE`: the organisation in the database
to and from an organisation file. Both print plain words; a mistake changes nothing."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

from bot import db
from bot.clock import SystemClock
from bot.config import ConfigError, OrgConfig, Settings, load_org_config
from bot.runtime import load_roles, prepare_database
from bot.services import organisation
from bot.services.config_problems import config_problems
from bot.services.organisation_file import export_text


def validate_file(settings: Settings, path: Path) -> OrgConfig:
    """As `check` validates it: the schema, then agreement with the role files."""
    org = load_org_config(path)
    problems = config_problems(org, load_roles(settings))
    if problems:
        more = f" (and {len(problems) - 1} more problem(s))" if len(problems) > 1 else ""
        raise ConfigError(f"{path}: {problems[0]}{more}")
    return org


def config_export(settings: Settings, output: Path | None) -> int:
    engine = db.make_engine(settings.database_url)
    try:
        prepare_database(engine)
        factory = db.make_session_factory(engine)
        with factory() as session:
            stored = organisation.load(session)
            if stored is None:
                raise ConfigError(
                    "the database holds no organisation yet: it is filled from the organisation "
                    "file when the bot first starts (or run: liec-bot config import liec.yml)"
                )
            org, revision = stored
            text = export_text(org, revision, organisation.recent_changes(session), SystemClock().now())
    finally:
        engine.dispose()
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")
        print(f"organisation (revision {revision}) written to {output}", file=sys.stderr)
    return 0


def config_import(settings: Settings, path: Path, yes: bool, ask: Callable[[str], str] | None = None) -> int:
    new = validate_file(settings, path)
    engine = db.make_engine(settings.database_url)
    try:
        prepare_database(engine)
        factory = db.make_session_factory(engine)
        with factory() as session:
            stored = organisation.load(session)
        if stored is None:
            changes: list[organisation.Change] = []
            print(f"the database holds no organisation yet: {path} becomes the organisation")
            expected = None
        else:
            current, expected = stored
            changes = organisation.changes_between(current, new)
            if not changes:
                print(f"nothing changes: {path} is the organisation already (revision {expected})")
                return 0
            print(f"{len(changes)} change(s) from revision {expected}:")
            for change in changes:
                print(f"  {change.in_words()}")
        if not yes:
            answer = (ask or input)("Apply? Type yes to apply, anything else to leave it as it is: ")
            if answer.strip().lower() not in {"y", "yes"}:
                print("nothing changed")
                return 1
        try:
            with factory.begin() as session:
                revision, _ = organisation.replace(
                    session, new, organisation.FROM_COMMAND_LINE, "import", SystemClock().now(), expected
                )
        except organisation.OrganisationConflict:
            raise ConfigError(
                "the organisation was changed meanwhile (from Slack?): nothing changed; run the import again"
            ) from None
    finally:
        engine.dispose()
    print(f"the organisation is now revision {revision}; running bots take it within a few seconds")
    return 0
