"""``eduwb report``: check the options and the notebooks' parameters, run the batch, print the summary."""

from __future__ import annotations

import difflib
import json
import os
import re
import sys
from pathlib import Path
from typing import Any

from eduwb._files import source_date_epoch
from eduwb.data.workbook import display_width
from eduwb.errors import ParameterError
from eduwb.present.words import REPORT_TEXT
from eduwb.report.jobs import PACKAGE_DIR, PROVINCE_SCOPE, NotebookSpec, ReportResult, RunOptions, safe_name
from eduwb.report.workers import Workers, run_reports

NOTEBOOK_PATTERN = "[0-9][0-9]_*.ipynb"
#: Parameters a report may pass to a notebook, in the order they are injected.
REPORT_PARAMETERS = ("data", "year", "lang", "interactive", "standard")


def report_command(
    data: list[str],
    *,
    years: str | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    **settings: Any,
) -> int:
    """Produce the annual report of every county × year (``eduwb report``, whose options these
    are: ``cli.toml``); print a summary; return the exit status (1 when any report failed).

    ``years``: ``"2021-2025"``, ``"2024"`` or a comma-separated mix (default: every year of each
    county); ``workers``: processes (default: the CPU cores; with 1 everything runs in this
    process); ``settings``: ``out``, ``lang``, ``notebooks``, ``standard``, ``force`` and
    ``province`` (:func:`prepare_options`).
    """
    if not data:
        raise ParameterError(
            "没有给出数据：请至少指定一个县文件夹或工作簿 / "
            "no data given: name at least one county folder or workbook"
        )
    data = expand_data(data)
    wanted = parse_years(years) if years else None
    # Workers start (and warm up) while the notebooks' parameters are being checked here.
    notebooks = resolve_notebooks(settings.get("notebooks"))
    pool = Workers(workers, scheduler, len(data) * len(notebooks) * len(wanted or [0]))
    try:
        options = prepare_options(**settings)
    except BaseException:
        pool.close()
        raise
    results = run_reports(data, years=wanted, options=options, pool=pool)
    print_summary(results, file=sys.stdout)
    return 1 if any(r.failed for r in results) else 0


def expand_data(data: list[str]) -> list[str]:
    """County datasets as given, a folder of county folders (a province) standing for its counties."""
    from eduwb.data.province import county_sources, is_county_folder

    out: list[str] = []
    for item in data:
        path = Path(item)
        if path.is_dir() and not is_county_folder(path):
            try:
                out.extend(str(p) for p in county_sources(path))
                continue
            except ParameterError:
                pass  # not a province either: reported as a county that cannot be read
        out.append(item)
    return out


def prepare_options(
    *,
    out: str = "reports",
    lang: str = "zh",
    notebooks: list[str] | None = None,
    standard: str | None = None,
    force: bool = False,
    province: str | None = None,
) -> RunOptions:
    """Check the run-wide settings and the notebooks' parameters once, before any work starts.

    ``province`` also makes one province report per year from the province notebooks
    (``metadata.eduwb.scope = "province"``), run on every valid county.
    """
    if lang not in REPORT_TEXT:
        known = ", ".join(REPORT_TEXT)
        raise ParameterError(
            f"--lang 应为 {known} 之一，而不是 {lang!r} / --lang must be one of {known}, not {lang!r}"
        )
    if standard is not None:
        from eduwb.standards import load_standard, standard_ref

        standard = standard_ref(None, standard)
        load_standard(standard)  # fail now, not in every task
    specs = check_notebook_parameters(resolve_notebooks(notebooks), lang=lang, standard=standard)
    county_specs = tuple(s for s in specs if s.scope != PROVINCE_SCOPE)
    province_specs = tuple(s for s in specs if s.scope == PROVINCE_SCOPE)
    if province is not None:
        province = province.strip()
        if not province or safe_name(province) != province:
            raise ParameterError(
                f"--province {province!r}：请给出可用作文件夹名和文件名的名称 / "
                f"--province {province!r}: give a name usable as a folder and file name"
            )
        if not province_specs:
            raise ParameterError(
                '--province：所给笔记本中没有省级笔记本（元数据 eduwb.scope = "province"） / '
                '--province: no province notebook among the notebooks (metadata eduwb.scope = "province")'
            )
    elif not county_specs:
        names = ", ".join(Path(s.path).name for s in province_specs)
        raise ParameterError(
            f"{names}：只有省级笔记本；请加 --province 名称 以生成省级报告 / "
            f"{names}: province notebook(s) only; give --province NAME to make the province report"
        )
    return RunOptions(
        out=str(Path(out).resolve()),
        lang=lang,
        standard=standard,
        notebooks=county_specs,
        force=force,
        source_date_epoch=source_date_epoch(),
        cwd=str(Path.cwd()),
        province=province,
        province_notebooks=province_specs if province is not None else (),
    )


