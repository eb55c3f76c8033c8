"""G9 (training), G12 (certification) and G11 (rotation): how many more, at what cost
(docs/method.md, 13a, step 5). Hires arrive certified and with the training hours (an
assumption the county checks).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from eduwb.analysis import rotation, teachers

from .structure import Work


def _in_scope(work: Work, indicator: str, year: int) -> np.ndarray:
    t = work.ds.teachers
    return teachers.teachers_in_scope(work.ds, work.std, indicator, tuple(work.std.stages)) & (
        t["year"].to_numpy() == year
    )


def _county_wide(work: Work, indicator: str, action: str, quantity, unit: str, cost_key: str, **more) -> None:
    """Record an action of the county as a whole (no school, no stage)."""
    work.act(indicator=indicator, action=action, school_id="", stage="", quantity=quantity, unit=unit,
             cost_key=cost_key, **more)  # fmt: skip


def _set_teachers(work: Work, rows: np.ndarray, column: str, value) -> None:
    t = work.ds.teachers.copy()
    t.loc[rows, column] = value
    work.set(teachers=t)


def training(work: Work) -> None:
    t = work.ds.teachers
    if t is None:
        return
    need = teachers.training_hours_min(work.std)
    rows = _in_scope(work, "G9", work.year) & (t["training_hours_5y"].to_numpy(dtype="float64") < need)
    if rows.any():
        hours = float((need - t.loc[rows, "training_hours_5y"].astype("float64")).sum())
        _county_wide(work, "G9", "train_teachers", hours, "hours", "training_hour", teachers=int(rows.sum()))
        _set_teachers(work, rows, "training_hours_5y", need)


def certification(work: Work) -> None:
    t = work.ds.teachers
    if t is None:
        return
    rows = _in_scope(work, "G12", work.year) & ~t["certified"].to_numpy(dtype=bool)
    if rows.any():
        _county_wide(work, "G12", "certify_teachers", int(rows.sum()), "teachers", "certification")
        _set_teachers(work, rows, "certified", True)


def extra_moves(eligible: int, rotated: int, backbone: int, ratio: float, share: float) -> tuple[int, int]:
    """The fewest extra moves ``m`` and how many ``b`` of them backbone teachers, with ``rotated + m ≥
    ratio × eligible`` and ``backbone + b ≥ share × (rotated + m)``, in closed form."""
    tol = 1e-9
    m = max(int(np.ceil(ratio * eligible - tol)) - rotated, 0)
    if share < 1:
        m = max(m, int(np.ceil((share * rotated - backbone) / (1 - share) - tol)))
    b = max(int(np.ceil(share * (rotated + m) - tol)) - backbone, 0)
    return m, b


def rotations(work: Work) -> None:
    ds, std, year = work.ds, work.std, work.year
    if ds.teachers is None or ds.rotations is None:
        return
    table = rotation.rotation_table(ds, std, year=year)
    row = table[table["year"] == year]
    if row.empty or pd.isna(row["eligible"].iloc[0]):
        return
    r = row.iloc[0]
    if pd.notna(r["passes"]) and bool(r["passes"]):
        return
    counts = (int(r["eligible"]), int(r["rotated"]), int(r["backbone_rotated"]))
    m, b = extra_moves(*counts, float(r["ratio_limit"]), float(r["share_limit"]))
    if m:
        rotate(work, m, b)


def rotate(work: Work, m: int, b: int) -> None:
    """``m`` more eligible teachers not moving yet rotate this year, those longest at their school
    (``b`` of them backbone, where there are enough), to :func:`_targets`. The move is recorded in
    ``rotations`` (mode ``rotation``); the teacher's row stays where it is, as the statistics count
    a rotating teacher at the home school."""
    ds, std, year = work.ds, work.std, work.year
    t = ds.teachers
    rule = teachers.eligibility_rule(ds)
    moving = set(ds.rotations.loc[ds.rotations["year"] == year, "teacher_id"])
    pool = t[_in_scope(work, "G11", year - 1) & teachers.eligible_next_year(t, rule)]
    pool = pool[~pool["teacher_id"].isin(moving)]
    is_bb = pool["backbone"].isin(teachers.backbone_levels(std))
    pool = pool.sort_values(["years_at_school", "teacher_id"], ascending=[False, True], kind="mergesort")
    chosen = pd.concat(
        [pool[is_bb.reindex(pool.index)].head(b), pool[~is_bb.reindex(pool.index)].head(m - b)]
    )
    if len(chosen) < m:
        chosen = pd.concat([chosen, pool[~pool.index.isin(chosen.index)].head(m - len(chosen))])
    target = _targets(work, chosen)
    new = pd.DataFrame(
        {
            "teacher_id": chosen["teacher_id"].to_numpy(),
            "year": year,
            "from_school": chosen["school_id"].to_numpy(),
            "to_school": target,
            "mode": "rotation",
        }
    )
    new = new[new["from_school"] != new["to_school"]]
    work.set(
        rotations=pd.concat([ds.rotations, new.astype(ds.rotations.dtypes.to_dict())], ignore_index=True)
    )
    _county_wide(
        work, "G11", "rotate_teachers", int(len(new)), "teachers", "rotation_move", backbone_teachers=int(b)
    )


def _targets(work: Work, chosen: pd.DataFrame) -> np.ndarray:
    """Each mover's receiving school: the schools teaching the mover's stage that year, rural
    first then by id, taken in turn; the next one where the turn falls on the mover's own."""
    schools = work.ds.schools
    order = (
        schools.assign(_r=(schools["locale"] != "rural").astype(int))
        .sort_values(["_r", "school_id"], kind="mergesort")["school_id"]
        .to_numpy(dtype=object)
    )
    sec = work.ds.sections
    sec = sec[sec["year"] == work.year]
    source = chosen["school_id"].to_numpy(dtype=object)
    target = source.copy()
    for stage, idx in chosen.reset_index(drop=True).groupby("stage").indices.items():
        cands = order[np.isin(order, sec.loc[sec["stage"] == stage, "school_id"].to_numpy(dtype=object))]
        if len(cands) < 2:
            continue
        turn = np.arange(len(idx)) % len(cands)
        pick = cands[turn]
        own = pick == source[idx]
        pick[own] = cands[(turn[own] + 1) % len(cands)]
        target[idx] = pick
    return target
