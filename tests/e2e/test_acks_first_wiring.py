"""The bot's own database and Slack calls give way to requests being answered
(bot/acks_first.py; the gate itself is tested in tests/test_acks_first.py)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import text

from bot import acks_first
from tests.e2e.harness import BotHarness
from tests.test_acks_first import ended_first


@pytest.mark.parametrize("call", ["read", "write", "slack"])
def test_the_bots_reads_writes_and_web_api_calls_give_way(
    make_bot: Callable[..., BotHarness], call: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    bot = make_bot()
    monkeypatch.setattr(acks_first.ACKS_FIRST, "max_wait", 60)
    work = {
        "read": lambda: bot.deps.read(lambda session: session.execute(text("SELECT 1"))),
        "write": lambda: bot.deps.write(lambda session: session.execute(text("SELECT 1"))),
        "slack": bot.deps.client.auth_test,
    }[call]
    assert ended_first(acks_first.ACKS_FIRST, work)
