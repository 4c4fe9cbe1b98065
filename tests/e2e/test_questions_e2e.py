"""Regional questions end to end: signed slash commands, clicks and modal submissions in,
Web API calls out to the fake Slack, whose users.info gives the time zone under test."""

from __future__ import annotations

import copy
import json
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.clock import ManualClock
from bot.fake_slack import FakeSlack
from bot.views import questions as views
from models.alerts import AdminAlert
from tests.e2e.harness import BotHarness, keep_failed_posts_in_history

MEMBER = "U0MEMBER"
AMERICAS, ASIAPAC, EAME = "U0RCAMERICAS", "U0RCASIAPAC", "U0RCEAME"
VC = "U0VCMEMBER"
ADMINS_CHANNEL = "C0LIECADMIN"


@pytest.fixture(autouse=True)
def officers(fake_slack: FakeSlack) -> None:
    fake_slack.users.update(
        {
            AMERICAS: {"tz": "America/New_York"},
            ASIAPAC: {"tz": "Australia/Sydney"},
            EAME: {"tz": "Europe/London"},
            VC: {"tz": "Europe/Madrid"},
            "U0CHAIR": {"tz": "Europe/Berlin"},
        }
    )


def _blob(params: dict[str, Any]) -> str:
    return params.get("text", "") + json.dumps(params.get("blocks") or [])


def posts_to(fake: FakeSlack, channel: str) -> list[dict[str, Any]]:
    return [p for p in fake.calls_to("chat.postMessage") if p.get("channel") == channel]


def wait_posts(fake: FakeSlack, channel: str, count: int = 1, timeout: float = 5) -> list[dict[str, Any]]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = posts_to(fake, channel)
        if len(found) >= count:
            return found
        time.sleep(0.02)
    seen = [p.get("channel") for p in fake.calls_to("chat.postMessage")]
    raise AssertionError(f"expected {count} post(s) to {channel}; posts went to {seen}")


def wait_updates(fake: FakeSlack, count: int) -> list[dict[str, Any]]:
    return fake.wait_for("chat.update", count)


def button_values(params: dict[str, Any]) -> dict[str, str]:
    return {
        e["action_id"]: e.get("value", "")
        for b in params.get("blocks") or []
        if b["type"] == "actions"
        for e in b["elements"]
    }


def ask(bot: BotHarness, text: str, user: str = MEMBER) -> dict[str, Any]:
    """Ask, and return the reply the asker gets through the response_url."""
    before = len(bot.fake.calls_to("response_url"))
    response = bot.command(f"ask {text}", user=user)
    assert response.status == 200
    return bot.fake.wait_for("response_url", before + 1)[-1]


def ask_and_send(bot: BotHarness, text: str, user: str = MEMBER) -> dict[str, Any]:
    """Ask for a region whose questions go to a channel: the member is shown where it goes and
    presses Send; return what they are told once it is delivered."""
    held = ask(bot, text, user)
    assert "posted in <#" in _blob(held)
    before = len(bot.fake.calls_to("response_url"))
    assert bot.click(user, views.ASK_SEND, button_values(held)[views.ASK_SEND]).status == 200
    told = bot.fake.wait_for("response_url", before + 2)[before:]
    assert told[0].get("replace_original") in (True, "true")  # the buttons go
    return told[-1]


# Routing by time zone -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tz", "coordinator", "expected"),
    [
        # 12:00 UTC on Monday 23 November 2026.
        (
            "Asia/Dubai",
            EAME,
            "(the coordinator for Europe, Africa and the Middle East) has your question; "
            "it is 12:00 in London for them, within their working hours",
        ),
        (
            "Asia/Calcutta",
            ASIAPAC,
            "(the coordinator for Asia, Australasia and Pacific) has your question; it is 23:00 in "
            "Sydney for them, expect a reply after 08:00 their time tomorrow",
        ),
        (
            "America/Sao_Paulo",
            AMERICAS,
            "(the coordinator for The Americas) has your question; it is 07:00 "
            "in New York for them, expect a reply after 08:00 their time",
        ),
        ("Pacific/Auckland", ASIAPAC, "it is 23:00 in Sydney"),
        ("Asia/Istanbul", EAME, "it is 12:00 in London"),
    ],
)
def test_a_question_reaches_the_coordinator_of_the_members_time_zone(
    bot: BotHarness, fake_slack: FakeSlack, tz: str, coordinator: str, expected: str
) -> None:
    fake_slack.users[MEMBER]["tz"] = tz
    reply = ask(bot, "When is our next branch meeting?")
    assert reply["text"].startswith(f"<@{coordinator}> (the coordinator for ")
    assert expected in reply["text"]
    (message,) = wait_posts(fake_slack, coordinator)
    blob = _blob(message)
    assert "When is our next branch meeting?" in blob
    assert f"<@{MEMBER}>" in blob  # who asked
    assert "their time in" in blob  # the asker's local time
    assert set(button_values(message)) == {views.CLAIM, views.ANSWERED, views.REROUTE}
    others = {AMERICAS, ASIAPAC, EAME} - {coordinator}
    assert all(posts_to(fake_slack, other) == [] for other in others)


