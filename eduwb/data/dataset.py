"""Load and validate a county dataset (a folder of CSVs or one ``.xlsx`` workbook).

The format is ``docs/data-dictionary.md``, generated from :mod:`eduwb.data.schema`.
Loading happens in three passes, each collecting every problem before anything is refused:

1. *read*: find each table (``schools.csv`` or a sheet ``schools``; Chinese table names
   work too), detect the text encoding, map English or Chinese headers to column names —
   within the limits of :mod:`eduwb.data.limits`, checked before the work (file size, header
   width and line count from the text, a workbook's zip directory and sheet dimensions);
2. *parse*: turn text into typed columns (numbers, whole numbers, booleans, enum codes; the
   CSV parser reads numbers itself, each distinct text is handled once), then check each
   column against the data dictionary's rules (ranges, enums, uniqueness), vectorised, naming
   every failing cell;
3. *cross-check*: the rules between tables (ids exist, stage fits kind, counts ≤ totals,
   class rows against section totals as warnings), on integer codes rather than text.

Only a dataset with no error comes back as a :class:`Dataset`; otherwise a
:class:`~eduwb.errors.DataError` lists every problem with file, row, column, value and rule
(the first :data:`~eduwb.data.limits.MAX_PROBLEMS_PER_RULE` of each rule, then a count).
"""

from __future__ import annotations

import copy
import csv
import difflib
import io
import re
import tomllib
import weakref
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from eduwb import names
from eduwb._files import FileRefused, read_regular_file
from eduwb.data import limits, rulewords
from eduwb.data.schema import (
    ENUM_SYNONYMS,
    FALSE_VALUES,
    GRADES_BY_STAGE,
    OPTIONAL_TABLES,
    REQUIRED_TABLES,
    STAGES_BY_KIND,
    TABLES,
    TRUE_VALUES,
    Table,
)
from eduwb.errors import DataError, Problem, ProblemList
from eduwb.standards import DEFAULT_STANDARD

# ----------------------------------------------------------------------------- settings

DEFAULT_ROTATION = {"min_years_at_school": 6, "exempt_age_male": 55, "exempt_age_female": 50}
DEFAULT_UNIT_COSTS = {
    "teacher_per_year": 120000,
    "building_m2": 3500,
    "sports_field_m2": 400,
    "multimedia_room": 40000,
}
#: Prices the pathway (``eduwb plan``) uses besides the defaults above: a county may set them in
#: ``[unit_costs]``; when it does not, the standard's ``[pathway.unit_costs]`` apply.
PATHWAY_UNIT_COSTS = (
    "school_place", "training_hour", "certification", "rotation_move",
    "above_degree_premium", "backbone_premium", "pe_art_premium",
)  # fmt: skip
#: ``[pathway]`` in county.toml: the year the county must pass by, and an annual budget cap (元).
PATHWAY_SETTINGS = ("target_year", "annual_budget_yuan")
_SETTINGS_KEYS = {
    "name", "code", "province", "standard", "relaxations_2019", "class_size", "rotation", "unit_costs",
    "statistics_dates", "pathway",
}  # fmt: skip
#: The statistics' reference date (统计时点) of a school year when county.toml gives none: 1 September.
DEFAULT_STATISTICS_MONTH_DAY = (9, 1)


@dataclass
class CountySettings:
    """What ``county.toml`` says, with the data dictionary's defaults filled in."""

    name: str = ""
    code: str | None = None
    province: str | None = None
    standard: str = DEFAULT_STANDARD
    relaxations_2019: bool = False
    milestones: list[dict[str, Any]] = field(default_factory=list)
    rotation: dict[str, Any] = field(default_factory=lambda: dict(DEFAULT_ROTATION))
    unit_costs: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_UNIT_COSTS))
    statistics_dates: dict[int, date] = field(default_factory=dict)
    #: The ``[unit_costs]`` keys county.toml itself sets (the others are defaults).
    unit_costs_given: frozenset[str] = frozenset()
    #: ``[pathway]``: ``target_year`` and ``annual_budget_yuan`` where county.toml sets them.
    pathway: dict[str, Any] = field(default_factory=dict)

    def statistics_date(self, year: int) -> date:
        """The 统计时点 of school year ``year``: ``[statistics_dates]`` in county.toml, or 1 September."""
        month, day = DEFAULT_STATISTICS_MONTH_DAY
        return self.statistics_dates.get(int(year), date(int(year), month, day))


@dataclass
class Dataset:
    """A validated county dataset: tidy DataFrames with English column names and codes.

    Optional tables that were not provided are ``None`` (results needing them say 缺数据).
    """

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
    """One dataset holding several counties, for province-wide tables and benchmarks.

    School and teacher ids must be distinct across the counties (the generated sample's are);
    the first county's settings apply. An optional table is kept only when every county has it.
    The counties themselves stay available as ``counties`` (each with its own settings and
    county-level tables), for what is judged county by county.
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


# ----------------------------------------------------------------------------- reading


def _norm(text: object) -> str:
    """Header/enum normal form: case-, whitespace- (incl. full-width) and bracket-insensitive."""
    s = str(text).strip().lower().replace("\u3000", "")
    s = re.sub(r"\s+", "", s)
    return s.replace("（", "(").replace("）", ")")


class _Text:
    """A column of text cells, each distinct spelling stored once.

    ``codes`` index ``uniques`` (the distinct cells, stripped of surrounding white space);
    -1 marks a cell left empty. Checks and lookups run once per distinct spelling — a county's
    teacher table has tens of thousands of rows but a few hundred school ids — and the column
    is rebuilt with one ``take``.
    """

    __slots__ = ("codes", "uniques")

    def __init__(self, series: pd.Series | np.ndarray):
        # NaN and None are both an empty cell to factorize (-1)
        values = series if isinstance(series, np.ndarray) else series.to_numpy(dtype=object)
        codes, uniques = pd.factorize(values, use_na_sentinel=True)
        stripped = np.array(
            [u.strip() if type(u) is str else str(u).strip() for u in uniques.tolist()], dtype=object
        )
        empty = stripped == ""
        if empty.any():  # a cell of spaces is an empty cell
            codes = np.where(empty[np.maximum(codes, 0)] & (codes >= 0), -1, codes)
        self.codes = codes
        self.uniques = stripped

    @property
    def blank(self) -> np.ndarray:
        return self.codes < 0

    def mapped(self, values: np.ndarray, empty: object = None) -> np.ndarray:
        """One value per distinct spelling (``values`` aligned with ``uniques``) → one per cell."""
        out = np.empty(len(values) + 1, dtype=object)
        out[:-1] = values
        out[-1] = empty
        return out[self.codes]

    def cells(self, empty: object = "") -> np.ndarray:
        return self.mapped(self.uniques, empty)

    def take(self, keep: np.ndarray) -> _Text:
        """The cells where ``keep`` holds (the same distinct spellings)."""
        kept = object.__new__(_Text)
        kept.codes, kept.uniques = self.codes[keep], self.uniques
        return kept

    def rows(self, mask_of_uniques: np.ndarray) -> np.ndarray:
        """A cell mask from a mask over the distinct spellings (never true for empty cells)."""
        extended = np.append(mask_of_uniques.astype(bool), False)
        return extended[self.codes]


@dataclass
class _Raw:
    """One table as read: a column per table column, and where it came from.

    Columns are :class:`_Text` (text cells) or, for numbers the CSV parser already read, a
    numeric Series; the index holds the row number a person sees (header = row 1).
    """

    columns: dict[str, _Text | np.ndarray]
    index: pd.Index
    label: str  # file (and sheet) for messages
    headers: dict[str, str]  # column name -> header as written
    as_text: Any = None  # column name -> its cells as written (numbers read by the CSV parser)
    #: text and enum columns after parsing: (code per row, -1 where empty or refused; value per code)
    codes: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)

    def text_of(self, name: str) -> pd.Series:
        """The cells of a column as written (stripped), by row number."""
        column = self.columns[name]
        if isinstance(column, _Text):
            return pd.Series(column.cells(""), index=self.index)
        return self.as_text(name).reindex(self.index).fillna("")


def _decode(data: bytes, label: str, problems: list[Problem]) -> str | None:
    """UTF-8 (with or without BOM) first, GB18030 second; refuse rather than guess."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as utf8_error:
        if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
            problems.append(
                Problem(
                    label,
                    None,
                    None,
                    None,
                    "is UTF-16 (Excel's 'Unicode text'), not UTF-8 or GB18030/GBK; save it as 'CSV UTF-8'",
                )
            )
            return None
        try:
            text = data.decode("gb18030")
        except UnicodeDecodeError:
            text = None
        if text is None or not _reads_as_chinese(text):
            problems.append(
                Problem(
                    label,
                    None,
                    None,
                    None,
                    f"cannot be decoded as UTF-8 (byte {utf8_error.start}) "
                    "or GB18030/GBK; save it as UTF-8 CSV",
                )
            )
            return None
        return text


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_ASCII_RUNS = re.compile(r"[\x00-\x7f]+")


