"""``eduwb validate DATA --annotate OUT.xlsx``: every problem marked where a person fixes it."""

from __future__ import annotations

import hashlib
import shutil
import tomllib
from pathlib import Path

import pytest
from openpyxl import load_workbook

from eduwb.cli import main
from eduwb.data.annotate import LIST_SHEET, annotate
from eduwb.errors import DataError, ParameterError

CORPUS = Path(__file__).parent / "bad_inputs"
TINY = Path(__file__).parent / "fixtures" / "tiny"
RED, AMBER = "FFC7CE", "FFEB9C"  # Excel's light red and light amber

# case → the cells a person must look at: (sheet, cell); cells found by hand from each case's files
MARKED = {
    "several_problems_at_once": [("schools", "C2"), ("sections", "F5"), ("facilities", "F3")],
    "blank_line_keeps_row_numbers": [("sections", "D5")],  # the blank line 4 still counts
    "gbk_bad_cell": [("facilities", "F5")],  # GB18030 file, Chinese header 体育运动场地面积
    "xlsx_bad_cell": [("sections", "E2")],  # a workbook: the copy keeps its sheets
    "xlsx_chinese_bad_cell": [("facilities", "H4")],  # 网络多媒体教室数
    "duplicate_column": [("schools", "J1")],  # the second header of the same column
    "ragged_csv_row": [("sections", "A3")],  # a whole row: its first cell
    "duplicate_class_id": [("classes", "D22"), ("classes", "D23")],
    "indoor_sports_exceeds_teaching_area": [("facilities", "E2")],
    "rotation_unknown_teacher": [("rotations", "A4")],
    "percentage_over_100": [("county_indicators", "C5")],
    "teacher_bad_sex": [("teachers", "E10")],
    "grade_out_of_range": [("classes", "C42")],
    "music_rooms_without_min_area": [("facilities", "J3")],
}
# problems about a whole file, or a column that is not there: listed only
LISTED_ONLY = [
    "random_bytes_file",
    "missing_column",
    "county_toml_unknown_key",
    "xlsx_missing_sheet",
    "missing_required_file",
]


def _case(case: str) -> tuple[Path, dict]:
    expected = tomllib.loads((CORPUS / case / "expected.toml").read_text(encoding="utf-8"))
    return CORPUS / case / expected.get("data", "."), expected


def _digest(path: Path) -> dict[str, str]:
    files = sorted(p for p in (path.iterdir() if path.is_dir() else [path]) if p.is_file())
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in files}


def _fill(cell) -> str:
    return cell.fill.fgColor.rgb[-6:] if cell.fill.fill_type == "solid" else ""


