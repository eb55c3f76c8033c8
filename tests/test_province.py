"""The province view: every table against each county's own results, computed here separately.

A small multi-county sample (one county of each development level, 20 schools, 2021–2025) is
generated once; every figure of the province tables is compared with what the county-level
functions give for that county alone, or with numbers computed here from them.
"""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from eduwb.analysis import balance, classsize, province, resources, rotation, scorecard
from eduwb.analysis.pathway import MOVABLE, bill_rows, pathway
from eduwb.data.dataset import load
from eduwb.data.province import county_sources, load_province
from eduwb.data.sample import DEVELOPMENT_LEVELS, development_level, write_sample
from eduwb.errors import DataError, ParameterError
from eduwb.standards import load_standard

pytestmark = pytest.mark.slow  # about 20 s in all: kept out of `make quick`

STD = load_standard("moe-2017")
YEAR = 2024


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    out = tmp_path_factory.mktemp("province")
    write_sample(out, counties=4, schools=20, years=(2021, 2025), workers=1)
    return out


@pytest.fixture(scope="module")
def pooled(folder):
    return load_province(folder)


@pytest.fixture(scope="module")
def counties(pooled):
    return {c.name: c for c in pooled.counties}


@pytest.fixture(scope="module")
def table(pooled):
    return province.counties_table(pooled, STD, year=YEAR)


# ----------------------------------------------------------------------------- loading


def test_a_folder_of_counties_is_loaded_and_pooled(folder, pooled):
    assert [p.name for p in county_sources(folder)] == ["示例县01", "示例县02", "示例县03", "示例县04"]
    assert pooled.name == "示例省" and [c.name for c in pooled.counties] == [
        "示例县01",
        "示例县02",
        "示例县03",
        "示例县04",
    ]
    assert len(pooled.schools) == sum(len(c.schools) for c in pooled.counties)
    # a list of county folders is the same province
    assert [p.name for p in county_sources([folder / "示例县02", folder / "示例县01"])] == [
        "示例县02",
        "示例县01",
    ]
    with pytest.raises(ParameterError, match="twice"):
        county_sources([folder, folder / "示例县01"])
    with pytest.raises(ParameterError, match="no such"):
        county_sources(folder / "nowhere")


def test_a_broken_county_is_named_in_the_problems(folder, tmp_path):
    shutil.copytree(folder / "示例县01", tmp_path / "甲县")
    shutil.copytree(folder / "示例县02", tmp_path / "乙县")
    sections = pd.read_csv(tmp_path / "乙县" / "sections.csv", dtype=str)
    sections.loc[0, "students"] = "-5"
    sections.to_csv(tmp_path / "乙县" / "sections.csv", index=False)
    with pytest.raises(DataError) as err:
        load_province(tmp_path)
    assert err.value.problems and all(p.file.startswith("乙县/") for p in err.value.problems)


def test_two_counties_sharing_a_school_id_are_refused(folder, tmp_path):
    shutil.copytree(folder / "示例县01", tmp_path / "a")
    shutil.copytree(folder / "示例县01", tmp_path / "b")
    toml = (
        (tmp_path / "b" / "county.toml")
        .read_text(encoding="utf-8")
        .replace('name = "示例县01"', 'name = "别县"')
    )
    (tmp_path / "b" / "county.toml").write_text(toml, encoding="utf-8")
    with pytest.raises(DataError, match="also a school of"):
        load_province(tmp_path)


def test_sample_counties_take_the_development_levels_in_turn():
    assert development_level(0, 1) is None
    assert [development_level(i, 7) for i in range(7)] == [*DEVELOPMENT_LEVELS, *DEVELOPMENT_LEVELS[:2]]


# ----------------------------------------------------------------------------- counties


