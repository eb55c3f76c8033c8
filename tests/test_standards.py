"""The standards as data.

Every number below is written from spec/standard-moe-2017.md, not read from the file.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from eduwb.cli import main
from eduwb.errors import StandardError
from eduwb.standards import STANDARDS_DIR, list_standards, load_standard

MOE_2017_IDS = (
    [f"R{i}" for i in range(1, 8)]
    + [f"G{i}" for i in range(1, 16)]
    + [f"Q{i}" for i in range(1, 10)]
    + ["S1"]
)
# spec: R1–R7 thresholds (小学, 初中)
R_THRESHOLDS = {
    "R1": (4.2, 5.3),
    "R2": (1.0, 1.0),
    "R3": (0.9, 0.9),
    "R4": (4.5, 5.8),
    "R5": (7.5, 10.2),
    "R6": (2000, 2500),
    "R7": (2.3, 2.4),
}


@pytest.fixture(scope="module")
def moe2017():
    return load_standard("moe-2017")


@pytest.fixture(scope="module")
def moe2012():
    return load_standard("moe-2012")


def test_builtins_listed():
    assert list_standards() == ["moe-2017", "moe-2012"]
    assert load_standard() is load_standard("moe-2017")


def test_32_indicators_in_seed_order(moe2017):
    inds = moe2017.indicators
    assert [i.id for i in inds] == MOE_2017_IDS
    assert [i.seq for i in inds] == list(range(1, 33))
    dims = {"R": "resource", "G": "guarantee", "Q": "quality", "S": "recognition"}
    assert all(i.dimension == dims[i.id[0]] for i in inds)
    assert all(i.name_zh and i.name_en and i.unit for i in inds)
    assert moe2017.dimension_name("guarantee") == "政府保障程度"
    assert moe2017.dimension_name("recognition", "en") == "Social recognition"
    assert moe2017.stage_name("junior") == "初中" and moe2017.stage_name("primary", "en") == "Primary"


def test_sources_as_the_spec_says(moe2017):
    computed = {f"R{i}" for i in range(1, 8)} | {"G3", "G4", "G5", "G9", "G11", "G12", "Q1", "Q4", "S1"}
    for ind in moe2017.indicators:
        assert ind.source == ("computed" if ind.id in computed else "county"), ind.id


@pytest.mark.parametrize("rid", sorted(R_THRESHOLDS))
def test_resource_thresholds(moe2017, rid):
    ind = moe2017.indicator(rid)
    primary, junior = R_THRESHOLDS[rid]
    assert ind.comparator == ">="
    assert ind.threshold_for("primary") == pytest.approx(primary)
    assert ind.threshold_for("junior") == pytest.approx(junior)
    assert ind.per == (100 if rid in ("R1", "R2", "R3", "R7") else 1)
    with pytest.raises(StandardError, match="a stage is needed"):
        ind.threshold_for()


def test_resource_formulas_compute_what_the_spec_says(moe2017):
    # one school section, values chosen so each formula gives a distinct number
    row = pd.DataFrame(
        {
            "teachers_above_degree": [45],
            "backbone_teachers": [10],
            "pe_art_teachers": [9],
            "teaching_aux_area_m2": [5400.0],
            "indoor_sports_area_m2": [500.0],
            "sports_field_area_m2": [7000.0],
            "equipment_value_yuan": [2_000_000.0],
            "multimedia_rooms": [22],
        }
    )
    expected = {"R1": 45, "R2": 10, "R3": 9, "R4": 5400 - 500, "R5": 500 + 7000, "R6": 2_000_000, "R7": 22}
    resources = moe2017.resource_indicators
    assert [i.id for i in resources] == list(R_THRESHOLDS)
    for ind in resources:
        assert row.eval(ind.formula).iloc[0] == pytest.approx(expected[ind.id]), ind.id
    # how a shortfall is counted: whole teachers and rooms, areas and money as they come
    assert [i.gap_integer for i in resources] == [True, True, True, False, False, False, True]


def test_county_rules(moe2017):
    assert moe2017.school_rule == {"min_met": 6, "min_ratio_rest": 0.85}
    assert moe2017.balance_test == "each"
    assert moe2017.cv_limit("primary") == pytest.approx(0.50)
    assert moe2017.cv_limit("junior") == pytest.approx(0.45)
    assert moe2017.composite_limit("primary") is None


def test_scope_and_pupil_weights(moe2017):
    assert moe2017.scope["teaching_point_min_students"] == 50
    assert "special" in moe2017.scope["exclude_kinds"]
    assert moe2017.scope["exclude_private"] is False
    w = moe2017.pupil_weights
    assert w["nine_year"] == {"primary": 1.0, "junior": 1.1}
    assert w["twelve_year"] == {"primary": 1.0, "junior": 1.1, "senior": 1.32}
    assert w["complete_secondary"] == {"junior": 1.0, "senior": 1.2}


def test_class_size_bands_and_school_size(moe2017):
    assert moe2017.class_size_standard("primary") == 45
    assert moe2017.class_size_standard("junior") == 50
    assert moe2017.class_size["large_min"] == 56
    assert moe2017.class_size["super_large_min"] == 66
    for kind in ("primary", "junior"):
        assert moe2017.school_size_limit(kind) == 2000
    for kind in ("nine_year", "twelve_year"):
        assert moe2017.school_size_limit(kind) == 2500


def test_rotation_and_other_guarantees(moe2017):
    assert "ratio_min" not in moe2017.rotation  # G11 is the single source of the limits
    assert set(moe2017.rotation["counted_modes"]) == {
        "transfer",
        "rotation",
        "itinerant",
        "support",
        "pairing",
    }
    g = moe2017.indicator
    assert g("G3").params == {
        "classes_per_room": 12,
        "music_room_min_area_m2": 96,
        "art_room_min_area_m2": 90,
    }
    assert g("G7").threshold_for() == 6000
    assert g("G9").threshold_for() == pytest.approx(1.0) and g("G9").params["training_hours_min"] == 360
    assert g("G11").threshold_for() == pytest.approx(0.10) and g("G11").params[
        "backbone_share_min"
    ] == pytest.approx(0.20)
    assert g("G12").threshold_for() == pytest.approx(1.0)
    assert g("G13").threshold_for("primary") == pytest.approx(1.0)
    assert g("G13").threshold_for("junior") == pytest.approx(0.95)
    assert g("G14").threshold_for() == pytest.approx(0.50)
    assert g("G15").threshold_for() == pytest.approx(0.85)
    for yes_no in ("G1", "G2", "G6", "G10", "Q3", "Q5", "Q6", "Q7", "Q8", "Q9"):
        assert g(yes_no).comparator == "yes", yes_no


def test_quality_and_recognition(moe2017):
    assert moe2017.indicator("Q1").threshold_for() == pytest.approx(0.95)
    assert moe2017.indicator("Q2").threshold_for() == pytest.approx(0.95)
    assert moe2017.indicator("Q4").threshold_for() == pytest.approx(0.05)
    assert moe2017.indicator("S1").threshold_for() == pytest.approx(0.85)
    assert moe2017.indicator("S1").comparator == ">="


def test_vetoes(moe2017):
    assert [v["id"] for v in moe2017.vetoes] == [f"VETO{i}" for i in range(1, 7)]


def test_relaxations_2019(moe2017):
    rel = moe2017.relaxations
    assert rel["music_room_min_area_m2"] == 73 and rel["art_room_min_area_m2"] == 67
    assert rel["music_art_room_area_built_by"] == 2016
    assert rel["small_rural_max_class_below"] == 30
    assert rel["small_rural_room_area_m2"] == {"primary": 54, "junior": 61}
    assert rel["size_built_by"] == 2010
    assert moe2017.school_size_limit("primary", relaxed=True) == 2400
    assert moe2017.school_size_limit("junior", relaxed=True) == 2400
    assert moe2017.school_size_limit("nine_year", relaxed=True) == 3000


def test_unknown_indicator(moe2017):
    with pytest.raises(StandardError, match="no indicator 'R8'"):
        moe2017.indicator("R8")
    assert not moe2017.has_indicator("R8") and moe2017.has_indicator("Q9")


def test_catalogue(moe2017):
    cat = moe2017.catalogue()
    assert list(cat["indicator"]) == MOE_2017_IDS
    r6 = cat.set_index("indicator").loc["R6"]
    assert (r6["threshold_primary"], r6["threshold_junior"]) == (2000, 2500)
    s1 = cat.set_index("indicator").loc["S1"]
    assert s1["threshold_primary"] == s1["threshold_junior"] == pytest.approx(0.85)
    assert "name_en" not in moe2017.catalogue(lang="zh").columns


# ----------------------------------------------------------------------------- moe-2012


def test_moe_2012(moe2012):
    assert [i.id for i in moe2012.indicators] == [f"B{i}" for i in range(1, 9)]
    assert all(i.comparator == "cv" and i.dimension == "resource" for i in moe2012.indicators)
    assert moe2012.balance_test == "composite"
    assert moe2012.composite_limit("primary") == pytest.approx(0.65)
    assert moe2012.composite_limit("junior") == pytest.approx(0.55)
    assert moe2012.cv_limit("primary") is None
    assert moe2012.school_rule is None
    assert moe2012.scope["exclude_private"] is True
    assert "teaching_point" in moe2012.scope["exclude_kinds"]
    names = [i.name_zh for i in moe2012.indicators]
    assert names[0] == "生均教学及辅助用房面积" and "师生比" in names
    with pytest.raises(StandardError, match="no 2019 relaxations"):
        _ = moe2012.relaxations


# ----------------------------------------------------------------------------- province files


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


PROVINCE = """
extends = "moe-2017"
id = "province-2023"

