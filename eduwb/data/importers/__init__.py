"""Importing the annual education statistics (教育事业统计) into an eduwb county folder.

Two source forms are read, each through a mapping file (``eduwb/data/mappings/``):

``jiaoji``
    a folder of per-school workbooks whose sheets are the base forms (``基础基312`` since
    2020, mapping ``jichuji-2020``; ``教基3112_小学``, ``教基1102续`` before, ``jiaoji-2021``);
    each value found by its row and column labels, the mapping's cell as the expected place;
``zonghe``
    one county-wide 综合查询 export: a row per school under merged multi-row headers;
    rows not counted as schools (不计校数) are added into their parent school.

:func:`import_statistics` writes ``schools.csv``, ``sections.csv``, ``facilities.csv`` and
``import-log.md`` into a temporary folder beside the output and renames it into place only
when everything read is valid: a refused import leaves nothing at the output path.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from eduwb.data.importers.assemble import Assembled, assemble
from eduwb.data.importers.jiaoji import Skipped, workbook_family, workbook_files
from eduwb.data.importers.jiaoji import read_workbook as read_jiaoji_workbook
from eduwb.data.importers.log import ImportLog
from eduwb.data.importers.mapping import DEFAULT_MAPPING, Mapping, MappingError, load_mapping
from eduwb.data.importers.units import Read, Unit
from eduwb.data.importers.workbook import WORKBOOK_SUFFIXES, CellProblem, add_problem, bilingual, cell_problem
from eduwb.data.importers.zonghe import YEAR
from eduwb.data.importers.zonghe import read_workbook as read_zonghe_workbook
from eduwb.data.schema import TABLES
from eduwb.errors import DataError, ParameterError, Problem

__all__ = ["import_statistics", "ImportResult", "load_mapping", "Mapping", "MappingError", "CellProblem"]

IMPORTED_TABLES = ("schools", "sections", "facilities")
LOG_NAME = "import-log.md"
TEMPLATE_NAME = "待填写模板.xlsx"


@dataclass
class ImportResult:
    out: Path
    mapping: Mapping
    years: list[int]
    tables: dict[str, pd.DataFrame]
    unfilled: dict[tuple[str, str], int]
    warnings: list[Problem] = field(default_factory=list)
    template: Path | None = None

    def summary(self) -> str:
        t = self.tables
        return (
            f"已导入 imported {len(t['schools'])} 所学校 schools、{len(t['sections'])} 个学段 sections、"
            f"{len(t['facilities'])} 行办学条件 facilities "
            f"rows（{'、'.join(map(str, self.years))}）→ {self.out}"
        )


def import_statistics(
    source: str | Path,
    out: str | Path,
    *,
    mapping: str | Path | Mapping | None = None,
    year: int | None = None,
    force: bool = False,
) -> ImportResult:
    """Read the education statistics at ``source`` and write a county folder at ``out``.

    Parameters
    ----------
    source
        A folder of per-school 教基 workbooks (one year, or one sub-folder per year named
        with it), or a 综合查询 workbook (a sheet per year, named with it).
    out
        The county folder to write; it must not exist yet (or be empty), unless ``force``:
        then it is replaced, or may lie inside ``source`` (never one that holds ``source``).
    mapping
        A shipped mapping name, a mapping file, or ``None``: a folder of 基础基 workbooks takes
        ``jichuji-2020``, another folder ``jiaoji-2021``, a workbook ``zonghe``.
    year
        The school year (autumn term) when the source does not say it.

    Raises
    ------
    ParameterError
        for usage mistakes: missing source, an existing output folder, an unclear year.
    MappingError
        for a malformed mapping file.
    DataError
        listing every problem in the statistics, each at its workbook, sheet and cell.
    """
    from eduwb.data.template import write_template

    source, out = Path(source), Path(out)
    form, m = _source_form(source, out, mapping, force)
    problems, skipped = list[Problem](), list[Skipped]()
    read = _read_units(source, form, year, m, problems, skipped)
    _refuse_on_errors(problems)
    if not (units := read.units):
        raise DataError([cell_problem(source.name, "没有读到任何学校 no school was read")])
    assembled = assemble(units, m, problems)
    _refuse_on_errors(problems)
    assert assembled is not None
    warnings = [p for p in problems if p.severity != "error"] + assembled.warnings
    years = sorted({u.year for u in units})
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.importing-", dir=out.parent))
    try:
        for table in IMPORTED_TABLES:
            (tmp / f"{table}.csv").write_text(table_csv(table, assembled.tables[table]), encoding="utf-8")
        warnings += _check_with_loader(assembled)
        # made from the imported tables: the folder does not validate until the analyst fills it in
        write_template(tmp / TEMPLATE_NAME, source=dict(assembled.tables), years=years, lang="zh")
        log = ImportLog(
            source=str(source),
            mapping=m,
            years=years,
            read=read,
            assembled=assembled,
            skipped=skipped,
            warnings=warnings,
            template=f"已生成 written: {TEMPLATE_NAME}（已填好学校名单 with the school list filled in）",
            version=_version(),
        )
        (tmp / LOG_NAME).write_text(log.render(), encoding="utf-8")
        _put_in_place(tmp, out, force)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return ImportResult(
        out=out,
        mapping=m,
        years=years,
        tables=assembled.tables,
        unfilled=assembled.unfilled,
        warnings=warnings,
        template=out / TEMPLATE_NAME,
    )


def _source_form(source: Path, out: Path, mapping, force: bool = False) -> tuple[str, Mapping]:
    """The source's form (``jiaoji`` or ``zonghe``) and its mapping, after the usage checks."""
    if not source.exists():
        raise ParameterError(f"没有这个文件或文件夹 no such file or folder: {source}")
    form = "jiaoji" if source.is_dir() else "zonghe"
    if mapping is None and form == "jiaoji" and _first_family(source) == "jichuji":
        mapping = "jichuji-2020"  # sheets named 基础基<code>: the 2020 family of the forms
    m = load_mapping(mapping if mapping is not None else DEFAULT_MAPPING[form])
    if m.form != form:
        wanted = (
            "文件夹 a folder of per-school workbooks" if m.form == "jiaoji" else "一个工作簿 one workbook"
        )
        raise ParameterError(
            f"映射 {m.id} 读取的是{wanted}，而 {source} 不是 (mapping {m.id} reads {m.form} sources)"
        )
    if source.is_dir() and out.resolve().is_relative_to(source.resolve()) and not force:
        raise ParameterError(
            f"{out}: 输出文件夹在 SOURCE {source} 之内，下次导入会读到它；如确需如此，请加 --force "
            "(the output folder lies inside SOURCE, where the next import would read it: "
            "choose another, or add --force)"
        )
    if out.exists() and source.resolve().is_relative_to(out.resolve()):
        raise ParameterError(
            f"{out}: 不能替换含有 SOURCE 的文件夹 (it holds SOURCE {source}; refused even with --force)"
        )
    if out.exists() and (not out.is_dir() or any(out.iterdir())) and not (force and out.is_dir()):
        raise ParameterError(
            "输出位置已存在且非空 the output already exists and is not "
            f"empty: {out}（请换一个文件夹、先删除或加 --force 替换 choose another, remove it, "
            "or add --force to replace it）"
        )
    if form == "zonghe" and source.suffix.lower() not in WORKBOOK_SUFFIXES:
        raise ParameterError(
            f"{source.name}: 需要 .xlsx 工作簿或教基工作簿所在的文件夹 "
            "expected an .xlsx workbook or a folder of 教基 workbooks"
        )
    return form, m


