"""A costed plan: the additions after which every school section and every CV meets the standard.

**An estimate, not the least cost.** Indicators are topped up one by one, so a hire counts
for one of R1–R3 only (城关第一小学 2025: 3 R2 hires + 5 R3 hires where 5 backbone PE/art
hires close both), and only R1–R7 are covered. The least-cost pathway over every movable
indicator is :mod:`eduwb.analysis.pathway` (``eduwb plan``); this table stays for comparison.

Method (per year; every quantity in the indicator's natural unit — teachers, m², 元, rooms —
costed with the county's unit costs, ``county.toml [unit_costs]``, overridable as parameters):

1. **Per-school rule.** For each section and indicator, the addition that brings the value
   to its threshold (``full``) and the one that brings it to ``min_ratio_rest`` of it
   (``part``, 85 % under moe-2017), each rounded up to whole units where things come whole.
   The rule lets ``n − min_met`` indicators (one of seven) stay at 85 %: per section the
   plan exempts those whose exemption saves most, ``(full − part) × unit cost`` — which is
   the exact least-cost way to satisfy the rule given the indicators are topped up
   independently (when the costliest top-up already stands at ≥ 85 % this is simply the
   costliest one). Exempted indicators get ``part``, the others ``full``.
2. **差异系数.** For each stage × indicator whose student-weighted CV (re-measured after
   step 1 with :func:`eduwb.analysis.balance.weighted_cv`) is above its limit, the sections at the
   bottom are raised to a common level L (*water-filling*): every value below L becomes L.
   Raising the lowest values first is what lowers the CV most per unit added — the
   derivative of CV² with respect to a section's value, per unit of cost, is proportional
   to ``Xi − E[X²]/X̄``, most negative at the bottom — and the CV of ``max(X, L)`` falls
   monotonically as L rises (to 0 at the top value). L is found by bisection to the lowest
   level at which the CV, re-measured *after* rounding the additions up to whole units,
   is within the limit.
3. **Exemptions revisited.** Exempting an indicator saves nothing when water-filling
   raises it above its threshold anyway, so the exemptions are chosen again with the
   savings counted only above the levels of step 2, and steps 1–2 rerun; this repeats
   until the exemptions stop changing (a few rounds at most) and the cheapest round is kept.
4. **Verification.** The values after the plan are measured again by the same public
   functions that measure the county (:func:`eduwb.analysis.balance.school_rule` and
   :func:`eduwb.analysis.balance.balance_from_values`); a plan that would not meet both rules is
   never returned.

Additions are attributed to the school section (a 九年一贯制 school's primary section gets
its own share of m²).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from eduwb.analysis.balance import (
    balance_from_values,
    cv_passes,
    ratios,
    school_rule,
    unit_cost_column,
    unit_costs,
    weighted_cv,
    whole_units,
)
from eduwb.analysis.resources import indicator_ids, one_year, standard_order
from eduwb.errors import AnalysisError, ParameterError
from eduwb.standards import Standard

_BISECTION_STEPS = 80


def _require_plan(std: Standard) -> None:
    if std.school_rule is None or std.balance_test != "each":
        raise ParameterError(
            f"standard {std.id} has no per-school thresholds and per-indicator CV limits, "
            "so no plan can be drawn under it (the plan needs both)"
        )


def _value(amount, students, per):
    return np.asarray(amount) * np.asarray(per) / np.asarray(students)


def _water_fill(amount, students, per, integer, limit: float) -> tuple[np.ndarray, float]:
    """Additions raising the bottom sections to the lowest common level L meeting the CV limit, and L."""
    students = np.asarray(students, dtype="float64")
    value = _value(amount, students, per)

    def additions(level: float) -> np.ndarray:
        return whole_units(level * students / per - amount, integer)

    def cv_at(level: float) -> float:
        return weighted_cv(value + _value(additions(level), students, per), students)

    lo, hi = float(value.min()), float(value.max())
    if cv_at(hi) > limit:
        raise AnalysisError(
            "the CV limit cannot be met by raising the bottom schools, even to the top value "
            "(whole-unit rounding); check the data"
        )
    for _ in range(_BISECTION_STEPS):
        if hi - lo <= 1e-12 * max(abs(hi), 1.0):
            break
        mid = (lo + hi) / 2
        # the plan aims at the limit itself, not at its tolerance, so it passes with room to spare
        if cv_at(mid) <= limit:
            hi = mid
        else:
            lo = mid
    return additions(hi), hi


def _rule_additions(
    long: pd.DataFrame, std: Standard, levels: pd.Series | None
) -> tuple[np.ndarray, np.ndarray]:
    """Step 1: the additions meeting the per-school rule and which indicators are exempt; with
    ``levels`` (an earlier round's), a saving counts only above the level (step 3)."""
    rule = std.school_rule

    def top_up(target: pd.Series) -> np.ndarray:
        return whole_units(target * long["students"] / long["per"] - long["amount"], long["gap_integer"])

    full_target = long["threshold"]
    part_target = float(rule["min_ratio_rest"]) * long["threshold"]
    floor = -np.inf if levels is None else levels.fillna(-np.inf)
    saved = top_up(np.maximum(full_target, floor)) - top_up(np.maximum(part_target, floor))
    saving = pd.Series(saved * long["unit_cost"].to_numpy(), index=long.index)
    keys = ["year", "school_id", "stage"]
    n_exempt = max(len(indicator_ids(std)) - int(rule["min_met"]), 0)
    order = long.assign(_saving=saving).sort_values(
        [*keys, "_saving", "seq"], ascending=[True, True, True, False, True], kind="mergesort"
    )
    rank = order.groupby(keys, sort=False).cumcount().reindex(long.index)
    exempt = ((rank < n_exempt) & (saving > 0)).to_numpy()
    # the additions themselves target the rule only; the CV is step 2's business
    full, part = top_up(full_target), top_up(part_target)
    return np.where(exempt, part, full), exempt


def _cv_additions(long: pd.DataFrame, std: Standard, add_rule: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Step 2: water-filling additions and levels for every stage × indicator over its CV limit."""
    add_cv = np.zeros(len(long))
    levels = np.full(len(long), np.nan)
    after_rule = long["amount"].to_numpy() + add_rule
    # one bisection per stage × indicator (14 groups); the work inside is vectorised
    for (stage, _ind), idx in long.groupby(["stage", "indicator"], sort=False).indices.items():
        limit = std.cv_limit(stage)
        students = long["students"].to_numpy(dtype="float64")[idx]
        per = long["per"].to_numpy(dtype="float64")[idx]
        v1 = _value(after_rule[idx], students, per)
        if limit is None or cv_passes(weighted_cv(v1, students), limit):
            continue
        add, level = _water_fill(after_rule[idx], students, per, long["gap_integer"].to_numpy()[idx], limit)
        add_cv[idx] = add
        levels[idx] = level
    return add_cv, levels


def plan_long(values: pd.DataFrame, std: Standard, costs: dict[str, float], rounds: int = 5) -> pd.DataFrame:
    """Steps 1–3 of the module docstring for one year's section values (at most ``rounds``):
    :func:`eduwb.analysis.balance.ratios` with the additions, their cost and reason."""
    _require_plan(std)
    if values["year"].nunique() > 1:
        raise ParameterError("a plan is drawn for one year at a time")
    long = ratios(values, std).reset_index(drop=True)
    long["unit_cost"] = unit_cost_column(long, costs)
    best = None
    levels = None
    seen: list[np.ndarray] = []
    for _ in range(rounds):
        add_rule, exempt = _rule_additions(long, std, levels)
        if any(np.array_equal(exempt, e) for e in seen):
            break
        seen.append(exempt)
        add_cv, level = _cv_additions(long, std, add_rule)
        cost = float(((add_rule + add_cv) * long["unit_cost"].to_numpy()).sum())
        if best is None or cost < best[0] - 1e-9:
            best = (cost, add_rule, exempt, add_cv, level)
        levels = pd.Series(level, index=long.index)
    _, add_rule, exempt, add_cv, level = best
    long = long.assign(exempt=exempt, add_rule=add_rule, add_cv=add_cv, level=level)
    long["addition"] = long["add_rule"] + long["add_cv"]
    long["value_after"] = _value(long["amount"] + long["addition"], long["students"], long["per"])
    long["cost_yuan"] = long["addition"] * long["unit_cost"]
    rule_reason = np.where(long["add_rule"] > 0, np.where(long["exempt"], "min_ratio", "threshold"), "")
    cv_reason = np.where(long["add_cv"] > 0, "cv", "")
    long["reason"] = pd.Series(rule_reason).str.cat(pd.Series(cv_reason), sep="+").str.strip("+").to_numpy()
    return long


def after_values(values: pd.DataFrame, long: pd.DataFrame, std: Standard) -> pd.DataFrame:
    """``values`` with each indicator's value after the plan."""
    wide = long.pivot(index=["year", "school_id", "stage"], columns="indicator", values="value_after")
    out = values.copy()
    key = pd.MultiIndex.from_frame(out[["year", "school_id", "stage"]])
    for ind in indicator_ids(std):
        out[ind] = wide[ind].reindex(key).to_numpy()
    out.attrs = dict(values.attrs)
    return out


def _verify(values_after: pd.DataFrame, std: Standard) -> None:
    rule = school_rule(values_after, std)
    bal = balance_from_values(values_after, std, by=["year", "stage"])
    tested = bal[bal["limit"].notna()]
    failing = list(rule.loc[~rule["passes"], "school_id"]) + list(
        tested.loc[~tested["passes"].fillna(False).astype(bool), "indicator"]
    )
    if failing:
        raise AnalysisError(f"the plan does not meet the standard for: {', '.join(map(str, failing))}")


def _plan(ds, std, year, stage, options):
    _require_plan(std)
    costs = unit_costs(ds, options)
    values = one_year(ds, std, year, stage, require=True)
    long = plan_long(values, std, costs)
    after = after_values(values, long, std)
    _verify(after, std)
    return values, long, after


def plan_table(ds, std: Standard, *, year=None, stage=None, **options) -> pd.DataFrame:
    """``eduwb table plan [--param teacher_per_year=150000 …]``: each section × indicator that gets
    something; ``reason``: ``threshold``, ``min_ratio`` (exempt, to 85 %), ``cv`` or both."""
    return plan_tables(ds, std, year=year, stage=stage, **options)["plan"]


def _table(std: Standard, long: pd.DataFrame) -> pd.DataFrame:
    rows = standard_order(long[long["addition"] > 0], std, ["stage", "school_id", "seq"])
    cols = [
        "school_id", "school_name", "stage", "indicator", "value", "threshold",
        "addition", "gap_unit", "value_after", "cost_yuan", "reason",
    ]  # fmt: skip
    return rows[cols]


def plan_summary(ds, std: Standard, *, year=None, stage=None, **options) -> pd.DataFrame:
    """The plan per stage × indicator, re-measured: CVs before and after, water-filling level, cost."""
    return plan_tables(ds, std, year=year, stage=stage, **options)["plan_summary"]


def _summary(std: Standard, long: pd.DataFrame, before: pd.DataFrame, post: pd.DataFrame) -> pd.DataFrame:
    rows = before[before["indicator"].isin(indicator_ids(std))][["stage", "indicator", "cv", "limit"]]
    rows = rows.merge(
        post[["stage", "indicator", "cv", "passes"]].rename(
            columns={"cv": "cv_after", "passes": "passes_after"}
        ),
        on=["stage", "indicator"],
    )
    agg = long.groupby(["stage", "indicator"], sort=False).agg(
        level=("level", "max"),
        schools_raised=("addition", lambda a: int((a > 0).sum())),
        addition=("addition", "sum"),
        gap_unit=("gap_unit", "first"),
        cost_yuan=("cost_yuan", "sum"),
    )
    rows = rows.merge(agg.reset_index(), on=["stage", "indicator"], how="left")
    rows["level"] = rows["level"].astype("Float64")
    cols = [
        "stage", "indicator", "cv", "cv_after", "limit", "passes_after", "level", "schools_raised",
        "addition", "gap_unit", "cost_yuan",
    ]  # fmt: skip
    return rows[cols]


def plan_overview(ds, std: Standard, *, year=None, stage=None, **options) -> pd.DataFrame:
    """Per stage: sections passing the per-school rule and CVs within limits, before and after."""
    return plan_tables(ds, std, year=year, stage=stage, **options)["plan_overview"]


def _overview(
    std: Standard, values, long, after, bal_before: pd.DataFrame, bal_after: pd.DataFrame
) -> pd.DataFrame:
    rule_before, rule_after = school_rule(values, std), school_rule(after, std)
    out = rule_before.groupby("stage", sort=False).agg(
        schools=("passes", "size"), schools_passing=("passes", "sum")
    )
    out["schools_passing_after"] = rule_after.groupby("stage", sort=False)["passes"].sum()
    for name, bal in (("cv_failing", bal_before), ("cv_failing_after", bal_after)):
        failing = ~bal["passes"].fillna(True).astype(bool)
        out[name] = failing.groupby(bal["stage"]).sum()
    out["cost_yuan"] = long.groupby("stage", sort=False)["cost_yuan"].sum()
    out = out.reset_index()
    for col in ("schools", "schools_passing", "schools_passing_after", "cv_failing", "cv_failing_after"):
        out[col] = out[col].astype("int64")
    return standard_order(out, std, ["stage"])


#: The tables of :func:`plan_tables`, in the order notebook 01 shows them.
BUNDLE = ("plan_overview", "plan_summary", "plan")


def plan_tables(ds, std: Standard, *, year=None, stage=None, **options) -> dict[str, pd.DataFrame]:
    """The plan's three tables from ONE plan: drawing it is most of their cost."""
    values, long, after = _plan(ds, std, year, stage, options)
    # the CVs per stage before and after the plan, which the summary and the overview compare
    balances = balance_from_values(values, std, by=["stage"]), balance_from_values(after, std, by=["stage"])
    return {
        "plan_overview": _overview(std, values, long, after, *balances),
        "plan_summary": _summary(std, long, *balances),
        "plan": _table(std, long),
    }
