"""A chapter's HTML as a document model: plain data that the report's Typst template typesets.

A chapter is the HTML nbconvert made of an executed notebook (:mod:`eduwb.report.layout`).
Nothing of it is ever turned into markup: it is parsed (the standard library's HTML parser)
into blocks and inlines, lists and dictionaries of strings and numbers that
``templates/report.typ`` reads as JSON and shows as text.  A school named ``#set page(..)``,
``*bold*`` or ``$x$`` prints as written.

Blocks (``{"t": kind, ...}``):

- ``h``: a heading, ``level`` 2 (a section, bookmarked), 3 or 4, inlines ``c``;
- ``p``: a paragraph, inlines ``c``, ``keep`` (a short introduction kept with what follows);
- ``list``: ``ordered``, ``items`` (each a list of blocks);
- ``quote``: blocks ``c``;  ``pre``: preformatted text ``v``;
- ``table``: ``caption`` (inlines or None), ``columns``, ``head`` and ``body`` rows of cells,
  ``wide`` (more than ten columns: a smaller font), optionally ``widths`` (see
  :mod:`eduwb.report.colwidths`) and ``size`` (a long table's smaller font, in points);
- ``img``: ``src``, a file name chosen here (``img-7.png``), ``width`` in points, and
  ``ratio`` (height ÷ width) of a PNG.

Inlines are strings (text) or ``{"t": kind, ...}``: ``b``, ``i``, ``sub``, ``sup``, ``span``
(``color``, ``fill``, ``bold``) with inlines ``c``; ``code`` with text ``v``; ``br``.  A cell is
``{"c": inlines}`` with ``align``, ``fill``, ``color``, ``bold``, ``nw`` (never wrapped),
``colspan``, ``rowspan``, ``th``, ``mono`` when they apply.

Links print as their text.  Images are kept only when they are embedded PNG, JPEG or SVG
(``data:image/…``, or an inline ``<svg>`` as nbconvert writes SVG outputs), each written
under a name chosen here; anything else is dropped: nothing is ever fetched.  Unknown elements
degrade to their text; scripts, styles, forms and embedded objects print nothing.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

from eduwb.report.colwidths import FONT_PT, table_widths, text_of_inlines
from eduwb.report.layout import WIDE_TABLE_COLUMNS, png_size

_VOID = {"br", "img", "hr", "meta", "link", "input", "col", "wbr", "area", "source", "base", "param", "embed"}
# Elements whose content never reaches paper.
_SILENT = {
    "script",
    "style",
    "head",
    "title",
    "template",
    "noscript",
    "iframe",
    "object",
    "embed",
    "form",
    "select",
    "textarea",
    "button",
    "input",
    "svg:script",
    "canvas",
    "video",
    "audio",
    "applet",
    "frameset",
    "frame",
    "portal",
    "link",
    "meta",
    "base",
}
_HEADINGS = {"h1": 2, "h2": 2, "h3": 3, "h4": 4, "h5": 4, "h6": 4}
_INLINE_STYLE = {"strong": "b", "b": "b", "em": "i", "i": "i", "sub": "sub", "sup": "sup"}
_BLOCK_CONTAINERS = {
    "div",
    "section",
    "article",
    "main",
    "header",
    "footer",
    "figure",
    "nav",
    "aside",
    "body",
    "html",
    "details",
    "center",
    "dl",
    "dd",
    "dt",
    "figcaption",
    "summary",
}
_DATA_IMAGE = re.compile(r"^\s*data:image/(png|jpeg|jpg|svg\+xml)(;base64)?,(.*)$", re.I | re.S)
_EXTENSIONS = {"png": "png", "jpeg": "jpg", "jpg": "jpg", "svg+xml": "svg"}
_COLOUR = re.compile(r"^#(?:[0-9a-fA-F]{3}){1,2}$")
_NAMED_COLOURS = {
    "red": "#ff0000",
    "green": "#008000",
    "blue": "#0000ff",
    "black": "#000000",
    "white": "#ffffff",
    "grey": "#808080",
    "gray": "#808080",
    "orange": "#ffa500",
}
_SPACE = re.compile(r"\s+")
# CSS pixels are 1/96 inch; a point is 1/72 inch.
PX = 0.75
# As templates/report.typ sets them: the text's width on A4 (18 mm margins), a wide table's
# font size and its cells' left and right padding (1 mm each), in points.
TEXT_WIDTH_PT = (210 - 2 * 18) / 25.4 * 72
WIDE_FONT_PT = 7
WIDE_INSET_PT = 2 / 25.4 * 72


@dataclass
class Node:
    """An HTML element: tag, attributes, children (nodes and strings)."""

    tag: str
    attrs: dict[str, str] = field(default_factory=dict)
    children: list[Any] = field(default_factory=list)
    raw: str = ""  # an inline ``<svg>``: its source, as written (SVG is case-sensitive)


class _TreeBuilder(HTMLParser):
    """HTML text → a tree of :class:`Node`; forgiving, as browsers are, about unclosed tags."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("root")
        self.stack = [self.root]
        self.html = html
        self.line_starts = [0] + [m.end() for m in re.finditer("\n", html)]
        self.svg_start: int | None = None

    def _offset(self) -> int:
        line, column = self.getpos()
        return self.line_starts[line - 1] + column

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag.lower(), {k.lower(): v or "" for k, v in attrs})
        self.stack[-1].children.append(node)
        if node.tag == "svg" and self.svg_start is None:
            self.svg_start = self._offset()
        if node.tag not in _VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.stack[-1].children.append(Node(tag.lower(), {k.lower(): v or "" for k, v in attrs}))

    def handle_endtag(self, tag: str) -> None:
        tag = tag.lower()
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i].tag == tag:
                if (
                    tag == "svg"
                    and self.svg_start is not None
                    and not any(n.tag == "svg" for n in self.stack[1:i])
                ):
                    end = self.html.find(">", self._offset()) + 1
                    self.stack[i].raw = self.html[self.svg_start : end]
                    self.svg_start = None
                del self.stack[i:]
                return

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


