"""The annual report machinery (eduwb.report, eduwb.report.layout).

Fast tests check the pieces (years, sheet names, the workbook, what reaches paper, the
parameter check, atomic writes).  The slow ones build real PDFs from the tiny notebooks in
``tests/fixtures/notebooks`` (``EDUWB_NOTEBOOKS_DIR``), on ``data/sample`` and on small
county folders: end to end, a failing notebook, a batch with a broken county, a worker killed
mid-report, and the Dask path on a LocalCluster.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from eduwb import _files, report
from eduwb.errors import ParameterError
from eduwb.report import command, context, engine, jobs, workers
from eduwb.report import layout as pdf

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample"
TINY = Path(__file__).parent / "fixtures" / "tiny"
FIXTURE_NOTEBOOKS = Path(__file__).parent / "fixtures" / "notebooks"
TMP_MARK = ".tmp-"


# ---- helpers ------------------------------------------------------------------------------
def make_notebook(path: Path, body: list, parameters: str = 'data = "x"\nyear = None') -> Path:
    cell = new_code_cell(parameters)
    cell.metadata["tags"] = ["parameters"]
    nb = new_notebook(cells=[cell, *body])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(path))
    return path


def pdf_text(path: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def final_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file() and TMP_MARK not in p.name]


def temporaries(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if TMP_MARK in p.name]


def outline_titles(path: Path) -> list[str]:
    from pypdf import PdfReader

    titles: list[str] = []

    def walk(items):
        for item in items:
            if isinstance(item, list):
                walk(item)
            else:
                titles.append(item.title)

    walk(PdfReader(str(path)).outline)
    return titles


@pytest.fixture
def fixture_notebooks(monkeypatch):
    monkeypatch.setenv("EDUWB_NOTEBOOKS_DIR", str(FIXTURE_NOTEBOOKS))
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    return FIXTURE_NOTEBOOKS


@pytest.fixture
def tiny_county(tmp_path):
    """A valid two-school county with one year (2024), named by its folder."""
    folder = tmp_path / "data" / "tiny"
    shutil.copytree(TINY, folder)
    return folder


def broken_copy(src: Path, dest: Path) -> Path:
    shutil.copytree(src, dest)
    sections = pd.read_csv(dest / "sections.csv", dtype=str)
    sections.loc[0, "students"] = "-5"  # the data dictionary: students > 0
    sections.to_csv(dest / "sections.csv", index=False)
    return dest


# ---- fast: the pieces ----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("spec", "years"),
    [
        ("2024", [2024]),
        ("2021-2023", [2021, 2022, 2023]),
        ("2021,2023-2024", [2021, 2023, 2024]),
        (" 2022 ", [2022]),
    ],
)
def test_parse_years(spec, years):
    assert command.parse_years(spec) == years


@pytest.mark.parametrize("spec", ["24", "2025-2021", "2021..2025", "abc", ""])
def test_parse_years_refuses_nonsense(spec):
    with pytest.raises(ParameterError):
        command.parse_years(spec)


def test_report_parameter_messages_are_chinese_then_english(capsys):
    """Issue #23: the report command's own refusals, as eduwb prints them (words written by hand)."""
    from eduwb.cli import main

    assert main(["report", "x", "--years", "2025-2021"]) == 2
    assert capsys.readouterr().err == (
        "eduwb: error: --years：范围 2025-2021 前大后小 / --years: range 2025-2021 runs backwards\n"
    )
    with pytest.raises(ParameterError, match=r"^--years：'abc' 不是年份.* / --years: 'abc' is not a year"):
        command.parse_years("abc")