def test_mentions_broadcasts_and_markup_are_delivered_escaped(bot: BotHarness, fake_slack: FakeSlack) -> None:
    typed = "<!channel> @here <@U0SECRETARY> <https://evil.example|click> & *bold*"
    ask(bot, typed)
    (message,) = wait_posts(fake_slack, EAME)
    blob = json.dumps(message["blocks"])
    assert "<!channel>" not in blob and "<@U0SECRETARY>" not in blob and "<https://" not in blob
    assert "&lt;!channel&gt;" in blob and "&lt;@U0SECRETARY&gt;" in blob and "&amp;" in blob
    assert "@here" not in blob  # broken by a word joiner so it cannot notify
    assert "channel" not in message["text"]  # the notification text never carries the question


def test_a_ten_thousand_character_question_is_refused_with_the_reason(
    bot: BotHarness, fake_slack: FakeSlack
) -> None:
    body = bot.command("ask " + "x" * 10_000).json()
    assert "10,000 characters" in _blob(body)
    bot.settle()
    assert fake_slack.calls_to("chat.postMessage") == []


# Job share and the buttons -------------------------------------------------------------------


def test_a_job_share_reaches_both_and_the_first_to_take_it_owns_it(
    make_bot: Callable[..., BotHarness], org: dict[str, Any], fake_slack: FakeSlack
) -> None:
    org["regions"]["asia-pacific"]["coordinator"] = [ASIAPAC, "U0RCASIA2"]
    fake_slack.users["U0RCASIA2"] = {"tz": "Asia/Singapore"}  # 20:00: within working hours
    fake_slack.users[MEMBER]["tz"] = "Asia/Tokyo"
    bot = make_bot(org)
    reply = ask(bot, "Who runs the Tokyo group?")
    assert (
        f"<@{ASIAPAC}> and <@U0RCASIA2> (the coordinators for Asia, Australasia and Pacific, a job share)"
        in reply["text"]
    )
    assert "<@U0RCASIA2> is in working hours now" in reply["text"]
    first, second = wait_posts(fake_slack, ASIAPAC)[0], wait_posts(fake_slack, "U0RCASIA2")[0]
    question_id = button_values(first)[views.CLAIM]
    assert button_values(second)[views.CLAIM] == question_id

    bot.click("U0RCASIA2", views.CLAIM, question_id)
    updates = wait_updates(fake_slack, 2)  # both messages now say who has it
    assert all("Taken by <@U0RCASIA2>" in _blob(u) for u in updates)
    assert all(views.CLAIM not in button_values(u) for u in updates)
    told = wait_posts(fake_slack, MEMBER)[0]
    assert "<@U0RCASIA2> has taken your question" in told["text"]

    bot.click(ASIAPAC, views.CLAIM, question_id)  # too late
    late = fake_slack.wait_for("response_url", 2)[-1]
    assert "Too late: <@U0RCASIA2> has it already" in late["text"]
    bot.settle()
    assert len(fake_slack.calls_to("chat.update")) == 2  # nothing changed hands


def test_someone_else_cannot_take_a_question(bot: BotHarness, fake_slack: FakeSlack) -> None:
    ask(bot, "Hello?")
    question_id = button_values(wait_posts(fake_slack, EAME)[0])[views.CLAIM]
    bot.click("U0SOMEONE", views.CLAIM, question_id)
    refusal = fake_slack.wait_for("response_url", 2)[-1]
    assert "Only this region's coordinators" in refusal["text"]
    bot.click(AMERICAS, views.CLAIM, question_id)  # another region's coordinator
    assert "Only this region's coordinators" in fake_slack.wait_for("response_url", 3)[-1]["text"]
    bot.settle()
    assert fake_slack.calls_to("chat.update") == []


def test_answered_settles_the_question_and_tells_the_asker(
    bot: BotHarness, fake_slack: FakeSlack, clock: ManualClock
) -> None:
    ask(bot, "Can I vote at the AGM?")
    question_id = button_values(wait_posts(fake_slack, EAME)[0])[views.ANSWERED]
    bot.click(EAME, views.ANSWERED, question_id)
    (update,) = wait_updates(fake_slack, 1)
    assert "Answered by <@U0RCEAME>" in _blob(update) and button_values(update) == {}
    assert "marked your question as answered" in wait_posts(fake_slack, MEMBER)[0]["text"]
    clock.advance(timedelta(hours=30))
    bot.run_jobs()
    assert posts_to(fake_slack, VC) == []  # no escalation for an answered question


def test_a_coordinators_message_slack_will_not_update_is_reported_to_the_admins_once(
    bot: BotHarness, fake_slack: FakeSlack
) -> None:
    ask(bot, "Can I vote at the AGM?")
    question_id = button_values(wait_posts(fake_slack, EAME)[0])[views.CLAIM]
    # Someone deleted the bot's message: its buttons can no longer be brought up to date.
    fake_slack.on("chat.update", lambda p: {"ok": False, "error": "message_not_found"})
    bot.click(EAME, views.CLAIM, question_id)
    [alert] = [p["text"] for p in wait_posts(fake_slack, ADMINS_CHANNEL)]
    assert "a question's message to its coordinators" in alert and "message_not_found" in alert
    assert EAME not in alert and "AGM" not in alert
    bot.click(EAME, views.ANSWERED, question_id)  # refused again: counted, not told again
    wait_updates(fake_slack, 2)
    bot.settle()
    assert len(posts_to(fake_slack, ADMINS_CHANNEL)) == 1
    with bot.deps.session_factory() as session:
        assert session.scalar(select(func.count()).select_from(AdminAlert)) == 1
        assert session.scalars(select(AdminAlert.repeats)).one() == 1


