from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from bot.services import nomination_rules as nr
from bot.services.elections import Election, ElectionKind, Position
from bot.services.nomination_rules import (
    ElectionRules,
    NominationForm,
    Person,
    Route,
    count_words,
    validate,
)

OPENS = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
CLOSES = datetime(2025, 3, 31, 22, 0, tzinfo=UTC)
NOW = datetime(2025, 3, 10, 12, 0, tzinfo=UTC)

ELECTION = Election(
    name="LIEC 2025",
    kind=ElectionKind.REGULAR,
    opens_at=OPENS,
    closes_at=CLOSES,
    positions=(
        Position("secretary"),
        Position("bame-officer"),
        Position("regional-coordinator", "americas"),
        Position("regional-coordinator", "asia-pacific"),
    ),
)
RULES = ElectionRules(election=ELECTION, branches=frozenset({"paris", "berlin", "toronto"}))

CANDIDATE = Person("U0CAND", "Ada Candidate", "ada@example.org", "L123456")
NOM_1 = Person(None, "Ben Nominator", "ben@example.org", "234567")
NOM_2 = Person("U0NOM2")


def words(n: int) -> str:
    return " ".join(f"word{i}" for i in range(n))


def form(**changes: object) -> NominationForm:
    base = NominationForm(
        position=Position("secretary"),
        candidate=CANDIDATE,
        statement=words(50),
        route=Route.MEMBERS,
        nominators=(NOM_1, NOM_2),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def test_a_complete_form_passes() -> None:
    assert validate(form(), RULES, NOW) == {}


def test_branch_route_needs_no_nominators() -> None:
    f = form(route=Route.BRANCH, branch="paris", nominators=(Person(), Person()))
    assert validate(f, RULES, NOW) == {}


# Statement


def test_exactly_200_words_is_accepted() -> None:
    assert validate(form(statement=words(200)), RULES, NOW) == {}


def test_201_words_is_refused_with_the_numbers() -> None:
    errors = validate(form(statement=words(201)), RULES, NOW)
    assert errors == {nr.STATEMENT: "Your statement has 201 words; the limit is 200."}


def test_231_words_message_matches_the_issue() -> None:
    errors = validate(form(statement=words(231)), RULES, NOW)
    assert errors[nr.STATEMENT] == "Your statement has 231 words; the limit is 200."


@pytest.mark.parametrize("statement", ["", "   \n\t ", "— ... !!"])
def test_an_empty_statement_is_refused(statement: str) -> None:
    errors = validate(form(statement=statement), RULES, NOW)
    assert set(errors) == {nr.STATEMENT}
    assert "Please write a personal statement" in errors[nr.STATEMENT]


def test_one_word_is_enough() -> None:
    assert validate(form(statement="Solidarity."), RULES, NOW) == {}


def test_a_10000_character_statement_is_refused_with_its_length() -> None:
    # One enormous "word": the word limit alone would let it through.
    errors = validate(form(statement="x" * 10_000), RULES, NOW)
    assert errors == {nr.STATEMENT: "Your statement has 10,000 characters; the limit is 3,000."}


def test_10000_characters_of_words_reports_the_word_count() -> None:
    statement = ("solidarity " * 1000).strip()  # 10,999 characters, 1,000 words
    errors = validate(form(statement=statement), RULES, NOW)
    assert errors == {nr.STATEMENT: "Your statement has 1,000 words; the limit is 200."}


def test_mentions_and_markup_in_a_statement_are_just_data() -> None:
    statement = "<!channel> @here *bold* <https://evil.example|click> <@U0OTHER> & more"
    assert validate(form(statement=statement), RULES, NOW) == {}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("hello world", 2),
        ("don't stop \u2014 now", 3),  # an em dash is not a word
        ("job-share, co-opted.", 2),
        ("one\u2013two", 2),  # an en dash separates
        ("  spaced   out\n\nlines ", 3),
        ("hindi \u0939\u093f\u0928\u094d\u0926\u0940 \u092d\u093e\u0937\u093e", 3),
        ("Labour\u515a\u306e\u653f\u7b56", 4),  # ICU: Labour / 党 / の / 政策
        ("\U0001f642 \U0001f44d", 0),
        ("caf\u0065\u0301 au lait", 3),  # combining accent stays inside its word
        ("2025 AGM", 2),
    ],
)
def test_count_words(text: str, expected: int) -> None:
    assert count_words(text) == expected


