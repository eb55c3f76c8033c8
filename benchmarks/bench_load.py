"""The loader at CSV speed: ``eduwb.data.dataset.load`` of many counties against ``pandas.read_csv``.

    .venv/bin/python benchmarks/bench_load.py [--counties 100] [--data DIR] [--repeat 3] [--workers N]

Writes ``--counties`` sample counties (``eduwb.data.sample.write_sample``) unless ``--data``
names a folder that already holds them, then prints:

* **read**: plain ``pandas.read_csv`` of every CSV file of every county (default options);
* **load**: ``load(county, cache=False)`` of every county, one after the other — reading,
  parsing, every rule of the data dictionary and every cross-table rule;
* **load, province**: ``eduwb.data.dataset.load_many`` when the package has it (counties in
  parallel processes; tried, and dropped: on two shared cores, sending the datasets back
  from the workers cost more than the second core saved);
* the **ratio** load ÷ read (target ≤ 5), the **peak memory** of a fresh process that loads
  every county and keeps them all (target ≤ 2 GB), and the **single-county** time on
  ``data/sample`` (target ≤ 50 ms).

Times are the best of ``--repeat`` runs (the least disturbed by other work on the machine).
Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).parent))

from _common import best_of  # noqa: E402

from eduwb.data import dataset  # noqa: E402

_PEAK = """
import json, resource, sys
from pathlib import Path
from eduwb.data.dataset import load
folders = [Path(p) for p in json.loads(sys.argv[1])]
kept = [load(f, cache=False) for f in folders]
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)
"""


def read_all(folders: list[Path]) -> int:
    rows = 0
    for folder in folders:
        for csv in sorted(folder.glob("*.csv")):
            rows += len(pd.read_csv(csv))
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--counties", type=int, default=100, help="counties (default 100)")
    parser.add_argument("--data", type=Path, help="a folder already holding sample counties")
    parser.add_argument(
        "--repeat", type=int, default=3, help="runs per measurement; the best is shown (default 3)"
    )
    parser.add_argument(
        "--workers", type=int, default=None, help="processes for load_many (default: one per core)"
    )
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="eduwb-bench-load-") as tmp:
        if args.data is None:
            from eduwb.data.sample import write_sample

            print(f"writing {args.counties} sample counties …", flush=True)
            folders = write_sample(Path(tmp), counties=args.counties)
        else:
            folders = sorted(p for p in args.data.iterdir() if (p / "schools.csv").exists())[: args.counties]
        files = sum(len(list(f.glob("*.csv"))) for f in folders)
        rows = read_all(folders)
        print(f"{len(folders)} counties, {files} CSV files, {rows:,} rows")

        read = best_of(args.repeat, lambda: read_all(folders))
        load = best_of(args.repeat, lambda: [dataset.load(f, cache=False) for f in folders])
        many = None
        if hasattr(dataset, "load_many"):
            many = best_of(args.repeat, lambda: dataset.load_many(folders, workers=args.workers))
        peak = subprocess.run(
            [sys.executable, "-c", _PEAK, json.dumps([str(f) for f in folders])],
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
        ).stdout.split()[-1]
        sample = ROOT / "data" / "sample"
        dataset.load(sample, cache=False)
        single = best_of(max(5, args.repeat), lambda: dataset.load(sample, cache=False))

    print(f"read (pandas.read_csv, every file)       {read:8.3f} s")
    print(f"load, county after county                {load:8.3f} s = {load / read:5.2f} × read")
    if many is not None:
        print(f"load, province (load_many)               {many:8.3f} s = {many / read:5.2f} × read")
    best = min(load, many) if many is not None else load
    print(f"target load ≤ 5 × read:                  {'met' if best <= 5 * read else 'NOT met'}")
    print(f"peak memory, every county kept           {int(peak) / 2**30:8.2f} GiB (target ≤ 2 GB)")
    print(f"single county (data/sample)              {single * 1000:8.1f} ms (target ≤ 50 ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
