"""No teacher id of the sample ever leaves the analysis: not in a table, a notebook output or a report.

Greps, for every teacher id in ``data/sample/teachers.csv`` and ``rotations.csv``:

* every registered table (``eduwb table NAME``) for the sample, per year and per school where
  the table has such a breakdown;
* every committed notebook's outputs (text, HTML, Markdown, the table payloads recorded for the
  Excel workbook, widget state), base64 images excepted;
* every report already produced under ``reports/`` (PDF text, HTML, Excel cells), and — marked
  slow — the rotation chapter of a report built in a temporary folder.

Ids are matched as substrings of runs of ASCII letters, digits, ``_`` and ``-``, so an id glued
to Chinese text or to other characters is still found.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

import pandas as pd
import pytest

from eduwb.errors import EduwbError

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample"
NOTEBOOKS = ROOT / "notebooks"
REPORTS = ROOT / "reports"
_TOKEN = re.compile(r"[A-Za-z0-9_\-]+")
_IMAGE_KEYS = {"image/png", "image/jpeg", "image/gif"}


@pytest.fixture(scope="module")
def teacher_ids() -> set[str]:
    if not (SAMPLE / "teachers.csv").exists():
        pytest.skip("data/sample not generated yet")
    ids = set(pd.read_csv(SAMPLE / "teachers.csv", dtype=str, usecols=["teacher_id"])["teacher_id"])
    if (SAMPLE / "rotations.csv").exists():
        ids |= set(pd.read_csv(SAMPLE / "rotations.csv", dtype=str, usecols=["teacher_id"])["teacher_id"])
    assert ids, "the sample has no teachers"
    return ids


def leaked(texts: Iterable[str], ids: set[str]) -> set[str]:
    """The ids found in the texts (as substrings of ASCII word runs)."""
    lengths = sorted({len(i) for i in ids})
    found: set[str] = set()
    for text in texts:
        for token in _TOKEN.findall(text):
            if len(token) < lengths[0]:
                continue
            if token in ids:
                found.add(token)
                continue
            for n in lengths:
                found.update(token[k : k + n] for k in range(len(token) - n + 1) if token[k : k + n] in ids)
    return found


def test_the_matcher_finds_ids_glued_to_text(teacher_ids):
    some = sorted(teacher_ids)[0]
    assert leaked([f"教师{some}调往", f"<td>{some}</td>", f"x{some}y"], teacher_ids) == {some}
    assert leaked(["2025", "4299990001", "交流轮岗"], teacher_ids) == set()


def _frame_texts(df: pd.DataFrame) -> Iterator[str]:
    yield " ".join(map(str, df.columns))
    for col in df.columns:
        yield " ".join(map(str, df[col].tolist()))


def _tables(ds, std) -> Iterator[tuple[str, pd.DataFrame]]:
    from eduwb.tables import REGISTRY, compute

    for name in REGISTRY:
        for year in (None, ds.years[-1]):
            for options in ({}, {"by": "school"}):
                try:
                    yield f"{name} year={year} {options}", compute(name, ds, std, year=year, **options)
                except EduwbError:
                    continue  # a breakdown this table does not have, or a module not written yet


@pytest.mark.slow
def test_no_teacher_id_in_any_table(sample_dataset, standard, teacher_ids):
    seen = 0
    for label, table in _tables(sample_dataset, standard):
        seen += 1
        assert "teacher_id" not in table.columns, label
        assert not leaked(_frame_texts(table), teacher_ids), f"teacher ids in table {label}"
    assert seen > 0


def test_no_teacher_id_in_the_rotation_tables_of_any_year(sample_dataset, standard, teacher_ids):
    from eduwb.analysis import rotation
    from eduwb.present.charts.rotation import localise

    ds = sample_dataset
    for year in ds.years:
        for table in (
            rotation.rotation_table(ds, standard, year=year, by="school"),
            rotation.rotation_table(ds, standard, year=year, by="mode"),
            rotation.flows_table(ds, standard, year=year),
            rotation.teacher_quality_table(ds, standard, year=year, by="school"),
        ):
            assert not leaked(_frame_texts(table), teacher_ids)
            assert not leaked(_frame_texts(localise(table)), teacher_ids)


def _strings(node, key: str | None = None) -> Iterator[str]:
    """Every string in a notebook's JSON except base64 images."""
    if key in _IMAGE_KEYS:
        return
    if isinstance(node, str):
        yield node
    elif isinstance(node, list):
        for item in node:
            yield from _strings(item, key)
    elif isinstance(node, dict):
        for k, v in node.items():
            yield from _strings(v, k)


