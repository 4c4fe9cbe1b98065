"""The returning officer's list and CSV export of nominations, both sent to the admin's DM
(each an audited admin read of personal data), never a channel or a log line (ids only).

Each admin's read is recorded in the audit log in a short transaction of its own, before the
read: the read itself writes nothing, so it holds no lock (on SQLite, the one writer's lock)
while 2,000 nominations are read and formatted. Admins asking at the same moment share one
read (bot/shared_reads.py), which always begins after they asked; the CSV is built again only
once the nominations' data version has moved (bot/services/data_versions.py), so an admin
asking again within the minute with nothing changed gets the same file without the build.
`/liec nominations` with no role sends one DM of counts by position and status, which says how
to see a list.
"""

from __future__ import annotations

import logging

from sqlalchemy.orm import Session

from bot.deliver import give_files, tell
from bot.deps import AppDeps
from bot.services import audit, nomination_csv, nominations
from bot.services.elections import Position
from bot.services.nominations import NominationStatus
from bot.services.position_titles import position_title
from bot.shared_reads import SharedReads
from bot.slack_dm import DmFile
from bot.views import nominations as views
from bot.views.common import Reply
from bot.views.nomination_items import nomination_item

log = logging.getLogger(__name__)

_READS = SharedReads()

# What a DM of this module is, for the admins' alert when Slack refuses it (bot/deliver.py).
LIST = "nominations.admin_list"
CSV = "nominations.csv"


def _admin_messages(deps: AppDeps, wanted: Position) -> tuple[list[Reply], int]:
    """(the list's DMs, how many nominations): shared by the admins asking at once."""
    now = deps.clock.now()
    rows = deps.read(nominations.for_position, wanted)
    items = [nomination_item(deps.org, deps.roles, n, now, returning_officer=True) for n in rows]
    title = f"Nominations: {position_title(deps.roles, wanted)}"
    # Each Reply renders its blocks once, at its first send, for every admin sharing it (two
    # threads rendering the same one at once both get the same dicts).
    return views.admin_list(title, items), len(items)


def _admin_summary(deps: AppDeps) -> Reply:
    """How many nominations each position has, by status: no personal data, one statement."""
    tallies = deps.read(nominations.tally_for_admin)
    rows = [
        (
            t.election,
            position_title(deps.roles, t.position_key),
            {status.value: t.counts[status] for status in NominationStatus if status in t.counts},
        )
        for t in tallies
    ]
    return views.admin_summary("Nominations", rows)


def send_admin_list(
    deps: AppDeps, admin_id: str, wanted: Position | None, asked_at: float | None = None
) -> None:
    """One position's list of nominations, to the admin's DM (an admin read of personal data);
    for every position (``wanted`` None), how many each has, by status (no personal data): at
    ten times LI's size every position's list would be 45 DMs in a row. ``asked_at``:
    ``time.monotonic()`` when the admin asked; a read of the list running since then is shared
    (bot/shared_reads.py)."""
    if wanted is None:
        if tell(deps, admin_id, _admin_summary(deps), kind=LIST, what="the nominations list"):
            log.info("nominations summary sent admin=%s", admin_id)
        return
    what = f"nominations list ({wanted.role_key})"
    deps.write(audit.record_admin_read, admin_id, what, deps.clock.now())
    # Keyed by the deps: one database, one organisation's titles.
    key = (id(deps), "list", wanted)
    messages, count = _READS.get(key, lambda: _admin_messages(deps, wanted), asked_at)
    for message in messages:
        if not tell(deps, admin_id, message, kind=LIST, what="the nominations list"):
            return
    log.info("nominations list sent admin=%s count=%s", admin_id, count)


def _csv(session: Session, deps: AppDeps) -> tuple[str, int]:
    """(the CSV, its rows): built again only once the nominations' data version has moved."""

    def build(session: Session) -> tuple[str, int]:
        return nomination_csv.export_csv(session, lambda key: position_title(deps.roles, key))

    return deps.nominations_csv.get(session, build)


def export_csv(deps: AppDeps, admin_id: str, asked_at: float | None = None) -> None:
    """Every nomination as a CSV file, uploaded into the admin's DM, never a channel.
    ``asked_at``: ``time.monotonic()`` when the admin asked; a read of the CSV running since
    then is shared (bot/shared_reads.py): it holds every change committed before they asked."""
    deps.write(audit.record_admin_read, admin_id, "nominations export (CSV)", deps.clock.now())
    content, count = _READS.get((id(deps), "csv"), lambda: deps.read(_csv, deps), asked_at)
    stamp = f"{deps.clock.now():%Y-%m-%d}"
    file = DmFile(f"nominations-{stamp}.csv", f"LIEC nominations {stamp}", content.encode("utf-8"))
    comment = "Every nomination, with personal data: keep it safe and delete it when the election is over."
    if not give_files(deps, admin_id, [file], comment, kind=CSV, what="the nominations CSV"):
        return
    log.info("nominations CSV sent admin=%s rows=%s", admin_id, count)
