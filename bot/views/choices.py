"""Choosing from a list of any length within Slack's element limits.

Slack refuses a static select with more than 100 options, checkboxes with more than 10 and a
select with none. Lists the organisation file can grow (branches, positions) are drawn with
the element that fits their size:

* one choice: a static select (grouped by ``ChoiceGroup`` when there are groups) up to 100
  options in all; beyond that an external select with search, whose options the bot serves
  from a ``block_suggestion`` (``suggest``) filtered by what the member types;
* several choices: checkboxes up to 10, a multi-select up to 100, then an external
  multi-select with search.

The value submitted is the same in every case (``selected_option`` / ``selected_options``).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from slack_sdk.models.blocks import (
    CheckboxesElement,
    ExternalDataMultiSelectElement,
    ExternalDataSelectElement,
    Option,
    OptionGroup,
    StaticMultiSelectElement,
    StaticSelectElement,
)

from bot.text_measure import within

SELECT_OPTIONS_LIMIT = 100  # options in a static select or multi-select, and in a suggestion
CHECKBOXES_LIMIT = 10
OPTION_TEXT_LIMIT = 75
GROUP_LABEL_LIMIT = 75


@dataclass(frozen=True)
class Choice:
    """One option: its value and what the member reads."""

    value: str
    label: str


@dataclass(frozen=True)
class ChoiceGroup:
    """Options under a heading ("Europe, Africa and the Middle East"); ``label`` "" for none."""

    label: str
    choices: Sequence[Choice]


Element = StaticSelectElement | ExternalDataSelectElement
MultiElement = CheckboxesElement | StaticMultiSelectElement | ExternalDataMultiSelectElement


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else within(text, limit - 1).rstrip() + "…"


def option(choice: Choice) -> Option:
    return Option(value=choice.value, text=_cut(choice.label, OPTION_TEXT_LIMIT))


def _flat(groups: Sequence[ChoiceGroup]) -> list[Choice]:
    return [c for g in groups for c in g.choices]


def _grouped(groups: Sequence[ChoiceGroup]) -> bool:
    return sum(1 for g in groups if g.choices) > 1 or any(g.label for g in groups if g.choices)


def _static_parts(groups: Sequence[ChoiceGroup]) -> dict[str, Any]:
    kept = [g for g in groups if g.choices]
    if _grouped(kept):
        return {
            "option_groups": [
                OptionGroup(label=_cut(g.label, GROUP_LABEL_LIMIT), options=[option(c) for c in g.choices])
                for g in kept
            ]
        }
    return {"options": [option(c) for c in _flat(kept)]}


def fits_static(groups: Sequence[ChoiceGroup]) -> bool:
    return 0 < len(_flat(groups)) <= SELECT_OPTIONS_LIMIT


def select_element(
    action_id: str,
    groups: Sequence[ChoiceGroup],
    *,
    selected: str | None = None,
    placeholder: str = "Choose",
) -> Element:
    """One choice from ``groups``: static when it fits, else an external select with search.
    The caller shows no select at all for an empty list (Slack refuses one)."""
    choices = _flat(groups)
    initial = next((option(c) for c in choices if c.value == selected), None)
    if fits_static(groups):
        return StaticSelectElement(
            action_id=action_id, placeholder=placeholder, initial_option=initial, **_static_parts(groups)
        )
    return ExternalDataSelectElement(
        action_id=action_id,
        placeholder=_cut(f"{placeholder} (type to search)", 150),
        initial_option=initial,
        min_query_length=0,
    )


def multi_select_element(
    action_id: str,
    groups: Sequence[ChoiceGroup],
    *,
    selected: Iterable[str] = (),
    placeholder: str = "Choose",
) -> MultiElement:
    """Several choices: checkboxes up to 10, a multi-select up to 100, then one with search."""
    choices = _flat(groups)
    wanted = set(selected)
    initial = [option(c) for c in choices if c.value in wanted] or None
    if 0 < len(choices) <= CHECKBOXES_LIMIT:
        return CheckboxesElement(
            action_id=action_id, options=[option(c) for c in choices], initial_options=initial
        )
    if fits_static(groups):
        return StaticMultiSelectElement(
            action_id=action_id, placeholder=placeholder, initial_options=initial, **_static_parts(groups)
        )
    return ExternalDataMultiSelectElement(
        action_id=action_id,
        placeholder=_cut(f"{placeholder} (type to search)", 150),
        initial_options=initial,
        min_query_length=0,
    )


def _folded(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def suggest(groups: Sequence[ChoiceGroup], query: str) -> dict[str, Any]:
    """The ``block_suggestion`` answer: the choices whose label or value contains every word
    typed (ignoring case and accents), labels starting with the query first, at most 100."""
    words = _folded(query).split()

    def matches(choice: Choice) -> bool:
        haystack = _folded(f"{choice.label} {choice.value}")
        return all(w in haystack for w in words)

    room = SELECT_OPTIONS_LIMIT
    found: list[ChoiceGroup] = []
    for group in groups:
        hits = [c for c in group.choices if matches(c)]
        hits.sort(key=lambda c: (not _folded(c.label).startswith(" ".join(words)), _folded(c.label)))
        if hits and room > 0:
            found.append(ChoiceGroup(group.label, hits[:room]))
            room -= len(hits[:room])
    if not found:
        return {"options": []}
    parts = _static_parts(found)
    return {key: [item.to_dict() for item in value] for key, value in parts.items()}
