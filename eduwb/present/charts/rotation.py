"""Charts and display helpers for teacher rotation, flows, training and certification (notebook 03).

Every chart takes the tables of :mod:`eduwb.analysis.rotation` (already computed) and returns a
matplotlib Figure (the eligibility explorer returns an ipywidgets widget). :func:`localise`
turns a table into the copy people see: words for codes, percentages, explicit 缺数据 / 无定义,
and — in per-school tables — ``"<3"`` for groups of one or two teachers. Nothing here computes
an indicator, and no teacher id reaches a chart or a table.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from eduwb import numbers
from eduwb.analysis.teachers import BOOL_COLUMNS, RATE_COLUMNS
from eduwb.data.schema import LOCALES, MODES
from eduwb.lang import LIST_SEP, pick
from eduwb.present import privacy, t
from eduwb.present.charts.scorecard import FAIL_COLOUR, PASS_COLOUR
from eduwb.present.figures import text_colour_on

NEUTRAL_COLOUR = "#5b7083"
LIMIT_COLOUR = "#34495e"
MODE_COLOURS = {
    "transfer": "#5b7083",
    "rotation": "#2f7d4f",
    "itinerant": "#e9b949",
    "support": "#e67e22",
    "pairing": "#8e6bb0",
}

# Words for the codes in eduwb.analysis.rotation's tables.
STATUS_LABELS: dict[str, tuple[str, str]] = {
    "ok": ("已计算", "computed"),
    "no_eligible": ("无符合条件教师，比例无定义", "no eligible teachers: ratio undefined"),
    "no_rotated": ("无交流教师，骨干占比无定义", "nobody rotated: backbone share undefined"),
    "no_teacher_data": (
        "缺数据：缺少该年（或上一学年）教师数据",
        "missing: no teacher rows for the year (or the year before)",
    ),
    "missing_table": (
        "缺数据：未提供教师或交流轮岗数据",
        "missing: teachers or rotations table not provided",
    ),
    "no_limit": ("标准未规定限值", "the standard sets no limit"),
    "no_moves": ("当年无交流记录", "no moves that year"),
    "partial": ("部分接收学校达标情况未知", "compliance unknown for some receiving schools"),
    "unavailable": ("缺数据：无法取得学校资源配置达标情况", "missing: school compliance not available"),
}
GROUP_LABELS: dict[str, tuple[str, str]] = {
    **{code: (zh, code) for code, zh in LOCALES.items()},
    "passing": ("资源配置达标学校", "passing schools"),
    "failing": ("资源配置未达标学校", "failing schools"),
    "unknown": ("达标情况未知", "unknown"),
    "locale": ("城乡", "locale"),
    "compliance": ("资源配置达标情况", "resource compliance"),
}
MODE_LABELS: dict[str, tuple[str, str]] = {code: (zh, code) for code, zh in MODES.items()}
_CODE_LABELS = {"status": STATUS_LABELS, "compliance_status": STATUS_LABELS, "mode": MODE_LABELS}
_CODE_LABELS.update(dict.fromkeys(("from_group", "to_group", "grouping", "locale"), GROUP_LABELS))

# Privacy: one rule for every output, in eduwb.present.privacy.
_COUNT_COLUMNS = (*privacy.COUNT_COLUMNS, "schools_short_training", "schools_short_certification")
# Each rate's limit column in the same row (the display rule judges the rate against it).
_RATE_LIMITS = {
    "ratio": "ratio_limit",
    "backbone_share": "share_limit",
    "training_rate": "training_limit",
    "certification_rate": "certification_limit",
}
_MISSING_STATUSES = ("missing_table", "no_teacher_data", "unavailable")


def _label(code: object, labels: dict[str, tuple[str, str]], lang: str) -> object:
    if not isinstance(code, str) or code not in labels:
        return code
    return pick(labels[code], lang)


# ----------------------------------------------------------------------------- display copies


def localise(df: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    """The copy of a rotation/teacher table to show people (notebook, report, Excel workbook).

    In per-school tables (those with ``school_id`` or ``school_name``) counts of one or two
    teachers read ``"<3"`` and the numbers that would reveal them read ``"—"``. Everywhere,
    rates read as percentages, undefined numbers say why (缺数据, or 无定义 when the row's
    status says the ratio is undefined), statuses, modes, locales and groups are put into
    words, yes/no columns read 是/否. Column ``ratio`` is renamed ``rotation_ratio`` (its own
    label, 交流轮岗比例). The analysis table itself stays numeric; headers are translated by
    :func:`eduwb.present.show_table`.
    """
    missing, undefined = t("缺数据", "missing", lang), t("无定义", "undefined", lang)
    if "status" in df.columns:
        absent = df["status"].isin(_MISSING_STATUSES).to_numpy()
        empty_text = empty_count = np.where(absent, missing, undefined).astype(object)
    else:
        # without a status, a missing count is missing data; a missing rate is a zero denominator
        empty_text = np.full(len(df), undefined, dtype=object)
        empty_count = np.full(len(df), missing, dtype=object)
    out = df.astype(object).copy()
    for col in df.columns:
        values = df[col]
        isna = values.isna().to_numpy()
        if col in RATE_COLUMNS:
            limit_col = _RATE_LIMITS.get(col)
            limits = (
                pd.to_numeric(df[limit_col], errors="coerce") if limit_col in df.columns else [None] * len(df)
            )
            text = np.array(
                [_pct(v, lim) for v, lim in zip(values.tolist(), limits, strict=True)], dtype=object
            )
            out[col] = np.where(isna, empty_text, text)
        elif col in _COUNT_COLUMNS:
            out[col] = np.where(isna, empty_count, values.astype(object).to_numpy())
        elif col in BOOL_COLUMNS:
            flags = values.astype("boolean").fillna(False).to_numpy(dtype=bool)
            out[col] = np.where(isna, empty_count, np.where(flags, t("是", "yes", lang), t("否", "no", lang)))
        elif col in _CODE_LABELS:
            out[col] = values.map(lambda code, labels=_CODE_LABELS[col]: _label(code, labels, lang))
    # the small groups of a per-school table: "<3" for the count, "—" for what reveals it
    cols = [c for c in df.columns if c in RATE_COLUMNS or c in _COUNT_COLUMNS]
    hide, small = privacy.small_groups(df)[cols], privacy.small_counts(df)[cols]
    out[cols] = out[cols].mask(hide & small, privacy.SUPPRESSED).mask(hide & ~small, privacy.SUPPRESSED_RATE)
    # "ratio" is labelled 达标比 (value ÷ threshold) elsewhere; here it is the rotation ratio
    return out.rename(columns={"ratio": "rotation_ratio"})


# ----------------------------------------------------------------------------- headlines


def _row(table: pd.DataFrame, year: int) -> pd.Series | None:
    rows = table[table["year"] == year]
    return None if rows.empty else rows.iloc[0]


def _pct(value: object, limit: object = None) -> str:
    """A share as a percentage, by the display rule against ``limit`` (a share, ≥); "—" for none."""
    if value is None or pd.isna(value):
        return "—"
    return numbers.percent(
        float(value), 1, None if limit is None or pd.isna(limit) else [(float(limit), ">=")]
    )


def _unassessable(row: pd.Series | None, year: int, what: tuple[str, str], lang: str) -> str | None:
    """Why ``what`` (Chinese, English) cannot be assessed in ``year``, or None when it can."""
    if row is not None and row["status"] not in _MISSING_STATUSES:
        return None
    # a year absent from a per-year table is one whose year before has no teacher rows
    why = pick(STATUS_LABELS["no_teacher_data" if row is None else row["status"]], lang)
    return t(
        f"**{year}年{what[0]}无法评估**：{why}。",
        f"**{what[1]} cannot be assessed for {year}**: {why}.",
        lang,
    )


def rotation_headline(rotation: pd.DataFrame, year: int, lang: str = "zh") -> str:
    """One sentence on G11 in ``year`` from the per-year rotation table (Markdown)."""
    row = _row(rotation, year)
    if (missing := _unassessable(row, year, ("交流轮岗（G11）", "Rotation (G11)"), lang)) is not None:
        return missing
    if row["status"] == "no_eligible":
        return t(
            f"**{year}年没有符合交流条件的教师**，交流轮岗比例无定义（不是 "
            f"0，也不是无穷大）；当年交流轮岗 {row['rotated']} 人。",
            f"**No teacher was eligible to rotate in {year}**: the ratio is undefined (neither 0 nor "
            f"infinite); {row['rotated']} teachers rotated.",
            lang,
        )
    verdicts = {True: ("达到要求", "meets the standard"), False: ("未达到要求", "falls short")}
    met = None if pd.isna(row["passes"]) else bool(row["passes"])
    verdict = t(*verdicts.get(met, ("标准未规定限值", "no limit in the standard")), lang)

    def shown(rate: str, limit: str) -> str:
        """The rate in bold, then what the standard requires of it."""
        need = _pct(row[limit])
        required = "" if pd.isna(row[limit]) else t(f"（要求 ≥ {need}）", f" (required ≥ {need})", lang)
        return f"**{_pct(row[rate], row[limit])}**{required}"

    ratio, share = shown("ratio", "ratio_limit"), shown("backbone_share", "share_limit")
    return t(
        f"**{year}年**符合交流条件的教师 {row['eligible']} 人，交流轮岗 {row['rotated']} 人，占 {ratio}；"
        f"其中县级及以上骨干教师 {row['backbone_rotated']} 人，占交流教师的 {share}：**{verdict}**。",
        f"**{year}**: {row['eligible']} teachers were eligible to rotate and {row['rotated']} rotated, "
        f"{ratio}; {row['backbone_rotated']} of them were county-level or higher backbone teachers, "
        f"{share}: **{verdict}**.",
        lang,
    )


def rotation_title(rotation: pd.DataFrame, lang: str = "zh") -> str:
    """The per-year rotation table's title, with G11's limits from the table (none under a
    standard without G11, e.g. moe-2012)."""
    ratio, share = _first(rotation, "ratio_limit"), _first(rotation, "share_limit")
    if ratio is None or share is None:
        return t(
            "各年交流轮岗比例与骨干教师占比（标准未规定限值）",
            "Rotation ratio and backbone share by year (no limit in the standard)",
            lang,
        )
    ratios = t("各年交流轮岗比例", "Rotation ratio", lang) + _required(ratio, lang)
    shares = t("与骨干教师占比", " and backbone share", lang) + _required(share, lang)
    return ratios + shares + t("", " by year", lang)


def flows_headline(summary: pd.DataFrame, year: int, lang: str = "zh") -> str:
    """One sentence on where the moves of ``year`` went (Markdown)."""
    row = _row(summary, year)
    if row is None or row["status"] != "ok":
        if row is None:
            why = t("交流轮岗表中没有该年的记录", "the rotations table has no rows for that year", lang)
        else:
            why = pick(STATUS_LABELS.get(row["status"], ("缺数据", "missing")), lang)
        return t(f"{year}年交流流向：{why}。", f"Moves in {year}: {why}.", lang)
    text = t(
        f"{year}年计入的交流轮岗共 {row['moves']} 人次，其中流向乡村学校 {row['to_rural']} "
        f"人次（{_pct(row['to_rural_share'])}）",
        f"{year}: {row['moves']} counted moves, {row['to_rural']} of them to rural schools "
        f"({_pct(row['to_rural_share'])})",
        lang,
    )
    if row["compliance_status"] == "unavailable":
        return text + t(
            "；学校资源配置达标情况不可得（评估标准没有逐校达标要求，或数据不足），无法判断是否流向薄弱学校。",
            "; school compliance is not available (the standard has no per-school rule, or data are short), "
            "so moves toward weak schools cannot be told.",
            lang,
        )
    text += t(
        f"，流向资源配置未达标学校 {row['to_weak']} "
        f"人次（{_pct(row['to_weak_share'])}），二者合计（去重）{row['to_rural_or_weak']} 人次"
        f"（{_pct(row['to_rural_or_weak_share'])}）；骨干教师交流 {row['backbone_moves']} "
        "人次，其中流向乡村或薄弱学校 "
        f"{row['backbone_to_rural_or_weak']} 人次（{_pct(row['backbone_to_rural_or_weak_share'])}）。",
        f", {row['to_weak']} to schools failing the resource rule "
        f"({_pct(row['to_weak_share'])}), {row['to_rural_or_weak']} to "
        f"either ({_pct(row['to_rural_or_weak_share'])}); backbone teachers "
        f"moved {row['backbone_moves']} times, "
        f"{row['backbone_to_rural_or_weak']} of them toward rural or weak schools "
        f"({_pct(row['backbone_to_rural_or_weak_share'])}).",
        lang,
    )
    if row["compliance_unknown"] > 0:
        text += t(
            f"另有 {row['compliance_unknown']} "
            "人次流向不参加资源配置评估的学校（如不足50人的教学点、特殊教育学校），未计为薄弱学校。",
            f" {row['compliance_unknown']} moves went to schools outside the resource assessment (small "
            "teaching points, special schools) and are not counted as weak.",
            lang,
        )
    return text


def quality_headline(quality: pd.DataFrame, year: int, lang: str = "zh") -> str:
    """One sentence on G9 and G12 in ``year`` (Markdown)."""
    row = _row(quality, year)
    what = ("教师培训与持证情况", "Training and certification")
    if (missing := _unassessable(row, year, what, lang)) is not None:
        return missing

    verdicts = {True: ("达标", "met"), False: ("未达标", "not met")}

    def part(kind: str, done: str, zh: tuple[str, str], en: tuple[str, str]) -> str:
        """G9 (``kind`` training, ``done`` trained) or G12 (certification, certified) in words."""
        rate, limit = row[f"{kind}_rate"], row[f"{kind}_limit"]
        if pd.isna(rate) and pd.isna(limit):  # the standard has no such indicator
            return t(f"{zh[0]}：评估标准未作规定", f"{en[0]}: not set by the standard", lang)
        met = None if pd.isna(row[f"{kind}_passes"]) else bool(row[f"{kind}_passes"])
        passes = t(*verdicts.get(met, ("标准未规定限值", "no limit in the standard")), lang)
        count, schools = row[f"not_{done}"], row[f"schools_short_{kind}"]
        if pd.isna(count):  # a standard without the indicator (moe-2012 has no training hours)
            detail = t("标准未规定，不统计", "not set by the standard", lang)
        elif count == 0:
            detail = t(f"全部{zh[1]}", f"all {en[1]}", lang)
        else:
            detail = t(
                f"{count} 人未{zh[1]}，分布在 {schools} 所学校",
                f"{count} not {en[1]}, in {schools} schools",
                lang,
            )
        shown = _pct(rate, limit)
        return t(
            f"{zh[0]} **{shown}**（{detail}，{passes}）", f"{en[0]} **{shown}** ({detail}: {passes})", lang
        )

    training = part("training", "trained", ("五年培训学时完成率", "完成"), ("training completion", "trained"))
    certification = part("certification", "certified", ("持证上岗率", "持证"), ("certification", "certified"))
    return t(
        f"**{year}年**义务教育专任教师 {row['teachers']} 人：{training}；{certification}。",
        f"**{year}**: {row['teachers']} full-time compulsory-education teachers; "
        f"{training}; {certification}.",
        lang,
    )


# ----------------------------------------------------------------------------- charts


def _required(limit: float | None, lang: str) -> str:
    """`` (required ≥ 20%)`` after a chart's title, or nothing without a limit."""
    if limit is None:
        return ""
    shown = numbers.percent_limit(limit)
    return t(f"（要求 ≥ {shown}）", f" (required ≥ {shown})", lang)