[[indicators]]
id = "R6"
threshold = { primary = 2200, junior = 2600 }
"""


def test_province_override_is_honoured_and_the_rest_inherited(tmp_path, moe2017):
    std = load_standard(_write(tmp_path, "province.toml", PROVINCE))
    assert std.id == "province-2023"
    assert std.indicator("R6").threshold_for("primary") == 2200
    assert std.indicator("R6").threshold_for("junior") == 2600
    # R6 keeps everything else it had
    assert std.indicator("R6").formula == "equipment_value_yuan" and std.indicator("R6").seq == 6
    # every other indicator, rule and table is moe-2017's
    ours, base = std.catalogue().set_index("indicator"), moe2017.catalogue().set_index("indicator")
    pd.testing.assert_frame_equal(ours.drop(index="R6"), base.drop(index="R6"))
    for key in set(moe2017.raw) - {"id", "indicators"}:
        assert std.raw[key] == moe2017.raw[key], key
    assert std.cv_limit("junior") == pytest.approx(0.45)


def test_each_standard_names_what_meeting_it_is_called(tmp_path):
    """The report's title and verdict come from the standard: 优质均衡 (2017), 基本均衡 (2012)."""
    assert (load_standard("moe-2017").programme("zh"), load_standard("moe-2017").programme("en")) == (
        "优质均衡",
        "quality balance",
    )
    assert load_standard("moe-2012").programme("zh") == "基本均衡"
    assert load_standard(_write(tmp_path, "p.toml", 'extends = "moe-2017"\n')).programme("zh") == "优质均衡"
    bare = dict(load_standard("moe-2017").raw)
    del bare["programme"]
    from eduwb.standards import Standard

    assert Standard("x", bare, "x").programme("zh") == "均衡"