def test_counties_rows_equal_each_countys_own_results(table, counties):
    assert list(table["county"].unique()) == list(counties)
    for name, ds in counties.items():
        own = table[table["county"] == name].set_index("year")
        verdicts = scorecard.verdict_table(ds, STD, year=YEAR).set_index("year")
        assert list(own.index) == [y for y in ds.years if y <= YEAR]
        for year in own.index:
            row, verdict = own.loc[year], verdicts.loc[year]
            assert row["verdict"] == verdict["verdict"]
            for dim in STD.raw["dimensions"]:
                assert row[dim] == verdict[dim]
            card = scorecard.scorecard_table(ds, STD, year=year)
            for dim in STD.raw["dimensions"]:
                failing = card[(card["dimension"] == dim) & (card["status"] == "fail")]["indicator"].tolist()
                assert row[f"failing_{dim}"] == ",".join(failing), (name, year, dim)
            assert row["failing_count"] == (card["status"] == "fail").sum()
            assert row["missing"] == verdict["missing"]
            assert row["vetoes"] == verdict["vetoes"]

            rule = balance.compliance_table(ds, STD, year=year)
            assert (row["schools"], row["schools_passing"]) == (len(rule), int(rule["passes"].sum()))
            cvs = balance.balance_table(ds, STD, year=year)
            for r in cvs.itertuples():
                column = (
                    f"composite_{r.stage}" if r.indicator == "composite" else f"cv_{r.stage}_{r.indicator}"
                )
                assert row[column] == pytest.approx(float(r.cv), rel=1e-12), (name, year, column)
            bands = classsize.classsize_table(ds, STD, year=year)
            assert (row["large"], row["super_large"]) == (bands["large"].sum(), bands["super_large"].sum())
            ratio = rotation.rotation_table(ds, STD, year=year)["ratio"].iloc[0]
            if pd.isna(ratio):
                assert pd.isna(row["rotation_ratio"])
            else:
                assert row["rotation_ratio"] == pytest.approx(float(ratio), rel=1e-12)


def test_counties_by_stage_keeps_that_stages_columns(pooled, counties):
    junior = province.counties_table(pooled, STD, year=YEAR, stage="junior")
    assert not [c for c in junior.columns if "primary" in c]
    name = next(iter(counties))
    rule = balance.compliance_table(counties[name], STD, year=YEAR, stage="junior")
    row = junior[(junior["county"] == name) & (junior["year"] == YEAR)].iloc[0]
    assert row["schools"] == len(rule) and row["schools_passing"] == rule["passes"].sum()


def test_the_sample_levels_show_in_the_verdicts(table):
    last = table[table["year"] == YEAR].set_index("county")["verdict"]
    levels = dict(zip(last.index, DEVELOPMENT_LEVELS, strict=False))
    assert [last[c] for c, level in levels.items() if level == "advanced"] == ["pass"]
    assert all(last[c] == "fail" for c, level in levels.items() if level != "advanced")
    vetoed = table[table["vetoes"] != ""]
    assert set(vetoed["county"]) == {c for c, level in levels.items() if level == "far"}
    assert set(vetoed["year"]) == {2021, 2022}


# ----------------------------------------------------------------------------- readiness


def test_readiness_follows_its_definition(pooled, counties):
    # "could pass next year" = every failing indicator is one the pathway moves (R1–R7, G3, G4,
    # G5, G9, G11, G12), within the county's cap (none set here), nothing missing, no veto
    ready = province.readiness_table(pooled, STD, year=YEAR)
    assert list(ready["rank"]) == list(range(1, len(counties) + 1))
    for row in ready.itertuples():
        ds = counties[row.county]
        verdict = scorecard.verdict_table(ds, STD, year=YEAR).set_index("year").loc[YEAR]
        failing = [i for i in verdict["failing"].split(",") if i]
        blocking = [i for i in failing if i not in MOVABLE]
        assert row.blocking == ",".join(blocking)
        expected = (
            "passes" if verdict["verdict"] == "pass"
            else "vetoed" if verdict["vetoes"]
            else "far" if blocking
            else "incomplete" if verdict["missing"]
            else "next_year"
        )  # fmt: skip
        assert row.readiness == expected, row.county
        cost = pathway(ds, STD, YEAR).actions["cost_yuan"].sum()
        assert row.plan_cost_yuan == pytest.approx(cost, rel=1e-12)
    order = {r: i for i, r in enumerate(province.READINESS)}
    assert list(ready["readiness"].map(order)) == sorted(ready["readiness"].map(order))
    levels = dict(zip(counties, DEVELOPMENT_LEVELS, strict=False))
    by_level = {levels[r.county]: r.readiness for r in ready.itertuples()}
    assert by_level["advanced"] == "passes" and by_level["improving"] == "next_year"


def test_a_next_year_county_passes_once_its_pathway_is_applied(pooled, counties):
    now = province.readiness_table(pooled, STD, year=YEAR)
    ready = now.loc[now["readiness"] == "next_year", "county"]
    assert len(ready)
    for county in ready:
        after = pathway(counties[county], STD, YEAR).applied
        assert scorecard.county_verdict(after, STD, YEAR)["verdict"] == "pass", county


