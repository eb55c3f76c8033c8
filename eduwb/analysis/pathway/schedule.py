"""The pathway spread over the years: each action gets a year, within the budget cap if any.

Deadlines are the target year, or for class actions (and pupil moves, and what the moved pupils
need) the class-size milestone their largest class is behind; actions are placed earliest
deadline first, then costliest first, in the earliest year whose budget still holds them, never
split (docs/method.md, 13a, the schedule). A late action is a miss.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from eduwb.analysis.classsize import milestone_limits

from .structure import GRADE_STAGE


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
    size = largest.to_numpy(dtype="float64")  # NaN (no class) exceeds no limit
    at = pd.Index(std.stages).get_indexer(stage)  # class and pupil actions are of the standard's stages
    for m in ds.settings.milestones:
        hit = size > milestone_limits(std, m)[at]
        out = np.where(hit, np.minimum(out, int(m["by"])), out)
    return out


def _largest(ds, year: int, actions: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """Per action, the largest class before the pathway: of its school and grade (class actions),
    and of its school and stage (any action)."""
    nan = pd.Series(np.nan, index=actions.index)
    if ds.classes is None or actions.empty:
        return nan, nan
    cls = ds.classes[ds.classes["year"] == year]
    cls = cls.assign(stage=cls["grade"].map(GRADE_STAGE))
    by_grade = cls.groupby(["school_id", "grade"])["students"].max()
    by_stage = cls.groupby(["school_id", "stage"])["students"].max()
    grade = pd.to_numeric(actions["grade"], errors="coerce")
    g = by_grade.reindex(pd.MultiIndex.from_arrays([actions["school_id"], grade])).to_numpy(dtype="float64")
    st = by_stage.reindex(pd.MultiIndex.from_arrays([actions["school_id"], actions["stage"]]))
    return pd.Series(g, index=actions.index), pd.Series(st.to_numpy(dtype="float64"), index=actions.index)


def _deadlines(ds, std, acts: pd.DataFrame, year: int, end: int) -> np.ndarray:
    """Each action's deadline (see the module docstring): the target year, or the milestone its
    school's classes are behind. Moving pupils out of a school re-forms its classes, so a move
    has the sender's milestone; the classes, classrooms and hires the moved pupils then need at
    the receiving school share the move's deadline."""
    by_grade, by_stage = _largest(ds, year, acts)
    deadline = np.full(len(acts), end, dtype=np.int64)
    is_class = (acts["indicator"].eq("G5") & acts["grade"].notna()).to_numpy()
    is_move = acts["action"].eq("move_pupils").to_numpy()
    for mask, largest in ((is_class, by_grade), (is_move, by_stage)):
        if mask.any():
            dl = _milestone_deadline(ds, std, acts.loc[mask, "stage"], largest[mask], end)
            deadline[mask] = np.maximum(dl, year)
    if is_move.any():
        moves = acts[is_move].assign(_d=deadline[is_move])
        received = moves.groupby(["target_school_id", "stage"])["_d"].min()
        serves_g5 = acts["indicator"].astype(str).str.contains("G5").to_numpy()
        key = pd.MultiIndex.from_arrays([acts["school_id"], acts["stage"]])
        inherited = received.reindex(key).to_numpy(dtype="float64")
        take = serves_g5 & ~np.isnan(inherited)
        deadline[take] = np.minimum(deadline[take], inherited[take].astype(np.int64))
    return deadline


def schedule(ds, std, actions: pd.DataFrame, year: int, cap: float | None):
    """``(schedule, by_year, misses)`` for the actions (see the module docstring)."""
    end = target_year(ds, year)
    acts = actions.copy()
    acts["deadline"] = _deadlines(ds, std, acts, year, end)
    acts = acts.sort_values(
        ["deadline", "cost_yuan", "action_id"], ascending=[True, False, True], kind="mergesort"
    )
    years = np.arange(year, end + 1)
    spent = dict.fromkeys(years.tolist(), 0.0)
    placed = []
    for cost in acts["cost_yuan"].to_numpy(dtype="float64"):
        when = next((y for y in spent if cap is None or spent[y] + cost <= cap + 1e-6), None)
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
