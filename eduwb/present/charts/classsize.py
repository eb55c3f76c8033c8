"""Charts and display helpers for class sizes, the ledger, school size and the projection (notebook 02).

Every function takes the tables of :mod:`eduwb.analysis.classsize` (already computed) and returns a
matplotlib Figure (the explorer returns an ipywidgets widget); :func:`localise` turns the
codes in those tables into words for people. Nothing here computes an indicator.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from eduwb.analysis.classsize import BANDS
from eduwb.analysis.scope import stage_rank
from eduwb.data.schema import KINDS
from eduwb.lang import CLAUSE_SEP, LIST_SEP, pick
from eduwb.present import t
from eduwb.present.figures import text_colour_on
from eduwb.standards import Standard

BAND_COLOURS = {
    "within_standard": "#2f7d4f",
    "over_standard": "#e9b949",
    "large": "#e67e22",
    "super_large": "#c0392b",
}
STATUS_COLOURS = {
    "overdue": "#c0392b",
    "open": "#e67e22",
    "closed": "#2f7d4f",
    "met": "#2f7d4f",
    "missed": "#c0392b",
    "pending": "#7f8c8d",
    "no_data": "#b0b7bb",
}
OK_COLOUR = "#5b7083"
OVER_COLOUR = "#c0392b"
NEED_COLOUR = "#e67e22"

# Words for the codes of eduwb.analysis.classsize's tables.
CODE_LABELS: dict[str, tuple[str, str]] = {
    "within_standard": ("标准班额", "within standard"),
    "over_standard": ("超标准班额", "over standard"),
    "large": ("大班额", "large"),
    "super_large": ("超大班额", "super-large"),
    "overdue": ("逾期未销号", "overdue"),
    "open": ("未销号", "open"),
    "closed": ("已销号", "closed"),
    "met": ("已完成", "met"),
    "missed": ("未完成", "missed"),
    "pending": ("未到期", "not yet due"),
    "no_data": ("无该年数据", "no data for that year"),
    "already_met": ("已提前达到", "already met"),
    "on_track": ("按趋势可如期完成", "on track"),
    "off_track": ("按趋势难以如期完成", "off track"),
    "unknown": ("年份不足，无法判断", "too few years to judge"),
    "not_applicable": ("—", "—"),
    "standard": ("标准班额", "the standard"),
    "pass": ("达标", "pass"),
    "fail": ("未达标", "fail"),
    "missing": ("缺数据", "missing"),
}
_CODE_COLUMNS = ("band", "status", "status_g4", "status_g5", "on_track", "max_students")
# Columns where an empty cell means "does not apply" (an open row's closed_year), not "missing".
_NOT_APPLICABLE_COLUMNS = ("closed_year", "deadline", "projected_over", "evaluated_year")


def bands_text(std: Standard, lang: str = "zh") -> str:
    """Every band with its sizes, as a list of the language: ``标准班额（≤45/50人）、…``."""
    return pick(LIST_SEP, lang).join(band_label(b, std, lang) for b in BANDS)


def band_label(band: str, std: Standard, lang: str = "zh", stage: str | None = None) -> str:
    """A band's name with its size range from the standard, e.g. ``大班额（56–65人）``."""
    size = std.class_size
    large, huge = int(size["large_min"]), int(size["super_large_min"])
    standards = [std.class_size_standard(s) for s in (std.stages if stage is None else [stage])]
    ranges = {
        "within_standard": "≤" + "/".join(str(s) for s in standards),
        "over_standard": "/".join(str(s + 1) for s in standards) + f"–{large - 1}",
        "large": f"{large}–{huge - 1}",
        "super_large": f"≥{huge}",
    }
    name = pick(CODE_LABELS[band], lang)
    return t(f"{name}（{ranges[band]}人）", f"{name} ({ranges[band]})", lang)


