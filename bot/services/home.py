"""What a member's Home tab shows, gathered from the database and the organisation file.

Nothing here calls Slack: times are shown with Slack date tokens (each reader sees their own
local time), and time zones come from the cache in `member_timezones`. Each part is built
on its own; a part whose feature fails is left out (and logged) rather than losing the tab.

The parts, for every member: region and coordinator (with the coordinator's local time),
the next meetings, open elections, their own nominations, their open questions. For admins
and officers: nominations awaiting nominators per position, unanswered questions per
region, reminders that failed, configuration problems.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from bot.config import OrgConfig
from bot.services import (
    admin_alerts,
    data_versions,
    election_store,
    meeting_planning,
    meeting_queries,
    member_timezones,
    nominations,
    questions,
    slack_setup,
)
from bot.services.config_problems import config_problems
from bot.services.elections import Position, position_label
from bot.services.officer_directory import is_officer
from bot.services.roles import RoleCatalog
from bot.services.tz_regions import Region
from models.elections import ElectionRecord
from models.foundation import ScheduledJob
from models.meetings import Meeting, MeetingPost
from models.questions import Question

log = logging.getLogger(__name__)

MEETINGS_AHEAD = timedelta(days=92)
MEETINGS_SHOWN = 5
ELECTIONS_SHOWN = 5
NOMINATIONS_SHOWN = 10
QUESTIONS_SHOWN = 10
FAILURES_SINCE = timedelta(days=14)
FAILURES_SHOWN = 10
PROBLEMS_SHOWN = 10

T = TypeVar("T")


@dataclass(frozen=True)
class CoordinatorNow:
    user_id: str
    tz: str | None
    local_now: datetime | None  # None while their time zone is not known yet


@dataclass(frozen=True)
class RegionPart:
    region: Region | None
    reason: str  # how the region was decided, or why it is not known
    coordinators: list[CoordinatorNow]
    reading_timezone: bool = False  # unknown only because the time zone is being read


@dataclass(frozen=True)
class MeetingItem:
    name: str
    starts_at: datetime
    channel: str
    video_url: str | None
    agenda_url: str | None
    key: str = ""  # for the Add to calendar button; empty: no button
    recurring: bool = False


@dataclass(frozen=True)
class ElectionItem:
    election_id: int
    name: str
    closes_at: datetime
    positions: tuple[str, ...]


@dataclass(frozen=True)
class NominationItem:
    position: str
    election: str
    status: str
    candidate: str | None  # the candidate's name when the member nominated someone else


@dataclass(frozen=True)
class QuestionItem:
    question_id: int
    text: str
    status: str
    region: Region | None
    asked_at: datetime


@dataclass(frozen=True)
class PositionWaiting:
    election: str
    position: str
    awaiting: int


@dataclass(frozen=True)
class RegionQuestions:
    region: Region | None  # None: questions whose region is not known yet
    unanswered: int
    oldest: datetime


@dataclass(frozen=True)
class FailedPost:
    what: str  # "reminder of General Committee", "agenda notice", ...
    channel: str | None
    due_at: datetime
    error: str
    failed_at: datetime | None = None  # UTC, when it failed: it leaves the list FAILURES_SINCE later


@dataclass(frozen=True)
class AdminPart:
    awaiting_nominators: list[PositionWaiting] | None
    unanswered_questions: list[RegionQuestions] | None
    failed_reminders: list[FailedPost] | None
    config_problems: list[str]
    can_change_organisation: bool = False  # an admin: the Home tab offers the organisation editor


@dataclass(frozen=True)
class AdminCounts:
    """What every admin and officer sees alike on their tab: counts and the failed posts, no
    one's personal data. None for a part: it could not be read."""

    awaiting_nominators: list[PositionWaiting] | None
    unanswered_questions: list[RegionQuestions] | None
    failed_reminders: list[FailedPost] | None
    open_elections: list[ElectionItem] | None = None
    """The open elections as read for the counts, as plain values (a part failing after them
    rolls the counts' session back, which would leave ORM objects unreadable once it is
    closed), so that the tab does not read them again (None: not read)."""
    holds_until: datetime | None = None
    """UTC: until when these counts hold if nothing is written (an election opening or closing,
    the first failure shown leaving the fortnight); None: not to be kept, a part could not
    be read (``kept_admin_counts``)."""


@dataclass(frozen=True)
class HomeData:
    """None for a part means: that capability is absent or could not be read; show nothing."""

    user_id: str
    now: datetime
    region: RegionPart | None
    meetings: list[MeetingItem] | None
    elections: list[ElectionItem] | None
    nominations: list[NominationItem] | None
    questions: list[QuestionItem] | None
    admin: AdminPart | None
    timezones_to_refresh: list[str] = field(default_factory=list)


