"""Resource allocation: which school sections count, the facility split, the per-section values.

Everything here follows the method (``docs/method.md``, sections 1–3) and reads
every number it tests from the :class:`~eduwb.standards.Standard`:

* **Scope** — each stage of a school is its own "school section" (一贯制 and 完全中学 sections
  count separately); only the stages the standard measures (小学, 初中: senior sections never
  count); kinds in ``std.scope["exclude_kinds"]`` are out (special schools; under ``moe-2012``
  teaching points too); a teaching point counts as its own school when it has at least
  ``std.scope["teaching_point_min_students"]`` pupils; private schools are out when
  ``std.scope["exclude_private"]``.
* **Teacher counts** come from the section rows as they are (no split).
* **Facility totals** given for a whole school are split between its sections by weighted
  pupils, ``std.pupil_weights[kind]`` (九年一贯制 1 : 1.1; 十二年一贯制 1 : 1.1 : 1.32, the senior
  section's pupils included; 完全中学 初中 : 高中 = 1 : 1.2). A section's share is
  ``w[stage] · pupils / Σ w[s] · pupils_s`` over all the school's sections that year. A stage
  missing from the weights of its kind (or a kind without weights) weighs 1. Facilities rows
  that already carry a stage are used as they are.
* **Values** — ``per × eval(formula) / students`` for each resource indicator of the standard,
  where ``formula`` is a pandas expression over section and (split) facility columns. An
  indicator whose formula names a column the data dictionary does not have, or an optional
  one (``moe-2012``: ``computers``, ``books``, ``intermediate_title_teachers``) the county
  gave for none of the sections, is *missing*: its column is all ``<NA>`` and listed in
  ``DataFrame.attrs["missing"]``; it is never computed from something else. An optional
  amount given for some sections only leaves the others' values NaN (the CVs over them are
  then missing, see :func:`eduwb.analysis.balance.balance_from_values`).

Values are unrounded; decisions elsewhere use them as they are.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from eduwb.analysis.scope import check_options, resolve_stage, resolve_year, stage_rank
from eduwb.data.dataset import memoised
from eduwb.data.schema import TABLES
from eduwb.errors import AnalysisError, ParameterError
from eduwb.standards import Indicator, Standard, formula_columns, scope_mask

#: Columns of the facilities table that are amounts of a whole school (split by weighted pupils).
FACILITY_AMOUNTS = tuple(
    c.name for c in TABLES["facilities"].columns if c.dtype in ("int", "number") and c.name != "year"
)
#: Counts of a school section (used as they are).
SECTION_AMOUNTS = tuple(
    c.name for c in TABLES["sections"].columns if c.dtype in ("int", "number") and c.name != "year"
)
#: Amounts the data dictionary makes optional (computers, books, intermediate titles: moe-2012's
#: B4, B5, B8): a county may leave them out, and an indicator needing one is then missing.
OPTIONAL_AMOUNTS = frozenset(
    c.name
    for name in ("sections", "facilities")
    for c in TABLES[name].columns
    if not c.required and c.dtype in ("int", "number")
)
#: Relative tolerance under which a value equal to its threshold up to floating-point
#: rounding counts as reaching it (inputs are counts and areas; real differences are far larger).
EPS = 1e-9
#: The indicator name of the composite CV (the plain mean of the CVs) in the balance tables.
COMPOSITE = "composite"

_KEY = ["year", "school_id", "stage"]


# ----------------------------------------------------------------------------- the standard


def missing_columns(indicator: Indicator) -> list[str]:
    """The columns an indicator's formula needs that a county dataset never has."""
    known = set(FACILITY_AMOUNTS) | set(SECTION_AMOUNTS)
    return sorted(formula_columns(indicator.formula or "") - known)


