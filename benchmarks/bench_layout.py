"""The layout alone: the report's Typst typesetting against WeasyPrint, its former renderer.

    .venv/bin/python benchmarks/bench_layout.py [--data data/sample] [--year 2025] [--repeat 3] [--keep DIR]

Executes the report's notebooks once (not timed) and builds the report's render context as
``eduwb report`` does, then times, the median of ``--repeat`` runs after a warm-up:

- Typst, as the report does it (:func:`eduwb.report.typeset.write_pdf`): the document model
  (the chapters' blocks, the charts named) and the compilation to PDF, each run in a fresh
  process after a worker's warm-up (fonts loaded);
- WeasyPrint, as the report did it before issue #15: the same context rendered as one HTML
  document (``benchmarks/weasyprint/report.html.j2`` and ``report.css``, the former report
  template; the chapters' HTML made by nbconvert from the executed notebooks, as the report
  made it then), laid out and written as PDF.  WeasyPrint and nbconvert are dev dependencies
  for this comparison.

Prints seconds and pages of each; asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
WEASYPRINT_TEMPLATE = Path(__file__).resolve().parent / "weasyprint"
# The former report's CSS footer and font list (the template's words were CSS strings then).
WEASYPRINT_FOOTER = {
    "zh": '"第 " counter(page) " 页 / 共 " counter(pages) " 页"',
    "en": '"Page " counter(page) " of " counter(pages)',
}
CJK_FONTS = (
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "WenQuanYi Micro Hei",
    "Microsoft YaHei",
    "PingFang SC",
)


def report_context(data: Path, year: int, out: Path, lang: str) -> dict[str, Any]:
    """The render context of one report, made by the functions a worker runs."""
    from eduwb.analysis.scorecard import county_verdict
    from eduwb.data.dataset import load
    from eduwb.report import engine
    from eduwb.report.command import prepare_options
    from eduwb.report.context import report_context as context_of
    from eduwb.report.jobs import inspect_county
    from eduwb.standards import load_standard

    job = inspect_county(str(data), [year], prepare_options(out=str(out), force=True, lang=lang)).jobs[0]
    chapters = [engine.execute_chapter(job, i) for i in range(len(job.notebooks))]
    failed = [c.reason for c in chapters if not c.ok]
    if failed:
        sys.exit("\n".join(failed))
    ds = load(Path(job.data), standard=job.standard)
    std = load_standard(job.standard_used)
    return context_of(job, ds, std, county_verdict(ds, std, job.year), chapters)


def typst_pdf(context: dict[str, Any], target: Path, repeat: int) -> tuple[float, float, int]:
    """Median seconds of the document model and of the compilation, and the pages.

    Each run is a fresh process warmed up as a report worker is (:func:`typeset.warm_up`):
    Typst memoizes its work within a process, so compiling the same document again there
    would time a cache, not a report (a batch's reports differ).
    """
    import pickle
    import subprocess

    source = target.with_suffix(".context.pickle")
    source.write_bytes(pickle.dumps(context))
    runs = []
    for _ in range(repeat):
        out = subprocess.run(
            [sys.executable, __file__, "--typst-run", str(source), str(target)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
        runs.append((float(out[0]), float(out[1]), int(out[2])))
    source.unlink()
    return statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs), runs[0][2]


def typst_run(source: str, target: str) -> None:
    """One timed report in this process, after a worker's warm-up: prints model, compile, pages."""
    import pickle

    from eduwb.report import typeset

    context = pickle.loads(Path(source).read_bytes())
    typeset.warm_up()
    t0 = time.perf_counter()
    doc, images = typeset.document(context, typeset.require_cjk_font())
    t1 = time.perf_counter()
    pages = typeset.compile_document(doc, images, target, context["created"])
    print(f"{t1 - t0:.4f} {time.perf_counter() - t1:.4f} {pages}")


def chapters_html(out: Path) -> list[str]:
    """Each executed notebook's outputs as HTML, without code, as the report's chapters were
    before issue #26 (what WeasyPrint laid out)."""
    import nbformat
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(
        template_name="basic", exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True
    )
    notebooks = sorted(out.glob("*/*/notebooks/*.ipynb"))
    return [exporter.from_notebook_node(nbformat.read(str(p), as_version=4))[0] for p in notebooks]


def weasyprint_html(context: dict[str, Any], out: Path) -> str:
    """The report as the former template rendered it: one HTML document."""
    import jinja2

    from eduwb.lang import COLON, pick

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(WEASYPRINT_TEMPLATE)),
        autoescape=jinja2.select_autoescape(["html", "j2"], default=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals.update(pick=pick, COLON=COLON)
    css = (WEASYPRINT_TEMPLATE / "report.css").read_text(encoding="utf-8")
    text = {**context["text"], "page_footer": WEASYPRINT_FOOTER[context["lang"]]}
    created_iso = context["created"].strftime("%Y-%m-%dT%H:%M:%SZ")
    chapters = [
        {"title": c.title, "html": h} for c, h in zip(context["chapters"], chapters_html(out), strict=True)
    ]
    values = {**context, "chapters": chapters, "text": text, "created_iso": created_iso}
    return env.get_template("report.html.j2").render(css=css, fonts=CJK_FONTS, **values)


def weasyprint_pdf(html: str, target: Path) -> tuple[float, float, int]:
    """Seconds of WeasyPrint's layout and of its PDF writing, and the pages."""
    import logging

    from weasyprint import HTML
    from weasyprint.text.fonts import FontConfiguration
    from weasyprint.urls import URLFetcher

    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    t0 = time.perf_counter()
    document = HTML(string=html, url_fetcher=URLFetcher(allowed_protocols=("data",))).render(
        font_config=_font_config(FontConfiguration)
    )
    t1 = time.perf_counter()
    document.write_pdf(target, pdf_identifier=b"eduwb")
    return t1 - t0, time.perf_counter() - t1, len(document.pages)


_FONTS: list[Any] = []


def _font_config(factory: Any) -> Any:
    if not _FONTS:
        _FONTS.append(factory())
    return _FONTS[0]


def main() -> None:
    if sys.argv[1:2] == ["--typst-run"]:
        typst_run(*sys.argv[2:4])
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(ROOT / "data" / "sample"))
    parser.add_argument("--year", type=int, help="default: the last year of the data")
    parser.add_argument("--lang", default="zh")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep", help="write the PDFs here instead of a temporary folder")
    args = parser.parse_args()

    from eduwb.data.dataset import load

    data = Path(args.data).resolve()
    year = args.year or load(data).years[-1]
    work = Path(args.keep or tempfile.mkdtemp(prefix="bench_layout_"))
    work.mkdir(parents=True, exist_ok=True)
    context = report_context(data, year, work / "reports", args.lang)
    html = "".join(chapters_html(work / "reports"))
    cells = len(re.findall(r"<t[dh]\b", html))
    print(
        f"{data.name} {year}: {cells} table cells, {html.count('<img')} charts "
        f"in {len(context['chapters'])} chapters; load average {os.getloadavg()[0]:.1f}"
    )
    model, compiled, pages = typst_pdf(context, work / "typst.pdf", args.repeat)
    print(
        f"  Typst     : document model {model:5.2f} s + compile and PDF {compiled:5.2f} s = "
        f"{model + compiled:6.2f} s, {pages} pages"
    )
    try:
        import weasyprint  # noqa: F401
    except ImportError:
        print("  WeasyPrint: not installed (pip install -e '.[dev]') — no comparison")
        return
    document = weasyprint_html(context, work / "reports")
    weasyprint_pdf(document, work / "weasyprint.pdf")  # warm-up: fonts
    runs = [weasyprint_pdf(document, work / "weasyprint.pdf") for _ in range(args.repeat)]
    layout = statistics.median(r[0] for r in runs)
    write = statistics.median(r[1] for r in runs)
    print(
        f"  WeasyPrint: layout {layout:6.2f} s + PDF {write:5.2f} s = {layout + write:6.2f} s, "
        f"{runs[0][2]} pages ({(layout + write) / (model + compiled):.0f}× Typst's time)"
    )
    if args.keep:
        print(f"  PDFs in {work}")


if __name__ == "__main__":
    main()
