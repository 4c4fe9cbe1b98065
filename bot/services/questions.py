"""Members' regional questions: which region a member is in, and the life of a question.

Plain rules over the database; nothing here knows Slack. A member's region is, in order:
the region they chose, their branch's region (organisation file ``branches``), the region
of their Slack time zone (``bot.services.tz_regions``), or unknown (ask them). Who already
has a question's message is kept by ``bot.services.question_deliveries``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from rapidfuzz import fuzz, process
from sqlalchemy import bindparam, delete, func, select, update
from sqlalchemy.orm import Session

from bot.config import OrgConfig
from bot.jobs import JobKind
from bot.services.slack_setup import TIMEZONE_UNREADABLE, is_setup_error
from bot.services.tz_regions import Region, region_for_timezone
from models.questions import MemberRegion, Question, QuestionDelivery

VICE_CHAIR_MEMBERSHIP = "vice-chair-membership"
ESCALATION_STAGE = "escalation"

# Statuses a question goes through; "settled" ones need nothing more from anyone.
UNROUTED, WAITING, OPEN, CLAIMED, ANSWERED = "unrouted", "waiting", "open", "claimed", "answered"
UNCLAIMED = (UNROUTED, WAITING, OPEN)
# Held until the asker agrees to a post others can read (a region's questions channel): a
# question typed with /liec ask has not shown the warning the form shows before it is sent.
UNSENT = "unsent"
NOT_ANSWERED = (UNROUTED, WAITING, OPEN, CLAIMED)

Source = Literal["chosen", "branch", "timezone", "unknown"]


# Regions ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RegionDecision:
    region: Region | None
    source: Source
    reason: str  # plain words for the member: how the region was decided


_MEMBER_CHOICE = select(MemberRegion).where(MemberRegion.user_id == bindparam("user_id"))
"""`member_choice`'s statement, built once: every Home tab runs it (docs/ARCHITECTURE.md,
"Statements built once")."""


def member_choice(session: Session, user_id: str) -> MemberRegion | None:
    """The member's chosen region or branch, if they chose one (`/liec region`)."""
    return session.scalars(_MEMBER_CHOICE, {"user_id": user_id}).first()


def decide_region(
    choice: MemberRegion | None, org: OrgConfig, tz: str | None, tz_error: str | None = None
) -> RegionDecision:
    """The member's region: their choice, else their branch's, else their Slack time zone's.
    ``tz_error`` is Slack's answer when the time zone could not be read at all."""
    if choice is not None and choice.region:
        return RegionDecision(Region(choice.region), "chosen", "you chose it")
    if choice is not None and choice.branch and choice.branch in org.branches:
        branch = org.branches[choice.branch]
        return RegionDecision(Region(branch.region), "branch", f"from your branch, {branch.name}")
    if tz is None and is_setup_error(tz_error):
        return RegionDecision(None, "unknown", TIMEZONE_UNREADABLE)
    guess = region_for_timezone(tz)
    return RegionDecision(guess.region, "timezone" if guess.region else "unknown", guess.reason)


def _choice_row(session: Session, user_id: str, now: datetime) -> MemberRegion:
    row = session.get(MemberRegion, user_id)
    if row is None:
        row = MemberRegion(user_id=user_id, updated_at=now)
        session.add(row)
    row.updated_at = now
    return row


def set_region(session: Session, user_id: str, region: Region | None, now: datetime) -> None:
    """Remember the member's region; None forgets the choice (branch or time zone decide)."""
    _choice_row(session, user_id, now).region = region.value if region else None


def set_branch(session: Session, user_id: str, branch_key: str | None, now: datetime) -> None:
    """Remember the member's branch. Their own choice of region is dropped, so that the
    branch, which is the more exact statement, decides from now on."""
    row = _choice_row(session, user_id, now)
    row.branch = branch_key
    if branch_key is not None:
        row.region = None


@dataclass(frozen=True)
class BranchMatch:
    key: str | None
    suggestions: list[str]  # branch names close to what was typed


def find_branch(org: OrgConfig, typed: str) -> BranchMatch:
    wanted = typed.strip().casefold()
    for key, branch in org.branches.items():
        if wanted in (key.casefold(), branch.name.casefold()):
            return BranchMatch(key, [])
    names = {key: branch.name for key, branch in org.branches.items()}
    hits = process.extract(typed, names, scorer=fuzz.WRatio, limit=3, score_cutoff=60)
    return BranchMatch(None, [name for name, _score, _key in hits])


