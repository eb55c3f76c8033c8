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
  indicator whose formula names a column the data dictionary does not have (``moe-2012``:
  computers, books, intermediate titles) is *missing*: its column is all ``<NA>`` and listed
  in ``DataFrame.attrs["missing"]``; it is never computed from something else.

Values are unrounded; decisions elsewhere use them as they are.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from eduwb.analysis.scope import check_options, resolve_stage, resolve_year, stage_rank
from eduwb.data.schema import TABLES
from eduwb.errors import AnalysisError
from eduwb.standards import Indicator, Standard, formula_columns, scope_mask

#: Columns of the facilities table that are amounts of a whole school (split by weighted pupils).
FACILITY_AMOUNTS = tuple(
    c.name for c in TABLES["facilities"].columns if c.dtype in ("int", "number") and c.name != "year"
)
#: Counts of a school section (used as they are).
SECTION_AMOUNTS = tuple(
    c.name for c in TABLES["sections"].columns if c.dtype in ("int", "number") and c.name != "year"
)
#: Relative tolerance under which a value equal to its threshold up to floating-point
#: rounding counts as reaching it (inputs are counts and areas; real differences are far larger).
EPS = 1e-9

_KEY = ["year", "school_id", "stage"]


# ----------------------------------------------------------------------------- the standard


def missing_columns(indicator: Indicator) -> list[str]:
    """The columns an indicator's formula needs that a county dataset never has."""
    known = set(FACILITY_AMOUNTS) | set(SECTION_AMOUNTS)
    return sorted(formula_columns(indicator.formula or "") - known)


def indicator_frame(std: Standard) -> pd.DataFrame:
    """One row per resource indicator × stage: what the standard says about it.

    Columns ``indicator, seq, stage, threshold, per, gap_unit, gap_integer, cost_key,
    computable`` (``threshold`` is NA when the indicator is only a CV indicator, as under
    ``moe-2012``; ``computable`` is False when the data lack a column of its formula).
    """
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
    schools = ds.schools[["school_id", "name", "kind", "locale", "sponsor"]].rename(columns={"name": "school_name"})
    return sections.merge(schools, on="school_id", how="left", validate="many_to_one")


def pupil_shares(sections: pd.DataFrame, std: Standard) -> pd.Series:
    """Each section's share of its school's facilities: weighted pupils ÷ the school's total.

    ``sections`` needs ``school_id, year, stage, students, kind`` and must hold *every*
    section of a school in a year (senior sections included), since they all take a share.
    """
    weights = pd.DataFrame(
        [(kind, stage, float(w)) for kind, by_stage in std.pupil_weights.items() for stage, w in by_stage.items()],
        columns=["kind", "stage", "weight"],
    )
    w = sections[["kind", "stage"]].merge(weights, on=["kind", "stage"], how="left")["weight"].fillna(1.0)
    weighted = sections["students"].astype("float64").to_numpy() * w.to_numpy()
    weighted = pd.Series(weighted, index=sections.index)
    total = weighted.groupby([sections["school_id"], sections["year"]]).transform("sum")
    return (weighted / total.where(total > 0)).rename("share")


def _describe(frame: pd.DataFrame, problem: str) -> list[str]:
    return [
        f"school {r.school_id} ({r.school_name}), year {r.year}, {r.stage}: {problem}"
        for r in frame[["school_id", "school_name", "year", "stage"]].itertuples(index=False)
    ]


