"""The package's layers, checked: data flows one way and no module imports itself in a circle.

Layers, lowest first (a module may import its own layer and those below it, never above):

    errors, _files, _imports  the error model, safe writes, notebook processes' start-up
    lang, numbers, names      the cross-cutting rules of what a person reads: the choice between
                              Chinese and English (``pick``), the one display rule for numbers
                              and the one check of names
    data.schema, data.limits  the dictionary's vocabulary (tables, kinds, stages) and the input
    data.rulewords            limits: plain data, used by the standards as well as the loader;
                              the Chinese of every data rule, which every Problem prints
    standards                 the standard as data
    data                      the dictionary, the loader, the sample, importers
    analysis                  DataFrames in, DataFrames out
    present                   words, privacy, charts, tables shown: what a person reads
    report                    papermill, layout, workbook
    tables                    the registry behind ``eduwb table``
    cli                       the command line, and the package's own facade (``eduwb.load``,
                              ``eduwb.load_standard``, loaded lazily)
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "eduwb"
LAYERS = ["base", "standards", "data", "analysis", "present", "report", "tables", "cli"]
BASE = {
    "eduwb.errors",
    "eduwb._files",
    "eduwb._imports",
    "eduwb.lang",
    "eduwb.numbers",
    "eduwb.names",
    "eduwb.data.schema",
    "eduwb.data.limits",
    "eduwb.data.rulewords",
}
# Known exceptions, each with its reason; an entry here is open work, not a licence.
# (module, imported module) -> why, e.g. ("eduwb.analysis.x", "eduwb.present.y"): "…"
EXCEPTIONS: dict[tuple[str, str], str] = {}
FACADE = "eduwb"


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _layer(module: str) -> str:
    if module in BASE:
        return "base"
    if module == FACADE:
        return "cli"
    top = module.split(".")[1]
    assert top in LAYERS, f"{module}: not in any layer; add its folder to LAYERS in {__file__}"
    return top


def _imports(module: str) -> set[str]:
    """eduwb modules imported anywhere in ``module`` (function-level imports included)."""
    path = MODULES[module]
    found = set()
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("eduwb"))
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(
                    package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else [])
                )
            if not base.startswith("eduwb"):
                continue
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                found.add(sub if sub in MODULES else base)
    return {m for m in found if m in MODULES and m != module}


def test_every_module_is_in_a_layer():
    for module in MODULES:
        _layer(module)


def test_no_module_imports_a_layer_above_its_own():
    wrong = []
    for module in MODULES:
        rank = LAYERS.index(_layer(module))
        for target in sorted(_imports(module)):
            if LAYERS.index(_layer(target)) > rank and (module, target) not in EXCEPTIONS:
                wrong.append(f"{module} ({_layer(module)}) imports {target} ({_layer(target)})")
    assert not wrong, "imports against the flow:\n" + "\n".join(wrong)


def test_no_import_cycles():
    graph = {m: _imports(m) for m in MODULES}
    # A package's __init__ that only re-exports its submodules is not a cycle with them.
    for m in graph:
        graph[m] = {t for t in graph[m] if not m.startswith(t + ".")}
    cycles, state = [], {}

    def visit(node: str, stack: list[str]) -> None:
        state[node] = "open"
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == "open":
                cycles.append(" → ".join(stack[stack.index(nxt) :] + [nxt]))
            elif nxt not in state:
                visit(nxt, stack)
        stack.pop()
        state[node] = "done"

    for module in sorted(graph):
        if module not in state:
            visit(module, [])
    assert not cycles, "import cycles:\n" + "\n".join(cycles)


LANG_TEST = re.compile(r"\blang\s*==|==\s*(?:\w+\.)*lang\b")


def test_words_are_chosen_only_by_pick():
    """Issue #14: one way to choose between the languages, ``eduwb.lang.pick``; no ``lang == "zh"``."""
    offenders = []
    for path in sorted([*PACKAGE.rglob("*.py"), *PACKAGE.rglob("*.j2")]):
        if path == PACKAGE / "lang.py":
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if LANG_TEST.search(line):
                offenders.append(f"{path.relative_to(PACKAGE.parent)}:{number}: {line.strip()}")
    assert not offenders, "choose with eduwb.lang.pick((zh, en), lang) instead:\n" + "\n".join(offenders)


LONG_FUNCTION = 80  # lines, from the def to the last line (decorators excluded)
WHY_LONG = "Why this is long:"


def _functions(tree: ast.AST, prefix: str):
    """Every function and method under ``tree``, nested ones included, with its qualified name."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            yield f"{prefix}.{node.name}", node
            yield from _functions(node, f"{prefix}.{node.name}")
        elif isinstance(node, ast.ClassDef):
            yield from _functions(node, f"{prefix}.{node.name}")


def test_long_functions_say_why():
    """A function of more than LONG_FUNCTION lines says in its docstring why it is not split."""
    offenders = []
    for module, path in MODULES.items():
        for name, node in _functions(ast.parse(path.read_text(encoding="utf-8")), module):
            lines = node.end_lineno - node.lineno + 1
            if lines <= LONG_FUNCTION:
                continue
            if WHY_LONG not in (ast.get_docstring(node) or ""):
                offenders.append(f"{name} ({lines} lines)")
    assert not offenders, (
        f"functions of more than {LONG_FUNCTION} lines: split them, or add a paragraph beginning "
        f"{WHY_LONG!r} to the docstring:\n" + "\n".join(offenders)
    )
