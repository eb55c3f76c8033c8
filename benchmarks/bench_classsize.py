"""Class-size tables at province scale: every class-size table, for every year, vs reading classes.csv.

    .venv/bin/python benchmarks/bench_classsize.py [--counties 100] [--data DIR] [--repeat 3]

Writes ``--counties`` sample counties (``eduwb.data.sample.write_sample``) unless ``--data`` names a
folder that already holds them, loads them with ``eduwb.data.dataset.load`` (not timed), then times:

* **read**: plain ``pandas.read_csv`` of every county's ``classes.csv``;
* **tables**: every class-size table of the registry for every year: ``classsize`` (the
  trend and ``by=school``), ``schoolsize``, ``ledger`` and ``milestones`` (as of every year),
  ``projection`` (from every year) and the G5 summary per year; then the same with the
  per-row views (``classsize by=class``, ``projection by=grade``, every year). Two ways:
  *pooled* (one dataset of every county, about 88,000 class rows a year for 100 counties:
  the scale the target is set for) and *per county* (each county's tables, summed: how a
  province batch of reports runs, where pandas' fixed cost per call dominates).

The tables are timed cold: the per-dataset arrays they share are rebuilt in every run.
Target: pooled tables ≤ 2 × read. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).parent))

from _common import best_of  # noqa: E402

from eduwb.analysis import classsize  # noqa: E402
from eduwb.data.dataset import Dataset, load, pool  # noqa: E402
from eduwb.standards import load_standard  # noqa: E402


def all_tables(ds: Dataset, std, views: bool = False) -> int:
    """Compute every class-size table of the registry for every year; return the rows produced.

    ``classsize`` (the trend, and ``by=school``) and ``schoolsize`` cover every year in one call;
    ``ledger``, ``milestones`` and ``projection`` are computed as of / from every year, with the
    G5 summary the scorecard asks for. ``views`` adds the per-row views: the list of every class
    (``classsize by=class``) and the projection per grade (``projection by=grade``), every year.
    """
    ds.memo.results.clear()  # cold: rebuild the shared arrays, as a fresh process would
    rows = len(classsize.classsize_table(ds, std)) + len(classsize.classsize_table(ds, std, by="school"))
    rows += len(classsize.school_size_table(ds, std))
    for year in sorted(ds.classes["year"].unique()):
        rows += len(classsize.ledger_table(ds, std, year=year))
        rows += len(classsize.milestones_table(ds, std, year=year))
        rows += len(classsize.projection_table(ds, std, year=year))
        rows += len(classsize.g5_summary(ds, std, year))
        if views:
            rows += len(classsize.classsize_table(ds, std, year=year, by="class"))
            rows += len(classsize.projection_table(ds, std, year=year, by="grade"))
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--counties", type=int, default=100)
    parser.add_argument(
        "--data", type=Path, help="a folder of county folders written by `eduwb sample --counties N`"
    )
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        if args.data is None:
            from eduwb.data.sample import write_sample

            start = time.perf_counter()
            folders = write_sample(Path(tmp) / "counties", counties=args.counties)
            print(f"wrote {len(folders)} sample counties in {time.perf_counter() - start:.1f} s")
        else:
            folders = sorted(p for p in args.data.iterdir() if (p / "classes.csv").exists())[: args.counties]
        start = time.perf_counter()
        datasets = [load(folder) for folder in folders]
        print(f"loaded and validated them in {time.perf_counter() - start:.1f} s (not timed below)")
        std = load_standard("moe-2017")
        big = pool(datasets)
        n_rows = len(big.classes)
        n_years = big.classes["year"].nunique()
        print(
            f"{len(folders)} counties, {len(big.schools):,} schools, {n_rows:,} class rows "
            f"({n_rows / n_years:,.0f} a year over {n_years} years)"
        )

        read = best_of(args.repeat, lambda: [pd.read_csv(folder / "classes.csv") for folder in folders])
        pooled_tables = best_of(args.repeat, lambda: all_tables(big, std))
        pooled_views = best_of(args.repeat, lambda: all_tables(big, std, views=True))
        each_county = best_of(args.repeat, lambda: [all_tables(ds, std) for ds in datasets])
        produced, produced_views = all_tables(big, std), all_tables(big, std, views=True)

    print(f"read classes.csv (pandas.read_csv, {len(folders)} files):        {read:7.3f} s")
    print(
        f"registry tables, every year, pooled ({produced:,} rows):      {pooled_tables:7.3f} s"
        f" = {pooled_tables / read:.2f} × read"
    )
    print(
        f"  + every class and every grade ({produced_views:,} rows):     {pooled_views:7.3f} s"
        f" = {pooled_views / read:.2f} × read"
    )
    print(
        f"registry tables, every year, county by county:         {each_county:7.3f} s"
        f" = {each_county / read:.2f} × read"
    )
    verdict = "met" if pooled_tables <= 2 * read else "NOT met"
    print(f"target (pooled registry tables ≤ 2 × read): {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
