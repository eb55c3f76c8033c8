"""What a report run is made of: options, jobs and their fingerprints, the notebooks and their parameters."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eduwb._files import TMP_MARK
from eduwb.errors import EduwbError, ParameterError
from eduwb.present.words import REPORT_TEXT, report_text

PACKAGE_DIR = Path(__file__).resolve().parent.parent  # the eduwb package


NOTEBOOK_PATTERN = "[0-9][0-9]_*.ipynb"


#: Parameters a report may pass to a notebook, in the order they are injected.
REPORT_PARAMETERS = ("data", "year", "lang", "interactive", "standard")


#: Parameters every report notebook must declare in its ``parameters`` cell.
REQUIRED_PARAMETERS = ("data", "year")


SIDECAR = "report.json"


# ---- what travels between the parent and the workers (all picklable) ---------------------
#: A notebook whose metadata says ``{"eduwb": {"scope": "province"}}`` makes the province report
#: (``--province``), not a chapter of the county reports.
PROVINCE_SCOPE = "province"


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
        try:
            return target.relative_to(Path(cwd).resolve()).as_posix() or "."
        except ValueError:
            pass
    return f"{target.name} (SHA-256 {checksum[:16]})" if checksum else target.name


@dataclass(frozen=True)
class _Job:
    """What a county job and a province job share: the fields (each adds its ``data`` and the
    rest), the key, the output files and the parameters the notebooks receive. The file names
    come from :data:`REPORT_TEXT` under ``FILE_KEYS``, formatted with the owner (``county``)
    as ``OWNER_FIELD``."""

    county: str  # the report's owner: the county, or the province's name for a province job
    year: int
    out_dir: str
    lang: str
    standard: str | None
    standard_used: str
    notebooks: tuple[NotebookSpec, ...]
    data_files: tuple[tuple[str, int, str], ...]
    data_key: str
    fingerprint: str

    FILE_KEYS = ("report_file", "tables_file")
    OWNER_FIELD = "county"

    @property
    def key(self) -> tuple[str, int]:
        return (self.county, self.year)

    def _output(self, key: str) -> Path:
        from eduwb.standards import load_standard  # cached: one load per standard and process

        text = report_text(self.lang, load_standard(self.standard_used))
        name = text[key].format(**{self.OWNER_FIELD: self.county, "year": self.year})
        return Path(self.out_dir) / name

    @property
    def report_path(self) -> Path:
        return self._output(self.FILE_KEYS[0])

    @property
    def tables_path(self) -> Path:
        return self._output(self.FILE_KEYS[1])

    @property
    def notebooks_dir(self) -> Path:
        return Path(self.out_dir) / "notebooks"

    def _data_parameter(self) -> Any:
        return self.data

    def parameters_for(self, spec: NotebookSpec) -> dict[str, Any]:
        values = {
            "data": self._data_parameter(),
            "year": self.year,
            "lang": self.lang,
            "interactive": False,
            "standard": self.standard,
        }
        return {name: values[name] for name in spec.parameters}

    def _shown_data(self) -> dict[str, str]:
        """Each data path of the job as outputs show it (relative, or its name with a checksum)."""
        raise NotImplementedError

    def _shown_standard(self) -> str | None:
        """The standard file given with ``--standard`` as outputs show it; None for a built-in one."""
        raise NotImplementedError

    def shown_parameters_for(self, spec: NotebookSpec) -> dict[str, Any]:
        """:meth:`parameters_for` as the outputs print them: paths relative, never absolute."""
        shown = self.parameters_for(spec)
        names = self._shown_data()
        if "data" in shown:
            paths = self.data
            shown["data"] = [names[p] for p in paths] if isinstance(paths, tuple) else names[paths]
        if shown.get("standard") is not None and self._shown_standard() is not None:
            shown["standard"] = self._shown_standard()
        return shown

    def path_replacements(self) -> list[tuple[str, str]]:
        """Absolute paths an executed notebook may carry, each with how outputs show it (longest first)."""
        pairs = []
        for path, shown in self._shown_data().items():
            pairs.append((str(Path(path).resolve()), shown))
            if path != str(Path(path).resolve()):
                pairs.append((path, shown))
        if self.standard and self._shown_standard() and self.standard not in ("moe-2017", "moe-2012"):
            pairs.append((self.standard, self._shown_standard()))
        return sorted(pairs, key=lambda pair: -len(pair[0]))


@dataclass(frozen=True)
class ReportJob(_Job):
    """One county × year report to produce."""

    data: str
    source_date_epoch: int | None = None
    data_shown: str = ""  # the data as outputs name them (shown_path)
    standard_shown: str | None = None
    cwd: str = ""  # the working folder of the run (RunOptions.cwd)

    def _shown_data(self) -> dict[str, str]:
        return {self.data: self.data_shown or shown_path(self.data)}

    def _shown_standard(self) -> str | None:
        return self.standard_shown


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
    data_mtime: float = 0.0


@dataclass(frozen=True)
class ProvinceJob(_Job):
    """One province × year report: the province notebooks run on every valid county at once.

    It goes through the same pieces as a :class:`ReportJob` (chapters, then the layout) and
    has the same attributes where they are used; ``data`` holds the county datasets.
    """

    data: tuple[str, ...]
    data_mtime: float
    counties: tuple[tuple[str, str, str], ...] = ()  # (county, data path, digest of its files)
    excluded: tuple[tuple[str, str], ...] = ()  # (county or path, why it is not in the report)
    source_date_epoch: int | None = None
    scope = PROVINCE_SCOPE
    FILE_KEYS = ("province_report_file", "province_tables_file")
    OWNER_FIELD = "province"

    def _data_parameter(self) -> Any:
        return list(self.data)

    def _shown_data(self) -> dict[str, str]:
        digests = {path: digest for _county, path, digest in self.counties}
        return {path: shown_path(path, Path.cwd(), digests.get(path)) for path in self.data}

    def _shown_standard(self) -> str | None:
        builtin = self.standard in (None, "moe-2017", "moe-2012")
        return None if builtin else shown_path(self.standard, Path.cwd())


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


def parse_years(spec: str) -> list[int]:
    """``"2021-2025"`` → [2021, …, 2025]; ``"2024"`` → [2024]; ``"2021,2023-2024"`` → [2021, 2023, 2024]."""
    years: set[int] = set()
    for part in str(spec).replace(" ", "").split(","):
        m = re.fullmatch(r"(\d{4})(?:-(\d{4}))?", part)
        if not m:
            raise ParameterError(
                f"--years：{spec!r} 不是年份，也不是 2021-2025 这样的范围 / "
                f"--years: {spec!r} is not a year or a range like 2021-2025"
            )
        first, last = int(m.group(1)), int(m.group(2) or m.group(1))
        if last < first:
            raise ParameterError(f"--years：范围 {part} 前大后小 / --years: range {part} runs backwards")
        years.update(range(first, last + 1))
    return sorted(years)


def default_notebooks_dir() -> Path:
    """``$EDUWB_NOTEBOOKS_DIR``, else the project's ``notebooks/`` folder."""
    env = os.environ.get("EDUWB_NOTEBOOKS_DIR")
    return Path(env).resolve() if env else PACKAGE_DIR.parent / "notebooks"


