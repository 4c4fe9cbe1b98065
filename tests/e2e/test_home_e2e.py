"""The Home tab end to end: app_home_opened -> one views.publish, built from the database."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.services import election_store, nominations, questions
from bot.services.elections import Position
from bot.services.nomination_rules import NominationForm, Person, Route
from bot.services.tz_regions import Region
from bot.views.elections import NOMINATE_BUTTON
from models.foundation import ScheduledJob
from models.meetings import MeetingPost
from tests.e2e.harness import BotHarness

BY_ELECTION = {
    "name": "Policy officer by-election",
    "kind": "by-election",
    "opens": "2026-11-20T09:00:00+00:00",
    "closes": "2026-12-04T21:00:00+00:00",
    "roles": ["policy-and-campaigns-officer"],
}
CLOSES = int(datetime(2026, 12, 4, 21, tzinfo=UTC).timestamp())


def _open(bot: BotHarness, user: str, event_id: str, tab: str = "home") -> dict[str, Any]:
    before = len(bot.fake.calls_to("views.publish"))
    event = {"type": "app_home_opened", "user": user, "channel": "D0HOME", "tab": tab}
    response = bot.event(event, event_id=event_id)
    assert response.status == 200
    published = bot.fake.wait_for("views.publish", before + 1)[-1]
    assert published["user_id"] == user
    view: dict[str, Any] = published["view"]
    return view


def _text(view: dict[str, Any]) -> str:
    return json.dumps(view["blocks"], ensure_ascii=False)


def _started(bot: BotHarness) -> BotHarness:
    """As `serve` does: the organisation file becomes elections, meetings and jobs."""
    bot.deps.jobs.startup()
    bot.run_jobs()
    return bot


@pytest.fixture
def home_bot(make_bot: Callable[..., BotHarness], org: dict[str, Any]) -> BotHarness:
    org["elections"].append(dict(BY_ELECTION))
    bot = make_bot(org)
    bot.fake.users["U0RCEAME"] = {"name": "eame", "tz": "Asia/Dubai", "profile": {}}
    return _started(bot)


def _nominate(bot: BotHarness, candidate: str, nominators: tuple[str, str]) -> None:
    now = bot.clock.now()
    with bot.deps.session_factory.begin() as session:
        election = election_store.get_by_name(session, BY_ELECTION["name"])
        assert election is not None
        form = NominationForm(
            position=Position("policy-and-campaigns-officer"),
            candidate=Person(candidate, "Mary Member", "mary@example.org", "L1234567"),
            statement="I will campaign.",
            route=Route.MEMBERS,
            nominators=(Person(nominators[0]), Person(nominators[1])),
        )
        nominations.submit(
            session, form, election, submitted_by=candidate, submission_key=f"V-{candidate}", now=now
        )


def _ask(
    bot: BotHarness, asker: str, text: str, region: Region | None = Region.EUROPE_AFRICA_MIDDLE_EAST
) -> None:
    now = bot.clock.now()
    with bot.deps.session_factory.begin() as session:
        if region is not None:
            questions.set_region(session, asker, region, now)
        decision = questions.decide_region(questions.member_choice(session, asker), bot.deps.org, None)
        questions.create_question(
            session, asker_id=asker, text=text, decision=decision, asker_tz=None, now=now
        )


def test_a_member_sees_region_coordinator_meetings_elections_nominations_and_questions(
    home_bot: BotHarness,
) -> None:
    bot = home_bot
    _nominate(bot, "U0MEMBER", ("U0SECRETARY", "U0BAME"))
    _ask(bot, "U0MEMBER", "Is there a <!channel> branch in Lyon? @here")
    view = _open(bot, "U0MEMBER", "EvHOME1")
    assert view["type"] == "home"
    text = _text(view)

    # Region and coordinator, with the coordinator's local time now (12:00 UTC is 16:00 in Dubai).
    assert "Europe, Africa and the Middle East" in text
    assert "<@U0RCEAME> (it is 16:00 on Monday for them)" in text
    # The next meetings, as Slack date tokens (each reader sees their own local time).
    liec = int(datetime(2027, 1, 9, 10, tzinfo=UTC).timestamp())
    assert "LIEC meeting" in text and f"<!date^{liec}^" in text and "<#C0LIEC>" in text
    assert "General Committee" in text
    # The open election, with its closing moment and a Nominate button; the 2027 one is not open.
    assert "Policy officer by-election" in text and f"<!date^{CLOSES}^" in text
    assert "LIEC elections 2027" not in text
    nominate = [
        b["accessory"] for b in view["blocks"] if b.get("accessory", {}).get("action_id") == NOMINATE_BUTTON
    ]
    assert len(nominate) == 1 and nominate[0]["value"].isdigit()
    # Their own nomination and its status.
    assert "Policy and Campaigns Officer" in text and "awaiting nominators" in text
    # Their open question, made inert.
    assert "Lyon" in text and "<!channel>" not in text and "@here" not in text.replace("@\u2060here", "")
    # No admin part for a member who holds no office.
    assert "For officers and admins" not in text
    assert len(view["blocks"]) <= 100


def test_an_open_calls_slack_once_and_a_retried_event_publishes_nothing(home_bot: BotHarness) -> None:
    bot = home_bot
    _open(bot, "U0MEMBER", "EvWARM")  # reads no time zone it has not got: the member's is fetched later
    bot.run_jobs()
    bot.settle()
    start = len(bot.fake.calls)
    _open(bot, "U0MEMBER", "EvONCE")
    bot.settle()
    assert [c.method for c in bot.fake.calls[start:]] == ["views.publish"]
    event = {"type": "app_home_opened", "user": "U0MEMBER", "channel": "D0HOME", "tab": "home"}
    assert bot.event(event, event_id="EvONCE", retry_num=1).status == 200
    bot.settle()
    assert [c.method for c in bot.fake.calls[start:]] == ["views.publish"]


def test_the_messages_tab_publishes_nothing(home_bot: BotHarness) -> None:
    bot = home_bot
    before = len(bot.fake.calls)
    event = {"type": "app_home_opened", "user": "U0MEMBER", "channel": "D0HOME", "tab": "messages"}
    assert bot.event(event, event_id="EvMSG").status == 200
    bot.settle()
    assert bot.fake.calls[before:] == []


def test_a_region_from_the_time_zone_appears_once_the_time_zone_is_read(home_bot: BotHarness) -> None:
    bot = home_bot
    first = _text(_open(bot, "U0MEMBER", "EvTZ1"))
    assert "reading your Slack time zone" in first
    assert bot.run_jobs() >= 1  # users.info, in the background, once
    assert bot.fake.calls_to("users.info")[-1]["user"] == "U0MEMBER"
    second = _text(_open(bot, "U0MEMBER", "EvTZ2"))
    assert "Europe, Africa and the Middle East" in second and "Europe/Paris" in second
    assert bot.run_jobs() == 0  # fresh: nothing more to read


def test_a_missing_scope_while_reading_time_zones_alerts_the_admins_once(home_bot: BotHarness) -> None:
    bot = home_bot
    bot.fake.on("users.info", lambda _params: {"ok": False, "error": "missing_scope"})
    _open(bot, "U0MEMBER", "EvSCOPE1")
    bot.run_jobs()
    alerts = [c for c in bot.fake.calls_to("chat.postMessage") if "missing_scope" in json.dumps(c)]
    assert len(alerts) == 1 and "users:read" in json.dumps(alerts[0])
    assert bot.run_jobs() == 0  # not retried: no retry cures a missing scope
    bot.clock.advance(timedelta(days=1))
    again = _text(_open(bot, "U0MEMBER", "EvSCOPE2"))
    # The tab says what is really wrong, not that it is still reading nor that there is no zone.
    assert "bot's Slack permissions, not with your profile" in again
    assert "reading your Slack time zone" not in again and "no time zone" not in again
    bot.run_jobs()
    assert len([c for c in bot.fake.calls_to("chat.postMessage") if "missing_scope" in json.dumps(c)]) == 1


def test_officers_and_admins_see_what_needs_them(home_bot: BotHarness) -> None:
    bot = home_bot
    _nominate(bot, "U0MEMBER", ("U0SECRETARY", "U0BAME"))
    _ask(bot, "U0MEMBER", "First question")
    _ask(bot, "U0BAME", "Second question", Region.AMERICAS)
    now = bot.clock.now()
    with bot.deps.session_factory.begin() as session:
        session.add(
            MeetingPost(
                key="mtg:general-committee:20261121T1400Z:1d",
                kind="meeting_reminder",
                channel="C0GC",
                ts=None,
                outcome="failed",
                due_at=now - timedelta(days=2),
                recorded_at=now - timedelta(days=2),
                detail={"error": "not_in_channel"},
            )
        )
        session.add(
            ScheduledJob(
                kind="meeting_agenda",
                key="mtg:liec-meeting:20261205T1000Z:agenda",
                due_at=now - timedelta(days=1),
                payload={},
                status="failed",
                attempts=5,
                finished_at=now - timedelta(days=1),
                last_error="ratelimited",
            )
        )
    text = _text(_open(bot, "U0BAME", "EvADMIN"))  # an officer, not an admin
    assert "For officers and admins" in text
    assert "Policy and Campaigns Officer (Policy officer by-election): 1 nomination" in text
    assert "Europe, Africa and the Middle East: 1" in text and "The Americas: 1" in text
    assert "reminder of General Committee in <#C0GC>" in text and "not_in_channel" in text
    assert "agenda notice of LIEC meeting" in text and "ratelimited" in text
    assert "None: the organisation file agrees" in text
    # Counts only: no candidate's name, email or membership number on the admins' part.
    assert "mary@example.org" not in text and "L1234567" not in text


def test_configuration_problems_are_shown_to_admins(
    make_bot: Callable[..., BotHarness], org: dict[str, Any]
) -> None:
    org["officers"]["treasurer"] = ["U0TREASURER"]
    bot = make_bot(org)
    text = _text(_open(bot, "U0SECRETARY", "EvCFG"))
    assert "officers.treasurer: there is no role 'treasurer'" in text


def test_a_part_that_fails_is_left_out_and_the_rest_is_published(
    home_bot: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.services import home

    def broken(*_args: Any) -> Any:
        raise RuntimeError("meetings are broken")

    monkeypatch.setattr(home, "meeting_items", broken)
    text = _text(_open(home_bot, "U0MEMBER", "EvBROKEN"))
    assert "Next meetings" not in text
    assert "Policy officer by-election" in text


def test_the_nominate_button_on_the_home_tab_opens_the_nomination_form(home_bot: BotHarness) -> None:
    view = _open(home_bot, "U0MEMBER", "EvNOM")
    value = next(
        b["accessory"]["value"]
        for b in view["blocks"]
        if b.get("accessory", {}).get("action_id") == NOMINATE_BUTTON
    )
    before = len(home_bot.fake.calls_to("views.open"))
    home_bot.click("U0MEMBER", NOMINATE_BUTTON, value)
    opened = home_bot.fake.wait_for("views.open", before + 1)[-1]["view"]
    assert "Policy" in json.dumps(opened)
