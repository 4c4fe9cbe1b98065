"""Member text made safe to show: invisible direction and width controls removed, and a
spreadsheet cell that would start a formula defused. Slack-free, so the CSV (a service) and
the Block Kit escaping (bot/views/common.py) share it.

A right-to-left override (U+202E) makes "txt.exe" read as "exe.txt"; zero-width characters
hide inside names so that two names look the same. None of them is needed in a name, a
statement or a question, except the zero-width joiner and non-joiner inside a word (emoji
sequences, Persian and Indic scripts), which are kept there and only there.
"""

from __future__ import annotations

import re
import unicodedata

# Bidi embeddings, overrides and isolates; LRM/RLM/ALM; zero-width space, word joiner and the
# invisible operators; the BOM; the Mongolian vowel separator; the soft hyphen.
_ALWAYS = re.compile("[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c\u200b\u2060-\u2064\ufeff\u180e\u00ad]")
# ZWNJ / ZWJ: kept only between two visible characters of a word.
_JOINER_ALONE = re.compile(r"(?:(?<=\s)|^)[\u200c\u200d]+|[\u200c\u200d]+(?=\s|$)")

# What a spreadsheet reads as the start of a formula (after NFKC: full-width ＝ is =).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(text: str) -> str:
    """The text without invisible direction or width controls."""
    return _JOINER_ALONE.sub("", _ALWAYS.sub("", text))


def starts_formula(value: str) -> bool:
    """Would a spreadsheet run this cell as a formula? Compatibility forms (full-width ＝,
    ＋, －, ＠) count as what they stand for, and leading spaces do not hide the sign."""
    folded = unicodedata.normalize("NFKC", neutralise(value)).lstrip(" \u00a0\u3000")
    return folded.startswith(_FORMULA_START) or value.startswith(("\t", "\r"))


def safe_cell(value: str) -> str:
    """A CSV cell: controls removed, and a leading apostrophe when it would be a formula."""
    if value.isascii():
        # No control removed and NFKC changes nothing in ASCII: the same answer as below, without
        # the four regular expressions and the normalisation (56,000 cells in a 2,000-row CSV).
        return "'" + value if value.lstrip(" ").startswith(_FORMULA_START) else value
    cleaned = neutralise(value)
    return "'" + cleaned if starts_formula(cleaned) else cleaned
