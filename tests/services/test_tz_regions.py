import importlib.resources
import zoneinfo

import pytest

from bot.services.tz_regions import (
    COUNTRIES_FILE,
    Region,
    RegionGuess,
    TimezoneRegions,
    load_country_rules,
    load_tz_tables,
    parse_country_rules,
    parse_tz_tables,
    region_for_timezone,
)

AM = Region.AMERICAS
AP = Region.ASIA_PACIFIC
EAME = Region.EUROPE_AFRICA_MIDDLE_EAST

# Every zone outside Etc/ that asks, and why:
ASK_ZONES_OUTSIDE_ETC = {
    # Antarctic stations: staffed from everywhere, on borrowed clocks.
    "Antarctica/Casey",
    "Antarctica/Davis",
    "Antarctica/DumontDUrville",
    "Antarctica/Mawson",
    "Antarctica/McMurdo",
    "Antarctica/Palmer",
    "Antarctica/Rothera",
    "Antarctica/South_Pole",  # an old name of McMurdo: treated like it
    "Antarctica/Syowa",
    "Antarctica/Troll",
    "Antarctica/Vostok",
    # French Southern Lands: research and military staff only.
    "Indian/Kerguelen",
    # Offsets or rule sets, not places (some now link to one city's zone: CET to Brussels).
    "CET",
    "EET",
    "EST",
    "HST",
    "MET",
    "MST",
    "WET",
    "CST6CDT",
    "EST5EDT",
    "MST7MDT",
    "PST8PDT",
    "Factory",
    # Old names of Etc/UTC and Etc/GMT.
    "GMT",
    "GMT+0",
    "GMT-0",
    "GMT0",
    "Greenwich",
    "UCT",
    "UTC",
    "Universal",
    "Zulu",
}


def _tzdata_zone_names() -> set[str]:
    """Every zone file the tzdata package ships (the system database may add a few, e.g. localtime)."""
    root = importlib.resources.files("tzdata").joinpath("zoneinfo")
    names: set[str] = set()

    def walk(node: object, prefix: str) -> None:
        for child in node.iterdir():  # type: ignore[attr-defined]
            if child.is_dir():
                if child.name != "__pycache__":
                    walk(child, f"{prefix}{child.name}/")
            elif not child.name.endswith((".py", ".tab", ".zi")) and child.name != "leapseconds":
                names.add(prefix + child.name)

    walk(root, "")
    return names


def test_every_zoneinfo_zone_maps_to_exactly_one_region_or_to_ask() -> None:
    zones = zoneinfo.available_timezones()
    assert len(zones) > 500
    for zone in zones:
        guess = region_for_timezone(zone)
        assert isinstance(guess, RegionGuess)
        assert guess.region is None or guess.region in set(Region), zone
        assert zone in guess.reason


def test_the_ask_set_is_exactly_the_explained_one() -> None:
    known = _tzdata_zone_names() & zoneinfo.available_timezones()
    asks = {z for z in known if region_for_timezone(z).region is None}
    assert {z for z in asks if not z.startswith("Etc/")} == ASK_ZONES_OUTSIDE_ETC
    # Every Etc/ zone asks, without exception.
    assert {z for z in known if z.startswith("Etc/")} <= asks


def test_names_only_the_system_database_has_ask() -> None:
    for zone in zoneinfo.available_timezones() - _tzdata_zone_names():
        assert region_for_timezone(zone).region is None, zone


def test_every_region_gets_many_zones() -> None:
    counts = {r: 0 for r in Region}
    for zone in zoneinfo.available_timezones():
        region = region_for_timezone(zone).region
        if region is not None:
            counts[region] += 1
    assert all(count > 100 for count in counts.values()), counts


