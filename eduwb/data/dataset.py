"""Load and validate a county dataset (a folder of CSVs or one ``.xlsx`` workbook).

The format is ``../shared/spec/data-dictionary.md``, encoded in :mod:`eduwb.data.schema`.
Loading happens in three passes, each collecting every problem before anything is refused:

1. *read*: find each table (``schools.csv`` or a sheet ``schools``; Chinese table names
   work too), detect the text encoding, map English or Chinese headers to column names;
2. *parse*: turn text into typed columns (numbers, whole numbers, booleans, enum codes),
   then check each column against the schema with pandera (ranges, enums, uniqueness);
3. *cross-check*: the rules between tables (ids exist, stage fits kind, counts ≤ totals,
   class rows against section totals as warnings).

Only a dataset with no error comes back as a :class:`Dataset`; otherwise a
:class:`~eduwb.errors.DataError` lists every problem with file, row, column, value and rule.
"""

from __future__ import annotations

import copy
import difflib
import io
import re
import tomllib
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from eduwb.data.schema import (
    ENUM_SYNONYMS,
    FALSE_VALUES,
    GRADES_BY_STAGE,
    OPTIONAL_TABLES,
    REQUIRED_TABLES,
    STAGES_BY_KIND,
    TABLES,
    TRUE_VALUES,
    Table,
)
from eduwb.errors import DataError, Problem

# ----------------------------------------------------------------------------- settings

DEFAULT_ROTATION = {"min_years_at_school": 6, "exempt_age_male": 55, "exempt_age_female": 50}
DEFAULT_UNIT_COSTS = {
    "teacher_per_year": 120000,
    "building_m2": 3500,
    "sports_field_m2": 400,
    "multimedia_room": 40000,
}
_SETTINGS_KEYS = {"name", "code", "province", "standard", "relaxations_2019", "class_size", "rotation", "unit_costs"}


@dataclass
class CountySettings:
    """What ``county.toml`` says, with the data dictionary's defaults filled in."""

    name: str = ""
    code: str | None = None
    province: str | None = None
    standard: str = "moe-2017"
    relaxations_2019: bool = False
    milestones: list[dict[str, Any]] = field(default_factory=list)
    rotation: dict[str, Any] = field(default_factory=lambda: dict(DEFAULT_ROTATION))
    unit_costs: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_UNIT_COSTS))


@dataclass
class Dataset:
    """A validated county dataset: tidy DataFrames with English column names and codes.

    Optional tables that were not provided are ``None`` (results needing them say 缺数据).
    """

    path: Path
    name: str
    settings: CountySettings
    schools: pd.DataFrame
    sections: pd.DataFrame
    facilities: pd.DataFrame
    classes: pd.DataFrame | None = None
    teachers: pd.DataFrame | None = None
    rotations: pd.DataFrame | None = None
    cohorts: pd.DataFrame | None = None
    budget: pd.DataFrame | None = None
    county_indicators: pd.DataFrame | None = None
    survey: pd.DataFrame | None = None
    warnings: list[Problem] = field(default_factory=list)
    #: The county datasets a pooled dataset was stacked from (:func:`pool`); None for a county.
    counties: list[Dataset] | None = None

    @property
    def years(self) -> list[int]:
        return sorted(int(y) for y in self.sections["year"].unique())

    def has(self, table: str) -> bool:
        return getattr(self, table) is not None

    def summary(self) -> str:
        """One line describing what was loaded."""
        years = self.years
        span = f"{years[0]}–{years[-1]}" if len(years) > 1 else str(years[0])
        optional = [t for t in OPTIONAL_TABLES if self.has(t)]
        return (
            f"{self.name}: {len(self.schools)} schools, {len(self.sections)} school sections, years {span}; "
            f"optional tables: {', '.join(optional) if optional else 'none'}"
            + (f"; {len(self.warnings)} warning(s)" if self.warnings else "")
        )


def pool(datasets: list[Dataset], name: str = "全部县") -> Dataset:
    """One dataset holding several counties, for province-wide tables and benchmarks.

    School and teacher ids must be distinct across the counties (the generated sample's are);
    the first county's settings apply. An optional table is kept only when every county has it.
    The counties themselves stay available as ``counties`` (each with its own settings and
    county-level tables), for what is judged county by county.
    """
    from eduwb.data.schema import OPTIONAL_TABLES as optional

    def stacked(table: str) -> pd.DataFrame | None:
        frames = [getattr(ds, table) for ds in datasets]
        return None if any(f is None for f in frames) else pd.concat(frames, ignore_index=True)

    first = datasets[0]
    return Dataset(
        path=first.path.parent,
        name=name,
        settings=first.settings,
        schools=stacked("schools"),
        sections=stacked("sections"),
        facilities=stacked("facilities"),
        **{table: stacked(table) for table in optional},
        counties=list(datasets),
    )


