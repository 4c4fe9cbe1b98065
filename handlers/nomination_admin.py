"""The returning officer's Mark as checked. The list and the CSV export (sent to the admin's
DM) are bot/flows/nomination_lists.py; /liec nominations itself is handlers/nominations.py.

Personal data goes only to DMs, never to a channel or a log line (ids only).
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Respond

from bot.deps import AppDeps
from bot.listeners import after_ack
from bot.routes import Routes
from bot.services import item_fates
from bot.services.position_titles import position_title
from bot.views import nominations as views
from bot.views.common import escape

log = logging.getLogger(__name__)


def _on_checked(deps: AppDeps, body: dict[str, Any], respond: Respond) -> None:
    user_id = body["user"]["id"]
    if not deps.is_admin(user_id):
        respond(text="Only LIEC admins can do that.", replace_original=False, response_type="ephemeral")
        return
    nomination_id = int(body["actions"][0].get("value") or 0)
    checked = deps.write(item_fates.mark_checked_by_id, nomination_id, user_id, deps.clock.now())
    if isinstance(checked, str):
        respond(text=escape(checked), replace_original=False, response_type="ephemeral")
        return
    status, title = checked[0], position_title(deps.roles, checked[1])
    log.info("nomination checked id=%s by=%s", nomination_id, user_id)
    respond(
        text=f"Marked as checked: the nomination for {title} is now {status.value}.", replace_original=False
    )


def register(routes: Routes, deps: AppDeps) -> None:
    routes.action(views.ADMIN_CHECKED)(after_ack(deps, _on_checked))
