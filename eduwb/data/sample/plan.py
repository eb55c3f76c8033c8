"""The sample county's plan: its story year by year, its development level and its schools.

The designed schools are data (``schools.csv`` beside this module); the ordinary ones are drawn
from five profiles. A multi-county sample moves each county to a development level.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

STAGE_CODE = {"primary": 0, "junior": 1, "senior": 2}
STAGE_NAME = ("primary", "junior", "senior")
LOCALE_CODE = {"urban": 0, "town": 1, "rural": 2}

# ----------------------------------------------------------------------------- the county story
# Each list holds one value per year from the first year on; later years repeat the last value.

# The plan's caps on any class (the 2021–2025 story: 66+ gone from the second year, 56+ from
# the fourth).  ``None``: no cap yet.
_CLASS_CAP = (None, 63, 63, 53, 53)
# Rotated / eligible teachers and backbone share of the rotated, per year (first year: no moves).
_ROTATION_RATIO = (0.0, 0.087, 0.104, 0.112, 0.108)
_BACKBONE_SHARE = (0.0, 0.22, 0.21, 0.24, 0.23)


# Classes the story needs exactly: (school role, year index, grade, size of the grade's first
# class).  超大班额 in the first year and one back in the third; 大班额 back at the big
# nine-year school in the third year after almost none in the second.
_FORCED_CLASSES = (
    ("super_class_primary", 0, 1, 68),
    ("super_class_primary", 0, 2, 67),
    ("super_class_primary", 0, 4, 66),
    ("big_class_junior", 0, 7, 69),
    ("big_junior", 0, 8, 66),
    ("super_class_primary", 2, 1, 66),
    ("big_nine_year", 2, 1, 58),
    ("big_nine_year", 2, 2, 57),
    ("big_nine_year", 2, 3, 59),
)


@dataclass(frozen=True)
class Story:
    """The county-wide story constants of one county (the module constants for the sample county)."""

    class_cap: Sequence[int | None] = _CLASS_CAP
    rotation_ratio: Sequence[float] = _ROTATION_RATIO
    backbone_share: Sequence[float] = _BACKBONE_SHARE
    forced_classes: tuple = _FORCED_CLASSES
    migrant_share: Sequence[float] = (0.826, 0.843, 0.879, 0.895, 0.912)  # G15, a county input
    # every compulsory section keeps its teachers above degree, backbone and PE/art teachers a
    # little above R1–R3 (the county plans its staffing instead of leaving it to chance)
    staffing_floor: bool = False
    # (year index, veto number) declared 是: a one-vote veto found by the county's own inspection
    vetoes: tuple[tuple[int, int], ...] = ()


# ----------------------------------------------------------------------------- province variety
# A multi-county sample (``--counties N``, N > 1) gives its counties different distances to the
# standard, so that a province view has something to say; the single sample county is the
# designed story above and never goes through this. Counties take the levels in turn:
#
# - advanced: every school within the standard and staffed to it; passes once teacher training
#   and certification are complete (the fourth year on);
# - improving: as advanced, but one weak rural school (R4–R6) and one town school with classes
#   of 46–50 left to fix, both fixed in the last year;
# - typical: the designed sample county's story;
# - far: the story without 改薄 projects, with weak town schools, rotation under 10 %, G15 under
#   85 % and key classes (a one-vote veto) in the first two years;
# - close: as improving, but nothing is fixed by the last year.
DEVELOPMENT_LEVELS = ("advanced", "improving", "typical", "far", "close")


def development_level(county_index: int, counties: int) -> str | None:
    """The development level of a county of a multi-county sample (None for a single county)."""
    return None if counties == 1 else DEVELOPMENT_LEVELS[county_index % len(DEVELOPMENT_LEVELS)]


def county_story(level: str | None) -> Story:
    if level in (None, "typical"):
        return Story()
    if level == "far":
        return Story(
            rotation_ratio=tuple(0.8 * r for r in _ROTATION_RATIO),
            migrant_share=(0.78, 0.79, 0.80, 0.81, 0.82),
            vetoes=((0, 3), (1, 3)),  # key classes (重点班) in the first two years
        )
    # advanced, improving and close: rotation comfortably above the lines, no forced 大班额, every class
    # within 55 from the second year on
    return Story(
        staffing_floor=True,
        class_cap=(None, 53),
        rotation_ratio=tuple(r + 0.03 if r else r for r in _ROTATION_RATIO),
        backbone_share=tuple(b + 0.05 if b else b for b in _BACKBONE_SHARE),
        forced_classes=(),
        migrant_share=(0.86, 0.87, 0.88, 0.89, 0.90),
    )


def _develop(schools: list[School], level: str | None, n_years: int) -> None:
    """Move a catalogue to a development level (in place; deterministic, no random draws)."""
    if level in (None, "typical"):
        return
    if level == "far":
        for s in schools:
            s.project = -1  # no 改薄 project ever lifts a weak school
            if s.role == "town_primary":
                s.facility = "weak"
        return
    last = n_years - 1
    for s in schools:
        s.project, s.level_override, s.project_items = -1, {}, (0, 1, 2, 3)
        s.intake_growth, s.survival, s.totals = 1.0, 1.0, None
        # G3 judges every school, teaching points and special schools included: all have their rooms
        s.rooms = "ok"
        if s.kind == "special":
            continue
        s.facility = "rural_ok" if s.facility == "rural_ok" else "advanced"
        s.pe_art = max(s.pe_art, 0.30 if s.locale == "rural" else 0.22)
        s.backbone = max(s.backbone, 0.32)
        caps = {"primary": 42.0, "junior": 46.0, "senior": 50.0}
        s.class_target = {
            st: tuple(min(t, caps[st]) for t in targets) for st, targets in s.class_target.items()
        }
        # every school within its size limit; teaching points under 50 pupils (out of R1–R7)
        per_grade_cap = {"primary": 300.0, "junior": 560.0, "senior": 800.0}
        if s.kind == "teaching_point":
            per_grade_cap["primary"] = 10.0
        s.grade_size = {st: min(g, per_grade_cap[st]) for st, g in s.grade_size.items()}
    if level in ("improving", "close"):
        fixed = level == "improving"
        for s in schools:
            if s.role == "weak_rural_primary":  # facilities short (until a project in the last year)
                s.facility, s.project_items, s.project_level = "left_behind", (0, 1, 2), (1.10, 1.30)
                s.project = last if fixed else -1
            if s.role == "super_class_primary":  # classes of 46–50 (until the last year)
                s.class_target = {"primary": tuple([48.0] * last + [42.0 if fixed else 48.0])}


def by_year(values: Sequence, n_years: int) -> np.ndarray:
    """``values`` stretched to ``n_years`` (truncated, or the last value repeated)."""
    out = list(values[:n_years]) + [values[-1]] * max(0, n_years - len(values))
    return np.array(out, dtype=float)


# ----------------------------------------------------------------------------- school catalogue


@dataclass
class School:
    """The generator's plan for one school (not written out except the schools columns)."""

    role: str
    name: str
    kind: str
    locale: str
    township: str
    sponsor: str = "public"
    boarding: bool = False
    built_year: int = 1990
    parent: str | int | None = None  # parent school (teaching points): a role, or an index
    grade_size: dict[str, float] = field(default_factory=dict)  # first-year pupils per grade
    intake_growth: float = 1.0  # yearly growth of the entry grade
    survival: float = 1.0  # grade-to-grade factor (migration in/out)
    class_target: dict[str, Sequence[float]] = field(default_factory=dict)  # mean class size per year
    pupils_per_teacher: dict[str, float] = field(default_factory=dict)
    backbone: float = 0.18  # share of teachers who are backbone (county level or above)
    pe_art: float = 0.16  # share of teachers teaching PE, music or art
    facility: str = "normal"  # facility profile, see simulate._FACILITY_LEVELS
    rooms: str = "ok"  # music/art room profile
    project: int = -1  # year index of a 薄弱学校改造 project (-1: none)
    project_items: tuple[int, ...] = (0, 1, 2, 3)  # which of R4–R7 it lifts
    project_level: tuple[float, float] = (1.02, 1.30)  # level reached (× threshold)
    level_override: dict[int, tuple[float, float]] = field(default_factory=dict)  # R4–R7 index → range
    per_stage_facilities: bool = False
    totals: Sequence[int] | None = None  # exact pupils per year (teaching points at the 50 line)
    noise: float = 0.02


