"""A chapter's HTML defanged: nothing in a chapter may act outside the page.

Chapters are the HTML outputs of executed notebooks. Names from the data are escaped where
they enter Markdown (``eduwb.present.md``) and tables, but whatever a notebook prints, the
printed report must not:

- link anywhere but inside itself (``file:``, ``javascript:``, ``http:`` links in a PDF are
  clickable): an ``href`` that is not ``#…`` is dropped;
- embed a file (``<a rel=attachment>``, ``<link rel=attachment>``): ``rel`` is dropped and
  ``link``/``object``/``embed``/``iframe``/``base``/``meta``/``script``/``form`` elements removed;
- paint over other pages (``position: fixed``): positioned styles are dropped from ``style``
  attributes and ``<style>`` elements;
- load anything: an ``src`` that is not an embedded image (``data:image/…``) is dropped.

Only offending tags are rewritten; everything else is left byte for byte.  The report's
typesetting is a second line of defence: :mod:`eduwb.report.blocks` keeps text, tables and
embedded PNG, JPEG or SVG images only (links print as their text, nothing is fetched), and
Typst reads no file outside the report's private folder (:mod:`eduwb.report.typeset`).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

_DROPPED_ELEMENTS = {
    "link",
    "object",
    "embed",
    "iframe",
    "frame",
    "frameset",
    "base",
    "meta",
    "script",
    "form",
    "input",
    "button",
    "textarea",
    "select",
    "applet",
    "portal",
    "svg:script",
}
_URL_ATTRIBUTES = {
    "href",
    "src",
    "srcset",
    "data",
    "action",
    "formaction",
    "xlink:href",
    "poster",
    "background",
    "cite",
    "longdesc",
    "usemap",
    "manifest",
    "ping",
    "lowsrc",
    "dynsrc",
}
_DATA_IMAGE = re.compile(r"^\s*data:image/(png|jpeg|gif|svg\+xml|webp)[;,]", re.I)
_BAD_CSS = re.compile(
    r"position\s*:\s*(fixed|absolute|sticky|running)|url\s*\(|@import|expression\s*\(|-weasy-|running\s*\(",
    re.I,
)
_POSITION = re.compile(
    r"position\s*:\s*(fixed|absolute|sticky|running\s*\([^)]*\))\s*(!\s*important)?\s*;?", re.I
)
_URL = re.compile(r"url\s*\((?!\s*['\"]?\s*data:image/)[^)]*\)", re.I)


def _attribute_text(name: str, value: str | None) -> str:
    if value is None:
        return f" {name}"
    return ' {}="{}"'.format(name, value.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;"))


def _safe_style(style: str) -> str:
    style = _POSITION.sub("", style)
    style = _URL.sub("none", style)
    return re.sub(r"@import[^;]*;?|expression\s*\([^)]*\)", "", style, flags=re.I)


class _Finder(HTMLParser):
    """Collects (start, end, replacement) for every tag or style text that must change."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=False)
        self.html = html
        self.line_starts = [0]
        for m in re.finditer("\n", html):
            self.line_starts.append(m.end())
        self.edits: list[tuple[int, int, str]] = []
        self.in_style = False

    def _offset(self) -> int:
        line, col = self.getpos()
        return self.line_starts[line - 1] + col

    def _tag(self, tag: str, attrs: list[tuple[str, str | None]], closed: bool) -> None:
        raw = self.get_starttag_text() or ""
        start = self._offset()
        tag = tag.lower()
        if tag in _DROPPED_ELEMENTS:
            self.edits.append((start, start + len(raw), ""))
            return
        if tag == "style" and not closed:
            self.in_style = True
        kept = []
        changed = False
        for name, value in attrs:
            name_l = name.lower()
            if name_l.startswith("on") or name_l == "rel" or name_l == "download":
                changed = True
                continue
            if name_l in _URL_ATTRIBUTES:
                ok = (name_l == "href" and tag == "a" and value is not None and value.startswith("#")) or (
                    name_l == "src"
                    and tag in ("img", "source")
                    and value is not None
                    and _DATA_IMAGE.match(value)
                )
                if not ok:
                    changed = True
                    continue
            if name_l == "style" and value is not None and _BAD_CSS.search(value):
                value = _safe_style(value)
                changed = True
            kept.append((name, value))
        if changed:
            new = f"<{tag}" + "".join(_attribute_text(n, v) for n, v in kept) + (" />" if closed else ">")
            self.edits.append((start, start + len(raw), new))

    def handle_starttag(self, tag, attrs):  # noqa: ANN001
        self._tag(tag, attrs, closed=False)

    def handle_startendtag(self, tag, attrs):  # noqa: ANN001
        self._tag(tag, attrs, closed=True)

    def handle_endtag(self, tag):  # noqa: ANN001
        tag_l = tag.lower()
        if tag_l == "style":
            self.in_style = False
        if tag_l in _DROPPED_ELEMENTS:
            start = self._offset()
            m = re.compile(r"</[^>]*>").match(self.html, start)
            if m:
                self.edits.append((start, m.end(), ""))

    def handle_data(self, data):  # noqa: ANN001
        if self.in_style and _BAD_CSS.search(data):
            start = self._offset()
            self.edits.append((start, start + len(data), _safe_style(data)))


def defang(html: str) -> str:
    """``html`` with every link out, embedded file, loaded resource and positioned style removed."""
    finder = _Finder(html)
    finder.feed(html)
    finder.close()
    if not finder.edits:
        return html
    out = []
    last = 0
    for start, end, new in sorted(finder.edits):
        if start < last:
            continue
        out.append(html[last:start])
        out.append(new)
        last = end
    out.append(html[last:])
    return "".join(out)
