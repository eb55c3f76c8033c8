"""The second pass of :func:`eduwb.data.dataset.load`: typed columns from the text of a table
(each distinct text handled once), then the dictionary's column rules, naming every failing cell.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from eduwb import names
from eduwb.data import limits
from eduwb.data.read import Raw, Text, norm
from eduwb.data.schema import ENUM_SYNONYMS, FALSE_VALUES, TRUE_VALUES, Table
from eduwb.errors import Problem, ProblemList


def _enum_lookup(col_name: str, enum: dict[str, str]) -> dict[str, str]:
    lookup = {norm(code): code for code in enum}
    lookup.update({norm(label): code for code, label in enum.items()})
    lookup.update({norm(k): v for k, v in ENUM_SYNONYMS.get(col_name, {}).items()})
    return lookup


def add_rows(
    problems: ProblemList, label: str, rows, header: str, values, rule: str, severity: str = "error"
) -> None:
    """A problem for each row number in ``rows`` (only those the list keeps are built), showing
    ``values``: a Series by row number, a function of the row number, or one value for all."""
    take = problems.wants(label, header, rule, severity)
    for row in rows[:take]:
        value = values(row) if callable(values) else values[row] if isinstance(values, pd.Series) else values
        problems.append(Problem(label, int(row), header, value, rule, severity))
    problems.count(label, header, rule, len(rows) - min(take, len(rows)), severity)


def parse_table(raw: Raw, table: Table, problems: list[Problem]) -> pd.DataFrame:
    """Typed columns from text; every cell that does not parse becomes a problem."""
    index = raw.index
    out: dict[str, Any] = {}
    for col in table.columns:
        column = raw.columns[col.name]
        header = raw.headers.get(col.name, col.name)
        is_text = isinstance(column, Text)
        blank = column.blank if is_text else np.isnan(column)
        if col.required and blank.any():
            add_rows(problems, raw.label, index[blank], header, "", "a value is required")
        if col.dtype == "text":
            out[col.name] = _parse_text(raw, table, col, column, header, problems)
        elif col.dtype in ("int", "number"):
            out[col.name] = _parse_numbers(raw, table, col, column, blank, header, problems)
        elif col.dtype == "bool":
            out[col.name] = _parse_bool(raw, col, column, header, problems)
        elif col.dtype == "enum":
            out[col.name] = _parse_enum(raw, col, column, header, problems)
    frame = pd.DataFrame(out, copy=False)
    frame.index = index
    return frame


def _parse_text(raw: Raw, table: Table, col, column: Text, header: str, problems: list[Problem]) -> pd.Series:
    """A text column: too long, or hidden characters in a name or id, is a problem (and NaN)."""
    longest = limits.max_chars(table.name, col.name)
    bad_uniques = np.array([len(u) > longest for u in column.uniques], dtype=bool)
    refusals = [(bad_uniques.copy(), f"is longer than {longest:,} characters")]
    if f"{table.name}.{col.name}" in limits.NAME_COLUMNS | limits.ID_COLUMNS:
        hidden = np.array([bool(names.HIDDEN.search(u)) for u in column.uniques], dtype=bool) & ~bad_uniques
        rule = "must not contain control characters or invisible formatting characters"
        refusals.append((hidden, rule))
        bad_uniques |= hidden
    for refused, rule in refusals:
        if refused.any():
            rows = raw.index[column.rows(refused)]
            add_rows(problems, raw.label, rows, header, raw.text_of(col.name), rule)
    values = column.uniques.copy()
    values[bad_uniques] = np.nan
    raw.codes[col.name] = _value_codes(column, values)
    # an empty cell is NaN (as pandas' where() and map() give)
    return pd.Series(column.mapped(values, np.nan), dtype=object, copy=False)


def _parse_bool(raw: Raw, col, column: Text, header: str, problems: list[Problem]) -> np.ndarray:
    """A yes/no column as booleans; a cell that is neither is a problem."""
    index = raw.index
    lowered = np.array([u.lower() for u in column.uniques], dtype=object)
    truthy = np.isin(lowered, TRUE_VALUES)
    falsy = np.isin(lowered, FALSE_VALUES)
    bad = column.rows(~truthy & ~falsy)
    rule = "must be yes/no (是/否, true/false, 1/0)"
    add_rows(problems, raw.label, index[bad], header, raw.text_of(col.name) if bad.any() else None, rule)
    # the final column: an empty cell takes the column's default (no rule reads yes/no cells)
    default = bool(col.default) if col.default is not None else False
    return np.append(np.where(truthy | falsy, truthy, default), default)[column.codes]


def _parse_enum(raw: Raw, col, column: Text, header: str, problems: list[Problem]) -> pd.Series:
    """A coded column: each spelling of a code (or its label) read as the code."""
    index = raw.index
    lookup = _enum_lookup(col.name, col.enum or {})
    # normalise each distinct spelling once, then map the column
    codes = np.array([lookup.get(norm(u)) for u in column.uniques], dtype=object)
    bad = column.rows(np.array([c is None for c in codes], dtype=bool))
    allowed = ", ".join(f"{c} {label}" for c, label in (col.enum or {}).items())
    rule = f"must be one of: {allowed}"
    add_rows(problems, raw.label, index[bad], header, raw.text_of(col.name) if bad.any() else None, rule)
    # an empty or unknown cell is NaN, or None when the column has no code at all (as
    # pandas' map() gives: golden tables compare both ways)
    empty = None if column.blank.all() or all(c is None for c in codes) else np.nan
    unknown = pd.isna(codes)
    codes[unknown] = empty
    raw.codes[col.name] = _value_codes(column, codes)
    return pd.Series(column.mapped(codes, empty), dtype=object, copy=False)


def _value_codes(column: Text, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each row's code among the distinct final values (-1: empty or refused), and those values."""
    codes, distinct = pd.factorize(values, use_na_sentinel=True)
    return np.append(codes, -1)[column.codes], np.asarray(distinct, dtype=object)