_TOWNS = ("西河镇", "南湖镇", "北山镇", "青石镇", "白云镇", "东关镇")
_RURAL_TOWNSHIPS = ("桃源乡", "石桥乡", "马场乡", "黄岭乡", "清水乡", "杨庄乡", "龙潭乡", "柳林乡")
_VILLAGES = ("张湾", "李家", "王庄", "刘坪", "陈湾", "赵河", "周岭", "吴店", "孙桥", "胡庄", "高坡", "罗田")


def _ordinal(n: int) -> str:
    """二, 三, … 十 as in school names (第二小学); digits beyond."""
    return "零一二三四五六七八九十"[n] if n <= 10 else str(n)


def _numbers(text: str, cast=float) -> tuple:
    """``57/55/52`` → (57.0, 55.0, 52.0): one value per year, or a (low, high) range."""
    return tuple(cast(v) for v in text.split("/"))


def _per_key(text: str, key=str, value=_numbers) -> dict:
    """``primary=262 junior=268`` → {"primary": …, "junior": …}."""
    return {key(k): value(v) for k, v in (item.split("=") for item in text.split())}


# How each column of ``schools.csv`` is read (the others are text).
_READ = {
    "boarding": lambda v: v == "yes",
    "per_stage_facilities": lambda v: v == "yes",
    "built_year": int,
    "project": int,
    "intake_growth": float,
    "survival": float,
    "backbone": float,
    "pe_art": float,
    "grade_size": lambda v: _per_key(v, value=float),
    "pupils_per_teacher": lambda v: _per_key(v, value=float),
    "class_target": _per_key,
    "level_override": lambda v: _per_key(v, key=int),
    "project_items": lambda v: _numbers(v, int),
    "project_level": _numbers,
    "totals": lambda v: _numbers(v, int),
}