def resolve_notebooks(notebooks: list[str] | None = None) -> list[Path]:
    """The report's notebooks in chapter order (folders expand to their ``NN_*.ipynb``)."""
    entries = [default_notebooks_dir()] if not notebooks else [_notebook_entry(n) for n in notebooks]
    paths: list[Path] = []
    for entry in entries:
        if entry.is_dir():
            paths.extend(sorted(entry.glob(NOTEBOOK_PATTERN)))
        elif entry.is_file() and entry.suffix == ".ipynb":
            paths.append(entry)
        else:
            raise ParameterError(
                f"{entry}：没有这个笔记本（或笔记本文件夹） / "
                f"{entry}: no such notebook (or folder of notebooks)"
            )
    if not paths:
        where = ", ".join(map(str, entries))
        raise ParameterError(
            f"{where} 中没有符合 {NOTEBOOK_PATTERN} 的笔记本 / "
            f"no notebooks matching {NOTEBOOK_PATTERN} in {where}"
        )
    return [p.resolve() for p in paths]


def _notebook_entry(name: str) -> Path:
    """A path as given, else a notebook of the default folder by name (``01_resource_gaps``)."""
    path = Path(name)
    if path.exists():
        return path
    for candidate in (default_notebooks_dir() / name, default_notebooks_dir() / f"{name}.ipynb"):
        if candidate.is_file():
            return candidate
    return path


