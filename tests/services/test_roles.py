import shutil
from pathlib import Path

import pytest
import yaml

from bot.services.roles import (
    DEFAULT_LINK,
    MAX_ITEM_CHARS,
    MAX_SECTION_CHARS,
    MAX_SUMMARY_CHARS,
    MAX_TITLE_CHARS,
    SECTION_TITLES,
    DutyHit,
    RoleCatalog,
    RoleDataError,
    RoleDoc,
    bullet_list,
    default_roles_dir,
)

KEYS = {
    "secretary",
    "regional-coordinator",
    "vice-chair-membership",
    "policy-and-campaigns-officer",
    "bame-officer",
}


@pytest.fixture(scope="module")
def catalog() -> RoleCatalog:
    return RoleCatalog.load(default_roles_dir())


@pytest.fixture
def roles_copy(tmp_path: Path) -> Path:
    """A writable copy of the real role files."""
    target = tmp_path / "roles"
    target.mkdir()
    for path in default_roles_dir().glob("*.yml"):
        shutil.copy(path, target / path.name)
    return target


def _edit(path: Path, **changes: object) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data.update(changes)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def _everything(role: RoleDoc) -> str:
    parts = [role.title, role.summary, role.about, *role.who_we_are]
    for field in SECTION_TITLES:
        parts += role.section(field)
    return "\n".join(parts)


# --- the real data ----------------------------------------------------------------------


def test_loads_the_five_roles(catalog: RoleCatalog) -> None:
    assert {role.key for role in catalog.roles} == KEYS
    orders = [(role.order, role.key) for role in catalog.roles]
    assert orders == sorted(orders)


def test_section_titles_are_in_display_order() -> None:
    assert list(SECTION_TITLES) == [
        "main_aims",
        "could_include",
        "skills",
        "you_can_bring",
        "lines_of_communication",
        "time_commitment",
        "how_to_apply",
    ]


@pytest.mark.parametrize("key", sorted(KEYS))
def test_every_section_is_present_and_within_slack_limits(catalog: RoleCatalog, key: str) -> None:
    role = catalog.get(key)
    assert role is not None
    assert role.key == key
    assert 0 < len(role.title) <= MAX_TITLE_CHARS
    assert 0 < len(role.summary) <= MAX_SUMMARY_CHARS and "\n" not in role.summary
    assert 0 < len(role.about) <= MAX_SECTION_CHARS
    assert role.source.endswith("(January 2021)")
    assert role.link.startswith("https://")
    for field in SECTION_TITLES:
        items = role.section(field)
        assert items, f"{key}: {field} is empty"
        assert all(0 < len(item) <= MAX_ITEM_CHARS for item in items)
        assert len(bullet_list(items)) <= MAX_SECTION_CHARS
        # Markdown left over from the documents would show literally in Slack.
        assert not any("](#)" in item or "**" in item for item in items)


def test_facts_from_the_documents(catalog: RoleCatalog) -> None:
    roles = {role.key: role for role in catalog.roles}
    for role in catalog.roles:
        apply_text = " ".join(role.how_to_apply)
        assert "odd-numbered years" in apply_text
        assert "By-elections" in apply_text
        assert "nominations form" in apply_text
        assert "personal statement of up to 200 words" in apply_text
        assert "two other LI members or one branch" in apply_text
        assert role.job_share
        assert any("weekends" in line for line in role.time_commitment)
        assert any("local and general election" in line for line in role.time_commitment)

    secretary = roles["secretary"]
    assert any(
        "notices, agendas and minutes for LIEC and GC meetings" in item
        and "LI Rules and Standing Orders" in item
        for item in secretary.could_include
    )
    assert any("GDPR" in item and "Data Protection" in item for item in secretary.could_include)
    assert "name, email address and membership number" in " ".join(secretary.how_to_apply)
    assert "over 3,000 members" in " ".join(secretary.who_we_are)
    assert "25 branches" in " ".join(secretary.who_we_are)
    assert "14 members" in " ".join(secretary.who_we_are)
    assert "every two years" in " ".join(secretary.who_we_are)

    vice_chair = roles["vice-chair-membership"]
    assert "MemberCentre" in vice_chair.about
    assert any("membership database is up-to-date" in item for item in vice_chair.main_aims)

    coordinator = roles["regional-coordinator"]
    assert [(post.key, post.title) for post in coordinator.posts] == [
        ("americas", "The Americas"),
        ("asia-pacific", "Asia, Australasia and Pacific"),
        ("europe-africa-middle-east", "Europe, Africa and the Middle East"),
    ]
    assert "24 time zones" in coordinator.about
    assert any("vice chair" in line.casefold() for line in coordinator.lines_of_communication)
    assert coordinator.link == DEFAULT_LINK

    assert "NPF" in _everything(roles["policy-and-campaigns-officer"])
    assert "Black History Month" in _everything(roles["bame-officer"])
    assert all(not role.posts for key, role in roles.items() if key != "regional-coordinator")


