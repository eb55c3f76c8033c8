"""How long ``python -c "import eduwb"`` takes (target: under 0.3 s).

    .venv/bin/python benchmarks/bench_import.py [--runs 10]

Each run is a fresh interpreter (a subprocess), as a user's shell or a papermill kernel pays
it; the figure is the median wall time of ``--runs`` runs after one warm-up (which fills the
OS file cache and writes the .pyc files). For scale it also times a bare ``python -c pass``
and the imports the CLI needs before doing any work (``eduwb.cli``), and lists any heavy
module that ``import eduwb`` loaded although it should load lazily.
Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET_S = 0.3
HEAVY = (
    "pandas",
    "numpy",
    "matplotlib",
    "papermill",
    "nbconvert",
    "typst",
    "openpyxl",
    "dask",
)


def wall_times(code: str, runs: int) -> list[float]:
    cmd = [sys.executable, "-c", code]
    subprocess.run(cmd, check=True, cwd=ROOT, capture_output=True)  # warm-up
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, check=True, cwd=ROOT, capture_output=True)
        times.append(time.perf_counter() - start)
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=10, help="runs per measurement (default 10)")
    args = parser.parse_args(argv)

    rows = [
        ("python -c pass", "pass"),
        ("import eduwb", "import eduwb"),
        ("import eduwb.cli", "import eduwb.cli"),
    ]
    print(f"{args.runs} fresh interpreters each ({sys.executable})")
    medians = {}
    for label, code in rows:
        times = wall_times(code, args.runs)
        medians[label] = statistics.median(times)
        print(
            f"  {label:<18} median {medians[label]:.3f} s   min {min(times):.3f} s   max {max(times):.3f} s"
        )
    net = medians["import eduwb"] - medians["python -c pass"]
    verdict = "within" if medians["import eduwb"] < TARGET_S else "OVER"
    print(
        f"import eduwb: {medians['import eduwb']:.3f} s ({net:.3f} s above a bare interpreter); "
        f"target < {TARGET_S} s: {verdict}"
    )

    probe = f"import sys, eduwb; print(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    loaded = subprocess.run(
        [sys.executable, "-c", probe], check=True, cwd=ROOT, capture_output=True, text=True
    )
    print(f"heavy modules loaded by 'import eduwb': {loaded.stdout.strip() or 'none'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
