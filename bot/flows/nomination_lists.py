"""The returning officer's list and CSV export of nominations, both sent to the admin's DM
(each an audited admin read of personal data), never a channel or a log line (ids only).

Each admin's read is recorded in the audit log in a short transaction of its own, before the
read: the read itself writes nothing, so it holds no lock (on SQLite, the one writer's lock)
while 2,000 nominations are read and formatted. Admins asking at the same moment share one
read (bot/shared_reads.py), which always begins after they asked. Past FULL_LIST_MOST
nominations, `/liec nominations` for every position sends one DM of counts instead of the list.
"""

from __future__ import annotations

import logging

from sqlalchemy.orm import Session

from bot.deliver import send
from bot.deps import AppDeps
from bot.services import audit, nomination_csv, nominations
from bot.services.elections import Position
from bot.services.nominations import NominationStatus
from bot.services.position_titles import position_title
from bot.shared_reads import SharedReads
from bot.slack_dm import DmFile, upload_to_dm
from bot.views import nominations as views
from bot.views.common import Reply
from bot.views.nomination_items import nomination_item

log = logging.getLogger(__name__)

_READS = SharedReads()


def _admin_messages(session: Session, deps: AppDeps, wanted: Position | None) -> tuple[list[Reply], int]:
    """(the list's DMs, how many nominations): shared by the admins asking at once."""
    now = deps.clock.now()
    rows = nominations.list_for_admin(session, role_key=wanted.role_key if wanted else None)
    if wanted is not None and wanted.region is not None:
        rows = [n for n in rows if nominations.position_of(n) == wanted]
    items = [nomination_item(deps.org, deps.roles, n, now) for n in rows]
    title = "Nominations" + (f": {position_title(deps.roles, wanted)}" if wanted else "")
    # Each Reply renders its blocks once, at its first send, for every admin sharing it (two
    # threads rendering the same one at once both get the same dicts).
    return views.admin_list(title, items), len(items)


FULL_LIST_MOST = 100
"""Up to this many nominations, `/liec nominations` (every position) sends the list itself
(three DMs); beyond, one DM of counts by position and status, pointing to one position's list
and to the CSV: at ten times LI's size the whole list would be 45 DMs in a row."""


def _admin_summary(deps: AppDeps) -> Reply | None:
    """The counts DM when every position's list would be too long, else None."""
    tallies = deps.read(nominations.tally_for_admin)
    if sum(sum(t.counts.values()) for t in tallies) <= FULL_LIST_MOST:
        return None
    rows = [
        (
            t.election,
            position_title(deps.roles, t.position_key),
            {status.value: t.counts[status] for status in NominationStatus if status in t.counts},
        )
        for t in tallies
    ]
    return views.admin_summary("Nominations", rows)


def send_admin_list(deps: AppDeps, admin_id: str, wanted: Position | None) -> None:
    """The returning officer's list, to the admin's DM (an admin read of personal data); for
    every position beyond FULL_LIST_MOST nominations, the counts (no personal data) instead."""
    if wanted is None and (summary := _admin_summary(deps)) is not None:
        send(deps, admin_id, summary)
        log.info("nominations summary sent admin=%s", admin_id)
        return
    what = f"nominations list ({wanted.role_key if wanted else 'all positions'})"
    deps.write(audit.record_admin_read, admin_id, what, deps.clock.now())
    key = (id(deps.session_factory), "list", wanted)
    messages, count = _READS.get(key, lambda: deps.read(_admin_messages, deps, wanted))
    for message in messages:
        send(deps, admin_id, message)
    log.info("nominations list sent admin=%s count=%s", admin_id, count)


def export_csv(deps: AppDeps, admin_id: str) -> None:
    """Every nomination as a CSV file, uploaded into the admin's DM, never a channel."""
    deps.write(audit.record_admin_read, admin_id, "nominations export (CSV)", deps.clock.now())
    content, count = _READS.get(
        (id(deps.session_factory), "csv"),
        lambda: deps.read(nomination_csv.export_csv, lambda key: position_title(deps.roles, key)),
    )
    stamp = f"{deps.clock.now():%Y-%m-%d}"
    upload_to_dm(
        deps.client,
        admin_id,
        [DmFile(f"nominations-{stamp}.csv", f"LIEC nominations {stamp}", content.encode("utf-8"))],
        comment="Every nomination, with personal data: keep it safe and delete it when the election is over.",
    )
    log.info("nominations CSV sent admin=%s rows=%s", admin_id, count)