def test_an_asker_who_cannot_be_told_is_reported_to_the_admins_once(
    bot: BotHarness, fake_slack: FakeSlack
) -> None:
    ask(bot, "Can I vote at the AGM?")
    question_id = button_values(wait_posts(fake_slack, EAME)[0])[views.ANSWERED]
    # The asker has turned off messages from apps since they asked.
    fake_slack.on(
        "chat.postMessage",
        lambda p: {"ok": False, "error": "cannot_dm_bot"} if p.get("channel") == MEMBER else None,
    )
    bot.click(EAME, views.ANSWERED, question_id)
    [alert] = [p["text"] for p in wait_posts(fake_slack, ADMINS_CHANNEL)]
    assert "a message to a member about a question" in alert and "cannot_dm_bot" in alert
    assert MEMBER not in alert


def test_belongs_to_another_region_moves_it(bot: BotHarness, fake_slack: FakeSlack) -> None:
    ask(bot, "I have moved to Canada; which branch?")
    question_id = button_values(wait_posts(fake_slack, EAME)[0])[views.REROUTE]
    bot.click(EAME, views.REROUTE, question_id)
    opened = fake_slack.wait_for("views.open")[0]["view"]
    assert opened["callback_id"] == views.REROUTE_MODAL
    bot.submit_view(EAME, opened, {views.REROUTE_BLOCK: "americas"})
    moved = wait_posts(fake_slack, AMERICAS)[0]
    assert "I have moved to Canada" in _blob(moved) and views.CLAIM in button_values(moved)
    (old,) = wait_updates(fake_slack, 1)
    assert "Moved to The Americas" in _blob(old) and button_values(old) == {}
    told = [p["text"] for p in wait_posts(fake_slack, MEMBER, 2)]
    assert "passed to The Americas" in told[0]
    assert f"<@{AMERICAS}> (the coordinator for The Americas) has your question" in told[1]


# Escalation -------------------------------------------------------------------------------


def test_unclaimed_after_escalate_after_hours_goes_to_the_vice_chair_even_after_a_restart(
    make_bot: Callable[..., BotHarness], org: dict[str, Any], fake_slack: FakeSlack, clock: ManualClock
) -> None:
    org["escalate_after"] = 6
    first = make_bot(org)
    ask(first, "Nobody answers in my branch")
    wait_posts(fake_slack, EAME)
    clock.advance(timedelta(hours=5, minutes=59))
    assert first.run_jobs() == 0
    # The bot restarts: a new process on the same database.
    restarted = make_bot(org)
    clock.advance(timedelta(minutes=2))
    assert restarted.run_jobs() == 1
    (escalated,) = wait_posts(fake_slack, VC)
    assert "Unclaimed question for Europe, Africa and the Middle East" in _blob(escalated)
    assert "within 6 hours" in _blob(escalated)
    told = wait_posts(fake_slack, MEMBER)[0]["text"]
    assert "No one has taken your question within 6 hours" in told and f"<@{VC}>" in told
    assert restarted.run_jobs() == 0  # once


def test_a_taken_question_is_not_escalated(
    bot: BotHarness, fake_slack: FakeSlack, clock: ManualClock
) -> None:
    ask(bot, "Question")
    bot.click(EAME, views.CLAIM, button_values(wait_posts(fake_slack, EAME)[0])[views.CLAIM])
    wait_updates(fake_slack, 1)
    clock.advance(timedelta(hours=25))
    bot.run_jobs()
    assert posts_to(fake_slack, VC) == []


@pytest.mark.parametrize("fault", ["users.info", "cannot_dm_bot", "account_inactive", "deleted"])
def test_a_coordinator_who_left_means_escalation_not_a_crash(
    bot: BotHarness, fake_slack: FakeSlack, fault: str
) -> None:
    if fault == "users.info":
        del fake_slack.users[EAME]  # users.info answers user_not_found
    elif fault == "deleted":
        fake_slack.users[EAME]["deleted"] = True
    else:
        fake_slack.fail_next("chat.postMessage", status=200, error=fault)
    told = ask(bot, "Is anyone there?")["text"]
    assert "could not reach the coordinator for Europe, Africa and the Middle East" in told
    assert f"gone to <@{VC}>, Vice Chair (Membership)" in told
    escalated = wait_posts(fake_slack, VC)[0]
    assert "Is anyone there?" in _blob(escalated)
    alert = wait_posts(fake_slack, ADMINS_CHANNEL)[0]
    assert "cannot be reached" in alert["text"] and "Is anyone there" not in alert["text"]
    assert posts_to(fake_slack, EAME) == []


# Faults ------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [429, 500, 503])
def test_rate_limits_and_server_errors_are_retried_and_delivered_once(
    bot: BotHarness, fake_slack: FakeSlack, status: int
) -> None:
    fake_slack.fail_next("chat.postMessage", status=status, retry_after=1)
    reply = ask(bot, "Retry me")
    assert "has your question" in reply["text"]
    assert len(posts_to(fake_slack, EAME)) == 1
    assert [c.method for c in fake_slack.failed] == ["chat.postMessage"]