# ---- the notebooks and their parameters ---------------------------------------------------
def parse_years(spec: str) -> list[int]:
    """``"2021-2025"`` → [2021, …, 2025]; ``"2024"`` → [2024]; ``"2021,2023-2024"`` → [2021, 2023, 2024]."""
    years: set[int] = set()
    for part in str(spec).replace(" ", "").split(","):
        m = re.fullmatch(r"(\d{4})(?:-(\d{4}))?", part)
        if not m:
            raise ParameterError(
                f"--years：{spec!r} 不是年份，也不是 2021-2025 这样的范围 / "
                f"--years: {spec!r} is not a year or a range like 2021-2025"
            )
        first, last = int(m.group(1)), int(m.group(2) or m.group(1))
        if last < first:
            raise ParameterError(f"--years：范围 {part} 前大后小 / --years: range {part} runs backwards")
        years.update(range(first, last + 1))
    return sorted(years)


def default_notebooks_dir() -> Path:
    """``$EDUWB_NOTEBOOKS_DIR``, else the project's ``notebooks/`` folder."""
    env = os.environ.get("EDUWB_NOTEBOOKS_DIR")
    return Path(env).resolve() if env else PACKAGE_DIR.parent / "notebooks"


def resolve_notebooks(notebooks: list[str] | None = None) -> list[Path]:
    """The report's notebooks in chapter order: folders expand to their ``NN_*.ipynb``, a name
    not found as given is looked up in the default folder (``01_resource_gaps``)."""
    entries = [default_notebooks_dir()] if not notebooks else [_notebook_entry(n) for n in notebooks]
    paths: list[Path] = []
    for entry in entries:
        if entry.is_dir():
            paths.extend(sorted(entry.glob(NOTEBOOK_PATTERN)))
        elif entry.is_file() and entry.suffix == ".ipynb":
            paths.append(entry)
        else:
            raise ParameterError(
                f"{entry}：没有这个笔记本（或笔记本文件夹） / "
                f"{entry}: no such notebook (or folder of notebooks)"
            )
    if not paths:
        where = ", ".join(map(str, entries))
        raise ParameterError(
            f"{where} 中没有符合 {NOTEBOOK_PATTERN} 的笔记本 / "
            f"no notebooks matching {NOTEBOOK_PATTERN} in {where}"
        )
    return [p.resolve() for p in paths]


def _notebook_entry(name: str) -> Path:
    path, folder = Path(name), default_notebooks_dir()
    if path.exists():
        return path
    return next((c for c in (folder / name, folder / f"{name}.ipynb") if c.is_file()), path)


