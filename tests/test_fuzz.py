"""Fuzzing the loader and the table command with random corruptions of the tiny county (issue #13).

Every corrupted county must end in a valid load or a located error — never a traceback, a
hang, an inf in a table, or a file outside the output folder. Corruptions: bytes flipped,
inserted or cut; cells replaced by hostile text (markup, braces, formulas, math text, control
characters, long strings) or odd numbers (1e308, inf, nan, 23 digits, negative, full-width);
files re-encoded (GB18030, UTF-16, Latin-1, with a BOM); headers duplicated, renamed or dropped;
rows repeated; ``county.toml`` with random names and standards.

The whole file runs in about a minute (``max_examples`` below). Every failing example
hypothesis found while this was built is kept as an ``@example`` (the regression corpus).
"""

from __future__ import annotations

import csv
import io
import math
import warnings
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from eduwb.cli import main
from eduwb.data.dataset import load
from eduwb.errors import DataError, EduwbError, Problem

pytestmark = pytest.mark.slow  # about 20 s in all: kept out of `make quick`

TINY = Path(__file__).parent / "fixtures" / "tiny"
FILES = ("schools.csv", "sections.csv", "facilities.csv")
ORIGINAL = {name: (TINY / name).read_bytes() for name in FILES}

HOSTILE_TEXT = [
    '<span style="position:fixed">FAKE达到优质均衡标准</span>',
    '<a rel=attachment href="data:text/plain,x">a</a>',
    "[x](file:///etc/passwd)",
    "javascript:alert(1)",
    "{data[0]}..{data[0]}..victim",
    "{display_none}",
    '=HYPERLINK("http://x")',
    "+1",
    "-1+2",
    "@SUM(A1)",
    r"$\undefinedcmd{x}$",
    "\u202e学小",
    "a\x00b",
    "\t\r\n",
    "１２３",
    "1,234",
    "1e308",
    "-1e308",
    "inf",
    "nan",
    "NaN",
    "12345678901234567890123",
    "-0",
    "0x10",
    "",
    " ",
    "是",
    "primary",
    "小学",
    "S01",
    "2024",
]

SETTINGS = st.deferred(
    lambda: st.dictionaries(
        st.sampled_from(
            ["name", "standard", "code", "relaxations_2019", "unit_costs", "rotation", "province"]
        ),
        st.one_of(
            st.text(max_size=40),
            st.sampled_from(HOSTILE_TEXT + ["/dev/zero", "/", "moe-2012", "../x.toml"]),
            st.integers(min_value=-(10**30), max_value=10**30),
            st.floats(allow_nan=True, allow_infinity=True),
            st.booleans(),
            st.dictionaries(
                st.sampled_from(["teacher_per_year", "min_years_at_school", "x"]),
                st.one_of(st.floats(allow_nan=True), st.integers(), st.text(max_size=5)),
                max_size=2,
            ),
        ),
        max_size=3,
    )
)


def _rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8"))))


