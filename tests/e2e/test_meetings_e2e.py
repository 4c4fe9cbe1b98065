"""Meetings end to end: the real app over signed HTTP, reminders through the fake Slack Web API,
driven by an injected clock (no test waits for real minutes)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.clock import ManualClock
from bot.fake_slack import FakeSlack
from bot.flows.meeting_jobs import MeetingJobs
from bot.jobs import LEASE
from bot.views import meetings as views
from models.foundation import ScheduledJob
from models.meetings import MeetingPost
from tests.e2e.harness import BotHarness, keep_failed_posts_in_history

ADMIN = "U0SECRETARY"  # an admin in the example organisation file
ADMINS_CHANNEL = "C0LIECADMIN"


def meeting(
    name: str, start: str, reminders: list[str], channel: str = "C0BRANCH", **more: Any
) -> dict[str, Any]:
    return {
        "name": name,
        "channel": channel,
        "start": start,
        "timezone": "Europe/London",
        "reminders": reminders,
        **more,
    }


def posts(fake: FakeSlack, channel: str) -> list[dict[str, Any]]:
    return [c for c in fake.calls_to("chat.postMessage") if c.get("channel") == channel]


def keys(messages: list[dict[str, Any]]) -> list[str]:
    return [m["metadata"]["event_payload"]["key"] for m in messages]


def outcome(bot: BotHarness, key: str) -> str | None:
    with bot.deps.session_factory() as session:
        post = session.get(MeetingPost, key)
        return post.outcome if post else None


def job_status(bot: BotHarness, key: str) -> str | None:
    with bot.deps.session_factory() as session:
        return session.scalars(select(ScheduledJob.status).where(ScheduledJob.key == key)).first()


def started(
    make_bot: Callable[..., BotHarness], org: dict[str, Any], meetings: list[dict[str, Any]]
) -> BotHarness:
    org["meetings"] = meetings
    bot = make_bot(org)
    bot.deps.jobs.startup()
    return bot


def run_until(bot: BotHarness, clock: ManualClock, moment: datetime) -> None:
    clock.set(moment)
    bot.run_jobs()


SOON_KEY = "mtg:branch-call:20261123T1202Z:1m"


@pytest.fixture
def soon(make_bot: Callable[..., BotHarness], org: dict[str, Any]) -> BotHarness:
    # The clock stands at 12:00 UTC (GMT in London): the reminder is due at 12:01.
    return started(make_bot, org, [meeting("Branch call", "2026-11-23 12:02", ["1m"])])


def test_a_meeting_due_in_seconds_posts_exactly_one_message(soon: BotHarness, clock: ManualClock) -> None:
    run_until(soon, clock, datetime(2026, 11, 23, 12, 0, 55, tzinfo=UTC))
    assert posts(soon.fake, "C0BRANCH") == []
    for seconds in (60, 61, 90, 300):
        run_until(soon, clock, datetime(2026, 11, 23, 12, 0, tzinfo=UTC) + timedelta(seconds=seconds))
    sent = posts(soon.fake, "C0BRANCH")
    assert keys(sent) == [SOON_KEY]
    message = sent[0]
    blob = json.dumps(message["blocks"])
    assert "*Reminder: Branch call* starts in 1 minute." in blob
    assert "<!date^1795435320^{date_long_pretty} at {time}|Monday 23 November 2026, 12:02 GMT>" in blob
    assert "Monday 23 November 2026, 12:02 GMT (Europe/London)" in blob
    assert message["metadata"]["event_type"] == "liec_reminder"
    assert outcome(soon, SOON_KEY) == "sent"
    assert job_status(soon, SOON_KEY) == "done"


def test_a_restart_plans_nothing_twice_and_sends_once(
    soon: BotHarness, make_bot: Callable[..., BotHarness], org: dict[str, Any], clock: ManualClock
) -> None:
    again = make_bot(org)  # a second start on the same database
    again.deps.jobs.startup()
    with again.deps.session_factory() as session:
        assert session.scalars(select(ScheduledJob.key).where(ScheduledJob.key.startswith("mtg:"))).all() == [
            SOON_KEY
        ]
    clock.set(datetime(2026, 11, 23, 12, 1, tzinfo=UTC))
    assert again.run_jobs() >= 1
    soon.run_jobs()
    assert keys(posts(soon.fake, "C0BRANCH")) == [SOON_KEY]


class Crash(BaseException):
    """Stands for the process dying: the job queue does not catch it, so the claim stays."""


def test_a_crash_between_posting_and_recording_never_posts_twice(
    soon: BotHarness, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_record = MeetingJobs._record

    def crash_after_posting(self: MeetingJobs, run: Any, result: str, *args: Any, **kwargs: Any) -> None:
        if result == "sent":
            raise Crash
        real_record(self, run, result, *args, **kwargs)

    monkeypatch.setattr(MeetingJobs, "_record", crash_after_posting)
    clock.set(datetime(2026, 11, 23, 12, 1, tzinfo=UTC))
    with pytest.raises(Crash):
        soon.run_jobs()
    monkeypatch.setattr(MeetingJobs, "_record", real_record)
    assert len(posts(soon.fake, "C0BRANCH")) == 1
    assert job_status(soon, SOON_KEY) == "running" and outcome(soon, SOON_KEY) is None
    # Within its lease nobody else takes it.
    run_until(soon, clock, datetime(2026, 11, 23, 12, 2, tzinfo=UTC))
    assert soon.fake.calls_to("conversations.history") == []
    # After the lease the job is reclaimed; the history shows the post, so it is only recorded.
    run_until(soon, clock, datetime(2026, 11, 23, 12, 1, tzinfo=UTC) + LEASE + timedelta(seconds=1))
    assert len(soon.fake.calls_to("conversations.history")) == 1
    assert len(posts(soon.fake, "C0BRANCH")) == 1
    assert outcome(soon, SOON_KEY) == "found"
    assert job_status(soon, SOON_KEY) == "done"


def test_a_crash_before_posting_is_sent_once_after_the_lease(
    soon: BotHarness, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    def crash(*_args: Any, **_kwargs: Any) -> Any:
        raise Crash

    monkeypatch.setattr("bot.services.delivery.deliver_once", crash)
    clock.set(datetime(2026, 11, 23, 12, 1, tzinfo=UTC))
    with pytest.raises(Crash):
        soon.run_jobs()
    monkeypatch.undo()
    run_until(soon, clock, datetime(2026, 11, 23, 12, 1, tzinfo=UTC) + LEASE + timedelta(seconds=1))
    sent = posts(soon.fake, "C0BRANCH")
    assert keys(sent) == [SOON_KEY]
    # Five minutes late, but the bot was up when it fell due: not marked late.
    assert outcome(soon, SOON_KEY) == "sent"


def test_a_5xx_after_slack_posted_is_found_not_posted_again(soon: BotHarness, clock: ManualClock) -> None:
    fake = soon.fake
    fake.fail_next("chat.postMessage", status=500)
    keep_failed_posts_in_history(fake)  # Slack kept the message although it answered 500
    run_until(soon, clock, datetime(2026, 11, 23, 12, 1, tzinfo=UTC))
    assert len(fake.failed) == 1  # one attempt only: neither slack_sdk nor the bot posted again
    assert posts(fake, "C0BRANCH") == []
    assert outcome(soon, SOON_KEY) == "found"


def test_a_5xx_that_did_not_post_is_retried_and_delivered_once(soon: BotHarness, clock: ManualClock) -> None:
    soon.fake.fail_next("chat.postMessage", status=503)
    run_until(soon, clock, datetime(2026, 11, 23, 12, 1, tzinfo=UTC))
    assert len(soon.fake.failed) == 1
    assert len(soon.fake.calls_to("conversations.history")) == 1  # looked before posting again
    assert keys(posts(soon.fake, "C0BRANCH")) == [SOON_KEY]
    assert outcome(soon, SOON_KEY) == "sent"


def test_a_429_is_retried_after_retry_after_and_delivered_once(soon: BotHarness, clock: ManualClock) -> None:
    soon.fake.fail_next("chat.postMessage", status=429, retry_after=1)
    run_until(soon, clock, datetime(2026, 11, 23, 12, 1, tzinfo=UTC))
    assert len(soon.fake.failed) == 1
    assert soon.fake.calls_to("conversations.history") == []  # a 429 is certain not to have posted
    assert keys(posts(soon.fake, "C0BRANCH")) == [SOON_KEY]


@pytest.mark.parametrize(("error", "looked"), [("ratelimited", 0), ("internal_error", 1)])
def test_a_passing_ok_false_answer_to_a_reminder_is_retried_not_failed(
    soon: BotHarness, clock: ManualClock, error: str, looked: int
) -> None:
    soon.fake.fail_next("chat.postMessage", status=200, error=error)
    run_until(soon, clock, datetime(2026, 11, 23, 12, 1, tzinfo=UTC))
    assert len(soon.fake.failed) == 1
    # ratelimited: Slack posted nothing; internal_error: it may have, so the history is read first
    assert len(soon.fake.calls_to("conversations.history")) == looked
    assert keys(posts(soon.fake, "C0BRANCH")) == [SOON_KEY]
    assert outcome(soon, SOON_KEY) == "sent"
    assert posts(soon.fake, ADMINS_CHANNEL) == []


def test_ten_days_of_a_refusing_channel_make_one_alert_and_one_summary(
    make_bot: Callable[..., BotHarness], org: dict[str, Any], clock: ManualClock
) -> None:
    bot = started(
        make_bot,
        org,
        [
            meeting(
                "Daily call", "2026-11-23 18:00", ["1h", "30m", "10m"], channel="C0GONE", rrule="FREQ=DAILY"
            )
        ],
    )
    bot.fake.on(
        "chat.postMessage",
        lambda p: {"ok": False, "error": "not_in_channel"} if p.get("channel") == "C0GONE" else None,
    )
    first = datetime(2026, 11, 23, 17, 0, tzinfo=UTC)
    for day in range(10):
        for minutes in (0, 30, 50):
            run_until(bot, clock, first + timedelta(days=day, minutes=minutes))
    assert outcome(bot, "mtg:daily-call:20261202T1800Z:10m") == "failed"  # the tenth day's too
    alerts = [a["text"] for a in posts(bot.fake, ADMINS_CHANNEL) if "C0GONE" in a["text"]]
    assert len(alerts) == 2, [a[:60] for a in alerts]
    assert "<#C0GONE>" in alerts[0] and "not_in_channel" in alerts[0]
    assert alerts[1].startswith("Still happening (21 more times since")  # a week after the alert


def test_a_missing_channel_alerts_the_admins_once_and_the_bot_goes_on(
    make_bot: Callable[..., BotHarness], org: dict[str, Any], clock: ManualClock
) -> None:
    bot = started(
        make_bot,
        org,
        [
            meeting("Gone one", "2026-11-23 12:10", ["5m", "2m"], channel="C0GONE"),
            meeting("Fine", "2026-11-23 12:10", ["2m"], channel="C0FINE"),
        ],
    )
    bot.fake.on(
        "chat.postMessage",
        lambda p: {"ok": False, "error": "channel_not_found"} if p.get("channel") == "C0GONE" else None,
    )
    run_until(bot, clock, datetime(2026, 11, 23, 12, 5, tzinfo=UTC))
    run_until(bot, clock, datetime(2026, 11, 23, 12, 8, tzinfo=UTC))
    assert outcome(bot, "mtg:gone-one:20261123T1210Z:5m") == "failed"
    assert outcome(bot, "mtg:gone-one:20261123T1210Z:2m") == "failed"
    assert keys(posts(bot.fake, "C0FINE")) == ["mtg:fine:20261123T1210Z:2m"]
    alerts = posts(bot.fake, ADMINS_CHANNEL)
    assert len(alerts) == 1
    assert "<#C0GONE>" in alerts[0]["text"] and "channel_not_found" in alerts[0]["text"]
    assert job_status(bot, "mtg:gone-one:20261123T1210Z:2m") == "done"  # not retried for ever


def test_a_reminder_due_while_down_is_sent_late_within_grace(
    make_bot: Callable[..., BotHarness], org: dict[str, Any], clock: ManualClock
) -> None:
    started(make_bot, org, [meeting("Branch call", "2026-11-23 14:00", ["1h"])])
    clock.set(datetime(2026, 11, 23, 13, 40, tzinfo=UTC))  # back 40 minutes after it was due
    bot = make_bot(org)
    bot.run_jobs()
    sent = posts(bot.fake, "C0BRANCH")
    assert len(sent) == 1
    assert sent[0]["text"].startswith("(Sent late) Reminder: Branch call starts in 20 minutes")
    assert "Sent late: the bot was offline when this reminder was due" in json.dumps(sent[0]["blocks"])
    assert outcome(bot, "mtg:branch-call:20261123T1400Z:1h") == "sent_late"


def test_after_downtime_only_the_latest_due_reminder_of_a_meeting_is_sent(
    make_bot: Callable[..., BotHarness], org: dict[str, Any], clock: ManualClock
) -> None:
    started(make_bot, org, [meeting("Branch call", "2026-11-23 14:00", ["1h", "30m"])])
    clock.set(datetime(2026, 11, 23, 13, 40, tzinfo=UTC))  # both the 13:00 and 13:30 reminders missed
    bot = make_bot(org)
    bot.run_jobs()
    sent = posts(bot.fake, "C0BRANCH")
    assert len(sent) == 1
    assert sent[0]["text"].startswith("(Sent late) Reminder: Branch call starts in 20 minutes")
    assert keys(sent) == ["mtg:branch-call:20261123T1400Z:30m"]
    assert outcome(bot, "mtg:branch-call:20261123T1400Z:30m") == "sent_late"
    assert outcome(bot, "mtg:branch-call:20261123T1400Z:1h") == "superseded"
    assert posts(bot.fake, ADMINS_CHANNEL) == []  # nothing was lost: no alert
    bot.run_jobs()
    assert len(posts(bot.fake, "C0BRANCH")) == 1


def test_a_reminder_due_too_long_ago_is_skipped_and_reported(
    make_bot: Callable[..., BotHarness], org: dict[str, Any], clock: ManualClock
) -> None:
    org["misfire_grace"] = "30m"
    bot = started(make_bot, org, [meeting("Branch call", "2026-11-23 16:00", ["3h", "1h"])])
    run_until(bot, clock, datetime(2026, 11, 23, 14, 0, 1, tzinfo=UTC))  # back an hour after the 3h one
    assert posts(bot.fake, "C0BRANCH") == []
    assert outcome(bot, "mtg:branch-call:20261123T1600Z:3h") == "skipped"
    alerts = posts(bot.fake, ADMINS_CHANNEL)
    alert = json.dumps(alerts[0]["blocks"]) if alerts else ""
    assert len(alerts) == 1 and "Not sent: the 3h reminder of *Branch call*" in alert
    assert "more than 30m ago" in alert
    run_until(bot, clock, datetime(2026, 11, 23, 15, 0, tzinfo=UTC))  # the 1h one is still sent
    assert keys(posts(bot.fake, "C0BRANCH")) == ["mtg:branch-call:20261123T1600Z:1h"]
    assert len(posts(bot.fake, ADMINS_CHANNEL)) == 1


def test_a_london_meeting_tells_north_america_it_moved_when_the_clocks_differ(
    make_bot: Callable[..., BotHarness], org: dict[str, Any], clock: ManualClock
) -> None:
    clock.set(datetime(2027, 3, 15, tzinfo=UTC))
    bot = started(make_bot, org, [meeting("Weekly call", "2027-03-06 10:00", ["1h"], rrule="FREQ=WEEKLY")])
    texts = {}
    for day, due in (
        (20, datetime(2027, 3, 20, 9, tzinfo=UTC)),
        (27, datetime(2027, 3, 27, 9, tzinfo=UTC)),
        (3, datetime(2027, 4, 3, 8, tzinfo=UTC)),
    ):
        run_until(bot, clock, due)
        bot.deps.jobs.startup()  # plan again, as the daily refresh would
        texts[day] = json.dumps(posts(bot.fake, "C0BRANCH")[-1]["blocks"])
    assert len(posts(bot.fake, "C0BRANCH")) == 3
    # Morocco moves its clocks after Ramadan, on 14 March 2027 too.
    assert "In the US and Canada and Morocco: one hour later for you this week." in texts[20]
    # The week after, North America is settled; Israel moved on Friday 26 March.
    assert "the US and Canada" not in texts[27]
    assert "In Israel: one hour later for you this week." in texts[27]
    assert "one hour earlier for you this week" in texts[3]
    assert "In the US and Canada" in texts[3] and "the UK and Europe" not in texts[3]


def test_the_weekly_digest_lists_the_weekends_meetings(
    make_bot: Callable[..., BotHarness], org: dict[str, Any], clock: ManualClock
) -> None:
    bot = started(
        make_bot,
        org,
        [
            meeting("Saturday AMM", "2026-11-28 14:00", [], channel="C0AMM", kind="amm"),
            meeting("Tuesday branch", "2026-12-01 19:00", [], channel="C0TUE"),
            # Sunday 18:00 in Los Angeles is Monday 02:00 in London: still this weekend.
            {
                **meeting("LA Sunday", "2026-11-29 18:00", [], channel="C0LA"),
                "timezone": "America/Los_Angeles",
            },
            # Monday 08:00 in Auckland is Sunday 19:00 in London: next week, not this weekend.
            {
                **meeting("Auckland Monday", "2026-11-30 08:00", [], channel="C0AKL"),
                "timezone": "Pacific/Auckland",
            },
        ],
    )
    run_until(bot, clock, datetime(2026, 11, 27, 9, 0, tzinfo=UTC))  # Friday 09:00 London
    digest = posts(bot.fake, "C0ANNOUNCE")
    assert len(digest) == 1
    blob = json.dumps(digest[0]["blocks"])
    assert "Meetings this weekend" in blob and "Saturday AMM" in blob and "<#C0AMM>" in blob
    assert "LA Sunday" in blob
    assert "Tuesday branch" not in blob and "Auckland Monday" not in blob
    run_until(bot, clock, datetime(2026, 11, 27, 9, 30, tzinfo=UTC))
    assert len(posts(bot.fake, "C0ANNOUNCE")) == 1


def test_the_secretary_is_reminded_to_circulate_the_agenda(
    make_bot: Callable[..., BotHarness], org: dict[str, Any], clock: ManualClock
) -> None:
    bot = started(make_bot, org, [meeting("GC", "2026-12-05 14:00", [], channel="C0GC", kind="gc")])
    run_until(bot, clock, datetime(2026, 11, 28, 14, 0, tzinfo=UTC))  # notice_days gc: 7
    assert bot.fake.calls_to("conversations.open")[0]["users"] == "U0SECRETARY"
    dm = posts(bot.fake, "D0SECRETARY")
    assert len(dm) == 1
    assert "circulate the notice and agenda for *GC*: it meets in 7 days" in json.dumps(dm[0]["blocks"])


def test_meetings_lists_times_as_date_tokens_and_escapes_names(
    make_bot: Callable[..., BotHarness], org: dict[str, Any]
) -> None:
    bot = started(
        make_bot,
        org,
        [
            meeting("Branch <!channel> @here call", "2026-12-05 10:00", ["1d"], key="branch"),
            {**meeting("Sydney branch", "2026-12-06 18:00", ["1d"]), "timezone": "Australia/Sydney"},
        ],
    )
    body = bot.answer("meetings")
    blob = json.dumps(body["blocks"])
    assert "<!channel>" not in blob and "&lt;!channel&gt;" in blob and "@\\u2060here" in blob
    assert "<!date^1796464800^{date_long_pretty} at {time}|Saturday 5 December 2026, 10:00 GMT>" in blob
    assert "Sunday 6 December 2026, 18:00 AEDT (Australia/Sydney)" in blob
    assert blob.index("branch") < blob.index("Sydney branch")


def test_an_admin_adds_a_meeting_with_the_modal_and_errors_show_on_the_fields(
    make_bot: Callable[..., BotHarness], org: dict[str, Any], clock: ManualClock
) -> None:
    bot = started(make_bot, org, [])
    assert bot.command("meeting add", user=ADMIN, channel="C0NEW").status == 200
    view = bot.fake.wait_for("views.open")[0]["view"]
    good = {
        views.BLOCK_NAME: "France branch",
        views.BLOCK_CHANNEL: "C0FR",
        views.BLOCK_START: "2026-12-05 18:00",
        views.BLOCK_TIMEZONE: "Europe/Paris",
        views.BLOCK_REMINDERS: "1d, 1h",
        views.BLOCK_KIND: "branch",
    }
    cases = [
        ({views.BLOCK_START: "2027-03-28 02:30"}, views.BLOCK_START, "does not exist in Europe/Paris"),
        ({views.BLOCK_START: "2026-10-25 02:30"}, views.BLOCK_START, "happens twice"),
        ({views.BLOCK_START: "2026-02-30 18:00"}, views.BLOCK_START, "February 2026 has 28 days"),
        ({views.BLOCK_TIMEZONE: "Europe/Pariss"}, views.BLOCK_TIMEZONE, "Did you mean Europe/Paris?"),
        ({views.BLOCK_RRULE: "FREQ=HOURLY"}, views.BLOCK_RRULE, "too frequent"),
        ({views.BLOCK_REMINDERS: "1d, soon"}, views.BLOCK_REMINDERS, "'soon' is not a duration"),
        ({views.BLOCK_VIDEO_URL: "javascript:alert(1)"}, views.BLOCK_VIDEO_URL, "https://"),
    ]
    for change, block, words in cases:
        response = bot.submit_view(ADMIN, view, {**good, **change}).json()
        assert response["response_action"] == "errors", change
        assert words in response["errors"][block], response
    assert bot.submit_view(ADMIN, view, good).status == 200
    again = bot.submit_view(ADMIN, view, good).json()
    assert "already a meeting" in again["errors"][views.BLOCK_NAME]
    bot.run_jobs()
    notice = posts(bot.fake, "C0FR")
    assert len(notice) == 1 and "New meeting: *France branch*" in json.dumps(notice[0]["blocks"])
    with bot.deps.session_factory() as session:
        assert session.scalars(
            select(ScheduledJob.key).where(ScheduledJob.key.startswith("mtg:france-branch:"))
        ).all()
    run_until(bot, clock, datetime(2026, 12, 4, 17, 0, tzinfo=UTC))  # 1d before 18:00 Paris (17:00 UTC)
    assert keys(posts(bot.fake, "C0FR"))[-1] == "mtg:france-branch:20261205T1700Z:1d"


def test_only_admins_manage_meetings(make_bot: Callable[..., BotHarness], org: dict[str, Any]) -> None:
    bot = started(make_bot, org, [])
    assert "Only LIEC admins" in bot.command("meeting add", user="U0MEMBER").json()["text"]
    assert (
        "Only LIEC admins" in bot.command("meeting cancel liec-meeting all", user="U0MEMBER").json()["text"]
    )
    assert bot.fake.calls_to("views.open") == []


def test_cancel_and_move_withdraw_reminders_and_post_notices(
    make_bot: Callable[..., BotHarness], org: dict[str, Any], clock: ManualClock
) -> None:
    org_meetings = org["meetings"]  # the example: LIEC on the 2nd Saturday, GC on the 4th
    clock.set(datetime(2026, 12, 20, tzinfo=UTC))
    bot = started(make_bot, org, org_meetings)
    assert job_status(bot, "mtg:liec-meeting:20270109T1000Z:1d") == "pending"
    usage = bot.command("meeting cancel liec-meeting", user=ADMIN).json()["text"]
    assert "say which date" in usage
    # The example is the meeting's own next date (2nd Saturday of January), not a fixed one.
    assert "`/liec meeting cancel liec-meeting 2027-01-09` for the next one" in usage
    reply = bot.command("meeting cancel liec-meeting 2027-01-09", user=ADMIN).json()
    assert "is cancelled" in json.dumps(reply["blocks"])
    assert job_status(bot, "mtg:liec-meeting:20270109T1000Z:1d") == "cancelled"
    reply = bot.command("meeting move general-committee 2027-01-23 to 2027-01-30 15:00", user=ADMIN).json()
    assert "moves from" in json.dumps(reply["blocks"])
    assert job_status(bot, "mtg:general-committee:20270123T1400Z:1h") == "cancelled"
    assert job_status(bot, "mtg:general-committee:20270130T1500Z:1h") == "pending"
    bot.run_jobs()
    liec = json.dumps(posts(bot.fake, "C0LIEC"))
    gc = json.dumps(posts(bot.fake, "C0GC"))
    assert "is *cancelled*" in liec and "Saturday 9 January 2027, 10:00 GMT" in liec
    assert "has *moved*" in gc and "Saturday 30 January 2027, 15:00 GMT" in gc
    bot.run_jobs()
    assert len(posts(bot.fake, "C0LIEC")) == 1 and len(posts(bot.fake, "C0GC")) == 1
    # errors are answered, not raised
    for text, words in [
        ("meeting move general-committee 2027-03-28 01:30", "does not exist"),
        ("meeting cancel nosuch", "no meeting `nosuch`"),
        ("meeting cancel general-comittee all", "Did you mean `general-committee`"),
        ("meeting cancel general-committee 2027-01-24", "has no meeting on 2027-01-24"),
        ("meeting frobnicate", "I don't know"),
    ]:
        assert words in bot.command(text, user=ADMIN).json()["text"], text


def test_the_meetings_list_shows_a_cancelled_or_moved_date_at_once(
    make_bot: Callable[..., BotHarness], org: dict[str, Any], clock: ManualClock
) -> None:
    # The list is kept per process under the meetings' data version: a change shows next time.
    clock.set(datetime(2026, 12, 20, tzinfo=UTC))
    bot = started(make_bot, org, org["meetings"])

    def listed() -> str:
        return json.dumps(bot.answer("meetings")["blocks"])

    before = listed()
    assert "Saturday 9 January 2027, 10:00 GMT" in before
    assert "Saturday 23 January 2027, 14:00 GMT" in before
    assert listed() == before  # kept, and the same
    bot.command("meeting cancel liec-meeting 2027-01-09", user=ADMIN)
    assert "Saturday 9 January 2027, 10:00 GMT" not in listed()
    bot.command("meeting move general-committee 2027-01-23 to 2027-01-30 15:00", user=ADMIN)
    after = listed()
    assert "Saturday 23 January 2027, 14:00 GMT" not in after
    assert "Saturday 30 January 2027, 15:00 GMT" in after
    bot.command("meeting cancel general-committee all", user=ADMIN)
    assert "general-committee" not in listed()