def test_a_fault_that_outlasts_the_retries_is_delivered_later_exactly_once(
    bot: BotHarness, fake_slack: FakeSlack, clock: ManualClock
) -> None:
    failing = {"on": True}
    fake_slack.on(
        "chat.postMessage",
        lambda params: {"ok": False, "error": "service_unavailable"} if failing["on"] else None,
    )
    reply = ask(bot, "Slack is down")
    assert "saved and will be delivered" in reply["text"]
    failing["on"] = False
    clock.advance(timedelta(minutes=1))
    assert bot.run_jobs() == 1
    assert len(posts_to(fake_slack, EAME)) == 2  # the failed attempt and the delivery
    assert "has your question" in wait_posts(fake_slack, MEMBER)[0]["text"]
    clock.advance(timedelta(hours=1))
    bot.run_jobs()
    assert len(posts_to(fake_slack, EAME)) == 2


def test_no_coordinator_the_question_waits_admins_are_told_once_and_it_is_delivered_later(
    make_bot: Callable[..., BotHarness], org: dict[str, Any], fake_slack: FakeSlack
) -> None:
    vacant = copy.deepcopy(org)
    vacant["regions"]["americas"]["coordinator"] = []
    fake_slack.users[MEMBER]["tz"] = "America/Chicago"
    bot = make_bot(vacant)
    reply = ask(bot, "First question")
    assert "The Americas has no regional coordinator at the moment" in reply["text"]
    ask(bot, "Second question")
    alerts = wait_posts(fake_slack, ADMINS_CHANNEL)
    bot.settle()
    assert len(posts_to(fake_slack, ADMINS_CHANNEL)) == 1 == len(alerts)
    assert "regions.americas.coordinator" in alerts[0]["text"]
    assert "question" not in alerts[0]["text"].split("coordinator")[-1]  # no member's text

    restarted = make_bot(org)  # the organisation file now names a coordinator
    restarted.deps.jobs.startup()
    restarted.run_jobs()
    delivered = posts_to(fake_slack, AMERICAS)
    assert ["First question" in _blob(p) for p in delivered] == [True, False]
    assert "Second question" in _blob(delivered[1])
    assert all("has your question" in p["text"] for p in wait_posts(fake_slack, MEMBER, 2))
    restarted.deps.jobs.startup()
    restarted.run_jobs()
    assert len(posts_to(fake_slack, AMERICAS)) == 2  # exactly once


# Region: ask, remember, set, branch --------------------------------------------------------


@pytest.mark.parametrize("tz", ["Etc/UTC", None, "Antarctica/McMurdo"])
def test_an_unknown_region_is_asked_remembered_and_the_question_sent(
    bot: BotHarness, fake_slack: FakeSlack, tz: str | None
) -> None:
    fake_slack.users[MEMBER]["tz"] = tz
    reply = ask(bot, "Where do I belong?")
    assert "I can't tell which region you are in" in reply["text"]
    picks = button_values(reply)
    assert set(picks) == {
        views.PICK_REGION_PREFIX + r for r in ("americas", "asia-pacific", "europe-africa-middle-east")
    }
    bot.click(
        MEMBER, views.PICK_REGION_PREFIX + "asia-pacific", picks[views.PICK_REGION_PREFIX + "asia-pacific"]
    )
    assert "Where do I belong?" in _blob(wait_posts(fake_slack, ASIAPAC)[0])
    assert "has your question" in wait_posts(fake_slack, MEMBER)[0]["text"]
    # Remembered: the next question goes straight there.
    reply = ask(bot, "And another")
    assert f"<@{ASIAPAC}>" in reply["text"]
    assert len(wait_posts(fake_slack, ASIAPAC, 2)) == 2


def test_region_shows_the_region_how_it_was_decided_and_the_coordinator(
    bot: BotHarness, fake_slack: FakeSlack
) -> None:
    fake_slack.users[MEMBER]["tz"] = "Asia/Dubai"
    bot.command("region")
    shown = fake_slack.wait_for("response_url")[-1]
    blob = _blob(shown)
    assert "Europe, Africa and the Middle East" in blob
    assert "from your Slack time zone Asia/Dubai (United Arab Emirates)" in blob
    assert f"<@{EAME}>" in blob


def test_set_region_and_branch_and_which_wins(bot: BotHarness, fake_slack: FakeSlack) -> None:
    body = bot.command("region set asia pacific").json()
    assert "your region is Asia, Australasia and Pacific" in _blob(body)
    mars = _blob(bot.command("region set mars").json())
    assert "There is no region `mars`" in mars
    assert "The Americas (`americas`); Asia, Australasia and Pacific (`asia-pacific`)" in mars
    body = bot.command("region branch new york").json()
    assert "your branch is New York, so your region is The Americas" in _blob(body)
    suggestion = bot.command("region branch New Yrok").json()
    assert "Did you mean *New York*?" in _blob(suggestion)
    reply = ask(bot, "Branch question")  # the member's time zone is Europe/Paris
    assert f"<@{AMERICAS}>" in reply["text"]
    bot.command("region")
    assert "from your branch, New York" in _blob(fake_slack.wait_for("response_url", 2)[-1])
    bot.command("region set auto")
    bot.command("region branch none")
    bot.command("region")
    assert "Asia/Paris" not in _blob(fake_slack.wait_for("response_url", 3)[-1])
    assert "from your Slack time zone Europe/Paris" in _blob(fake_slack.wait_for("response_url", 3)[-1])