def _csv(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue().encode("utf-8")


@st.composite
def corruption(draw) -> tuple[dict[str, bytes], str | None]:
    """The tiny county's files with one to three corruptions, and maybe a county.toml."""
    files = dict(ORIGINAL)
    for _ in range(draw(st.integers(1, 3))):
        name = draw(st.sampled_from(FILES))
        kind = draw(
            st.sampled_from(["cell", "cell", "cell", "bytes", "encoding", "header", "rows", "truncate"])
        )
        data = files[name]
        if kind == "cell":
            try:
                rows = _rows(data)
            except UnicodeDecodeError:
                continue
            if len(rows) < 2:
                continue
            r = draw(st.integers(1, len(rows) - 1))
            c = draw(st.integers(0, len(rows[r]) - 1)) if rows[r] else 0
            value = draw(
                st.one_of(
                    st.sampled_from(HOSTILE_TEXT),
                    st.text(max_size=30),
                    st.floats(allow_nan=True, allow_infinity=True).map(repr),
                    st.integers(-(10**25), 10**25).map(str),
                    st.sampled_from(["x" * 150, "校" * 3000]),
                )
            )
            if rows[r]:
                rows[r][c] = value
            files[name] = _csv(rows)
        elif kind == "bytes":
            at = draw(st.integers(0, max(0, len(data) - 1)))
            what = draw(st.sampled_from(["flip", "insert", "delete"]))
            byte = bytes([draw(st.integers(0, 255))])
            if what == "flip":
                files[name] = data[:at] + byte + data[at + 1 :]
            elif what == "insert":
                files[name] = data[:at] + byte * draw(st.integers(1, 5)) + data[at:]
            else:
                files[name] = data[:at] + data[at + draw(st.integers(1, 5)) :]
        elif kind == "encoding":
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError:
                continue
            codec = draw(st.sampled_from(["gb18030", "utf-16", "utf-8-sig", "latin-1", "big5"]))
            files[name] = text.encode(codec, errors="replace")
        elif kind == "header":
            try:
                rows = _rows(data)
            except UnicodeDecodeError:
                continue
            if not rows or not rows[0]:
                continue
            c = draw(st.integers(0, len(rows[0]) - 1))
            how = draw(st.sampled_from(["duplicate", "rename", "drop", "long"]))
            if how == "duplicate":
                for row in rows:
                    if len(row) > c:
                        row.append(row[c])
            elif how == "rename":
                rows[0][c] = draw(st.sampled_from(HOSTILE_TEXT + ["学校名称", "Name", "学段"]))
            elif how == "drop":
                for row in rows:
                    if len(row) > c:
                        del row[c]
            else:
                rows[0][c] = rows[0][c] * 200
            files[name] = _csv(rows)
        elif kind == "rows":
            lines = data.split(b"\n")
            if len(lines) > 2:
                extra = draw(st.integers(1, 300))
                files[name] = b"\n".join(lines + [lines[draw(st.integers(1, len(lines) - 1))]] * extra)
        else:  # truncate
            files[name] = data[: draw(st.integers(0, len(data)))]
    settings_toml = None
    if draw(st.booleans()):
        import tomli_w

        try:
            settings_toml = tomli_w.dumps(draw(SETTINGS))
        except (TypeError, ValueError):
            settings_toml = None
    return files, settings_toml


def _write(folder: Path, files: dict[str, bytes], settings_toml: str | None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (folder / name).write_bytes(data)
    if settings_toml is not None:
        (folder / "county.toml").write_text(settings_toml, encoding="utf-8")
    return folder


def _check_outcome(folder: Path) -> None:
    """A valid load with finite numbers, or a DataError whose every problem is located."""
    try:
        ds = load(folder, cache=False)
    except DataError as exc:
        assert exc.problems
        for problem in exc.problems:
            assert isinstance(problem, Problem) and problem.file and problem.rule
            assert problem.severity in ("error", "warning")
            # every rule has its Chinese (issue #23): the catalogue eduwb/data/rulewords.py
            assert problem.rule_zh() is not None, problem.rule
            assert str(problem).startswith(("错误：", "警告：")), str(problem)
        return
    for warning in ds.warnings:
        assert warning.rule_zh() is not None, warning.rule
    for table in ("schools", "sections", "facilities"):
        frame = getattr(ds, table)
        numbers = frame.select_dtypes("number").to_numpy(dtype="float64", na_value=np.nan)
        assert not np.isinf(numbers).any(), table
    _check_tables(ds)


def _check_tables(ds) -> None:
    from eduwb.standards import load_standard
    from eduwb.tables import compute

    std = (
        load_standard(ds.settings.standard)
        if ds.settings.standard in ("moe-2017", "moe-2012")
        else load_standard()
    )
    for name in ("indicators", "compliance", "balance", "scorecard"):
        try:
            table = compute(name, ds, std)
        except EduwbError:
            continue
        numbers = table.select_dtypes("number")
        if len(numbers.columns):
            values = numbers.to_numpy(dtype="float64", na_value=np.nan)
            assert not np.isinf(values).any(), name


FUZZ = settings(
    max_examples=250,
    deadline=timedelta(seconds=20),  # a hang fails the example
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
    derandomize=True,
    database=None,
)


@FUZZ
@given(corruption())
@example(({**ORIGINAL, "sections.csv": ORIGINAL["sections.csv"].replace(b",900,", b",1e308,")}, None))
@example(({**ORIGINAL, "facilities.csv": ORIGINAL["facilities.csv"].replace(b",5400,", b",1e308,")}, None))
@example(
    (
        {
            **ORIGINAL,
            "schools.csv": ORIGINAL["schools.csv"].replace(b"school_id,name", b"school_id,name,name", 1),
        },
        None,
    )
)
@example((dict(ORIGINAL), "name = 123\n"))
@example((dict(ORIGINAL), 'standard = "/dev/zero"\n'))
@example((dict(ORIGINAL), "[unit_costs]\nteacher_per_year = nan\n"))
def test_corrupted_counties_load_or_are_refused_with_located_problems(tmp_path_factory, case):
    files, settings_toml = case
    folder = _write(tmp_path_factory.mktemp("county"), files, settings_toml)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _check_outcome(folder)


@settings(
    max_examples=60,
    deadline=timedelta(seconds=20),
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(corruption())
def test_the_table_command_writes_only_its_output_or_nothing(tmp_path_factory, case):
    files, settings_toml = case
    root = tmp_path_factory.mktemp("run")
    folder = _write(root / "data", files, settings_toml)
    out = root / "out"
    out.mkdir()
    before = {p for p in root.rglob("*")}
    import contextlib

    with contextlib.redirect_stderr(io.StringIO()) as err, contextlib.redirect_stdout(io.StringIO()):
        code = main(["table", "indicators", str(folder), "--format", "csv", "-o", str(out / "t.csv")])
    assert "Traceback" not in err.getvalue() and "internal error" not in err.getvalue(), err.getvalue()
    made = {p for p in root.rglob("*")} - before
    if code == 0:
        assert made == {out / "t.csv"}
    else:
        assert code == 1 and made == set()
        assert err.getvalue().splitlines()[-1].startswith("不予通过：") or "eduwb: error:" in err.getvalue()


def test_fuzz_inputs_are_not_trivially_valid():
    """Guard the fuzz corpus: the untouched tiny county loads, so the corruptions are what fail."""
    ds = load(TINY, cache=False)
    assert len(ds.schools) == 4 and math.isfinite(float(ds.facilities["teaching_aux_area_m2"].sum()))


@pytest.mark.parametrize("name", FILES)
def test_each_file_truncated_anywhere_is_refused_with_a_location(tmp_path, name):
    data = ORIGINAL[name]
    for cut in range(0, len(data), max(1, len(data) // 25)):
        folder = _write(tmp_path / f"cut{cut}", {**ORIGINAL, name: data[:cut]}, None)
        _check_outcome(folder)


# ----------------------------------------------------------------------------- small XML bombs (issue #25)

#: A bomb must end with at most this much memory (the child's peak resident set).
BOMB_MAX_RSS = 500 * 1024 * 1024


@pytest.fixture(scope="module")
def bomb_bases(tmp_path_factory) -> dict[str, Path]:
    """The two workbooks the bombs are made from: a county's and a 综合查询 form."""
    import hostile

    tmp = tmp_path_factory.mktemp("bases")
    assert main(["sample", str(tmp / "zonghe"), "--as", "zonghe"]) == 0
    return {
        "county": hostile.county_workbook(tmp / "county.xlsx"),
        "zonghe": tmp / "zonghe" / "综合查询.xlsx",
    }


#: Runs ``python -m eduwb.cli ARGS`` and writes its peak RSS (bytes) to the file named first. Why a
#: launcher: a child forked straight from pytest starts with pytest's own high-water mark (Linux
#: carries it across exec), so after a long session the command would be charged 600 MB it never
#: used. Forked from this small launcher, the command's peak is its own (and its workers').
_LAUNCHER = """
import os, subprocess, sys, time
proc = subprocess.Popen([sys.executable, "-m", "eduwb.cli", *sys.argv[2:]])
start = time.perf_counter()
while True:
    pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
    if pid:
        break
    if time.perf_counter() - start > 60:
        proc.kill()
    time.sleep(0.02)
with open(sys.argv[1], "w") as out:
    out.write(str(usage.ru_maxrss * 1024))
sys.exit(os.waitstatus_to_exitcode(status) % 256)
"""


def _run_measured(argv: list[str], cwd: Path) -> tuple[int, str, float, int]:
    """Run ``python -m eduwb.cli ARGV``: exit status, output (both streams), seconds, peak RSS in bytes.

    The peak is the command's own, from ``wait4`` in :data:`_LAUNCHER` (its worker processes
    included, once it has waited for them). A 60-second timeout only keeps a hang from blocking
    the suite.
    """
    import os
    import subprocess
    import sys
    import time

    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    peak = cwd / "peak-rss.txt"
    start = time.perf_counter()
    with open(cwd / "output.txt", "wb") as err:
        proc = subprocess.run(
            [sys.executable, "-c", _LAUNCHER, str(peak), *argv],
            stdout=err,
            stderr=err,
            cwd=cwd,
            env=env,
            timeout=90,
        )
    seconds = time.perf_counter() - start
    text = (cwd / "output.txt").read_text(encoding="utf-8", errors="replace")
    return proc.returncode, text, seconds, int(peak.read_text())


def _bomb_names() -> list[str]:
    import hostile

    return sorted(hostile.SMALL_XML_BOMBS)


@pytest.mark.parametrize("command", ["validate", "report", "import"])
@pytest.mark.parametrize("bomb", _bomb_names())
def test_small_xml_bombs_end_in_a_located_translated_error(bomb, command, bomb_bases, tmp_path):
    """Each bomb of issue #25 — under 2 MB on disk, 90–250 MB of tiny XML elements inside —
    ends with exit 1 and one error naming the file and the part, in Chinese and English,
    through each command that reads a workbook, within 500 MB."""
    import hostile

    base = bomb_bases["zonghe" if command == "import" else "county"]
    name = "综合查询.xlsx" if command == "import" else "county.xlsx"
    data = hostile.small_xml_bomb(base, tmp_path / name, bomb)
    assert data.stat().st_size < 2 * 1024 * 1024
    part, _, said = hostile.SMALL_XML_BOMBS[bomb]
    if bomb == "rows_15m_below" and command != "import":
        said = "more than 300,000 data rows"  # a county's table stops sooner than Excel's sheet
    argv = {
        "validate": ["validate", str(data)],
        "report": ["report", str(data), "--out", str(tmp_path / "reports"), "--workers", "1"],
        "import": ["import", str(data), "-o", str(tmp_path / "county")],
    }[command]
    code, err, seconds, rss = _run_measured(argv, tmp_path)
    print(f"{bomb} via {command}: exit {code}, {seconds:.1f} s, {rss / 2**20:.0f} MB")
    assert code == 1, err
    assert "Traceback" not in err and "internal error" not in err, err
    line = next((li for li in err.splitlines() if "error: " in li), err)
    assert name in line and f"部件 {part}：" in line and f"part {part}: {said}" in line, line
    assert rss <= BOMB_MAX_RSS, f"{rss / 2**20:.0f} MB"
    assert not (tmp_path / "county").exists() and not (tmp_path / "reports" / "county").exists()
    assert seconds < 60
