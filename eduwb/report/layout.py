"""From executed notebooks to report chapters: what of a notebook reaches paper, as a document
model (plain data that the report's Typst template typesets).

A chapter is made from what one executed notebook emitted as data, never from HTML: Markdown
(cells and ``text/markdown`` outputs) through mistune's syntax tree (:func:`markdown_blocks`),
the tables of :func:`eduwb.present.show_table` from their view (:func:`table_blocks`), images
from their bytes (:func:`image_block`). No code, prompts, scripts, widgets or stderr reach
paper; an output only HTML can show prints its plain text, or fails the chapter
(:func:`output_blocks`). Nothing of the model is ever turned into markup:
``templates/report.typ`` reads it as JSON and shows every string as text, so a school named
``#set page(..)``, ``*bold*`` or ``$x$`` prints as written.

Blocks (``{"t": kind, ...}``):

- ``h``: a heading, ``level`` 2 (a section, bookmarked), 3 or 4, inlines ``c``;
- ``p``: a paragraph, inlines ``c``, ``keep`` (a short introduction kept with what follows);
- ``list``: ``ordered``, ``items`` (each a list of blocks);
- ``quote``: blocks ``c``;  ``pre``: preformatted text ``v``;
- ``table``: ``caption`` (inlines or None), ``columns``, ``head`` and ``body`` rows of cells,
  ``wide`` (ten columns or more: a smaller font), optionally ``widths`` (see
  :mod:`eduwb.report.colwidths`) and ``size`` (a long table's smaller font, in points);
- ``img``: ``src``, a file name chosen by :mod:`eduwb.report.typeset` (``img-7.png``; in a
  chapter the image's bytes, base64, are in ``data`` and its kind in ``ext``), ``width`` in
  points, and ``ratio`` (height ÷ width) of a PNG.

Inlines are strings (text) or ``{"t": kind, ...}``: ``b``, ``i``, ``sub``, ``sup``, ``span``
(``color``, ``fill``, ``bold``) with inlines ``c``; ``code`` with text ``v``; ``br``.  A cell is
``{"c": inlines}`` with ``align``, ``fill``, ``color``, ``bold``, ``nw`` (never wrapped),
``th``, ``mono`` (the appendix's) when they apply.

Links print as their text; images in Markdown print nothing (nothing is ever fetched).  Raw
HTML in Markdown: the styling tags eduwb's prose writes (``<span style="color:…">``,
``<strong>``, ``<br>`` …, the ones :func:`eduwb.present.safe.md_guard` lets through) style
their text; any other tag is left out and its text kept.
"""

from __future__ import annotations

import base64
import functools
import html
import io
import json
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from eduwb.data.workbook import display_width
from eduwb.report.colwidths import FONT_PT, TEXT_WIDTH_PT, table_widths, text_of_inlines

# As templates/report.typ sets them: a wide table's font size and its cells' left and right
# padding (1 mm each), in points.
WIDE_FONT_PT = 7
WIDE_INSET_PT = 2 / 25.4 * 72
# Tables of this many columns or more print in a smaller font.
WIDE_TABLE_COLUMNS = 10
# A cell this narrow (in half-width characters) never wraps: "小学" split into 小/学 reads badly.
NOWRAP_WIDTH = 10
_SPACE = re.compile(r"\s+")
_STYLE_TAGS = {"strong": "b", "b": "b", "em": "i", "i": "i", "sub": "sub", "sup": "sup", "span": None}
_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)\b([^>]*)>")
_STYLE_ATTR = re.compile(r"""\bstyle\s*=\s*("[^"]*"|'[^']*')""", re.I)
_SILENT_HTML = re.compile(r"<(script|style|template)\b.*?</\1\s*>|<!--.*?-->", re.S | re.I)


# ---- Markdown --------------------------------------------------------------------------------
@functools.cache
def _markdown() -> Any:
    import mistune

    return mistune.create_markdown(renderer=None, plugins=["strikethrough"])


