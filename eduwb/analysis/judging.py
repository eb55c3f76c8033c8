"""One scorecard row per indicator: its status, value, threshold and evidence, in words.

Each row is judged from the module of its concern — never recomputed here:

* resource indicators (R1–R7, or B1–B8): :func:`eduwb.analysis.resources.section_values` once, then
  the functions behind ``compliance_table`` and ``balance_table`` in :mod:`eduwb.analysis.balance`
  (``ratios``, ``school_rule``, ``balance_from_values``);
* G3, Q1, Q4, S1: :mod:`eduwb.analysis.guarantee`; G4, G5: :mod:`eduwb.analysis.classsize`;
  G9, G11, G12: :mod:`eduwb.analysis.rotation`;
* every other indicator: the county's own input (``county_indicators``), read with
  :func:`eduwb.data.values.parse_county_value`. A computed indicator whose data were not provided
  falls back to a county input for it when there is one (Q4 from ``budget``, or else the
  county's figure), and says so in its evidence.

Statuses are ``pass``, ``fail`` and ``missing`` (缺数据). Missing data never pass: an
indicator judged over many units (schools, classes) fails when any unit fails, is missing
when no unit fails but some unit lacks data, and passes only when every unit passes.

Resource rows under a standard that tests each CV (``moe-2017``): the resource dimension passes
when every section passes the per-school rule and every CV is within its limit; an R row fails
when its CV is over the limit in a stage or it is short at a section failing the rule (one of
the reasons that section fails), so the dimension fails exactly when some R row fails
(:func:`resource_status`). Its value counts the sections reaching the indicator's threshold.

Resource rows under a standard that tests the composite CV only (``moe-2012``): each row
reports its CVs; since only the composite (the plain mean of all the indicators' CVs) has a
limit, each row takes the composite's status; an indicator the data cannot give is
``missing``, and then so is the composite (a mean of fewer indicators is not the standard's
composite).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from eduwb import numbers
from eduwb.analysis import balance, classsize, guarantee, resources, rotation
from eduwb.analysis.scope import stage_rank
from eduwb.data.dataset import Dataset
from eduwb.data.schema import TABLES
from eduwb.data.values import CountyValue, parse_county_value
from eduwb.lang import CLAUSE_SEP, COMMA, LIST_SEP, pick
from eduwb.numbers import figure, percent_limit
from eduwb.standards import Indicator, Standard

PASS, FAIL, MISSING = "pass", "fail", "missing"
#: How many units (schools, classes) an evidence text names before "等".
NAMES_SHOWN = 5


def aggregate_status(statuses) -> str:
    """One status for many units: fail if any fails, else missing if any (or none) is missing."""
    values = set(statuses)
    if FAIL in values:
        return FAIL
    if MISSING in values or not values:
        return MISSING
    return PASS


def resource_status(over, short_failing, undefined):
    """An R row's status where each CV is tested (moe-2017): fail when its CV is over the limit in a
    stage or it is short at a section failing the per-school rule, else missing when a CV is undefined."""
    return np.where(np.asarray(over) | short_failing, FAIL, np.where(undefined, MISSING, PASS))


def _pct(x: float, limit: float | None = None, op: str = ">=") -> str:
    """A rate as a percentage, by the display rule (more decimals where it would cross its limit)."""
    return numbers.percent(x, 1, None if limit is None else [(limit, op)])


def _cv(x: float, limit: float | None = None) -> str:
    """A CV to 3 decimals, by the display rule against its limit (0.5004, never 0.500 over 0.50)."""
    return numbers.number(x, 3, None if limit is None else [(limit, "<=")])


def table_label(name: str, lang: str) -> str:
    return pick((f"{name}（{TABLES[name].zh}）", name), lang)


@dataclass
class _Ctx:
    ds: Dataset
    std: Standard
    year: int
    lang: str
    cache: dict[str, Any] = field(default_factory=dict)

    def t(self, zh: str, en: str) -> str:
        return pick((zh, en), self.lang)

    @property
    def sep(self) -> str:
        return pick(LIST_SEP, self.lang)

    @property
    def semi(self) -> str:
        return pick(CLAUSE_SEP, self.lang)

    def stage(self, stage: str) -> str:
        return self.std.stage_name(stage, self.lang)

    def names(self, names: pd.Series) -> str:
        """The first :data:`NAMES_SHOWN` names, and how many there are in all."""
        names = [str(n) for n in names.tolist()]
        shown = self.sep.join(names[:NAMES_SHOWN])
        if len(names) > NAMES_SHOWN:
            shown += self.t(f" 等 {len(names)} 所", f" and {len(names) - NAMES_SHOWN} more")
        return shown

    def listing(self, zh: str, en: str, names: pd.Series) -> list[str]:
        """``[label + names]``, or nothing when there is no name to list."""
        return [self.t(zh, en) + self.names(names)] if len(names) else []

    def county_row(self, indicator_id: str) -> dict[str, Any] | None:
        if "county" not in self.cache:
            ci = self.ds.county_indicators
            rows = {} if ci is None else ci[ci["year"] == self.year].set_index("indicator").to_dict("index")
            self.cache["county"] = rows
        return self.cache["county"].get(indicator_id)

    def no_table(self, name: str) -> str:
        table = table_label(name, self.lang)
        if getattr(self.ds, name) is None:
            return self.t(f"缺数据：未提供 {table}表", f"missing: no {table} table was provided")
        return self.t(
            f"缺数据：{table}表中没有 {self.year} 年的数据",
            f"missing: the {table} table has no rows for {self.year}",
        )


def _result(
    status: str, value: str = "", value_number: float = np.nan, evidence: str = "", source: str = ""
) -> dict[str, Any]:
    return dict(status=status, value=value, value_number=value_number, evidence=evidence, source=source)


def _units(status: str, ok: int, n: int, parts: list[str], ctx: _Ctx, source: str) -> dict[str, Any]:
    """A row judged over ``n`` units (schools, sections), ``ok`` of them complying."""
    return _result(status, f"{ok}/{n}", ok / n, ctx.semi.join(parts), source)


def _relaxed(table: pd.DataFrame, ctx: _Ctx, zh: str, en: str) -> list[str]:
    """How many schools are judged under the 2019 relaxations, when any is."""
    if "relaxed" not in table.columns or not table["relaxed"].any():
        return []
    n = int(table["relaxed"].sum())
    return [ctx.t(f"{n} 所学校按2019年过渡政策放宽{zh}", f"{n} school(s) under the 2019 relaxed {en}")]


# ----------------------------------------------------------------------------- thresholds


def _limit_text(ind: Indicator, value: float, lang: str) -> str:
    return percent_limit(value) if ind.unit == "%" else f"{figure(value)} {ind.unit_name(lang)}"


def threshold_text(ind: Indicator, ctx: _Ctx) -> str:
    """The indicator's threshold as the standard states it (from the standard, never a literal)."""
    if ind.dimension == "resource" and ind.formula:
        return _resource_threshold(ind, ctx)
    if ind.id in _THRESHOLD_TEXT:
        return _THRESHOLD_TEXT[ind.id](ind, ctx)
    if ind.comparator in (">=", "<="):
        sym = "≥" if ind.comparator == ">=" else "≤"
        if isinstance(ind.threshold, dict):
            parts = [
                f"{ctx.stage(s)} {sym} {_limit_text(ind, ind.threshold[s], ctx.lang)}"
                for s in ctx.std.stages
                if s in ind.threshold
            ]
            return pick(COMMA, ctx.lang).join(parts)
        text = f"{sym} {_limit_text(ind, ind.threshold, ctx.lang)}"
        return ctx.t(f"每校 {text}", f"every school {text}") if ind.id == "Q4" else text
    if ind.comparator == "yes":
        return ctx.t("是", "yes")
    if ind.comparator == "yes_or_ratio":
        return ctx.t(f"是，或比值 ≥ {figure(ind.threshold)}", f"yes, or ratio ≥ {figure(ind.threshold)}")
    return ctx.t("全部达标", "all comply")


