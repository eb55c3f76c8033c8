"""Reading a county-wide 综合查询 export: one row per school under merged multi-row headers.

Columns are found by their header *path*: the header rows read top to bottom and joined with
``/`` (``在校生数/小学``, ``小学专任教师/#按学历分/本科``). The file is read ``read_only``, where
merged cells show their text in the top-left cell only, so a blank header cell takes the
text to its left when it belongs to the same group and has sub-headers below (a horizontal
merge); a blank with nothing below ends the path above it (a vertical merge).

Rows marked 不计校数 (校区、分校、教学点 not counted as schools) are merged into the school
their parent column names, their numbers added, as counties do.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path

from eduwb.data import limits
from eduwb.data.importers.jiaoji import Skipped, fields_for
from eduwb.data.importers.locate import cell_ref
from eduwb.data.importers.mapping import Field, Mapping, norm_text
from eduwb.data.importers.units import Cell, Merge, Read, Reading, Unit, describe, parse_field
from eduwb.data.importers.workbook import add_problem, cell_text, open_workbook
from eduwb.data.xlsx import Workbook, column_letters
from eduwb.errors import ParameterError, Problem

YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")
HEADER_SEARCH_ROWS = 30
MAX_HEADER_ROWS = 6
TOTAL_ROW_NAMES = {"合计", "总计", "全县合计", "小计"}


def years_of_sheets(sheetnames: list[str], year: int | None, path: Path) -> list[tuple[str, int]]:
    """Which sheets to read and the school year of each (raises ParameterError when unclear)."""
    dated = [(s, int(m.group(1))) for s in sheetnames if (m := YEAR.search(s))]
    if year is not None:
        if dated:
            chosen = [(s, y) for s, y in dated if y == year]
            if not chosen:
                shown = "、".join(s for s, _ in dated)
                raise ParameterError(
                    f"{path.name}: 没有 {year} 年的工作表 no sheet for {year} (sheets: {shown})"
                )
            return chosen
        if len(sheetnames) != 1:
            raise ParameterError(
                f"{path.name}: 有多个工作表但表名无年份 several sheets without a year in their names"
            )
        return [(sheetnames[0], year)]
    if dated:
        years = [y for _, y in dated]
        if len(set(years)) != len(years):
            raise ParameterError(
                f"{path.name}: 同一年份有多个工作表 several sheets "
                f"for one year: {'、'.join(s for s, _ in dated)}"
            )
        return dated
    m = YEAR.search(path.stem)
    if len(sheetnames) == 1 and m:
        return [(sheetnames[0], int(m.group(1)))]
    raise ParameterError(
        f"{path.name}: 无法确定学年 cannot tell the school year: 用 --year，或在工作"
        "表名/文件名中写年份 (use --year, or put the year in the sheet or file name)"
    )


def read_workbook(
    path: Path,
    label: str,
    year: int | None,
    mapping: Mapping,
    problems: list[Problem],
    skipped: list[Skipped],
) -> Read:
    """Every selected sheet of a 综合查询 workbook read (a sheet with problems adds nothing)."""
    read = Read()
    with open_workbook(path, label, problems) as wb:
        if wb is None:
            return read
        plan = years_of_sheets(list(wb.sheets), year, path)
        for s in wb.sheets:
            if s not in {name for name, _ in plan}:
                skipped.append(
                    Skipped(
                        f"{label} [sheet {s}]",
                        "工作表名中没有所选学年，未读取 (no selected year in the sheet name: not read)",
                    )
                )
        for sheet, y in plan:
            _read_sheet(wb, label, sheet, y, mapping, problems, skipped, read)
    return read  # also after a limit broken while a sheet was read (reported as an error)


class _Sheet:
    """One 综合查询 sheet as read: its rows (values), its formulas, and where problems are reported."""

    def __init__(self, label: str, name: str, problems: list[Problem]):
        self.label, self.name, self.problems = label, name, problems
        self.rows: list[tuple] = []
        self.formulas: dict[tuple[int, int], str] = {}

    def read(self, wb: Workbook) -> bool:
        """Read the rows, refusing an oversized sheet before and while reading it (False: refused)."""
        declared_rows, declared_cols = wb.dimension(self.name) or (None, None)
        if (declared_rows or 0) > limits.MAX_FORM_ROWS or (declared_cols or 0) > limits.MAX_FORM_COLUMNS:
            self.refuse(
                f"表格过大 sheet too large ({declared_rows} 行 rows × {declared_cols} "
                f"列 columns; 上限 at most {limits.MAX_FORM_ROWS} × {limits.MAX_FORM_COLUMNS})"
            )
            return False
        cells = 0
        # only the declared width is read, when there is one (as openpyxl's read-only view did)
        width = min(declared_cols or limits.MAX_FORM_COLUMNS, limits.MAX_FORM_COLUMNS)
        for r, values, row_formulas in wb.cells(self.name, width):
            if r <= len(self.rows):
                continue  # a row out of order
            self.rows += [()] * (r - 1 - len(self.rows))
            end = max(values, default=0)
            self.rows.append(tuple(values.get(c) for c in range(1, end + 1)))
            self.formulas.update({(r, c): f[:200] for c, f in row_formulas.items()})
            cells += end
            if len(self.rows) > limits.MAX_FORM_ROWS or cells > limits.MAX_FORM_CELLS:
                self.refuse(
                    f"表格过大 sheet too large (more than {limits.MAX_FORM_ROWS} rows "
                    f"or {limits.MAX_FORM_CELLS} cells)"
                )
                return False
        self.width = max((len(r) for r in self.rows), default=0)
        return True

    def refuse(self, rule: str, cell: str | None = None) -> None:
        add_problem(self.problems, self.label, rule, sheet=self.name, cell=cell)

    def raw(self, r: int, c: int):
        """The value at 1-based row r, column c (None beyond the rows read)."""
        row = self.rows[r - 1] if r - 1 < len(self.rows) else ()
        return row[c - 1] if c - 1 < len(row) else None

    def text(self, r: int, c: int) -> str:
        return cell_text(self.raw(r, c))

    def cell(self, r: int, c: int, formula: str | None = None) -> Cell:
        return Cell(self.label, self.name, cell_ref(r, c), self.raw(r, c), formula)


def _path_key(path: str) -> str:
    """A header path as compared: each segment in label normal form."""
    return "/".join(norm_text(s) for s in path.split("/"))


def header_paths(s: _Sheet, first: int, last: int) -> dict[int, list[str]]:
    """Header path segments per column from header rows ``first..last`` (see the module doc)."""
    width = s.width
    levels = [[s.text(r, c) for c in range(1, width + 1)] for r in range(first, last + 1)]
    depth = len(levels)
    for i in range(depth):
        for c in range(1, width):
            if levels[i][c] or not levels[i][c - 1]:
                continue
            same_group = all(levels[j][c] == levels[j][c - 1] for j in range(i))
            continues_below = any(levels[j][c] for j in range(i + 1, depth))
            if same_group and continues_below:
                levels[i][c] = levels[i][c - 1]
    paths = {}
    for c in range(width):
        segments = [levels[i][c] for i in range(depth) if levels[i][c]]
        if segments:
            paths[c + 1] = segments
    return paths


@dataclass
class _Header:
    """A sheet's located header: the anchor's row and column, the first school row, the columns by
    header path (normalised) and as shown; then the mapping's columns found in it."""

    row: int
    anchor_col: int
    data_row: int
    by_path: dict[str, list[int]]
    shown: dict[int, str]
    columns: dict[str, int] = field(default_factory=dict)  # header path as mapped → column
    absent: set[str] = field(default_factory=set)  # optional targets whose columns are not there
    counted_col: int | None = None
    parent_col: int | None = None

    def has(self, path: str | None) -> bool:
        return bool(path) and _path_key(path) in self.by_path

    def locate(self, s: _Sheet, path: str, why: str) -> int | None:
        """The one column with this header path (None: missing or repeated, refused)."""
        found = self.by_path.get(_path_key(path), [])
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            letters = "、".join(cell_ref(self.row, c) for c in found)
            s.refuse(f"列“{path}”出现多次 column appears more than once ({letters}) ({why})")
            return None
        near = difflib.get_close_matches(path, list(self.shown.values()), n=1, cutoff=0.6)
        hint = f"；相近的列 closest: “{near[0]}”" if near else ""
        s.refuse(f"找不到列 column not found: “{path}” ({why}){hint}", cell_ref(self.row, self.anchor_col))
        return None


