"""``eduwb import SOURCE --inspect``: what a workbook holds, and a draft mapping to correct.

When the built-in mappings do not fit a province's forms, the analyst should not have to
write a mapping from nothing. The inspection prints, for one per-school workbook, every form
it recognises with its label grid (every non-empty row, each cell at its position, the export's
letter row and number column noted once) and writes a draft mapping: the
built-in mapping's fields with the cell where each was found in this workbook, or, for each
field that was not found, why and the nearest texts, as a comment to correct by hand.
"""

from __future__ import annotations

import json
from pathlib import Path

from eduwb.data.importers.jiaoji import Forms, sheet_code, workbook_files
from eduwb.data.importers.locate import LabelError, cell_ref, locate_all, rc, search_bounds
from eduwb.data.importers.mapping import MAX_FORM_COLUMN, MAX_FORM_ROW, Field, Mapping, load_mapping
from eduwb.data.importers.workbook import WORKBOOK_SUFFIXES, cell_text, open_workbook
from eduwb.data.importers.zonghe import YEAR
from eduwb.data.xlsx import column_letters
from eduwb.errors import DataError, ParameterError, Problem

GRID_ROWS = 80  # the block shown per form
GRID_COLUMNS = 30
SHOWN_TEXT = 24  # characters of a label shown


def first_workbook(source: Path) -> Path:
    """The workbook to inspect: ``source`` itself, or the first one in it (or its year folders)."""
    if source.is_file():
        if source.suffix.lower() not in WORKBOOK_SUFFIXES:
            raise ParameterError(f"{source.name}: 需要 .xlsx 工作簿 expected an .xlsx workbook")
        return source
    if not source.is_dir():
        raise ParameterError(f"没有这个文件或文件夹 no such file or folder: {source}")
    folders = [source] + sorted(p for p in source.iterdir() if p.is_dir() and YEAR.search(p.name))
    for folder in folders:
        files = workbook_files(folder, [])
        if files:
            return files[0]
    raise ParameterError(f"{source}: 没有 .xlsx 工作簿 no .xlsx workbook here")


def inspect_source(source: str | Path, mapping: str | Path | Mapping | None = None) -> tuple[str, str | None]:
    """The inspection of the first workbook at ``source`` (text) and a draft mapping (TOML text;
    None when the workbook holds no per-school form: drafts are for per-school forms only)."""
    path = first_workbook(Path(source))
    problems: list[Problem] = []
    with open_workbook(path, path.name, problems) as wb:
        if wb is None:
            raise DataError(problems)
        forms = Forms(wb, path.name)
        codes = {parsed[0]: name for name in forms.sheetnames if (parsed := sheet_code(name))}
        families = {parsed[1] for name in forms.sheetnames if (parsed := sheet_code(name))}
        if mapping is None:
            mapping = "jichuji-2020" if "基础基" in families else "jiaoji-2021"
        m = load_mapping(mapping)
        lines = [
            f"# 工作簿 workbook: {path}",
            f"工作表 sheets: {'、'.join(forms.sheetnames)}",
            f"识别的表 forms recognised: {'、'.join(codes) or '无 none'}（映射 mapping {m.id}）",
            "",
        ]
        # no form recognised (a 综合查询 export, renamed sheets): show every sheet's grid
        for code, sheet in (codes or {name: name for name in forms.sheetnames[:20]}).items():
            lines += _label_grid(forms, code, sheet)
        draft = _draft(forms, m, codes) if codes and m.form == "jiaoji" else None
        return "\n".join(lines), draft
    raise DataError(problems)  # a limit broken while a sheet was read


def _label_grid(forms: Forms, code: str, sheet: str) -> list[str]:
    """A form's non-empty rows, each cell with its position (export artefacts noted once)."""
    values, formulas = forms.block(sheet, GRID_ROWS, GRID_COLUMNS)
    letters = all(cell_text(values.get((1, c))) == column_letters(c - 1) for c in range(1, 4))
    numbered = sum(1 for r in range(2, GRID_ROWS) if isinstance(values.get((r, 1)), int)) >= 3
    lines = [f"## 表 form {code}（sheet {sheet}）"]
    if letters:
        lines.append("  第 1 行是列字母（导出的版式）row 1 holds the column letters (an export artefact)")
    if numbered:
        lines.append("  A 列是行号（导出的版式）column A holds row numbers (an export artefact)")
    rows: dict[int, list[str]] = {}
    for (r, c), v in sorted(values.items()):
        if (letters and r == 1) or (numbered and c == 1):
            continue
        text = cell_text(v)[:SHOWN_TEXT]
        if (r, c) in formulas:
            text += f"（公式 formula {formulas[(r, c)][:SHOWN_TEXT]}）"
        rows.setdefault(r, []).append(f"{cell_ref(r, c)} {text}")
    lines += [f"  行 row {r}: " + " | ".join(cells) for r, cells in rows.items()]
    return lines + [""]


