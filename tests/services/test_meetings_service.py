"""Meeting definitions and planning against a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

import copy
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.config import ConfigError, OrgConfig, parse_org_config
from bot.services import meetings as service
from bot.services.meeting_member_data import export_member_data, forget_member
from bot.services.meeting_occurrences import effective_occurrences
from bot.services.meeting_planning import PlanReport, digest_times, digest_window, in_digest, plan_all
from bot.services.meeting_queries import find_meeting, get_meeting, upcoming
from bot.services.meeting_specs import MeetingError, MeetingSpec, check_form
from models.foundation import ScheduledJob
from models.meetings import Meeting
from tests.services.test_rows import second_waits_for_first

NOW = datetime(2027, 1, 1, 12, tzinfo=UTC)
FRANCE_BRANCH = MeetingSpec(
    key="france-branch",
    name="France branch",
    channel="C0FR",
    start="2027-01-10 18:00",
    timezone="Europe/Paris",
    reminders=("1d",),
    kind="branch",
)

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
    "notice_days": {"gc": 7},
}


def org_with(**changes: Any) -> OrgConfig:
    data = copy.deepcopy(BASE)
    data.update(changes)
    return parse_org_config(data)


def gc_with(**changes: Any) -> OrgConfig:
    meeting = {**BASE["meetings"][0], **changes}
    return org_with(meetings=[meeting])


def jobs(session: Session, prefix: str = "mtg") -> dict[str, tuple[datetime, str]]:
    rows = session.execute(
        select(ScheduledJob.key, ScheduledJob.due_at, ScheduledJob.status).where(
            ScheduledJob.key.startswith(prefix)
        )
    ).all()
    return {key: (due, status) for key, due, status in rows}


def pending(session: Session, prefix: str = "mtg:") -> set[str]:
    return {key for key, (_due, status) in jobs(session, prefix).items() if status == "pending"}


def sync(factory: sessionmaker[Session], org: OrgConfig, now: datetime = NOW) -> PlanReport:
    with factory.begin() as session:
        return service.sync_from_config(session, org, now)


def test_the_file_becomes_meetings_and_reminder_jobs(session_factory: sessionmaker[Session]) -> None:
    report = sync(session_factory, org_with())
    with session_factory() as session:
        got = jobs(session, "mtg:")
        # 23 Jan and 27 Feb (4th Saturdays) are within the 63-day horizon from 1 Jan.
        assert got["mtg:gc:20270123T1400Z:1w"] == (datetime(2027, 1, 16, 14, tzinfo=UTC), "pending")
        assert got["mtg:gc:20270123T1400Z:1d"][0] == datetime(2027, 1, 22, 14, tzinfo=UTC)
        assert got["mtg:gc:20270123T1400Z:1h"][0] == datetime(2027, 1, 23, 13, tzinfo=UTC)
        assert got["mtg:gc:20270123T1400Z:agenda"][0] == datetime(2027, 1, 16, 14, tzinfo=UTC)
        assert "mtg:gc:20270227T1400Z:1h" in got
        assert not any(key.startswith("mtg:gc:20270327") for key in got)
        assert len(got) == 8
        assert report.scheduled == 8
        meeting = session.scalars(select(Meeting)).one()
        assert (meeting.key, meeting.source, meeting.active) == ("gc", "file", True)


def test_planning_again_changes_nothing(session_factory: sessionmaker[Session]) -> None:
    sync(session_factory, org_with())
    with session_factory() as session:
        before = jobs(session)
    report = sync(session_factory, org_with())
    assert (report.scheduled, report.withdrawn, report.notices) == (0, 0, [])
    with session_factory() as session:
        assert jobs(session) == before


def test_the_horizon_rolls_forward(session_factory: sessionmaker[Session]) -> None:
    org = org_with()
    sync(session_factory, org)
    with session_factory.begin() as session:
        plan_all(session, org, NOW + timedelta(days=60))
    with session_factory() as session:
        # 27 March is still GMT (the UK changes on the 28th); 24 April is BST: 14:00 is 13:00 UTC
        assert "mtg:gc:20270327T1400Z:1w" in pending(session)
        assert jobs(session)["mtg:gc:20270424T1300Z:1h"][0] == datetime(2027, 4, 24, 12, tzinfo=UTC)
        assert "mtg-refresh:2027-03-03" in pending(session, "mtg-refresh:")


def test_a_changed_start_in_the_file_moves_the_reminders_and_posts_a_notice(
    session_factory: sessionmaker[Session],
) -> None:
    sync(session_factory, org_with())
    report = sync(session_factory, gc_with(start="2027-01-23 15:00", rrule="FREQ=MONTHLY;BYDAY=4SA"))
    assert report.notices == ["gc"]
    with session_factory() as session:
        now_pending = pending(session)
        assert "mtg:gc:20270123T1500Z:1h" in now_pending
        assert not any(key.startswith("mtg:gc:20270123T1400Z") for key in now_pending)
        assert jobs(session)["mtg:gc:20270123T1400Z:1h"][1] == "cancelled"
        notices = pending(session, "mtg-change:gc:")
        assert len(notices) == 1
    # the same file again: no second notice
    assert sync(session_factory, gc_with(start="2027-01-23 15:00")).notices == []


def test_changed_reminders_in_the_file_withdraw_the_dropped_ones(
    session_factory: sessionmaker[Session],
) -> None:
    sync(session_factory, org_with())
    report = sync(session_factory, gc_with(reminders=["2d"]))
    assert report.notices == []  # the meeting did not move
    with session_factory() as session:
        assert pending(session) == {
            "mtg:gc:20270123T1400Z:2d",
            "mtg:gc:20270227T1400Z:2d",
            "mtg:gc:20270123T1400Z:agenda",
            "mtg:gc:20270227T1400Z:agenda",
        }


def test_a_meeting_removed_from_the_file_is_withdrawn_with_a_notice_and_can_come_back(
    session_factory: sessionmaker[Session],
) -> None:
    sync(session_factory, org_with())
    report = sync(session_factory, org_with(meetings=[]))
    assert report.notices == ["gc"]
    with session_factory() as session:
        assert pending(session) == set()
        assert session.scalars(select(Meeting)).one().active is False
    sync(session_factory, org_with())
    with session_factory() as session:
        assert len(pending(session)) == 8
        assert session.scalars(select(Meeting)).one().active is True


def test_a_pending_reminder_that_fell_due_while_down_is_kept(session_factory: sessionmaker[Session]) -> None:
    sync(session_factory, org_with())
    # The bot comes back 30 minutes after the 1h reminder fell due.
    sync(session_factory, org_with(), now=datetime(2027, 1, 23, 13, 30, tzinfo=UTC))
    with session_factory() as session:
        assert jobs(session)["mtg:gc:20270123T1400Z:1h"][1] == "pending"


def test_a_reminder_already_past_is_not_created_for_a_new_meeting(
    session_factory: sessionmaker[Session],
) -> None:
    sync(session_factory, org_with(), now=datetime(2027, 1, 23, 12, tzinfo=UTC))
    with session_factory() as session:
        got = pending(session)
        assert "mtg:gc:20270123T1400Z:1h" in got
        assert "mtg:gc:20270123T1400Z:1d" not in got and "mtg:gc:20270123T1400Z:1w" not in got


def test_cancelling_one_occurrence_withdraws_its_jobs_and_schedules_a_notice(
    session_factory: sessionmaker[Session],
) -> None:
    org = org_with()
    sync(session_factory, org)
    with session_factory.begin() as session:
        meeting = get_meeting(session, "gc")
        assert meeting is not None
        item = service.cancel(session, meeting, date(2027, 2, 27), "U0ADMIN", NOW, org)
        assert item is not None and item.start == datetime(2027, 2, 27, 14, tzinfo=UTC)
    with session_factory() as session:
        assert not any(key.startswith("mtg:gc:20270227") for key in pending(session))
        assert "mtg:gc:20270123T1400Z:1h" in pending(session)
        assert pending(session, "mtg-change:") == {"mtg-change:gc:20270227T1400Z:cancelled"}
    # a restart does not bring it back
    sync(session_factory, org)
    with session_factory() as session:
        assert not any(key.startswith("mtg:gc:20270227") for key in pending(session))
        meeting = get_meeting(session, "gc")
        assert meeting is not None
        starts = [o.start for o in effective_occurrences(meeting, NOW, NOW + timedelta(days=90))]
        assert datetime(2027, 2, 27, 14, tzinfo=UTC) not in starts


def test_cancelling_a_date_without_a_meeting_says_so(session_factory: sessionmaker[Session]) -> None:
    org = org_with()
    sync(session_factory, org)
    with session_factory.begin() as session:
        meeting = get_meeting(session, "gc")
        assert meeting is not None
        with pytest.raises(MeetingError, match="has no meeting on 2027-02-28"):
            service.cancel(session, meeting, date(2027, 2, 28), "U0ADMIN", NOW, org)


def test_cancelling_the_whole_meeting_survives_a_restart(session_factory: sessionmaker[Session]) -> None:
    org = org_with()
    sync(session_factory, org)
    with session_factory.begin() as session:
        meeting = get_meeting(session, "gc")
        assert meeting is not None
        service.cancel(session, meeting, None, "U0ADMIN", NOW, org)
    sync(session_factory, org)
    with session_factory() as session:
        assert pending(session) == set()
        assert pending(session, "mtg-change:") == {"mtg-change:gc:all:cancelled"}


def test_moving_an_occurrence_moves_its_reminders(session_factory: sessionmaker[Session]) -> None:
    org = org_with()
    sync(session_factory, org)
    with session_factory.begin() as session:
        meeting = get_meeting(session, "gc")
        assert meeting is not None
        item, target = service.move(
            session, meeting, date(2027, 1, 23), "2027-01-30 11:00", "U0ADMIN", NOW, org
        )
        assert item.start == datetime(2027, 1, 23, 14, tzinfo=UTC)
        assert target == datetime(2027, 1, 30, 11, tzinfo=UTC)
    with session_factory() as session:
        got = pending(session)
        assert "mtg:gc:20270130T1100Z:1h" in got and "mtg:gc:20270130T1100Z:1d" in got
        assert not any(key.startswith("mtg:gc:20270123") for key in got)
        assert pending(session, "mtg-change:") == {"mtg-change:gc:20270123T1400Z:moved:20270130T1100Z"}
    sync(session_factory, org)  # restart: the move holds
    with session_factory() as session:
        assert "mtg:gc:20270130T1100Z:1h" in pending(session)


@pytest.mark.parametrize(
    ("new_start", "words"),
    [
        ("2027-03-28 01:30", "does not exist in Europe/London"),
        ("2027-02-30 10:00", "is not a date"),
        ("2026-12-01 10:00", "already passed"),
        ("2027-05-01 10:00", "up to 60 days"),
        ("2027-02-27 14:00", "another meeting of this series"),
    ],
)
def test_bad_moves_are_refused(session_factory: sessionmaker[Session], new_start: str, words: str) -> None:
    org = org_with()
    sync(session_factory, org)
    with session_factory.begin() as session:
        meeting = get_meeting(session, "gc")
        assert meeting is not None
        with pytest.raises(MeetingError, match=words):
            service.move(session, meeting, date(2027, 1, 23), new_start, "U0ADMIN", NOW, org)


def test_a_meeting_added_in_slack_is_planned_and_announced(session_factory: sessionmaker[Session]) -> None:
    org = org_with()
    spec = FRANCE_BRANCH
    with session_factory.begin() as session:
        service.add_meeting(session, spec, "U0ADMIN", NOW, org)
        with pytest.raises(MeetingError, match="already a meeting"):
            service.add_meeting(session, spec, "U0ADMIN", NOW, org)
    with session_factory() as session:
        assert jobs(session, "mtg:france-branch:") == {
            "mtg:france-branch:20270110T1700Z:1d": (datetime(2027, 1, 9, 17, tzinfo=UTC), "pending")
        }
        assert pending(session, "mtg-change:") == {"mtg-change:france-branch:added"}
    # the file does not know it, and that does not remove it
    sync(session_factory, org)
    with session_factory() as session:
        assert "mtg:france-branch:20270110T1700Z:1d" in pending(session)


def test_digest_times_and_window() -> None:
    org = org_with()
    assert digest_times(org, NOW) == [
        (datetime(2027, 1, 8, 9, tzinfo=UTC), date(2027, 1, 8)),
        (datetime(2027, 1, 15, 9, tzinfo=UTC), date(2027, 1, 15)),
    ]
    summer = digest_times(org, datetime(2027, 6, 1, tzinfo=UTC))
    assert summer[0] == (datetime(2027, 6, 4, 8, tzinfo=UTC), date(2027, 6, 4))  # 09:00 BST
    start, end = digest_window(org, date(2027, 1, 22))
    # Searched until Monday begins in the last zone (UTC-12); each meeting is judged in its own zone.
    assert (start, end) == (datetime(2027, 1, 22, 9, tzinfo=UTC), datetime(2027, 1, 25, 12, tzinfo=UTC))


@pytest.mark.parametrize(
    ("zone", "start", "included"),
    [
        ("America/Los_Angeles", datetime(2027, 1, 25, 2, tzinfo=UTC), True),  # Sunday 18:00 local
        ("Pacific/Pago_Pago", datetime(2027, 1, 25, 10, 59, tzinfo=UTC), True),  # Sunday 23:59 local
        ("Pacific/Auckland", datetime(2027, 1, 24, 19, tzinfo=UTC), False),  # Monday 08:00 local
        ("Europe/London", datetime(2027, 1, 25, 0, tzinfo=UTC), False),  # Monday 00:00
        ("Asia/Tokyo", datetime(2027, 1, 22, 11, tzinfo=UTC), True),  # Friday 20:00 local
    ],
)
def test_this_weekend_is_decided_in_each_meetings_own_time(
    zone: str, start: datetime, included: bool
) -> None:
    assert in_digest(zone, start, date(2027, 1, 22)) is included


def test_upcoming_lists_occurrences_in_order(session_factory: sessionmaker[Session]) -> None:
    org = org_with(
        meetings=[
            BASE["meetings"][0],
            {
                "name": "AMM",
                "key": "amm",
                "kind": "amm",
                "channel": "C0AMM",
                "start": "2027-01-09 09:00",
                "timezone": "America/New_York",
            },
        ]
    )
    sync(session_factory, org)
    with session_factory() as session:
        found = upcoming(session, NOW, NOW + timedelta(days=40))
        assert [(m.key, o.start) for m, o in found] == [
            ("amm", datetime(2027, 1, 9, 14, tzinfo=UTC)),
            ("gc", datetime(2027, 1, 23, 14, tzinfo=UTC)),
        ]


def test_export_and_forget(session_factory: sessionmaker[Session]) -> None:
    org = org_with()
    sync(session_factory, org)
    spec = MeetingSpec(key="amm", name="AMM", channel="C0AMM", start="2027-01-10 18:00", timezone="UTC")
    with session_factory.begin() as session:
        service.add_meeting(session, spec, "U0ADMIN", NOW, org)
        meeting = get_meeting(session, "gc")
        assert meeting is not None
        service.cancel(session, meeting, date(2027, 1, 23), "U0ADMIN", NOW, org)
    with session_factory.begin() as session:
        data = export_member_data(session, "U0ADMIN")
        assert [m["meeting"] for m in data["meetings_added"]] == ["amm"]
        assert data["meeting_changes"][0]["change"] == "cancelled"
        assert export_member_data(session, "U0OTHER") == {"meetings_added": [], "meeting_changes": []}
        kept = forget_member(session, "U0ADMIN", NOW)
        assert len(kept) == 2
    with session_factory() as session:
        assert export_member_data(session, "U0ADMIN") == {"meetings_added": [], "meeting_changes": []}
        meeting = get_meeting(session, "gc")
        assert meeting is not None and len(meeting.changes) == 1  # the change itself stays


def test_find_meeting_by_key_name_or_suggestion(session_factory: sessionmaker[Session]) -> None:
    sync(session_factory, org_with())
    with session_factory() as session:
        assert find_meeting(session, "gc")[0] is not None
        assert find_meeting(session, "General Committee")[0] is not None
        meeting, suggestions = find_meeting(session, "general-comittee")
        assert meeting is None and suggestions == ["gc"]


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        (
            "start",
            "2027-03-28 01:30",
            "meeting 'General Committee', start: 01:30 on 2027-03-28 does not exist",
        ),
        ("start", "2026-10-25 01:30", "start: 01:30 on 2026-10-25 happens twice"),
        ("start", "2027-02-30 14:00", "start: 2027-02-30 is not a date"),
        ("timezone", "Europe/Londres", "timezone: 'Europe/Londres' is not a known time zone"),
        ("rrule", "FREQ=MINUTELY", "rrule: FREQ=MINUTELY is too frequent"),
        ("rrule", "FREQ=MONTHLY;BYDAY=9SA", "rrule:"),
        ("reminders", ["1d", "-1d"], "reminders: '-1d' is not a duration"),
        ("reminders", ["90d"], "reminders: '90d' is more than 60 days"),
    ],
)
def test_a_bad_file_is_rejected_naming_the_meeting_and_the_field(field: str, value: Any, words: str) -> None:
    meeting = {**BASE["meetings"][0], field: value}
    data = {**copy.deepcopy(BASE), "meetings": [meeting]}
    with pytest.raises(ConfigError) as caught:
        parse_org_config(data)
    assert "meetings.0" in str(caught.value)
    assert words in str(caught.value)


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"misfire_grace": "soon"}, "misfire_grace: 'soon' is not a duration"),
        ({"notice_days": {"gc": 0}}, "notice_days: gc: 0 is not a number of days"),
        ({"notice_days": {"agm": 7}}, "'agm' is not a meeting kind"),
        (
            {"digest": {"timezone": "Europe/Lodnon"}},
            "digest.timezone: 'Europe/Lodnon' is not a known time zone",
        ),
        ({"digest": {"time": "9am"}}, "digest.time: '9am' is not a time"),
    ],
)
def test_bad_meeting_settings_are_rejected(changes: dict[str, Any], words: str) -> None:
    with pytest.raises(ConfigError) as caught:
        org_with(**changes)
    assert words in str(caught.value)


def test_reminders_due_together_in_one_channel_are_a_second_apart(
    session_factory: sessionmaker[Session],
) -> None:
    def one(key: str, channel: str) -> dict[str, Any]:
        return {
            "name": key,
            "key": key,
            "channel": channel,
            "start": "2027-01-09 10:00",
            "timezone": "UTC",
            "reminders": ["1h"],
        }

    org = org_with(meetings=[one("b", "C0ONE"), one("a", "C0ONE"), one("c", "C0ONE"), one("d", "C0TWO")])
    sync(session_factory, org)
    nominal = datetime(2027, 1, 9, 9, tzinfo=UTC)
    with session_factory() as session:
        got = jobs(session, "mtg:")
        assert got["mtg:a:20270109T1000Z:1h"][0] == nominal
        assert got["mtg:b:20270109T1000Z:1h"][0] == nominal + timedelta(seconds=1)
        assert got["mtg:c:20270109T1000Z:1h"][0] == nominal + timedelta(seconds=2)
        assert got["mtg:d:20270109T1000Z:1h"][0] == nominal  # another channel
        payload = session.scalars(
            select(ScheduledJob.payload).where(ScheduledJob.key == "mtg:c:20270109T1000Z:1h")
        ).one()
        assert payload["due"] == nominal.isoformat()  # lateness is judged from the real time
    assert sync(session_factory, org).scheduled == 0
    # A meeting added in Slack takes its place among its channel's neighbours.
    spec = MeetingSpec(
        key="aa", name="aa", channel="C0ONE", start="2027-01-09 10:00", timezone="UTC", reminders=("1h",)
    )
    with session_factory.begin() as session:
        service.add_meeting(session, spec, "U0ADMIN", NOW, org)
    with session_factory() as session:
        assert jobs(session, "mtg:aa:")["mtg:aa:20270109T1000Z:1h"][0] == nominal + timedelta(seconds=1)


def test_two_admins_adding_one_meeting_at_once_the_second_is_told_on_the_name(
    session_factory: sessionmaker[Session],
) -> None:
    org = org_with()
    spec = FRANCE_BRANCH

    def second() -> object:
        with session_factory.begin() as session:
            return service.add_meeting(session, spec, "U0OTHER", NOW, org)

    # The first's insert is flushed, not yet committed: the second waits on it.
    out = second_waits_for_first(
        session_factory, lambda first: service.add_meeting(first, spec, "U0ADMIN", NOW, org), second
    )
    # Not an IntegrityError (a stack trace): the same answer as a name taken earlier.
    assert len(out) == 1 and isinstance(out[0], MeetingError), out
    assert out[0].field == "name"
    with session_factory() as session:
        assert [m.created_by for m in session.scalars(select(Meeting))] == ["U0ADMIN"]


def test_the_add_form_becomes_a_meeting_or_errors_by_field() -> None:
    good = {"name": "Branch call", "channel": "C0BRANCH", "start": "2027-02-01 18:00"}
    spec = check_form({**good, "timezone": "Europe/London", "reminders": "1h, 10m"}, NOW)
    assert isinstance(spec, MeetingSpec) and spec.key == "branch-call" and spec.reminders == ("1h", "10m")
    errors = check_form(
        {"start": "2026-01-01 10:00", "timezone": "Europe/London", "video_url": "ftp://x"}, NOW
    )
    assert errors == {
        "name": "Give the meeting a name.",
        "channel": "Choose the channel for its reminders.",
        "start": "That start has passed and nothing repeats after it.",
        "video_url": "Give a web address starting with https://",
    }
    assert "timezone" in check_form({**good, "timezone": "Mars/Olympus"}, NOW)


def test_a_reminder_gives_way_only_to_a_later_one_already_due() -> None:
    from bot.services.reminders import superseded

    one_hour, half_hour = datetime(2027, 1, 1, 13, tzinfo=UTC), datetime(2027, 1, 1, 13, 30, tzinfo=UTC)
    dues = [one_hour, half_hour]
    assert superseded(one_hour, dues, datetime(2027, 1, 1, 13, 40, tzinfo=UTC))
    assert not superseded(half_hour, dues, datetime(2027, 1, 1, 13, 40, tzinfo=UTC))
    assert not superseded(one_hour, dues, datetime(2027, 1, 1, 13, 5, tzinfo=UTC))  # the later one is not due
