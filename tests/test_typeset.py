"""The report's typesetting (eduwb.report.blocks, eduwb.report.typeset): HTML in, a PDF that
shows every string as written, with its contents, bookmarks, page footer and date."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from report_context import tiny_context

from eduwb.report import typeset
from eduwb.report.blocks import Converter

# Typst markup, code and math that must print as written, never act.
HOSTILE = [
    "#set page(width: 1cm)",
    '#eval("1 + 1")',
    "*粗体* _斜体_",
    "$x^2$",
    "<label>",
    "@ref",
    "a \\ b",
    "]) #{",
    "{{ x }}",
    "= 标题",
    "- 项",
    "`raw`",
    "// 注释",
    "/* c */",
    '#import "@preview/x:0.1.0"',
]


def pdf_text(path: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def flat(text: str) -> str:
    return "".join(text.split())


def _hostile_html() -> str:
    from html import escape

    cells = "".join(f'<tr><td>{escape(v)}</td><td class="num">{i}</td></tr>' for i, v in enumerate(HOSTILE))
    return (
        f"<h2>{escape(HOSTILE[0])}</h2><p>{escape(' '.join(HOSTILE))}</p>"
        f"<table><caption>{escape(HOSTILE[3])}</caption><thead><tr><th>名称</th><th>n</th></tr></thead>"
        f"<tbody>{cells}</tbody></table>"
    )


def test_hostile_strings_print_as_written(tmp_path):
    county = "#set page(height: 1cm)*县*$x$"
    context = tiny_context([(HOSTILE[1], _hostile_html())], county=county)
    context["cover"].append(("学校", "<b>]{#x}</b>"))
    pages = typeset.write_pdf(context, tmp_path / "r.pdf")
    text = flat(pdf_text(tmp_path / "r.pdf"))
    for literal in [*HOSTILE, county, "<b>]{#x}</b>"]:
        assert flat(literal) in text, literal
    from pypdf import PdfReader

    reader = PdfReader(str(tmp_path / "r.pdf"))
    assert len(reader.pages) == pages
    sizes = {(round(float(p.mediabox.width)), round(float(p.mediabox.height))) for p in reader.pages}
    assert sizes == {(595, 842)}  # A4, every page
    assert reader.metadata["/Title"] == context["title"]


def test_the_same_context_gives_the_same_pdf_dated_by_the_report(tmp_path):
    from pypdf import PdfReader

    context = tiny_context([("第一章", "<h2>小节</h2><p>正文</p><h3>小小节</h3><p>更多</p>")])
    typeset.write_pdf(context, tmp_path / "a.pdf")
    typeset.write_pdf(context, tmp_path / "b.pdf")
    assert (tmp_path / "a.pdf").read_bytes() == (tmp_path / "b.pdf").read_bytes()
    reader = PdfReader(str(tmp_path / "a.pdf"))
    assert reader.metadata["/CreationDate"].startswith("D:20260101")


def test_contents_bookmarks_header_and_footer(tmp_path):
    from pypdf import PdfReader

    html = "<h1>一节</h1><p>文</p><h2>二节</h2><h3>不入书签</h3>" + "<p>长文。</p>" * 120
    context = tiny_context([("第一章", html), ("第二章", "<p>文</p>")])
    pages = typeset.write_pdf(context, tmp_path / "r.pdf")
    reader = PdfReader(str(tmp_path / "r.pdf"))
    outline = reader.outline

    def titles(items, level=1):
        for item in items:
            if isinstance(item, list):
                yield from titles(item, level + 1)
            else:
                yield level, item.title

    found = list(titles(outline))
    appendix = context["text"]["appendix_title"]
    assert [t for level, t in found if level == 1] == ["目录", "第一章", "第二章", appendix]
    assert ("一节" in [t for level, t in found if level == 2]) and (2, "二节") in found
    assert "不入书签" not in [t for _, t in found]
    page_texts = pdf_text(tmp_path / "r.pdf").split("\f")
    assert "页" not in page_texts[0]  # no footer (nor header) on the cover
    for number, page in enumerate(page_texts[1:pages], start=2):
        assert f"第{number}页/共{pages}页" in flat(page)
    # the contents: each chapter and the appendix with the page it starts on, after dotted leaders
    starts = {
        title: next(i for i, t in enumerate(page_texts) if flat(t).startswith("示例县" + flat(title) * 2)) + 1
        for title in ("第一章", "第二章", appendix)
    }
    contents = [line.split() for line in page_texts[1].splitlines() if ". . ." in line]
    assert [(flat("".join(w[:-1])).rstrip("."), int(w[-1])) for w in contents] == [
        (flat(t), n) for t, n in starts.items()
    ]
    # the running header: the county on the left, the current chapter on the right
    assert flat(page_texts[starts["第一章"]]).startswith("示例县第一章")  # the chapter's second page


def test_english_report_footer(tmp_path):
    context = tiny_context([("Chapter", "<p>text</p>")], lang="en", county="Example County")
    pages = typeset.write_pdf(context, tmp_path / "r.pdf")
    assert f"Page 2 of {pages}" in pdf_text(tmp_path / "r.pdf")


def test_html_becomes_blocks():
    converter = Converter()
    html = (
        '<div class="output"><h1>节</h1><h3>小</h3><h5>更小</h5><p>a <strong>b</strong> <em>c</em> '
        '<a href="http://x">链接</a><code>x = 1</code><br>d<sub>2</sub></p>'
        "<script>alert(1)</script><style>.x{}</style><custom-tag>留下 <b>文字</b></custom-tag>"
        "<ul><li>一</li><li><p>二</p></li></ul><blockquote><p>引</p></blockquote><pre>  a\n  b</pre>"
        '<span style="color:#c0392b;font-weight:bold">红</span></div>'
    )
    blocks = converter.chapter(html)
    kinds = [b["t"] for b in blocks]
    assert kinds == ["h", "h", "h", "p", "p", "list", "quote", "pre", "p"]
    assert [b["level"] for b in blocks[:3]] == [2, 3, 4]
    assert blocks[3]["c"] == [
        "a ",
        {"t": "b", "c": ["b"]},
        " ",
        {"t": "i", "c": ["c"]},
        " 链接",
        {"t": "code", "v": "x = 1"},
        {"t": "br"},
        "d",
        {"t": "sub", "c": ["2"]},
    ]
    assert blocks[4]["c"] == ["留下 ", {"t": "b", "c": ["文字"]}]  # unknown element: its text
    assert blocks[5]["items"] == [[{"t": "p", "c": ["一"]}], [{"t": "p", "c": ["二"]}]]
    assert blocks[7]["v"] == "  a\n  b"
    assert blocks[8]["c"] == [{"t": "span", "c": ["红"], "color": "#c0392b", "bold": True}]


def test_tables_keep_their_cells_styles():
    head = "".join(f"<th>c{i}</th>" for i in range(12))
    html = (
        '<table data-wide=""><caption>表</caption><thead><tr>' + head + "</tr></thead><tbody>"
        '<tr><td class="nw num" style="text-align:right;white-space:nowrap;background-color:#f8d7da;'
        'color:#842029">1.5</td><td colspan="2" rowspan="2">合</td><th>行</th></tr>'
        '<tr><td style="font-weight:bold" id="x">粗</td></tr></tbody></table>'
        "<table></table>"
    )
    [table] = Converter().chapter(html)
    assert table["t"] == "table" and table["wide"] and table["columns"] == 12
    assert table["caption"] == ["表"]
    assert len(table["head"]) == 1 and len(table["head"][0]) == 12
    first, second = table["body"]
    assert first[0] == {"c": ["1.5"], "align": "right", "fill": "#f8d7da", "color": "#842029", "nw": True}
    assert first[1] == {"c": ["合"], "colspan": 2, "rowspan": 2}
    assert first[2] == {"c": ["行"], "th": True}
    # padded to the column count: 12 - 4 used; the second row has 2 columns taken from above
    assert len(first) == 3 + 8 and len(second) == 1 + 9
    assert second[0] == {"c": ["粗"], "bold": True}


def test_styler_rules_by_id_colour_cells():
    html = (
        "<style>#T_a_row0_col0, #T_a_row0_col1 { background-color: #d1e7dd; color: #0f5132; }</style>"
        '<table><tr><td id="T_a_row0_col0">1</td>'
        '<td id="T_a_row0_col1" style="color:#000000">2</td></tr></table>'
    )
    [table] = Converter().chapter(html)
    assert table["body"][0][0] == {"c": ["1"], "fill": "#d1e7dd", "color": "#0f5132"}
    assert table["body"][0][1] == {"c": ["2"], "fill": "#d1e7dd", "color": "#000000"}


def test_images_get_our_names_and_their_width():
    png = "iVBORw0KGgo="
    converter = Converter()
    blocks = converter.chapter(
        f'<img src="data:image/png;base64,{png}" width="768"><img src="data:image/jpeg;base64,{png}">'
        '<img src="data:image/svg+xml,%3Csvg%3E%3C/svg%3E">'
    )
    assert blocks == [
        {"t": "img", "src": "img-1.png", "width": 576.0},
        {"t": "img", "src": "img-2.jpg"},
        {"t": "img", "src": "img-3.svg"},
    ]
    assert converter.images["img-3.svg"] == b"<svg></svg>"


def test_no_cjk_font_fails_loudly(monkeypatch):
    class NoFonts:
        stdout = ""

    monkeypatch.setattr(typeset.subprocess, "run", lambda *a, **k: NoFonts())
    monkeypatch.setattr(typeset.shutil, "which", lambda name: "/usr/bin/fc-list")
    typeset._cjk_font.cache_clear()
    typeset.require_cjk_font.cache_clear()
    try:
        with pytest.raises(RuntimeError, match="no font covering Chinese is installed"):
            typeset.require_cjk_font()
    finally:
        typeset._cjk_font.cache_clear()
        typeset.require_cjk_font.cache_clear()


def test_wide_tables_keep_short_cells_columns_when_they_fit():
    head = "<thead><tr>" + "".join(f"<th>column {i}</th>" for i in range(12)) + "</tr></thead>"
    row = '<tr><td class="nw">4299990001</td>' + "<td>可以换行的较长文字</td>" * 11 + "</tr>"
    [table] = Converter().chapter(f"<table>{head}<tbody>{row}</tbody></table>")
    assert table["wide"] and table["widths"][1:] == ["auto"] * 11
    assert 5.6 <= table["widths"][0] <= 7  # ten digits of about 0.56 em
    # too many such columns for the page: Typst's own shrinking instead
    row = "<tr>" + '<td class="nw">4299990001</td>' * 12 + "</tr>"
    [table] = Converter().chapter(f"<table>{head}<tbody>{row}</tbody></table>")
    assert "widths" not in table
    # too many for all to keep their width (long header words): only the ids' column, whose
    # text cannot wrap, keeps its width; names, numbers narrower than a share and headers wrap
    head = "<thead><tr>" + "".join(f"<th>Extraordinarily {i}</th>" for i in range(16)) + "</tr></thead>"
    row = '<tr><td class="nw">4299990001</td><td class="nw">城关第一小学</td>' + '<td class="nw">47</td>' * 14
    [table] = Converter().chapter(f"<table>{head}<tbody>{row}</tr></tbody></table>")
    assert 5.6 <= table["widths"][0] <= 7 and table["widths"][1:] == ["auto"] * 15


def test_an_inline_svg_chart_is_an_image_as_written(tmp_path):
    import io

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(4, 3))
    ax.plot([1, 2, 3], [3, 1, 2])
    ax.set_title("SVG")
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg")
    plt.close(fig)
    svg = buffer.getvalue().split("<svg", 1)[1]
    html = f'<div class="output_svg output_subarea"><svg{svg}</div><p>之后</p>'
    converter = Converter()
    blocks = converter.chapter(html)
    assert blocks == [{"t": "img", "src": "img-1.svg", "width": 288.0}, {"t": "p", "c": ["之后"]}]
    assert (
        converter.images["img-1.svg"].decode().startswith("<svg")
        and b"viewBox" in converter.images["img-1.svg"]
    )
    assert typeset.write_pdf(tiny_context([("图", html)]), tmp_path / "r.pdf") >= 4


def _words(pdf: Path) -> list[tuple[int, float, float, float, str]]:
    """The PDF's words as pdftotext sees them: (page, x min, x max, y min, text)."""
    import html
    import re

    command = ["pdftotext", "-bbox", str(pdf), "-"]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    words, page = [], 0
    for line in out.splitlines():
        if line.lstrip().startswith("<page "):
            page += 1
        m = re.search(r'xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="[\d.]+">(.*)</word>', line)
        if m:
            words.append((page, float(m[1]), float(m[3]), float(m[2]), html.unescape(m[4])))
    return words


