"""What a report run is made of: options, jobs and their fingerprints, planned from each county as read."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import re
import time
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eduwb._files import TMP_MARK
from eduwb.errors import DataError, EduwbError
from eduwb.present.words import REPORT_TEXT, report_text
from eduwb.standards import BUILTIN

PACKAGE_DIR = Path(__file__).resolve().parent.parent  # the eduwb package
SIDECAR = "report.json"
#: A notebook whose metadata says ``{"eduwb": {"scope": "province"}}`` makes the province report
#: (``--province``), not a chapter of the county reports.
PROVINCE_SCOPE = "province"


# ---- what travels between the parent and the workers (all picklable) ---------------------
@dataclass(frozen=True)
class NotebookSpec:
    """A report notebook and the report parameters it declares (and so receives)."""

    path: str
    parameters: tuple[str, ...]
    scope: str = "county"

    @property
    def stem(self) -> str:
        return Path(self.path).stem


@dataclass(frozen=True)
class RunOptions:
    """What is the same for every report of one run."""

    out: str
    lang: str
    standard: str | None
    notebooks: tuple[NotebookSpec, ...]
    force: bool = False
    source_date_epoch: int | None = None
    province: str | None = None
    province_notebooks: tuple[NotebookSpec, ...] = ()
    cwd: str = ""  # the working folder the run was started in (paths in outputs are relative to it)


def shown_path(
    path: str | os.PathLike[str], cwd: str | os.PathLike[str] | None = None, checksum: str | None = None
) -> str:
    """A path as a report prints it, never the machine's absolute path.

    Relative to the working folder ``cwd`` when inside it (``data/sample``); else its last
    name with a checksum of its contents (``示例县 (SHA-256 1a2b3c4d5e6f7a8b)``), which
    identifies the data wherever they live.
    """
    target = Path(path).resolve()
    if cwd:
        with contextlib.suppress(ValueError):
            return target.relative_to(Path(cwd).resolve()).as_posix() or "."
    return f"{target.name} (SHA-256 {checksum[:16]})" if checksum else target.name


@dataclass(frozen=True)
class ReportJob:
    """One report to make: a county × year, or a province × year when ``data`` is a tuple of the
    county datasets (``--province``; ``county`` is then the province's name)."""

    data: str | tuple[str, ...]
    county: str
    year: int
    out_dir: str
    lang: str
    standard: str | None
    standard_used: str
    notebooks: tuple[NotebookSpec, ...]
    data_files: tuple[tuple[str, int, str], ...]
    fingerprint: str
    source_date_epoch: int | None = None
    shown: tuple[tuple[str, str], ...] = ()  # (data path, as outputs name it: shown_path)
    standard_shown: str | None = None  # a --standard file as outputs name it
    cwd: str = ""  # the working folder of the run (RunOptions.cwd)
    counties: tuple[tuple[str, str, str], ...] = ()  # province: (county, data path, digest of its files)
    excluded: tuple[tuple[str, str], ...] = ()  # province: (county or path, why it is not in the report)

    @property
    def scope(self) -> str:
        return PROVINCE_SCOPE if isinstance(self.data, tuple) else "county"

    @property
    def key(self) -> tuple[str, int]:
        return (self.county, self.year)

    @property
    def data_shown(self) -> str:
        return dict(self.shown).get(self.data) or shown_path(self.data) if self.scope == "county" else ""

    def _output(self, kind: str) -> Path:
        from eduwb.standards import load_standard  # cached: one load per standard and process

        text = report_text(self.lang, load_standard(self.standard_used))
        prefix = "province_" if self.scope == PROVINCE_SCOPE else ""
        name = text[prefix + kind].format(county=self.county, province=self.county, year=self.year)
        return Path(self.out_dir) / name

    @property
    def report_path(self) -> Path:
        return self._output("report_file")

    @property
    def tables_path(self) -> Path:
        return self._output("tables_file")

    @property
    def notebooks_dir(self) -> Path:
        return Path(self.out_dir) / "notebooks"

    def parameters_for(self, spec: NotebookSpec, shown: bool = False) -> dict[str, Any]:
        """The parameters ``spec`` receives; ``shown``: as outputs print them (no absolute path)."""
        names = dict(self.shown) if shown else {}
        data = (
            [names.get(p, p) for p in self.data]
            if self.scope == PROVINCE_SCOPE
            else names.get(self.data, self.data)
        )
        standard = self.standard_shown if shown and self.standard_shown and self.standard else self.standard
        values = {
            "data": data,
            "year": self.year,
            "lang": self.lang,
            "interactive": False,
            "standard": standard,
        }
        return {name: values[name] for name in spec.parameters}


@dataclass
class ReportResult:
    """How one county × year went."""

    county: str
    year: int | None
    status: str  # "ok", "up-to-date", "failed", "no data"
    seconds: float = 0.0
    detail: str = ""
    data: str = ""
    outputs: list[str] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return self.status == "failed"


@dataclass
class CountyPlan:
    data: str
    county: str
    jobs: list[ReportJob]
    results: list[ReportResult]
    # for the province report: the county's years, files and standard (empty when it failed)
    years: tuple[int, ...] = ()
    data_files: tuple[tuple[str, int, str], ...] = ()
    standard_used: str = ""


@dataclass
class ChapterOutcome:
    index: int
    ok: bool
    seconds: float
    title: str = ""
    blocks: list[dict[str, Any]] = field(default_factory=list)
    tables: list[dict[str, Any]] = field(default_factory=list)
    reason: str = ""
    engine: str = ""


# ---- stage 1: read the county, decide which reports to make --------------------------------
def inspect_county(data: str, years: list[int] | None, options: RunOptions) -> CountyPlan:
    """Load and validate one county's data; plan its reports (skipping those up to date)."""
    from eduwb.data.dataset import load
    from eduwb.names import shown
    from eduwb.standards import load_standard, standard_ref

    t0 = time.perf_counter()
    path = Path(data)
    county, todo = shown(path.stem if path.suffix else path.name), years
    try:
        files = data_files(path)
        ds = load(path, standard=options.standard)  # reused while its files are unchanged
        county, available = safe_name(ds.name), list(ds.years)
        wanted = years if years is not None else available
        missing = [y for y in wanted if y not in available]
        said = "数据中没有 {} 年（已有：{}） / the data have no year {} (they have {})"
        results = [
            ReportResult(
                county, y, "no data", 0.0, said.format(y, _span(available, "无"), y, _span(available)), data
            )
            for y in missing
        ]
        todo = [y for y in wanted if y in available]
        if not todo:
            reason = f"none of the years asked for ({_span(wanted)}) is in the data ({_span(available)})"
            failed = ReportResult(county, None, "failed", time.perf_counter() - t0, reason, data)
            return CountyPlan(data, county, [], [failed])
        standard_used = str(standard_ref(ds, options.standard))
        std = load_standard(standard_used)
    except (EduwbError, OSError) as exc:
        reason = f"{type(exc).__name__}: {exc}"
        if isinstance(exc, DataError):
            reason = "invalid data:\n" + "\n".join(str(p) for p in exc.problems)
        failed = [
            ReportResult(county, y, "failed", time.perf_counter() - t0, reason, data) for y in todo or [None]
        ]
        return CountyPlan(data, county, [], failed)
    plan = CountyPlan(data, county, [], [], tuple(available), tuple(files), standard_used)
    if not options.notebooks:  # a province report only: the county is read for it, no county report
        return plan
    plan.results = results
    data_key = _digest([f[2] for f in files] + [f[0] for f in files])
    shown_as = ((data, shown_path(path, options.cwd, data_key)),)
    standard_shown = options.standard
    if options.standard is not None and options.standard not in BUILTIN:
        standard_shown = shown_path(options.standard, options.cwd, _file_digest(options.standard))
    for year in todo:
        more = {"standard_param": options.standard is not None, "shown_as": [shown_as[0][1], standard_shown]}
        plan.jobs += _job(
            options,
            std,
            results,
            data,
            more,
            data=data,
            county=county,
            year=year,
            standard_used=standard_used,
            notebooks=options.notebooks,
            data_files=tuple(files),
            shown=shown_as,
            standard_shown=standard_shown,
        )
    return plan


def _job(
    options: RunOptions, std: Any, results: list[ReportResult], label: str, more: dict, **fields: Any
) -> list:
    """[the job of ``fields``], or [] when its outputs are up to date (resuming a run: ``results``
    says so) and not ``--force``; the job's folder is rid of what an interrupted run left. Its
    fingerprint covers the data's files, the notebooks, the standard, the language, eduwb's code.
    """
    parts = {
        "year": fields["year"],
        "data": [list(f) for f in fields["data_files"]],
        "notebooks": [[spec.stem, spec.parameters, _file_digest(spec.path)] for spec in fields["notebooks"]],
        "standard": _digest([json.dumps(std.raw, sort_keys=True, default=str)]),
        "lang": options.lang,
        "code": code_digest(),
        "source_date_epoch": options.source_date_epoch,
        **more,
    }
    job = ReportJob(
        **fields,
        out_dir=str(Path(options.out) / fields["county"] / str(fields["year"])),
        lang=options.lang,
        standard=options.standard,
        fingerprint=_digest([json.dumps(parts, sort_keys=True)]),
        source_date_epoch=options.source_date_epoch,
        cwd=options.cwd,
    )
    try:  # up to date: the report and its workbook exist and were made from the same inputs
        made = json.loads((Path(job.out_dir) / SIDECAR).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        made = {}
    same = (made.get("status"), made.get("fingerprint")) == ("ok", job.fingerprint)
    if not options.force and same and job.report_path.is_file() and job.tables_path.is_file():
        path = str(job.report_path)
        results.append(ReportResult(job.county, job.year, "up-to-date", 0.0, path, label, [path]))
        return []
    for folder in (Path(job.out_dir), job.notebooks_dir):
        for tmp in folder.glob(f".*{TMP_MARK}*") if folder.is_dir() else ():
            with contextlib.suppress(OSError):
                tmp.unlink()
    return [job]


# ---- the province report: planned once every county has been read -------------------------
def plan_province(
    plans: list[CountyPlan], years: list[int] | None, options: RunOptions
) -> tuple[list[ReportJob], list[ReportResult]]:
    """The province × year reports of a run (``--province``), from the counties as inspected.

    ``plans`` are in the order the counties were given. A county whose data were refused, or
    that lacks the year, is left out of that year's report (and named in its appendix); two
    counties of the same name keep the first.
    """
    from eduwb.standards import load_standard

    name = safe_name(options.province or "")
    excluded: list[tuple[str, str]] = []
    members: list[CountyPlan] = []
    for plan in plans:
        if not plan.years:
            reasons = [r.detail for r in plan.results if r.failed] or ["cannot be read"]
            excluded.append((plan.county, reasons[0].splitlines()[0]))
        elif any(m.county == plan.county for m in members):
            excluded.append((plan.county, f"another county of this name ({plan.data})"))
        else:
            members.append(plan)
    if not members:
        said = "省内没有一个县能读取 / no county of the province could be read"
        return [], [ReportResult(name, None, "failed", 0.0, said, "")]
    standard_used = str(options.standard or members[0].standard_used)
    std = load_standard(standard_used)
    standard_shown = None
    if options.standard not in (None, *BUILTIN):
        standard_shown = shown_path(options.standard, options.cwd)
    results: list[ReportResult] = []
    jobs: list[ReportJob] = []
    for year in years if years is not None else sorted({y for m in members for y in m.years}):
        inside = [m for m in members if year in m.years]
        if not inside:
            said = f"没有哪个县有 {year} 年的数据 / no county has data for {year}"
            results.append(ReportResult(name, year, "no data", 0.0, said, ""))
            continue
        no_year = REPORT_TEXT[options.lang]["no_year_data"].format(year=year)
        left_out = excluded + [(m.county, no_year) for m in members if year not in m.years]
        counties = tuple(
            (m.county, m.data, _digest([f"{f}:{sha}" for f, _s, sha in m.data_files])) for m in inside
        )
        more = {"province": name, "standard_id": standard_used, "counties": [list(c) for c in counties]}
        files = tuple((f"{m.county}/{f}", size, sha) for m in inside for f, size, sha in m.data_files)
        shown = tuple((path, shown_path(path, options.cwd, digest)) for _c, path, digest in counties)
        jobs += _job(
            options,
            std,
            results,
            "",
            more,
            data=tuple(m.data for m in inside),
            county=name,
            year=year,
            standard_used=standard_used,
            notebooks=options.province_notebooks,
            data_files=files,
            shown=shown,
            standard_shown=standard_shown,
            counties=counties,
            excluded=tuple(left_out),
        )
    return jobs, results


def _span(years: list[int], none: str = "none") -> str:
    ys = sorted(years)
    return none if not ys else f"{ys[0]}–{ys[-1]}" if len(ys) > 1 else str(ys[0])


# ---- names and digests ----------------------------------------------------------------------
#: Longest folder or file-name part made from a county name, in UTF-8 bytes (a file name may
#: hold 255; the report's own words and the year come after it).
SAFE_NAME_BYTES = 120
_WINDOWS_DEVICES = {"CON", "PRN", "AUX", "NUL", *(f"{d}{i}" for d in ("COM", "LPT") for i in range(1, 10))}


def safe_name(name: str) -> str:
    """A county name usable as a folder and file name on every system, and inert in any template.

    Path separators, characters Windows forbids, control and invisible formatting characters
    and braces (which ``str.format`` would read, as papermill does with output paths) become
    ``_``; leading and trailing dots and spaces go; a Windows device name gets a ``_`` before
    it; the result is cut to :data:`SAFE_NAME_BYTES` bytes. Never empty, never ``.`` or ``..``.
    """
    cleaned = unicodedata.normalize("NFC", str(name))
    cleaned = "".join("_" if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") else ch for ch in cleaned)
    cleaned = re.sub(r'[\\/:*?"<>|{}]+', "_", cleaned).strip(" .")
    encoded = cleaned.encode("utf-8")
    if len(encoded) > SAFE_NAME_BYTES:
        cleaned = encoded[:SAFE_NAME_BYTES].decode("utf-8", errors="ignore").rstrip(" .")
    if cleaned.split(".")[0].upper() in _WINDOWS_DEVICES:
        cleaned = "_" + cleaned
    return cleaned or "county"


def data_files(path: Path) -> list[tuple[str, int, str]]:
    """(name, size in bytes, sha256) of every file the dataset's loader reads, names relative to
    the data's folder (:func:`eduwb.data.dataset.files_read`: no other file of the folder is
    opened). A file larger than the loader accepts is not hashed (it is refused).
    """
    from eduwb.data import limits
    from eduwb.data.dataset import files_read

    if not (path.is_file() or path.is_dir()):
        raise FileNotFoundError(f"{path}: no such folder or workbook")
    root = path if path.is_dir() else path.parent
    out = []
    for f in files_read(path):
        size = f.stat().st_size
        digest = _file_digest(f) if size <= limits.MAX_FILE_BYTES else "-"
        out.append((f.relative_to(root).as_posix(), size, digest))
    return out


def _file_digest(path: str | Path) -> str:
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def _digest(parts: list[str]) -> str:
    return hashlib.sha256(b"".join(part.encode("utf-8") + b"\0" for part in parts)).hexdigest()


@functools.cache
def code_digest() -> str:
    """A digest of eduwb's code, standards and templates: a changed analysis means a new report.

    Every file of the package counts (bytecode caches aside): a list of suffixes once missed the
    Typst template when the report's templates changed kind."""
    files = sorted(p for p in PACKAGE_DIR.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    return _digest([f"{p.relative_to(PACKAGE_DIR).as_posix()}:{_file_digest(p)}" for p in files])


@functools.cache
def eduwb_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("eduwb")
    except PackageNotFoundError:  # a source checkout without metadata
        return "unknown"