def _resource_threshold(ind: Indicator, ctx: _Ctx) -> str:
    std, sep = ctx.std, ctx.sep
    if std.balance_test == "each":
        values = sep.join(f"{ctx.stage(s)} ≥ {figure(ind.threshold_for(s))}" for s in std.stages)
        cvs = sep.join(f"{ctx.stage(s)} ≤ {std.cv_limit(s):.2f}" for s in std.stages)
        return ctx.t(f"{values} {ind.unit}；差异系数 {cvs}", f"{values} {ind.unit_name('en')}; CV {cvs}")
    cvs = sep.join(f"{ctx.stage(s)} ≤ {std.composite_limit(s):.2f}" for s in std.stages)
    return ctx.t(f"综合差异系数 {cvs}", f"composite CV {cvs}")


def _g3_threshold(ind: Indicator, ctx: _Ctx) -> str:
    p = ind.params
    music, art = figure(p["music_room_min_area_m2"]), figure(p["art_room_min_area_m2"])
    text = ctx.t(
        f"每 {p['classes_per_room']} 个班音乐、美术教室各 ≥ 1 间；音乐 ≥ {music} m²，美术 ≥ {art} m²",
        f"1 music and 1 art room per {p['classes_per_room']} classes; music ≥ {music} m², art ≥ {art} m²",
    )
    if ctx.ds.settings.relaxations_2019:
        rel = ctx.std.relaxations
        by = rel["music_art_room_area_built_by"]
        areas = f"{figure(rel['music_room_min_area_m2'])}/{figure(rel['art_room_min_area_m2'])} m²"
        text += ctx.t(f"（{by} 年及以前建成：{areas}）", f" (built by {by}: {areas})")
    return text


