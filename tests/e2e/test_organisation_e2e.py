"""The organisation editor end to end: /liec org, its forms, and changes that apply at once in
every bot process on the database (a second BotHarness on the same database included)."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from bot.fake_slack import FakeSlack
from bot.services import organisation_fields as fields
from bot.views import organisation as views
from tests.e2e.harness import BotHarness
from tests.e2e.test_questions_e2e import AMERICAS, MEMBER, ask, posts_to, wait_posts

ADMIN = "U0SECRETARY"
OTHER_ADMIN = "U0CHAIR"
NEW_AMERICAS = "U0NEWAMERICAS"


@pytest.fixture(autouse=True)
def people(fake_slack: FakeSlack) -> None:
    fake_slack.users.update(
        {
            AMERICAS: {"tz": "America/New_York"},
            NEW_AMERICAS: {"tz": "America/Toronto"},
            "U0RCASIAPAC": {"tz": "Australia/Sydney"},
            "U0RCEAME": {"tz": "Europe/London"},
            "U0VCMEMBER": {"tz": "Europe/Madrid"},
            OTHER_ADMIN: {"tz": "Europe/Berlin"},
        }
    )


def open_form(bot: BotHarness, which: str, user: str = ADMIN) -> dict[str, Any]:
    """As an admin does it: /liec org, then the form's Change button in the menu."""
    opened = len(bot.fake.calls_to("views.open"))
    pushed = len(bot.fake.calls_to("views.push"))
    assert bot.command("org", user=user).status == 200
    menu = bot.fake.wait_for("views.open", opened + 1)[-1]["view"]
    assert menu["callback_id"] == views.MENU_CALLBACK
    bot.click(user, views.OPEN_FORM, which, extra={"view": {"id": "V0MENU", "type": "modal"}})
    form: dict[str, Any] = bot.fake.wait_for("views.push", pushed + 1)[-1]["view"]
    assert form["callback_id"] == views.FORM_CALLBACK
    return form


def stored_coordinator(bot: BotHarness) -> list[str]:
    return list(bot.deps.org.regions["americas"].coordinator)


def test_an_admin_sets_a_coordinator_and_every_process_uses_them_at_once(
    make_bot: Callable[..., BotHarness], org: dict[str, Any], fake_slack: FakeSlack
) -> None:
    vacant = copy.deepcopy(org)
    vacant["regions"]["americas"]["coordinator"] = []
    vacant["officers"]["regional-coordinator"] = ["U0RCASIAPAC", "U0RCEAME"]
    fake_slack.users[MEMBER]["tz"] = "America/Chicago"
    bot = make_bot(vacant)
    # A second process on the same database, started now: the database is its organisation.
    second = make_bot(org, config_import=False)
    assert stored_coordinator(second) == []

    assert "no regional coordinator" in ask(bot, "Waiting question")["text"]

    form = open_form(bot, fields.FORM_REGIONS)
    answer = bot.submit_view(ADMIN, form, {fields.coordinator_block("americas"): [NEW_AMERICAS]})
    done = answer.json()
    assert done["response_action"] == "update"
    assert "regions.americas.coordinator" in json.dumps(done["view"])
    assert stored_coordinator(bot) == [NEW_AMERICAS]
    assert bot.deps.org.holders("regional-coordinator") == [NEW_AMERICAS, "U0RCASIAPAC", "U0RCEAME"]

    # The waiting question reaches the new coordinator, with no restart.
    bot.run_jobs()
    delivered = posts_to(fake_slack, NEW_AMERICAS)
    assert len(delivered) == 1 and "Waiting question" in json.dumps(delivered[0])
    assert "has your question" in wait_posts(fake_slack, MEMBER)[-1]["text"]

    # The second process takes the change at its next tick and routes with it too.
    assert stored_coordinator(second) == []
    second.run_jobs()
    assert stored_coordinator(second) == [NEW_AMERICAS]
    ask(second, "Second question")
    delivered = wait_posts(fake_slack, NEW_AMERICAS, 2)
    assert "Second question" in json.dumps(delivered[1])
    bot.settle()
    second.settle()
    assert len(posts_to(fake_slack, NEW_AMERICAS)) == 2  # the waiting question went once
    assert not posts_to(fake_slack, AMERICAS)

    # Recorded: who, when, before and after; shown to admins by /liec audit.
    audit = bot.command("audit", user=OTHER_ADMIN).json()
    assert f"<@{ADMIN}>" in json.dumps(audit) and "becomes" in json.dumps(audit)


