"""Calendars and apologies end to end: the real app over signed HTTP, files and DMs through the
fake Slack Web API, every .ics read back by a second reader (icalendar + recurring-ical-events)."""

from __future__ import annotations

import io
import json
import urllib.parse
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.clock import ManualClock
from bot.fake_slack import FakeSlack
from bot.services.meeting_occurrences import effective_occurrences
from bot.services.meeting_queries import get_meeting
from bot.slack_requests import block_actions_payload
from bot.views import calendar as views
from bot.views.member_data import FORGET_MODAL
from models.foundation import ScheduledJob
from tests.e2e.harness import BotHarness
from tests.e2e.test_log_privacy_e2e import log_output  # noqa: F401 - a fixture, used by name
from tests.ical_reader import events, expand, method, read

ADMIN = "U0SECRETARY"  # the Secretary, and an admin, in the example organisation file
MEMBER = "U0MEMBER"
OTHER = "U0OTHER"
CHANNEL = "C0BRANCH"
ADMINS = "C0LIECADMIN"  # the admins' channel in the example organisation file
START = datetime(2026, 11, 24, 12, 30, tzinfo=UTC)  # 12:30 GMT, Tuesday
FIRST_REMINDER = START - timedelta(days=1)
LAST_REMINDER = START - timedelta(hours=1)
MOVED = datetime(2026, 11, 25, 18, 0, tzinfo=UTC)


@pytest.fixture
def bot(make_bot: Callable[..., BotHarness], org: dict[str, Any], fake_slack: FakeSlack) -> BotHarness:
    org["meetings"] = [
        {
            "name": "Branch call",
            "channel": CHANNEL,
            "start": "2026-11-24 12:30",
            "timezone": "Europe/London",
            "rrule": "FREQ=WEEKLY",
            "reminders": ["1d", "1h"],
            "video_url": "https://example.org/branch-call",
        }
    ]
    fake_slack.on(
        "conversations.info",
        lambda params: {"ok": True, "channel": {"id": params.get("channel"), "name": "branch-calls"}},
    )
    harness = make_bot(org)
    harness.deps.jobs.startup()
    return harness


def at(bot: BotHarness, clock: ManualClock, moment: datetime) -> None:
    clock.set(moment)
    while bot.run_jobs():  # jobs a job scheduled (updates, the Secretary's list) run too
        pass


def reminder(fake: FakeSlack, lead_text: str) -> dict[str, Any]:
    posted = [
        c for c in fake.calls_to("chat.postMessage") if c.get("channel") == CHANNEL and lead_text in c["text"]
    ]
    assert posted, [c.get("text") for c in fake.calls_to("chat.postMessage")]
    return posted[-1]


def button(message: dict[str, Any], action_id: str) -> str:
    for block in message["blocks"]:
        for element in block.get("elements", []) if block["type"] == "actions" else []:
            if element.get("action_id") == action_id:
                return str(element["value"])
    for block in message["blocks"]:
        accessory = block.get("accessory") or {}
        if accessory.get("action_id") == action_id:
            return str(accessory["value"])
    raise AssertionError(f"no {action_id} button in {json.dumps(message['blocks'])[:500]}")


def files_to(fake: FakeSlack, user: str) -> list[bytes]:
    """Every file uploaded into the member's DM, in order."""
    dm = "D" + user[1:]
    found = []
    for call in fake.calls_to("files.completeUploadExternal"):
        if call.get("channel_id") == dm:
            found += [fake.uploads[f["id"]] for f in call["files"]]
    return found


def wait_files(fake: FakeSlack, user: str, count: int) -> list[bytes]:
    for _ in range(100):
        found = files_to(fake, user)
        if len(found) >= count:
            return found
        fake.wait_for("files.completeUploadExternal", len(fake.calls_to("files.completeUploadExternal")) + 1)
    raise AssertionError(f"{user} got {len(files_to(fake, user))} file(s), wanted {count}")


def alerts(fake: FakeSlack, about: str) -> list[str]:
    """The admins' alerts (their channel) that mention `about`."""
    return [
        c["text"]
        for c in fake.calls_to("chat.postMessage")
        if c.get("channel") == ADMINS and about in c["text"]
    ]


def wait_alerts(fake: FakeSlack, about: str, count: int) -> list[str]:
    for _ in range(100):
        if len(found := alerts(fake, about)) >= count:
            return found
        fake.wait_for("chat.postMessage", len(fake.calls_to("chat.postMessage")) + 1)
    raise AssertionError(f"{len(alerts(fake, about))} alert(s) about {about!r}, wanted {count}")


