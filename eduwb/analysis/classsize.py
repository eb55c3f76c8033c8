"""Class sizes (班额): bands, the 销号 ledger, milestones, G5, projection (G4: :mod:`.schoolsize`).

Every threshold comes from the :class:`~eduwb.standards.Standard` (``class_size``: the standard
45 小学 / 50 初中, ``large_min`` 56, ``super_large_min`` 66); the county plan's dated targets from
``county.toml`` (``ds.settings.milestones``). A class falls in one band (:data:`BANDS`) by its
grade's stage: the table is docs/method.md § 11. In :func:`classsize_table` the bands are
exclusive (they add up to ``classes``); the ledger and the milestones read them as *thresholds*:
a school stays on the ``large`` ledger while it has any class of 56+ (超大班额 included), because
消除大班额 means no class of 56+ is left.

Without class rows (no ``classes`` table, or none for the year asked) every function raises
:class:`ClassDataMissing` ("缺数据 …"); :func:`has_class_data` branches first, :func:`g5_summary`
returns the status ``"missing"`` instead. Every table is read off one cube of dense arrays per
call (:func:`_cube`, built with ``numpy.bincount``; cheap enough to build again each time).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from eduwb.analysis.schoolsize import g4_summary as g4_summary
from eduwb.analysis.schoolsize import no_options, object_frame, school_limits
from eduwb.analysis.schoolsize import school_size_table as school_size_table
from eduwb.analysis.schoolsize import size_scope_kinds as size_scope_kinds
from eduwb.analysis.scope import resolve_stage
from eduwb.data.schema import GRADES_BY_STAGE
from eduwb.errors import AnalysisError, ParameterError, StandardError

BANDS = ("within_standard", "over_standard", "large", "super_large")
OVERSIZED_BANDS = ("over_standard", "large", "super_large")
# The seed plan keeps its 台账 for 大班额 (56+, including 超大班额 66+); classes only above the
# 45/50 standard are tracked by G5 and the "standard" milestone, not by the ledger, unless asked.
LEDGER_BANDS_DEFAULT = ("large", "super_large")
LEDGER_STATUSES = ("overdue", "open", "closed")
# How many past years feed a trend: intake growth in the projection, the milestone outlook.
TREND_YEARS = 3


class ClassDataMissing(AnalysisError):
    """The dataset has no ``classes`` table, or no class rows for the year asked: 缺数据."""

    status = "missing"


# ----------------------------------------------------------------------------- checks


def has_class_data(ds, year: int | None = None) -> bool:
    """Whether class-size results can be computed (for ``year``, or for any year)."""
    if ds.classes is None or ds.classes.empty:
        return False
    return year is None or bool((ds.classes["year"] == year).any())


def _missing(ds, year: int | None = None, stage: str | None = None) -> ClassDataMissing:
    if ds.classes is None or ds.classes.empty:
        return ClassDataMissing(
            f"缺数据: {ds.name} has no classes table (班级), so class sizes cannot be computed"
        )
    what = f"{stage} class rows" if stage else "class rows"
    when = f" for {year}" if year is not None else ""
    return ClassDataMissing(f"缺数据: {ds.name} has no {what} (班级){when}")


def _stage_positions(std, stage: str | None) -> list[int]:
    if resolve_stage(std, stage) is None:
        return list(range(len(std.stages)))
    return [std.stages.index(stage)]


def _thresholds(std) -> tuple[np.ndarray, int, int]:
    """Per-stage standards (in ``std.stages`` order), 大班额 and 超大班额 lower limits."""
    standards = np.array([std.class_size_standard(s) for s in std.stages], dtype=np.int64)
    large_min, super_min = int(std.class_size["large_min"]), int(std.class_size["super_large_min"])
    if not (standards.max() < large_min <= super_min):
        raise StandardError(
            f"standard {std.id}: class sizes must satisfy standard < large_min <= super_large_min "
            f"(got {standards.tolist()}, {large_min}, {super_min})"
        )
    return standards, large_min, super_min


def _grade_stage(std) -> np.ndarray:
    """Array indexed by grade (0 … top grade): the stage's position in ``std.stages`` (-1: none)."""
    top = max(max(g) for g in GRADES_BY_STAGE.values())
    lut = np.full(top + 1, -1, dtype=np.int64)
    for i, stage in enumerate(std.stages):
        lut[list(GRADES_BY_STAGE[stage])] = i
    return lut


