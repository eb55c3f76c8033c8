"""The rules on the resource indicators: the per-school rule, the weighted 差异系数, the gaps.

* **Per-school rule** (``std.school_rule``): a school section passes when at least
  ``min_met`` of its values reach their thresholds and every value reaches ``min_ratio_rest``
  of its threshold (moe-2017: 6 of 7, the 7th at 85 %).
* **差异系数 (CV)** per stage and indicator over the sections in scope, student-weighted,
  population form — with ``Xi`` the section's value, ``Pi`` its pupils, ``P = ΣPi``::

      X̄ = Σ Pi·Xi / P      S = sqrt(Σ Pi·(Xi − X̄)² / P)      CV = S / X̄

  The composite (综合差异系数) is the plain mean of the CVs. Under ``balance.test = "each"``
  (moe-2017) every CV is tested against ``std.cv_limit(stage)`` and the composite is only
  reported; under ``"composite"`` (moe-2012) only the composite is tested.
* **Gaps**: per section and failing indicator, the amount missing to the threshold in its
  natural unit (teachers, m², 元, rooms), rounded up where things come whole
  (``indicator.gap_integer``), costed with the county's unit costs.

Decisions use unrounded values; a value equal to its limit up to floating-point rounding
(relative :data:`eduwb.analysis.resources.EPS`) counts as reaching it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from eduwb.analysis.resources import (
    COMPOSITE,
    EPS,
    amounts,
    indicator_frame,
    indicator_ids,
    one_year,
    section_values,
    standard_order,
)
from eduwb.analysis.scope import check_options, resolve_stage, resolve_year
from eduwb.errors import AnalysisError, ParameterError
from eduwb.standards import Standard

#: Absolute tolerance when rounding a shortfall up to whole units (float noise, not need).
_WHOLE_TOL = 1e-6


# ----------------------------------------------------------------------------- weighted CV


def weighted_cv(values, weights) -> float:
    """:func:`grouped_cv` of one group; :class:`AnalysisError` when it has no pupils or a mean of 0."""
    x = np.asarray(values, dtype="float64")
    w = np.asarray(weights, dtype="float64")
    if x.shape != w.shape:
        raise ValueError("values and weights must have the same length")
    total, mean, _, cv = grouped_cv(x, w, np.zeros(len(x), dtype=np.intp), 1)
    if not total[0] > 0:
        raise AnalysisError("weighted CV: there are no pupils")
    if mean[0] == 0:
        raise AnalysisError("weighted CV: the weighted mean is 0, so the CV is undefined")
    return float(cv[0])


def weighted_stats(frame: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """``by`` + ``county_mean, std, cv`` of ``value`` weighted by ``students``, per group (as first seen)."""
    x = frame["value"].to_numpy(dtype="float64")
    w = frame["students"].to_numpy(dtype="float64")
    # one factorisation of the keys, then sums by integer group code (grouped_cv)
    codes = frame.groupby(by, sort=False, dropna=False).ngroup().to_numpy()
    groups, first = np.unique(codes, return_index=True)
    _, mean, std, cv = grouped_cv(x, w, codes, len(groups))
    out = frame[by].iloc[first].reset_index(drop=True)
    out["county_mean"] = mean
    out["std"] = std
    out["cv"] = cv
    return out


def grouped_cv(
    x: np.ndarray, w: np.ndarray, codes: np.ndarray, groups: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The one implementation of the 差异系数: per group (``codes`` 0 … groups − 1) the pupils
    ``P``, ``X̄``, ``S`` and ``CV`` (NaN where X̄ is 0; all but ``P`` NaN without pupils).

    Sums run in the order of ``x``: the same values in the same order give the same bits,
    which the simulator relies on.
    """
    total = np.bincount(codes, weights=w, minlength=groups)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.bincount(codes, weights=w * x, minlength=groups) / total
        dev = np.bincount(codes, weights=w * (x - mean[codes]) ** 2, minlength=groups)
        std = np.sqrt(dev / total)
        cv = np.where(mean != 0, std / np.where(mean != 0, mean, 1.0), np.nan)
    return total, mean, std, cv