@pytest.mark.parametrize(
    ("tz", "region", "place"),
    [
        # The Middle East is Europe, Africa and the Middle East.
        ("Asia/Dubai", EAME, "United Arab Emirates"),
        ("Asia/Riyadh", EAME, "Saudi Arabia"),
        ("Asia/Jerusalem", EAME, "Israel"),
        ("Asia/Beirut", EAME, "Lebanon"),
        ("Asia/Tehran", EAME, "Iran"),
        ("Asia/Baghdad", EAME, "Iraq"),
        ("Asia/Qatar", EAME, "Qatar"),
        ("Asia/Bahrain", EAME, "Bahrain"),  # a link to Asia/Qatar naming its own country
        ("Asia/Kuwait", EAME, "Kuwait"),
        ("Asia/Muscat", EAME, "Oman"),
        ("Asia/Amman", EAME, "Jordan"),
        ("Asia/Damascus", EAME, "Syria"),
        ("Asia/Gaza", EAME, "Palestine"),
        ("Asia/Nicosia", EAME, "Cyprus"),
        ("Asia/Tbilisi", EAME, "Georgia"),
        ("Asia/Aden", EAME, "Yemen"),
        # South Asia and Australasia.
        ("Asia/Kolkata", AP, "India"),
        ("Asia/Calcutta", AP, "India"),
        ("Asia/Karachi", AP, "Pakistan"),
        ("Asia/Kabul", AP, "Afghanistan"),
        ("Australia/Sydney", AP, "Australia"),
        ("Australia/NSW", AP, "Australia"),
        ("Pacific/Auckland", AP, "New Zealand"),
        ("Pacific/Chatham", AP, "New Zealand"),
        ("Pacific/Guam", AP, "Guam"),
        ("Pacific/Pago_Pago", AP, "Samoa (American)"),
        ("Pacific/Tahiti", AP, "French Polynesia"),
        ("Pacific/Pitcairn", AP, "Pitcairn"),
        ("Pacific/Midway", AP, "US minor outlying islands"),
        # Pacific zones of American countries.
        ("Pacific/Honolulu", AM, "United States"),
        ("US/Hawaii", AM, "United States"),
        ("Pacific/Easter", AM, "Chile"),
        ("Pacific/Galapagos", AM, "Ecuador"),
        ("America/Sao_Paulo", AM, "Brazil"),
        ("US/Eastern", AM, "United States"),
        ("America/Nuuk", AM, "Greenland"),
        # Atlantic islands.
        ("Atlantic/Reykjavik", EAME, "Iceland"),
        ("Atlantic/Canary", EAME, "Spain"),
        ("Atlantic/Azores", EAME, "Portugal"),
        ("Atlantic/Cape_Verde", EAME, "Cape Verde"),
        ("Atlantic/St_Helena", EAME, "St Helena"),
        ("Atlantic/Bermuda", AM, "Bermuda"),
        ("Atlantic/Stanley", AM, "Falkland Islands"),
        ("Atlantic/South_Georgia", AM, "South Georgia & the South Sandwich Islands"),
        # Turkey, both names.
        ("Europe/Istanbul", EAME, "Turkey"),
        ("Asia/Istanbul", EAME, "Turkey"),
        # Russia goes by the zone.
        ("Europe/Moscow", EAME, "Russia"),
        ("Europe/Kaliningrad", EAME, "Russia"),
        ("W-SU", EAME, "Russia"),
        ("Asia/Yekaterinburg", AP, "Russia"),
        ("Asia/Vladivostok", AP, "Russia"),
        ("Asia/Kamchatka", AP, "Russia"),
        # Central Asia.
        ("Asia/Almaty", AP, "Kazakhstan"),
        ("Asia/Oral", AP, "Kazakhstan"),
        ("Asia/Tashkent", AP, "Uzbekistan"),
        # Africa.
        ("Africa/Cairo", EAME, "Egypt"),
        ("Africa/Lagos", EAME, "Nigeria"),
        # Indian Ocean islands.
        ("Indian/Maldives", AP, "Maldives"),
        ("Indian/Christmas", AP, "Christmas Island"),
        ("Indian/Cocos", AP, "Cocos (Keeling) Islands"),
        ("Indian/Mauritius", EAME, "Mauritius"),
        ("Indian/Reunion", EAME, "Réunion"),
        ("Indian/Mahe", EAME, "Seychelles"),
        ("Indian/Chagos", EAME, "British Indian Ocean Territory"),
        # Antarctica: Macquarie Island is Australian.
        ("Antarctica/Macquarie", AP, "Australia"),
    ],
)
def test_hard_cases_with_a_region(tz: str, region: Region, place: str) -> None:
    guess = region_for_timezone(tz)
    assert guess.region is region
    assert guess.reason == f"from your Slack time zone {tz} ({place})"