# ----------------------------------------------------------------------------- the class cube


@dataclass(frozen=True, eq=False)
class _Cube:
    """Every class row of a dataset, and its sums per school × year × grade, as numpy arrays."""

    school_ids: np.ndarray  # sorted unique school ids (object)
    school_names: np.ndarray  # aligned with school_ids
    years: np.ndarray  # sorted unique years
    grade_stage: np.ndarray  # grade → stage position
    # one entry per class row (in ds.classes order)
    school: np.ndarray
    year_idx: np.ndarray
    stage: np.ndarray
    students: np.ndarray
    band: np.ndarray
    # dense sums, shape (schools, years, grades)
    pupils: np.ndarray
    nclass: np.ndarray
    max_size: np.ndarray
    # per stage, shape (schools, years, stages[, band])
    stage_bands: np.ndarray
    stage_max: np.ndarray

    def year_position(self, ds, year: int) -> int:
        pos = int(np.searchsorted(self.years, year))
        if pos == len(self.years) or self.years[pos] != year:
            raise _missing(ds, year)
        return pos

    def upto(self, ds, year: int | None) -> int:
        """How many of ``years`` are at or before ``year`` (all when None); at least one."""
        n = len(self.years) if year is None else int(np.searchsorted(self.years, year, side="right"))
        if n == 0:
            raise _missing(ds, year)
        return n

    def over_counts(self, limits: np.ndarray) -> np.ndarray:
        """Classes above ``limits`` (one per stage), per school × year × stage."""
        n_s, n_y, n_st = self.stage_max.shape
        above = self.students > limits[self.stage]
        cell = (self.school[above] * n_y + self.year_idx[above]) * n_st + self.stage[above]
        return np.bincount(cell, minlength=n_s * n_y * n_st).reshape(n_s, n_y, n_st)


def _by_stage(arr: np.ndarray, grade_stage: np.ndarray, how: str = "sum", axis: int = 2) -> np.ndarray:
    """Reduce a grade axis (``axis``) to a stage axis, in ``std.stages`` order."""
    reduce = np.sum if how == "sum" else np.max
    stages = range(int(grade_stage.max()) + 1)  # two stages, not rows
    return np.stack([reduce(arr.compress(grade_stage == i, axis=axis), axis=axis) for i in stages], axis=axis)


def _cube(ds, std) -> _Cube:
    cls = ds.classes
    if cls is None or cls.empty:
        raise _missing(ds)
    standards, large_min, super_min = _thresholds(std)
    year = cls["year"].to_numpy(dtype=np.int64)
    grade = cls["grade"].to_numpy(dtype=np.int64)
    students = cls["students"].to_numpy(dtype=np.int64)
    grade_stage = _grade_stage(std)
    codes, ids = pd.factorize(cls["school_id"], sort=True)
    years = np.sort(pd.unique(year))
    year_idx = np.searchsorted(years, year)
    stage = grade_stage[grade]
    limits = [students >= super_min, students >= large_min, students > standards[stage]]
    band = np.select(limits, [3, 2, 1], default=0)  # positions in BANDS
    n_s, n_y, n_g, n_b = len(ids), len(years), len(grade_stage), len(BANDS)
    cell = (codes * n_y + year_idx) * n_g + grade
    size = n_s * n_y * n_g
    pupils = np.bincount(cell, weights=students, minlength=size).astype(np.int64).reshape(n_s, n_y, n_g)
    bands = np.bincount(cell * n_b + band, minlength=size * n_b).reshape(n_s, n_y, n_g, n_b)
    max_size = np.zeros(size, dtype=np.int64)
    np.maximum.at(max_size, cell, students)
    max_size = max_size.reshape(n_s, n_y, n_g)
    names = ds.schools.set_index("school_id")["name"].reindex(ids).to_numpy(dtype=object)
    return _Cube(
        school_ids=np.asarray(ids, dtype=object),
        school_names=names,
        years=years,
        grade_stage=grade_stage,
        school=codes,
        year_idx=year_idx,
        stage=stage,
        students=students,
        band=band,
        pupils=pupils,
        nclass=bands.sum(axis=3),
        max_size=max_size,
        stage_bands=_by_stage(bands, grade_stage),
        stage_max=_by_stage(max_size, grade_stage, "max"),
    )


