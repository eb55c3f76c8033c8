"""The sample county written as the education statistics (``eduwb sample OUT --as jiaoji|jichuji|zonghe``).

The figures are the generated sample county's (same seed, same numbers as ``data/sample``);
the layout is the mapping's: each value goes to the cell (or header path) the mapping reads
it from, with the label texts its checks or labels expect (``jichuji``: in a real export's
layout, column letters in row 1, row numbers in column A, labels in B, 编号 in C), so importing
the files back gives the sample's tables for everything the statistics hold. Workbooks are
written deterministically (fixed document and zip times): the same seed writes byte-identical
files.

What the forms cannot carry is not written: columns the statistics do not hold (music and
art rooms, 高中 teachers and 骨干, …) and per-stage facilities (the statistics report a whole
school).
"""

from __future__ import annotations

from itertools import groupby
from pathlib import Path

import numpy as np
import pandas as pd

from eduwb.data.importers.jiaoji import fields_for
from eduwb.data.importers.mapping import Field, Mapping, load_mapping, parse_cell
from eduwb.data.schema import STAGES_BY_KIND
from eduwb.data.xlsx import column_letters
from eduwb.errors import ParameterError

ZONGHE_FILE = "综合查询.xlsx"
# ``eduwb sample --as``: the forms written, each through its built-in mapping
SAMPLE_FORMS = {"jiaoji": "jiaoji-2021", "jichuji": "jichuji-2020", "zonghe": "zonghe"}
# How a total spreads over the cells a mapping sums (研究生/本科/专科; 体育/音乐/美术/艺术).
_SPLIT = {
    "teachers_above_degree": {3: (1, 12, 7), 2: (1, 9)},
    "pe_art_teachers": {4: (9, 4, 4, 3)},
}
# Form titles written in A1 of each sheet (the importer does not read them).
_TITLES = {
    "1102续": "教职工中骨干教师情况（续）",
    "112": "学校（机构）基本情况",
    "312": "小学学生数",
    "313": "初中学生数",
    "314": "普通高中学生数",
    "423": "小学专任教师学历、专业技术职务及学科",
    "424": "初中专任教师学历、专业技术职务及学科",
    "512": "校舍情况",
    "522": "占地面积及其他办学条件",
    "1001": "学校（机构）基本情况",
    "1102": "教职工中骨干教师情况",
    "3112": "小学学生数",
    "3115": "初中学生数",
    "3118": "普通高中学生数",
    "4155": "小学专任教师学历、专业技术职务及学科",
    "4156": "中学专任教师学历、专业技术职务及学科",
    "5170": "校舍情况",
    "5176": "办学条件",
}
_CAMPUS_SHARE = 0.2  # the 不计校数 campus row takes this share of its school's figures


def write_sample_forms(
    out: str | Path,
    form: str,
    *,
    seed: int = 2024,
    years: tuple[int, int] = (2021, 2025),
    schools: int = 45,
    mapping: str | Path | Mapping | None = None,
) -> list[Path]:
    """Write the sample county as statistics workbooks under ``out``; returns the files written."""
    from eduwb.data.sample import SAMPLE_NAME, generate_county

    if form not in SAMPLE_FORMS:
        raise ParameterError(f"--as must be one of {', '.join(SAMPLE_FORMS)}, not {form!r}")
    m = load_mapping(mapping if mapping is not None else SAMPLE_FORMS[form])
    if m.form != ("jiaoji" if form == "jichuji" else form):
        raise ParameterError(f"mapping {m.id} is for {m.form} sources, not {form}")
    tables = generate_county(seed, years=(int(years[0]), int(years[1])), schools=schools)
    out = Path(out)
    if form in ("jiaoji", "jichuji"):
        return _write_jiaoji(out, tables, m, "基础基" if form == "jichuji" else "教基")
    return [_write_zonghe(out / ZONGHE_FILE, tables, m, SAMPLE_NAME)]


# ----------------------------------------------------------------------------- values


def school_years(tables: dict[str, pd.DataFrame], mapping: Mapping):
    """``(year, school row, {target: value})`` for every school-year, as the statistics hold it."""
    sections = tables["sections"]
    facilities = tables["facilities"]
    schools = tables["schools"].set_index("school_id", drop=False)
    fac_sum = facilities.drop(columns=["stage"]).groupby(["school_id", "year"]).sum(min_count=1)
    for (school_id, year), secs in sections.groupby(["school_id", "year"], sort=True):
        school = schools.loc[school_id]
        values: dict[str, object] = {}
        for f in mapping.targets("school"):
            values[f.target] = _school_value(f, school, mapping)
        for f in mapping.targets("total"):
            values[f.target] = int(secs[f.column].sum())
        for row in secs.itertuples(index=False):
            for f in mapping.targets(row.stage):
                values[f.target] = getattr(row, f.column)
        fac = fac_sum.loc[(school_id, year)]
        for f in mapping.targets("facilities"):
            v = fac[f.column]
            values[f.target] = None if pd.isna(v) else float(v)
        yield int(year), school, values


