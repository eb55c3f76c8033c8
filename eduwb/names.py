"""One check for every name eduwb shows (a county's, a folder's, a file's), which reaches a
terminal, a PDF's cover, a workbook and file names.

From ``county.toml`` a name is refused when it breaks a rule (:func:`name_problem`); taken from
a folder or file name, which a county cannot be asked to fix first, it is shown escaped
(:func:`shown`): control and invisible formatting characters (``ESC``, right-to-left overrides,
zero-width spaces) become visible escapes such as ``\\x1b``, never sent to a terminal or
typeset as they are. Only the standard library is imported here.
"""

from __future__ import annotations

import re

#: Characters a name must not hold: controls, and the invisible ones that reorder or hide
#: text (bidirectional overrides and isolates, zero-width spaces, byte-order marks).
HIDDEN = re.compile("[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")


def _max_chars() -> int:
    from eduwb.data import limits

    return limits.MAX_NAME_CHARS


def name_problem(value: object) -> str | None:
    """Why ``value`` cannot be used as a name (None when it can)."""
    if not isinstance(value, str):
        return "must be text: the county's name in quotes"
    if not value.strip():
        return "must not be empty"
    if len(value) > _max_chars():
        return f"is longer than {_max_chars():,} characters"
    if HIDDEN.search(value):
        return "must not contain control characters or invisible formatting characters"
    return None


def escape_hidden(text: str) -> str:
    """``text`` with each control or invisible formatting character written as an escape."""
    return HIDDEN.sub(lambda m: m.group(0).encode("unicode_escape").decode("ascii"), text)


def shown(name: str, limit: int | None = None) -> str:
    """The name as it may be shown anywhere: hidden characters escaped, at most ``limit``
    characters (:data:`~eduwb.data.limits.MAX_NAME_CHARS` by default; a cut name ends in …)."""
    limit = _max_chars() if limit is None else limit
    text = escape_hidden(name).strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"
