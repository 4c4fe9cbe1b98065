"""Lists of any length within Slack's element limits: every view the organisation file can
grow is built with 0, 1, 10, 11, 100, 101 and 150 items and checked as Slack would."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.fake_slack import check_view
from bot.services import nomination_rules as fields
from bot.services.nomination_rules import NominationForm, Person, Route
from bot.views import elections as election_views
from bot.views import nominations as views
from bot.views.choices import Choice, ChoiceGroup, multi_select_element, select_element, suggest

SIZES = [0, 1, 10, 11, 100, 101, 150]
CLOSES = datetime(2027, 3, 21, 21, 0, tzinfo=UTC)
REGIONS = ["The Americas", "Asia, Australasia and Pacific", "Europe, Africa and the Middle East"]


def choices(n: int, prefix: str = "item") -> list[Choice]:
    return [Choice(f"{prefix}-{i}", f"{prefix.title()} {i}") for i in range(n)]


def element_of(view: dict, block_id: str) -> dict | None:
    return next((b["element"] for b in view["blocks"] if b.get("block_id") == block_id), None)


@pytest.mark.parametrize("n", SIZES[1:])
def test_one_choice_is_static_up_to_100_then_searched(n: int) -> None:
    element = select_element("value", [ChoiceGroup("", choices(n))], selected="item-0").to_dict()
    assert element["type"] == ("static_select" if n <= 100 else "external_select")
    assert element["initial_option"]["value"] == "item-0"
    if n > 100:
        assert element["min_query_length"] == 0


@pytest.mark.parametrize("n", SIZES[1:])
def test_several_choices_are_checkboxes_then_a_multi_select_then_searched(n: int) -> None:
    element = multi_select_element("value", [ChoiceGroup("", choices(n))], selected=["item-0"]).to_dict()
    expected = "checkboxes" if n <= 10 else "multi_static_select" if n <= 100 else "multi_external_select"
    assert element["type"] == expected
    assert [o["value"] for o in element["initial_options"]] == ["item-0"]


def test_suggestions_search_label_and_value_without_case_or_accents_and_stop_at_100() -> None:
    groups = [
        ChoiceGroup("Europe", [Choice("zurich", "Zürich"), Choice("paris", "Paris"), *choices(150, "town")]),
        ChoiceGroup("Americas", [Choice("new-york", "New York")]),
    ]
    found = suggest(groups, "zur")
    (group,) = found["option_groups"]
    assert group["label"]["text"] == "Europe"
    assert [(o["value"], o["text"]["text"]) for o in group["options"]] == [("zurich", "Zürich")]
    everything = suggest(groups, "")
    assert sum(len(g["options"]) for g in everything["option_groups"]) == 100
    assert suggest(groups, "new york")["option_groups"][0]["label"]["text"] == "Americas"
    assert suggest(groups, "nowhere") == {"options": []}
    ungrouped = suggest([ChoiceGroup("", choices(5))], "item 3")
    assert [o["value"] for o in ungrouped["options"]] == ["item-3"]


def nomination_modal(positions: int, branches_in_one_region: int, route: Route = Route.BRANCH) -> dict:
    branches = [
        views.BranchGroup(REGIONS[0], choices(branches_in_one_region, "branch")),
        views.BranchGroup(REGIONS[1], []),
        views.BranchGroup(REGIONS[2], [Choice("paris", "Paris")] if branches_in_one_region else []),
    ]
    form = NominationForm(None, Person(), "", route, branch="branch-0" if branches_in_one_region else None)
    view = views.nomination_modal(
        choices(max(positions, 1), "post")[:positions] or choices(1, "post"),
        branches,
        membership_format="5 to 8 digits",
        closes_at=CLOSES,
        initial=form,
    )
    return view.to_dict()


@pytest.mark.parametrize("n", SIZES)
def test_the_nomination_form_with_any_number_of_branches_in_a_region(n: int) -> None:
    view = nomination_modal(2, n)
    assert check_view(view) == []
    branch = element_of(view, fields.BRANCH)
    route = element_of(view, fields.ROUTE)
    assert route is not None
    if n == 0:
        # No branch listed: only two members can nominate, and no empty select is drawn.
        assert branch is None
        assert [o["value"] for o in route["options"]] == ["members"]
        return
    assert branch is not None
    total = n + 1  # and Paris in another region
    assert branch["type"] == ("static_select" if total <= 100 else "external_select")
    assert branch["initial_option"]["value"] == "branch-0"


@pytest.mark.parametrize("n", SIZES[1:])
def test_the_nomination_form_with_any_number_of_posts(n: int) -> None:
    view = nomination_modal(n, 3, Route.MEMBERS)
    assert check_view(view) == []
    position = element_of(view, fields.POSITION)
    assert position is not None
    assert position["type"] == ("static_select" if n <= 100 else "external_select")


def test_the_nomination_form_needs_a_post() -> None:
    with pytest.raises(ValueError, match="at least one open position"):
        views.nomination_modal([], [], membership_format="x")


def test_a_redrawn_form_with_searched_posts_keeps_the_post_chosen() -> None:
    posts = choices(150, "post")
    view = views.nomination_modal(posts, [], membership_format="x", selected="post-120").to_dict()
    assert element_of(view, fields.POSITION)["type"] == "external_select"  # type: ignore[index]
    again = views.redrawn_modal(view, [], membership_format="x", positions=posts).to_dict()
    assert element_of(again, fields.POSITION)["initial_option"]["value"] == "post-120"  # type: ignore[index]
    assert check_view(again) == []


@pytest.mark.parametrize("n", SIZES[1:])
def test_the_open_an_election_modal_with_any_number_of_posts(n: int) -> None:
    view = election_views.open_election_modal([(f"role-{i}", f"Role {i}") for i in range(n)]).to_dict()
    assert check_view(view) == []
    positions = element_of(view, election_views.POSITIONS)
    assert positions is not None
    expected = "checkboxes" if n <= 10 else "multi_static_select" if n <= 100 else "multi_external_select"
    assert positions["type"] == expected
    if n <= 100:  # every post can be chosen, not only the first ten
        options = positions.get("options") or []
        assert len(options) == n


def test_fake_slack_refuses_what_slack_refuses() -> None:
    from bot.fake_slack import check_blocks

    def block(element: dict) -> list[dict]:
        return [
            {
                "type": "input",
                "block_id": "b",
                "label": {"type": "plain_text", "text": "x"},
                "element": element,
            }
        ]

    options = [{"text": {"type": "plain_text", "text": f"o{i}"}, "value": str(i)} for i in range(11)]
    assert check_blocks(block({"type": "checkboxes", "action_id": "a", "options": options}), 100)
    assert check_blocks(block({"type": "static_select", "action_id": "a", "options": []}), 100)
    grouped = {
        "type": "static_select",
        "action_id": "a",
        "option_groups": [
            {"label": {"type": "plain_text", "text": "g"}, "options": options * 5},
            {"label": {"type": "plain_text", "text": "h"}, "options": options * 5},
        ],
    }
    assert check_blocks(block(grouped), 100)  # 110 options in all
