"""From school-years as read to the dictionary's tables, remembering where every value came from.

Decisions taken here, each written to ``import-log.md``:

- *identifiers*: the 学校标识码 when the statistics hold it, else ``X`` + 9 hex digits of the
  SHA-1 of the school's name (stable across years and runs; a renamed school gets a new id);
- *schools* hold one row per school: its attributes from the latest year read (any attribute
  that differs between years is listed);
- *stages*: a school gets a section for each stage its kind has and that has pupils;
- *apportioning*: a figure the statistics give per school but the dictionary needs per
  stage (``total.*``) is shared out over the stages in proportion to the ``[apportion]``
  column (专任教师; in-school pupils when a stage lacks it), by largest remainders, so the
  parts are whole and add up to the total;
- *plausibility*: a per-pupil value outside the mapping's range is refused at its cell.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field
from fractions import Fraction

import pandas as pd

from eduwb.data.importers.mapping import Field, Mapping, norm_text
from eduwb.data.importers.units import Cell, Reading, Unit, describe
from eduwb.data.importers.workbook import add_problem, cell_problem
from eduwb.data.schema import STAGES, STAGES_BY_KIND, TABLES
from eduwb.errors import Problem

_STAGE_ORDER = {s: i for i, s in enumerate(STAGES)}


@dataclass
class Apportioned:
    school_id: str
    name: str
    year: int
    column: str
    total: int
    by: str
    weights: dict[str, float]
    parts: dict[str, int]
    cells: tuple[Cell, ...]


@dataclass
class Assembled:
    tables: dict[str, pd.DataFrame]
    provenance: dict[tuple[str, int, str], tuple[Cell, ...]]  # (table, row, column) → cells read
    unfilled: dict[tuple[str, str], int] = field(default_factory=dict)  # required columns left blank → rows
    optional_blank: list[tuple[str, str]] = field(default_factory=list)
    defaults: list[str] = field(default_factory=list)
    apportioned: list[Apportioned] = field(default_factory=list)
    derived_ids: list[tuple[str, str, str]] = field(default_factory=list)  # (name, id, origin)
    changes: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)


def derived_id(name: str) -> str:
    """A stable identifier for a school whose statistics hold no 学校标识码."""
    return "X" + hashlib.sha1(norm_text(name).encode("utf-8")).hexdigest()[:9].upper()


def largest_remainders(total: int, weights: list[float]) -> list[int]:
    """Whole parts of ``total`` proportional to ``weights`` that add up to it.

    Each part is the floor of its exact share; the units left over go to the largest
    fractional remainders, ties to the earlier stage. All weights zero: all to the first.
    The shares are exact fractions (a float would break ties at random: 11 over 15 : 7
    is 7.5 : 3.5, which must give 8 : 3).
    """
    exact_weights = [Fraction(int(w)) if float(w).is_integer() else Fraction(float(w)) for w in weights]
    whole = sum(exact_weights, Fraction(0))
    if whole <= 0:
        return [int(total)] + [0] * (len(weights) - 1)
    shares = [int(total) * w / whole for w in exact_weights]
    parts = [math.floor(s) for s in shares]
    rest = int(total) - sum(parts)
    order = sorted(range(len(shares)), key=lambda i: (-(shares[i] - parts[i]), i))
    for i in order[:rest]:
        parts[i] += 1
    return parts


def _first_cell(cells: tuple[Cell, ...], unit: Unit) -> tuple[str, str | None, str | None]:
    if cells:
        return cells[0].workbook, cells[0].sheet, cells[0].ref
    return unit.origin, None, None


def assemble(units: list[Unit], mapping: Mapping, problems: list[Problem]) -> Assembled | None:
    """The three tables the statistics fill (schools, sections, facilities), or None on errors."""
    out = Assembled(tables={}, provenance={})
    ids = _identify(units, out, problems)
    if ids is None:
        return None
    by_school: dict[str, list[Unit]] = {}
    for unit, school_id in zip(units, ids, strict=True):
        by_school.setdefault(school_id, []).append(unit)

    school_rows = _schools(by_school, mapping, out)
    section_rows: list[tuple[dict, dict]] = []
    facility_rows: list[tuple[dict, dict]] = []
    ok = True
    for school_id, school_units in by_school.items():
        for unit in sorted(school_units, key=lambda u: u.year):
            secs = _sections(school_id, unit, mapping, out, problems)
            if secs is None:
                ok = False
                continue
            section_rows += secs
            fac: tuple[dict, dict] = ({"school_id": school_id, "year": unit.year, "stage": None}, {})
            _fill(*fac, unit, "facilities", [c for c in TABLES["facilities"].names if c not in fac[0]])
            facility_rows.append(fac)
            _plausible(unit, fac[0], [row for row, _ in secs], mapping, out, problems)
    if not ok:
        return None

    school_rows.sort(key=lambda rp: rp[0]["school_id"])
    section_rows.sort(key=lambda rp: (rp[0]["school_id"], rp[0]["year"], _STAGE_ORDER[rp[0]["stage"]]))
    facility_rows.sort(key=lambda rp: (rp[0]["school_id"], rp[0]["year"]))
    for table, rows in (("schools", school_rows), ("sections", section_rows), ("facilities", facility_rows)):
        frame = pd.DataFrame([r for r, _ in rows], columns=TABLES[table].names)
        out.tables[table] = frame
        for i, (_, prov) in enumerate(rows):
            for column, cells in prov.items():
                out.provenance[(table, i, column)] = cells
        for col in TABLES[table].columns:
            blank = int(frame[col.name].isna().sum())
            if blank and col.name != "stage":
                if col.required:
                    out.unfilled[(table, col.name)] = blank
                elif (table, col.name) not in out.optional_blank:
                    out.optional_blank.append((table, col.name))
    return out


def _identify(units: list[Unit], out: Assembled, problems: list[Problem]) -> list[str] | None:
    ids: list[str] = []
    seen: dict[tuple[int, str], Unit] = {}
    derived: dict[str, str] = {}
    ok = True
    for unit in units:
        reading = unit.values.get("school.school_id")
        if reading is not None and reading.value is not None:
            school_id = str(reading.value).strip()
        else:
            if not unit.name:
                wb, sheet, ref = _first_cell(
                    unit.values["school.name"].cells if "school.name" in unit.values else (), unit
                )
                add_problem(problems, wb, "缺少学校名称 a school name is required", sheet=sheet, cell=ref)
                ok = False
                ids.append("")
                continue
            school_id = derived_id(unit.name)
            if school_id not in derived:
                derived[school_id] = unit.name
                out.derived_ids.append((unit.name, school_id, unit.origin))
        key = (unit.year, school_id)
        if key in seen:
            first = seen[key]
            cells = reading.cells if reading is not None else ()
            wb, sheet, ref = _first_cell(cells, unit)
            add_problem(
                problems,
                wb,
                f"同一学校（{unit.name}）在 {unit.year} 年出现两次 the same school appears twice in one "
                f"year: {first.origin} 和 and {unit.origin}",
                sheet=sheet,
                cell=ref,
                value=school_id,
            )
            ok = False
        seen[key] = unit
        ids.append(school_id)
    return ids if ok else None


def _schools(by_school: dict[str, list[Unit]], mapping: Mapping, out: Assembled) -> list[tuple[dict, dict]]:
    rows = []
    mapped = {f.column: f for f in mapping.targets("school")}
    for school_id, units in by_school.items():
        units = sorted(units, key=lambda u: u.year)
        latest = units[-1]
        row: dict = {"school_id": school_id, "kind": latest.kind}
        prov: dict = {"kind": latest.values["school.kind"].cells}
        if "school.school_id" in latest.values:
            prov["school_id"] = latest.values["school.school_id"].cells
        # unmapped columns stay blank, even one a reader set (the parent of a 不计校数 row kept)
        row.update({c: None for c in TABLES["schools"].names if c not in row})
        _fill(row, prov, latest, "school", [c for c in mapped if c not in ("school_id", "kind")])
        for col in ("name", "kind", "locale", "sponsor", "parent_id"):
            seen = {}
            for u in units:
                value = u.kind if col == "kind" else u.value(f"school.{col}")
                seen.setdefault(value, []).append(u.year)
            if len(seen) > 1:
                shown = "；".join(f"{v}（{'、'.join(map(str, ys))}）" for v, ys in seen.items())
                out.changes.append(
                    f"{row['name']}（{school_id}）的 schools.{col} 各年不同 differs "
                    f"between years: {shown} → 取最新一年 the latest year's is used"
                )
        rows.append((row, prov))
    if "boarding" not in mapped:
        out.defaults.append(
            "schools.boarding（是否寄宿制）：统计表映射中没有，按字典默认“否” "
            "(not mapped: the dictionary's default, false)"
        )
    return rows


def _sections(
    school_id: str, unit: Unit, mapping: Mapping, out: Assembled, problems: list[Problem]
) -> list[tuple[dict, dict]] | None:
    rows = []
    columns = [c for c in TABLES["sections"].names if c not in ("school_id", "year", "stage")]
    for stage in STAGES_BY_KIND[unit.kind]:
        if not mapping.targets(stage):
            add_problem(
                problems,
                unit.origin,
                f"映射没有{stage}学段的字段，无法读取{unit.kind_label}“{unit.name}” "
                f"(the mapping has no {stage} fields)",
            )
            return None
        students = unit.value(f"{stage}.students", 0)
        if not students:
            others = [c for c in columns if unit.value(f"{stage}.{c}", 0)]
            note = (
                f"{unit.year} {unit.name}（{unit.origin}）：{stage} "
                "学段在校生为 0，不写入 sections (no pupils: no section)"
            )
            if others:
                note += f"；但 but {', '.join(others)} 不为 0 are not zero"
            out.dropped.append(note)
            continue
        row = {"school_id": school_id, "year": unit.year, "stage": stage}
        prov: dict = {}
        _fill(row, prov, unit, stage, columns)
        rows.append((row, prov))
    if not rows:
        cells = tuple(
            c for stage in STAGES_BY_KIND[unit.kind] for c in unit.values[f"{stage}.students"].cells
        )
        wb, sheet, ref = _first_cell(cells, unit)
        add_problem(
            problems,
            wb,
            f"{unit.name} {unit.year} 年没有任何学段的在校生 no pupils in any stage: 单元格为空或为 0，"
            "或是未保存计算结果的公式（请在 Excel 中重算后保存）；已停办的学校请从来源中移除 "
            "(blank, zero, or a formula saved without its value; remove a closed school from the source)",
            sheet=sheet,
            cell=ref,
        )
        return None
    for f in mapping.targets("total"):
        if (reading := unit.values.get(f.target)) is not None:
            _apportion(school_id, unit, f, reading, rows, mapping, out)
    return rows


def _apportion(
    school_id: str, unit: Unit, f: Field, reading: Reading, rows, mapping: Mapping, out: Assembled
):
    """A school total shared out over the school's stage rows, in place (logged when split)."""
    total, cells = int(reading.value), reading.cells
    by = mapping.apportion[f.column]
    weights = [row.get(by) for row, _ in rows]
    basis = by
    # a stage without the basis (高中 teachers the forms do not give) would get nothing: use pupils
    if any(w is None for w in weights) or sum(weights) <= 0:
        weights, basis = [row["students"] for row, _ in rows], "students"
    parts = largest_remainders(total, weights)
    for (row, prov), part in zip(rows, parts, strict=True):
        row[f.column] = part
        prov[f.column] = cells
    if len(rows) > 1:
        out.apportioned.append(
            Apportioned(
                school_id,
                unit.name,
                unit.year,
                f.column,
                total,
                basis,
                {row["stage"]: w for (row, _), w in zip(rows, weights, strict=True)},
                {row["stage"]: p for (row, _), p in zip(rows, parts, strict=True)},
                cells,
            )
        )


