"""What if? A county-year's resource indicators, per-school rule, CVs and verdict after changes.

The dashboard's simulator, in two steps. :func:`prepare` (once per county and year, a second or
so) keeps the per-section values and thresholds (:func:`eduwb.analysis.balance.ratios`), the
unit costs and the full scorecard, whose other rows and vetoes a change of resources leaves as
they are. :func:`apply` (per change, well under a millisecond) adds amounts to a section's
inputs (data dictionary columns) or to an indicator's amount (``R4`` m², as the plan counts
them) and judges again with the one implementation of each rule: balance's per-school rule and
weighted CV, judging's R-row status and :func:`eduwb.analysis.scorecard.judge`. How an input
moves an indicator is read from the standard's formulas (each is linear in its columns, so the
coefficients come from evaluating it on unit inputs): the standard stays data.

Structural levers (G3 rooms, G5 classes, G4 pupils moved, G11 rotations) carry an ``edit``: the
data are changed by the pathway's own functions (:func:`edited`) and the G rows they touch
judged again by the scorecard (:func:`structural_rows`); their effect on the R amounts goes
through :func:`apply`. Only standards with a per-school rule and a CV test per indicator
(moe-2017) can be simulated.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from eduwb import numbers
from eduwb.analysis import balance, judging, plan, resources, scorecard
from eduwb.analysis.scope import resolve_year
from eduwb.data.schema import GRADES_BY_STAGE, TABLES
from eduwb.errors import InputError, ParameterError
from eduwb.standards import Standard

#: The teacher columns a hired (or moved) teacher may count in, by the flag that says so.
TEACHER_KINDS = {
    "above_degree": "teachers_above_degree",
    "backbone": "backbone_teachers",
    "pe_art": "pe_art_teachers",
}

#: Amounts that are part of another amount of the same row (data dictionary ``part_of``),
#: e.g. the indoor sports rooms, counted in the teaching and auxiliary rooms.
_COLUMNS = {c.name: c for table in ("sections", "facilities") for c in TABLES[table].columns}
PARTS = {c.name: c.part_of for c in _COLUMNS.values() if c.part_of}
#: The teacher columns a move takes teachers out of: the total and each kind.
MOVABLE = ("teachers", *TEACHER_KINDS.values())


@dataclass(frozen=True)
class Change:
    """One change to one school section: ``inputs`` maps an input column or indicator id to the
    amount added (negative to take away)."""

    school_id: str
    stage: str
    inputs: tuple[tuple[str, float], ...]
    cost_yuan: float = 0.0
    label: str = ""
    #: a structural action on the data (G3 rooms, G5 classes, G4 pupils, G11 rotations), as
    #: ``(kind, *arguments)`` of :data:`EDITS`; ``inputs`` then hold its effect on the R amounts
    edit: tuple = ()


@dataclass
class State:
    """A county-year prepared for :func:`apply` (see :func:`prepare`)."""

    std: Standard
    county: str
    year: int
    ids: list[str]
    sections: pd.DataFrame  # school_id, school_name, stage, students, row order of the arrays
    students: np.ndarray  # (n,)
    amount: np.ndarray  # (n, k) the indicators' amounts (teachers, m², 元, rooms)
    per: np.ndarray  # (k,)
    threshold: np.ndarray  # (n, k)
    stage_code: np.ndarray  # (n,) index into ``stages``
    stages: list[str]
    limit: np.ndarray  # (len(stages),) CV limit per stage
    coefficients: dict[str, np.ndarray]  # input column or indicator id → (k,) effect on the amounts
    unit_cost: dict[str, float]  # input column or indicator id → 元 per unit
    costs: dict[str, float]
    baseline_card: pd.DataFrame  # the full scorecard of the year (with attrs["vetoes"])
    values: pd.DataFrame  # the baseline section_values (for the plan)
    base_values: np.ndarray  # (n, k) the indicators' baseline values, as in ``values``
    teachers: np.ndarray  # (n, len(MOVABLE)) each section's teachers of each MOVABLE column
    row_of: dict[tuple[str, str], int] = field(default_factory=dict)
    plan: pd.DataFrame | None = None  # the costed plan's rows, filled lazily by plan_changes
    ds: Any = None  # the county's data the state was prepared from (for the structural levers)
    memo: dict = field(default_factory=dict)  # structural levers: prices, re-judged G rows


@dataclass
class Result:
    """What :func:`apply` returns: everything the dashboard shows after the changes."""

    values: np.ndarray  # (n, k)
    ratio: np.ndarray  # (n, k) value ÷ threshold
    met: np.ndarray  # (n, k) bool
    met_count: np.ndarray  # (n,)
    weakest_ratio: np.ndarray  # (n,)
    passes: np.ndarray  # (n,) the per-school rule
    cv: np.ndarray  # (len(stages), k), NaN where undefined or no section
    cv_passes: np.ndarray  # (len(stages), k) bool (True where nothing is tested)
    resource_status: dict[str, str]  # R id → pass / fail / missing
    dimensions: dict[str, str]
    verdict: str
    failing: list[str]
    cost_yuan: float
    #: the G rows the structural changes re-judged: id → ``status, value, evidence …`` (Chinese)
    rows: dict[str, dict[str, Any]] = field(default_factory=dict)


# ----------------------------------------------------------------------------- preparing


def formula_coefficients(std: Standard, columns: Iterable[str]) -> dict[str, np.ndarray]:
    """How one unit of each input column moves each resource indicator's amount (the formula
    evaluated at 0, 1 and 2 of it; a formula not linear in a column is refused)."""
    ids = resources.indicator_ids(std)
    columns = sorted(set(columns))
    out: dict[str, np.ndarray] = {}
    for col in columns:
        effect = np.zeros(len(ids))
        for j, ind in enumerate(std.resource_indicators):
            names = resources.formula_columns(ind.formula or "")
            if col not in names:
                continue
            unit = {c: [0.0, 0.0, 0.0] for c in names}
            unit[col] = [0.0, 1.0, 2.0]
            got = pd.DataFrame(unit).eval(ind.formula).to_numpy(dtype="float64")
            if not np.isclose(got[2] - got[1], got[1] - got[0]):
                raise ParameterError(
                    f"{ind.id}: formula {ind.formula!r} is not linear in {col}; it cannot be simulated"
                )
            effect[j] = got[1] - got[0]
        out[col] = effect
    out.update(zip(ids, np.eye(len(ids)), strict=True))  # an indicator's own amount: itself
    return out


def built_inputs(
    std: Standard, coefficients: dict[str, np.ndarray], costs: dict[str, float]
) -> tuple[dict[str, np.ndarray], dict[str, float]]:
    """The simulator's inputs as things built: their effects and their unit costs (that of the first
    indicator an input raises).

    An amount that is part of another of the same row (the data dictionary's ``part_of``: the
    teaching and auxiliary rooms include the indoor sports rooms) is built as part of it: adding
    m² of indoor sports hall adds them to the teaching and auxiliary rooms as well (so R4, which
    takes the hall out again, stays as it was, and R5 rises), and they cost what the whole costs
    per unit (a building, ``building_m2`` under moe-2017, not the sports-ground rate).
    """
    keys = [ind.cost_key for ind in std.resource_indicators]
    unit_cost = {}
    for name, effect in coefficients.items():
        raised = np.flatnonzero(effect > 0)
        unit_cost[name] = float(costs.get(keys[raised[0]], 0.0)) if len(raised) else 0.0
    built = dict(coefficients)
    for part, whole in PARTS.items():
        if part in built and whole in built:
            built[part] = coefficients[part] + coefficients[whole]
            unit_cost[part] = unit_cost[whole]
    return built, unit_cost


def prepare(
    ds,
    std: Standard,
    year: int | None = None,
    *,
    options: dict[str, Any] | None = None,
    card: pd.DataFrame | None = None,
    like: State | None = None,
) -> State:
    """Everything :func:`apply` needs for one county and year; ``card`` and ``like`` (a state whose
    costs and coefficients hold for ``ds`` too) spare recomputing them."""
    if std.school_rule is None or std.balance_test != "each":
        raise ParameterError(
            f"standard {std.id}: the simulator needs a per-school "
            "rule and a CV limit per indicator (moe-2017)"
        )
    year = resolve_year(ds, year)
    values = resources.section_values(ds, std, years=[year])
    if values.attrs.get("missing"):
        raise ParameterError(
            f"standard {std.id}: the data lack inputs of {', '.join(values.attrs['missing'])}"
        )
    ids = resources.indicator_ids(std)
    n, k = len(values), len(ids)
    long = balance.ratios(values, std, keys=[])  # indicator by indicator, each in the order of values
    amount = long["amount"].to_numpy(dtype="float64").reshape(k, n).T.copy()
    threshold = long["threshold"].to_numpy(dtype="float64").reshape(k, n).T.copy()
    per = long["per"].to_numpy(dtype="float64").reshape(k, n)[:, 0].copy() if n else np.ones(k)
    stages = list(std.stages)
    stage_code = values["stage"].map({s: i for i, s in enumerate(stages)}).to_numpy(dtype="int64")
    if like is not None and like.std is std:
        costs, coefficients, unit_cost = like.costs, like.coefficients, like.unit_cost
    else:
        costs = balance.unit_costs(ds, options)
        inputs = set(resources.SECTION_AMOUNTS) | set(resources.FACILITY_AMOUNTS)
        coefficients, unit_cost = built_inputs(std, formula_coefficients(std, inputs), costs)
    sections = values[["school_id", "school_name", "stage", "students"]].reset_index(drop=True)
    if card is None:
        card = scorecard.scorecard_table(ds, std, year=year)
    sec = ds.sections[ds.sections["year"] == year].drop_duplicates(["school_id", "stage"])
    keys = pd.MultiIndex.from_frame(sections[["school_id", "stage"]])
    teachers = sec.set_index(["school_id", "stage"]).reindex(keys)  # each section's MOVABLE columns
    return State(
        std=std,
        county=ds.name,
        year=year,
        ids=ids,
        sections=sections,
        students=values["students"].to_numpy(dtype="float64"),
        amount=amount,
        per=per,
        threshold=threshold,
        stage_code=stage_code,
        stages=stages,
        limit=np.array([std.cv_limit(s) for s in stages], dtype="float64"),
        coefficients=coefficients,
        unit_cost=unit_cost,
        costs=costs,
        baseline_card=card,
        values=values,
        base_values=values[ids].to_numpy(dtype="float64"),
        teachers=teachers[list(MOVABLE)].to_numpy(dtype="float64", na_value=np.nan),
        row_of={key: i for i, key in enumerate(keys)},
        ds=ds,
    )


# ----------------------------------------------------------------------------- changes


def add(state: State, school_id: str, stage: str, column: str, amount: float, label: str = "") -> Change:
    """Add ``amount`` of one input column or indicator amount, costed at its unit cost."""
    if column not in state.coefficients:
        raise InputError(
            (
                f"没有可增加的“{column}”；可增加的有：{'、'.join(sorted(state.coefficients))}",
                f"unknown input {column!r}; known: {', '.join(sorted(state.coefficients))}",
            ),
            name="column",
            value=column,
        )
    _row(state, school_id, stage)
    whole = _COLUMNS[column].dtype == "int" if column in _COLUMNS else state.std.indicator(column).gap_integer
    value = checked_amount(amount, column, input_name(state, column), whole=whole)
    return Change(str(school_id), stage, ((column, value),), value * state.unit_cost[column], label)


def hire(
    state: State,
    school_id: str,
    stage: str,
    teachers: int,
    *,
    above_degree: bool = True,
    backbone: bool = False,
    pe_art: bool = False,
    label: str = "",
) -> Change:
    """``teachers`` new teachers at a section, each costing ``teacher_per_year`` once whatever
    teacher columns their flags count them in."""
    n = checked_amount(teachers, "teachers", input_name(state, "teachers"), whole=True)
    flags = {"above_degree": above_degree, "backbone": backbone, "pe_art": pe_art}
    inputs = [("teachers", n)] + [(TEACHER_KINDS[f], n) for f, on in flags.items() if on]
    _row(state, school_id, stage)
    cost = n * float(state.costs.get("teacher_per_year", 0.0))
    return Change(str(school_id), stage, tuple(inputs), cost, label)


def move_teacher(
    state: State,
    source: tuple[str, str],
    target: tuple[str, str],
    *,
    teachers: int = 1,
    label: str = "",
    **flags: bool,
) -> list[Change]:
    """``teachers`` of the kind :func:`hire`'s ``flags`` say moved from one section to another:
    two changes, no cost; refused when the source has fewer such teachers than leave it."""
    out = []
    for (school_id, stage), sign in ((source, -1.0), (target, 1.0)):
        change = hire(state, school_id, stage, teachers, **flags)
        inputs = tuple((c, sign * a) for c, a in change.inputs)
        out.append(Change(str(school_id), stage, inputs, 0.0, label))
    check(state, out[:1])  # the movers leave the source (arriving there too would not count)
    return out


def check(state: State, changes: Sequence[Change]) -> None:
    """Refuse changes moving more teachers of a kind out of a section than it has with those the
    other changes bring in."""
    moves = [(c, column, amount) for c in changes for column, amount in c.inputs if column in MOVABLE]
    if not any(amount < 0 for *_, amount in moves):
        return
    leaving, arriving = np.zeros_like(state.teachers), np.zeros_like(state.teachers)
    for change, column, amount in moves:
        at = (_row(state, change.school_id, change.stage), MOVABLE.index(column))
        (leaving if amount < 0 else arriving)[at] += abs(amount)
    have = state.teachers + arriving
    over = np.argwhere(leaving > have + resources.EPS)
    if not len(over):
        return
    row, col = over[0]
    sec, column = state.sections.iloc[row], MOVABLE[col]
    out, there = numbers.plain(leaving[row, col]), numbers.plain(have[row, col])
    zh_place = f"{sec['school_name']}（{state.std.stage_name(sec['stage'], 'zh')}）"
    en_place = f"{sec['school_name']} ({state.std.stage_name(sec['stage'], 'en')})"
    raise InputError(
        (
            f"不能从{zh_place}调出 {out} 名教师：多于该学段的{_COLUMNS[column].zh}（{there}）",
            f"cannot move {out} teachers out of {en_place}: more than its {column} ({there})",
        ),
        name="teachers",
        value=leaving[row, col],
    )


def input_name(state: State, name: str) -> tuple[str, str]:
    """An input as a person knows it, ``(zh, en)``: its dictionary name or its indicator's name."""
    if name in _COLUMNS:
        return f"{_COLUMNS[name].zh}（{name}）", name
    ind = state.std.indicator(name)
    return f"{ind.name('zh')}（{name}）", f"{ind.name('en')} ({name})"