def test_voting_membership_follows_the_documents(catalog: RoleCatalog) -> None:
    voting = {role.key: role.voting for role in catalog.roles}
    assert voting == {
        "secretary": True,
        "vice-chair-membership": True,
        "policy-and-campaigns-officer": True,
        "bame-officer": True,
        # The document says both; the card says so and whom to ask (tests/views/test_role_views.py).
        "regional-coordinator": None,
    }


def test_get_is_by_key_only(catalog: RoleCatalog) -> None:
    role = catalog.get("bame-officer")
    assert role is not None and role.key == "bame-officer"
    assert catalog.get("BAME-Officer ") is role
    assert catalog.get("bame") is None
    assert catalog.get("") is None


# --- forgiving lookup -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "key"),
    [
        ("sec", "secretary"),
        ("Secretary", "secretary"),
        ("secertary", "secretary"),
        ("SECRETARY", "secretary"),
        ("the LI secretary role", "secretary"),
        ("BAME", "bame-officer"),
        ("bame officer", "bame-officer"),
        ("vice chair", "vice-chair-membership"),
        ("Vice-Chair (Membership)", "vice-chair-membership"),
        ("membership", "vice-chair-membership"),
        ("regional coordinator", "regional-coordinator"),
        ("coordinator", "regional-coordinator"),
        ("regional co-ordinator", "regional-coordinator"),
        ("Europe", "regional-coordinator"),
        ("policy", "policy-and-campaigns-officer"),
        ("campaigns", "policy-and-campaigns-officer"),
        ("policy & campaigns", "policy-and-campaigns-officer"),
        ("policy-and-campaigns-officer", "policy-and-campaigns-officer"),
    ],
)
def test_match_finds_the_role(catalog: RoleCatalog, query: str, key: str) -> None:
    found = catalog.match(query)
    assert found.role is not None, found
    assert found.role.key == key
    assert found.suggestions == []
    assert found.score >= 85


@pytest.mark.parametrize(
    "query",
    ["treasurer", "xyzzy", "", "   ", "x" * 10_000, "🎉🙂 ünïcødé", "<!channel>", "@here", "li"],
)
def test_match_unknown_returns_no_role(catalog: RoleCatalog, query: str) -> None:
    found = catalog.match(query)
    assert found.role is None
    assert len(found.suggestions) <= 3


@pytest.mark.parametrize(
    ("query", "suggested"),
    [
        ("chair", "vice-chair-membership"),
        ("officer", "bame-officer"),
        ("officer", "policy-and-campaigns-officer"),
        ("membership secretary", "secretary"),
        ("membership secretary", "vice-chair-membership"),
    ],
)
def test_ambiguous_queries_suggest_rather_than_guess(
    catalog: RoleCatalog, query: str, suggested: str
) -> None:
    found = catalog.match(query)
    assert found.role is None
    assert suggested in [role.key for role in found.suggestions]
    assert len(found.suggestions) <= 3


def test_pure_nonsense_suggests_nothing(catalog: RoleCatalog) -> None:
    assert catalog.match("xyzzy").suggestions == []
    assert catalog.match("").suggestions == []


# --- duty search ------------------------------------------------------------------------


def _keys(hits: list[DutyHit]) -> list[str]:
    return [hit.role.key for hit in hits]


def test_who_membercentre(catalog: RoleCatalog) -> None:
    hits = catalog.who("MemberCentre")
    assert set(_keys(hits)[:2]) == {"vice-chair-membership", "secretary"}
    for hit in hits[:2]:
        assert hit.lines and all("MemberCentre" in line for line in hit.lines)


def test_who_member_centre_written_as_two_words(catalog: RoleCatalog) -> None:
    assert set(_keys(catalog.who("member centre"))[:2]) == {"vice-chair-membership", "secretary"}


