"""The one way eduwb chooses between its two languages (base: every layer may import it).

Every bilingual word is a ``(zh, en)`` pair and :func:`pick` chooses from it; no other module
compares ``lang`` with a language. The pairs of punctuation that differ between the languages live here
too, since sentences are written in several layers (the scorecard's evidence, the template's
comments, the dashboard, the report).
"""

from __future__ import annotations

from typing import TypeVar

LANGS = ("zh", "en")

#: Punctuation that differs between the languages: between the items of a list, between
#: clauses, and after a label.
LIST_SEP = ("、", ", ")
CLAUSE_SEP = ("；", "; ")
COLON = ("：", ": ")
#: Between the parts of one sentence (a threshold given per stage, for instance).
COMMA = ("，", ", ")

_T = TypeVar("_T")


def pick(pair: tuple[_T, _T], lang: str) -> _T:
    """The Chinese or the English of a ``(zh, en)`` pair: the one way eduwb chooses its words.

    Usually a pair of strings; a pair of anything else (the keyword arguments of a label that
    is set differently in each language, a mapping used in one language only) chooses the
    same way.
    """
    return pair[0] if lang == "zh" else pair[1]


def name_before_number(name: str) -> str:
    """``name`` as written before a number: followed by a space when it ends in a digit, so
    that a year does not run into it ("示例县01 2025年", never "示例县012025年")."""
    return f"{name} " if name[-1:].isdigit() else name