def bots_own(bot: BotHarness, after: datetime, until: datetime) -> list[datetime]:
    with bot.deps.session_factory() as session:
        meeting = get_meeting(session, "branch-call")
        assert meeting is not None
        return [item.start for item in effective_occurrences(meeting, after, until)]


def ephemerals(fake: FakeSlack) -> list[str]:
    return [json.dumps(c) for c in fake.calls_to("response_url")]


def test_add_to_calendar_on_a_reminder_then_a_move_and_a_cancellation_follow_the_member(
    bot: BotHarness, clock: ManualClock, fake_slack: FakeSlack
) -> None:
    at(bot, clock, FIRST_REMINDER)
    posted = reminder(fake_slack, "starts in 1 day")

    # One occurrence: a DM with an .ics the second reader expands to the bot's own instant.
    assert bot.click(MEMBER, views.ADD_ONE, button(posted, views.ADD_ONE)).status == 200
    [one] = wait_files(fake_slack, MEMBER, 1)
    window = (clock.now(), clock.now() + timedelta(days=200))
    assert expand(one, *window) == [START] == bots_own(bot, START - timedelta(seconds=1), START)
    [event] = events(one)
    assert (event.uid, event.sequence) == ("meeting-branch-call-20261124T1230Z@liec-bot", 0)
    entry = read(one).walk("VEVENT")[0]
    assert str(entry["SUMMARY"]) == "Branch call"
    assert "#branch-calls" in str(entry["DESCRIPTION"])
    assert "https://example.org/branch-call" in str(entry["DESCRIPTION"])
    fake_slack.wait_for("response_url")
    assert "for your calendar, in a DM" in ephemerals(fake_slack)[-1]

    # The whole series: every date the bot will remind about, across the March clock change.
    assert bot.click(MEMBER, views.ADD_SERIES, button(posted, views.ADD_SERIES)).status == 200
    series = wait_files(fake_slack, MEMBER, 2)[1]
    assert expand(series, *window) == bots_own(bot, *window)
    assert len({moment.hour for moment in expand(series, *window)}) == 2  # 12:30 GMT, then 11:30 UTC
    assert "RRULE:FREQ=WEEKLY" in series.decode() and "BEGIN:VTIMEZONE" in series.decode()

    # The admin moves that date: the member gets the same UID with a higher SEQUENCE, and the series.
    moved = bot.command("meeting move branch-call 2026-11-24 to 2026-11-25 18:00", user=ADMIN).json()
    assert "moves" in moved["text"]
    at(bot, clock, clock.now())
    update, series_update = wait_files(fake_slack, MEMBER, 4)[2:]
    [event] = events(update)
    assert (event.uid, event.sequence, event.start) == (
        "meeting-branch-call-20261124T1230Z@liec-bot",
        1,
        MOVED,
    )
    assert expand(update, *window) == [MOVED]
    assert events(series_update)[0].sequence == 1
    assert expand(series_update, *window) == bots_own(bot, *window)
    assert MOVED in expand(series_update, *window) and START not in expand(series_update, *window)

    # Cancelling the moved date cancels it in both.
    bot.command("meeting cancel branch-call 2026-11-25", user=ADMIN)
    at(bot, clock, clock.now())
    cancelled = wait_files(fake_slack, MEMBER, 6)[4:]
    assert {method(f) for f in cancelled} == {"CANCEL"}
    assert sorted((e.uid, e.sequence) for f in cancelled for e in events(f)) == [
        ("meeting-branch-call-20261124T1230Z@liec-bot", 2),
        ("meeting-branch-call@liec-bot", 2),
    ]
    dms = [
        c for c in fake_slack.calls_to("files.completeUploadExternal") if c.get("channel_id") == "D0MEMBER"
    ]
    assert "cancelled" in dms[-1]["initial_comment"]


def test_meetings_list_and_home_tab_have_add_to_calendar(
    bot: BotHarness, clock: ManualClock, fake_slack: FakeSlack
) -> None:
    listed = bot.answer("meetings", user=OTHER)
    bot.click(OTHER, views.ADD_ONE, button(listed, views.ADD_ONE))
    [one] = wait_files(fake_slack, OTHER, 1)
    assert expand(one, clock.now(), clock.now() + timedelta(days=30)) == [START]

    bot.event({"type": "app_home_opened", "user": OTHER, "tab": "home"})
    home = fake_slack.wait_for("views.publish")[-1]["view"]
    value = button(home, views.ADD_SERIES)
    # A Home tab button has no response_url: the DM is the answer.
    bot.interaction(block_actions_payload(OTHER, views.ADD_SERIES, value, response_url=""))
    series = wait_files(fake_slack, OTHER, 2)[1]
    window = (clock.now(), clock.now() + timedelta(days=120))
    assert expand(series, *window) == bots_own(bot, *window)


