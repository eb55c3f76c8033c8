"""Reading per-school workbooks of the statistics forms (教基 2011–2019, 基础基 since 2020).

Sheets are told by their names: ``教基3112``, ``教基3112_小学``, ``教基1102续``, ``基础基312``
(the 办学类型 after ``_`` is optional: the school's form gives it). Every value is found by its
labels (see :mod:`eduwb.data.importers.locate`), so a real export's letter row and number
column, or a province's extra row, do not move what is read; only the top-left block of a
form that the mapping needs is read, whatever lies below it. A formula is read from the value
Excel saved with it (and listed in the log); a formula saved without its value is refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from eduwb.data import limits
from eduwb.data.importers.locate import (
    Grid,
    LabelError,
    cell_ref,
    describe_move,
    locate_all,
    rc,
    search_bounds,
)
from eduwb.data.importers.mapping import MAX_FORM_COLUMN, MAX_FORM_ROW, Field, Mapping, norm_text
from eduwb.data.importers.units import Cell, Reading, Unit, describe, parse_field
from eduwb.data.importers.workbook import (
    WORKBOOK_SUFFIXES,
    add_problem,
    cell_text,
    open_workbook,
)
from eduwb.data.schema import STAGES_BY_KIND
from eduwb.data.xlsx import Workbook
from eduwb.errors import Problem

SHEET_NAME = re.compile(
    r"^\s*(?P<family>教基|基础基)\s*(?P<code>\d{3,4}[A-Za-z]?)\s*(?P<cont>续(?:\s*表\s*\d*)?)?"
    r"\s*(?:[_＿\-－]\s*(?P<kind>.*?))?\s*$"
)
FAMILIES = {"教基": "jiaoji", "基础基": "jichuji"}


@dataclass
class Skipped:
    origin: str
    reason: str


def sheet_code(name: str) -> tuple[str, str, str | None] | None:
    """``"教基1102续_小学"`` → (``"1102续"``, ``"教基"``, ``"小学"``); None for other sheets."""
    m = SHEET_NAME.match(name)
    if m is None:
        return None
    cont = re.sub(r"\s+", "", m.group("cont") or "")
    return m.group("code") + cont, m.group("family"), (m.group("kind") or "").strip() or None


def workbook_files(folder: Path, problems: list[Problem]) -> list[Path]:
    """The workbooks in a folder (not recursing), in name order; Excel's lock files are ignored."""
    files = []
    for path in sorted(folder.iterdir()):
        if path.name.startswith(("~$", ".")) or not path.is_file():
            continue
        suffix = path.suffix.lower()
        if suffix in WORKBOOK_SUFFIXES:
            files.append(path)
        elif suffix == ".xls":
            add_problem(
                problems, path.name, "是旧版 .xls；请在 Excel 中另存为 .xlsx (an old .xls: save it as .xlsx)"
            )
    if len(files) > limits.MAX_FORM_WORKBOOKS:
        add_problem(
            problems,
            folder.name,
            f"工作簿过多 too many workbooks ({len(files)} > {limits.MAX_FORM_WORKBOOKS})",
        )
        return []
    return files


def fields_for(mapping: Mapping, kind: str) -> list[Field]:
    """The fields that apply to a school of this kind (its stages only)."""
    stages = STAGES_BY_KIND[kind]
    return [f for f in mapping.fields if f.stage is None or f.stage in stages]


def read_workbook(
    path: Path, label: str, year: int, mapping: Mapping, problems: list[Problem], skipped: list[Skipped]
) -> Unit | None:
    """One school-year from its workbook, or ``None`` (with the reason recorded)."""
    with open_workbook(path, label, problems) as wb:
        return None if wb is None else _read(Forms(wb, label), year, mapping, problems, skipped)


def workbook_family(path: Path, label: str, problems: list[Problem]) -> str | None:
    """``"jiaoji"`` or ``"jichuji"``: which family of forms a workbook's sheets are (None: neither)."""
    with open_workbook(path, label, problems) as wb:
        if wb is None:
            return None
        families = {FAMILIES[c[1]] for name in wb.sheets if (c := sheet_code(name))}
    return "jichuji" if "jichuji" in families else ("jiaoji" if families else None)


