"""A small typed exception hierarchy: every error a user may see derives from EduwbError.

The CLI prints ``str(error)`` (one line per problem) and exits without a traceback unless
``--debug`` is given.
"""

from __future__ import annotations

from dataclasses import dataclass


class EduwbError(Exception):
    """Base class of every error eduwb reports to a user."""

    exit_code = 1


class StandardError(EduwbError):
    """A standard file is missing, malformed or inconsistent."""


class ParameterError(EduwbError):
    """A parameter given by the user (CLI option, notebook parameter) is not acceptable."""

    exit_code = 2


class AnalysisError(EduwbError):
    """The data are valid but an analysis cannot be carried out (e.g. a stage without pupils)."""


@dataclass(frozen=True)
class Problem:
    """One broken rule in a dataset, located as a person would find it.

    ``row`` is the line number a person sees in a text editor or Excel (the header is row 1),
    or ``None`` when the problem concerns a whole file or column.
    """

    file: str
    row: int | None
    column: str | None
    value: object
    rule: str
    severity: str = "error"

    def __str__(self) -> str:
        parts = [self.file]
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column is not None:
            parts.append(f"column '{self.column}'")
        where = ", ".join(parts)
        value = "" if self.value is None else f" value {self.value!r}:"
        return f"{self.severity}: {where}:{value} {self.rule}"


class DataError(EduwbError):
    """A dataset breaks one or more rules of the data dictionary; all problems are listed."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))
