"""Presentation helpers for the notebooks: fonts, labels, tables, headings.

Nothing here computes an indicator. ``show_table`` displays a table as styled HTML and, in
the same output, a machine-readable copy (mime type ``application/vnd.eduwb.table+json``)
from which the report writes its Excel workbook — so the workbook holds exactly the tables
the report shows.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable

import pandas as pd

from eduwb.errors import EduwbError
from eduwb.present.figures import DPI, use_figure_png
from eduwb.present.words import column_label

TABLE_MIME = "application/vnd.eduwb.table+json"
CJK_FONTS = ("Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "WenQuanYi Zen Hei", "Microsoft YaHei", "SimHei")

_STATE = {"lang": "zh"}


def t(zh: str, en: str, lang: str | None = None) -> str:
    """Pick the Chinese or English text."""
    return zh if (lang or _STATE["lang"]) == "zh" else en


def cjk_font() -> str:
    """The first installed CJK font family, or a loud error (never tofu boxes)."""
    from matplotlib import font_manager

    installed = {f.name for f in font_manager.fontManager.ttflist}
    for family in CJK_FONTS:
        if family in installed:
            return family
    # The cache may predate a font installed since; rebuild once before giving up.
    font_manager._load_fontmanager(try_read_cache=False)  # noqa: SLF001 - documented way to refresh
    installed = {f.name for f in font_manager.fontManager.ttflist}
    for family in CJK_FONTS:
        if family in installed:
            return family
    raise EduwbError(
        "no CJK font found for charts: install Noto Sans CJK SC "
        "(Debian/Ubuntu: apt-get install fonts-noto-cjk; `make setup` does it when run as root)"
    )


def setup(lang: str = "zh") -> str:
    """Prepare a notebook: CJK font for matplotlib, crisp figures, display options.

    Returns the font family in use.
    """
    import matplotlib

    if lang not in ("zh", "en"):
        raise EduwbError(f"lang must be 'zh' or 'en', not {lang!r}")
    _STATE["lang"] = lang
    family = cjk_font()
    matplotlib.rcParams.update(
        {
            "font.family": "sans-serif",
            "font.sans-serif": [family, "DejaVu Sans"],
            "axes.unicode_minus": False,
            "figure.dpi": DPI,
            "savefig.dpi": "figure",  # one resolution: what the notebook shows is what prints
            "figure.figsize": (8, 4.2),
            "axes.spines.top": False,
            "axes.spines.right": False,
            "svg.hashsalt": "eduwb",
            "svg.fonttype": "none",
        }
    )
    try:
        from IPython import get_ipython

        shell = get_ipython()
        if shell is not None:
            # PNG keeps notebooks small; drawn once, without metadata, so committed outputs
            # stay byte-stable (see eduwb.present.figures).
            use_figure_png(shell)
    except ImportError:  # plain Python: nothing to configure
        pass
    pd.set_option("display.max_columns", 50)
    pd.set_option("display.width", 160)
    return family


def label_columns(df: pd.DataFrame, lang: str | None = None) -> pd.DataFrame:
    """Rename English column names to their labels."""
    lang = lang or _STATE["lang"]
    return df.rename(columns={c: column_label(c, lang) for c in df.columns})


def format_value(value: object, digits: int = 2) -> str:
    """A cell as shown: numbers to ``digits`` decimals, booleans as 是/否, missing as 缺数据."""
    lang = _STATE["lang"]
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return t("缺数据", "missing", lang)
    if isinstance(value, bool):
        return t("是", "yes", lang) if value else t("否", "no", lang)
    if isinstance(value, int):
        return f"{value:,}" if abs(value) >= 10000 else str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) >= 1000:
            return f"{value:,.0f}"
        return f"{value:,.{digits}f}"
    return str(value)


def _json_cell(value: object) -> object:
    if value is None or value is pd.NA:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "item"):
        return value.item()
    return value


def show_table(
    df: pd.DataFrame,
    name: str,
    title: str | None = None,
    lang: str | None = None,
    highlight: Callable[[pd.DataFrame], pd.DataFrame] | None = None,
    digits: int | dict[str, int] | None = None,
    max_rows: int | None = None,
) -> None:
    """Display a table in the notebook (and record it for the report's Excel workbook).

    Parameters
    ----------
    df
        The tidy table, English column names.
    name
        A short stable name (the Excel sheet name), e.g. ``"compliance"``.
    title
        A caption shown above the table.
    highlight
        A function returning, for ``df``, a same-shaped frame of CSS strings (``""`` for
        none), e.g. to colour failing cells.
    digits
        Decimals for floats, one number or per column (default 2).
    max_rows
        Show at most this many rows in the notebook/PDF (the workbook gets them all).
    """
    from IPython.display import display

    lang = lang or _STATE["lang"]
    shown = df if max_rows is None else df.head(max_rows)
    per_col = digits if isinstance(digits, dict) else {}
    default_digits = digits if isinstance(digits, int) else 2
    text = pd.DataFrame(
        {c: [format_value(v, per_col.get(c, default_digits)) for v in shown[c].tolist()] for c in shown.columns},
        index=shown.index,
    )
    styles = highlight(shown) if highlight is not None else None
    html = _html_table(text, styles, [column_label(c, lang) for c in shown.columns], title)
    if max_rows is not None and len(df) > max_rows:
        more = len(df) - max_rows
        html += f'<p class="eduwb-note">{t(f"另有 {more} 行见附表工作簿。", f"{more} more rows in the tables workbook.", lang)}</p>'
    payload = {
        "name": name,
        "title": title or name,
        "columns": [column_label(c, lang) for c in df.columns],
        "data": [[_json_cell(v) for v in row] for row in df.itertuples(index=False, name=None)],
    }
    display({"text/html": html, "text/plain": f"[{title or name}: {len(df)} rows]", TABLE_MIME: payload}, raw=True)


def _html_table(text: pd.DataFrame, styles: pd.DataFrame | None, headers: Iterable[str], title: str | None) -> str:
    from html import escape

    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    rows = []
    for i, (idx, row) in enumerate(text.iterrows()):
        cells = []
        for j, value in enumerate(row.tolist()):
            css = ""
            if styles is not None:
                css = styles.iloc[i, j] or ""
            attr = f' style="{escape(css)}"' if css else ""
            cls = ' class="num"' if _looks_numeric(value) else ""
            cells.append(f"<td{cls}{attr}>{escape(value)}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
        del idx
    caption = f"<caption>{escape(title)}</caption>" if title else ""
    return (
        f'<table class="eduwb-table">{caption}<thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def _looks_numeric(value: str) -> bool:
    return bool(value) and value.replace(",", "").replace(".", "", 1).replace("-", "", 1).replace("%", "").isdigit()


def fail_cells(df: pd.DataFrame, failing: pd.DataFrame, css: str = "background-color:#f8d7da;color:#842029") -> pd.DataFrame:
    """A style frame colouring the cells where ``failing`` is True (same shape, bool)."""
    out = pd.DataFrame("", index=df.index, columns=df.columns)
    for col in failing.columns:
        if col in out.columns:
            out.loc[failing[col].fillna(False).astype(bool), col] = css
    return out


def md(text: str) -> None:
    """Display Markdown (prose that depends on the data)."""
    from IPython.display import Markdown, display

    display(Markdown(text))


def heading(text: str, level: int = 2) -> None:
    md("#" * level + " " + text)


def percent(value: float | None, digits: int = 1) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return t("缺数据", "missing")
    return f"{value * 100:.{digits}f}%"