@pytest.mark.parametrize("case", sorted(MARKED))
def test_each_problem_is_marked_on_its_cell(case, tmp_path, capsys):
    data, expected = _case(case)
    before = _digest(data)
    out = tmp_path / "annotated.xlsx"
    assert main(["validate", str(data), "--annotate", str(out)]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err and f"annotated copy: {out}" in err
    assert _digest(data) == before  # the county's own files are untouched
    wb = load_workbook(out)
    assert wb.sheetnames[0] == LIST_SHEET
    cells = MARKED[case]
    for (sheet, ref), entry in zip(cells, expected["problems"], strict=True):
        cell = wb[sheet][ref]
        assert _fill(cell) == RED, (sheet, ref)
        assert cell.comment is not None and entry["rule"] in cell.comment.text, (sheet, ref)
        assert "错误 error" in cell.comment.text
    # the list: one row per problem, each linked to its cell
    listing = wb[LIST_SHEET]
    links = {c.value: c.hyperlink.location for c in listing["G"][1:] if c.hyperlink is not None}
    for sheet, ref in cells:
        assert links[ref] == f"'{sheet}'!{ref}"
    severities = [row[1] for row in listing.iter_rows(min_row=2, values_only=True)]
    assert severities.count("错误 error") == expected.get("count", len(expected["problems"]))


@pytest.mark.parametrize("case", LISTED_ONLY)
def test_whole_file_problems_are_listed_only(case, tmp_path):
    data, expected = _case(case)
    result = annotate(data, tmp_path / "a.xlsx")
    wb = load_workbook(result.path)
    listing = wb[LIST_SHEET]
    rules = [row[8] for row in listing.iter_rows(min_row=2, values_only=True)]
    for entry in expected["problems"]:
        assert any(entry["rule"] in r for r in rules)
    assert all(loc.cell is None for loc in result.located)
    for ws in wb.worksheets[1:]:
        assert not any(_fill(c) in (RED, AMBER) for row in ws.iter_rows() for c in row)


def test_a_workbook_that_cannot_be_opened_writes_nothing(tmp_path, capsys):
    data, expected = _case("xlsx_not_a_workbook")
    out = tmp_path / "a.xlsx"
    assert main(["validate", str(data), "--annotate", str(out)]) == 1
    err = capsys.readouterr().err
    assert expected["problems"][0]["rule"] in err and "Traceback" not in err
    assert list(tmp_path.iterdir()) == []


def test_warnings_are_amber_and_valid_data_exit_0(tmp_path, capsys):
    """Teaching equipment entered in 万元 (as the statistics give it): a warning, not a refusal."""
    county = tmp_path / "county"
    shutil.copytree(TINY, county)
    facilities = county / "facilities.csv"
    lines = facilities.read_text(encoding="utf-8").splitlines()
    assert lines[1].startswith("S01,2024,,5400,500,7000,2000000,")  # row 2: S01, 2,000,000 元
    lines[1] = lines[1].replace(",2000000,", ",200,")  # 200 万元 written where 元 are expected
    facilities.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "a.xlsx"
    assert main(["validate", str(county), "--annotate", str(out)]) == 0
    captured = capsys.readouterr()
    assert "valid:" in captured.out and "1 warning" in captured.out
    assert "implausible R6" in captured.err
    wb = load_workbook(out)
    cell = wb["facilities"]["G2"]  # 教学仪器设备资产值 of S01
    assert cell.value == "200" and _fill(cell) == AMBER
    assert "R6" in cell.comment.text and "万元" in cell.comment.text and "警告 warning" in cell.comment.text
    assert wb[LIST_SHEET]["B2"].value == "警告 warning"
    # S01 has 900 pupils: 200 / 900 = 0.222 元 per pupil, below the plausible 10
    assert "R6 = 0.222 元/生" in wb[LIST_SHEET]["H2"].value
    assert main(["validate", str(county), "--annotate", str(out), "--strict"]) == 1


def test_valid_data_get_an_empty_list(tmp_path):
    result = annotate(TINY, tmp_path / "ok.xlsx")
    assert result.problems == []
    wb = load_workbook(result.path)
    assert wb.sheetnames == [LIST_SHEET, "schools", "sections", "facilities"]
    assert wb[LIST_SHEET]["A2"].value.startswith("没有发现问题")


def test_text_from_the_county_never_becomes_a_formula(tmp_path):
    county = tmp_path / "county"
    shutil.copytree(TINY, county)
    schools = county / "schools.csv"
    text = schools.read_text(encoding="utf-8").replace(
        "城关小学", '"=HYPERLINK(""http://example.invalid"",""x"")"'
    )
    schools.write_text(
        text.replace(",urban,城关镇,public,false,2005", ",urbanish,城关镇,public,false,2005"),
        encoding="utf-8",
    )
    result = annotate(county, tmp_path / "a.xlsx")
    assert [(p.row, p.column) for p in result.errors] == [(3, "locale")]
    wb = load_workbook(result.path)
    name = wb["schools"]["B2"]
    assert name.value.startswith("=HYPERLINK") and name.data_type == "s" and name.quotePrefix
    assert _fill(wb["schools"]["E3"]) == RED


def test_the_copy_never_replaces_the_county_file(tmp_path):
    data, _ = _case("xlsx_bad_cell")
    county = tmp_path / "county.xlsx"
    shutil.copy(data, county)
    with pytest.raises(ParameterError):
        annotate(county, county)
    with pytest.raises(ParameterError):
        annotate(county, tmp_path / "a.csv")
    with pytest.raises(DataError):
        annotate(tmp_path / "no-such-folder", tmp_path / "a.xlsx")
    assert not (tmp_path / "a.xlsx").exists()


def test_comments_and_the_list_give_each_rule_in_chinese_then_english(tmp_path):
    """Issue #23: the rule of sections.csv row 6 (0 pupils) is written out by hand in both languages."""
    result = annotate(CORPUS / "zero_students", tmp_path / "a.xlsx")
    wb = load_workbook(result.path)
    assert wb["sections"]["D6"].comment.text == "错误 error: 必须 > 0\nmust be > 0\n值 value: 0"
    assert [c.value for c in wb[LIST_SHEET][2]][1:] == [
        "错误 error",
        "sections.csv",
        "sections",
        6,
        "students",
        "D6",
        "0",
        "必须 > 0 / must be > 0",
    ]
