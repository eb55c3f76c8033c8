"""Import mappings: which cell (or column) of the education statistics fills which column.

A mapping is a TOML file shipped in ``eduwb/data/mappings/`` (``jiaoji-2021``, ``zonghe``)
or written by a province; ``extends = "jiaoji-2021"`` takes another mapping and overrides
only what differs (``[[fields]]`` entries by ``target``, ``[[plausibility]]`` by ``column``,
tables key by key), exactly as standards extend ``moe-2017``.

Each ``[[fields]]`` entry names a *target*:

``school.<column>``
    a column of ``schools`` (name, kind, locale, …), one value per school;
``primary.<column>`` / ``junior.<column>`` / ``senior.<column>``
    a column of ``sections`` for that stage;
``total.<column>``
    a ``sections`` column the statistics give for the whole school, shared out over the
    school's stages by the rule in ``[apportion]``;
``facilities.<column>``
    a column of ``facilities`` for the whole school.

and where its value is: ``sheet`` + ``cell`` (one cell, or a list: summed for numbers,
the first filled one for text) with an optional ``check`` of label cells
(``{ I4 = "在校生数" }``) for the per-school workbooks, or ``column`` (a header path such as
``在校生数/小学``, or a list of them) for a county-wide table.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eduwb.data.importers.locate import CELL, Locator, locators_from_check, synonyms
from eduwb.data.importers.locate import rc as parse_cell  # "I6" → (row 6, column 9)
from eduwb.data.importers.patterns import compile_extract
from eduwb.data.schema import ENUM_SYNONYMS, FALSE_VALUES, KINDS, STAGES, TABLES, TRUE_VALUES
from eduwb.errors import EduwbError, ParameterError
from eduwb.standards.extends import merge, parent_key, read_toml

MAPPINGS_DIR = Path(__file__).resolve().parent.parent / "mappings"
FORMS = ("jiaoji", "zonghe")
DEFAULT_MAPPING = {"jiaoji": "jiaoji-2021", "zonghe": "zonghe"}

# A form's cells lie near its top-left corner; a cell beyond these is a typo in the mapping.
MAX_FORM_ROW = 1000
MAX_FORM_COLUMN = 200
MAX_TEXT = 200  # longest text value accepted from a cell (school names, townships)

_NUMERIC = ("int", "number")
_KEYED = {"fields": "target", "plausibility": "column"}
_TOP_KEYS = set(
    "id name form extends blank_is_zero kinds skip_kinds values apportion plausibility fields zonghe".split()
)
_ZONGHE_KEYS = ("anchor", "counted", "parent", "not_counted", "keep_kinds")
_FIELD_KEYS = set("target sheet cell column check row_label column_label extract scale unit optional".split())
_ENUMS = {
    "kind": KINDS,
    "locale": TABLES["schools"].column("locale").enum,
    "sponsor": TABLES["schools"].column("sponsor").enum,
}

# Which dictionary columns each target namespace may fill.
_SCHOOL_COLUMNS = tuple(TABLES["schools"].names)
_SECTION_COLUMNS = tuple(c for c in TABLES["sections"].names if c not in ("school_id", "year", "stage"))
_TOTAL_COLUMNS = ("teachers", "teachers_above_degree", "backbone_teachers", "pe_art_teachers")
_FACILITY_COLUMNS = tuple(c for c in TABLES["facilities"].names if c not in ("school_id", "year", "stage"))
_NAMESPACE_COLUMNS = {
    "school": _SCHOOL_COLUMNS,
    "total": _TOTAL_COLUMNS,
    "facilities": _FACILITY_COLUMNS,
    **{stage: _SECTION_COLUMNS for stage in STAGES},
}
NAMESPACE_TABLE = {
    "school": "schools",
    "total": "sections",
    "facilities": "facilities",
    **{s: "sections" for s in STAGES},
}


class MappingError(EduwbError):
    """An import mapping file is missing, malformed or inconsistent."""


def norm_text(text: object) -> str:
    """Label normal form: NFKC (full-width → ASCII), no whitespace, lower case."""
    s = unicodedata.normalize("NFKC", str(text))
    return re.sub(r"\s+", "", s).lower()


@dataclass(frozen=True)
class Field:
    """One ``[[fields]]`` entry, checked and resolved against the dictionary."""

    target: str
    namespace: str  # school, total, facilities, primary, junior, senior
    column: str  # the dictionary column
    table: str
    dtype: str  # the dictionary type: text, int, number, bool, enum
    sheet: str | None = None  # jiaoji: the form code, e.g. "3112"
    cells: tuple[str, ...] = ()  # jiaoji: cell references; zonghe: header paths
    check: tuple[tuple[str, str], ...] = ()  # jiaoji: (label cell, expected text)
    locators: tuple[Locator, ...] = ()  # jiaoji: how each cell is found (labels, expected cell)
    plain_checks: tuple[tuple[str, str], ...] = ()  # checks that are no label of a value
    extract: Any = None  # a compiled pattern of the regex package (see patterns.py)
    scale: float = 1.0
    unit: str | None = None
    optional: bool = False  # a form or label missing leaves the column blank (logged), not an error

    @property
    def stage(self) -> str | None:
        return self.namespace if self.namespace in STAGES else None

    @property
    def numeric(self) -> bool:
        return self.dtype in _NUMERIC


@dataclass(frozen=True)
class Plausibility:
    """One ``[[plausibility]]`` entry (its keys as written, checked)."""

    column: str
    per: str = "students"
    min: float = float("-inf")
    max: float = float("inf")
    hint: str = ""
    severity: str = "error"


@dataclass(frozen=True)
class ZongheLayout:
    anchor: str
    counted: str | None
    not_counted: tuple[str, ...]
    parent: str | None
    keep_kinds: tuple[str, ...]


@dataclass(frozen=True)
class Mapping:
    """A loaded, checked import mapping."""

    id: str
    name: str
    form: str
    source: str  # the file it was read from
    chain: tuple[str, ...]  # this file and every file it extends, nearest first
    fields: tuple[Field, ...]
    kinds: dict[str, str]  # label as written → kind (in file order)
    skip_kinds: tuple[str, ...]
    values: dict[str, dict[str, str]]  # enum column → label as written → code
    apportion: dict[str, str]
    plausibility: tuple[Plausibility, ...]
    blank_is_zero: bool
    zonghe: ZongheLayout | None
    _lookups: dict[str, dict[str, str]] = field(default_factory=dict, repr=False, compare=False)

    def field(self, target: str) -> Field | None:
        return next((f for f in self.fields if f.target == target), None)

    def targets(self, namespace: str) -> list[Field]:
        return [f for f in self.fields if f.namespace == namespace]

    def given(self, column: str) -> dict[str, str]:
        """The mapping's own labels for an enum column: label as written → code."""
        return self.kinds if column == "kind" else self.values.get(column, {})

    def lookup(self, column: str) -> dict[str, str]:
        """Normalised label → code for an enum column: the mapping's labels, then the dictionary's."""
        if column not in self._lookups:
            table: dict[str, str] = {}
            enum = _ENUMS[column]
            table.update({norm_text(code): code for code in enum})
            table.update({norm_text(label): code for code, label in enum.items()})
            table.update({norm_text(k): v for k, v in ENUM_SYNONYMS.get(column, {}).items()})
            table.update({norm_text(k): v for k, v in self.given(column).items()})
            self._lookups[column] = table
        return self._lookups[column]

    def is_skipped_kind(self, label: str) -> bool:
        return norm_text(label) in {norm_text(k) for k in self.skip_kinds}

    def label_for(self, column: str, code: str) -> str:
        """The first label the mapping gives for a code (what ``eduwb sample --as`` writes)."""
        for label, value in self.given(column).items():
            if value == code:
                return label
        return _ENUMS[column][code]