def _draft(forms: Forms, m: Mapping, codes: dict[str, str]) -> str:
    """A mapping extending ``m`` with each field as found in this workbook (or why it was not)."""
    out = [
        f"# 草拟的映射 draft mapping, from {forms.label} (eduwb import --inspect)",
        "# 请逐项核对：未找到的字段标有“未找到”，改正 sheet、cell、row_label、column_label 后使用",
        "# Check every entry; fields marked 未找到 NOT FOUND need their sheet, cell or labels corrected.",
        "# 用法 use: eduwb import SOURCE -o OUT --mapping THIS_FILE",
        "",
        'id = "draft"',
        f"extends = {_q(m.id)}",
        "",
    ]
    for f in m.fields:
        out += _draft_field(forms, f, codes) + [""]
    return "\n".join(out)


def _draft_field(forms: Forms, f: Field, codes: dict[str, str]) -> list[str]:
    """One ``[[fields]]`` entry: where the field is in this workbook, with its labels."""
    found, why = _found(forms, f, codes)
    lines = ["[[fields]]"]
    if why:
        lines.append(f"# 未找到 NOT FOUND: {why}")
    lines += [f"target = {_q(f.target)}", f"sheet = {_q(f.sheet)}"]
    cells = [cell_ref(*p) for p in found] if found else [loc.cell for loc in f.locators]
    if all(cells):
        lines.append(f"cell = {_list(cells)}")
    rows = ["|".join(loc.row_label) for loc in f.locators]
    cols = ["|".join(loc.column_label) for loc in f.locators]
    if all(rows) and all(cols):
        lines += [f"row_label = {_list(rows)}", f"column_label = {_list(cols)}"]
    elif f.plain_checks or any(rows) or any(cols):
        checks = [(loc.row_label_at, r) for loc, r in zip(f.locators, rows, strict=True) if r]
        checks += [(loc.column_label_at, c) for loc, c in zip(f.locators, cols, strict=True) if c]
        checks += list(f.plain_checks)
        shift = _shift(f, found)
        moved = {_moved(ref, shift): text for ref, text in checks if ref}
        lines.append("check = { " + ", ".join(f"{ref} = {_q(text)}" for ref, text in moved.items()) + " }")
    if f.extract is not None:
        lines.append(f"extract = {_q(f.extract.pattern)}")
    if f.scale != 1:
        lines += [f"unit = {_q(f.unit or '')}", f"scale = {f.scale:g}"]
    if f.optional:
        lines.append("optional = true")
    return lines


def _found(forms: Forms, f: Field, codes: dict[str, str]) -> tuple[list | None, str | None]:
    """The field's cells in this workbook, or None and the reason (with the nearest texts)."""
    if f.sheet not in codes:
        return None, f"没有表 no form {f.sheet}；本工作簿的表 forms here: {'、'.join(codes) or '无 none'}"
    bounds = search_bounds(list(f.locators), MAX_FORM_ROW, MAX_FORM_COLUMN)
    try:
        return locate_all(f.locators, forms.grid(codes[f.sheet], *bounds))[0], None
    except LabelError as exc:
        return None, exc.message


def _shift(f: Field, found: list | None) -> tuple[int, int]:
    if not found or not f.locators or not f.locators[0].cell:
        return 0, 0
    r, c = rc(f.locators[0].cell)
    return found[0][0] - r, found[0][1] - c


def _moved(ref: str, shift: tuple[int, int]) -> str:
    r, c = rc(ref)
    return cell_ref(r + shift[0], c + shift[1])


def _q(text: str) -> str:
    """A TOML basic string (JSON's escapes are TOML's)."""
    return json.dumps(text, ensure_ascii=False)


def _list(items: list[str]) -> str:
    return _q(items[0]) if len(items) == 1 else "[" + ", ".join(_q(x) for x in items) + "]"
