"""The layout alone: WeasyPrint on one report's HTML, and (if installed) Typst on the same content.

    .venv/bin/python benchmarks/bench_layout.py [--data data/sample] [--year 2025] [--repeat 3] [--keep DIR]

Executes the report's notebooks once (not timed), assembles the report HTML as ``eduwb
report`` does, then times WeasyPrint's layout and PDF writing (what ``write_pdf`` does),
the median of ``--repeat`` runs.  WeasyPrint is the bottleneck of a report (tables: about a
millisecond per table cell), so this script also compares another renderer side by side:
when the ``typst`` package is importable (``pip install typst``; not a dependency of eduwb)
the same document — headings, paragraphs, every table cell with its colours, every chart,
page numbers "第 N 页 / 共 M 页", an outline — is translated to Typst markup (a rough
translation, for timing: no styled cover, no running headers) and compiled to PDF.
Prints seconds and pages of each; asserts nothing.
"""

from __future__ import annotations

import argparse
import base64
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def report_html(data: Path, year: int, out: Path) -> str:
    """The HTML of one report, made by the functions a worker runs."""
    from eduwb.data.dataset import load
    from eduwb.report import layout as pdf
    from eduwb.report import workers
    from eduwb.report.command import prepare_options
    from eduwb.report.context import county_verdict, report_context
    from eduwb.report.jobs import inspect_county
    from eduwb.standards import load_standard

    job = inspect_county(str(data), [year], prepare_options(out=str(out), force=True)).jobs[0]
    chapters = [workers.execute_chapter(job, i) for i in range(len(job.notebooks))]
    failed = [c.reason for c in chapters if not c.ok]
    if failed:
        sys.exit("\n".join(failed))
    ds = load(Path(job.data), standard=job.standard)
    std = load_standard(job.standard_used)
    return pdf.report_html(report_context(job, ds, std, county_verdict(ds, std, job.year), chapters))


def weasyprint_pdf(html: str, target: Path) -> tuple[float, float, int]:
    import logging

    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    from eduwb.report import layout as pdf

    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    t0 = time.perf_counter()
    document = HTML(string=html, url_fetcher=URLFetcher(allowed_protocols=("data",))).render(
        font_config=pdf._font_config()
    )
    t1 = time.perf_counter()
    document.write_pdf(target, pdf_identifier=b"eduwb")
    return t1 - t0, time.perf_counter() - t1, len(document.pages)


# ---- a rough HTML → Typst translation (timing only) ----------------------------------------
_TYPST_SPECIAL = re.compile(r'([\\#\[\]*_`$<>@=\-+/~"])')


def _esc(text: str) -> str:
    return _TYPST_SPECIAL.sub(r"\\\1", text)


class _Typst:
    def __init__(self, folder: Path):
        self.folder, self.images = folder, 0

    def inline(self, el) -> str:
        from bs4 import NavigableString

        if isinstance(el, NavigableString):
            return _esc(str(el))
        if el.name in ("strong", "b"):
            return "*" + "".join(self.inline(c) for c in el.children).strip() + "*"
        if el.name == "br":
            return " \\ "
        if el.name == "img":
            return self.image(el)
        return "".join(self.inline(c) for c in el.children)

    def image(self, el) -> str:
        m = re.match(r"data:image/png;base64,(.*)", el.get("src", ""), re.S)
        if not m:
            return ""
        self.images += 1
        name = f"image{self.images}.png"
        (self.folder / name).write_bytes(base64.b64decode(m.group(1)))
        width = el.get("width")
        return (
            f'#align(center, image("{name}"' + (f", width: {int(width) * 0.75}pt" if width else "") + "))\n"
        )

    def cell(self, td) -> str:
        style = td.get("style", "")
        fill = re.search(r"background-color:\s*(#[0-9a-fA-F]{6})", style)
        colour = re.search(r"(?<!-)color:\s*(#[0-9a-fA-F]{6})", style)
        body = self.inline(td).strip() or " "
        if colour:
            body = f'#text(fill: rgb("{colour.group(1)}"))[{body}]'
        args = [f'fill: rgb("{fill.group(1)}")'] if fill else []
        if "num" in (td.get("class") or []):
            args.append("align: right")
        return f"table.cell({', '.join(args)})[{body}]" if args else f"[{body}]"

    def table(self, el) -> str:
        rows = el.find_all("tr")
        if not rows:
            return ""
        ncol = max(len(r.find_all(["td", "th"])) for r in rows)
        parts, cells = [], []
        caption, head = el.find("caption"), el.find("thead")
        if caption:
            parts.append(f'#block(below: 1.5mm, text(weight: "bold", size: 9.5pt)[{self.inline(caption)}])\n')
        if head:
            cells.append(
                "table.header("
                + ", ".join(f"[*{self.inline(th).strip()}*]" for th in head.find_all("th"))
                + ")"
            )
        for row in (el.find("tbody") or el).find_all("tr"):
            cells.extend(self.cell(td) for td in row.find_all(["td", "th"]))
        size = "7pt" if ncol > 10 else "8.5pt"
        parts.append(
            f"#text(size: {size})[#table(columns: {ncol}, stroke: "
            '0.5pt + rgb("#d1d5db"), inset: (x: 1.6mm, y: 1mm),\n  ' + ",\n  ".join(cells) + ")]\n"
        )
        return "".join(parts)

    def block(self, el) -> str:
        from bs4 import NavigableString

        if isinstance(el, NavigableString):
            return _esc(str(el)) if str(el).strip() else ""
        if el.name in ("h1", "h2", "h3", "h4"):
            return "\n" + "=" * int(el.name[1]) + " " + self.inline(el).strip() + "\n"
        if el.name == "p":
            return "\n" + self.inline(el).strip() + "\n"
        if el.name == "table":
            return "\n" + self.table(el)
        if el.name == "img":
            return self.image(el)
        if el.name in ("ul", "ol"):
            mark = "- " if el.name == "ul" else "+ "
            return "\n" + "".join(
                mark + self.inline(li).strip() + "\n" for li in el.find_all("li", recursive=False)
            )
        if el.name in ("style", "script", "nav", "head"):
            return ""
        if el.name == "section":
            return "\n#pagebreak()\n" + "".join(self.block(c) for c in el.children)
        return "".join(self.block(c) for c in el.children)