def indicator_frame(std: Standard) -> pd.DataFrame:
    """One row per resource indicator × stage: what the standard says about it (``threshold`` NA
    for a CV-only indicator, moe-2012; ``computable`` False when no data have a formula's column)."""
    rows = []
    for ind in std.resource_indicators:
        for stage in std.stages:
            threshold = ind.threshold_for(stage) if ind.threshold is not None else None
            rows.append(
                {
                    "indicator": ind.id,
                    "seq": ind.seq,
                    "stage": stage,
                    "threshold": np.nan if threshold is None else float(threshold),
                    "per": float(ind.per),
                    "gap_unit": ind.gap_unit,
                    "gap_integer": bool(ind.gap_integer),
                    "cost_key": ind.cost_key,
                    "computable": not missing_columns(ind),
                }
            )
    return pd.DataFrame(rows)


def indicator_ids(std: Standard) -> list[str]:
    """The resource indicators' ids in the standard's order."""
    return [ind.id for ind in std.resource_indicators]


# ----------------------------------------------------------------------------- scope and split


def _with_schools(ds, sections: pd.DataFrame) -> pd.DataFrame:
    schools = ds.schools[["school_id", "name", "kind", "locale", "sponsor"]].rename(
        columns={"name": "school_name"}
    )
    return sections.merge(schools, on="school_id", how="left", validate="many_to_one")


def pupil_shares(sections: pd.DataFrame, std: Standard) -> pd.Series:
    """Each section's share of its school's facilities: weighted pupils ÷ the school's total
    (``sections`` must hold *every* section, senior ones included: they all take a share)."""
    weights = pd.DataFrame(
        [
            (kind, stage, float(w))
            for kind, by_stage in std.pupil_weights.items()
            for stage, w in by_stage.items()
        ],
        columns=["kind", "stage", "weight"],
    )
    w = sections[["kind", "stage"]].merge(weights, on=["kind", "stage"], how="left")["weight"].fillna(1.0)
    weighted = sections["students"].astype("float64").to_numpy() * w.to_numpy()
    weighted = pd.Series(weighted, index=sections.index)
    total = weighted.groupby([sections["school_id"], sections["year"]]).transform("sum")
    return (weighted / total.where(total > 0)).rename("share")


def _describe(frame: pd.DataFrame, problem: str) -> list[str]:
    if frame.empty:  # the usual case: no problem to describe (and no columns to select)
        return []
    return [
        f"school {r.school_id} ({r.school_name}), year {r.year}, {r.stage}: {problem}"
        for r in frame[["school_id", "school_name", "year", "stage"]].itertuples(index=False)
    ]


def section_values(
    ds, std: Standard, *, years: list[int] | None = None, stage: str | None = None
) -> pd.DataFrame:
    """The resource indicators of every school section in scope (wide, unrounded) of ``years``
    and ``stage`` (None: all).

    ``attrs["missing"]`` maps each indicator that cannot be computed to the columns it lacks
    (its column all ``<NA>``). :class:`AnalysisError` names every section in scope without a
    facilities row, pupils or teacher counts at once. Every chapter and the scorecard start
    from these values: they are kept on the dataset (:func:`eduwb.data.dataset.memoised`).
    """
    try:
        shown = None if years is None else tuple(sorted({int(y) for y in years}))
        key = ("section_values", id(std), shown, stage)
        hash(key)
    except (TypeError, ValueError):  # years or stage of an unusual kind: as asked, not kept
        return _section_values(ds, std, years, stage)
    return memoised(ds, key, lambda: _section_values(ds, std, years, stage), pins=(std,))