@pytest.mark.parametrize(
    ("tz", "reason"),
    [
        (
            "Antarctica/McMurdo",
            "your Slack time zone Antarctica/McMurdo (Antarctica) is not in any one of our regions",
        ),
        (
            "Indian/Kerguelen",
            "your Slack time zone Indian/Kerguelen (French S. Terr.) is not in any one of our regions",
        ),
        ("Etc/UTC", "your Slack time zone Etc/UTC does not say where you are"),
        ("UTC", "your Slack time zone UTC does not say where you are"),
        ("Etc/GMT+5", "your Slack time zone Etc/GMT+5 does not say where you are"),
        ("GMT", "your Slack time zone GMT does not say where you are"),
        ("Factory", "your Slack time zone Factory does not say where you are"),
        ("EST5EDT", "your Slack time zone EST5EDT does not say where you are"),
        (None, "your Slack profile has no time zone"),
        ("", "your Slack profile has no time zone"),
        ("Not/AZone", "your Slack time zone Not/AZone is not one we know"),
        ("asia/dubai", "your Slack time zone asia/dubai is not one we know"),
    ],
)
def test_hard_cases_that_ask(tz: str | None, reason: str) -> None:
    assert region_for_timezone(tz) == RegionGuess(None, reason)


def test_display_titles() -> None:
    assert [r.display_title for r in Region] == [
        "The Americas",
        "Asia, Australasia and Pacific",
        "Europe, Africa and the Middle East",
    ]
    assert Region("asia-pacific") is AP


def test_countries_file_lists_every_iso3166_country_once() -> None:
    assert set(load_country_rules()) == set(load_tz_tables().country_names)
    assert len(load_tz_tables().country_names) > 240


def test_every_country_of_a_zone_has_a_rule() -> None:
    tables = load_tz_tables()
    rules = load_country_rules()
    for zone, countries in tables.zone_countries.items():
        for code in countries:
            assert code in rules, (zone, code)


COMMENTED_CHOICES = "AQ AF IR US TF MV FK SH GL CV BM GS IO CC CX RU"


def test_deliberate_choices_in_the_countries_file_are_commented() -> None:
    lines = COUNTRIES_FILE.read_text("utf-8").splitlines()
    for code in COMMENTED_CHOICES.split(" "):
        at = next(i for i, line in enumerate(lines) if line.startswith(f"{code}:"))
        # The comment is on the entry's line or on the line just above it.
        assert "#" in lines[at] or lines[at - 1].startswith("#"), code


# The rules, on small tables made for the test.

TABLES = parse_tz_tables(
    zone1970=(
        "# comment\n"
        "AA,BB\t+0000+00000\tTest/Shared\n"
        "AA,QQ\t+0000+00000\tTest/WithStation\n"
        "AA,CC\t+0000+00000\tTest/Split\n"
        "QQ\t+0000+00000\tTest/Station\n"
        "RR\t+0000+00000\tEast/Town\n"
        "RR\t+0000+00000\tWest/Town\n"
    ),
    zone_tab=(
        "AA\t+0000+00000\tTest/Shared\n"
        "AA\t+0000+00000\tTest/WithStation\n"
        "AA\t+0000+00000\tTest/Split\n"
        "QQ\t+0000+00000\tTest/Station\n"
        "QQ\t+0000+00000\tTest/StationLink\n"
        "RR\t+0000+00000\tEast/Town\n"
        "RR\t+0000+00000\tWest/Town\n"
    ),
    tzdata_zi=(
        "Z Test/Shared 0 - X\n"
        "Z Etc/Nowhere 0 - Z\n"
        "L Test/Shared Old/Shared\n"
        "L Old/Shared Older/Shared\n"
        "L Test/WithStation Test/StationLink\n"
        "L Etc/Nowhere Nowhere\n"
        "L Loop/B Loop/A\n"
        "L Loop/A Loop/B\n"
    ),
    iso3166="AA\tAland\nBB\tBeeland\nCC\tCeeland\nQQ\tIceland Station\nRR\tArealand\n",
)
RULES = parse_country_rules(
    "AA: americas\n"
    "BB: americas\n"
    "CC: asia-pacific\n"
    "QQ: ask\n"
    "RR:\n"
    "  East: asia-pacific\n"
    "  West: europe-africa-middle-east\n"
)
SMALL = TimezoneRegions(TABLES, RULES)


def test_a_zone_shared_by_countries_of_one_region_has_that_region() -> None:
    assert SMALL.guess("Test/Shared") == RegionGuess(AM, "from your Slack time zone Test/Shared (Aland)")


