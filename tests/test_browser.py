"""The notebooks in JupyterLab and the dashboard in Voilà, driven in a real (headless) Chromium.

Playwright for Python drives Debian's ``/usr/bin/chromium`` (no browser download); the servers are
started by ``scripts/serve.py`` — as ``make lab`` and ``make dashboard`` start them — on a free
127.0.0.1 port with a token, over a temporary copy of the notebooks and data, with temporary
Jupyter config, runtime, data and settings folders, and stopped afterwards. A failing test leaves
a screenshot in ``reports/ui/`` (git-ignored); the main states are saved there too.

The analyst's path on a fresh template (``-k fresh``): workbooks made by ``eduwb template`` and
filled (``tests/fresh_template.py``, shared with the command-line walk in
``test_template_e2e.py``), their path typed into each chapter's parameters cell, Run All; then
saved in ``data/`` and picked in the dashboard.

``make browser`` runs them (about two minutes); ``make test`` includes them. Skipped only when
``/usr/bin/chromium`` is absent (``make setup`` as root installs it, as CI does).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from eduwb.data.schema import OPTIONAL_TABLES
from eduwb.present import nbfiles

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
SHOTS = ROOT / "reports" / "ui"
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
TOKEN = "eduwb-browser-test-token"
CHAPTERS = sorted(p.name for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="/usr/bin/chromium is absent (make setup, as root, installs Debian's chromium)",
    ),
]


# ----------------------------------------------------------------------------- servers


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    """A copy of the notebooks and data, and private Jupyter folders."""
    base = tmp_path_factory.mktemp("ui")
    shutil.copytree(
        ROOT / "notebooks", base / "notebooks", ignore=shutil.ignore_patterns(".ipynb_checkpoints")
    )
    shutil.copytree(ROOT / "data" / "sample", base / "data" / "sample")
    shutil.copytree(ROOT / "data" / "province-sample", base / "data" / "province-sample")
    shutil.copytree(ROOT / "tests" / "fixtures" / "whatif_county", base / "data" / "whatif_county")
    # a git checkout as make setup leaves one: notebooks go through the clean filter (.gitattributes)
    shutil.copy(ROOT / ".gitattributes", base / ".gitattributes")
    git = ["git", "-C", str(base), "-c", "user.name=eduwb", "-c", "user.email=eduwb@localhost"]
    subprocess.run([*git, "init", "-q"], check=True)
    filter_cmd = f"{Path(sys.executable).parent / 'python'} -m eduwb.present.nbfiles git-clean"
    subprocess.run([*git, "config", "filter.eduwb-notebook.clean", filter_cmd], check=True)
    subprocess.run([*git, "add", ".gitattributes", "notebooks"], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "shipped notebooks"], check=True)
    settings = base / "lab-settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True)
    (settings / "notification.jupyterlab-settings").write_text(
        json.dumps({"fetchNews": "false", "checkForUpdates": False})
    )
    # every cell in the DOM (JupyterLab otherwise renders only the cells in view), so the checks see them all
    tracker = base / "lab-settings" / "@jupyterlab" / "notebook-extension"
    tracker.mkdir(parents=True)
    (tracker / "tracker.jupyterlab-settings").write_text(json.dumps({"windowingMode": "none"}))
    env = {
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(base / "jupyter-config"),
        "JUPYTER_RUNTIME_DIR": str(base / "jupyter-runtime"),
        "JUPYTER_DATA_DIR": str(base / "jupyter-data"),
        "JUPYTERLAB_SETTINGS_DIR": str(base / "lab-settings"),
        "JUPYTERLAB_WORKSPACES_DIR": str(base / "lab-workspaces"),
        "IPYTHONDIR": str(base / "ipython"),
        "EDUWB_TOKEN": TOKEN,
        "MPLBACKEND": "module://matplotlib_inline.backend_inline",
    }
    return base, env


def _serve(kind: str, env: dict, log: Path, *args: str):
    bin_dir = Path(sys.executable).parent
    out = log.open("w")
    proc = subprocess.Popen(
        [str(bin_dir / "python"), str(ROOT / "scripts" / "serve.py"), kind, *args],
        stdout=subprocess.PIPE, stderr=out, env=env, text=True, start_new_session=True,
    )  # fmt: skip
    line = proc.stdout.readline().strip()
    assert line.startswith("URL: "), f"serve.py printed {line!r}; log: {log}"
    url = line[5:]
    base = url.split("/lab?")[0].split("/?")[0]
    deadline = time.monotonic() + 60
    host, port = base.split("//")[1].split(":")
    while True:
        try:
            with socket.create_connection((host, int(port)), timeout=2):
                break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                _stop(proc)
                raise RuntimeError(f"{kind} server did not start: {log.read_text()[-2000:]}") from None
            time.sleep(0.3)
    return proc, url, base


def _stop(proc) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


@pytest.fixture(scope="module")
def lab(workspace):
    base, env = workspace
    bin_dir = Path(sys.executable).parent
    notebooks = base / "notebooks"
    # what make lab does first: trust the shipped notebooks
    paths = [str(p) for p in sorted(notebooks.glob("*.ipynb")) + sorted((notebooks / "en").glob("*.ipynb"))]
    subprocess.run([str(bin_dir / "jupyter"), "trust", *paths], env=env, check=True, capture_output=True)
    proc, url, server = _serve(
        "lab", env, base / "lab.log", "--root", str(notebooks), "--", "--LabApp.expose_app_in_browser=True"
    )
    yield server, notebooks
    _stop(proc)


@pytest.fixture(scope="module")
def voila(workspace):
    base, env = workspace
    proc, url, server = _serve(
        "dashboard", env, base / "voila.log", "--notebook", str(base / "notebooks" / "dashboard.ipynb")
    )
    yield url
    _stop(proc)


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    from playwright.sync_api import sync_playwright

    profile = tmp_path_factory.mktemp("chromium-profile")  # a fresh --user-data-dir
    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(profile), executable_path=str(CHROMIUM), headless=True, args=FLAGS,
            viewport={"width": 1400, "height": 1000}, locale="zh-CN",
        )  # fmt: skip
        context.set_default_timeout(60_000)
        yield context
        context.close()


def _failure_shot(page, request) -> None:
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        SHOTS.mkdir(parents=True, exist_ok=True)
        name = re.sub(r"[^\w.-]+", "_", request.node.name)
        page.screenshot(path=str(SHOTS / f"FAILED-{name}.png"), full_page=True)


@pytest.fixture
def page(browser, request):
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.js_errors = errors
    yield page
    _failure_shot(page, request)
    page.close()


@pytest.fixture(scope="module")
def lab_page(browser, lab):
    """One JupyterLab page for the module's notebook tests (loading JupyterLab once)."""
    server, _ = lab
    page = browser.new_page()
    page.goto(f"{server}/lab?token={TOKEN}&reset")
    page.wait_for_function("() => window.jupyterapp && window.jupyterapp.started !== undefined")
    page.evaluate("async () => { await window.jupyterapp.started; await window.jupyterapp.restored; }")
    yield page
    page.close()


