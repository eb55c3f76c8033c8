"""Where the pieces of a batch run: worker pools (local processes or Dask), the retrying scheduler,
executing one chapter and laying out one report."""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import heapq
import json
import multiprocessing
import os
import sys
import time
from pathlib import Path
from typing import Any

from eduwb._files import atomic_path
from eduwb._imports import skip_iri_grammar
from eduwb.errors import ParameterError
from eduwb.report.context import county_verdict, province_context, report_context, report_created
from eduwb.report.engine import ENGINE_LOCK, choose_engine, inprocess_possible, report_shell
from eduwb.report.jobs import (
    SIDECAR,
    ChapterOutcome,
    CountyPlan,
    NotebookSpec,
    ReportJob,
    ReportResult,
    RunOptions,
    inspect_county,
    plan_province,
)
from eduwb.report.workbook import write_tables_xlsx


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
    """Runs first in each worker process: one thread per process for numerical libraries and
    for Typst.

    The pool already uses every core; BLAS or OpenMP thread pools on top would oversubscribe
    them, and so would Typst's (rayon's, which reads RAYON_NUM_THREADS when it first starts,
    at the worker's first compilation: after this) (set the variables yourself to override).
    """
    for var in (
        "OMP_NUM_THREADS",
        "OPENBLAS_NUM_THREADS",
        "MKL_NUM_THREADS",
        "NUMEXPR_MAX_THREADS",
        "RAYON_NUM_THREADS",
    ):
        os.environ.setdefault(var, "1")
    skip_iri_grammar()


