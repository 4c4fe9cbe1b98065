"""The committee's role descriptions: loading, validation, forgiving lookup and duty search.

Each role lives in ``bot/data/roles/<key>.yml`` so the committee can edit a role, or add one,
without touching code. Nothing here knows about Slack beyond the size of a section of text.
"""

from __future__ import annotations

import difflib
import math
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    field_validator,
)
from rapidfuzz import fuzz

from bot import yaml_text

# Section field -> heading, in display order.
SECTION_TITLES: dict[str, str] = {
    "main_aims": "Main aims",
    "could_include": "What the role could include",
    "skills": "Skills and knowledge",
    "you_can_bring": "What you can bring",
    "lines_of_communication": "Lines of communication",
    "time_commitment": "Time commitment",
    "how_to_apply": "How to apply",
}

# Where `who` looks for duties: what the role does, not how to apply for it.
DUTY_SECTIONS: tuple[str, ...] = (
    "about",
    "main_aims",
    "could_include",
    "skills",
    "lines_of_communication",
    "time_commitment",
)

DEFAULT_LINK = "https://www.labourinternational.net/"

# Slack allows 3,000 characters in a section's text; the margin leaves room for escaping.
MAX_SECTION_CHARS = 2_900
MAX_ITEM_CHARS = 600
MAX_TITLE_CHARS = 60
MAX_SUMMARY_CHARS = 150

_KEY_RE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")

Item = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_ITEM_CHARS)]
Section = Annotated[list[Item], Field(min_length=1)]
Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_TITLE_CHARS)]


def bullet_list(items: Sequence[str]) -> str:
    """A section as Slack mrkdwn shows it; the unit the length limit is measured in."""
    return "".join(f"• {item}\n" for item in items)


def _check_key(value: str) -> str:
    if not _KEY_RE.fullmatch(value):
        raise ValueError(f"'{value}' must be lowercase words joined by hyphens, like 'vice-chair-membership'")
    return value


def _check_one_line(value: str) -> str:
    if "\n" in value:
        raise ValueError("must be a single line")
    return value


class RolePost(BaseModel):
    """One of several posts sharing a role description (the regional coordinators)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    key: str
    title: Title

    _key = field_validator("key")(_check_key)
    _title = field_validator("title")(_check_one_line)


class RoleDoc(BaseModel):
    """One role description, as the committee publishes it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    key: str
    order: int = 100
    title: Title
    aliases: list[Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]] = Field(
        default_factory=list
    )
    summary: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_SUMMARY_CHARS)
    ]
    about: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_SECTION_CHARS)
    ]
    who_we_are: list[Item] = Field(default_factory=list)
    main_aims: Section
    could_include: Section
    skills: Section
    you_can_bring: Section
    lines_of_communication: Section
    time_commitment: Section
    how_to_apply: Section
    job_share: bool
    # None: the role document says both (write `voting: null` and explain under `unsettled`).
    voting: bool | None
    # Where the role document contradicts itself: each note says what, and whom to ask.
    unsettled: list[Item] = Field(default_factory=list)
    posts: list[RolePost] = Field(default_factory=list)
    link: Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^https?://\S+$")] = DEFAULT_LINK
    source: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]

    _key = field_validator("key")(_check_key)
    _one_line = field_validator("title", "summary")(_check_one_line)

    @field_validator(*SECTION_TITLES, "who_we_are")
    @classmethod
    def _fits_one_slack_section(cls, items: list[str]) -> list[str]:
        size = len(bullet_list(items))
        if size > MAX_SECTION_CHARS:
            raise ValueError(
                f"is {size} characters as a bulleted list, more than the {MAX_SECTION_CHARS} "
                "that fit in one Slack section; shorten or remove items"
            )
        return items

    @field_validator("aliases")
    @classmethod
    def _aliases_distinct(cls, aliases: list[str]) -> list[str]:
        seen: set[str] = set()
        for alias in aliases:
            form = "".join(_words(alias))
            if not form:
                raise ValueError(f"alias '{alias}' has no letters or digits")
            if form in seen:
                raise ValueError(f"alias '{alias}' is given twice")
            seen.add(form)
        return aliases

    @field_validator("posts")
    @classmethod
    def _post_keys_distinct(cls, posts: list[RolePost]) -> list[RolePost]:
        keys = [post.key for post in posts]
        for key in keys:
            if keys.count(key) > 1:
                raise ValueError(f"post key '{key}' is given twice")
        return posts

    def section(self, name: str) -> list[str]:
        """The items of a section named in SECTION_TITLES."""
        if name not in SECTION_TITLES:
            raise KeyError(name)
        items: list[str] = getattr(self, name)
        return items


