"""End-to-end: the real notebooks 00–03 on one year of the sample, as `make report` runs them."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pandas as pd
import pytest

from eduwb import report

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample"
NOTEBOOKS = ROOT / "notebooks"


def county_notebooks() -> list[Path]:
    """The chapters of a county report: the numbered notebooks that are not province notebooks."""
    from eduwb.report.command import notebook_scope
    from eduwb.report.jobs import PROVINCE_SCOPE

    return [nb for nb in sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")) if notebook_scope(nb) != PROVINCE_SCOPE]


def first_heading(notebook: Path) -> str:
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    for cell in cells:
        if cell["cell_type"] == "markdown":
            for line in "".join(cell["source"]).splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    raise AssertionError(f"{notebook.name} has no level-1 heading")


@pytest.mark.slow
def test_real_notebooks_make_a_report_for_one_year(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")  # 2026-01-01
    monkeypatch.delenv("EDUWB_NOTEBOOKS_DIR", raising=False)
    out = tmp_path / "reports"
    assert report.report_command([str(SAMPLE)], years="2025", out=str(out), workers=1) == 0, (
        capsys.readouterr()
    )
    folder = out / "示例县" / "2025"
    pdf = folder / "示例县_2025_优质均衡监测报告.pdf"
    xlsx = folder / "示例县_2025_tables.xlsx"
    assert pdf.is_file() and xlsx.is_file()
    assert sorted(p.name for p in (folder / "notebooks").iterdir()) == [p.name for p in county_notebooks()]
    assert "04_province.ipynb" not in {p.name for p in (folder / "notebooks").iterdir()}
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    flat = "".join(text.split())

    # every chapter, in order, and the printed date pinned by SOURCE_DATE_EPOCH
    titles = [first_heading(nb) for nb in county_notebooks()]
    toc = flat.find("目录")
    positions = [
        flat.find("".join(title.split()), toc) for title in titles
    ]  # listed in order in the contents
    assert all(p >= 0 for p in positions) and positions == sorted(positions), titles
    assert "2026年1月1日" in flat

    # the cover states the verdict and names the failing indicators
    from eduwb.analysis.scorecard import county_verdict
    from eduwb.data.dataset import load
    from eduwb.standards import load_standard

    verdict = county_verdict(load(SAMPLE), load_standard("moe-2017"), 2025)
    cover = "".join(text.split("\f")[0].split())
    assert "总体结论" in cover and ("未达到" in cover) == (not verdict["passed"])
    assert all(indicator in cover for indicator in verdict["failing"])

    # the number of classes per stage in 2025, counted here from classes.csv, is in the PDF and the workbook
    classes = pd.read_csv(SAMPLE / "classes.csv")
    this_year = classes[classes["year"] == 2025]
    primary = int((this_year["grade"] <= 6).sum())
    junior = int((this_year["grade"] >= 7).sum())
    from openpyxl import load_workbook

    sheet = load_workbook(xlsx)["各年各学段的班额分布（个班）"]
    header = [c.value for c in sheet[1]]
    rows = [dict(zip(header, r, strict=True)) for r in sheet.iter_rows(min_row=2, values_only=True)]
    counts = {r["学段"]: r["班级数"] for r in rows if r["学年"] == 2025}
    assert counts == {"小学": primary, "初中": junior}
    assert f"2025小学{primary}" in flat and f"2025初中{junior}" in flat

    # no code, no widgets, no teacher id on paper
    for absent in ["import ", "show_table(", "IntSlider", "vnd.eduwb", "Traceback"]:
        assert absent not in text
    teachers = pd.read_csv(SAMPLE / "teachers.csv", dtype=str)["teacher_id"].unique()
    assert not [t for t in teachers if t in text]

    # the scorecard's 32 rows take at most 3 pages (its header repeats on each of them)
    assert 1 <= pages_with(text, "维度名称数值标准值状态数据来源依据") <= 3


def pages_with(text: str, flat_words: str) -> int:
    """How many pages of ``text`` (pdftotext's, pages split by form feeds) hold ``flat_words``
    (white space ignored)."""
    return sum(flat_words in "".join(page.split()) for page in text.split("\f"))


def data_strings(folder: Path) -> set[str]:
    """Every text a county's files hold (names of schools, townships, the county, the titles
    its inputs quote as evidence), from the CSV files as written."""
    out: set[str] = set()
    for csv in folder.glob("*.csv"):
        frame = pd.read_csv(csv, dtype=str, keep_default_na=False)
        out |= {v for column in frame.columns for v in frame[column].unique() if v}
    import tomllib

    county = tomllib.loads((folder / "county.toml").read_text(encoding="utf-8"))
    out |= {v for v in county.values() if isinstance(v, str)}
    return out


@pytest.mark.slow
def test_the_english_report_is_english_but_for_the_data_s_names(tmp_path, monkeypatch, capsys):
    import re

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    monkeypatch.delenv("EDUWB_NOTEBOOKS_DIR", raising=False)
    out = tmp_path / "reports"
    code = report.report_command([str(SAMPLE)], years="2025", out=str(out), workers=1, lang="en")
    assert code == 0, capsys.readouterr()
    [pdf] = (out / "示例县" / "2025").glob("*.pdf")
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    # Chinese characters and Chinese punctuation (、（）：；，。“”《》…) only inside what the data
    # says: a school's name, the county's, the title of a document a county input quotes
    names = data_strings(SAMPLE)
    runs = set(re.findall(r"[\u2e80-\u9fff\u3000-\u303f\uff00-\uffef]+", text))
    assert runs, "the sample's school names print"
    foreign = sorted(r for r in runs if not any(r in name for name in names))
    assert foreign == [], foreign
    assert not runs & {"是", "否"}  # a county's yes or no answer is a word of the report's language
    # the scorecard's 32 rows take at most 4 pages
    assert 1 <= pages_with(text, "DimensionNameValue") <= 4


def test_every_markdown_cell_carries_its_english_translation():
    # a report with --lang en prints metadata["eduwb"]["en"] in place of the Chinese prose
    for notebook in sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")):
        cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
        for cell in cells:
            if cell["cell_type"] == "markdown":
                english = cell.get("metadata", {}).get("eduwb", {}).get("en", "")
                assert english.startswith("#"), (
                    f"{notebook.name}: {''.join(cell['source'])[:40]!r} has no translation"
                )


def test_english_report_prints_the_translation():
    import nbformat

    from eduwb.report.layout import chapter_from_notebook

    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_markdown_cell("# 班额\n\n说明")
    cell.metadata["eduwb"] = {"en": "# Class size\n\nNotes"}
    nb.cells.append(cell)
    assert chapter_from_notebook(nb, fallback_title="x", lang="en").title == "Class size"
    assert chapter_from_notebook(nb, fallback_title="x", lang="zh").title == "班额"
