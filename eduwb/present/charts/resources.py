"""Charts of the resource indicators: value ÷ threshold heatmap, CVs against limits, profiles, plan.

Every function takes the tidy tables of :mod:`eduwb.analysis.resources`, :mod:`eduwb.analysis.balance` and
:mod:`eduwb.analysis.plan` (already computed) and returns a matplotlib Figure (the explorer returns
an ipywidgets widget). Nothing here computes an indicator.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.colors import TwoSlopeNorm
from matplotlib.figure import Figure

from eduwb import numbers
from eduwb.present import t
from eduwb.present.charts.scorecard import FAIL_COLOUR, PASS_COLOUR
from eduwb.present.figures import text_colour_on
from eduwb.present.words import GAP_UNITS, pick_all
from eduwb.standards import Standard

NEAR_COLOUR = "#e67e22"
MEAN_COLOUR = "#7f8c8d"
NOT_APPLICABLE = "—"

REASONS = {
    "threshold": ("补足到标准值", "to the threshold"),
    "min_ratio": ("补足到标准值的85%（允许一项）", "to 85 % (the one exempted indicator)"),
    "cv": ("削峰填谷降低差异系数", "raised to lower the CV"),
    "threshold+cv": ("补足到标准值并降低差异系数", "to the threshold and for the CV"),
    "min_ratio+cv": ("补足到85%并降低差异系数", "to 85 % and for the CV"),
}
STATUSES = {
    "ok": ("正常", "ok"),
    "missing": ("缺数据", "missing"),
    "undefined": ("无法计算", "undefined"),
    "partial": ("不完整", "partial"),
}


def localise(df: pd.DataFrame, std: Standard, lang: str = "zh") -> pd.DataFrame:
    """Codes in cells made readable: stage names, gap units, plan reasons, statuses."""
    out = df.copy()
    # "not applicable" is not "missing" (缺数据): a dash where nothing is tested or computed
    applicable = out["status"] != "missing" if "status" in out else pd.Series(True, index=out.index)
    if "stage" in out:
        out["stage"] = out["stage"].map(lambda s: std.stage_name(s, lang))
    if "gap_unit" in out:
        out["gap_unit"] = out["gap_unit"].map(pick_all(GAP_UNITS, lang)).fillna(out["gap_unit"])
    if "reason" in out:
        out["reason"] = out["reason"].map(pick_all(REASONS, lang)).fillna(out["reason"])
    if "status" in out:
        labels = pick_all(STATUSES, lang)
        out["status"] = out["status"].map(
            lambda s: labels.get(str(s).split(":")[0], s) if isinstance(s, str) else s
        )
    for col in ("limit", "passes", "level", "passes_after"):
        if col in out:
            out[col] = out[col].astype(object).where(out[col].notna() | ~applicable, NOT_APPLICABLE)
    if "indicator" in out and "composite" in set(out["indicator"]):
        composite = out["indicator"] == "composite"
        for col in ("county_mean", "std"):
            if col in out:
                out[col] = out[col].astype(object).where(~composite, NOT_APPLICABLE)
        out["indicator"] = out["indicator"].replace({"composite": t("综合差异系数", "composite", lang)})
    return out


def display_limits(table: pd.DataFrame, std: Standard) -> dict[str, list[tuple[pd.Series | float, str]]]:
    """The limits the cells of a per-section table are judged against, for ``show_table(limits=…)``.

    Each resource indicator column (``R1``…) against its threshold for the row's stage, and
    ``weakest_ratio`` against the per-school rule's ``min_ratio_rest`` and 1 — so that the
    display rule never shows a failing 2.3977 as "2.40" against 2.4, or 0.8499 as "0.850".
    ``table`` is the analysis table (stage codes, before :func:`localise`).
    """
    out: dict[str, list[tuple[pd.Series | float, str]]] = {}
    if "stage" in table.columns:
        for ind in std.resource_indicators:
            if ind.id in table.columns and ind.threshold is not None:
                thresholds = {s: ind.threshold_for(s) for s in std.stages}
                out[ind.id] = [(table["stage"].map(thresholds).astype("float64"), ">=")]
    if "weakest_ratio" in table.columns and std.school_rule is not None:
        out["weakest_ratio"] = [(float(std.school_rule["min_ratio_rest"]), ">="), (1.0, ">=")]
    return out


def _floor(std: Standard) -> float | None:
    """The per-school rule's floor for the other indicators (value ÷ threshold), if any."""
    return float(std.school_rule["min_ratio_rest"]) if std.school_rule else None