class RoleDataError(Exception):
    """A role file the bot cannot use; the message names the file and the key at fault."""


@dataclass(frozen=True)
class RoleMatch:
    role: RoleDoc | None
    suggestions: list[RoleDoc]
    score: float


WHO_CACHE_SIZE = 512


@dataclass(frozen=True)
class DutyHit:
    role: RoleDoc
    score: float
    lines: list[str]


def default_roles_dir() -> Path:
    """The role files shipped with the bot (bot/data/roles); ROLES_DIR points elsewhere."""
    from bot.packaged import data_path

    return data_path("roles")


# ---------------------------------------------------------------------------------------
# Normalisation shared by lookup and search

# Long input is cut before any work: nobody names a role or a duty in 200 characters.
_MAX_QUERY_CHARS = 200
_MAX_QUERY_WORDS = 12

# Words people put around a role's name ("the LI secretary role") that say nothing about
# which role they mean.
_NAME_FILLER = frozenset(
    {
        "the", "a", "an", "role", "roles", "job", "post", "posts", "position",
        "li", "liec", "clp", "labour", "international",
        "what", "whats", "is", "does", "do", "who", "of", "for", "our", "my",
    }
)  # fmt: skip

# Words that carry no duty ("who does the minutes").
_DUTY_STOP = frozenset(
    {
        "the", "a", "an", "and", "or", "of", "to", "in", "on", "at", "by", "for", "with",
        "from", "into", "who", "whom", "which", "what", "whats", "does", "do", "did", "done",
        "is", "are", "be", "being", "been", "role", "roles", "job", "responsible",
        "responsibility", "handles", "handle", "deals", "deal", "looks", "look", "after",
        "about", "me", "i", "we", "our", "us", "it", "its", "this", "that",
    }
)  # fmt: skip

# Abbreviations the documents use, searched both ways (stop words left out of the long form).
_ABBREVIATIONS: dict[str, tuple[str, ...]] = {
    "npf": ("national", "policy", "forum"),
    "gc": ("general", "committee"),
    "agm": ("annual", "general", "meeting"),
    "liec": ("labour", "international", "executive", "committee"),
    "fb": ("facebook",),
}

_WORD_RE = re.compile(r"[a-z0-9]+")


def _words(text: str) -> list[str]:
    """Lowercase ASCII words: accents folded, '&' read as 'and', apostrophes dropped, and
    hyphens, slashes and other punctuation treated as spaces."""
    folded = unicodedata.normalize("NFKD", text)
    ascii_text = folded.encode("ascii", "ignore").decode("ascii").casefold()
    ascii_text = ascii_text.replace("&", " and ").replace("'", "")
    return _WORD_RE.findall(ascii_text)


def _match_form(text: str) -> str:
    words = _words(text)
    kept = [word for word in words if word not in _NAME_FILLER]
    return " ".join(kept or words)


def _compact(form: str) -> str:
    # "co-ordinator" and "coordinator", "vicechair" and "vice chair" are the same name.
    return form.replace(" ", "")


# ---------------------------------------------------------------------------------------
# Lookup by name

# A fuzzy score (0-100) must reach _ACCEPT and beat every other role by _MARGIN to pick a
# role on its own. One typo in a 9-letter word ("secertary") scores about 89; a short word
# inside a longer name ("chair" in "vice chair", "officer" in "bame officer") scores 70-78,
# so it is offered as a suggestion rather than silently chosen.
_ACCEPT = 85.0
_MARGIN = 5.0
# A query of at least _PREFIX_MIN letters that starts exactly one role's name ("secr",
# "europe") is taken as that role.
_PREFIX_MIN = 4
_PREFIX_SCORE = 90.0
_SUGGEST = 55.0
_MAX_SUGGESTIONS = 3