# ----------------------------------------------------------------------------- bands


def classsize_table(
    ds, std, *, year: int | None = None, stage: str | None = None, by: str | None = None, **options
):
    """Classes by size band per year × stage (``by="school"``: per school; ``by="class"``: per class).

    ``year=None``: every year with class rows. Columns ``year, stage, classes``, the four exclusive
    band counts, ``share_large, share_super_large`` and ``max_class_size`` (``school_id,
    school_name`` in front per school); ``by="class"``: every class with its ``standard_size`` and
    ``band``, largest first within each year."""
    no_options("classsize", options)
    stages = _stage_positions(std, stage)
    cube = _cube(ds, std)
    years = np.arange(len(cube.years)) if year is None else np.array([cube.year_position(ds, year)])
    if by == "class":
        return _class_rows(ds, std, cube, years, stages)
    if by not in (None, "school"):
        raise ParameterError(f"classsize: by must be 'school' or 'class', not {by!r}")
    bands = cube.stage_bands[:, years][:, :, stages]  # (school, year, stage, band)
    largest = cube.stage_max[:, years][:, :, stages]
    if by is None:
        bands, largest = bands.sum(axis=0, keepdims=True), largest.max(axis=0, keepdims=True)
    classes = bands.sum(axis=3)
    s, y, st = np.nonzero(classes)  # C order: school, year, stage (school ids are sorted)
    if len(s) == 0:
        raise _missing(ds, year, stage)
    counts = bands[s, y, st]
    n = classes[s, y, st]
    table = object_frame(
        {
            "year": cube.years[years[y]],
            "stage": np.asarray(std.stages, dtype=object)[np.asarray(stages)[st]],
            "classes": n,
            **{name: counts[:, i] for i, name in enumerate(BANDS)},
            "share_large": counts[:, 2] / n,
            "share_super_large": counts[:, 3] / n,
            "max_class_size": largest[s, y, st],
        }
    )
    if by == "school":
        table.insert(0, "school_id", cube.school_ids[s])
        table.insert(1, "school_name", cube.school_names[s])
    return table


def _class_rows(ds, std, cube: _Cube, years: np.ndarray, stages: list[int]) -> pd.DataFrame:
    class_codes, class_labels = pd.factorize(ds.classes["class_id"].to_numpy(dtype=object), sort=True)
    rows = np.flatnonzero(np.isin(cube.year_idx, years) & np.isin(cube.stage, stages))
    # by year, then largest first, then school id (school codes sort like the ids) and class id
    rows = rows[np.lexsort((class_codes[rows], cube.school[rows], -cube.students[rows], cube.year_idx[rows]))]
    if len(rows) == 0:
        raise _missing(ds)
    standards, _, _ = _thresholds(std)
    school, stage = cube.school[rows], cube.stage[rows]
    names, labels = pd.factorize(cube.school_names)
    # one row per class: categorical text columns spare copying a string per row
    return pd.DataFrame(
        {
            "year": cube.years[cube.year_idx[rows]],
            "school_id": pd.Categorical.from_codes(school, cube.school_ids),
            "school_name": pd.Categorical.from_codes(names[school], labels),
            "stage": pd.Categorical.from_codes(stage, std.stages),
            "grade": ds.classes["grade"].to_numpy(dtype=np.int64)[rows],
            "class_id": pd.Categorical.from_codes(class_codes[rows], np.asarray(class_labels, dtype=object)),
            "students": cube.students[rows],
            "standard_size": standards[stage],
            "band": pd.Categorical.from_codes(cube.band[rows], BANDS),
        }
    )


# ----------------------------------------------------------------------------- G5