def test_send_apologies_with_a_reason_reaches_the_secretary_at_the_last_reminder(
    bot: BotHarness, clock: ManualClock, fake_slack: FakeSlack
) -> None:
    at(bot, clock, FIRST_REMINDER)
    posted = reminder(fake_slack, "starts in 1 day")
    assert not [c for c in fake_slack.calls_to("chat.postMessage") if c.get("channel") == ADMIN]

    bot.click(MEMBER, views.SEND_APOLOGIES, button(posted, views.SEND_APOLOGIES))
    modal = fake_slack.wait_for("views.open")[-1]["view"]
    answer = bot.submit_view(MEMBER, modal, {views.BLOCK_REASON: "Travelling <@U0CHAIR> for work"}).json()
    assert answer["response_action"] == "update"
    assert "Your apologies for *Branch call*" in json.dumps(answer["view"])

    bot.click(OTHER, views.GOING, button(posted, views.GOING))
    fake_slack.wait_for("response_url")
    assert "You are down as going" in ephemerals(fake_slack)[-1]

    # A member who is neither the Secretary nor an admin cannot see the list.
    refused = bot.command("meeting apologies branch-call", user=OTHER).json()
    assert "Only the Secretary" in refused["text"]
    assert "Travelling" not in json.dumps(refused) and MEMBER not in json.dumps(refused)

    # The Secretary can ask at any time.
    asked = json.dumps(bot.command("meeting apologies branch-call 2026-11-24", user=ADMIN).json())
    assert "<@U0MEMBER>: Travelling &lt;@U0CHAIR&gt; for work" in asked
    assert "1 person said they are going" in asked

    # At the last reminder the Secretary gets the list by DM.
    at(bot, clock, LAST_REMINDER)
    reminder(fake_slack, "starts in 1 hour")
    to_secretary = [c for c in fake_slack.calls_to("chat.postMessage") if c.get("channel") == ADMIN]
    assert len(to_secretary) == 1
    sent = json.dumps(to_secretary[0]["blocks"])
    assert "<@U0MEMBER>: Travelling &lt;@U0CHAIR&gt; for work" in sent
    assert "1 person said they are going" in sent
    assert OTHER not in sent  # who is going is only a count

    # The member can change their answer until the meeting starts, not after.
    bot.click(MEMBER, views.GOING, button(posted, views.GOING))
    fake_slack.wait_for("response_url", 2)
    assert "You are down as going" in ephemerals(fake_slack)[-1]
    clock.set(START)
    before = len(fake_slack.calls_to("response_url"))
    bot.click(MEMBER, views.GOING, button(posted, views.GOING))
    fake_slack.wait_for("response_url", before + 1)
    assert "has started: answers are closed" in ephemerals(fake_slack)[-1]


def test_every_apologies_modal_error_is_on_the_reason_field(
    bot: BotHarness, clock: ManualClock, fake_slack: FakeSlack
) -> None:
    at(bot, clock, FIRST_REMINDER)
    posted = reminder(fake_slack, "starts in 1 day")
    bot.click(MEMBER, views.SEND_APOLOGIES, button(posted, views.SEND_APOLOGIES))
    modal = fake_slack.wait_for("views.open")[-1]["view"]
    too_long = bot.submit_view(MEMBER, modal, {views.BLOCK_REASON: "x" * 250}).json()
    assert too_long["response_action"] == "errors"
    assert "200 characters" in too_long["errors"][views.BLOCK_REASON]
    clock.set(START + timedelta(minutes=1))
    late = bot.submit_view(MEMBER, modal, {views.BLOCK_REASON: "Sorry"}).json()
    assert late == {
        "response_action": "errors",
        "errors": {views.BLOCK_REASON: "Branch call has started: answers are closed"},
    }
    stale = {**modal, "private_metadata": "branch-call|o20261124T1300Z"}
    wrong = bot.submit_view(MEMBER, stale, {views.BLOCK_REASON: "Sorry"}).json()
    assert "moved or cancelled" in wrong["errors"][views.BLOCK_REASON]
    # A form Slack would not open (an expired trigger) is answered too.
    clock.set(FIRST_REMINDER)
    fake_slack.fail_next("views.open", status=200, error="expired_trigger_id")
    before = len(fake_slack.calls_to("response_url"))
    bot.click(MEMBER, views.SEND_APOLOGIES, button(posted, views.SEND_APOLOGIES))
    fake_slack.wait_for("response_url", before + 1)
    assert "did not open the form in time" in ephemerals(fake_slack)[-1]
    # Send apologies after the start answers the member too, instead of opening the form.
    clock.set(START + timedelta(minutes=1))
    before = len(fake_slack.calls_to("response_url"))
    bot.click(MEMBER, views.SEND_APOLOGIES, button(posted, views.SEND_APOLOGIES))
    fake_slack.wait_for("response_url", before + 1)
    assert "has started" in ephemerals(fake_slack)[-1]


