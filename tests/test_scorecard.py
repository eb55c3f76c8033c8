"""The scorecard and the verdict: every computed indicator against hand-computed figures.

Each test writes a small county (two schools, one year, or a variant) to ``tmp_path`` and
loads it through :func:`eduwb.data.dataset.load`, so the tables have exactly the loader's dtypes.
The "good county" passes every indicator of moe-2017 by construction; each test breaks one
thing and checks the figure, the status and the verdict by hand.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from eduwb.analysis.scorecard import (
    SCORECARD_COLUMNS,
    changes,
    county_verdict,
    dimension_summary,
    judge_county_value,
    missing_inputs,
    scorecard_table,
    scorecard_trend,
    verdict_table,
    vetoes_table,
)
from eduwb.data.dataset import load
from eduwb.data.values import parse_county_value
from eduwb.errors import DataError, ParameterError
from eduwb.standards import load_standard

YEAR = 2024
MOE2017 = load_standard("moe-2017")
MOE2012 = load_standard("moe-2012")
COUNTY_INPUTS = {
    "G1": "是", "G2": "是", "G6": "是", "G7": "6500", "G8": "是", "G10": "是", "G13": "100%", "G14": "0.55",
    "G15": "90%", "Q2": "96.5%", "Q3": "是", "Q5": "是", "Q6": "是", "Q7": "是", "Q8": "是", "Q9": "是",
}  # fmt: skip
VETOES = [f"VETO{i}" for i in range(1, 7)]


# ----------------------------------------------------------------------------- the good county


def _classes(school: str, grades: range, sizes: list[int]) -> list[dict]:
    per_grade = len(sizes) // len(grades)
    return [
        {
            "school_id": school,
            "year": YEAR,
            "grade": grades[i // per_grade],
            "class_id": f"{school}-{i + 1}",
            "students": n,
        }
        for i, n in enumerate(sizes)
    ]


def good_tables(years: tuple[int, ...] = (YEAR,)) -> dict[str, pd.DataFrame]:
    """A county that meets every indicator of moe-2017 (figures checked by hand below).

    P1 (primary, 1000 pupils, 24 classes): R1 5.0 ≥ 4.2, R2 1.2 ≥ 1, R3 1.0 ≥ 0.9,
    R4 (5500 − 500)/1000 = 5.0 ≥ 4.5, R5 (500 + 7500)/1000 = 8.0 ≥ 7.5, R6 2200 ≥ 2000,
    R7 2.5 ≥ 2.3; rooms: ceil(24/12) = 2 music (96 m²) and 2 art (90 m²).
    J1 (junior, 800 pupils, 18 classes): R1 6.25 ≥ 5.3, R2 1.25, R3 1.0, R4 4800/800 = 6.0
    ≥ 5.8, R5 8400/800 = 10.5 ≥ 10.2, R6 2625 ≥ 2500, R7 2.5 ≥ 2.4; rooms: 2 and 2.
    """
    schools = pd.DataFrame(
        [
            ("P1", "城关小学", "primary", "", "urban", "public", "false", 2010),
            ("J1", "城关中学", "junior", "", "urban", "public", "false", 2010),
        ],
        columns=["school_id", "name", "kind", "parent_id", "locale", "sponsor", "boarding", "built_year"],
    )
    sections, facilities, classes = [], [], []
    for y in years:
        sections += [
            ("P1", y, "primary", 1000, 24, 60, 50, 12, 10),
            ("J1", y, "junior", 800, 18, 60, 50, 10, 8),
        ]
        facilities += [
            ("P1", y, "", 5500, 500, 7500, 2_200_000, 25, 2, 96, 2, 90),
            ("J1", y, "", 5200, 400, 8000, 2_100_000, 20, 2, 100, 2, 95),
        ]
    sections = pd.DataFrame(
        sections,
        columns=["school_id", "year", "stage", "students", "classes", "teachers", "teachers_above_degree",
                 "backbone_teachers", "pe_art_teachers"],
    )  # fmt: skip
    facilities = pd.DataFrame(
        facilities,
        columns=["school_id", "year", "stage", "teaching_aux_area_m2", "indoor_sports_area_m2",
                 "sports_field_area_m2", "equipment_value_yuan", "multimedia_rooms", "music_rooms",
                 "music_room_min_area_m2", "art_rooms", "art_room_min_area_m2"],
    )  # fmt: skip
    # 24 primary classes: 16 × 42 + 8 × 41 = 1000; 18 junior classes: 8 × 45 + 10 × 44 = 800
    for y in years:
        rows = _classes("P1", range(1, 7), [42] * 16 + [41] * 8) + _classes(
            "J1", range(7, 10), [45] * 8 + [44] * 10
        )
        classes += [{**r, "year": y} for r in rows]
    # ten teachers (teacher rows of the year before make rotation eligibility known)
    teachers = []
    for y in (years[0] - 1, *years):
        for i in range(10):
            teachers.append(
                {
                    "teacher_id": f"T{i:02d}", "year": y, "school_id": "P1" if i < 5 else "J1",
                    "stage": "primary" if i < 5 else "junior", "sex": "female", "birth_year": 1985,
                    "backbone": "county" if i == 0 else "none", "years_at_school": 8, "certified": "true",
                    "training_hours_5y": 400,
                }
            )  # fmt: skip
    # T00 (backbone) and T05 rotate: 2 of 10 eligible = 20 % ≥ 10 %; backbone 1 of 2 = 50 % ≥ 20 %
    rotations = [
        {"teacher_id": "T00", "year": y, "from_school": "P1", "to_school": "J1", "mode": "rotation"}
        for y in years
    ] + [
        {"teacher_id": "T05", "year": y, "from_school": "J1", "to_school": "P1", "mode": "support"}
        for y in years
    ]
    cohorts = [{"year": y, "graduates": 950, "entrants_3y_ago": 1000, "transfers_in": 20, "transfers_out": 30,
                "deaths": 5} for y in years]  # fmt: skip
    budget = [{"school_id": s, "year": y, "public_funds_yuan": p, "training_funds_yuan": t}
              for y in years for s, p, t in (("P1", 100_000, 6_000), ("J1", 80_000, 4_000))]  # fmt: skip
    county = [
        {"year": y, "indicator": k, "value": v, "evidence": f"{k} 文件"}
        for y in years
        for k, v in COUNTY_INPUTS.items()
    ]
    county += [
        {"year": y, "indicator": v, "value": "否", "evidence": "督查报告"} for y in years for v in VETOES
    ]
    survey = [{"year": y, "group": g, "valid": n, "satisfied": s} for y in years
              for g, n, s in (("parent", 100, 80), ("student", 300, 280))]  # fmt: skip
    return {
        "schools": schools,
        "sections": sections,
        "facilities": facilities,
        "classes": pd.DataFrame(classes),
        "teachers": pd.DataFrame(teachers),
        "rotations": pd.DataFrame(rotations),
        "cohorts": pd.DataFrame(cohorts),
        "budget": pd.DataFrame(budget),
        "county_indicators": pd.DataFrame(county),
        "survey": pd.DataFrame(survey),
    }


def write(folder: Path, tables: dict[str, pd.DataFrame], toml: str = "") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, df in tables.items():
        if df is not None:
            df.to_csv(folder / f"{name}.csv", index=False)
    (folder / "county.toml").write_text('name = "测试县"\n' + toml, encoding="utf-8")
    return folder


def load_tables(tmp_path: Path, tables: dict[str, pd.DataFrame], toml: str = ""):
    return load(write(tmp_path / "county", tables, toml))


@pytest.fixture(scope="module")
def good(tmp_path_factory):
    return load_tables(tmp_path_factory.mktemp("good"), good_tables())


def row(card: pd.DataFrame, indicator: str) -> pd.Series:
    return card.set_index("indicator").loc[indicator]


def set_value(df: pd.DataFrame, where: dict, column: str, value) -> pd.DataFrame:
    df = df.copy()
    mask = pd.Series(True, index=df.index)
    for k, v in where.items():
        mask &= df[k] == v
    assert mask.any(), where
    df.loc[mask, column] = value
    return df


# ----------------------------------------------------------------------------- the whole card


def test_good_county_passes_every_indicator(good):
    card = scorecard_table(good, MOE2017, year=YEAR)
    assert list(card.columns) == SCORECARD_COLUMNS
    assert len(card) == 32
    assert card["indicator"].tolist() == [i.id for i in MOE2017.indicators]
    assert card.loc[card["status"] != "pass", ["indicator", "evidence"]].empty
    assert set(card["status"]) <= {"pass", "fail", "missing"}
    verdict = county_verdict(good, MOE2017, YEAR)
    assert verdict["passed"] is True and verdict["verdict"] == "pass"
    assert verdict["failing"] == [] and verdict["missing"] == [] and verdict["vetoes"] == []
    assert "32 项指标全部达标" in verdict["summary_zh"]
    assert "all 32 indicators pass" in verdict["summary_en"]
    table = verdict_table(good, MOE2017)
    assert table.columns.tolist() == [
        "year", "resource", "guarantee", "quality", "recognition", "vetoes", "verdict", "failing", "missing",
        "vetoes_undeclared",
    ]  # fmt: skip
    assert table.iloc[0].tolist() == [YEAR, "pass", "pass", "pass", "pass", "", "pass", "", "", ""]


def test_dimension_summary_counts(good):
    dims = dimension_summary(scorecard_table(good, MOE2017), MOE2017)
    assert dims["dimension"].tolist() == ["resource", "guarantee", "quality", "recognition"]
    assert dims["indicators"].tolist() == [7, 15, 9, 1]
    assert dims["passed"].tolist() == [7, 15, 9, 1]
    assert dims["name"].tolist()[0] == "资源配置"


def test_english_names_and_evidence(good):
    card = scorecard_table(good, MOE2017, lang="en")
    assert row(card, "S1")["name"].startswith("Social recognition")
    assert "valid questionnaires" in row(card, "S1")["evidence"]


def test_parameters_are_checked(good):
    with pytest.raises(ParameterError):
        scorecard_table(good, MOE2017, stage="primary")
    with pytest.raises(ParameterError):
        scorecard_table(good, MOE2017, lang="fr")
    with pytest.raises(ParameterError):
        scorecard_table(good, MOE2017, colour="red")
    with pytest.raises(ParameterError):
        scorecard_table(good, MOE2017, year=1999)


# ----------------------------------------------------------------------------- resource rows


def test_per_school_rule_failure_blames_its_short_indicators(tmp_path):
    tables = good_tables()
    # P1: R5 = (500 + 6000)/1000 = 6.5 < 7.5 and R7 = 20/1000·100 = 2.0 < 2.3 → 5 of 7 met: fails the rule
    tables["facilities"] = set_value(tables["facilities"], {"school_id": "P1"}, "sports_field_area_m2", 6000)
    tables["facilities"] = set_value(tables["facilities"], {"school_id": "P1"}, "multimedia_rooms", 20)
    card = scorecard_table(load_tables(tmp_path, tables), MOE2017)
    for ind in ("R5", "R7"):
        assert row(card, ind)["status"] == "fail"
        assert row(card, ind)["value"] == "1/2"
        assert row(card, ind)["value_number"] == pytest.approx(0.5)
        assert "城关小学" in row(card, ind)["evidence"]
    for ind in ("R1", "R2", "R3", "R4", "R6"):
        assert row(card, ind)["status"] == "pass"


def test_one_short_indicator_above_85_percent_passes_the_rule(tmp_path):
    tables = good_tables()
    # P1: R7 = 22/1000·100 = 2.2 < 2.3 but 2.2/2.3 = 95.7 % ≥ 85 %: the section passes, R7 still shows 1/2
    tables["facilities"] = set_value(tables["facilities"], {"school_id": "P1"}, "multimedia_rooms", 22)
    card = scorecard_table(load_tables(tmp_path, tables), MOE2017)
    assert row(card, "R7")["status"] == "pass"
    assert row(card, "R7")["value"] == "1/2"


def test_cv_over_its_limit_fails_the_indicator(tmp_path):
    tables = good_tables()
    # a second primary school with R6 = 10000 元/生 (both reach 2000):
    # X̄ = (1000·2200 + 1000·10000)/2000 = 6100, S = 3900, CV = 0.639 > 0.50
    schools = tables["schools"]
    tables["schools"] = pd.concat(
        [schools, schools.iloc[[0]].assign(school_id="P2", name="南街小学")], ignore_index=True
    )
    tables["sections"] = pd.concat([tables["sections"], tables["sections"].iloc[[0]].assign(school_id="P2")])
    p2 = tables["facilities"].iloc[[0]].assign(school_id="P2", equipment_value_yuan=10_000_000)
    tables["facilities"] = pd.concat([tables["facilities"], p2])
    classes = tables["classes"]
    tables["classes"] = pd.concat(
        [
            classes,
            classes[classes["school_id"] == "P1"].assign(
                school_id="P2", class_id=lambda d: "P2" + d["class_id"]
            ),
        ]
    )
    tables["budget"] = pd.concat([tables["budget"], tables["budget"].iloc[[0]].assign(school_id="P2")])
    card = scorecard_table(load_tables(tmp_path, tables), MOE2017)
    r6 = row(card, "R6")
    assert r6["status"] == "fail"
    assert r6["value"] == "3/3"
    assert "0.639" in r6["evidence"]  # 3900/6100 = 0.6393
    assert row(card, "R1")["status"] == "pass"


def test_province_override_raises_r6(tmp_path):
    """A province's file that extends moe-2017 with R6 raised: J1 at 2625 元/生 now fails 2700."""
    override = tmp_path / "province.toml"
    override.write_text(
        'extends = "moe-2017"\nid = "province-2023"\n\n[[indicators]]\nid = "R6"\n'
        "threshold = { primary = 2200, junior = 2700 }\n",
        encoding="utf-8",
    )
    std = load_standard(override)
    ds = load_tables(tmp_path, good_tables())
    card = scorecard_table(ds, std)
    assert len(card) == 32
    r6 = row(card, "R6")
    assert r6["value"] == "1/2"  # P1 2200 ≥ 2200, J1 2625 < 2700
    assert r6["status"] == "pass"  # 2625/2700 = 97 % ≥ 85 % and the other six are met
    assert "2,700" in r6["threshold"]
    assert row(scorecard_table(ds, MOE2017), "R6")["value"] == "2/2"