def parse_html(html: str) -> Node:
    """The element tree of an HTML fragment."""
    builder = _TreeBuilder(html)
    builder.feed(html)
    builder.close()
    return builder.root


def text_of(node: Any) -> str:
    """All the text inside ``node``, as written."""
    if isinstance(node, str):
        return node
    if node.tag in _SILENT:
        return ""
    return "".join(text_of(c) for c in node.children)


def css_declarations(style: str) -> dict[str, str]:
    """``"a: b; c: d"`` → ``{"a": "b", "c": "d"}`` (lower-case property names)."""
    out = {}
    for declaration in style.split(";"):
        name, sep, value = declaration.partition(":")
        if sep:
            out[name.strip().lower()] = value.replace("!important", "").strip()
    return out


def _colour(value: str | None) -> str | None:
    if not value:
        return None
    value = value.strip().lower()
    value = _NAMED_COLOURS.get(value, value)
    return value if _COLOUR.match(value) else None


class Converter:
    """Turns chapter HTML into blocks; collects the embedded images under names it chooses.

    ``images`` maps each chosen file name (``img-1.png``) to the image's bytes; one converter
    serves a whole report, so the names are unique across its chapters.
    """

    def __init__(self) -> None:
        self.images: dict[str, bytes] = {}
        self.id_styles: dict[str, dict[str, str]] = {}

    # ---- blocks ----------------------------------------------------------------------------
    def chapter(self, html: str) -> list[dict[str, Any]]:
        """The blocks of a chapter's HTML fragment."""
        root = parse_html(html)
        self.id_styles = _id_styles(root)
        return keep_introductions(self.blocks(root.children))

    def blocks(self, children: list[Any]) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        pending: list[Any] = []  # inline content waiting for its paragraph

        def flush() -> None:
            inl = _trim(pending)
            if inl:
                out.append({"t": "p", "c": inl})
            pending.clear()

        for child in children:
            if isinstance(child, str) or not self._is_block(child):
                pending.extend(self.inlines([child]))
                continue
            flush()
            out.extend(self.block(child))
        flush()
        return out

    def _is_block(self, node: Node) -> bool:
        return (
            node.tag in _BLOCK_CONTAINERS
            or node.tag in _HEADINGS
            or node.tag in ("p", "ul", "ol", "blockquote", "pre", "table", "img", "hr", "svg")
            or node.tag in _SILENT
        )

    def block(self, node: Node) -> list[dict[str, Any]]:
        tag = node.tag
        if tag in _SILENT or tag == "hr":
            return []
        if tag in _HEADINGS:
            inl = _trim(self.inlines(node.children))
            return [{"t": "h", "level": _HEADINGS[tag], "c": inl}] if inl else []
        if tag == "p":
            inl = _trim(self.inlines(node.children))
            return [{"t": "p", "c": inl}] if inl else []
        if tag in ("ul", "ol"):
            items = [self.blocks(li.children) for li in node.children if isinstance(li, Node)]
            items = [item for item in items if item]
            return [{"t": "list", "ordered": tag == "ol", "items": items}] if items else []
        if tag == "blockquote":
            body = self.blocks(node.children)
            return [{"t": "quote", "c": body}] if body else []
        if tag == "pre":
            text = text_of(node).strip("\n")
            return [{"t": "pre", "v": text}] if text.strip() else []
        if tag == "table":
            return table_blocks(self, node)
        if tag == "img":
            image = self.image(node)
            return [image] if image else []
        if tag == "svg":  # a chart nbconvert wrote inline (image/svg+xml)
            return [self.add_image("svg", node.raw.encode("utf-8"), node)] if node.raw else []
        return self.blocks(node.children)

    def image(self, node: Node) -> dict[str, Any] | None:
        """An embedded PNG, JPEG or SVG image as a file of ours; None for anything else."""
        m = _DATA_IMAGE.match(node.attrs.get("src", ""))
        if not m:
            return None
        kind, is_base64, payload = m.group(1).lower(), m.group(2), m.group(3)
        try:
            data = base64.b64decode(payload, validate=False) if is_base64 else _unquote(payload)
        except (binascii.Error, ValueError):
            return None
        return self.add_image(_EXTENSIONS[kind], data, node) if data else None

    def add_image(self, extension: str, data: bytes, node: Node) -> dict[str, Any]:
        """The image block of ``data``, kept under a name chosen here, as wide as ``node`` says."""
        name = f"img-{len(self.images) + 1}.{extension}"
        self.images[name] = data
        out: dict[str, Any] = {"t": "img", "src": name}
        width = _length(node.attrs.get("width") or css_declarations(node.attrs.get("style", "")).get("width"))
        if width:
            out["width"] = width
        size = png_size(data) if extension == "png" else None
        if size is not None and size[0] > 0:
            out["ratio"] = round(size[1] / size[0], 4)  # height ÷ width: a tall chart is printed smaller
        return out

    # ---- inlines ---------------------------------------------------------------------------
    def inlines(self, children: list[Any]) -> list[Any]:
        out: list[Any] = []
        for child in children:
            for item in [child] if isinstance(child, str) else self.inline(child):
                if not isinstance(item, str):
                    out.append(item)
                elif out and isinstance(out[-1], str):  # one string per run of text
                    out[-1] = _SPACE.sub(" ", out[-1] + item)
                elif item:
                    out.append(_SPACE.sub(" ", item))
        return out

    def inline(self, node: Node) -> list[Any]:
        tag = node.tag
        if tag in _SILENT or tag in ("img", "svg"):
            return []  # an image inside text: nothing on paper
        if tag == "br":
            return [{"t": "br"}]
        if tag in ("code", "kbd", "samp", "tt"):
            text = _SPACE.sub(" ", text_of(node))
            return [{"t": "code", "v": text}] if text else []
        inner = self.inlines(node.children)
        if not inner:
            return []
        if tag in _INLINE_STYLE:
            inner = [{"t": _INLINE_STYLE[tag], "c": inner}]
        style = self.style_of(node)
        span = {
            "color": _colour(style.get("color")),
            "fill": _colour(style.get("background-color") or style.get("background")),
            "bold": style.get("font-weight", "") in ("bold", "bolder", "600", "700", "800", "900"),
        }
        span = {k: v for k, v in span.items() if v}
        return [{"t": "span", "c": inner, **span}] if span else inner

    def style_of(self, node: Node) -> dict[str, str]:
        """The element's style: its ``style`` attribute over the rules for its ``id`` (pandas Styler)."""
        style = dict(self.id_styles.get(node.attrs.get("id", ""), {}))
        style.update(css_declarations(node.attrs.get("style", "")))
        return style


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