def section_values(
    ds, std: Standard, *, years: list[int] | None = None, stage: str | None = None
) -> pd.DataFrame:
    """The resource indicators of every school section in scope (wide, unrounded).

    Parameters
    ----------
    ds
        The county :class:`~eduwb.data.dataset.Dataset`.
    std
        The standard (its scope, pupil weights and indicator formulas).
    years
        Years to compute (None: all years in the data).
    stage
        Only this stage (None: every stage of the standard).

    Returns
    -------
    DataFrame
        ``year, school_id, school_name, kind, locale, stage, students`` and one column per
        resource indicator (standard order), sorted by year, stage (standard order),
        school_id. ``attrs["missing"]`` maps each indicator that cannot be computed to the
        columns it lacks; its column is all ``<NA>`` (Float64).

    Raises
    ------
    AnalysisError
        naming every school, year and stage at once when a section in scope has no
        facilities row, no pupils, or no teacher counts.
    """
    sec = ds.sections
    if years is not None:
        sec = sec[sec["year"].isin(list(years))]
    sec = _with_schools(ds, sec.reset_index(drop=True))
    sec["share"] = pupil_shares(sec, std)
    sec = sec[scope_mask(sec, std)]
    if stage is not None:
        sec = sec[sec["stage"] == stage]
    sec = sec.reset_index(drop=True)

    indicators = std.resource_indicators
    missing = {ind.id: missing_columns(ind) for ind in indicators}
    needed = set().union(*(formula_columns(ind.formula) for ind in indicators if not missing[ind.id]))
    fac_cols = [c for c in FACILITY_AMOUNTS if c in needed]
    sec_cols = [c for c in SECTION_AMOUNTS if c in needed]

    problems: list[str] = []
    no_pupils = sec["students"].isna() | (sec["students"] <= 0)
    problems += _describe(sec[no_pupils], "no pupils (students is 0), so per-pupil values cannot be computed")
    teacher_cols = [c for c in sec_cols if c != "students"]
    if "teachers" in sec.columns:
        no_teachers = sec["teachers"].isna() | (sec["teachers"] <= 0)
        if teacher_cols:
            no_teachers |= sec[teacher_cols].isna().any(axis=1)
        problems += _describe(
            sec[no_teachers & ~no_pupils],
            "pupils but no teacher counts for this stage (teachers must be given per stage)",
        )

    fac = ds.facilities
    fac = fac[fac["year"].isin(sec["year"].unique())]
    whole = fac[fac["stage"].isna()].drop(columns="stage")
    per_stage = fac[fac["stage"].notna()]
    whole_cols = whole[["school_id", "year", *fac_cols]].drop_duplicates(["school_id", "year"])
    staged_cols = per_stage[["school_id", "year", "stage", *fac_cols]].drop_duplicates(_KEY)
    merged = sec.merge(whole_cols, on=["school_id", "year"], how="left", indicator="_whole")
    merged = merged.merge(staged_cols, on=_KEY, how="left", suffixes=("", "_staged"), indicator="_staged")
    has_whole = (merged["_whole"] == "both").to_numpy()
    has_staged = (merged["_staged"] == "both").to_numpy()
    if fac_cols:
        problems += _describe(
            merged[~has_whole & ~has_staged],
            "no facilities row (办学条件) for this year; one is needed for the per-pupil facility values",
        )
    for col in fac_cols:
        amount = np.where(has_staged, merged[f"{col}_staged"], merged[col] * merged["share"])
        merged[col] = amount.astype("float64")
    if fac_cols:
        gaps = merged[fac_cols].isna().any(axis=1) & (has_whole | has_staged)
        problems += _describe(merged[gaps], "a facilities figure is empty")
    if problems:
        raise AnalysisError(
            f"{ds.name}: cannot compute the resource indicators for {len(problems)} school section(s):\n  "
            + "\n  ".join(problems)
        )

    out = merged[["year", "school_id", "school_name", "kind", "locale", "stage", "students"]].copy()
    students = merged["students"].astype("float64")
    evaluated = merged[[*sec_cols, *fac_cols]].astype("float64") if (sec_cols or fac_cols) else merged
    for ind in indicators:
        if missing[ind.id]:
            out[ind.id] = pd.array([pd.NA] * len(out), dtype="Float64")
        else:
            amount = evaluated.eval(ind.formula) if len(out) else pd.Series([], dtype="float64")
            out[ind.id] = float(ind.per) * np.asarray(amount, dtype="float64") / students.to_numpy()
    order = stage_rank(std)
    out = (
        out.assign(_o=out["stage"].map(order))
        .sort_values(["year", "_o", "school_id"], kind="mergesort")
        .drop(columns="_o")
        .reset_index(drop=True)
    )
    out.attrs["missing"] = {k: v for k, v in missing.items() if v}
    return out