def localise(df: pd.DataFrame, std: Standard, lang: str = "zh") -> pd.DataFrame:
    """A copy for display: codes (band, status, on_track, stage, kind) as words, the cells that
    do not apply (an open row's ``closed_year``, a past milestone's projection) as "—", and the
    ledger's ``n_<year>`` columns named by their year."""
    out = df.copy()
    labels = {code: pick(pair, lang) for code, pair in CODE_LABELS.items()}
    for col in _CODE_COLUMNS:
        if col in out.columns:
            out[col] = [labels.get(v, v) if isinstance(v, str) else v for v in out[col]]
    if "stage" in out.columns:
        out["stage"] = [std.stage_name(s, lang) for s in out["stage"]]
    if "kind" in out.columns:
        out["kind"] = [pick((KINDS.get(k, k), str(k).replace("_", " ")), lang) for k in out["kind"]]
    for col in _NOT_APPLICABLE_COLUMNS:
        if col in out.columns:
            out[col] = out[col].astype(object).where(out[col].notna(), "—")
    if "extra_by_grade" in out.columns:
        out["extra_by_grade"] = [grades_text(v, lang) for v in out["extra_by_grade"]]
    # the ledger's yearly counts: n_2021 → 2021年
    years = {c: c[2:] + (t("年", "", lang)) for c in out.columns if c[:2] == "n_" and c[2:].isdigit()}
    return out.rename(columns=years)


def grades_text(extra_by_grade: object, lang: str = "zh") -> str:
    """The projection's ``extra_by_grade`` ("3:1,5:2") in words: ``3年级需增1个班；5年级需增2个班``."""
    if not isinstance(extra_by_grade, str) or not extra_by_grade:
        return "—"
    pairs = (item.split(":") for item in extra_by_grade.split(","))
    parts = [t(f"{grade}年级需增{extra}个班", f"grade {grade}: +{extra}", lang) for grade, extra in pairs]
    return pick(CLAUSE_SEP, lang).join(parts)


def status_styles(df: pd.DataFrame) -> pd.DataFrame:
    """For ``show_table(highlight=…)``: colour failing flags and bad statuses (codes or words)."""
    bad_words = {"overdue", "missed", "off_track", "fail"}
    bad_words |= {w for code in bad_words for w in CODE_LABELS[code]}
    css = "background-color:#f8d7da;color:#842029"
    out = pd.DataFrame("", index=df.index, columns=df.columns)
    for col in df.columns:
        values = df[col]
        if col in ("oversized", "over_size_limit"):
            out.loc[values.astype(bool).to_numpy(), col] = css
        elif col == "passes":
            out.loc[~values.astype(bool).to_numpy(), col] = css
        elif values.dtype == object:
            out.loc[values.isin(bad_words).to_numpy(), col] = css
    return out


# ----------------------------------------------------------------------------- bands over the years


def _stacked_bands(ax, rows: pd.DataFrame, std: Standard, stage: str | None, lang: str) -> np.ndarray:
    """Stack ``rows``' bands per year, the largest class on top; return the years."""
    rows = rows.sort_values("year")
    x = rows["year"].to_numpy()
    bottom = np.zeros(len(x))
    for band in BANDS:
        counts = rows[band].to_numpy(dtype=float)
        label = band_label(band, std, lang, stage)
        ax.bar(x, counts, bottom=bottom, color=BAND_COLOURS[band], width=0.7, label=label)
        bottom += counts
    for xi, top, biggest in zip(x, bottom, rows["max_class_size"], strict=True):
        ax.text(xi, top, f"{int(biggest)}", ha="center", va="bottom", fontsize=7, color="#444")
    ax.set_ylim(0, max(float(bottom.max(initial=0)), 1.0) * 1.14)  # room for the labels
    return x


def _band_legend(fig: Figure, std: Standard, lang: str, **kwargs) -> None:
    handles = [Patch(color=BAND_COLOURS[b], label=band_label(b, std, lang)) for b in BANDS]
    fig.legend(handles=handles, loc="lower center", ncol=4, frameon=False, **kwargs)


