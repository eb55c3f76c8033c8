"""How fast are annual reports?  eduwb with 1 and 2 workers against the hand-run CLI chain.

Prints, in one run (so that the ratios compare like with like on a busy machine):

1. seconds per county-year report with ``eduwb report --workers 1`` and ``--workers 2`` over
   the sample county's years (wall time of the whole command, start-up included, divided by
   the number of reports), and the hand-run chain per notebook: ``papermill`` CLI, then
   ``jupyter nbconvert --to html --no-input``, then the ``weasyprint`` CLI (one PDF per
   notebook, no cover, no contents, no workbook: less than eduwb makes).  Targets: eduwb
   ≥ 10× faster than the chain per report; 2 workers ≥ 1.7× the throughput of 1;
2. where one report's time goes, measured in this process after a warm-up: each notebook
   (executing its cells, converting it into a chapter) and each layout step (the cover's
   verdict, the document model, Typst's compilation and PDF, the workbook);
3. a province batch: ``--batch`` counties (default 20) × 1 year with 2 workers, extrapolated
   linearly to 100 counties (target ≤ 300 s).

``--profile N`` also prints, per notebook, the N functions that cost most while its cells run
(cProfile over one warm execution, after the breakdown): the package's own functions by
cumulative time, then everything by time spent in the function itself.  cProfile roughly
doubles the time of Python-heavy code (matplotlib): compare the entries, not the totals.

``--baseline REV`` also runs 1 and 2 workers with the code of git revision ``REV`` (exported
to a temporary folder), alternating with this code ``--repeat`` times, so that a change is
measured against what it replaces in the same run on a busy machine; each figure is then
printed as its range over the repeats.

Usage::

    .venv/bin/python benchmarks/bench_report.py [--data data/sample] [--years 2021-2025]
        [--chain-years 2025] [--notebooks notebooks] [--batch 20] [--keep DIR]
        [--skip-chain] [--skip-batch] [--skip-breakdown] [--profile N] [--baseline REV] [--repeat N]

The chain is run on ``--chain-years`` only (default: the last year), as it is slow; its
per-report figure does not depend on how many years it covers.  Nothing is timed in tests.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
TARGET_SPEEDUP = 10.0
TARGET_THROUGHPUT = 1.7
TARGET_PROVINCE_S = 300.0
SHORTEN_PATH = r"\S*/(site-packages|lib/python3\.\d+)/|\S*/(?=eduwb/)"


def _children_cpu() -> float:
    """CPU seconds of the commands this script ran (and of their own worker processes)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def eduwb_report(
    data: list[Path], years: str, out: Path, workers: int, notebooks: Path, code: Path | None = None
) -> tuple[float, int, float]:
    """Wall seconds of ``eduwb report``, the number of reports it made, and its CPU seconds.

    ``code``: run the eduwb found in that folder (a baseline) instead of this checkout's.
    """
    cmd = [
        sys.executable,
        "-c",
        "import sys; from eduwb.cli import main; sys.exit(main(sys.argv[1:]))",
        "report",
        *map(str, data),
        "--years",
        years,
        "--out",
        str(out),
        "--workers",
        str(workers),
        "--force",
    ]
    env = {**os.environ, "EDUWB_NOTEBOOKS_DIR": str(notebooks)}
    if code is not None:  # first on the path, and not run from this checkout (its eduwb/ would win)
        env["PYTHONPATH"] = os.pathsep.join([str(code), *filter(None, [env.get("PYTHONPATH")])])
    t0, c0 = time.perf_counter(), _children_cpu()
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, cwd=code or None)
    seconds, cpu = time.perf_counter() - t0, _children_cpu() - c0
    if done.returncode != 0:
        sys.exit(f"eduwb report failed:\n{done.stdout}\n{done.stderr}")
    summary = re.search(r"(?:^|/ )(\d+) ok\b", done.stdout, re.M)  # "完成 5 / 5 ok"
    return seconds, int(summary.group(1)) if summary else 0, cpu


