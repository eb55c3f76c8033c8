"""The workbook a county fills in: ``eduwb template`` / ``eduwb.data.template.write_template``."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from eduwb.cli import main
from eduwb.data.dataset import load
from eduwb.data.schema import OPTIONAL_TABLES, TABLES
from eduwb.data.template import write_template
from eduwb.data.workbook import COPIED_FILL
from eduwb.errors import DataError, ParameterError

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample"
TINY_FULL = Path(__file__).parent / "fixtures" / "tiny_full"
SHEETS_ZH = [
    "说明",
    "学校名录",
    "学段情况",
    "办学条件",
    "班级",
    "专任教师",
    "交流轮岗",
    "初中巩固率",
    "公用经费与培训经费",
    "县级指标",
    "社会认可度调查",
]


def _assert_same_tables(a, b) -> None:
    for name in TABLES:
        left, right = getattr(a, name), getattr(b, name)
        if left is None:
            assert right is None, name
        else:
            pd.testing.assert_frame_equal(left, right, obj=name)


@pytest.mark.slow
def test_round_trip_of_the_sample_county(tmp_path):
    """A template made --from data/sample validates and loads to the sample's own tables."""
    out = tmp_path / "示例县.xlsx"
    assert main(["template", str(out), "--from", str(SAMPLE)]) == 0
    original, again = load(SAMPLE), load(out)
    _assert_same_tables(original, again)
    assert again.settings == original.settings
    assert again.warnings == []


def test_round_trip_in_english(tmp_path):
    out = tmp_path / "county.xlsx"
    write_template(out, source=TINY_FULL, lang="en")
    wb = load_workbook(out)
    assert wb.sheetnames == ["README", *TABLES]
    assert [c.value for c in wb["schools"][1]] == TABLES["schools"].names
    assert wb["schools"]["C2"].value == "primary"  # codes, not labels
    _assert_same_tables(load(TINY_FULL), load(out))


def test_sheets_headers_comments_and_validation(tmp_path):
    out = tmp_path / "t.xlsx"
    write_template(out, source=TINY_FULL)
    wb = load_workbook(out)
    assert wb.sheetnames == SHEETS_ZH
    schools = wb["学校名录"]
    assert [c.value for c in schools[1]] == [c.zh for c in TABLES["schools"].columns]
    assert schools["C2"].value == "小学" and schools["H4"].value == "是"  # S01 primary; S03 boarding
    assert schools.freeze_panes == "A2"
    facilities = wb["办学条件"]
    comment = facilities["G1"].comment.text  # 教学仪器设备资产值
    assert facilities["G1"].value == "教学仪器设备资产值"
    for fragment in ("教基5176", "万元", "单位：元", "必填", "≥ 0"):
        assert fragment in comment
    assert "教基5170" in facilities["D1"].comment.text
    rules = {str(dv.sqref).split(":")[0]: dv for dv in schools.data_validations.dataValidation}
    assert rules["C2"].type == "list" and "九年一贯制学校" in rules["C2"].formula1  # 办学类型
    assert rules["H2"].formula1 == '"是,否"' and rules["H2"].allow_blank  # 是否寄宿制, optional
    sections = {str(dv.sqref).split(":")[0]: dv for dv in wb["学段情况"].data_validations.dataValidation}
    assert (sections["D2"].type, sections["D2"].operator, sections["D2"].formula1) == (
        "whole",
        "greaterThan",
        "0",
    )
    assert sections["A2"].formula1 == "='学校名录'!$A$2:$A$2005"  # school ids from the school list
    classes = {str(dv.sqref).split(":")[0]: dv for dv in wb["班级"].data_validations.dataValidation}
    assert (classes["C2"].operator, classes["C2"].formula1, classes["C2"].formula2) == ("between", "1", "9")
    readme = wb["说明"]
    links = [
        c.hyperlink.location or c.hyperlink.target for row in readme.iter_rows() for c in row if c.hyperlink
    ]
    assert len(links) == len(TABLES) and links[1].endswith("'学段情况'!A1")