def _ratio_colours(ratio: np.ndarray, floor: float | None) -> np.ndarray:
    """Green at or above the threshold, orange between the floor and it, red below."""
    near = np.where(floor is not None and ratio >= (floor or 0) - 1e-9, NEAR_COLOUR, FAIL_COLOUR)
    return np.where(ratio >= 1 - 1e-9, PASS_COLOUR, near)


def ratio_heatmap(profiles: pd.DataFrame, std: Standard, lang: str = "zh") -> Figure:
    """School section × indicator heatmap of value ÷ threshold (red below 1, green above).

    ``profiles`` is :func:`eduwb.analysis.balance.profiles`. Cells are annotated with the ratio;
    colours saturate at 0.5 and 1.5.
    """
    stages = profiles["stage"].map(lambda s: std.stage_name(s, lang))
    frame = profiles.assign(section=profiles["school_name"] + "·" + stages)
    order = list(dict.fromkeys(frame["section"]))
    columns = list(dict.fromkeys(frame["indicator"]))
    grid = frame.pivot(index="section", columns="indicator", values="ratio").reindex(
        index=order, columns=columns
    )
    height = max(2.5, 0.22 * len(order) + 1.3)
    fig, ax = plt.subplots(figsize=(7.5, height))
    norm = TwoSlopeNorm(vmin=0.5, vcenter=1.0, vmax=1.5)
    image = ax.imshow(grid.to_numpy(dtype=float).clip(0.5, 1.5), cmap="RdYlGn", norm=norm, aspect="auto")
    ax.set_xticks(range(len(columns)), columns)
    ax.set_yticks(range(len(order)), order, fontsize=7.5)
    ax.xaxis.tick_top()
    floor = _floor(std)
    for (i, j), ratio in np.ndenumerate(grid.to_numpy(dtype=float)):
        if np.isnan(ratio):
            continue
        weight = "bold" if ratio < 1 else "normal"
        text = numbers.number(ratio, 2, [(1.0, ">="), *([(floor, ">=")] if floor is not None else [])])
        colour = text_colour_on(image.cmap(norm(min(max(ratio, 0.5), 1.5))))  # readable on its cell
        # inside its cell: tight_layout need not measure hundreds of these (most of its cost)
        ax.text(j, i, text, ha="center", va="center", fontsize=6.5, fontweight=weight, color=colour,
                in_layout=False)  # fmt: skip
    bar = fig.colorbar(image, ax=ax, fraction=0.04, pad=0.02)
    bar.set_label(t("数值 ÷ 标准值", "value ÷ threshold", lang))
    ax.set_title(t("各校（学段）资源配置指标达标比", "Value ÷ threshold by school section", lang), pad=22)
    ax.spines[:].set_visible(False)
    fig.tight_layout()
    return fig


def _stage_axes(n: int, width: float = 8.0, height: float = 3.4):
    fig, axes = plt.subplots(1, max(n, 1), figsize=(width, height), squeeze=False, sharey=False)
    return fig, list(axes[0])


def limit_line(ax, limit: float | None, right: float | None = None, lang: str = "zh") -> None:
    """A CV limit as a dashed line, labelled at x = ``right`` (unless None); nothing without one."""
    if limit is None:
        return
    ax.axhline(limit, ls="--", color=FAIL_COLOUR, lw=1)
    if right is not None:
        label = t(f"限值 {limit:g}", f"limit {limit:g}", lang)
        ax.text(right, limit, label, ha="right", va="bottom", fontsize=8)


def cv_bars(balance: pd.DataFrame, std: Standard, lang: str = "zh") -> Figure:
    """Each indicator's CV per stage as bars, against the limit (dashed); over-limit bars in red.

    ``balance`` is :func:`eduwb.analysis.balance.balance_table` (the composite row is drawn grey).
    """
    stages = [s for s in std.stages if s in set(balance["stage"])]
    fig, axes = _stage_axes(len(stages))
    for ax, stage in zip(axes, stages, strict=False):
        rows = balance[balance["stage"] == stage]
        cv = pd.to_numeric(rows["cv"], errors="coerce").astype(float).fillna(0.0).to_numpy()
        passes = rows["passes"].astype("boolean")
        colours = np.where(
            rows["indicator"] == "composite",
            MEAN_COLOUR,
            np.where(passes.fillna(True).to_numpy(dtype=bool), PASS_COLOUR, FAIL_COLOUR),
        )
        labels = rows["indicator"].replace({"composite": t("综合", "comp.", lang)})
        ax.bar(range(len(rows)), cv, color=colours)
        ax.set_xticks(range(len(rows)), labels)
        limit = std.cv_limit(stage) if std.balance_test == "each" else std.composite_limit(stage)
        limit_line(ax, limit, len(rows) - 0.5, lang)
        row_limits = pd.to_numeric(rows["limit"], errors="coerce").astype(float).to_numpy()
        for x, v, status, lim in zip(range(len(rows)), cv, rows["status"], row_limits, strict=True):
            known = status in ("ok", "partial")
            label = numbers.number(v, 3, [(lim, "<=")]) if known else t("缺数据", "n/a", lang)
            ax.text(x, v, label, ha="center", va="bottom", fontsize=7)
        ax.set_title(std.stage_name(stage, lang))
        ax.set_ylim(0, max(float(cv.max()) if len(cv) else 0, limit or 0) * 1.2 + 1e-9)
    axes[0].set_ylabel(t("差异系数", "CV", lang))
    fig.suptitle(t("各指标差异系数与限值", "CV of each indicator against its limit", lang))
    fig.tight_layout()
    return fig


