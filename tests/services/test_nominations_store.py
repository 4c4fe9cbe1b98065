"""Nomination storage on SQLite and PostgreSQL: one nomination per submission, edits,
statuses, the nominator answers, data rights and the retention purge."""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.config import ElectionConfig
from bot.services import election_store, nomination_csv, nomination_rules, nominations
from bot.services.elections import Election, ElectionError, ElectionKind, Position
from bot.services.nomination_rules import NominationForm, Person, Route, clean_email, normalise_email
from bot.services.nominations import NominationStatus, status_of
from models.elections import ElectionRecord, NominationRecord, NominatorRecord
from models.foundation import ScheduledJob
from tests.services.test_rows import second_waits_for_first

NOW = datetime(2027, 3, 5, 12, 0, tzinfo=UTC)
OPENS = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
CLOSES = datetime(2027, 3, 21, 21, 0, tzinfo=UTC)
ROLES = {"secretary", "regional-coordinator", "bame-officer"}

FORM = NominationForm(
    position=Position("secretary"),
    candidate=Person("U0CAND", "Ada Candidate", "ada@example.org", "l123456"),
    statement="  I will keep the minutes.  ",
    route=Route.MEMBERS,
    nominators=(Person("U0NOM1"), Person(None, "Olga Offline", "olga@example.org", "765432")),
)


def make_election(session: Session, name: str = "LIEC 2027") -> ElectionRecord:
    election = Election(
        name,
        ElectionKind.REGULAR,
        OPENS,
        CLOSES,
        (Position("secretary"), Position("regional-coordinator", "americas")),
    )
    return election_store.create(session, election, source="slack", now=NOW)


def open_by_election(
    session: Session,
    name: str,
    now: datetime,
    *,
    since: timedelta = timedelta(days=1),
    until: timedelta = timedelta(days=9),
    positions: tuple[Position, ...] = (Position("secretary"),),
) -> ElectionRecord:
    """A by-election open at `now`: opened `since` before it, closing `until` after it."""
    election = Election(name, ElectionKind.BY_ELECTION, now - since, now + until, positions)
    return election_store.create(session, election, source="slack", now=now)


def submit(
    session: Session,
    election: ElectionRecord,
    key: str = "V1",
    form: NominationForm = FORM,
    by: str = "U0CAND",
) -> NominationRecord:
    return nominations.submit(session, form, election, submitted_by=by, submission_key=key, now=NOW)[0]


def test_submit_stores_the_form_and_asks_nominators_on_slack(
    session_factory: sessionmaker[Session],
) -> None:
    with session_factory.begin() as session:
        nomination = submit(session, make_election(session))
        assert nomination.statement == "I will keep the minutes."
        assert nomination.candidate_membership == "L123456"
        assert [n.status for n in nomination.nominators] == ["awaiting", "to_check"]
        assert nomination.nominators[0].name is None  # given by them when they confirm
        assert status_of(nomination) is NominationStatus.AWAITING
        jobs = session.scalars(select(ScheduledJob.key)).all()
        # One request per person and nomination; none for the nominator not on Slack.
        assert [key for key in jobs if "notify" in key] == [f"nominations.notify:{nomination.id}:U0NOM1"]


def test_the_same_submission_key_is_stored_once(
    session_factory: sessionmaker[Session],
) -> None:
    with session_factory.begin() as session:
        election = make_election(session)
        first = submit(session, election, key="VSAME").id
    with session_factory.begin() as session:
        # A second delivery of the same modal (one that missed the first one's check) is given
        # the first nomination and stores nothing.
        election_again = session.get_one(ElectionRecord, election.id)
        again = nominations.submit(
            session, FORM, election_again, submitted_by="U0CAND", submission_key="VSAME", now=NOW
        )
        assert (again[0].id, again[1]) == (first, False)
    with session_factory() as session:
        assert session.scalar(select(func.count()).select_from(NominationRecord)) == 1
        assert nominations.find_submission(session, "VSAME") is not None


