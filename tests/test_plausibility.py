"""Plausibility warnings: a resource value far outside its indicator's plausible range is flagged,
never refused (the ranges live beside each indicator in the standard)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from eduwb.data.dataset import load
from eduwb.errors import DataError
from eduwb.standards import load_standard

TINY = Path(__file__).parent / "fixtures" / "tiny"


@pytest.fixture
def county(tmp_path):
    folder = tmp_path / "county"
    shutil.copytree(TINY, folder)
    return folder


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new), encoding="utf-8")


def _where(ds) -> list[tuple[str, int, str, str]]:
    return sorted((w.file, w.row, w.column, w.rule.split()[1]) for w in ds.warnings)


def test_the_ranges_are_data_of_the_standard():
    std = load_standard("moe-2017")
    r6 = std.indicator("R6")
    assert (r6.plausible["min"], r6.plausible["max"]) == (10, 100000)
    # every threshold lies well inside its plausible range
    for ind in std.resource_indicators:
        for stage in std.stages:
            assert ind.plausible.get("min", 0) < ind.threshold_for(stage) < ind.plausible["max"]


def test_sample_and_fixtures_raise_none(sample_dataset):
    assert load(TINY).warnings == []
    assert sample_dataset.warnings == []


def test_equipment_in_wan_yuan(county):
    # S03, a nine-year school of 300 + 200 pupils, gives 100 (万元) for 1,000,000 元: 0.2 元 per pupil
    _edit(county / "facilities.csv", "S03,2024,,3000,200,4500,1000000,", "S03,2024,,3000,200,4500,100,")
    # the teaching point S04 (40 pupils) is outside the standard's scope: its slip is not checked
    _edit(county / "facilities.csv", "S04,2024,,200,0,500,50000,", "S04,2024,,200,0,500,5,")
    ds = load(county)
    assert _where(ds) == [("facilities.csv", 4, "equipment_value_yuan", "R6")]
    assert ds.warnings[0].value == "100 → R6 = 0.2 元/生"
    assert ds.warnings[0].severity == "warning"


def test_pupils_mistyped(county):
    # S01: 9 pupils instead of 900; every one of its values leaves the plausible range
    _edit(county / "sections.csv", "S01,2024,primary,900,", "S01,2024,primary,9,")
    ds = load(county)
    assert _where(ds) == [
        ("facilities.csv", 2, "equipment_value_yuan", "R6"),  # 2,000,000 / 9 = 222,222 > 100,000
        ("facilities.csv", 2, "multimedia_rooms", "R7"),  # 22 / 9 × 100 = 244 > 50
        (
            "facilities.csv",
            2,
            "sports_field_area_m2",
            "R5",
        ),  # (500 + 7000) / 9 = 833 > 500: the field weighs most
        ("facilities.csv", 2, "teaching_aux_area_m2", "R4"),  # (5400 − 500) / 9 = 544 > 100
        ("sections.csv", 2, "backbone_teachers", "R2"),  # 10 / 9 × 100 = 111 > 50
        ("sections.csv", 2, "pe_art_teachers", "R3"),  # 9 / 9 × 100 = 100 > 50
        ("sections.csv", 2, "teachers_above_degree", "R1"),  # 45 / 9 × 100 = 500 > 50
    ]


def test_a_per_stage_row_is_measured_over_its_stage(county):
    # S03 reports per stage; 120 multimedia rooms for its 200 junior pupils is 60 per 100 (> 50),
    # though over the whole school's 500 pupils it would be a plausible 24
    _edit(
        county / "facilities.csv",
        "S03,2024,,3000,200,4500,1000000,11,1,80,0,",
        "S03,2024,primary,1800,100,2700,600000,6,1,80,0,\nS03,2024,junior,1200,100,1800,400000,120,1,80,0,",
    )
    ds = load(county)
    assert _where(ds) == [("facilities.csv", 5, "multimedia_rooms", "R7")]


def test_warnings_come_with_the_errors_of_a_refused_dataset(county):
    _edit(county / "facilities.csv", "S03,2024,,3000,200,4500,1000000,", "S03,2024,,3000,200,4500,100,")
    _edit(county / "schools.csv", "S02,城关中学,junior,", "S02,城关中学,middle,")
    with pytest.raises(DataError) as info:
        load(county)
    assert [(p.severity, p.column) for p in info.value.problems] == [
        ("error", "kind"),
        ("warning", "equipment_value_yuan"),
    ]
