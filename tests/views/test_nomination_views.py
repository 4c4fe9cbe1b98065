"""Block Kit for elections and nominations: valid for Slack, and the form reads back."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime

from bot.fake_slack import check_message, check_view
from bot.services import nomination_rules as fields
from bot.services.elections import Position
from bot.services.nomination_rules import NominationForm, Person, Route
from bot.services.nominations import NominationStatus
from bot.views import elections as election_views
from bot.views import nominations as views
from bot.views import nominators as nominator_views
from tests.e2e.harness import view_state

CLOSES = datetime(2027, 3, 21, 21, 0, tzinfo=UTC)
CHOICES = [
    views.Choice("1|secretary", "Secretary"),
    views.Choice("1|regional-coordinator:americas", "Regional Coordinator (The Americas)"),
]
BRANCHES = [
    views.BranchGroup("The Americas", [views.Choice("new-york", "New York")]),
    views.BranchGroup("Asia, Australasia and Pacific", []),
]


def modal(**kw: object) -> dict:
    view = views.nomination_modal(
        CHOICES, BRANCHES, membership_format="5 to 8 digits", closes_at=CLOSES, **kw
    )  # type: ignore[arg-type]
    return view.to_dict()


def branch_form(**changes: object) -> NominationForm:
    form = NominationForm(None, Person(), "", Route.BRANCH)
    return replace(form, **changes)  # type: ignore[arg-type]


def test_the_nomination_modal_is_valid_and_every_field_key_is_an_input_block() -> None:
    # Between them, the two routes' forms (one with a job-share partner) have every field.
    view = modal(with_partner=True)
    by_branch = modal(initial=branch_form())
    assert check_view(view) == [] and check_view(by_branch) == []
    inputs = set(views.input_block_ids(view)) | set(views.input_block_ids(by_branch))
    for key in (
        fields.POSITION,
        fields.STATEMENT,
        fields.ROUTE,
        fields.BRANCH,
        *vars(fields.CANDIDATE_FIELDS).values(),
        *vars(fields.PARTNER_FIELDS).values(),
        *(k for f in fields.NOMINATOR_FIELDS for k in vars(f).values()),
    ):
        assert key in inputs
    assert len(view["blocks"]) <= 100


def test_the_form_shows_only_the_chosen_routes_fields_and_the_partner_once_added() -> None:
    nominators = {k for f in fields.NOMINATOR_FIELDS for k in vars(f).values()}
    partner = set(vars(fields.PARTNER_FIELDS).values())
    by_members = modal()
    inputs = set(views.input_block_ids(by_members))
    assert nominators <= inputs
    assert fields.BRANCH not in inputs and not partner & inputs
    route = next(b for b in by_members["blocks"] if b.get("block_id") == fields.ROUTE)
    assert route["dispatch_action"] is True
    assert route["element"]["action_id"] == views.ROUTE_ACTION
    assert route["element"]["initial_option"]["value"] == "members"
    assert views.PARTNER_ADD in json.dumps(by_members["blocks"])

    by_branch = modal(initial=branch_form(), with_partner=True)
    inputs = set(views.input_block_ids(by_branch))
    assert fields.BRANCH in inputs and partner <= inputs
    assert not nominators & inputs
    assert views.PARTNER_REMOVE in json.dumps(by_branch["blocks"])
    assert views.PARTNER_ADD not in json.dumps(by_branch["blocks"])
    # An edit of a nomination with a partner shows the partner.
    edit = modal(initial=branch_form(partner=Person(None, "Pat")), nomination_id=3)
    assert fields.PARTNER_NAME in views.input_block_ids(edit)


def test_redrawing_keeps_what_was_typed_the_ids_and_the_context() -> None:
    view = modal(selected="1|secretary", nomination_id=42)
    typed = {
        fields.POSITION: "1|regional-coordinator:americas",
        fields.CANDIDATE_NAME: "Ada",
        fields.STATEMENT: "Hello",
        fields.ROUTE: "members",
        fields.NOMINATOR_1_USER: "U0N1",
    }
    sent = {**view, "id": "V1", "hash": "h1", "state": {"values": view_state(view, typed)}}
    redrawn = views.redrawn_modal(
        sent, BRANCHES, membership_format="5 to 8 digits", route=Route.BRANCH
    ).to_dict()
    assert check_view(redrawn) == []
    blocks = {b.get("block_id"): b for b in redrawn["blocks"]}
    assert fields.BRANCH in blocks and fields.NOMINATOR_1_USER not in blocks
    assert blocks[fields.ROUTE]["element"]["initial_option"]["value"] == "branch"
    assert blocks[fields.CANDIDATE_NAME]["element"]["initial_value"] == "Ada"
    assert blocks[fields.STATEMENT]["element"]["initial_value"] == "Hello"
    assert blocks[fields.POSITION]["element"]["initial_option"]["value"] == "1|regional-coordinator:americas"
    old = {b.get("block_id"): b for b in view["blocks"]}
    for key in (fields.POSITION, fields.CANDIDATE_NAME, fields.STATEMENT, fields.ROUTE):
        assert blocks[key]["element"]["action_id"] == old[key]["element"]["action_id"]
    # Still the edit of nomination 42, closing when it did.
    assert views.metadata_id(redrawn, "nomination_id") == 42
    assert redrawn["title"]["text"] == "Edit nomination"
    assert redrawn["blocks"][0] == view["blocks"][0]
    with_partner = views.redrawn_modal(
        {**redrawn, "state": {"values": {}}}, BRANCHES, membership_format="x", with_partner=True
    ).to_dict()
    ids = views.input_block_ids(with_partner)
    assert fields.BRANCH in ids and fields.PARTNER_NAME in ids  # the route stays as drawn


def test_the_form_reads_back_from_slacks_state() -> None:
    view = modal(initial=branch_form(), with_partner=True)
    values = view_state(
        view,
        {
            fields.POSITION: "1|regional-coordinator:americas",
            fields.CANDIDATE_USER: "U0CAND",
            fields.CANDIDATE_NAME: "Ada",
            fields.CANDIDATE_EMAIL: "ada@example.org",
            fields.CANDIDATE_MEMBERSHIP: "123456",
            fields.STATEMENT: "Hello",
            fields.ROUTE: "branch",
            fields.BRANCH: "new-york",
            fields.PARTNER_NAME: "Pat",
        },
    )
    election_id, form = views.read_nomination(values)
    assert election_id == 1
    assert form == NominationForm(
        position=Position("regional-coordinator", "americas"),
        candidate=Person("U0CAND", "Ada", "ada@example.org", "123456"),
        statement="Hello",
        route=Route.BRANCH,
        nominators=(Person(), Person()),
        branch="new-york",
        partner=Person(None, "Pat"),
    )


def test_an_edit_is_prefilled_and_carries_its_id() -> None:
    form = NominationForm(
        Position("secretary"),
        Person("U0CAND", "Ada", "a@b.org", "123456"),
        "My statement",
        Route.MEMBERS,
        (Person("U0N1"), Person("U0N2")),
    )
    view = modal(initial=form, selected="1|secretary", nomination_id=42)
    assert views.metadata_id(view, "nomination_id") == 42
    blocks = {b.get("block_id"): b for b in view["blocks"]}
    assert blocks[fields.STATEMENT]["element"]["initial_value"] == "My statement"
    assert blocks[fields.NOMINATOR_2_USER]["element"]["initial_user"] == "U0N2"
    assert blocks[fields.POSITION]["element"]["initial_option"]["value"] == "1|secretary"
    assert view["title"]["text"] == "Edit nomination"


def test_errors_off_the_form_move_to_a_block_slack_shows() -> None:
    placed = views.place_errors(
        {fields.REGION: "Choose a region.", fields.STATEMENT: "Too long."},
        [fields.POSITION, fields.STATEMENT],
        fields.POSITION,
    )
    assert placed == {fields.POSITION: "Choose a region.", fields.STATEMENT: "Too long."}


def test_the_nominator_request_escapes_the_candidate_and_asks_before_declining() -> None:
    reply = nominator_views.nominator_request(
        7, "U0NOM1", "<!channel> Ada", "U0CAND", "U0CAND", "Secretary", "LIEC 2027", CLOSES
    )
    body = {"text": reply.text, "blocks": reply.block_dicts()}
    assert check_message(body) == []
    blob = json.dumps(body)
    assert "<!channel>" not in blob
    decline = next(
        e
        for b in body["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == nominator_views.NOMINATOR_DECLINE
    )
    assert decline["confirm"]["confirm"]["text"] == "Decline"
    assert decline["value"] == "nomination:7:U0NOM1"  # the nomination and the person asked


def test_long_statements_are_split_across_sections_as_plain_text() -> None:
    statement = ("word " * 1500).strip()
    messages = election_views.candidate_list(
        "LIEC 2027", [election_views.Candidate("Secretary", "Ada", statement)]
    )
    for message in messages:
        assert check_message({"text": message.text, "blocks": message.block_dicts()}) == []
    pieces = [
        b["text"]["text"]
        for m in messages
        for b in m.block_dicts()
        if b["type"] == "section" and b["text"]["type"] == "plain_text"
    ]
    assert " ".join(pieces) == statement


def test_long_lists_go_as_several_messages() -> None:
    lines = [
        election_views.SummaryLine("Secretary", f"Candidate {i}", NominationStatus.VALID, "members")
        for i in range(400)
    ]
    messages = election_views.closing_summary("LIEC 2027", CLOSES, lines)
    assert len(messages) >= 1
    for message in messages:
        assert check_message({"text": message.text, "blocks": message.block_dicts()}) == []
    text = json.dumps([m.block_dicts() for m in messages])
    assert "Candidate 0 " in text and "Candidate 399 " in text


def test_slack_time_shows_each_reader_their_zone_and_utc() -> None:
    assert election_views.slack_time(CLOSES) == (
        "<!date^1805662800^{date_long_pretty} at {time}|2027-03-21 21:00 UTC> "
        "(your time; 2027-03-21 21:00 UTC)"
    )


def test_the_open_election_modal_is_valid() -> None:
    view = election_views.open_election_modal([("secretary", "Secretary")]).to_dict()
    assert check_view(view) == []
    assert views.input_block_ids(view) == [
        election_views.NAME,
        election_views.KIND,
        election_views.OPENS,
        election_views.CLOSES,
        election_views.POSITIONS,
    ]


def test_the_admins_summary_counts_each_position_and_points_to_the_lists() -> None:
    tallies = [
        ("LIEC 2027", "Secretary", {"valid": 1200, "awaiting nominators": 3}),
        ("LIEC 2027", "Chair <!channel>", {"withdrawn": 2}),
        ("By-election", "Treasurer", {"to be checked by the returning officer": 5}),
    ]
    reply = views.admin_summary("Nominations", tallies)
    assert check_message({"text": reply.text, "blocks": reply.block_dicts()}) == []
    text = json.dumps(reply.block_dicts(), ensure_ascii=False)
    assert "*1,210* nominations" in text
    assert "*Secretary*: 1,203 (1,200 valid · 3 awaiting nominators)" in text
    assert "<!channel>" not in text  # a title is escaped like anything shown
    assert "/liec nominations secretary" in text and "/liec nominations export" in text
    assert text.index("LIEC 2027") < text.index("By-election")


def test_a_form_drawn_again_with_errors_keeps_what_was_typed_and_shows_each_under_its_field() -> None:
    typed = NominationForm(
        None, Person("U0CAND", "Ada <b>", "ada@example.org", "123456"), "Mine.", Route.MEMBERS
    )
    view = views.nomination_modal(
        CHOICES,
        BRANCHES,
        membership_format="5 to 8 digits",
        initial=typed,
        errors={fields.POSITION: "Nominations for <LIEC> & co closed.", "nowhere": "A loose one."},
    ).to_dict()
    check_view(view)
    blocks = view["blocks"]
    assert "Not saved yet" in blocks[0]["text"]["text"]
    assert blocks[1]["elements"][0]["text"] == ":warning: A loose one."
    at = next(i for i, b in enumerate(blocks) if b.get("block_id") == fields.POSITION)
    assert blocks[at + 1]["elements"][0]["text"] == ":warning: Nominations for &lt;LIEC&gt; &amp; co closed."
    statement = next(b for b in blocks if b.get("block_id") == fields.STATEMENT)
    assert statement["element"]["initial_value"] == "Mine."
    check_view(views.saving_view().to_dict())
