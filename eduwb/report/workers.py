"""Where the pieces of a batch run (a process pool, a Dask cluster or this process), the order
they run in, executing one chapter and laying out one report."""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import heapq
import itertools
import multiprocessing
import os
import signal
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eduwb._imports import skip_iri_grammar
from eduwb.errors import ParameterError
from eduwb.report.context import render_report
from eduwb.report.engine import execute_chapter, warm_up
from eduwb.report.jobs import (
    ChapterOutcome,
    CountyPlan,
    ReportJob,
    ReportResult,
    RunOptions,
    inspect_county,
    plan_province,
)

#: prctl's option that has the kernel send a signal to a process when its parent dies (Linux)
PR_SET_PDEATHSIG = 1


# ---- where the pieces run: a standard executor ------------------------------------------------
class Workers:
    """Where a run's pieces go: a ``concurrent.futures`` executor and how many pieces run at once.

    A process pool on this machine (its workers die with this process), a Dask cluster
    (``--scheduler ADDRESS``: Dask reschedules what a lost worker held), or this process
    (``executor`` None: each piece runs as it is submitted). ``pieces`` (the notebooks to
    execute) caps the pool: more processes only cost start-up.
    """

    def __init__(self, workers: int | None = None, scheduler: str | None = None, pieces: int | None = None):
        if workers is not None and workers < 1:
            raise ParameterError(f"--workers must be at least 1, not {workers}")
        self.client, self.processes, self.executor = None, set(), None
        if scheduler:
            from dask.distributed import Client

            self.client = Client(scheduler)
            self.slots = max(1, sum(self.client.nthreads().values()))
            self.executor = self.client.get_executor(pure=False)
        else:
            self.slots = min(workers or os.cpu_count() or 1, pieces or sys.maxsize)
            if self.slots > 1:
                self.executor = self._pool()

    def _pool(self) -> cf.ProcessPoolExecutor:
        before = set(multiprocessing.active_children())
        context = multiprocessing.get_context("spawn")
        pool = cf.ProcessPoolExecutor(self.slots, context, _worker_init, (os.getpid(),))
        # Start every worker now and let it import what notebooks and layout need while the
        # first county is being read, instead of on the critical path of its first piece.
        for _ in range(self.slots):
            pool.submit(warm_up)
        self.processes |= set(multiprocessing.active_children()) - before
        return pool

    def submit(self, fn: Any, *args: Any) -> cf.Future:
        future: cf.Future = cf.Future()
        try:
            if self.executor is not None:
                return self.executor.submit(fn, *args)
            future.set_result(fn(*args))
        except Exception as exc:  # noqa: BLE001 -- e.g. a pool that broke since: the piece is lost
            future.set_exception(exc)
        return future

    def restart(self) -> None:
        """A new pool after a worker process died (which breaks a process pool)."""
        self.executor.shutdown(wait=False)
        self.executor = self._pool()

    def close(self) -> None:
        """Stop the workers now: when the batch is done they are idle, and ending them skips each
        interpreter's slow teardown (≈ 1 s of a 2-worker run's wall time); when it was interrupted,
        the next run removes their temporary files."""
        for process in self.processes:
            with contextlib.suppress(Exception):
                process.terminate()
        if self.executor is not None:
            self.executor.shutdown(wait=False)
        if self.client is not None:
            self.client.close()


def _worker_init(parent: int | None = None) -> None:
    """Runs first in each worker process: it dies with its parent, and uses one thread for
    numerical libraries and for Typst.

    ``kill -9`` of ``eduwb report`` leaves no worker behind: Linux's parent-death signal (which
    follows the thread that started the process: the pools are made on the command's own
    thread), elsewhere a thread that watches the parent. The pool already uses every core:
    BLAS, OpenMP or Typst's rayon thread pools on top would oversubscribe them.
    """
    if parent is not None:
        if sys.platform.startswith("linux"):
            import ctypes

            ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)  # the C library's, already loaded
        else:

            def watch() -> None:
                while os.getppid() == parent:
                    time.sleep(1)
                os.kill(os.getpid(), signal.SIGKILL)

            threading.Thread(target=watch, daemon=True, name="eduwb-parent-watch").start()
        if os.getppid() != parent:  # the parent died before the signal was asked for
            os.kill(os.getpid(), signal.SIGKILL)
    for var in ("OMP", "OPENBLAS", "MKL", "RAYON"):
        os.environ.setdefault(f"{var}_NUM_THREADS", "1")
    os.environ.setdefault("NUMEXPR_MAX_THREADS", "1")
    skip_iri_grammar()


