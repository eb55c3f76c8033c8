"""Finding a form's values by their labels, whatever the offset of the sheet.

A mapping names a value by the row label and the column label of the printed form
(``总计`` × ``在校生数`` in 教基3112) and gives the cell where it expects it. Real exports
move cells: a letter row above the form, a column of running row numbers to its left, a
province's extra column. The reader therefore looks the labels up in the top-left block of
the sheet and reads the value where the label's row and the label's column cross; the
expected cell breaks ties between equal labels, and is used as such when a field has no
labels at all (a fixed cell, the fallback).

Labels are compared in a normal form: NFKC (full-width letters, digits and brackets become
half-width), every kind of bracket made round or square, no whitespace, lower case. A label
may list synonyms separated by ``|`` (``总计|合计``). An exact match wins; failing that a
cell *containing* the label is taken (``研究生毕业`` for ``研究生``). A label not found, or
found in several places the expected cell cannot tell apart, is an error naming the form,
the label and the nearest texts the sheet holds.

Mappings written with ``check`` (the label cells of the 2021 mapping) are read the same
way: a label cell in the value's row is its row label, one in its column its column label.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass

from eduwb.data.xlsx import column_index, column_letters

_BRACKETS = str.maketrans(
    {"【": "[", "】": "]", "〔": "(", "〕": ")", "〈": "(", "〉": ")", "{": "(", "}": ")"}
)
_SPACES = re.compile(r"\s+")
CELL = re.compile(r"^([A-Z]{1,3})([1-9][0-9]{0,6})$")
ROW_MARGIN = 60  # rows searched below the furthest expected cell of a form
COLUMN_MARGIN = 12
CONTAINS_SLACK = 12  # a label found inside a longer text: at most this many more characters


def norm_label(text: object) -> str:
    """A label's normal form: NFKC, brackets unified, no whitespace, lower case."""
    s = unicodedata.normalize("NFKC", str(text)).translate(_BRACKETS)
    return _SPACES.sub("", s).lower()


def synonyms(spec: str) -> tuple[str, ...]:
    """``"总计|合计"`` → ``("总计", "合计")``."""
    return tuple(s.strip() for s in spec.split("|") if s.strip())


def rc(ref: str) -> tuple[int, int]:
    """``"I6"`` → (6, 9)."""
    m = CELL.match(ref)
    if m is None:
        raise ValueError(ref)
    return int(m.group(2)), column_index(m.group(1)) + 1


def cell_ref(row: int, column: int) -> str:
    """(6, 9) → ``"I6"``."""
    return f"{column_letters(column - 1)}{row}"


@dataclass(frozen=True)
class Locator:
    """Where one value of a field is: its labels, and the cell the mapping expects it at."""

    cell: str | None  # expected position; the fixed cell when there is no label
    row_label: tuple[str, ...] = ()  # synonyms
    row_label_at: str | None = None  # where the mapping expects the row label (from ``check``)
    column_label: tuple[str, ...] = ()
    column_label_at: str | None = None

    @property
    def labelled(self) -> bool:
        return bool(self.row_label or self.column_label)


def locators_from_check(
    cells: tuple[str, ...], check: tuple[tuple[str, str], ...]
) -> tuple[tuple[Locator, ...], tuple[tuple[str, str], ...]]:
    """A 2021-style field's locators: check cells in a value's row or column are its labels.

    Returns the locators (one per cell) and the checks that are neither (verified in place,
    after the shift the labels found).
    """
    used: set[str] = set()
    out = []
    for ref in cells:
        r, c = rc(ref)
        row = next(((at, t) for at, t in check if rc(at)[0] == r and rc(at)[1] < c), None)
        col = next(((at, t) for at, t in check if rc(at)[1] == c and rc(at)[0] < r), None)
        used |= {pair[0] for pair in (row, col) if pair is not None}
        out.append(
            Locator(
                ref,
                synonyms(row[1]) if row else (),
                row[0] if row else None,
                synonyms(col[1]) if col else (),
                col[0] if col else None,
            )
        )
    return tuple(out), tuple((at, t) for at, t in check if at not in used)


def search_bounds(locators: list[Locator], max_row: int, max_column: int) -> tuple[int, int]:
    """How much of a sheet to read for these locators (expected cells plus a margin, capped)."""
    at = [rc(ref) for loc in locators for ref in (loc.cell, loc.row_label_at, loc.column_label_at) if ref]
    return (
        min(max_row, max((r for r, _ in at), default=40) + ROW_MARGIN),
        min(max_column, max((c for _, c in at), default=20) + COLUMN_MARGIN),
    )


class LabelError(Exception):
    """A label missing, ambiguous, or labels that do not cross; ``ref`` is where it was expected."""

    def __init__(self, ref: str | None, message: str):
        super().__init__(message)
        self.ref = ref
        self.message = message