def test_long_unbreakable_cell_text_stays_in_its_column(tmp_path):
    # a list with no break opportunity of its own ("R2,R3": Unicode keeps it together), and a
    # run with none at all: both must wrap inside their column, printing exactly what they say
    items = ",".join(f"R{i}" for i in range(1, 61)) + "、G1；G2/G3"
    run = "ABCDEFGHIJ" * 10
    html = (
        "<table><thead><tr><th>学年</th><th>未达标指标</th><th>缺数据</th></tr></thead><tbody>"
        f"<tr><td>2021</td><td>{items}</td><td>尾列</td></tr>"
        f"<tr><td>2022</td><td>{run}</td><td>尾列</td></tr>"
        "<tr><td>2023</td><td>共 4,545,678 份</td><td>尾列</td></tr></tbody></table>"
    )
    typeset.write_pdf(tiny_context([("第一章", html)]), tmp_path / "r.pdf")
    words = _words(tmp_path / "r.pdf")
    [page] = {w[0] for w in words if w[4] == "尾列"}
    words = [w for w in words if w[0] == page]
    last = min(w[1] for w in words if w[4] == "尾列")  # where the third column's text starts
    first = min(w[2] for w in words if w[4] == "2021")  # where the first column's text ends
    top = min(w[3] for w in words if w[4] == "2021") - 1  # the body's rows, header and footer aside
    bottom = max(w[3] for w in words if w[4] == "尾列") + 1
    cell = sorted((w for w in words if first < w[1] < last and top < w[3] < bottom), key=lambda w: w[3])
    assert len(cell) > 4  # wrapped, on several lines
    assert "".join(w[4] for w in cell) == items + run + "共4,545,678份"  # as written, nothing added
    assert max(w[2] for w in cell) < last  # no glyph runs into the next column
    assert "4,545,678" in [w[4] for w in cell]  # a number never breaks at its commas


