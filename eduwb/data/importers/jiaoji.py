"""Reading per-school 教基 workbooks: sheets ``教基<code>_<办学类型>``, values at fixed cells.

Every value is read at the cell the mapping names, after the mapping's label checks: the
header text expected near the value (``check = { I4 = "在校生数" }``) must be there, so a
form whose layout moved is refused instead of read at the wrong place.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from eduwb.data.importers.mapping import Field, Mapping, norm_text, parse_cell
from eduwb.data.importers.units import Cell, Reading, Unit, describe, parse_field
from eduwb.data.importers.workbook import WORKBOOK_SUFFIXES, cell_problem, open_workbook, read_block
from eduwb.data.schema import STAGES_BY_KIND
from eduwb.errors import Problem

SHEET_NAME = re.compile(r"^\s*教基\s*(?P<code>[^_\s]+?)\s*(?:_(?P<kind>.+?))?\s*$")
MAX_WORKBOOKS = 20_000


@dataclass
class Skipped:
    origin: str
    reason: str


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
            problems.append(
                cell_problem(
                    path.name,
                    None,
                    None,
                    None,
                    "是旧版 .xls；请在 Excel 中另存为 .xlsx (an old .xls: save it as .xlsx)",
                )
            )
    if len(files) > MAX_WORKBOOKS:
        problems.append(
            cell_problem(
                folder.name,
                None,
                None,
                None,
                f"工作簿过多 too many workbooks ({len(files)} > {MAX_WORKBOOKS})",
            )
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
        if wb is None:
            return None
        return _read(wb, label, year, mapping, problems, skipped)


def _read(
    wb, label: str, year: int, mapping: Mapping, problems: list[Problem], skipped: list[Skipped]
) -> Unit | None:
    """One school's workbook read as a unit (None: skipped, or problems reported)."""
    found = _sheets(wb, label, problems)
    if found is None:
        return None
    sheets, suffixes = found
    school_kind = _school_kind(wb, label, mapping, sheets, suffixes, problems, skipped)
    if school_kind is None:
        return None
    kind, kind_label, kind_cell = school_kind
    unit = Unit(year=year, origin=label, kind=kind, kind_label=kind_label)
    unit.values["school.kind"] = Reading(kind, (kind_cell,) if kind_cell is not None else ())

    ok = _read_fields(wb, label, mapping, sheets, unit, problems)
    return unit if ok else None


def _sheets(wb, label: str, problems: list[Problem]) -> tuple[dict[str, str], dict[str, str]] | None:
    """The 教基 sheets by form code, and the 办学类型 their names show (None: problems reported)."""
    sheets: dict[str, str] = {}  # form code → sheet name
    suffixes: dict[str, str] = {}  # 办学类型 in sheet names → a sheet showing it
    for name in wb.sheetnames:
        m = SHEET_NAME.match(name)
        if m is None:
            continue
        code = m.group("code")
        if code in sheets:
            problems.append(
                cell_problem(
                    label,
                    name,
                    None,
                    None,
                    f"表 教基{code} 出现两次 appears twice (also as sheet {sheets[code]!r})",
                )
            )
            continue
        sheets[code] = name
        if m.group("kind"):
            suffixes.setdefault(m.group("kind").strip(), name)
    if not sheets:
        problems.append(
            cell_problem(label, None, None, None, "没有 教基 表 has no sheet named 教基<表号>_<办学类型>")
        )
        return None
    if len(suffixes) > 1:
        shown = "、".join(f"{k}（{v}）" for k, v in suffixes.items())
        problems.append(
            cell_problem(
                label,
                None,
                None,
                None,
                f"工作表名中的办学类型不一致 sheet names give several 办学类型: {shown}",
            )
        )
        return None
    return sheets, suffixes