def check_notebook_parameters(
    paths: list[Path], *, lang: str = "zh", standard: str | None = None
) -> list[NotebookSpec]:
    """Inspect each notebook's ``parameters`` cell and decide what the report passes to it.

    A notebook must declare ``data`` and ``year``; ``lang`` when the report is not in
    Chinese; ``standard`` when one is given.  ``interactive`` is passed (as False) to the
    notebooks that declare it.

    Raises
    ------
    ParameterError
        naming every notebook and parameter that does not fit.
    """
    from eduwb._imports import skip_iri_grammar

    skip_iri_grammar()  # papermill's first import, in the command's process: ≈ 1 s less start-up
    import papermill

    problems: list[str] = []
    specs: list[NotebookSpec] = []
    for path in paths:
        try:
            declared = papermill.inspect_notebook(str(path))
        except Exception as exc:  # noqa: BLE001 -- any unreadable notebook is the user's to fix
            problems.append(
                f"{path.name}：无法作为笔记本读取 / {path.name}: cannot be read as a notebook: {exc}"
            )
            continue
        if not declared:
            problems.append(
                f"{path.name}：没有标记为 parameters 的单元格 / {path.name}: has no cell tagged 'parameters'"
            )
            continue
        needed = list(REQUIRED_PARAMETERS)
        if lang != "zh":
            needed.append("lang")
        if standard is not None:
            needed.append("standard")
        for name in needed:
            if name not in declared:
                near = [d for d in declared if _similar(d, name)]
                hint = (
                    (f"（{near[0]!r} 是否拼错？）", f" (is {near[0]!r} a misspelling?)") if near else ("", "")
                )
                problems.append(
                    f"{path.name}：parameters 单元格没有声明 {name!r}{hint[0]} / "
                    f"{path.name}: its parameters cell does not declare {name!r}{hint[1]}"
                )
        passed = tuple(
            n for n in REPORT_PARAMETERS if n in declared and (n != "standard" or standard is not None)
        )
        specs.append(NotebookSpec(path=str(path), parameters=passed, scope=notebook_scope(path)))
    if problems:
        raise ParameterError("\n".join(problems))
    return specs


def notebook_scope(path: str | Path) -> str:
    """``"province"`` for a notebook whose metadata says so (``eduwb.scope``), else ``"county"``."""
    try:
        meta = json.loads(Path(path).read_text(encoding="utf-8")).get("metadata", {})
    except (OSError, ValueError):
        return "county"
    scope = meta.get("eduwb", {}).get("scope", "county") if isinstance(meta.get("eduwb"), dict) else "county"
    return PROVINCE_SCOPE if scope == PROVINCE_SCOPE else "county"


def _similar(a: str, b: str) -> bool:
    import difflib

    return difflib.SequenceMatcher(None, a.lower(), b.lower()).ratio() >= 0.6