def test_statuses_through_answers_check_and_withdrawal(
    session_factory: sessionmaker[Session],
) -> None:
    with session_factory.begin() as session:
        nomination = submit(session, make_election(session))
        first = nomination.nominators[0]
        details = Person(None, "Nora One", "nora@example.org", "345678")
        nominations.confirm(session, first, details, NOW)
        assert status_of(nomination) is NominationStatus.TO_CHECK
        assert first.membership_number == "345678"
        assert nominations.mark_checked(session, nomination, "U0SEC", NOW) is (NominationStatus.VALID)
        assert any(k.startswith("nominations.valid:") for k in session.scalars(select(ScheduledJob.key)))
        nominations.decline(session, first, NOW)
        assert status_of(nomination) is NominationStatus.DECLINED
        nominations.withdraw(nomination, NOW)
        assert status_of(nomination) is NominationStatus.WITHDRAWN


def test_branch_nominations_wait_for_the_returning_officer(
    session_factory: sessionmaker[Session],
) -> None:
    form = replace(FORM, route=Route.BRANCH, branch="france")
    with session_factory.begin() as session:
        nomination = submit(session, make_election(session), form=form)
        assert nomination.nominators == []  # the unused route's people are not stored
        assert status_of(nomination) is NominationStatus.TO_CHECK


def test_editing_keeps_answers_unless_the_people_or_post_change(
    session_factory: sessionmaker[Session],
) -> None:
    with session_factory.begin() as session:
        nomination = submit(session, make_election(session))
        nominations.confirm(
            session, nomination.nominators[0], Person(None, "Nora", "nora@example.org", "345678"), NOW
        )
        nominations.update(session, nomination, replace(FORM, statement="New words."), NOW)
        assert nomination.statement == "New words."
        assert [n.status for n in nomination.nominators] == ["confirmed", "to_check"]

        other = (Person("U0NOM3"), FORM.nominators[1])
        nominations.update(session, nomination, replace(FORM, nominators=other), NOW)
        assert [(n.slack_id, n.status) for n in nomination.nominators] == [
            ("U0NOM3", "awaiting"),
            (None, "to_check"),
        ]

        nominations.update(
            session,
            nomination,
            replace(FORM, nominators=other, position=Position("regional-coordinator", "americas")),
            NOW,
        )
        assert nomination.position_key == "regional-coordinator:americas"
        assert session.scalar(select(func.count()).select_from(NominatorRecord)) == 2


def test_find_duplicate_matches_any_identity(session_factory: sessionmaker[Session]) -> None:
    with session_factory.begin() as session:
        election = make_election(session)
        first = submit(session, election)
        by_email = Person(None, "Ada", "ADA@example.org", "999999")
        assert nominations.find_duplicate(session, election.id, Position("secretary"), by_email) is first
        assert (
            nominations.find_duplicate(
                session, election.id, Position("secretary"), by_email, exclude_id=first.id
            )
            is None
        )
        assert (
            nominations.find_duplicate(
                session, election.id, Position("regional-coordinator", "americas"), by_email
            )
            is None
        )
        nominations.withdraw(first, NOW)
        assert nominations.find_duplicate(session, election.id, Position("secretary"), by_email) is None


def test_mine_and_counts(session_factory: sessionmaker[Session]) -> None:
    with session_factory.begin() as session:
        election = make_election(session)
        submit(session, election)
        other = replace(FORM, candidate=Person(None, "Bo", "bo@example.org", "111111"))
        submit(session, election, key="V2", form=other, by="U0HELPER")
        assert [n.candidate_name for n in nominations.mine(session, "U0CAND")] == ["Ada Candidate"]
        assert [n.candidate_name for n in nominations.mine(session, "U0HELPER")] == ["Bo"]
        assert nominations.has_mine(session, "U0CAND") and nominations.has_mine(session, "U0HELPER")
        assert not nominations.has_mine(session, "U0NOBODY")
        counts = {c.position_key: c.counts for c in nominations.counts_by_position(session, election)}
        assert counts == {"secretary": {NominationStatus.AWAITING: 2}, "regional-coordinator:americas": {}}


