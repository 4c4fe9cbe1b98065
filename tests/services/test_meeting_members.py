"""Members' calendars and answers against a real database (SQLite and PostgreSQL): who added
what, the updates a change plans, apologies, the Secretary's list, and the data rights."""

from __future__ import annotations

import copy
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.config import OrgConfig, parse_org_config
from bot.services import apologies, calendar, member_data
from bot.services import meetings as service
from bot.services.meeting_queries import get_meeting
from bot.services.meeting_specs import MeetingError
from models.foundation import ScheduledJob
from models.meeting_members import CalendarAddition, MeetingAnswer
from tests.ical_reader import events, expand, method

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


def name(_channel: str) -> str:
    return "general-committee"


@pytest.fixture
def factory(session_factory: sessionmaker[Session]) -> sessionmaker[Session]:
    with session_factory.begin() as session:
        service.sync_from_config(session, org_with(), NOW)
    return session_factory


def send_jobs(factory: sessionmaker[Session]) -> list[dict[str, Any]]:
    with factory() as session:
        rows = session.scalars(
            select(ScheduledJob).where(ScheduledJob.kind == calendar.SEND_JOB).order_by(ScheduledJob.id)
        ).all()
        return [dict(row.payload) for row in rows]


def deliveries(factory: sessionmaker[Session]) -> list[calendar.Delivery]:
    found = [calendar.delivery_for(factory, payload, name, NOW) for payload in send_jobs(factory)]
    return [d for d in found if d is not None]


def test_adding_records_who_added_what_and_a_second_add_raises_the_sequence(
    factory: sessionmaker[Session],
) -> None:
    series = calendar.add_for_member(factory, MEMBER, "gc", "series", name, NOW)
    assert series.series and series.file.sequence == 0
    assert expand(series.file.content, NOW, datetime(2027, 3, 1, tzinfo=UTC)) == [JAN, FEB]
    one = calendar.add_for_member(factory, MEMBER, "gc", "o" + calendar.stamp(FEB), name, NOW)
    assert (one.start, one.file.uid) == (FEB, "meeting-gc-20270227T1400Z@liec-bot")
    again = calendar.add_for_member(factory, MEMBER, "gc", "s" + calendar.stamp(FEB), name, NOW)
    assert (again.file.uid, again.file.sequence) == (one.file.uid, 1)
    with factory() as session:
        rows = session.scalars(select(CalendarAddition).order_by(CalendarAddition.id)).all()
        assert [(r.user_id, r.target, r.sequence) for r in rows] == [
            (MEMBER, "series", 0),
            (MEMBER, "20270227T1400Z", 1),
        ]


def test_a_date_already_started_or_cancelled_cannot_be_added(factory: sessionmaker[Session]) -> None:
    with pytest.raises(MeetingError, match="already started"):
        calendar.add_for_member(factory, MEMBER, "gc", "s" + calendar.stamp(JAN), name, JAN)
    with pytest.raises(MeetingError, match="out of date"):
        calendar.add_for_member(factory, MEMBER, "gc", "sgarbage", name, NOW)
    with factory.begin() as session:
        meeting = get_meeting(session, "gc")
        assert meeting is not None
        service.cancel(session, meeting, date(2027, 2, 27), "U0ADMIN", NOW, org_with())
    with pytest.raises(MeetingError, match="moved or cancelled"):
        calendar.add_for_member(factory, MEMBER, "gc", "o" + calendar.stamp(FEB), name, NOW)


def test_a_move_sends_each_member_who_added_it_the_same_uid_with_a_higher_sequence(
    factory: sessionmaker[Session],
) -> None:
    one = calendar.add_for_member(factory, MEMBER, "gc", "o" + calendar.stamp(FEB), name, NOW)
    series = calendar.add_for_member(factory, OTHER, "gc", "series", name, NOW)
    calendar.add_for_member(factory, "U0JAN", "gc", "o" + calendar.stamp(JAN), name, NOW)
    with factory.begin() as session:
        meeting = get_meeting(session, "gc")
        assert meeting is not None
        service.move(session, meeting, date(2027, 2, 27), "2027-02-28 11:00", "U0ADMIN", NOW, org_with())
    moved = datetime(2027, 2, 28, 11, tzinfo=UTC)
    sent = {d.user_id: d for d in deliveries(factory)}
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


