"""Charts and display helpers for the scorecard and the verdict (notebook 00).

Everything here takes the tables of :mod:`eduwb.analysis.scorecard` (already computed): nothing
judges an indicator. :func:`localise` turns status codes into words for a table shown to
people; :func:`status_styles` colours them; :func:`dimension_chart` and :func:`trend_chart`
draw the four dimensions for one year and over the years.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from eduwb.data.schema import TABLES
from eduwb.lang import COLON, pick
from eduwb.present import t

PASS_COLOUR = "#2f7d4f"
FAIL_COLOUR = "#c0392b"
MISSING_COLOUR = "#b0b7bb"
COLOURS = {"pass": PASS_COLOUR, "fail": FAIL_COLOUR, "missing": MISSING_COLOUR, "incomplete": MISSING_COLOUR}
CELL_CSS = {
    "pass": "background-color:#d1e7dd;color:#0f5132",
    "fail": "background-color:#f8d7da;color:#842029",
    "missing": "background-color:#e2e3e5;color:#41464b",
    "incomplete": "background-color:#e2e3e5;color:#41464b",
}
CODE_LABELS: dict[str, tuple[str, str]] = {
    "pass": ("达标", "pass"),
    "fail": ("未达标", "fail"),
    "missing": ("缺数据", "missing"),
    "incomplete": ("尚不能认定", "incomplete"),
    "improved": ("转为达标", "now passes"),
    "worsened": ("不再达标", "no longer passes"),
    "other": ("状态变化", "changed"),
}
VERDICT_LABELS: dict[str, tuple[str, str]] = {
    "pass": ("通过", "passed"),
    "fail": ("未通过", "not passed"),
    "incomplete": ("尚不能认定", "incomplete"),
}
_CODE_COLUMNS = ("status", "previous_status", "change")


#: The status code behind a cell, whether it shows the code or one of its labels.
_CODE_OF = {
    label: code
    for labels in (VERDICT_LABELS, CODE_LABELS)
    for code, pair in labels.items()
    if code in CELL_CSS
    for label in (*pair, code)
}


def localise(df: pd.DataFrame, lang: str = "zh", dimensions: dict[str, str] | None = None) -> pd.DataFrame:
    """A copy for display: status, change and verdict codes as words; sources as table names.

    ``dimensions`` maps dimension codes to names (``std.dimension_name``) for the
    ``dimension`` column and for a verdict table's per-dimension columns.
    """
    out = df.copy()
    labels = {code: pick(pair, lang) for code, pair in CODE_LABELS.items()}
    dims = dimensions or {}
    for col in out.columns:
        if col in _CODE_COLUMNS or col in dims:
            out[col] = out[col].map(lambda v: labels.get(v, v))
    if "verdict" in out:
        out["verdict"] = out["verdict"].map(
            lambda v: pick(VERDICT_LABELS[v], lang) if v in VERDICT_LABELS else v
        )
    if "dimension" in out and dims:
        out["dimension"] = out["dimension"].map(lambda v: dims.get(v, v))
    # sources by the tables' Chinese names; the English shows the tables' own names as they are
    source_names = pick(({name: table.zh for name, table in TABLES.items()}, None), lang)
    if "source" in out and source_names is not None:
        out["source"] = out["source"].map(
            lambda v: (
                "、".join(source_names.get(p.strip(), p.strip()) for p in v.split(","))
                if isinstance(v, str)
                else v
            )
        )
    if dims:
        out = out.rename(columns=dims)
    return out


def status_styles(df: pd.DataFrame) -> pd.DataFrame:
    """For ``eduwb.present.show_table(highlight=…)``: colour every status-like cell."""
    out = pd.DataFrame("", index=df.index, columns=df.columns)
    for col in df.columns:
        codes = df[col].map(lambda v: _CODE_OF.get(v) if isinstance(v, str) else None)
        if codes.notna().any():
            out[col] = codes.map(lambda c: CELL_CSS.get(c, "") if isinstance(c, str) else "")
    return out


def dimension_chart(dimensions: pd.DataFrame, lang: str = "zh", title: str | None = None) -> Figure:
    """One horizontal bar per dimension (rows of :func:`eduwb.analysis.scorecard.dimension_summary`):
    its indicators split into pass / fail / missing."""
    fig, ax = plt.subplots(figsize=(8, 0.55 * len(dimensions) + 1.1))
    _DimensionBars(ax, len(dimensions), float(dimensions["indicators"].max()), lang).update(dimensions)
    return titled(fig, title, ax, pad=24)


def trend_chart(
    verdicts: pd.DataFrame, dimensions: dict[str, str], lang: str = "zh", title: str | None = None
) -> Figure:
    """Years × dimensions (and the overall verdict) of :func:`eduwb.analysis.scorecard.verdict_table`
    as coloured cells; ``dimensions`` maps dimension code → name, in the standard's order."""
    cols = [*dimensions, "verdict"]
    names = [*dimensions.values(), t("总体结论", "Verdict", lang)]
    years = verdicts["year"].astype(int).tolist()
    fig, ax = plt.subplots(figsize=(1.3 * len(cols) + 1.5, 0.45 * len(years) + 1.3))
    cells = {
        (i, j): (code, pick((VERDICT_LABELS if col == "verdict" else CODE_LABELS)[code], lang))
        for i, row in enumerate(verdicts[cols].itertuples(index=False))
        for j, (col, code) in enumerate(zip(cols, row, strict=True))
    }
    cell_grid(ax, cells, names, [str(y) for y in years], 9)
    handles = [Patch(color=COLOURS[c], label=pick(CODE_LABELS[c], lang)) for c in ("pass", "fail", "missing")]
    ax.legend(
        handles=handles, ncol=3, loc="upper center", bbox_to_anchor=(0.5, 0.0), frameon=False, fontsize=9
    )
    return titled(fig, title, ax, pad=28)


