"""The one display rule for numbers: every table cell, chart label and sentence of a report.

Reports round (county means to 2 decimals, CVs to 3, school values to 2, rates to 0.1 %) but
decide on the unrounded values. Rounding must never make a number say the opposite of its
decision: a CV of 0.50040 over its limit 0.50 is not "0.500", a school's 2.3977 rooms per 100
pupils short of 2.4 is not "2.40", a rotation ratio of 9.996 % short of 10 % is not "10.0%".

The rule: a number is shown with its usual decimals; where, rounded so, it would equal or
cross a limit it is judged against while the unrounded decision says otherwise, one more
decimal is shown, then another, until the rounded number sits on the same side of every
limit as the number itself (at most :data:`MOST` decimals). A value that reaches its limit
(≥) may show equal to it; a value that fails may not.

A *limit* is ``(threshold, comparator)``: ``">="`` (the value passes at or above the
threshold: resource thresholds, rates) or ``"<="`` (at or below: CV limits, class sizes).
Decisions here use the analyses' tolerance (:data:`EPS`, relative): a value equal to its
limit up to floating-point noise reaches it.

Nothing here decides an indicator; it only keeps the display faithful to the decision.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

#: Relative tolerance of the analyses' decisions (``eduwb.analysis.resources.EPS``).
EPS = 1e-9
#: The most decimals a number is ever shown with.
MOST = 6
COMPARATORS = (">=", "<=")

Limit = tuple[float, str]


def _as_float(x: object) -> float:
    try:
        return float(x)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return math.nan


def _finite(x: object) -> bool:
    return math.isfinite(_as_float(x))


def _limits(limits: Iterable[Limit] | Limit | None) -> list[Limit]:
    """The usable limits: finite thresholds with a known comparator."""
    if limits is None:
        return []
    if isinstance(limits, tuple) and len(limits) == 2 and isinstance(limits[1], str):
        limits = [limits]
    out = []
    for threshold, op in limits:
        if op not in COMPARATORS:
            raise ValueError(f"comparator must be '>=' or '<=', not {op!r}")
        if _finite(threshold):
            out.append((float(threshold), op))
    return out


def reaches(value: float, threshold: float, op: str = ">=") -> bool:
    """The decision: does ``value`` reach ``threshold`` (with the analyses' tolerance)?"""
    if op == ">=":
        return value >= threshold - EPS * abs(threshold)
    return value <= threshold + EPS * abs(threshold)


def _rounded(value: float, digits: int) -> float:
    # the number as it will be printed, not Python's round() (binary ties differ)
    return float(f"{value:.{digits}f}")


def _misleads(shown: float, value: float, threshold: float, op: str) -> bool:
    ok = reaches(value, threshold, op)
    if op == ">=":
        return (not ok and shown >= threshold) or (ok and shown < threshold)
    return (not ok and shown <= threshold) or (ok and shown > threshold)


def decimals(
    value: float,
    digits: int = 2,
    limits: Iterable[Limit] | Limit | None = None,
    *,
    scale: float = 1.0,
    most: int = MOST,
) -> int:
    """The decimals to show ``value`` with: ``digits``, or more where a limit demands it.

    ``scale`` is what the value is multiplied by for display (100 for a percentage); the
    limits are in the value's own unit.
    """
    if not _finite(value):
        return digits
    value = float(value)
    checks = _limits(limits)
    d = digits
    while d < max(most, digits) and any(
        _misleads(_rounded(value * scale, d) / scale, value, t, op) for t, op in checks
    ):
        d += 1
    return d


def number(
    value: float,
    digits: int = 2,
    limits: Iterable[Limit] | Limit | None = None,
    *,
    grouping: bool = True,
    most: int = MOST,
) -> str:
    """A number as shown: ``digits`` decimals, more where a limit demands (see the module).

    Whole numbers of 1,000 or more print without decimals; ``grouping`` adds thousands
    separators (12,345.6).
    """
    value = float(value)
    if not math.isfinite(value):
        return str(value)
    sep = "," if grouping else ""
    d = decimals(value, digits, limits, most=most)
    if value.is_integer() and abs(value) >= 1000 and d == digits:
        return f"{value:{sep}.0f}"
    return f"{value:{sep}.{d}f}"


def percent(
    value: float, digits: int = 1, limits: Iterable[Limit] | Limit | None = None, *, most: int = MOST
) -> str:
    """A share (0.104) as a percentage ("10.4%"), with more decimals where a limit demands.

    The limits are shares too (0.10 for 10 %).
    """
    value = float(value)
    if not math.isfinite(value):
        return str(value)
    d = decimals(value, digits, limits, scale=100.0, most=most)
    return f"{value * 100:.{d}f}%"


def exact(value: float, digits: int = 2, *, most: int = MOST, grouping: bool = True) -> str:
    """A threshold or limit as the standard writes it: at least ``digits`` decimals, and as
    many more as it has (2.345 stays 2.345, never "2.35"), up to ``most``."""
    value = float(value)
    if not math.isfinite(value):
        return str(value)
    d = digits
    while d < most and _rounded(value, d) != value:
        d += 1
    sep = "," if grouping else ""
    if value.is_integer() and abs(value) >= 1000:
        return f"{value:{sep}.0f}"
    return f"{value:{sep}.{d}f}"


def plain(value: float) -> str:
    """A figure the way people write it, without trailing zeros: 6,500 / 4.2 / 0.85 / 1.02."""
    value = float(value)
    if value.is_integer():
        return f"{value:,.0f}"
    return f"{value:,.{MOST}f}".rstrip("0").rstrip(".")


def percent_limit(value: float) -> str:
    """A limit that is a share, as the standard writes it: 0.85 → "85%", 0.955 → "95.5%"."""
    return f"{float(value) * 100:.4g}%"


# ----------------------------------------------------------------------------- tables
#: Columns judged against a limit held in another column of the same row (the analyses'
#: column names): value column → [(limit column, comparator)]. A pair applies when both
#: columns are in the table.
PAIRED_LIMITS: dict[str, list[tuple[str, str]]] = {
    "value": [("threshold", ">=")],
    "value_after": [("threshold", ">=")],
    "cv": [("limit", "<=")],
    "cv_after": [("limit", "<=")],
    "composite": [("composite_limit", "<=")],
    "ratio": [("ratio_limit", ">=")],
    "rotation_ratio": [("ratio_limit", ">=")],
    "backbone_share": [("share_limit", ">=")],
    "training_rate": [("training_limit", ">=")],
    "certification_rate": [("certification_limit", ">=")],
    "retention_rate": [("threshold", ">=")],
    "share": [("threshold", ">=")],
    "rate": [("threshold", ">=")],
    "music_room_min_area_m2": [("music_area_limit", ">=")],
    "art_room_min_area_m2": [("art_area_limit", ">=")],
}
#: Columns that hold thresholds and limits: shown as the standard writes them (:func:`exact`).
LIMIT_COLUMNS = frozenset(
    {
        "threshold", "limit", "composite_limit", "ratio_limit", "share_limit", "training_limit",
        "certification_limit", "music_area_limit", "art_area_limit", "threshold_primary", "threshold_junior",
    }
)  # fmt: skip


#: Columns of quantities in a natural unit (a plan's addition, a gap's shortfall): teachers and
#: rooms, always whole, print as counts ("22 人", never "22.0 人"); so does any whole amount
#: of m² or 元 in them (the rest keep their decimals).
QUANTITY_COLUMNS = frozenset({"addition", "shortfall", "quantity"})


def quantity(value: float, digits: int = 1) -> str:
    """An amount in its natural unit: a whole number without decimals ("22", "13,372"),
    any other with ``digits`` (1,462.1)."""
    value = float(value)
    if math.isfinite(value) and value.is_integer():
        return f"{value:,.0f}"
    return number(value, digits)


#: Costs in 元 that a report shows in 万元 (10,000 元), the unit of the charts beside them;
#: the tables' workbook keeps the exact 元.
WAN_COLUMNS = frozenset({"cost_yuan", "plan_cost_yuan", "cumulative_yuan", "cap_yuan", "shortfall_yuan"})
WAN = 10_000


def wan(yuan: float, digits: int = 1) -> str:
    """An amount of 元 in 万元: 2,640,000 → "264.0", 64,493 → "6.4"."""
    return number(float(yuan) / WAN, digits)


def cell_limits(
    columns: Sequence[str], row: Sequence[object], extra: dict[str, list[Limit]] | None = None
) -> dict[str, list[Limit]]:
    """The limits each cell of one row is judged against: its paired columns, and ``extra``."""
    where = {c: i for i, c in enumerate(columns)}
    out: dict[str, list[Limit]] = {}
    for col in columns:
        found = [
            (_as_float(row[where[other]]), op) for other, op in PAIRED_LIMITS.get(col, []) if other in where
        ]
        found += (extra or {}).get(col, [])
        limits = _limits(found)
        if limits:
            out[col] = limits
    return out


def figure(value: float, limits: Iterable[Limit] | Limit | None = None) -> str:
    """A figure as written (:func:`plain`), unless that would round it onto or across a limit
    it is judged against; then as many decimals as it takes (a county's ratio 0.9999999 is
    not "1")."""
    text = plain(value)
    shown = _as_float(text.replace(",", ""))
    value = float(value)
    if any(_misleads(shown, value, t, op) for t, op in _limits(limits)):
        return number(value, 2, limits, most=12)
    return text
