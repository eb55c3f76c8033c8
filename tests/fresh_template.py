"""A fresh workbook as an analyst makes one: ``eduwb template``, then filled in, then named.

Shared by the end-to-end tests of the analyst's path (``test_template_e2e.py``: validate and
report from the command line; ``test_browser.py``: the chapters in JupyterLab and the dashboard
in Voilà). The template's sheets are filled cell by cell with openpyxl from the sample county's
CSV files — Chinese labels for codes, 是/否 for yes/no, numbers as numbers, as a person types
them — keeping the rows of ``FIRST_YEAR`` on (rotation eligibility looks one year back).
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
from openpyxl import load_workbook

from eduwb.cli import main
from eduwb.data.schema import TABLES

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample"
YEAR = 2025
#: rows of the years before YEAR kept in the filled workbooks (rotation eligibility looks one year back)
FIRST_YEAR = YEAR - 1
#: the tables every workbook has
REQUIRED = ("schools", "sections", "facilities")


def cell(col, value):
    """A value as a person types it into the template: labels for codes, 是/否, numbers."""
    if pd.isna(value):
        return None
    if col.dtype == "enum":
        return col.enum[value]
    if col.dtype == "bool":
        return "是" if str(value).strip().lower() in ("true", "1", "是", "yes") else "否"
    if col.dtype == "int":
        return int(value)
    if col.dtype == "number":
        return float(value)
    return str(value)


def fill(workbook: Path, tables: tuple[str, ...]) -> None:
    """Fill the template's sheets of ``tables`` (and the required ones) from the sample's CSV files."""
    wb = load_workbook(workbook)
    for name in (*REQUIRED, *tables):
        table = TABLES[name]
        frame = pd.read_csv(SAMPLE / f"{name}.csv", dtype=str, keep_default_na=False, na_values=[""])
        if "year" in frame.columns:
            frame = frame[frame["year"].astype(int) >= FIRST_YEAR]
        ws = wb[table.zh]
        assert [c.value for c in ws[1]] == [c.zh for c in table.columns]
        for r, row in enumerate(frame.itertuples(index=False), start=2):
            record = row._asdict()
            for i, col in enumerate(table.columns, start=1):
                ws.cell(row=r, column=i, value=cell(col, record.get(col.name)))
    wb.save(workbook)


def name_county(workbook: Path, county: str) -> None:
    """Give the county its name in the settings file ``eduwb template`` wrote beside the workbook."""
    settings = workbook.with_suffix(".toml")
    text = settings.read_text(encoding="utf-8")
    settings.write_text(re.sub(r'^name = ".*"$', f'name = "{county}"', text, flags=re.M), encoding="utf-8")


def fresh_workbook(workbook: Path, tables: tuple[str, ...], county: str) -> Path:
    """``eduwb template workbook``, its sheets of ``tables`` (and the required ones) filled, the
    county named ``county``: the workbook's path (its settings are beside it, ``.toml``)."""
    workbook.parent.mkdir(parents=True, exist_ok=True)
    assert main(["template", str(workbook)]) == 0
    fill(workbook, tables)
    name_county(workbook, county)
    return workbook