def _section_values(ds, std: Standard, years: list[int] | None, stage: str | None) -> pd.DataFrame:
    sec = _sections_in_scope(ds, std, years, stage)
    fac = ds.facilities
    fac = fac[fac["year"].isin(sec["year"].unique())]
    indicators = std.resource_indicators
    missing = _missing_inputs(sec, fac, indicators)
    needed = set().union(*(formula_columns(ind.formula) for ind in indicators if not missing[ind.id]))
    fac_cols = [c for c in FACILITY_AMOUNTS if c in needed]
    sec_cols = [c for c in SECTION_AMOUNTS if c in needed]

    problems = _section_problems(sec, sec_cols)
    merged, fac_problems = _with_facilities(sec, fac, fac_cols)
    problems += fac_problems
    if problems:
        raise AnalysisError(
            f"{ds.name}: cannot compute the resource indicators for {len(problems)} school section(s):\n  "
            + "\n  ".join(problems)
        )
    out = _indicator_values(merged, indicators, missing, sec_cols, fac_cols)
    out = standard_order(out, std, ["year", "stage", "school_id"])
    out.attrs["missing"] = {k: v for k, v in missing.items() if v}
    return out


def one_year(
    ds, std: Standard, year, stage, *, require: bool = False, say_stage: bool = False
) -> pd.DataFrame:
    """:func:`section_values` of one year (None: the latest); ``require``: an error if it is empty."""
    year = resolve_year(ds, year)
    stage = resolve_stage(std, stage)
    values = section_values(ds, std, years=[year], stage=stage)
    if require and values.empty:
        where = f" for {stage}" if say_stage and stage else ""
        raise AnalysisError(f"{ds.name}, year {year}: no school section in scope{where}")
    return values


def standard_order(frame: pd.DataFrame, std: Standard, keys: list[str]) -> pd.DataFrame:
    """``frame`` sorted (stably) by ``keys``: stages and indicators in the standard's order."""
    ranks = {
        "stage": stage_rank(std),
        "indicator": {i: n for n, i in enumerate([*indicator_ids(std), COMPOSITE])},
    }
    return sorted_by(frame, [(k, ranks[k]) if k in ranks else k for k in keys]).reset_index(drop=True)


def sorted_by(frame: pd.DataFrame, keys: list) -> pd.DataFrame:
    """``frame`` sorted stably by ``keys``: a column by its values, a ``(column, rank)`` pair by
    ``rank[value]`` (a dict or a function: counties in the province's order, stages and
    indicators in the standard's)."""
    ranks = {f"_{n}_rank": frame[k[0]].map(k[1]) for n, k in enumerate(keys) if isinstance(k, tuple)}
    names = [f"_{n}_rank" if isinstance(k, tuple) else k for n, k in enumerate(keys)]
    return frame.assign(**ranks).sort_values(names, kind="mergesort").drop(columns=list(ranks))


def _sections_in_scope(ds, std: Standard, years: list[int] | None, stage: str | None) -> pd.DataFrame:
    """The school sections of ``years`` in the standard's scope, with their pupil ``share``."""
    sec = ds.sections
    if years is not None:
        sec = sec[sec["year"].isin(list(years))]
    sec = _with_schools(ds, sec.reset_index(drop=True))
    sec["share"] = pupil_shares(sec, std)
    sec = sec[scope_mask(sec, std)]
    if stage is not None:
        sec = sec[sec["stage"] == stage]
    return sec.reset_index(drop=True)


def _missing_inputs(sec: pd.DataFrame, fac: pd.DataFrame, indicators) -> dict[str, list[str]]:
    """Per indicator, the columns it lacks: not in the data, or optional and given for no section."""

    def absent(col: str) -> bool:
        """An optional amount the county gave for none of these sections (or their facilities)."""
        if col not in OPTIONAL_AMOUNTS:
            return False
        source = sec if col in SECTION_AMOUNTS else fac[fac["school_id"].isin(sec["school_id"])]
        return col not in source.columns or bool(source[col].isna().all())

    return {
        ind.id: sorted(set(missing_columns(ind)) | {c for c in formula_columns(ind.formula) if absent(c)})
        for ind in indicators
    }