def classes_over_standard(ds, std, year: int) -> pd.DataFrame:
    """G5 per school for one year: ``school_id, school_name, classes, classes_over, max_class_size,
    passes`` (no class above 45 小学 / 50 初中) for every school of G5's scope in the standard
    (moe-2017: every school, teaching points and special schools included) with class rows in
    ``year``; :class:`ClassDataMissing` without them (缺数据)."""
    cube = _cube(ds, std)
    y = cube.year_position(ds, year)
    judged, kinds = True, std.scope_of("G5").kinds  # None: every school
    if kinds is not None:
        kind = ds.schools.set_index("school_id")["kind"].reindex(cube.school_ids)
        judged = kind.isin(list(kinds)).to_numpy(dtype=bool)
    classes = cube.nclass[:, y].sum(axis=1) * judged
    over = cube.stage_bands[:, y, :, 1:].sum(axis=(1, 2))
    s = np.flatnonzero(classes)
    return object_frame(
        {
            "school_id": cube.school_ids[s],
            "school_name": cube.school_names[s],
            "classes": classes[s],
            "classes_over": over[s],
            "max_class_size": cube.max_size[s, y].max(axis=1),
            "passes": over[s] == 0,
        }
    )


def g5_summary(ds, std, year: int) -> pd.DataFrame:
    """G5 for the county in one year, never raising: one row ``year, status, classes, classes_over,
    schools_over, max_class_size``; ``status`` is ``pass`` (no class above its standard), ``fail``
    or ``missing`` (no class rows for the year: 缺数据, the counts NA)."""
    counts, status = dict.fromkeys(("classes", "classes_over", "schools_over", "max_class_size")), "missing"
    if has_class_data(ds, year):
        per = classes_over_standard(ds, std, year)
        over = per["classes_over"]
        status = "pass" if over.sum() == 0 else "fail"
        counts = {
            "classes": per["classes"].sum(),
            "classes_over": over.sum(),
            "schools_over": (over > 0).sum(),
            "max_class_size": per["max_class_size"].max() if len(per) else 0,
        }
    row = {"year": [year], "status": [status]}
    row.update({k: pd.array([v], dtype="Int64") for k, v in counts.items()})
    return pd.DataFrame(row)


# ----------------------------------------------------------------------------- the ledger


def _parse_bands(bands: str | Sequence[str] | None) -> tuple[str, ...]:
    if bands is None:
        return LEDGER_BANDS_DEFAULT
    if isinstance(bands, str):
        bands = (
            OVERSIZED_BANDS if bands.strip() == "all" else [b.strip() for b in bands.split(",") if b.strip()]
        )
    unknown = [b for b in bands if b not in OVERSIZED_BANDS]
    if unknown or not bands:
        raise ParameterError(
            f"ledger bands must be 'all' or a list of {', '.join(OVERSIZED_BANDS)}, not {bands!r}"
        )
    return tuple(b for b in OVERSIZED_BANDS if b in bands)


def milestone_limits(std, milestone: dict) -> np.ndarray:
    """A milestone's largest allowed class per stage (``"standard"`` → the stage's standard)."""
    value = milestone["max_students"]
    if value == "standard":
        return np.array([std.class_size_standard(s) for s in std.stages], dtype=np.int64)
    return np.full(len(std.stages), int(value), dtype=np.int64)


def _deadline_matrix(ds, std) -> np.ndarray:
    """Deadline per oversized band × stage (``OVERSIZED_BANDS`` × ``std.stages``); inf: none."""
    standards, large_min, super_min = _thresholds(std)
    smallest = np.stack(
        [standards + 1, np.full(len(standards), large_min), np.full(len(standards), super_min)]
    )
    due = np.full(smallest.shape, np.inf)
    for milestone in ds.settings.milestones:  # a handful of configured targets, not data rows
        covered = milestone_limits(std, milestone)[None, :] < smallest
        due = np.where(covered, np.minimum(due, int(milestone["by"])), due)
    return due


