"""Election position titles as members read them, from the role catalogue."""

from __future__ import annotations

from bot.services.elections import Position, position_label
from bot.services.roles import RoleCatalog


def role_titles(roles: RoleCatalog) -> dict[str, str]:
    return {role.key: role.title for role in roles.roles}


def position_title(roles: RoleCatalog, position: Position | str) -> str:
    if isinstance(position, str):
        position = Position.parse(position)
    return position_label(position, role_titles(roles))
