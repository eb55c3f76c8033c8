"""What the chapters (``*_chapter.py``) share, so that a notebook only wires calls.

A chapter shows one section per method: its words, chart and table, or one plain sentence
saying what the section cannot show and why (no table of 缺数据 rows, no empty chart). The
numbers come from :mod:`eduwb.analysis`; nothing in a chapter computes an indicator.
"""

from __future__ import annotations

from functools import cached_property

import matplotlib.pyplot as plt
import pandas as pd

from eduwb.present import md, show_table, t


class Chapter:
    """A chapter's sections for one county, year and stage (``stage=None``: every stage)."""

    def __init__(self, ds, std, year: int, stage: str | None = None, lang: str = "zh"):
        self.ds, self.std, self.year, self.stage, self.lang = ds, std, year, stage, lang
        self.at = {"year": year, "stage": stage}  # the analysis functions' options for both

    def t(self, zh: str, en: str) -> str:
        return t(zh, en, self.lang)

    def md(self, zh: str, en: str | None = None) -> None:
        """Markdown: ``zh`` or ``en`` by the chapter's language (``zh`` alone: already in it)."""
        md(zh if en is None else t(zh, en, self.lang))

    def chart(self, draw, *args) -> None:
        """Show the figure ``draw(*args, lang)``."""
        draw(*args, self.lang)
        plt.show()

    def localise(self, df: pd.DataFrame, name: str) -> pd.DataFrame:
        """The copy of analysis table ``name`` to show people (each chapter's charts say how)."""
        return df

    def missing(self, why: tuple[str, str], what: tuple[str, str]) -> bool:
        """Say that ``what`` cannot be shown for want of data, and ``why`` (each Chinese, English)."""
        self.md(
            f"**缺数据**：{why[0]}，无法显示{what[0]}。",
            f"**Missing data**: {why[1]}, so {what[1]} cannot be shown.",
        )
        return True

    def show_table(
        self, df: pd.DataFrame, name: str, zh: str, en: str, columns=None, localised=False, **options
    ) -> None:
        """Table ``name`` under the title ``zh`` / ``en``: its display copy (unless ``localised``
        already), those ``columns`` of it; ``options`` as :func:`eduwb.present.show_table`'s."""
        shown = df if localised else self.localise(df, name)
        shown = shown if columns is None else shown[columns]
        show_table(shown, name, title=t(zh, en, self.lang), lang=self.lang, **options)


def analysed(table) -> cached_property:
    """A chapter's result of the analysis function ``table(ds, std, year=, stage=)``, computed
    once (several sections show it)."""
    return cached_property(lambda self: table(self.ds, self.std, **self.at))