FORGED: dict[str, dict[str, Any]] = {
    fields.FORM_ROLES: {fields.role_block("secretary"): ["U0FORGER"]},
    fields.FORM_REGIONS: {fields.coordinator_block("americas"): ["U0FORGER"]},
    fields.FORM_BRANCHES: {
        fields.branch_block(fields.NEW_BRANCH, "name"): "Forged",
        fields.branch_block(fields.NEW_BRANCH, "region"): "americas",
    },
    fields.FORM_CHANNELS: {fields.ADMINS: [ADMIN, OTHER_ADMIN, "U0FORGER"]},
    fields.FORM_SETTINGS: {fields.ESCALATE_AFTER: "1"},
}


def test_a_member_cannot_open_the_editor(bot: BotHarness) -> None:
    answer = bot.command("org", user=MEMBER).json()
    assert "admin" in answer["text"].lower()
    bot.settle()
    assert bot.fake.calls_to("views.open") == []


@pytest.mark.parametrize("which", list(FORGED))
def test_a_forged_submission_by_a_non_admin_changes_nothing(bot: BotHarness, which: str) -> None:
    form = open_form(bot, which)  # an admin's form, submitted by someone else
    before, revision = bot.deps.org, bot.deps.organisation.revision  # type: ignore[union-attr]
    answer = bot.submit_view(MEMBER, form, FORGED[which]).json()
    assert answer["response_action"] == "update"
    assert "Only LIEC admins" in json.dumps(answer["view"])
    assert bot.deps.org == before and bot.deps.organisation.revision == revision  # type: ignore[union-attr]
    # The same answers from an admin do change it: the refusal is about who, not what.
    assert bot.submit_view(ADMIN, form, FORGED[which]).json()["response_action"] == "update"
    assert bot.deps.organisation.revision == revision + 1  # type: ignore[union-attr]


def test_errors_are_shown_on_the_field_at_fault_and_change_nothing(bot: BotHarness) -> None:
    form = open_form(bot, fields.FORM_SETTINGS)
    answer = bot.submit_view(
        ADMIN, form, {fields.ESCALATE_AFTER: "soon", fields.DIGEST_ZONE: "Mars/Olympus"}
    ).json()
    assert answer["response_action"] == "errors"
    assert "is not a number of hours" in answer["errors"][fields.ESCALATE_AFTER]
    answer = bot.submit_view(ADMIN, form, {fields.DIGEST_ZONE: "Mars/Olympus"}).json()
    assert set(answer["errors"]) == {fields.DIGEST_ZONE}
    assert bot.deps.organisation.revision == 1  # type: ignore[union-attr]


def test_the_last_admin_cannot_be_removed_and_removing_yourself_asks_first(
    make_bot: Callable[..., BotHarness], org: dict[str, Any]
) -> None:
    bot = make_bot(org)
    form = open_form(bot, fields.FORM_CHANNELS)
    answer = bot.submit_view(ADMIN, form, {fields.ADMINS: []}).json()
    assert "at least one admin" in answer["errors"][fields.ADMINS]
    answer = bot.submit_view(ADMIN, form, {fields.ADMINS: [OTHER_ADMIN]}).json()
    assert "removing yourself" in answer["errors"][fields.ADMINS]
    assert bot.deps.org.admins == [ADMIN, OTHER_ADMIN]
    answer = bot.submit_view(
        ADMIN, form, {fields.ADMINS: [OTHER_ADMIN], fields.REMOVE_ME: [fields.REMOVE_ME_VALUE]}
    ).json()
    assert answer["response_action"] == "update"
    assert bot.deps.org.admins == [OTHER_ADMIN]
    # No longer an admin: the next form of theirs is refused.
    assert "Only LIEC admins" in json.dumps(bot.submit_view(ADMIN, form, {}).json())


