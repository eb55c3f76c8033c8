"""Notebook files that open well and diff cleanly: static widget fallbacks, stable table data.

A notebook executed with live widgets (the explorers) keeps two things that must not be
committed: the widget *views* in the outputs (``application/vnd.jupyter.widget-view+json``,
pointing at a model id) and the widget *state* in ``metadata.widgets`` (random model ids, new on
every run). Committed, they make every save a diff; and a view whose state is missing shows
"Error displaying widget: model not found", or — in an untrusted notebook — the widget's raw
text ``VBox(children=…``.

Two forms of a notebook, so an analyst keeps live widgets and git sees no change:

* **the working form** (:func:`tidy`): what the project's JupyterLab saves. Its
  ``FileContentsManager.pre_save_hook`` (:func:`pre_save_hook`, installed by ``make setup``)
  drops execution timestamps and normalises the hidden table data
  (:func:`eduwb.present.notebook.table_cell`), and keeps the widget views and state that
  JupyterLab sends (widget state saving is on), so a notebook saved after Run All reopens with
  its widgets showing.
* **the committed form** (:func:`clean`): each widget view replaced by what its Output widgets
  were showing (the figures and tables of the explorer's first view, recovered from the saved
  widget state), the state dropped, then :func:`tidy`. ``make notebooks-refresh`` writes it, the
  tests check the committed notebooks are in it, and git applies it as the *clean filter* of
  ``notebooks/**/*.ipynb`` (``.gitattributes``; ``make setup`` registers the filter, running
  ``python -m eduwb.present.nbfiles git-clean``): so ``git diff`` and ``git status`` compare the
  committed form of the working file, and Run All + save with no real change shows no diff.
"""

from __future__ import annotations

from typing import Any

from eduwb.present.notebook import TABLE_MIME, table_cell

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
_REF = "IPY_MODEL_"


def _static_outputs(model_id: str, state: dict[str, Any], seen: set[str]) -> list[dict[str, Any]]:
    """The outputs shown inside a widget (its Output widgets' outputs, children in order)."""
    if model_id in seen or model_id not in state:
        return []
    seen.add(model_id)
    model = state[model_id]
    body = model.get("state", {})
    if model.get("model_name") == "OutputModel":
        return [_as_display(o) for o in body.get("outputs", [])]
    out: list[dict[str, Any]] = []
    for child in body.get("children", []) or []:
        if isinstance(child, str) and child.startswith(_REF):
            out.extend(_static_outputs(child[len(_REF) :], state, seen))
    return out


def _as_display(output: dict[str, Any]) -> dict[str, Any]:
    """An Output widget's output as a plain notebook output (no execution count)."""
    output = output.__class__(output)  # a shallow copy of the same kind (dict or NotebookNode)
    if output.get("output_type") == "execute_result":
        output["output_type"] = "display_data"
        output.pop("execution_count", None)
    if output.get("output_type") == "display_data":
        output.setdefault("metadata", {})
    return output


def static_widgets(nb: dict[str, Any]) -> int:
    """Replace every widget view by its static outputs and drop the widget state (in place).

    Returns the number of widget views replaced. A view whose state was not saved is dropped.
    """
    metadata = nb.setdefault("metadata", {})
    state = (metadata.get("widgets") or {}).get(WIDGET_STATE, {}).get("state", {})
    replaced = 0
    for cell in nb.get("cells", []):
        if cell.get("cell_type") != "code":
            continue
        outputs = []
        for output in cell.get("outputs", []):
            data = output.get("data") or {}
            if WIDGET_VIEW in data:
                replaced += 1
                outputs.extend(_static_outputs(str(data[WIDGET_VIEW].get("model_id", "")), state, set()))
            else:
                outputs.append(output)
        if "outputs" in cell:
            cell["outputs"] = outputs
    metadata.pop("widgets", None)
    return replaced