def coordinators(org: OrgConfig, region: Region) -> list[str]:
    config = org.regions.get(region.value)
    return list(config.coordinator) if config else []


def region_channel(org: OrgConfig, region: Region) -> str | None:
    config = org.regions.get(region.value)
    return config.channel if config else None


def coordinator_regions(org: OrgConfig, user_id: str) -> list[Region]:
    return [Region(key) for key, config in org.regions.items() if user_id in config.coordinator]


def vice_chairs(org: OrgConfig) -> list[str]:
    return org.holders(VICE_CHAIR_MEMBERSHIP)


def sees_all_regions(org: OrgConfig, user_id: str) -> bool:
    return org.is_admin(user_id) or user_id in vice_chairs(org)


def can_handle(org: OrgConfig, question: Question, user_id: str) -> bool:
    """Who may take, answer or move a question: its region's coordinators, the Vice Chair
    (Membership) and the admins."""
    if sees_all_regions(org, user_id):
        return True
    return question.region is not None and user_id in coordinators(org, Region(question.region))


# Questions --------------------------------------------------------------------------------


def goes_to_channel(org: OrgConfig, region: Region | None) -> str | None:
    """The channel a question for `region` is posted in, where everyone in it reads it with the
    asker's name; None when it goes by DM. As the delivery decides: the channel only while the
    region has a coordinator."""
    if region is None or not coordinators(org, region):
        return None
    return region_channel(org, region)


def create_question(
    session: Session,
    *,
    asker_id: str,
    text: str,
    decision: RegionDecision,
    asker_tz: str | None,
    now: datetime,
    unsent: bool = False,
    channel_ok: bool = False,
) -> Question:
    """A new question; `unsent`: held until its asker presses Send (`send_unsent`);
    `channel_ok`: the asker was told a region's channel would show it to everyone there."""
    question = Question(
        asker_id=asker_id,
        text=text,
        asker_tz=asker_tz,
        region=decision.region.value if decision.region else None,
        region_reason=decision.reason[:300],
        status=UNSENT if unsent else WAITING if decision.region else UNROUTED,
        channel_ok=channel_ok or unsent,
        asked_at=now,
        routed_at=now if decision.region else None,
        reroutes=0,
    )
    session.add(question)
    session.flush()
    if unsent:
        DISCARD_UNSENT.schedule(
            session, question.id, due_at=now + UNSENT_KEPT, payload={"question_id": question.id}
        )
    return question


def send_unsent(session: Session, question_id: int, asker_id: str, now: datetime) -> Question | None:
    """The asker agreed: their held question is on its way (asked now). None when it is not
    theirs, or was sent or cancelled already (a second press)."""
    changed = session.execute(
        update(Question)
        .where(Question.id == question_id, Question.asker_id == asker_id, Question.status == UNSENT)
        .values(status=WAITING, asked_at=now, routed_at=now, channel_ok=True)
    )
    if changed.rowcount != 1:  # type: ignore[attr-defined]
        return None
    DISCARD_UNSENT.cancel(session, question_id)
    return _fresh(session, question_id)


def cancel_unsent(session: Session, question_id: int, asker_id: str) -> bool:
    """The asker cancelled: their held question is deleted, nothing having been sent. False
    when it is not theirs, or was sent or cancelled already."""
    changed = session.execute(
        delete(Question).where(
            Question.id == question_id, Question.asker_id == asker_id, Question.status == UNSENT
        )
    )
    if changed.rowcount != 1:  # type: ignore[attr-defined]
        return False
    DISCARD_UNSENT.cancel(session, question_id)
    return True


def discard_unsent(session: Session, question_id: int) -> bool:
    """A held question left unsent for UNSENT_KEPT is deleted; False if it was sent meanwhile."""
    changed = session.execute(delete(Question).where(Question.id == question_id, Question.status == UNSENT))
    return bool(changed.rowcount == 1)  # type: ignore[attr-defined]


def get_question(session: Session, question_id: int) -> Question | None:
    return session.get(Question, question_id)


