"""Build the bad-input corpus and the awkward-but-valid fixtures from ``tests/fixtures/tiny``.

    .venv/bin/python tests/bad_inputs/make_corpus.py            # rewrite the committed files
    .venv/bin/python tests/bad_inputs/make_corpus.py --out DIR  # write elsewhere (the test does)

Writes

- ``tests/fixtures/tiny_full/``: the tiny county plus every optional table (classes, teachers,
  rotations, cohorts, budget, county_indicators, survey), consistent with the section totals;
- ``tests/fixtures/awkward_*/``: valid datasets written the awkward ways analysts write them
  (GB18030, UTF-8 with BOM, Chinese headers and labels, messy headers, 是/否); each must load
  into exactly the tables of the county it was derived from;
- ``tests/bad_inputs/<case>/``: one broken dataset per case (CSV files, or ``county.xlsx``)
  with ``expected.toml`` naming every problem ``eduwb validate`` must report: file (and
  sheet), row as a person sees it (header = row 1), column as written and a fragment of
  the rule. ``count`` is the exact number of errors.

Each case changes as little as possible of the tiny county, so the expected problems are the
only ones. Output is deterministic (fixed random seed, fixed timestamps inside workbooks), so
the committed files are what this script writes; ``tests/test_bad_inputs.py`` checks that.
"""

from __future__ import annotations

import argparse
import copy
import csv
import io
import random
import re
import shutil
import sys
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import tomli_w

HERE = Path(__file__).resolve().parent
FIXTURES = HERE.parent / "fixtures"
TINY = FIXTURES / "tiny"
sys.path.insert(0, str(HERE.parents[1]))

from eduwb.data.schema import KINDS, LOCALES, SPONSORS, STAGES, TABLES  # noqa: E402

ZH_LABELS = {"kind": KINDS, "locale": LOCALES, "sponsor": SPONSORS, "stage": STAGES}


# ----------------------------------------------------------------------------- tables as text


@dataclass
class Sheet:
    """One table as an analyst's file holds it: a header and rows of text cells."""

    header: list[str]
    rows: list[list[str]]

    def index(self, column: str) -> int:
        return self.header.index(column)

    def cell(self, row: int, column: str) -> str:
        """``row`` as a person sees it: the header is row 1, the first data row is row 2."""
        return self.rows[row - 2][self.index(column)]

    def set(self, row: int, column: str, value: str) -> None:
        self.rows[row - 2][self.index(column)] = value

    def append(self, **values: str) -> int:
        """Add a row (unnamed columns blank); returns its row number as a person sees it."""
        self.rows.append([values.get(h, "") for h in self.header])
        return len(self.rows) + 1

    def drop_column(self, column: str) -> None:
        i = self.index(column)
        self.header.pop(i)
        for r in self.rows:
            r.pop(i)

    def rename(self, mapping: dict[str, str]) -> None:
        self.header = [mapping.get(h, h) for h in self.header]

    def to_csv(self) -> str:
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(self.header)
        writer.writerows(self.rows)
        return buf.getvalue()


def read_tiny() -> dict[str, Sheet]:
    out = {}
    for name in ("schools", "sections", "facilities"):
        with (TINY / f"{name}.csv").open(encoding="utf-8", newline="") as fh:
            header, *rows = list(csv.reader(fh))
        out[name] = Sheet(header, rows)
    return out