# ----------------------------------------------------------------------------- loading


def builtin_mappings() -> list[str]:
    return sorted(p.stem for p in MAPPINGS_DIR.glob("*.toml"))


def load_mapping(mapping: str | Path | Mapping) -> Mapping:
    """Load a shipped mapping by name (``jiaoji-2021``, ``zonghe``) or a mapping file by path.

    Raises
    ------
    ParameterError
        for a name that is neither shipped nor an existing file (exit 2).
    MappingError
        for a file that is not valid TOML or breaks the mapping format; every problem is
        listed with the file and the entry it concerns.
    """
    if isinstance(mapping, Mapping):
        return mapping
    key = str(mapping)
    if key in builtin_mappings():
        path = MAPPINGS_DIR / f"{key}.toml"
    else:
        path = Path(key)
        if not path.is_file():
            raise ParameterError(
                f"未知的映射 unknown mapping {key!r}: 可用 use one "
                f"of {', '.join(builtin_mappings())} 或映射文件路径 or a mapping file"
            )
    raw, chain = _read_chain(path.resolve(), ())
    problems: list[str] = []
    built = _build(raw, str(path), chain, problems)
    if problems or built is None:
        raise _invalid(path, problems)
    return built


def _invalid(path: Path, problems: list[str]) -> MappingError:
    return MappingError(f"{path}: 映射文件有误 invalid mapping:\n  " + "\n  ".join(problems))


