"""The render context of a report: cover verdict, dates, appendix rows."""

from __future__ import annotations

import sys
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from eduwb.lang import name_before_number
from eduwb.names import shown
from eduwb.present.words import LIST_SEP, READINESS_LABELS, REPORT_TEXT, column_label, pick, report_text
from eduwb.report.jobs import PACKAGE_DIR, ChapterOutcome, ReportJob, eduwb_version, shown_path


def county_verdict(ds: Any, std: Any, year: int) -> dict[str, Any]:
    """The county's verdict for the cover, from :func:`eduwb.analysis.scorecard.county_verdict`.

    ``{"passed": bool | None, "summary_zh": str, "summary_en": str, "failing": [ids]}``;
    ``passed`` is None (and ``note`` says why) when this installation has no scorecard.
    An error inside the scorecard fails the report.
    """
    try:
        from eduwb.analysis.scorecard import county_verdict as verdict_fn
    except ImportError as exc:
        note = f"no verdict: eduwb.analysis.scorecard.county_verdict is not available ({exc})"
        return {"passed": None, "summary_zh": "", "summary_en": "", "failing": [], "note": note}
    return dict(verdict_fn(ds, std, year))


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
    created = report_created(job)
    # county.toml [statistics_dates], else 1 September
    statistics_date = ds.settings.statistics_date(job.year)
    standard_name = std.name(job.lang) if callable(getattr(std, "name", None)) else str(std.id)
    cover = _cover(text, standard_name, job.year, statistics_date, created)
    appendix = [
        {
            "title": text["sec_data"],
            "header": None,
            "mono": (),
            "rows": [(text["county"], ds.name), (text["path"], job.data_shown)],
        },
        {
            "title": text["sec_data"] + " — SHA-256",
            "header": [text["file"], text["bytes"], text["sha256"]],
            "mono": (2,),
            "rows": [(shown(name, 200), f"{size:,}", sha) for name, size, sha in job.data_files],
        },
        _standard_section(text, std, standard_name, _display_source(std.source, job.cwd)),
        _parameters_section(
            text,
            job,
            chapters,
            lambda spec: ", ".join(f"{k}={v!r}" for k, v in job.parameters_for(spec, shown=True).items()),
        ),
        _software_section(text, created),
    ]
    title = text["title"].format(county=name_before_number(ds.name), year=job.year)
    verdict = _county_verdict(job, text, verdict)
    return _context(job, text, title, ds.name, verdict, cover, chapters, appendix, created)


def _county_verdict(job: ReportJob, text: dict[str, Any], verdict: dict[str, Any]) -> dict[str, Any]:
    """The cover's verdict box of a county report: the label, its colour, the summary, the lists."""
    passed = verdict.get("passed")
    if passed is None:
        state = "unknown"
    elif passed:
        state = "passed"
    else:
        state = "incomplete" if verdict.get("verdict") == "incomplete" else "failed"
    lists = [
        (text[key], _id_list(verdict.get(key), job.lang)) for key in ("failing", "missing", "undeclared")
    ]
    return {
        "label": text[state],
        "css_class": "failed" if state == "failed" else state if state == "passed" else "unknown",
        "summary": verdict.get(pick(("summary_zh", "summary_en"), job.lang)) or "",
        "lists": [(k, v) for k, v in lists if v],
    }


def _cover(
    text: dict[str, Any],
    standard_name: str,
    year: int,
    statistics_date: date,
    created: datetime,
    extra: list[tuple[str, str]] | None = None,
) -> list[tuple[str, str]]:
    """The cover's lines: the standard, the school year, ``extra`` lines, the dates."""
    return [
        (text["standard"], standard_name),
        (text["school_year"], text["school_year_value"].format(year=year, next=year + 1)),
        *(extra or []),
        (text["statistics_date"], text["date_fmt"].format(d=statistics_date)),
        (text["generated"], text["date_fmt"].format(d=created)),
    ]


def _standard_section(text: dict[str, Any], std: Any, standard_name: str, source: str) -> dict[str, Any]:
    """The appendix section naming the standard: its id, its name and its file."""
    return {
        "title": text["sec_standard"],
        "header": None,
        "mono": (),
        "rows": [
            (text["standard_id"], std.id),
            (text["standard_name"], standard_name),
            (text["standard_source"], source),
        ],
    }


def _parameters_section(
    text: dict[str, Any], job: ReportJob, chapters: list[ChapterOutcome], shown: Any
) -> dict[str, Any]:
    """The appendix section listing each chapter's notebook and its parameters (``shown(spec)``)."""
    return {
        "title": text["sec_parameters"],
        "header": [text["chapter"], text["notebook"], text["parameters"]],
        "mono": (),
        "rows": [
            (
                chapter.title,
                Path(job.notebooks[chapter.index].path).name,
                shown(job.notebooks[chapter.index]),
            )
            for chapter in chapters
        ],
    }


