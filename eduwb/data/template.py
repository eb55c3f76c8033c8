"""The workbook a county fills in: ``eduwb template OUT.xlsx [--from DATA] [--years Y]``.

:func:`write_template` writes one ``.xlsx`` that :func:`eduwb.data.dataset.load` reads as it is:
a sheet 说明 (how to fill it in, units, a linked list of the tables, an example row of each),
then a sheet per table of :mod:`eduwb.data.schema`, headed in Chinese (``lang="en"``: English),
with a comment on every header, drop-down lists and number checks over every row eduwb reads
(:data:`eduwb.data.limits.MAX_ROWS`), required headers dark blue and optional ones light grey.
The county settings go to ``<OUT stem>.toml`` beside it (copied from a source, or a commented
default unless such a file is already there).

With ``years``, a source pre-fills the school list and, for each year, its own rows or rows
copied from the latest earlier year (shaded, to check): numbers for the tables of
``_CARRIED``, keys only for those of ``_KEYS_ONLY``, no rotations; a school list without
sections gets a row per school × stage and a facilities row per school. Without ``years``
every row is written, so that the workbook loads to the same tables. The dates are
``$SOURCE_DATE_EPOCH`` when set (then the same source gives the same bytes).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from eduwb._files import atomic_write_bytes
from eduwb.data import limits
from eduwb.data.dictionary import TYPES
from eduwb.data.schema import REQUIRED_TABLES, STAGES_BY_KIND, TABLES, UNITS, Column, Table
from eduwb.data.workbook import (
    COPIED_FILL,
    OPTIONAL_HEADER_FILL,
    OPTIONAL_HEADER_FONT,
    REQUIRED_HEADER_FILL,
    REQUIRED_HEADER_FONT,
    display_width,
    fill,
    link_to,
    quoted_sheet,
    save_workbook,
    set_cell,
)
from eduwb.errors import ParameterError
from eduwb.lang import COLON, LIST_SEP, pick

#: the last row the validations cover: the header and as many data rows as eduwb reads
LAST_ROW = limits.MAX_ROWS + 1
#: rows below the school list that the school-id drop-downs still offer, for schools added later
SPARE_ROWS = 2000
#: Excel's limits on a validation's texts and on an inline list (characters)
_TITLE_CHARS, _MESSAGE_CHARS, _LIST_CHARS = 32, 255, 255
#: tables whose numbers a new year starts from last year's; the others start blank
_CARRIED = ("sections", "facilities", "classes", "teachers", "budget")
_KEYS_ONLY = {"cohorts": ("year",), "survey": ("year", "group"), "county_indicators": ("year", "indicator")}
_YES_NO = {"zh": ("是", "否"), "en": ("yes", "no")}
_SCHOOL_REFS = ("school_id", "parent_id", "from_school", "to_school")
_NUMBER_FORMATS = {"int": "0", "number": "#,##0.##########"}

#: the words of the 说明 sheet and of the settings' comment: (Chinese, English)
_TEXT = {
    "readme": ("说明", "README"),
    "title": ("县域义务教育优质均衡 数据填报工作簿", "County compulsory-education balance: data workbook"),
    "steps_title": ("怎么填", "How to fill it in"),
    "steps": (
        [
            "每个工作表是一张表：第 1 行是表头，从第 2 行起每行一条记录。请不要改动表头和工作表名称。",
            "把鼠标停在表头上可以看到该列的说明、单位、取值范围和数据来源（教育事业统计的哪张表、哪一项）。",
            "深蓝底白字表头的列必须填写；浅灰底表头的列可以留空（见下方图例）。"
            "带下拉箭头的列请从列表中选择；数字列只接受数字。选中单元格时会显示填写提示。",
            "必需的表：学校名录、学段情况、办学条件。其余的表可选：没有数据就留空，相应结果会显示“缺数据”，不会算作达标。",
            "浅黄色底色的数字是从上一年复制来的，请逐项核对、更新为本年的数字。",
            "县级设置（县名、行政区划代码、评估标准、班额节点、交流"
            "轮岗条件、补差单价）写在本工作簿旁同名的 .toml 文件中。",
            "填好后检查：eduwb validate 本文件.xlsx --annotate 问题标注.xlsx "
            "—— 有问题的单元格会标红（错误）或标黄（警告）并附批注。",
            "检查通过后生成报告：eduwb report 本文件.xlsx",
        ],
        [
            "Each sheet is one table: row 1 is the header, then one "
            "record per row. Do not change the headers or the sheet names.",
            "Hover over a header for what the column holds, its unit, bounds "
            "and where the number comes from in the education statistics.",
            "Columns with a dark blue header (white text) are required; a light grey header "
            "may be left blank (see the legend below). Pick coded columns from their drop-down; "
            "number columns take numbers only. A selected cell shows what it takes.",
            "Required tables: schools, sections, facilities. The others are optional: leave them "
            "empty when you have no data and the results that need them say 'missing', never 'pass'.",
            "Numbers on a pale yellow background were copied "
            "from the year before: check each one and update it.",
            "County settings (name, code, standard, class-size milestones, rotation rule, "
            "unit costs) live in the .toml file of the same name beside this workbook.",
            "Check it: eduwb validate THIS.xlsx --annotate problems.xlsx (cells with "
            "a problem are filled red for errors, amber for warnings, with a comment).",
            "Then make the reports: eduwb report THIS.xlsx",
        ],
    ),
    "legend_title": ("图例", "Legend"),
    "legend": (
        (
            ("必填列", "表头深蓝底白字：每行都要填写"),
            ("可空列", "表头浅灰底灰字：没有数据可以留空"),
            ("从上一年复制", "浅黄色底色：从上一年复制来的数字，请核对、更新"),
        ),
        (
            ("required column", "dark blue header, white text: fill in every row"),
            ("optional column", "light grey header, grey text: may be left blank"),
            ("copied", "pale yellow background: copied from the year before; check and update it"),
        ),
    ),
    "units_title": ("单位", "Units"),
    "units": (
        [
            "面积：平方米（m²）。",
            "金额：元。教学仪器设备资产值在统计报表（教基5176）中以万元计，这里要乘以 10000 填元。",
            "学年：秋季学期所在年份，2024 即 2024—2025 学年。",
            "人数、班数、间数：整数。",
        ],
        [
            "Areas: square metres (m²).",
            "Money: yuan. The statistics (教基5176) give the teaching "
            "equipment value in 万元 (10,000 yuan): multiply by 10,000.",
            "School year: the calendar year of its autumn term (2024 = 2024–25).",
            "Pupils, classes, rooms: whole numbers.",
        ],
    ),
    "tables_title": ("表", "Tables"),
    "tables_header": (
        ["工作表", "表名", "必需", "每行", "内容"],
        ["sheet", "table", "required", "one row per", "holds"],
    ),
    "required": (("必需", "可选"), ("required", "optional")),
    "examples_title": ("示例行", "Example rows"),
    "settings_comment": (
        "县级设置（由 eduwb template 写出；说明见 docs/data-dictionary.md）",
        "County settings (written by eduwb template; see docs/data-dictionary.md)",
    ),
}


def sheet_title(table: Table, lang: str = "zh") -> str:
    """The sheet a table goes to (the loader accepts the Chinese and the English name)."""
    return pick((table.zh, table.name), lang)


def header(col: Column, lang: str = "zh") -> str:
    return pick((col.zh, col.name), lang)


# ----------------------------------------------------------------------------- the rows


def _source_tables(source: Any) -> tuple[dict[str, pd.DataFrame | None], str | None, str | None, str | None]:
    """Tables (English columns, codes), the settings file's text, the county name and its standard."""
    if source is None:
        return {}, None, None, None
    if isinstance(source, Mapping):
        unknown = sorted(set(source) - set(TABLES))
        if unknown:
            raise ParameterError(f"unknown table(s) {', '.join(unknown)}; known: {', '.join(TABLES)}")
        return dict(source), None, None, None
    from eduwb.data.dataset import Dataset, load

    ds = source if isinstance(source, Dataset) else load(source)
    path = Path(ds.path)
    settings = path / "county.toml" if path.is_dir() else path.with_suffix(".toml")
    text = settings.read_text(encoding="utf-8") if settings.is_file() else None
    return {name: getattr(ds, name) for name in TABLES}, text, ds.name, ds.settings.standard