def _g4_threshold(ind: Indicator, ctx: _Ctx) -> str:
    default = figure(ctx.std.school_size_limit("primary"))
    big = figure(ctx.std.school_size_limit("nine_year"))
    return ctx.t(
        f"小学、初中 ≤ {default} 人；九年、十二年一贯制 ≤ {big} 人",
        f"primary/junior ≤ {default}; 9/12-year schools ≤ {big}",
    )


def _g5_threshold(ind: Indicator, ctx: _Ctx) -> str:
    parts = ctx.sep.join(f"{ctx.stage(s)} ≤ {ctx.std.class_size_standard(s)}" for s in ctx.std.stages)
    return ctx.t(f"每班 {parts} 人", f"every class {parts} pupils")


def _g11_threshold(ind: Indicator, ctx: _Ctx) -> str:
    ratio_min, share_min = map(percent_limit, rotation.rotation_limits(ctx.std))
    return ctx.t(
        f"交流 ≥ 符合条件教师的 {ratio_min}；骨干教师占交流 ≥ {share_min}",
        f"≥ {ratio_min} of eligible teachers rotate; backbone ≥ {share_min} of them",
    )


_THRESHOLD_TEXT: dict[str, Callable[[Indicator, _Ctx], str]] = {
    "G3": _g3_threshold, "G4": _g4_threshold, "G5": _g5_threshold, "G11": _g11_threshold,
}  # fmt: skip


# ----------------------------------------------------------------------------- county inputs


def judge_county_value(
    ind: Indicator, parsed: CountyValue | None, lang: str = "zh"
) -> tuple[str, str, float, str]:
    """Judge one county input against its indicator: ``(status, value text, number, note)``.

    ``yes``/``no`` answer any indicator (a "是" for a numeric indicator is the county's
    statement that it is reached). Numbers follow the comparator: ``>=``/``<=`` on the
    indicator's unit (a share written 96.5%, 0.965 or 96.5 alike when the unit is %);
    ``yes_or_ratio`` takes the number as written (a ratio). An indicator with a threshold per
    stage compared with one figure uses the strictest stage's threshold. A blank cell, or a
    number for a yes/no indicator, is missing.
    """

    def t(zh: str, en: str) -> str:
        return pick((zh, en), lang)

    if parsed is None:
        return MISSING, "", np.nan, t("未填报数值", "no value given")
    if parsed.kind in ("yes", "no"):
        yes = parsed.kind == "yes"
        note = ""
        if ind.comparator in (">=", "<="):
            note = (
                t(
                    "县级填报“是”，视为达到标准（未给出数值）",
                    "the county states it is reached (no figure given)",
                )
                if yes
                else t("县级填报“否”", "the county states it is not reached")
            )
        return (PASS if yes else FAIL), t("是", "yes") if yes else t("否", "no"), float(yes), note
    if parsed.kind == "unreadable" or parsed.number is None:
        why = t(f"无法识别的数值“{parsed.text}”", f"unreadable value {parsed.text!r}")
    elif ind.comparator == "yes":
        why = t("本指标应填“是/否”，填写的数值无法判定", "a yes/no indicator was given a number")
    elif ind.comparator == "yes_or_ratio":
        x, threshold = parsed.number, float(ind.threshold)
        shown = figure(x, [(threshold, ">=")])
        return (PASS if x >= threshold else FAIL), shown, x, t(f"比值 {shown}", f"ratio {shown}")
    elif ind.comparator not in (">=", "<="):
        why = t("本指标不能由县级填报判定", "this indicator cannot be judged from a county input")
    elif ind.unit != "%" and parsed.kind != "number":
        why = t(
            f"本指标单位为 {ind.unit}，不能填百分比", f"the unit is {ind.unit}; a percentage does not fit"
        )
    else:
        return _judge_figure(ind, parsed, t)
    return MISSING, parsed.text, np.nan, why


def _judge_figure(
    ind: Indicator, parsed: CountyValue, t: Callable[[str, str], str]
) -> tuple[str, str, float, str]:
    """:func:`judge_county_value` for a ``>=``/``<=`` indicator given a figure of its unit."""
    threshold = _strictest(ind)
    if ind.unit == "%":
        x = parsed.as_fraction()
        shown = _pct(x, threshold, ind.comparator)
    else:
        x = parsed.number
        shown = figure(x, [(threshold, ind.comparator)])
    ok = x >= threshold if ind.comparator == ">=" else x <= threshold
    note = ""
    if isinstance(ind.threshold, dict):
        limit = percent_limit(threshold) if ind.unit == "%" else figure(threshold)
        note = t(
            f"只填报一个数值，按最严学段标准 {limit} 判定",
            f"one figure given: judged against the strictest stage threshold {limit}",
        )
    return (PASS if ok else FAIL), shown, x, note


def _strictest(ind: Indicator) -> float:
    if isinstance(ind.threshold, dict):
        values = [float(v) for v in ind.threshold.values()]
        return max(values) if ind.comparator != "<=" else min(values)
    return float(ind.threshold)


