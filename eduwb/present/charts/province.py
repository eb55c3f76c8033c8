"""Charts and display helpers of the province view (notebook 04).

Everything here takes the tables of :mod:`eduwb.analysis.province` (already computed) and
returns display frames, style frames, Markdown or matplotlib Figures; nothing judges an
indicator: pass/fail, over-limit and readiness all come from the tables. Seaborn draws the CV
distributions on the project's matplotlib settings (:func:`eduwb.present.setup`: CJK font,
sizes); its own theme is never applied.
"""

from __future__ import annotations

import warnings

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from eduwb.lang import CLAUSE_SEP, LIST_SEP, name_before_number, pick
from eduwb.present import t
from eduwb.present.charts.resources import limit_line
from eduwb.present.charts.scorecard import CELL_CSS, COLOURS, VERDICT_LABELS, cell_grid, status_styles, titled
from eduwb.present.charts.scorecard import localise as localise_statuses
from eduwb.present.words import GAP_UNITS, READINESS_LABELS, pick_all
from eduwb.standards import Standard

PASS_COLOUR, FAIL_COLOUR, MISSING_COLOUR = COLOURS["pass"], COLOURS["fail"], COLOURS["missing"]
NEAR_COLOUR = "#e67e22"
PROVINCE_COLOUR = "#1f4e79"
READINESS_COLOURS = {
    "passes": PASS_COLOUR,
    "next_year": "#7fb069",
    "incomplete": MISSING_COLOUR,
    "far": FAIL_COLOUR,
    "vetoed": "#6d1f1a",
    "no_data": "#dddddd",
}
READINESS_CSS = {
    "passes": CELL_CSS["pass"],
    "next_year": "background-color:#e4f1d9;color:#2d5a16",
    "incomplete": CELL_CSS["missing"],
    "far": CELL_CSS["fail"],
    "vetoed": "background-color:#6d1f1a;color:#ffffff",
    "no_data": CELL_CSS["missing"],
}
# Short names of what the plan adds, by the column the indicator's formula counts (moe-2017's
# R1–R7); an indicator of another standard is named by its id.
ITEMS: dict[str, tuple[str, str]] = {
    "R1": ("高于规定学历教师", "teachers above the required degree"),
    "R2": ("县级及以上骨干教师", "backbone teachers"),
    "R3": ("体育、艺术专任教师", "PE and art teachers"),
    "R4": ("教学及辅助用房", "teaching space"),
    "R5": ("体育运动场馆", "sports ground"),
    "R6": ("教学仪器设备", "equipment"),
    "R7": ("网络多媒体教室", "multimedia rooms"),
    # the pathway's other items (eduwb.analysis.pathway.BILL_UNITS)
    "teachers": ("新招聘教师", "teachers hired"),
    "classes": ("增设班级", "extra classes"),
    "classrooms": ("新建普通教室", "new classrooms"),
    "music_art_rooms": ("音乐、美术教室", "music and art rooms"),
    "moved_pupils": ("分流学生", "pupils moved"),
    "places": ("新建校区学位", "new campus places"),
    "training": ("补足培训学时", "training hours"),
    "certificates": ("教师资格证", "teaching certificates"),
    "rotations": ("增加交流轮岗", "extra rotations"),
    "budget": ("年度预算不足", "annual budget short"),
}
WAN = 10_000  # costs are drawn in 万元 (10,000 yuan)


def readiness_label(code: str, lang: str = "zh") -> str:
    return pick(READINESS_LABELS.get(code, (code, code)), lang)


def item_label(indicator: str, lang: str = "zh") -> str:
    return pick(ITEMS[indicator], lang) if indicator in ITEMS else indicator


def cv_column_label(stage: str, indicator: str, std: Standard, lang: str = "zh") -> str:
    """``小学 R1`` / ``Primary R1`` (``综合`` for the composite)."""
    name = t("综合", "composite", lang) if indicator == "composite" else indicator
    return f"{std.stage_name(stage, lang)} {name}"