def stage_of(question: Question) -> str:
    """The delivery stage a question is in: each move to a region starts a new one."""
    return f"{question.region}#{question.reroutes}"


def escalation_due(question: Question, org: OrgConfig) -> datetime:
    start = question.routed_at or question.asked_at
    return start + timedelta(hours=org.escalate_after)


def give_region(
    session: Session, question_id: int, region: Region, reason: str, now: datetime
) -> Question | None:
    """An unrouted question gets the region its asker picked; None if it was routed already."""
    changed = session.execute(
        update(Question)
        .where(Question.id == question_id, Question.status == UNROUTED)
        .values(region=region.value, region_reason=reason, status=WAITING, routed_at=now)
    )
    if changed.rowcount != 1:  # type: ignore[attr-defined]
        return None
    return _fresh(session, question_id)


def mark_delivered(session: Session, question_id: int) -> None:
    session.execute(
        update(Question)
        .where(Question.id == question_id, Question.status.in_((UNROUTED, WAITING)))
        .values(status=OPEN)
    )


def claim_or_holder(
    session: Session, question_id: int, user_id: str, now: datetime
) -> tuple[bool, str | None]:
    """(won, who holds it now): a coordinator's Take it."""
    won = claim(session, question_id, user_id, now)
    current = get_question(session, question_id)
    return won, current.claimed_by if current else None


def give_own_region(
    session: Session, question_id: int, asker_id: str, region: Region, now: datetime
) -> Question | None:
    """The asker picked their region for their own unrouted question; None otherwise."""
    question = get_question(session, question_id)
    if question is None or question.asker_id != asker_id:
        return None
    return give_region(session, question_id, region, "you chose it", now)


def claim(session: Session, question_id: int, user_id: str, now: datetime) -> bool:
    """Take the question; True only for the first to take it (the others see who has it)."""
    changed = session.execute(
        update(Question)
        .where(Question.id == question_id, Question.status.in_(UNCLAIMED))
        .values(status=CLAIMED, claimed_by=user_id, claimed_at=now)
    )
    return bool(changed.rowcount == 1)  # type: ignore[attr-defined]


def mark_answered(session: Session, question_id: int, user_id: str, now: datetime) -> bool:
    """Settle the question; whoever answers an unclaimed question has also taken it."""
    changed = session.execute(
        update(Question)
        .where(Question.id == question_id, Question.status.in_(NOT_ANSWERED))
        .values(
            status=ANSWERED,
            answered_by=user_id,
            answered_at=now,
            claimed_by=func.coalesce(Question.claimed_by, user_id),
            claimed_at=func.coalesce(Question.claimed_at, now),
        )
    )
    return bool(changed.rowcount == 1)  # type: ignore[attr-defined]


def reroute(
    session: Session, question_id: int, region: Region, user_id: str, now: datetime
) -> Question | None:
    """Move an unanswered question to another region, unclaimed; None if it cannot move.

    It goes to the new region's channel only if its asker was told a region's channel shows it
    (``channel_ok``; what they are told says that a move may take it to another region's)."""
    question = session.get(Question, question_id)
    if question is None or question.region == region.value:
        return None
    changed = session.execute(
        update(Question)
        .where(Question.id == question_id, Question.status.in_(NOT_ANSWERED))
        .values(
            region=region.value,
            region_reason=f"moved here by <@{user_id}>",
            status=WAITING,
            routed_at=now,
            reroutes=Question.reroutes + 1,
            claimed_by=None,
            claimed_at=None,
            escalated_at=None,
        )
    )
    if changed.rowcount != 1:  # type: ignore[attr-defined]
        return None
    return _fresh(session, question_id)


def mark_escalated(session: Session, question_id: int, now: datetime) -> Question | None:
    """Record that an unclaimed question goes to the Vice Chair; None if it is taken or was
    escalated already."""
    changed = session.execute(
        update(Question)
        .where(
            Question.id == question_id,
            Question.status.in_(UNCLAIMED),
            Question.escalated_at.is_(None),
        )
        .values(escalated_at=now)
    )
    if changed.rowcount != 1:  # type: ignore[attr-defined]
        return None
    return _fresh(session, question_id)


def _fresh(session: Session, question_id: int) -> Question:
    question = session.get_one(Question, question_id)
    session.refresh(question)
    return question


