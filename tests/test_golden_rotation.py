"""Golden backtests: the rotation, flow and teacher tables on data/sample against tests/golden/rotation_*.csv.

After an intended change (of eduwb.analysis.rotation, of the sample, or of the resource rule that
``flows`` uses): ``pytest --update-golden tests/test_golden_rotation.py``, then review the
diff of tests/golden/ like code.
"""

from __future__ import annotations

import pandas as pd
import pytest

from eduwb.analysis import rotation as rot

CASES = {
    "rotation_by_year": lambda ds, std: rot.rotation_table(ds, std),
    "rotation_by_school": lambda ds, std: rot.rotation_table(ds, std, by="school"),
    "rotation_by_mode": lambda ds, std: rot.rotation_table(ds, std, by="mode"),
    "rotation_min_years": lambda ds, std: rot.rotation_table(ds, std, by="min_years", year=ds.years[-1]),
    "rotation_counted_rotation_support": lambda ds, std: rot.rotation_table(
        ds, std, counted_modes="rotation,support"
    ),
    "rotation_junior_rule_5_57_52": lambda ds, std: rot.rotation_table(
        ds, std, stage="junior", min_years_at_school="5", exempt_age_male="57", exempt_age_female="52"
    ),
    "rotation_flows": lambda ds, std: rot.flows_table(ds, std),
    "rotation_flows_summary": lambda ds, std: rot.flows_table(ds, std, by="summary"),
    "rotation_teacher_quality": lambda ds, std: rot.teacher_quality_table(ds, std),
    "rotation_teacher_quality_by_school": lambda ds, std: rot.teacher_quality_table(ds, std, by="school"),
}


@pytest.mark.parametrize("name", list(CASES))
def test_golden(name, sample_dataset, standard, golden):
    golden(name, CASES[name](sample_dataset, standard))


def test_sample_has_what_the_notebook_discusses(sample_dataset, standard):
    """The sample county is built with one year below the 10 % line (issue 3); the tables must see it."""
    table = rot.rotation_table(sample_dataset, standard)
    assert (table["status"] == "ok").all()
    assert (~table["passes"].astype(bool)).any() and table["passes"].astype(bool).any()


def test_sample_numbers_match_a_plain_pandas_count(sample_dataset, standard):
    """The vectorised core against a straightforward merge-and-count of the same rule."""
    ds = sample_dataset
    rule = ds.settings.rotation
    t = ds.teachers[ds.teachers["stage"].isin(["primary", "junior"])]
    exempt = t["sex"].map({"male": rule["exempt_age_male"], "female": rule["exempt_age_female"]})
    eligible = t[
        (t["years_at_school"] >= rule["min_years_at_school"]) & (t["year"] - t["birth_year"] < exempt)
    ]
    eligible_next = (eligible["year"] + 1).value_counts()
    before = t.assign(year=t["year"] + 1)[["teacher_id", "year", "backbone"]]
    moved = ds.rotations.drop_duplicates(["teacher_id", "year"]).merge(
        before, on=["teacher_id", "year"], how="inner"
    )
    table = rot.rotation_table(ds, standard).set_index("year")
    for year, r in table.iterrows():
        this = moved[moved["year"] == year]
        assert r["eligible"] == eligible_next.get(year, 0)
        # every sample move has a year-before row, so the inner merge sees every rotated teacher
        assert (
            r["rotated"]
            == ds.rotations.loc[ds.rotations["year"] == year, "teacher_id"].nunique()
            == len(this)
        )
        assert (
            r["backbone_rotated"] == this["backbone"].isin(["county", "city", "province", "national"]).sum()
        )


def test_the_bundle_matches_the_goldens(sample_dataset, standard):
    bundle = rot.rotation_tables(sample_dataset, standard)
    same = {
        "rotation": "rotation_by_year",
        "rotation_by_school": "rotation_by_school",
        "rotation_by_mode": "rotation_by_mode",
        "flows": "rotation_flows",
        "flows_summary": "rotation_flows_summary",
        "teacher_quality": "rotation_teacher_quality",
        "teacher_quality_by_school": "rotation_teacher_quality_by_school",
    }
    for name, case in same.items():
        pd.testing.assert_frame_equal(bundle[name], CASES[case](sample_dataset, standard), obj=name)
