"""The evaluation standards as data: loading, validating and querying a standard file.

A standard is a TOML file (see ``moe-2017.toml``).  A province or county may ship its own
file, either complete or as a partial override::

    extends = "moe-2017"
    id = "hubei-2023"

    [[indicators]]
    id = "R6"
    threshold = { primary = 2200, junior = 2600 }

Tables are merged key by key and indicators by ``id``, so only what differs is written.
"""

from __future__ import annotations

import copy
import tomllib
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

import pandas as pd

from eduwb.errors import StandardError

STANDARDS_DIR = Path(__file__).parent
BUILTIN = ("moe-2017", "moe-2012")
DEFAULT_STANDARD = "moe-2017"

DIMENSIONS = ("resource", "guarantee", "quality", "recognition")
COMPARATORS = (">=", "<=", "yes", "yes_or_ratio", "all", "cv")
SOURCES = ("computed", "county")
STAGES = ("primary", "junior")
_REQUIRED_INDICATOR_KEYS = ("id", "seq", "dimension", "name_zh", "name_en", "unit", "comparator", "source")


@dataclass(frozen=True)
class Indicator:
    """One indicator of a standard."""

    id: str
    seq: int
    dimension: str
    name_zh: str
    name_en: str
    unit: str
    comparator: str
    source: str
    threshold: float | dict[str, float] | None = None
    formula: str | None = None
    per: float = 1.0
    gap_unit: str | None = None
    gap_integer: bool = False
    cost_key: str | None = None
    params: dict[str, Any] = field(default_factory=dict)

    def threshold_for(self, stage: str | None = None) -> float | None:
        """The threshold for a stage (or the single threshold when it does not vary)."""
        if isinstance(self.threshold, dict):
            if stage is None:
                raise StandardError(f"indicator {self.id}: a stage is needed for its threshold")
            return self.threshold.get(stage)
        return self.threshold

    def name(self, lang: str = "zh") -> str:
        return self.name_zh if lang == "zh" else self.name_en


@dataclass(frozen=True)
class Standard:
    """A loaded, validated standard. Query it; never hard-code what it holds."""

    id: str
    raw: dict[str, Any]
    source: str

    # ---- catalogue -------------------------------------------------------------------
    @property
    def name_zh(self) -> str:
        return self.raw["name_zh"]

    @property
    def name_en(self) -> str:
        return self.raw["name_en"]

    def name(self, lang: str = "zh") -> str:
        return self.name_zh if lang == "zh" else self.name_en

    @property
    def stages(self) -> list[str]:
        return list(self.raw.get("stages", STAGES))

    @cached_property
    def indicators(self) -> list[Indicator]:
        return [_indicator(d) for d in sorted(self.raw["indicators"], key=lambda d: d["seq"])]

    @cached_property
    def _by_id(self) -> dict[str, Indicator]:
        return {ind.id: ind for ind in self.indicators}

    def indicator(self, indicator_id: str) -> Indicator:
        try:
            return self._by_id[indicator_id]
        except KeyError:
            raise StandardError(f"standard {self.id} has no indicator {indicator_id!r}") from None

    def has_indicator(self, indicator_id: str) -> bool:
        return indicator_id in self._by_id

    @property
    def resource_indicators(self) -> list[Indicator]:
        """The per-school-section indicators computed from a formula (R1–R7, or B1–B8)."""
        return [i for i in self.indicators if i.dimension == "resource" and i.formula]

    @property
    def vetoes(self) -> list[dict[str, str]]:
        return list(self.raw.get("vetoes", []))

    def dimension_name(self, dimension: str, lang: str = "zh") -> str:
        return self.raw["dimensions"][dimension][lang]

    def stage_name(self, stage: str, lang: str = "zh") -> str:
        names = self.raw.get("stage_names", {})
        return names.get(stage, {}).get(lang, stage)

    # ---- rules -----------------------------------------------------------------------
    @property
    def scope(self) -> dict[str, Any]:
        return self.raw["scope"]

    @property
    def pupil_weights(self) -> dict[str, dict[str, float]]:
        return self.raw["pupil_weights"]

    @property
    def school_rule(self) -> dict[str, float] | None:
        """``{"min_met": 6, "min_ratio_rest": 0.85}`` or None when the standard has no such rule."""
        return self.raw.get("school_rule")

    @property
    def balance_test(self) -> str:
        return self.raw["balance"]["test"]

    def cv_limit(self, stage: str) -> float | None:
        """The limit on each indicator's CV (None when only the composite is tested)."""
        return self.raw["balance"].get("cv_limit", {}).get(stage)

    def composite_limit(self, stage: str) -> float | None:
        """The limit on the composite (mean) CV (None when each CV is tested instead)."""
        return self.raw["balance"].get("composite_limit", {}).get(stage)

    @property
    def class_size(self) -> dict[str, Any]:
        return self.raw["class_size"]

    def class_size_standard(self, stage: str) -> int:
        return int(self.raw["class_size"]["standard"][stage])

    def school_size_limit(self, kind: str, relaxed: bool = False) -> int:
        """Maximum compulsory-stage pupils for a school of this kind."""
        if relaxed:
            rel = self.relaxations
            return int(rel.get("school_size_by_kind", {}).get(kind, rel["school_size_default"]))
        size = self.raw["school_size"]
        return int(size.get("by_kind", {}).get(kind, size["default"]))

    @property
    def rotation(self) -> dict[str, Any]:
        return self.raw.get("rotation", {})

    @property
    def relaxations(self) -> dict[str, Any]:
        rel = self.raw.get("relaxations_2019")
        if rel is None:
            raise StandardError(f"standard {self.id} defines no 2019 relaxations")
        return rel

    # ---- tables ----------------------------------------------------------------------
    def catalogue(self, lang: str | None = None) -> pd.DataFrame:
        """One row per indicator with its thresholds per stage (the ``eduwb standards`` table)."""
        rows = []
        for ind in self.indicators:
            row = {
                "indicator": ind.id,
                "seq": ind.seq,
                "dimension": ind.dimension,
                "name_zh": ind.name_zh,
                "name_en": ind.name_en,
                "unit": ind.unit,
                "comparator": ind.comparator,
                "source": ind.source,
            }
            if isinstance(ind.threshold, dict):
                for stage in STAGES:
                    row[f"threshold_{stage}"] = ind.threshold.get(stage)
            else:
                row["threshold_primary"] = row["threshold_junior"] = ind.threshold
            rows.append(row)
        df = pd.DataFrame(rows)
        if lang is not None:
            df = df.drop(columns=["name_en" if lang == "zh" else "name_zh"])
        return df