def checked_amount(value: Any, name: str, words: tuple[str, str], *, whole: bool) -> float:
    """``value`` as an amount to add: a finite number ≥ 0, whole where ``whole``."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = float("nan")
    if isinstance(value, bool) or not np.isfinite(number) or number < 0 or (whole and number != int(number)):
        said = repr(value) if isinstance(value, str) else str(value)
        kind = ("非负整数", "a whole number ≥ 0") if whole else ("不小于 0 的有限数", "a finite number ≥ 0")
        raise InputError(
            (f"{words[0]}必须是{kind[0]}，不能是 {said}", f"{words[1]} must be {kind[1]}, not {said}"),
            name=name,
            value=value,
        )
    return number


def plan_changes(state: State) -> list[Change]:
    """The costed plan (:mod:`eduwb.analysis.plan`) as changes (computed once per state)."""
    if state.plan is None:
        long = plan.plan_long(state.values, state.std, state.costs)
        state.plan = long[long["addition"] > 0].reset_index(drop=True)
    rows = state.plan
    return [
        Change(str(r.school_id), r.stage, ((r.indicator, float(r.addition)),), float(r.cost_yuan), "plan")
        for r in rows.itertuples(index=False)
    ]


def next_year(state: State) -> tuple[State, dict[str, Any]]:
    """A state on the data after :func:`eduwb.analysis.pathway.next_year`'s actions, and its result."""
    from eduwb.analysis import pathway

    got = pathway.next_year(state.ds, state.std, state.year)
    return prepare(got["applied"], state.std, got["year"], card=got["card"], like=state), got


