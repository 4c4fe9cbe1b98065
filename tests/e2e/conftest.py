from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from bot.clock import ManualClock
from bot.fake_slack import FakeSlack
from tests.e2e.harness import BotHarness, example_org

MEMBERS: dict[str, dict[str, Any]] = {
    "U0MEMBER": {"name": "member", "tz": "Europe/Paris", "profile": {"real_name": "Mary Member"}},
    "U0SECRETARY": {"name": "sec", "tz": "Europe/London", "profile": {"real_name": "Sam Secretary"}},
}


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    fake = FakeSlack(users={k: dict(v) for k, v in MEMBERS.items()}).start()
    yield fake
    fake.stop()
    # Every message and view the bot sent must have passed Block Kit validation.
    assert fake.invalid == [], f"invalid Block Kit sent to Slack: {fake.invalid}"


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(datetime(2026, 11, 23, 12, 0, tzinfo=UTC))


@pytest.fixture
def org() -> dict[str, Any]:
    """The organisation file as a dict; a test may change it before asking for `make_bot`."""
    return example_org()


@pytest.fixture
def make_bot(
    fake_slack: FakeSlack, database_url: str, clock: ManualClock, org: dict[str, Any]
) -> Iterator[Callable[..., BotHarness]]:
    made: list[BotHarness] = []

    def make(org_override: dict[str, Any] | None = None, config_import: bool = True) -> BotHarness:
        harness = BotHarness(fake_slack, database_url, clock, org_override or org, config_import)
        made.append(harness)
        return harness

    yield make
    for harness in made:
        harness.close()


@pytest.fixture
def bot(make_bot: Callable[..., BotHarness]) -> BotHarness:
    return make_bot()