def bands_trend(
    trend: pd.DataFrame, milestones: pd.DataFrame | None, std: Standard, lang: str = "zh"
) -> Figure:
    """Classes per band of :func:`eduwb.analysis.classsize.classsize_table` (county, several
    years), stacked, per year and stage; the number above each bar is the year's largest class.
    Each of the ``milestones_table`` is a dashed line where its year begins, labelled with its
    limit for the stage and coloured by its status."""
    stages = [s for s in std.stages if s in set(trend["stage"])]
    ms = milestones if milestones is not None else pd.DataFrame(columns=["by", "status"])
    years = sorted(set(trend["year"]) | set(int(b) for b in ms["by"] if b > trend["year"].min()))
    fig, axes = plt.subplots(1, len(stages), figsize=(4.6 * len(stages) + 0.6, 3.9), squeeze=False)
    for ax, stage in zip(axes[0], stages, strict=True):
        _stacked_bands(ax, trend[trend["stage"] == stage], std, stage, lang)
        top = ax.get_ylim()[1]
        for m in ms.itertuples(index=False):
            if m.by < years[0]:
                continue
            colour = STATUS_COLOURS.get(m.status, "#7f8c8d")
            ax.axvline(m.by - 0.5, color=colour, linestyle="--", linewidth=1.1)
            limit = getattr(m, f"limit_{stage}")
            ax.text(m.by - 0.45, top * 0.98, f"{m.by}: ≤{limit}", rotation=90, va="top", ha="left",
                    fontsize=7.5, color=colour)  # fmt: skip
        ax.set_xticks(years, [str(y) for y in years])
        ax.set_xlim(years[0] - 0.6, years[-1] + 0.6)
        ax.set_title(std.stage_name(stage, lang), fontsize=10)
        ax.set_ylabel(t("班级数", "classes", lang))
    _band_legend(fig, std, lang, fontsize=8, bbox_to_anchor=(0.5, 0.0))
    fig.suptitle(
        t(
            "各年班额分布（柱顶数字为最大班额；虚线为消除计划节点）",
            "Classes by size band (top: largest class; dashed: plan milestones)",
            lang,
        ),
        fontsize=10,
    )
    fig.tight_layout(rect=(0, 0.08, 1, 1))
    return fig


# ----------------------------------------------------------------------------- the ledger


def ledger_timeline(ledger: pd.DataFrame, std: Standard, lang: str = "zh") -> Figure:
    """The ledger as a grid: one row per school × band, its oversized classes per year, its status.

    ``ledger`` is :func:`eduwb.analysis.classsize.ledger_table`.
    """
    year_cols = [c for c in ledger.columns if c.startswith("n_")]
    n = len(ledger)
    fig, ax = plt.subplots(figsize=(7.8, 0.34 * max(n, 1) + 1.4))
    if n == 0:
        empty = t("台账为空：没有学校出现过登记班额", "the ledger is empty", lang)
        ax.text(0.5, 0.5, empty, ha="center", transform=ax.transAxes)
        ax.axis("off")
        return fig
    grid = ledger[year_cols].to_numpy(dtype=float)
    image = ax.imshow(
        np.where(grid > 0, grid, np.nan), cmap="Reds", aspect="auto", vmin=0, vmax=max(grid.max(), 1) * 1.2
    )
    for (i, j), v in np.ndenumerate(grid):
        if v > 0:
            colour = text_colour_on(image.cmap(image.norm(v)))  # readable on its cell
            ax.text(j, i, f"{int(v)}", ha="center", va="center", fontsize=7.5, color=colour)
    labels = [
        f"{name}·{pick(CODE_LABELS[b], lang)}"
        for name, b in zip(ledger["school_name"], ledger["band"], strict=True)
    ]
    ax.set_yticks(range(n), labels, fontsize=8)
    ax.set_xticks(range(len(year_cols)), [c[2:] for c in year_cols])
    ax.set_xticks(np.arange(-0.5, len(year_cols)), minor=True)
    ax.set_yticks(np.arange(-0.5, n), minor=True)
    ax.grid(which="minor", color="#dddddd", linewidth=0.6)
    ax.tick_params(which="minor", length=0)
    for i, (status, reopened) in enumerate(zip(ledger["status"], ledger["reopened"], strict=True)):
        text = pick(CODE_LABELS[status], lang) + (
            t(f"（重新登记{reopened}次）", f" (reopened ×{reopened})", lang) if reopened else ""
        )
        ax.text(len(year_cols) - 0.3, i, text, va="center", fontsize=8, color=STATUS_COLOURS[status])
    ax.set_title(
        t("台账：各年登记班级数与销号状态", "Ledger: oversized classes per year and status", lang),
        fontsize=10,
    )
    fig.tight_layout()
    return fig


