"""Pupil-weighted equity lenses against values worked out by hand (Berne & Stiefel formulas).

The running example: values X = (1, 2, 4) for P = (1, 1, 2) pupils; P = 4, X̄ = 11/4 = 2.75.
"""

from __future__ import annotations

import math

import pytest
from test_resources import STD, facility, make_dataset, school, section

from eduwb.analysis.equity import (
    equity_table,
    federal_range_ratio,
    gini,
    mcloone,
    theil,
    verstegen,
    weighted_quantile,
)

X = [1.0, 2.0, 4.0]
P = [1.0, 1.0, 2.0]


def test_gini_by_hand():
    # Σi Σj Pi·Pj·|Xi − Xj| = 2·(1·1·1 + 1·2·3 + 1·2·2) = 22; G = 22 / (2 · 4² · 2.75) = 0.25
    assert gini(X, P) == pytest.approx(0.25)
    # the same as the unweighted Gini of the pupils one by one: (1, 2, 4, 4)
    assert gini([1, 2, 4, 4], [1, 1, 1, 1]) == pytest.approx(0.25)
    assert gini([3, 3], [5, 9]) == 0.0


def test_theil_and_its_decomposition_by_hand():
    mean = 2.75
    total = (1 / 4) * (
        (1 / mean) * math.log(1 / mean)
        + (2 / mean) * math.log(2 / mean)
        + 2 * (4 / mean) * math.log(4 / mean)
    )
    # groups: a = {1, 2} (2 pupils, mean 1.5), b = {4} (2 pupils, mean 4)
    s_a, s_b = 2 * 1.5 / (4 * mean), 2 * 4 / (4 * mean)  # 3/11 and 8/11 of the resource
    between = s_a * math.log(1.5 / mean) + s_b * math.log(4 / mean)
    t_a = 0.5 * ((1 / 1.5) * math.log(1 / 1.5) + (2 / 1.5) * math.log(2 / 1.5))
    within = s_a * t_a
    t, b, w = theil(X, P, ["a", "a", "b"])
    assert t == pytest.approx(total)
    assert b == pytest.approx(between)
    assert w == pytest.approx(within)
    assert b + w == pytest.approx(t)
    # a zero value contributes 0 (x ln x → 0)
    assert theil([0.0, 2.0], [1, 1])[0] == pytest.approx(0.5 * 2 * math.log(2))


def test_weighted_percentiles_mcloone_verstegen_and_range_ratio_by_hand():
    # cumulative pupils over the sorted values: 1 → 1, 2 → 2, 4 → 4; half of 4 is 2 → median 2
    assert weighted_quantile(X, P, 0.5) == 2.0
    assert weighted_quantile(X, P, 0.05) == 1.0  # 0.2 pupils in
    assert weighted_quantile(X, P, 0.95) == 4.0  # 3.8 pupils in
    # McLoone: pupils at or below the median have 1·1 + 1·2 = 3; at the median they would have 2·2 = 4
    assert mcloone(X, P) == pytest.approx(3 / 4)
    # Verstegen: at or above the median 1·2 + 2·4 = 10 against 3·2 = 6
    assert verstegen(X, P) == pytest.approx(10 / 6)
    # federal range ratio (P95 − P5) / P5 = (4 − 1) / 1
    assert federal_range_ratio(X, P) == pytest.approx(3.0)


def test_equity_table_per_stage_and_indicator_with_locale_decomposition():
    # R6 by school: 1000 (urban, 100 pupils), 2000 (rural, 100), 4000 (rural, 200) → the
    # running example scaled by 1000 (the measures are scale-free); groups urban / rural.
    ds = make_dataset(
        [school("A", locale="urban"), school("B", locale="rural"), school("C", locale="rural")],
        [section("A", "primary", 100), section("B", "primary", 100), section("C", "primary", 200)],
        [
            facility("A", equipment=100_000),
            facility("B", equipment=200_000),
            facility("C", equipment=800_000),
        ],
    )
    table = equity_table(ds, STD)
    assert list(table.columns) == [
        "stage", "indicator", "gini", "theil", "theil_between", "theil_within",
        "mcloone", "verstegen", "federal_range_ratio", "status",
    ]  # fmt: skip
    row = table.set_index("indicator").loc["R6"]
    assert float(row["gini"]) == pytest.approx(0.25)
    assert float(row["mcloone"]) == pytest.approx(0.75)
    assert float(row["federal_range_ratio"]) == pytest.approx(3.0)
    # urban = {1}, rural = {2, 4 (×2)}: between = Σ s_g ln(X̄g / X̄)
    mean, rural_mean = 2.75, (2 + 8) / 3
    s_u, s_r = 1 / (4 * mean), 3 * rural_mean / (4 * mean)
    assert float(row["theil_between"]) == pytest.approx(
        s_u * math.log(1 / mean) + s_r * math.log(rural_mean / mean)
    )
    assert float(row["theil_between"]) + float(row["theil_within"]) == pytest.approx(float(row["theil"]))
    assert row["status"] == "ok"
