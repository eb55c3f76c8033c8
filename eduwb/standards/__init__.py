"""The evaluation standards as data: loading, validating and querying a standard file.

A standard is a TOML file (see ``moe-2017.toml``). A province or county may ship its own, complete
or as an override naming its parent (``extends = "moe-2017"``) and writing only what differs:
tables are merged key by key and ``[[indicators]]`` by ``id`` (:mod:`eduwb.standards.extends`).
"""

from __future__ import annotations

import ast
import contextlib
import math
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

import pandas as pd

from eduwb.errors import ParameterError, StandardError
from eduwb.lang import pick
from eduwb.standards.extends import merge, parent_key, read_toml

STANDARDS_DIR = Path(__file__).parent
BUILTIN = ("moe-2017", "moe-2012")
DEFAULT_STANDARD = "moe-2017"

COMPARATORS = (">=", "<=", "yes", "yes_or_ratio", "all", "cv")
SOURCES = ("computed", "county")
STAGES = ("primary", "junior")
_REQUIRED_INDICATOR_KEYS = ("id", "seq", "dimension", "name_zh", "name_en", "unit", "comparator", "source")

#: The English of the units the standards write in Chinese.
UNITS_EN = {
    "人/百生": "per 100 pupils",
    "间/百生": "per 100 pupils",
    "台/百生": "per 100 pupils",
    "m²/生": "m² per pupil",
    "元/生": "yuan per pupil",
    "册/生": "books per pupil",
    "个班": "classes",
    "所学校": "schools",
    "是/否": "yes/no",
    "是/否 或 比值": "yes/no or ratio",
}


@dataclass(frozen=True)
class Indicator:
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
    #: the range outside which a school's value is probably a data-entry slip (a warning, never
    #: a refusal): ``{"min": …, "max": …, "hint_zh": …, "hint_en": …}``, either bound optional
    plausible: dict[str, Any] | None = None
    scope: str | None = None

    def threshold_for(self, stage: str | None = None) -> float | None:
        if isinstance(self.threshold, dict):
            if stage is None:
                raise StandardError(f"indicator {self.id}: a stage is needed for its threshold")
            return self.threshold.get(stage)
        return self.threshold

    def name(self, lang: str = "zh") -> str:
        return pick((self.name_zh, self.name_en), lang)

    def unit_name(self, lang: str = "zh") -> str:
        """The unit as the standard writes it, or its English (:data:`UNITS_EN`, else as written)."""
        return pick((self.unit, UNITS_EN.get(self.unit, self.unit)), lang)

    @property
    def scope_name(self) -> str:
        """The scope this indicator judges: its ``scope``, else resource indicators judge the
        resource scope, county inputs the county, any other computed indicator every school."""
        if self.scope:
            return self.scope
        if self.dimension == "resource" and self.formula:
            return "resource"
        return "county" if self.source == "county" else "all_schools"


@dataclass(frozen=True)
class Scope:
    """Which schools an indicator judges (a ``[scopes.NAME]`` entry of the standard).

    ``kinds`` are the kinds of school it takes; ``None`` for the two rules that are not
    lists: ``resource`` (the school sections of the standard's ``[scope]`` table) and
    ``county`` (a county-level figure: no school list).
    """

    name: str
    zh: str
    en: str
    kinds: tuple[str, ...] | None


#: Scopes whose meaning is a rule of the code, not a list of kinds.
RULE_SCOPES = ("resource", "county")
#: The scopes a standard need not define: the two rules, and every school.
_BUILTIN_SCOPES = {
    "resource": ("资源配置评估范围", "the resource scope"),
    "county": ("全县", "the county"),
    "all_schools": ("全县所有义务教育学校", "every school with compulsory-stage pupils"),
}
#: What a standard that does not name its programme (``programme = {zh, en}``) is met as.
_PROGRAMME_DEFAULT = {"zh": "均衡", "en": "balance"}


