"""Every views.update, views.publish and views.push the bot makes, refused by the fake Slack:
hash_conflict is drawn again from the view as it stands (once), any other refusal is told to the
member, and one caused by the bot's installation alerts the admins (bot/deliver.py)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from bot.fake_slack import FakeSlack
from bot.services import organisation_fields as fields
from bot.views import organisation as org_views
from bot.views import questions as views
from tests.e2e.harness import BotHarness
from tests.e2e.test_nominations_e2e import CANDIDATE, ELECTION, PEOPLE
from tests.e2e.test_questions_e2e import EAME, MEMBER, wait_posts

ADMIN = "U0SECRETARY"
ADMINS_CHANNEL = "C0LIECADMIN"
CHANNEL = "C0EAMEQ"


def _blob(params: dict[str, Any]) -> str:
    return (
        params.get("text", "") + json.dumps(params.get("blocks") or []) + json.dumps(params.get("view") or {})
    )


@pytest.fixture(autouse=True)
def people(fake_slack: FakeSlack) -> None:
    fake_slack.users.update({EAME: {"tz": "Europe/London"}, MEMBER: {"tz": "Europe/Paris"}})


@pytest.fixture
def channel_bot(make_bot: Callable[..., BotHarness], org: dict[str, Any]) -> BotHarness:
    org["regions"]["europe-africa-middle-east"]["channel"] = CHANNEL
    return make_bot(org)


def test_the_ask_forms_destination_lost_to_a_hash_conflict_is_drawn_again(
    channel_bot: BotHarness, fake_slack: FakeSlack
) -> None:
    fake_slack.fail_next("views.update", status=200, error="hash_conflict")
    channel_bot.command("ask")
    (again,) = fake_slack.wait_for("views.update", 1)
    assert fake_slack.failed[0].params["hash"]
    assert "hash" not in again  # drawn again over the view as it now stands
    assert f"posted in <#{CHANNEL}>" in _blob(again) and "with your name" in _blob(again)
    assert [c.method for c in fake_slack.failed] == ["views.update"]


def test_the_ask_form_refused_twice_tells_the_member_where_the_question_goes(
    channel_bot: BotHarness, fake_slack: FakeSlack
) -> None:
    fake_slack.fail_next("views.update", status=200, error="hash_conflict")
    fake_slack.fail_next("views.update", status=200, error="not_found")
    channel_bot.command("ask")
    told = fake_slack.wait_for("response_url")[-1]
    assert f"posted in <#{CHANNEL}>" in _blob(told) and "not_found" in _blob(told)


def test_the_nomination_pre_fill_lost_to_a_hash_conflict_tells_the_member(
    make_bot: Callable[..., BotHarness], org: dict[str, Any], fake_slack: FakeSlack
) -> None:
    org["elections"] = [
        {
            "name": ELECTION,
            "kind": "by-election",
            "opens": "2026-11-20T09:00:00+00:00",
            "closes": "2026-12-01T21:00:00+00:00",
            "roles": ["secretary"],
        }
    ]
    fake_slack.users[CANDIDATE] = json.loads(json.dumps(PEOPLE[CANDIDATE]))
    bot = make_bot(org)
    bot.deps.jobs.startup()
    fake_slack.fail_next("views.update", status=200, error="hash_conflict")
    assert bot.command("nominate", user=CANDIDATE).status == 200
    told = fake_slack.wait_for("response_url")[-1]
    assert "were not filled in for you" in _blob(told)


def test_a_home_tab_slack_refuses_is_the_admins_to_hear_of(bot: BotHarness, fake_slack: FakeSlack) -> None:
    fake_slack.fail_next("views.publish", status=200, error="invalid_arguments")
    event = {"type": "app_home_opened", "user": MEMBER, "channel": "D0HOME", "tab": "home"}
    assert bot.event(event, event_id="EvREFUSED").status == 200
    alert = wait_posts(fake_slack, ADMINS_CHANNEL)[0]
    assert "views.publish" in _blob(alert) and "invalid_arguments" in _blob(alert)
    assert MEMBER not in _blob(alert)  # the alert names no one


def test_a_home_tab_refused_for_the_bots_scopes_alerts_the_admins_with_the_fix(
    bot: BotHarness, fake_slack: FakeSlack
) -> None:
    fake_slack.fail_next("views.publish", status=200, error="missing_scope")
    event = {"type": "app_home_opened", "user": MEMBER, "channel": "D0HOME", "tab": "home"}
    assert bot.event(event, event_id="EvSCOPE").status == 200
    alert = wait_posts(fake_slack, ADMINS_CHANNEL)[0]
    assert "missing_scope" in _blob(alert) and "reinstall" in _blob(alert)


def test_an_organisation_form_slack_will_not_push_is_told_to_the_admin(
    bot: BotHarness, fake_slack: FakeSlack
) -> None:
    assert bot.command("org", user=ADMIN).status == 200
    fake_slack.wait_for("views.open")
    fake_slack.fail_next("views.push", status=200, error="push_limit_reached")
    bot.click(
        ADMIN, org_views.OPEN_FORM, fields.FORM_BRANCHES, extra={"view": {"id": "V0MENU", "type": "modal"}}
    )
    told = wait_posts(fake_slack, ADMIN)[0]
    assert "would not open the form" in _blob(told) and "push_limit_reached" in _blob(told)


def test_an_organisation_menu_slack_will_not_open_is_told_to_the_admin(
    bot: BotHarness, fake_slack: FakeSlack
) -> None:
    fake_slack.fail_next("views.open", status=200, error="expired_trigger_id")
    assert bot.command("org", user=ADMIN).status == 200
    told = fake_slack.wait_for("response_url")[-1]
    assert "type the command again" in _blob(told)


def test_the_ask_form_is_unchanged_when_nothing_refuses(
    channel_bot: BotHarness, fake_slack: FakeSlack
) -> None:
    channel_bot.command("ask")
    (shown,) = fake_slack.wait_for("views.update", 1)
    assert shown["hash"] and shown["view"]["callback_id"] == views.ASK_MODAL
    assert fake_slack.failed == []
