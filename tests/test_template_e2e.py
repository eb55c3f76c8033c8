"""End-to-end: the analyst's path from an empty ``eduwb template`` to a PDF, for every optional table.

A workbook is written by ``eduwb template``, filled cell by cell with openpyxl from the sample
county (Chinese labels for codes, 是/否 for yes/no, as a person fills it: ``fresh_template.py``,
shared with the browser test of the same path in ``test_browser.py``), then ``eduwb validate``
and ``eduwb report`` run on it. The cases: the three required tables only, each optional table
alone (rotations with the teachers they need), and every table. One ``eduwb report`` run makes
all their reports for one year.
"""

from __future__ import annotations

import pytest
from fresh_template import YEAR, fill, fresh_workbook

from eduwb.cli import main
from eduwb.data.schema import OPTIONAL_TABLES

#: case name → the optional tables filled in (the required three always are)
CASES = {
    "required": (),
    **{name: (name,) for name in OPTIONAL_TABLES if name != "rotations"},
    "rotations": ("teachers", "rotations"),  # rotations are checked against the teachers on the rolls
    "all": OPTIONAL_TABLES,
}


def _listed_tables(output: str) -> list[str]:
    line = next(line for line in output.splitlines() if "optional tables" in line)
    listed = line.split("optional tables:", 1)[1].split(";")[0].strip()
    return [] if listed == "none" else [t.strip() for t in listed.split(",")]


@pytest.mark.slow
@pytest.mark.e2e
def test_template_validate_report_for_every_optional_table(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")  # 2026-01-01
    monkeypatch.delenv("EDUWB_NOTEBOOKS_DIR", raising=False)
    workbooks = {}
    for case, tables in CASES.items():
        workbook = fresh_workbook(tmp_path / f"{case}.xlsx", tables, f"示例县{case}")
        capsys.readouterr()
        assert main(["validate", str(workbook)]) == 0, capsys.readouterr().err
        out = capsys.readouterr().out
        assert _listed_tables(out) == [t for t in OPTIONAL_TABLES if t in tables], (case, out)
        workbooks[case] = workbook

    out = tmp_path / "reports"
    code = main(["report", *map(str, workbooks.values()), "--years", str(YEAR), "--out", str(out)])
    assert code == 0, capsys.readouterr()
    for case in CASES:
        county = f"示例县{case}"
        pdf = out / county / str(YEAR) / f"{county}_{YEAR}_优质均衡监测报告.pdf"
        assert pdf.is_file() and pdf.stat().st_size > 10_000, case


@pytest.mark.slow
def test_rotations_without_teachers_are_refused_with_the_reason(tmp_path, capsys):
    workbook = tmp_path / "rotations_only.xlsx"
    assert main(["template", str(workbook)]) == 0
    fill(workbook, ("rotations",))
    capsys.readouterr()
    assert main(["validate", str(workbook)]) == 1
    err = capsys.readouterr().err
    assert "rotations need the teachers table" in err and "Traceback" not in err
