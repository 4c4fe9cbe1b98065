"""The returning officer's list and CSV export of nominations, both sent to the admin's DM
(each an audited admin read of personal data), never a channel or a log line (ids only)."""

from __future__ import annotations

import logging

from bot.deliver import give_files, tell
from bot.deps import AppDeps
from bot.services import audit, nomination_csv, nominations
from bot.services.elections import Position
from bot.services.position_titles import position_title
from bot.slack_dm import DmFile
from bot.views import nominations as views
from bot.views.nomination_items import nomination_item

log = logging.getLogger(__name__)

# What a DM of this module is, for the admins' alert when Slack refuses it (bot/deliver.py).
LIST = "nominations.admin_list"
CSV = "nominations.csv"


def send_admin_list(deps: AppDeps, admin_id: str, wanted: Position | None) -> None:
    """The returning officer's list, to the admin's DM (an admin read of personal data)."""
    now = deps.clock.now()
    with deps.session_factory.begin() as session:
        rows = nominations.list_for_admin(session, role_key=wanted.role_key if wanted else None)
        what = f"nominations list ({wanted.role_key if wanted else 'all positions'})"
        audit.record_admin_read(session, admin_id, what, now)
        if wanted is not None and wanted.region is not None:
            rows = [n for n in rows if nominations.position_of(n) == wanted]
        items = [nomination_item(deps.org, deps.roles, n, now) for n in rows]
    title = "Nominations" + (f": {position_title(deps.roles, wanted)}" if wanted else "")
    for message in views.admin_list(title, items):
        if not tell(deps, admin_id, message, kind=LIST, what="the nominations list"):
            return
    log.info("nominations list sent admin=%s count=%s", admin_id, len(items))


def export_csv(deps: AppDeps, admin_id: str) -> None:
    """Every nomination as a CSV file, uploaded into the admin's DM, never a channel."""
    with deps.session_factory.begin() as session:
        audit.record_admin_read(session, admin_id, "nominations export (CSV)", deps.clock.now())
        rows = nomination_csv.export_rows(
            nominations.list_for_admin(session), lambda key: position_title(deps.roles, key)
        )
    content = nomination_csv.to_csv(rows)
    stamp = f"{deps.clock.now():%Y-%m-%d}"
    file = DmFile(f"nominations-{stamp}.csv", f"LIEC nominations {stamp}", content.encode("utf-8"))
    comment = "Every nomination, with personal data: keep it safe and delete it when the election is over."
    if not give_files(deps, admin_id, [file], comment, kind=CSV, what="the nominations CSV"):
        return
    log.info("nominations CSV sent admin=%s rows=%s", admin_id, len(rows))
