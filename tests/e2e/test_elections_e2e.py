"""Elections end to end: an admin opens one through the modal, the jobs announce, remind,
close with a summary and purge, across a restart; close early, status and publish."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.fake_slack import FakeSlack
from bot.services import nomination_rules as fields
from models.elections import ElectionRecord, NominationRecord
from tests.e2e.harness import BotHarness, keep_failed_posts_in_history

ADMINS = ("U0SECRETARY", "U0CHAIR")
MEMBER = "U0MEMBER"
ADMINS_CHANNEL = "C0LIECADMIN"
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)  # the e2e clock's start
OPENS = NOW + timedelta(days=1)
CLOSES = NOW + timedelta(days=10)


@pytest.fixture
def org(org: dict[str, Any]) -> dict[str, Any]:
    org["elections"] = []  # this file's elections are opened from Slack
    org["retention_days"] = 30
    return org


@pytest.fixture
def bot(make_bot: Callable[..., BotHarness], fake_slack: FakeSlack) -> BotHarness:
    fake_slack.users[MEMBER]["profile"]["email"] = "mary@example.org"
    fake_slack.users["U0NOMONE"] = {"profile": {"real_name": "Nora One"}}
    fake_slack.users["U0NOMTWO"] = {"profile": {"real_name": "Nick Two"}}
    return make_bot()


def posts_to(bot: BotHarness, channel: str) -> list[dict[str, Any]]:
    return [c for c in bot.fake.calls_to("chat.postMessage") if c["channel"] == channel]


def open_election(
    bot: BotHarness,
    name: str = "By-election 2026",
    positions: tuple[str, ...] = ("secretary", "regional-coordinator:americas"),
    opens: datetime = OPENS,
    closes: datetime = CLOSES,
) -> Any:
    assert bot.command("election open", user=ADMINS[0]).status == 200
    view = bot.fake.wait_for("views.open")[-1]["view"]
    assert view["callback_id"] == "election_open_submit"
    return bot.submit_view(
        ADMINS[0],
        {**view, "id": "VELECTION"},
        {
            "election_name": name,
            "election_kind": "by-election",
            "election_opens": int(opens.timestamp()),
            "election_closes": int(closes.timestamp()),
            "election_positions": list(positions),
        },
    ).json()


def nominate(bot: BotHarness, statement: str = "I will keep the minutes.") -> Any:
    calls = len(bot.fake.calls_to("views.update"))
    bot.command("nominate", user=MEMBER)
    view = bot.fake.wait_for("views.update", calls + 1)[-1]["view"]
    position = next(b for b in view["blocks"] if b.get("block_id") == fields.POSITION)
    return bot.submit_form(
        MEMBER,
        {**view, "id": f"V{uuid.uuid4().hex[:8]}"},
        {
            fields.POSITION: position["element"]["options"][0]["value"],
            fields.CANDIDATE_USER: MEMBER,
            fields.CANDIDATE_NAME: "Mary Member",
            fields.CANDIDATE_EMAIL: "mary@example.org",
            fields.CANDIDATE_MEMBERSHIP: "123456",
            fields.STATEMENT: statement,
            fields.ROUTE: "members",
            fields.NOMINATOR_1_USER: "U0NOMONE",
            fields.NOMINATOR_2_USER: "U0NOMTWO",
        },
    )


def test_admin_opens_an_election_and_the_jobs_run_across_a_restart(
    bot: BotHarness, make_bot: Callable[..., BotHarness]
) -> None:
    result = open_election(bot)
    assert result["response_action"] == "update"
    assert "is scheduled" in json.dumps(result["view"])
    assert bot.run_jobs() == 0  # nothing is due yet
    assert bot.answer("nominate", user=MEMBER)["blocks"][0]["text"]["text"].startswith(
        "Nominations are not open now. By-election 2026 opens <!date^"
    )

    # The bot restarts: the schedule is in the database, not in memory.
    bot.close()
    bot = make_bot()
    bot.clock.set(OPENS)
    assert bot.run_jobs() == 1
    announcement = posts_to(bot, "C0ANNOUNCE")[-1]
    text = json.dumps(announcement["blocks"])
    assert "Nominations are open: By-election 2026" in announcement["text"]
    assert "Secretary" in text and "Regional Coordinator (The Americas)" in text
    assert f"<!date^{int(CLOSES.timestamp())}^" in text  # each member sees their own time
    assert "2026-12-03 12:00 UTC" in text  # and UTC, unambiguous
    nominate_button = next(e for b in announcement["blocks"] if b["type"] == "actions" for e in b["elements"])
    assert nominate_button["action_id"] == "election_nominate"

    # The Nominate button opens the form.
    bot.click(MEMBER, "election_nominate", nominate_button["value"])
    form = bot.fake.wait_for("views.open", 2)[-1]["view"]
    assert form["callback_id"] == "nomination_submit"

    bot.clock.set(CLOSES - timedelta(hours=48))
    assert bot.run_jobs() == 1
    reminder = posts_to(bot, "C0ANNOUNCE")[-1]
    assert reminder["text"].startswith("48 hours left")

    bot.clock.set(CLOSES)
    bot.run_jobs()  # close: erasure requests, then one summary job per admin
    bot.run_jobs()
    for admin in ADMINS:
        summary = posts_to(bot, admin)[-1]
        assert summary["text"] == "Nominations closed: By-election 2026"
    assert bot.answer("nominate", user=MEMBER)["blocks"][0]["text"]["text"].startswith(
        "No election is taking nominations now"
    )


def announced_at(bot: BotHarness) -> datetime | None:
    with bot.deps.session_factory() as session:
        return session.scalars(select(ElectionRecord.announced_at)).one()


def test_a_5xx_after_slack_posted_the_announcement_is_not_posted_again(bot: BotHarness) -> None:
    open_election(bot)
    bot.fake.fail_next("chat.postMessage", status=500)
    keep_failed_posts_in_history(bot.fake)
    bot.clock.set(OPENS)
    bot.run_jobs()
    assert len(bot.fake.failed) == 1  # neither slack_sdk nor the bot posted it again
    assert bot.fake.failed[0].params["metadata"]["event_payload"]["key"].startswith("elections.announce:")
    assert posts_to(bot, "C0ANNOUNCE") == []
    assert announced_at(bot) == OPENS
    bot.clock.set(OPENS + timedelta(hours=1))
    bot.run_jobs()
    assert posts_to(bot, "C0ANNOUNCE") == []


def test_a_refused_announcement_tells_the_admins_at_once_and_is_posted_once_invited(bot: BotHarness) -> None:
    open_election(bot)
    bot.fake.fail_next("chat.postMessage", status=200, error="not_in_channel")
    bot.clock.set(OPENS)
    bot.run_jobs()
    assert posts_to(bot, "C0ANNOUNCE") == [] and announced_at(bot) is None
    alerts = posts_to(bot, ADMINS_CHANNEL)
    assert len(alerts) == 1
    assert "the election announcement" in alerts[0]["text"] and "<#C0ANNOUNCE>" in alerts[0]["text"]
    assert "not_in_channel" in alerts[0]["text"]
    bot.clock.set(OPENS + timedelta(minutes=1))
    bot.run_jobs()  # the admin invited the bot meanwhile
    history = bot.fake.calls_to("conversations.history")
    assert len(history) == 1  # a retried job looks before posting
    assert len(posts_to(bot, "C0ANNOUNCE")) == 1 and announced_at(bot) is not None


def test_when_the_admins_channel_refuses_too_each_admin_hears_by_dm_once(bot: BotHarness) -> None:
    open_election(bot)
    refusing = {"C0ANNOUNCE", ADMINS_CHANNEL}
    bot.fake.on(
        "chat.postMessage",
        lambda p: {"ok": False, "error": "is_archived"} if p.get("channel") in refusing else None,
    )
    for minutes in (0, 1, 5, 30):  # the queue retries; the admins hear once
        bot.clock.set(OPENS + timedelta(minutes=minutes))
        bot.run_jobs()
    assert announced_at(bot) is None
    for admin in ADMINS:
        alerts = posts_to(bot, admin)
        assert len(alerts) == 1, admin
        assert "the election announcement" in alerts[0]["text"] and "is_archived" in alerts[0]["text"]


def test_a_5xx_after_slack_posted_the_candidate_list_is_not_posted_again(bot: BotHarness) -> None:
    open_election(bot, opens=NOW - timedelta(hours=1))
    nominate(bot)
    with bot.deps.session_factory.begin() as session:
        nomination = session.scalars(select(NominationRecord)).one()
        for nominator in nomination.nominators:
            nominator.status = "confirmed"
        nomination.checked_at = NOW  # the returning officer's check
    bot.clock.set(CLOSES)
    bot.run_jobs()
    bot.run_jobs()
    bot.fake.fail_next("chat.postMessage", status=503)
    keep_failed_posts_in_history(bot.fake)
    bot.command("election publish By-election 2026", user=ADMINS[0])
    assert "is published" in bot.fake.wait_for("response_url")[-1]["text"]
    assert [c.params["text"] for c in bot.fake.failed] == ["Candidates: By-election 2026"]
    assert [p["text"] for p in posts_to(bot, "C0ANNOUNCE") if p["text"].startswith("Candidates")] == []


def test_a_refused_candidate_list_tells_the_admins_and_the_admin_who_asked(bot: BotHarness) -> None:
    open_election(bot, opens=NOW - timedelta(hours=1))
    nominate(bot)
    bot.clock.set(CLOSES)
    bot.run_jobs()
    bot.run_jobs()
    bot.fake.fail_next("chat.postMessage", status=200, error="not_in_channel")
    bot.command("election publish By-election 2026", user=ADMINS[0])
    told = bot.fake.wait_for("response_url")[-1]["text"]
    assert "could not be posted" in told and "not_in_channel" in told
    alerts = [p["text"] for p in posts_to(bot, ADMINS_CHANNEL) if "candidate list" in p["text"]]
    assert len(alerts) == 1 and "<#C0ANNOUNCE>" in alerts[0]


def test_the_retention_purge_deletes_nomination_data(bot: BotHarness) -> None:
    open_election(bot, opens=NOW - timedelta(hours=1))
    assert nominate(bot)["response_action"] == "update"
    bot.clock.set(CLOSES)
    bot.run_jobs()
    bot.run_jobs()
    summary = json.dumps(posts_to(bot, ADMINS[0])[-1]["blocks"])
    assert "Mary Member" in summary and "awaiting nominators" in summary
    bot.clock.set(CLOSES + timedelta(days=30) - timedelta(seconds=1))
    bot.run_jobs()
    with bot.deps.session_factory() as session:
        assert session.scalar(select(func.count()).select_from(NominationRecord)) == 1
    bot.clock.set(CLOSES + timedelta(days=30))
    bot.run_jobs()
    with bot.deps.session_factory() as session:
        assert session.scalar(select(func.count()).select_from(NominationRecord)) == 0
        assert session.scalars(select(ElectionRecord.purged_at)).one() is not None


def test_the_open_modal_checks_its_fields(bot: BotHarness) -> None:
    result = open_election(bot, opens=CLOSES, closes=OPENS)
    assert result["response_action"] == "errors"
    assert result["errors"] == {"election_closes": "Nominations must close after they open."}
    assert open_election(bot, closes=NOW - timedelta(minutes=1))["errors"] == {
        "election_closes": "The closing time has already passed."
    }
    assert open_election(bot)["response_action"] == "update"
    assert open_election(bot, name="by-election  2026")["errors"] == {
        "election_name": "There is already an election called by-election 2026."
    }


@pytest.mark.parametrize(
    "text", ["election open", "election status", "election close x", "election publish x"]
)
def test_non_admins_are_refused(bot: BotHarness, text: str) -> None:
    body = bot.command(text, user=MEMBER).json()
    assert "Only LIEC admins" in json.dumps(body["blocks"])
    bot.settle()  # the lazy half has run
    assert bot.fake.calls_to("views.open") == []


def test_close_early_status_and_publish(bot: BotHarness) -> None:
    open_election(bot, opens=NOW - timedelta(hours=1))
    hostile = "<!channel> @here *bold* <https://evil.example|click> & more"
    assert nominate(bot, statement=hostile)["response_action"] == "update"

    status = json.dumps(bot.command("election status", user=ADMINS[0]).json()["blocks"])
    assert "By-election 2026" in status and "*open*" in status
    assert "1 awaiting nominators" in status
    assert "Mary Member" not in status  # counts only

    assert "can be closed" not in json.dumps(bot.command("election close nope", user=ADMINS[0]).json())
    assert "no election called nope" in json.dumps(
        bot.command("election close nope", user=ADMINS[0]).json()["blocks"]
    )
    publish_too_soon = bot.command("election publish By-election 2026", user=ADMINS[0]).json()
    assert "once nominations have closed" in json.dumps(publish_too_soon["blocks"])

    bot.command("election close by-election 2026", user=ADMINS[0])
    closed = bot.fake.wait_for("response_url")[-1]
    assert "are closed" in closed["text"]
    bot.run_jobs()
    assert posts_to(bot, ADMINS[1])[-1]["text"] == "Nominations closed: By-election 2026"
    assert "No election is taking nominations" in json.dumps(bot.answer("nominate", user=MEMBER))

    # Make the nomination valid, as the returning officer would after checking it.
    with bot.deps.session_factory.begin() as session:
        nomination = session.scalars(select(NominationRecord)).one()
        for nominator in nomination.nominators:
            nominator.status = "confirmed"
        nomination.checked_at = bot.deps.clock.now()
    before = len(bot.fake.calls_to("response_url"))
    bot.command("election publish By-election 2026", user=ADMINS[0])
    bot.fake.wait_for("response_url", before + 1)
    published = posts_to(bot, "C0ANNOUNCE")[-1]
    assert published["text"] == "Candidates: By-election 2026"
    blocks = published["blocks"]
    mrkdwn = json.dumps([b for b in blocks if b.get("text", {}).get("type") == "mrkdwn"])
    assert "Mary Member" in mrkdwn
    assert "<!channel>" not in mrkdwn and "mary@example.org" not in json.dumps(blocks)
    plain = [
        b["text"]["text"]
        for b in blocks
        if b.get("text", {}).get("type") == "plain_text" and b["type"] == "section"
    ]
    assert plain == [hostile]  # shown exactly as typed, in text Slack does not parse
    again = bot.command("election publish By-election 2026", user=ADMINS[0]).json()
    assert "was published" in json.dumps(again["blocks"])


def test_every_post_can_be_chosen_and_searched_when_opening_an_election(bot: BotHarness) -> None:
    assert bot.command("election open", user=ADMINS[0]).status == 200
    view = bot.fake.wait_for("views.open")[-1]["view"]
    element = next(b["element"] for b in view["blocks"] if b.get("block_id") == "election_positions")
    offered = {o["value"] for o in element["options"]}
    assert len(offered) == len(bot.deps.roles.roles) + 2  # the coordinator is three regional posts
    # Past 100 posts the element searches; the bot answers Slack's block_suggestion for it.
    found = bot.suggest(ADMINS[0], {**view, "id": "VELECTION"}, "election_positions", "coordinator")
    assert sorted(o["value"] for o in found) == sorted(
        v for v in offered if v.startswith("regional-coordinator")
    )
    assert bot.fake.invalid == []


def test_a_list_with_nominations_still_to_check_is_published_only_when_the_admin_says_anyway(
    bot: BotHarness,
) -> None:
    open_election(bot, opens=NOW - timedelta(hours=1))
    assert nominate(bot)["response_action"] == "update"
    bot.command("election close by-election 2026", user=ADMINS[0])
    bot.fake.wait_for("response_url")
    with bot.deps.session_factory.begin() as session:
        for nominator in session.scalars(select(NominationRecord)).one().nominators:
            nominator.status = "confirmed"  # answered; the returning officer has not checked it
    before = len(bot.fake.calls_to("response_url"))
    bot.command("election publish By-election 2026", user=ADMINS[0])
    told = bot.fake.wait_for("response_url", before + 1)[-1]["text"]
    assert "1 nomination of By-election 2026 is still to be checked" in told
    assert "`/liec election publish By-election 2026 anyway`" in told
    bot.settle()
    assert posts_to(bot, "C0ANNOUNCE") == []  # nothing published: it could be only once
    bot.command("election publish By-election 2026 anyway", user=ADMINS[0])
    told = bot.fake.wait_for("response_url", before + 2)[-1]["text"]
    assert "(0 candidates). 1 nomination the returning officer had not marked checked was left out." in told
    assert "Mary Member" not in json.dumps(posts_to(bot, "C0ANNOUNCE")[-1]["blocks"])
