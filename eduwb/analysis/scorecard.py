"""The scorecard: every indicator of the standard with its status and evidence, and the verdict.

One row per indicator of the standard (32 under ``moe-2017``, 8 under ``moe-2012``). Each row
is judged from the module of its concern — never recomputed here:

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

Resource rows under a standard that tests each CV (``moe-2017``): the resource dimension
passes when every school section in scope passes the per-school rule (``school_rule``: at
least 6 of 7 indicators reach their threshold and the rest 85 % of it) and every
indicator's CV is within its stage's limit. An R row *fails* when its own CV exceeds the
limit in any stage, or when it is below its threshold at a school section that fails the
per-school rule (it is one of the reasons that section fails). So the resource dimension
fails exactly when some R row fails. Its value counts the sections reaching the
indicator's threshold (a section below it may still pass the per-school rule).

Resource rows under a standard that tests the composite CV only (``moe-2012``): each row
reports its CVs; since only the composite (the plain mean of all the indicators' CVs) has a
limit, each row takes the composite's status; an indicator the data cannot give is
``missing``, and then so is the composite (a mean of fewer indicators is not the standard's
composite).

The verdict (per year): a dimension passes when all its indicators pass, fails when one
fails, else is missing. A one-vote veto (a county input ``VETO1``…``VETO6`` of 是) fails the
county whatever else holds. Otherwise the county fails when a dimension fails, is
``incomplete`` when an indicator is missing or a veto was not declared (是/否) for the
year, and passes only when every indicator passes and every veto is declared 否.
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
from eduwb.analysis.scope import resolve_year, stage_rank
from eduwb.data.dataset import Dataset, memoised
from eduwb.data.schema import TABLES
from eduwb.data.values import CountyValue, parse_county_value
from eduwb.errors import ParameterError
from eduwb.lang import CLAUSE_SEP, COMMA, LIST_SEP, name_before_number, pick
from eduwb.standards import Indicator, Standard

PASS, FAIL, MISSING = "pass", "fail", "missing"
STATUSES = (PASS, FAIL, MISSING)
VERDICTS = ("pass", "fail", "incomplete")
SCORECARD_COLUMNS = [
    "indicator",
    "seq",
    "dimension",
    "name",
    "value",
    "value_number",
    "threshold",
    "status",
    "source",
    "evidence",
]
#: How many units (schools, classes) an evidence text names before "等".
NAMES_SHOWN = 5


# ----------------------------------------------------------------------------- helpers


def _lang(options: dict[str, Any]) -> str:
    lang = options.get("lang") or "zh"
    if lang not in ("zh", "en"):
        raise ParameterError(f"lang must be 'zh' or 'en', not {lang!r}")
    return lang


def _resolve_year(ds: Dataset, year) -> int:
    return resolve_year(ds, year)


def aggregate_status(statuses) -> str:
    """One status for many units: fail if any fails, else missing if any (or none) is missing."""
    values = set(pd.Series(statuses, dtype=object).tolist())
    if FAIL in values:
        return FAIL
    if MISSING in values or not values:
        return MISSING
    return PASS


def _num(x: float, limits=None) -> str:
    """A number as people write it (6,500 / 4.2 / 1.02), by the display rule against ``limits``."""
    return numbers.figure(x, limits)


def _pct_limit(x: float) -> str:
    return numbers.percent_limit(x)


def _pct(x: float, limit: float | None = None, op: str = ">=") -> str:
    """A rate as a percentage, by the display rule (more decimals where it would cross its limit)."""
    return numbers.percent(x, 1, None if limit is None else [(limit, op)])


def _cv(x: float, limit: float | None = None) -> str:
    """A CV to 3 decimals, by the display rule against its limit (0.5004, never 0.500 over 0.50)."""
    return numbers.number(x, 3, None if limit is None else [(limit, "<=")])


def _names(names: pd.Series, ctx: _Ctx) -> str:
    names = [str(n) for n in names.tolist()]
    shown = ctx.sep.join(names[:NAMES_SHOWN])
    if len(names) > NAMES_SHOWN:
        shown += ctx.t(f" 等 {len(names)} 所", f" and {len(names) - NAMES_SHOWN} more")
    return shown


def _table_label(name: str, lang: str) -> str:
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

    def county_row(self, indicator_id: str) -> dict[str, Any] | None:
        if "county" not in self.cache:
            ci = self.ds.county_indicators
            rows = {} if ci is None else ci[ci["year"] == self.year].set_index("indicator").to_dict("index")
            self.cache["county"] = rows
        return self.cache["county"].get(indicator_id)

    def no_table(self, name: str) -> str:
        table = _table_label(name, self.lang)
        if getattr(self.ds, name) is None:
            return self.t(f"缺数据：未提供 {table}表", f"missing: no {table} table was provided")
        return self.t(
            f"缺数据：{table}表中没有 {self.year} 年的数据",
            f"missing: the {table} table has no rows for {self.year}",
        )


def _result(
    status: str, value: str = "", value_number: float = np.nan, evidence: str = "", source: str = ""
) -> dict[str, Any]:
    return {
        "status": status,
        "value": value,
        "value_number": value_number,
        "evidence": evidence,
        "source": source,
    }


# ----------------------------------------------------------------------------- thresholds


def _limit_text(ind: Indicator, value: float, lang: str) -> str:
    return _pct_limit(value) if ind.unit == "%" else f"{_num(value)} {ind.unit_name(lang)}"


def threshold_text(ind: Indicator, ctx: _Ctx) -> str:
    """The indicator's threshold as the standard states it (from the standard, never a literal)."""
    std = ctx.std
    if ind.dimension == "resource" and ind.formula:
        return _resource_threshold(ind, ctx)
    if ind.id in _THRESHOLD_TEXT:
        return _THRESHOLD_TEXT[ind.id](ind, ctx)
    if ind.comparator in (">=", "<="):
        sym = "≥" if ind.comparator == ">=" else "≤"
        if isinstance(ind.threshold, dict):
            parts = [
                f"{ctx.stage(s)} {sym} {_limit_text(ind, ind.threshold[s], ctx.lang)}"
                for s in std.stages
                if s in ind.threshold
            ]
            return pick(COMMA, ctx.lang).join(parts)
        text = f"{sym} {_limit_text(ind, ind.threshold, ctx.lang)}"
        if ind.id == "Q4":
            text = ctx.t(f"每校 {text}", f"every school {text}")
        return text
    if ind.comparator == "yes":
        return ctx.t("是", "yes")
    if ind.comparator == "yes_or_ratio":
        return ctx.t(f"是，或比值 ≥ {_num(ind.threshold)}", f"yes, or ratio ≥ {_num(ind.threshold)}")
    return ctx.t("全部达标", "all comply")