def _software_section(text: dict[str, Any], created: datetime) -> dict[str, Any]:
    """The appendix section on what made the report: eduwb, Python, pandas, and when."""
    import pandas

    return {
        "title": text["sec_software"],
        "header": None,
        "mono": (),
        "rows": [
            ("eduwb", eduwb_version()),
            (text["python"], sys.version.split()[0]),
            ("pandas", pandas.__version__),
            (text["generated"], text["date_fmt"].format(d=created)),
        ],
    }


def _context(
    job: ReportJob,
    text: dict[str, Any],
    title: str,
    county: str,
    verdict: dict[str, Any],
    cover: list[tuple[str, str]],
    chapters: list[ChapterOutcome],
    appendix: list[dict[str, Any]],
    created: datetime,
) -> dict[str, Any]:
    """The render context the report template takes (a county's and a province's alike)."""
    from eduwb.report import layout as pdf

    return {
        "lang": job.lang,
        "text": text,
        "title": title,
        "county": county,
        "year": job.year,
        "cover": cover,
        "verdict": verdict,
        "chapters": [pdf.Chapter(title=c.title, html=c.html) for c in chapters],
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
    checksum = None
    if path.is_file():
        import hashlib

        checksum = hashlib.sha256(path.read_bytes()).hexdigest()
    return shown_path(path, cwd, checksum)


# ---- the province report --------------------------------------------------------------------
def province_summary(chapters: list[ChapterOutcome], lang: str) -> dict[str, list[str]] | None:
    """Readiness class → counties, read off the ``readiness`` table a province chapter displayed.

    None when no chapter showed one (a province notebook of one's own making).
    """
    for chapter in chapters:
        for table in chapter.tables:
            if table.get("name") != "readiness":
                continue
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
    text = {**base, "cover_title": base["province_cover_title"], "verdict": base["province_overview"],
            "produced_by": base["province_produced_by"]}  # fmt: skip
    standard_name = std.name(job.lang)
    created = report_created(job)
    # the statistics date of the year (the counties' own dates are on their reports)
    statistics_date = date(job.year, 9, 1)
    counties = [(text["counties"], str(len(job.counties)))]
    cover = _cover(text, standard_name, job.year, statistics_date, created, counties)
    appendix = [_counties_section(job, text)]
    if job.excluded:
        appendix.append(
            {
                "title": text["sec_excluded"],
                "header": [text["county"], text["reason"]],
                "mono": (),
                "rows": list(job.excluded),
            }
        )

    def shown(spec: Any) -> str:
        return ", ".join(
            f"{k}={text['counties_param'].format(n=len(v)) if k == 'data' else repr(v)}"
            for k, v in job.parameters_for(spec).items()
        )

    appendix += [
        _standard_section(text, std, standard_name, _display_source(std.source)),
        _parameters_section(text, job, chapters, shown),
        _software_section(text, created),
    ]
    title = base["province_title"].format(province=name_before_number(job.county), year=job.year)
    verdict = _province_verdict(job, text, province_summary(chapters, job.lang))
    return _context(job, text, title, job.county, verdict, cover, chapters, appendix, created)


def _province_verdict(
    job: ReportJob, text: dict[str, Any], summary: dict[str, list[str]] | None
) -> dict[str, Any]:
    """The cover's box of a province report: how many counties pass, the counties by readiness."""
    if summary is None:
        return {"label": text["unknown"], "css_class": "unknown", "summary": "", "lists": []}
    n = sum(len(v) for v in summary.values())
    passing = len(summary["passes"])
    label = text["province_counts"].format(n=n, passing=passing)
    lists = [(pick(READINESS_LABELS[code], job.lang), names) for code, names in summary.items() if names]
    css = "passed" if n and passing == n else "unknown" if not n else "failed"
    return {"label": label, "css_class": css, "summary": "", "lists": lists}


def _counties_section(job: ReportJob, text: dict[str, Any]) -> dict[str, Any]:
    """The appendix section listing the counties in the report: data, number of files, digest."""
    count_files = {county: 0 for county, _path, _digest in job.counties}
    for name, _size, _sha in job.data_files:
        county = name.split("/", 1)[0]
        count_files[county] = count_files.get(county, 0) + 1
    return {
        "title": text["sec_counties"],
        "header": [text["county"], text["path"], text["files"], text["files_digest"]],
        "mono": (3,),
        "rows": [
            (
                shown(county),
                shown(shown_path(path, Path.cwd(), digest), 200),
                str(count_files.get(county, 0)),
                digest,
            )
            for county, path, digest in job.counties
        ],
    }