@pytest.mark.parametrize(
    ("words", "first", "quoted"),
    [
        ("minutes", "secretary", "minutes"),
        ("who does the minutes?", "secretary", "minutes"),
        ("Black History Month", "bame-officer", "Black History Month"),
        ("black histroy month", "bame-officer", "Black History Month"),
        ("NPF", "policy-and-campaigns-officer", "NPF"),
        ("National Policy Forum", "policy-and-campaigns-officer", "NPF"),
        ("GDPR", "secretary", "GDPR"),
        ("fundraising", "secretary", "Fundraising"),
    ],
)
def test_who_ranks_the_role_whose_job_it_is_first(
    catalog: RoleCatalog, words: str, first: str, quoted: str
) -> None:
    hits = catalog.who(words)
    assert hits, words
    assert hits[0].role.key == first
    assert quoted in hits[0].lines[0]
    assert hits[0].score > (hits[1].score if len(hits) > 1 else 0)


def test_who_only_finds_roles_that_mention_the_words(catalog: RoleCatalog) -> None:
    assert _keys(catalog.who("GDPR")) == ["secretary"]
    assert _keys(catalog.who("Black History Month")) == ["bame-officer"]
    assert _keys(catalog.who("NPF")) == ["policy-and-campaigns-officer"]


def test_who_quotes_at_most_three_lines_best_first(catalog: RoleCatalog) -> None:
    for hit in catalog.who("LIEC"):
        assert 1 <= len(hit.lines) <= 3
        assert len(set(hit.lines)) == len(hit.lines)


def test_who_respects_the_limit(catalog: RoleCatalog) -> None:
    assert len(catalog.who("weekends")) == 5
    assert len(catalog.who("weekends", limit=2)) == 2
    assert catalog.who("weekends", limit=0) == []


@pytest.mark.parametrize(
    "words", ["xyzzy", "", "the", "who does", "x" * 10_000, "🎉", "<!channel>", "zzqv plork"]
)
def test_who_finds_nothing_for_words_that_match_nothing(catalog: RoleCatalog, words: str) -> None:
    assert catalog.who(words) == []


# --- bad files --------------------------------------------------------------------------


def test_alias_shared_by_two_roles_is_rejected_naming_both_files(roles_copy: Path) -> None:
    _edit(roles_copy / "secretary.yml", aliases=["sec", "Bame"])
    with pytest.raises(RoleDataError) as error:
        RoleCatalog.load(roles_copy)
    message = str(error.value)
    assert "secretary.yml" in message and "bame-officer.yml" in message
    assert "alias" in message
    assert "\n" not in message


def test_alias_equal_to_another_roles_title_is_rejected(roles_copy: Path) -> None:
    _edit(roles_copy / "bame-officer.yml", aliases=["bame", "Regional Co-ordinator"])
    with pytest.raises(RoleDataError, match=r"regional-coordinator\.yml.*bame-officer\.yml"):
        RoleCatalog.load(roles_copy)


def test_misspelt_key_is_rejected_naming_file_and_key(roles_copy: Path) -> None:
    path = roles_copy / "secretary.yml"
    path.write_text(path.read_text(encoding="utf-8").replace("main_aims:", "main_aimz:"), encoding="utf-8")
    with pytest.raises(RoleDataError) as error:
        RoleCatalog.load(roles_copy)
    message = str(error.value)
    assert message.startswith("secretary.yml:")
    assert "unknown key 'main_aimz' (did you mean 'main_aims'?)" in message
    assert "missing key 'main_aims'" in message
    assert "\n" not in message


def test_key_must_match_the_file_name(roles_copy: Path) -> None:
    _edit(roles_copy / "secretary.yml", key="general-secretary")
    with pytest.raises(RoleDataError, match=r"^secretary\.yml: 'key'"):
        RoleCatalog.load(roles_copy)


def test_key_must_be_kebab_case(roles_copy: Path) -> None:
    (roles_copy / "secretary.yml").rename(roles_copy / "Secretary.yml")
    _edit(roles_copy / "Secretary.yml", key="Secretary")
    with pytest.raises(RoleDataError, match=r"^Secretary\.yml: 'key': .*lowercase words"):
        RoleCatalog.load(roles_copy)