def _resource_threshold(ind: Indicator, ctx: _Ctx) -> str:
    std = ctx.std
    sep = ctx.sep
    if std.balance_test == "each":
        values = sep.join(f"{ctx.stage(s)} ≥ {_num(ind.threshold_for(s))}" for s in std.stages)
        cvs = sep.join(f"{ctx.stage(s)} ≤ {std.cv_limit(s):.2f}" for s in std.stages)
        return ctx.t(f"{values} {ind.unit}；差异系数 {cvs}", f"{values} {ind.unit_name('en')}; CV {cvs}")
    cvs = sep.join(f"{ctx.stage(s)} ≤ {std.composite_limit(s):.2f}" for s in std.stages)
    return ctx.t(f"综合差异系数 {cvs}", f"composite CV {cvs}")


def _g3_threshold(ind: Indicator, ctx: _Ctx) -> str:
    p = ind.params
    text = ctx.t(
        f"每 {p['classes_per_room']} 个班音乐、美术教室各 ≥ 1 间；音乐 "
        f"≥ {_num(p['music_room_min_area_m2'])} m²，"
        f"美术 ≥ {_num(p['art_room_min_area_m2'])} m²",
        f"1 music and 1 art room per {p['classes_per_room']} classes; music "
        f"≥ {_num(p['music_room_min_area_m2'])} m², "
        f"art ≥ {_num(p['art_room_min_area_m2'])} m²",
    )
    if ctx.ds.settings.relaxations_2019:
        rel = ctx.std.relaxations
        text += ctx.t(
            f"（{rel['music_art_room_area_built_by']} 年及以前建成：{_num(rel['music_room_min_area_m2'])}/"
            f"{_num(rel['art_room_min_area_m2'])} m²）",
            f" (built by {rel['music_art_room_area_built_by']}: {_num(rel['music_room_min_area_m2'])}/"
            f"{_num(rel['art_room_min_area_m2'])} m²)",
        )
    return text


def _g4_threshold(ind: Indicator, ctx: _Ctx) -> str:
    std = ctx.std
    default = std.school_size_limit("primary")
    big = std.school_size_limit("nine_year")
    return ctx.t(
        f"小学、初中 ≤ {_num(default)} 人；九年、十二年一贯制 ≤ {_num(big)} 人",
        f"primary/junior ≤ {_num(default)}; 9/12-year schools ≤ {_num(big)}",
    )


def _g5_threshold(ind: Indicator, ctx: _Ctx) -> str:
    parts = ctx.sep.join(f"{ctx.stage(s)} ≤ {ctx.std.class_size_standard(s)}" for s in ctx.std.stages)
    return ctx.t(f"每班 {parts} 人", f"every class {parts} pupils")


_THRESHOLD_TEXT: dict[str, Callable[[Indicator, _Ctx], str]] = {
    "G3": _g3_threshold,
    "G4": _g4_threshold,
    "G5": _g5_threshold,
}


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
            note = t(
                "县级填报“是”，视为达到标准（未给出数值）",
                "the county states it is reached (no figure given)",
            )
            if not yes:
                note = t("县级填报“否”", "the county states it is not reached")
        return (PASS if yes else FAIL), t("是", "yes") if yes else t("否", "no"), float(yes), note
    if parsed.kind == "unreadable" or parsed.number is None:
        return (
            MISSING,
            parsed.text,
            np.nan,
            t(f"无法识别的数值“{parsed.text}”", f"unreadable value {parsed.text!r}"),
        )
    if ind.comparator == "yes":
        return (
            MISSING,
            parsed.text,
            np.nan,
            t("本指标应填“是/否”，填写的数值无法判定", "a yes/no indicator was given a number"),
        )
    if ind.comparator == "yes_or_ratio":
        x = parsed.number
        threshold = float(ind.threshold)
        shown = _num(x, [(threshold, ">=")])
        return (PASS if x >= threshold else FAIL), shown, x, t(f"比值 {shown}", f"ratio {shown}")
    if ind.comparator in (">=", "<="):
        return _judge_figure(ind, parsed, t)
    return (
        MISSING,
        parsed.text,
        np.nan,
        t("本指标不能由县级填报判定", "this indicator cannot be judged from a county input"),
    )


def _judge_figure(
    ind: Indicator, parsed: CountyValue, t: Callable[[str, str], str]
) -> tuple[str, str, float, str]:
    """:func:`judge_county_value` for a ``>=``/``<=`` indicator given a figure."""
    if ind.unit == "%":
        x = parsed.as_fraction()
        shown = _pct(x, _strictest(ind), ind.comparator)
    elif parsed.kind == "number":
        x = parsed.number
        shown = _num(x, [(_strictest(ind), ind.comparator)])
    else:
        return (
            MISSING,
            parsed.text,
            np.nan,
            t(
                f"本指标单位为 {ind.unit}，不能填百分比",
                f"the unit is {ind.unit}; a percentage does not fit",
            ),
        )
    threshold = _strictest(ind)
    ok = x >= threshold if ind.comparator == ">=" else x <= threshold
    note = ""
    if isinstance(ind.threshold, dict):
        limit = _pct_limit(threshold) if ind.unit == "%" else _num(threshold)
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
        table = _table_label(source, ctx.lang)
        if ctx.ds.county_indicators is None:
            why = ctx.t(f"缺数据：未提供 {table}表", f"missing: no {table} table was provided")
        else:
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


@dataclass
class _ResourcePass:
    """The per-section values, CVs and per-school rule of several years, computed once.

    :func:`scorecard_trend` makes one so that each year's resource rows are read off it
    instead of recomputed; the results are those of the per-year functions.
    """

    values: pd.DataFrame
    cvs: pd.DataFrame
    long: pd.DataFrame | None
    rule: pd.DataFrame | None

    @classmethod
    def of(cls, values: pd.DataFrame, std: Standard) -> _ResourcePass:
        decides_rule = (
            std.balance_test == "each" and std.school_rule is not None and not values.attrs.get("missing")
        )
        return cls(
            values=values,
            cvs=balance.balance_from_values(values, std, by=["year", "stage"]),
            long=balance.ratios(values, std) if decides_rule and len(values) else None,
            rule=balance.school_rule(values, std) if decides_rule and len(values) else None,
        )

    @staticmethod
    def _year(frame: pd.DataFrame, year: int, keep_year: bool = True) -> pd.DataFrame:
        out = frame[frame["year"] == year].reset_index(drop=True)
        out.attrs = dict(frame.attrs)
        return out if keep_year else out.drop(columns="year")

    def year(self, year: int) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame | None, pd.DataFrame | None]:
        """Values, CVs (by stage), long ratios and the rule of one year."""
        values = self._year(self.values, year)
        cvs = self._year(self.cvs, year, keep_year=False)
        long = None if self.long is None else self._year(self.long, year)
        rule = None if self.rule is None else self._year(self.rule, year)
        return values, cvs, long, rule


