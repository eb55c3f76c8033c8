"""A mapping's ``extract`` regular expressions, run safely.

A mapping file comes from outside (a province analyst, a colleague's e-mail), so its
patterns are untrusted: a pattern like ``^((?:a+)+)$`` backtracks for hours on a short cell
with Python's ``re``. Patterns are compiled with the ``regex`` package and searched with a
time limit, and a pattern that repeats a repetition (``(a+)+``, ``(\\d*)*``) — the usual
cause of catastrophic backtracking — is refused when the mapping is loaded.
"""

from __future__ import annotations

import regex

SEARCH_TIMEOUT = 0.5  # seconds per cell; the regex package checks it now and then, so allow ~1 s
MAX_PATTERN = 200  # characters: a cell-value pattern is short

# a quantifier that allows more than one repetition (``?`` and ``{n}`` do not)
_QUANTIFIER = regex.compile(r"[+*]|\{\d*,\d*\}|\{\d{2,}\}")


class PatternTimeout(Exception):
    """A search took longer than :data:`SEARCH_TIMEOUT`."""


def nested_repetition(pattern: str) -> bool:
    """Whether a repeated group holds a repetition itself (``(a+)+``, ``(?:x{2,})*``).

    A small scan of the pattern text: escapes and character classes are skipped, each open
    group remembers whether it holds an unbounded quantifier, and a group that does and is
    itself repeated is reported. ``?`` and ``{n}`` (bounded) do not count.
    """
    held = [False]  # per open group: it holds a repetition
    i, in_class = 0, False
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            i += 2
            continue
        if in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
            if pattern[i + 1 : i + 2] == "]":
                i += 1
        elif ch == "(":
            held.append(False)
        elif ch == ")" and len(held) > 1:
            inner = held.pop()
            repeated = _QUANTIFIER.match(pattern, i + 1) is not None
            if inner and repeated:
                return True
            held[-1] = held[-1] or inner or repeated
        elif _QUANTIFIER.match(pattern, i):
            held[-1] = True
        i += 1
    return False


def compile_extract(pattern: object) -> tuple[regex.Pattern | None, str | None]:
    """The compiled pattern, or ``None`` and the reason it is refused (bilingual)."""
    if not isinstance(pattern, str):
        return None, "extract 必须是含一个括号组的正则 must be a regular expression with one group"
    if len(pattern) > MAX_PATTERN:
        return None, f"extract 过长 too long ({len(pattern)} > {MAX_PATTERN} characters)"
    try:
        compiled = regex.compile(pattern)
    except regex.error as exc:
        return None, f"extract 不是正则表达式 not a regular expression: {exc}"
    if compiled.groups != 1:
        return None, "extract 必须是含一个括号组的正则 must be a regular expression with one group"
    if nested_repetition(pattern):
        return None, (
            f"extract {pattern!r} 含嵌套的重复（如 (a+)+），可能回溯失控，请改写 has a repetition inside a "
            "repetition (like (a+)+), which can backtrack without end: rewrite it (e.g. (a+))"
        )
    return compiled, None


def search(pattern: regex.Pattern, text: str):
    """``pattern.search(text)`` within :data:`SEARCH_TIMEOUT` (raises :class:`PatternTimeout`)."""
    try:
        return pattern.search(text, timeout=SEARCH_TIMEOUT)
    except TimeoutError:
        raise PatternTimeout(pattern.pattern) from None