def _reads_as_chinese(text: str) -> bool:
    """Whether text decoded as GB18030 reads as Chinese rather than as decoded garbage.

    GB18030 decodes almost any bytes, and statistical detectors mistake short GBK files (a
    column of 男/女) for Korean or UTF-16, so the test is direct: no control characters, and
    nearly every non-ASCII character is a common one (in GB2312, which holds the 6763 common
    hanzi and Chinese punctuation). Binary data, UTF-8 read as GBK and Big5 all fail it.
    """
    if _CONTROL.search(text):
        return False
    wide = _ASCII_RUNS.sub("", text)
    # every wide character is non-ASCII, so each "?" in the encoding is one uncommon character
    uncommon = wide.encode("gb2312", errors="replace").count(b"?")
    return uncommon <= 0.1 * len(wide) + 2


def _read_input(path: Path, label: str, limit: int, problems: list[Problem]) -> bytes | None:
    """The bytes of an input file, or a problem: not a regular file, too large, unreadable."""
    try:
        return read_regular_file(path, limit)
    except FileRefused as exc:
        problems.append(Problem(label, None, None, None, f"file {exc}"))
    except FileNotFoundError:
        problems.append(Problem(label, None, None, None, "file not found"))
    except OSError as exc:
        problems.append(Problem(label, None, None, None, f"cannot be read: {exc.strerror or exc}"))
    return None


def _first_line(text: str) -> tuple[str, int]:
    """The first line of a text and the number of lines (``\\n``, or old Mac ``\\r`` endings)."""
    newline = "\n" if "\n" in text else "\r"
    end = text.find(newline)
    first = text if end < 0 else text[:end]
    lines = text.count(newline) + (0 if text.endswith(newline) else 1)
    return first.rstrip("\r"), lines


def _read_csv(path: Path, label: str, table: Table, problems: list[Problem]) -> _Raw | None:
    data = _read_input(path, label, limits.MAX_FILE_BYTES, problems)
    if data is None:
        return None
    if not data or data.isspace():
        problems.append(Problem(label, None, None, None, "file is empty"))
        return None
    decoded = _csv_text(data, label, problems)
    del data
    if decoded is None:
        return None
    text, source = decoded
    # Sizes first, from the text itself: a header a million columns wide or a million lines
    # are refused before the CSV parser sees them.
    first, lines = _first_line(text)
    if _csv_too_big(first, lines, label, problems):
        return None
    try:
        # the first line, unless a quoted header cell runs on to the next
        head = first if first.count('"') % 2 == 0 else text
        header = next(csv.reader(io.StringIO(head), skipinitialspace=True), [])
    except csv.Error as exc:
        problems.append(Problem(label, 1, None, None, f"not a readable CSV file: header: {exc}"))
        return None
    matched = _match_headers(header, table, label, problems)
    if matched is None:
        return None
    positions, headers = matched
    numeric = {
        positions[c.name] for c in table.columns if c.dtype in ("int", "number") and c.name in positions
    }
    options = dict(
        header=0,
        names=list(range(len(header))),
        index_col=False,
        keep_default_na=False,
        na_values=[""],
        skip_blank_lines=False,
        skipinitialspace=True,
    )
    try:
        # Numbers are read by the CSV parser itself (a column it cannot read as numbers comes
        # back as text and is parsed cell by cell below, with a message for each bad cell).
        frame = pd.read_csv(
            io.BytesIO(source), dtype={i: object for i in range(len(header)) if i not in numeric}, **options
        )
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as exc:
        # pandas counts lines from 1 with the header, as an editor does: keep that as the row
        message = " ".join(str(exc).split())
        line = re.search(r"in line (\d+)", message)
        problems.append(
            Problem(
                label, int(line.group(1)) if line else None, None, None, f"not a readable CSV file: {message}"
            )
        )
        return None
    index = pd.RangeIndex(2, len(frame) + 2)

    def as_text(name: str) -> pd.Series:
        # only for messages about a number column: read that column again, as written
        position = positions[name]
        again = pd.read_csv(io.BytesIO(source), dtype=str, usecols=[position], **options)[position]
        again.index = pd.RangeIndex(2, len(again) + 2)
        return again.fillna("").str.strip()

    columns = _csv_columns(frame, table, positions)
    return _drop_empty_rows(_Raw(columns, index, label, headers, as_text))


def _csv_text(data: bytes, label: str, problems: list[Problem]) -> tuple[str, bytes] | None:
    """The file's text, and the UTF-8 bytes pandas is to read (None: not decodable, reported).

    pandas reads bytes faster than text (which it would encode again): UTF-8 bytes as they
    are, anything else as the UTF-8 of the text decoded from GB18030.
    """
    try:
        text = data.decode("utf-8-sig")
        source = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    except UnicodeDecodeError:
        text = _decode(data, label, problems)
        if text is None:
            return None
        source = text.encode("utf-8")
    return text, source


def _csv_too_big(first: str, lines: int, label: str, problems: list[Problem]) -> bool:
    """Whether the header is too wide or the file too long (reported in ``problems``)."""
    width = first.count(",") + 1
    if width > limits.MAX_COLUMNS:
        problems.append(
            Problem(
                label,
                1,
                None,
                f"{width:,} columns",
                f"the header has more than {limits.MAX_COLUMNS:,} columns",
            )
        )
        return True
    if lines - 1 > limits.MAX_ROWS:
        problems.append(
            Problem(
                label,
                limits.MAX_ROWS + 2,
                None,
                f"{lines - 1:,} lines below the header",
                f"more than {limits.MAX_ROWS:,} data rows; split the file or check what wrote it",
            )
        )
        return True
    return False


def _csv_columns(
    frame: pd.DataFrame, table: Table, positions: dict[str, int]
) -> dict[str, _Text | np.ndarray]:
    """The table's columns from the parsed frame: numbers as float64, the rest as text to parse."""
    columns: dict[str, _Text | np.ndarray] = {}
    for col in table.columns:
        if col.name not in positions:
            columns[col.name] = _Text(pd.Series([None] * len(frame), dtype=object))
            continue
        series = frame[positions[col.name]]
        if series.dtype.kind in "iuf":  # numbers the CSV parser read: float64, NaN for an empty cell
            columns[col.name] = series.to_numpy(dtype="float64")
        else:
            columns[col.name] = _Text(series)
    return columns


def _drop_empty_rows(raw: _Raw) -> _Raw:
    """Drop the rows whose cells are all empty (row numbers stay as a person sees them)."""
    empty = np.ones(len(raw.index), dtype=bool)
    for column in raw.columns.values():
        empty &= column.blank if isinstance(column, _Text) else np.isnan(column)
        if not empty.any():
            return raw
    keep = ~empty
    columns = {
        name: column.take(keep) if isinstance(column, _Text) else column[keep]
        for name, column in raw.columns.items()
    }
    return replace(raw, columns=columns, index=raw.index[keep])


def _table_aliases(table: Table) -> set[str]:
    return {_norm(table.name), _norm(table.zh)}


