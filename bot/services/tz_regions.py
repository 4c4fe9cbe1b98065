"""Which Labour International region a Slack time zone points to.

Slack's ``users.info`` gives a member's time zone as an IANA name. The name is mapped
to the countries that use it, and the countries to one of three regions, using the
tables the ``tzdata`` package ships:

* ``zone1970.tab``: each canonical zone with every country whose clocks have agreed
  with it since 1970 (``Asia/Dubai`` is used in AE, OM, RE, SC and TF);
* ``zone.tab``: one country for each zone name, including old names that are now
  links but still name a single country (``Asia/Kuwait`` is KW, ``Antarctica/McMurdo``
  is AQ);
* ``tzdata.zi``: the links (``L target name``), so that ``US/Eastern``,
  ``Asia/Calcutta`` and ``Asia/Istanbul`` reach the zone they stand for;
* ``iso3166.tab``: country names, for the reason shown to the member;
* ``backward`` (tzdata's own file, not shipped in the ``tzdata`` package, so kept in
  ``bot/data/tz/backward``): its ``#= NAME`` notes say which zone an old name stands for
  (``Iceland`` is ``Atlantic/Reykjavik``, ``Africa/Asmera`` is ``Africa/Asmara``,
  ``Pacific/Truk`` is ``Pacific/Chuuk``), where the link itself goes to another country's
  zone with the same clock (``Africa/Abidjan``, ``Africa/Nairobi``, ``Pacific/Port_Moresby``);
* ``data/regions/alias_countries.yml``: the few old names neither table places (``Pacific/Yap``
  is Micronesia, ``Africa/Timbuktu`` Mali).

Order of look-up: a canonical zone gives all its countries; otherwise a name listed in
``zone.tab`` gives its one country (the name says more than its link target: a member
who chose ``Antarctica/McMurdo`` is in Antarctica, not New Zealand); otherwise an old name's
own country (``alias_countries.yml``; every ``Antarctica/`` name is Antarctica, so
``Antarctica/South_Pole`` asks like McMurdo, which it aliases); otherwise the name it stands
for (``backward``'s ``#=``) or its link target is looked up in the same way. The reason shown
names the alias's own country: "Iceland", never "Côte d'Ivoire".

Countries map to regions through ``bot/data/regions/countries.yml`` (UN M49 geography,
with each departure commented there). Deliberate choices, in short:

* The Middle East (Gulf, Levant, Iraq, Iran, Turkey, Cyprus) and the Caucasus go to
  Europe, Africa and the Middle East; Afghanistan, Pakistan and Central Asia
  (Kazakhstan, Uzbekistan, Kyrgyzstan, Tajikistan, Turkmenistan) go to Asia-Pacific.
* Atlantic islands: the Azores, Madeira and the Canaries go with Portugal and Spain,
  Cape Verde and St Helena with Africa, Iceland and the Faroes with Europe (all
  Europe, Africa and the Middle East); Bermuda, the Falklands, South Georgia and
  Greenland go to the Americas.
* Indian Ocean islands: Mauritius, Réunion, the Seychelles, Comoros, Mayotte,
  Madagascar and Chagos go to Europe, Africa and the Middle East (M49 Eastern Africa);
  the Maldives, Christmas Island and the Cocos Islands go to Asia-Pacific; Kerguelen
  and the other French Southern Lands (no permanent population) ask.
* Pacific zones go to Asia-Pacific (Guam, American Samoa and French Polynesia
  included), except zones of an American country: Hawaii and the Aleutians (United
  States), Easter Island (Chile) and the Galápagos (Ecuador) go to the Americas.
* Russia goes by the zone: ``Europe/*`` to Europe, Africa and the Middle East,
  ``Asia/*`` (Yekaterinburg to Kamchatka) to Asia-Pacific.
* Antarctica asks: its stations are staffed from everywhere and keep borrowed clocks.
  Uninhabited places (Bouvet, Heard and McDonald) ask too. In a zone that such a
  place shares with inhabited countries (``Pacific/Auckland`` lists AQ for McMurdo),
  it abstains and the inhabited countries decide.
* A zone whose countries are in different regions asks.
* ``Etc/*``, ``UTC``, ``GMT``, ``Factory``, the POSIX-style ``EST5EDT`` family and the old
  abbreviations now linked to a city (``CET`` to Brussels, ``EST`` to Panama, ``WET`` to
  Lisbon), no zone and an unknown name ask: they do not say where the member is.
"""

from __future__ import annotations

import functools
import importlib.resources
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from bot import yaml_text
from bot.packaged import data_path

COUNTRIES_FILE = data_path("regions", "countries.yml")
ALIAS_COUNTRIES_FILE = data_path("regions", "alias_countries.yml")
BACKWARD_FILE = data_path("tz", "backward")
# Names of clocks, not places: tzdata keeps them as zones or as links to one city's zone.
_CLOCK_NAMES = frozenset(
    {"CET", "MET", "EET", "WET", "EST", "MST", "HST", "EST5EDT", "CST6CDT", "MST7MDT", "PST8PDT"}
)
_ANTARCTICA = ("Antarctica/", "AQ")
ASK = "ask"
# Links followed at most this many times: tzdata has no chains today; this only stops a loop.
_MAX_LINK_HOPS = 8