# A whole number beyond this cannot be held exactly (and a count of it is nonsense anyway).
_SAFE_INTEGER = 2.0**53


def _parse_numbers(
    raw: Raw, table: Table, col, column, blank: np.ndarray, header: str, problems
) -> pd.Series:
    index = raw.index
    if isinstance(column, Text):
        # thousands separators are allowed ("1,234" and "1，234"); each spelling is read once
        cleaned = (
            pd.Series(column.uniques, dtype=object)
            .str.replace(",", "", regex=False)
            .str.replace("，", "", regex=False)
        )
        parsed = pd.to_numeric(cleaned, errors="coerce").astype("float64").to_numpy()
        numbers = column.mapped(parsed, np.nan).astype("float64")
    else:
        numbers = column
    known = ~blank & ~np.isnan(numbers)
    bad = ~blank & np.isnan(numbers)
    if col.dtype == "int":
        with np.errstate(invalid="ignore"):
            bad |= known & (numbers != np.floor(numbers))
        rule = "must be a whole number"
    else:
        rule = "must be a number"
    bad |= known & ~np.isfinite(numbers)
    text = None
    if bad.any():
        text = raw.text_of(col.name)
        add_rows(problems, raw.label, index[bad], header, text, rule)
    ok = known & ~bad
    upper = limits.max_value(table.name, col.name)
    low = f"must be ≥ {col.min:g}" if col.min is not None else f"must be > {col.gt:g}"
    bounds = [] if upper is None else [(numbers > upper, f"must be at most {upper:,}")]
    # far below zero: the lower bound's own rule (kept out of the whole-number conversion)
    for outside, rule in [*bounds, (numbers < -_SAFE_INTEGER, low)]:
        outside &= ok
        if outside.any():
            text = raw.text_of(col.name) if text is None else text
            add_rows(problems, raw.label, index[outside], header, text, rule)
            bad |= outside
    numbers = np.where(bad, np.nan, numbers)
    if col.dtype == "int":
        missing = np.isnan(numbers)
        whole = np.where(missing, 0, np.round(numbers)).astype(np.int64)
        if col.required and not missing.any():
            return whole  # the final dtype already (a gap would be a refused cell)
        return pd.arrays.IntegerArray(whole, missing)
    return numbers


def check_schema(frame: pd.DataFrame, raw: Raw, table: Table, problems: list[Problem]) -> None:
    """The dictionary's column rules on typed columns: bounds (a blank passes), unique columns and
    key; every duplicated row is named, not only the second of a pair."""
    for col in table.columns:
        values, failing = frame[col.name], []
        if col.min is not None or col.gt is not None:
            numbers = values.to_numpy(dtype="float64", na_value=np.nan)
            if col.min is not None:
                failing.append((numbers < col.min, f"must be ≥ {col.min:g}"))
            if col.gt is not None:
                failing.append((numbers <= col.gt, f"must be > {col.gt:g}"))
        if col.unique:
            duplicated = values.duplicated(keep=False).to_numpy()
            failing.append((duplicated, f"duplicate {col.name}: must be unique"))
        header = raw.headers.get(col.name, col.name)
        for mask, rule in failing:
            add_rows(problems, raw.label, values.index[mask], header, lambda r, v=values: plain(v[r]), rule)
    if table.key and len(table.key) > 1:
        columns = []
        for name in table.key:
            parsed = raw.codes.get(name)
            # the codes of parsing (an empty cell is -1, one more value, as duplicated() counts it)
            columns.append(frame[name].array if parsed is None else parsed[0])
        keys = row_keys(*columns, dropna=False)
        duplicated = np.bincount(keys)[keys] > 1
        key = list(table.key)

        def shown(row):
            return " × ".join(str(plain(frame.at[row, name])) for name in key)

        rule = f"duplicate {' × '.join(key)}: must be unique"
        header = raw.headers.get(key[-1], key[-1])
        add_rows(problems, raw.label, frame.index[duplicated], header, shown, rule)


def row_keys(*columns, dropna: bool = True) -> np.ndarray:
    """One integer per row: equal keys ⇔ equal values in every column; -1 for a missing value
    (with ``dropna``; otherwise missing values match each other)."""
    key = np.zeros(len(columns[0]), dtype=np.int64)
    for column in columns:
        codes, uniques = pd.factorize(column, use_na_sentinel=dropna)
        key = np.where((key < 0) | (codes < 0), -1, key * max(len(uniques), 1) + codes)
        valid = key >= 0
        key[valid] = pd.factorize(key[valid])[0]  # renumbered, so the next column cannot overflow
    return key


def plain(value: object) -> object:
    if value is pd.NA or value is pd.NaT or (isinstance(value, float) and np.isnan(value)):
        return None  # a blank cell: the message shows no value rather than "nan"
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, np.generic):
        return value.item()
    return value
