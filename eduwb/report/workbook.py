"""The report's Excel workbook: every table the notebooks showed, one sheet each, after an index."""

from __future__ import annotations

import io
import json
import os
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from eduwb._files import pin_zip_dates
from eduwb.data.workbook import display_width
from eduwb.present.safe import xlsx_text_cells
from eduwb.present.words import REPORT_TEXT
from eduwb.report.jobs import eduwb_version

# ---- the workbook ---------------------------------------------------------------------------
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def sheet_name(title: str, used: set[str]) -> str:
    """An Excel sheet name from a table title: ≤ 31 characters, legal, unique (case-insensitive)."""
    base = _SHEET_FORBIDDEN.sub("_", str(title)).strip().strip("'") or "table"
    if base.lower() == "history":
        base = "history_"
    name = base[:31]
    n = 1
    while name.lower() in used:
        n += 1
        suffix = f" ({n})"
        name = base[: 31 - len(suffix)] + suffix
    used.add(name.lower())
    return name


def write_tables_xlsx(
    tables: list[dict[str, Any]],
    target: str | os.PathLike[str],
    *,
    lang: str = "zh",
    created: datetime | None = None,
) -> None:
    """Write each table to its own sheet, after an index sheet; headers as displayed.

    ``tables`` are the payloads of ``eduwb.present.show_table`` (``name``, ``title``,
    ``columns``, ``data``), each with the ``chapter`` it appeared in.  With ``created``
    given, the file's dates are that moment, so the same tables give the same bytes.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    text = REPORT_TEXT[lang]
    wb = Workbook()
    index = wb.active
    index.title = text["sheet_index"]
    used = {index.title.lower()}
    header_font = Font(bold=True)
    header_fill = PatternFill("solid", fgColor="EEF2F7")
    index.append(text["index_header"])
    for i, table in enumerate(tables, start=1):
        title = str(table.get("title") or table.get("name") or f"table {i}")
        name = sheet_name(title, used)
        ws = wb.create_sheet(name)
        columns = [str(c) for c in table.get("columns", [])]
        ws.append(columns)
        xlsx_text_cells(ws[1])
        # ws[ws.max_row] is the row just appended, but max_row and max_column scan every cell of
        # the sheet each time; count them instead (the same cells, without the quadratic cost)
        width = max(1, len(columns))
        for number, row in enumerate(table.get("data", []), start=2):
            ws.append([_excel_value(v) for v in row])
            width = max(width, len(row))
            xlsx_text_cells(next(ws.iter_rows(min_row=number, max_row=number, max_col=width)))
        for cell in ws[1]:
            cell.font = header_font
            cell.fill = header_fill
            cell.alignment = Alignment(wrap_text=True, vertical="bottom")
        ws.freeze_panes = "A2"
        for col, header in enumerate(columns, start=1):
            sample = [header] + [r[col - 1] for r in table.get("data", [])[:200] if len(r) >= col]
            width = max(display_width(v) for v in sample)
            ws.column_dimensions[get_column_letter(col)].width = min(60, max(8, width + 2))
        index.append([i, name, title, str(table.get("chapter", "")), table_command(table)])
        xlsx_text_cells(index[i + 1])
        link = index.cell(row=i + 1, column=2)
        link.hyperlink = f"#'{name}'!A1"
        link.style = "Hyperlink"
    for cell in index[1]:
        cell.font = header_font
        cell.fill = header_fill
    for col, width in zip("ABCDE", (6, 34, 50, 40, 40), strict=True):
        index.column_dimensions[col].width = width
    index.freeze_panes = "A2"
    when = (created or datetime.now(UTC)).astimezone(UTC).replace(tzinfo=None)  # xlsx dates are UTC
    wb.properties.creator = f"eduwb {eduwb_version()}"
    wb.properties.created = when
    wb.properties.modified = when
    wb.properties.lastModifiedBy = "eduwb"
    buffer = io.BytesIO()
    wb.save(buffer)
    content = buffer.getvalue() if created is None else pin_zip_dates(buffer.getvalue(), when)
    Path(target).write_bytes(content)


def table_command(table: dict[str, Any]) -> str:
    """The ``eduwb table`` command giving a shown table (its registry name and options)."""
    name = table.get("name")
    if not name:
        return ""
    parts = [f"eduwb table {name}"]
    for key, value in (table.get("options") or {}).items():
        parts.append(f"--by {value}" if key == "by" else f"--param {key}={value}")
    return " ".join(parts)


def _excel_value(value: Any) -> Any:
    if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
        return None
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return value
