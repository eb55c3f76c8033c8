"""Issue #13: hostile and huge inputs never fake a verdict, escape the output folder, or exhaust the machine.

Each reproduction of the security test ends here in a located error (file, row, column,
value, rule) or in a correct report that shows the hostile text as text. The small broken
datasets are in the bad-input corpus (``tests/bad_inputs``, cases such as
``huge_number_in_count`` or ``county_toml_standard_device``); the bombs, too big to commit,
are made at test time by ``tests/hostile.py`` and validated in a separate process with 1 GiB
of address space and a 30-second timeout.
"""

from __future__ import annotations

import csv
import io
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import hostile
import pandas as pd
import pytest
from report_context import tiny_context

from eduwb.cli import main
from eduwb.data import limits
from eduwb.data.dataset import load
from eduwb.errors import DataError

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample"
FIXTURES = Path(__file__).parent / "fixtures"

HOSTILE_NAME = '<span style="position:fixed">FAKE达标</span>{data[0]}..victim[x](file:///etc/passwd)'
HOSTILE_STANDARD_NAME = '<a href="javascript:alert(1)">点我</a>[y](file:///etc/shadow)'
ATTACHING_SCHOOL = '<a rel=attachment href="data:text/plain,secret">附件</a>'
MATH_SCHOOL = r"$\undefinedcmd{x}$中学"
FORMULA_SCHOOL = "=1+1中学"


# ----------------------------------------------------------------------------- bombs


def _validate_bounded(data: Path, seconds: int = 30, memory: int = 1 << 30) -> tuple[int, str, float]:
    """``eduwb validate DATA`` in a process limited to ``memory`` bytes, timed."""

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))

    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "eduwb.cli", "validate", str(data)],
        capture_output=True,
        text=True,
        timeout=seconds,
        preexec_fn=limit,
        env=env,
    )
    return proc.returncode, proc.stderr, time.perf_counter() - start


BOMBS = {
    # name: (maker, what the error line must say)
    "xlsx_dimension_xfd1048576": (
        lambda d: hostile.xlsx_dimension_bomb(d / "county.xlsx"),
        "declares 1,048,576 rows",
    ),
    "xlsx_cell_in_column_xfd": (
        lambda d: hostile.xlsx_far_column(d / "county.xlsx"),
        "more than 256 columns",
    ),
    "xlsx_two_million_rows_declared": (
        lambda d: hostile.xlsx_many_rows(d / "county.xlsx", 2_000_000, declare=True),
        "declares 2,000,005 rows",
    ),
    "xlsx_two_million_rows_undeclared": (
        lambda d: hostile.xlsx_many_rows(d / "county.xlsx", 2_000_000, declare=False),
        "more than 300,000 data rows",
    ),
    "xlsx_zip_bomb": (lambda d: hostile.xlsx_zip_bomb(d / "county.xlsx"), "too large inside"),
    "xlsx_entity_expansion": (lambda d: hostile.xlsx_entity_bomb(d / "county.xlsx"), "DOCTYPE"),
    "csv_million_columns": (lambda d: hostile.csv_wide_header(d / "county"), "more than 256 columns"),
    "csv_two_million_lines": (lambda d: hostile.csv_many_lines(d / "county"), "more than 300,000 data rows"),
    "csv_ten_megabyte_school_name": (
        lambda d: hostile.csv_huge_cell(d / "county"),
        "is longer than 100 characters",
    ),
    "csv_200k_bad_rows": (lambda d: hostile.csv_many_bad_rows(d / "county"), "more like this, not listed"),
}


@pytest.mark.parametrize("bomb", sorted(BOMBS))
@pytest.mark.slow
def test_bombs_end_in_a_located_error_in_seconds_with_bounded_memory(bomb, tmp_path):
    maker, said = BOMBS[bomb]
    data = maker(tmp_path)
    size = sum(f.stat().st_size for f in ([data] if data.is_file() else data.iterdir()))
    assert size <= 10 * 1024 * 1024 + 1024 * 1024, f"the bomb should be a small input ({size:,} bytes)"
    code, err, seconds = _validate_bounded(data)
    assert code == 1, err
    assert "Traceback" not in err and "internal error" not in err, err
    assert said in err, err
    first = err.splitlines()[0]
    # Chinese, then English (issue #23): `error:` starts the English half
    assert first.startswith(("错误：", "error: ")) and "error: " in first, first
    assert "county.xlsx" in first or ".csv" in first, first
    assert len(err.splitlines()) <= limits.MAX_PROBLEMS + 50
    assert seconds < 30


