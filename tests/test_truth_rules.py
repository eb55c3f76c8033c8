"""One year, one scope, one privacy rule, one notebook convention (fast tests; the reports
built end to end are in test_report_truth.py)."""

from __future__ import annotations

import ast
import io
import json
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from eduwb.cli import main
from eduwb.errors import DataError, StandardError
from eduwb.standards import load_standard
from eduwb.tables import REGISTRY

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample"
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
STD = load_standard("moe-2017")


def cells(notebook: Path) -> list[dict]:
    return json.loads(notebook.read_text(encoding="utf-8"))["cells"]


def code(notebook: Path) -> list[str]:
    """A notebook's code cells, then the code of the chapter modules it imports: a thin notebook
    wires calls to ``eduwb.present.charts.*_chapter``, where its tables and prose are made."""
    cells_ = ["".join(c["source"]) for c in cells(notebook) if c["cell_type"] == "code"]
    chapters = re.findall(r"from eduwb\.present\.charts\.(\w+_chapter) import", "\n".join(cells_))
    modules = [
        (ROOT / "eduwb" / "present" / "charts" / f"{m}.py").read_text(encoding="utf-8") for m in chapters
    ]
    return cells_ + modules


# ----------------------------------------------------------------------------- notebook convention


def test_every_notebook_declares_the_same_commented_parameters():
    found = {}
    for nb in NOTEBOOKS:
        (params,) = [
            "".join(c["source"]) for c in cells(nb) if "parameters" in c.get("metadata", {}).get("tags", [])
        ]
        found[nb.name] = params
    # The province notebook reads several counties: its `data` and `standard` say so; every other
    # line is the county notebooks' own.
    province = {name: text for name, text in found.items() if "province" in name}
    county = {name: text for name, text in found.items() if name not in province}
    assert len(set(county.values())) == 1, county
    lines = next(iter(county.values())).splitlines()
    for name, text in province.items():
        own = text.splitlines()
        assert [line.split("=", 1)[0].strip() for line in own] == [
            line.split("=", 1)[0].strip() for line in lines
        ], name
        assert [
            a for a, b in zip(own, lines, strict=True) if a != b and not a.startswith(("data", "standard"))
        ] == [], name
    assert [line.split("=", 1)[0].strip() for line in lines] == [
        "data",
        "year",
        "stage",
        "standard",
        "lang",
        "interactive",
    ]
    for line in lines:
        comment = line.split("#", 1)[1]
        assert re.search(r"[\u4e00-\u9fff]", comment) and re.search(r"[A-Za-z]{3,}", comment), (
            line
        )  # Chinese and English


def _calls(source: str, name: str) -> list[ast.Call]:
    tree = ast.parse(source)
    return [
        n
        for n in ast.walk(tree)
        if isinstance(n, ast.Call) and getattr(n.func, "id", getattr(n.func, "attr", None)) == name
    ]


def test_every_table_is_shown_under_its_registry_name():
    shown = 0
    for nb in NOTEBOOKS:
        for source in code(nb):
            for call in _calls(source, "show_table"):
                name = call.args[1]
                assert isinstance(name, ast.Constant), f"{nb.name}: show_table name must be a literal"
                assert name.value in REGISTRY, f"{nb.name}: {name.value!r} is not an eduwb table"
                shown += 1
    assert shown >= 25
    # and in the executed notebooks (what the workbook is written from)
    for nb in NOTEBOOKS:
        for cell in cells(nb):
            for output in cell.get("outputs", []):
                payload = output.get("data", {}).get("application/vnd.eduwb.table+json")
                if payload is not None:
                    assert payload["name"] in REGISTRY, (nb.name, payload["name"])