# Email and membership number


@pytest.mark.parametrize("email", ["not-an-email", "a@b", "two@@example.org", "a b@example.org"])
def test_invalid_candidate_email(email: str) -> None:
    errors = validate(form(candidate=replace(CANDIDATE, email=email)), RULES, NOW)
    assert set(errors) == {nr.CANDIDATE_EMAIL}
    assert "not a valid email address" in errors[nr.CANDIDATE_EMAIL]


def test_email_is_checked_without_a_dns_lookup() -> None:
    # A domain with no DNS records passes: only the address's form is checked.
    f = form(candidate=replace(CANDIDATE, email="someone@no-such-domain-liec-tests.org"))
    assert validate(f, RULES, NOW) == {}


def test_email_with_unicode_local_part_is_accepted() -> None:
    f = form(candidate=replace(CANDIDATE, email="zoë@example.org"))
    assert validate(f, RULES, NOW) == {}


@pytest.mark.parametrize("number", ["12345", "12345678", "L123456", "l1234567", " 123 456 "])
def test_membership_numbers_in_the_default_format(number: str) -> None:
    assert validate(form(candidate=replace(CANDIDATE, membership_number=number)), RULES, NOW) == {}


@pytest.mark.parametrize("number", ["1234", "123456789", "LL12345", "12345L", "L-12345"])
def test_membership_numbers_out_of_format_say_the_format(number: str) -> None:
    errors = validate(form(candidate=replace(CANDIDATE, membership_number=number)), RULES, NOW)
    assert set(errors) == {nr.CANDIDATE_MEMBERSHIP}
    assert "5 to 8 digits, optionally after one letter" in errors[nr.CANDIDATE_MEMBERSHIP]


def test_organisation_pattern_and_format_are_used() -> None:
    rules = replace(
        RULES, membership_number_pattern=r"^LI\d{4}$", membership_number_format="LI and four digits (LI1234)"
    )
    ok = form(
        candidate=replace(CANDIDATE, membership_number="li1234"),
        nominators=(replace(NOM_1, membership_number="LI9999"), NOM_2),
    )
    assert validate(ok, rules, NOW) == {}
    bad = form(
        candidate=replace(CANDIDATE, membership_number="123456"),
        nominators=(replace(NOM_1, membership_number="LI9999"), NOM_2),
    )
    assert validate(bad, rules, NOW) == {
        nr.CANDIDATE_MEMBERSHIP: "That is not a membership number: the format is LI and four digits (LI1234)."
    }
    # The value itself is never repeated: a kept detail the editor may not see is checked too.
    assert "123456" not in str(validate(bad, rules, NOW))


def test_a_broken_pattern_fails_at_start_up() -> None:
    with pytest.raises(Exception):  # noqa: B017 - re.error is what re raises
        ElectionRules(election=ELECTION, branches=frozenset(), membership_number_pattern="(")


def test_missing_candidate_details_each_get_a_message() -> None:
    errors = validate(form(candidate=Person("U0CAND")), RULES, NOW)
    assert set(errors) == {nr.CANDIDATE_NAME, nr.CANDIDATE_EMAIL, nr.CANDIDATE_MEMBERSHIP}


# Nominators


def test_nominators_must_be_two_distinct_people_by_email_in_any_case() -> None:
    second = Person(None, "Ben Again", "BEN@Example.ORG", "999999")
    errors = validate(form(nominators=(NOM_1, second)), RULES, NOW)
    assert errors == {
        nr.NOMINATOR_2_EMAIL: "Nominator 2 has the same email address as nominator 1: "
        "two different members must nominate."
    }