def test_a_long_list_of_problems_is_cut_and_counted(tmp_path):
    data = hostile.csv_many_bad_rows(tmp_path / "county", rows=20_000)
    with pytest.raises(DataError) as info:
        load(data, cache=False)
    problems = info.value.problems
    whole = [p for p in problems if p.rule == "must be a whole number"]
    assert len(whole) == limits.MAX_PROBLEMS_PER_RULE
    assert [p.row for p in whole] == list(range(7, 7 + limits.MAX_PROBLEMS_PER_RULE))  # tiny has 5 rows
    summary = [p for p in problems if p.rule.startswith("must be a whole number — and")]
    assert len(summary) == 1 and "19,980 more" in summary[0].rule
    # every bad row is counted: 20,000 whole-number errors and 20,000 duplicated sections (the
    # first of the duplicates is tiny's own row)
    assert info.value.error_count == 20_000 + 20_001


def test_device_fifo_and_folder_inputs_are_refused_at_once(tmp_path):
    county = hostile.tiny_copy(tmp_path / "county")
    os.mkfifo(county / "county.toml")
    (county / "schools.csv").unlink()
    (county / "schools.csv").symlink_to("/dev/zero")
    (county / "sections.csv").unlink()
    (county / "sections.csv").mkdir()
    code, err, seconds = _validate_bounded(county, seconds=20)
    assert code == 1 and seconds < 20
    assert "error: county.toml: file is not a regular file" in err
    assert "error: schools.csv: file is not a regular file" in err
    assert "error: sections.csv: file is a folder, not a file" in err
    assert "Traceback" not in err


def test_a_fifo_standard_file_is_refused(tmp_path):
    county = hostile.tiny_copy(tmp_path / "county")
    os.mkfifo(tmp_path / "standard.toml")
    (county / "county.toml").write_text(f'standard = "{tmp_path / "standard.toml"}"\n', encoding="utf-8")
    code, err, _ = _validate_bounded(county, seconds=20)
    assert code == 1
    assert "county.toml, column 'standard'" in err and "not a regular file" in err


def test_read_regular_file_refuses_devices_and_large_files(tmp_path):
    from eduwb._files import FileRefused, read_regular_file

    with pytest.raises(FileRefused, match="not a regular file"):
        read_regular_file("/dev/zero", 100)
    with pytest.raises(FileRefused, match="is a folder"):
        read_regular_file(tmp_path, 100)
    big = tmp_path / "big"
    big.write_bytes(b"x" * 101)
    with pytest.raises(FileRefused, match="101 bytes"):
        read_regular_file(big, 100)
    assert read_regular_file(big, 101) == b"x" * 101


# ----------------------------------------------------------------------------- names as text


def test_md_escape_makes_markup_text():
    from nbconvert.filters.markdown_mistune import markdown2html_mistune

    from eduwb.present import md_escape

    for value in [
        HOSTILE_NAME,
        HOSTILE_STANDARD_NAME,
        ATTACHING_SCHOOL,
        MATH_SCHOOL,
        "# 县",
        "1. 县",
        "*x* _y_ a&b",
        "see http://evil.example and www.evil.example",
        "[r]: javascript:alert(1)",
    ]:
        html = markdown2html_mistune(md_escape(value))
        assert "<a" not in html and "<span" not in html and "<h1" not in html and "<ol" not in html, (
            value,
            html,
        )
        assert "<em" not in html and "<img" not in html, (value, html)
    assert md_escape("示例县") == "示例县"  # a plain name is unchanged (the notebooks' outputs stay the same)
    assert md_escape("a\nb\r\nc") == "a b c"


def test_md_guard_keeps_eduwb_prose_and_defuses_the_rest():
    from eduwb.present.charts.scorecard import verdict_markdown
    from eduwb.present.safe import md_guard

    own = verdict_markdown(
        {
            "year": 2025,
            "verdict": "fail",
            "summary": "示例县2025年：未达到评估标准。",
            "dimensions": {"resource": "pass"},
        },
        {"resource": "资源配置"},
    )
    assert md_guard(own) == own
    guarded = md_guard(
        'x <span style="position:fixed">F</span> <a href="x">y</a> [a](file:///etc/passwd) http://e.x'
    )
    assert (
        "<span style" not in guarded and "<a href" not in guarded and "](" not in guarded.replace("]\\(", "")
    )
    assert "http\\://" in guarded