def test_resource_indicator_without_data_makes_the_rule_undecidable(good, tmp_path):
    """A province adds R8 over a column the data lack: R8 is missing and no R row can pass."""
    override = tmp_path / "province.toml"
    override.write_text(
        'extends = "moe-2017"\nid = "province-r8"\n\n[[indicators]]\nid = "R8"\nseq = 33\ndimension = '
        '"resource"\nname_zh = "每百名学生拥有计算机台数"\nname_en = "Computers per 100 pupils"\nunit = '
        '"台/百生"\ncomparator = ">="\nthreshold = { primary = 10, junior '
        '= 12 }\nsource = "computed"\nformula = "computers"\n'
        "per = 100\n",
        encoding="utf-8",
    )
    card = scorecard_table(good, load_standard(override)).set_index("indicator")
    assert len(card) == 33
    resource = card[card["dimension"] == "resource"]
    assert set(resource["status"]) == {"missing"}
    assert "computers" in card.loc["R8", "evidence"]
    assert "每校达标规则无法判定" in card.loc["R1", "evidence"]


def test_moe_2012_scorecard(good):
    """moe-2012: 8 CV rows; computers, books and titles are not in the data → missing, composite missing."""
    card = scorecard_table(good, MOE2012)
    assert card["indicator"].tolist() == [f"B{i}" for i in range(1, 9)]
    assert set(card["dimension"]) == {"resource"}
    assert card.set_index("indicator").loc[["B4", "B5", "B8"], "status"].tolist() == ["missing"] * 3
    # one school per stage: every computable CV is 0, but the composite (mean of 8) cannot be formed
    b1 = row(card, "B1")
    assert b1["value_number"] == pytest.approx(0.0)
    assert b1["status"] == "missing"
    assert "综合差异系数" in b1["threshold"] and "0.65" in b1["threshold"]
    assert "pass" not in set(card["status"])
    table = verdict_table(good, MOE2012)
    assert table.columns.tolist() == [
        "year",
        "resource",
        "vetoes",
        "verdict",
        "failing",
        "missing",
        "vetoes_undeclared",
    ]
    assert table.iloc[0]["verdict"] == "incomplete"
    assert table.iloc[0]["missing"] == "B1,B2,B3,B4,B5,B6,B7,B8"


