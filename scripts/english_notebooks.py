"""Generate the English twins of the chapter notebooks: notebooks/en/NN_*.ipynb.

Each Markdown cell takes its translation (``metadata.eduwb.en``), the parameter cell gets
``lang = "en"``; code is shared. With ``--execute`` the twins are then executed on data/sample
(as ``scripts/execute_notebooks.py`` does), so they carry English outputs.
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

from eduwb.present.nbfiles import english_twin  # noqa: E402

TARGET = NOTEBOOKS / "en"


def generate(source: Path, target_dir: Path = TARGET) -> Path:
    nb = nbformat.read(source, as_version=4)
    twin = english_twin(nb, source.parent, target_dir, source.name)
    target_dir.mkdir(parents=True, exist_ok=True)
    target = target_dir / source.name
    twin = nbformat.from_dict(twin)
    nbformat.validate(twin)
    nbformat.write(twin, target)
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--execute", action="store_true", help="execute the twins after writing them")
    args = parser.parse_args(argv)
    for source in sorted(NOTEBOOKS.glob(PATTERN)):
        target = generate(source)
        print(f"wrote {target.relative_to(NOTEBOOKS.parent)}")
        if args.execute:
            refresh(target)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