# ----------------------------------------------------------------------------- school size


def school_sizes(sizes: pd.DataFrame, lang: str = "zh", top: int = 20) -> Figure:
    """The largest schools' compulsory-stage pupils against their size limits (one year).

    ``sizes`` is :func:`eduwb.analysis.classsize.school_size_table` for one year; schools out of
    scope are left out. Red bars exceed their limit; the black tick is the limit.
    """
    rows = sizes[sizes["in_scope"]].sort_values(["students", "school_id"], ascending=[False, True]).head(top)
    n = len(rows)
    fig, ax = plt.subplots(figsize=(7.8, 0.3 * max(n, 1) + 1.2))
    y = np.arange(n)
    colours = np.where(rows["passes"].to_numpy(dtype=bool), OK_COLOUR, OVER_COLOUR)
    ax.barh(y, rows["students"], color=colours, height=0.65)
    ax.scatter(rows["size_limit"], y, marker="|", s=260, color="black", linewidths=2, zorder=3,
               label=t("规模上限", "limit", lang))  # fmt: skip
    for yi, students, over in zip(y, rows["students"], rows["over_by"], strict=True):
        note = f" {students:,}" + (t(f"（超{over}）", f" (+{over})", lang) if over > 0 else "")
        ax.text(students, yi, note, va="center", fontsize=7.5)
    ax.set_yticks(y, rows["school_name"], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlim(0, max(float(rows["students"].max()), float(rows["size_limit"].max())) * 1.18 if n else 1)
    ax.set_xlabel(t("义务教育阶段在校生数", "compulsory-stage pupils", lang))
    ax.legend(frameon=False, fontsize=8, loc="lower right")
    ax.set_title(
        t(f"规模最大的{n}所学校与规模上限", f"The {n} largest schools and their size limits", lang),
        fontsize=10,
    )
    fig.tight_layout()
    return fig


# ----------------------------------------------------------------------------- projection


def projection_chart(projection: pd.DataFrame, std: Standard, lang: str = "zh") -> Figure:
    """Sections that would need more classes (or outgrow their school) next autumn.

    ``projection`` is :func:`eduwb.analysis.classsize.projection_table` (per school × stage): grey
    bars are today's classes, orange the classes needed to keep every class within its
    standard; the label gives the largest class if nothing changes.
    """
    flagged = projection[
        projection["oversized"] | projection["over_size_limit"] | (projection["extra_classes_needed"] > 0)
    ]
    flagged = flagged.sort_values(["extra_classes_needed", "school_id"], ascending=[False, True])
    n = len(flagged)
    fig, ax = plt.subplots(figsize=(7.8, 0.45 * max(n, 1) + 1.3))
    year = int(projection["projected_year"].iloc[0]) if len(projection) else None
    if n == 0:
        empty = t("按现有班级数，明年没有学校出现超标准班额", "no school needs more classes next year", lang)
        ax.text(0.5, 0.5, empty, ha="center", transform=ax.transAxes)
        ax.axis("off")
        return fig
    y = np.arange(n)
    for shift, column, colour, label in (
        (-0.18, "classes_now", "#b0b7bb", t("现有班级数", "classes now", lang)),
        (0.18, "classes_needed", NEED_COLOUR, t("所需班级数", "classes needed", lang)),
    ):
        ax.barh(y + shift, flagged[column], height=0.34, color=colour, label=label)
    for yi, row in zip(y, flagged.itertuples(index=False), strict=True):
        note = t(
            f" 需增{row.extra_classes_needed}班，不增班最大班额{row.max_class_size_if_kept}人",
            f" +{row.extra_classes_needed}; largest class if kept {row.max_class_size_if_kept}",
            lang,
        )
        if row.over_size_limit:
            note += t(
                f"；全校{row.school_students}人超规模",
                f"; {row.school_students} pupils, over the size limit",
                lang,
            )
        ax.text(max(row.classes_now, row.classes_needed), yi, note, va="center", fontsize=7.5)
    labels = [
        f"{name}·{std.stage_name(s, lang)}"
        for name, s in zip(flagged["school_name"], flagged["stage"], strict=True)
    ]
    ax.set_yticks(y, labels, fontsize=8)
    ax.invert_yaxis()
    ax.set_xlim(0, float(flagged[["classes_now", "classes_needed"]].max().max()) * 1.9)
    ax.set_xlabel(t("班级数", "classes", lang))
    ax.legend(frameon=False, fontsize=8, loc="lower right", bbox_to_anchor=(1.0, 1.0), ncol=2)
    ax.set_title(
        t(f"{year}年秋季预测：需增班的学校", f"Autumn {year}: sections that need more classes", lang),
        fontsize=10,
        loc="left",
    )
    fig.tight_layout()
    return fig


# ----------------------------------------------------------------------------- per school


def school_panels(
    by_school: pd.DataFrame, school_ids, std: Standard, lang: str = "zh", cols: int = 3
) -> Figure:
    """One panel per school × stage: the school's classes per band over the years, for print."""
    rows = by_school[by_school["school_id"].isin(list(school_ids))]
    keys = rows[["school_id", "school_name", "stage"]].drop_duplicates()
    keys = keys.assign(_o=keys["stage"].map(stage_rank(std))).sort_values(["school_id", "_o"])
    n = max(len(keys), 1)
    n_rows = int(np.ceil(n / cols))
    fig, axes = plt.subplots(n_rows, cols, figsize=(9, 2.4 * n_rows + 0.7), squeeze=False)
    flat = list(axes.ravel())
    for ax, key in zip(flat, keys.itertuples(index=False), strict=False):
        part = rows[(rows["school_id"] == key.school_id) & (rows["stage"] == key.stage)]
        years = _stacked_bands(ax, part, std, key.stage, lang)
        ax.set_xticks(years, [str(y) for y in years], fontsize=7.5)
        # y=1.0 where matplotlib would put it (bars from 0: no offset text over the panel), said
        # outright so that drawing does not measure every panel's y axis to check
        ax.set_title(f"{key.school_name}·{std.stage_name(key.stage, lang)}", fontsize=8.5, y=1.0)
        ax.tick_params(labelsize=7.5)
    for ax in flat[len(keys) :]:
        ax.axis("off")
    if keys.empty:
        empty = t("没有需要关注的学校", "no school to show", lang)
        flat[0].text(0.5, 0.5, empty, ha="center", transform=flat[0].transAxes)
    _band_legend(fig, std, lang, fontsize=7.5)
    # fixed spacing (in inches, whatever the number of rows): tight_layout would measure every
    # label of every panel, which costs more than drawing them
    height = fig.get_figheight()
    fig.subplots_adjust(
        left=0.05, right=0.99, bottom=0.75 / height, top=1 - 0.3 / height, hspace=0.55, wspace=0.2
    )
    return fig


def explorer(by_school: pd.DataFrame, ledger: pd.DataFrame, std: Standard, lang: str = "zh"):
    """An ipywidgets drill-down: pick a school, see its classes per band over the years and its ledger rows.

    One panel per stage, drawn once for every stage and year of the county and
    updated in place: a change sets the bars, the labels, the scale and the title; the ledger
    rows of each school are rendered once, here.
    """
    import ipywidgets as widgets

    from eduwb.present import label_columns
    from eduwb.present.figures import explorer_box, explorer_figure, figure_image

    schools = by_school[["school_id", "school_name"]].drop_duplicates().sort_values("school_id")
    on_ledger = set(ledger["school_id"])
    options = [
        (f"{r.school_name}{' ★' if r.school_id in on_ledger else ''}", r.school_id)
        for r in schools.itertuples(index=False)
    ]
    first = next((sid for _, sid in options if sid in on_ledger), options[0][1] if options else None)
    picker = widgets.Dropdown(options=options, value=first, description=t("学校", "School", lang))
    names = dict(zip(schools["school_id"], schools["school_name"], strict=True))
    not_on_ledger = t("<p>该校不在台账上。</p>", "<p>Not on the ledger.</p>", lang)
    ledger_html = {
        sid: label_columns(
            localise(rows.drop(columns=["school_id", "school_name"]), std, lang), lang
        ).to_html(index=False)
        for sid, rows in ledger.groupby("school_id", sort=False)
    }
    table = widgets.HTML()

    stages = [s for s in std.stages if s in set(by_school["stage"])] or list(std.stages[:1])
    years = sorted(int(y) for y in by_school["year"].unique())
    cube = by_school.set_index(["school_id", "stage", "year"]).sort_index()
    taught = set(zip(by_school["school_id"], by_school["stage"], strict=True))
    fig = explorer_figure((4.2 * len(stages) + 0.6, 3.3))
    panels = _history_panels(fig, stages, years, std, lang)
    title = fig.suptitle("", fontsize=10)
    fig.subplots_adjust(left=0.07, right=0.99, bottom=0.2, top=0.84, wspace=0.2)
    image, refresh = figure_image(fig)

    def draw(change=None):
        school = picker.value
        _show_school(panels, cube, taught, years, school, lang)
        title.set_text(
            f"{names.get(school, school)}" + t("（柱顶数字为最大班额）", " (top: largest class)", lang)
        )
        refresh()
        table.value = ledger_html.get(school, not_on_ledger)

    picker.observe(draw, names="value")
    if first is not None:
        draw()
    note = widgets.HTML(t("★ 曾登记在台账上的学校", "★ schools that have been on the ledger", lang))
    return explorer_box([picker, note, image, table], lang)


def _history_panels(
    fig: Figure, stages: list[str], years: list[int], std: Standard, lang: str
) -> list[tuple]:
    """:func:`explorer`'s panels, one per stage: empty bars per band, labels over them, a note
    for a school without the stage; and the legend. Each is ``(stage, ax, bars, tops, empty)``."""
    panels = []
    for n, stage in enumerate(stages):
        ax = fig.add_subplot(1, len(stages), n + 1)
        bars = {
            band: ax.bar(years, np.zeros(len(years)), color=BAND_COLOURS[band], width=0.7) for band in BANDS
        }
        tops = [ax.text(y, 0, "", ha="center", va="bottom", fontsize=7, color="#444") for y in years]
        empty = ax.text(0.5, 0.5, "", ha="center", va="center", transform=ax.transAxes, color="#777")
        ax.set_xticks(years, [str(y) for y in years], fontsize=7.5)
        ax.tick_params(labelsize=7.5)
        ax.set_title(std.stage_name(stage, lang), fontsize=8.5)
        ax.set_ylabel(t("班级数", "classes", lang))
        panels.append((stage, ax, bars, tops, empty))
    _band_legend(fig, std, lang, fontsize=7.5)
    return panels


def _show_school(
    panels: list[tuple], cube: pd.DataFrame, taught: set, years: list[int], school: object, lang: str
) -> None:
    """Set :func:`explorer`'s panels to one school: the bands' bars, the largest classes, the scale."""
    for stage, ax, bars, tops, empty in panels:
        key = (school, stage)
        # a stage the school lacks: every year missing
        rows = cube.loc[key] if key in taught else pd.DataFrame(columns=[*BANDS, "max_class_size"])
        rows = rows.reindex(years)
        bottom = np.zeros(len(years))
        for band in BANDS:
            counts = rows[band].to_numpy(dtype=float, na_value=0.0)
            for bar, b, c in zip(bars[band], bottom, counts, strict=True):
                bar.set_y(b)
                bar.set_height(c)
            bottom += counts
        for text, top, big in zip(tops, bottom, rows["max_class_size"], strict=True):
            text.set_y(top)
            text.set_text("" if pd.isna(big) else f"{int(big)}")
        empty.set_text("" if key in taught else t("该校没有此学段", "no such stage", lang))
        ax.set_ylim(0, max(float(bottom.max(initial=0)), 1.0) * 1.14)
