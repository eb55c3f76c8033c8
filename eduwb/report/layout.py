"""From executed notebooks to report chapters: what of a notebook reaches paper, as HTML.

A chapter is the outputs of one executed notebook converted by nbconvert without code,
prompts, scripts, widgets or stderr, defanged (:mod:`eduwb.report.sanitize`).  The report's
PDF is typeset from the chapters by :mod:`eduwb.report.typeset`, which reads this HTML into
a document model (:mod:`eduwb.report.blocks`); no browser and no TeX are involved.

Heavy imports (nbconvert) happen inside the functions that need them: ``import eduwb`` must
stay fast.
"""

from __future__ import annotations

import base64
import copy
import functools
import json
import re
import struct
from dataclasses import dataclass, field
from html import unescape as html_unescape
from pathlib import Path
from typing import Any

from eduwb.report.sanitize import defang

TEMPLATES_DIR = Path(__file__).parent / "templates"
TABLE_MIME = "application/vnd.eduwb.table+json"
WIDGET_VIEW_MIME = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE_MIME = "application/vnd.jupyter.widget-state+json"
# Mime types that mean nothing on paper; an output left with nothing printable is dropped.
_UNPRINTABLE_MIMES = (TABLE_MIME, WIDGET_VIEW_MIME, WIDGET_STATE_MIME, "application/javascript")
_PRINTABLE_MIMES = ("image/svg+xml", "image/png", "image/jpeg", "text/html", "text/markdown", "text/latex")
# Tags a notebook author can put on a cell to keep it (or its outputs) out of the report.
REMOVE_CELL_TAGS = ("remove-cell", "remove_cell", "report-remove")
REMOVE_OUTPUT_TAGS = ("remove-output", "remove_output")

_HEADING_LINE = re.compile(r"^\s{0,3}(#{1,6})\s+(.+?)\s*#*\s*$")
_OBJECT_REPR = re.compile(r"^\[?<[^>]* at 0x[0-9a-fA-F]+>|^<Figure size [^>]*>$|^<matplotlib\.")
_ANCHOR_LINK = re.compile(r'<a class="anchor-link" href="#[^"]*">[^<]*</a>')
_CELL_ID = re.compile(r'\s+id="cell-id=[^"]*"')
_HEADING_ID = re.compile(r'<(h[1-6]) id="([^"]*)"')
_STYLER_UUID = re.compile(r"\bT_([0-9a-f]{5,})(?=[_\"'\s{,.:#])")
_SHORT_CELL = re.compile(r"<(td|th)((?:\s[^>]*)?)>([^<]{1,12})</\1>")
_TABLE = re.compile(r"<table\b[^>]*>.*?</table>", re.S)
# A cell this narrow (in half-width characters) never wraps: "小学" split into 小/学 reads badly.
NOWRAP_WIDTH = 10
# Tables with more columns than this print in a smaller font.
WIDE_TABLE_COLUMNS = 10


@dataclass
class Chapter:
    """One notebook's contribution to a report."""

    title: str
    html: str
    tables: list[dict[str, Any]] = field(default_factory=list)


# ---- notebook → chapter -------------------------------------------------------------------
def chapter_from_notebook(nb: Any, *, fallback_title: str, chapter_id: str, lang: str = "zh") -> Chapter:
    """Convert an executed notebook into a report chapter.

    Parameters
    ----------
    nb : nbformat.NotebookNode
        The executed notebook (left unchanged).
    fallback_title : str
        Title used when the notebook has no Markdown heading.
    chapter_id : str
        A prefix making the chapter's HTML ids unique within the report.
    lang : str
        The report's language: a Markdown cell written in Chinese prints its translation
        from ``metadata["eduwb"][lang]`` when it has one.

    Returns
    -------
    Chapter
        Title (the notebook's first Markdown heading, which is then not repeated in the
        body), the HTML fragment, and the tables the notebook displayed with
        ``eduwb.present.show_table`` (for the Excel workbook).
    """
    tables = notebook_tables(nb)
    printable = printable_notebook(nb, lang=lang)
    title = pop_title(printable) or fallback_title
    images = _set_images_aside(printable)
    html = _exporter().from_notebook_node(printable)[0]
    html = _put_images_back(_tidy_fragment(html, chapter_id), images)
    # whatever a notebook printed: no link out, no attachment, nothing loaded, nothing positioned
    html = defang(html)
    for table in tables:
        table["chapter"] = title
    return Chapter(title=title, html=html, tables=tables)


def notebook_tables(nb: Any) -> list[dict[str, Any]]:
    """The tables a notebook displayed, in display order (payloads of the eduwb table mime type)."""
    tables = []
    for cell in nb.cells:
        if cell.cell_type != "code" or _has_tag(cell, REMOVE_CELL_TAGS):
            continue
        for output in cell.get("outputs", []):
            payload = output.get("data", {}).get(TABLE_MIME)
            if payload is None:
                continue
            if isinstance(payload, str):
                payload = json.loads(payload)
            tables.append(dict(payload))
    return tables