def _header(s: _Sheet, anchor_text: str) -> _Header | None:
    """The header above the school rows, found by its anchor (None: refused)."""
    anchor = norm_text(anchor_text.split("/")[0])
    found = next(
        (
            (r, c)
            for r in range(1, min(len(s.rows), HEADER_SEARCH_ROWS) + 1)
            for c in range(1, s.width + 1)
            if norm_text(s.text(r, c)) == anchor
        ),
        None,
    )
    if found is None:
        s.refuse(
            f"找不到表头 no header row: 前 {HEADER_SEARCH_ROWS} "
            f"行没有“{anchor_text}” (not in the first {HEADER_SEARCH_ROWS} rows)"
        )
        return None
    head_row, anchor_col = found
    head = cell_ref(head_row, anchor_col)
    data_row = next((r for r in range(head_row + 1, len(s.rows) + 1) if s.text(r, anchor_col)), None)
    if data_row is None:
        s.refuse("表头下没有学校行 no school rows below the header", head)
        return None
    if data_row - head_row > MAX_HEADER_ROWS:
        s.refuse(f"表头超过 {MAX_HEADER_ROWS} 行 header deeper than {MAX_HEADER_ROWS} rows", head)
        return None
    paths = header_paths(s, head_row, data_row - 1)
    by_path: dict[str, list[int]] = {}
    for c, segments in paths.items():
        by_path.setdefault("/".join(norm_text(seg) for seg in segments), []).append(c)
    shown = {c: "/".join(segments) for c, segments in paths.items()}
    return _Header(head_row, anchor_col, data_row, by_path, shown)