def resource_passes(values: pd.DataFrame, std: Standard, by: str) -> dict[Any, Any]:
    """What :func:`scorecard_trend` computes from each group's ``values`` (the resource values,
    CVs and per-school rule), for every group of ``values`` by its column ``by`` at once.

    For the province view: ``values`` are the pooled counties' and ``by`` is ``"county"``;
    each county's pass is the one its own values give (the CVs are computed per group, the
    rule per section; ``row`` counts the county's own sections). Pass one to
    :func:`scorecard_trend` as ``resource``.
    """
    decides_rule = (
        std.balance_test == "each" and std.school_rule is not None and not values.attrs.get("missing")
    )
    cvs = balance.balance_from_values(values, std, by=[by, "year", "stage"])
    long = balance.ratios(values, std) if decides_rule and len(values) else None
    rule = balance.school_rule(values, std) if decides_rule and len(values) else None
    cvs_of = cvs.groupby(by, sort=False).indices
    long_of = {} if long is None else long.groupby(by, sort=False).indices
    rule_of = {} if rule is None else rule.groupby(by, sort=False).indices
    local = np.full(len(values), -1, dtype=np.int64)
    out = {}
    for key, rows in values.groupby(by, sort=False).indices.items():
        local[rows] = np.arange(len(rows))
        mine = _group(values, by, rows, values.attrs)
        part = None if long is None else _group(long, by, long_of[key], long.attrs)
        if part is not None:
            part["row"] = local[part["row"].to_numpy()]
        out[key] = _ResourcePass(
            values=mine,
            cvs=_group(cvs, by, cvs_of.get(key, np.array([], dtype=np.int64)), cvs.attrs),
            long=part,
            rule=None if rule is None else _group(rule, by, rule_of[key], rule.attrs),
        )
    return out


def _group(frame: pd.DataFrame, by: str, rows: np.ndarray, attrs: dict) -> pd.DataFrame:
    out = frame.take(rows).drop(columns=by).reset_index(drop=True)
    out.attrs = dict(attrs)
    return out


def _resource_rows(ctx: _Ctx) -> dict[str, dict[str, Any]]:
    """Every resource indicator's row at once (they share the per-section values and CVs)."""
    ds, std, year = ctx.ds, ctx.std, ctx.year
    shared: _ResourcePass | None = ctx.cache.get("resource_pass")
    if shared is not None:
        values, cvs, shared_long, shared_rule = shared.year(year)
    else:
        values = resources.section_values(ds, std, years=[year])
        cvs = shared_long = shared_rule = None
    source = "sections, facilities"
    if values.empty:
        why = ctx.t(
            f"缺数据：{year} 年没有纳入评估范围的学校", f"missing: no school section in scope in {year}"
        )
        return {ind.id: _result(MISSING, evidence=why, source=source) for ind in std.resource_indicators}
    if cvs is None:
        cvs = balance.balance_from_values(values, std, by=["stage"])
    missing_ids = values.attrs.get("missing", {})
    each = std.balance_test == "each"
    cvs, per_ind = _cv_texts(cvs, ctx)
    # the per-school rule needs every indicator of a section: with one missing it cannot be decided
    rule_undecidable = each and std.school_rule is not None and bool(missing_ids)
    tally = None
    if each and std.school_rule is not None and not missing_ids:
        long = balance.ratios(values, std) if shared_long is None else shared_long
        rule = balance.school_rule(values, std) if shared_rule is None else shared_rule
        tally = _rule_tally(long, rule, ctx)
    composite_status, composite_text = _composite(
        ctx, cvs[cvs["indicator"] == balance.COMPOSITE], missing_ids
    )

    rows = {}
    for ind in std.resource_indicators:
        if ind.id in missing_ids:
            cols = ctx.sep.join(missing_ids[ind.id])
            rows[ind.id] = _result(
                MISSING,
                evidence=ctx.t(f"缺数据：数据中没有本指标所需的 {cols}", f"missing: the data have no {cols}"),
                source=source,
            )
            continue
        cv_text = per_ind["text"].get(ind.id, "")
        cv_part = ctx.t("差异系数 ", "CV ") + cv_text
        over, undefined = per_ind["over"].get(ind.id, False), per_ind["undefined"].get(ind.id, False)
        if tally is None:
            undefined = undefined or rule_undecidable
            status = composite_status if not each else (FAIL if over else MISSING if undefined else PASS)
            evidence = cv_part + (ctx.semi + composite_text if composite_text else "")
            if rule_undecidable:
                lacking = ctx.sep.join(missing_ids)
                evidence += ctx.semi + ctx.t(
                    f"缺 {lacking}，每校达标规则无法判定",
                    f"the per-school rule cannot be decided without {lacking}",
                )
            number = per_ind["max_cv"].get(ind.id, np.nan)
            rows[ind.id] = _result(status, cv_text, float(number), evidence, source)
            continue
        rows[ind.id] = _rule_row(ind, ctx, tally, cv_part, over, undefined, source)
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
    std = ctx.std
    totals, met_text = tally["totals"], tally["met_text"]
    met, n = int(totals.loc[ind.id, "met"]), int(totals.loc[ind.id, "n"])
    blame = tally["blamed"].get(ind.id, pd.Series(dtype=object))
    parts = [
        ctx.t(
            f"达到本项标准的学校（学段）{met_text[ind.id]}",
            f"sections reaching the threshold: {met_text[ind.id]}",
        ),
        cv_part,
    ]
    if len(blame):
        rule_text = ctx.t(
            f"{std.school_rule['min_met']}项达标、其余不低于{_pct_limit(std.school_rule['min_ratio_rest'])}",
            f"{std.school_rule['min_met']} met, the rest ≥ {_pct_limit(std.school_rule['min_ratio_rest'])}",
        )
        parts.append(
            ctx.t(
                f"{len(blame)} 所学校（学段）未达到“{rule_text}”且本项未达标：{_names(blame, ctx)}",
                f"{len(blame)} section(s) fail the per-school rule ({rule_text}) with this indicator short: "
                f"{_names(blame, ctx)}",
            )
        )
    if over or len(blame):
        status = FAIL
    elif undefined:
        status = MISSING
    else:
        status = PASS
    return _result(status, f"{met}/{n}", met / n, ctx.semi.join(parts), source)


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
    status = aggregate_status(table["status"])
    ok = int((table["status"] == PASS).sum())
    n = len(table)
    parts = [ctx.t(f"{n} 所学校中 {ok} 所达标", f"{ok} of {n} schools comply")]
    bad = table[table["status"] == FAIL]
    if len(bad):
        why = pd.Series("", index=bad.index)
        add = ctx.sep
        need = bad["rooms_needed"].astype(str)
        rooms = {"music": ("音乐教室需", "music rooms needed "), "art": ("美术教室需", "art rooms needed ")}
        for kind, (zh, en) in rooms.items():
            has = ctx.t(zh, en) + need + ctx.t("间有", ", has ") + bad[f"{kind}_rooms"].astype(str) + add
            why += np.where(bad[f"{kind}_short"], has, "")

        def area(kind: str) -> pd.Series:
            pairs = zip(bad[f"{kind}_room_min_area_m2"], bad[f"{kind}_area_limit"], strict=True)
            return pd.Series(
                [_num(a, [(lim, ">=")]) if pd.notna(a) else "" for a, lim in pairs], index=bad.index
            )

        smallest = {
            "music": ("最小音乐教室", "smallest music room "),
            "art": ("最小美术教室", "smallest art room "),
        }
        for kind, (zh, en) in smallest.items():
            small = ctx.t(zh, en) + area(kind) + "<" + bad[f"{kind}_area_limit"].map(_num) + "m²" + add
            why += np.where(bad[f"{kind}_small"], small, "")
        listed = bad["school_name"].astype(str) + ctx.t("（", " (") + why.str.rstrip(add) + ctx.t("）", ")")
        parts.append(ctx.t("未达标：", "failing: ") + _names(listed, ctx))
    gaps = table[table["status"] == MISSING]
    if len(gaps):
        parts.append(ctx.t("无办学条件数据：", "no facilities row: ") + _names(gaps["school_name"], ctx))
    if table["relaxed"].any():
        parts.append(
            ctx.t(
                f"{int(table['relaxed'].sum())} 所学校按2019年过渡政策放宽面积要求",
                f"{int(table['relaxed'].sum())} school(s) under the 2019 relaxed areas",
            )
        )
    return _result(status, f"{ok}/{n}", ok / n, ctx.semi.join(parts), source)


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
    if len(over):
        listed = (
            over["school_name"].astype(str)
            + ctx.t(" ", " ")
            + over["students"].map(_num)
            + ctx.t("人（上限", " pupils (limit ")
            + over["size_limit"].map(_num)
            + ctx.t("）", ")")
        )
        parts.append(ctx.t("超规模：", "over: ") + _names(listed, ctx))
    if "relaxed" in table.columns and table["relaxed"].any():
        parts.append(
            ctx.t(
                f"{int(table['relaxed'].sum())} 所学校按2019年过渡政策放宽规模上限",
                f"{int(table['relaxed'].sum())} school(s) under the 2019 relaxed limit",
            )
        )
    return _result(PASS if ok == n else FAIL, f"{ok}/{n}", ok / n, ctx.semi.join(parts), source)


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
    if len(bad):
        listed = (
            bad["school_name"].astype(str)
            + ctx.t("（", " (")
            + bad["classes_over"].astype(str)
            + ctx.t("个班，最大", " classes, largest ")
            + bad["max_class_size"].astype(str)
            + ctx.t("人）", ")")
        )
        parts.append(ctx.t(f"涉及 {len(bad)} 所学校：", f"in {len(bad)} school(s): ") + _names(listed, ctx))
    return _result(PASS if over == 0 else FAIL, f"{within}/{total}", within / total if total else np.nan,
                   ctx.semi.join(parts), source)  # fmt: skip


