"""The queries rewritten for scale give what the row-by-row versions gave, on SQLite and
PostgreSQL, over the benchmark's seeded data (bench/seed.py at a small size)."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from bench import seed
from bot import db
from bot.services import nominations, questions
from bot.services.meeting_occurrences import effective_occurrences, upcoming_occurrences
from bot.services.tz_regions import Region
from models.elections import ElectionRecord
from models.meetings import Meeting, MeetingChange

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def _seeded(database_url: str) -> Session:
    seed.seed(database_url, NOW, 0.004, forget_me_members=2)
    return db.make_session_factory(db.make_engine(database_url))()


def test_awaiting_counts_by_the_database_match_the_status_rule(database_url: str) -> None:
    with _seeded(database_url) as session:
        for election in session.scalars(select(ElectionRecord)):
            by_rule = {
                count.position_key: count.counts[nominations.NominationStatus.AWAITING]
                for count in nominations.counts_by_position(session, election)
                if count.counts.get(nominations.NominationStatus.AWAITING)
            }
            assert nominations.awaiting_by_position(session, election) == by_rule
            assert list(nominations.awaiting_by_position(session, election)) == [
                key for key in election.positions if key in by_rule
            ]


def test_unanswered_counts_and_the_first_page_match_the_whole_list(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with _seeded(database_url) as session:
        everything = questions.open_questions(session, None)
        counts = Counter(q.region for q in everything)
        oldest = {}
        for q in everything:
            oldest.setdefault(q.region, q.asked_at)
        expected = sorted(((r, counts[r], oldest[r]) for r in counts), key=lambda row: row[2])
        assert questions.unanswered_by_region(session) == expected
        for regions in (None, [Region.AMERICAS], [Region.ASIA_PACIFIC, Region.EUROPE_AFRICA_MIDDLE_EAST]):
            whole = questions.open_questions(session, regions)
            page, total = questions.open_questions_page(session, regions, 7)
            assert [q.id for q in page] == [q.id for q in whole[:7]]
            assert total == len(whole) and total > 7
        # Past COUNTED_UP_TO the count stops one further: "more than" that many.
        for cap in (3, len(everything) - 1):
            monkeypatch.setattr(questions, "COUNTED_UP_TO", cap)
            page, total = questions.open_questions_page(session, None, 7)
            assert [q.id for q in page] == [q.id for q in everything[:7]]
            assert total == cap + 1
        monkeypatch.setattr(questions, "COUNTED_UP_TO", len(everything))
        assert questions.open_questions_page(session, None, 7)[1] == len(everything)
        assert questions.open_questions_page(session, [], 7) == ([], 0)
        # A page of none still says how many there are.
        assert questions.open_questions_page(session, None, 0) == ([], len(everything))


def test_upcoming_occurrences_from_the_days_cache_match_the_exact_ones(database_url: str) -> None:
    with _seeded(database_url) as session:
        meeting = session.scalars(select(Meeting).order_by(Meeting.id)).first()
        assert meeting is not None
        first = effective_occurrences(meeting, NOW, NOW + timedelta(days=30))
        # One occurrence moved by a day, the next cancelled: both show in the cached path too.
        session.add(
            MeetingChange(
                meeting_id=meeting.id,
                original_start=first[0].original,
                new_start=first[0].original + timedelta(days=1),
                changed_at=NOW,
            )
        )
        session.add(
            MeetingChange(
                meeting_id=meeting.id, original_start=first[1].original, new_start=None, changed_at=NOW
            )
        )
        session.flush()
        for meeting in session.scalars(select(Meeting).options(selectinload(Meeting.changes))).unique():
            session.refresh(meeting)
            for after, days in ((NOW, 1), (NOW + timedelta(hours=5, minutes=7), 7), (NOW, 92)):
                until = after + timedelta(days=days)
                assert upcoming_occurrences(meeting, after, until) == effective_occurrences(
                    meeting, after, until
                )