def test_partial_override_of_a_table(tmp_path):
    std = load_standard(
        _write(tmp_path, "p.toml", 'extends = "moe-2017"\n[balance]\ncv_limit = { primary = 0.40 }\n')
    )
    assert std.cv_limit("primary") == pytest.approx(0.40)
    assert std.cv_limit("junior") == pytest.approx(0.45)
    assert std.balance_test == "each"


def test_override_may_extend_a_file_beside_it(tmp_path, monkeypatch):
    _write(tmp_path, "province.toml", PROVINCE)
    county = _write(
        tmp_path,
        "county-std.toml",
        'extends = "province.toml"\nid = "county"\n[school_size]\ndefault = 2200\n',
    )
    monkeypatch.chdir(tmp_path.parent)
    std = load_standard(county)
    assert std.indicator("R6").threshold_for("primary") == 2200
    assert std.school_size_limit("primary") == 2200 and std.school_size_limit("nine_year") == 2500


def test_cli_lists_an_override(tmp_path, capsys):
    path = _write(tmp_path, "province.toml", PROVINCE)
    assert main(["standards", "--standard", str(path), "--format", "json"]) == 0
    records = {r["indicator"]: r for r in json.loads(capsys.readouterr().out)}
    assert (records["R6"]["threshold_primary"], records["R6"]["threshold_junior"]) == (2200, 2600)
    assert records["R1"]["threshold_primary"] == pytest.approx(4.2)


def test_cli_json_lists_the_32_indicators(capsys):
    assert main(["standards", "--format", "json"]) == 0
    records = json.loads(capsys.readouterr().out)
    assert [r["indicator"] for r in records] == MOE_2017_IDS
    by_id = {r["indicator"]: r for r in records}
    for rid, (primary, junior) in R_THRESHOLDS.items():
        assert by_id[rid]["threshold_primary"] == pytest.approx(primary)
        assert by_id[rid]["threshold_junior"] == pytest.approx(junior)
    assert by_id["Q1"]["threshold_primary"] == pytest.approx(0.95)
    assert by_id["S1"]["name_zh"] == "社会认可度"


