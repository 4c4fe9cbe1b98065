"""Who sees each field of a nomination: one test per cell of the table in
docs/ARCHITECTURE.md ("Who sees a nomination"), on SQLite and PostgreSQL.

One nomination with every part played: member A (the submitter) nominates member B, with a
job-share partner P, nominator N1 on Slack (who confirms, giving their own details) and
nominator N2 not on Slack (typed in by A). Then B edits in B's own email, membership number
and statement. Each person's surfaces (the Edit form, /liec my-data, the Home tab, the DMs,
the lists, the CSV) are rendered as Slack would get them; each field's distinctive value
must appear in them exactly when the table says so.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bot.config import parse_org_config
from bot.db import make_engine, make_session_factory
from bot.services import (
    home,
    member_data,
    nomination_csv,
    nomination_visibility,
    nominations,
)
from bot.services.elections import Position
from bot.services.nomination_rules import NominationForm, Person, Route, validate
from bot.services.roles import RoleCatalog, default_roles_dir
from bot.views import home as home_views
from bot.views import nominations as views
from bot.views import nominators as nominator_views
from bot.views.nomination_items import nomination_item
from tests.conftest import _fresh_postgres
from tests.e2e.harness import example_org
from tests.services.test_nominations_store import open_by_election

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
ORG = parse_org_config(example_org())
ROLES = RoleCatalog.load(default_roles_dir())

A, B, P, N1, RO = "U0SUBMITA", "U0CANDB", "U0PARTNERP", "U0NOMN1", "U0SECRETARY"

# Each field's distinctive value, as stored at the end.
VALUES = {
    "candidate name": "Beatrix Candidate",
    "candidate email": "beatrix.own@example.org",
    "candidate membership number": "L7770011",
    "statement": "Beatrix-own-statement",
    "partner name": "Percival Partner",
    "partner email": "percival@example.org",
    "partner membership number": "L7770022",
    "N1's name (given by N1)": "Nerys Nominator",
    "N1's email": "nerys@example.org",
    "N1's membership number": "L7770033",
    "N2's name (not on Slack)": "Otto Offslack",
    "N2's email": "otto@example.org",
    "N2's membership number": "L7770044",
}
# What A typed about B before B edited it: never seen again by anyone but the RO's history.
TYPED_BY_A = ("typed.by.a@example.org", "L1111111", "Statement A wrote")

Y, N = True, False
# field: (candidate B, submitter A, nominator N1, partner P, returning officer)
TABLE: dict[str, tuple[bool, bool, bool, bool, bool]] = {
    "candidate name": (Y, Y, Y, N, Y),
    "candidate email": (Y, N, N, N, Y),
    "candidate membership number": (Y, N, N, N, Y),
    "statement": (Y, N, N, N, Y),
    "partner name": (Y, Y, N, Y, Y),
    "partner email": (N, N, N, Y, Y),
    "partner membership number": (N, N, N, Y, Y),
    "N1's name (given by N1)": (N, N, Y, N, Y),
    "N1's email": (N, N, Y, N, Y),
    "N1's membership number": (N, N, Y, N, Y),
    "N2's name (not on Slack)": (Y, Y, N, N, Y),
    "N2's email": (N, N, N, N, Y),
    "N2's membership number": (N, N, N, N, Y),
}
VIEWERS = ("candidate", "submitter", "nominator", "partner", "returning officer")
USER = {"candidate": B, "submitter": A, "nominator": N1, "partner": P, "returning officer": RO}
DEPS: Any = SimpleNamespace(org=ORG, roles=ROLES)


def _seed(session: Session) -> int:
    election = open_by_election(session, "By-election", NOW, since=timedelta(days=2))
    form = NominationForm(
        position=Position("secretary"),
        candidate=Person(B, VALUES["candidate name"], TYPED_BY_A[0], TYPED_BY_A[1]),
        statement=TYPED_BY_A[2],
        route=Route.MEMBERS,
        nominators=(
            Person(N1),
            Person(
                None,
                VALUES["N2's name (not on Slack)"],
                VALUES["N2's email"],
                VALUES["N2's membership number"],
            ),
        ),
        partner=Person(
            P, VALUES["partner name"], VALUES["partner email"], VALUES["partner membership number"]
        ),
    )
    n, _ = nominations.submit(session, form, election, submitted_by=A, submission_key="V1", now=NOW)
    nominations.confirm(
        session,
        n.nominators[0],
        Person(N1, VALUES["N1's name (given by N1)"], VALUES["N1's email"], VALUES["N1's membership number"]),
        NOW,
    )
    # B edits in B's own details, through the form as B sees it.
    shown = nomination_visibility.edit_form(n, B)
    edited = replace(
        shown.form,
        candidate=replace(
            shown.form.candidate,
            email=VALUES["candidate email"],
            membership_number=VALUES["candidate membership number"],
        ),
        statement=VALUES["statement"],
    )
    edited = nomination_visibility.restore_kept(n, edited)
    assert validate(edited, nominations.rules_for(n.election, ORG), NOW) == {}
    nominations.update(session, n, edited, NOW)
    return n.id


def _edit_form(session: Session, nomination_id: int, user: str) -> str:
    n = nominations.get(session, nomination_id)
    assert n is not None
    if not nominations.can_manage(n, user):
        return ""
    shown = nomination_visibility.edit_form(n, user)
    modal = views.nomination_modal(
        [views.Choice(f"{n.election_id}|secretary", "Secretary")],
        [],
        membership_format="L1234567",
        initial=shown.form,
        selected=f"{n.election_id}|secretary",
        nomination_id=n.id,
        kept=shown.kept,
    )
    return json.dumps(modal.to_dict())


def _surfaces(session: Session, nomination_id: int, user: str) -> dict[str, str]:
    n = nominations.get(session, nomination_id)
    assert n is not None
    export = member_data.export_member(session, ORG, user, NOW)
    seen = {
        "edit form": _edit_form(session, nomination_id, user),
        "my-data": export.as_json() + member_data.readable_summary(export),
        "home tab": json.dumps(
            [b.to_dict() for b in home_views.nomination_blocks(home.nomination_items(session, ROLES, user))]
        ),
        "my nominations": json.dumps(
            views.mine_modal(
                [nomination_item(DEPS.org, DEPS.roles, row, NOW) for row in nominations.mine(session, user)]
            ).to_dict()
        ),
    }
    dms = []
    for nominator in n.nominators:
        if nominator.slack_id == user:
            dms.append(
                nominator_views.nominator_request(
                    n.id,
                    user,
                    n.candidate_name,
                    n.candidate_slack_id,
                    n.submitted_by,
                    "Secretary",
                    n.election.name,
                    n.election.closes_at,
                )
            )
            dms.append(nominator_views.nominator_answered(n.candidate_name, "Secretary", True))
    if user in {n.candidate_slack_id, n.submitted_by}:
        dms.append(nominator_views.valid_notice("Secretary", n.election.name))
        dms.append(nominator_views.declined_notice(N1, "Secretary", n.election.name))
    seen["DMs"] = json.dumps([[d.text, d.block_dicts()] for d in dms])
    if user == RO:
        rows = nominations.list_for_admin(session)
        seen["CSV"] = nomination_csv.to_csv(nomination_csv.export_rows(session, lambda key: key))
        seen["admin list"] = json.dumps(
            [
                [m.text, m.block_dicts()]
                for m in views.admin_list(
                    "All", [nomination_item(DEPS.org, DEPS.roles, r, NOW) for r in rows]
                )
            ]
        )
    return seen


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def seen(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, dict[str, str]]]:
    """What each viewer is shown, surface by surface (built once per database)."""
    urls: Iterator[str]
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("visibility") / "liec.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        urls = iter([f"sqlite:///{Path(path)}"])
    else:
        urls = _fresh_postgres(request.getfixturevalue("postgres_template"))
    url = next(urls)
    engine = make_engine(url)
    factory: sessionmaker[Session] = make_session_factory(engine)
    try:
        with factory.begin() as session:
            nomination_id = _seed(session)
        with factory() as session:
            yield {viewer: _surfaces(session, nomination_id, USER[viewer]) for viewer in VIEWERS}
    finally:
        engine.dispose()
        for _ in urls:  # let the PostgreSQL copy be dropped
            pass


CELLS = [
    pytest.param(field, viewer, TABLE[field][i], id=f"{field} / {viewer}")
    for field in TABLE
    for i, viewer in enumerate(VIEWERS)
]


@pytest.mark.parametrize(("field", "viewer", "sees"), CELLS)
def test_each_cell_of_the_table(seen: dict[str, dict[str, str]], field: str, viewer: str, sees: bool) -> None:
    value = VALUES[field].casefold()
    where = [surface for surface, text in seen[viewer].items() if value in text.casefold()]
    if sees:
        assert where, f"the {viewer} should see the {field} somewhere"
    else:
        assert where == [], f"the {viewer} must not see the {field}, but it is in: {where}"


@pytest.mark.parametrize("viewer", VIEWERS)
def test_what_a_typed_about_b_is_gone_once_b_replaced_it(
    seen: dict[str, dict[str, str]], viewer: str
) -> None:
    for typed in TYPED_BY_A:
        assert all(typed.casefold() not in text.casefold() for text in seen[viewer].values())


def test_the_submitter_re_saving_the_form_as_shown_keeps_what_they_cannot_see(
    session_factory: sessionmaker[Session],
) -> None:
    with session_factory.begin() as session:
        nomination_id = _seed(session)
        n = nominations.get(session, nomination_id)
        assert n is not None
        shown = nomination_visibility.edit_form(n, A)
        assert shown.form.candidate.email == "" and shown.form.statement == ""
        assert shown.form.nominators[0] == Person(N1)  # named, not N1's own details
        restored = nomination_visibility.restore_kept(n, shown.form)
        assert validate(restored, nominations.rules_for(n.election, ORG), NOW) == {}
        nominations.update(session, n, restored, NOW)
    with session_factory() as session:
        n = nominations.get(session, nomination_id)
        assert n is not None
        assert (n.candidate_email, n.candidate_membership, n.statement) == (
            VALUES["candidate email"],
            VALUES["candidate membership number"],
            VALUES["statement"],
        )
        assert (n.partner_email, n.nominators[1].email) == (VALUES["partner email"], VALUES["N2's email"])
        # N1 keeps their confirmation and their own details.
        assert (n.nominators[0].status, n.nominators[0].email) == (
            nominations.CONFIRMED,
            VALUES["N1's email"],
        )


def test_another_candidate_does_not_inherit_the_kept_details(session_factory: sessionmaker[Session]) -> None:
    with session_factory.begin() as session:
        n = nominations.get(session, _seed(session))
        assert n is not None
        shown = nomination_visibility.edit_form(n, A)
        other = replace(shown.form, candidate=Person("U0SOMEONE", "Someone Else"))
        restored = nomination_visibility.restore_kept(n, other)
        errors = validate(restored, nominations.rules_for(n.election, ORG), NOW)
    assert restored.candidate.email == "" and restored.statement == ""
    assert {"candidate_email", "candidate_membership", "statement"} <= set(errors)


def test_the_edit_form_marks_each_kept_field_and_carries_them_through_a_redraw(
    session_factory: sessionmaker[Session],
) -> None:
    with session_factory.begin() as session:
        n = nominations.get(session, _seed(session))
        assert n is not None
        modal = json.loads(_edit_form(session, n.id, A))
    blocks = {b.get("block_id"): b for b in modal["blocks"]}
    for key in ("candidate_email", "candidate_membership", "statement", "partner_email", "nominator_2_email"):
        assert blocks[key]["optional"] is True and "Leave it empty to keep it" in blocks[key]["hint"]["text"]
    redrawn = views.redrawn_modal({**modal, "state": {"values": {}}}, [], membership_format="L1234567")
    assert views.metadata_kept(redrawn.to_dict()) == views.metadata_kept(modal)
    assert "statement" in views.metadata_kept(modal)
