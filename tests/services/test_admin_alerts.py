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


def test_every_alert_says_the_same_true_thing_about_its_repeats() -> None:
    from pathlib import Path

    from bot.services import slack_setup
    from bot.views.alerts import REPEATS, admin_alert, repeat_summary

    setup = admin_alert(slack_setup.alert_text("users.info", "missing_scope", "time zones cannot be read"))
    summary = repeat_summary("I cannot post in <#C0GONE>.", 21, NOW)
    for message in (setup, summary):
        assert message.text.count(REPEATS) == 1 and "at most once a week" in message.text
    assert timedelta(days=7) == admin_alerts.SUMMARY_EVERY  # what REPEATS promises
    # The wording is built in one place: no alert text promises anything of its own.
    root = Path(__file__).resolve().parents[2]
    for path in [*(root / "bot").rglob("*.py"), *(root / "handlers").glob("*.py")]:
        text = path.read_text()
        assert "not repeat this alert" not in text and "repeats are summarised." not in text, path.name