def test_report_workers_give_typst_one_thread(monkeypatch):
    # rayon, Typst's thread pool, reads RAYON_NUM_THREADS when a process first compiles: the
    # worker initialiser sets it, so the pool's workers do not oversubscribe the cores
    import multiprocessing
    import os
    from concurrent.futures import ProcessPoolExecutor

    from eduwb.report.workers import _worker_init

    monkeypatch.delenv("RAYON_NUM_THREADS", raising=False)
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(1, mp_context=context, initializer=_worker_init) as pool:
        assert pool.submit(os.getenv, "RAYON_NUM_THREADS").result() == "1"


def test_pdf_tools_read_the_report_without_a_warning(tmp_path):
    # poppler before 23.x printed "Syntax Error: Suspects object is wrong type" for every report
    html = (
        "<h2>小节</h2><p>正文 text</p><table><thead><tr><th>学校</th></tr></thead>"
        "<tbody><tr><td>城关小学</td></tr></tbody></table>"
    )
    typeset.write_pdf(tiny_context([("第一章", html)]), tmp_path / "r.pdf")
    pdf = str(tmp_path / "r.pdf")
    for command in (["pdfinfo", pdf], ["pdftotext", pdf, "-"], ["qpdf", "--check", pdf]):
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        assert done.returncode == 0, (command, done.stdout, done.stderr)  # qpdf: 3 means warnings
        assert done.stderr == "", (command, done.stderr)
        assert "warning" not in done.stdout.lower(), command
    # the structure tags stay (a screen reader's reading order): only the default entry went
    data = (tmp_path / "r.pdf").read_bytes()
    assert b"/StructTreeRoot" in data and b"/Suspects" not in data