def optional_tables(base: dict[str, Sheet]) -> dict[str, Sheet]:
    """Every optional table for the tiny county, adding up to its section totals exactly."""
    sec = base["sections"]
    col = {h: i for i, h in enumerate(sec.header)}
    grades = {"primary": range(1, 7), "junior": range(7, 10)}

    classes = Sheet(TABLES["classes"].names, [])
    teachers = Sheet(TABLES["teachers"].names, [])
    serial = 0
    for r in sec.rows:
        school, year, stage = r[col["school_id"]], r[col["year"]], r[col["stage"]]
        students, n_classes = int(r[col["students"]]), int(r[col["classes"]])
        # classes spread over the stage's grades, sizes as even as the total allows
        g = list(grades[stage])
        per_grade = [n_classes // len(g) + (1 if i < n_classes % len(g) else 0) for i in range(len(g))]
        sizes = [students // n_classes + (1 if i < students % n_classes else 0) for i in range(n_classes)]
        k = 0
        for grade, count in zip(g, per_grade, strict=True):
            for n in range(1, count + 1):
                classes.append(
                    school_id=school,
                    year=year,
                    grade=str(grade),
                    class_id=f"{grade}-{n}",
                    students=str(sizes[k]),
                )
                k += 1
        backbone = int(r[col["backbone_teachers"]])
        for i in range(int(r[col["teachers"]])):
            serial += 1
            teachers.append(
                teacher_id=f"T{serial:04d}",
                year=year,
                school_id=school,
                stage=stage,
                sex="female" if serial % 3 else "male",
                birth_year=str(1968 + serial % 30),
                backbone="county" if i < backbone else "none",
                years_at_school=str(serial % 12),
                certified="true",
                training_hours_5y=str(360 + 20 * (serial % 5)),
            )
    rotations = Sheet(TABLES["rotations"].names, [])
    rotations.append(teacher_id="T0001", year="2024", from_school="S01", to_school="S03", mode="rotation")
    rotations.append(teacher_id="T0060", year="2024", from_school="S02", to_school="S03", mode="support")
    cohorts = Sheet(TABLES["cohorts"].names, [["2024", "196", "200", "4", "3", "0"]])
    budget = Sheet(
        TABLES["budget"].names,
        [
            ["S01", "2024", "900000", "60000"],
            ["S02", "2024", "700000", "40000"],
            ["S03", "2024", "500000", "20000"],
            ["S04", "2024", "100000", "5000"],
        ],
    )
    county_indicators = Sheet(
        TABLES["county_indicators"].names,
        [
            ["2024", "G1", "是", "县教育布局规划(2021—2025)"],
            ["2024", "G7", "6500", "县财政局文件"],
            ["2024", "G13", "100%", ""],
            ["2024", "Q2", "0.965", ""],
            ["2024", "VETO1", "否", ""],
        ],
    )
    survey = Sheet(
        TABLES["survey"].names,
        [
            ["2024", "parent", "500", "450"],
            ["2024", "student", "400", "370"],
            ["2024", "teacher", "200", "190"],
        ],
    )
    return {
        "classes": classes,
        "teachers": teachers,
        "rotations": rotations,
        "cohorts": cohorts,
        "budget": budget,
        "county_indicators": county_indicators,
        "survey": survey,
    }


def full_county() -> dict[str, Sheet]:
    base = read_tiny()
    return base | optional_tables(base)


# ----------------------------------------------------------------------------- writing


FIXED_ZIP_TIME = (2024, 9, 1, 0, 0, 0)


def xlsx_bytes(sheets: dict[str, Sheet], numeric: bool = True) -> bytes:
    """A workbook with one sheet per table; number-looking cells written as numbers, as Excel does."""
    import datetime

    import openpyxl

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, sheet in sheets.items():
        ws = wb.create_sheet(name)
        ws.append(sheet.header)
        for row in sheet.rows:
            ws.append([_cell(v) if numeric else v for v in row])
    stamp = datetime.datetime(*FIXED_ZIP_TIME)
    wb.properties.created = stamp
    wb.properties.modified = stamp
    raw = io.BytesIO()
    wb.save(raw)
    # openpyxl stamps every zip member with the current time; fix it so reruns write identical bytes
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(raw.getvalue())) as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=FIXED_ZIP_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = info.external_attr
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":  # openpyxl sets "modified" to now when saving
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>2024-09-01T00:00:00Z", data)
            dst.writestr(fixed, data)
    return out.getvalue()


def _cell(v: str):
    try:
        return int(v)
    except ValueError:
        pass
    try:
        return float(v)
    except ValueError:
        return v


def write_folder(folder: Path, sheets: dict[str, Sheet], encodings: dict[str, str] | None = None) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, sheet in sheets.items():
        enc = (encodings or {}).get(name, "utf-8")
        (folder / f"{name}.csv").write_bytes(sheet.to_csv().encode(enc))


def to_chinese(sheets: dict[str, Sheet], labels: bool = True) -> dict[str, Sheet]:
    """The same tables with Chinese headers (and Chinese enum labels, 是/否 booleans)."""
    out = {}
    for name, sheet in sheets.items():
        s = copy.deepcopy(sheet)
        table = TABLES[name]
        if labels:
            for c in table.columns:
                if c.name not in s.header:
                    continue
                i = s.index(c.name)
                for r in s.rows:
                    if c.dtype == "enum" and r[i]:
                        r[i] = c.enum[r[i]]
                    elif c.dtype == "bool" and r[i]:
                        r[i] = "是" if r[i].lower() == "true" else "否"
        s.rename({c.name: c.zh for c in table.columns})
        out[name] = s
    return out


# ----------------------------------------------------------------------------- the cases


@dataclass
class Case:
    """One broken dataset and the problems it must be refused with."""

    name: str
    description: str
    tables: dict[str, Sheet]
    xlsx: bool = False
    raw_files: dict[str, bytes] = field(default_factory=dict)
    encodings: dict[str, str] = field(default_factory=dict)
    problems: list[dict] = field(default_factory=list)
    count: int | None = None

    def expect(
        self, file: str, row: int | None, column: str | None, rule: str, *, sheet: str | None = None
    ) -> None:
        entry = {"file": file}
        if sheet is not None:
            entry["sheet"] = sheet
        if row is not None:
            entry["row"] = row
        if column is not None:
            entry["column"] = column
        entry["rule"] = rule
        self.problems.append(entry)


CASES: list[Callable[[], Case]] = []


def case(fn: Callable[[Case], None]) -> Callable[[], Case]:
    """Register a case; its docstring is the description, ``optional`` tables come from tiny_full."""

    def build() -> Case:
        optional = getattr(fn, "optional", ())
        full = full_county()
        tables = {n: full[n] for n in ("schools", "sections", "facilities", *optional)}
        c = Case(fn.__name__, " ".join(fn.__doc__.split()), copy.deepcopy(tables))
        fn(c)
        if c.count is None:
            c.count = len(c.problems)
        return c

    CASES.append(build)
    return build


def with_tables(*names: str):
    def mark(fn):
        fn.optional = names
        return fn

    return mark


# --- files and encodings


@case
def missing_required_file(c: Case) -> None:
    """facilities.csv is not in the folder."""
    del c.tables["facilities"]
    c.expect("facilities.csv", None, None, "required file missing")


@case
def one_table_two_files(c: Case) -> None:
    """schools.csv and 学校名录.csv both in the folder: one table under its two names."""
    c.raw_files["学校名录.csv"] = c.tables["schools"].to_csv().encode()
    c.expect("学校名录.csv", None, None, "one table, two files: 'schools.csv' and '学校名录.csv'")


@case
def empty_file(c: Case) -> None:
    """schools.csv has zero bytes."""
    c.raw_files["schools.csv"] = b""
    c.expect("schools.csv", None, None, "file is empty")


@case
def header_only_file(c: Case) -> None:
    """sections.csv has its header but no data rows: a county with no school sections."""
    c.tables["sections"].rows.clear()
    c.expect("sections.csv", None, None, "no data rows")


@case
def utf16_file(c: Case) -> None:
    """schools.csv saved as UTF-16 (Excel's "Unicode text"), which is neither UTF-8 nor GB18030."""
    c.encodings["schools"] = "utf-16"
    c.expect("schools.csv", None, None, "UTF-16")


@case
def gbk_bad_cell(c: Case) -> None:
    """A GB18030 (GBK) facilities file with Chinese headers: the problem names the Chinese header."""
    c.tables["facilities"] = to_chinese({"facilities": c.tables["facilities"]})["facilities"]
    c.tables["facilities"].set(5, "体育运动场地面积", "五百")
    c.encodings["facilities"] = "gb18030"
    c.expect("facilities.csv", 5, "体育运动场地面积", "must be a number")


@case
def random_bytes_file(c: Case) -> None:
    """sections.csv is binary garbage (e.g. a renamed .xls)."""
    rng = random.Random(2024)
    c.raw_files["sections.csv"] = bytes([0xD0, 0xCF, 0x11, 0xE0]) + bytes(
        rng.randrange(128, 256) for _ in range(400)
    )
    c.expect("sections.csv", None, None, "UTF-8")


@case
def ragged_csv_row(c: Case) -> None:
    """A row of sections.csv has one field too many (a stray comma)."""
    c.raw_files["sections.csv"] = (
        c.tables["sections"]
        .to_csv()
        .replace("S02,2024,junior,600,12,45,40,7,6", "S02,2024,junior,600,12,45,40,7,6,")
        .encode()
    )
    c.expect("sections.csv", 3, None, "Expected 9 fields")


# --- columns and headers


@case
def missing_column(c: Case) -> None:
    """sections.csv lacks the teachers (专任教师数) column."""
    c.tables["sections"].drop_column("teachers")
    c.expect("sections.csv", 1, "teachers", "required column")


@case
def chinese_header_typo(c: Case) -> None:
    """sections.csv with Chinese headers, 在校生数 mistyped as 在校学生数."""
    s = to_chinese({"sections": c.tables["sections"]})["sections"]
    s.rename({"在校生数": "在校学生数"})
    c.tables["sections"] = s
    c.expect("sections.csv", 1, "students", "在校学生数")


@case
def duplicate_column(c: Case) -> None:
    """schools.csv has both name and 学校名称: the same column twice."""
    s = c.tables["schools"]
    s.header.append("学校名称")
    for r in s.rows:
        r.append(r[s.index("name")])
    c.expect("schools.csv", 1, "学校名称", "appears twice")


# --- schools


@case
def duplicate_school_id(c: Case) -> None:
    """Two schools share the id S02."""
    s = c.tables["schools"]
    row = s.append(**dict(zip(s.header, s.rows[1], strict=True)))
    s.set(row, "name", "城关二中")
    c.expect("schools.csv", 3, "school_id", "duplicate school_id")
    c.expect("schools.csv", row, "school_id", "duplicate school_id")


@case
def teaching_point_without_parent(c: Case) -> None:
    """The teaching point S04 has no parent_id."""
    c.tables["schools"].set(5, "parent_id", "")
    c.expect("schools.csv", 5, "parent_id", "teaching point needs")


@case
def parent_not_found(c: Case) -> None:
    """The teaching point S04 names a parent S77 that is not in schools."""
    c.tables["schools"].set(5, "parent_id", "S77")
    c.expect("schools.csv", 5, "parent_id", "parent school id not found")


@case
def bad_enum_value(c: Case) -> None:
    """A school's locale is 郊区 (suburb), which is not one of 城区/镇区/乡村."""
    c.tables["schools"].set(3, "locale", "郊区")
    c.expect("schools.csv", 3, "locale", "must be one of")


@case
def bad_boolean(c: Case) -> None:
    """boarding is 部分 (partly) instead of yes/no."""
    c.tables["schools"].set(4, "boarding", "部分")
    c.expect("schools.csv", 4, "boarding", "yes/no")


@case
def missing_required_value(c: Case) -> None:
    """A school has no name."""
    c.tables["schools"].set(2, "name", "")
    c.expect("schools.csv", 2, "name", "a value is required")


# --- sections


@case
def unknown_school_in_sections(c: Case) -> None:
    """sections.csv has a row for school S99, which is not in schools."""
    c.tables["sections"].set(3, "school_id", "S99")
    c.expect("sections.csv", 3, "school_id", "not found in schools")


@case
def negative_students(c: Case) -> None:
    """A section has -300 students."""
    c.tables["sections"].set(4, "students", "-300")
    c.expect("sections.csv", 4, "students", "> 0")


@case
def zero_students(c: Case) -> None:
    """A section has 0 students."""
    c.tables["sections"].set(6, "students", "0")
    c.expect("sections.csv", 6, "students", "> 0")


@case
def text_in_number_column(c: Case) -> None:
    """teaching_aux_area_m2 reads 约5400 (about 5400)."""
    c.tables["facilities"].set(2, "teaching_aux_area_m2", "约5400")
    c.expect("facilities.csv", 2, "teaching_aux_area_m2", "must be a number")


@case
def fractional_whole_number(c: Case) -> None:
    """A section has 12.5 classes."""
    c.tables["sections"].set(3, "classes", "12.5")
    c.expect("sections.csv", 3, "classes", "whole number")


@case
def stage_does_not_fit_kind(c: Case) -> None:
    """The junior school S02 reports a primary section."""
    c.tables["sections"].set(3, "stage", "primary")
    c.expect("sections.csv", 3, "stage", "does not fit the school's kind")


@case
def above_degree_exceeds_teachers(c: Case) -> None:
    """teachers_above_degree (60) is more than teachers (50)."""
    c.tables["sections"].set(2, "teachers_above_degree", "60")
    c.expect("sections.csv", 2, "teachers_above_degree", "must not exceed teachers")


@case
def backbone_exceeds_teachers(c: Case) -> None:
    """backbone_teachers (4) is more than teachers (3) at the teaching point."""
    c.tables["sections"].set(6, "backbone_teachers", "4")
    c.expect("sections.csv", 6, "backbone_teachers", "must not exceed teachers")


@case
def duplicate_section(c: Case) -> None:
    """S01 2024 primary appears twice in sections.csv."""
    s = c.tables["sections"]
    s.rows.append(list(s.rows[0]))
    c.expect("sections.csv", 2, "stage", "duplicate school_id × year × stage")
    c.expect("sections.csv", 7, "stage", "duplicate school_id × year × stage")


@case
def several_problems_at_once(c: Case) -> None:
    """Three unrelated problems in three files: all are reported in one pass."""
    c.tables["schools"].set(2, "kind", "小學")  # traditional characters: not a label
    c.tables["sections"].set(5, "teachers", "十八")
    c.tables["facilities"].set(3, "sports_field_area_m2", "-1")
    c.expect("schools.csv", 2, "kind", "must be one of")
    c.expect("sections.csv", 5, "teachers", "whole number")
    c.expect("facilities.csv", 3, "sports_field_area_m2", "≥ 0")


@case
def blank_line_keeps_row_numbers(c: Case) -> None:
    """A blank line in the middle of sections.csv; the bad cell after it keeps its editor line number."""
    text = c.tables["sections"].to_csv().replace("S03,2024,primary,300,", "S03,2024,primary,abc,")
    lines = text.split("\n")
    lines.insert(3, "")
    c.raw_files["sections.csv"] = "\n".join(lines).encode()
    c.expect("sections.csv", 5, "students", "whole number")


# --- facilities


@case
def indoor_sports_exceeds_teaching_area(c: Case) -> None:
    """indoor_sports_area_m2 (6000) is larger than teaching_aux_area_m2 (5400), which includes it."""
    c.tables["facilities"].set(2, "indoor_sports_area_m2", "6000")
    c.expect("facilities.csv", 2, "indoor_sports_area_m2", "must not exceed teaching_aux_area_m2")


@case
def music_rooms_without_min_area(c: Case) -> None:
    """S02 has a music room but no music_room_min_area_m2."""
    c.tables["facilities"].set(3, "music_room_min_area_m2", "")
    c.expect("facilities.csv", 3, "music_room_min_area_m2", "required when music_rooms > 0")


@case
def facilities_stage_and_whole_school(c: Case) -> None:
    """S03 has a whole-school facilities row and a per-stage row for the same year."""
    f = c.tables["facilities"]
    row = f.append(**dict(zip(f.header, f.rows[2], strict=True)))
    f.set(row, "stage", "junior")
    c.expect("facilities.csv", row, "stage", "also has a whole-school row")


# --- classes


@case
@with_tables("classes")
def class_with_zero_students(c: Case) -> None:
    """A class of S04 has 0 students."""
    cls = c.tables["classes"]
    row = next(i + 2 for i, r in enumerate(cls.rows) if r[0] == "S04")
    cls.set(row, "students", "0")
    c.expect("classes.csv", row, "students", "> 0")


@case
@with_tables("classes")
def grade_out_of_range(c: Case) -> None:
    """A class of the nine-year school S03 is in grade 10."""
    cls = c.tables["classes"]
    row = next(i + 2 for i, r in enumerate(cls.rows) if r[0] == "S03" and r[2] == "9")
    cls.set(row, "grade", "10")
    cls.set(row, "class_id", "10-1")
    c.expect("classes.csv", row, "grade", "1–9")


@case
@with_tables("classes")
def grade_zero(c: Case) -> None:
    """A class is in grade 0 (a pre-school class listed by mistake)."""
    cls = c.tables["classes"]
    row = next(i + 2 for i, r in enumerate(cls.rows) if r[0] == "S04")
    cls.set(row, "grade", "0")
    c.expect("classes.csv", row, "grade", "≥ 1")


@case
@with_tables("classes")
def grade_does_not_fit_school(c: Case) -> None:
    """The primary school S01 has a grade-8 class."""
    cls = c.tables["classes"]
    row = cls.append(school_id="S01", year="2024", grade="8", class_id="8-1", students="45")
    c.expect("classes.csv", row, "grade", "does not fit the school's stages")


@case
@with_tables("classes")
def duplicate_class_id(c: Case) -> None:
    """S02 lists class 7-1 twice in 2024."""
    cls = c.tables["classes"]
    row = next(i + 2 for i, r in enumerate(cls.rows) if r[0] == "S02" and r[3] == "7-2")
    cls.set(row, "class_id", "7-1")
    first = next(i + 2 for i, r in enumerate(cls.rows) if r[0] == "S02" and r[3] == "7-1")
    c.expect("classes.csv", first, "class_id", "duplicate school_id × year × class_id")
    c.expect("classes.csv", row, "class_id", "duplicate school_id × year × class_id")


@case
@with_tables("classes")
def unknown_school_in_classes(c: Case) -> None:
    """A class belongs to school S98, which is not in schools."""
    row = c.tables["classes"].append(school_id="S98", year="2024", grade="3", class_id="3-1", students="40")
    c.expect("classes.csv", row, "school_id", "not found in schools")


# --- teachers and rotations


@case
@with_tables("teachers")
def teacher_bad_sex(c: Case) -> None:
    """A teacher's sex is written as M, which is neither male/男 nor female/女."""
    c.tables["teachers"].set(10, "sex", "M")
    c.expect("teachers.csv", 10, "sex", "must be one of")


@case
@with_tables("teachers", "rotations")
def rotation_unknown_teacher(c: Case) -> None:
    """A move names teacher T9999, who is in no year's teachers."""
    row = c.tables["rotations"].append(
        teacher_id="T9999", year="2024", from_school="S02", to_school="S01", mode="transfer"
    )
    c.expect("rotations.csv", row, "teacher_id", "teacher not found")


@case
@with_tables("teachers", "rotations")
def rotation_to_same_school(c: Case) -> None:
    """A move from S01 to S01."""
    c.tables["rotations"].set(2, "to_school", "S01")
    c.expect("rotations.csv", 2, "to_school", "must differ from from_school")


@case
@with_tables("teachers", "rotations")
def rotation_to_unknown_school(c: Case) -> None:
    """A move to school S42, which is not in schools."""
    c.tables["rotations"].set(3, "to_school", "S42")
    c.expect("rotations.csv", 3, "to_school", "not found in schools")


@case
@with_tables("rotations")
def rotations_without_teachers(c: Case) -> None:
    """rotations.csv is given but teachers.csv is not, so no move can be checked."""
    c.expect("rotations.csv", None, None, "need the teachers table")


# --- county inputs, survey, cohorts


@case
@with_tables("county_indicators")
def county_indicator_unknown_id(c: Case) -> None:
    """county_indicators names G16, which moe-2017 does not have."""
    c.tables["county_indicators"].set(3, "indicator", "G16")
    c.expect("county_indicators.csv", 3, "indicator", "not an indicator or veto id")


@case
@with_tables("county_indicators")
def percentage_over_100(c: Case) -> None:
    """Q2 is given as 105%."""
    c.tables["county_indicators"].set(5, "value", "105%")
    c.expect("county_indicators.csv", 5, "value", "must not exceed 100%")


@case
@with_tables("county_indicators")
def percentage_number_over_100(c: Case) -> None:
    """G13 (a percentage) is given as the plain number 105, i.e. 105 %."""
    c.tables["county_indicators"].set(4, "value", "105")
    c.expect("county_indicators.csv", 4, "value", "must not exceed 100%")


@case
@with_tables("county_indicators")
def negative_percentage(c: Case) -> None:
    """G13 is given as -5%."""
    c.tables["county_indicators"].set(4, "value", "-5%")
    c.expect("county_indicators.csv", 4, "value", "must not be negative")


@case
@with_tables("county_indicators")
def county_value_unreadable(c: Case) -> None:
    """G1 reads 基本达到 (roughly met), which is neither a number nor 是/否."""
    c.tables["county_indicators"].set(2, "value", "基本达到")
    c.expect("county_indicators.csv", 2, "value", "must be a number, a percentage or 是/否")


@case
@with_tables("survey")
def survey_satisfied_exceeds_valid(c: Case) -> None:
    """The parents' survey has 520 satisfied of 500 valid questionnaires."""
    c.tables["survey"].set(2, "satisfied", "520")
    c.expect("survey.csv", 2, "satisfied", "must not exceed valid")


@case
@with_tables("cohorts")
def cohort_deaths_not_below_entrants(c: Case) -> None:
    """The cohort's deaths equal its entrants three years ago."""
    c.tables["cohorts"].set(2, "deaths", "200")
    c.expect("cohorts.csv", 2, "deaths", "must be below entrants_3y_ago")


@case
@with_tables("budget")
def budget_unknown_school(c: Case) -> None:
    """budget.csv has a row for school S55, which is not in schools."""
    c.tables["budget"].set(4, "school_id", "S55")
    c.expect("budget.csv", 4, "school_id", "not found in schools")


# --- county.toml


@case
def county_toml_not_toml(c: Case) -> None:
    """county.toml is not TOML (an unquoted Chinese value)."""
    c.raw_files["county.toml"] = "name = 示例县\n".encode()
    c.expect("county.toml", None, None, "not valid TOML")


@case
def county_toml_unknown_key(c: Case) -> None:
    """county.toml has a key 'standards' (a typo of 'standard')."""
    c.raw_files["county.toml"] = 'name = "示例县"\nstandards = "moe-2017"\n'.encode()
    c.expect("county.toml", None, "standards", "unknown setting")


@case
def county_toml_bad_milestone(c: Case) -> None:
    """A class-size milestone's max_students is "abc"."""
    c.raw_files["county.toml"] = (
        b"[[class_size.milestones]]\nby = 2023\nmax_students = 65\n"
        b'[[class_size.milestones]]\nby = 2024\nmax_students = "abc"\n'
    )
    c.expect("county.toml", None, "class_size.milestones[2].max_students", "positive whole number")


@case
def county_toml_wrong_shape(c: Case) -> None:
    """county.toml gives rotation as a number and class_size as a string instead of tables."""
    c.raw_files["county.toml"] = b'rotation = 6\nclass_size = "45"\n'
    c.expect("county.toml", None, "rotation", "must be a table")
    c.expect("county.toml", None, "class_size", "must be a table")


@case
def county_toml_unknown_standard(c: Case) -> None:
    """county.toml names a standard that does not exist."""
    c.raw_files["county.toml"] = b'standard = "moe-2099"\n'
    c.expect("county.toml", None, "standard", "unknown standard")


# --- hostile inputs (issue #13): each a located error, never a traceback


@case
def duplicate_header_same_name(c: Case) -> None:
    """schools.csv has the header 'name' twice, written the same way."""
    s = c.tables["schools"]
    s.header.append("name")
    for r in s.rows:
        r.append(r[s.index("name")])
    c.expect("schools.csv", 1, "name", "appears twice")


@case
def huge_number_in_count(c: Case) -> None:
    """A section's students is 1e308: a number, but no school has that many pupils."""
    c.tables["sections"].set(2, "students", "1e308")
    c.expect("sections.csv", 2, "students", "must be at most 100,000")


@case
def long_integer_in_count(c: Case) -> None:
    """A section's teachers is a 23-digit integer."""
    c.tables["sections"].set(3, "teachers", "12345678901234567890123")
    c.expect("sections.csv", 3, "teachers", "must be at most 10,000")


@case
def huge_area(c: Case) -> None:
    """A school's teaching area is 1e308 m² (its CV would overflow to inf)."""
    c.tables["facilities"].set(2, "teaching_aux_area_m2", "1e308")
    c.expect("facilities.csv", 2, "teaching_aux_area_m2", "must be at most 10,000,000")


@case
def infinite_number(c: Case) -> None:
    """A school's sports field area is written 'inf'."""
    c.tables["facilities"].set(3, "sports_field_area_m2", "inf")
    c.expect("facilities.csv", 3, "sports_field_area_m2", "must be a number")


@case
def negative_huge_number(c: Case) -> None:
    """A section's classes is -1e30: far below its lower bound (and below any whole number)."""
    c.tables["sections"].set(4, "classes", "-1e30")
    c.expect("sections.csv", 4, "classes", "must be ≥ 1")


@case
def school_name_too_long(c: Case) -> None:
    """A school's name is 300 characters long."""
    c.tables["schools"].set(3, "name", "很长的学校名称" * 40 + "学校")
    c.expect("schools.csv", 3, "name", "is longer than 100 characters")


@case
def school_name_hidden_characters(c: Case) -> None:
    """A school's name hides a right-to-left override (U+202E), which reorders what a reader sees."""
    c.tables["schools"].set(2, "name", "城关\u202e学小")
    c.expect("schools.csv", 2, "name", "invisible formatting characters")


@case
def header_too_long(c: Case) -> None:
    """An extra column of schools.csv has a 300-character header."""
    s = c.tables["schools"]
    s.header.append("备注" * 150)
    for r in s.rows:
        r.append("")
    c.expect("schools.csv", 1, None, "a header is longer than 100 characters")


@case
def county_toml_name_not_text(c: Case) -> None:
    """county.toml gives the county's name as a number."""
    c.raw_files["county.toml"] = b"name = 123\n"
    c.expect("county.toml", None, "name", "must be text")


@case
def county_toml_name_empty(c: Case) -> None:
    """county.toml gives the county an empty name."""
    c.raw_files["county.toml"] = b'name = ""\n'
    c.expect("county.toml", None, "name", "must not be empty")


@case
def county_toml_name_too_long(c: Case) -> None:
    """county.toml gives the county a 150-character name (it would only fail when a report is written)."""
    c.raw_files["county.toml"] = ('name = "' + "县" * 150 + '"\n').encode()
    c.expect("county.toml", None, "name", "is longer than 100 characters")


@case
def county_toml_standard_device(c: Case) -> None:
    """county.toml names /dev/zero as its standard file (endless bytes)."""
    c.raw_files["county.toml"] = b'standard = "/dev/zero"\n'
    c.expect("county.toml", None, "standard", "not a regular file")


@case
def county_toml_standard_folder(c: Case) -> None:
    """county.toml names a folder as its standard file."""
    c.raw_files["county.toml"] = b'standard = "/"\n'
    c.expect("county.toml", None, "standard", "is a folder")


@case
def county_toml_infinite_cost(c: Case) -> None:
    """county.toml sets a unit cost to inf (TOML allows it)."""
    c.raw_files["county.toml"] = b"[unit_costs]\nteacher_per_year = inf\n"
    c.expect("county.toml", None, "unit_costs.teacher_per_year", "must be at most")


# --- workbooks


@case
def xlsx_missing_sheet(c: Case) -> None:
    """A workbook without the facilities sheet."""
    c.xlsx = True
    del c.tables["facilities"]
    c.expect("county.xlsx", None, None, "required sheet 'facilities'", sheet="facilities")


@case
def xlsx_bad_cell(c: Case) -> None:
    """A workbook whose sections sheet has 二十 (twenty, in characters) as a class count."""
    c.xlsx = True
    c.tables["sections"].set(2, "classes", "二十")
    c.expect("county.xlsx", 2, "classes", "whole number", sheet="sections")


@case
def xlsx_chinese_bad_cell(c: Case) -> None:
    """A workbook with Chinese headers and labels; the problem is reported with the Chinese header."""
    c.xlsx = True
    c.tables = to_chinese(c.tables)
    c.tables["facilities"].set(4, "网络多媒体教室数", "-2")
    c.expect("county.xlsx", 4, "网络多媒体教室数", "≥ 0", sheet="facilities")


@case
def xlsx_one_table_two_sheets(c: Case) -> None:
    """A workbook with both a schools and a 学校名录 sheet: one table under its two names."""
    c.xlsx = True
    c.tables["学校名录"] = copy.deepcopy(c.tables["schools"])
    c.expect("county.xlsx", None, None, "one table, two sheets: 'schools' and '学校名录'", sheet="学校名录")


@case
def xlsx_not_a_workbook(c: Case) -> None:
    """county.xlsx is a text file renamed to .xlsx."""
    c.xlsx = True
    c.raw_files["county.xlsx"] = b"school_id,name\nS01,x\n"
    c.expect("county.xlsx", None, None, "not a readable .xlsx workbook")


def write_case(c: Case, root: Path) -> None:
    folder = root / c.name
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    if c.xlsx:
        if "county.xlsx" not in c.raw_files:
            (folder / "county.xlsx").write_bytes(xlsx_bytes(c.tables))
    else:
        write_folder(folder, c.tables, c.encodings)
    for name, data in c.raw_files.items():
        (folder / name).write_bytes(data)
    expected = {"description": c.description}
    if c.xlsx:
        expected["data"] = "county.xlsx"
    expected["count"] = c.count
    expected["problems"] = c.problems
    (folder / "expected.toml").write_text(
        "# What `eduwb validate` must report for this dataset (written by make_corpus.py).\n"
        + tomli_w.dumps(expected),
        encoding="utf-8",
    )


# ----------------------------------------------------------------------------- awkward but valid


def awkward_fixtures() -> dict[str, tuple[Callable[[Path], None], str]]:
    """name -> (writer, the county whose tables it must load into: "tiny" or "tiny_full")."""
    base = read_tiny()

    def gbk(folder: Path) -> None:
        write_folder(folder, to_chinese(base), {n: "gb18030" for n in base})

    def bom(folder: Path) -> None:
        write_folder(folder, base, {n: "utf-8-sig" for n in base})

    def chinese(folder: Path) -> None:
        # Chinese headers, labels and 是/否, and Chinese file names (学校名录.csv …)
        folder.mkdir(parents=True, exist_ok=True)
        for name, sheet in to_chinese(base).items():
            (folder / f"{TABLES[name].zh}.csv").write_text(sheet.to_csv(), encoding="utf-8")

    def headers(folder: Path) -> None:
        # headers in odd case with spaces (half- and full-width) around and inside; columns reordered
        messy = {}
        for name, sheet in base.items():
            s = copy.deepcopy(sheet)
            s.rename(
                {h: f"  {h.upper()} " if i % 2 else f"{h.title()}\u3000" for i, h in enumerate(s.header)}
            )
            order = list(reversed(range(len(s.header))))
            s.header = [s.header[i] for i in order]
            s.rows = [[r[i] for i in order] for r in s.rows]
            messy[name] = s
        zh = to_chinese({"sections": base["sections"]}, labels=False)["sections"]
        zh.rename({"在校生数": " 在校 生数 ", "班级数": "班级数 "})
        messy["sections"] = zh
        write_folder(folder, messy)

    def booleans(folder: Path) -> None:
        s = copy.deepcopy(base)
        col = s["schools"].index("boarding")
        for r in s["schools"].rows:
            r[col] = {"true": "是", "false": "否"}[r[col]]
        # enum labels mixed with codes, a synonym (农村) and numbers with thousands separators
        s["schools"].set(3, "kind", "初中")
        s["schools"].set(4, "locale", "农村")
        s["facilities"].set(2, "equipment_value_yuan", "2,000,000")
        write_folder(folder, s)

    def gbk_sparse(folder: Path) -> None:
        # GB18030 files whose only Chinese is a column of 男/女 or 是/否: too little text for
        # statistical detectors, which take such files for Korean or UTF-16
        full = full_county()
        sex = full["teachers"].index("sex")
        for r in full["teachers"].rows:
            r[sex] = {"male": "男", "female": "女"}[r[sex]]
        write_folder(folder, full, {n: "gb18030" for n in full})

    def full_chinese(folder: Path) -> None:
        write_folder(folder, to_chinese(full_county()), {n: "gb18030" for n in full_county()})

    return {
        "awkward_gbk": (gbk, "tiny"),
        "awkward_bom": (bom, "tiny"),
        "awkward_chinese": (chinese, "tiny"),
        "awkward_headers": (headers, "tiny"),
        "awkward_booleans": (booleans, "tiny"),
        "awkward_full_chinese_gbk": (full_chinese, "tiny_full"),
        "awkward_gbk_sparse": (gbk_sparse, "tiny_full"),
    }


def build(bad_root: Path, fixtures_root: Path) -> list[str]:
    """Write everything; returns the case names."""
    full = fixtures_root / "tiny_full"
    if full.exists():
        shutil.rmtree(full)
    write_folder(full, full_county())
    for name, (writer, same_as) in awkward_fixtures().items():
        folder = fixtures_root / name
        if folder.exists():
            shutil.rmtree(folder)
        writer(folder)
        (folder / "same_as.txt").write_text(same_as + "\n", encoding="utf-8")

    bad_root.mkdir(parents=True, exist_ok=True)
    names = []
    for build_case in CASES:
        c = build_case()
        write_case(c, bad_root)
        names.append(c.name)
    # drop folders of cases that no longer exist
    for folder in bad_root.iterdir():
        if folder.is_dir() and (folder / "expected.toml").exists() and folder.name not in names:
            shutil.rmtree(folder)
    return names


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--out", type=Path, help="write under OUT/bad_inputs and OUT/fixtures instead of tests/"
    )
    args = parser.parse_args(argv)
    if args.out:
        bad_root, fixtures_root = args.out / "bad_inputs", args.out / "fixtures"
        fixtures_root.mkdir(parents=True, exist_ok=True)
    else:
        bad_root, fixtures_root = HERE, FIXTURES
    names = build(bad_root, fixtures_root)
    print(f"wrote {len(names)} bad-input cases under {bad_root}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
