"""The use cases of a nomination's messages, on SQLite and on PostgreSQL: the request a
nominator is due (or Skip, and why), its recording, and the notices a candidate hears; and
the form a nomination is edited in (or why it cannot be)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from sqlalchemy.orm import Session, sessionmaker

from bot.services import item_fates, nominations
from bot.services import nomination_notices as notices
from bot.services import nomination_submissions as submissions
from bot.services.nomination_rules import Person
from bot.services.nominations import NominationStatus
from bot.services.outcomes import Skip
from models.elections import NominationRecord, NominatorRecord
from tests.services.test_nominations_store import CLOSES, FORM, NOW, make_election, submit

TWO_ON_SLACK = replace(FORM, nominators=(Person("U0NOM1"), Person("U0NOM2")))
DETAILS = Person("U0NOM1", "Nina Nominator", "nina@example.org", "654321")


def test_a_nominator_on_slack_is_due_one_request_until_it_is_sent(
    session_factory: sessionmaker[Session],
) -> None:
    with session_factory.begin() as session:
        n = submit(session, make_election(session))
        on_slack, offline = sorted(n.nominators, key=lambda x: x.slot)
        assert notices.request_to_send(session, on_slack.id, NOW) == notices.NominatorRequest(
            n.id, "U0NOM1", "Ada Candidate", "U0CAND", "U0CAND", "secretary", "LIEC 2027", CLOSES
        )
        assert notices.request_to_send(session, offline.id, NOW) == Skip("not on Slack")
        assert notices.request_to_send(session, 404, NOW) == Skip("gone")
        assert notices.record_request_sent(session, on_slack.id, "D0NOM1", "1.0001", NOW)
        assert (on_slack.dm_channel, on_slack.dm_ts, on_slack.notified_at) == ("D0NOM1", "1.0001", NOW)
        assert notices.request_to_send(session, on_slack.id, NOW) == Skip("sent already")
        assert not notices.record_request_sent(session, 404, "D0X", "1.0002", NOW)


def _asked_on_slack(session: Session) -> tuple[NominationRecord, NominatorRecord]:
    """A nomination submitted in a new election, and its nominator on Slack (U0NOM1)."""
    n = submit(session, make_election(session))
    return n, next(x for x in n.nominators if x.slack_id == "U0NOM1")


def test_no_request_is_due_once_the_nomination_is_withdrawn_or_closed(
    session_factory: sessionmaker[Session],
) -> None:
    with session_factory.begin() as session:
        n, request = _asked_on_slack(session)
        late = notices.request_to_send(session, request.id, CLOSES + timedelta(minutes=1))
        assert isinstance(late, Skip) and "have closed" in late.reason
        nominations.withdraw(n, NOW)
        withdrawn = notices.request_to_send(session, request.id, NOW)
        assert isinstance(withdrawn, Skip) and "withdrawn" in withdrawn.reason


def test_the_candidate_hears_of_a_decline_and_through_their_nominator_when_not_on_slack(
    session_factory: sessionmaker[Session],
) -> None:
    with session_factory.begin() as session:
        n, request = _asked_on_slack(session)
        assert notices.declined_notice(session, request.id) == Skip(nominations.AWAITING)
        nominations.decline(session, request, NOW)
        assert notices.declined_notice(session, request.id) == notices.CandidateNotice(
            "U0CAND", "secretary", "LIEC 2027", declined_by="U0NOM1"
        )
        assert notices.declined_notice(session, 404) == Skip("gone")
        offline = replace(FORM, candidate=Person(None, "Olly Offline", "olly@example.org", "l654321"))
        other = submit(session, n.election, key="V2", form=offline, by="U0FRIEND")
        theirs = next(x for x in other.nominators if x.slack_id == "U0NOM1")
        nominations.decline(session, theirs, NOW)
        notice = notices.declined_notice(session, theirs.id)
        assert isinstance(notice, notices.CandidateNotice) and notice.to == "U0FRIEND"


def test_the_candidate_hears_only_of_a_nomination_still_valid(session_factory: sessionmaker[Session]) -> None:
    with session_factory.begin() as session:
        n = submit(session, make_election(session), form=TWO_ON_SLACK)
        assert notices.valid_notice(session, n.id) == Skip(NominationStatus.AWAITING)
        for nominator in n.nominators:
            nominations.confirm(session, nominator, replace(DETAILS, slack_id=nominator.slack_id), NOW)
        assert notices.valid_notice(session, n.id) == Skip(NominationStatus.TO_CHECK)
        nominations.mark_checked(session, n, "U0RO", NOW)  # every nomination is checked
        assert notices.valid_notice(session, n.id) == notices.CandidateNotice(
            "U0CAND", "secretary", "LIEC 2027"
        )
        nominations.withdraw(n, NOW)
        assert notices.valid_notice(session, n.id) == Skip(NominationStatus.WITHDRAWN)
        assert notices.valid_notice(session, 404) == Skip("gone")


def test_a_nomination_is_edited_by_its_own_member_while_open(session_factory: sessionmaker[Session]) -> None:
    with session_factory.begin() as session:
        n = submit(session, make_election(session))
        editing = submissions.to_edit(session, n.id, "U0CAND", NOW)
        assert isinstance(editing, submissions.Editable)
        assert editing.selected == f"{n.election_id}|secretary" and editing.closes_at == CLOSES
        assert editing.selected in [p.value for p in editing.open_positions]
        assert editing.shown.form.statement == "I will keep the minutes."
        assert submissions.to_edit(session, n.id, "U0OTHER", NOW) == submissions.CannotEdit(
            "This nomination is not yours to change."
        )
        assert submissions.to_edit(session, 404, "U0CAND", NOW) == submissions.CannotEdit(
            item_fates.NOMINATION_GONE
        )


def test_mark_checked_only_checks_a_nomination_there_is_something_to_check_on(
    session_factory: sessionmaker[Session],
) -> None:
    """An older list's button on a nomination still awaiting a nominator checks nothing: the
    nominator's later answer (whatever it matches) is still checked before it is valid."""
    with session_factory.begin() as session:
        n = submit(session, make_election(session), form=TWO_ON_SLACK)
        refused = item_fates.mark_checked_by_id(session, n.id, "U0RO", NOW)
        assert refused == "This nomination is awaiting nominators: there is nothing to check now."
        for nominator in n.nominators:
            nominations.confirm(session, nominator, replace(DETAILS, slack_id=nominator.slack_id), NOW)
        assert n.checked_at is None and notices.valid_notice(session, n.id) == Skip(NominationStatus.TO_CHECK)
        done = item_fates.mark_checked_by_id(session, n.id, "U0RO", NOW)
        assert done == (NominationStatus.VALID, n.position_key)
        again = item_fates.mark_checked_by_id(session, n.id, "U0RO2", NOW)
        assert again == "This nomination is valid: there is nothing to check now." and n.checked_by == "U0RO"