def ledger_table(
    ds,
    std,
    *,
    year: int | None = None,
    stage: str | None = None,
    bands: str | Sequence[str] | None = None,
    **options,
) -> pd.DataFrame:
    """The 台账 of schools with oversized classes and their 销号 status, as it stood in ``year``.

    One row per school × band with a class at or above the band's lower limit in any year up to
    ``year`` (default the latest; later years ignored): bands are thresholds here (module
    docstring). ``bands``: a comma-separated string or list of :data:`OVERSIZED_BANDS`, or
    ``"all"``; default ``large,super_large``, the seed plan's 消除大班额工作台账 (46–55 / 51–55 are
    followed by the ``standard`` milestone and :func:`classes_over_standard`).

    ``registered_year``, ``last_seen_year``: the first and last year with such a class;
    ``closed_year`` (销号): the next class year after ``last_seen_year`` once none is left;
    ``status``: ``closed``, ``open``, or ``overdue`` (open at or after ``deadline``, the ``by`` of
    the earliest milestone covering the band for the stages oversized when last seen);
    ``reopened``: comebacks after being crossed off; ``n_<year>``: such classes that year. Sorted
    by status, band (largest first), school_id."""
    no_options("ledger", options)
    stages = _stage_positions(std, stage)
    chosen = _parse_bands(bands)
    cube = _cube(ds, std)
    n_y = cube.upto(ds, year)
    years = cube.years[:n_y]
    as_of = int(years[-1])
    s, b, counts, per_stage = _ledger_counts(cube, n_y, stages, chosen)
    year_cols = [f"n_{y}" for y in years]
    columns = ["school_id", "school_name", "band", "registered_year", "last_seen_year", "closed_year"]
    columns += ["status", "reopened", "deadline", *year_cols]
    if len(s) == 0:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})

    first, last, is_open, starts, closed_year = _ledger_spells(counts, years)
    deadline, deadline_col = _ledger_deadlines(ds, std, chosen, stages, per_stage[np.arange(len(s)), last], b)
    status = np.select([is_open & (deadline <= as_of), is_open], [0, 1], 2)  # in LEDGER_STATUSES

    ledger = object_frame(
        {
            "school_id": cube.school_ids[s],
            "school_name": cube.school_names[s],
            "band": np.asarray(chosen, dtype=object)[b],
            "registered_year": years[first],
            "last_seen_year": years[last],
            "closed_year": closed_year,
            "status": np.asarray(LEDGER_STATUSES, dtype=object)[status],
            "reopened": starts.sum(axis=1) - 1,
            "deadline": deadline_col,
            **{col: counts[:, i] for i, col in enumerate(year_cols)},
        }
    )
    # by status, band (largest first), school_id (school codes sort like the ids)
    order = np.lexsort((s, -np.asarray([OVERSIZED_BANDS.index(x) for x in chosen])[b], status))
    return ledger.iloc[order].reset_index(drop=True)


def _ledger_counts(cube, n_y: int, stages, chosen: list[str]):
    """The school × band pairs on the ledger: ``s, b`` (their school and band positions), their
    classes at or above the band per year (``counts``) and per year × stage (``per_stage``)."""
    band_pos = np.array([BANDS.index(b) for b in chosen])
    # classes at or above each band, per school × year × stage × band (reverse cumulative sum)
    at_least = cube.stage_bands[:, :n_y][:, :, stages][..., ::-1].cumsum(axis=3)[..., ::-1]
    at_least = at_least[..., band_pos].transpose(0, 3, 1, 2)  # (school, band, year, stage)
    counts = at_least.sum(axis=3)  # (school, band, year)
    s, b = np.nonzero(counts.any(axis=2))
    return s, b, counts[s, b], at_least[s, b]


def _ledger_spells(counts: np.ndarray, years: np.ndarray):
    """Per ledger row: first and last year positions seen, still open, spell starts, ``closed_year``."""
    n_y = len(years)
    present = counts > 0
    first = present.argmax(axis=1)
    last = n_y - 1 - present[:, ::-1].argmax(axis=1)
    is_open = present[:, -1]
    starts = present & ~np.pad(present, ((0, 0), (1, 0)))[:, :-1]
    closed_year = pd.array(np.where(is_open, np.nan, years[np.minimum(last + 1, n_y - 1)]), dtype="Int64")
    return first, last, is_open, starts, closed_year


def _ledger_deadlines(ds, std, chosen: list[str], stages, last_seen: np.ndarray, b: np.ndarray):
    """The earliest milestone covering each row's band in the stages oversized when last seen
    (``last_seen``: row × stage), as floats (``inf``: none) and as an ``Int64`` column."""
    table = _deadline_matrix(ds, std)[[OVERSIZED_BANDS.index(c) for c in chosen]][:, stages]
    seen_then = last_seen > 0  # (row, stage)
    deadline = np.where(seen_then, table[b], np.inf).min(axis=1)
    return deadline, pd.array(np.where(np.isfinite(deadline), deadline, np.nan), dtype="Int64")


