"""Settings from the environment and the organisation file, validated once at start.

Errors name the key at fault in one line each (`elections.0.roles.1: ...`), say what is wrong
and what is expected with an example, so a volunteer can fix the file without a traceback.
"""

from __future__ import annotations

import difflib
import os
import re
import types
from collections.abc import Callable, Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from bot import yaml_text
from bot.meeting_times import MeetingTimeError, parse_duration, parse_meeting_times, parse_zone
from bot.text_measure import count_characters

SLACK_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
SLACK_CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{2,}$")
ROLE_KEY = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
REGION_KEYS = ("americas", "asia-pacific", "europe-africa-middle-east")
DEFAULT_SLACK_API_URL = "https://slack.com/api/"


class ConfigError(Exception):
    """The organisation file or the environment is wrong; the message is one line for the user."""


def _check_user_id(value: str) -> str:
    if not SLACK_USER_ID.match(value):
        raise ValueError(f"{value!r} is not a Slack user id (like U012ABCDEF)")
    return value


def _check_channel_id(value: str | None) -> str | None:
    if value is not None and (not SLACK_CHANNEL_ID.match(value) or value.startswith("D")):
        raise ValueError(
            f"{value!r} is not a channel id; expected an id like C012ABCDEF (in Slack, open the "
            "channel, click its name at the top: the id is at the bottom of that window)"
        )
    return value


def _check_role_key(value: str) -> str:
    if not ROLE_KEY.match(value):
        raise ValueError(f"{value!r} is not a role key (kebab-case, like vice-chair-membership)")
    return value


def _check_time_of_day(value: str) -> str:
    if not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", value):
        raise ValueError(f"{value!r} is not a time like 09:00")
    return value


def _meeting_time_rule(parse: Callable[[str], object], value: str) -> str:
    """Check `value` with a rule of bot/meeting_times.py, shared with the Slack modal."""
    try:
        parse(value)
    except MeetingTimeError as exc:
        # Worded for reminders; the same rule checks other durations here.
        raise ValueError(exc.message.replace("a reminder comes before the meeting, ", "")) from None
    return value


def length_problem(text: str, limit: int, what: str = "It") -> str | None:
    """The member's words when `text` is over `limit` characters, counted as people see them
    (grapheme clusters, bot/text_measure.py) as every length rule of the project is; None
    when it fits. Shared by the file's rules here and the Slack forms' checks."""
    length = count_characters(text)
    if length <= limit:
        return None
    return f"{what} has {length:,} characters; the limit is {limit:,}"


def _at_most(limit: int) -> AfterValidator:
    def check(value: str) -> str:
        problem = length_problem(value, limit)
        if problem:
            raise ValueError(problem)
        return value

    return AfterValidator(check)


# Limits on names and texts people type, each used by the file's rules and by the form's
# field (its max_length; Slack counts a cluster as several characters, so it never lets
# through what the rule refuses).
MEETING_NAME_CHARS = 150
MEETING_AGENDA_CHARS = 2000
ELECTION_NAME_CHARS = 100
MEMBERSHIP_FORMAT_CHARS = 150