def _from_passes(passes) -> str:
    return MISSING if pd.isna(passes) else (PASS if bool(passes) else FAIL)


def _teacher_quality(ctx: _Ctx) -> pd.Series | None:
    if "teacher_quality" not in ctx.cache:
        table = rotation.teacher_quality_table(ctx.ds, ctx.std, year=ctx.year)
        table = table[table["year"] == ctx.year]
        ctx.cache["teacher_quality"] = (
            None if table.empty or pd.isna(table["teachers"].iloc[0]) else table.iloc[0]
        )
    return ctx.cache["teacher_quality"]


def _rate_row(
    ind: Indicator, ctx: _Ctx, count: str, rate: str, passes: str, what_zh: str, what_en: str
) -> dict[str, Any]:
    row = _teacher_quality(ctx)
    if row is None:
        return _result(MISSING, evidence=ctx.no_table("teachers"), source="teachers")
    threshold = float(ind.threshold_for())
    x = float(row[rate]) if pd.notna(row[rate]) else np.nan
    evidence = ctx.t(
        f"专任教师 {_num(row['teachers'])} 人，{what_zh} {_num(row[count])} 人",
        f"{_num(row[count])} of {_num(row['teachers'])} teachers {what_en}",
    )
    shown = _pct(x, threshold) if not math.isnan(x) else ""
    return _result(_from_passes(row[passes]), shown, x, evidence, "teachers")


def _g9(ind: Indicator, ctx: _Ctx) -> dict[str, Any]:
    hours = _num(rotation.training_hours_min(ctx.std))
    return _rate_row(ind, ctx, "trained", "training_rate", "training_passes", f"近五年培训满 {hours} 学时",
                     f"completed {hours} training hours in 5 years")  # fmt: skip


def _g12(ind: Indicator, ctx: _Ctx) -> dict[str, Any]:
    return _rate_row(ind, ctx, "certified", "certification_rate", "certification_passes", "持有教师资格证",
                     "hold a teaching certificate")  # fmt: skip


def _g11_threshold(ind: Indicator, ctx: _Ctx) -> str:
    ratio_min, share_min = rotation.rotation_limits(ctx.std)
    return ctx.t(
        f"交流 ≥ 符合条件教师的 {_pct_limit(ratio_min)}；骨干教师占交流 ≥ {_pct_limit(share_min)}",
        f"≥ {_pct_limit(ratio_min)} of eligible teachers rotate; backbone ≥ {_pct_limit(share_min)} of them",
    )


_THRESHOLD_TEXT["G11"] = _g11_threshold


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
    ratio_min, share_min = float(row["ratio_limit"]), float(row["share_limit"])
    if row["status"] == "no_eligible":
        return _result(
            MISSING,
            evidence=ctx.t(
                "无符合交流条件的教师，交流比例无法计算",
                "no teacher is eligible to rotate: the ratio is undefined",
            ),
            source=source,
        )
    ratio = float(row["ratio"])
    share = float(row["backbone_share"]) if pd.notna(row["backbone_share"]) else np.nan
    share_text = _pct(share, share_min) if not math.isnan(share) else ctx.t("无法计算", "undefined")
    value = ctx.t(
        f"{_pct(ratio, ratio_min)}（骨干 {share_text}）", f"{_pct(ratio, ratio_min)} (backbone {share_text})"
    )
    evidence = ctx.t(
        f"符合交流条件 {_num(row['eligible'])} 人，交流轮岗 {_num(row['rotated'])} "
        f"人；其中骨干教师 {_num(row['backbone_rotated'])} 人",
        f"{_num(row['rotated'])} of {_num(row['eligible'])} eligible teachers rotated; "
        f"{_num(row['backbone_rotated'])} of them backbone",
    )
    return _result(_from_passes(row["passes"]), value, ratio, evidence, source)


