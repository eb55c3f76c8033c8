"""The data dictionary as a document: ``eduwb schema --format md|csv|json``, from
:mod:`eduwb.data.schema` and the standard (which indicators read a column, plausible ranges).
``docs/data-dictionary.md`` is :func:`to_markdown` of the default standard (a test checks it).
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
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
from eduwb.errors import ParameterError
from eduwb.standards import formula_columns, load_standard

FORMATS = ("md", "csv", "json")
TYPES = {
    "text": ("文本", "text"),
    "int": ("整数", "whole number"),
    "number": ("数值", "number"),
    "bool": ("是/否", "yes/no"),
    "enum": ("代码", "code"),
}


def column_uses(standard: Any = None) -> dict[tuple[str, str], list[str]]:
    """(table, column) → the indicator ids and tables that read it: a resource indicator its
    formula's columns and ``sections.students``, county inputs and vetoes ``county_indicators``,
    then the uses each column declares."""
    std = load_standard(standard)
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
    """The rows of the settings table that come from the loader's defaults."""
    from eduwb.data.settings import DEFAULT_ROTATION, DEFAULT_UNIT_COSTS, PATHWAY_UNIT_COSTS

    rows = [
        f"| [rotation] {k} | 交流轮岗条件 | rotation eligibility | `{v}` |"
        for k, v in DEFAULT_ROTATION.items()
    ]
    rows += [
        f"| [unit_costs] {k} | 补差估算单价（元） | unit cost for costing gaps (yuan) | `{v}` |"
        for k, v in DEFAULT_UNIT_COSTS.items()
    ]
    return rows + [
        f"| [unit_costs] {k} | 达标路径单价（元），见 docs/method.md "
        "| a unit cost of the pathway (yuan), see docs/method.md "
        "| 标准数据 the standard's `[pathway.unit_costs]` |"
        for k in PATHWAY_UNIT_COSTS
    ]


def _plausible_md(std) -> list[str]:
    lines = []
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
    return lines


def _indicators_md(std) -> list[str]:
    lines = []
    for ind in std.indicators:
        data = "计算 computed" if ind.source == "computed" else "县级填报 county input (`county_indicators`)"
        lines.append(f"| {ind.id} | {_cell(ind.name_zh)} | {_cell(ind.name_en)} | {data} |")
    for veto in std.vetoes:
        lines.append(
            f"| {veto['id']} | {_cell(veto['name_zh'])}（一票否决） "
            f"| {_cell(veto['name_en'])} (veto) | 县级填报 county input (`county_indicators`) |"
        )
    return lines


def to_markdown(standard: Any = None) -> str:
    """``docs/data-dictionary.md``: ``dictionary-template.md`` with each ``{name}`` filled (a list
    of lines takes the place of its own line)."""
    std = load_standard(standard)
    uses = column_uses(std)
    text = (Path(__file__).parent / "dictionary-template.md").read_text(encoding="utf-8")
    parts: dict[str, str | list[str]] = {
        "required_zh": "、".join(f"`{t}` {TABLES[t].zh}" for t in REQUIRED_TABLES),
        "required_en": ", ".join(f"`{t}`" for t in REQUIRED_TABLES),
        "optional": "、".join(f"`{t}`" for t in TABLES if t not in REQUIRED_TABLES),
        "synonyms": "；".join(f"{col}: " + "、".join(v) for col, v in ENUM_SYNONYMS.items()),
        "true_values": "、".join(TRUE_VALUES),
        "false_values": "、".join(FALSE_VALUES),
        "standard": std.id,
        "settings": _settings_md(),
        "tables": [line for table in TABLES.values() for line in _table_md(table, uses)],
        "plausible": _plausible_md(std),
        "indicators": _indicators_md(std),
    }
    for name, value in parts.items():
        if isinstance(value, list):
            text = text.replace(f"{{{name}}}\n", "".join(f"{line}\n" for line in value))
        else:
            text = text.replace(f"{{{name}}}", value)
    return text.rstrip("\n") + "\n"


def render(fmt: str = "md", standard: Any = None) -> str:
    """The dictionary in one of :data:`FORMATS`."""
    if fmt not in FORMATS:
        raise ParameterError(f"format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    return {"md": to_markdown, "csv": to_csv, "json": to_json}[fmt](standard)
