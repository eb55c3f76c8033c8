"""Teachers' privacy: one rule, applied by every output (``eduwb table``, notebooks, PDF, workbook).

* **No teacher id, ever.** A ``teacher_id`` column never leaves the analysis: :func:`suppress`
  drops it (the analyses' tables do not carry one; this is the safety net).
* **Small groups.** In a per-school table (one with ``school_id`` or ``school_name``), a count
  of teachers (or of their moves) of 1 or 2 reads ``"<3"``; a figure from which such a count
  could be worked out — its complement shown beside the total, a rate computed from it,
  whether that rate passes its limit (booleans included) — reads ``"—"``. Zero stays 0
  (nobody to identify). County totals are shown as they are.

An analyst inside the bureau may lift the small-group rule, and only explicitly:
``eduwb table … --no-suppress`` (the output then says so, :func:`note`) or
``suppress(df, enabled=False)``. Reports and the committed notebooks never lift it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from eduwb.data.schema import MODES
from eduwb.lang import pick

#: Per-school groups smaller than this are not shown as numbers.
SMALL_GROUP = 3
SUPPRESSED = "<3"
SUPPRESSED_RATE = "—"
#: Columns that must never be shown.
ID_COLUMNS = ("teacher_id",)

#: Columns counting teachers (or their moves), in the analyses' tables.
COUNT_COLUMNS = (
    "eligible", "rotated", "backbone_rotated", "rotated_eligible", "received", "backbone_received",
    "teachers", "trained", "not_trained", "certified", "not_certified",
    "moves", "backbone_moves", "teachers_moved", "backbone_moved",
    "to_rural", "backbone_to_rural", "to_weak", "backbone_to_weak",
    "to_rural_or_weak", "backbone_to_rural_or_weak", "compliance_unknown",
    *(f"moves_{mode}" for mode in MODES),
)  # fmt: skip
#: Each figure derived from counts (a rate, or whether it passes a limit: a yes/no reveals as
#: much as the rate it compares) and the counts it is computed from.
RATE_INPUTS = {
    "ratio": ("rotated", "eligible"),
    "rotation_ratio": ("rotated", "eligible"),
    "backbone_share": ("backbone_rotated", "rotated"),
    "passes": ("rotated", "eligible", "backbone_rotated"),
    "training_rate": ("trained", "not_trained", "teachers"),
    "certification_rate": ("certified", "not_certified", "teachers"),
    "training_passes": ("trained", "not_trained", "teachers"),
    "certification_passes": ("certified", "not_certified", "teachers"),
}
#: A count shown next to its total reveals its complement: hide it with the complement.
COMPLEMENTS = {
    "trained": "not_trained",
    "not_trained": "trained",
    "certified": "not_certified",
    "not_certified": "certified",
}


def is_per_school(df: pd.DataFrame) -> bool:
    return "school_id" in df.columns or "school_name" in df.columns


def _small(values: pd.Series) -> np.ndarray:
    numbers = pd.to_numeric(values, errors="coerce")
    return ((numbers > 0) & (numbers < SMALL_GROUP)).fillna(False).to_numpy(dtype=bool)


def small_counts(df: pd.DataFrame) -> pd.DataFrame:
    """Boolean frame: the count cells of 1 or 2 teachers in a per-school table (shown ``"<3"``)."""
    hide = pd.DataFrame(False, index=df.index, columns=df.columns)
    if not is_per_school(df):
        return hide
    for col in COUNT_COLUMNS:
        if col in df.columns:
            hide[col] = _small(df[col])
    return hide


def small_groups(df: pd.DataFrame) -> pd.DataFrame:
    """Boolean frame marking every cell of a per-school table to hide.

    The small counts themselves (:func:`small_counts`) and the cells that would reveal them:
    a complement shown beside its total, and the rates computed from them.
    """
    small = small_counts(df)
    hide = small.copy()
    for col, other in COMPLEMENTS.items():
        if col in hide.columns and other in hide.columns:
            hide[col] |= small[other]
    for rate, inputs in RATE_INPUTS.items():
        if rate in hide.columns:
            hide[rate] = small[[c for c in inputs if c in small.columns]].any(axis=1)
    return hide


def suppress(df: pd.DataFrame, *, enabled: bool = True) -> pd.DataFrame:
    """The copy of a table that may be shown: no teacher id; in per-school tables small groups hidden.

    Counts of 1 or 2 teachers read ``"<3"``, the numbers that would reveal them ``"—"``.
    ``enabled=False`` (an analyst's explicit choice, :func:`note` says so) keeps the numbers;
    teacher ids are dropped whatever it says. ``attrs["small_groups"]`` records
    ``"suppressed"``, ``"shown"`` or ``"none"`` (no small group in the table).
    """
    out = df.drop(columns=[c for c in ID_COLUMNS if c in df.columns])
    hide = small_groups(out)
    primary = small_counts(out)
    if not hide.to_numpy().any():
        out.attrs = {**df.attrs, "small_groups": "none"}
        return out
    if not enabled:
        out.attrs = {**df.attrs, "small_groups": "shown"}
        return out
    shown = out.astype(object).mask(hide & primary, SUPPRESSED).mask(hide & ~primary, SUPPRESSED_RATE)
    shown.attrs = {**df.attrs, "small_groups": "suppressed"}
    return shown


def note(lang: str = "zh", *, enabled: bool = True) -> str:
    """The footnote for a per-school table: how small groups are shown (or that they are not hidden)."""
    if enabled:
        return pick(
            (
                f"注：为保护教师隐私，分学校统计中不足{SMALL_GROUP}人的组显示为“{SUPPRESSED}”，可据以推算其人数的数字显示为“{SUPPRESSED_RATE}”。",
                f"Note: to protect teachers' privacy, per-school groups of fewer than {SMALL_GROUP} "
                "teachers read "
                f'"{SUPPRESSED}" and numbers from which they could be worked out read "{SUPPRESSED_RATE}".',
            ),
            lang,
        )
    return pick(
        (
            f"注意：本表未隐去不足{SMALL_GROUP}人的教师组（--no-suppress），仅供教育局内部分析使用，不得对外提供。",
            f"Warning: groups of fewer than {SMALL_GROUP} teachers are NOT hidden in this table "
            "(--no-suppress); for the bureau's internal analysis only, not to be shared.",
        ),
        lang,
    )
