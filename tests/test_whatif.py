"""The what-if simulator (eduwb.analysis.whatif) against hand computations and the real analyses."""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from eduwb.analysis import balance, plan, scorecard, whatif
from eduwb.data.dataset import load
from eduwb.errors import InputError, ParameterError
from eduwb.standards import load_standard

COUNTY = Path(__file__).parent / "fixtures" / "whatif_county"


@pytest.fixture(scope="module")
def std():
    return load_standard("moe-2017")


@pytest.fixture(scope="module")
def county(std):
    ds = load(COUNTY)
    return ds, whatif.prepare(ds, std)


def _row(state, school_id):
    return int(np.flatnonzero(state.sections["school_id"].to_numpy() == school_id)[0])


def test_the_hand_built_county_fails_on_r2_alone(county):
    _, state = county
    result = whatif.apply(state)
    assert result.verdict == "fail"
    assert result.failing == ["R2"]
    assert result.passes.tolist() == [True, True, True, False]  # 小河第四小学: R2 0.5 < 85 % of 1.0
    assert result.cost_yuan == 0


def test_two_backbone_pe_teachers_at_one_school_as_computed_by_hand(county):
    _, state = county
    change = whatif.hire(state, "X04", "primary", 2, above_degree=True, backbone=True, pe_art=True)
    result = whatif.apply(state, [change])
    x04 = _row(state, "X04")
    r = {ind: j for j, ind in enumerate(state.ids)}
    # X04: 400 pupils, 19 above degree, 2 backbone, 4 PE/art teachers (sections.csv) + 2 each
    assert result.values[x04, r["R1"]] == pytest.approx(100 * 21 / 400)
    assert result.values[x04, r["R2"]] == pytest.approx(100 * 4 / 400)  # 1.0: reaches the threshold 1.0
    assert result.values[x04, r["R3"]] == pytest.approx(100 * 6 / 400)
    assert result.met_count[x04] == 7 and result.passes[x04]
    # the student-weighted CV of R2 over the four schools, by hand (population form)
    pupils = [500, 450, 420, 400]
    backbone = [6, 5, 5, 4]
    x = [100 * b / p for b, p in zip(backbone, pupils, strict=True)]
    mean = sum(b * 100 for b in backbone) / sum(pupils)  # Σ Pi·Xi / P = 100 Σ backbone / P
    sd = math.sqrt(sum(p * (xi - mean) ** 2 for p, xi in zip(pupils, x, strict=True)) / sum(pupils))
    assert result.cv[0, r["R2"]] == pytest.approx(sd / mean, rel=1e-12)
    assert result.resource_status["R2"] == "pass"
    assert result.verdict == "pass" and result.failing == []
    assert result.dimensions == {
        "resource": "pass",
        "guarantee": "pass",
        "quality": "pass",
        "recognition": "pass",
    }
    assert result.cost_yuan == 2 * 120_000  # a teacher costs teacher_per_year once, whatever he counts in


def test_moving_teachers_costs_nothing_and_can_break_the_sender(county):
    _, state = county
    r2 = state.ids.index("R2")
    one = whatif.move_teacher(state, ("X01", "primary"), ("X04", "primary"), backbone=True)
    result = whatif.apply(state, one)
    assert result.values[_row(state, "X01"), r2] == pytest.approx(100 * 5 / 500)  # 1.0
    assert result.values[_row(state, "X04"), r2] == pytest.approx(100 * 3 / 400)  # 0.75 < 0.85: still failing
    assert result.passes.tolist() == [True, True, True, False]
    assert result.cost_yuan == 0
    two = whatif.move_teacher(state, ("X01", "primary"), ("X04", "primary"), teachers=2, backbone=True)
    result = whatif.apply(state, two)
    assert result.values[_row(state, "X01"), r2] == pytest.approx(0.8)  # now the sender is under 85 %
    assert result.values[_row(state, "X04"), r2] == pytest.approx(1.0)
    assert result.passes.tolist() == [False, True, True, True]
    assert result.verdict == "fail"


