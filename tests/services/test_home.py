"""What the Home tab gathers from the database, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, select
from sqlalchemy.orm import ORMExecuteState, Session, sessionmaker

from bot.config import parse_org_config
from bot.services import (
    election_store,
    home,
    meeting_planning,
    meeting_posts,
    meeting_queries,
    meetings,
    member_timezones,
    questions,
)
from bot.services.data_versions import KeptUnderVersion
from bot.services.elections import Election, ElectionKind, Position
from bot.services.roles import RoleCatalog, default_roles_dir
from bot.services.tz_regions import Region
from models.foundation import ScheduledJob
from models.meetings import Meeting
from tests.e2e.harness import example_org
from tests.services.test_nominations_store import open_by_election

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
ORG = parse_org_config(example_org())
ROLES = RoleCatalog.load(default_roles_dir())


def _build(session: Session, user: str = "U0MEMBER") -> home.HomeData:
    return home.build_home(session, ORG, ROLES, user, NOW)


def test_an_empty_database_gives_every_part_empty(session_factory: sessionmaker[Session]) -> None:
    with session_factory() as session:
        data = _build(session)
    assert data.meetings == [] and data.elections == [] and data.nominations == [] and data.questions == []
    assert data.region is not None and data.region.region is None and data.region.reading_timezone
    assert data.admin is None
    assert data.timezones_to_refresh == ["U0MEMBER"]


def test_region_from_the_cached_time_zone_and_the_coordinators_local_time(
    session_factory: sessionmaker[Session],
) -> None:
    with session_factory.begin() as session:
        member_timezones.store(session, "U0MEMBER", "Australia/Sydney", NOW)
        member_timezones.store(session, "U0RCASIAPAC", "Asia/Singapore", NOW - timedelta(days=8))
    with session_factory() as session:
        data = _build(session)
    assert data.region is not None
    assert data.region.region is Region.ASIA_PACIFIC and "Australia/Sydney" in data.region.reason
    (coordinator,) = data.region.coordinators
    assert coordinator.user_id == "U0RCASIAPAC"
    assert coordinator.local_now is not None and coordinator.local_now.hour == 20  # 12:00 UTC in Singapore
    # The coordinator's zone is a week old: it is read again, in the background.
    assert data.timezones_to_refresh == ["U0RCASIAPAC"]


def test_a_chosen_region_needs_no_time_zone(session_factory: sessionmaker[Session]) -> None:
    with session_factory.begin() as session:
        questions.set_region(session, "U0MEMBER", Region.AMERICAS, NOW)
    with session_factory() as session:
        data = _build(session)
    assert data.region is not None and data.region.region is Region.AMERICAS
    assert not data.region.reading_timezone
    assert data.region.coordinators[0].local_now is None  # not read yet: shown without a time


def test_refreshes_are_scheduled_once_a_day(session_factory: sessionmaker[Session]) -> None:
    with session_factory.begin() as session:
        home.schedule_timezone_refresh(session, ["U0MEMBER", "U0RCEAME"], NOW)
        home.schedule_timezone_refresh(session, ["U0MEMBER"], NOW + timedelta(hours=3))
    with session_factory() as session:
        keys = session.scalars(
            select(ScheduledJob.key).where(ScheduledJob.kind == member_timezones.REFRESH.name)
        ).all()
    assert sorted(keys) == ["home.timezone:U0MEMBER:2026-11-23", "home.timezone:U0RCEAME:2026-11-23"]


def _open_now(session: Session, position: Position) -> None:
    """A by-election "Open now" for this one position, open since yesterday for five days."""
    open_by_election(session, "Open now", NOW, until=timedelta(days=5), positions=(position,))


def _secretary_election(session: Session, name: str, opens_at: datetime, closes_at: datetime) -> None:
    election = Election(name, ElectionKind.REGULAR, opens_at, closes_at, (Position("secretary"),))
    election_store.create(session, election, source="slack", now=NOW)


def test_meetings_and_open_elections_only(session_factory: sessionmaker[Session]) -> None:
    with session_factory.begin() as session:
        meetings.sync_from_config(session, ORG, NOW)
        _open_now(session, Position("regional-coordinator", "americas"))
        _secretary_election(session, "Later", NOW + timedelta(days=90), NOW + timedelta(days=110))
    with session_factory() as session:
        data = _build(session)
    assert data.meetings is not None
    assert [m.name for m in data.meetings] == ["LIEC meeting", "General Committee", "LIEC meeting"]
    assert data.meetings[0].starts_at == datetime(2027, 1, 9, 10, tzinfo=UTC)
    assert data.elections is not None
    assert [(e.name, e.positions) for e in data.elections] == [
        ("Open now", ("Regional Coordinator (The Americas)",))
    ]


def test_the_admin_part_is_for_admins_and_officers_only(session_factory: sessionmaker[Session]) -> None:
    with session_factory() as session:
        assert _build(session, "U0SECRETARY").admin is not None  # admin
        assert _build(session, "U0BAME").admin is not None  # officer
        assert _build(session, "U0RCAMERICAS").admin is not None  # coordinator
        assert _build(session, "U0MEMBER").admin is None


def test_unanswered_questions_are_counted_per_region_oldest_first(
    session_factory: sessionmaker[Session],
) -> None:
    with session_factory.begin() as session:
        for asker, region, age in (
            ("U1", Region.AMERICAS, 1),
            ("U2", Region.AMERICAS, 5),
            ("U3", None, 9),
            ("U4", Region.ASIA_PACIFIC, 2),
        ):
            decision = questions.RegionDecision(region, "chosen" if region else "unknown", "test")
            questions.create_question(
                session,
                asker_id=asker,
                text="q",
                decision=decision,
                asker_tz=None,
                now=NOW - timedelta(hours=age),
            )
        answered = questions.create_question(
            session,
            asker_id="U5",
            text="q",
            decision=questions.RegionDecision(Region.AMERICAS, "chosen", "t"),
            asker_tz=None,
            now=NOW - timedelta(days=20),
        )
        questions.mark_answered(session, answered.id, "U0RCAMERICAS", NOW)
    with session_factory() as session:
        counts = home.unanswered_questions(session)
    assert [(c.region, c.unanswered) for c in counts] == [
        (None, 1),
        (Region.AMERICAS, 2),
        (Region.ASIA_PACIFIC, 1),
    ]
    assert counts[1].oldest == NOW - timedelta(hours=5)


def test_only_the_members_open_questions_newest_first(session_factory: sessionmaker[Session]) -> None:
    decision = questions.RegionDecision(Region.AMERICAS, "chosen", "t")
    with session_factory.begin() as session:
        first = questions.create_question(
            session,
            asker_id="U0MEMBER",
            text="first",
            decision=decision,
            asker_tz=None,
            now=NOW - timedelta(hours=2),
        )
        questions.create_question(
            session,
            asker_id="U0MEMBER",
            text="second",
            decision=decision,
            asker_tz=None,
            now=NOW - timedelta(hours=1),
        )
        questions.create_question(
            session, asker_id="U0OTHER", text="theirs", decision=decision, asker_tz=None, now=NOW
        )
        done = questions.create_question(
            session, asker_id="U0MEMBER", text="done", decision=decision, asker_tz=None, now=NOW
        )
        questions.mark_answered(session, done.id, "U0RCAMERICAS", NOW)
        questions.claim(session, first.id, "U0RCAMERICAS", NOW)
    with session_factory() as session:
        items = home.question_items(session, "U0MEMBER")
    assert [(i.text, i.status) for i in items] == [("second", "waiting"), ("first", "claimed")]


def test_old_failures_are_not_shown(session_factory: sessionmaker[Session]) -> None:
    with session_factory.begin() as session:
        meeting_posts.record_post(
            session,
            "mtg:liec-meeting:20261001T0900Z:1d",
            meeting_planning.REMINDER.name,
            "C0LIEC",
            None,
            "failed",
            NOW - timedelta(days=30),
            NOW - timedelta(days=30),
            {"error": "old"},
        )
        meeting_posts.record_post(
            session,
            "mtg:nowhere:20261120T0900Z:1h",
            meeting_planning.REMINDER.name,
            "C0X",
            None,
            "failed",
            NOW - timedelta(days=3),
            NOW - timedelta(days=3),
            {"error": "channel_not_found"},
        )
        meeting_posts.record_post(
            session,
            "mtg:liec-meeting:20261121T0900Z:1h",
            meeting_planning.REMINDER.name,
            "C0LIEC",
            "1.2",
            "sent",
            NOW - timedelta(days=2),
            NOW - timedelta(days=2),
        )
    with session_factory() as session:
        failed = home.failed_reminders(session, NOW)
    assert [(f.what, f.error) for f in failed] == [("reminder", "channel_not_found")]


def test_failures_shown_are_the_newest_of_posts_and_unrecorded_jobs(
    session_factory: sessionmaker[Session],
) -> None:
    """Each source gives only its newest few, yet the list is the newest of all of them: a
    failed job whose post recorded the failure shows once, as the post, even when that post
    is too old to be listed itself."""
    kind = meeting_planning.REMINDER.name
    shown = home.FAILURES_SHOWN
    with session_factory.begin() as session:
        for n in range(shown + 3):  # posts due n hours ago, recorded as failed
            due = NOW - timedelta(hours=2 * n + 1)
            meeting_posts.record_post(
                session, f"mtg:post-{n}:x:1h", kind, "C0X", None, "failed", due, due, {"error": f"post {n}"}
            )

        def failed_job(key: str, due: datetime, error: str) -> ScheduledJob:
            return ScheduledJob(
                kind=kind, key=key, due_at=due, payload={}, status="failed", finished_at=due, last_error=error
            )

        for n in range(shown + 3):  # jobs due in between, all failed
            session.add(failed_job(f"mtg:job-{n}:x:1h", NOW - timedelta(hours=2 * n + 2), f"job {n}"))
        # The oldest post's own job failed too, and is newer than every other failure.
        session.add(failed_job(f"mtg:post-{shown + 2}:x:1h", NOW, "shadowed"))
    with session_factory() as session:
        failed = home.failed_reminders(session, NOW)
    expected = [f"post {n // 2}" if n % 2 == 0 else f"job {n // 2}" for n in range(shown)]
    assert [f.error for f in failed] == expected


def test_the_admins_part_read_once_is_what_each_admins_tab_shows(
    session_factory: sessionmaker[Session],
) -> None:
    """`admin_counts` is read once for admins opening their tabs together (handlers/home.py);
    each tab then shows it as read, with its own organisation problems and editor button."""
    admin = next(iter(ORG.admins))
    with session_factory() as session:
        counts = home.admin_counts(session, ROLES, NOW)
        fresh = _build(session, admin)
    assert fresh.admin is not None
    assert (
        fresh.admin.awaiting_nominators,
        fresh.admin.unanswered_questions,
        fresh.admin.failed_reminders,
    ) == (
        counts.awaiting_nominators,
        counts.unanswered_questions,
        counts.failed_reminders,
    )
    given = home.AdminCounts([], [home.RegionQuestions(Region.AMERICAS, 3, NOW)], None)
    with session_factory() as session:
        shared = home.build_home(session, ORG, ROLES, admin, NOW, counts=given)
        member = home.build_home(session, ORG, ROLES, "U0MEMBER", NOW, counts=given)
    assert shared.admin is not None and shared.admin.unanswered_questions == given.unanswered_questions
    assert shared.admin.failed_reminders is None and shared.admin.can_change_organisation
    assert member.admin is None  # given or not, a member never sees it


def test_an_admins_tab_reads_the_open_elections_once(session_factory: sessionmaker[Session]) -> None:
    """The admins' counts read the open elections; the tab's own list of them is that read."""
    with session_factory.begin() as session:
        _open_now(session, Position("secretary"))
    admin = next(iter(ORG.admins))
    reads: list[str] = []

    def count(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        # The open ones (the counts also ask which opens next, to know how long they hold).
        if statement.lstrip().upper().startswith("SELECT ELECTIONS.") and "closes_at >" in statement:
            reads.append(statement)

    engine = session_factory.kw["bind"]
    event.listen(engine, "before_cursor_execute", count)
    try:
        with session_factory() as session:
            inside = _build(session, admin)
        assert len(reads) == 1
        with session_factory() as session:
            counts = home.admin_counts(session, ROLES, NOW)
        with session_factory() as session:
            shared = home.build_home(session, ORG, ROLES, admin, NOW, counts=counts)
        assert len(reads) == 2  # the counts' read, and none by the tab given them
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert [e.name for e in inside.elections or []] == ["Open now"]
    assert [e.name for e in shared.elections or []] == ["Open now"]


def _statements_run(
    session_factory: sessionmaker[Session], build: Callable[[Session], object]
) -> list[object]:
    """The statement objects a build runs, as the session is given them (``do_orm_execute``)."""
    run: list[object] = []

    def seen(state: ORMExecuteState) -> None:
        run.append(state.statement)

    with session_factory() as session:
        event.listen(session, "do_orm_execute", seen)
        build(session)
    return run


def test_every_open_of_a_members_tab_runs_the_same_statements_built_once(
    session_factory: sessionmaker[Session],
) -> None:
    """Each statement a member's tab runs is built once, its values bound at each run: the
    same objects for two members, so SQLAlchemy's kept cache key is reused (docs/ARCHITECTURE.md,
    "Statements built once"). A statement built afresh at each open is a new object."""
    with session_factory.begin() as session:
        _open_now(session, Position("secretary"))
        member_timezones.store(session, "U0MEMBER", "Europe/Paris", NOW)
        member_timezones.store(session, "U0OTHER", "America/Lima", NOW)
        questions.set_region(session, "U0OTHER", Region.AMERICAS, NOW)
    upcoming = meeting_queries.UpcomingCache()
    with session_factory() as session:  # the process's meetings, read once
        home.build_home(session, ORG, ROLES, "U0MEMBER", NOW, upcoming)
    first = _statements_run(
        session_factory, lambda s: home.build_home(s, ORG, ROLES, "U0MEMBER", NOW, upcoming)
    )
    second = _statements_run(
        session_factory, lambda s: home.build_home(s, ORG, ROLES, "U0OTHER", NOW, upcoming)
    )
    assert len(first) >= 5  # time zones, the member's choice, elections, nominations, questions...
    assert [id(s) for s in second] == [id(s) for s in first]


def test_each_failure_is_named_after_its_own_meeting(session_factory: sessionmaker[Session]) -> None:
    """A post's or job's key is "mtg:<meeting key>:...": the name is that meeting's, not one
    whose key begins the same way; a deleted meeting leaves the kind alone."""
    kind = meeting_planning.REMINDER.name
    with session_factory.begin() as session:
        for key, name in (("gc", "General Committee"), ("gc-extra", "GC extra"), ("g", "G")):
            session.add(
                Meeting(
                    key=key,
                    source="file",
                    name=name,
                    channel="C0GC",
                    start="2026-12-01T09:00",
                    timezone="UTC",
                    created_at=NOW,
                    updated_at=NOW,
                )
            )
        for key, hours in (("gc", 1), ("gone", 3)):
            due = NOW - timedelta(hours=hours)
            meeting_posts.record_post(
                session,
                f"mtg:{key}:20261130T0900Z:1h",
                kind,
                "C0GC",
                None,
                "failed",
                due,
                due,
                {"error": key},
            )
        session.add(
            ScheduledJob(
                kind=kind,
                key="mtg:gc-extra:20261130T0900Z:1d",
                due_at=NOW - timedelta(hours=2),
                payload={},
                status="failed",
                finished_at=NOW - timedelta(hours=2),
                last_error="gc-extra",
            )
        )
    with session_factory() as session:
        failed = home.failed_reminders(session, NOW)
    assert [(f.what, f.error) for f in failed] == [
        ("reminder of General Committee", "gc"),
        ("reminder of GC extra", "gc-extra"),
        ("reminder", "gone"),
    ]


@pytest.mark.parametrize("failing", ["unanswered_questions", "failed_reminders"])
def test_shared_counts_with_a_failed_part_still_give_the_tab_its_elections(
    session_factory: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch, failing: str
) -> None:
    """A part of the shared counts that fails rolls their session back; the open elections they
    carry are plain values, so the tab built from them in another session still lists them
    (and shows that part as unreadable, the others as read)."""
    with session_factory.begin() as session:
        _open_now(session, Position("secretary"))

    def broken(*_: object) -> None:
        raise RuntimeError("statement timeout")

    monkeypatch.setattr(home, failing, broken)
    admin = next(iter(ORG.admins))
    with session_factory() as session:
        counts = home.admin_counts(session, ROLES, NOW)
    with session_factory() as session:
        data = home.build_home(session, ORG, ROLES, admin, NOW, counts=counts)
    assert [e.name for e in data.elections or []] == ["Open now"]
    assert data.admin is not None and getattr(data.admin, failing) is None


def test_shared_counts_read_a_moment_before_leave_out_an_election_closed_since(
    session_factory: sessionmaker[Session],
) -> None:
    with session_factory.begin() as session:
        _open_now(session, Position("secretary"))
    admin = next(iter(ORG.admins))
    with session_factory() as session:
        counts = home.admin_counts(session, ROLES, NOW + timedelta(days=5) - timedelta(seconds=1))
    with session_factory() as session:
        data = home.build_home(session, ORG, ROLES, admin, NOW + timedelta(days=5), counts=counts)
    assert counts.open_elections is not None and [e.name for e in counts.open_elections] == ["Open now"]
    assert data.elections == []


def test_the_admins_counts_are_kept_until_what_they_count_is_written_or_their_time_passes(
    session_factory: sessionmaker[Session],
) -> None:
    """`kept_admin_counts`: the same counts while nothing they count has been written (a job
    that is not failed is not counted), read again after a question, a failed job, an election
    opening and a failure leaving the fortnight."""
    kept: KeptUnderVersion[home.AdminCounts] = KeptUnderVersion(home.COUNTS_VERSIONS, keep_s=3600)

    def counts(at: datetime = NOW) -> home.AdminCounts:
        with session_factory() as session:
            return home.kept_admin_counts(session, kept, ROLES, at)

    kind = meeting_planning.REMINDER.name
    with session_factory.begin() as session:
        old = NOW - home.FAILURES_SINCE + timedelta(hours=1)  # leaves the list at NOW + 1 h
        meeting_posts.record_post(
            session, "mtg:liec-meeting:x:1h", kind, "C0LIEC", None, "failed", old, old, {"error": "old"}
        )
        _secretary_election(session, "Soon", NOW + timedelta(hours=2), NOW + timedelta(days=9))
    first = counts()
    assert first.holds_until == NOW + timedelta(hours=1)
    assert [f.error for f in first.failed_reminders or []] == ["old"]
    assert counts() is first

    with session_factory.begin() as session:
        session.add(ScheduledJob(kind=kind, key="mtg:other:x:1h", due_at=NOW, payload={}, status="pending"))
    assert counts() is first  # a job that is not failed counts for nothing here

    with session_factory.begin() as session:
        questions.create_question(
            session,
            asker_id="U1",
            text="q",
            decision=questions.RegionDecision(Region.AMERICAS, "chosen", "test"),
            asker_tz=None,
            now=NOW,
        )
    asked = counts()
    assert asked is not first and [(c.region, c.unanswered) for c in asked.unanswered_questions or []] == [
        (Region.AMERICAS, 1)
    ]

    with session_factory.begin() as session:
        job = session.scalars(select(ScheduledJob).where(ScheduledJob.key == "mtg:other:x:1h")).one()
        job.status, job.finished_at, job.last_error = "failed", NOW, "not_in_channel"
    failed = counts()
    assert failed is not asked and [f.error for f in failed.failed_reminders or []] == [
        "not_in_channel",
        "old",
    ]
    assert counts() is failed

    later = counts(NOW + timedelta(hours=1, minutes=1))  # the old failure has left the fortnight
    assert later is not failed and [f.error for f in later.failed_reminders or []] == ["not_in_channel"]
    assert later.holds_until == NOW + timedelta(hours=2)  # "Soon" opens
    opened = counts(NOW + timedelta(hours=2, minutes=1))
    assert [e.name for e in opened.open_elections or []] == ["Soon"]
    assert opened.holds_until == NOW + timedelta(days=9)  # ... and closes


def test_counts_with_a_part_that_could_not_be_read_are_not_kept(
    session_factory: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    kept: KeptUnderVersion[home.AdminCounts] = KeptUnderVersion(home.COUNTS_VERSIONS, keep_s=3600)
    calls: list[int] = []
    real = home.unanswered_questions

    def flaky(session: Session) -> list[home.RegionQuestions]:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("statement timeout")
        return real(session)

    monkeypatch.setattr(home, "unanswered_questions", flaky)
    with session_factory() as session:
        broken = home.kept_admin_counts(session, kept, ROLES, NOW)
    with session_factory() as session:
        again = home.kept_admin_counts(session, kept, ROLES, NOW)
    assert broken.unanswered_questions is None and broken.holds_until is None
    assert again is not broken and again.unanswered_questions == [] and len(calls) == 2
