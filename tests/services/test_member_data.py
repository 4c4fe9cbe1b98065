"""Members' data rights across every feature: export, then forget, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.config import parse_org_config
from bot.services import (
    audit,
    election_store,
    meetings,
    member_data,
    member_timezones,
    nominations,
    questions,
)
from bot.services.elections import Election, ElectionKind, Position
from bot.services.member_data import DataProvider
from bot.services.nomination_rules import NominationForm, Person, Route
from bot.services.tz_regions import Region
from models.elections import NominationRecord, NominatorRecord
from models.home import MemberTimezone
from models.meetings import Meeting
from models.questions import MemberRegion, Question
from tests.e2e.harness import example_org

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
ME = "U0MEMBER"
ORG = parse_org_config(example_org())


def _election(session: Session, name: str, opens: datetime, closes: datetime) -> Any:
    return election_store.create(
        session,
        Election(name, ElectionKind.BY_ELECTION, opens, closes, (Position("secretary"),)),
        source="slack",
        now=NOW,
    )


def _nomination(
    session: Session, election: Any, candidate: str, nominators: tuple[str, str], key: str
) -> None:
    form = NominationForm(
        position=Position("secretary"),
        candidate=Person(candidate, f"Name of {candidate}", f"{candidate.lower()}@example.org", "L7654321"),
        statement=f"Statement of {candidate}",
        route=Route.MEMBERS,
        nominators=(Person(nominators[0]), Person(nominators[1])),
    )
    nominations.submit(session, form, election, submitted_by=candidate, submission_key=key, now=NOW)


@pytest.fixture
def seeded(session_factory: sessionmaker[Session]) -> sessionmaker[Session]:
    """The member has used every feature; another member has too."""
    with session_factory.begin() as session:
        running = _election(
            session, "Secretary by-election", NOW - timedelta(days=3), NOW + timedelta(days=10)
        )
        closed = _election(session, "Old by-election", NOW - timedelta(days=60), NOW - timedelta(days=30))
        _nomination(session, running, ME, ("U0SECRETARY", "U0BAME"), "V1")
        _nomination(session, closed, ME, ("U0SECRETARY", "U0BAME"), "V2")
        _nomination(session, running, "U0OTHER", (ME, "U0BAME"), "V3")
        questions.set_region(session, ME, Region.AMERICAS, NOW)
        decision = questions.decide_region(questions.member_choice(session, ME), ORG, None)
        questions.create_question(
            session,
            asker_id=ME,
            text="My question about dues",
            decision=decision,
            asker_tz="America/New_York",
            now=NOW,
        )
        other = questions.create_question(
            session, asker_id="U0OTHER", text="Their question", decision=decision, asker_tz=None, now=NOW
        )
        questions.claim(session, other.id, ME, NOW)
        spec = meetings.MeetingSpec(
            key="branch-social",
            name="Branch social",
            channel="C0SOCIAL",
            start="2026-12-12 18:00",
            timezone="America/New_York",
        )
        meetings.add_meeting(session, spec, ME, NOW, ORG)
        member_timezones.store(session, ME, "America/New_York", NOW)
        audit.record_admin_read(session, ME, "nominations list", NOW)
    return session_factory


def test_the_export_holds_what_every_feature_stores_about_the_member(seeded: sessionmaker[Session]) -> None:
    with seeded() as session:
        export = member_data.export_member(session, ORG, ME, NOW)
    data = json.loads(export.as_json())
    assert data["slack_user_id"] == ME
    assert {"nominations", "regional_questions", "meetings", "home_tab", "audit_log"} <= set(data)
    assert sorted(n["election"] for n in data["nominations"]["nominations"]) == [
        "Old by-election",
        "Secretary by-election",
    ]
    assert data["nominations"]["nominated_others"][0]["position"] == "secretary"
    assert data["regional_questions"]["questions_asked"][0]["question"] == "My question about dues"
    assert data["regional_questions"]["questions_handled"][0]["claimed"] is True
    assert data["meetings"]["meetings_added"][0]["name"] == "Branch social"
    assert data["home_tab"]["slack_time_zone"] == "America/New_York"
    assert data["audit_log"]["personal_data_you_read_as_an_admin"][0]["what"] == "nominations list"
    assert data["organisation_file"] == {"admin": False, "roles_held": []}
    # Another member's own words are not part of this member's data.
    assert "Their question" not in export.as_json()


def test_the_summary_reads_as_plain_text(seeded: sessionmaker[Session]) -> None:
    with seeded() as session:
        export = member_data.export_member(session, ORG, ME, NOW)
    summary = member_data.readable_summary(export)
    assert summary.startswith("Everything the LIEC bot stores about you")
    for line in (
        "Regional questions",
        "  Questions asked:",
        "Question: My question about dues",
        "Slack time zone: America/New_York",
    ):
        assert line in summary
    assert "{" not in summary and '"' not in summary


def test_forget_erases_what_need_not_be_kept_and_says_why_the_rest_is_kept(
    seeded: sessionmaker[Session],
) -> None:
    with seeded.begin() as session:
        kept = member_data.forget(session, ORG, ME, NOW)
    by_feature: dict[str, list[str]] = {}
    for item in kept:
        assert item.why  # every kept thing has its reason
        by_feature.setdefault(item.feature, []).append(item.what)
    # The running election's nomination and their nomination of another are kept until it closes.
    assert any("Secretary by-election" in what for what in by_feature["Nominations"])
    assert "Regional questions" in by_feature and "Meetings" in by_feature and "Audit log" in by_feature

    with seeded() as session:
        assert session.get(MemberRegion, ME) is None
        assert session.scalars(select(Question).where(Question.asker_id == ME)).all() == []
        assert session.scalars(select(Question).where(Question.claimed_by == ME)).all() == []
        assert session.get(MemberTimezone, ME) is None
        meeting = session.scalars(select(Meeting).where(Meeting.key == "branch-social")).one()
        assert meeting.created_by is None  # the meeting stays: it is the organisation's
        rows = session.scalars(
            select(NominationRecord).where(NominationRecord.candidate_slack_id == ME)
        ).all()
        assert [r.election.name for r in rows] == ["Secretary by-election"]  # the closed one is gone
        assert rows[0].forget_at_close is True
        nominator = session.scalars(select(NominatorRecord).where(NominatorRecord.slack_id == ME)).one()
        assert nominator.forget_at_close is True
        export = member_data.export_member(session, ORG, ME, NOW)
    data = export.as_dict()
    assert data["regional_questions"]["questions_asked"] == []
    assert data["meetings"] == {"meetings_added": [], "meeting_changes": []}
    assert data["home_tab"] == {"slack_time_zone": None}
    # What is left is exactly what was kept for a stated reason.
    assert [n["election"] for n in data["nominations"]["nominations"]] == ["Secretary by-election"]


def test_an_officer_is_told_the_organisation_file_still_names_them(
    session_factory: sessionmaker[Session],
) -> None:
    with session_factory.begin() as session:
        kept = member_data.forget(session, ORG, "U0RCEAME", NOW)
        export = member_data.export_member(session, ORG, "U0RCEAME", NOW)
    assert export.organisation_file["roles_held"] == [
        "regional-coordinator",
        "regions.europe-africa-middle-east",
    ]
    assert [k.feature for k in kept] == ["Organisation file"]
    assert "Secretary" in kept[0].why


def test_a_failing_feature_erases_nothing(seeded: sessionmaker[Session]) -> None:
    def broken(_session: Session, _user: str, _now: datetime) -> list[tuple[str, str]]:
        raise RuntimeError("disk full")

    sources = [*member_data.providers(), DataProvider("broken", "Broken", lambda s, u: {}, broken)]
    with pytest.raises(RuntimeError), seeded.begin() as session:
        member_data.forget(session, ORG, ME, NOW, sources)
    with seeded() as session:
        assert session.get(MemberRegion, ME) is not None
        assert session.scalars(select(Question).where(Question.asker_id == ME)).all() != []


def test_every_provider_has_both_functions_and_a_distinct_key() -> None:
    found = member_data.providers()
    assert len({p.key for p in found}) == len(found)
    assert {p.key for p in found} >= {
        "nominations",
        "regional_questions",
        "meetings",
        "home_tab",
        "audit_log",
    }


def test_forget_withdraws_a_pending_time_zone_read(session_factory: sessionmaker[Session]) -> None:
    from bot.services import home
    from models.foundation import ScheduledJob

    with session_factory.begin() as session:
        home.schedule_timezone_refresh(session, [ME, "U0OTHER"], NOW)
        member_data.forget(session, ORG, ME, NOW)
    with session_factory() as session:
        statuses = dict(session.execute(select(ScheduledJob.key, ScheduledJob.status)).all())
    # The member's read is gone (its key named them); the other member's still waits.
    assert statuses == {"home.timezone:U0OTHER:2026-11-23": "pending"}
