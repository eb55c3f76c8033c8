"""Validation an analyst can act on: ``eduwb validate DATA --annotate OUT.xlsx``.

:func:`annotate` validates a county and writes a *copy* of its data (a workbook as openpyxl
keeps it; a folder's CSV files as a sheet each, text row for row) in which every cell with a
problem is filled red (error) or amber (warning) with a comment; a column's problem sits on
its header, a row's on its first cell, a file's is only listed. A first sheet 问题清单 lists
every problem with a link to its cell. A workbook that cannot be opened raises
:class:`~eduwb.errors.DataError` and nothing is written.
"""

from __future__ import annotations

import csv
import io
import os
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eduwb.data.rulewords import value_zh
from eduwb.data.workbook import (
    ERROR_FILL,
    HEADER_FILL,
    WARNING_FILL,
    fill,
    link_to,
    save_workbook,
    set_cell,
)
from eduwb.errors import DataError, ParameterError, Problem

LIST_SHEET = "问题清单"
_SHEET_LABEL = re.compile(r"^(?P<file>.*) \[sheet (?P<sheet>.*)\]$")
_LIST_HEADER = [
    "序号 no.",
    "严重程度 severity",
    "文件 file",
    "工作表 sheet",
    "行 row",
    "列 column",
    "单元格 cell",
    "值 value",
    "规则 rule",
]
_SEVERITY = {"error": "错误 error", "warning": "警告 warning"}


@dataclass
class Located:
    """A problem and where it is marked in the annotated workbook (no cell: listed only)."""

    problem: Problem
    sheet: str | None = None
    cell: str | None = None


@dataclass
class Annotation:
    """What :func:`annotate` found and wrote."""

    path: Path
    problems: list[Problem] = field(default_factory=list)
    located: list[Located] = field(default_factory=list)
    dataset: Any = None  # the loaded Dataset when the data are valid

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity != "error"]


# ----------------------------------------------------------------------------- the copy


def _unique_title(stem: str, used: set[str]) -> str:
    base = re.sub(r"[\[\]:*?/\\]", "_", stem).strip("'")[:31] or "sheet"
    name, n = base, 1
    while name.lower() in used:
        n += 1
        name = f"{base[: 31 - len(str(n)) - 1]}~{n}"
    used.add(name.lower())
    return name


def _folder_workbook(folder: Path):
    """A workbook with a sheet per CSV file of ``folder`` (text cells, row for row), and each
    file's sheet."""
    from openpyxl import Workbook

    from eduwb.data.read import decode, norm
    from eduwb.data.schema import TABLES

    wb = Workbook()
    wb.remove(wb.active)
    order = {norm(a): i for i, t in enumerate(TABLES.values()) for a in (t.name, t.zh)}
    files = sorted(
        (p for p in folder.iterdir() if p.is_file() and p.suffix.lower() == ".csv"),
        key=lambda p: (order.get(norm(p.stem), len(order)), p.name),
    )
    sheets: dict[str, str] = {}
    used = {LIST_SHEET.lower()}
    for path in files:
        text = decode(path.read_bytes(), path.name, [])
        if text is None:
            continue  # undecodable: its problem is listed, there is nothing to show
        ws = wb.create_sheet(_unique_title(path.stem, used))
        for r, record in enumerate(csv.reader(io.StringIO(text, newline="")), start=1):
            for c, value in enumerate(record, start=1):
                if value != "":
                    set_cell(ws.cell(row=r, column=c), value)
        ws.freeze_panes = "A2"
        for cell in ws[1]:
            cell.fill = fill(HEADER_FILL)
        sheets[path.name] = ws.title
    return wb, sheets