@dataclass(frozen=True)
class _Name:
    form: str
    compact: str
    role: RoleDoc


def _names_of(role: RoleDoc) -> list[tuple[str, str]]:
    """(field, text) pairs a role answers to."""
    names = [("key", role.key), ("title", role.title)]
    names += [("alias", alias) for alias in role.aliases]
    for post in role.posts:
        names += [("post", post.key), ("post", post.title)]
    return names


def _name_index(roles: Sequence[RoleDoc]) -> list[_Name]:
    owners: dict[str, tuple[RoleDoc, str, str]] = {}
    index: list[_Name] = []
    for role in roles:
        for field, text in _names_of(role):
            form = _match_form(text)
            compact = _compact(form)
            if not compact:
                continue
            owner = owners.get(compact)
            if owner is not None and owner[0].key != role.key:
                other, other_field, other_text = owner
                raise RoleDataError(
                    f"{other.key}.yml {other_field} '{other_text}' and {role.key}.yml {field} "
                    f"'{text}' are the same name; each key, title, alias and post must belong "
                    "to one role only"
                )
            owners.setdefault(compact, (role, field, text))
            index.append(_Name(form, compact, role))
    return index


def _name_score(form: str, compact: str, name: _Name) -> float:
    score = max(fuzz.ratio(compact, name.compact), fuzz.token_sort_ratio(form, name.form))
    if len(compact) >= _PREFIX_MIN and name.compact.startswith(compact):
        score = max(score, _PREFIX_SCORE)
    return float(score)


# ---------------------------------------------------------------------------------------
# Duty search

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")

# Word similarity (0-1) below which two words are different words.
_WORD_MIN = 0.75
# A line matches a one-word query at _WORD_MIN; a longer query needs this share of its
# weight (rare words weigh more) to be found in the line.
_PHRASE_MIN = 0.55
# Extra weight for a role with several matching lines, and for saying it in its title and
# in its summary (each), so the role whose job it is comes before roles that touch on it.
_PER_EXTRA_LINE = 0.05
_MAX_EXTRA_LINES = 4
_HEADLINE_BONUS = 0.2
_MAX_QUOTED_LINES = 3


@dataclass(frozen=True)
class _Line:
    text: str
    words: tuple[str, ...]
    compact: str


def _line(text: str) -> _Line:
    words = tuple(_words(text))
    return _Line(text, words, "".join(words))


def _duty_lines(role: RoleDoc) -> list[_Line]:
    lines: list[_Line] = []
    for section in DUTY_SECTIONS:
        if section == "about":
            for paragraph in role.about.split("\n"):
                lines += [_line(s) for s in _SENTENCE_END.split(paragraph.strip()) if s]
        else:
            lines += [_line(item) for item in role.section(section)]
    return lines


def _same_stem(a: str, b: str) -> bool:
    """Light stemming: 'minute'/'minutes', 'campaign'/'campaigning', 'policy'/'policies'."""
    shorter, longer = sorted((a, b), key=len)
    prefix = 0
    for x, y in zip(shorter, longer, strict=False):
        if x != y:
            break
        prefix += 1
    return prefix >= 4 and len(shorter) - prefix <= 2 and len(longer) - prefix <= 4


def _word_similarity(query_word: str, word: str) -> float:
    if query_word == word:
        return 1.0
    if _same_stem(query_word, word):
        return 0.9
    if min(len(query_word), len(word)) >= 5:
        ratio = fuzz.ratio(query_word, word)
        if ratio >= 85:  # one slipped or swapped letter in a word of seven letters or more
            return 0.9 * ratio / 100
    return 0.0


def _variants(words: tuple[str, ...]) -> list[tuple[str, ...]]:
    """The query as typed, plus each known abbreviation expanded or contracted."""
    variants = [words]
    for short, long in _ABBREVIATIONS.items():
        if short in words:
            expanded: list[str] = []
            for word in words:
                expanded += list(long) if word == short else [word]
            variants.append(tuple(expanded))
            continue
        for start in range(len(words) - len(long) + 1):
            if words[start : start + len(long)] == long:
                variants.append((*words[:start], short, *words[start + len(long) :]))
                break
    return variants