def _first_family(source: Path) -> str | None:
    """The family of forms (``jiaoji``/``jichuji``) of the first workbook in a folder or its year folders."""
    folders = [source] + sorted(p for p in source.iterdir() if p.is_dir() and YEAR.search(p.name))
    for folder in folders:
        for path in workbook_files(folder, []):
            family = workbook_family(path, path.name, [])
            if family is not None:
                return family
    return None


def _read_units(source: Path, form: str, year: int | None, m: Mapping, problems, skipped) -> Read:
    """The schools read from the source, with the notes for the log."""
    if form == "jiaoji":
        read = Read(_read_jiaoji(source, year, m, problems, skipped))
    else:
        read = read_zonghe_workbook(source, source.name, year, m, problems, skipped)
    read.notes += [note for unit in read.units for note in unit.notes] + _formula_notes(read.units)
    return read


def _formula_notes(units: list[Unit]) -> list[str]:
    """One line per formula cell read: its value is the one Excel saved, not recomputed."""
    return [
        f"{cell.workbook} [{cell.sheet}] {cell.ref}：公式 formula {cell.formula}，"
        f"读取其保存的值 read its saved value {cell.text}"
        for unit in units
        for reading in unit.values.values()
        for cell in reading.cells
        if cell.formula
    ]


def _put_in_place(tmp: Path, out: Path, force: bool = False) -> None:
    """The finished folder ``tmp`` made readable and moved to ``out`` (empty or absent, or
    with ``force`` a folder that is replaced: moved aside first, removed once ``tmp`` is in place)."""
    for path in tmp.iterdir():
        os.chmod(path, 0o644)
    os.chmod(tmp, 0o755)
    old = None
    if out.exists() and force and any(out.iterdir()):
        old = out.with_name(f".{out.name}.replaced-{os.getpid()}")
        os.replace(out, old)
    elif out.exists():
        out.rmdir()  # empty, checked above
    os.replace(tmp, out)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _version() -> str:
    """eduwb's version for the log (read from the installed metadata: the data layer does not
    import the package facade)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("eduwb")
    except PackageNotFoundError:
        return "unknown"


def _refuse_on_errors(problems: list[Problem]) -> None:
    if any(p.severity == "error" for p in problems):
        raise DataError(sorted(problems, key=lambda p: p.severity != "error"))  # errors first


def _read_jiaoji(
    source: Path, year: int | None, mapping: Mapping, problems: list[Problem], skipped: list[Skipped]
) -> list[Unit]:
    """Every school-year of a folder of per-school workbooks (a sub-folder per year, or one year)."""
    dated = sorted(
        (int(m.group(1)), p) for p in source.iterdir() if p.is_dir() and (m := YEAR.search(p.name))
    )
    if dated:
        if year is not None:
            dated = [(y, p) for y, p in dated if y == year]
            if not dated:
                raise ParameterError(f"{source}: 没有 {year} 年的子文件夹 no sub-folder for {year}")
        loose = [p.name for p in source.iterdir() if p.is_file() and p.suffix.lower() in WORKBOOK_SUFFIXES]
        for name in loose:
            skipped.append(
                Skipped(name, "在按年份分的子文件夹之外，未读取 (outside the year sub-folders: not read)")
            )
        plan = [(y, p, f"{p.name}/") for y, p in dated]
    else:
        if year is None:
            m = YEAR.search(source.name)
            if m is None:
                raise ParameterError(
                    f"{source}: 无法确定学年 cannot tell the school year: 用 "
                    "--year，或按年份分子文件夹（如 2021/） (use --year, or year sub-folders)"
                )
            year = int(m.group(1))
        plan = [(year, source, "")]
    units = []
    for y, folder, prefix in plan:
        files = workbook_files(folder, problems)
        if not files:
            add_problem(
                problems,
                f"{prefix or folder.name}",
                "文件夹中没有 .xlsx 工作簿 no .xlsx workbook in this folder",
            )
        for path in files:
            unit = read_jiaoji_workbook(path, f"{prefix}{path.name}", y, mapping, problems, skipped)
            if unit is not None:
                units.append(unit)
    return units


# ----------------------------------------------------------------------------- writing


def _format_number(value: object, dtype: str) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if dtype == "int":
        return str(int(value))
    text = f"{float(value):.6f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def table_csv(table: str, frame: pd.DataFrame) -> str:
    """UTF-8 CSV with the dictionary's English headers; numbers in plain notation, blanks empty."""
    out = pd.DataFrame(index=frame.index)
    for col in TABLES[table].columns:
        s = frame[col.name]
        if col.dtype in ("int", "number"):
            out[col.name] = [_format_number(v, col.dtype) for v in s]
        elif col.dtype == "bool":
            out[col.name] = ["" if v is None or v != v else ("true" if v else "false") for v in s]
        else:
            out[col.name] = ["" if v is None or v != v else str(v) for v in s]
    return out.to_csv(index=False, lineterminator="\n")


