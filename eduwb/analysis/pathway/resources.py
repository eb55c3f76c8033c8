"""R1–R7 as one integer program: the least-cost hires and additions after which every school
section passes the per-school rule and every CV is within its limit (docs/method.md, 13a, step 4).

Variables, per section: ``h`` hires (at least what G5's classes need) and ``t_i ≤ h`` of them with
each teacher attribute (one hire counts toward every R its attributes fit); per facility row and
indicator, the addition ``y`` in whole steps, shared among the sections as
:func:`eduwb.analysis.resources.section_values` splits facilities; per section and indicator a
binary exemption ``e`` (85 % instead of the threshold, at most ``7 − min_met`` per section: the
per-school rule exactly). :func:`scipy.optimize.milp` (HiGHS, gap 0) proves the optimum. The
CV limits are quadratic: a stage × indicator still over its limit after a solve gets floors (the
water-filling level of :mod:`eduwb.analysis.plan`) and is solved again — then the result is
least-cost only *given those floors*, an ``estimate``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_array

from eduwb.analysis.balance import balance_from_values, ratios
from eduwb.analysis.plan import _water_fill
from eduwb.analysis.resources import pupil_shares, section_values
from eduwb.errors import AnalysisError

from . import structure
from .amounts import PREMIUM_KEYS, target_column
from .structure import Work

_MAX_ROUNDS = 6
#: Seconds HiGHS may search for a proven optimum (a county-year takes milliseconds).
_TIME_LIMIT = 60.0


def _sections(work: Work) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The sections in scope (wide values) and their long form with the facility row and share."""
    ds, std, year = work.ds, work.std, work.year
    values = section_values(ds, std, years=[year])
    if values.empty:
        raise AnalysisError(f"{ds.name}, year {year}: no school section in scope")
    long = ratios(values, std)
    sec = ds.sections[ds.sections["year"] == year].merge(
        ds.schools[["school_id", "kind"]], on="school_id", how="left"
    )
    sec = sec.assign(share=pupil_shares(sec.reset_index(drop=True), std).to_numpy())
    fac = ds.facilities[ds.facilities["year"] == year]
    staged = set(fac[["school_id", "stage"]].dropna().itertuples(index=False, name=None))
    key = list(zip(sec["school_id"], sec["stage"], strict=True))
    sec["fac_stage"] = [st if (sid, st) in staged else "" for sid, st in key]
    sec["share"] = np.where(sec["fac_stage"] != "", 1.0, sec["share"])
    long = long.merge(
        sec[["school_id", "stage", "share", "fac_stage"]], on=["school_id", "stage"], how="left"
    )
    by_id = {ind.id: ind for ind in std.resource_indicators}
    long["column"] = long["indicator"].map(lambda i: target_column(by_id[i]))
    long["teacher"] = long["column"].isin(list(PREMIUM_KEYS))
    return values, long


