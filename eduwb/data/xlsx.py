"""Reading the cells of an .xlsx workbook, with every size checked before the work.

An .xlsx file is a zip of XML parts. A hostile one is small on disk and huge inside: a sheet
whose ``dimension`` reaches XFD1048576, two million rows of one cell each, a shared-strings
part that inflates to gigabytes, or a part of a few hundred kilobytes holding sixty million
empty elements. This reader refuses those before they cost anything: the zip directory is
checked first (:func:`open_zip`), then every part is streamed once through expat by
:func:`guard_part` before anything else parses it, and a sheet's rows and columns are counted
again while they stream, so a sheet that lies about its size stops at the limit. Only the
sheets asked for are read, one row at a time: as text for a county's tables (:meth:`Workbook.rows`),
as typed values and formulas for the statistics forms (:meth:`Workbook.cells`).
"""

from __future__ import annotations

import math
import os
import posixpath
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import IO
from xml.etree import ElementTree as ET
from xml.parsers import expat

from eduwb.data import limits

_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_STRICT_REL_NS = "http://purl.oclc.org/ooxml/officeDocument/relationships"
_REF = re.compile(r"^([A-Z]{1,3})(\d+)$")
_RANGE = re.compile(r"^\$?([A-Z]{1,3})\$?(\d+)(?::\$?([A-Z]{1,3})\$?(\d+))?$")
_ESCAPED = re.compile(r"_x([0-9A-Fa-f]{4})_")
_CHUNK = 1 << 16
# What a cell or a shared string holds: a value, a formula, an inline string, text runs and
# their fonts, phonetic guides (counted per cell or string, not against the other elements)
_INNER = frozenset(
    "v f is t r rPr rPh phoneticPr b i u strike sz color rFont family charset scheme "
    "vertAlign outline shadow condense extend".split()
)


class XlsxRefused(Exception):
    """The workbook (or one sheet) breaks a limit or is not a workbook; ``row``/``column`` locate it."""

    def __init__(self, rule: str, row: int | None = None, column: str | None = None, value: object = None):
        super().__init__(rule)
        self.rule, self.row, self.column, self.value = rule, row, column, value


# ----------------------------------------------------------------------------- the guard


@dataclass
class Budget:
    """What the parts of one workbook have used so far of the limits on bytes and elements."""

    bytes: int = 0
    elements: int = 0
    others: int = 0


def _refused(part: str, rule: str, row: int | None = None) -> XlsxRefused:
    """A part's refusal: its rule in English, the Chinese from eduwb.data.rulewords."""
    return XlsxRefused(f"part {part}: {rule}", row)


def _read_capped(fh: IO[bytes], part: str, budget: Budget) -> Iterator[bytes]:
    """The inflated bytes of a part in chunks, counted against the workbook's limit as they come."""
    cap = limits.MAX_XLSX_UNCOMPRESSED_BYTES
    while True:
        try:
            chunk = fh.read(_CHUNK)
        except (zipfile.BadZipFile, EOFError, OSError, NotImplementedError, RuntimeError) as exc:
            raise _refused(part, f"cannot be decompressed: {exc}") from None
        if not chunk:
            return
        budget.bytes += len(chunk)
        if budget.bytes > cap:
            raise _refused(
                part, f"too large inside: more than {cap:,} bytes uncompressed; save the tables as CSV files"
            )
        yield chunk


