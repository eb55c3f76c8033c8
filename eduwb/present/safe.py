"""Strings from the data shown as text, never as markup, links, math or formulas.

A county's name, a school's name or a standard's indicator names come from files eduwb does
not control (``SECURITY.md``); wherever such a string meets a format that means something, it
is escaped at that boundary: Markdown (:func:`text`, and :func:`md_guard` as the last line of
defence), spreadsheets (:func:`formula_safe_csv`, :func:`xlsx_text_cells`); matplotlib's math
text is turned off by ``setup``, so a ``$`` in a label never starts it.
"""

from __future__ import annotations

import re

# ----------------------------------------------------------------------------- Markdown

# Inline Markdown and HTML syntax; ':' is escaped only in '://' (a bare URL becomes a link).
_MD_INLINE = re.compile(r"([\\`*_\[\]<>&|~$])")
_MD_LINE_START = re.compile(r"^(\s*)([#+\-=>]|\d+(?=[.)]))")
_URL = re.compile(r"(?i)\b([a-z][a-z0-9+.\-]*)(://)")
_WWW = re.compile(r"(?i)\bwww\.")
_SPACES = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]+")


def text(value: object) -> str:
    """``value`` as Markdown that shows exactly its characters (for names from data or standards).

    Line breaks and control characters become spaces; Markdown and HTML syntax is escaped, so
    ``<span style=…>`` shows as written, ``[x](file:///etc/passwd)`` is no link, ``$…$`` no
    math and ``*x*`` no emphasis. A value without such characters comes back unchanged.
    """
    s = _SPACES.sub(" ", str(value)).strip()
    s = _MD_INLINE.sub(r"\\\1", s)
    s = _URL.sub(r"\1\\\2", s)
    s = _WWW.sub(r"www\\.", s)
    m = _MD_LINE_START.match(s)
    if m:  # a heading, list item, rule or quote if it started a line: escape its mark (a number's dot)
        at = m.end(2) if m.group(2)[0].isdigit() else m.start(2)
        s = s[:at] + "\\" + s[at:]
    return s


# The only HTML eduwb's own prose writes: coloured words.
_ALLOWED_TAGS = {"span", "strong", "em", "b", "i", "br", "sub", "sup"}
_ALLOWED_STYLE = re.compile(
    r"^\s*((color|background-color|font-weight|font-style)\s*:\s*[#\w\s.,%()-]*;?\s*)*$", re.I
)
_TAG = re.compile(r"\\[\s\S]|<(/?)([A-Za-z][A-Za-z0-9-]*)((?:\s+[^<>]*?)?)\s*(/?)>|<(?=[!?/A-Za-z])")
_ATTRS = re.compile(r"""\s*([A-Za-z_:][-\w:.]*)\s*(?:=\s*("[^"]*"|'[^']*'|[^\s"'=<>`]+))?""")
_LINK_OPEN = re.compile(r"(?<!\\)\]\(")
_REFERENCE = re.compile(r"(?m)^( {0,3})\[(?=[^\]\n]*\]:)")


def _allowed_tag(closing: str, name: str, attrs: str) -> bool:
    if name.lower() not in _ALLOWED_TAGS:
        return False
    attrs = attrs.strip()
    if not attrs:
        return True
    if closing:
        return False
    found = [(m.group(1).lower(), m.group(2)) for m in _ATTRS.finditer(attrs) if m.group(0).strip()]
    if "".join(m.group(0) for m in _ATTRS.finditer(attrs)).strip() != attrs:
        return False
    return all(
        name_ == "style" and value is not None and _ALLOWED_STYLE.match(value.strip("\"'"))
        for name_, value in found
    )


def md_guard(markdown: str) -> str:
    """Markdown with nothing active left: HTML other than coloured words, links, images and URLs become text.

    eduwb's prose uses ``**bold**`` and ``<span style="color:…">``; everything else that would
    make the PDF do something (a ``position:fixed`` banner, an attachment, a ``file:`` or
    ``javascript:`` link) is shown as written. Identity on eduwb's own prose.
    """

    def tag(m: re.Match[str]) -> str:
        whole = m.group(0)
        if whole.startswith("\\"):
            return whole  # already escaped
        if m.group(2) is not None and _allowed_tag(m.group(1), m.group(2), m.group(3) or ""):
            return whole
        return "&lt;" + whole[1:]

    out = _TAG.sub(tag, markdown)
    out = _LINK_OPEN.sub(r"]\\(", out)
    out = _REFERENCE.sub(r"\1\\[", out)
    out = _URL.sub(r"\1\\\2", out)
    return out


# ----------------------------------------------------------------------------- spreadsheets

#: What makes Excel (or LibreOffice) read a typed cell as a formula.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def is_formula_like(value: object) -> bool:
    """Whether a text cell would be run as a formula if typed into a spreadsheet."""
    return isinstance(value, str) and value.startswith(FORMULA_START)


def formula_safe_csv(value: object) -> object:
    """A CSV cell that a spreadsheet shows as text: an apostrophe before ``=``, ``+``, ``-``, ``@``…
    (OWASP's advice for CSV injection); numbers, negative ones too, stay numbers."""
    return "'" + value if is_formula_like(value) else value


def xlsx_text_cells(cells) -> None:
    """Store each text cell that starts like a formula as a string with Excel's ``quotePrefix``
    (openpyxl would store ``=…`` as a formula; the prefix is what Excel sets for a typed ``'=…``,
    so editing the cell keeps it text). The value itself stays as written."""
    for cell in cells:
        value = cell.value
        if isinstance(value, str) and is_formula_like(value):
            cell.data_type = "s"
            cell.quotePrefix = True
