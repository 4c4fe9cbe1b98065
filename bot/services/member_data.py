"""Members' data rights: everything the bot stores about a member, and erasing it.

Each feature that stores personal data is a provider with two functions:
``export_member_data(session, user_id) -> dict`` (JSON-ready) and
``forget_member(session, user_id, now) -> [(what was kept, why)]``. Roles and the officer
directory store nothing (they read the organisation file), so they have no provider.
A forget runs every provider in one transaction: it is done entirely or not at all.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from bot.config import OrgConfig
from bot.services import (
    admin_alerts,
    apologies,
    audit,
    calendar,
    meeting_member_data,
    member_timezones,
    nominations,
    officer_directory,
    organisation,
    questions,
    scheduled_member_data,
)

ExportFn = Callable[[Session, str], dict[str, Any]]
ForgetFn = Callable[[Session, str, datetime], list[tuple[str, str]]]


@dataclass(frozen=True)
class DataProvider:
    key: str  # the section name in the export
    title: str  # what members call it
    export: ExportFn
    forget: ForgetFn


@dataclass(frozen=True)
class Kept:
    feature: str  # the provider's title
    what: str
    why: str


def providers() -> list[DataProvider]:
    """Every feature that stores personal data, in the order the export shows them."""
    return [
        DataProvider("nominations", "Nominations", nominations.export_member_data, nominations.forget_member),
        DataProvider(
            "regional_questions",
            "Regional questions",
            questions.export_member_data,
            questions.forget_member,
        ),
        DataProvider(
            "meetings",
            "Meetings",
            meeting_member_data.export_member_data,
            meeting_member_data.forget_member,
        ),
        DataProvider(
            "meeting_answers",
            "Meeting apologies and attendance",
            apologies.export_member_data,
            apologies.forget_member,
        ),
        DataProvider(
            "meeting_calendars",
            "Meetings in your calendar",
            calendar.export_member_data,
            calendar.forget_member,
        ),
        DataProvider(
            "home_tab",
            "Home tab",
            member_timezones.export_member_data,
            member_timezones.forget_member,
        ),
        DataProvider(
            "delivery_problems",
            "Problems reaching you",
            admin_alerts.export_member_data,
            admin_alerts.forget_member,
        ),
        DataProvider("audit_log", "Audit log", audit.export_member_data, audit.forget_member),
        DataProvider(
            "organisation", "Organisation", organisation.export_member_data, organisation.forget_member
        ),
        # Last: the features above cancel their jobs first; this deletes every row naming the member.
        DataProvider(
            "scheduled_work",
            "Scheduled work",
            scheduled_member_data.export_member_data,
            scheduled_member_data.forget_member,
        ),
    ]


@dataclass(frozen=True)
class MemberExport:
    user_id: str
    generated_at: datetime
    organisation_file: dict[str, Any]
    sections: dict[str, Any]  # provider key -> that provider's export

    def as_dict(self) -> dict[str, Any]:
        return {
            "about": "Everything the LIEC bot stores about you.",
            "slack_user_id": self.user_id,
            "generated_at": self.generated_at.isoformat(),
            "organisation_file": self.organisation_file,
            **self.sections,
        }

    def as_json(self) -> str:
        return json.dumps(self.as_dict(), indent=2, ensure_ascii=False, default=str)


def _organisation_file(org: OrgConfig, user_id: str) -> dict[str, Any]:
    return {
        "admin": org.is_admin(user_id),
        "roles_held": officer_directory.roles_held(org, user_id),
    }


def export_member(
    session: Session,
    org: OrgConfig,
    user_id: str,
    now: datetime,
    sources: list[DataProvider] | None = None,
) -> MemberExport:
    sections = {p.key: p.export(session, user_id) for p in (sources if sources is not None else providers())}
    return MemberExport(user_id, now, _organisation_file(org, user_id), sections)


def forget(
    session: Session,
    org: OrgConfig,
    user_id: str,
    now: datetime,
    sources: list[DataProvider] | None = None,
) -> list[Kept]:
    """Erase what each feature need not keep; the caller commits (or rolls back) once."""
    kept: list[Kept] = []
    for provider in sources if sources is not None else providers():
        kept += [Kept(provider.title, what, why) for what, why in provider.forget(session, user_id, now)]
    held = officer_directory.roles_held(org, user_id)
    if held or org.is_admin(user_id):
        listed = ", ".join([*held, *(["admins"] if org.is_admin(user_id) else [])])
        kept.append(
            Kept(
                "Organisation file",
                f"your Slack id in the organisation file ({listed})",
                "it says who holds each office; the Secretary or another admin removes it (/liec org) "
                "when you stand down",
            )
        )
    session.flush()
    return kept


# The readable summary ---------------------------------------------------------------------


def _label(key: str) -> str:
    words = key.replace("_", " ").strip()
    return words[:1].upper() + words[1:]


def _scalar(value: Any) -> str:
    if value is None:
        return "(none)"
    if value is True:
        return "yes"
    if value is False:
        return "no"
    return str(value)


def _lines(value: Any, indent: int) -> list[str]:
    pad = "  " * indent
    if isinstance(value, dict):
        out: list[str] = []
        for key, item in value.items():
            if isinstance(item, dict | list) and item:
                out.append(f"{pad}{_label(str(key))}:")
                out += _lines(item, indent + 1)
            elif isinstance(item, dict | list):
                out.append(f"{pad}{_label(str(key))}: (none)")
            else:
                out.append(f"{pad}{_label(str(key))}: {_scalar(item)}")
        return out
    if isinstance(value, list):
        out = []
        for number, item in enumerate(value, start=1):
            if isinstance(item, dict | list):
                out.append(f"{pad}{number}.")
                out += _lines(item, indent + 1)
            else:
                out.append(f"{pad}- {_scalar(item)}")
        return out
    return [f"{pad}{_scalar(value)}"]


def readable_summary(export: MemberExport, titles: dict[str, str] | None = None) -> str:
    """The export as plain text a member can read without a JSON viewer."""
    titles = titles if titles is not None else {p.key: p.title for p in providers()}
    lines = [
        "Everything the LIEC bot stores about you",
        f"Slack user id: {export.user_id}",
        f"Prepared: {export.generated_at:%d %B %Y %H:%M} UTC",
        "",
        "The bot does not store your Slack profile (name, email, photo): it reads your time zone",
        "from Slack when it needs it.",
        "",
        "Organisation file",
        *_lines(export.organisation_file, 1),
    ]
    for key, data in export.sections.items():
        lines += ["", titles.get(key, _label(key)), *(_lines(data, 1) or ["  (nothing)"])]
    return "\n".join(lines) + "\n"