def printable_notebook(nb: Any, lang: str = "zh") -> Any:
    """A copy of ``nb`` holding only what belongs on paper.

    A Markdown cell prints ``metadata["eduwb"]["printed"][lang]`` when it has one (its text
    without what only an interactive run offers), else its translation for ``lang``.
    Dropped: cells tagged ``remove-cell``, outputs of cells tagged ``remove-output``,
    stderr streams (warnings), widget views and state, scripts, the eduwb table payloads
    (the HTML rendering of the same table stays), error outputs, bare object reprs such as
    ``<Figure size 640x480 with 1 Axes>``, code cells left without output, empty Markdown.
    PNG images get a display width from their resolution, so a chart drawn at 200 dpi
    prints at its physical size, sharp.
    """
    nb = _copy_to_edit(nb)
    nb.metadata.pop("widgets", None)
    cells = []
    for cell in nb.cells:
        if _has_tag(cell, REMOVE_CELL_TAGS):
            continue
        if cell.cell_type == "markdown":
            # notebooks are written in Chinese; their prose carries its translations in metadata,
            # and, where a run and the report differ, what the report prints ("printed": the
            # text without what only an interactive run shows)
            meta = cell.get("metadata", {}).get("eduwb", {})
            translated = (meta.get("printed") or {}).get(lang) or meta.get(lang)
            if translated:
                cell.source = translated
            if cell.source.strip():
                cells.append(cell)
            continue
        if cell.cell_type != "code":
            continue
        outputs = [] if _has_tag(cell, REMOVE_OUTPUT_TAGS) else _printable_outputs(cell.get("outputs", []))
        if outputs:
            cell.outputs = outputs
            cells.append(cell)
    nb.cells = cells
    return nb


def _copy_to_edit(nb: Any) -> Any:
    """A copy of ``nb`` whose cells, outputs, output data and metadata can be edited freely.

    Not a deep copy: the values of the outputs' data (images, HTML, and the tables' payloads
    with every row) are shared, as nothing here edits them in place; copying the payloads
    was most of the cost of converting a chapter.
    """
    from nbformat import NotebookNode

    def output(o: Any) -> Any:
        new = NotebookNode(o)
        new["metadata"] = copy.deepcopy(o.get("metadata", {}))
        if "data" in o:
            new["data"] = NotebookNode(o["data"])
        return new

    def cell(c: Any) -> Any:
        new = NotebookNode(c)
        new["metadata"] = copy.deepcopy(c.get("metadata", {}))
        if "outputs" in c:
            new["outputs"] = [output(o) for o in c["outputs"]]
        return new

    out = NotebookNode(nb)
    out["metadata"] = copy.deepcopy(nb.get("metadata", {}))
    out["cells"] = [cell(c) for c in nb.get("cells", [])]
    return out


_IMAGE_MIMES = ("image/png", "image/jpeg")
_IMAGE_TOKEN = "eduwb-image-{}-eduwb"
_IMAGE_TOKEN_RE = re.compile(r"eduwb-image-(\d+)-eduwb")


def _set_images_aside(nb: Any) -> list[str]:
    """Replace each image's base64 text in ``nb`` (a printable copy) by a short token; return the texts.

    nbconvert's HTML exporter re-parses its whole output with BeautifulSoup; with the images
    inline that is megabytes of base64, parsed for nothing.  :func:`_put_images_back` restores them.
    """
    images: list[str] = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            for mime in _IMAGE_MIMES:
                if isinstance(data.get(mime), str):
                    images.append(data[mime])
                    data[mime] = _IMAGE_TOKEN.format(len(images) - 1)
    return images


def _put_images_back(html: str, images: list[str]) -> str:
    return _IMAGE_TOKEN_RE.sub(lambda m: images[int(m.group(1))], html) if images else html


def _printable_outputs(outputs: list[Any]) -> list[Any]:
    kept = []
    for output in outputs:
        kind = output.get("output_type")
        if kind == "stream":
            if output.get("name") == "stdout" and output.get("text", "").strip():
                kept.append(output)
            continue
        if kind not in ("display_data", "execute_result"):
            continue  # errors never reach a successful report; unknown types are not printable
        data = output.get("data", {})
        was_widget = WIDGET_VIEW_MIME in data
        for mime in _UNPRINTABLE_MIMES:
            data.pop(mime, None)
        if not any(mime in data for mime in _PRINTABLE_MIMES):
            text = str(data.get("text/plain", "")).strip()
            # A widget's plain-text stand-in ("IntSlider(value=1)") means nothing on paper.
            if was_widget or not text or _OBJECT_REPR.match(text):
                continue
        if "image/png" in data:
            _set_png_width(output)
        kept.append(output)
    return kept


def pop_title(nb: Any) -> str | None:
    """Remove and return the notebook's first Markdown heading (from a cell or an output)."""
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            title, rest = _split_heading(cell.source)
            if title:
                cell.source = rest
                if not rest.strip():
                    nb.cells.remove(cell)
                return title
        elif cell.cell_type == "code":
            for output in cell.get("outputs", []):
                text = output.get("data", {}).get("text/markdown")
                if isinstance(text, list):
                    text = "".join(text)
                if text:
                    title, rest = _split_heading(text)
                    if title:
                        output["data"]["text/markdown"] = rest
                        if not rest.strip():
                            cell.outputs.remove(output)
                        return title
    return None