def _row(state: State, school_id: str, stage: str) -> int:
    try:
        return state.row_of[(str(school_id), stage)]
    except KeyError:
        raise InputError(
            (
                f"{state.year} 年没有纳入评估的学校学段 {school_id}（{stage}）",
                f"no school section {school_id} ({stage}) in scope in {state.year}",
            ),
            name="school_id",
            value=school_id,
        ) from None


# ----------------------------------------------------------------------------- structural levers
# G3 rooms, G5 classes, G4 pupils, G11 rotations: each changes the data as the pathway's own
# step does (eduwb.analysis.pathway.structure / people), and the G rows it touches are judged
# again by the scorecard's own rule (scorecard.indicator_row) on the data after the changes.

#: kind of structural action → (the pathway's function applying it, the G rows it can move)
EDITS = {
    "rooms": ("build_rooms", ("G3",)),
    "classes": ("add_classes", ("G3", "G5")),
    "pupils": ("move_pupils", ("G3", "G4", "G5")),
    "rotations": ("rotate", ("G11",)),
}


def _prices(state: State):
    if "prices" not in state.memo:
        from eduwb.analysis.pathway.costs import prices

        state.memo["prices"] = prices(state.ds, state.std)
    return state.memo["prices"]


def edited(state: State, changes: Sequence[Change]):
    """The state's data after the structural changes (the pathway's functions, in order)."""
    from eduwb.analysis.pathway import people, structure

    work = structure.Work(ds=state.ds, std=state.std, year=state.year, prices=_prices(state))
    for change in changes:
        if change.edit:
            name = EDITS[change.edit[0]][0]
            getattr(structure if hasattr(structure, name) else people, name)(work, *change.edit[1:])
    return work.ds