def test_empty_template_is_read_as_the_dictionary(tmp_path):
    """Every sheet and header is recognised: only the three required tables' emptiness is refused."""
    out = tmp_path / "空白.xlsx"
    write_template(out)
    assert (tmp_path / "空白.toml").read_text(encoding="utf-8").count('name = "空白"') == 1
    with pytest.raises(DataError) as info:
        load(out)
    problems = info.value.problems
    assert all("no data rows" in p.rule for p in problems)
    assert sorted(p.file for p in problems) == sorted(
        f"空白.xlsx [sheet {s}]" for s in ("学校名录", "学段情况", "办学条件")
    )


def test_new_year_starts_from_the_latest_year(tmp_path):
    out = tmp_path / "2025.xlsx"
    write_template(out, source=TINY_FULL, years=2025)
    wb = load_workbook(out)
    src = load(TINY_FULL)
    sections = wb["学段情况"]
    years = {sections.cell(row=r, column=2).value for r in range(2, sections.max_row + 1)}
    assert years == {2025}
    assert sections.max_row - 1 == len(src.sections)
    assert sections["D2"].value == 900 and sections["D2"].fill.fgColor.rgb.endswith(
        COPIED_FILL
    )  # S01 pupils, shaded
    assert sections["A2"].fill.fgColor.rgb in ("00000000", None)  # keys are not shaded
    assert wb["交流轮岗"].max_row == 1  # moves of a new year are new
    cohorts = wb["初中巩固率"]
    assert [c.value for c in cohorts[2]] == [2025, None, None, None, None, None]
    # what is left to fill is exactly the new cohort and the new survey counts
    with pytest.raises(DataError) as info:
        load(out)
    problems = info.value.problems
    assert {p.rule for p in problems if p.severity == "error"} == {"a value is required"}
    assert sorted({p.file for p in problems}) == [
        "2025.xlsx [sheet 初中巩固率]",
        "2025.xlsx [sheet 社会认可度调查]",
    ]
    assert sum(p.severity == "error" for p in problems) == 5 + 2 * len(src.survey)


def test_a_school_list_gets_a_row_per_stage(tmp_path):
    schools = pd.DataFrame(
        {
            "school_id": ["A1", "A2", "A3"],
            "name": ["甲小学", "乙九年一贯制学校", '=HYPERLINK("http://x")'],
            "kind": ["primary", "nine_year", "junior"],
            "locale": ["urban", "rural", "town"],
            "sponsor": ["public", "public", "private"],
        }
    )
    out = tmp_path / "new.xlsx"
    write_template(out, source={"schools": schools}, years=[2026])
    wb = load_workbook(out)
    sections = wb["学段情况"]
    rows = [
        (sections.cell(row=r, column=1).value, sections.cell(row=r, column=3).value)
        for r in range(2, sections.max_row + 1)
    ]
    assert rows == [("A1", "小学"), ("A2", "小学"), ("A2", "初中"), ("A3", "初中")]
    assert wb["办学条件"].max_row == 4
    name = wb["学校名录"]["B4"]
    assert name.value.startswith("=") and name.data_type == "s" and name.quotePrefix  # text, never a formula