class Region(StrEnum):
    AMERICAS = "americas"
    ASIA_PACIFIC = "asia-pacific"
    EUROPE_AFRICA_MIDDLE_EAST = "europe-africa-middle-east"

    @property
    def display_title(self) -> str:
        return _TITLES[self][0]

    @property
    def short_title(self) -> str:
        """The same name as display_title: one name for each region everywhere."""
        return self.display_title


# The names of the committee's role documents, used everywhere the bot names a region.
_TITLES: dict[Region, tuple[str]] = {
    Region.AMERICAS: ("The Americas",),
    Region.ASIA_PACIFIC: ("Asia, Australasia and Pacific",),
    Region.EUROPE_AFRICA_MIDDLE_EAST: ("Europe, Africa and the Middle East",),
}

_REGION_WORDS: dict[str, Region] = {
    **{r.value: r for r in Region},
    "the-americas": Region.AMERICAS,
    "america": Region.AMERICAS,
    "asia": Region.ASIA_PACIFIC,
    "pacific": Region.ASIA_PACIFIC,
    "apac": Region.ASIA_PACIFIC,
    "australasia": Region.ASIA_PACIFIC,
    "asia-australasia-and-pacific": Region.ASIA_PACIFIC,
    "europe": Region.EUROPE_AFRICA_MIDDLE_EAST,
    "africa": Region.EUROPE_AFRICA_MIDDLE_EAST,
    "middle-east": Region.EUROPE_AFRICA_MIDDLE_EAST,
    "eame": Region.EUROPE_AFRICA_MIDDLE_EAST,
    "emea": Region.EUROPE_AFRICA_MIDDLE_EAST,
    "europe-africa-and-the-middle-east": Region.EUROPE_AFRICA_MIDDLE_EAST,
}


def parse_region(text: str) -> Region | None:
    """A region from what a member typed ("asia-pacific", "Asia Pacific", "EMEA"), or None."""
    words = "".join(c if c.isalnum() else " " for c in text.lower()).split()
    return _REGION_WORDS.get("-".join(words))


@dataclass(frozen=True)
class RegionGuess:
    """A region, or None to ask the member; ``reason`` is plain words for the member."""

    region: Region | None
    reason: str


@dataclass(frozen=True)
class TzTables:
    """The parts of the tz database the mapping needs."""

    zone_countries: Mapping[str, tuple[str, ...]]  # zone1970.tab: canonical zone -> countries
    zone_country: Mapping[str, str]  # zone.tab: zone name -> its one country
    links: Mapping[str, str]  # tzdata.zi: link name -> target
    zones: frozenset[str]  # tzdata.zi: every zone that is not a link
    country_names: Mapping[str, str]  # iso3166.tab
    stands_for: Mapping[str, str] = field(default_factory=dict)  # backward: old name -> "#=" name
    alias_countries: Mapping[str, str] = field(default_factory=dict)  # alias_countries.yml


# A country's region: a region, None (ask), or a region for each zone area ("Europe", "Asia").
CountryRule = Region | None | Mapping[str, Region]


def _read_tzdata(name: str) -> str:
    return importlib.resources.files("tzdata").joinpath("zoneinfo", name).read_text("utf-8")


def _tab_rows(text: str) -> list[list[str]]:
    return [line.split("\t") for line in text.splitlines() if line and not line.startswith("#")]


def parse_backward(text: str) -> dict[str, str]:
    """tzdata's ``backward``: each old name with a ``#= NAME`` note -> the name it stands for."""
    found: dict[str, str] = {}
    for line in text.splitlines():
        parts = line.split()
        if len(parts) == 5 and parts[0] == "Link" and parts[3] == "#=":
            found[parts[2]] = parts[4]
    return found


def parse_alias_countries(text: str) -> dict[str, str]:
    raw = yaml_text.safe_load(text) or {}
    if not isinstance(raw, dict) or not all(
        isinstance(k, str) and isinstance(v, str) and len(v) == 2 for k, v in raw.items()
    ):
        raise ValueError("alias countries file: expected zone name: two-letter country code")
    return {str(k): str(v) for k, v in raw.items()}


def parse_tz_tables(
    zone1970: str,
    zone_tab: str,
    tzdata_zi: str,
    iso3166: str,
    backward: str = "",
    alias_countries: Mapping[str, str] | None = None,
) -> TzTables:
    zone_countries = {row[2]: tuple(row[0].split(",")) for row in _tab_rows(zone1970)}
    zone_country = {row[2]: row[0] for row in _tab_rows(zone_tab)}
    links: dict[str, str] = {}
    zones: set[str] = set()
    for line in tzdata_zi.splitlines():
        if line.startswith("L "):
            _, target, name = line.split()
            links[name] = target
        elif line.startswith("Z "):
            zones.add(line.split()[1])
    country_names = {row[0]: row[1] for row in _tab_rows(iso3166)}
    return TzTables(
        zone_countries,
        zone_country,
        links,
        frozenset(zones),
        country_names,
        parse_backward(backward),
        dict(alias_countries or {}),
    )


