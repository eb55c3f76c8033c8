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
    reqs = list(project["dependencies"]) + [r for extra in project["optional-dependencies"].values() for r in extra]
    out = {}
    for req in reqs:
        name, spec = re.match(r"^([A-Za-z0-9_.\-\[\]]+)(.*)$", req).groups()
        for conda_name in CONDA_EQUIVALENTS.get(name, [name]):
            out[conda_name.lower()] = spec.strip()
    return out


def _conda_requirements() -> dict[str, str]:
    out = {}
    text = (ROOT / "environment.yml").read_text()
    for line in text.split("dependencies:", 1)[1].splitlines():
        m = re.match(r"^  - ([A-Za-z0-9_.\-]+)(.*)$", line)
        if m and m.group(1) not in ("python", "pip"):
            out[m.group(1).lower()] = m.group(2).strip()
    return out


def test_environment_yml_mirrors_pyproject():
    assert _conda_requirements() == _pip_requirements()


def test_import_is_light():
    # pandas, papermill, nbconvert and WeasyPrint must load lazily.
    code = "import sys, eduwb; print(','.join(m for m in ('pandas','papermill','nbconvert','weasyprint','matplotlib') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == ""