def _indicator(d: dict[str, Any]) -> Indicator:
    known = {k: v for k, v in d.items() if k in Indicator.__dataclass_fields__}
    return Indicator(**known)


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for key, value in override.items():
        if key == "extends":
            continue
        if key in ("indicators", "vetoes") and key in out:
            if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
                raise StandardError(f"'{key}' must be a list of [[{key}]] tables")
            by_id = {d["id"]: d for d in out[key]}
            given: set[str] = set()
            for item in value:
                if "id" not in item:
                    raise StandardError(f"an entry of [[{key}]] has no id")
                # two entries for one id would silently keep only the last
                if item["id"] in given:
                    raise StandardError(f"[[{key}]] id {item['id']!r} appears twice")
                given.add(item["id"])
                if item["id"] in by_id:
                    by_id[item["id"]] = _merge(by_id[item["id"]], item)
                else:
                    by_id[item["id"]] = item
            out[key] = list(by_id.values())
        elif isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def _read_toml(path: Path) -> dict[str, Any]:
    from eduwb._files import FileRefused, read_regular_file
    from eduwb.data.limits import MAX_SETTINGS_BYTES

    try:
        data = read_regular_file(path, MAX_SETTINGS_BYTES)
    except FileNotFoundError:
        raise StandardError(f"{path}: standard file not found") from None
    except FileRefused as exc:
        raise StandardError(f"{path}: a standard file must be a regular file: it {exc}") from None
    except OSError as exc:
        raise StandardError(f"{path}: cannot be read: {exc.strerror or exc}") from None
    try:
        return tomllib.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise StandardError(f"{path}: not UTF-8 text (byte {exc.start})") from None
    except tomllib.TOMLDecodeError as exc:
        raise StandardError(f"{path}: not valid TOML: {exc}") from None
    except RecursionError:
        raise StandardError(f"{path}: not valid TOML: nested too deeply") from None


