"""What an analysis is asked about: the year, the stage, the options, the order of stages,
and which schools an indicator judges.

One home for these rules, so every table, notebook and the CLI resolve them the same way.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pandas as pd

from eduwb.errors import AnalysisError, ParameterError
from eduwb.standards import Standard


def pick_year(years: list[int], year: int | str | None, *, empty: str, where: str = "the data") -> int:
    """The year asked for among ``years`` (sorted; None: the latest), or a usage error naming them."""
    if not years:
        raise AnalysisError(empty)
    if year is None:
        return years[-1]
    try:
        year = int(year)
    except (TypeError, ValueError):
        raise ParameterError(f"year must be a whole number, not {year!r}") from None
    if year not in years:
        raise ParameterError(f"year {year} is not in {where} (years: {', '.join(map(str, years))})")
    return year


def resolve_year(ds, year: int | str | None) -> int:
    """The year asked for (None: the latest in the data)."""
    return pick_year(ds.years, year, empty=f"{ds.name}: the sections table has no rows")


def resolve_stage(std: Standard, stage: str | None) -> str | None:
    """The stage asked for (None: every stage of the standard)."""
    if stage is None:
        return None
    if stage not in std.stages:
        raise ParameterError(f"stage must be one of {', '.join(std.stages)}, not {stage!r}")
    return stage


def check_options(options: dict[str, Any], allowed: Iterable[str], table: str) -> None:
    """Refuse options a table does not understand (``by=school`` is always accepted)."""
    allowed = set(allowed)
    unknown = sorted(
        k for k in options if k not in allowed and not (k == "by" and options[k] in (None, "school"))
    )
    if unknown:
        known = ", ".join(sorted(allowed)) or "none"
        raise ParameterError(f"table {table!r}: unknown parameter(s) {', '.join(unknown)} (known: {known})")


def stage_rank(std: Standard) -> dict[str, int]:
    """Each stage's position in the standard (primary before junior): the order of every table."""
    return {s: i for i, s in enumerate(std.stages)}


def up_to_year(frame: pd.DataFrame, year: int | None, column: str = "year") -> pd.DataFrame:
    """The rows dated ``year`` (None: all) or earlier: a report for year Y shows nothing after Y."""
    if year is None or column not in frame.columns:
        return frame
    kept = frame[pd.to_numeric(frame[column], errors="coerce") <= int(year)].reset_index(drop=True)
    kept.attrs = dict(frame.attrs)
    return kept


def schools_in_scope(ds, std: Standard, indicator_id: str, year: int) -> pd.DataFrame:
    """The schools an indicator judges in ``year``, by its scope in the standard: one row a school,
    its compulsory-stage pupils and classes summed."""
    sec = ds.sections[(ds.sections["year"] == year) & ds.sections["stage"].isin(list(std.stages))]
    info = ds.schools[["school_id", "name", "kind", "locale", "sponsor", "built_year"]]
    sec = sec.merge(
        info.rename(columns={"name": "school_name"}), on="school_id", how="left", validate="many_to_one"
    )
    scope = std.scope_of(indicator_id)
    if scope.name == "resource":
        from eduwb.standards import scope_mask

        sec = sec[scope_mask(sec, std)]
    elif scope.kinds is None:
        raise AnalysisError(
            f"indicator {indicator_id} judges the county as a whole ({scope.name}), not a list of schools"
        )
    else:
        sec = sec[sec["kind"].isin(list(scope.kinds))]
    out = sec.groupby(["school_id", "school_name", "kind", "locale"], sort=True, dropna=False).agg(
        built_year=("built_year", "first"), students=("students", "sum"), classes=("classes", "sum")
    )
    return out.reset_index()