# ----------------------------------------------------------------------------- reading


def _norm(text: object) -> str:
    """Header/enum normal form: case-, whitespace- (incl. full-width) and bracket-insensitive."""
    s = str(text).strip().lower().replace("\u3000", "")
    s = re.sub(r"\s+", "", s)
    return s.replace("（", "(").replace("）", ")")


@dataclass
class _Raw:
    """One table as read: text cells, the original headers, and where it came from."""

    frame: pd.DataFrame  # str cells, index = row number a person sees
    label: str  # file (and sheet) for messages
    headers: dict[str, str]  # column name -> header as written


def _decode(data: bytes, label: str, problems: list[Problem]) -> str | None:
    """UTF-8 (with or without BOM) first, GB18030 second; refuse rather than guess."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as utf8_error:
        if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
            problems.append(
                Problem(label, None, None, None, "is UTF-16 (Excel's 'Unicode text'), not UTF-8 or GB18030/GBK; save it as 'CSV UTF-8'")
            )
            return None
        try:
            text = data.decode("gb18030")
        except UnicodeDecodeError:
            text = None
        if text is None or not _reads_as_chinese(text):
            problems.append(
                Problem(
                    label,
                    None,
                    None,
                    None,
                    f"cannot be decoded as UTF-8 (byte {utf8_error.start}) or GB18030/GBK; save it as UTF-8 CSV",
                )
            )
            return None
        return text


def _reads_as_chinese(text: str) -> bool:
    """Whether text decoded as GB18030 reads as Chinese rather than as decoded garbage.

    GB18030 decodes almost any bytes, and statistical detectors mistake short GBK files (a
    column of 男/女) for Korean or UTF-16, so the test is direct: no control characters, and
    nearly every non-ASCII character is a common one (in GB2312, which holds the 6763 common
    hanzi and Chinese punctuation). Binary data, UTF-8 read as GBK and Big5 all fail it.
    """
    if any(ord(ch) < 32 and ch not in "\t\r\n" for ch in text):
        return False
    wide = "".join(ch for ch in text if ord(ch) > 127)
    # every wide character is non-ASCII, so each "?" in the encoding is one uncommon character
    uncommon = wide.encode("gb2312", errors="replace").count(b"?")
    return uncommon <= 0.1 * len(wide) + 2


def _read_csv(path: Path, label: str, problems: list[Problem]) -> pd.DataFrame | None:
    data = path.read_bytes()
    if not data.strip():
        problems.append(Problem(label, None, None, None, "file is empty"))
        return None
    text = _decode(data, label, problems)
    if text is None:
        return None
    try:
        frame = pd.read_csv(
            io.StringIO(text),
            dtype=str,
            keep_default_na=False,
            skip_blank_lines=False,
            skipinitialspace=True,
        )
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        # pandas counts lines from 1 with the header, as an editor does: keep that as the row
        message = " ".join(str(exc).split())
        line = re.search(r"in line (\d+)", message)
        problems.append(
            Problem(label, int(line.group(1)) if line else None, None, None, f"not a readable CSV file: {message}")
        )
        return None
    return frame


def _frame_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """Index rows as a person sees them (header = row 1) and drop wholly empty lines."""
    frame = frame.copy()
    frame.index = pd.RangeIndex(2, len(frame) + 2)
    frame = frame.astype(object).where(frame.notna(), "")
    # column-wise string ops: a cell-by-cell map costs seconds on a county's teacher rows
    frame = pd.DataFrame({c: frame[c].astype(str).str.strip() for c in frame.columns}, index=frame.index)
    empty = (frame == "").all(axis=1)
    return frame[~empty]


def _table_aliases(table: Table) -> set[str]:
    return {_norm(table.name), _norm(table.zh)}


def _match_headers(frame: pd.DataFrame, table: Table, label: str, problems: list[Problem]) -> _Raw | None:
    aliases: dict[str, str] = {}
    for col in table.columns:
        aliases[_norm(col.name)] = col.name
        aliases[_norm(col.zh)] = col.name
    headers: dict[str, str] = {}
    rename: dict[str, str] = {}
    unknown: list[str] = []
    for header in frame.columns:
        key = _norm(header)
        if key.startswith("unnamed:") or key == "":
            continue
        name = aliases.get(key)
        if name is None:
            unknown.append(str(header))
            continue
        if name in headers:
            problems.append(
                Problem(label, 1, str(header), None, f"column '{name}' appears twice (also as '{headers[name]}')")
            )
            continue
        headers[name] = str(header)
        rename[header] = name
    missing = [c for c in table.columns if c.required and c.name not in headers]
    for col in missing:
        hint = ""
        candidates = difflib.get_close_matches(col.zh, unknown, n=1, cutoff=0.5) or difflib.get_close_matches(
            col.name, unknown, n=1, cutoff=0.6
        )
        if candidates:
            hint = f"; found '{candidates[0]}' — a typo?"
        problems.append(
            Problem(label, 1, col.name, None, f"required column '{col.name}' ({col.zh}) is missing{hint}")
        )
    if missing:
        return None
    frame = frame[list(rename)].rename(columns=rename)
    for col in table.columns:
        if col.name not in frame.columns:
            frame[col.name] = ""
    return _Raw(_frame_rows(frame[table.names]), label, headers)


def _read_folder(path: Path, problems: list[Problem]) -> dict[str, _Raw]:
    files = {_norm(p.stem): p for p in path.iterdir() if p.suffix.lower() == ".csv"}
    raws: dict[str, _Raw] = {}
    for name, table in TABLES.items():
        found = next((files[a] for a in _table_aliases(table) if a in files), None)
        if found is None:
            if table.required:
                problems.append(Problem(f"{name}.csv", None, None, None, f"required file missing from {path}"))
            continue
        frame = _read_csv(found, found.name, problems)
        if frame is None:
            continue
        raw = _match_headers(frame, table, found.name, problems)
        if raw is not None:
            raws[name] = raw
    return raws


def _read_workbook(path: Path, problems: list[Problem]) -> dict[str, _Raw]:
    try:
        sheets = pd.read_excel(path, sheet_name=None, dtype=str, keep_default_na=False, engine="openpyxl")
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        problems.append(Problem(path.name, None, None, None, f"not a readable .xlsx workbook: {exc}"))
        return {}
    by_alias = {_norm(name): (name, frame) for name, frame in sheets.items()}
    raws: dict[str, _Raw] = {}
    for name, table in TABLES.items():
        hit = next((by_alias[a] for a in _table_aliases(table) if a in by_alias), None)
        if hit is None:
            if table.required:
                problems.append(
                    Problem(f"{path.name} [sheet {name}]", None, None, None, f"required sheet '{name}' ({table.zh}) missing")
                )
            continue
        sheet, frame = hit
        label = f"{path.name} [sheet {sheet}]"
        if frame.empty and len(frame.columns) == 0:
            problems.append(Problem(label, None, None, None, "sheet is empty"))
            continue
        raw = _match_headers(frame, table, label, problems)
        if raw is not None:
            raws[name] = raw
    return raws


# ----------------------------------------------------------------------------- parsing


def _enum_lookup(col_name: str, enum: dict[str, str]) -> dict[str, str]:
    lookup = {_norm(code): code for code in enum}
    lookup.update({_norm(label): code for code, label in enum.items()})
    lookup.update({_norm(k): v for k, v in ENUM_SYNONYMS.get(col_name, {}).items()})
    return lookup


def _parse(raw: _Raw, table: Table, problems: list[Problem]) -> pd.DataFrame:
    """Typed columns from text; every cell that does not parse becomes a problem."""
    frame = raw.frame
    out = pd.DataFrame(index=frame.index)
    for col in table.columns:
        text = frame[col.name]
        header = raw.headers.get(col.name, col.name)
        blank = text == ""
        if col.required and blank.any():
            for row in text.index[blank]:
                problems.append(Problem(raw.label, int(row), header, "", "a value is required"))
        if col.dtype == "text":
            out[col.name] = text.where(~blank, None).astype(object)
        elif col.dtype in ("int", "number"):
            cleaned = text.str.replace(",", "", regex=False).str.replace("，", "", regex=False)
            numbers = pd.to_numeric(cleaned.where(~blank), errors="coerce")
            bad = ~blank & numbers.isna()
            if col.dtype == "int":
                bad |= ~blank & numbers.notna() & (numbers != np.floor(numbers))
                rule = "must be a whole number"
            else:
                rule = "must be a number"
            bad |= ~blank & numbers.notna() & ~np.isfinite(numbers)
            for row in text.index[bad]:
                problems.append(Problem(raw.label, int(row), header, text[row], rule))
            numbers = numbers.where(~bad)
            if col.dtype == "int":
                out[col.name] = numbers.round().astype("Int64")
            else:
                out[col.name] = numbers.astype("float64")
        elif col.dtype == "bool":
            lowered = text.str.lower()
            truthy = lowered.isin(TRUE_VALUES)
            falsy = lowered.isin(FALSE_VALUES)
            bad = ~blank & ~truthy & ~falsy
            for row in text.index[bad]:
                problems.append(Problem(raw.label, int(row), header, text[row], "must be yes/no (是/否, true/false, 1/0)"))
            values = pd.Series(pd.NA, index=frame.index, dtype="boolean")
            values[truthy] = True
            values[falsy] = False
            out[col.name] = values
        elif col.dtype == "enum":
            lookup = _enum_lookup(col.name, col.enum or {})
            # normalise each distinct spelling once, then map the column
            spelled = {v: (lookup.get(_norm(v)) if v != "" else None) for v in text.unique()}
            codes = text.map(spelled)
            bad = ~blank & codes.isna()
            allowed = ", ".join(f"{c} {label}" for c, label in (col.enum or {}).items())
            for row in text.index[bad]:
                problems.append(Problem(raw.label, int(row), header, text[row], f"must be one of: {allowed}"))
            out[col.name] = codes.astype(object)
    return out


def _schema(table: Table):
    """The pandera schema of a table, built from the data dictionary (declared once, in eduwb.data.schema)."""
    import pandera.pandas as pa

    columns = {}
    for col in table.columns:
        checks = []
        if col.min is not None:
            checks.append(pa.Check.ge(col.min, error=f"must be ≥ {col.min:g}"))
        if col.gt is not None:
            checks.append(pa.Check.gt(col.gt, error=f"must be > {col.gt:g}"))
        columns[col.name] = pa.Column(checks=checks, nullable=True, unique=col.unique, coerce=False)
    return pa.DataFrameSchema(columns, unique=list(table.key) if table.key and len(table.key) > 1 else None)


def _check_schema(frame: pd.DataFrame, raw: _Raw, table: Table, problems: list[Problem]) -> None:
    import pandera.errors as pe

    try:
        _schema(table).validate(frame, lazy=True)
    except pe.SchemaErrors as exc:
        cases = exc.failure_cases
        # pandera lists a duplicated key once per key column: report each row once
        seen: set[tuple] = set()
        for case in cases.itertuples(index=False):
            column = case.column
            row = None if pd.isna(case.index) else int(case.index)
            check = str(case.check)
            if check == "field_uniqueness" or check == "multiple_fields_uniqueness":
                key = table.key if check == "multiple_fields_uniqueness" else (column,)
                if (check, key, row) in seen:
                    continue
                seen.add((check, key, row))
                values = tuple(_plain(v) for v in frame.loc[row, list(key)]) if row is not None else case.failure_case
                shown = values[0] if len(values) == 1 else " × ".join(str(v) for v in values)
                problems.append(
                    Problem(
                        raw.label,
                        row,
                        raw.headers.get(key[-1], key[-1]),
                        shown,
                        f"duplicate {' × '.join(key)}: must be unique",
                    )
                )
                continue
            problems.append(
                Problem(raw.label, row, raw.headers.get(column, column), _plain(case.failure_case), check)
            )


def _plain(value: object) -> object:
    if value is pd.NA or value is pd.NaT or (isinstance(value, float) and np.isnan(value)):
        return None  # a blank cell: the message shows no value rather than "nan"
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, np.generic):
        return value.item()
    return value


# ----------------------------------------------------------------------------- cross-table rules


class _Ctx:
    """Tables being cross-checked, with the labels and headers needed for messages."""

    def __init__(self, frames: dict[str, pd.DataFrame], raws: dict[str, _Raw]):
        self.frames = frames
        self.raws = raws
        self.problems: list[Problem] = []
        self.warnings: list[Problem] = []

    def report(self, table: str, mask: pd.Series, column: str, rule: str, *, warning: bool = False, value=None):
        frame = self.frames[table]
        raw = self.raws[table]
        target = self.warnings if warning else self.problems
        for row in frame.index[mask.fillna(False).to_numpy(dtype=bool)]:
            shown = frame.at[row, column] if value is None else value(frame.loc[row])
            target.append(
                Problem(
                    raw.label,
                    int(row),
                    raw.headers.get(column, column),
                    _plain(shown),
                    rule,
                    severity="warning" if warning else "error",
                )
            )


def _cross_check(ctx: _Ctx, known_indicators: set[str] | None, percent_indicators: frozenset[str] | set[str] = frozenset()) -> None:
    f = ctx.frames
    schools = f["schools"]
    ids = set(schools["school_id"].dropna())
    kind_of = schools.set_index("school_id")["kind"]
    kind_of = kind_of[~kind_of.index.duplicated()]

    # schools: teaching points hang under an existing parent
    tp = schools["kind"] == "teaching_point"
    ctx.report("schools", tp & schools["parent_id"].isna(), "parent_id", "a teaching point needs the id of its parent school")
    has_parent = schools["parent_id"].notna()
    ctx.report("schools", has_parent & ~schools["parent_id"].isin(ids), "parent_id", "parent school id not found in schools")
    ctx.report("schools", has_parent & (schools["parent_id"] == schools["school_id"]), "parent_id", "a school cannot be its own parent")

    def school_exists(table: str, column: str = "school_id") -> pd.Series:
        frame = f[table]
        mask = frame[column].notna() & ~frame[column].isin(ids)
        ctx.report(table, mask, column, "school id not found in schools")
        return ~mask

    def stage_fits(table: str) -> None:
        frame = f[table]
        kinds = frame["school_id"].map(kind_of)
        fits = _fits_kind(kinds, frame["stage"])
        mask = frame["stage"].notna() & kinds.notna() & ~fits
        ctx.report(
            table,
            mask,
            "stage",
            "stage does not fit the school's kind",
            value=lambda r: f"{r['stage']} at a {kind_of.get(r['school_id'])} school",
        )

    # sections
    school_exists("sections")
    stage_fits("sections")
    sec = f["sections"]
    for col in ("teachers_above_degree", "backbone_teachers", "pe_art_teachers"):
        ctx.report("sections", sec[col] > sec["teachers"], col, "must not exceed teachers (专任教师数)")

    # facilities
    school_exists("facilities")
    fac = f["facilities"]
    if fac["stage"].notna().any():
        stage_fits("facilities")
    ctx.report(
        "facilities",
        fac["indoor_sports_area_m2"] > fac["teaching_aux_area_m2"],
        "indoor_sports_area_m2",
        "must not exceed teaching_aux_area_m2 (教学及辅助用房面积), which includes it",
    )
    for rooms, area in (("music_rooms", "music_room_min_area_m2"), ("art_rooms", "art_room_min_area_m2")):
        ctx.report("facilities", (fac[rooms] > 0) & fac[area].isna(), area, f"required when {rooms} > 0")
    # whole-school and per-stage rows must not mix for one school × year
    whole = fac[fac["stage"].isna()][["school_id", "year"]].drop_duplicates()
    mixed = fac["stage"].notna() & pd.MultiIndex.from_frame(fac[["school_id", "year"]]).isin(
        pd.MultiIndex.from_frame(whole)
    )
    ctx.report("facilities", mixed, "stage", "this school × year also has a whole-school row; give one or the other")

    if "classes" in f:
        cls = f["classes"]
        school_exists("classes")
        # grades below 1 are already refused by the schema (min 1); one message per cell
        ctx.report("classes", cls["grade"] > 9, "grade", "grade must be 1–9 (1–6 小学, 7–9 初中)")
        stage = _grade_stage(cls["grade"])
        kinds = cls["school_id"].map(kind_of)
        fits = _fits_kind(kinds, stage)
        ctx.report(
            "classes",
            stage.notna() & kinds.notna() & ~fits,
            "grade",
            "grade does not fit the school's stages",
            value=lambda r: f"grade {r['grade']} at a {kind_of.get(r['school_id'])} school",
        )
        _check_class_totals(ctx, stage)

    if "teachers" in f:
        school_exists("teachers")
        stage_fits("teachers")
        _check_teacher_counts(ctx)

    if "rotations" in f:
        rot = f["rotations"]
        school_exists("rotations", "from_school")
        school_exists("rotations", "to_school")
        ctx.report("rotations", rot["from_school"] == rot["to_school"], "to_school", "must differ from from_school")
        if "teachers" in f:
            t = f["teachers"]
            known = pd.MultiIndex.from_frame(t[["teacher_id", "year"]].dropna().astype({"year": "int64"}))
            same = pd.MultiIndex.from_arrays([rot["teacher_id"], rot["year"].astype("float").fillna(-1).astype("int64")])
            before = pd.MultiIndex.from_arrays(
                [rot["teacher_id"], (rot["year"].astype("float").fillna(-1) - 1).astype("int64")]
            )
            missing = ~same.isin(known) & ~before.isin(known)
            ctx.report(
                "rotations",
                pd.Series(missing, index=rot.index) & rot["teacher_id"].notna(),
                "teacher_id",
                "teacher not found in teachers for this year or the year before",
            )
        else:
            ctx.problems.append(
                Problem(ctx.raws["rotations"].label, None, None, None, "rotations need the teachers table, which is missing")
            )

    if "budget" in f:
        school_exists("budget")

    if "survey" in f:
        sv = f["survey"]
        ctx.report("survey", sv["satisfied"] > sv["valid"], "satisfied", "must not exceed valid (有效问卷数)")

    if "cohorts" in f:
        co = f["cohorts"]
        ctx.report("cohorts", co["deaths"] >= co["entrants_3y_ago"], "deaths", "must be below entrants_3y_ago")

    if "county_indicators" in f and known_indicators is not None:
        ci = f["county_indicators"]
        ids_norm = ci["indicator"].map(lambda v: str(v).strip().upper() if isinstance(v, str) else v).astype(object)
        f["county_indicators"] = ci.assign(indicator=ids_norm)
        ctx.report(
            "county_indicators",
            ids_norm.notna() & ~ids_norm.isin(known_indicators),
            "indicator",
            "not an indicator or veto id of the standard",
        )
        from eduwb.data.values import parse_county_value

        parsed = ci["value"].map(lambda v: parse_county_value(v) if isinstance(v, str) else None)
        # "105%", or "105" for an indicator measured in % (read as 105 %), cannot be true
        fraction = parsed.map(lambda p: p.as_fraction() if p is not None else None)
        is_percent = ids_norm.isin(percent_indicators) | parsed.map(lambda p: p is not None and p.kind == "percent")
        over = is_percent & fraction.map(lambda x: x is not None and x > 1.0 + 1e-9)
        ctx.report("county_indicators", over, "value", "a percentage must not exceed 100%")
        under = is_percent & fraction.map(lambda x: x is not None and x < 0)
        ctx.report("county_indicators", under, "value", "a percentage must not be negative")
        unreadable = ci["value"].notna() & parsed.map(lambda p: p is not None and p.kind == "unreadable")
        ctx.report("county_indicators", unreadable, "value", "must be a number, a percentage or 是/否")


_KIND_STAGE_PAIRS = pd.MultiIndex.from_tuples(
    [(kind, stage) for kind, stages in STAGES_BY_KIND.items() for stage in stages], names=["kind", "stage"]
)


def _fits_kind(kinds: pd.Series, stages: pd.Series) -> pd.Series:
    """Whether each (school kind, stage) pair is allowed — one vectorised lookup."""
    pairs = pd.MultiIndex.from_arrays([kinds.astype(object), stages.astype(object)])
    return pd.Series(pairs.isin(_KIND_STAGE_PAIRS), index=kinds.index)


def _grade_stage(grade: pd.Series) -> pd.Series:
    stage = pd.Series(None, index=grade.index, dtype=object)
    for name, grades in GRADES_BY_STAGE.items():
        stage[grade.isin(list(grades)).fillna(False).to_numpy(dtype=bool)] = name
    return stage


def _check_class_totals(ctx: _Ctx, stage: pd.Series) -> None:
    cls = ctx.frames["classes"].assign(stage=stage)
    totals = (
        cls.dropna(subset=["stage"])
        .groupby(["school_id", "year", "stage"])
        .agg(class_students=("students", "sum"), class_rows=("class_id", "size"))
    )
    sec = ctx.frames["sections"]
    keyed = sec.join(totals, on=["school_id", "year", "stage"])
    years_with_classes = set(cls["year"].dropna())
    compared = keyed["class_rows"].notna()
    ctx.report(
        "sections",
        compared & (keyed["class_students"] != keyed["students"]),
        "students",
        "class rows (classes) do not add up to this total",
        warning=True,
        value=lambda r: f"{r['students']} here, {int(keyed.at[r.name, 'class_students'])} in classes",
    )
    ctx.report(
        "sections",
        compared & (keyed["class_rows"] != keyed["classes"]),
        "classes",
        "number of class rows (classes) differs from this total",
        warning=True,
        value=lambda r: f"{r['classes']} here, {int(keyed.at[r.name, 'class_rows'])} in classes",
    )
    absent = ~compared & keyed["year"].isin(years_with_classes) & keyed["stage"].isin(list(GRADES_BY_STAGE))
    ctx.report("sections", absent, "classes", "no class rows for this school section", warning=True)


def _check_teacher_counts(ctx: _Ctx) -> None:
    t = ctx.frames["teachers"]
    counts = t.groupby(["school_id", "year", "stage"]).size().rename("teacher_rows")
    sec = ctx.frames["sections"]
    keyed = sec.join(counts, on=["school_id", "year", "stage"])
    years = set(t["year"].dropna())
    rows = keyed["teacher_rows"].fillna(0)
    ctx.report(
        "sections",
        keyed["year"].isin(years) & (rows != keyed["teachers"]),
        "teachers",
        "teacher rows (teachers) do not add up to this total",
        warning=True,
        value=lambda r: f"{r['teachers']} here, {int(rows[r.name])} in teachers",
    )


# ----------------------------------------------------------------------------- county.toml


def _read_settings(path: Path | None, default_name: str, problems: list[Problem]) -> CountySettings:
    settings = CountySettings(name=default_name)
    if path is None or not path.exists():
        return settings
    label = path.name
    try:
        raw = tomllib.loads(_decode(path.read_bytes(), label, problems) or "")
    except tomllib.TOMLDecodeError as exc:
        problems.append(Problem(label, None, None, None, f"not valid TOML: {exc}"))
        return settings
    for key in raw:
        if key not in _SETTINGS_KEYS:
            problems.append(Problem(label, None, key, None, f"unknown setting; known: {', '.join(sorted(_SETTINGS_KEYS))}"))
    if "name" in raw:
        settings.name = str(raw["name"])
    settings.code = None if raw.get("code") is None else str(raw["code"])
    if settings.code is not None and not re.fullmatch(r"\d{6}", settings.code):
        problems.append(Problem(label, None, "code", settings.code, "must be a 6-digit administrative code"))
    settings.province = raw.get("province")
    settings.standard = str(raw.get("standard", settings.standard))
    rel = raw.get("relaxations_2019", False)
    if not isinstance(rel, bool):
        problems.append(Problem(label, None, "relaxations_2019", rel, "must be true or false"))
    settings.relaxations_2019 = bool(rel)
    # a hand-written file may give a value where a table belongs; refuse it instead of crashing
    for section in ("class_size", "rotation", "unit_costs"):
        if section in raw and not isinstance(raw[section], dict):
            problems.append(Problem(label, None, section, raw[section], f"must be a table ([{section}])"))
            raw[section] = {}
    milestones = raw.get("class_size", {}).get("milestones", [])
    if not isinstance(milestones, list) or not all(isinstance(m, dict) for m in milestones):
        problems.append(
            Problem(label, None, "class_size.milestones", None, "must be a list of [[class_size.milestones]] tables")
        )
        milestones = []
    for n, m in enumerate(milestones, start=1):
        by, mx = m.get("by"), m.get("max_students")
        if not isinstance(by, int) or isinstance(by, bool):
            problems.append(Problem(label, None, f"class_size.milestones[{n}].by", by, "must be a year"))
        if not (mx == "standard" or (isinstance(mx, int) and not isinstance(mx, bool) and mx > 0)):
            problems.append(
                Problem(label, None, f"class_size.milestones[{n}].max_students", mx, "must be a positive whole number or \"standard\"")
            )
    settings.milestones = sorted((dict(m) for m in milestones), key=lambda m: (str(m.get("by")), str(m.get("max_students"))))
    for section, defaults, target in (("rotation", DEFAULT_ROTATION, settings.rotation), ("unit_costs", DEFAULT_UNIT_COSTS, settings.unit_costs)):
        given = raw.get(section, {})
        for key, value in given.items():
            if key not in defaults:
                problems.append(Problem(label, None, f"{section}.{key}", value, f"unknown key; known: {', '.join(defaults)}"))
            elif isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                problems.append(Problem(label, None, f"{section}.{key}", value, "must be a non-negative number"))
            else:
                target[key] = value
    return settings


# ----------------------------------------------------------------------------- entry point


def _normalise_frames(frames: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Final dtypes: ints without gaps become int64, bool defaults filled, clean RangeIndex."""
    out = {}
    for name, frame in frames.items():
        table = TABLES[name]
        frame = frame.reset_index(drop=True)
        for col in table.columns:
            if col.dtype == "int" and col.required:
                frame[col.name] = frame[col.name].astype("int64")
            elif col.dtype == "bool":
                filled = frame[col.name].fillna(col.default if col.default is not None else False)
                frame[col.name] = filled.astype(bool)
        out[name] = frame
    return out