def test_composite_rule_when_every_indicator_is_computable(good, tmp_path):
    """A standard testing the composite of computable indicators only: mean CV 0 passes."""
    std_file = tmp_path / "basic.toml"
    std_file.write_text('extends = "moe-2012"\nid = "basic-3"\n', encoding="utf-8")
    raw = dict(load_standard(std_file).raw)
    raw["indicators"] = [d for d in raw["indicators"] if d["id"] in ("B1", "B2", "B3")]
    from eduwb.standards import Standard

    std = Standard(id="basic-3", raw=raw, source=str(std_file))
    card = scorecard_table(good, std)
    assert card["status"].tolist() == ["pass"] * 3
    assert "综合差异系数 小学 0.000" in row(card, "B1")["evidence"]


# ----------------------------------------------------------------------------- G3


def g3_tables() -> dict[str, pd.DataFrame]:
    tables = good_tables()
    schools = tables["schools"]
    extra = pd.DataFrame(
        [
            ("N1", "河口九年一贯制学校", "nine_year", "", "rural", "public", "false", 2015),
            ("TP", "河口教学点", "teaching_point", "N1", "rural", "public", "false", 1990),
        ],
        columns=schools.columns,
    )
    tables["schools"] = pd.concat([schools, extra], ignore_index=True)
    sec = pd.DataFrame(
        [
            ("N1", YEAR, "primary", 560, 14, 40, 40, 8, 6),
            ("N1", YEAR, "junior", 440, 11, 40, 40, 6, 5),
            ("TP", YEAR, "primary", 30, 2, 3, 2, 0, 0),
        ],
        columns=tables["sections"].columns,
    )
    tables["sections"] = pd.concat([tables["sections"], sec], ignore_index=True)
    fac = pd.DataFrame(
        [
            # per-stage rows: music 2 + 1 = 3, art 1 + 1 = 2; smallest music room 80 m², art 92 m²
            ("N1", YEAR, "primary", 3000, 200, 5000, 1_200_000, 14, 2, 80, 1, 95),
            ("N1", YEAR, "junior", 3000, 200, 5000, 1_200_000, 12, 1, 97, 1, 92),
            ("TP", YEAR, "", 200, 0, 500, 50_000, 1, 0, None, 0, None),
        ],
        columns=tables["facilities"].columns,
    )
    tables["facilities"] = pd.concat([tables["facilities"], fac], ignore_index=True)
    tables["classes"] = None
    return tables