def structural_rows(state: State, changes: Sequence[Change], lang: str = "zh") -> dict[str, dict[str, Any]]:
    """The G rows the structural changes can move, judged on the data after them (cached)."""
    edits = tuple(c.edit for c in changes if c.edit)
    if not edits:
        return {}
    key = (edits, lang)
    if key not in state.memo:
        ds = edited(state, changes)
        ids = {i for e in edits for i in EDITS[e[0]][1] if state.std.has_indicator(i)}
        same_classes = state.ds.classes is None or len(state.ds.classes) == len(ds.classes)
        if not any(e[0] in ("rooms", "classes") for e in edits) and same_classes:
            ids.discard("G3")  # pupils moved into grades that have classes: no class more, no room more
        ids = sorted(ids)
        state.memo[key] = {i: scorecard.indicator_row(ds, state.std, i, state.year, lang) for i in ids}
    return state.memo[key]


def build_rooms(
    state: State, school_id: str, stage: str, kind: str, rooms: int, area_m2: float, label: str = ""
) -> Change:
    """G3: ``rooms`` music or art rooms (``kind``) of ``area_m2`` each at a school (its section
    ``stage`` carries the floor area for R4), priced as building (``building_m2``)."""
    if kind not in ("music", "art"):
        raise InputError((f"没有“{kind}”教室", f"unknown kind of room {kind!r}"), name="kind", value=kind)
    n = checked_amount(rooms, "rooms", ("教室数", "rooms"), whole=True)
    area = checked_amount(area_m2, "area_m2", ("每间面积（m²）", "area per room (m²)"), whole=False)
    _row(state, school_id, stage)
    m2 = n * area
    cost = m2 * _prices(state)["building_m2"]
    return Change(str(school_id), stage, (("teaching_aux_area_m2", m2),), cost, label,
                  edit=("rooms", str(school_id), kind, int(n), area))  # fmt: skip


