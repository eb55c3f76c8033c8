"""The sections of chapter 03 (teacher rotation, training, certification): see :mod:`.chapter`.
Without the county's table of teachers or of rotations a section says what it cannot show."""

from __future__ import annotations

from functools import partial

import pandas as pd

from eduwb.analysis import rotation
from eduwb.analysis.scope import up_to_year
from eduwb.data.schema import TABLES
from eduwb.present import privacy
from eduwb.present.charts import rotation as charts
from eduwb.present.charts.chapter import Chapter

#: the tables each kind of section reads
MOVES = ("teachers", "rotations")
TEACHERS = ("teachers",)


class RotationChapter(Chapter):
    """Chapter 03's sections for one county, year and stage (``stage=None``: every stage)."""

    def __init__(self, ds, std, year: int, stage: str | None = None, lang: str = "zh"):
        super().__init__(ds, std, year, stage, lang)
        self.rule = rotation.eligibility_rule(ds)
        self.modes = rotation.counted_modes(std)
        # every table of the chapter at once (as `eduwb table rotation|flows|teacher_quality`),
        # limited to the years up to the report's: nothing after it
        self.tables = {
            name: up_to_year(table, year)
            for name, table in rotation.rotation_tables(ds, std, stage=stage).items()
        }

    def localise(self, df: pd.DataFrame, name: str) -> pd.DataFrame:
        return charts.localise(df, self.lang)

    # ------------------------------------------------------------------ what cannot be shown

    def absent(self, needs: tuple[str, ...]) -> list[str]:
        """The tables among ``needs`` the county did not give."""
        return [name for name in needs if not self.ds.has(name)]

    def cannot_show(self, needs: tuple[str, ...], what: tuple[str, str]) -> bool:
        """Say that ``what`` (Chinese, English) cannot be shown for want of tables; True when so."""
        absent = self.absent(needs)
        if not absent:
            return False
        zh = "、".join(f"{TABLES[n].zh}（{n} 表）" for n in absent)
        en = " or ".join(absent)  # the English report keeps to English: table names, no Chinese
        return self.missing((f"本县没有提供{zh}数据", f"the county gave no {en} table"), what)

    # ------------------------------------------------------------------ rotation (G11)

    def rule_text(self) -> None:
        """The county's eligibility rule and the modes the standard counts."""
        rule = self.rule
        self.md(
            f"现行资格规则：本校连续任教 **{rule.min_years_at_school} 年及以上**；男教师 "
            f"**{rule.exempt_age_male} 岁**、女教师 **{rule.exempt_age_female} 岁**及以上免于交流"
            "（年龄按交流前一学年计）。计入比例的交流方式："
            f"{'、'.join(charts.MODE_LABELS[m][0] for m in self.modes)}。",
            f"Eligibility rule: **{rule.min_years_at_school} or more** consecutive years at the same "
            f"school; men from **{rule.exempt_age_male}** and women from **{rule.exempt_age_female}** "
            f"are exempt (age in the year before the move). Modes counted: {', '.join(self.modes)}.",
        )

    def ratios(self) -> None:
        """G11 in the year, in a sentence, and the ratios of every year."""
        if self.cannot_show(MOVES, ("交流轮岗比例（G11）", "the rotation ratio (G11)")):
            return
        ratios = self.tables["rotation"]
        self.md(charts.rotation_headline(ratios, self.year, self.lang))
        columns = ["year", "eligible", "rotated", "rotated_eligible", "rotation_ratio", "backbone_rotated"]
        columns += ["backbone_share", "passes", "status"]
        title = charts.rotation_title(ratios, self.lang)
        self.show_table(ratios, "rotation", title, title, columns=columns)

    def ratio_chart(self) -> None:
        if self.absent(MOVES):
            return  # said once, by ratios
        self.chart(charts.ratio_chart, self.tables["rotation"])

    def modes_section(self) -> None:
        """Moves and teachers by mode."""
        if self.cannot_show(MOVES, ("各交流方式的人次", "the moves by mode")):
            return
        by_mode = self.tables["rotation_by_mode"]
        self.chart(charts.modes_chart, by_mode)
        zh, en = f"{self.year}年各交流方式的人次与人数", f"Moves and teachers by mode, {self.year}"
        self.show_table(by_mode[by_mode["year"] == self.year], "rotation", zh, en, options={"by": "mode"})

    def flow_heatmaps(self) -> None:
        if self.cannot_show(MOVES, ("交流流向", "where the moves went")):
            return
        self.chart(charts.flow_heatmaps, self.tables["flows"], self.year)

    def toward(self) -> None:
        """Moves toward rural and weak schools, year by year."""
        if self.absent(MOVES):
            return  # said once, by flow_heatmaps
        toward = self.tables["flows_summary"]
        self.md(charts.flows_headline(toward, self.year, self.lang))
        columns = ["year", "moves", "to_rural", "to_rural_share", "to_weak", "to_weak_share"]
        columns += ["to_rural_or_weak_share", "backbone_moves", "backbone_to_rural_or_weak_share"]
        columns += ["compliance_unknown"]
        zh, en = "各年流向乡村和薄弱学校的交流人次", "Moves toward rural and weak schools by year"
        self.show_table(toward, "flows", zh, en, columns=columns, options={"by": "summary"})
        self.chart(charts.toward_chart, toward)

    def schools(self, rows: int = 15) -> None:
        """The schools sending and receiving teachers in the year (small groups suppressed)."""
        if self.cannot_show(
            MOVES, ("派出和接收交流教师的学校", "the schools sending and receiving teachers")
        ):
            return
        year = self.year
        by_school = self.tables["rotation_by_school"]
        by_school = by_school[by_school["year"] == year]
        shown = charts.localise(by_school, self.lang)
        sending = by_school[by_school["rotated"].fillna(0) > 0]
        receiving = by_school[by_school["received"].fillna(0) > 0]
        if sending.empty and receiving.empty:
            self.md(f"{year}年没有交流记录。", f"No teacher moved in {year}.")
            return
        order = sending.sort_values(["rotated", "school_id"], ascending=[False, True]).index
        columns = ["school_name", "locale", "eligible", "rotated", "rotation_ratio", "backbone_rotated"]
        zh, en = f"{year}年派出交流教师的学校", f"Schools sending teachers, {year}"
        options = {"localised": True, "max_rows": rows, "options": {"by": "school"}}
        self.show_table(shown.loc[order, [*columns, "backbone_share"]], "rotation", zh, en, **options)
        order = receiving.sort_values(["received", "school_id"], ascending=[False, True]).index
        columns = ["school_name", "locale", "received", "backbone_received"]
        zh, en = f"{year}年接收交流教师的学校", f"Schools receiving teachers, {year}"
        self.show_table(shown.loc[order, columns], "rotation", zh, en, **options)
        self.md(privacy.note(self.lang))

    def eligibility(self, interactive: bool = False) -> None:
        """The ratio under other eligibility rules: sliders, or for the report a scan of the years."""
        from IPython.display import display

        what = ("不同资格规则下的交流比例", "the ratio under other eligibility rules")
        if self.cannot_show(MOVES, what):
            return
        ds, std, year, stage = self.ds, self.std, self.year, self.stage
        if interactive:
            table = partial(rotation.rotation_table, ds, std, stage=stage)
            display(charts.eligibility_explorer(table, self.rule.as_dict(), self.lang, year=year))
            return
        scan = rotation.rotation_table(ds, std, by="min_years", year=year, stage=stage)
        self.chart(charts.eligibility_chart, scan, self.rule.min_years_at_school)
        columns = ["min_years_at_school", "eligible", "rotated", "rotation_ratio", "backbone_share", "passes"]
        zh, en = (
            f"{year}年不同任教年限要求下的交流轮岗比例",
            f"Rotation ratio under other eligibility rules, {year}",
        )
        self.show_table(scan, "rotation", zh, en, columns=columns, options={"by": "min_years"})

    # ------------------------------------------------------------------ training and certification

    def quality(self) -> None:
        """G9 and G12 in the year, in a sentence, and their rates in every year."""
        what = ("教师培训与持证上岗情况（G9、G12）", "training and certification (G9, G12)")
        if self.cannot_show(TEACHERS, what):
            return
        quality = self.tables["teacher_quality"]
        self.md(charts.quality_headline(quality, self.year, self.lang))
        columns = ["year", "teachers", "training_rate", "not_trained", "schools_short_training"]
        columns += ["certification_rate", "not_certified", "schools_short_certification"]
        columns += ["training_passes", "certification_passes"]
        zh, en = "各年教师培训完成率与持证上岗率", "Training completion and certification by year"
        self.show_table(quality, "teacher_quality", zh, en, columns=columns)

    def quality_chart(self) -> None:
        if self.absent(TEACHERS):
            return  # said once, by quality
        self.chart(charts.quality_chart, self.tables["teacher_quality"])

    def quality_by_school(self) -> None:
        """The schools whose teachers are not all trained or certified in the year."""
        if self.absent(TEACHERS):
            return  # said once, by quality
        year = self.year
        per_school = self.tables["teacher_quality_by_school"]
        per_school = per_school[per_school["year"] == year]
        judged = per_school[["training_passes", "certification_passes"]]
        # short = judged and not met (a standard without G9 or G12 judges nothing: NA is not short)
        short = per_school[judged.eq(False).fillna(False).any(axis=1)]
        if per_school.empty:
            self.md(
                f"{year}年缺少教师数据，无法逐校核对培训和持证情况。",
                f"No teacher data for {year}: schools cannot be checked.",
            )
        elif judged.isna().all(axis=None):
            self.md(
                "评估标准未规定培训和持证要求，不逐校判定。",
                "The standard sets no training or certification rule: schools are not judged.",
            )
        elif short.empty:
            self.md(
                f"{year}年所有学校的教师均已完成培训并持证上岗。",
                f"In {year} every school's teachers are trained and certified.",
            )
        else:
            columns = ["school_name", "locale", "teachers", "not_trained", "training_rate"]
            columns += ["not_certified", "certification_rate"]
            zh, en = (
                f"{year}年培训或持证未全部达标的学校",
                f"Schools short on training or certification, {year}",
            )
            self.show_table(short, "teacher_quality", zh, en, columns=columns, options={"by": "school"})
            self.md(privacy.note(self.lang))