def _read_sheet(
    wb: Workbook,
    label: str,
    sheet: str,
    year: int,
    mapping: Mapping,
    problems: list[Problem],
    skipped: list[Skipped],
    read: Read,
) -> None:
    """One 综合查询 sheet read into ``read``: its header located, the mapping's columns found, a
    unit per school row."""
    s = _Sheet(label, sheet, problems)
    head = _header(s, mapping.zonghe.anchor) if s.read(wb) else None
    notes: list[str] = []
    if head is None or not _locate_columns(s, head, mapping, notes):
        return
    used = set(head.columns.values()) | {head.counted_col, head.parent_col}
    unused = [
        f"{label} [sheet {sheet}] 列 column {column_letters(c - 1)}：{head.shown[c]}"
        for c in sorted(head.shown)
        if c not in used
    ]
    units: list[Unit] = []
    children: list[tuple[Unit, str, Cell]] = []  # (row read, parent as written, the parent cell)
    ok = True
    for r in range(head.data_row, len(s.rows) + 1):
        ok = _read_row(s, head, r, year, mapping, skipped, units, children) and ok
    merges = _merge_children(units, children, mapping, problems)
    if merges is not None and ok:
        read.units += units
        read.merges += merges
        read.unused_columns += unused
        read.notes += notes


def _locate_columns(s: _Sheet, head: _Header, mapping: Mapping, notes: list[str]) -> bool:
    """The mapping's columns (and the 计校数 ones) found in the header (False: one is refused)."""
    layout = mapping.zonghe
    ok = True
    for f in mapping.fields:
        if f.optional and not all(head.has(p) for p in f.cells):
            head.absent.add(f.target)
            notes.append(
                f"{s.label} [sheet {s.name}]: 没有可选的列 no optional column "
                f"{'、'.join(f.cells)}：{describe(f)} 留空 left blank"
            )
            continue
        for path in f.cells:
            c = head.locate(s, path, describe(f))
            if c is None:
                ok = False
            else:
                head.columns[path] = c
    head.counted_col = head.locate(s, layout.counted, "是否计校数") if head.has(layout.counted) else None
    head.parent_col = head.locate(s, layout.parent, "所属学校") if head.has(layout.parent) else None
    if layout.counted and head.counted_col is None:
        notes.append(
            f"{s.label} [sheet {s.name}]: 没有“{layout.counted}”列，每一"
            "行都作为一所学校 (no such column: every row is a school)"
        )
    return ok


