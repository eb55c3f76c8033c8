"""The registry behind ``eduwb table NAME``: every table a notebook shows, by name.

Each entry names a function ``fn(ds, std, *, year=None, stage=None, **options) -> DataFrame``
in the module of its concern; modules load only when their table is asked for.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING

from eduwb.errors import ParameterError

if TYPE_CHECKING:  # pandas loads only when a table is computed
    import pandas as pd

TABLES: dict[str, tuple[str, str]] = {
    # name: ("module:function", one-line description)
    "indicators": ("eduwb.analysis.resources:indicators_table", "R1–R7 per school section in scope"),
    "compliance": ("eduwb.analysis.balance:compliance_table", "the per-school 6-of-7 / 85 % rule"),
    "balance": ("eduwb.analysis.balance:balance_table", "student-weighted CV per stage × indicator, with the composite"),
    "equity": ("eduwb.analysis.balance:equity_table", "Gini, Theil (between/within locale), McLoone, Verstegen, range ratio"),
    "gaps": ("eduwb.analysis.balance:gaps_table", "shortfall per school × indicator in natural units, with its cost"),
    "plan": ("eduwb.analysis.balance:plan_table", "least-cost additions after which every rule holds"),
    "plan_summary": ("eduwb.analysis.balance:plan_summary", "CVs and costs before and after the plan, per stage × indicator"),
    "plan_overview": ("eduwb.analysis.plan:plan_overview", "schools passing and CVs failing before and after the plan"),
    "gaps_summary": ("eduwb.analysis.balance:gaps_summary", "shortfalls and costs summed per stage × indicator"),
    "resources_summary": ("eduwb.analysis.balance:summary_table", "county summary of the resource indicators"),
    "classsize": ("eduwb.analysis.classsize:classsize_table", "classes by size band per year × stage (or per school)"),
    "ledger": ("eduwb.analysis.classsize:ledger_table", "the oversized-class ledger (台账) with 销号 status"),
    "milestones": ("eduwb.analysis.classsize:milestones_table", "the county plan's dated class-size targets"),
    "schoolsize": ("eduwb.analysis.classsize:school_size_table", "school size (G4) against its limit"),
    "projection": ("eduwb.analysis.classsize:projection_table", "next autumn's enrolment and classes by cohort progression"),
    "rotation": ("eduwb.analysis.rotation:rotation_table", "teacher rotation ratios against 10 % / 20 %"),
    "flows": ("eduwb.analysis.rotation:flows_table", "rotation flows between locales and toward weak schools"),
    "teacher_quality": ("eduwb.analysis.rotation:teacher_quality_table", "training (G9) and certification (G12) rates"),
    "scorecard": ("eduwb.analysis.scorecard:scorecard_table", "all indicators of the standard with status and evidence"),
    "verdict": ("eduwb.analysis.scorecard:verdict_table", "the county verdict per year, per dimension"),
    "dimensions": ("eduwb.analysis.scorecard:dimension_table", "pass/fail per dimension over the years"),
    "changes": ("eduwb.analysis.scorecard:changes_table", "indicators that turned pass/fail since the year before"),
    "vetoes": ("eduwb.analysis.scorecard:vetoes_table", "the one-vote vetoes (不予认定) as declared"),
    "todo": ("eduwb.analysis.scorecard:missing_inputs_table", "missing inputs (缺数据) for the analyst to supply"),
    "rooms": ("eduwb.analysis.guarantee:music_art_rooms_table", "music and art rooms per school (G3)"),
    "retention": ("eduwb.analysis.guarantee:retention_table", "three-year junior retention rate (Q1)"),
    "training_funds": ("eduwb.analysis.guarantee:training_funds_table", "training funds ≥ 5 % of public funds per school (Q4)"),
    "recognition": ("eduwb.analysis.guarantee:recognition_table", "satisfaction survey by group (S1)"),
}


def table_function(name: str) -> Callable[..., pd.DataFrame]:
    if name not in TABLES:
        raise ParameterError(f"unknown table {name!r}; choose one of: {', '.join(TABLES)}")
    target = TABLES[name][0]
    module_name, func_name = target.split(":")
    try:
        module = importlib.import_module(module_name)
        return getattr(module, func_name)
    except (ImportError, AttributeError) as exc:
        raise ParameterError(f"table {name!r} is not available in this version of eduwb ({exc})") from None


def compute(name: str, ds, std, *, year: int | None = None, stage: str | None = None, **options) -> pd.DataFrame:
    """Compute a registered table."""
    return table_function(name)(ds, std, year=year, stage=stage, **options)