def _validate(raw: dict[str, Any], where: str) -> None:
    problems: list[str] = []
    for key in (
        "id",
        "name_zh",
        "name_en",
        "dimensions",
        "scope",
        "pupil_weights",
        "balance",
        "class_size",
        "school_size",
        "indicators",
    ):
        if key not in raw:
            problems.append(f"missing top-level key '{key}'")
    # a hand-edited file may put a value where a table belongs: say so instead of crashing below
    tables = ("dimensions", "scope", "pupil_weights", "balance", "class_size", "school_size", "school_rule", "rotation")
    for key in (*tables, "relaxations_2019"):
        if key in raw and not isinstance(raw[key], dict):
            problems.append(f"[{key}] must be a table, not {raw[key]!r}")
            raw = {k: v for k, v in raw.items() if k != key}
    if not isinstance(raw.get("indicators", []), list) or not all(isinstance(d, dict) for d in raw.get("indicators", [])):
        problems.append("'indicators' must be a list of [[indicators]] tables")
        raw = {k: v for k, v in raw.items() if k != "indicators"}
    stages = raw.get("stages", STAGES)
    class_size = raw.get("class_size", {})
    for stage in stages:
        if not _is_number(_sub(class_size, "standard").get(stage)):
            problems.append(f"[class_size] standard.{stage} must be a number")
    for key in ("large_min", "super_large_min"):
        if "class_size" in raw and not _is_number(class_size.get(key)):
            problems.append(f"[class_size] {key} must be a number")
    school_size = raw.get("school_size", {})
    if "school_size" in raw and not _is_number(school_size.get("default")):
        problems.append("[school_size] default must be a number")
    if not all(_is_number(v) for v in _sub(school_size, "by_kind").values()):
        problems.append("[school_size] by_kind values must be numbers")
    for kind, weights in raw.get("pupil_weights", {}).items():
        if not isinstance(weights, dict) or not all(_is_number(w) and w > 0 for w in weights.values()):
            problems.append(f"[pupil_weights] {kind} must map stages to positive numbers")
    for ind in raw.get("indicators", []) if isinstance(raw.get("indicators"), list) else []:
        share = ind.get("params", {}).get("backbone_share_min") if isinstance(ind, dict) and isinstance(ind.get("params"), dict) else None
        if share is not None and not _is_number(share):
            problems.append(f"indicator {ind.get('id')}: params.backbone_share_min must be a number")
    balance = raw.get("balance", {})
    test = balance.get("test")
    if test not in ("each", "composite"):
        problems.append(f"[balance] test must be 'each' or 'composite', not {test!r}")
    limits_key = "cv_limit" if test == "each" else "composite_limit"
    for stage in raw.get("stages", STAGES):
        lim = _sub(balance, limits_key).get(stage)
        if test in ("each", "composite") and not _is_number(lim):
            problems.append(f"[balance] {limits_key}.{stage} must be a number, not {lim!r}")
    rule = raw.get("school_rule")
    if rule is not None:
        if not isinstance(rule.get("min_met"), int) or not _is_number(rule.get("min_ratio_rest")):
            problems.append("[school_rule] needs an integer min_met and a number min_ratio_rest")
    seen: set[str] = set()
    for n, ind in enumerate(raw.get("indicators", []), start=1):
        label = f"indicator #{n} ({ind.get('id', '?')})"
        for key in _REQUIRED_INDICATOR_KEYS:
            if key not in ind:
                problems.append(f"{label}: missing '{key}'")
        if ind.get("id") in seen:
            problems.append(f"{label}: duplicate id")
        seen.add(ind.get("id"))
        if "seq" in ind and (not isinstance(ind["seq"], int) or isinstance(ind["seq"], bool)):
            problems.append(f"{label}: seq must be a whole number, not {ind['seq']!r}")
        if "dimension" in ind and ind["dimension"] not in raw.get("dimensions", {}):
            problems.append(f"{label}: unknown dimension {ind['dimension']!r}")
        if "comparator" in ind and ind["comparator"] not in COMPARATORS:
            problems.append(f"{label}: comparator must be one of {', '.join(COMPARATORS)}")
        if "source" in ind and ind["source"] not in SOURCES:
            problems.append(f"{label}: source must be 'computed' or 'county'")
        if ind.get("comparator") in (">=", "<="):
            thr = ind.get("threshold")
            values = thr.values() if isinstance(thr, dict) else [thr]
            if thr is None or not all(_is_number(v) for v in values):
                problems.append(f"{label}: comparator {ind['comparator']} needs a numeric threshold, not {thr!r}")
            elif any(v < 0 for v in values):
                problems.append(f"{label}: threshold must not be negative")
        if ind.get("formula") is not None and not (_is_number(ind.get("per", 1)) and ind.get("per", 1) > 0):
            problems.append(f"{label}: 'per' must be a positive number")
    problems += _text_problems(raw)
    if problems:
        raise StandardError(f"{where}: invalid standard:\n  " + "\n  ".join(problems))


