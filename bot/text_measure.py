"""How long a piece of member text is, as people read it, in every script.

Words are counted with ICU's word segmentation (Unicode UAX #29 plus ICU's dictionaries for
scripts written without spaces: Thai, Lao, Khmer, Burmese, Chinese, Japanese), so a limit of
200 words means the same in every language; half-width and full-width katakana are one word
alike. A segment with no letter or digit (space, punctuation, an emoji) is not a word, and a
hyphenated compound ("job-share") is one word, as word processors count it.

Characters are counted as grapheme clusters (what people see as one character): "é" typed as
"e" plus a combining accent is one character, a flag or a family emoji is one.
"""

from __future__ import annotations

import unicodedata

from icu4py.breakers import CharacterBreaker, WordBreaker

# Joiners inside a compound word: hyphen-minus, hyphen, non-breaking hyphen.
_HYPHENS = frozenset("-\u2010\u2011")
# The root locale: ICU picks the dictionary by script, not by locale.
_ROOT = ""


def _is_word(segment: str) -> bool:
    return any(unicodedata.category(char)[0] in "LN" for char in segment)


def count_words(text: str) -> int:
    """Words in ``text``, as ICU's word segmentation finds them (hyphenated compounds count once)."""
    if not text.strip():
        return 0
    segments = list(WordBreaker(unicodedata.normalize("NFC", text), _ROOT))
    total = 0
    for index, segment in enumerate(segments):
        if not _is_word(segment):
            continue
        joined = index >= 2 and segments[index - 1] in _HYPHENS and _is_word(segments[index - 2])
        if not joined:
            total += 1
    return total


def count_characters(text: str) -> int:
    """Characters as people see them: extended grapheme clusters."""
    if text.isascii():
        return len(text)
    return sum(1 for _ in CharacterBreaker(text, _ROOT))


def within(text: str, units: int) -> str:
    """The longest start of ``text`` of whole characters (grapheme clusters) that is at most
    ``units`` code points long: cutting text to a limit Slack counts in its own units never
    leaves half a flag, an accent without its letter or a dangling joiner."""
    if len(text) <= units:
        return text
    if text[: units + 1].isascii():  # the next character starts a new cluster
        return text[:units]
    kept = 0
    for cluster in CharacterBreaker(text, _ROOT):
        if kept + len(cluster) > units:
            break
        kept += len(cluster)
    return text[:kept]


def first_characters(text: str, limit: int) -> str:
    """The first ``limit`` grapheme clusters of ``text`` (never half a character)."""
    if count_characters(text) <= limit:
        return text
    kept: list[str] = []
    for index, cluster in enumerate(CharacterBreaker(text, _ROOT)):
        if index >= limit:
            break
        kept.append(cluster)
    return "".join(kept)