def _read_chain(path: Path, seen: tuple[str, ...]) -> tuple[dict[str, Any], tuple[str, ...]]:
    """The file merged over every file it extends, and the files in order."""
    raw = read_toml(path, error=MappingError, what="mapping")
    problems = _check_raw(raw)
    if problems:
        raise _invalid(path, problems)
    chain = (str(path),)
    parent = raw.get("extends")
    if parent is None:
        return raw, chain
    builtin = builtin_mappings()
    key = parent_key(parent, path, builtin)
    parent_path = MAPPINGS_DIR / f"{key}.toml" if key in builtin else Path(key)
    if str(parent_path.resolve()) in (*seen, str(path)):
        raise MappingError(
            f"{path}: 映射不能（直接或间接）扩展自身 a mapping cannot extend itself (extends = {parent!r})"
        )
    if not parent_path.is_file():
        raise MappingError(
            f"{path}: extends = {parent!r}: 未知的映射 unknown mapping; 可用 use one "
            f"of {', '.join(builtin)} 或相对本文件的路径 or a path beside this file"
        )
    try:
        base, base_chain = _read_chain(parent_path.resolve(), (*seen, str(path)))
        return merge(base, raw, keyed=_KEYED, error=MappingError, deep_entries=False), chain + base_chain
    except MappingError as exc:
        if str(exc).startswith(str(path)):
            raise
        raise MappingError(f"{path}: {exc}") from None


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _is_header(v: Any) -> bool:
    return isinstance(v, str) and bool(v.strip())


def _is_form_code(v: Any) -> bool:
    return isinstance(v, str) and 0 < len(v) <= 20 and "_" not in v


def _table(raw: dict[str, Any], key: str) -> dict:
    """``raw[key]`` when it is a table, else an empty one (its shape is reported elsewhere)."""
    return raw[key] if isinstance(raw.get(key), dict) else {}


def _as_list(v: Any) -> list:
    return v if isinstance(v, list) else [v]


def _is_text_list(v: Any) -> bool:
    return isinstance(v, list) and all(isinstance(x, str) for x in v)


def _texts(ok):
    """A check: one text, or a non-empty list of texts, each passing ``ok``."""
    return lambda v: bool(_as_list(v)) and all(isinstance(x, str) and ok(x) for x in _as_list(v))


