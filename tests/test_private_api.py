"""No private (``_underscore``) API of the libraries eduwb is built on.

A private name of matplotlib, IPython, pandas, papermill or nbconvert (or of any other
library) may change in a minor release without notice. The package reads none: no import of a
private module or name from another package, no ``obj._name`` on anything but the object's own
class (``self``/``cls``), no ``getattr(obj, "_name")`` either. Names of eduwb's own private
modules (``eduwb._files``) are the project's to use.
"""

from __future__ import annotations

import ast
import functools
import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "eduwb"
OWN = {"self", "cls"}


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _own_names(tree: ast.AST) -> tuple[set[str], set[str]]:
    """Names the file binds from eduwb (modules, functions), and the private names it defines itself."""
    from_eduwb, defined = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.level or (node.module or "").split(".")[0] == "eduwb"):
            from_eduwb.update(a.asname or a.name for a in node.names)
        elif isinstance(node, ast.Import):
            from_eduwb.update(
                (a.asname or a.name).split(".")[0] for a in node.names if a.name.startswith("eduwb")
            )
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            defined.add(node.name)
        elif (
            isinstance(node, ast.Attribute)
            and isinstance(node.ctx, ast.Store)
            and isinstance(node.value, ast.Name)
            and node.value.id in OWN
        ):
            defined.add(node.attr)  # self._x = …: the file's own class attributes
    return from_eduwb, {name for name in defined if _private(name)}


def _external_bases(tree: ast.AST) -> dict[str, tuple[str, str]]:
    """Names the file imports from other packages (candidates for subclassing): name → (module, name)."""
    names = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and not node.level and node.module.split(".")[0] != "eduwb":
            names.update({a.asname or a.name: (node.module, a.name) for a in node.names})
    return names


def _private_of(base: tuple[str, str], name: str) -> bool:
    """Whether another package's class (or a class it derives from) has the private member ``name``."""
    return any(name in members for members in _members(base))


@functools.cache
def _members(base: tuple[str, str]) -> list[set[str] | str]:
    """The members of a class and of those it derives from, and the source of their modules
    (which names the instance attributes they set)."""
    import importlib
    import inspect

    cls = getattr(importlib.import_module(base[0]), base[1])
    found: list[set[str] | str] = []
    for klass in inspect.getmro(cls) if inspect.isclass(cls) else ():
        found.append(set(vars(klass)))
        module = inspect.getmodule(klass)
        path = getattr(module, "__file__", None)
        if path and path.endswith(".py"):
            found.append(set(re.findall(r"self\.(_\w+)", Path(path).read_text(encoding="utf-8"))))
    return found


def _subclass_hooks(tree: ast.AST) -> list[tuple[int, str]]:
    """A class deriving from another package's class that overrides or touches its private members."""
    external = _external_bases(tree)
    found = []
    for cls in [n for n in ast.walk(tree) if isinstance(n, ast.ClassDef)]:
        bases = [external[b.id] for b in cls.bases if isinstance(b, ast.Name) and b.id in external]
        for node in ast.walk(cls) if bases else ():
            if isinstance(node, ast.FunctionDef):
                name = node.name
            elif (
                isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in OWN
            ):
                name = node.attr
            else:
                continue
            if _private(name) and any(_private_of(base, name) for base in bases):
                found.append((node.lineno, f"class {cls.name}: {name} of {bases[0][0]}.{bases[0][1]}"))
    return found


def _violations(source: str) -> list[tuple[int, str]]:
    tree = ast.parse(source)
    from_eduwb, defined = _own_names(tree)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and not node.level:
            module = node.module
            if module.split(".")[0] != "eduwb":
                if any(_private(part) for part in module.split(".")):
                    found.append((node.lineno, f"from {module} import …"))
                found += [
                    (node.lineno, f"from {module} import {a.name}") for a in node.names if _private(a.name)
                ]
        elif isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] != "eduwb" and any(_private(p) for p in parts):
                    found.append((node.lineno, f"import {alias.name}"))
        elif isinstance(node, ast.Attribute) and _private(node.attr) and node.attr not in defined:
            root = node.value
            while isinstance(root, ast.Attribute):
                root = root.value
            if not (isinstance(root, ast.Name) and root.id in OWN | from_eduwb):
                found.append((node.lineno, f"…{ast.unparse(node)}"))
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in ("getattr", "hasattr", "setattr")
            and len(node.args) >= 2
            and isinstance(node.args[1], ast.Constant)
            and isinstance(node.args[1].value, str)
            and _private(node.args[1].value)
            and node.args[1].value not in defined
        ):
            found.append((node.lineno, ast.unparse(node)))
    return sorted(found + _subclass_hooks(tree))


# Known exceptions, each open work: file → why.
KNOWN: dict[str, str] = {}


def test_the_package_uses_no_private_api_of_another_library():
    problems = [
        f"{path.relative_to(PACKAGE.parent)}:{line}: {what}"
        for path in sorted(PACKAGE.rglob("*.py"))
        if path.relative_to(PACKAGE.parent).as_posix() not in KNOWN
        for line, what in _violations(path.read_text(encoding="utf-8"))
    ]
    assert not problems, "private API in use:\n" + "\n".join(problems)


def test_the_check_finds_what_it_looks_for():
    source = (
        "from matplotlib.backends.backend_agg import RendererAgg\n"
        "from pandas._libs import lib\n"
        "import IPython.core._private\n"
        "from papermill.engines import _helper\n"
        "x = shell._instance\n"
        "y = getattr(pool, '_broken', False)\n"
        "z = self._mine + cls._ours + obj.__class__\n"
        "from eduwb._files import atomic_path\n"
        "from argparse import ArgumentParser as Parser\n"
        "class Hook(Parser):\n"
        "    def _get_optional_actions(self):\n"
        "        self._subparsers = None\n"
        "    def _mine(self):\n"
        "        self._own = 1\n"
    )
    assert [line for line, _ in _violations(source)] == [2, 3, 4, 5, 6, 11, 12]