def test_g3_counts_a_multi_stage_school_over_its_stages(tmp_path):
    from eduwb.analysis.guarantee import music_art_rooms_table

    ds = load_tables(tmp_path, g3_tables())
    rooms = music_art_rooms_table(ds, MOE2017, year=YEAR).set_index("school_id")
    # G3 judges every school (its scope is all_schools: "every school"), the teaching point of
    # 30 pupils too — the 50-pupil rule is R1–R7's scope, not G3's
    assert rooms.index.tolist() == ["J1", "N1", "P1", "TP"]
    tp = rooms.loc["TP"]
    assert (tp["classes"], tp["rooms_needed"], tp["music_rooms"], tp["art_rooms"]) == (
        2,
        1,
        0,
        0,
    )  # ceil(2/12) = 1
    assert tp["music_short"] and tp["art_short"] and tp["status"] == "fail"
    n1 = rooms.loc["N1"]
    assert n1["classes"] == 25 and n1["rooms_needed"] == 3  # ceil((14 + 11)/12)
    assert (n1["music_rooms"], n1["art_rooms"]) == (3, 2)
    assert n1["music_room_min_area_m2"] == 80 and n1["art_room_min_area_m2"] == 92
    assert not n1["music_short"] and n1["art_short"]  # 2 art rooms < 3
    assert n1["music_small"] and not n1["art_small"]  # 80 < 96; 92 ≥ 90
    assert n1["status"] == "fail"
    assert rooms.loc[["J1", "P1"], "status"].tolist() == ["pass", "pass"]  # 2 rooms for 18 and 24 classes

    g3 = row(scorecard_table(ds, MOE2017), "G3")
    assert g3["status"] == "fail"
    assert g3["value"] == "2/4"
    assert "河口九年一贯制学校" in g3["evidence"] and "河口教学点" in g3["evidence"]
    assert g3["evidence"].startswith("范围：全县所有义务教育学校（含教学点、特殊教育学校）")


def test_g3_2019_relaxation_lowers_the_areas_for_old_schools(tmp_path):
    from eduwb.analysis.guarantee import music_art_rooms_table

    tables = g3_tables()
    # enough art rooms; the 80 m² music room is the only shortfall (the teaching point gets its rooms)
    tables["facilities"] = set_value(
        tables["facilities"], {"school_id": "N1", "stage": "junior"}, "art_rooms", 2
    )
    for column, value in (
        ("music_rooms", 1),
        ("music_room_min_area_m2", 100),
        ("art_rooms", 1),
        ("art_room_min_area_m2", 95),
    ):
        tables["facilities"] = set_value(tables["facilities"], {"school_id": "TP"}, column, value)
    strict = (
        music_art_rooms_table(load_tables(tmp_path / "a", tables), MOE2017).set_index("school_id").loc["N1"]
    )
    assert strict["status"] == "fail" and strict["music_area_limit"] == 96
    relaxed_ds = load_tables(tmp_path / "b", tables, "relaxations_2019 = true\n")
    relaxed = music_art_rooms_table(relaxed_ds, MOE2017).set_index("school_id").loc["N1"]
    # built 2015 ≤ 2016: music ≥ 73 m², art ≥ 67 m² → 80 and 92 pass
    assert relaxed["relaxed"] and relaxed["music_area_limit"] == 73 and relaxed["art_area_limit"] == 67
    assert relaxed["status"] == "pass"
    assert row(scorecard_table(relaxed_ds, MOE2017), "G3")["status"] == "pass"