def test_branches_are_added_renamed_moved_and_removed(bot: BotHarness) -> None:
    form = open_form(bot, fields.FORM_BRANCHES)
    answer = bot.submit_view(
        ADMIN,
        form,
        {
            fields.branch_block("france", "name"): "France and Monaco",
            fields.branch_block("new-york", "region"): "europe-africa-middle-east",
            fields.REMOVE_BRANCHES: ["australia"],
            fields.branch_block(fields.NEW_BRANCH, "name"): "Lyon",
            fields.branch_block(fields.NEW_BRANCH, "region"): "europe-africa-middle-east",
            fields.branch_block(fields.NEW_BRANCH, "channel"): ["C0LYON"],
        },
    ).json()
    assert answer["response_action"] == "update", answer
    branches = bot.deps.org.branches
    assert branches["france"].name == "France and Monaco"
    assert branches["new-york"].region == "europe-africa-middle-east"
    assert "australia" not in branches
    assert branches["lyon"].channel == "C0LYON"
    form = open_form(bot, fields.FORM_BRANCHES)
    answer = bot.submit_view(ADMIN, form, {fields.branch_block(fields.NEW_BRANCH, "name"): "Lyon"}).json()
    assert "already" in answer["errors"][fields.branch_block(fields.NEW_BRANCH, "name")]


def test_a_form_opened_before_another_change_saves_nothing(bot: BotHarness) -> None:
    first = open_form(bot, fields.FORM_SETTINGS)
    second = open_form(bot, fields.FORM_SETTINGS, user=OTHER_ADMIN)
    assert bot.submit_view(ADMIN, first, {fields.ESCALATE_AFTER: "12"}).json()["response_action"] == "update"
    answer = bot.submit_view(OTHER_ADMIN, second, {fields.ESCALATE_AFTER: "48"}).json()
    assert "Changed meanwhile" in json.dumps(answer["view"])
    assert bot.deps.org.escalate_after == 12


def test_a_shorter_escalate_after_moves_the_escalation_of_questions_already_waiting(
    bot: BotHarness, fake_slack: FakeSlack, clock: Any
) -> None:
    fake_slack.users[MEMBER]["tz"] = "America/Chicago"
    ask(bot, "Who do I talk to?")
    assert len(posts_to(fake_slack, AMERICAS)) == 1
    clock.advance(timedelta(hours=3))
    bot.run_jobs()
    assert posts_to(fake_slack, "U0VCMEMBER") == []  # 24 hours, as the file says
    form = open_form(bot, fields.FORM_SETTINGS)
    assert bot.submit_view(ADMIN, form, {fields.ESCALATE_AFTER: "2"}).json()["response_action"] == "update"
    bot.run_jobs()
    escalated = posts_to(fake_slack, "U0VCMEMBER")
    assert len(escalated) == 1 and "Who do I talk to?" in json.dumps(escalated[0])


def _pending_digests(bot: BotHarness) -> list[tuple[str, str]]:
    from sqlalchemy import select

    from bot.services.meeting_planning import DIGEST
    from models.foundation import ScheduledJob

    with bot.deps.session_factory() as session:
        rows = session.execute(
            select(ScheduledJob.key, ScheduledJob.due_at).where(
                ScheduledJob.kind == DIGEST.name, ScheduledJob.status == "pending"
            )
        ).all()
    return sorted((key, due.strftime("%a %H:%M")) for key, due in rows)