def _fill(row: dict, prov: dict, unit: Unit, namespace: str, columns: list[str]) -> None:
    """Each ``row[column]`` from the unit's ``namespace.column`` reading (None when unread)."""
    for column in columns:
        reading = unit.values.get(f"{namespace}.{column}")
        row[column] = None if reading is None else reading.value
        if reading is not None:
            prov[column] = reading.cells


def _plausible(
    unit: Unit,
    facility: dict,
    sections: list[dict],
    mapping: Mapping,
    out: Assembled,
    problems: list[Problem],
) -> None:
    pupils = sum(row["students"] for row in sections if row.get("students"))
    if not pupils:
        return
    for rule in mapping.plausibility:
        value = facility.get(rule.column)
        if value is None:
            continue
        per_pupil = value / pupils
        if rule.min <= per_pupil <= rule.max:
            continue
        reading = unit.values.get(f"facilities.{rule.column}")
        wb, sheet, ref = _first_cell(reading.cells if reading else (), unit)
        f = mapping.field(f"facilities.{rule.column}")
        shown_range = f"{rule.min:g}–{rule.max:g}"
        message = (
            f"{unit.name} {unit.year}：每生 per pupil {per_pupil:,.2f}（{describe(f) if f else rule.column} "
            f"÷ {pupils} 名学生 pupils）超出合理范围 outside the plausible range {shown_range}。{rule.hint}"
        )
        problem = cell_problem(
            wb,
            message,
            sheet=sheet,
            cell=ref,
            value=reading.cells[0].raw if reading and reading.cells else value,
            severity=rule.severity,
        )
        (problems if rule.severity == "error" else out.warnings).append(problem)