def test_a_cancelled_date_or_meeting_sends_method_cancel(factory: sessionmaker[Session]) -> None:
    one = calendar.add_for_member(factory, MEMBER, "gc", "o" + calendar.stamp(FEB), name, NOW)
    calendar.add_for_member(factory, OTHER, "gc", "series", name, NOW)
    with factory.begin() as session:
        meeting = get_meeting(session, "gc")
        assert meeting is not None
        service.cancel(session, meeting, date(2027, 2, 27), "U0ADMIN", NOW, org_with())
    sent = {d.user_id: d.file for d in deliveries(factory)}
    assert method(sent[MEMBER].content) == "CANCEL"
    [event] = events(sent[MEMBER].content)
    assert (event.uid, event.sequence, event.status) == (one.file.uid, 1, "CANCELLED")
    [event] = events(sent[OTHER].content)
    assert (event.uid, event.recurrence_id, event.sequence) == ("meeting-gc@liec-bot", FEB, 1)
    with factory.begin() as session:
        meeting = get_meeting(session, "gc")
        assert meeting is not None
        service.cancel(session, meeting, None, "U0ADMIN", NOW, org_with())
    last = [d for d in deliveries(factory) if d.user_id == OTHER][-1].file
    assert method(last.content) == "CANCEL" and events(last.content)[0].sequence == 2
    assert events(last.content)[0].recurrence_id is None
    # The member's cancelled date is not cancelled twice.
    assert len([d for d in deliveries(factory) if d.user_id == MEMBER]) == 1


def test_a_new_schedule_in_the_file_updates_the_series(factory: sessionmaker[Session]) -> None:
    calendar.add_for_member(factory, OTHER, "gc", "series", name, NOW)
    calendar.add_for_member(factory, MEMBER, "gc", "o" + calendar.stamp(FEB), name, NOW)
    meeting = {**BASE["meetings"][0], "start": "2027-01-30 14:00", "rrule": "FREQ=MONTHLY;BYDAY=-1SA"}
    with factory.begin() as session:
        service.sync_from_config(session, org_with(meetings=[meeting]), NOW)
    sent = {d.user_id: d.file for d in deliveries(factory)}
    assert expand(sent[OTHER].content, NOW, datetime(2027, 3, 1, tzinfo=UTC)) == [
        datetime(2027, 1, 30, 14, tzinfo=UTC),
        datetime(2027, 2, 27, 14, tzinfo=UTC),
    ]
    assert sent[OTHER].sequence == 1
    # 27 Feb is still a date of the new schedule (the last Saturday): no cancellation.
    assert MEMBER not in sent


# --- apologies --------------------------------------------------------------------------------


def test_a_member_answers_and_may_change_until_the_meeting_starts(factory: sessionmaker[Session]) -> None:
    feb = "o" + calendar.stamp(FEB)
    saved = apologies.answer(factory, "gc", feb, MEMBER, apologies.GOING, "ignored", NOW)
    assert (saved.answer, saved.reason) == ("going", None)
    saved = apologies.answer(factory, "gc", feb, MEMBER, apologies.APOLOGIES, "  At   work ", NOW)
    assert (saved.answer, saved.reason) == ("apologies", "At work")
    with pytest.raises(MeetingError, match="200 characters") as too_long:
        apologies.answer(factory, "gc", feb, MEMBER, apologies.APOLOGIES, "x" * 201, NOW)
    assert too_long.value.field == "reason"
    with pytest.raises(MeetingError, match="has started") as started:
        apologies.answer(factory, "gc", feb, MEMBER, apologies.GOING, None, FEB)
    assert started.value.field == "reason"
    with factory() as session:
        rows = session.scalars(select(MeetingAnswer)).all()
        assert [(r.user_id, r.answer, r.reason) for r in rows] == [(MEMBER, "apologies", "At work")]