def _q1(ind: Indicator, ctx: _Ctx) -> dict[str, Any]:
    table = guarantee.retention_table(ctx.ds, ctx.std, year=ctx.year)
    if table.empty:
        return _result(MISSING, evidence=ctx.no_table("cohorts"), source="cohorts")
    row = table.iloc[0]
    x, threshold = float(row["retention_rate"]), float(row["threshold"])
    evidence = ctx.t(
        f"（毕业 {_num(row['graduates'])} − 转入 {_num(row['transfers_in'])} + "
        f"转出 {_num(row['transfers_out'])}）÷"
        f"（三年前入学 {_num(row['entrants_3y_ago'])} − 死亡 {_num(row['deaths'])}）",
        f"(graduates {_num(row['graduates'])} − in {_num(row['transfers_in'])} + "
        f"out {_num(row['transfers_out'])}) / "
        f"(entrants {_num(row['entrants_3y_ago'])} − deaths {_num(row['deaths'])})",
    )
    return _result(row["status"], _pct(x, threshold), x, evidence, "cohorts")


def _q4(ind: Indicator, ctx: _Ctx) -> dict[str, Any]:
    table = guarantee.training_funds_table(ctx.ds, ctx.std, year=ctx.year)
    if table.empty:
        return _result(MISSING, evidence=ctx.no_table("budget"), source="budget")
    threshold = float(ind.threshold_for())
    n, ok = len(table), int((table["status"] == PASS).sum())
    lowest = table.sort_values(["share", "school_id"]).iloc[0]
    parts = [ctx.t(f"{n} 所学校中 {ok} 所培训经费占公用经费 ≥ {_pct_limit(threshold)}",
                   f"{ok} of {n} schools spend ≥ {_pct_limit(threshold)} on training")]  # fmt: skip
    if pd.notna(lowest["share"]):
        parts.append(
            ctx.t(
                f"最低 {_pct(lowest['share'], threshold)}（{lowest['school_name']}）",
                f"lowest {_pct(lowest['share'], threshold)} ({lowest['school_name']})",
            )
        )
    bad = table[table["status"] == FAIL]
    if len(bad):
        listed = bad["school_name"].astype(str) + " " + bad["share"].map(lambda s: _pct(s, threshold))
        parts.append(ctx.t("未达标：", "failing: ") + _names(listed, ctx))
    gaps = table[table["status"] == MISSING]
    if len(gaps):
        parts.append(ctx.t("无经费数据：", "no budget row: ") + _names(gaps["school_name"], ctx))
    status = aggregate_status(table["status"])
    return _result(status, f"{ok}/{n}", ok / n, ctx.semi.join(parts), "budget")


def _s1(ind: Indicator, ctx: _Ctx) -> dict[str, Any]:
    table = guarantee.recognition_table(ctx.ds, ctx.std, year=ctx.year)
    total = table[table["group"] == "all"]
    if total.empty or pd.isna(total["rate"].iloc[0]):
        return _result(MISSING, evidence=ctx.no_table("survey"), source="survey")
    row = total.iloc[0]
    threshold = float(row["threshold"])
    parts = [
        ctx.t(
            f"有效问卷 {_num(row['valid'])} 份，满意 {_num(row['satisfied'])} 份",
            f"{_num(row['satisfied'])} of {_num(row['valid'])} valid questionnaires satisfied",
        )
    ]
    parent = table[table["group"] == "parent"]
    if not parent.empty and pd.notna(parent["rate"].iloc[0]):
        p = parent.iloc[0]
        parts.append(ctx.t(
            f"其中家长 {_num(p['valid'])} 份，满意 {_num(p['satisfied'])} 份（{_pct(p['rate'], threshold)}）",
            f"parents: {_num(p['satisfied'])} of {_num(p['valid'])} ({_pct(p['rate'], threshold)})",
        ))  # fmt: skip
    else:
        parts.append(ctx.t("无家长问卷", "no parents' questionnaires"))
    return _result(
        row["status"], _pct(row["rate"], threshold), float(row["rate"]), ctx.semi.join(parts), "survey"
    )


_COMPUTED: dict[str, Callable[[Indicator, _Ctx], dict[str, Any]]] = {
    "G3": _g3, "G4": _g4, "G5": _g5, "G9": _g9, "G11": _g11, "G12": _g12, "Q1": _q1, "Q4": _q4, "S1": _s1,
}  # fmt: skip


def _computed(ind: Indicator, ctx: _Ctx) -> dict[str, Any]:
    fn = _COMPUTED.get(ind.id)
    if fn is None:
        result = _result(
            MISSING, evidence=ctx.t("eduwb 不能由数据计算本指标", "eduwb cannot compute this indicator")
        )
    else:
        result = fn(ind, ctx)
    if result["status"] == MISSING and ctx.county_row(ind.id) is not None:
        # the data to compute it are missing, but the county stated it: use that, and say so
        county = _county(ind, ctx)
        county["evidence"] = (
            result["evidence"]
            + ctx.semi
            + ctx.t("采用县级填报：", "using the county input: ")
            + county["evidence"]
        )
        return county
    return result


# ----------------------------------------------------------------------------- the scorecard


def scorecard_table(
    ds: Dataset, std: Standard, *, year: int | None = None, stage: str | None = None, **options
) -> pd.DataFrame:
    """Every indicator of the standard for one year, with its status and evidence.

    ``eduwb table scorecard DATA --year Y [--param lang=en]``.

    Parameters
    ----------
    ds, std
        The county dataset and the standard.
    year
        The year (None: the latest in the data).
    stage
        Not applicable (the scorecard judges the county); must be None.
    lang
        ``"zh"`` (default) or ``"en"``: the language of ``name``, ``value``, ``threshold``
        and ``evidence``.

    Returns
    -------
    DataFrame
        One row per indicator in the standard's order: ``indicator, seq, dimension, name,
        value, value_number, threshold, status, source, evidence``. ``value`` and
        ``threshold`` are display text; ``value_number`` is the figure judged (a rate as a
        fraction; for a rule over many units — schools, sections, classes — the share of
        units complying; for a yes/no input 1 or 0; under a composite-CV standard the
        indicator's largest CV; NaN when missing). ``status`` is ``pass``, ``fail`` or
        ``missing``; ``source`` names the tables the row was judged from.
        ``attrs["year"]`` is the year and ``attrs["vetoes"]`` the year's one-vote vetoes
        (:func:`vetoes_table`).
    """
    if stage is not None:
        raise ParameterError("scorecard: the scorecard judges the whole county; --stage does not apply")
    lang = _lang(options)
    unknown = sorted(set(options) - {"lang"})
    if unknown:
        raise ParameterError(f"unknown parameter(s) {', '.join(unknown)} for the scorecard (known: lang)")
    return _card(_Ctx(ds, std, resolve_year(ds, year), lang))


