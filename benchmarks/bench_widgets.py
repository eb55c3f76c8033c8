"""How fast do the notebooks' interactive explorers answer?  Each widget callback, timed on the sample.

    .venv/bin/python benchmarks/bench_widgets.py [--data data/sample] [--repeat 5]

Builds the four explorers the notebooks show when ``interactive=True`` (from
``eduwb.present.charts.*``), with the tables the notebooks give them, inside an IPython shell
(so a figure shown becomes its PNG, as in Jupyter), then changes each control to other
values and times the callback that runs: from the new value to the updated chart and table.
Prints the median and the slowest change per explorer, beside the target (< 100 ms).
Building an explorer (once per notebook run) is printed too.  Asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET_MS = 100.0


def _explorers(data: Path):
    """(name, build, [(control, values)]) for each explorer, with the tables its notebook computes."""
    from eduwb.analysis import balance, classsize, rotation, scorecard
    from eduwb.data.dataset import load
    from eduwb.present.charts import classsize as class_charts
    from eduwb.present.charts import resources as resource_charts
    from eduwb.present.charts import rotation as rotation_charts
    from eduwb.present.charts import scorecard as scorecard_charts
    from eduwb.standards import load_standard

    ds = load(data)
    std = load_standard(ds.settings.standard)
    year = ds.years[-1]
    lang = "zh"

    # notebook 00
    trend = scorecard.scorecard_trend(ds, std, lang=lang)
    dimensions = {d: std.dimension_name(d, lang) for d in std.raw["dimensions"]}
    by_year = scorecard.dimension_trend(trend, std, lang)

    def scorecard_explorer():
        return scorecard_charts.explorer(trend, by_year, dimensions, lang)

    # notebook 01
    profiles = balance.profiles(ds, std, year=year)

    def resources_explorer():
        return resource_charts.explorer(profiles, std, lang)

    # notebook 02
    ledger = classsize.ledger_table(ds, std, year=year)
    by_school = classsize.classsize_table(ds, std, by="school").query("year <= @year")

    def classsize_explorer():
        return class_charts.explorer(by_school, ledger, std, lang)

    # notebook 03
    rule = rotation.eligibility_rule(ds)

    def rotation_explorer():
        return rotation_charts.eligibility_explorer(
            partial(rotation.rotation_table, ds, std), rule.as_dict(), lang
        )

    return [
        ("00 scorecard: year", scorecard_explorer),
        ("01 resources: school section", resources_explorer),
        ("02 class size: school", classsize_explorer),
        ("03 rotation: eligibility sliders", rotation_explorer),
    ]


def _controls(box) -> list:
    """The value widgets (dropdowns, sliders) inside an explorer, in order."""
    import ipywidgets as widgets

    found = []

    def walk(w):
        if isinstance(w, widgets.ValueWidget) and hasattr(w, "options") or isinstance(w, widgets.IntSlider):
            found.append(w)
        for child in getattr(w, "children", ()):
            walk(child)

    walk(box)
    return found


def _values(control, count: int) -> list:
    """Up to ``count`` values other than the current one, spread over the control's range."""
    if hasattr(control, "options"):
        values = [v[1] if isinstance(v, tuple) else v for v in control.options]
    else:
        values = list(range(control.min, control.max + 1))
    values = [v for v in values if v != control.value]
    step = max(1, len(values) // count)
    return values[::step][:count]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(ROOT / "data" / "sample"))
    parser.add_argument("--repeat", type=int, default=5, help="changes timed per control (default 5)")
    args = parser.parse_args()

    from eduwb.present import setup
    from eduwb.report.engine import report_shell

    shell = report_shell()  # an IPython shell: display() formats figures into PNGs, as in Jupyter
    setup("zh")
    explorers = _explorers(Path(args.data).resolve())
    print(
        f"widget callbacks on {Path(args.data).name} (median and slowest of {args.repeat} changes per "
        f"control; target < {TARGET_MS:.0f} ms)"
    )
    worst = 0.0
    for name, build in explorers:
        build()  # first build: imports and caches, not counted
        t0 = time.perf_counter()
        box = build()
        built = time.perf_counter() - t0
        shell.eduwb_outputs = []  # what the explorer displays is kept, as Jupyter would, then dropped
        for control in _controls(box):
            times, cpu = [], []
            for value in _values(control, args.repeat):
                t0, c0 = time.perf_counter(), time.process_time()
                control.value = value  # runs the observer, as a change in the browser does
                times.append(time.perf_counter() - t0)
                cpu.append(time.process_time() - c0)
            label = getattr(control, "description", "") or type(control).__name__
            if not times:
                continue
            worst = max(worst, max(times))
            print(
                f"  {name:<34} {label:<18} median {1000 * statistics.median(times):6.1f} ms  "
                f"slowest {1000 * max(times):6.1f} ms  (CPU median {1000 * statistics.median(cpu):5.1f} ms; "
                f"built in {1000 * built:6.1f} ms)"
            )
        shell.eduwb_outputs = None
    print(
        f"slowest callback: {1000 * worst:.1f} ms ({'met' if worst * 1000 < TARGET_MS else 'missed'}: "
        f"< {TARGET_MS:.0f} ms); load average {os.getloadavg()[0]:.1f} "
        "(other work on this machine slows these figures)"
    )


if __name__ == "__main__":
    sys.exit(main())
