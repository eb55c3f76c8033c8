"""Class sizes, the 销号 ledger, milestones, school size (G4) and the projection, on hand-built cases.

Every expected number below is worked out by hand from the standard (45/50, 56, 66;
2000/2500, relaxed 2400/3000 for schools built by 2010) and the case's own rows.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from eduwb.analysis import classsize as cs
from eduwb.data.dataset import CountySettings, Dataset
from eduwb.errors import AnalysisError, ParameterError

PLAN = [
    {"by": 2023, "max_students": 65},
    {"by": 2024, "max_students": 55},
    {"by": 2025, "max_students": "standard"},
]
SCHOOLS = {
    # id: (name, kind, built_year)
    "P1": ("一小", "primary", 2005),
    "P2": ("二小", "primary", 2015),
    "J1": ("一中", "junior", 1990),
    "N1": ("九年制", "nine_year", 2012),
    "T1": ("十二年制", "twelve_year", 2016),
    "C1": ("完中", "complete_secondary", 1960),
    "X1": ("特校", "special", 2000),
    "Q1": ("无年份小学", "primary", None),
}


def make_ds(classes, *, milestones=(), relaxations=False, sections=None) -> Dataset:
    """A Dataset from class rows ``(school_id, year, grade, class_id, students)``.

    Sections are summed from the classes unless given as rows ``(school_id, year, stage, students)``.
    """
    schools = pd.DataFrame(
        [
            {
                "school_id": sid,
                "name": name,
                "kind": kind,
                "parent_id": None,
                "locale": "urban",
                "township": None,
                "sponsor": "public",
                "boarding": False,
                "built_year": built,
            }
            for sid, (name, kind, built) in SCHOOLS.items()
        ]
    ).astype({"built_year": "Int64"})
    cls = None
    if classes is not None:
        cls = pd.DataFrame(classes, columns=["school_id", "year", "grade", "class_id", "students"])
        cls = cls.astype({"year": "int64", "grade": "int64", "students": "int64"})
    if sections is None:
        stage = np.where(cls["grade"] <= 6, "primary", "junior")
        sec = (
            cls.assign(stage=stage).groupby(["school_id", "year", "stage"], as_index=False)["students"].sum()
        )
    else:
        sec = pd.DataFrame(sections, columns=["school_id", "year", "stage", "students"])
    sec = sec.assign(classes=1, teachers=1, teachers_above_degree=0, backbone_teachers=0, pe_art_teachers=0)
    settings = CountySettings(
        name="测试县", milestones=[dict(m) for m in milestones], relaxations_2019=relaxations
    )
    return Dataset(
        path=Path("测试县"),
        name="测试县",
        settings=settings,
        schools=schools,
        sections=sec,
        facilities=pd.DataFrame(),
        classes=cls,
    )


def classes_of(school, year, grade, sizes):
    """Rows for one grade: one class per size."""
    return [(school, year, grade, f"{grade}-{i + 1}", n) for i, n in enumerate(sizes)]


# ----------------------------------------------------------------------------- bands


def test_band_edges(standard):
    rows = classes_of("P1", 2025, 1, [45, 46, 55, 56, 65, 66, 48]) + classes_of(
        "J1", 2025, 7, [50, 51, 55, 56, 65, 66, 48]
    )
    classes = cs.classsize_table(make_ds(rows), standard, by="class").set_index("class_id")
    bands = ["within_standard", "over_standard", "over_standard", "large", "large", "super_large"]
    # a primary class of 46–50 is over its standard; a junior one is not
    assert [classes.loc[f"1-{i}", "band"] for i in range(1, 8)] == [*bands, "over_standard"]
    assert [classes.loc[f"7-{i}", "band"] for i in range(1, 8)] == [*bands, "within_standard"]


def test_classsize_table_counts_band_edges(standard):
    rows = classes_of("N1", 2025, 1, [45, 46, 55, 56, 65, 66]) + classes_of(
        "N1", 2025, 7, [50, 51, 55, 56, 65, 66]
    )
    rows += classes_of("P1", 2024, 3, [40])
    ds = make_ds(rows)
    table = cs.classsize_table(ds, standard, year=2025)
    assert list(table["stage"]) == ["primary", "junior"]
    for stage in ("primary", "junior"):
        row = table[table["stage"] == stage].iloc[0]
        assert (
            row["classes"],
            row["within_standard"],
            row["over_standard"],
            row["large"],
            row["super_large"],
        ) == (
            6,
            1,
            2,
            2,
            1,
        )
        assert row["share_large"] == pytest.approx(2 / 6)
        assert row["share_super_large"] == pytest.approx(1 / 6)
        assert row["max_class_size"] == 66
    trend = cs.classsize_table(ds, standard)
    assert list(zip(trend["year"], trend["stage"], strict=True)) == [
        (2024, "primary"),
        (2025, "primary"),
        (2025, "junior"),
    ]
    assert cs.classsize_table(ds, standard, stage="junior")["classes"].tolist() == [6]


def test_classsize_by_school_adds_up_to_the_county(standard):
    rows = classes_of("P1", 2025, 1, [44, 47]) + classes_of("P2", 2025, 2, [58, 70, 30])
    rows += classes_of("J1", 2025, 8, [51])
    ds = make_ds(rows)
    per = cs.classsize_table(ds, standard, by="school")
    assert per["school_id"].tolist() == ["J1", "P1", "P2"]
    assert per["school_name"].tolist() == ["一中", "一小", "二小"]
    p2 = per[per["school_id"] == "P2"].iloc[0]
    assert (
        p2["within_standard"],
        p2["over_standard"],
        p2["large"],
        p2["super_large"],
        p2["max_class_size"],
    ) == (
        1,
        0,
        1,
        1,
        70,
    )
    county = cs.classsize_table(ds, standard)
    summed = per.groupby("stage")[["classes", "large", "super_large"]].sum()
    assert county.set_index("stage").loc[summed.index, ["classes", "large", "super_large"]].equals(summed)


def test_largest_classes_listing(standard):
    rows = classes_of("P1", 2025, 1, [44, 47]) + classes_of("J1", 2025, 8, [51, 66])
    listing = cs.classsize_table(make_ds(rows), standard, year=2025, by="class")
    assert listing["students"].tolist() == [66, 51, 47, 44]
    assert listing["band"].tolist() == ["super_large", "over_standard", "over_standard", "within_standard"]
    assert listing["standard_size"].tolist() == [50, 50, 45, 45]


# ----------------------------------------------------------------------------- G5


def test_classes_over_standard_and_g5_summary(standard):
    rows = (
        classes_of("P1", 2025, 1, [45, 46])
        + classes_of("J1", 2025, 7, [50, 50])
        + classes_of("N1", 2025, 7, [51])
    )
    ds = make_ds(rows)
    per = cs.classes_over_standard(ds, standard, 2025).set_index("school_id")
    assert per.loc["P1", "classes_over"] == 1 and not per.loc["P1", "passes"]
    assert per.loc["J1", "classes_over"] == 0 and per.loc["J1", "passes"]
    assert per.loc["N1", "max_class_size"] == 51
    summary = cs.g5_summary(ds, standard, 2025).iloc[0]
    assert summary["status"] == "fail"
    assert (
        summary["classes"],
        summary["classes_over"],
        summary["schools_over"],
        summary["max_class_size"],
    ) == (
        5,
        2,
        2,
        51,
    )
    within = make_ds(classes_of("P1", 2025, 1, [45]) + classes_of("J1", 2025, 7, [50]))
    assert cs.g5_summary(within, standard, 2025)["status"].iloc[0] == "pass"


# ----------------------------------------------------------------------------- the ledger


def _reopening_case():
    rows = []
    # P1 has a 大班额 class in 2021–2022, none in 2023 (crossed off), one again in 2024–2025.
    for year, size in ((2021, 60), (2022, 58), (2023, 40), (2024, 58), (2025, 57)):
        rows += classes_of("P1", year, 2, [size, 40])
    # J1 has a 70-pupil class in 2021 only: on both the 66+ and the 56+ ledger, closed in 2022.
    for year, size in ((2021, 70), (2022, 50), (2023, 50), (2024, 50), (2025, 50)):
        rows += classes_of("J1", year, 8, [size])
    # P2 only has a 46-pupil class (over the standard, not on the default ledger).
    for year in range(2021, 2026):
        rows += classes_of("P2", year, 1, [46])
    return make_ds(rows, milestones=PLAN)


def test_ledger_closes_and_reopens(standard):
    ledger = _reopening_case_ledger(standard)
    p1 = ledger[(ledger["school_id"] == "P1") & (ledger["band"] == "large")].iloc[0]
    assert p1["registered_year"] == 2021
    assert p1["last_seen_year"] == 2025
    assert pd.isna(p1["closed_year"])
    assert p1["reopened"] == 1
    # open in 2025, after the 2024 milestone (no class above 55) that covers 56+
    assert p1["deadline"] == 2024
    assert p1["status"] == "overdue"
    assert [p1[f"n_{y}"] for y in range(2021, 2026)] == [1, 1, 0, 1, 1]
    j1 = ledger[ledger["school_id"] == "J1"].set_index("band")
    assert set(j1.index) == {"large", "super_large"}
    assert j1.loc["super_large", "closed_year"] == 2022
    assert j1.loc["super_large", "status"] == "closed"
    assert j1.loc["super_large", "deadline"] == 2023
    assert j1.loc["large", "n_2021"] == 1  # a 70-pupil class counts as 56+ too
    assert "P2" not in set(ledger["school_id"])
    # overdue rows first, then open, then closed
    assert ledger["status"].tolist() == ["overdue", "closed", "closed"]


def _reopening_case_ledger(standard):
    return cs.ledger_table(_reopening_case(), standard)


def test_ledger_as_it_stood_in_earlier_years(standard):
    ds = _reopening_case()
    in_2022 = cs.ledger_table(ds, standard, year=2022)
    p1 = in_2022[in_2022["school_id"] == "P1"].iloc[0]
    assert p1["status"] == "open"  # the 56+ deadline (2024) is still ahead
    assert [c for c in in_2022.columns if c.startswith("n_")] == ["n_2021", "n_2022"]
    in_2023 = cs.ledger_table(ds, standard, year=2023)
    p1 = in_2023[in_2023["school_id"] == "P1"].iloc[0]
    assert (p1["status"], p1["last_seen_year"], p1["closed_year"], p1["reopened"]) == (
        "closed",
        2022,
        2023,
        0,
    )
    in_2024 = cs.ledger_table(ds, standard, year=2024)
    p1 = in_2024[in_2024["school_id"] == "P1"].iloc[0]
    assert (p1["status"], p1["registered_year"], p1["reopened"]) == ("overdue", 2021, 1)


def test_ledger_with_every_band(standard):
    ledger = cs.ledger_table(_reopening_case(), standard, bands="all")
    p2 = ledger[ledger["school_id"] == "P2"].iloc[0]
    assert p2["band"] == "over_standard"
    assert p2["deadline"] == 2025  # only the "standard" milestone covers 46–55
    assert p2["status"] == "overdue"
    # J1's 50-pupil classes are within the junior standard: its over_standard row closed in 2022
    j1 = ledger[(ledger["school_id"] == "J1") & (ledger["band"] == "over_standard")].iloc[0]
    assert (j1["closed_year"], j1["status"]) == (2022, "closed")
    only = cs.ledger_table(_reopening_case(), standard, bands="super_large")
    assert set(only["band"]) == {"super_large"}


def test_ledger_without_a_covering_milestone_is_open_not_overdue(standard):
    ds = make_ds(classes_of("P1", 2025, 1, [60]), milestones=[{"by": 2023, "max_students": 65}])
    row = cs.ledger_table(ds, standard).iloc[0]
    assert row["band"] == "large" and row["status"] == "open" and pd.isna(row["deadline"])


def test_ledger_deadlines_per_band_and_stage(standard):
    rows = classes_of("P1", 2025, 1, [47, 60, 70]) + classes_of("J1", 2025, 7, [52, 60, 70])
    ds = make_ds(rows, milestones=[*PLAN[:2], {"by": 2026, "max_students": 48}])
    due = cs.ledger_table(ds, standard, bands="all").set_index(["school_id", "band"])["deadline"]
    assert due[("P1", "super_large")] == 2023
    assert due[("J1", "large")] == 2024
    # 48 leaves primary classes of 46–48 over the standard, but no junior class of 51+
    assert pd.isna(due[("P1", "over_standard")])
    assert due[("J1", "over_standard")] == 2026


# ----------------------------------------------------------------------------- milestones


def _milestone_case(milestones):
    rows = []
    # classes over the standard: 4 in 2023, 3 in 2024, 2 in 2025; one 58-pupil class in 2024
    rows += classes_of("P1", 2023, 1, [50, 50, 50, 50, 40])
    rows += classes_of("P1", 2024, 1, [58, 50, 50, 40])
    rows += classes_of("P2", 2025, 1, [47, 40])
    rows += classes_of("J1", 2025, 7, [51, 50])
    return make_ds(rows, milestones=milestones)


def test_milestone_met_and_missed(standard):
    plan = [
        {"by": 2023, "max_students": 65},
        {"by": 2024, "max_students": 55},
        {"by": 2020, "max_students": 65},
    ]
    table = cs.milestones_table(_milestone_case(plan), standard)
    assert table["by"].tolist() == [2020, 2023, 2024]
    no_data, met, missed = (table.iloc[i] for i in range(3))
    assert no_data["status"] == "no_data" and pd.isna(no_data["classes_over"]) and pd.isna(no_data["met"])
    assert (met["status"], met["classes_over"], met["schools_over"], bool(met["met"])) == ("met", 0, 0, True)
    assert (missed["status"], missed["classes_over"], missed["schools_over"], bool(missed["met"])) == (
        "missed",
        1,
        1,
        False,
    )
    assert missed["evaluated_year"] == 2024 and missed["on_track"] == "not_applicable"


def test_milestone_standard_limits_per_stage(standard):
    table = cs.milestones_table(_milestone_case([{"by": 2025, "max_students": "standard"}]), standard)
    row = table.iloc[0]
    assert (row["limit_primary"], row["limit_junior"]) == (45, 50)
    # 2025: P2's 47 (over 45) and J1's 51 (over 50); J1's 50 is within
    assert (row["classes_over"], row["schools_over"], row["status"]) == (2, 2, "missed")


def test_milestones_ahead_on_and_off_track(standard):
    plan = [{"by": 2027, "max_students": "standard"}, {"by": 2026, "max_students": "standard"}]
    table = cs.milestones_table(_milestone_case(plan), standard)
    # counts 4, 3, 2 in 2023–2025: the line loses one class a year, 0 in 2027, 1 in 2026
    late, early = table[table["by"] == 2027].iloc[0], table[table["by"] == 2026].iloc[0]
    assert late["status"] == "pending" and late["evaluated_year"] == 2025 and late["classes_over"] == 2
    assert late["on_track"] == "on_track" and late["projected_over"] == pytest.approx(0.0, abs=1e-9)
    assert early["on_track"] == "off_track" and early["projected_over"] == pytest.approx(1.0)
    assert not bool(early["met"])


def test_milestone_ahead_already_met_and_unknown(standard):
    rows = classes_of("P1", 2025, 1, [60])
    table = cs.milestones_table(make_ds(rows, milestones=[{"by": 2026, "max_students": 65}]), standard)
    assert table["on_track"].iloc[0] == "already_met" and bool(table["met"].iloc[0])
    table = cs.milestones_table(make_ds(rows, milestones=[{"by": 2026, "max_students": 55}]), standard)
    assert table["on_track"].iloc[0] == "unknown"  # a single year has no trend


def test_milestones_as_of_an_earlier_year(standard):
    table = cs.milestones_table(_milestone_case([{"by": 2024, "max_students": 55}]), standard, year=2023)
    row = table.iloc[0]
    assert (row["status"], row["evaluated_year"], row["classes_over"], row["on_track"]) == (
        "pending",
        2023,
        0,
        "already_met",
    )


def test_no_milestones_gives_an_empty_table(standard):
    table = cs.milestones_table(_milestone_case([]), standard)
    assert table.empty and "on_track" in table.columns


# ----------------------------------------------------------------------------- school size (G4)


SIZE_SECTIONS = [
    ("P1", 2025, "primary", 2001),
    ("Q1", 2025, "primary", 2001),
    ("N1", 2025, "primary", 1400),
    ("N1", 2025, "junior", 1000),
    ("T1", 2025, "primary", 1500),
    ("T1", 2025, "junior", 1100),
    ("T1", 2025, "senior", 900),
    ("C1", 2025, "junior", 1900),
    ("C1", 2025, "senior", 1500),
    ("X1", 2025, "primary", 2100),
]


def test_school_size_limits_by_kind(standard):
    ds = make_ds(classes_of("P1", 2025, 1, [40]), sections=SIZE_SECTIONS)
    table = cs.school_size_table(ds, standard, year=2025).set_index("school_id")
    assert (table.loc["P1", "students"], table.loc["P1", "size_limit"], table.loc["P1", "over_by"]) == (
        2001,
        2000,
        1,
    )
    assert not table.loc["P1", "passes"]
    assert (table.loc["N1", "students"], table.loc["N1", "size_limit"], bool(table.loc["N1", "passes"])) == (
        2400,
        2500,
        True,
    )
    # senior pupils do not count: 1500 + 1100 = 2600 > 2500
    assert (table.loc["T1", "students"], table.loc["T1", "over_by"]) == (2600, 100)
    assert (table.loc["C1", "students"], table.loc["C1", "size_limit"], bool(table.loc["C1", "passes"])) == (
        1900,
        2000,
        True,
    )
    assert not table.loc["X1", "in_scope"] and table["in_scope"].drop("X1").all()
    assert not table["relaxed"].any()
    summary = cs.g4_summary(ds, standard, 2025).iloc[0]
    # P1, Q1 and T1 over; the special school is not judged
    assert (summary["status"], summary["schools"], summary["schools_over"], summary["max_over_by"]) == (
        "fail",
        5,
        3,
        100,
    )


def test_school_size_2019_relaxations(standard):
    ds = make_ds(classes_of("P1", 2025, 1, [40]), sections=SIZE_SECTIONS, relaxations=True)
    table = cs.school_size_table(ds, standard, year=2025).set_index("school_id")
    # built 2005 ≤ 2010: 2400
    assert (
        bool(table.loc["P1", "relaxed"]),
        table.loc["P1", "size_limit"],
        bool(table.loc["P1", "passes"]),
    ) == (
        True,
        2400,
        True,
    )
    # no built_year: no relaxation
    assert (bool(table.loc["Q1", "relaxed"]), table.loc["Q1", "size_limit"]) == (False, 2000)
    # built 2016: no relaxation; nine-year built 2012: none either
    assert table.loc["T1", "size_limit"] == 2500 and table.loc["N1", "size_limit"] == 2500
    # complete secondary built 1960: the relaxed default
    assert table.loc["C1", "size_limit"] == 2400


def test_school_size_every_year_and_no_stage(standard):
    sections = [("P1", 2024, "primary", 1000), ("P1", 2025, "primary", 1100)]
    ds = make_ds(classes_of("P1", 2025, 1, [40]), sections=sections)
    table = cs.school_size_table(ds, standard)
    assert table["year"].tolist() == [2024, 2025] and table["students"].tolist() == [1000, 1100]
    with pytest.raises(ParameterError):
        cs.school_size_table(ds, standard, stage="primary")


# ----------------------------------------------------------------------------- projection


def _projection_case():
    rows = []
    # P1: grade-1 intake 80, 100, 90, 99 in 2022–2025 → growth (1.25 + 0.9 + 1.1) / 3
    for year, intake in ((2022, 80), (2023, 100), (2024, 90)):
        rows += classes_of("P1", year, 1, [intake])
    rows += classes_of("P1", 2025, 1, [50, 49])
    for grade, sizes in ((2, [45, 45]), (3, [40, 40]), (4, [44, 44]), (5, [46, 46]), (6, [45, 45])):
        rows += classes_of("P1", 2025, grade, sizes)
    # J1: no history, so its grade-7 intake stays at 150
    rows += classes_of("J1", 2025, 7, [50, 50, 50]) + classes_of("J1", 2025, 8, [54, 53, 53])
    rows += classes_of("J1", 2025, 9, [47, 47, 46])
    # P2: 330 pupils in each grade in 8 classes (1980); intake 300 → 330 gives growth 1.1
    rows += classes_of("P2", 2024, 1, [300])
    for grade in range(1, 7):
        rows += classes_of("P2", 2025, grade, [42, 42] + [41] * 6)
    return make_ds(rows)


def test_projection_by_grade_worked_by_hand(standard):
    table = cs.projection_table(_projection_case(), standard, by="grade")
    p1 = table[table["school_id"] == "P1"].set_index("grade")
    assert p1["projected_year"].unique().tolist() == [2026]
    # intake: round(99 × 1.08333) = round(107.25) = 107; then the cohorts move up
    assert p1["projected_students"].tolist() == [107, 99, 90, 80, 88, 92]
    assert p1["classes_now"].tolist() == [2] * 6
    assert p1["classes_needed"].tolist() == [3, 3, 2, 2, 2, 3]  # ceil(n / 45)
    assert p1["class_size_if_kept"].tolist() == [54, 50, 45, 40, 44, 46]  # ceil(n / 2)
    assert p1["oversized"].tolist() == [True, True, False, False, False, True]
    assert p1["intake"].tolist() == [True, False, False, False, False, False]
    j1 = table[table["school_id"] == "J1"].set_index("grade")
    assert j1["projected_students"].tolist() == [150, 150, 160]
    assert j1["class_size_if_kept"].tolist() == [50, 50, 54]
    assert j1["oversized"].tolist() == [False, False, True]


def test_projection_per_school_worked_by_hand(standard):
    table = cs.projection_table(_projection_case(), standard).set_index("school_id")
    p1 = table.loc["P1"]
    assert p1["students_now"] == 99 + 90 + 80 + 88 + 92 + 90
    assert p1["projected_students"] == 107 + 99 + 90 + 80 + 88 + 92
    assert (p1["classes_now"], p1["classes_needed"], p1["extra_classes_needed"]) == (12, 15, 3)
    assert (p1["max_class_size_if_kept"], bool(p1["oversized"]), bool(p1["over_size_limit"])) == (
        54,
        True,
        False,
    )
    j1 = table.loc["J1"]
    assert (j1["stage"], j1["classes_needed"], j1["extra_classes_needed"], bool(j1["oversized"])) == (
        "junior",
        3 + 3 + 4,
        1,
        True,
    )
    # P2: intake 330 × 1.1 = 363, the other grades 5 × 330: 2013 pupils > 2000
    p2 = table.loc["P2"]
    assert (p2["school_students"], p2["size_limit"], bool(p2["over_size_limit"])) == (2013, 2000, True)
    assert p2["max_class_size_if_kept"] == 46  # ceil(363 / 8)
    assert p2["extra_classes_needed"] == 1  # ceil(363 / 45) = 9 classes for grade 1


def test_projection_of_a_nine_year_school_counts_both_stages(standard):
    rows = classes_of("N1", 2025, 1, [40]) + classes_of("N1", 2025, 6, [45]) + classes_of("N1", 2025, 7, [52])
    rows += classes_of("N1", 2025, 8, [30])
    table = cs.projection_table(make_ds(rows), standard).set_index("stage")
    assert table.loc["primary", "projected_students"] == 40  # grade 1 intake; grade 6's 45 leave the primary
    assert table.loc["junior", "projected_students"] == 52 + 52  # grade 7 intake 52, grade 8 ← grade 7
    assert table.loc["junior", "max_class_size_if_kept"] == 52 and bool(table.loc["junior", "oversized"])
    assert (table["school_students"] == 40 + 104).all()
    junior = cs.projection_table(make_ds(rows), standard, stage="junior")
    assert junior["stage"].tolist() == ["junior"]


# ----------------------------------------------------------------------------- missing data, options


def test_no_classes_table_says_missing(standard):
    ds = make_ds(None, sections=[("P1", 2025, "primary", 500)])
    assert not cs.has_class_data(ds)
    for fn in (cs.classsize_table, cs.ledger_table, cs.milestones_table, cs.projection_table):
        with pytest.raises(cs.ClassDataMissing, match="缺数据"):
            fn(ds, standard, year=2025)
    with pytest.raises(AnalysisError, match="缺数据"):
        cs.classes_over_standard(ds, standard, 2025)
    summary = cs.g5_summary(ds, standard, 2025).iloc[0]
    assert summary["status"] == "missing" and pd.isna(summary["classes_over"])
    # school size needs sections only
    assert cs.school_size_table(ds, standard, year=2025)["students"].tolist() == [500]


def test_a_year_without_class_rows_says_missing(standard):
    ds = make_ds(classes_of("P1", 2024, 1, [40]))
    assert cs.has_class_data(ds) and not cs.has_class_data(ds, 2025)
    with pytest.raises(cs.ClassDataMissing, match="2025"):
        cs.classsize_table(ds, standard, year=2025)
    with pytest.raises(cs.ClassDataMissing):
        cs.projection_table(ds, standard, year=2025)
    assert cs.g5_summary(ds, standard, 2025)["status"].iloc[0] == "missing"
    with pytest.raises(cs.ClassDataMissing):
        cs.ledger_table(ds, standard, year=2020)


def test_bad_options_are_refused(standard):
    ds = _reopening_case()
    with pytest.raises(ParameterError):
        cs.ledger_table(ds, standard, by="school")
    with pytest.raises(ParameterError):
        cs.classsize_table(ds, standard, by="township")
    with pytest.raises(ParameterError):
        cs.ledger_table(ds, standard, bands="huge")
    with pytest.raises(ParameterError):
        cs.classsize_table(ds, standard, stage="senior")
    with pytest.raises(ParameterError):
        cs.projection_table(ds, standard, by="school")
    with pytest.raises(ParameterError):
        cs.milestones_table(ds, standard, limit="50")


def test_registry_and_cli_options(standard):
    from eduwb.tables import compute

    ds = _reopening_case()
    per_school = compute("classsize", ds, standard, year=2025, by="school")
    assert "school_name" in per_school.columns
    ledger = compute("ledger", ds, standard, bands="all")
    assert "over_standard" in set(ledger["band"])


def test_replacing_the_classes_table_refreshes_results(standard):
    ds = make_ds(classes_of("P1", 2025, 1, [40]))
    assert cs.classsize_table(ds, standard)["max_class_size"].tolist() == [40]
    ds.classes = ds.classes.assign(students=[70])
    assert cs.classsize_table(ds, standard)["max_class_size"].tolist() == [70]


def test_localise_translates_codes_and_not_applicable_cells(standard):
    from eduwb.present.charts.classsize import band_label, localise

    shown = localise(_reopening_case_ledger(standard), standard, lang="zh")
    assert set(shown["band"]) == {"大班额", "超大班额"}
    assert shown["status"].tolist() == ["逾期未销号", "已销号", "已销号"]
    assert shown["closed_year"].iloc[0] == "—"
    assert "2025年" in shown.columns and "n_2025" not in shown.columns
    english = localise(_reopening_case_ledger(standard), standard, lang="en")
    assert english["status"].iloc[0] == "overdue"
    assert band_label("large", standard) == "大班额（56–65人）"
    assert band_label("over_standard", standard, stage="primary") == "超标准班额（46–55人）"


def test_cli_says_missing_without_classes(tmp_path, capsys):
    from eduwb.cli import main

    tiny = Path(__file__).parent / "fixtures" / "tiny"
    code = main(["table", "classsize", str(tiny)])
    assert code == 1
    assert "缺数据" in capsys.readouterr().err
    assert main(["table", "schoolsize", str(tiny), "--format", "csv"]) == 0


@pytest.mark.slow
def test_notebook_says_missing_without_classes(tmp_path):
    """Notebook 02 on a county without a classes table: every class section says 缺数据, none fails."""
    import papermill

    root = Path(__file__).resolve().parents[1]
    out = tmp_path / "02.ipynb"
    papermill.execute_notebook(
        str(root / "notebooks" / "02_class_size.ipynb"),
        str(out),
        parameters={"data": str(root / "tests" / "fixtures" / "tiny"), "interactive": False},
        cwd=str(root / "notebooks"),
        progress_bar=False,
    )
    text = out.read_text(encoding="utf-8")
    assert text.count("缺数据") >= 5
    assert '"output_type": "error"' not in text


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_charts_draw_from_the_tables(standard, lang):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.figure import Figure

    from eduwb.present import cjk_font
    from eduwb.present.charts import classsize as plots

    ds = _reopening_case()
    by_school = cs.classsize_table(ds, standard, by="school")
    ledger = cs.ledger_table(ds, standard)
    with matplotlib.rc_context({"font.sans-serif": [cjk_font(), "DejaVu Sans"]}):
        figures = _draw_every_chart(plots, ds, standard, by_school, ledger, lang)
    assert all(isinstance(fig, Figure) for fig in figures)
    plt.close("all")


def _draw_every_chart(plots, ds, standard, by_school, ledger, lang):
    return [
        plots.bands_trend(
            cs.classsize_table(ds, standard), cs.milestones_table(ds, standard), standard, lang
        ),
        plots.ledger_timeline(ledger, standard, lang),
        plots.ledger_timeline(ledger.iloc[:0], standard, lang),
        plots.school_sizes(cs.school_size_table(ds, standard, year=2025), lang),
        plots.projection_chart(cs.projection_table(ds, standard), standard, lang),
        plots.projection_chart(cs.projection_table(ds, standard).iloc[:0], standard, lang),
        plots.school_panels(by_school, ledger["school_id"].unique(), standard, lang),
        plots.school_panels(by_school, [], standard, lang),
    ]


# ----------------------------------------------------------------------------- chapter 02's sections


def test_ledger_counts_and_projection_summary_count_rows():
    ledger = pd.DataFrame({"status": ["open", "closed", "closed", "overdue"], "reopened": [0, 1, 0, 2]})
    assert cs.ledger_counts(ledger) == {"overdue": 1, "open": 1, "closed": 2, "rows": 4, "reopened": 2}
    projection = pd.DataFrame(
        {
            "school_id": ["A", "A", "B", "C"],
            "oversized": [True, False, False, False],
            "over_size_limit": [False, True, True, False],
            "extra_classes_needed": [2, 0, 1, 0],
            "classes_needed": [8, 6, 3, 2],
            "classes_now": [6, 6, 4, 2],
        }
    )
    n = cs.projection_summary(projection)
    # A (twice) and B are flagged; A's first row needs 2 classes, B 1 while B as a whole has enough
    assert (n["schools_flagged"], n["sections_short"], n["extra_classes"], n["sections_short_by_grade"]) == (
        2,
        2,
        3,
        1,
    )
    assert len(n["flagged"]) == 3


def test_chapter_sections_say_what_they_cannot_show(monkeypatch, standard):
    """Without class rows every class section says, once, what it cannot show and why; none draws."""
    import matplotlib

    matplotlib.use("Agg")
    from eduwb.data.dataset import load
    from eduwb.present.charts import classsize_chapter

    said: list[str] = []
    monkeypatch.setattr("eduwb.present.charts.chapter.md", said.append)
    monkeypatch.setattr("eduwb.present.charts.chapter.show_table", lambda *a, **k: said.append("TABLE"))
    ds = load(Path(__file__).parent / "fixtures" / "tiny")
    for lang, why in (("zh", "本县没有提供班级数据（classes 表）"), ("en", "the county gave no class table")):
        said.clear()
        chapter = classsize_chapter.ClassSizeChapter(ds, standard, 2024, None, lang)
        for section in ("trend", "milestone_table", "ledger_summary", "ledger_tables", "largest"):
            getattr(chapter, section)()
        for section in ("projection_summary", "projection_tables", "by_school"):
            getattr(chapter, section)()
        assert len(said) == 6 and all(why in s for s in said), said
        assert "TABLE" not in said
    said.clear()
    chapter.school_size_summary()  # school size needs no class rows
    assert said and "4" in said[0]


def test_chapter_says_the_year_has_no_class_rows(monkeypatch, sample_dataset, standard):
    import dataclasses

    from eduwb.present.charts import classsize_chapter

    said: list[str] = []
    monkeypatch.setattr("eduwb.present.charts.chapter.md", said.append)
    classes = sample_dataset.classes
    ds = dataclasses.replace(sample_dataset, classes=classes[classes["year"] < 2025])
    chapter = classsize_chapter.ClassSizeChapter(ds, standard, 2025, None, "en")
    chapter.largest()
    assert said == [
        "**Missing data**: the class table (classes) has no class rows for 2025, so the largest classes "
        "cannot be shown."
    ]