def _fixed_schools() -> list[School]:
    """The named schools that carry the sample's designed cases (always present).

    They are data: ``schools.csv`` beside this module, one row per designed case grouped by
    locale; a blank cell takes the ``School`` default.
    """
    text = (Path(__file__).parent / "schools.csv").read_text(encoding="utf-8")
    rows = csv.DictReader(io.StringIO(text))
    return [School(**{k: _READ.get(k, str)(v) for k, v in row.items() if v}) for row in rows]


# The order in which ordinary schools are added after the fixed ones (45 schools in all by
# default); interleaved so that a smaller county keeps a mix of kinds.
_GENERIC_ORDER = (
    "town_primary rural_primary town_junior rural_primary teaching_point town_primary rural_primary "
    "rural_junior town_junior rural_primary town_primary teaching_point rural_primary town_junior "
    "rural_primary town_primary rural_primary rural_junior teaching_point rural_primary town_junior "
    "town_primary rural_primary teaching_point rural_primary town_primary"
).split()
# Ordinary school profiles: stage, locale, uniform ranges of the first year's pupils per grade,
# of the backbone share and of the PE/art share (a weak rural primary's below), pupils per
# teacher, (intake growth, survival) and noise.
_PROFILES = {
    "town_primary": ("primary", "town", (105, 185), (0.15, 0.21), (0.14, 0.21), 17.0, (1.0, 1.005), 0.04),
    "town_junior": ("junior", "town", (200, 320), (0.12, 0.18), (0.12, 0.17), 12.5, (1.0, 1.0), 0.04),
    "rural_primary": ("primary", "rural", (18, 70), (0.09, 0.16), (0.08, 0.14), 13.0, (0.96, 0.98), 0.06),
    "rural_junior": ("junior", "rural", (90, 160), (0.10, 0.15), (0.06, 0.10), 10.0, (0.97, 0.98), 0.05),
    "teaching_point": ("primary", "rural", (6, 20), None, None, None, (0.95, 0.97), 0.08),
}
_WEAK_RURAL_PE_ART = (0.02, 0.06)


def _generic_schools(
    rng: np.random.Generator, n: int, first_index: int, rural_parents: list[int]
) -> list[School]:
    """``n`` ordinary schools with randomised sizes and profiles (teaching points under the rural
    primaries, the first of them ``rural_parents``)."""
    out: list[School] = []
    counters: dict[str, int] = {}
    rural_primary_indices = list(rural_parents)
    for k in range(n):
        role = _GENERIC_ORDER[k % len(_GENERIC_ORDER)]
        c = counters[role] = counters.get(role, -1) + 1
        out.append(_generic_school(rng, role, c, rural_primary_indices))
        if role == "rural_primary":
            rural_primary_indices.append(first_index + k)
    return out