class Grid:
    """The text cells of a sheet's top-left block, indexed by their normal form."""

    def __init__(self, texts: dict[tuple[int, int], str]):
        self.texts = texts
        self.index: dict[str, list[tuple[int, int]]] = {}
        for pos, text in sorted(texts.items()):
            if text:
                self.index.setdefault(norm_label(text), []).append(pos)

    def candidates(self, labels: tuple[str, ...]) -> list[tuple[int, int]]:
        """Cells holding one of the labels: exact matches, or else cells containing one."""
        keys = [norm_label(s) for s in labels]
        exact = sorted({p for k in keys for p in self.index.get(k, [])})
        if exact:
            return exact
        return sorted(
            {
                p
                for text, ps in self.index.items()
                for k in keys
                if k and k in text and len(text) <= len(k) + CONTAINS_SLACK
                for p in ps
            }
        )

    def nearest(self, labels: tuple[str, ...], n: int = 3) -> str:
        """The sheet's texts closest to a missing label, with their cells (for the message)."""
        shown = {}
        for key in (norm_label(s) for s in labels):
            for text in difflib.get_close_matches(key, list(self.index), n=n, cutoff=0.4):
                shown.setdefault(text, self.index[text][0])
        if not shown:
            return ""
        parts = [f"“{self.texts[p]}”（{cell_ref(*p)}）" for p in list(shown.values())[:n]]
        return "；相近的 nearest: " + "、".join(parts)


def _find(grid: Grid, labels: tuple[str, ...], prefer: list, what: str) -> tuple[int, int]:
    """The one cell holding a label; ``prefer`` (filters, most specific first) breaks ties."""
    found = grid.candidates(labels)
    if not found:
        raise LabelError(None, f"找不到{what}“{labels[0]}” {what_en(what)} not found{grid.nearest(labels)}")
    for keep in prefer:
        if len(found) == 1:
            break
        narrowed = [p for p in found if keep(p)]
        if narrowed:
            found = narrowed
    if len(found) > 1:
        refs = "、".join(cell_ref(*p) for p in found[:6])
        raise LabelError(
            None, f"{what}“{labels[0]}”出现多次，无法确定 {what_en(what)} is ambiguous, found at {refs}"
        )
    return found[0]


def what_en(what: str) -> str:
    return {"行标签": "row label", "列标签": "column label"}.get(what, "label")


def locate(loc: Locator, grid: Grid, shift: tuple[int, int] | None) -> tuple[int, int]:
    """Where a value is in this sheet (raises :class:`LabelError`).

    ``shift`` is the offset the field's other labels showed, for a value without labels.
    """
    expected = rc(loc.cell) if loc.cell else None
    found: list[tuple[int, int] | None] = [None, None]  # the row label's cell, the column label's
    for axis, labels, label_at, what in (
        (0, loc.row_label, loc.row_label_at, "行标签"),
        (1, loc.column_label, loc.column_label_at, "列标签"),
    ):
        if not labels:
            continue
        at = rc(label_at) if label_at else None
        same_line = lambda p, axis=axis: expected is not None and p[axis] == expected[axis]  # noqa: E731
        try:
            found[axis] = _find(grid, labels, [lambda p, at=at: p == at, same_line], what)
        except LabelError as exc:
            raise LabelError(label_at or loc.cell, exc.message) from None
    row, col = found
    if row and col:
        if not (col[0] < row[0] and row[1] < col[1]):
            raise LabelError(
                loc.cell,
                f"行标签（{cell_ref(*row)}）与列标签（{cell_ref(*col)}）不交叉 the row label and the "
                "column label do not cross (the row label lies left of the value, the column label above)",
            )
        return row[0], col[1]
    dr, dc = shift or (0, 0)
    if expected is None:
        raise LabelError(None, "没有单元格也没有标签 neither a cell nor labels")
    if row:
        if loc.row_label_at:
            return row[0], row[1] + expected[1] - rc(loc.row_label_at)[1]
        return row[0], expected[1] + dc
    if col:
        if loc.column_label_at:
            return col[0] + expected[0] - rc(loc.column_label_at)[0], col[1]
        return expected[0] + dr, col[1]
    return expected[0] + dr, expected[1] + dc


def locate_all(
    locators: tuple[Locator, ...], grid: Grid
) -> tuple[list[tuple[int, int]], tuple[int, int] | None]:
    """Where each value is, in the locators' order, and the offset the first labelled one showed
    (labelled values are found first: that offset places the unlabelled). Raises :class:`LabelError`."""
    positions: dict[int, tuple[int, int]] = {}
    shift = None
    for i in sorted(range(len(locators)), key=lambda i: not locators[i].labelled):
        loc = locators[i]
        pos = locate(loc, grid, shift)
        if shift is None and loc.labelled and loc.cell:
            expected = rc(loc.cell)
            shift = (pos[0] - expected[0], pos[1] - expected[1])
        positions[i] = pos
    return [positions[i] for i in range(len(locators))], shift


def describe_move(expected: str | None, found: tuple[int, int]) -> str | None:
    """``"I6 → J6"`` when a value was found elsewhere than expected, else None."""
    ref = cell_ref(*found)
    if expected is None or expected == ref:
        return None
    return f"{expected} → {ref}"
