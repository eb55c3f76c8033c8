"""Reading a county's tables as text: CSV files, or the sheets of an ``.xlsx`` workbook.

The first pass of :func:`eduwb.data.dataset.load`: find each table (English or Chinese name),
decode it, match its headers, within :mod:`eduwb.data.limits` checked before the work. Numbers
the CSV parser reads come back as numbers, the rest as :class:`Text`.
"""

from __future__ import annotations

import csv
import difflib
import io
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from eduwb._files import FileRefused, read_regular_file
from eduwb.data import limits
from eduwb.data.schema import TABLES, Table
from eduwb.errors import Problem


def norm(text: object) -> str:
    """Header/enum normal form: case-, whitespace- (incl. full-width) and bracket-insensitive."""
    s = str(text).strip().lower().replace("\u3000", "")
    s = re.sub(r"\s+", "", s)
    return s.replace("（", "(").replace("）", ")")


class Text:
    """A column of text cells: ``codes`` index ``uniques`` (the distinct stripped cells; -1 for
    an empty one), so that checks run once per distinct spelling, not once per row."""

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

    def take(self, keep: np.ndarray) -> Text:
        """The cells where ``keep`` holds (the same distinct spellings)."""
        kept = object.__new__(Text)
        kept.codes, kept.uniques = self.codes[keep], self.uniques
        return kept

    def rows(self, mask_of_uniques: np.ndarray) -> np.ndarray:
        """A cell mask from a mask over the distinct spellings (never true for empty cells)."""
        extended = np.append(mask_of_uniques.astype(bool), False)
        return extended[self.codes]


@dataclass
class Raw:
    """One table as read: :class:`Text` or float columns, indexed by the row number a person
    sees (header = row 1)."""

    columns: dict[str, Text | np.ndarray]
    index: pd.Index
    label: str  # file (and sheet) for messages
    headers: dict[str, str]  # column name -> header as written
    as_text: Any = None  # column name -> its cells as written (numbers read by the CSV parser)
    #: text and enum columns after parsing: (code per row, -1 where empty or refused; value per code)
    codes: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)

    def text_of(self, name: str) -> pd.Series:
        """The cells of a column as written (stripped), by row number."""
        column = self.columns[name]
        if isinstance(column, Text):
            return pd.Series(column.cells(""), index=self.index)
        return self.as_text(name).reindex(self.index).fillna("")


def decode(data: bytes, label: str, problems: list[Problem]) -> str | None:
    """UTF-8 (with or without BOM) first, GB18030 second; refuse rather than guess."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as utf8_error:
        start = utf8_error.start
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        rule = "is UTF-16 (Excel's 'Unicode text'), not UTF-8 or GB18030/GBK; save it as 'CSV UTF-8'"
    else:
        try:
            text = data.decode("gb18030")
        except UnicodeDecodeError:
            text = None
        if text is not None and _reads_as_chinese(text):
            return text
        rule = f"cannot be decoded as UTF-8 (byte {start}) or GB18030/GBK; save it as UTF-8 CSV"
    problems.append(Problem(label, None, None, None, rule))
    return None


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_ASCII_RUNS = re.compile(r"[\x00-\x7f]+")


def _reads_as_chinese(text: str) -> bool:
    """Whether text decoded as GB18030 reads as Chinese rather than as decoded garbage.

    GB18030 decodes almost any bytes and statistical detectors mistake short GBK files for
    Korean or UTF-16, so the test is direct: no control characters, and nearly every non-ASCII
    character in GB2312 (the common hanzi). Binary data, UTF-8 read as GBK and Big5 fail it.
    """
    if _CONTROL.search(text):
        return False
    wide = _ASCII_RUNS.sub("", text)
    # every wide character is non-ASCII, so each "?" in the encoding is one uncommon character
    uncommon = wide.encode("gb2312", errors="replace").count(b"?")
    return uncommon <= 0.1 * len(wide) + 2


def read_input(path: Path, label: str, limit: int, problems: list[Problem]) -> bytes | None:
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


def _read_csv(path: Path, label: str, table: Table, problems: list[Problem]) -> Raw | None:
    data = read_input(path, label, limits.MAX_FILE_BYTES, problems)
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
        rule = f"not a readable CSV file: {message}"
        problems.append(Problem(label, int(line.group(1)) if line else None, None, None, rule))
        return None
    index = pd.RangeIndex(2, len(frame) + 2)

    def as_text(name: str) -> pd.Series:
        # only for messages about a number column: read that column again, as written
        position = positions[name]
        again = pd.read_csv(io.BytesIO(source), dtype=str, usecols=[position], **options)[position]
        again.index = pd.RangeIndex(2, len(again) + 2)
        return again.fillna("").str.strip()

    columns = _csv_columns(frame, table, positions)
    return _drop_empty_rows(Raw(columns, index, label, headers, as_text))


def _csv_text(data: bytes, label: str, problems: list[Problem]) -> tuple[str, bytes] | None:
    """The file's text, and the UTF-8 bytes pandas is to read (pandas reads bytes faster)."""
    try:
        text = data.decode("utf-8-sig")
        source = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    except UnicodeDecodeError:
        text = decode(data, label, problems)
        if text is None:
            return None
        source = text.encode("utf-8")
    return text, source


