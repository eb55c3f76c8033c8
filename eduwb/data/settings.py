"""A county's settings: ``county.toml`` (or ``<stem>.toml`` beside a workbook), checked key by key."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from eduwb import names
from eduwb.data import limits
from eduwb.data.read import decode, read_input
from eduwb.errors import Problem
from eduwb.standards import DEFAULT_STANDARD

# ----------------------------------------------------------------------------- settings

DEFAULT_ROTATION = {"min_years_at_school": 6, "exempt_age_male": 55, "exempt_age_female": 50}
DEFAULT_UNIT_COSTS = {
    "teacher_per_year": 120000,
    "building_m2": 3500,
    "sports_field_m2": 400,
    "multimedia_room": 40000,
}
#: Prices the pathway (``eduwb plan``) uses besides the defaults above: a county may set them in
#: ``[unit_costs]``; when it does not, the standard's ``[pathway.unit_costs]`` apply.
PATHWAY_UNIT_COSTS = (
    "school_place", "training_hour", "certification", "rotation_move",
    "above_degree_premium", "backbone_premium", "pe_art_premium",
)  # fmt: skip
#: ``[pathway]`` in county.toml: the year the county must pass by, and an annual budget cap (元).
PATHWAY_SETTINGS = ("target_year", "annual_budget_yuan")
_SETTINGS_KEYS = {
    "name", "code", "province", "standard", "relaxations_2019", "class_size", "rotation", "unit_costs",
    "statistics_dates", "pathway",
}  # fmt: skip
#: The statistics' reference date (统计时点) of a school year when county.toml gives none: 1 September.
DEFAULT_STATISTICS_MONTH_DAY = (9, 1)


@dataclass
class CountySettings:
    """What ``county.toml`` says, with the data dictionary's defaults filled in."""

    name: str = ""
    code: str | None = None
    province: str | None = None
    standard: str = DEFAULT_STANDARD
    relaxations_2019: bool = False
    milestones: list[dict[str, Any]] = field(default_factory=list)
    rotation: dict[str, Any] = field(default_factory=lambda: dict(DEFAULT_ROTATION))
    unit_costs: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_UNIT_COSTS))
    statistics_dates: dict[int, date] = field(default_factory=dict)
    #: The ``[unit_costs]`` keys county.toml itself sets (the others are defaults).
    unit_costs_given: frozenset[str] = frozenset()
    #: ``[pathway]``: ``target_year`` and ``annual_budget_yuan`` where county.toml sets them.
    pathway: dict[str, Any] = field(default_factory=dict)

    def statistics_date(self, year: int) -> date:
        """The 统计时点 of school year ``year``: ``[statistics_dates]`` in county.toml, or 1 September."""
        month, day = DEFAULT_STATISTICS_MONTH_DAY
        return self.statistics_dates.get(int(year), date(int(year), month, day))


# Upper bounds of the numbers county.toml may set (physical bounds, as for the data).
_SETTING_MAX = {
    "rotation": 100,  # years, ages
    "unit_costs": 1e9,  # yuan per teacher-year, m², room
    "pathway": 1e13,  # a year, or a county's annual budget in yuan
}


def _named_after(default_name: str, problems: list[Problem]) -> CountySettings:
    """The default settings, named after the folder or workbook (escaped, with a warning if need be)."""
    settings = CountySettings(name=names.shown(default_name))
    if settings.name != default_name.strip() or not settings.name:
        # a folder's or file's name, shown escaped: county.toml can give the county its name
        settings.name = settings.name or "county"
        rule = (
            "the folder's or workbook's name holds control or invisible characters or is too long: "
            'shown escaped; give the county its name with name = "…" in county.toml'
        )
        problems.append(Problem(names.shown(default_name, 60), None, None, None, rule, "warning"))
    return settings


def read_settings(path: Path | None, default_name: str, problems: list[Problem]) -> CountySettings:
    """``county.toml`` read and checked key by key; the defaults where it is absent or unreadable."""
    settings = _named_after(default_name, problems)
    try:
        if path is None or not (path.exists() or path.is_symlink()):
            return settings
    except OSError:
        pass  # e.g. a name too long for the file system: reading it says why
    label = path.name
    raw = _read_toml(path, label, problems)
    if raw is None:
        return settings
    known = ", ".join(sorted(_SETTINGS_KEYS))
    for key in raw:
        if key not in _SETTINGS_KEYS:
            problems.append(Problem(label, None, key, None, f"unknown setting; known: {known}"))
    if "name" in raw:
        why = names.name_problem(raw["name"])
        if why is None:
            settings.name = raw["name"].strip()
        else:
            problems.append(Problem(label, None, "name", raw["name"], why))
    settings.code = None if raw.get("code") is None else str(raw["code"])
    if settings.code is not None and not re.fullmatch(r"\d{6}", settings.code):
        problems.append(Problem(label, None, "code", settings.code, "must be a 6-digit administrative code"))
    province = raw.get("province")
    why = None if province is None else names.name_problem(province)
    if why is not None:
        problems.append(Problem(label, None, "province", province, why))
        province = None
    settings.province = province
    standard = raw.get("standard", settings.standard)
    if (
        isinstance(standard, str)
        and standard.strip()
        and len(standard) <= 1000
        and not names.HIDDEN.search(standard)
    ):
        settings.standard = standard
    else:
        rule = "must be a standard id (moe-2017) or the path of a standard file"
        problems.append(Problem(label, None, "standard", standard, rule))
    rel = raw.get("relaxations_2019", False)
    if not isinstance(rel, bool):
        problems.append(Problem(label, None, "relaxations_2019", rel, "must be true or false"))
    settings.relaxations_2019 = bool(rel)
    # a hand-written file may give a value where a table belongs; refuse it instead of crashing
    for section in ("class_size", "rotation", "unit_costs", "pathway"):
        if section in raw and not isinstance(raw[section], dict):
            problems.append(Problem(label, None, section, raw[section], f"must be a table ([{section}])"))
            raw[section] = {}
    settings.milestones = _settings_milestones(
        raw.get("class_size", {}).get("milestones", []), label, problems
    )
    settings.statistics_dates = _statistics_dates(raw.get("statistics_dates", {}), label, problems)
    for section, defaults, target in (
        ("rotation", DEFAULT_ROTATION, settings.rotation),
        ("unit_costs", DEFAULT_UNIT_COSTS, settings.unit_costs),
    ):
        _settings_numbers(raw.get(section, {}), section, defaults, target, label, problems)
    settings.unit_costs_given = frozenset(k for k in raw.get("unit_costs", {}) if k in settings.unit_costs)
    _settings_numbers(
        raw.get("pathway", {}), "pathway", dict.fromkeys(PATHWAY_SETTINGS), settings.pathway, label, problems
    )
    target = settings.pathway.get("target_year")
    if target is not None and not (float(target).is_integer() and 1900 <= target <= 2200):
        rule = "must be a school year such as 2027"
        problems.append(Problem(label, None, "pathway.target_year", target, rule))
        settings.pathway.pop("target_year")
    return settings


