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


#: The tables in Chinese, for ``eduwb table --help`` (name → Chinese description; the English
#: is CATALOGUE's). A table missing here is listed in English alone.
CATALOGUE_ZH = {
    "thresholds": "评估标准的资源配置指标及分学段标准值",
    "indicators": "纳入评估的各校（学段）R1–R7 指标值",
    "compliance": "逐校达标规则（至少 6 项达标、其余不低于 85%）",
    "balance": "分学段各项指标按学生数加权的差异系数及综合差异系数",
    "equity": "基尼系数、泰尔指数（城乡组间/组内）、McLoone、Verstegen、极差率",
    "gaps": "各校各项指标的缺口（自然单位）及费用",
    "plan": "资源配置 R1–R7 逐项补足的补充量（估算，见 pathway）",
    "plan_summary": "补足估算前后分学段各项指标的差异系数和费用",
    "plan_overview": "补足估算前后的达标学校数和超限差异系数项数",
    "pathway": "达标路径：达标所需的每项行动及其费用（eduwb plan）",
    "pathway_summary": "达标路径一览：总费用、方法、是否可行",
    "pathway_schedule": "达标路径的年度安排：每项行动的年份和期限",
    "pathway_by_indicator": "达标路径各项指标的费用",
    "pathway_by_school": "达标路径各校的费用",
    "pathway_by_year": "达标路径各年费用及累计",
    "pathway_misses": "受预算上限或节点所限不能按期达标的指标",
    "pathway_unpriced": "无法用钱解决的未达标指标（不计价）",
    "pathway_costs": "达标路径所用单价及其来源",
    "gaps_summary": "分学段各项指标的缺口和费用合计",
    "resources_summary": "全县资源配置概况",
    "classsize": "各年分学段（或分学校）各类班额的班级数",
    "ledger": "大班额台账及销号情况",
    "milestones": "县域消除大班额计划的各个节点",
    "schoolsize": "学校规模（G4）及其上限",
    "projection": "按年级升级推算的下一学年秋季学生数和班级数",
    "rotation": "教师交流轮岗比例（要求 10%、骨干 20%）",
    "flows": "交流在城乡之间及流向薄弱学校的情况",
    "teacher_quality": "教师培训完成率（G9）和持证上岗率（G12）",
    "scorecard": "评估标准的全部指标及判定结果和依据",
    "verdict": "各年、各维度的县域评估结论",
    "dimensions": "各年各维度是否达标",
    "changes": "与上年相比判定结果发生变化的指标",
    "vetoes": "县级填报的一票否决情形",
    "todo": "需要分析人员补充的数据（缺数据）",
    "rooms": "各校音乐、美术专用教室（G3）",
    "retention": "初中三年巩固率（Q1）",
    "training_funds": "各校教师培训经费占公用经费的比例（≥ 5%，Q4）",
    "recognition": "按调查对象分组的社会认可度（S1）",
    "counties": "省级：各县各年的结论、未达标指标、差异系数、班额和 G11",
    "readiness": "省级：各县距离认定的差距排序，以及明年可能通过的县",
    "province_balance": "省级：各项差异系数在各县间的分布及全省差异系数",
    "bill": "省级：各县达标路径的补充量和费用合计（或 --by county 分县）",
}
