"""What an analysis is asked about: the year, the stage, the options, the order of stages.

One home for these rules, so every table, notebook and the CLI resolve them the same way.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pandas as pd

from eduwb.errors import AnalysisError, ParameterError
from eduwb.standards import Standard


def resolve_year(ds, year: int | str | None) -> int:
    """The year asked for (None: the latest in the data)."""
    years = ds.years
    if not years:
        raise AnalysisError(f"{ds.name}: the sections table has no rows")
    if year is None:
        return years[-1]
    try:
        year = int(year)
    except (TypeError, ValueError):
        raise ParameterError(f"year must be a whole number, not {year!r}") from None
    if year not in years:
        raise ParameterError(f"year {year} is not in the data (years: {', '.join(map(str, years))})")
    return year


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
    unknown = sorted(k for k in options if k not in allowed and not (k == "by" and options[k] in (None, "school")))
    if unknown:
        known = ", ".join(sorted(allowed)) or "none"
        raise ParameterError(f"table {table!r}: unknown parameter(s) {', '.join(unknown)} (known: {known})")


def stage_rank(std: Standard) -> dict[str, int]:
    """Each stage's position in the standard (primary before junior): the order of every table."""
    return {s: i for i, s in enumerate(std.stages)}


def stage_order(stages: pd.Series, std: Standard) -> pd.Series:
    """A sort key for a column of stages, in the standard's order."""
    return stages.map(stage_rank(std))