def _split_heading(markdown: str) -> tuple[str | None, str]:
    lines = markdown.splitlines()
    fenced = False
    for i, line in enumerate(lines):
        if line.lstrip().startswith(("```", "~~~")):
            fenced = not fenced
            continue
        m = None if fenced else _HEADING_LINE.match(line)
        if m:
            return _plain_heading(m.group(2)), "\n".join(lines[:i] + lines[i + 1 :])
    return None, markdown


def _plain_heading(text: str) -> str:
    # Headings may carry inline Markdown (emphasis, code, links); a title is plain text.
    text = re.sub(r"(?<!\\)\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"(?<!\\)[*_`]", "", text)
    # a name escaped for Markdown (eduwb.present.md_escape) reads as written
    text = re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", text)
    return html_unescape(text).strip()


def _has_tag(cell: Any, tags: tuple[str, ...]) -> bool:
    return any(tag in tags for tag in cell.get("metadata", {}).get("tags", []))


def _set_png_width(output: Any) -> None:
    meta = output.setdefault("metadata", {})
    png_meta = meta.get("image/png", {})
    if "width" in png_meta or "width" in meta:
        return  # the producer said how wide (e.g. IPython's "retina" format)
    size = png_size(output["data"]["image/png"])
    if size is None:
        return
    width_px, _height_px, dpi = size
    if dpi and dpi > 0:
        # CSS pixels are 1/96 inch.
        meta["image/png"] = {**png_meta, "width": max(1, round(width_px * 96 / dpi))}


def png_size(data: str | bytes) -> tuple[int, int, float | None] | None:
    """Width, height (pixels) and resolution (dots per inch, None if unknown) of a PNG.

    ``data`` is the PNG bytes or their base64 text, as notebooks store images.
    """
    raw = base64.b64decode(data[:4096] + "=" * (-len(data[:4096]) % 4)) if isinstance(data, str) else data
    if raw[:8] != b"\x89PNG\r\n\x1a\n":
        return None
    pos, width, height, dpi = 8, None, None, None
    while pos + 8 <= len(raw):
        length, kind = struct.unpack(">I4s", raw[pos : pos + 8])
        body = raw[pos + 8 : pos + 8 + length]
        if kind == b"IHDR" and len(body) >= 8:
            width, height = struct.unpack(">II", body[:8])
        elif kind == b"pHYs" and len(body) == 9:
            ppu_x, _ppu_y, unit = struct.unpack(">IIB", body)
            if unit == 1:
                dpi = ppu_x * 0.0254
        elif kind == b"IDAT":
            break
        pos += 12 + length
    if width is None:
        return None
    return width, height, dpi


def _tidy_fragment(html: str, chapter_id: str) -> str:
    html = _ANCHOR_LINK.sub("", html)
    html = _CELL_ID.sub("", html)  # nbconvert's cell anchors repeat across chapters; print needs none
    # Heading ids repeat across chapters ("小结" in every one); prefix them with the chapter.
    html = _HEADING_ID.sub(lambda m: f'<{m.group(1)} id="{chapter_id}-{m.group(2)}"', html)
    # pandas Styler ids are random; number them so the same inputs give the same PDF.
    seen: dict[str, str] = {}

    def stable(m: re.Match[str]) -> str:
        token = m.group(1)
        seen.setdefault(token, f"{chapter_id.replace('-', '')}t{len(seen) + 1}")
        return "T_" + seen[token]

    html = _STYLER_UUID.sub(stable, html)
    return _TABLE.sub(_tidy_table, html)


def _tidy_table(match: re.Match[str]) -> str:
    table = _SHORT_CELL.sub(_nowrap_cell, match.group(0))
    head = table.split("</tr>", 1)[0]
    if head.count("<th") > WIDE_TABLE_COLUMNS:
        table = table.replace("<table", '<table data-wide=""', 1)
    return table


def _nowrap_cell(m: re.Match[str]) -> str:
    tag, attrs, text = m.group(1), m.group(2), m.group(3)
    if _text_width(text.strip()) > NOWRAP_WIDTH:
        return m.group(0)
    if ' class="' in attrs:
        attrs = attrs.replace(' class="', ' class="nw ', 1)
    else:
        attrs += ' class="nw"'
    return f"<{tag}{attrs}>{text}</{tag}>"


def _text_width(text: str) -> int:
    import unicodedata

    text = re.sub(r"&[#\w]+;", "x", text)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


@functools.cache
def _exporter() -> Any:
    import logging

    from nbconvert import HTMLExporter

    # nbconvert's advice (e.g. "alternative text is missing") is for web pages, not for print.
    quiet = logging.getLogger("eduwb.report.layout.nbconvert")
    quiet.setLevel(logging.ERROR)
    return HTMLExporter(
        log=quiet,
        template_name="eduwb_chapter",
        extra_template_basedirs=[str(TEMPLATES_DIR)],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        anchor_link_text="",
    )
