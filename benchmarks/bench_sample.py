"""Province-scale sample generation: ``write_sample(tmp, counties=100)`` (target: under 60 s).

    .venv/bin/python benchmarks/bench_sample.py [--counties 100] [--workers N] [--keep DIR]

Writes ``--counties`` synthetic counties (45 schools × 5 years each) into a temporary folder
(or ``--keep DIR``) and prints the wall time, the CPU time of this process and its workers,
the size on disk and the rows written per table. ``--workers`` defaults to what
``write_sample`` chooses (one process per CPU from 8 counties up). Note that a busy machine
inflates the wall time; the CPU time shows the work itself.
Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import tempfile
import time
from pathlib import Path

from eduwb.data.sample import write_sample
from eduwb.data.schema import TABLES

TARGET_S = 60.0


def _cpu_seconds() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--counties", type=int, default=100, help="counties to write (default 100)")
    parser.add_argument(
        "--workers", type=int, default=None, help="processes (default: write_sample's choice)"
    )
    parser.add_argument("--keep", type=Path, default=None, help="write here and keep the files")
    args = parser.parse_args(argv)

    out = args.keep if args.keep is not None else Path(tempfile.mkdtemp(prefix="eduwb-bench-sample-"))
    try:
        cpu0, t0 = _cpu_seconds(), time.perf_counter()
        folders = write_sample(out, counties=args.counties, workers=args.workers)
        wall, cpu = time.perf_counter() - t0, _cpu_seconds() - cpu0

        size = 0
        rows = dict.fromkeys(TABLES, 0)
        for folder in folders:
            for name in rows:
                data = (folder / f"{name}.csv").read_bytes()
                size += len(data)
                rows[name] += data.count(b"\n") - 1
            size += (folder / "county.toml").stat().st_size
        schools = rows["schools"]

        print(
            f"counties written      {len(folders)} "
            f"(workers: {args.workers or 'default'}, CPUs: {os.cpu_count()})"
        )
        print(
            f"wall time             {wall:8.1f} s   (target "
            f"< {TARGET_S:.0f} s: {'met' if wall < TARGET_S else 'MISSED'})"
        )
        print(f"CPU time (all procs)  {cpu:8.1f} s")
        print(f"per county            {wall / len(folders):8.3f} s wall")
        print(f"size on disk          {size / 1e6:8.1f} MB (CSV + county.toml)")
        print(f"schools               {schools:8d}")
        print("rows per table:")
        for name, n in rows.items():
            print(f"  {name:<20}{n:>12,d}")
        print(f"  {'total':<20}{sum(rows.values()):>12,d}")
    finally:
        if args.keep is None:
            shutil.rmtree(out, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