def test_a_calendar_file_that_cannot_be_sent_is_answered_not_silent(
    bot: BotHarness, clock: ManualClock, fake_slack: FakeSlack
) -> None:
    listed = bot.answer("meetings", user=OTHER)
    before = len(fake_slack.calls_to("response_url"))
    fake_slack.fail_next("files.getUploadURLExternal", status=200, error="not_allowed", times=2)
    bot.click(OTHER, views.ADD_ONE, button(listed, views.ADD_ONE))
    fake_slack.wait_for("response_url", before + 1)
    assert "could not send you the calendar file" in ephemerals(fake_slack)[-1]
    # The admins hear of the refusal once (bot/deliver.py), naming no one; a repeat is counted.
    [alert] = wait_alerts(fake_slack, "a calendar file", 1)
    assert "not_allowed" in alert and OTHER not in alert and "at most once a week" in alert
    bot.click(OTHER, views.ADD_ONE, button(listed, views.ADD_ONE))
    # Counted from `before`: the list itself came through the response_url too.
    fake_slack.wait_for("response_url", before + 2)
    assert len(alerts(fake_slack, "a calendar file")) == 1
    # A meeting that has gone since the list was shown: the button says so.
    bot.command("meeting cancel branch-call all", user=ADMIN)
    bot.click(OTHER, views.ADD_ONE, button(listed, views.ADD_ONE))
    fake_slack.wait_for("response_url", before + 3)
    assert "no longer on the calendar" in ephemerals(fake_slack)[-1]


def test_refused_calendar_updates_and_lists_are_reported_to_the_admins_once(
    bot: BotHarness, clock: ManualClock, fake_slack: FakeSlack
) -> None:
    at(bot, clock, FIRST_REMINDER)
    posted = reminder(fake_slack, "starts in 1 day")
    bot.click(MEMBER, views.ADD_ONE, button(posted, views.ADD_ONE))
    wait_files(fake_slack, MEMBER, 1)
    bot.click(MEMBER, views.SEND_APOLOGIES, button(posted, views.SEND_APOLOGIES))
    modal = fake_slack.wait_for("views.open")[-1]["view"]
    bot.submit_view(MEMBER, modal, {views.BLOCK_REASON: "Travelling"})
    # The member has turned off messages from apps since; the Secretary's account is disabled.
    fake_slack.fail_next("files.getUploadURLExternal", status=200, error="not_allowed")
    fake_slack.on(
        "chat.postMessage",
        lambda p: {"ok": False, "error": "user_disabled"} if p.get("channel") == ADMIN else None,
    )
    bot.command("meeting move branch-call 2026-11-24 to 2026-11-24 13:30", user=ADMIN)
    at(bot, clock, clock.now())
    [update] = wait_alerts(fake_slack, "a calendar update", 1)
    assert "not_allowed" in update and MEMBER not in update
    at(bot, clock, LAST_REMINDER + timedelta(hours=1))
    [listed] = wait_alerts(fake_slack, "the Secretary's list of apologies", 1)
    assert "user_disabled" in listed and ADMIN not in listed and "Travelling" not in listed
    with bot.deps.session_factory() as session:
        statuses = session.scalars(
            select(ScheduledJob.status).where(
                ScheduledJob.kind.in_(["calendar_send", "meeting_apologies_list"])
            )
        ).all()
    assert set(statuses) == {"done"}  # reported, not retried for ever