def _years(years: int | Iterable[int] | None) -> list[int] | None:
    if years is None:
        return None
    if isinstance(years, int | str):
        years = [years]
    try:
        out = sorted({int(y) for y in years})
    except (TypeError, ValueError):
        raise ParameterError(f"years must be whole numbers, not {years!r}") from None
    if not out:
        raise ParameterError("no year given")
    return out


def _skeleton(schools: pd.DataFrame, year: int) -> dict[str, pd.DataFrame]:
    """Rows to fill for a school list without figures: each school's stages, one facilities row."""
    stages = schools["kind"].map(lambda k: list(STAGES_BY_KIND.get(k, ())))
    sections = (
        schools[["school_id"]]
        .assign(stage=stages)
        .explode("stage")
        .dropna(subset=["stage"])
        .assign(year=year)
    )
    facilities = schools[["school_id"]].assign(year=year)
    return {"sections": sections.reset_index(drop=True), "facilities": facilities.reset_index(drop=True)}


def _rows_for_years(
    tables: dict[str, pd.DataFrame | None], years: list[int]
) -> tuple[dict[str, pd.DataFrame], dict[str, pd.Series]]:
    """The rows of the years asked for, and per table which rows were copied from another year."""
    out: dict[str, pd.DataFrame] = {}
    copied: dict[str, pd.Series] = {}
    sections = tables.get("sections")
    have = sorted(int(y) for y in sections["year"].unique()) if sections is not None and len(sections) else []
    schools = tables.get("schools")
    if schools is not None:
        out["schools"] = schools
    for name, table in TABLES.items():
        if name == "schools" or "year" not in table.names:
            continue
        frame = tables.get(name)
        parts, carried = [], []
        for year in years:
            rows, copied_rows = None, False
            if year in have:
                rows = None if frame is None else frame[frame["year"] == year]
            elif not have:
                if schools is not None and name in ("sections", "facilities"):
                    rows = _skeleton(schools, year)[name]
            elif frame is not None and name != "rotations":
                base = max([y for y in have if y < year], default=have[-1])
                rows = frame[frame["year"] == base].assign(year=year)
                if name in _KEYS_ONLY:
                    rows = rows[list(_KEYS_ONLY[name])].drop_duplicates()
                copied_rows = name in _CARRIED
            if rows is not None:
                parts.append(rows)
                carried.append(copied_rows)
        if parts:
            out[name] = pd.concat(parts, ignore_index=True)
            copied[name] = pd.Series(np.repeat(carried, [len(p) for p in parts]))
    return out, copied