UserId = Annotated[str, AfterValidator(_check_user_id)]
ChannelId = Annotated[str, AfterValidator(_check_channel_id)]
RoleKey = Annotated[str, AfterValidator(_check_role_key)]
TimeOfDay = Annotated[str, AfterValidator(_check_time_of_day)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RegionConfig(_Strict):
    # One id, or a list for a job share; empty means the post is vacant.
    coordinator: list[UserId] = Field(default_factory=list)
    channel: ChannelId | None = None

    @field_validator("coordinator", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        if value is None:
            return []
        return [value] if isinstance(value, str) else value


class BranchConfig(_Strict):
    name: str = Field(min_length=1)
    region: Literal["americas", "asia-pacific", "europe-africa-middle-east"]
    channel: ChannelId | None = None


class ChannelsConfig(_Strict):
    announcements: ChannelId | None = None
    admins: ChannelId | None = None


MEETING_KEY = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MEETING_KINDS = ("liec", "gc", "amm", "branch", "other")


def meeting_key_for(name: str) -> str:
    """The key a meeting gets from its name when none is given: 'General Committee' -> 'general-committee'."""
    return "-".join(re.findall(r"[a-z0-9]+", name.lower()))[:60].strip("-") or "meeting"


def _check_url(value: str | None) -> str | None:
    if value is not None and not re.match(r"^https?://[^\s<>|]+$", value):
        raise ValueError(f"{value!r} is not a web address starting with https://")
    return value


class MeetingConfig(_Strict):
    name: Annotated[str, Field(min_length=1), _at_most(MEETING_NAME_CHARS)]
    # Stable id used in commands (/liec meeting cancel gc) and reminder keys; from the name if unset.
    key: str | None = Field(default=None, max_length=60)
    channel: str = Field(min_length=1)
    start: str = Field(min_length=1)
    timezone: str = Field(min_length=1)
    rrule: str | None = None
    reminders: list[str] = Field(default_factory=lambda: ["7d", "1d", "1h"])
    kind: Literal["liec", "gc", "amm", "branch", "other"] = "other"
    agenda: Annotated[str, _at_most(MEETING_AGENDA_CHARS)] | None = None
    agenda_url: str | None = None
    video_url: str | None = None

    @field_validator("start", mode="before")
    @classmethod
    def _start_as_text(cls, value: Any) -> Any:
        # YAML turns an unquoted 2026-12-05 10:00 into a datetime; keep the text as written.
        if isinstance(value, datetime | date):
            return value.isoformat(sep=" ") if isinstance(value, datetime) else value.isoformat()
        return value

    @field_validator("key")
    @classmethod
    def _key(cls, value: str | None) -> str | None:
        if value is not None and not MEETING_KEY.match(value):
            raise ValueError(f"{value!r} is not a meeting key (lower case and dashes, like gc-monthly)")
        return value

    @field_validator("channel")
    @classmethod
    def _channel(cls, value: str) -> str:
        _check_channel_id(value)
        return value

    @field_validator("agenda_url", "video_url")
    @classmethod
    def _urls(cls, value: str | None) -> str | None:
        return _check_url(value)

    @model_validator(mode="after")
    def _times(self) -> MeetingConfig:
        # The same rules as the Slack modal: bot/meeting_times.py.
        try:
            parse_meeting_times(self.start, self.timezone, self.rrule, self.reminders)
        except MeetingTimeError as exc:
            raise ValueError(f"meeting {self.name!r}, {exc.field}: {exc.message}") from None
        return self

    @property
    def meeting_key(self) -> str:
        return self.key or meeting_key_for(self.name)


class ElectionConfig(_Strict):
    name: Annotated[str, Field(min_length=1), _at_most(ELECTION_NAME_CHARS)]
    kind: Literal["regular", "by-election"]
    opens: datetime
    closes: datetime
    timezone: str = "Europe/London"
    # Omitted (or empty): every role in the role files is up for election.
    roles: list[RoleKey] = Field(default_factory=list)

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        return _meeting_time_rule(parse_zone, value)

    @model_validator(mode="after")
    def _window(self) -> ElectionConfig:
        if self.closes <= self.opens:
            raise ValueError("closes must be after opens")
        return self


class WorkingHours(_Strict):
    start: TimeOfDay = "08:00"
    end: TimeOfDay = "21:00"


class DigestConfig(_Strict):
    weekday: Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"] = "friday"
    time: TimeOfDay = "09:00"
    timezone: str = "Europe/London"
    channel: ChannelId | None = None  # the announcements channel when unset

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        return _meeting_time_rule(parse_zone, value)


class OrgConfig(_Strict):
    admins: list[UserId] = Field(min_length=1)
    officers: dict[str, list[UserId]] = Field(default_factory=dict)
    regions: dict[Literal["americas", "asia-pacific", "europe-africa-middle-east"], RegionConfig] = Field(
        default_factory=dict
    )
    branches: dict[str, BranchConfig] = Field(default_factory=dict)
    channels: ChannelsConfig = Field(default_factory=ChannelsConfig)
    meetings: list[MeetingConfig] = Field(default_factory=list)
    elections: list[ElectionConfig] = Field(default_factory=list)
    membership_number_pattern: str = r"^[A-Za-z]?\d{5,8}$"
    # How members are told the format (an example, in words); from the pattern when unset.
    membership_number_format: (
        Annotated[str, Field(min_length=1), _at_most(MEMBERSHIP_FORMAT_CHARS)] | None
    ) = None
    retention_days: int = Field(default=365, ge=1, le=3650)
    escalate_after: float = Field(default=24, gt=0, le=24 * 14)
    working_hours: WorkingHours = Field(default_factory=WorkingHours)
    digest: DigestConfig = Field(default_factory=DigestConfig)
    notice_days: dict[str, int] = Field(default_factory=dict)
    misfire_grace: str = "1h"

    @field_validator("officers", mode="before")
    @classmethod
    def _officer_lists(cls, value: Any) -> Any:
        if isinstance(value, Mapping):
            return {k: ([] if v is None else [v] if isinstance(v, str) else v) for k, v in value.items()}
        return value

    @field_validator("officers")
    @classmethod
    def _officer_ids(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        # Checked here rather than as dict[RoleKey, ...]: the error then names `officers`.
        for role in value:
            _check_role_key(role)
        return value

    @field_validator("membership_number_pattern")
    @classmethod
    def _pattern(cls, value: str) -> str:
        try:
            re.compile(value)
        except re.error as exc:
            raise ValueError(f"not a valid regular expression: {exc}") from exc
        return value

    @field_validator("misfire_grace")
    @classmethod
    def _grace(cls, value: str) -> str:
        return _meeting_time_rule(parse_duration, value)

    @field_validator("notice_days")
    @classmethod
    def _notice_days(cls, value: dict[str, int]) -> dict[str, int]:
        for kind, days in value.items():
            if kind not in MEETING_KINDS:
                raise ValueError(f"{kind!r} is not a meeting kind ({', '.join(MEETING_KINDS)})")
            if not 1 <= days <= 60:
                raise ValueError(f"{kind}: {days} is not a number of days from 1 to 60")
        return value

    @model_validator(mode="after")
    def _meeting_keys(self) -> OrgConfig:
        seen: set[str] = set()
        for meeting in self.meetings:
            if meeting.meeting_key in seen:
                raise ValueError(
                    f"two meetings have the key {meeting.meeting_key!r}: give one a different name or a key"
                )
            seen.add(meeting.meeting_key)
        return self

    def is_admin(self, user_id: str) -> bool:
        return user_id in self.admins

    def holders(self, role_key: str) -> list[str]:
        return list(self.officers.get(role_key, []))


# Examples for the messages, by the name of the key at fault.
_EXAMPLES = {
    "admins": "admins: [U012ABCDEF]",
    "officers": "officers: {secretary: [U012ABCDEF]}",
    "coordinator": "coordinator: U012ABCDEF",
    "channel": "channel: C012ABCDEF",
    "announcements": "announcements: C012ABCDEF",
    "name": "name: General Committee",
    "region": "region: europe-africa-middle-east",
    "start": "start: 2027-01-09 10:00",
    "timezone": "timezone: Europe/London",
    "opens": "opens: 2027-03-01 09:00",
    "closes": "closes: 2027-03-15 17:00",
    "roles": "roles: [secretary, bame-officer]",
    "reminders": "reminders: [7d, 1d, 1h]",
    "time": "time: '09:00'",
    "retention_days": "retention_days: 365",
    "escalate_after": "escalate_after: 24",
}
_FORMS = {
    "list_type": "a list",
    "dict_type": "keys under it",
    "model_type": "keys under it",
    "model_attributes_type": "keys under it",
    "string_type": "text",
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "int_from_float": "a whole number",
    "float_type": "a number",
    "float_parsing": "a number",
    "bool_type": "yes or no",
    "bool_parsing": "yes or no",
}


def _unwrap(annotation: Any) -> Any:
    """X from X | None, Annotated[X, ...] and the like."""
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            annotation = get_args(annotation)[0]
        elif origin in (Union, types.UnionType):
            annotation = next(arg for arg in get_args(annotation) if arg is not type(None))
        else:
            return annotation


def _keys_at(loc: tuple[Any, ...]) -> list[str]:
    """The keys the organisation file allows at `loc` (a path into OrgConfig)."""
    current: Any = OrgConfig
    for part in loc:
        current = _unwrap(current)
        if isinstance(current, type) and issubclass(current, BaseModel):
            field = current.model_fields.get(str(part))
            if field is None:
                return []
            current = field.annotation
        elif get_origin(current) in (list, dict):
            current = get_args(current)[-1]
        else:
            return []
    current = _unwrap(current)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return list(current.model_fields)
    return []


def _example(key: str) -> str:
    example = _EXAMPLES.get(key)
    return f", e.g. `{example}`" if example else ""


def _plain(error: Any) -> str:
    """One pydantic error as `key.path: what is wrong; what is expected, e.g. ...`."""
    loc = tuple(part for part in error["loc"] if part != "[key]")
    path = ".".join(str(part) for part in loc) or "(top level)"
    named = [str(part) for part in loc if isinstance(part, str)]
    key = named[-1] if named else ""
    kind = error["type"]
    given = error.get("input")
    if kind == "missing":
        return f"{path}: is missing; add it{_example(key)}"
    if kind == "extra_forbidden":
        known = _keys_at(loc[:-1])
        close = difflib.get_close_matches(str(loc[-1]), known, n=1, cutoff=0.6)
        if close:
            return f"{path}: `{loc[-1]}` is not a key the bot knows; did you mean `{close[0]}`?"
        return f"{path}: `{loc[-1]}` is not a key the bot knows; the keys here are: {', '.join(known)}"
    if kind == "literal_error":
        expected = error.get("ctx", {}).get("expected", "")
        return f"{path}: {given!r} is not one of the choices; expected one of {expected}"
    if kind.startswith(("datetime", "date")):
        return (
            f"{path}: {given!r} is not a date and time; expected YYYY-MM-DD HH:MM"
            f"{_example(key) or ', e.g. `2027-03-01 09:00`'}"
        )
    if kind in _FORMS:
        return f"{path}: {given!r} is not {_FORMS[kind]}; expected {_FORMS[kind]}{_example(key)}"
    if kind == "too_short":
        return f"{path}: is empty; expected at least one{_example(key)}"
    message = str(error["msg"]).removeprefix("Value error, ")
    return f"{path}: {message}"


def describe_errors(error: ValidationError) -> list[str]:
    return [_plain(item) for item in error.errors()]


def parse_org_config(data: Any, source: str = "organisation file") -> OrgConfig:
    if not isinstance(data, Mapping):
        raise ConfigError(f"{source}: must be a YAML mapping with keys such as admins and officers")
    try:
        return OrgConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError("\n".join(f"{source}: {line}" for line in describe_errors(exc))) from None


def load_org_config(path: Path) -> OrgConfig:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(
            f"{path}: organisation file not found: run `liec-bot init` in this folder to write one "
            "from the example, or set LIEC_CONFIG to where yours is"
        ) from None
    try:
        data = yaml_text.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise ConfigError(f"{path}: not valid YAML{where}") from None
    return parse_org_config(data, str(path))


class Settings(_Strict):
    """The environment, read once."""

    slack_bot_token: str | None = None
    slack_signing_secret: str | None = None
    slack_app_token: str | None = None
    slack_api_url: str = DEFAULT_SLACK_API_URL
    database_url: str = "sqlite:///liec.db"
    liec_config: Path = Path("liec.yml")
    port: int = Field(default=3000, ge=1, le=65535)
    roles_dir: Path | None = None

    @field_validator("slack_api_url")
    @classmethod
    def _trailing_slash(cls, value: str) -> str:
        return value if value.endswith("/") else value + "/"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for name in cls.model_fields:
            raw = env.get(name.upper())
            if raw not in (None, ""):
                values[name] = raw
        try:
            return cls.model_validate(values)
        except ValidationError as exc:
            first = exc.errors()[0]
            raise ConfigError(
                f"environment variable {str(first['loc'][0]).upper()}: "
                f"{first['msg'].removeprefix('Value error, ')}"
            ) from None

    def require_slack_credentials(self) -> None:
        missing = [
            name
            for name, value in (
                ("SLACK_BOT_TOKEN", self.slack_bot_token),
                ("SLACK_SIGNING_SECRET", self.slack_signing_secret),
            )
            if not value
        ]
        if missing:
            raise ConfigError(
                f"{' and '.join(missing)} not set: put them in .env (`liec-bot init` writes one), "
                'or try the bot without Slack: python -m bot try "role secretary"'
            )
