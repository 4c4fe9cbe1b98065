"""Every length limit on what people type counts characters as people see them (grapheme
clusters, bot/text_measure.py), in the rules, in the forms' fields and in the database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bot import config
from bot.config import ConfigError, parse_org_config
from bot.services import apologies, elections, meeting_specs
from bot.services import organisation_fields as fields
from bot.services.meeting_specs import MeetingError
from bot.text_measure import count_characters, within
from bot.views import elections as election_views
from bot.views import meetings as meeting_views
from bot.views import organisation as org_views
from bot.views.common import truncate
from models.elections import ElectionRecord
from models.meetings import Meeting
from tests.e2e.harness import example_org

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467"  # one character, five code points
E_ACUTE = "e\u0301"  # "é" typed with a combining accent: one character, two code points
FLAG = "\U0001f1eb\U0001f1f7"


def _form(**values: str | None) -> dict[str, str | None]:
    form: dict[str, str | None] = {
        "name": "General Committee",
        "channel": "C0GENERAL",
        "start": "2026-12-05 10:00",
        "timezone": "Europe/London",
        "rrule": None,
        "reminders": "1d",
        "kind": "gc",
    }
    form.update(values)
    return form


def test_a_meeting_name_is_limited_in_characters_as_people_see_them() -> None:
    assert count_characters(FAMILY * config.MEETING_NAME_CHARS) == config.MEETING_NAME_CHARS
    ok = meeting_specs.check_form(_form(name=FAMILY * config.MEETING_NAME_CHARS), NOW)
    assert isinstance(ok, meeting_specs.MeetingSpec)
    refused = meeting_specs.check_form(_form(name=E_ACUTE * (config.MEETING_NAME_CHARS + 1)), NOW)
    assert refused == {"name": "The name has 151 characters; the limit is 150."}


def test_a_meetings_agenda_is_limited_the_same_way_on_its_field() -> None:
    ok = meeting_specs.check_form(_form(agenda=FLAG * config.MEETING_AGENDA_CHARS), NOW)
    assert isinstance(ok, meeting_specs.MeetingSpec)
    refused = meeting_specs.check_form(_form(agenda="a" * (config.MEETING_AGENDA_CHARS + 1)), NOW)
    assert isinstance(refused, dict) and "the limit is 2,000" in refused["agenda"]


def test_the_organisation_file_counts_the_same_characters_as_the_forms() -> None:
    data: dict[str, Any] = example_org()
    data["meetings"][0]["name"] = FAMILY * config.MEETING_NAME_CHARS
    data["membership_number_format"] = E_ACUTE * config.MEMBERSHIP_FORMAT_CHARS
    parse_org_config(data)
    data["meetings"][0]["name"] = FAMILY * (config.MEETING_NAME_CHARS + 1)
    with pytest.raises(ConfigError, match=r"meetings\.0\.name: .*151 characters; the limit is 150"):
        parse_org_config(data)


def test_an_election_name_is_limited_in_characters_as_people_see_them() -> None:
    def draft(name: str) -> elections.ElectionDraft:
        return elections.ElectionDraft(
            name=name,
            kind="by-election",
            opens_at=NOW,
            closes_at=NOW + timedelta(days=7),
            position_keys=("secretary",),
        )

    assert isinstance(
        elections.check_draft(draft(E_ACUTE * config.ELECTION_NAME_CHARS), NOW), elections.Election
    )
    refused = elections.check_draft(draft(E_ACUTE * (config.ELECTION_NAME_CHARS + 1)), NOW)
    assert refused == {elections.FIELD_NAME: "The name has 101 characters; the limit is 100."}


def test_an_apology_reason_is_limited_in_characters_as_people_see_them() -> None:
    assert apologies.clean_reason(FLAG * apologies.REASON_LIMIT) == FLAG * apologies.REASON_LIMIT
    with pytest.raises(MeetingError) as refused:
        apologies.clean_reason(FLAG * (apologies.REASON_LIMIT + 1))
    assert refused.value.field == "reason" and "(it has 201)" in str(refused.value)


def _field(view: dict[str, Any], block_id: str) -> dict[str, Any]:
    block = next(b for b in view["blocks"] if b.get("block_id") == block_id)
    element: dict[str, Any] = block["element"]
    return element


def test_each_forms_field_has_the_limit_of_its_rule() -> None:
    meeting = meeting_views.add_modal().to_dict()
    assert _field(meeting, meeting_views.BLOCK_NAME)["max_length"] == config.MEETING_NAME_CHARS
    assert _field(meeting, meeting_views.BLOCK_AGENDA)["max_length"] == config.MEETING_AGENDA_CHARS
    election = election_views.open_election_modal([("secretary", "Secretary")]).to_dict()
    assert _field(election, election_views.NAME)["max_length"] == config.ELECTION_NAME_CHARS
    org = parse_org_config(example_org())
    settings = org_views.form(fields.FORM_SETTINGS, org, 1, [], "L1234567").to_dict()
    assert _field(settings, fields.MEMBERSHIP_FORMAT)["max_length"] == config.MEMBERSHIP_FORMAT_CHARS


def test_a_cut_never_splits_a_character() -> None:
    text = "ab" + FLAG + E_ACUTE + FAMILY
    assert [within(text, n) for n in range(2, 12)] == [
        "ab", "ab", "ab" + FLAG, "ab" + FLAG, "ab" + FLAG + E_ACUTE, "ab" + FLAG + E_ACUTE,
        "ab" + FLAG + E_ACUTE, "ab" + FLAG + E_ACUTE, "ab" + FLAG + E_ACUTE, "ab" + FLAG + E_ACUTE + FAMILY,
    ]  # fmt: skip
    assert truncate(FAMILY * 3, 12) == FAMILY * 2 + "…"
    assert within("plain ascii", 5) == "plain"


def test_names_at_their_limit_are_stored_whatever_their_code_points(
    session_factory: sessionmaker[Session],
) -> None:
    """PostgreSQL counts a VARCHAR's length in code points: the columns must not refuse what
    the rules allow (150 family emoji are 750 code points)."""
    with session_factory.begin() as session:
        session.add(
            ElectionRecord(
                name=FAMILY * config.ELECTION_NAME_CHARS,
                kind="by-election",
                opens_at=NOW,
                closes_at=NOW + timedelta(days=7),
                positions=["secretary"],
                created_at=NOW,
            )
        )
        session.add(
            Meeting(
                key="family",
                source="slack",
                name=FAMILY * config.MEETING_NAME_CHARS,
                channel="C0GENERAL",
                start="2026-12-05 10:00",
                timezone="Europe/London",
                reminders=["1d"],
                created_at=NOW,
                updated_at=NOW,
            )
        )
