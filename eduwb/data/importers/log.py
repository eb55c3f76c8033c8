"""``import-log.md``: every cell read and every assumption an import made, for a person to check.

Cell text from the statistics is untrusted: it is escaped for Markdown (no links, images,
HTML or table breaks can come through) and shortened.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from eduwb.data.importers.assemble import Assembled
from eduwb.data.importers.jiaoji import Skipped
from eduwb.data.importers.mapping import MAPPINGS_DIR, Mapping
from eduwb.data.importers.units import Read, describe
from eduwb.data.schema import OPTIONAL_TABLES, STAGES, TABLES
from eduwb.errors import Problem

_MD_SPECIAL = re.compile(r"([\\`*_\[\]{}<>|#!~])")
_MISSING_TABLES = {
    "classes": "班级名单（班额、大班额台账）",
    "teachers": "专任教师名单（交流轮岗资格、培训、教师资格）",
    "rotations": "交流轮岗记录",
    "cohorts": "初中三年巩固率",
    "budget": "公用经费与培训经费",
    "county_indicators": "县级指标（政府保障、教育质量等须县里填写的指标）",
    "survey": "社会认可度调查",
}


def md(value: object, limit: int = 80) -> str:
    """Cell text made safe for a Markdown table cell."""
    text = "" if value is None else str(value)
    text = " ".join(text.split())
    if len(text) > limit:
        text = text[:limit] + "…"
    return _MD_SPECIAL.sub(r"\\\1", text)


@dataclass
class ImportLog:
    source: str
    mapping: Mapping
    years: list[int]
    read: Read
    assembled: Assembled
    skipped: list[Skipped] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    template: str = ""
    version: str = ""

    def render(self) -> str:
        a = self.assembled
        t = a.tables
        lines = [
            "# 导入日志 Import log",
            "",
            "由 `eduwb import` 写出：列出读取的每个单元格和导入时所作的每一项假定。请逐项核对。",
            "Written by `eduwb import`: every cell read and every assumption made. Please check each one.",
            "",
            "## 概况 Summary",
            "",
            "| 项目 Item | 内容 Value |",
            "|---|---|",
            f"| 来源 Source | {md(self.source, 200)} |",
            f"| 映射 Mapping | {md(self.mapping.id)}：{md(self.mapping.name)} |",
            "| 映射文件 Mapping files "
            f"| {'; '.join(md(_mapping_file(p), 200) for p in self.mapping.chain)} |",
            f"| 学年 Years | {'、'.join(map(str, self.years))} |",
            f"| 学校 Schools (schools.csv) | {len(t['schools'])} |",
            f"| 学段 School sections (sections.csv) | {len(t['sections'])} |",
            f"| 办学条件 Facilities rows (facilities.csv) | {len(t['facilities'])} |",
            f"| eduwb | {md(self.version)} |",
            "",
        ]
        lines += self._to_fill()
        lines += self._units()
        lines += self._apportioned()
        lines += self._merges()
        lines += self._ids()
        lines += self._defaults()
        lines += self._listed("未写入的学段 Sections not written", a.dropped)
        lines += self._listed("各年不同的学校属性 Attributes that differ between years", a.changes)
        lines += self._listed(
            "跳过的工作簿、工作表或行 Skipped", [f"{s.origin}：{s.reason}" for s in self.skipped]
        )
        lines += self._listed("未使用的列 Columns not used", self.read.unused_columns)
        lines += self._listed("说明 Notes", self.read.notes)
        lines += self._listed("警告 Warnings", [str(w) for w in self.warnings])
        lines += self._cells()
        return "\n".join(lines) + "\n"

    # ------------------------------------------------------------------ sections

    @staticmethod
    def _listed(title: str, items: list[str]) -> list[str]:
        if not items:
            return []
        return [f"## {title}", "", *(f"- {md(item, 400)}" for item in items), ""]

    def _to_fill(self) -> list[str]:
        a = self.assembled
        out = ["## 仍需手工填写 Still to fill in by hand", ""]
        if a.unfilled:
            out += [
                "### 字典要求、统计表中没有的列 Required columns the statistics do not hold",
                "",
                "这些列已留空；填好之前 `eduwb validate` 不会通过。",
                "These are left blank; `eduwb validate` refuses the folder until they are filled in.",
                "",
            ]
            for (table, column), rows in sorted(a.unfilled.items()):
                zh = TABLES[table].column(column).zh
                stages = ""
                if table == "sections":
                    sec = a.tables["sections"]
                    blank = sorted(set(sec.loc[sec[column].isna(), "stage"]), key=list(STAGES).index)
                    stages = f"（学段 stages: {'、'.join(STAGES[s] for s in blank)}）"
                out.append(f"- `{table}.csv` 列 column `{column}`（{zh}）：{rows} 行空白 blank rows{stages}")
            out.append("")
        if a.optional_blank:
            out += ["### 可以留空的列 Optional columns left blank", ""]
            for table, column in a.optional_blank:
                out.append(f"- `{table}.csv` 列 column `{column}`（{TABLES[table].column(column).zh}）")
            out.append("")
        out += ["### 统计表中没有的表 Tables the statistics do not hold", ""]
        for table in OPTIONAL_TABLES:
            out.append(f"- `{table}.csv`（{TABLES[table].zh}）：{_MISSING_TABLES.get(table, '')}")
        out.append(
            "- `county.toml`：县名、行政区划代码、班额里程碑、交流轮岗参数（未生成，"
            "县名默认取文件夹名 not written; the county is named after the folder）"
        )
        out += ["", "### 模板 Template", "", f"- {md(self.template, 400)}", ""]
        return out

    def _units(self) -> list[str]:
        conversions: dict[str, int] = {}
        for unit in self.read.units:
            for target, reading in unit.values.items():
                f = self.mapping.field(target)
                if f is not None and f.scale != 1:
                    conversions[target] = conversions.get(target, 0) + len(reading.cells)
        if not conversions:
            return []
        out = ["## 单位换算 Units converted", ""]
        for target, n in conversions.items():
            f = self.mapping.field(target)
            where = f"教基{f.sheet} {'+'.join(f.cells)}" if f.sheet else "、".join(f"“{c}”" for c in f.cells)
            out.append(
                f"- {describe(f)} ← {md(where)}：按{md(f.unit or '')}填报，× {f.scale:g} 换算，保留两位小数 "
                f"(given in {md(f.unit or '?')}, multiplied "
                f"by {f.scale:g}, rounded to 0.01)；共 {n} 个单元格 cells"
            )
        return out + [""]

    def _apportioned(self) -> list[str]:
        rows = self.assembled.apportioned
        if not rows:
            return []
        out = [
            "## 按学段分配 Shared out over stages",
            "",
            "统计表按学校给出、字典要求按学段的数，按各学段的专任教师数（缺少时按在校生数）用最大余数法分配：各学段取整，"
            "余下的人数给小数部分最大的学段，合计等于全校数。只有一个学段的学校直接取全校数。",
            "Per-school figures shared out over stages in proportion to each stage's 专任教师 (or pupils "
            "when a stage lacks them), by largest remainders: whole numbers that add up "
            "to the school's total. Single-stage schools take the total.",
            "",
            "| 学校 School | 学年 Year | 列 Column | 全校 Total | 依据 "
            "Basis | 依据数 Weights | 分配结果 Parts | 单元格 Cell |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for r in rows:
            weights = "，".join(f"{STAGES[s]} {w:g}" for s, w in r.weights.items())
            parts = "，".join(f"{STAGES[s]} {p}" for s, p in r.parts.items())
            cell = "；".join(f"{c.workbook} [{c.sheet}] {c.ref}" for c in r.cells)
            out.append(
                f"| {md(r.name)}（{md(r.school_id)}） | {r.year} | {r.column} "
                f"| {r.total} | {r.by} | {weights} | {parts} | {md(cell, 200)} |"
            )
        return out + [""]

    def _merges(self) -> list[str]:
        if not self.read.merges:
            return []
        out = [
            "## 合并的行 Rows merged (不计校数)",
            "",
            "标为不计校数的行（校区、分校、教学点）的数加到其所属学校。Rows "
            "not counted as schools were added into their parent.",
            "",
            "| 学年 Year | 并入的行 Row merged | 名称 Name | 办学类型 | 并入 Into | 加上的数 Added |",
            "|---|---|---|---|---|---|",
        ]
        for m in self.read.merges:
            added = "，".join(f"{k} {_plain(v)}" for k, v in m.added.items() if v)
            out.append(
                f"| {m.year} | {md(m.child, 120)} | {md(m.child_name)} | {md(m.kind_label)} "
                f"| {md(m.parent_name)}（{md(m.parent, 120)}） | {md(added, 600)} |"
            )
        teaching_points = [m for m in self.read.merges if "教学点" in m.kind_label]
        if teaching_points:
            out += [
                "",
                "注意：已并入的教学点不再单独评估。标准要求 50 人及以上的教学点作为一所学校评估；如需保留，在"
                "映射的 `[zonghe] keep_kinds` 中写上其办学类型。Merged teaching points are no longer "
                "measured on their own; to keep them, list their "
                "办学类型 in the mapping's `[zonghe] keep_kinds`.",
            ]
        return out + [""]

    def _ids(self) -> list[str]:
        ids = self.assembled.derived_ids
        if not ids:
            return []
        out = [
            "## 派生的学校标识码 Derived school ids",
            "",
            "统计表中没有学校标识码的学校，按学校名称派生一个稳定的编号（X + 名称 SHA-1 的前 9 "
            "位）；学校改名后编号随之改变，请尽量补上真实的学校标识码。Schools without a 学校标识码 "
            "get X + 9 hex digits of the SHA-1 of their name.",
            "",
            "| 学校 School | 派生编号 Derived id | 首次读取 First read in |",
            "|---|---|---|",
        ]
        out += [f"| {md(name)} | {md(sid)} | {md(origin, 120)} |" for name, sid, origin in ids]
        return out + [""]

    def _defaults(self) -> list[str]:
        a = self.assembled
        blank = [
            (cell, target)
            for unit in self.read.units
            for target, reading in unit.values.items()
            for cell in reading.blank_as_zero
        ]
        if not blank and not a.defaults:
            return []
        out = ["## 默认值 Defaults assumed", ""]
        out += [f"- {md(d, 400)}" for d in a.defaults]
        if blank:
            out += [
                "",
                f"空白（或“-”）的数值单元格按 0 计，共 {len(blank)} "
                "处 Blank (or “-”) number cells counted as 0:",
                "",
                "| 工作簿 Workbook | 工作表 Sheet | 单元格 Cell | → 表.列 Table.column |",
                "|---|---|---|---|",
            ]
            for cell, target in blank:
                f = self.mapping.field(target)
                out.append(
                    f"| {md(cell.workbook, 120)} | {md(cell.sheet)} "
                    f"| {cell.ref} | {describe(f) if f else target} |"
                )
        return out + [""]

    def _cells(self) -> list[str]:
        out = [
            "## 读取的单元格 Cells read",
            "",
            "表头核对单元格（映射中的 check）均与映射一致，不逐一列出。Label "
            "cells (the mapping's checks) all matched and are not listed.",
            "",
            "| 工作簿 Workbook | 工作表 Sheet | 单元格 Cell | 原值 "
            "Value | → 表.列 Table.column | 学校 School | 学年 Year |",
            "|---|---|---|---|---|---|---|",
        ]
        for unit in self.read.units:
            for target, reading in unit.values.items():
                f = self.mapping.field(target)
                name = describe(f) if f else target
                for cell in reading.cells:
                    out.append(
                        f"| {md(cell.workbook, 120)} | {md(cell.sheet)} | {cell.ref} "
                        f"| {md(cell.text)} | {name} | {md(unit.name)} | {unit.year} |"
                    )
        return out


def _plain(value: object) -> str:
    """A number as written in a table: no exponent, no trailing zeros."""
    if isinstance(value, float):
        return f"{value:.6f}".rstrip("0").rstrip(".")
    return str(value)


def _mapping_file(path: str) -> str:
    """A shipped mapping by its name, any other by its path."""
    p = Path(path)
    return f"内置 built-in {p.stem}" if p.parent == MAPPINGS_DIR else str(p)