def test_sheet_names_are_legal_short_and_unique():
    used: set[str] = set()
    long_title = "各校资源配置七项指标达标情况与差距测算（小学与初中分列，含教学点）"
    names = [
        context.sheet_name(t, used)
        for t in [long_title, long_title, "R1/R2: [比]*?", "history", "", "TABLE", "table"]
    ]
    assert all(0 < len(n) <= 31 for n in names)
    assert len({n.lower() for n in names}) == len(names)
    assert not any(ch in n for n in names for ch in "[]:*?/\\")
    assert names[0] == long_title[:31]
    assert names[1].endswith("(2)")
    assert names[3].lower() != "history"


def test_workbook_has_one_sheet_per_table_with_headers_as_displayed(tmp_path):
    from openpyxl import load_workbook

    tables = [
        {
            "name": "by_stage",
            "title": "2025年各学段规模",
            "columns": ["学段", "在校生数"],
            "data": [["小学", 22093], ["初中", None]],
            "chapter": "概况",
        },
        {
            "name": "gaps",
            "title": "缺口",
            "columns": ["学校名称", "数值"],
            "data": [["=cmd()", float("nan")], ["甲校", 1.5]],
            "chapter": "差距",
        },
    ]
    target = tmp_path / "t.xlsx"
    context.write_tables_xlsx(tables, target, lang="zh")
    wb = load_workbook(target)
    assert wb.sheetnames == ["目录", "2025年各学段规模", "缺口"]
    ws = wb["2025年各学段规模"]
    assert [c.value for c in ws[1]] == ["学段", "在校生数"]
    assert [c.value for c in ws[2]] == ["小学", 22093]
    assert ws["B3"].value is None
    gaps = wb["缺口"]
    # never a formula: text as written, with Excel's quote prefix (no apostrophe added to the value)
    assert gaps["A2"].value == "=cmd()" and gaps["A2"].data_type == "s" and gaps["A2"].quotePrefix
    assert gaps["B2"].value is None  # NaN is not a number Excel can hold
    assert [c.value for c in wb["目录"][2]] == [
        1,
        "2025年各学段规模",
        "2025年各学段规模",
        "概况",
        "eduwb table by_stage",
    ]


def test_workbook_bytes_are_reproducible_with_a_fixed_date(tmp_path):
    from datetime import UTC, datetime

    when = datetime(2026, 1, 1, tzinfo=UTC)
    tables = [{"name": "a", "title": "甲", "columns": ["x"], "data": [[1]]}]
    context.write_tables_xlsx(tables, tmp_path / "a.xlsx", created=when)
    time.sleep(1.1)
    context.write_tables_xlsx(tables, tmp_path / "b.xlsx", created=when)
    assert (tmp_path / "a.xlsx").read_bytes() == (tmp_path / "b.xlsx").read_bytes()


def test_a_chapter_keeps_only_what_belongs_on_paper():
    shown = {
        "caption": "表",
        "labels": ["甲"],
        "rows": [["1"]],
        "numeric": [True],
        "nowrap": [True],
        "styles": [],
    }
    table_payload = {"name": "t", "title": "表", "columns": ["甲"], "data": [[1]], "view": shown}
    code = new_code_cell("x")
    code.outputs = [
        new_output("stream", name="stderr", text="FutureWarning: something"),
        new_output("stream", name="stdout", text="printed\n"),
        new_output(
            "display_data",
            data={"text/plain": "IntSlider(value=1)", pdf.WIDGET_VIEW_MIME: {"model_id": "abc"}},
        ),
        new_output(
            "display_data",
            data={"text/html": "<table></table>", "text/plain": "[表]", pdf.TABLE_MIME: table_payload},
        ),
        new_output(
            "execute_result", data={"text/plain": "<Figure size 640x480 with 1 Axes>"}, execution_count=1
        ),
        new_output(
            "execute_result", data={"text/plain": "[<matplotlib.lines.Line2D at 0x7f00>]"}, execution_count=1
        ),
        new_output("display_data", data={"application/javascript": "alert(1)", "text/plain": ""}),
    ]
    silent = new_code_cell("y = 1")
    removed = new_code_cell("z")
    removed.metadata["tags"] = ["remove-cell"]
    removed.outputs = [new_output("stream", name="stdout", text="hidden")]
    hidden = new_code_cell("show_table(…)")
    hidden.metadata["tags"] = ["remove-output"]
    hidden.outputs = [new_output("display_data", data={pdf.TABLE_MIME: {**table_payload, "name": "u"}})]
    nb = new_notebook(
        cells=[new_markdown_cell("# 标题\n\n正文"), code, silent, removed, hidden, new_markdown_cell("  ")]
    )
    chapter = pdf.chapter_from_notebook(nb, fallback_title="x", chapter_id="ch1")
    assert chapter.title == "标题"
    assert [b["t"] for b in chapter.blocks] == ["p", "pre", "table"]
    assert chapter.blocks[1]["v"] == "printed"
    assert chapter.blocks[2]["body"] == [[{"c": ["1"], "align": "right", "nw": True}]]
    # the workbook's tables: the data of every table shown, also where the output is not printed
    data = {k: v for k, v in table_payload.items() if k != "view"}
    assert chapter.tables == [{**data, "chapter": "标题"}, {**data, "name": "u", "chapter": "标题"}]
    assert len(nb.cells[1].outputs) == 7 and "view" in table_payload  # the notebook is left alone


