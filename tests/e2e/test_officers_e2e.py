"""/liec officers end to end: every role, who holds it, vacancies and their by-election button."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from bot.views.officers import BY_ELECTION_INFO
from bot.views.roles import ROLE_OPEN
from tests.e2e.harness import BotHarness


def _buttons(blocks: list[dict[str, Any]]) -> list[tuple[str, str]]:
    found = []
    for block in blocks:
        elements = block.get("elements", []) if block["type"] == "actions" else [block.get("accessory") or {}]
        found += [(e["action_id"], e.get("value", "")) for e in elements if e.get("type") == "button"]
    return found


def test_officers_lists_every_role_with_holders_and_marks_vacancies(bot: BotHarness) -> None:
    body = bot.command("officers").json()
    assert body["response_type"] == "ephemeral"
    text = json.dumps(body["blocks"])
    for title in ("Secretary", "Regional Coordinator", "Vice Chair", "Policy and Campaigns", "BAME"):
        assert title in text
    assert "<@U0SECRETARY>" in text and "<@U0RCASIAPAC>" in text
    # The three coordinator posts are shown one by one, from the regions in the organisation file.
    assert "The Americas: <@U0RCAMERICAS>" in text
    buttons = _buttons(body["blocks"])
    for key in bot.deps.roles._by_key:
        assert (f"{ROLE_OPEN}:{key}", key) in buttons
    # Only the vacant role has a by-election button.
    assert [v for a, v in buttons if a == BY_ELECTION_INFO] == ["policy-and-campaigns-officer"]
    policy = next(b for b in body["blocks"] if "Policy and Campaigns" in json.dumps(b))
    assert "Vacant" in policy["text"]["text"]
    assert "1 post is vacant" in text


def test_a_vacant_coordinator_post_is_marked_on_its_own(
    make_bot: Callable[..., BotHarness], org: dict[str, Any]
) -> None:
    org["regions"]["asia-pacific"]["coordinator"] = []
    bot = make_bot(org)
    body = bot.command("officers").json()
    coordinator = next(b for b in body["blocks"] if "Regional Coordinator" in json.dumps(b))
    lines = coordinator["text"]["text"].splitlines()
    assert any("Asia" in line and "Vacant" in line for line in lines)
    assert any("The Americas" in line and "<@U0RCAMERICAS>" in line for line in lines)
    assert (BY_ELECTION_INFO, "regional-coordinator") in _buttons(body["blocks"])


def test_the_role_button_opens_the_role_description(bot: BotHarness) -> None:
    bot.click("U0MEMBER", f"{ROLE_OPEN}:bame-officer", "bame-officer")
    reply = bot.fake.wait_for("response_url")[0]
    assert "Main aims" in json.dumps(reply["blocks"])


def test_by_election_button_shows_the_election_that_fills_the_post(
    make_bot: Callable[..., BotHarness], org: dict[str, Any]
) -> None:
    org["elections"].append(
        {
            "name": "Policy officer by-election",
            "kind": "by-election",
            "opens": "2026-11-20T09:00:00+00:00",
            "closes": "2026-12-04T21:00:00+00:00",
            "roles": ["policy-and-campaigns-officer"],
        }
    )
    bot = make_bot(org)
    bot.click("U0MEMBER", BY_ELECTION_INFO, "policy-and-campaigns-officer")
    reply = bot.fake.wait_for("response_url")[0]
    text = json.dumps(reply["blocks"])
    assert "Policy officer by-election" in text
    assert "open now" in text
    closes = 1796418000  # 2026-12-04 21:00 UTC
    assert f"<!date^{closes}^" in text
    assert "/liec nominate" in text
    # The regular 2027 election covers the role too, and is listed after the by-election.
    assert text.index("Policy officer by-election") < text.index("LIEC elections 2027")
    assert "How to apply" in text


def test_by_election_button_without_an_election_says_none_is_called(
    make_bot: Callable[..., BotHarness], org: dict[str, Any]
) -> None:
    org["elections"] = []
    bot = make_bot(org)
    bot.click("U0MEMBER", BY_ELECTION_INFO, "policy-and-campaigns-officer")
    reply = bot.fake.wait_for("response_url")[0]
    assert "No by-election has been called" in json.dumps(reply["blocks"])


def test_officers_is_in_help(bot: BotHarness) -> None:
    assert "/liec officers" in json.dumps(bot.command("help").json()["blocks"])


def test_a_by_election_opened_in_slack_is_shown_for_the_vacancy(bot: BotHarness) -> None:
    from datetime import timedelta

    from bot.services import election_store
    from bot.services.elections import Election, ElectionKind, Position

    now = bot.clock.now()
    with bot.deps.session_factory.begin() as session:
        election_store.create(
            session,
            Election(
                "Policy <!channel> by-election",
                ElectionKind.BY_ELECTION,
                now + timedelta(days=2),
                now + timedelta(days=16),
                (Position("policy-and-campaigns-officer"),),
            ),
            source="slack",
            now=now,
        )
    bot.click("U0MEMBER", BY_ELECTION_INFO, "policy-and-campaigns-officer")
    text = json.dumps(bot.fake.wait_for("response_url")[0]["blocks"])
    assert "Policy &lt;!channel&gt; by-election" in text
    assert f"<!date^{int((now + timedelta(days=2)).timestamp())}^" in text
    assert text.index("by-election") < text.index("LIEC elections 2027")