def _generic_name(role: str, c: int) -> tuple[str, str]:
    """The township and the name of the ``c``-th ordinary school of ``role``."""
    if role.startswith("town"):
        town = _TOWNS[c % len(_TOWNS)]
        if c < len(_TOWNS) - 1:
            return town, f"{town}中心小学" if role == "town_primary" else f"{town}初级中学"
        nth = f"第{_ordinal(c // len(_TOWNS) + 2)}"
        return town, f"{town}{nth}小学" if role == "town_primary" else f"{town}{nth}初级中学"
    township = _RURAL_TOWNSHIPS[c % (len(_RURAL_TOWNSHIPS) - 1)]
    if role == "rural_junior":
        return township, f"{township}初级中学"
    if role == "teaching_point":
        return township, f"{township}{_VILLAGES[(c + 5) % len(_VILLAGES)]}教学点"
    if c < len(_RURAL_TOWNSHIPS) - 1:
        return township, f"{township}中心小学"
    return township, f"{township}{_VILLAGES[(c - len(_RURAL_TOWNSHIPS) + 1) % len(_VILLAGES)]}小学"


def _generic_school(rng: np.random.Generator, role: str, c: int, rural_primaries: list[int]) -> School:
    """One ordinary school. Its random draws come in a fixed order (built year, class target,
    pupils per grade, backbone and PE/art shares, project): the committed sample is regenerated
    byte for byte from its seed."""
    stage, locale, sizes, backbone, pe_art, ratio, (growth, survival), noise = _PROFILES[role]
    township, name = _generic_name(role, c)
    kind = "teaching_point" if role == "teaching_point" else stage
    s = School(role, name, kind, locale, township, built_year=int(rng.integers(1975, 2012)), noise=noise)
    s.intake_growth, s.survival = growth, survival
    even = c % 2 == 0  # the even rural schools are weak, the even town juniors board
    weak = even and locale == "rural"
    if role == "town_primary":
        # the first and third town primaries still carry 大班额 early on
        early = {0: (54, 52, 50, 44, 42), 2: (56, 53, 51, 44, 41)}.get(c % 6)
        target = early or (float(rng.integers(38, 43)),)
    elif role == "town_junior":
        target = (58, 55, 53, 50, 47) if c % 4 == 0 else (float(rng.integers(44, 48)),)
    else:
        target = (46,) if role == "rural_junior" else (42,)
    s.class_target = {stage: target}
    s.grade_size = {stage: float(rng.uniform(*sizes))}
    if role == "teaching_point":
        s.parent = rural_primaries[c % len(rural_primaries)]
        s.backbone, s.pe_art, s.rooms = 0.0, 0.0, "none"
        s.facility = "weak" if c % 2 else "rural_ok"
        return s
    s.pupils_per_teacher = {stage: ratio}
    s.backbone = float(rng.uniform(*backbone))
    s.pe_art = float(rng.uniform(*(_WEAK_RURAL_PE_ART if weak and role == "rural_primary" else pe_art)))
    if role == "town_primary":
        s.rooms, s.project = "ok" if c % 3 else "small", int(rng.integers(1, 5))
    elif role == "town_junior":
        s.boarding, s.level_override = even, {1: (1.3, 2.1)}
    elif role == "rural_primary":
        s.boarding, s.facility = c % 3 == 0, "weak" if weak else "rural_ok"
        rooms = ("missing_both", "small", "missing_music", "ok", "missing_art")[c % 5]
        s.rooms = rooms if weak else ("ok" if c % 3 else "small")
        s.project = int(rng.choice([1, 2, 3, 4, -1])) if weak else -1
    else:  # rural junior
        s.boarding, s.facility, s.rooms = True, "weak" if weak else "rural_ok", "small" if c % 2 else "ok"
        s.project = int(rng.integers(2, 5)) if weak else -1
    return s


def catalogue(
    rng: np.random.Generator, n_schools: int, level: str | None = None, n_years: int = 5
) -> list[School]:
    fixed = _fixed_schools()
    rural_parents = [i for i, s in enumerate(fixed) if s.role == "weak_rural_primary"]
    generic = _generic_schools(rng, n_schools - len(fixed), len(fixed), rural_parents)
    schools = fixed + generic
    index_of_role = {s.role: i for i, s in reversed(list(enumerate(fixed)))}
    for s in schools:
        if isinstance(s.parent, str):
            s.parent = index_of_role[s.parent]
    # Name pools repeat in very large counties: number the repeats.
    seen: dict[str, int] = {}
    for s in schools:
        n = seen.get(s.name, 0)
        seen[s.name] = n + 1
        if n:
            s.name = f"{s.name}{n + 1}"
    _develop(schools, level, n_years)
    return schools