def _school_value(f: Field, school: pd.Series, mapping: Mapping) -> object:
    v = school[f.column]
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return None
    if f.column in ("kind", "locale", "sponsor"):
        return mapping.label_for(f.column, v)
    if f.column == "boarding":
        return "是" if bool(v) else "否"
    if f.column == "built_year":
        return f"{int(v)}年" if f.extract is not None else int(v)
    return str(v)


def spread(f: Field, value: object) -> list[object]:
    """The value as written in the field's cells: unscaled, and split when the mapping sums cells."""
    n = len(f.cells)
    if value is None:
        return [None] * n
    if not f.numeric or isinstance(value, str):
        return [value] + [None] * (n - 1)
    if f.scale != 1:
        value = round(float(value) / f.scale, 6)
    if f.dtype == "int":
        value = int(value)
    if n == 1:
        return [value]
    weights = _SPLIT.get(f.column, {}).get(n)
    if weights is None or not isinstance(value, int):
        return [value] + [0] * (n - 1)
    from eduwb.data.importers.assemble import largest_remainders

    return largest_remainders(value, list(weights))


# ----------------------------------------------------------------------------- 教基 workbooks


def _write_jiaoji(out: Path, tables: dict[str, pd.DataFrame], mapping: Mapping, family: str) -> list[Path]:
    """A workbook per school-year: ``教基<code>_<办学类型>`` sheets laid out as the mapping's cells
    and checks say, or (``基础基``) sheets in a real export's layout, labels in B, values from D."""
    from openpyxl import Workbook

    written = []
    for year, school, values in school_years(tables, mapping):
        kind_label = mapping.label_for("kind", school["kind"])
        grids: dict[str, dict[tuple[int, int], object]] = {}
        for f in fields_for(mapping, school["kind"]):
            grid = grids.setdefault(f.sheet, {})
            for loc, v in zip(f.locators, spread(f, values.get(f.target)), strict=True):
                if v is not None:
                    grid[parse_cell(loc.cell)] = v
            for ref, text in f.check:
                grid[parse_cell(ref)] = text.split("|")[0]
        wb = Workbook(write_only=True)
        wb.properties.creator = "eduwb sample"
        for code in sorted(grids):
            if family == "基础基":
                grid = _export_layout(code, grids[code], [f for f in mapping.fields if f.sheet == code])
                ws = wb.create_sheet(title=f"基础基{code}")
            else:
                grid = grids[code]
                grid.setdefault((1, 1), f"教基{code} {_TITLES.get(code, '')}（示例数据 synthetic）".strip())
                ws = wb.create_sheet(title=f"教基{code}_{kind_label}")
            max_row = max(r for r, _ in grid)
            max_col = max(c for _, c in grid)
            for r in range(1, max_row + 1):
                ws.append([grid.get((r, c)) for c in range(1, max_col + 1)])
        path = out / str(year) / f"{school['school_id']}_{school['name']}.xlsx"
        written.append(_save(wb, path))
    return written


def _export_layout(code: str, values: dict[tuple[int, int], object], fields: list[Field]) -> dict:
    """A form as a real 基础基 export shows it: column letters in row 1, row numbers in column A,
    title B2, form code B3, each value's row label in B (编号 in C) and column label above it."""
    grid = dict(values)
    header = min(r for r, _ in values) - 1
    rows: dict[int, str] = {}
    for f in fields:
        for loc in f.locators:
            r, c = parse_cell(loc.cell)
            if loc.row_label:
                rows.setdefault(r, loc.row_label[0])
            if loc.column_label:
                grid.setdefault((header, c), loc.column_label[0])
    for n, (r, text) in enumerate(sorted(rows.items()), start=1):
        grid[(r, 2)] = text
        grid[(r, 3)] = f"{n:02d}"
    title = _TITLES.get(code, "")
    grid[(2, 2)] = f"{title}（示例数据 synthetic）"
    grid[(3, 2)] = f"基础基{code}" + " " * 20
    for c, text in ((2, "项目"), (3, "编号"), (4, "内容"), (5, "单位"), (6, "备注"))[
        : 5 if header == 4 else 2
    ]:
        grid.setdefault((header, c), text)
    max_row = max(r for r, _ in grid)
    max_col = max(c for _, c in grid)
    for c in range(1, max_col + 1):
        grid[(1, c)] = column_letters(c - 1)
    for r in range(2, max_row + 1):
        grid[(r, 1)] = r - 1
    return grid


# ----------------------------------------------------------------------------- 综合查询 workbook