def localise(df: pd.DataFrame, std: Standard, lang: str = "zh") -> pd.DataFrame:
    """A copy for display: statuses, verdicts and readiness as words, stages and units named,
    ``cv_<stage>_<indicator>`` columns as ``小学 R1``, ids lists with 、."""
    dimensions = {d: std.dimension_name(d, lang) for d in std.raw["dimensions"]}
    out = localise_statuses(df, lang, dimensions)
    if "readiness" in out:
        out["readiness"] = out["readiness"].map(lambda c: readiness_label(c, lang))
    if "stage" in out:
        whole = t("全校/全县", "whole school/county", lang)
        out["stage"] = out["stage"].map(lambda s: std.stage_name(s, lang) if s in std.stages else whole)
    if "gap_unit" in out:
        out["gap_unit"] = out["gap_unit"].map(pick_all(GAP_UNITS, lang)).fillna(out["gap_unit"])
    if "indicator" in out:
        out["indicator"] = out["indicator"].replace({"composite": t("综合差异系数", "composite", lang)})
    sep = pick(LIST_SEP, lang)
    for col in out.columns:
        if col == "blocking":
            out[col] = out[col].str.replace("budget", item_label("budget", lang), regex=False)
        if col in ("failing", "blocking", "missing", "vetoes") or str(col).startswith("failing_"):
            out[col] = out[col].map(lambda v: v.replace(",", sep) if isinstance(v, str) else v)
    renames = {}
    for col in out.columns:
        for stage in std.stages:
            if isinstance(col, str) and col.startswith(f"cv_{stage}_"):
                renames[col] = cv_column_label(stage, col[len(f"cv_{stage}_") :], std, lang)
            elif col == f"composite_{stage}":
                renames[col] = cv_column_label(stage, "composite", std, lang)
    return out.rename(columns=renames)


def readiness_styles(df: pd.DataFrame) -> pd.DataFrame:
    """For ``show_table(highlight=…)``: statuses coloured as in the scorecard, readiness by class."""
    out = status_styles(df)
    if "readiness" in df:
        labels = {label: code for code, pair in READINESS_LABELS.items() for label in (*pair, code)}
        out["readiness"] = df["readiness"].map(lambda v: READINESS_CSS.get(labels.get(v, ""), ""))
    return out


