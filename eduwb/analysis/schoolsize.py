"""School size (规模, G4): each school's compulsory-stage pupils against its size limit.

Limits come from the :class:`~eduwb.standards.Standard` (``school_size``, 2000 / 2500) and the
2019 relaxations; only ``sections`` is needed, so these tables always work.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from eduwb.data.schema import KINDS
from eduwb.errors import AnalysisError, ParameterError

# G4 speaks of 小学、初中 and 九年/十二年一贯制 schools; a special-education school is none of
# them, so it is reported but not judged (a standard may list its own under
# [school_size] exclude_kinds).
SIZE_EXEMPT_KINDS_DEFAULT = ("special",)


def no_options(table: str, options: dict[str, object]) -> None:
    """Refuse any option: the table takes none (the message names them)."""
    if options:
        raise ParameterError(f"table {table!r} has no option(s) {', '.join(sorted(options))}")


def object_frame(columns: dict) -> pd.DataFrame:
    """A DataFrame from arrays, text kept as ``object`` like the Dataset's own frames (pandas
    would otherwise convert every string to its ``str`` dtype, which costs more than the table)."""
    return pd.DataFrame(
        {
            name: pd.Series(values, dtype=object)
            if isinstance(values, np.ndarray) and values.dtype.kind == "O"
            else values
            for name, values in columns.items()
        }
    )


def school_limits(ds, std, school_ids) -> dict[str, np.ndarray]:
    """``school_name, kind, size_limit, relaxed, in_scope`` of each school id given, as arrays."""
    info = ds.schools.set_index("school_id").reindex(school_ids)
    kind = info["kind"]
    normal = kind.map({k: std.school_size_limit(k) for k in KINDS}).to_numpy(dtype=np.int64)
    relaxed = np.zeros(len(info), dtype=bool)
    limit = normal
    if ds.settings.relaxations_2019:
        built = pd.to_numeric(info["built_year"], errors="coerce")
        relaxed = (built <= int(std.relaxations["size_built_by"])).fillna(False).to_numpy(dtype=bool)
        loose = kind.map({k: std.school_size_limit(k, relaxed=True) for k in KINDS}).to_numpy(dtype=np.int64)
        limit = np.where(relaxed, loose, normal)
    return {
        "school_name": info["name"].to_numpy(dtype=object),
        "kind": kind.to_numpy(dtype=object),
        "size_limit": limit,
        "relaxed": relaxed,
        "in_scope": kind.isin(list(size_scope_kinds(std))).to_numpy(dtype=bool),
    }


def size_scope_kinds(std) -> tuple[str, ...]:
    """The kinds of school G4 judges: G4's scope in the standard (moe-2017: ``regular_schools``,
    special schools listed, not judged); under a standard without G4, every kind but those of
    ``[school_size] exclude_kinds`` (special schools by default)."""
    if std.has_indicator("G4"):
        kinds = std.scope_of("G4").kinds
        if kinds is not None:
            return kinds
    exempt = std.raw.get("school_size", {}).get("exclude_kinds", SIZE_EXEMPT_KINDS_DEFAULT)
    return tuple(k for k in KINDS if k not in exempt)


def school_size_table(
    ds, std, *, year: int | None = None, stage: str | None = None, **options
) -> pd.DataFrame:
    """G4: each school's compulsory-stage pupils against its size limit, per year (``None``: all).

    Only 小学 + 初中 pupils count (not a twelve-year school's or 完全中学's senior ones). The limit
    is ``std.school_size_limit(kind)`` (2000; 2500 for 九年/十二年一贯制), or the relaxed one
    (2400 / 3000) for a school built by ``relaxations_2019.size_built_by`` (2010) when
    ``county.toml`` turns ``relaxations_2019`` on (none without ``built_year``). The relaxation for
    schools with over 50 % migrant pupils cannot be applied: the data do not say who is a migrant.
    Schools outside G4's scope (:func:`size_scope_kinds`) are listed, ``in_scope`` False.
    ``stage`` must be None; ``over_by``: pupils above the limit; sorted by year and school_id."""
    no_options("schoolsize", options)
    if stage is not None:
        raise ParameterError("schoolsize: the size limit is on the whole school; --stage does not apply")
    sec = ds.sections
    keep = sec["stage"].isin(std.stages)
    if year is not None:
        keep &= sec["year"] == year
    sec = sec[keep]
    if sec.empty:
        raise AnalysisError(
            f"{ds.name} has no compulsory-stage sections{'' if year is None else f' for {year}'}"
        )
    total = sec.groupby(["year", "school_id"], sort=True)["students"].sum()  # by year, then id
    info = school_limits(ds, std, total.index.get_level_values("school_id"))
    students = total.to_numpy(dtype=np.int64)
    limit = info["size_limit"]
    return object_frame(
        {
            "school_id": total.index.get_level_values("school_id").to_numpy(dtype=object),
            "school_name": info["school_name"],
            "kind": info["kind"],
            "year": total.index.get_level_values("year").to_numpy(dtype=np.int64),
            "students": students,
            "size_limit": limit,
            "relaxed": info["relaxed"],
            "in_scope": info["in_scope"],
            "over_by": np.maximum(students - limit, 0),
            "passes": students <= limit,
        }
    )


def g4_summary(ds, std, year: int) -> pd.DataFrame:
    """G4 for the county in one year: one row ``year, status, schools, schools_over, max_over_by``.

    ``status`` is ``"pass"`` when every school in scope is within its limit, else ``"fail"``.
    """
    table = school_size_table(ds, std, year=year)
    judged = table[table["in_scope"]]
    over = int((~judged["passes"]).sum())
    return pd.DataFrame(
        {
            "year": [year],
            "status": ["pass" if over == 0 else "fail"],
            "schools": [len(judged)],
            "schools_over": [over],
            "max_over_by": [int(judged["over_by"].max()) if len(judged) else 0],
        }
    )
