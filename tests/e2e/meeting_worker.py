"""A bot process for the multi-process end-to-end tests of meeting reminders.

The real runtime, job queue and APScheduler tick, against the database and fake Slack the
test names, with a clock that starts at a chosen instant and runs at real speed (so a test
can start a process "just before" or "long after" a reminder without waiting for it).

    LIEC_WORKER_DB=... LIEC_WORKER_API=... LIEC_WORKER_ORG=org.json LIEC_WORKER_START=iso \
        python -m tests.e2e.meeting_worker

Prints "ready" once the organisation file is planned and the scheduler is ticking.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType

from bot.config import Settings, parse_org_config
from bot.runtime import build_runtime
from bot.scheduler import build_scheduler


class ShiftedClock:
    """Real time, moved to start at `start`."""

    def __init__(self, start: datetime) -> None:
        self._offset = start - datetime.now(UTC)

    def now(self) -> datetime:
        return datetime.now(UTC) + self._offset


def main() -> int:
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    settings = Settings(
        slack_bot_token="xoxb-test-token",
        slack_signing_secret="test-signing-secret",
        slack_api_url=os.environ["LIEC_WORKER_API"],
        database_url=os.environ["LIEC_WORKER_DB"],
    )
    org = parse_org_config(json.loads(Path(os.environ["LIEC_WORKER_ORG"]).read_text()))
    clock = ShiftedClock(datetime.fromisoformat(os.environ["LIEC_WORKER_START"]))
    runtime = build_runtime(settings, org=org, clock=clock, config_import=True)
    runtime.deps.jobs.startup()
    scheduler = build_scheduler(
        runtime.deps.jobs, tick_seconds=float(os.environ.get("LIEC_WORKER_TICK", "0.2"))
    )
    scheduler.start()
    print("ready", flush=True)
    stop = threading.Event()

    def on_term(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_term)
    stop.wait()
    scheduler.shutdown(wait=True)
    runtime.engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