@dataclass(frozen=True)
class Standard:
    """A loaded, validated standard. Query it; never hard-code what it holds."""

    id: str
    raw: dict[str, Any]
    source: str

    # ---- catalogue -------------------------------------------------------------------
    def name(self, lang: str = "zh") -> str:
        return pick((self.raw["name_zh"], self.raw["name_en"]), lang)

    def programme(self, lang: str = "zh") -> str:
        """What meeting this standard is called, as the report's title and verdict say it:
        优质均衡 (moe-2017), 基本均衡 (moe-2012); 均衡 for a standard that does not say."""
        words = self.raw.get("programme") or {}
        return str(words.get(lang) or _PROGRAMME_DEFAULT[lang])

    def programme_adjective(self) -> str:
        """The English programme as an adjective: "quality-balanced" (compulsory education)."""
        words = self.raw.get("programme") or {}
        return str(words.get("en_adjective") or self.programme("en").replace(" ", "-") + "d")

    @property
    def stages(self) -> list[str]:
        return list(self.raw.get("stages", STAGES))

    @cached_property
    def indicators(self) -> list[Indicator]:
        fields = Indicator.__dataclass_fields__
        return [
            Indicator(**{k: v for k, v in d.items() if k in fields})
            for d in sorted(self.raw["indicators"], key=lambda d: d["seq"])
        ]

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
        """The ``[scope]`` table: which school sections the resource indicators count."""
        return self.raw["scope"]

    def scope_of(self, indicator_id: str, default: str = "all_schools") -> Scope:
        """Which schools an indicator judges (``default`` when the standard has no such
        indicator, e.g. G4 under moe-2012)."""
        name = self.indicator(indicator_id).scope_name if self.has_indicator(indicator_id) else default
        entry = self.raw.get("scopes", {}).get(name)
        if entry is None and name in _BUILTIN_SCOPES:
            from eduwb.data.schema import KINDS

            entry = dict(zip(("zh", "en"), _BUILTIN_SCOPES[name], strict=True), kinds=list(KINDS))
        elif entry is None:
            raise StandardError(f"standard {self.id} defines no scope {name!r}")
        kinds = None if name in RULE_SCOPES else tuple(entry.get("kinds", ()))
        return Scope(name, entry.get("zh", name), entry.get("en", name), kinds)

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
        """The limit on each indicator's CV (None when only the composite, mean CV, is tested)."""
        return self.raw["balance"].get("cv_limit", {}).get(stage)

    def composite_limit(self, stage: str) -> float | None:
        return self.raw["balance"].get("composite_limit", {}).get(stage)

    @property
    def class_size(self) -> dict[str, Any]:
        return self.raw["class_size"]

    def class_size_standard(self, stage: str) -> int:
        return int(self.raw["class_size"]["standard"][stage])

    def school_size_limit(self, kind: str, relaxed: bool = False) -> int:
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
        keys = ("seq", "dimension", "name_zh", "name_en", "unit", "comparator", "source")
        for ind in self.indicators:
            row = {"indicator": ind.id, **{key: getattr(ind, key) for key in keys}}
            if isinstance(ind.threshold, dict):
                for stage in STAGES:
                    row[f"threshold_{stage}"] = ind.threshold.get(stage)
            else:
                row["threshold_primary"] = row["threshold_junior"] = ind.threshold
            rows.append(row)
        df = pd.DataFrame(rows)
        if lang is not None:
            df = df.drop(columns=[pick(("name_en", "name_zh"), lang)])
        return df


@lru_cache(maxsize=64)
def formula_columns(formula: str) -> frozenset[str]:
    """The column names a formula refers to (the names in the pandas expression)."""
    try:
        tree = ast.parse(formula, mode="eval")
    except SyntaxError as exc:
        raise ParameterError(f"formula {formula!r} is not a valid expression: {exc}") from None
    return frozenset(node.id for node in ast.walk(tree) if isinstance(node, ast.Name))


def scope_mask(sections: pd.DataFrame, std: Standard) -> pd.Series:
    """True for the school sections the standard measures on its resource indicators.

    ``sections`` needs ``stage, kind, students`` (and ``sponsor`` when the standard leaves
    private schools out): only the standard's stages; kinds in ``scope.exclude_kinds`` out;
    teaching points under ``scope.teaching_point_min_students`` pupils out.
    """
    scope = std.scope
    mask = sections["stage"].isin(std.stages)
    mask &= ~sections["kind"].isin(scope.get("exclude_kinds", []))
    small_point = (sections["kind"] == "teaching_point") & (
        sections["students"] < scope.get("teaching_point_min_students", 0)
    )
    mask &= ~small_point
    if scope.get("exclude_private", False):
        mask &= sections["sponsor"] != "private"
    return mask.fillna(False).astype(bool)


_KEYED_LISTS = {"indicators": "id", "vetoes": "id"}