def _county(ind: Indicator, ctx: _Ctx) -> dict[str, Any]:
    row = ctx.county_row(ind.id)
    source = "county_indicators"
    if row is None:
        table = table_label(source, ctx.lang)
        why = ctx.no_table(source)
        if ctx.ds.county_indicators is not None:
            why = ctx.t(
                f"缺数据：{table}中没有 {ctx.year} 年的 {ind.id}",
                f"missing: {table} has no {ind.id} for {ctx.year}",
            )
        return _result(MISSING, evidence=why, source=source)
    raw = row.get("value")
    raw = None if raw is None or (isinstance(raw, float) and math.isnan(raw)) else str(raw)
    parsed = parse_county_value(raw)
    status, shown, number, note = judge_county_value(ind, parsed, ctx.lang)
    # a yes or no as a word of the report's language (是 → yes); a figure as written
    answered = shown if parsed is not None and parsed.kind in ("yes", "no") else raw
    parts = [
        ctx.t(f"县级填报：{raw}", f"county input: {answered}")
        if raw
        else ctx.t("缺数据：数值为空", "missing: the value is blank")
    ]
    if note:
        parts.append(note)
    evidence = row.get("evidence")
    if isinstance(evidence, str) and evidence.strip():
        parts.append(ctx.t(f"佐证：{evidence.strip()}", f"evidence: {evidence.strip()}"))
    return _result(status, shown, number, ctx.semi.join(parts), source)


# ----------------------------------------------------------------------------- resource rows


def _resource_rows(ctx: _Ctx) -> dict[str, dict[str, Any]]:
    """Every resource indicator's row at once (they share the per-section values and CVs)."""
    std, year = ctx.std, ctx.year
    values = resources.section_values(ctx.ds, std, years=[year])
    source = "sections, facilities"
    if values.empty:
        why = ctx.t(
            f"缺数据：{year} 年没有纳入评估范围的学校", f"missing: no school section in scope in {year}"
        )
        return {ind.id: _result(MISSING, evidence=why, source=source) for ind in std.resource_indicators}
    missing_ids = values.attrs.get("missing", {})
    each = std.balance_test == "each"
    cvs = balance.balance_from_values(values, std, by=["stage"])
    decides_rule = each and std.school_rule is not None and not missing_ids
    long = balance.ratios(values, std) if decides_rule else None
    rule = balance.school_rule(values, std, long) if decides_rule else None
    cvs, per_ind = _cv_texts(cvs, ctx)
    # the per-school rule needs every indicator of a section: with one missing it cannot be decided
    rule_undecidable = each and std.school_rule is not None and bool(missing_ids)
    tally = None if long is None else _rule_tally(long, rule, ctx)
    composite_status, composite_text = _composite(
        ctx, cvs[cvs["indicator"] == balance.COMPOSITE], missing_ids
    )
    rows = {}
    for ind in std.resource_indicators:
        if ind.id in missing_ids:
            cols = ctx.sep.join(missing_ids[ind.id])
            why = ctx.t(f"缺数据：数据中没有本指标所需的 {cols}", f"missing: the data have no {cols}")
            rows[ind.id] = _result(MISSING, evidence=why, source=source)
            continue
        cv_text = per_ind["text"].get(ind.id, "")
        cv_part = ctx.t("差异系数 ", "CV ") + cv_text
        over, undefined = per_ind["over"].get(ind.id, False), per_ind["undefined"].get(ind.id, False)
        if tally is not None:
            rows[ind.id] = _rule_row(ind, ctx, tally, cv_part, over, undefined, source)
            continue
        undefined = undefined or rule_undecidable
        status = composite_status if not each else str(resource_status(over, False, undefined))
        evidence = cv_part + (ctx.semi + composite_text if composite_text else "")
        if rule_undecidable:
            lacking = ctx.sep.join(missing_ids)
            evidence += ctx.semi + ctx.t(
                f"缺 {lacking}，每校达标规则无法判定",
                f"the per-school rule cannot be decided without {lacking}",
            )
        number = per_ind["max_cv"].get(ind.id, np.nan)
        rows[ind.id] = _result(status, cv_text, float(number), evidence, source)
    return rows


def _cv_texts(cvs: pd.DataFrame, ctx: _Ctx) -> tuple[pd.DataFrame, dict[str, pd.Series]]:
    """Each CV (per indicator and stage) as text, and per indicator: the texts joined, whether
    any stage is over its limit or undefined, and the largest CV."""
    cvs = cvs.assign(
        over=cvs["passes"].eq(False).fillna(False).astype(bool),
        undefined=(cvs["status"] == "undefined") | (cvs["passes"].isna() & cvs["limit"].notna()),
        stage_name=cvs["stage"].map(ctx.stage),
    )
    shown = pd.Series(
        [
            _cv(float(c), None if pd.isna(m) else float(m)) if pd.notna(c) else ctx.t("无法计算", "undefined")
            for c, m in zip(cvs["cv"], cvs["limit"], strict=True)
        ],
        index=cvs.index,
    )
    cvs["text"] = cvs["stage_name"] + " " + shown + np.where(cvs["over"], ctx.t("（超限）", " (over)"), "")
    per_ind = cvs[cvs["indicator"] != balance.COMPOSITE].groupby("indicator", sort=False)
    return cvs, {
        "text": per_ind["text"].agg(ctx.sep.join),
        "over": per_ind["over"].any(),
        "undefined": per_ind["undefined"].any(),
        "max_cv": per_ind["cv"].max(),
    }