@pytest.mark.parametrize(
    ("change", "complaint"),
    [
        ({"title": "T" * (MAX_TITLE_CHARS + 1)}, "'title'"),
        ({"summary": "S" * (MAX_SUMMARY_CHARS + 1)}, "'summary'"),
        ({"summary": "two\nlines"}, "'summary': must be a single line"),
        ({"skills": ["w" * (MAX_ITEM_CHARS + 1)]}, "'skills item 1'"),
        ({"could_include": ["w" * 500] * 6}, "'could_include': is 3018 characters as a bulleted"),
        ({"about": "a" * (MAX_SECTION_CHARS + 1)}, "'about'"),
        ({"time_commitment": []}, "'time_commitment'"),
        ({"voting": "perhaps"}, "'voting'"),
        ({"link": "www.example.org"}, "'link'"),
        ({"aliases": ["sec", "SEC"]}, "alias 'SEC' is given twice"),
        (
            {"posts": [{"key": "x", "title": "X", "region": "y"}]},
            "unknown key 'posts item 1.region'",
        ),
    ],
)
def test_values_out_of_bounds_are_rejected(
    roles_copy: Path, change: dict[str, object], complaint: str
) -> None:
    _edit(roles_copy / "secretary.yml", **change)
    with pytest.raises(RoleDataError) as error:
        RoleCatalog.load(roles_copy)
    assert str(error.value).startswith("secretary.yml: ")
    assert complaint in str(error.value)


def test_missing_key_is_named(roles_copy: Path) -> None:
    path = roles_copy / "secretary.yml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    del data["voting"]
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(RoleDataError, match=r"^secretary\.yml: missing key 'voting'$"):
        RoleCatalog.load(roles_copy)


def test_broken_yaml_is_reported_with_its_line(roles_copy: Path) -> None:
    (roles_copy / "secretary.yml").write_text("key: secretary\ntitle: [Secretary\n")
    with pytest.raises(RoleDataError, match=r"^secretary\.yml: not valid YAML at line \d+"):
        RoleCatalog.load(roles_copy)


@pytest.mark.parametrize("text", ["", "- a list\n- not a mapping\n", "just words\n"])
def test_a_file_that_is_not_a_mapping_is_rejected(roles_copy: Path, text: str) -> None:
    (roles_copy / "secretary.yml").write_text(text)
    with pytest.raises(RoleDataError, match=r"^secretary\.yml: "):
        RoleCatalog.load(roles_copy)


def test_yaml_extension_is_refused_rather_than_ignored(roles_copy: Path) -> None:
    (roles_copy / "treasurer.yaml").write_text("key: treasurer\n")
    with pytest.raises(RoleDataError, match=r"^treasurer\.yaml: role files must end in \.yml"):
        RoleCatalog.load(roles_copy)


def test_empty_or_missing_folder_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(RoleDataError, match="no role files"):
        RoleCatalog.load(tmp_path)
    with pytest.raises(RoleDataError, match="no such folder"):
        RoleCatalog.load(tmp_path / "absent")


# --- a sixth role is one new file -------------------------------------------------------


def test_a_sixth_role_is_just_one_more_file(roles_copy: Path) -> None:
    data = yaml.safe_load((roles_copy / "secretary.yml").read_text(encoding="utf-8"))
    data.update(
        key="treasurer",
        order=15,
        title="Treasurer",
        aliases=["finance officer"],
        summary="Looks after LI's money: the accounts, the budget and the annual return.",
        about="The Treasurer keeps the accounts of Labour International.",
        main_aims=["Keeping the accounts and preparing the annual statement of accounts."],
        could_include=["Preparing a yearly budget with the LIEC."],
        link=DEFAULT_LINK,
        source="treasurer.yml (test)",
    )
    (roles_copy / "treasurer.yml").write_text(yaml.safe_dump(data), encoding="utf-8")

    catalog = RoleCatalog.load(roles_copy)

    assert [role.key for role in catalog.roles][:2] == ["secretary", "treasurer"]
    found = catalog.match("tresurer")
    assert found.role is not None and found.role.key == "treasurer"
    found = catalog.match("Finance Officer")
    assert found.role is not None and found.role.key == "treasurer"
    hits = catalog.who("budget")
    assert _keys(hits) == ["treasurer"]
    assert hits[0].lines == ["Preparing a yearly budget with the LIEC."]
    assert _keys(catalog.who("statement of accounts"))[0] == "treasurer"