class Forms:
    """A workbook's forms, read block by block: saved values, and which cells hold formulas."""

    def __init__(self, wb: Workbook, label: str):
        self.wb = wb
        self.label = label
        self.sheetnames = list(wb.sheets)
        self._blocks: dict[str, tuple[int, int, dict, dict]] = {}
        self._grids: dict[tuple[str, int, int], Grid] = {}

    def block(self, sheet: str, max_row: int, max_column: int) -> tuple[dict, dict]:
        """The values and the formulas of the sheet's top-left ``max_row`` × ``max_column`` block."""
        have = self._blocks.get(sheet)
        if have is None or have[0] < max_row or have[1] < max_column:
            max_row = max(max_row, have[0] if have else 0)
            max_column = max(max_column, have[1] if have else 0)
            values, formulas = {}, {}
            for r, row, row_formulas in self.wb.cells(sheet, max_column, max_row):
                values.update({(r, c): v for c, v in row.items() if v != ""})
                formulas.update({(r, c): f[:200] for c, f in row_formulas.items()})
            have = (max_row, max_column, values, formulas)
            self._blocks[sheet] = have
        return have[2], have[3]

    def grid(self, sheet: str, max_row: int, max_column: int) -> Grid:
        """The label index of the sheet's block (kept: every field of a form looks in it)."""
        values, _ = self.block(sheet, max_row, max_column)
        key = (sheet, *self._blocks[sheet][:2])
        if key not in self._grids:
            self._grids[key] = Grid({pos: cell_text(v) for pos, v in values.items() if isinstance(v, str)})
        return self._grids[key]

    def cell(self, sheet: str, pos: tuple[int, int]) -> Cell:
        values, formulas = self.block(sheet, pos[0], pos[1])
        return Cell(self.label, sheet, cell_ref(*pos), values.get(pos), formulas.get(pos))


def _read(
    forms: Forms, year: int, mapping: Mapping, problems: list[Problem], skipped: list[Skipped]
) -> Unit | None:
    """One school's workbook read as a unit (None: skipped, or problems reported)."""
    label = forms.label
    found = _sheets(forms.sheetnames, label, problems)
    if found is None:
        return None
    sheets, suffixes = found
    tried: list[Problem] = []
    school_kind = _school_kind(forms, mapping, sheets, suffixes, tried, skipped)
    if school_kind == "skipped":
        return None
    if school_kind is None and not _has_compulsory_forms(mapping, sheets):
        shown = "、".join(sorted(sheets.values()))
        skipped.append(
            Skipped(
                label,
                f"没有小学、初中学生表，不是义务教育学校（幼儿园、高中等），已跳过 (no primary or junior "
                f"pupils form: not a compulsory school, skipped; sheets: {shown})",
            )
        )
        return None
    problems += tried
    if school_kind is None:
        return None
    kind, kind_label, kind_reading = school_kind
    unit = Unit(year=year, origin=label, kind=kind, kind_label=kind_label)
    unit.values["school.kind"] = kind_reading
    ok = _read_fields(forms, mapping, sheets, unit, problems)
    return unit if ok else None


def _has_compulsory_forms(mapping: Mapping, sheets: dict[str, str]) -> bool:
    """Whether the workbook holds a form of primary or junior pupils (a compulsory school's)."""
    codes = {f.sheet for f in mapping.fields if f.target in ("primary.students", "junior.students")}
    return bool(codes & set(sheets))


def _sheets(names: list[str], label: str, problems: list[Problem]):
    """The forms' sheets by code, and the 办学类型 their names show (None: problems reported)."""
    sheets: dict[str, str] = {}  # form code → sheet name
    suffixes: dict[str, str] = {}  # 办学类型 in sheet names → a sheet showing it
    for name in names:
        parsed = sheet_code(name)
        if parsed is None:
            continue
        code, _, kind = parsed
        if code in sheets:
            add_problem(
                problems,
                label,
                f"表 {code} 出现两次 appears twice (also as sheet {sheets[code]!r})",
                sheet=name,
            )
            continue
        sheets[code] = name
        if kind:
            suffixes.setdefault(kind, name)
    if not sheets:
        add_problem(
            problems, label, "没有统计报表工作表 has no sheet named 教基<表号>[_<办学类型>] or 基础基<表号>"
        )
        return None
    if len(suffixes) > 1:
        shown = "、".join(f"{k}（{v}）" for k, v in suffixes.items())
        add_problem(problems, label, f"工作表名中的办学类型不一致 sheet names give several 办学类型: {shown}")
        return None
    return sheets, suffixes


def _school_kind(forms: Forms, mapping: Mapping, sheets, suffixes, problems: list[Problem], skipped):
    """``(kind, 办学类型 as written, reading)``; ``"skipped"`` for a non-compulsory school; None: refused.

    The 办学类型 is read from the school's form (教基1001, 基础基112), else from the sheet names;
    when both are given they must agree.
    """
    label = forms.label
    suffix = next(iter(suffixes), None)
    kind_field = mapping.field("school.kind")
    kind_cell = None
    if kind_field is not None and kind_field.sheet in sheets:
        cells = _field_cells(forms, kind_field, sheets[kind_field.sheet], [], problems)
        kind_cell = next((c for c in cells or () if c.text), None)
    kind_label = kind_cell.text if kind_cell is not None else suffix
    if kind_label is None:
        add_problem(
            problems,
            label,
            "无法确定办学类型 cannot tell the 办学类型 (not in the school's form nor the sheet names)",
        )
        return None
    if mapping.is_skipped_kind(kind_label):
        skipped.append(
            Skipped(label, f"办学类型“{kind_label}”不属义务教育学校，已跳过 (not a compulsory school)")
        )
        return "skipped"
    kind = mapping.lookup("kind").get(norm_text(kind_label))
    where_sheet = kind_cell.sheet if kind_cell is not None else suffixes.get(suffix)
    where_cell = kind_cell.ref if kind_cell is not None else None
    if kind is None:
        known = "、".join(dict.fromkeys(mapping.kinds))
        add_problem(
            problems,
            label,
            f"未知的办学类型 unknown 办学类型; 可用 known: {known}（其余跳过 "
            f"skipped: {'、'.join(mapping.skip_kinds)}）",
            sheet=where_sheet,
            cell=where_cell,
            value=kind_label,
        )
        return None
    if (
        kind_cell is not None
        and suffix is not None
        and mapping.lookup("kind").get(norm_text(suffix)) not in (kind, None)
    ):
        add_problem(
            problems,
            label,
            f"与工作表名中的办学类型“{suffix}”不一致 disagrees with the sheet names",
            sheet=kind_cell.sheet,
            cell=kind_cell.ref,
            value=kind_label,
        )
        return None
    return kind, kind_label, Reading(kind, (kind_cell,) if kind_cell is not None else ())