def add_classes(state: State, school_id: str, grade: int, classes: int, label: str = "") -> Change:
    """G5: ``classes`` more classes in a school's grade, each with a new classroom
    (``classroom_m2``, at ``building_m2``) and ``teachers_per_class`` teachers hired."""
    stage = next((s for s, grades in GRADES_BY_STAGE.items() if int(grade) in grades), None)
    if stage is None:
        raise InputError((f"没有 {grade} 年级", f"no grade {grade}"), name="grade", value=grade)
    n = checked_amount(classes, "classes", ("增设班级数", "classes to add"), whole=True)
    _row(state, school_id, stage)
    p = _prices(state)
    m2 = n * p.classroom_m2[stage]
    hires = float(np.ceil(n * p.teachers_per_class[stage] - 1e-9))
    cost = m2 * p["building_m2"] + hires * p["teacher_per_year"]
    return Change(str(school_id), stage, (("teaching_aux_area_m2", m2), ("teachers", hires)), cost, label,
                  edit=("classes", str(school_id), int(grade), int(n)))  # fmt: skip


def move_pupils(
    state: State,
    source: tuple[str, str],
    target: tuple[str, str],
    pupils: int,
    label: str = "",
    changes: Sequence[Change] = (),
) -> list[Change]:
    """G4: ``pupils`` moved from one school section to another of the same stage (no price);
    at most the pupils the source has after ``changes`` (the changes so far)."""
    n = checked_amount(pupils, "pupils", ("分流学生数", "pupils to move"), whole=True)
    if source[1] != target[1] or source[0] == target[0]:
        raise InputError(
            ("学生只能分流到另一所学校的同一学段", "pupils move to another school's section of their stage"),
            name="target", value=target[0],
        )  # fmt: skip
    row = _row(state, *source)
    have = state.students[row] + _added(state, changes)[1][row]
    _row(state, *target)
    if n > have:
        raise InputError(
            (f"不能分流 {numbers.plain(n)} 名学生：多于该学段的学生数（{numbers.plain(have)}）",
             f"cannot move {numbers.plain(n)} pupils: more than the section has ({numbers.plain(have)})"),
            name="pupils", value=n,
        )  # fmt: skip
    return [
        Change(str(source[0]), source[1], (("students", -n),), 0.0, label,
               edit=("pupils", str(source[0]), str(target[0]), source[1], int(n))),
        Change(str(target[0]), target[1], (("students", n),), 0.0, label),
    ]  # fmt: skip


