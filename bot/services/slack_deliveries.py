"""Which Slack deliveries were handled already, so that Slack's retries do no work twice."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from models.foundation import SlackDelivery


def delivery_key(body: dict[str, object]) -> str | None:
    """The key of a delivery Slack may retry: events, by their event id."""
    if body.get("type") == "event_callback" and body.get("event_id"):
        return f"event:{body['event_id']}"
    return None


# Events whose listener checks for a retry itself, after the acknowledgement: their work may
# be done twice harmlessly (the Home tab is published again as it is), so their
# acknowledgement waits on no write.
CHECKED_AFTER_ACK = frozenset({"app_home_opened"})


def checked_after_ack(body: dict[str, object]) -> bool:
    event = body.get("event")
    return isinstance(event, dict) and event.get("type") in CHECKED_AFTER_ACK


def delivered_before(session: Session, key: str) -> bool:
    """Whether this delivery was recorded already (a read: it waits on no writer)."""
    return session.get(SlackDelivery, key) is not None


def first_delivery(session: Session, key: str, now: datetime) -> bool:
    """Record the delivery; False if it was recorded before (a retry or a redelivery). The
    unique key decides between two processes: the second waits for the first, then loses.
    One statement (INSERT ... ON CONFLICT DO NOTHING): it runs before every event's
    acknowledgement."""
    if session.get_bind().dialect.name == "postgresql":
        added = session.scalar(
            postgresql.insert(SlackDelivery)
            .values(key=key, seen_at=now)
            .on_conflict_do_nothing(index_elements=["key"])
            .returning(SlackDelivery.key)
        )
        return added is not None
    # SQLite: no RETURNING before 3.35; the count of rows written says the same.
    statement = sqlite.insert(SlackDelivery).values(key=key, seen_at=now)
    result = session.connection().execute(statement.on_conflict_do_nothing(index_elements=["key"]))
    return result.rowcount == 1


def forget_deliveries_before(session: Session, moment: datetime) -> None:
    session.execute(delete(SlackDelivery).where(SlackDelivery.seen_at < moment))
