"""The returning officer's side of nominations: the list and the CSV export, both sent to
the admin's DM (each an audited admin read of personal data), and Mark as checked.
/liec nominations itself is in handlers/nominations.py.

Personal data goes only to DMs, never to a channel or a log line (ids only).
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, Respond

from bot.deps import AppDeps
from bot.services import audit, item_fates, nomination_csv, nominations
from bot.services.elections import Position
from bot.slack_dm import DmFile, send_dm, upload_to_dm
from bot.views import nominations as views
from bot.views.common import escape
from handlers.election_titles import position_title
from handlers.nomination_items import nomination_item

log = logging.getLogger(__name__)


def send_admin_list(deps: AppDeps, admin_id: str, wanted: Position | None) -> None:
    """The returning officer's list, to the admin's DM (an admin read of personal data)."""
    now = deps.clock.now()
    with deps.session_factory.begin() as session:
        rows = nominations.list_for_admin(session, role_key=wanted.role_key if wanted else None)
        what = f"nominations list ({wanted.role_key if wanted else 'all positions'})"
        audit.record_admin_read(session, admin_id, what, now)
        if wanted is not None and wanted.region is not None:
            rows = [n for n in rows if nominations.position_of(n) == wanted]
        items = [nomination_item(deps, n, now) for n in rows]
    title = "Nominations" + (f": {position_title(deps, wanted)}" if wanted else "")
    for message in views.admin_list(title, items):
        send_dm(deps.client, admin_id, message)
    log.info("nominations list sent admin=%s count=%s", admin_id, len(items))


def export_csv(deps: AppDeps, admin_id: str) -> None:
    """Every nomination as a CSV file, uploaded into the admin's DM, never a channel."""
    with deps.session_factory.begin() as session:
        audit.record_admin_read(session, admin_id, "nominations export (CSV)", deps.clock.now())
        rows = nomination_csv.export_rows(
            nominations.list_for_admin(session), lambda key: position_title(deps, key)
        )
    content = nomination_csv.to_csv(rows)
    stamp = f"{deps.clock.now():%Y-%m-%d}"
    upload_to_dm(
        deps.client,
        admin_id,
        [DmFile(f"nominations-{stamp}.csv", f"LIEC nominations {stamp}", content.encode("utf-8"))],
        comment="Every nomination, with personal data: keep it safe and delete it when the election is over.",
    )
    log.info("nominations CSV sent admin=%s rows=%s", admin_id, len(rows))


def _on_checked(body: dict[str, Any], respond: Respond, deps: AppDeps) -> None:
    user_id = body["user"]["id"]
    if not deps.is_admin(user_id):
        respond(text="Only LIEC admins can do that.", replace_original=False, response_type="ephemeral")
        return
    nomination_id = int(body["actions"][0].get("value") or 0)
    with deps.session_factory.begin() as session:
        n = nominations.get(session, nomination_id)
        problem = item_fates.nomination_fate(n, deps.clock.now(), changing=False)
        if problem is not None or n is None:
            respond(
                text=escape(problem or item_fates.NOMINATION_GONE),
                replace_original=False,
                response_type="ephemeral",
            )
            return
        status = nominations.mark_checked(session, n, user_id, deps.clock.now())
        title = position_title(deps, n.position_key)
    log.info("nomination checked id=%s by=%s", nomination_id, user_id)
    respond(
        text=f"Marked as checked: the nomination for {title} is now {status.value}.", replace_original=False
    )


def register(app: App, deps: AppDeps) -> None:
    def ack_only(ack: Ack) -> None:
        ack()

    app.action(views.ADMIN_CHECKED)(
        ack=ack_only, lazy=[lambda body, respond: _on_checked(body, respond, deps)]
    )
