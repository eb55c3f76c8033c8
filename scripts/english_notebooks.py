"""Generate the English twins of the chapter notebooks: notebooks/en/NN_*_en.ipynb.

Each Markdown cell takes its translation (``metadata.eduwb.en``), the parameter cell gets
``lang = "en"``; code is shared. With ``--execute`` the twins are then executed on data/sample
(as ``scripts/execute_notebooks.py`` does), so they carry English outputs. With
``--keep-outputs`` (a change of source only, e.g. a cell's tags) each code cell keeps the
outputs the existing twin has for the same cell id, until the next ``--execute``.
``make notebooks-refresh`` runs it with ``--execute``; ``tests/test_notebook_files.py`` checks the
committed twins are what this script writes (outputs aside).

The twins live one folder down, so the report (which takes ``notebooks/NN_*.ipynb``, not
recursively) never mistakes them for chapters.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import nbformat

sys.path.insert(0, str(Path(__file__).resolve().parent))

from execute_notebooks import NOTEBOOKS, PATTERN, refresh  # noqa: E402

from eduwb.present.nbfiles import english_twin, twin_name  # noqa: E402

TARGET = NOTEBOOKS / "en"


def _keep_outputs(twin: dict, target: Path) -> None:
    """Copy the outputs of the existing ``target`` into ``twin``, code cell by cell id."""
    if not target.is_file():
        return
    old = {c.get("id"): c for c in nbformat.read(target, as_version=4).cells if c.cell_type == "code"}
    for cell in twin["cells"]:
        if cell["cell_type"] == "code" and cell.get("id") in old:
            cell["outputs"] = old[cell["id"]].get("outputs", [])
            cell["execution_count"] = old[cell["id"]].get("execution_count")


def generate(source: Path, target_dir: Path = TARGET, keep_outputs: bool = False) -> Path:
    nb = nbformat.read(source, as_version=4)
    twin = english_twin(nb, source.parent, target_dir, source.name)
    target_dir.mkdir(parents=True, exist_ok=True)
    target = target_dir / twin_name(source.name)
    if keep_outputs:
        _keep_outputs(twin, target)
    twin = nbformat.from_dict(twin)
    nbformat.validate(twin)
    nbformat.write(twin, target)
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--execute", action="store_true", help="execute the twins after writing them")
    parser.add_argument(
        "--keep-outputs",
        action="store_true",
        help="keep the existing twins' outputs, cell by cell (a change of source only)",
    )
    args = parser.parse_args(argv)
    for source in sorted(NOTEBOOKS.glob(PATTERN)):
        target = generate(source, keep_outputs=args.keep_outputs and not args.execute)
        print(f"wrote {target.relative_to(NOTEBOOKS.parent)}")
        if args.execute:
            refresh(target)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
