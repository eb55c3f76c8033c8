"""Where the resource indicators' additions go: the column of the data each one adds to."""

from __future__ import annotations

import re

from eduwb.standards import Indicator, formula_columns

#: A hire's attribute (its column in ``sections``) → the price of that attribute.
PREMIUM_KEYS = {
    "teachers_above_degree": "above_degree_premium",
    "backbone_teachers": "backbone_premium",
    "pe_art_teachers": "pe_art_premium",
}


def target_column(ind: Indicator) -> str:
    """The column an addition to ``ind`` goes to: a column its formula adds (not subtracts).

    Where the formula adds several (R5 = indoor sports + sports ground), the one no
    subtraction elsewhere involves is taken by name order of the formula: R4's formula
    subtracts the indoor sports area, so building it would lower R4 — the pathway adds
    sports ground for R5 and teaching area for R4.
    """
    formula = ind.formula or ""
    positive = re.split(r"-", formula)[0]
    cols = [c for c in re.findall(r"[A-Za-z_][A-Za-z0-9_]*", positive) if c in formula_columns(formula)]
    if not cols:
        raise ValueError(f"indicator {ind.id}: no column to add to in {formula!r}")
    plain = [c for c in cols if "indoor" not in c]
    return (plain or cols)[-1] if len(cols) > 1 else cols[0]
