"""The sections of chapter 01 (resource allocation and gaps): see :mod:`.chapter`. A standard
without a per-school rule (such as moe-2012) has no compliance table, ratio heatmap, gaps or
plan; a year in which no school section falls short has no gaps to list."""

from __future__ import annotations

from functools import cached_property, partial

import pandas as pd

from eduwb.analysis import balance, equity, plan, resources
from eduwb.lang import name_before_number
from eduwb.present import fail_cells, md_escape, rules
from eduwb.present.charts import pathway as pathway_words
from eduwb.present.charts import resources as charts
from eduwb.present.charts.chapter import Chapter, analysed


class ResourcesChapter(Chapter):
    """Chapter 01's sections for one county, year and stage (``stage=None``: every stage)."""

    def __init__(self, ds, std, year: int, stage: str | None = None, lang: str = "zh"):
        super().__init__(ds, std, year, stage, lang)
        self.has_rule = std.school_rule is not None
        self.can_plan = self.has_rule and std.balance_test == "each"

    def localise(self, df: pd.DataFrame, name: str) -> pd.DataFrame:
        words = pathway_words if name.startswith("pathway") else charts
        return words.localise(df, self.std, self.lang)

    # ------------------------------------------------------------------ what cannot be shown

    def cannot_show(self, what: tuple[str, str], needs_plan: bool = False) -> bool:
        """Say that ``what`` (Chinese, English) cannot be shown under this standard; True when so."""
        if self.can_plan if needs_plan else self.has_rule:
            return False
        zh, en = md_escape(self.std.name("zh")), md_escape(self.std.name("en"))
        if needs_plan:
            why = (
                f"{zh}没有逐校标准值和分项差异系数限值",
                f"{en} sets no per-school thresholds and per-indicator CV limits",
            )
        else:
            why = (
                f"{zh}没有逐校达标要求，只检验综合差异系数",
                f"{en} has no per-school rule; only the composite CV is tested",
            )
        self.md(f"{why[0]}，因此无法给出{what[0]}。", f"{why[1]}, so {what[1]} cannot be shown.")
        return True

    # ------------------------------------------------------------------ shared results

    compliance = analysed(balance.compliance_table)
    profiles = analysed(balance.profiles)
    plans = analysed(plan.plan_tables)  # one plan for its three tables (overview, by indicator, by section)
    balance = analysed(balance.balance_table)  # last: from here on, `balance` is this in the class body

    # ------------------------------------------------------------------ sections

    def intro(self) -> None:
        self.md(rules.resources_intro(self.std, self.lang, can_plan=self.can_plan))

    def scope_note(self) -> None:
        self.md(rules.scope_note(self.std, self.lang))

    def overview(self) -> None:
        """The school sections assessed and their pupils, and the summary per stage."""
        ds, std, year = self.ds, self.std, self.year
        summary = balance.summary_table(ds, std, **self.at)
        schools, pupils = summary["schools"].sum(), summary["students"].sum()
        county = md_escape(name_before_number(ds.name))  # "示例县01 2025年", not "示例县012025年"
        self.md(
            f"{county}{year}年纳入资源配置评估的学校（学段）共 {schools} 个，"
            f"在校生 {pupils:,} 人；评估标准：{md_escape(std.name('zh'))}。",
            f"{md_escape(ds.name)}, {year}: {schools} school sections with {pupils:,} pupils, "
            f"assessed against {md_escape(std.name('en'))}.",
        )
        zh, en = f"{year}年资源配置概况", f"Resource allocation at a glance, {year}"
        self.show_table(summary, "resources_summary", zh, en, digits={"composite": 3, "composite_limit": 2})

    def indicators(self) -> None:
        """The thresholds, then every school section's indicator values (shortfalls in red)."""
        std, lang, year = self.std, self.lang, self.year
        self.show_table(
            resources.thresholds_table(self.ds, std, stage=self.stage, lang=lang),
            "thresholds",
            "资源配置指标及标准值",
            "Resource indicators and their thresholds",
            localised=True,
            digits=1,
            options={"lang": lang},
        )
        values = resources.indicators_table(self.ds, std, **self.at)
        zh, en = f"{year}年各校（学段）资源配置指标", f"Resource indicators by school section, {year}"
        self.show_table(values, "indicators", zh, en, **self.judged(values))

    def compliance_table(self) -> None:
        """The per-school rule, school section by school section."""
        if self.cannot_show(("逐校达标情况", "the per-school rule")):
            return
        year, rule = self.year, self.std.school_rule
        self.show_table(
            self.compliance,
            "compliance",
            f"{year}年各校（学段）达标情况：至少 {rule['min_met']} 项达标，"
            f"其余不低于标准值的 {rule['min_ratio_rest']:.0%}",
            f"Per-school rule, {year}: at least {rule['min_met']} indicators met, "
            f"the rest at {rule['min_ratio_rest']:.0%} or more",
            digits={"weakest_ratio": 3},
            **self.judged(self.compliance),
        )

    def judged(self, table: pd.DataFrame, limits: bool = True) -> dict:
        """``show_table``'s options for a table whose failing cells are marked (and its limits)."""
        highlight = partial(fail_cells, failing=balance.failing_cells(table, self.std))
        return {
            "highlight": highlight,
            **({"limits": charts.display_limits(table, self.std)} if limits else {}),
        }

    def ratio_heatmap(self) -> None:
        if self.cannot_show(("达标比热力图", "the ratio heatmap")):
            return
        self.chart(charts.ratio_heatmap, self.profiles, self.std)

    def cv_limits(self) -> None:
        self.md(rules.cv_limits(self.std, self.lang))

    def balance_table(self) -> None:
        """The weighted CV of each indicator against its limit."""
        zh, en = f"{self.year}年各项指标差异系数", f"CV of each indicator, {self.year}"
        digits = {"county_mean": 2, "std": 2, "cv": 3, "limit": 2}
        self.show_table(
            self.balance, "balance", zh, en, digits=digits, **self.judged(self.balance, limits=False)
        )

    def cv_charts(self) -> None:
        self.chart(charts.cv_bars, self.balance, self.std)
        self.chart(charts.cv_trend, balance.balance_trend(self.ds, self.std, **self.at), self.std)

    def equity_table(self) -> None:
        lenses = equity.equity_table(self.ds, self.std, **self.at)
        zh, en = f"{self.year}年资源配置公平性指标", f"Equity lenses, {self.year}"
        self.show_table(lenses, "equity", zh, en, digits=3)

    def gaps(self) -> None:
        """The unit costs, then the gaps summed per indicator and listed per school section."""
        costs, year = balance.unit_costs(self.ds), self.year
        self.md(
            f"单位成本：教师 {costs['teacher_per_year']:,.0f} 元/人·年；校舍 {costs['building_m2']:,.0f} "
            f"元/平方米；运动场地 {costs['sports_field_m2']:,.0f} 元/平方米；多媒体教室 "
            f"{costs['multimedia_room']:,.0f} 元/间。",
            f"Unit costs: teacher {costs['teacher_per_year']:,.0f} yuan a year; building "
            f"{costs['building_m2']:,.0f} yuan/m²; sports ground "
            f"{costs['sports_field_m2']:,.0f} yuan/m²; multimedia room "
            f"{costs['multimedia_room']:,.0f} yuan.",
        )
        if self.cannot_show(("各校（学段）的差距与费用", "the gaps and their cost")):
            return
        gaps = balance.gaps_table(self.ds, self.std, **self.at)
        if gaps.empty:
            self.md(
                f"{year}年每所学校（学段）的每项指标都达到标准值，没有差距。",
                f"In {year} every school section meets every threshold: there is no gap.",
            )
            return
        summary = balance.gaps_summary(self.ds, self.std, **self.at)
        digits = {"shortfall": 1, "cost_yuan": 0}
        self.show_table(
            summary, "gaps_summary", f"{year}年差距汇总", f"Gaps by indicator, {year}", digits=digits
        )
        zh, en = f"{year}年各校（学段）差距明细", f"Gaps by school section, {year}"
        self.show_table(gaps, "gaps", zh, en, digits={"value": 2, "threshold": 2, **digits})

    @cached_property
    def paths(self) -> dict[str, pd.DataFrame] | None:
        """The pathway's tables (one solve for all), or None after saying why there is none."""
        from eduwb.analysis.pathway import pathway_tables
        from eduwb.errors import AnalysisError, ParameterError

        if self.cannot_show(("达标路径", "a pathway"), needs_plan=True):
            return None
        try:
            return pathway_tables(self.ds, self.std, year=self.year)
        except (AnalysisError, ParameterError) as exc:  # e.g. a standard file without [pathway] data
            self.md(f"未能给出达标路径：{md_escape(str(exc))}", f"No pathway: {md_escape(str(exc))}")
            return None

    def pathway_summary(self) -> None:
        """The pathway in a sentence, then its cost by indicator and by year."""
        paths, year = self.paths, self.year
        if paths is None:
            return
        self.md(pathway_words.intro(paths["pathway_summary"], paths["pathway_unpriced"], self.lang))
        zh, en = f"{year}年达标路径：各项指标的费用", f"The pathway by indicator, {year}"
        self.show_table(
            paths["pathway_by_indicator"], "pathway_by_indicator", zh, en, digits={"cost_yuan": 0}
        )
        zh, en = "达标路径：年度费用与累计", "The pathway by year: cost and cumulative"
        self.show_table(
            paths["pathway_by_year"],
            "pathway_by_year",
            zh,
            en,
            digits={"cost_yuan": 0, "cumulative_yuan": 0, "cap_yuan": 0},
        )

    def pathway_actions(self) -> None:
        """The pathway's actions with their years, what is late, the cost per school, the unit
        costs used and what money cannot move."""
        paths, std, lang, year = self.paths, self.std, self.lang, self.year
        if paths is None:
            return
        columns = ["action_id", "year", "deadline", "indicator", "action", "school_name", "stage", "grade"]
        columns += ["quantity", "unit", "cost_yuan", "method"]
        self.show_table(
            pathway_words.localise(paths["pathway_schedule"][columns], std, lang),
            "pathway_schedule",
            f"{year}年达标路径：行动与年度安排",
            f"The pathway's actions and schedule, {year}",
            localised=True,
            digits={"quantity": 1, "cost_yuan": 0},
            max_rows=60,
        )
        if len(paths["pathway_misses"]):
            zh, en = (
                "达标路径：预算上限或节点下未能按期完成",
                "The pathway: what the cap or the milestones make late",
            )
            self.show_table(paths["pathway_misses"], "pathway_misses", zh, en, digits={"shortfall_yuan": 0})
        zh, en = "达标路径：各校费用", "The pathway by school"
        self.show_table(
            paths["pathway_by_school"], "pathway_by_school", zh, en, digits={"cost_yuan": 0}, max_rows=40
        )
        zh, en = "达标路径：单价及来源", "The pathway's unit costs and their sources"
        self.show_table(paths["pathway_costs"], "pathway_costs", zh, en, digits={"unit_cost": 0})
        if len(paths["pathway_unpriced"]):
            zh, en = (
                "无法用钱或行政手段直接解决的未达标项",
                "Failing items beyond money or administrative action",
            )
            self.show_table(paths["pathway_unpriced"], "pathway_unpriced", zh, en)

    def plan_overview(self) -> None:
        """The former plan (R1–R7 topped up one by one, so an estimate): before and after."""
        if self.cannot_show(("资源配置补足估算", "a resource top-up estimate"), needs_plan=True):
            return
        zh, en = (
            f"{self.year}年资源配置补足估算：补充前后对比",
            f"Resource top-up estimate, {self.year}: before and after",
        )
        self.show_table(self.plans["plan_overview"], "plan_overview", zh, en, digits={"cost_yuan": 0})

    def plan_details(self) -> None:
        """The plan by indicator (with its costs) and by school section."""
        if not self.can_plan:
            return  # said once, by plan_overview
        year, plan_summary = self.year, self.plans["plan_summary"]
        zh = f"{year}年资源配置补足估算：各项指标补充量与差异系数"
        en = f"Resource top-up estimate by indicator, {year}: additions and CVs"
        digits = {"limit": 2, "level": 2, "addition": 1, "cost_yuan": 0}
        self.show_table(plan_summary, "plan_summary", zh, en, digits={"cv": 3, "cv_after": 3, **digits})
        self.chart(charts.plan_costs, plan_summary, self.std)
        zh, en = f"{year}年资源配置补足估算明细", f"Resource top-up estimate by school section, {year}"
        digits = {"value": 2, "threshold": 2, "addition": 1, "value_after": 2, "cost_yuan": 0}
        self.show_table(self.plans["plan"], "plan", zh, en, digits=digits)

    def profiles_section(self, interactive: bool = False) -> None:
        """Each school section's ratios to the thresholds: an explorer, or for the report the
        panels of the school sections failing the per-school rule."""
        from IPython.display import display

        if self.cannot_show(("学校画像", "the school profiles")):
            return
        if interactive:
            display(charts.explorer(self.profiles, self.std, self.lang))
            return
        failing = self.compliance.loc[~self.compliance["passes"], ["school_id", "stage"]]
        self.chart(charts.profiles_grid, self.profiles, self.std, failing)
