"""Every role file renders to valid Block Kit within Slack's limits, in every state of its card."""

from __future__ import annotations

import pytest
from slack_sdk.models.blocks import Block

from bot.services.roles import RoleCatalog, default_roles_dir
from bot.views import roles as views
from bot.views.common import escape

CATALOG = RoleCatalog.load(default_roles_dir())
ROLE_KEYS = [role.key for role in CATALOG.roles]


def _validate(blocks: list[dict]) -> None:
    assert len(blocks) <= 50
    for raw in blocks:
        block = Block.parse(raw)
        assert block is not None
        block.to_dict()  # slack_sdk raises on any limit it knows
        if raw["type"] == "section":
            assert len(raw["text"]["text"]) <= 3000
        if raw["type"] == "actions":
            ids = [e["action_id"] for e in raw["elements"]]
            assert len(ids) == len(set(ids)) <= 25


def test_the_five_committee_roles_are_there() -> None:
    assert set(ROLE_KEYS) >= {
        "secretary",
        "regional-coordinator",
        "vice-chair-membership",
        "policy-and-campaigns-officer",
        "bame-officer",
    }


@pytest.mark.parametrize("key", ROLE_KEYS)
@pytest.mark.parametrize("shown", [None, *views.MORE_SECTIONS])
def test_every_role_card_is_valid_block_kit(key: str, shown: str | None) -> None:
    role = CATALOG.get(key)
    assert role is not None
    card = views.role_card(role, ["U0AAA", "U0BBB"], shown=shown)
    blocks = card.block_dicts()
    _validate(blocks)
    text = str(blocks)
    assert role.title in text
    if shown == "about":
        assert "What will be your role?" in text and role.about[:40] in text
    elif shown == "who_we_are":
        assert "Who are we?" in text and role.who_we_are[0][:40] in text
    elif shown:
        assert role.section(shown)[0][:40] in text


@pytest.mark.parametrize("key", ROLE_KEYS)
def test_shared_cards_carry_no_buttons(key: str) -> None:
    role = CATALOG.get(key)
    assert role is not None
    blocks = views.shared_role_card(role, [], "U0MEMBER").block_dicts()
    _validate(blocks)
    assert not [b for b in blocks if b["type"] == "actions"]


def test_lists_and_searches_are_valid() -> None:
    _validate(views.roles_list(CATALOG.roles, {"secretary": ["U0A"]}).block_dicts())
    _validate(views.duty_hits("minutes", CATALOG.who("minutes")).block_dicts())
    _validate(views.duty_hits("<!channel>", []).block_dicts())
    _validate(views.no_such_role("x" * 10_000, CATALOG.roles[:3]).block_dicts())


def test_escape_makes_member_text_inert() -> None:
    hostile = "<!channel> <@U0SEC> <https://evil|click> @here @Everyone & co"
    out = escape(hostile)
    assert "<" not in out and ">" not in out
    assert "@here" not in out and "@Everyone" not in out
    assert "&amp; co" in out


def test_every_part_of_the_document_has_a_button() -> None:
    role = CATALOG.get("secretary")
    assert role is not None
    buttons = [
        e["text"]["text"]
        for b in views.role_card(role, []).block_dicts()
        if b["type"] == "actions"
        for e in b["elements"]
    ]
    assert "What will be your role?" in buttons and "Who are we?" in buttons
    assert {"Skills and knowledge", "Time commitment", "Lines of communication"} <= set(buttons)


def test_a_contradiction_in_the_document_is_shown_with_whom_to_ask() -> None:
    role = CATALOG.get("regional-coordinator")
    assert role is not None
    text = str(views.role_card(role, []).block_dicts())
    assert "Where the role document is unclear" in text and "non-voting" in text and "Secretary" in text
    assert "voting or non-voting: the role document says both" in text
    assert "non-voting member of the LIEC ·" not in text  # it does not choose silently


def test_a_role_of_several_posts_lists_holders_per_region() -> None:
    role = CATALOG.get("regional-coordinator")
    assert role is not None
    card = views.role_card(
        role,
        ["U0AM", "U0AP1", "U0AP2"],
        post_holders={"americas": ["U0AM"], "asia-pacific": ["U0AP1", "U0AP2"]},
    )
    text = str(card.block_dicts())
    assert "• The Americas: <@U0AM>" in text
    assert "• Asia, Australasia and Pacific: <@U0AP1>, <@U0AP2>" in text
    assert "• Europe, Africa and the Middle East: _vacant_" in text
    assert "3 posts: The Americas; Asia, Australasia and Pacific; Europe, Africa and the Middle East" in text