def test_export_member_data_and_forget_while_running_then_after(
    session_factory: sessionmaker[Session],
) -> None:
    with session_factory.begin() as session:
        election = make_election(session)
        submit(session, election)
        data = nominations.export_member_data(session, "U0CAND")
        assert data["nominations"][0]["your_email"] == "ada@example.org"
        as_nominator = nominations.export_member_data(session, "U0NOM1")
        assert as_nominator["nominations"] == []
        assert as_nominator["nominated_others"][0]["position"] == "secretary"
        # The candidate's data is not the nominator's: not even the name.
        assert "Ada" not in str(as_nominator) and "ada@example.org" not in str(as_nominator)

        kept = nominations.forget_member(session, "U0CAND", NOW)
        assert len(kept) == 1 and "still running" in kept[0][1]
        assert session.scalar(select(func.count()).select_from(NominationRecord)) == 1
        kept = nominations.forget_member(session, "U0NOM1", NOW)
        assert len(kept) == 1

        # At closing, the close job carries the requests out.
        assert nominations.forget_flagged(session, election.id) == 1
        assert session.scalar(select(func.count()).select_from(NominationRecord)) == 0

    with session_factory.begin() as session:
        election = session.get_one(ElectionRecord, election.id)
        submit(session, election, key="V9")
        after = CLOSES + timedelta(days=1)
        assert nominations.forget_member(session, "U0CAND", after) == []
        assert session.scalar(select(func.count()).select_from(NominationRecord)) == 0


def test_forgetting_a_nominator_after_closing_keeps_the_answer_not_the_person(
    session_factory: sessionmaker[Session],
) -> None:
    with session_factory.begin() as session:
        nomination = submit(session, make_election(session))
        nominations.confirm(
            session, nomination.nominators[0], Person(None, "Nora", "nora@example.org", "345678"), NOW
        )
        assert nominations.forget_member(session, "U0NOM1", CLOSES) == []
        row = nomination.nominators[0]
        assert (row.slack_id, row.name, row.email, row.status) == (None, None, None, "confirmed")


def test_purge_deletes_an_elections_nominations(session_factory: sessionmaker[Session]) -> None:
    with session_factory.begin() as session:
        election = make_election(session)
        keep = make_election(session, "Other election")
        submit(session, election)
        submit(session, keep, key="V2")
        assert nominations.purge_election(session, election, NOW) == 1
    with session_factory() as session:
        assert session.scalar(select(func.count()).select_from(NominationRecord)) == 1
        assert session.scalar(select(func.count()).select_from(NominatorRecord)) == 2
        assert session.get_one(ElectionRecord, election.id).purged_at == NOW


def test_csv_export_has_every_field_and_no_formulas(
    session_factory: sessionmaker[Session],
) -> None:
    form = replace(
        FORM, statement="=cmd|' /C calc'!A0", partner=Person(None, "Pat", "pat@example.org", "222222")
    )
    with session_factory.begin() as session:
        submit(session, make_election(session), form=form)
        rows = list(nomination_csv.export_rows(session))
    text = nomination_csv.to_csv(rows)
    parsed = list(csv.DictReader(io.StringIO(text)))
    assert parsed[0]["statement"] == "'=cmd|' /C calc'!A0"
    assert parsed[0]["nominator_2_name"] == "Olga Offline"
    assert parsed[0]["nominator_2_status"] == "to be checked by the returning officer"
    assert parsed[0]["partner_email"] == "pat@example.org"
    assert parsed[0]["to_check"] == ""
    assert list(parsed[0]) == list(nomination_csv.COLUMNS)


