"""The audit log of admins' reads of personal data, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bot.services import audit

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def test_a_read_is_recorded_with_who_what_and_when(session_factory: sessionmaker[Session]) -> None:
    with session_factory.begin() as session:
        audit.record_admin_read(session, "U0SECRETARY", "  nominations list:\n LIEC elections 2027 ", NOW)
    with session_factory() as session:
        page = audit.recent(session)
    assert page.total == 1
    entry = page.entries[0]
    assert (entry.actor_id, entry.what, entry.at) == (
        "U0SECRETARY",
        "nominations list: LIEC elections 2027",
        NOW,
    )


def test_newest_first_with_a_total_and_a_filter(session_factory: sessionmaker[Session]) -> None:
    with session_factory.begin() as session:
        for days in range(5):
            audit.record_admin_read(
                session, "U0CHAIR" if days % 2 else "U0SECRETARY", f"read {days}", NOW - timedelta(days=days)
            )
    with session_factory() as session:
        page = audit.recent(session, limit=3)
        assert [e.what for e in page.entries] == ["read 0", "read 1", "read 2"]
        assert page.total == 5
        chair = audit.recent(session, actor_id="U0CHAIR")
        assert [e.what for e in chair.entries] == ["read 1", "read 3"] and chair.total == 2


def test_a_read_must_say_what_and_when() -> None:
    with pytest.raises(ValueError, match="what was read"):
        audit.record_admin_read(None, "U0", "   ", NOW)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="aware"):
        audit.record_admin_read(None, "U0", "x", datetime(2026, 1, 1))  # type: ignore[arg-type]


def test_long_descriptions_are_cut_to_fit(session_factory: sessionmaker[Session]) -> None:
    with session_factory.begin() as session:
        entry = audit.record_admin_read(session, "U0", "x" * 1000, NOW)
        assert len(entry.what) == audit.WHAT_LIMIT


def test_an_admins_reads_are_in_their_export_and_kept_with_the_reason(
    session_factory: sessionmaker[Session],
) -> None:
    with session_factory.begin() as session:
        audit.record_admin_read(session, "U0SECRETARY", "nominations export", NOW)
        audit.record_admin_read(session, "U0CHAIR", "nominations list", NOW)
    with session_factory.begin() as session:
        exported = audit.export_member_data(session, "U0SECRETARY")
        assert exported == {
            "personal_data_you_read_as_an_admin": [{"when": NOW.isoformat(), "what": "nominations export"}]
        }
        kept = audit.forget_member(session, "U0SECRETARY", NOW)
        assert len(kept) == 1 and "1 record" in kept[0][0] and "who read" in kept[0][1]
        assert audit.forget_member(session, "U0MEMBER", NOW) == []
    with session_factory() as session:
        assert audit.recent(session).total == 2
