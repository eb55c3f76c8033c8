"""Per-section resource values: scope, the weighted-pupil split, formulas, bad input.

Every expected number is worked out by hand from the rulebook (standard-moe-2017.md, "R1–R7"),
never copied from the output.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from eduwb.analysis.resources import indicators_table, section_values
from eduwb.data.dataset import CountySettings, Dataset
from eduwb.errors import AnalysisError, ParameterError
from eduwb.standards import load_standard
from eduwb.tables import compute

STD = load_standard("moe-2017")
STD12 = load_standard("moe-2012")
YEAR = 2024

SECTION_COLUMNS = [
    "school_id", "year", "stage", "students", "classes", "teachers",
    "teachers_above_degree", "backbone_teachers", "pe_art_teachers",
]  # fmt: skip
FACILITY_COLUMNS = [
    "school_id", "year", "stage", "teaching_aux_area_m2", "indoor_sports_area_m2", "sports_field_area_m2",
    "equipment_value_yuan", "multimedia_rooms", "music_rooms", "music_room_min_area_m2", "art_rooms",
    "art_room_min_area_m2",
]  # fmt: skip


def school(school_id, kind="primary", *, name=None, locale="urban", sponsor="public", parent=None):
    return {
        "school_id": school_id,
        "name": name or f"学校{school_id}",
        "kind": kind,
        "parent_id": parent,
        "locale": locale,
        "township": None,
        "sponsor": sponsor,
        "boarding": False,
        "built_year": pd.NA,
    }


def section(
    school_id, stage, students, *, teachers=50, above=None, backbone=None, pe_art=None, year=YEAR, classes=10
):
    """A section row; teacher counts default to comfortably above every threshold."""
    return {
        "school_id": school_id,
        "year": year,
        "stage": stage,
        "students": students,
        "classes": classes,
        "teachers": teachers,
        "teachers_above_degree": teachers if above is None else above,
        "backbone_teachers": teachers // 2 if backbone is None else backbone,
        "pe_art_teachers": teachers // 2 if pe_art is None else pe_art,
    }


def facility(
    school_id, *, aux=10000.0, indoor=1000.0, field=20000.0, equipment=5e6, rooms=100, stage=None, year=YEAR
):
    return {
        "school_id": school_id,
        "year": year,
        "stage": stage,
        "teaching_aux_area_m2": float(aux),
        "indoor_sports_area_m2": float(indoor),
        "sports_field_area_m2": float(field),
        "equipment_value_yuan": float(equipment),
        "multimedia_rooms": rooms,
        "music_rooms": 0,
        "music_room_min_area_m2": float("nan"),
        "art_rooms": 0,
        "art_room_min_area_m2": float("nan"),
    }


def make_dataset(schools, sections, facilities, *, name="测试县", unit_costs=None) -> Dataset:
    """A Dataset built in memory with the loader's column names and dtypes."""
    sch = pd.DataFrame(schools)
    sch["built_year"] = sch["built_year"].astype("Int64")
    sec = pd.DataFrame(sections, columns=SECTION_COLUMNS)
    fac = pd.DataFrame(facilities, columns=FACILITY_COLUMNS)
    fac["stage"] = fac["stage"].astype(object)
    settings = CountySettings(name=name)
    if unit_costs:
        settings.unit_costs.update(unit_costs)
    return Dataset(path=Path("x"), name=name, settings=settings, schools=sch, sections=sec, facilities=fac)


# ----------------------------------------------------------------------------- the split


def test_nine_year_school_split_by_weighted_pupils():
    # 450 primary and 500 junior pupils: weighted 450 + 1.1 × 500 = 1000, so the primary
    # section takes 450/1000 = 0.45 of every facility total and the junior 550/1000 = 0.55.
    ds = make_dataset(
        [school("N1", "nine_year")],
        [section("N1", "primary", 450, teachers=30, above=27, backbone=9, pe_art=6),
         section("N1", "junior", 500, teachers=40, above=35, backbone=8, pe_art=5)],
        [facility("N1", aux=10000, indoor=1000, field=12000, equipment=2_000_000, rooms=20)],
    )  # fmt: skip
    t = indicators_table(ds, STD).set_index("stage")
    p, j = t.loc["primary"], t.loc["junior"]
    # teacher indicators come from the section rows, no split
    assert p["R1"] == pytest.approx(100 * 27 / 450)
    assert j["R1"] == pytest.approx(100 * 35 / 500)
    assert p["R2"] == pytest.approx(2.0) and j["R2"] == pytest.approx(1.6)
    assert p["R3"] == pytest.approx(100 * 6 / 450) and j["R3"] == pytest.approx(1.0)
    # (10000 − 1000) m² × 0.45 = 4050 m² over 450 pupils = 9.0; junior 9000 × 0.55 / 500 = 9.9
    assert p["R4"] == pytest.approx(9.0)
    assert j["R4"] == pytest.approx(9.9)
    # (1000 + 12000) × 0.45 / 450 = 13.0; × 0.55 / 500 = 14.3
    assert p["R5"] == pytest.approx(13.0)
    assert j["R5"] == pytest.approx(14.3)
    # 2 000 000 元 × 0.45 / 450 = 2000; × 0.55 / 500 = 2200
    assert p["R6"] == pytest.approx(2000.0)
    assert j["R6"] == pytest.approx(2200.0)
    # 20 rooms × 0.45 = 9 rooms per 450 pupils = 2.0 per hundred; 11 per 500 = 2.2
    assert p["R7"] == pytest.approx(2.0)
    assert j["R7"] == pytest.approx(2.2)