# The last few datasets loaded in this process, keyed on their files' names, sizes and
# modification times: a report runs four notebooks on one county-year in one worker, and
# each would otherwise read and validate the same files again.
_LOADED: OrderedDict[tuple, Dataset] = OrderedDict()
_LOADED_MAX = 2


def _files_fingerprint(path: Path) -> tuple | None:
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.is_file())
    elif path.is_file():
        files = [path] + ([path.with_suffix(".toml")] if path.with_suffix(".toml").is_file() else [])
    else:
        return None
    return tuple((p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in files)


def _private_copy(ds: Dataset) -> Dataset:
    """A copy the caller may change freely without touching the cached dataset."""
    tables = {name: getattr(ds, name) for name in TABLES}
    return replace(
        ds,
        settings=copy.deepcopy(ds.settings),
        warnings=list(ds.warnings),
        **{name: None if frame is None else frame.copy(deep=True) for name, frame in tables.items()},
    )


def load(path: str | Path, *, standard: str | Path | None = None, cache: bool = True) -> Dataset:
    """Read and validate a county dataset: a folder of CSVs or one ``.xlsx`` workbook.

    Unchanged files loaded again in the same process come from a small cache (as a private
    copy); ``cache=False`` always reads them.

    Parameters
    ----------
    path
        The county folder (with ``schools.csv`` … and an optional ``county.toml``) or a
        workbook (with an optional ``<stem>.toml`` beside it for the county settings).
    standard
        The standard whose indicator ids ``county_indicators`` may use; defaults to the one
        ``county.toml`` names (``moe-2017``).

    Raises
    ------
    DataError
        listing every problem found, each with file, row, column, value and rule.
    """
    path = Path(path)
    fingerprint = _files_fingerprint(path) if cache else None
    key = (str(path.resolve()), fingerprint, None if standard is None else str(standard))
    if fingerprint is not None and key in _LOADED:
        _LOADED.move_to_end(key)
        return _private_copy(_LOADED[key])
    ds = _load(path, standard)
    if fingerprint is not None:
        _LOADED[key] = _private_copy(ds)
        while len(_LOADED) > _LOADED_MAX:
            _LOADED.popitem(last=False)
    return ds


def _load(path: Path, standard: str | Path | None) -> Dataset:
    from eduwb.errors import StandardError
    from eduwb.standards import list_standards, load_standard

    problems: list[Problem] = []
    if not path.exists():
        raise DataError([Problem(str(path), None, None, None, "no such folder or workbook")])
    if path.is_dir():
        settings_path = path / "county.toml"
        settings = _read_settings(settings_path, path.name, problems)
        raws = _read_folder(path, problems)
    elif path.suffix.lower() in (".xlsx", ".xlsm"):
        settings_path = path.with_suffix(".toml")
        settings = _read_settings(settings_path, path.stem, problems)
        raws = _read_workbook(path, problems)
    else:
        raise DataError([Problem(str(path), None, None, None, "must be a county folder of CSV files or an .xlsx workbook")])

    frames: dict[str, pd.DataFrame] = {}
    for name, raw in raws.items():
        table = TABLES[name]
        frame = _parse(raw, table, problems)
        _check_schema(frame, raw, table, problems)
        if table.required and frame.empty:
            # a header without rows would pass every rule and leave nothing to measure
            problems.append(Problem(raw.label, None, None, None, f"no data rows: {name} ({table.zh}) is required"))
        frames[name] = frame

    # a standard file named in county.toml is found beside county.toml, not in the working directory
    if standard is None and settings.standard not in list_standards():
        beside = settings_path.parent / settings.standard
        if not Path(settings.standard).is_absolute() and beside.exists():
            settings.standard = str(beside)

    known: set[str] | None = None
    percent: set[str] = set()
    try:
        # county_indicators are written for the county's own standard; an analysis under
        # another standard (--standard moe-2012) must not refuse them.
        standards = [load_standard(settings.standard if standard is None else standard)]
        if standard is not None:
            try:
                standards.append(load_standard(settings.standard))
            except StandardError:
                pass  # the requested standard is the one that matters here
        known = set()
        for std in standards:
            known |= {i.id for i in std.indicators} | {v["id"] for v in std.vetoes}
            percent |= {i.id for i in std.indicators if i.unit == "%"}
    except StandardError as exc:
        where, given = ("--standard", str(standard)) if standard is not None else (settings_path.name, settings.standard)
        # a standard's own message may span lines; the CLI prints one line per problem
        message = "; ".join(line.strip() for line in str(exc).splitlines() if line.strip())
        problems.append(Problem(where, None, "standard", given, message))

    warnings: list[Problem] = []
    # Cross-table rules run even when cells failed to parse (those cells are NA and compare
    # as "no problem"), so one pass reports everything a person must fix.
    if all(t in frames for t in REQUIRED_TABLES):
        ctx = _Ctx(frames, raws)
        _cross_check(ctx, known, percent)
        problems.extend(ctx.problems)
        warnings = ctx.warnings
    if problems:
        raise DataError(problems)

    frames = _normalise_frames(frames)
    return Dataset(path=path, name=settings.name, settings=settings, warnings=warnings, **frames)
