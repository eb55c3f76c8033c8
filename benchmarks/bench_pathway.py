"""The pathway (达标路径): one county-year, and the province bill with every county's pathway.

    .venv/bin/python benchmarks/bench_pathway.py [--counties 100] [--schools 45] [--data DIR]
        [--year Y] [--repeat 3]

Measures, in this process:

* **one county-year**: :func:`eduwb.analysis.pathway.pathway` on ``data/sample`` for its last
  year — cold (the first call after loading: the resource values, class cube and scorecard
  computed on the way) and warm (best of ``--repeat``); the solver's share is printed;
* **the province bill**: ``--counties`` generated counties (``eduwb sample --counties N``,
  unless ``--data`` names a folder of them) loaded, pooled, then
  :func:`eduwb.analysis.province.bill_table` cold — every county's pathway — against the
  load time of the same counties, and the province's total.

Targets: one county-year ≤ 1 s; the bill ≤ 3 × load. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from _common import best_of  # noqa: E402

from eduwb.analysis import province  # noqa: E402
from eduwb.analysis.pathway import pathway  # noqa: E402
from eduwb.data.dataset import load, pool  # noqa: E402
from eduwb.standards import load_standard  # noqa: E402


def seconds(fn):
    start = time.perf_counter()
    value = fn()
    return time.perf_counter() - start, value


def one_county(std, repeat: int) -> None:
    ds = load(ROOT / "data" / "sample", cache=False)
    year = max(ds.years)
    cold, pw = seconds(lambda: pathway(ds, std, year))
    warm = best_of(repeat, lambda: pathway(ds, std, year))
    prof = cProfile.Profile()
    prof.runcall(pathway, ds, std, year)
    stats = pstats.Stats(prof)
    solver = sum(v[3] for k, v in stats.stats.items() if k[2] == "milp")
    print(
        f"one county-year (data/sample {year}): {len(pw.actions)} actions, "
        f"{pw.total_yuan:,.0f} 元, {pw.method}"
    )
    print(f"  cold {cold:6.3f} s   warm {warm:6.3f} s   (HiGHS: {solver:.3f} s of a warm run)   target ≤ 1 s")


def province_bill(std, counties: int, schools: int, data: Path | None, year: int | None) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        if data is None:
            from eduwb.data.sample import write_sample

            took, folders = seconds(
                lambda: write_sample(Path(tmp) / "counties", counties=counties, schools=schools)
            )
            print(f"wrote {len(folders)} sample counties ({schools} schools each) in {took:.1f} s")
        else:
            folders = sorted(p for p in data.iterdir() if (p / "schools.csv").exists())[:counties]
        loaded, datasets = seconds(lambda: [load(f, cache=False) for f in folders])
        ds = pool(datasets, name="示例省")
        year = year or max(ds.years)
        province._VIEWS.clear()
        took, bill = seconds(lambda: province.bill_table(ds, std, year=year))
        print(f"load {len(folders)} counties: {loaded:8.2f} s")
        print(
            f"province bill {year}, cold (every county's pathway): {took:8.2f} s = {took / loaded:.2f} × load"
            f"   (target ≤ 3 × load); total {bill['cost_yuan'].sum() / 1e4:,.0f} 万元"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--counties", type=int, default=100)
    parser.add_argument("--schools", type=int, default=45)
    parser.add_argument("--data", type=Path, help="a folder of county folders (eduwb sample --counties N)")
    parser.add_argument("--year", type=int)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    std = load_standard("moe-2017")
    one_county(std, args.repeat)
    province_bill(std, args.counties, args.schools, args.data, args.year)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