def test_nominators_must_be_distinct_by_slack_account() -> None:
    errors = validate(form(nominators=(Person("U0X"), Person("U0X"))), RULES, NOW)
    assert set(errors) == {nr.NOMINATOR_2_USER}


def test_nominators_must_be_distinct_by_membership_number() -> None:
    second = Person(None, "Other", "other@example.org", " 234 567 ")
    errors = validate(form(nominators=(NOM_1, second)), RULES, NOW)
    assert set(errors) == {nr.NOMINATOR_2_MEMBERSHIP}


def test_a_nominator_who_is_the_candidate_by_membership_number_is_refused() -> None:
    me = Person(None, "Ada Under Another Name", "ada.other@example.org", "l123456")
    errors = validate(form(nominators=(me, NOM_2)), RULES, NOW)
    assert errors == {
        nr.NOMINATOR_1_MEMBERSHIP: "Nominator 1 has the same membership number as the "
        "candidate: candidates cannot nominate themselves."
    }


def test_a_nominator_who_is_the_candidate_by_slack_account_is_refused() -> None:
    errors = validate(form(nominators=(NOM_1, Person("U0CAND"))), RULES, NOW)
    assert set(errors) == {nr.NOMINATOR_2_USER}
    assert "as the candidate" in errors[nr.NOMINATOR_2_USER]


def test_a_nominator_who_is_the_job_share_partner_is_refused() -> None:
    partner = Person(None, "Pat Partner", "pat@example.org", "777777")
    nominator = Person(None, "Pat", "PAT@example.org", "888888")
    errors = validate(form(partner=partner, nominators=(nominator, NOM_2)), RULES, NOW)
    assert set(errors) == {nr.NOMINATOR_1_EMAIL}
    assert "job-share partner" in errors[nr.NOMINATOR_1_EMAIL]


def test_a_missing_nominator_is_refused() -> None:
    errors = validate(form(nominators=(NOM_1, Person())), RULES, NOW)
    assert set(errors) == {nr.NOMINATOR_2_USER}


def test_a_nominator_not_on_slack_needs_every_detail() -> None:
    errors = validate(form(nominators=(Person(None, "Ben"), NOM_2)), RULES, NOW)
    assert set(errors) == {nr.NOMINATOR_1_EMAIL, nr.NOMINATOR_1_MEMBERSHIP}


def test_nominator_fields_are_ignored_on_the_branch_route() -> None:
    f = form(route=Route.BRANCH, branch="berlin", nominators=(CANDIDATE, CANDIDATE))
    assert validate(f, RULES, NOW) == {}


# Branch and route


def test_branch_route_needs_a_branch() -> None:
    errors = validate(form(route=Route.BRANCH, branch=None), RULES, NOW)
    assert errors == {nr.BRANCH: "Please choose the nominating branch."}


def test_branch_must_exist() -> None:
    errors = validate(form(route=Route.BRANCH, branch="atlantis"), RULES, NOW)
    assert errors == {nr.BRANCH: "atlantis is not one of LI's branches."}


def test_a_route_must_be_chosen() -> None:
    errors = validate(form(route=None), RULES, NOW)
    assert set(errors) == {nr.ROUTE}


# Job share


def test_a_job_share_partner_needs_full_valid_details() -> None:
    errors = validate(form(partner=Person(None, "Pat", "pat@", "12")), RULES, NOW)
    assert set(errors) == {nr.PARTNER_EMAIL, nr.PARTNER_MEMBERSHIP}


def test_a_blank_partner_is_no_partner() -> None:
    assert validate(form(partner=Person()), RULES, NOW) == {}


def test_the_partner_cannot_be_the_candidate() -> None:
    partner = Person(None, "Ada", "Ada@Example.org", "555555")
    errors = validate(form(partner=partner), RULES, NOW)
    assert set(errors) == {nr.PARTNER_EMAIL}


# Position and election window


def test_closed_election_refuses_with_the_closing_time() -> None:
    errors = validate(form(), RULES, CLOSES)
    assert errors[nr.POSITION] == "Nominations for LIEC 2025 closed at 2025-03-31 22:00 UTC."