def _csv_too_big(first: str, lines: int, label: str, problems: list[Problem]) -> bool:
    """Whether the header is too wide or the file too long (reported in ``problems``)."""
    width, rows = first.count(",") + 1, lines - 1
    if width > limits.MAX_COLUMNS:
        rule = f"the header has more than {limits.MAX_COLUMNS:,} columns"
        problems.append(Problem(label, 1, None, f"{width:,} columns", rule))
    elif rows > limits.MAX_ROWS:
        rule = f"more than {limits.MAX_ROWS:,} data rows; split the file or check what wrote it"
        problems.append(Problem(label, limits.MAX_ROWS + 2, None, f"{rows:,} lines below the header", rule))
    else:
        return False
    return True


def _csv_columns(
    frame: pd.DataFrame, table: Table, positions: dict[str, int]
) -> dict[str, Text | np.ndarray]:
    """The table's columns from the parsed frame: numbers as float64, the rest as text to parse."""
    columns: dict[str, Text | np.ndarray] = {}
    for col in table.columns:
        if col.name not in positions:
            columns[col.name] = Text(pd.Series([None] * len(frame), dtype=object))
            continue
        series = frame[positions[col.name]]
        if series.dtype.kind in "iuf":  # numbers the CSV parser read: float64, NaN for an empty cell
            columns[col.name] = series.to_numpy(dtype="float64")
        else:
            columns[col.name] = Text(series)
    return columns


def _drop_empty_rows(raw: Raw) -> Raw:
    """Drop the rows whose cells are all empty (row numbers stay as a person sees them)."""
    empty = np.ones(len(raw.index), dtype=bool)
    for column in raw.columns.values():
        empty &= column.blank if isinstance(column, Text) else np.isnan(column)
        if not empty.any():
            return raw
    keep = ~empty
    columns = {
        name: column.take(keep) if isinstance(column, Text) else column[keep]
        for name, column in raw.columns.items()
    }
    return replace(raw, columns=columns, index=raw.index[keep])


def _by_table(names: list[str], stem=lambda name: name) -> dict[str, list[str]]:
    """Table name → the names among ``names`` (files or sheets) that are it, in English or Chinese."""
    found = {
        name: [n for n in names if norm(stem(n)) in {norm(t.name), norm(t.zh)}] for name, t in TABLES.items()
    }
    return {name: hits for name, hits in found.items() if hits}


