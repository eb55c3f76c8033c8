"""Presentation helpers for the notebooks: fonts, labels, tables, headings.

Nothing here computes an indicator. ``show_table`` emits a table once, as data (mime type
``application/vnd.eduwb.table+json``): the table's values, from which the report writes its
Excel workbook, and its *view* (the cells as shown, header, alignment, colours, caption:
:func:`table_view`), from which both the notebook's HTML (:func:`table_html`) and the PDF's
table (:func:`eduwb.report.layout.table_blocks`) are rendered. So the workbook holds exactly
the tables the report shows, and the report shows what the notebook shows.
"""

from __future__ import annotations

import contextlib
import math
import re
from collections.abc import Callable

import numpy as np
import pandas as pd

from eduwb import numbers
from eduwb.errors import EduwbError
from eduwb.lang import LANGS, pick
from eduwb.present import privacy
from eduwb.present.figures import DPI, use_figure_png
from eduwb.present.safe import md_guard
from eduwb.present.safe import text as md_escape  # noqa: F401  (a name from the data, in Markdown)
from eduwb.present.words import column_label, shown_label

TABLE_MIME = "application/vnd.eduwb.table+json"
CJK_FONTS = (
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "WenQuanYi Zen Hei",
    "Microsoft YaHei",
    "SimHei",
)

_STATE = {"lang": "zh"}


def t(zh: str, en: str, lang: str | None = None) -> str:
    """The Chinese or the English text, in ``lang`` or the notebook's language (see :func:`setup`)."""
    return pick((zh, en), lang or _STATE["lang"])


def cjk_font() -> str:
    """The first installed CJK font family, or a loud error (never tofu boxes)."""
    from matplotlib import font_manager

    def first() -> str | None:
        installed = {f.name for f in font_manager.fontManager.ttflist}
        return next((family for family in CJK_FONTS if family in installed), None)

    family = first()
    if family is None:
        # The cache may predate a font installed since; rebuild once before giving up.
        for path in font_manager.findSystemFonts():
            with contextlib.suppress(Exception):  # a font file matplotlib cannot read is not ours to fix
                font_manager.fontManager.addfont(path)
        family = first()
    if family is None:
        raise EduwbError(
            "no CJK font found for charts: install Noto Sans CJK SC "
            "(Debian/Ubuntu: apt-get install fonts-noto-cjk; `make setup` does it when run as root)"
        )
    return family


def setup(lang: str = "zh") -> str:
    """Prepare a notebook: CJK font for matplotlib (returned), crisp figures, display options."""
    import matplotlib

    if lang not in LANGS:
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
            # labels come from the data (school names): a "$" is a dollar sign, not math text
            "text.parse_math": False,
            "text.usetex": False,
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


def format_value(
    value: object,
    digits: int = 2,
    limits: list[tuple[float, str]] | None = None,
    *,
    exact: bool = False,
    quantity: bool = False,
    wan: bool = False,
) -> str:
    """A cell as shown: booleans as 是/否, missing as 缺数据, numbers by the display rule of
    :mod:`eduwb.numbers` (``limits``: never rounded onto or across one; ``exact``: thresholds,
    every decimal; ``quantity``: teachers, rooms, m², whole numbers bare; ``wan``: 元 as 万元)."""
    lang = _STATE["lang"]
    if _is_missing(value):
        return t("缺数据", "missing", lang)
    if isinstance(value, bool):
        return t("是", "yes", lang) if value else t("否", "no", lang)
    if wan and isinstance(value, (int, float, np.integer, np.floating)):
        return numbers.wan(value)
    if isinstance(value, int):
        return f"{value:,}" if abs(value) >= 10000 else str(value)
    if isinstance(value, float):
        if quantity and not limits:
            return numbers.quantity(value, digits)
        return numbers.exact(value, digits) if exact else numbers.number(value, digits, limits)
    return str(value)


def table_text(
    df: pd.DataFrame,
    digits: int | dict[str, int] | None = None,
    limits: dict[str, list[tuple[object, str]]] | None = None,
) -> pd.DataFrame:
    """Every cell of ``df`` as shown (same shape, strings); ``digits`` and ``limits`` as in
    :func:`show_table`, besides the limits of the row (:func:`eduwb.numbers.cell_limits`)."""
    per_col = digits if isinstance(digits, dict) else {}
    columns = [str(c) for c in df.columns]
    shown = [
        (per_col.get(c, digits if isinstance(digits, int) else 2), c in numbers.LIMIT_COLUMNS,
         c in numbers.QUANTITY_COLUMNS, c in numbers.WAN_COLUMNS)
        for c in columns
    ]  # fmt: skip
    given = {
        col: [(_aligned(df, threshold), op) for threshold, op in pairs]
        for col, pairs in (limits or {}).items()
    }
    by_column = [df.iloc[:, i].tolist() for i in range(df.shape[1])]  # Python values (int, float, bool, NA)
    rows = [list(r) for r in zip(*by_column, strict=True)] if by_column else [[] for _ in range(len(df))]
    out = []
    for position, row in enumerate(rows):
        extra = {col: [(float(s.iloc[position]), op) for s, op in pairs] for col, pairs in given.items()}
        judged = numbers.cell_limits(columns, row, extra)
        out.append([
            format_value(value, places, judged.get(col), exact=exact, quantity=quantity, wan=wan)
            for col, value, (places, exact, quantity, wan) in zip(columns, row, shown, strict=True)
        ])  # fmt: skip
    return pd.DataFrame(out, index=df.index, columns=df.columns)