def _first(table: pd.DataFrame, column: str) -> float | None:
    """The first known value of ``column`` (a limit, the same in every row), None without one."""
    known = table[column].dropna() if column in table else ()
    return float(known.iloc[0]) if len(known) else None


def _colour(value: float, limit: float | None) -> str:
    """A bar's colour: green meeting the limit, red below it, grey without a value or a limit."""
    if limit is None or np.isnan(value):
        return NEUTRAL_COLOUR
    return PASS_COLOUR if value >= limit else FAIL_COLOUR


def ratio_chart(rotation: pd.DataFrame, lang: str = "zh") -> Figure:
    """G11 by year (the per-year ``rotation_table``): rotated ÷ eligible, backbone ÷ rotated."""
    years = rotation["year"].astype(int).tolist()
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.6))
    for panel in _rate_panels(axes, years, rotation, lang):
        panel.update(rotation)
    fig.tight_layout()
    return fig


def modes_chart(by_mode: pd.DataFrame, lang: str = "zh") -> Figure:
    """Moves per year by mode (``rotation_table(by="mode")``), stacked; uncounted modes hatched."""
    wide = by_mode.pivot(index="year", columns="mode", values="moves").fillna(0)
    counted = by_mode.drop_duplicates("mode").set_index("mode")["counted"].astype("boolean").fillna(False)
    modes = [m for m in MODES if m in wide.columns]
    years = [str(int(y)) for y in wide.index]
    fig, ax = plt.subplots(figsize=(7, 3.4))
    bottom = np.zeros(len(years))
    for mode in modes:
        values = wide[mode].to_numpy(dtype=float)
        is_counted = bool(counted.get(mode, False))
        label = _label(mode, MODE_LABELS, lang) + (
            "" if is_counted else t("（不计入）", " (not counted)", lang)
        )
        ax.bar(years, values, bottom=bottom, color=MODE_COLOURS.get(mode, NEUTRAL_COLOUR),
               hatch=None if is_counted else "//", label=label, width=0.6)  # fmt: skip
        bottom += values
    ax.set_ylabel(t("交流人次", "Moves", lang))
    ax.set_title(t("各年交流轮岗人次（按交流方式）", "Moves per year by mode", lang), fontsize=10)
    if modes:
        ax.legend(fontsize=8, frameon=False, bbox_to_anchor=(1.01, 1), loc="upper left")
    else:  # no move in these years: say so (an empty legend only warns, naming this file's path)
        ax.text(
            0.5, 0.5, t("没有交流轮岗记录", "No moves recorded", lang), ha="center", transform=ax.transAxes
        )
        ax.set_xticks([])
        ax.set_yticks([])
    fig.tight_layout()
    return fig


