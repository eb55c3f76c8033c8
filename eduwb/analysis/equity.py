"""Equity lenses beyond the standard: the school-finance measures of Berne & Stiefel.

Every measure is **pupil-weighted**: a school section of ``Pi`` pupils counts as ``Pi``
pupils who each have the section's value ``Xi`` (P = ΣPi, X̄ = ΣPi·Xi / P). The libraries
on PyPI were checked first: PySAL's ``inequality`` computes Gini and Theil (with a group
decomposition) but without observation weights, and it has no McLoone or Verstegen index;
so the textbook formulas are implemented here, vectorised with numpy.

* **Gini** ``G = Σi Σj Pi·Pj·|Xi − Xj| / (2·P²·X̄)`` — computed in O(n log n) from the
  values sorted ascending as ``Σi Pi·Xi·(Ci − Di) / (P · ΣPi·Xi)`` where ``Ci`` (``Di``) is
  the pupils of the sections sorted before (after) section i.
* **Theil** (GE(1)) ``T = Σi (Pi/P)·(Xi/X̄)·ln(Xi/X̄)`` (0·ln 0 = 0), decomposed exactly by
  groups g (locale: urban / town / rural) into ``between = Σg sg·ln(X̄g/X̄)`` and
  ``within = Σg sg·Tg``, where ``sg = Pg·X̄g / (P·X̄)`` is the group's share of the resource
  and ``Tg`` the Theil index within the group.
* **McLoone** — the resource of the pupils at or below the median ÷ what bringing them to
  the median would give: ``Σ_{Xi ≤ M} Pi·Xi / (M · Σ_{Xi ≤ M} Pi)`` (1 = perfect equity
  below the median).
* **Verstegen** — the same above the median: ``Σ_{Xi ≥ M} Pi·Xi / (M · Σ_{Xi ≥ M} Pi)``
  (1 = perfect equity above the median).
* **Federal range ratio** ``(P95 − P5) / P5``.

Percentiles (the median M, P5, P95) are pupil-weighted: the value of the pupil at that
position, i.e. the smallest value whose cumulative pupil share reaches q (no interpolation).

References: R. Berne and L. Stiefel, *The Measurement of Equity in School Finance*
(Johns Hopkins University Press, 1984); A. Odden and L. Picus, *School Finance: A Policy
Perspective* (chapter 3, "Assessing equity"); D. Verstegen, "Concepts and measures of
fiscal inequality", *Journal of Education Finance* 21 (1996); H. Theil, *Economics and
Information Theory* (1967) for the decomposition.
"""

from __future__ import annotations

import contextlib

import numpy as np
import pandas as pd

from eduwb.analysis.resources import amounts, one_year, standard_order
from eduwb.analysis.scope import check_options
from eduwb.errors import AnalysisError
from eduwb.standards import Standard

MEASURES = ("gini", "theil", "theil_between", "theil_within", "mcloone", "verstegen", "federal_range_ratio")
#: The groups the Theil index is decomposed by.
GROUP_COLUMN = "locale"


def _arrays(values, weights) -> tuple[np.ndarray, np.ndarray]:
    x = np.asarray(values, dtype="float64")
    w = np.asarray(weights, dtype="float64")
    if x.shape != w.shape or x.ndim != 1:
        raise ValueError("values and weights must be 1-d arrays of the same length")
    if not w.sum() > 0:
        raise AnalysisError("equity measure: there are no pupils")
    return x, w


def weighted_quantile(values, weights, q: float) -> float:
    """The value of the pupil at cumulative share ``q``: the smallest Xi with ΣPj (Xj ≤ Xi) ≥ q·P."""
    x, w = _arrays(values, weights)
    order = np.argsort(x, kind="mergesort")
    xs, cum = x[order], np.cumsum(w[order])
    # the tiny slack keeps q·P that equals a cumulative sum exactly from slipping past it
    k = int(np.searchsorted(cum, q * cum[-1] * (1 - 1e-12), side="left"))
    return float(xs[min(k, len(xs) - 1)])


def gini(values, weights) -> float:
    """Pupil-weighted Gini coefficient ``Σi Σj Pi·Pj·|Xi − Xj| / (2·P²·X̄)``."""
    x, w = _arrays(values, weights)
    order = np.argsort(x, kind="mergesort")
    xs, ws = x[order], w[order]
    cum = np.cumsum(ws)
    before = cum - ws
    after = cum[-1] - cum
    total = (ws * xs).sum()
    if total == 0:
        raise AnalysisError("Gini: the mean is 0, so the index is undefined")
    return float((ws * xs * (before - after)).sum() / (cum[-1] * total))


def _theil_terms(x: np.ndarray, w: np.ndarray, mean: float) -> np.ndarray:
    r = x / mean
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(r > 0, w * r * np.log(np.where(r > 0, r, 1.0)), 0.0)
    return terms


