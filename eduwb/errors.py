"""A small typed exception hierarchy: every error a user may see derives from EduwbError.

The CLI prints ``str(error)`` (one line per problem) and exits without a traceback unless
``--debug`` is given.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

#: Longest value a message quotes; a longer one is cut and its length given.
SHOWN_VALUE_CHARS = 80
#: Longest path a message quotes: a real path is never cut (PATH_MAX is 4096), a hostile one is.
SHOWN_PATH_CHARS = 4096


class EduwbError(Exception):
    """Base class of every error eduwb reports to a user."""

    exit_code = 1


class StandardError(EduwbError):
    """A standard file is missing, malformed or inconsistent."""


class ParameterError(EduwbError):
    """A parameter given by the user (CLI option, notebook parameter) is not acceptable."""

    exit_code = 2


class OutputError(EduwbError):
    """A file or folder could not be written (a read-only or full disk, no permission, a file
    where a folder is needed): the message names the path and what failed."""


_OS_REASONS = {
    "EROFS": "只读文件系统 read-only file system",
    "ENOSPC": "磁盘已满 no space left on device",
    "EDQUOT": "超出磁盘配额 disk quota exceeded",
    "EACCES": "没有权限 permission denied",
    "EPERM": "没有权限 operation not permitted",
    "ENOTDIR": "路径中有一个文件而不是文件夹 a file stands where a folder is needed",
    "EEXIST": "已有同名文件 a file of that name is in the way",
    "EISDIR": "这是一个文件夹 it is a folder",
    "ENAMETOOLONG": "名称过长 name too long",
    "ENOENT": "没有这个文件或文件夹 no such file or folder",
}


def os_error(exc: OSError, path: object = None, doing: str = "无法写入 cannot write") -> OutputError:
    """An :class:`OutputError` naming the path (``path``, else ``exc``'s own) and what failed."""
    import errno

    where = path if path is not None else exc.filename
    code = errno.errorcode.get(exc.errno or 0, "")
    reason = _OS_REASONS.get(code) or exc.strerror or type(exc).__name__
    shown = "" if where is None else f"{_printable(str(where), SHOWN_PATH_CHARS)}: "
    return OutputError(f"{shown}{doing}: {reason}" + (f" ({code})" if code else ""))


class InputError(ParameterError):
    """A value given to an interactive tool (the dashboard's simulator) that cannot be used:
    ``words`` the message as a ``(zh, en)`` pair (``str()`` gives both, :meth:`say` one);
    ``name`` the input and ``value`` the value refused, for callers that point at the field."""

    def __init__(self, words: tuple[str, str], *, name: str, value: object):
        self.words = words
        self.name = name
        self.value = value
        super().__init__(f"{words[0]} / {words[1]}")

    def say(self, lang: str) -> str:
        from eduwb.lang import pick

        return pick(self.words, lang)


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
        """``错误：… / error: …``; in English only, never half translated, when the catalogue
        (:mod:`eduwb.data.rulewords`) has no Chinese for the rule."""
        chinese = self.chinese()
        return self.english() if chinese is None else f"{chinese} / {self.english()}"

    def english(self) -> str:
        """``error: sections.csv, row 6, column 'students': value 0: must be > 0``."""
        parts = [_printable(self.file, SHOWN_PATH_CHARS)]
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column is not None:
            parts.append(f"column '{_printable(str(self.column))}'")
        where = ", ".join(parts)
        value = "" if self.value is None else f" value {_shown(self.value)}:"
        return f"{self.severity}: {where}:{value} {self.rule}"

    def rule_zh(self) -> str | None:
        """The rule in Chinese, or None when the catalogue has no entry for it."""
        from eduwb.data.rulewords import zh

        return zh(self.rule)

    def chinese(self) -> str | None:
        """``错误：sections.csv 第 6 行 “students” 列：值 0：必须 > 0`` (None without a catalogue entry)."""
        from eduwb.data.rulewords import severity_zh, value_zh

        rule = self.rule_zh()
        if rule is None:
            return None
        where = _SHEET.sub(r"[工作表 \1]", _printable(self.file, SHOWN_PATH_CHARS))
        if self.row is not None:
            where += f" 第 {self.row} 行"
        if self.column is not None:
            where += f" “{_printable(str(self.column))}” 列"
        value = "" if self.value is None else f"值 {_shown(value_zh(self.value))}："
        return f"{severity_zh(self.severity)}：{where}：{value}{rule}"


_SHEET = re.compile(r"\[sheet ([^\]]*)\]")


def _printable(text: str, limit: int = SHOWN_VALUE_CHARS) -> str:
    """File and column names as written, with control and invisible formatting characters shown as
    escapes (never sent to the terminal as they are: no ESC sequence, no right-to-left override)
    and a long name cut short."""
    from eduwb.names import escape_hidden

    text = escape_hidden(text)
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text):,} characters)"