def _aligned(df: pd.DataFrame, threshold: object) -> pd.Series:
    """A limit's threshold (a number, a column name or a Series) as numbers aligned with ``df``."""
    if isinstance(threshold, str):
        threshold = df[threshold]
    if not isinstance(threshold, pd.Series):
        threshold = pd.Series(threshold, index=df.index)
    return pd.to_numeric(threshold.reindex(df.index), errors="coerce")


#: Integers at most this large survive a browser's JSON round trip exactly (2**53).
_SAFE_INT = 2**53
#: Significant digits kept of a float in the hidden table data: differences in the 16th and
#: 17th digit between two runs of the same computation (summation order) are noise, not data.
TABLE_DIGITS = 15


def table_cell(value: object) -> object:
    """One cell of the hidden table data, written the same way however it was computed.

    Missing and ±inf → ``null``; a whole number below 2**53 → ``int`` (a browser saving the
    notebook writes ``0.0`` as ``0``; beyond 2**53 it cannot hold an int exactly); other floats
    rounded to :data:`TABLE_DIGITS` significant digits (``0.1 + 0.2`` writes ``0.3``).
    """
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()  # numpy scalars → Python
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        # a browser reads integers beyond 2**53 as floats: write them as (rounded) floats
        return value if abs(value) < _SAFE_INT else table_cell(float(value))
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        if value.is_integer() and abs(value) < _SAFE_INT:
            return int(value)
        rounded = float(f"{value:.{TABLE_DIGITS}g}")
        return int(rounded) if rounded.is_integer() and abs(rounded) < _SAFE_INT else rounded
    return value


def show_table(
    df: pd.DataFrame,
    name: str,
    title: str | None = None,
    lang: str | None = None,
    highlight: Callable[[pd.DataFrame], pd.DataFrame] | None = None,
    digits: int | dict[str, int] | None = None,
    max_rows: int | None = None,
    limits: dict[str, list[tuple[object, str]]] | None = None,
    options: dict[str, object] | None = None,
) -> None:
    """Display a table (English column names) in the notebook, and emit it for the report.

    ``name``: the table in :data:`eduwb.tables.REGISTRY` (``eduwb table NAME`` gives the same
    table), with the ``options`` that give it (``{"by": "school"}``). ``highlight``: ``df`` →
    a same-shaped frame of CSS strings (:func:`cell_style`). ``digits``: decimals of floats, one
    number or per column (default 2). ``max_rows``: shown in the notebook and PDF (the workbook
    gets all). ``limits``: column → ``[(threshold, comparator)]`` (a number, a column name or a
    Series), judged beyond :data:`eduwb.numbers.PAIRED_LIMITS`, so that a number is never shown
    rounded onto or across a limit it is judged against.
    """
    from IPython.display import display

    lang = lang or _STATE["lang"]
    df = privacy.suppress(df)  # the one privacy rule, whatever the caller did before
    shown = df if max_rows is None else df.head(max_rows)
    more = 0 if max_rows is None else max(len(df) - max_rows, 0)
    payload = {
        "name": name,
        "options": dict(options or {}),
        "title": title or name,
        "columns": [column_label(c, lang) for c in df.columns],
        "data": [[table_cell(v) for v in row] for row in df.itertuples(index=False, name=None)],
        "view": table_view(
            shown, [shown_label(c, lang) for c in shown.columns], title, highlight, digits, limits
        ),
    }
    if more:
        payload["view"]["note"] = t(
            f"另有 {more} 行见附表工作簿。", f"{more} more rows in the tables workbook.", lang
        )
    display(
        {
            "text/html": table_html(payload["view"]),
            "text/plain": f"[{title or name}: {len(df)} rows]",
            TABLE_MIME: payload,
        },
        raw=True,
    )


#: A column whose longest cell is at most this many characters never wraps (状态 "达标", 学段 "小学").
NOWRAP_CHARS = 12


def table_view(
    shown: pd.DataFrame,
    labels: list[str],
    title: str | None,
    highlight: Callable[[pd.DataFrame], pd.DataFrame] | None = None,
    digits: int | dict[str, int] | None = None,
    limits: dict[str, list[tuple[object, str]]] | None = None,
) -> dict[str, object]:
    """How a table is shown, as data: the one source of its notebook HTML (:func:`table_html`)
    and of its PDF table (:func:`eduwb.report.layout.table_blocks`). ``styles``:
    ``[row, column, {"fill", "color", "bold"}]``; ``note`` (rows left out) is added by the caller.
    """
    text = table_text(shown, digits, limits)
    rows = [list(r) for r in text.itertuples(index=False, name=None)]
    css = highlight(shown) if highlight is not None else None
    styles = []
    if css is not None:
        for i, j in zip(*np.nonzero(css.fillna("").astype(str).to_numpy() != ""), strict=True):
            style = cell_style(str(css.iloc[i, j]))
            if style:
                styles.append([int(i), int(j), style])
    return {
        "caption": title or None,
        "labels": [str(h) for h in labels],
        "rows": rows,
        "numeric": [_numeric_column(shown[c], text[c]) for c in shown.columns],
        "nowrap": [max((len(v) for v in text[c].tolist()), default=0) <= NOWRAP_CHARS for c in text.columns],
        "styles": styles,
    }