def test_same_source_same_bytes(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")  # 2023-11-14 22:13:20 UTC
    a, b = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    write_template(a, source=TINY_FULL)
    write_template(b, source=TINY_FULL)
    assert a.read_bytes() == b.read_bytes()
    with zipfile.ZipFile(a) as z:
        assert {i.date_time for i in z.infolist()} == {(2023, 11, 14, 22, 13, 20)}
        assert b"2023-11-14T22:13:20Z" in z.read("docProps/core.xml")
    assert not list(tmp_path.glob(".*.tmp"))


def test_refusals(tmp_path, capsys):
    assert main(["template", str(tmp_path / "t.csv")]) == 2
    assert "must be an .xlsx" in capsys.readouterr().err
    bad = Path(__file__).parent / "bad_inputs" / "negative_students"
    assert main(["template", str(tmp_path / "t.xlsx"), "--from", str(bad)]) == 1
    err = capsys.readouterr().err
    assert "refused" in err and "Traceback" not in err
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(ParameterError):
        write_template(tmp_path / "t.xlsx", source={"pupils": pd.DataFrame()})


def test_empty_optional_sheets_are_absent_tables(tmp_path, capsys):
    """A template of the required tables only leaves seven sheets empty: each is no table at all."""
    out = tmp_path / "required.xlsx"
    write_template(out, source=Path(__file__).parent / "fixtures" / "tiny")
    ds = load(out)
    assert all(getattr(ds, name) is None for name in OPTIONAL_TABLES)
    assert main(["validate", str(out)]) == 0
    assert capsys.readouterr().out.rstrip().endswith("optional tables: none")


def test_a_header_only_csv_is_an_absent_table(tmp_path):
    folder = tmp_path / "county"
    shutil.copytree(TINY_FULL, folder)
    header = (folder / "budget.csv").read_text(encoding="utf-8").splitlines()[0]
    (folder / "budget.csv").write_text(header + "\n", encoding="utf-8")
    ds = load(folder)
    assert ds.budget is None and ds.classes is not None


def _rules(ws) -> dict[str, object]:
    return {str(dv.sqref).split(":")[0]: dv for dv in ws.data_validations.dataValidation}


def test_validations_cover_every_row_eduwb_reads_and_speak_both_languages(tmp_path):
    from eduwb.data.limits import MAX_ROWS

    out = tmp_path / "t.xlsx"
    write_template(out, source=TINY_FULL)
    wb = load_workbook(out)
    last = MAX_ROWS + 1  # the header, then MAX_ROWS data rows
    for table in TABLES.values():
        for dv in wb[table.zh].data_validations.dataValidation:
            assert str(dv.sqref).endswith(f"{last}"), (table.name, dv.sqref)
            assert " / " in dv.error and " / " in dv.prompt and dv.showInputMessage, (table.name, dv.sqref)
            assert len(dv.prompt) <= 255 and len(dv.promptTitle) <= 32 and len(dv.errorTitle) <= 32
    teachers = _rules(wb["专任教师"])
    birth = teachers["F2"]  # 出生年份
    assert birth.prompt.startswith("必填") and "whole number" in birth.prompt
    assert birth.error.startswith("请填整数") and "Enter a whole number" in birth.error
    assert teachers["E2"].formula1 == '"男,女"' and "Pick a value" in teachers["E2"].error  # 性别


def test_indicator_codes_come_from_the_standard(tmp_path):
    import tomllib

    standard = tomllib.loads((ROOT / "eduwb" / "standards" / "moe-2017.toml").read_text(encoding="utf-8"))
    ids = {i["id"] for i in standard["indicators"]} | {v["id"] for v in standard["vetoes"]}
    assert len(ids) == 32 + 6
    out = tmp_path / "t.xlsx"
    write_template(out)
    wb = load_workbook(out)
    indicator = _rules(wb["县级指标"])["B2"]
    assert indicator.type == "list" and indicator.errorStyle == "stop"
    offered = indicator.formula1.strip('"').split(",")
    assert set(offered) == ids and len(offered) == len(ids)
    assert offered[0] == "G1"  # the indicators the county declares come first


def test_required_and_optional_headers_look_different_with_a_legend(tmp_path):
    from eduwb.data.workbook import OPTIONAL_HEADER_FILL, REQUIRED_HEADER_FILL

    out = tmp_path / "t.xlsx"
    write_template(out)
    wb = load_workbook(out)
    schools = wb["学校名录"]
    required, optional = schools["A1"], schools["D1"]  # 学校标识码 (required), 上级学校 (optional)
    assert required.fill.fgColor.rgb.endswith(REQUIRED_HEADER_FILL) and required.font.b
    assert optional.fill.fgColor.rgb.endswith(OPTIONAL_HEADER_FILL) and not optional.font.b
    assert required.font.color.rgb != optional.font.color.rgb
    # dark against light: the two fills differ by more than half the grey scale
    grey = [
        sum(int(c[i : i + 2], 16) for i in (0, 2, 4)) / 3
        for c in (REQUIRED_HEADER_FILL, OPTIONAL_HEADER_FILL)
    ]
    assert grey[1] - grey[0] > 128
    readme = wb["说明"]
    legend = {c.value: c for row in readme.iter_rows(max_col=1) for c in row if c.value}
    assert "图例" in legend
    assert legend["必填列"].fill.fgColor.rgb.endswith(REQUIRED_HEADER_FILL)
    assert legend["可空列"].fill.fgColor.rgb.endswith(OPTIONAL_HEADER_FILL)