def theil(values, weights, groups=None) -> tuple[float, float, float]:
    """Pupil-weighted Theil index ``(total, between, within)``; with no groups, between is 0."""
    x, w = _arrays(values, weights)
    total_w = w.sum()
    mean = (w * x).sum() / total_w
    if mean == 0:
        raise AnalysisError("Theil: the mean is 0, so the index is undefined")
    total = float(_theil_terms(x, w, mean).sum() / total_w)
    if groups is None:
        return total, 0.0, total
    frame = pd.DataFrame({"g": np.asarray(groups), "x": x, "w": w, "wx": w * x})
    sums = frame.groupby("g", sort=True)[["w", "wx"]].sum()
    mean_g = sums["wx"] / sums["w"]
    share = sums["wx"] / (total_w * mean)
    ratio_g = (mean_g / mean).where(mean_g > 0, 1.0)
    between = float((share * np.log(ratio_g)).sum())
    # each section's term against its own group's mean; a group with mean 0 has share 0
    m = frame["g"].map(mean_g).to_numpy()
    frame["t"] = np.where(m > 0, _theil_terms(x, w, np.where(m > 0, m, 1.0)), 0.0)
    t_g = frame.groupby("g", sort=True)["t"].sum() / sums["w"]
    within = float((share * t_g).sum())
    return total, between, within


def _around_median(values, weights, name: str, below: bool) -> float:
    """``Σ Pi·Xi / (M · Σ Pi)`` over the pupils at or below (``below``) or at or above the
    pupil-weighted median M."""
    x, w = _arrays(values, weights)
    median = weighted_quantile(x, w, 0.5)
    if median == 0:
        raise AnalysisError(f"{name}: the median is 0, so the index is undefined")
    side = x <= median if below else x >= median
    return float((w[side] * x[side]).sum() / (median * w[side].sum()))


def mcloone(values, weights) -> float:
    """McLoone index: ``Σ_{Xi ≤ M} Pi·Xi / (M · Σ_{Xi ≤ M} Pi)``, M the pupil-weighted median."""
    return _around_median(values, weights, "McLoone", below=True)


def verstegen(values, weights) -> float:
    """Verstegen index: ``Σ_{Xi ≥ M} Pi·Xi / (M · Σ_{Xi ≥ M} Pi)``, M the pupil-weighted median."""
    return _around_median(values, weights, "Verstegen", below=False)


def federal_range_ratio(values, weights) -> float:
    """Federal range ratio ``(P95 − P5) / P5`` with pupil-weighted percentiles."""
    x, w = _arrays(values, weights)
    p5 = weighted_quantile(x, w, 0.05)
    if p5 == 0:
        raise AnalysisError("federal range ratio: the 5th percentile is 0, so the ratio is undefined")
    return float((weighted_quantile(x, w, 0.95) - p5) / p5)


def equity_measures(values, weights, groups=None) -> dict[str, float | None]:
    """All the lenses for one set of sections; an undefined measure is None (Gini and Theil
    are undefined together)."""
    out: dict[str, float | None] = dict.fromkeys(MEASURES)
    with contextlib.suppress(AnalysisError):
        out.update(zip(MEASURES[:4], (gini(values, weights), *theil(values, weights, groups)), strict=True))
    for name, fn in zip(MEASURES[4:], (mcloone, verstegen, federal_range_ratio), strict=True):
        with contextlib.suppress(AnalysisError):
            out[name] = fn(values, weights)
    return out


def equity_table(ds, std: Standard, *, year=None, stage=None, **options) -> pd.DataFrame:
    """``eduwb table equity``: the lenses per stage × indicator (an undefined one NA, named in ``status``)."""
    check_options(options, set(), "equity")
    values = one_year(ds, std, year, stage, require=True)
    long = amounts(values, std, keys=["stage", GROUP_COLUMN])
    # a handful of groups (stage × indicator); the measures inside are vectorised
    rows = [
        {
            "stage": s,
            "indicator": i,
            **equity_measures(g["value"], g["students"], g[GROUP_COLUMN].fillna("unknown")),
        }
        for (s, i), g in long.groupby(["stage", "indicator"], sort=False)
    ]
    missing = values.attrs.get("missing", {})
    rows += [{"stage": s, "indicator": ind} for s in values["stage"].drop_duplicates() for ind in missing]
    out = pd.DataFrame(rows, columns=["stage", "indicator", *MEASURES])
    undefined = out[list(MEASURES)].isna()
    out["status"] = np.where(
        out["indicator"].isin(list(missing)),
        "missing",
        np.where(
            undefined.any(axis=1),
            "undefined: " + undefined.apply(lambda r: ", ".join(r.index[r]), axis=1),
            "ok",
        ),
    )
    for col in MEASURES:
        out[col] = out[col].astype("Float64")
    return standard_order(out, std, ["stage", "indicator"])
