"""The sections of chapter 02 (class size and school size): see :mod:`.chapter`. Without class
rows for the year a section says what it cannot show."""

from __future__ import annotations

import pandas as pd

from eduwb.analysis import classsize
from eduwb.analysis.scope import up_to_year
from eduwb.present.charts import classsize as charts
from eduwb.present.charts.chapter import Chapter, analysed


class ClassSizeChapter(Chapter):
    """Chapter 02's sections for one county, year and stage (``stage=None``: every stage)."""

    def __init__(self, ds, std, year: int, stage: str | None = None, lang: str = "zh"):
        super().__init__(ds, std, year, stage, lang)
        self.has_classes = classsize.has_class_data(ds, year)

    def localise(self, df: pd.DataFrame, name: str) -> pd.DataFrame:
        return charts.localise(df, self.std, self.lang)

    # ------------------------------------------------------------------ what cannot be shown

    def cannot_show(self, what: tuple[str, str]) -> bool:
        """Say that ``what`` (Chinese, English) cannot be shown, and why (no classes table, or
        none of its rows for the year); True when so."""
        if self.has_classes:
            return False
        if self.ds.classes is None:
            return self.missing(
                ("本县没有提供班级数据（classes 表）", "the county gave no class table (classes)"), what
            )
        why = (
            f"班级数据（classes 表）中没有 {self.year} 年的班级",
            f"the class table (classes) has no class rows for {self.year}",
        )
        return self.missing(why, what)

    # ------------------------------------------------------------------ shared results

    ledger = analysed(classsize.ledger_table)
    milestones = analysed(classsize.milestones_table)
    projection = analysed(classsize.projection_table)

    # ------------------------------------------------------------------ sections

    def overview(self) -> None:
        """The standard's bands, then the year's classes in a sentence."""
        std, year = self.std, self.year
        bands = charts.bands_text(std, self.lang)
        self.md(
            f"评估标准：{std.name('zh')}。班额分类：{bands}。", f"Standard: {std.name('en')}. Bands: {bands}."
        )
        if self.cannot_show(("本年的班额概况", f"the class sizes of {year}")):
            return
        n = classsize.year_overview(self.ds, std, year)
        self.md(
            f"**{year}年**，全县共 {n['classes']} 个班，超过标准班额的 {n['classes_over']} 个，"
            f"涉及 {n['schools_over']} 所学校；其中大班额 {n['large']} 个，"
            f"超大班额 {n['super_large']} 个；最大班额 {n['max_class_size']} 人。",
            f"**In {year}** the county has {n['classes']} classes; {n['classes_over']} are over the "
            f"standard, in {n['schools_over']} schools; {n['large']} are large and "
            f"{n['super_large']} super-large; the largest has {n['max_class_size']} pupils.",
        )

    def trend(self) -> None:
        """Classes per band, year and stage, with the plan's milestones."""
        if self.cannot_show(("各年班额分布", "the classes by size band over the years")):
            return
        trend = up_to_year(classsize.classsize_table(self.ds, self.std, stage=self.stage), self.year)
        self.chart(charts.bands_trend, trend, self.milestones, self.std)
        zh, en = "各年各学段的班额分布（个班）", "Classes by size band, per year and stage"
        self.show_table(trend, "classsize", zh, en, digits=3)

    def milestone_table(self) -> None:
        """The county plan's milestones, judged on the data up to the year."""
        if self.cannot_show(("计划节点的判定", "the plan's milestones")):
            return
        if self.milestones.empty:
            self.md(
                "county.toml 没有设定班额节点（class_size.milestones）。",
                "county.toml sets no class-size milestones.",
            )
            return
        self.md(f"以下按 {self.year} 年及以前的数据判定。", f"Judged on the data up to {self.year}.")
        zh, en = "县域消除大班额计划节点", "The county plan's class-size milestones"
        self.show_table(self.milestones, "milestones", zh, en, highlight=charts.status_styles)

    def ledger_summary(self) -> None:
        """The ledger's rows by status, in a sentence."""
        if self.cannot_show(("大班额台账", "the large-class ledger")):
            return
        n, year = classsize.ledger_counts(self.ledger), self.year
        self.md(
            f"截至 {year} 年台账共 {n['rows']} 行：逾期未销号 {n['overdue']} 行，"
            f"未销号 {n['open']} 行，已销号 {n['closed']} 行；"
            f"销号后又重新出现的 {n['reopened']} 行。",
            f"Up to {year}: {n['rows']} rows, {n['overdue']} overdue, {n['open']} open, "
            f"{n['closed']} closed; {n['reopened']} reopened after being crossed off.",
        )

    def ledger_tables(self) -> None:
        """The ledger's timeline and table, and the schools still over the standard (G5)."""
        if not self.has_classes:
            return  # said once, by ledger_summary
        year = self.year
        self.chart(charts.ledger_timeline, self.ledger, self.std)
        zh, en = f"大班额台账（截至{year}年）", f"Large-class ledger (as of {year})"
        self.show_table(self.ledger, "ledger", zh, en, highlight=charts.status_styles)
        over = classsize.ledger_table(self.ds, self.std, year=year, stage=self.stage, bands="over_standard")
        zh, en = (
            f"{year}年仍有超标准班额的学校（G5）",
            f"Schools still with classes over the standard in {year} (G5)",
        )
        self.show_table(
            over[over["status"] != "closed"],
            "ledger",
            zh,
            en,
            highlight=charts.status_styles,
            options={"bands": "over_standard"},
        )

    def largest(self, rows: int = 20) -> None:
        """The year's largest classes."""
        if self.cannot_show(("班额最大的班级", "the largest classes")):
            return
        largest = classsize.classsize_table(self.ds, self.std, by="class", **self.at)
        zh, en = f"{self.year}年班额最大的班级", f"The largest classes in {self.year}"
        self.show_table(largest, "classsize", zh, en, max_rows=rows, options={"by": "class"})

    def size_limits(self) -> str:
        """The school-size limits in words, with the 2019 relaxations when the county uses them."""
        std = self.std
        limits = self.t(
            f"小学、初中不超过 {std.school_size_limit('primary')} 人，"
            f"九年一贯制、十二年一贯制学校不超过 {std.school_size_limit('nine_year')} 人",
            f"at most {std.school_size_limit('primary')} pupils for primary and junior schools, "
            f"{std.school_size_limit('nine_year')} for nine- and twelve-year schools",
        )
        relaxed = std.relaxations if self.ds.settings.relaxations_2019 else None
        if not relaxed:
            return limits + self.t("；未启用2019年过渡政策", "; the 2019 relaxations are off")
        wider = std.school_size_limit("nine_year", relaxed=True)
        return limits + self.t(
            f"；已启用2019年过渡政策：{relaxed['size_built_by']}年及以前建成的学校上限放宽为 "
            f"{relaxed['school_size_default']} / {wider} 人",
            f"; the 2019 relaxations are on: schools built in or before {relaxed['size_built_by']} may have "
            f"{relaxed['school_size_default']} / {wider} pupils",
        )

    def school_size_summary(self) -> None:
        """G4 in a sentence: the limits, the schools judged and those over their limit."""
        year, limits = self.year, self.size_limits()
        g4 = classsize.g4_summary(self.ds, self.std, year).iloc[0]
        over = g4["schools_over"]
        self.md(
            f"上限：{limits}。{year}年纳入判定的 {g4['schools']} 所学校中，{over} 所超过上限"
            + (f"，最多超出 {g4['max_over_by']} 人。" if over else "。"),
            f"Limits: {limits}. In {year}, {over} of the {g4['schools']} schools judged are over "
            "their limit" + (f", by up to {g4['max_over_by']} pupils." if over else "."),
        )

    def school_sizes(self, rows: int = 15) -> None:
        """The school sizes against their limits: a chart and the largest schools."""
        sizes = classsize.school_size_table(self.ds, self.std, year=self.year)
        self.chart(charts.school_sizes, sizes)
        self.show_table(
            sizes.sort_values(["students", "school_id"], ascending=[False, True]),
            "schoolsize",
            f"{self.year}年各校规模",
            f"School sizes in {self.year}",
            highlight=charts.status_styles,
            max_rows=rows,
        )

    def projection_summary(self) -> None:
        """Next autumn if every school keeps this year's classes, in a sentence."""
        if self.cannot_show(("下一学年秋季的班额预测", "next autumn's projection")):
            return
        year, n = self.year, classsize.projection_summary(self.projection)
        by_grade = n["sections_short_by_grade"]
        self.md(
            f"若各校保持 {year} 年各年级的班级数，{year + 1} 年秋季将有 {n['schools_flagged']} 所学校"
            f"出现超标准班额或超过规模上限；要让每个班都不超过标准，全县共需在 {n['sections_short']} "
            f"个学校（学段）增加 {n['extra_classes']} 个班"
            + (
                f"，其中 {by_grade} 个学校（学段）全段所需班级数不多于现有班级数，增班是因为个别年级不足。"
                if by_grade
                else "。"
            ),
            f"If every school keeps its {year} classes per grade, {n['schools_flagged']} schools will "
            "have classes over the standard or exceed their size limit in autumn "
            f"{year + 1}; keeping every class within the standard needs {n['extra_classes']} "
            f"more classes in {n['sections_short']} school sections"
            + (
                f"; {by_grade} of them need no more classes in all than they have, but a grade is short."
                if by_grade
                else "."
            ),
        )

    def projection_tables(self) -> None:
        """The projection's chart and the schools to watch next autumn."""
        if not self.has_classes:
            return  # said once, by projection_summary
        self.chart(charts.projection_chart, self.projection, self.std)
        flagged = classsize.projection_summary(self.projection)["flagged"]
        zh, en = f"{self.year + 1}年秋季需关注的学校", f"Schools to watch in autumn {self.year + 1}"
        self.show_table(flagged, "projection", zh, en, highlight=charts.status_styles)

    def by_school(self, interactive: bool = False) -> None:
        """Each school's classes over the years: an explorer, or, for the report, the panels of
        the schools on the ledger."""
        from IPython.display import display

        if self.cannot_show(("各校的班额分布", "each school's class sizes")):
            return
        by_school = up_to_year(
            classsize.classsize_table(self.ds, self.std, stage=self.stage, by="school"), self.year
        )
        if interactive:
            display(charts.explorer(by_school, self.ledger, self.std, self.lang))
            return
        self.chart(charts.school_panels, by_school, self.ledger["school_id"].unique(), self.std)