# ---- stage 1: read the county, decide which reports to make --------------------------------
def inspect_county(data: str, years: list[int] | None, options: RunOptions) -> CountyPlan:
    """Load and validate one county's data; plan its reports (skipping those up to date)."""
    from eduwb.errors import DataError

    t0 = time.perf_counter()
    path = Path(data)
    from eduwb.names import shown

    label = shown(path.stem if path.suffix else path.name)
    try:
        files = data_files(path)
        data_key = _digest([f[2] for f in files] + [f[0] for f in files])
        from eduwb.data.dataset import load

        ds = load(path, standard=options.standard)  # reused while its files are unchanged
    except DataError as exc:
        reason = "invalid data:\n" + "\n".join(str(p) for p in exc.problems)
        return _failed_plan(data, label, years, reason, time.perf_counter() - t0)
    except (EduwbError, OSError) as exc:
        return _failed_plan(data, label, years, f"{type(exc).__name__}: {exc}", time.perf_counter() - t0)

    county = safe_name(ds.name)
    available = list(ds.years)
    wanted = years if years is not None else available
    results = [
        ReportResult(
            county,
            y,
            "no data",
            0.0,
            f"数据中没有 {y} 年（已有：{_span(available, '无')}） / "
            f"the data have no year {y} (they have {_span(available)})",
            data,
        )
        for y in wanted
        if y not in available
    ]
    todo = [y for y in wanted if y in available]
    if not todo:
        results = [
            ReportResult(
                county,
                None,
                "failed",
                time.perf_counter() - t0,
                f"none of the years asked for ({_span(wanted)}) is in the data ({_span(available)})",
                data,
            )
        ]
        return CountyPlan(data, county, [], results)
    try:
        from eduwb.standards import load_standard, standard_ref

        standard_used = standard_ref(ds, options.standard)
        std = load_standard(standard_used)
    except EduwbError as exc:
        return _failed_plan(data, county, todo, f"{type(exc).__name__}: {exc}", time.perf_counter() - t0)

    mtime = max(Path(data_root(path), name).stat().st_mtime for name, _s, _h in files)
    if not options.notebooks:  # a province report only: the county is read for it, no county report
        return CountyPlan(data, county, [], [], tuple(available), tuple(files), str(standard_used), mtime)
    jobs = _county_jobs(data, county, todo, files, data_key, std, str(standard_used), options, results)
    return CountyPlan(data, county, jobs, results, tuple(available), tuple(files), str(standard_used), mtime)


def _shown_standard(options: RunOptions) -> str | None:
    """The standard asked for as the outputs name it; None when each county's own applies."""
    if options.standard is None:
        return None
    from eduwb.standards import BUILTIN

    if options.standard in BUILTIN:
        return options.standard
    return shown_path(options.standard, options.cwd, _file_digest(options.standard))


def _county_jobs(
    data: str,
    county: str,
    todo: list[int],
    files: list[tuple[str, int, str]],
    data_key: str,
    std: Any,
    standard_used: str,
    options: RunOptions,
    results: list[ReportResult],
) -> list[ReportJob]:
    """The jobs of a county's years, each with its fingerprint; those up to date go to ``results``."""
    data_shown = shown_path(Path(data), options.cwd, data_key)
    standard_shown = _shown_standard(options)
    base = {
        "data": [list(f) for f in files],
        "notebooks": [[spec.stem, spec.parameters, _file_digest(spec.path)] for spec in options.notebooks],
        "standard": _digest([json.dumps(std.raw, sort_keys=True, default=str)]),
        "standard_param": options.standard is not None,
        "lang": options.lang,
        "code": code_digest(),
        "source_date_epoch": options.source_date_epoch,
        "shown_as": [data_shown, standard_shown],  # the appendix names them so
    }
    jobs = []
    for year in todo:
        fingerprint = _digest([json.dumps({**base, "year": year}, sort_keys=True)])
        job = ReportJob(
            data=data,
            county=county,
            year=year,
            out_dir=str(Path(options.out) / county / str(year)),
            lang=options.lang,
            standard=options.standard,
            standard_used=standard_used,
            notebooks=options.notebooks,
            data_files=tuple(files),
            data_key=data_key,
            fingerprint=fingerprint,
            source_date_epoch=options.source_date_epoch,
            data_shown=data_shown,
            standard_shown=standard_shown,
            cwd=options.cwd,
        )
        if _to_make(job, options, results, data):
            jobs.append(job)
    return jobs


