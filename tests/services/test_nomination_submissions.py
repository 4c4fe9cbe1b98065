"""The nomination use cases without Slack: who may edit, the duplicate check, Saved | Rejected."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.config import parse_org_config
from bot.services import item_fates, nomination_rules, nominations
from bot.services import nomination_submissions as submissions
from bot.services.nomination_rules import Person
from bot.services.nomination_submissions import Rejected, Saved, Submission
from bot.services.outcomes import Refused
from models.elections import NominationRecord, NominatorRecord
from models.foundation import ScheduledJob
from tests.e2e.harness import example_org
from tests.services.test_nominations_store import CLOSES, FORM, NOW, make_election, submit
from tests.services.test_rows import second_waits_for_first

ORG = parse_org_config(example_org())
POSITION = nomination_rules.POSITION


def sub(election_id: int, *, user: str = "U0CAND", key: str = "V1", editing: int | None = None) -> Submission:
    return Submission(user_id=user, key=key, election_id=election_id, form=FORM, editing_id=editing)


def test_a_valid_form_is_saved_and_the_same_submission_again_is_not_saved_twice(
    session_factory: sessionmaker[Session],
) -> None:
    with session_factory.begin() as session:
        election = make_election(session)
        first = submissions.submit(session, ORG, sub(election.id), NOW)
        again = submissions.submit(session, ORG, sub(election.id), NOW)
    assert isinstance(first, Saved) and not first.edited and not first.again
    assert isinstance(again, Saved) and again.again and again.nomination.id == first.nomination.id


def test_field_errors_are_rejected_with_the_field(session_factory: sessionmaker[Session]) -> None:
    with session_factory.begin() as session:
        election = make_election(session)
        bad = replace(sub(election.id), form=replace(FORM, statement=""))
        outcome = submissions.submit(session, ORG, bad, NOW)
    assert isinstance(outcome, Rejected) and nomination_rules.STATEMENT in outcome.errors


def test_only_the_candidate_or_the_submitter_may_edit(session_factory: sessionmaker[Session]) -> None:
    with session_factory.begin() as session:
        election = make_election(session)
        mine = submit(session, election, by="U0FRIEND")
        assert submissions.editing_problem(mine, "U0CAND", election, NOW) is None  # the candidate
        assert submissions.editing_problem(mine, "U0FRIEND", election, NOW) is None  # who submitted it
        assert (
            submissions.editing_problem(mine, "U0OTHER", election, NOW)
            == "This nomination is not yours to edit."
        )
        # Deleted (the candidate forgotten, the election purged): the member is told so.
        assert submissions.editing_problem(None, "U0CAND", election, NOW) == item_fates.NOMINATION_GONE
        other = submissions.submit(
            session, ORG, sub(election.id, user="U0OTHER", key="V2", editing=mine.id), NOW
        )
        assert (
            isinstance(other, Rejected) and other.errors[POSITION] == "This nomination is not yours to edit."
        )
        nominations.withdraw(mine, NOW)
        assert (submissions.editing_problem(mine, "U0CAND", election, NOW) or "").startswith(
            "This nomination was withdrawn on "
        )


def test_an_edit_in_another_election_is_refused(session_factory: sessionmaker[Session]) -> None:
    with session_factory.begin() as session:
        first = make_election(session, "LIEC 2027")
        second = make_election(session, "By-election")
        mine = submit(session, first)
        assert submissions.editing_problem(mine, "U0CAND", second, NOW) == "Choose a position in LIEC 2027."


def test_the_duplicate_check_tells_the_owner_to_edit_and_others_nothing_about_whose(
    session_factory: sessionmaker[Session],
) -> None:
    with session_factory.begin() as session:
        election = make_election(session)
        submit(session, election, by="U0CAND")
        assert submissions.duplicate_problem(session, election.id, sub(election.id, key="V2")) == (
            "You already have a nomination for this position: edit it with /liec nominations mine."
        )
        assert (
            submissions.duplicate_problem(session, election.id, sub(election.id, user="U0OTHER", key="V3"))
            == nominations.DUPLICATE_REFUSED
        )
        outcome = submissions.submit(session, ORG, sub(election.id, user="U0OTHER", key="V3"), NOW)
        assert isinstance(outcome, Rejected) and outcome.errors[POSITION] == nominations.DUPLICATE_REFUSED


def test_two_forms_naming_the_same_candidate_at_once_the_second_is_refused_as_a_duplicate(
    session_factory: sessionmaker[Session],
) -> None:
    # No unique key holds this rule (the same person by Slack id, email or number): the second
    # form's check must wait for the first's transaction, then see its nomination.
    with session_factory.begin() as session:
        election_id = make_election(session).id

    def first_saves(first: Session) -> None:
        assert isinstance(submissions.submit(first, ORG, sub(election_id, key="V1"), NOW), Saved)

    def second() -> object:
        with session_factory.begin() as session:
            return submissions.submit(session, ORG, sub(election_id, user="U0OTHER", key="V2"), NOW)

    out = second_waits_for_first(session_factory, first_saves, second)
    assert len(out) == 1 and isinstance(out[0], Rejected), out
    assert out[0].errors[POSITION] == nominations.DUPLICATE_REFUSED
    with session_factory() as session:
        assert len(session.scalars(select(NominationRecord)).all()) == 1


def test_an_edit_by_its_owner_is_saved_as_an_edit(session_factory: sessionmaker[Session]) -> None:
    with session_factory.begin() as session:
        election = make_election(session)
        mine = submit(session, election)
        edited = replace(
            sub(election.id, key="V9", editing=mine.id), form=replace(FORM, statement="New words.")
        )
        outcome = submissions.submit(session, ORG, edited, NOW)
        assert isinstance(outcome, Saved) and outcome.edited and outcome.nomination.statement == "New words."
    assert CLOSES > NOW


def test_withdraw_only_by_its_owner_while_open_and_its_requests_go_with_it(
    session_factory: sessionmaker[Session],
) -> None:
    with session_factory.begin() as session:
        mine = submit(session, make_election(session))
        assert isinstance(submissions.withdraw(session, mine.id, "U0OTHER", NOW), Refused)
        assert isinstance(submissions.withdraw(session, mine.id, "U0CAND", CLOSES), Refused)
        assert submissions.withdraw(session, mine.id, "U0CAND", NOW) == submissions.Withdrawn(mine.id)
        assert mine.withdrawn_at == NOW
        statuses = session.scalars(
            select(ScheduledJob.status).where(ScheduledJob.kind == nominations.NOTIFY_JOB.name)
        )
        assert set(statuses) == {"cancelled"}


def test_a_nominator_confirms_once_and_only_their_own_request(session_factory: sessionmaker[Session]) -> None:
    details = Person("U0NOM1", "Nina Nominator", "nina@example.org", "654321")
    with session_factory.begin() as session:
        n = submit(session, make_election(session))
        request = next(x for x in n.nominators if x.slack_id == "U0NOM1")
        wrong = submissions.confirm(session, ORG, request.id, "U0OTHER", details, NOW)
        assert wrong == Rejected({nomination_rules.CONFIRM_NAME: "This request was sent to someone else."})
        done = submissions.confirm(session, ORG, request.id, "U0NOM1", details, NOW)
        assert isinstance(done, submissions.Confirmed) and not done.again
        assert request.status == nominations.CONFIRMED and request.name == "Nina Nominator"
        again = submissions.confirm(session, ORG, request.id, "U0NOM1", details, NOW)
        assert isinstance(again, submissions.Confirmed) and again.again


def test_a_nominator_confirming_and_declining_at_once_gets_one_answer_stored_and_told_the_other(
    session_factory: sessionmaker[Session],
) -> None:
    # Confirm on one device, Decline on another: the decline waits for the confirmation's
    # transaction, then finds the request answered.
    details = Person("U0NOM1", "Nina Nominator", "nina@example.org", "654321")
    with session_factory.begin() as session:
        n = submit(session, make_election(session))
        request_id = next(x.id for x in n.nominators if x.slack_id == "U0NOM1")

    def first_confirms(first: Session) -> None:
        done = submissions.confirm(first, ORG, request_id, "U0NOM1", details, NOW)
        assert isinstance(done, submissions.Confirmed)

    def second() -> object:
        with session_factory.begin() as session:
            return submissions.decline(session, str(request_id), "U0NOM1", NOW)

    out = second_waits_for_first(session_factory, first_confirms, second)
    assert out == [Refused("You have already confirmed this nomination.")]
    with session_factory() as session:
        assert session.get_one(NominatorRecord, request_id).status == nominations.CONFIRMED


@pytest.mark.parametrize("number", ["L123456", "654321"])  # the candidate's; the nominator's own
def test_what_a_confirming_nominator_types_shows_members_nothing_of_the_candidates_details(
    session_factory: sessionmaker[Session], number: str
) -> None:
    """A match is not refused (that would confirm a guess), and nothing members see differs:
    every nomination waits for the returning officer's check, who is shown the match."""
    with session_factory.begin() as session:
        n = submit(session, make_election(session))
        request = next(x for x in n.nominators if x.slack_id == "U0NOM1")
        details = Person("U0NOM1", "Nina", "nina@example.org", number)
        done = submissions.confirm(session, ORG, request.id, "U0NOM1", details, NOW)
        assert isinstance(done, submissions.Confirmed)
        again = submissions.confirm(session, ORG, request.id, "U0NOM1", details, NOW)
        assert isinstance(again, submissions.Confirmed) and again.again
        assert request.status == nominations.CONFIRMED
        assert nominations.status_of(n) is nominations.NominationStatus.TO_CHECK
        found = nomination_rules.clashes(nominations.form_of(n), stored=True)
        matched = ["Nominator 1 has the same membership number as the candidate."]
        assert found == (matched if number == "L123456" else [])
        assert nominations.mark_checked(session, n, "U0RO", NOW) is nominations.NominationStatus.VALID


@pytest.mark.parametrize(
    "edited",
    [
        replace(FORM, statement="Other words."),
        FORM,  # typed again as stored: a right guess of a kept detail changes nothing either
        replace(FORM, candidate=replace(FORM.candidate, email="guess@example.org")),
    ],
)
def test_any_edit_needs_a_new_check(session_factory: sessionmaker[Session], edited: object) -> None:
    with session_factory.begin() as session:
        n = submit(session, make_election(session))
        for nominator in n.nominators:
            nominator.status = nominations.CONFIRMED
        nominations.mark_checked(session, n, "U0RO", NOW)
        assert nominations.status_of(n) is nominations.NominationStatus.VALID
        nominations.update(session, n, edited, NOW)  # type: ignore[arg-type]
        assert n.checked_at is None and n.checked_by is None
        assert nominations.status_of(n) is nominations.NominationStatus.TO_CHECK
