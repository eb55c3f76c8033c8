"""The dashboard's what-if callbacks: milliseconds per change, against the 100 ms target.

    .venv/bin/python benchmarks/bench_dashboard.py [--data data/sample] [--repeat 20]

Builds :class:`eduwb.present.dashboard.Dashboard` on the county (not timed beyond the first
line: loading and :func:`eduwb.analysis.whatif.prepare`), then times each kind of change as a
leader makes it — the button's callback, which applies every change so far
(:func:`eduwb.analysis.whatif.apply`) and redraws the verdict, the failing indicators, the school's
indicators, the CVs and the list of changes (the HTML sent to the browser; the time to the
browser itself is measured by tests/test_browser.py) — and, alone, the
computation (:func:`whatif.apply` on the same changes). Also times a county of 10 × the sample's
school sections (the sample repeated), since a real county may have a few hundred.
Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import best_of  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", default=str(ROOT / "data" / "sample"))
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()

    from eduwb.analysis import whatif
    from eduwb.present.dashboard import Dashboard

    start = time.perf_counter()
    dash = Dashboard(args.data)
    print(
        "open the dashboard (load + prepare, once per county "
        f"and year): {(time.perf_counter() - start) * 1000:.0f} ms"
    )
    st = dash.state
    print(f"county {st.county} {st.year}: {len(st.sections)} school sections × {len(st.ids)} indicators")

    def timed(name: str, action) -> None:
        times = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            action()
            times.append(time.perf_counter() - start)
            if dash.changes:
                dash.changes.pop()  # forget it again, untimed (no redraw)
        print(
            f"  {name:<34} {min(times) * 1000:6.1f} ms per change "
            f"(best), {np.median(times) * 1000:6.1f} ms median"
        )

    print(f"callbacks (best of {args.repeat}):")
    dash.flag_backbone.value = True
    timed("add 1 backbone teacher", dash._hire)
    timed("add 500 m² sports ground", lambda: dash._add("sports_field_area_m2", 500))
    timed("add 1,000 m² indoor sports hall", lambda: dash._add("indoor_sports_area_m2", 1000))
    timed("add equipment 100,000 元", lambda: dash._add("equipment_value_yuan", 100000))
    timed("add 2 multimedia rooms", lambda: dash._add("multimedia_rooms", 2))
    timed("move a teacher", dash._move)
    refused = dash._guarded(lambda: dash._add("multimedia_rooms", float("nan")))
    timed("a refused input (message shown)", refused)
    dash._plan()  # the plan is computed once per county-year (cached), then applied like any change
    dash._undo()
    timed("apply the costed plan", dash._plan)
    # the structural levers (G3, G5, G4, G11): the data changed by the pathway's own functions,
    # their G rows judged again (cached per list of actions: a fresh list each time here)
    first = dash.section_picker.options[0][1]
    dash.section_picker.value = first
    sizes = iter(range(1, 10**6))

    def fresh(act):
        return lambda: act(next(sizes))

    def rooms(n):
        dash.n_rooms.value = 1 + n % 50  # a list of actions not seen yet (their G rows are cached)
        dash._build_rooms()

    def classes(n):
        dash.n_classes.value = 1 + n % 50
        dash._add_classes()

    def pupils(n):
        same = [i for _, i in dash.move_to.options if i != first
                and st.sections.iloc[i]["stage"] == st.sections.iloc[first]["stage"]]  # fmt: skip
        dash.move_to.value = same[0]
        dash.n_pupils.value = 1 + n % 50
        dash._move_pupils()

    def rotations(n):
        dash.n_rotations.value = 1 + n % 20
        dash._add_rotations()

    timed("build music/art rooms (G3)", fresh(rooms))
    timed("add classes in a grade (G5)", fresh(classes))
    timed("move pupils to a school (G4)", fresh(pupils))
    timed("add rotations (G11)", fresh(rotations))
    dash._reset()
    dash._pathway()  # first press: cold (HiGHS, pandas); then warm
    dash._reset()
    times = []
    for _ in range(max(3, args.repeat // 5)):
        start = time.perf_counter()
        dash._pathway()
        times.append(time.perf_counter() - start)
        dash._reset()
    ms = best_of(3, lambda: whatif.next_year(dash.origin)) * 1000
    print(f"  of which next_year + prepare on the data after it: {ms:.0f} ms (best of 3)")
    from eduwb.analysis.pathway import next_year

    ms = best_of(3, lambda: next_year(st.ds, st.std, st.year)) * 1000
    print(f"  of which pathway.next_year alone: {ms:.0f} ms (best of 3)")
    print(
        f"  {'pathway button (next_year + redraw)':<34} {min(times) * 1000:6.1f} ms (best), "
        f"{np.median(times) * 1000:6.1f} ms median (target ≤ 300 ms)"
    )
    picks = iter([o[1] for o in dash.section_picker.options[1:3]] * args.repeat)
    timed("pick another school", lambda: setattr(dash.section_picker, "value", next(picks)))

    changes = whatif.plan_changes(st)
    ms = best_of(args.repeat, lambda: whatif.apply(st, changes)) * 1000
    print(f"computation alone: whatif.apply with the plan's {len(changes)} changes: {ms:.2f} ms")

    # a county ten times the size: the state's arrays repeated
    big = whatif.State(**{**st.__dict__})
    reps = 10
    big.sections = st.sections.loc[np.tile(np.arange(len(st.sections)), reps)].reset_index(drop=True)
    big.sections["school_id"] = [
        f"{s}-{i // len(st.sections)}" for i, s in enumerate(big.sections["school_id"])
    ]
    for name in ("students", "stage_code"):
        setattr(big, name, np.tile(getattr(st, name), reps))
    for name in ("amount", "threshold", "base_values", "teachers"):
        setattr(big, name, np.tile(getattr(st, name), (reps, 1)))
    big.row_of = {
        (s, g): i
        for i, (s, g) in enumerate(zip(big.sections["school_id"], big.sections["stage"], strict=True))
    }
    one = [whatif.hire(big, big.sections["school_id"][0], big.sections["stage"][0], 1, backbone=True)]
    ms = best_of(args.repeat, lambda: whatif.apply(big, one)) * 1000
    print(f"computation alone, {len(big.sections)} school sections: {ms:.2f} ms per change")


if __name__ == "__main__":
    main()