def test_verdict_markdown_escapes_the_county_and_dimension_names():
    from eduwb.present.charts.scorecard import verdict_markdown

    text = verdict_markdown(
        {
            "year": 2025,
            "verdict": "pass",
            "summary": f"{HOSTILE_NAME}2025年：达到评估标准。",
            "dimensions": {"r": "pass"},
        },
        {"r": HOSTILE_STANDARD_NAME},
    )
    import re

    assert not re.search(r'(?<!\\)<span style="position|(?<!\\)<a href="javascript', text)
    assert "\\<span" in text and "\\<a href" in text


def test_a_chapter_links_nowhere_and_loads_nothing():
    """Whatever a notebook's prose holds, the chapter is text: links print as their text,
    images in prose print nothing, raw HTML is its text, a style never positions anything."""
    from eduwb.report.layout import markdown_blocks

    markdown = (
        '[p](file:///etc/passwd) <a href="javascript:alert(1)">in</a> ![x](http://x/y.png) '
        '<span style="position:fixed;top:0;color:red">F</span> <img src="http://x/y.png"/>'
        '<link rel="attachment" href="/etc/passwd">\n\n<style>.a{position:fixed}</style>\n'
    )
    assert markdown_blocks(markdown) == [
        {"t": "p", "c": ["p in ", {"t": "span", "c": ["F"], "color": "#ff0000"}]},
    ]


def test_the_report_reads_embedded_images_only(tmp_path):
    """Only the PNG, JPEG or SVG outputs of a notebook reach the PDF, as files named by eduwb;
    Typst reads nothing outside the report's private folder (the guarantee WeasyPrint's
    fetcher gave)."""
    import typst

    from eduwb.report import typeset
    from eduwb.report.layout import output_blocks

    png = "iVBORw0KGgo="
    outputs = [
        {"output_type": "display_data", "data": {mime: png}, "metadata": {}}
        for mime in ("text/uri-list", "application/pdf", "image/gif", "image/png")
    ]
    images = {}
    blocks = typeset.named_images([b for o in outputs for b in output_blocks(o)], images)
    assert blocks == [{"t": "img", "src": "img-1.png"}]
    assert list(images) == ["img-1.png"]
    # even a file name that is not ours is looked for inside the private folder only
    context = tiny_context([])
    doc, _ = typeset.document(context, typeset.require_cjk_font())
    for src in ["/etc/passwd", "../../../../etc/passwd", "file:///etc/passwd"]:
        doc["chapters"][0]["blocks"] = [{"t": "img", "src": src}]
        with pytest.raises(typst.TypstError):
            typeset.compile_document(doc, {}, tmp_path / "x.pdf", context["created"])
    assert not (tmp_path / "x.pdf").exists()


def test_chart_labels_never_become_math_text():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from eduwb.present import setup

    setup("zh")
    assert matplotlib.rcParams["text.parse_math"] is False
    fig, ax = plt.subplots()
    ax.set_title(MATH_SCHOOL)
    ax.set_yticks([0], [r"$\frac{$"])
    fig.savefig(io.BytesIO(), format="png")  # would raise ValueError on math text
    plt.close(fig)


def test_braces_reach_papermill_as_written(tmp_path):
    from papermill.parameterize import parameterize_path

    from eduwb.report.engine import _literal_path

    path = tmp_path / "{data[0]}..{data[0]}..victim" / "{display_none}" / "00.ipynb"
    assert parameterize_path(_literal_path(path), {"data": "x", "year": 2024}) == str(path)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("示例县", "示例县"),
        ("{data[0]}..{data[0]}..victim", "_data[0]_.._data[0]_..victim"),
        ("../../etc", "_.._etc"),
        ("..", "county"),
        ("", "county"),
        ("CON", "_CON"),
        ("a\u202eb", "a_b"),
        ("x/y\\z:w", "x_y_z_w"),
    ],
)
def test_safe_name(name, expected):
    from eduwb.report.jobs import safe_name

    assert safe_name(name) == expected