def _heatmap(ax, block: pd.DataFrame, groups: list[str], title: str, lang: str) -> None:
    if block.empty:
        ax.axis("off")
        ax.set_title(title, fontsize=10)
        ax.text(0.5, 0.5, t("缺数据", "missing", lang), ha="center", va="center", color=NEUTRAL_COLOUR)
        return
    present = [g for g in groups if g in set(block["from_group"]) | set(block["to_group"])]
    # a pair without a row had no moves (the table lists "unknown" pairs only where moves occur)
    moves, backbone = (
        block.pivot(index="from_group", columns="to_group", values=v)
        .reindex(index=present, columns=present)
        .fillna(0)
        for v in ("moves", "backbone_moves")
    )
    matrix = moves.astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    image = ax.imshow(
        np.nan_to_num(matrix), cmap="Blues", vmin=0, vmax=max(np.nanmax(matrix) if matrix.size else 0, 1)
    )
    size = 10 if len(present) <= 2 else 9  # as large as a cell holds, a label of two lines
    for i in range(len(present)):
        for j in range(len(present)):
            m = matrix[i, j]
            b = backbone.iat[i, j]
            text = f"{int(m)}\n" + t(f"（骨干{int(b)}）", f"(backbone {int(b)})", lang)
            colour = text_colour_on(image.cmap(image.norm(np.nan_to_num(m))))  # readable on its cell
            ax.text(j, i, text, ha="center", va="center", fontsize=size, linespacing=1.4, color=colour)
    names = [_label(g, GROUP_LABELS, lang) for g in present]
    ax.set_xticks(range(len(present)), [_two_lines(str(n)) for n in names], fontsize=9)
    ax.set_yticks(range(len(present)), names, fontsize=9)
    ax.set_xlabel(t("流入", "to", lang))
    # Chinese upright, one character under the other (not the Latin 90° turn)
    upright = {"rotation": 0, "va": "center", "ha": "center", "labelpad": 10, "linespacing": 1.1}
    ax.set_ylabel(**pick(({"ylabel": "流\n出", **upright}, {"ylabel": "from"}), lang))
    ax.set_title(title, fontsize=10)
    ax.spines[:].set_visible(False)


