"""The county dataset loader: types, settings, the workbook route, warnings, awkward inputs."""

from __future__ import annotations

import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from eduwb.data.dataset import CountySettings, Dataset, load
from eduwb.data.schema import KINDS, LOCALES, OPTIONAL_TABLES, SPONSORS, STAGES, TABLES, chinese_headers
from eduwb.errors import DataError
from eduwb.standards import load_standard

FIXTURES = Path(__file__).parent / "fixtures"
TINY = FIXTURES / "tiny"
TINY_FULL = FIXTURES / "tiny_full"
AWKWARD = sorted(p.name for p in FIXTURES.glob("awkward_*") if p.is_dir())


@pytest.fixture(scope="module")
def tiny():
    return load(TINY)


@pytest.fixture(scope="module")
def tiny_full():
    return load(TINY_FULL)


def _copy(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst)
    return dst


# ----------------------------------------------------------------------------- the tiny county


def test_tiny_county_tables_and_types(tiny):
    assert tiny.name == "tiny"
    assert tiny.path == TINY
    assert tiny.years == [2024]
    assert tiny.warnings == []
    assert list(tiny.schools["school_id"]) == ["S01", "S02", "S03", "S04"]
    for frame, table in (
        (tiny.schools, "schools"),
        (tiny.sections, "sections"),
        (tiny.facilities, "facilities"),
    ):
        # English column names in the data dictionary's order
        assert list(frame.columns) == TABLES[table].names
        assert isinstance(frame.index, pd.RangeIndex) and frame.index[0] == 0
    # ids are str
    for frame, col in (
        (tiny.schools, "school_id"),
        (tiny.sections, "school_id"),
        (tiny.facilities, "school_id"),
    ):
        assert frame[col].map(type).eq(str).all()
    assert tiny.schools["parent_id"].isna().sum() == 3 and tiny.schools.loc[3, "parent_id"] == "S03"
    # whole numbers int64, optional whole numbers Int64, numbers float64, booleans bool
    for col in (
        "year",
        "students",
        "classes",
        "teachers",
        "teachers_above_degree",
        "backbone_teachers",
        "pe_art_teachers",
    ):
        assert tiny.sections[col].dtype == "int64", col
    assert tiny.schools["built_year"].dtype == "Int64"
    assert tiny.facilities["multimedia_rooms"].dtype == "int64"
    assert tiny.facilities["teaching_aux_area_m2"].dtype == "float64"
    assert tiny.facilities["art_room_min_area_m2"].dtype == "float64"
    assert tiny.schools["boarding"].dtype == bool
    assert tiny.schools["boarding"].tolist() == [False, False, True, False]
    # enum values are English codes
    assert tiny.schools["kind"].tolist() == ["primary", "junior", "nine_year", "teaching_point"]
    assert set(tiny.schools["locale"]) <= set(LOCALES) and set(tiny.schools["sponsor"]) <= set(SPONSORS)
    assert tiny.sections["stage"].tolist() == ["primary", "junior", "primary", "junior", "primary"]
    # figures for the whole school: facilities.stage is NA
    assert tiny.facilities["stage"].isna().all()
    # values read as written (hand-checked against the CSV files)
    assert tiny.sections["students"].sum() == 900 + 600 + 300 + 200 + 40
    assert tiny.facilities["equipment_value_yuan"].tolist() == [
        2_000_000.0,
        1_600_000.0,
        1_000_000.0,
        50_000.0,
    ]
    assert tiny.facilities["music_room_min_area_m2"].isna().tolist() == [False, False, False, True]
    # optional tables not provided are None
    for table in OPTIONAL_TABLES:
        assert getattr(tiny, table) is None and not tiny.has(table)
    assert tiny.has("schools")
    assert tiny.summary() == "tiny: 4 schools, 5 school sections, years 2024; optional tables: none"