def add_rotations(
    state: State, school_id: str, stage: str, teachers: int, backbone: int, label: str = ""
) -> Change:
    """G11: ``teachers`` more eligible teachers rotate this year, ``backbone`` of them backbone
    (chosen as the pathway chooses them), at ``rotation_move`` each."""
    m = checked_amount(teachers, "teachers", ("交流教师数", "teachers to rotate"), whole=True)
    b = checked_amount(backbone, "backbone", ("其中骨干教师数", "of them backbone"), whole=True)
    if b > m:
        raise InputError(
            ("骨干教师数不能多于交流教师数", "more backbone teachers than teachers rotating"),
            name="backbone",
            value=b,
        )
    _row(state, school_id, stage)
    cost = m * _prices(state)["rotation_move"]
    return Change(str(school_id), stage, (), cost, label, edit=("rotations", int(m), int(b)))


# ----------------------------------------------------------------------------- applying


def _added(state: State, changes: Sequence[Change]) -> tuple[np.ndarray, np.ndarray]:
    """The amounts added (n, k) and pupils moved in (+) or out (−) of each section (n,)."""
    added, moved = np.zeros_like(state.amount), np.zeros(len(state.students))
    for change in changes:
        row = _row(state, change.school_id, change.stage)
        for column, amount in change.inputs:
            if column == "students":
                moved[row] += amount
            else:
                added[row] += amount * state.coefficients[column]
    return added, moved