def _card(ctx: _Ctx, resource_pass: Callable[[], Any] | None = None) -> pd.DataFrame:
    """The year's scorecard, computed once per dataset load, standard, year and language.

    A report shows it three times (the year's table, the trend over the years, the cover's
    verdict) and a worker making a county's reports year after year needs each earlier
    year's again for the trend.  ``resource_pass`` gives the resource indicators of all the
    trend's years computed at once: it changes how a card is computed, not what.
    """

    def compute() -> pd.DataFrame:
        shared = resource_pass() if resource_pass is not None else None
        if shared is not None:
            ctx.cache["resource_pass"] = shared
        return _scorecard(ctx)

    return memoised(ctx.ds, ("scorecard", id(ctx.std), ctx.year, ctx.lang), compute, pins=(ctx.std,))


def statuses(
    ds: Dataset, std: Standard, ids, *, year: int, values: pd.DataFrame | None = None
) -> dict[str, str]:
    """The status (``pass``/``fail``/``missing``) of the indicators ``ids`` alone in ``year``:
    those of :func:`scorecard_table`, computed by the same functions without the other rows
    or any evidence text. ``values`` as in :func:`scorecard_trend` (of ``year`` only).

    For a question about a few indicators (does a county need a pathway at all?) where the
    whole scorecard would be computed for nothing.
    """
    ctx = _Ctx(ds, std, int(year), "zh")
    wanted = [ind for ind in std.indicators if ind.id in set(ids)]
    if any(ind.id in {r.id for r in std.resource_indicators} for ind in wanted):
        if values is not None:
            ctx.cache["resource_pass"] = _ResourcePass.of(values, std)
        resource = _resource_rows(ctx)
    else:
        resource = {}
    out = {}
    for ind in wanted:
        if ind.id in resource:
            out[ind.id] = resource[ind.id]["status"]
        elif ind.source == "computed":
            out[ind.id] = _computed(ind, ctx)["status"]
        else:
            out[ind.id] = _county(ind, ctx)["status"]
    return out


def _scorecard(ctx: _Ctx) -> pd.DataFrame:
    std = ctx.std
    resource = _resource_rows(ctx) if std.resource_indicators else {}
    rows = []
    for ind in std.indicators:
        if ind.id in resource:
            result = resource[ind.id]
        elif ind.source == "computed":
            result = _computed(ind, ctx)
        else:
            result = _county(ind, ctx)
        result.setdefault("threshold", threshold_text(ind, ctx))
        result["evidence"] = _with_scope(ind, ctx, result)
        rows.append(
            {
                "indicator": ind.id,
                "seq": ind.seq,
                "dimension": ind.dimension,
                "name": ind.name(ctx.lang),
                **result,
            }
        )
    table = pd.DataFrame(rows, columns=SCORECARD_COLUMNS)
    table["value_number"] = table["value_number"].astype("float64")
    table.attrs = {"year": ctx.year, "vetoes": _vetoes(ctx)}
    return table


def _with_scope(ind: Indicator, ctx: _Ctx, result: dict[str, Any]) -> str:
    """The evidence of a row judged over schools, led by which schools (the indicator's scope)."""
    evidence = result.get("evidence") or ""
    scope = ctx.std.scope_of(ind.id)
    if ind.source != "computed" or scope.name == "county" or result.get("source") == "county_indicators":
        return evidence
    if result.get("status") == MISSING:
        return evidence  # what is missing is the news (and the analyst's to-do), not which schools
    lead = ctx.t(f"范围：{scope.zh}", f"scope: {scope.en}")
    return lead + (ctx.semi + evidence if evidence else "")


def indicator_row(
    ds: Dataset, std: Standard, indicator_id: str, year: int, lang: str = "zh"
) -> dict[str, Any]:
    """One computed indicator's scorecard row alone (``status, value, value_number, evidence,
    source``), judged as :func:`scorecard_table` judges it: for the simulator, which changes
    the data behind a few G rows and re-judges only those."""
    ctx = _Ctx(ds, std, year, lang)
    ind = std.indicator(indicator_id)
    result = _computed(ind, ctx)
    result["evidence"] = _with_scope(ind, ctx, result)
    return result


VETO_COLUMNS = ["year", "veto", "name", "declared", "applies", "evidence"]


def _vetoes(ctx: _Ctx) -> pd.DataFrame:
    rows = []
    for veto in ctx.std.vetoes:
        row = ctx.county_row(veto["id"]) or {}
        raw = row.get("value")
        parsed = parse_county_value(raw if isinstance(raw, str) else None)
        declared = parsed is not None and parsed.kind in ("yes", "no")
        evidence = row.get("evidence")
        rows.append(
            {
                "year": ctx.year,
                "veto": veto["id"],
                "name": veto[pick(("name_zh", "name_en"), ctx.lang)],
                "declared": declared,
                "applies": declared and parsed.kind == "yes",
                "evidence": evidence if isinstance(evidence, str) else "",
            }
        )
    return pd.DataFrame(rows, columns=VETO_COLUMNS)


def vetoes_table(
    ds: Dataset, std: Standard, *, year: int | None = None, stage: str | None = None, **options
) -> pd.DataFrame:
    """The one-vote vetoes (不予认定情形) of a year: ``year, veto, name, declared, applies, evidence``.

    ``declared`` is False when the county gave no 是/否 for the veto that year; ``applies``
    is True for a 是.
    """
    del stage
    return _vetoes(_Ctx(ds, std, resolve_year(ds, year), _lang(options)))


def scorecard_trend(
    ds: Dataset,
    std: Standard,
    *,
    year: int | None = None,
    stage: str | None = None,
    values: pd.DataFrame | None = None,
    since: int | None = None,
    resource: Any = None,
    **options,
) -> pd.DataFrame:
    """:func:`scorecard_table` for every year of the data up to ``year`` (all when None), from
    ``since`` on (default: the first year of the data).

    ``year`` first, then the scorecard's columns; ``attrs["vetoes"]`` holds every year's
    vetoes. :func:`year_card` takes one year back out of it. The resource indicators'
    values, CVs and per-school rule are computed once for all the years (the same results
    as year by year); ``values`` — :func:`eduwb.analysis.resources.section_values` of these
    years — spares computing them when the caller has them already (the province view), and
    ``resource`` (one of :func:`resource_passes`) the CVs and the rule as well.
    """
    if stage is not None:
        raise ParameterError("scorecard: the scorecard judges the whole county; --stage does not apply")
    lang = _lang(options)
    unknown = sorted(set(options) - {"lang"})
    if unknown:
        raise ParameterError(f"unknown parameter(s) {', '.join(unknown)} for the scorecard (known: lang)")
    last = resolve_year(ds, year)
    years = [y for y in ds.years if y <= last and (since is None or y >= since)]
    shared: list[Any] = []

    def resource_pass() -> Any:  # only when a year's card is not kept already
        if not std.resource_indicators:
            return None
        if not shared and resource is not None:
            shared.append(resource)
        if not shared:
            given = values if values is not None else resources.section_values(ds, std, years=years)
            shared.append(_ResourcePass.of(given, std))
        return shared[0]

    cards = [_card(_Ctx(ds, std, y, lang), resource_pass) for y in years]
    trend = pd.concat([c.assign(year=c.attrs["year"]) for c in cards], ignore_index=True)
    trend = trend[["year", *SCORECARD_COLUMNS]]
    trend.attrs = {"year": last, "vetoes": pd.concat([c.attrs["vetoes"] for c in cards], ignore_index=True)}
    return trend


