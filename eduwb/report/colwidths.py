"""Column widths of a report table from its content: the document model's rule, not HTML's.

A table whose columns all fit on one line each is left to Typst (``auto`` columns, as wide as
their text).  One that does not fit would get, from Typst, an equal share for every wide
column: a scorecard's long evidence column as narrow as its name column, rows of twenty lines
and pages of two rows.  Here each column gets at least its narrowest sensible width (the
longest word, number or unbreakable cell it holds) and the rest of the page's width goes, a
little at a time, to the column where it shortens the table most: the estimated height of a
row is its tallest cell (its text's width ÷ its column's width, at least one line).

The widths are returned as fractions of the table's width (``"3.5fr"``), so the table always
fills the text width exactly, whatever the estimate of the text's width got wrong.

Text widths are estimated in em (:func:`ems`): a Chinese character is 1 em, a Latin letter
about 0.56; generous, never much less than Noto Sans CJK's.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

# As templates/report.typ sets them: the text's width on A4 (18 mm margins), in points.
TEXT_WIDTH_PT = (210 - 2 * 18) / 25.4 * 72
#: A table's font size and its cells' left + right padding (points), as the template sets them.
FONT_PT = 8.5
INSET_PT = 2 * 1.6 / 25.4 * 72
#: A table longer than this many pages (estimated) is set in DENSE_PT, its long words hyphenated.
DENSE_PAGES = 2.0
DENSE_PT = 7.5
#: A line of a table's text (em: the font's height and the leading), a row's top and bottom
#: padding (points) and the height of a page's text (A4, 22 + 20 mm margins), as the template sets them.
LINE = 1.35
ROW_PT = 2 * 1.2 / 25.4 * 72
PAGE_PT = (297 - 42) / 25.4 * 72
#: The step (em) in which the free width is handed out.
STEP = 0.5
#: The norm that stands for a row's tallest cell (the larger, the closer to the maximum).
SMOOTH = 16
#: No column narrower than this (em): two Chinese characters.
NARROWEST = 2.0
#: The share of the width the narrowest widths may take (the rest is handed out by content).
ROOM = 0.8
#: A header's word hyphenates in a column narrower than this (em).
HYPHENATED = 3.5
#: A word of the body hyphenates in a column narrower than this (em).
LONG_WORD = 4.5
#: A header is bold: a little wider than the same text in regular weight.
BOLD = 1.05
_WORD = re.compile(r"[^\s\u2e80-\u9fff\u3000-\u303f\uff00-\uffef]+")
# break opportunities the template adds inside a run (after , ; / 、 before a letter, and after -)
_SOFT = re.compile(r"(?<=[-,;/_、，；])(?=[^\W\d_])")


def ems(text: str) -> float:
    """The width of ``text`` in em, in Noto Sans CJK SC (measured per class of character,
    within a few per cent): Chinese, and the symbols a CJK font draws full width (≥ ≤ × ÷
    “ ”), 1 em; Latin letters and digits about 0.56."""
    return sum(_em(ch) for ch in text)


def _em(ch: str) -> float:
    if ch in _NARROW:
        return _NARROW[ch]
    if ch.isascii():
        return 0.66 if ch.isupper() else 0.56
    if unicodedata.east_asian_width(ch) in "WFA":
        return 1.0
    return 0.56


_NARROW = {
    **dict.fromkeys(" ", 0.23),
    **dict.fromkeys("ilfjI.,:;'|!", 0.3),
    **dict.fromkeys("()[]{}-/rt", 0.37),
    **dict.fromkeys("mwMW%", 0.9),
    **dict.fromkeys("¹²³", 0.41),
}


def narrowest(text: str, nowrap: bool) -> float:
    """The narrowest width ``text`` can be laid out in without breaking a word or a number
    (when it never wraps: its longest list item, or all of it)."""
    if nowrap:  # a list may break between its items, as the template lets it
        return max((ems(p) for p in _SOFT.split(text)), default=0.0)
    return max((ems(p) for p in _pieces(text)), default=0.0)


def _pieces(text: str) -> list[str]:
    """The words and numbers of ``text``, split where the template may break a run."""
    return [p for word in _WORD.findall(text) for p in _SOFT.split(word)]


def narrowest_tall(text: str, nowrap: bool, head: bool) -> float:
    """The narrowest width for ``text`` in a table too wide for the page: a short Chinese
    cell that otherwise never wraps may take two lines ("政府保障/程度"), a header's long
    word may hyphenate ("Indi-cator"), and so may a long word of the body ("allo-cation")."""
    if head:
        return max([min(ems(p), HYPHENATED) for p in _pieces(text)] + [_cjk_half(text)], default=0.0)
    if nowrap:
        return _cjk_half(text) if all(_wide(ch) or ch in "、，；" for ch in text) else narrowest(text, nowrap)
    return max((min(ems(p), LONG_WORD) for p in _pieces(text)), default=0.0)


def _half_word(text: str) -> float:
    """Half the mean width of the words of ``text`` (a Chinese character is a word)."""
    words = _WORD.findall(text)
    chinese = sum(1 for ch in text if _wide(ch))
    count = len(words) + chinese
    return (sum(ems(w) for w in words) + chinese) / count / 2 if count else 0.0


def _wide(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in "WF"


def _cjk_half(text: str) -> float:
    """Half the longest run of Chinese in ``text`` (two lines of it), in em, rounded up; a
    run of three characters or fewer ("未达标") stays whole."""
    runs = re.findall(r"[\u2e80-\u9fff]+", text)
    return float(max((len(r) if len(r) <= 3 else -(-len(r) // 2) for r in runs), default=0))


@dataclass
class Layout:
    """How a table too wide for the page is set: its columns' widths (fractions), the columns
    whose never-wrapped cells may now wrap, and its font size (points)."""

    widths: list[str]
    wrapped: set[int]
    size: float = FONT_PT


def content_widths(
    rows: Sequence[Sequence[tuple[str, bool]]],
    head_rows: int = 0,
    available: float | None = None,
    size: float = FONT_PT,
) -> Layout | None:
    """The :class:`Layout` of a table of ``rows`` of ``(text, never_wraps)`` cells, the first
    ``head_rows`` of them its header; None when every column fits on one line (Typst's
    ``auto`` columns are then right) or the table is empty.

    A table that would still be longer than :data:`DENSE_PAGES` pages is set in
    :data:`DENSE_PT` (a scorecard of 32 long rows).  ``available``: the text width in em for
    the cells' text (default: A4's, less the cells' padding, at the font size).
    """
    columns = max((len(r) for r in rows), default=0)
    if columns == 0:
        return None
    room = available if available is not None else (TEXT_WIDTH_PT - columns * INSET_PT) / size
    width = [[0.0] * columns for _ in rows]  # each cell's text on one line
    waste = [[0.0] * columns for _ in rows]  # half its mean word (what a wrapped line loses)
    least = [NARROWEST] * columns  # in a table that fits
    tall = [NARROWEST] * columns  # in one that does not
    kept = [0.0] * columns  # the widest text of a cell that never wraps
    for i, row in enumerate(rows):
        factor = BOLD if i < head_rows else 1.0
        for j, (text, nowrap) in enumerate(row):
            width[i][j] = ems(text) * factor
            waste[i][j] = _half_word(text) * factor
            fit = narrowest(text, nowrap) * factor
            least[j] = max(least[j], fit)
            tall[j] = max(tall[j], narrowest_tall(text, nowrap, i < head_rows) * factor)
            if nowrap:
                kept[j] = max(kept[j], fit)
    natural = [max(max(r[j] for r in width), least[j]) for j in range(columns)]
    if sum(natural) <= room:
        return None
    chosen = _allot(width, waste, _capped(tall, ROOM * room), natural, room)
    if available is None and size > DENSE_PT and _pages(width, waste, chosen, size) > DENSE_PAGES:
        return content_widths(rows, head_rows, size=DENSE_PT)
    inset = INSET_PT / size  # a fraction is of the whole width: each column's padding too
    wrapped = {j for j in range(columns) if chosen[j] < kept[j]}
    return Layout([f"{w + inset:.2f}fr" for w in chosen], wrapped, size)


def _pages(width: list[list[float]], waste: list[list[float]], chosen: list[float], size: float) -> float:
    """The pages a table would take, roughly: each row as many lines as its tallest cell."""
    import numpy as np

    w = np.asarray(chosen)
    lines = np.maximum(np.ceil(np.asarray(width) / np.maximum(w - np.asarray(waste), w / 2)), 1).max(axis=1)
    return float((lines * LINE * size + ROW_PT).sum() / PAGE_PT)


def _capped(least: list[float], room: float) -> list[float]:
    """The narrowest widths, the widest of them cut to one width so that they take at most
    ``room`` (a long word then breaks inside, rather than every other column starving)."""
    if sum(least) <= room:
        return least
    cap = max(least)
    ordered = sorted(least, reverse=True)
    for k in range(1, len(ordered) + 1):
        # the k widest cut to `cap`, the rest as they are
        cap = (room - sum(ordered[k:])) / k
        if k == len(ordered) or cap >= ordered[k]:
            break
    return [min(w, max(cap, NARROWEST)) for w in least]


def _allot(
    width: list[list[float]],
    waste: list[list[float]],
    least: list[float],
    natural: list[float],
    available: float,
) -> list[float]:
    """From the narrowest widths, hand out the free width STEP by STEP to the column where it
    shortens the table's estimated height most (ties: the widest content)."""
    import numpy as np

    cells = np.asarray(width)
    waste = np.asarray(waste)
    chosen = np.asarray(least, dtype=float)
    top = np.asarray(natural, dtype=float)
    free = available - chosen.sum()

    def height(w: np.ndarray) -> float:
        # a row is as tall as its tallest cell; a smooth maximum (a norm), so that widening
        # one of two equally tall cells of a row counts too.  A line wrapped at a word's end
        # is not full: on average half a word short.
        lines = np.maximum(cells / np.maximum(w - waste, w / 2), 1.0)
        return float(((lines**SMOOTH).sum(axis=1) ** (1 / SMOOTH)).sum())

    while free >= STEP:
        now = height(chosen)
        gains = np.full(len(chosen), -1.0)
        for j in np.flatnonzero(chosen < top):
            trial = chosen.copy()
            trial[j] += STEP
            gains[j] = now - height(trial)
        best = int(np.argmax(gains + 1e-9 * top))
        if gains[best] < 0:
            break
        chosen[best] += STEP
        free -= STEP
    if free > 0:  # left over: in proportion to the columns' content
        chosen += free * top / top.sum()
    return [float(w) for w in chosen]


def cell_text(cell: dict[str, Any]) -> str:
    return "".join(text_of_inlines(cell.get("c", [])))


def text_of_inlines(inl: list[Any]) -> list[str]:
    out: list[str] = []
    for x in inl:
        if isinstance(x, str):
            out.append(x)
        elif "v" in x:
            out.append(x["v"])
        else:
            out.extend(text_of_inlines(x.get("c", [])))
    return out


def table_widths(head: list[list[dict[str, Any]]], body: list[list[dict[str, Any]]]) -> Layout | None:
    """:func:`content_widths` of a table of model cells (None when every column fits); the
    cells of a column narrower than their text lose ``nw``."""
    rows = head + body
    cells = [[(cell_text(c), bool(c.get("nw"))) for c in row] for row in rows]
    found = content_widths(cells, head_rows=len(head))
    if found is None:
        return None
    for row in rows:
        for j in found.wrapped:
            row[j].pop("nw", None)
    return found