def _match_headers(
    header: list[str], table: Table, label: str, problems: list[Problem]
) -> tuple[dict[str, int], dict[str, str]] | None:
    """Where each column of ``table`` is in ``header`` and how it is written, or None (with problems)."""
    aliases: dict[str, str] = {}
    for col in table.columns:
        aliases[_norm(col.name)] = col.name
        aliases[_norm(col.zh)] = col.name
        for other in col.aliases:
            aliases[_norm(other)] = col.name
    headers: dict[str, str] = {}
    positions: dict[str, int] = {}
    unknown: list[str] = []
    too_long = False
    for position, cell in enumerate(header):
        cell = "" if cell is None else str(cell)
        if len(cell) > limits.MAX_HEADER_CHARS:
            problems.append(
                Problem(
                    label, 1, None, cell, f"a header is longer than {limits.MAX_HEADER_CHARS:,} characters"
                )
            )
            too_long = True
            continue
        key = _norm(cell)
        if key.startswith("unnamed:") or key == "":
            continue
        name = aliases.get(key)
        if name is None:
            unknown.append(cell)
            continue
        if name in headers:
            also = "" if headers[name] == cell else f" (also as '{headers[name]}')"
            problems.append(Problem(label, 1, cell, None, f"column '{name}' appears twice{also}"))
            continue
        headers[name] = cell
        positions[name] = position
    missing = [c for c in table.columns if c.required and c.name not in headers]
    for col in missing:
        hint = ""
        candidates = difflib.get_close_matches(col.zh, unknown, n=1, cutoff=0.5) or difflib.get_close_matches(
            col.name, unknown, n=1, cutoff=0.6
        )
        if candidates:
            hint = f"; found '{candidates[0]}' — a typo?"
        problems.append(
            Problem(label, 1, col.name, None, f"required column '{col.name}' ({col.zh}) is missing{hint}")
        )
    if missing or too_long:
        return None
    return positions, headers


def _read_folder(path: Path, problems: list[Problem]) -> dict[str, _Raw]:
    files = {_norm(p.stem): p for p in path.iterdir() if p.suffix.lower() == ".csv"}
    raws: dict[str, _Raw] = {}
    for name, table in TABLES.items():
        found = next((files[a] for a in _table_aliases(table) if a in files), None)
        if found is None:
            if table.required:
                problems.append(
                    Problem(f"{name}.csv", None, None, None, f"required file missing from {path}")
                )
            continue
        raw = _read_csv(found, found.name, table, problems)
        if raw is not None:
            raws[name] = raw
    return raws


def _read_workbook(path: Path, problems: list[Problem]) -> dict[str, _Raw]:
    from eduwb.data.xlsx import Workbook, XlsxRefused

    data = _read_input(path, path.name, limits.MAX_FILE_BYTES, problems)
    if data is None:
        return {}
    raws: dict[str, _Raw] = {}
    try:
        book = Workbook(io.BytesIO(data))
    except XlsxRefused as exc:
        problems.append(Problem(path.name, exc.row, exc.column, exc.value, exc.rule))
        return {}
    with book:
        by_alias = {_norm(name): name for name in book.sheets}
        for name, table in TABLES.items():
            sheet = next((by_alias[a] for a in _table_aliases(table) if a in by_alias), None)
            if sheet is None:
                if table.required:
                    problems.append(
                        Problem(
                            f"{path.name} [sheet {name}]",
                            None,
                            None,
                            None,
                            f"required sheet '{name}' ({table.zh}) missing",
                        )
                    )
                continue
            label = f"{path.name} [sheet {sheet}]"
            try:
                raw = _read_sheet(book.rows(sheet), table, label, problems)
            except XlsxRefused as exc:
                problems.append(Problem(label, exc.row, exc.column, exc.value, exc.rule))
                continue
            if raw is not None:
                raws[name] = raw
    return raws


def _read_sheet(rows, table: Table, label: str, problems: list[Problem]) -> _Raw | None:
    """A table from the rows of a sheet: the first row holding anything is the header."""
    rows = iter(rows)
    first = next(rows, None)
    if first is None:
        problems.append(Problem(label, None, None, None, "sheet is empty"))
        return None
    _header_row, cells = first
    header = [cells.get(i, "") for i in range(max(cells) + 1)]
    matched = _match_headers(header, table, label, problems)
    if matched is None:
        return None
    positions, headers = matched
    wanted = [(col.name, positions.get(col.name)) for col in table.columns]
    numbers: list[int] = []
    values: dict[str, list] = {name: [] for name, _ in wanted}
    for number, cells in rows:  # only the columns of the table are kept
        numbers.append(number)
        for name, position in wanted:
            values[name].append(None if position is None else cells.get(position))
    columns: dict[str, _Text | pd.Series] = {
        name: _Text(pd.Series(v, dtype=object)) for name, v in values.items()
    }
    return _drop_empty_rows(_Raw(columns, pd.Index(numbers, dtype="int64"), label, headers))


# ----------------------------------------------------------------------------- parsing


def _enum_lookup(col_name: str, enum: dict[str, str]) -> dict[str, str]:
    lookup = {_norm(code): code for code in enum}
    lookup.update({_norm(label): code for code, label in enum.items()})
    lookup.update({_norm(k): v for k, v in ENUM_SYNONYMS.get(col_name, {}).items()})
    return lookup


def _add_rows(
    problems: ProblemList, label: str, rows, header: str, values, rule: str, severity: str = "error"
) -> None:
    """A problem for each row number in ``rows``: only those the list keeps are built, the rest counted.

    ``values`` is the value shown for each row: a Series by row number, a function of the row
    number, or one value for every row.
    """
    take = problems.wants(label, header, rule, severity)
    for row in rows[:take]:
        value = values(row) if callable(values) else values[row] if isinstance(values, pd.Series) else values
        problems.append(Problem(label, int(row), header, value, rule, severity))
    problems.count(label, header, rule, len(rows) - min(take, len(rows)), severity)


def _parse(raw: _Raw, table: Table, problems: list[Problem]) -> pd.DataFrame:
    """Typed columns from text; every cell that does not parse becomes a problem."""
    index = raw.index
    out: dict[str, Any] = {}
    for col in table.columns:
        column = raw.columns[col.name]
        header = raw.headers.get(col.name, col.name)
        is_text = isinstance(column, _Text)
        blank = column.blank if is_text else np.isnan(column)
        if col.required and blank.any():
            _add_rows(problems, raw.label, index[blank], header, "", "a value is required")
        if col.dtype == "text":
            out[col.name] = _parse_text(raw, table, col, column, header, problems)
        elif col.dtype in ("int", "number"):
            out[col.name] = _parse_numbers(raw, table, col, column, blank, header, problems)
        elif col.dtype == "bool":
            out[col.name] = _parse_bool(raw, col, column, header, problems)
        elif col.dtype == "enum":
            out[col.name] = _parse_enum(raw, col, column, header, problems)
    frame = pd.DataFrame(out, copy=False)
    frame.index = index
    return frame


def _parse_text(
    raw: _Raw, table: Table, col, column: _Text, header: str, problems: list[Problem]
) -> pd.Series:
    """A text column: too long, or hidden characters in a name or id, is a problem (and NaN)."""
    longest = limits.max_chars(table.name, col.name)
    bad_uniques = np.array([len(u) > longest for u in column.uniques], dtype=bool)
    refusals = [(bad_uniques.copy(), f"is longer than {longest:,} characters")]
    if f"{table.name}.{col.name}" in limits.NAME_COLUMNS | limits.ID_COLUMNS:
        hidden = np.array([bool(names.HIDDEN.search(u)) for u in column.uniques], dtype=bool) & ~bad_uniques
        rule = "must not contain control characters or invisible formatting characters"
        refusals.append((hidden, rule))
        bad_uniques |= hidden
    for refused, rule in refusals:
        if refused.any():
            rows = raw.index[column.rows(refused)]
            _add_rows(problems, raw.label, rows, header, raw.text_of(col.name), rule)
    values = column.uniques.copy()
    values[bad_uniques] = np.nan
    raw.codes[col.name] = _value_codes(column, values)
    # an empty cell is NaN (as pandas' where() and map() give)
    return pd.Series(column.mapped(values, np.nan), dtype=object, copy=False)


def _parse_bool(raw: _Raw, col, column: _Text, header: str, problems: list[Problem]) -> np.ndarray:
    """A yes/no column as booleans; a cell that is neither is a problem."""
    index = raw.index
    lowered = np.array([u.lower() for u in column.uniques], dtype=object)
    truthy = np.isin(lowered, TRUE_VALUES)
    falsy = np.isin(lowered, FALSE_VALUES)
    bad = column.rows(~truthy & ~falsy)
    rule = "must be yes/no (是/否, true/false, 1/0)"
    _add_rows(problems, raw.label, index[bad], header, raw.text_of(col.name) if bad.any() else None, rule)
    # the final column: an empty cell takes the column's default (no rule reads yes/no cells)
    default = bool(col.default) if col.default is not None else False
    return np.append(np.where(truthy | falsy, truthy, default), default)[column.codes]


