"""What every listener and job needs, built once by the entry point and passed down."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Concatenate, ParamSpec, TypeVar

from slack_sdk import WebClient
from sqlalchemy.orm import Session, sessionmaker

from bot.acks_first import ACKS_FIRST, working
from bot.clock import Clock
from bot.config import OrgConfig, Settings
from bot.jobs import JobQueue
from bot.services.data_versions import NOMINATIONS, KeptUnderVersion
from bot.services.home import COUNTS_KEPT_S, COUNTS_VERSIONS, AdminCounts
from bot.services.meeting_queries import UpcomingCache
from bot.services.roles import RoleCatalog

if TYPE_CHECKING:
    from bot.org_store import OrgStore

log = logging.getLogger(__name__)

P = ParamSpec("P")
R = TypeVar("R")


def run_later(delay_s: float, fn: Callable[[], object]) -> None:
    """Run ``fn`` once ``delay_s`` seconds have passed, on a timer thread of its own (not a
    daemon: a stopping process still sends it, at most ``delay_s`` later);
    what it raises is logged (its type and where, never its data) and goes no further."""

    def run() -> None:
        try:
            with working():  # work after an acknowledgement, as AppDeps.run_after_ack's (bot/acks_first.py)
                fn()
        except Exception:
            log.exception("delayed work failed")

    timer = threading.Timer(max(0.0, delay_s), run)
    timer.start()


CSV_KEPT_S = 60.0
"""Seconds the nominations CSV is kept (with the same data): admins exporting together or one
after another build it once; personal data does not stay in memory much longer."""


@dataclass
class AppDeps:
    settings: Settings
    org: OrgConfig
    roles: RoleCatalog
    session_factory: sessionmaker[Session]
    clock: Clock
    client: WebClient
    jobs: JobQueue
    # The organisation in the database (bot/services/organisation.py): it swaps `org` for the
    # current one whenever any process changes it. None only where no database backs the bot.
    organisation: OrgStore | None = None
    # The upcoming meetings this process has worked out, kept while the meetings' data
    # version in the database holds (bot/services/meeting_queries.py).
    upcoming_meetings: UpcomingCache = field(default_factory=UpcomingCache)
    # The returning officer's CSV of every nomination and its row count, kept while the
    # nominations' data version holds, for a minute at most (bot/flows/nomination_lists.py).
    nominations_csv: KeptUnderVersion[tuple[str, int]] = field(
        default_factory=lambda: KeptUnderVersion(NOMINATIONS, keep_s=CSV_KEPT_S)
    )
    # The admins' and officers' shared Home tab counts, kept while nothing they count has
    # been written and their time holds, a minute at most (bot/services/home.py).
    admin_counts: KeptUnderVersion[AdminCounts] = field(
        default_factory=lambda: KeptUnderVersion(COUNTS_VERSIONS, keep_s=COUNTS_KEPT_S)
    )
    # Seconds after a modal's acknowledgement before the work after it updates the view the
    # acknowledgement showed ("Saving…": handlers/nomination_submit.py). Slack applies that view when
    # the response reaches it; an update landing first is overwritten and the modal stays on
    # "Saving…" (slackapi/bolt-js#1080), so it waits (Bolt's maintainers' advice:
    # slackapi/bolt-python#481). The tests' harness sets it short.
    view_after_ack_s: float = 0.25
    # How such delayed work runs: `run_later`, a timer thread of its own, so that it holds none
    # of the threads the work after acknowledgements runs on (`after_ack`). The tests' harness runs
    # it on its tracked executor, to wait for it.
    later: Callable[[float, Callable[[], object]], None] = field(default=run_later)
    # The threads the work after acknowledgements runs on (bot/listeners.py), inside
    # acks_first.working(): create_app sets it (acks_first.SwitchingExecutor).
    after_ack: Executor | None = None

    def run_after_ack(self, work: Callable[[], object]) -> None:
        """Run ``work`` on the work-after-acknowledgement threads (``after_ack``); it starts
        once the acknowledgement being answered has been written, or 10 ms later at most
        (bot/acks_first.py). What it raises is its own to report (bot/listeners.py,
        ``answered``). RuntimeError when no app was built on these deps."""
        if self.after_ack is None:
            raise RuntimeError("no app was built on these deps: nothing runs work after acknowledgements")
        self.after_ack.submit(work)

    def is_admin(self, user_id: str) -> bool:
        return self.org.is_admin(user_id)

    # One service call in one session: a listener names the use case, it never opens a session.
    def read(self, use_case: Callable[Concatenate[Session, P], R], *args: P.args, **kwargs: P.kwargs) -> R:
        """Run a reading use case in a session of its own."""
        ACKS_FIRST.give_way()
        with self.session_factory() as session:
            return use_case(session, *args, **kwargs)

    def write(self, use_case: Callable[Concatenate[Session, P], R], *args: P.args, **kwargs: P.kwargs) -> R:
        """Run a use case in a transaction: committed when it returns, rolled back if it raises."""
        ACKS_FIRST.give_way()
        with self.session_factory.begin() as session:
            return use_case(session, *args, **kwargs)