def titled(fig: Figure, title: str | None, ax=None, pad: float = 0, rect=None) -> Figure:
    """``fig`` laid out (in ``rect``), under its ``title`` if any: over ``ax`` at ``pad``, or
    over the whole figure without one."""
    if title and ax is not None:
        ax.set_title(title, pad=pad)
    elif title:
        fig.suptitle(title)
    fig.tight_layout(rect=rect)
    return fig


def cell_grid(
    ax, cells: dict[tuple[int, int], tuple[str, str]], columns: list, rows: list, size: float
) -> None:
    """``cells`` ((row, column) → (status code, words)) as cells coloured by the status, with
    their words; the ``columns`` named on top, the ``rows`` on the left, no frame."""
    for (i, j), (code, text) in cells.items():
        ax.add_patch(plt.Rectangle((j, i), 0.96, 0.9, color=COLOURS.get(code, MISSING_COLOUR)))
        ax.text(j + 0.48, i + 0.45, text, ha="center", va="center", color="white", fontsize=size)
    ax.set_xlim(0, len(columns))
    ax.set_ylim(len(rows), 0)
    ax.set_xticks(np.arange(len(columns)) + 0.48, columns)
    ax.xaxis.tick_top()
    ax.set_yticks(np.arange(len(rows)) + 0.45, rows)
    ax.tick_params(length=0)
    ax.spines[:].set_visible(False)


# ----------------------------------------------------------------------------- prose


def _status_span(code: str, lang: str, labels: dict[str, tuple[str, str]] = CODE_LABELS) -> str:
    colour = COLOURS.get(code, MISSING_COLOUR)
    return f'<span style="color:{colour};font-weight:bold">{pick(labels[code], lang)}</span>'


def verdict_markdown(verdict: dict, dimensions: dict[str, str], lang: str = "zh") -> str:
    """The verdict up front: the overall result, each dimension's status, and the summary.

    ``verdict`` is :func:`eduwb.analysis.scorecard.verdict_summary` (or ``county_verdict``).
    """
    from eduwb.present.safe import text

    head = t(f"**{verdict['year']}年评估结论：**", f"**Verdict for {verdict['year']}:** ", lang)
    head += _status_span(verdict["verdict"], lang, VERDICT_LABELS)
    # dimension names come from the standard file, the summary names the county: text, not markup
    colon = pick(COLON, lang)
    dims = " · ".join(
        f"{text(name)}{colon}{_status_span(verdict['dimensions'][d], lang)}" for d, name in dimensions.items()
    )
    summary = verdict.get("summary") or verdict.get(pick(("summary_zh", "summary_en"), lang), "")
    return f"{head}\n\n{dims}\n\n{text(summary)}"


def changes_markdown(changes: pd.DataFrame, year: int, lang: str = "zh") -> str:
    """One sentence on :func:`eduwb.analysis.scorecard.changes`: how many indicators turned which way."""
    previous = changes.attrs.get("previous_year")
    if previous is None:
        return t(
            f"{year}年是数据中的第一年，无上年可比。",
            f"{year} is the first year in the data: nothing to compare with.",
            lang,
        )
    if changes.empty:
        return t(
            f"与{previous}年相比，各项指标的状态没有变化。",
            f"No indicator changed status since {previous}.",
            lang,
        )
    counts = changes["change"].value_counts()
    parts = []
    for code in ("improved", "worsened", "other"):
        n = int(counts.get(code, 0))
        if n:
            parts.append(t(f"{n} 项", f"{n} ", lang) + pick(CODE_LABELS[code], lang))
    return (
        t(f"与{previous}年相比：", f"Since {previous}: ", lang)
        + t("，", ", ", lang).join(parts)
        + t("。", ".", lang)
    )


def todo_markdown(todo: pd.DataFrame, lang: str = "zh") -> str:
    """The to-do's lead sentence (:func:`eduwb.analysis.scorecard.missing_inputs`)."""
    if todo.empty:
        return t("所有指标和一票否决情形都有数据。", "Every indicator and veto has its data.", lang)
    n = len(todo)
    return t(
        f"以下 {n} 项缺数据（或一票否决情形未填报），补齐后才能作出完整结论：",
        f"{n} item(s) lack data (or an undeclared veto); the verdict is complete only once they are filled:",
        lang,
    )


