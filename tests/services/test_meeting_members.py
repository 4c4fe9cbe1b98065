"""Members' calendars and answers against a real database (SQLite and PostgreSQL): who added
what, the updates a change plans, apologies, the Secretary's list, and the data rights."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any, TypeVar

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.config import OrgConfig, parse_org_config
from bot.services import apologies, calendar, member_data
from bot.services import meetings as service
from bot.services.meeting_queries import get_meeting
from bot.services.outcomes import Refused
from bot.services.rows import add_unless_raced
from models.foundation import ScheduledJob
from models.meeting_members import CalendarAddition, MeetingAnswer
from tests.ical_reader import events, expand, method

T = TypeVar("T")
NOW = datetime(2027, 1, 1, 12, tzinfo=UTC)
JAN = datetime(2027, 1, 23, 14, tzinfo=UTC)  # the 4th Saturday, 14:00 GMT
FEB = datetime(2027, 2, 27, 14, tzinfo=UTC)
MEMBER, OTHER = "U0MEMBER", "U0OTHER"

BASE: dict[str, Any] = {
    "admins": ["U0ADMIN"],
    "officers": {"secretary": ["U0SECRETARY"]},
    "channels": {"announcements": "C0ANNOUNCE", "admins": "C0ADMINS"},
    "meetings": [
        {
            "name": "General Committee",
            "key": "gc",
            "kind": "gc",
            "channel": "C0GC",
            "start": "2027-01-23 14:00",
            "timezone": "Europe/London",
            "rrule": "FREQ=MONTHLY;BYDAY=4SA",
            "reminders": ["7d", "1d", "1h"],
        },
    ],
}


def org_with(**changes: Any) -> OrgConfig:
    data = copy.deepcopy(BASE)
    data.update(changes)
    return parse_org_config(data)


NAME = "general-committee"  # the meeting's channel, as its files name it


@pytest.fixture
def session(session_factory: sessionmaker[Session]) -> Iterator[Session]:
    with session_factory() as session:
        service.sync_from_config(session, org_with(), NOW)
        yield session


def done(outcome: T | Refused) -> T:
    assert not isinstance(outcome, Refused), outcome
    return outcome


def refusal(outcome: object) -> Refused:
    assert isinstance(outcome, Refused), outcome
    return outcome


def try_add(session: Session, user_id: str, target: str, now: datetime = NOW) -> calendar.Added | Refused:
    return calendar.add_for_member(session, calendar.AddRequest(user_id, "gc", target, NAME), now)


def add(session: Session, user_id: str, target: str, now: datetime = NOW) -> calendar.Added:
    return done(try_add(session, user_id, target, now))


def try_answer(
    session: Session, value: str, user_id: str, what: str, reason: str | None, now: datetime = NOW
) -> apologies.Target | Refused:
    return apologies.answer(session, apologies.Answer("gc", value, user_id, what, reason), now)


def answer(
    session: Session, value: str, user_id: str, what: str, reason: str | None, now: datetime = NOW
) -> apologies.Target:
    return done(try_answer(session, value, user_id, what, reason, now))


def send_jobs(session: Session) -> list[dict[str, Any]]:
    rows = session.scalars(
        select(ScheduledJob).where(ScheduledJob.kind == calendar.SEND.name).order_by(ScheduledJob.id)
    ).all()
    return [dict(row.payload) for row in rows]


def deliveries(session: Session) -> list[calendar.Delivery]:
    found = [calendar.delivery_for(session, payload, NAME, NOW) for payload in send_jobs(session)]
    return [d for d in found if d is not None]


def test_adding_records_who_added_what_and_a_second_add_raises_the_sequence(
    session: Session,
) -> None:
    series = add(session, MEMBER, "series")
    assert series.series and series.file.sequence == 0
    assert expand(series.file.content, NOW, datetime(2027, 3, 1, tzinfo=UTC)) == [JAN, FEB]
    one = add(session, MEMBER, "o" + calendar.stamp(FEB))
    assert (one.start, one.file.uid) == (FEB, "meeting-gc-20270227T1400Z@liec-bot")
    again = add(session, MEMBER, "s" + calendar.stamp(FEB))
    assert (again.file.uid, again.file.sequence) == (one.file.uid, 1)
    rows = session.scalars(select(CalendarAddition).order_by(CalendarAddition.id)).all()
    assert [(r.user_id, r.target, r.sequence) for r in rows] == [
        (MEMBER, "series", 0),
        (MEMBER, "20270227T1400Z", 1),
    ]


def test_a_date_already_started_or_cancelled_cannot_be_added(session: Session) -> None:
    assert "already started" in refusal(try_add(session, MEMBER, "s" + calendar.stamp(JAN), JAN)).message
    assert "out of date" in refusal(try_add(session, MEMBER, "sgarbage")).message
    meeting = get_meeting(session, "gc")
    assert meeting is not None
    service.cancel(session, meeting, date(2027, 2, 27), "U0ADMIN", NOW, org_with())
    assert "moved or cancelled" in refusal(try_add(session, MEMBER, "o" + calendar.stamp(FEB))).message


def test_a_move_sends_each_member_who_added_it_the_same_uid_with_a_higher_sequence(
    session: Session,
) -> None:
    one = add(session, MEMBER, "o" + calendar.stamp(FEB))
    series = add(session, OTHER, "series")
    add(session, "U0JAN", "o" + calendar.stamp(JAN))
    meeting = get_meeting(session, "gc")
    assert meeting is not None
    service.move(session, meeting, date(2027, 2, 27), "2027-02-28 11:00", "U0ADMIN", NOW, org_with())
    moved = datetime(2027, 2, 28, 11, tzinfo=UTC)
    sent = {d.user_id: d for d in deliveries(session)}
    assert set(sent) == {MEMBER, OTHER}  # not the member who added only January
    mine = sent[MEMBER].file
    assert (mine.uid, mine.sequence, mine.method) == (one.file.uid, 1, "PUBLISH")
    assert expand(mine.content, NOW, datetime(2027, 12, 1, tzinfo=UTC)) == [moved]
    theirs = sent[OTHER].file
    assert (theirs.uid, theirs.sequence) == (series.file.uid, 1)
    assert expand(theirs.content, NOW, datetime(2027, 4, 1, tzinfo=UTC)) == [
        JAN,
        moved,
        datetime(2027, 3, 27, 14, tzinfo=UTC),
    ]


def test_a_cancelled_date_or_meeting_sends_method_cancel(session: Session) -> None:
    one = add(session, MEMBER, "o" + calendar.stamp(FEB))
    add(session, OTHER, "series")
    meeting = get_meeting(session, "gc")
    assert meeting is not None
    service.cancel(session, meeting, date(2027, 2, 27), "U0ADMIN", NOW, org_with())
    sent = {d.user_id: d.file for d in deliveries(session)}
    assert method(sent[MEMBER].content) == "CANCEL"
    [event] = events(sent[MEMBER].content)
    assert (event.uid, event.sequence, event.status) == (one.file.uid, 1, "CANCELLED")
    [event] = events(sent[OTHER].content)
    assert (event.uid, event.recurrence_id, event.sequence) == ("meeting-gc@liec-bot", FEB, 1)
    meeting = get_meeting(session, "gc")
    assert meeting is not None
    service.cancel(session, meeting, None, "U0ADMIN", NOW, org_with())
    last = [d for d in deliveries(session) if d.user_id == OTHER][-1].file
    assert method(last.content) == "CANCEL" and events(last.content)[0].sequence == 2
    assert events(last.content)[0].recurrence_id is None
    # The member's cancelled date is not cancelled twice.
    assert len([d for d in deliveries(session) if d.user_id == MEMBER]) == 1


def test_a_new_schedule_in_the_file_updates_the_series(session: Session) -> None:
    add(session, OTHER, "series")
    add(session, MEMBER, "o" + calendar.stamp(FEB))
    meeting = {**BASE["meetings"][0], "start": "2027-01-30 14:00", "rrule": "FREQ=MONTHLY;BYDAY=-1SA"}
    service.sync_from_config(session, org_with(meetings=[meeting]), NOW)
    sent = {d.user_id: d.file for d in deliveries(session)}
    assert expand(sent[OTHER].content, NOW, datetime(2027, 3, 1, tzinfo=UTC)) == [
        datetime(2027, 1, 30, 14, tzinfo=UTC),
        datetime(2027, 2, 27, 14, tzinfo=UTC),
    ]
    assert sent[OTHER].sequence == 1
    # 27 Feb is still a date of the new schedule (the last Saturday): no cancellation.
    assert MEMBER not in sent


# --- apologies --------------------------------------------------------------------------------


def test_a_member_answers_and_may_change_until_the_meeting_starts(session: Session) -> None:
    feb = "o" + calendar.stamp(FEB)
    saved = answer(session, feb, MEMBER, apologies.GOING, "ignored")
    assert (saved.answer, saved.reason) == ("going", None)
    saved = answer(session, feb, MEMBER, apologies.APOLOGIES, "  At   work ")
    assert (saved.answer, saved.reason) == ("apologies", "At work")
    too_long = refusal(try_answer(session, feb, MEMBER, apologies.APOLOGIES, "x" * 201))
    assert "200 characters" in too_long.message and too_long.field == "reason"
    started = refusal(try_answer(session, feb, MEMBER, apologies.GOING, None, FEB))
    assert "has started" in started.message and started.field == "reason"
    rows = session.scalars(select(MeetingAnswer)).all()
    assert [(r.user_id, r.answer, r.reason) for r in rows] == [(MEMBER, "apologies", "At work")]


def test_the_list_names_apologies_counts_going_and_is_for_the_secretary_and_admins(
    session: Session,
) -> None:
    feb = "o" + calendar.stamp(FEB)
    answer(session, feb, MEMBER, apologies.APOLOGIES, "Travelling")
    answer(session, feb, OTHER, apologies.APOLOGIES, None)
    for person in ("U0A", "U0B", "U0C"):
        answer(session, feb, person, apologies.GOING, None)
    answer(session, "o" + calendar.stamp(JAN), "U0D", apologies.APOLOGIES, "Jan")
    org = org_with()
    found = done(apologies.list_for(session, org, "U0SECRETARY", "gc", date(2027, 2, 27), NOW))
    assert [(a.user_id, a.reason) for a in found.apologies] == [(MEMBER, "Travelling"), (OTHER, None)]
    assert found.going == 3 and found.start == FEB
    assert (
        done(apologies.list_for(session, org, "U0ADMIN", "General Committee", date(2027, 2, 27), NOW)).going
        == 3
    )
    nxt = done(apologies.list_for(session, org, "U0SECRETARY", "gc", None, NOW))
    assert [(a.user_id, a.reason) for a in nxt.apologies] == [("U0D", "Jan")]
    assert "Only the Secretary" in refusal(apologies.list_for(session, org, MEMBER, "gc", None, NOW)).message
    wrong = refusal(apologies.list_for(session, org, "U0SECRETARY", "gc", date(2027, 2, 26), NOW))
    assert "no meeting on" in wrong.message and wrong.field == "date"


def test_the_secretary_or_the_admins_when_vacant_get_the_list(session: Session) -> None:
    assert apologies.secretaries(org_with()) == ["U0SECRETARY"]
    assert apologies.secretaries(org_with(officers={"secretary": []})) == ["U0ADMIN"]
    assert apologies.schedule_lists(session, org_with(officers={}), "gc", FEB, NOW) == 1
    keys = session.scalars(select(ScheduledJob.key).where(ScheduledJob.kind == apologies.LIST.name)).all()
    assert keys == ["mtg-apologies:gc:20270227T1400Z:U0ADMIN"]


# --- personal data ---------------------------------------------------------------------------


def test_my_data_includes_answers_and_calendars_and_forget_me_erases_them(
    session: Session,
) -> None:
    answer(session, "o" + calendar.stamp(FEB), MEMBER, apologies.APOLOGIES, "Ill")
    add(session, MEMBER, "series")
    answer(session, "o" + calendar.stamp(FEB), OTHER, apologies.GOING, None)
    org = org_with()
    export = member_data.export_member(session, org, MEMBER, NOW).as_dict()
    assert export["meeting_answers"]["your_answers"][0]["reason"] == "Ill"
    assert export["meeting_calendars"]["meetings_in_your_calendar"][0]["what"] == "every meeting"
    member_data.forget(session, org, MEMBER, NOW)
    assert session.scalars(select(MeetingAnswer.user_id)).all() == [OTHER]
    assert session.scalars(select(CalendarAddition)).all() == []


def test_the_retention_purge_removes_old_answers_and_calendar_records(
    session: Session,
) -> None:
    answer(session, "o" + calendar.stamp(JAN), MEMBER, apologies.APOLOGIES, "Ill")
    answer(session, "o" + calendar.stamp(FEB), MEMBER, apologies.GOING, None)
    add(session, MEMBER, "o" + calendar.stamp(JAN))
    add(session, OTHER, "series")
    later = JAN + timedelta(days=365, hours=1)  # a year after January, not yet after February
    answers, additions = apologies.purge_all(session, later, 365)
    assert (answers, additions) == (1, 1)
    assert [r.original_start for r in session.scalars(select(MeetingAnswer))] == [FEB]
    assert [r.target for r in session.scalars(select(CalendarAddition))] == ["series"]
    purges = session.scalars(select(ScheduledJob.key).where(ScheduledJob.kind == apologies.PURGE.name)).all()
    assert len(purges) == 2
    # The series stays while the meeting goes on; once it is cancelled and a year has passed, it goes.
    meeting = get_meeting(session, "gc")
    assert meeting is not None
    meeting.active = False
    assert apologies.purge_all(session, later + timedelta(days=400), 365) == (1, 1)


def test_a_new_time_in_the_file_carries_an_added_date_to_it_and_a_dropped_date_is_cancelled(
    session: Session,
) -> None:
    feb = add(session, MEMBER, "o" + calendar.stamp(FEB))
    jan = add(session, OTHER, "o" + calendar.stamp(JAN))
    # From the 4th to the last Saturday, an hour later: 27 Feb stays a date, 23 Jan does not.
    meeting = {
        **BASE["meetings"][0],
        "start": "2027-01-30 15:00",
        "rrule": "FREQ=MONTHLY;BYDAY=-1SA",
    }
    service.sync_from_config(session, org_with(meetings=[meeting]), NOW)
    sent = {d.user_id: d.file for d in deliveries(session)}
    assert (method(sent[MEMBER].content), sent[MEMBER].uid, sent[MEMBER].sequence) == (
        "PUBLISH",
        feb.file.uid,
        1,
    )
    assert expand(sent[MEMBER].content, NOW, datetime(2028, 1, 1, tzinfo=UTC)) == [FEB + timedelta(hours=1)]
    assert (method(sent[OTHER].content), sent[OTHER].uid) == ("CANCEL", jan.file.uid)
    # The carried date is the one the member has now: a later move reaches them with that UID.
    gc = get_meeting(session, "gc")
    assert gc is not None
    service.move(session, gc, date(2027, 2, 27), "2027-02-28 10:00", "U0ADMIN", NOW, org_with())
    last = [d for d in deliveries(session) if d.user_id == MEMBER][-1].file
    assert (last.uid, last.sequence) == (feb.file.uid, 2)
    assert expand(last.content, NOW, datetime(2028, 1, 1, tzinfo=UTC)) == [
        datetime(2027, 2, 28, 10, tzinfo=UTC)
    ]


def test_a_meeting_taken_out_of_the_file_is_cancelled_in_calendars(session: Session) -> None:
    series = add(session, OTHER, "series")
    service.sync_from_config(session, org_with(meetings=[]), NOW)
    [sent] = deliveries(session)
    assert (sent.user_id, method(sent.file.content), sent.file.uid) == (OTHER, "CANCEL", series.file.uid)
    assert events(sent.file.content)[0].sequence == 1


def test_two_presses_at_once_make_one_answer_and_one_addition(session_factory: sessionmaker[Session]) -> None:
    with session_factory.begin() as setup:
        service.sync_from_config(setup, org_with(), NOW)
    feb = "o" + calendar.stamp(FEB)
    with session_factory() as second:
        meeting = get_meeting(second, "gc")
        assert meeting is not None
        # The first press commits while the second is between its look-up and its insert.
        with session_factory.begin() as first:
            answer(first, feb, MEMBER, apologies.GOING, None)
            add(first, MEMBER, "series")
        late = MeetingAnswer(
            meeting_id=meeting.id, original_start=FEB, user_id=MEMBER, answer="apologies", answered_at=NOW
        )
        won = add_unless_raced(second, late, lambda: second.scalars(select(MeetingAnswer)).one_or_none())
        assert won is not late and won.answer == apologies.GOING
        second.rollback()
        again = add(second, MEMBER, "series")  # the row is there: an add again, the next SEQUENCE
        assert again.file.sequence == 1