def _shown(value: object) -> str:
    """``repr`` of a value, cut short when long: a ten-megabyte cell is named, not printed."""
    if isinstance(value, str) and len(value) > SHOWN_VALUE_CHARS:
        return f"{value[:SHOWN_VALUE_CHARS]!r}… ({len(value):,} characters)"
    text = repr(value)
    return (
        text
        if len(text) <= SHOWN_VALUE_CHARS + 2
        else f"{text[:SHOWN_VALUE_CHARS]}… ({len(text):,} characters)"
    )


class ProblemList(list):
    """A list of problems that keeps the first ``per_rule`` of each file × column × rule and
    ``total`` in all (defaults: :mod:`eduwb.data.limits`), and counts the rest; :meth:`finished`
    adds one line per rule saying how many were left out."""

    def __init__(self, per_rule: int | None = None, total: int | None = None):
        super().__init__()
        from eduwb.data import limits

        self.per_rule = limits.MAX_PROBLEMS_PER_RULE if per_rule is None else per_rule
        self.total = limits.MAX_PROBLEMS if total is None else total
        self._seen: Counter = Counter()
        self._hidden: Counter = Counter()
        self._over_total = Counter()

    def wants(self, file: str, column: str | None, rule: str, severity: str = "error") -> int:
        """How many more problems of this rule would be kept (the caller need not build more)."""
        return max(0, min(self.per_rule - self._seen[(file, column, rule, severity)], self.total - len(self)))

    def append(self, problem: Problem) -> None:  # type: ignore[override]
        key = (problem.file, problem.column, problem.rule, problem.severity)
        self._seen[key] += 1
        if self._seen[key] > self.per_rule:
            self._hidden[key] += 1
        elif len(self) >= self.total:
            self._over_total[problem.severity] += 1
        else:
            super().append(problem)

    def extend(self, problems) -> None:  # type: ignore[override]
        for problem in problems:
            self.append(problem)

    def merge(self, other: ProblemList) -> None:
        """Take in the problems of ``other``, listed and counted."""
        self.extend(other)
        for (file, column, rule, severity), n in other._hidden.items():
            self.count(file, column, rule, n, severity)
        for severity, n in other._over_total.items():
            self._over_total[severity] += n

    def count(self, file: str, column: str | None, rule: str, n: int, severity: str = "error") -> None:
        """Count ``n`` problems of a rule that were not built (beyond what :meth:`wants` asked for)."""
        if n <= 0:
            return
        key = (file, column, rule, severity)
        self._seen[key] += n
        self._hidden[key] += n

    def hidden(self, severity: str = "error") -> int:
        return sum(n for key, n in self._hidden.items() if key[3] == severity) + self._over_total[severity]

    def finished(self) -> list[Problem]:
        """The problems kept, then one line per rule with problems left out, then the overall count."""
        out = list(self)
        for (file, column, rule, severity), n in self._hidden.items():
            out.append(
                Problem(file, None, column, None, f"{rule} — and {n:,} more like this, not listed", severity)
            )
        left = sum(self._over_total.values())
        if left:
            severity = "error" if self._over_total["error"] else "warning"
            rule = (
                f"stopped listing after {self.total:,} problems: {left:,} "
                "more not listed; fix these and validate again"
            )
            out.append(Problem(out[-1].file if out else "data", None, None, None, rule, severity))
        return out


class DataError(EduwbError):
    """A dataset breaks one or more rules of the data dictionary; all problems are listed."""

    def __init__(self, problems: list[Problem]):
        #: Every error found, listed or only counted.
        self.error_count = sum(p.severity == "error" for p in problems)
        if isinstance(problems, ProblemList):
            self.error_count += problems.hidden("error")
            problems = problems.finished()
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))
