"""The organisation editor's modals: valid Block Kit for every form, even for a large organisation."""

from __future__ import annotations

import json

import pytest

from bot.config import Settings, parse_org_config
from bot.runtime import load_roles
from bot.services import organisation_fields as fields
from bot.views import organisation as views
from tests.e2e.harness import example_org


def _large() -> dict[str, object]:
    data = example_org()
    data["branches"] = {
        f"branch-{n}": {"name": f"Branch {n}", "region": "americas", "channel": f"C0B{n:03d}"}
        for n in range(120)
    }
    return data


@pytest.mark.parametrize("data", [example_org(), _large()], ids=["example", "120 branches"])
@pytest.mark.parametrize("which", list(fields.FORMS))
def test_every_form_is_valid_block_kit(data: dict[str, object], which: str) -> None:
    org = parse_org_config(data)
    view = views.form(which, org, 7, load_roles(Settings()).roles, "5 to 8 digits").to_dict()
    assert view["callback_id"] == views.FORM_CALLBACK
    assert len(view["blocks"]) <= 100
    context = views.FormContext.load(view["private_metadata"])
    assert context == views.FormContext(which, 7)
    ids = [b.get("block_id") for b in view["blocks"] if b["type"] == "input"]
    assert len(ids) == len(set(ids))


def test_the_form_shows_the_current_holders_and_the_regional_roles_elsewhere() -> None:
    org = parse_org_config(example_org())
    roles = views.form(fields.FORM_ROLES, org, 1, load_roles(Settings()).roles, "x").to_dict()
    secretary = next(b for b in roles["blocks"] if b.get("block_id") == fields.role_block("secretary"))
    assert secretary["element"]["initial_users"] == ["U0SECRETARY"]
    assert fields.role_block("regional-coordinator") not in json.dumps(roles)
    regions = views.form(fields.FORM_REGIONS, org, 1, [], "x").to_dict()
    americas = next(b for b in regions["blocks"] if b.get("block_id") == fields.coordinator_block("americas"))
    assert americas["element"]["initial_users"] == ["U0RCAMERICAS"]
    assert americas["element"]["max_selected_items"] == 2


def test_the_menu_and_the_answers_are_valid_and_member_text_is_escaped() -> None:
    data = example_org()
    data["branches"]["evil"] = {"name": "<!channel> branch", "region": "americas"}
    org = parse_org_config(data)
    assert views.menu(org).to_dict()["callback_id"] == views.MENU_CALLBACK
    saved = json.dumps(views.saved(["branches.evil.name: added, <!channel> branch"]).to_dict())
    assert "<!channel>" not in saved
    assert views.FormContext.load("not json") is None