def _read_toml(path: Path, label: str, problems: list[Problem]) -> dict | None:
    """The settings file's TOML (None: unreadable, reported in ``problems``)."""
    data = read_input(path, label, limits.MAX_SETTINGS_BYTES, problems)
    if data is None:
        return None
    try:
        return tomllib.loads(decode(data, label, problems) or "")
    except tomllib.TOMLDecodeError as exc:
        problems.append(Problem(label, None, None, None, f"not valid TOML: {exc}"))
        return None
    except RecursionError:
        problems.append(Problem(label, None, None, None, "not valid TOML: nested too deeply"))
        return None


def _settings_milestones(milestones: Any, label: str, problems: list[Problem]) -> list[dict]:
    """The ``[[class_size.milestones]]`` tables, checked and sorted by date."""
    if not isinstance(milestones, list) or not all(isinstance(m, dict) for m in milestones):
        rule = "must be a list of [[class_size.milestones]] tables"
        problems.append(Problem(label, None, "class_size.milestones", None, rule))
        milestones = []
    for n, m in enumerate(milestones, start=1):
        by, mx = m.get("by"), m.get("max_students")
        if not isinstance(by, int) or isinstance(by, bool) or not 1990 <= by <= limits.MAX_YEAR:
            problems.append(Problem(label, None, f"class_size.milestones[{n}].by", by, "must be a year"))
        whole = isinstance(mx, int) and not isinstance(mx, bool)
        if mx != "standard" and not (whole and 0 < mx <= limits.MAX_VALUE["classes.students"]):
            rule = 'must be a positive whole number or "standard"'
            problems.append(Problem(label, None, f"class_size.milestones[{n}].max_students", mx, rule))
    return sorted((dict(m) for m in milestones), key=lambda m: (str(m.get("by")), str(m.get("max_students"))))


def _settings_numbers(
    given: dict, section: str, defaults: dict, target: dict, label: str, problems: list[Problem]
) -> None:
    """The numbers of a ``[rotation]`` or ``[unit_costs]`` table into ``target``, each checked."""
    known = {*defaults, *(PATHWAY_UNIT_COSTS if section == "unit_costs" else ())}
    for key, value in given.items():
        if key not in known:
            rule = f"unknown key; known: {', '.join(known)}"
        elif isinstance(value, bool) or not isinstance(value, int | float) or not value >= 0:
            rule = "must be a non-negative number"
        elif value > _SETTING_MAX[section]:  # inf too
            rule = f"must be at most {_SETTING_MAX[section]:,.0f}"
        else:
            target[key] = value
            continue
        problems.append(Problem(label, None, f"{section}.{key}", value, rule))


def _statistics_dates(given: Any, label: str, problems: list[Problem]) -> dict[int, date]:
    """``[statistics_dates]``: school year → the statistics' reference date (统计时点), an ISO
    date (quoted or a TOML date) from 1 January of the year to 31 August of the next."""
    if not isinstance(given, dict):
        rule = 'must be a table ([statistics_dates]) of year = "YYYY-MM-DD"'
        problems.append(Problem(label, None, "statistics_dates", given, rule))
        return {}
    out: dict[int, date] = {}
    for key, value in given.items():
        year = int(key) if re.fullmatch(r"\d{4}", str(key)) else None
        when = value if isinstance(value, date) and not isinstance(value, datetime) else None
        if when is None and not isinstance(value, date):
            try:
                when = date.fromisoformat(str(value).strip())
            except ValueError:
                pass
        if year is None:
            rule = "the key must be a school year such as 2024"
        elif isinstance(value, datetime):
            rule = 'must be a date without a time, e.g. "2024-09-01"'
        elif when is None:
            rule = 'must be a date written YYYY-MM-DD, e.g. "2024-09-01"'
        elif not date(year, 1, 1) <= when <= date(year + 1, 8, 31):
            rule = f"must fall in the {year}–{year + 1} school year ({year}-01-01 to {year + 1}-08-31)"
        else:
            out[year] = when
            continue
        problems.append(Problem(label, None, f"statistics_dates.{key}", value, rule))
    return out
