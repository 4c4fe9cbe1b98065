"""The organisation in the database: filled once, replaced with an audit, followed by every process."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bot.clock import ManualClock
from bot.config import OrgConfig, parse_org_config
from bot.org_store import OrgStore
from bot.runtime import follow_organisation
from bot.services import member_data, organisation
from bot.services.organisation import OrganisationConflict
from tests.e2e.harness import example_org

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def _org(**changes: Any) -> OrgConfig:
    data = example_org()
    data.update(changes)
    return parse_org_config(data)


def _with_americas(coordinator: str) -> OrgConfig:
    data = example_org()
    data["regions"]["americas"]["coordinator"] = coordinator
    return parse_org_config(data)


def test_an_empty_database_is_filled_from_the_file_then_the_database_wins(
    session_factory: sessionmaker[Session],
) -> None:
    clock = ManualClock(NOW)
    first = OrgStore.open(session_factory, clock, _org)
    assert first.revision == 1 and first.current == _org()

    def no_file() -> OrgConfig:
        raise AssertionError("a filled database needs no organisation file")

    again = OrgStore.open(session_factory, clock, no_file)
    assert again.current == _org() and again.revision == 1


def test_two_processes_filling_an_empty_database_at_once_take_the_first_ones_organisation(
    session_factory: sessionmaker[Session],
) -> None:
    clock = ManualClock(NOW)

    def file_read_while_another_process_fills() -> OrgConfig:
        # This process found the database empty; the other one fills it while we read our file.
        OrgStore.open(session_factory, clock, lambda: _org(escalate_after=12))
        return _org()

    store = OrgStore.open(session_factory, clock, file_read_while_another_process_fills)
    assert store.current.escalate_after == 12 and store.revision == 1
    with session_factory() as session:
        assert len(organisation.recent_changes(session)) == 1


def test_config_import_on_start_replaces_the_stored_organisation_with_an_audit(
    session_factory: sessionmaker[Session],
) -> None:
    clock = ManualClock(NOW)
    OrgStore.open(session_factory, clock, _org)
    store = OrgStore.open(session_factory, clock, lambda: _org(escalate_after=12), import_file=True)
    assert store.current.escalate_after == 12 and store.revision == 2
    with session_factory() as session:
        change = organisation.recent_changes(session)[0]
    assert change.actor_id == organisation.FROM_FILE and change.source == "import"
    assert change.changes == [{"path": "escalate_after", "before": 24.0, "after": 12.0}]
    # The same file again changes nothing and adds no revision.
    assert (
        OrgStore.open(session_factory, clock, lambda: _org(escalate_after=12), import_file=True).revision == 2
    )


def test_another_process_takes_a_change_at_its_next_refresh_and_tells_its_listeners(
    session_factory: sessionmaker[Session],
) -> None:
    clock = ManualClock(NOW)
    one = OrgStore.open(session_factory, clock, _org)
    two = OrgStore.open(session_factory, clock, _org)
    heard: list[tuple[list[str], list[str]]] = []
    two.on_change(
        lambda b, a: heard.append((b.regions["americas"].coordinator, a.regions["americas"].coordinator))
    )
    assert two.refresh() is False  # nothing new: no reload, no listener
    changes = one.save(_with_americas("U0NEWAMERICAS"), "U0SECRETARY", "slack", expected_revision=1)
    assert [c.path for c in changes] == ["regions.americas.coordinator"]
    assert one.current.regions["americas"].coordinator == ["U0NEWAMERICAS"]
    assert two.current.regions["americas"].coordinator == ["U0RCAMERICAS"]
    assert two.refresh() is True
    assert two.current.regions["americas"].coordinator == ["U0NEWAMERICAS"] and two.revision == 2
    assert heard == [(["U0RCAMERICAS"], ["U0NEWAMERICAS"])]


def test_a_change_made_meanwhile_is_not_overwritten(session_factory: sessionmaker[Session]) -> None:
    clock = ManualClock(NOW)
    one = OrgStore.open(session_factory, clock, _org)
    one.save(_with_americas("U0FIRST"), "U0SECRETARY", "slack", expected_revision=1)
    with pytest.raises(OrganisationConflict):
        one.save(_with_americas("U0SECOND"), "U0CHAIR", "slack", expected_revision=1)
    with session_factory() as session:
        stored = organisation.load(session)
    assert stored is not None and stored[0].regions["americas"].coordinator == ["U0FIRST"]


def test_changes_are_told_in_plain_words() -> None:
    data = example_org()
    data["branches"]["lyon"] = {"name": "Lyon", "region": "europe-africa-middle-east"}
    del data["branches"]["australia"]
    data["officers"]["secretary"] = ["U0NEWSEC"]
    words = [c.in_words() for c in organisation.changes_between(_org(), parse_org_config(data))]
    assert "officers.secretary: U0SECRETARY becomes U0NEWSEC" in words
    assert "branches.australia.name: removed (was Australia)" in words
    assert "branches.lyon.name: added, Lyon" in words


def test_my_data_and_forget_me_cover_the_organisation(session_factory: sessionmaker[Session]) -> None:
    clock = ManualClock(NOW)
    store = OrgStore.open(session_factory, clock, _org)
    store.save(_with_americas("U0NEWAMERICAS"), "U0SECRETARY", "slack")
    with session_factory() as session:
        theirs = member_data.export_member(session, store.current, "U0NEWAMERICAS", NOW).as_dict()
        mine = organisation.export_member_data(session, "U0SECRETARY")
        kept = member_data.forget(session, store.current, "U0NEWAMERICAS", NOW)
        nobody = organisation.forget_member(session, "U0NOBODY", NOW)
    assert len(theirs["organisation"]["organisation_changes_naming_you"]) == 1
    assert theirs["organisation"]["organisation_changes_naming_you"][0]["who"] == "U0SECRETARY"
    assert len(mine["organisation_changes_you_made"]) == 1
    assert any(k.feature == "Organisation" and "1 record(s)" in k.what for k in kept)
    assert nobody == []


def test_the_process_ends_on_the_newest_organisation_when_two_changes_are_taken_at_once(
    session_factory: sessionmaker[Session],
) -> None:
    """A tick's refresh (another process's save) and this process's own save, taken at once:
    their listeners may run in either order, and `deps.org` must end on the newest, as the
    store does (else the store thinks it is up to date and nothing ever repairs it)."""
    clock = ManualClock(NOW)
    other = OrgStore.open(session_factory, clock, _org)
    store = OrgStore.open(session_factory, clock, _org)
    paused, resume = threading.Event(), threading.Event()

    def lose_the_cpu(_before: OrgConfig, after: OrgConfig) -> None:
        # The refreshing thread stops right after taking the other process's organisation,
        # before `deps.org` follows it.
        if after.regions["americas"].coordinator == ["U0FROMOTHER"]:
            paused.set()
            assert resume.wait(10)

    store.on_change(lose_the_cpu)
    deps = SimpleNamespace(
        org=store.current, jobs=SimpleNamespace(startup=lambda: None, on_tick=lambda _f: None)
    )
    follow_organisation(deps, store)  # type: ignore[arg-type]
    other.save(_with_americas("U0FROMOTHER"), "U0SECRETARY", "slack", expected_revision=1)
    ticker = threading.Thread(target=store.refresh)
    ticker.start()
    assert paused.wait(10)
    store.save(_with_americas("U0LOCALEDIT"), "U0CHAIR", "slack")  # an admin's edit here
    resume.set()
    ticker.join(10)
    assert store.current.regions["americas"].coordinator == ["U0LOCALEDIT"]
    assert deps.org is store.current
