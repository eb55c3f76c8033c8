"""The per-school rule, the weighted 差异系数 and the gaps, on hand-built counties.

Expected numbers are worked out by hand in each test from the rulebook, never copied from
the output; the CV is computed here from its definition, not with ``weighted_cv``.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from test_resources import STD, STD12, facility, make_dataset, school, section

from eduwb.analysis.balance import balance_table, compliance_table, gaps_table, weighted_cv
from eduwb.errors import AnalysisError, ParameterError
from eduwb.tables import compute

# ----------------------------------------------------------------------------- weighted CV


def test_weighted_cv_by_hand():
    # X = (2, 4), P = (1, 3): X̄ = (2 + 12)/4 = 3.5; S² = (1·1.5² + 3·0.5²)/4 = 3/4
    assert weighted_cv([2, 4], [1, 3]) == pytest.approx(math.sqrt(0.75) / 3.5)
    # the unweighted CV some public code uses is different: X̄ = 3, S = 1 → 1/3
    assert weighted_cv([2, 4], [1, 3]) != pytest.approx(1 / 3)
    # equal values: no variation
    assert weighted_cv([5, 5, 5], [10, 20, 30]) == 0.0


def test_weighted_cv_refuses_undefined_cases():
    with pytest.raises(AnalysisError):
        weighted_cv([0, 0], [10, 20])
    with pytest.raises(AnalysisError):
        weighted_cv([1, 2], [0, 0])


def two_school_county():
    """Two primary schools of 100 pupils: with equal weights CV = |a − b| / (a + b).

    R1 4 vs 6 → 0.2; R2 1 vs 1 → 0; R3 1 vs 3 → 0.5 (exactly the limit); R4 5 vs 5 → 0;
    R5 8 vs 12 → 0.2; R6 2000 vs 3000 → 0.2; R7 2 vs 2 → 0. Composite = 1.1 / 7.
    """
    return make_dataset(
        [school("A"), school("B")],
        [section("A", "primary", 100, teachers=10, above=4, backbone=1, pe_art=1),
         section("B", "primary", 100, teachers=10, above=6, backbone=1, pe_art=3)],
        [facility("A", aux=600, indoor=100, field=700, equipment=200_000, rooms=2),
         facility("B", aux=600, indoor=100, field=1100, equipment=300_000, rooms=2)],
    )  # fmt: skip


def test_balance_table_cv_per_indicator_and_composite():
    bal = balance_table(two_school_county(), STD).set_index("indicator")
    expected = {"R1": 0.2, "R2": 0.0, "R3": 0.5, "R4": 0.0, "R5": 0.2, "R6": 0.2, "R7": 0.0}
    for ind, cv in expected.items():
        assert float(bal.loc[ind, "cv"]) == pytest.approx(cv, abs=1e-12)
        assert float(bal.loc[ind, "limit"]) == 0.5
        assert bool(bal.loc[ind, "passes"])  # R3 sits exactly at the limit: ≤ passes
    assert float(bal.loc["R6", "county_mean"]) == pytest.approx(2500.0)
    assert float(bal.loc["R6", "std"]) == pytest.approx(500.0)
    # the composite is the plain mean of the 7 CVs, reported without a limit under moe-2017
    assert float(bal.loc["composite", "cv"]) == pytest.approx(1.1 / 7)
    assert bal.loc["composite", "limit"] is pd_na() and bal.loc["composite", "passes"] is pd_na()
    assert list(balance_table(two_school_county(), STD).columns) == [
        "stage", "indicator", "county_mean", "std", "cv", "limit", "passes", "status"
    ]  # fmt: skip


def pd_na():
    import pandas as pd

    return pd.NA


def test_balance_cv_weighted_by_pupils_over_three_schools():
    # R6 values 1000, 2000, 4000 元 for 100, 300, 600 pupils (P = 1000):
    # X̄ = (100 000 + 600 000 + 2 400 000)/1000 = 3100
    # S² = (100·2100² + 300·1100² + 600·900²)/1000 = (441e6 + 363e6 + 486e6)/1000 = 1 290 000
    ds = make_dataset(
        [school("A"), school("B"), school("C")],
        [section("A", "primary", 100), section("B", "primary", 300), section("C", "primary", 600)],
        [
            facility("A", equipment=100_000),
            facility("B", equipment=600_000),
            facility("C", equipment=2_400_000),
        ],
    )
    row = balance_table(ds, STD).set_index("indicator").loc["R6"]
    assert float(row["county_mean"]) == pytest.approx(3100.0)
    assert float(row["cv"]) == pytest.approx(math.sqrt(1_290_000) / 3100)


def test_cv_over_the_limit_fails():
    # R6 1000 vs 4000 for equal pupils: CV = 3000/5000 = 0.6 > 0.5
    ds = make_dataset(
        [school("A"), school("B")],
        [section("A", "primary", 100), section("B", "primary", 100)],
        [facility("A", equipment=100_000), facility("B", equipment=400_000)],
    )
    row = balance_table(ds, STD).set_index("indicator").loc["R6"]
    assert float(row["cv"]) == pytest.approx(0.6)
    assert not bool(row["passes"])


def test_moe_2012_tests_the_composite_only():
    bal = balance_table(two_school_county(), STD12).set_index("indicator")
    singles = bal.drop(index="composite")
    assert singles["limit"].isna().all() and singles["passes"].isna().all()
    assert set(singles.index[singles["status"] == "missing"]) == {"B4", "B5", "B8"}
    comp = bal.loc["composite"]
    assert float(comp["limit"]) == 0.65
    # B1 = R4 (0), B2 = R5 (0.2), B3 = R6 (0.2), B6 teachers 10 vs 10 (0), B7 = R1 (0.2)
    assert float(comp["cv"]) == pytest.approx(0.6 / 5)
    # not every CV is there, so the composite is partial and never "passes"
    assert comp["status"] == "partial" and comp["passes"] is pd_na()


# ----------------------------------------------------------------------------- per-school rule


def rule_county(r1_above: int, r6_equipment: float):
    """One primary school of 10 000 pupils at exactly every threshold but R1 and R6.

    Thresholds (小学): R1 4.2, R2 1.0, R3 0.9, R4 4.5, R5 7.5, R6 2000, R7 2.3 per
    hundred / per pupil: with 10 000 pupils that is 420 teachers above degree, 100 backbone,
    90 PE/art, 45 000 m² teaching space (55 000 less 10 000 indoor sports), 75 000 m² of
    sports area (10 000 indoor + 65 000 field), 2e7 元, 230 rooms.
    """
    return make_dataset(
        [school("S", name="测试小学")],
        [section("S", "primary", 10000, teachers=600, above=r1_above, backbone=100, pe_art=90)],
        [facility("S", aux=55000, indoor=10000, field=65000, equipment=r6_equipment, rooms=230)],
    )


def test_every_indicator_exactly_at_threshold_passes_with_seven():
    row = compliance_table(rule_county(420, 20_000_000), STD).iloc[0]
    assert row["met_count"] == 7 and bool(row["passes"])
    assert row["weakest_ratio"] == pytest.approx(1.0)


def test_six_of_seven_with_the_seventh_at_exactly_85_percent_passes():
    # R1 = 100 × 357 / 10 000 = 3.57 = 0.85 × 4.2: at exactly 85 % the seventh still passes
    row = compliance_table(rule_county(357, 20_000_000), STD).iloc[0]
    assert row["met_count"] == 6
    assert row["weakest_indicator"] == "R1"
    assert row["weakest_ratio"] == pytest.approx(0.85)
    assert bool(row["passes"])


def test_six_of_seven_with_the_seventh_at_84_9_percent_fails():
    # R6 = 16 980 000 / 10 000 = 1698 = 0.849 × 2000
    row = compliance_table(rule_county(420, 16_980_000), STD).iloc[0]
    assert row["met_count"] == 6
    assert row["weakest_indicator"] == "R6"
    assert row["weakest_ratio"] == pytest.approx(0.849)
    assert not bool(row["passes"])


def test_five_of_seven_fails_even_above_85_percent():
    row = compliance_table(rule_county(400, 19_000_000), STD).iloc[0]
    assert row["met_count"] == 5
    assert not bool(row["passes"])
    # weakest: R6 at 1900/2000 = 0.95 vs R1 at 4.0/4.2 = 0.952…
    assert row["weakest_indicator"] == "R6" and row["weakest_ratio"] == pytest.approx(0.95)


def test_compliance_columns_and_moe_2012_refusal():
    table = compute("compliance", rule_county(420, 20_000_000), STD)
    assert list(table.columns) == [
        "school_id", "school_name", "stage", "met_count", "weakest_indicator", "weakest_ratio", "passes"
    ]  # fmt: skip
    with pytest.raises(ParameterError, match="no per-school rule"):
        compute("compliance", rule_county(420, 20_000_000), STD12)


# ----------------------------------------------------------------------------- gaps


def test_gaps_in_natural_units_rounded_up_where_whole_and_costed():
    # 450 pupils, primary thresholds: R1 needs 4.2 × 4.5 = 18.9 teachers → has 15, short 3.9 → 4;
    # R4 needs 4.5 × 450 = 2025 m² → has 1800, short 225 m² (not rounded);
    # R6 needs 2000 × 450 = 900 000 元 → has 855 000, short 45 000 元 (cost = the money itself);
    # R7 needs 2.3 × 4.5 = 10.35 rooms → has 10, short 0.35 → 1 room.
    ds = make_dataset(
        [school("S", name="缺口小学")],
        [section("S", "primary", 450, teachers=30, above=15, backbone=5, pe_art=5)],
        [facility("S", aux=2300, indoor=500, field=3000, equipment=855_000, rooms=10)],
    )
    gaps = gaps_table(ds, STD).set_index("indicator")
    assert list(gaps.index) == ["R1", "R4", "R6", "R7"]
    assert gaps.loc["R1", "shortfall"] == 4 and gaps.loc["R1", "gap_unit"] == "teachers"
    assert gaps.loc["R1", "cost_yuan"] == 4 * 120000
    assert gaps.loc["R4", "shortfall"] == pytest.approx(225.0)
    assert gaps.loc["R4", "cost_yuan"] == pytest.approx(225 * 3500)
    assert gaps.loc["R6", "shortfall"] == pytest.approx(45_000) and gaps.loc[
        "R6", "cost_yuan"
    ] == pytest.approx(45_000)
    assert gaps.loc["R7", "shortfall"] == 1 and gaps.loc["R7", "cost_yuan"] == 40000
    assert gaps.loc["R1", "value"] == pytest.approx(100 * 15 / 450) and gaps.loc["R1", "threshold"] == 4.2
    # unit costs are parameters (strings from the command line)
    dearer = compute("gaps", ds, STD, teacher_per_year="150000").set_index("indicator")
    assert dearer.loc["R1", "cost_yuan"] == 4 * 150000
    with pytest.raises(ParameterError, match="teacher_salary"):
        compute("gaps", ds, STD, teacher_salary="1")
    with pytest.raises(ParameterError):
        compute("gaps", ds, STD, teacher_per_year="a lot")


def test_no_nan_in_tables_of_a_full_county():
    ds = two_school_county()
    for name in ("indicators", "compliance", "gaps"):
        table = compute(name, ds, STD)
        numbers = table.select_dtypes("number")
        assert np.isfinite(numbers.to_numpy(dtype=float)).all(), name


def test_summary_failing_cells_and_gaps_summary():
    from eduwb.analysis.balance import failing_cells, gaps_summary, summary_table

    ds = rule_county(357, 16_980_000)  # R1 at 85 %, R6 at 84.9 %: fails the rule
    summary = summary_table(ds, STD).iloc[0]
    assert (summary["schools"], summary["students"], summary["schools_passing"], summary["cv_failing"]) == (
        1,
        10000,
        0,
        0,
    )
    assert "composite_limit" not in summary.index  # not tested under moe-2017
    values = compute("indicators", ds, STD)
    cells = failing_cells(values, STD)
    assert list(cells.columns[cells.iloc[0]]) == ["R1", "R6"]
    # 4.2 × 100 − 357 = 63 teachers; 2000 × 10 000 − 16 980 000 = 3 020 000 元
    gaps = gaps_summary(ds, STD).set_index("indicator")
    assert gaps.loc["R1", "shortfall"] == 63 and gaps.loc["R1", "cost_yuan"] == 63 * 120000
    assert gaps.loc["R6", "shortfall"] == pytest.approx(3_020_000)
