"""Re-execute the committed notebooks in place on data/sample (what nbval then checks).

Run after changing an analysis, a chart or the sample: ``make notebooks-refresh``.
Execution timestamps are stripped so that a re-run without changes leaves no diff.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
from nbconvert.preprocessors import ExecutePreprocessor

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"


def refresh(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    ExecutePreprocessor(timeout=600, kernel_name="python3").preprocess(nb, {"metadata": {"path": str(path.parent)}})
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
    nbformat.write(nb, path)
    print(f"executed {path.name}")


if __name__ == "__main__":
    names = sys.argv[1:] or sorted(p.name for p in NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
    for name in names:
        refresh(NOTEBOOKS / Path(name).name)