def cv_passes(cv, limit):
    """Whether each CV is within its limit (equal up to floating-point rounding counts as within)."""
    return cv <= limit * (1 + EPS)


def balance_from_values(values: pd.DataFrame, std: Standard, by: list[str] | None = None) -> pd.DataFrame:
    """The CVs and the composite of :func:`~eduwb.analysis.resources.section_values` per ``by`` × indicator.

    ``status``: ``ok``; ``missing`` when the data lack an input for every section or some (an
    optional amount given for some schools only); ``undefined`` when the mean is 0; for the
    composite, ``partial`` when some CV is not ``ok`` (never tested then). ``passes`` is NA
    where nothing is tested.
    """
    by = list(by or ["year", "stage"])
    ids = indicator_ids(std)
    missing = values.attrs.get("missing", {})
    long = amounts(values, std, keys=by)
    stats = weighted_stats(long, [*by, "indicator"])
    if missing:
        groups = values[by].drop_duplicates()
        absent = groups.merge(pd.DataFrame({"indicator": list(missing)}), how="cross")
        stats = pd.concat([stats, absent], ignore_index=True)
    # a group where some section lacks an optional amount (value NaN) has no CV: missing, not 0
    keys = [*by, "indicator"]
    lacking = long.loc[long["value"].isna(), keys].drop_duplicates()
    is_partly = np.zeros(len(stats), dtype=bool)
    if len(lacking):
        is_partly = (
            stats[keys].merge(lacking, how="left", on=keys, indicator=True)["_merge"].eq("both").to_numpy()
        )
        stats.loc[is_partly, "cv"] = np.nan
    stats["status"] = np.where(
        stats["indicator"].isin(list(missing)) | is_partly,
        "missing",
        np.where(stats["cv"].isna(), "undefined", "ok"),
    )
    stage_col = stats["stage"] if "stage" in stats else pd.Series(None, index=stats.index)
    each = std.balance_test == "each"
    stats["limit"] = stage_col.map({s: std.cv_limit(s) for s in std.stages}) if each else np.nan

    comp = _composite_rows(stats, std, by, len(ids), each)
    rows = standard_order(_judged(pd.concat([stats, comp], ignore_index=True)), std, [*by, "indicator"])
    return rows[[*by, "indicator", "county_mean", "std", "cv", "limit", "passes", "status"]]


def _composite_rows(
    stats: pd.DataFrame, std: Standard, by: list[str], n_ids: int, each: bool
) -> pd.DataFrame:
    """The composite row of each group: the mean of the CVs that are ``ok``, ``partial`` if some is not."""
    # mean() skips the CVs that are not there, so a partial composite is still shown.
    comp = (
        stats.assign(_ok=stats["status"] == "ok")
        .groupby(by, sort=False)
        .agg(cv=("cv", "mean"), n_ok=("_ok", "sum"))
    )
    comp = comp.reset_index()
    comp["indicator"] = COMPOSITE
    comp["status"] = np.where(comp["n_ok"] == n_ids, "ok", "partial")
    comp_stage = comp["stage"] if "stage" in comp else pd.Series(None, index=comp.index)
    comp["limit"] = np.nan if each else comp_stage.map({s: std.composite_limit(s) for s in std.stages})
    return comp.drop(columns="n_ok")


def _judged(rows: pd.DataFrame) -> pd.DataFrame:
    """``passes`` (NA where nothing is tested) and the nullable float columns."""
    limit = rows["limit"].astype("float64")
    tested = limit.notna() & (rows["status"] == "ok")
    passes = pd.array([pd.NA] * len(rows), dtype="boolean")
    passes[tested.to_numpy()] = cv_passes(rows["cv"][tested], limit[tested]).to_numpy()
    rows["passes"] = passes
    for col in ("county_mean", "std", "cv", "limit"):
        rows[col] = rows[col].astype("Float64")
    rows.loc[rows["indicator"] == COMPOSITE, ["county_mean", "std"]] = pd.NA
    return rows


# ----------------------------------------------------------------------------- per-school rule