@functools.cache
def load_tz_tables() -> TzTables:
    """The tables of the installed ``tzdata`` package (read once)."""
    return parse_tz_tables(
        _read_tzdata("zone1970.tab"),
        _read_tzdata("zone.tab"),
        _read_tzdata("tzdata.zi"),
        _read_tzdata("iso3166.tab"),
        BACKWARD_FILE.read_text("utf-8"),
        parse_alias_countries(ALIAS_COUNTRIES_FILE.read_text("utf-8")),
    )


def _parse_region(value: object, where: str) -> Region:
    try:
        return Region(str(value))
    except ValueError:
        choices = ", ".join(r.value for r in Region)
        raise ValueError(f"{where}: {value!r} is not a region ({choices} or {ASK})") from None


def parse_country_rules(text: str) -> dict[str, CountryRule]:
    """Read countries.yml; raise ValueError in plain words on a bad entry."""
    raw = yaml_text.safe_load(text)
    if not isinstance(raw, dict):
        raise ValueError("countries file: expected a mapping of country code to region")
    rules: dict[str, CountryRule] = {}
    for code, value in raw.items():
        where = f"countries file, {code}"
        if not (isinstance(code, str) and len(code) == 2 and code.isupper()):
            raise ValueError(
                f'{where}: keys are ISO 3166 alpha-2 codes such as GB (quote "NO", '
                "which YAML would read as false)"
            )
        if value == ASK:
            rules[code] = None
        elif isinstance(value, dict):
            rules[code] = {str(area): _parse_region(r, where) for area, r in value.items()}
        else:
            rules[code] = _parse_region(value, where)
    return rules


@functools.cache
def load_country_rules() -> dict[str, CountryRule]:
    return parse_country_rules(COUNTRIES_FILE.read_text("utf-8"))


class TimezoneRegions:
    """Maps time zone names to regions with the given tables and country rules."""

    def __init__(self, tables: TzTables, rules: Mapping[str, CountryRule]) -> None:
        self._tables = tables
        self._rules = rules

    def guess(self, tz: str | None) -> RegionGuess:
        if tz is None or not tz.strip():
            return RegionGuess(None, "your Slack profile has no time zone")
        tz = tz.strip()
        found = self._countries(tz)
        if found is None:
            return RegionGuess(None, f"your Slack time zone {tz} is not one we know")
        zone, countries = found
        if not countries:
            return RegionGuess(None, f"your Slack time zone {tz} does not say where you are")
        place = self._place(tz, zone, countries)
        regions = {self._region_of(code, zone) for code in countries}
        decided = {r for r in regions if r is not None}
        if len(decided) == 1:
            (region,) = decided
            return RegionGuess(region, f"from your Slack time zone {tz} ({place})")
        if not decided:
            return RegionGuess(None, f"your Slack time zone {tz} ({place}) is not in any one of our regions")
        # Semicolons: the names have commas of their own.
        titles = "; ".join(sorted(r.display_title for r in decided))
        return RegionGuess(None, f"your Slack time zone {tz} is used in more than one region ({titles})")

    def _countries(self, tz: str) -> tuple[str, tuple[str, ...]] | None:
        """The zone name that gave the countries, and the countries (empty: no place).

        None when the name is unknown to the tz database.
        """
        name = tz
        tables = self._tables
        for _ in range(_MAX_LINK_HOPS):
            if name in _CLOCK_NAMES:
                return name, ()
            if name in tables.zone_countries:
                return name, tables.zone_countries[name]
            if name in tables.zone_country:
                return name, (tables.zone_country[name],)
            if name in tables.alias_countries:
                return name, (tables.alias_countries[name],)
            if name.startswith(_ANTARCTICA[0]) and (name in tables.links or name in tables.zones):
                return name, (_ANTARCTICA[1],)  # every station alike, whatever clock it borrows
            if name in tables.stands_for:
                name = tables.stands_for[name]
            elif name in tables.links:
                name = tables.links[name]
            elif name in self._tables.zones:
                return name, ()  # a zone with no country: Etc/UTC, Factory, EST5EDT
            else:
                return None
        return None

    def _region_of(self, code: str, zone: str) -> Region | None:
        rule = self._rules.get(code)
        if isinstance(rule, Mapping):
            return rule.get(zone.split("/", 1)[0])
        return rule

    def _place(self, tz: str, zone: str, countries: tuple[str, ...]) -> str:
        # Name the zone's own country (zone.tab) rather than every country sharing the clock.
        tables = self._tables
        code = (
            tables.zone_country.get(tz) or tables.zone_country.get(zone) or tables.alias_countries.get(zone)
        )
        code = code or countries[0]
        return self._tables.country_names.get(code, code)


@functools.cache
def default_timezone_regions() -> TimezoneRegions:
    return TimezoneRegions(load_tz_tables(), load_country_rules())


def region_for_timezone(tz: str | None) -> RegionGuess:
    """The region a Slack time zone points to, or None (ask the member), with the reason."""
    return default_timezone_regions().guess(tz)