def test_the_simulator_agrees_with_the_real_scorecard_on_changed_data(county, std, tmp_path):
    """Independent check: write the change into the county's CSV files and judge them anew."""
    _, state = county
    folder = tmp_path / "county"
    shutil.copytree(COUNTY, folder)
    sections = pd.read_csv(folder / "sections.csv", dtype={"school_id": str})
    sections.loc[sections["school_id"] == "X04", ["teachers", "backbone_teachers"]] += 2
    sections.to_csv(folder / "sections.csv", index=False)
    facilities = pd.read_csv(folder / "facilities.csv", dtype={"school_id": str})
    facilities.loc[facilities["school_id"] == "X02", "sports_field_area_m2"] += 500
    facilities.to_csv(folder / "facilities.csv", index=False)
    changed = load(folder, cache=False)
    card = scorecard.scorecard_table(changed, std)
    expected = scorecard.judge(card, std)
    result = whatif.apply(
        state,
        [
            whatif.hire(state, "X04", "primary", 2, above_degree=False, backbone=True),
            whatif.add(state, "X02", "primary", "sports_field_area_m2", 500),
        ],
    )
    assert result.verdict == expected["verdict"]
    assert result.failing == expected["failing"]
    assert result.dimensions == expected["dimensions"]
    rule = balance.school_rule(_values(changed, std), std)
    assert result.passes.tolist() == rule["passes"].tolist()


def _values(ds, std):
    from eduwb.analysis.resources import section_values

    return section_values(ds, std)


def _cvs(state, result) -> pd.DataFrame:
    """The simulator's CVs as balance lists them: the stages with sections × the indicators."""
    present = [g for g in range(len(state.stages)) if (state.stage_code == g).any()]
    return pd.DataFrame(
        {
            "stage": np.repeat(np.asarray(state.stages)[present], len(state.ids)),
            "indicator": np.tile(state.ids, len(present)),
            "cv": result.cv[present].reshape(-1),
            "limit": np.repeat(state.limit[present], len(state.ids)),
            "passes": result.cv_passes[present].reshape(-1),
        }
    )


def test_no_change_reproduces_the_sample_scorecard(sample_dataset, std):
    state = whatif.prepare(sample_dataset, std)
    result = whatif.apply(state)
    card = state.baseline_card
    statuses = card.set_index("indicator")["status"]
    assert result.resource_status == {i: statuses[i] for i in state.ids}
    judged = scorecard.judge(card, std)
    assert (result.verdict, result.failing, result.dimensions) == (
        judged["verdict"],
        judged["failing"],
        judged["dimensions"],
    )
    rule = balance.school_rule(state.values, std)
    assert result.passes.tolist() == rule["passes"].tolist()
    assert result.met_count.tolist() == rule["met_count"].tolist()
    bal = balance.balance_from_values(state.values, std, by=["stage"])
    bal = bal[bal["indicator"] != balance.COMPOSITE]
    cvs = _cvs(state, result)
    np.testing.assert_allclose(cvs["cv"].to_numpy(), bal["cv"].to_numpy(dtype="float64"), rtol=1e-12)
    assert cvs["passes"].tolist() == bal["passes"].astype(bool).tolist()


def test_the_costed_plan_as_changes_meets_the_resource_rules(sample_dataset, std):
    state = whatif.prepare(sample_dataset, std)
    changes = whatif.plan_changes(state)
    result = whatif.apply(state, changes)
    assert result.passes.all()
    assert all(s == "pass" for s in result.resource_status.values())
    long = plan.plan_long(state.values, std, balance.unit_costs(sample_dataset))
    after = plan.after_values(state.values, long, std)
    np.testing.assert_allclose(result.values, after[state.ids].to_numpy(dtype="float64"), rtol=1e-9)
    assert result.cost_yuan == pytest.approx(long["cost_yuan"].sum())
    assert not any(r.startswith("R") for r in result.failing)


def test_failing_sections_list_their_gaps(county):
    _, state = county
    gaps = whatif.failing_frame(state, whatif.apply(state))
    assert gaps[["school_id", "indicator", "shortfall", "gap_unit"]].values.tolist() == [
        ["X04", "R2", 2.0, "teachers"]
    ]