class _DutySearch:
    """Weights each query word by how rare it is across all duty lines, so that
    'organise fundraising' leans on 'fundraising', which few roles mention."""

    def __init__(self, roles: Sequence[RoleDoc]) -> None:
        self._lines = {role.key: _duty_lines(role) for role in roles}
        self._headlines = {role.key: [_line(role.title), _line(role.summary)] for role in roles}
        all_lines = [line for lines in self._lines.values() for line in lines]
        self._line_count = len(all_lines)
        self._vocabulary = sorted({word for line in all_lines for word in line.words})

    def search(self, roles: Sequence[RoleDoc], query: str, limit: int) -> list[DutyHit]:
        words = tuple(w for w in _words(query[:_MAX_QUERY_CHARS]) if w not in _DUTY_STOP)
        words = words[:_MAX_QUERY_WORDS]
        if not words or limit <= 0:
            return []
        variants = _variants(words)
        similar = {word: self._similar_words(word) for variant in variants for word in variant}
        weights = {word: self._weight(sims) for word, sims in similar.items()}

        hits: list[DutyHit] = []
        for role in roles:
            scored = [
                (self._line_score(line, variants, similar, weights), index, line.text)
                for index, line in enumerate(self._lines[role.key])
            ]
            matched = sorted((s, -i, text) for s, i, text in scored if s > 0)
            matched.reverse()
            if not matched:
                continue
            score = matched[0][0]
            score += _PER_EXTRA_LINE * min(len(matched) - 1, _MAX_EXTRA_LINES)
            score += _HEADLINE_BONUS * sum(
                1
                for line in self._headlines[role.key]
                if self._line_score(line, variants, similar, weights) > 0
            )
            quoted: list[str] = []
            for _, _, text in matched:
                if text not in quoted:
                    quoted.append(text)
            hits.append(DutyHit(role, round(score, 3), quoted[:_MAX_QUOTED_LINES]))
        hits.sort(key=lambda hit: -hit.score)  # stable: ties keep the catalog's order
        return hits[:limit]

    def _similar_words(self, query_word: str) -> dict[str, float]:
        found = {word: _word_similarity(query_word, word) for word in self._vocabulary}
        return {word: sim for word, sim in found.items() if sim >= _WORD_MIN}

    def _weight(self, similar: dict[str, float]) -> float:
        if not similar:
            return 1.0  # a word found nowhere weighs little, so one stray word cannot sink the rest
        df = sum(1 for lines in self._lines.values() for line in lines if similar.keys() & set(line.words))
        return math.log((self._line_count + 1) / (df + 1)) + 1.0

    @staticmethod
    def _line_score(
        line: _Line,
        variants: list[tuple[str, ...]],
        similar: dict[str, dict[str, float]],
        weights: dict[str, float],
    ) -> float:
        best = 0.0
        for variant in variants:
            found = [max((similar[w].get(x, 0.0) for x in line.words), default=0.0) for w in variant]
            total = sum(weights[w] for w in variant)
            score = sum(weights[w] * f for w, f in zip(variant, found, strict=True)) / total
            if len(variant) > 1 and _contains(line.words, variant):
                score += 0.1  # the exact phrase
            compact = "".join(variant)
            if len(compact) >= 8 and compact in line.compact:
                score = max(score, 0.95)  # "member centre" in "MemberCentre"
            needed = _WORD_MIN if len(variant) == 1 else _PHRASE_MIN
            if score >= needed:
                best = max(best, score)
        return best


def _contains(words: tuple[str, ...], phrase: tuple[str, ...]) -> bool:
    size = len(phrase)
    return any(words[i : i + size] == phrase for i in range(len(words) - size + 1))


# ---------------------------------------------------------------------------------------
# The catalog


def _error_line(file: str, exc: ValidationError) -> str:
    parts: list[str] = []
    for error in exc.errors():
        where = ""
        for part in error["loc"]:
            where += f" item {part + 1}" if isinstance(part, int) else f".{part}"
        where = where.lstrip(".").strip() or "(top level)"
        if error["type"] == "extra_forbidden":
            close = difflib.get_close_matches(str(error["loc"][-1]), list(RoleDoc.model_fields), n=1)
            hint = f" (did you mean '{close[0]}'?)" if close and len(error["loc"]) == 1 else ""
            parts.append(f"unknown key '{where}'{hint}")
        elif error["type"] == "missing":
            parts.append(f"missing key '{where}'")
        else:
            message = str(error["msg"]).removeprefix("Value error, ")
            parts.append(f"'{where}': {message}")
    return " ".join(f"{file}: {'; '.join(parts)}".split())