def test_safe_name_cuts_long_names_to_a_file_name():
    from eduwb.report.jobs import SAFE_NAME_BYTES, safe_name

    cut = safe_name("县" * 300)
    assert len(cut.encode()) <= SAFE_NAME_BYTES and cut == "县" * (SAFE_NAME_BYTES // 3)


# ----------------------------------------------------------------------------- formulas


def test_csv_output_neutralises_formulas_but_not_numbers():
    from eduwb.present.safe import formula_safe_csv

    assert formula_safe_csv("=1+1") == "'=1+1"
    assert formula_safe_csv("+86") == "'+86"
    assert formula_safe_csv("-x") == "'-x"
    assert formula_safe_csv("@SUM(A1)") == "'@SUM(A1)"
    assert formula_safe_csv("城关小学") == "城关小学"
    assert formula_safe_csv(-3.5) == -3.5


def _hostile_county(folder: Path) -> Path:
    """tiny_full with a hostile county name, standard name and school names (all valid data)."""
    import shutil

    import tomli_w

    shutil.copytree(FIXTURES / "tiny_full", folder)
    (folder / "county.toml").write_text(
        tomli_w.dumps({"name": HOSTILE_NAME, "standard": "hostile.toml"}), encoding="utf-8"
    )
    (folder / "hostile.toml").write_text(
        tomli_w.dumps(
            {"extends": "moe-2017", "id": "hostile", "name_zh": HOSTILE_STANDARD_NAME, "name_en": "Hostile"}
        ),
        encoding="utf-8",
    )
    path = folder / "schools.csv"
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
    name = rows[0].index("name")
    rows[1][name], rows[2][name], rows[3][name] = ATTACHING_SCHOOL, FORMULA_SCHOOL, MATH_SCHOOL
    rows[1][rows[0].index("township")] = '=HYPERLINK("http://x","y")'
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")
    return folder


def test_table_csv_and_xlsx_keep_formulas_as_text(tmp_path, capsys):
    county = _hostile_county(tmp_path / "county")
    assert main(["table", "indicators", str(county), "--format", "csv", "-o", str(tmp_path / "t.csv")]) == 0
    text = (tmp_path / "t.csv").read_text(encoding="utf-8")
    assert "'=1+1中学" in text and ",=1+1" not in text
    assert main(["table", "indicators", str(county), "--format", "xlsx", "-o", str(tmp_path / "t.xlsx")]) == 0
    from openpyxl import load_workbook

    cells = [c for row in load_workbook(tmp_path / "t.xlsx").active.iter_rows() for c in row]
    formula = [c for c in cells if c.value == FORMULA_SCHOOL]
    assert formula and all(c.data_type == "s" and c.quotePrefix for c in formula)
    assert not [c for c in cells if c.data_type == "f"]
    assert oct((tmp_path / "t.xlsx").stat().st_mode & 0o777) == oct(0o666 & ~_umask())


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def test_report_workbook_stores_formula_like_text_with_a_quote_prefix(tmp_path):
    from openpyxl import load_workbook

    from eduwb.report.context import write_tables_xlsx

    tables = [
        {
            "name": "t",
            "title": "T",
            "columns": ["学校名称", "n"],
            "data": [[FORMULA_SCHOOL, 1], ["-x", -2], ["ok", 3]],
        }
    ]
    write_tables_xlsx(tables, tmp_path / "t.xlsx")
    sheet = load_workbook(tmp_path / "t.xlsx")["T"]
    values = [(c.value, c.data_type, bool(c.quotePrefix)) for c in sheet["A"][1:]]
    assert values == [(FORMULA_SCHOOL, "s", True), ("-x", "s", True), ("ok", "s", False)]
    assert [c.value for c in sheet["B"][1:]] == [1, -2, 3]


# ----------------------------------------------------------------------------- every table, every format


@pytest.fixture(scope="module")
def computed_tables():
    """Every registry table of the sample, computed once (the formats are what is tested)."""
    from eduwb.standards import load_standard
    from eduwb.tables import REGISTRY, compute

    ds = load(SAMPLE)
    std = load_standard("moe-2017")
    return {name: compute(name, ds, std) for name in REGISTRY}


def _registry() -> list[str]:
    from eduwb.tables import REGISTRY

    return list(REGISTRY)


@pytest.mark.parametrize("fmt", ["table", "csv", "json", "xlsx"])
@pytest.mark.parametrize("name", _registry())
@pytest.mark.slow
def test_every_table_in_every_format(name, fmt, computed_tables, tmp_path, monkeypatch, capsys):
    import eduwb.tables

    expected = computed_tables[name]
    monkeypatch.setattr(eduwb.tables, "compute", lambda *a, **k: expected.copy())
    out = tmp_path / f"{name}.{fmt}"
    assert main(["table", name, str(SAMPLE), "--format", fmt, "-o", str(out)]) == 0, capsys.readouterr().err
    assert [p.name for p in tmp_path.iterdir()] == [out.name]  # no temporary file left
    if fmt == "csv":
        back = pd.read_csv(out, keep_default_na=False)
        assert list(back.columns) == [str(c) for c in expected.columns] and len(back) == len(expected)
    elif fmt == "json":
        records = json.loads(out.read_text(encoding="utf-8"))
        assert len(records) == len(expected) and (
            not records or list(records[0]) == [str(c) for c in expected.columns]
        )
    elif fmt == "xlsx":
        from openpyxl import load_workbook

        sheet = load_workbook(out).active
        assert sheet.title == name[:31]
        assert [c.value for c in sheet[1]] == [str(c) for c in expected.columns]
        assert sheet.max_row == len(expected) + 1
        numbers = expected.select_dtypes("number")
        if len(numbers.columns) and len(expected):
            column = list(expected.columns).index(numbers.columns[0]) + 1
            first = numbers.iloc[0, 0]
            got = sheet.cell(row=2, column=column).value
            assert (pd.isna(first) and got is None) or got == pytest.approx(float(first))
    elif len(expected):
        assert len(out.read_text(encoding="utf-8").splitlines()) == len(expected) + 1


# ----------------------------------------------------------------------------- the whole report


@pytest.mark.slow
def test_a_hostile_county_gets_a_correct_escaped_report(tmp_path, monkeypatch, capsys):
    """County name, standard name and school names full of markup, braces, formulas and math:
    the PDF shows them literally, links nowhere, attaches nothing, and every file stays under --out."""
    from pypdf import PdfReader

    from eduwb import report
    from eduwb.report.jobs import safe_name

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    monkeypatch.delenv("EDUWB_NOTEBOOKS_DIR", raising=False)
    county = _hostile_county(tmp_path / "data" / "county")
    before = {p for p in tmp_path.rglob("*")}
    out = tmp_path / "out"
    code = report.report_command(
        [str(county)], out=str(out), workers=1, notebooks=["00_scorecard", "01_resource_gaps"]
    )
    assert code == 0, capsys.readouterr()
    made = {p for p in tmp_path.rglob("*")} - before
    assert made and all(p.is_relative_to(out) for p in made), sorted(
        map(str, made - {p for p in made if p.is_relative_to(out)})
    )
    folder = out / safe_name(HOSTILE_NAME) / "2024"
    assert sorted(p.name for p in (folder / "notebooks").iterdir()) == [
        "00_scorecard.ipynb",
        "01_resource_gaps.ipynb",
    ]

    pdf = next(folder.glob("*.pdf"))
    reader = PdfReader(pdf)
    flat = "".join("".join(page.extract_text() for page in reader.pages).split())
    for literal in [HOSTILE_NAME, HOSTILE_STANDARD_NAME, ATTACHING_SCHOOL, MATH_SCHOOL]:
        assert "".join(literal.split()) in flat, literal
    # the fake verdict is only ever part of the name as written
    assert flat.count("FAKE达标") == flat.count('position:fixed">FAKE达标')
    for page in reader.pages:
        for annotation in page.get("/Annots") or []:
            annotation = annotation.get_object()
            assert annotation.get("/Subtype") == "/Link", annotation
            action = annotation.get("/A")
            assert action is None or action.get_object().get("/S") not in (
                "/URI",
                "/Launch",
                "/JavaScript",
                "/GoToR",
            )
    assert not reader.attachments
    names = reader.trailer["/Root"].get("/Names")
    assert names is None or "/EmbeddedFiles" not in names.get_object()

    from openpyxl import load_workbook

    book = load_workbook(next(folder.glob("*.xlsx")))
    cells = [c for ws in book.worksheets for row in ws.iter_rows() for c in row]
    assert not [c for c in cells if c.data_type == "f"]
    assert all(c.quotePrefix for c in cells if isinstance(c.value, str) and c.value.startswith("="))


def test_a_key_spelt_two_ways_is_still_a_duplicate(tmp_path):
    """The fast schema pre-screen works on parsed values: 'S01 ' and '小学' are S01 and primary."""
    county = hostile.tiny_copy(tmp_path / "county")
    lines = (county / "sections.csv").read_text(encoding="utf-8").splitlines()
    lines.append(lines[1].replace("S01,2024,primary", "S01 ,2024,小学"))
    (county / "sections.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(DataError) as info:
        load(county, cache=False)
    assert [
        p.row for p in info.value.problems if p.rule.startswith("duplicate school_id × year × stage")
    ] == [2, 7]