def table_blocks(conv: Converter, node: Node) -> list[dict[str, Any]]:
    """A ``<table>`` as a table block: caption, header rows (repeated on each page), body rows."""
    caption = None
    head: list[list[dict[str, Any]]] = []
    body: list[list[dict[str, Any]]] = []
    for part in node.children:
        if not isinstance(part, Node):
            continue
        if part.tag == "caption":
            caption = _trim(conv.inlines(part.children)) or None
        elif part.tag == "thead":
            head += [_row(conv, tr, head=True) for tr in _rows(part)]
        elif part.tag in ("tbody", "tfoot"):
            body += [_row(conv, tr) for tr in _rows(part)]
        elif part.tag == "tr":
            body.append(_row(conv, part))
    if not head and not body:
        return [{"t": "p", "c": caption}] if caption else []
    columns = _pad(head + body)
    wide = "data-wide" in node.attrs or bool(head and len(head[0]) > WIDE_TABLE_COLUMNS)
    out: dict[str, Any] = {"t": "table", "caption": caption, "columns": columns, "head": head, "body": body}
    if wide:
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
    return [out]


def _nowrap_widths(
    head: list[list[dict[str, Any]]], body: list[list[dict[str, Any]]], columns: int
) -> list[Any] | None:
    """Widths for a wide table whose columns of short cells must not be squeezed: a column
    whose every cell never wraps gets the width (in em) of its longest text, or of its
    header's longest word; the others are ``auto``.  When they cannot all keep their width,
    only the columns of unbreakable text wider than an equal share do.

    Typst shrinks every column wider than a fair share when a table is too wide, short
    unwrappable cells included (they would then spill into the next column).  None when no
    column is such, or when cells span columns or rows.
    """
    rows = head + body
    if not body or any("colspan" in c or "rowspan" in c for row in rows for c in row):
        return None
    widths: list[Any] = []
    texts: list[Any] = []  # the widths of the cells' text alone
    for j in range(columns):
        cells = [row[j] for row in body if j < len(row) and row[j]["c"]]
        if not cells or not all(c.get("nw") for c in cells):
            widths.append("auto")
            texts.append("auto")
            continue
        strings = ["".join(text_of_inlines(c["c"])) for c in cells]
        ems = max(_ems(text) for text in strings)
        # Chinese, or words, wrap in a column too narrow; an id or a number never does
        texts.append(round(ems * 1.04 + 0.1, 2) if not any(_breakable(t) for t in strings) else "auto")
        for row in head:
            if j < len(row):
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
    import unicodedata

    return any(ch.isspace() or unicodedata.east_asian_width(ch) in "WF" for ch in text.strip())