_TEXT = (str, "必须是文字 must be text")
_FLAG = (bool, "必须是 true 或 false must be true or false")
_TEXTS = (_is_text_list, "必须是文字列表 must be a list of text")
_NUMBER = (_is_number, "必须是数 must be a number")
_HEADER = (_is_header, "必须是表头文字 must be header text")
_LABELS = (
    _texts(synonyms),
    "必须是标签文字（同义词用 | 分隔）或其列表 "
    'must be label text like "总计|合计" or a list of them (one per cell)',
)
# The shape of each key's value wherever it stands (top level, [zonghe], [[plausibility]],
# [[fields]]): a type or a check, and what a value given must be ({v!r}: the value).
# What involves more than one value is checked by hand below.
_SHAPES: dict[str, tuple[Any, str]] = {
    "extends": (str, "必须是映射名或文件路径 must be a mapping name or file path"),
    "form": (lambda v: v in FORMS, "{v!r}: 必须是 must be one of " + ", ".join(FORMS)),
    **dict.fromkeys(("id", "name", "hint", "unit"), _TEXT),
    **dict.fromkeys(("blank_is_zero", "optional"), _FLAG),
    **dict.fromkeys(("skip_kinds", "not_counted", "keep_kinds"), _TEXTS),
    **dict.fromkeys(("anchor", "counted", "parent"), _HEADER),
    **dict.fromkeys(("min", "max"), _NUMBER),
    **dict.fromkeys(("row_label", "column_label"), _LABELS),
    "per": (lambda v: v == "students", '只能是 must be "students"'),
    "severity": (lambda v: v in ("error", "warning"), '必须是 must be "error" or "warning"'),
    "sheet": (_is_form_code, '必须是表号，如 must be a form code like "3112"'),
    "column": (
        _texts(lambda c: c.strip(" /")),
        '必须是表头路径或其列表 must be a header path like "在校生数/小学" or a list of them',
    ),
    "scale": (lambda v: _is_number(v) and v > 0, "必须是正数 must be a positive number"),
}


def _broken(entry: dict, keys, prefix: str = "") -> list[str]:
    """The messages of the ``keys`` given in ``entry`` whose values break their shape."""
    out = []
    for k in keys:
        check, what = _SHAPES[k]
        if k in entry and not (isinstance(entry[k], check) if isinstance(check, type) else check(entry[k])):
            out.append(f"{prefix}{k} " + what.format(v=entry[k]))
    return out


def _unknown(entry: dict, known: set[str], prefix: str = "", listed: bool = True) -> list[str]:
    shown = f"; 可用 known: {', '.join(sorted(known))}" if listed else ""
    return [f"{prefix}未知的键 unknown key {k!r}{shown}" for k in entry if k not in known]


def _check_raw(raw: dict[str, Any]) -> list[str]:
    """Shape checks on one file as written (before it is merged over its parent)."""
    problems = _unknown(raw, _TOP_KEYS)
    problems += _broken(raw, ("extends", "id", "name", "form", "blank_is_zero"))
    problems += [
        f"[{k}] 必须是表 must be a table, not {raw[k]!r}"
        for k in ("kinds", "values", "apportion", "zonghe")
        if k in raw and not isinstance(raw[k], dict)
    ]
    for label, kind in _table(raw, "kinds").items():
        if not isinstance(kind, str) or kind not in KINDS:
            problems.append(f"[kinds] {label!r} = {kind!r}: 不是学校类型 not a kind ({', '.join(KINDS)})")
    problems += _broken(raw, ("skip_kinds",))
    for column, table in _table(raw, "values").items():
        if column not in ("locale", "sponsor"):
            problems.append(f"[values.{column}]: 只能是 only locale or sponsor")
        elif not isinstance(table, dict):
            problems.append(f"[values.{column}] 必须是表 must be a table")
        else:
            problems += [
                f"[values.{column}] {label!r} = {code!r}: 必须是 must be one of {', '.join(_ENUMS[column])}"
                for label, code in table.items()
                if not isinstance(code, str) or code not in _ENUMS[column]
            ]
    for column, by in _table(raw, "apportion").items():
        if column not in _TOTAL_COLUMNS:
            problems.append(f"[apportion] {column!r}: 只能分配 only {', '.join(_TOTAL_COLUMNS)}")
        if not isinstance(by, str) or by not in ("teachers", "students"):
            problems.append(f'[apportion] {column} = {by!r}: 必须是 must be "teachers" or "students"')
    if isinstance(raw.get("zonghe"), dict):
        problems += _unknown(raw["zonghe"], set(_ZONGHE_KEYS), "[zonghe] ")
        problems += _broken(raw["zonghe"], _ZONGHE_KEYS, "[zonghe] ")
    problems += _check_plausibility(raw.get("plausibility"))
    problems += _check_fields(raw.get("fields"), raw.get("form"))
    return problems


