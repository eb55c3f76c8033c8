"""Rotation tables at province scale: every rotation/teacher table vs reading the CSV files.

    .venv/bin/python benchmarks/bench_rotation.py [--counties 100] [--data DIR] [--repeat 3]

Writes ``--counties`` sample counties (``eduwb.data.sample.write_sample``; about 12,600 teacher rows
each, so 100 counties ≈ 1.26 million) unless ``--data`` names a folder that already holds them,
loads them with ``eduwb.data.dataset.load`` (not timed), then times:

* **read**: ``pandas.read_csv`` of every county's ``teachers.csv`` and ``rotations.csv``;
* **tables**: ``rotation`` (per year, ``by=school``, ``by=mode``), ``flows`` (matrix and
  ``by=summary``) and ``teacher_quality`` (per year, ``by=school``), each as one call (what
  ``eduwb table`` does) and all seven at once (``eduwb.analysis.rotation.rotation_tables``, what
  notebook 03 does); each *per county* (summed over counties: how a province batch runs) and
  *pooled* (one dataset of every county: a province-wide query).

``flows`` asks :func:`eduwb.analysis.balance.compliance_table` (the resource analysis, another module)
which schools pass the per-school rule; that lookup is timed on its own and the flows tables
reuse its result, so the figures show the rotation module's own work (the target: ≤ 2 × read)
and, beside it, the total as the tables are called (one lookup per flows call).
Prints figures; asserts nothing.
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

from eduwb.analysis import rotation  # noqa: E402
from eduwb.data.dataset import Dataset, load, pool  # noqa: E402
from eduwb.standards import load_standard  # noqa: E402

TABLES = [
    ("rotation", rotation.rotation_table, {}),
    ("rotation by=school", rotation.rotation_table, {"by": "school"}),
    ("rotation by=mode", rotation.rotation_table, {"by": "mode"}),
    ("flows", rotation.flows_table, {}),
    ("flows by=summary", rotation.flows_table, {"by": "summary"}),
    ("teacher_quality", rotation.teacher_quality_table, {}),
    ("teacher_quality by=school", rotation.teacher_quality_table, {"by": "school"}),
]


def read_all(folders: list[Path]) -> None:
    for folder in folders:
        pd.read_csv(folder / "teachers.csv")
        pd.read_csv(folder / "rotations.csv")


def time_tables(datasets: list[Dataset], std, repeat: int) -> tuple[dict[str, float], float, float]:
    """Seconds per table (summed over ``datasets``), for all of them at once, and for one compliance lookup.

    ``flows`` asks eduwb.analysis.balance which schools pass the resource rule; that lookup is timed on
    its own, once, and the tables then reuse its result, so that the rotation module's own work
    is measured apart from the resource analysis's.
    """
    start = time.perf_counter()
    compliance = {
        id(ds): rotation.school_compliance(ds, std, [y - 1 for y in sorted(set(ds.rotations["year"]))])
        for ds in datasets
    }
    lookup = time.perf_counter() - start
    original = rotation.school_compliance
    rotation.school_compliance = lambda ds, std, years: compliance[id(ds)]
    try:
        separate = {
            label: best_of(repeat, lambda fn=fn, options=options: [fn(ds, std, **options) for ds in datasets])
            for label, fn, options in TABLES
        }
        together = best_of(repeat, lambda: [rotation.rotation_tables(ds, std) for ds in datasets])
    finally:
        rotation.school_compliance = original
    return separate, together, lookup


def report(title: str, read: float, separate: dict[str, float], together: float, lookup: float) -> None:
    own = sum(separate.values())
    flows_calls = sum(1 for _, fn, _ in TABLES if fn is rotation.flows_table)
    print(f"\n{title}")
    for label, seconds in separate.items():
        print(f"  {label:<34}{seconds:8.3f} s")
    print(f"  {'= the 7 tables, one call each':<34}{own:8.3f} s  = {own / read:5.2f} × read")
    print(
        f"  {'all 7 at once (rotation_tables)':<34}{together:8.3f} "
        f"s  = {together / read:5.2f} × read   (target ≤ 2×)"
    )
    print(
        f"  {'compliance_table lookup (balance)':<34}{lookup:8.3f} "
        "s  (once per flows call; once for rotation_tables)"
    )
    print(
        f"  {'with the lookups, as called':<34}{own + flows_calls * lookup:8.3f} "
        f"s  = {(own + flows_calls * lookup) / read:5.2f} × read"
        f" one call each; {together + lookup:.3f} s = {(together + lookup) / read:.2f} × read at once"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--counties", type=int, default=100)
    parser.add_argument("--data", help="folder of county folders to reuse (written if missing)")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    from eduwb.data.sample import write_sample

    tmp = None
    if args.data:
        root = Path(args.data)
    else:
        tmp = tempfile.TemporaryDirectory(prefix="eduwb-bench-rotation-")
        root = Path(tmp.name)
    folders = sorted(p for p in root.iterdir() if (p / "teachers.csv").exists()) if root.exists() else []
    if len(folders) < args.counties:
        start = time.perf_counter()
        write_sample(root, counties=args.counties)
        print(f"wrote {args.counties} sample counties in {time.perf_counter() - start:.1f} s")
        folders = sorted(p for p in root.iterdir() if (p / "teachers.csv").exists())
    folders = folders[: args.counties]

    start = time.perf_counter()
    datasets = [load(folder) for folder in folders]
    rows = sum(len(ds.teachers) for ds in datasets)
    moves = sum(len(ds.rotations) for ds in datasets)
    print(
        f"loaded {len(datasets)} counties in {time.perf_counter() - start:.1f} s (not timed below): "
        f"{rows:,} teacher rows, {moves:,} rotation rows"
    )
    std = load_standard("moe-2017")

    read = best_of(args.repeat, lambda: read_all(folders))
    print(f"\nread teachers.csv + rotations.csv (pandas.read_csv, {len(folders)} counties): {read:.3f} s")
    report("per county (sum over counties)", read, *time_tables(datasets, std, args.repeat))
    everything = pool(datasets)
    report("pooled (one dataset of every county)", read, *time_tables([everything], std, args.repeat))
    if tmp is not None:
        tmp.cleanup()


if __name__ == "__main__":
    main()