# Modal, channel, list ---------------------------------------------------------------------------


def test_the_modal_for_longer_questions(bot: BotHarness, fake_slack: FakeSlack) -> None:
    bot.command("ask")
    view = fake_slack.wait_for("views.open")[0]["view"]
    assert view["callback_id"] == views.ASK_MODAL
    refused = bot.submit_view(MEMBER, view, {views.ASK_BLOCK: "   "}).json()
    assert refused["response_action"] == "errors" and views.ASK_BLOCK in refused["errors"]
    long = "A longer question.\n" * 100
    assert bot.submit_view(MEMBER, view, {views.ASK_BLOCK: long}).status == 200
    message = wait_posts(fake_slack, EAME)[0]
    assert _blob(message).count("A longer question.") == 100
    assert "has your question" in wait_posts(fake_slack, MEMBER)[0]["text"]


def test_a_region_channel_gets_the_question_instead_of_a_dm(
    make_bot: Callable[..., BotHarness], org: dict[str, Any], fake_slack: FakeSlack
) -> None:
    org["regions"]["europe-africa-middle-east"]["channel"] = "C0EAMEQ"
    bot = make_bot(org)
    reply = ask_and_send(bot, "Channel question")
    assert "in <#C0EAMEQ>" in reply["text"]
    assert "Channel question" in _blob(wait_posts(fake_slack, "C0EAMEQ")[0])
    assert posts_to(fake_slack, EAME) == []


def test_a_question_sent_to_a_channel_is_moved_to_another_regions_channel_as_its_asker_was_told(
    make_bot: Callable[..., BotHarness], org: dict[str, Any], fake_slack: FakeSlack
) -> None:
    org["regions"]["europe-africa-middle-east"]["channel"] = "C0EAMEQ"
    org["regions"]["americas"]["channel"] = "C0AMERQ"
    bot = make_bot(org)
    held = ask(bot, "Which branch in Canada?")
    assert "if a coordinator moves it to a region whose coordinators also use a channel" in _blob(held)
    bot.click(MEMBER, views.ASK_SEND, button_values(held)[views.ASK_SEND])
    question_id = button_values(wait_posts(fake_slack, "C0EAMEQ")[0])[views.REROUTE]
    bot.click(EAME, views.REROUTE, question_id)
    opened = fake_slack.wait_for("views.open")[0]["view"]
    bot.submit_view(EAME, opened, {views.REROUTE_BLOCK: "americas"})
    assert "Which branch in Canada?" in _blob(wait_posts(fake_slack, "C0AMERQ")[0])


def test_the_form_says_before_sending_that_a_region_channel_shows_the_askers_name(
    make_bot: Callable[..., BotHarness], org: dict[str, Any], fake_slack: FakeSlack
) -> None:
    org["regions"]["europe-africa-middle-east"]["channel"] = "C0EAMEQ"
    bot = make_bot(org)
    bot.command("ask")
    opened = fake_slack.wait_for("views.open")[0]["view"]
    assert "in that channel" in _blob(opened)  # before the region is known: both ways said
    shown = fake_slack.wait_for("views.update")[0]["view"]
    assert "posted in <#C0EAMEQ>" in _blob(shown) and "with your name" in _blob(shown)
    assert shown["callback_id"] == views.ASK_MODAL


def test_the_form_says_a_dm_where_the_region_has_no_channel(bot: BotHarness, fake_slack: FakeSlack) -> None:
    bot.command("ask")
    shown = fake_slack.wait_for("views.update")[0]["view"]
    assert "coordinator by direct message" in _blob(shown) and "<#" not in _blob(shown)


def test_a_500_after_slack_took_the_channel_post_does_not_post_it_twice(
    make_bot: Callable[..., BotHarness], org: dict[str, Any], fake_slack: FakeSlack
) -> None:
    org["regions"]["europe-africa-middle-east"]["channel"] = "C0EAMEQ"
    bot = make_bot(org)
    fake_slack.fail_next("chat.postMessage", status=500)
    keep_failed_posts_in_history(fake_slack)  # Slack kept it although it answered 500
    reply = ask_and_send(bot, "Posted once please")
    assert "in <#C0EAMEQ>" in reply["text"]
    assert len(fake_slack.failed) == 1  # one attempt: neither slack_sdk nor the bot posted again
    assert [c.params["channel"] for c in fake_slack.failed] == ["C0EAMEQ"]
    assert posts_to(fake_slack, "C0EAMEQ") == []  # and no second post
    assert len(fake_slack.calls_to("conversations.history")) >= 1  # it looked before posting again


def test_a_500_that_did_not_post_is_retried_by_the_job_and_posted_once(
    make_bot: Callable[..., BotHarness], org: dict[str, Any], fake_slack: FakeSlack, clock: ManualClock
) -> None:
    org["regions"]["europe-africa-middle-east"]["channel"] = "C0EAMEQ"
    bot = make_bot(org)
    fake_slack.fail_next("chat.postMessage", status=500)
    ask_and_send(bot, "Posted once please")
    clock.advance(timedelta(minutes=5))
    assert bot.run_jobs() == 1
    assert len(fake_slack.failed) == 1  # the 500 (which Slack had not posted)
    (delivered,) = posts_to(fake_slack, "C0EAMEQ")  # then one post, after looking
    assert "Posted once please" in _blob(delivered)


