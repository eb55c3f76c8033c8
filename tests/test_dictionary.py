"""The data dictionary: declared once in eduwb.data.schema, documented in docs/data-dictionary.md."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from eduwb.cli import main
from eduwb.data.dictionary import column_uses, render
from eduwb.data.schema import TABLES, UNITS
from eduwb.standards import load_standard
from eduwb.tables import REGISTRY

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "data-dictionary.md"


def test_committed_dictionary_is_what_the_generator_writes():
    """docs/data-dictionary.md drifts from the schema.

    Regenerate it with `eduwb schema -o docs/data-dictionary.md`.
    """
    assert DOC.read_text(encoding="utf-8") == render("md")


def test_every_column_is_documented():
    for table in TABLES.values():
        assert table.en and table.row_zh and table.row_en and table.desc_zh and table.desc_en, table.name
        for col in table.columns:
            where = f"{table.name}.{col.name}"
            assert col.desc_zh and col.desc_en, where
            assert col.source[0] and col.source[1], where
            if col.dtype in ("int", "number"):
                assert col.unit in UNITS, where
            assert col.example is not None, where


def test_declared_uses_name_indicators_or_tables():
    ids = {i.id for i in load_standard("moe-2017").indicators}
    for table in TABLES.values():
        for use in (*table.uses, *(u for c in table.columns for u in c.uses)):
            assert use in ids or use in REGISTRY, f"{table.name}: unknown use {use!r}"


def test_formula_uses_come_from_the_standard():
    uses = column_uses("moe-2017")
    # the rulebook: R4 = (teaching_aux − indoor_sports) / pupils, R5 = (indoor_sports + field) / pupils
    assert uses[("facilities", "indoor_sports_area_m2")][:2] == ["R4", "R5"]
    assert uses[("facilities", "teaching_aux_area_m2")] == ["R4"]
    assert uses[("facilities", "equipment_value_yuan")] == ["R6"]
    assert uses[("sections", "backbone_teachers")] == ["R2"]
    # pupils are the denominator of all seven
    assert uses[("sections", "students")][:7] == ["R1", "R2", "R3", "R4", "R5", "R6", "R7"]
    # county inputs: G1 is one, G3 is computed from facilities
    assert "G1" in uses[("county_indicators", "value")] and "G3" not in uses[("county_indicators", "value")]
    assert "VETO6" in uses[("county_indicators", "indicator")]
    # under moe-2012 the equipment column feeds B3
    assert column_uses("moe-2012")[("facilities", "equipment_value_yuan")] == ["B3"]


def test_dictionary_names_the_statistics_sources():
    text = render("md")
    for item in ("教基3112", "教基4155", "教基5170", "教基5176", "教基1102", "县级记录", "万元"):
        assert item in text
    # every table and every column appears, Chinese header beside the English name
    for table in TABLES.values():
        assert f"### {table.zh} `{table.name}`" in text
        for col in table.columns:
            assert f"| `{col.name}` | {col.zh} |" in text


def test_schema_command_formats(capsys, tmp_path):
    n_columns = sum(len(t.columns) for t in TABLES.values())
    assert main(["schema", "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert len(rows) == n_columns
    equipment = next(r for r in rows if r["column"] == "equipment_value_yuan")
    assert (equipment["header_zh"], equipment["unit_zh"], equipment["used_by"]) == (
        "教学仪器设备资产值",
        "元",
        "R6",
    )
    assert main(["schema", "--format", "json"]) == 0
    records = json.loads(capsys.readouterr().out)
    assert len(records) == n_columns
    grade = next(r for r in records if r["table"] == "classes" and r["column"] == "grade")
    assert grade["bounds"] == "1–9"
    out = tmp_path / "dict.md"
    assert main(["schema", "-o", str(out)]) == 0
    assert out.read_text(encoding="utf-8") == DOC.read_text(encoding="utf-8")