def _safely(session: Session, part: str, build: Callable[[], T]) -> T | None:
    try:
        return build()
    except Exception:
        log.exception("home tab part failed part=%s", part)
        # A failed statement can leave the transaction unusable (PostgreSQL); the session
        # only reads, so starting afresh loses nothing.
        session.rollback()
        return None


def _local_now(tz: str | None, now: datetime) -> datetime | None:
    if not tz:
        return None
    try:
        return now.astimezone(ZoneInfo(tz))
    except (ZoneInfoNotFoundError, ValueError):
        return None


# Parts for every member ----------------------------------------------------------------------


def region_part(
    session: Session,
    org: OrgConfig,
    user_id: str,
    zones: dict[str, member_timezones.CachedZone],
    now: datetime,
) -> RegionPart:
    own = zones.get(user_id)
    # Slack refused to give time zones at all (the bot's scopes): say so, not "reading".
    unreadable = own is None and admin_alerts.known(
        session, slack_setup.alert_key("users.info", "missing_scope")
    )
    decision = questions.decide_region(
        questions.member_choice(session, user_id),
        org,
        own.tz if own else None,
        "missing_scope" if unreadable else None,
    )
    holders = questions.coordinators(org, decision.region) if decision.region else []
    coordinators = []
    for holder in holders:
        cached = zones.get(holder)
        tz = cached.tz if cached else None
        coordinators.append(CoordinatorNow(holder, tz, _local_now(tz, now)))
    reading = decision.region is None and own is None and not unreadable
    return RegionPart(decision.region, decision.reason, coordinators, reading)


def meeting_items(
    session: Session, now: datetime, cache: meeting_queries.UpcomingCache | None = None
) -> list[MeetingItem]:
    """The next meetings, through the process's cache of upcoming meetings (None: afresh)."""
    found = meeting_queries.upcoming_listed(session, cache, now, now + MEETINGS_AHEAD, limit=MEETINGS_SHOWN)
    return [
        MeetingItem(
            m.name, occurrence.start, m.channel, m.video_url, m.agenda_url, m.key, m.rrule is not None
        )
        for m, occurrence in found
    ]


def _titles(roles: RoleCatalog) -> dict[str, str]:
    return {role.key: role.title for role in roles.roles}


def election_items(records: Sequence[ElectionRecord], roles: RoleCatalog) -> list[ElectionItem]:
    """The open elections (`election_store.open_elections`), all of them, in their order."""
    titles = _titles(roles)
    return [
        ElectionItem(
            record.id,
            record.name,
            record.closes_at,
            tuple(position_label(Position.parse(key), titles) for key in record.positions),
        )
        for record in records
    ]


def nomination_items(session: Session, roles: RoleCatalog, user_id: str) -> list[NominationItem]:
    """The member's newest nominations, newest first (NOMINATIONS_SHOWN at most)."""
    titles = _titles(roles)
    return [
        NominationItem(
            position_label(Position.parse(row.position_key), titles),
            row.election_name,
            row.status.value,
            # The candidate's name only when the member nominated someone else.
            row.candidate_name if row.candidate_slack_id != user_id and row.submitted_by == user_id else None,
        )
        for row in nominations.newest_mine(session, user_id, NOMINATIONS_SHOWN)
    ]


_OWN_QUESTIONS = (
    select(Question.id, Question.text, Question.status, Question.region, Question.asked_at)
    .where(Question.asker_id == bindparam("user_id"), Question.status.in_(questions.NOT_ANSWERED))
    .order_by(Question.asked_at.desc(), Question.id.desc())
    .limit(QUESTIONS_SHOWN)
)
"""`question_items`' statement, built once, of just the columns shown (docs/ARCHITECTURE.md,
"Statements built once")."""


def question_items(session: Session, user_id: str) -> list[QuestionItem]:
    """The member's questions not yet answered, newest first (QUESTIONS_SHOWN at most)."""
    rows = session.execute(_OWN_QUESTIONS, {"user_id": user_id})
    return [
        QuestionItem(id_, text, status, Region(region) if region else None, asked_at)
        for id_, text, status, region, asked_at in rows
    ]


# The admins' and officers' part -----------------------------------------------------------


def awaiting_nominators(
    session: Session, roles: RoleCatalog, records: Sequence[ElectionRecord]
) -> list[PositionWaiting]:
    """Counts only: no personal data, so nothing to audit. `records`: the open elections."""
    titles = _titles(roles)
    waiting = []
    for record in records:
        for key, awaiting in nominations.awaiting_by_position(session, record).items():
            label = position_label(Position.parse(key), titles)
            waiting.append(PositionWaiting(record.name, label, awaiting))
    return waiting


