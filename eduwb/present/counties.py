"""The counties the dashboard can show: found under a folder, each once, named as its settings name it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class County:
    """A county the dashboard can show: its name, its code (``county.toml``) and where its data are."""

    name: str
    path: Path
    code: str = ""

    def label(self, duplicate: bool) -> str:
        """The county's name; with its code when another county of the list has the same name."""
        return f"{self.name} ({self.code or self.path.name})" if duplicate else self.name


def _county(path: Path) -> County:
    """The county stored at ``path``, named as its settings name it (else as the file or folder)."""
    import tomllib

    settings = path / "county.toml" if path.is_dir() else path.with_suffix(".toml")
    found: dict = {}
    if settings.is_file():
        try:
            found = tomllib.loads(settings.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError):
            found = {}
    return County(str(found.get("name") or path.stem), path, str(found.get("code") or ""))


def _is_county(path: Path) -> bool:
    return path.suffix == ".xlsx" or (path.is_dir() and any(path.glob("*.csv")))


def find_counties(root: str | Path) -> list[County]:
    """The counties under ``root``, each once, by name.

    ``root`` itself when it is a county (a folder of CSV files or a workbook); else the counties
    directly inside it, then those one folder further down (a province's folder of counties,
    such as ``data/province-sample``), each level in name order. A county stored twice — as a
    folder and as a workbook with the same name and code, as ``data/sample`` and
    ``data/sample.xlsx`` — is listed once, as the first found (folders before workbooks).
    """
    root = Path(root)
    if _is_county(root):
        return [_county(root)]

    def inside(folder: Path) -> list[Path]:
        entries = sorted(folder.iterdir()) if folder.is_dir() else []
        return sorted(entries, key=lambda e: (e.suffix == ".xlsx", e.name))

    top = inside(root)
    paths = [e for e in top if _is_county(e)]
    paths += [e for d in top if d.is_dir() and not _is_county(d) for e in inside(d) if _is_county(e)]
    found: dict[tuple[str, str], County] = {}
    for path in paths:
        county = _county(path)
        found.setdefault((county.name, county.code or str(path)), county)
    return list(found.values())
