"""Re-execute the committed notebooks in place on data/sample (what nbval then checks).

Run after changing an analysis, a chart or the sample: ``make notebooks-refresh`` (which also
regenerates and executes the English twins, ``scripts/english_notebooks.py``).

The written file is :func:`eduwb.present.nbfiles.clean`: no execution timestamps, no widget
state or widget views (each explorer keeps, as static outputs, the figures and tables of its
first view), table data serialised deterministically — so a re-run without changes leaves no
diff, and the notebook opens in JupyterLab showing its outputs before it is run.

    python scripts/execute_notebooks.py                     # notebooks/NN_*.ipynb
    python scripts/execute_notebooks.py notebooks/en/*.ipynb 00_scorecard.ipynb
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
from nbconvert.preprocessors import ExecutePreprocessor

from eduwb.present.nbfiles import clean

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
PATTERN = "[0-9][0-9]_*.ipynb"


#: Seconds a cell may take before the run is given up (and tried once more with a new kernel:
#: on a busy shared machine a kernel has been seen to stall, rarely, before its first cell).
CELL_TIMEOUT = 300


def execute(path: Path, tries: int = 2):
    for attempt in range(1, tries + 1):
        nb = nbformat.read(path, as_version=4)
        try:
            ExecutePreprocessor(timeout=CELL_TIMEOUT, startup_timeout=120, kernel_name="python3").preprocess(
                nb, {"metadata": {"path": str(path.parent)}}
            )
            return nb
        except (TimeoutError, RuntimeError) as exc:  # CellTimeoutError; "Kernel didn't respond"
            if attempt == tries or (isinstance(exc, RuntimeError) and "respond" not in str(exc)):
                raise
            print(f"{path.name}: {exc.__class__.__name__}; trying again with a new kernel", file=sys.stderr)
    raise AssertionError("not reached")


def refresh(path: Path) -> None:
    nb = execute(path)
    clean(nb)
    nbformat.validate(nb)
    nbformat.write(nb, path)
    print(f"executed {path.relative_to(NOTEBOOKS.parent) if path.is_relative_to(NOTEBOOKS.parent) else path}")


def resolve(name: str) -> Path:
    """A path as given, or a bare name inside notebooks/."""
    path = Path(name)
    if path.exists():
        return path.resolve()
    return NOTEBOOKS / path.name


if __name__ == "__main__":
    paths = [resolve(n) for n in sys.argv[1:]] or sorted(NOTEBOOKS.glob(PATTERN))
    for p in paths:
        refresh(p)
