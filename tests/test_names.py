"""Issue #25: every name shown goes through one check (``eduwb.names``), whatever its source.

A county named after its folder (no ``county.toml``) may hold an ``ESC[2J`` that clears the
terminal, a right-to-left override that shows another name, a newline, or a hundred
characters. Such a name is shown escaped and cut, in the terminal, the PDF and the
workbooks; a long name without spaces wraps on the cover instead of running off the page;
the report's appendix lists and hashes only the files eduwb reads.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from report_context import tiny_context

from eduwb import names
from eduwb.cli import main
from eduwb.data import limits
from eduwb.data.dataset import load

TINY = Path(__file__).parent / "fixtures" / "tiny"
HOSTILE = "县\x1b[2J\u202e名\n" + "A" * 110
# what a person sees instead: every hidden character as its escape, cut to the name limit
ESCAPED = ("县\\x1b[2J\\u202e名\\n" + "A" * 110)[: limits.MAX_NAME_CHARS - 1] + "…"
RAW = ("\x1b", "\u202e")


@pytest.fixture
def hostile_county(tmp_path) -> Path:
    folder = tmp_path / HOSTILE
    shutil.copytree(TINY, folder)
    return folder


def test_the_one_check():
    assert names.shown(HOSTILE) == ESCAPED and len(ESCAPED) == limits.MAX_NAME_CHARS
    assert names.name_problem(HOSTILE) is not None
    assert names.name_problem("城关县") is None
    assert names.shown("城关县") == "城关县"
    for ch in "\x00\x1b\x7f\x85\u200b\u200e\u202a\u202e\u2066\ufeff":
        assert names.escape_hidden(f"a{ch}b") == "a" + ch.encode("unicode_escape").decode() + "b"


def test_a_folder_name_is_shown_escaped_in_the_terminal(hostile_county, capsys):
    assert main(["validate", str(hostile_county)]) == 0
    out, err = capsys.readouterr()
    assert f"valid: {ESCAPED}: 4 schools" in out and out.startswith(f"通过：{ESCAPED}：4 所学校")
    assert "warning: " in err and "county.toml" in err
    assert not any(ch in out + err for ch in RAW)
    assert out.count("\n") == 1  # the newline of the name did not split the line


def test_errors_escape_bidi_overrides_in_file_names():
    from eduwb.errors import Problem

    shown = str(Problem("a\u202ecsv.exe", None, None, None, "rule"))
    assert "\\u202e" in shown and "\u202e" not in shown


def test_a_folder_name_is_shown_escaped_in_the_pdf(hostile_county, tmp_path):
    from eduwb.report.typeset import write_pdf

    ds = load(hostile_county, cache=False)
    assert ds.name == ESCAPED
    pdf = tmp_path / "r.pdf"
    write_pdf(tiny_context([("第一章", "<p>正文</p>")], county=ds.name), pdf)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert not any(ch in text for ch in RAW)
    flat = text.replace("\n", "")
    assert "县\\x1b[2J\\u202e名\\n" in flat and "A" * 60 in flat


def test_a_folder_name_is_shown_escaped_in_the_annotated_workbook(hostile_county, tmp_path, capsys):
    from openpyxl import load_workbook

    out = tmp_path / "annotated.xlsx"
    assert main(["validate", str(hostile_county), "--annotate", str(out)]) == 0
    capsys.readouterr()
    cells = [
        str(c)
        for ws in load_workbook(out, read_only=True).worksheets
        for row in ws.iter_rows(values_only=True)
        for c in row
        if c is not None
    ]
    assert any("县\\x1b[2J\\u202e名\\n" in c for c in cells), cells[:20]
    assert not any(ch in c for c in cells for ch in RAW)


def test_a_report_file_name_from_a_hostile_name_is_safe():
    from eduwb.report.jobs import safe_name

    name = safe_name(names.shown(HOSTILE))
    assert not any(ch in name for ch in RAW + ("\n", "/")) and len(name.encode()) <= 120


def test_a_long_unbreakable_county_name_wraps_on_the_cover(tmp_path):
    from eduwb.report.typeset import write_pdf

    county = "A" * 89
    pdf = tmp_path / "r.pdf"
    write_pdf(tiny_context([("第一章", "<p>正文</p>")], county=county), pdf)
    cover = subprocess.run(
        ["pdftotext", "-f", "1", "-l", "1", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "\u200b" not in cover  # wrapped without adding characters to the text
    runs = [line for line in cover.splitlines() if line and set(line) == {"A"}]
    assert len(runs) >= 2 and sum(map(len, runs)) >= 89  # the name is on the page, over several lines
    # and every line of it stays within the page: its words' boxes end before the right edge
    box = subprocess.run(
        ["pdftotext", "-bbox", "-f", "1", "-l", "1", str(pdf), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    import re

    width = float(re.search(r'<page width="([\d.]+)"', box).group(1))
    right = [float(m) for m in re.findall(r'<word xMin="[\d.]+" yMin="[\d.]+" xMax="([\d.]+)"', box)]
    assert right and max(right) <= width - 50  # within the right margin (22 mm, 62 pt)


def test_the_appendix_hashes_only_the_files_eduwb_reads(tmp_path):
    from eduwb.report.jobs import data_files

    folder = tmp_path / "county"
    shutil.copytree(TINY, folder)
    (folder / "county.toml").write_text('name = "城关县"\n', encoding="utf-8")
    with open(folder / "backup.img", "wb") as fh:  # 8 GB, sparse: hashing it would take half a minute
        fh.truncate(8 << 30)
    (folder / "notes\u202etxt.exe").write_text("x", encoding="utf-8")
    listed = [name for name, _size, _sha in data_files(folder)]
    assert listed == ["county.toml", "schools.csv", "sections.csv", "facilities.csv"]
    # a workbook and the settings beside it, nothing else of its folder
    book = tmp_path / "book"
    book.mkdir()
    import hostile

    hostile.county_workbook(book / "X.xlsx")
    (book / "other.csv").write_text("x\n", encoding="utf-8")
    assert [name for name, _s, _h in data_files(book / "X.xlsx")] == ["X.xlsx"]
    assert os.path.getsize(folder / "backup.img") == 8 << 30