def _check_plausibility(entries: Any) -> list[str]:
    if entries is None:
        return []
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        return ["plausibility 必须是 [[plausibility]] 表的列表 must be a list of [[plausibility]] tables"]
    problems = []
    for n, e in enumerate(entries, start=1):
        label = f"[[plausibility]] #{n} ({e.get('column', '?')}): "
        problems += _unknown(e, {"column", "per", "min", "max", "hint", "severity"}, label, listed=False)
        column = e.get("column")
        if column not in _FACILITY_COLUMNS or TABLES["facilities"].column(column).dtype not in _NUMERIC:
            problems.append(f"{label}column 必须是办学条件的数值列 must be a number column of facilities")
        problems += _broken(e, ("per", "min", "max"), label)
        if _is_number(e.get("min")) and _is_number(e.get("max")) and e["min"] >= e["max"]:
            problems.append(f"{label}min 必须小于 max must be below max")
        problems += _broken(e, ("severity", "hint"), label)
    return problems


def _target_column(target: Any) -> tuple[str, str] | str:
    """(namespace, column) for a valid target, else the reason it is not one."""
    if not isinstance(target, str) or "." not in target:
        return (
            "必须形如 must look like school.name, primary.students, total.backbone_teachers, "
            "facilities.multimedia_rooms"
        )
    namespace, column = target.split(".", 1)
    if namespace not in _NAMESPACE_COLUMNS:
        return f"{namespace!r} 不是 is not one of {', '.join(_NAMESPACE_COLUMNS)}"
    if column not in _NAMESPACE_COLUMNS[namespace]:
        return (
            f"{column!r}: {namespace} 的列 columns of {namespace}: {', '.join(_NAMESPACE_COLUMNS[namespace])}"
        )
    return namespace, column


def _check_fields(entries: Any, form: Any) -> list[str]:
    if entries is None:
        return []
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        return ["fields 必须是 [[fields]] 表的列表 must be a list of [[fields]] tables"]
    problems = []
    seen: set[str] = set()
    for n, e in enumerate(entries, start=1):
        label = f"[[fields]] #{n} (target {e.get('target', '?')!r}): "
        problems += _unknown(e, _FIELD_KEYS, label)
        resolved = _target_column(e.get("target"))
        if isinstance(resolved, str):
            problems.append(f"{label}target {resolved}")
        if isinstance(target := e.get("target"), str):  # any other value is refused above
            if target in seen:
                problems.append(f"{label}target 重复 appears twice")
            seen.add(target)
        problems += _broken(e, ("sheet",), label)
        if "cell" in e:
            cells = _as_list(e["cell"])
            if not cells or not all(isinstance(c, str) for c in cells):
                problems.append(
                    f'{label}cell 必须是单元格或其列表 must be a cell like "I6" or a list of them'
                )
            else:
                problems += [p for c in cells for p in _check_cell(c, f"{label}cell")]
        problems += _broken(e, ("row_label", "column_label"), label)
        if ("row_label" in e or "column_label" in e) and "check" in e:
            problems.append(f"{label}check 与 row_label/column_label 二选一 use either check or labels")
        problems += _broken(e, ("column",), label)
        if "check" in e:
            if not isinstance(e["check"], dict) or not all(_is_header(v) for v in e["check"].values()):
                problems.append(f'{label}check 必须形如 must look like {{ I4 = "在校生数" }}')
            else:
                problems += [p for c in e["check"] for p in _check_cell(c, f"{label}check")]
        if "extract" in e and (why := compile_extract(e["extract"])[1]) is not None:
            problems.append(f"{label}{why}")
        problems += _broken(e, ("scale", "optional", "unit"), label)
        if form == "jiaoji" and "column" in e:
            problems.append(
                f"{label}每校工作簿用 sheet + cell，不用 column "
                "(a per-school workbook mapping uses sheet + cell)"
            )
        if form == "zonghe" and ({"sheet", "cell", "check", "row_label", "column_label"} & set(e)):
            problems.append(
                f"{label}综合查询用 column，不用 sheet/cell/check (a county-wide table mapping uses column)"
            )
    return problems


def _check_cell(ref: Any, label: str) -> list[str]:
    if not isinstance(ref, str) or not CELL.match(ref):
        return [f'{label} {ref!r} 不是单元格 is not a cell reference like "I6"']
    row, col = parse_cell(ref)
    if row > MAX_FORM_ROW or col > MAX_FORM_COLUMN:
        return [f"{label} {ref!r} 超出报表范围 lies beyond row {MAX_FORM_ROW} / column {MAX_FORM_COLUMN}"]
    return []