def _parse_enum(raw: _Raw, col, column: _Text, header: str, problems: list[Problem]) -> pd.Series:
    """A coded column: each spelling of a code (or its label) read as the code."""
    index = raw.index
    lookup = _enum_lookup(col.name, col.enum or {})
    # normalise each distinct spelling once, then map the column
    codes = np.array([lookup.get(_norm(u)) for u in column.uniques], dtype=object)
    bad = column.rows(np.array([c is None for c in codes], dtype=bool))
    allowed = ", ".join(f"{c} {label}" for c, label in (col.enum or {}).items())
    _add_rows(
        problems,
        raw.label,
        index[bad],
        header,
        raw.text_of(col.name) if bad.any() else None,
        f"must be one of: {allowed}",
    )
    # an empty or unknown cell is NaN, or None when the column has no code at all (as
    # pandas' map() gives: golden tables compare both ways)
    empty = None if column.blank.all() or all(c is None for c in codes) else np.nan
    unknown = pd.isna(codes)
    codes[unknown] = empty
    raw.codes[col.name] = _value_codes(column, codes)
    return pd.Series(column.mapped(codes, empty), dtype=object, copy=False)


def _value_codes(column: _Text, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each row's code among the distinct final values (-1: empty or refused), and those values.

    Two spellings with one value ("S01" and "S01 ", "小学" and "primary") get one code.
    """
    codes, distinct = pd.factorize(values, use_na_sentinel=True)
    return np.append(codes, -1)[column.codes], np.asarray(distinct, dtype=object)


# A whole number beyond this cannot be held exactly (and a count of it is nonsense anyway).
_SAFE_INTEGER = 2.0**53


def _parse_numbers(
    raw: _Raw, table: Table, col, column, blank: np.ndarray, header: str, problems
) -> pd.Series:
    index = raw.index
    if isinstance(column, _Text):
        # thousands separators are allowed ("1,234" and "1，234"); each spelling is read once
        cleaned = (
            pd.Series(column.uniques, dtype=object)
            .str.replace(",", "", regex=False)
            .str.replace("，", "", regex=False)
        )
        parsed = pd.to_numeric(cleaned, errors="coerce").astype("float64").to_numpy()
        numbers = column.mapped(parsed, np.nan).astype("float64")
    else:
        numbers = column
    known = ~blank & ~np.isnan(numbers)
    bad = ~blank & np.isnan(numbers)
    if col.dtype == "int":
        with np.errstate(invalid="ignore"):
            bad |= known & (numbers != np.floor(numbers))
        rule = "must be a whole number"
    else:
        rule = "must be a number"
    bad |= known & ~np.isfinite(numbers)
    text = None
    if bad.any():
        text = raw.text_of(col.name)
        _add_rows(problems, raw.label, index[bad], header, text, rule)
    ok = known & ~bad
    upper = limits.max_value(table.name, col.name)
    low = f"must be ≥ {col.min:g}" if col.min is not None else f"must be > {col.gt:g}"
    bounds = [] if upper is None else [(numbers > upper, f"must be at most {upper:,}")]
    # far below zero: the lower bound's own rule (kept out of the whole-number conversion)
    for outside, rule in [*bounds, (numbers < -_SAFE_INTEGER, low)]:
        outside &= ok
        if outside.any():
            text = raw.text_of(col.name) if text is None else text
            _add_rows(problems, raw.label, index[outside], header, text, rule)
            bad |= outside
    numbers = np.where(bad, np.nan, numbers)
    if col.dtype == "int":
        missing = np.isnan(numbers)
        whole = np.where(missing, 0, np.round(numbers)).astype(np.int64)
        if col.required and not missing.any():
            return whole  # the final dtype already (a gap would be a refused cell)
        return pd.arrays.IntegerArray(whole, missing)
    return numbers


def _check_schema(frame: pd.DataFrame, raw: _Raw, table: Table, problems: list[Problem]) -> None:
    """The data dictionary's column rules on typed columns: bounds, unique columns, a unique key.

    Vectorised over the whole column; a blank cell passes a bound (a required column's blanks are
    refused while parsing). Every duplicated row is named, not only the second of a pair, so the
    analyst sees both places to correct.
    """
    for col in table.columns:
        if col.min is None and col.gt is None and not col.unique:
            continue
        values = frame[col.name]
        header = raw.headers.get(col.name, col.name)
        if col.min is not None or col.gt is not None:
            numbers = values.to_numpy(dtype="float64", na_value=np.nan)
            if col.min is not None:
                _add_failing(problems, raw.label, header, values, numbers < col.min, f"must be ≥ {col.min:g}")
            if col.gt is not None:
                _add_failing(problems, raw.label, header, values, numbers <= col.gt, f"must be > {col.gt:g}")
        if col.unique:
            rule = f"duplicate {col.name}: must be unique"
            _add_failing(problems, raw.label, header, values, values.duplicated(keep=False).to_numpy(), rule)
    if table.key and len(table.key) > 1:
        columns = []
        for name in table.key:
            parsed = raw.codes.get(name)
            # the codes of parsing (an empty cell is -1, one more value, as duplicated() counts it)
            columns.append(frame[name].array if parsed is None else parsed[0])
        duplicated = pd.DataFrame(dict(enumerate(columns))).duplicated(keep=False).to_numpy()
        key = list(table.key)

        def shown(row):
            return " × ".join(str(_plain(frame.at[row, name])) for name in key)

        rule = f"duplicate {' × '.join(key)}: must be unique"
        header = raw.headers.get(key[-1], key[-1])
        _add_rows(problems, raw.label, frame.index[duplicated], header, shown, rule)


def _add_failing(
    problems, label: str, header: str, values: pd.Series, failing: np.ndarray, rule: str
) -> None:
    """A problem for each row where ``failing`` holds, showing the cell's value."""
    _add_rows(problems, label, values.index[failing], header, lambda row: _plain(values[row]), rule)


def _readable(number: float) -> str:
    """A computed value for a message: whole above 1000, three significant digits below."""
    return f"{number:,.0f}" if abs(number) >= 1000 else f"{number:.3g}"


def _plain(value: object) -> object:
    if value is pd.NA or value is pd.NaT or (isinstance(value, float) and np.isnan(value)):
        return None  # a blank cell: the message shows no value rather than "nan"
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, np.generic):
        return value.item()
    return value


# ----------------------------------------------------------------------------- cross-table rules


class _Ctx:
    """Tables being cross-checked, with the labels and headers needed for messages."""

    def __init__(self, frames: dict[str, pd.DataFrame], raws: dict[str, _Raw]):
        self.frames = frames
        self.raws = raws
        self.problems = ProblemList()
        self.warnings = ProblemList()

    def report(
        self, table: str, mask: pd.Series, column: str, rule: str, *, warning: bool = False, value=None
    ):
        """Each row of ``table`` where ``mask`` holds, showing the cell (or ``value(row)``)."""
        frame, raw = self.frames[table], self.raws[table]
        if isinstance(mask, pd.Series):
            mask = mask.fillna(False).to_numpy(dtype=bool)

        def shown(row):
            return _plain(frame.at[row, column] if value is None else value(frame.loc[row]))

        target, severity = (self.warnings, "warning") if warning else (self.problems, "error")
        header = raw.headers.get(column, column)
        _add_rows(target, raw.label, frame.index[mask], header, shown, rule, severity)


def _row_keys(*columns, dropna: bool = True) -> np.ndarray:
    """One integer per row, numbered 0, 1, …: equal keys ⇔ equal values in every column.

    -1 marks a row with a missing value (with ``dropna``; otherwise missing values match each
    other, as in a MultiIndex).
    """
    frame = pd.DataFrame(dict(enumerate(columns)))
    keys = frame.groupby(list(frame.columns), sort=False, dropna=dropna).ngroup()
    return keys.fillna(-1).to_numpy(dtype=np.int64)