def test_the_csv_names_people_who_share_a_detail_as_the_list_does(
    session_factory: sessionmaker[Session],
) -> None:
    # Olga's membership number is the candidate's, in another case (stored normalised).
    olga = Person(None, "Olga Offline", "olga@example.org", "L123456")
    form = replace(
        FORM,
        nominators=(FORM.nominators[0], olga),
        partner=Person(None, "Pat", "ADA@example.org", "222222"),
    )
    with session_factory.begin() as session:
        n = submit(session, make_election(session), form=form)
        listed = nomination_rules.clashes(nominations.form_of(n), stored=True)
        rows = list(nomination_csv.export_rows(session))
    assert listed == [
        "Nominator 2 has the same membership number as the candidate.",
        "The job-share partner has the same email address as the candidate.",
    ]
    assert rows[0]["to_check"] == " ".join(listed)


def test_one_roles_list_holds_that_roles_nominations_only(session_factory: sessionmaker[Session]) -> None:
    americas = Position("regional-coordinator", "americas")
    with session_factory.begin() as session:
        election = make_election(session)
        submit(session, election, key="V1")
        other = Person("U0RC", "Rita Coord", "rita@example.org", "l7")
        submit(session, election, key="V2", form=replace(FORM, position=americas, candidate=other))
    with session_factory() as session:
        assert [n.position_key for n in nominations.list_for_admin(session, role_key="secretary")] == [
            "secretary"
        ]
        found = nominations.list_for_admin(session, role_key="regional-coordinator")
        assert [n.position_key for n in found] == [americas.key]
        assert nominations.list_for_admin(session, role_key="regional") == []  # a whole key, not a prefix
        assert len(nominations.list_for_admin(session)) == 2


def test_the_csv_read_without_the_orm_says_what_the_records_say(
    session_factory: sessionmaker[Session],
) -> None:
    # The CSV reads plain rows (one statement, two outer joins): each nomination's status and
    # nominators must be what the ORM records give, in every state and with either slot empty.
    branch = replace(FORM, route=Route.BRANCH, branch="france")
    with session_factory.begin() as session:
        election = make_election(session)
        awaiting = submit(session, election, key="V1")
        confirmed = submit(
            session, election, key="V2", form=replace(FORM, candidate=Person("U0B", "Bo", "b@x.org", "l1"))
        )
        nominations.confirm(session, confirmed.nominators[0], Person(None, "Nora", "n@x.org", "1"), NOW)
        checked = submit(
            session, election, key="V3", form=replace(FORM, candidate=Person("U0C", "Cy", "c@x.org", "l2"))
        )
        nominations.confirm(session, checked.nominators[0], Person(None, "Ned", "d@x.org", "2"), NOW)
        nominations.mark_checked(session, checked, "U0SEC", NOW)
        declined = submit(
            session, election, key="V4", form=replace(FORM, candidate=Person("U0D", "Di", "e@x.org", "l3"))
        )
        nominations.decline(session, declined.nominators[0], NOW)
        gone = submit(
            session, election, key="V5", form=replace(FORM, candidate=Person("U0E", "Ed", "f@x.org", "l4"))
        )
        nominations.withdraw(gone, NOW)
        by_branch = submit(
            session, election, key="V6", form=replace(branch, candidate=Person("U0F", "Fi", "g@x.org", "l5"))
        )
        session.flush()
        records = [awaiting, confirmed, checked, declined, gone, by_branch]
        expected = {
            n.candidate_name: (
                status_of(n).value,
                [nominations.NOMINATOR_LABELS[m.status] for m in n.nominators],
                [m.name or "" for m in n.nominators],
            )
            for n in records
        }
    with session_factory() as session:
        rows = list(nomination_csv.export_rows(session))
    assert len(rows) == len(records)
    for row in rows:
        status, labels, names = expected[row["candidate_name"]]
        slots = [s for s in (1, 2) if row[f"nominator_{s}_status"]]
        assert row["status"] == status
        assert [row[f"nominator_{s}_status"] for s in slots] == labels
        assert [row[f"nominator_{s}_name"] for s in slots] == names
    assert {row["status"] for row in rows} == {s.value for s in NominationStatus}
    with session_factory() as session:
        tallies = nominations.tally_for_admin(session)
    assert [(t.election, t.position_key) for t in tallies] == [("LIEC 2027", "secretary")]
    assert {status.value: n for status, n in tallies[0].counts.items()} == {
        status: sum(1 for s, _, _ in expected.values() if s == status) for status, _, _ in expected.values()
    }


