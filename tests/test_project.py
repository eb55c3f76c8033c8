"""The project's own hygiene: dependency lists in sync, fast import, standard catalogue."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# pip names whose conda packages are spelled differently
CONDA_EQUIVALENTS = {"dask[distributed]": ["dask", "distributed"]}


def _pip_requirements() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    reqs = list(project["dependencies"]) + [
        r for extra in project["optional-dependencies"].values() for r in extra
    ]
    out = {}
    for req in reqs:
        name, spec = re.match(r"^([A-Za-z0-9_.\-\[\]]+)(.*)$", req).groups()
        for conda_name in CONDA_EQUIVALENTS.get(name, [name]):
            out[conda_name.lower()] = spec.strip()
    return out


def _conda_requirements() -> dict[str, str]:
    """environment.yml's packages: conda's, and those of its pip section (not its options)."""
    out = {}
    text = (ROOT / "environment.yml").read_text()
    for line in text.split("dependencies:", 1)[1].splitlines():
        m = re.match(r"^(?:  |      )- ([A-Za-z0-9_.][A-Za-z0-9_.\-]*)(.*)$", line)
        if m and m.group(1) not in ("python", "pip"):
            out[m.group(1).lower()] = m.group(2).strip()
    return out


def test_environment_yml_mirrors_pyproject():
    assert _conda_requirements() == _pip_requirements()


def test_import_is_light():
    # pandas, papermill, nbconvert and Typst must load lazily.
    code = (
        "import sys, eduwb; print(','.join(m for m in "
        "('pandas','papermill','nbconvert','typst','matplotlib') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == ""


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


def _declared(group: str) -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    reqs = project["dependencies"] if group == "runtime" else project["optional-dependencies"]["dev"]
    return {re.match(r"^([A-Za-z0-9_.\-\[\]]+)", r).group(1) for r in reqs}


def test_runtime_dependencies_are_exactly_what_the_package_imports():
    used = _imported_top_level([*(ROOT / "eduwb").rglob("*.py"), *(ROOT / "notebooks").rglob("*.ipynb")])
    declared = _declared("runtime")
    unused = {d for d in declared if d not in NOT_IMPORTED and IMPORT_NAMES.get(d, d) not in used}
    assert not unused, f"declared but never imported by eduwb or its notebooks: {sorted(unused)}"
    assert "dask" in used  # dask[distributed] is the scheduler of report batches


def test_dev_only_packages_are_not_imported_by_the_package():
    used = _imported_top_level([*(ROOT / "eduwb").rglob("*.py"), *(ROOT / "notebooks").rglob("*.ipynb")])
    dev_only = {IMPORT_NAMES.get(d, d) for d in _declared("dev")} - {"pytest"}
    assert not (used & dev_only), f"the package imports dev-only packages: {sorted(used & dev_only)}"