def _read_row(
    s: _Sheet, head: _Header, r: int, year: int, mapping: Mapping, skipped, units, children
) -> bool:
    """Row ``r`` read: a school appended to ``units``, a 不计校数 row to ``children`` (to merge
    into its parent), or nothing (a blank or total row, a school skipped); False when a problem
    was reported."""
    layout = mapping.zonghe
    name = s.text(r, head.anchor_col)
    if not name:
        if any(s.text(r, c) for c in head.columns.values()):
            s.refuse(
                "有数据但没有学校名称 a row with figures but no school name", cell_ref(r, head.anchor_col)
            )
            return False
        return True
    origin = f"{s.label} [sheet {s.name}] row {r}"
    if norm_text(name) in TOTAL_ROW_NAMES:
        skipped.append(Skipped(origin, f"合计行“{name}”，未读取 (a total row: not read)"))
        return True
    kind_field = mapping.field("school.kind")
    kind_cell = s.cell(r, head.columns[kind_field.cells[0]])
    if mapping.is_skipped_kind(kind_cell.text):
        why = f"{name}：办学类型“{kind_cell.text}”不属义务教育学校，已跳过 (not a compulsory school)"
        skipped.append(Skipped(origin, why))
        return True
    kind_reading = parse_field(kind_field, [kind_cell], mapping, s.problems)
    if kind_reading is None or kind_reading.value is None:
        if kind_reading is not None:
            s.refuse("缺少办学类型 a 办学类型 is required", kind_cell.ref)
        return False
    unit = Unit(year=year, origin=origin, kind=kind_reading.value, kind_label=kind_cell.text)
    unit.values["school.kind"] = kind_reading
    ok = True
    for f in fields_for(mapping, unit.kind):
        if f.target == "school.kind" or f.target in head.absent:
            continue
        cells = [s.cell(r, c, s.formulas.get((r, c))) for c in (head.columns[p] for p in f.cells)]
        reading = parse_field(f, cells, mapping, s.problems)
        if reading is None:
            ok = False
            continue
        unit.values[f.target] = reading
    counted_col, parent_col = head.counted_col, head.parent_col
    not_counted = {norm_text(v) for v in layout.not_counted}
    counted = counted_col is None or norm_text(s.text(r, counted_col)) not in not_counted
    if counted or norm_text(unit.kind_label) in {norm_text(k) for k in layout.keep_kinds}:
        if not counted and parent_col is not None and unit.value("school.parent_id") is None:
            parent_text = s.text(r, parent_col)
            if parent_text:
                unit.values["school.parent_id"] = Reading(parent_text, (s.cell(r, parent_col),))
        units.append(unit)
        return ok
    parent_cell = s.cell(r, parent_col) if parent_col else None
    if parent_cell is None or not parent_cell.text:
        s.refuse(
            f"不计校数的“{name}”没有写所属学校 a 不计校数 row must name its parent school ({layout.parent})",
            parent_cell.ref if parent_cell else cell_ref(r, counted_col),
        )
        return False
    children.append((unit, parent_cell.text, parent_cell))
    return ok


def _merge_children(
    units: list[Unit], children: list[tuple[Unit, str, Cell]], mapping: Mapping, problems: list[Problem]
) -> list[Merge] | None:
    by_id = {str(u.value("school.school_id")): u for u in units if u.value("school.school_id") is not None}
    by_name = {norm_text(u.name): u for u in units}
    merges = []
    ok = True
    for child, parent_text, parent_cell in children:
        parent = by_id.get(parent_text) or by_name.get(norm_text(parent_text))
        if parent is None:
            add_problem(
                problems,
                parent_cell.workbook,
                "所属学校不在本表的计校数学校中 parent school "
                "not found among the counted schools of this sheet",
                sheet=parent_cell.sheet,
                cell=parent_cell.ref,
                value=parent_text,
            )
            ok = False
            continue
        merge = Merge(child.origin, child.name, parent.origin, parent.name, child.kind_label, child.year)
        for target, reading in child.values.items():
            f: Field = mapping.field(target)
            if f is None or f.namespace == "school" or not f.numeric:
                continue
            if target not in parent.values:
                add_problem(
                    problems,
                    reading.cells[0].workbook,
                    f"“{parent.name}”（{parent.kind_label}）没有这一学段，无法并入 "
                    f"the parent has no such stage ({describe(f)})",
                    sheet=reading.cells[0].sheet,
                    cell=reading.cells[0].ref,
                    value=reading.value,
                )
                ok = False
                continue
            mine = parent.values[target]
            total = (mine.value or 0) + (reading.value or 0)
            total = round(total, 2) if f.scale != 1 else round(total, 6)
            if f.dtype == "int":
                total = int(round(total))
            parent.values[target] = Reading(
                total, mine.cells + reading.cells, mine.blank_as_zero + reading.blank_as_zero
            )
            merge.added[target] = reading.value
        parent.merged.append(child.origin)
        merges.append(merge)
    return merges if ok else None