# Elections ------------------------------------------------------------------------------


def test_config_elections_are_stored_once_with_their_jobs(
    session_factory: sessionmaker[Session],
) -> None:
    config = ElectionConfig(
        name="LIEC elections 2027",
        kind="regular",
        opens=datetime(2027, 3, 1, 9, 0),
        closes=datetime(2027, 3, 21, 21, 0),
        timezone="Europe/London",
        roles=["secretary", "regional-coordinator"],
    )
    with session_factory.begin() as session:
        assert election_store.sync_from_config(session, [config], ROLES, NOW) == []
        assert election_store.sync_from_config(session, [config], ROLES, NOW) == []
        record = session.scalars(select(ElectionRecord)).one()
        assert record.positions == [
            "secretary",
            "regional-coordinator:americas",
            "regional-coordinator:asia-pacific",
            "regional-coordinator:europe-africa-middle-east",
        ]
        assert record.closes_at == datetime(2027, 3, 21, 21, 0, tzinfo=UTC)  # GMT in March
        jobs = dict(session.execute(select(ScheduledJob.key, ScheduledJob.due_at)).all())
        assert jobs[f"elections.announce:{record.id}"] == OPENS
        assert jobs[f"elections.remind:{record.id}"] == CLOSES - timedelta(hours=48)
        assert jobs[f"elections.close:{record.id}"] == CLOSES
        assert jobs[f"elections.purge:{record.id}"] == CLOSES + timedelta(days=365)


def test_an_election_without_roles_is_for_every_role(session_factory: sessionmaker[Session]) -> None:
    config = ElectionConfig(name="All of them", kind="regular", opens=OPENS, closes=CLOSES)
    with session_factory.begin() as session:
        assert election_store.sync_from_config(session, [config], ["secretary", "bame-officer"], NOW) == []
        record = session.scalars(select(ElectionRecord)).one()
        assert record.positions == ["secretary", "bame-officer"]


def test_config_problems_are_reported_not_raised(session_factory: sessionmaker[Session]) -> None:
    config = ElectionConfig(name="Bad", kind="regular", opens=OPENS, closes=CLOSES, roles=["treasurer"])
    with session_factory.begin() as session:
        problems = election_store.sync_from_config(session, [config], ROLES, NOW)
    assert problems == ["election 'Bad': unknown role 'treasurer'"]


def test_close_now_moves_the_close_and_purge(session_factory: sessionmaker[Session]) -> None:
    with session_factory.begin() as session:
        record = make_election(session)
        election_store.schedule_jobs(session, record)
        assert election_store.close_now(session, record, "U0SEC", NOW, retention_days=30)
        assert not election_store.close_now(session, record, "U0SEC", NOW)
        jobs = dict(session.execute(select(ScheduledJob.key, ScheduledJob.status)).all())
        assert jobs[f"elections.remind:{record.id}"] == "cancelled"
        due = session.scalars(
            select(ScheduledJob.due_at).where(ScheduledJob.key == f"elections.purge:{record.id}")
        ).one()
        assert due == NOW + timedelta(days=30)
        upcoming = make_election(session, "Later")
        upcoming.opens_at = NOW + timedelta(days=1)
        with pytest.raises(ElectionError, match="has not opened yet"):
            election_store.close_now(session, upcoming, "U0SEC", NOW)


def test_open_positions(session_factory: sessionmaker[Session]) -> None:
    with session_factory.begin() as session:
        record = make_election(session)
        found = election_store.open_positions(session, NOW, role_key="regional-coordinator")
        assert [f.value for f in found] == [f"{record.id}|regional-coordinator:americas"]
        assert election_store.open_positions(session, CLOSES) == []
        assert election_store.parse_position_value(found[0].value) == (
            record.id,
            Position("regional-coordinator", "americas"),
        )
        assert election_store.parse_position_value("x|secretary") is None