def cli_chain(data: Path, year: int, out: Path, notebooks: list[Path]) -> tuple[float, float]:
    """Wall and CPU seconds of papermill → nbconvert → weasyprint, per notebook, for one year."""
    out.mkdir(parents=True, exist_ok=True)
    t0, c0 = time.perf_counter(), _children_cpu()
    for nb in notebooks:
        executed = out / nb.name
        steps = [
            [
                str(BIN / "papermill"),
                str(nb),
                str(executed),
                "-k",
                "python3",
                "--no-progress-bar",
                "-p",
                "data",
                str(data),
                "-p",
                "year",
                str(year),
                "-p",
                "lang",
                "zh",
                "-p",
                "interactive",
                "False",
            ],
            [str(BIN / "jupyter"), "nbconvert", "--to", "html", "--no-input", str(executed)],
            [str(BIN / "weasyprint"), str(executed.with_suffix(".html")), str(executed.with_suffix(".pdf"))],
        ]
        for step in steps:
            done = subprocess.run(step, cwd=nb.parent, capture_output=True, text=True)
            if done.returncode != 0:
                sys.exit(f"{' '.join(step[:2])} failed:\n{done.stderr[-2000:]}")
    return time.perf_counter() - t0, _children_cpu() - c0


def breakdown(data: Path, year: int, notebooks: Path, out: Path, repeat: int = 3) -> dict[str, float]:
    """Median seconds of each step of one report, in this process, after a warm-up report.

    The same functions as a worker runs (``execute_chapter``, then the steps of
    ``render_report``), timed one by one.  Each run starts from a fresh load of the county
    (the loaded-dataset cache is emptied), as a worker's first report of a county does:
    otherwise the results kept on the dataset (per-school values, scorecards) would make
    the repeats faster than any real report.
    """
    from eduwb.data import dataset as loaded

    os.environ["EDUWB_NOTEBOOKS_DIR"] = str(notebooks)
    from eduwb.analysis.scorecard import county_verdict
    from eduwb.data.dataset import load
    from eduwb.report import engine, typeset
    from eduwb.report import layout as pdf
    from eduwb.report.command import prepare_options
    from eduwb.report.context import report_context, report_created, write_tables_xlsx
    from eduwb.report.jobs import inspect_county
    from eduwb.standards import load_standard

    job = inspect_county(str(data), [year], prepare_options(out=str(out), force=True)).jobs[0]
    convert = pdf.chapter_from_notebook
    converting: list[float] = []

    def timed_convert(*args, **kwargs):
        t0 = time.perf_counter()
        try:
            return convert(*args, **kwargs)
        finally:
            converting.append(time.perf_counter() - t0)

    pdf.chapter_from_notebook = timed_convert
    runs: list[dict[str, float]] = []
    try:
        for _ in range(repeat + 1):  # the first run imports and warms up: not counted
            loaded._LOADED.clear()
            steps: dict[str, float] = {}
            chapters = []
            for index, spec in enumerate(job.notebooks):
                converting.clear()
                t0 = time.perf_counter()
                chapter = engine.execute_chapter(job, index)
                total = time.perf_counter() - t0
                if not chapter.ok:
                    sys.exit(chapter.reason)
                chapters.append(chapter)
                steps[f"{spec.stem}: cells"] = total - sum(converting)
                steps[f"{spec.stem}: to chapter HTML"] = sum(converting)
            with engine.few_collections():  # as render_report runs
                t0 = time.perf_counter()
                ds = load(Path(job.data), standard=job.standard)
                std = load_standard(job.standard_used)
                verdict = county_verdict(ds, std, job.year)
                t1 = time.perf_counter()
                context = report_context(job, ds, std, verdict, chapters)
                doc, images = typeset.document(context, typeset.require_cjk_font())
                t2 = time.perf_counter()
                Path(job.out_dir).mkdir(parents=True, exist_ok=True)
                pages = typeset.compile_document(
                    doc, images, Path(job.out_dir) / "breakdown.pdf", context["created"]
                )
                t4 = time.perf_counter()
                tables = [t for c in chapters for t in c.tables]
                write_tables_xlsx(
                    tables, Path(job.out_dir) / "breakdown.xlsx", lang=job.lang, created=report_created(job)
                )
                t5 = time.perf_counter()
            steps.update(
                {
                    "layout: cover verdict (scorecard)": t1 - t0,
                    "layout: document model (chapters' HTML read, charts decoded)": t2 - t1,
                    f"layout: Typst compile and PDF ({pages} pages)": t4 - t2,
                    f"layout: workbook ({len(tables)} tables)": t5 - t4,
                }
            )
            runs.append(steps)
    finally:
        pdf.chapter_from_notebook = convert
    return {step: statistics.median(run[step] for run in runs[1:]) for step in runs[-1]}


