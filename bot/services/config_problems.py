"""Mistakes in the organisation file that its schema cannot see: they need the role files.

Each problem is one line in plain words naming the key to fix. `python -m bot check` prints
them and the Home tab shows them to admins and officers. A vacant post is not a problem.
"""

from __future__ import annotations

from bot.config import REGION_KEYS, OrgConfig
from bot.services.roles import RoleCatalog


def _unknown_role(where: str, key: str, roles: RoleCatalog) -> str:
    known = ", ".join(role.key for role in roles.roles)
    return (
        f"{where}: there is no role '{key}' in the role files; expected one of {known} "
        f"(e.g. `{roles.roles[0].key if roles.roles else 'secretary'}`), or add a role file for it"
    )


def _coordinator_problems(org: OrgConfig, roles: RoleCatalog) -> list[str]:
    """The regional coordinators are named twice (officers and regions): the two must agree."""
    problems: list[str] = []
    for role in roles.roles:
        region_posts = [post.key for post in role.posts if post.key in REGION_KEYS]
        if not region_posts or role.key not in org.officers:
            continue
        listed = set(org.holders(role.key))
        coordinating = {
            user for key, region in org.regions.items() if key in region_posts for user in region.coordinator
        }
        for user in sorted(listed - coordinating):
            problems.append(
                f"officers.{role.key}: lists {user}, who coordinates no region under regions; "
                f"expected them as a region's coordinator, e.g. `coordinator: {user}`, or remove them"
            )
        for key, region in org.regions.items():
            for user in region.coordinator:
                if key in region_posts and user not in listed:
                    problems.append(
                        f"regions.{key}.coordinator: {user} coordinates a region but is not listed under "
                        f"officers.{role.key}; expected them there too, e.g. `{role.key}: [{user}]`"
                    )
    return problems


def config_problems(org: OrgConfig, roles: RoleCatalog) -> list[str]:
    problems: list[str] = []
    for key in org.officers:
        if roles.get(key) is None:
            problems.append(_unknown_role(f"officers.{key}", key, roles))
    for region in REGION_KEYS:
        if region not in org.regions:
            problems.append(
                f"regions.{region} is missing: members there have no coordinator "
                "(write `coordinator: []` under it if the post is vacant)"
            )
    problems += _coordinator_problems(org, roles)
    for number, election in enumerate(org.elections):
        for index, key in enumerate(election.roles):
            if roles.get(key) is None:
                problems.append(_unknown_role(f"elections.{number}.roles.{index}", key, roles))
    return problems
