"""/liec role, roles, who and help, end to end through signed HTTP requests."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from bot.slack_requests import signed_headers, slash_command_body
from handlers import from_memory
from tests.e2e.harness import SECRET, BotHarness


def _text(body: dict) -> str:
    return json.dumps(body["blocks"])


def test_health_answers_when_ready(bot: BotHarness) -> None:
    assert bot.get("/healthz").status == 200
    assert bot.get("/nowhere").status == 404


def test_role_secretary_is_answered_in_the_acknowledgement(bot: BotHarness) -> None:
    response = bot.command("role secretary")
    assert response.status == 200
    body = response.json()
    assert body["response_type"] == "ephemeral"
    blocks = _text(body)
    assert "Secretary" in blocks and "Main aims" in blocks and "How to apply" in blocks
    assert "200 words" in blocks  # how to apply, from the committee's document
    assert "<@U0SECRETARY>" in blocks  # who holds it, from the organisation file
    action_ids = [e["action_id"] for b in body["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert "role_section:skills" in action_ids and "role_share" in action_ids


@pytest.mark.parametrize(
    ("query", "title"),
    [
        ("sec", "Secretary"),
        ("secertary", "Secretary"),
        ("BAME", "BAME"),
        ("vice chair", "Vice Chair"),
        ("membership", "Vice Chair"),
        ("regional coordinator", "Regional Coordinator"),
        ("coordinator", "Regional Coordinator"),
        ("policy", "Policy and Campaigns"),
        ("campaigns", "Policy and Campaigns"),
    ],
)
def test_role_matching_forgives_what_people_type(bot: BotHarness, query: str, title: str) -> None:
    body = bot.command(f"role {query}").json()
    header = body["blocks"][0]
    assert header["type"] == "header"
    assert title in header["text"]["text"]


def test_unknown_role_suggests_and_never_fails(bot: BotHarness) -> None:
    body = bot.command("role treasurer").json()
    text = _text(body)
    assert "no role called" in text
    assert "See all roles" in text


def test_section_button_shows_the_section_without_retyping(bot: BotHarness) -> None:
    assert bot.click("U0MEMBER", "role_section:time_commitment", "secretary").status == 200
    reply = bot.fake.wait_for("response_url")[0]
    assert reply["replace_original"] is True
    assert "weekends" in json.dumps(reply["blocks"])


def test_share_posts_the_card_in_channel_only_when_asked(bot: BotHarness) -> None:
    bot.command("role secretary")
    bot.settle()
    assert bot.fake.calls_to("response_url") == []  # nothing is shared by itself
    bot.click("U0MEMBER", "role_share", "secretary")
    shared = bot.fake.wait_for("response_url")[0]
    assert shared["response_type"] == "in_channel"
    assert "Shared by <@U0MEMBER>" in json.dumps(shared["blocks"])


def test_roles_lists_every_role_with_holders(bot: BotHarness) -> None:
    body = bot.command("roles").json()
    text = _text(body)
    for key in ("Secretary", "Regional Coordinator", "Vice Chair", "Policy and Campaigns", "BAME"):
        assert key in text
    assert "_vacant_" in text  # policy-and-campaigns-officer has no holder in the example


@pytest.mark.parametrize(
    ("words", "first"),
    [("minutes", "Secretary"), ("Black History Month", "BAME"), ("NPF", "Policy"), ("MemberCentre", "")],
)
def test_who_ranks_roles_by_duty(bot: BotHarness, words: str, first: str) -> None:
    body = bot.command(f"who {words}").json()
    sections = [b for b in body["blocks"] if b["type"] == "section"]
    assert sections, body
    assert first in sections[0]["text"]["text"]
    assert "&gt; " in sections[0]["text"]["text"] or "> " in sections[0]["text"]["text"]


@pytest.mark.parametrize("text", ["", "help", "frobnicate now"])
def test_help_lists_every_subcommand(bot: BotHarness, text: str) -> None:
    body = bot.command(text).json()
    blob = _text(body)
    for usage in ("/liec role secretary", "/liec roles", "/liec who minutes", "/liec help"):
        assert usage in blob
    if text.startswith("frobnicate"):
        assert "frobnicate" in blob


@pytest.mark.parametrize(
    "text",
    [
        "role <!channel> please",
        "role " + "x" * 10_000,
        "who <@U0SECRETARY> @here",
        "role 秘書 🌍",
        "<!everyone>",
    ],
)
def test_hostile_text_gets_a_clear_reply_and_no_broadcast(bot: BotHarness, text: str) -> None:
    response = bot.command(text)
    assert response.status == 200
    blocks = response.json()["blocks"]
    blob = _text(response.json())
    assert "<!channel>" not in blob and "<!everyone>" not in blob
    # Only mrkdwn is parsed for mentions; plain_text (headers) shows text as typed.
    mrkdwn = json.dumps([b for b in blocks if b["type"] != "header"])
    assert "<@U0SECRETARY> @here" not in mrkdwn
    assert "@here" not in blob.replace("@\\u2060here", "")


def test_forged_or_stale_signatures_are_refused(bot: BotHarness) -> None:
    body, content_type = slash_command_body("role secretary", response_url=bot.fake.response_url())
    forged = signed_headers("not-the-secret", body)
    assert bot.post(body, content_type, headers=forged, signed=False).status == 401
    assert bot.post(body, content_type, signed=False).status == 401
    stale = signed_headers(SECRET, body, timestamp=int(time.time()) - 6 * 60)
    assert bot.post(body, content_type, headers=stale, signed=False).status == 401
    assert bot.fake.calls == []


def test_retried_event_delivery_is_handled_once(bot: BotHarness) -> None:
    event = {"type": "app_mention", "user": "U0MEMBER", "text": "hi", "channel": "C1", "ts": "1.1"}
    assert bot.event(event, event_id="EvDUP1").status == 200
    assert bot.event(event, event_id="EvDUP1", retry_num=1).status == 200
    from sqlalchemy import func, select

    from models.foundation import SlackDelivery

    with bot.deps.session_factory() as session:
        assert session.scalar(select(func.count()).select_from(SlackDelivery)) == 1


def test_suggestion_buttons_open_the_role(bot: BotHarness) -> None:
    body = bot.command("role chair").json()
    buttons = [e for b in body["blocks"] if b["type"] == "actions" for e in b["elements"]]
    suggestion = next(e for e in buttons if e["action_id"].startswith("role_open:"))
    bot.click("U0MEMBER", suggestion["action_id"], suggestion["value"])
    card = bot.fake.wait_for("response_url")[0]
    assert card["response_type"] == "ephemeral"
    assert card["blocks"][0]["type"] == "header"


def _sections(body: dict[str, Any]) -> list[str]:
    return [b["text"]["text"] for b in body["blocks"] if b["type"] == "section"]


ADMIN_ONLY = (
    "/liec election",
    "/liec meeting add",
    "/liec audit",
    "/liec nominations export",
    "/liec questions",
)


def test_help_shows_a_member_only_their_own_commands(bot: BotHarness) -> None:
    blob = "\n".join(_sections(bot.command("help").json()))
    assert "/liec my-data" in blob and "/liec nominations mine" in blob
    for usage in ADMIN_ONLY:
        assert usage not in blob
    assert "For admins" not in blob and "admins:" not in blob


def test_help_shows_admins_and_coordinators_theirs_in_a_section_apart(bot: BotHarness) -> None:
    admin = _sections(bot.command("help", user="U0SECRETARY").json())
    members_part = admin[0]
    admins_part = next(s for s in admin if s.startswith("*For admins*"))
    assert "/liec audit" in admins_part and "/liec nominations export" in admins_part
    assert "/liec audit" not in members_part and "/liec my-data" in members_part
    coordinator = "\n".join(_sections(bot.command("help", user="U0RCAMERICAS").json()))
    assert "*For coordinators and admins*" in coordinator and "/liec questions" in coordinator
    assert "/liec audit" not in coordinator


@pytest.mark.parametrize(
    ("typed", "meant"),
    [("my data", "my-data"), ("forget me", "forget-me"), ("officer", "officers"), ("rol secretary", "role")],
)
def test_a_mistyped_subcommand_gets_did_you_mean(bot: BotHarness, typed: str, meant: str) -> None:
    first = _sections(bot.command(typed).json())[0]
    assert f"Did you mean `/liec {meant}`?" in first
    assert f"I don't know `{typed.split(maxsplit=1)[0]}`" in first


def test_nonsense_gets_no_guess(bot: BotHarness) -> None:
    first = _sections(bot.command("xyzzy").json())[0]
    assert "I don't know `xyzzy`" in first and "Did you mean" not in first


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("role secretary", True),
        ("ROLE  bame officer", True),
        ("roles", True),
        ("who minutes", True),
        ("officers", True),
        ("directory", True),  # an alias
        ("help", True),
        ("frobnicate", True),  # the help, saying it does not know the word
        # Acknowledged from memory, their work after it (bot/listeners.py):
        ("meetings", True),
        ("nominate secretary", True),
        ("nominations export", True),
        ("questions", True),
        ("my-data", True),
        ("forget-me", True),
        ("ask where is the AGM?", True),
        # Acknowledgements that read or write the database:
        ("region", False),
        ("region set europe", False),
        ("election", False),
        ("audit", False),
    ],
)
def test_which_commands_are_answered_from_memory(text: str, expected: bool) -> None:
    body, _ = slash_command_body(text, user_id="U0MEMBER", response_url="https://example/r")
    assert from_memory(body.encode()) is expected
    other = body.replace("command=%2Fliec", "command=%2Fother")
    assert from_memory(other.encode()) is False


def test_from_memory_reads_the_text_as_bolt_does() -> None:
    """Only `command` and `text` are decoded, and the last of a repeated field counts, as in
    Bolt's own parse: the request is judged by the text its listener will be given."""
    body, _ = slash_command_body("region set europe", user_id="U0MEMBER", response_url="https://example/r")
    assert from_memory(body.encode()) is False
    # An encoded "&" or "=" inside the text is part of the text, not a new field.
    encoded = body.replace("text=region+set+europe", "text=role+sec%26text%3Dregion")
    assert from_memory(encoded.encode()) is True
    # Repeated: the last one is the one Bolt keeps.
    assert from_memory((body + "&text=role+secretary").encode()) is True
    assert from_memory(("text=role+secretary&" + body).encode()) is False
    # A name that merely ends in "text" is another field.
    assert from_memory(body.replace("text=region", "subtext=role&text=region").encode()) is False


def test_what_is_answered_from_memory_never_touches_the_database(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Acknowledged on the thread that received it, outside the acknowledgement's deadline: so
    the acknowledgement must not wait on anything. With the database gone, every such command
    is still acknowledged (the work after it, which may use the database, is left out here)."""

    def no_database(*_: Any, **__: Any) -> Any:
        raise AssertionError("a command answered from memory used the database")

    from handlers import features

    subs = [
        s
        for f in features()
        for s in getattr(f, "SUBCOMMANDS", [])
        if s.from_memory or (s.reply is None and not s.admin_only)
    ]
    assert {s.name for s in subs} >= {"role", "roles", "who", "officers", "nominate", "meetings"}
    monkeypatch.setattr(bot.deps, "session_factory", no_database)
    monkeypatch.setattr(bot.deps, "run_after_ack", lambda _work: None)
    for sub in subs:
        for text in (sub.name, f"{sub.name} secretary", "help"):
            response = bot.command(text)
            assert response.status == 200
            blob = json.dumps(response.json())
            assert "went wrong" not in blob, text
