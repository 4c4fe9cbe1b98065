"""Which Slack deliveries were handled already, so that Slack's retries do no work twice."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.orm import Session

from bot.services.rows import insert_once
from models.foundation import SlackDelivery


def delivery_key(body: dict[str, object]) -> str | None:
    """The key of a delivery Slack may retry: events, by their event id."""
    if body.get("type") == "event_callback" and body.get("event_id"):
        return f"event:{body['event_id']}"
    return None


# Events whose listener claims the delivery itself, after the acknowledgement (before doing
# its work, so a retry still does nothing twice): their acknowledgement waits on no write.
CHECKED_AFTER_ACK = frozenset({"app_home_opened"})


def checked_after_ack(body: dict[str, object]) -> bool:
    event = body.get("event")
    return isinstance(event, dict) and event.get("type") in CHECKED_AFTER_ACK


def first_delivery(session: Session, key: str, now: datetime) -> bool:
    """Record the delivery; False if it was recorded before (a retry or a redelivery). The
    unique key decides between two processes: the second waits for the first, then loses.
    One statement (INSERT ... ON CONFLICT DO NOTHING): it runs before every event's
    acknowledgement."""
    return insert_once(session, SlackDelivery, {"key": key, "seen_at": now}, key=["key"])


def forget_deliveries_before(session: Session, moment: datetime) -> None:
    session.execute(delete(SlackDelivery).where(SlackDelivery.seen_at < moment))