def test_formula_coefficients_read_the_standard(std):
    coef = whatif.formula_coefficients(std, ["indoor_sports_area_m2", "teaching_aux_area_m2", "teachers"])
    ids = [i.id for i in std.resource_indicators]
    assert dict(zip(ids, coef["indoor_sports_area_m2"], strict=True)) == {
        "R1": 0, "R2": 0, "R3": 0, "R4": -1, "R5": 1, "R6": 0, "R7": 0,
    }  # fmt: skip
    assert coef["teaching_aux_area_m2"].tolist() == [0, 0, 0, 1, 0, 0, 0]
    assert not coef["teachers"].any()
    assert coef["R6"].tolist() == [0, 0, 0, 0, 0, 1, 0]


def test_costs_follow_the_county_unit_costs(county):
    _, state = county
    assert whatif.add(state, "X01", "primary", "teaching_aux_area_m2", 10).cost_yuan == 10 * 3500
    assert whatif.add(state, "X01", "primary", "sports_field_area_m2", 10).cost_yuan == 10 * 400
    assert whatif.add(state, "X01", "primary", "multimedia_rooms", 2).cost_yuan == 2 * 40000
    assert whatif.add(state, "X01", "primary", "equipment_value_yuan", 5000).cost_yuan == 5000


def test_unknown_sections_and_standards_are_refused(county):
    ds, state = county
    with pytest.raises(ParameterError, match="no school section"):
        whatif.hire(state, "X99", "primary", 1)
    with pytest.raises(ParameterError, match="unknown input"):
        whatif.add(state, "X01", "primary", "pianos", 1)
    with pytest.raises(ParameterError, match="per-school rule"):
        whatif.prepare(ds, load_standard("moe-2012"))


def test_an_indoor_sports_hall_is_a_building_counted_in_both_areas(sample_dataset, std):
    """Issue 22: 东关镇九年一贯制学校 junior 2024 + 1,000 m² of indoor sports hall.

    The hall is part of the teaching and auxiliary rooms (data dictionary), so R4 = (teaching
    − indoor sports) ÷ pupils keeps its value; R5 = (indoor sports + field) ÷ pupils rises; it
    costs the building rate of county.toml, not the sports-ground rate.
    """
    sample = Path(__file__).resolve().parents[1] / "data" / "sample"
    # the school's 2024 facilities are given per stage (no split); its junior section has 512 pupils
    fac = pd.read_csv(sample / "facilities.csv", dtype={"school_id": str})
    row = fac[(fac["school_id"] == "4299990015") & (fac["year"] == 2024) & (fac["stage"] == "junior")]
    areas = row[["teaching_aux_area_m2", "indoor_sports_area_m2", "sports_field_area_m2"]]
    aux, indoor, field = areas.iloc[0]
    assert (aux, indoor, field) == (3829.8, 352.0, 5931.8)
    pupils = 512
    r4 = (aux - indoor) / pupils  # 6.7926…
    r5_after = (indoor + 1000 + field) / pupils  # 14.226…
    assert r4 == pytest.approx(6.7926, abs=1e-4)

    state = whatif.prepare(sample_dataset, std, 2024)
    hall = whatif.add(state, "4299990015", "junior", "indoor_sports_area_m2", 1000)
    assert hall.cost_yuan == 1000 * 3500  # building_m2 in data/sample/county.toml (sports_field_m2 is 400)
    result = whatif.apply(state, [hall])
    i = state.row_of[("4299990015", "junior")]
    r = {ind: j for j, ind in enumerate(state.ids)}
    assert result.values[i, r["R4"]] == pytest.approx(r4, rel=1e-12)
    assert result.values[i, r["R5"]] == pytest.approx(r5_after, rel=1e-12)
    before = whatif.apply(state)
    assert result.met[i].sum() >= before.met[i].sum()


