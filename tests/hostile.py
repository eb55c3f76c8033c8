"""Hostile inputs for the hardening tests, made at test time (they are too big to commit).

Each maker writes a county that is the tiny county (``tests/fixtures/tiny``) but for one file,
which is a bomb: a huge cell, a sheet that says it is a million rows long, a zip that inflates
to gigabytes, a header a million columns wide, … (issue #13).
"""

from __future__ import annotations

import shutil
import zipfile
from collections.abc import Iterable
from pathlib import Path
from xml.sax.saxutils import escape

from eduwb.data.xlsx import column_letters

TINY = Path(__file__).parent / "fixtures" / "tiny"
TABLES = ("schools", "sections", "facilities")

_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def tiny_copy(folder: Path) -> Path:
    shutil.copytree(TINY, folder)
    return folder


def sheet_xml(rows: list[list[str]], dimension: str | None = None) -> bytes:
    """A worksheet part holding ``rows`` as inline strings."""
    out = [f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{_NS}">']
    if dimension:
        out.append(f'<dimension ref="{dimension}"/>')
    out.append("<sheetData>")
    for r, row in enumerate(rows, start=1):
        cells = "".join(
            f'<c r="{column_letters(c)}{r}" t="inlineStr"><is><t>{escape(v)}</t></is></c>'
            for c, v in enumerate(row)
            if v != ""
        )
        out.append(f'<row r="{r}">{cells}</row>')
    out.append("</sheetData></worksheet>")
    return "".join(out).encode()


def tiny_sheets() -> dict[str, bytes]:
    """The tiny county's tables as worksheet parts."""
    import csv

    sheets = {}
    for name in TABLES:
        with open(TINY / f"{name}.csv", encoding="utf-8", newline="") as fh:
            sheets[name] = sheet_xml(list(csv.reader(fh)))
    return sheets


def write_xlsx(
    path: Path, sheets: dict[str, bytes | Iterable[bytes]], extra: dict[str, bytes] | None = None
) -> Path:
    """A workbook of these worksheet parts (each bytes, or an iterable of chunks streamed in)."""
    names = list(sheets)
    content_types = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        + "".join(
            f'<Override PartName="/xl/worksheets/sheet{i}.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            for i in range(1, len(names) + 1)
        )
        + "</Types>"
    )
    rels = (
        '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" '
        'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
        'Target="xl/workbook.xml"/>'
        "</Relationships>"
    )
    workbook = (
        f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{_NS}" xmlns:r="{_R}"><sheets>'
        + "".join(f'<sheet name="{n}" sheetId="{i}" r:id="rId{i}"/>' for i, n in enumerate(names, start=1))
        + "</sheets></workbook>"
    )
    workbook_rels = (
        '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        + "".join(
            f'<Relationship Id="rId{i}" '
            'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
            f'Target="worksheets/sheet{i}.xml"/>'
            for i in range(1, len(names) + 1)
        )
        + "</Relationships>"
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr("[Content_Types].xml", content_types)
        zf.writestr("_rels/.rels", rels)
        zf.writestr("xl/workbook.xml", workbook)
        zf.writestr("xl/_rels/workbook.xml.rels", workbook_rels)
        for i, name in enumerate(names, start=1):
            body = sheets[name]
            with zf.open(f"xl/worksheets/sheet{i}.xml", "w", force_zip64=True) as fh:
                for chunk in [body] if isinstance(body, bytes) else body:
                    fh.write(chunk)
        for name, data in (extra or {}).items():
            with zf.open(name, "w", force_zip64=True) as fh:
                fh.write(data)
    return path


def _schools_rows(n: int, start: int = 2) -> Iterable[bytes]:
    """Rows of one cell each (``<row r=…><c …><v>1</v></c></row>``), in chunks."""
    chunk = []
    for r in range(start, start + n):
        chunk.append(f'<row r="{r}"><c r="A{r}"><v>1</v></c></row>')
        if len(chunk) == 10_000:
            yield "".join(chunk).encode()
            chunk = []
    if chunk:
        yield "".join(chunk).encode()


def xlsx_many_rows(path: Path, rows: int, declare: bool) -> Path:
    """The tiny county as a workbook whose schools sheet has ``rows`` more one-cell rows."""
    sheets: dict[str, bytes | Iterable[bytes]] = dict(tiny_sheets())
    head = sheets["schools"].split(b"</sheetData>")[0]
    if declare:
        head = head.replace(b"<sheetData>", f'<dimension ref="A1:I{rows + 5}"/><sheetData>'.encode(), 1)

    def body() -> Iterable[bytes]:
        yield head
        yield from _schools_rows(rows, start=6)
        yield b"</sheetData></worksheet>"

    sheets["schools"] = body()
    return write_xlsx(path, sheets)