def _to_make(job: Any, options: RunOptions, results: list[ReportResult], data: str) -> bool:
    """Whether ``job`` is to be made: not when its outputs are up to date (resuming a run), unless
    ``--force`` (a result then says so); its folder is rid of what an interrupted run left."""
    if not options.force and is_up_to_date(job):
        path = str(job.report_path)
        results.append(ReportResult(job.county, job.year, "up-to-date", 0.0, path, data, [path]))
        return False
    remove_stale_temporaries(Path(job.out_dir))
    return True


# ---- the province report: planned once every county has been read -------------------------
def plan_province(
    plans: list[CountyPlan], years: list[int] | None, options: RunOptions
) -> tuple[list[ProvinceJob], list[ReportResult]]:
    """The province × year reports of a run (``--province``), from the counties as inspected.

    ``plans`` are in the order the counties were given. A county whose data were refused, or
    that lacks the year, is left out of that year's report (and named in its appendix); two
    counties of the same name keep the first. The fingerprint covers every member county's
    files, the province notebooks, the standard, the language and eduwb's code, so a rerun
    skips a province report whose inputs did not change.
    """
    province = options.province or ""
    name = safe_name(province)
    results: list[ReportResult] = []
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
    wanted = years if years is not None else sorted({y for m in members for y in m.years})
    standard_used = options.standard or members[0].standard_used
    jobs: list[ProvinceJob] = []
    for year in wanted:
        inside = [m for m in members if year in m.years]
        if not inside:
            said = f"没有哪个县有 {year} 年的数据 / no county has data for {year}"
            results.append(ReportResult(name, year, "no data", 0.0, said, ""))
            continue
        left_out = excluded + [(m.county, REPORT_TEXT[options.lang]["no_year_data"].format(year=year))
                               for m in members if year not in m.years]  # fmt: skip
        files = tuple((f"{m.county}/{f}", size, sha) for m in inside for f, size, sha in m.data_files)
        counties = tuple(
            (m.county, m.data, _digest([f"{f}:{sha}" for f, _size, sha in m.data_files])) for m in inside
        )
        fingerprint = _digest([json.dumps({
            "province": province,
            "year": year,
            "counties": [list(c) for c in counties],
            "notebooks": [[spec.stem, spec.parameters, _file_digest(spec.path)]
                          for spec in options.province_notebooks],
            "standard": standard_used if options.standard is None else options.standard,
            "standard_file": _standard_digest(standard_used),
            "lang": options.lang,
            "code": code_digest(),
            "source_date_epoch": options.source_date_epoch,
        }, sort_keys=True)])  # fmt: skip
        job = ProvinceJob(
            data=tuple(m.data for m in inside),
            county=name,
            year=year,
            out_dir=str(Path(options.out) / name / str(year)),
            lang=options.lang,
            standard=options.standard,
            standard_used=str(standard_used),
            notebooks=options.province_notebooks,
            data_files=files,
            data_key=_digest([sha for _f, _size, sha in files]),
            data_mtime=max(m.data_mtime for m in inside),
            fingerprint=fingerprint,
            counties=counties,
            excluded=tuple(left_out),
            source_date_epoch=options.source_date_epoch,
        )
        if _to_make(job, options, results, ""):
            jobs.append(job)
    return jobs, results