def test_title_is_the_first_heading_from_markdown_or_output():
    def chapter(*cells):
        return pdf.chapter_from_notebook(new_notebook(cells=list(cells)), fallback_title="备用")

    found = chapter(
        new_markdown_cell("引言\n\n```\n# 代码\n```\n# 第一个标题"), new_markdown_cell("# 第二个")
    )
    assert found.title == "第一个标题"
    assert [b["t"] for b in found.blocks] == ["p", "pre", "h"]
    found = chapter(new_markdown_cell("## **资源** 配置 \\*x\\*\n正文"))
    assert found.title == "资源 配置 *x*" and found.blocks == [{"t": "p", "c": ["正文"]}]
    cell = new_code_cell("heading()")
    cell.outputs = [
        new_output("display_data", data={"text/markdown": "# 班额\n", "text/plain": "<Markdown>"})
    ]
    assert chapter(cell).title == "班额" and chapter(cell).blocks == []
    assert chapter(new_markdown_cell("正文")).title == "备用"


def test_png_size_reads_resolution():
    import base64
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (300, 150)).save(buf, format="PNG", dpi=(150, 150))
    width, height, dpi = pdf.png_size(base64.b64encode(buf.getvalue()).decode())
    assert (width, height) == (300, 150)
    assert dpi == pytest.approx(150, abs=0.1)
    output = new_output("display_data", data={"image/png": base64.b64encode(buf.getvalue()).decode()})
    [image] = pdf.output_blocks(output)
    assert image["width"] == 144  # 300 px at 150 dpi is 2 in = 192 CSS px = 144 pt


def test_short_cells_do_not_wrap():
    from eduwb.report.layout import table_blocks

    shown = {
        "caption": None,
        "labels": ["学段", "原因说明很长很长很长的一段文字"],
        "rows": [["小学", "补足到标准值的85%（允许一项）"]],
        "numeric": [False, False],
        "nowrap": [False, False],
        "styles": [],
    }
    [table] = table_blocks(shown)
    assert [c.get("nw", False) for c in table["head"][0] + table["body"][0]] == [True, False, True, False]


