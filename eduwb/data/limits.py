"""The limits on what eduwb reads — declared once, here, and checked before any work.

County data, ``county.toml`` and province standard files come from outside (see
``SECURITY.md``): a file may be huge, a zip bomb, a device, a cell ten megabytes long or a
count of 1e308. Every limit below is far above what a real county produces (the largest
Chinese counties have about 15,000 teachers and 6,000 classes a year) and low enough that
``eduwb validate`` ends in seconds with bounded memory on any input. A breach is a located
error (file, row, column, value, rule), never a traceback.

The table in ``SECURITY.md`` is generated from this module (:func:`markdown_table`) and a test
keeps the two equal.
"""

from __future__ import annotations

# ----------------------------------------------------------------------------- files

#: One data file (a CSV table or an .xlsx workbook), in bytes, checked before it is opened.
MAX_FILE_BYTES = 64 * 1024 * 1024
#: ``county.toml`` and standard files, in bytes; they must be regular files (no device, FIFO, folder).
MAX_SETTINGS_BYTES = 1024 * 1024
#: The uncompressed size of all the parts of an .xlsx workbook together, read from the zip
#: directory before anything is decompressed (a zip bomb is refused unread), and counted
#: again on the bytes actually inflated while the parts stream.
MAX_XLSX_UNCOMPRESSED_BYTES = 256 * 1024 * 1024
#: Parts (files) inside an .xlsx workbook.
MAX_XLSX_PARTS = 1000
#: Strings in a workbook's shared-strings table.
MAX_SHARED_STRINGS = 2_000_000
#: XML elements in all the parts of one workbook that are read, counted while they stream
#: (a part small on disk may hold tens of millions of empty elements).
MAX_XLSX_ELEMENTS = 10_000_000
#: Elements inside one cell or one shared string (a rich text of many runs is a few hundred).
MAX_XLSX_ITEM_ELEMENTS = 10_000
#: Elements other than rows, cells, shared strings, cell formats, sheets and what a cell or a
#: string holds (merged ranges, fonts, validations, …), in all the parts read together: a
#: reader keeps these in memory until their part ends.
MAX_XLSX_OTHER_ELEMENTS = 1_000_000
#: Sheets of one workbook, counted in ``xl/workbook.xml``.
MAX_XLSX_SHEETS = 300
#: Cell formats (``<xf>`` entries) in ``xl/styles.xml``: Excel's own limit.
MAX_XLSX_STYLES = 65_490
#: Rows of one sheet and cells of one row, counted while the sheet streams: Excel's own limits
#: (a county table is further limited to :data:`MAX_ROWS` rows and :data:`MAX_COLUMNS` columns).
MAX_XLSX_SHEET_ROWS = 1_048_576
MAX_XLSX_ROW_CELLS = 16_384

# ----------------------------------------------------------------------------- tables

#: Data rows of one table (lines of a CSV file below its header, rows of a sheet). A sheet's
#: declared ``dimension`` is checked before it is read.
MAX_ROWS = 300_000
#: Columns of one table (the header's width). Unknown columns are ignored but counted.
MAX_COLUMNS = 256
#: Characters of one header cell.
MAX_HEADER_CHARS = 100
#: Characters of any cell.
MAX_CELL_CHARS = 2_000
#: Characters of a name that reports print in titles and charts: the county name, school
#: names, townships.
MAX_NAME_CHARS = 100
#: Characters of an identifier (school, teacher, class id).
MAX_ID_CHARS = 64
#: Characters of a text a standard file gives (its name, an indicator's or dimension's name, a unit).
MAX_STANDARD_TEXT_CHARS = 300

# ----------------------------------------------------------------------------- statistics forms

#: ``eduwb import``: per-school workbooks in one folder (a county has hundreds of schools).
MAX_FORM_WORKBOOKS = 20_000
#: ``eduwb import``: rows and columns of a county-wide 综合查询 sheet (declared or read), and
#: its cells read in all.
MAX_FORM_ROWS = 20_000
MAX_FORM_COLUMNS = 500
MAX_FORM_CELLS = 2_000_000

# ----------------------------------------------------------------------------- problems

#: Problems listed per rule and file; the rest are counted in one more line.
MAX_PROBLEMS_PER_RULE = 20
#: Problems listed in all; past this eduwb stops listing (and says how many it left out).
MAX_PROBLEMS = 500

# ----------------------------------------------------------------------------- numbers

#: Latest school year (and year of birth or construction) accepted.
MAX_YEAR = 2100

