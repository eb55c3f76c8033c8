"""The costed plan: the right exemption, water-filling to the lowest level, both rules re-measured.

The county (小学 only): A has 1000 pupils and plenty of everything, B and C have 500 pupils
each and the same shortfalls — R3 at 0.8 (< 0.9 but ≥ 85 % = 0.765), R6 at 1500 元 (75 %),
R7 at 2.2 (< 2.3, ≥ 85 %). R6 of A is 10 000 元, so R6's CV stays above 0.5 even once B
and C reach 2000: the bottom must be raised to L with |10000 − L| / (10000 + L) = 0.5
(equal halves of the pupils), i.e. L = 10000/3.
"""

from __future__ import annotations

import pandas as pd
import pytest
from test_resources import STD, STD12, facility, make_dataset, school, section

from eduwb.analysis.balance import school_rule, weighted_cv
from eduwb.analysis.plan import BUNDLE, plan_overview, plan_summary, plan_table, plan_tables
from eduwb.analysis.resources import section_values
from eduwb.errors import ParameterError
from eduwb.tables import compute

LEVEL = 10000 / 3


def county():
    strong = section("A", "primary", 1000, teachers=60, above=50, backbone=20, pe_art=10)
    weak = [section(s, "primary", 500, teachers=30, above=25, backbone=10, pe_art=4) for s in ("B", "C")]
    return make_dataset(
        [school("A"), school("B"), school("C")],
        [strong, *weak],
        [facility("A", aux=10000, indoor=1000, field=20000, equipment=10_000_000, rooms=25),
         *(facility(s, aux=5000, indoor=500, field=10000, equipment=750_000, rooms=11) for s in ("B", "C"))],
    )  # fmt: skip


def test_plan_exempts_the_indicator_whose_top_up_is_not_forced_and_water_fills_r6():
    plan = plan_table(county(), STD)
    b = plan[plan["school_id"] == "B"].set_index("indicator")
    # R6 would save most if exempt (250 000 − 100 000 元) — but the CV lifts it to L anyway,
    # so the plan exempts R3 instead (saving one teacher, 120 000 元): B keeps R3 at 0.8.
    assert "R3" not in b.index
    # R7: 2.3 × 5 = 11.5 rooms needed, 11 there → 1 room (rounded up), 40 000 元
    assert b.loc["R7", "addition"] == 1 and b.loc["R7", "cost_yuan"] == 40000
    assert b.loc["R7", "reason"] == "threshold"
    # R6: from 1500 to the water-filling level 10000/3 for 500 pupils
    assert b.loc["R6", "addition"] == pytest.approx((LEVEL - 1500) * 500, rel=1e-9)
    assert b.loc["R6", "value_after"] == pytest.approx(LEVEL, rel=1e-9)
    assert b.loc["R6", "reason"] == "threshold+cv"
    assert set(plan["school_id"]) == {"B", "C"}
    assert plan["cost_yuan"].sum() == pytest.approx(2 * (40000 + (LEVEL - 1500) * 500), rel=1e-9)
    assert list(plan.columns) == [
        "school_id", "school_name", "stage", "indicator", "value", "threshold",
        "addition", "gap_unit", "value_after", "cost_yuan", "reason",
    ]  # fmt: skip


def test_plan_meets_both_rules_when_remeasured_with_the_public_functions():
    ds = county()
    plan = compute("plan", ds, STD)
    values = section_values(ds, STD)
    before = school_rule(values, STD)
    assert not before.set_index("school_id").loc[["B", "C"], "passes"].any()
    # apply the additions to the values: + addition × per / pupils
    after = values.copy()
    for row in plan.itertuples(index=False):
        mask = (after["school_id"] == row.school_id) & (after["stage"] == row.stage)
        per = STD.indicator(row.indicator).per
        after.loc[mask, row.indicator] += row.addition * per / after.loc[mask, "students"]
    assert school_rule(after, STD)["passes"].all()
    for ind in ("R1", "R2", "R3", "R4", "R5", "R6", "R7"):
        assert weighted_cv(after[ind], after["students"]) <= STD.cv_limit("primary") * (1 + 1e-9), ind
    # the lowest level: R6's CV lands on the limit, not below it
    assert weighted_cv(after["R6"], after["students"]) == pytest.approx(0.5, abs=1e-9)


def test_plan_summary_and_overview():
    ds = county()
    summary = plan_summary(ds, STD).set_index("indicator")
    # before: R6 1500 ×2 halves vs 10000: CV = 8500/11500
    assert float(summary.loc["R6", "cv"]) == pytest.approx(8500 / 11500)
    assert float(summary.loc["R6", "cv_after"]) == pytest.approx(0.5, abs=1e-9)
    assert float(summary.loc["R6", "level"]) == pytest.approx(LEVEL, rel=1e-9)
    assert summary["passes_after"].all()
    assert summary.loc["R7", "addition"] == 2 and summary.loc["R7", "schools_raised"] == 2
    overview = plan_overview(ds, STD).iloc[0]
    assert (overview["schools"], overview["schools_passing"], overview["schools_passing_after"]) == (3, 1, 3)
    assert (overview["cv_failing"], overview["cv_failing_after"]) == (1, 0)


@pytest.mark.parametrize("options", [{}, {"multimedia_room": "50000"}])
def test_plan_tables_equal_the_separate_calls(options):
    # notebook 01 draws the plan once for its three tables; `eduwb table` asks for each alone
    ds = county()
    bundle = plan_tables(ds, STD, **options)
    assert tuple(bundle) == BUNDLE
    separate = {"plan_overview": plan_overview, "plan_summary": plan_summary, "plan": plan_table}
    for name, fn in separate.items():
        pd.testing.assert_frame_equal(bundle[name], fn(ds, STD, **options), check_exact=True)


def test_plan_tables_of_the_sample_equal_the_separate_calls(sample_dataset, standard):
    year = sample_dataset.years[0]
    bundle = plan_tables(sample_dataset, standard, year=year)
    for name, fn in {
        "plan_overview": plan_overview,
        "plan_summary": plan_summary,
        "plan": plan_table,
    }.items():
        pd.testing.assert_frame_equal(bundle[name], fn(sample_dataset, standard, year=year), check_exact=True)


def test_unit_cost_parameters_and_moe_2012():
    ds = county()
    dearer = plan_table(ds, STD, multimedia_room="50000")
    assert dearer.set_index(["school_id", "indicator"]).loc[("B", "R7"), "cost_yuan"] == 50000
    with pytest.raises(ParameterError):
        plan_table(ds, STD12)