def _require_thresholds(std: Standard, what: str) -> None:
    frame = indicator_frame(std)
    if frame["threshold"].isna().any():
        raise ParameterError(
            f"standard {std.id} sets no per-school thresholds for its resource indicators "
            f"({', '.join(frame.loc[frame['threshold'].isna(), 'indicator'].unique())}), so {what} "
            "cannot be computed under it; its test is the composite CV (eduwb table balance)"
        )
    if not frame["computable"].all():
        lacking = ", ".join(frame.loc[~frame["computable"], "indicator"].unique())
        raise ParameterError(
            f"standard {std.id}: the data lack inputs of {lacking}, so {what} cannot be decided"
        )


def ratios(values: pd.DataFrame, std: Standard, keys: list[str] | None = None) -> pd.DataFrame:
    """:func:`~eduwb.analysis.resources.amounts` with ``ratio`` (value ÷ threshold) and ``met``."""
    _require_thresholds(std, "value ÷ threshold")
    long = amounts(values, std, keys)
    long["ratio"] = value_ratio(long["value"].to_numpy(), long["threshold"].to_numpy())
    long["met"] = reached(long["ratio"].to_numpy())
    return long


def value_ratio(value: np.ndarray, threshold: np.ndarray) -> np.ndarray:
    """Value ÷ threshold (1 where the threshold is not positive: nothing to reach)."""
    return np.where(threshold > 0, value / np.where(threshold > 0, threshold, 1.0), 1.0)


def reached(ratio: np.ndarray) -> np.ndarray:
    """Whether each value ÷ threshold reaches 1 (up to floating-point rounding)."""
    return ratio >= 1 - EPS


def rule_passes(met_count: np.ndarray, weakest_ratio: np.ndarray, rule: dict) -> np.ndarray:
    """At least ``min_met`` values met and none under ``min_ratio_rest`` of its threshold."""
    return (np.asarray(met_count) >= int(rule["min_met"])) & (
        np.asarray(weakest_ratio) >= float(rule["min_ratio_rest"]) - EPS
    )


def school_rule(values: pd.DataFrame, std: Standard, long: pd.DataFrame | None = None) -> pd.DataFrame:
    """The per-school rule of every section: ``met_count, weakest_indicator, weakest_ratio, passes``
    (``long``: :func:`ratios` of ``values``, when the caller has them).

    The weakest indicator has the lowest value ÷ threshold (the first in the standard's order on a tie).
    """
    rule = std.school_rule
    if rule is None:
        raise ParameterError(
            f"standard {std.id} has no per-school rule (only the composite CV is tested); "
            "use eduwb table balance"
        )
    long = ratios(values, std, keys=[]) if long is None else long
    keys = [
        c for c in values.columns if c not in indicator_ids(std) and c not in ("kind", "locale", "students")
    ]
    n = len(values)
    row = long["row"].to_numpy()
    met_count = np.bincount(row, weights=long["met"].to_numpy(dtype="float64"), minlength=n)
    # the weakest indicator of each section: sort by section, ratio, then standard order
    order = np.lexsort((long["seq"].to_numpy(), long["ratio"].to_numpy(), row))
    sorted_rows = row[order]
    first = order[np.r_[True, sorted_rows[1:] != sorted_rows[:-1]]] if len(order) else order
    weakest_indicator = np.full(n, None, dtype=object)
    weakest_ratio = np.full(n, np.nan)
    weakest_indicator[row[first]] = long["indicator"].to_numpy()[first]
    weakest_ratio[row[first]] = long["ratio"].to_numpy()[first]
    out = values[keys].reset_index(drop=True)
    out["met_count"] = met_count.astype("int64")
    out["weakest_indicator"] = weakest_indicator
    out["weakest_ratio"] = weakest_ratio
    out["passes"] = rule_passes(met_count, weakest_ratio, rule)
    return out


def compliance_table(ds, std: Standard, *, year=None, stage=None, **options) -> pd.DataFrame:
    """``eduwb table compliance``: the per-school rule (6 of 7 reach the threshold, the 7th 85 % of it)."""
    check_options(options, set(), "compliance")
    out = school_rule(one_year(ds, std, year, stage), std)
    return out[
        ["school_id", "school_name", "stage", "met_count", "weakest_indicator", "weakest_ratio", "passes"]
    ]


