"""Who counts toward the teacher indicators (G9, G11, G12), and the arrays and nullable counts
the tables of :mod:`eduwb.analysis.rotation` are built from (the rules: docs/method.md § 12).

Eligible in year ``Y``: the teacher's row of ``Y − 1`` shows ``years_at_school ≥
min_years_at_school`` and an age ``(Y − 1) − birth_year`` below the exemption age of their sex
(``county.toml [rotation]``, defaults 6, 55, 50; options of the same names override them), so a
year can be evaluated only when the teachers table has rows for the year before. *Rotated*:
distinct teachers with a move that year in a counted mode (``counted_modes``, default the
standard's). *Backbone*: county level or above in the row of the year before the move (of the
same year when there is none). Only the standard's compulsory stages count.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd

from eduwb.analysis.scope import resolve_stage
from eduwb.data.schema import BACKBONE_LEVELS, MODES
from eduwb.errors import ParameterError

MODE_CODES = tuple(MODES)
# Backbone levels in increasing rank (the data dictionary's order); "county or above" = from county on.
_LEVEL_RANK = {level: rank for rank, level in enumerate(BACKBONE_LEVELS)}
_DEFAULT_BACKBONE_MIN_LEVEL = "county"
# Column kinds, for rows that say 缺数据 (every number NA, with the right nullable dtype).
RATE_COLUMNS = frozenset(
    (
        "ratio backbone_share ratio_limit share_limit training_rate certification_rate training_limit "
        "certification_limit share to_rural_share to_weak_share to_rural_or_weak_share "
        "backbone_to_rural_or_weak_share"
    ).split()
)
BOOL_COLUMNS = frozenset({"passes", "training_passes", "certification_passes", "counted"})


# ----------------------------------------------------------------------------- parameters


@dataclass(frozen=True)
class EligibilityRule:
    """Who may be asked to rotate: years at the same school, and the exemption ages by sex."""

    min_years_at_school: int
    exempt_age_male: int
    exempt_age_female: int

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def whole_number(value: Any, key: str) -> int:
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
    """The county's eligibility rule (``county.toml`` ``[rotation]``), with ``min_years_at_school``,
    ``exempt_age_male`` and ``exempt_age_female`` options (numbers or strings) overriding it."""
    from eduwb.data.dataset import DEFAULT_ROTATION

    values = {**DEFAULT_ROTATION, **(ds.settings.rotation or {})}
    keys = ("min_years_at_school", "exempt_age_male", "exempt_age_female")
    values.update({k: options[k] for k in keys if options.get(k) is not None})
    return EligibilityRule(**{k: whole_number(values[k], k) for k in keys})


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
    unknown = [item for item in items if item not in MODES and item not in by_label]
    if unknown:
        allowed = ", ".join(f"{c} {label}" for c, label in MODES.items())
        raise ParameterError(f"counted_modes: unknown mode {unknown[0]!r}; modes: {allowed}")
    codes = {item if item in MODES else by_label[item] for item in items}
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


def check_by(by: Any, allowed: tuple[str | None, ...], table: str) -> str | None:
    if by in (None, ""):
        return None
    if by not in allowed:
        choices = ", ".join(str(a) for a in allowed if a)
        raise ParameterError(f"table {table}: by={by!r} is not available; choose one of: {choices}")
    return by


def stages_of(std, stage: str | None) -> tuple[str, ...]:
    """The stages counted: the standard's compulsory stages, or ``stage`` alone."""
    return tuple(std.stages) if resolve_stage(std, stage) is None else (stage,)


# ----------------------------------------------------------------------------- preparation
#
# The tables are counts over teachers and moves. Teachers, schools, years and modes are turned
# into integer codes once, so that every count is a single ``np.bincount`` over those codes —
# no merges, no per-teacher Python. A teacher × year key (code × stride + year offset) finds the
# row of the year before a move through one hash lookup.