# ----------------------------------------------------------------------------- milestones


def milestones_table(
    ds, std, *, year: int | None = None, stage: str | None = None, **options
) -> pd.DataFrame:
    """The county plan's dated class-size targets (``county.toml``), judged on the class data.

    A milestone: from autumn ``by`` on, no class above ``max_students`` (a number, or
    ``"standard"``: 45 / 50), judged on the class rows of year ``by`` as of ``year`` (default the
    latest class year). One row per milestone, by date; ``status``: ``met``, ``missed``,
    ``pending`` (``by`` after the last data year: that year's counts) or ``no_data``.
    ``on_track`` (``not_applicable`` unless pending): ``already_met``; ``on_track`` when the
    least-squares line through the yearly classes over the limit in the last (up to 3) data years
    falls below half a class by ``by`` (``projected_over``); ``off_track``; ``unknown`` with one
    data year. Empty when ``county.toml`` sets no milestones."""
    no_options("milestones", options)
    stages = _stage_positions(std, stage)
    cube = _cube(ds, std)
    n_y = cube.upto(ds, year)
    years = cube.years[:n_y]
    limit_cols = [f"limit_{s}" for s in std.stages]
    columns = ["by", "max_students", *limit_cols, "evaluated_year", "classes_over", "schools_over", "met"]
    columns += ["status", "on_track", "projected_over"]
    if not ds.settings.milestones:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})

    # configured targets (a handful), each judged on every class at once
    rows = [_milestone_row(ds, std, cube, m, stages, years, limit_cols) for m in ds.settings.milestones]
    rows.sort(key=lambda r: (r["by"], *(-r[c] for c in limit_cols)))
    counts = dict.fromkeys(["evaluated_year", "classes_over", "schools_over"], "Int64")
    return pd.DataFrame(rows, columns=columns).astype(
        {**counts, "met": "boolean", "projected_over": "float64"}
    )


def _milestone_row(ds, std, cube, m: dict, stages, years: np.ndarray, limit_cols: list[str]) -> dict:
    """One milestone judged on the class counts of ``years`` (the data years up to the as-of year)."""
    n_y = len(years)
    last = int(years[-1])
    limits = milestone_limits(std, m)
    over = cube.over_counts(limits)[:, :n_y][:, :, stages].sum(axis=2)  # (school, year)
    per_year = over.sum(axis=0)
    schools = (over > 0).sum(axis=0)
    by = int(m["by"])
    row = {"by": by, "max_students": str(m["max_students"])}
    row.update({c: int(v) for c, v in zip(limit_cols, limits, strict=True)})
    pos = int(np.searchsorted(years, by))
    if by > last:
        pos, status = n_y - 1, "pending"
    elif years[pos] == by:
        status = "met" if per_year[pos] == 0 else "missed"
    else:
        pos, status = None, "no_data"
    if pos is None:
        got = (None,) * 4
    else:
        got = (int(years[pos]), int(per_year[pos]), int(schools[pos]), per_year[pos] == 0)
    row.update(zip(("evaluated_year", "classes_over", "schools_over", "met"), got, strict=True))
    row.update(status=status, on_track="not_applicable", projected_over=None)
    if status == "pending":
        recent = slice(max(0, n_y - TREND_YEARS), n_y)
        row["on_track"], row["projected_over"] = _trend_outlook(years[recent], per_year[recent], by)
    return row


def _trend_outlook(years: np.ndarray, counts: np.ndarray, by: int) -> tuple[str, float | None]:
    """Extrapolate a yearly count linearly to year ``by``: (on_track code, projected count)."""
    if counts[-1] == 0:
        return "already_met", 0.0
    if len(counts) < 2:
        return "unknown", None
    slope, intercept = np.polyfit(years.astype(float), counts.astype(float), 1)
    projected = max(0.0, float(intercept + slope * by))
    # counts are whole classes: a line within half a class of zero has reached it
    return ("on_track" if projected < 0.5 else "off_track"), round(projected, 2)