# ----------------------------------------------------------------------------- cells


def cell_values(col: Column, series: pd.Series, lang: str) -> list[Any]:
    """A column as the values written to its cells (labels for codes, None for blanks)."""
    labels = pick((col.enum or {}, {c: c for c in (col.enum or {})}), lang)
    convert = {
        "enum": lambda v: labels.get(v, v) if isinstance(v, str) else None,
        "bool": lambda v: _YES_NO[lang][0 if bool(v) else 1],
        "int": int,
        "number": float,
    }.get(col.dtype, str)
    return [None if m else convert(v) for v, m in zip(series.tolist(), series.isna().tolist(), strict=True)]


def _comment_text(col: Column, lang: str) -> str:
    title = pick((f"{col.zh}（{col.name}）", f"{col.name} ({col.zh})"), lang)
    facts = _facts(col, lang, ("unit", "values", "bounds", "rule", "source"))
    return "\n".join([title, _summary(col, lang), pick((col.desc_zh, col.desc_en), lang), *facts])


def _example_value(col: Column, lang: str) -> Any:
    if col.example is None or col.example == "":
        return None
    return cell_values(col, pd.Series([col.example], dtype=object), lang)[0]


_KIND_WORDS = {**TYPES, "enum": ("从列表中选择", "pick from the list")}
_REQUIRED_WORDS = {True: ("必填", "required"), False: ("可空", "may be blank")}
_FIELD_WORDS = {
    "unit": ("单位", "unit"),
    "values": ("取值", "values"),
    "bounds": ("范围", "bounds"),
    "rule": ("规则", "rule"),
    "source": ("来源", "source"),
}


def _summary(col: Column, lang: str) -> str:
    """``必填 · 整数``: whether the column is required, and what it takes."""
    return f"{pick(_REQUIRED_WORDS[col.required], lang)} · {pick(_KIND_WORDS[col.dtype], lang)}"


def _facts(col: Column, lang: str, keys: tuple[str, ...]) -> list[str]:
    """``单位：平方米``: the facts of ``keys`` the column has, each named."""
    facts = {
        "unit": pick(UNITS[col.unit], lang) if col.unit else None,
        "values": pick(LIST_SEP, lang).join(pick((col.enum.values(), col.enum), lang)) if col.enum else None,
        "bounds": col.bounds() or None,
        "rule": pick((col.rule_zh, col.rule), lang) or None,
        "source": pick(col.source, lang) if col.source[0] else None,
    }
    colon = pick(COLON, lang)
    return [f"{pick(_FIELD_WORDS[k], lang)}{colon}{facts[k]}" for k in keys if facts[k] is not None]


