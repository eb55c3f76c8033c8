"""The data dictionary as a document: ``eduwb schema --format md|csv|json``.

Everything comes from :mod:`eduwb.data.schema` (tables, columns, types, units, labels, rules,
sources) and from the standard (which indicators read a column: derived from the resource
indicators' formulas, plus the uses a column declares; the plausible ranges). The committed
``docs/data-dictionary.md`` is :func:`to_markdown` of the default standard, and a test fails
when the two drift apart.
"""

from __future__ import annotations

import csv
import io
import json
import re
from typing import Any

from eduwb.data.schema import (
    ENUM_SYNONYMS,
    FALSE_VALUES,
    REQUIRED_TABLES,
    TABLES,
    TRUE_VALUES,
    UNITS,
    Column,
    Table,
)

FORMATS = ("md", "csv", "json")
TYPES = {
    "text": ("文本", "text"),
    "int": ("整数", "whole number"),
    "number": ("数值", "number"),
    "bool": ("是/否", "yes/no"),
    "enum": ("代码", "code"),
}


def _standard(standard: Any = None):
    from eduwb.standards import load_standard

    return load_standard(standard)


def column_uses(standard: Any = None) -> dict[tuple[str, str], list[str]]:
    """(table, column) → the indicator ids and tables that read it, in the standard's order.

    Derived from the standard where it can be: a resource indicator reads the columns of its
    formula and, as its denominator, ``sections.students``; every county-input indicator and
    veto is read from ``county_indicators``. Then the uses each column declares.
    """
    from eduwb.standards import formula_columns

    std = _standard(standard)
    uses: dict[tuple[str, str], list[str]] = {}

    def add(table: str, column: str, use: str) -> None:
        found = uses.setdefault((table, column), [])
        if use not in found:
            found.append(use)

    for ind in std.resource_indicators:
        for column in sorted(formula_columns(ind.formula)):
            for table in ("sections", "facilities"):
                if column in TABLES[table].names:
                    add(table, column, ind.id)
        add("sections", "students", ind.id)
    county = [i.id for i in std.indicators if i.source == "county"] + [v["id"] for v in std.vetoes]
    for column in ("indicator", "value"):
        for use in county:
            add("county_indicators", column, use)
    for table in TABLES.values():
        for col in table.columns:
            for use in (*col.uses, *table.uses):
                add(table.name, col.name, use)
    return uses


def _allowed(col: Column, markup: str) -> str:
    if col.enum:
        return ", ".join(
            f"`{code}` {label}" if markup == "md" else f"{code} {label}" for code, label in col.enum.items()
        )
    if col.dtype == "bool":
        return "是/否 (true/false, 1/0)"
    return ""


def records(standard: Any = None) -> list[dict[str, Any]]:
    """One record per table × column: everything the document says about it."""
    uses = column_uses(standard)
    out = []
    for table in TABLES.values():
        for col in table.columns:
            unit = UNITS.get(col.unit or "", ("", ""))
            out.append(
                {
                    "table": table.name,
                    "table_zh": table.zh,
                    "table_required": table.required,
                    "column": col.name,
                    "header_zh": col.zh,
                    "type": col.dtype,
                    "required": col.required,
                    "unit_zh": unit[0],
                    "unit_en": unit[1],
                    "allowed": _allowed(col, "csv"),
                    "bounds": col.bounds(),
                    "unique": col.unique or (table.key == (col.name,)),
                    "rule_zh": col.rule_zh,
                    "rule_en": col.rule,
                    "description_zh": col.desc_zh,
                    "description_en": col.desc_en,
                    "source_zh": col.source[0],
                    "source_en": col.source[1],
                    "used_by": " ".join(uses.get((table.name, col.name), [])),
                }
            )
    return out


def to_csv(standard: Any = None) -> str:
    rows = records(standard)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def to_json(standard: Any = None) -> str:
    return json.dumps(records(standard), ensure_ascii=False, indent=1) + "\n"