# ---- the order pieces run in ---------------------------------------------------------------
def run_reports(
    data: list[str],
    *,
    years: list[int] | None,
    options: RunOptions,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: bool | None = None,
    pool: Workers | None = None,
) -> list[ReportResult]:
    """Produce every county × year report; return one result per report, sorted by county and year.

    ``progress`` None: a progress bar on stderr when it is a terminal. ``pool`` is closed when done.
    """
    from tqdm.auto import tqdm

    skip_iri_grammar()  # this process executes notebooks too with one worker
    if pool is None:
        pool = Workers(workers, scheduler, len(data) * len(options.notebooks) * len(years or [0]))
    disable = None if progress is None else not progress
    bar = tqdm(
        total=len(data) * len(years or [0]), unit="report", desc="reports", file=sys.stderr, disable=disable
    )
    try:
        return _Run(pool, options, years, bar).run(data)
    finally:
        bar.close()
        pool.close()


@dataclass
class _Report:
    """A report under way: its job, its chapters as they come back, and how it is going."""

    job: ReportJob
    chapters: list[ChapterOutcome] = field(default_factory=list)
    failed: bool = False
    seconds: float = 0.0


#: The order pieces wait in: layouts first, then notebooks, then county readings, so reports
#: complete one after another and memory stays bounded however many counties a province runs.
PRIORITY = {"render": 0, "chapter": 1, "inspect": 2}