def _cross_check(
    ctx: _Ctx, known_indicators: set[str] | None, percent_indicators: frozenset[str] | set[str] = frozenset()
) -> None:
    """The rules across tables, table by table (each rule reports every row it finds)."""
    f = ctx.frames
    at = _SchoolIndex(ctx)
    _check_schools(ctx)
    # sections
    at.school_exists("sections")
    at.stage_fits("sections")
    sec = f["sections"]
    teachers = _numbers(sec, "teachers")
    for col in (
        "teachers_above_degree",
        "backbone_teachers",
        "pe_art_teachers",
        "intermediate_title_teachers",
    ):
        ctx.report("sections", _numbers(sec, col) > teachers, col, "must not exceed teachers (专任教师数)")
    _check_facilities(ctx, at)
    if "classes" in f:
        _check_classes(ctx, at)
    if "teachers" in f:
        at.school_exists("teachers")
        at.stage_fits("teachers")
        _check_teacher_counts(ctx, *at.section_keys("teachers", at.stage_codes("teachers")))
    if "rotations" in f:
        _check_rotations(ctx, at)
    if "budget" in f:
        at.school_exists("budget")
    if "survey" in f:
        sv = f["survey"]
        ctx.report("survey", sv["satisfied"] > sv["valid"], "satisfied", "must not exceed valid (有效问卷数)")
    if "cohorts" in f:
        co = f["cohorts"]
        ctx.report(
            "cohorts", co["deaths"] >= co["entrants_3y_ago"], "deaths", "must be below entrants_3y_ago"
        )
    if "county_indicators" in f and known_indicators is not None:
        _check_county_indicators(ctx, known_indicators, percent_indicators)


