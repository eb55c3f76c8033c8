"""Resource analysis at scale: 100 sample counties, every year.

Prints, for the same 100 counties:

* **read** — plain ``pandas.read_csv`` of the CSVs the analysis uses (schools, sections,
  facilities): the floor any analysis of these files pays;
* **load** — ``eduwb.data.dataset.load`` (validation included), reported apart;
* **analysis** — per-section indicators, the per-school rule, the weighted CVs (with the
  composite) and the gaps for every county and year, computed once over the counties
  concatenated (school ids are distinct across generated counties) and grouped by county,
  year and stage; also the same per county, for comparison;
* peak memory of the analysis (tracemalloc, measured in a separate untimed pass) and the
  process's peak resident size.

Target (issue 4): analysis ≤ 2 × read time, peak memory ≤ 2 GB.

Usage: ``python benchmarks/bench_resources.py [--counties 100] [--keep DIR]``.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import pandas as pd

from eduwb.analysis.balance import balance_from_values, school_rule, shortfalls, unit_costs
from eduwb.analysis.resources import section_values
from eduwb.data.dataset import CountySettings, Dataset, load
from eduwb.data.sample import write_sample
from eduwb.standards import load_standard

FILES = ("schools", "sections", "facilities")


def read_csvs(folders: list[Path]) -> float:
    start = time.perf_counter()
    for folder in folders:
        for name in FILES:
            pd.read_csv(folder / f"{name}.csv", dtype={"school_id": str, "parent_id": str})
    return time.perf_counter() - start


def combine(datasets: list[Dataset]) -> tuple[Dataset, pd.Series]:
    """One Dataset holding every county (school ids are distinct), and each school's county."""
    schools = pd.concat([ds.schools for ds in datasets], ignore_index=True)
    county = pd.concat([pd.Series(ds.name, index=ds.schools["school_id"]) for ds in datasets])
    combined = Dataset(
        path=Path("all"),
        name="all counties",
        settings=CountySettings(name="all counties"),
        schools=schools,
        sections=pd.concat([ds.sections for ds in datasets], ignore_index=True),
        facilities=pd.concat([ds.facilities for ds in datasets], ignore_index=True),
    )
    return combined, county


def analyse(ds: Dataset, std, county: pd.Series | None) -> dict[str, pd.DataFrame]:
    """Indicators, per-school rule, CVs and gaps for every year (and county) at once."""
    values = section_values(ds, std)
    by = ["year", "stage"]
    if county is not None:
        values.insert(0, "county", values["school_id"].map(county))
        by = ["county", *by]
    return {
        "values": values,
        "rule": school_rule(values, std),
        "balance": balance_from_values(values, std, by=by),
        "gaps": shortfalls(values, std, unit_costs(ds)),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--counties", type=int, default=100)
    parser.add_argument("--keep", type=Path, help="write the counties here and keep them")
    args = parser.parse_args()
    std = load_standard("moe-2017")

    with tempfile.TemporaryDirectory() as tmp:
        out = args.keep or Path(tmp) / "counties"
        start = time.perf_counter()
        existing = sorted(p for p in out.iterdir() if p.is_dir()) if out.exists() else []
        if len(existing) >= args.counties:  # --keep DIR from an earlier run
            folders = existing[: args.counties]
            print(f"reusing {len(folders)} counties in {out}")
        else:
            folders = sorted(write_sample(out, counties=args.counties))
            print(f"generated {len(folders)} counties in {time.perf_counter() - start:.1f} s")

        read_csvs(folders)  # warm the page cache so both sides read from memory
        read_s = min(read_csvs(folders) for _ in range(3))

        start = time.perf_counter()
        datasets = [load(folder) for folder in folders]
        load_s = time.perf_counter() - start
        start = time.perf_counter()
        combined, county = combine(datasets)
        combine_s = time.perf_counter() - start
        n_sections = len(combined.sections)

        analyse(combined, std, county)  # warm-up (imports, caches)
        timings = []
        for _ in range(3):
            start = time.perf_counter()
            result = analyse(combined, std, county)
            timings.append(time.perf_counter() - start)
        analysis_s = min(timings)

        start = time.perf_counter()
        for ds in datasets:
            analyse(ds, std, None)
        per_county_s = time.perf_counter() - start

        tracemalloc.start()
        analyse(combined, std, county)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()

    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    years = sorted(combined.sections["year"].unique())
    print(
        f"{len(folders)} counties × {len(years)} years: {n_sections} section rows, {len(result['values'])} "
        f"sections in scope, {len(result['balance'])} CV rows, {len(result['gaps'])} gaps"
    )
    print(f"read CSVs (pandas.read_csv, {', '.join(FILES)}): {read_s:8.3f} s")
    print(f"load + validate (eduwb.data.dataset.load), apart:     {load_s:8.3f} s")
    print(f"combine the loaded counties, apart:              {combine_s:8.3f} s")
    print(
        f"analysis, all counties at once:                  {analysis_s:8.3f} "
        f"s  ({analysis_s / read_s:.2f} × read)"
    )
    print(
        f"analysis, one county at a time (for comparison): {per_county_s:8.3f} "
        f"s  ({per_county_s / read_s:.2f} × read)"
    )
    print(f"peak memory of the analysis (tracemalloc):       {peak / 2**20:8.1f} MB")
    print(f"peak resident size of the process:               {rss_mb:8.1f} MB")
    ok = analysis_s <= 2 * read_s and rss_mb <= 2048
    print("target (analysis ≤ 2 × read, memory ≤ 2 GB):", "met" if ok else "NOT met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