def test_one_second_before_closing_is_still_open() -> None:
    assert validate(form(), RULES, CLOSES - timedelta(seconds=1)) == {}


def test_election_not_yet_open() -> None:
    errors = validate(form(), RULES, OPENS - timedelta(seconds=1))
    assert errors[nr.POSITION] == "Nominations for LIEC 2025 open at 2025-03-01 09:00 UTC."


def test_opening_instant_is_open() -> None:
    assert validate(form(), RULES, OPENS) == {}


def test_no_election_at_all() -> None:
    errors = validate(form(), replace(RULES, election=None), NOW)
    assert errors[nr.POSITION] == "No election is taking nominations at the moment."


def test_unknown_position() -> None:
    errors = validate(form(position=Position("treasurer")), RULES, NOW)
    assert errors == {nr.POSITION: "treasurer is not a position in LIEC 2025."}


def test_no_position_chosen() -> None:
    errors = validate(form(position=None), RULES, NOW)
    assert errors == {nr.POSITION: "Please choose the position."}


def test_regional_coordinator_needs_a_region() -> None:
    errors = validate(form(position=Position("regional-coordinator")), RULES, NOW)
    assert errors == {nr.REGION: "Please choose the region for this post."}


def test_regional_coordinator_for_a_region_not_in_this_election() -> None:
    f = form(position=Position("regional-coordinator", "europe-africa-middle-east"))
    errors = validate(f, RULES, NOW)
    assert errors == {
        nr.REGION: "This election covers the post only for: The Americas, Asia, Australasia and Pacific."
    }


def test_regional_coordinator_for_an_open_region() -> None:
    f = form(position=Position("regional-coordinator", "americas"))
    assert validate(f, RULES, NOW) == {}


def test_now_must_be_aware() -> None:
    with pytest.raises(ValueError, match="aware"):
        validate(form(), RULES, datetime(2025, 3, 10, 12, 0))


def test_every_rule_is_reported_at_once() -> None:
    f = NominationForm(
        position=Position("treasurer"),
        candidate=Person(None, "", "bad", "x"),
        statement=words(300),
        route=Route.MEMBERS,
        nominators=(Person(), Person()),
    )
    errors = validate(f, RULES, NOW)
    assert set(errors) == {
        nr.POSITION,
        nr.CANDIDATE_NAME,
        nr.CANDIDATE_EMAIL,
        nr.CANDIDATE_MEMBERSHIP,
        nr.STATEMENT,
        nr.NOMINATOR_1_USER,
        nr.NOMINATOR_2_USER,
    }


def test_field_keys_are_distinct_block_ids() -> None:
    keys = [
        value
        for name, value in vars(nr).items()
        if name.isupper()
        and isinstance(value, str)
        and name
        not in {
            "DEFAULT_MEMBERSHIP_NUMBER_PATTERN",
            "DEFAULT_MEMBERSHIP_NUMBER_FORMAT",
        }
    ]
    assert len(keys) == len(set(keys))
    assert all(len(key) <= 255 for key in keys)


# Real-world input: other scripts, other keyboards


def test_a_250_word_thai_statement_is_refused() -> None:
    statement = " ".join(["ผมอยากเป็นเลขานุการ"] * 62 + ["ผมอยาก"])
    errors = validate(form(statement=statement), RULES, NOW)
    assert errors == {nr.STATEMENT: "Your statement has 250 words; the limit is 200."}


def test_a_name_of_150_decomposed_accented_letters_is_150_characters() -> None:
    name = "e\u0301" * 150
    assert validate(form(candidate=replace(CANDIDATE, name=name)), RULES, NOW) == {}
    errors = validate(form(candidate=replace(CANDIDATE, name=name + "e\u0301")), RULES, NOW)
    assert errors == {nr.CANDIDATE_NAME: "The name has 151 characters; the limit is 150."}