def show_scorecard(card: pd.DataFrame, dimensions: dict[str, str], lang: str = "zh") -> None:
    """A county's scorecard as the explorers show it (its indicators' values, statuses, evidence)."""
    from eduwb.present import show_table

    columns = ["indicator", "dimension", "name", "value", "threshold", "status", "evidence"]
    show_table(localise(card[columns], lang, dimensions), "scorecard", lang=lang, highlight=status_styles)


def explorer(
    trend: pd.DataFrame, dimensions_by_year: pd.DataFrame, dimensions: dict[str, str], lang: str = "zh"
):
    """An ipywidgets year selector showing that year's four dimensions and full scorecard, from
    :func:`eduwb.analysis.scorecard.scorecard_trend` and ``dimension_trend``; ``dimensions`` maps
    dimension code → name."""
    import ipywidgets as widgets
    from IPython import get_ipython
    from IPython.display import HTML, display
    from IPython.utils.capture import capture_output

    from eduwb.present.figures import explorer_box, explorer_figure, figure_image

    years = sorted(int(y) for y in trend["year"].unique())
    picker = widgets.Dropdown(options=years, value=years[-1], description=t("学年", "Year", lang))
    out = widgets.Output()
    cards = {int(year): card for year, card in trend.groupby("year", sort=False)}
    # Each year's table is rendered once, here (in IPython); a change of year only swaps it in.
    tables = {}
    if get_ipython() is not None:
        for year, card in cards.items():
            with capture_output() as shown:
                show_scorecard(card, dimensions, lang)
            tables[year] = shown.outputs[0].data["text/html"]
    # The dimensions are the same every year: the bars of dimension_chart are drawn once and
    # updated in place.
    per_year = {
        int(y): rows.reset_index(drop=True) for y, rows in dimensions_by_year.groupby("year", sort=False)
    }
    first = per_year[years[-1]]
    fig = explorer_figure((8, 0.55 * len(first) + 1.1))
    bars = _DimensionBars(fig.add_subplot(), len(first), float(dimensions_by_year["indicators"].max()), lang)
    height = fig.get_figheight()
    fig.subplots_adjust(left=0.3, right=0.98, bottom=0.9 / height, top=1 - 0.8 / height)
    image, refresh = figure_image(fig)

    def draw(change=None):
        del change
        year = picker.value
        bars.update(per_year[year])
        title = t(f"{year}年各维度指标达标情况", f"Indicators by dimension, {year}", lang)
        bars.ax.set_title(title, fontsize=10, pad=22)
        refresh()
        out.clear_output(wait=True)
        with out:
            if year in tables:
                display(HTML(tables[year]))
            else:
                show_scorecard(cards[year], dimensions, lang)

    picker.observe(draw, names="value")
    draw()
    return explorer_box([picker, image, out], lang)


class _DimensionBars:
    """The bars of :func:`dimension_chart`, drawn once and set by :meth:`update` (in place, for
    :func:`explorer`)."""

    PARTS = (("passed", "pass"), ("failed", "fail"), ("missing", "missing"))

    def __init__(self, ax, n: int, most: float, lang: str):
        self.ax, self.lang = ax, lang
        self.y = y = np.arange(n)[::-1]
        self.bars = {
            col: ax.barh(y, np.zeros(n), color=COLOURS[code], height=0.6, label=pick(CODE_LABELS[code], lang))
            for col, code in self.PARTS
        }
        self.counts = {
            col: [ax.text(0, yi, "", ha="center", va="center", color="white", fontsize=9) for yi in y]
            for col, _ in self.PARTS
        }
        ax.set_yticks(y, [""] * n)
        # the axis of indicator counts, the legend of the statuses above the bars
        ax.set_xlim(0, max(most, 1) * 1.02)
        ax.set_xlabel(t("指标数", "indicators", lang))
        ax.xaxis.get_major_locator().set_params(integer=True)
        ax.legend(ncol=3, loc="lower center", bbox_to_anchor=(0.5, 1.0), frameon=False, fontsize=9)

    def update(self, rows: pd.DataFrame) -> None:
        """Show one year's counts per dimension: bar widths, counts, names and their colours."""
        ax, lang = self.ax, self.lang
        left = np.zeros(len(self.y))
        for col, _code in self.PARTS:
            widths = rows[col].to_numpy(dtype=float)
            for bar, text, li, wi in zip(self.bars[col], self.counts[col], left, widths, strict=True):
                bar.set_x(li)
                bar.set_width(wi)
                text.set_x(li + wi / 2)
                text.set_text(f"{wi:.0f}" if wi > 0 else "")
            left += widths
        # each dimension's name with its status in words, coloured by the status
        words = [pick(CODE_LABELS[s], lang) for s in rows["status"]]
        names = [t(f"{n}（{w}）", f"{n} ({w})", lang) for n, w in zip(rows["name"], words, strict=True)]
        ax.set_yticks(self.y, names)
        for tick, s in zip(ax.get_yticklabels(), rows["status"], strict=True):
            tick.set_color(COLOURS[s])