def _both(zh: str, en: str, limit: int = _MESSAGE_CHARS) -> str:
    """A validation text in Chinese with English (``中文 / English``), cut to Excel's limit."""
    text = f"{zh} / {en}"
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _prompt(col: Column, extra: tuple[str, str] | None = None) -> tuple[str, str]:
    """The input message shown when a cell of the column is selected: title and text."""
    texts = []
    for lang in ("zh", "en"):
        parts = [_summary(col, lang), *_facts(col, lang, ("unit", "bounds"))]
        if extra:
            parts.append(pick(extra, lang))
        texts.append(pick(("；", "; "), lang).join(parts))
    return _both(col.zh, col.name, _TITLE_CHARS), _both(*texts)


def _list_rule(options: list[str], error: tuple[str, str], style: str = "stop"):
    """A drop-down of ``options`` (None when they do not fit Excel's inline list)."""
    from openpyxl.worksheet.datavalidation import DataValidation

    formula = '"' + ",".join(options) + '"'
    if len(formula) - 2 > _LIST_CHARS or any("," in o or '"' in o for o in options):
        return None
    return DataValidation(type="list", formula1=formula, errorStyle=style, error=_both(*error))


def _number_rule(col: Column):
    from openpyxl.worksheet.datavalidation import DataValidation

    kind = "whole" if col.dtype == "int" else "decimal"
    low = col.min if col.min is not None else col.gt
    if low is not None and col.max is not None:
        dv = DataValidation(type=kind, operator="between", formula1=f"{low:g}", formula2=f"{col.max:g}")
    elif col.gt is not None:
        dv = DataValidation(type=kind, operator="greaterThan", formula1=f"{col.gt:g}")
    elif low is not None:
        dv = DataValidation(type=kind, operator="greaterThanOrEqual", formula1=f"{low:g}")
    else:
        dv = DataValidation(type=kind, operator="between", formula1="-1E+300", formula2="1E+300")
    zh, en = ("请填整数", "Enter a whole number") if col.dtype == "int" else ("请填数字", "Enter a number")
    bounds = col.bounds()
    dv.error = _both(f"{zh}（{bounds}）", f"{en} ({bounds})") if bounds else _both(zh, en)
    return dv


def indicator_codes(standard: str | os.PathLike[str] | None = None) -> list[str]:
    """The ids a row of 县级指标 may name: the county-declared indicators, the vetoes, then the
    computed indicators (an input stands in for one when its tables are missing)."""
    from eduwb.standards import DEFAULT_STANDARD, load_standard

    std = load_standard(standard or DEFAULT_STANDARD)
    declared = [i.id for i in std.indicators if i.source == "county"]
    computed = [i.id for i in std.indicators if i.source != "county"]
    return declared + [v["id"] for v in std.vetoes] + computed


def _rule(col: Column, table: Table, lang: str, school_range: str, indicators: list[str]):
    """The validation of one column (None for a free-text column) with its texts."""
    list_error = ("请从下拉列表中选择", "Pick a value from the drop-down list")
    extra = None
    dv = None
    if col.dtype == "enum":
        dv = _list_rule(list(pick((col.enum.values(), col.enum or {}), lang)), list_error)
    elif col.dtype == "bool":
        dv = _list_rule(list(_YES_NO[lang]), list_error)
    elif col.dtype in ("int", "number"):
        dv = _number_rule(col)
    elif (table.name, col.name) == ("county_indicators", "indicator") and indicators:
        extra = ("指标编号取自评估标准", "ids from the standard")
        dv = _list_rule(
            indicators, ("须是评估标准中的指标或一票否决编号", "Not an indicator id of the standard")
        )
    elif col.name in _SCHOOL_REFS and (table.name, col.name) != ("schools", "school_id"):
        # the schools sheet's ids as a drop-down; a warning only, since a school may be added there later
        from openpyxl.worksheet.datavalidation import DataValidation

        extra = ("从学校名录中选择", "from the schools sheet")
        dv = DataValidation(type="list", formula1=school_range, errorStyle="warning")
        dv.error = _both("学校标识码不在学校名录中", "This school id is not in the schools sheet")
    if dv is None:
        return None
    dv.errorTitle = _both("填写有误", "Invalid entry", _TITLE_CHARS)
    dv.promptTitle, dv.prompt = _prompt(col, extra)
    dv.showInputMessage = True
    dv.showErrorMessage = True
    dv.allow_blank = not col.required
    return dv


