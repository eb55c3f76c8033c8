"""Opening statistics workbooks defensively, and locating what is read from them.

A workbook from outside is untrusted: it may be huge, a zip bomb, encrypted, or hold a
million rows. Before openpyxl sees it, the file size is checked and every XML part is
streamed once through the guard of :mod:`eduwb.data.xlsx` (the same limits as a county's
workbook, from :mod:`eduwb.data.limits`: bytes inflated, elements, sheets, cell formats,
shared strings, rows and cells per row); it is then opened ``read_only`` (streamed, formulas
not evaluated: the cached value is read, as Excel last saved it), and only a bounded block of
each sheet is read.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from eduwb.data import limits
from eduwb.errors import Problem

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


@dataclass(frozen=True)
class CellProblem(Problem):
    """A problem located at a cell of a statistics workbook (``cell`` like ``"I6"``)."""

    cell: str | None = None

    def __str__(self) -> str:
        where = self.file + (f", 单元格 cell {self.cell}" if self.cell else "")
        value = "" if self.value is None else f" 值 value {self.value!r}:"
        return f"{self.severity}: {where}:{value} {self.rule}"


def cell_problem(
    workbook: str,
    rule: str,
    sheet: str | None = None,
    cell: str | None = None,
    value: object = None,
    severity: str = "error",
) -> CellProblem:
    from eduwb.data.importers.mapping import parse_cell

    row = column = None
    if cell is not None:
        row, _ = parse_cell(cell)
        column = re.match(r"[A-Z]+", cell).group(0)
    file = workbook if sheet is None else f"{workbook} [sheet {sheet}]"
    return CellProblem(file, row, column, _shown(value), rule, severity, cell)


def _shown(value: object) -> object:
    """A cell value as quoted in a message: text capped, so a hostile cell cannot flood the terminal."""
    if isinstance(value, str) and len(value) > 60:
        return value[:60] + "…"
    return value


def column_letters(index: int) -> str:
    """1 → ``"A"``, 27 → ``"AA"``."""
    letters = ""
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def cell_ref(row: int, column: int) -> str:
    return f"{column_letters(column)}{row}"


def cell_text(value: Any) -> str:
    """A cell as plain text: numbers without a spurious ``.0``, control characters dropped."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return str(value)
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return _CONTROL.sub("", str(value)).strip()


def check_file(path: Path, label: str, problems: list[Problem]) -> bool:
    """Whether ``path`` may be opened: a zip of sane size, not an old .xls or encrypted file."""
    rule = _refusal(path)
    if rule is not None:
        problems.append(cell_problem(label, rule))
    return rule is None


def _refusal(path: Path) -> str | None:
    """Why ``path`` may not be opened (None: it may), in Chinese and English."""
    from eduwb.data.rulewords import zh
    from eduwb.data.xlsx import XlsxRefused, guard

    try:
        size = path.stat().st_size
    except OSError as exc:
        return f"无法读取 cannot be read: {exc.strerror}"
    if size > limits.MAX_FILE_BYTES:
        return f"文件过大 too large ({size // 2**20} MB > {limits.MAX_FILE_BYTES // 2**20} MB)"
    with path.open("rb") as fh:
        if fh.read(8).startswith(b"\xd0\xcf\x11\xe0"):
            return (
                "是旧版 .xls 或加密的工作簿；请在 Excel 中另存为 .xlsx（不加密） "
                "(an old .xls or encrypted workbook: save it as .xlsx)"
            )
    try:
        guard(path)
    except XlsxRefused as exc:
        chinese = zh(exc.rule)  # the importer's rules read "中文 English"
        return exc.rule if chinese is None else f"{chinese} {exc.rule}"
    return None


@contextmanager
def open_workbook(path: Path, label: str, problems: list[Problem]) -> Iterator[Any | None]:
    """The workbook opened read-only (or ``None`` after recording why it cannot be)."""
    if not check_file(path, label, problems):
        yield None
        return
    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, read_only=True, data_only=True, keep_links=False)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        rule = f"不是可读的 .xlsx 工作簿 not a readable .xlsx workbook ({type(exc).__name__})"
        problems.append(cell_problem(label, rule))
        yield None
        return
    try:
        if len(wb.sheetnames) > limits.MAX_XLSX_SHEETS:
            rule = f"工作表过多 too many sheets ({len(wb.sheetnames)} > {limits.MAX_XLSX_SHEETS})"
            problems.append(cell_problem(label, rule))
            yield None
        else:
            yield wb
    finally:
        wb.close()


def read_block(ws, max_row: int, max_column: int) -> dict[tuple[int, int], Any]:
    """The non-empty cells of the top-left ``max_row`` × ``max_column`` block of a sheet.

    Streaming stops after ``max_row``, so the size of the rest of the sheet does not matter.
    """
    block: dict[tuple[int, int], Any] = {}
    for r, row in enumerate(
        ws.iter_rows(min_row=1, max_row=max_row, max_col=max_column, values_only=True), start=1
    ):
        for c, value in enumerate(row, start=1):
            if value is not None and value != "":
                block[(r, c)] = value
    return block


@contextmanager
def open_formula_view(path: Path) -> Iterator[Any | None]:
    """The workbook opened a second time, read-only, showing formulas instead of saved values.

    The cached-value view (``data_only``) cannot tell a formula saved without its value from
    a blank cell; this view tells which cells hold formulas. The file has passed
    :func:`check_file` when the first view was opened; ``None`` if it cannot be opened again.
    """
    from openpyxl import load_workbook

    if not has_formulas(path):
        yield None
        return
    try:
        wb = load_workbook(path, read_only=True, data_only=False, keep_links=False)
    except Exception:  # opened once already: a failure here only means no formula information
        yield None
        return
    try:
        yield wb
    finally:
        wb.close()


_FORMULA_TAG = re.compile(rb"<(?:\w+:)?f[\s>/]")
FORMULA_SCAN_BYTES = 32 * 2**20  # beyond this much sheet XML, assume there may be formulas


def has_formulas(path: Path) -> bool:
    """Whether any worksheet part of the workbook holds a formula (``<f>``), read as a stream.

    Most statistics workbooks hold none, and then the second (formula) view is not opened.
    A part too large to scan within :data:`FORMULA_SCAN_BYTES` counts as holding formulas.
    """
    scanned = 0
    try:
        with zipfile.ZipFile(path) as zf:
            for info in zf.infolist():
                if not info.filename.startswith("xl/worksheets/"):
                    continue
                with zf.open(info) as part:
                    tail = b""
                    while chunk := part.read(2**20):
                        if _FORMULA_TAG.search(tail + chunk):
                            return True
                        tail = chunk[-16:]
                        scanned += len(chunk)
                        if scanned > FORMULA_SCAN_BYTES:
                            return True
    except (zipfile.BadZipFile, OSError, ValueError):
        return True  # let the reader report it
    return False


def read_formulas(ws, max_row: int, max_column: int, min_row: int = 1) -> dict[tuple[int, int], str]:
    """The formula cells of a bounded block of a sheet (in the formula view), by (row, column)."""
    found: dict[tuple[int, int], str] = {}
    for r, row in enumerate(
        ws.iter_rows(min_row=min_row, max_row=max_row, max_col=max_column), start=min_row
    ):
        for c, cell in enumerate(row, start=1):
            if getattr(cell, "data_type", None) == "f":
                found[(r, c)] = str(cell.value)[:200]
    return found