def test_optional_tables_types(tiny_full):
    ds = tiny_full
    assert ds.warnings == []
    for table in OPTIONAL_TABLES:
        assert ds.has(table)
        assert list(getattr(ds, table).columns) == TABLES[table].names
    assert ds.classes["grade"].dtype == "int64" and ds.classes["students"].dtype == "int64"
    assert ds.classes["class_id"].map(type).eq(str).all()
    # 20 + 12 + 6 + 3 + 2 classes, as many as sections.classes says
    assert len(ds.classes) == 43
    assert ds.teachers["teacher_id"].map(type).eq(str).all()
    assert ds.teachers["certified"].dtype == bool
    assert ds.teachers["training_hours_5y"].dtype == "float64"
    assert set(ds.teachers["sex"]) == {"male", "female"}
    assert len(ds.teachers) == 50 + 45 + 20 + 18 + 3
    assert ds.rotations["mode"].tolist() == ["rotation", "support"]
    assert ds.cohorts["entrants_3y_ago"].tolist() == [200]
    assert ds.survey["group"].tolist() == ["parent", "student", "teacher"]
    assert ds.county_indicators["indicator"].tolist() == ["G1", "G7", "G13", "Q2", "VETO1"]
    assert ds.county_indicators["indicator"].dtype == object
    assert ds.county_indicators["value"].tolist() == ["是", "6500", "100%", "0.965", "否"]
    assert ds.budget["public_funds_yuan"].dtype == "float64"


def test_dataset_can_be_built_directly(tiny):
    ds = Dataset(
        path=Path("x"),
        name="测试县",
        settings=CountySettings(),
        schools=tiny.schools,
        sections=tiny.sections,
        facilities=tiny.facilities,
    )
    assert ds.years == [2024] and not ds.has("classes") and ds.warnings == []


def test_not_a_dataset(tmp_path):
    with pytest.raises(DataError) as info:
        load(tmp_path / "nowhere")
    assert len(info.value.problems) == 1 and "no such folder" in info.value.problems[0].rule
    csv = tmp_path / "schools.csv"
    csv.write_text("school_id\n", encoding="utf-8")
    with pytest.raises(DataError, match="folder of CSV files or an .xlsx workbook"):
        load(csv)


# ----------------------------------------------------------------------------- county.toml


def test_county_settings_defaults(tiny):
    s = tiny.settings
    assert s.name == "tiny"  # the folder name
    assert s.code is None and s.province is None
    assert s.standard == "moe-2017"
    assert s.relaxations_2019 is False
    assert s.milestones == []
    # the data dictionary's defaults
    assert s.rotation == {"min_years_at_school": 6, "exempt_age_male": 55, "exempt_age_female": 50}
    assert s.unit_costs == {
        "teacher_per_year": 120000,
        "building_m2": 3500,
        "sports_field_m2": 400,
        "multimedia_room": 40000,
    }


def test_county_settings_overrides(tmp_path):
    folder = _copy(TINY, tmp_path / "county")
    (folder / "county.toml").write_text(
        """
name = "示例县"
code = "429999"
province = "示例省"
relaxations_2019 = true

[[class_size.milestones]]
by = 2025
max_students = "standard"
[[class_size.milestones]]
by = 2023
max_students = 65

[rotation]
min_years_at_school = 5

[unit_costs]
teacher_per_year = 150000
""",
        encoding="utf-8",
    )
    s = load(folder).settings
    assert (s.name, s.code, s.province, s.standard, s.relaxations_2019) == (
        "示例县",
        "429999",
        "示例省",
        "moe-2017",
        True,
    )
    # milestones in date order whatever order the file gives them
    assert s.milestones == [{"by": 2023, "max_students": 65}, {"by": 2025, "max_students": "standard"}]
    # what is not overridden keeps its default
    assert s.rotation == {"min_years_at_school": 5, "exempt_age_male": 55, "exempt_age_female": 50}
    assert s.unit_costs["teacher_per_year"] == 150000 and s.unit_costs["building_m2"] == 3500
    assert load(folder).name == "示例县"


def test_county_standard_file_is_found_beside_county_toml(tmp_path, monkeypatch):
    folder = _copy(TINY, tmp_path / "county")
    (folder / "province.toml").write_text(
        'extends = "moe-2017"\nid = "province-2024"\n\n[[indicators]]\nid '
        '= "R6"\nthreshold = { primary = 2200, junior = 2600 }\n',
        encoding="utf-8",
    )
    (folder / "county.toml").write_text('standard = "province.toml"\n', encoding="utf-8")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    ds = load(folder)
    std = load_standard(ds.settings.standard)
    assert std.id == "province-2024"
    assert std.indicator("R6").threshold_for("primary") == 2200


# ----------------------------------------------------------------------------- the workbook route