def warm_up() -> None:
    """Import the heavy machinery of a worker once (papermill, the IPython shell with matplotlib,
    nbconvert, Typst and its fonts, openpyxl, the dataset loader and the scorecard)."""
    with contextlib.suppress(Exception):
        import openpyxl  # noqa: F401
        import papermill  # noqa: F401

        import eduwb.analysis.scorecard  # noqa: F401
        import eduwb.data.dataset  # noqa: F401
        from eduwb.report import layout as pdf
        from eduwb.report import typeset

        pdf._exporter()
        if inprocess_possible():
            with ENGINE_LOCK:
                report_shell()
        typeset.warm_up()


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

    skip_iri_grammar()  # this process executes notebooks too with one worker
    if backend is None:
        backend = make_backend(
            workers, scheduler, len(data) * len(options.notebooks) * (len(years) if years else 1)
        )
    total = len(data) * len(years) if years else len(data)
    bar = tqdm(
        total=total,
        unit="report",
        desc="reports",
        file=sys.stderr,
        disable=None if progress is None else not progress,
    )
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
        self.inspected: dict[str, CountyPlan | None] = {}
        self.order: list[str] = []

    def push(self, priority: int, kind: str, payload: Any) -> None:
        self.seq += 1
        heapq.heappush(self.queue, (priority, self.seq, kind, payload))

    def run(self, data: list[str]) -> list[ReportResult]:
        for item in data:
            path = str(Path(item).resolve())
            if path not in self.order:
                self.order.append(path)
            self.push(self._INSPECT, "inspect", path)
        while self.queue or self.inflight:
            deferred = []
            while self.queue and len(self.inflight) < self.backend.slots:
                item = heapq.heappop(self.queue)
                _prio, _seq, kind, payload = item
                if kind != "inspect" and self.jobs[payload[0]]["failed"]:
                    continue  # another notebook of this report already failed
                if (kind, payload) in self.suspects and any(
                    k in self.suspects for k in self.inflight.values()
                ):
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
                        self._worker_died(
                            [(kind, payload)] + [self.inflight.pop(f) for f in list(self.inflight)]
                        )
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
                self._lost(
                    kind, payload, "a worker process died running it, twice (killed, or out of memory?)"
                )
                continue
            self.suspects.add((kind, payload))
            self.push(
                {"inspect": self._INSPECT, "chapter": self._CHAPTER, "render": self._RENDER}[kind],
                kind,
                payload,
            )

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
        self._add_jobs(plan.jobs, data)
        self._inspected(data, plan)

    def _inspected(self, data: str, plan: CountyPlan | None) -> None:
        """Once every county has been read, the province reports (``--province``) are planned."""
        self.inspected[data] = plan
        if not self.options.province or len(self.inspected) < len(self.order):
            return
        plans = [self.inspected[d] or CountyPlan(d, Path(d).name, [], []) for d in self.order]
        jobs, results = plan_province(plans, self.years, self.options)
        self.bar.total += len(jobs) + len(results)
        self.bar.refresh()
        for result in results:
            self._finish(result)
        self._add_jobs(jobs, ", ".join(self.order))

    def _add_jobs(self, jobs: list[Any], data: str) -> None:
        for job in jobs:
            other = self.claimed.get(job.key)
            if other is not None:
                self._finish(
                    ReportResult(
                        job.county,
                        job.year,
                        "failed",
                        0.0,
                        f"county name {job.county!r} is also the name of {other}; "
                        "give one of them another name in county.toml",
                        data,
                    )
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
            self._finish(
                ReportResult(job.county, job.year, "failed", state["seconds"], outcome.reason, _data(job))
            )
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
            self._inspected(
                payload,
                CountyPlan(
                    payload,
                    Path(payload).name,
                    [],
                    [ReportResult(Path(payload).name, None, "failed", 0.0, reason, payload)],
                ),
            )
            return
        state = self.jobs[payload[0]]
        if not state["failed"]:
            state["failed"] = True
            job = state["job"]
            self._finish(ReportResult(job.county, job.year, "failed", state["seconds"], reason, _data(job)))


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
        with atomic_path(final) as tmp, choose_engine() as engine:
            try:
                nb = papermill.execute_notebook(
                    _literal_path(spec.path),
                    _literal_path(tmp),
                    parameters=job.parameters_for(spec),
                    engine_name=engine,
                    kernel_name="python3",
                    progress_bar=False,
                    request_save_on_cell_execute=False,
                )
            except PapermillExecutionError as exc:
                # papermill saved the failing notebook at tmp: it is renamed into place for the analyst.
                failure = exc
                import nbformat

                nb = nbformat.read(str(tmp), as_version=4)
            # the kept notebook names the data as the report does: no absolute path of this machine
            nb = without_machine_paths(nb, job, spec, final)
            import nbformat

            nbformat.write(nb, str(tmp))
        if failure is not None:
            reason = _execution_reason(spec, failure, final)
            return ChapterOutcome(
                index, False, time.perf_counter() - t0, reason=reason, engine=engine or "kernel"
            )
        from eduwb.report import layout as pdf

        chapter = pdf.chapter_from_notebook(
            nb, fallback_title=spec.stem, chapter_id=f"ch{index + 1}", lang=job.lang
        )
    except Exception as exc:  # noqa: BLE001 -- anything else fails this report, not the batch
        return ChapterOutcome(
            index, False, time.perf_counter() - t0, reason=f"{spec.stem}: {type(exc).__name__}: {exc}"
        )
    return ChapterOutcome(
        index,
        True,
        time.perf_counter() - t0,
        title=chapter.title,
        html=chapter.html,
        tables=chapter.tables,
        engine=engine or "kernel",
    )


def without_machine_paths(nb: Any, job: ReportJob, spec: NotebookSpec, final: Path) -> Any:
    """An executed notebook with the machine's absolute paths replaced by how the report shows them.

    The data (and a standard file given with ``--standard``) appear relative to the working
    folder, or as their name and checksum (:func:`eduwb.report.jobs.shown_path`); papermill's
    record of its input and output paths becomes the notebook's name and its place in the
    report folder.
    """
    import nbformat

    meta = nb.metadata.get("papermill")
    if meta is not None:
        meta["input_path"] = Path(spec.path).name
        meta["output_path"] = f"notebooks/{final.name}"
        if "parameters" in meta:
            meta["parameters"] = job.shown_parameters_for(spec)
    text = json.dumps(nb, ensure_ascii=False)
    for absolute, shown in job.path_replacements():
        # as written, and as papermill writes a parameter ("\\u8fb9…" for non-ASCII characters)
        for old, new in ((absolute, shown), (json.dumps(absolute)[1:-1], json.dumps(shown)[1:-1])):
            text = text.replace(
                json.dumps(old, ensure_ascii=False)[1:-1], json.dumps(new, ensure_ascii=False)[1:-1]
            )
    return nbformat.from_dict(json.loads(text))


def _literal_path(path: str | Path) -> str:
    """A path papermill uses as written: it formats paths with the parameters (``str.format``),
    so a brace in a folder name would pick a parameter or fail ("Missing parameter")."""
    return str(path).replace("{", "{{").replace("}", "}}")


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
        from eduwb.data.dataset import load
        from eduwb.report import typeset

        if getattr(job, "scope", "county") == "province":
            verdict = {}
            context = province_context(job, chapters)
        else:
            ds = load(Path(job.data), standard=job.standard)  # reused while its files are unchanged
            from eduwb.standards import load_standard

            std = load_standard(job.standard_used)
            verdict = county_verdict(ds, std, job.year)
            context = report_context(job, ds, std, verdict, chapters)
        with atomic_path(job.report_path) as tmp:
            pages = typeset.write_pdf(context, tmp)
        tables = [table for chapter in chapters for table in chapter.tables]
        with atomic_path(job.tables_path) as tmp:
            write_tables_xlsx(tables, tmp, lang=job.lang, created=report_created(job))
        sidecar = {
            "status": "ok",
            "fingerprint": job.fingerprint,
            "county": job.county,
            "year": job.year,
            "data": getattr(job, "data_shown", "") or job.data,
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
        return ReportResult(
            job.county,
            job.year,
            "failed",
            time.perf_counter() - t0,
            f"layout: {type(exc).__name__}: {exc}",
            _data(job),
        )
    note = f"  ({verdict['note']})" if verdict.get("note") else ""
    return ReportResult(
        job.county,
        job.year,
        "ok",
        time.perf_counter() - t0,
        f"{job.report_path}{note}",
        _data(job),
        [str(job.report_path), str(job.tables_path)],
    )


def _data(job: Any) -> str:
    """What a result names as its data: the county's path, or the province's counties."""
    return ", ".join(job.data) if isinstance(job.data, tuple) else job.data
