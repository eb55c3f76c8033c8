"""The bad-input corpus: every broken dataset is refused with the exact file, row and column.

Each folder under ``tests/bad_inputs/`` is one case (written by ``make_corpus.py`` from the
tiny county) with an ``expected.toml`` listing the problems a person must be told about.
"""

from __future__ import annotations

import filecmp
import functools
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from eduwb.cli import main
from eduwb.data.dataset import load
from eduwb.errors import DataError, Problem

CORPUS = Path(__file__).parent / "bad_inputs"
CASES = sorted(p.name for p in CORPUS.iterdir() if (p / "expected.toml").is_file())


def _expected(case: str) -> dict:
    return tomllib.loads((CORPUS / case / "expected.toml").read_text(encoding="utf-8"))


def _data(case: str) -> Path:
    return CORPUS / case / _expected(case).get("data", ".")


def _label(entry: dict) -> str:
    return entry["file"] + (f" [sheet {entry['sheet']}]" if "sheet" in entry else "")


def _matches(problem: Problem, entry: dict) -> bool:
    # an entry without row/column means the problem concerns the whole file / no column
    return (
        problem.severity == "error"
        and problem.file == _label(entry)
        and problem.row == entry.get("row")
        and problem.column == entry.get("column")
        and entry["rule"] in problem.rule
    )


@functools.cache
def _refusal(case: str) -> tuple[Problem, ...]:
    with pytest.raises(DataError) as info:
        load(_data(case))
    return tuple(info.value.problems)


def test_corpus_is_large_enough():
    assert len(CASES) >= 30


def test_corpus_matches_its_script(tmp_path):
    """The committed corpus is exactly what make_corpus.py writes (so it can be read as files)."""
    script = CORPUS / "make_corpus.py"
    subprocess.run([sys.executable, str(script), "--out", str(tmp_path)], check=True, capture_output=True)
    fresh = tmp_path / "bad_inputs"
    assert sorted(p.name for p in fresh.iterdir()) == CASES

    def same_tree(a: Path, b: Path) -> list[str]:
        cmp = filecmp.dircmp(a, b, ignore=["__pycache__", "make_corpus.py"])
        _, mismatch, errors = filecmp.cmpfiles(a, b, cmp.common_files, shallow=False)
        diffs = [str(a / f) for f in mismatch + errors + cmp.left_only + cmp.right_only]
        for sub in cmp.common_dirs:
            diffs += same_tree(a / sub, b / sub)
        return diffs

    assert same_tree(CORPUS, fresh) == []
    fixtures = Path(__file__).parent / "fixtures"
    for folder in sorted((tmp_path / "fixtures").iterdir()):
        assert same_tree(fixtures / folder.name, folder) == [], folder.name


@pytest.mark.parametrize("case", CASES)
def test_load_reports_each_problem_where_it_is(case):
    expected = _expected(case)
    problems = _refusal(case)
    shown = "\n".join(str(p) for p in problems)
    for entry in expected["problems"]:
        assert any(_matches(p, entry) for p in problems), f"{case}: not reported: {entry}\nreported:\n{shown}"
    errors = [p for p in problems if p.severity == "error"]
    if "count" in expected:
        assert len(errors) == expected["count"], (
            f"{case}: expected {expected['count']} error(s), got:\n{shown}"
        )


@pytest.mark.parametrize("case", CASES)
def test_validate_prints_one_line_per_problem(case, capsys):
    problems = _refusal(case)
    code = main(["validate", str(_data(case))])
    out, err = capsys.readouterr()
    assert code == 1
    assert out == ""
    assert "Traceback" not in err
    lines = err.splitlines()
    # one line per problem, then the one-line verdict
    assert lines[:-1] == [str(p) for p in problems]
    assert f"refused: {sum(p.severity == 'error' for p in problems)} problem(s)" in lines[-1]
    assert lines[-1].startswith("不予通过：")


@pytest.mark.parametrize("case", CASES)
def test_table_writes_nothing_for_a_refused_dataset(case, tmp_path, capsys):
    out_file = tmp_path / "out.csv"
    code = main(["table", "indicators", str(_data(case)), "--format", "csv", "-o", str(out_file)])
    _, err = capsys.readouterr()
    assert code == 1
    assert "Traceback" not in err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "case",
    [
        "header_only_file",
        # a process each (≈ 2 s): the other cases run with make test
        *(
            pytest.param(c, marks=pytest.mark.slow)
            for c in ("utf16_file", "xlsx_missing_sheet", "county_toml_wrong_shape")
        ),
    ],
)
def test_validate_in_a_real_process(case):
    """The installed entry point: exit 1, problems on stderr, no traceback."""
    proc = subprocess.run(
        [sys.executable, "-m", "eduwb.cli", "validate", str(_data(case))], capture_output=True, text=True
    )
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    for entry in _expected(case)["problems"]:
        assert entry["rule"] in proc.stderr


@pytest.mark.parametrize(
    ("case", "message"),
    [
        (
            "one_table_two_files",
            "错误：学校名录.csv：一张表，两个文件：“schools.csv”和“学校名录.csv”都是学校名录（schools）；"
            "只保留一个 / error: 学校名录.csv: one table, two files: 'schools.csv' and '学校名录.csv' "
            "are both schools (学校名录); keep one",
        ),
        (
            "xlsx_one_table_two_sheets",
            "错误：county.xlsx [工作表 学校名录]：一张表，两个工作表：“schools”和“学校名录”都是学校名录"
            "（schools）；只保留一个 / error: county.xlsx [sheet 学校名录]: one table, two sheets: "
            "'schools' and '学校名录' are both schools (学校名录); keep one",
        ),
    ],
)
def test_one_table_under_both_names_is_refused_not_read(case, message):
    """A table under its English and its Chinese name is refused: neither is silently preferred."""
    assert [str(p) for p in _refusal(case)] == [message]
