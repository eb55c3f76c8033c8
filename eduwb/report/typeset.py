"""The report PDF, typeset by Typst: cover, contents, chapters and appendix in one document.

The report is ONE Typst document (``templates/report.typ``, a static file), so page numbers, the
contents' page references and the PDF bookmarks all come from the same layout. What varies is
data: the render context (:mod:`eduwb.report.context`) and the chapters' blocks become a JSON
document model, written with the charts into a private temporary folder that is the
compilation's root. The template shows every string as text: nothing from a county's files is
evaluated as Typst markup, and Typst reads no file outside that folder (no packages, no network,
no system font but the CJK font found here). Typst replaced WeasyPrint (issue #15), which took
about five seconds for the sample's report; ``typst`` is imported inside functions.
"""

from __future__ import annotations

import atexit
import base64
import functools
import json
import os
import shutil
import subprocess
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from eduwb.lang import COLON, pick

TEMPLATE = Path(__file__).parent / "templates" / "report.typ"
# Fonts that cover simplified Chinese, in order of preference; the first is what the
# Makefile installs (Debian/Ubuntu package fonts-noto-cjk).
CJK_FONTS = (
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "WenQuanYi Micro Hei",
    "Microsoft YaHei",
    "PingFang SC",
)
NO_CJK_FONT = (
    "no font covering Chinese is installed, the PDF would show empty boxes: "
    "install Noto Sans CJK SC (Debian/Ubuntu: apt-get install fonts-noto-cjk)"
)


# ---- the document model ----------------------------------------------------------------------
def document(context: dict[str, Any], font: str) -> tuple[dict[str, Any], dict[str, bytes]]:
    """The report's render context as the template's JSON document, and the images it names
    (file name → bytes)."""
    lang, text = context["lang"], context["text"]
    images: dict[str, bytes] = {}
    chapters = [{"title": c.title, "blocks": named_images(c.blocks, images)} for c in context["chapters"]]
    chapters.append({"title": text["appendix_title"], "blocks": appendix_blocks(context)})
    created: datetime = context["created"].astimezone(UTC)
    doc = {
        "lang": pick(("zh", "en"), lang),
        "region": pick(("cn", "us"), lang),
        "fonts": [font],
        "title": context["title"],
        "author": context["county"],
        "county": context["county"],
        "created": [created.year, created.month, created.day, created.hour, created.minute, created.second],
        "words": {"contents": text["contents"], "page_footer": text["page_footer"]},
        "cover": cover(context),
        "chapters": chapters,
    }
    return doc, images


def named_images(blocks: list[dict[str, Any]], images: dict[str, bytes]) -> list[dict[str, Any]]:
    """``blocks`` with each image's bytes put in ``images`` under a name chosen here
    (``img-1.png``, numbered across the report), the block naming that file instead."""
    out = []
    for block in blocks:
        if block["t"] == "img" and "data" in block:
            name = f"img-{len(images) + 1}.{block['ext']}"
            images[name] = base64.b64decode(block["data"])
            extra = {k: v for k, v in block.items() if k not in ("t", "ext", "data")}
            block = {"t": "img", "src": name, **extra}
        out.append(block)
    return out


def cover(context: dict[str, Any]) -> dict[str, Any]:
    """The cover: county, title (two lines), verdict box, facts, producer line."""
    text, verdict, lang = context["text"], context["verdict"], context["lang"]
    colon = pick(COLON, lang)
    return {
        "county": context["county"],
        "title": [text["cover_title_year"].format(year=context["year"]), text["cover_title"]],
        "verdict": {
            "state": verdict["css_class"] if verdict["css_class"] in ("passed", "failed") else "unknown",
            "prefix": f"{text['verdict']}{colon}",
            "label": verdict["label"],
            "summary": verdict.get("summary") or "",
            "lists": [f"{label}{colon}{ids}" for label, ids in verdict.get("lists", [])],
        },
        "facts": [[str(label), str(value)] for label, value in context["cover"]],
        "producer": text["produced_by"].format(version=context["eduwb_version"]),
    }


def appendix_blocks(context: dict[str, Any]) -> list[dict[str, Any]]:
    """The appendix: its introduction, then each section's heading and facts table."""
    out: list[dict[str, Any]] = [{"t": "p", "c": [context["text"]["appendix_intro"]]}]
    for section in context["appendix"]:
        out.append({"t": "h", "level": 2, "c": [str(section["title"])]})
        header = section.get("header")
        mono = set(section.get("mono") or ())
        body = []
        for row in section["rows"]:
            cells = []
            for i, value in enumerate(row):
                cell: dict[str, Any] = {"c": [str(value)]}
                if i == 0 and not header:
                    cell.update(th=True, facts=True)
                if i in mono:
                    cell["mono"] = True
                cells.append(cell)
            body.append(cells)
        columns = len(header) if header else 2
        widths = ["auto"] * (columns - 1) + ["1fr"] if header else ["28%", "1fr"]
        out.append(
            {
                "t": "table",
                "caption": None,
                "columns": columns,
                "widths": widths,
                "head": [[{"c": [str(h)]} for h in header]] if header else [],
                "body": body,
            }
        )
    return out