def open_questions(session: Session, regions: Sequence[Region] | None) -> list[Question]:
    """Unanswered questions, oldest first; ``regions`` None means every region and none."""
    query = select(Question).where(Question.status.in_(NOT_ANSWERED))
    if regions is not None:
        query = query.where(Question.region.in_([r.value for r in regions]))
    return list(session.scalars(query.order_by(Question.asked_at, Question.id)))


COUNTED_UP_TO = 1000
"""`open_questions_page` counts the waiting questions up to this many and one more: past it,
"more than 1000" says enough, and the count costs the same however many are waiting."""


def open_questions_page(
    session: Session, regions: Sequence[Region] | None, limit: int
) -> tuple[list[Question], int]:
    """The `limit` oldest unanswered questions and how many there are in all, counted up to
    COUNTED_UP_TO + 1 (more means "more than COUNTED_UP_TO"), in one statement on the
    (status, region, asked_at) index: the count is an uncorrelated subquery, worked out once
    (a window count would read every waiting question's text to keep 20)."""
    where = [Question.status.in_(NOT_ANSWERED)]
    if regions is not None:
        where.append(Question.region.in_([r.value for r in regions]))
    counted = select(Question.id).where(*where).limit(COUNTED_UP_TO + 1).subquery()
    total = select(func.count()).select_from(counted).scalar_subquery()
    rows = session.execute(
        select(Question, total).where(*where).order_by(Question.asked_at, Question.id).limit(limit)
    ).all()
    if not rows:
        # No row to carry the count: none at all, or a page asked for none (limit 0).
        return [], int(session.scalar(select(total)) or 0) if limit <= 0 else 0
    return [question for question, _ in rows], int(rows[0][1])


def unanswered_by_region(session: Session) -> list[tuple[str | None, int, datetime]]:
    """(region or None, how many, when the oldest was asked) of the unanswered questions,
    counted by the database in one statement, oldest first.

    Grouped by status as well as region, the database reads the `(status, region, asked_at)`
    index in its own order (grouped by region alone, it sorted every unanswered question
    first); the statuses of a region are added up here."""
    rows = session.execute(
        select(Question.region, func.count(), func.min(Question.asked_at))
        .where(Question.status.in_(NOT_ANSWERED))
        .group_by(Question.status, Question.region)
    ).all()
    counts: dict[str | None, tuple[int, datetime]] = {}
    for region, count, asked in rows:
        seen, oldest = counts.get(region, (0, asked))
        counts[region] = (seen + int(count), min(oldest, asked))
    found = [(region, count, asked) for region, (count, asked) in counts.items()]
    return sorted(found, key=lambda row: (row[2], row[0] or ""))


def waiting_questions(session: Session, region: Region) -> list[Question]:
    return list(
        session.scalars(
            select(Question)
            .where(Question.status == WAITING, Question.region == region.value)
            .order_by(Question.asked_at, Question.id)
        )
    )


# Admin alerts -----------------------------------------------------------------------------


def vacancy_alert_key(region: Region) -> str:
    return f"vacant:{region.value}"


def unreachable_alert_key(region: Region | str, recipient: str) -> str:
    return f"unreachable:{region}:{recipient}"


# Data rights ------------------------------------------------------------------------------