def test_g3_school_without_facilities_row_is_missing(tmp_path):
    from eduwb.analysis.guarantee import music_art_rooms_table

    tables = good_tables()
    schools = tables["schools"]
    tables["schools"] = pd.concat(
        [schools, schools.iloc[[0]].assign(school_id="P2", name="南街小学")], ignore_index=True
    )
    # P2 has pupils in 2024 but no facilities row for 2024 (only one for 2023)
    tables["sections"] = pd.concat([tables["sections"], tables["sections"].iloc[[0]].assign(school_id="P2")])
    tables["facilities"] = pd.concat(
        [tables["facilities"], tables["facilities"].iloc[[0]].assign(school_id="P2", year=2023)]
    )
    ds = load_tables(tmp_path, tables)
    rooms = music_art_rooms_table(ds, MOE2017, year=YEAR).set_index("school_id")
    assert rooms.loc["P2", "status"] == "missing"
    from eduwb.analysis.judging import _Ctx, _g3

    g3 = _g3(MOE2017.indicator("G3"), _Ctx(ds, MOE2017, YEAR, "zh"))
    assert g3["status"] == "missing"  # never pass while a school's rooms are unknown
    assert g3["value"] == "2/3"


# ----------------------------------------------------------------------------- G4, G5


def test_g4_school_size(tmp_path):
    tables = good_tables()
    # P1 with 2001 pupils: one above the 2000 limit of a 小学
    tables["sections"] = set_value(tables["sections"], {"school_id": "P1"}, "students", 2001)
    card = scorecard_table(load_tables(tmp_path, tables), MOE2017)
    g4 = row(card, "G4")
    assert g4["status"] == "fail"
    assert g4["value"] == "1/2"
    assert "城关小学 2,001人（上限2,000）" in g4["evidence"]


def test_g5_class_size(tmp_path):
    tables = good_tables()
    cls = tables["classes"]
    # one primary class of 46 (> 45) and one junior class of 51 (> 50); a junior class of 50 is fine
    cls = set_value(cls, {"class_id": "P1-1"}, "students", 46)
    cls = set_value(cls, {"class_id": "J1-1"}, "students", 51)
    cls = set_value(cls, {"class_id": "J1-2"}, "students", 50)
    tables["classes"] = cls
    g5 = row(scorecard_table(load_tables(tmp_path, tables), MOE2017), "G5")
    assert g5["status"] == "fail"
    assert g5["value"] == "40/42"  # 24 + 18 classes, 2 over
    assert g5["value_number"] == pytest.approx(40 / 42)
    assert "2 个班超过标准班额" in g5["evidence"]


def test_g5_without_classes_is_missing(tmp_path):
    tables = good_tables()
    tables["classes"] = None
    card = scorecard_table(load_tables(tmp_path, tables), MOE2017)
    assert row(card, "G5")["status"] == "missing"
    assert "classes" in row(card, "G5")["evidence"]


# ----------------------------------------------------------------------------- G9, G11, G12


def test_g9_g12_teacher_rates(tmp_path):
    tables = good_tables()
    t = tables["teachers"]
    # 2024: T03 has 359 hours (< 360), T04 and T07 have no certificate → 9/10 trained, 8/10 certified
    t = set_value(t, {"teacher_id": "T03", "year": YEAR}, "training_hours_5y", 359)
    t = set_value(t, {"teacher_id": "T04", "year": YEAR}, "certified", "false")
    t = set_value(t, {"teacher_id": "T07", "year": YEAR}, "certified", "false")
    tables["teachers"] = t
    card = scorecard_table(load_tables(tmp_path, tables), MOE2017)
    g9, g12 = row(card, "G9"), row(card, "G12")
    assert (g9["status"], g9["value_number"], g9["value"]) == ("fail", pytest.approx(0.9), "90.0%")
    assert (g12["status"], g12["value_number"], g12["value"]) == ("fail", pytest.approx(0.8), "80.0%")
    assert "近五年培训满 360 学时 9 人" in g9["evidence"]


def test_g11_rotation(good, tmp_path):
    g11 = row(scorecard_table(good, MOE2017), "G11")
    assert g11["status"] == "pass"
    assert g11["value_number"] == pytest.approx(0.2)  # 2 of 10 eligible
    assert g11["value"] == "20.0%（骨干 50.0%）"  # T00 is the one backbone teacher of 2
    tables = good_tables()
    # only T05 (not backbone) rotates: ratio 10 % reaches 10 %, but backbone share 0 % < 20 %
    tables["rotations"] = tables["rotations"][tables["rotations"]["teacher_id"] == "T05"]
    g11 = row(scorecard_table(load_tables(tmp_path, tables), MOE2017), "G11")
    assert g11["status"] == "fail"
    assert g11["value"] == "10.0%（骨干 0.0%）"


def test_g11_first_year_without_last_years_teachers_is_missing(tmp_path):
    tables = good_tables()
    tables["teachers"] = tables["teachers"][tables["teachers"]["year"] == YEAR]
    g11 = row(scorecard_table(load_tables(tmp_path, tables), MOE2017), "G11")
    assert g11["status"] == "missing"
    assert str(YEAR - 1) in g11["evidence"]