def _validations(
    ws, table: Table, lang: str, schools_sheet: str, n_schools: int, indicators: list[str]
) -> None:
    """Every coded, yes/no, number and school-id column checked over every row eduwb reads."""
    from openpyxl.utils import get_column_letter

    school_last = max(n_schools + 1 + SPARE_ROWS, 2)
    school_range = f"={quoted_sheet(schools_sheet)}!$A$2:$A${school_last}"
    for i, col in enumerate(table.columns, start=1):
        dv = _rule(col, table, lang, school_range, indicators)
        if dv is None:
            continue
        letter = get_column_letter(i)
        dv.add(f"{letter}2:{letter}{LAST_ROW}")
        ws.add_data_validation(dv)


def _table_sheet(
    wb,
    table: Table,
    frame: pd.DataFrame | None,
    copied: pd.Series | None,
    lang: str,
    n_schools: int,
    indicators: list[str],
) -> None:
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    ws = wb.create_sheet(sheet_title(table, lang))
    n = 0 if frame is None else len(frame)
    fonts = {
        True: Font(bold=True, color=REQUIRED_HEADER_FONT),
        False: Font(bold=False, italic=True, color=OPTIONAL_HEADER_FONT),
    }
    copied_fill = fill(COPIED_FILL)
    keyish = {"school_id", "year", "stage", "class_id", "teacher_id", "grade", "indicator", "group"}
    for i, col in enumerate(table.columns, start=1):
        cell = ws.cell(row=1, column=i)
        set_cell(cell, header(col, lang))
        cell.font = fonts[col.required]
        cell.fill = fill(REQUIRED_HEADER_FILL if col.required else OPTIONAL_HEADER_FILL)
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        comment = Comment(_comment_text(col, lang), "eduwb")
        comment.width, comment.height = 320, 220
        cell.comment = comment
        letter = get_column_letter(i)
        number_format = "@" if col.dtype == "text" else _NUMBER_FORMATS.get(col.dtype, "General")
        ws.column_dimensions[letter].number_format = number_format
        values = cell_values(col, frame[col.name], lang) if n and col.name in frame.columns else [None] * n
        shade = copied is not None and col.name not in keyish
        for r, value in enumerate(values, start=2):
            if value is None:
                continue
            cell = ws.cell(row=r, column=i)
            set_cell(cell, value)
            cell.number_format = number_format
            if shade and bool(copied.iat[r - 2]):
                cell.fill = copied_fill
        sample = [header(col, lang), *values[:200]]
        ws.column_dimensions[letter].width = min(40, max(10, max(display_width(v) for v in sample) + 2))
    ws.row_dimensions[1].height = 30
    ws.freeze_panes = "A2"
    _validations(ws, table, lang, sheet_title(TABLES["schools"], lang), n_schools, indicators)


def _legend(ws, row: int, text: dict) -> int:
    """The legend of the header and cell colours, from ``row``; the row after it."""
    from openpyxl.styles import Font

    ws.cell(row=row, column=1, value=text["legend_title"]).font = Font(bold=True)
    row += 1
    looks = (
        (REQUIRED_HEADER_FILL, Font(bold=True, color=REQUIRED_HEADER_FONT)),
        (OPTIONAL_HEADER_FILL, Font(italic=True, color=OPTIONAL_HEADER_FONT)),
        (COPIED_FILL, Font()),
    )
    for (label, meaning), (colour, font) in zip(text["legend"], looks, strict=True):
        cell = ws.cell(row=row, column=1, value=label)
        cell.fill, cell.font = fill(colour), font
        ws.cell(row=row, column=2, value=meaning)
        row += 1
    return row + 1