def year_card(trend: pd.DataFrame, year: int) -> pd.DataFrame:
    """One year's scorecard (with its vetoes in ``attrs``) out of :func:`scorecard_trend`."""
    card = trend[trend["year"] == year][SCORECARD_COLUMNS].reset_index(drop=True)
    vetoes = trend.attrs["vetoes"]
    card.attrs = {"year": year, "vetoes": vetoes[vetoes["year"] == year].reset_index(drop=True)}
    return card


# ----------------------------------------------------------------------------- the verdict


def dimension_status(scorecard: pd.DataFrame, std: Standard) -> dict[str, str]:
    """Each dimension's status from a scorecard (in the standard's dimension order)."""
    return {
        dim: aggregate_status(scorecard.loc[scorecard["dimension"] == dim, "status"])
        for dim in std.raw["dimensions"]
    }


def judge(scorecard: pd.DataFrame, std: Standard) -> dict[str, Any]:
    """The verdict of one year's scorecard (see the module docstring for the rule).

    Returns ``{"verdict", "dimensions", "vetoes", "failing", "missing", "undeclared"}``: the
    veto ids that apply; the failing indicator ids; the missing indicator ids; the vetoes not
    declared 是/否 (which keep the verdict open like a missing indicator, but are no indicator).
    """
    vetoes = scorecard.attrs["vetoes"]
    applying = vetoes.loc[vetoes["applies"].astype(bool), "veto"].tolist()
    undeclared = vetoes.loc[~vetoes["declared"].astype(bool), "veto"].tolist()
    failing = scorecard.loc[scorecard["status"] == FAIL, "indicator"].tolist()
    missing = scorecard.loc[scorecard["status"] == MISSING, "indicator"].tolist()
    if applying or failing:
        verdict = "fail"
    elif missing or undeclared:
        verdict = "incomplete"
    else:
        verdict = "pass"
    return {
        "verdict": verdict,
        "dimensions": dimension_status(scorecard, std),
        "vetoes": applying,
        "failing": failing,
        "missing": missing,
        "undeclared": undeclared,
    }


def verdicts(trend: pd.DataFrame, std: Standard) -> pd.DataFrame:
    """The verdict table (see :func:`verdict_table`) from :func:`scorecard_trend`."""
    rows = []
    for y in sorted(trend["year"].unique()):
        judged = judge(year_card(trend, int(y)), std)
        rows.append(
            {
                "year": int(y),
                **judged["dimensions"],
                "vetoes": ",".join(judged["vetoes"]),
                "verdict": judged["verdict"],
                "failing": ",".join(judged["failing"]),
                "missing": ",".join(judged["missing"]),
                "vetoes_undeclared": ",".join(judged["undeclared"]),
            }
        )
    columns = ["year", *std.raw["dimensions"], "vetoes", "verdict", "failing", "missing", "vetoes_undeclared"]
    return pd.DataFrame(rows, columns=columns)


def verdict_table(
    ds: Dataset, std: Standard, *, year: int | None = None, stage: str | None = None, **options
) -> pd.DataFrame:
    """The county verdict per year: per dimension, the vetoes, and overall (the trend).

    ``eduwb table verdict DATA``: every year in the data up to ``year`` (all years when None).

    Returns
    -------
    DataFrame
        ``year``, one column per dimension of the standard (``resource, guarantee, quality,
        recognition`` under moe-2017) holding ``pass``/``fail``/``missing``, then ``vetoes``
        (the veto ids that apply, comma-joined), ``verdict`` (``pass``/``fail``/
        ``incomplete``), ``failing`` and ``missing`` (indicator ids, comma-joined) and
        ``vetoes_undeclared`` (vetoes not declared 是/否: they keep the verdict
        ``incomplete``, like a missing indicator).
    """
    if stage is not None:
        raise ParameterError("verdict: the verdict is on the whole county; --stage does not apply")
    return verdicts(scorecard_trend(ds, std, year=year, **options), std)


def verdict_summary(scorecard: pd.DataFrame, std: Standard, county: str, lang: str = "zh") -> dict[str, Any]:
    """The verdict of one year's scorecard with a sentence saying it (see :func:`county_verdict`)."""
    judged = judge(scorecard, std)
    year = int(scorecard.attrs["year"])
    return {
        "year": year,
        "passed": judged["verdict"] == "pass",
        "verdict": judged["verdict"],
        "summary": _summary(county, std, year, judged, lang, len(scorecard)),
        "failing": judged["failing"],
        "missing": judged["missing"],
        "undeclared": judged["undeclared"],
        "vetoes": judged["vetoes"],
        "dimensions": judged["dimensions"],
    }


def county_verdict(ds: Dataset, std: Standard, year: int | None = None) -> dict[str, Any]:
    """The verdict for one year, for the report's cover.

    Returns
    -------
    dict
        ``passed`` (bool), ``verdict`` (``pass``/``fail``/``incomplete``), ``summary_zh`` and
        ``summary_en`` (sentences naming any veto, the failing and the missing indicators),
        ``failing``, ``missing`` (indicator ids), ``undeclared`` (vetoes not declared),
        ``vetoes`` (vetoes that apply), plus ``year`` and ``dimensions`` (dimension → status).
    """
    card = scorecard_table(ds, std, year=year)
    out = verdict_summary(card, std, ds.name, "zh")
    out["summary_zh"] = out.pop("summary")
    out["summary_en"] = _summary(ds.name, std, out["year"], judge(card, std), "en", len(card))
    return out