def test_notebooks_import_their_charts_as_charts_and_write_prose_in_markdown():
    for nb in NOTEBOOKS:
        sources = "\n".join(code(nb))
        assert re.search(r"from eduwb\.present\.charts import \w+ as charts\b", sources), nb.name
        assert "heading(" not in sources, f"{nb.name}: headings belong in Markdown cells"
        for source in code(nb):
            for fn in ("md", "t"):
                for call in _calls(source, fn):
                    for arg in call.args[:2]:
                        # static prose (a plain literal, no figure in it) belongs in a Markdown cell
                        if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                            assert len(arg.value) < 80, f"{nb.name}: static prose in code: {arg.value[:40]!r}"
    markdown = [c for c in cells(ROOT / "notebooks" / "02_class_size.ipynb") if c["cell_type"] == "markdown"]
    assert len(markdown) >= 8


# ----------------------------------------------------------------------------- the year rule


def test_up_to_year_keeps_nothing_after_the_year():
    from eduwb.analysis.scope import up_to_year

    frame = pd.DataFrame({"year": [2021, 2023, 2024, 2025], "n": [1, 2, 3, 4]})
    frame.attrs["k"] = "v"
    kept = up_to_year(frame, 2023)
    assert kept["year"].tolist() == [2021, 2023] and kept.attrs == {"k": "v"}
    assert up_to_year(frame, None) is frame


def test_rotation_chapter_tables_stop_at_the_report_year(sample_dataset, standard):
    from eduwb.analysis import rotation
    from eduwb.analysis.scope import up_to_year

    tables = rotation.rotation_tables(sample_dataset, standard)
    assert max(tables["rotation"]["year"]) > 2023  # the data go on after 2023 …
    for name, table in tables.items():
        assert (up_to_year(table, 2023)["year"] <= 2023).all(), name  # … the 2023 chapter does not
    source = "\n".join(code(ROOT / "notebooks" / "03_teacher_rotation.ipynb"))
    assert "up_to_year(table, year)" in source


# ----------------------------------------------------------------------------- scopes


def test_every_indicator_declares_a_scope_the_standard_defines():
    for std_id in ("moe-2017", "moe-2012"):
        std = load_standard(std_id)
        for ind in std.indicators:
            assert ind.scope is not None, (std_id, ind.id)
            std.scope_of(ind.id)  # resolvable
    scopes = {i: STD.scope_of(i).name for i in ("R1", "G3", "G4", "G5", "G9", "G11", "G12", "Q4", "G7", "G1")}
    assert scopes == {
        "R1": "resource", "G3": "all_schools", "G4": "regular_schools", "G5": "all_schools",
        "G9": "all_schools", "G11": "all_schools", "G12": "all_schools", "Q4": "budget_schools",
        "G7": "special_schools", "G1": "county",
    }  # fmt: skip


def test_an_undefined_scope_is_refused(tmp_path):
    path = tmp_path / "p.toml"
    path.write_text(
        'extends = "moe-2017"\nid = "p"\n[[indicators]]\nid = "G3"\nscope = "every_classroom"\n',
        encoding="utf-8",
    )
    with pytest.raises(StandardError, match="every_classroom"):
        load_standard(path)


def _g3_by_hand(year: int, scope: str) -> tuple[int, int]:
    """G3 from the CSV files: every school with compulsory pupils (``all``), or the R1–R7 scope
    (no special school, no teaching point under 50 pupils); ceil(classes / 12) music rooms and as
    many art rooms, the smallest ≥ 96 / 90 m²."""
    schools = pd.read_csv(SAMPLE / "schools.csv", dtype={"school_id": str}).set_index("school_id")
    sec = pd.read_csv(SAMPLE / "sections.csv", dtype={"school_id": str})
    fac = pd.read_csv(SAMPLE / "facilities.csv", dtype={"school_id": str})
    sec = sec[(sec["year"] == year) & sec["stage"].isin(["primary", "junior"])]
    sec = sec.assign(kind=sec["school_id"].map(schools["kind"]))
    if scope == "resource":
        sec = sec[(sec["kind"] != "special") & ~((sec["kind"] == "teaching_point") & (sec["students"] < 50))]
    per_school = sec.groupby("school_id")["classes"].sum()
    fac = fac[fac["year"] == year].groupby("school_id").agg(
        music=("music_rooms", "sum"), art=("art_rooms", "sum"),
        music_area=("music_room_min_area_m2", "min"), art_area=("art_room_min_area_m2", "min"),
    )  # fmt: skip
    passing = 0
    for school, classes in per_school.items():
        f = fac.loc[school]
        need = math.ceil(classes / 12)
        ok = f["music"] >= need and f["art"] >= need
        ok &= (f["music"] == 0 or f["music_area"] >= 96) and (f["art"] == 0 or f["art_area"] >= 90)
        passing += bool(ok)
    return passing, len(per_school)


