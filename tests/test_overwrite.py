"""Issue #25: no command writes over a county's own data, or over an existing file, unless told.

Writing over the data a command reads is refused always, ``--force`` or not; writing over any
other existing file or non-empty folder needs ``--force``. Paths are compared after resolving
links. Each refusal leaves the files byte for byte as they were, with exit status 2 and a
message in Chinese and English.
"""

from __future__ import annotations

import os
from pathlib import Path

import hostile
import pytest

from eduwb.cli import main

TINY = Path(__file__).parent / "fixtures" / "tiny"


def _run(capsys, *argv) -> tuple[int, str]:
    code = main([str(a) for a in argv])
    return code, capsys.readouterr().err


def _refused(capsys, *argv, over: str = "data") -> None:
    code, err = _run(capsys, *argv)
    assert code == 2, err
    if over == "data":
        assert "不能覆盖本次读取的数据" in err and "refused even with --force" in err, err
    else:
        assert "已存在" in err and "add --force" in err, err


@pytest.fixture
def county(tmp_path) -> Path:
    path = hostile.county_workbook(tmp_path / "X.xlsx")
    (tmp_path / "X.toml").write_text('name = "X县"\n', encoding="utf-8")
    return path


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("force", [[], ["--force"]])
def test_template_from_a_workbook_never_writes_over_it(county, tmp_path, capsys, force):
    before = _snapshot(tmp_path)
    _refused(capsys, "template", county, "--from", county, "--years", "2026", *force)
    # the settings beside it are the county's too
    _refused(capsys, "template", tmp_path / "X.toml", "--from", county, *force)
    assert _snapshot(tmp_path) == before


def test_template_over_an_existing_workbook_needs_force(county, tmp_path, capsys):
    other = hostile.county_workbook(tmp_path / "Y.xlsx")
    before = other.read_bytes()
    _refused(capsys, "template", other, "--from", county, over="file")
    assert other.read_bytes() == before
    assert main(["template", str(other), "--from", str(county), "--force"]) == 0
    assert other.read_bytes() != before


@pytest.mark.parametrize("force", [[], ["--force"]])
def test_template_into_the_county_folder_never_replaces_its_settings(tmp_path, capsys, force):
    folder = tmp_path / "county"
    folder.mkdir()
    for f in TINY.iterdir():
        (folder / f.name).write_bytes(f.read_bytes())
    (folder / "county.toml").write_text('name = "某县"\n', encoding="utf-8")
    before = _snapshot(folder)
    _refused(capsys, "template", folder / "county.xlsx", "--from", folder, *force)
    assert _snapshot(folder) == before


@pytest.mark.parametrize("force", [[], ["--force"]])
def test_table_never_writes_over_the_workbook_it_reads(county, tmp_path, capsys, force):
    before = _snapshot(tmp_path)
    _refused(capsys, "table", "indicators", county, "--format", "xlsx", "-o", county, *force)
    # through a symbolic link, and over the settings file
    (tmp_path / "link.xlsx").symlink_to(county)
    _refused(capsys, "table", "indicators", county, "--format", "xlsx", "-o", tmp_path / "link.xlsx", *force)
    _refused(capsys, "table", "indicators", county, "--format", "csv", "-o", tmp_path / "X.toml", *force)
    after = _snapshot(tmp_path)
    assert after == {**before, "link.xlsx": before["X.xlsx"]}


@pytest.mark.parametrize("force", [[], ["--force"]])
def test_table_never_writes_over_a_file_of_the_county_folder(tmp_path, capsys, force):
    folder = tmp_path / "county"
    folder.mkdir()
    for f in TINY.iterdir():
        (folder / f.name).write_bytes(f.read_bytes())
    before = _snapshot(folder)
    _refused(capsys, "table", "indicators", folder, "--format", "csv", "-o", folder / "schools.csv", *force)
    assert _snapshot(folder) == before


def test_table_over_another_existing_file_needs_force(county, tmp_path, capsys):
    out = tmp_path / "t.csv"
    out.write_text("mine\n", encoding="utf-8")
    _refused(capsys, "table", "indicators", county, "--format", "csv", "-o", out, over="file")
    assert out.read_text(encoding="utf-8") == "mine\n"
    assert main(["table", "indicators", str(county), "--format", "csv", "-o", str(out), "--force"]) == 0
    assert out.read_text(encoding="utf-8") != "mine\n"


def test_sample_over_an_existing_folder_needs_force(tmp_path, capsys):
    out = tmp_path / "county"
    out.mkdir()
    (out / "schools.csv").write_text("the county's own\n", encoding="utf-8")
    _refused(capsys, "sample", out, "--schools", "20", "--years", "2024", over="file")
    assert (out / "schools.csv").read_text(encoding="utf-8") == "the county's own\n"
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["sample", str(empty), "--schools", "20", "--years", "2024"]) == 0
    assert main(["sample", str(out), "--schools", "20", "--years", "2024", "--force"]) == 0
    assert (out / "schools.csv").read_text(encoding="utf-8") != "the county's own\n"


