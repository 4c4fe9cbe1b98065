"""The organisation editor's rules: a form's answers become a new organisation, or errors on the
fields at fault, and nothing is saved then."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bot.clock import ManualClock
from bot.config import Settings, parse_org_config
from bot.org_store import OrgStore
from bot.runtime import load_roles
from bot.services import nominations
from bot.services import organisation_editor as editor
from bot.services import organisation_fields as fields
from bot.services.organisation import OrganisationConflict
from bot.services.roles import RoleCatalog
from tests.e2e.harness import example_org
from tests.services.test_organisation import NOW

ADMIN = "U0SECRETARY"


@pytest.fixture
def store(session_factory: sessionmaker[Session]) -> OrgStore:
    return OrgStore.open(session_factory, ManualClock(NOW), lambda: parse_org_config(example_org()))


@pytest.fixture(scope="module")
def roles() -> RoleCatalog:
    return load_roles(Settings())


def submit(
    store: OrgStore, roles: RoleCatalog, which: str, answers: dict[str, object], actor: str = ADMIN
) -> None:
    editor.submit(store, roles, which, actor, answers, store.revision)  # type: ignore[arg-type]


def errors(store: OrgStore, roles: RoleCatalog, which: str, answers: dict[str, object]) -> dict[str, str]:
    with pytest.raises(editor.FormErrors) as raised:
        submit(store, roles, which, answers)
    assert store.revision == 1  # nothing saved
    return raised.value.errors


def test_a_role_holds_one_or_two_people_or_is_vacant(store: OrgStore, roles: RoleCatalog) -> None:
    block = fields.role_block("bame-officer")
    assert set(errors(store, roles, fields.FORM_ROLES, {block: ["U0A1", "U0B2", "U0C3"]})) == {block}
    submit(store, roles, fields.FORM_ROLES, {block: []})
    assert store.current.holders("bame-officer") == []
    submit(store, roles, fields.FORM_ROLES, {block: ["U0A1", "U0B2"]})
    assert store.current.holders("bame-officer") == ["U0A1", "U0B2"]


def test_a_region_channel_can_be_set_and_cleared_and_officers_follow_the_coordinators(
    store: OrgStore, roles: RoleCatalog
) -> None:
    channel = fields.region_channel_block("asia-pacific")
    submit(
        store,
        roles,
        fields.FORM_REGIONS,
        {channel: ["C0APAC"], fields.coordinator_block("asia-pacific"): ["U0NEWAP", "U0SHARE"]},
    )
    assert store.current.regions["asia-pacific"].channel == "C0APAC"
    assert store.current.holders("regional-coordinator") == ["U0RCAMERICAS", "U0NEWAP", "U0SHARE", "U0RCEAME"]
    submit(store, roles, fields.FORM_REGIONS, {channel: []})
    assert store.current.regions["asia-pacific"].channel is None


def test_settings_errors_are_on_the_field_at_fault(store: OrgStore, roles: RoleCatalog) -> None:
    cases: dict[str, str] = {
        fields.ESCALATE_AFTER: "0",
        fields.RETENTION_DAYS: "forever",
        fields.MISFIRE_GRACE: "a while",
        fields.MEMBERSHIP_PATTERN: "([",
        fields.DIGEST_ZONE: "Mars/Olympus",
        fields.notice_block("gc"): "90",
    }
    for block, bad in cases.items():
        found = errors(store, roles, fields.FORM_SETTINGS, {block: bad})
        assert list(found) == [block], (block, found)


def test_settings_are_saved_and_an_empty_notice_removes_the_reminder(
    store: OrgStore, roles: RoleCatalog
) -> None:
    submit(
        store,
        roles,
        fields.FORM_SETTINGS,
        {
            fields.ESCALATE_AFTER: "36",
            fields.WORKING_START: "09:30",
            fields.notice_block("gc"): None,
            fields.notice_block("amm"): "21",
            fields.MEMBERSHIP_PATTERN: r"^L\d{6}$",
            fields.MEMBERSHIP_FORMAT: "L and 6 digits (e.g. L123456)",
        },
    )
    org = store.current
    assert org.escalate_after == 36 and org.working_hours.start == "09:30"
    assert org.notice_days == {"liec": 5, "amm": 21}
    assert org.membership_number_pattern == r"^L\d{6}$"
    # Members are shown the example, not the regular expression.
    assert nominations.rules_for(None, org).membership_format_text == "L and 6 digits (e.g. L123456)"


def test_a_new_branch_needs_a_region_and_a_name_of_its_own(store: OrgStore, roles: RoleCatalog) -> None:
    name, region = (
        fields.branch_block(fields.NEW_BRANCH, "name"),
        fields.branch_block(fields.NEW_BRANCH, "region"),
    )
    assert list(errors(store, roles, fields.FORM_BRANCHES, {name: "Lyon"})) == [region]
    assert list(errors(store, roles, fields.FORM_BRANCHES, {name: "france", region: "americas"})) == [name]
    assert list(errors(store, roles, fields.FORM_BRANCHES, {region: "americas"})) == [name]
    renamed = fields.branch_block("france", "name")
    assert list(errors(store, roles, fields.FORM_BRANCHES, {renamed: None})) == [renamed]


def test_not_an_admin_or_not_a_form_or_an_old_form_saves_nothing(store: OrgStore, roles: RoleCatalog) -> None:
    with pytest.raises(editor.NotAdmin):
        submit(store, roles, fields.FORM_SETTINGS, {fields.ESCALATE_AFTER: "2"}, actor="U0MEMBER")
    with pytest.raises(editor.NotAdmin):
        submit(store, roles, "meetings", {})
    with pytest.raises(OrganisationConflict):
        editor.submit(store, roles, fields.FORM_SETTINGS, ADMIN, {fields.ESCALATE_AFTER: "2"}, 0)
    assert store.revision == 1