def _section_problems(sec: pd.DataFrame, sec_cols: list[str]) -> list[str]:
    """Sections without pupils, and sections with pupils but no teacher counts."""
    problems: list[str] = []
    no_pupils = sec["students"].isna() | (sec["students"] <= 0)
    problems += _describe(sec[no_pupils], "no pupils (students is 0), so per-pupil values cannot be computed")
    # an optional amount given for some sections only leaves the others' values NA (缺数据), not an error
    teacher_cols = [c for c in sec_cols if c != "students" and c not in OPTIONAL_AMOUNTS]
    if "teachers" in sec.columns:
        no_teachers = sec["teachers"].isna() | (sec["teachers"] <= 0)
        if teacher_cols:
            no_teachers |= sec[teacher_cols].isna().any(axis=1)
        problems += _describe(
            sec[no_teachers & ~no_pupils],
            "pupils but no teacher counts for this stage (teachers must be given per stage)",
        )
    return problems


def _with_facilities(
    sec: pd.DataFrame, fac: pd.DataFrame, fac_cols: list[str]
) -> tuple[pd.DataFrame, list[str]]:
    """The sections with their facility amounts (per stage, or the school's times its pupil share),
    and the problems: sections without a facilities row, or with an empty required figure."""
    problems: list[str] = []
    whole = fac[fac["stage"].isna()].drop(columns="stage")
    per_stage = fac[fac["stage"].notna()]
    whole_cols = whole[["school_id", "year", *fac_cols]].drop_duplicates(["school_id", "year"])
    staged_cols = per_stage[["school_id", "year", "stage", *fac_cols]].drop_duplicates(_KEY)
    # each section's facility row, by position (a left join on unique keys, without merging)
    at_whole = _positions(whole_cols, sec, ["school_id", "year"])
    at_staged = _positions(staged_cols, sec, _KEY)
    has_whole, has_staged = at_whole >= 0, at_staged >= 0
    merged = sec.copy()
    if fac_cols:
        problems += _describe(
            merged[~has_whole & ~has_staged],
            "no facilities row (办学条件) for this year; one is needed for the per-pupil facility values",
        )
    share = merged["share"].to_numpy(dtype="float64")
    for col in fac_cols:
        whole_amount = _taken(whole_cols[col], at_whole)
        amount = np.where(has_staged, _taken(staged_cols[col], at_staged), whole_amount * share)
        merged[col] = amount.astype("float64")
    if fac_cols:
        required_fac = [c for c in fac_cols if c not in OPTIONAL_AMOUNTS]
        gaps = merged[required_fac].isna().any(axis=1) & (has_whole | has_staged)
        problems += _describe(merged[gaps], "a facilities figure is empty")
    return merged, problems


def _positions(table: pd.DataFrame, rows: pd.DataFrame, keys: list[str]) -> np.ndarray:
    """The position in ``table`` (unique ``keys``) of each row of ``rows`` by its keys; -1: none."""
    if not len(rows):
        return np.zeros(0, dtype=np.int64)
    return pd.MultiIndex.from_frame(table[keys]).get_indexer(pd.MultiIndex.from_frame(rows[keys]))


def _taken(column: pd.Series, at: np.ndarray) -> np.ndarray:
    """``column``'s values (float) at positions ``at``; NaN where ``at`` is -1."""
    values = column.to_numpy(dtype="float64", na_value=np.nan)
    if not len(values):
        return np.full(len(at), np.nan)
    return np.where(at >= 0, values[np.maximum(at, 0)], np.nan)


def _indicator_values(merged: pd.DataFrame, indicators, missing: dict, sec_cols, fac_cols) -> pd.DataFrame:
    """The key columns and one column per indicator (all ``<NA>`` where an input is missing)."""
    out = merged[["year", "school_id", "school_name", "kind", "locale", "stage", "students"]].copy()
    students = merged["students"].astype("float64")
    evaluated = merged[[*sec_cols, *fac_cols]].astype("float64") if (sec_cols or fac_cols) else merged
    for ind in indicators:
        if missing[ind.id]:
            out[ind.id] = pd.array([pd.NA] * len(out), dtype="Float64")
        else:
            amount = evaluated.eval(ind.formula) if len(out) else pd.Series([], dtype="float64")
            out[ind.id] = float(ind.per) * np.asarray(amount, dtype="float64") / students.to_numpy()
    return out