def apply(state: State, changes: Sequence[Change] = ()) -> Result:
    """The indicators, the per-school rule, the CVs and the verdict after ``changes`` (pure)."""
    check(state, changes)
    added, moved = _added(state, changes)
    students = state.students
    # the baseline values as balance has them, plus the changes (no change: the same bits)
    values = state.base_values + state.per * added / students[:, None]
    if moved.any():  # pupils moved: the amounts (with the changes) over the new pupils
        students = students + moved
        with np.errstate(divide="ignore", invalid="ignore"):
            after = state.per * (state.amount + added) / students[:, None]
        values = np.where(moved[:, None] != 0, after, values)
    ratio = balance.value_ratio(values, state.threshold)
    met = balance.reached(ratio)
    met_count = met.sum(axis=1)
    weakest = ratio.min(axis=1) if ratio.shape[1] else np.full(len(ratio), np.nan)
    passes = balance.rule_passes(met_count, weakest, state.std.school_rule)

    # the student-weighted CV per stage × indicator: balance's, over groups coded stage × k + indicator
    g, k = len(state.stages), values.shape[1]
    codes = (state.stage_code[:, None] * k + np.arange(k)).reshape(-1)
    total, _, _, cv = balance.grouped_cv(values.reshape(-1), np.repeat(students, k), codes, g * k)
    cv = np.where(total > 0, cv, np.nan).reshape(g, k)
    present = total.reshape(g, k)[:, 0] > 0
    tested = present[:, None] & ~np.isnan(cv)
    with np.errstate(invalid="ignore"):
        cv_passes = ~tested | balance.cv_passes(cv, state.limit[:, None])
    over = (~cv_passes).any(axis=0)
    undefined = (present[:, None] & np.isnan(cv)).any(axis=0)
    blame = (~met & ~passes[:, None]).any(axis=0)
    status = judging.resource_status(over, blame, undefined)
    resource_status = dict(zip(state.ids, status.tolist(), strict=True))

    rows = structural_rows(state, changes)
    judged = scorecard.judge(
        state.baseline_card, state.std, {**resource_status, **{i: r["status"] for i, r in rows.items()}}
    )
    cost = float(sum(c.cost_yuan for c in changes))
    return Result(
        values=values, ratio=ratio, met=met, met_count=met_count, weakest_ratio=weakest, passes=passes,
        cv=cv, cv_passes=cv_passes, resource_status=resource_status, dimensions=judged["dimensions"],
        verdict=judged["verdict"], failing=judged["failing"], cost_yuan=cost, rows=rows,
    )  # fmt: skip


# ----------------------------------------------------------------------------- tables


def failing_frame(state: State, result: Result) -> pd.DataFrame:
    """The sections failing the per-school rule, each short indicator's shortfall counted as
    :func:`eduwb.analysis.balance.shortfalls` counts it."""
    rows, cols = np.nonzero(~result.met & ~result.passes[:, None])
    students, per = state.students[rows], state.per[cols]
    threshold = state.threshold[rows, cols]
    need = (threshold - result.values[rows, cols]) * students / per
    inds = state.std.resource_indicators
    out = state.sections.iloc[rows][["school_id", "school_name", "stage"]].reset_index(drop=True)
    out["met_count"] = result.met_count[rows]
    out["indicator"] = np.asarray(state.ids, dtype=object)[cols]
    out["value"] = result.values[rows, cols]
    out["threshold"] = threshold
    out["shortfall"] = balance.whole_units(need, np.array([inds[c].gap_integer for c in cols], dtype=bool))
    out["gap_unit"] = [inds[c].gap_unit for c in cols]
    return out