_COLOUR = re.compile(r"^#(?:[0-9a-fA-F]{3}){1,2}$")
_NAMED_COLOURS = {
    "red": "#ff0000", "green": "#008000", "blue": "#0000ff", "black": "#000000",
    "white": "#ffffff", "grey": "#808080", "gray": "#808080", "orange": "#ffa500",
}  # fmt: skip
_BOLD = ("bold", "bolder", "600", "700", "800", "900")


def cell_style(css: str) -> dict[str, object]:
    """A ``highlight`` cell's CSS (``"background-color:#f8d7da;color:#842029"``) as ``fill``,
    ``color`` (``#rrggbb`` or ``#rgb``) and ``bold``: what a table cell can show, on screen and
    on paper; other declarations are ignored."""
    declared = {}
    for declaration in css.split(";"):
        prop, sep, value = declaration.partition(":")
        if sep:
            declared[prop.strip().lower()] = value.replace("!important", "").strip().lower()
    out: dict[str, object] = {}
    for key, value in (
        ("fill", declared.get("background-color") or declared.get("background")),
        ("color", declared.get("color")),
    ):
        value = _NAMED_COLOURS.get(value or "", value)
        if value and _COLOUR.match(value):
            out[key] = value
    if declared.get("font-weight") in _BOLD:
        out["bold"] = True
    return out


def table_html(view: dict[str, object]) -> str:
    """The notebook's HTML of a table view (:func:`table_view`). Alignment and wrapping are
    inline styles, so JupyterLab (whose own stylesheet right-aligns every cell) and Voilà show
    them alike."""
    from html import escape

    numeric, nowrap = view["numeric"], view["nowrap"]
    base = [
        ("text-align:right" if num else "text-align:left") + (";white-space:nowrap" if nw else "")
        for num, nw in zip(numeric, nowrap, strict=True)
    ]
    styles = {(i, j): style for i, j, style in view["styles"]}
    head = "".join(
        f'<th style="{base[j].split(";")[0]}">{escape(h)}</th>' for j, h in enumerate(view["labels"])
    )
    rows = []
    for i, row in enumerate(view["rows"]):
        cells = []
        for j, value in enumerate(row):
            style = styles.get((i, j), {})
            css = base[j] + "".join(
                f";{prop}:{style[key]}"
                for key, prop in (("fill", "background-color"), ("color", "color"))
                if key in style
            )
            css += ";font-weight:bold" if style.get("bold") else ""
            cls = ' class="num"' if numeric[j] else ""
            cells.append(f'<td{cls} style="{escape(css)}">{escape(value)}</td>')
        rows.append("<tr>" + "".join(cells) + "</tr>")
    caption = f"<caption>{escape(view['caption'])}</caption>" if view["caption"] else ""
    note = f'<p class="eduwb-note">{escape(view["note"])}</p>' if view.get("note") else ""
    return (
        f'<table class="eduwb-table">{caption}<thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>{note}"
    )


def _numeric_column(values: pd.Series, text: pd.Series) -> bool:
    """Numbers are right-aligned, text left-aligned: a numeric column, or one whose every shown
    cell reads as a number (a missing value's 缺数据 aside)."""
    if pd.api.types.is_bool_dtype(values):
        return False
    if pd.api.types.is_numeric_dtype(values):
        return True
    shown = [v for v, raw in zip(text.tolist(), values.tolist(), strict=True) if not _is_missing(raw)]
    return bool(shown) and all(_looks_numeric(v) for v in shown)


def _is_missing(value: object) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def _looks_numeric(value: str) -> bool:
    return (
        bool(value)
        and value.replace(",", "").replace(".", "", 1).replace("-", "", 1).replace("%", "").isdigit()
    )


def fail_cells(
    df: pd.DataFrame, failing: pd.DataFrame, css: str = "background-color:#f8d7da;color:#842029"
) -> pd.DataFrame:
    """A style frame colouring the cells where ``failing`` is True (same shape, bool)."""
    out = pd.DataFrame("", index=df.index, columns=df.columns)
    for col in failing.columns:
        if col in out.columns:
            out.loc[failing[col].fillna(False).astype(bool), col] = css
    return out


def md(text: str) -> None:
    """Display Markdown prose. Names from the data or a standard go in through :func:`md_escape`;
    :func:`eduwb.present.safe.md_guard` is the last line of defence."""
    from IPython.display import Markdown, display

    display(Markdown(md_guard(text)))


def heading(text: str, level: int = 2) -> None:
    md("#" * level + " " + text)