class _Program:
    """Variables and constraints of the integer program, built with arrays."""

    def __init__(self, work: Work, values: pd.DataFrame, long: pd.DataFrame):
        std, p = work.std, work.prices
        self.long = long
        n_sec = len(values)
        self.n_sec = n_sec
        rule = std.school_rule
        self.ratio_rest = float(rule["min_ratio_rest"])
        self.n_exempt = max(len(std.resource_indicators) - int(rule["min_met"]), 0)
        teach = long[long["teacher"]]
        self.t_rows = teach.index.to_numpy()
        fac = long[~long["teacher"]]
        fkeys = fac[["school_id", "fac_stage", "indicator"]].drop_duplicates().reset_index(drop=True)
        self.fkeys = fkeys
        self.f_index = pd.MultiIndex.from_frame(fkeys).get_indexer(
            pd.MultiIndex.from_frame(fac[["school_id", "fac_stage", "indicator"]])
        )
        self.f_rows = fac.index.to_numpy()
        # variable layout: h (n_sec) | t (teacher rows) | y (facility keys) | e (all rows)
        self.o_t = n_sec
        self.o_y = self.o_t + len(self.t_rows)
        self.o_e = self.o_y + len(fkeys)
        self.n_var = self.o_e + len(long)
        col_of = long["column"]
        ind_cost = {r.indicator: p[r.cost_key] for r in long.drop_duplicates("indicator").itertuples()}
        c = np.zeros(self.n_var)
        c[:n_sec] = p["teacher_per_year"]
        c[self.o_t : self.o_y] = col_of.loc[self.t_rows].map(lambda k: p[PREMIUM_KEYS[k]]).to_numpy()
        # a facility addition is a whole number of steps (the statistics' precision: 0.1 m², 1 元)
        unit = long.drop_duplicates("indicator").set_index("indicator")["gap_unit"]
        self.step = fkeys["indicator"].map(unit).map(lambda u: p.addition_step.get(u, 1.0)).to_numpy(float)
        c[self.o_y : self.o_e] = fkeys["indicator"].map(ind_cost).to_numpy(dtype="float64") * self.step
        self.c = c
        self.integrality = np.ones(self.n_var)
        lb = np.zeros(self.n_var)
        ub = np.full(self.n_var, np.inf)
        ub[self.o_e :] = 1
        sec_key = list(zip(values["school_id"], values["stage"], strict=True))
        lb[:n_sec] = [work.class_hires.get(k, 0) for k in sec_key]
        self.bounds = (lb, ub)
        self.floor = np.zeros(len(long))

    def constraints(self) -> LinearConstraint:
        long, n = self.long, len(self.long)
        full = (
            long["threshold"].to_numpy() * long["students"].to_numpy(dtype="float64") / long["per"].to_numpy()
        )
        amount = long["amount"].to_numpy()
        part = self.ratio_rest * full
        full_t = np.maximum(full, self.floor)
        part_t = np.maximum(part, self.floor)
        need = full_t - amount - 1e-9 * full_t
        rows, cols, vals, lo = [], [], [], []
        active = np.flatnonzero(need > 0)
        # (1) amount + addition + (full − part)·e ≥ full, for each row still short
        pos = np.arange(len(active))
        is_t = np.isin(active, self.t_rows)
        t_var = self.o_t + np.searchsorted(self.t_rows, active[is_t])
        rows += [pos[is_t], pos[~is_t]]
        f_var = self.f_index[np.searchsorted(self.f_rows, active[~is_t])]
        cols += [t_var, self.o_y + f_var]
        vals += [np.ones(is_t.sum()), long["share"].to_numpy()[active[~is_t]] * self.step[f_var]]
        rows.append(pos)
        cols.append(self.o_e + active)
        vals.append(np.maximum(full_t - part_t, 0)[active])
        lo.append(need[active])
        k = len(active)
        # (2) attributes ≤ hires: h_s − t_si ≥ 0
        sec_row = long["row"].to_numpy()[self.t_rows]
        m = len(self.t_rows)
        rows += [k + np.arange(m), k + np.arange(m)]
        cols += [sec_row, self.o_t + np.arange(m)]
        vals += [np.ones(m), -np.ones(m)]
        lo.append(np.zeros(m))
        k += m
        # (3) exemptions per section: −Σ e ≥ −n_exempt
        rows.append(k + long["row"].to_numpy())
        cols.append(self.o_e + np.arange(n))
        vals.append(-np.ones(n))
        lo.append(np.full(self.n_sec, -float(self.n_exempt)))
        k += self.n_sec
        a = coo_array(
            (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(k, self.n_var)
        ).tocsr()
        return LinearConstraint(a, np.concatenate(lo), np.inf)

    def solve(self) -> tuple[np.ndarray, bool]:
        """The solution (m², 元, rooms, teachers) and whether HiGHS proved it optimal.

        The gap is 0: an optimum is proven, not approximated. Past ``_TIME_LIMIT`` seconds
        HiGHS returns the best solution found so far, which is then not proven least-cost.
        """
        res = milp(
            self.c,
            integrality=self.integrality,
            bounds=Bounds(*self.bounds),
            constraints=self.constraints(),
            options={"mip_rel_gap": 0.0, "time_limit": _TIME_LIMIT},
        )
        if res.x is None:
            raise AnalysisError(f"the resource pathway has no solution: {res.message}")
        x = np.round(res.x)
        x[self.o_y : self.o_e] *= self.step  # back to m², 元, rooms
        return x, bool(res.status == 0)


def _after(work: Work, values: pd.DataFrame, prog: _Program, x: np.ndarray) -> pd.DataFrame:
    """The wide values after the additions (recomputed by the split rule, as section_values does)."""
    long = prog.long
    add = np.zeros(len(long))
    add[prog.t_rows] = x[prog.o_t : prog.o_y]
    add[prog.f_rows] = long["share"].to_numpy()[prog.f_rows] * x[prog.o_y + prog.f_index]
    value = (long["amount"] + add) * long["per"] / long["students"]
    wide = values.copy()
    for ind, block in long.assign(_v=value.to_numpy()).groupby("indicator", sort=False):
        wide[ind] = block.sort_values("row")["_v"].to_numpy()
    return wide


def _cv_floors(work: Work, prog: _Program, after: pd.DataFrame) -> bool:
    """Raise the floors of every stage × indicator whose CV is over its limit; True if any was."""
    bal = balance_from_values(after, work.std, by=["stage"])
    bad = bal[bal["limit"].notna() & (bal["passes"] == False)]  # noqa: E712 - NA-aware
    if bad.empty:
        return False
    long = prog.long
    value_after = np.zeros(len(long))
    for ind in long["indicator"].unique():
        mask = (long["indicator"] == ind).to_numpy()
        value_after[mask] = after[ind].to_numpy(dtype="float64")[long["row"].to_numpy()[mask]]
    for r in bad.itertuples(index=False):
        mask = ((long["stage"] == r.stage) & (long["indicator"] == r.indicator)).to_numpy()
        block = long[mask]
        students, per = block["students"].to_numpy(dtype="float64"), block["per"].to_numpy()
        amount = value_after[mask] * students / per
        _, level = _water_fill(amount, students, per, block["gap_integer"].to_numpy(), float(r.limit))
        prog.floor[mask] = np.maximum(prog.floor[mask], level * students / per)
    return True


def solve(work: Work) -> dict:
    """Solve R1–R7 on ``work`` and apply the result to its tables; the method used."""
    values, long = _sections(work)
    prog = _Program(work, values, long)
    method = "exact"
    for _ in range(_MAX_ROUNDS):
        x, proven = prog.solve()
        if not proven:
            method = "estimate"
        after = _after(work, values, prog, x)
        if not _cv_floors(work, prog, after):
            break
        method = "estimate"
    else:
        raise AnalysisError("the resource pathway could not bring every CV within its limit")
    # the solution's actions, hires and changed sections and facilities
    _record_hires(work, values, prog, x, method)
    _record_facilities(work, prog, x, method)
    return {"method": method}


def _record_hires(work: Work, values: pd.DataFrame, prog: _Program, x: np.ndarray, method: str) -> None:
    long = prog.long
    h = x[: prog.n_sec].astype(np.int64)
    teach = long.loc[prog.t_rows, ["row", "indicator", "column"]].assign(t=x[prog.o_t : prog.o_y])
    attrs = teach.pivot(index="row", columns="column", values="t").reindex(range(prog.n_sec)).fillna(0)
    attrs = attrs.astype(np.int64)
    hired = values[["school_id", "stage"]].assign(n=h).join(attrs)
    # the teachers G5's classes need in sections the resource indicators do not measure
    # (a teaching point under 50 pupils): hired all the same, with no attribute required
    seen = set(zip(values["school_id"], values["stage"], strict=True))
    outside = [(*k, n) for k, n in work.class_hires.items() if k not in seen and n > 0]
    if outside:
        extra = pd.DataFrame(outside, columns=["school_id", "stage", "n"]).assign(
            **dict.fromkeys(attrs.columns, 0)
        )
        hired = pd.concat([hired, extra], ignore_index=True)
    hired = hired[hired["n"] > 0].reset_index(drop=True)
    if hired.empty:
        return
    sec = work.ds.sections
    key = pd.MultiIndex.from_frame(hired[["school_id", "stage"]])
    at = pd.Series(np.arange(len(sec)), index=pd.MultiIndex.from_frame(sec[["school_id", "stage"]]))
    at = at[(sec["year"] == work.year).to_numpy()]
    rows = at.reindex(key).to_numpy()
    for col in ["teachers", *attrs.columns]:
        sec = structure.add_to(sec, rows, col, hired["n" if col == "teachers" else col])
    work.set(sections=sec)
    # which indicators each section's hires count toward (and G5 where its classes needed them)
    ind_of = teach.drop_duplicates("column").set_index("column")["indicator"]
    label = pd.Series("", index=hired.index)
    seq = long.drop_duplicates("column").set_index("column")["seq"]
    for col in sorted(attrs.columns, key=lambda c: seq[c]):
        label += np.where(hired[col] > 0, ind_of[col] + ",", "")
    from_classes = [
        work.class_hires.get(k, 0) > 0 for k in zip(hired["school_id"], hired["stage"], strict=True)
    ]
    label += np.where(from_classes, "G5", "")
    work.hires += hired.to_dict("records")
    work.act_all(
        hired.assign(
            indicator=label.str.rstrip(","),
            action="hire_teachers",
            quantity=hired["n"],
            unit="teachers",
            cost_key="teacher_per_year",
            method=method,
        ).drop(columns="n")
    )
    for col in attrs.columns:
        if work.prices[PREMIUM_KEYS[col]] > 0:
            paid = hired[hired[col] > 0]
            work.act_all(
                paid[["school_id", "stage"]].assign(
                    indicator=ind_of[col],
                    action=f"premium_{col}",
                    quantity=paid[col],
                    unit="teachers",
                    cost_key=PREMIUM_KEYS[col],
                    method=method,
                )
            )


def _record_facilities(work: Work, prog: _Program, x: np.ndarray, method: str) -> None:
    long = prog.long
    fk = prog.fkeys.assign(y=x[prog.o_y : prog.o_e])
    fk = fk[fk["y"] > 1e-9].reset_index(drop=True)
    if fk.empty:
        return
    info = long.drop_duplicates("indicator").set_index("indicator")
    fk["column"] = fk["indicator"].map(info["column"])
    fac = work.ds.facilities
    stage = fk["fac_stage"].where(fk["fac_stage"] != "", None)
    rows = structure.target_rows(fac, work.year, fk["school_id"], stage)
    for col, block in fk.groupby("column", sort=False):
        fac = structure.add_to(fac, rows[block.index.to_numpy()], col, block["y"].to_numpy())
    work.set(facilities=fac)
    work.act_all(
        fk[["school_id", "indicator"]].assign(
            stage=fk["fac_stage"],
            action="add_" + fk["column"],
            quantity=fk["y"],
            unit=fk["indicator"].map(info["gap_unit"]),
            cost_key=fk["indicator"].map(info["cost_key"]),
            method=method,
        )
    )