def test_a_zone_shared_by_countries_of_different_regions_asks() -> None:
    assert SMALL.guess("Test/Split") == RegionGuess(
        None,
        "your Slack time zone Test/Split is used in more than one region "
        "(Asia, Australasia and Pacific; The Americas)",
    )


def test_a_placeless_country_abstains_in_a_shared_zone_but_asks_alone() -> None:
    assert SMALL.guess("Test/WithStation").region is AM
    assert SMALL.guess("Test/Station").region is None
    # A link listed in zone.tab names its own country, not its target's.
    assert SMALL.guess("Test/StationLink").region is None


def test_links_are_followed_through_chains() -> None:
    assert SMALL.guess("Older/Shared") == RegionGuess(AM, "from your Slack time zone Older/Shared (Aland)")
    assert SMALL.guess("Nowhere") == RegionGuess(
        None, "your Slack time zone Nowhere does not say where you are"
    )


def test_a_link_loop_asks_instead_of_hanging() -> None:
    assert SMALL.guess("Loop/A").region is None


def test_a_country_split_by_zone_area() -> None:
    assert SMALL.guess("East/Town").region is AP
    assert SMALL.guess("West/Town").region is EAME


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("GB: europe\n", "countries file, GB: 'europe' is not a region"),
        ("NO: americas\n", 'quote "NO"'),
        ("- GB\n", "expected a mapping"),
        ("RU:\n  Asia: moon\n", "countries file, RU: 'moon' is not a region"),
    ],
)
def test_a_bad_countries_file_fails_in_plain_words(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        parse_country_rules(text)


# Zone aliases: the reason names the alias's own country, not its link target's.


@pytest.mark.parametrize(
    ("tz", "region", "place"),
    [
        ("Iceland", EAME, "Iceland"),  # links to Africa/Abidjan; backward: #= Atlantic/Reykjavik
        ("Africa/Asmera", EAME, "Eritrea"),  # links to Africa/Nairobi (Kenya)
        ("Pacific/Truk", AP, "Micronesia"),  # links to Pacific/Port_Moresby (Papua New Guinea)
        ("Pacific/Ponape", AP, "Micronesia"),  # links to Pacific/Guadalcanal (Solomon Islands)
        ("Pacific/Yap", AP, "Micronesia"),  # alias_countries.yml
        ("Africa/Timbuktu", EAME, "Mali"),  # alias_countries.yml; links to Abidjan
        ("Atlantic/Jan_Mayen", EAME, "Svalbard & Jan Mayen"),  # links to Europe/Berlin
        ("America/Coral_Harbour", AM, "Canada"),  # links to America/Panama
        ("America/Virgin", AM, "Virgin Islands (US)"),  # backward: #= America/St_Thomas
        ("Navajo", AM, "United States"),
        ("Australia/ACT", AP, "Australia"),  # #= Australia/Canberra, itself a link
    ],
)
def test_an_alias_is_named_by_its_own_country(tz: str, region: Region, place: str) -> None:
    assert region_for_timezone(tz) == RegionGuess(region, f"from your Slack time zone {tz} ({place})")


def test_every_backward_alias_names_the_place_of_the_zone_it_stands_for() -> None:
    tables = load_tz_tables()
    assert "Iceland" in tables.stands_for
    for alias, name in tables.stands_for.items():
        if alias not in tables.links:
            continue  # not in the installed tzdata
        mine, theirs = region_for_timezone(alias), region_for_timezone(name)
        assert mine.region is theirs.region, alias
        assert mine.reason.split(alias, 1)[1] == theirs.reason.split(name, 1)[1], alias


def test_alias_countries_are_old_names_with_real_countries() -> None:
    tables = load_tz_tables()
    for alias, code in tables.alias_countries.items():
        assert alias in tables.links and alias not in tables.zone_country, alias
        assert code in tables.country_names, alias


def test_every_antarctic_station_is_treated_alike() -> None:
    tables = load_tz_tables()
    names = {n for n in (*tables.links, *tables.zones) if n.startswith("Antarctica/")}
    assert {"Antarctica/South_Pole", "Antarctica/McMurdo", "Antarctica/Troll"} <= names
    for name in names - {"Antarctica/Macquarie"}:  # Macquarie Island is Australian, not a station
        guess = region_for_timezone(name)
        assert guess == RegionGuess(
            None, f"your Slack time zone {name} (Antarctica) is not in any one of our regions"
        ), name