def _one_each(found: dict[str, list], label, kind: str, problems: list[Problem]) -> dict[str, Any]:
    """The one file (or sheet) of each table; a table found twice ("schools.csv" and
    "学校名录.csv") is refused rather than one of them read."""
    for name, hits in found.items():
        if len(hits) > 1:
            a, b = (getattr(h, "name", h) for h in hits[:2])
            zh = TABLES[name].zh
            rule = (
                f"one table, two files: '{a}' and '{b}' are both {name} ({zh}); keep one"
                if kind == "files"
                else f"one table, two sheets: '{a}' and '{b}' are both {name} ({zh}); keep one"
            )
            problems.append(Problem(label(b), None, None, None, rule))
    return {name: hits[0] for name, hits in found.items() if len(hits) == 1}


def table_files(path: Path) -> dict[str, list[Path]]:
    """The CSV files of each table found in a folder, under its English or Chinese name."""
    files = {p.name: p for p in sorted(path.iterdir()) if p.suffix.lower() == ".csv"}
    return {
        name: [files[n] for n in hits]
        for name, hits in _by_table(list(files), lambda n: n.rsplit(".", 1)[0]).items()
    }


def _match_headers(
    header: list[str], table: Table, label: str, problems: list[Problem]
) -> tuple[dict[str, int], dict[str, str]] | None:
    """Where each column of ``table`` is in ``header`` and how it is written, or None (with problems)."""
    aliases = {norm(alias): col.name for col in table.columns for alias in (col.name, col.zh, *col.aliases)}
    headers: dict[str, str] = {}
    positions: dict[str, int] = {}
    unknown: list[str] = []
    too_long = False
    for position, cell in enumerate(header):
        cell = "" if cell is None else str(cell)
        if len(cell) > limits.MAX_HEADER_CHARS:
            rule = f"a header is longer than {limits.MAX_HEADER_CHARS:,} characters"
            problems.append(Problem(label, 1, None, cell, rule))
            too_long = True
            continue
        key = norm(cell)
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
        candidates = difflib.get_close_matches(col.zh, unknown, n=1, cutoff=0.5) or difflib.get_close_matches(
            col.name, unknown, n=1, cutoff=0.6
        )
        hint = f"; found '{candidates[0]}' — a typo?" if candidates else ""
        problems.append(
            Problem(label, 1, col.name, None, f"required column '{col.name}' ({col.zh}) is missing{hint}")
        )
    if missing or too_long:
        return None
    return positions, headers


def read_folder(path: Path, problems: list[Problem]) -> dict[str, Raw]:
    every = table_files(path)
    files = _one_each(every, str, "files", problems)
    raws: dict[str, Raw] = {}
    for name, table in TABLES.items():
        found = files.get(name)
        if found is None:
            if table.required and name not in every:
                problems.append(
                    Problem(f"{name}.csv", None, None, None, f"required file missing from {path}")
                )
            continue
        raw = _read_csv(found, found.name, table, problems)
        if raw is not None:
            raws[name] = raw
    return raws


def read_workbook(path: Path, problems: list[Problem]) -> dict[str, Raw]:
    from eduwb.data.xlsx import Workbook, XlsxRefused

    data = read_input(path, path.name, limits.MAX_FILE_BYTES, problems)
    if data is None:
        return {}
    raws: dict[str, Raw] = {}
    try:
        book = Workbook(io.BytesIO(data))
    except XlsxRefused as exc:
        problems.append(Problem(path.name, exc.row, exc.column, exc.value, exc.rule))
        return {}
    with book:
        every = _by_table(list(book.sheets))
        sheets = _one_each(every, lambda sheet: f"{path.name} [sheet {sheet}]", "sheets", problems)
        for name, table in TABLES.items():
            sheet = sheets.get(name)
            if sheet is None:
                if table.required and name not in every:
                    rule = f"required sheet '{name}' ({table.zh}) missing"
                    problems.append(Problem(f"{path.name} [sheet {name}]", None, None, None, rule))
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


def _read_sheet(rows, table: Table, label: str, problems: list[Problem]) -> Raw | None:
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
    columns: dict[str, Text | pd.Series] = {
        name: Text(pd.Series(v, dtype=object)) for name, v in values.items()
    }
    return _drop_empty_rows(Raw(columns, pd.Index(numbers, dtype="int64"), label, headers))