def profile_chapters(data: Path, year: int, notebooks: Path, out: Path, top: int) -> None:
    """Print the ``top`` costliest functions of each notebook's warm execution (cProfile)."""
    import cProfile
    import io
    import pstats

    os.environ["EDUWB_NOTEBOOKS_DIR"] = str(notebooks)
    from eduwb.report import engine
    from eduwb.report.command import prepare_options
    from eduwb.report.jobs import inspect_county

    job = inspect_county(str(data), [year], prepare_options(out=str(out), force=True)).jobs[0]
    for index in range(len(job.notebooks)):  # warm: imports, caches, fonts
        engine.execute_chapter(job, index)
    for index, spec in enumerate(job.notebooks):
        profile = cProfile.Profile()
        profile.runcall(engine.execute_chapter, job, index)
        for order, restriction, what in (
            ("cumulative", "eduwb/(analysis|present|data)", "eduwb functions, cumulative"),
            ("tottime", "", "all functions, own time"),
        ):
            text = io.StringIO()
            stats = pstats.Stats(profile, stream=text).sort_stats(order)
            stats.print_stats(*([restriction] if restriction else []), top)
            rows = [line for line in text.getvalue().splitlines() if re.match(r"\s*[\d/]+\s+\d", line)]
            print(f"\n  {spec.stem}: top {top} {what} (ncalls tottime percall cumtime percall)")
            for line in rows:  # paths from the package or site-packages on
                print("    " + re.sub(SHORTEN_PATH, "", line.strip()))


def province(batch: int, year: int, work: Path, notebooks: Path) -> tuple[float, int, float]:
    """Seconds to write ``batch`` sample counties, seconds of their reports (2 workers), reports made."""
    counties = work / "province"
    t0 = time.perf_counter()
    done = subprocess.run(
        [str(BIN / "eduwb"), "sample", str(counties), "--counties", str(batch)],
        capture_output=True,
        text=True,
    )
    written = time.perf_counter() - t0
    if done.returncode != 0:
        sys.exit(f"eduwb sample failed:\n{done.stderr}")
    folders = sorted(p for p in counties.iterdir() if p.is_dir())
    seconds, n, _cpu = eduwb_report(folders, str(year), work / "province_reports", 2, notebooks)
    return written, n, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(ROOT / "data" / "sample"))
    parser.add_argument("--years", help="years for eduwb (default: every year in the data)")
    parser.add_argument("--chain-years", help="years for the CLI chain (default: the last year)")
    parser.add_argument("--notebooks", default=str(ROOT / "notebooks"))
    parser.add_argument("--batch", type=int, default=20, help="counties in the province batch (default 20)")
    parser.add_argument("--keep", help="write the outputs here instead of a temporary folder")
    parser.add_argument("--skip-chain", action="store_true", help="do not run the CLI chain")
    parser.add_argument("--skip-batch", action="store_true", help="do not run the province batch")
    parser.add_argument("--skip-breakdown", action="store_true", help="do not time the steps of one report")
    parser.add_argument(
        "--profile", type=int, metavar="N", help="print the N costliest functions of each notebook (cProfile)"
    )
    parser.add_argument("--baseline", help="also time the code of this git revision (e.g. main), alternating")
    parser.add_argument("--repeat", type=int, default=1, help="runs of 1 and 2 workers each (default 1)")
    args = parser.parse_args()

    from eduwb.data.dataset import load
    from eduwb.report.command import notebook_scope, parse_years, resolve_notebooks

    data = Path(args.data).resolve()
    all_years = load(data).years
    years = args.years or f"{all_years[0]}-{all_years[-1]}"
    chain_years = parse_years(args.chain_years) if args.chain_years else [all_years[-1]]
    notebooks_dir = Path(args.notebooks).resolve()
    # the chapters of a county-year report: the province notebook is not one of them
    notebooks = [n for n in resolve_notebooks([args.notebooks]) if notebook_scope(n) == "county"]
    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bench_report_"))
    load1 = os.getloadavg()[0]
    print(
        f"data {data.name}, years {years}, {len(notebooks)} notebooks "
        f"({', '.join(n.stem for n in notebooks)}), {os.cpu_count()} cores, load average {load1:.1f} at start"
    )
    try:
        measure(args, data, years, chain_years, notebooks, notebooks_dir, work)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    print(
        f"load average {os.getloadavg()[0]:.1f} at the end "
        "(other work on this machine slows every figure above)"
    )