def _readme_sheet(ws, lang: str) -> None:
    from openpyxl.styles import Alignment, Font

    text = {key: pick(words, lang) for key, words in _TEXT.items()}
    ws.title = text["readme"]
    bold = Font(bold=True)
    ws.column_dimensions["A"].width = 22
    for letter in "BCDEFGHIJKLM":
        ws.column_dimensions[letter].width = 18
    row = 1
    ws.cell(row=row, column=1, value=text["title"]).font = Font(bold=True, size=14)
    row += 2
    row = _legend(ws, row, text)
    for title, items in ((text["steps_title"], text["steps"]), (text["units_title"], text["units"])):
        ws.cell(row=row, column=1, value=title).font = bold
        row += 1
        for n, item in enumerate(items, start=1):
            set_cell(ws.cell(row=row, column=1), f"{n}. {item}")
            row += 1
        row += 1
    ws.cell(row=row, column=1, value=text["tables_title"]).font = bold
    row += 1
    for i, word in enumerate(text["tables_header"], start=1):
        ws.cell(row=row, column=i, value=word).font = bold
    row += 1
    for table in TABLES.values():
        name = sheet_title(table, lang)
        link_to(ws.cell(row=row, column=1, value=name), name)
        ws.cell(row=row, column=2, value=pick((table.name, table.zh), lang))
        ws.cell(row=row, column=3, value=text["required"][0 if table.name in REQUIRED_TABLES else 1])
        ws.cell(row=row, column=4, value=pick((table.row_zh, table.row_en), lang))
        ws.cell(row=row, column=5, value=pick((table.desc_zh, table.desc_en), lang))
        row += 1
    row += 1
    ws.cell(row=row, column=1, value=text["examples_title"]).font = bold
    row += 1
    for table in TABLES.values():
        ws.cell(row=row, column=1, value=sheet_title(table, lang)).font = bold
        row += 1
        for i, col in enumerate(table.columns, start=1):
            ws.cell(row=row, column=i, value=header(col, lang)).font = Font(italic=True)
            set_cell(ws.cell(row=row + 1, column=i), _example_value(col, lang))
        row += 3
    for cells in ws.iter_rows(min_row=1, max_row=row, max_col=1):
        cells[0].alignment = Alignment(vertical="top")


def _default_settings(name: str, lang: str) -> str:
    from eduwb.data.settings import DEFAULT_ROTATION, DEFAULT_UNIT_COSTS

    lines = [
        f"# {pick(_TEXT['settings_comment'], lang)}",
        f'name = "{name}"',
        '# code = "429999"          # 6 位行政区划代码 6-digit administrative code',
        '# province = "某省"',
        'standard = "moe-2017"',
        "relaxations_2019 = false",
        "",
        "# [[class_size.milestones]]  # 县规划的班额节点 the county plan's class-size milestones",
        "# by = 2025",
        '# max_students = "standard"',
        "",
        "[rotation]",
        *(f"{k} = {v}" for k, v in DEFAULT_ROTATION.items()),
        "",
        "[unit_costs]",
        *(f"{k} = {v}" for k, v in DEFAULT_UNIT_COSTS.items()),
    ]
    return "\n".join(lines) + "\n"


def write_template(
    target: str | os.PathLike[str], *, source: Any = None, years: Any = None, lang: str = "zh"
) -> Path:
    """Write the workbook ``target`` and the county settings beside it (``<stem>.toml``).

    ``source``: None, a county folder or workbook, a :class:`~eduwb.data.dataset.Dataset` or
    ``{table name: DataFrame}`` (English columns and codes). Raises :class:`ParameterError` for
    a bad target, language, table or year, :class:`DataError` for a source that does not validate.
    """
    from openpyxl import Workbook

    if lang not in ("zh", "en"):
        raise ParameterError(f"lang must be one of zh, en, not {lang!r}")
    target = Path(target)
    if target.suffix.lower() != ".xlsx":
        raise ParameterError(f"{target}: the template must be an .xlsx file")
    tables, settings_text, county, standard = _source_tables(source)
    indicators = indicator_codes(standard)
    year_list = _years(years)
    copied: dict[str, pd.Series] = {}
    if year_list is not None:
        tables, copied = _rows_for_years(tables, year_list)
    schools = tables.get("schools")
    n_schools = 0 if schools is None else len(schools)

    wb = Workbook()
    _readme_sheet(wb.active, lang)
    for table in TABLES.values():
        frame = tables.get(table.name)
        if frame is not None:
            missing = [c for c in frame.columns if c not in table.names]
            if missing:
                raise ParameterError(f"table {table.name}: unknown column(s) {', '.join(map(str, missing))}")
        _table_sheet(wb, table, frame, copied.get(table.name), lang, n_schools, indicators)
    written = save_workbook(wb, target)
    settings = target.with_suffix(".toml")
    if settings_text is None and not settings.exists():
        settings_text = _default_settings(county or target.stem, lang)
    if settings_text is not None:
        atomic_write_bytes(settings, settings_text.encode("utf-8"))
    return written