def _fits(widths: list[Any], other: float) -> bool:
    """Whether a wide table with these column widths (em, or ``auto``) fits the page, with
    ``other`` em for each ``auto`` column; False when no column has a width."""
    fixed = [w for w in widths if w != "auto"]
    needed = (sum(fixed) + other * (len(widths) - len(fixed))) * WIDE_FONT_PT + len(widths) * WIDE_INSET_PT
    return bool(fixed) and needed <= TEXT_WIDTH_PT


def _ems(text: str) -> float:
    """The width of ``text`` in em, roughly, in Noto Sans CJK: generous, never much less."""
    import unicodedata

    def em(ch: str) -> float:
        if unicodedata.east_asian_width(ch) in "WF":
            return 1.0
        return 0.3 if ch == " " else 0.66 if ch.isupper() or ch in "mwMW%" else 0.56

    return sum(em(ch) for ch in text)


def _rows(part: Node) -> list[Node]:
    return [tr for tr in part.children if isinstance(tr, Node) and tr.tag == "tr"]


def _row(conv: Converter, tr: Node, head: bool = False) -> list[dict[str, Any]]:
    return [_cell(conv, td, head) for td in tr.children if isinstance(td, Node) and td.tag in ("td", "th")]


def _cell(conv: Converter, td: Node, head: bool) -> dict[str, Any]:
    style = conv.style_of(td)
    classes = td.attrs.get("class", "").split()
    cell: dict[str, Any] = {"c": _trim(conv.inlines(td.children))}
    align = style.get("text-align", "").lower()
    if "num" in classes and not align:
        align = "right"
    if align in ("right", "center"):
        cell["align"] = align
    for key, value in (
        ("fill", _colour(style.get("background-color") or style.get("background"))),
        ("color", _colour(style.get("color"))),
    ):
        if value:
            cell[key] = value
    if style.get("font-weight", "") in ("bold", "bolder", "600", "700", "800", "900"):
        cell["bold"] = True
    if "nw" in classes or style.get("white-space", "").lower() == "nowrap":
        # a short cell never wraps ("小学" split into 小/学 reads badly); a header of words
        # still may between them ("Pupils now"), or a wide table's columns would overlap
        if not (head and " " in text_of(td).strip()):
            cell["nw"] = True
    if "mono" in classes:
        cell["mono"] = True
    if td.tag == "th" and not head:
        cell["th"] = True
    for key in ("colspan", "rowspan"):
        span = _int(td.attrs.get(key))
        if span and span > 1:
            cell[key] = min(span, 1000)
    return cell


