"""Election position titles as members read them, from the role catalogue (shared by the
election and nomination handlers)."""

from __future__ import annotations

from bot.deps import AppDeps
from bot.services.elections import Position, position_label


def role_titles(deps: AppDeps) -> dict[str, str]:
    return {role.key: role.title for role in deps.roles.roles}


def position_title(deps: AppDeps, position: Position | str) -> str:
    if isinstance(position, str):
        position = Position.parse(position)
    return position_label(position, role_titles(deps))
