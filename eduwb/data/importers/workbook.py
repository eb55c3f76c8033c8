"""Opening statistics workbooks defensively, and locating what is read from them.

A workbook from outside is untrusted: it may be huge, a zip bomb, encrypted, or hold a
million rows. Its file size is checked, then it is read by :class:`eduwb.data.xlsx.Workbook`,
which streams every XML part through its guard first (the same limits as a county's workbook,
from :mod:`eduwb.data.limits`). Formulas are not evaluated: the value Excel last saved is read,
and only a bounded block of each sheet.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from eduwb.data import limits
from eduwb.data.importers.locate import rc
from eduwb.data.rulewords import zh
from eduwb.data.xlsx import Workbook, XlsxRefused
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
    row = column = None
    if cell is not None:
        row, _ = rc(cell)
        column = re.match(r"[A-Z]+", cell).group(0)
    file = workbook if sheet is None else f"{workbook} [sheet {sheet}]"
    return CellProblem(file, row, column, _shown(value), rule, severity, cell)


def add_problem(problems: list[Problem], workbook: str, rule: str, **where: Any) -> None:
    problems.append(cell_problem(workbook, rule, **where))


def _shown(value: object) -> object:
    """A cell value as quoted in a message: text capped, so a hostile cell cannot flood the terminal."""
    if isinstance(value, str) and len(value) > 60:
        return value[:60] + "…"
    return value


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


def _refusal(path: Path) -> str | None:
    """Why ``path`` may not be opened (None: it may), in Chinese and English."""
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
    return None


def bilingual(rule: str) -> str:
    """A rule as the importer's rules read, "中文 English" (English alone without a catalogue entry)."""
    chinese = zh(rule)
    return rule if chinese is None else f"{chinese} {rule}"


@contextmanager
def open_workbook(path: Path, label: str, problems: list[Problem]) -> Iterator[Workbook | None]:
    """The workbook opened for reading, its parts checked against the limits (or ``None`` after
    recording why it cannot be). A limit broken while a sheet is read is recorded the same way,
    and ends the ``with``."""
    rule = _refusal(path)
    if rule is None:
        try:
            wb = Workbook(path, table=False)
        except XlsxRefused as exc:
            rule = bilingual(exc.rule)
    if rule is not None:
        problems.append(cell_problem(label, rule))
        yield None
        return
    try:
        with wb:
            yield wb
    except XlsxRefused as exc:
        problems.append(cell_problem(label, bilingual(exc.rule)))