def _read_fields(forms: Forms, mapping: Mapping, sheets: dict[str, str], unit: Unit, problems) -> bool:
    """The mapping's fields for the unit's kind read into ``unit.values``; False if some failed."""
    needed = [f for f in fields_for(mapping, unit.kind) if f.target != "school.kind"]
    by_sheet: dict[str, list[Field]] = {}
    for f in needed:
        by_sheet.setdefault(f.sheet, []).append(f)
    for code in [c for c in by_sheet if c not in sheets and all(f.optional for f in by_sheet[c])]:
        unit.notes.append(
            f"{forms.label}：没有表 no form {code}，可选的 optional "
            f"{'、'.join(describe(f) for f in by_sheet.pop(code))} 留空 left blank"
        )
    missing = [code for code in by_sheet if code not in sheets]
    for code in missing:
        targets = "、".join(describe(f) for f in by_sheet[code])
        add_problem(
            problems,
            forms.label,
            f"缺少工作表 missing sheet {_family_prefix(sheets)}{code}（需要它读取 needed for {targets}）",
        )
    if missing:
        return False
    ok = True
    for code, fields in by_sheet.items():
        bounds = [search_bounds(list(f.locators), MAX_FORM_ROW, MAX_FORM_COLUMN) for f in fields]
        forms.block(sheets[code], max(b[0] for b in bounds), max(b[1] for b in bounds))  # one read a form
        for f in fields:
            tried: list[Problem] = []
            cells = _field_cells(forms, f, sheets[code], unit.notes, tried)
            if cells is None and f.optional:
                unit.notes += [f"{p}（可选，留空 optional: left blank）" for p in tried]
                continue
            problems += tried
            reading = None if cells is None else parse_field(f, cells, mapping, problems)
            if reading is None:
                ok = False
                continue
            unit.values[f.target] = reading
    return ok


def _family_prefix(sheets: dict[str, str]) -> str:
    first = sheet_code(next(iter(sheets.values())))
    return first[1] if first else ""


def _field_cells(forms: Forms, f: Field, sheet: str, notes: list[str], problems: list[Problem]):
    """The cells of a field, found by their labels (None: a label missing, reported)."""
    bounds = search_bounds(list(f.locators), MAX_FORM_ROW, MAX_FORM_COLUMN)
    for ref, _ in f.plain_checks:
        r, c = rc(ref)
        bounds = (max(bounds[0], min(MAX_FORM_ROW, r + 1)), max(bounds[1], min(MAX_FORM_COLUMN, c + 1)))
    grid = forms.grid(sheet, *bounds)
    try:
        positions, shift = locate_all(f.locators, grid)
    except LabelError as exc:
        add_problem(
            problems, forms.label, f"{exc.message}（读取 for {describe(f)}）", sheet=sheet, cell=exc.ref
        )
        return None
    if not _plain_checks_hold(forms, f, sheet, shift or (0, 0), problems):
        return None
    cells = [forms.cell(sheet, pos) for pos in positions]
    moved = [m for loc, c in zip(f.locators, cells, strict=True) if (m := describe_move(loc.cell, rc(c.ref)))]
    if moved:
        notes.append(
            f"{forms.label} [{sheet}]：{describe(f)} 按标签找到 found by its labels at {', '.join(moved)}"
        )
    return cells


def _plain_checks_hold(forms: Forms, f: Field, sheet: str, shift, problems: list[Problem]) -> bool:
    """The checks that label no value hold where the labels put the form (moved by ``shift``)."""
    ok = True
    for ref, expected in f.plain_checks:
        r, c = rc(ref)
        cell = forms.cell(sheet, (r + shift[0], c + shift[1]))
        if norm_text(expected) not in norm_text(cell.text):
            shown = f"“{cell.text}”" if cell.text else "空白 blank"
            add_problem(
                problems,
                forms.label,
                f"表头核对不符 label check failed: 应为“{expected}”，实为{shown}；报表格式与映射不一致 "
                f"(the form differs from the mapping: {describe(f)} not read)",
                sheet=sheet,
                cell=cell.ref,
                value=cell.text or None,
            )
            ok = False
    return ok