def _two_lines(name: str) -> str:
    """A column's label in two lines, so that neighbours do not run into each other:
    资源配置/未达标学校, failing/schools."""
    if " " in name:
        return name.replace(" ", "\n", 1)
    chinese = all(unicodedata.east_asian_width(ch) in "WF" for ch in name)
    return name[:4] + "\n" + name[4:] if chinese and len(name) > 5 else name


def flow_heatmaps(flows: pd.DataFrame, year: int, lang: str = "zh") -> Figure:
    """The ``flows_table`` matrices of ``year`` (by locale, by resource compliance): moves and,
    below, backbone moves."""
    rows = flows[flows["year"] == year]
    # as wide as the page prints it (no shrinking): its labels print at their size
    fig, axes = plt.subplots(1, 2, figsize=(7.6, 3.9), gridspec_kw={"width_ratios": [1, 1]})
    for ax, grouping, groups, title in (
        (axes[0], "locale", list(LOCALES), t(f"{year}年按城乡的交流流向", f"Moves by locale, {year}", lang)),
        (axes[1], "compliance", ["passing", "failing", "unknown"],
         t(f"{year}年按学校资源配置达标情况的流向", f"Moves by school compliance, {year}", lang)),
    ):  # fmt: skip
        _heatmap(ax, rows[rows["grouping"] == grouping], groups, title, lang)
    fig.tight_layout()
    return fig


