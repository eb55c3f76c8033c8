"""Golden backtests: every class-size table on data/sample against tests/golden/classsize_*.csv.

After an intended change: ``pytest --update-golden tests/test_golden_classsize.py``, then
review the diff of tests/golden/ like code.
"""

from __future__ import annotations

import pandas as pd
import pytest

from eduwb.analysis import classsize as cs

CASES = {
    "classsize_trend": lambda ds, std: cs.classsize_table(ds, std),
    "classsize_by_school": lambda ds, std: cs.classsize_table(ds, std, by="school"),
    "classsize_largest_2021": lambda ds, std: cs.classsize_table(ds, std, year=2021, by="class").head(60),
    "classsize_ledger": lambda ds, std: cs.ledger_table(ds, std),
    "classsize_ledger_all_bands": lambda ds, std: cs.ledger_table(ds, std, bands="all"),
    "classsize_ledger_2023": lambda ds, std: cs.ledger_table(ds, std, year=2023),
    "classsize_milestones": lambda ds, std: cs.milestones_table(ds, std),
    "classsize_milestones_2022": lambda ds, std: cs.milestones_table(ds, std, year=2022),
    "classsize_school_size": lambda ds, std: cs.school_size_table(ds, std),
    "classsize_projection": lambda ds, std: cs.projection_table(ds, std),
    "classsize_projection_by_grade_2024": lambda ds, std: cs.projection_table(ds, std, year=2024, by="grade"),
    "classsize_g4_g5": lambda ds, std: pd.concat(
        [
            cs.g5_summary(ds, std, y).merge(cs.g4_summary(ds, std, y), on="year", suffixes=("_g5", "_g4"))
            for y in ds.years
        ],
        ignore_index=True,
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_golden(name, sample_dataset, standard, golden):
    golden(name, CASES[name](sample_dataset, standard))


def test_projection_backtest_on_the_sample(sample_dataset, standard):
    """Projecting 2024 → 2025 lands near what 2025 holds (cohort progression on synthetic data)."""
    projected = cs.projection_table(sample_dataset, standard, year=2024)
    actual = cs.classsize_table(sample_dataset, standard, year=2025, by="school")
    pupils_2025 = sample_dataset.classes.query("year == 2025")["students"].sum()
    assert projected["projected_students"].sum() == pytest.approx(pupils_2025, rel=0.05)
    assert set(projected["school_id"]) == set(actual["school_id"])