def xlsx_dimension_bomb(path: Path) -> Path:
    """The tiny county as a workbook whose schools sheet says it reaches XFD1048576."""
    sheets = tiny_sheets()
    sheets["schools"] = sheets["schools"].replace(
        b"<sheetData>", b'<dimension ref="A1:XFD1048576"/><sheetData>', 1
    )
    return write_xlsx(path, sheets)


def xlsx_far_column(path: Path) -> Path:
    """The tiny county as a workbook with a cell in column XFD (and no dimension to warn of it)."""
    sheets = tiny_sheets()
    sheets["schools"] = sheets["schools"].replace(
        b'<row r="2">', b'<row r="2"><c r="XFD2" t="inlineStr"><is><t>x</t></is></c>', 1
    )
    return write_xlsx(path, sheets)


def xlsx_zip_bomb(path: Path, megabytes: int = 300) -> Path:
    """The tiny county as a workbook with a shared-strings part that inflates to ``megabytes`` MB."""

    def strings() -> Iterable[bytes]:
        yield f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{_NS}"><si><t>'.encode()
        block = b"A" * (1 << 20)
        for _ in range(megabytes):
            yield block
        yield b"</t></si></sst>"

    sheets: dict[str, bytes | Iterable[bytes]] = dict(tiny_sheets())
    sheets["schools"] = sheets["schools"]
    path = write_xlsx(path, sheets)
    with (
        zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED, compresslevel=9) as zf,
        zf.open("xl/sharedStrings.xml", "w", force_zip64=True) as fh,
    ):
        for chunk in strings():
            fh.write(chunk)
    return path


def xlsx_entity_bomb(path: Path) -> Path:
    """The tiny county as a workbook whose schools sheet declares entities (billion laughs)."""
    sheets = tiny_sheets()
    laughs = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        + b"".join(
            f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'.encode()
            for i in range(1, 10)
        )
        + b"]>"
    )
    sheets["schools"] = laughs + sheets["schools"].split(b"?>", 1)[1].replace(
        b"<t>S01</t>", b"<t>&lol9;</t>", 1
    )
    return write_xlsx(path, sheets)


def csv_wide_header(folder: Path, columns: int = 1_000_000) -> Path:
    """The tiny county with a schools.csv header ``columns`` wide."""
    tiny_copy(folder)
    text = (folder / "schools.csv").read_text(encoding="utf-8").splitlines()
    header = text[0] + "," + ",".join(f"c{i}" for i in range(columns))
    (folder / "schools.csv").write_text("\n".join([header, *text[1:]]) + "\n", encoding="utf-8")
    return folder