def test_g3_judges_every_school_as_its_scope_says(sample_dataset, tmp_path):
    from eduwb.analysis import scorecard

    ok, n = _g3_by_hand(2024, "all")
    assert (ok, n) == (31, 45)  # every school: the special school and the small teaching points too
    card = scorecard.scorecard_table(sample_dataset, STD, year=2024).set_index("indicator")
    assert card.loc["G3", "value"] == f"{ok}/{n}"
    assert card.loc["G3", "evidence"].startswith("范围：全县所有义务教育学校")
    assert card.loc["G4", "value"].endswith("/44")  # G4: special schools listed, not judged
    # the same data judged with the R1–R7 scope (a province file may say so): the old figure
    province = tmp_path / "p.toml"
    province.write_text(
        'extends = "moe-2017"\nid = "p"\n[[indicators]]\nid = "G3"\nscope = "resource"\n', encoding="utf-8"
    )
    narrow = scorecard.scorecard_table(sample_dataset, load_standard(province), year=2024).set_index(
        "indicator"
    )
    assert narrow.loc["G3", "value"] == "{}/{}".format(*_g3_by_hand(2024, "resource")) == "30/40"


def test_a_teaching_points_g3_does_not_flip_at_50_pupils(sample_dataset):
    from eduwb.analysis.guarantee import music_art_rooms_table

    rooms = music_art_rooms_table(sample_dataset, STD, year=2024)
    points = rooms[rooms["kind"] == "teaching_point"]
    pupils = sample_dataset.sections.query("year == 2024").groupby("school_id")["students"].sum()
    sizes = points["school_id"].map(pupils)
    assert (sizes < 50).any() and (sizes >= 50).any()  # both sides of the R1–R7 line are judged
    assert "special" in set(rooms["kind"])


# ----------------------------------------------------------------------------- privacy


COUNTS = ("eligible", "rotated", "backbone_rotated", "received", "backbone_received")