#: The largest value each numeric column may hold: a physical bound, far above any real
#: school. Whole-number columns are counts; ``*_m2`` are areas in square metres, ``*_yuan``
#: amounts in yuan. Values must also be finite (no inf or NaN); lower bounds are the data
#: dictionary's (``eduwb.data.schema``).
MAX_VALUE: dict[str, float] = {
    "schools.built_year": MAX_YEAR,
    "sections.year": MAX_YEAR,
    "sections.students": 100_000,
    "sections.classes": 2_000,
    "sections.teachers": 10_000,
    "sections.teachers_above_degree": 10_000,
    "sections.backbone_teachers": 10_000,
    "sections.pe_art_teachers": 10_000,
    "sections.intermediate_title_teachers": 10_000,
    "facilities.year": MAX_YEAR,
    "facilities.teaching_aux_area_m2": 10_000_000,
    "facilities.indoor_sports_area_m2": 10_000_000,
    "facilities.sports_field_area_m2": 10_000_000,
    "facilities.equipment_value_yuan": 100_000_000_000,
    "facilities.multimedia_rooms": 10_000,
    "facilities.music_rooms": 1_000,
    "facilities.music_room_min_area_m2": 10_000,
    "facilities.art_rooms": 1_000,
    "facilities.art_room_min_area_m2": 10_000,
    "facilities.computers": 1_000_000,
    "facilities.books": 100_000_000,
    "classes.year": MAX_YEAR,
    "classes.grade": 99,
    "classes.students": 1_000,
    "teachers.year": MAX_YEAR,
    "teachers.birth_year": MAX_YEAR,
    "teachers.years_at_school": 80,
    "teachers.training_hours_5y": 43_800,  # every hour of five years
    "rotations.year": MAX_YEAR,
    "cohorts.year": MAX_YEAR,
    "cohorts.graduates": 1_000_000,
    "cohorts.entrants_3y_ago": 1_000_000,
    "cohorts.transfers_in": 1_000_000,
    "cohorts.transfers_out": 1_000_000,
    "cohorts.deaths": 1_000_000,
    "budget.year": MAX_YEAR,
    "budget.public_funds_yuan": 100_000_000_000,
    "budget.training_funds_yuan": 100_000_000_000,
    "county_indicators.year": MAX_YEAR,
    "survey.year": MAX_YEAR,
    "survey.valid": 10_000_000,
    "survey.satisfied": 10_000_000,
}

#: Text columns holding names printed in reports (limited to :data:`MAX_NAME_CHARS`, no
#: control or invisible formatting characters).
NAME_COLUMNS = frozenset({"schools.name", "schools.township"})
#: Text columns holding identifiers (limited to :data:`MAX_ID_CHARS`, no control or
#: invisible formatting characters).
ID_COLUMNS = frozenset(
    {
        "schools.school_id",
        "schools.parent_id",
        "sections.school_id",
        "facilities.school_id",
        "classes.school_id",
        "classes.class_id",
        "teachers.teacher_id",
        "teachers.school_id",
        "rotations.teacher_id",
        "rotations.from_school",
        "rotations.to_school",
        "budget.school_id",
        "county_indicators.indicator",
    }
)


def max_value(table: str, column: str) -> float | None:
    """The upper bound of a numeric column (None for a column without one)."""
    return MAX_VALUE.get(f"{table}.{column}")


def max_chars(table: str, column: str) -> int:
    """The longest text a cell of this column may hold."""
    key = f"{table}.{column}"
    if key in NAME_COLUMNS:
        return MAX_NAME_CHARS
    if key in ID_COLUMNS:
        return MAX_ID_CHARS
    return MAX_CELL_CHARS


def _mib(n: int) -> str:
    return f"{n // (1024 * 1024)} MiB" if n % (1024 * 1024) == 0 else f"{n:,} bytes"


def markdown_table() -> str:
    """The limits as the Markdown table of ``SECURITY.md`` (a test keeps the two equal)."""
    rows = [
        ("a data file (CSV or .xlsx)", _mib(MAX_FILE_BYTES)),
        ("`county.toml`, a standard file", _mib(MAX_SETTINGS_BYTES) + ", a regular file"),
        (".xlsx parts, uncompressed, all together", _mib(MAX_XLSX_UNCOMPRESSED_BYTES)),
        (".xlsx parts (files in the zip)", f"{MAX_XLSX_PARTS:,}"),
        (".xlsx shared strings", f"{MAX_SHARED_STRINGS:,}"),
        (".xlsx XML elements read, all parts together", f"{MAX_XLSX_ELEMENTS:,}"),
        (".xlsx elements in one cell or one shared string", f"{MAX_XLSX_ITEM_ELEMENTS:,}"),
        (".xlsx other XML elements, all parts together", f"{MAX_XLSX_OTHER_ELEMENTS:,}"),
        (".xlsx sheets per workbook", f"{MAX_XLSX_SHEETS:,}"),
        (".xlsx cell formats (`<xf>` in styles)", f"{MAX_XLSX_STYLES:,}"),
        (".xlsx rows per sheet, read", f"{MAX_XLSX_SHEET_ROWS:,}"),
        (".xlsx cells per row, read", f"{MAX_XLSX_ROW_CELLS:,}"),
        ("data rows per table", f"{MAX_ROWS:,}"),
        ("columns per table", f"{MAX_COLUMNS:,}"),
        ("characters per header cell", f"{MAX_HEADER_CHARS:,}"),
        ("characters per cell", f"{MAX_CELL_CHARS:,}"),
        ("characters per name (county, school, township)", f"{MAX_NAME_CHARS:,}"),
        ("characters per identifier", f"{MAX_ID_CHARS:,}"),
        ("`eduwb import`: workbooks per folder", f"{MAX_FORM_WORKBOOKS:,}"),
        ("`eduwb import`: rows × columns of a 综合查询 sheet", f"{MAX_FORM_ROWS:,} × {MAX_FORM_COLUMNS:,}"),
        ("`eduwb import`: cells of a 综合查询 sheet, read", f"{MAX_FORM_CELLS:,}"),
        ("characters per text of a standard file (names, units)", f"{MAX_STANDARD_TEXT_CHARS:,}"),
        ("problems listed per file, column and rule", f"{MAX_PROBLEMS_PER_RULE:,} (then a count)"),
        ("problems listed in all", f"{MAX_PROBLEMS:,} (then a count)"),
        ("latest year", f"{MAX_YEAR}"),
    ]
    rows += [(f"`{key}`", f"≤ {value:,}") for key, value in MAX_VALUE.items()]
    lines = ["| what | limit |", "| --- | --- |"] + [f"| {what} | {limit} |" for what, limit in rows]
    return "\n".join(lines) + "\n"