def test_teacher_indicators_without_teachers_are_missing(tmp_path):
    tables = good_tables()
    tables["teachers"] = None
    tables["rotations"] = None
    card = scorecard_table(load_tables(tmp_path, tables), MOE2017)
    assert card.set_index("indicator").loc[["G9", "G11", "G12"], "status"].tolist() == ["missing"] * 3


# ----------------------------------------------------------------------------- Q1, Q4, S1


def test_q1_retention_formula(good, tmp_path):
    q1 = row(scorecard_table(good, MOE2017), "Q1")
    # (950 − 20 + 30) / (1000 − 5) = 960/995 = 96.48 %
    assert q1["value_number"] == pytest.approx(960 / 995)
    assert q1["status"] == "pass"
    assert q1["value"] == "96.5%"
    tables = good_tables()
    # 940 − 20 + 30 = 950; 950/995 = 95.48 % passes; 925 → 935/995 = 93.97 % fails
    tables["cohorts"] = set_value(tables["cohorts"], {"year": YEAR}, "graduates", 925)
    q1 = row(scorecard_table(load_tables(tmp_path, tables), MOE2017), "Q1")
    assert q1["value_number"] == pytest.approx(935 / 995)
    assert q1["status"] == "fail"


def test_q4_every_school_at_5_percent(good, tmp_path):
    q4 = row(scorecard_table(good, MOE2017), "Q4")
    assert q4["status"] == "pass"  # J1 at exactly 4000/80000 = 5 % reaches 5 %
    assert "最低 5.0%（城关中学）" in q4["evidence"]
    tables = good_tables()
    tables["budget"] = set_value(tables["budget"], {"school_id": "J1"}, "training_funds_yuan", 3_999)
    q4 = row(scorecard_table(load_tables(tmp_path / "a", tables), MOE2017), "Q4")
    assert q4["status"] == "fail"
    assert q4["value"] == "1/2"
    assert "城关中学 4.999%" in q4["evidence"]  # 3999/80000 shown without rounding up to 5.0 %


def test_q4_school_without_budget_row_is_missing(tmp_path):
    tables = good_tables()
    tables["budget"] = tables["budget"][tables["budget"]["school_id"] == "P1"]
    q4 = row(scorecard_table(load_tables(tmp_path, tables), MOE2017), "Q4")
    assert q4["status"] == "missing"
    assert "无经费数据：城关中学" in q4["evidence"]


def test_q4_falls_back_to_a_county_input(tmp_path):
    tables = good_tables()
    tables["budget"] = None
    ds = load_tables(tmp_path / "a", tables)
    q4 = row(scorecard_table(ds, MOE2017), "Q4")
    assert q4["status"] == "missing" and "budget" in q4["evidence"]
    ci = tables["county_indicators"]
    tables["county_indicators"] = pd.concat(
        [ci, pd.DataFrame([{"year": YEAR, "indicator": "Q4", "value": "是", "evidence": "培训经费决算"}])]
    )
    q4 = row(scorecard_table(load_tables(tmp_path / "b", tables), MOE2017), "Q4")
    assert q4["status"] == "pass"
    assert q4["source"] == "county_indicators"
    assert "采用县级填报" in q4["evidence"] and "培训经费决算" in q4["evidence"]


def test_s1_overall_and_parents(good, tmp_path):
    s1 = row(scorecard_table(good, MOE2017), "S1")
    # (80 + 280)/(100 + 300) = 90 %; parents 80/100 = 80 % reported, not tested
    assert s1["value_number"] == pytest.approx(0.9)
    assert s1["status"] == "pass"
    assert "家长 100 份，满意 80 份（80.0%）" in s1["evidence"]
    tables = good_tables()
    tables["survey"] = set_value(tables["survey"], {"group": "student"}, "satisfied", 250)
    s1 = row(scorecard_table(load_tables(tmp_path, tables), MOE2017), "S1")
    assert s1["value_number"] == pytest.approx(330 / 400)  # 82.5 % < 85 %
    assert s1["status"] == "fail"


def test_recognition_table(good):
    from eduwb.analysis.guarantee import recognition_table

    table = recognition_table(good, MOE2017, year=YEAR)
    assert table["group"].tolist() == ["student", "parent", "all"]
    assert table["rate"].tolist() == pytest.approx([280 / 300, 0.8, 0.9])
    assert table["status"].tolist() == ["pass", "fail", "pass"]


# ----------------------------------------------------------------------------- county inputs


@pytest.mark.parametrize(
    "text, kind, number, fraction",
    [
        ("96.5%", "percent", 0.965, 0.965),
        ("96.5％", "percent", 0.965, 0.965),
        ("0.965", "number", 0.965, 0.965),
        ("96.5", "number", 96.5, 0.965),
        ("6500", "number", 6500.0, 65.0),
        ("6,500元", "number", 6500.0, 65.0),
        ("是", "yes", None, None),
        ("否", "no", None, None),
        ("达标", "yes", None, None),
        ("不达标", "no", None, None),
    ],
)
def test_parse_county_value(text, kind, number, fraction):
    parsed = parse_county_value(text)
    assert parsed.kind == kind
    if number is None:
        assert parsed.number is None
    else:
        assert parsed.number == pytest.approx(number)
    assert (
        (parsed.as_fraction() is None)
        if fraction is None
        else parsed.as_fraction() == pytest.approx(fraction)
    )


@pytest.mark.parametrize("blank", ["", "   ", None])
def test_parse_blank_is_missing(blank):
    assert parse_county_value(blank) is None


