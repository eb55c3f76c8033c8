"""达标路径: the least-cost set of actions after which every indicator money or an
administrative action can move passes, for one county-year, and the data after it.

Steps, in order (each changes the data the next one measures — see the modules):

1. :mod:`.structure` — G4 pupils moved (or new places), G5 classes re-formed and added with
   their classrooms and teachers, G3 music and art rooms built or rebuilt;
2. :mod:`.resources` — R1–R7 as one integer program (``scipy.optimize.milp``): hires as
   people who count toward every R their attributes fit, facility additions split as the
   data split them, the per-school rule exactly, the CVs by floors when they bind;
3. :mod:`.people` — G9 training hours, G12 certificates, G11 extra rotations;
4. everything else (vetoes, Q, S, the county-input G indicators) that fails or lacks data:
   listed as unpriced actions with what the data say today.

The structural steps take the fewest rooms, classes and places the rules allow (each school
and grade on its own, so that is exact), except where G4's pupils go, which is a nearness
rule; the resource step is exact unless a CV needed a floor. ``Pathway.method`` is ``exact``
(最低费用) only when every action is exact — no pupil moved, no CV floor — else ``estimate``
(估算): never call an estimate least-cost.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from eduwb.analysis.balance import yuan_parameter
from eduwb.analysis.scope import resolve_year
from eduwb.analysis.teachers import training_hours_min
from eduwb.data.dataset import memoised
from eduwb.errors import ParameterError
from eduwb.standards import Standard

from . import people, resources, structure
from .costs import Prices, costs_table, prices
from .schedule import schedule, target_year

#: The indicators the pathway moves with money or an administrative action.
MOVABLE = ("R1", "R2", "R3", "R4", "R5", "R6", "R7", "G3", "G4", "G5", "G9", "G11", "G12")

_ACTION_COLUMNS = (
    "action_id indicator action school_id school_name stage grade target_school_id quantity unit rooms "
    "teachers teachers_above_degree backbone_teachers pe_art_teachers cost_key unit_cost cost_yuan method"
).split()


@dataclass
class Pathway:
    """One county-year's pathway: its actions, the data after them, and how it was found."""

    year: int
    target_year: int
    method: str
    actions: pd.DataFrame
    unpriced: pd.DataFrame
    prices: Prices
    applied: object

    @property
    def total_yuan(self) -> float:
        return float(self.actions["cost_yuan"].sum())


def _hire_rows(work: structure.Work) -> None:
    """The hires as teacher rows (certified, trained; backbone ``county`` for those who are)."""
    t = work.ds.teachers
    if t is None or not work.hires:
        return
    h = pd.DataFrame(work.hires)
    h = h[h["n"] > 0]
    n = h["n"].to_numpy(dtype=np.int64)
    rows = np.repeat(np.arange(len(h)), n)
    k = np.arange(n.sum()) - np.repeat(np.cumsum(n) - n, n)
    taken = set(t["teacher_id"])
    ids = [f"H{work.year}{i:05d}" for i in range(len(rows) + len(taken))]
    ids = [i for i in ids if i not in taken][: len(rows)]
    new = pd.DataFrame(
        {
            "teacher_id": ids,
            "year": work.year,
            "school_id": h["school_id"].to_numpy(dtype=object)[rows],
            "stage": h["stage"].to_numpy(dtype=object)[rows],
            "sex": np.where(k % 2 == 0, "female", "male"),
            "birth_year": work.year - 25,
            "backbone": np.where(k < h["backbone_teachers"].to_numpy()[rows], "county", "none"),
            "years_at_school": 0,
            "certified": True,
            "training_hours_5y": float(training_hours_min(work.std) or 0),
        }
    )
    work.set(teachers=pd.concat([t, new.astype(t.dtypes.to_dict())], ignore_index=True))