TYPST_HEAD = """#set page(paper: "a4", margin: (top: 22mm, bottom: 20mm, x: 18mm),
  footer: context align(center, text(size: 8pt)[第 #counter(page).display() 页 / \
共 #counter(page).final().first() 页]))
#set text(font: ("Noto Sans CJK SC", "Source Han Sans SC"), size: 10pt, lang: "zh")
#show heading: set text(fill: rgb("#1e3a5f"))
#outline()
"""


def typst_pdf(html: str, folder: Path, target: Path, repeat: int) -> tuple[float, float, int]:
    """Seconds to translate, median seconds to compile (of ``repeat``), pages."""
    import typst
    from bs4 import BeautifulSoup

    folder.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    body = _Typst(folder).block(BeautifulSoup(html, "html.parser").body)
    (folder / "report.typ").write_text(TYPST_HEAD + body, encoding="utf-8")
    translated = time.perf_counter() - t0
    times = []
    for _ in range(repeat + 1):  # the first compile loads the fonts: not counted
        t0 = time.perf_counter()
        typst.compile(str(folder / "report.typ"), output=str(target), root=str(folder))
        times.append(time.perf_counter() - t0)
    pages = len(re.findall(rb"/Type\s*/Page\b", target.read_bytes()))
    return translated, statistics.median(times[1:]), pages


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(ROOT / "data" / "sample"))
    parser.add_argument("--year", type=int, help="default: the last year of the data")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep", help="write the PDFs here instead of a temporary folder")
    args = parser.parse_args()

    from eduwb.data.dataset import load

    data = Path(args.data).resolve()
    year = args.year or load(data).years[-1]
    work = Path(args.keep or tempfile.mkdtemp(prefix="bench_layout_"))
    html = report_html(data, year, work / "reports")
    cells = len(re.findall(r"<t[dh]\b", html))
    print(
        f"{data.name} {year}: report HTML {len(html) / 1e6:.1f} MB, {cells} table cells, "
        f"{html.count('<img')} charts; load average {os.getloadavg()[0]:.1f}"
    )
    runs = [weasyprint_pdf(html, work / "weasyprint.pdf") for _ in range(args.repeat)]
    layout = statistics.median(r[0] for r in runs)
    write = statistics.median(r[1] for r in runs)
    print(
        f"  WeasyPrint: layout {layout:6.2f} s + PDF {write:5.2f} "
        f"s = {layout + write:6.2f} s, {runs[0][2]} pages"
    )
    try:
        import typst  # noqa: F401
    except ImportError:
        print("  Typst: not installed (pip install typst) — no comparison")
        return
    translated, compiled, pages = typst_pdf(html, work / "typst", work / "typst.pdf", args.repeat)
    print(
        f"  Typst     : translation {translated:5.2f} s + compile {compiled:5.2f} s = "
        f"{translated + compiled:6.2f} s, {pages} pages ({(layout + write) / (translated + compiled):.0f}× "
        "faster; rough translation: no styled cover, no running headers)"
    )
    if args.keep:
        print(f"  PDFs in {work}")


if __name__ == "__main__":
    main()
