"""Golden backtests: the scorecard, the verdict and the G3/Q1/Q4/S1 tables on data/sample.

Rewrite with ``pytest --update-golden tests/test_golden_scorecard.py`` after an intended
change (of the sample or of a rule), and review the diff.
"""

from __future__ import annotations

import pandas as pd
import pytest

from eduwb.analysis import guarantee, scorecard
from eduwb.standards import load_standard
from eduwb.tables import compute


@pytest.fixture(scope="module")
def trend(sample_dataset, standard):
    return scorecard.scorecard_trend(sample_dataset, standard)


def test_scorecard_latest(golden, sample_dataset, standard):
    card = scorecard.scorecard_table(sample_dataset, standard)
    assert len(card) == 32
    golden("scorecard", card)


def test_scorecard_first_year_english(golden, sample_dataset, standard):
    first = sample_dataset.years[0]
    golden(
        "scorecard_first_year_en", scorecard.scorecard_table(sample_dataset, standard, year=first, lang="en")
    )


def test_scorecard_trend_matches_each_year(trend, sample_dataset, standard):
    """The trend is the yearly scorecards stacked: no second path to a result."""
    for year in sample_dataset.years:
        card = scorecard.scorecard_table(sample_dataset, standard, year=year)
        pd.testing.assert_frame_equal(scorecard.year_card(trend, year), card)


def test_verdict(golden, trend, sample_dataset, standard):
    table = compute("verdict", sample_dataset, standard)
    pd.testing.assert_frame_equal(table, scorecard.verdicts(trend, standard))
    golden("scorecard_verdict", table)


def test_county_verdict(golden, sample_dataset, standard):
    verdict = scorecard.county_verdict(sample_dataset, standard, sample_dataset.years[-1])
    assert set(verdict) >= {"passed", "verdict", "summary_zh", "summary_en", "failing", "missing", "vetoes"}
    row = {k: (",".join(v) if isinstance(v, list) else v) for k, v in verdict.items() if k != "dimensions"}
    golden("scorecard_county_verdict", pd.DataFrame([{**row, **verdict["dimensions"]}]))


def test_changes_and_todo(golden, trend, sample_dataset):
    frames = []
    for year in sample_dataset.years:
        changed = scorecard.changes(trend, year)
        frames.append(changed.assign(year=year))
    golden("scorecard_changes", pd.concat(frames, ignore_index=True))
    todo = pd.concat(
        [
            scorecard.missing_inputs(scorecard.year_card(trend, y)).assign(year=y)
            for y in sample_dataset.years
        ],
        ignore_index=True,
    )
    golden("scorecard_todo", todo)


def test_scorecard_moe2012(golden, sample_dataset):
    card = scorecard.scorecard_table(sample_dataset, load_standard("moe-2012"))
    assert card["indicator"].tolist() == [f"B{i}" for i in range(1, 9)]
    # the sample gives computers, books and intermediate titles: all eight CVs are computed and
    # the composite (their mean) is judged, so no row is missing
    assert set(card["status"]) <= {"pass", "fail"}
    golden("scorecard_moe2012", card)


MOE2012_FORMULAS = {
    "B1": lambda v: (v["teaching_aux_area_m2"] - v["indoor_sports_area_m2"]) / v["students"],
    "B2": lambda v: (v["indoor_sports_area_m2"] + v["sports_field_area_m2"]) / v["students"],
    "B3": lambda v: v["equipment_value_yuan"] / v["students"],
    "B4": lambda v: 100 * v["computers"] / v["students"],
    "B5": lambda v: v["books"] / v["students"],
    "B6": lambda v: 100 * v["teachers"] / v["students"],
    "B7": lambda v: 100 * v["teachers_above_degree"] / v["students"],
    "B8": lambda v: 100 * v["intermediate_title_teachers"] / v["students"],
}