def test_every_question_button_on_an_erased_question_says_it_was_erased(
    bot: BotHarness, fake_slack: FakeSlack
) -> None:
    from bot.services import item_fates

    ask(bot, "Soon to be forgotten")
    (message,) = wait_posts(fake_slack, EAME)
    values = button_values(message)
    opened = len(fake_slack.calls_to("views.open"))
    bot.command("forget-me", user=MEMBER)
    form = fake_slack.wait_for("views.open", opened + 1)[-1]["view"]
    bot.submit_view(MEMBER, form, {})
    wait_posts(fake_slack, MEMBER, 1)  # the erasure DM: the question is gone
    for action in (views.CLAIM, views.ANSWERED, views.REROUTE):
        before = len(fake_slack.calls_to("response_url"))
        assert bot.click(EAME, action, values[action]).status == 200
        answer = fake_slack.wait_for("response_url", before + 1)[-1]
        assert answer["text"] == item_fates.QUESTION_GONE, action


def test_questions_lists_the_open_questions_of_their_region_oldest_first(
    bot: BotHarness, fake_slack: FakeSlack, clock: ManualClock
) -> None:
    ask(bot, "Older one")
    clock.advance(timedelta(hours=3))
    ask(bot, "Newer one")
    fake_slack.users[MEMBER]["tz"] = "America/Lima"
    ask(bot, "Americas one")
    wait_posts(fake_slack, EAME, 2)
    listed = _blob(bot.answer("questions", user=EAME))
    assert listed.index("Older one") < listed.index("Newer one")
    assert "Americas one" not in listed and "3 h ago" in listed
    everything = _blob(bot.answer("questions", user="U0SECRETARY"))  # an admin
    assert "Americas one" in everything and "Older one" in everything
    assert "for regional coordinators" in _blob(bot.answer("questions", user=MEMBER))


def test_a_question_for_a_vacant_region_goes_to_the_vice_chair_and_later_to_the_new_coordinator(
    make_bot: Callable[..., BotHarness], org: dict[str, Any], fake_slack: FakeSlack, clock: ManualClock
) -> None:
    vacant = copy.deepcopy(org)
    vacant["regions"]["americas"]["coordinator"] = []
    fake_slack.users[MEMBER]["tz"] = "America/Chicago"
    bot = make_bot(vacant)
    ask(bot, "Anyone in the Americas?")
    clock.advance(timedelta(hours=24, minutes=1))
    bot.run_jobs()
    assert "Anyone in the Americas?" in _blob(wait_posts(fake_slack, VC)[0])
    assert "No one has taken your question within 24 hours" in wait_posts(fake_slack, MEMBER)[0]["text"]
    restarted = make_bot(org)
    restarted.deps.jobs.startup()
    restarted.run_jobs()
    assert "Anyone in the Americas?" in _blob(wait_posts(fake_slack, AMERICAS)[0])


def test_a_member_who_never_picks_a_region_still_reaches_the_vice_chair(
    bot: BotHarness, fake_slack: FakeSlack, clock: ManualClock
) -> None:
    fake_slack.users[MEMBER]["tz"] = "Etc/UTC"
    ask(bot, "Lost question")
    clock.advance(timedelta(hours=25))
    bot.run_jobs()
    escalated = wait_posts(fake_slack, VC)[0]
    assert "region is not known" in _blob(escalated) and "Lost question" in _blob(escalated)
    bot.click(VC, views.REROUTE, button_values(escalated)[views.REROUTE])
    opened = fake_slack.wait_for("views.open")[0]["view"]
    assert len(opened["blocks"][0]["element"]["options"]) == 3  # every region is possible
    bot.submit_view(VC, opened, {views.REROUTE_BLOCK: "asia-pacific"})
    assert "Lost question" in _blob(wait_posts(fake_slack, ASIAPAC)[0])


def test_a_job_share_with_one_coordinator_gone_still_reaches_the_other(
    make_bot: Callable[..., BotHarness], org: dict[str, Any], fake_slack: FakeSlack
) -> None:
    org["regions"]["asia-pacific"]["coordinator"] = [ASIAPAC, "U0GONE"]  # U0GONE: user_not_found
    fake_slack.users[MEMBER]["tz"] = "Asia/Manila"
    bot = make_bot(org)
    reply = ask(bot, "Half a job share")
    assert reply["text"].startswith(f"<@{ASIAPAC}> (the coordinator for Asia, Australasia and Pacific) has")
    assert "U0GONE" not in reply["text"]
    assert "cannot be reached" in wait_posts(fake_slack, ADMINS_CHANNEL)[0]["text"]
    assert len(wait_posts(fake_slack, ASIAPAC)) == 1
    assert posts_to(fake_slack, "U0GONE") == [] and posts_to(fake_slack, VC) == []


