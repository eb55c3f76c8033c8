"""A report's render context made by hand, for the typesetting tests (no notebook executed)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from eduwb.present.words import report_text
from eduwb.report.layout import Chapter, markdown_blocks
from eduwb.standards import load_standard


def tiny_context(
    chapters: list[tuple[str, Any]], *, lang: str = "zh", county: str = "示例县", state: str = "failed"
) -> dict[str, Any]:
    """The context :func:`eduwb.report.typeset.write_pdf` takes: ``chapters`` are (title,
    Markdown or a list of blocks)."""
    text = report_text(lang, load_standard("moe-2017"))
    return {
        "lang": lang,
        "text": text,
        "title": text["title"].format(county=county, year=2025),
        "county": county,
        "year": 2025,
        "cover": [(text["standard"], "标准"), (text["school_year"], "2025—2026")],
        "verdict": {
            "label": "未达标",
            "css_class": state,
            "summary": f"{county}：摘要",
            "lists": [("未达标", "R2")],
        },
        "chapters": [
            Chapter(title=t, blocks=markdown_blocks(b) if isinstance(b, str) else b) for t, b in chapters
        ],
        "appendix": [
            {"title": "数据", "header": None, "mono": (), "rows": [(text["county"], county)]},
            {
                "title": "文件",
                "header": ["文件", "字节", "SHA-256"],
                "mono": (2,),
                "rows": [("a.csv", "1", "ab" * 32)],
            },
        ],
        "created": datetime(2026, 1, 1, tzinfo=UTC),
        "eduwb_version": "0.1.0",
    }


def view(
    labels: list[str], rows: list[list[str]], *, numeric=None, nowrap=None, styles=(), caption=None, note=None
) -> dict[str, Any]:
    """A table view as :func:`eduwb.present.notebook.table_view` makes it."""
    out = {
        "caption": caption,
        "labels": labels,
        "rows": rows,
        "numeric": numeric or [False] * len(labels),
        "nowrap": nowrap or [False] * len(labels),
        "styles": list(styles),
    }
    return {**out, "note": note} if note else out