def toward_chart(summary: pd.DataFrame, lang: str = "zh") -> Figure:
    """Share of moves toward rural and weak (failing) schools by year (``flows_table(by="summary")``)."""
    years = summary["year"].astype(int).tolist()
    fig, ax = plt.subplots(figsize=(7, 3.4))
    series = [
        ("to_rural_share", t("流向乡村学校", "to rural schools", lang), "#2f7d4f", "o"),
        ("to_weak_share", t("流向资源配置未达标学校", "to failing schools", lang), "#e67e22", "s"),
        ("to_rural_or_weak_share", t("流向乡村或未达标学校", "to rural or failing schools", lang),
         "#34495e", "^"),
    ]  # fmt: skip
    drawn = 0
    for col, label, colour, marker in series:
        values = summary[col].astype("Float64").to_numpy(dtype=float, na_value=np.nan) * 100
        if np.isnan(values).all():
            continue
        ax.plot(years, values, marker=marker, color=colour, label=label)
        drawn += 1
    if not drawn:
        ax.text(0.5, 0.5, t("缺数据", "missing", lang), transform=ax.transAxes, ha="center", va="center",
                color=NEUTRAL_COLOUR)  # fmt: skip
    ax.set_ylim(0, 100)
    title = t("交流人次中流向乡村和薄弱学校的比例", "Share of moves toward rural and weak schools", lang)
    return _finish_years(fig, ax, years, title, {} if drawn else None)


