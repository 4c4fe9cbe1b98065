"""Who already has a question's message: one delivery row per (question, stage, recipient),
reserved before posting under a unique constraint so that a retried or concurrent delivery
never posts twice. Plain SQL; nothing here knows Slack."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from bot.services.rows import insert_once
from models.questions import QuestionDelivery

# A reservation whose message was never recorded (the process died while posting) may be
# taken over after this long; Slack answers or times out well within it.
RESERVATION_LEASE = timedelta(minutes=5)


def is_channel(recipient: str) -> bool:
    """A region's channel (C…, G…) rather than a person (U…, W…: their DM with the bot)."""
    return not recipient.startswith(("U", "W"))


def channel_post_key(question_id: int, stage: str, channel: str) -> str:
    """The key a channel post carries in its metadata, to find it in the history after a fault."""
    return f"question:{question_id}:{stage}:{channel}"


def find_delivery(session: Session, question_id: int, stage: str, recipient: str) -> QuestionDelivery | None:
    return session.scalars(
        select(QuestionDelivery).where(
            QuestionDelivery.question_id == question_id,
            QuestionDelivery.stage == stage,
            QuestionDelivery.recipient == recipient,
        )
    ).one_or_none()


def new_reservation(question_id: int, stage: str, recipient: str, now: datetime) -> QuestionDelivery:
    """A row to insert before posting; the unique constraint lets only one poster have it."""
    return QuestionDelivery(
        question_id=question_id,
        stage=stage,
        recipient=recipient,
        status="reserved",
        reserved_at=now,
    )


def reserve(session: Session, question_id: int, stage: str, recipient: str, now: datetime) -> int | None:
    """The id of a reservation this caller now holds, or None when the recipient was already
    served or another poster holds a fresh reservation (the unique constraint decides)."""
    values = {
        "question_id": question_id,
        "stage": stage,
        "recipient": recipient,
        "status": "reserved",
        "reserved_at": now,
    }
    won = insert_once(session, QuestionDelivery, values, key=["question_id", "stage", "recipient"])
    row = find_delivery(session, question_id, stage, recipient)
    if row is None:  # another poster's reservation, released in between
        return None
    return row.id if won or take_over_stale(session, row.id, now) else None


def take_over_stale(session: Session, delivery_id: int, now: datetime) -> bool:
    """Take a reservation left by a poster that died before recording its message."""
    changed = session.execute(
        update(QuestionDelivery)
        .where(
            QuestionDelivery.id == delivery_id,
            QuestionDelivery.status == "reserved",
            QuestionDelivery.reserved_at < now - RESERVATION_LEASE,
        )
        .values(reserved_at=now)
    )
    return bool(changed.rowcount == 1)  # type: ignore[attr-defined]


def record_sent(session: Session, delivery_id: int, channel: str, ts: str) -> None:
    session.execute(
        update(QuestionDelivery)
        .where(QuestionDelivery.id == delivery_id)
        .values(status="sent", channel=channel, ts=ts, error=None)
    )


def record_unreachable(session: Session, delivery_id: int, error: str) -> None:
    session.execute(
        update(QuestionDelivery)
        .where(QuestionDelivery.id == delivery_id)
        .values(status="unreachable", error=error[:60])
    )


def release(session: Session, delivery_id: int) -> None:
    """Give up a reservation after a passing fault, so that a retry may post."""
    session.execute(
        delete(QuestionDelivery).where(
            QuestionDelivery.id == delivery_id, QuestionDelivery.status == "reserved"
        )
    )


def sent_messages(session: Session, question_id: int) -> list[QuestionDelivery]:
    return list(
        session.scalars(
            select(QuestionDelivery)
            .where(QuestionDelivery.question_id == question_id, QuestionDelivery.status == "sent")
            .order_by(QuestionDelivery.id)
        )
    )
