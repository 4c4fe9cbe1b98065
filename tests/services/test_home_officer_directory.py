"""The officer directory's rules: holders per role and post, vacancies, elections to fill them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from bot.config import parse_org_config
from bot.services.officer_directory import directory, elections_for_role, is_officer, roles_held
from bot.services.roles import RoleCatalog, default_roles_dir
from bot.views.officers import by_election_info
from bot.views.officers import directory as directory_view
from tests.e2e.harness import example_org

ROLES = RoleCatalog.load(default_roles_dir())
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def _org(**changes: Any) -> Any:
    data = example_org()
    data.update(changes)
    return parse_org_config(data)


def test_every_role_in_order_with_holders_and_vacancies() -> None:
    entries = directory(ROLES, _org())
    assert [e.role.key for e in entries] == [r.key for r in ROLES.roles]
    by_key = {e.role.key: e for e in entries}
    assert by_key["secretary"].holders == ("U0SECRETARY",)
    assert by_key["policy-and-campaigns-officer"].vacant_posts
    coordinator = by_key["regional-coordinator"]
    assert [(p.title, p.holders) for p in coordinator.posts] == [
        ("The Americas", ("U0RCAMERICAS",)),
        ("Asia, Australasia and Pacific", ("U0RCASIAPAC",)),
        ("Europe, Africa and the Middle East", ("U0RCEAME",)),
    ]
    assert not coordinator.vacant_posts


def test_a_job_share_and_a_vacant_region() -> None:
    data = example_org()
    data["regions"]["americas"]["coordinator"] = ["U0ONE", "U0TWO"]
    data["regions"]["asia-pacific"]["coordinator"] = None
    entry = next(e for e in directory(ROLES, parse_org_config(data)) if e.role.key == "regional-coordinator")
    assert entry.posts[0].holders == ("U0ONE", "U0TWO")
    assert [p.title for p in entry.vacant_posts] == ["Asia, Australasia and Pacific"]


def test_a_role_missing_from_the_file_is_vacant() -> None:
    data = example_org()
    del data["officers"]["bame-officer"]
    entry = next(e for e in directory(ROLES, parse_org_config(data)) if e.role.key == "bame-officer")
    assert entry.vacant_posts and entry.holders == ()


def test_officers_and_what_they_hold() -> None:
    org = _org()
    assert is_officer(org, "U0BAME") and is_officer(org, "U0RCEAME") and not is_officer(org, "U0MEMBER")
    assert roles_held(org, "U0RCEAME") == ["regional-coordinator", "regions.europe-africa-middle-east"]
    assert roles_held(org, "U0MEMBER") == []


def test_elections_for_a_role_not_yet_closed_soonest_first() -> None:
    elections = [
        {
            "name": "Past",
            "kind": "by-election",
            "opens": "2026-01-01T00:00:00+00:00",
            "closes": "2026-02-01T00:00:00+00:00",
            "roles": ["secretary"],
        },
        {
            "name": "Later",
            "kind": "regular",
            "opens": "2027-03-01T09:00:00",
            "closes": "2027-03-21T21:00:00",
            "roles": ["secretary", "bame-officer"],
        },
        {
            "name": "Now",
            "kind": "by-election",
            "opens": "2026-11-01T09:00:00+00:00",
            "closes": "2026-12-01T09:00:00+00:00",
            "roles": ["secretary"],
        },
    ]
    found = elections_for_role(_org(elections=elections), "secretary", NOW)
    assert [e.name for e in found] == ["Now", "Later"]
    assert found[0].is_open(NOW) and not found[1].is_open(NOW)
    # Written without an offset: read in the election's own zone (London: GMT in March).
    assert found[1].closes == datetime(2027, 3, 21, 21, tzinfo=UTC)
    assert elections_for_role(_org(elections=elections), "vice-chair-membership", NOW) == []


def test_views_are_valid_block_kit() -> None:
    reply = directory_view(directory(ROLES, _org()))
    reply.block_dicts()
    role = ROLES.get("policy-and-campaigns-officer")
    assert role is not None
    entry = next(e for e in directory(ROLES, _org()) if e.role.key == role.key)
    info = by_election_info(role, entry.vacant_posts, elections_for_role(_org(), role.key, NOW), NOW)
    info.block_dicts()
    assert "LIEC elections 2027" in info.text or any(
        "LIEC elections 2027" in str(b.to_dict()) for b in info.blocks
    )
