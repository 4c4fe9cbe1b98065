"""One validation of the organisation and the role files, for `check` and `serve` alike.

`check` prints every problem and `serve` refuses to start on exactly the same ones, with the
same line for each: the source, the key path (`elections.0.roles.1`), what is wrong and what is
expected, with an example.

The organisation checked is the one `serve` will use: the one stored in the database when there
is one (issue 13: the file only fills an empty database), else the file; the file as well with
`serve --config-import`, which makes it replace the stored one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import inspect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from bot import db
from bot.config import ConfigError, OrgConfig, Settings, load_org_config
from bot.runtime import load_roles
from bot.services.config_problems import config_problems
from bot.services.roles import RoleCatalog


@dataclass
class Validation:
    org: OrgConfig | None = None
    roles: RoleCatalog | None = None
    problems: list[str] = field(default_factory=list)  # the organisation file and the role files
    settings_problems: list[str] = field(default_factory=list)  # the environment (.env)
    source: str = ""  # which organisation was checked: the file's path, or the database's
    from_database: bool = False

    @property
    def all_problems(self) -> list[str]:
        return self.problems + self.settings_problems


def placeholder_tokens(settings: Settings) -> list[str]:
    """Tokens still as `liec-bot init` wrote them (`xoxb-...`): Slack would only refuse them."""
    problems = []
    if (settings.slack_bot_token or "").endswith("..."):
        problems.append(
            "Slack bot token: SLACK_BOT_TOKEN in .env is still the example's xoxb-...: paste the Bot User "
            "OAuth Token from api.slack.com/apps -> your app -> OAuth & Permissions"
        )
    if (settings.slack_app_token or "").endswith("..."):
        problems.append(
            "Slack app token: SLACK_APP_TOKEN in .env is still the example's xapp-...: create one under "
            "Basic Information -> App-Level Tokens (connections:write) and paste it, "
            "or empty the line to serve HTTP"
        )
    if (settings.slack_signing_secret or "") == "...":
        problems.append(
            "Slack signing secret: SLACK_SIGNING_SECRET in .env is still the example's ...: paste the "
            "Signing Secret from api.slack.com/apps -> your app -> Basic Information"
        )
    return problems


@dataclass(frozen=True)
class Stored:
    """The organisation stored in the database: its revision, and it or why it does not validate."""

    revision: int
    org: OrgConfig | None
    problems: list[str]

    @property
    def source(self) -> str:
        return f"organisation in the database (revision {self.revision})"


def _sqlite_file_missing(url: str) -> bool:
    parsed = make_url(db.normalise_url(url))
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return False
    return not Path(parsed.database).exists()


def stored_organisation(settings: Settings) -> Stored | None:
    """The organisation `serve` would read from the database; None when there is none to read
    (no database yet, an empty one, or one `check`'s database line reports as unreadable or
    behind): then `serve` fills it from the file, or refuses to start for the database."""
    from bot.services import organisation  # imports the models; not needed for the file alone

    if _sqlite_file_missing(settings.database_url):
        return None  # reading it would create it
    try:
        engine = db.make_engine(settings.database_url, bounded=False)
    except (SQLAlchemyError, OSError):
        return None
    try:
        if "organisation" not in inspect(engine).get_table_names():
            return None
        with db.make_session_factory(engine)() as session:
            revision = organisation.stored_revision(session)
            if revision is None:
                return None
            try:
                loaded = organisation.load(session)
            except ConfigError as exc:
                return Stored(revision, None, str(exc).splitlines())
            return Stored(revision, loaded[0] if loaded else None, [])
    except (SQLAlchemyError, OSError):
        return None
    finally:
        engine.dispose()


def validate(settings: Settings, *, config_import: bool = False) -> Validation:
    """The organisation `serve` will use (`config_import`: the file, as `serve --config-import`)
    with the role files, and the environment. `source` says which organisation was checked."""
    result = Validation()
    stored = None if config_import else stored_organisation(settings)
    if stored is not None:
        result.source, result.from_database = stored.source, True
        result.org = stored.org
        result.problems += stored.problems
    else:
        result.source = str(settings.liec_config)
        try:
            result.org = load_org_config(settings.liec_config)
        except ConfigError as exc:
            result.problems += str(exc).splitlines()
    try:
        result.roles = load_roles(settings)
    except ConfigError as exc:
        result.problems += [f"role files: {line}" for line in str(exc).splitlines()]
    if result.org is not None and result.roles is not None:
        problems = config_problems(result.org, result.roles)
        result.problems += [f"{result.source}: {line}" for line in problems]
    result.settings_problems = placeholder_tokens(settings)
    return result


def require_valid(settings: Settings, *, config_import: bool = False) -> tuple[OrgConfig, RoleCatalog]:
    """What `serve` starts with; every problem `check` would call WRONG stops it."""
    result = validate(settings, config_import=config_import)
    if result.all_problems or result.org is None or result.roles is None:
        raise ConfigError("\n".join(result.all_problems))
    return result.org, result.roles