@pytest.fixture
def notebook_page(lab_page, request):
    yield lab_page
    _failure_shot(lab_page, request)
    _close_all(lab_page)


def _shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


# ----------------------------------------------------------------------------- JupyterLab

RAW_WIDGET = re.compile(r"(VBox|HBox|Dropdown|IntSlider|Output)\(children=|Dropdown\(description=")


def _open(page, path: str, kernel: bool = True) -> None:
    """Open a notebook in the running JupyterLab (as from the file browser)."""
    page.evaluate(
        "async path => { await window.jupyterapp.commands.execute('docmanager:open', {path}); }", path
    )
    page.wait_for_function(
        "path => { const w = window.jupyterapp.shell.currentWidget;"
        " return w && w.context && w.context.path === path && w.context.isReady; }", arg=path,
    )  # fmt: skip
    page.wait_for_selector(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-Cell", state="attached")
    if kernel:
        page.wait_for_function(
            "() => { const s = window.jupyterapp.shell.currentWidget.sessionContext;"
            " return s && s.session && s.session.kernel && s.session.kernel.status === 'idle'; }",
            timeout=60_000,
        )


def _close_all(page) -> None:
    """Close every document and shut every kernel down (a reopened notebook starts afresh)."""
    page.evaluate(
        "async () => { for (const w of window.jupyterapp.shell.widgets('main')) {"
        " if (w.context && w.context.model) { w.context.model.dirty = false; } "
        "}"  # no save dialog after a failure
        " await window.jupyterapp.commands.execute('application:close-all');"
        " await window.jupyterapp.serviceManager.sessions.refreshRunning();"
        " await window.jupyterapp.serviceManager.sessions.shutdownAll(); }"
    )


def _check_no_widget_errors(page, what: str) -> None:
    page.wait_for_timeout(300)  # widget views render asynchronously
    body = page.inner_text(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook")
    assert "Error displaying widget" not in body, f"{what}: Error displaying widget"
    assert not RAW_WIDGET.search(body), f"{what}: raw widget text {RAW_WIDGET.search(body).group(0)!r}"


def _run_all(page) -> list[dict]:
    """Run every cell (the command's promise resolves when all are done); the error outputs."""
    page.evaluate("async () => { await window.jupyterapp.commands.execute('notebook:run-all-cells'); }")
    page.wait_for_function(
        "() => window.jupyterapp.shell.currentWidget.sessionContext.session.kernel.status === 'idle'"
    )
    nb = page.evaluate("() => window.jupyterapp.shell.currentWidget.content.model.toJSON()")
    unrun = [
        i for i, c in enumerate(nb["cells"]) if c["cell_type"] == "code" and c.get("execution_count") is None
    ]
    assert not unrun, f"cells not run: {unrun}"
    return [
        o
        for c in nb["cells"]
        if c["cell_type"] == "code"
        for o in c.get("outputs", [])
        if o["output_type"] == "error"
    ]


@pytest.mark.parametrize("path", [*CHAPTERS, *(f"en/{nbfiles.twin_name(n)}" for n in CHAPTERS)])
def test_notebooks_open_showing_their_outputs(notebook_page, path):
    page = notebook_page
    _open(page, path, kernel=False)
    page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-OutputArea-output img").first.wait_for()
    _check_no_widget_errors(page, path)
    panel = ".jp-NotebookPanel:not(.lm-mod-hidden)"
    images = page.locator(f"{panel} .jp-OutputArea-output img").count()
    tables = page.locator(f"{panel} .jp-OutputArea-output table.eduwb-table").count()
    assert images > 0 and tables > 0, f"{path}: {images} images, {tables} tables shown before running"
    trusted = page.evaluate(
        "() => Array.from(window.jupyterapp.shell.currentWidget.content.model.cells)"
        ".filter(c => c.type === 'code').every(c => c.trusted)"
    )
    assert trusted, f"{path} opens untrusted"
    dirty = page.evaluate("() => window.jupyterapp.shell.currentWidget.context.model.dirty")
    assert not dirty, f"{path}: opening marked the notebook changed"
    if path.startswith("en/"):
        markdown = page.inner_text(f"{panel} .jp-MarkdownCell")
        assert not re.search(r"[\u4e00-\u9fff]{4}", markdown), f"{path}: Chinese prose in the English twin"
    _shot(page, f"lab-open-{path.replace('/', '-')}")
    if path == CHAPTERS[0]:
        page.locator(f"{panel} table.eduwb-table").nth(1).scroll_into_view_if_needed()
        _shot(page, "lab-open-00-scorecard-table")


def _explorer_output(page, index: int = -1):
    """The explorer's whole box: its chart (an image widget or an output) and its tables."""
    return page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-OutputArea-output > .widget-vbox").nth(
        index
    )


def _year_explorer_answers(page) -> list[str]:
    """The scorecard explorer's year dropdown: choosing the first year redraws the chart and the
    table. The years it offers."""
    out = _explorer_output(page)
    out.locator("img").first.wait_for()
    before = out.inner_html()
    select = page.locator(
        ".jp-NotebookPanel:not(.lm-mod-hidden) .jp-OutputArea-output .widget-vbox .widget-dropdown select"
    ).last
    select.scroll_into_view_if_needed()
    options = select.locator("option").all_inner_texts()
    select.select_option(label=options[0])
    page.wait_for_function(
        "([el, html]) => el.innerHTML !== html && el.querySelector('img')",
        arg=[out.element_handle(), before],
    )
    assert select.input_value() == select.locator("option").first.get_attribute("value")
    return options


def _slider_explorer_answers(page) -> None:
    """The eligibility explorer: a slider moves the rotation ratio (its table is redrawn)."""
    out = _explorer_output(page)
    out.locator("table").first.wait_for()
    before = out.inner_html()
    panel = ".jp-NotebookPanel:not(.lm-mod-hidden)"
    handle = page.locator(f"{panel} .jp-OutputArea-output .widget-vbox .widget-slider .noUi-handle").first
    handle.scroll_into_view_if_needed()
    readout = page.locator(f"{panel} .jp-OutputArea-output .widget-vbox .widget-slider .widget-readout").first
    value = readout.inner_text()
    handle.focus()
    page.keyboard.press("ArrowLeft")
    page.wait_for_function("([el, v]) => el.innerText !== v", arg=[readout.element_handle(), value])
    page.wait_for_function(
        "([el, html]) => el.innerHTML !== html", arg=[out.element_handle(), before], timeout=60_000
    )


@pytest.mark.parametrize("path", CHAPTERS)
def test_run_all_without_errors_and_the_explorers_answer(lab, notebook_page, path):
    _, notebooks = lab
    page = notebook_page
    _open(page, path)
    errors = _run_all(page)
    assert not errors, f"{path}: {[e['ename'] + ': ' + e['evalue'] for e in errors]}"
    _check_no_widget_errors(page, f"{path} after Run All")
    if path.startswith("00_"):
        options = _year_explorer_answers(page)
        _shot(page, "lab-00-explorer-year-changed")
    if path.startswith("03_"):
        _slider_explorer_answers(page)
        _shot(page, "lab-03-explorer-slider-moved")
    # save: JupyterLab sends the widget state, the server's pre_save_hook writes each explorer as it
    # was left, as plain outputs (scripts/jupyter/README.md): nothing to restore on reopening
    page.evaluate("async () => { await window.jupyterapp.commands.execute('docmanager:save'); }")
    written = (notebooks / path).read_text(encoding="utf-8")
    saved = json.loads(written)
    assert "widgets" not in saved["metadata"], f"{path}: widget state saved"
    assert "widget-view+json" not in written and "IPY_MODEL_" not in written, f"{path}: widget views saved"
    assert "iopub.status" not in written, f"{path}: execution timestamps saved"
    if path.startswith("00_"):  # the explorer as it was left: the first year, its chart and table
        last = [c for c in saved["cells"] if c["cell_type"] == "code"][-1]["outputs"]
        assert "".join(last[0]["data"]["text/plain"]) == f"学年 {options[0]}", last[0]
        assert any("image/png" in o["data"] for o in last) and any("text/html" in o["data"] for o in last[1:])
    if not path.startswith(("00_", "03_")):
        # nothing was changed by hand: git sees the committed file, byte for byte
        base = notebooks.parent
        # git diff, not git status: status lists a file whose size changed until `git add` restats it
        status = subprocess.run(["git", "-C", str(base), "diff", "--quiet", "--", f"notebooks/{path}"])
        if status.returncode != 0:
            import difflib

            committed = (ROOT / "notebooks" / path).read_text(encoding="utf-8")
            cleaned = nbfiles.git_clean(written)
            diff = difflib.unified_diff(
                committed.splitlines(True), cleaned.splitlines(True), "committed", "saved"
            )
            pytest.fail(f"{path}: Run All + save changed the file:\n{''.join(list(diff)[:60])}")
    panel = ".jp-NotebookPanel:not(.lm-mod-hidden)"
    if path.startswith("00_"):
        # a restarted kernel: the live explorer fades and says so, instead of looking alive
        page.evaluate(
            "async () => {"
            " await window.jupyterapp.shell.currentWidget.sessionContext.session.kernel.restart(); }"
        )
        box = page.locator(f"{panel} .eduwb-explorer.jupyter-widgets-disconnected").first
        box.wait_for(timeout=30_000)
        banner = box.evaluate("el => getComputedStyle(el, '::before').content")
        assert "重新运行本单元" in banner, banner
        box.scroll_into_view_if_needed()
        _shot(page, "lab-00-kernel-restarted")
        # saved now (JupyterLab sends no state for the old widgets), the file keeps the explorer as saved
        page.evaluate("async () => { await window.jupyterapp.commands.execute('docmanager:save'); }")
        again = json.loads((notebooks / path).read_text(encoding="utf-8"))
        assert [c for c in again["cells"] if c["cell_type"] == "code"][-1]["outputs"] == last
    # reopen (a fresh kernel): the explorers show what they were showing, as plain outputs; the
    # notebook is not marked changed (closing it asks nothing)
    _close_all(page)
    _open(page, path, kernel=False)
    page.locator(f"{panel} .jp-OutputArea-output img").first.wait_for(timeout=30_000)
    _check_no_widget_errors(page, f"{path} saved and reopened")
    assert page.locator(f"{panel} .jp-OutputArea-output .widget-vbox").count() == 0  # no dead widget
    page.wait_for_timeout(1000)  # what restoring widget state did: mark the notebook changed
    dirty = page.evaluate("() => window.jupyterapp.shell.currentWidget.context.model.dirty")
    assert not dirty, f"{path}: reopening marked the notebook changed"
    if path.startswith("00_"):
        page.locator(f"{panel} .jp-OutputArea-output img").last.scroll_into_view_if_needed()
        _shot(page, "lab-00-saved-and-reopened")


# ----------------------------------------------------------------------------- a fresh template

#: The analyst's own workbooks, made by ``eduwb template`` and filled (tests/fresh_template.py):
#: case → (the optional tables filled in, the county's name in its settings).
FRESH = {"required": ((), "新安县"), "all": (OPTIONAL_TABLES, "新丰县")}
FRESH_CHAPTERS = [name for name in CHAPTERS if not name.startswith("04_")]  # 04 takes a province
#: what each chapter says, for a workbook of the three required tables only, it cannot show and why
CANNOT_SHOW = {
    "00_scorecard.ipynb": "缺数据（或一票否决情形未填报），补齐后才能作出完整结论",
    "01_resource_gaps.ipynb": "缺数据：未提供 county_indicators（县级指标）表",
    "02_class_size.ipynb": "缺数据：本县没有提供班级数据（classes 表），无法显示",
    "03_teacher_rotation.ipynb": "缺数据：本县没有提供专任教师（teachers 表）",
}
#: the chapters whose headline names the county
NAMING = ("00_", "01_")


@pytest.fixture(scope="module")
def fresh(workspace):
    """The fresh workbooks (each with its settings ``.toml`` beside it), in a folder of their own
    beside the notebooks: case → path."""
    from fresh_template import fresh_workbook

    base, _ = workspace
    return {
        case: fresh_workbook(base / "counties" / f"{county}.xlsx", tables, county)
        for case, (tables, county) in FRESH.items()
    }


def _set_data_parameter(page, value: str) -> None:
    """What the analyst does: in the parameters cell, select the first line (``data = …``) and type
    the workbook's path over it."""
    nb = page.evaluate("() => window.jupyterapp.shell.currentWidget.content.model.toJSON()")
    index = next(i for i, c in enumerate(nb["cells"]) if "parameters" in c["metadata"].get("tags", []))
    editor = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Cell").nth(index).locator(".cm-content")
    editor.click()
    page.keyboard.press("Control+Home")
    page.keyboard.press("Shift+End")
    page.keyboard.type(f'data = "{value}"')
    page.keyboard.press("Escape")  # command mode, as before Run All from the menu
    nb = page.evaluate("() => window.jupyterapp.shell.currentWidget.content.model.toJSON()")
    source = "".join(nb["cells"][index]["source"]).splitlines()
    assert source[0] == f'data = "{value}"' and source[1].startswith("year = None"), source[:2]


def _walk(page, path: str, workbook: Path) -> str:
    """Open the chapter, point its ``data`` at ``workbook``, Run All: no error output, no
    traceback, no widget error. The text of its outputs."""
    _open(page, path)
    _set_data_parameter(page, f"../counties/{workbook.name}")
    errors = _run_all(page)
    assert not errors, f"{path}: {[e['ename'] + ': ' + e['evalue'] for e in errors]}"
    _check_no_widget_errors(page, f"{path} on {workbook.name}")
    text = "\n".join(page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-OutputArea").all_inner_texts())
    assert "Traceback" not in text and "Error" not in text, f"{path}: an error shown"
    return text


@pytest.mark.slow
@pytest.mark.parametrize("path", FRESH_CHAPTERS)
def test_a_fresh_template_of_the_required_tables_runs_in_every_chapter(fresh, notebook_page, path):
    page = notebook_page
    county = FRESH["required"][1]
    text = _walk(page, path, fresh["required"])
    assert CANNOT_SHOW[path] in text, f"{path}: does not say what it cannot show"
    if path.startswith(NAMING):
        assert f"{county}2025年" in text, f"{path}: the headline does not name {county}"
    if path.startswith("00_"):  # the parameter as typed, the verdict naming the county
        page.get_by_text(f"{county}2025年").first.scroll_into_view_if_needed()
        _shot(page, "lab-fresh-required-00_scorecard-headline")
        # the workbook holds 2024 and 2025 (the sample: 2021 to 2025)
        assert _year_explorer_answers(page) == ["2024", "2025"]
    page.get_by_text(CANNOT_SHOW[path]).first.scroll_into_view_if_needed()
    _shot(page, f"lab-fresh-required-{path.removesuffix('.ipynb')}")


@pytest.mark.slow
@pytest.mark.parametrize("path", ["00_scorecard.ipynb", "03_teacher_rotation.ipynb"])
def test_a_fresh_template_of_every_table_runs_and_the_explorers_answer(fresh, notebook_page, path):
    page = notebook_page
    county = FRESH["all"][1]
    text = _walk(page, path, fresh["all"])
    assert "缺数据：本县没有提供" not in text
    if path.startswith("00_"):
        assert f"{county}2025年" in text, f"{path}: the headline does not name {county}"
        assert _year_explorer_answers(page) == ["2024", "2025"]
    if path.startswith("03_"):
        _slider_explorer_answers(page)
    _shot(page, f"lab-fresh-all-{path.removesuffix('.ipynb')}")


# ----------------------------------------------------------------------------- Voilà


def _verdict(page) -> str:
    return page.locator(".eduwb-verdict .eduwb-big").get_attribute("data-code")


def test_dashboard_what_if_flips_the_verdict(voila, page):
    page.goto(voila)
    page.locator(".eduwb-verdict .eduwb-big").wait_for(timeout=90_000)
    assert page.locator(".jp-InputArea, .jp-CodeCell .jp-Editor").count() == 0  # no code shown
    assert "from eduwb" not in page.inner_text("body")
    _shot(page, "voila-dashboard-sample")

    # the hand-built county fails on R2 alone, at 小河第四小学
    page.locator(".eduwb-county select").select_option(label="小河县")
    page.wait_for_function("() => document.querySelector('.eduwb-verdict').innerText.includes('小河县')")
    assert _verdict(page) == "fail"
    assert "R2" in page.inner_text(".eduwb-failing")
    assert "小河第四小学" in page.locator(
        ".eduwb-section select"
    ).input_value() or "小河第四小学" in page.inner_text(".eduwb-school")

    # two backbone teachers at that school: R2 reaches 1.0 per 100 pupils, the verdict passes
    page.locator(".eduwb-n-teachers input").fill("2")
    page.locator(".eduwb-n-teachers input").press("Enter")
    page.locator(".eduwb-flag-backbone input").check()
    start = time.perf_counter()
    page.locator("button.eduwb-add-teachers").click()
    page.locator(".eduwb-verdict .eduwb-big[data-code='pass']").wait_for(timeout=10_000)
    round_trip_ms = (time.perf_counter() - start) * 1000
    server_ms = float(page.locator(".eduwb-timing [data-ms]").get_attribute("data-ms"))
    print(
        f"\nwhat-if: verdict flipped in {round_trip_ms:.0f} ms (click to screen); callback {server_ms:.1f} ms"
    )
    # measured and printed, not asserted (a busy machine would fail a timed assertion);
    # the < 100 ms target is checked by benchmarks/bench_dashboard.py and bench_widgets.py
    assert server_ms > 0
    assert page.locator(".eduwb-cost").get_attribute("data-yuan") == "240000"
    assert (
        page.locator(".eduwb-school tr[data-indicator='R2'] [data-code]").get_attribute("data-code") == "pass"
    )
    assert "没有未达标的指标" in page.inner_text(".eduwb-failing")
    _shot(page, "voila-whatif-flipped")

    # undo: back to failing; the costed plan: passes again, at the same cost
    page.locator("button.eduwb-undo").click()
    page.locator(".eduwb-verdict .eduwb-big[data-code='fail']").wait_for(timeout=10_000)
    page.locator("button.eduwb-plan").click()
    page.locator(".eduwb-verdict .eduwb-big[data-code='pass']").wait_for(timeout=10_000)
    assert page.locator(".eduwb-cost").get_attribute("data-yuan") == "240000"
    timings = [server_ms]
    for _ in range(3):  # a few more changes: the callback's own time, once warm
        page.locator("button.eduwb-add-rooms").click()
        page.wait_for_function(
            "n => document.querySelectorAll('.eduwb-changes li').length === n", arg=len(timings) + 1
        )
        timings.append(float(page.locator(".eduwb-timing [data-ms]").get_attribute("data-ms")))
    print(f"callbacks: {', '.join(f'{t:.1f}' for t in timings)} ms (target < 100 ms)")
    assert not page.js_errors, page.js_errors


def test_dashboard_pathway_button_turns_the_sample_to_pass(voila, page):
    page.goto(voila)
    page.locator(".eduwb-verdict .eduwb-big").wait_for(timeout=90_000)
    page.wait_for_function("() => document.querySelector('.eduwb-verdict').innerText.includes('示例县')")
    assert _verdict(page) == "fail"
    start = time.perf_counter()
    page.locator("button.eduwb-pathway").click()
    page.locator(".eduwb-verdict .eduwb-big[data-code='pass']").wait_for(timeout=30_000)
    print(
        f"\npathway button: verdict 通过 in {(time.perf_counter() - start) * 1000:.0f} ms (click to screen)"
    )
    assert "通过" in page.inner_text(".eduwb-verdict .eduwb-big")
    result = page.locator(".eduwb-pathway-result")
    assert int(result.get_attribute("data-actions")) > 0 and int(result.get_attribute("data-yuan")) > 0
    assert page.locator(".eduwb-cost").get_attribute("data-yuan") == result.get_attribute("data-yuan")
    _shot(page, "voila-pathway-pass")
    page.locator("button.eduwb-undo").click()
    page.locator(".eduwb-verdict .eduwb-big[data-code='fail']").wait_for(timeout=10_000)
    assert not page.js_errors, page.js_errors


LOCAL = re.compile(r"^((https?|wss?)://(127\.0\.0\.1|localhost)(:\d+)?/|(data|blob|about):)")
#: What a leader reads first and what he acts on: both must be in view on a 1366×768 laptop.
IN_VIEW = [
    ".eduwb-verdict .eduwb-big", ".eduwb-county select", ".eduwb-year select", ".eduwb-section select",
    "button.eduwb-add-teachers", "button.eduwb-add-area", "button.eduwb-add-equipment",
    "button.eduwb-add-rooms", "button.eduwb-move", "button.eduwb-move-pupils", "button.eduwb-build-rooms",
    "button.eduwb-add-classes", "button.eduwb-add-rotations", "button.eduwb-plan", "button.eduwb-pathway",
    "button.eduwb-undo", "button.eduwb-reset",
]  # fmt: skip


def _clipped(page) -> list[str]:
    """The dashboard's controls whose words do not fit in them (cut or with an ellipsis)."""
    return page.evaluate(
        "() => Array.from(document.querySelectorAll('.eduwb-dash button, .eduwb-dash label,"
        " .eduwb-dash .widget-label, .eduwb-dash select, .eduwb-dash .widget-label-basic'))"
        ".filter(e => e.offsetParent !== null && e.scrollWidth > e.clientWidth + 1)"
        ".map(e => (e.innerText || e.value || '').trim())"
    )


def _out_of_view(page, width: int, height: int) -> list[str]:
    out = []
    for selector in IN_VIEW:
        box = page.locator(selector).first.bounding_box()
        if (
            box is None
            or box["x"] < 0
            or box["y"] < 0
            or box["x"] + box["width"] > width
            or (box["y"] + box["height"] > height)
        ):
            out.append(f"{selector} at {box}")
    return out


def test_the_dashboard_is_local_fits_its_words_and_a_laptop_screen(voila, page):
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.on("websocket", lambda ws: requests.append(ws.url))
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(voila)
    page.locator(".eduwb-verdict .eduwb-big").wait_for(timeout=90_000)
    page.wait_for_timeout(500)  # fonts and icons
    # each county once, by its name: data/sample (a folder and a workbook of 示例县 in the real data/),
    # the hand-built 小河县, then the six counties of data/province-sample, one folder down
    names = page.locator(".eduwb-county select option").all_inner_texts()
    assert names == ["示例县", "小河县", *(f"示例县0{i}" for i in range(1, 7))]
    for lang, button in (("zh", "中文"), ("en", "English")):
        if lang == "en":
            page.locator(".eduwb-lang button", has_text=button).click()
            page.wait_for_function(
                "() => document.querySelector('.eduwb-verdict').innerText.includes('verdict')"
            )
            page.wait_for_timeout(300)
        _shot(page, f"voila-dashboard-1366x768-{lang}")
        assert not _clipped(page), f"{lang}: words cut in {_clipped(page)}"
        assert not _out_of_view(page, 1366, 768), (
            f"{lang}: below the fold at 1366×768: {_out_of_view(page, 1366, 768)}"
        )
        # the verdict beside the simulator: two columns
        left = page.locator(".eduwb-situation").bounding_box()
        right = page.locator(".eduwb-sim").bounding_box()
        assert left["x"] + left["width"] <= right["x"] and abs(left["y"] - right["y"]) < 5
    status = page.inner_text(".eduwb-status")
    assert "backbone" in status and "骨干" not in status and "（" not in status
    far = [u for u in requests if not LOCAL.match(u)]
    assert not far, f"requests to other hosts: {far}"
    assert not errors, errors
    assert not page.js_errors, page.js_errors


@pytest.mark.slow
def test_the_dashboard_shows_the_verdict_of_a_fresh_county(workspace, fresh, voila, page):
    """The analyst saves the workbooks and their settings in ``data/`` (the dashboard's ``data``
    parameter: the county picker lists every county there) and opens the dashboard."""
    base, _ = workspace
    saved = [base / "data" / f.name for wb in fresh.values() for f in (wb, wb.with_suffix(".toml"))]
    try:
        for f in saved:
            shutil.copy(base / "counties" / f.name, f)
        page.goto(voila)
        page.locator(".eduwb-verdict .eduwb-big").wait_for(timeout=90_000)
        names = page.locator(".eduwb-county select option").all_inner_texts()
        assert [FRESH["all"][1], FRESH["required"][1]] == [n for n in names if n in ("新安县", "新丰县")]
        for case in ("required", "all"):
            county = FRESH[case][1]
            page.locator(".eduwb-county select").select_option(label=county)
            page.wait_for_function(
                "c => document.querySelector('.eduwb-verdict').innerText.includes(c)", arg=county
            )
            # the sample's schools, sections and facilities: 城关第一小学 meets 2 of R1–R7 (R1 and
            # R6), under the standard's 6, so the county fails, with or without the optional tables
            school = page.inner_text(".eduwb-school")
            assert "城关第一小学（小学，2382 名学生）" in school and "达标 2 项" in school, school
            assert _verdict(page) == "fail"
            assert f"{county} 2025 年评估结论" in page.inner_text(".eduwb-verdict")
            assert page.locator(".eduwb-year select option").all_inner_texts() == ["2024", "2025"]
            assert page.locator(".eduwb-dash [role='alert']").count() == 0, page.inner_text(".eduwb-dash")
            if case == "required":
                # without classes, pupils moved leave and join the sections: 100 of 城关第一小学's
                # 2,382 primary pupils (the sample's 2025 count) to 城关第二小学 (100: the lever's default)
                to = page.locator(".eduwb-move-to select option", has_text="城关第二小学（小学）").first
                page.locator(".eduwb-move-to select").select_option(label=to.inner_text())
                page.locator("button.eduwb-move-pupils").click()
                page.wait_for_function(
                    "() => document.querySelectorAll('.eduwb-changes li').length === 1"
                    " || document.querySelector(\".eduwb-dash [role='alert']\")",
                    timeout=15_000,  # an exception other than eduwb's shows nothing on the page
                )
                alert = page.locator(".eduwb-dash [role='alert']")
                assert alert.count() == 0, alert.inner_text()
                # R1 (teachers per 100 pupils) over 2,282 pupils instead of 2,382, the teachers the same
                row = page.inner_text(".eduwb-school tr[data-indicator='R1']").split("\t")
                now, then = float(row[2]), float(row[3])
                assert abs(then - now * 2382 / 2282) < 0.01, row
            _shot(page, f"voila-fresh-{case}")
        assert not page.js_errors, page.js_errors
    finally:
        for f in saved:
            f.unlink(missing_ok=True)