@pytest.mark.parametrize(
    ("make", "name", "shown"),
    [
        (lambda st: whatif.hire(st, "X01", "primary", float("nan")), "teachers", "nan"),
        (lambda st: whatif.hire(st, "X01", "primary", -2), "teachers", "-2"),
        (lambda st: whatif.hire(st, "X01", "primary", 2.5), "teachers", "2.5"),
        (lambda st: whatif.hire(st, "X01", "primary", "three"), "teachers", "'three'"),
        (lambda st: whatif.add(st, "X01", "primary", "sports_field_area_m2", float("inf")),
         "sports_field_area_m2", "inf"),
        (lambda st: whatif.add(st, "X01", "primary", "teaching_aux_area_m2", -500), "teaching_aux_area_m2",
         "-500"),
        (lambda st: whatif.add(st, "X01", "primary", "multimedia_rooms", 1.5), "multimedia_rooms", "1.5"),
        (lambda st: whatif.add(st, "X01", "primary", "R7", 0.5), "R7", "0.5"),
        (lambda st: whatif.move_teacher(st, ("X01", "primary"), ("X04", "primary"), teachers=-1), "teachers",
         "-1"),
    ],
)  # fmt: skip
def test_every_input_is_checked_and_named(county, make, name, shown):
    _, state = county
    with pytest.raises(InputError) as caught:
        make(state)
    error = caught.value
    assert error.name == name
    zh, en = error.say("zh"), error.say("en")
    assert shown in zh and shown in en
    assert name in zh and name in en
    assert zh != en and str(error) == f"{zh} / {en}"


def test_no_more_teachers_leave_a_section_than_it_has(county):
    _, state = county
    # X04 (小河第四小学): 2 backbone teachers; its total is in tests/fixtures/whatif_county/sections.csv
    sections = pd.read_csv(COUNTY / "sections.csv", dtype={"school_id": str})
    x04 = sections[sections["school_id"] == "X04"].iloc[0]
    total = int(x04["teachers"])
    with pytest.raises(InputError, match=f"500 teachers out of 小河第四小学.*teachers \\({total}\\)"):
        whatif.move_teacher(state, ("X04", "primary"), ("X01", "primary"), teachers=500)
    with pytest.raises(InputError, match="backbone_teachers \\(2\\)") as caught:
        whatif.move_teacher(state, ("X04", "primary"), ("X01", "primary"), teachers=3, backbone=True)
    assert "县级及以上骨干教师数（2）" in caught.value.say("zh")
    two = whatif.move_teacher(state, ("X04", "primary"), ("X01", "primary"), teachers=2, backbone=True)
    one_more = whatif.move_teacher(state, ("X04", "primary"), ("X01", "primary"), backbone=True)
    with pytest.raises(InputError, match="cannot move 3 teachers"):  # one by one, the third is refused
        whatif.apply(state, [*two, *one_more])
    hired = whatif.hire(state, "X04", "primary", 1, backbone=True)
    assert whatif.apply(state, [hired, *two, *one_more]).verdict  # a backbone hire first: 3 may leave


@pytest.mark.parametrize("year", [2021, 2024, 2025])
def test_no_change_is_balance_exactly(sample_dataset, std, year):
    """One implementation of the CV and the per-school rule: the simulator without a change gives
    balance's values, ratios, rule and CVs to the last bit."""
    state = whatif.prepare(sample_dataset, std, year)
    result = whatif.apply(state)
    np.testing.assert_array_equal(result.values, state.values[state.ids].to_numpy(dtype="float64"))
    long = balance.ratios(state.values, std, keys=[])
    k, n = len(state.ids), len(state.sections)
    np.testing.assert_array_equal(result.ratio, long["ratio"].to_numpy().reshape(k, n).T)
    np.testing.assert_array_equal(result.met, long["met"].to_numpy().reshape(k, n).T)
    rule = balance.school_rule(state.values, std)
    np.testing.assert_array_equal(result.met_count, rule["met_count"].to_numpy())
    np.testing.assert_array_equal(result.weakest_ratio, rule["weakest_ratio"].to_numpy())
    np.testing.assert_array_equal(result.passes, rule["passes"].to_numpy())
    bal = balance.balance_from_values(state.values, std, by=["stage"])
    bal = bal[bal["indicator"] != balance.COMPOSITE].reset_index(drop=True)
    cvs = _cvs(state, result)
    assert cvs[["stage", "indicator"]].values.tolist() == bal[["stage", "indicator"]].values.tolist()
    np.testing.assert_array_equal(cvs["cv"].to_numpy(), bal["cv"].to_numpy(dtype="float64"))
    np.testing.assert_array_equal(cvs["limit"].to_numpy(), bal["limit"].to_numpy(dtype="float64"))
    assert cvs["passes"].tolist() == bal["passes"].astype(bool).tolist()