def _rule_tally(long: pd.DataFrame, rule: pd.DataFrame, ctx: _Ctx) -> dict[str, Any]:
    """The per-school rule per indicator: sections reaching its threshold (in total and as text
    per stage), and the sections that fail the rule with this indicator short, named."""
    long = long.merge(rule[["school_id", "stage", "passes"]], on=["school_id", "stage"], how="left")
    long["blame"] = ~long["met"] & ~long["passes"].astype(bool)
    counts = long.groupby(["indicator", "stage"], sort=False).agg(met=("met", "sum"), n=("met", "size"))
    totals = counts.groupby(level="indicator", sort=False).sum()
    counts = counts.reset_index()
    counts["text"] = (
        counts["stage"].map(ctx.stage) + " " + counts["met"].astype(str) + "/" + counts["n"].astype(str)
    )
    met_text = counts.groupby("indicator", sort=False)["text"].agg(ctx.sep.join)
    # a school with two sections in scope is named with the section's stage
    twice = long.duplicated(["indicator", "school_id"], keep=False)
    stage_name = long["stage"].map(ctx.stage)
    long["section"] = long["school_name"].where(
        ~twice, long["school_name"] + ctx.t("（", " (") + stage_name + ctx.t("）", ")")
    )
    long["_stage_order"] = long["stage"].map(stage_rank(ctx.std))
    blamed = (
        long[long["blame"]].sort_values(["seq", "_stage_order", "school_id"]).groupby("indicator", sort=False)
    )
    return {"totals": totals, "met_text": met_text, "blamed": {k: v for k, v in blamed["section"]}}


def _rule_row(
    ind: Indicator, ctx: _Ctx, tally: dict[str, Any], cv_part: str, over: bool, undefined: bool, source: str
) -> dict[str, Any]:
    """A resource row under the per-school rule: sections reaching it, the CVs, the sections to blame."""
    rule = ctx.std.school_rule
    met, n = int(tally["totals"].loc[ind.id, "met"]), int(tally["totals"].loc[ind.id, "n"])
    blame = tally["blamed"].get(ind.id, pd.Series(dtype=object))
    met_text = tally["met_text"][ind.id]
    parts = [
        ctx.t(f"达到本项标准的学校（学段）{met_text}", f"sections reaching the threshold: {met_text}"),
        cv_part,
    ]
    if len(blame):
        rest = percent_limit(rule["min_ratio_rest"])
        rule_text = ctx.t(
            f"{rule['min_met']}项达标、其余不低于{rest}", f"{rule['min_met']} met, the rest ≥ {rest}"
        )
        parts.append(
            ctx.t(
                f"{len(blame)} 所学校（学段）未达到“{rule_text}”且本项未达标：{ctx.names(blame)}",
                f"{len(blame)} section(s) fail the per-school rule ({rule_text}) with this indicator short: "
                f"{ctx.names(blame)}",
            )
        )
    return _units(str(resource_status(over, len(blame) > 0, undefined)), met, n, parts, ctx, source)


def _composite(ctx: _Ctx, composite: pd.DataFrame, missing_ids: dict) -> tuple[str, str]:
    """The composite CV's status and text (the test under ``balance.test = "composite"``)."""
    std = ctx.std
    if std.balance_test == "each":
        return MISSING, ""
    if missing_ids:
        ids = ctx.sep.join(sorted(missing_ids, key=lambda i: std.indicator(i).seq))
        return MISSING, ctx.t(
            f"综合差异系数缺数据（{ids} 无法计算，不能求 {len(std.resource_indicators)} 项均值）",
            f"composite CV missing ({ids} cannot be computed)",
        )
    statuses = composite["passes"].map({True: PASS, False: FAIL}).fillna(MISSING)
    limits = composite["stage"].map(std.composite_limit).map("{:.2f}".format)
    parts = composite["text"] + ctx.t("（≤ ", " (≤ ") + limits + ctx.t("）", ")")
    return aggregate_status(statuses), ctx.t("综合差异系数 ", "composite CV ") + ctx.sep.join(parts)


# ----------------------------------------------------------------------------- computed rows


