"""Teacher rotation (交流轮岗, G11), where the moves go, and the teacher indicators G9 and G12.

Three tables are registered in :mod:`eduwb.tables` (``eduwb table NAME DATA``):

``rotation`` (:func:`rotation_table`)
    Per year: teachers eligible to rotate, distinct teachers who rotated, the ratio, the backbone
    share, the limits of the standard and whether G11 passes; moves per mode.
    ``by="school"`` per sending (and receiving) school, ``by="mode"`` per mode,
    ``by="min_years"`` the ratio under other eligibility rules.
``flows`` (:func:`flows_table`)
    Moves from locale to locale and from schools passing the per-school resource rule to schools
    failing it; ``by="summary"`` the share of moves that go toward rural or weak schools.
``teacher_quality`` (:func:`teacher_quality_table`)
    G9 (training hours in five years) and G12 (teaching certificate) per year, or per school.

:func:`rotation_tables` computes all of them at once from one preparation (same results).

Eligibility
-----------
A teacher is eligible to rotate in year ``Y`` when their teacher row of year ``Y − 1`` (the
year before the move) shows ``years_at_school ≥ min_years_at_school`` and an age
``(Y − 1) − birth_year`` below the exemption age of their sex (``exempt_age_male``,
``exempt_age_female``; at or above it a teacher is exempt). The three parameters come from the
county's ``county.toml`` ``[rotation]`` (defaults 6, 55, 50) and can be overridden per call
(options of the same names). A year can be evaluated only when the teachers table has rows for
the year before it.

Counting
--------
*Rotated* counts distinct teachers with at least one move that year in a counted mode (option
``counted_modes``, default the standard's ``[rotation] counted_modes``), so a move recorded twice,
or a teacher moving twice, counts once. *Backbone* means a backbone level of county or above
(``county``, ``city``, ``province``, ``national``) in the teacher's row of the year before the move
(the row of the same year when the teacher has none the year before). Only teachers of the
standard's compulsory stages (小学, 初中) count; ``stage`` narrows to one of them.

Statuses instead of NaN
-----------------------
The per-year and per-school tables have a ``status`` column (the flow summary too); undefined
numbers are NA and the status says why:

``ok``
    computed.
``no_eligible``
    nobody was eligible: the ratio is undefined (never 0 or inf) and ``passes`` is NA.
``no_rotated``
    nobody rotated: the backbone share is undefined (the ratio, 0, fails G11 when the limit is > 0).
``no_teacher_data``
    the teachers table has no rows for the year before (rotation) or for the year (teacher quality).
``missing_table``
    the teachers (or rotations) table was not provided: every count is NA (缺数据).
``no_limit``
    computed, but the standard sets no limit to test against (e.g. ``moe-2012``), so ``passes`` is NA.
``no_moves``
    (flows) no counted move that year.

The missing-table case is a status, not an exception, so that callers (the scorecard, the
notebook) can show 缺数据 without handling errors; map ``missing_table`` and ``no_teacher_data``
to "missing". Options that make no sense raise :class:`~eduwb.errors.ParameterError`.

Privacy
-------
No table here carries a teacher id: every result is a count over teachers. Per-school tables keep
their numbers for analysis; :func:`eduwb.present.charts.rotation.localise` returns the copy to show people,
in which counts of one or two teachers read ``"<3"`` and numbers that would reveal them ``"—"``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd

from eduwb.analysis.scope import check_options
from eduwb.data.schema import BACKBONE_LEVELS, LOCALES, MODES
from eduwb.errors import AnalysisError, ParameterError

MODE_CODES = tuple(MODES)
LOCALE_CODES = tuple(LOCALES)
COMPLIANCE_GROUPS = ("passing", "failing", "unknown")
# Backbone levels in increasing rank (the data dictionary's order); "county or above" = from county on.
_LEVEL_RANK = {level: rank for rank, level in enumerate(BACKBONE_LEVELS)}
_DEFAULT_BACKBONE_MIN_LEVEL = "county"
# Column kinds, for rows that say 缺数据 (every number NA, with the right nullable dtype).
RATE_COLUMNS = frozenset(
    {
        "ratio",
        "backbone_share",
        "ratio_limit",
        "share_limit",
        "training_rate",
        "certification_rate",
        "training_limit",
        "certification_limit",
        "share",
        "to_rural_share",
        "to_weak_share",
        "to_rural_or_weak_share",
        "backbone_to_rural_or_weak_share",
    }
)
BOOL_COLUMNS = frozenset({"passes", "training_passes", "certification_passes", "counted"})

_ROTATION_OPTIONS = ("min_years_at_school", "exempt_age_male", "exempt_age_female", "counted_modes")


# ----------------------------------------------------------------------------- parameters


@dataclass(frozen=True)
class EligibilityRule:
    """Who may be asked to rotate: years at the same school, and the exemption ages by sex."""

    min_years_at_school: int
    exempt_age_male: int
    exempt_age_female: int

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def _whole(value: Any, key: str) -> int:
    """A non-negative whole number from an option (CLI strings or numbers)."""
    text = str(value).strip()
    try:
        number = float(text)
    except ValueError:
        raise ParameterError(f"{key} must be a whole number, not {value!r}") from None
    if not number.is_integer() or number < 0:
        raise ParameterError(f"{key} must be a non-negative whole number, not {value!r}")
    return int(number)


def eligibility_rule(ds, **options) -> EligibilityRule:
    """The county's eligibility rule (``county.toml`` ``[rotation]``), with options overriding it.

    Parameters
    ----------
    ds
        The dataset (its ``settings.rotation`` gives the county's rule).
    **options
        ``min_years_at_school``, ``exempt_age_male``, ``exempt_age_female`` (numbers or strings);
        other keys are ignored here.
    """
    from eduwb.data.dataset import DEFAULT_ROTATION

    values = {**DEFAULT_ROTATION, **(ds.settings.rotation or {})}
    for key in ("min_years_at_school", "exempt_age_male", "exempt_age_female"):
        if options.get(key) is not None:
            values[key] = options[key]
    return EligibilityRule(
        **{k: _whole(values[k], k) for k in ("min_years_at_school", "exempt_age_male", "exempt_age_female")}
    )


def counted_modes(std, value: Any = None) -> tuple[str, ...]:
    """The modes of move that count toward G11: ``value`` (``"rotation,support"``, Chinese labels
    accepted, or a list) or the standard's ``[rotation] counted_modes`` (every mode if it has none)."""
    if value is None:
        value = std.rotation.get("counted_modes", list(MODE_CODES))
    items = (
        [s.strip() for s in value.replace("，", ",").split(",")] if isinstance(value, str) else list(value)
    )
    items = [s for s in items if s]
    by_label = {label: code for code, label in MODES.items()}
    codes = []
    for item in items:
        code = item if item in MODES else by_label.get(item)
        if code is None:
            allowed = ", ".join(f"{c} {label}" for c, label in MODES.items())
            raise ParameterError(f"counted_modes: unknown mode {item!r}; modes: {allowed}")
        if code not in codes:
            codes.append(code)
    if not codes:
        raise ParameterError("counted_modes: give at least one mode")
    return tuple(c for c in MODE_CODES if c in codes)


def backbone_levels(std) -> tuple[str, ...]:
    """Backbone levels that count as 骨干 (county level or above unless the standard says otherwise)."""
    lowest = std.rotation.get("backbone_min_level", _DEFAULT_BACKBONE_MIN_LEVEL)
    if lowest not in _LEVEL_RANK:
        raise ParameterError(f"backbone_min_level {lowest!r} is not one of {', '.join(BACKBONE_LEVELS)}")
    return tuple(level for level, rank in _LEVEL_RANK.items() if rank >= _LEVEL_RANK[lowest])


def rotation_limits(std) -> tuple[float | None, float | None]:
    """G11's two limits ``(ratio_min, backbone_share_min)``: the G11 entry of the standard is
    their one source (its threshold and ``params.backbone_share_min``); None if it has none."""
    if not std.has_indicator("G11"):
        return None, None
    g11 = std.indicator("G11")
    return g11.threshold_for(), g11.params.get("backbone_share_min")


def _check_by(by: Any, allowed: tuple[str | None, ...], table: str) -> str | None:
    if by in (None, ""):
        return None
    if by not in allowed:
        choices = ", ".join(str(a) for a in allowed if a)
        raise ParameterError(f"table {table}: by={by!r} is not available; choose one of: {choices}")
    return by


def _stages(std, stage: str | None) -> tuple[str, ...]:
    stages = tuple(std.stages)
    if stage is None:
        return stages
    if stage not in stages:
        raise ParameterError(f"stage must be one of {', '.join(stages)}, not {stage!r}")
    return (stage,)


# ----------------------------------------------------------------------------- preparation
#
# The tables are counts over teachers and moves. Teachers, schools, years and modes are turned
# into integer codes once, so that every count is a single ``np.bincount`` over those codes —
# no merges, no per-teacher Python. A teacher × year key (code × stride + year offset) finds the
# row of the year before a move through one hash lookup.


@dataclass(frozen=True)
class _Schools:
    ids: np.ndarray
    names: np.ndarray
    locales: np.ndarray
    index: pd.Index
    rank: np.ndarray  # position of each school when sorted by id (for deterministic order)

    @classmethod
    def of(cls, ds) -> _Schools:
        ids = ds.schools["school_id"].to_numpy(dtype=object)
        rank = np.empty(len(ids), dtype=np.int64)
        rank[np.argsort(ids, kind="stable")] = np.arange(len(ids))
        return cls(
            ids=ids,
            names=ds.schools["name"].to_numpy(dtype=object),
            locales=ds.schools["locale"].to_numpy(dtype=object),
            index=pd.Index(ids),
            rank=rank,
        )

    def __len__(self) -> int:
        return len(self.ids)


@dataclass(frozen=True)
class _Teachers:
    """Teacher rows (every stage) as arrays; ``counted`` marks rows of the counted stages."""

    year: np.ndarray
    counted: np.ndarray
    eligible_next: np.ndarray  # eligible to rotate in the next year (this row is its "year before")
    school: np.ndarray | None  # position in ds.schools (only when a per-school table needs it)


@dataclass(frozen=True)
class _Moves:
    """Distinct moves of counted-stage teachers, with the attributes of their year-before row."""

    teacher: np.ndarray
    year: np.ndarray
    source: np.ndarray
    target: np.ndarray
    mode: np.ndarray  # position in MODE_CODES
    backbone: np.ndarray
    eligible: np.ndarray


def _pick(values: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """``values[rows]`` with ``False``/0 where ``rows`` is −1 (no such row)."""
    out = np.zeros(len(rows), dtype=values.dtype)
    found = rows >= 0
    out[found] = values[rows[found]]
    return out


def teachers_in_scope(ds, std, indicator: str, stages: tuple[str, ...]) -> np.ndarray:
    """Which teacher rows an indicator counts: the standard's compulsory stages (or ``stages``)
    at a school of the indicator's scope (moe-2017: every school for G9, G11 and G12)."""
    t = ds.teachers
    counted = t["stage"].isin(stages).to_numpy(dtype=bool)
    kinds = std.scope_of(indicator).kinds
    if kinds is not None:
        kind = t["school_id"].map(ds.schools.set_index("school_id")["kind"])
        counted = counted & kind.isin(list(kinds)).to_numpy(dtype=bool)
    return counted


def _prepare_teachers(
    ds, std, schools: _Schools, rule: EligibilityRule, stages: tuple[str, ...], *, by_school: bool
) -> _Teachers:
    t = ds.teachers
    t_year = t["year"].to_numpy(dtype=np.int64)
    age = t_year - t["birth_year"].to_numpy(dtype=np.int64)
    exempt_at = np.where(
        t["sex"].to_numpy(dtype=object) == "male", rule.exempt_age_male, rule.exempt_age_female
    )
    return _Teachers(
        year=t_year,
        counted=teachers_in_scope(ds, std, "G11", stages),
        eligible_next=(t["years_at_school"].to_numpy(dtype=np.int64) >= rule.min_years_at_school)
        & (age < exempt_at),
        school=schools.index.get_indexer(t["school_id"]) if by_school else None,
    )


def _prepare_moves(ds, std, schools: _Schools, teachers: _Teachers) -> _Moves:
    t, r = ds.teachers, ds.rotations
    t_year = teachers.year
    # Only the rows of teachers who appear in rotations need a teacher × year key.
    movers = np.flatnonzero(t["teacher_id"].isin(r["teacher_id"]).to_numpy(dtype=bool))
    nm, nr = len(movers), len(r)
    r_year = r["year"].to_numpy(dtype=np.int64)
    codes, _ = pd.factorize(
        np.concatenate(
            [t["teacher_id"].to_numpy(dtype=object)[movers], r["teacher_id"].to_numpy(dtype=object)]
        )
    )
    m_code, r_code = codes[:nm].astype(np.int64), codes[nm:].astype(np.int64)
    m_year = t_year[movers]
    every_year = np.concatenate([m_year, r_year])
    base = int(every_year.min()) - 1 if every_year.size else 0
    stride = int(every_year.max()) - base + 1 if every_year.size else 1
    key = pd.Index(m_code * stride + (m_year - base))
    found = key.get_indexer(
        np.concatenate([r_code * stride + (r_year - 1 - base), r_code * stride + (r_year - base)])
    )
    found = np.where(found >= 0, movers[np.maximum(found, 0)], -1)  # back to positions in ds.teachers
    before, same = found[:nr], found[nr:]
    row = np.where(before >= 0, before, same)
    backbone = np.zeros(len(t), dtype=bool)
    backbone[movers] = (
        pd.Series(t["backbone"].to_numpy(dtype=object)[movers])
        .isin(backbone_levels(std))
        .to_numpy(dtype=bool)
    )

    ends = schools.index.get_indexer(
        np.concatenate([r["from_school"].to_numpy(dtype=object), r["to_school"].to_numpy(dtype=object)])
    )
    source, target = ends[:nr], ends[nr:]
    mode = pd.Index(MODE_CODES).get_indexer(r["mode"])
    distinct = np.zeros(nr, dtype=bool)
    distinct[_distinct(r_code, r_year - base, source, target, mode)] = True
    keep = distinct & _pick(teachers.counted, row)
    return _Moves(
        teacher=r_code[keep],
        year=r_year[keep],
        source=source[keep],
        target=target[keep],
        mode=mode[keep],
        backbone=_pick(backbone, row)[keep],
        eligible=_pick(teachers.eligible_next, before)[keep],
    )


def _years_in(values: np.ndarray) -> list[int]:
    """The distinct years of an int array, sorted (a bincount: years span a few dozen values)."""
    if values.size == 0:
        return []
    low = int(values.min())
    present = np.flatnonzero(np.bincount(values - low))
    return [int(y) + low for y in present]


def _year_positions(values: np.ndarray, years: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """Position of each value in ``years`` (sorted) and whether it is there at all."""
    grid = np.asarray(years, dtype=np.int64)
    if grid.size == 0:
        return np.zeros(len(values), dtype=np.int64), np.zeros(len(values), dtype=bool)
    pos = np.minimum(np.searchsorted(grid, values), grid.size - 1)
    return pos, grid[pos] == values


def _distinct(*codes: np.ndarray) -> np.ndarray:
    """Sorted indices of the first occurrence of each distinct combination of integer codes."""
    if len(codes[0]) == 0:
        return np.zeros(0, dtype=np.int64)
    arrays = [np.asarray(c, dtype=np.int64) for c in codes]
    # one mixed-radix key when it fits in 63 bits (always, at province scale), else rows
    key = np.zeros(len(arrays[0]), dtype=np.int64)
    capacity = 1
    for values in arrays:
        low = int(values.min())
        radix = int(values.max()) - low + 1
        capacity *= radix
        if capacity >= 2**62:
            first = np.unique(np.stack(arrays, axis=1), axis=0, return_index=True)[1]
            return np.sort(first)
        key = key * radix + (values - low)
    return np.sort(np.unique(key, return_index=True)[1])


def _count(positions: np.ndarray, size: int, weights: np.ndarray | None = None) -> np.ndarray:
    counts = np.bincount(positions, weights=weights, minlength=size)
    return counts.astype(np.int64)


def _counts(values, missing=None) -> pd.arrays.IntegerArray:
    values = np.asarray(values, dtype=np.int64)
    mask = np.zeros(len(values), dtype=bool) if missing is None else np.asarray(missing, dtype=bool)
    return pd.arrays.IntegerArray(np.where(mask, 0, values), mask)


def _ratio(numerator, denominator, missing=None) -> pd.arrays.FloatingArray:
    """numerator / denominator, NA where the denominator is 0 or missing (never inf)."""
    num = np.asarray(numerator, dtype=np.float64)
    den = np.asarray(denominator, dtype=np.float64)
    undefined = ~(den > 0)
    if missing is not None:
        undefined |= np.asarray(missing, dtype=bool)
    values = np.divide(num, den, out=np.zeros(len(num)), where=~undefined)
    return pd.arrays.FloatingArray(values, undefined)


def _at_least(rate: pd.arrays.FloatingArray, limit: float | None) -> pd.arrays.BooleanArray:
    """rate ≥ limit as nullable booleans: NA where the rate or the limit is undefined."""
    if limit is None:
        return pd.arrays.BooleanArray(np.zeros(len(rate), dtype=bool), np.ones(len(rate), dtype=bool))
    na = np.asarray(rate.isna(), dtype=bool)
    values = rate.to_numpy(dtype=np.float64, na_value=np.nan) >= limit
    return pd.arrays.BooleanArray(values & ~na, na)


def _is_false(flags: pd.arrays.BooleanArray) -> np.ndarray:
    """1 where a nullable boolean is False (not NA), else 0."""
    return (~flags.to_numpy(dtype=bool, na_value=True)).astype(np.int64)


def _constant(value: float | None, n: int) -> pd.arrays.FloatingArray:
    if value is None:
        return pd.arrays.FloatingArray(np.zeros(n), np.ones(n, dtype=bool))
    return pd.arrays.FloatingArray(np.full(n, float(value)), np.zeros(n, dtype=bool))


# ----------------------------------------------------------------------------- rotation (G11)

_ROTATION_COLUMNS = [
    "year",
    "eligible",
    "rotated",
    "ratio",
    "backbone_rotated",
    "backbone_share",
    "ratio_limit",
    "share_limit",
    "passes",
    "status",
    "rotated_eligible",
] + [f"moves_{mode}" for mode in MODE_CODES]
_SCHOOL_COLUMNS = [
    "year",
    "school_id",
    "school_name",
    "locale",
    "eligible",
    "rotated",
    "ratio",
    "backbone_rotated",
    "backbone_share",
    "received",
    "backbone_received",
    "status",
]
_MODE_COLUMNS = ["year", "mode", "counted", "moves", "teachers_moved", "backbone_moved"]


def rotation_table(ds, std, *, year: int | None = None, stage: str | None = None, **options) -> pd.DataFrame:
    """G11 per year: eligible teachers, distinct rotated teachers, ratio and backbone share.

    Parameters
    ----------
    ds, std
        The dataset and the standard (limits: the G11 entry's threshold and
        ``params.backbone_share_min``).
    year
        Only this year (a row is returned even when it cannot be evaluated, with its status);
        default every year of the data (sections, teachers or rotations) that can be evaluated,
        i.e. whose year before has teacher rows.
    stage
        ``primary`` or ``junior`` (the stage of the teacher's row); default both.
    **options
        ``by``: ``None`` (per year), ``"school"`` (per sending school, with what it received),
        ``"mode"`` (per year × mode) or ``"min_years"`` (the ratio under other values of
        ``min_years_at_school``; ``min_years_values="3,4,5"``).
        ``min_years_at_school``, ``exempt_age_male``, ``exempt_age_female``: override the
        county's eligibility rule. ``counted_modes``: modes counted toward G11
        (``"rotation,support"``; default the standard's).

    Returns
    -------
    pandas.DataFrame
        Per year: ``year, eligible, rotated, ratio, backbone_rotated, backbone_share,
        ratio_limit, share_limit, passes, status, rotated_eligible, moves_<mode>…``
        (``rotated_eligible``: rotated teachers who were eligible; ``moves_<mode>``: distinct
        move records of each mode, counted or not). Counts are ``Int64``, rates ``Float64``,
        ``passes`` nullable boolean; see the module docstring for ``status``.
        ``by="school"``: ``year, school_id, school_name, locale, eligible, rotated, ratio,
        backbone_rotated, backbone_share, received, backbone_received, status`` for every
        school × year with any of these counts (the sending school is the move's
        ``from_school``; eligibility counts at the school of the year-before row).
        ``by="mode"``: ``year, mode, counted, moves, teachers_moved, backbone_moved`` (distinct
        move records, distinct teachers, of whom backbone; ``counted``: the mode counts toward G11).
        ``by="min_years"``: ``min_years_at_school, year, eligible, rotated, ratio,
        backbone_share, ratio_limit, share_limit, passes, status``.
    """
    options = dict(options)
    by = _check_by(options.pop("by", None), (None, "school", "mode", "min_years"), "rotation")
    values = options.pop("min_years_values", None)
    if values is not None and by != "min_years":
        raise ParameterError("table rotation: min_years_values needs by=min_years")
    check_options(options, (*_ROTATION_OPTIONS, "by", "min_years_values"), "rotation")
    stages = _stages(std, stage)
    rule = eligibility_rule(ds, **options)
    modes = counted_modes(std, options.get("counted_modes"))
    if by == "min_years":
        return _min_years_scan(ds, std, year, stage, rule, values, options)
    if ds.teachers is None or ds.rotations is None:
        return _missing_rotation(ds, std, year, by, modes)

    schools = _Schools.of(ds)
    teachers = _prepare_teachers(ds, std, schools, rule, stages, by_school=by == "school")
    return _rotation(ds, std, schools, teachers, _prepare_moves(ds, std, schools, teachers), year, modes, by)


def _rotation(
    ds, std, schools: _Schools, teachers: _Teachers, moves: _Moves, year, modes, by
) -> pd.DataFrame:
    teacher_years = set(_years_in(teachers.year))
    if year is None:
        candidates = (
            teacher_years | set(_years_in(ds.rotations["year"].to_numpy(dtype=np.int64))) | set(ds.years)
        )
        years = sorted(int(y) for y in candidates if y - 1 in teacher_years)
    else:
        years = [int(year)]
    evaluable = np.array([y - 1 in teacher_years for y in years], dtype=bool)
    counted = np.isin(moves.mode, [MODE_CODES.index(m) for m in modes])
    if by == "mode":
        return _rotation_by_mode(moves, years, modes)
    if by == "school":
        return _rotation_by_school(schools, teachers, moves, years, evaluable, counted)
    return _rotation_by_year(std, teachers, moves, years, evaluable, counted)


def _eligible_positions(teachers: _Teachers, years: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """Year positions (the year of the move) and the mask of eligible counted-stage rows."""
    pos, inside = _year_positions(teachers.year + 1, years)
    return pos, inside & teachers.counted & teachers.eligible_next


def _rotation_by_year(std, teachers: _Teachers, moves: _Moves, years, evaluable, counted) -> pd.DataFrame:
    n = len(years)
    pos, eligible_rows = _eligible_positions(teachers, years)
    eligible = _count(pos[eligible_rows], n)
    mpos, inside = _year_positions(moves.year, years)
    sel = np.flatnonzero(inside & counted)
    first = sel[_distinct(moves.teacher[sel], mpos[sel])]  # one per teacher × year
    rotated = _count(mpos[first], n)
    backbone = _count(mpos[first], n, moves.backbone[first])
    rotated_eligible = _count(mpos[first], n, moves.eligible[first])
    per_mode = _count(mpos[inside] * len(MODE_CODES) + moves.mode[inside], n * len(MODE_CODES)).reshape(
        n, len(MODE_CODES)
    )

    ratio_min, share_min = rotation_limits(std)
    ratio = _ratio(rotated, eligible, missing=~evaluable)
    share = _ratio(backbone, rotated)
    # Kleene logic: a ratio below its limit fails even when the share is undefined (nobody
    # rotated); without eligible teachers the test as a whole is undefined.
    passes = _at_least(ratio, ratio_min) & _at_least(share, share_min)
    passes[np.asarray(ratio.isna(), dtype=bool)] = pd.NA
    status = np.select(
        [~evaluable, eligible == 0, rotated == 0, np.full(n, ratio_min is None or share_min is None)],
        ["no_teacher_data", "no_eligible", "no_rotated", "no_limit"],
        "ok",
    )
    out = {
        "year": np.asarray(years, dtype=np.int64),
        "eligible": _counts(eligible, missing=~evaluable),
        "rotated": _counts(rotated),
        "ratio": ratio,
        "backbone_rotated": _counts(backbone),
        "backbone_share": share,
        "ratio_limit": _constant(ratio_min, n),
        "share_limit": _constant(share_min, n),
        "passes": passes,
        "status": status.astype(object),
        "rotated_eligible": _counts(rotated_eligible),
    }
    for i, mode in enumerate(MODE_CODES):
        out[f"moves_{mode}"] = _counts(per_mode[:, i])
    return pd.DataFrame(out, columns=_ROTATION_COLUMNS)


def _rotation_by_school(
    schools: _Schools, teachers: _Teachers, moves: _Moves, years, evaluable, counted
) -> pd.DataFrame:
    n, k = len(years), len(schools)
    pos, eligible_rows = _eligible_positions(teachers, years)
    eligible = _count(pos[eligible_rows] * k + teachers.school[eligible_rows], n * k)
    mpos, inside = _year_positions(moves.year, years)
    sel = np.flatnonzero(inside & counted)
    tallies = {"eligible": eligible}
    for end, names in (
        ("source", ("rotated", "backbone_rotated")),
        ("target", ("received", "backbone_received")),
    ):
        school = getattr(moves, end)
        first = sel[_distinct(moves.teacher[sel], mpos[sel], school[sel])]
        cell = mpos[first] * k + school[first]
        tallies[names[0]] = _count(cell, n * k)
        tallies[names[1]] = _count(cell, n * k, moves.backbone[first])
    any_count = np.zeros(n * k, dtype=bool)
    for values in tallies.values():
        any_count |= values > 0
    cells = np.flatnonzero(any_count)
    year_pos, school_pos = np.divmod(cells, k)
    order = np.lexsort((schools.rank[school_pos], year_pos))
    cells, year_pos, school_pos = cells[order], year_pos[order], school_pos[order]

    ok = evaluable[year_pos]
    got = {name: values[cells] for name, values in tallies.items()}
    status = np.select(
        [~ok, got["eligible"] == 0, got["rotated"] == 0],
        ["no_teacher_data", "no_eligible", "no_rotated"],
        "ok",
    )
    out = {
        "year": np.asarray(years, dtype=np.int64)[year_pos],
        "school_id": schools.ids[school_pos],
        "school_name": schools.names[school_pos],
        "locale": schools.locales[school_pos],
        "eligible": _counts(got["eligible"], missing=~ok),
        "rotated": _counts(got["rotated"]),
        "ratio": _ratio(got["rotated"], got["eligible"], missing=~ok),
        "backbone_rotated": _counts(got["backbone_rotated"]),
        "backbone_share": _ratio(got["backbone_rotated"], got["rotated"]),
        "received": _counts(got["received"]),
        "backbone_received": _counts(got["backbone_received"]),
        "status": status.astype(object),
    }
    return pd.DataFrame(out, columns=_SCHOOL_COLUMNS)


def _rotation_by_mode(moves: _Moves, years, modes: tuple[str, ...]) -> pd.DataFrame:
    n, m = len(years), len(MODE_CODES)
    mpos, inside = _year_positions(moves.year, years)
    sel = np.flatnonzero(inside)
    cell = mpos[sel] * m + moves.mode[sel]
    first = sel[_distinct(moves.teacher[sel], mpos[sel], moves.mode[sel])]
    first_cell = mpos[first] * m + moves.mode[first]
    counted = np.array([mode in modes for mode in MODE_CODES], dtype=bool)
    return pd.DataFrame(
        {
            "year": np.repeat(np.asarray(years, dtype=np.int64), m),
            "mode": np.tile(np.array(MODE_CODES, dtype=object), n),
            "counted": np.tile(counted, n),
            "moves": _counts(_count(cell, n * m)),
            "teachers_moved": _counts(_count(first_cell, n * m)),
            "backbone_moved": _counts(_count(first_cell, n * m, moves.backbone[first])),
        },
        columns=_MODE_COLUMNS,
    )


def _missing_rotation(ds, std, year, by, modes: tuple[str, ...]) -> pd.DataFrame:
    """Rows saying 缺数据 for every year asked about: every count NA, what the standard says kept."""
    years = [int(year)] if year is not None else list(ds.years)
    if by == "school":
        return _empty(_SCHOOL_COLUMNS)
    n = len(years)
    if by == "mode":
        m = len(MODE_CODES)
        return pd.DataFrame(
            {
                "year": np.repeat(np.asarray(years, dtype=np.int64), m),
                "mode": np.tile(np.array(MODE_CODES, dtype=object), n),
                "counted": np.tile(np.array([mode in modes for mode in MODE_CODES], dtype=bool), n),
                **{
                    col: _counts(np.zeros(n * m), missing=np.ones(n * m))
                    for col in ("moves", "teachers_moved", "backbone_moved")
                },
            },
            columns=_MODE_COLUMNS,
        )
    ratio_min, share_min = rotation_limits(std)
    return _missing_rows(
        years, _ROTATION_COLUMNS, "missing_table", {"ratio_limit": ratio_min, "share_limit": share_min}
    )


def _missing_rows(
    years: list[int], columns: list[str], status: str, limits: dict[str, float | None] | None = None
) -> pd.DataFrame:
    """One row per year with every number NA and the given status (``limits``: constant columns)."""
    n = len(years)
    out: dict[str, Any] = {"year": np.asarray(years, dtype=np.int64)}
    for col in columns[1:]:
        if limits and col in limits:
            out[col] = _constant(limits[col], n)
        elif col in RATE_COLUMNS:
            out[col] = _ratio(np.zeros(n), np.zeros(n))
        elif col in BOOL_COLUMNS:
            out[col] = pd.arrays.BooleanArray(np.zeros(n, dtype=bool), np.ones(n, dtype=bool))
        elif col in ("status", "compliance_status"):
            out[col] = np.full(n, status, dtype=object)
        else:
            out[col] = _counts(np.zeros(n), missing=np.ones(n))
    return pd.DataFrame(out, columns=columns)


def _empty(columns: list[str]) -> pd.DataFrame:
    return _missing_rows([], columns, "missing_table")


def _min_years_scan(ds, std, year, stage, rule, values, options) -> pd.DataFrame:
    """The per-year table recomputed for several values of min_years_at_school."""
    if values is None:
        centre = rule.min_years_at_school
        scan = list(range(max(centre - 3, 1), centre + 4))
    else:
        scan = sorted(
            {_whole(v, "min_years_values") for v in str(values).replace("，", ",").split(",") if v.strip()}
        )
        if not scan:
            raise ParameterError("min_years_values: give at least one number")
    base = {k: v for k, v in options.items() if k != "min_years_at_school"}
    frames = [
        rotation_table(ds, std, year=year, stage=stage, min_years_at_school=n, **base).assign(
            min_years_at_school=n
        )
        for n in scan
    ]
    cols = [
        "min_years_at_school",
        "year",
        "eligible",
        "rotated",
        "ratio",
        "backbone_share",
        "ratio_limit",
        "share_limit",
        "passes",
        "status",
    ]
    out = pd.concat(frames, ignore_index=True)[cols]
    return out.sort_values(["year", "min_years_at_school"], kind="stable").reset_index(drop=True)


# ----------------------------------------------------------------------------- flows

_FLOW_COLUMNS = ["year", "grouping", "from_group", "to_group", "moves", "backbone_moves", "share"]
_FLOW_SUMMARY_COLUMNS = [
    "year",
    "moves",
    "backbone_moves",
    "to_rural",
    "to_rural_share",
    "backbone_to_rural",
    "to_weak",
    "to_weak_share",
    "backbone_to_weak",
    "to_rural_or_weak",
    "to_rural_or_weak_share",
    "backbone_to_rural_or_weak",
    "backbone_to_rural_or_weak_share",
    "compliance_unknown",
    "compliance_status",
    "status",
]


def school_compliance(ds, std, years: Iterable[int]) -> tuple[pd.DataFrame, str]:
    """Whether each school passes the per-school resource rule, per year.

    Uses the per-school rule of :mod:`eduwb.analysis.balance` (what ``compliance_table`` shows), for
    all years at once; a school passes when every one of its sections
    passes, fails when one fails, and is unknown when a section is undecided. Returns
    ``(frame, availability)``: the frame has ``year, school_id, compliance`` (``passing`` or
    ``failing`` or ``unknown``; schools out of scope are absent and count as unknown);
    availability is ``"ok"``, or ``"unavailable"`` when the resource analysis is not installed
    or cannot run on these data (then every school is unknown).
    """
    empty = pd.DataFrame(
        {
            "year": pd.Series(dtype="int64"),
            "school_id": pd.Series(dtype=object),
            "compliance": pd.Series(dtype=object),
        }
    )
    try:
        from eduwb.analysis.balance import school_rule
        from eduwb.analysis.resources import section_values
    except ImportError:
        return empty, "unavailable"
    wanted = sorted(int(y) for y in set(years) if y in ds.years)

    def rule_for(year_list: list[int]) -> pd.DataFrame | None:
        try:
            return school_rule(section_values(ds, std, years=year_list), std)
        except (AnalysisError, ParameterError):
            # no per-school rule in this standard, or sections it cannot evaluate
            return None

    # every year in one pass (the resource analysis is vectorised over years); a year that
    # cannot be evaluated is left out on its own
    tables = [rule_for(wanted)] if wanted else []
    if wanted and tables[0] is None:
        tables = [rule_for([y]) for y in wanted]
    frames = []
    for table in tables:
        if table is None or table.empty:
            continue
        passes = table["passes"].astype("boolean")
        per_school = (
            pd.DataFrame(
                {
                    "year": table["year"].astype("int64"),
                    "school_id": table["school_id"],
                    "undecided": passes.isna(),
                    "fails": passes.eq(False),
                }
            )
            .groupby(["year", "school_id"], sort=True)
            .agg(undecided=("undecided", "any"), fails=("fails", "any"))
        )
        status = np.where(
            per_school["fails"], "failing", np.where(per_school["undecided"], "unknown", "passing")
        )
        index = per_school.index
        frames.append(
            pd.DataFrame(
                {
                    "year": index.get_level_values("year").to_numpy(dtype="int64"),
                    "school_id": index.get_level_values("school_id").to_numpy(dtype=object),
                    "compliance": status,
                }
            )
        )
    if not frames:
        return empty, "unavailable"
    return pd.concat(frames, ignore_index=True), "ok"


def flows_table(ds, std, *, year: int | None = None, stage: str | None = None, **options) -> pd.DataFrame:
    """Where the moves go: locale to locale, and passing to failing schools (the resource rule).

    Parameters
    ----------
    year
        Only this year; default every year with moves.
    stage
        ``primary`` or ``junior`` (the moving teacher's stage); default both.
    **options
        ``by``: ``None`` (the flow matrix) or ``"summary"`` (per year, the share of moves toward
        rural or weak schools). ``counted_modes``: modes included (default the standard's
        counted modes).

    Returns
    -------
    pandas.DataFrame
        The flow matrix, long form, one row per year × grouping × from_group × to_group:
        ``year, grouping, from_group, to_group, moves, backbone_moves, share``.
        ``grouping`` is ``"locale"`` (groups ``urban``, ``town``, ``rural``; all nine pairs,
        zeros included) or ``"compliance"`` (groups ``passing``, ``failing`` — all four pairs —
        and, where moves involve one, ``unknown``), a school's compliance being its status
        under the per-school resource rule in the year *before* the move: the state the move
        responds to, not one the incoming teachers already changed.
        ``moves`` are distinct move records (one recorded twice counts once), ``backbone_moves``
        those of backbone teachers, ``share`` = moves / all moves of the year.

        ``by="summary"``: ``year, moves, backbone_moves, to_rural, to_rural_share,
        backbone_to_rural, to_weak, to_weak_share, backbone_to_weak, to_rural_or_weak,
        to_rural_or_weak_share, backbone_to_rural_or_weak, backbone_to_rural_or_weak_share,
        compliance_unknown, compliance_status, status``. "Toward" means the receiving school is
        rural (resp. fails the resource rule). Shares are over all moves of the year (the
        backbone share over backbone moves), so moves to schools of unknown compliance
        (``compliance_unknown``) count as not toward weak schools. ``compliance_status`` is
        ``ok``, ``partial`` (some receiving schools unknown) or ``unavailable`` (no resource
        analysis: the weak-school columns are NA).
    """
    options = dict(options)
    by = _check_by(options.pop("by", None), (None, "summary"), "flows")
    check_options(options, ("counted_modes", "by"), "flows")
    stages = _stages(std, stage)
    modes = counted_modes(std, options.get("counted_modes"))
    if ds.teachers is None or ds.rotations is None:
        years = [int(year)] if year is not None else list(ds.years)
        if by == "summary":
            return _missing_rows(years, _FLOW_SUMMARY_COLUMNS, "missing_table")
        return _empty(_FLOW_COLUMNS)

    schools = _Schools.of(ds)
    teachers = _prepare_teachers(ds, std, schools, eligibility_rule(ds), stages, by_school=False)
    moves = _prepare_moves(ds, std, schools, teachers)
    years = _years_in(ds.rotations["year"].to_numpy(dtype=np.int64)) if year is None else [int(year)]
    flows, availability = _flows(
        ds, std, schools, moves, years, modes, school_compliance(ds, std, [y - 1 for y in years])
    )
    if by == "summary":
        return _flows_summary(flows, years, availability)
    return _flows_matrix(flows, years)


def _flows(
    ds, std, schools: _Schools, moves: _Moves, years: list[int], modes, compliance_result
) -> tuple[dict[str, np.ndarray], str]:
    """Each counted move of ``years`` with the locale and compliance group of both ends."""
    compliance, availability = compliance_result
    mpos, inside = _year_positions(moves.year, years)
    sel = np.flatnonzero(inside & np.isin(moves.mode, [MODE_CODES.index(m) for m in modes]))
    locale = pd.Index(LOCALE_CODES).get_indexer(schools.locales)
    # years × schools: 0 passing, 1 failing, 2 unknown (the year before each move year)
    status = np.full((len(years), len(schools)), COMPLIANCE_GROUPS.index("unknown"), dtype=np.int64)
    cpos, cinside = _year_positions(compliance["year"].to_numpy(dtype=np.int64) + 1, years)
    cschool = schools.index.get_indexer(compliance["school_id"])
    ok = cinside & (cschool >= 0)
    status[cpos[ok], cschool[ok]] = pd.Index(COMPLIANCE_GROUPS).get_indexer(compliance["compliance"])[ok]
    flows = {
        "year": mpos[sel],
        "from_locale": locale[moves.source[sel]],
        "to_locale": locale[moves.target[sel]],
        "from_compliance": status[mpos[sel], moves.source[sel]],
        "to_compliance": status[mpos[sel], moves.target[sel]],
        "backbone": moves.backbone[sel],
    }
    return flows, availability


def _flow_block(
    flows: dict[str, np.ndarray], years: list[int], grouping: str, groups: tuple[str, ...], src: str, dst: str
) -> pd.DataFrame:
    n, g = len(years), len(groups)
    cell = (flows["year"] * g + flows[src]) * g + flows[dst]
    moves = _count(cell, n * g * g)
    backbone = _count(cell, n * g * g, flows["backbone"])
    per_year = moves.reshape(n, -1).sum(axis=1)
    return pd.DataFrame(
        {
            "year": np.repeat(np.asarray(years, dtype=np.int64), g * g),
            "grouping": grouping,
            "from_group": np.tile(np.repeat(np.array(groups, dtype=object), g), n),
            "to_group": np.tile(np.tile(np.array(groups, dtype=object), g), n),
            "moves": _counts(moves),
            "backbone_moves": _counts(backbone),
            "share": _ratio(moves, np.repeat(per_year, g * g)),
        },
        columns=_FLOW_COLUMNS,
    )


def _flows_matrix(flows: dict[str, np.ndarray], years: list[int]) -> pd.DataFrame:
    by_locale = _flow_block(flows, years, "locale", LOCALE_CODES, "from_locale", "to_locale")
    by_compliance = _flow_block(
        flows, years, "compliance", COMPLIANCE_GROUPS, "from_compliance", "to_compliance"
    )
    # "unknown" rows only where moves occur: the passing/failing square stays complete.
    unknown = (by_compliance["from_group"] == "unknown") | (by_compliance["to_group"] == "unknown")
    by_compliance = by_compliance[~unknown.to_numpy() | (by_compliance["moves"].to_numpy() > 0)]
    out = pd.concat([by_locale, by_compliance], ignore_index=True)
    # year first, then the locale block before the compliance block (already in that order within)
    order = np.argsort(out["year"].to_numpy(), kind="stable")
    return out.iloc[order].reset_index(drop=True)


def _flows_summary(flows: dict[str, np.ndarray], years: list[int], availability: str) -> pd.DataFrame:
    n = len(years)
    year = flows["year"]
    backbone = flows["backbone"]
    rural = flows["to_locale"] == LOCALE_CODES.index("rural")
    weak = flows["to_compliance"] == COMPLIANCE_GROUPS.index("failing")
    unknown = flows["to_compliance"] == COMPLIANCE_GROUPS.index("unknown")

    def tally(mask: np.ndarray) -> np.ndarray:
        return _count(year[mask], n)

    moves = _count(year, n)
    backbone_moves = tally(backbone)
    either = rural | weak
    out = {
        "year": np.asarray(years, dtype=np.int64),
        "moves": _counts(moves),
        "backbone_moves": _counts(backbone_moves),
        "to_rural": _counts(tally(rural)),
        "to_rural_share": _ratio(tally(rural), moves),
        "backbone_to_rural": _counts(tally(rural & backbone)),
    }
    na = np.full(n, availability != "ok")
    out.update(
        {
            "to_weak": _counts(tally(weak), missing=na),
            "to_weak_share": _ratio(tally(weak), moves, missing=na),
            "backbone_to_weak": _counts(tally(weak & backbone), missing=na),
            "to_rural_or_weak": _counts(tally(either), missing=na),
            "to_rural_or_weak_share": _ratio(tally(either), moves, missing=na),
            "backbone_to_rural_or_weak": _counts(tally(either & backbone), missing=na),
            "backbone_to_rural_or_weak_share": _ratio(tally(either & backbone), backbone_moves, missing=na),
            "compliance_unknown": _counts(tally(unknown)),
        }
    )
    if availability != "ok":
        out["compliance_status"] = np.full(n, "unavailable", dtype=object)
    else:
        out["compliance_status"] = np.where(tally(unknown) > 0, "partial", "ok").astype(object)
    out["status"] = np.where(moves == 0, "no_moves", "ok").astype(object)
    return pd.DataFrame(out, columns=_FLOW_SUMMARY_COLUMNS)


# ----------------------------------------------------------------------------- G9 and G12

_QUALITY_COLUMNS = [
    "year",
    "teachers",
    "trained",
    "training_rate",
    "certified",
    "certification_rate",
    "not_trained",
    "not_certified",
    "training_limit",
    "certification_limit",
    "training_passes",
    "certification_passes",
    "schools_short_training",
    "schools_short_certification",
    "status",
]
_QUALITY_SCHOOL_COLUMNS = [
    "year",
    "school_id",
    "school_name",
    "locale",
    "teachers",
    "trained",
    "not_trained",
    "training_rate",
    "certified",
    "not_certified",
    "certification_rate",
    "training_passes",
    "certification_passes",
]


def training_hours_min(std, value: Any = None) -> float | None:
    """G9's minimum training hours in five years: ``value`` or the standard's
    ``G9.params.training_hours_min``; None when the standard has none (moe-2012): the training
    counts and rate are then NA (the status says ``no_limit``), never 0."""
    if value is not None:
        try:
            hours = float(str(value))
        except ValueError:
            raise ParameterError(f"training_hours_min must be a number, not {value!r}") from None
        if not np.isfinite(hours) or hours < 0:
            raise ParameterError(f"training_hours_min must be a non-negative number, not {value!r}")
        return hours
    if std.has_indicator("G9") and "training_hours_min" in std.indicator("G9").params:
        return float(std.indicator("G9").params["training_hours_min"])
    return None  # the standard has no training indicator (moe-2017's G9): training is not judged


def _indicator_limit(std, indicator: str, stage: str | None) -> float | None:
    if not std.has_indicator(indicator):
        return None
    threshold = std.indicator(indicator).threshold
    if isinstance(threshold, dict):
        # per-stage limits without a stage: hold both stages to the stricter one
        return threshold.get(stage) if stage is not None else max(threshold.values())
    return threshold


def teacher_quality_table(
    ds, std, *, year: int | None = None, stage: str | None = None, **options
) -> pd.DataFrame:
    """G9 (training completion) and G12 (certification) per year, or per school.

    Parameters
    ----------
    year
        Only this year (a row with status ``no_teacher_data`` when the teachers table has none);
        default every year of the teachers table.
    stage
        ``primary`` or ``junior``; default both compulsory stages.
    **options
        ``by``: ``None`` or ``"school"``. ``training_hours_min``: override G9's hours (default
        the standard's ``G9.params.training_hours_min``).

    Returns
    -------
    pandas.DataFrame
        Per year: ``year, teachers, trained, training_rate, certified, certification_rate,
        not_trained, not_certified, training_limit, certification_limit, training_passes,
        certification_passes, schools_short_training, schools_short_certification, status``
        (trained: ``training_hours_5y ≥`` the minimum; limits are G9's and G12's thresholds;
        ``schools_short_*``: schools whose rate is below the limit).
        ``by="school"``: ``year, school_id, school_name, locale, teachers, trained, not_trained,
        training_rate, certified, not_certified, certification_rate, training_passes,
        certification_passes`` — how many teachers fall short per school, never which.
    """
    options = dict(options)
    by = _check_by(options.pop("by", None), (None, "school"), "teacher_quality")
    check_options(options, ("training_hours_min", "by"), "teacher_quality")
    stages = _stages(std, stage)
    hours = training_hours_min(std, options.get("training_hours_min"))
    train_limit = _indicator_limit(std, "G9", stage)
    cert_limit = _indicator_limit(std, "G12", stage)
    if ds.teachers is None:
        if by == "school":
            return _empty(_QUALITY_SCHOOL_COLUMNS)
        years = [int(year)] if year is not None else list(ds.years)
        limits = {"training_limit": train_limit, "certification_limit": cert_limit}
        return _missing_rows(years, _QUALITY_COLUMNS, "missing_table", limits)

    schools = _Schools.of(ds)
    t = ds.teachers
    counted = teachers_in_scope(ds, std, "G12", stages)
    return _quality(
        ds,
        schools,
        counted,
        schools.index.get_indexer(t["school_id"]),
        year,
        hours,
        train_limit,
        cert_limit,
        by,
    )


BUNDLE = (
    "rotation",
    "rotation_by_school",
    "rotation_by_mode",
    "flows",
    "flows_summary",
    "teacher_quality",
    "teacher_quality_by_school",
)


def rotation_tables(
    ds, std, *, year: int | None = None, stage: str | None = None, **options
) -> dict[str, pd.DataFrame]:
    """Every table of this module at once, sharing one preparation (what notebook 03 shows).

    Returns a dict keyed by :data:`BUNDLE` whose tables equal the separate calls
    ``rotation_table(ds, std, year=year, stage=stage, **options)`` (per year, ``by="school"``,
    ``by="mode"``), ``flows_table`` (the matrix and ``by="summary"``) and
    ``teacher_quality_table`` (per year and ``by="school"``). The teacher and rotation rows are
    coded once and the resource rule is asked once for both flows tables, so the whole set costs
    little more than one table. ``options``: the eligibility rule, ``counted_modes``,
    ``training_hours_min``.
    """
    options = {k: v for k, v in options.items() if v is not None}
    check_options(options, (*_ROTATION_OPTIONS, "training_hours_min"), "rotation_tables")
    rotation_options = {k: v for k, v in options.items() if k in _ROTATION_OPTIONS}
    flow_options = {k: v for k, v in options.items() if k == "counted_modes"}
    quality_options = {k: v for k, v in options.items() if k == "training_hours_min"}
    if ds.teachers is None or ds.rotations is None:
        calls = {
            "rotation": (rotation_table, rotation_options, None),
            "rotation_by_school": (rotation_table, rotation_options, "school"),
            "rotation_by_mode": (rotation_table, rotation_options, "mode"),
            "flows": (flows_table, flow_options, None),
            "flows_summary": (flows_table, flow_options, "summary"),
            "teacher_quality": (teacher_quality_table, quality_options, None),
            "teacher_quality_by_school": (teacher_quality_table, quality_options, "school"),
        }
        return {
            name: fn(ds, std, year=year, stage=stage, by=by, **kw) for name, (fn, kw, by) in calls.items()
        }

    stages = _stages(std, stage)
    modes = counted_modes(std, options.get("counted_modes"))
    hours = training_hours_min(std, options.get("training_hours_min"))
    schools = _Schools.of(ds)
    teachers = _prepare_teachers(
        ds, std, schools, eligibility_rule(ds, **rotation_options), stages, by_school=True
    )
    moves = _prepare_moves(ds, std, schools, teachers)
    out = {
        name: _rotation(ds, std, schools, teachers, moves, year, modes, by)
        for name, by in (("rotation", None), ("rotation_by_school", "school"), ("rotation_by_mode", "mode"))
    }
    years = _years_in(ds.rotations["year"].to_numpy(dtype=np.int64)) if year is None else [int(year)]
    flows, availability = _flows(
        ds, std, schools, moves, years, modes, school_compliance(ds, std, [y - 1 for y in years])
    )
    out["flows"] = _flows_matrix(flows, years)
    out["flows_summary"] = _flows_summary(flows, years, availability)
    limits = (_indicator_limit(std, "G9", stage), _indicator_limit(std, "G12", stage))
    quality_counted = teachers_in_scope(ds, std, "G12", stages)
    for name, by in (("teacher_quality", None), ("teacher_quality_by_school", "school")):
        out[name] = _quality(ds, schools, quality_counted, teachers.school, year, hours, *limits, by)
    return out


def _quality(
    ds, schools: _Schools, counted, school, year, hours, train_limit, cert_limit, by
) -> pd.DataFrame:
    t = ds.teachers
    t_year = t["year"].to_numpy(dtype=np.int64)
    years = _years_in(t_year) if year is None else [int(year)]
    n, k = len(years), len(schools)
    pos, inside = _year_positions(t_year, years)
    rows = inside & counted
    cell = pos[rows] * k + school[rows]
    teachers = _count(cell, n * k)
    # without G9's hours in the standard (moe-2012) nobody can be called trained: NA, not 0
    untrained_unknown = hours is None
    hours_met = (
        np.zeros(len(t), dtype=bool)
        if hours is None
        else t["training_hours_5y"].to_numpy(dtype=np.float64) >= hours
    )
    trained = _count(cell, n * k, hours_met[rows])
    certified = _count(cell, n * k, t["certified"].to_numpy(dtype=bool)[rows])
    training_rate = _ratio(trained, teachers, missing=np.full(n * k, untrained_unknown))
    certification_rate = _ratio(certified, teachers)
    training_passes = _at_least(training_rate, train_limit)
    certification_passes = _at_least(certification_rate, cert_limit)

    if by == "school":
        cells = np.flatnonzero(teachers > 0)
        year_pos, school_pos = np.divmod(cells, k)
        order = np.lexsort((schools.rank[school_pos], year_pos))
        cells, year_pos, school_pos = cells[order], year_pos[order], school_pos[order]
        out = {
            "year": np.asarray(years, dtype=np.int64)[year_pos],
            "school_id": schools.ids[school_pos],
            "school_name": schools.names[school_pos],
            "locale": schools.locales[school_pos],
            "teachers": _counts(teachers[cells]),
            "trained": _counts(trained[cells], missing=np.full(len(cells), untrained_unknown)),
            "not_trained": _counts(
                teachers[cells] - trained[cells], missing=np.full(len(cells), untrained_unknown)
            ),
            "training_rate": training_rate[cells],
            "certified": _counts(certified[cells]),
            "not_certified": _counts(teachers[cells] - certified[cells]),
            "certification_rate": certification_rate[cells],
            "training_passes": training_passes[cells],
            "certification_passes": certification_passes[cells],
        }
        return pd.DataFrame(out, columns=_QUALITY_SCHOOL_COLUMNS)

    def per_year(values: np.ndarray) -> np.ndarray:
        return values.reshape(n, k).sum(axis=1)

    total, done, holding = per_year(teachers), per_year(trained), per_year(certified)
    none = total == 0
    year_training = _ratio(done, total, missing=none | untrained_unknown)
    year_certification = _ratio(holding, total)
    out = {
        "year": np.asarray(years, dtype=np.int64),
        "teachers": _counts(total, missing=none),
        "trained": _counts(done, missing=none | untrained_unknown),
        "training_rate": year_training,
        "certified": _counts(holding, missing=none),
        "certification_rate": year_certification,
        "not_trained": _counts(total - done, missing=none | untrained_unknown),
        "not_certified": _counts(total - holding, missing=none),
        "training_limit": _constant(train_limit, n),
        "certification_limit": _constant(cert_limit, n),
        "training_passes": _at_least(year_training, train_limit),
        "certification_passes": _at_least(year_certification, cert_limit),
        "schools_short_training": _counts(per_year(_is_false(training_passes)), missing=none),
        "schools_short_certification": _counts(per_year(_is_false(certification_passes)), missing=none),
        "status": np.select(
            [none, np.full(n, train_limit is None or cert_limit is None)],
            ["no_teacher_data", "no_limit"],
            "ok",
        ).astype(object),
    }
    return pd.DataFrame(out, columns=_QUALITY_COLUMNS)
