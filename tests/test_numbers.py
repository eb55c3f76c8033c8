"""The one display rule (eduwb.numbers): rounding never says the opposite of the decision.

Every expected string below is written by hand from the rule: a number shows its usual
decimals, more where, rounded, it would equal or cross a limit it fails (or fall short of one
it reaches).
"""

from __future__ import annotations

import pandas as pd
import pytest

from eduwb import numbers
from eduwb.present.notebook import table_text
from eduwb.standards import load_standard

STD = load_standard("moe-2017")


@pytest.mark.parametrize(
    ("value", "digits", "limits", "shown"),
    [
        (0.50040, 3, [(0.50, "<=")], "0.5004"),  # over its CV limit: not "0.500"
        (0.49996, 3, [(0.50, "<=")], "0.500"),  # within it: equal to the limit is within
        (0.50000000001, 3, [(0.50, "<=")], "0.500"),  # equal up to float noise: within
        (0.4123, 3, [(0.50, "<=")], "0.412"),
        (2.3977, 2, [(2.4, ">=")], "2.398"),  # short of 2.4: not "2.40"
        (2.4, 2, [(2.4, ">=")], "2.40"),
        (2.41, 2, [(2.4, ">=")], "2.41"),
        (4.1999999, 2, [(4.2, ">=")], "4.200000"),  # the most digits there are (6), still honest about "<"
        (0.8499, 3, [(0.85, ">="), (1.0, ">=")], "0.8499"),
        (0.9996, 3, [(0.85, ">="), (1.0, ">=")], "0.9996"),  # passes 85 %, but is short of 1
        (2345.0, 2, None, "2,345"),
        (12.0, 2, None, "12.00"),
        (1999.9, 0, [(2000, ">=")], "1999.9"),
    ],
)
def test_number(value, digits, limits, shown):
    assert numbers.number(value, digits, limits, grouping=value < 1999 or value > 2000) == shown


@pytest.mark.parametrize(
    ("value", "limits", "shown"),
    [
        (0.09996, [(0.10, ">=")], "9.996%"),  # a ratio short of 10 %: not "10.0%"
        (0.1, [(0.10, ">=")], "10.0%"),
        (0.127, [(0.10, ">=")], "12.7%"),
        (0.99995, [(1.0, ">=")], "99.995%"),  # G9/G12 short of 100 %
        (0.19999, [(0.20, ">=")], "19.999%"),
    ],
)
def test_percent(value, limits, shown):
    assert numbers.percent(value, 1, limits) == shown


def test_limits_are_shown_as_written():
    assert numbers.exact(2.345) == "2.345"
    assert numbers.exact(0.85) == "0.85"
    assert numbers.exact(2000.0) == "2,000"
    assert numbers.percent_limit(0.955) == "95.5%"
    assert numbers.figure(0.9999999, [(1.0, ">=")]) != "1"
    assert numbers.figure(7200.0) == "7,200"


def test_a_table_row_is_judged_against_its_own_limit():
    # the gap and plan detail tables: value and threshold in one row
    df = pd.DataFrame(
        {
            "school_name": ["城关第一初级中学", "城北小学"],
            "stage": ["junior", "primary"],
            "indicator": ["R7", "R7"],
            "value": [2.3977, 2.2951],
            "threshold": [2.4, 2.3],
            "cv": [0.50040, 0.41],
            "limit": [0.5, 0.5],
        }
    )
    text = table_text(df, {"value": 2, "threshold": 2, "cv": 3, "limit": 2})
    assert text.loc[0, "value"] == "2.398" and text.loc[0, "threshold"] == "2.40"
    assert text.loc[1, "value"] == "2.295" and text.loc[1, "threshold"] == "2.30"
    assert text.loc[0, "cv"] == "0.5004" and text.loc[1, "cv"] == "0.410"


def test_resource_columns_are_judged_against_the_standard_by_stage():
    from eduwb.present.charts.resources import display_limits

    # R1: 4.196 fails 4.2 (primary); 5.296 fails 5.3 (junior); R6 1999.9 fails 2000
    table = pd.DataFrame(
        {
            "stage": ["primary", "junior"],
            "R1": [4.196, 5.296],
            "R6": [1999.9, 2600.0],
            "weakest_ratio": [0.8499, 0.9],
        }
    )
    text = table_text(table, {"weakest_ratio": 3}, display_limits(table, STD))
    assert text["R1"].tolist() == ["4.196", "5.296"]
    assert text["R6"].tolist() == ["1,999.90", "2,600"]
    assert text["weakest_ratio"].tolist() == ["0.8499", "0.900"]


def test_scorecard_texts_follow_the_rule():
    from eduwb.analysis.judging import _cv, _pct

    assert _cv(0.50040, 0.50) == "0.5004"
    assert _cv(0.41234, 0.50) == "0.412"
    assert _pct(0.09996, 0.10) == "9.996%"


def test_whole_quantities_print_as_counts():
    assert numbers.quantity(22.0) == "22" and numbers.quantity(0.0) == "0"
    assert numbers.quantity(13372.0) == "13,372" and numbers.quantity(1462.14) == "1,462.1"
    plan = pd.DataFrame(
        {"addition": [22.0, 0.0, 1462.14], "gap_unit": ["teachers", "rooms", "m2"], "cv": [0.5, 0.4, 1.0]}
    )
    shown = table_text(plan, digits={"addition": 1, "cv": 3})
    assert shown["addition"].tolist() == ["22", "0", "1,462.1"]
    assert shown["cv"].tolist() == ["0.500", "0.400", "1.000"]  # not a quantity: its decimals stay


def test_costs_show_in_wan_yuan_and_the_workbook_keeps_yuan(monkeypatch):
    from eduwb.present import notebook

    assert numbers.wan(2_640_000) == "264.0" and numbers.wan(64_493.0) == "6.4" and numbers.wan(0) == "0.0"
    plan = pd.DataFrame({"indicator": ["R2", "R6"], "cost_yuan": [2_640_000.0, 64_493.0]})
    assert table_text(plan)["cost_yuan"].tolist() == ["264.0", "6.4"]
    shown = []
    monkeypatch.setattr("IPython.display.display", lambda obj, raw=False: shown.append(obj))
    notebook.show_table(plan, "plan", lang="zh")
    [out] = shown
    assert "估算费用(万元)" in out["text/html"] and "264.0" in out["text/html"]
    payload = out[notebook.TABLE_MIME]
    assert payload["columns"][1] == "估算费用(元)" and [row[1] for row in payload["data"]] == [
        2_640_000,
        64_493,
    ]
