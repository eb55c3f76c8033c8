"""The project's own hygiene: dependency lists in sync, fast import, standard catalogue."""

from __future__ import annotations

import functools
import re
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _declared_requirements() -> list[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return list(project["dependencies"]) + [
        r for extra in project["optional-dependencies"].values() for r in extra
    ]


def _locked() -> dict[str, str]:
    """requirements.lock's pins: normalised name → version."""
    from packaging.utils import canonicalize_name

    pins = {}
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        m = re.match(r"^([A-Za-z0-9_.\-]+)==(\S+)", line)
        if m:
            pins[canonicalize_name(m.group(1))] = m.group(2)
    return pins


def test_the_lock_pins_every_declared_package_within_its_range():
    """`make lock` wrote requirements.lock from pyproject.toml: each declared package is pinned
    there, at a version its declared range allows (a range changed without `make lock` fails)."""
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    pins = _locked()
    for text in _declared_requirements():
        req = Requirement(text)
        name = canonicalize_name(req.name)
        assert name in pins, f"{req.name} is declared in pyproject.toml but not pinned: run make lock"
        assert req.specifier.contains(pins[name], prereleases=True), (
            f"{req.name}=={pins[name]} in requirements.lock is outside {req.specifier}: run make lock"
        )
        for extra in req.extras:  # dask[distributed]: the extra's packages are pinned too
            assert extra in pins, f"{req.name}[{extra}]: {extra} is not pinned: run make lock"


def test_the_typesetter_is_held_to_one_minor_version():
    # a 0.x package's next minor may change the template language, and so the PDF
    from packaging.requirements import Requirement

    (typst,) = [Requirement(r) for r in _declared_requirements() if r.startswith("typst")]
    assert typst.specifier.contains("0.15.9") and not typst.specifier.contains("0.16.0")


def test_environment_yml_installs_the_lock():
    """environment.yml is the lock too: conda gives Python 3.11, pip the locked versions and eduwb."""
    env = (ROOT / "environment.yml").read_text()
    yaml_lines = [line.split("#")[0].strip() for line in env.splitlines()]
    deps = yaml_lines[yaml_lines.index("dependencies:") :]
    entries = [line[2:].strip() for line in deps if line.startswith("- ")]
    assert entries == ["python=3.11", "pip", "pip:", "-r requirements.lock", "-e ."]
    assert "make lock" in (ROOT / "requirements.lock").read_text().splitlines()[1]


def test_import_is_light():
    # pandas, papermill, nbconvert and Typst load lazily: not with eduwb, nor with the report's modules
    code = (
        "import sys, eduwb; print(','.join(m for m in "
        "('pandas','papermill','nbconvert','typst','matplotlib') if m in sys.modules))\n"
        "import eduwb.report, eduwb.report.layout, eduwb.report.typeset\n"
        "print(','.join(m for m in ('papermill', 'nbconvert', 'typst', 'weasyprint', 'dask', 'IPython')"
        " if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.splitlines() == ["", ""]


def test_the_command_line_parser_is_light():
    # ``eduwb --help`` and every command's option parsing: no pandas, no analysis (tables.CATALOGUE)
    code = (
        "import sys; from eduwb.cli import build_parser; build_parser(); print(','.join(m for m in "
        "('pandas','numpy','eduwb.analysis.balance','matplotlib') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == ""


# Distributions that are needed but never imported by name: the Jupyter front end, kernel and Voilà,
# and pytest plugins and tools.
NOT_IMPORTED = {"jupyterlab", "ipykernel", "voila", "pytest-xdist", "nbval", "ruff", "dask[distributed]"}
IMPORT_NAMES = {"tomli-w": "tomli_w", "dask[distributed]": "dask"}


def _imported_top_level(paths) -> set[str]:
    import ast
    import json

    names = set()
    for path in paths:
        if path.suffix == ".ipynb":
            cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
            sources = ["".join(c["source"]) for c in cells if c["cell_type"] == "code"]
        else:
            sources = [path.read_text(encoding="utf-8")]
        for source in sources:
            for node in ast.walk(ast.parse(source)):
                if isinstance(node, ast.Import):
                    names.update(a.name.split(".")[0] for a in node.names)
                elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                    names.add(node.module.split(".")[0])
    return names


@functools.cache
def _package_imports() -> frozenset[str]:
    """The top-level modules eduwb and its notebooks import (read once for both tests)."""
    return frozenset(
        _imported_top_level([*(ROOT / "eduwb").rglob("*.py"), *(ROOT / "notebooks").rglob("*.ipynb")])
    )


def _declared(group: str) -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    reqs = project["dependencies"] if group == "runtime" else project["optional-dependencies"]["dev"]
    return {re.match(r"^([A-Za-z0-9_.\-\[\]]+)", r).group(1) for r in reqs}


def test_runtime_dependencies_are_exactly_what_the_package_imports():
    used = _package_imports()
    declared = _declared("runtime")
    unused = {d for d in declared if d not in NOT_IMPORTED and IMPORT_NAMES.get(d, d) not in used}
    assert not unused, f"declared but never imported by eduwb or its notebooks: {sorted(unused)}"
    assert "dask" in used  # dask[distributed] is the scheduler of report batches


def test_dev_only_packages_are_not_imported_by_the_package():
    used = _package_imports()
    dev_only = {IMPORT_NAMES.get(d, d) for d in _declared("dev")} - {"pytest"}
    assert not (used & dev_only), f"the package imports dev-only packages: {sorted(used & dev_only)}"
