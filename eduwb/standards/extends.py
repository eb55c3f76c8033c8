"""TOML data files that may ``extends`` another (a built-in id, or a file relative to this
one): reading, merging an override, finding the parent. Standards and import mappings
(``eduwb/data/mappings/``) are both overridden by a province this way, writing only what
differs.
"""

from __future__ import annotations

import copy
import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from eduwb.errors import EduwbError


def read_toml(path: Path, *, error: type[EduwbError] = EduwbError, what: str = "file") -> dict[str, Any]:
    """The parsed file; a missing, irregular (folder, device, FIFO), oversized or invalid file
    raises ``error`` naming the file."""
    from eduwb._files import FileRefused, read_regular_file
    from eduwb.data.limits import MAX_SETTINGS_BYTES

    try:
        data = read_regular_file(path, MAX_SETTINGS_BYTES)
    except FileNotFoundError:
        raise error(f"{path}: {what} file not found") from None
    except FileRefused as exc:
        raise error(f"{path}: a {what} file must be a regular file: it {exc}") from None
    except OSError as exc:
        raise error(f"{path}: cannot be read: {exc.strerror or exc}") from None
    try:
        return tomllib.loads(data.decode("utf-8-sig"))
    except RecursionError:
        raise error(f"{path}: not valid TOML: nested too deeply") from None
    except tomllib.TOMLDecodeError as exc:
        raise error(f"{path}: not valid TOML: {exc}") from None
    except UnicodeDecodeError as exc:
        raise error(f"{path}: not valid TOML: not UTF-8 text ({exc.reason} at byte {exc.start})") from None


def merge(
    base: dict[str, Any],
    override: dict[str, Any],
    *,
    keyed: Mapping[str, str],
    error: type[EduwbError] = EduwbError,
    deep_entries: bool = True,
) -> dict[str, Any]:
    """``base`` with ``override`` laid over it (``extends`` itself is dropped).

    ``keyed`` maps a list name to the field identifying its entries: an override entry with
    the key of a base entry is merged into it, a new key is appended. With
    ``deep_entries=False`` each key an override entry gives replaces the base's value whole
    (a new ``check = {…}`` replaces the old checks rather than adding to them).
    """
    out = copy.deepcopy(base)
    for key, value in override.items():
        if key == "extends":
            continue
        if key in keyed and key in out:
            id_field = keyed[key]
            if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
                raise error(f"'{key}' must be a list of [[{key}]] tables")
            by_id = {d[id_field]: d for d in out[key] if isinstance(d, dict) and id_field in d}
            given: set[Any] = set()
            for item in value:
                if id_field not in item:
                    raise error(f"an entry of [[{key}]] has no {id_field}")
                item_id = item[id_field]
                # two entries for one key would silently keep only the last
                if item_id in given:
                    raise error(f"[[{key}]] {id_field} {item_id!r} appears twice")
                given.add(item_id)
                if item_id in by_id and deep_entries:
                    by_id[item_id] = merge(by_id[item_id], item, keyed=keyed, error=error)
                elif item_id in by_id:
                    by_id[item_id] = {**by_id[item_id], **item}
                else:
                    by_id[item_id] = item
            out[key] = list(by_id.values())
        elif isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value, keyed=keyed, error=error, deep_entries=deep_entries)
        else:
            out[key] = value
    return out


def parent_key(parent: object, path: Path, builtin: Iterable[str]) -> str:
    """How to load the file ``path`` extends: a built-in id, or a path resolved beside ``path``."""
    parent = str(parent)
    if parent not in builtin and not Path(parent).is_absolute() and (path.parent / parent).exists():
        # a province file extending another file names it relative to itself
        parent = str((path.parent / parent).resolve())
    return parent
