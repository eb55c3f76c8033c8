"""Load and validate a county dataset (a folder of CSVs or one ``.xlsx`` workbook).

Three passes, each collecting every problem before anything is refused: :mod:`~eduwb.data.read`
(tables found, decoded, headers matched), :mod:`~eduwb.data.parse` (typed columns, the
dictionary's column rules) and :mod:`~eduwb.data.crosscheck` (rules between tables). A dataset
with an error raises a :class:`~eduwb.errors.DataError` listing every problem.
"""

from __future__ import annotations

import copy
import tomllib
import weakref
from collections import OrderedDict
from contextlib import suppress
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd

from eduwb._files import FileRefused, read_regular_file
from eduwb.data import limits
from eduwb.data.crosscheck import Checks, check_plausibility, cross_check
from eduwb.data.parse import check_schema, parse_table
from eduwb.data.read import Raw, read_folder, read_workbook, table_files
from eduwb.data.schema import OPTIONAL_TABLES, REQUIRED_TABLES, TABLES
from eduwb.data.settings import DEFAULT_ROTATION, CountySettings, read_settings
from eduwb.errors import DataError, Problem, ProblemList

# the rotation default and the settings are imported from here, with the dataset
__all__ = ["DEFAULT_ROTATION", "CountySettings", "Dataset", "Memo", "files_read", "load", "memoised", "pool"]