def test_sample_xlsx_over_an_existing_workbook_needs_force(county, tmp_path, capsys):
    before = county.read_bytes()
    _refused(
        capsys,
        "sample",
        tmp_path / "new",
        "--schools",
        "20",
        "--years",
        "2024",
        "--xlsx",
        county,
        over="file",
    )
    assert county.read_bytes() == before


def test_schema_over_an_existing_file_needs_force(tmp_path, capsys):
    out = tmp_path / "dictionary.md"
    out.write_text("notes\n", encoding="utf-8")
    _refused(capsys, "schema", "-o", out, over="file")
    assert out.read_text(encoding="utf-8") == "notes\n"
    assert main(["schema", "-o", str(out), "--force"]) == 0
    assert out.read_text(encoding="utf-8").startswith("#")


@pytest.fixture(scope="module")
def jiaoji(tmp_path_factory) -> Path:
    src = tmp_path_factory.mktemp("jiaoji") / "src"
    assert main(["sample", str(src), "--as", "jiaoji", "--schools", "20", "--years", "2024"]) == 0
    return src


def test_import_inside_its_source_needs_force_and_never_replaces_it(jiaoji, capsys):
    before = _snapshot(jiaoji)
    code, err = _run(capsys, "import", jiaoji, "-o", jiaoji / "county")
    assert code == 2 and "SOURCE" in err and "add --force" in err, err
    assert _snapshot(jiaoji) == before
    # a folder that holds the source is never replaced
    code, err = _run(capsys, "import", jiaoji, "-o", jiaoji.parent, "--force")
    assert code == 2 and "refused even with --force" in err, err
    assert _snapshot(jiaoji) == before


def test_import_over_an_existing_folder_needs_force(jiaoji, tmp_path, capsys):
    out = tmp_path / "county"
    out.mkdir()
    (out / "mine.csv").write_text("x\n", encoding="utf-8")
    code, err = _run(capsys, "import", jiaoji, "-o", out)
    assert code == 2 and "--force" in err, err
    assert (out / "mine.csv").read_text(encoding="utf-8") == "x\n"
    assert main(["import", str(jiaoji), "-o", str(out), "--force"]) == 0
    assert not (out / "mine.csv").exists() and (out / "schools.csv").is_file()
    assert [p.name for p in tmp_path.iterdir()] == ["county"]  # the old folder is gone, nothing left


@pytest.mark.parametrize("command", ["sample", "template", "schema", "table", "import"])
def test_force_options_have_bilingual_help(command, capsys):
    with pytest.raises(SystemExit):
        main([command, "--help"])
    text = " ".join(capsys.readouterr().out.split())
    shown = text[text.rindex("--force ") :]
    assert " / " in shown[:200] and any("\u4e00" <= ch <= "\u9fff" for ch in shown[:40]), shown[:200]


# ----------------------------------------------------------------------------- outputs that cannot be written


@pytest.mark.parametrize(
    "argv",
    [
        ["table", "indicators", str(TINY), "--format", "csv", "-o", "{blocked}/t.csv"],
        ["schema", "-o", "{blocked}/dictionary.md"],
        ["template", "{blocked}/t.xlsx"],
        ["sample", "{blocked}/county", "--schools", "20", "--years", "2024"],
    ],
    ids=lambda argv: argv[0],
)
def test_an_output_through_a_file_is_a_located_error(argv, tmp_path, capsys):
    blocked = tmp_path / "a-file"
    blocked.write_text("x", encoding="utf-8")
    code, err = _run(capsys, *[a.replace("{blocked}", str(blocked)) for a in argv])
    assert code == 1, err
    assert "internal error" not in err and "Traceback" not in err, err
    assert err.startswith(f"eduwb: error: {blocked}") and "cannot create the folder" in err, err
    assert blocked.read_text(encoding="utf-8") == "x"


@pytest.mark.parametrize(
    ("code", "said"),
    [(28, "磁盘已满 no space left on device (ENOSPC)"), (30, "只读文件系统 read-only file system (EROFS)")],
)
def test_a_full_or_read_only_disk_is_a_located_error(code, said, tmp_path, capsys, monkeypatch):
    """Root ignores permissions and a test cannot fill a disk: the system call fails as it would."""
    import errno

    assert errno.errorcode[code] in said

    def refuse(src, dst):
        raise OSError(code, os.strerror(code), str(src))

    monkeypatch.setattr(os, "replace", refuse)
    out = tmp_path / "dictionary.md"
    status, err = _run(capsys, "schema", "-o", out)
    assert status == 1 and "internal error" not in err, err
    assert err.startswith(f"eduwb: error: {out}: 无法写入 cannot write: {said}"), err
    assert list(tmp_path.iterdir()) == []  # no partial file left


def test_plan_apply_never_replaces_the_county_it_reads(tmp_path, capsys):
    folder = tmp_path / "county"
    folder.mkdir()
    for f in TINY.iterdir():
        (folder / f.name).write_bytes(f.read_bytes())
    before = _snapshot(folder)
    _refused(capsys, "plan", folder, "--apply", "-o", folder, "--force")
    _refused(capsys, "plan", folder, "--apply", "-o", tmp_path, "--force")  # the folder holding it
    assert _snapshot(folder) == before