def amounts(values: pd.DataFrame, std: Standard, keys: list[str] | None = None) -> pd.DataFrame:
    """Long form of :func:`section_values`, indicator by indicator, each in the order of ``values``
    (``row``: the position there), with the standard's attributes and the section's ``amount``
    (teachers, m², 元, rooms). ``keys``: the columns carried along (default all).
    """
    ids = [i for i in indicator_ids(std) if i not in values.attrs.get("missing", {})]
    if keys is None:
        keys = [c for c in values.columns if c not in indicator_ids(std)]
    else:
        keys = [c for c in values.columns if c in {*keys, "stage", "students"}]
    n, k = len(values), len(ids)
    rows = np.tile(np.arange(n), k)
    # built with numpy (tile/repeat) rather than melt + merge: this runs on every table
    long = values[keys].take(rows).reset_index(drop=True)
    long.insert(0, "row", rows)
    long["indicator"] = np.repeat(np.array(ids, dtype=object), n)
    long["value"] = (
        values[ids].to_numpy(dtype="float64", na_value=np.nan).T.reshape(-1) if n else np.array([])
    )
    # the standard's attributes by (indicator, stage): one small table indexed by integer codes
    frame = indicator_frame(std).set_index(["indicator", "stage"])
    stages = list(std.stages)
    stage_code = pd.Categorical(values["stage"], categories=stages).codes.astype("int64")
    ind_code = np.repeat(np.arange(k), n)
    row_stage = np.tile(stage_code, k)
    grid = pd.MultiIndex.from_product([ids, stages], names=["indicator", "stage"])
    for col in ("threshold", "per", "gap_unit", "gap_integer", "cost_key", "seq"):
        table = (
            frame[col].reindex(grid).to_numpy().reshape(k, len(stages)) if k else np.empty((0, len(stages)))
        )
        long[col] = table[ind_code, row_stage] if n else np.array([], dtype=table.dtype)
    long = long.astype({"threshold": "float64", "per": "float64", "gap_integer": bool, "seq": "int64"})
    long["amount"] = long["value"] * long["students"].to_numpy(dtype="float64") / long["per"]
    return long


# ----------------------------------------------------------------------------- tables


def indicators_table(ds, std: Standard, *, year=None, stage=None, **options) -> pd.DataFrame:
    """``eduwb table indicators DATA --year Y [--stage S]``: R1–R7 per school section in scope."""
    check_options(options, set(), "indicators")
    values = one_year(ds, std, year, stage)
    table = values[["school_id", "school_name", "stage", "students", *indicator_ids(std)]].reset_index(
        drop=True
    )
    table.attrs["missing"] = values.attrs["missing"]
    return table


def thresholds_table(ds, std: Standard, *, year=None, stage=None, **options) -> pd.DataFrame:
    """``eduwb table thresholds DATA [--param lang=en]``: the resource indicators' thresholds per stage."""
    del ds, year
    lang = options.pop("lang", None) or "zh"
    check_options(options, set(), "thresholds")
    if lang not in ("zh", "en"):
        raise ParameterError(f"lang must be 'zh' or 'en', not {lang!r}")
    stages = [resolve_stage(std, stage)] if stage is not None else list(std.stages)
    rows = []
    for ind in std.resource_indicators:
        row = {"indicator": ind.id, "name": ind.name(lang), "unit": ind.unit_name(lang)}
        for s in stages:
            value = ind.threshold_for(s) if ind.threshold is not None else None
            row[f"threshold_{s}"] = np.nan if value is None else float(value)
        rows.append(row)
    return pd.DataFrame(rows, columns=["indicator", "name", "unit", *[f"threshold_{s}" for s in stages]])