def amounts(values: pd.DataFrame, std: Standard, keys: list[str] | None = None) -> pd.DataFrame:
    """Long form of :func:`section_values`: one row per section × computable indicator.

    Rows come indicator by indicator (standard order), each block in the order of
    ``values``; ``row`` is the section's position in ``values``. Adds the standard's
    ``threshold, per, gap_unit, gap_integer, cost_key, seq`` and the section's ``amount``
    (value × students ÷ per: teachers, m², 元, rooms of the section). ``keys`` limits the
    columns of ``values`` carried along (default: all but the indicators; ``stage`` and
    ``students`` always come).
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
    long["value"] = values[ids].to_numpy(dtype="float64", na_value=np.nan).T.reshape(-1) if n else np.array([])
    # the standard's attributes by (indicator, stage): one small table indexed by integer codes
    frame = indicator_frame(std).set_index(["indicator", "stage"])
    stages = list(std.stages)
    stage_code = pd.Categorical(values["stage"], categories=stages).codes.astype("int64")
    ind_code = np.repeat(np.arange(k), n)
    row_stage = np.tile(stage_code, k)
    grid = pd.MultiIndex.from_product([ids, stages], names=["indicator", "stage"])
    for col in ("threshold", "per", "gap_unit", "gap_integer", "cost_key", "seq"):
        table = frame[col].reindex(grid).to_numpy().reshape(k, len(stages)) if k else np.empty((0, len(stages)))
        long[col] = table[ind_code, row_stage] if n else np.array([], dtype=table.dtype)
    long["threshold"] = long["threshold"].astype("float64")
    long["per"] = long["per"].astype("float64")
    long["gap_integer"] = long["gap_integer"].astype(bool)
    long["seq"] = long["seq"].astype("int64")
    long["amount"] = long["value"] * long["students"].to_numpy(dtype="float64") / long["per"]
    return long


# ----------------------------------------------------------------------------- tables


def indicators_table(ds, std: Standard, *, year=None, stage=None, **options) -> pd.DataFrame:
    """R1–R7 (the standard's resource indicators) per school section in scope.

    ``eduwb table indicators DATA --year Y [--stage S]``: columns ``school_id, school_name,
    stage, students`` and one column per indicator id (``R1``…``R7``; ``B1``…``B8`` under
    ``moe-2012``), unrounded, sorted by stage (primary first) then school_id. An indicator
    the data cannot give is all ``<NA>`` (shown as 缺数据) and named in ``attrs["missing"]``.
    """
    check_options(options, set(), "indicators")
    year = resolve_year(ds, year)
    stage = resolve_stage(std, stage)
    values = section_values(ds, std, years=[year], stage=stage)
    table = values[["school_id", "school_name", "stage", "students", *indicator_ids(std)]].reset_index(drop=True)
    table.attrs["missing"] = values.attrs["missing"]
    return table


def display_digits(table: pd.DataFrame, std: Standard, base: int = 2, most: int = 6) -> dict[str, int]:
    """Decimals per column so that no failing value is displayed as its threshold.

    Reports show school values to ``base`` decimals (ratios to one more); where a value below its threshold
    would round up to it (4.196 → "4.20" against 4.2), more decimals are used for that
    column, up to ``most``. Columns without a threshold keep ``base``.
    """
    frame = indicator_frame(std)
    digits: dict[str, int] = {}
    for ind in indicator_ids(std):
        if ind not in table.columns:
            continue
        thresholds = table["stage"].map(frame[frame["indicator"] == ind].set_index("stage")["threshold"])
        values = pd.to_numeric(table[ind], errors="coerce").astype("float64")
        failing = values < thresholds * (1 - EPS)
        d = base
        while d < most and bool((values[failing].round(d) >= thresholds[failing]).any()):
            d += 1
        digits[ind] = d
    rule = std.school_rule
    if "weakest_ratio" in table.columns and rule is not None:
        floor = float(rule["min_ratio_rest"])
        ratio = pd.to_numeric(table["weakest_ratio"], errors="coerce").astype("float64")
        d = base + 1
        # a ratio just under 85 % (or 100 %) must not be shown as 0.850 (or 1.000)
        while d < most and bool(
            (ratio[ratio < floor - EPS].round(d) >= floor).any() or (ratio[ratio < 1 - EPS].round(d) >= 1).any()
        ):
            d += 1
        digits["weakest_ratio"] = d
    return digits