def test_text_as_slack_sends_it_is_decoded_once_and_escaped_once(
    bot: BotHarness, fake_slack: FakeSlack
) -> None:
    # Slack sends "&", "<" and ">" in slash-command text as entities; a typed "&lt;" as "&amp;lt;".
    ask(bot, "Is the Q&amp;A recorded? 2 &lt; 3 &gt; 1, and I typed &amp;lt; myself")
    (message,) = wait_posts(fake_slack, EAME)
    blob = json.dumps(message["blocks"], ensure_ascii=False)
    # Escaped once for mrkdwn: Slack shows "Q&A", "2 < 3 > 1" and "&lt;".
    assert "Is the Q&amp;A recorded? 2 &lt; 3 &gt; 1, and I typed &amp;lt; myself" in blob
    assert "&amp;amp;" not in blob
    from models.questions import Question

    with bot.deps.session_factory() as session:
        (stored,) = session.query(Question.text).all()
    assert stored.text == "Is the Q&A recorded? 2 < 3 > 1, and I typed &lt; myself"
    listed = _blob(bot.answer("questions", user=EAME))
    assert "Q&amp;A" in listed and "Q&amp;amp;A" not in listed
    event = {"type": "app_home_opened", "user": MEMBER, "channel": "D0HOME", "tab": "home"}
    bot.event(event, event_id="Ev0AMP")  # the asker's Home lists their question
    home = json.dumps(fake_slack.wait_for("views.publish", 1)[-1]["view"]["blocks"], ensure_ascii=False)
    assert "Q&amp;A" in home and "&amp;amp;" not in home


def test_missing_scope_tells_the_member_the_real_reason_and_alerts_the_admins_once(
    bot: BotHarness, fake_slack: FakeSlack
) -> None:
    fake_slack.fail_next("users.info", status=200, error="missing_scope", times=2)
    reply = ask(bot, "Who do I ask?")
    text = _blob(reply)
    assert "I can't tell which region you are in" in text
    assert "bot's Slack permissions, not with your profile" in text
    assert "no time zone" not in text
    (alert,) = wait_posts(fake_slack, ADMINS_CHANNEL)
    assert "`users.info`" in alert["text"] + _blob(alert) and "missing_scope" in _blob(alert)
    assert "users:read" in _blob(alert)
    assert "Who do I ask?" not in _blob(alert)  # no member's data in the alert
    ask(bot, "And again?")
    bot.settle()
    assert len(posts_to(fake_slack, ADMINS_CHANNEL)) == 1  # once


# Told before others can read it ---------------------------------------------------------------


def test_a_typed_question_for_a_regions_channel_waits_for_send_and_shows_where_it_goes(
    make_bot: Callable[..., BotHarness], org: dict[str, Any], fake_slack: FakeSlack
) -> None:
    org["regions"]["europe-africa-middle-east"]["channel"] = "C0EAMEQ"
    bot = make_bot(org)
    held = ask(bot, "Is <!channel> *bold* & <@U0OTHER> safe?")
    blob = _blob(held)
    assert "posted in <#C0EAMEQ>" in blob and "with your name" in blob and "Everyone in that channel" in blob
    assert "&lt;!channel&gt;" in blob and "<!channel>" not in blob  # the member's text, escaped
    assert set(button_values(held)) == {views.ASK_SEND, views.ASK_CANCEL}
    # The held reply is the last thing the ask does: nothing was posted before it.
    assert posts_to(fake_slack, "C0EAMEQ") == []  # nothing visible to others before Send
    bot.run_jobs()
    assert posts_to(fake_slack, "C0EAMEQ") == [] and posts_to(fake_slack, EAME) == []
    value = button_values(held)[views.ASK_SEND]
    sent = len(fake_slack.calls_to("response_url"))
    assert bot.click(MEMBER, views.ASK_SEND, value).status == 200
    assert "safe?" in _blob(wait_posts(fake_slack, "C0EAMEQ")[0])
    told = fake_slack.wait_for("response_url", sent + 2)[sent:]  # "Sending…", then who has it
    assert "has your question in <#C0EAMEQ>" in told[-1]["text"]
    before = len(fake_slack.calls_to("response_url"))
    bot.click(MEMBER, views.ASK_SEND, value)  # pressed again: answered, not posted twice
    again = fake_slack.wait_for("response_url", before + 1)[-1]
    assert "sent or cancelled already" in again["text"]
    assert len(posts_to(fake_slack, "C0EAMEQ")) == 1


def test_cancel_sends_nothing_and_keeps_nothing(
    make_bot: Callable[..., BotHarness], org: dict[str, Any], fake_slack: FakeSlack
) -> None:
    from sqlalchemy import func, select

    from models.questions import Question

    org["regions"]["europe-africa-middle-east"]["channel"] = "C0EAMEQ"
    bot = make_bot(org)
    held = ask(bot, "Never mind")
    before = len(fake_slack.calls_to("response_url"))
    bot.click(MEMBER, views.ASK_CANCEL, button_values(held)[views.ASK_CANCEL])
    told = fake_slack.wait_for("response_url", before + 1)[-1]
    assert "not sent" in told["text"] and told.get("replace_original") in (True, "true")
    with bot.deps.session_factory() as session:
        assert session.scalar(select(func.count()).select_from(Question)) == 0
    bot.click(MEMBER, views.ASK_SEND, button_values(held)[views.ASK_SEND])  # Send after Cancel
    assert "sent or cancelled already" in fake_slack.wait_for("response_url", before + 2)[-1]["text"]
    assert posts_to(fake_slack, "C0EAMEQ") == []