def _pad(rows: list[list[dict[str, Any]]]) -> int:
    """The number of columns; rows short of it get empty cells at their end (Typst would
    otherwise flow the next row's cells into them), rowspans and colspans counted."""
    carried: dict[int, int] = {}  # row index → columns taken by rowspans from above
    widths = []
    for i, row in enumerate(rows):
        used = carried.get(i, 0) + sum(c.get("colspan", 1) for c in row)
        widths.append(used)
        for c in row:
            for below in range(i + 1, min(i + c.get("rowspan", 1), len(rows))):
                carried[below] = carried.get(below, 0) + c.get("colspan", 1)
    columns = max(widths, default=1) or 1
    for row, used in zip(rows, widths, strict=True):
        row.extend({"c": []} for _ in range(columns - used))
    return columns


def _id_styles(root: Node) -> dict[str, dict[str, str]]:
    """``#id {…}`` rules of the fragment's ``<style>`` elements (pandas Styler's cell styles)."""
    rules: dict[str, dict[str, str]] = {}
    stack = [root]
    while stack:
        node = stack.pop()
        for child in node.children:
            if not isinstance(child, Node):
                continue
            if child.tag == "style":
                css = "".join(c for c in child.children if isinstance(c, str))
                css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
                for selectors, body in re.findall(r"([^{}]+)\{([^{}]*)\}", css):
                    for selector in selectors.split(","):
                        m = re.fullmatch(r"\s*#([\w-]+)\s*", selector)
                        if m:
                            rules.setdefault(m.group(1), {}).update(css_declarations(body))
            else:
                stack.append(child)
    return rules


def _trim(inl: list[Any]) -> list[Any]:
    """Inlines without leading and trailing white space."""
    inl = list(inl)
    while inl and isinstance(inl[0], str) and not inl[0].strip():
        inl.pop(0)
    while inl and isinstance(inl[-1], str) and not inl[-1].strip():
        inl.pop()
    if inl and isinstance(inl[0], str):
        inl[0] = inl[0].lstrip()
    if inl and isinstance(inl[-1], str):
        inl[-1] = inl[-1].rstrip()
    return inl


def _int(value: str | None) -> int | None:
    try:
        return int(str(value).strip())
    except ValueError:
        return None


def _length(value: str | None) -> float | None:
    """A length in points from CSS pixels (``768``, ``768px``) or points (``460.8pt``, as an
    SVG says); None for anything else (``100%``, ``auto``)."""
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(px|pt)?\s*", value or "")
    if not m or float(m.group(1)) <= 0:
        return None
    return round(float(m.group(1)) * (1 if m.group(2) == "pt" else PX), 2)


def _unquote(payload: str) -> bytes:
    from urllib.parse import unquote_to_bytes

    return unquote_to_bytes(payload)