def measure(
    args: argparse.Namespace,
    data: Path,
    years: str,
    chain_years: list[int],
    notebooks: list[Path],
    notebooks_dir: Path,
    work: Path,
) -> None:
    print(
        "\n-- per report (wall: what a user waits; CPU: the work itself, which a busy machine inflates less)"
    )
    codes: dict[str, Path | None] = {"this code": None}
    if args.baseline:
        baseline = work / "baseline_src"
        baseline.mkdir(parents=True, exist_ok=True)
        archive = subprocess.run(["git", "archive", args.baseline], cwd=ROOT, capture_output=True, check=True)
        subprocess.run(["tar", "-x", "-C", str(baseline)], input=archive.stdout, check=True)
        codes = {f"baseline {args.baseline}": baseline, "this code": None}
    figures: dict[tuple[str, int], list[tuple[float, float]]] = {}
    for _ in range(max(1, args.repeat)):
        for label, code in codes.items():  # alternating: both see the same load on the machine
            for workers in (1, 2):
                wall, n, cpu = eduwb_report([data], years, work / f"w{workers}", workers, notebooks_dir, code)
                figures.setdefault((label, workers), []).append((wall / n, cpu / n))

    def span(values: list[float]) -> str:
        return f"{min(values):6.2f}" if len(values) == 1 else f"{min(values):6.2f}–{max(values):5.2f}"

    per: dict[tuple[str, int], float] = {}
    for (label, workers), runs in figures.items():
        per[label, workers] = statistics.median(r[0] for r in runs)
        print(
            f"{label:<22} {workers} worker{'s' if workers > 1 else ' '}: {span([r[0] for r in runs])} s per "
            f"county-year (CPU {span([r[1] for r in runs])} s; {len(runs)} run(s) of {years})"
        )
    for label in codes:
        ratios = [a[0] / b[0] for a, b in zip(figures[label, 1], figures[label, 2], strict=True)]
        print(
            f"{label:<22} throughput, 2 workers / 1 worker: {span(ratios)}×  (target ≥ {TARGET_THROUGHPUT}×)"
        )
    if not args.skip_chain:
        runs = [cli_chain(data, y, work / "chain" / str(y), notebooks) for y in chain_years]
        chain, chain_cpu = sum(r[0] for r in runs), sum(r[1] for r in runs)
        per_chain, per_chain_cpu = chain / len(chain_years), chain_cpu / len(chain_years)
        print(
            f"CLI chain (papermill → nbconvert → weasyprint per notebook): {chain:7.1f} s for "
            f"{len(chain_years)} report(s) = {per_chain:6.2f} s per county-year (CPU {per_chain_cpu:6.2f} s)"
        )
        for label in codes:
            one_, two_ = per[label, 1], per[label, 2]
            cpu_ = statistics.median(r[1] for r in figures[label, 1])
            print(
                f"{label:<22} speed-up over the CLI chain, 1 worker : {per_chain / one_:5.2f}×  "
                f"(target ≥ {TARGET_SPEEDUP:g}×; in CPU seconds {per_chain_cpu / cpu_:5.2f}×)"
            )
            print(f"{label:<22} speed-up over the CLI chain, 2 workers: {per_chain / two_:5.2f}×")

    if not args.skip_breakdown:
        year = chain_years[-1]
        print(f"\n-- where one report's time goes ({data.name} {year}, 1 process, warm, median of 3)")
        steps = breakdown(data, year, notebooks_dir, work / "breakdown")
        total = sum(steps.values())
        for step, seconds in steps.items():
            print(f"  {step:<46}{seconds:7.2f} s  {100 * seconds / total:4.0f} %")
        notebooks_total = sum(v for k, v in steps.items() if not k.startswith("layout"))
        print(f"  {'notebooks':<46}{notebooks_total:7.2f} s")
        print(f"  {'layout':<46}{total - notebooks_total:7.2f} s")
        print(f"  {'total (no start-up)':<46}{total:7.2f} s")
    if args.profile:
        year = chain_years[-1]
        print(f"\n-- what each notebook's cells cost ({data.name} {year}, cProfile, warm)")
        profile_chapters(data, year, notebooks_dir, work / "profile", args.profile)

    if not args.skip_batch:
        year = chain_years[-1]
        print(f"\n-- province batch: {args.batch} counties × {year}, 2 workers")
        written, n, seconds = province(args.batch, year, work, notebooks_dir)
        per = seconds / max(n, 1)
        print(f"eduwb sample --counties {args.batch}: {written:6.1f} s (not counted)")
        print(f"eduwb report, 2 workers: {seconds:7.1f} s for {n} reports = {per:6.2f} s per report")
        print(
            f"100 counties × 1 year, extrapolated linearly from {n}: {100 * per:7.0f} s  "
            f"(target ≤ {TARGET_PROVINCE_S:.0f} s)"
        )


if __name__ == "__main__":
    main()