class _Run:
    """One batch: each county is read (``inspect``), each notebook of each report executed
    (``chapter``) and each report laid out (``render``), at most ``pool.slots`` pieces at a time.

    A worker that dies breaks the pool: a new one takes over, and what was in flight runs again,
    each of those pieces alone; one that kills its worker again fails its report. A piece that
    fails any other way fails its report only: the batch goes on and the summary says why.
    """

    def __init__(self, pool: Workers, options: RunOptions, years: list[int] | None, bar: Any):
        self.pool, self.options, self.years, self.bar = pool, options, years, bar
        self.queue: list[tuple[int, int, tuple]] = []  # (priority, order of arrival, piece)
        self.seq = itertools.count()
        self.inflight: dict[cf.Future, tuple] = {}
        self.suspects: set[tuple] = set()  # lost once with a dead worker: they run alone
        self.reports: dict[tuple[str, int], _Report] = {}
        self.results: list[ReportResult] = []
        self.plans: dict[str, CountyPlan | None] = {}  # every county in the order given, once read

    def push(self, *piece: Any) -> None:
        heapq.heappush(self.queue, (PRIORITY[piece[0]], next(self.seq), piece))

    def run(self, data: list[str]) -> list[ReportResult]:
        for path in dict.fromkeys(str(Path(item).resolve()) for item in data):
            self.plans[path] = None
            self.push("inspect", path)
        while self.queue or self.inflight:
            self._fill()
            done, _ = cf.wait(list(self.inflight), return_when=cf.FIRST_COMPLETED)
            for future in done:
                piece = self.inflight.pop(future, None)
                if piece is None:
                    continue  # lost with its pool, already handled
                try:
                    value = future.result()
                except cf.process.BrokenProcessPool:
                    self._worker_died(piece)
                except Exception as exc:  # noqa: BLE001 -- e.g. Dask lost the piece's workers: fail its report
                    self._failed(piece, f"worker failed: {type(exc).__name__}: {exc}")
                else:
                    self.suspects.discard(piece)
                    getattr(self, f"_on_{piece[0]}")(piece, value)
        return sorted(self.results, key=lambda r: (r.county, r.year or 0, r.data))

    def _fill(self) -> None:
        while self.queue and len(self.inflight) < self.pool.slots:
            kind, key, *index = piece = self.queue[0][2]
            if self.suspects & set(self.inflight.values()) or (piece in self.suspects and self.inflight):
                return  # a suspect runs alone
            heapq.heappop(self.queue)
            if kind == "inspect":
                call = (inspect_county, key, self.years, self.options)
            elif self.reports[key].failed:
                continue  # another notebook of this report already failed
            elif kind == "chapter":
                call = (execute_chapter, self.reports[key].job, *index)
            else:
                call = (render_report, self.reports[key].job, self.reports[key].chapters)
            self.inflight[self.pool.submit(*call)] = piece

    def _worker_died(self, piece: tuple) -> None:
        lost = [piece, *self.inflight.values()]
        self.inflight.clear()
        self.pool.restart()
        for each in lost:
            if each in self.suspects and len(lost) == 1:  # it ran alone: it is what kills workers
                self._failed(each, "a worker process died running it, twice (killed, or out of memory?)")
            else:
                self.suspects.add(each)
                self.push(*each)

    def _finish(self, result: ReportResult) -> None:
        self.results.append(result)
        self.bar.set_postfix_str(f"{result.county} {result.year or ''} {result.status}", refresh=False)
        self.bar.update(1)

    def _on_inspect(self, piece: tuple, plan: CountyPlan) -> None:
        """A county read: its results, its jobs; once every county is read, the province reports."""
        if self.years is None:  # years were unknown until the county was read: one placeholder becomes n
            self.bar.total += len(plan.jobs) + len(plan.results) - 1
        for result in plan.results:
            self._finish(result)
        self._add_jobs(plan.jobs, piece[1])
        self.plans[piece[1]] = plan
        if self.options.province and None not in self.plans.values():
            jobs, results = plan_province(list(self.plans.values()), self.years, self.options)
            self.bar.total += len(jobs) + len(results)
            for result in results:
                self._finish(result)
            self._add_jobs(jobs, ", ".join(self.plans))
        self.bar.refresh()

    def _add_jobs(self, jobs: list[ReportJob], data: str) -> None:
        for job in jobs:
            if job.key in self.reports:
                other = self.reports[job.key].job.data
                reason = (
                    f"county name {job.county!r} is also the name of {other}; "
                    "give one of them another name in county.toml"
                )
                self._finish(ReportResult(job.county, job.year, "failed", 0.0, reason, data))
                continue
            self.reports[job.key] = _Report(job)
            for index in range(len(job.notebooks)):
                self.push("chapter", job.key, index)

    def _on_chapter(self, piece: tuple, outcome: ChapterOutcome) -> None:
        report = self.reports[piece[1]]
        report.seconds += outcome.seconds
        if not outcome.ok:
            self._failed(piece, outcome.reason)
        elif not report.failed:
            report.chapters.append(outcome)
            if len(report.chapters) == len(report.job.notebooks):
                report.chapters.sort(key=lambda chapter: chapter.index)
                self.push("render", piece[1])

    def _on_render(self, piece: tuple, result: ReportResult) -> None:
        report = self.reports[piece[1]]
        report.chapters = []  # free the chapters' HTML
        result.seconds += report.seconds
        self._finish(result)

    def _failed(self, piece: tuple, reason: str) -> None:
        if piece[0] == "inspect":
            name = Path(piece[1]).name
            result = ReportResult(name, None, "failed", 0.0, reason, piece[1])
            return self._on_inspect(piece, CountyPlan(piece[1], name, [], [result]))
        report = self.reports[piece[1]]
        if not report.failed:
            report.failed = True
            job = report.job
            data = ", ".join(job.data) if isinstance(job.data, tuple) else job.data
            self._finish(ReportResult(job.county, job.year, "failed", report.seconds, reason, data))
