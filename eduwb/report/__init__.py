"""Annual reports in batch: every notebook, for every county and year, into one PDF and one workbook.

``eduwb report DATA... [--years A-B] [--out reports/] [--workers N] [--lang zh|en]`` runs
:func:`report_command`.  For each county × year it

1. loads and validates the dataset (a :class:`~eduwb.errors.DataError` fails that county);
2. executes every notebook with papermill (parameters checked against
   ``papermill.inspect_notebook``; ``interactive=False``), keeping the executed notebooks in
   ``<out>/<county>/<year>/notebooks/`` for audit, also when one fails;
3. converts each to HTML without code (:mod:`eduwb.report.layout`) and lays cover, contents, chapters
   and appendix out as ONE WeasyPrint document:
   ``<county>_<year>_优质均衡监测报告.pdf`` (``_quality_balance_report.pdf`` in English);
4. writes every table the notebooks displayed to ``<county>_<year>_tables.xlsx``;
5. records the fingerprint of its inputs in ``report.json``; a rerun skips reports whose
   fingerprint still matches, so an interrupted batch resumes where it stopped.

Every file is written under a temporary name in its final directory and renamed when complete:
an interrupted run never leaves a truncated file at a final path.

Work is split finer than county × year: the notebooks of one report run in parallel and the
PDF is laid out when all are done, so a single report uses every worker and a batch keeps
them all busy to the end.  Workers are processes (``spawn``) of a
:class:`concurrent.futures.ProcessPoolExecutor`, or the workers of a Dask cluster when a
scheduler address is given.  Each worker executes notebooks in-process (papermill engine
``eduwb-inprocess``: one warm IPython shell per worker, imports paid once), and falls back to
papermill's ordinary kernel engine where a warm shell cannot be used.  A worker process that
dies (killed, out of memory) costs only the report it was working on: the pool is rebuilt,
the pieces that were in flight run again one at a time, and the one that kills a worker a
second time fails its report.

Heavy imports (papermill, nbconvert, weasyprint, dask) are made inside functions.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import functools
import hashlib
import heapq
import io
import json
import multiprocessing
import os
import re
import sys
import threading
import time
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from eduwb.errors import EduwbError, ParameterError
from eduwb.files import restamp_zip, source_date_epoch

PACKAGE_DIR = Path(__file__).resolve().parent.parent  # the eduwb package
NOTEBOOK_PATTERN = "[0-9][0-9]_*.ipynb"
#: Parameters a report may pass to a notebook, in the order they are injected.
REPORT_PARAMETERS = ("data", "year", "lang", "interactive", "standard")
#: Parameters every report notebook must declare in its ``parameters`` cell.
REQUIRED_PARAMETERS = ("data", "year")
SIDECAR = "report.json"
ENGINE_NAME = "eduwb-inprocess"
_TMP_MARK = ".tmp-"

_TEXT = {
    "zh": {
        "report_file": "{county}_{year}_优质均衡监测报告.pdf",
        "tables_file": "{county}_{year}_tables.xlsx",
        "title": "{county}{year}年义务教育优质均衡发展监测报告",
        "cover_title_year": "{year} 年度",
        "cover_title": "义务教育优质均衡发展监测报告",
        "verdict": "总体结论",
        "passed": "达到优质均衡标准",
        "failed": "未达到优质均衡标准",
        "unknown": "未能评定",
        "incomplete": "数据不全，暂不能认定",
        "failing": "未达标指标",
        "missing": "缺数据指标",
        "standard": "评估标准",
        "school_year": "学年",
        "school_year_value": "{year}—{next} 学年",
        "data_date": "数据日期",
        "generated": "报告生成日期",
        "data_name": "数据",
        "produced_by": "本报告由 eduwb {version} 根据县级数据自动生成，各章由同名 Jupyter 笔记本执行产生。",
        "contents": "目录",
        "appendix_title": "附录  数据、标准与参数",
        "appendix_intro": "本附录记录生成本报告所用的数据文件、评估标准、参数与软件版本，以便复核与重现。",
        "sec_data": "数据文件",
        "sec_standard": "评估标准",
        "sec_parameters": "参数",
        "sec_software": "软件与生成信息",
        "sec_chapters": "各章来源",
        "file": "文件",
        "bytes": "字节数",
        "sha256": "SHA-256 校验值",
        "path": "数据路径",
        "county": "县（区）",
        "standard_id": "标准标识",
        "standard_name": "标准名称",
        "standard_source": "标准文件",
        "year": "年份",
        "lang": "语言",
        "notebook": "笔记本",
        "chapter": "章",
        "parameters": "注入参数",
        "python": "Python",
        "date_fmt": "{d.year}年{d.month}月{d.day}日",
        "page_footer": '"第 " counter(page) " 页 / 共 " counter(pages) " 页"',
        "sheet_index": "目录",
        "index_header": ["序号", "工作表", "表名", "所在章"],
        "no": "无",
    },
    "en": {
        "report_file": "{county}_{year}_quality_balance_report.pdf",
        "tables_file": "{county}_{year}_tables.xlsx",
        "title": "{county} {year}: quality-balanced compulsory education monitoring report",
        "cover_title_year": "{year}",
        "cover_title": "Quality-balanced compulsory education: monitoring report",
        "verdict": "Verdict",
        "passed": "meets the quality-balance standard",
        "failed": "does not meet the quality-balance standard",
        "unknown": "not determined",
        "incomplete": "cannot be determined: data missing",
        "failing": "Indicators not met",
        "missing": "Indicators without data",
        "standard": "Standard",
        "school_year": "School year",
        "school_year_value": "{year}–{next}",
        "data_date": "Date of data",
        "generated": "Report generated",
        "data_name": "Data",
        "produced_by": "Produced by eduwb {version} from the county's data; each chapter is the output of the "
        "Jupyter notebook of the same name.",
        "contents": "Contents",
        "appendix_title": "Appendix: data, standard and parameters",
        "appendix_intro": "What produced this report, so that it can be checked and reproduced.",
        "sec_data": "Data files",
        "sec_standard": "Standard",
        "sec_parameters": "Parameters",
        "sec_software": "Software and generation",
        "sec_chapters": "Chapters",
        "file": "File",
        "bytes": "Bytes",
        "sha256": "SHA-256",
        "path": "Data path",
        "county": "County",
        "standard_id": "Standard id",
        "standard_name": "Standard",
        "standard_source": "Standard file",
        "year": "Year",
        "lang": "Language",
        "notebook": "Notebook",
        "chapter": "Chapter",
        "parameters": "Injected parameters",
        "python": "Python",
        "date_fmt": "{d:%Y-%m-%d}",
        "page_footer": '"Page " counter(page) " of " counter(pages)',
        "sheet_index": "Contents",
        "index_header": ["No.", "Sheet", "Table", "Chapter"],
        "no": "none",
    },
}


# ---- what travels between the parent and the workers (all picklable) ---------------------
@dataclass(frozen=True)
class NotebookSpec:
    """A report notebook and the report parameters it declares (and so receives)."""

    path: str
    parameters: tuple[str, ...]

    @property
    def stem(self) -> str:
        return Path(self.path).stem


@dataclass(frozen=True)
class RunOptions:
    """What is the same for every report of one run."""

    out: str
    lang: str
    standard: str | None
    notebooks: tuple[NotebookSpec, ...]
    force: bool = False
    source_date_epoch: int | None = None


@dataclass(frozen=True)
class ReportJob:
    """One county × year report to produce."""

    data: str
    county: str
    year: int
    out_dir: str
    lang: str
    standard: str | None
    standard_used: str
    notebooks: tuple[NotebookSpec, ...]
    data_files: tuple[tuple[str, int, str], ...]
    data_key: str
    data_mtime: float
    fingerprint: str
    source_date_epoch: int | None = None

    @property
    def key(self) -> tuple[str, int]:
        return (self.county, self.year)

    @property
    def report_path(self) -> Path:
        name = _TEXT[self.lang]["report_file"].format(county=self.county, year=self.year)
        return Path(self.out_dir) / name

    @property
    def tables_path(self) -> Path:
        name = _TEXT[self.lang]["tables_file"].format(county=self.county, year=self.year)
        return Path(self.out_dir) / name

    @property
    def notebooks_dir(self) -> Path:
        return Path(self.out_dir) / "notebooks"

    def parameters_for(self, spec: NotebookSpec) -> dict[str, Any]:
        values = {
            "data": self.data,
            "year": self.year,
            "lang": self.lang,
            "interactive": False,
            "standard": self.standard,
        }
        return {name: values[name] for name in spec.parameters}


@dataclass
class ReportResult:
    """How one county × year went."""

    county: str
    year: int | None
    status: str  # "ok", "up-to-date", "failed", "no data"
    seconds: float = 0.0
    detail: str = ""
    data: str = ""
    outputs: list[str] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return self.status == "failed"


@dataclass
class CountyPlan:
    data: str
    county: str
    jobs: list[ReportJob]
    results: list[ReportResult]


@dataclass
class ChapterOutcome:
    index: int
    ok: bool
    seconds: float
    title: str = ""
    html: str = ""
    tables: list[dict[str, Any]] = field(default_factory=list)
    reason: str = ""
    engine: str = ""


# ---- the command --------------------------------------------------------------------------
def report_command(
    data: list[str],
    *,
    years: str | None = None,
    out: str = "reports",
    workers: int | None = None,
    lang: str = "zh",
    notebooks: list[str] | None = None,
    scheduler: str | None = None,
    standard: str | None = None,
    force: bool = False,
) -> int:
    """Produce the annual report of every county × year; print a summary; return the exit status.

    Parameters
    ----------
    data : list of str
        County datasets (folders or ``.xlsx`` workbooks).
    years : str, optional
        ``"2021-2025"``, ``"2024"`` or a comma-separated mix; default every year in each
        county's data.
    out : str
        Output folder; each report goes to ``<out>/<county>/<year>/``.
    workers : int, optional
        Worker processes (default: the number of CPU cores).  With 1, everything runs in
        this process.
    lang : {"zh", "en"}
        Language of the report (and of the notebooks, which receive it as ``lang``).
    notebooks : list of str, optional
        Notebooks (or folders of notebooks) making the chapters, in order; default every
        ``notebooks/NN_*.ipynb`` of the project (or of ``$EDUWB_NOTEBOOKS_DIR``).
    scheduler : str, optional
        Address of a Dask distributed scheduler (``tcp://host:8786``) to run the work on
        instead of local processes.
    standard : str, optional
        Standard id or file overriding each county's own ``county.toml`` setting.
    force : bool
        Rebuild reports even when their inputs have not changed.

    Returns
    -------
    int
        0 when every report was produced (or was already up to date), 1 when any failed.

    Raises
    ------
    ParameterError
        for a bad ``years``/``lang``/``workers``, no notebooks, or a notebook that does not
        declare a parameter the report must pass (e.g. a misspelt ``year``).
    StandardError
        when ``standard`` cannot be loaded.
    """
    if not data:
        raise ParameterError("no data given: name at least one county folder or workbook")
    wanted = parse_years(years) if years else None
    pieces = len(data) * len(resolve_notebooks(notebooks)) * (len(wanted) if wanted else 1)
    # Workers start (and warm up) while the notebooks' parameters are being checked here.
    backend = make_backend(workers, scheduler, pieces)
    try:
        options = prepare_options(out=out, lang=lang, notebooks=notebooks, standard=standard, force=force)
    except BaseException:
        backend.close(abort=True)
        raise
    results = run_reports(data, years=wanted, options=options, backend=backend)
    print_summary(results, file=sys.stdout)
    return 1 if any(r.failed for r in results) else 0


def prepare_options(
    *,
    out: str = "reports",
    lang: str = "zh",
    notebooks: list[str] | None = None,
    standard: str | None = None,
    force: bool = False,
) -> RunOptions:
    """Check the run-wide settings and the notebooks' parameters once, before any work starts."""
    if lang not in _TEXT:
        raise ParameterError(f"--lang must be one of {', '.join(_TEXT)}, not {lang!r}")
    if standard is not None:
        from eduwb.standards import BUILTIN, load_standard

        load_standard(standard)  # fail now, not in every task
        if standard not in BUILTIN:
            standard = str(Path(standard).resolve())
    specs = check_notebook_parameters(resolve_notebooks(notebooks), lang=lang, standard=standard)
    return RunOptions(
        out=str(Path(out).resolve()),
        lang=lang,
        standard=standard,
        notebooks=tuple(specs),
        force=force,
        source_date_epoch=source_date_epoch(),
    )


def parse_years(spec: str) -> list[int]:
    """``"2021-2025"`` → [2021, …, 2025]; ``"2024"`` → [2024]; ``"2021,2023-2024"`` → [2021, 2023, 2024]."""
    years: set[int] = set()
    for part in str(spec).replace(" ", "").split(","):
        m = re.fullmatch(r"(\d{4})(?:-(\d{4}))?", part)
        if not m:
            raise ParameterError(f"--years: {spec!r} is not a year or a range like 2021-2025")
        first, last = int(m.group(1)), int(m.group(2) or m.group(1))
        if last < first:
            raise ParameterError(f"--years: range {part} runs backwards")
        years.update(range(first, last + 1))
    return sorted(years)


def default_notebooks_dir() -> Path:
    """``$EDUWB_NOTEBOOKS_DIR``, else the project's ``notebooks/`` folder."""
    env = os.environ.get("EDUWB_NOTEBOOKS_DIR")
    return Path(env).resolve() if env else PACKAGE_DIR.parent / "notebooks"


def resolve_notebooks(notebooks: list[str] | None = None) -> list[Path]:
    """The report's notebooks in chapter order (folders expand to their ``NN_*.ipynb``)."""
    entries = [default_notebooks_dir()] if not notebooks else [_notebook_entry(n) for n in notebooks]
    paths: list[Path] = []
    for entry in entries:
        if entry.is_dir():
            paths.extend(sorted(entry.glob(NOTEBOOK_PATTERN)))
        elif entry.is_file() and entry.suffix == ".ipynb":
            paths.append(entry)
        else:
            raise ParameterError(f"{entry}: no such notebook (or folder of notebooks)")
    if not paths:
        raise ParameterError(f"no notebooks matching {NOTEBOOK_PATTERN} in {', '.join(map(str, entries))}")
    return [p.resolve() for p in paths]


def _notebook_entry(name: str) -> Path:
    """A path as given, else a notebook of the default folder by name (``01_resource_gaps``)."""
    path = Path(name)
    if path.exists():
        return path
    for candidate in (default_notebooks_dir() / name, default_notebooks_dir() / f"{name}.ipynb"):
        if candidate.is_file():
            return candidate
    return path


def check_notebook_parameters(paths: list[Path], *, lang: str = "zh", standard: str | None = None) -> list[NotebookSpec]:
    """Inspect each notebook's ``parameters`` cell and decide what the report passes to it.

    A notebook must declare ``data`` and ``year``; ``lang`` when the report is not in
    Chinese; ``standard`` when one is given.  ``interactive`` is passed (as False) to the
    notebooks that declare it.

    Raises
    ------
    ParameterError
        naming every notebook and parameter that does not fit.
    """
    import papermill

    problems: list[str] = []
    specs: list[NotebookSpec] = []
    for path in paths:
        try:
            declared = papermill.inspect_notebook(str(path))
        except Exception as exc:  # noqa: BLE001 -- any unreadable notebook is the user's to fix
            problems.append(f"{path.name}: cannot be read as a notebook: {exc}")
            continue
        if not declared:
            problems.append(f"{path.name}: has no cell tagged 'parameters'")
            continue
        needed = list(REQUIRED_PARAMETERS)
        if lang != "zh":
            needed.append("lang")
        if standard is not None:
            needed.append("standard")
        for name in needed:
            if name not in declared:
                near = [d for d in declared if _similar(d, name)]
                hint = f" (is {near[0]!r} a misspelling?)" if near else ""
                problems.append(f"{path.name}: its parameters cell does not declare {name!r}{hint}")
        passed = tuple(
            n for n in REPORT_PARAMETERS if n in declared and (n != "standard" or standard is not None)
        )
        specs.append(NotebookSpec(path=str(path), parameters=passed))
    if problems:
        raise ParameterError("\n".join(problems))
    return specs


def _similar(a: str, b: str) -> bool:
    import difflib

    return difflib.SequenceMatcher(None, a.lower(), b.lower()).ratio() >= 0.6


# ---- scheduling ---------------------------------------------------------------------------
class _LocalBackend:
    """A pool of spawned worker processes."""

    def __init__(self, workers: int):
        self.slots = workers
        self._pool = self._new_pool()

    def _new_pool(self) -> cf.ProcessPoolExecutor:
        pool = cf.ProcessPoolExecutor(
            max_workers=self.slots, mp_context=multiprocessing.get_context("spawn"), initializer=_worker_init
        )
        # Start every worker now and let it import what notebooks and layout need while the
        # first county is being read, instead of on the critical path of its first piece.
        for _ in range(self.slots):
            pool.submit(warm_up)
        return pool

    def submit(self, fn: Any, *args: Any) -> Any:
        return self._pool.submit(fn, *args)

    def wait(self, futures: Any) -> set[Any]:
        done, _ = cf.wait(list(futures), return_when=cf.FIRST_COMPLETED)
        return set(done)

    def is_broken(self, exc: BaseException) -> bool:
        return isinstance(exc, cf.process.BrokenProcessPool)

    def restart(self) -> None:
        if getattr(self._pool, "_broken", False):  # several lost pieces report the same death
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = self._new_pool()

    def close(self, abort: bool = False) -> None:
        if abort:
            # Interrupted: stop the workers now; their temporary files are removed by the next run.
            for process in list(getattr(self._pool, "_processes", {}).values()):
                with contextlib.suppress(Exception):
                    process.terminate()
        self._pool.shutdown(wait=not abort, cancel_futures=True)


def _worker_init() -> None:
    """Runs first in each worker process: one thread per process for numerical libraries.

    The pool already uses every core; BLAS or OpenMP thread pools on top would oversubscribe
    them (set the variables yourself to override).
    """
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_MAX_THREADS"):
        os.environ.setdefault(var, "1")


def warm_up() -> None:
    """Import the heavy machinery of a worker once (papermill, the IPython shell with matplotlib,
    nbconvert, WeasyPrint and its fonts, openpyxl, the dataset loader and the scorecard)."""
    with contextlib.suppress(Exception):
        import openpyxl  # noqa: F401
        import papermill  # noqa: F401

        import eduwb.analysis.scorecard  # noqa: F401
        import eduwb.data.dataset  # noqa: F401
        from eduwb.report import layout as pdf

        pdf._exporter()
        if _inprocess_possible():
            with _ENGINE_LOCK:
                _report_shell()
        pdf.write_pdf("<p>预热 warm-up</p>", os.devnull)


class _InlineBackend:
    """Everything in this process, one piece at a time (``workers=1``)."""

    slots = 1

    def submit(self, fn: Any, *args: Any) -> cf.Future:
        future: cf.Future = cf.Future()
        try:
            future.set_result(fn(*args))
        except Exception as exc:  # noqa: BLE001 -- handed to the caller like a pool would
            future.set_exception(exc)
        return future

    def wait(self, futures: Any) -> set[Any]:
        return set(futures)

    def is_broken(self, exc: BaseException) -> bool:
        return False

    def restart(self) -> None:
        pass

    def close(self, abort: bool = False) -> None:
        pass


class _DaskBackend:
    """The workers of an existing Dask distributed cluster."""

    def __init__(self, address: str):
        from dask.distributed import Client

        self._client = Client(address)
        self.slots = max(1, sum(self._client.nthreads().values()))

    def submit(self, fn: Any, *args: Any) -> Any:
        return self._client.submit(fn, *args, pure=False)

    def wait(self, futures: Any) -> set[Any]:
        from dask.distributed import wait

        return set(wait(list(futures), return_when="FIRST_COMPLETED").done)

    def is_broken(self, exc: BaseException) -> bool:
        return False  # Dask reschedules the work of a lost worker itself

    def restart(self) -> None:
        pass

    def close(self, abort: bool = False) -> None:
        self._client.close()


def make_backend(workers: int | None = None, scheduler: str | None = None, pieces: int | None = None) -> Any:
    """Where the work runs: a Dask cluster, a pool of ``workers`` processes, or this process.

    ``pieces`` (an estimate of the notebooks to execute) caps the pool: more processes than
    pieces of work only cost start-up time.
    """
    if workers is not None and workers < 1:
        raise ParameterError(f"--workers must be at least 1, not {workers}")
    if scheduler:
        return _DaskBackend(scheduler)
    n = workers or os.cpu_count() or 1
    if pieces:
        n = min(n, pieces)
    return _InlineBackend() if n == 1 else _LocalBackend(n)


def run_reports(
    data: list[str],
    *,
    years: list[int] | None,
    options: RunOptions,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: bool | None = None,
    backend: Any = None,
) -> list[ReportResult]:
    """Produce every county × year report; return one result per report, sorted by county and year.

    ``progress`` None shows a progress bar on stderr when it is a terminal.  ``backend``
    (from :func:`make_backend`) is closed when done; without it one is made from ``workers``
    and ``scheduler``.
    """
    from tqdm.auto import tqdm

    if backend is None:
        backend = make_backend(workers, scheduler, len(data) * len(options.notebooks) * (len(years) if years else 1))
    total = len(data) * len(years) if years else len(data)
    bar = tqdm(total=total, unit="report", desc="reports", file=sys.stderr, disable=None if progress is None else not progress)
    try:
        results = _Scheduler(backend, options, years, bar).run(data)
    except BaseException:
        bar.close()
        backend.close(abort=True)
        raise
    bar.close()
    backend.close()
    return results


class _Scheduler:
    """Feeds county inspections, notebook executions and PDF layouts to a backend.

    At most ``backend.slots`` pieces are in flight, layouts first, then notebooks, then
    inspections, so reports complete one after another and memory stays bounded however many
    counties a province runs.
    """

    _RENDER, _CHAPTER, _INSPECT = 0, 1, 2

    def __init__(self, backend: Any, options: RunOptions, years: list[int] | None, bar: Any):
        self.backend = backend
        self.options = options
        self.years = years
        self.bar = bar
        self.queue: list[tuple[int, int, str, Any]] = []
        self.seq = 0
        self.inflight: dict[Any, tuple[str, Any]] = {}
        self.results: list[ReportResult] = []
        self.jobs: dict[tuple[str, int], dict[str, Any]] = {}
        self.claimed: dict[tuple[str, int], str] = {}
        self.expected_from_years = years is not None
        self.suspects: set[tuple[str, Any]] = set()

    def push(self, priority: int, kind: str, payload: Any) -> None:
        self.seq += 1
        heapq.heappush(self.queue, (priority, self.seq, kind, payload))

    def run(self, data: list[str]) -> list[ReportResult]:
        for item in data:
            self.push(self._INSPECT, "inspect", str(Path(item).resolve()))
        while self.queue or self.inflight:
            deferred = []
            while self.queue and len(self.inflight) < self.backend.slots:
                item = heapq.heappop(self.queue)
                _prio, _seq, kind, payload = item
                if kind != "inspect" and self.jobs[payload[0]]["failed"]:
                    continue  # another notebook of this report already failed
                if (kind, payload) in self.suspects and any(k in self.suspects for k in self.inflight.values()):
                    deferred.append(item)  # suspects run one at a time, to find which kills workers
                    continue
                fn, args = self._call(kind, payload)
                try:
                    future = self.backend.submit(fn, *args)
                except Exception as exc:  # noqa: BLE001 -- e.g. a broken pool: fail this piece
                    future = cf.Future()
                    future.set_exception(exc)
                self.inflight[future] = (kind, payload)
            for item in deferred:
                heapq.heappush(self.queue, item)
            for future in self.backend.wait(self.inflight):
                if future not in self.inflight:
                    continue  # lost with its pool, already handled
                kind, payload = self.inflight.pop(future)
                try:
                    value = future.result()
                except Exception as exc:  # noqa: BLE001 -- infrastructure failure of one piece
                    if self.backend.is_broken(exc):
                        self._worker_died([(kind, payload)] + [self.inflight.pop(f) for f in list(self.inflight)])
                    else:
                        self._lost(kind, payload, f"worker failed: {type(exc).__name__}: {exc}")
                    continue
                self.suspects.discard((kind, payload))
                getattr(self, f"_on_{kind}")(payload, value)
        return sorted(self.results, key=lambda r: (r.county, r.year or 0, r.data))

    def _worker_died(self, lost: list[tuple[str, Any]]) -> None:
        """A worker process died (killed, out of memory) and took the pool with it.

        Everything that was in flight becomes a suspect and runs again, suspects one at a
        time; a suspect that is the only one in flight when a worker dies again is the culprit
        and fails its report, and the others run again.
        """
        self.backend.restart()
        suspects = [key for key in lost if key in self.suspects]
        culprit = suspects[0] if len(suspects) == 1 else None
        for kind, payload in lost:
            if (kind, payload) == culprit:
                self._lost(kind, payload, "a worker process died running it, twice (killed, or out of memory?)")
                continue
            self.suspects.add((kind, payload))
            self.push({"inspect": self._INSPECT, "chapter": self._CHAPTER, "render": self._RENDER}[kind], kind, payload)

    def _call(self, kind: str, payload: Any) -> tuple[Any, tuple[Any, ...]]:
        if kind == "inspect":
            return inspect_county, (payload, self.years, self.options)
        state = self.jobs[payload[0]]
        if kind == "chapter":
            return execute_chapter, (state["job"], payload[1])
        return render_report, (state["job"], state["chapters"])

    def _finish(self, result: ReportResult) -> None:
        self.results.append(result)
        self.bar.set_postfix_str(f"{result.county} {result.year or ''} {result.status}", refresh=False)
        self.bar.update(1)

    def _on_inspect(self, data: str, plan: CountyPlan) -> None:
        if not self.expected_from_years:
            # Years were unknown until the county was read: one placeholder becomes n reports.
            self.bar.total += len(plan.jobs) + len(plan.results) - 1
            self.bar.refresh()
        for result in plan.results:
            self._finish(result)
        for job in plan.jobs:
            other = self.claimed.get(job.key)
            if other is not None:
                self._finish(
                    ReportResult(job.county, job.year, "failed", 0.0, f"county name {job.county!r} is also the name of {other}; "
                                 "give one of them another name in county.toml", data)
                )
                continue
            self.claimed[job.key] = job.data
            self.jobs[job.key] = {
                "job": job,
                "chapters": [None] * len(job.notebooks),
                "left": len(job.notebooks),
                "failed": False,
                "seconds": 0.0,
            }
            for index in range(len(job.notebooks)):
                self.push(self._CHAPTER, "chapter", (job.key, index))

    def _on_chapter(self, payload: tuple[tuple[str, int], int], outcome: ChapterOutcome) -> None:
        state = self.jobs[payload[0]]
        state["seconds"] += outcome.seconds
        if state["failed"]:
            return
        job = state["job"]
        if not outcome.ok:
            state["failed"] = True
            self._finish(ReportResult(job.county, job.year, "failed", state["seconds"], outcome.reason, job.data))
            return
        state["chapters"][outcome.index] = outcome
        state["left"] -= 1
        if state["left"] == 0:
            self.push(self._RENDER, "render", (job.key,))

    def _on_render(self, payload: tuple[tuple[str, int]], result: ReportResult) -> None:
        state = self.jobs[payload[0]]
        state["chapters"] = None  # free the HTML
        result.seconds += state["seconds"]
        self._finish(result)

    def _lost(self, kind: str, payload: Any, reason: str) -> None:
        if kind == "inspect":
            self._finish(ReportResult(Path(payload).name, None, "failed", 0.0, reason, payload))
            return
        state = self.jobs[payload[0]]
        if not state["failed"]:
            state["failed"] = True
            job = state["job"]
            self._finish(ReportResult(job.county, job.year, "failed", state["seconds"], reason, job.data))


# ---- stage 1: read the county, decide which reports to make --------------------------------
def inspect_county(data: str, years: list[int] | None, options: RunOptions) -> CountyPlan:
    """Load and validate one county's data; plan its reports (skipping those up to date)."""
    from eduwb.errors import DataError

    t0 = time.perf_counter()
    path = Path(data)
    label = path.stem if path.suffix else path.name
    try:
        files = data_files(path)
        data_key = _digest([f[2] for f in files] + [f[0] for f in files])
        ds = load_dataset(path, data_key, options.standard)
    except DataError as exc:
        reason = "invalid data:\n" + "\n".join(str(p) for p in exc.problems)
        return _failed_plan(data, label, years, reason, time.perf_counter() - t0)
    except (EduwbError, OSError) as exc:
        return _failed_plan(data, label, years, f"{type(exc).__name__}: {exc}", time.perf_counter() - t0)

    county = safe_name(ds.name)
    available = list(ds.years)
    wanted = years if years is not None else available
    results = [
        ReportResult(county, y, "no data", 0.0, f"the data have no year {y} (they have {_span(available)})", data)
        for y in wanted
        if y not in available
    ]
    todo = [y for y in wanted if y in available]
    if not todo:
        results = [ReportResult(county, None, "failed", time.perf_counter() - t0,
                                f"none of the years asked for ({_span(wanted)}) is in the data ({_span(available)})", data)]
        return CountyPlan(data, county, [], results)
    try:
        standard_used = options.standard or _county_standard(ds, path)
        from eduwb.standards import load_standard

        std = load_standard(standard_used)
    except EduwbError as exc:
        return _failed_plan(data, county, todo, f"{type(exc).__name__}: {exc}", time.perf_counter() - t0)

    base = {
        "data": [list(f) for f in files],
        "notebooks": [[spec.stem, spec.parameters, _file_digest(spec.path)] for spec in options.notebooks],
        "standard": _digest([json.dumps(std.raw, sort_keys=True, default=str)]),
        "standard_param": options.standard is not None,
        "lang": options.lang,
        "code": code_digest(),
        "source_date_epoch": options.source_date_epoch,
    }
    mtime = max(Path(data_root(path), name).stat().st_mtime for name, _s, _h in files)
    jobs = []
    for year in todo:
        fingerprint = _digest([json.dumps({**base, "year": year}, sort_keys=True)])
        job = ReportJob(
            data=data,
            county=county,
            year=year,
            out_dir=str(Path(options.out) / county / str(year)),
            lang=options.lang,
            standard=options.standard,
            standard_used=str(standard_used),
            notebooks=options.notebooks,
            data_files=tuple(files),
            data_key=data_key,
            data_mtime=mtime,
            fingerprint=fingerprint,
            source_date_epoch=options.source_date_epoch,
        )
        if not options.force and is_up_to_date(job):
            results.append(ReportResult(county, year, "up-to-date", 0.0, str(job.report_path), data, [str(job.report_path)]))
            continue
        remove_stale_temporaries(Path(job.out_dir))
        jobs.append(job)
    return CountyPlan(data, county, jobs, results)


def _failed_plan(data: str, county: str, years: list[int] | None, reason: str, seconds: float) -> CountyPlan:
    results = [ReportResult(county, y, "failed", seconds, reason, data) for y in (years or [None])]
    return CountyPlan(data, county, [], results)


def _county_standard(ds: Any, data_path: Path) -> str:
    ref = getattr(ds.settings, "standard", None) or "moe-2017"
    from eduwb.standards import BUILTIN

    if ref in BUILTIN or Path(ref).is_absolute():
        return ref
    base = data_path if data_path.is_dir() else data_path.parent
    return str((base / ref).resolve())


def _span(years: list[int]) -> str:
    if not years:
        return "none"
    ys = sorted(years)
    return f"{ys[0]}–{ys[-1]}" if len(ys) > 1 else str(ys[0])


def safe_name(name: str) -> str:
    """A county name usable as a folder and file name on every system."""
    cleaned = re.sub(r'[\\/:*?"<>|\x00-\x1f]+', "_", str(name)).strip(" .")
    return cleaned or "county"


def data_files(path: Path) -> list[tuple[str, int, str]]:
    """(name, size in bytes, sha256) of every file of a dataset, names relative to :func:`data_root`.

    A folder's files (hidden ones excepted), or a workbook and the ``<stem>.toml`` beside it.
    """
    if path.is_file():
        files = [path] + [p for p in [path.with_suffix(".toml")] if p.is_file()]
    elif path.is_dir():
        files = [
            f for f in sorted(path.rglob("*"))
            if f.is_file() and not any(part.startswith(".") for part in f.relative_to(path).parts)
        ]
    else:
        raise FileNotFoundError(f"{path}: no such folder or workbook")
    root = data_root(path)
    return [(f.relative_to(root).as_posix(), f.stat().st_size, _file_digest(f)) for f in files]


def data_root(path: Path) -> Path:
    """The folder the names of :func:`data_files` are relative to."""
    return path if path.is_dir() else path.parent


def _file_digest(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _digest(parts: list[str]) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(part.encode("utf-8"))
        h.update(b"\0")
    return h.hexdigest()


@functools.cache
def code_digest() -> str:
    """A digest of eduwb's code, standards and templates: a changed analysis means a new report."""
    files = sorted(p for p in PACKAGE_DIR.rglob("*") if p.is_file() and p.suffix in (".py", ".toml", ".css", ".j2", ".json"))
    return _digest([f"{p.relative_to(PACKAGE_DIR).as_posix()}:{_file_digest(p)}" for p in files])


_DATASETS: dict[str, Any] = {}
_DATASETS_LOCK = threading.Lock()


def load_dataset(path: Path, data_key: str, standard: str | None = None) -> Any:
    """``eduwb.data.dataset.load`` with a small per-process cache (a worker often gets the same county again)."""
    from eduwb.data.dataset import load

    key = f"{path}\0{data_key}\0{standard}"
    with _DATASETS_LOCK:
        if key in _DATASETS:
            return _DATASETS[key]
    ds = load(path, standard=standard)
    with _DATASETS_LOCK:
        while len(_DATASETS) >= 2:
            _DATASETS.pop(next(iter(_DATASETS)))
        _DATASETS[key] = ds
    return ds


def is_up_to_date(job: ReportJob) -> bool:
    """True when the report and its workbook exist and were made from the same inputs."""
    try:
        meta = json.loads((Path(job.out_dir) / SIDECAR).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return (
        meta.get("status") == "ok"
        and meta.get("fingerprint") == job.fingerprint
        and job.report_path.is_file()
        and job.tables_path.is_file()
    )


def remove_stale_temporaries(out_dir: Path) -> None:
    """Delete temporary files an interrupted run left behind (never a file at a final path)."""
    for folder in (out_dir, out_dir / "notebooks"):
        if folder.is_dir():
            for tmp in folder.glob(f".*{_TMP_MARK}*"):
                with contextlib.suppress(OSError):
                    tmp.unlink()


@contextlib.contextmanager
def atomic_path(final: Path):
    """Yield a temporary path next to ``final``; rename it to ``final`` only if the block succeeds."""
    final.parent.mkdir(parents=True, exist_ok=True)
    # Hidden, in the same folder (so the rename is atomic), same suffix (tools check it).
    tmp = final.with_name(f".{final.stem}{_TMP_MARK}{os.getpid()}-{threading.get_ident()}{final.suffix}")
    try:
        yield tmp
        os.replace(tmp, final)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


@contextlib.contextmanager
def _few_collections():
    """Fewer garbage collections while a piece runs.

    Layout and plotting allocate millions of short-lived objects; with Python's default
    thresholds the cyclic collector runs thousands of times (≈ 15 % of a report's time).
    Reference counting still frees almost everything at once.
    """
    import gc

    saved = gc.get_threshold()
    gc.set_threshold(50_000, 20, 100)
    try:
        yield
    finally:
        gc.set_threshold(*saved)


# ---- stage 2: one notebook ------------------------------------------------------------------
def execute_chapter(job: ReportJob, index: int) -> ChapterOutcome:
    """Execute one notebook of a report and convert it into a chapter (see :func:`_execute_chapter`)."""
    with _few_collections():
        return _execute_chapter(job, index)


def _execute_chapter(job: ReportJob, index: int) -> ChapterOutcome:
    """Execute one notebook of a report and convert it into a chapter.

    The executed notebook is kept in ``<out>/<county>/<year>/notebooks/`` whether it
    succeeded or not.  Never raises for a notebook's own failure: the outcome says why.
    """
    t0 = time.perf_counter()
    spec = job.notebooks[index]
    final = job.notebooks_dir / f"{spec.stem}.ipynb"
    engine = None
    try:
        import papermill
        from papermill.exceptions import PapermillExecutionError

        failure = None
        with atomic_path(final) as tmp, _engine() as engine:
            try:
                nb = papermill.execute_notebook(
                    spec.path,
                    str(tmp),
                    parameters=job.parameters_for(spec),
                    engine_name=engine,
                    kernel_name="python3",
                    progress_bar=False,
                    request_save_on_cell_execute=False,
                )
            except PapermillExecutionError as exc:
                # papermill saved the failing notebook at tmp: it is renamed into place for the analyst.
                failure = exc
        if failure is not None:
            reason = _execution_reason(spec, failure, final)
            return ChapterOutcome(index, False, time.perf_counter() - t0, reason=reason, engine=engine or "kernel")
        from eduwb.report import layout as pdf

        chapter = pdf.chapter_from_notebook(nb, fallback_title=spec.stem, chapter_id=f"ch{index + 1}", lang=job.lang)
    except Exception as exc:  # noqa: BLE001 -- anything else fails this report, not the batch
        return ChapterOutcome(index, False, time.perf_counter() - t0, reason=f"{spec.stem}: {type(exc).__name__}: {exc}")
    return ChapterOutcome(
        index, True, time.perf_counter() - t0, title=chapter.title, html=chapter.html, tables=chapter.tables,
        engine=engine or "kernel",
    )


def _execution_reason(spec: NotebookSpec, exc: Any, kept: Path) -> str:
    evalue = str(getattr(exc, "evalue", "") or "").strip()
    lines = [line for line in evalue.splitlines() if line.strip()][:6]
    cell = getattr(exc, "exec_count", None)
    head = f"{spec.stem}.ipynb failed in cell [{cell}]: {getattr(exc, 'ename', 'Error')}"
    body = ("\n  " + "\n  ".join(lines)) if lines else ""
    return f"{head}{body}\n  executed notebook kept: {kept}"


# ---- stage 3: the PDF and the workbook ------------------------------------------------------
def render_report(job: ReportJob, chapters: list[ChapterOutcome]) -> ReportResult:
    """Lay the chapters out as the report PDF, write the tables workbook and the sidecar."""
    with _few_collections():
        return _render_report(job, chapters)


def _render_report(job: ReportJob, chapters: list[ChapterOutcome]) -> ReportResult:
    t0 = time.perf_counter()
    try:
        from eduwb.report import layout as pdf

        ds = load_dataset(Path(job.data), job.data_key, job.standard)
        from eduwb.standards import load_standard

        std = load_standard(job.standard_used)
        verdict = county_verdict(ds, std, job.year)
        context = _report_context(job, ds, std, verdict, chapters)
        html = pdf.report_html(context)
        with atomic_path(job.report_path) as tmp:
            pages = pdf.write_pdf(html, tmp, base_url=str(job.out_dir))
        tables = [table for chapter in chapters for table in chapter.tables]
        with atomic_path(job.tables_path) as tmp:
            write_tables_xlsx(tables, tmp, lang=job.lang, created=_created(job))
        sidecar = {
            "status": "ok",
            "fingerprint": job.fingerprint,
            "county": job.county,
            "year": job.year,
            "data": job.data,
            "report": job.report_path.name,
            "tables": job.tables_path.name,
            "pages": pages,
            "chapters": [c.title for c in chapters],
            "table_count": len(tables),
            "notebook_seconds": {job.notebooks[c.index].stem: round(c.seconds, 2) for c in chapters},
            "engines": sorted({c.engine for c in chapters}),
            "layout_seconds": round(time.perf_counter() - t0, 2),
        }
        with atomic_path(Path(job.out_dir) / SIDECAR) as tmp:
            tmp.write_text(json.dumps(sidecar, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    except Exception as exc:  # noqa: BLE001 -- fails this report, not the batch
        return ReportResult(job.county, job.year, "failed", time.perf_counter() - t0, f"layout: {type(exc).__name__}: {exc}", job.data)
    note = f"  ({verdict['note']})" if verdict.get("note") else ""
    return ReportResult(
        job.county, job.year, "ok", time.perf_counter() - t0, f"{job.report_path}{note}", job.data,
        [str(job.report_path), str(job.tables_path)],
    )


def county_verdict(ds: Any, std: Any, year: int) -> dict[str, Any]:
    """The county's verdict for the cover, from :func:`eduwb.analysis.scorecard.county_verdict`.

    ``{"passed": bool | None, "summary_zh": str, "summary_en": str, "failing": [ids]}``;
    ``passed`` is None (and ``note`` says why) when this installation has no scorecard.
    An error inside the scorecard fails the report.
    """
    try:
        from eduwb.analysis.scorecard import county_verdict as verdict_fn
    except ImportError as exc:
        note = f"no verdict: eduwb.analysis.scorecard.county_verdict is not available ({exc})"
        return {"passed": None, "summary_zh": "", "summary_en": "", "failing": [], "note": note}
    return dict(verdict_fn(ds, std, year))


def _created(job: ReportJob) -> datetime:
    """When the report was made: ``SOURCE_DATE_EPOCH`` (UTC) or now, in local time.

    Local, not UTC: a report made at 07:00 in Beijing is dated that day, not the day before.
    """
    if job.source_date_epoch is not None:
        return datetime.fromtimestamp(job.source_date_epoch, UTC)
    return datetime.now().astimezone().replace(microsecond=0)


def _report_context(job: ReportJob, ds: Any, std: Any, verdict: dict[str, Any], chapters: list[ChapterOutcome]) -> dict[str, Any]:
    import pandas

    from eduwb.report import layout as pdf

    text = _TEXT[job.lang]
    created = _created(job)
    data_date = created if job.source_date_epoch is not None else datetime.fromtimestamp(job.data_mtime).astimezone()
    version = eduwb_version()
    passed = verdict.get("passed")
    summary = verdict.get("summary_zh" if job.lang == "zh" else "summary_en") or ""
    if passed is None:
        state = "unknown"
    elif passed:
        state = "passed"
    else:
        state = "incomplete" if verdict.get("verdict") == "incomplete" else "failed"
    label = text[state]
    css_class = "failed" if state == "failed" else state if state == "passed" else "unknown"
    lists = [(text["failing"], _id_list(verdict.get("failing"), job.lang)),
             (text["missing"], _id_list(verdict.get("missing"), job.lang))]
    standard_name = std.name(job.lang) if callable(getattr(std, "name", None)) else str(std.id)
    cover = [
        (text["standard"], standard_name),
        (text["school_year"], text["school_year_value"].format(year=job.year, next=job.year + 1)),
        (text["data_date"], text["date_fmt"].format(d=data_date)),
        (text["generated"], text["date_fmt"].format(d=created)),
    ]
    appendix = [
        {
            "title": text["sec_data"],
            "header": None,
            "mono": (),
            "rows": [(text["county"], ds.name), (text["path"], job.data)],
        },
        {
            "title": text["sec_data"] + " — SHA-256",
            "header": [text["file"], text["bytes"], text["sha256"]],
            "mono": (2,),
            "rows": [(name, f"{size:,}", sha) for name, size, sha in job.data_files],
        },
        {
            "title": text["sec_standard"],
            "header": None,
            "mono": (),
            "rows": [
                (text["standard_id"], std.id),
                (text["standard_name"], standard_name),
                (text["standard_source"], _display_source(std.source)),
            ],
        },
        {
            "title": text["sec_parameters"],
            "header": [text["chapter"], text["notebook"], text["parameters"]],
            "mono": (),
            "rows": [
                (
                    chapter.title,
                    Path(job.notebooks[chapter.index].path).name,
                    ", ".join(f"{k}={v!r}" for k, v in job.parameters_for(job.notebooks[chapter.index]).items()),
                )
                for chapter in chapters
            ],
        },
        {
            "title": text["sec_software"],
            "header": None,
            "mono": (),
            "rows": [
                ("eduwb", version),
                (text["python"], sys.version.split()[0]),
                ("pandas", pandas.__version__),
                (text["generated"], text["date_fmt"].format(d=created)),
            ],
        },
    ]
    return {
        "lang": job.lang,
        "text": text,
        "title": text["title"].format(county=ds.name, year=job.year),
        "county": ds.name,
        "year": job.year,
        "cover": cover,
        "verdict": {"label": label, "css_class": css_class, "summary": summary, "lists": [(k, v) for k, v in lists if v]},
        "chapters": [pdf.Chapter(title=c.title, html=c.html) for c in chapters],
        "appendix": appendix,
        "created_iso": created.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "eduwb_version": version,
    }


def _id_list(ids: Any, lang: str, limit: int = 24) -> list[str]:
    """Indicator ids for the cover, cut short so that the cover stays one page."""
    ids = [str(i) for i in ids or []]
    if len(ids) <= limit:
        return ids
    more = len(ids) - limit
    return ids[:limit] + [f"等 {len(ids)} 项" if lang == "zh" else f"and {more} more"]


def _display_source(source: str) -> str:
    path = Path(source)
    if path.is_relative_to(PACKAGE_DIR):
        return f"eduwb/{path.relative_to(PACKAGE_DIR).as_posix()}"
    return str(path)


@functools.cache
def eduwb_version() -> str:
    try:
        from importlib.metadata import version

        return version("eduwb")
    except Exception:  # noqa: BLE001 -- a source checkout without metadata
        return "unknown"


# ---- the workbook ---------------------------------------------------------------------------
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def sheet_name(title: str, used: set[str]) -> str:
    """An Excel sheet name from a table title: ≤ 31 characters, legal, unique (case-insensitive)."""
    base = _SHEET_FORBIDDEN.sub("_", str(title)).strip().strip("'") or "table"
    if base.lower() == "history":
        base = "history_"
    name = base[:31]
    n = 1
    while name.lower() in used:
        n += 1
        suffix = f" ({n})"
        name = base[: 31 - len(suffix)] + suffix
    used.add(name.lower())
    return name


def write_tables_xlsx(tables: list[dict[str, Any]], target: str | os.PathLike[str], *, lang: str = "zh",
                      created: datetime | None = None) -> None:
    """Write each table to its own sheet, after an index sheet; headers as displayed.

    ``tables`` are the payloads of ``eduwb.present.show_table`` (``name``, ``title``,
    ``columns``, ``data``), each with the ``chapter`` it appeared in.  With ``created``
    given, the file's dates are that moment, so the same tables give the same bytes.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    text = _TEXT[lang]
    wb = Workbook()
    index = wb.active
    index.title = text["sheet_index"]
    used = {index.title.lower()}
    header_font = Font(bold=True)
    header_fill = PatternFill("solid", fgColor="EEF2F7")
    index.append(text["index_header"])
    for i, table in enumerate(tables, start=1):
        title = str(table.get("title") or table.get("name") or f"table {i}")
        name = sheet_name(title, used)
        ws = wb.create_sheet(name)
        columns = [str(c) for c in table.get("columns", [])]
        ws.append(columns)
        for row in table.get("data", []):
            ws.append([_excel_value(v) for v in row])
        for cell in ws[1]:
            cell.font = header_font
            cell.fill = header_fill
            cell.alignment = Alignment(wrap_text=True, vertical="bottom")
        ws.freeze_panes = "A2"
        for col, header in enumerate(columns, start=1):
            sample = [header] + [r[col - 1] for r in table.get("data", [])[:200] if len(r) >= col]
            width = max(_display_width(v) for v in sample)
            ws.column_dimensions[get_column_letter(col)].width = min(60, max(8, width + 2))
        index.append([i, name, title, str(table.get("chapter", ""))])
        link = index.cell(row=index.max_row, column=2)
        link.hyperlink = f"#'{name}'!A1"
        link.style = "Hyperlink"
    for cell in index[1]:
        cell.font = header_font
        cell.fill = header_fill
    for col, width in zip("ABCD", (6, 34, 50, 40), strict=True):
        index.column_dimensions[col].width = width
    index.freeze_panes = "A2"
    when = (created or datetime.now(UTC)).astimezone(UTC).replace(tzinfo=None)  # xlsx dates are UTC
    wb.properties.creator = f"eduwb {eduwb_version()}"
    wb.properties.created = when
    wb.properties.modified = when
    wb.properties.lastModifiedBy = "eduwb"
    buffer = io.BytesIO()
    wb.save(buffer)
    _write_zip_with_dates(buffer.getvalue(), target, when if created is not None else None)


def _excel_value(value: Any) -> Any:
    if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
        return None
    if isinstance(value, str) and value.startswith("="):
        return "'" + value  # text, never a formula
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return value


def _display_width(value: Any) -> int:
    text = "" if value is None else str(value)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _write_zip_with_dates(content: bytes, target: str | os.PathLike[str], when: datetime | None) -> None:
    # openpyxl stamps every zip member with the current time; restamp them for reproducibility.
    Path(target).write_bytes(content if when is None else restamp_zip(content, when))


# ---- the summary ----------------------------------------------------------------------------
def print_summary(results: list[ReportResult], file: Any = None) -> None:
    """Print one line per report (county, year, status, seconds, output or reason), then the full reasons."""
    file = file or sys.stdout
    header = ("county", "year", "status", "seconds", "output / reason")
    rows = [
        (r.county, "" if r.year is None else str(r.year), r.status, f"{r.seconds:.1f}",
         (r.detail.splitlines() or [""])[0] + (" …" if len(r.detail.splitlines()) > 1 else ""))
        for r in results
    ]
    widths = [max(_display_width(x) for x in col) for col in zip(header, *rows, strict=False)]

    def line(cells: tuple[str, ...]) -> str:
        padded = [c + " " * (w - _display_width(c)) for c, w in zip(cells[:-1], widths[:-1], strict=True)]
        return "  ".join([*padded, cells[-1]]).rstrip()

    print(line(header), file=file)
    print("  ".join("-" * w for w in widths), file=file)
    for row in rows:
        print(line(row), file=file)
    failed = [r for r in results if r.failed]
    counts = {s: sum(r.status == s for r in results) for s in ("ok", "up-to-date", "no data", "failed")}
    print("\n" + ", ".join(f"{n} {s}" for s, n in counts.items() if n), file=file)
    for r in failed:
        if "\n" in r.detail:
            print(f"\n{r.county} {'' if r.year is None else r.year}:\n{r.detail}", file=file)


# ---- the in-process papermill engine ---------------------------------------------------------
_ENGINE_LOCK = threading.Lock()


@contextlib.contextmanager
def _engine():
    """Choose the papermill engine for one notebook execution.

    ``EDUWB_REPORT_ENGINE``: ``auto`` (default) uses this process's warm IPython shell when it
    is free and ours, else papermill's kernel engine; ``inprocess`` waits for the shell;
    ``kernel`` always starts a kernel.
    """
    choice = os.environ.get("EDUWB_REPORT_ENGINE", "auto")
    if choice not in ("auto", "inprocess", "kernel"):
        raise ParameterError(f"EDUWB_REPORT_ENGINE must be auto, inprocess or kernel, not {choice!r}")
    if choice == "kernel" or not _inprocess_possible():
        yield None
        return
    if not _ENGINE_LOCK.acquire(blocking=choice == "inprocess"):
        yield None  # another thread of this process is using the shell: run a kernel instead
        return
    try:
        _register_engine()
        yield ENGINE_NAME
    finally:
        _ENGINE_LOCK.release()


def _inprocess_possible() -> bool:
    try:
        from IPython.core.interactiveshell import InteractiveShell
    except ImportError:
        return False
    # Inside Jupyter or IPython the singleton shell is the user's: never execute into it.
    return not InteractiveShell.initialized() or type(InteractiveShell._instance).__name__ == "_ReportShell"


@functools.cache
def _register_engine() -> None:
    from papermill.engines import papermill_engines

    papermill_engines.register(ENGINE_NAME, _inprocess_engine_class())


@functools.cache
def _inprocess_engine_class() -> type:
    from papermill.engines import Engine

    class InProcessEngine(Engine):
        """Execute a notebook in this process's IPython shell, in a fresh namespace.

        Outputs (displays, results, streams, errors, inline figures) are recorded as a kernel
        would record them; modules imported by one notebook stay imported for the next.
        """

        @classmethod
        def execute_managed_notebook(cls, nb_man: Any, kernel_name: str, **kwargs: Any) -> None:
            shell = _report_shell()
            _fresh_state(shell)
            cwd = os.getcwd()
            count = 0
            try:
                for index, cell in enumerate(nb_man.nb.cells):
                    nb_man.cell_start(cell, index)
                    if cell.cell_type == "code":
                        cell.outputs = []
                        if cell.source.strip():
                            count += 1
                            cell.execution_count = count
                            if not shell.eduwb_run(cell.source, cell.outputs, count):
                                nb_man.cell_exception(cell, index)
                                nb_man.cell_complete(cell, index)
                                break
                    nb_man.cell_complete(cell, index)
            finally:
                os.chdir(cwd)
                plt = sys.modules.get("matplotlib.pyplot")
                if plt is not None:
                    plt.close("all")  # the namespace is cleared when the next notebook starts

    return InProcessEngine


_SHELL: Any = None


def _report_shell() -> Any:
    global _SHELL
    if _SHELL is None:
        _SHELL = _make_shell()
    return _SHELL


def _make_shell() -> Any:
    import nbformat
    from IPython.core.displayhook import DisplayHook
    from IPython.core.displaypub import DisplayPublisher
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config

    def clean(data: dict[str, Any]) -> dict[str, Any]:
        import base64

        return {k: (base64.b64encode(v).decode("ascii") if isinstance(v, bytes) else v) for k, v in data.items()}

    class _Publisher(DisplayPublisher):
        def publish(self, data, metadata=None, source=None, *, transient=None, update=False, **kwargs):  # noqa: ANN001
            self.shell.eduwb_add(nbformat.v4.new_output("display_data", data=clean(data), metadata=metadata or {}))

        def clear_output(self, wait=False):  # noqa: ANN001
            self.shell.eduwb_clear()

    class _DisplayHook(DisplayHook):
        def write_output_prompt(self) -> None:
            pass

        def write_format_data(self, format_dict, md_dict=None) -> None:  # noqa: ANN001
            self.shell.eduwb_add(
                nbformat.v4.new_output(
                    "execute_result", data=clean(format_dict), metadata=md_dict or {}, execution_count=self.shell.eduwb_count
                )
            )

        def finish_displayhook(self) -> None:
            self._is_active = False

    class _ReportShell(InteractiveShell):
        eduwb_outputs: list[Any] | None = None
        eduwb_count = 0

        def enable_gui(self, gui=None):  # noqa: ANN001 -- no GUI event loop in a report
            pass

        def _showtraceback(self, etype, evalue, stb):  # noqa: ANN001
            self.eduwb_add(
                nbformat.v4.new_output("error", ename=getattr(etype, "__name__", str(etype)), evalue=str(evalue), traceback=list(stb))
            )

        def eduwb_add(self, output: Any) -> None:
            if self.eduwb_outputs is not None:
                self.eduwb_outputs.append(output)

        def eduwb_clear(self) -> None:
            if self.eduwb_outputs is not None:
                self.eduwb_outputs.clear()

        def eduwb_run(self, source: str, outputs: list[Any], count: int) -> bool:
            self.eduwb_outputs, self.eduwb_count = outputs, count
            try:
                with _captured_streams(outputs):
                    result = self.run_cell(source, store_history=False, silent=False)
            finally:
                self.eduwb_outputs = None
            if not result.success and not any(o.output_type == "error" for o in outputs):
                exc = result.error_in_exec or result.error_before_exec
                outputs.append(nbformat.v4.new_output("error", ename=type(exc).__name__, evalue=str(exc), traceback=[]))
            return result.success

    config = Config()
    config.HistoryManager.enabled = False
    config.InteractiveShell.colors = "nocolor"
    config.InteractiveShell.xmode = "Plain"
    # No output cache (Out, _1, …): nothing keeps a notebook's results alive after it, and
    # reset() then has no cache to flush (which costs a full garbage collection).
    config.InteractiveShell.cache_size = 0
    main = sys.modules.get("__main__")
    shell = _ReportShell.instance(config=config, display_pub_class=_Publisher, displayhook_class=_DisplayHook)
    # IPython installs its namespace as sys.modules["__main__"]; the host program keeps its own.
    if main is not None:
        sys.modules["__main__"] = main
    with contextlib.redirect_stdout(io.StringIO()):
        shell.enable_matplotlib("inline")
    shell.eduwb_rc = _matplotlib_rc()
    return shell


def _matplotlib_rc() -> dict[str, Any] | None:
    mpl = sys.modules.get("matplotlib")
    return dict(mpl.rcParams) if mpl is not None else None


def _fresh_state(shell: Any) -> None:
    """What a new kernel would give the next notebook: empty namespace, no figures, default settings."""
    shell.reset(new_session=False)
    plt = sys.modules.get("matplotlib.pyplot")
    if plt is not None:
        plt.close("all")
    mpl = sys.modules.get("matplotlib")
    if mpl is not None and getattr(shell, "eduwb_rc", None) is not None:
        dict.update(mpl.rcParams, shell.eduwb_rc)
    pd = sys.modules.get("pandas")
    if pd is not None:
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            pd.reset_option("all")


class _RoutedStream(io.TextIOBase):
    """sys.stdout/sys.stderr while a cell runs: this thread's writes become notebook outputs."""

    def __init__(self, original: Any, name: str, outputs: list[Any], owner: int):
        self.original, self.name, self.outputs, self.owner = original, name, outputs, owner

    def write(self, text: str) -> int:
        if threading.get_ident() != self.owner:
            return self.original.write(text)
        if self.outputs and self.outputs[-1].get("output_type") == "stream" and self.outputs[-1].get("name") == self.name:
            self.outputs[-1]["text"] += text
        else:
            import nbformat

            self.outputs.append(nbformat.v4.new_output("stream", name=self.name, text=text))
        return len(text)

    def flush(self) -> None:
        with contextlib.suppress(Exception):
            self.original.flush()

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return "utf-8"

    def isatty(self) -> bool:
        return False


@contextlib.contextmanager
def _captured_streams(outputs: list[Any]):
    owner = threading.get_ident()
    saved = sys.stdout, sys.stderr
    sys.stdout = _RoutedStream(saved[0], "stdout", outputs, owner)
    sys.stderr = _RoutedStream(saved[1], "stderr", outputs, owner)
    try:
        yield
    finally:
        sys.stdout, sys.stderr = saved