@dataclass(frozen=True)
class Schools:
    ids: np.ndarray
    names: np.ndarray
    locales: np.ndarray
    index: pd.Index
    rank: np.ndarray  # position of each school when sorted by id (for deterministic order)

    @classmethod
    def of(cls, ds) -> Schools:
        ids = ds.schools["school_id"].to_numpy(dtype=object)
        rank = np.argsort(np.argsort(ids, kind="stable"), kind="stable")
        names, locales = (ds.schools[c].to_numpy(dtype=object) for c in ("name", "locale"))
        return cls(ids, names, locales, pd.Index(ids), rank)

    def __len__(self) -> int:
        return len(self.ids)

    def cells(self, present: np.ndarray, years: list[int]) -> tuple[np.ndarray, np.ndarray, dict]:
        """The year × school cells where ``present`` (flat, year-major) holds, by year then school
        id: the cells, their year positions, and their ``year, school_id, school_name, locale``."""
        cells = np.flatnonzero(present)
        year_pos, school_pos = np.divmod(cells, len(self))
        order = np.lexsort((self.rank[school_pos], year_pos))
        cells, year_pos, school_pos = cells[order], year_pos[order], school_pos[order]
        columns = {
            "year": np.asarray(years, dtype=np.int64)[year_pos],
            "school_id": self.ids[school_pos],
            "school_name": self.names[school_pos],
            "locale": self.locales[school_pos],
        }
        return cells, year_pos, columns


@dataclass(frozen=True)
class TeacherRows:
    """Teacher rows (every stage) as arrays; ``counted`` marks rows of the counted stages."""

    year: np.ndarray
    counted: np.ndarray
    eligible_next: np.ndarray  # eligible to rotate in the next year (this row is its "year before")
    school: np.ndarray  # position in ds.schools


@dataclass(frozen=True)
class Moves:
    """Distinct moves of counted-stage teachers, with the attributes of their year-before row."""

    teacher: np.ndarray
    year: np.ndarray
    source: np.ndarray
    target: np.ndarray
    mode: np.ndarray  # position in MODE_CODES
    backbone: np.ndarray
    eligible: np.ndarray


def pick(values: np.ndarray, rows: np.ndarray) -> np.ndarray:
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


def eligible_next_year(t: pd.DataFrame, rule: EligibilityRule) -> np.ndarray:
    """Which teacher rows make their teacher eligible to rotate the year after (see Eligibility)."""
    age = t["year"].to_numpy(dtype=np.int64) - t["birth_year"].to_numpy(dtype=np.int64)
    exempt_at = np.where(
        t["sex"].to_numpy(dtype=object) == "male", rule.exempt_age_male, rule.exempt_age_female
    )
    return (t["years_at_school"].to_numpy(dtype=np.int64) >= rule.min_years_at_school) & (age < exempt_at)


def prepare(ds, std, rule: EligibilityRule, stages: tuple[str, ...]) -> tuple[Schools, TeacherRows, Moves]:
    """The schools, the teacher rows and the moves of ``ds``, coded once for every count."""
    schools = Schools.of(ds)
    teachers = TeacherRows(
        year=ds.teachers["year"].to_numpy(dtype=np.int64),
        counted=teachers_in_scope(ds, std, "G11", stages),
        eligible_next=eligible_next_year(ds.teachers, rule),
        school=schools.index.get_indexer(ds.teachers["school_id"]),
    )
    return schools, teachers, _moves(ds, std, schools, teachers)


def _moves(ds, std, schools: Schools, teachers: TeacherRows) -> Moves:
    t, r = ds.teachers, ds.rotations
    r_ids, r_year = r["teacher_id"].to_numpy(dtype=object), r["year"].to_numpy(dtype=np.int64)
    # each move's teacher row of the year before (else of its year; -1: none)
    key = [t["teacher_id"].to_numpy(dtype=object), teachers.year]
    row_of = pd.Series(np.arange(len(t)), index=pd.MultiIndex.from_arrays(key))

    def rows_in(years: np.ndarray) -> np.ndarray:
        found = row_of.reindex(pd.MultiIndex.from_arrays([r_ids, years]))
        return found.fillna(-1).to_numpy(dtype=np.int64)

    before = rows_in(r_year - 1)
    row = np.where(before >= 0, before, rows_in(r_year))
    backbone = t["backbone"].isin(backbone_levels(std)).to_numpy(dtype=bool)
    source, target = (schools.index.get_indexer(r[end]) for end in ("from_school", "to_school"))
    mode = pd.Index(MODE_CODES).get_indexer(r["mode"])
    r_code = pd.factorize(r_ids)[0].astype(np.int64)
    first_seen = np.zeros(len(r), dtype=bool)
    first_seen[distinct(r_code, r_year, source, target, mode)] = True
    keep = first_seen & pick(teachers.counted, row)
    return Moves(
        teacher=r_code[keep],
        year=r_year[keep],
        source=source[keep],
        target=target[keep],
        mode=mode[keep],
        backbone=pick(backbone, row)[keep],
        eligible=pick(teachers.eligible_next, before)[keep],
    )


