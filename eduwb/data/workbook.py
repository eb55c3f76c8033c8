"""Small openpyxl helpers shared by the workbook to fill in and the annotated copy."""

from __future__ import annotations

import io
import os
import unicodedata
from pathlib import Path
from typing import Any

from eduwb._files import atomic_write_bytes, file_time, pin_zip_dates

FORMULA_STARTS = ("=", "+", "-", "@")
#: fills (ARGB without alpha) for problems, as Excel's own conditional-format colours
ERROR_FILL = "FFC7CE"
WARNING_FILL = "FFEB9C"
HEADER_FILL = "DDEBF7"
#: the template's headers: required columns dark blue with white bold text, optional ones light
#: grey with grey text (told apart at a glance, and in print; a legend on the 说明 sheet says so)
REQUIRED_HEADER_FILL = "1F4E78"
REQUIRED_HEADER_FONT = "FFFFFF"
OPTIONAL_HEADER_FILL = "EDEDED"
OPTIONAL_HEADER_FONT = "595959"
COPIED_FILL = "FFF9DB"


def set_cell(cell, value: Any) -> None:
    """Put ``value`` in ``cell``; text always stays text: one starting as a formula would (``=``,
    or ``+ - @`` once edited in Excel) gets Excel's quote prefix."""
    if isinstance(value, str):
        cell.value = value
        if value.startswith(FORMULA_STARTS):
            cell.data_type = "s"
            cell.quotePrefix = True
    else:
        cell.value = value


def display_width(value: Any) -> int:
    """Width of a value in Excel columns: a CJK character takes two."""
    text = "" if value is None else str(value)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def fill(color: str):
    from openpyxl.styles import PatternFill

    return PatternFill("solid", fgColor=color)


def quoted_sheet(name: str) -> str:
    """A sheet name as a formula or hyperlink reference: ``'学段情况'`` (quotes doubled)."""
    return "'" + name.replace("'", "''") + "'"


def link_to(cell, sheet: str, ref: str = "A1") -> None:
    """Make ``cell`` a link to ``ref`` on ``sheet`` of the same workbook."""
    from openpyxl.worksheet.hyperlink import Hyperlink

    cell.hyperlink = Hyperlink(ref=cell.coordinate, location=f"{quoted_sheet(sheet)}!{ref}")
    cell.style = "Hyperlink"


def save_workbook(wb, target: str | os.PathLike[str], *, creator: str = "eduwb") -> Path:
    """Save ``wb`` to ``target`` atomically, dated ``$SOURCE_DATE_EPOCH`` (then zip dates too) or now."""
    when, fixed = file_time()
    wb.properties.creator = wb.properties.lastModifiedBy = creator
    wb.properties.created = wb.properties.modified = when
    buffer = io.BytesIO()
    wb.save(buffer)
    content = buffer.getvalue()
    if fixed:
        content = pin_zip_dates(content, when)
    return atomic_write_bytes(target, content)
