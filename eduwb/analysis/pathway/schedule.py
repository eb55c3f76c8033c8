"""The pathway spread over the years: each action gets a year, within the budget cap if any.

The programme runs from the data year to the target year (``county.toml [pathway]
target_year``; by default the last of the county's class-size milestones, or the data year
when it has none). An action's deadline is the target year, except class actions: a grade
whose largest class is above a milestone's limit must be re-formed by that milestone's year
(no 66+ after one date, no 56+ after another). Actions are placed earliest deadline first
(then the costliest first) in the earliest year whose budget (``annual_budget_yuan``, none
by default) still holds them; an action is never split. An action placed after its deadline
is late: the misses table says which indicator misses in which year and by how much money.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def target_year(ds, year: int) -> int:
    """The year the county must pass: county.toml's, else its last milestone, else ``year``."""
    given = (getattr(ds.settings, "pathway", {}) or {}).get("target_year")
    if given is not None:
        return max(int(given), year)
    bys = [int(m["by"]) for m in ds.settings.milestones] if ds.settings.milestones else []
    return max([year, *bys])


def _milestone_deadline(ds, std, stage: pd.Series, largest: pd.Series, default: int) -> np.ndarray:
    """Per class action: the first milestone year whose limit its largest class exceeds."""
    out = np.full(len(stage), default, dtype=np.int64)
    for m in ds.settings.milestones:
        limit = m["max_students"]
        lim = stage.map(lambda s, lim=limit: std.class_size_standard(s) if lim == "standard" else float(lim))
        hit = (largest.to_numpy(dtype="float64") > lim.to_numpy(dtype="float64")) & np.isfinite(
            largest.to_numpy(dtype="float64")
        )
        out = np.where(hit, np.minimum(out, int(m["by"])), out)
    return out


def schedule(ds, std, actions: pd.DataFrame, year: int, largest: pd.Series, cap: float | None):
    """``(schedule, by_year, misses)`` for the actions (see the module docstring)."""
    end = target_year(ds, year)
    acts = actions.copy()
    is_class = acts["indicator"].eq("G5") & acts["grade"].notna()
    acts["deadline"] = end
    if is_class.any():
        dl = _milestone_deadline(
            ds, std, acts.loc[is_class, "stage"], largest.reindex(acts.index)[is_class], end
        )
        acts.loc[is_class, "deadline"] = np.maximum(dl, year)
    acts = acts.sort_values(
        ["deadline", "cost_yuan", "action_id"], ascending=[True, False, True], kind="mergesort"
    )
    years = np.arange(year, end + 1)
    spent = dict.fromkeys(years.tolist(), 0.0)
    placed = []
    for cost in acts["cost_yuan"].to_numpy(dtype="float64"):
        when = None
        for y in spent:
            if cap is None or spent[y] + cost <= cap + 1e-6:
                when = y
                break
        if when is None:
            when = int(years[-1]) + 1
            while spent.setdefault(when, 0.0) + cost > (cap or np.inf) + 1e-6 and spent[when] > 0:
                when += 1
        spent[when] = spent.get(when, 0.0) + cost
        placed.append(when)
    acts["year"] = placed
    acts["late"] = acts["year"] > acts["deadline"]
    by_year = pd.DataFrame({"year": list(spent), "cost_yuan": list(spent.values())}).sort_values("year")
    by_year["cumulative_yuan"] = by_year["cost_yuan"].cumsum()
    by_year["cap_yuan"] = np.nan if cap is None else float(cap)
    late = acts[acts["late"]]
    misses = (
        late.groupby(["indicator", "deadline"], as_index=False).agg(
            actions=("action_id", "size"), shortfall_yuan=("cost_yuan", "sum"), done_by=("year", "max")
        )
        if len(late)
        else pd.DataFrame(columns=["indicator", "deadline", "actions", "shortfall_yuan", "done_by"])
    )
    return acts.sort_values(["year", "action_id"], kind="mergesort").reset_index(drop=True), by_year, misses