def _actions(work: structure.Work) -> pd.DataFrame:
    acts = (
        pd.concat(work.actions, ignore_index=True) if work.actions else pd.DataFrame(columns=_ACTION_COLUMNS)
    )
    for col in _ACTION_COLUMNS:
        if col not in acts.columns:
            acts[col] = pd.NA
    names = work.ds.schools.set_index("school_id")["name"]
    acts["school_name"] = acts["school_id"].map(names)
    acts["cost_key"] = acts["cost_key"].fillna("").replace({"yuan": "equipment_yuan"})
    acts["unit_cost"] = [work.prices[k] if k else 0.0 for k in acts["cost_key"]]
    acts["cost_yuan"] = acts["quantity"].astype("float64") * acts["unit_cost"]
    acts["action_id"] = np.arange(1, len(acts) + 1)
    acts["grade"] = pd.to_numeric(acts["grade"], errors="coerce").astype("Int64")
    return acts[_ACTION_COLUMNS].reset_index(drop=True)


def _unpriced(ds, std: Standard, year: int, card: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every indicator outside :data:`MOVABLE` that does not pass (failing or without data), every
    movable one without data, and every veto that applies or is not declared: ``kind, indicator,
    name, status, value, evidence``."""
    from eduwb.analysis import scorecard

    if card is None:
        card = scorecard.scorecard_table(ds, std, year=year)
    movable = card["indicator"].isin(MOVABLE)
    # a movable indicator without data (G11 in a county's first year) is beyond the pathway too
    rows = card[(~movable & (card["status"] != "pass")) | (movable & (card["status"] == "missing"))]
    out = [rows.assign(kind="indicator")]
    vetoes = card.attrs.get("vetoes")
    if vetoes is not None and len(vetoes):
        applies = vetoes["applies"].astype(bool)
        open_ = vetoes[applies | ~vetoes["declared"].astype(bool)].rename(columns={"veto": "indicator"})
        applies = applies[open_.index]
        status, value = np.where(applies, "fail", "missing"), np.where(applies, "是", "")
        out.append(open_.assign(status=status, value=value, kind="veto"))
    out = pd.concat(out, ignore_index=True)
    return out[["kind", "indicator", "name", "status", "value", "evidence"]]


def pathway(ds, std: Standard, year=None, *, with_unpriced: bool = True, **options) -> Pathway:
    """The pathway of ``ds`` in ``year`` (options: unit-cost overrides, as ``--param``).

    ``with_unpriced=False`` skips the list of unpriced items (it needs the year's scorecard,
    which the province view has already).

    The pathway is solved once per dataset load, standard, year, options and county settings
    (kept on the dataset like its scorecards): every table of a report, the dashboard's button
    and :func:`next_year` asked again for the same data share one solve.
    """
    if std.school_rule is None or std.balance_test != "each":
        raise ParameterError(
            f"standard {std.id}: the pathway needs a per-school rule and per-indicator CV limits"
        )
    year = resolve_year(ds, year)
    pw = memoised(ds, _memo_key("pathway", ds, std, year, options), lambda: _solve(ds, std, year, options),
                  pins=(std,))  # fmt: skip
    return replace(
        pw,
        actions=pw.actions.copy(),
        unpriced=_unpriced(ds, std, year) if with_unpriced else pd.DataFrame(),
    )


def _memo_key(what: str, ds, std: Standard, year: int, options: dict) -> tuple:
    """The key a pathway result is kept under on its dataset (see :func:`eduwb.data.dataset.memoised`):
    the standard, the year, the options and the county's settings (unit costs, cap) as they are now."""
    shown = tuple(sorted((str(k), repr(v)) for k, v in options.items()))
    return (what, id(std), int(year), shown, repr(getattr(ds, "settings", None)))


def _solve(ds, std: Standard, year: int, options: dict) -> Pathway:
    """The pathway of ``ds`` in ``year``, without the unpriced items."""
    work = structure.Work(ds=ds, std=std, year=year, prices=prices(ds, std, options))
    structure.school_size(work)
    structure.class_sizes(work)
    structure.music_art_rooms(work)
    solved = resources.solve(work)
    _hire_rows(work)
    people.training(work)
    people.certification(work)
    people.rotations(work)
    acts = _actions(work)
    return Pathway(
        year=year,
        target_year=target_year(ds, year),
        method="exact" if solved["method"] == "exact" and (acts["method"] == "exact").all() else "estimate",
        actions=acts,
        unpriced=pd.DataFrame(),
        prices=work.prices,
        applied=work.ds,
    )


#: What each action adds to the province's bill: the bill's item (an indicator id where the
#: action serves one resource indicator), and whether its quantity counts (a premium's does not:
#: its teachers are already among the hires).
BILL_ITEMS = {
    "hire_teachers": "teachers", "staff_new_campus": "teachers",
    "premium_teachers_above_degree": "teachers", "premium_backbone_teachers": "teachers",
    "premium_pe_art_teachers": "teachers",
    "add_teaching_aux_area_m2": "R4", "add_sports_field_area_m2": "R5", "add_equipment_value_yuan": "R6",
    "add_multimedia_rooms": "R7",
    "build_classrooms": "classrooms", "add_classes": "classes",
    "build_music_rooms": "music_art_rooms", "build_art_rooms": "music_art_rooms",
    "rebuild_music_room": "music_art_rooms", "rebuild_art_room": "music_art_rooms",
    "move_pupils": "moved_pupils", "new_campus_places": "places",
    "train_teachers": "training", "certify_teachers": "certificates", "rotate_teachers": "rotations",
}  # fmt: skip
#: The bill's items in the order it lists them, with the unit of their quantity.
BILL_UNITS = {
    "teachers": "teachers", "R4": "m2", "R5": "m2", "R6": "yuan", "R7": "rooms", "classes": "classes",
    "classrooms": "rooms", "music_art_rooms": "rooms", "moved_pupils": "pupils", "places": "places",
    "training": "hours", "certificates": "teachers", "rotations": "teachers",
}  # fmt: skip


def bill_rows(actions: pd.DataFrame) -> pd.DataFrame:
    """The pathway's actions as bill items: ``stage, indicator`` (the item), ``gap_unit,
    addition, schools_raised, cost_yuan`` — one row per stage × item with an action (a
    school-wide or county-wide action has stage ``""``). Rooms count rooms (classrooms, music
    and art rooms), not m²."""
    acts = actions[actions["action"].isin(list(BILL_ITEMS))]
    item = acts["action"].map(BILL_ITEMS)
    counts = acts["quantity"].astype("float64")
    counts = counts.where(~acts["action"].str.startswith("premium_"), 0.0)
    by_room = item.isin(["classrooms", "music_art_rooms"]).to_numpy()
    counts = counts.where(~by_room, pd.to_numeric(acts["rooms"], errors="coerce").fillna(0.0))
    rows = pd.DataFrame(
        {
            "stage": acts["stage"].fillna("").astype(str).to_numpy(),
            "indicator": item.to_numpy(),
            "addition": counts.to_numpy(),
            "school": acts["school_id"].fillna("").astype(str).to_numpy(),
            "cost_yuan": acts["cost_yuan"].astype("float64").to_numpy(),
        }
    )
    out = rows.groupby(["stage", "indicator"], sort=False).agg(
        addition=("addition", "sum"),
        schools_raised=("school", lambda s: int(s[s != ""].nunique())),
        cost_yuan=("cost_yuan", "sum"),
    )
    out = out.reset_index()
    out.insert(2, "gap_unit", out["indicator"].map(BILL_UNITS))
    order = {k: i for i, k in enumerate(BILL_UNITS)}
    # several columns: a stable sort (lexsort), like mergesort on one
    out = out.sort_values(["indicator", "stage"], key=lambda s: s.map(order) if s.name == "indicator" else s)
    return out.reset_index(drop=True)


# ----------------------------------------------------------------------------- tables


def _cap(ds, options: dict) -> float | None:
    raw = options.pop("annual_budget_yuan", None)
    if raw is None:
        raw = (getattr(ds.settings, "pathway", {}) or {}).get("annual_budget_yuan")
    return None if raw is None else yuan_parameter("annual_budget_yuan", raw)


def pathway_tables(
    ds, std: Standard, *, year=None, stage=None, with_applied: bool = False, **options
) -> dict[str, pd.DataFrame]:
    """Every table of the pathway from ONE solve: actions, schedule, costs by indicator,
    school and year, the misses, the unpriced actions and the unit costs used (and, with
    ``with_applied``, ``"applied"``: the dataset after the actions)."""
    if stage is not None:
        raise ParameterError("the pathway covers every stage at once; --stage does not apply")
    options = dict(options)
    cap = _cap(ds, options)
    pw = pathway(ds, std, year, **options)
    acts = pw.actions
    sched, by_year, misses = schedule(ds, std, acts, pw.year, cap)
    by_ind = acts.groupby("indicator", sort=False, as_index=False).agg(
        actions=("action_id", "size"), cost_yuan=("cost_yuan", "sum")
    )
    by_school = (
        acts[acts["school_id"].fillna("") != ""]
        .groupby(["school_id", "school_name"], as_index=False, dropna=False)
        .agg(actions=("action_id", "size"), cost_yuan=("cost_yuan", "sum"))
        .sort_values(["cost_yuan", "school_id"], ascending=[False, True], kind="mergesort")
    )
    used = set(acts["cost_key"].astype(str)) - {""}
    summary = pd.DataFrame(
        {
            "year": [pw.year],
            "target_year": [pw.target_year],
            "method": [pw.method],
            "actions": [len(acts)],
            "cost_yuan": [pw.total_yuan],
            "unpriced": [len(pw.unpriced)],
            "feasible_in_cap": [misses.empty],
        }
    )
    out = {
        "pathway_summary": summary,
        "pathway": acts,
        "pathway_schedule": sched,
        "pathway_by_indicator": by_ind,
        "pathway_by_school": by_school.reset_index(drop=True),
        "pathway_by_year": by_year.reset_index(drop=True),
        "pathway_misses": misses,
        "pathway_unpriced": pw.unpriced,
        "pathway_costs": costs_table(pw.prices, used),
    }
    if with_applied:
        out["applied"] = pw.applied
    return out


# ----------------------------------------------------------------------------- next year


def next_year(ds, std: Standard, year=None, **options) -> dict:
    """ "下一年达标的最低费用路径": the pathway of ``year``'s data (default: the latest), applied.

    For the dashboard's button and the province's readiness. ``options``: unit-cost overrides and
    ``annual_budget_yuan`` (default: county.toml's cap, none if unset). Returns ``applied`` (the
    dataset after the actions), ``actions``, ``total_yuan``, ``method`` (``exact``: least-cost, 最低;
    ``estimate``: 估算), ``cap_yuan``, ``within_cap`` (the total fits one year's cap), ``verdict``
    (``pass``/``fail``/``incomplete`` after the actions, :func:`eduwb.analysis.scorecard.judge`),
    ``passes`` (verdict ``pass`` and within the cap), ``blocks`` (what stops the county passing next
    year: the unpriced failing or missing indicators and vetoes, and a ``budget`` row with the money
    short) and ``card`` (the scorecard after the actions). Computed once per dataset load, standard,
    year, options and county settings (the button pressed again answers at once); the frames are
    copies."""
    key = _memo_key("next_year", ds, std, resolve_year(ds, year), options)
    done = memoised(ds, key, lambda: _next_year(ds, std, year, options), pins=(std,))
    return {k: v.copy() if isinstance(v, pd.DataFrame) else v for k, v in done.items()}


def _next_year(ds, std: Standard, year, options: dict) -> dict:
    from eduwb.analysis import scorecard

    options = dict(options)
    cap = _cap(ds, options)
    pw = pathway(ds, std, year, with_unpriced=False, **options)
    card = scorecard.scorecard_table(pw.applied, std, year=pw.year)
    judged = scorecard.judge(card, std)
    within = cap is None or pw.total_yuan <= cap + 1e-6
    blocks = _unpriced(pw.applied, std, pw.year, card)
    if not within:
        short = {"kind": "budget", "indicator": "", "name": "annual_budget_yuan", "status": "fail",
                 "value": f"{pw.total_yuan - cap:.0f}",
                 "evidence": f"cost {pw.total_yuan:.0f} > cap {cap:.0f}"}  # fmt: skip
        blocks = pd.concat([blocks, pd.DataFrame([short])], ignore_index=True)
    return {
        "year": pw.year,
        "applied": pw.applied,
        "actions": pw.actions,
        "total_yuan": pw.total_yuan,
        "method": pw.method,
        "cap_yuan": cap,
        "within_cap": within,
        "verdict": judged["verdict"],
        "passes": judged["verdict"] == "pass" and within,
        "blocks": blocks,
        "card": card,
    }