# ----------------------------------------------------------------------------- projection


def projection_table(
    ds, std, *, year: int | None = None, stage: str | None = None, by: str | None = None, **options
) -> pd.DataFrame:
    """Next autumn by cohort progression: pupils, classes needed, and who will be oversized.

    From the class rows of ``year`` (Y; default the latest) to autumn Y+1, assuming: every school
    teaches the grades it teaches in Y (its top grade's pupils leave it, a teaching point's are
    not added elsewhere); grade g gets grade g−1's pupils (no repeaters, transfers or dropouts);
    each stage's first grade (1, 7) takes in ``round(I_Y × r)``, I_Y the school's intake in Y and
    r the mean of its year-on-year intake ratios over the last (up to) 3 pairs of consecutive
    years with that grade (r = 1 without such history; a junior or 九年一贯制 school follows its
    own trend); ``classes_needed`` = ceil(pupils / standard); a grade keeping its classes spreads
    its pupils evenly (largest class ceil(pupils / classes_now)).

    Rows per school × stage (``by="grade"``: per school × grade). ``extra_classes_needed`` adds
    over the grades the classes to open so that no class is over its standard: classes do not
    move between grades, so a grade may be short while its stage is not (``extra_by_grade``,
    ``"grade:classes"`` comma-joined); ``oversized``: a grade would be over it with its current
    classes; ``school_students`` against ``size_limit`` (as in :func:`school_size_table`) gives
    ``over_size_limit``."""
    no_options("projection", options)
    stages = _stage_positions(std, stage)
    if by not in (None, "grade"):
        raise ParameterError(f"projection: by must be 'grade', not {by!r}")
    cube = _cube(ds, std)
    y = len(cube.years) - 1 if year is None else cube.year_position(ds, year)
    base = int(cube.years[y])
    now_pupils, now_classes = cube.pupils[:, y], cube.nclass[:, y]  # (school, grade)
    taught = now_classes > 0
    projected, intake = _projected_pupils(cube, std, base, now_pupils)
    projected = np.where(taught, projected, 0)
    standards, _, _ = _thresholds(std)
    grade_stage = cube.grade_stage
    standard = np.where(grade_stage >= 0, standards[np.maximum(grade_stage, 0)], 1)  # per grade
    needed = -(-projected // standard)
    size_kept = -(-projected // np.maximum(now_classes, 1))
    oversized = taught & (size_kept > standard)
    s, g = np.nonzero(taught & np.isin(grade_stage, stages))
    per_grade = object_frame(
        {
            "school_id": cube.school_ids[s],
            "school_name": cube.school_names[s],
            "projected_year": base + 1,
            "stage": np.asarray(std.stages, dtype=object)[grade_stage[g]],
            "grade": g,
            "intake": intake[g],
            "students_now": now_pupils[s, g],
            "classes_now": now_classes[s, g],
            "projected_students": projected[s, g],
            "classes_needed": needed[s, g],
            "class_size_if_kept": size_kept[s, g],
            "oversized": oversized[s, g],
        }
    )
    if by == "grade":
        return per_grade
    totals = pd.Series(projected.sum(axis=1), index=cube.school_ids)  # every stage of the school
    return _projection_per_stage(ds, std, per_grade, np.maximum(needed - now_classes, 0)[s, g], totals)


def _projected_pupils(cube, std, base: int, now_pupils: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pupils per (school, grade) in autumn ``base`` + 1 (:func:`projection_table`'s rules), and
    which grades take in new pupils."""
    projected = np.zeros_like(now_pupils)
    projected[:, 1:] = now_pupils[:, :-1]
    intake = np.zeros(len(cube.grade_stage), dtype=bool)
    # the trend window: calendar years base-3 … base, NaN where the grade had no class
    window = np.arange(base - TREND_YEARS, base + 1)
    pos = np.searchsorted(cube.years, window)
    found = (pos < len(cube.years)) & (cube.years[np.minimum(pos, len(cube.years) - 1)] == window)
    for name in std.stages:  # one intake grade per stage
        g = min(GRADES_BY_STAGE[name])
        intake[g] = True
        history = np.full((len(cube.school_ids), len(window)), np.nan)
        history[:, found] = np.where(cube.nclass[:, pos[found], g] > 0, cube.pupils[:, pos[found], g], np.nan)
        ratios = history[:, 1:] / history[:, :-1]
        valid = np.isfinite(ratios)
        n = valid.sum(axis=1)
        growth = np.where(n > 0, np.where(valid, ratios, 0.0).sum(axis=1) / np.maximum(n, 1), 1.0)
        projected[:, g] = np.floor(now_pupils[:, g] * growth + 0.5).astype(np.int64)
    return projected, intake


def _projection_per_stage(ds, std, rows: pd.DataFrame, extra: np.ndarray, totals: pd.Series) -> pd.DataFrame:
    """:func:`projection_table`'s rows per school × stage, from its rows per grade taught."""
    # which grades need the extra classes: a stage may need fewer classes in all than it has and
    # still need one more in a single grade (its classes cannot move between grades)
    short = (rows["grade"].astype(str) + ":" + extra.astype(str)).where(extra > 0)
    rows = rows.assign(extra_classes_needed=extra, extra_by_grade=short)
    keys = ["school_id", "school_name", "projected_year", "stage"]  # one school_name, year per id
    out = (
        rows.groupby(keys, sort=False, dropna=False)  # schools in id order, stages in order
        .agg(
            students_now=("students_now", "sum"),
            projected_students=("projected_students", "sum"),
            classes_now=("classes_now", "sum"),
            classes_needed=("classes_needed", "sum"),
            extra_classes_needed=("extra_classes_needed", "sum"),
            extra_by_grade=("extra_by_grade", lambda labels: ",".join(labels.dropna())),
            max_class_size_if_kept=("class_size_if_kept", "max"),
            oversized=("oversized", "any"),
        )
        .reset_index()
    )
    limits = school_limits(ds, std, out["school_id"])
    out.insert(2, "kind", limits["kind"])
    out["school_students"] = totals.reindex(out["school_id"]).to_numpy()
    out["size_limit"] = limits["size_limit"]
    out["over_size_limit"] = limits["in_scope"] & (out["school_students"].to_numpy() > limits["size_limit"])
    return object_frame({c: out[c].to_numpy() for c in out.columns})


# ----------------------------------------------------------------------------- chapter summaries


def year_overview(ds, std, year: int) -> dict[str, int] | None:
    """The county's classes in ``year`` in a few counts (None without class rows for the year):
    ``classes, classes_over, schools_over, max_class_size`` (G5, as :func:`g5_summary`) and the
    ``large`` and ``super_large`` classes."""
    if not has_class_data(ds, year):
        return None
    g5 = g5_summary(ds, std, year).iloc[0]
    now = classsize_table(ds, std, year=year)
    out = {k: int(g5[k]) for k in ("classes", "classes_over", "schools_over", "max_class_size")}
    out.update(large=int(now["large"].sum()), super_large=int(now["super_large"].sum()))
    return out


def ledger_counts(ledger: pd.DataFrame) -> dict[str, int]:
    """Rows of a ledger (:func:`ledger_table`) per status, and those reopened after being closed."""
    counts = ledger["status"].value_counts().reindex(LEDGER_STATUSES, fill_value=0)
    out = {status: int(n) for status, n in counts.items()}
    out.update(rows=len(ledger), reopened=int((ledger["reopened"] > 0).sum()))
    return out


def projection_summary(projection: pd.DataFrame) -> dict[str, object]:
    """What a projection (:func:`projection_table`) asks of the county next autumn: the
    ``flagged`` rows (a class over the standard or a school over its size limit) and their
    ``schools_flagged``; ``sections_short`` needing ``extra_classes``, and of them
    ``sections_short_by_grade``: whose stage as a whole has enough classes."""
    flagged = projection[projection["oversized"] | projection["over_size_limit"]]
    short = projection[projection["extra_classes_needed"] > 0]
    by_grade = short[short["classes_needed"] <= short["classes_now"]]
    return {
        "flagged": flagged,
        "schools_flagged": int(flagged["school_id"].nunique()),
        "sections_short": len(short),
        "extra_classes": int(projection["extra_classes_needed"].sum()),
        "sections_short_by_grade": len(by_grade),
    }