def _g3(ind: Indicator, ctx: _Ctx) -> dict[str, Any]:
    table = guarantee.music_art_rooms_table(ctx.ds, ctx.std, year=ctx.year)
    source = "facilities, sections"
    if table.empty:
        return _result(MISSING, evidence=ctx.no_table("facilities"), source=source)
    ok, n = int((table["status"] == PASS).sum()), len(table)
    parts = [ctx.t(f"{n} 所学校中 {ok} 所达标", f"{ok} of {n} schools comply")]
    bad = table[table["status"] == FAIL]
    if len(bad):
        why = pd.Series("", index=bad.index)
        add = ctx.sep
        need = bad["rooms_needed"].astype(str)
        for kind, zh, en in (("music", "音乐", "music"), ("art", "美术", "art")):
            has = ctx.t(f"{zh}教室需", f"{en} rooms needed ") + need + ctx.t("间有", ", has ")
            why += np.where(bad[f"{kind}_short"], has + bad[f"{kind}_rooms"].astype(str) + add, "")
        for kind, zh, en in (("music", "音乐", "music"), ("art", "美术", "art")):
            pairs = zip(bad[f"{kind}_room_min_area_m2"], bad[f"{kind}_area_limit"], strict=True)
            area = pd.Series(
                [figure(a, [(lim, ">=")]) if pd.notna(a) else "" for a, lim in pairs], index=bad.index
            )
            small = ctx.t(f"最小{zh}教室", f"smallest {en} room ") + area + "<"
            why += np.where(
                bad[f"{kind}_small"], small + bad[f"{kind}_area_limit"].map(figure) + "m²" + add, ""
            )
        listed = bad["school_name"].astype(str) + ctx.t("（", " (") + why.str.rstrip(add) + ctx.t("）", ")")
        parts += ctx.listing("未达标：", "failing: ", listed)
    gaps = table.loc[table["status"] == MISSING, "school_name"]
    parts += ctx.listing("无办学条件数据：", "no facilities row: ", gaps)
    parts += _relaxed(table, ctx, "面积要求", "areas")
    return _units(aggregate_status(table["status"]), ok, n, parts, ctx, source)


def _g4(ind: Indicator, ctx: _Ctx) -> dict[str, Any]:
    table = classsize.school_size_table(ctx.ds, ctx.std, year=ctx.year)
    if "in_scope" in table.columns:
        table = table[table["in_scope"].astype(bool)]
    source = "sections"
    n = len(table)
    if n == 0:
        return _result(MISSING, evidence=ctx.no_table("sections"), source=source)
    passes = table["passes"].astype(bool)
    ok = int(passes.sum())
    parts = [ctx.t(f"{n} 所学校中 {ok} 所规模达标", f"{ok} of {n} schools within their size limit")]
    over = table[~passes].sort_values(["over_by", "school_id"], ascending=[False, True])
    listed = (
        over["school_name"].astype(str)
        + " "
        + over["students"].map(figure)
        + ctx.t("人（上限", " pupils (limit ")
        + over["size_limit"].map(figure)
        + ctx.t("）", ")")
    )
    parts += ctx.listing("超规模：", "over: ", listed)
    parts += _relaxed(table, ctx, "规模上限", "limit")
    return _units(PASS if ok == n else FAIL, ok, n, parts, ctx, source)


def _g5(ind: Indicator, ctx: _Ctx) -> dict[str, Any]:
    source = "classes"
    if not classsize.has_class_data(ctx.ds, ctx.year):
        return _result(MISSING, evidence=ctx.no_table("classes"), source=source)
    per = classsize.classes_over_standard(ctx.ds, ctx.std, ctx.year)
    total, over = int(per["classes"].sum()), int(per["classes_over"].sum())
    within = total - over
    parts = [
        ctx.t(f"共 {total} 个班，{over} 个班超过标准班额", f"{over} of {total} classes above the standard")
    ]
    bad = per[per["classes_over"] > 0].sort_values(["classes_over", "school_id"], ascending=[False, True])
    listed = (
        bad["school_name"].astype(str)
        + ctx.t("（", " (")
        + bad["classes_over"].astype(str)
        + ctx.t("个班，最大", " classes, largest ")
        + bad["max_class_size"].astype(str)
        + ctx.t("人）", ")")
    )
    parts += ctx.listing(f"涉及 {len(bad)} 所学校：", f"in {len(bad)} school(s): ", listed)
    return _result(PASS if over == 0 else FAIL, f"{within}/{total}", within / total if total else np.nan,
                   ctx.semi.join(parts), source)  # fmt: skip


def _from_passes(passes) -> str:
    return MISSING if pd.isna(passes) else (PASS if bool(passes) else FAIL)