def cv_trend(trend: pd.DataFrame, std: Standard, lang: str = "zh") -> Figure:
    """CVs over the years, one line per indicator, per stage, with the limit dashed.

    ``trend`` is :func:`eduwb.analysis.balance.balance_trend`.
    """
    stages = [s for s in std.stages if s in set(trend["stage"])]
    fig, axes = _stage_axes(len(stages), height=3.6)
    years = sorted(trend["year"].unique())
    for ax, stage in zip(axes, stages, strict=False):
        rows = trend[(trend["stage"] == stage) & (trend["status"].isin(["ok", "partial"]))]
        for ind, grp in rows.groupby("indicator", sort=False):
            composite = ind == "composite"
            style = (
                {"color": MEAN_COLOUR, "lw": 2.2, "ls": ":"}
                if composite
                else {"lw": 1.3, "marker": "o", "ms": 3}
            )
            label = t("综合", "composite", lang) if composite else ind
            ax.plot(grp["year"], pd.to_numeric(grp["cv"]).astype(float), label=label, **style)
        limit_line(ax, std.cv_limit(stage) if std.balance_test == "each" else std.composite_limit(stage))
        ax.set_xticks(years, [str(y) for y in years])
        ax.set_title(std.stage_name(stage, lang))
        ax.set_ylim(bottom=0)
    axes[0].set_ylabel(t("差异系数", "CV", lang))
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, fontsize=7.5, ncol=len(labels), frameon=False, loc="lower center")
    fig.suptitle(t("差异系数历年变化（虚线为限值）", "CV over the years (dashed: limit)", lang))
    fig.tight_layout(rect=(0, 0.07, 1, 1))
    return fig


def profiles_grid(
    profiles: pd.DataFrame, std: Standard, sections: pd.DataFrame, lang: str = "zh", cols: int = 4
) -> Figure:
    """Small multiples of one section's values ÷ threshold (bars: green at or above the
    threshold, orange between the per-school floor and it, red below) next to the county mean's,
    for the given sections (``school_id, stage``).

    Every panel shares one y scale (value ÷ threshold from 0) and is drawn on one canvas
    (:func:`_panel_canvas`): a county fails dozens of sections, and a matplotlib Axes per
    panel cost about 50 ms each to build and draw (1.7 s for 35 panels); the collections
    below draw them all at once.
    """
    keys = list(sections[["school_id", "stage"]].itertuples(index=False, name=None))
    rows_n = int(np.ceil(max(len(keys), 1) / cols))
    fig = plt.figure(figsize=(9, 1.9 * rows_n + 0.5))
    fig.suptitle(
        t(
            "未达标学校（学段）：数值 ÷ 标准值（灰色为县域均值）",
            "Failing sections: value ÷ threshold (grey: county mean)",
            lang,
        )
    )
    if not keys:
        blank = fig.add_axes((0, 0, 1, 1))
        blank.set_axis_off()
        blank.text(0.5, 0.5, t("所有学校均达标", "every section passes", lang), ha="center")
        return fig
    by_section = profiles.set_index(["school_id", "stage"]).sort_index()
    panels = [by_section.loc[[key]] for key in keys]
    _panel_canvas(
        fig,
        panels,
        [
            f"{p['school_name'].iloc[0]}·{std.stage_name(k[1], lang)}"
            for p, k in zip(panels, keys, strict=True)
        ],
        std,
        cols,
    )
    return fig


