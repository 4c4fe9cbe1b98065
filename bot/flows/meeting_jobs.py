"""The meeting jobs: reminders, agenda notices, change notices, the digest and re-planning.

Each job is claimed by one process (bot/jobs.py); this module posts it through Slack exactly
once (bot/services/delivery.py, bot/slack_outbox.py) and records what became of it in
`meeting_posts`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot.deliver import alert_admins, post_job, report_failure
from bot.deps import AppDeps
from bot.jobs import Job, JobRun
from bot.meeting_times import format_duration, reminder_due, slack_date_token
from bot.services import apologies, meeting_queries
from bot.services import meeting_planning as planning
from bot.services.delivery import PostError
from bot.services.meeting_occurrences import effective_occurrences, find_occurrence, previous_start
from bot.services.meeting_posts import posted, record_post
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


@dataclass(frozen=True)
class _Occurrence:
    meeting: Meeting
    start: datetime
    previous: datetime | None  # the occurrence before, for clock-change notes
    due: datetime


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
        self.plan(lambda session, now: sync_from_config(session, self.deps.org, now))

    def refresh(self, _run: JobRun) -> None:
        self.plan(lambda session, now: planning.plan_all(session, self.deps.org, now))

    def plan(self, step: Callable[[Session, datetime], planning.PlanReport]) -> None:
        # Another process planning at the same moment is met row by row (bot/services/rows.py).
        with self.deps.session_factory.begin() as session:
            report = step(session, self.deps.clock.now())
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
            with self.deps.session_factory.begin() as session:
                apologies.schedule_lists(session, self.deps.org, meeting.key, start, self.deps.clock.now())

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
        with self.deps.session_factory() as session:
            if posted(session, run.key, due):
                return
            meeting = meeting_queries.get_meeting(session, str(run.payload.get("meeting")))
            if meeting is None or not channel:
                self._record(run, "withdrawn", channel, None, due)
                return
            upcoming = effective_occurrences(meeting, run.now, run.now + planning.HORIZON)
        message = views.change_notice(
            meeting,
            str(run.payload.get("action")),
            _when(run.payload.get("start")),
            _when(run.payload.get("target")),
            upcoming[0].start if upcoming and meeting.active else None,
        )
        # A notice of a change is never too late to be worth sending.
        self._deliver(run, channel, message, due, False, meeting.name)

    def digest(self, run: JobRun) -> None:
        due = _due(run)
        org = self.deps.org
        channel = org.digest.channel or org.channels.announcements
        day = date.fromisoformat(str(run.payload.get("day")))
        with self.deps.session_factory() as session:
            if posted(session, run.key, due):
                return
            start, end = planning.digest_window(org, day)
            found = meeting_queries.upcoming(session, start, end, limit=10_000)
            items = [(m, o.start) for m, o in found if planning.in_digest(m.timezone, o.start, day)]
        if channel is None or not items:
            self._record(run, "empty", channel, None, due)  # nothing to say, or nowhere to say it
            return
        if self._skipped(run, due, "the weekly digest of weekend meetings"):
            return
        late = self._late(run, due)
        self._deliver(run, channel, views.digest(items), due, late, "the weekly digest")

    # Helpers --------------------------------------------------------------------------
    def _occurrence(self, run: JobRun) -> _Occurrence | None:
        """The occurrence a reminder or agenda job is for, if it is still on and not yet
        posted for; a cancelled or moved one is recorded as withdrawn."""
        due = _due(run)
        start = _when(run.payload.get("start"))
        with self.deps.session_factory() as session:
            if posted(session, run.key, due):
                return None
            meeting = meeting_queries.get_meeting(session, str(run.payload.get("meeting")))
            item = None
            if meeting is not None and meeting.active and start is not None:
                item = find_occurrence(meeting, start)
            if meeting is None or item is None or start is None:
                # Cancelled or moved after this job was planned (planning withdraws it too).
                self._record(run, "withdrawn", None, None, due)
                return None
            return _Occurrence(meeting, start, previous_start(meeting, item), due)

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
        with self.deps.session_factory.begin() as session:
            record_post(
                session,
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