def _build(raw: dict[str, Any], where: str, chain: tuple[str, ...], problems: list[str]) -> Mapping | None:
    """The merged mapping checked as a whole (what a single file need not say alone)."""
    form = raw.get("form")
    if form not in FORMS:
        problems.append(f"缺少 form missing 'form' (one of {', '.join(FORMS)})")
        return None
    fields = _fields(raw, form, problems)
    _check_targets(raw, form, fields, problems)
    if form == "jiaoji":
        problems += _check_sheet_layout(fields)
    zonghe = _zonghe_layout(raw, fields, problems) if form == "zonghe" else None
    plaus = tuple(Plausibility(**e) for e in raw.get("plausibility", []))
    if problems:
        return None
    return Mapping(
        id=str(raw.get("id", Path(where).stem)),
        name=str(raw.get("name", raw.get("id", Path(where).stem))),
        form=form,
        source=where,
        chain=chain,
        fields=tuple(fields),
        kinds=dict(raw.get("kinds", {})),
        skip_kinds=tuple(raw.get("skip_kinds", ())),
        values={k: dict(v) for k, v in raw.get("values", {}).items()},
        apportion=dict(raw.get("apportion", {})),
        plausibility=plaus,
        blank_is_zero=bool(raw.get("blank_is_zero", True)),
        zonghe=zonghe,
    )


def _fields(raw: dict[str, Any], form: str, problems: list[str]) -> list[Field]:
    """The ``[[fields]]`` entries with a known target, each checked against the source form."""
    fields: list[Field] = []
    for e in raw.get("fields", []):
        resolved = _target_column(e.get("target"))
        if isinstance(resolved, str):
            continue  # reported by _check_raw
        namespace, column = resolved
        table = NAMESPACE_TABLE[namespace]
        col = TABLES[table].column(column)
        label = f"[[fields]] target {e['target']!r}"
        locators: tuple[Locator, ...] = ()
        plain: tuple[tuple[str, str], ...] = ()
        if form == "jiaoji":
            labelled = "row_label" in e or "column_label" in e
            if "sheet" not in e or ("cell" not in e and not labelled):
                problems.append(
                    f"{label}: 需要 sheet 和 cell（或 row_label/column_label） "
                    "needs sheet and cell (or labels)"
                )
                continue
            cells = tuple(_as_list(e["cell"]) if "cell" in e else [])
            check = tuple((k, v) for k, v in e.get("check", {}).items())
            if labelled:
                locators = _label_locators(e, cells, label, problems)
                cells = tuple(loc.cell for loc in locators if loc.cell)
            else:
                locators, plain = locators_from_check(cells, check)
        else:
            if "column" not in e:
                problems.append(f"{label}: 需要 column needs column (a header path)")
                continue
            cells = tuple(c.strip(" /") for c in _as_list(e["column"]))
            check = ()
        if ("scale" in e or "unit" in e) and col.dtype not in _NUMERIC:
            problems.append(f"{label}: scale/unit 只用于数值列 apply to number columns only")
        if len(cells) > 1 and col.dtype not in (*_NUMERIC, "text", "enum"):
            problems.append(
                f"{label}: 多个单元格只能用于数值或文字 several cells "
                "only for numbers (summed) or text (first filled)"
            )
        fields.append(
            Field(
                target=e["target"],
                namespace=namespace,
                column=column,
                table=table,
                dtype=col.dtype,
                sheet=e.get("sheet"),
                cells=cells,
                check=check,
                locators=locators,
                plain_checks=plain,
                extract=compile_extract(e["extract"])[0] if "extract" in e else None,
                scale=float(e.get("scale", 1.0)),
                unit=e.get("unit"),
                optional=bool(e.get("optional", False)),
            )
        )
    return fields


