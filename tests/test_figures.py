"""How a figure becomes its PNG: drawn once, at the one DPI, opaque RGB, the same bytes every time."""

from __future__ import annotations

import base64
import io

import matplotlib

matplotlib.use("agg")

import matplotlib.pyplot as plt  # noqa: E402
from PIL import Image  # noqa: E402

from eduwb.present import figures  # noqa: E402
from eduwb.report import layout as pdf  # noqa: E402


def _figure(alpha: float = 1.0):
    fig, ax = plt.subplots(figsize=(4, 2), dpi=figures.DPI)
    fig.patch.set_alpha(alpha)
    ax.plot([0, 1, 2], [1, 3, 2])
    ax.set_title("example")
    return fig


def test_figure_png_is_drawn_once_at_its_own_size_and_dpi(monkeypatch):
    fig = _figure()
    draws = []
    original = fig.draw
    monkeypatch.setattr(fig, "draw", lambda renderer: (draws.append(1), original(renderer))[1])
    text = figures.figure_png(fig)
    assert len(draws) == 1  # no second pass to measure a tight bounding box
    width, height, dpi = pdf.png_size(text)
    assert (width, height) == (4 * figures.DPI, 2 * figures.DPI)
    assert round(dpi) == figures.DPI
    image = Image.open(io.BytesIO(base64.b64decode(text)))
    assert image.mode == "RGB"  # opaque: the PDF needs no alpha mask
    assert figures.figure_png(fig) == text  # byte-stable
    plt.close(fig)


def test_a_transparent_figure_is_flattened_on_white_and_an_empty_one_shows_nothing():
    fig = _figure(alpha=0.0)
    image = Image.open(io.BytesIO(figures.figure_png(fig, base64_text=False)))
    assert image.mode == "RGB" and image.getpixel((0, 0)) == (255, 255, 255)
    plt.close(fig)
    empty = plt.figure()
    assert figures.figure_png(empty) is None
    plt.close(empty)


def test_the_failing_sections_grid_draws_each_section_s_bars_on_one_shared_scale(sample_dataset, standard):
    """profiles_grid draws its panels with collections: a school bar and a county-mean bar per
    indicator and section, coloured by the school rule, all from 0 on one y scale."""
    from matplotlib.collections import PolyCollection

    from eduwb.analysis import balance
    from eduwb.present.charts import resources as charts

    profiles = balance.profiles(sample_dataset, standard, year=2025)
    compliance = balance.compliance_table(sample_dataset, standard, year=2025)
    failing = compliance.loc[~compliance["passes"], ["school_id", "stage"]].head(3)
    fig = charts.profiles_grid(profiles, standard, failing)
    try:
        (bars,) = [c for c in fig.axes[0].collections if isinstance(c, PolyCollection)]
        paths = bars.get_paths()
        indicators = [
            len(profiles[(profiles["school_id"] == s) & (profiles["stage"] == g)])
            for s, g in failing.itertuples(index=False)
        ]
        assert len(paths) == 2 * sum(indicators)
        # the first section's school bars: red below 85 % of the threshold, orange below it, green at or above
        first = profiles[
            (profiles["school_id"] == failing.iloc[0, 0]) & (profiles["stage"] == failing.iloc[0, 1])
        ]
        colours = [matplotlib.colors.to_hex(c) for c in bars.get_facecolors()[: len(first)]]
        expected = [
            charts.PASS_COLOUR if r >= 1 else charts.NEAR_COLOUR if r >= 0.85 else charts.FAIL_COLOUR
            for r in first["ratio"]
        ]
        assert colours == expected
        # heights in figure units are proportional to the ratios (one scale for every panel)
        heights = [p.vertices[:, 1].max() - p.vertices[:, 1].min() for p in paths[: len(first)]]
        ratios = first["ratio"].fillna(0).to_numpy()
        scale = heights[int(ratios.argmax())] / ratios.max()
        assert all(abs(h - r * scale) < 1e-9 for h, r in zip(heights, ratios, strict=True))
    finally:
        plt.close(fig)


def test_a_cjk_font_installed_since_the_font_cache_was_made_is_found(monkeypatch):
    """cjk_font() adds the system's fonts to matplotlib's list (public ``addfont``) when the
    cached list has no CJK font, as when the font was installed after matplotlib last looked."""
    from matplotlib import font_manager

    from eduwb.present import cjk_font
    from eduwb.present.notebook import CJK_FONTS

    found = cjk_font()
    without = [f for f in font_manager.fontManager.ttflist if f.name not in CJK_FONTS]
    monkeypatch.setattr(font_manager.fontManager, "ttflist", without)
    assert cjk_font() == found
    assert any(f.name == found for f in font_manager.fontManager.ttflist)


def test_text_on_a_cell_takes_the_colour_that_contrasts_more():
    from matplotlib import colormaps

    from eduwb.present.figures import text_colour_on

    # WCAG: black on white is 21:1, white on black 21:1; a mid grey (#777, luminance ≈ 0.184)
    # contrasts 4.7:1 with black and 4.5:1 with white
    assert text_colour_on((1, 1, 1, 1)) == "black" and text_colour_on((0, 0, 0, 1)) == "white"
    assert text_colour_on((0x77 / 255,) * 3) == "black" and text_colour_on((0x70 / 255,) * 3) == "white"
    # the ratio heatmap's ends: deep red (value ÷ threshold 0.5) and deep green (1.5) are dark,
    # its middle (yellow, 1.0) light
    cmap = colormaps["RdYlGn"]
    assert [text_colour_on(cmap(x)) for x in (0.0, 0.5, 1.0)] == ["white", "black", "white"]
    # the flow heatmap's darkest blue takes white, its palest black
    assert [text_colour_on(colormaps["Blues"](x)) for x in (0.0, 1.0)] == ["black", "white"]
