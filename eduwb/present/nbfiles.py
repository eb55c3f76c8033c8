"""Notebook files that open well and diff cleanly: static widget fallbacks, stable table data.

A notebook run with live widgets (the explorers) holds widget *views* (pointing at model ids)
and widget *state* (``metadata.widgets``, random ids, new on every run). Kept, every save is a
diff; a view without its state shows "Error displaying widget"; a view restored after its kernel
is gone looks alive and answers nothing; and JupyterLab marks a notebook changed as soon as it
restores widget state. So a notebook file has one form, :func:`clean`: each view replaced by what
it was showing, the state dropped, then :func:`tidy`. Three writers apply it: the project's
JupyterLab (:func:`pre_save_hook`, installed by ``make setup``), ``make notebooks-refresh``, and
git's clean filter of ``notebooks/**/*.ipynb`` (``python -m eduwb.present.nbfiles git-clean``)
for a notebook saved by another Jupyter: Run All + save with no real change shows no diff.
"""

from __future__ import annotations

import ast
import copy
import itertools
import os
import sys
from html import escape
from pathlib import Path
from typing import Any

from eduwb.errors import EduwbError
from eduwb.present.notebook import TABLE_MIME, table_cell

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
#: The class of an explorer's hidden style widget (:data:`eduwb.present.figures.STYLE_CLASS`).
_STYLE_CLASS = "eduwb-widget-style"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
_REF = "IPY_MODEL_"


#: Widgets whose current value reads as one line of text in the static form ("学年 2021").
_CONTROLS = {
    "DropdownModel", "SelectModel", "ToggleButtonsModel", "RadioButtonsModel",
    "IntSliderModel", "FloatSliderModel", "SelectionSliderModel",
}  # fmt: skip


def _static_outputs(model_id: str, state: dict[str, Any], seen: set[str]) -> list[dict[str, Any]]:
    """What a widget showed, children in order: Output widgets' outputs, images, HTML, and one
    line with the values of its controls ("学年 2021")."""
    if model_id in seen or model_id not in state:
        return []
    seen.add(model_id)
    model = state[model_id]
    body = model.get("state", {})
    name = model.get("model_name")
    if name == "OutputModel":
        return [_as_display(o) for o in body.get("outputs", [])]
    if name == "ImageModel":
        return _image_output(model)
    if name in ("HTMLModel", "HTMLMathModel"):
        hidden = _STYLE_CLASS in (body.get("_dom_classes") or [])
        return [] if hidden or not body.get("value") else [_display({"text/html": str(body["value"])})]
    children = [
        c[len(_REF) :] for c in body.get("children", []) or [] if isinstance(c, str) and c.startswith(_REF)
    ]
    texts = {c: _control_text(state.get(c, {})) for c in children}
    out: list[dict[str, Any]] = []
    # consecutive controls read as one line; other children show their own outputs
    for controls, group in itertools.groupby(children, key=lambda c: bool(texts[c])):
        if controls:
            line = " · ".join(texts[c] for c in group)
            out.append(_display({"text/html": f"<p>{escape(line)}</p>", "text/plain": line}))
        else:
            out.extend(o for child_id in group for o in _static_outputs(child_id, state, seen))
    return out


def _display(data: dict[str, Any]) -> dict[str, Any]:
    return {"output_type": "display_data", "data": data, "metadata": {}}


def _image_output(model: dict[str, Any]) -> list[dict[str, Any]]:
    """An Image widget's picture (its value: a binary buffer, base64 in the saved state)."""
    body = model.get("state", {})
    data = body.get("value") if isinstance(body.get("value"), str) else None
    for buffer in model.get("buffers", []) or []:
        if buffer.get("path") == ["value"] and buffer.get("encoding", "base64") == "base64":
            data = buffer.get("data")
    fmt = str(body.get("format") or "png")
    return [_display({f"image/{fmt}": data, "text/plain": "<image>"})] if data else []


def _control_text(model: dict[str, Any]) -> str | None:
    """``"description value"`` of a control (a dropdown's chosen label, a slider's number)."""
    if model.get("model_name") not in _CONTROLS:
        return None
    body = model.get("state", {})
    labels, index = body.get("_options_labels"), body.get("index")
    if labels is not None:
        value = labels[index] if isinstance(index, int) and 0 <= index < len(labels) else ""
    else:
        value = body.get("value", "")
    return f"{body.get('description', '')} {value}".strip()