@pytest.mark.parametrize("path", sorted(NOTEBOOKS.glob("*.ipynb")), ids=lambda p: p.name)
def test_no_teacher_id_in_notebook_outputs(path, teacher_ids):
    nb = json.loads(path.read_text(encoding="utf-8"))
    outputs = [cell.get("outputs", []) for cell in nb["cells"]]
    texts = list(_strings(outputs)) + list(_strings(nb.get("metadata", {}).get("widgets", {})))
    assert not leaked(texts, teacher_ids), f"teacher ids in the outputs of {path.name}"


def _report_texts(folder: Path) -> Iterator[tuple[Path, str]]:
    for path in sorted(folder.rglob("*")):
        suffix = path.suffix.lower()
        if suffix == ".pdf":
            from pypdf import PdfReader

            yield path, "\n".join(page.extract_text() or "" for page in PdfReader(path).pages)
        elif suffix in (".html", ".htm", ".txt", ".md", ".json", ".csv", ".ipynb"):
            yield path, path.read_text(encoding="utf-8", errors="replace")
        elif suffix == ".xlsx":
            from openpyxl import load_workbook

            book = load_workbook(path, read_only=True)
            cells = [
                str(v)
                for sheet in book.worksheets
                for row in sheet.iter_rows(values_only=True)
                for v in row
                if v is not None
            ]
            yield path, "\n".join([*book.sheetnames, *cells])


@pytest.mark.slow
def test_no_teacher_id_in_a_fresh_full_report(tmp_path, teacher_ids, sample_dataset):
    """Build the sample's report of its latest year, every chapter, then grep the PDF, the
    workbook, the kept notebooks and the sidecar (and whatever ``make report`` left in reports/)."""
    from eduwb.report import report_command

    status = report_command(
        [str(SAMPLE)], years=str(sample_dataset.years[-1]), out=str(tmp_path), workers=1, force=True
    )
    assert status == 0
    files = list(_report_texts(tmp_path))
    assert {p.suffix for p, _ in files} >= {".pdf", ".xlsx", ".json"}, "the report is incomplete"
    assert any("03_teacher_rotation" in p.name for p in tmp_path.rglob("*.ipynb")), "no rotation chapter"
    files += list(_report_texts(REPORTS)) if REPORTS.exists() else []
    for path, text in files:
        assert not leaked([text], teacher_ids), f"teacher ids in {path}"


def test_booleans_derived_from_a_small_group_are_hidden_too():
    """Issue #25: whether a school's 2 teachers pass the training limit tells as much as the rate."""
    import pandas as pd

    from eduwb.present import privacy

    frame = pd.DataFrame(
        {
            "year": [2024, 2024],
            "school_id": ["S1", "S2"],
            "teachers": [2, 40],
            "trained": [2, 30],
            "not_trained": [0, 10],
            "training_rate": [1.0, 0.75],
            "certified": [1, 40],
            "not_certified": [1, 0],
            "certification_rate": [0.5, 1.0],
            "training_passes": [True, False],
            "certification_passes": [False, True],
        }
    )
    shown = privacy.suppress(frame)
    small = shown.iloc[0]
    assert (small["teachers"], small["trained"], small["certified"], small["not_certified"]) == ("<3",) * 4
    assert small["training_passes"] == "—" and small["certification_passes"] == "—"
    assert small["training_rate"] == "—" and small["certification_rate"] == "—"
    big = shown.iloc[1]  # 40 teachers: every figure shown
    assert bool(big["training_passes"]) is False and bool(big["certification_passes"]) is True
    assert big["teachers"] == 40