def _workbook_copy(path: Path, problems: list[Problem]):
    from openpyxl import load_workbook

    from eduwb.data.xlsx import XlsxRefused, guard, open_zip

    try:
        with open_zip(path) as zf:
            guard(zf)  # the limits on what its parts hold, before openpyxl reads them whole
    except XlsxRefused as exc:
        raise DataError(problems or [Problem(path.name, exc.row, exc.column, exc.value, exc.rule)]) from None
    try:
        wb = load_workbook(path, rich_text=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        if not problems:
            problems = [Problem(path.name, None, None, None, f"not a readable .xlsx workbook: {exc}")]
        raise DataError(problems) from None
    if LIST_SHEET in wb.sheetnames:  # a copy annotated before: its list is replaced
        wb.remove(wb[LIST_SHEET])
    return wb, {}


# ----------------------------------------------------------------------------- locating


def _header_column(ws, header: str | None) -> int | None:
    """The column of ``header`` in row 1 (the last one when it appears twice)."""
    if header is None:
        return None
    found = [c.column for c in ws[1] if c.value is not None and str(c.value).strip() == str(header).strip()]
    return found[-1] if found else None


def _locate(problem: Problem, wb, sheets: dict[str, str], source: Path) -> Located:
    from openpyxl.utils import get_column_letter

    match = _SHEET_LABEL.match(problem.file)
    sheet = match.group("sheet") if match and match.group("file") == source.name else sheets.get(problem.file)
    if sheet is None or sheet not in wb.sheetnames:
        return Located(problem)
    ws = wb[sheet]
    column = _header_column(ws, problem.column)
    if problem.row is None and column is None:
        return Located(problem, sheet)
    row = 1 if problem.row is None else problem.row
    if column is None:
        if problem.column is not None and row == 1:
            return Located(problem, sheet)  # a header that is not there (a missing column)
        column = 1
    return Located(problem, sheet, f"{get_column_letter(column)}{row}")


# ----------------------------------------------------------------------------- marking


def _rule_text(p: Problem) -> str:
    """The rule in Chinese, then English (English only when the catalogue has no Chinese for it)."""
    chinese = p.rule_zh()
    return p.rule if chinese is None else f"{chinese} / {p.rule}"


def _value_text(p: Problem) -> str | None:
    """The value as quoted, with the Chinese of a value the loader composed."""
    if p.value is None:
        return None
    chinese = value_zh(p.value)
    return str(p.value) if chinese == p.value else f"{chinese} / {p.value}"


def _comment_text(problems: list[Problem]) -> str:
    lines = []
    for p in problems:
        chinese = p.rule_zh()
        severity = _SEVERITY.get(p.severity, p.severity)
        lines += [f"{severity}: {p.rule}"] if chinese is None else [f"{severity}: {chinese}", p.rule]
        if p.value not in (None, ""):
            lines.append(f"值 value: {_value_text(p)}")
    return "\n".join(lines)


def _mark(wb, located: list[Located]) -> None:
    from openpyxl.comments import Comment

    by_cell: dict[tuple[str, str], list[Problem]] = defaultdict(list)
    for loc in located:
        if loc.cell is not None:
            by_cell[(loc.sheet, loc.cell)].append(loc.problem)
    for (sheet, ref), problems in by_cell.items():
        cell = wb[sheet][ref]
        worst = "error" if any(p.severity == "error" for p in problems) else "warning"
        cell.fill = fill(ERROR_FILL if worst == "error" else WARNING_FILL)
        text = _comment_text(problems)
        if cell.comment is not None and cell.comment.text:
            text = f"{text}\n—\n{cell.comment.text}"
        comment = Comment(text, "eduwb")
        comment.width, comment.height = 360, 60 + 30 * text.count("\n")
        cell.comment = comment


def _list_sheet(wb, located: list[Located]) -> None:
    from openpyxl.styles import Font

    ws = wb.create_sheet(LIST_SHEET, 0)
    wb.active = 0
    for c, title in enumerate(_LIST_HEADER, start=1):
        cell = ws.cell(row=1, column=c, value=title)
        cell.font = Font(bold=True)
        cell.fill = fill(HEADER_FILL)
    if not located:
        ws.cell(row=2, column=1, value="没有发现问题 no problems found")
    for n, loc in enumerate(located, start=1):
        p = loc.problem
        r = n + 1
        match = _SHEET_LABEL.match(p.file)
        values = [
            n,
            _SEVERITY.get(p.severity, p.severity),
            match.group("file") if match else p.file,
            loc.sheet or (match.group("sheet") if match else None),
            p.row,
            p.column,
            loc.cell,
            _value_text(p),
            _rule_text(p),
        ]
        for c, value in enumerate(values, start=1):
            set_cell(ws.cell(row=r, column=c), value)
        ws.cell(row=r, column=2).fill = fill(ERROR_FILL if p.severity == "error" else WARNING_FILL)
        if loc.cell is not None:
            link_to(ws.cell(row=r, column=7), loc.sheet, loc.cell)
    for letter, width in zip("ABCDEFGHI", (6, 14, 22, 18, 6, 24, 9, 30, 70), strict=True):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:I{max(2, len(located) + 1)}"


# ----------------------------------------------------------------------------- entry point


def annotate(
    data: str | os.PathLike[str], target: str | os.PathLike[str], *, standard: str | None = None
) -> Annotation:
    """Validate ``data`` and write the annotated copy to ``target``, valid or not; return what
    was found and where each problem was marked.

    Raises :class:`DataError` when ``data`` cannot be opened (nothing written), and
    :class:`ParameterError` when ``target`` is not an ``.xlsx`` file or is the county's own file.
    """
    from eduwb.data.dataset import load

    source, target = Path(data), Path(target)
    if target.suffix.lower() != ".xlsx":
        raise ParameterError(f"{target}: the annotated copy must be an .xlsx file")
    if target.resolve() == source.resolve():
        raise ParameterError(f"{target}: the annotated copy must not overwrite the county's own file")
    dataset = None
    try:
        dataset = load(source, standard=standard, cache=False)
        problems = list(dataset.warnings)
    except DataError as exc:
        problems = list(exc.problems)
    if source.is_dir():
        wb, sheets = _folder_workbook(source)
    elif source.is_file() and source.suffix.lower() in (".xlsx", ".xlsm"):
        wb, sheets = _workbook_copy(source, problems)
    else:
        raise DataError(problems)  # nothing that can be copied
    located = [_locate(p, wb, sheets, source) for p in problems]
    _mark(wb, located)
    _list_sheet(wb, located)
    path = save_workbook(wb, target)
    return Annotation(path, problems, located, dataset)