def test_a_home_tab_answer_the_member_cannot_be_sent_is_reported(
    bot: BotHarness, clock: ManualClock, fake_slack: FakeSlack
) -> None:
    bot.event({"type": "app_home_opened", "user": OTHER, "tab": "home"})
    value = button(fake_slack.wait_for("views.publish")[-1]["view"], views.ADD_SERIES)
    fake_slack.fail_next("files.getUploadURLExternal", status=200, error="not_allowed")
    fake_slack.on(
        "chat.postMessage",
        lambda p: {"ok": False, "error": "cannot_dm_bot"} if p.get("channel") == OTHER else None,
    )
    # A Home tab button has no response_url: the file, then the answer, go by DM; both refused.
    bot.interaction(block_actions_payload(OTHER, views.ADD_SERIES, value, response_url=""))
    [answer] = wait_alerts(fake_slack, "an answer to a member's button", 1)
    assert "cannot_dm_bot" in answer and OTHER not in answer
    assert len(alerts(fake_slack, "a calendar file")) == 1


def test_answers_are_in_my_data_and_forget_me_erases_them(
    bot: BotHarness, clock: ManualClock, fake_slack: FakeSlack
) -> None:
    at(bot, clock, FIRST_REMINDER)
    posted = reminder(fake_slack, "starts in 1 day")
    bot.click(MEMBER, views.SEND_APOLOGIES, button(posted, views.SEND_APOLOGIES))
    modal = fake_slack.wait_for("views.open")[-1]["view"]
    bot.submit_view(MEMBER, modal, {views.BLOCK_REASON: "Dentist"})
    bot.command("my-data", user=MEMBER)
    fake_slack.wait_for("files.completeUploadExternal")
    exported = [json.loads(raw) for raw in fake_slack.uploads.values() if raw.startswith(b"{")]
    assert exported[0]["meeting_answers"]["your_answers"][0]["reason"] == "Dentist"
    before = len(fake_slack.calls_to("chat.postMessage"))
    bot.submit_view(MEMBER, {"type": "modal", "callback_id": FORGET_MODAL, "blocks": []}, {})
    done = fake_slack.wait_for("chat.postMessage", before + 1)[-1]
    assert done["channel"] == MEMBER
    asked = json.dumps(bot.command("meeting apologies branch-call", user=ADMIN).json())
    assert "Dentist" not in asked and "No apologies so far" in asked


def test_the_daily_purge_is_planned_at_start_and_keeps_itself_going(
    bot: BotHarness, clock: ManualClock, fake_slack: FakeSlack
) -> None:
    def purges() -> list[tuple[str, str]]:
        with bot.deps.session_factory() as session:
            rows = session.scalars(
                select(ScheduledJob)
                .where(ScheduledJob.kind == "meeting_data_purge")
                .order_by(ScheduledJob.key)
            ).all()
            return [(row.key, row.status) for row in rows]

    assert purges() == [
        ("meeting-data-purge:2026-11-24", "pending"),
        ("meeting-data-purge:2026-11-25", "pending"),
    ]
    at(bot, clock, datetime(2026, 11, 24, 3, 20, tzinfo=UTC))
    assert purges() == [
        ("meeting-data-purge:2026-11-24", "done"),
        ("meeting-data-purge:2026-11-25", "pending"),
        ("meeting-data-purge:2026-11-26", "pending"),
    ]


def test_an_apology_reason_never_reaches_the_log(
    bot: BotHarness,
    clock: ManualClock,
    fake_slack: FakeSlack,
    log_output: io.StringIO,  # noqa: F811 - the fixture imported above
) -> None:
    reason = "Quendolyn marmalade appointment"
    at(bot, clock, FIRST_REMINDER)
    posted = reminder(fake_slack, "starts in 1 day")
    bot.click(MEMBER, views.SEND_APOLOGIES, button(posted, views.SEND_APOLOGIES))
    modal = fake_slack.wait_for("views.open")[-1]["view"]
    assert bot.submit_view(MEMBER, modal, {views.BLOCK_REASON: reason}).json()["response_action"] == "update"
    wrong = bot.submit_view(MEMBER, modal, {views.BLOCK_REASON: reason * 10}).json()
    assert wrong["response_action"] == "errors"
    bot.command("meeting apologies branch-call", user=ADMIN)
    at(bot, clock, LAST_REMINDER)
    assert reason in json.dumps([c for c in fake_slack.calls_to("chat.postMessage") if c["channel"] == ADMIN])
    logged = log_output.getvalue()
    assert logged, "nothing was logged: the test would prove nothing"
    for form in (reason, "Quendolyn", "marmalade", urllib.parse.quote_plus(reason)):
        assert form not in logged
