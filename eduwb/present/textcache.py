"""Matplotlib's text measurements and glyph layouts, computed once per process instead of per figure.

Every chart draws dozens to hundreds of short strings (tick labels, values on bars, school
names), most of them again and again: in the same figure (measured for ``tight_layout``,
then drawn), across the panels of a grid and across the charts and reports of a worker.
Matplotlib's Agg renderer shapes each string anew at every draw (FreeType and HarfBuzz on
the CJK font: ≈ 0.2 ms a string) and caches its measurements per renderer only, that is per
figure; fonts' line metrics are read from the font's tables for every text.

:func:`install` wraps three methods of ``RendererAgg`` so that these pure functions of (font
object, size, dpi, string, hinting) are computed once: the measurement of a string, the
glyph layout it draws, and a font's line metrics (through ``_get_font_height_metrics``, the
hook matplotlib's text layout asks a renderer first).  The glyphs are still rendered at each
draw, at the same positions, so the pixels are the same bytes (tests/test_figures.py checks
it).  Only the matplotlib versions this was checked against are patched; any other runs
unchanged (and slower).
"""

from __future__ import annotations

from typing import Any

#: matplotlib versions (major.minor) whose ``RendererAgg.draw_text`` this module reproduces.
CHECKED_VERSIONS = ("3.11",)
#: entries per cache before it starts again (a worker runs many counties: school names vary)
MAX_ENTRIES = 20_000

_measures: dict[tuple, tuple[float, float, float]] = {}
_layouts: dict[tuple, Any] = {}
_heights: dict[tuple, tuple[float | None, float | None, float | None]] = {}
_installed: list[bool] = []
#: RendererAgg's own methods, replaced by :func:`install` (for tests that compare the pixels)
ORIGINALS: dict[str, Any] = {}


def install() -> bool:
    """Patch ``RendererAgg`` (once per process); False when this matplotlib is not one checked."""
    if _installed:
        return _installed[0]
    import matplotlib
    from matplotlib.backends.backend_agg import RendererAgg

    version = ".".join(matplotlib.__version__.split(".")[:2])
    ok = version in CHECKED_VERSIONS and all(
        hasattr(RendererAgg, name) for name in ("_prepare_font", "_draw_text_glyphs_and_boxes")
    )
    ok = ok and not hasattr(RendererAgg, "_get_font_height_metrics")
    if ok:
        measure, draw = RendererAgg.get_text_width_height_descent, RendererAgg.draw_text
        ORIGINALS.update(get_text_width_height_descent=measure, draw_text=draw)
        RendererAgg.get_text_width_height_descent = _cached_measure(measure)
        RendererAgg.draw_text = _cached_draw(draw)
        RendererAgg._get_font_height_metrics = _font_height_metrics
    _installed.append(ok)
    return ok


def _font(renderer: Any, prop: Any) -> tuple[Any, tuple]:
    """The FT2Font drawing ``prop`` (matplotlib's own cached object) and what its glyphs depend on."""
    import matplotlib
    from matplotlib import font_manager
    from matplotlib.backends.backend_agg import get_hinting_flag

    font = font_manager.get_font(font_manager.fontManager._find_fonts_by_props(prop))  # noqa: SLF001
    return font, (
        font,
        prop.get_size_in_points(),
        renderer.dpi,
        get_hinting_flag(),
        matplotlib.rcParams["text.hinting_factor"],
    )


def _remember(cache: dict, key: tuple, value: Any) -> Any:
    if len(cache) >= MAX_ENTRIES:
        cache.clear()
    cache[key] = value
    return value


def _cached_measure(measure: Any) -> Any:
    def get_text_width_height_descent(self: Any, s: str, prop: Any, ismath: Any) -> Any:
        if ismath:
            return measure(self, s, prop, ismath)
        key = (s, *_font(self, prop)[1])
        hit = _measures.get(key)
        return hit if hit is not None else _remember(_measures, key, measure(self, s, prop, ismath))

    return get_text_width_height_descent


def _cached_draw(draw: Any) -> Any:
    from matplotlib.backends.backend_agg import get_hinting_flag

    def draw_text(
        self: Any,
        gc: Any,
        x: float,
        y: float,
        s: str,
        prop: Any,
        angle: float,
        ismath: Any = False,
        mtext: Any = None,
    ) -> None:
        if ismath or (mtext is not None and (mtext.get_fontfeatures() or mtext.get_language())):
            return draw(self, gc, x, y, s, prop, angle, ismath, mtext)
        font, depends = _font(self, prop)
        key = (s, *depends)
        items = _layouts.get(key)
        if items is None:
            font = self._prepare_font(prop)  # noqa: SLF001 -- as RendererAgg.draw_text does
            items = _remember(_layouts, key, font._layout(s, flags=get_hinting_flag()))  # noqa: SLF001
        size = prop.get_size_in_points()
        self._draw_text_glyphs_and_boxes(  # noqa: SLF001
            gc,
            x,
            y,
            angle,
            ((item.ft_object, size, item.glyph_index, 0, 1, item.x, item.y) for item in items),
            [],
        )
        return None

    return draw_text


def _font_height_metrics(self: Any, prop: Any) -> tuple[float | None, float | None, float | None]:
    """``Text._get_layout``'s own computation of a font's ascent, descent and line gap, cached.

    The same tables, the same arithmetic in the same order (matplotlib's ``text.py``), so the
    same floats; ``(None, None, None)`` when the font has neither table (matplotlib then
    measures "lp" itself).
    """
    font, depends = _font(self, prop)
    hit = _heights.get(depends)
    if hit is not None:
        return hit
    result: tuple[float | None, float | None, float | None] = (None, None, None)
    possible = [
        ("OS/2", "sTypoLineGap", "sTypoAscender", "sTypoDescender"),
        ("hhea", "lineGap", "ascent", "descent"),
    ]
    for table_name, linegap_key, ascent_key, descent_key in possible:
        table = font.get_sfnt_table(table_name)
        if table is None:
            continue
        fontsize = prop.get_size_in_points()
        units_per_em = font.get_sfnt_table("head")["unitsPerEm"]
        scale = 1 / units_per_em * fontsize * self.dpi / 72
        result = (table[ascent_key] * scale, -table[descent_key] * scale, table[linegap_key] * scale)
        break
    return _remember(_heights, depends, result)
