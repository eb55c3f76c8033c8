"""From executed notebooks to report chapters: what of a notebook reaches paper.

A chapter is the document model (:mod:`eduwb.report.blocks`) of one executed notebook's
Markdown cells and outputs, made from what the notebook emitted as data: Markdown, the table
views of :func:`eduwb.present.show_table`, images.  No code, prompts, scripts, widgets or
stderr reach paper, and no HTML is read: an output only HTML can show prints its plain text,
or fails the chapter (:func:`output_blocks`).  :mod:`eduwb.report.typeset` typesets the
chapters; no browser and no TeX are involved.
"""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass, field
from typing import Any

from eduwb.report.blocks import image_block, keep_introductions, markdown_blocks, png_size, table_blocks
from eduwb.report.colwidths import text_of_inlines

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