def _check_with_loader(assembled: Assembled) -> list[Problem]:
    """Run the dictionary's rules on what was imported; errors are refused at their source cells.

    The columns the statistics do not hold are left blank in the output; for this check only
    they hold 0, so that every other rule is tested (and no blank is reported as an error).
    """
    from eduwb.data.dataset import load

    with tempfile.TemporaryDirectory(prefix="eduwb-import-check-") as check:
        for table in IMPORTED_TABLES:
            frame = assembled.tables[table].copy()
            for (t, column), _ in assembled.unfilled.items():
                if t != table:
                    continue
                stand_in = 0
                if (table, column) == ("sections", "teachers"):
                    # as many teachers as the counts that must not exceed them: no false refusal
                    parts = frame[["teachers_above_degree", "backbone_teachers", "pe_art_teachers"]]
                    stand_in = parts.apply(pd.to_numeric, errors="coerce").max(axis=1).fillna(0)
                frame[column] = frame[column].where(frame[column].notna(), stand_in)
            Path(check, f"{table}.csv").write_text(table_csv(table, frame), encoding="utf-8")
        try:
            ds = load(check, cache=False)
        except DataError as exc:
            raise DataError([_at_source(p, assembled) for p in exc.problems]) from None
    return [_at_source(p, assembled) for p in ds.warnings]


def _at_source(problem: Problem, assembled: Assembled) -> Problem:
    """A loader problem about an imported CSV, moved to the statistics cell it came from."""
    table = problem.file.removesuffix(".csv")
    if table in IMPORTED_TABLES and problem.row is not None and problem.column is not None:
        cells = assembled.provenance.get((table, problem.row - 2, problem.column), ())
        if cells:
            first = cells[0]
            others = f"（及 and {'、'.join(c.ref for c in cells[1:6])}）" if len(cells) > 1 else ""
            return cell_problem(  # the importer's rules read "中文 English": the loader's too
                first.workbook,
                f"{bilingual(problem.rule)}{others} [导入结果 imported as {table}.{problem.column}]",
                sheet=first.sheet,
                cell=first.ref,
                value=problem.value,
                severity=problem.severity,
            )
    return Problem(
        f"导入结果 imported {problem.file}",
        problem.row,
        problem.column,
        problem.value,
        problem.rule,
        problem.severity,
    )
