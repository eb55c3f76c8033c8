"""A province's data: county datasets (folders or workbooks, or a folder of them), each loaded
on its own and then pooled (:func:`~eduwb.data.dataset.pool`)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from eduwb.data.dataset import Dataset, load, pool
from eduwb.data.read import table_files
from eduwb.errors import DataError, ParameterError, Problem

#: The name of a pooled province whose counties name none (or different ones) in county.toml.
DEFAULT_PROVINCE = "全部县"


def is_county_folder(path: Path) -> bool:
    """Whether a folder is one county's dataset (it has a table of the data dictionary or county.toml)."""
    if not path.is_dir():
        return False
    return bool(table_files(path)) or (path / "county.toml").is_file()


def _is_county(path: Path) -> bool:
    return (path.is_file() and path.suffix.lower() in (".xlsx", ".xlsm")) or is_county_folder(path)


def county_sources(data: str | Path | Sequence[str | Path]) -> list[Path]:
    """The county datasets ``data`` names, in order: a county folder or workbook, a folder of
    them (sorted by name, hidden entries skipped), or a list mixing both. Raises
    :class:`ParameterError` for a missing path, a folder without a county or a county named twice.
    """
    entries = [data] if isinstance(data, str | Path) else list(data)
    if not entries:
        raise ParameterError("no county data given")
    sources: list[Path] = []
    for entry in entries:
        path = Path(entry)
        if _is_county(path):
            sources.append(path)
        elif path.is_dir():
            inside = sorted(p for p in path.iterdir() if not p.name.startswith(".") and _is_county(p))
            if not inside:
                raise ParameterError(
                    f"{path}: neither a county folder nor a folder of county folders or workbooks"
                )
            sources.extend(inside)
        else:
            raise ParameterError(f"{path}: no such county folder or workbook")
    resolved = [p.resolve() for p in sources]
    twice = sorted({str(p) for p in resolved if resolved.count(p) > 1})
    if twice:
        raise ParameterError(f"a county is named twice: {', '.join(twice)}")
    return sources


def load_province(
    data: str | Path | Sequence[str | Path], *, standard: str | Path | None = None, name: str | None = None
) -> Dataset:
    """Load every county of ``data`` (:func:`county_sources`) and pool them, named ``name`` or
    the ``province`` every county's settings give (else :data:`DEFAULT_PROVINCE`).

    Raises :class:`DataError` with the problems of every county that fails (prefixed by its
    county), or when two counties share a name or a school id.
    """
    datasets: list[Dataset] = []
    problems: list[Problem] = []
    for source in county_sources(data):
        try:
            datasets.append(load(source, standard=standard))
        except DataError as exc:
            problems.extend(
                Problem(f"{source.name}/{p.file}", p.row, p.column, p.value, p.rule, p.severity)
                for p in exc.problems
            )
    if problems:
        raise DataError(problems)
    names = [ds.name for ds in datasets]
    for county in sorted({n for n in names if names.count(n) > 1}):
        problems.append(
            Problem("county.toml", None, "name", county, "two counties of the province have this name")
        )
    seen: dict[str, str] = {}
    for ds in datasets:
        for school in ds.schools["school_id"]:
            other = seen.setdefault(school, ds.name)
            if other != ds.name:
                problems.append(
                    Problem(f"{ds.name}/schools", None, "school_id", school, f"also a school of {other}")
                )
                break
    if problems:
        raise DataError(problems)
    provinces = {ds.settings.province for ds in datasets}
    if name is None:
        only = next(iter(provinces)) if len(provinces) == 1 else None
        name = only or DEFAULT_PROVINCE
    return pool(datasets, name=name)
