"""The report's typesetting (eduwb.report.layout, eduwb.report.typeset): Markdown, table views
and images in, a PDF that shows every string as written, with its contents, bookmarks, page
footer and date."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from report_context import tiny_context, view

from eduwb.present import md_escape
from eduwb.report import typeset
from eduwb.report.layout import markdown_blocks, output_blocks, table_blocks

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


def _hostile_blocks() -> list:
    rows = [[v, str(i)] for i, v in enumerate(HOSTILE)]
    return markdown_blocks(f"## {md_escape(HOSTILE[0])}\n\n{md_escape(' '.join(HOSTILE))}") + table_blocks(
        view(["名称", "n"], rows, numeric=[False, True], caption=HOSTILE[3])
    )


def test_hostile_strings_print_as_written(tmp_path):
    county = "#set page(height: 1cm)*县*$x$"
    context = tiny_context([(HOSTILE[1], _hostile_blocks())], county=county)
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

    context = tiny_context([("第一章", "## 小节\n\n正文\n\n### 小小节\n\n更多")])
    typeset.write_pdf(context, tmp_path / "a.pdf")
    typeset.write_pdf(context, tmp_path / "b.pdf")
    assert (tmp_path / "a.pdf").read_bytes() == (tmp_path / "b.pdf").read_bytes()
    reader = PdfReader(str(tmp_path / "a.pdf"))
    assert reader.metadata["/CreationDate"].startswith("D:20260101")


def test_contents_bookmarks_header_and_footer(tmp_path):
    from pypdf import PdfReader

    markdown = "# 一节\n\n文\n\n## 二节\n\n### 不入书签\n\n" + "长文。\n\n" * 120
    context = tiny_context([("第一章", markdown), ("第二章", "文")])
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
    context = tiny_context([("Chapter", "text")], lang="en", county="Example County")
    pages = typeset.write_pdf(context, tmp_path / "r.pdf")
    assert f"Page 2 of {pages}" in pdf_text(tmp_path / "r.pdf")


def test_markdown_becomes_blocks():
    markdown = (
        "# 节\n\n### 小\n\n##### 更小\n\na **b** *c* [链接](http://x)`x = 1`\\\n"
        "d<sub>2</sub> &amp; \\&amp;\n\n"
        "<div><script>alert(1)</script>留下 <b>文字</b></div>\n\n"
        "- 一\n-\n  二\n\n> 引\n\n```\n  a\n  b\n```\n\n"
        '<span style="color:#c0392b;font-weight:bold">红</span> <custom>留</custom>\n\n---\n'
    )
    blocks = markdown_blocks(markdown)
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
        " & &amp;",  # an entity is its character; an escaped one prints as written
    ]
    assert blocks[4]["c"] == ["留下 ", {"t": "b", "c": ["文字"]}]  # other HTML: its text, no script
    assert blocks[5]["items"] == [[{"t": "p", "c": ["一"]}], [{"t": "p", "c": ["二"]}]]
    assert blocks[7]["v"] == "  a\n  b"
    assert blocks[8]["c"] == [{"t": "span", "c": ["红"], "color": "#c0392b", "bold": True}, " 留"]


def test_tables_keep_their_cells_styles():
    labels = [f"c{i}" for i in range(11)] + ["Pupils now"]
    rows = [["1.5", "合", "长长长长长长长长长长长长长长"] + [""] * 9, ["粗"] + [""] * 11]
    styles = [
        [0, 0, {"fill": "#f8d7da", "color": "#842029"}],
        [1, 0, {"bold": True}],
    ]
    numeric = [True] + [False] * 11
    table, note = table_blocks(
        view(labels, rows, numeric=numeric, styles=styles, caption="表", note="另有 3 行")
    )
    assert table["t"] == "table" and table["wide"] and table["columns"] == 12
    assert table["caption"] == ["表"] and note == {"t": "p", "c": ["另有 3 行"]}
    assert len(table["head"]) == 1 and len(table["head"][0]) == 12
    assert table["head"][0][0] == {"c": ["c0"], "align": "right", "nw": True}
    assert table["head"][0][11] == {"c": ["Pupils now"]}  # a header of words may wrap between them
    first, second = table["body"]
    assert first[0] == {"c": ["1.5"], "align": "right", "fill": "#f8d7da", "color": "#842029", "nw": True}
    assert first[1] == {"c": ["合"], "nw": True} and first[2] == {"c": ["长" * 14]} and first[3] == {"c": []}
    assert second[0] == {"c": ["粗"], "align": "right", "bold": True, "nw": True}


def test_a_table_view_is_the_notebook_html_and_the_pdf_table():
    import pandas as pd

    from eduwb.present.notebook import cell_style, table_html, table_view

    df = pd.DataFrame({"name": ["<b>甲</b>", "乙"], "n": [1.5, 2.0], "status": ["fail", "pass"]})
    css = pd.DataFrame("", index=df.index, columns=df.columns)
    css.loc[0, "status"] = "background-color: RED; color:#842029;font-weight:bold;position:fixed"
    shown = table_view(df, ["名称", "n", "状态"], "表", lambda _df: css)
    assert shown["rows"] == [["<b>甲</b>", "1.50", "fail"], ["乙", "2.00", "pass"]]
    assert shown["numeric"] == [False, True, False] and shown["nowrap"] == [True, True, True]
    assert shown["styles"] == [[0, 2, {"fill": "#ff0000", "color": "#842029", "bold": True}]]
    assert cell_style("color:url(x);background:#fff") == {"fill": "#fff"}
    html = table_html(shown)
    assert "&lt;b&gt;甲&lt;/b&gt;" in html and "position" not in html
    assert (
        '<td style="text-align:left;white-space:nowrap;'
        'background-color:#ff0000;color:#842029;font-weight:bold">' in html
    )
    [table] = table_blocks(shown)
    assert table["body"][0][0] == {"c": ["<b>甲</b>"], "nw": True}
    assert table["body"][0][2] == {
        "c": ["fail"],
        "fill": "#ff0000",
        "color": "#842029",
        "bold": True,
        "nw": True,
    }


def test_images_get_our_names_and_their_width():
    import base64
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (220, 110), "white").save(buffer, format="png", dpi=(110, 110))
    png = base64.b64encode(buffer.getvalue()).decode()

    def output(mime, data, **meta):
        return {
            "output_type": "display_data",
            "data": {mime: data, "text/plain": "<Figure>"},
            "metadata": meta,
        }

    blocks = [
        *output_blocks(output("image/png", png)),
        *output_blocks(output("image/png", png, **{"image/png": {"width": 768}})),
        *output_blocks(output("image/jpeg", png)),
        *output_blocks(output("image/svg+xml", '<svg width="460.8pt"></svg>')),
    ]
    images = {}
    named = typeset.named_images(blocks, images)
    assert named == [
        {"t": "img", "src": "img-1.png", "width": 144.0, "ratio": 0.5},  # 2 inches at 110 dpi
        {"t": "img", "src": "img-2.png", "width": 576.0, "ratio": 0.5},
        {"t": "img", "src": "img-3.jpg"},
        {"t": "img", "src": "img-4.svg", "width": 460.8},
    ]
    assert images["img-4.svg"] == b'<svg width="460.8pt"></svg>' and images["img-1.png"] == buffer.getvalue()


def test_an_output_only_html_shows_prints_its_text_or_fails_the_chapter():
    def output(data):
        return {"output_type": "execute_result", "data": data, "metadata": {}}

    frame = "   a\n0  1"
    assert output_blocks(output({"text/html": "<table>…</table>", "text/plain": frame})) == [
        {"t": "pre", "v": frame}
    ]
    with pytest.raises(ValueError, match="only be shown as HTML"):
        output_blocks(output({"text/html": "<b>x</b>", "text/plain": "<IPython.core.display.HTML object>"}))
    # an explorer's static form (eduwb.present.nbfiles): its controls' line prints, its HTML fails
    assert output_blocks(output({"text/html": "<p>学年 2025</p>", "text/plain": "学年 2025"})) == [
        {"t": "pre", "v": "学年 2025"}
    ]
    with pytest.raises(ValueError, match="only be shown as HTML"):
        output_blocks(output({"text/html": "<table>…</table>"}))
    assert output_blocks(output({"text/plain": "<Figure size 640x480 with 1 Axes>"})) == []
    widget = {"text/plain": "IntSlider(value=1)", "application/vnd.jupyter.widget-view+json": {}}
    assert output_blocks(output(widget)) == []
    stream = {"output_type": "stream", "name": "stdout", "text": "\x1b[31m红\x1b[0m\n"}
    assert output_blocks(stream) == [{"t": "pre", "v": "红"}]
    assert output_blocks({**stream, "name": "stderr"}) == []


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
    labels = [f"column {i}" for i in range(12)]
    [table] = table_blocks(
        view(labels, [["4299990001"] + ["可以换行的较长文字"] * 11], nowrap=[True] + [False] * 11)
    )
    assert table["wide"] and table["widths"][1:] == ["auto"] * 11
    assert 5.6 <= table["widths"][0] <= 7  # ten digits of about 0.56 em
    # too many such columns for the page: Typst's own shrinking instead
    [table] = table_blocks(view(labels, [["4299990001"] * 12], nowrap=[True] * 12))
    assert "widths" not in table
    # too many for all to keep their width (long header words): only the ids' column, whose
    # text cannot wrap, keeps its width; names, numbers narrower than a share and headers wrap
    labels = [f"Extraordinarily {i}" for i in range(16)]
    [table] = table_blocks(view(labels, [["4299990001", "城关第一小学"] + ["47"] * 14], nowrap=[True] * 16))
    assert 5.6 <= table["widths"][0] <= 7 and table["widths"][1:] == ["auto"] * 15


def test_an_svg_chart_is_an_image_as_written(tmp_path):
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
    output = {"output_type": "display_data", "data": {"image/svg+xml": buffer.getvalue()}, "metadata": {}}
    blocks = [*output_blocks(output), *markdown_blocks("之后")]
    images = {}
    assert typeset.named_images(blocks, images) == [
        {"t": "img", "src": "img-1.svg", "width": 288.0},
        {"t": "p", "c": ["之后"]},
    ]
    assert b"<svg" in images["img-1.svg"] and b"viewBox" in images["img-1.svg"]
    assert typeset.write_pdf(tiny_context([("图", blocks)]), tmp_path / "r.pdf") >= 4


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
    rows = [["2021", items, "尾列"], ["2022", run, "尾列"], ["2023", "共 4,545,678 份", "尾列"]]
    blocks = table_blocks(view(["学年", "未达标指标", "缺数据"], rows))
    typeset.write_pdf(tiny_context([("第一章", blocks)]), tmp_path / "r.pdf")
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
    blocks = markdown_blocks("## 小节\n\n正文 text") + table_blocks(view(["学校"], [["城关小学"]]))
    typeset.write_pdf(tiny_context([("第一章", blocks)]), tmp_path / "r.pdf")
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
    long = "达到本项标准的学校（学段）小学 17/29、初中 12/14；差异系数 小学 0.423、初中 0.300" * 4
    rows = [[f"R{i}", "政府保障程度", "未达标", long] for i in range(8)]
    [table] = table_blocks(view(["指标", "维度", "状态", "依据"], rows, nowrap=[True, True, True, False]))
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
    from eduwb.report.layout import keep_introductions

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
