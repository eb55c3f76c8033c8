"""The registry behind ``eduwb table NAME``: every table a notebook shows, by name.

Each entry is a function ``fn(ds, std, *, year=None, stage=None, **options) -> DataFrame`` of
the analysis module of its concern, with a one-line description. ``import eduwb`` stays
light because only the CLI's ``table`` command and the tests import this module; the names
and descriptions (:data:`CATALOGUE`) need no import at all, and :data:`REGISTRY` imports
the analyses when first used.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from eduwb.errors import ParameterError

if TYPE_CHECKING:
    import pandas as pd

TableFunction = Callable[..., "pd.DataFrame"]


#: name → (module of eduwb.analysis, its function, description): what ``eduwb --help`` lists,
#: without importing pandas and the analyses (:data:`REGISTRY` has the functions themselves)
CATALOGUE: dict[str, tuple[str, str, str]] = {
    "thresholds": (
        "resources",
        "thresholds_table",
        "the standard's resource indicators and their thresholds per stage",
    ),
    "indicators": ("resources", "indicators_table", "R1–R7 per school section in scope"),
    "compliance": ("balance", "compliance_table", "the per-school 6-of-7 / 85 % rule"),
    "balance": ("balance", "balance_table", "student-weighted CV per stage × indicator, with the composite"),
    "equity": (
        "equity",
        "equity_table",
        "Gini, Theil (between/within locale), McLoone, Verstegen, range ratio",
    ),
    "gaps": ("balance", "gaps_table", "shortfall per school × indicator in natural units, with its cost"),
    "plan": ("plan", "plan_table", "R1–R7 additions topped up per indicator (an estimate; see pathway)"),
    "plan_summary": (
        "plan",
        "plan_summary",
        "CVs and costs before and after the plan, per stage × indicator",
    ),
    "plan_overview": ("plan", "plan_overview", "schools passing and CVs failing before and after the plan"),
    "pathway": ("pathway", "pathway_table", "the pathway: every action to pass, with its cost (eduwb plan)"),
    "pathway_summary": (
        "pathway",
        "pathway_summary_table",
        "the pathway in one row: cost, method, feasibility",
    ),
    "pathway_schedule": (
        "pathway",
        "pathway_schedule_table",
        "the pathway's actions by year, with deadlines",
    ),
    "pathway_by_indicator": ("pathway", "pathway_by_indicator_table", "the pathway's cost per indicator"),
    "pathway_by_school": ("pathway", "pathway_by_school_table", "the pathway's cost per school"),
    "pathway_by_year": ("pathway", "pathway_by_year_table", "the pathway's cost per year and cumulative"),
    "pathway_misses": (
        "pathway",
        "pathway_misses_table",
        "indicators the budget cap or milestones make late",
    ),
    "pathway_unpriced": (
        "pathway",
        "pathway_unpriced_table",
        "failing indicators no money can move (unpriced)",
    ),
    "pathway_costs": ("pathway", "pathway_costs_table", "the unit costs the pathway used, with their source"),
    "gaps_summary": ("balance", "gaps_summary", "shortfalls and costs summed per stage × indicator"),
    "resources_summary": ("balance", "summary_table", "county summary of the resource indicators"),
    "classsize": ("classsize", "classsize_table", "classes by size band per year × stage (or per school)"),
    "ledger": ("classsize", "ledger_table", "the oversized-class ledger (台账) with 销号 status"),
    "milestones": ("classsize", "milestones_table", "the county plan's dated class-size targets"),
    "schoolsize": ("classsize", "school_size_table", "school size (G4) against its limit"),
    "projection": (
        "classsize",
        "projection_table",
        "next autumn's enrolment and classes by cohort progression",
    ),
    "rotation": ("rotation", "rotation_table", "teacher rotation ratios against 10 % / 20 %"),
    "flows": ("rotation", "flows_table", "rotation flows between locales and toward weak schools"),
    "teacher_quality": ("rotation", "teacher_quality_table", "training (G9) and certification (G12) rates"),
    "scorecard": ("scorecard", "scorecard_table", "all indicators of the standard with status and evidence"),
    "verdict": ("scorecard", "verdict_table", "the county verdict per year, per dimension"),
    "dimensions": ("scorecard", "dimension_table", "pass/fail per dimension over the years"),
    "changes": ("scorecard", "changes_table", "indicators that turned pass/fail since the year before"),
    "vetoes": ("scorecard", "vetoes_table", "the one-vote vetoes (不予认定) as declared"),
    "todo": ("scorecard", "missing_inputs_table", "missing inputs (缺数据) for the analyst to supply"),
    "rooms": ("guarantee", "music_art_rooms_table", "music and art rooms per school (G3)"),
    "retention": ("guarantee", "retention_table", "three-year junior retention rate (Q1)"),
    "training_funds": (
        "guarantee",
        "training_funds_table",
        "training funds ≥ 5 % of public funds per school (Q4)",
    ),
    "recognition": ("guarantee", "recognition_table", "satisfaction survey by group (S1)"),
    "counties": (
        "province",
        "counties_table",
        "province: every county per year — verdict, failing, CVs, classes, G11",
    ),
    "readiness": (
        "province",
        "readiness_table",
        "province: counties ranked by distance to recognition, who could pass next year",
    ),
    "province_balance": (
        "province",
        "province_balance_table",
        "province: each CV's spread across counties, the province's own CV",
    ),
    "bill": (
        "province",
        "bill_table",
        "province: the counties' pathways' items and cost, summed (or --by county)",
    ),
}


def _registry() -> dict[str, tuple[TableFunction, str]]:
    """name → (function, description), the analyses imported on first use."""
    registry = globals().get("REGISTRY")
    if registry is None:
        registry = {
            name: (getattr(importlib.import_module(f"eduwb.analysis.{module}"), function), description)
            for name, (module, function, description) in CATALOGUE.items()
        }
        globals()["REGISTRY"] = registry
    return registry


def __getattr__(name: str) -> Any:
    if name == "REGISTRY":  # ``from eduwb.tables import REGISTRY``: the functions, imported now
        return _registry()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def table_function(name: str) -> TableFunction:
    """The function behind a table name, or a usage error listing the names."""
    if name not in CATALOGUE:
        raise ParameterError(f"unknown table {name!r}; choose one of: {', '.join(CATALOGUE)}")
    return _registry()[name][0]


def compute(
    name: str, ds, std, *, year: int | None = None, stage: str | None = None, **options
) -> pd.DataFrame:
    """Compute a registered table."""
    return table_function(name)(ds, std, year=year, stage=stage, **options)