def _as_display(output: dict[str, Any]) -> dict[str, Any]:
    """An Output widget's output as a plain notebook output (no execution count)."""
    output = output.__class__(output)  # a shallow copy of the same kind (dict or NotebookNode)
    if output.get("output_type") == "execute_result":
        output["output_type"] = "display_data"
        output.pop("execution_count", None)
    if output.get("output_type") == "display_data":
        output.setdefault("metadata", {})
    return output


def static_widgets(nb: dict[str, Any], previous: dict[str, Any] | None = None) -> int:
    """Replace every widget view by its static outputs and drop the widget state (in place);
    returns the number of views replaced. A view whose state was not saved (JupyterLab sends none
    after a kernel restart) is dropped, unless the same cell (id and source) in ``previous``, the
    notebook as last written, has outputs to keep."""
    from nbformat.notebooknode import from_dict

    metadata = nb.setdefault("metadata", {})
    state = (metadata.get("widgets") or {}).get(WIDGET_STATE, {}).get("state", {})
    before = {
        c.get("id"): c
        for c in (previous or {}).get("cells", [])
        if c.get("cell_type") == "code" and c.get("id")
    }
    replaced = 0
    for cell in nb.get("cells", []):
        if cell.get("cell_type") != "code":
            continue
        outputs, lost = [], False
        for output in cell.get("outputs", []):
            data = output.get("data") or {}
            if WIDGET_VIEW in data:
                replaced += 1
                model_id = str(data[WIDGET_VIEW].get("model_id", ""))
                lost = lost or model_id not in state
                static = _static_outputs(model_id, state, set())
                outputs.extend(from_dict(o) for o in static)  # nodes, as nbformat writes them
            else:
                outputs.append(output)
        old = before.get(cell.get("id"))
        if lost and old is not None and _source(old) == _source(cell) and not _has_view(old):
            outputs = [from_dict(o) for o in old.get("outputs", [])]
        if "outputs" in cell:
            cell["outputs"] = outputs
    metadata.pop("widgets", None)
    return replaced


def _has_view(cell: dict[str, Any]) -> bool:
    return any(WIDGET_VIEW in (o.get("data") or {}) for o in cell.get("outputs", []))


def tidy(nb: dict[str, Any]) -> dict[str, Any]:
    """No execution timestamps; the hidden table data re-serialised by
    :func:`eduwb.present.notebook.table_cell` (a browser saves ``0.0`` as ``0``, a rerun may differ
    in the 17th digit); widgets untouched (in place)."""
    for cell in nb.get("cells", []):
        for output in cell.get("outputs", []) or []:
            payload = (output.get("data") or {}).get(TABLE_MIME)
            if isinstance(payload, dict) and isinstance(payload.get("data"), list):
                payload["data"] = [[table_cell(v) for v in row] for row in payload["data"]]
        metadata = cell.get("metadata")
        if isinstance(metadata, dict):
            metadata.pop("execution", None)
    return nb


def clean(nb: dict[str, Any], previous: dict[str, Any] | None = None) -> dict[str, Any]:
    """The committed form: :func:`static_widgets` (``previous`` as there), then :func:`tidy` (in place)."""
    static_widgets(nb, previous)
    return tidy(nb)


def pre_save_hook(model: dict[str, Any], **kwargs: Any) -> None:
    """``FileContentsManager.pre_save_hook``: the server writes a notebook in its :func:`clean` form.

    JupyterLab sends the widget state on save (``saveState``), so a reopened notebook shows the
    explorers as they were left, as plain outputs. After a kernel restart it sends no state: an
    explorer cell then keeps the outputs the file on disk has for it.
    """
    if model.get("type") == "notebook" and isinstance(model.get("content"), dict):
        clean(model["content"], _on_disk(kwargs.get("contents_manager"), kwargs.get("path")))


def _on_disk(contents_manager: Any, path: Any) -> dict[str, Any] | None:
    """The notebook at ``path`` (under the server's ``root_dir``) as the file has it, else None.
    Read from the file: the contents manager is asynchronous, a pre-save hook synchronous."""
    import nbformat

    root = getattr(contents_manager, "root_dir", None)
    if not root or not path:
        return None
    try:
        return nbformat.read(Path(root) / str(path).lstrip("/"), as_version=4)
    except Exception:  # noqa: BLE001 - no file yet, or an unreadable one: no fallback
        return None


def git_clean(text: str) -> str:
    """Git's clean filter: the committed form of a notebook file's text (any other text
    unchanged: a filter must never lose a file)."""
    import nbformat

    try:
        nb = nbformat.reads(text, as_version=4)
    except Exception:  # noqa: BLE001 - any unreadable text is kept as it is
        return text
    cleaned = nbformat.writes(clean(nb))
    return cleaned if cleaned.endswith("\n") else cleaned + "\n"  # as nbformat.write ends a file


