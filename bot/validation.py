"""One validation of the organisation file and the role files, for `check` and `serve` alike.

`check` prints every problem and `serve` refuses to start on exactly the same ones, with the
same line for each: the file, the key path (`elections.0.roles.1`), what is wrong and what is
expected, with an example.
"""

from __future__ import annotations

from dataclasses import dataclass, field

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


def validate(settings: Settings) -> Validation:
    result = Validation()
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
        result.problems += [f"{settings.liec_config}: {line}" for line in problems]
    result.settings_problems = placeholder_tokens(settings)
    return result


def require_valid(settings: Settings) -> tuple[OrgConfig, RoleCatalog]:
    """What `serve` starts with; every problem `check` would call WRONG stops it."""
    result = validate(settings)
    if result.all_problems or result.org is None or result.roles is None:
        raise ConfigError("\n".join(result.all_problems))
    return result.org, result.roles