def normalise_tables(nb: dict[str, Any]) -> None:
    """Re-serialise the hidden table data of :func:`eduwb.present.show_table` (idempotent).

    A browser turns ``0.0`` into ``0`` on save; the kernel may differ in the 17th digit between
    runs. :func:`eduwb.present.notebook.table_cell` writes both the same way.
    """
    for cell in nb.get("cells", []):
        for output in cell.get("outputs", []) or []:
            payload = (output.get("data") or {}).get(TABLE_MIME)
            if isinstance(payload, dict) and isinstance(payload.get("data"), list):
                payload["data"] = [[table_cell(v) for v in row] for row in payload["data"]]


def tidy(nb: dict[str, Any]) -> dict[str, Any]:
    """The working form: no execution timestamps, stable table data; widgets kept (in place)."""
    normalise_tables(nb)
    for cell in nb.get("cells", []):
        metadata = cell.get("metadata")
        if isinstance(metadata, dict):
            metadata.pop("execution", None)
    return nb


def clean(nb: dict[str, Any]) -> dict[str, Any]:
    """The committed form: static widget fallbacks, no widget state, then :func:`tidy` (in place)."""
    static_widgets(nb)
    return tidy(nb)


def pre_save_hook(model: dict[str, Any], **kwargs: Any) -> None:
    """``FileContentsManager.pre_save_hook``: tidy a notebook before the Jupyter server writes it.

    The widget views and state stay (a reopened notebook shows its widgets); git's clean filter
    (:func:`git_clean`) removes them from what is committed.
    """
    del kwargs
    if model.get("type") == "notebook" and isinstance(model.get("content"), dict):
        tidy(model["content"])


def git_clean(text: str) -> str:
    """Git's clean filter: the committed form of a notebook file's text.

    Text that is not a notebook passes through unchanged (a filter must never lose a file).
    """
    import nbformat

    try:
        nb = nbformat.reads(text, as_version=4)
    except Exception:  # noqa: BLE001 - any unreadable text is kept as it is
        return text
    cleaned = nbformat.writes(clean(nb))
    return cleaned if cleaned.endswith("\n") else cleaned + "\n"  # as nbformat.write ends a file


def main(argv: list[str] | None = None) -> int:
    """``python -m eduwb.present.nbfiles git-clean``: stdin to stdout through :func:`git_clean`."""
    import sys

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
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "code" and "parameters" in (cell.get("metadata", {}).get("tags") or []):
            return cell
    return None


def _source(cell: dict[str, Any]) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def english_parameters(source: str, source_dir, target_dir) -> str:
    """The parameter cell for a twin in ``target_dir``: ``lang = "en"``, and every relative
    path that exists from ``source_dir`` rewritten to point at the same place from ``target_dir``."""
    import ast
    import os
    from pathlib import Path

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
    """The file name of a chapter's English twin: ``00_scorecard.ipynb`` → ``00_scorecard_en.ipynb``.

    A name of its own, so a tab, a download or a search never confuses the twin with its chapter.
    """
    stem, dot, suffix = name.rpartition(".")
    return f"{stem}_en.{suffix}" if dot else f"{name}_en"


def english_twin(nb: dict[str, Any], source_dir, target_dir, name: str) -> dict[str, Any]:
    """The English twin of a chapter notebook, without outputs.

    Markdown cells take their translation (``metadata.eduwb.en``; a cell without one is an
    error: the twin must be all English); the parameter cell gets ``lang = "en"`` (and its
    relative paths follow the move to ``target_dir``); code cells are kept as they are, with
    no outputs. Cell ids stay those of the Chinese notebook.
    """
    import copy

    from eduwb.errors import EduwbError

    twin = copy.deepcopy(nb)
    twin["metadata"].pop("widgets", None)
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
            cell["outputs"] = []
            cell["execution_count"] = None
            cell.get("metadata", {}).pop("execution", None)
    params["source"] = english_parameters(_source(params), source_dir, target_dir)
    return twin


def without_outputs(nb: dict[str, Any]) -> dict[str, Any]:
    """A copy with no outputs, execution counts or widget state (to compare sources)."""
    import copy

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