def test_cli_table_shows_no_group_of_one_or_two_teachers(capsys):
    assert main(["table", "rotation", str(SAMPLE), "--by", "school", "--format", "csv"]) == 0
    out = capsys.readouterr()
    table = pd.read_csv(io.StringIO(out.out), dtype=str)
    for col in COUNTS:
        assert not table[col].isin(["1", "2"]).any(), col
    assert (table[list(COUNTS)] == "<3").any().any()
    assert not (
        table["ratio"].isin(["—"]) & ~table["rotated"].isin(["<3"]) & ~table["eligible"].isin(["<3"])
    ).any()
    assert "NOT hidden" not in out.err
    assert main(["table", "teacher_quality", str(SAMPLE), "--by", "school", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert not [r for r in rows for c in ("teachers", "not_trained", "not_certified") if r[c] in (1, 2)]


def test_an_analyst_may_lift_it_and_the_output_says_so(capsys):
    assert main(["table", "rotation", str(SAMPLE), "--by", "school", "--format", "csv", "--no-suppress"]) == 0
    out = capsys.readouterr()
    table = pd.read_csv(io.StringIO(out.out))
    assert table[list(COUNTS)].isin([1, 2]).any().any()
    assert "NOT hidden" in out.err and "--no-suppress" in out.err
    assert main(["table", "rotation", str(SAMPLE), "--by", "school", "--no-suppress"]) == 0
    assert "NOT hidden" in capsys.readouterr().out  # the printed table says it too


def test_privacy_never_lets_a_teacher_id_through():
    from eduwb.present import privacy

    frame = pd.DataFrame({"teacher_id": ["T000001"], "school_name": ["甲校"], "teachers": [2]})
    shown = privacy.suppress(frame, enabled=False)
    assert "teacher_id" not in shown.columns and shown["teachers"].tolist() == [2]
    assert privacy.suppress(frame)["teachers"].tolist() == ["<3"]


# ----------------------------------------------------------------------------- cover


def test_statistics_dates_default_and_validation(tmp_path):
    import shutil
    from datetime import date

    from eduwb.data.dataset import load

    folder = tmp_path / "c"
    shutil.copytree(SAMPLE, folder)
    toml = folder / "county.toml"
    base = toml.read_text(encoding="utf-8")
    toml.write_text(base + '\n[statistics_dates]\n2024 = "2024-09-30"\n2023 = 2023-09-15\n', encoding="utf-8")
    ds = load(folder, cache=False)
    assert ds.settings.statistics_date(2024) == date(2024, 9, 30)
    assert ds.settings.statistics_date(2023) == date(2023, 9, 15)
    assert ds.settings.statistics_date(2025) == date(2025, 9, 1)  # the default: 1 September
    toml.write_text(
        base + '\n[statistics_dates]\n2024 = "2024-13-01"\n2021 = "2019-09-01"\nautumn = "2024-09-01"\n',
        encoding="utf-8",
    )
    with pytest.raises(DataError) as err:
        load(folder, cache=False)
    problems = {p.column: str(p) for p in err.value.problems}
    assert set(problems) == {"statistics_dates.2024", "statistics_dates.2021", "statistics_dates.autumn"}
    assert all("county.toml" in text for text in problems.values())
    assert (
        "2024-13-01" in problems["statistics_dates.2024"]
        and "2021–2022 school year" in problems["statistics_dates.2021"]
    )


def test_cover_lists_read_as_lists():
    from eduwb.report.context import _id_list

    assert _id_list(["G1", "VETO4"], "zh") == "G1、VETO4"
    many = _id_list([f"G{i}" for i in range(1, 31)], "zh")
    assert many.endswith("G24 等 30 项") and "、等" not in many
    assert _id_list([f"G{i}" for i in range(1, 31)], "en").endswith("G24 and 6 more")


def test_paths_are_shown_relative_or_by_name_and_checksum(tmp_path):
    from eduwb.report.jobs import shown_path

    assert shown_path(ROOT / "data" / "sample", ROOT) == "data/sample"
    assert shown_path(tmp_path / "县", ROOT, "ab" * 32) == "县 (SHA-256 abababababababab)"


# ----------------------------------------------------------------------------- projection wording


def test_projection_says_which_grade_needs_the_class(standard):
    from test_classsize import classes_of, make_ds

    from eduwb.analysis import classsize as cs
    from eduwb.present.charts.classsize import localise

    # grade 1 of 46 in one class; grade 2 of 40 in two; grade 3 of 30 in three. Next autumn:
    # grade 1 takes in 46 again (2 classes needed, 1 there), grade 2 ← 46 (2 and 2), grade 3 ← 40
    # (1 needed, 3 there): 5 classes needed in all, 6 there — and still one more in grade 1
    rows = (
        classes_of("P1", 2025, 1, [46])
        + classes_of("P1", 2025, 2, [20, 20])
        + classes_of("P1", 2025, 3, [10, 10, 10])
    )
    table = cs.projection_table(make_ds(rows), standard).set_index("school_id")
    p1 = table.loc["P1"]
    assert (p1["classes_now"], p1["classes_needed"], p1["extra_classes_needed"]) == (6, 5, 1)
    assert p1["extra_by_grade"] == "1:1"
    assert localise(table.reset_index(), standard)["extra_by_grade"].tolist() == ["1年级需增1个班"]
    assert np.isin(["extra_by_grade"], table.columns).all()