def _panel_canvas(
    fig: Figure, panels: list[pd.DataFrame], titles: list[str], std: Standard, cols: int
) -> None:
    """Draw each panel's bars (school: coloured by ratio; county mean: grey), the lines at 1
    and at the floor, its frame, ticks and labels, in figure coordinates, with one collection
    per kind of mark.

    Why this is long: it is the layout of a grid of small charts (panel rectangles as a
    GridSpec with fixed spacing would place them, one shared y scale, the ticks), kept in one
    place so that the geometry is read together.
    """
    from matplotlib.collections import LineCollection, PolyCollection
    from matplotlib.ticker import MaxNLocator

    height = fig.get_figheight()
    left, right, bottom, top, hspace, wspace = 0.05, 0.99, 0.3 / height, 1 - 0.85 / height, 0.75, 0.12
    rows_n = int(np.ceil(len(panels) / cols))
    width = (right - left) / (cols + wspace * (cols - 1))
    tall = (top - bottom) / (rows_n + hspace * (rows_n - 1))
    floor = _floor(std)
    ymax = 1.05 * max(
        [1.0, floor or 0.0]
        + [float(np.nanmax(p[["ratio", "mean_ratio"]].to_numpy(dtype=float), initial=0.0)) for p in panels]
    )
    yticks = [v for v in MaxNLocator(nbins=4).tick_values(0.0, ymax) if 0 <= v <= ymax]
    bars, colours, lines, line_colours, frames, ticks = [], [], [], [], [], []
    for k, rows in enumerate(panels):
        x0 = left + (k % cols) * width * (1 + wspace)
        y0 = top - (k // cols + 1) * tall - (k // cols) * tall * hspace
        n = len(rows)
        span = n - 0.2 + 0.1 * (n - 0.2)  # bars from -0.4 to n - 0.6, 5 % margins each side

        def fx(x: np.ndarray | float, n_: int = n, x0_: float = x0, span_: float = span) -> np.ndarray:
            return x0_ + (np.asarray(x, dtype=float) + 0.4 + 0.05 * (n_ - 0.2)) / span_ * width

        def fy(y: np.ndarray | float, y0_: float = y0) -> np.ndarray:
            return y0_ + np.clip(np.asarray(y, dtype=float), 0, ymax) / ymax * tall

        ratio = rows["ratio"].to_numpy(dtype=float)
        x = np.arange(n)
        for offset, values in ((-0.2, ratio), (0.2, rows["mean_ratio"].to_numpy(dtype=float))):
            xl, xr = fx(x + offset - 0.2), fx(x + offset + 0.2)
            yb, yt = fy(np.zeros(n)), fy(np.nan_to_num(values))
            bars.extend(np.stack([np.c_[xl, yb], np.c_[xl, yt], np.c_[xr, yt], np.c_[xr, yb]], axis=1))
        colours.extend(_ratio_colours(ratio, floor))
        colours.extend([MEAN_COLOUR + "99"] * n)  # the county mean at alpha 0.6
        lines.append([(x0, fy(1.0)), (x0 + width, fy(1.0))])
        line_colours.append("black")
        if floor is not None:
            lines.append([(x0, fy(floor)), (x0 + width, fy(floor))])
            line_colours.append(NEAR_COLOUR)
        frames.append([(x0, y0 + tall), (x0, y0), (x0 + width, y0)])  # left and bottom spines, as the style
        for xi, label in zip(fx(x), rows["indicator"], strict=True):
            ticks.append([(xi, y0), (xi, y0 - 0.035 / height)])
            fig.text(xi, y0 - 0.06 / height, str(label), ha="center", va="top", fontsize=7)
        for v in yticks:
            ticks.append([(x0, fy(v)), (x0 - 0.035 / 9, fy(v))])
            if k % cols == 0:  # the shared scale is labelled on the first column only
                fig.text(x0 - 0.06 / 9, fy(v), f"{v:g}", ha="right", va="center", fontsize=7)
        fig.text(x0 + width / 2, y0 + tall + 0.06 / height, titles[k], ha="center", va="bottom", fontsize=8)
    # one blank Axes holds the marks: a figure is shown (and counted as drawn) by its axes
    canvas = fig.add_axes((0, 0, 1, 1))
    canvas.set_axis_off()
    on_figure = {"transform": fig.transFigure}
    canvas.add_collection(PolyCollection(bars, facecolors=colours, edgecolors="none", **on_figure))
    styles = ["-" if c == "black" else "--" for c in line_colours]
    canvas.add_collection(
        LineCollection(lines, colors=line_colours, linewidths=0.8, linestyles=styles, **on_figure)
    )
    canvas.add_collection(LineCollection(frames + ticks, colors="black", linewidths=0.8, **on_figure))


def explorer(profiles: pd.DataFrame, std: Standard, lang: str = "zh"):
    """An ipywidgets explorer: pick a school section, see its values against the standard and the county.

    One section's values ÷ threshold next to the county mean's (as :func:`profiles_grid`), drawn
    once and updated in place: each section has the same indicators, so a change only sets bar
    heights, colours, labels, the scale and the title.
    """
    import ipywidgets as widgets

    from eduwb.present.figures import explorer_box, explorer_figure, figure_image

    indicators = list(dict.fromkeys(profiles["indicator"]))
    sections = profiles[["school_id", "school_name", "stage"]].drop_duplicates()
    options = [
        (f"{r.school_name}·{std.stage_name(r.stage, lang)}", (r.school_id, r.stage))
        for r in sections.itertuples(index=False)
    ]
    # every section's rows, in indicator order, found once rather than filtered per change
    rows_of = {
        key: rows.set_index("indicator").reindex(indicators)
        for key, rows in profiles.groupby(["school_id", "stage"], sort=False)
    }
    labels = dict(zip(((o[1]) for o in options), (o[0] for o in options), strict=True))
    picker = widgets.Dropdown(options=options, description=t("学校", "School", lang))

    fig = explorer_figure((7.5, 3.4))
    ax = fig.add_subplot()
    x = np.arange(len(indicators))
    zeros = np.zeros(len(indicators))
    school = ax.bar(x - 0.2, zeros, width=0.4, color=PASS_COLOUR, label=t("本校", "school", lang))
    county = ax.bar(
        x + 0.2, zeros, width=0.4, color=MEAN_COLOUR, alpha=0.6, label=t("县域均值", "county mean", lang)
    )
    ax.axhline(1.0, color="black", lw=0.8)
    floor = _floor(std)
    if floor is not None:
        ax.axhline(floor, color=NEAR_COLOUR, lw=0.8, ls="--")
    values = [ax.text(xi - 0.2, 0, "", ha="center", va="bottom", fontsize=6.5, rotation=90) for xi in x]
    ax.set_xticks(x, indicators)
    ax.set_ylabel(t("数值 ÷ 标准值", "value ÷ threshold", lang))
    ax.legend(fontsize=8, frameon=False, loc="upper right")
    title = ax.set_title("")
    fig.subplots_adjust(left=0.09, right=0.98, bottom=0.1, top=0.9)
    image, refresh = figure_image(fig)

    def draw(change=None):
        rows = rows_of[picker.value]
        ratio = rows["ratio"].to_numpy(dtype=float)
        known = ~np.isnan(ratio)
        colours = _ratio_colours(ratio, floor)
        for bar, height, colour in zip(school, np.where(known, ratio, 0.0), colours, strict=True):
            bar.set_height(height)
            bar.set_color(colour)
        for bar, height in zip(county, np.nan_to_num(rows["mean_ratio"].to_numpy(dtype=float)), strict=True):
            bar.set_height(height)
        for text, value, height, k in zip(
            values, rows["value"].to_numpy(dtype=float), ratio, known, strict=True
        ):
            text.set_text(f"{value:,.2f}" if k else "")
            text.set_y(height if k else 0.0)
        top = np.nanmax(rows[["ratio", "mean_ratio"]].to_numpy(dtype=float), initial=1.0)
        ax.set_ylim(0, top * 1.3)  # room for the values written above the bars
        title.set_text(labels[picker.value])
        refresh()

    picker.observe(draw, names="value")
    if options:
        draw()
    return explorer_box([picker, image], lang)


def plan_costs(summary: pd.DataFrame, std: Standard, lang: str = "zh") -> Figure:
    """The plan's cost per indicator and stage (horizontal stacked bars, 万元).

    ``summary`` is :func:`eduwb.analysis.plan.plan_summary`.
    """
    stages = [s for s in std.stages if s in set(summary["stage"])]
    ids = list(dict.fromkeys(summary["indicator"]))
    fig, ax = plt.subplots(figsize=(7.5, 3.2))
    left = np.zeros(len(ids))
    colours = [PASS_COLOUR, "#2c6fbb"]
    for n, stage in enumerate(stages):
        rows = summary[summary["stage"] == stage].set_index("indicator").reindex(ids)
        cost = rows["cost_yuan"].fillna(0).to_numpy(dtype=float) / 1e4
        ax.barh(ids, cost, left=left, color=colours[n % len(colours)], label=std.stage_name(stage, lang))
        left += cost
    for y, total in enumerate(left):
        ax.text(total, y, f" {total:,.1f}", va="center", fontsize=7.5)
    ax.invert_yaxis()
    ax.set_xlabel(t("估算费用（万元）", "Cost (10,000 yuan)", lang))
    ax.legend(frameon=False, fontsize=8)
    ax.set_title(t("达标方案费用构成", "Cost of the plan by indicator", lang))
    fig.tight_layout()
    return fig
