"""How a notebook's matplotlib figure becomes the PNG the notebook keeps and the report prints.

IPython's own PNG formatter saves with ``bbox_inches="tight"``: matplotlib then draws every
figure twice (once to measure the tight box, once to paint), which was about a third of a
report's chart time.  The charts of :mod:`eduwb.present.charts` lay themselves out at a
fixed size, so here a figure is drawn once, at its own size and its own (the one) DPI, and
written as an opaque RGB PNG: what a PDF embeds without splitting off an alpha channel.
"""

from __future__ import annotations

import base64
import io
from typing import Any

#: The one resolution of every chart: on screen, in the notebook's PNG and in the PDF
#: (where :mod:`eduwb.report.layout` prints a PNG at its physical size from this DPI).
DPI = 110

#: zlib level of the PNGs.  1 writes a chart ≈ 1.5× faster than Pillow's default 6 for about
#: 1 % more bytes (measured on the resource heatmap; the PDF re-compresses the pixels anyway).
PNG_COMPRESS_LEVEL = 1


def figure_png(fig: Any, base64_text: bool = True) -> str | bytes | None:
    """The figure as a PNG (base64 text, as notebooks store images), drawn exactly once; None for
    an empty figure (no axes, no lines), as IPython does, so nothing is shown."""
    if not fig.axes and not fig.lines:
        return None
    import numpy as np
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from PIL import Image

    canvas = fig.canvas if isinstance(fig.canvas, FigureCanvasAgg) else FigureCanvasAgg(fig)
    canvas.draw()
    rgba = np.asarray(canvas.buffer_rgba())
    if rgba[..., 3].min() < 255:
        # a (partly) transparent figure: flatten it on white, as it would print on paper
        alpha = rgba[..., 3:4].astype(np.uint16)
        rgb = ((rgba[..., :3].astype(np.uint16) * alpha + 255 * (255 - alpha)) // 255).astype(np.uint8)
    else:
        rgb = np.ascontiguousarray(rgba[..., :3])
    buffer = io.BytesIO()
    Image.fromarray(rgb, "RGB").save(
        buffer, format="png", dpi=(fig.dpi, fig.dpi), compress_level=PNG_COMPRESS_LEVEL
    )
    data = buffer.getvalue()
    return base64.b64encode(data).decode("ascii") if base64_text else data


def use_figure_png(shell: Any) -> None:
    """Make ``shell`` show matplotlib figures through :func:`figure_png` (and in no other format)."""
    import matplotlib
    import matplotlib.pyplot as plt
    from matplotlib.figure import Figure

    # Load the backend first: in a kernel the inline backend is imported lazily, at the first
    # figure, and registers IPython's own formatter then, which would replace this one.
    plt.switch_backend(matplotlib.get_backend())

    for formatter in shell.display_formatter.formatters.values():
        formatter.pop(Figure, None)
    shell.display_formatter.formatters["image/png"].for_type(Figure, figure_png)


# ---- explorers: one figure, updated in place -------------------------------------------------
def explorer_figure(figsize: tuple[float, float]) -> Any:
    """A figure for an interactive explorer, outside pyplot (which would show it once more at the
    end of the cell and keep it open): the explorer redraws it into :func:`figure_image`."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize)
    FigureCanvasAgg(fig)
    return fig


def figure_image(fig: Any) -> tuple[Any, Any]:
    """An ``ipywidgets.Image`` showing ``fig``, and the function that redraws it after a change."""
    import ipywidgets as widgets

    image = widgets.Image(format="png", layout=widgets.Layout(width=f"{round(fig.get_figwidth() * 96)}px"))

    def refresh() -> None:
        image.value = figure_png(fig, base64_text=False)

    return image, refresh


#: A disconnected explorer (its kernel restarted or stopped: ipywidgets then marks each view
#: ``jupyter-widgets-disconnected``) fades, stops taking input and says why above itself, instead
#: of looking alive while nothing answers. The style travels in the explorer (a hidden HTML widget),
#: so it needs no JupyterLab setting; :mod:`eduwb.present.nbfiles` leaves it out of static outputs.
DISCONNECTED_CSS = """<style>
.eduwb-explorer.jupyter-widgets-disconnected > * {{ opacity: 0.35; pointer-events: none; }}
.eduwb-explorer.jupyter-widgets-disconnected::before {{
  content: "{message}"; display: block; margin: 0 0 4px 0; padding: 4px 8px;
  font: bold 13px/1.4 "Noto Sans CJK SC", "Noto Sans SC", "Microsoft YaHei", sans-serif;
  color: #8a1c12; background: #fdecea; border: 1px solid #e0a19b; border-radius: 4px;
}}
</style>"""
#: The class of the widget that carries :data:`DISCONNECTED_CSS` (nothing to show by itself).
STYLE_CLASS = "eduwb-widget-style"


def explorer_box(children: list, lang: str = "zh") -> Any:
    """An explorer's widgets in one ``VBox`` (class ``eduwb-explorer``) that shows when it is dead."""
    import ipywidgets as widgets

    from eduwb.lang import pick

    message = pick(
        (
            "交互已断开（内核已重启或已关闭）：重新运行本单元后才能使用。",
            "Disconnected (the kernel restarted or stopped): run this cell again to use it.",
        ),
        lang,
    )
    style = widgets.HTML(DISCONNECTED_CSS.format(message=message), layout=widgets.Layout(display="none"))
    style.add_class(STYLE_CLASS)
    box = widgets.VBox([style, *children])
    box.add_class("eduwb-explorer")
    return box


def text_colour_on(rgba: Any) -> str:
    """The colour of text written on a cell of colour ``rgba`` (floats 0–1): black on a light
    cell, white on a dark one, whichever contrasts more (WCAG's relative luminance; the two
    contrasts are equal at a luminance of about 0.18)."""

    def linear(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(float(c)) for c in tuple(rgba)[:3])
    luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b
    return "black" if (luminance + 0.05) / 0.05 >= 1.05 / (luminance + 0.05) else "white"