def check_notebook_parameters(
    paths: list[Path], *, lang: str = "zh", standard: str | None = None
) -> list[NotebookSpec]:
    """What the report passes to each notebook, from its ``parameters`` cell: it must declare
    ``data`` and ``year``, ``lang`` when the report is not in Chinese, ``standard`` when one is
    given; ``interactive`` (False) goes to those that declare it. A :class:`ParameterError`
    names every notebook and parameter that does not fit."""
    from eduwb._imports import skip_iri_grammar

    skip_iri_grammar()  # papermill's first import, in the command's process: ≈ 1 s less start-up
    import papermill

    needed = ["data", "year", *(["lang"] if lang != "zh" else []), *(["standard"] if standard else [])]
    problems: list[str] = []
    specs: list[NotebookSpec] = []
    for path in paths:
        try:
            declared = papermill.inspect_notebook(str(path))
        except Exception as exc:  # noqa: BLE001 -- any unreadable notebook is the user's to fix
            problems.append(
                f"{path.name}：无法作为笔记本读取 / {path.name}: cannot be read as a notebook: {exc}"
            )
            continue
        if not declared:
            problems.append(
                f"{path.name}：没有标记为 parameters 的单元格 / {path.name}: has no cell tagged 'parameters'"
            )
            continue
        for name in (n for n in needed if n not in declared):
            near = [d for d in declared if difflib.SequenceMatcher(None, d.lower(), name).ratio() >= 0.6]
            hint = (f"（{near[0]!r} 是否拼错？）", f" (is {near[0]!r} a misspelling?)") if near else ("", "")
            problems.append(
                f"{path.name}：parameters 单元格没有声明 {name!r}{hint[0]} / "
                f"{path.name}: its parameters cell does not declare {name!r}{hint[1]}"
            )
        passed = tuple(n for n in REPORT_PARAMETERS if n in declared and (n != "standard" or standard))
        specs.append(NotebookSpec(path=str(path), parameters=passed, scope=notebook_scope(path)))
    if problems:
        raise ParameterError("\n".join(problems))
    return specs


def notebook_scope(path: str | Path) -> str:
    """``"province"`` for a notebook whose metadata says so (``eduwb.scope``), else ``"county"``."""
    try:
        meta = json.loads(Path(path).read_text(encoding="utf-8")).get("metadata", {}).get("eduwb")
    except (OSError, ValueError, AttributeError):
        return "county"
    return PROVINCE_SCOPE if isinstance(meta, dict) and meta.get("scope") == PROVINCE_SCOPE else "county"


# ---- the summary ----------------------------------------------------------------------------
#: The report statuses (printed as they are, for scripts) in Chinese, for the counts line.
_STATUS_ZH = {"ok": "完成", "up-to-date": "已是最新", "no data": "无数据", "failed": "失败"}


def print_summary(results: list[ReportResult], file: Any = None) -> None:
    """Print one line per report (county, year, status, seconds, output or reason), then the full reasons."""
    file = file or sys.stdout
    header = ("县 county", "年 year", "状态 status", "秒 seconds", "输出或原因 output / reason")
    rows = [
        (
            r.county,
            "" if r.year is None else str(r.year),
            r.status,
            f"{r.seconds:.1f}",
            (r.detail.splitlines() or [""])[0] + (" …" if len(r.detail.splitlines()) > 1 else ""),
        )
        for r in results
    ]
    widths = [max(display_width(x) for x in col) for col in zip(header, *rows, strict=False)]

    def line(cells: tuple[str, ...]) -> str:
        padded = [c + " " * (w - display_width(c)) for c, w in zip(cells[:-1], widths[:-1], strict=True)]
        return "  ".join([*padded, cells[-1]]).rstrip()

    print(line(header), file=file)
    print("  ".join("-" * w for w in widths), file=file)
    for row in rows:
        print(line(row), file=file)
    failed = [r for r in results if r.failed]
    counts = {s: sum(r.status == s for r in results) for s in ("ok", "up-to-date", "no data", "failed")}
    zh = "，".join(f"{_STATUS_ZH[s]} {n}" for s, n in counts.items() if n)
    en = ", ".join(f"{n} {s}" for s, n in counts.items() if n)
    print(f"\n{zh} / {en}", file=file)
    for r in failed:
        if "\n" in r.detail:
            print(f"\n{r.county} {'' if r.year is None else r.year}:\n{r.detail}", file=file)