def markdown_blocks(text: str) -> list[dict[str, Any]]:
    """The blocks of a Markdown text (CommonMark, as Jupyter renders it)."""
    return _blocks(_markdown()(text))


def _blocks(tokens: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for tok in tokens:
        kind, children = tok["type"], tok.get("children", [])
        if kind == "heading":
            inl = _trim(_inlines(children))
            if inl:  # h1 and h2 are sections; h4 to h6 print alike
                out.append({"t": "h", "level": min(max(tok["attrs"]["level"], 2), 4), "c": inl})
        elif kind in ("paragraph", "block_text"):
            inl = _trim(_inlines(children))
            if inl:
                out.append({"t": "p", "c": inl})
        elif kind == "list":
            items = [item for item in (_blocks(li.get("children", [])) for li in children) if item]
            if items:
                out.append({"t": "list", "ordered": bool(tok["attrs"].get("ordered")), "items": items})
        elif kind == "block_quote":
            body = _blocks(children)
            if body:
                out.append({"t": "quote", "c": body})
        elif kind == "block_code":
            text = tok["raw"].strip("\n")
            if text.strip():
                out.append({"t": "pre", "v": text})
        elif kind == "block_html":
            inl = _trim(_inlines([{"type": "inline_html", "raw": tok["raw"]}]))
            if inl:
                out.append({"t": "p", "c": inl})
    return out


def _inlines(tokens: list[dict[str, Any]]) -> list[Any]:
    """Inlines of mistune's inline tokens; one string per run of text, white space collapsed."""
    stack: list[tuple[dict[str, Any] | None, list[Any]]] = [(None, [])]
    for tok in tokens:
        kind = tok["type"]
        if kind == "inline_html":
            _html_tags(tok["raw"], stack)
            continue
        content = stack[-1][1]
        if kind == "text":
            content.append(html.unescape(tok["raw"]))
        elif kind == "softbreak":
            content.append("\n")
        elif kind == "linebreak":
            content.append({"t": "br"})
        elif kind == "codespan":
            text = _SPACE.sub(" ", html.unescape(tok["raw"]))
            if text:
                content.append({"t": "code", "v": text})
        elif kind in ("strong", "emphasis"):
            inner = _inlines(tok["children"])
            if inner:
                content.append({"t": "b" if kind == "strong" else "i", "c": inner})
        elif kind in ("link", "strikethrough"):  # a link prints as its text
            content.extend(_inlines(tok["children"]))
        # images print nothing: nothing is fetched
    while len(stack) > 1:
        _close(stack)
    return _merged(stack[0][1])


def _html_tags(raw: str, stack: list[tuple[dict[str, Any] | None, list[Any]]]) -> None:
    """Raw HTML inside Markdown: the styling tags open and close styled inlines on ``stack``;
    other tags print nothing, the text between them as written."""
    from eduwb.present.notebook import cell_style

    raw = _SILENT_HTML.sub("", raw)
    last = 0
    for m in _TAG.finditer(raw):
        stack[-1][1].append(html.unescape(raw[last : m.start()]))
        last = m.end()
        closing, tag = m.group(1), m.group(2).lower()
        if tag == "br":
            stack[-1][1].append({"t": "br"})
        elif tag in _STYLE_TAGS and closing:
            if len(stack) > 1 and stack[-1][0]["tag"] == tag:
                _close(stack)
        elif tag in _STYLE_TAGS:
            style = _STYLE_ATTR.search(m.group(3))
            stack.append(
                ({"tag": tag, **cell_style(html.unescape(style.group(1)[1:-1]) if style else "")}, [])
            )
    stack[-1][1].append(html.unescape(raw[last:]))


def _close(stack: list[tuple[dict[str, Any] | None, list[Any]]]) -> None:
    opened, content = stack.pop()
    inner = _merged(content)
    if inner:
        style = dict(opened)
        kind = _STYLE_TAGS[style.pop("tag")]
        if kind:
            inner = [{"t": kind, "c": inner}]
        stack[-1][1].extend([{"t": "span", "c": inner, **style}] if style else inner)


def _merged(items: list[Any]) -> list[Any]:
    out: list[Any] = []
    for item in items:
        if not isinstance(item, str):
            out.append(item)
        elif out and isinstance(out[-1], str):
            out[-1] = _SPACE.sub(" ", out[-1] + item)
        elif item:
            out.append(_SPACE.sub(" ", item))
    return out


# ---- tables ----------------------------------------------------------------------------------
def table_blocks(view: dict[str, Any]) -> list[dict[str, Any]]:
    """A table view (:func:`eduwb.present.notebook.table_view`) as a table block: caption,
    header row (repeated on each page), body rows; then its note, when rows were left out."""
    caption = _trim(_merged([view.get("caption") or ""])) or None
    styles = {(i, j): style for i, j, style in view.get("styles", [])}
    numeric, nowrap = view["numeric"], view["nowrap"]
    head = [[_cell(label, numeric[j], False, head=True) for j, label in enumerate(view["labels"])]]
    body = [
        [_cell(value, numeric[j], nowrap[j], style=styles.get((i, j))) for j, value in enumerate(row)]
        for i, row in enumerate(view["rows"])
    ]
    columns = len(head[0]) or 1
    out: dict[str, Any] = {"t": "table", "caption": caption, "columns": columns, "head": head, "body": body}
    if len(head[0]) >= WIDE_TABLE_COLUMNS:
        out["wide"] = True
        widths = _nowrap_widths(head, body, columns)
        if widths:
            out["widths"] = widths
    else:
        layout = table_widths(head, body)  # None: every column fits on one line, Typst's auto
        if layout is not None:
            out["widths"] = layout.widths
            out["hyphenate"] = True  # long words in narrow columns
            if layout.size != FONT_PT:
                out["size"] = layout.size  # a long table, denser; its long words hyphenate
    note = _trim(_merged([view.get("note") or ""]))
    return [out, {"t": "p", "c": note}] if note else [out]


def _cell(
    value: str, numeric: bool, nowrap: bool, *, head: bool = False, style: dict[str, Any] | None = None
) -> dict[str, Any]:
    cell: dict[str, Any] = {"c": _trim(_merged([value]))}
    if numeric:
        cell["align"] = "right"
    cell.update((key, style[key]) for key in ("fill", "color", "bold") if key in (style or {}))
    # a short cell never wraps ("小学" split into 小/学 reads badly); a header of words
    # still may between them ("Pupils now"), or a wide table's columns would overlap
    if (nowrap or _short(value)) and not (head and " " in value.strip()):
        cell["nw"] = True
    return cell


def _short(text: str) -> bool:
    """Whether a cell's text is short enough never to wrap: at most :data:`NOWRAP_WIDTH`
    half-width characters (and twelve as the notebook's HTML writes them)."""
    written = html.escape(text)
    if not 0 < len(written) <= 12:
        return False
    return display_width(re.sub(r"&[#\w]+;", "x", written.strip())) <= NOWRAP_WIDTH


def _nowrap_widths(
    head: list[list[dict[str, Any]]], body: list[list[dict[str, Any]]], columns: int
) -> list[Any] | None:
    """Widths for a wide table whose columns of short cells must not be squeezed: a column
    whose every cell never wraps gets the width (in em) of its longest text, or of its
    header's longest word; the others are ``auto``.  When they cannot all keep their width,
    only the columns of unbreakable text wider than an equal share do.

    Typst shrinks every column wider than a fair share when a table is too wide, short
    unwrappable cells included (they would then spill into the next column).  None when no
    column is such.
    """
    if not body:
        return None
    widths: list[Any] = []
    texts: list[Any] = []  # the widths of the cells' text alone
    for j in range(columns):
        cells = [row[j] for row in body if row[j]["c"]]
        if not cells or not all(c.get("nw") for c in cells):
            widths.append("auto")
            texts.append("auto")
            continue
        strings = ["".join(text_of_inlines(c["c"])) for c in cells]
        ems = max(_ems(text) for text in strings)
        # Chinese, or words, wrap in a column too narrow; an id or a number never does
        texts.append(round(ems * 1.04 + 0.1, 2) if not any(_breakable(t) for t in strings) else "auto")
        for row in head:
            words = "".join(text_of_inlines(row[j]["c"])).split() or [""]
            ems = max(ems, 1.05 * max(_ems(w) for w in words))  # bold
        widths.append(round(ems * 1.04 + 0.1, 2))
    if _fits(widths, 4):
        return widths
    # Too many for the page: only the columns of unbreakable text (ids, numbers, single words)
    # wider than an equal share (what Typst gives each of the widest columns) keep their
    # text's width, if the others still get 3 em each; their header's words hyphenate.  Else
    # Typst's own shrinking (the table stays on the page) is the lesser evil.
    share = (TEXT_WIDTH_PT - columns * WIDE_INSET_PT) / WIDE_FONT_PT / columns
    texts = [w if w != "auto" and w > share else "auto" for w in texts]
    return texts if _fits(texts, 3) else None


def _breakable(text: str) -> bool:
    """Whether ``text`` may wrap: it has a space or a Chinese (wide) character."""
    return any(ch.isspace() or unicodedata.east_asian_width(ch) in "WF" for ch in text.strip())


def _fits(widths: list[Any], other: float) -> bool:
    """Whether a wide table with these column widths (em, or ``auto``) fits the page, with
    ``other`` em for each ``auto`` column; False when no column has a width."""
    fixed = [w for w in widths if w != "auto"]
    needed = (sum(fixed) + other * (len(widths) - len(fixed))) * WIDE_FONT_PT + len(widths) * WIDE_INSET_PT
    return bool(fixed) and needed <= TEXT_WIDTH_PT


def _ems(text: str) -> float:
    """The width of ``text`` in em, roughly, in Noto Sans CJK: generous, never much less."""

    def em(ch: str) -> float:
        if unicodedata.east_asian_width(ch) in "WF":
            return 1.0
        return 0.3 if ch == " " else 0.66 if ch.isupper() or ch in "mwMW%" else 0.56

    return sum(em(ch) for ch in text)


#: A section's introduction this short (characters) stays on the page of what it introduces.
INTRODUCTION_CHARS = 600


def keep_introductions(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Mark ``keep`` the paragraphs between a heading and the chart, table or list they
    introduce, when they are short: the template keeps them, and so the heading, with it
    (a heading and its two lines never end a page whose next one starts with the chart).
    A short section of prose alone is kept whole the same way."""
    for i, block in enumerate(blocks):
        if block["t"] != "h":
            continue
        j, chars = i + 1, 0
        while j < len(blocks) and blocks[j]["t"] == "p":
            chars += len("".join(text_of_inlines(blocks[j]["c"])))
            j += 1
        if chars > INTRODUCTION_CHARS or j == i + 1:
            continue
        introduces = j < len(blocks) and blocks[j]["t"] in ("img", "table", "list")
        # a short section of prose alone is kept whole (its last paragraph ends the keeping)
        for k in range(i + 1, j if introduces else j - 1):
            blocks[k]["keep"] = True
    return blocks


def _trim(inl: list[Any]) -> list[Any]:
    """Inlines without leading and trailing white space."""
    inl = list(inl)
    for end, strip in ((0, str.lstrip), (-1, str.rstrip)):
        while inl and isinstance(inl[end], str) and not inl[end].strip():
            inl.pop(end)
        if inl and isinstance(inl[end], str):
            inl[end] = strip(inl[end])
    return inl


# ---- images ----------------------------------------------------------------------------------
def image_block(ext: str, data: bytes, width_pt: float | None) -> dict[str, Any]:
    """An image block holding the image (``data``, base64); ``width`` in points."""
    out: dict[str, Any] = {"t": "img", "ext": ext, "data": base64.b64encode(data).decode("ascii")}
    if width_pt:
        out["width"] = width_pt
    size = png_size(data) if ext == "png" else None
    if size is not None and size[0] > 0:
        out["ratio"] = round(size[1] / size[0], 4)  # height ÷ width: a tall chart is printed smaller
    return out


def png_size(data: str | bytes) -> tuple[int, int, float | None] | None:
    """Width, height (pixels) and resolution (dots per inch, None if unknown) of a PNG, from its
    bytes or their base64 text (as notebooks store images); None for anything else."""
    from PIL import Image

    raw = base64.b64decode(data) if isinstance(data, str) else data
    try:
        with Image.open(io.BytesIO(raw), formats=["PNG"]) as image:
            return (*image.size, image.info.get("dpi", (None,))[0])
    except Exception:  # noqa: BLE001 -- not a PNG, or a broken one
        return None


TABLE_MIME = "application/vnd.eduwb.table+json"
WIDGET_VIEW_MIME = "application/vnd.jupyter.widget-view+json"
# Tags a notebook author can put on a cell to keep it (or its outputs) out of the report.
REMOVE_CELL_TAGS = ("remove-cell", "remove_cell", "report-remove")
REMOVE_OUTPUT_TAGS = ("remove-output", "remove_output")

_OBJECT_REPR = re.compile(
    r"^\[?<[^>]* at 0x[0-9a-fA-F]+>|^<Figure size [^>]*>$|^<matplotlib\.|^<[\w.]+ object>$"
)
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_SVG_WIDTH = re.compile(r"<svg\b[^>]*?\swidth\s*=\s*[\"']([^\"']*)[\"']")
HTML_ONLY = (
    "{cell}：这个输出只能以 HTML 显示，报告无法打印；请用 eduwb.present.show_table、md 或图表 / "
    "{cell}: this output can only be shown as HTML, which the report does not print; "
    "use eduwb.present.show_table, md or a chart"
)


@dataclass
class Chapter:
    title: str
    blocks: list[dict[str, Any]]
    tables: list[dict[str, Any]] = field(default_factory=list)


def chapter_from_notebook(nb: Any, *, fallback_title: str, chapter_id: str = "", lang: str = "zh") -> Chapter:
    """An executed notebook (left unchanged) as a report chapter: its title (the first heading,
    then not repeated in the body, else ``fallback_title``), its blocks, and the tables it showed
    with ``eduwb.present.show_table`` (for the workbook). ``chapter_id`` (``ch2``) names the
    chapter in messages; a Markdown cell prints its ``lang`` translation when it has one.
    """
    blocks: list[dict[str, Any]] = []
    tables = []
    for number, cell in enumerate(nb.cells, start=1):
        if _has_tag(cell, REMOVE_CELL_TAGS):
            continue
        if cell.cell_type == "markdown":
            blocks += markdown_blocks(cell_markdown(cell, lang))
        elif cell.cell_type == "code":
            for output in cell.get("outputs", []):
                payload = _table_payload(output)
                if payload is not None:
                    # the workbook takes the data, not how it was shown
                    tables.append({k: v for k, v in payload.items() if k != "view"})
                if not _has_tag(cell, REMOVE_OUTPUT_TAGS):
                    blocks += output_blocks(output, f"{chapter_id or fallback_title} #{number}")
    title = pop_title(blocks) or fallback_title
    for table in tables:
        table["chapter"] = title
    return Chapter(title=title, blocks=keep_introductions(blocks), tables=tables)


def cell_markdown(cell: Any, lang: str) -> str:
    """A Markdown cell's text as the report prints it in ``lang``.

    Notebooks are written in Chinese; their prose carries its translations in
    ``metadata["eduwb"][lang]`` and, where a run and the report differ, what the report
    prints (``metadata["eduwb"]["printed"][lang]``: the text without what only an
    interactive run shows).
    """
    meta = cell.get("metadata", {}).get("eduwb", {})
    return (meta.get("printed") or {}).get(lang) or meta.get(lang) or cell.source


def output_blocks(output: Any, where: str = "") -> list[dict[str, Any]]:
    """The blocks of one output: a table from its view, an image from its bytes, Markdown,
    text.  Nothing for stderr, errors, widgets, scripts and bare object reprs such as
    ``<Figure size 640x480 with 1 Axes>``.

    An output whose only printable form is HTML (a DataFrame's, ``IPython.display.HTML``) never
    prints its HTML: it prints its plain text when that is text, else a ValueError names the
    cell (``where``): the chapter fails rather than print something else than the notebook shows.
    """
    kind = output.get("output_type")
    if kind == "stream":
        return _pre(output.get("text", "")) if output.get("name") == "stdout" else []
    if kind not in ("display_data", "execute_result"):
        return []  # errors never reach a successful report; unknown types are not printable
    data = output.get("data", {})
    view = (_table_payload(output) or {}).get("view")
    if view is not None:
        return table_blocks(view)
    if WIDGET_VIEW_MIME in data:
        return []  # a widget's plain-text stand-in ("IntSlider(value=1)") means nothing on paper
    meta = output.get("metadata", {})
    for mime, ext in (("image/svg+xml", "svg"), ("image/png", "png"), ("image/jpeg", "jpg")):
        if isinstance(data.get(mime), (str, list)):
            return [_image(_text(data[mime]), ext, meta.get(mime, {}).get("width") or meta.get("width"))]
    if "text/markdown" in data:
        return markdown_blocks(_text(data["text/markdown"]))
    if "text/latex" in data:  # as written: nothing typesets TeX
        latex = " ".join(_text(data["text/latex"]).split())
        return [{"t": "p", "c": [latex]}] if latex else []
    plain = _text(data.get("text/plain", ""))
    if not plain.strip() or _OBJECT_REPR.match(plain.strip()):
        if "text/html" in data:
            raise ValueError(HTML_ONLY.format(cell=where))
        return []
    return _pre(plain)


def _table_payload(output: Any) -> dict[str, Any] | None:
    payload = output.get("data", {}).get(TABLE_MIME)
    return json.loads(payload) if isinstance(payload, str) else payload


def _text(value: Any) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def _pre(text: Any) -> list[dict[str, Any]]:
    text = _ANSI.sub("", _text(text)).strip("\n")
    return [{"t": "pre", "v": text}] if text.strip() else []


def _image(text: str, ext: str, width: Any) -> dict[str, Any]:
    """An image block; ``width`` (CSS pixels) as the producer said, else a PNG's physical
    width from its resolution (a chart drawn at 110 dpi prints at its size, sharp), else an
    SVG's own width."""
    data = text.encode("utf-8") if ext == "svg" else base64.b64decode(text)
    if width is None and ext == "png":
        size = png_size(data)
        if size is not None and size[2]:
            width = max(1, round(size[0] * 96 / size[2]))  # CSS pixels are 1/96 inch
    if width is None and ext == "svg":
        m = _SVG_WIDTH.search(text)
        width = m.group(1) if m else None
    return image_block(ext, data, _length(str(width)) if width is not None else None)


def _length(value: str) -> float | None:
    """A length in points from CSS pixels (``768``, ``768px``) or points (``460.8pt``, as an
    SVG says); None for anything else (``100%``, ``auto``)."""
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(px|pt)?\s*", value)
    if not m or float(m.group(1)) <= 0:
        return None
    return round(float(m.group(1)) * (1 if m.group(2) == "pt" else 0.75), 2)


def pop_title(blocks: list[dict[str, Any]]) -> str | None:
    """Remove the chapter's first heading from ``blocks`` and return its text."""
    for i, block in enumerate(blocks):
        if block["t"] == "h":
            del blocks[i]
            return "".join(text_of_inlines(block["c"])).strip()
    return None


def _has_tag(cell: Any, tags: tuple[str, ...]) -> bool:
    return any(tag in tags for tag in cell.get("metadata", {}).get("tags", []))
