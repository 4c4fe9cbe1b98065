"""The organisation in the database: the one source of truth once the bot has started once.

On the first start of an empty database the organisation file (liec.yml) fills it, validated as
`check` validates it. From then on the stored document is current: `config import` replaces it
(after showing what changes), admins change parts of it from Slack (`/liec org`), and every change
is recorded with who made it, when, and each value before and after.

Every process keeps the current `OrgConfig` in memory: bot/org_store.py `OrgStore`, over the
use cases here (`load`, `fill`, `replace`, `stored_revision`, each taking a session).

Plain Python and SQL; nothing here calls Slack.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import String, cast, func, or_, select, update
from sqlalchemy.orm import Session

from bot.config import OrgConfig, parse_org_config
from bot.services.rows import insert_once
from models.organisation import OrganisationChange, OrganisationDocument

log = logging.getLogger(__name__)

DOCUMENT_ID = 1
# Who made a change that did not come from a person in Slack.
FROM_FILE = "organisation file"
FROM_COMMAND_LINE = "command line"


class OrganisationConflict(Exception):
    """Someone else changed the organisation since the form was opened."""


@dataclass(frozen=True)
class Change:
    """One value that changed; `path` is the key as written in the organisation file."""

    path: str
    before: Any
    after: Any

    def as_dict(self) -> dict[str, Any]:
        return {"path": self.path, "before": self.before, "after": self.after}

    def in_words(self) -> str:
        if self.before is None:
            return f"{self.path}: added, {_words(self.after)}"
        if self.after is None:
            return f"{self.path}: removed (was {_words(self.before)})"
        return f"{self.path}: {_words(self.before)} becomes {_words(self.after)}"


def _words(value: Any) -> str:
    if value is None or value in ([], ""):
        return "nobody/nothing"
    if isinstance(value, list):
        return ", ".join(_words(v) for v in value)
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{k}: {_words(v)}" for k, v in value.items()) + "}"
    return str(value)


def document_of(org: OrgConfig) -> dict[str, Any]:
    """The organisation as plain JSON, as stored and exported; parse_org_config turns it back."""
    return org.model_dump(mode="json")


def _flatten(value: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    """Leaves of the document by key path; lists are leaves (a role's holders, the admins),
    except lists of mappings (meetings, elections), whose items are keyed by position."""
    if isinstance(value, Mapping) and value:
        for key, item in value.items():
            yield from _flatten(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list) and value and all(isinstance(v, Mapping) for v in value):
        for index, item in enumerate(value):
            yield f"{path}[{index}]", item
    else:
        yield path, value


def changes_between(
    before: OrgConfig | Mapping[str, Any], after: OrgConfig | Mapping[str, Any]
) -> list[Change]:
    """What differs, key by key, in the order of the organisation file."""
    old = dict(_flatten(document_of(before) if isinstance(before, OrgConfig) else before))
    new = dict(_flatten(document_of(after) if isinstance(after, OrgConfig) else after))
    paths = list(old) + [p for p in new if p not in old]
    return [Change(p, old.get(p), new.get(p)) for p in paths if old.get(p) != new.get(p)]


def summary_of(changes: list[Change]) -> str:
    return "; ".join(c.in_words() for c in changes) or "no change"


# Reading and writing (each takes the caller's session) ----------------------------------------


def stored_revision(session: Session) -> int | None:
    """The revision number alone: the cheap check every tick makes."""
    return session.scalar(select(OrganisationDocument.revision).where(OrganisationDocument.id == DOCUMENT_ID))


def load(session: Session) -> tuple[OrgConfig, int] | None:
    """The stored organisation and its revision; None in an empty database. A stored document
    that no longer validates (a newer rule) raises ConfigError naming the key."""
    row = session.get(OrganisationDocument, DOCUMENT_ID)
    if row is None:
        return None
    return parse_org_config(row.document, "organisation in the database"), row.revision


def fill(session: Session, org: OrgConfig, actor: str, now: datetime) -> int | None:
    """Store the first organisation (an empty database); returns its revision (1), or None
    when another process filled it first (nothing is stored: theirs is the organisation)."""
    document = {"id": DOCUMENT_ID, "revision": 1, "document": document_of(org), "updated_at": now}
    if not insert_once(session, OrganisationDocument, {**document, "updated_by": actor}, key=["id"]):
        return None
    session.add(
        OrganisationChange(
            revision=1,
            at=now,
            actor_id=actor,
            source="start",
            changes=[],
            summary="the organisation was filled from the organisation file (liec.yml)",
        )
    )
    session.flush()
    return 1


def replace(
    session: Session,
    new: OrgConfig,
    actor: str,
    source: str,
    now: datetime,
    expected_revision: int | None = None,
) -> tuple[int, list[Change]]:
    """Make `new` the organisation; returns the new revision and what changed (nothing changes,
    and the revision stays, when it is the same). With `expected_revision`, a change made by
    someone else meanwhile raises OrganisationConflict instead of being overwritten."""
    row = session.get(OrganisationDocument, DOCUMENT_ID, with_for_update=True)
    if row is None:
        filled = fill(session, new, actor, now)
        if filled is not None:
            return filled, []
        # Another process filled the empty database at the same moment: replace theirs.
        row = session.get_one(OrganisationDocument, DOCUMENT_ID, with_for_update=True)
    if expected_revision is not None and row.revision != expected_revision:
        raise OrganisationConflict
    changes = changes_between(row.document, document_of(new))
    if not changes:
        return row.revision, []
    revision = row.revision + 1
    result = session.execute(
        update(OrganisationDocument)
        .where(OrganisationDocument.id == DOCUMENT_ID, OrganisationDocument.revision == row.revision)
        .values(revision=revision, document=document_of(new), updated_at=now, updated_by=actor)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise OrganisationConflict
    session.add(
        OrganisationChange(
            revision=revision,
            at=now,
            actor_id=actor,
            source=source,
            changes=[c.as_dict() for c in changes],
            summary=summary_of(changes)[:4000],
        )
    )
    session.flush()
    return revision, changes


def recent_changes(session: Session, limit: int = 20) -> list[OrganisationChange]:
    """The newest changes first."""
    return list(
        session.scalars(
            select(OrganisationChange)
            .order_by(OrganisationChange.at.desc(), OrganisationChange.id.desc())
            .limit(limit)
        )
    )


# Data rights ---------------------------------------------------------------------------------
# The posts a member holds are in the export's `organisation_file` section (member_data.py);
# here: the organisation's change log, which names members by Slack id.


def _naming(user_id: str) -> Any:
    return or_(
        OrganisationChange.actor_id == user_id,
        OrganisationChange.summary.contains(user_id, autoescape=True),
        cast(OrganisationChange.changes, String).contains(user_id, autoescape=True),
    )


def _fields_naming(change: OrganisationChange, user_id: str) -> list[str]:
    return [str(c.get("path")) for c in change.changes if user_id in json.dumps(c, default=str)]


def export_member_data(session: Session, user_id: str) -> dict[str, Any]:
    """The organisation's changes that the member made or that name them."""
    found = session.scalars(
        select(OrganisationChange)
        .where(_naming(user_id))
        .order_by(OrganisationChange.at, OrganisationChange.id)
    ).all()
    return {
        "organisation_changes_you_made": [
            {"when": c.at.isoformat(), "what": c.summary, "fields_naming_you": _fields_naming(c, user_id)}
            for c in found
            if c.actor_id == user_id
        ],
        "organisation_changes_naming_you": [
            {
                "when": c.at.isoformat(),
                "who": c.actor_id,
                "what": c.summary,
                "fields_naming_you": _fields_naming(c, user_id),
            }
            for c in found
            if c.actor_id != user_id
        ],
        "you_made_the_current_organisation": session.scalar(
            select(OrganisationDocument.id).where(OrganisationDocument.updated_by == user_id)
        )
        is not None,
    }


def forget_member(session: Session, user_id: str, now: datetime) -> list[tuple[str, str]]:
    """Nothing is deleted: the change log is the record of who held which post and who changed
    it. Returns what is kept and why."""
    del now
    count = session.scalar(select(func.count()).select_from(OrganisationChange).where(_naming(user_id)))
    if not count:
        return []
    return [
        (
            f"{count} record(s) of organisation changes that name you or that you made",
            "the party must be able to show who held each post and who changed it; the records "
            "hold Slack ids and names only",
        )
    ]


def validate_document(data: Mapping[str, Any]) -> OrgConfig:
    """The same validation as `check` and `serve` (bot/config.py); ConfigError names the key."""
    return parse_org_config(dict(data), "organisation")
