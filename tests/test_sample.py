"""The sample county generator: determinism, both input routes, and every designed case.

Each realism test computes its figure from the generated tables with the spec's own rule
(written out here by hand), never from eduwb's analysis code.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from eduwb.data.dataset import load
from eduwb.data.sample import _xlsx_rows, generate_county, write_sample, write_xlsx
from eduwb.data.schema import KINDS, TABLES, chinese_headers
from eduwb.errors import ParameterError

ROOT = Path(__file__).resolve().parents[1]
COMMITTED = ROOT / "data" / "sample"
COMMITTED_XLSX = ROOT / "data" / "sample.xlsx"

# The spec's numbers (standard-moe-2017.md), written here independently of the package.
THRESHOLD = {  # indicator: (primary, junior)
    "R1": (4.2, 5.3),
    "R2": (1.0, 1.0),
    "R3": (0.9, 0.9),
    "R4": (4.5, 5.8),
    "R5": (7.5, 10.2),
    "R6": (2000, 2500),
    "R7": (2.3, 2.4),
}
CV_LIMIT = {"primary": 0.50, "junior": 0.45}
WEIGHTS = {
    "nine_year": {"primary": 1.0, "junior": 1.1},
    "twelve_year": {"primary": 1.0, "junior": 1.1, "senior": 1.32},
    "complete_secondary": {"junior": 1.0, "senior": 1.2},
}
CLASS_STANDARD = {"primary": 45, "junior": 50}


# ----------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("sample") / "county"
    assert write_sample(out) == [out]
    return out


@pytest.fixture(scope="module")
def ds(folder):
    return load(folder)


@pytest.fixture(scope="module")
def years(ds) -> list[int]:
    return ds.years


@pytest.fixture(scope="module")
def kind_of(ds) -> pd.Series:
    return ds.schools.set_index("school_id")["kind"]


@pytest.fixture(scope="module")
def locale_of(ds) -> pd.Series:
    return ds.schools.set_index("school_id")["locale"]


@pytest.fixture(scope="module")
def classes(ds, locale_of) -> pd.DataFrame:
    c = ds.classes.copy()
    c["stage"] = np.where(c["grade"] <= 6, "primary", "junior")
    c["locale"] = c["school_id"].map(locale_of)
    return c


@pytest.fixture(scope="module")
def values(ds, kind_of) -> pd.DataFrame:
    """R1–R7 per school section in scope, facilities split by weighted pupils (spec formula)."""
    sec = ds.sections.assign(kind=ds.sections["school_id"].map(kind_of))
    weight = [WEIGHTS.get(k, {}).get(s, 1.0) for k, s in zip(sec["kind"], sec["stage"], strict=True)]
    sec["wp"] = np.array(weight) * sec["students"]
    sec["share"] = sec["wp"] / sec.groupby(["school_id", "year"])["wp"].transform("sum")
    fac = ds.facilities
    whole = sec.merge(fac[fac["stage"].isna()].drop(columns="stage"), on=["school_id", "year"])
    per_stage = sec.merge(fac[fac["stage"].notna()], on=["school_id", "year", "stage"]).assign(share=1.0)
    v = pd.concat([whole, per_stage], ignore_index=True)
    for col in (
        "teaching_aux_area_m2",
        "indoor_sports_area_m2",
        "sports_field_area_m2",
        "equipment_value_yuan",
        "multimedia_rooms",
    ):
        v[col] = v[col] * v["share"]
    small_tp = (v["kind"] == "teaching_point") & (v["students"] < 50)
    v = v[v["stage"].isin(["primary", "junior"]) & (v["kind"] != "special") & ~small_tp].copy()
    p = v["students"]
    v["R1"] = 100 * v["teachers_above_degree"] / p
    v["R2"] = 100 * v["backbone_teachers"] / p
    v["R3"] = 100 * v["pe_art_teachers"] / p
    v["R4"] = (v["teaching_aux_area_m2"] - v["indoor_sports_area_m2"]) / p
    v["R5"] = (v["indoor_sports_area_m2"] + v["sports_field_area_m2"]) / p
    v["R6"] = v["equipment_value_yuan"] / p
    v["R7"] = 100 * v["multimedia_rooms"] / p
    for r, (prim, jun) in THRESHOLD.items():
        v[f"{r}_ratio"] = v[r] / np.where(v["stage"] == "primary", prim, jun)
    return v


def _band(c: pd.DataFrame) -> pd.Series:
    std = c["stage"].map(CLASS_STANDARD)
    return pd.Series(
        np.select(
            [c["students"] >= 66, c["students"] >= 56, c["students"] > std], ["super", "large", "over"], "ok"
        ),
        index=c.index,
    )


# ----------------------------------------------------------------------------- determinism and routes


def test_regenerated_sample_is_byte_identical_to_committed(folder):
    committed = sorted(p.name for p in COMMITTED.iterdir())
    generated = sorted(p.name for p in folder.iterdir())
    assert generated == committed
    assert {f"{t}.csv" for t in TABLES} | {"county.toml"} == set(committed)
    for name in committed:
        assert (folder / name).read_bytes() == (COMMITTED / name).read_bytes(), name


def test_csv_encoding_and_layout(folder):
    for table in TABLES:
        raw = (folder / f"{table}.csv").read_bytes()
        assert not raw.startswith(b"\xef\xbb\xbf") and b"\r" not in raw
        header = raw.decode("utf-8").split("\n", 1)[0]
        assert header.split(",") == TABLES[table].names


@pytest.mark.slow
def test_xlsx_is_deterministic_and_matches_committed(tmp_path):
    tables = generate_county()
    first = write_xlsx(tmp_path / "a.xlsx", tables)
    assert first.read_bytes() == COMMITTED_XLSX.read_bytes()


def test_xlsx_sheets_have_chinese_headers_and_labels():
    rows = {t: list(_xlsx_rows(t, generate_county()[t])) for t in ("schools", "teachers")}
    for table, sheet in rows.items():
        assert list(sheet[0]) == [chinese_headers(table)[c] for c in TABLES[table].names]
    kinds = {row[2] for row in rows["schools"][1:]}
    assert kinds == set(KINDS.values())
    assert {row[4] for row in rows["teachers"][1:]} == {"男", "女"}
    assert {row[8] for row in rows["teachers"][1:]} <= {"是", "否"}
    assert (ROOT / "data" / "sample.toml").read_bytes() == (COMMITTED / "county.toml").read_bytes()


def test_both_routes_load_without_problems_and_describe_the_same_county(ds):
    from_csv = ds  # the regenerated folder, byte-identical to data/sample (see above)
    from_xlsx = load(COMMITTED_XLSX)
    assert from_csv.warnings == [] and from_xlsx.warnings == []
    assert from_csv.name == from_xlsx.name == "示例县"
    assert from_csv.settings == from_xlsx.settings
    for table in TABLES:
        pd.testing.assert_frame_equal(
            getattr(from_csv, table), getattr(from_xlsx, table), check_dtype=False, obj=table
        )


def test_county_toml_keys_and_milestones(folder):
    raw = tomllib.loads((folder / "county.toml").read_text("utf-8"))
    assert set(raw) == {
        "name",
        "code",
        "province",
        "standard",
        "relaxations_2019",
        "class_size",
        "rotation",
        "unit_costs",
    }
    assert (raw["name"], raw["province"], raw["standard"], raw["relaxations_2019"]) == (
        "示例县",
        "示例省",
        "moe-2017",
        False,
    )
    assert re.fullmatch(r"\d{6}", raw["code"])
    assert [m["max_students"] for m in raw["class_size"]["milestones"]] == [65, 55, "standard"]
    assert raw["rotation"] == {"min_years_at_school": 6, "exempt_age_male": 55, "exempt_age_female": 50}
    assert set(raw["unit_costs"]) == {"teacher_per_year", "building_m2", "sports_field_m2", "multimedia_room"}


def test_two_counties_are_distinct_and_valid(tmp_path):
    paths = write_sample(tmp_path, counties=2, schools=20, years=(2022, 2024))
    assert [p.parent for p in paths] == [tmp_path, tmp_path] and len(set(paths)) == 2
    sets = [load(p) for p in paths]
    assert all(d.warnings == [] for d in sets)
    assert sets[0].name != sets[1].name and sets[0].settings.code != sets[1].settings.code
    assert not set(sets[0].schools["school_id"]) & set(sets[1].schools["school_id"])
    assert not set(sets[0].teachers["teacher_id"]) & set(sets[1].teachers["teacher_id"])
    assert sets[0].years == [2022, 2023, 2024]


def test_bad_arguments_are_refused(tmp_path):
    with pytest.raises(ParameterError):
        write_sample(tmp_path / "x", schools=5)
    with pytest.raises(ParameterError):
        write_sample(tmp_path / "x", counties=2, xlsx=tmp_path / "x.xlsx")
    with pytest.raises(ParameterError):
        write_sample(tmp_path / "x", years=(2025, 2021))


# ----------------------------------------------------------------------------- schools


def test_school_mix(ds, kind_of):
    s = ds.schools
    assert 40 <= len(s) <= 50
    assert set(s["locale"]) == {"urban", "town", "rural"}
    assert (s["sponsor"] == "private").sum() >= 2
    assert (s["kind"] == "nine_year").sum() >= 2
    assert (s["kind"] == "special").sum() == 1
    assert s["boarding"].sum() >= 3
    assert s["built_year"].notna().all()
    upper = s.loc[s["kind"].isin(["twelve_year", "complete_secondary"]), "school_id"]
    assert len(upper) >= 1
    senior = ds.sections[ds.sections["stage"] == "senior"]
    assert set(upper) <= set(senior["school_id"])
    assert set(upper) <= set(ds.teachers.loc[ds.teachers["stage"] == "senior", "school_id"])
    # a 完全中学 has its 初中部
    cs = s.loc[s["kind"] == "complete_secondary", "school_id"]
    assert set(cs) <= set(ds.sections.loc[ds.sections["stage"] == "junior", "school_id"])


def test_teaching_points_on_both_sides_of_fifty(ds, kind_of):
    tp = ds.schools[ds.schools["kind"] == "teaching_point"]
    assert tp["parent_id"].map(kind_of).isin(["primary", "nine_year"]).all()
    assert (tp["parent_id"].map(ds.schools.set_index("school_id")["locale"]) == "rural").all()
    pupils = ds.sections[ds.sections["school_id"].isin(tp["school_id"])]
    for year, group in pupils.groupby("year"):
        assert (group["students"] >= 50).any() and (group["students"] < 50).any(), year
    assert pupils["students"].isin([49, 50]).any()


def test_big_schools_over_the_size_limits(ds, kind_of):
    compulsory = ds.sections[ds.sections["stage"] != "senior"]
    size = compulsory.groupby(["school_id", "year"])["students"].sum().unstack()
    kinds = size.index.map(kind_of)
    single = size[np.isin(kinds, ["primary", "junior"])]
    assert (single > 2000).any(axis=1).sum() >= 2
    # one school drops under 2000 during the period, one stays over
    assert ((single > 2000).any(axis=1) & (single <= 2000).any(axis=1)).any()
    assert (single > 2000).all(axis=1).any()
    nine = size[kinds == "nine_year"]
    assert ((nine > 2500).any(axis=1) & (nine <= 2500).any(axis=1)).any()


# ----------------------------------------------------------------------------- classes


def test_class_rows_add_up_and_ids_are_grade_class(ds, classes):
    totals = classes.groupby(["school_id", "year", "stage"]).agg(
        n=("students", "sum"), k=("class_id", "size")
    )
    sec = ds.sections[ds.sections["stage"] != "senior"].join(totals, on=["school_id", "year", "stage"])
    assert (sec["n"] == sec["students"]).all() and (sec["k"] == sec["classes"]).all()
    parts = classes["class_id"].str.extract(r"^(\d)-(\d+)$").astype(int)
    assert (parts[0] == classes["grade"]).all()
    assert not classes.duplicated(["school_id", "year", "class_id"]).any()
    assert classes["students"].min() >= 2


def test_cohorts_progress_through_the_grades(classes):
    by_grade = classes.groupby(["year", "grade"])["students"].sum().unstack()
    for grade in (2, 3, 4, 5, 6, 8, 9):
        ratio = by_grade[grade].iloc[1:].to_numpy() / by_grade[grade - 1].iloc[:-1].to_numpy()
        assert ((ratio > 0.92) & (ratio < 1.08)).all(), grade


def test_large_and_super_large_classes_in_town_and_urban_schools(classes, years):
    first = classes[classes["year"] == years[0]]
    band = _band(first)
    assert set(first.loc[band == "large", "locale"]) == {"town", "urban"}
    assert set(first.loc[band == "super", "locale"]) == {"town", "urban"}


def test_super_large_class_vanishes_then_reappears(classes, years):
    band = _band(classes)
    per_year = band.eq("super").groupby(classes["year"]).sum()
    assert per_year[years[0]] >= 3 and per_year[years[1]] == 0 and per_year[years[2]] >= 1
    assert (per_year[years[3] :] == 0).all()
    again = set(classes.loc[band.eq("super") & (classes["year"] == years[2]), "school_id"])
    assert again <= set(classes.loc[band.eq("super") & (classes["year"] == years[0]), "school_id"])


def test_large_classes_shrink_unevenly_and_milestones_split(ds, classes):
    big = (classes["students"] >= 56).groupby(classes["year"]).sum()
    assert big.iloc[0] > big.iloc[1] > big.iloc[2] > 0 and (big.iloc[3:] == 0).all()
    over = (classes["students"] > classes["stage"].map(CLASS_STANDARD)).groupby(classes["year"]).sum()
    assert over.iloc[-1] > 0  # the standard is not reached by the last year
    # uneven: some school has more 大班额 in a later year than the year before
    per_school = (classes["students"] >= 56).groupby([classes["school_id"], classes["year"]]).sum().unstack()
    assert (per_school.diff(axis=1) > 0).any(axis=None)
    largest = classes.groupby("year")["students"].max()
    verdicts = []
    for m in ds.settings.milestones:
        held = largest[largest.index >= m["by"]]
        if m["max_students"] == "standard":
            c = classes[classes["year"] >= m["by"]]
            verdicts.append(bool((c["students"] <= c["stage"].map(CLASS_STANDARD)).all()))
        else:
            verdicts.append(bool((held <= m["max_students"]).all()))
    assert True in verdicts and False in verdicts


# ----------------------------------------------------------------------------- facilities and resources


def test_one_multi_stage_school_reports_facilities_per_stage(ds, kind_of):
    per_stage = ds.facilities[ds.facilities["stage"].notna()]
    schools = set(per_stage["school_id"])
    assert len(schools) == 1 and kind_of[next(iter(schools))] in (
        "nine_year",
        "twelve_year",
        "complete_secondary",
    )
    whole = ds.facilities[ds.facilities["stage"].isna()]
    assert len(whole) == (len(ds.schools) - 1) * len(ds.years)
    assert not whole.duplicated(["school_id", "year"]).any()


def test_music_and_art_rooms_missing_or_small(ds):
    f = ds.facilities
    assert (f["music_rooms"] == 0).any() and (f["art_rooms"] == 0).any()
    assert (f["music_room_min_area_m2"] < 96).any() and (f["art_room_min_area_m2"] < 90).any()
    assert f.loc[f["music_rooms"] > 0, "music_room_min_area_m2"].notna().all()
    assert f.loc[f["art_rooms"] > 0, "art_room_min_area_m2"].notna().all()
    # fewer rooms than one per 12 classes somewhere
    classes = ds.sections.groupby(["school_id", "year"])["classes"].sum()
    rooms = f.groupby(["school_id", "year"])["music_rooms"].sum()
    assert (rooms < np.ceil(classes / 12)).any()


def test_rural_schools_short_of_teachers_and_facilities(values, ds, locale_of, years):
    rural = values[values["school_id"].map(locale_of) == "rural"]
    first = rural[rural["year"] == years[0]]
    for r in ("R3", "R4", "R5", "R6", "R7"):
        assert (first[f"{r}_ratio"] < 1).any(), r
    last = rural[rural["year"] == years[-1]]
    assert (last["R3_ratio"] < 1).mean() < (first["R3_ratio"] < 1).mean()


def test_school_rule_improves_unevenly(values, years):
    ratios = values[[f"{r}_ratio" for r in THRESHOLD]]
    met = (ratios >= 1).sum(axis=1)
    passed = (met == 7) | ((met == 6) & (ratios.min(axis=1) >= 0.85))
    by_year = passed.groupby(values["year"]).sum()
    assert by_year[years[-1]] > by_year[years[0]]
    assert not by_year.is_monotonic_increasing or by_year.diff().iloc[1:].nunique() > 1
    assert (~passed[values["year"] == years[-1]]).any()


def test_some_weighted_cvs_cross_their_limit(values):
    crossings = []
    for (stage, r), group in values.melt(
        id_vars=["year", "stage", "students"], value_vars=list(THRESHOLD), var_name="r"
    ).groupby(["stage", "r"]):
        cv = {}
        for year, g in group.groupby("year"):
            p, x = g["students"], g["value"]
            mean = (p * x).sum() / p.sum()
            cv[year] = np.sqrt((p * (x - mean) ** 2).sum() / p.sum()) / mean
        above = [c > CV_LIMIT[stage] for c in cv.values()]
        if any(above) and not all(above):
            crossings.append((stage, r))
    assert len(crossings) >= 2
    assert {s for s, _ in crossings} == {"primary", "junior"}


# ----------------------------------------------------------------------------- teachers and rotation


def test_teacher_rows_match_sections(ds):
    t = ds.teachers
    rows = t.groupby(["school_id", "year", "stage"]).size()
    backbone = t[t["backbone"] != "none"].groupby(["school_id", "year", "stage"]).size()
    sec = ds.sections.set_index(["school_id", "year", "stage"])
    assert (rows.reindex(sec.index, fill_value=0) == sec["teachers"]).all()
    assert (backbone.reindex(sec.index, fill_value=0) == sec["backbone_teachers"]).all()
    for col in ("teachers_above_degree", "backbone_teachers", "pe_art_teachers"):
        assert (sec[col] <= sec["teachers"]).all()
    assert 2000 <= t.groupby("year").size().min() and t.groupby("year").size().max() <= 2800
    assert t["teacher_id"].str.fullmatch(r"T\d{6}").all()


def test_teachers_persist_retire_and_are_hired(ds, years):
    t = ds.teachers
    nxt = t.merge(t.assign(year=t["year"] - 1), on=["teacher_id", "year"], suffixes=("", "_next"))
    stay = nxt["school_id"] == nxt["school_id_next"]
    assert (nxt.loc[stay, "years_at_school_next"] == nxt.loc[stay, "years_at_school"] + 1).all()
    assert (nxt.loc[~stay, "years_at_school_next"] == 0).all()
    assert (nxt["birth_year"] == nxt["birth_year_next"]).all() and (nxt["sex"] == nxt["sex_next"]).all()
    ids = t.groupby("year")["teacher_id"].apply(set)
    for a, b in zip(years, years[1:], strict=False):
        assert ids[a] - ids[b] and ids[b] - ids[a]  # leavers and newcomers every year
        new = t[(t["year"] == b) & ~t["teacher_id"].isin(ids[a])]
        assert (new["years_at_school"] == 0).all()


def test_certificates_and_training_almost_complete_early(ds, years):
    t = ds.teachers
    certified = t.groupby("year")["certified"].mean()
    trained = (t["training_hours_5y"] >= 360).groupby(t["year"]).mean()
    for share in (certified, trained):
        assert 0.97 < share[years[0]] < 1 and share[years[-1]] == 1


def test_rotations_move_teachers_between_schools(ds):
    rot, t = ds.rotations, ds.teachers
    assert (rot["from_school"] != rot["to_school"]).all()
    before = rot.merge(t.assign(year=t["year"] + 1), on=["teacher_id", "year"])
    after = rot.merge(t, on=["teacher_id", "year"])
    assert len(before) == len(after) == len(rot)
    assert (before["school_id"] == before["from_school"]).all() and (
        after["school_id"] == after["to_school"]
    ).all()
    assert rot["mode"].nunique() == 5


def test_rotation_ratio_and_backbone_share_near_the_lines(ds, years, locale_of):
    t, rot = ds.teachers, ds.rotations
    age = t["year"] - t["birth_year"]
    exempt = np.where(t["sex"] == "male", age >= 55, age >= 50)
    eligible = t[(t["years_at_school"] >= 6) & ~exempt].groupby("year").size()
    rotated = rot.groupby("year").size()
    ratio = rotated / eligible.shift(1).reindex(rotated.index)
    assert set(rotated.index) == set(years[1:])
    assert ratio.between(0.07, 0.13).all()
    assert (ratio < 0.10).sum() == 1
    prev = rot.merge(
        t.assign(year=t["year"] + 1)[["teacher_id", "year", "backbone"]], on=["teacher_id", "year"]
    )
    share = (prev["backbone"] != "none").groupby(prev["year"]).mean()
    assert share.between(0.20, 0.30).all()
    to_rural = rot["to_school"].map(locale_of) == "rural"
    from_rural = rot["from_school"].map(locale_of) == "rural"
    assert to_rural.mean() > 0.5 and to_rural.sum() > 3 * from_rural.sum()


# ----------------------------------------------------------------------------- county-level tables


def test_retention_one_year_below_95(ds, years):
    c = ds.cohorts.set_index("year")
    assert list(c.index) == years
    q1 = (c["graduates"] - c["transfers_in"] + c["transfers_out"]) / (c["entrants_3y_ago"] - c["deaths"])
    assert q1.between(0.93, 0.98).all() and (q1 < 0.95).sum() == 1


def test_training_budget_mostly_over_five_percent(ds, years):
    b = ds.budget
    assert len(b) == len(ds.schools) * len(years)
    share = b["training_funds_yuan"] / b["public_funds_yuan"]
    below = (share < 0.05).groupby(b["year"]).sum()
    assert 0 < below[years[0]] <= 4 and below[years[1]] > 0 and (below[years[2] :] == 0).all()


def test_county_indicators(ds, years):
    from eduwb.data.values import parse_county_value

    ci = ds.county_indicators
    ids = ["G1", "G2", "G6", "G7", "G8", "G10", "G13", "G14", "G15", "Q2", "Q3", "Q5", "Q6", "Q7", "Q8", "Q9"]
    vetoes = [f"VETO{i}" for i in range(1, 7)]
    present = ci.groupby("year")["indicator"].apply(set)
    missing = {y: set(ids + vetoes) - present[y] for y in years}
    assert sum(len(m) for m in missing.values()) == 1
    assert (ci.loc[ci["indicator"].isin(vetoes), "value"] == "否").all()
    parsed = ci["value"].map(parse_county_value)
    assert not parsed.map(lambda p: p is None or p.kind == "unreadable").any()
    assert ci["value"].str.endswith("%").any() and ci["value"].isin(["是"]).any()
    assert ci["value"].str.fullmatch(r"0\.\d+").any() and ci["value"].str.fullmatch(r"\d{4}").any()
    assert ci["evidence"].notna().all()
    g15 = (
        ci[ci["indicator"] == "G15"]
        .set_index("year")["value"]
        .map(lambda v: parse_county_value(v).as_fraction())
    )
    assert g15[years[0]] < 0.85 <= g15[years[-1]]


def test_survey_groups_and_satisfaction(ds, years):
    s = ds.survey
    assert (s.groupby("year")["group"].nunique() == 7).all() and list(s["year"].unique()) == years
    assert (s["satisfied"] <= s["valid"]).all()
    overall = s.groupby("year")["satisfied"].sum() / s.groupby("year")["valid"].sum()
    assert overall.between(0.85, 0.92).all()
    parent = s[s["group"] == "parent"].set_index("year")
    parent_rate = parent["satisfied"] / parent["valid"]
    assert parent_rate[years[0]] < 0.85 and (parent_rate < overall).all()
