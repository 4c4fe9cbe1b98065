"""Slack's retried deliveries are recognised, and old records are let go."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.services.slack_deliveries import (
    checked_after_ack,
    delivery_key,
    first_delivery,
    forget_deliveries_before,
)
from models.foundation import SlackDelivery

T0 = datetime(2027, 1, 9, 10, 0, tzinfo=UTC)


def test_only_events_have_a_delivery_key() -> None:
    assert delivery_key({"type": "event_callback", "event_id": "Ev1"}) == "event:Ev1"
    assert delivery_key({"type": "event_callback"}) is None
    assert delivery_key({"type": "block_actions", "event_id": "Ev1"}) is None


def test_a_delivery_is_first_once(session_factory: sessionmaker[Session]) -> None:
    with session_factory.begin() as session:
        assert first_delivery(session, "event:Ev1", T0) is True
    with session_factory.begin() as session:
        assert first_delivery(session, "event:Ev1", T0 + timedelta(seconds=3)) is False
        assert first_delivery(session, "event:Ev2", T0) is True


def test_old_records_are_forgotten(session_factory: sessionmaker[Session]) -> None:
    with session_factory.begin() as session:
        first_delivery(session, "event:old", T0 - timedelta(days=3))
        first_delivery(session, "event:new", T0)
    with session_factory.begin() as session:
        forget_deliveries_before(session, T0 - timedelta(days=2))
    with session_factory() as session:
        keys = session.scalars(select(SlackDelivery.key)).all()
        assert keys == ["event:new"]
        assert session.scalar(select(func.count()).select_from(SlackDelivery)) == 1


def test_only_the_home_tab_event_is_checked_after_the_acknowledgement() -> None:
    home = {"type": "event_callback", "event_id": "Ev1", "event": {"type": "app_home_opened"}}
    other = {"type": "event_callback", "event_id": "Ev2", "event": {"type": "member_joined_channel"}}
    assert checked_after_ack(home) and not checked_after_ack(other)
    assert not checked_after_ack({"type": "block_actions"})