def unanswered_questions(session: Session) -> list[RegionQuestions]:
    return [
        RegionQuestions(Region(region) if region else None, count, oldest)
        for region, count, oldest in questions.unanswered_by_region(session)
    ]


_POST_KINDS = {
    meeting_planning.REMINDER.name: "reminder",
    meeting_planning.AGENDA.name: "agenda notice",
    meeting_planning.CHANGE.name: "change notice",
    meeting_planning.DIGEST.name: "weekly digest",
    meeting_planning.REFRESH.name: "reminder planning",
}


def _meeting_key(job_key: str) -> str | None:
    parts = job_key.split(":")
    if len(parts) < 3 or parts[0] != "mtg":
        return None
    return parts[1]


def _meeting_names(session: Session, job_keys: Sequence[str]) -> dict[str, str]:
    """The names of the meetings these job keys belong to, in one statement."""
    wanted = {key for job_key in job_keys if (key := _meeting_key(job_key)) is not None}
    if not wanted:
        return {}
    rows = session.execute(select(Meeting.key, Meeting.name).where(Meeting.key.in_(sorted(wanted))))
    return {key: name for key, name in rows}


def failed_reminders(session: Session, now: datetime) -> list[FailedPost]:
    """Meeting posts that failed in the last two weeks (FAILURES_SINCE), newest due first, at
    most FAILURES_SHOWN: recorded failures, and failed jobs with no failure recorded for their
    post. Each source gives only its newest FAILURES_SHOWN, by the `(outcome, recorded_at)`
    and `(status, due_at)` indexes, and only the columns shown."""
    since = now - FAILURES_SINCE
    failed_post = (MeetingPost.outcome == "failed") & (MeetingPost.recorded_at >= since)
    posts = session.execute(
        select(
            MeetingPost.key,
            MeetingPost.kind,
            MeetingPost.channel,
            MeetingPost.due_at,
            MeetingPost.detail,
            MeetingPost.recorded_at,
        )
        .where(failed_post)
        .order_by(MeetingPost.due_at.desc())
        .limit(FAILURES_SHOWN)
    ).all()
    jobs = session.execute(
        select(
            ScheduledJob.key,
            ScheduledJob.kind,
            ScheduledJob.due_at,
            ScheduledJob.last_error,
            ScheduledJob.finished_at,
        )
        .where(
            ScheduledJob.status == "failed",
            ScheduledJob.kind.in_(list(_POST_KINDS)),
            ScheduledJob.finished_at >= since,
            ~select(MeetingPost.key).where(MeetingPost.key == ScheduledJob.key, failed_post).exists(),
        )
        .order_by(ScheduledJob.due_at.desc())
        .limit(FAILURES_SHOWN)
    ).all()
    names = _meeting_names(session, [post.key for post in posts] + [job.key for job in jobs])

    def what(key: str, kind: str) -> str:
        name = names.get(_meeting_key(key) or "")
        label = _POST_KINDS.get(kind, kind)
        return f"{label} of {name}" if name else label

    found = [
        FailedPost(what(key, kind), channel, due_at, str((detail or {}).get("error", "failed")), recorded_at)
        for key, kind, channel, due_at, detail, recorded_at in posts
    ]
    found += [
        FailedPost(what(key, kind), None, due_at, error or "failed", finished_at)
        for key, kind, due_at, error, finished_at in jobs
    ]
    return sorted(found, key=lambda f: f.due_at, reverse=True)[:FAILURES_SHOWN]


def sees_admin_part(org: OrgConfig, user_id: str) -> bool:
    return org.is_admin(user_id) or is_officer(org, user_id)


# Building it all ------------------------------------------------------------------------------


COUNTS_VERSIONS = (
    data_versions.NOMINATIONS,
    data_versions.QUESTIONS,
    data_versions.FAILED_POSTS,
    data_versions.MEETINGS,
)
"""What the admins' counts are read from: elections, nominations and nominators; questions;
meeting posts and failed jobs; the meetings' names (bot/services/data_versions.py)."""
COUNTS_KEPT_S = 60.0
"""Seconds the counts are kept at most, whatever the versions say: an edge of the fortnight
not worked out exactly (a failed job whose recorded failure has just left it) shows within
a minute."""