def balance_table(ds, std: Standard, *, year=None, stage=None, **options) -> pd.DataFrame:
    """``eduwb table balance``: the CV per stage × indicator and the composite (moe-2012 tests only it)."""
    check_options(options, set(), "balance")
    values = one_year(ds, std, year, stage, require=True, say_stage=True)
    return balance_from_values(values, std, by=["stage"])


def balance_trend(ds, std: Standard, *, year=None, stage=None, **options) -> pd.DataFrame:
    """:func:`balance_table` for every year up to ``year`` (None: all) at once."""
    check_options(options, set(), "balance_trend")
    stage = resolve_stage(std, stage)
    years = None if year is None else [y for y in ds.years if y <= resolve_year(ds, year)]
    values = section_values(ds, std, years=years, stage=stage)
    return balance_from_values(values, std, by=["year", "stage"])


# ----------------------------------------------------------------------------- gaps


def unit_costs(ds, options: dict | None = None) -> dict[str, float]:
    """``county.toml [unit_costs]`` overridden by ``options``; ``yuan`` (already money) costs 1."""
    costs = {k: float(v) for k, v in ds.settings.unit_costs.items()}
    for key, raw in (options or {}).items():
        if key == "by":
            continue
        if key not in costs:
            raise ParameterError(f"unknown parameter {key!r}; unit costs are: {', '.join(costs)}")
        costs[key] = yuan_parameter(key, raw)
    costs["yuan"] = 1.0
    return costs


def unit_cost_column(long: pd.DataFrame, costs: dict[str, float]) -> pd.Series:
    """The unit cost of each row's indicator (by its ``cost_key``)."""
    unknown = sorted(set(long["cost_key"].dropna()) - set(costs))
    if unknown or long["cost_key"].isna().any():
        raise ParameterError(
            "the standard names unit costs the county settings lack: "
            + (", ".join(unknown) or "an indicator without cost_key")
        )
    return long["cost_key"].map(costs).astype("float64")


def whole_units(amount: np.ndarray | pd.Series, integer: np.ndarray | pd.Series) -> np.ndarray:
    """Round additions up where things come whole (teachers, rooms); never below 0."""
    amount = np.asarray(amount, dtype="float64")
    integer = np.asarray(integer, dtype=bool)
    positive = amount > 0
    up = np.where(positive, np.maximum(np.ceil(amount - _WHOLE_TOL), 1.0), 0.0)
    return np.where(integer, up, np.maximum(amount, 0.0))


def shortfalls(values: pd.DataFrame, std: Standard, costs: dict[str, float]) -> pd.DataFrame:
    """Every section × indicator below its threshold: ``shortfall`` in its ``gap_unit``, ``cost_yuan``.

    Shortfalls are per indicator: one teacher hired may close R1 and R2 at once, so summing
    teacher costs over indicators is an upper bound.
    """
    long = ratios(values, std, keys=[])
    short = long[~long["met"]].reset_index(drop=True)
    keys = [c for c in values.columns if c not in indicator_ids(std) and c not in ("stage", "students")]
    short = pd.concat([values[keys].take(short["row"].to_numpy()).reset_index(drop=True), short], axis=1)
    need = short["threshold"] * short["students"] / short["per"] - short["amount"]
    short["shortfall"] = whole_units(need, short["gap_integer"])
    short["cost_yuan"] = short["shortfall"] * unit_cost_column(short, costs)
    return short


def gaps_table(ds, std: Standard, *, year=None, stage=None, **options) -> pd.DataFrame:
    """``eduwb table gaps [--param teacher_per_year=150000 …]``: :func:`shortfalls` of a year."""
    costs = unit_costs(ds, options)
    short = standard_order(
        shortfalls(one_year(ds, std, year, stage), std, costs), std, ["stage", "school_id", "seq"]
    )
    cols = [
        "school_id", "school_name", "stage", "indicator", "value", "threshold",
        "shortfall", "gap_unit", "cost_yuan",
    ]  # fmt: skip
    return short[cols]