def guard_part(fh: IO[bytes], part: str, budget: Budget, table: bool = False) -> None:
    """Stream one part through expat and refuse it (naming the part, and the row in a sheet)
    at the first limit it breaks; a DOCTYPE (entity expansion) is refused.

    ``table``: the part is a sheet read as a county's table, so its declared ``dimension``
    and its rows are held to the table's limits rather than Excel's.

    Only counters are kept (no tree), so memory stays flat whatever the part holds. Every
    element counts against the workbook's limit; rows, cells per row, shared strings, cell
    formats and sheets against their own; the elements inside one cell or shared string
    against the limit per item; any other element (everything a reader keeps in memory until
    its part ends) against the limit on others.

    Why this is long: the element handler is one closure over the counters, written inline
    because it runs once per element of parts up to the input limits.
    """
    sheet = part.lower().startswith("xl/worksheets/")
    # per part: the element that starts an item (its inner elements are counted), and the
    # element counted against a limit of its own
    item, counted, cap, what = {
        "xl/worksheets/": ("c", "row", limits.MAX_XLSX_SHEET_ROWS, "rows"),
        "xl/sharedstrings.xml": ("si", "si", limits.MAX_SHARED_STRINGS, "shared strings"),
        "xl/styles.xml": (None, "xf", limits.MAX_XLSX_STYLES, "cell formats (xf)"),
        "xl/workbook.xml": (None, "sheet", limits.MAX_XLSX_SHEETS, "sheets"),
    }.get("xl/worksheets/" if sheet else part.lower(), (None, None, 0, ""))
    inner = _INNER if item else frozenset()
    if table:
        cap = limits.MAX_ROWS + 1  # the header row and the data rows
    max_item, max_cells = limits.MAX_XLSX_ITEM_ELEMENTS, limits.MAX_XLSX_ROW_CELLS
    # elements left before the workbook's limits: counted down here, given back at the end
    left = limits.MAX_XLSX_ELEMENTS - budget.elements
    others = limits.MAX_XLSX_OTHER_ELEMENTS - budget.others
    names: dict[str, str] = {}
    in_item = count = cells = 0

    def start(name: str, attrs: object) -> None:
        nonlocal left, others, in_item, count, cells
        left -= 1
        local = names.get(name)
        if local is None:
            local = names[name] = name.rsplit(":", 1)[-1]
        if local in inner:
            in_item += 1
            if in_item > max_item:
                raise _refused(part, f"more than {max_item:,} elements in one cell or string", row())
        elif local == item:
            in_item = 0
            cells += 1
            if cells > max_cells:
                raise _refused(part, f"more than {max_cells:,} cells in one row", row())
        elif local != counted:
            others -= 1
            if others < 0:
                n = limits.MAX_XLSX_OTHER_ELEMENTS
                raise _refused(part, f"more than {n:,} other XML elements", row())
        if local == counted:
            count += 1
            cells = 0
            if count > cap:
                if table:
                    n = limits.MAX_ROWS
                    raise _refused(part, f"more than {n:,} data rows (row {count:,} reached)", count)
                raise _refused(part, f"more than {cap:,} {what}", row())
        elif table and local == "dimension":
            _check_dimension(attrs.get("ref", "") if isinstance(attrs, dict) else "")
        if left < 0:
            n = limits.MAX_XLSX_ELEMENTS
            raise _refused(part, f"more than {n:,} XML elements", row())

    def row() -> int | None:
        return count if sheet and count else None

    def doctype(*args: object) -> None:
        raise _refused(part, "declares a DOCTYPE (refused)")

    parser = expat.ParserCreate()
    parser.StartElementHandler = start
    parser.StartDoctypeDeclHandler = doctype
    parser.EntityDeclHandler = doctype
    try:
        for chunk in _read_capped(fh, part, budget):
            parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except expat.ExpatError as exc:
        raise _refused(part, f"not readable XML: {exc}") from None
    finally:
        budget.elements = limits.MAX_XLSX_ELEMENTS - left
        budget.others = limits.MAX_XLSX_OTHER_ELEMENTS - others


def open_zip(source: str | os.PathLike[str] | IO[bytes]) -> zipfile.ZipFile:
    """The workbook's zip, its directory checked: parts, and their declared sizes together."""
    try:
        zf = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise XlsxRefused(f"not a readable .xlsx workbook: {exc}") from None
    infos = zf.infolist()
    if len(infos) > limits.MAX_XLSX_PARTS:
        zf.close()
        raise XlsxRefused(
            f"not a readable .xlsx workbook: {len(infos):,} parts inside (at most {limits.MAX_XLSX_PARTS:,})"
        )
    total = sum(i.file_size for i in infos)
    if total > limits.MAX_XLSX_UNCOMPRESSED_BYTES:
        zf.close()
        raise XlsxRefused(
            f"too large inside: its parts hold {total:,} bytes uncompressed "
            f"(at most {limits.MAX_XLSX_UNCOMPRESSED_BYTES:,}); save the tables as CSV files"
        )
    return zf