def quality_chart(quality: pd.DataFrame, lang: str = "zh") -> Figure:
    """G9 (training) and G12 (certification) rates by year (``teacher_quality_table``) and the limit."""
    years = quality["year"].astype(int).tolist()
    fig, ax = plt.subplots(figsize=(7, 3.4))
    lowest = 1.0
    # training's labels go under its points, certification's over them: where both stand at
    # (nearly) the same rate — 99.9 % and 100 % — the two labels do not overprint each other
    for col, label, colour, marker, below in (
        ("training_rate", t("培训完成率（G9）", "Training completion (G9)", lang), "#2f7d4f", "o", True),
        ("certification_rate", t("持证上岗率（G12）", "Certification (G12)", lang), "#5b7083", "s", False),
    ):
        own_limit = _first(quality, _RATE_LIMITS[col])
        values = quality[col].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
        if not np.isnan(values).all():
            lowest = min(lowest, float(np.nanmin(values)))
        ax.plot(years, values * 100, marker=marker, color=colour, label=label)
        for x, v in zip(years, values, strict=True):
            if not np.isnan(v):
                ax.annotate(_pct(v, own_limit), (x, v * 100), xytext=(0, -6 if below else 6),
                            textcoords="offset points", ha="center", va="top" if below else "bottom",
                            fontsize=7, color=colour)  # fmt: skip
    limit = _first(quality, "training_limit")
    if limit is not None:
        ax.axhline(limit * 100, color=LIMIT_COLOUR, linestyle="--", linewidth=1)
        lowest = min(lowest, limit)
    span = max(1.0 - lowest, 0.01)
    ax.set_ylim((lowest - span * 0.4) * 100, 100 + span * 35)
    title = t("教师培训完成率与持证上岗率", "Training and certification", lang) + _required(limit, lang)
    return _finish_years(fig, ax, years, title, {"loc": "lower right"})


