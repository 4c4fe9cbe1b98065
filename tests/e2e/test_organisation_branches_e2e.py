"""The branches form of /liec org with any number of branches (LI may have hundreds; the bench
seeds 250): a page at a time within Slack's 100 blocks and 100 options, every branch reachable,
against the fake Slack, which refuses any view Slack would refuse."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from bot.fake_slack import FakeSlack
from bot.services import organisation_fields as fields
from bot.views import organisation as views
from tests.e2e.harness import BotHarness
from tests.e2e.test_organisation_e2e import ADMIN, open_form

NAME_BLOCK = re.compile(r"^branches\.(?!new\.)(.+)\.name$")


def _with_branches(org: dict[str, Any], count: int) -> dict[str, Any]:
    regions = ["americas", "asia-pacific", "europe-africa-middle-east"]
    org["branches"] = {
        f"branch-{i:03d}": {"name": f"Branch {i:03d}", "region": regions[i % 3]} for i in range(count)
    }
    return org


def _shown(form: dict[str, Any]) -> list[str]:
    return [m.group(1) for b in form["blocks"] if (m := NAME_BLOCK.match(str(b.get("block_id"))))]


def _page_buttons(form: dict[str, Any]) -> dict[str, str]:
    return {
        e["text"]["text"]: e["value"]
        for b in form["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == views.BRANCH_PAGE
    }


def _turn(bot: BotHarness, form: dict[str, Any], page: str) -> dict[str, Any]:
    before = len(bot.fake.calls_to("views.update"))
    view = {**form, "id": "V0BRANCHES", "hash": f"h-{page}"}
    assert bot.click(ADMIN, views.BRANCH_PAGE, page, extra={"view": view}).status == 200
    update = bot.fake.wait_for("views.update", before + 1)[-1]
    assert update["view_id"] == "V0BRANCHES" and update["hash"] == f"h-{page}"
    turned: dict[str, Any] = update["view"]
    return turned


@pytest.mark.parametrize("count", [0, 1, 30, 31, 100, 101, 250])
def test_every_branch_can_be_reached_and_changed_whatever_their_number(
    make_bot: Callable[..., BotHarness], org: dict[str, Any], fake_slack: FakeSlack, count: int
) -> None:
    bot = make_bot(_with_branches(org, count))
    form = open_form(bot, fields.FORM_BRANCHES)
    seen = _shown(form)
    pages = [form]
    while "Next branches" in _page_buttons(pages[-1]):
        pages.append(_turn(bot, pages[-1], _page_buttons(pages[-1])["Next branches"]))
        seen += _shown(pages[-1])
    assert seen == [f"branch-{i:03d}" for i in range(count)]  # each once, in order
    assert len(pages) == max((count + 24) // 25, 1)
    assert fake_slack.invalid == []  # no view Slack would refuse (100 blocks, 100 options)
    if len(pages) > 1:
        back = _turn(bot, pages[-1], _page_buttons(pages[-1])["Previous branches"])
        assert _shown(back) == _shown(pages[-2])
    last = pages[-1]
    answers: dict[str, Any] = {fields.branch_block(fields.NEW_BRANCH, "name"): "Lyon"}
    answers[fields.branch_block(fields.NEW_BRANCH, "region")] = "europe-africa-middle-east"
    if count:
        answers[fields.branch_block(f"branch-{count - 1:03d}", "name")] = "Renamed"
        first_on_page = (count - 1) // 25 * 25
        removed = [f"branch-{first_on_page:03d}"] if first_on_page < count - 1 else []
        answers[fields.REMOVE_BRANCHES] = removed
    answer = bot.submit_view(ADMIN, last, answers).json()
    assert answer["response_action"] == "update", answer
    branches = bot.deps.org.branches
    assert branches["lyon"].name == "Lyon"
    if count:
        assert branches[f"branch-{count - 1:03d}"].name == "Renamed"
        # The branches on other pages are kept as they were.
        assert len(branches) == count + 1 - len(removed)
        assert not set(removed) & set(branches)
    if count > 25:
        assert branches["branch-000"].name == "Branch 000"  # a branch on the first page
        assert branches["branch-000"].region == "americas"