class _SchoolIndex:
    """The schools of a county being cross-checked: each table's rows looked up among them."""

    def __init__(self, ctx: _Ctx):
        self.ctx = ctx
        schools = ctx.frames["schools"]
        first = ~schools["school_id"].duplicated()
        self.kind_of = pd.Series(
            schools["kind"][first].to_numpy(dtype=object),
            index=schools["school_id"][first].to_numpy(dtype=object),
        )
        self.kinds_by_position = np.append(self.kind_of.to_numpy(dtype=object), None)
        self.positions: dict[tuple[str, str], tuple[np.ndarray, np.ndarray]] = {}
        self.blank_school = bool(self.kind_of.index.isna().any())

    def school_positions(self, table: str, column: str = "school_id") -> tuple[np.ndarray, np.ndarray]:
        """Each row's school among the schools (-1: none) and whether the cell holds an id."""
        positions, kind_of = self.positions, self.kind_of
        if (table, column) not in positions:
            parsed = self.ctx.raws[table].codes.get(column)
            if parsed is not None and not self.blank_school:
                # the codes of parsing: each distinct id is looked up once
                codes, values = parsed
                found = np.append(kind_of.index.get_indexer(values), -1)
                positions[table, column] = (found[codes], codes >= 0)
            else:  # a school without an id: a blank id finds it, as a lookup by value does
                column_values = self.ctx.frames[table][column].to_numpy(dtype=object)
                codes, uniques = pd.factorize(column_values, use_na_sentinel=False)
                found = kind_of.index.get_indexer(uniques)
                positions[table, column] = (found[codes], ~pd.isna(uniques)[codes])
        return positions[table, column]

    def stage_codes(self, table: str) -> np.ndarray:
        """Each row's stage as a position in _STAGE_CODES (-1: none)."""
        codes, values = self.ctx.raws[table].codes["stage"]
        return np.append(_STAGE_CODES.get_indexer(values), -1)[codes]

    def kinds_of(self, table: str) -> np.ndarray:
        position, _ = self.school_positions(table)
        return self.kinds_by_position[position]

    def school_exists(self, table: str, column: str = "school_id") -> None:
        position, present = self.school_positions(table, column)
        # a found position is never the blank id's (its cell is not present)
        self.ctx.report(table, present & (position < 0), column, "school id not found in schools")

    def stage_fits(self, table: str) -> None:
        stages = self.stage_codes(table)
        kinds = self.kinds_of(table)
        mask = (stages >= 0) & ~pd.isna(kinds) & ~_ALLOWED[_small_codes(_KINDS, kinds), stages]
        kind_of = self.kind_of
        self.ctx.report(
            table,
            mask,
            "stage",
            "stage does not fit the school's kind",
            value=lambda r: f"{r['stage']} at a {kind_of.get(r['school_id'])} school",
        )

    def section_keys(self, table: str, stages: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """school × year × stage keys of the sections and of another table's rows (-1: incomplete)."""
        f = self.ctx.frames
        school = np.concatenate([self.school_positions("sections")[0], self.school_positions(table)[0]])
        year = np.concatenate([_numbers(f["sections"], "year"), _numbers(f[table], "year")])
        stage = np.concatenate([self.stage_codes("sections"), stages])
        keys = _row_keys(np.where(school < 0, np.nan, school), year, np.where(stage < 0, np.nan, stage))
        return keys[: len(f["sections"])], keys[len(f["sections"]) :]


def _check_schools(ctx: _Ctx) -> None:
    """Teaching points hang under an existing parent; no school is its own parent."""
    schools = ctx.frames["schools"]
    ids = pd.unique(schools["school_id"].dropna().to_numpy(dtype=object))
    tp = schools["kind"] == "teaching_point"
    ctx.report(
        "schools",
        tp & schools["parent_id"].isna(),
        "parent_id",
        "a teaching point needs the id of its parent school",
    )
    has_parent = schools["parent_id"].notna()
    ctx.report(
        "schools",
        has_parent & ~schools["parent_id"].isin(ids),
        "parent_id",
        "parent school id not found in schools",
    )
    ctx.report(
        "schools",
        has_parent & (schools["parent_id"] == schools["school_id"]),
        "parent_id",
        "a school cannot be its own parent",
    )


def _check_facilities(ctx: _Ctx, at: _SchoolIndex) -> None:
    """Facilities rows: known schools and stages, areas that fit, whole-school or per-stage rows."""
    at.school_exists("facilities")
    fac = ctx.frames["facilities"]
    if fac["stage"].notna().any():
        at.stage_fits("facilities")
    ctx.report(
        "facilities",
        _numbers(fac, "indoor_sports_area_m2") > _numbers(fac, "teaching_aux_area_m2"),
        "indoor_sports_area_m2",
        "must not exceed teaching_aux_area_m2 (教学及辅助用房面积), which includes it",
    )
    for rooms, area in (("music_rooms", "music_room_min_area_m2"), ("art_rooms", "art_room_min_area_m2")):
        ctx.report(
            "facilities",
            (_numbers(fac, rooms) > 0) & np.isnan(_numbers(fac, area)),
            area,
            f"required when {rooms} > 0",
        )
    # whole-school and per-stage rows must not mix for one school × year
    whole = fac["stage"].isna().to_numpy()
    if whole.any() and not whole.all():
        keys = _row_keys(fac["school_id"].array, fac["year"].array, dropna=False)
        mixed = ~whole & np.isin(keys, keys[whole])
        ctx.report(
            "facilities",
            mixed,
            "stage",
            "this school × year also has a whole-school row; give one or the other",
        )


def _check_classes(ctx: _Ctx, at: _SchoolIndex) -> None:
    """Class rows: known schools, grades that fit the school, pupils that add up to the sections."""
    cls = ctx.frames["classes"]
    at.school_exists("classes")
    grade = _numbers(cls, "grade")
    # grades below 1 are already refused by the schema (min 1); one message per cell
    grade_rule = TABLES["classes"].column("grade")
    ctx.report(
        "classes",
        grade > grade_rule.max,
        "grade",
        f"grade must be {grade_rule.bounds()} (1–6 小学, 7–9 初中)",
    )
    stage = _grade_stage(grade)
    kinds = at.kinds_of("classes")
    kind_of = at.kind_of
    ctx.report(
        "classes",
        ~pd.isna(stage) & ~pd.isna(kinds) & ~_fits_kind(kinds, stage),
        "grade",
        "grade does not fit the school's stages",
        value=lambda r: f"grade {r['grade']} at a {kind_of.get(r['school_id'])} school",
    )
    _check_class_totals(ctx, *at.section_keys("classes", _small_codes(_STAGE_CODES, stage)))


def _check_rotations(ctx: _Ctx, at: _SchoolIndex) -> None:
    """Rotations: known schools, two different ones, a teacher on the rolls that year or the one before."""
    f = ctx.frames
    rot = f["rotations"]
    at.school_exists("rotations", "from_school")
    at.school_exists("rotations", "to_school")
    ctx.report(
        "rotations", rot["from_school"] == rot["to_school"], "to_school", "must differ from from_school"
    )
    if "teachers" in f:
        t = f["teachers"]
        year = _numbers(rot, "year")
        ids = rot["teacher_id"].to_numpy(dtype=object)
        keys = _row_keys(
            np.concatenate([t["teacher_id"].to_numpy(dtype=object), ids, ids]),
            np.concatenate([_numbers(t, "year"), year, year - 1]),
        )
        known, same, before = np.split(keys, np.cumsum([len(t), len(rot)]))
        known = known[known >= 0]
        missing = ~np.isin(same, known) & ~np.isin(before, known)
        ctx.report(
            "rotations",
            pd.Series(missing, index=rot.index) & rot["teacher_id"].notna(),
            "teacher_id",
            "teacher not found in teachers for this year or the year before",
        )
    else:
        ctx.problems.append(
            Problem(
                ctx.raws["rotations"].label,
                None,
                None,
                None,
                "rotations need the teachers table, which is missing",
            )
        )


def _check_county_indicators(ctx: _Ctx, known_indicators: set[str], percent_indicators) -> None:
    """County indicator rows: ids of the standard, readable values, percentages within 0–100%."""
    from eduwb.data.values import parse_county_value

    f = ctx.frames
    ci = f["county_indicators"]
    ids_norm = (
        ci["indicator"].map(lambda v: str(v).strip().upper() if isinstance(v, str) else v).astype(object)
    )
    f["county_indicators"] = ci.assign(indicator=ids_norm)
    ctx.report(
        "county_indicators",
        ids_norm.notna() & ~ids_norm.isin(known_indicators),
        "indicator",
        "not an indicator or veto id of the standard",
    )
    # each distinct value is read once (the table may be long; its values repeat)
    codes, uniques = pd.factorize(ci["value"], use_na_sentinel=True)
    readings = [parse_county_value(v) if isinstance(v, str) else None for v in uniques] + [None]
    parsed = pd.Series([readings[c] for c in codes], index=ci.index, dtype=object)
    # "105%", or "105" for an indicator measured in % (read as 105 %), cannot be true
    fraction = parsed.map(lambda p: p.as_fraction() if p is not None else None)
    is_percent = ids_norm.isin(percent_indicators) | parsed.map(
        lambda p: p is not None and p.kind == "percent"
    )
    over = is_percent & fraction.map(lambda x: x is not None and x > 1.0 + 1e-9)
    ctx.report("county_indicators", over, "value", "a percentage must not exceed 100%")
    under = is_percent & fraction.map(lambda x: x is not None and x < 0)
    ctx.report("county_indicators", under, "value", "a percentage must not be negative")
    unreadable = ci["value"].notna() & parsed.map(lambda p: p is not None and p.kind == "unreadable")
    ctx.report("county_indicators", unreadable, "value", "must be a number, a percentage or 是/否")


_KINDS = pd.Index(list(STAGES_BY_KIND), dtype=object)
_STAGE_CODES = pd.Index(sorted({s for stages in STAGES_BY_KIND.values() for s in stages}), dtype=object)
# allowed[kind, stage]; the last row and column stand for an unknown kind or stage
_ALLOWED = np.zeros((len(_KINDS) + 1, len(_STAGE_CODES) + 1), dtype=bool)
for _kind, _stages in STAGES_BY_KIND.items():
    for _stage in _stages:
        _ALLOWED[_KINDS.get_loc(_kind), _STAGE_CODES.get_loc(_stage)] = True


def _fits_kind(kinds: np.ndarray, stages: np.ndarray) -> np.ndarray:
    """Whether each (school kind, stage) pair is allowed — one vectorised lookup."""
    return _ALLOWED[_small_codes(_KINDS, kinds), _small_codes(_STAGE_CODES, stages)]


def _small_codes(index: pd.Index, values: np.ndarray) -> np.ndarray:
    """Positions in a short ``index`` (-1: not there), each distinct value looked up once."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    return np.append(index.get_indexer(uniques), -1)[codes]


def _numbers(frame: pd.DataFrame, column: str) -> np.ndarray:
    """A number column as float64, NaN where empty (comparisons with NaN are false, as with NA)."""
    array = frame[column].array
    if isinstance(array, pd.arrays.IntegerArray):
        return array.to_numpy(dtype="float64", na_value=np.nan)
    return np.asarray(array, dtype="float64")


def _grade_stage(grade: np.ndarray) -> np.ndarray:
    stage = np.full(len(grade), None, dtype=object)
    for name, grades in GRADES_BY_STAGE.items():
        stage[np.isin(grade, list(grades))] = name
    return stage


def _check_class_totals(ctx: _Ctx, sec_key: np.ndarray, cls_key: np.ndarray) -> None:
    cls = ctx.frames["classes"]
    sec = ctx.frames["sections"]
    counted = cls_key >= 0
    groups = int(max(sec_key.max(initial=-1), cls_key.max(initial=-1))) + 1
    students = cls["students"].to_numpy(dtype="float64", na_value=0.0)
    rows_per_key = np.bincount(cls_key[counted], minlength=groups)
    students_per_key = np.bincount(cls_key[counted], weights=students[counted], minlength=groups)
    has_key = sec_key >= 0
    rows = np.where(has_key, rows_per_key[np.maximum(sec_key, 0)], 0)
    compared = has_key & (rows > 0)
    totals = np.where(compared, students_per_key[np.maximum(sec_key, 0)], np.nan)
    class_students = pd.Series(totals, index=sec.index)
    class_rows = pd.Series(rows, index=sec.index)
    ctx.report(
        "sections",
        compared & (totals != _numbers(sec, "students")) & ~np.isnan(_numbers(sec, "students")),
        "students",
        "class rows (classes) do not add up to this total",
        warning=True,
        value=lambda r: f"{r['students']} here, {int(class_students[r.name])} in classes",
    )
    classes = _numbers(sec, "classes")
    ctx.report(
        "sections",
        compared & (rows != classes) & ~np.isnan(classes),
        "classes",
        "number of class rows (classes) differs from this total",
        warning=True,
        value=lambda r: f"{r['classes']} here, {int(class_rows[r.name])} in classes",
    )
    years_with_classes = pd.unique(cls["year"].dropna().to_numpy())
    absent = (
        ~compared
        & sec["year"].isin(years_with_classes).to_numpy()
        & sec["stage"].isin(list(GRADES_BY_STAGE)).to_numpy()
    )
    ctx.report("sections", absent, "classes", "no class rows for this school section", warning=True)


def _check_teacher_counts(ctx: _Ctx, sec_key: np.ndarray, t_key: np.ndarray) -> None:
    t = ctx.frames["teachers"]
    sec = ctx.frames["sections"]
    groups = int(max(sec_key.max(initial=-1), t_key.max(initial=-1))) + 1
    per_key = np.bincount(t_key[t_key >= 0], minlength=groups)
    counts = np.where(sec_key >= 0, per_key[np.maximum(sec_key, 0)], 0)
    rows = pd.Series(counts, index=sec.index)
    years = pd.unique(t["year"].dropna().to_numpy())
    teachers = _numbers(sec, "teachers")
    ctx.report(
        "sections",
        sec["year"].isin(years).to_numpy() & (counts != teachers) & ~np.isnan(teachers),
        "teachers",
        "teacher rows (teachers) do not add up to this total",
        warning=True,
        value=lambda r: f"{r['teachers']} here, {int(rows[r.name])} in teachers",
    )


def _check_plausibility(ctx: _Ctx, std) -> None:
    """Warn where a school's resource value lies outside its indicator's plausible range.

    The ranges are the standard's (``plausible`` beside each indicator): values far outside
    them are nearly always a unit slip (万元 entered as 元, an area in 亩) or a mistyped count.
    Each value is the indicator's formula over one row, per pupil: a sections row over its
    own pupils; a facilities row over its school's pupils that year (all stages, since the
    facilities serve them all; no split between stages, which a plausibility check does not
    need). Only schools the standard measures are checked (its scope: no special schools, no
    small teaching points). The warning sits on the cell of the formula that weighs most.
    """
    from eduwb.standards import formula_columns, scope_mask

    sec = ctx.frames["sections"]
    fac = ctx.frames["facilities"]
    schools = ctx.frames["schools"].drop_duplicates("school_id").set_index("school_id")
    sec_info = sec.assign(
        kind=sec["school_id"].map(schools["kind"]), sponsor=sec["school_id"].map(schools["sponsor"])
    )
    in_scope = scope_mask(sec_info, std)
    pupils_by_school = sec.groupby(["school_id", "year"])["students"].sum()
    pupils_by_stage = sec.set_index(["school_id", "year", "stage"])["students"]
    pupils_by_stage = pupils_by_stage[~pupils_by_stage.index.duplicated()]
    measured = pd.MultiIndex.from_frame(sec.loc[in_scope, ["school_id", "year"]])
    fac_keys = pd.MultiIndex.from_frame(fac[["school_id", "year"]])
    fac_pupils = pd.Series(pupils_by_school.reindex(fac_keys).to_numpy(dtype="float64"), index=fac.index)
    staged = fac["stage"].notna()
    if staged.any():
        keys = pd.MultiIndex.from_frame(fac.loc[staged, ["school_id", "year", "stage"]])
        fac_pupils[staged] = pupils_by_stage.reindex(keys).to_numpy(dtype="float64")
    targets = {
        "sections": (sec, sec["students"].astype("float64"), in_scope),
        "facilities": (fac, fac_pupils, pd.Series(fac_keys.isin(measured), index=fac.index)),
    }
    for ind in std.resource_indicators:
        bounds = ind.plausible
        if not bounds:
            continue
        columns = formula_columns(ind.formula)
        table = next((t for t, (frame, _, _) in targets.items() if columns <= set(frame.columns)), None)
        if table is None:
            continue  # a formula over columns the dictionary does not have (moe-2012's books)
        frame, pupils, checked = targets[table]
        numbers = frame[sorted(columns)].astype("float64")
        value = float(ind.per) * numbers.eval(ind.formula) / pupils.where(pupils > 0)
        low, high = bounds.get("min"), bounds.get("max")
        outside = pd.Series(False, index=frame.index)
        if low is not None:
            outside |= value < low
        if high is not None:
            outside |= value > high
        outside &= checked & value.notna()
        if not outside.any():
            continue
        culprit = numbers.abs().fillna(-1).idxmax(axis=1)
        span = (
            f"{low:g}–{high:g}"
            if low is not None and high is not None
            else (f"≥ {low:g}" if low is not None else f"≤ {high:g}")
        )
        rule = (
            f"implausible {ind.id} {ind.name_zh} (plausible {span} {ind.unit}): {bounds.get('hint_en', '')}"
        ).rstrip(": ")
        rulewords.know_hint(bounds.get("hint_en", ""), bounds.get("hint_zh", ""))
        for column in sorted(set(culprit[outside])):
            ctx.report(
                table,
                outside & (culprit == column),
                column,
                rule,
                warning=True,
                value=lambda r, column=column, value=value, ind=ind: (
                    f"{_plain(r[column])} → {ind.id} = {_readable(value[r.name])} {ind.unit}"
                ),
            )


# ----------------------------------------------------------------------------- county.toml


# Upper bounds of the numbers county.toml may set (physical bounds, as for the data).
_SETTING_MAX = {
    "rotation": 100,  # years, ages
    "unit_costs": 1e9,  # yuan per teacher-year, m², room
    "pathway": 1e13,  # a year, or a county's annual budget in yuan
}


def _named_after(default_name: str, problems: list[Problem]) -> CountySettings:
    """The default settings, the county named after its folder or workbook: that name shown
    escaped and cut (:func:`eduwb.names.shown`), with a warning when it had to be."""
    settings = CountySettings(name=names.shown(default_name))
    if settings.name != default_name.strip() or not settings.name:
        # a folder's or file's name, shown escaped: county.toml can give the county its name
        settings.name = settings.name or "county"
        problems.append(
            Problem(
                names.shown(default_name, 60),
                None,
                None,
                None,
                "the folder's or workbook's name holds control or invisible characters or is too long: "
                'shown escaped; give the county its name with name = "…" in county.toml',
                "warning",
            )
        )
    return settings


def _read_settings(path: Path | None, default_name: str, problems: list[Problem]) -> CountySettings:
    """``county.toml`` read and checked key by key; the defaults where it is absent or unreadable."""
    settings = _named_after(default_name, problems)
    try:
        if path is None or not (path.exists() or path.is_symlink()):
            return settings
    except OSError:
        pass  # e.g. a name too long for the file system: reading it says why
    label = path.name
    raw = _read_toml(path, label, problems)
    if raw is None:
        return settings
    for key in raw:
        if key not in _SETTINGS_KEYS:
            problems.append(
                Problem(
                    label, None, key, None, f"unknown setting; known: {', '.join(sorted(_SETTINGS_KEYS))}"
                )
            )
    if "name" in raw:
        why = names.name_problem(raw["name"])
        if why is None:
            settings.name = raw["name"].strip()
        else:
            problems.append(Problem(label, None, "name", raw["name"], why))
    settings.code = None if raw.get("code") is None else str(raw["code"])
    if settings.code is not None and not re.fullmatch(r"\d{6}", settings.code):
        problems.append(Problem(label, None, "code", settings.code, "must be a 6-digit administrative code"))
    province = raw.get("province")
    why = None if province is None else names.name_problem(province)
    if why is not None:
        problems.append(Problem(label, None, "province", province, why))
        province = None
    settings.province = province
    standard = raw.get("standard", settings.standard)
    if (
        not isinstance(standard, str)
        or not standard.strip()
        or len(standard) > 1000
        or names.HIDDEN.search(standard)
    ):
        problems.append(
            Problem(
                label,
                None,
                "standard",
                standard,
                "must be a standard id (moe-2017) or the path of a standard file",
            )
        )
    else:
        settings.standard = standard
    rel = raw.get("relaxations_2019", False)
    if not isinstance(rel, bool):
        problems.append(Problem(label, None, "relaxations_2019", rel, "must be true or false"))
    settings.relaxations_2019 = bool(rel)
    # a hand-written file may give a value where a table belongs; refuse it instead of crashing
    for section in ("class_size", "rotation", "unit_costs", "pathway"):
        if section in raw and not isinstance(raw[section], dict):
            problems.append(Problem(label, None, section, raw[section], f"must be a table ([{section}])"))
            raw[section] = {}
    settings.milestones = _settings_milestones(
        raw.get("class_size", {}).get("milestones", []), label, problems
    )
    settings.statistics_dates = _statistics_dates(raw.get("statistics_dates", {}), label, problems)
    for section, defaults, target in (
        ("rotation", DEFAULT_ROTATION, settings.rotation),
        ("unit_costs", DEFAULT_UNIT_COSTS, settings.unit_costs),
    ):
        _settings_numbers(raw.get(section, {}), section, defaults, target, label, problems)
    settings.unit_costs_given = frozenset(k for k in raw.get("unit_costs", {}) if k in settings.unit_costs)
    _settings_numbers(
        raw.get("pathway", {}), "pathway", dict.fromkeys(PATHWAY_SETTINGS), settings.pathway, label, problems
    )
    target = settings.pathway.get("target_year")
    if target is not None and not (float(target).is_integer() and 1900 <= target <= 2200):
        problems.append(
            Problem(label, None, "pathway.target_year", target, "must be a school year such as 2027")
        )
        settings.pathway.pop("target_year")
    return settings


def _read_toml(path: Path, label: str, problems: list[Problem]) -> dict | None:
    """The settings file's TOML (None: unreadable, reported in ``problems``)."""
    data = _read_input(path, label, limits.MAX_SETTINGS_BYTES, problems)
    if data is None:
        return None
    try:
        return tomllib.loads(_decode(data, label, problems) or "")
    except tomllib.TOMLDecodeError as exc:
        problems.append(Problem(label, None, None, None, f"not valid TOML: {exc}"))
        return None
    except RecursionError:
        problems.append(Problem(label, None, None, None, "not valid TOML: nested too deeply"))
        return None