def test_another_member_cannot_send_or_cancel_a_held_question(
    make_bot: Callable[..., BotHarness], org: dict[str, Any], fake_slack: FakeSlack
) -> None:
    org["regions"]["europe-africa-middle-east"]["channel"] = "C0EAMEQ"
    bot = make_bot(org)
    held = ask(bot, "Mine alone")
    for action in (views.ASK_SEND, views.ASK_CANCEL):
        before = len(fake_slack.calls_to("response_url"))
        bot.click("U0OTHER", action, button_values(held)[action])
        assert "sent or cancelled already" in fake_slack.wait_for("response_url", before + 1)[-1]["text"]
    assert posts_to(fake_slack, "C0EAMEQ") == []


def test_the_region_picker_says_which_regions_post_questions_in_a_channel(
    make_bot: Callable[..., BotHarness], org: dict[str, Any], fake_slack: FakeSlack
) -> None:
    org["regions"]["europe-africa-middle-east"]["channel"] = "C0EAMEQ"
    fake_slack.users[MEMBER] = {}  # no time zone: the region cannot be told
    bot = make_bot(org)
    picker = ask(bot, "Where do I go?")
    assert "posted in <#C0EAMEQ>" in _blob(picker) and "Europe" in _blob(picker)


def test_a_question_moved_to_a_region_with_a_channel_goes_by_dm_unless_the_asker_was_told(
    make_bot: Callable[..., BotHarness], org: dict[str, Any], fake_slack: FakeSlack
) -> None:
    org["regions"]["americas"]["channel"] = "C0AMERICASQ"
    bot = make_bot(org)
    ask(bot, "Typed, for my coordinator only")  # Europe: by DM, so no warning was shown
    question_id = button_values(wait_posts(fake_slack, EAME)[0])[views.REROUTE]
    bot.click(EAME, views.REROUTE, question_id)
    opened = fake_slack.wait_for("views.open")[0]["view"]
    bot.submit_view(EAME, opened, {views.REROUTE_BLOCK: "americas"})
    moved = wait_posts(fake_slack, AMERICAS)[0]  # the new coordinator by DM
    assert "for my coordinator only" in _blob(moved)
    told = [p["text"] for p in wait_posts(fake_slack, MEMBER, 2)]
    assert "has your question" in told[1] and "<#C0AMERICASQ>" not in told[1]
    assert posts_to(fake_slack, "C0AMERICASQ") == []  # never where others read it

    # Asked with the form, which says a region's channel shows it: moved, it goes there.
    bot.command("ask")
    form = fake_slack.wait_for("views.open", 2)[-1]["view"]
    bot.submit_view(MEMBER, form, {views.ASK_BLOCK: "Asked with the form"})
    second = wait_posts(fake_slack, EAME, 2)[-1]
    bot.click(EAME, views.REROUTE, button_values(second)[views.REROUTE])
    opened = fake_slack.wait_for("views.open", 3)[-1]["view"]
    bot.submit_view(EAME, opened, {views.REROUTE_BLOCK: "americas"})
    assert "Asked with the form" in _blob(wait_posts(fake_slack, "C0AMERICASQ")[0])


def test_a_held_question_left_unsent_is_deleted_after_a_day(
    make_bot: Callable[..., BotHarness], org: dict[str, Any], fake_slack: FakeSlack, clock: ManualClock
) -> None:
    from models.questions import Question

    org["regions"]["europe-africa-middle-east"]["channel"] = "C0EAMEQ"
    bot = make_bot(org)
    held = ask(bot, "Thinking about it")
    assert "deleted after a day" in _blob(held)
    question_id = int(button_values(held)[views.ASK_SEND])
    clock.advance(timedelta(hours=23))
    bot.run_jobs()
    assert bot.deps.read(lambda session: session.get(Question, question_id)) is not None
    clock.advance(timedelta(hours=2))
    assert bot.run_jobs() == 1
    assert bot.deps.read(lambda session: session.get(Question, question_id)) is None
    before = len(fake_slack.calls_to("response_url"))
    bot.click(MEMBER, views.ASK_SEND, str(question_id))
    assert "sent or cancelled already" in fake_slack.wait_for("response_url", before + 1)[-1]["text"]
    assert posts_to(fake_slack, "C0EAMEQ") == []


def test_another_region_submitted_after_the_question_was_answered_says_so(
    bot: BotHarness, fake_slack: FakeSlack
) -> None:
    """The form closes at its submission; what became of it comes by DM, never silence."""
    ask(bot, "I have moved to Canada; which branch?")
    values = button_values(wait_posts(fake_slack, EAME)[0])
    bot.click(EAME, views.REROUTE, values[views.REROUTE])
    opened = fake_slack.wait_for("views.open")[0]["view"]
    bot.click(EAME, views.ANSWERED, values[views.ANSWERED])
    bot.settle()
    before = len(fake_slack.calls)
    assert bot.submit_view(EAME, opened, {views.REROUTE_BLOCK: "americas"}).status == 200
    bot.settle()
    told = [c.params for c in fake_slack.calls[before:] if c.method == "chat.postMessage"]
    assert [p["channel"] for p in told] == [EAME] and "settled" in json.dumps(told)