def test_parse_full_width_digits():
    parsed = parse_county_value("９６．５％")
    assert parsed.kind == "percent" and parsed.number == pytest.approx(0.965)


@pytest.mark.parametrize(
    "indicator, text, status, number",
    [
        ("G1", "是", "pass", 1.0),
        ("G1", "否", "fail", 0.0),
        ("G1", "0.98", "missing", None),  # a number does not answer a yes/no indicator
        ("G1", None, "missing", None),
        ("Q2", "96.5%", "pass", 0.965),
        ("Q2", "0.965", "pass", 0.965),
        ("Q2", "94.9%", "fail", 0.949),
        ("Q2", "95", "pass", 0.95),
        ("G7", "6000", "pass", 6000.0),
        ("G7", "5999.5", "fail", 5999.5),
        ("G7", "98%", "missing", None),  # a percentage does not fit 元/生
        ("G8", "是", "pass", 1.0),
        ("G8", "1.02", "pass", 1.02),
        ("G8", "0.98", "fail", 0.98),
        ("G8", "否", "fail", 0.0),
        ("G13", "96%", "fail", 0.96),  # one figure: the strictest stage threshold (100 %)
        ("G13", "100%", "pass", 1.0),
        ("G13", "是", "pass", 1.0),
        ("G14", "0.5", "pass", 0.5),
    ],
)
def test_judge_county_value(indicator, text, status, number):
    got, _shown, value, _note = judge_county_value(MOE2017.indicator(indicator), parse_county_value(text))
    assert got == status
    if number is None:
        assert math.isnan(value)
    else:
        assert value == pytest.approx(number)


def test_g13_evidence_says_strictest_stage(good):
    g13 = row(scorecard_table(good, MOE2017), "G13")
    assert "按最严学段标准 100% 判定" in g13["evidence"]
    assert g13["threshold"] == "小学 ≥ 100%，初中 ≥ 95%"


def test_county_row_evidence_and_blank_value(tmp_path):
    tables = good_tables()
    tables["county_indicators"] = set_value(tables["county_indicators"], {"indicator": "Q2"}, "value", "")
    card = scorecard_table(load_tables(tmp_path, tables), MOE2017)
    assert row(card, "Q2")["status"] == "missing"
    assert row(card, "G7")["evidence"] == "县级填报：6500；佐证：G7 文件"
    assert row(card, "G7")["value"] == "6,500"


# ----------------------------------------------------------------------------- missing data


def test_required_tables_only_never_pass_what_they_cannot_show(tmp_path):
    tables = good_tables()
    for name in ("classes", "teachers", "rotations", "cohorts", "budget", "county_indicators", "survey"):
        tables[name] = None
    ds = load_tables(tmp_path, tables)
    card = scorecard_table(ds, MOE2017).set_index("indicator")
    computable = [f"R{i}" for i in range(1, 8)] + ["G3", "G4"]
    assert (card.loc[computable, "status"] == "pass").all()
    others = card.drop(index=computable)
    assert (others["status"] == "missing").all()
    assert others["value_number"].isna().all()
    verdict = county_verdict(ds, MOE2017, YEAR)
    assert verdict["verdict"] == "incomplete" and not verdict["passed"]
    # vetoes are no indicators: listed apart, never under the missing indicators
    assert verdict["missing"] == list(others.index) and verdict["undeclared"] == VETOES
    assert "尚不能认定" in verdict["summary_zh"]
    todo = missing_inputs(scorecard_table(ds, MOE2017))
    assert todo["indicator"].tolist() == [*others.index, *VETOES]


def test_year_without_rows_in_optional_tables_is_missing(tmp_path):
    tables = good_tables(years=(2023, YEAR))
    for name in ("cohorts", "budget", "survey", "county_indicators"):
        tables[name] = tables[name][tables[name]["year"] == 2023]
    card = scorecard_table(load_tables(tmp_path, tables), MOE2017, year=YEAR).set_index("indicator")
    assert card.loc[["Q1", "Q4", "S1", "G1", "Q9"], "status"].tolist() == ["missing"] * 5
    assert f"没有 {YEAR} 年" in card.loc["Q1", "evidence"]


# ----------------------------------------------------------------------------- vetoes and verdict


def test_a_veto_fails_a_county_that_meets_everything(tmp_path):
    tables = good_tables()
    tables["county_indicators"] = set_value(
        tables["county_indicators"], {"indicator": "VETO3"}, "value", "是"
    )
    ds = load_tables(tmp_path, tables)
    card = scorecard_table(ds, MOE2017)
    assert (card["status"] == "pass").all()
    verdict = county_verdict(ds, MOE2017, YEAR)
    assert verdict["verdict"] == "fail" and verdict["passed"] is False
    assert verdict["vetoes"] == ["VETO3"] and verdict["failing"] == []
    assert "一票否决" in verdict["summary_zh"] and "存在重点学校或重点班" in verdict["summary_zh"]
    assert "veto" in verdict["summary_en"]
    table = verdict_table(ds, MOE2017)
    assert table.iloc[0][["resource", "guarantee", "quality", "recognition"]].tolist() == ["pass"] * 4
    assert (table.iloc[0]["vetoes"], table.iloc[0]["verdict"]) == ("VETO3", "fail")
    vetoes = vetoes_table(ds, MOE2017)
    assert vetoes.loc[vetoes["applies"], "veto"].tolist() == ["VETO3"]