def test_the_list_names_apologies_counts_going_and_is_for_the_secretary_and_admins(
    factory: sessionmaker[Session],
) -> None:
    feb = "o" + calendar.stamp(FEB)
    apologies.answer(factory, "gc", feb, MEMBER, apologies.APOLOGIES, "Travelling", NOW)
    apologies.answer(factory, "gc", feb, OTHER, apologies.APOLOGIES, None, NOW)
    for person in ("U0A", "U0B", "U0C"):
        apologies.answer(factory, "gc", feb, person, apologies.GOING, None, NOW)
    apologies.answer(factory, "gc", "o" + calendar.stamp(JAN), "U0D", apologies.APOLOGIES, "Jan", NOW)
    org = org_with()
    found = apologies.list_for(factory, org, "U0SECRETARY", "gc", date(2027, 2, 27), NOW)
    assert [(a.user_id, a.reason) for a in found.apologies] == [(MEMBER, "Travelling"), (OTHER, None)]
    assert found.going == 3 and found.start == FEB
    assert apologies.list_for(factory, org, "U0ADMIN", "General Committee", date(2027, 2, 27), NOW).going == 3
    nxt = apologies.list_for(factory, org, "U0SECRETARY", "gc", None, NOW)
    assert [(a.user_id, a.reason) for a in nxt.apologies] == [("U0D", "Jan")]
    with pytest.raises(MeetingError, match="Only the Secretary"):
        apologies.list_for(factory, org, MEMBER, "gc", None, NOW)
    with pytest.raises(MeetingError, match="no meeting on") as wrong:
        apologies.list_for(factory, org, "U0SECRETARY", "gc", date(2027, 2, 26), NOW)
    assert wrong.value.field == "date"


def test_the_secretary_or_the_admins_when_vacant_get_the_list(factory: sessionmaker[Session]) -> None:
    assert apologies.secretaries(org_with()) == ["U0SECRETARY"]
    assert apologies.secretaries(org_with(officers={"secretary": []})) == ["U0ADMIN"]
    with factory.begin() as session:
        assert apologies.schedule_lists(session, org_with(officers={}), "gc", FEB, NOW) == 1
    with factory() as session:
        keys = session.scalars(select(ScheduledJob.key).where(ScheduledJob.kind == apologies.LIST_JOB)).all()
    assert keys == ["mtg-apologies:gc:20270227T1400Z:U0ADMIN"]


# --- personal data ---------------------------------------------------------------------------


def test_my_data_includes_answers_and_calendars_and_forget_me_erases_them(
    factory: sessionmaker[Session],
) -> None:
    apologies.answer(factory, "gc", "o" + calendar.stamp(FEB), MEMBER, apologies.APOLOGIES, "Ill", NOW)
    calendar.add_for_member(factory, MEMBER, "gc", "series", name, NOW)
    apologies.answer(factory, "gc", "o" + calendar.stamp(FEB), OTHER, apologies.GOING, None, NOW)
    org = org_with()
    with factory() as session:
        export = member_data.export_member(session, org, MEMBER, NOW).as_dict()
    assert export["meeting_answers"]["your_answers"][0]["reason"] == "Ill"
    assert export["meeting_calendars"]["meetings_in_your_calendar"][0]["what"] == "every meeting"
    with factory.begin() as session:
        member_data.forget(session, org, MEMBER, NOW)
    with factory() as session:
        assert session.scalars(select(MeetingAnswer.user_id)).all() == [OTHER]
        assert session.scalars(select(CalendarAddition)).all() == []


