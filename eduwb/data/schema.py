"""The data dictionary as data (``schema.toml``): the one declaration of the county data format
and its column rules, read by the loader, the sample generator, the workbook to fill in and
``docs/data-dictionary.md``. It imports nothing heavy so that ``import eduwb`` stays fast.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

with open(Path(__file__).with_name("schema.toml"), "rb") as _file:
    _RAW = tomllib.load(_file)

# Enum codes and their Chinese labels (the loader accepts either; tables carry the code).
CODES: dict[str, dict[str, str]] = _RAW.pop("codes")
KINDS = CODES["kinds"]
LOCALES = CODES["locales"]
SPONSORS = CODES["sponsors"]
STAGES = CODES["stages"]
BACKBONE_LEVELS = CODES["backbone_levels"]
MODES = CODES["modes"]
SURVEY_GROUPS = CODES["survey_groups"]
# Extra spellings analysts use for enum labels.
ENUM_SYNONYMS: dict[str, dict[str, str]] = _RAW.pop("enum_synonyms")
TRUE_VALUES = ("true", "1", "是", "yes", "y", "t")
FALSE_VALUES = ("false", "0", "否", "no", "n", "f")

# Which stages each kind of school may have, and which of them are compulsory.
STAGES_BY_KIND = {
    "primary": ("primary",),
    "junior": ("junior",),
    "nine_year": ("primary", "junior"),
    "twelve_year": ("primary", "junior", "senior"),
    "complete_secondary": ("junior", "senior"),
    "teaching_point": ("primary",),
    "special": ("primary", "junior"),
}
GRADES_BY_STAGE = {"primary": range(1, 7), "junior": range(7, 10)}


#: Units of the numeric columns: key → (Chinese, English).
UNITS = {
    "m2": ("平方米", "m²"),
    "yuan": ("元", "yuan"),
    "pupils": ("人", "pupils"),
    "teachers": ("人", "teachers"),
    "classes": ("个", "classes"),
    "rooms": ("间", "rooms"),
    "year": ("年", "year"),
    "years": ("年", "years"),
    "grade": ("年级", "grade"),
    "hours": ("学时", "hours"),
    "questionnaires": ("份", "questionnaires"),
    "computers": ("台", "computers"),
    "books": ("册", "volumes"),
}


def bounds_text(low: float | None, high: float | None, gt: float | None = None) -> str:
    """Numeric bounds as the dictionary writes them, e.g. ``≥ 0``, ``> 0``, ``1–9``."""
    if low is not None and high is not None:
        return f"{low:g}–{high:g}"
    bounds = ((low, "≥"), (gt, ">"), (high, "≤"))
    return ", ".join(f"{sign} {bound:g}" for bound, sign in bounds if bound is not None)


@dataclass(frozen=True)
class Column:
    """One column of a table: the fields up to ``default`` drive validation, the others document
    it (``docs/data-dictionary.md``, the workbook's header comments)."""

    name: str
    zh: str
    dtype: str  # "text", "int", "number", "bool", "enum"
    required: bool = True
    enum: dict[str, str] | None = None
    min: float | None = None  # inclusive lower bound
    gt: float | None = None  # exclusive lower bound
    max: float | None = None  # inclusive upper bound
    unique: bool = False
    at_most: str | None = None  # a column of the same row it must not exceed (as it must its part_of)
    required_if: str | None = None  # a count of the same row: this column is required when it is > 0
    default: object = None
    rule: str = ""  # a rule between columns or tables, in words (English)
    rule_zh: str = ""
    desc_zh: str = ""  # what the column holds
    desc_en: str = ""
    unit: str | None = None  # a key of UNITS
    source: tuple[str, str] = ("", "")  # where the number comes from (Chinese, English)
    uses: tuple[str, ...] = ()  # indicators (ids) and tables (eduwb table NAME) that read it, beyond formulas
    part_of: str | None = None  # the column of the same row whose amount includes this one
    example: object = None  # a value for the example row (a code for enums)

    def bounds(self) -> str:
        return bounds_text(self.min, self.max, self.gt)

    aliases: tuple[str, ...] = ()  # other headers analysts use for it (besides name and zh)


@dataclass(frozen=True)
class Table:
    name: str
    zh: str
    columns: tuple[Column, ...]
    required: bool = False
    key: tuple[str, ...] = field(default=())  # unique together
    en: str = ""  # English title
    row_zh: str = ""  # what one row is
    row_en: str = ""
    desc_zh: str = ""
    desc_en: str = ""
    uses: tuple[str, ...] = ()  # indicators and tables that read every column of it

    def column(self, name: str) -> Column:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(name)

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]


def _load_tables(raw: dict) -> dict[str, Table]:
    """The tables of ``schema.toml``: a column is its ``like`` shape overridden by its own keys."""
    sources, shapes = raw.pop("sources"), raw.pop("shapes")

    def column(name: str, entry: dict, table_source: str | None) -> Column:
        entry = {"source": table_source, **shapes.get(entry.pop("like", ""), {}), **entry}
        source = entry.pop("source") or ("", "")
        return Column(
            name,
            enum=CODES[entry.pop("enum")] if "enum" in entry else None,
            source=tuple(sources[source] if isinstance(source, str) else source),
            **_tuples(entry),
        )

    return {
        name: Table(
            name,
            columns=tuple(column(c, e, t.get("source")) for c, e in t.pop("columns").items()),
            **_tuples({k: v for k, v in t.items() if k != "source"}),
        )
        for name, t in raw.items()
    }


def _tuples(entry: dict) -> dict:
    """TOML's arrays as the tuples the frozen dataclasses hold."""
    return {k: tuple(v) if isinstance(v, list) else v for k, v in entry.items()}


TABLES: dict[str, Table] = _load_tables(_RAW)

REQUIRED_TABLES = tuple(name for name, t in TABLES.items() if t.required)
OPTIONAL_TABLES = tuple(name for name, t in TABLES.items() if not t.required)


def chinese_headers(table: str) -> dict[str, str]:
    """English column name → Chinese header, for writing tables the way analysts receive them."""
    return {c.name: c.zh for c in TABLES[table].columns}