def test_undeclared_veto_keeps_the_verdict_incomplete(tmp_path):
    tables = good_tables()
    ci = tables["county_indicators"]
    tables["county_indicators"] = ci[ci["indicator"] != "VETO5"]
    verdict = county_verdict(load_tables(tmp_path, tables), MOE2017, YEAR)
    assert verdict["verdict"] == "incomplete"
    assert verdict["missing"] == [] and verdict["undeclared"] == ["VETO5"]
    assert "未填报“是/否”的一票否决情形 1 项：VETO5" in verdict["summary_zh"]


def test_failing_indicator_names_itself_in_the_verdict(tmp_path):
    tables = good_tables()
    tables["county_indicators"] = set_value(tables["county_indicators"], {"indicator": "G15"}, "value", "80%")
    ds = load_tables(tmp_path, tables)
    verdict = county_verdict(ds, MOE2017, YEAR)
    assert verdict["verdict"] == "fail" and verdict["failing"] == ["G15"]
    assert verdict["dimensions"] == {
        "resource": "pass",
        "guarantee": "fail",
        "quality": "pass",
        "recognition": "pass",
    }
    assert "未达标指标 1 项：G15" in verdict["summary_zh"]


def test_trend_and_changes(tmp_path):
    tables = good_tables(years=(2023, YEAR))
    # 2023: one class of 60 (G5 fails) and no Q9 input (missing); 2024 as good
    tables["classes"] = set_value(tables["classes"], {"class_id": "P1-1", "year": 2023}, "students", 60)
    ci = tables["county_indicators"]
    tables["county_indicators"] = ci[~((ci["indicator"] == "Q9") & (ci["year"] == 2023))]
    ds = load_tables(tmp_path, tables)
    table = verdict_table(ds, MOE2017)
    assert table["year"].tolist() == [2023, YEAR]
    assert table["verdict"].tolist() == ["fail", "pass"]
    assert table.iloc[0]["failing"] == "G5" and table.iloc[0]["missing"] == "Q9"
    assert verdict_table(ds, MOE2017, year=2023)["year"].tolist() == [2023]
    trend = scorecard_trend(ds, MOE2017)
    got = changes(trend)
    assert got.attrs["previous_year"] == 2023
    assert got[["indicator", "previous_status", "status", "change"]].values.tolist() == [
        ["G5", "fail", "pass", "improved"],
        ["Q9", "missing", "pass", "improved"],
    ]
    assert changes(trend, 2023).empty


# ----------------------------------------------------------------------------- refused inputs


def _refused(tmp_path: Path, tables: dict[str, pd.DataFrame]) -> list:
    with pytest.raises(DataError) as info:
        load(write(tmp_path / "bad", tables))
    return [p for p in info.value.problems if p.severity == "error"]


def test_unknown_indicator_id_is_refused(tmp_path):
    tables = good_tables()
    ci = tables["county_indicators"]
    tables["county_indicators"] = pd.concat(
        [ci, pd.DataFrame([{"year": YEAR, "indicator": "G99", "value": "是", "evidence": ""}])],
        ignore_index=True,
    )
    problems = _refused(tmp_path, tables)
    assert len(problems) == 1
    p = problems[0]
    assert (p.file, p.row, p.column, p.value) == ("county_indicators.csv", len(ci) + 2, "indicator", "G99")


def test_percentage_over_100_is_refused(tmp_path):
    tables = good_tables()
    tables["county_indicators"] = set_value(tables["county_indicators"], {"indicator": "Q2"}, "value", "105%")
    problems = _refused(tmp_path, tables)
    row_number = (
        int(tables["county_indicators"].index[tables["county_indicators"]["indicator"] == "Q2"][0]) + 2
    )
    assert [(p.file, p.row, p.column, p.value) for p in problems] == [
        ("county_indicators.csv", row_number, "value", "105%")
    ]


def test_satisfied_above_valid_is_refused(tmp_path):
    tables = good_tables()
    tables["survey"] = set_value(tables["survey"], {"group": "parent"}, "satisfied", 101)
    problems = _refused(tmp_path, tables)
    assert [(p.file, p.row, p.column) for p in problems] == [("survey.csv", 2, "satisfied")]


# ----------------------------------------------------------------------------- privacy


def test_no_teacher_id_in_any_output(good):
    card = scorecard_table(good, MOE2017)
    text = card.to_csv() + verdict_table(good, MOE2017).to_csv() + str(county_verdict(good, MOE2017, YEAR))
    assert "T00" not in text and "T05" not in text


# ----------------------------------------------------------------------------- presentation


def test_charts_and_display_helpers(good):
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    from eduwb.present.charts import scorecard as charts

    card = scorecard_table(good, MOE2017, lang="en")
    dims = dimension_summary(card, MOE2017, "en")
    names = {d: MOE2017.dimension_name(d, "en") for d in MOE2017.raw["dimensions"]}
    assert isinstance(charts.dimension_chart(dims, "en"), Figure)
    verdicts = verdict_table(good, MOE2017)
    assert isinstance(charts.trend_chart(verdicts, names, "en"), Figure)
    shown = charts.localise(verdicts, "zh", {d: MOE2017.dimension_name(d, "zh") for d in names})
    assert shown.columns.tolist()[1:5] == ["资源配置", "政府保障程度", "教育质量", "社会认可度"]
    assert shown["verdict"].tolist() == ["通过"] and shown["资源配置"].tolist() == ["达标"]
    styles = charts.status_styles(shown)
    assert styles.loc[0, "资源配置"] == charts.CELL_CSS["pass"] and styles.loc[0, "year"] == ""
    text = charts.verdict_markdown(county_verdict(good, MOE2017, YEAR), names, "en")
    assert "passed" in text and "all 32 indicators pass" in text
