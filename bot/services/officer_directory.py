"""Who holds each officer role now, which posts are vacant, and which elections could fill them.

Plain rules over the role catalog and the organisation file: nothing here knows Slack.
A role with posts (the regional coordinators) is filled post by post when its post keys are
region keys; otherwise the role's holders come from ``officers`` in the organisation file.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.config import REGION_KEYS, OrgConfig
from bot.services.roles import RoleCatalog, RoleDoc
from models.elections import ElectionRecord


@dataclass(frozen=True)
class PostHolders:
    title: str | None  # the post's title; None for a role that is one post
    holders: tuple[str, ...]  # Slack user ids; empty when vacant

    @property
    def vacant(self) -> bool:
        return not self.holders


@dataclass(frozen=True)
class DirectoryEntry:
    role: RoleDoc
    posts: tuple[PostHolders, ...]

    @property
    def vacant_posts(self) -> tuple[PostHolders, ...]:
        return tuple(post for post in self.posts if post.vacant)

    @property
    def holders(self) -> tuple[str, ...]:
        seen: list[str] = []
        for post in self.posts:
            seen += [user for user in post.holders if user not in seen]
        return tuple(seen)


def _posts(role: RoleDoc, org: OrgConfig) -> tuple[PostHolders, ...]:
    if role.posts and all(post.key in REGION_KEYS for post in role.posts):
        return tuple(PostHolders(post.title, tuple(_region_holders(org, post.key))) for post in role.posts)
    return (PostHolders(None, tuple(org.holders(role.key))),)


def _region_holders(org: OrgConfig, region: str) -> list[str]:
    config = org.regions.get(region)  # type: ignore[call-overload]
    return list(config.coordinator) if config is not None else []


def directory(roles: RoleCatalog, org: OrgConfig) -> list[DirectoryEntry]:
    """Every role in display order with who holds each of its posts now."""
    return [DirectoryEntry(role, _posts(role, org)) for role in roles.roles]


def is_officer(org: OrgConfig, user_id: str) -> bool:
    """Holds any role, or coordinates any region, according to the organisation file."""
    if any(user_id in holders for holders in org.officers.values()):
        return True
    return any(user_id in region.coordinator for region in org.regions.values())


def roles_held(org: OrgConfig, user_id: str) -> list[str]:
    """Role keys (and ``regions.<key>`` for a coordinator's region) listing the member."""
    held = [key for key, holders in org.officers.items() if user_id in holders]
    held += [f"regions.{key}" for key, region in org.regions.items() if user_id in region.coordinator]
    return held


def aware(moment: datetime, zone_name: str) -> datetime:
    """An election time from the organisation file; one written without an offset is read in
    the election's own time zone."""
    if moment.tzinfo is not None:
        return moment
    try:
        return moment.replace(tzinfo=ZoneInfo(zone_name))
    except (ZoneInfoNotFoundError, ValueError):
        return moment.replace(tzinfo=UTC)


@dataclass(frozen=True)
class ElectionWindow:
    name: str
    kind: str
    opens: datetime  # aware
    closes: datetime  # aware

    def is_open(self, now: datetime) -> bool:
        return self.opens <= now < self.closes


def stored_windows(records: Iterable[ElectionRecord], role_key: str) -> list[ElectionWindow]:
    """Stored elections (from the file, or opened by an admin in Slack) with a post of the role."""
    return [
        ElectionWindow(r.name, r.kind, r.opens_at, r.closes_at)
        for r in records
        if any(key.split(":", 1)[0] == role_key for key in r.positions)
    ]


def elections_for_role(
    org: OrgConfig, role_key: str, now: datetime, stored: Sequence[ElectionWindow] = ()
) -> list[ElectionWindow]:
    """Elections that include the role and have not closed, soonest first: the stored ones,
    and those in the organisation file not stored yet."""
    names = {window.name for window in stored}
    from_file = [
        ElectionWindow(e.name, e.kind, aware(e.opens, e.timezone), aware(e.closes, e.timezone))
        for e in org.elections
        if role_key in e.roles and e.name not in names
    ]
    return sorted((e for e in [*stored, *from_file] if e.closes > now), key=lambda e: e.opens)