def _settings_milestones(milestones: Any, label: str, problems: list[Problem]) -> list[dict]:
    """The ``[[class_size.milestones]]`` tables, checked and sorted by date."""
    if not isinstance(milestones, list) or not all(isinstance(m, dict) for m in milestones):
        problems.append(
            Problem(
                label,
                None,
                "class_size.milestones",
                None,
                "must be a list of [[class_size.milestones]] tables",
            )
        )
        milestones = []
    for n, m in enumerate(milestones, start=1):
        by, mx = m.get("by"), m.get("max_students")
        if not isinstance(by, int) or isinstance(by, bool) or not 1990 <= by <= limits.MAX_YEAR:
            problems.append(Problem(label, None, f"class_size.milestones[{n}].by", by, "must be a year"))
        if not (
            mx == "standard"
            or (
                isinstance(mx, int)
                and not isinstance(mx, bool)
                and 0 < mx <= limits.MAX_VALUE["classes.students"]
            )
        ):
            problems.append(
                Problem(
                    label,
                    None,
                    f"class_size.milestones[{n}].max_students",
                    mx,
                    'must be a positive whole number or "standard"',
                )
            )
    return sorted((dict(m) for m in milestones), key=lambda m: (str(m.get("by")), str(m.get("max_students"))))


def _settings_numbers(
    given: dict, section: str, defaults: dict, target: dict, label: str, problems: list[Problem]
) -> None:
    """The numbers of a ``[rotation]`` or ``[unit_costs]`` table into ``target``, each checked."""
    known = {*defaults, *(PATHWAY_UNIT_COSTS if section == "unit_costs" else ())}
    for key, value in given.items():
        if key not in known:
            problems.append(
                Problem(label, None, f"{section}.{key}", value, f"unknown key; known: {', '.join(known)}")
            )
        elif isinstance(value, bool) or not isinstance(value, int | float) or not value >= 0:
            problems.append(Problem(label, None, f"{section}.{key}", value, "must be a non-negative number"))
        elif value > _SETTING_MAX[section]:  # inf too
            problems.append(
                Problem(
                    label,
                    None,
                    f"{section}.{key}",
                    value,
                    f"must be at most {_SETTING_MAX[section]:,.0f}",
                )
            )
        else:
            target[key] = value


