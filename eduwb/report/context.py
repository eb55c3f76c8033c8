"""A report from its chapters: the render context (cover, verdict, dates, appendix), then the PDF,
the tables workbook (every table the notebooks showed, one sheet each, after an index) and the
sidecar."""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import sys
import time
from collections import Counter
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from eduwb._files import atomic_path, pin_zip_dates
from eduwb.data.workbook import display_width
from eduwb.lang import name_before_number
from eduwb.names import shown
from eduwb.present.safe import xlsx_text_cells
from eduwb.present.words import LIST_SEP, READINESS_LABELS, REPORT_TEXT, column_label, pick, report_text
from eduwb.report.engine import few_collections
from eduwb.report.jobs import (
    PACKAGE_DIR,
    PROVINCE_SCOPE,
    SIDECAR,
    ChapterOutcome,
    ReportJob,
    ReportResult,
    eduwb_version,
    shown_path,
)


@few_collections()
def render_report(job: ReportJob, chapters: list[ChapterOutcome]) -> ReportResult:
    """Lay the chapters out as the report PDF, write the tables workbook and the sidecar.

    Never raises: a failure fails this report (the result says why), not the batch.
    """
    from eduwb.analysis.scorecard import county_verdict
    from eduwb.data.dataset import load
    from eduwb.report import typeset
    from eduwb.standards import load_standard

    t0 = time.perf_counter()
    data = ", ".join(job.data) if job.scope == PROVINCE_SCOPE else job.data
    try:
        if job.scope == PROVINCE_SCOPE:
            context = province_context(job, chapters)
        else:
            ds = load(Path(job.data), standard=job.standard)  # reused while its files are unchanged
            std = load_standard(job.standard_used)
            context = report_context(job, ds, std, county_verdict(ds, std, job.year), chapters)
        with atomic_path(job.report_path) as tmp:
            pages = typeset.write_pdf(context, tmp)
        tables = [table for chapter in chapters for table in chapter.tables]
        with atomic_path(job.tables_path) as tmp:
            write_tables_xlsx(tables, tmp, lang=job.lang, created=report_created(job))
        sidecar = {
            "status": "ok",
            "fingerprint": job.fingerprint,
            "county": job.county,
            "year": job.year,
            "data": job.data_shown or job.data,
            "report": job.report_path.name,
            "tables": job.tables_path.name,
            "pages": pages,
            "chapters": [c.title for c in chapters],
            "table_count": len(tables),
            "notebook_seconds": {job.notebooks[c.index].stem: round(c.seconds, 2) for c in chapters},
            "engines": sorted({c.engine for c in chapters}),
            "layout_seconds": round(time.perf_counter() - t0, 2),
        }
        with atomic_path(Path(job.out_dir) / SIDECAR) as tmp:
            tmp.write_text(json.dumps(sidecar, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    except Exception as exc:  # noqa: BLE001 -- fails this report, not the batch
        reason = f"layout: {type(exc).__name__}: {exc}"
        return ReportResult(job.county, job.year, "failed", time.perf_counter() - t0, reason, data)
    outputs = [str(job.report_path), str(job.tables_path)]
    return ReportResult(
        job.county, job.year, "ok", time.perf_counter() - t0, str(job.report_path), data, outputs
    )


def report_created(job: ReportJob) -> datetime:
    """When the report was made: ``SOURCE_DATE_EPOCH`` (UTC) or now, in local time.

    Local, not UTC: a report made at 07:00 in Beijing is dated that day, not the day before.
    """
    if job.source_date_epoch is not None:
        return datetime.fromtimestamp(job.source_date_epoch, UTC)
    return datetime.now().astimezone().replace(microsecond=0)


def report_context(
    job: ReportJob, ds: Any, std: Any, verdict: dict[str, Any], chapters: list[ChapterOutcome]
) -> dict[str, Any]:
    """The render context of a county report: its verdict on the cover, its data in the appendix."""
    text = report_text(job.lang, std)
    data = [
        _section(text["sec_data"], [(text["county"], ds.name), (text["path"], job.data_shown)]),
        _section(
            text["sec_data"] + " — SHA-256",
            [(shown(name, 200), f"{size:,}", sha) for name, size, sha in job.data_files],
            [text["file"], text["bytes"], text["sha256"]],
            (2,),
        ),
    ]
    passed = verdict.get("passed")
    state = "unknown" if passed is None else "passed" if passed else "failed"
    if state == "failed" and verdict.get("verdict") == "incomplete":
        state = "incomplete"
    lists = [
        (text[key], _id_list(verdict.get(key), job.lang)) for key in ("failing", "missing", "undeclared")
    ]
    box = {
        "label": text[state],
        "css_class": state if state in ("passed", "failed") else "unknown",
        "summary": verdict.get(pick(("summary_zh", "summary_en"), job.lang)) or "",
        "lists": [(k, v) for k, v in lists if v],
    }

    def parameters(spec: Any) -> str:
        return ", ".join(f"{k}={v!r}" for k, v in job.parameters_for(spec, shown=True).items())

    title = text["title"].format(county=name_before_number(ds.name), year=job.year)
    top = {"title": title, "county": ds.name, "verdict": box}
    source = _display_source(std.source, job.cwd)
    # county.toml [statistics_dates], else 1 September
    return _document(
        job, std, text, chapters, top, data, parameters, source, ds.settings.statistics_date(job.year)
    )


def _section(
    title: str, rows: list[tuple], header: list[str] | None = None, mono: tuple = ()
) -> dict[str, Any]:
    """One appendix section: a table of ``rows`` (``header`` None: label and value pairs)."""
    return {"title": title, "header": header, "mono": mono, "rows": rows}


def _document(
    job, std, text, chapters, top, sections, parameters, source, statistics_date, cover_extra=()
) -> dict[str, Any]:
    """The render context the report template takes (a county's and a province's alike).

    ``top``: its title, county and verdict box. The cover: the standard, the school year,
    ``cover_extra``, the statistics date and when it was made. The appendix: ``sections``, then
    the standard (its file named as ``source``), each chapter's notebook with its
    ``parameters(spec)``, and what made the report.
    """
    import pandas

    from eduwb.report import layout as pdf

    created = report_created(job)
    standard_name = std.name(job.lang)
    school_year = text["school_year_value"].format(year=job.year, next=job.year + 1)
    cover = [(text["standard"], standard_name), (text["school_year"], school_year), *cover_extra]
    cover += [
        (text["statistics_date"], text["date_fmt"].format(d=statistics_date)),
        (text["generated"], text["date_fmt"].format(d=created)),
    ]
    standard = [
        (text["standard_id"], std.id),
        (text["standard_name"], standard_name),
        (text["standard_source"], source),
    ]
    notebooks = [
        (c.title, Path(job.notebooks[c.index].path).name, parameters(job.notebooks[c.index]))
        for c in chapters
    ]
    software = [
        ("eduwb", eduwb_version()),
        (text["python"], sys.version.split()[0]),
        ("pandas", pandas.__version__),
        (text["generated"], text["date_fmt"].format(d=created)),
    ]
    appendix = [
        *sections,
        _section(text["sec_standard"], standard),
        _section(text["sec_parameters"], notebooks, [text["chapter"], text["notebook"], text["parameters"]]),
        _section(text["sec_software"], software),
    ]
    return {
        "lang": job.lang,
        "text": text,
        **top,
        "year": job.year,
        "cover": cover,
        "chapters": [pdf.Chapter(title=c.title, blocks=c.blocks) for c in chapters],
        "appendix": appendix,
        "created": created,
        "eduwb_version": eduwb_version(),
    }


def _id_list(ids: Any, lang: str, limit: int = 24) -> str:
    """Ids for the cover as one line, cut short so that the cover stays one page.

    ``G1、G2、…、G24 等 30 项`` — the count follows the last id, never as an id of its own.
    """
    ids = [str(i) for i in ids or []]
    text = pick(LIST_SEP, lang).join(ids[:limit])
    if len(ids) > limit:
        more = REPORT_TEXT[lang]["more"].format(n=len(ids), more=len(ids) - limit)
        text += more if more.startswith(" ") else f" {more}"
    return text


def _display_source(source: str, cwd: str = "") -> str:
    """A standard file as the appendix names it: inside the package, or relative / name and checksum."""
    path = Path(source)
    if path.is_relative_to(PACKAGE_DIR):
        return f"eduwb/{path.relative_to(PACKAGE_DIR).as_posix()}"
    checksum = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else None
    return shown_path(path, cwd, checksum)


# ---- the province report --------------------------------------------------------------------
def province_summary(chapters: list[ChapterOutcome], lang: str) -> dict[str, list[str]] | None:
    """Readiness class → counties, read off the ``readiness`` table a province chapter displayed.

    None when no chapter showed one (a province notebook of one's own making).
    """
    for table in (t for chapter in chapters for t in chapter.tables if t.get("name") == "readiness"):
        columns = list(table.get("columns", []))
        try:
            county_col = columns.index(column_label("county", lang))
            class_col = columns.index(column_label("readiness", lang))
        except ValueError:
            return None
        code_of = {label: code for code, pair in READINESS_LABELS.items() for label in (*pair, code)}
        out: dict[str, list[str]] = {code: [] for code in READINESS_LABELS}
        for row in table.get("data", []):
            code = code_of.get(str(row[class_col]))
            if code is not None:
                out[code].append(str(row[county_col]))
        return out
    return None


def province_context(job: ReportJob, chapters: list[ChapterOutcome]) -> dict[str, Any]:
    """The render context of a province report: the same document as a county's, with the
    province on the cover (its counties by readiness) and its counties in the appendix."""
    from eduwb.standards import load_standard

    std = load_standard(job.standard_used)
    base = report_text(job.lang, std)
    text = {
        **base,
        "cover_title": base["province_cover_title"],
        "verdict": base["province_overview"],
        "produced_by": base["province_produced_by"],
    }
    count_files = Counter(name.split("/", 1)[0] for name, _size, _sha in job.data_files)
    counties = [
        (
            shown(county),
            shown(shown_path(path, Path.cwd(), digest), 200),
            str(count_files[county]),
            digest,
        )
        for county, path, digest in job.counties
    ]
    header = [text["county"], text["path"], text["files"], text["files_digest"]]
    sections = [_section(text["sec_counties"], counties, header, (3,))]
    if job.excluded:
        sections.append(_section(text["sec_excluded"], list(job.excluded), [text["county"], text["reason"]]))

    def parameters(spec: Any) -> str:
        return ", ".join(
            f"{k}={text['counties_param'].format(n=len(v)) if k == 'data' else repr(v)}"
            for k, v in job.parameters_for(spec).items()
        )

    title = base["province_title"].format(province=name_before_number(job.county), year=job.year)
    summary = province_summary(chapters, job.lang)
    if summary is None:
        box = {"label": text["unknown"], "css_class": "unknown", "summary": "", "lists": []}
    else:
        n, passing = sum(len(v) for v in summary.values()), len(summary["passes"])
        lists = [(pick(READINESS_LABELS[code], job.lang), names) for code, names in summary.items() if names]
        css = "passed" if n and passing == n else "unknown" if not n else "failed"
        box = {
            "label": text["province_counts"].format(n=n, passing=passing),
            "css_class": css,
            "summary": "",
            "lists": lists,
        }
    top = {"title": title, "county": job.county, "verdict": box}
    extra = ((text["counties"], str(len(job.counties))),)
    # the statistics date of the year (the counties' own dates are on their reports)
    source, statistics_date = _display_source(std.source), date(job.year, 9, 1)
    return _document(job, std, text, chapters, top, sections, parameters, source, statistics_date, extra)


# ---- the tables workbook: every table the notebooks showed, one sheet each, after an index ----
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def sheet_name(title: str, used: set[str]) -> str:
    """An Excel sheet name from a table title: ≤ 31 characters, legal, unique (case-insensitive)."""
    base = _SHEET_FORBIDDEN.sub("_", str(title)).strip().strip("'") or "table"
    if base.lower() == "history":
        base = "history_"
    name = base[:31]
    n = 1
    while name.lower() in used:
        n += 1
        suffix = f" ({n})"
        name = base[: 31 - len(suffix)] + suffix
    used.add(name.lower())
    return name


def write_tables_xlsx(
    tables: list[dict[str, Any]],
    target: str | os.PathLike[str],
    *,
    lang: str = "zh",
    created: datetime | None = None,
) -> None:
    """Write each table to its own sheet, after an index sheet; headers as displayed.

    ``tables`` are the payloads of ``eduwb.present.show_table`` (``name``, ``title``,
    ``columns``, ``data``), each with the ``chapter`` it appeared in.  With ``created``
    given, the file's dates are that moment, so the same tables give the same bytes.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    text = REPORT_TEXT[lang]
    wb = Workbook()
    index = wb.active
    index.title = text["sheet_index"]
    used = {index.title.lower()}
    header_font = Font(bold=True)
    header_fill = PatternFill("solid", fgColor="EEF2F7")
    index.append(text["index_header"])
    for i, table in enumerate(tables, start=1):
        title = str(table.get("title") or table.get("name") or f"table {i}")
        name = sheet_name(title, used)
        ws = wb.create_sheet(name)
        columns = [str(c) for c in table.get("columns", [])]
        ws.append(columns)
        xlsx_text_cells(ws[1])
        # ws[ws.max_row] is the row just appended, but max_row and max_column scan every cell of
        # the sheet each time; count them instead (the same cells, without the quadratic cost)
        width = max(1, len(columns))
        for number, row in enumerate(table.get("data", []), start=2):
            ws.append([_excel_value(v) for v in row])
            width = max(width, len(row))
            xlsx_text_cells(next(ws.iter_rows(min_row=number, max_row=number, max_col=width)))
        for cell in ws[1]:
            cell.font = header_font
            cell.fill = header_fill
            cell.alignment = Alignment(wrap_text=True, vertical="bottom")
        ws.freeze_panes = "A2"
        for col, header in enumerate(columns, start=1):
            sample = [header] + [r[col - 1] for r in table.get("data", [])[:200] if len(r) >= col]
            width = max(display_width(v) for v in sample)
            ws.column_dimensions[get_column_letter(col)].width = min(60, max(8, width + 2))
        index.append([i, name, title, str(table.get("chapter", "")), table_command(table)])
        xlsx_text_cells(index[i + 1])
        link = index.cell(row=i + 1, column=2)
        link.hyperlink = f"#'{name}'!A1"
        link.style = "Hyperlink"
    for cell in index[1]:
        cell.font = header_font
        cell.fill = header_fill
    for col, width in zip("ABCDE", (6, 34, 50, 40, 40), strict=True):
        index.column_dimensions[col].width = width
    index.freeze_panes = "A2"
    when = (created or datetime.now(UTC)).astimezone(UTC).replace(tzinfo=None)  # xlsx dates are UTC
    wb.properties.creator = f"eduwb {eduwb_version()}"
    wb.properties.created = when
    wb.properties.modified = when
    wb.properties.lastModifiedBy = "eduwb"
    buffer = io.BytesIO()
    wb.save(buffer)
    content = buffer.getvalue() if created is None else pin_zip_dates(buffer.getvalue(), when)
    Path(target).write_bytes(content)


def table_command(table: dict[str, Any]) -> str:
    """The ``eduwb table`` command giving a shown table (its registry name and options)."""
    name = table.get("name")
    if not name:
        return ""
    parts = [f"eduwb table {name}"]
    for key, value in (table.get("options") or {}).items():
        parts.append(f"--by {value}" if key == "by" else f"--param {key}={value}")
    return " ".join(parts)


def _excel_value(value: Any) -> Any:
    if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
        return None
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return value