def gaps_summary(ds, std: Standard, *, year=None, stage=None, **options) -> pd.DataFrame:
    """The gaps added up per stage × indicator."""
    gaps = gaps_table(ds, std, year=year, stage=stage, **options)
    out = gaps.groupby(["stage", "indicator"], sort=False).agg(
        schools=("school_id", "size"),
        shortfall=("shortfall", "sum"),
        gap_unit=("gap_unit", "first"),
        cost_yuan=("cost_yuan", "sum"),
    )
    return standard_order(out.reset_index(), std, ["stage", "indicator"])


def summary_table(ds, std: Standard, *, year=None, stage=None, **options) -> pd.DataFrame:
    """The county at a glance, per stage; a column that does not apply under the standard is left out."""
    check_options(options, set(), "summary")
    values = one_year(ds, std, year, stage, require=True)
    out = values.groupby("stage", sort=False).agg(schools=("school_id", "size"), students=("students", "sum"))
    if std.school_rule is not None:
        out["schools_passing"] = school_rule(values, std).groupby("stage", sort=False)["passes"].sum()
        out["schools_passing"] = out["schools_passing"].astype("Int64")
    bal = balance_from_values(values, std, by=["stage"])
    singles = bal[bal["indicator"] != COMPOSITE]
    out["cv_failing"] = (~singles["passes"].fillna(True).astype(bool)).groupby(singles["stage"]).sum()
    comp = bal[bal["indicator"] == COMPOSITE].set_index("stage")
    out["composite"] = comp["cv"]
    if std.balance_test != "each":
        out["composite_limit"] = comp["limit"]
    out = out.reset_index()
    out["cv_failing"] = out["cv_failing"].astype("int64")
    return out


# ----------------------------------------------------------------------------- presentation aids


def profiles(ds, std: Standard, *, year=None, stage=None) -> pd.DataFrame:
    """Each section's values against the threshold and the county mean (for the explorer)."""
    long = ratios(one_year(ds, std, year, stage), std)
    means = weighted_stats(long, ["stage", "indicator"])[["stage", "indicator", "county_mean"]]
    long = long.merge(means, on=["stage", "indicator"], how="left")
    long["mean_ratio"] = long["county_mean"] / long["threshold"]
    long = standard_order(long, std, ["stage", "school_id", "seq"])
    cols = [
        "school_id", "school_name", "stage", "indicator", "value", "threshold",
        "county_mean", "ratio", "mean_ratio",
    ]  # fmt: skip
    return long[cols]


def failing_cells(table: pd.DataFrame, std: Standard) -> pd.DataFrame:
    """True in each cell of ``table`` below its threshold, a False ``passes`` or a ``weakest_ratio``
    under ``min_ratio_rest``."""
    out = pd.DataFrame(False, index=table.index, columns=table.columns)
    frame = indicator_frame(std)
    for ind in indicator_ids(std):
        if ind in table.columns and "stage" in table.columns:
            thr = table["stage"].map(frame[frame["indicator"] == ind].set_index("stage")["threshold"])
            values = pd.to_numeric(table[ind], errors="coerce").astype("float64")
            out[ind] = (values < thr * (1 - EPS)).fillna(False).to_numpy()
    if "passes" in table.columns:
        out["passes"] = (table["passes"] == False).fillna(False).to_numpy()  # noqa: E712 - NA-aware
    if "weakest_ratio" in table.columns and std.school_rule is not None:
        out["weakest_ratio"] = (
            table["weakest_ratio"] < float(std.school_rule["min_ratio_rest"]) - EPS
        ).to_numpy()
    return out


def yuan_parameter(key: str, raw) -> float:
    """A parameter's value as a finite, non-negative number of 元, or a clear error naming it."""
    try:
        value = float(raw)
    except (TypeError, ValueError):
        raise ParameterError(f"parameter {key}={raw!r}: must be a number of 元") from None
    if not np.isfinite(value) or value < 0:
        raise ParameterError(f"parameter {key}={raw!r}: must be a non-negative number of 元")
    return value
