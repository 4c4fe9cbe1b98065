"""The organisation as a commented organisation file (`liec-bot config export`), and reading one
back for `config import`. Plain text in, plain text out; nothing here calls Slack."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import yaml

from bot.config import OrgConfig
from bot.services.organisation import document_of
from models.organisation import OrganisationChange

HEADER = """\
# The organisation file: who is who in Labour International, for the LIEC bot.
# Exported from the bot's database{when} (revision {revision}).
#
# Two sources, one organisation: the database is the source of truth once the bot has started.
# An empty database is filled from this file at the first start; after that admins change the
# organisation from Slack (/liec org) and the bot ignores this file, unless the deployment runs
# `liec-bot serve --config-import` (the file replaces the stored organisation on every start) or
# someone runs `liec-bot config import liec.yml` (shows what changes, asks, then replaces it).
# A Slack user id looks like U012ABCDEF: in Slack, open a profile, "⋮" -> "Copy member ID".
"""

SECTION_COMMENTS: dict[str, str] = {
    "admins": "Who may run admin commands and change the organisation (/liec org).",
    "officers": "Who holds each role now (role key -> Slack ids; two ids for a job share; [] when vacant).",
    "regions": "The three regions, their coordinators (a list; two for a job share) and an optional\n"
    "questions channel (questions go there instead of a DM).",
    "branches": "Branches, each in one region; a member's branch decides their region.",
    "channels": "Where announcements go, and where alerts for the admins go.",
    "meetings": "Meetings: start is the local wall time in the meeting's own time zone.",
    "elections": "Officer elections (regular ones in odd-numbered years; by-elections for vacancies).",
    "membership_number_pattern": "What a membership number looks like (a regular expression).",
    "membership_number_format": "How members are told the format, in words with an example\n"
    "(null: worked out from the pattern).",
    "retention_days": "Days that members' personal data is kept after it is no longer needed.",
    "escalate_after": "Hours before an unclaimed question goes to the Vice Chair (Membership).",
    "working_hours": "The coordinators' working hours, in their own time zones.",
    "digest": "The weekly digest of meetings: day, time and zone.",
    "notice_days": "Days before a meeting of each kind that the Secretary is reminded to circulate\n"
    "the agenda.",
    "misfire_grace": "How late a reminder may still go out after the bot was down.",
}

CHANGES_SHOWN = 50


def _comment(text: str) -> str:
    return "".join(f"# {line}\n" if line else "#\n" for line in text.splitlines())


def _yaml(value: dict[str, Any]) -> str:
    return yaml.safe_dump(value, sort_keys=False, allow_unicode=True, default_flow_style=False, width=100)


def _when(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def export_text(
    org: OrgConfig,
    revision: int,
    changes: Sequence[OrganisationChange] = (),
    now: datetime | None = None,
) -> str:
    """A commented organisation file that `config import` reads back to the same organisation."""
    parts = [HEADER.format(when=f" on {_when(now)}" if now else "", revision=revision)]
    for key, value in document_of(org).items():
        comment = SECTION_COMMENTS.get(key)
        parts.append("\n" + (_comment(comment) if comment else "") + _yaml({key: value}))
    if changes:
        lines = [f"Changes, newest first (the last {min(len(changes), CHANGES_SHOWN)}):"]
        for change in list(changes)[:CHANGES_SHOWN]:
            lines.append(
                f"  revision {change.revision}, {_when(change.at)}, by {change.actor_id} ({change.source}): "
                f"{change.summary}"
            )
        parts.append("\n" + _comment("\n".join(" ".join(line.split("\n")) for line in lines)))
    return "".join(parts)
