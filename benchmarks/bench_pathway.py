"""The pathway (达标路径): one county-year, the dashboard's button, and the province bill.

    .venv/bin/python benchmarks/bench_pathway.py [--counties 100] [--schools 45] [--data DIR]
        [--year Y] [--repeat 3]

Measures, in this process, each as wall time and as this process's CPU time (the machine
may be shared: CPU time is what other work disturbs least):

* **one county-year**: :func:`eduwb.analysis.pathway.pathway` on ``data/sample`` for its last
  year — cold (the first call after loading: the resource values, class cube and scorecard
  computed on the way), warm (best of ``--repeat`` solves: the dataset's own results kept,
  the pathway solved again) and asked again (the solve kept with the dataset); the
  solver's share is printed;
* **the dashboard's button**: :func:`eduwb.analysis.pathway.next_year` on the same data after
  its scorecard was shown — the first press (best of ``--repeat`` solves) and a press again;
* **the province bill** and **readiness**: ``--counties`` generated counties (``eduwb sample
  --counties N``, unless ``--data`` names a folder of them) loaded, pooled, then
  :func:`eduwb.analysis.province.bill_table` cold — every county's pathway — against the
  load time of the same counties; then the counties loaded afresh and
  :func:`eduwb.analysis.province.readiness_table` cold the same way.

Targets (issue 22): one county-year ≤ 1 s; the button ≤ 300 ms; the bill ≤ 3 × load.
Prints figures and ratios; asserts nothing.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


from _common import seconds, timed  # noqa: E402

from eduwb.analysis import province  # noqa: E402
from eduwb.analysis.pathway import next_year, pathway  # noqa: E402
from eduwb.analysis.scorecard import scorecard_table  # noqa: E402
from eduwb.data.dataset import load, pool  # noqa: E402
from eduwb.standards import load_standard  # noqa: E402


def best(repeat: int, fn, before=None) -> tuple[float, float]:
    """The fastest wall and CPU seconds of ``repeat`` runs (``before()`` untimed before each)."""
    runs = []
    for _ in range(repeat):
        if before is not None:
            before()
        runs.append(timed(fn)[:2])
    return min(r[0] for r in runs), min(r[1] for r in runs)


def forget_pathways(ds) -> None:
    """Drop the pathways kept with ``ds`` (its other results stay): the next call solves again."""
    memo = getattr(ds, "memo", None)
    if memo is not None:
        memo.results = {k: v for k, v in memo.results.items() if k[0] not in ("pathway", "next_year")}


def one_county(std, repeat: int) -> None:
    ds = load(ROOT / "data" / "sample", cache=False)
    year = max(ds.years)
    wall, cpu, pw = timed(lambda: pathway(ds, std, year))
    warm = best(repeat, lambda: pathway(ds, std, year), lambda: forget_pathways(ds))
    again = best(repeat, lambda: pathway(ds, std, year))
    forget_pathways(ds)
    prof = cProfile.Profile()
    prof.runcall(pathway, ds, std, year)
    stats = pstats.Stats(prof)
    solver = sum(v[3] for k, v in stats.stats.items() if k[2] == "milp")
    print(
        f"one county-year (data/sample {year}): {len(pw.actions)} actions, "
        f"{pw.total_yuan:,.0f} 元, {pw.method}"
    )
    print(
        f"  cold {wall:6.3f} s (CPU {cpu:.3f})   warm {warm[0]:6.3f} s (CPU {warm[1]:.3f})   "
        f"asked again {again[0]:6.4f} s   (HiGHS: {solver:.3f} s of a warm run)   target ≤ 1 s"
    )
    scorecard_table(ds, std, year=year)  # the dashboard shows the scorecard before the button
    first = best(repeat, lambda: next_year(ds, std, year), lambda: forget_pathways(ds))
    press = best(repeat, lambda: next_year(ds, std, year))
    print(
        f"dashboard button (next_year): first press {first[0] * 1000:6.0f} ms (CPU {first[1] * 1000:.0f} ms)"
        f"   pressed again {press[0] * 1000:6.1f} ms   target ≤ 300 ms: "
        f"{'met' if first[0] <= 0.3 else 'NOT met'} (wall), {'met' if first[1] <= 0.3 else 'NOT met'} (CPU)"
    )


def _province(folders, std, year, table) -> tuple[tuple[float, float], tuple[float, float], int]:
    """Load ``folders`` (wall, CPU), then ``table`` of the pooled counties cold (wall, CPU)."""
    lw, lc, datasets = timed(lambda: [load(f, cache=False) for f in folders])
    ds = pool(datasets, name="示例省")
    year = year or max(ds.years)
    tw, tc, _ = timed(lambda: table(ds, std, year=year))
    return (lw, lc), (tw, tc), year


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
        for name, table in (("bill", province.bill_table), ("readiness", province.readiness_table)):
            (lw, lc), (tw, tc), y = _province(folders, std, year, table)
            print(
                f"province {name} {y}, cold (every county's pathway), {len(folders)} counties: "
                f"{tw:7.2f} s = {tw / lw:.2f} × load ({lw:.2f} s); CPU {tc:7.2f} s = {tc / lc:.2f} × load "
                f"({lc:.2f} s)   target ≤ 3 × load: {'met' if tc <= 3 * lc else 'NOT met'} (CPU), "
                f"{'met' if tw <= 3 * lw else 'NOT met'} (wall)"
            )
        print(f"load average: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")


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