def zonghe_columns(mapping: Mapping) -> list[str]:
    """The header paths of the export, in the mapping's order, with the 计校数 columns and a total."""
    layout = mapping.zonghe
    paths: list[str] = []
    for f in mapping.fields:
        for p in f.cells:
            if p not in paths:
                paths.append(p)
            if f.target == "school.kind" and layout.counted and layout.counted not in paths:
                paths.append(layout.counted)
    if layout.parent and layout.parent not in paths:
        paths.append(layout.parent)
    first_students = next((i for i, p in enumerate(paths) if p.startswith("在校生数/")), None)
    if first_students is not None and "在校生数/合计" not in paths:
        paths.insert(first_students, "在校生数/合计")  # exports carry it; the importer does not need it
    return paths


def _write_zonghe(path: Path, tables: dict[str, pd.DataFrame], mapping: Mapping, county: str) -> Path:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment

    layout = mapping.zonghe
    paths = zonghe_columns(mapping)
    depth = max(len(p.split("/")) for p in paths)
    split = [p.split("/") for p in paths]
    by_year: dict[int, list[dict[str, object]]] = {}
    campus_of = _campus_school(tables)
    for year, school, values in school_years(tables, mapping):
        row: dict[str, object] = {}
        for f in mapping.fields:
            for p, v in zip(f.cells, spread(f, values.get(f.target)), strict=True):
                row[p] = v
        row["在校生数/合计"] = sum(
            int(values.get(f"{s}.students") or 0) for s in STAGES_BY_KIND[school["kind"]]
        )
        if layout.counted:
            row[layout.counted] = "是"
        rows = by_year.setdefault(year, [])
        if school["school_id"] == campus_of:
            main, campus = _split_campus(row, mapping, school)
            rows += [main, campus]
        else:
            rows.append(row)

    wb = Workbook()
    wb.remove(wb.active)
    wb.properties.creator = "eduwb sample"
    centre = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for year in sorted(by_year):
        ws = wb.create_sheet(title=str(year))
        ws.cell(1, 1, f"{county} {year}学年 综合查询（示例数据，非真实统计 synthetic）")
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(paths))
        for level in range(depth):
            # a run of columns sharing the path down to this level is one merged header cell
            runs = groupby(
                range(len(paths)),
                key=lambda j: tuple(split[j][: level + 1]) if len(split[j]) > level else None,
            )
            for key, run in runs:
                if key is None:
                    continue
                c, *rest = run
                end = rest[-1] if rest else c
                ws.cell(2 + level, c + 1, key[-1]).alignment = centre
                last_row = 2 + level if len(split[c]) > level + 1 else 1 + depth
                if end > c or last_row > 2 + level:
                    ws.merge_cells(
                        start_row=2 + level, start_column=c + 1, end_row=last_row, end_column=end + 1
                    )
        for i, row in enumerate(by_year[year]):
            for j, p in enumerate(paths, start=1):
                v = row.get(p)
                if v is not None:
                    ws.cell(2 + depth + i, j, v)
        for j in range(1, len(paths) + 1):
            ws.column_dimensions[column_letters(j - 1)].width = 12
    return _save(wb, path)


def _save(wb, path: Path) -> Path:
    """Save a workbook atomically with pinned dates (the sample's own way of writing xlsx)."""
    from eduwb._files import atomic_write_bytes
    from eduwb.data.sample import pinned_workbook_bytes

    atomic_write_bytes(path, pinned_workbook_bytes(wb))
    return path


def _campus_school(tables: dict[str, pd.DataFrame]) -> str:
    """The school shown with a 不计校数 campus: the primary school with the most pupils."""
    sec = tables["sections"]
    kinds = tables["schools"].set_index("school_id")["kind"]
    primary = sec[sec["school_id"].map(kinds) == "primary"]
    return str(primary.groupby("school_id")["students"].sum().idxmax())


def _split_campus(row: dict[str, object], mapping: Mapping, school: pd.Series) -> tuple[dict, dict]:
    """The school's row and a 不计校数 campus row holding a share of every figure; they add up."""
    layout = mapping.zonghe
    main, campus = dict(row), dict(row)
    for f in mapping.fields:
        if f.namespace == "school" or not f.numeric:
            continue
        for p in f.cells:
            v = row.get(p)
            if v is None:
                continue
            if isinstance(v, int):
                part = v // 5
                main[p], campus[p] = v - part, part
            else:
                part = round(float(v) * _CAMPUS_SHARE, 4)
                main[p], campus[p] = round(float(v) - part, 4), part
    key = "在校生数/合计"
    if key in row:
        campus[key] = sum(int(campus.get(f"在校生数/{zh}") or 0) for zh in ("小学", "初中", "高中"))
        main[key] = int(row[key]) - int(campus[key])
    name_field = mapping.field("school.name")
    id_field = mapping.field("school.school_id")
    campus[name_field.cells[0]] = f"{school['name']}（东校区）"
    if id_field is not None:
        campus[id_field.cells[0]] = None
    if layout.counted:
        campus[layout.counted] = "否"
    campus[layout.parent] = str(school["school_id"])
    return main, campus