def test_a_misspelt_or_missing_parameter_is_refused(tmp_path):
    good = make_notebook(
        tmp_path / "01_good.ipynb", [], 'data = "x"\nyear = None\nlang = "zh"\ninteractive = True'
    )
    typo = make_notebook(tmp_path / "02_typo.ipynb", [], 'data = "x"\nyaer = None')
    none = tmp_path / "03_none.ipynb"
    nbformat.write(new_notebook(cells=[new_code_cell("data = 1")]), str(none))
    with pytest.raises(ParameterError) as err:
        command.check_notebook_parameters([good, typo, none])
    message = str(err.value)
    assert "02_typo.ipynb" in message and "'year'" in message and "'yaer'" in message
    assert "03_none.ipynb" in message and "parameters" in message
    assert "01_good" not in message
    specs = command.check_notebook_parameters([good])
    assert specs[0].parameters == ("data", "year", "lang", "interactive")
    with pytest.raises(ParameterError, match="'standard'"):
        command.check_notebook_parameters([good], standard="moe-2012")
    with pytest.raises(ParameterError, match="02_typo.ipynb.*'lang'"):
        command.check_notebook_parameters([typo], lang="en")


def test_notebooks_default_to_the_numbered_ones_in_order(tmp_path, monkeypatch):
    for name in ["10_b.ipynb", "02_a.ipynb", "scratch.ipynb", "1_x.ipynb"]:
        make_notebook(tmp_path / name, [])
    monkeypatch.setenv("EDUWB_NOTEBOOKS_DIR", str(tmp_path))
    assert [p.name for p in command.resolve_notebooks()] == ["02_a.ipynb", "10_b.ipynb"]
    assert command.resolve_notebooks([str(tmp_path / "scratch.ipynb")])[0].name == "scratch.ipynb"
    assert [p.name for p in command.resolve_notebooks(["10_b", "02_a.ipynb"])] == ["10_b.ipynb", "02_a.ipynb"]
    with pytest.raises(ParameterError):
        command.resolve_notebooks([str(tmp_path / "missing.ipynb")])


def test_atomic_path_never_leaves_a_partial_file(tmp_path):
    final = tmp_path / "out" / "r.pdf"
    with pytest.raises(RuntimeError), _files.atomic_path(final) as tmp:
        tmp.write_bytes(b"%PDF-half")
        raise RuntimeError("interrupted")
    assert not final.exists() and list((tmp_path / "out").iterdir()) == []
    with _files.atomic_path(final) as tmp:
        assert tmp.parent == final.parent and tmp.name.startswith(".") and tmp.suffix == ".pdf"
        tmp.write_bytes(b"%PDF-whole")
    assert final.read_bytes() == b"%PDF-whole" and list((tmp_path / "out").iterdir()) == [final]


def test_summary_lists_each_report_and_the_full_reasons(capsys):
    results = [
        jobs.ReportResult(
            "乙县", 2024, "failed", 1.0, "invalid data:\nsections.csv row 2: students must be > 0"
        ),
        jobs.ReportResult("甲县", 2024, "ok", 12.34, "reports/甲县/2024/甲县_2024_优质均衡监测报告.pdf"),
    ]
    command.print_summary(results)
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0].split() == [
        "县",
        "county",
        "年",
        "year",
        "状态",
        "status",
        "秒",
        "seconds",
        "输出或原因",
        "output",
        "/",
        "reason",
    ]
    assert re.search(r"甲县\s+2024\s+ok\s+12\.3\s+reports/甲县", out)
    assert re.search(r"乙县\s+2024\s+failed\s+1\.0\s+invalid data: …", out)
    assert "\n完成 1，失败 1 / 1 ok, 1 failed\n" in out
    assert "sections.csv row 2: students must be > 0" in out