def test_twelve_year_split_counts_the_senior_pupils_but_not_their_section():
    # 100 + 1.1 × 100 + 1.32 × 100 = 342 weighted pupils
    ds = make_dataset(
        [school("H1", "twelve_year")],
        [section("H1", "primary", 100), section("H1", "junior", 100), section("H1", "senior", 100)],
        [facility("H1", equipment=3_420_000)],
    )
    t = indicators_table(ds, STD).set_index("stage")
    assert list(t.index) == ["primary", "junior"]  # senior sections never count
    assert t.loc["primary", "R6"] == pytest.approx(3_420_000 * 100 / 342 / 100)  # 10 000
    assert t.loc["junior", "R6"] == pytest.approx(3_420_000 * 110 / 342 / 100)  # 11 000


def test_complete_secondary_split_junior_to_senior_one_to_one_point_two():
    # 500 junior, 500 senior pupils: 500 + 1.2 × 500 = 1100; junior share 5/11
    ds = make_dataset(
        [school("C1", "complete_secondary")],
        [section("C1", "junior", 500), section("C1", "senior", 500)],
        [facility("C1", equipment=2_200_000, rooms=44)],
    )
    t = indicators_table(ds, STD)
    assert list(t["stage"]) == ["junior"]
    assert t["R6"].iloc[0] == pytest.approx(2_200_000 * 5 / 11 / 500)  # 2000
    assert t["R7"].iloc[0] == pytest.approx(100 * 44 * 5 / 11 / 500)  # 4.0


def test_facilities_given_per_stage_are_not_split_again():
    ds = make_dataset(
        [school("N1", "nine_year")],
        [section("N1", "primary", 400), section("N1", "junior", 300)],
        [facility("N1", stage="primary", equipment=800_000, rooms=10),
         facility("N1", stage="junior", equipment=900_000, rooms=9)],
    )  # fmt: skip
    t = indicators_table(ds, STD).set_index("stage")
    assert t.loc["primary", "R6"] == pytest.approx(2000.0)
    assert t.loc["junior", "R6"] == pytest.approx(3000.0)
    assert t.loc["primary", "R7"] == pytest.approx(2.5)
    assert t.loc["junior", "R7"] == pytest.approx(3.0)


# ----------------------------------------------------------------------------- scope


def test_teaching_points_of_49_pupils_out_and_50_in():
    ds = make_dataset(
        [
            school("P0", "primary"),
            school("T49", "teaching_point", parent="P0"),
            school("T50", "teaching_point", parent="P0"),
        ],
        [
            section("P0", "primary", 600),
            section("T49", "primary", 49, teachers=4),
            section("T50", "primary", 50, teachers=4),
        ],
        [facility("P0"), facility("T49"), facility("T50", equipment=150_000)],
    )
    t = indicators_table(ds, STD)
    assert list(t["school_id"]) == ["P0", "T50"]
    # the teaching point is its own school: its own facilities, its own pupils
    assert t.set_index("school_id").loc["T50", "R6"] == pytest.approx(3000.0)


def test_special_schools_and_senior_sections_are_out():
    ds = make_dataset(
        [school("P0"), school("SP", "special"), school("C1", "complete_secondary")],
        [section("P0", "primary", 300), section("SP", "primary", 80),
         section("C1", "junior", 400), section("C1", "senior", 600)],
        [facility("P0"), facility("SP"), facility("C1")],
    )  # fmt: skip
    t = indicators_table(ds, STD)
    assert list(zip(t["school_id"], t["stage"], strict=True)) == [("P0", "primary"), ("C1", "junior")]


def test_moe_2012_scope_excludes_teaching_points_and_private_schools_and_reports_missing_indicators():
    ds = make_dataset(
        [school("P0"), school("PV", sponsor="private"), school("T60", "teaching_point", parent="P0")],
        [
            section("P0", "primary", 600, teachers=36),
            section("PV", "primary", 300),
            section("T60", "primary", 60),
        ],
        [facility("P0"), facility("PV"), facility("T60")],
    )
    t = indicators_table(ds, STD12)
    assert list(t["school_id"]) == ["P0"]
    assert list(t.columns) == [
        "school_id",
        "school_name",
        "stage",
        "students",
        *[f"B{i}" for i in range(1, 9)],
    ]
    # computers, books and intermediate titles are not in the data dictionary: missing, not computed
    assert set(t.attrs["missing"]) == {"B4", "B5", "B8"}
    assert t[["B4", "B5", "B8"]].isna().all().all()
    assert t["B6"].iloc[0] == pytest.approx(100 * 36 / 600)  # 师生比 per hundred pupils
    # and under moe-2017 both of the others are in
    assert list(indicators_table(ds, STD)["school_id"]) == ["P0", "PV", "T60"]


