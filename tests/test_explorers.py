"""The notebooks' interactive explorers: built from the sample's tables, each change redraws the chart.

Nothing is timed here (benchmarks/bench_widgets.py times the callbacks).
"""

from __future__ import annotations

from functools import partial

import ipywidgets as widgets
import matplotlib
import pytest

matplotlib.use("agg")

from eduwb.analysis import balance, classsize, rotation, scorecard  # noqa: E402
from eduwb.present import setup  # noqa: E402
from eduwb.present.charts import classsize as class_charts  # noqa: E402
from eduwb.present.charts import resources as resource_charts  # noqa: E402
from eduwb.present.charts import rotation as rotation_charts  # noqa: E402
from eduwb.present.charts import scorecard as scorecard_charts  # noqa: E402


def _find(box, kind):
    if isinstance(box, kind):
        return [box]
    return [w for child in getattr(box, "children", ()) for w in _find(child, kind)]


def _shown(box, kind):
    """The widgets of a kind that show something (not the explorer's hidden style)."""
    return [w for w in _find(box, kind) if w.layout.display != "none"]


def _explorers(ds, std):
    setup("zh")
    year = ds.years[-1]
    trend = scorecard.scorecard_trend(ds, std, lang="zh")
    dimensions = {d: std.dimension_name(d, "zh") for d in std.raw["dimensions"]}
    ledger = classsize.ledger_table(ds, std, year=year)
    by_school = classsize.classsize_table(ds, std, by="school").query("year <= @year")
    return {
        "scorecard": lambda: scorecard_charts.explorer(
            trend, scorecard.dimension_trend(trend, std, "zh"), dimensions, "zh"
        ),
        "resources": lambda: resource_charts.explorer(balance.profiles(ds, std, year=year), std, "zh"),
        "classsize": lambda: class_charts.explorer(by_school, ledger, std, "zh"),
        "rotation": lambda: rotation_charts.eligibility_explorer(
            partial(rotation.rotation_table, ds, std), rotation.eligibility_rule(ds).as_dict(), "zh"
        ),
    }


@pytest.mark.parametrize("name", ["scorecard", "resources", "classsize", "rotation"])
def test_each_change_redraws_the_one_chart(sample_dataset, standard, name):
    box = _explorers(sample_dataset, standard)[name]()
    (image,) = _find(box, widgets.Image)
    before = bytes(image.value)
    assert before[:8] == b"\x89PNG\r\n\x1a\n"
    control = (_find(box, widgets.Dropdown) or _find(box, widgets.IntSlider))[0]
    if isinstance(control, widgets.IntSlider):
        assert control.continuous_update is False  # recount when let go, not at every step
        control.value = control.min
    else:
        values = [o[1] if isinstance(o, tuple) else o for o in control.options]
        control.value = next(v for v in values if v != control.value)
    assert bytes(image.value) != before  # the same image widget shows the new chart
    assert len(_find(box, widgets.Image)) == 1
    # a dead explorer says so: its box carries the class and the style that fade it with a message
    assert "eduwb-explorer" in box.get_state()["_dom_classes"]
    (style,) = [w for w in _find(box, widgets.HTML) if w.layout.display == "none"]
    assert ".eduwb-explorer.jupyter-widgets-disconnected::before" in style.value
    assert "重新运行本单元" in style.value


def test_the_eligibility_explorer_shows_no_year_after_the_notebooks(sample_dataset, standard):
    """A notebook run with ``year = 2023`` offers 2021–2023 only (the sample holds 2021–2025)."""
    import re

    setup("zh")
    compute = partial(rotation.rotation_table, sample_dataset, standard)
    rule = rotation.eligibility_rule(sample_dataset).as_dict()
    box = rotation_charts.eligibility_explorer(compute, rule, "zh", year=2023)
    (table,) = _shown(box, widgets.HTML)

    def years() -> set[int]:
        return {int(y) for y in re.findall(r"<td>(20\d\d)</td>", table.value)}

    assert years() and max(years()) == 2023 and not years() & {2024, 2025}
    slider = _find(box, widgets.IntSlider)[0]
    slider.value = slider.min  # a change of rule keeps to the same years
    assert max(years()) == 2023 and not years() & {2024, 2025}
    every = rotation_charts.eligibility_explorer(compute, rule, "zh")
    (table,) = _shown(every, widgets.HTML)
    assert {2024, 2025} <= years()