def admin_counts(session: Session, roles: RoleCatalog, now: datetime) -> AdminCounts:
    """The admins' and officers' shared part of the tab, read in one transaction; each part
    on its own, so one that fails leaves the others (`_safely`). Three aggregate statements
    (and the open elections and the next to open), whatever the size of the data."""
    open_elections = _safely(session, "elections", lambda: election_store.open_elections(session, now))
    # Plain values at once, before a part below may roll the session back.
    elections = None if open_elections is None else election_items(open_elections, roles)
    changes = [] if open_elections is None else [record.closes_at for record in open_elections]
    awaiting = (
        None
        if open_elections is None
        else _safely(
            session, "awaiting nominators", lambda: awaiting_nominators(session, roles, open_elections)
        )
    )
    unanswered = _safely(session, "unanswered questions", lambda: unanswered_questions(session))
    failed = _safely(session, "failed reminders", lambda: failed_reminders(session, now))
    # In a tuple: None is a part that failed, (None,) no election to open.
    following = _safely(session, "next election", lambda: (election_store.next_election(session, now),))
    if following is not None and following[0] is not None:
        changes.append(following[0].opens_at)
    changes += [post.failed_at + FAILURES_SINCE for post in failed or [] if post.failed_at is not None]
    complete = all(part is not None for part in (open_elections, awaiting, unanswered, failed, following))
    return AdminCounts(
        awaiting_nominators=awaiting,
        unanswered_questions=unanswered,
        failed_reminders=failed,
        open_elections=elections,
        holds_until=(min(changes) if changes else datetime.max.replace(tzinfo=UTC)) if complete else None,
    )


def kept_admin_counts(
    session: Session, kept: data_versions.KeptUnderVersion[AdminCounts], roles: RoleCatalog, now: datetime
) -> AdminCounts:
    """``admin_counts``, or those kept in ``kept`` (a ``KeptUnderVersion`` of COUNTS_VERSIONS)
    while nothing they count has been written, by any process, and ``now`` (UTC) is before
    their ``holds_until``: one statement (the versions) instead of six."""
    return kept.get(
        session,
        lambda s: admin_counts(s, roles, now),
        fresh=lambda counts: counts.holds_until is not None and now < counts.holds_until,
    )


def build_home(
    session: Session,
    org: OrgConfig,
    roles: RoleCatalog,
    user_id: str,
    now: datetime,
    upcoming: meeting_queries.UpcomingCache | None = None,
    counts: AdminCounts | None = None,
) -> HomeData:
    """The member's tab; `upcoming` is the process's cache of upcoming meetings (None: afresh);
    `counts` the admins' shared part when already read (None: read here, if they see it)."""
    candidates = {user_id}
    for each in Region:
        candidates.update(questions.coordinators(org, each))
    zones = member_timezones.cached(session, candidates)
    region = _safely(session, "region", lambda: region_part(session, org, user_id, zones, now))
    admin = None
    if sees_admin_part(org, user_id) and counts is None:
        counts = admin_counts(session, roles, now)
    elections = counts.open_elections if counts is not None else None
    if elections is None:
        records = _safely(session, "elections", lambda: election_store.open_elections(session, now))
        elections = None if records is None else election_items(records, roles)
    else:
        # Read when the shared counts began, a moment before `now`: one closed since is not open.
        elections = [item for item in elections if item.closes_at > now]
    if sees_admin_part(org, user_id) and counts is not None:
        admin = AdminPart(
            awaiting_nominators=counts.awaiting_nominators,
            unanswered_questions=counts.unanswered_questions,
            failed_reminders=counts.failed_reminders,
            config_problems=config_problems(org, roles)[:PROBLEMS_SHOWN],
            can_change_organisation=org.is_admin(user_id),
        )
    shown = {user_id}
    if region is not None:
        shown.update(c.user_id for c in region.coordinators)
    return HomeData(
        user_id=user_id,
        now=now,
        region=region,
        meetings=_safely(session, "meetings", lambda: meeting_items(session, now, upcoming)),
        elections=None if elections is None else elections[:ELECTIONS_SHOWN],
        nominations=_safely(session, "nominations", lambda: nomination_items(session, roles, user_id)),
        questions=_safely(session, "questions", lambda: question_items(session, user_id)),
        admin=admin,
        timezones_to_refresh=member_timezones.needing_refresh(zones, shown, now),
    )


def refresh_stale_timezones(session: Session, user_ids: Sequence[str], now: datetime) -> None:
    """Read again the zones of these members not read for a week (the coordinators, at start)."""
    cached = member_timezones.cached(session, user_ids)
    schedule_timezone_refresh(session, member_timezones.needing_refresh(cached, user_ids, now), now)


def schedule_timezone_refresh(session: Session, user_ids: Sequence[str], now: datetime) -> None:
    """Read these members' time zones from Slack in the background, at most once a day each."""
    for user in user_ids:
        member_timezones.schedule_refresh(session, user, now)