def guard(zf: zipfile.ZipFile) -> None:
    """Stream every XML part of a workbook opened by :func:`open_zip` through :func:`guard_part`
    (one budget for the workbook), before anything else reads it."""
    budget = Budget()
    for info in zf.infolist():
        if info.is_dir() or not info.filename.lower().endswith((".xml", ".rels")):
            continue
        try:
            fh = zf.open(info)
        except (zipfile.BadZipFile, NotImplementedError, RuntimeError) as exc:
            raise _refused(info.filename, f"cannot be opened: {exc}") from None
        with fh:
            guard_part(fh, info.filename.lstrip("/"), budget)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def column_index(letters: str) -> int:
    """``"A"`` → 0, ``"AB"`` → 27.

    Not openpyxl's: importing openpyxl costs a workbook's load a tenth of a second, and most
    workbooks never need it.
    """
    n = 0
    for ch in letters:
        n = n * 26 + (ord(ch) - 64)
    return n - 1


def column_letters(index: int) -> str:
    """0 → ``"A"``, 27 → ``"AB"``."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _unescape(text: str) -> str:
    # Excel writes control characters as _xHHHH_ (openpyxl reads them back the same way)
    return _ESCAPED.sub(lambda m: chr(int(m.group(1), 16)), text) if "_x" in text else text


class Workbook:
    """An open .xlsx file: its sheet names, read lazily and within the limits.

    ``table``: its sheets are a county's tables, held to the table's limits as they are read
    (:meth:`rows`). Otherwise (the statistics forms, read by :meth:`cells`) the whole workbook
    goes through :func:`guard` before it is opened.
    """

    def __init__(self, path: Path | IO[bytes], table: bool = True):
        self._zip = open_zip(path)
        if not table:
            try:
                guard(self._zip)
            except XlsxRefused:
                self.close()
                raise
        self._budget = Budget()
        self._names: dict[str, str] = {}  # tag → local name, for the sheets' cells
        self._table = table
        self._parts = {i.filename.lstrip("/"): i for i in self._zip.infolist()}
        self._guarded = set() if table else set(self._parts)
        if "xl/workbook.xml" not in self._parts:
            raise XlsxRefused("not a readable .xlsx workbook: no xl/workbook.xml inside")
        self.sheets: dict[str, str] = {}  # read by _open while the sheets are being found
        self.sheets = self._sheet_parts()

    def close(self) -> None:
        self._zip.close()

    def __enter__(self) -> Workbook:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---- parts -------------------------------------------------------------------------
    def _open(self, name: str):
        """The part, opened for parsing once :func:`guard_part` has streamed it within the limits."""
        info = self._parts[name]
        try:
            if name not in self._guarded:
                with self._zip.open(info) as fh:
                    guard_part(fh, name, self._budget, table=self._table and name in self.sheets.values())
                self._guarded.add(name)
            return self._zip.open(info)
        except (zipfile.BadZipFile, NotImplementedError, RuntimeError) as exc:
            raise XlsxRefused(f"not a readable .xlsx workbook: {name}: {exc}") from None

    def _events(self, name: str, events=("end",)) -> Iterator[tuple[str, ET.Element]]:
        fh = self._open(name)
        try:
            yield from ET.iterparse(fh, events=events)
        except (ET.ParseError, zipfile.BadZipFile, EOFError, OSError) as exc:
            raise XlsxRefused(f"not a readable .xlsx workbook: {name}: {exc}") from None
        finally:
            fh.close()

    def _sheet_parts(self) -> dict[str, str]:
        """Sheet name → part name, in workbook order."""
        targets: dict[str, str] = {}
        rels = "xl/_rels/workbook.xml.rels"
        if rels in self._parts:
            for _, el in self._events(rels):
                if _local(el.tag) == "Relationship" and el.get("Id") and el.get("Target"):
                    target = el.get("Target", "")
                    path = (
                        target.lstrip("/")
                        if target.startswith("/")
                        else posixpath.normpath(posixpath.join("xl", target))
                    )
                    targets[el.get("Id", "")] = path
        sheets: dict[str, str] = {}
        self.date1904 = False
        for _, el in self._events("xl/workbook.xml"):
            tag = _local(el.tag)
            if tag == "workbookPr":
                self.date1904 = el.get("date1904", "").lower() in ("1", "true")
            elif tag == "sheet":
                rid = el.get(f"{{{_REL_NS}}}id") or el.get(f"{{{_STRICT_REL_NS}}}id")
                name = el.get("name")
                part = targets.get(rid or "")
                if name is not None and part in self._parts:
                    sheets[name] = part
        return sheets

    @cached_property
    def _shared_strings(self) -> list[str]:
        """The shared strings as written (``_xHHHH_`` escapes kept, as openpyxl reads them)."""
        strings: list[str] = []
        name = next((n for n in self._parts if n.lower() == "xl/sharedstrings.xml"), None)
        if name is not None:
            for _, el in self._events(name):
                if _local(el.tag) == "si":
                    strings.append(_item_text(el))  # the guard has counted them
                    el.clear()
        return strings

    @cached_property
    def _text_strings(self) -> list[str]:
        return [_unescape(s) for s in self._shared_strings]

    @cached_property
    def _date_styles(self) -> dict[int, bool]:
        """The cell styles whose number format shows a date (as openpyxl decides): index → whether
        the format is a duration (read as a timedelta)."""
        from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format, is_timedelta_format

        dates: dict[int, bool] = {}
        if "xl/styles.xml" in self._parts:
            custom: dict[int, str] = {}
            xf_formats: list[int] = []
            in_xfs = False
            for event, el in self._events("xl/styles.xml", events=("start", "end")):
                tag = _local(el.tag)
                if tag == "cellXfs":
                    in_xfs = event == "start"
                elif event == "end" and tag == "numFmt":
                    try:
                        custom[int(el.get("numFmtId", "-1"))] = el.get("formatCode", "")
                    except ValueError:
                        pass
                elif event == "end" and tag == "xf" and in_xfs:
                    try:
                        xf_formats.append(int(el.get("numFmtId", "0")))
                    except ValueError:
                        xf_formats.append(0)
            for idx, fmt_id in enumerate(xf_formats):
                fmt = custom.get(fmt_id, BUILTIN_FORMATS.get(fmt_id))
                if is_date_format(fmt):
                    dates[idx] = is_timedelta_format(fmt)
        return dates

    # ---- a sheet -------------------------------------------------------------------------
    def rows(self, sheet: str) -> Iterator[tuple[int, dict[int, str]]]:
        """The rows of one sheet that hold something: (the sheet's row number, {column index from 0:
        text}), the text pandas' ``read_excel(dtype=str)`` would give: numbers as written (whole
        floats without ``.0``), booleans as ``True``/``False``, dates as ``YYYY-MM-DD HH:MM:SS``.

        Raises
        ------
        XlsxRefused
            when the sheet holds more than :data:`~eduwb.data.limits.MAX_ROWS` data rows or
            :data:`~eduwb.data.limits.MAX_COLUMNS` columns, or is not XML.
        """
        for number, cells, _ in self._read(sheet, False, limits.MAX_COLUMNS, limits.MAX_ROWS + 1):
            if cells:
                yield number, cells

    def cells(
        self, sheet: str, max_column: int, max_row: int | None = None
    ) -> Iterator[tuple[int, dict[int, object], dict[int, str]]]:
        """Every row of a sheet up to ``max_row``, empty ones included, as (row number,
        {column: value}, {column: formula}), columns from 1 up to ``max_column``.

        Values are typed as openpyxl's read-only view gives them: int or float, text, bool,
        a date, time or duration for a number in a date format, an error's text (``#N/A``); for
        a formula, the value Excel saved with it. A formula is its text after ``=`` (a shared
        formula's copies translated to their cell). Blank cells are left out.
        """
        return self._read(sheet, True, max_column, math.inf if max_row is None else max_row)

    def _read(
        self, sheet: str, typed: bool, max_column: int, max_row: float
    ) -> Iterator[tuple[int, dict, dict]]:
        """The sheet's rows streamed one at a time: typed values and formulas with columns from 1
        (``typed``), or text with columns from 0. Past ``max_row`` or ``max_column`` the typed
        reading stops or skips the cell; the text reading refuses the sheet (a county's table).

        Why this is long: it is the streaming XML event loop of the sheet, written inline because
        it runs once per cell of workbooks up to the input limits.
        """
        base = 1 if typed else 0
        past, max_chars = max_column + base, limits.MAX_CELL_CHARS
        strings = dates = None  # the text path's look-ups, read when first needed
        names = self._names  # tag → local name (one namespace per part, looked up once)
        shared: dict[str, object] = {}  # a shared formula's index → its translator
        sheet_data = None
        row_number, col = 0, base - 1
        values: dict[int, object] = {}
        formulas: dict[int, str] = {}
        for event, el in self._events(self.sheets[sheet], events=("start", "end")):
            tag = names.get(el.tag)
            if tag is None:
                tag = names[el.tag] = _local(el.tag)
            if event == "start":
                if tag == "row":
                    r = el.get("r")
                    row_number = int(r) if r and r.isdigit() else row_number + 1
                    if row_number > max_row:
                        if typed:
                            return
                        n = limits.MAX_ROWS
                        raise XlsxRefused(
                            f"more than {n:,} data rows (row {row_number:,} reached)", row_number
                        )
                    values, formulas, col = {}, {}, base - 1
                elif tag == "sheetData":
                    sheet_data = el
            elif tag == "c":
                ref = el.get("r")
                m = _REF.match(ref) if ref else None
                col = column_index(m.group(1)) + base if m else col + 1
                if col >= past:
                    if not typed:
                        letters = column_letters(col)
                        raise XlsxRefused(
                            f"more than {max_column:,} columns (column {letters} reached)",
                            row_number,
                            letters,
                        )
                elif typed:
                    value, formula = self._typed(el, row_number, col, shared)
                    if value is not None:
                        values[col] = value
                    if formula is not None:
                        formulas[col] = formula
                else:  # the text of the cell, decoded here: see "Why this is long"
                    kind = el.get("t", "n")
                    text = None
                    for child in el:
                        name = names.get(child.tag)
                        if name is None:
                            name = names[child.tag] = _local(child.tag)
                        if kind == "inlineStr":
                            if name == "is":
                                text = _unescape(_item_text(child))
                            continue
                        if name != "v" or child.text is None:
                            continue
                        raw = child.text
                        if kind == "n":
                            style = el.get("s")
                            if style is not None and style != "0" and dates is None:
                                dates = self._date_styles
                            is_date = (
                                style is not None and style != "0" and style.isdigit() and int(style) in dates
                            )
                            text = _number_text(raw, is_date, self.date1904)
                        elif kind == "s":
                            if strings is None:
                                strings = self._text_strings
                            try:
                                text = strings[int(raw)]
                            except (ValueError, IndexError):
                                self._string(raw, row_number, col)  # refuses the workbook
                        elif kind == "b":
                            text = "True" if raw.strip() in ("1", "true") else "False"
                        elif kind == "d":
                            text = _iso_date_text(raw)
                        else:  # "str" (a formula's text), "e" (an error such as #N/A)
                            text = _unescape(raw)
                    if text:
                        # long enough to be refused, no longer
                        values[col] = text if len(text) <= max_chars else text[: max_chars + 1]
                el.clear()
            elif tag == "row":
                yield row_number, values, formulas
                (el if sheet_data is None else sheet_data).clear()

    def _string(self, raw: str, row: int, col: int) -> str:
        """Shared string ``raw`` as written (``_xHHHH_`` escapes kept), in column ``col`` (from 0)."""
        try:
            return self._shared_strings[int(raw)]
        except (ValueError, IndexError):
            raise XlsxRefused(
                "not a readable .xlsx workbook: a cell refers "
                f"to shared string {raw!r}, which does not exist",
                row,
                column_letters(col),
            ) from None

    def dimension(self, sheet: str) -> tuple[int, int] | None:
        """The sheet's declared last row and last column (from 1), None when it declares none."""
        for _, el in self._events(self.sheets[sheet], events=("start",)):
            tag = _local(el.tag)
            if tag == "dimension":
                return _span(el.get("ref") or "")
            if tag == "sheetData":
                break
        return None

    def _typed(
        self, el: ET.Element, row: int, col: int, shared: dict[str, object]
    ) -> tuple[object, str | None]:
        """A cell's value and formula, as openpyxl reads them (its data-only and formula views)."""
        kind = el.get("t", "n")
        children = {_local(child.tag): child for child in reversed(el)}  # the first of each
        raw = (children["v"].text or None) if "v" in children else None
        value: object = None
        if kind == "inlineStr":
            value = _item_text(children["is"]) if "is" in children else None
        elif raw is None:
            pass
        elif kind == "n":
            style = el.get("s", "0")
            value = self._number(raw, int(style) if style.isdigit() else 0)
        elif kind == "s":
            value = self._string(raw, row, col - 1).replace("x005F_", "")
        elif kind == "b":
            value = raw.strip() in ("1", "true")
        elif kind == "d":
            from openpyxl.utils.datetime import from_ISO8601

            value = from_ISO8601(raw)
        else:  # "str" (a formula's text), "e" (an error such as #N/A)
            value = raw
        f = children.get("f")
        if f is None:
            return value, None
        formula = "=" + (f.text or "")
        if f.get("t") == "shared":
            si, ref = f.get("si", ""), f"{column_letters(col - 1)}{row}"
            if si in shared:
                formula = shared[si].translate_formula(ref)
            elif formula != "=":
                from openpyxl.formula.translate import Translator

                shared[si] = Translator(formula, ref)
        return value, formula

    def _number(self, raw: str, style: int) -> object:
        try:
            number = float(raw) if ("." in raw or "e" in raw or "E" in raw) else int(raw)
        except ValueError:
            return raw
        duration = self._date_styles.get(style)
        if duration is None:
            return number
        from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900, from_excel

        try:
            return from_excel(number, CALENDAR_MAC_1904 if self.date1904 else CALENDAR_WINDOWS_1900, duration)
        except (OverflowError, ValueError):
            return "#VALUE!"


def _item_text(el: ET.Element) -> str:
    """The text of a string item: plain ``<t>`` or rich-text runs, without phonetic guides."""
    parts = []
    for child in el:
        tag = _local(child.tag)
        if tag == "t":
            parts.append(child.text or "")
        elif tag == "r":
            for t in child:
                if _local(t.tag) == "t":
                    parts.append(t.text or "")
        # rPh (phonetic reading) and phoneticPr are not part of the text
    return "".join(parts)


def _span(ref: str) -> tuple[int, int] | None:
    """A range's last row and last column (from 1): ``"A1:C9"`` → (9, 3); None when unreadable."""
    m = _RANGE.match(ref.upper())
    return None if m is None else (int(m.group(4) or m.group(2)), column_index(m.group(3) or m.group(1)) + 1)


def _check_dimension(ref: str) -> None:
    last_row, columns = _span(ref) or (0, 0)  # none usable: rows and columns are counted as they stream
    if last_row > limits.MAX_ROWS + 1:
        raise XlsxRefused(
            f"declares {last_row:,} rows (dimension {ref}); at most {limits.MAX_ROWS:,} data rows", value=ref
        )
    if columns > limits.MAX_COLUMNS:
        raise XlsxRefused(
            f"declares {columns:,} columns (dimension {ref}); at most {limits.MAX_COLUMNS:,}", value=ref
        )


def _number_text(raw: str, is_date: bool, date1904: bool) -> str:
    """A numeric cell as pandas' ``read_excel(dtype=str)`` shows it."""
    if not is_date and raw.isdigit() and (raw[0] != "0" or raw == "0"):
        return raw  # a whole number, written as Excel writes it
    raw = raw.strip()
    try:
        value: float | int = float(raw) if ("." in raw or "e" in raw or "E" in raw) else int(raw)
    except ValueError:
        return raw
    if isinstance(value, float) and not math.isfinite(value):
        return raw
    if is_date:
        from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900, from_excel

        try:
            return str(from_excel(value, CALENDAR_MAC_1904 if date1904 else CALENDAR_WINDOWS_1900))
        except (ValueError, OverflowError):
            return raw
    if isinstance(value, float) and value.is_integer():
        if abs(value) >= 1e16:
            return raw  # no digits to invent: the text as written
        return str(int(value))
    return str(value)


def _iso_date_text(raw: str) -> str:
    try:
        return str(datetime.fromisoformat(raw.strip()))
    except ValueError:
        return raw