# ---- slow: real reports ----------------------------------------------------------------------
@pytest.mark.slow
def test_end_to_end_report_for_one_year_of_the_sample(tmp_path, fixture_notebooks, capsys):
    if not (SAMPLE / "sections.csv").exists():
        pytest.skip("data/sample not generated")
    out = tmp_path / "reports"
    code = report.report_command([str(SAMPLE)], years="2025", out=str(out), workers=1)
    assert code == 0, capsys.readouterr().out
    folder = out / "示例县" / "2025"
    pdf_path = folder / "示例县_2025_优质均衡监测报告.pdf"
    xlsx_path = folder / "示例县_2025_tables.xlsx"
    assert pdf_path.is_file() and xlsx_path.is_file()
    assert sorted(p.name for p in (folder / "notebooks").iterdir()) == [
        "01_overview.ipynb",
        "02_class_size.ipynb",
    ]
    assert temporaries(out) == []

    text = pdf_text(pdf_path)
    flat = "".join(text.split())
    # Chapter titles: the first heading of each notebook (a Markdown cell, a heading() output).
    for title in ["学校与学生概况", "各校班额"]:
        assert title in flat
    assert "目录" in flat and "附录" in flat
    pages = len(__import__("pypdf").PdfReader(str(pdf_path)).pages)
    assert f"第2页/共{pages}页" in flat and f"第{pages}页/共{pages}页" in flat
    # A number both the PDF and the workbook show, computed here from the CSV.
    sections = pd.read_csv(SAMPLE / "sections.csv")
    junior = int(sections[(sections["year"] == 2025) & (sections["stage"] == "junior")]["students"].sum())
    shown = f"{junior:,}" if junior >= 10000 else str(junior)
    assert shown in flat
    from openpyxl import load_workbook

    wb = load_workbook(xlsx_path)
    sheet = wb["2025年各学段规模"]
    assert [c.value for c in sheet[1]] == ["学段", "在校生数", "班级数", "专任教师数"]
    assert {r[0]: r[1] for r in sheet.iter_rows(min_row=2, values_only=True)}["junior"] == junior
    assert len(wb.sheetnames) == 3  # the index and the two tables
    # What must not reach paper: code, stderr, widgets, the raw table payload.
    for absent in [
        "import ",
        "show_table(",
        "must not reach the report",
        "IntSlider",
        "vnd.eduwb",
        "Traceback",
    ]:
        assert absent not in text
    teachers = pd.read_csv(SAMPLE / "teachers.csv", dtype=str)["teacher_id"].unique()
    assert not [t for t in teachers if t in text], "a teacher id reached the PDF"
    titles = outline_titles(pdf_path)
    assert {"学校与学生概况", "各校班额", "目录"} <= set(titles)
    assert any(t.startswith("附录") for t in titles)
    sidecar = json.loads((folder / "report.json").read_text(encoding="utf-8"))
    assert sidecar["status"] == "ok" and sidecar["chapters"] == ["学校与学生概况", "各校班额"]

    # Unchanged inputs: the rerun skips the report; a changed notebook rebuilds it.
    capsys.readouterr()
    before = pdf_path.stat().st_mtime_ns
    assert report.report_command([str(SAMPLE)], years="2025", out=str(out), workers=1) == 0
    assert "up-to-date" in capsys.readouterr().out
    assert pdf_path.stat().st_mtime_ns == before


@pytest.mark.slow
def test_source_date_epoch_makes_reports_byte_identical(
    tmp_path, tiny_county, fixture_notebooks, monkeypatch
):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")  # 2026-01-01T00:00:00Z
    outputs = []
    for run in ("a", "b"):
        out = tmp_path / run
        assert report.report_command([str(tiny_county)], out=str(out), workers=1, force=True) == 0
        folder = out / "tiny" / "2024"
        outputs.append(
            [
                (folder / name).read_bytes()
                for name in ("tiny_2024_优质均衡监测报告.pdf", "tiny_2024_tables.xlsx")
            ]
        )
    assert outputs[0] == outputs[1]
    flat = "".join(pdf_text(tmp_path / "a" / "tiny" / "2024" / "tiny_2024_优质均衡监测报告.pdf").split())
    assert "2026年1月1日" in flat
    from pypdf import PdfReader

    assert (
        PdfReader(str(tmp_path / "a" / "tiny" / "2024" / "tiny_2024_优质均衡监测报告.pdf"))
        .metadata["/CreationDate"]
        .startswith("D:20260101")
    )