# ----------------------------------------------------------------------------- malformed files


FULL = (STANDARDS_DIR / "moe-2017.toml").read_text(encoding="utf-8")

MALFORMED = {
    "bad_toml": ("id = \n", "not valid TOML"),
    "unknown_comparator": (
        FULL.replace(
            'comparator = ">="\nthreshold = { primary = 2000',
            'comparator = "=>"\nthreshold = { primary = 2000',
        ),
        "indicator #6 (R6): comparator must be one of",
    ),
    "missing_threshold": (
        FULL.replace("threshold = { primary = 2000, junior = 2500 }\n", ""),
        "indicator #6 (R6): comparator >= needs a numeric threshold",
    ),
    "text_threshold": (
        'extends = "moe-2017"\n[[indicators]]\nid = "R6"\nthreshold = { primary = "2200元" }\n',
        "needs a numeric threshold",
    ),
    "negative_threshold": (
        'extends = "moe-2017"\n[[indicators]]\nid = "R1"\nthreshold = -1\n',
        "must not be negative",
    ),
    "duplicate_id": (FULL.replace('id = "R7"', 'id = "R6"'), "(R6): duplicate id"),
    "duplicate_id_in_override": (
        'extends = "moe-2017"\n[[indicators]]\nid = "R6"\nthreshold '
        '= 2200\n[[indicators]]\nid = "R6"\nthreshold = 2300\n',
        "id 'R6' appears twice",
    ),
    "missing_balance_limits": (
        FULL.replace("cv_limit = { primary = 0.50, junior = 0.45 }", ""),
        "[balance] cv_limit.primary must be a number",
    ),
    "bad_balance_test": (
        'extends = "moe-2017"\n[balance]\ntest = "mean"\n',
        "test must be 'each' or 'composite'",
    ),
    "balance_not_a_table": ('extends = "moe-2017"\nbalance = 0.5\n', "[balance] must be a table"),
    "programme_hidden_text": (
        'extends = "moe-2017"\nprogramme = { zh = "优质\\u202e均衡", en = "x" }\n',
        "programme.zh must not contain control characters",
    ),
    "indicators_not_tables": (
        'extends = "moe-2017"\nindicators = ["R1"]\n',
        "must be a list of [[indicators]] tables",
    ),
    "missing_top_level": ('id = "x"\n', "missing top-level key 'indicators'"),
    "unknown_dimension": (
        'extends = "moe-2017"\n[[indicators]]\nid = "R1"\ndimension = "money"\n',
        "unknown dimension 'money'",
    ),
    "incomplete_new_indicator": (
        'extends = "moe-2017"\n[[indicators]]\nid = "X1"\nseq = 33\n',
        "(X1): missing 'name_zh'",
    ),
    "bad_school_rule": (
        'extends = "moe-2017"\n[school_rule]\nmin_met = "six"\n',
        "[school_rule] needs an integer min_met",
    ),
    "missing_class_size": (
        FULL.replace("standard = { primary = 45, junior = 50 }", ""),
        "[class_size] standard.primary",
    ),
    "bad_seq": ('extends = "moe-2017"\n[[indicators]]\nid = "R6"\nseq = "6"\n', "seq must be a whole number"),
    "unknown_parent": ('extends = "moe-2099"\n', "unknown standard 'moe-2099'"),
    "extends_itself": ('extends = "self.toml"\n', "cannot extend itself"),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_standard_is_refused(tmp_path, case):
    text, message = MALFORMED[case]
    path = _write(tmp_path, "self.toml", text)
    with pytest.raises(StandardError) as info:
        load_standard(path)
    assert message in str(info.value)
    assert str(path) in str(info.value)  # the message names the file


def test_unknown_standard_id():
    with pytest.raises(StandardError, match="unknown standard 'moe-2099': use one of moe-2017, moe-2012"):
        load_standard("moe-2099")


def test_cli_refuses_a_malformed_standard(tmp_path, capsys):
    path = _write(tmp_path, "bad.toml", MALFORMED["missing_threshold"][0])
    assert main(["standards", "--standard", str(path)]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith("eduwb: error: ") and "needs a numeric threshold" in err
    assert "Traceback" not in err