def _when(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def export_member_data(session: Session, user_id: str) -> dict[str, Any]:
    """Everything this feature holds about a member, as plain JSON-ready data."""
    choice = session.get(MemberRegion, user_id)
    asked = session.scalars(
        select(Question).where(Question.asker_id == user_id).order_by(Question.asked_at)
    ).all()
    handled = session.scalars(
        select(Question)
        .where((Question.claimed_by == user_id) | (Question.answered_by == user_id))
        .where(Question.asker_id != user_id)
        .order_by(Question.asked_at)
    ).all()
    return {
        "region_choice": None
        if choice is None
        else {
            "region": choice.region,
            "branch": choice.branch,
            "updated_at": _when(choice.updated_at),
        },
        "questions_asked": [
            {
                "id": q.id,
                "question": q.text,
                "region": q.region,
                "how_the_region_was_decided": q.region_reason,
                "time_zone": q.asker_tz,
                "status": q.status,
                "asked_at": _when(q.asked_at),
                "claimed_at": _when(q.claimed_at),
                "answered_at": _when(q.answered_at),
                "escalated_at": _when(q.escalated_at),
            }
            for q in asked
        ],
        # Other members' questions this member handled: the record of their own actions only.
        "questions_sent_to_you": [
            {"question": d.question_id, "stage": d.stage, "status": d.status, "sent_at": _when(d.reserved_at)}
            for d in session.scalars(
                select(QuestionDelivery)
                .where(QuestionDelivery.recipient == user_id)
                .order_by(QuestionDelivery.reserved_at, QuestionDelivery.id)
            )
        ],
        # Other members' questions this member moved to another region ("moved here by ...").
        "questions_you_moved": [
            {"id": q.id, "region": q.region, "asked_at": _when(q.asked_at)}
            for q in session.scalars(
                select(Question)
                .where(Question.region_reason.contains(user_id, autoescape=True))
                .where(Question.asker_id != user_id)
                .order_by(Question.asked_at)
            )
        ],
        "questions_handled": [
            {
                "id": q.id,
                "region": q.region,
                "claimed": q.claimed_by == user_id,
                "answered": q.answered_by == user_id,
                "claimed_at": _when(q.claimed_at) if q.claimed_by == user_id else None,
                "answered_at": _when(q.answered_at) if q.answered_by == user_id else None,
            }
            for q in handled
        ],
    }


def forget_member(session: Session, user_id: str, now: datetime) -> list[tuple[str, str]]:
    """Erase what this feature holds about a member; returns what was kept and why.

    Their region choice and their own questions (with every delivery record and pending
    job) are deleted. In other members' questions that they handled, their id is removed.
    """
    del now  # nothing here depends on the time; the parameter keeps the hooks uniform
    kept: list[tuple[str, str]] = []
    asked = session.scalars(select(Question).where(Question.asker_id == user_id)).all()
    for question in asked:
        ESCALATE.cancel(session, question.id)
        DELIVER.cancel(session, question.id)
        session.delete(question)  # deliveries go with it (cascade)
    handled = session.scalars(
        select(Question).where((Question.claimed_by == user_id) | (Question.answered_by == user_id))
    ).all()
    for question in handled:
        if question.claimed_by == user_id:
            question.claimed_by = None
        if question.answered_by == user_id:
            question.answered_by = None
    # "moved here by <@id>": the move stays (the coordinators see why it is there), the name goes.
    moved = session.scalars(
        select(Question).where(Question.region_reason.contains(user_id, autoescape=True))
    ).all()
    for question in moved:
        question.region_reason = question.region_reason.replace(f"<@{user_id}>", "a coordinator").replace(
            user_id, "a coordinator"
        )
    deliveries = session.scalars(select(QuestionDelivery).where(QuestionDelivery.recipient == user_id)).all()
    for delivery in deliveries:
        session.delete(delivery)
    # Written after the reads above: on SQLite a transaction holds the one writer's lock from
    # its first write, and the scans above need not hold it (ten erasures at once take turns).
    session.execute(delete(MemberRegion).where(MemberRegion.user_id == user_id))
    session.flush()
    if handled:
        kept.append(
            (
                f"{len(handled)} other members' question(s) you took or answered, without your name",
                "they belong to the members who asked them; only the fact that a coordinator "
                "handled them is kept",
            )
        )
    if asked or deliveries:
        kept.append(
            (
                "messages already sent in Slack about these questions",
                "they are in Slack, not in the bot's records; a workspace admin can delete them",
            )
        )
    return kept


# A question's scheduled work, declared once (bot/jobs.py JobKind).
DELIVER = JobKind("questions.deliver", ("question_id",))  # to the region's coordinators
ESCALATE = JobKind("questions.escalate", ("question_id",))  # to the Vice Chair (Membership)
# A held question its asker neither sent nor cancelled is deleted after UNSENT_KEPT: what a
# member did not send is not kept.
DISCARD_UNSENT = JobKind("questions.discard_unsent", ("question_id",))
UNSENT_KEPT = timedelta(days=1)


def escalation_job_key(question_id: int) -> str:
    return ESCALATE.key(question_id)


def delivery_job_key(question_id: int) -> str:
    return DELIVER.key(question_id)