def _statistics_dates(given: Any, label: str, problems: list[Problem]) -> dict[int, date]:
    """``[statistics_dates]``: school year → the statistics' reference date (统计时点).

    Keys are years (``2024 = "2024-09-01"``); values ISO dates, quoted or as TOML dates, within
    the school year (from 1 January of the year to 31 August of the next).
    """
    if not isinstance(given, dict):
        problems.append(
            Problem(
                label,
                None,
                "statistics_dates",
                given,
                'must be a table ([statistics_dates]) of year = "YYYY-MM-DD"',
            )
        )
        return {}
    out: dict[int, date] = {}
    for key, value in given.items():
        where = f"statistics_dates.{key}"
        if not re.fullmatch(r"\d{4}", str(key)):
            problems.append(Problem(label, None, where, value, "the key must be a school year such as 2024"))
            continue
        year = int(key)
        if isinstance(value, datetime):
            problems.append(
                Problem(label, None, where, value, 'must be a date without a time, e.g. "2024-09-01"')
            )
            continue
        if isinstance(value, date):
            when = value
        else:
            try:
                when = date.fromisoformat(str(value).strip())
            except ValueError:
                problems.append(
                    Problem(label, None, where, value, 'must be a date written YYYY-MM-DD, e.g. "2024-09-01"')
                )
                continue
        if not date(year, 1, 1) <= when <= date(year + 1, 8, 31):
            problems.append(
                Problem(
                    label,
                    None,
                    where,
                    value,
                    f"must fall in the {year}–{year + 1} school year ({year}-01-01 to {year + 1}-08-31)",
                )
            )
            continue
        out[year] = when
    return out


# ----------------------------------------------------------------------------- memo


class Memo:
    """Results computed from a dataset's tables, shared by the copies of one load.

    A result is reused only by a dataset still holding the very tables it was computed from
    (the frames the load gave it, compared by identity): ``dataclasses.replace(ds, sections=…)``
    makes a dataset that computes its own.  As for the class-size cube
    (:mod:`eduwb.analysis.classsize`), a dataset is meant to be read, not edited in place:
    replace a frame rather than changing its cells.  Pickled or deep-copied, it starts empty.
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
    """``compute()``, computed once per dataset load and ``key`` (see :class:`Memo`).

    ``key`` names the computation and its arguments; ``pins`` are objects it depends on by
    identity (a :class:`~eduwb.standards.Standard`): the key should hold their ``id``, and a
    result is reused only while they are the same objects.  A DataFrame or Series comes back
    as a copy the caller may change (free until changed, with pandas' copy on write).
    """
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
    """The files :func:`load` reads for the dataset at ``path``, in a fixed order.

    A folder's ``county.toml``, the standard file it names beside itself, and the CSV file of
    each table found; a workbook and the ``<stem>.toml`` beside it (and the standard file that
    names). Nothing else of the folder: other files are never opened.
    """
    path = Path(path)
    if path.is_dir():
        settings = path / "county.toml"
        csvs = {
            _norm(p.stem): p for p in sorted(path.iterdir()) if p.suffix.lower() == ".csv" and p.is_file()
        }
        tables = [
            found
            for table in TABLES.values()
            if (found := next((csvs[a] for a in sorted(_table_aliases(table)) if a in csvs), None))
            is not None
        ]
        files = [settings, *tables]
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
    """A copy the caller may change freely without touching the cached dataset.

    pandas copies on write (always, from pandas 3): a shallow copy shares the columns until
    either side changes one, so this costs nothing until then.
    """
    tables = {name: getattr(ds, name) for name in TABLES}
    twin = replace(
        ds,
        settings=copy.deepcopy(ds.settings),
        warnings=list(ds.warnings),
        **{
            name: None if frame is None else frame.copy(deep=not _COPY_ON_WRITE)
            for name, frame in tables.items()
        },
    )
    if ds.memo.holds(ds):
        ds.memo.hold(twin)  # the same tables: the results computed so far apply to it too
    return twin


def _copy_on_write() -> bool:
    if int(pd.__version__.split(".")[0]) >= 3:
        return True
    return bool(pd.options.mode.copy_on_write)


_COPY_ON_WRITE = _copy_on_write()


def load(path: str | Path, *, standard: str | Path | None = None, cache: bool = True) -> Dataset:
    """Read and validate a county dataset: a folder of CSVs or one ``.xlsx`` workbook.

    Unchanged files loaded again in the same process come from a small cache (as a private
    copy); ``cache=False`` always reads them.

    Parameters
    ----------
    path
        The county folder (with ``schools.csv`` … and an optional ``county.toml``) or a
        workbook (with an optional ``<stem>.toml`` beside it for the county settings).
    standard
        The standard whose indicator ids ``county_indicators`` may use; defaults to the one
        ``county.toml`` names (``moe-2017``).

    Raises
    ------
    DataError
        listing every problem found, each with file, row, column, value and rule.
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
        ctx = _Ctx(frames, raws)
        _cross_check(ctx, known, percent)
        if measured_by is not None:
            _check_plausibility(ctx, measured_by)
        problems.merge(ctx.problems)
        warnings = ctx.warnings
    warnings[:0] = noted
    if problems or problems.hidden("error"):
        # warnings come along (after the errors) so that a person fixing the file sees them too
        problems.extend(warnings)
        raise DataError(problems)

    # a clean RangeIndex (row numbers served the messages); _parse gave the final dtypes
    frames = {name: frame.reset_index(drop=True) for name, frame in frames.items()}
    return Dataset(path=path, name=settings.name, settings=settings, warnings=warnings.finished(), **frames)


def _read_source(path: Path, problems: ProblemList):
    """A county folder's or workbook's settings, the path of its settings file and its raw tables."""
    try:
        exists, is_dir = path.exists(), path.is_dir()
    except OSError as exc:  # e.g. a name longer than the file system allows
        raise DataError(
            [Problem(str(path), None, None, None, f"cannot be read: {exc.strerror or exc}")]
        ) from None
    if not exists:
        raise DataError([Problem(str(path), None, None, None, "no such folder or workbook")])
    if is_dir:
        settings_path = path / "county.toml"
        settings = _read_settings(settings_path, path.name, problems)
        raws = _read_folder(path, problems)
    elif path.suffix.lower() in (".xlsx", ".xlsm"):
        settings_path = path.with_suffix(".toml")
        settings = _read_settings(settings_path, path.stem, problems)
        raws = _read_workbook(path, problems)
    else:
        raise DataError(
            [
                Problem(
                    str(path), None, None, None, "must be a county folder of CSV files or an .xlsx workbook"
                )
            ]
        )
    return settings, settings_path, raws


def _parse_tables(raws: dict[str, _Raw], problems: ProblemList) -> dict[str, pd.DataFrame]:
    """Each raw table typed and checked on its own (a required table must have rows).

    An optional table without a data row (a template's sheet left empty, a CSV file holding
    only its header) is no table at all: it is left out, as when its file or sheet is missing,
    so that every later step sees one thing — the table is absent."""
    frames: dict[str, pd.DataFrame] = {}
    for name, raw in raws.items():
        table = TABLES[name]
        frame = _parse(raw, table, problems)
        _check_schema(frame, raw, table, problems)
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
    """The indicator and veto ids the county's standards know, those in percent, and the standard
    whose plausible ranges apply (None: the standard cannot be loaded, reported in ``problems``).
    """
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
            try:
                standards.append(load_standard(settings.standard))
            except StandardError:
                pass  # the requested standard is the one that matters here
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