def test_a_full_width_membership_number_is_the_ascii_one() -> None:
    assert nr.normalise_membership_number("L１２３４５６７") == "L1234567"
    assert nr.normalise_membership_number("ｌ１２３ ４５６７") == "L1234567"
    assert nr.normalise_membership_number("\u0662\u0663\u0664\u0665\u0666\u0667") == "234567"
    # Stored numbers (already so) and plain ASCII ones take the short way to the same answer.
    for typed, stored in (("L1234567", "L1234567"), ("l1234567", "L1234567"), ("L 123 4", "L1234")):
        assert nr.normalise_membership_number(typed) == stored
    assert validate(form(candidate=replace(CANDIDATE, membership_number="L１２３４５６７")), RULES, NOW) == {}


def test_nominators_whose_numbers_differ_only_in_width_are_one_person() -> None:
    first = replace(NOM_1, membership_number="L1234567")
    second = Person(None, "Someone Else", "else@example.org", "L１２３４５６７")
    errors = validate(form(nominators=(first, second)), RULES, NOW)
    assert errors == {
        nr.NOMINATOR_2_MEMBERSHIP: "Nominator 2 has the same membership number as nominator 1: "
        "two different members must nominate."
    }


def test_letters_from_other_scripts_in_a_number_are_refused_on_the_field() -> None:
    # Cyrillic Л looks like nothing in the format; it is refused, not stored.
    errors = validate(form(candidate=replace(CANDIDATE, membership_number="Л1234567")), RULES, NOW)
    assert set(errors) == {nr.CANDIDATE_MEMBERSHIP}
    assert "is not a membership number" in errors[nr.CANDIDATE_MEMBERSHIP]


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("ben@bücher.de", "ben@xn--bcher-kva.de"),
        ("BEN@Bücher.DE", "ben@xn--bcher-kva.de"),
        ("jose\u0301@example.org", "JOS\u00c9@example.org"),  # NFD and NFC, any case
    ],
)
def test_emails_in_their_other_forms_are_one_address(a: str, b: str) -> None:
    assert nr.normalise_email(a) == nr.normalise_email(b)
    first = replace(NOM_1, email=a)
    second = Person(None, "Someone Else", b, "999999")
    errors = validate(form(nominators=(first, second)), RULES, NOW)
    assert errors == {
        nr.NOMINATOR_2_EMAIL: "Nominator 2 has the same email address as nominator 1: "
        "two different members must nominate."
    }


def test_emails_are_stored_in_email_validators_normalised_form() -> None:
    assert nr.clean_email(" jose\u0301@Example.ORG ") == "jos\u00e9@example.org"
    assert nr.clean_email("not an email") == "not an email"


def test_fill_from_profile_fills_only_the_members_own_blanks() -> None:
    profile = Person("U0ME", "Mary Member", "mary@example.org")
    assert nr.fill_from_profile(Person(), profile) == Person("U0ME", "Mary Member", "mary@example.org")
    typed = Person("U0ME", "Mary M.", "", "L123456")
    assert nr.fill_from_profile(typed, profile) == Person("U0ME", "Mary M.", "mary@example.org", "L123456")
    someone_else = Person("U0OTHER")
    assert nr.fill_from_profile(someone_else, profile) == someone_else


# Details the member filling in the form never saw (an edit keeps them: nomination_visibility)


def test_a_typed_detail_is_not_compared_with_a_hidden_one() -> None:
    guess = Person(None, "Guessed", "ADA@example.org", "999999")  # the candidate's hidden email
    hidden = frozenset({nr.CANDIDATE_EMAIL, nr.CANDIDATE_MEMBERSHIP})
    assert validate(form(nominators=(guess, NOM_2)), RULES, NOW, hidden=hidden) == {}
    # Seen (a new form, or the candidate editing their own): the same form is refused.
    assert set(validate(form(nominators=(guess, NOM_2)), RULES, NOW)) == {nr.NOMINATOR_1_EMAIL}


