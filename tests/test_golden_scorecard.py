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
    golden("scorecard_first_year_en", scorecard.scorecard_table(sample_dataset, standard, year=first, lang="en"))


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
        [scorecard.missing_inputs(scorecard.year_card(trend, y)).assign(year=y) for y in sample_dataset.years],
        ignore_index=True,
    )
    golden("scorecard_todo", todo)


def test_scorecard_moe2012(golden, sample_dataset):
    card = scorecard.scorecard_table(sample_dataset, load_standard("moe-2012"))
    assert card["indicator"].tolist() == [f"B{i}" for i in range(1, 9)]
    assert "pass" not in set(card["status"])  # three of the eight CVs lack their data
    golden("scorecard_moe2012", card)


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
    expected = (co["graduates"] - co["transfers_in"] + co["transfers_out"]) / (co["entrants_3y_ago"] - co["deaths"])
    assert table["retention_rate"].tolist() == pytest.approx(expected.tolist())