def test_a_pathway_dearer_than_the_cap_blocks(pooled, counties):
    now = province.readiness_table(pooled, STD, year=YEAR).set_index("county")
    county = now.index[now["readiness"] == "next_year"][0]
    ds = counties[county]
    saved = dict(ds.settings.pathway)
    try:
        ds.settings.pathway["annual_budget_yuan"] = float(now.loc[county, "plan_cost_yuan"]) - 1
        pooled.memo.results.clear()
        capped = province.readiness_table(pooled, STD, year=YEAR).set_index("county")
        assert capped.loc[county, "readiness"] == "far" and capped.loc[county, "blocking"].endswith("budget")
    finally:
        ds.settings.pathway.clear()
        ds.settings.pathway.update(saved)
        pooled.memo.results.clear()


def test_readiness_refuses_a_stage_and_unknown_parameters(pooled):
    with pytest.raises(ParameterError):
        province.readiness_table(pooled, STD, year=YEAR, stage="primary")
    with pytest.raises(ParameterError, match="unknown parameter"):
        province.readiness_table(pooled, STD, year=YEAR, coffee="1")
    with pytest.raises(ParameterError):
        province.counties_table(pooled, STD, year=YEAR, teacher_per_year="1")


def test_unit_cost_overrides_reach_every_countys_plan(pooled, counties):
    dear = province.bill_table(pooled, STD, year=YEAR, teacher_per_year="240000")
    paths = [pathway(ds, STD, YEAR, teacher_per_year="240000").total_yuan for ds in counties.values()]
    assert dear["cost_yuan"].sum() == pytest.approx(sum(paths), rel=1e-12)
    base = province.bill_table(pooled, STD, year=YEAR)
    assert dear["cost_yuan"].sum() > base["cost_yuan"].sum()


# ----------------------------------------------------------------------------- province balance


def test_province_balance_summarises_the_county_cvs(pooled, counties):
    spread = province.province_balance_table(pooled, STD, year=YEAR)
    per_county = {
        (name, y): balance.balance_table(ds, STD, year=y).set_index(["stage", "indicator"])["cv"]
        for name, ds in counties.items()
        for y in ds.years
        if y <= YEAR
    }
    for r in spread.itertuples():
        cvs = np.array(
            [float(s[(r.stage, r.indicator)]) for (name, y), s in per_county.items() if y == r.year]
        )
        assert r.counties == len(cvs)
        assert (r.min, r.median, r.max) == pytest.approx((cvs.min(), np.median(cvs), cvs.max()), rel=1e-12)
        assert (r.q1, r.q3) == pytest.approx(tuple(np.percentile(cvs, [25, 75])), rel=1e-12)
        if r.indicator != "composite":
            assert r.counties_over == int((cvs > r.limit).sum())


def test_the_provinces_own_cv_is_over_every_school(pooled, counties):
    spread = province.province_balance_table(pooled, STD, year=YEAR).set_index(["year", "stage", "indicator"])
    values = pd.concat([resources.section_values(ds, STD, years=[YEAR]) for ds in counties.values()])
    for stage in STD.stages:
        part = values[values["stage"] == stage]
        cvs = []
        for ind in resources.indicator_ids(STD):
            cv = balance.weighted_cv(part[ind].to_numpy(dtype=float), part["students"].to_numpy(dtype=float))
            cvs.append(cv)
            assert spread.loc[(YEAR, stage, ind), "province_cv"] == pytest.approx(cv, rel=1e-9)
        assert spread.loc[(YEAR, stage, "composite"), "province_cv"] == pytest.approx(
            sum(cvs) / len(cvs), rel=1e-9
        )


def test_province_balance_by_county_is_each_countys_balance(pooled, counties):
    rows = province.province_balance_table(pooled, STD, year=YEAR, by="county")
    name, ds = next(iter(counties.items()))
    mine = (
        rows[(rows["county"] == name) & (rows["year"] == YEAR)]
        .drop(columns=["county", "year"])
        .reset_index(drop=True)
    )
    own = balance.balance_table(ds, STD, year=YEAR)[mine.columns]
    pd.testing.assert_frame_equal(mine, own, check_exact=False, rtol=1e-12)


# ----------------------------------------------------------------------------- the bill