def main(argv: list[str] | None = None) -> int:
    """``python -m eduwb.present.nbfiles git-clean``: stdin to stdout through :func:`git_clean`."""
    args = sys.argv[1:] if argv is None else argv
    if args != ["git-clean"]:
        print("usage: python -m eduwb.present.nbfiles git-clean  (git's notebook filter)", file=sys.stderr)
        return 2
    from eduwb._imports import skip_iri_grammar

    skip_iri_grammar()  # git runs this once per changed notebook: a second saved each time
    text = sys.stdin.buffer.read().decode("utf-8", errors="surrogateescape")
    sys.stdout.buffer.write(git_clean(text).encode("utf-8", errors="surrogateescape"))
    return 0


# ----------------------------------------------------------------------------- English twins


def _parameters_cell(nb: dict[str, Any]) -> dict[str, Any] | None:
    tagged = (c for c in nb.get("cells", []) if "parameters" in (c.get("metadata", {}).get("tags") or []))
    return next((c for c in tagged if c.get("cell_type") == "code"), None)


def _source(cell: dict[str, Any]) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def english_parameters(source: str, source_dir, target_dir) -> str:
    """The parameter cell for a twin in ``target_dir``: ``lang = "en"``, and every relative
    path that exists from ``source_dir`` rewritten to point at the same place from ``target_dir``."""
    lines = source.splitlines(keepends=True)
    edits: list[tuple[int, int, int, str]] = []  # line, start col, end col, text
    has_lang = False
    for node in ast.parse(source).body:
        if not (
            isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)
        ):
            continue
        name, value = node.targets[0].id, node.value
        if value.lineno != value.end_lineno:
            continue
        if name == "lang":
            has_lang = True
            edits.append((value.lineno - 1, value.col_offset, value.end_col_offset, '"en"'))
        elif isinstance(value, ast.Constant) and isinstance(value.value, str) and value.value:
            path = Path(value.value)
            if not path.is_absolute() and (Path(source_dir) / path).exists():
                moved = Path(os.path.relpath(Path(source_dir) / path, Path(target_dir))).as_posix()
                edits.append((value.lineno - 1, value.col_offset, value.end_col_offset, f'"{moved}"'))
    for line, start, end, text in sorted(edits, reverse=True):
        raw = lines[line].encode("utf-8")  # ast offsets are in UTF-8 bytes
        lines[line] = (raw[:start] + text.encode("utf-8") + raw[end:]).decode("utf-8")
    out = "".join(lines)
    if not has_lang:
        out = out.rstrip("\n") + '\nlang = "en"'
    return out


def twin_name(name: str) -> str:
    """``00_scorecard.ipynb`` → ``00_scorecard_en.ipynb``: a name of its own, so a tab, a download
    or a search never confuses the English twin with its chapter."""
    stem, dot, suffix = name.rpartition(".")
    return f"{stem}_en.{suffix}" if dot else f"{name}_en"


def english_twin(nb: dict[str, Any], source_dir, target_dir, name: str) -> dict[str, Any]:
    """The English twin of a chapter notebook, without outputs: Markdown cells take their
    ``metadata.eduwb.en`` (required: the twin must be all English), the parameter cell
    :func:`english_parameters`; code cells and cell ids stay."""
    twin = without_outputs(nb)
    twin["metadata"]["eduwb"] = {"lang": "en", "generated_from": f"../{name}"}
    params = _parameters_cell(twin)
    if params is None:
        raise EduwbError(f"{name}: no cell tagged 'parameters'")
    for i, cell in enumerate(twin["cells"]):
        if cell["cell_type"] == "markdown":
            en = (cell.get("metadata", {}).get("eduwb") or {}).get("en")
            if not en:
                raise EduwbError(f"{name}: Markdown cell {i + 1} has no English (metadata.eduwb.en)")
            cell["source"] = en
        elif cell["cell_type"] == "code":
            cell.get("metadata", {}).pop("execution", None)
    params["source"] = english_parameters(_source(params), source_dir, target_dir)
    return twin


def without_outputs(nb: dict[str, Any]) -> dict[str, Any]:
    """A copy with no outputs, execution counts or widget state (to compare sources)."""
    out = copy.deepcopy(nb)
    out["metadata"].pop("widgets", None)
    for cell in out["cells"]:
        cell["source"] = _source(cell)
        if cell["cell_type"] == "code":
            cell["outputs"] = []
            cell["execution_count"] = None
    return out


if __name__ == "__main__":
    raise SystemExit(main())