def _text_problems(raw: dict[str, Any]) -> list[str]:
    """The texts a report prints (names, units) must be short text without hidden characters."""
    import re

    from eduwb.data.limits import MAX_STANDARD_TEXT_CHARS

    hidden = re.compile("[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")
    texts: list[tuple[str, Any]] = [("id", raw.get("id")), ("name_zh", raw.get("name_zh")), ("name_en", raw.get("name_en"))]
    for table in ("dimensions", "stage_names"):
        for key, names in (raw.get(table) or {}).items() if isinstance(raw.get(table), dict) else ():
            if not isinstance(names, dict):
                texts.append((f"[{table}] {key}", names))
                continue
            texts += [(f"[{table}] {key}.{lang}", names[lang]) for lang in ("zh", "en") if lang in names]
    for table in ("indicators", "vetoes"):
        items = raw.get(table)
        for item in items if isinstance(items, list) else ():
            if isinstance(item, dict):
                label = f"[[{table}]] {str(item.get('id', '?'))[:40]}"
                texts += [(f"{label} {key}", item[key]) for key in ("id", "name_zh", "name_en", "unit", "gap_unit") if key in item]
    problems = []
    for where, value in texts:
        if value is None:
            continue  # a missing key is reported as such
        if not isinstance(value, str):
            problems.append(f"{where} must be text, not {value!r}"[:200])
        elif len(value) > MAX_STANDARD_TEXT_CHARS:
            problems.append(f"{where} is longer than {MAX_STANDARD_TEXT_CHARS} characters")
        elif hidden.search(value):
            problems.append(f"{where} must not contain control characters or invisible formatting characters")
    return problems


def _sub(table: dict[str, Any], key: str) -> dict[str, Any]:
    """``table[key]`` when it is a table, else empty (its absence is then reported as such)."""
    value = table.get(key, {})
    return value if isinstance(value, dict) else {}


def _is_number(v: Any) -> bool:
    """A finite number (TOML allows inf and nan, which no threshold or limit can be)."""
    import math

    return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)


def _exists(path: Path) -> bool:
    try:
        return path.exists()
    except (OSError, ValueError):
        return False


_EXTENDING: set[str] = set()  # standards being loaded along a chain of `extends`, to refuse a cycle


@lru_cache(maxsize=32)
def _load_cached(key: str) -> Standard:
    if key in BUILTIN:
        path = STANDARDS_DIR / f"{key}.toml"
    else:
        path = Path(key)
        if not _exists(path):
            raise StandardError(
                f"unknown standard {key!r}: use one of {', '.join(BUILTIN)} or the path of a standard file"
            )
    raw = _read_toml(path)
    parent = raw.get("extends")
    if parent is not None:
        parent = str(parent)
        if parent not in BUILTIN and not Path(parent).is_absolute() and _exists(path.parent / parent):
            # a province file extending another file names it relative to itself
            parent = str((path.parent / parent).resolve())
        if parent == key or parent in _EXTENDING:
            raise StandardError(f"{path}: a standard cannot extend itself, directly or through other files (extends = {raw['extends']!r})")
        _EXTENDING.add(key)
        try:
            raw = _merge(_load_cached(parent).raw, raw)
        except StandardError as exc:
            raise StandardError(f"{path}: {exc}") from None
        finally:
            _EXTENDING.discard(key)
    _validate(raw, str(path if key not in BUILTIN else key))
    return Standard(id=raw["id"], raw=raw, source=str(path))


def load_standard(standard: str | Path | Standard | None = None) -> Standard:
    """Load a built-in standard by id (``moe-2017``, ``moe-2012``) or a standard file by path.

    Raises
    ------
    StandardError
        when the file is missing, not TOML, or breaks the shape of a standard.
    """
    if isinstance(standard, Standard):
        return standard
    key = DEFAULT_STANDARD if standard is None else str(standard)
    if key not in BUILTIN:
        try:
            exists = Path(key).exists()
            if exists:
                key = str(Path(key).resolve())
        except (OSError, ValueError):  # a name too long for the file system, a NUL byte
            exists = False
        if not exists:
            # name the standard as the user wrote it, not as a resolved path
            raise StandardError(
                f"unknown standard {key!r}: use one of {', '.join(BUILTIN)} or the path of a standard file"
            )
    return _load_cached(key)


def list_standards() -> list[str]:
    return list(BUILTIN)