def test_moe2012_eight_cvs_and_composite_by_hand(sample_dataset):
    """The eight CVs and the composite, recomputed from the CSV files with the spec's formulas.

    moe-2012: public 小学/初中 sections (no teaching points, private or special schools); whole-school
    facilities split by weighted pupils (九年一贯制 1 : 1.1, 十二年一贯制 1 : 1.1 : 1.32, 完全中学
    初中 : 高中 = 1 : 1.2); CV = sqrt(Σ P·(X − X̄)² / P) / X̄ with X̄ = Σ P·X / P; composite = mean
    of the eight, limits 0.65 小学 / 0.55 初中.
    """
    from pathlib import Path

    import numpy as np

    folder = Path(__file__).resolve().parents[1] / "data" / "sample"
    year = sample_dataset.years[-1]
    schools = pd.read_csv(folder / "schools.csv", dtype={"school_id": str}).set_index("school_id")
    sec = pd.read_csv(folder / "sections.csv", dtype={"school_id": str})
    fac = pd.read_csv(folder / "facilities.csv", dtype={"school_id": str})
    sec, fac = sec[sec["year"] == year].copy(), fac[fac["year"] == year]
    sec["kind"] = sec["school_id"].map(schools["kind"])
    weights = {
        "nine_year": {"junior": 1.1},
        "twelve_year": {"junior": 1.1, "senior": 1.32},
        "complete_secondary": {"senior": 1.2},
    }
    sec["wp"] = [
        weights.get(k, {}).get(s, 1.0) * n
        for k, s, n in zip(sec["kind"], sec["stage"], sec["students"], strict=True)
    ]
    sec["share"] = sec["wp"] / sec.groupby("school_id")["wp"].transform("sum")
    amounts = [
        "teaching_aux_area_m2",
        "indoor_sports_area_m2",
        "sports_field_area_m2",
        "equipment_value_yuan",
        "computers",
        "books",
    ]
    whole = sec.merge(fac[fac["stage"].isna()][["school_id", *amounts]], on="school_id")
    whole[amounts] = whole[amounts].mul(whole["share"], axis=0)
    staged = sec.merge(fac[fac["stage"].notna()][["school_id", "stage", *amounts]], on=["school_id", "stage"])
    v = pd.concat([whole, staged], ignore_index=True)
    public = v["school_id"].map(schools["sponsor"]) == "public"
    v = v[v["stage"].isin(["primary", "junior"]) & ~v["kind"].isin(["special", "teaching_point"]) & public]

    table = compute("balance", sample_dataset, load_standard("moe-2012"), year=year).set_index(
        ["stage", "indicator"]
    )
    for stage in ("primary", "junior"):
        part = v[v["stage"] == stage]
        p = part["students"].to_numpy(dtype=float)
        cvs = []
        for ind, formula in MOE2012_FORMULAS.items():
            x = formula(part).to_numpy(dtype=float)
            mean = (p * x).sum() / p.sum()
            cvs.append(np.sqrt((p * (x - mean) ** 2).sum() / p.sum()) / mean)
            assert float(table.loc[(stage, ind), "cv"]) == pytest.approx(cvs[-1], rel=1e-9), (stage, ind)
        composite = table.loc[(stage, "composite")]
        assert float(composite["cv"]) == pytest.approx(np.mean(cvs), rel=1e-9)
        assert float(composite["limit"]) == {"primary": 0.65, "junior": 0.55}[stage]
        assert bool(composite["passes"]) == (np.mean(cvs) <= {"primary": 0.65, "junior": 0.55}[stage])


def test_guarantee_tables(golden, sample_dataset, standard):
    year = sample_dataset.years[-1]
    golden("guarantee_music_art_rooms", guarantee.music_art_rooms_table(sample_dataset, standard, year=year))
    golden("guarantee_retention", guarantee.retention_table(sample_dataset, standard))
    golden("guarantee_training_funds", guarantee.training_funds_table(sample_dataset, standard, year=year))
    golden("guarantee_recognition", guarantee.recognition_table(sample_dataset, standard))


def test_retention_by_hand(sample_dataset, standard):
    """Q1 recomputed from the cohorts file with the spec's formula, row by row."""
    co = sample_dataset.cohorts.sort_values("year")
    table = guarantee.retention_table(sample_dataset, standard)
    expected = (co["graduates"] - co["transfers_in"] + co["transfers_out"]) / (
        co["entrants_3y_ago"] - co["deaths"]
    )
    assert table["retention_rate"].tolist() == pytest.approx(expected.tolist())
