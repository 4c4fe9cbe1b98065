"""After /liec forget-me, the member's Slack id is nowhere in the database except where the
DM says it is kept, and why. Every table and column comes from the models' metadata, so a
column added later is walked too. SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.config import parse_org_config
from bot.jobs import JobQueue
from bot.services import (
    audit,
    election_store,
    home,
    meetings,
    member_data,
    member_timezones,
    nominations,
    questions,
)
from bot.services.elections import Election, ElectionKind, Position
from bot.services.nomination_rules import NominationForm, Person, Route
from bot.services.tz_regions import Region
from bot.views.member_data import forget_done
from models.base import Base
from models.elections import NominationRecord
from models.meeting_members import CalendarAddition, MeetingAnswer
from tests.e2e.harness import example_org

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
ME = "U0FORGETME"
ORG = parse_org_config(example_org())


def _election(session: Session, name: str, opens: datetime, closes: datetime) -> Any:
    return election_store.create(
        session,
        Election(name, ElectionKind.BY_ELECTION, opens, closes, (Position("secretary"),)),
        source="slack",
        now=NOW - timedelta(days=90),
        created_by=ME,
    )


def _form(
    candidate: Person, nominators: tuple[Person, Person], partner: Person | None = None
) -> NominationForm:
    return NominationForm(
        position=Position("secretary"),
        candidate=candidate,
        statement="A statement",
        route=Route.MEMBERS,
        nominators=nominators,
        partner=partner,
    )


def _person(user: str | None, name: str) -> Person:
    return Person(user, name, f"{name.lower().replace(' ', '.')}@example.org", "L1234567")


def _seed(session: Session) -> None:
    """The member in every part they can play, beside other members."""
    running = _election(session, "Running", NOW - timedelta(days=3), NOW + timedelta(days=10))
    closed = _election(session, "Closed", NOW - timedelta(days=60), NOW - timedelta(days=30))
    early = _election(session, "Early", NOW - timedelta(days=3), NOW + timedelta(days=10))
    election_store.close_now(session, early, ME, NOW)
    closed.published_by = ME
    closed.published_at = NOW - timedelta(days=20)
    others = (Person("U0N1"), Person("U0N2"))
    # Candidate, in a running and a closed election.
    nominations.submit(
        session,
        _form(_person(ME, "Me Myself"), others),
        running,
        submitted_by=ME,
        submission_key="k1",
        now=NOW,
    )
    nominations.submit(
        session,
        _form(_person(ME, "Me Myself"), others),
        closed,
        submitted_by=ME,
        submission_key="k2",
        now=NOW,
    )
    # Submitter of someone else's nomination, with a nominator not on Slack.
    nominations.submit(
        session,
        _form(_person("U0CAND", "Their Name"), (Person("U0N1"), _person(None, "Off Slack"))),
        running,
        submitted_by=ME,
        submission_key="k3",
        now=NOW,
    )
    # Nominator (running and closed), and job-share partner (running and closed).
    nominations.submit(
        session,
        _form(_person("U0CAND2", "Cand Two"), (Person(ME), Person("U0N2")), _person(ME, "Me Myself")),
        running,
        submitted_by="U0CAND2",
        submission_key="k4",
        now=NOW,
    )
    nominations.submit(
        session,
        _form(_person("U0CAND3", "Cand Three"), (Person(ME), Person("U0N2")), _person(ME, "Me Myself")),
        closed,
        submitted_by="U0CAND3",
        submission_key="k5",
        now=NOW,
    )
    # The returning officer's check.
    checked = nominations.find_submission(session, "k3")
    assert checked is not None
    nominations.mark_checked(session, checked, ME, NOW)
    # Questions: asked, taken, answered, moved.
    questions.set_region(session, ME, Region.AMERICAS, NOW)
    decision = questions.decide_region(questions.member_choice(session, ME), ORG, None)
    questions.create_question(session, asker_id=ME, text="Mine", decision=decision, asker_tz=None, now=NOW)
    taken = questions.create_question(
        session, asker_id="U0Q", text="Q1", decision=decision, asker_tz=None, now=NOW
    )
    answered = questions.create_question(
        session, asker_id="U0Q", text="Q2", decision=decision, asker_tz=None, now=NOW
    )
    moved = questions.create_question(
        session, asker_id="U0Q", text="Q3", decision=decision, asker_tz=None, now=NOW
    )
    questions.claim(session, taken.id, ME, NOW)
    questions.mark_answered(session, answered.id, ME, NOW)
    assert questions.reroute(session, moved.id, Region.ASIA_PACIFIC, ME, NOW) is not None
    # Meetings added and moved.
    spec = meetings.MeetingSpec(
        key="social", name="Social", channel="C0SOCIAL", start="2026-12-12 18:00", timezone="UTC"
    )
    meeting = meetings.add_meeting(session, spec, ME, NOW, ORG)
    meetings.move(session, meeting, None, "2026-12-13 18:00", ME, NOW, ORG)
    # The meeting in their calendar, with an update on its way, and their apologies.
    session.add(
        CalendarAddition(
            user_id=ME,
            meeting_id=meeting.id,
            target="series",
            uid="meeting-social@liec-bot",
            sequence=0,
            cancelled=False,
            added_at=NOW,
            updated_at=NOW,
        )
    )
    session.flush()
    meetings.cancel(session, meeting, date(2026, 12, 13), "U0ADMIN", NOW, ORG)  # plans their update
    session.add(
        MeetingAnswer(
            meeting_id=meeting.id,
            original_start=NOW + timedelta(days=19),
            user_id=ME,
            answer="apologies",
            reason="Away",
            answered_at=NOW,
        )
    )
    # The Home tab's time zone and its pending and finished reads.
    member_timezones.store(session, ME, "UTC", NOW)
    home.schedule_timezone_refresh(session, [ME, "U0OTHER"], NOW)
    home.schedule_timezone_refresh(session, [ME], NOW - timedelta(days=1))
    session.flush()
    JobQueue.schedule(
        session, kind="elections.summary", key="elections.summary:9:x", due_at=NOW, payload={"admin": ME}
    )
    # An admin's read, kept on purpose.
    audit.record_admin_read(session, ME, "nominations list", NOW)


def _where_named(session: Session, user_id: str) -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    for table in Base.metadata.sorted_tables:
        for row in session.execute(select(table)).mappings():
            for column, value in row.items():
                text = json.dumps(value, default=str) if isinstance(value, dict | list) else str(value)
                if user_id in text:
                    found.add((table.name, str(column)))
    return found


# Where the id may stay, and words the DM must use to say so.
KEPT_ON_PURPOSE = {
    ("nominations", "candidate_slack_id"): "nomination for secretary in Running",
    ("nominations", "submitted_by"): "nomination for secretary in Running",
    ("nominators", "slack_id"): "your nomination of a candidate in Running",
    ("nominations", "partner_slack_id"): "job-share partner in a nomination in Running",
    ("audit_log", "actor_id"): "record(s) of personal data you read as an admin",
}


def test_after_forget_the_id_is_only_where_the_dm_says_it_is_kept(
    session_factory: sessionmaker[Session],
) -> None:
    with session_factory.begin() as session:
        _seed(session)
    with session_factory() as session:
        before = _where_named(session, ME)
    # The seed reaches the columns the issue names, so the walk proves something.
    assert {
        ("scheduled_jobs", "key"),
        ("scheduled_jobs", "payload"),
        ("calendar_additions", "user_id"),
        ("meeting_answers", "user_id"),
        ("questions", "region_reason"),
        ("nominations", "checked_by"),
        ("elections", "closed_early_by"),
        ("elections", "published_by"),
        ("elections", "created_by"),
    } <= before

    with session_factory.begin() as session:
        kept = member_data.forget(session, ORG, ME, NOW)
    with session_factory() as session:
        after = _where_named(session, ME)

    assert after == set(KEPT_ON_PURPOSE)
    dm = forget_done(kept)
    said = " ".join(f"{k.what} {k.why}" for k in kept)
    for words in KEPT_ON_PURPOSE.values():
        assert words in said
    assert "Nothing was kept" not in dm.text + json.dumps(dm.block_dicts())
    assert all(k.why for k in kept)


def test_once_the_election_closes_nothing_names_the_member_but_the_audit_log(
    session_factory: sessionmaker[Session],
) -> None:
    with session_factory.begin() as session:
        _seed(session)
        member_data.forget(session, ORG, ME, NOW)
    with session_factory.begin() as session:
        for election in session.scalars(select(NominationRecord.election_id).distinct()):
            nominations.forget_flagged(session, election)
        running = election_store.get_by_name(session, "Running")
        assert running is not None
        nominations.purge_election(session, running, NOW + timedelta(days=100))
    with session_factory() as session:
        assert _where_named(session, ME) == {("audit_log", "actor_id")}


def test_a_member_with_nothing_kept_is_told_so(session_factory: sessionmaker[Session]) -> None:
    with session_factory.begin() as session:
        questions.set_region(session, "U0PLAIN", Region.AMERICAS, NOW)
        home.schedule_timezone_refresh(session, ["U0PLAIN"], NOW)
        kept = member_data.forget(session, ORG, "U0PLAIN", NOW)
    with session_factory() as session:
        assert _where_named(session, "U0PLAIN") == set()
    assert kept == []
    assert "Nothing was kept" in forget_done(kept).text