def test_the_retention_purge_removes_old_answers_and_calendar_records(
    factory: sessionmaker[Session],
) -> None:
    apologies.answer(factory, "gc", "o" + calendar.stamp(JAN), MEMBER, apologies.APOLOGIES, "Ill", NOW)
    apologies.answer(factory, "gc", "o" + calendar.stamp(FEB), MEMBER, apologies.GOING, None, NOW)
    calendar.add_for_member(factory, MEMBER, "gc", "o" + calendar.stamp(JAN), name, NOW)
    calendar.add_for_member(factory, OTHER, "gc", "series", name, NOW)
    later = JAN + timedelta(days=365, hours=1)  # a year after January, not yet after February
    answers, additions = apologies.purge_all(factory, later, 365)
    assert (answers, additions) == (1, 1)
    with factory() as session:
        assert [r.original_start for r in session.scalars(select(MeetingAnswer))] == [FEB]
        assert [r.target for r in session.scalars(select(CalendarAddition))] == ["series"]
        purges = session.scalars(
            select(ScheduledJob.key).where(ScheduledJob.kind == apologies.PURGE_JOB)
        ).all()
    assert len(purges) == 2
    # The series stays while the meeting goes on; once it is cancelled and a year has passed, it goes.
    with factory.begin() as session:
        meeting = get_meeting(session, "gc")
        assert meeting is not None
        meeting.active = False
    assert apologies.purge_all(factory, later + timedelta(days=400), 365) == (1, 1)


def test_a_new_time_in_the_file_carries_an_added_date_to_it_and_a_dropped_date_is_cancelled(
    factory: sessionmaker[Session],
) -> None:
    feb = calendar.add_for_member(factory, MEMBER, "gc", "o" + calendar.stamp(FEB), name, NOW)
    jan = calendar.add_for_member(factory, OTHER, "gc", "o" + calendar.stamp(JAN), name, NOW)
    # From the 4th to the last Saturday, an hour later: 27 Feb stays a date, 23 Jan does not.
    meeting = {
        **BASE["meetings"][0],
        "start": "2027-01-30 15:00",
        "rrule": "FREQ=MONTHLY;BYDAY=-1SA",
    }
    with factory.begin() as session:
        service.sync_from_config(session, org_with(meetings=[meeting]), NOW)
    sent = {d.user_id: d.file for d in deliveries(factory)}
    assert (method(sent[MEMBER].content), sent[MEMBER].uid, sent[MEMBER].sequence) == (
        "PUBLISH",
        feb.file.uid,
        1,
    )
    assert expand(sent[MEMBER].content, NOW, datetime(2028, 1, 1, tzinfo=UTC)) == [FEB + timedelta(hours=1)]
    assert (method(sent[OTHER].content), sent[OTHER].uid) == ("CANCEL", jan.file.uid)
    # The carried date is the one the member has now: a later move reaches them with that UID.
    with factory.begin() as session:
        gc = get_meeting(session, "gc")
        assert gc is not None
        service.move(session, gc, date(2027, 2, 27), "2027-02-28 10:00", "U0ADMIN", NOW, org_with())
    last = [d for d in deliveries(factory) if d.user_id == MEMBER][-1].file
    assert (last.uid, last.sequence) == (feb.file.uid, 2)
    assert expand(last.content, NOW, datetime(2028, 1, 1, tzinfo=UTC)) == [
        datetime(2027, 2, 28, 10, tzinfo=UTC)
    ]


def test_a_meeting_taken_out_of_the_file_is_cancelled_in_calendars(factory: sessionmaker[Session]) -> None:
    series = calendar.add_for_member(factory, OTHER, "gc", "series", name, NOW)
    with factory.begin() as session:
        service.sync_from_config(session, org_with(meetings=[]), NOW)
    [sent] = deliveries(factory)
    assert (sent.user_id, method(sent.file.content), sent.file.uid) == (OTHER, "CANCEL", series.file.uid)
    assert events(sent.file.content)[0].sequence == 1