def _validate(raw: dict[str, Any], where: str) -> None:
    """Refuse a standard file that is incomplete or inconsistent, listing every problem at once.

    Why this is long: it is a sequential list of checks, one per rule of the standard file's
    format, each adding its own message; they are read (and kept in step with the format) in order.
    """
    required = "id name_zh name_en dimensions scope pupil_weights balance class_size school_size indicators"
    problems = [f"missing top-level key '{key}'" for key in required.split() if key not in raw]
    # a hand-edited file may put a value where a table belongs: say so instead of crashing below
    tables = "dimensions scope scopes pupil_weights balance class_size school_size school_rule rotation"
    for key in (*tables.split(), "relaxations_2019"):
        if key in raw and not isinstance(raw[key], dict):
            problems.append(f"[{key}] must be a table, not {raw[key]!r}")
            raw = {k: v for k, v in raw.items() if k != key}
    if not isinstance(raw.get("indicators", []), list) or not all(
        isinstance(d, dict) for d in raw.get("indicators", [])
    ):
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
    for ind in raw.get("indicators", []):  # a list of tables: anything else was dropped above
        params = ind.get("params")
        share = params.get("backbone_share_min") if isinstance(params, dict) else None
        if share is not None and not _is_number(share):
            problems.append(f"indicator {ind.get('id')}: params.backbone_share_min must be a number")
    balance = raw.get("balance", {})
    test = balance.get("test")
    if test not in ("each", "composite"):
        problems.append(f"[balance] test must be 'each' or 'composite', not {test!r}")
    limits_key = "cv_limit" if test == "each" else "composite_limit"
    for stage in stages:
        lim = _sub(balance, limits_key).get(stage)
        if test in ("each", "composite") and not _is_number(lim):
            problems.append(f"[balance] {limits_key}.{stage} must be a number, not {lim!r}")
    rule = raw.get("school_rule")
    if rule is not None:
        if not isinstance(rule.get("min_met"), int) or not _is_number(rule.get("min_ratio_rest")):
            problems.append("[school_rule] needs an integer min_met and a number min_ratio_rest")
    scopes = raw.get("scopes", {})
    if not isinstance(scopes, dict) or not all(isinstance(v, dict) for v in scopes.values()):
        problems.append("[scopes] must be a table of [scopes.NAME] tables")
        scopes = {}
    from eduwb.data.schema import KINDS

    for name, entry in scopes.items():
        for key in ("zh", "en"):
            if key in entry and not isinstance(entry[key], str):
                problems.append(f"[scopes.{name}] {key} must be text")
        if name in RULE_SCOPES:
            if "kinds" in entry:
                problems.append(f"[scopes.{name}] is a rule of eduwb ({name}), not a list: remove its kinds")
            continue
        kinds = entry.get("kinds")
        if not isinstance(kinds, list) or not kinds or any(k not in KINDS for k in kinds):
            problems.append(f"[scopes.{name}] kinds must be a non-empty list of: {', '.join(KINDS)}")
    known_scopes = set(scopes) | set(RULE_SCOPES) | {"all_schools"}
    seen: set[str] = set()
    for n, ind in enumerate(raw.get("indicators", []), start=1):
        label = f"indicator #{n} ({ind.get('id', '?')})"
        problems += [f"{label}: missing '{key}'" for key in _REQUIRED_INDICATOR_KEYS if key not in ind]
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
                problems.append(
                    f"{label}: comparator {ind['comparator']} needs a numeric threshold, not {thr!r}"
                )
            elif any(v < 0 for v in values):
                problems.append(f"{label}: threshold must not be negative")
        plausible = ind.get("plausible")
        if plausible is not None:
            if not isinstance(plausible, dict) or not ({"min", "max"} & plausible.keys()):
                problems.append(f"{label}: plausible must be a table with min and/or max")
            elif not all(_is_number(plausible[k]) for k in ("min", "max") if k in plausible):
                problems.append(f"{label}: plausible min and max must be numbers")
            elif "min" in plausible and "max" in plausible and plausible["min"] >= plausible["max"]:
                problems.append(f"{label}: plausible min must be below max")
        if ind.get("formula") is not None and not (_is_number(ind.get("per", 1)) and ind.get("per", 1) > 0):
            problems.append(f"{label}: 'per' must be a positive number")
        scope = ind.get("scope")
        if scope is not None and scope not in known_scopes:
            problems.append(
                f"{label}: scope {scope!r} is not defined; define "
                f"[scopes.{scope}] or use one of {', '.join(sorted(known_scopes))}"
            )
    problems += _text_problems(raw)
    if problems:
        raise StandardError(f"{where}: invalid standard:\n  " + "\n  ".join(problems))


