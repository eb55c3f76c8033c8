"""The pathway's structural actions, in the order they must happen: G4, then G5, then G3.

Each step works on a :class:`Work` — the county's tables with the year's rows changed so far —
and appends its actions. The order matters: pupils moved for G4 change class sizes (G5), the
classes G5 adds change the music and art rooms G3 needs, and all of them change what R1–R7
(:mod:`eduwb.analysis.pathway.resources`, last) measure. The assumptions of each step (where
pupils go, a new classroom for every extra class, the smallest room rebuilt) are written out in
docs/method.md, 13a 达标路径, steps 1–3.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from eduwb.analysis import classsize, guarantee
from eduwb.data.schema import GRADES_BY_STAGE
from eduwb.standards import Standard

from .campus import add_campus
from .costs import Prices

#: grade → its stage
GRADE_STAGE = {g: stage for stage, grades in GRADES_BY_STAGE.items() for g in grades}


@dataclass
class Work:
    """The dataset as the actions leave it (only ``year``'s rows change), and the actions so far."""

    ds: object
    std: Standard
    year: int
    prices: Prices
    actions: list[dict] = field(default_factory=list)
    #: minimum hires per (school_id, stage), from the classes G5 adds
    class_hires: dict[tuple[str, str], int] = field(default_factory=dict)
    #: teachers hired, as ``school_id, stage, n`` and the attribute columns (:data:`.amounts.PREMIUM_KEYS`)
    hires: list[dict] = field(default_factory=list)

    def set(self, **frames) -> None:
        self.ds = replace(self.ds, **frames)

    def act(self, *, cost_key: str = "", method: str = "exact", **row) -> None:
        self.actions.append(pd.DataFrame([{**row, "cost_key": cost_key, "method": method}]))

    def act_all(self, rows: pd.DataFrame, **same) -> None:
        """Record one action per row of ``rows`` (columns of the actions table), with ``same`` on all."""
        if len(rows):
            self.actions.append(rows.assign(**same).reset_index(drop=True))


def _class_limit(std: Standard, grades: pd.Series) -> np.ndarray:
    stage = grades.map(GRADE_STAGE)
    return stage.map({s: std.class_size_standard(s) for s in std.stages}).to_numpy(dtype="float64")


def _spread(groups: pd.DataFrame) -> pd.DataFrame:
    """Class rows for ``school_id, year, grade, pupils, n`` groups: ``n`` classes of even size.

    The first classes keep the ids in ``ids`` (a list per group); extra ones get new ids.
    """
    n = groups["n"].to_numpy(dtype=np.int64)
    rows = np.repeat(np.arange(len(groups)), n)
    k = np.arange(n.sum()) - np.repeat(np.cumsum(n) - n, n)
    pupils = groups["pupils"].to_numpy(dtype=np.int64)[rows]
    size = pupils // n[rows] + (k < pupils % n[rows])
    ids = groups["ids"].to_numpy(dtype=object)[rows]
    have = np.array([len(x) for x in groups["ids"]], dtype=np.int64)[rows]
    grade = groups["grade"].to_numpy(dtype=np.int64)[rows]
    new_id = pd.Series(grade).astype(str) + "-新" + pd.Series(k - have + 1).astype(str)
    class_id = np.where(k < have, [i[j] if j < len(i) else "" for i, j in zip(ids, k, strict=True)], new_id)
    return pd.DataFrame(
        {
            "school_id": groups["school_id"].to_numpy(dtype=object)[rows],
            "year": groups["year"].to_numpy(dtype=np.int64)[rows],
            "grade": grade,
            "class_id": class_id,
            "students": size.astype(np.int64),
        }
    )


def _reform(work: Work, totals: pd.DataFrame) -> None:
    """Replace the classes of the ``school_id, grade`` groups in ``totals`` (``pupils, n``)."""
    cls = work.ds.classes
    year_rows = cls["year"] == work.year
    key = pd.MultiIndex.from_frame(cls[["school_id", "grade"]])
    touched = year_rows & key.isin(pd.MultiIndex.from_frame(totals[["school_id", "grade"]]))
    ids = cls[touched].groupby(["school_id", "grade"])["class_id"].agg(list)
    groups = totals.assign(year=work.year).join(ids.rename("ids"), on=["school_id", "grade"])
    groups["ids"] = [x if isinstance(x, list) else [] for x in groups["ids"]]
    new = _spread(groups[groups["n"] > 0])
    cls = pd.concat([cls[~touched], new], ignore_index=True)
    cls = cls.sort_values(["school_id", "year", "grade", "class_id"], kind="mergesort").reset_index(drop=True)
    work.set(classes=cls.astype({"year": "int64", "grade": "int64", "students": "int64"}))
    _sync_sections(work)


def _sync_sections(work: Work) -> None:
    """``sections.students`` and ``classes`` of the year from the class rows (where a school has them)."""
    cls = work.ds.classes
    cls = cls[cls["year"] == work.year]
    stage = cls["grade"].map(GRADE_STAGE)
    agg = (
        cls.assign(stage=stage)
        .groupby(["school_id", "stage"])
        .agg(n_students=("students", "sum"), n_classes=("students", "size"))
    )
    sec = work.ds.sections
    key = pd.MultiIndex.from_frame(sec[["school_id", "stage"]])
    found = agg.reindex(key)
    mine = (sec["year"] == work.year).to_numpy() & found["n_students"].notna().to_numpy()
    sec = sec.copy()
    sec.loc[mine, "students"] = found["n_students"].to_numpy()[mine].astype(np.int64)
    sec.loc[mine, "classes"] = found["n_classes"].to_numpy()[mine].astype(np.int64)
    work.set(sections=sec)


# ----------------------------------------------------------------------------- G4


def _receivers(work: Work, sizes: pd.DataFrame, stage: str, sender: pd.Series) -> pd.DataFrame:
    """Schools that can take pupils of ``stage`` from ``sender``, nearest first, with their room."""
    sec = work.ds.sections
    teaches = sec[(sec["year"] == work.year) & (sec["stage"] == stage)]["school_id"]
    ok = sizes[sizes["in_scope"] & sizes["passes"] & sizes["school_id"].isin(teaches)]
    ok = ok[ok["school_id"] != sender["school_id"]]
    info = work.ds.schools.set_index("school_id").reindex(ok["school_id"])
    township = sender.get("township")
    ok = ok.assign(
        room=(ok["size_limit"] - ok["students"]).to_numpy(),
        _far=(info["township"].to_numpy() != township).astype(int) * 2
        + (info["locale"].to_numpy() != sender["locale"]).astype(int),
    )
    ok = ok[ok["room"] > 0]
    return ok.sort_values(["_far", "room", "school_id"], ascending=[True, False, True], kind="mergesort")


def _grade_shares(cls: pd.DataFrame, school_id: str, stage: str, pupils: int) -> pd.Series:
    """``pupils`` split over the school's grades of ``stage`` in proportion (largest remainder)."""
    grades = list(GRADES_BY_STAGE[stage])
    own = cls[(cls["school_id"] == school_id) & cls["grade"].isin(grades)]
    size = own.groupby("grade")["students"].sum()
    if size.sum() <= 0:
        return pd.Series(dtype="int64")
    exact = size / size.sum() * pupils
    whole = np.floor(exact).astype(np.int64)
    rest = int(pupils - whole.sum())
    order = (exact - whole).sort_values(ascending=False, kind="mergesort").index[:rest]
    whole[order] += 1
    return whole


def school_size(work: Work) -> None:
    """G4: move the pupils above each school's limit; new places for what no school can take.

    A loop over the schools above their limit (a handful in a county): each one's receivers
    depend on what the previous ones were given.
    """
    std, year = work.std, work.year
    sizes = classsize.school_size_table(work.ds, std, year=year)
    schools = work.ds.schools.set_index("school_id")
    cls = work.ds.classes
    # without class rows, no grade gives pupils (the moves change the sections instead)
    cls_year = (
        cls[cls["year"] == year]
        if cls is not None
        else pd.DataFrame(columns=["school_id", "grade", "students"])
    )
    moved = []  # (school_id, grade, pupils) rows, negative at the sender
    sec = work.ds.sections
    for _, over in sizes[sizes["in_scope"] & ~sizes["passes"]].iterrows():
        own = sec[
            (sec["year"] == year) & (sec["school_id"] == over["school_id"]) & sec["stage"].isin(std.stages)
        ]
        stage = own.sort_values("students", ascending=False, kind="mergesort")["stage"].iloc[0]
        sender = pd.Series({"school_id": over["school_id"], **schools.loc[over["school_id"]].to_dict()})
        left = int(over["over_by"])
        for _, r in _receivers(work, sizes, stage, sender).iterrows():
            if left <= 0:
                break
            take = int(min(left, r["room"]))
            left -= take
            receiver = sizes["school_id"] == r["school_id"]
            sizes.loc[receiver, "students"] += take
            sizes.loc[receiver, "passes"] = sizes.loc[receiver, "students"] <= r["size_limit"]
            # where pupils go is a nearness rule, not optimised: what the receivers then need
            # (hires, classrooms) makes the whole pathway an estimate
            work.act(indicator="G4", action="move_pupils", school_id=over["school_id"], stage=stage,
                     target_school_id=r["school_id"], quantity=take, unit="pupils",
                     method="estimate")  # fmt: skip
            share = _grade_shares(cls_year, over["school_id"], stage, take)
            moved += _shifts(share, over["school_id"], r["school_id"])
        if left > 0:
            work.act(indicator="G4", action="new_campus_places", school_id=over["school_id"], stage=stage,
                     target_school_id="", quantity=left, unit="places", cost_key="school_place")  # fmt: skip
            share = _grade_shares(cls_year, over["school_id"], stage, left)
            campus = add_campus(work, sender, stage, left, share)  # built and staffed to the thresholds
            moved += _shifts(share, over["school_id"], campus)
    if moved and cls is not None:
        _move_class_pupils(work, pd.DataFrame(moved, columns=["school_id", "grade", "pupils"]))
    elif moved or len(_actions(work, "G4")):
        _move_section_pupils(work, _actions(work, "G4"))


def _shifts(share: pd.Series, source: str, target: str) -> list[tuple[str, int, int]]:
    """``(school_id, grade, pupils)`` rows: ``share`` (pupils per grade) leaves ``source`` for ``target``."""
    return [(source, g, -n) for g, n in share.items()] + [(target, g, n) for g, n in share.items()]


def _move_class_pupils(work: Work, moved: pd.DataFrame) -> None:
    """Re-form the grades pupils left or joined: the classes they have, evenly filled (a grade
    without classes — a new campus's — gets as many standard-size classes as its pupils need);
    a receiving grade the moves overfill is split by G5 next."""
    cls = work.ds.classes
    cls = cls[cls["year"] == work.year]
    delta = moved.groupby(["school_id", "grade"])["pupils"].sum()
    have = cls.groupby(["school_id", "grade"]).agg(pupils=("students", "sum"), n=("students", "size"))
    totals = have.reindex(delta.index).fillna(0)
    totals["pupils"] = (totals["pupils"] + delta).astype(np.int64)
    limit = _class_limit(work.std, totals.index.get_level_values("grade").to_series())
    fresh = np.ceil(totals["pupils"].to_numpy() / limit).astype(np.int64)
    totals["n"] = np.where(totals["n"].to_numpy() > 0, totals["n"].to_numpy(), fresh).astype(np.int64)
    _reform(work, totals.reset_index())


def _actions(work: Work, indicator: str) -> pd.DataFrame:
    """The actions so far for ``indicator``, one row each (``Work.actions`` holds frames)."""
    if not work.actions:
        return pd.DataFrame(columns=["indicator", "action"])
    acts = pd.concat(work.actions, ignore_index=True)
    return acts[acts["indicator"] == indicator]


def _move_section_pupils(work: Work, moves: pd.DataFrame) -> None:
    """Without class rows: ``moves`` (action rows) change ``sections.students`` directly. The caller
    passes only the moves not yet applied: a what-if's second move must not repeat the first."""
    sec = work.ds.sections.copy()
    moves = moves[moves["action"] == "move_pupils"]
    if moves.empty:
        return
    sent = moves.groupby(["school_id", "stage"])["quantity"].sum()
    got = moves.groupby(["target_school_id", "stage"])["quantity"].sum().rename_axis(["school_id", "stage"])
    delta = got.sub(sent, fill_value=0)
    mine = sec["year"] == work.year
    keys = pd.MultiIndex.from_frame(sec.loc[mine, ["school_id", "stage"]])
    sec.loc[mine, "students"] += delta.reindex(keys).fillna(0).to_numpy().astype(sec["students"].dtype)
    work.set(sections=sec)


# ----------------------------------------------------------------------------- G5


def class_sizes(work: Work) -> None:
    """G5: every grade with a class above the standard re-formed into enough classes."""
    cls = work.ds.classes
    if cls is None:
        return
    std, year = work.std, work.year
    cls_y = cls[cls["year"] == year]
    if cls_y.empty:
        return
    limit = _class_limit(std, cls_y["grade"])
    over = cls_y.assign(_over=cls_y["students"].to_numpy() > limit)
    g = over.groupby(["school_id", "grade"]).agg(
        pupils=("students", "sum"), n=("students", "size"), over=("_over", "any")
    )
    g = g[g["over"]].drop(columns="over")
    if g.empty:
        return
    lim = _class_limit(std, g.index.get_level_values("grade").to_series())
    need = np.ceil(g["pupils"].to_numpy() / lim).astype(np.int64)
    g["extra"] = np.maximum(need - g["n"].to_numpy(), 0)
    g["n"] = g["n"] + g["extra"]
    g = g.reset_index()
    g["stage"] = g["grade"].map(GRADE_STAGE)
    p = work.prices
    base = g[["school_id", "stage", "grade"]].assign(indicator="G5", cost_key="", method="exact")
    grew = (g["extra"] > 0).to_numpy()
    work.act_all(base[grew].assign(quantity=g.loc[grew, "extra"], action="add_classes", unit="classes"))
    work.act_all(
        base[grew].assign(
            quantity=g.loc[grew, "extra"] * g.loc[grew, "stage"].map(p.classroom_m2),
            rooms=g.loc[grew, "extra"],
            action="build_classrooms",
            unit="m2",
            cost_key="building_m2",
        )
    )
    work.act_all(base[~grew].assign(quantity=g.loc[~grew, "n"], action="reform_classes", unit="classes"))
    extra = g.groupby(["school_id", "stage"])["extra"].sum()
    extra = extra[extra > 0]
    per_class = extra.index.get_level_values("stage").map(p.teachers_per_class).to_numpy(dtype="float64")
    hires = np.ceil(extra.to_numpy() * per_class - 1e-9).astype(np.int64)
    work.class_hires.update(dict(zip(extra.index, hires.tolist(), strict=True)))
    area = g.assign(m2=g["extra"] * g["stage"].map(p.classroom_m2))
    add_area(work, area.groupby(["school_id", "stage"])["m2"].sum(), "teaching_aux_area_m2")
    _reform(work, g[["school_id", "grade", "pupils", "n"]])


def target_rows(fac: pd.DataFrame, year: int, school_id, stage) -> np.ndarray:
    """Positions in ``fac`` of the facility row each ``(school_id, stage)`` addition goes to: the
    stage's own row where the school reports per stage, else the school's row (its first)."""
    rows = np.arange(len(fac))
    mine = fac["year"].to_numpy() == year
    staged = mine & fac["stage"].notna().to_numpy()
    school = fac["school_id"].to_numpy(dtype=object)
    by_stage = pd.Series(
        rows[staged],
        index=pd.MultiIndex.from_arrays([school[staged], fac["stage"].to_numpy(dtype=object)[staged]]),
    )
    # the school's whole-school row first, else its first row of the year
    first = np.concatenate([rows[mine & ~staged], rows[mine]])
    by_school = pd.Series(first, index=school[first])
    by_stage = by_stage[~by_stage.index.duplicated()]
    by_school = by_school[~by_school.index.duplicated()]
    key = pd.MultiIndex.from_arrays([np.asarray(school_id, dtype=object), np.asarray(stage, dtype=object)])
    out = by_stage.reindex(key).to_numpy(dtype="float64")
    fallback = by_school.reindex(np.asarray(school_id, dtype=object)).to_numpy(dtype="float64")
    return np.where(np.isnan(out), fallback, out).astype(np.int64)


def add_to(fac: pd.DataFrame, rows: np.ndarray, column: str, amounts) -> pd.DataFrame:
    """``fac`` (facilities, or any table) with ``amounts`` added to ``column`` at positions ``rows``
    (repeats add up; a whole-number column stays whole)."""
    values = fac[column].to_numpy(dtype="float64", na_value=0.0).copy()
    np.add.at(values, rows, np.asarray(amounts, dtype="float64"))
    fac = fac.copy()
    whole = pd.api.types.is_integer_dtype(fac[column].dtype)
    fac[column] = pd.array(np.round(values).astype(np.int64), dtype=fac[column].dtype) if whole else values
    return fac


def add_area(work: Work, by_section: pd.Series, column: str) -> None:
    """Add amounts per ``(school_id, stage)`` to the year's facility rows (:func:`target_rows`)."""
    by_section = by_section[by_section != 0]
    if by_section.empty:
        return
    fac = work.ds.facilities
    rows = target_rows(
        fac, work.year, by_section.index.get_level_values(0), by_section.index.get_level_values(1)
    )
    work.set(facilities=add_to(fac, rows, column, by_section.to_numpy()))


# ----------------------------------------------------------------------------- G3


def music_art_rooms(work: Work) -> None:
    """G3: the music and art rooms each school lacks built, and the too-small ones rebuilt."""
    std, year = work.std, work.year
    rooms = guarantee.music_art_rooms_table(work.ds, std, year=year)
    rooms = rooms[rooms["status"] == "fail"].reset_index(drop=True)
    if rooms.empty:
        return
    fac = work.ds.facilities
    rows = target_rows(fac, year, rooms["school_id"], np.full(len(rooms), None))
    base = rooms[["school_id"]].assign(
        indicator="G3", stage="", unit="m2", cost_key="building_m2", method="exact"
    )
    for kind in ("music", "art"):
        limit = rooms[f"{kind}_area_limit"].to_numpy(dtype="float64")
        have = rooms[f"{kind}_rooms"].to_numpy(dtype="float64", na_value=0.0)
        build = np.maximum(rooms["rooms_needed"].to_numpy(dtype="float64") - have, 0)
        small = rooms[f"{kind}_small"].to_numpy(dtype=bool)
        old = rooms[f"{kind}_room_min_area_m2"].to_numpy(dtype="float64", na_value=np.nan)
        work.act_all(
            base[build > 0].assign(
                action=f"build_{kind}_rooms", quantity=(build * limit)[build > 0], rooms=build[build > 0]
            )
        )
        work.act_all(base[small].assign(action=f"rebuild_{kind}_room", quantity=limit[small], rooms=1))
        new_min = np.where(small | (have == 0), limit, np.where(build > 0, np.fmin(old, limit), old))
        new_min = np.where(have + build == 0, old, new_min)  # still no room of this kind: no area
        added = build * limit + np.where(small, limit - np.nan_to_num(old), 0.0)
        fac = _add_rooms(fac, rows, kind, build, new_min, added)
    work.set(facilities=fac)


def _add_rooms(fac: pd.DataFrame, rows: np.ndarray, kind: str, build, min_area, m2) -> pd.DataFrame:
    """``fac`` with ``build`` more ``kind`` rooms at ``rows``, their smallest room ``min_area`` m²
    and ``m2`` more teaching and auxiliary area."""
    fac = add_to(fac, rows, f"{kind}_rooms", build)
    area = fac[f"{kind}_room_min_area_m2"].to_numpy(dtype="float64", na_value=np.nan).copy()
    area[rows] = min_area
    return add_to(fac.assign(**{f"{kind}_room_min_area_m2": area}), rows, "teaching_aux_area_m2", m2)


# ----------------------------------------------------------------------------- one action at a time
# The simulator's structural levers (eduwb.analysis.whatif): one action the leader chooses,
# changing the data as the steps above change them.


def build_rooms(work: Work, school_id: str, kind: str, rooms: int, area_m2: float) -> None:
    """``rooms`` music or art rooms (``kind``) of ``area_m2`` each built at one school, as
    :func:`music_art_rooms` builds them: counted, the smallest room's area updated, their floor
    area added to the teaching and auxiliary rooms."""
    fac = work.ds.facilities
    rows = target_rows(fac, work.year, [school_id], [None])
    have = fac[f"{kind}_rooms"].to_numpy(dtype="float64", na_value=0.0)[rows]
    old = fac[f"{kind}_room_min_area_m2"].to_numpy(dtype="float64", na_value=np.nan)[rows]
    new_min = np.where(have == 0, area_m2, np.fmin(old, area_m2))
    work.set(facilities=_add_rooms(fac, rows, kind, [rooms], new_min, [rooms * area_m2]))


def add_classes(work: Work, school_id: str, grade: int, extra: int) -> None:
    """``extra`` more classes in one school's grade, its pupils spread evenly over them, each with
    a new classroom (``classroom_m2``), as :func:`class_sizes` adds them."""
    cls = work.ds.classes
    own = cls[(cls["year"] == work.year) & (cls["school_id"] == school_id) & (cls["grade"] == grade)]
    stage = GRADE_STAGE[grade]
    m2 = pd.Series(
        [extra * work.prices.classroom_m2[stage]], index=pd.MultiIndex.from_tuples([(school_id, stage)])
    )
    add_area(work, m2, "teaching_aux_area_m2")
    totals = {
        "school_id": school_id,
        "grade": grade,
        "pupils": int(own["students"].sum()),
        "n": len(own) + extra,
    }
    _reform(work, pd.DataFrame([totals]))


def move_pupils(work: Work, school_id: str, target_school_id: str, stage: str, pupils: int) -> None:
    """``pupils`` of ``stage`` moved from one school to another, as :func:`school_size` moves them
    (grades in proportion; the grades they leave and join re-formed)."""
    cls = work.ds.classes
    if cls is None:
        work.act(indicator="G4", action="move_pupils", school_id=school_id, stage=stage,
                 target_school_id=target_school_id, quantity=pupils)  # fmt: skip
        _move_section_pupils(work, work.actions[-1])
        return
    share = _grade_shares(cls[cls["year"] == work.year], school_id, stage, pupils)
    moved = _shifts(share, school_id, target_school_id)
    if moved:
        _move_class_pupils(work, pd.DataFrame(moved, columns=["school_id", "grade", "pupils"]))
