"""Word and character counts as people read them, in every script (ICU segmentation)."""

from __future__ import annotations

import pytest

from bot.text_measure import count_characters, count_words, first_characters

THAI_SENTENCE = "ผมอยากเป็นเลขานุการ"  # ผม / อยาก / เป็น / เลขานุการ: four words, no spaces


def thai_statement(words: int) -> str:
    sentences, rest = divmod(words, 4)
    assert rest in (0, 2)
    return " ".join([THAI_SENTENCE] * sentences + (["ผมอยาก"] if rest else []))


def test_thai_is_counted_word_by_word_not_space_by_space() -> None:
    assert count_words(THAI_SENTENCE) == 4
    assert count_words(thai_statement(250)) == 250


def test_half_width_and_full_width_katakana_count_alike() -> None:
    assert count_words("ｺﾝﾋﾟｭｰﾀｰを使う") == count_words("コンピューターを使う") == 3


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("job-share co\u2011opted", 2),  # a hyphenated compound is one word
        ("co - op", 2),  # a dash between spaces joins nothing
        ("Lao ສະບາຍດີ", 2),  # "sabaidee" is one word in ICU's Lao dictionary
        ("", 0),
        ("\U0001f1ec\U0001f1e7 !!", 0),
    ],
)
def test_count_words_across_scripts(text: str, expected: int) -> None:
    assert count_words(text) == expected


def test_characters_are_what_people_see() -> None:
    decomposed = "e\u0301" * 150  # é as letter + combining accent: 300 code points
    assert len(decomposed) == 300
    assert count_characters(decomposed) == 150
    assert count_characters("\U0001f1ec\U0001f1e7\U0001f468\u200d\U0001f469\u200d\U0001f467") == 2
    assert count_characters("plain") == 5


def test_first_characters_never_splits_a_character() -> None:
    assert first_characters("e\u0301" * 5, 3) == "e\u0301" * 3
    assert first_characters("abc", 5) == "abc"