def test_without_default_suspects_keeps_every_offset():
    pdf = b"%PDF-1.7\n1 0 obj<</Type/Catalog/MarkInfo<</Marked true/Suspects false>>>>endobj\nxref"
    out = typeset.without_default_suspects(pdf)
    assert len(out) == len(pdf) and out.index(b"xref") == pdf.index(b"xref")
    assert b"/Suspects" not in out and b"/MarkInfo<</Marked true" in out
    assert typeset.without_default_suspects(b"%PDF-1.7 no catalog") == b"%PDF-1.7 no catalog"


def test_a_table_too_wide_takes_its_column_widths_from_its_content():
    from eduwb.report.colwidths import content_widths

    # fits on one line per column: Typst's auto columns
    assert (
        content_widths([[("指标", False), ("说明", False)], [("R1", True), ("短", False)]], head_rows=1)
        is None
    )
    # a code, a short word that never wraps, and one long text: the long text gets the room,
    # the others at least their text (never wrapped), nothing wider than the page
    long = "城关第一小学音乐教室需5间有4、美术教室需5间有4；" * 12  # 12 × 26 = 312 em
    rows = [[("指标", False), ("状态", False), ("依据", False)]] + [
        [("R1", True), ("未达标", True), (long, False)]
    ] * 10
    layout = content_widths(rows, head_rows=1, available=50.0)
    share = [float(w.removesuffix("fr")) for w in layout.widths]
    inset = 2 * 1.6 / 25.4 * 72 / 8.5  # each column's padding, in em of the table's 8.5 pt
    assert layout.wrapped == set() and layout.size == 8.5
    assert share[0] - inset >= 2.0 and share[1] - inset >= 2.99  # 未达标: 3 em
    # the long column takes everything the others do not need, the header's 依据 aside
    assert share[2] - inset > 50.0 - 2 * 3.5
    assert abs(sum(share) - (50.0 + 3 * inset)) < 0.05


