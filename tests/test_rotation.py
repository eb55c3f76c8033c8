"""Teacher rotation (G11), flows, training (G9) and certification (G12) on hand-built cases.

Every expected number is worked out by hand in the test from the rule in the standard
(≥ 6 years at the school, exempt at 55 (men) / 50 (women), rotated ≥ 10 % of eligible,
backbone ≥ 20 % of rotated, 360 training hours), never copied from the output.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from eduwb.analysis import rotation
from eduwb.analysis.rotation import flows_table, rotation_table, teacher_quality_table
from eduwb.data.dataset import CountySettings, Dataset
from eduwb.errors import ParameterError
from eduwb.present.charts.rotation import localise

SCHOOLS = [
    # school_id, name, kind, locale
    ("U1", "城关小学", "primary", "urban"),
    ("U2", "城关中学", "junior", "urban"),
    ("T1", "镇中心小学", "primary", "town"),
    ("R1", "河口小学", "primary", "rural"),
    ("R2", "山口小学", "primary", "rural"),
    ("H1", "一中", "twelve_year", "urban"),
]
TEACHER_COLUMNS = [
    "teacher_id",
    "year",
    "school_id",
    "stage",
    "sex",
    "birth_year",
    "backbone",
    "years_at_school",
    "certified",
    "training_hours_5y",
]


def teacher(
    tid,
    year,
    school="U1",
    *,
    sex="male",
    age=40,
    backbone="none",
    years=3,
    certified=True,
    hours=400.0,
    stage=None,
):
    """One teacher row; ``age`` is the age in ``year`` (birth_year = year − age)."""
    if stage is None:
        stage = "junior" if school == "U2" else "primary"
    return (tid, year, school, stage, sex, year - age, backbone, years, certified, hours)


def move(tid, year, src, dst, mode="rotation"):
    return (tid, year, src, dst, mode)


def make_ds(
    teachers, moves=(), *, years=(2023, 2024), rotation_settings=None, with_rotations=True, with_teachers=True
):
    schools = pd.DataFrame(
        {
            "school_id": [s[0] for s in SCHOOLS],
            "name": [s[1] for s in SCHOOLS],
            "kind": [s[2] for s in SCHOOLS],
            "parent_id": None,
            "locale": [s[3] for s in SCHOOLS],
            "township": None,
            "sponsor": "public",
            "boarding": False,
            "built_year": pd.array([pd.NA] * len(SCHOOLS), dtype="Int64"),
        }
    )
    sections = pd.DataFrame(
        [
            (s[0], y, "junior" if s[0] == "U2" else "primary", 500, 10, 30, 25, 5, 3)
            for s in SCHOOLS
            for y in years
        ],
        columns=[
            "school_id",
            "year",
            "stage",
            "students",
            "classes",
            "teachers",
            "teachers_above_degree",
            "backbone_teachers",
            "pe_art_teachers",
        ],
    )
    facilities = pd.DataFrame(
        columns=[
            "school_id",
            "year",
            "stage",
            "teaching_aux_area_m2",
            "indoor_sports_area_m2",
            "sports_field_area_m2",
            "equipment_value_yuan",
            "multimedia_rooms",
            "music_rooms",
            "music_room_min_area_m2",
            "art_rooms",
            "art_room_min_area_m2",
        ]
    )
    tdf = pd.DataFrame(list(teachers), columns=TEACHER_COLUMNS).astype(
        {
            "year": "int64",
            "birth_year": "int64",
            "years_at_school": "int64",
            "certified": bool,
            "training_hours_5y": "float64",
        }
    )
    rdf = pd.DataFrame(
        list(moves), columns=["teacher_id", "year", "from_school", "to_school", "mode"]
    ).astype({"year": "int64"})
    settings = CountySettings(name="测试县")
    if rotation_settings:
        settings.rotation.update(rotation_settings)
    return Dataset(
        path=Path("x"),
        name="测试县",
        settings=settings,
        schools=schools,
        sections=sections,
        facilities=facilities,
        teachers=tdf if with_teachers else None,
        rotations=rdf if with_rotations else None,
    )


def row(df, **where):
    mask = pd.Series(True, index=df.index)
    for key, value in where.items():
        mask &= df[key] == value
    assert mask.sum() == 1, f"expected one row for {where}, got {mask.sum()}"
    return df[mask].iloc[0]


# ----------------------------------------------------------------------------- eligibility


def test_five_years_is_not_eligible_six_is(standard):
    ds = make_ds([teacher("a", 2023, years=5), teacher("b", 2023, years=6), teacher("c", 2023, years=9)])
    r = row(rotation_table(ds, standard), year=2024)
    assert r["eligible"] == 2  # b and c; a has 5 < 6 years


def test_exemption_age_is_at_or_above(standard):
    ds = make_ds(
        [
            teacher("m55", 2023, sex="male", age=55, years=10),  # exempt: at the age
            teacher("m54", 2023, sex="male", age=54, years=10),  # one year below: eligible
            teacher("f50", 2023, sex="female", age=50, years=10),  # exempt
            teacher("f49", 2023, sex="female", age=49, years=10),  # eligible
            teacher("f52", 2023, sex="female", age=52, years=10),  # exempt (woman over 50, man would not be)
        ]
    )
    assert row(rotation_table(ds, standard), year=2024)["eligible"] == 2


def test_age_is_taken_in_the_year_before_the_move(standard):
    # born 1969: 54 in 2023 (the year before the 2024 move) → eligible for 2024, although 55 in 2024
    ds = make_ds(
        [teacher("a", 2023, sex="male", age=54, years=8), teacher("a", 2024, sex="male", age=55, years=9)]
    )
    assert row(rotation_table(ds, standard), year=2024)["eligible"] == 1


def test_rule_from_county_settings_and_options(standard):
    rows = [
        teacher("a", 2023, years=5),
        teacher("b", 2023, years=6),
        teacher("c", 2023, sex="female", age=50, years=8),
    ]
    ds = make_ds(rows, rotation_settings={"min_years_at_school": 5, "exempt_age_female": 52})
    assert row(rotation_table(ds, standard), year=2024)["eligible"] == 3
    # CLI options arrive as strings and override county.toml
    table = rotation_table(ds, standard, min_years_at_school="6", exempt_age_female="50")
    assert row(table, year=2024)["eligible"] == 1


def test_bad_options_are_refused(standard):
    ds = make_ds([teacher("a", 2023)])
    with pytest.raises(ParameterError, match="min_years_at_school"):
        rotation_table(ds, standard, min_years_at_school="six")
    with pytest.raises(ParameterError, match="unknown mode"):
        rotation_table(ds, standard, counted_modes="rotation,holiday")
    with pytest.raises(ParameterError, match="unknown parameter"):
        rotation_table(ds, standard, teacher_per_year="1")
    with pytest.raises(ParameterError, match="by="):
        rotation_table(ds, standard, by="township")


# ----------------------------------------------------------------------------- the ratio and the share


def _ten_eligible(year=2023, school="U1"):
    return [teacher(f"e{i}", year, school, years=6 + i) for i in range(10)]


def test_ratio_share_and_passes(standard):
    # 10 eligible in 2023; in 2024 one rotates (a county-level backbone): ratio 1/10, share 1/1
    rows = _ten_eligible() + [teacher("e0", 2024, "R1", backbone="county", years=0)]
    ds = make_ds(rows, [move("e0", 2024, "U1", "R1")])
    r = row(rotation_table(ds, standard), year=2024)
    assert (r["eligible"], r["rotated"], r["backbone_rotated"]) == (
        10,
        1,
        0,
    )  # backbone of 2023 row is "none"
    assert r["ratio"] == pytest.approx(1 / 10)
    assert r["backbone_share"] == 0
    assert r["ratio_limit"] == 0.10 and r["share_limit"] == 0.20
    assert not r["passes"]  # share 0 < 20 %
    assert r["status"] == "ok"


def test_backbone_share_at_the_limit_passes(standard):
    # 20 eligible, 5 rotate (25 % ≥ 10 %), one of them a city-level backbone (1/5 = 20 % ≥ 20 %)
    rows = [teacher(f"e{i}", 2023, years=7, backbone="city" if i == 0 else "none") for i in range(20)]
    moves = [move(f"e{i}", 2024, "U1", "R1") for i in range(5)]
    r = row(rotation_table(make_ds(rows, moves), standard), year=2024)
    assert (r["eligible"], r["rotated"], r["backbone_rotated"]) == (20, 5, 1)
    assert r["ratio"] == pytest.approx(5 / 20) and r["backbone_share"] == pytest.approx(1 / 5)
    assert r["passes"]


def test_ratio_just_below_ten_percent_fails(standard):
    # 11 eligible, 1 national-level backbone rotates: 1/11 = 9.1 % < 10 %
    rows = [teacher(f"e{i}", 2023, years=7, backbone="national" if i == 0 else "none") for i in range(11)]
    r = row(rotation_table(make_ds(rows, [move("e0", 2024, "U1", "R1")]), standard), year=2024)
    assert r["ratio"] == pytest.approx(1 / 11)
    assert r["backbone_share"] == 1.0
    assert not r["passes"]


def test_move_recorded_twice_counts_once(standard):
    rows = _ten_eligible()
    moves = [move("e0", 2024, "U1", "R1"), move("e0", 2024, "U1", "R1"), move("e1", 2024, "U1", "R1")]
    r = row(rotation_table(make_ds(rows, moves), standard), year=2024)
    assert r["rotated"] == 2
    assert r["moves_rotation"] == 2
    # one teacher moving twice in a year (two modes) is one rotated teacher, two moves
    moves = [move("e0", 2024, "U1", "R1", "rotation"), move("e0", 2024, "U1", "R2", "support")]
    r = row(rotation_table(make_ds(rows, moves), standard), year=2024)
    assert r["rotated"] == 1
    assert (r["moves_rotation"], r["moves_support"], r["moves_transfer"]) == (1, 1, 0)


def test_zero_eligible_leaves_the_ratio_undefined(standard):
    # everyone has 2 years at the school: nobody eligible, though one teacher moves anyway
    rows = [teacher(f"n{i}", 2023, years=2) for i in range(4)]
    table = rotation_table(make_ds(rows, [move("n0", 2024, "U1", "R1")]), standard)
    r = row(table, year=2024)
    assert r["eligible"] == 0 and r["rotated"] == 1
    assert pd.isna(r["ratio"])  # not 0, not inf
    assert pd.isna(r["passes"])
    assert r["status"] == "no_eligible"
    shown = row(localise(table), year=2024)
    assert shown["rotation_ratio"] == "无定义"
    assert row(localise(table, lang="en"), year=2024)["status"] == "no eligible teachers: ratio undefined"


def test_nobody_rotated_fails_with_share_undefined(standard):
    table = rotation_table(make_ds(_ten_eligible()), standard, year=2024)
    r = row(table, year=2024)
    assert r["ratio"] == 0 and pd.isna(r["backbone_share"])
    assert r["passes"] is False or r["passes"] == False  # noqa: E712 - nullable boolean
    assert r["status"] == "no_rotated"


def test_counted_modes_filter(standard):
    rows = _ten_eligible()
    moves = [
        move("e0", 2024, "U1", "R1", "rotation"),
        move("e1", 2024, "U1", "R1", "support"),
        move("e2", 2024, "U1", "R1", "transfer"),
    ]
    ds = make_ds(rows, moves)
    assert row(rotation_table(ds, standard), year=2024)["rotated"] == 3  # the standard counts every mode
    r = row(rotation_table(ds, standard, counted_modes="rotation,support"), year=2024)
    assert r["rotated"] == 2
    assert r["moves_transfer"] == 1  # still listed, just not counted
    assert row(rotation_table(ds, standard, counted_modes="轮岗"), year=2024)["rotated"] == 1
    by_mode = rotation_table(ds, standard, by="mode", counted_modes="rotation")
    assert row(by_mode, year=2024, mode="support")["teachers_moved"] == 1
    assert not row(by_mode, year=2024, mode="support")["counted"]
    assert row(by_mode, year=2024, mode="rotation")["counted"]


def test_rotated_eligible_and_a_move_without_a_row_the_year_before(standard):
    # "x" joined in 2024 (no 2023 row): counted as rotated, not eligible, backbone from its 2024 row
    rows = _ten_eligible() + [teacher("x", 2024, "U1", backbone="province", years=0)]
    moves = [move("e0", 2024, "U1", "R1"), move("x", 2024, "U1", "R2")]
    r = row(rotation_table(make_ds(rows, moves), standard), year=2024)
    assert (r["rotated"], r["rotated_eligible"], r["backbone_rotated"]) == (2, 1, 1)


def test_years_evaluated_and_a_year_without_teachers_before(standard):
    rows = _ten_eligible(2023) + _ten_eligible(2024)
    table = rotation_table(make_ds(rows, [move("e0", 2024, "U1", "R1")]), standard)
    assert table["year"].tolist() == [2024]  # 2023 has no teacher rows of 2022
    r = row(rotation_table(make_ds(rows), standard, year=2023), year=2023)
    assert r["status"] == "no_teacher_data" and pd.isna(r["eligible"]) and pd.isna(r["passes"])
    assert (
        row(localise(rotation_table(make_ds(rows), standard, year=2023)), year=2023)["eligible"] == "缺数据"
    )


def test_senior_teachers_do_not_count_and_stage_filter(standard):
    rows = _ten_eligible() + [teacher(f"s{i}", 2023, "H1", years=9, stage="senior") for i in range(5)]
    rows += [teacher(f"j{i}", 2023, "U2", years=9) for i in range(4)]
    moves = [move("s0", 2024, "H1", "R1"), move("j0", 2024, "U2", "T1")]
    ds = make_ds(rows, moves)
    r = row(rotation_table(ds, standard), year=2024)
    assert (r["eligible"], r["rotated"]) == (14, 1)
    r = row(rotation_table(ds, standard, stage="junior"), year=2024)
    assert (r["eligible"], r["rotated"]) == (4, 1)


def test_missing_tables_say_missing(standard):
    ds = make_ds([teacher("a", 2023)], with_rotations=False)
    table = rotation_table(ds, standard)
    assert table["year"].tolist() == [2023, 2024]
    assert (table["status"] == "missing_table").all()
    assert table["eligible"].isna().all() and table["passes"].isna().all()
    assert (localise(table)["rotated"] == "缺数据").all()
    assert (table["ratio_limit"] == 0.10).all()  # what the standard requires is known without data
    by_mode = rotation_table(ds, standard, by="mode")
    assert by_mode["counted"].all() and (localise(by_mode)["moves"] == "缺数据").all()
    assert (flows_table(ds, standard, by="summary")["status"] == "missing_table").all()
    ds = make_ds([], with_teachers=False, with_rotations=False)
    quality = teacher_quality_table(ds, standard, year=2024)
    assert quality["status"].tolist() == ["missing_table"] and quality["training_rate"].isna().all()


def test_standard_without_rotation_limits(standard):
    from eduwb.standards import load_standard

    old = load_standard("moe-2012")
    if old.has_indicator("G11"):
        pytest.skip("moe-2012 defines G11")
    r = row(rotation_table(make_ds(_ten_eligible(), [move("e0", 2024, "U1", "R1")]), old), year=2024)
    assert r["ratio"] == pytest.approx(0.1) and pd.isna(r["passes"]) and r["status"] == "no_limit"


# ----------------------------------------------------------------------------- per school


def test_by_school_sending_and_receiving(standard):
    rows = _ten_eligible(2023, "U1") + [
        teacher(f"t{i}", 2023, "T1", years=8, backbone="county") for i in range(4)
    ]
    moves = [
        move("e0", 2024, "U1", "R1"),
        move("e1", 2024, "U1", "R1"),
        move("e2", 2024, "U1", "R2"),
        move("t0", 2024, "T1", "R1"),
    ]
    table = rotation_table(make_ds(rows, moves), standard, by="school")
    u1 = row(table, year=2024, school_id="U1")
    assert (u1["eligible"], u1["rotated"], u1["received"]) == (10, 3, 0)
    assert u1["ratio"] == pytest.approx(0.3) and u1["school_name"] == "城关小学" and u1["locale"] == "urban"
    r1 = row(table, year=2024, school_id="R1")
    assert (r1["eligible"], r1["rotated"], r1["received"], r1["backbone_received"]) == (0, 0, 3, 1)
    assert r1["status"] == "no_eligible"
    t1 = row(table, year=2024, school_id="T1")
    assert (t1["eligible"], t1["rotated"], t1["backbone_rotated"]) == (4, 1, 1)
    assert table[["year", "school_id"]].apply(tuple, axis=1).is_monotonic_increasing


def test_small_groups_shown_as_less_than_three(standard):
    rows = _ten_eligible(2023, "U1") + [teacher(f"t{i}", 2023, "T1", years=8) for i in range(2)]
    moves = [
        move("e0", 2024, "U1", "R1"),
        move("e1", 2024, "U1", "R1"),
        move("e2", 2024, "U1", "R1"),
        move("t0", 2024, "T1", "R1"),
    ]
    table = rotation_table(make_ds(rows, moves), standard, by="school")
    shown = localise(table)
    u1 = row(shown, year=2024, school_id="U1")
    assert (u1["eligible"], u1["rotated"]) == (10, 3)  # groups of 3+ stay numbers
    assert u1["rotation_ratio"] == "30.0%"
    t1 = row(shown, year=2024, school_id="T1")
    assert t1["eligible"] == "<3" and t1["rotated"] == "<3"
    assert t1["rotation_ratio"] == "—"  # a rate computed from a group of 1–2 would reveal it
    # the analysis table itself stays numeric
    assert row(table, year=2024, school_id="T1")["eligible"] == 2


# ----------------------------------------------------------------------------- flows


def _flow_ds():
    rows = _ten_eligible(2023, "U1") + [teacher(f"t{i}", 2023, "T1", years=8) for i in range(5)]
    rows[0] = teacher("e0", 2023, "U1", years=6, backbone="county")
    moves = [
        move("e0", 2024, "U1", "R1"),  # urban → rural, backbone
        move("e0", 2024, "U1", "R1"),  # recorded twice
        move("e1", 2024, "U1", "R2", "support"),  # urban → rural
        move("e2", 2024, "U1", "T1", "transfer"),  # urban → town
        move("t0", 2024, "T1", "U1"),  # town → urban
    ]
    return make_ds(rows, moves)


def test_flows_by_locale(standard, monkeypatch):
    monkeypatch.setattr(
        rotation, "school_compliance", lambda ds, std, years: (_no_compliance(), "unavailable")
    )
    table = flows_table(_flow_ds(), standard)
    locale = table[table["grouping"] == "locale"]
    assert len(locale) == 9  # the full 3 × 3 matrix, zeros included
    r = row(locale, year=2024, from_group="urban", to_group="rural")
    assert (r["moves"], r["backbone_moves"]) == (2, 1)
    assert r["share"] == pytest.approx(2 / 4)
    assert row(locale, year=2024, from_group="rural", to_group="urban")["moves"] == 0
    assert locale["moves"].sum() == 4
    compliance = table[table["grouping"] == "compliance"]
    assert set(compliance["from_group"]) | set(compliance["to_group"]) <= {"passing", "failing", "unknown"}
    assert row(compliance, year=2024, from_group="unknown", to_group="unknown")["moves"] == 4
    # with only rotation counted, the support and transfer moves drop out
    only = flows_table(_flow_ds(), standard, counted_modes="rotation")
    assert only[only["grouping"] == "locale"]["moves"].sum() == 2


def _no_compliance():
    return pd.DataFrame(
        {
            "year": pd.Series(dtype="int64"),
            "school_id": pd.Series(dtype=object),
            "compliance": pd.Series(dtype=object),
        }
    )


def test_flows_toward_weak_schools(standard, monkeypatch):
    # status in 2023 (the year before the 2024 moves): R1 fails, U1 and T1 pass, R2 unknown (out of scope)
    status = pd.DataFrame(
        {
            "year": [2023, 2023, 2023],
            "school_id": ["R1", "U1", "T1"],
            "compliance": ["failing", "passing", "passing"],
        }
    )
    seen = {}

    def fake(ds, std, years):
        seen["years"] = sorted(years)
        return status, "ok"

    monkeypatch.setattr(rotation, "school_compliance", fake)
    ds = _flow_ds()
    table = flows_table(ds, standard)
    assert seen["years"] == [2023]
    comp = table[table["grouping"] == "compliance"]
    assert row(comp, year=2024, from_group="passing", to_group="failing")["moves"] == 1  # U1 → R1
    assert row(comp, year=2024, from_group="passing", to_group="unknown")["moves"] == 1  # U1 → R2
    assert row(comp, year=2024, from_group="passing", to_group="passing")["moves"] == 2  # U1 → T1, T1 → U1
    assert row(comp, year=2024, from_group="failing", to_group="passing")["moves"] == 0
    summary = flows_table(ds, standard, by="summary")
    s = row(summary, year=2024)
    assert (s["moves"], s["backbone_moves"], s["to_rural"], s["to_weak"], s["to_rural_or_weak"]) == (
        4,
        1,
        2,
        1,
        2,
    )
    assert s["to_rural_share"] == pytest.approx(0.5) and s["to_weak_share"] == pytest.approx(0.25)
    assert s["backbone_to_rural_or_weak_share"] == 1.0
    assert s["compliance_unknown"] == 1 and s["compliance_status"] == "partial"


def test_flows_without_the_resource_analysis_say_so(standard, monkeypatch):
    monkeypatch.setattr(
        rotation, "school_compliance", lambda ds, std, years: (_no_compliance(), "unavailable")
    )
    s = row(flows_table(_flow_ds(), standard, by="summary"), year=2024)
    assert s["compliance_status"] == "unavailable"
    assert pd.isna(s["to_weak"]) and pd.isna(s["to_weak_share"])
    assert s["to_rural"] == 2


def test_school_compliance_aggregates_sections(standard, monkeypatch):
    from eduwb.analysis import balance, resources

    def school_rule(values, std):
        return pd.DataFrame(
            {
                "year": [2023] * 4,
                "school_id": ["U1", "H1", "H1", "T1"],
                "school_name": ["", "", "", ""],
                "stage": ["primary", "primary", "junior", "primary"],
                "met_count": [7, 7, 5, 6],
                "weakest_indicator": ["R1"] * 4,
                "weakest_ratio": [1.0, 1.0, 0.5, 0.9],
                "passes": [True, True, False, True],
            }
        )

    monkeypatch.setattr(balance, "school_rule", school_rule)
    monkeypatch.setattr(resources, "section_values", lambda ds, std, years=None, stage=None: None)
    frame, availability = rotation.school_compliance(make_ds([]), standard, [2023])
    assert availability == "ok"
    status = dict(zip(frame["school_id"], frame["compliance"], strict=True))
    assert status == {"H1": "failing", "T1": "passing", "U1": "passing"}  # H1 fails on one section


# ----------------------------------------------------------------------------- G9, G12


def test_training_and_certification(standard):
    rows = [
        teacher("a", 2024, "U1", hours=360.0),  # exactly the minimum: trained
        teacher("b", 2024, "U1", hours=359.5),  # short
        teacher("c", 2024, "U1", hours=500.0, certified=False),
        teacher("c2", 2024, "U1", hours=500.0),
        teacher("d", 2024, "T1", hours=400.0),
        teacher("e", 2024, "H1", hours=0.0, certified=False, stage="senior"),  # not compulsory: out
    ]
    table = teacher_quality_table(make_ds(rows), standard)
    r = row(table, year=2024)
    assert (r["teachers"], r["trained"], r["certified"]) == (5, 4, 4)
    assert r["training_rate"] == pytest.approx(4 / 5) and r["certification_rate"] == pytest.approx(4 / 5)
    assert (r["not_trained"], r["not_certified"]) == (1, 1)
    assert r["training_limit"] == 1.0 and not r["training_passes"] and not r["certification_passes"]
    assert (r["schools_short_training"], r["schools_short_certification"]) == (1, 1)  # only U1
    by_school = teacher_quality_table(make_ds(rows), standard, by="school")
    assert row(by_school, year=2024, school_id="T1")["training_passes"]
    u1 = row(by_school, year=2024, school_id="U1")
    assert (u1["teachers"], u1["trained"], u1["not_trained"]) == (4, 3, 1)
    shown = row(localise(by_school), year=2024, school_id="U1")
    assert shown["not_trained"] == "<3"
    assert shown["trained"] == "—"  # 4 teachers − 3 trained would reveal the one
    assert shown["training_rate"] == "—"
    assert shown["teachers"] == 4
    r = row(teacher_quality_table(make_ds(rows), standard, training_hours_min="300"), year=2024)
    assert r["trained"] == 5


def test_teacher_quality_year_without_rows(standard):
    r = row(teacher_quality_table(make_ds([teacher("a", 2024)]), standard, year=2023), year=2023)
    assert r["status"] == "no_teacher_data" and pd.isna(r["training_rate"])


# ----------------------------------------------------------------------------- privacy, determinism


def test_no_teacher_id_in_any_table(standard, monkeypatch):
    monkeypatch.setattr(
        rotation, "school_compliance", lambda ds, std, years: (_no_compliance(), "unavailable")
    )
    ds = _flow_ds()
    ids = set(ds.teachers["teacher_id"])
    tables = [
        rotation_table(ds, standard),
        rotation_table(ds, standard, by="school"),
        rotation_table(ds, standard, by="mode"),
        rotation_table(ds, standard, by="min_years"),
        flows_table(ds, standard),
        flows_table(ds, standard, by="summary"),
        teacher_quality_table(ds, standard),
        teacher_quality_table(ds, standard, by="school"),
    ]
    for table in tables:
        assert "teacher_id" not in table.columns
        cells = set(table.astype(str).to_numpy().ravel()) | set(map(str, table.columns))
        assert not ids & cells


def test_min_years_scan(standard):
    rows = [teacher(f"e{i}", 2023, years=i) for i in range(10)]  # years at school 0..9
    table = rotation_table(
        make_ds(rows, [move("e9", 2024, "U1", "R1")]), standard, by="min_years", min_years_values="4,6,8"
    )
    assert table["min_years_at_school"].tolist() == [4, 6, 8]
    assert table["eligible"].tolist() == [6, 4, 2]  # years ≥ 4: 4..9; ≥ 6: 6..9; ≥ 8: 8, 9
    assert table["ratio"].tolist() == pytest.approx([1 / 6, 1 / 4, 1 / 2])


def test_deterministic(standard):
    ds = _flow_ds()
    a = rotation_table(ds, standard, by="school")
    b = rotation_table(ds, standard, by="school")
    pd.testing.assert_frame_equal(a, b)


def test_registered_in_the_table_registry():
    from eduwb.tables import table_function

    assert table_function("rotation") is rotation_table
    assert table_function("flows") is flows_table
    assert table_function("teacher_quality") is teacher_quality_table


# ----------------------------------------------------------------------------- presentation


def test_charts_and_headlines_for_every_status(standard, monkeypatch):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.figure import Figure

    from eduwb.present import setup
    from eduwb.present.charts import rotation as charts

    setup("zh")
    monkeypatch.setattr(
        rotation, "school_compliance", lambda ds, std, years: (_no_compliance(), "unavailable")
    )
    full = _flow_ds()
    empty = make_ds([teacher("a", 2024)], with_rotations=False)
    for ds in (full, empty):
        ratios = rotation_table(ds, standard)
        figures = [
            charts.ratio_chart(ratios),
            charts.modes_chart(rotation_table(ds, standard, by="mode")),
            charts.flow_heatmaps(flows_table(ds, standard), 2024),
            charts.toward_chart(flows_table(ds, standard, by="summary")),
            charts.quality_chart(teacher_quality_table(ds, standard)),
            charts.eligibility_chart(rotation_table(ds, standard, by="min_years", year=2024), 6),
        ]
        assert all(isinstance(f, Figure) for f in figures)
        plt.close("all")
    ok = charts.rotation_headline(rotation_table(full, standard), 2024)
    # 15 eligible (10 at U1 with 6+ years, 5 at T1 with 8), 4 rotate (4/15 = 26.7 %),
    # one backbone (1/4 = 25 %)
    assert "**26.7%**" in ok and "**25.0%**" in ok and "达到要求" in ok and "未达到" not in ok
    assert "无法评估" in charts.rotation_headline(rotation_table(empty, standard), 2024)
    assert "无法评估" in charts.rotation_headline(rotation_table(full, standard), 2023)  # no 2022 rows
    nobody = make_ds([teacher(f"n{i}", 2023, years=1) for i in range(3)], [move("n0", 2024, "U1", "R1")])
    assert "无定义" in charts.rotation_headline(rotation_table(nobody, standard), 2024)
    assert "无法判断" in charts.flows_headline(flows_table(full, standard, by="summary"), 2024)
    assert "100.0%" in charts.quality_headline(teacher_quality_table(full, standard), 2023)


def test_the_bundle_equals_the_separate_tables(standard, monkeypatch):
    status = pd.DataFrame({"year": [2023], "school_id": ["R1"], "compliance": ["failing"]})
    monkeypatch.setattr(rotation, "school_compliance", lambda ds, std, years: (status, "ok"))
    for ds in (_flow_ds(), make_ds([teacher("a", 2024)], with_rotations=False)):
        for kwargs in (
            {},
            {"year": 2024, "stage": "primary", "min_years_at_school": "7", "counted_modes": "rotation"},
        ):
            options = {k: v for k, v in kwargs.items() if k not in ("year", "stage")}
            where = {k: v for k, v in kwargs.items() if k in ("year", "stage")}
            bundle = rotation.rotation_tables(ds, standard, **kwargs)
            assert list(bundle) == list(rotation.BUNDLE)
            rot_opts = options
            flow_opts = {k: v for k, v in options.items() if k == "counted_modes"}
            expected = {
                "rotation": rotation_table(ds, standard, **where, **rot_opts),
                "rotation_by_school": rotation_table(ds, standard, **where, by="school", **rot_opts),
                "rotation_by_mode": rotation_table(ds, standard, **where, by="mode", **rot_opts),
                "flows": flows_table(ds, standard, **where, **flow_opts),
                "flows_summary": flows_table(ds, standard, **where, by="summary", **flow_opts),
                "teacher_quality": teacher_quality_table(ds, standard, **where),
                "teacher_quality_by_school": teacher_quality_table(ds, standard, **where, by="school"),
            }
            for name, table in expected.items():
                pd.testing.assert_frame_equal(bundle[name], table, obj=name)


def test_the_modes_chart_of_years_without_moves_says_so_without_a_warning(standard):
    """No move in the years shown (the sample's 2021): the chart says so; an empty legend would
    only print matplotlib's warning, with the package's path, into the kept notebook."""
    import warnings

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from eduwb.present import setup
    from eduwb.present.charts import rotation as charts

    setup("zh")
    by_mode = rotation_table(_flow_ds(), standard, by="mode")
    assert len(by_mode)  # the same columns, no row
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fig = charts.modes_chart(by_mode.iloc[0:0])
    try:
        assert [t.get_text() for t in fig.axes[0].texts] == ["没有交流轮岗记录"]
        assert fig.axes[0].get_legend() is None
    finally:
        plt.close(fig)


# ----------------------------------------------------------------------------- chapter 03's sections


def _chapter_said(monkeypatch, ds, standard, lang="zh"):
    import matplotlib

    matplotlib.use("Agg")
    from eduwb.present.charts import rotation_chapter

    said: list[str] = []
    monkeypatch.setattr("eduwb.present.charts.chapter.md", said.append)
    monkeypatch.setattr("eduwb.present.charts.chapter.show_table", lambda *a, **k: said.append("TABLE"))
    monkeypatch.setattr("eduwb.present.charts.chapter.plt.show", lambda: said.append("CHART"))
    chapter = rotation_chapter.RotationChapter(ds, standard, max(ds.years), None, lang)
    sections = ("ratios", "ratio_chart", "modes_section", "flow_heatmaps", "toward", "schools", "eligibility")
    for section in (*sections, "quality", "quality_chart", "quality_by_school"):
        getattr(chapter, section)()
    return said


def test_chapter_says_which_table_is_missing_and_draws_nothing_empty(monkeypatch, standard):
    import dataclasses

    from eduwb.data.dataset import load

    fixtures = Path(__file__).parent / "fixtures"
    said = _chapter_said(monkeypatch, load(fixtures / "tiny"), standard)
    # five move sections and the training section, each one sentence; no table, no chart
    assert len(said) == 6 and all(
        s.startswith("**缺数据**：本县没有提供专任教师（teachers 表）") for s in said
    )
    assert sum("交流轮岗（rotations 表）" in s for s in said) == 5
    full = load(fixtures / "tiny_full")
    said = _chapter_said(monkeypatch, dataclasses.replace(full, rotations=None), standard, "en")
    missing = [s for s in said if s.startswith("**Missing data**")]
    assert len(missing) == 5 and all("the county gave no rotations table," in s for s in missing)
    # training and certification need only the teachers: headline, table, chart, then the schools
    assert said[5].startswith("**") and said[6:8] == ["TABLE", "CHART"] and len(said) > 8