def _school_kind(wb, label: str, mapping: Mapping, sheets, suffixes, problems: list[Problem], skipped):
    """The school's kind, the 办学类型 it was read from and its cell (None: skipped or refused)."""
    # 办学类型: the 教基1001 cell, else the sheet names; both given must agree
    suffix = next(iter(suffixes), None)
    kind_field = mapping.field("school.kind")
    kind_label, kind_cell = suffix, None
    if kind_field is not None and kind_field.sheet in sheets:
        cells = _cells(wb, label, sheets[kind_field.sheet], {c: None for c in kind_field.cells})
        kind_cell = next((c for c in cells if c.text), None)
    if kind_cell is not None:
        kind_label = kind_cell.text
    if kind_label is None:
        problems.append(
            cell_problem(
                label,
                None,
                None,
                None,
                "无法确定办学类型 cannot tell the 办学类型 (neither in 教基1001 nor in the sheet names)",
            )
        )
        return None
    if mapping.is_skipped_kind(kind_label):
        skipped.append(
            Skipped(label, f"办学类型“{kind_label}”不属义务教育学校，已跳过 (not a compulsory school)")
        )
        return None
    kind = mapping.lookup("kind").get(norm_text(kind_label))
    where_sheet = kind_cell.sheet if kind_cell is not None else suffixes.get(suffix)
    where_cell = kind_cell.ref if kind_cell is not None else None
    if kind is None:
        known = "、".join(dict.fromkeys(mapping.kinds))
        problems.append(
            cell_problem(
                label,
                where_sheet,
                where_cell,
                kind_label,
                f"未知的办学类型 unknown 办学类型; 可用 known: {known}（其余跳过 "
                f"skipped: {'、'.join(mapping.skip_kinds)}）",
            )
        )
        return None
    if (
        kind_cell is not None
        and suffix is not None
        and mapping.lookup("kind").get(norm_text(suffix)) not in (kind, None)
    ):
        problems.append(
            cell_problem(
                label,
                kind_cell.sheet,
                kind_cell.ref,
                kind_label,
                f"与工作表名中的办学类型“{suffix}”不一致 disagrees with the sheet names",
            )
        )
        return None
    return kind, kind_label, kind_cell


def _read_fields(wb, label: str, mapping: Mapping, sheets: dict[str, str], unit: Unit, problems) -> bool:
    """The mapping's fields for the unit's kind read into ``unit.values``; False if some failed."""
    kind, kind_label = unit.kind, unit.kind_label
    needed = [f for f in fields_for(mapping, kind) if f.target != "school.kind"]
    by_sheet: dict[str, list[Field]] = {}
    for f in needed:
        by_sheet.setdefault(f.sheet, []).append(f)
    missing = [code for code in by_sheet if code not in sheets]
    for code in missing:
        targets = "、".join(describe(f) for f in by_sheet[code])
        problems.append(
            cell_problem(
                label,
                None,
                None,
                None,
                f"缺少工作表 missing sheet 教基{code}_{kind_label}（需要它读取 needed for {targets}）",
            )
        )
    if missing:
        return False
    ok = True
    for code, fields in by_sheet.items():
        sheet = sheets[code]
        refs = {c: None for f in fields for c in (*f.cells, *(k for k, _ in f.check))}
        block = _cells_by_ref(wb, label, sheet, refs)
        for f in fields:
            if not _labels_hold(f, block, label, sheet, problems):
                ok = False
                continue
            reading = parse_field(f, [block[c] for c in f.cells], mapping, problems)
            if reading is None:
                ok = False
                continue
            unit.values[f.target] = reading
    return ok


def _cells_by_ref(wb, label: str, sheet: str, refs: dict[str, None]) -> dict[str, Cell]:
    return {c.ref: c for c in _cells(wb, label, sheet, refs)}


def _cells(wb, label: str, sheet: str, refs: dict[str, None]) -> list[Cell]:
    """The cells ``refs`` of one sheet, read in one bounded pass."""
    coords = {ref: parse_cell(ref) for ref in refs}
    max_row = max(r for r, _ in coords.values())
    max_col = max(c for _, c in coords.values())
    block = read_block(wb[sheet], max_row, max_col)
    return [Cell(label, sheet, ref, block.get(rc)) for ref, rc in coords.items()]


def _labels_hold(f: Field, block: dict[str, Cell], label: str, sheet: str, problems: list[Problem]) -> bool:
    ok = True
    for ref, expected in f.check:
        found = block[ref].text
        if norm_text(expected) not in norm_text(found):
            shown = f"“{found}”" if found else "空白 blank"
            problems.append(
                cell_problem(
                    label,
                    sheet,
                    ref,
                    found or None,
                    f"表头核对不符 label check failed: 应为“{expected}”，实为{shown}；报表格式与映射不一致，"
                    f"{'、'.join(f.cells)} 的数未读取 (the form "
                    f"differs from the mapping: {describe(f)} not read)",
                )
            )
            ok = False
    return ok