def test_hidden_details_of_nominators_and_partner_are_not_compared_either() -> None:
    second = Person(None, "Two", "ben@example.org", "345678")  # nominator 1's hidden email
    hidden = frozenset({nr.NOMINATOR_1_EMAIL, nr.NOMINATOR_1_MEMBERSHIP, nr.PARTNER_EMAIL})
    assert validate(form(nominators=(NOM_1, second)), RULES, NOW, hidden=hidden) == {}
    partner = Person(None, "Pat Partner", "ada@example.org", "654321")
    assert validate(form(partner=partner), RULES, NOW, hidden=hidden) == {}
    assert set(validate(form(partner=partner), RULES, NOW)) == {nr.PARTNER_EMAIL}
    # A hidden detail's own format is still checked, without repeating it.
    broken = replace(CANDIDATE, membership_number="98")
    errors = validate(form(candidate=broken), RULES, NOW, hidden=frozenset({nr.CANDIDATE_MEMBERSHIP}))
    assert set(errors) == {nr.CANDIDATE_MEMBERSHIP} and "98" not in errors[nr.CANDIDATE_MEMBERSHIP]


def test_clashes_name_every_pair_for_the_returning_officer() -> None:
    me = Person(None, "Ada Again", "ada@example.org", "234567")
    partner = Person(None, "Pat", "pat@example.org", "L123456")
    found = nr.clashes(form(nominators=(NOM_1, me), partner=partner))
    assert found == [
        "Nominator 2 has the same email address as the candidate.",
        "Nominator 2 has the same membership number as nominator 1.",
        "The job-share partner has the same membership number as the candidate.",
    ]
    assert nr.clashes(form()) == []
    # The branch route has no nominators to compare.
    assert nr.clashes(form(route=Route.BRANCH, branch="paris", nominators=(me, me))) == []


def test_a_confirmation_is_not_compared_with_details_the_nominator_never_saw() -> None:
    mine = Person(None, "Ada Under Another Name", "ada@example.org", "L123456")
    assert nr.validate_confirmation(mine, RULES, NOW) == {}
    assert nr.clashes_with(mine, "Nominator 1", [(CANDIDATE, "the candidate")]) == [
        "Nominator 1 has the same email address as the candidate."
    ]


def test_a_kept_email_that_no_longer_passes_is_refused_without_quoting_it() -> None:
    odd = replace(CANDIDATE, email="ada@exa!mple.org")
    typed = validate(form(candidate=odd), RULES, NOW)[nr.CANDIDATE_EMAIL]
    assert "!" in typed  # the member's own typing: email-validator's reason helps them
    kept = validate(form(candidate=odd), RULES, NOW, hidden=frozenset({nr.CANDIDATE_EMAIL}))
    assert kept[nr.CANDIDATE_EMAIL] == "That is not a valid email address. Please type it again."


# What the acknowledgement checks: the form alone


def test_check_details_needs_no_election_and_agrees_with_validate() -> None:
    """check_details is validate without the election's state: for any form, validate's
    errors are check_details' plus those about the position, and it never reads the election
    (here there is none, and a closed one says nothing either)."""
    closed = ElectionRules(
        election=replace(ELECTION, closes_at=NOW - timedelta(days=1)), branches=RULES.branches
    )
    unelected = ElectionRules(election=None, branches=RULES.branches)
    forms = [
        form(),
        form(statement=words(231)),
        form(candidate=replace(CANDIDATE, email="ada-at-example.org", membership_number="12")),
        form(nominators=(CANDIDATE, Person())),
        form(route=Route.BRANCH, branch="atlantis"),
        form(position=None),
    ]
    for f in forms:
        details = nr.check_details(f, RULES)
        assert nr.check_details(f, unelected) == details == nr.check_details(f, closed)
        full = validate(f, RULES, NOW)
        assert {k: v for k, v in full.items() if k not in {nr.POSITION, nr.REGION}} == {
            k: v for k, v in details.items() if k != nr.POSITION
        }
    assert nr.check_details(form(), unelected) == {}
    assert nr.check_details(form(position=None), unelected) == {nr.POSITION: "Please choose the position."}
    assert nr.check_details(form(statement=words(231)), unelected) == {
        nr.STATEMENT: "Your statement has 231 words; the limit is 200."
    }