@dataclass
class Dataset:
    """A validated county dataset: tidy DataFrames with English column names and codes
    (``None`` for an optional table not provided)."""

    path: Path
    name: str
    settings: CountySettings
    schools: pd.DataFrame
    sections: pd.DataFrame
    facilities: pd.DataFrame
    classes: pd.DataFrame | None = None
    teachers: pd.DataFrame | None = None
    rotations: pd.DataFrame | None = None
    cohorts: pd.DataFrame | None = None
    budget: pd.DataFrame | None = None
    county_indicators: pd.DataFrame | None = None
    survey: pd.DataFrame | None = None
    warnings: list[Problem] = field(default_factory=list)
    #: The county datasets a pooled dataset was stacked from (:func:`pool`); None for a county.
    counties: list[Dataset] | None = None
    #: Results computed from these tables (:func:`memoised`), shared by every copy :func:`load`
    #: returns of the same files, so that a report's chapters compute each of them once.
    memo: Memo = field(default_factory=lambda: Memo(), repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.memo.live():
            # a new dataset, or one made (``replace``) from a dataset no longer held: its own results
            self.memo.results.clear()
            self.memo.hold(self)

    @property
    def years(self) -> list[int]:
        return sorted(int(y) for y in self.sections["year"].unique())

    def has(self, table: str) -> bool:
        return getattr(self, table) is not None

    def summary(self, lang: str = "en") -> str:
        """One line describing what was loaded, in ``lang`` (English by default)."""
        from eduwb.lang import pick

        years = self.years
        span = f"{years[0]}–{years[-1]}" if len(years) > 1 else str(years[0])
        optional = [t for t in OPTIONAL_TABLES if self.has(t)]
        schools, sections, warnings = len(self.schools), len(self.sections), len(self.warnings)
        zh = (
            f"{self.name}：{schools} 所学校，{sections} 个学校学段，{span} 年；"
            f"可选表：{'、'.join(optional) if optional else '无'}"
            + (f"；{warnings} 个警告" if warnings else "")
        )
        en = (
            f"{self.name}: {schools} schools, {sections} school sections, years {span}; "
            f"optional tables: {', '.join(optional) if optional else 'none'}"
            + (f"; {warnings} warning(s)" if warnings else "")
        )
        return pick((zh, en), lang)


def pool(datasets: list[Dataset], name: str = "全部县") -> Dataset:
    """One dataset holding several counties (their ids distinct), kept as ``counties``.

    The first county's settings apply; an optional table is kept only when every county has it.
    """

    def stacked(table: str) -> pd.DataFrame | None:
        frames = [getattr(ds, table) for ds in datasets]
        return None if any(f is None for f in frames) else pd.concat(frames, ignore_index=True)

    first = datasets[0]
    return Dataset(
        path=first.path.parent,
        name=name,
        settings=first.settings,
        schools=stacked("schools"),
        sections=stacked("sections"),
        facilities=stacked("facilities"),
        **{table: stacked(table) for table in OPTIONAL_TABLES},
        counties=list(datasets),
    )


# ----------------------------------------------------------------------------- memo


class Memo:
    """Results computed from a dataset's tables, shared by the copies of one load.

    A result is reused only by a dataset holding the very frames it was computed from (by
    identity), so replace a frame rather than editing its cells. Pickled or copied, it is empty.
    """

    __slots__ = ("results", "holders")

    def __init__(self) -> None:
        self.results: dict[Any, tuple[tuple[Any, ...], Any]] = {}
        self.holders: list[tuple[weakref.ref | None, ...]] = []

    def __reduce__(self) -> tuple[Any, ...]:
        return (Memo, ())

    def __deepcopy__(self, _memo: dict) -> Memo:
        return Memo()

    def live(self) -> bool:
        self.holders = [refs for refs in self.holders if all(r is None or r() is not None for r in refs)]
        return bool(self.holders)

    def hold(self, ds: Dataset) -> None:
        """``ds``'s tables, as they are now, are the tables the results were computed from."""
        self.holders.append(tuple(None if (f := getattr(ds, t)) is None else weakref.ref(f) for t in TABLES))

    def holds(self, ds: Dataset) -> bool:
        frames = [getattr(ds, t) for t in TABLES]
        return any(
            all((f is None) if r is None else (r() is f) for r, f in zip(refs, frames, strict=True))
            for refs in self.holders
        )


def memoised(ds: Dataset, key: tuple, compute: Any, *, pins: tuple[Any, ...] = ()) -> Any:
    """``compute()``, once per dataset load and ``key`` (see :class:`Memo`); a frame comes back
    as a copy. ``pins`` are objects the key names by ``id``: reused only while they are the same."""
    memo = getattr(ds, "memo", None)
    if not isinstance(memo, Memo) or not memo.holds(ds):
        return compute()
    hit = memo.results.get(key)
    if hit is None or len(hit[0]) != len(pins) or any(a is not b for a, b in zip(hit[0], pins, strict=True)):
        hit = memo.results[key] = (pins, compute())
    result = hit[1]
    if isinstance(result, pd.DataFrame | pd.Series):
        return result.copy(deep=not _COPY_ON_WRITE)
    return result


# The last few datasets loaded in this process, keyed on their files' names, sizes and
# modification times: a report runs four notebooks on one county-year in one worker, and
# each would otherwise read and validate the same files again.
_LOADED: OrderedDict[tuple, Dataset] = OrderedDict()
_LOADED_MAX = 2


def files_read(path: str | Path) -> list[Path]:
    """The files :func:`load` reads for the dataset at ``path`` (settings, the standard file they
    name beside them, the tables' files), in a fixed order."""
    path = Path(path)
    if path.is_dir():
        settings = path / "county.toml"
        files = [settings, *(f for found in table_files(path).values() for f in found)]
    else:
        settings = path.with_suffix(".toml")
        files = [path, settings]
    files.insert(files.index(settings) + 1, _standard_beside(settings))
    return [f for f in files if f is not None and f.is_file()]


def _standard_beside(settings: Path) -> Path | None:
    """The standard file ``county.toml`` names beside itself, if it names one that is there."""
    from eduwb.standards import list_standards

    try:
        raw = tomllib.loads(read_regular_file(settings, limits.MAX_SETTINGS_BYTES).decode("utf-8"))
    except (FileRefused, OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None
    name = raw.get("standard")
    if not isinstance(name, str) or name in list_standards() or Path(name).is_absolute():
        return None
    try:
        beside = settings.parent / name
        return beside if beside.is_file() else None
    except (OSError, ValueError):
        return None


def _files_fingerprint(path: Path) -> tuple | None:
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.is_file())
    elif path.is_file():
        files = [path] + ([path.with_suffix(".toml")] if path.with_suffix(".toml").is_file() else [])
    else:
        return None
    return tuple((p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in files)


def _private_copy(ds: Dataset) -> Dataset:
    """A copy the caller may change without touching the cached dataset (free until changed)."""
    frames = {t: None if (f := getattr(ds, t)) is None else f.copy(deep=not _COPY_ON_WRITE) for t in TABLES}
    twin = replace(ds, settings=copy.deepcopy(ds.settings), warnings=list(ds.warnings), **frames)
    if ds.memo.holds(ds):
        ds.memo.hold(twin)  # the same tables: the results computed so far apply to it too
    return twin


# pandas copies on write from 3.0 (before, when asked to): a shallow copy is free until changed
_COPY_ON_WRITE = int(pd.__version__.split(".")[0]) >= 3 or bool(pd.options.mode.copy_on_write)


def load(path: str | Path, *, standard: str | Path | None = None, cache: bool = True) -> Dataset:
    """Read and validate a county folder (CSVs, ``county.toml``) or workbook (``<stem>.toml``).

    ``standard`` (default: the one the settings name) gives the ids ``county_indicators`` may
    use. Unchanged files loaded again come from a small cache, as a private copy, unless
    ``cache=False``. Raises :class:`DataError` listing every problem found.
    """
    path = Path(path)
    try:
        fingerprint = _files_fingerprint(path) if cache else None
        key = (str(path.resolve()), fingerprint, None if standard is None else str(standard))
    except (OSError, ValueError):  # a name the file system refuses: _load says so, located
        fingerprint, key = None, None
    if fingerprint is not None and key in _LOADED:
        _LOADED.move_to_end(key)
        return _private_copy(_LOADED[key])
    ds = _load(path, standard)
    if fingerprint is not None:
        _LOADED[key] = _private_copy(ds)
        while len(_LOADED) > _LOADED_MAX:
            _LOADED.popitem(last=False)
    return ds


def _load(path: Path, standard: str | Path | None) -> Dataset:
    problems = ProblemList()
    settings, settings_path, raws = _read_source(path, problems)
    noted = [p for p in problems if p.severity != "error"]  # a name shown escaped: a warning
    problems[:] = [p for p in problems if p.severity == "error"]
    frames = _parse_tables(raws, problems)
    known, percent, measured_by = _standards_known(standard, settings, settings_path, problems)

    warnings = ProblemList()
    # Cross-table rules run even when cells failed to parse (those cells are NA and compare
    # as "no problem"), so one pass reports everything a person must fix.
    if all(t in frames for t in REQUIRED_TABLES):
        ctx = Checks(frames, raws)
        cross_check(ctx, known, percent)
        if measured_by is not None:
            check_plausibility(ctx, measured_by)
        problems.merge(ctx.problems)
        warnings = ctx.warnings
    warnings[:0] = noted
    if problems or problems.hidden("error"):
        # warnings come along (after the errors) so that a person fixing the file sees them too
        problems.extend(warnings)
        raise DataError(problems)

    # a clean RangeIndex (row numbers served the messages); parse_table gave the final dtypes
    frames = {name: frame.reset_index(drop=True) for name, frame in frames.items()}
    return Dataset(path=path, name=settings.name, settings=settings, warnings=warnings.finished(), **frames)


def _read_source(path: Path, problems: ProblemList):
    """A county folder's or workbook's settings, the path of its settings file and its raw tables."""
    try:
        exists, is_dir = path.exists(), path.is_dir()
    except OSError as exc:  # e.g. a name longer than the file system allows
        rule = f"cannot be read: {exc.strerror or exc}"
        raise DataError([Problem(str(path), None, None, None, rule)]) from None
    if not exists:
        raise DataError([Problem(str(path), None, None, None, "no such folder or workbook")])
    if is_dir:
        settings_path = path / "county.toml"
        settings = read_settings(settings_path, path.name, problems)
        raws = read_folder(path, problems)
    elif path.suffix.lower() in (".xlsx", ".xlsm"):
        settings_path = path.with_suffix(".toml")
        settings = read_settings(settings_path, path.stem, problems)
        raws = read_workbook(path, problems)
    else:
        rule = "must be a county folder of CSV files or an .xlsx workbook"
        raise DataError([Problem(str(path), None, None, None, rule)])
    return settings, settings_path, raws


def _parse_tables(raws: dict[str, Raw], problems: ProblemList) -> dict[str, pd.DataFrame]:
    """Each raw table typed and checked on its own. An optional table without a data row (a
    template's sheet left empty) is left out, as if missing; a required one is refused."""
    frames: dict[str, pd.DataFrame] = {}
    for name, raw in raws.items():
        table = TABLES[name]
        frame = parse_table(raw, table, problems)
        check_schema(frame, raw, table, problems)
        if frame.empty and not table.required:
            continue
        if frame.empty:
            # a header without rows would pass every rule and leave nothing to measure
            problems.append(
                Problem(raw.label, None, None, None, f"no data rows: {name} ({table.zh}) is required")
            )
        frames[name] = frame
    return frames


def _standards_known(standard, settings, settings_path: Path, problems: ProblemList):
    """The indicator and veto ids the standards know, those in percent, and the standard whose
    plausible ranges apply (None: it cannot be loaded, reported in ``problems``)."""
    from eduwb.errors import StandardError
    from eduwb.standards import list_standards, load_standard

    # a standard file named in county.toml is found beside county.toml, not in the working directory
    if standard is None and settings.standard not in list_standards():
        beside = settings_path.parent / settings.standard
        try:
            if not Path(settings.standard).is_absolute() and beside.exists():
                settings.standard = str(beside)
        except OSError:
            pass  # loading it below says what is wrong with it

    known: set[str] | None = None
    percent: set[str] = set()
    measured_by = None  # the standard whose plausible ranges apply
    try:
        # county_indicators are written for the county's own standard; an analysis under
        # another standard (--standard moe-2012) must not refuse them.
        standards = [load_standard(settings.standard if standard is None else standard)]
        measured_by = standards[0]
        if standard is not None:
            with suppress(StandardError):  # the requested standard is the one that matters here
                standards.append(load_standard(settings.standard))
        known = set()
        for std in standards:
            known |= {i.id for i in std.indicators} | {v["id"] for v in std.vetoes}
            percent |= {i.id for i in std.indicators if i.unit == "%"}
    except StandardError as exc:
        where, given = (
            ("--standard", str(standard)) if standard is not None else (settings_path.name, settings.standard)
        )
        # a standard's own message may span lines; the CLI prints one line per problem
        message = "; ".join(line.strip() for line in str(exc).splitlines() if line.strip())
        problems.append(Problem(where, None, "standard", given, message))
    return known, percent, measured_by