def _label_locators(e: dict[str, Any], cells: tuple[str, ...], label: str, problems: list[str]):
    """Locators of a field named by its labels: one per cell, a single label shared by all."""

    def per_cell(key: str) -> list[tuple[str, ...]]:
        v = e.get(key)
        if v is None:
            return [()]
        return [synonyms(x) for x in _as_list(v)]

    rows, cols = per_cell("row_label"), per_cell("column_label")
    n = max(len(cells), len(rows), len(cols))
    if any(len(x) not in (1, n) for x in (rows, cols)) or (cells and len(cells) != n):
        problems.append(
            f"{label}: cell、row_label、column_label 的个数不一致 give one entry per value (or one for all)"
        )
        return ()
    if not cells and not (all(rows) and all(cols)):
        problems.append(f"{label}: 没有 cell 时需要行标签和列标签 without cell, both labels are needed")
        return ()

    def pick(xs: list, i: int):
        return xs[i] if len(xs) == n else xs[0]

    return tuple(
        Locator(cells[i] if cells else None, row_label=pick(rows, i), column_label=pick(cols, i))
        for i in range(n)
    )


def _check_targets(raw: dict[str, Any], form: str, fields: list[Field], problems: list[str]) -> None:
    """The targets every mapping needs, and the school totals a stage must be given or apportioned."""
    targets = {f.target for f in fields}
    for needed in ("school.name",) + (("school.kind",) if form == "zonghe" else ()):
        if needed not in targets:
            problems.append(f"缺少 missing [[fields]] target {needed!r}")
    for stage in STAGES:
        if any(f.namespace == stage for f in fields) and f"{stage}.students" not in targets:
            problems.append(f"学段 {stage} 有字段却没有 has fields but no '{stage}.students'")
    for f in fields:
        if f.namespace == "total":
            if any(g.namespace in STAGES and g.column == f.column for g in fields):
                problems.append(
                    f"{f.target}: 与按学段的同名字段冲突 conflicts with a per-stage target for {f.column}"
                )
            if f.column not in raw.get("apportion", {}):
                problems.append(
                    f'{f.target}: 需要 [apportion] {f.column} = "teachers" '
                    "说明如何分到各学段 (how to share it out over stages)"
                )


def _zonghe_layout(raw: dict[str, Any], fields: list[Field], problems: list[str]) -> ZongheLayout:
    """The ``[zonghe]`` table: the header anchor and how 不计校数 rows are told and merged."""
    z = raw.get("zonghe", {})
    if "anchor" not in z:
        z = {**z, "anchor": next((f.cells[0] for f in fields if f.target == "school.name"), "学校名称")}
    zonghe = ZongheLayout(
        anchor=z["anchor"],
        counted=z.get("counted"),
        not_counted=tuple(z.get("not_counted", ("否", "不计校数"))),
        parent=z.get("parent"),
        keep_kinds=tuple(z.get("keep_kinds", ())),
    )
    if zonghe.counted and not zonghe.parent:
        problems.append(
            "[zonghe] 有 counted 时需要 parent：不计校数的行并入哪所学校 "
            "(counted needs parent: where 不计校数 rows go)"
        )
    return zonghe


def _check_sheet_layout(fields: list[Field]) -> list[str]:
    """Within a form, a label cell is not a value cell and is checked for one text only."""
    problems = []
    values: dict[tuple[str, str], str] = {}
    labels: dict[tuple[str, str], tuple[str, str]] = {}
    for f in fields:
        for c in f.cells:
            if (f.sheet, c) in values and values[(f.sheet, c)] != f.target:
                problems.append(
                    f"教基{f.sheet} {c}: 同一单元格映射到两个字段 mapped "
                    f"to both {values[(f.sheet, c)]} and {f.target}"
                )
            values[(f.sheet, c)] = f.target
    for f in fields:
        for c, text in f.check:
            key = (f.sheet, c)
            if key in values:
                problems.append(
                    f"{f.target}: check 单元格 {c} 也是数值单元格 is also a value cell ({values[key]})"
                )
            if key in labels and norm_text(labels[key][1]) != norm_text(text):
                problems.append(
                    f"教基{f.sheet} {c}: 两个字段要求不同的表头 checked for two "
                    f"texts: {labels[key][1]!r} ({labels[key][0]}) and {text!r} ({f.target})"
                )
            labels[key] = (f.target, text)
    return problems


def parse_bool(text: str) -> bool | None:
    low = norm_text(text)
    if low in TRUE_VALUES:
        return True
    if low in FALSE_VALUES:
        return False
    return None
