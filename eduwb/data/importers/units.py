"""What a reader hands on: each school-year as read, every value with the cells it came from."""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass, field

from eduwb.data.importers import patterns
from eduwb.data.importers.mapping import MAX_TEXT, Field, Mapping, norm_text, parse_bool
from eduwb.data.importers.workbook import cell_problem, cell_text
from eduwb.data.schema import STAGES, TABLES
from eduwb.errors import Problem

_DASHES = {"-", "--", "—", "——", "－", "/"}


@dataclass(frozen=True)
class Cell:
    """One cell read: where it is and what it held."""

    workbook: str
    sheet: str
    ref: str  # "I6"
    raw: object
    formula: str | None = None  # the cell's formula when it holds one (raw is then the saved value)

    @property
    def text(self) -> str:
        return cell_text(self.raw)


@dataclass
class Reading:
    """A value for one target and the cells it was made from."""

    value: object  # None when blank
    cells: tuple[Cell, ...]
    blank_as_zero: tuple[Cell, ...] = ()


@dataclass
class Unit:
    """One school in one year, as read from a workbook (or a row of a county-wide table)."""

    year: int
    origin: str  # what a person opens to find it: a workbook, or "workbook [sheet] row N"
    kind: str
    kind_label: str
    values: dict[str, Reading] = field(default_factory=dict)
    merged: list[str] = field(default_factory=list)  # origins of rows merged into this one
    notes: list[str] = field(default_factory=list)  # what the log should say about this unit's reading

    def value(self, target: str, default: object = None) -> object:
        reading = self.values.get(target)
        return default if reading is None or reading.value is None else reading.value

    @property
    def name(self) -> str:
        return str(self.value("school.name", ""))


def _zh(f: Field) -> str:
    return TABLES[f.table].column(f.column).zh


def describe(f: Field) -> str:
    """``sections.students（在校生数，小学）`` — how a target is named in messages."""
    stage = STAGES.get(f.namespace)
    suffix = f"，{stage}" if stage else ("，全校" if f.namespace == "total" else "")
    return f"{f.table}.{f.column}（{_zh(f)}{suffix}）"


def parse_field(f: Field, cells: list[Cell], mapping: Mapping, problems: list[Problem]) -> Reading | None:
    """The typed value of one target from its cells; problems are located at the cell.

    Numbers from several cells are summed; text takes the first filled cell. A blank number
    cell is 0 when the mapping says so (``blank_is_zero``) and the reading remembers it.
    """
    unsaved = [c for c in cells if c.formula and (c.raw is None or c.raw == "")]
    for cell in unsaved:
        problems.append(
            _at(
                cell,
                f"公式没有保存的计算结果：请在 Excel 或 WPS 中打开并保存，或复制后“粘贴为数值” "
                f"a formula saved without its value ({describe(f)}): "
                "open and save it in Excel/WPS, or paste values",
                value=cell.formula,
            )
        )
    if unsaved:
        return None
    if f.numeric:
        return _parse_number(f, cells, mapping, problems)
    source = next((cell for cell in cells if cell.text), None)
    if source is None:
        return Reading(None, tuple(cells))
    text = source.text
    if f.extract is not None:
        m = _extract(f, source, text, problems)
        if m is False:
            return None
        if m is not None:
            text = m.group(1).strip()
    if len(text) > MAX_TEXT:
        problems.append(
            _at(source, f"文字过长 text too long ({len(text)} > {MAX_TEXT} characters) for {describe(f)}")
        )
        return None
    if f.dtype == "text":
        return Reading(unicodedata.normalize("NFC", text), (source,))
    if f.dtype == "bool":
        value = parse_bool(text)
        if value is None:
            problems.append(_at(source, f"应为是/否 must be yes/no for {describe(f)}"))
            return None
        return Reading(value, (source,))
    # enum
    code = mapping.lookup(f.column).get(norm_text(text))
    if code is None:
        known = "、".join(_known_labels(f, mapping))
        problems.append(_at(source, f"未知的{_zh(f)} unknown {f.column}; 可用 known: {known}"))
        return None
    return Reading(code, (source,))