def _finish_years(fig: Figure, ax, years: list[int], title: str, legend: dict | None) -> Figure:
    """A chart of rates by year: year ticks, a % axis, the title, the legend (None: none)."""
    ax.set_xticks(years, [str(y) for y in years])
    ax.set_ylabel("%")
    ax.set_title(title, fontsize=10)
    if legend is not None:
        ax.legend(fontsize=8, frameon=False, **legend)
    fig.tight_layout()
    return fig


def eligibility_chart(scan: pd.DataFrame, current: int | None = None, lang: str = "zh") -> Figure:
    """The G11 ratio under other minimum years at the school (``rotation_table(by="min_years")``);
    ``current`` (the county's rule) is outlined."""
    rows = scan.sort_values("min_years_at_school")
    years = sorted(set(rows["year"].astype(int)))
    fig, ax = plt.subplots(figsize=(7, 3.4))
    x = rows["min_years_at_school"].astype(int).to_numpy()
    values = rows["ratio"].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    limit = _first(rows, "ratio_limit")
    colours = [_colour(v, limit) for v in values]
    edge = ["black" if current is not None and xi == current else "none" for xi in x]
    ax.bar(x, np.nan_to_num(values) * 100, color=colours, edgecolor=edge, linewidth=1.5, width=0.7)
    for xi, v, e in zip(x, values, rows["eligible"].tolist(), strict=True):
        if not np.isnan(v):
            ax.annotate(f"{_pct(v, limit)}\n({e})", (xi, v * 100), xytext=(0, 2),
                        textcoords="offset points", ha="center", va="bottom", fontsize=7)  # fmt: skip
    if limit is not None:
        ax.axhline(limit * 100, color=LIMIT_COLOUR, linestyle="--", linewidth=1)
    top = np.nanmax(np.append(values * 100, [(limit or 0) * 100, 1.0]))
    ax.set_ylim(0, top * 1.3)
    ax.set_xticks(x, [str(v) for v in x])
    ax.set_xlabel(
        t("符合交流条件所需的本校连续任教年限（年）", "Minimum consecutive years at the school", lang)
    )
    ax.set_ylabel("%")
    year_text = pick(LIST_SEP, lang).join(map(str, years))
    ax.set_title(
        t(
            f"{year_text}年交流轮岗比例随资格年限的变化（括号内为符合条件教师数，黑框为现行规则）",
            f"Rotation ratio in {year_text} under other eligibility rules (eligible in brackets; outlined: "
            "current rule)",
            lang,
        ),
        fontsize=9,
    )
    fig.tight_layout()
    return fig


#: The sliders of :func:`eligibility_explorer`: the rule's key, its range, its label.
_RULE_SLIDERS = (
    ("min_years_at_school", 1, 15, ("本校连续任教年限 ≥", "Years at school ≥")),
    ("exempt_age_male", 40, 65, ("男教师免于交流年龄", "Exempt age, men")),
    ("exempt_age_female", 40, 65, ("女教师免于交流年龄", "Exempt age, women")),
)