def years_in(values: np.ndarray) -> list[int]:
    """The distinct years of an int array, sorted."""
    return [int(y) for y in np.unique(values)]


def year_positions(values: np.ndarray, years: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """Position of each value in ``years`` (sorted) and whether it is there at all."""
    grid = np.asarray(years, dtype=np.int64)
    if grid.size == 0:
        return np.zeros(len(values), dtype=np.int64), np.zeros(len(values), dtype=bool)
    pos = np.minimum(np.searchsorted(grid, values), grid.size - 1)
    return pos, grid[pos] == values


def distinct(*codes: np.ndarray) -> np.ndarray:
    """Sorted indices of the first occurrence of each distinct combination of integer codes."""
    return np.flatnonzero(~pd.DataFrame({i: c for i, c in enumerate(codes)}).duplicated().to_numpy())


def count(positions: np.ndarray, size: int, weights: np.ndarray | None = None) -> np.ndarray:
    return np.bincount(positions, weights=weights, minlength=size).astype(np.int64)


def int_counts(values, missing=None) -> pd.arrays.IntegerArray:
    """Counts as ``Int64``, NA where ``missing`` (an array, or one flag for all)."""
    values = np.asarray(values, dtype=np.int64)
    mask = np.broadcast_to(np.asarray(missing, dtype=bool), values.shape).copy()
    return pd.arrays.IntegerArray(np.where(mask, 0, values), mask)


def ratio_of(numerator, denominator, missing=None) -> pd.arrays.FloatingArray:
    """numerator / denominator, NA where the denominator is 0 or missing (never inf)."""
    num = np.asarray(numerator, dtype=np.float64)
    den = np.asarray(denominator, dtype=np.float64)
    undefined = ~(den > 0)
    if missing is not None:
        undefined |= np.asarray(missing, dtype=bool)
    values = np.divide(num, den, out=np.zeros(len(num)), where=~undefined)
    return pd.arrays.FloatingArray(values, undefined)


def at_least(rate: pd.arrays.FloatingArray, limit: float | None) -> pd.arrays.BooleanArray:
    """rate ≥ limit as nullable booleans: NA where the rate or the limit is undefined."""
    na = np.asarray(rate.isna(), dtype=bool) | (limit is None)
    values = rate.to_numpy(dtype=np.float64, na_value=np.nan) >= (0.0 if limit is None else limit)
    return pd.arrays.BooleanArray(values & ~na, na)


def is_false(flags: pd.arrays.BooleanArray) -> np.ndarray:
    """1 where a nullable boolean is False (not NA), else 0."""
    return (~flags.to_numpy(dtype=bool, na_value=True)).astype(np.int64)


def constant(value: float | None, n: int) -> pd.arrays.FloatingArray:
    return pd.arrays.FloatingArray(
        np.full(n, 0.0 if value is None else float(value)), np.full(n, value is None)
    )


def missing_rows(
    years: list[int], columns: list[str], status: str, limits: dict[str, float | None] | None = None
) -> pd.DataFrame:
    """One row per year with every number NA and the given status (``limits``: constant columns)."""
    n = len(years)
    out: dict[str, Any] = {"year": np.asarray(years, dtype=np.int64)}
    for col in columns[1:]:
        if limits and col in limits:
            out[col] = constant(limits[col], n)
        elif col in RATE_COLUMNS:
            out[col] = ratio_of(np.zeros(n), np.zeros(n))
        elif col in BOOL_COLUMNS:
            out[col] = pd.arrays.BooleanArray(np.zeros(n, dtype=bool), np.ones(n, dtype=bool))
        elif col in ("status", "compliance_status"):
            out[col] = np.full(n, status, dtype=object)
        else:
            out[col] = int_counts(np.zeros(n), missing=np.ones(n))
    return pd.DataFrame(out, columns=columns)


def empty_table(columns: list[str]) -> pd.DataFrame:
    return missing_rows([], columns, "missing_table")


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


def indicator_limit(std, indicator: str, stage: str | None) -> float | None:
    if not std.has_indicator(indicator):
        return None
    threshold = std.indicator(indicator).threshold
    if isinstance(threshold, dict):
        # per-stage limits without a stage: hold both stages to the stricter one
        return threshold.get(stage) if stage is not None else max(threshold.values())
    return threshold