def test_a_scorecard_like_table_shares_the_width_by_how_much_each_column_says():
    from eduwb.report.colwidths import content_widths

    # two long columns of 40 em and 160 em per row in 40 em: the rows are shortest when both
    # wrap into the same number of lines, i.e. widths in the ratio 1 : 4 (8 and 32 em)
    rows = [[("名称", False), ("依据", False)]] + [[("名" * 40, False), ("据" * 160, False)]] * 5
    layout = content_widths(rows, head_rows=1, available=40.0)
    inset = 2 * 1.6 / 25.4 * 72 / 8.5
    a, b = (float(w.removesuffix("fr")) - inset for w in layout.widths)
    assert 7.0 <= a <= 9.5 and 30.5 <= b <= 33.0


def test_a_short_chinese_cell_may_wrap_in_two_when_the_table_needs_the_room():
    from eduwb.report.blocks import Converter

    long = "达到本项标准的学校（学段）小学 17/29、初中 12/14；差异系数 小学 0.423、初中 0.300" * 4
    rows = "".join(
        f'<tr><td class="nw">R{i}</td><td class="nw">政府保障程度</td><td class="nw">未达标</td>'
        f"<td>{long}</td></tr>"
        for i in range(8)
    )
    head = "<thead><tr><th>指标</th><th>维度</th><th>状态</th><th>依据</th></tr></thead>"
    html = f"<table>{head}<tbody>{rows}</tbody></table>"
    [table] = Converter().chapter(html)
    assert [w.endswith("fr") for w in table["widths"]] == [True] * 4
    first = table["body"][0]
    assert first[0].get("nw") and first[2].get("nw")  # R0, 未达标: whole
    assert not first[1].get("nw")  # 政府保障程度 may take two lines, 政府保/障程度


def test_a_name_ending_in_a_digit_is_kept_apart_from_the_year():
    from eduwb.lang import name_before_number
    from eduwb.present.words import REPORT_TEXT

    title = REPORT_TEXT["zh"]["title"]
    assert title.format(county=name_before_number("示例县01"), year=2025, programme="").startswith(
        "示例县01 2025年"
    )
    assert title.format(county=name_before_number("示例县"), year=2025, programme="").startswith(
        "示例县2025年"
    )


def test_a_heading_stays_with_its_short_introduction_and_what_it_introduces():
    from eduwb.report.blocks import keep_introductions

    def p(text):
        return {"t": "p", "c": [text]}

    blocks = keep_introductions(
        [
            {"t": "h", "level": 2, "c": ["图"]},
            p("引言一"),
            p("引言二"),
            {"t": "img", "src": "img-1.png"},
            {"t": "h", "level": 2, "c": ["文"]},
            p("第一段"),
            p("第二段"),
            {"t": "h", "level": 2, "c": ["长"]},
            p("长" * 700),
            {"t": "table", "head": [], "body": []},
        ]
    )
    kept = [b.get("keep", False) for b in blocks if b["t"] == "p"]
    # the chart's introduction, both paragraphs; a section of prose: all but its last
    # paragraph (kept with it); a long introduction is free to break
    assert kept == [True, True, True, False, False]
