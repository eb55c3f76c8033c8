"""The ``eduwb`` command line: help, exit codes, error lines and ``--debug``."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import eduwb.standards
from eduwb.cli import main

FIXTURES = Path(__file__).parent / "fixtures"
TINY = FIXTURES / "tiny"
SUBCOMMANDS = ("validate", "sample", "standards", "table", "report")


def run(capsys, *argv: str) -> tuple[int, str, str]:
    """``main(argv)`` as the console script runs it: the exit code, stdout, stderr."""
    try:
        code = main(list(argv))
    except SystemExit as exc:  # argparse: --help, --version and usage errors
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


# ----------------------------------------------------------------------------- help


def test_top_level_help(capsys):
    code, out, _ = run(capsys, "--help")
    assert code == 0
    for word in (*SUBCOMMANDS, "--debug", "--version", "优质均衡"):
        assert word in out


def test_version(capsys):
    code, out, _ = run(capsys, "--version")
    assert code == 0 and out.startswith("eduwb ")


@pytest.mark.parametrize(
    ("command", "words"),
    [
        ("validate", ["data", "--standard", "--strict", "--debug", "exits 1"]),
        ("sample", ["out", "--seed", "--years", "--schools", "--counties", "--xlsx"]),
        ("standards", ["--standard", "--format", "table,csv,json", "--lang"]),
        (
            "table",
            [
                "NAME",
                "data",
                "--year",
                "--stage",
                "--by",
                "--param",
                "--format",
                "--output",
                "indicators",
                "scorecard",
            ],
        ),
        ("report", ["data", "--years", "--out", "--workers", "--lang", "--notebooks"]),
    ],
)
def test_subcommand_help(capsys, command, words):
    code, out, _ = run(capsys, command, "--help")
    assert code == 0
    assert out.startswith(f"usage: eduwb {command}")
    for word in words:
        assert word in out, word


def _chinese_then_english(text: str) -> bool:
    """``中文 / English``: Chinese before the first " / ", English (Latin letters) after it."""
    zh, _, en = text.partition(" / ")
    return any("\u4e00" <= ch <= "\u9fff" for ch in zh) and any(ch.isascii() and ch.isalpha() for ch in en)


def test_every_help_text_is_chinese_with_english(monkeypatch):
    """Every option's and command's help, and every description, in Chinese with English."""
    import argparse

    from eduwb.cli import build_parser

    helps: list[str] = []
    add_argument = argparse.ArgumentParser.add_argument
    argparse_own = ("show this help message and exit", "show program's version number and exit")

    def recording_argument(self, *args, **kwargs):
        if kwargs.get("help") not in (None, argparse.SUPPRESS, *argparse_own):
            helps.append(kwargs["help"])
        return add_argument(self, *args, **kwargs)

    monkeypatch.setattr(argparse.ArgumentParser, "add_argument", recording_argument)
    parser = build_parser()
    assert len(helps) > 40
    for text in helps:
        assert _chinese_then_english(text), text
    for command in ("validate", "sample", "template", "schema", "standards", "table", "import", "report"):
        with pytest.raises(SystemExit):
            parser.parse_args([command, "--help"])
    top = parser.format_help()
    for command in ("validate", "sample", "template", "schema", "table", "import", "report"):
        line = next(line for line in top.splitlines() if line.strip().startswith(command + " "))
        assert _chinese_then_english(line.strip()[len(command) :].strip()), line


def test_descriptions_are_wrapped_chinese_first(capsys):
    code, out, _ = run(capsys, "template", "--help")
    assert code == 0
    paragraph = out.split("\n\n")[1].splitlines()
    # the Chinese part first, then the English on lines of its own, none wider than 80 columns
    assert paragraph[0].startswith("写出待填报的") and paragraph[-1].endswith("latest one's).")
    widths = [sum(2 if "\u4e00" <= ch <= "\uffef" else 1 for ch in line) for line in paragraph]
    assert max(widths) <= 80


def test_help_in_a_real_process():
    proc = subprocess.run([sys.executable, "-m", "eduwb.cli", "--help"], capture_output=True, text=True)
    assert proc.returncode == 0 and "validate" in proc.stdout
    script = Path(sys.executable).with_name("eduwb")
    if script.exists():  # the installed console script
        proc = subprocess.run([str(script), "standards", "--help"], capture_output=True, text=True)
        assert proc.returncode == 0 and "--format" in proc.stdout


# ----------------------------------------------------------------------------- validate


def test_validate_a_valid_county(capsys):
    code, out, err = run(capsys, "validate", str(TINY))
    assert code == 0
    assert out == (
        "通过：tiny：4 所学校，5 个学校学段，2024 年；可选表：无 / "
        "valid: tiny: 4 schools, 5 school sections, years 2024; optional tables: none\n"
    )
    assert err == ""


def test_validate_with_warnings(tmp_path, capsys):
    folder = tmp_path / "county"
    shutil.copytree(FIXTURES / "tiny_full", folder)
    text = (folder / "sections.csv").read_text(encoding="utf-8")
    # S04 now claims 41 pupils; its two classes hold 20 + 20
    (folder / "sections.csv").write_text(
        text.replace("S04,2024,primary,40,", "S04,2024,primary,41,"), encoding="utf-8"
    )
    code, out, err = run(capsys, "validate", str(folder))
    assert code == 0
    assert out.startswith("通过：county：") and "；1 个警告 / valid: county: " in out
    assert out.endswith("; 1 warning(s)\n")
    # Chinese, then English (issue #23); `/ warning:` stays greppable
    assert err.splitlines() == [
        "警告：sections.csv 第 6 行 “students” 列：值 '此处 41，班级表中 40'："
        "班级表（classes）各行合计与此数不符"
        " / warning: sections.csv, row 6, column 'students': value '41 here, 40 in classes': "
        "class rows (classes) do not add up to this total"
    ]
    code, out, err = run(capsys, "validate", "--strict", str(folder))
    assert code == 1 and out == ""
    assert (
        err.splitlines()[-1] == "1 个警告，且指定了 --strict：不予通过 / 1 warning(s) and --strict: refused"
    )


def test_validate_an_invalid_county(capsys):
    code, out, err = run(capsys, "validate", str(Path(__file__).parent / "bad_inputs" / "zero_students"))
    assert code == 1 and out == ""
    assert err.splitlines()[0] == (
        "错误：sections.csv 第 6 行 “students” 列：值 0：必须 > 0 / "
        "error: sections.csv, row 6, column 'students': value 0: must be > 0"
    )
    last = err.splitlines()[-1]
    assert last.startswith("不予通过：") and " 中有 1 个问题 / refused: 1 problem(s) in " in last


# ----------------------------------------------------------------------------- usage errors: exit 2


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["frobnicate"],
        ["validate"],
        ["standards", "--format", "xml"],
        ["table", "nosuchtable", str(TINY)],
        ["table", "indicators", str(TINY), "--year", "last"],
        ["table", "indicators", str(TINY), "--stage", "senior"],
        ["sample", "out", "--schools", "0"],
        ["sample", "out", "--years", "2025-2021"],
        ["report", str(TINY), "--workers", "many"],
    ],
    ids=lambda a: " ".join(a) or "no-command",
)
def test_usage_errors_exit_2(capsys, argv, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, *argv)
    assert code == 2
    assert err.startswith("usage: eduwb")
    assert "Traceback" not in err
    assert list(tmp_path.iterdir()) == []


def test_parameter_errors_exit_2(capsys, tmp_path):
    code, _, err = run(capsys, "table", "indicators", str(TINY), "--format", "xlsx")
    assert code == 2 and err == "eduwb: error: --format xlsx 需要 -o FILE / --format xlsx needs -o FILE\n"
    code, _, err = run(
        capsys, "table", "indicators", str(TINY), "--year", "2019", "-o", str(tmp_path / "x.csv")
    )
    assert (
        code == 2
        and err
        == "eduwb: error: 数据中没有 2019 年（已有：2024） / year 2019 is not in the data (years: 2024)\n"
    )
    assert not (tmp_path / "x.csv").exists()


# ----------------------------------------------------------------------------- --debug


def test_debug_shows_a_traceback_only_when_given(capsys, tmp_path):
    missing = str(tmp_path / "missing.toml")
    code, out, err = run(capsys, "standards", "--standard", missing)
    assert code == 1 and out == ""
    assert err == (
        f"eduwb: error: 未知的标准 '{missing}'：请用 moe-2017, moe-2012 之一，或标准文件的路径 / "
        f"unknown standard '{missing}': use one of moe-2017, moe-2012 or the path of a standard file\n"
    )
    for argv in (
        ["--debug", "standards", "--standard", missing],
        ["standards", "--standard", missing, "--debug"],
    ):
        code, _, err = run(capsys, *argv)
        assert code == 1
        assert "Traceback (most recent call last)" in err and "StandardError" in err


def test_unexpected_failure_is_one_line_without_debug(capsys, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(eduwb.standards, "load_standard", broken)
    code, _, err = run(capsys, "standards")
    assert code == 1
    assert err == (
        "eduwb: 内部错误 internal error: RuntimeError: boom "
        "(加 --debug 重新运行可看详情 / rerun with --debug for details)\n"
    )
    code, _, err = run(capsys, "--debug", "standards")
    assert code == 1
    assert "Traceback (most recent call last)" in err and "RuntimeError: boom" in err


def test_data_errors_never_show_a_traceback(capsys):
    code, _, err = run(
        capsys, "--debug", "validate", str(Path(__file__).parent / "bad_inputs" / "empty_file")
    )
    assert code == 1 and "Traceback" not in err


# ----------------------------------------------------------------------------- standards


def test_standards_csv(capsys):
    code, out, _ = run(capsys, "standards", "--format", "csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == 32
    assert list(rows[0]) == [
        "indicator",
        "seq",
        "dimension",
        "name_zh",
        "name_en",
        "unit",
        "comparator",
        "source",
        "threshold_primary",
        "threshold_junior",
    ]
    r4 = next(r for r in rows if r["indicator"] == "R4")
    assert (float(r4["threshold_primary"]), float(r4["threshold_junior"])) == (4.5, 5.8)
    g1 = next(r for r in rows if r["indicator"] == "G1")
    assert g1["threshold_primary"] == "" and g1["comparator"] == "yes"


def test_standards_json(capsys):
    code, out, _ = run(capsys, "standards", "--format", "json")
    assert code == 0
    records = json.loads(out)
    assert len(records) == 32 and records[0]["indicator"] == "R1" and records[-1]["indicator"] == "S1"
    assert records[0]["name_zh"] == "每百名学生拥有高于规定学历教师数"  # not \u-escaped
    assert "每百名" in out


def test_standards_table(capsys):
    code, out, _ = run(capsys, "standards")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "moe-2017: 县域义务教育优质均衡发展督导评估办法（教督〔2017〕6号）"
    assert len(lines) == 2 + 32  # title, header, one line per indicator
    assert "生均教学仪器设备值" in out and "Teaching equipment value per pupil" not in out
    code, out, _ = run(capsys, "standards", "--lang", "en", "--standard", "moe-2012")
    assert code == 0
    assert out.splitlines()[0].startswith("moe-2012: Basic balanced development")
    assert "Library books per pupil" in out and len(out.splitlines()) == 2 + 8


def test_table_help_lists_every_table_in_chinese_and_english(capsys):
    from eduwb.tables import CATALOGUE, CATALOGUE_ZH

    assert set(CATALOGUE_ZH) == set(CATALOGUE), "give every table of eduwb.tables.CATALOGUE a Chinese line"
    code, out, _ = run(capsys, "table", "--help")
    assert code == 0
    lines = out.splitlines()
    for name, (_, _, en) in CATALOGUE.items():
        at = next(i for i, line in enumerate(lines) if line.split()[:1] == [name])
        assert lines[at].endswith(CATALOGUE_ZH[name]) and lines[at + 1].strip() == en