def _summary(county: str, std: Standard, year: int, judged: dict, lang: str, n: int) -> str:
    def t(zh: str, en: str) -> str:
        return pick((zh, en), lang)

    names = {ind.id: ind.name(lang) for ind in std.indicators}
    names.update({v["id"]: v[pick(("name_zh", "name_en"), lang)] for v in std.vetoes})
    county = county or t("本县", "The county")

    def listing(ids: list[str], limit: int = 8) -> str:
        text = pick(CLAUSE_SEP, lang).join(f"{i} {names.get(i, '')}".strip() for i in ids[:limit])
        if len(ids) > limit:
            text += t(f" 等 {len(ids)} 项", f" and {len(ids) - limit} more")
        return text

    parts = [t(f"{name_before_number(county)}{year}年：", f"{county}, {year}: ")]
    failing, missing, vetoes = judged["failing"], judged["missing"], judged["vetoes"]
    undeclared = judged.get("undeclared", [])
    if vetoes:
        parts.append(
            t(f"一票否决，不予认定——{listing(vetoes)}。", f"vetoed (one-vote veto): {listing(vetoes)}. ")
        )
    if judged["verdict"] == "pass":
        parts.append(
            t(
                f"{n} 项指标全部达标，无一票否决情形，达到评估标准。",
                f"all {n} indicators pass and no veto applies: the county meets the standard.",
            )
        )
    elif failing:
        if not vetoes:
            parts.append(t("未达到评估标准。", "the county does not meet the standard. "))
        parts.append(
            t(
                f"未达标指标 {len(failing)} 项：{listing(failing)}。",
                f"Failing ({len(failing)}): {listing(failing)}.",
            )
        )
    elif not vetoes:
        parts.append(
            t(
                "尚不能认定：没有未达标的指标，但有数据缺失。",
                "not yet decidable: no indicator fails, but data are missing.",
            )
        )
    if missing:
        parts.append(
            t(
                f"缺数据指标 {len(missing)} 项：{listing(missing)}。",
                f" Missing ({len(missing)}): {listing(missing)}.",
            )
        )
    if undeclared:
        parts.append(
            t(
                f"未填报“是/否”的一票否决情形 {len(undeclared)} 项：{listing(undeclared)}。",
                f" Vetoes not declared ({len(undeclared)}): {listing(undeclared)}.",
            )
        )
    return "".join(parts).strip()


# ----------------------------------------------------------------------------- for the notebook


def dimension_summary(scorecard: pd.DataFrame, std: Standard, lang: str = "zh") -> pd.DataFrame:
    """A scorecard's statuses counted per dimension (standard order).

    Columns ``dimension, name, indicators, passed, failed, missing, status``.
    """
    status = dimension_status(scorecard, std)
    dims = list(std.raw["dimensions"])
    counts = pd.crosstab(scorecard["dimension"], scorecard["status"]).reindex(
        index=dims, columns=list(STATUSES), fill_value=0
    )
    return pd.DataFrame(
        {
            "dimension": dims,
            "name": [std.dimension_name(d, lang) for d in dims],
            "indicators": counts.sum(axis=1).to_numpy(),
            "passed": counts[PASS].to_numpy(),
            "failed": counts[FAIL].to_numpy(),
            "missing": counts[MISSING].to_numpy(),
            "status": [status[d] for d in dims],
        }
    )


def dimension_trend(trend: pd.DataFrame, std: Standard, lang: str = "zh") -> pd.DataFrame:
    """:func:`dimension_summary` for every year of :func:`scorecard_trend` (``year`` first)."""
    frames = [
        dimension_summary(year_card(trend, int(y)), std, lang).assign(year=int(y))
        for y in sorted(trend["year"].unique())
    ]
    out = pd.concat(frames, ignore_index=True)
    return out[["year", *[c for c in out.columns if c != "year"]]]


def dimension_table(
    ds: Dataset, std: Standard, *, year: int | None = None, stage: str | None = None, **options
) -> pd.DataFrame:
    """Per dimension for one year: ``dimension, name, indicators, passed, failed, missing, status``."""
    return dimension_summary(scorecard_table(ds, std, year=year, stage=stage, **options), std, _lang(options))


def changes(trend: pd.DataFrame, year: int | None = None) -> pd.DataFrame:
    """Indicators whose status changed between the year before ``year`` and ``year``.

    From :func:`scorecard_trend`: columns ``indicator, seq, name, previous_status, status,
    change, previous_value, value``; ``change`` is ``improved`` (passes now), ``worsened``
    (passed before, not now) or ``other`` (between fail and missing). Empty when ``year``
    (default the trend's last) is its first year; ``attrs["previous_year"]`` names the
    year compared with.
    """
    columns = ["indicator", "seq", "name", "previous_status", "status", "change", "previous_value", "value"]
    year = int(trend.attrs["year"] if year is None else year)
    earlier = sorted(y for y in trend["year"].unique() if y < year)
    if not earlier:
        out = pd.DataFrame(columns=columns)
        out.attrs["previous_year"] = None
        return out
    previous = int(earlier[-1])
    now = year_card(trend, year)
    before = year_card(trend, previous)[["indicator", "status", "value"]]
    both = now.merge(
        before.rename(columns={"status": "previous_status", "value": "previous_value"}), on="indicator"
    )
    both = both[both["status"] != both["previous_status"]].copy()
    both["change"] = np.select(
        [both["status"] == PASS, both["previous_status"] == PASS], ["improved", "worsened"], default="other"
    )
    out = both.sort_values("seq")[columns].reset_index(drop=True)
    out.attrs["previous_year"] = previous
    return out


def changes_table(
    ds: Dataset, std: Standard, *, year: int | None = None, stage: str | None = None, **options
) -> pd.DataFrame:
    """:func:`changes` for ``year`` (default the latest) against the year before it."""
    year = resolve_year(ds, year)
    earlier = [y for y in ds.years if y < year]
    cards = [scorecard_table(ds, std, year=y, stage=stage, **options) for y in [*earlier[-1:], year]]
    trend = pd.concat([c.assign(year=c.attrs["year"]) for c in cards], ignore_index=True)
    trend.attrs = {"year": year, "vetoes": pd.concat([c.attrs["vetoes"] for c in cards], ignore_index=True)}
    return changes(trend, year)


def missing_inputs(scorecard: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    """The analyst's to-do from one year's scorecard: what is missing and what would fill it.

    Columns ``indicator, name, source, needed`` (``needed`` is the missing row's evidence);
    the vetoes not declared 是/否 come last.
    """
    todo = scorecard.loc[scorecard["status"] == MISSING, ["indicator", "name", "source", "evidence"]]
    todo = todo.rename(columns={"evidence": "needed"})
    vetoes = scorecard.attrs["vetoes"]
    open_vetoes = vetoes[~vetoes["declared"].astype(bool)]
    table = _table_label("county_indicators", lang)
    needed = pick(
        (f"在 {table}中填报“是”或“否”（一票否决情形）", f"declare yes or no in {table} (one-vote veto)"), lang
    )
    extra = pd.DataFrame(
        {
            "indicator": open_vetoes["veto"],
            "name": open_vetoes["name"],
            "source": "county_indicators",
            "needed": needed,
        }
    )
    return pd.concat([todo, extra], ignore_index=True) if len(extra) else todo.reset_index(drop=True)


def missing_inputs_table(
    ds: Dataset, std: Standard, *, year: int | None = None, stage: str | None = None, **options
) -> pd.DataFrame:
    """:func:`missing_inputs` of the year's scorecard."""
    return missing_inputs(scorecard_table(ds, std, year=year, stage=stage, **options), _lang(options))