def csv_many_bad_rows(folder: Path, rows: int = 200_000) -> Path:
    """The tiny county with ``rows`` more sections rows, each with text for a number."""
    tiny_copy(folder)
    with open(folder / "sections.csv", "a", encoding="utf-8") as fh:
        line = "S01,2024,primary,many,20,50,45,10,9\n"
        for _ in range(rows // 10_000):
            fh.write(line * 10_000)
    return folder


def csv_huge_cell(folder: Path, megabytes: int = 10) -> Path:
    """The tiny county with a school name of ``megabytes`` MB."""
    tiny_copy(folder)
    path = folder / "schools.csv"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("城关小学", "校" * (megabytes * (1 << 20) // 3), 1), encoding="utf-8")
    return folder


def csv_many_lines(folder: Path, lines: int = 2_000_000) -> Path:
    """The tiny county with a schools.csv of ``lines`` lines (mostly blank)."""
    tiny_copy(folder)
    with open(folder / "schools.csv", "a", encoding="utf-8") as fh:
        fh.write("\n" * lines)
    return folder


# ----------------------------------------------------------------------------- small XML bombs (issue #25)
#
# Each is a valid workbook (a county's, or a 综合查询 form) with one part replaced by a few
# hundred kilobytes of zip that inflate to 90–250 MB of XML: tiny elements, tens of millions
# of them. Every part stays below the declared-size limit, so only a reader that counts what
# the parts hold while they stream can stop them.

_SST_HEAD = f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{_NS}">'.encode()


def _repeat(unit: bytes, times: int, block: int = 1 << 16) -> Iterable[bytes]:
    chunk = unit * block
    for _ in range(times // block):
        yield chunk
    yield unit * (times % block)


def _shared_string_children(old: bytes | None, n: int = 60_000_000) -> Iterable[bytes]:
    """One ``<si>`` whose text is ``S01``, then ``n`` empty elements inside it."""
    yield _SST_HEAD + b"<si><t>S01</t>"
    yield from _repeat(b"<r/>", n)
    yield b"</si></sst>"


def _styles_xf(old: bytes | None, n: int = 13_000_000) -> Iterable[bytes]:
    """A styles part of ``n`` cell formats."""
    yield f'<?xml version="1.0" encoding="UTF-8"?><styleSheet xmlns="{_NS}"><cellXfs>'.encode()
    yield from _repeat(b"<xf/>", n)
    yield b"</cellXfs></styleSheet>"


def _tiny_strings(old: bytes | None, n: int = 12_000_000) -> Iterable[bytes]:
    """A shared-strings part of ``n`` one-letter strings (``S01`` first, so cells still refer to it)."""
    yield _SST_HEAD + b"<si><t>S01</t></si>"
    yield from _repeat(b"<si><t>a</t></si>", n)
    yield b"</sst>"


def _row_cells(old: bytes | None, n: int = 23_000_000) -> Iterable[bytes]:
    """The sheet with ``n`` cells ``A1`` inserted at the start of its first row."""
    assert old is not None
    start = old.index(b"<row")
    end = old.index(b">", start) + 1
    yield old[:end]
    yield from _repeat(b'<c r="A1"/>', n)
    yield old[end:]


def _rows_below(old: bytes | None, n: int = 15_000_000) -> Iterable[bytes]:
    """The sheet with ``n`` empty rows below its last one."""
    assert old is not None
    head, tail = old.split(b"</sheetData>", 1)
    yield head
    yield from _repeat(b"<row/>", n)
    yield b"</sheetData>" + tail


def _workbook_sheets(old: bytes | None, n: int = 4_500_000) -> Iterable[bytes]:
    """The workbook part with ``n`` more entries in its list of sheets."""
    assert old is not None
    head, tail = old.split(b"<sheets>", 1)
    yield head + b"<sheets>"
    yield from _repeat(b'<sheet name="s" sheetId="1" r:id="rId1"/>', n)
    yield tail


#: bomb name → (the part it replaces, the maker of its new content from the old one, the
#: words the error names it by)
SMALL_XML_BOMBS = {
    "shared_strings_60m_children": (
        "xl/sharedStrings.xml",
        _shared_string_children,
        "more than 10,000 elements",
    ),
    "styles_13m_xf": ("xl/styles.xml", _styles_xf, "more than 65,490 cell formats"),
    "row_of_23m_cells": ("xl/worksheets/sheet1.xml", _row_cells, "more than 16,384 cells in one row"),
    "workbook_4_5m_sheets": ("xl/workbook.xml", _workbook_sheets, "more than 300 sheets"),
    "tiny_shared_strings": ("xl/sharedStrings.xml", _tiny_strings, "more than 2,000,000 shared strings"),
    "rows_15m_below": ("xl/worksheets/sheet1.xml", _rows_below, "more than 1,048,576 rows"),
}


def replace_part(src: Path, dst: Path, part: str, maker) -> Path:
    """A copy of the workbook ``src`` with ``part`` (added if missing) made by ``maker(old bytes)``."""
    with (
        zipfile.ZipFile(src) as zin,
        zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zout,
    ):
        names = zin.namelist()
        for name in names:
            if name != part:
                zout.writestr(name, zin.read(name))
        old = zin.read(part) if part in names else None
        with zout.open(part, "w", force_zip64=True) as fh:
            for chunk in maker(old):
                fh.write(chunk)
    return dst


def county_workbook(path: Path) -> Path:
    """The tiny county as a workbook that reads its shared strings and its styles.

    The schools sheet's first ``S01`` is a shared string and the sections sheet's first year a
    number with a cell format, so a county's reader opens both parts.
    """
    sheets = tiny_sheets()
    sheets["schools"] = sheets["schools"].replace(
        b'<c r="A2" t="inlineStr"><is><t>S01</t></is></c>', b'<c r="A2" t="s"><v>0</v></c>', 1
    )
    sheets["sections"] = sheets["sections"].replace(
        b'<c r="B2" t="inlineStr"><is><t>2024</t></is></c>', b'<c r="B2" s="1"><v>2024</v></c>', 1
    )
    styles = (
        f'<?xml version="1.0" encoding="UTF-8"?><styleSheet xmlns="{_NS}">'
        '<cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="1"/></cellXfs></styleSheet>'
    ).encode()
    strings = _SST_HEAD + b"<si><t>S01</t></si></sst>"
    return write_xlsx(path, sheets, {"xl/sharedStrings.xml": strings, "xl/styles.xml": styles})


def small_xml_bomb(base: Path, dst: Path, bomb: str) -> Path:
    """The workbook ``base`` (:func:`county_workbook`, or a 综合查询 form) turned into ``bomb``."""
    part, maker, _ = SMALL_XML_BOMBS[bomb]
    return replace_part(base, dst, part, maker)
