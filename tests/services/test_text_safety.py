"""Member text made safe to show: direction and width controls, spreadsheet formulas."""

from __future__ import annotations

import csv
import io

import pytest

from bot.services.text_safety import neutralise, safe_cell, starts_formula
from bot.views.common import escape, plain

RLO = "\u202e"


@pytest.mark.parametrize(
    "hidden",
    [
        "\u202e",
        "\u202d",
        "\u202a",
        "\u202b",
        "\u202c",
        "\u2066",
        "\u2067",
        "\u2068",
        "\u2069",
        "\u200e",
        "\u200f",
        "\u061c",
        "\u200b",
        "\u2060",
        "\ufeff",
        "\u180e",
        "\u00ad",
    ],
)
def test_each_invisible_control_is_removed(hidden: str) -> None:
    assert neutralise(f"Ma{hidden}ry{hidden}") == "Mary"
    assert hidden not in escape(f"{hidden}Mary") and hidden not in plain(f"Mary{hidden}")


def test_joiners_stay_inside_a_word_and_go_at_its_edges() -> None:
    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467"
    persian = "می\u200cخواهم"
    assert neutralise(family) == family and neutralise(persian) == persian
    assert neutralise("\u200dAdmin\u200c Name \u200d") == "Admin Name "


def test_a_right_to_left_override_cannot_reverse_what_a_member_reads() -> None:
    assert escape(f"invoice{RLO}fdp.exe") == "invoicefdp.exe"
    # The broadcast guard's own word joiner is still added after the controls are gone.
    assert escape(f"@{RLO}here") == "@\u2060here"


@pytest.mark.parametrize(
    "value",
    [
        "=1+1",
        "+1",
        "-1",
        "@SUM(A1)",
        "\tx",
        "\rx",
        '＝HYPERLINK("http://x")',
        "＋1",
        "－1",
        "＠A1",
        "  =1+1",
        "\u3000＝1",
        f"{RLO}=1+1",
        "\u200b=1",
    ],
)
def test_formula_starters_are_defused_in_the_csv(value: str) -> None:
    assert starts_formula(value)
    cell = safe_cell(value)
    assert cell.startswith("'")
    assert RLO not in cell and "\u200b" not in cell


@pytest.mark.parametrize("value", ["Mary", "L1234567", "mary@example.org", "I will = serve", ""])
def test_ordinary_cells_are_left_alone(value: str) -> None:
    assert not starts_formula(value)
    assert safe_cell(value) == value


def test_the_csv_round_trip_keeps_the_guard() -> None:
    from bot.services.nomination_csv import COLUMNS, to_csv

    row = dict.fromkeys(COLUMNS, "")
    row["statement"] = "＝cmd|' /C calc'!A0"
    row["candidate_name"] = f"Eve{RLO}lyn"
    parsed = next(csv.DictReader(io.StringIO(to_csv([row]))))
    assert parsed["statement"].startswith("'＝")
    assert parsed["candidate_name"] == "Evelyn"


@pytest.mark.parametrize(
    "value", ["", "Mary", " =1+1", "  +44 20", "-5", "@SUM(A1)", "\t=1", "\r-", "a=b", " "]
)
def test_plain_ascii_cells_get_the_same_guard_as_any_other(value: str) -> None:
    # safe_cell takes a short cut for ASCII: it must agree with the full rule.
    cleaned = neutralise(value)
    assert safe_cell(value) == ("'" + cleaned if starts_formula(cleaned) else cleaned)
