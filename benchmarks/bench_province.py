"""The province view at scale: every province table, and the province report, for 100 counties.

    .venv/bin/python benchmarks/bench_province.py [--counties 100] [--data DIR] [--year Y]
        [--workers N] [--no-report]

Writes ``--counties`` sample counties (``eduwb sample --counties N``: 45 schools, 2021–2025)
unless ``--data`` names a folder that already holds them, then measures, in this process:

* **read the CSVs**: plain ``pandas.read_csv`` of every CSV file of every county;
* **load**: ``eduwb.data.dataset.load`` of every county (read, parse and validate: what a
  province run pays before any table);
* **pool**: ``eduwb.data.dataset.pool`` of the loaded counties;
* **province tables** (after loading, cold): ``counties``, ``readiness``, ``province_balance``
  and ``bill`` (each also ``by="county"`` where it has that form) for one year, on the pooled
  dataset — every county's scorecard trend and least-cost plan included;
* **peak memory** of this process (loading 100 counties, pooling and the tables);

and, in a subprocess, **the province report** for one year: ``eduwb report DATA --years Y
--province 示例省 --notebooks 04_province --force`` (wall time, start-up included; no county
report), with the peak memory of its largest process.

Targets: tables ≤ 3 × read, peak memory ≤ 2 GB, province report ≤ 60 s. Prints figures;
asserts nothing; nothing is timed in the tests.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from _common import seconds, timed  # noqa: E402

from eduwb.analysis import province  # noqa: E402
from eduwb.data.dataset import load, pool  # noqa: E402
from eduwb.standards import load_standard  # noqa: E402


def all_tables(ds, std, year: int) -> int:
    """Every province table (and its per-county form) for ``year``, from a cold start; rows produced."""
    ds.memo.results.clear()  # cold: the view shared by the tables is computed again
    rows = len(province.counties_table(ds, std, year=year))
    rows += len(province.readiness_table(ds, std, year=year))
    rows += len(province.province_balance_table(ds, std, year=year))
    rows += len(province.province_balance_table(ds, std, year=year, by="county"))
    rows += len(province.bill_table(ds, std, year=year))
    rows += len(province.bill_table(ds, std, year=year, by="county"))
    return rows


def province_report(
    folders: list[Path], year: int, workers: int | None, out: Path
) -> tuple[float, float, str]:
    """Wall seconds and peak MB of ``eduwb report … --province``; its summary's last line."""
    cmd = [sys.executable, "-c", "import sys; from eduwb.cli import main; sys.exit(main(sys.argv[1:]))",
           "report", *map(str, folders), "--years", str(year), "--province", "示例省",
           "--notebooks", "04_province", "--out", str(out), "--force"]  # fmt: skip
    if workers:
        cmd += ["--workers", str(workers)]
    start = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ})
    wall = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    if done.returncode != 0:
        sys.exit(f"eduwb report failed:\n{done.stdout}\n{done.stderr}")
    last = [line for line in done.stdout.splitlines() if line.strip()][-1]
    return wall, peak, last


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--counties", type=int, default=100)
    parser.add_argument(
        "--data", type=Path, help="a folder of county folders written by `eduwb sample --counties N`"
    )
    parser.add_argument(
        "--year", type=int, help="the year of the tables and the report (default: the latest)"
    )
    parser.add_argument(
        "--workers", type=int, help="workers of the province report (default: the number of cores)"
    )
    parser.add_argument("--no-report", action="store_true", help="skip the province report")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        if args.data is None:
            from eduwb.data.sample import write_sample

            took, folders = seconds(lambda: write_sample(Path(tmp) / "counties", counties=args.counties))
            print(f"wrote {len(folders)} sample counties in {took:.1f} s")
        else:
            folders = sorted(p for p in args.data.iterdir() if (p / "schools.csv").exists())[: args.counties]
        csvs = [f for folder in folders for f in sorted(folder.glob("*.csv"))]
        read, _ = seconds(lambda: [pd.read_csv(f) for f in csvs])
        loaded, loaded_cpu, datasets = timed(lambda: [load(folder, cache=False) for folder in folders])
        pooled, ds = seconds(lambda: pool(datasets, name="示例省"))
        std = load_standard("moe-2017")
        year = args.year or max(ds.years)
        years = ds.years
        print(
            f"{len(folders)} counties, {len(ds.schools):,} schools, {len(ds.sections):,} school sections, "
            f"{0 if ds.teachers is None else len(ds.teachers):,} teacher "
            f"rows, years {years[0]}–{years[-1]}; tables for {year}"
        )
        tables, tables_cpu, rows = timed(lambda: all_tables(ds, std, year))
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        ready = province.readiness_table(ds, std, year=year)["readiness"].value_counts().to_dict()

        print(f"read the CSVs (pandas.read_csv, {len(csvs):,} files):        {read:8.2f} s")
        print(
            f"load (eduwb: read, parse, validate):                 {loaded:8.2f} "
            f"s = {loaded / read:.1f} × read"
        )
        print(f"pool:                                                {pooled:8.2f} s")
        print(
            f"province tables, cold ({rows:,} rows):                 {tables:8.2f} s"
            f" = {tables / read:.1f} × read = {tables / loaded:.2f} × load"
        )
        print(
            f"  in CPU time of this process: load {loaded_cpu:.2f} s, tables {tables_cpu:.2f} s = "
            f"{tables_cpu / loaded_cpu:.2f} × load; load average {os.getloadavg()[0]:.2f}"
        )
        print(f"peak memory of this process (load, pool, tables):    {peak:8.0f} MB")
        print(f"readiness in {year}: {ready}")
        report = None
        if not args.no_report:
            report, report_peak, last = province_report(folders, year, args.workers, Path(tmp) / "reports")
            print(f"province report, one year (eduwb report --province): {report:8.2f} s  "
                  f"(peak of a process {report_peak:.0f} MB; {last})")  # fmt: skip

    def verdict(ok: bool) -> str:
        return "met" if ok else "NOT met"

    print(f"target tables ≤ 3 × read the CSVs: {verdict(tables <= 3 * read)} ({tables / read:.1f} ×); "
          f"≤ 3 × load: {verdict(tables <= 3 * loaded)} ({tables / loaded:.2f} ×)")  # fmt: skip
    print(f"target peak memory ≤ 2 GB: {verdict(peak <= 2048)}")
    if report is not None:
        print(f"target province report ≤ 60 s: {verdict(report <= 60)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