def test_numbers_and_emails_are_stored_normalised_and_found_in_any_form(
    session_factory: sessionmaker[Session],
) -> None:
    form = replace(
        FORM,
        candidate=Person(None, "Ben Bücher", "ben@xn--bcher-kva.de", "L１２３４５６７"),
        nominators=(Person("U0NOM1"), Person(None, "José", "jose\u0301@example.org", "７６５４３２")),
    )
    with session_factory.begin() as session:
        election = make_election(session)
        nomination = submit(session, election, form=form, by="U0SUB")
        assert nomination.candidate_membership == "L1234567"
        assert nomination.candidate_email == "ben@bücher.de"
        offline = nomination.nominators[1]
        assert (offline.email, offline.membership_number) == ("jos\u00e9@example.org", "765432")
        by_number = Person(None, "B", "other@example.org", "L1234567")
        by_email = Person(None, "B", "BEN@BÜCHER.DE", "999999")
        for person in (by_number, by_email):
            assert (
                nominations.find_duplicate(session, election.id, Position("secretary"), person) is nomination
            )


def test_two_admins_opening_one_election_at_once_the_second_is_told_the_name_is_taken(
    session_factory: sessionmaker[Session],
) -> None:
    def second() -> object:
        with session_factory.begin() as session:
            return make_election(session)

    # The first's insert is flushed, not yet committed: the second waits on it.
    out = second_waits_for_first(session_factory, make_election, second)
    # Not an IntegrityError: the answer a name taken earlier gets, on the form's name field.
    assert len(out) == 1 and isinstance(out[0], ElectionError), out
    assert "already an election" in str(out[0])
    with session_factory() as session:
        assert session.scalar(select(func.count()).select_from(ElectionRecord)) == 1


@pytest.mark.parametrize(
    "typed",
    [
        "ada@example.org",
        "ADA@Example.ORG",
        "  Ada.Lovelace+li@Mail.Example.co.uk ",
        "o'brien@example.ie",
        "x@EXAMPLE.ORG.",
        "not an address",
        "two@@example.org",
        '"quoted"@example.org',
        "user@[192.168.0.1]",
        "ben@bücher.de",
        "BEN@XN--BCHER-KVA.DE",
        "Jörg@example.de",
        "straße@example.de",
    ],
)
def test_an_address_as_stored_compares_as_normalise_email_says(typed: str) -> None:
    stored = clean_email(typed)
    assert nomination_rules.stored_compare_form(stored) == normalise_email(stored)


def test_newest_mine_gives_the_newest_with_their_status(session_factory: sessionmaker[Session]) -> None:
    with session_factory.begin() as session:
        election = make_election(session)
        made = [
            submit(
                session,
                election,
                key=f"V{n}",
                form=replace(FORM, candidate=Person(None, f"C{n}", f"c{n}@example.org", f"{n:06d}")),
                by="U0MAKER",
            )
            for n in range(12)
        ]
        nominations.withdraw(made[-1], NOW)
        # Every status: one declined, one still awaiting, one answered and not yet checked by
        # the returning officer, one checked.
        for nominator in made[-2].nominators:
            nominator.status = nominations.DECLINED
        for nominator in made[-4].nominators:
            nominator.status = nominations.CONFIRMED
        made[-4].nominators[0].status = nominations.TO_CHECK
        for nominator in made[-5].nominators:
            nominator.status = nominations.CONFIRMED
        nominations.mark_checked(session, made[-5], "U0RO", NOW)
        session.flush()
        newest = nominations.newest_mine(session, "U0MAKER", 5)
        assert [(n.candidate_name, n.status) for n in newest] == [
            (m.candidate_name, nominations.status_of(m)) for m in reversed(made[-5:])
        ]
        assert [n.status.name for n in newest] == ["WITHDRAWN", "DECLINED", "AWAITING", "TO_CHECK", "VALID"]
        assert {n.election_name for n in newest} == {election.name}
        assert nominations.newest_mine(session, "U0NOBODY", 5) == []