def _standard_digest(standard: str) -> str:
    try:
        from eduwb.standards import load_standard

        return _digest([json.dumps(load_standard(standard).raw, sort_keys=True, default=str)])
    except EduwbError:
        return ""


def _failed_plan(data: str, county: str, years: list[int] | None, reason: str, seconds: float) -> CountyPlan:
    results = [ReportResult(county, y, "failed", seconds, reason, data) for y in (years or [None])]
    return CountyPlan(data, county, [], results)


def _span(years: list[int], none: str = "none") -> str:
    if not years:
        return none
    ys = sorted(years)
    return f"{ys[0]}–{ys[-1]}" if len(ys) > 1 else str(ys[0])


#: Longest folder or file-name part made from a county name, in UTF-8 bytes (a file name may
#: hold 255; the report's own words and the year come after it).
SAFE_NAME_BYTES = 120
_WINDOWS_DEVICES = {
    "CON",
    "PRN",
    "AUX",
    "NUL",
    *(f"COM{i}" for i in range(1, 10)),
    *(f"LPT{i}" for i in range(1, 10)),
}


def safe_name(name: str) -> str:
    """A county name usable as a folder and file name on every system, and inert in any template.

    Path separators, characters Windows forbids, control and invisible formatting characters
    and braces (which ``str.format`` would read, as papermill does with output paths) become
    ``_``; leading and trailing dots and spaces go; a Windows device name gets a ``_`` before
    it; the result is cut to :data:`SAFE_NAME_BYTES` bytes. Never empty, never ``.`` or ``..``.
    """
    import unicodedata

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
    :func:`data_root` (:func:`eduwb.data.dataset.files_read`: the tables' CSV files, the
    settings and the standard they name, or a workbook and its ``.toml``; no other file of the
    folder is opened). A file larger than the loader accepts is not hashed (it is refused).
    """
    from eduwb.data import limits
    from eduwb.data.dataset import files_read

    if not (path.is_file() or path.is_dir()):
        raise FileNotFoundError(f"{path}: no such folder or workbook")
    root = data_root(path)
    out = []
    for f in files_read(path):
        size = f.stat().st_size
        digest = _file_digest(f) if size <= limits.MAX_FILE_BYTES else "-"
        out.append((f.relative_to(root).as_posix(), size, digest))
    return out


def data_root(path: Path) -> Path:
    """The folder the names of :func:`data_files` are relative to."""
    return path if path.is_dir() else path.parent


def _file_digest(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _digest(parts: list[str]) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(part.encode("utf-8"))
        h.update(b"\0")
    return h.hexdigest()


@functools.cache
def code_digest() -> str:
    """A digest of eduwb's code, standards and templates: a changed analysis means a new report."""
    files = sorted(
        p
        for p in PACKAGE_DIR.rglob("*")
        if p.is_file() and p.suffix in (".py", ".toml", ".css", ".j2", ".json")
    )
    return _digest([f"{p.relative_to(PACKAGE_DIR).as_posix()}:{_file_digest(p)}" for p in files])


def is_up_to_date(job: ReportJob) -> bool:
    """True when the report and its workbook exist and were made from the same inputs."""
    try:
        meta = json.loads((Path(job.out_dir) / SIDECAR).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return (
        meta.get("status") == "ok"
        and meta.get("fingerprint") == job.fingerprint
        and job.report_path.is_file()
        and job.tables_path.is_file()
    )


def remove_stale_temporaries(out_dir: Path) -> None:
    """Delete temporary files an interrupted run left behind (never a file at a final path)."""
    for folder in (out_dir, out_dir / "notebooks"):
        if folder.is_dir():
            for tmp in folder.glob(f".*{TMP_MARK}*"):
                with contextlib.suppress(OSError):
                    tmp.unlink()


@functools.cache
def eduwb_version() -> str:
    try:
        from importlib.metadata import version

        return version("eduwb")
    except Exception:  # noqa: BLE001 -- a source checkout without metadata
        return "unknown"