# ----------------------------------------------------------------------------- Markdown


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", "<br>")


def _uses_md(items: list[str]) -> str:
    """Indicator ids (G3, VETO1) as they are, table names (``eduwb table NAME``) as code."""
    ids = [u for u in items if re.fullmatch(r"[A-Z]+\d+", u)]
    tables = [f"`{u}`" for u in items if u not in ids]
    return ", ".join(ids + tables)


def _rules_md(col: Column, table: Table) -> str:
    parts = []
    allowed = _allowed(col, "md")
    if allowed:
        parts.append(allowed)
    if col.bounds():
        parts.append(col.bounds())
    if col.unique or table.key == (col.name,):
        parts.append("唯一 unique")
    if col.rule_zh or col.rule:
        parts.append(f"{col.rule_zh}<br>{col.rule}" if col.rule_zh else col.rule)
    return "<br>".join(parts)


def _table_md(table: Table, uses: dict[tuple[str, str], list[str]]) -> list[str]:
    need = "必需 required" if table.required else "可选 optional"
    key = " × ".join(table.key) if table.key else "—"
    lines = [
        f"### {table.zh} `{table.name}` — {table.en}",
        "",
        f"{table.desc_zh}。{table.row_zh}。<br>",
        f"{table.desc_en[:1].upper()}{table.desc_en[1:]}; {table.row_en}.",
        "",
        f"{need} · 文件 file `{table.name}.csv` 或工作表 or "
        f"sheet `{table.name}` / `{table.zh}` · 唯一键 key: {key}",
        "",
        "| 列 column | 中文表头 header | 类型 type | 必填 required | 单位 unit | "
        "取值与规则 values and rules | 说明 description | 数据来源 source | 用于 used by |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for col in table.columns:
        unit = UNITS.get(col.unit or "")
        unit_text = "" if unit is None else (unit[0] if unit[0] == unit[1] else f"{unit[0]} {unit[1]}")
        kind = TYPES[col.dtype]
        lines.append(
            "| "
            + " | ".join(
                _cell(x)
                for x in (
                    f"`{col.name}`",
                    col.zh,
                    f"{kind[0]} {kind[1]}",
                    "是 yes" if col.required else "否 no",
                    unit_text,
                    _rules_md(col, table),
                    f"{col.desc_zh}<br>{col.desc_en}",
                    f"{col.source[0]}<br>{col.source[1]}" if col.source[0] else "",
                    _uses_md(uses.get((table.name, col.name), [])),
                )
            )
            + " |"
        )
    return lines + [""]


def _settings_md() -> list[str]:
    from eduwb.data.dataset import DEFAULT_ROTATION, DEFAULT_UNIT_COSTS, PATHWAY_UNIT_COSTS

    rows = [
        ("name", "县名", "County name", "文件夹名 the folder's name"),
        ("code", "6 位行政区划代码", "6-digit administrative code", "—"),
        ("province", "所属省份", "province", "—"),
        (
            "standard",
            "评估标准：`moe-2017`、`moe-2012` 或标准文件路径",
            "the standard: `moe-2017`, `moe-2012` or the path of a standard file",
            "`moe-2017`",
        ),
        (
            "relaxations_2019",
            "是否适用 2019 年过渡期放宽条件",
            "whether the 2019 transitional relaxations apply",
            "`false`",
        ),
        (
            "[[class_size.milestones]] by / max_students",
            '县规划的班额节点：某年（秋季）起所有班不超过某人数，`"standard"` 即 45/50',
            "the county plan's class-size milestones: from year "
            '`by` no class above `max_students` (`"standard"`: 45/50)',
            "—",
        ),
    ]
    rows += [
        (f"[rotation] {k}", "交流轮岗条件", "rotation eligibility", f"`{v}`")
        for k, v in DEFAULT_ROTATION.items()
    ]
    rows += [
        (f"[unit_costs] {k}", "补差估算单价（元）", "unit cost for costing gaps (yuan)", f"`{v}`")
        for k, v in DEFAULT_UNIT_COSTS.items()
    ]
    rows += [
        (
            f"[unit_costs] {k}",
            "达标路径单价（元），见 docs/method.md",
            "a unit cost of the pathway (yuan), see docs/method.md",
            "标准数据 the standard's `[pathway.unit_costs]`",
        )
        for k in PATHWAY_UNIT_COSTS
    ]
    rows += [
        (
            "[pathway] target_year",
            "须达标的年份",
            "the year the county must pass by",
            "班额节点最后一年 last milestone",
        ),
        ("[pathway] annual_budget_yuan", "年度预算上限（元）", "annual budget cap (yuan)", "不设 none"),
    ]
    lines = [
        "## 县级设置 `county.toml` — County settings",
        "",
        "县级设置写在 CSV 文件夹中的 `county.toml`，或工作簿旁同名的 "
        "`.toml` 文件（`县名.xlsx` 旁的 `县名.toml`）；可省略。<br>",
        "County settings live in `county.toml` in a CSV folder, or in the `.toml` file of the same name "
        "beside a workbook (`county.toml` beside `county.xlsx`); the file is optional.",
        "",
        "| 键 key | 说明 | description | 默认 default |",
        "|---|---|---|---|",
    ]
    lines += [
        f"| `{k}` | {zh} | {en} | {d} |" if not k.startswith("[") else f"| {k} | {zh} | {en} | {d} |"
        for k, zh, en, d in rows
    ]
    return lines + [""]


def _plausible_md(std) -> list[str]:
    lines = [
        "## 合理性提示 — Plausibility warnings",
        "",
        "学校的某项资源配置值超出下列范围时给出**警告**（不拒收数据）：多半是单位或数字填错。"
        "学段情况按本学段学生数计算，办学条件按全校当年学生数计算（不分摊），只检查标准计入的学校。<br>",
        "A school whose resource value falls outside these ranges gets a **warning** (the data are not "
        "refused): usually a unit slip or a mistyped number. A sections row is measured over its own pupils, "
        "a facilities row over the school's pupils that year (no split); only schools the standard measures "
        f"are checked. The ranges live beside each indicator in the standard (`plausible`, {std.id}).",
        "",
        "| 指标 indicator | 下限 min | 上限 max | 单位 unit | 可能原因 | likely cause |",
        "|---|---|---|---|---|---|",
    ]
    for ind in std.resource_indicators:
        p = ind.plausible
        if not p:
            continue
        low = "" if p.get("min") is None else f"{p['min']:g}"
        high = "" if p.get("max") is None else f"{p['max']:g}"
        lines.append(
            f"| {ind.id} {ind.name_zh} | {low} | {high} | {ind.unit} "
            f"| {_cell(p.get('hint_zh', ''))} | {_cell(p.get('hint_en', ''))} |"
        )
    return lines + [""]


def _indicators_md(std) -> list[str]:
    lines = [
        f"## 指标编号 — Indicator ids ({std.id})",
        "",
        "“用于”一栏的编号。<br>The ids of the “used by” column.",
        "",
        "| 编号 id | 指标 | indicator | 数据 data |",
        "|---|---|---|---|",
    ]
    for ind in std.indicators:
        data = "计算 computed" if ind.source == "computed" else "县级填报 county input (`county_indicators`)"
        lines.append(f"| {ind.id} | {_cell(ind.name_zh)} | {_cell(ind.name_en)} | {data} |")
    for veto in std.vetoes:
        lines.append(
            f"| {veto['id']} | {_cell(veto['name_zh'])}（一票否决） "
            f"| {_cell(veto['name_en'])} (veto) | 县级填报 county input (`county_indicators`) |"
        )
    return lines + [""]


def to_markdown(standard: Any = None) -> str:
    """``docs/data-dictionary.md``: every table and column, Chinese first with English alongside."""
    std = _standard(standard)
    uses = column_uses(std)
    synonyms = "；".join(f"{col}: " + "、".join(v) for col, v in ENUM_SYNONYMS.items())
    optional = [t for t in TABLES if t not in REQUIRED_TABLES]
    lines = [
        "# 数据字典 — Data dictionary",
        "",
        "<!-- Generated by `eduwb schema --format md` from "
        "eduwb/data/schema.py and the standard; do not edit by hand. -->",
        "",
        "一个县的数据是一个文件夹（每张表一个 CSV 文件，外加可选的 `county.toml`），或一个 `.xlsx` "
        "工作簿（每张表一个工作表）。`eduwb template 县名.xlsx` 生成可直接填写的工作簿；`eduwb "
        "validate 数据 --annotate 标注.xlsx` 把每个问题标在单元格上。<br>",
        "A county's data is one folder (a CSV file per table, plus an optional `county.toml`) or one `.xlsx` "
        "workbook (a sheet per table). `eduwb template county.xlsx` writes a workbook ready to fill in; "
        "`eduwb validate DATA --annotate annotated.xlsx` marks every problem on its cell.",
        "",
        "## 总则 — General rules",
        "",
        f"- 必需的表：{'、'.join(f'`{t}` {TABLES[t].zh}' for t in REQUIRED_TABLES)}；其余可选："
        f"{'、'.join(f'`{t}`' for t in optional)}。缺少可选表时，需要它的结果显示“缺数据”，绝不算作达标。<br>"
        f"Required tables: {', '.join(f'`{t}`' for t in REQUIRED_TABLES)}; the others are optional. A result "
        "that needs a missing optional table says “缺数据” (missing), never “pass”.",
        "- 表名、列名可用英文名或中文名，不区分大小写和空格；代码列可填英文代码或中文名称（如 `primary` 或 "
        f"`小学`），另接受：{synonyms}。<br>"
        "Table and column names may be the English or the Chinese name, case- and space-insensitively; coded "
        "columns take the English code or the Chinese label "
        "(`primary` or `小学`), and the extra spellings listed.",
        f"- 是/否列接受 {'、'.join(TRUE_VALUES)} 与 {'、'.join(FALSE_VALUES)}"
        "。<br>Yes/no columns take these spellings.",
        "- CSV 可以是 UTF-8（带或不带 BOM）或 GB18030/GBK（中文 "
        "Windows 上 Excel 的默认）；无法确定时拒收，绝不猜错。<br>"
        "CSV files may be UTF-8 (with or without BOM) or GB18030/GBK (what Excel on Chinese Windows saves); "
        "a file that is neither is refused, never guessed.",
        "- 学年以秋季学期所在年份表示：2024 即 2024—2025 学年。数字可带千分位逗号。<br>"
        "A school year is the calendar year of its autumn term "
        "(2024 = 2024–25). Numbers may carry thousands separators.",
        "- 数据有错时整体拒收，并一次列出所有问题：文件（和工作表）、行号（与 "
        "Excel 或文本编辑器中看到的一致，表头为第 1 行）、"
        "列、值和规则。警告（如合理性提示、班级合计不符）不影响使用，`--strict` 时视为错误。<br>"
        "A dataset that breaks a rule is refused with every problem listed at once: file (and sheet), row as "
        "a person sees it (the header is row 1), column, value and rule. Warnings (plausibility, class "
        "totals) do not refuse the data, unless `--strict`.",
        "",
    ]
    lines += _settings_md()
    lines += ["## 表 — Tables", ""]
    for table in TABLES.values():
        lines += _table_md(table, uses)
    lines += _plausible_md(std)
    lines += _indicators_md(std)
    return "\n".join(lines).rstrip("\n") + "\n"


def render(fmt: str = "md", standard: Any = None) -> str:
    """The dictionary in one of :data:`FORMATS`."""
    from eduwb.errors import ParameterError

    if fmt not in FORMATS:
        raise ParameterError(f"format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    return {"md": to_markdown, "csv": to_csv, "json": to_json}[fmt](standard)