def _extract(f: Field, cell: Cell, text: str, problems: list[Problem]):
    """The mapping's ``extract`` searched in a cell's text with a time limit (False: refused)."""
    try:
        return patterns.search(f.extract, text)
    except patterns.PatternTimeout:
        problems.append(
            _at(
                cell,
                f"映射的 extract 正则 {f.extract.pattern!r} 在此单元格上超时"
                f"（超过 {patterns.SEARCH_TIMEOUT:g} 秒），请改写 the mapping's extract pattern took "
                f"too long on this cell: rewrite it ({describe(f)})",
            )
        )
        return False


def _known_labels(f: Field, mapping: Mapping) -> list[str]:
    enum = TABLES[f.table].column(f.column).enum or {}
    return list(dict.fromkeys([*mapping.given(f.column), *enum.values()]))


def _parse_number(f: Field, cells: list[Cell], mapping: Mapping, problems: list[Problem]) -> Reading | None:
    total = 0.0
    blank: list[Cell] = []
    filled = 0
    ok = True
    optional = f.namespace == "school"  # built_year: blank stays blank
    for cell in cells:
        raw = cell.raw
        if isinstance(raw, int | float) and not isinstance(raw, bool):
            number = float(raw)
        else:
            text = unicodedata.normalize("NFKC", cell.text)
            if f.extract is not None and text:
                m = _extract(f, cell, text, problems)
                if m is False:
                    ok = False
                    continue
                if m is not None:
                    text = m.group(1)
            text = text.replace(",", "").replace(" ", "").strip()
            if text == "" or text in _DASHES:
                if optional:
                    continue
                if not mapping.blank_is_zero:
                    problems.append(
                        _at(cell, f"空白：需要一个数 blank: a number is required for {describe(f)}")
                    )
                    ok = False
                blank.append(cell)
                continue
            try:
                number = float(text)
            except ValueError:
                number = math.nan
        if not math.isfinite(number):
            problems.append(_at(cell, f"应为数字 must be a number for {describe(f)}"))
            ok = False
            continue
        if number < 0:
            problems.append(_at(cell, f"不能为负 must not be negative ({describe(f)})"))
            ok = False
            continue
        total += number
        filled += 1
    if not ok:
        return None
    if optional and filled == 0:
        return Reading(None, tuple(cells))
    value = total * f.scale
    # money to the fen and areas to 0.01 m² after a unit change; otherwise float noise only
    value = round(value, 2) if f.scale != 1 else round(value, 6)
    if f.dtype == "int":
        if abs(value - round(value)) > 1e-9:
            problems.append(_at(cells[0], f"应为整数 must be a whole number for {describe(f)}", value=value))
            return None
        value = int(round(value))
    return Reading(value, tuple(cells), tuple(blank))


def _at(cell: Cell, rule: str, value: object = None) -> Problem:
    return cell_problem(
        cell.workbook, rule, sheet=cell.sheet, cell=cell.ref, value=cell.raw if value is None else value
    )


@dataclass
class Merge:
    """A 不计校数 row added into its parent school."""

    child: str  # origin of the merged row
    child_name: str
    parent: str  # origin of the school it went into
    parent_name: str
    kind_label: str
    year: int
    added: dict[str, object] = field(default_factory=dict)  # target → the child's value


@dataclass
class SheetRead:
    units: list[Unit]
    merges: list[Merge]
    unused_columns: list[str]
    notes: list[str] = field(default_factory=list)


@dataclass
class Read:
    """What a source gave: the school-years read, and (综合查询) the rows merged into their parent,
    the columns not used, and notes for the log."""

    units: list[Unit] = field(default_factory=list)
    merges: list[Merge] = field(default_factory=list)
    unused_columns: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