def _text_problems(raw: dict[str, Any]) -> list[str]:
    """The texts a report prints (names, units) must be short text without hidden characters."""
    from eduwb.data.limits import MAX_STANDARD_TEXT_CHARS
    from eduwb.names import HIDDEN

    texts: list[tuple[str, Any]] = [(key, raw.get(key)) for key in ("id", "name_zh", "name_en")]
    programme = raw.get("programme")
    if programme is not None:  # printed in the title and the verdict, so also a file name part
        if not isinstance(programme, dict):
            texts.append(("programme", programme))
        else:
            keys = ("zh", "en", "en_adjective")
            texts += [(f"programme.{k}", programme[k]) for k in keys if k in programme]
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
                keys = ("id", "name_zh", "name_en", "unit", "gap_unit")
                texts += [(f"{label} {key}", item[key]) for key in keys if key in item]
    problems = []
    for where, value in texts:
        if value is None:
            continue  # a missing key is reported as such
        if not isinstance(value, str):
            problems.append(f"{where} must be text, not {value!r}"[:200])
        elif len(value) > MAX_STANDARD_TEXT_CHARS:
            problems.append(f"{where} is longer than {MAX_STANDARD_TEXT_CHARS} characters")
        elif HIDDEN.search(value):
            problems.append(f"{where} must not contain control characters or invisible formatting characters")
    return problems


def _sub(table: dict[str, Any], key: str) -> dict[str, Any]:
    """``table[key]`` when it is a table, else empty (its absence is then reported as such)."""
    value = table.get(key, {})
    return value if isinstance(value, dict) else {}


def _is_number(v: Any) -> bool:
    """A finite number (TOML allows inf and nan, which no threshold or limit can be)."""
    return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)


def _exists(path: Path) -> bool:
    with contextlib.suppress(OSError, ValueError):  # a name too long for the file system, a NUL byte
        return path.exists()
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
    raw = read_toml(path, error=StandardError, what="standard")
    parent = raw.get("extends")
    if parent is not None:
        parent = parent_key(parent, path, BUILTIN)
        if parent == key or parent in _EXTENDING:
            raise StandardError(
                f"{path}: a standard cannot extend itself, directly "
                f"or through other files (extends = {raw['extends']!r})"
            )
        _EXTENDING.add(key)
        try:
            raw = merge(_load_cached(parent).raw, raw, keyed=_KEYED_LISTS, error=StandardError)
        except StandardError as exc:
            raise StandardError(f"{path}: {exc}") from None
        finally:
            _EXTENDING.discard(key)
    _validate(raw, str(path if key not in BUILTIN else key))
    return Standard(id=raw["id"], raw=raw, source=str(path))


def load_standard(standard: str | Path | Standard | None = None) -> Standard:
    """A built-in standard by id (``moe-2017``, ``moe-2012``) or a standard file by path;
    :class:`StandardError` when the file is missing, not TOML, or not a valid standard."""
    if isinstance(standard, Standard):
        return standard
    key = DEFAULT_STANDARD if standard is None else str(standard)
    if key not in BUILTIN and _exists(Path(key)):
        key = str(Path(key).resolve())  # one cache entry per file (a missing one is named as written)
    return _load_cached(key)


def standard_ref(ds=None, ref: str | Path | None = None) -> str:
    """The one rule for which standard applies: the one asked for, else the county's own
    (``county.toml`` ``standard``, found beside it by the loader), else the default.

    Returns a built-in id or an absolute path, so the reference means the same thing in
    every process of a batch.
    """
    key = str(ref) if ref else (getattr(getattr(ds, "settings", None), "standard", None) or DEFAULT_STANDARD)
    return key if key in BUILTIN else str(Path(key).resolve())


def resolve(ds=None, ref: str | Path | None = None) -> Standard:
    """The standard that applies to ``ds`` (:func:`standard_ref`), loaded once per process."""
    return load_standard(standard_ref(ds, ref))


def list_standards() -> list[str]:
    return list(BUILTIN)
