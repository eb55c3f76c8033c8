"""SECURITY.md states the limits eduwb enforces: its table is generated from eduwb.data.limits."""

from __future__ import annotations

from pathlib import Path

from eduwb.data import limits
from eduwb.data.schema import TABLES

ROOT = Path(__file__).resolve().parents[1]


def test_security_md_lists_the_limits_of_the_code():
    text = (ROOT / "SECURITY.md").read_text(encoding="utf-8")
    assert limits.markdown_table() in text, (
        "regenerate the table of SECURITY.md from eduwb.data.limits.markdown_table()"
    )


def test_every_number_column_has_an_upper_bound():
    numeric = {
        f"{t.name}.{c.name}" for t in TABLES.values() for c in t.columns if c.dtype in ("int", "number")
    }
    assert numeric == set(limits.MAX_VALUE)


def test_name_and_id_columns_are_text_columns():
    text = {f"{t.name}.{c.name}" for t in TABLES.values() for c in t.columns if c.dtype == "text"}
    assert limits.NAME_COLUMNS <= text and limits.ID_COLUMNS <= text