# ---- fonts -----------------------------------------------------------------------------------
@functools.cache
def require_cjk_font() -> str:
    """The name of an installed font covering simplified Chinese; RuntimeError if none."""
    return _cjk_font()[0]


@functools.cache
def _cjk_font() -> tuple[str, tuple[str, ...]]:
    """The CJK font's family name and its files (fontconfig's answer; no files: no fontconfig,
    Typst searches the system's fonts itself)."""
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        families = set(_system_fonts().families())
        for font in CJK_FONTS:
            if font in families:
                return font, ()
        raise RuntimeError(NO_CJK_FONT)
    out = subprocess.run(
        [fc_list, ":lang=zh-cn", "file", "family"], capture_output=True, text=True, check=False
    ).stdout
    files: dict[str, list[str]] = {}
    for line in out.splitlines():
        path, sep, names = line.partition(": ")
        if not sep:
            continue
        for name in names.split(","):
            files.setdefault(name.strip(), []).append(path.strip())
    for font in (*CJK_FONTS, *sorted(files)):
        if font in files:
            return font, tuple(sorted(set(files[font])))
    raise RuntimeError(NO_CJK_FONT)


@functools.cache
def _system_fonts() -> Any:
    import typst

    return typst.Fonts(include_system_fonts=True, include_embedded_fonts=True)


@functools.cache
def _fonts() -> Any:
    """Typst's fonts for every report of this process: the CJK font's files and Typst's own
    (DejaVu Sans Mono for checksums, and fallbacks); no other system font, so a report looks
    the same, and is the same byte for byte, wherever it is made."""
    import typst

    _family, files = _cjk_font()
    if not files:
        return _system_fonts()
    folder = Path(tempfile.mkdtemp(prefix="eduwb-fonts-"))
    for i, path in enumerate(files):
        # Typst reads font folders, not files: a folder of links to exactly these files
        (folder / f"{i}-{Path(path).name}").symlink_to(path)
    # Typst may read a font's file when it first needs it: the folder stays until the process ends
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return typst.Fonts(include_system_fonts=False, include_embedded_fonts=True, font_paths=[str(folder)])


# ---- the PDF ---------------------------------------------------------------------------------
def write_pdf(context: dict[str, Any], target: str | os.PathLike[str]) -> int:
    """Typeset the report of ``context`` and write the PDF to ``target``; return the page count.
    RuntimeError when no font covering Chinese is installed (the report would print boxes)."""
    doc, images = document(context, require_cjk_font())
    return compile_document(doc, images, target, context["created"])


def compile_document(
    doc: dict[str, Any], images: dict[str, bytes], target: str | os.PathLike[str], created: datetime
) -> int:
    """Compile the template on ``doc`` in a private folder; write the PDF; return its pages."""
    import typst

    fonts = _fonts()
    with tempfile.TemporaryDirectory(prefix="eduwb-typst-") as root:
        folder = Path(root)
        shutil.copyfile(TEMPLATE, folder / "report.typ")
        (folder / "report.json").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
        for name, data in images.items():
            (folder / name).write_bytes(data)
        compiler = typst.Compiler(
            str(folder / "report.typ"), root=str(folder), font_paths=fonts, ignore_system_fonts=True
        )
        pdf = without_default_suspects(compiler.compile(format="pdf", timestamp=int(created.timestamp())))
        pages = json.loads(compiler.query("<eduwb-end>", field="value", one=True))
    Path(target).write_bytes(pdf)
    return int(pages)


#: Typst marks its tagged PDF ``/MarkInfo<</Marked true/Suspects false>>``; poppler before 23.x
#: (Debian 12's pdfinfo, pdftotext, pdftoppm) takes any ``/Suspects`` that is not true for the
#: wrong type and prints "Syntax Error: Suspects object is wrong type (boolean)" for every
#: report.  ``false`` is the key's default (ISO 32000-1, table 321): without it the catalog
#: says the same.
_MARK_INFO = b"/MarkInfo<</Marked true/Suspects false>>"
_MARK_INFO_PLAIN = b"/MarkInfo<</Marked true>>"


def without_default_suspects(pdf: bytes) -> bytes:
    """``pdf`` with its catalog's default ``/Suspects false`` left out, every byte offset
    unchanged (the entry becomes spaces, which PDF reads as white space): the cross-reference
    table stays right, and the PDF keeps its structure tags."""
    if pdf.count(_MARK_INFO) != 1:
        return pdf
    padded = _MARK_INFO_PLAIN[:-2] + b" " * (len(_MARK_INFO) - len(_MARK_INFO_PLAIN)) + b">>"
    return pdf.replace(_MARK_INFO, padded)


def warm_up() -> None:
    """Load the fonts and Typst once (a worker's first report is then as fast as the others)."""
    from eduwb.present.words import report_text
    from eduwb.standards import load_standard

    context = {
        "lang": "zh",
        "text": report_text("zh", load_standard()),
        "title": "预热",
        "county": "预热",
        "year": 2000,
        "cover": [],
        "verdict": {"css_class": "unknown", "label": ""},
        "chapters": [],
        "appendix": [],
        "created": datetime(2000, 1, 1, tzinfo=UTC),
        "eduwb_version": "",
    }
    write_pdf(context, os.devnull)