def cv_grid(
    cvs: pd.DataFrame, year: int, std: Standard, lang: str = "zh"
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """County × (stage, indicator) CVs of ``year`` for display, and which cells exceed the limit.

    ``cvs`` is :func:`eduwb.analysis.province.province_balance_table` with ``by="county"``.
    Returns the display frame (``county`` then one column per stage × indicator, composite
    last in each stage) and a same-shaped boolean frame (True where ``passes`` is False).
    """
    rows = cvs[cvs["year"] == year]
    column = [cv_column_label(s, i, std, lang) for s, i in zip(rows["stage"], rows["indicator"], strict=True)]
    rows = rows.assign(column=column, over=rows["passes"].eq(False).fillna(False).astype(bool))
    order, labels = list(dict.fromkeys(rows["county"])), list(dict.fromkeys(column))
    values, over = (
        rows.pivot(index="county", columns="column", values=v).reindex(index=order, columns=labels)
        for v in ("cv", "over")
    )
    county = t("县（区）", "County", lang)
    shown = values.astype("float64").reset_index().rename(columns={"county": county})
    failing = over.fillna(False).astype(bool).reset_index(drop=True)
    failing.insert(0, county, False)
    return shown, failing


def headline_markdown(readiness: pd.DataFrame, province: str, year: int, lang: str = "zh") -> str:
    """The province in one paragraph: how many counties pass, could pass next year, are far."""
    counts = readiness["readiness"].value_counts()
    n = len(readiness)
    sep = pick(LIST_SEP, lang)

    def names(code: str) -> str:
        return sep.join(readiness.loc[readiness["readiness"] == code, "county"])

    parts = []
    for code in ("passes", "next_year", "incomplete", "far", "vetoed", "no_data"):
        k = int(counts.get(code, 0))
        if k:
            label = readiness_label(code, lang)
            parts.append(t(f"{label} {k} 个（{names(code)}）", f"{k} {label} ({names(code)})", lang))
    cost = readiness.loc[readiness["readiness"] == "next_year", "plan_cost_yuan"].astype("float64").sum()
    named = name_before_number(province)
    text = t(f"**{named}{year}年共 {n} 个县（区）：** ", f"**{province}, {year}: {n} counties.** ", lang)
    text += pick(CLAUSE_SEP, lang).join(parts) + t("。", ".", lang)
    if counts.get("next_year", 0):
        text += t(
            f"次年可望通过的县按达标路径合计约需 {cost / WAN:,.0f} 万元。",
            f" The counties that could pass next year need about {cost / WAN:,.0f} × 10,000 yuan"
            " along their pathways.",
            lang,
        )
    return text


def _top_note(title: str | None, shown: int, total: int, lang: str, what_zh: str, what_en: str) -> str | None:
    if title is None or shown >= total:
        return title
    return title + t(f"（{what_zh}前 {shown} 个，共 {total} 个）", f" ({what_en} {shown} of {total})", lang)


def readiness_chart(
    readiness: pd.DataFrame, lang: str = "zh", title: str | None = None, limit: int = 30
) -> Figure:
    """Counties in rank order (top: closest to recognition): the plan's cost as a bar coloured by
    readiness class, with the number of failing indicators and the blocking ones written beside it.

    ``readiness`` is :func:`eduwb.analysis.province.readiness_table`; only the first ``limit``
    counties are drawn (the table lists them all).
    """
    rows = readiness.reset_index(drop=True).head(limit)
    title = _top_note(title, len(rows), len(readiness), lang, "排序", "the first")
    n = len(rows)
    fig, ax = plt.subplots(figsize=(8, 0.42 * n + 1.4))
    y = np.arange(n)[::-1]
    cost = rows["plan_cost_yuan"].astype("float64").fillna(0.0).to_numpy() / WAN
    colours = [READINESS_COLOURS.get(c, MISSING_COLOUR) for c in rows["readiness"]]
    ax.barh(y, cost, color=colours, height=0.62)
    top = float(cost.max()) if n and cost.max() > 0 else 1.0
    for yi, c, row in zip(y, cost, rows.itertuples(), strict=True):
        failing = int(row.failing_count) if pd.notna(row.failing_count) else 0
        note = t(f"未达标 {failing} 项", f"{failing} failing", lang)
        if isinstance(row.blocking, str) and row.blocking:
            note += t(
                f"；障碍：{row.blocking.replace(',', '、')}",
                f"; blocking: {row.blocking.replace(',', ', ')}",
                lang,
            )
        ax.text(c + top * 0.01, yi, note, va="center", fontsize=7.5)
    ax.set_yticks(y, [f"{r}. {c}" for r, c in zip(rows["rank"], rows["county"], strict=True)])
    ax.set_xlim(0, top * 1.6)
    ax.set_xlabel(t("达标路径费用（万元）", "the pathway's cost (10,000 yuan)", lang))
    present = list(dict.fromkeys(rows["readiness"]))
    handles = [
        Patch(color=READINESS_COLOURS[c], label=readiness_label(c, lang))
        for c in present
        if c in READINESS_COLOURS
    ]
    ax.legend(handles=handles, ncol=min(len(handles), 4), loc="lower center", bbox_to_anchor=(0.5, 1.0),
              frameon=False, fontsize=8)  # fmt: skip
    return titled(fig, title, ax, pad=26)


def cv_distribution_chart(cvs: pd.DataFrame, spread: pd.DataFrame, year: int, std: Standard, lang: str = "zh",
                          title: str | None = None) -> Figure:  # fmt: skip
    """Each indicator's CV across the counties in ``year``: a box with every county as a dot
    (red when over the limit), the limit dashed, and the province's own CV as a diamond.

    ``cvs``: :func:`~eduwb.analysis.province.province_balance_table` ``by="county"``;
    ``spread``: the same table without ``by`` (its ``province_cv``).
    """
    import seaborn as sns

    rows = cvs[(cvs["year"] == year) & (cvs["indicator"] != "composite")].copy()
    rows["cv"] = rows["cv"].astype("float64")
    rows["over"] = rows["passes"].eq(False).fillna(False).astype(bool)
    stages = [s for s in std.stages if s in set(rows["stage"])]
    order = [i for i in dict.fromkeys(rows["indicator"])]
    fig, axes = plt.subplots(1, max(len(stages), 1), figsize=(8.4, 3.8), squeeze=False, sharey=True)
    for ax, stage in zip(axes[0], stages, strict=False):
        part = rows[rows["stage"] == stage]
        with warnings.catch_warnings():
            # seaborn 0.13 passes matplotlib 3.11's deprecated ``vert``; nothing for a reader to act on
            warnings.simplefilter("ignore", DeprecationWarning)
            sns.boxplot(data=part, x="indicator", y="cv", order=order, ax=ax, color="#d9e2ec", width=0.55,
                        fliersize=0, linewidth=0.8)  # fmt: skip
        # seaborn jitters with numpy's global generator: a fixed seed keeps the chart (and the
        # committed notebook) the same run after run; the caller's generator state is restored.
        state = np.random.get_state()
        np.random.seed(2024)
        try:
            sns.stripplot(data=part, x="indicator", y="cv", order=order, ax=ax, hue="over",
                          palette={False: PASS_COLOUR, True: FAIL_COLOUR}, size=4, jitter=0.18,
                          legend=False)  # fmt: skip
        finally:
            np.random.set_state(state)
        ref = spread[(spread["year"] == year) & (spread["stage"] == stage)].set_index("indicator")[
            "province_cv"
        ]
        ax.scatter(range(len(order)), [float(ref.get(i, np.nan)) for i in order], marker="D", s=28,
                   color=PROVINCE_COLOUR, zorder=5)  # fmt: skip
        limit_line(ax, std.cv_limit(stage) if std.balance_test == "each" else None, len(order) - 0.5, lang)
        ax.set_title(std.stage_name(stage, lang))
        ax.set_xlabel("")
        ax.set_ylabel(t("差异系数", "CV", lang))
        ax.set_ylim(bottom=0)
    handles = [
        plt.Line2D([], [], marker=marker, ls="", color=colour, label=t(zh, en, lang))
        for marker, colour, zh, en in (
            ("o", PASS_COLOUR, "各县", "a county"),
            ("o", FAIL_COLOUR, "超过限值的县", "a county over the limit"),
            ("D", PROVINCE_COLOUR, "全省所有学校", "all schools of the province"),
        )
    ]
    fig.legend(handles=handles, ncol=3, loc="lower center", frameon=False, fontsize=8)
    return titled(fig, title, rect=(0, 0.07, 1, 1))


def cv_spread_trend(
    spread: pd.DataFrame, std: Standard, lang: str = "zh", title: str | None = None
) -> Figure:
    """The composite CV over the years: the counties' median and interquartile band, and the
    province's own composite over all its schools (``spread``: the province balance table)."""
    rows = spread[spread["indicator"] == "composite"]
    stages = [s for s in std.stages if s in set(rows["stage"])]
    fig, axes = plt.subplots(1, max(len(stages), 1), figsize=(8, 3.2), squeeze=False, sharey=True)
    years = sorted(int(y) for y in rows["year"].unique())
    for ax, stage in zip(axes[0], stages, strict=False):
        part = rows[rows["stage"] == stage].sort_values("year")
        x = part["year"].astype(int).to_numpy()
        ax.fill_between(x, part["q1"].astype(float), part["q3"].astype(float), color="#d9e2ec",
                        label=t("各县四分位区间", "counties, interquartile range", lang))  # fmt: skip
        ax.plot(x, part["median"].astype(float), marker="o", color="#52606d",
                label=t("各县中位数", "counties, median", lang))  # fmt: skip
        ax.plot(x, part["province_cv"].astype(float), marker="D", color=PROVINCE_COLOUR, ls="--",
                label=t("全省所有学校", "all schools of the province", lang))  # fmt: skip
        ax.set_xticks(years, [str(y) for y in years])
        ax.set_title(std.stage_name(stage, lang))
        ax.set_ylim(bottom=0)
    axes[0][0].set_ylabel(t("综合差异系数", "composite CV", lang))
    handles, labels = axes[0][0].get_legend_handles_labels()
    fig.legend(handles, labels, ncol=3, loc="lower center", frameon=False, fontsize=8)
    return titled(fig, title, rect=(0, 0.08, 1, 1))


def bill_chart(
    bill: pd.DataFrame, std: Standard, lang: str = "zh", title: str | None = None, limit: int = 30
) -> Figure:
    """Each county's bill (``bill_table(by="county")``) as a stacked bar of its cost by item, in 万元
    (the ``limit`` costliest counties)."""
    items = list(dict.fromkeys([*(i.id for i in std.resource_indicators), *ITEMS]))
    costs = bill.groupby(["county", "indicator"], sort=False)["cost_yuan"].sum().unstack(fill_value=0.0)
    costs = costs.reindex(columns=[i for i in items if i in costs.columns]) / WAN
    total = len(costs)
    costs = costs.loc[costs.sum(axis=1).sort_values(ascending=True, kind="mergesort").index[-limit:]]
    title = _top_note(title, len(costs), total, lang, "费用最高的", "the costliest")
    n = max(len(costs), 1)
    fig, ax = plt.subplots(figsize=(8, 0.4 * n + 1.6))
    palette = plt.get_cmap("tab10")
    left = np.zeros(len(costs))
    for k, ind in enumerate(costs.columns):
        widths = costs[ind].to_numpy()
        ax.barh(np.arange(len(costs)), widths, left=left, color=palette(k % 10), label=item_label(ind, lang),
                height=0.6)  # fmt: skip
        left += widths
    for yi, total in enumerate(left):
        ax.text(total, yi, f" {total:,.0f}", va="center", fontsize=7.5)
    ax.set_yticks(np.arange(len(costs)), costs.index)
    ax.set_xlabel(t("费用（万元）", "cost (10,000 yuan)", lang))
    ax.set_xlim(0, (left.max() if len(left) else 1) * 1.15 + 1e-9)
    ax.legend(ncol=4, loc="lower center", bbox_to_anchor=(0.5, 1.0), frameon=False, fontsize=7.5)
    return titled(fig, title, ax, pad=40)


def verdict_grid(
    counties: pd.DataFrame, lang: str = "zh", title: str | None = None, limit: int = 40
) -> Figure:
    """County × year cells coloured by the verdict (``counties_table``), vetoes marked; with more
    than ``limit`` counties, the number of counties of each verdict per year instead."""
    years = sorted(int(y) for y in counties["year"].unique())
    names = list(dict.fromkeys(counties["county"]))
    if len(names) > limit:
        return verdict_counts(counties, lang, title)
    rows = counties.set_index(["county", "year"])
    cells = {}
    for i, county in enumerate(names):
        for j, year in enumerate(years):
            if (county, year) in rows.index:
                code, vetoes = rows.loc[(county, year), ["verdict", "vetoes"]]
                veto = t("·否决", " (veto)", lang) if isinstance(vetoes, str) and vetoes else ""
                cells[i, j] = code, pick(VERDICT_LABELS.get(code, (code, code)), lang) + veto
    # compact, so that a page holds it and what follows
    fig, ax = plt.subplots(figsize=(1.0 * len(years) + 2.2, 0.3 * len(names) + 1.0))
    cell_grid(ax, cells, [str(y) for y in years], names, 7.5)
    return titled(fig, title, ax, pad=24)


def verdict_counts(counties: pd.DataFrame, lang: str = "zh", title: str | None = None) -> Figure:
    """Counties of each verdict per year (``counties_table``) as stacked bars."""
    counts = counties.groupby(["year", "verdict"]).size().unstack(fill_value=0)
    years = [int(y) for y in counts.index]
    fig, ax = plt.subplots(figsize=(8, 3.4))
    bottom = np.zeros(len(years))
    for code in ("pass", "incomplete", "fail"):
        if code not in counts:
            continue
        heights = counts[code].to_numpy(dtype=float)
        ax.bar(years, heights, bottom=bottom, color=COLOURS.get(code, MISSING_COLOUR),
               label=pick(VERDICT_LABELS[code], lang))  # fmt: skip
        for x, b, h in zip(years, bottom, heights, strict=True):
            if h:
                ax.text(x, b + h / 2, f"{h:.0f}", ha="center", va="center", color="white", fontsize=8)
        bottom += heights
    ax.set_xticks(years, [str(y) for y in years])
    ax.set_ylabel(t("县（区）数", "counties", lang))
    ax.legend(ncol=3, loc="lower center", bbox_to_anchor=(0.5, 1.0), frameon=False, fontsize=8)
    return titled(fig, title, ax, pad=24)


def movement_markdown(counties: pd.DataFrame, year: int, lang: str = "zh") -> str:
    """Which counties changed verdict since the year before ``year`` (from ``counties_table``)."""
    earlier = sorted(int(y) for y in counties["year"].unique() if y < year)
    if not earlier:
        return t(
            f"{year}年是数据中的第一年，无上年可比。",
            f"{year} is the first year in the data: nothing to compare with.",
            lang,
        )
    before = counties[counties["year"] == earlier[-1]].set_index("county")
    now = counties[counties["year"] == year].set_index("county")
    both = now.merge(
        before[["verdict", "failing_count"]], left_index=True, right_index=True, suffixes=("", "_before")
    )
    sep = pick(LIST_SEP, lang)
    up = sep.join(both.index[(both["verdict"] == "pass") & (both["verdict_before"] != "pass")])
    down = sep.join(both.index[(both["verdict"] != "pass") & (both["verdict_before"] == "pass")])
    fewer = int(((both["failing_count"] < both["failing_count_before"]) & (both["verdict"] != "pass")).sum())
    more = int((both["failing_count"] > both["failing_count_before"]).sum())
    return t(
        f"与{earlier[-1]}年相比：新达到标准的县：{up or '无'}；不再达标的县：{down or '无'}；"
        f"仍未达标的县中 {fewer} 个未达标指标减少，{more} 个增加。",
        f"Since {earlier[-1]}: newly passing: {up or 'none'}; no longer passing: {down or 'none'}; "
        f"of the counties still failing, {fewer} have fewer failing indicators and {more} more.",
        lang,
    )


def county_picker(
    names: list[str], scorecard_of, dimensions: dict[str, str], lang: str = "zh", value: str | None = None
):
    """An ipywidgets county selector showing that county's scorecard.

    ``scorecard_of(name)`` returns the county's scorecard (the notebook passes
    :func:`eduwb.analysis.province.county_scorecard` bound to its data); nothing is computed here.
    """
    import ipywidgets as widgets

    from eduwb.present import md
    from eduwb.present.charts import scorecard as card_charts
    from eduwb.present.figures import explorer_box

    picker = widgets.Dropdown(
        options=list(names), value=value or names[0], description=t("县（区）", "County", lang)
    )
    out = widgets.Output()

    def draw(change=None):
        del change
        out.clear_output(wait=True)
        with out:
            card, verdict = scorecard_of(picker.value)
            md(card_charts.verdict_markdown(verdict, dimensions, lang))
            card_charts.show_scorecard(card, dimensions, lang)

    picker.observe(draw, names="value")
    draw()
    return explorer_box([picker, out], lang)
