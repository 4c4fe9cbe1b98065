"""The bot's own database and Slack calls give way to requests being answered
(bot/acks_first.py; the gate itself is tested in tests/test_acks_first.py)."""

from __future__ import annotations

import sys
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


def test_the_interpreter_switches_often_while_work_after_an_acknowledgement_runs(
    make_bot: Callable[..., BotHarness], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Through the work after acknowledgements (`AppDeps.after_ack`): while the Home
    tab is being built and published the interval is SWITCH_INTERVAL; an answer from memory
    alone (the role card), with no work after it, leaves it resting."""
    bot = make_bot()
    seen: list[float] = []
    bot.fake.on("views.publish", lambda _params: seen.append(sys.getswitchinterval()))
    before = sys.getswitchinterval()
    try:
        sys.setswitchinterval(acks_first.RESTING_SWITCH_INTERVAL)
        event = {"type": "app_home_opened", "user": "U0MEMBER", "channel": "D0HOME", "tab": "home"}
        assert bot.event(event, event_id="Ev0SWITCH").status == 200
        bot.fake.wait_for("views.publish")
        bot.settle()
        assert seen == [pytest.approx(acks_first.SWITCH_INTERVAL)]
        assert sys.getswitchinterval() == pytest.approx(acks_first.RESTING_SWITCH_INTERVAL)

        during: list[float] = []
        match = bot.deps.roles.match

        def matched(text: str) -> object:  # the role card's own lookup, while it is answered
            during.append(sys.getswitchinterval())
            return match(text)

        monkeypatch.setattr(bot.deps.roles, "match", matched)
        answered = bot.command("role secretary")
        assert answered.status == 200 and "Secretary" in answered.body
        assert during == [pytest.approx(acks_first.RESTING_SWITCH_INTERVAL)]
    finally:
        sys.setswitchinterval(before)
