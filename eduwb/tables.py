"""The registry behind ``eduwb table NAME``: every table a notebook shows, by name.

Each entry is a function ``fn(ds, std, *, year=None, stage=None, **options) -> DataFrame`` of
the analysis module of its concern, with a one-line description (``tables.toml``). ``import
eduwb`` stays light because only the CLI's ``table`` command and the tests import this module;
the names and descriptions (:data:`CATALOGUE`) need no import at all, and :data:`REGISTRY`
imports the analyses when first used.
"""

from __future__ import annotations

import importlib
import tomllib
from collections.abc import Callable
from functools import cache, partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from eduwb.errors import ParameterError

if TYPE_CHECKING:
    import pandas as pd

TableFunction = Callable[..., "pd.DataFrame"]

with open(Path(__file__).with_name("tables.toml"), "rb") as _file:
    _TABLES = tomllib.load(_file)

#: name → (module of eduwb.analysis, its function, description): what ``eduwb --help`` lists,
#: without importing pandas and the analyses (:data:`REGISTRY` has the functions themselves)
CATALOGUE: dict[str, tuple[str, str, str]] = {
    name: (*entry["at"].split("."), entry["en"]) for name, entry in _TABLES.items()
}
#: The tables in Chinese, for ``eduwb table --help`` (name → Chinese description).
CATALOGUE_ZH = {name: entry["zh"] for name, entry in _TABLES.items()}


def _function(module: str, function: str) -> TableFunction:
    """``function`` of ``eduwb.analysis.module``; ``tables[key]``: the ``key`` table of the dict
    ``tables`` returns (several tables from one computation, such as the pathway's)."""
    function, _, key = function.removesuffix("]").partition("[")
    fn = getattr(importlib.import_module(f"eduwb.analysis.{module}"), function)
    return partial(_one_of, fn, key) if key else fn


def _one_of(tables: Callable[..., dict], key: str, ds, std, **options) -> pd.DataFrame:
    return tables(ds, std, **options)[key]


@cache
def _registry() -> dict[str, tuple[TableFunction, str]]:
    """name → (function, description), the analyses imported on first use."""
    return {
        name: (_function(module, function), description)
        for name, (module, function, description) in CATALOGUE.items()
    }


def __getattr__(name: str) -> Any:
    if name == "REGISTRY":  # ``from eduwb.tables import REGISTRY``: the functions, imported now
        return _registry()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def table_function(name: str) -> TableFunction:
    """The function behind a table name, or a usage error listing the names."""
    if name not in CATALOGUE:
        raise ParameterError(f"unknown table {name!r}; choose one of: {', '.join(CATALOGUE)}")
    return _registry()[name][0]


def compute(
    name: str, ds, std, *, year: int | None = None, stage: str | None = None, **options
) -> pd.DataFrame:
    return table_function(name)(ds, std, year=year, stage=stage, **options)
