"""The admins hear of each problem once; its repeats are counted and summarised."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from bot.services import admin_alerts
from bot.services.admin_alerts import Quiet, Summarise, Tell

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def test_told_once_until_cleared(session_factory: sessionmaker[Session]) -> None:
    with session_factory.begin() as session:
        assert admin_alerts.note(session, "vacant:americas", NOW) == Tell()
        assert admin_alerts.note(session, "vacant:americas", NOW) == Quiet()
        assert admin_alerts.note(session, "vacant:europe", NOW) == Tell()
    with session_factory.begin() as session:
        admin_alerts.clear(session, "vacant:americas")
    with session_factory.begin() as session:
        assert admin_alerts.note(session, "vacant:americas", NOW) == Tell()
        assert admin_alerts.note(session, "vacant:europe", NOW) == Quiet()


def test_ten_days_of_repeats_make_one_alert_and_one_summary(session_factory: sessionmaker[Session]) -> None:
    decisions = []
    for day in range(10):
        for hour in (8, 9, 10):  # three posts a day refused
            with session_factory.begin() as session:
                decisions.append(
                    admin_alerts.note(
                        session, "refused:meeting_reminder:C1", NOW + timedelta(days=day, hours=hour)
                    )
                )
    told = [d for d in decisions if not isinstance(d, Quiet)]
    assert told[0] == Tell()
    assert told[1:] == [Summarise(repeats=21, since=NOW + timedelta(hours=8))]


def test_forget_target_removes_a_members_alerts(session_factory: sessionmaker[Session]) -> None:
    with session_factory.begin() as session:
        admin_alerts.note(session, "unreachable:americas:U0MEMBER", NOW)
        admin_alerts.note(session, "unreachable:americas:U0OTHER", NOW)
        admin_alerts.forget_target(session, "U0MEMBER")
    with session_factory() as session:
        assert not admin_alerts.known(session, "unreachable:americas:U0MEMBER")
        assert admin_alerts.known(session, "unreachable:americas:U0OTHER")
