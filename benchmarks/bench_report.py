"""How fast are annual reports?  eduwb with 1 and 2 workers against the hand-made CLI chain.

Prints, for the sample county (every year by default):

- seconds per county-year report with ``eduwb report --workers 1`` and ``--workers 2``
  (wall time of the whole command, start-up included, divided by the number of reports);
- seconds per county-year report done the way a user would by hand, per notebook:
  ``papermill`` CLI, then ``jupyter nbconvert --to html --no-input``, then the ``weasyprint``
  CLI (one PDF per notebook, no cover, no contents, no workbook: less than eduwb makes);
- the ratios.  Targets: eduwb ≥ 3× faster than the chain per report; 2 workers ≥ 1.7× the
  throughput of 1.

Usage::

    .venv/bin/python benchmarks/bench_report.py [--data data/sample] [--years 2021-2025]
        [--chain-years 2025] [--notebooks notebooks] [--keep DIR]

The chain is run on ``--chain-years`` only (default: the last year), as it is slow; its
per-report figure does not depend on how many years it covers.  Nothing is timed in tests.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def eduwb_report(data: Path, years: str, out: Path, workers: int, notebooks: Path) -> tuple[float, int]:
    """Wall seconds of ``eduwb report`` and the number of reports it made."""
    cmd = [
        sys.executable, "-c", "import sys; from eduwb.cli import main; sys.exit(main(sys.argv[1:]))",
        "report", str(data), "--years", years, "--out", str(out), "--workers", str(workers), "--force",
    ]
    env = {**os.environ, "EDUWB_NOTEBOOKS_DIR": str(notebooks)}
    t0 = time.perf_counter()
    done = subprocess.run(cmd, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - t0
    if done.returncode != 0:
        sys.exit(f"eduwb report failed:\n{done.stdout}\n{done.stderr}")
    summary = re.search(r"^(\d+) ok\b", done.stdout, re.M)
    return seconds, int(summary.group(1)) if summary else 0


def cli_chain(data: Path, year: int, out: Path, notebooks: list[Path]) -> float:
    """Wall seconds of papermill → nbconvert → weasyprint, per notebook, for one year."""
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    for nb in notebooks:
        executed = out / nb.name
        steps = [
            [str(BIN / "papermill"), str(nb), str(executed), "-k", "python3", "--no-progress-bar",
             "-p", "data", str(data), "-p", "year", str(year), "-p", "lang", "zh", "-p", "interactive", "False"],
            [str(BIN / "jupyter"), "nbconvert", "--to", "html", "--no-input", str(executed)],
            [str(BIN / "weasyprint"), str(executed.with_suffix(".html")), str(executed.with_suffix(".pdf"))],
        ]
        for step in steps:
            done = subprocess.run(step, cwd=nb.parent, capture_output=True, text=True)
            if done.returncode != 0:
                sys.exit(f"{' '.join(step[:2])} failed:\n{done.stderr[-2000:]}")
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(ROOT / "data" / "sample"))
    parser.add_argument("--years", help="years for eduwb (default: every year in the data)")
    parser.add_argument("--chain-years", help="years for the CLI chain (default: the last year)")
    parser.add_argument("--notebooks", default=str(ROOT / "notebooks"))
    parser.add_argument("--keep", help="write the outputs here instead of a temporary folder")
    parser.add_argument("--skip-chain", action="store_true", help="measure eduwb only")
    args = parser.parse_args()

    from eduwb.data.dataset import load
    from eduwb.report import parse_years, resolve_notebooks

    data = Path(args.data).resolve()
    all_years = load(data).years
    years = args.years or f"{all_years[0]}-{all_years[-1]}"
    chain_years = parse_years(args.chain_years) if args.chain_years else [all_years[-1]]
    notebooks = resolve_notebooks([args.notebooks])
    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bench_report_"))
    print(f"data {data.name}, years {years}, {len(notebooks)} notebooks "
          f"({', '.join(n.stem for n in notebooks)}), {os.cpu_count()} cores")

    try:
        measure(args, data, years, chain_years, notebooks, work)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


def measure(args: argparse.Namespace, data: Path, years: str, chain_years: list[int], notebooks: list[Path], work: Path) -> None:
    one, n1 = eduwb_report(data, years, work / "w1", 1, Path(args.notebooks).resolve())
    two, n2 = eduwb_report(data, years, work / "w2", 2, Path(args.notebooks).resolve())
    per_one, per_two = one / n1, two / n2
    print(f"eduwb report, 1 worker : {one:7.1f} s for {n1} reports = {per_one:6.1f} s per county-year")
    print(f"eduwb report, 2 workers: {two:7.1f} s for {n2} reports = {per_two:6.1f} s per county-year")
    print(f"throughput, 2 workers / 1 worker      : {per_one / per_two:5.2f}×  (target ≥ 1.7×)")
    if args.skip_chain:
        return
    chain = sum(cli_chain(data, y, work / "chain" / str(y), notebooks) for y in chain_years)
    per_chain = chain / len(chain_years)

    print(f"CLI chain (papermill → nbconvert → weasyprint per notebook): {chain:7.1f} s for "
          f"{len(chain_years)} report(s) = {per_chain:6.1f} s per county-year")
    print(f"speed-up over the CLI chain, 1 worker : {per_chain / per_one:5.2f}×  (target ≥ 3×)")
    print(f"speed-up over the CLI chain, 2 workers: {per_chain / per_two:5.2f}×")


if __name__ == "__main__":
    main()