def _teachers_rate(
    ind: Indicator, ctx: _Ctx, count: str, rate: str, what_zh: str, what_en: str
) -> dict[str, Any]:
    """G9 (``count`` ``trained``) or G12 (``certified``): a share of the teachers (:mod:`rotation`)."""
    if "teacher_quality" not in ctx.cache:
        table = rotation.teacher_quality_table(ctx.ds, ctx.std, year=ctx.year)
        table = table[table["year"] == ctx.year]
        ctx.cache["teacher_quality"] = (
            None if table.empty or pd.isna(table["teachers"].iloc[0]) else table.iloc[0]
        )
    row = ctx.cache["teacher_quality"]
    if row is None:
        return _result(MISSING, evidence=ctx.no_table("teachers"), source="teachers")
    x = float(row[f"{rate}_rate"]) if pd.notna(row[f"{rate}_rate"]) else np.nan
    evidence = ctx.t(
        f"专任教师 {figure(row['teachers'])} 人，{what_zh} {figure(row[count])} 人",
        f"{figure(row[count])} of {figure(row['teachers'])} teachers {what_en}",
    )
    shown = _pct(x, float(ind.threshold_for())) if not math.isnan(x) else ""
    return _result(_from_passes(row[f"{rate}_passes"]), shown, x, evidence, "teachers")


def _g9(ind: Indicator, ctx: _Ctx) -> dict[str, Any]:
    hours = figure(rotation.training_hours_min(ctx.std))
    return _teachers_rate(ind, ctx, "trained", "training", f"近五年培训满 {hours} 学时",
                          f"completed {hours} training hours in 5 years")  # fmt: skip


def _g12(ind: Indicator, ctx: _Ctx) -> dict[str, Any]:
    return _teachers_rate(
        ind, ctx, "certified", "certification", "持有教师资格证", "hold a teaching certificate"
    )


def _g11(ind: Indicator, ctx: _Ctx) -> dict[str, Any]:
    source = "teachers, rotations"
    for name in ("teachers", "rotations"):
        if getattr(ctx.ds, name) is None:
            return _result(MISSING, evidence=ctx.no_table(name), source=source)
    table = rotation.rotation_table(ctx.ds, ctx.std, year=ctx.year)
    table = table[table["year"] == ctx.year]
    if table.empty or table["status"].iloc[0] == "no_teacher_data":
        why = ctx.t(
            f"缺数据：teachers（专任教师）表中没有 {ctx.year - 1} 年的数据，无法确定 {ctx.year} "
            "年符合交流条件的教师",
            f"missing: the teachers table has no rows for {ctx.year - 1}, so who was eligible in {ctx.year} "
            "is unknown",
        )
        return _result(MISSING, evidence=why, source=source)
    row = table.iloc[0]
    if row["status"] == "no_eligible":
        why = ctx.t(
            "无符合交流条件的教师，交流比例无法计算",
            "no teacher is eligible to rotate: the ratio is undefined",
        )
        return _result(MISSING, evidence=why, source=source)
    ratio = float(row["ratio"])
    share = float(row["backbone_share"]) if pd.notna(row["backbone_share"]) else np.nan
    share_text = (
        _pct(share, float(row["share_limit"])) if not math.isnan(share) else ctx.t("无法计算", "undefined")
    )
    rate = _pct(ratio, float(row["ratio_limit"]))
    value = ctx.t(f"{rate}（骨干 {share_text}）", f"{rate} (backbone {share_text})")
    evidence = ctx.t(
        f"符合交流条件 {figure(row['eligible'])} 人，交流轮岗 {figure(row['rotated'])} "
        f"人；其中骨干教师 {figure(row['backbone_rotated'])} 人",
        f"{figure(row['rotated'])} of {figure(row['eligible'])} eligible teachers rotated; "
        f"{figure(row['backbone_rotated'])} of them backbone",
    )
    return _result(_from_passes(row["passes"]), value, ratio, evidence, source)


def _q1(ind: Indicator, ctx: _Ctx) -> dict[str, Any]:
    table = guarantee.retention_table(ctx.ds, ctx.std, year=ctx.year)
    if table.empty:
        return _result(MISSING, evidence=ctx.no_table("cohorts"), source="cohorts")
    row = table.iloc[0]
    x, threshold = float(row["retention_rate"]), float(row["threshold"])
    n = {
        k: figure(row[k]) for k in ("graduates", "transfers_in", "transfers_out", "entrants_3y_ago", "deaths")
    }
    evidence = ctx.t(
        f"（毕业 {n['graduates']} − 转入 {n['transfers_in']} + 转出 {n['transfers_out']}）÷"
        f"（三年前入学 {n['entrants_3y_ago']} − 死亡 {n['deaths']}）",
        f"(graduates {n['graduates']} − in {n['transfers_in']} + out {n['transfers_out']}) / "
        f"(entrants {n['entrants_3y_ago']} − deaths {n['deaths']})",
    )
    return _result(row["status"], _pct(x, threshold), x, evidence, "cohorts")