def _write_workbook(path: Path, ds: Dataset, *, chinese: bool, zh_sheets: bool = False) -> None:
    """Write a loaded dataset the way analysts receive it: Chinese headers, labels and 是/否."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name in TABLES:
        frame = getattr(ds, name)
        if frame is None:
            continue
        ws = wb.create_sheet(TABLES[name].zh if zh_sheets else name)
        columns = list(frame.columns)
        headers = chinese_headers(name)
        ws.append([headers[c] if chinese else c for c in columns])
        for record in frame.itertuples(index=False):
            row = []
            for col, value in zip(columns, record, strict=True):
                spec = TABLES[name].column(col)
                if pd.isna(value):
                    row.append(None)
                elif chinese and spec.dtype == "enum":
                    row.append(spec.enum[value])
                elif spec.dtype == "bool":
                    row.append(("是" if value else "否") if chinese else bool(value))
                elif hasattr(value, "item"):
                    row.append(value.item())
                else:
                    row.append(value)
            ws.append(row)
    wb.save(path)


@pytest.mark.parametrize("zh_sheets", [False, True], ids=["english-sheets", "chinese-sheets"])
def test_workbook_with_chinese_headers_and_labels(tmp_path, tiny, zh_sheets):
    path = tmp_path / "示例县.xlsx"
    _write_workbook(path, tiny, chinese=True, zh_sheets=zh_sheets)
    ws = openpyxl.load_workbook(path)["学段情况" if zh_sheets else "sections"]
    assert ws["D1"].value == "在校生数" and ws["C2"].value == "小学"  # really written in Chinese
    ds = load(path)
    assert ds.name == "示例县"
    for table in ("schools", "sections", "facilities"):
        pd.testing.assert_frame_equal(getattr(ds, table), getattr(tiny, table), obj=table)
    assert ds.classes is None


def test_workbook_with_every_table(tmp_path, tiny_full):
    path = tmp_path / "county.xlsx"
    _write_workbook(path, tiny_full, chinese=True)
    (tmp_path / "county.toml").write_text('name = "工作簿县"\n', encoding="utf-8")  # <stem>.toml beside it
    ds = load(path)
    assert ds.name == "工作簿县"
    for table in TABLES:
        pd.testing.assert_frame_equal(getattr(ds, table), getattr(tiny_full, table), obj=table)


def test_workbook_problem_names_sheet_and_row(tmp_path, tiny):
    path = tmp_path / "county.xlsx"
    _write_workbook(path, tiny, chinese=False)
    wb = openpyxl.load_workbook(path)
    ws = wb["sections"]
    ws.insert_rows(3, amount=2)  # two blank rows after the first data row: rows below keep Excel's numbers
    assert ws["A6"].value == "S03" and ws["C6"].value == "primary"
    ws["D6"] = -3  # D is students
    wb.save(path)
    with pytest.raises(DataError) as info:
        load(path)
    (problem,) = info.value.problems
    assert (problem.file, problem.row, problem.column, problem.value) == (
        "county.xlsx [sheet sections]",
        6,
        "students",
        -3,
    )


# ----------------------------------------------------------------------------- warnings and problems


def test_class_rows_not_adding_up_are_warnings_naming_both_numbers(tmp_path):
    folder = _copy(TINY_FULL, tmp_path / "county")
    classes = pd.read_csv(folder / "classes.csv", dtype=str, keep_default_na=False)
    s01 = classes.index[classes["school_id"] == "S01"][0]
    classes.loc[s01, "students"] = str(int(classes.loc[s01, "students"]) + 5)
    s02 = classes.index[classes["school_id"] == "S02"]
    dropped = int(classes.loc[s02[-1], "students"])
    classes = classes.drop(index=s02[-1])
    classes.to_csv(folder / "classes.csv", index=False, lineterminator="\n")

    ds = load(folder)  # warnings do not refuse the dataset
    found = {(w.file, w.row, w.column): w for w in ds.warnings}
    assert all(w.severity == "warning" for w in ds.warnings)
    assert len(ds.warnings) == 3
    # sections.csv row 2 is S01 primary (900 pupils), row 3 S02 junior (600 pupils, 12 classes)
    assert found[("sections.csv", 2, "students")].value == "900 here, 905 in classes"
    assert found[("sections.csv", 3, "students")].value == f"600 here, {600 - dropped} in classes"
    assert found[("sections.csv", 3, "classes")].value == "12 here, 11 in classes"
    assert "900 here, 905 in classes" in str(found[("sections.csv", 2, "students")])


def test_every_problem_is_reported_at_once(tmp_path):
    folder = _copy(TINY, tmp_path / "county")
    text = (folder / "schools.csv").read_text(encoding="utf-8")
    (folder / "schools.csv").write_text(
        text.replace("S02,城关中学,junior", "S02,城关中学,高中"), encoding="utf-8"
    )
    text = (folder / "sections.csv").read_text(encoding="utf-8")
    (folder / "sections.csv").write_text(
        text.replace("S03,2024,junior,200", "S03,2024,junior,-200"), encoding="utf-8"
    )
    text = (folder / "facilities.csv").read_text(encoding="utf-8")
    (folder / "facilities.csv").write_text(
        text.replace("S04,2024,,200,0,500", "S04,2024,,200,0,lots"), encoding="utf-8"
    )
    with pytest.raises(DataError) as info:
        load(folder)
    where = sorted((p.file, p.row, p.column) for p in info.value.problems)
    assert where == [
        ("facilities.csv", 5, "sports_field_area_m2"),
        ("schools.csv", 3, "kind"),
        ("sections.csv", 5, "students"),
    ]


# ----------------------------------------------------------------------------- awkward but valid


def test_awkward_fixtures_exist():
    assert {"awkward_gbk", "awkward_bom", "awkward_chinese", "awkward_headers", "awkward_booleans"} <= set(
        AWKWARD
    )


@pytest.mark.parametrize("name", AWKWARD)
def test_awkward_input_loads_into_the_same_tables(name, tiny, tiny_full):
    folder = FIXTURES / name
    reference = {"tiny": tiny, "tiny_full": tiny_full}[(folder / "same_as.txt").read_text().strip()]
    ds = load(folder)
    assert ds.warnings == []
    for table in TABLES:
        expected, actual = getattr(reference, table), getattr(ds, table)
        if expected is None:
            assert actual is None, table
        else:
            pd.testing.assert_frame_equal(actual, expected, obj=f"{name}/{table}")


def test_awkward_fixtures_really_are_awkward():
    """Guard the fixtures themselves, so a regeneration cannot make them trivially clean."""
    gbk = (FIXTURES / "awkward_gbk" / "schools.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        gbk.decode("utf-8")
    assert "学校标识码" in gbk.decode("gb18030")
    sparse = (FIXTURES / "awkward_gbk_sparse" / "teachers.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        sparse.decode("utf-8")
    assert (FIXTURES / "awkward_bom" / "sections.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    chinese = FIXTURES / "awkward_chinese"
    assert (chinese / "学校名录.csv").exists() and not (chinese / "schools.csv").exists()
    header, first = (chinese / "学校名录.csv").read_text(encoding="utf-8").splitlines()[:2]
    assert header.startswith("学校标识码,学校名称,办学类型")
    assert first.split(",")[2] == KINDS["primary"] and first.split(",")[7] == "否"
    messy = (FIXTURES / "awkward_headers" / "schools.csv").read_text(encoding="utf-8").splitlines()[0]
    assert "  NAME " in messy.split(",") and "School_Id\u3000" in messy.split(",")
    assert not messy.startswith("school_id")  # columns in another order
    booleans = (FIXTURES / "awkward_booleans" / "schools.csv").read_text(encoding="utf-8")
    assert ",是," in booleans and ",否," in booleans
    assert STAGES["primary"] in (FIXTURES / "awkward_full_chinese_gbk" / "sections.csv").read_bytes().decode(
        "gb18030"
    )


def test_repeated_loads_are_private_copies_and_see_changed_files(tmp_path):
    import os
    import shutil

    from eduwb.data.dataset import load

    county = tmp_path / "county"
    shutil.copytree(TINY, county)
    first = load(county)
    first.sections.loc[0, "students"] = 1  # a caller's change must not reach the next load
    again = load(county)
    assert again is not first and int(again.sections.loc[0, "students"]) != 1

    sections = county / "sections.csv"
    text = sections.read_text(encoding="utf-8").replace("S01,2024,primary,900", "S01,2024,primary,901")
    sections.write_text(text, encoding="utf-8")
    stat = sections.stat()
    os.utime(
        sections, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000)
    )  # a later edit, whatever the clock
    changed = load(county)
    assert int(changed.sections.query("school_id == 'S01'")["students"].iloc[0]) == 901