def eligibility_explorer(
    compute: Callable[..., pd.DataFrame],
    rule: dict[str, int],
    lang: str = "zh",
    year: int | None = None,
):
    """An ipywidgets control: change the eligibility rule and watch the yearly ratios move.

    ``compute(min_years_at_school=, exempt_age_male=, exempt_age_female=)`` returns the per-year
    rotation table (``partial(eduwb.analysis.rotation.rotation_table, ds, std)``); ``rule`` is the
    county's (the sliders' starting values); only the years up to ``year`` are shown (None: all).
    """
    import ipywidgets as widgets

    from eduwb.analysis.scope import up_to_year
    from eduwb.present import label_columns
    from eduwb.present.figures import explorer_box, explorer_figure, figure_image

    # one slider per part of the rule, from the county's own value; continuous_update=False: one
    # recount when the slider is let go, not one per step dragged over
    style = {"description_width": "initial"}
    sliders = {
        key: widgets.IntSlider(
            rule[key], low, high, description=pick(label, lang), style=style, continuous_update=False
        )
        for key, low, high, label in _RULE_SLIDERS
    }
    columns = ["year", "eligible", "rotated", "rotation_ratio", "backbone_share", "passes", "status"]
    table = widgets.HTML()

    def rows() -> pd.DataFrame:
        return up_to_year(compute(**{key: s.value for key, s in sliders.items()}), year)

    # The years do not change with the rule: the two panels of ratio_chart are drawn once and each
    # change redraws their bars, labels and scale in place (no new figure, no layout pass).
    first = rows()
    fig = explorer_figure((9, 3.6))
    axes = [fig.add_subplot(1, 2, 1), fig.add_subplot(1, 2, 2)]
    panels = _rate_panels(axes, first["year"].astype(int).tolist(), first, lang)
    fig.subplots_adjust(left=0.06, right=0.99, bottom=0.1, top=0.88, wspace=0.18)
    image, refresh = figure_image(fig)

    def draw(change=None, result=None):
        result = rows() if result is None else result
        for panel in panels:
            panel.update(result)
        refresh()
        table.value = label_columns(localise(result, lang)[columns], lang).to_html(index=False)

    for s in sliders.values():
        s.observe(draw, names="value")
    draw(result=first)
    return explorer_box([*sliders.values(), image, table], lang)


def _rate_panels(axes, years: list[int], rotation: pd.DataFrame, lang: str) -> list[_RatePanel]:
    """The two panels of :func:`ratio_chart` (rotated ÷ eligible, backbone ÷ rotated) on ``axes``."""
    return [
        _RatePanel(axes[0], years, "ratio", _first(rotation, "ratio_limit"),
                   t("交流轮岗教师占符合交流条件教师的比例", "Rotated ÷ eligible teachers", lang), lang),
        _RatePanel(axes[1], years, "backbone_share", _first(rotation, "share_limit"),
                   t("骨干教师占交流轮岗教师的比例", "Backbone ÷ rotated teachers", lang), lang),
    ]  # fmt: skip


class _RatePanel:
    """One panel of :func:`ratio_chart`: bars against the limit, green meeting it, red below it,
    and undefined years saying why instead of a zero. Drawn once; :meth:`update` sets the bars,
    their labels and the scale in place (the explorer redraws without a new figure)."""

    def __init__(self, ax, years: list[int], column: str, limit: float | None, title: str, lang: str):
        self.ax, self.column, self.limit, self.lang = ax, column, limit, lang
        x = np.arange(len(years))
        self.bars = ax.bar(x, np.zeros(len(years)), color=NEUTRAL_COLOUR, width=0.6)
        self.labels = [
            ax.annotate(
                "", (xi, 0), xytext=(0, 2), textcoords="offset points", ha="center", va="bottom", fontsize=8
            )
            for xi in x
        ]
        if limit is not None:
            ax.axhline(limit * 100, color=LIMIT_COLOUR, linestyle="--", linewidth=1)
        ax.set_xticks(x, [str(y) for y in years])
        ax.set_ylabel("%")
        ax.set_title(title + _required(limit, lang), fontsize=10)

    def update(self, rotation: pd.DataFrame) -> None:
        """The bars of the per-year rotation table ``rotation`` (its rate column and status)."""
        status = rotation["status"] if "status" in rotation else pd.Series("ok", index=rotation.index)
        if self.column == "backbone_share":  # no one eligible: the share's own reason is the ratio's
            status = status.where(~status.eq("no_eligible"), "ok")
        values = rotation[self.column].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
        known = ~np.isnan(values)
        limit = self.limit
        top = np.nanmax(np.append(values[known] * 100, [0.0])) if known.any() else 0.0
        if limit is not None:
            top = max(top, limit * 100)
        empty = {True: t("缺数据", "missing", self.lang), False: t("无定义", "undefined", self.lang)}
        for bar, label, v, k, s in zip(self.bars, self.labels, values, known, status.tolist(), strict=True):
            bar.set_height(v * 100 if k else 0.0)
            bar.set_facecolor(_colour(v, limit))
            label.set_text(_pct(v, limit) if k else empty[s in _MISSING_STATUSES])
            label.xy = (label.xy[0], v * 100 if k else 0.0)
            label.set_color(plt.rcParams["text.color"] if k else NEUTRAL_COLOUR)
        self.ax.set_ylim(0, max(top * 1.25, 1.0))