def test_a_changed_digest_day_and_time_re_plans_the_digest(bot: BotHarness) -> None:
    bot.deps.jobs.startup()  # as `serve` does
    assert {due for _key, due in _pending_digests(bot)} == {"Fri 09:00"}
    form = open_form(bot, fields.FORM_SETTINGS)
    answers = {fields.DIGEST_WEEKDAY: "monday", fields.DIGEST_TIME: "18:30", fields.DIGEST_ZONE: "UTC"}
    assert bot.submit_view(ADMIN, form, answers).json()["response_action"] == "update"
    assert {due for _key, due in _pending_digests(bot)} == {"Mon 18:30"}


def test_the_admins_home_tab_opens_the_editor_and_shows_the_new_holders(bot: BotHarness) -> None:
    from tests.e2e.test_home_e2e import _open

    assert views.HOME_OPEN in json.dumps(_open(bot, ADMIN, "EvADMIN"))
    assert views.HOME_OPEN not in json.dumps(_open(bot, "U0VCMEMBER", "EvOFFICER"))  # an officer, no admin
    # Asked before the change: these answers are kept while the organisation stays the same.
    for text in ("officers", "role bame-officer", "roles"):
        assert "U0BAME" in json.dumps(bot.command(text, user=MEMBER).json())
    bot.click(ADMIN, views.HOME_OPEN)
    assert bot.fake.wait_for("views.open")[-1]["view"]["callback_id"] == views.MENU_CALLBACK
    form = open_form(bot, fields.FORM_ROLES)
    bot.submit_view(ADMIN, form, {fields.role_block("bame-officer"): ["U0NEWBAME"]})
    for text in ("officers", "role bame-officer", "roles"):
        answer = json.dumps(bot.command(text, user=MEMBER).json())
        assert "U0NEWBAME" in answer and "U0BAME" not in answer, text


def test_a_new_coordinator_also_gets_the_regions_questions_nobody_has_taken(
    bot: BotHarness, fake_slack: FakeSlack
) -> None:
    fake_slack.users[MEMBER]["tz"] = "America/Chicago"
    ask(bot, "Still unanswered")
    assert len(posts_to(fake_slack, AMERICAS)) == 1
    form = open_form(bot, fields.FORM_REGIONS)
    assert bot.submit_view(ADMIN, form, {fields.coordinator_block("americas"): [NEW_AMERICAS]}).json()
    bot.run_jobs()
    delivered = posts_to(fake_slack, NEW_AMERICAS)
    assert len(delivered) == 1 and "Still unanswered" in json.dumps(delivered[0])
    assert len(posts_to(fake_slack, AMERICAS)) == 1  # the old coordinator is not sent it again
    assert f"<@{NEW_AMERICAS}>" in wait_posts(fake_slack, MEMBER)[-1]["text"]
    bot.run_jobs()
    assert len(posts_to(fake_slack, NEW_AMERICAS)) == 1


def test_an_expired_trigger_says_press_again_and_a_refused_answer_reaches_the_admins(bot: BotHarness) -> None:
    bot.fake.fail_next("views.open", status=200, error="expired_trigger_id")
    bot.command("org", user=ADMIN)
    assert "type the command again" in bot.fake.wait_for("response_url")[-1]["text"]
    # The Change button inside the menu has no response_url: the answer is a DM, here refused.
    bot.fake.fail_next("views.push", status=200, error="expired_trigger_id")
    bot.fake.on(
        "chat.postMessage",
        lambda p: {"ok": False, "error": "cannot_dm_bot"} if p.get("channel") == ADMIN else None,
    )
    bot.click(ADMIN, views.OPEN_FORM, fields.FORM_ROLES, extra={"view": {"id": "V0MENU", "type": "modal"}})
    for _ in range(100):
        posts = bot.fake.calls_to("chat.postMessage")
        alerts = [p["text"] for p in posts if p["channel"] == "C0LIECADMIN"]
        if alerts:
            break
        bot.fake.wait_for("chat.postMessage", len(posts) + 1)
    assert "an answer to an admin's button" in alerts[-1] and "cannot_dm_bot" in alerts[-1]
