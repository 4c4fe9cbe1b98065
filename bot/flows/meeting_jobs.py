"""The meeting jobs: reminders, agenda notices, change notices, the digest and re-planning.

Each job is claimed by one process (bot/jobs.py); this module posts it through Slack exactly
once (bot/services/delivery.py, bot/slack_outbox.py) and records what became of it in
`meeting_posts`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot.config import OrgConfig
from bot.deliver import alert_admins, post_job, report_failure
from bot.deps import AppDeps
from bot.jobs import Job, JobRun
from bot.meeting_times import format_duration, reminder_due, slack_date_token
from bot.services import apologies, meeting_runs
from bot.services import meeting_planning as planning
from bot.services.delivery import PostError
from bot.services.meeting_posts import record_post
from bot.services.meeting_shifts import period_for, shift_notes
from bot.services.meeting_specs import times_of
from bot.services.meetings import sync_from_config
from bot.services.reminders import superseded, timing
from bot.slack_outbox import SlackOutbox
from bot.views import calendar as calendar_views
from bot.views import meetings as views
from bot.views.common import Reply, escape
from models.meetings import Meeting

log = logging.getLogger(__name__)


def _when(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) and value else None


def _due(run: JobRun) -> datetime:
    """When the post first fell due (a retried job's row has a later due_at)."""
    return _when(run.payload.get("due")) or run.due_at


class MeetingJobs:
    def __init__(self, deps: AppDeps, sleep: Callable[[float], None] | None = None) -> None:
        self.deps = deps
        self.sleep = sleep
        self.started_at = deps.clock.now()

    def jobs(self) -> list[Job]:
        return [
            Job(planning.REMINDER, self.reminder),
            Job(planning.AGENDA, self.agenda),
            Job(planning.CHANGE, self.change),
            Job(planning.DIGEST, self.digest),
            Job(planning.REFRESH, self.refresh),
        ]

    def register(self) -> None:
        self.deps.jobs.register(*self.jobs())
        self.deps.jobs.on_startup(self.startup)

    # Planning -------------------------------------------------------------------------
    def startup(self) -> None:
        """The organisation file becomes meetings and jobs."""
        self.plan(sync_from_config)

    def refresh(self, _run: JobRun) -> None:
        self.plan(planning.plan_all)

    def plan(self, step: Callable[[Session, OrgConfig, datetime], planning.PlanReport]) -> None:
        # Another process planning at the same moment is met row by row (bot/services/rows.py).
        report = self.deps.write(step, self.deps.org, self.deps.clock.now())
        log.info("meetings planned: %d job(s) scheduled, %d withdrawn", report.scheduled, report.withdrawn)

    # Jobs -----------------------------------------------------------------------------
    def reminder(self, run: JobRun) -> None:
        found = self._occurrence(run)
        if found is None:
            return
        meeting, start, due = found.meeting, found.start, found.due
        lead = run.payload.get("lead", "")
        times = times_of(meeting)
        if superseded(due, (reminder_due(start, other, times) for other in times.reminders), run.now):
            # A later reminder of this occurrence is due too (the bot was down): it alone is sent.
            self._record(run, "superseded", None, None, due)
            return
        if self._skipped(
            run,
            due,
            f"the {lead} reminder of *{escape(meeting.name)}* "
            f"({slack_date_token(start, fallback_tz=ZoneInfo(meeting.timezone))})",
        ):
            return
        late = self._late(run, due)
        notes = shift_notes(ZoneInfo(meeting.timezone), start, found.previous, period_for(meeting.rrule))
        original = _when(run.payload.get("original")) or start
        buttons = calendar_views.reminder_buttons(meeting.key, original, meeting.rrule is not None)
        message = views.reminder(
            meeting, start, run.now, late_since=due if late else None, shift_notes=notes, buttons=buttons
        )
        delivered = self._deliver(run, meeting.channel, message, due, late, meeting.name)
        if delivered and lead == self._last(meeting):
            # The last reminder before the meeting: the Secretary gets the apologies.
            self.deps.write(
                apologies.schedule_lists, self.deps.org, meeting.key, start, self.deps.clock.now()
            )

    def agenda(self, run: JobRun) -> None:
        found = self._occurrence(run)
        if found is None:
            return
        meeting, due = found.meeting, found.due
        if self._skipped(run, due, f"the Secretary's agenda reminder for *{escape(meeting.name)}*"):
            return
        secretaries = self.deps.org.holders("secretary")
        if not secretaries:
            self._record(run, "failed", None, None, due, {"error": "no_secretary"})
            self._alert(
                "no-secretary",
                "No Secretary is set in the organisation file, so "
                f"nobody was reminded to circulate the agenda for *{escape(meeting.name)}*.",
            )
            return
        message = views.agenda_notice(meeting, found.start, int(run.payload.get("days", 0)))
        late = self._late(run, due)
        outbox = SlackOutbox(self.deps.client, planning.AGENDA.name)
        ts = None
        for user_id in secretaries:
            try:
                channel = outbox.open_dm(user_id)
            except PostError as exc:
                report_failure(self.deps, run.kind, user_id, exc, self._what(run, meeting.name))
                self._record(run, "failed", None, None, due, {"error": exc.error})
                return
            ts = self._deliver(run, channel, message, due, late, meeting.name, record=False)
            if ts is None:
                return
        self._record(run, "sent_late" if late else "sent", None, ts, due)

    def change(self, run: JobRun) -> None:
        due = _due(run)
        channel = str(run.payload.get("channel") or "")
        found = self.deps.read(
            meeting_runs.change_notice, run.key, str(run.payload.get("meeting")), channel, due, run.now
        )
        if isinstance(found, meeting_runs.AlreadyPosted):
            return
        if isinstance(found, meeting_runs.Withdrawn):
            self._record(run, "withdrawn", channel, None, due)
            return
        message = views.change_notice(
            found.meeting,
            str(run.payload.get("action")),
            _when(run.payload.get("start")),
            _when(run.payload.get("target")),
            found.next_start,
        )
        # A notice of a change is never too late to be worth sending.
        self._deliver(run, channel, message, due, False, found.meeting.name)

    def digest(self, run: JobRun) -> None:
        due = _due(run)
        org = self.deps.org
        channel = org.digest.channel or org.channels.announcements
        day = date.fromisoformat(str(run.payload.get("day")))
        found = self.deps.read(meeting_runs.digest, run.key, org, day, due)
        if isinstance(found, meeting_runs.AlreadyPosted):
            return
        items = list(found.items)
        if channel is None or not items:
            self._record(run, "empty", channel, None, due)  # nothing to say, or nowhere to say it
            return
        if self._skipped(run, due, "the weekly digest of weekend meetings"):
            return
        late = self._late(run, due)
        self._deliver(run, channel, views.digest(items), due, late, "the weekly digest")

    # Helpers --------------------------------------------------------------------------
    def _occurrence(self, run: JobRun) -> meeting_runs.Occurrence | None:
        """The occurrence a reminder or agenda job is for, if it is still on and not yet
        posted for; a cancelled or moved one is recorded as withdrawn."""
        due = _due(run)
        start = _when(run.payload.get("start"))
        found = self.deps.read(meeting_runs.occurrence, run.key, str(run.payload.get("meeting")), start, due)
        if isinstance(found, meeting_runs.Withdrawn):
            self._record(run, "withdrawn", None, None, due)
        return found if isinstance(found, meeting_runs.Occurrence) else None

    @staticmethod
    def _last(meeting: Meeting) -> str:
        leads = times_of(meeting).reminders  # longest first
        return format_duration(leads[-1]) if leads else ""

    def _late(self, run: JobRun, due: datetime) -> bool:
        """Marked late only when it fell due before this process started (the bot was down),
        not when a busy queue held it up for a few minutes."""
        grace = planning.misfire_grace(self.deps.org)
        return timing(due, run.now, grace) == "late" and due < self.started_at

    def _skipped(self, run: JobRun, due: datetime, what: str) -> bool:
        grace = planning.misfire_grace(self.deps.org)
        if timing(due, run.now, grace) != "skip":
            return False
        self._record(run, "skipped", None, None, due)
        self._alert(
            f"skipped:{run.key}",
            f"Not sent: {what}. It fell due {slack_date_token(due, fallback_tz=ZoneInfo('UTC'))} "
            f"while the bot was offline, more than {format_duration(grace)} ago "
            f"(`misfire_grace` in the organisation file).",
        )
        return True

    def _deliver(
        self,
        run: JobRun,
        channel: str,
        message: Reply,
        due: datetime,
        late: bool,
        name: str,
        record: bool = True,
    ) -> str | None:
        try:
            delivery = post_job(
                self.deps, run, channel, message, due=due, what=self._what(run, name), sleep=self.sleep
            )
        except PostError as exc:
            self._record(run, "failed", channel, None, due, {"error": exc.error})
            return None
        if record:
            outcome = "found" if delivery.outcome == "found" else "sent_late" if late else "sent"
            self._record(run, outcome, channel, delivery.ts, due)
        return delivery.ts

    @staticmethod
    def _what(run: JobRun, name: str) -> str:
        safe = escape(name)
        return {
            planning.REMINDER.name: f"the reminders of *{safe}*",
            planning.AGENDA.name: f"the agenda reminders for *{safe}*",
            planning.CHANGE.name: f"the change notices of *{safe}*",
        }.get(run.kind, f"*{safe}*")

    def _record(
        self,
        run: JobRun,
        outcome: str,
        channel: str | None,
        ts: str | None,
        due: datetime,
        detail: dict[str, Any] | None = None,
    ) -> None:
        self.deps.write(
            record_post,
            run.key,
            run.kind,
            channel,
            ts,
            outcome,
            due,
            self.deps.clock.now(),
            {"late_seconds": int(run.late_by.total_seconds()), **(detail or {})},
        )

    def _alert(self, key: str, text: str) -> None:
        """Tell the admins, once per key (across restarts and processes)."""
        alert_admins(self.deps, key, text)


def register(deps: AppDeps) -> MeetingJobs:
    jobs = MeetingJobs(deps)
    jobs.register()
    return jobs