# ----------------------------------------------------------------------------- the table


def test_indicators_table_shape_order_and_registry():
    ds = make_dataset(
        [school("B"), school("A"), school("J", "junior")],
        [section("B", "primary", 300), section("A", "primary", 200), section("J", "junior", 400),
         section("A", "primary", 210, year=2023)],
        [facility("B"), facility("A"), facility("J"), facility("A", year=2023)],
    )  # fmt: skip
    t = compute("indicators", ds, STD)  # latest year by default
    assert list(t.columns) == [
        "school_id",
        "school_name",
        "stage",
        "students",
        "R1",
        "R2",
        "R3",
        "R4",
        "R5",
        "R6",
        "R7",
    ]
    assert list(zip(t["stage"], t["school_id"], strict=True)) == [
        ("primary", "A"),
        ("primary", "B"),
        ("junior", "J"),
    ]
    assert list(compute("indicators", ds, STD, year=2023)["students"]) == [210]
    assert list(compute("indicators", ds, STD, stage="junior")["school_id"]) == ["J"]
    # unrounded: 50 teachers above degree per 300 pupils
    assert t.set_index("school_id").loc["B", "R1"] == 100 * 50 / 300
    with pytest.raises(ParameterError, match="2019"):
        compute("indicators", ds, STD, year=2019)
    with pytest.raises(ParameterError, match="stage"):
        compute("indicators", ds, STD, stage="senior")


def test_section_values_all_years_at_once():
    ds = make_dataset(
        [school("A")],
        [section("A", "primary", 200, year=2023), section("A", "primary", 250)],
        [facility("A", year=2023, equipment=400_000), facility("A", equipment=400_000)],
    )
    v = section_values(ds, STD)
    assert list(v["year"]) == [2023, 2024]
    assert list(v["R6"]) == pytest.approx([2000.0, 1600.0])


# ----------------------------------------------------------------------------- bad input


def test_missing_facilities_rows_are_named_all_at_once():
    ds = make_dataset(
        [school("A", name="甲小学"), school("B", name="乙小学"), school("C", name="丙小学")],
        [section("A", "primary", 200), section("B", "primary", 200), section("C", "primary", 200)],
        [facility("B")],
    )
    with pytest.raises(AnalysisError) as err:
        indicators_table(ds, STD)
    message = str(err.value)
    assert "甲小学" in message and "丙小学" in message and "乙小学" not in message
    assert "2024" in message and "facilities" in message


def test_zero_pupils_and_a_stage_without_teachers_are_refused_not_nan():
    ds = make_dataset(
        [school("A", name="甲小学"), school("N", "nine_year", name="九年制学校")],
        [section("A", "primary", 0), section("N", "primary", 300, teachers=30),
         section("N", "junior", 200, teachers=0, above=0, backbone=0, pe_art=0)],
        [facility("A"), facility("N")],
    )  # fmt: skip
    with pytest.raises(AnalysisError) as err:
        indicators_table(ds, STD)
    message = str(err.value)
    assert "甲小学" in message and "no pupils" in message
    assert "九年制学校" in message and "junior" in message and "teacher" in message


# ----------------------------------------------------------------------------- chapter 01's sections


def test_chapter_says_what_a_standard_without_a_school_rule_cannot_show(monkeypatch, sample_dataset):
    """Under moe-2012 (no per-school rule, one composite CV) the rule's sections each say so once."""
    import matplotlib

    matplotlib.use("Agg")
    from eduwb.present.charts import resources_chapter
    from eduwb.standards import load_standard

    said: list[str] = []
    monkeypatch.setattr("eduwb.present.charts.chapter.md", said.append)
    monkeypatch.setattr("eduwb.present.charts.chapter.show_table", lambda *a, **k: said.append("TABLE"))
    monkeypatch.setattr("eduwb.present.charts.chapter.plt.show", lambda: said.append("CHART"))
    chapter = resources_chapter.ResourcesChapter(sample_dataset, load_standard("moe-2012"), 2025, None, "en")
    for section in ("compliance_table", "ratio_heatmap", "plan_overview", "plan_details", "profiles_section"):
        getattr(chapter, section)()
    assert len(said) == 4 and all(s.endswith("cannot be shown.") for s in said), said
    assert "per-school thresholds" in said[2]  # the plan needs thresholds and per-indicator limits
    said.clear()
    chapter.gaps()
    assert said[0].startswith("Unit costs:") and said[1].endswith(
        "so the gaps and their cost cannot be shown."
    )