def _load_file(path: Path) -> RoleDoc:
    try:
        data: Any = yaml_text.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" at line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or "cannot be parsed"
        raise RoleDataError(f"{path.name}: not valid YAML{at}: {problem}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise RoleDataError(f"{path.name}: cannot be read ({type(exc).__name__})") from None
    if not isinstance(data, dict):
        raise RoleDataError(f"{path.name}: expected 'key: value' lines such as 'title: ...'")
    try:
        role = RoleDoc.model_validate(data)
    except ValidationError as exc:
        raise RoleDataError(_error_line(path.name, exc)) from None
    if role.key != path.stem:
        raise RoleDataError(f"{path.name}: 'key' is '{role.key}' but must be the file name, '{path.stem}'")
    return role


class RoleCatalog:
    """All roles, in display order (``order``, then key)."""

    def __init__(self, roles: Iterable[RoleDoc]) -> None:
        ordered = sorted(roles, key=lambda role: (role.order, role.key))
        by_key: dict[str, RoleDoc] = {}
        for role in ordered:
            if role.key in by_key:
                raise RoleDataError(f"{role.key}.yml: 'key' '{role.key}' is used twice")
            by_key[role.key] = role
        self._roles = tuple(ordered)
        self._by_key = by_key
        self._names = _name_index(self._roles)
        # The roles do not change while the bot runs: each search is worked out once.
        self._who: dict[tuple[str, int], list[DutyHit]] = {}
        self._search = _DutySearch(self._roles)

    @classmethod
    def load(cls, directory: Path) -> RoleCatalog:
        if not directory.is_dir():
            raise RoleDataError(f"{directory}: no such folder of role files")
        misnamed = sorted(directory.glob("*.yaml"))
        if misnamed:
            raise RoleDataError(f"{misnamed[0].name}: role files must end in .yml")
        roles = [_load_file(path) for path in sorted(directory.glob("*.yml"))]
        if not roles:
            raise RoleDataError(f"{directory}: no role files (*.yml)")
        return cls(roles)

    @property
    def roles(self) -> list[RoleDoc]:
        return list(self._roles)

    def get(self, key: str) -> RoleDoc | None:
        return self._by_key.get(key.strip().lower())

    def match(self, query: str) -> RoleMatch:
        """The role a member means, forgiving case, punctuation, hyphens and typos.

        Returns role=None with up to three suggestions when nothing is close enough or
        two roles are about as close as each other.
        """
        form = _match_form(query[:_MAX_QUERY_CHARS])
        compact = _compact(form)
        if not compact:
            return RoleMatch(None, [], 0.0)

        exact = {name.role.key: name.role for name in self._names if name.compact == compact}
        if len(exact) == 1:
            return RoleMatch(next(iter(exact.values())), [], 100.0)

        best: dict[str, float] = {}
        for name in self._names:
            score = _name_score(form, compact, name)
            best[name.role.key] = max(score, best.get(name.role.key, 0.0))
        ranked = sorted(self._roles, key=lambda role: -best[role.key])
        top = best[ranked[0].key]
        runner_up = best[ranked[1].key] if len(ranked) > 1 else 0.0
        if top >= _ACCEPT and runner_up <= top - _MARGIN:
            return RoleMatch(ranked[0], [], top)
        suggestions = [role for role in ranked if best[role.key] >= _SUGGEST]
        return RoleMatch(None, suggestions[:_MAX_SUGGESTIONS], top)

    def who(self, words: str, limit: int = 5) -> list[DutyHit]:
        """Roles whose duties mention the words, best first, quoting the matching lines."""
        key = (words, limit)
        hits = self._who.get(key)
        if hits is None:
            if len(self._who) >= WHO_CACHE_SIZE:
                self._who.clear()  # bounded: what members type is not
            hits = self._who[key] = self._search.search(self._roles, words, limit)
        return list(hits)
