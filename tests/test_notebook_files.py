"""Notebook files: stable table data, static widget fallbacks, clean committed notebooks, English twins."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import pytest

from eduwb.present import nbfiles
from eduwb.present.notebook import TABLE_MIME, show_table, table_cell

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
CHAPTERS = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
TWINS = NOTEBOOKS / "en"


def _json(value) -> str:
    return json.dumps(table_cell(value))


def _browser_round_trip(value):
    """What a browser's JSON.parse + JSON.stringify and the server's json.loads give back:
    an integral float comes back an int, every other double exactly."""
    parsed = json.loads(json.dumps(value))
    if isinstance(parsed, float) and parsed.is_integer():
        return int(parsed)
    return parsed


# ----------------------------------------------------------------------------- table data


def test_integral_floats_are_written_as_integers():
    assert _json(0.0) == "0"
    assert _json(-0.0) == "0"
    assert _json(5.0) == "5"
    assert _json(np.float64(1200.0)) == "1200"
    assert _json(2.0**53) == _json(2**53) == "9007199254740990"  # rounded into the exact range
    assert _json(10**20) == _json(1e20) == "1e+20"


def test_numpy_and_python_integers_and_booleans():
    assert _json(np.int64(7)) == "7"
    assert _json(np.int32(-3)) == "-3"
    assert _json(np.uint8(255)) == "255"
    assert _json(True) == "true" and _json(np.bool_(False)) == "false"
    assert table_cell(np.int64(7)).__class__ is int


def test_missing_values_are_null():
    for value in (None, float("nan"), np.nan, pd.NA, pd.NaT, float("inf"), -np.inf):
        assert _json(value) == "null", value


def test_floats_differing_in_the_last_digits_are_written_alike():
    assert _json(0.1 + 0.2) == _json(0.3) == "0.3"
    x = 1.2345678901234567
    assert _json(x) == _json(x * (1 + 1e-16)) == _json(np.nextafter(x, 2))
    assert _json(1 / 3) == "0.333333333333333"
    assert _json(4.75 + 1e-17) == "4.75"
    assert _json(1e-05) == "1e-05" and _json(123456.789) == "123456.789"


def test_written_data_survive_a_browser_save():
    values = [0.0, 1.0, 0.1 + 0.2, 1 / 3, 1e-05, 2.5e-7, 6.02e23, np.float64(98.6), np.int64(3), 12000.0]
    for value in values:
        cell = table_cell(value)
        assert table_cell(_browser_round_trip(cell)) == cell
        assert json.dumps(table_cell(_browser_round_trip(cell))) == json.dumps(cell)


def test_text_stays_text():
    assert table_cell("达标") == "达标"
    assert table_cell("0.0") == "0.0"


def _displayed(monkeypatch, df, **kwargs):
    shown = []
    monkeypatch.setattr("IPython.display.display", lambda obj, raw=False: shown.append(obj))
    show_table(df, "t", **kwargs)
    return shown[0]


def test_show_table_payload_is_stable(monkeypatch):
    df = pd.DataFrame(
        {
            "school_name": ["甲", "乙", "丙"],
            "students": pd.array([500, 450, None], dtype="Int64"),
            "R1": [5.0, 0.1 + 0.2, np.nan],
            "passes": [True, False, True],
        }
    )
    bundle = _displayed(monkeypatch, df)
    data = bundle[TABLE_MIME]["data"]
    assert data == [["甲", 500, 5, True], ["乙", 450, 0.3, False], ["丙", None, None, True]]
    assert (
        json.dumps(data)
        == '[["\\u7532", 500, 5, true], ["\\u4e59", 450, 0.3, false], ["\\u4e19", null, null, true]]'
    )


def test_text_left_numbers_right_short_cells_unwrapped(monkeypatch):
    df = pd.DataFrame(
        {
            "indicator": ["R1", "G1"],
            "value": [4.2, 1200.0],
            "status": ["pass", "fail"],
            "evidence": [
                "达到本项标准的学校（学段）小学 20/24、初中 10/12；差异系数 小学 0.139",
                "县级填报：是",
            ],
        }
    )
    html = _displayed(monkeypatch, df)["text/html"]
    cells = html.split("<tbody>")[1].split("</tr>")[0].split("<td")[1:]
    indicator, value, status, evidence = cells
    assert "text-align:left" in indicator and "white-space:nowrap" in indicator
    assert 'class="num"' in value and "text-align:right" in value
    assert "text-align:left" in status and "white-space:nowrap" in status
    assert "text-align:left" in evidence and "nowrap" not in evidence
    head = html.split("<thead>")[1].split("</thead>")[0]
    assert head.count("text-align:left") == 3 and head.count("text-align:right") == 1


# ----------------------------------------------------------------------------- widgets


def _widget_notebook():
    nb = nbformat.v4.new_notebook()
    view = {"version_major": 2, "version_minor": 0, "model_id": "box1"}
    nb.cells = [
        nbformat.v4.new_code_cell(
            "display(explorer)",
            outputs=[
                nbformat.v4.new_output(
                    "display_data",
                    data={"text/plain": "VBox(children=(Dropdown(…", nbfiles.WIDGET_VIEW: view},
                )
            ],
        ),
        nbformat.v4.new_code_cell(
            "1",
            outputs=[nbformat.v4.new_output("execute_result", data={"text/plain": "1"}, execution_count=2)],
        ),
    ]
    png = {
        "output_type": "display_data",
        "data": {"image/png": "iVBOR", "text/plain": "<Figure>"},
        "metadata": {},
    }
    table = {
        "output_type": "execute_result",
        "data": {"text/html": "<table/>"},
        "metadata": {},
        "execution_count": 3,
    }
    nb.metadata["widgets"] = {
        nbfiles.WIDGET_STATE: {
            "version_major": 2,
            "version_minor": 0,
            "state": {
                "box1": {
                    "model_name": "VBoxModel",
                    "state": {
                        "children": ["IPY_MODEL_style", "IPY_MODEL_drop", "IPY_MODEL_img", "IPY_MODEL_out"]
                    },
                },
                "style": {
                    "model_name": "HTMLModel",
                    "state": {"value": "<style>…</style>", "_dom_classes": ["eduwb-widget-style"]},
                },
                "drop": {
                    "model_name": "DropdownModel",
                    "state": {"description": "学年", "_options_labels": ["2023", "2024"], "index": 0},
                },
                "img": {
                    "model_name": "ImageModel",
                    "state": {"format": "png"},
                    "buffers": [{"path": ["value"], "encoding": "base64", "data": "iVBORchart"}],
                },
                "out": {"model_name": "OutputModel", "state": {"outputs": [png, table]}},
            },
        }
    }
    nb.cells[0].metadata["execution"] = {"iopub.status.busy": "2024-01-01T00:00:00Z"}
    return nb


def test_widget_views_become_their_static_outputs():
    nb = _widget_notebook()
    nbfiles.clean(nb)
    assert "widgets" not in nb.metadata
    outputs = nb.cells[0].outputs
    # what the explorer showed when saved: the year it was set to, its chart, its Output's figure and table
    assert [o["output_type"] for o in outputs] == ["display_data"] * 4
    assert outputs[0]["data"]["text/plain"] == "学年 2023"
    assert outputs[1]["data"]["image/png"] == "iVBORchart"
    assert outputs[2]["data"]["image/png"] == "iVBOR"
    assert outputs[3]["data"]["text/html"] == "<table/>" and "execution_count" not in outputs[3]
    assert "<style>" not in nbformat.writes(nb)  # the explorer's hidden style is not an output
    assert "execution" not in nb.cells[0].metadata
    assert nb.cells[1].outputs[0]["data"]["text/plain"] == "1"  # other outputs untouched
    nbformat.validate(nb)
    text = nbformat.writes(nb)
    assert "IPY_MODEL" not in text and "box1" not in text and "VBox(children" not in text


def test_a_widget_view_without_saved_state_is_dropped():
    nb = _widget_notebook()
    del nb.metadata["widgets"]
    assert nbfiles.static_widgets(nb) == 1
    assert nb.cells[0].outputs == []


def test_the_pre_save_hook_writes_the_static_form():
    nb = json.loads(nbformat.writes(_widget_notebook()))
    nb["cells"][1]["outputs"] = [
        {
            "output_type": "display_data",
            "metadata": {},
            "data": {TABLE_MIME: {"data": [[0, 0.30000000000000004]]}},
        }
    ]
    model = {"type": "notebook", "content": nb}
    nbfiles.pre_save_hook(model, path="x.ipynb", contents_manager=None)
    saved = model["content"]
    assert "widgets" not in saved["metadata"]  # nothing for JupyterLab to restore on reopening
    text = json.dumps(saved)
    assert nbfiles.WIDGET_VIEW not in text and "IPY_MODEL" not in text
    assert saved["cells"][0]["outputs"][0]["data"]["text/plain"] == "学年 2023"  # as the explorer was left
    assert "execution" not in saved["cells"][0]["metadata"]
    assert saved["cells"][1]["outputs"][0]["data"][TABLE_MIME]["data"] == [[0, 0.3]]
    nbformat.validate(nbformat.from_dict(saved))
    nbfiles.pre_save_hook({"type": "file", "content": "x"})  # other files: nothing


def test_a_view_saved_without_state_keeps_the_outputs_on_disk(tmp_path):
    """After a kernel restart JupyterLab saves the explorer's view without its state: the cell
    keeps what the file had for it, unless its code changed since."""
    on_disk = _widget_notebook()
    nbfiles.clean(on_disk)  # as the server wrote it last time
    shown = [o["data"] for o in on_disk.cells[0].outputs]

    nbformat.write(on_disk, tmp_path / "x.ipynb")

    class Contents:  # Jupyter's contents manager: the hook reads the file under its root_dir
        root_dir = str(tmp_path)

    def saved_without_state():
        nb = json.loads(nbformat.writes(_widget_notebook()))
        del nb["metadata"]["widgets"]  # no state for the old widgets
        for cell, old in zip(nb["cells"], on_disk.cells, strict=True):
            cell["id"] = old.id  # the same cells
        return nb

    restarted = saved_without_state()
    model = {"type": "notebook", "content": restarted}
    nbfiles.pre_save_hook(model, path="x.ipynb", contents_manager=Contents())
    assert [o["data"] for o in model["content"]["cells"][0]["outputs"]] == shown
    edited = saved_without_state()
    edited["cells"][0]["source"] = "display(other)"
    model = {"type": "notebook", "content": edited}
    nbfiles.pre_save_hook(model, path="x.ipynb", contents_manager=Contents())
    assert model["content"]["cells"][0]["outputs"] == []  # stale outputs are not brought back
    model = {"type": "notebook", "content": json.loads(nbformat.writes(_widget_notebook()))}
    nbfiles.pre_save_hook(model, path="new.ipynb", contents_manager=Contents())  # no file yet
    assert model["content"]["cells"][0]["outputs"][0]["data"]["text/plain"] == "学年 2023"


def test_the_git_filter_gives_the_committed_form():
    saved = nbformat.writes(_widget_notebook())
    cleaned = nbfiles.git_clean(saved)
    assert cleaned == nbformat.writes(nbfiles.clean(nbformat.reads(saved, as_version=4))) + "\n"
    assert "IPY_MODEL" not in cleaned and "iopub" not in cleaned
    assert nbfiles.git_clean(cleaned) == cleaned  # idempotent
    assert nbfiles.git_clean("not a notebook {") == "not a notebook {"  # a filter never loses text
    for path in CHAPTERS:  # the committed notebooks pass through unchanged
        raw = path.read_text(encoding="utf-8")
        assert nbfiles.git_clean(raw) == raw


@pytest.mark.slow  # git and the filter in real processes: ≈ 8 s
def test_git_sees_no_change_after_a_save_with_widgets(tmp_path):
    """The real thing: .gitattributes + the filter make setup registers; git diff stays empty."""
    import shutil
    import subprocess
    import sys

    root = NOTEBOOKS.parent
    git = ["git", "-C", str(tmp_path), "-c", "user.name=t", "-c", "user.email=t@localhost"]
    subprocess.run([*git, "init", "-q"], check=True)
    shutil.copy(root / ".gitattributes", tmp_path / ".gitattributes")
    (tmp_path / "notebooks").mkdir()
    shipped = CHAPTERS[1]
    shutil.copy(shipped, tmp_path / "notebooks" / shipped.name)
    makefile = (root / "Makefile").read_text(encoding="utf-8")
    assert (
        "git config filter.eduwb-notebook.clean '$(BIN)/python -m eduwb.present.nbfiles git-clean'"
        in makefile
    )
    filter_cmd = f"{sys.executable} -m eduwb.present.nbfiles git-clean"
    subprocess.run([*git, "config", "filter.eduwb-notebook.clean", filter_cmd], check=True)
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "shipped"], check=True)
    # what JupyterLab saves after Run All: the same outputs plus widget state and timestamps
    nb = nbformat.read(shipped, as_version=4)
    nb.metadata["widgets"] = {nbfiles.WIDGET_STATE: {"version_major": 2, "version_minor": 0, "state": {}}}
    nb.cells[-1].metadata["execution"] = {"iopub.status.busy": "2026-01-01T00:00:00Z"}
    nbformat.write(nb, tmp_path / "notebooks" / shipped.name)
    assert subprocess.run([*git, "diff", "--quiet"]).returncode == 0
    # a real change is still a change
    nb.cells[0].source += "\n"
    nbformat.write(nb, tmp_path / "notebooks" / shipped.name)
    assert subprocess.run([*git, "diff", "--quiet"]).returncode == 1


# ----------------------------------------------------------------------------- committed notebooks


@pytest.mark.parametrize(
    "path", [*CHAPTERS, *sorted(TWINS.glob("*.ipynb"))], ids=lambda p: str(p.relative_to(NOTEBOOKS))
)
def test_committed_notebooks_are_clean(path):
    raw = path.read_text(encoding="utf-8")
    nb = nbformat.reads(raw, as_version=4)
    assert "widgets" not in nb.metadata, "widget state committed: run make notebooks-refresh"
    assert nbfiles.WIDGET_VIEW not in raw and "IPY_MODEL_" not in raw
    assert not any("execution" in c.metadata for c in nb.cells)
    cleaned = nbformat.writes(nbfiles.clean(nbformat.reads(raw, as_version=4)))
    assert cleaned.rstrip("\n") == raw.rstrip("\n"), "the notebook is not as make notebooks-refresh writes it"


def test_the_dashboard_is_committed_without_outputs():
    nb = nbformat.read(NOTEBOOKS / "dashboard.ipynb", as_version=4)
    assert "widgets" not in nb.metadata
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code")


def test_english_twins_are_what_the_generator_writes():
    assert [p.name for p in sorted(TWINS.glob("*.ipynb"))] == [f"{p.stem}_en.ipynb" for p in CHAPTERS]
    for chapter in CHAPTERS:
        source = nbformat.read(chapter, as_version=4)
        expected = nbfiles.without_outputs(nbfiles.english_twin(source, NOTEBOOKS, TWINS, chapter.name))
        twin = nbfiles.twin_name(chapter.name)
        committed = nbfiles.without_outputs(nbformat.read(TWINS / twin, as_version=4))
        assert committed == expected, f"notebooks/en/{twin} drifted: run make notebooks-english"


def test_a_twin_is_named_apart_from_its_chapter():
    assert nbfiles.twin_name("00_scorecard.ipynb") == "00_scorecard_en.ipynb"
    chapters = {p.name for p in CHAPTERS}
    assert not chapters & {p.name for p in TWINS.glob("*.ipynb")}


@pytest.mark.parametrize(
    "path", [*CHAPTERS, *sorted(TWINS.glob("*.ipynb"))], ids=lambda p: str(p.relative_to(NOTEBOOKS))
)
def test_no_test_marker_in_the_analysts_view(path):
    """nbval's markers live in cell tags (``nbval-check-output``), not as comments in the code."""
    nb = nbformat.read(path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert not [c.id for c in code if "NBVAL" in c.source.upper()]
    checked = [c for c in code if "nbval-check-output" in c.metadata.get("tags", [])]
    assert checked, f"{path.name}: no cell's output is checked by nbval"


def test_english_twins_are_english():
    for path in sorted(TWINS.glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            if cell.cell_type == "markdown":
                han = sum("\u4e00" <= ch <= "\u9fff" for ch in cell.source)
                assert han <= 0.02 * max(len(cell.source), 1), (
                    f"{path.name}: Chinese prose in a Markdown cell"
                )
        params = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
        assert 'lang = "en"' in params.source
        scope: dict = {}
        exec(params.source, scope)  # the parameter cell is plain assignments
        sample = "province-sample" if "province" in path.name else "sample"
        assert (TWINS / scope["data"]).resolve() == (ROOT / "data" / sample).resolve()


def test_the_twins_are_not_report_chapters():
    from eduwb.report.command import resolve_notebooks

    chapters = resolve_notebooks([str(NOTEBOOKS)])
    assert [p.name for p in chapters] == [p.name for p in CHAPTERS]
    assert all(p.parent == NOTEBOOKS for p in chapters)
    assert "dashboard.ipynb" not in [p.name for p in chapters]


def test_english_parameters_rewrites_lang_and_paths(tmp_path):
    (tmp_path / "data" / "sample").mkdir(parents=True)
    (tmp_path / "notebooks").mkdir()
    src = 'data = "../data/sample"  # 样例县\nyear = None\nlang = "zh"\nnote = "../nowhere"\n'
    out = nbfiles.english_parameters(src, tmp_path / "notebooks", tmp_path / "notebooks" / "en")
    assert out == 'data = "../../data/sample"  # 样例县\nyear = None\nlang = "en"\nnote = "../nowhere"\n'
    assert nbfiles.english_parameters("year = None\n", tmp_path, tmp_path).endswith('lang = "en"')