def test_the_bill_is_the_sum_of_the_county_pathways(pooled, counties):
    bill = province.bill_table(pooled, STD, year=YEAR).set_index(["stage", "indicator"])
    paths = {name: pathway(ds, STD, YEAR) for name, ds in counties.items()}
    rows = pd.concat([bill_rows(pw.actions).assign(county=name) for name, pw in paths.items()])
    for (stage, item), row in bill.iterrows():
        part = rows[(rows["stage"] == stage) & (rows["indicator"] == item)]
        assert row["addition"] == pytest.approx(part["addition"].sum(), rel=1e-12, abs=1e-9)
        assert row["cost_yuan"] == pytest.approx(part["cost_yuan"].sum(), rel=1e-12, abs=1e-9)
        assert row["counties"] == part["county"].nunique()
    # every action's cost is in the bill once: the bill's total is the pathways' total
    assert bill["cost_yuan"].sum() == pytest.approx(sum(pw.total_yuan for pw in paths.values()), rel=1e-12)
    by_county = province.bill_table(pooled, STD, year=YEAR, by="county")
    assert by_county.groupby("county")["cost_yuan"].sum().to_dict() == pytest.approx(
        {name: pw.total_yuan for name, pw in paths.items() if pw.total_yuan > 0}, rel=1e-12
    )
    # teachers are people: each hire counted once, whole
    hires = sum(
        pw.actions.loc[pw.actions["action"].isin(["hire_teachers", "staff_new_campus"]), "quantity"].sum()
        for pw in paths.values()
    )
    teachers = bill.xs("teachers", level="indicator")["addition"]
    assert teachers.sum() == hires and (teachers == teachers.round()).all()


# ----------------------------------------------------------------------------- one county, the CLI


def test_a_single_county_is_a_province_of_one(counties):
    name, ds = next(iter(counties.items()))
    own = province.counties_table(ds, STD, year=YEAR)
    assert set(own["county"]) == {name} and len(own) == len([y for y in ds.years if y <= YEAR])


def test_scorecard_trend_equals_the_scorecards_year_by_year(counties):
    ds = list(counties.values())[2]
    for std in (STD, load_standard("moe-2012")):
        trend = scorecard.scorecard_trend(ds, std)
        each = pd.concat(
            [scorecard.scorecard_table(ds, std, year=y).assign(year=y) for y in ds.years], ignore_index=True
        )
        pd.testing.assert_frame_equal(trend, each[trend.columns], check_exact=True)


def test_bill_first_then_the_trend_tables_give_what_they_give_alone(folder):
    # the view computes each part when a table first asks: any order, the same tables
    first = load_province(folder)
    bill = province.bill_table(first, STD, year=YEAR, by="county")
    ready = province.readiness_table(first, STD, year=YEAR)
    counties_first = province.counties_table(first, STD, year=YEAR)
    second = load_province(folder)
    pd.testing.assert_frame_equal(province.counties_table(second, STD, year=YEAR), counties_first)
    pd.testing.assert_frame_equal(province.readiness_table(second, STD, year=YEAR), ready)
    pd.testing.assert_frame_equal(province.bill_table(second, STD, year=YEAR, by="county"), bill)


def test_eduwb_table_reads_a_folder_of_counties(folder, capsys):
    from eduwb.cli import main

    assert main(["table", "readiness", str(folder), "--year", str(YEAR), "--format", "csv"]) == 0
    out = pd.read_csv(__import__("io").StringIO(capsys.readouterr().out))
    assert list(out["rank"]) == [1, 2, 3, 4] and out.loc[0, "readiness"] == "passes"
    assert (
        main(["table", "bill", str(folder), "--year", str(YEAR), "--by", "county", "--format", "json"]) == 0
    )
    assert '"county"' in capsys.readouterr().out
    assert main(["table", "bill", str(folder), "--by", "school"]) == 2
    assert "by must be 'county'" in capsys.readouterr().err


def test_load_of_a_county_inside_is_the_same_dataset(folder, counties):
    ds = load(folder / "示例县02")
    assert ds.name == "示例县02" and math.isclose(
        ds.sections["students"].sum(), counties["示例县02"].sections["students"].sum()
    )


def test_under_moe_2012_there_is_no_plan_and_no_per_school_rule(pooled):
    std = load_standard("moe-2012")
    table = province.counties_table(pooled, std, year=YEAR)
    assert table["schools_passing"].isna().all() and (table["schools"] > 0).all()
    assert [c for c in table.columns if c.startswith("cv_primary_")] == [
        f"cv_primary_B{i}" for i in range(1, 9)
    ]
    ready = province.readiness_table(pooled, std, year=YEAR)
    assert ready["plan_cost_yuan"].isna().all() and ready["plan_note"].str.contains("moe-2012").all()
    assert province.bill_table(pooled, std, year=YEAR)["cost_yuan"].sum() == 0


def test_the_committed_province_sample_is_what_eduwb_sample_writes(tmp_path):
    committed = Path(__file__).resolve().parents[1] / "data" / "province-sample"
    write_sample(tmp_path, counties=6, schools=20, workers=1)
    written = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    assert written == sorted(p.relative_to(committed) for p in committed.rglob("*") if p.is_file())
    for name in written:
        assert (tmp_path / name).read_bytes() == (committed / name).read_bytes(), name
