"""What the chapters' sections (``*_chapter.py``) share: the county, year, stage and language,
and the three things a section shows — a sentence, a chart, a table."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd

from eduwb.present import md, show_table, t


class Chapter:
    """A chapter's sections for one county, year and stage (``stage=None``: every stage)."""

    def __init__(self, ds, std, year: int, stage: str | None = None, lang: str = "zh"):
        self.ds, self.std, self.year, self.stage, self.lang = ds, std, year, stage, lang

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

    def show_table(
        self, df: pd.DataFrame, name: str, zh: str, en: str, columns=None, localised=False, **options
    ) -> None:
        """Table ``name`` under the title ``zh`` / ``en``: its display copy (unless ``localised``
        already), those ``columns`` of it; ``options`` as :func:`eduwb.present.show_table`'s."""
        shown = df if localised else self.localise(df, name)
        shown = shown if columns is None else shown[columns]
        show_table(shown, name, title=t(zh, en, self.lang), lang=self.lang, **options)