def _q4(ind: Indicator, ctx: _Ctx) -> dict[str, Any]:
    table = guarantee.training_funds_table(ctx.ds, ctx.std, year=ctx.year)
    if table.empty:
        return _result(MISSING, evidence=ctx.no_table("budget"), source="budget")
    threshold = float(ind.threshold_for())
    n, ok = len(table), int((table["status"] == PASS).sum())
    lowest = table.sort_values(["share", "school_id"]).iloc[0]
    parts = [ctx.t(f"{n} 所学校中 {ok} 所培训经费占公用经费 ≥ {percent_limit(threshold)}",
                   f"{ok} of {n} schools spend ≥ {percent_limit(threshold)} on training")]  # fmt: skip
    if pd.notna(lowest["share"]):
        low = _pct(lowest["share"], threshold)
        parts.append(
            ctx.t(f"最低 {low}（{lowest['school_name']}）", f"lowest {low} ({lowest['school_name']})")
        )
    bad = table[table["status"] == FAIL]
    parts += ctx.listing(
        "未达标：",
        "failing: ",
        bad["school_name"].astype(str) + " " + bad["share"].map(lambda s: _pct(s, threshold)),
    )
    parts += ctx.listing(
        "无经费数据：", "no budget row: ", table.loc[table["status"] == MISSING, "school_name"]
    )
    return _units(aggregate_status(table["status"]), ok, n, parts, ctx, "budget")


def _s1(ind: Indicator, ctx: _Ctx) -> dict[str, Any]:
    table = guarantee.recognition_table(ctx.ds, ctx.std, year=ctx.year)
    total = table[table["group"] == "all"]
    if total.empty or pd.isna(total["rate"].iloc[0]):
        return _result(MISSING, evidence=ctx.no_table("survey"), source="survey")
    row = total.iloc[0]
    threshold = float(row["threshold"])
    valid, satisfied = figure(row["valid"]), figure(row["satisfied"])
    parts = [
        ctx.t(
            f"有效问卷 {valid} 份，满意 {satisfied} 份",
            f"{satisfied} of {valid} valid questionnaires satisfied",
        )
    ]
    parent = table[table["group"] == "parent"]
    if not parent.empty and pd.notna(parent["rate"].iloc[0]):
        p = parent.iloc[0]
        valid, satisfied, rate = figure(p["valid"]), figure(p["satisfied"]), _pct(p["rate"], threshold)
        parts.append(
            ctx.t(
                f"其中家长 {valid} 份，满意 {satisfied} 份（{rate}）",
                f"parents: {satisfied} of {valid} ({rate})",
            )
        )
    else:
        parts.append(ctx.t("无家长问卷", "no parents' questionnaires"))
    return _result(
        row["status"], _pct(row["rate"], threshold), float(row["rate"]), ctx.semi.join(parts), "survey"
    )


_COMPUTED: dict[str, Callable[[Indicator, _Ctx], dict[str, Any]]] = {
    "G3": _g3, "G4": _g4, "G5": _g5, "G9": _g9, "G11": _g11, "G12": _g12, "Q1": _q1, "Q4": _q4, "S1": _s1,
}  # fmt: skip


def computed_row(ind: Indicator, ctx: _Ctx) -> dict[str, Any]:
    """A computed indicator's row, from the county's input when its data are missing and it has one."""
    fn = _COMPUTED.get(ind.id)
    if fn is None:
        why = ctx.t("eduwb 不能由数据计算本指标", "eduwb cannot compute this indicator")
        result = _result(MISSING, evidence=why)
    else:
        result = fn(ind, ctx)
    if result["status"] == MISSING and ctx.county_row(ind.id) is not None:
        # the data to compute it are missing, but the county stated it: use that, and say so
        county = _county(ind, ctx)
        using = ctx.t("采用县级填报：", "using the county input: ")
        county["evidence"] = result["evidence"] + ctx.semi + using + county["evidence"]
        return county
    return result


def rows(ctx: _Ctx, ids=None) -> dict[str, dict[str, Any]]:
    """The rows (without threshold) of the indicators ``ids`` (None: all), in the standard's order."""
    wanted = [ind for ind in ctx.std.indicators if ids is None or ind.id in ids]
    resource_ids = {ind.id for ind in ctx.std.resource_indicators}
    resource = _resource_rows(ctx) if any(ind.id in resource_ids for ind in wanted) else {}
    out = {}
    for ind in wanted:
        if ind.id in resource:
            out[ind.id] = resource[ind.id]
        else:
            out[ind.id] = computed_row(ind, ctx) if ind.source == "computed" else _county(ind, ctx)
    return out


def with_scope(ind: Indicator, ctx: _Ctx, result: dict[str, Any]) -> str:
    """The evidence of a row judged over schools, led by which schools (the indicator's scope)."""
    evidence = result.get("evidence") or ""
    scope = ctx.std.scope_of(ind.id)
    if ind.source != "computed" or scope.name == "county" or result.get("source") == "county_indicators":
        return evidence
    if result.get("status") == MISSING:
        return evidence  # what is missing is the news (and the analyst's to-do), not which schools
    lead = ctx.t(f"范围：{scope.zh}", f"scope: {scope.en}")
    return lead + (ctx.semi + evidence if evidence else "")
