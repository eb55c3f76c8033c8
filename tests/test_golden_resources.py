"""Golden backtests: every resource table on data/sample against the committed CSVs.

After an intended change: ``pytest --update-golden tests/test_golden_resources.py`` and
review the diff of tests/golden/resources_*.csv like code.
"""

from __future__ import annotations

import pytest

from eduwb.analysis.balance import balance_trend
from eduwb.analysis.plan import plan_overview, plan_summary
from eduwb.standards import load_standard
from eduwb.tables import compute

TABLES = ("indicators", "compliance", "balance", "equity", "gaps", "plan")


@pytest.mark.parametrize("name", TABLES)
def test_latest_year(name, sample_dataset, standard, golden):
    golden(f"resources_{name}", compute(name, sample_dataset, standard))


def test_plan_summary_and_overview(sample_dataset, standard, golden):
    golden("resources_plan_summary", plan_summary(sample_dataset, standard))
    golden("resources_plan_overview", plan_overview(sample_dataset, standard))


def test_first_year_plan(sample_dataset, standard, golden):
    # the first year has CVs over their limits: the plan must bring them within
    year = sample_dataset.years[0]
    summary = plan_summary(sample_dataset, standard, year=year)
    assert (summary["cv"] > summary["limit"]).any()
    assert summary["passes_after"].all()
    golden("resources_plan_first_year", compute("plan", sample_dataset, standard, year=year))
    golden("resources_plan_summary_first_year", summary)


def test_trend_over_all_years(sample_dataset, standard, golden):
    golden("resources_balance_trend", balance_trend(sample_dataset, standard))


@pytest.mark.parametrize("name", ("indicators", "balance", "equity"))
def test_moe_2012(name, sample_dataset, golden):
    golden(f"resources_{name}_moe2012", compute(name, sample_dataset, load_standard("moe-2012")))


def test_charts_draw_from_the_tables(sample_dataset, standard):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.figure import Figure

    from eduwb.analysis import balance
    from eduwb.present import setup
    from eduwb.present.charts import resources as charts

    setup("zh")  # the CJK font, as a notebook would

    profiles = balance.profiles(sample_dataset, standard)
    compliance = balance.compliance_table(sample_dataset, standard)
    failing = compliance.loc[~compliance["passes"], ["school_id", "stage"]]
    figures = [
        charts.ratio_heatmap(profiles, standard),
        charts.cv_bars(balance.balance_table(sample_dataset, standard), standard),
        charts.cv_trend(balance_trend(sample_dataset, standard), standard, lang="en"),
        charts.profiles_grid(profiles, standard, failing),
        charts.plan_costs(plan_summary(sample_dataset, standard), standard),
    ]
    assert all(isinstance(fig, Figure) for fig in figures)
    for fig in figures:
        plt.close(fig)
    localised = charts.localise(compute("plan", sample_dataset, standard), standard, "zh")
    assert set(localised["stage"]) <= {"小学", "初中"}