@pytest.mark.slow
def test_in_process_engine_gives_what_a_kernel_gives(tmp_path, tiny_county, fixture_notebooks, monkeypatch):
    """The warm in-process shell is only faster: same PDF and workbook, byte for byte, as kernels."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    outputs = {}
    for engine_choice in ("kernel", "inprocess"):
        monkeypatch.setenv("EDUWB_REPORT_ENGINE", engine_choice)
        out = tmp_path / engine_choice
        assert report.report_command([str(tiny_county)], out=str(out), workers=1) == 0
        folder = out / "tiny" / "2024"
        assert json.loads((folder / "report.json").read_text(encoding="utf-8"))["engines"] == [
            "kernel" if engine_choice == "kernel" else engine.ENGINE_NAME
        ]
        outputs[engine_choice] = [
            (folder / n).read_bytes() for n in ("tiny_2024_优质均衡监测报告.pdf", "tiny_2024_tables.xlsx")
        ]
    assert outputs["kernel"] == outputs["inprocess"]


@pytest.mark.slow
def test_failing_notebook_fails_its_report_and_is_kept(tmp_path, tiny_county, monkeypatch):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    books = tmp_path / "nb"
    books.mkdir()
    shutil.copy(FIXTURE_NOTEBOOKS / "01_overview.ipynb", books / "01_overview.ipynb")
    make_notebook(
        books / "02_fails.ipynb",
        [
            new_markdown_cell("# 会失败的一章"),
            new_code_cell(
                "from eduwb.errors import AnalysisError\nraise "
                "AnalysisError(f'学校 S01 在 {year} 年没有学生')"
            ),
        ],
    )
    out = tmp_path / "reports"
    results = workers.run_reports(
        [str(tiny_county)],
        years=[2024],
        options=command.prepare_options(out=str(out), notebooks=[str(books)]),
        workers=1,
    )
    (result,) = results
    assert result.status == "failed"
    assert (
        "02_fails.ipynb failed" in result.detail
        and "AnalysisError" in result.detail
        and "S01" in result.detail
    )
    kept = out / "tiny" / "2024" / "notebooks" / "02_fails.ipynb"
    assert kept.is_file()
    errors = [
        o for c in nbformat.read(str(kept), 4).cells for o in c.get("outputs", []) if o.output_type == "error"
    ]
    assert errors and errors[0].ename == "AnalysisError"
    assert not list((out / "tiny" / "2024").glob("*.pdf")) and not list(
        (out / "tiny" / "2024").glob("*.xlsx")
    )
    assert temporaries(out) == []


KILLER = (
    "import os, pathlib, time\n"
    "marker = os.environ.get('EDUWB_TEST_SLEEP_MARKER')\n"
    "if marker and os.path.basename(data) == os.environ.get('EDUWB_TEST_SLEEP_COUNTY'):\n"
    "    pathlib.Path(marker).write_text(str(os.getpid()))\n"
    "    time.sleep(120)"
)


@pytest.mark.slow
def test_batch_survives_a_broken_county_and_a_killed_worker_and_resumes(
    tmp_path, tiny_county, monkeypatch, capsys
):
    """Three counties on two worker processes: one valid, one whose data are invalid, and one
    whose worker is killed (twice: a lost piece is retried once) in the middle of a notebook."""
    books = tmp_path / "nb"
    books.mkdir()
    shutil.copy(FIXTURE_NOTEBOOKS / "01_overview.ipynb", books / "01_overview.ipynb")
    make_notebook(
        books / "02_sleeps.ipynb",
        [new_markdown_cell("# Sleeps"), new_code_cell(KILLER)],
        parameters='data = "x"\nyear = None\nlang = "zh"',
    )
    broken = broken_copy(TINY, tmp_path / "data" / "broken")
    victim = shutil.copytree(TINY, tmp_path / "data" / "victim")
    out = tmp_path / "reports"
    marker = tmp_path / "marker"
    env = {
        **os.environ,
        "EDUWB_NOTEBOOKS_DIR": str(books),
        "EDUWB_TEST_SLEEP_MARKER": str(marker),
        "EDUWB_TEST_SLEEP_COUNTY": "victim",
    }
    env.pop("SOURCE_DATE_EPOCH", None)
    data = [str(tiny_county), str(broken), str(victim)]
    script = (
        f"import sys\nfrom eduwb.report import report_command\nsys.exit(report_command({data!r}, "
        f"out={str(out)!r}, workers=2, lang='en'))"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", script], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    killed: set[int] = set()
    try:
        deadline = time.monotonic() + 150
        while len(killed) < 2 and time.monotonic() < deadline and proc.poll() is None:
            pid = int(marker.read_text() or 0) if marker.exists() else 0
            if pid and pid not in killed:
                os.kill(pid, signal.SIGKILL)  # the worker process executing the victim's notebook
                killed.add(pid)
            time.sleep(0.1)
        output, _ = proc.communicate(timeout=150)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert len(killed) == 2, output
    assert proc.returncode == 1, output
    assert re.search(r"broken\s+failed.*invalid data", output) and "students" in output
    assert re.search(r"victim\s+2024\s+failed.*died", output)
    # The valid county's report is complete despite its neighbours.
    good = out / "tiny" / "2024" / "tiny_2024_quality_balance_report.pdf"
    assert good.is_file() and (out / "tiny" / "2024" / "tiny_2024_tables.xlsx").is_file()
    flat = "".join(pdf_text(good).split())
    assert "Contents" in flat and re.search(r"Page\d+of\d+", flat)
    assert not (out / "broken").exists()
    # Nothing at a final path of the killed report but complete executed notebooks.
    victim_dir = out / "victim" / "2024"
    assert (
        not [p for p in final_files(out / "victim") if p.suffix != ".ipynb"] if victim_dir.exists() else True
    )
    for nb_file in final_files(out):
        if nb_file.suffix == ".ipynb":
            nbformat.read(str(nb_file), 4)  # parses: never truncated

    # Rerun: the valid report is up to date, the interrupted one is built, no temporary file remains.
    monkeypatch.setenv("EDUWB_NOTEBOOKS_DIR", str(books))
    monkeypatch.delenv("EDUWB_TEST_SLEEP_MARKER", raising=False)
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    capsys.readouterr()
    assert report.report_command([str(tiny_county), str(victim)], out=str(out), workers=1, lang="en") == 0
    printed = capsys.readouterr().out
    # (tiny is rebuilt instead when eduwb's own code changed in between: its fingerprint covers the code)
    assert re.search(r"tiny\s+2024\s+(up-to-date|ok)", printed) and re.search(r"victim\s+2024\s+ok", printed)
    assert (victim_dir / "victim_2024_quality_balance_report.pdf").is_file()
    assert temporaries(out) == []


@pytest.mark.slow
def test_dask_scheduler_runs_the_same_tasks(tmp_path, tiny_county, fixture_notebooks):
    from dask.distributed import LocalCluster

    out = tmp_path / "reports"
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None) as cluster:
        code = report.report_command([str(tiny_county)], out=str(out), scheduler=cluster.scheduler_address)
    assert code == 0
    assert (out / "tiny" / "2024" / "tiny_2024_优质均衡监测报告.pdf").is_file()
    assert (out / "tiny" / "2024" / "tiny_2024_tables.xlsx").is_file()


def _children(pid: int) -> list[int]:
    """The live child processes of ``pid`` (Linux's /proc; a zombie waiting to be reaped is not live)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            found.append(int(stat.parent.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads the process table in /proc")
def test_no_worker_outlives_a_killed_report(tmp_path, tiny_county):
    """``kill -9`` of ``eduwb report`` in the middle of a notebook: its worker processes die with it."""
    books = tmp_path / "nb"
    books.mkdir()
    shutil.copy(FIXTURE_NOTEBOOKS / "01_overview.ipynb", books / "01_overview.ipynb")
    make_notebook(  # two notebooks: two pieces of work, so a pool of two worker processes
        books / "02_sleeps.ipynb",
        [new_markdown_cell("# Sleeps"), new_code_cell(KILLER)],
        parameters='data = "x"\nyear = None\nlang = "zh"',
    )
    marker = tmp_path / "marker"
    env = {
        **os.environ,
        "EDUWB_NOTEBOOKS_DIR": str(books),
        "EDUWB_TEST_SLEEP_MARKER": str(marker),
        "EDUWB_TEST_SLEEP_COUNTY": "tiny",
    }
    script = (
        "import sys\nfrom eduwb.report import report_command\n"
        f"sys.exit(report_command([{str(tiny_county)!r}], out={str(tmp_path / 'out')!r}, workers=2))"
    )
    proc = subprocess.Popen([sys.executable, "-c", script], env=env, stdout=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while not marker.exists() and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.1)
        assert marker.exists(), "no worker started the notebook"
        workers_ = _children(proc.pid)
        assert int(marker.read_text()) in workers_  # the notebook runs in a worker process
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
        time.sleep(5)
        assert [pid for pid in workers_ if _alive(pid)] == []
    finally:
        if proc.poll() is None:
            proc.kill()
        for pid in _children(proc.pid):
            os.kill(pid, signal.SIGKILL)


def test_a_cell_prints_its_text_for_the_report_without_what_only_a_run_offers():
    from eduwb.report.layout import cell_markdown

    cell = new_markdown_cell("## 学校画像\n\n交互运行时可选择学校；报告中列出未达标的学校。")
    cell.metadata["eduwb"] = {
        "en": "## School profiles\n\nRun interactively, a school can be picked.",
        "printed": {
            "zh": "## 学校画像\n\n下面是未达标的学校。",
            "en": "## School profiles\n\nThe failing sections follow.",
        },
    }
    plain = new_markdown_cell("## 其他")
    plain.metadata["eduwb"] = {"en": "## Other"}
    assert [cell_markdown(c, "zh") for c in (cell, plain)] == [
        "## 学校画像\n\n下面是未达标的学校。",
        "## 其他",
    ]
    assert [cell_markdown(c, "en") for c in (cell, plain)] == [
        "## School profiles\n\nThe failing sections follow.",
        "## Other",
    ]
    # every chapter notebook: no sentence about an interactive run reaches the report
    for path in sorted(Path(__file__).resolve().parents[1].glob("notebooks/0*.ipynb")):
        import nbformat

        for lang in ("zh", "en"):
            for cell in nbformat.read(path, as_version=4).cells:
                tags = cell.metadata.get("tags", [])
                if cell.cell_type == "markdown" and not set(tags) & set(pdf.REMOVE_CELL_TAGS):
                    printed = cell_markdown(cell, lang)
                    assert "交互运行" not in printed and "Run interactively" not in printed, path.name


def test_code_digest_covers_every_package_file(tmp_path, monkeypatch):
    """A changed Typst template (or any data file of the package) makes finished reports stale."""
    copy = tmp_path / "eduwb"
    shutil.copytree(jobs.PACKAGE_DIR, copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(jobs, "PACKAGE_DIR", copy)
    jobs.code_digest.cache_clear()
    try:
        before = jobs.code_digest()
        template = copy / "report" / "templates" / "report.typ"
        template.write_text(template.read_text(encoding="utf-8") + "\n// changed\n", encoding="utf-8")
        jobs.code_digest.cache_clear()
        changed = jobs.code_digest()
        (copy / "report" / "__pycache__").mkdir(exist_ok=True)
        (copy / "report" / "__pycache__" / "jobs.cpython-311.pyc").write_bytes(b"\0")
        jobs.code_digest.cache_clear()
        assert before != changed == jobs.code_digest()  # bytecode caches do not count
    finally:
        jobs.code_digest.cache_clear()
