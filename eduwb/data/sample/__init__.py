"""The synthetic sample county: a deterministic generator of a realistic (but invented) dataset.

No real county publishes its school-level data, so eduwb ships a generated one.  The
generator writes every table of ``docs/data-dictionary.md`` for one county (or many, for
province-scale benchmarks) with the problems a county plan names: big urban schools,
大班额/超大班额 that shrink unevenly, rural schools short of PE/art teachers, floor and
sports area, equipment, multimedia and music/art rooms; teacher rotation near the 10 %/20 %
lines; county inputs with one missing value.  ``data/README.md`` documents every
distribution and where its range comes from.  The numbers are synthetic.

Everything is vectorised numpy driven by one ``numpy.random.Generator`` per county, seeded
from ``(seed, county index)``, so the same seed writes byte-identical files.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd

from eduwb._files import atomic_write_bytes, pin_zip_dates
from eduwb.data.schema import BACKBONE_LEVELS, MODES, SURVEY_GROUPS, TABLES
from eduwb.errors import ParameterError

SAMPLE_NAME = "示例县"
SAMPLE_CODE = "429999"
SAMPLE_PROVINCE = "示例省"
MIN_SCHOOLS = 20
TABLE_ORDER = tuple(TABLES)

# Decimals written for each number column (explicit formatting keeps files byte-stable).
_DECIMALS = {
    ("facilities", "teaching_aux_area_m2"): 1,
    ("facilities", "indoor_sports_area_m2"): 1,
    ("facilities", "sports_field_area_m2"): 1,
    ("facilities", "equipment_value_yuan"): 0,
    ("facilities", "music_room_min_area_m2"): 1,
    ("facilities", "art_room_min_area_m2"): 1,
    ("teachers", "training_hours_5y"): 0,
    ("budget", "public_funds_yuan"): 0,
    ("budget", "training_funds_yuan"): 0,
}

_STAGE_CODE = {"primary": 0, "junior": 1, "senior": 2}
_STAGE_NAME = ("primary", "junior", "senior")
_LOCALE_CODE = {"urban": 0, "town": 1, "rural": 2}

# ----------------------------------------------------------------------------- the county story
# Each list holds one value per year from the first year on; later years repeat the last value.

# The plan's caps on any class (the 2021–2025 story: 66+ gone from the second year, 56+ from
# the fourth).  ``None``: no cap yet.
_CLASS_CAP = (None, 63, 63, 53, 53)
# Rotated / eligible teachers and backbone share of the rotated, per year (first year: no moves).
_ROTATION_RATIO = (0.0, 0.087, 0.104, 0.112, 0.108)
_BACKBONE_SHARE = (0.0, 0.22, 0.21, 0.24, 0.23)
# Shares of teachers without a certificate / short of 360 training hours in 5 years.
_UNCERTIFIED = (0.009, 0.005, 0.0015, 0.0, 0.0)
_UNTRAINED = (0.027, 0.014, 0.005, 0.0, 0.0)
# 初中三年巩固率 per year (one year below 95 %).
_RETENTION = (0.962, 0.943, 0.957, 0.966, 0.971)
# Survey satisfaction per year: all groups but parents, and parents.
_SATISFACTION = (0.872, 0.884, 0.897, 0.905, 0.914)
_PARENT_SATISFACTION = (0.832, 0.851, 0.868, 0.883, 0.897)
# 生均公用经费 benchmark (元/生/年) per stage and year.
_PUBLIC_FUNDS_PER_PUPIL = {
    "primary": (650, 650, 720, 720, 720),
    "junior": (850, 850, 940, 940, 940),
    "senior": (1000,),
}


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
class _Story:
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
# R4–R7 levels (× threshold) of the schools of an advanced county, and of the weak rural school
# an "improving" or "close" county has left to fix.
_ADVANCED_LEVELS = ((1.15, 1.40), (1.10, 1.50), (1.20, 1.60), (1.45, 1.90))
_LEFT_BEHIND_LEVELS = ((0.86, 0.92), (0.70, 0.80), (0.80, 0.90), (1.45, 1.90))


def development_level(county_index: int, counties: int) -> str | None:
    """The development level of a county of a multi-county sample (None for a single county)."""
    return None if counties == 1 else DEVELOPMENT_LEVELS[county_index % len(DEVELOPMENT_LEVELS)]


def _story(level: str | None) -> _Story:
    if level in (None, "typical"):
        return _Story()
    if level == "far":
        return _Story(
            rotation_ratio=tuple(0.8 * r for r in _ROTATION_RATIO),
            migrant_share=(0.78, 0.79, 0.80, 0.81, 0.82),
            vetoes=((0, 3), (1, 3)),  # key classes (重点班) in the first two years
        )
    # advanced, improving and close: rotation comfortably above the lines, no forced 大班额, every class
    # within 55 from the second year on
    return _Story(
        staffing_floor=True,
        class_cap=(None, 53),
        rotation_ratio=tuple(r + 0.03 if r else r for r in _ROTATION_RATIO),
        backbone_share=tuple(b + 0.05 if b else b for b in _BACKBONE_SHARE),
        forced_classes=(),
        migrant_share=(0.86, 0.87, 0.88, 0.89, 0.90),
    )


def _develop(schools: list[_School], level: str | None, n_years: int) -> None:
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


def _by_year(values: Sequence, n_years: int) -> np.ndarray:
    """``values`` stretched to ``n_years`` (truncated, or the last value repeated)."""
    out = list(values[:n_years]) + [values[-1]] * max(0, n_years - len(values))
    return np.array(out, dtype=float)


# ----------------------------------------------------------------------------- school catalogue


@dataclass
class _School:
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
    facility: str = "normal"  # facility profile, see _FACILITY_LEVELS
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


def _fixed_schools() -> list[_School]:
    """The named schools that carry the sample's designed cases (always present).

    They are data: ``schools.csv`` beside this module, one row per designed case grouped by
    locale; a blank cell takes the ``_School`` default.
    """
    text = (Path(__file__).parent / "schools.csv").read_text(encoding="utf-8")
    rows = csv.DictReader(io.StringIO(text))
    return [_School(**{k: _READ.get(k, str)(v) for k, v in row.items() if v}) for row in rows]


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
) -> list[_School]:
    """``n`` ordinary schools with randomised sizes and profiles (teaching points under the rural
    primaries, the first of them ``rural_parents``)."""
    out: list[_School] = []
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


def _generic_school(rng: np.random.Generator, role: str, c: int, rural_primaries: list[int]) -> _School:
    """One ordinary school. Its random draws come in a fixed order (built year, class target,
    pupils per grade, backbone and PE/art shares, project): the committed sample is regenerated
    byte for byte from its seed."""
    stage, locale, sizes, backbone, pe_art, ratio, (growth, survival), noise = _PROFILES[role]
    township, name = _generic_name(role, c)
    kind = "teaching_point" if role == "teaching_point" else stage
    s = _School(role, name, kind, locale, township, built_year=int(rng.integers(1975, 2012)), noise=noise)
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


def _catalogue(
    rng: np.random.Generator, n_schools: int, level: str | None = None, n_years: int = 5
) -> list[_School]:
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


# ----------------------------------------------------------------------------- enrolment


@dataclass
class _Units:
    """School sections (school × stage), the unit of enrolment and staffing."""

    school: np.ndarray
    stage: np.ndarray  # 0 primary, 1 junior, 2 senior
    n_grades: np.ndarray
    students: np.ndarray  # (units, years)
    grades: np.ndarray  # (units, 6, years) pupils per grade (first n_grades used)


def _apportion(weights: np.ndarray, total: int) -> np.ndarray:
    """Integers proportional to ``weights`` summing to ``total`` (largest remainders)."""
    share = weights / weights.sum() * total
    out = np.floor(share).astype(np.int64)
    rest = int(total - out.sum())
    out[np.argsort(-(share - out), kind="stable")[:rest]] += 1
    return out


def _enrolment(rng: np.random.Generator, schools: list[_School], n_years: int) -> _Units:
    school_idx, stage, n_grades, base, growth, surv, noise, totals = [], [], [], [], [], [], [], []
    for i, s in enumerate(schools):
        for st, size in s.grade_size.items():
            school_idx.append(i)
            stage.append(_STAGE_CODE[st])
            n_grades.append(4 if s.kind == "teaching_point" else 6 if st == "primary" else 3)
            base.append(size)
            growth.append(s.intake_growth)
            surv.append(s.survival)
            noise.append(s.noise)
            totals.append(s.totals)
    school_idx, stage, n_grades = np.array(school_idx), np.array(stage), np.array(n_grades)
    base, growth, surv, noise = (np.array(a, dtype=float) for a in (base, growth, surv, noise))
    n_units = len(base)
    g = np.arange(6)
    mask = g[None, :] < n_grades[:, None]
    grades = np.zeros((n_units, 6, n_years), dtype=np.int64)
    # First year: grade g entered g years ago, when the intake was base / growth**g, and has
    # since been through g grade transitions.
    expected = base[:, None] * growth[:, None] ** (-g[None, :]) * surv[:, None] ** g[None, :]
    grades[:, :, 0] = np.rint(expected * rng.lognormal(0.0, noise[:, None], (n_units, 6))) * mask
    exact = [(u, tot) for u, tot in enumerate(totals) if tot is not None]
    for y in range(n_years):
        if y > 0:
            intake = base * growth**y * rng.lognormal(0.0, noise)
            moved = grades[:, :-1, y - 1] * surv[:, None] * rng.lognormal(0.0, 0.012, (n_units, 5))
            grades[:, 0, y] = np.rint(intake)
            grades[:, 1:, y] = np.rint(moved)
            grades[:, :, y] *= mask
        # Teaching points put exactly on the 50-pupil line: rescale their grades to the total.
        for u, tot in exact:
            if y < len(tot):
                grades[u, :, y] = _apportion(grades[u, :, y].astype(float), tot[y])
    # every grade of a section has pupils (a section with an empty grade would be odd here)
    grades = np.where(mask[:, :, None] & (grades == 0), 1, grades)
    return _Units(school_idx, stage, n_grades, grades.sum(axis=1), grades)


# ----------------------------------------------------------------------------- classes


def _classes(
    rng: np.random.Generator, schools: list[_School], units: _Units, n_years: int, story: _Story = _Story()
):
    """Class rows for primary/junior sections, and the number of classes of every section."""
    n_units = len(units.school)
    caps = _by_year([c if c is not None else 10_000 for c in story.class_cap], n_years)
    targets = np.zeros((n_units, n_years))
    for u in range(n_units):
        s = schools[units.school[u]]
        targets[u] = _by_year(s.class_target[_STAGE_NAME[units.stage[u]]], n_years)
    uu, gg, yy = np.nonzero(units.grades)
    n = units.grades[uu, gg, yy]
    t = targets[uu, yy]
    cap = caps[yy]
    k = np.maximum.reduce([np.ceil(n / t), np.ceil(n / (cap - 3)), np.ones_like(t)]).astype(np.int64)
    starts = np.concatenate([[0], np.cumsum(k)[:-1]])
    group = np.repeat(np.arange(len(k)), k)
    pos = np.arange(group.size) - starts[group]
    base = n[group] // k[group]
    size = base + (pos < (n[group] % k[group]))
    # Uneven classes whose totals still add up: each class gives a few pupils to the next.
    a = rng.integers(0, 3, group.size)
    nxt = starts[group] + (pos + 1) % k[group]
    size = size + a - a[nxt]
    unit = uu[group]
    stage = units.stage[unit]
    grade = gg[group] + 1 + np.where(stage == 1, 6, 0)
    year_index = yy[group]
    # The plan's ledger of oversized classes, as the story needs it (see _FORCED_CLASSES).
    role = np.array([s.role for s in schools])[units.school[unit]]
    for who, y, g, forced in story.forced_classes:
        if y < n_years:
            _force_class_size(size, np.flatnonzero((role == who) & (year_index == y) & (grade == g)), forced)
    keep = stage < 2  # senior classes are not listed (the dictionary has grades 1–9 only)
    cls = pd.DataFrame(
        {
            "unit": unit[keep],
            "year_index": year_index[keep],
            "grade": grade[keep],
            "class_no": pos[keep] + 1,
            "students": size[keep],
        }
    )
    section_classes = np.zeros((n_units, n_years), dtype=np.int64)
    np.add.at(section_classes, (uu, yy), k)
    return cls, section_classes


def _force_class_size(size: np.ndarray, idx: np.ndarray, forced: int) -> None:
    """Make the first class of a grade ``forced`` pupils, taking them evenly from its parallels."""
    if idx.size < 2:
        return
    extra = forced - int(size[idx[0]])
    if extra <= 0:
        return
    others = idx[1:]
    size[idx[0]] += extra
    size[others] -= np.full(others.size, extra // others.size) + (
        np.arange(others.size) < extra % others.size
    )


# ----------------------------------------------------------------------------- teachers


@dataclass
class _TeacherYear:
    tid: np.ndarray
    unit: np.ndarray
    female: np.ndarray
    birth: np.ndarray
    backbone: np.ndarray
    yas: np.ndarray
    certified: np.ndarray
    hours: np.ndarray
    above: np.ndarray
    pe_art: np.ndarray
    # Fixed per-teacher keys decide who lacks a certificate / training in which year, so the
    # shortfall shrinks monotonically; only the first year's staff (``old``) can lack them.
    cert_key: np.ndarray
    train_key: np.ndarray
    old: np.ndarray
    moved: np.ndarray  # moved school this year


def _teacher_targets(schools: list[_School], units: _Units, section_classes: np.ndarray) -> np.ndarray:
    ratio = np.array(
        [
            schools[s].pupils_per_teacher.get(_STAGE_NAME[st], 12.0)
            for s, st in zip(units.school, units.stage, strict=True)
        ]
    )
    kind = np.array([schools[s].kind for s in units.school])
    locale = np.array([schools[s].locale for s in units.school])
    target = np.rint(units.students / ratio[:, None])
    # Small rural schools need a teacher per class and more (班师比), teaching points fewer.
    rural = (locale == "rural") & (kind != "teaching_point")
    target = np.where(rural[:, None], np.maximum(target, np.ceil(section_classes * 1.7)), target)
    tp = kind == "teaching_point"
    target = np.where(tp[:, None], np.maximum(2, np.ceil(units.students / 13.0)), target)
    return np.maximum(target, 1).astype(np.int64)


def _new_teachers(
    rng, units_of: np.ndarray, year: int, ids: np.ndarray, stage_of_unit, p_above, p_peart, young: bool
):
    n = units_of.size
    st = stage_of_unit[units_of]
    female = rng.random(n) < np.where(st == 0, 0.74, np.where(st == 1, 0.58, 0.50))
    if young:
        age = rng.integers(22, 31, n)
        yas = np.zeros(n, dtype=np.int64)
    else:
        max_age = np.where(female, 55, 60)
        age = (22 + np.floor(rng.beta(1.4, 1.3, n) * (max_age - 22))).astype(np.int64)
        # consecutive years at this school: exponential around 10, never beyond the career
        yas = np.minimum(age - 22, np.floor(rng.exponential(10.0, n))).astype(np.int64)
    return _TeacherYear(
        tid=ids,
        unit=units_of,
        female=female,
        birth=year - age,
        backbone=np.zeros(n, dtype=np.int64),
        yas=yas,
        certified=np.ones(n, dtype=bool),
        hours=np.rint(rng.normal(440, 40, n).clip(362, 640)),
        above=rng.random(n) < p_above[units_of],
        pe_art=rng.random(n) < p_peart[units_of],
        cert_key=np.ones(n),
        train_key=np.ones(n),
        old=np.zeros(n, dtype=bool),
        moved=np.zeros(n, dtype=bool),
    )


def _concat(parts: list[_TeacherYear]) -> _TeacherYear:
    return _TeacherYear(
        *(np.concatenate([getattr(p, f) for p in parts]) for f in _TeacherYear.__dataclass_fields__)
    )


def _take(t: _TeacherYear, mask: np.ndarray) -> _TeacherYear:
    return _TeacherYear(*(getattr(t, f)[mask] for f in _TeacherYear.__dataclass_fields__))


def _teachers(
    rng,
    schools: list[_School],
    units: _Units,
    targets: np.ndarray,
    years: list[int],
    story: _Story = _Story(),
):
    """Simulate the teaching staff year by year: retirements, rotations, hires.

    Why this is long: one simulation loop over the years whose steps (retirements, rotations,
    hires, compliance) share the staff arrays and draw from one generator in a fixed order;
    the committed sample is regenerated byte for byte from its seed, so the draws stay in one place.
    """
    n_units, n_years = targets.shape
    school = units.school
    stage = units.stage
    locale = np.array([_LOCALE_CODE[schools[s].locale] for s in school])
    kind = np.array([schools[s].kind for s in school])
    public = np.array([schools[s].sponsor == "public" for s in school])
    p_backbone = np.array([schools[s].backbone for s in school])
    p_peart = np.array([schools[s].pe_art for s in school])
    p_above = np.where(stage == 0, 0.95, np.where(stage == 1, 0.88, 0.93)) - np.where(locale == 2, 0.08, 0.0)
    # Later hires in rural schools are more often PE/art specialists (特岗 recruitment).
    p_peart_hire = np.where(locale == 2, 0.45, np.maximum(p_peart, 0.35))
    mobile = public & (kind != "special") & (stage < 2)
    ratio = _by_year(story.rotation_ratio, n_years)
    share = _by_year(story.backbone_share, n_years)
    uncert = _by_year(_UNCERTIFIED, n_years)
    untrained = _by_year(_UNTRAINED, n_years)

    next_id = 1
    n0 = int(targets[:, 0].sum())
    units0 = np.repeat(np.arange(n_units), targets[:, 0])
    ids = rng.permutation(n0) + 1
    next_id += n0
    cur = _new_teachers(rng, units0, years[0], ids, stage, p_above, p_peart, young=False)
    age0 = years[0] - cur.birth
    bb = rng.random(n0) < p_backbone[units0] * np.clip((age0 - 24) / 14, 0.0, 1.6)
    cur.backbone = np.where(bb, rng.choice(4, n0, p=[0.6, 0.28, 0.1, 0.02]) + 1, 0)
    cur.cert_key, cur.train_key, cur.old = rng.random(n0), rng.random(n0), np.ones(n0, dtype=bool)

    def apply_compliance(t: _TeacherYear, y: int) -> None:
        t.certified = ~(t.old & (t.cert_key < uncert[y]))
        short = t.old & (t.train_key < untrained[y])
        t.hours = np.where(short, np.rint(220 + 130 * t.train_key / max(untrained[y], 1e-9)), t.hours)

    apply_compliance(cur, 0)
    if story.staffing_floor:
        _staffing_floor(cur, units.students[:, 0], stage)
    out = [(0, cur)]
    moves = []
    for y in range(1, n_years):
        prev = cur
        n = prev.tid.size
        age_prev = years[y - 1] - prev.birth
        age_now = years[y] - prev.birth
        retire = np.where(prev.female, age_now >= 55, age_now >= 60)
        leave = retire | (rng.random(n) < 0.012)
        exempt = np.where(prev.female, age_prev >= 50, age_prev >= 55)
        eligible = (prev.yas >= 6) & ~exempt
        m = int(round(ratio[y] * eligible.sum()))
        b = int(round(m * share[y]))
        pool = eligible & mobile[prev.unit] & ~leave
        # urban and town teachers are the ones the plan sends out
        w = np.array([1.6, 1.2, 0.5])[locale[prev.unit]]
        movers = np.zeros(n, dtype=bool)
        for want, sub in ((b, pool & (prev.backbone > 0)), (m - b, pool & (prev.backbone == 0))):
            cand = np.flatnonzero(sub)
            if want > 0 and cand.size:
                pick = rng.choice(cand, size=min(want, cand.size), replace=False, p=w[cand] / w[cand].sum())
                movers[pick] = True
        unit = prev.unit.copy()
        mv = np.flatnonzero(movers)
        dest = np.empty(mv.size, dtype=np.int64)
        for st in (0, 1):
            sel = stage[prev.unit[mv]] == st
            cands = np.flatnonzero(mobile & (stage == st))
            is_bb = prev.backbone[mv[sel]] > 0
            d = np.empty(int(sel.sum()), dtype=np.int64)
            # backbone teachers are spread more evenly; the others go mostly to rural schools
            for bb_flag, lw in ((True, (0.7, 1.4, 2.4)), (False, (0.4, 1.2, 3.5))):
                dw = np.array(lw)[locale[cands]] * np.sqrt(targets[cands, y - 1])
                part = is_bb == bb_flag
                dd = rng.choice(cands, size=int(part.sum()), p=dw / dw.sum())
                origin_school = school[prev.unit[mv[sel][part]]]
                for _ in range(20):  # redraw the few that landed on their own school
                    same = school[dd] == origin_school
                    if not same.any():
                        break
                    dd[same] = rng.choice(cands, size=int(same.sum()), p=dw / dw.sum())
                d[part] = dd
            dest[sel] = d
        unit[mv] = dest
        modes = rng.choice(list(MODES), size=mv.size, p=[0.15, 0.35, 0.12, 0.24, 0.14])
        moves.append(
            pd.DataFrame(
                {
                    "tid": prev.tid[mv],
                    "year_index": y,
                    "from_unit": prev.unit[mv],
                    "to_unit": dest,
                    "mode": modes,
                }
            )
        )
        stay = ~leave
        cur = _take(prev, stay)
        cur.unit = unit[stay]
        cur.moved = movers[stay]
        cur.yas = np.where(cur.moved, 0, cur.yas + 1)
        # Over-staffed sections lose their surplus (transfers out of the county), never a newcomer.
        counts = np.bincount(cur.unit, minlength=n_units)
        surplus = np.maximum(0, counts - targets[:, y] - 1 - targets[:, y] // 25)
        if surplus.any():
            order = np.lexsort((rng.random(cur.unit.size) + cur.moved * 2.0, cur.unit))
            first = np.concatenate([[0], np.cumsum(counts)[:-1]])
            rank = np.empty(cur.unit.size, dtype=np.int64)
            rank[order] = np.arange(cur.unit.size) - first[cur.unit[order]]
            drop = rank < surplus[cur.unit]
            cur = _take(cur, ~drop)
        # Promotions to county-level backbone, never in the year of a move.
        promote = (
            (cur.backbone == 0)
            & ~cur.moved
            & (years[y] - cur.birth >= 30)
            & (rng.random(cur.tid.size) < 0.022)
        )
        cur.backbone = np.where(promote, 1, cur.backbone)
        counts = np.bincount(cur.unit, minlength=n_units)
        deficit = np.maximum(0, targets[:, y] - counts)
        hires_units = np.repeat(np.arange(n_units), deficit)
        hire_ids = np.arange(next_id, next_id + hires_units.size)
        next_id += hires_units.size
        hires = _new_teachers(rng, hires_units, years[y], hire_ids, stage, p_above, p_peart_hire, young=True)
        cur = _concat([cur, hires])
        cur.hours = np.rint(np.clip(cur.hours + rng.normal(0, 8, cur.hours.size), 362, 640))
        apply_compliance(cur, y)
        if story.staffing_floor:
            _staffing_floor(cur, units.students[:, y], stage)
        out.append((y, cur))
    return out, moves


def _staffing_floor(
    t: _TeacherYear, students: np.ndarray, stage_of_unit: np.ndarray, margin: float = 1.05
) -> None:
    """Give enough teachers of each section the R1–R3 attributes to reach ``margin`` × threshold.

    Teachers are taken in their order in ``t`` (a backbone title, once given, is kept).
    """
    thresholds = _staffing_thresholds()
    n_units = students.size
    compulsory = stage_of_unit < 2
    for attr, per_stage in thresholds.items():
        flag = getattr(t, attr) > 0
        need = np.ceil(margin * per_stage[np.minimum(stage_of_unit, 1)] * students / 100.0).astype(np.int64)
        short = np.where(compulsory, need - np.bincount(t.unit, weights=flag, minlength=n_units), 0)
        for u in np.flatnonzero(short > 0):
            candidates = np.flatnonzero((t.unit == u) & ~flag)[: int(short[u])]
            values = getattr(t, attr)
            values[candidates] = 1 if attr == "backbone" else True


def _staffing_thresholds() -> dict[str, np.ndarray]:
    """R1–R3 thresholds (per 100 pupils: primary, junior) by teacher attribute, from moe-2017."""
    from eduwb.standards import load_standard

    std = load_standard("moe-2017")
    pairs = {"above": "R1", "backbone": "R2", "pe_art": "R3"}
    return {
        attr: np.array(
            [std.indicator(rid).threshold_for(stage) for stage in ("primary", "junior")], dtype=float
        )
        for attr, rid in pairs.items()
    }


# ----------------------------------------------------------------------------- facilities


# Level of each resource relative to the standard's threshold: (low, high) of a uniform draw.
_FACILITY_LEVELS = {
    #            R4 area      R5 sports     R6 equipment  R7 multimedia
    "crowded": ((0.78, 0.92), (0.25, 0.45), (0.95, 1.25), (0.85, 1.05)),
    "showcase": ((1.15, 1.35), (0.85, 1.10), (3.0, 3.4), (1.6, 1.9)),
    "good": ((1.10, 1.40), (0.95, 1.30), (1.2, 1.6), (1.1, 1.4)),
    "normal": ((0.98, 1.30), (0.90, 1.40), (0.95, 1.35), (0.95, 1.30)),
    "weak": ((0.68, 0.88), (0.60, 0.85), (0.35, 0.65), (0.45, 0.80)),
    "rural_ok": ((1.20, 1.80), (1.30, 2.40), (0.95, 1.30), (1.20, 2.00)),
    "advanced": _ADVANCED_LEVELS,
    "left_behind": _LEFT_BEHIND_LEVELS,
}
_INDOOR_SHARE = {"urban": (0.10, 0.18), "town": (0.04, 0.10), "rural": (0.0, 0.03)}


def _thresholds():
    """R4–R7 thresholds per stage from the standard the sample is calibrated on (moe-2017)."""
    from eduwb.standards import load_standard

    std = load_standard("moe-2017")
    out = {}
    for rid in ("R4", "R5", "R6", "R7"):
        ind = std.indicator(rid)
        prim, jun = ind.threshold_for("primary"), ind.threshold_for("junior")
        out[rid] = (prim, jun, jun)  # a senior pupil is held to the junior figure
    rooms = std.indicator("G3").params
    return out, rooms


def _facilities(rng, schools: list[_School], units: _Units, section_classes: np.ndarray, years: list[int]):
    """Simulate each school's facilities year by year from its profile and the pupils' needs.

    Why this is long: the four facility amounts, rooms and projects are drawn from one generator
    in a fixed order over shared arrays; the committed sample is regenerated byte for byte from
    its seed, so the draws stay in one function.
    """
    thr, room_rule = _thresholds()
    n_s, n_years = len(schools), len(years)
    # reference amount: what the school would need at exactly the threshold, first year
    ref = np.zeros((4, n_s, n_years))
    for k, rid in enumerate(("R4", "R5", "R6", "R7")):
        t = np.array(thr[rid])[units.stage]
        np.add.at(ref[k], units.school, t[:, None] * units.students)
    ref[3] /= 100.0
    level = np.zeros((4, n_s))
    for i, s in enumerate(schools):
        for k, (lo, hi) in enumerate(_FACILITY_LEVELS[s.facility]):
            level[k, i] = rng.uniform(*s.level_override.get(k, (lo, hi)))
    project = np.array([s.project for s in schools])
    lifts = np.zeros((4, n_s), dtype=bool)
    target_after = np.zeros((4, n_s))
    for i, s in enumerate(schools):
        lifts[list(s.project_items), i] = True
        target_after[:, i] = rng.uniform(*s.project_level, 4)
    amount = np.zeros((4, n_s, n_years))
    amount[:, :, 0] = level * ref[:, :, 0]
    # Equipment purchases net of write-offs: poorer schools catch up (均衡 funding) while the
    # best-equipped ones mostly replace what they write off.
    catch_up = 0.16 * np.clip(1.0 - level[2], 0.0, None) - 0.04 * np.clip(level[2] - 2.0, 0.0, None)
    growth = rng.uniform(0.02, 0.05, (n_s, n_years)) + catch_up[:, None]
    for y in range(1, n_years):
        amount[:, :, y] = amount[:, :, y - 1]
        amount[2, :, y] *= 1 + growth[:, y]
        # rooms added here and there as classes grow
        amount[3, :, y] += rng.random(n_s) < 0.12
        hit = (project == y)[None, :] & lifts
        amount[:, :, y] = np.where(
            hit, np.maximum(amount[:, :, y], target_after * ref[:, :, y]), amount[:, :, y]
        )
    locale = [s.locale for s in schools]
    indoor_share = np.array([rng.uniform(*_INDOOR_SHARE[loc]) for loc in locale])
    indoor = amount[1] * indoor_share[:, None]
    field_area = amount[1] - indoor
    teaching_aux = amount[0] + indoor
    multimedia = np.floor(amount[3]).astype(np.int64)
    tp = np.array([s.kind == "teaching_point" for s in schools])
    multimedia = np.where(tp[:, None], np.maximum(multimedia, 1), multimedia)

    # music and art rooms: one per 12 classes of the whole school, by profile
    school_classes = np.zeros((n_s, n_years), dtype=np.int64)
    np.add.at(school_classes, units.school, section_classes)
    per = room_rule.get("classes_per_room", 12)
    need = np.ceil(school_classes / per).astype(np.int64)
    need_run = np.maximum.accumulate(need, axis=1)
    music = need_run.copy()
    art = need_run.copy()
    music_min, art_min = room_rule["music_room_min_area_m2"], room_rule["art_room_min_area_m2"]
    music_area = np.repeat(rng.uniform(music_min, music_min + 30, n_s)[:, None], n_years, axis=1)
    art_area = np.repeat(rng.uniform(art_min, art_min + 30, n_s)[:, None], n_years, axis=1)
    yidx = np.arange(n_years)[None, :]
    for i, s in enumerate(schools):
        before = yidx[0] < (s.project if s.project > 0 else 10_000)
        if s.rooms == "fewer":
            music[i] = np.maximum(need_run[i] - 1, 1)
            art[i] = np.maximum(need_run[i] - 1, 1)
        elif s.rooms == "small":
            music_area[i, before] = rng.uniform(68, 90)
            art_area[i, before] = rng.uniform(60, 86)
        elif s.rooms in ("missing_music", "missing_both"):
            music[i, before] = 0
            if s.rooms == "missing_both":
                art[i, before] = 0
        elif s.rooms == "missing_art":
            art[i, before] = 0
            music_area[i, before] = rng.uniform(70, 90)
        elif s.rooms == "none":
            music[i] = 0
            art[i] = 0
    fac = {
        "teaching_aux_area_m2": teaching_aux,
        "indoor_sports_area_m2": indoor,
        "sports_field_area_m2": field_area,
        "equipment_value_yuan": amount[2],
        "multimedia_rooms": multimedia,
        "music_rooms": music,
        "music_room_min_area_m2": np.where(music > 0, music_area, np.nan),
        "art_rooms": art,
        "art_room_min_area_m2": np.where(art > 0, art_area, np.nan),
    }
    ss, yy = np.meshgrid(np.arange(n_s), np.arange(n_years), indexing="ij")
    whole = pd.DataFrame({"school": ss.ravel(), "year_index": yy.ravel(), "stage": None})
    for col, arr in fac.items():
        whole[col] = arr.ravel()
    per_stage = [i for i, s in enumerate(schools) if s.per_stage_facilities]
    frames = [whole[~whole["school"].isin(per_stage)]]
    # A school that reports per stage: its own (not weighted-pupil) split of the totals.
    amounts = list(fac)[:4]  # the areas and the equipment value
    for i in per_stage:
        us, share = _stage_shares(units, i)
        rows = whole[whole["school"] == i]
        for r, u in enumerate(us):
            part = rows.copy()
            part["stage"] = _STAGE_NAME[units.stage[u]]
            part[amounts] = part[amounts].to_numpy() * share[r][:, None]
            part["multimedia_rooms"] = np.floor(
                part["multimedia_rooms"].to_numpy() * share[r] + (r == 0) * 0.999
            )
            for rooms, area in ((f"{k}_rooms", f"{k}_room_min_area_m2") for k in ("music", "art")):
                total = part[rooms].to_numpy()
                first = (total + 1) // 2
                part[rooms] = first if r == 0 else total - first
                part[area] = np.where(part[rooms] > 0, part[area], np.nan)
            frames.append(part)
    return pd.concat(frames, ignore_index=True).astype(
        {"multimedia_rooms": np.int64, "music_rooms": np.int64, "art_rooms": np.int64}
    )


def _stage_shares(units: _Units, i: int) -> tuple[np.ndarray, np.ndarray]:
    """The sections of school ``i`` and each one's share of the school's amounts, (sections, years)
    (初中 pupils weigh 1.25)."""
    us = np.flatnonzero(units.school == i)
    w = units.students[us].astype(float) * np.where(units.stage[us] == 0, 1.0, 1.25)[:, None]
    return us, w / w.sum(axis=0)


# ----------------------------------------------------------------------------- moe-2012 amounts
# The optional columns the predecessor standard needs (computers, books, intermediate titles).
# They are drawn from a random stream of their own, after everything else, so that adding them
# left every other number of the sample exactly as it was.

# Per pupil, by stage (小学, 初中, 高中): computers per 100 pupils and books per pupil at level 1
# (the 2012-era equipment norms: about 1 computer per 8–12 pupils, 20–40 books per pupil).
_COMPUTERS_PER_100 = (10.0, 13.0, 15.0)
_BOOKS_PER_PUPIL = (25.0, 35.0, 45.0)
_LIBRARY_LEVELS = {
    "crowded": (0.70, 0.95), "showcase": (1.40, 1.80), "good": (1.05, 1.35),
    "normal": (0.90, 1.25), "weak": (0.45, 0.75), "rural_ok": (0.95, 1.40),
    "advanced": (1.10, 1.40), "left_behind": (0.50, 0.80),
}  # fmt: skip


def _computers_and_books(seed, county_index, schools, units, years) -> tuple[np.ndarray, np.ndarray]:
    """Whole-school computers and books, shape (schools, years)."""
    rng = np.random.default_rng([seed, county_index, 2012])
    n_s, n_years = len(schools), len(years)
    out = []
    for per_pupil, growth in ((_COMPUTERS_PER_100, (0.00, 0.06)), (_BOOKS_PER_PUPIL, (0.01, 0.04))):
        ref = np.zeros((n_s, n_years))
        np.add.at(ref, units.school, np.array(per_pupil)[units.stage][:, None] * units.students)
        level = np.array([rng.uniform(*_LIBRARY_LEVELS[s.facility]) for s in schools])
        amount = np.zeros((n_s, n_years))
        amount[:, 0] = level * ref[:, 0]
        for y in range(1, n_years):
            amount[:, y] = amount[:, y - 1] * (1 + rng.uniform(*growth, n_s))
        out.append(amount)
    computers = np.maximum(np.floor(out[0] / 100.0), 1).astype(np.int64)
    books = np.maximum(np.rint(out[1] / 10.0) * 10, 200).astype(np.int64)
    return computers, books


def _split_per_stage(fac: pd.DataFrame, totals: np.ndarray, schools, units) -> np.ndarray:
    """A whole-school amount for each facilities row: as it is, or split like that school's own
    per-stage figures (初中 pupils weigh 1.25; the first stage rounded down, the rest to the other)."""
    school = fac["school"].to_numpy(dtype=np.int64)
    year = fac["year_index"].to_numpy(dtype=np.int64)
    values = totals[school, year].astype(np.int64)
    staged = fac["stage"].notna().to_numpy()
    for i in np.unique(school[staged]):
        us, share = _stage_shares(units, i)
        for r, u in enumerate(us):
            rows = np.flatnonzero(
                staged & (school == i) & (fac["stage"].to_numpy(dtype=object) == _STAGE_NAME[units.stage[u]])
            )
            first = np.floor(totals[i, year[rows]] * share[0, year[rows]]).astype(np.int64)
            values[rows] = first if r == 0 else totals[i, year[rows]].astype(np.int64) - first
    return values


def _intermediate_titles(tid: np.ndarray, age: np.ndarray) -> np.ndarray:
    """Whether each teacher row holds an intermediate or higher professional title (中级及以上).

    A teacher reaches it at an age of their own, 28–40 (fixed per teacher id, so a title once
    held is kept): no random draw, the other tables' random streams stay untouched.
    """
    title_age = 28 + (tid.astype(np.int64) * 2654435761 % 13)
    return age >= title_age


# ----------------------------------------------------------------------------- county-level tables


def _county_indicators(years: list[int], story: _Story = _Story()) -> pd.DataFrame:
    ny = len(years)
    g15 = _by_year(story.migrant_share, ny)
    q2 = _by_year((0.962, 0.965, 0.971, 0.974, 0.978), ny)
    g14 = _by_year((0.52, 0.53, 0.55, 0.56, 0.58), ny)
    g7 = _by_year((6200, 6500, 6800, 7000, 7200), ny)
    rows = []
    for i, y in enumerate(years):
        plan = f"《{y}年县域义务教育优质均衡发展推进工作报告》"
        items = [
            ("G1", "是", f"县人民政府《义务教育学校布局专项规划（{years[0]}—{years[-1]}年）》；{plan}"),
            ("G2", "是", f"县教育局等四部门《关于统一城乡义务教育学校建设和配置标准的通知》（{y}年）"),
            ("G6", "是", f"县财政局{y}年义务教育公用经费分配表（不足100人按100人核定）"),
            ("G7", f"{g7[i]:.0f}", f"县财政局{y}年特殊教育学校生均公用经费拨付文件"),
            (
                "G8",
                "是" if i % 2 == 0 else f"{1.01 + 0.01 * i:.2f}",
                f"县人社局{y}年教师与公务员工资收入对比表",
            ),
            ("G10", "是", f"县编办、县人社局{y}年中小学教职工编制和岗位核定文件"),
            ("G13", "100%", f"县教育局{y}年秋季义务教育招生工作方案及入学统计"),
            ("G14", f"{g14[i]:.2f}", f"县教育局{y}年优质高中指标到校分配方案"),
            ("G15", f"{100 * g15[i]:.1f}%", f"县教育局{y}年随迁子女就读情况统计；留守儿童关爱工作台账"),
            ("Q2", f"{100 * q2[i]:.1f}%", f"县残联、县教育局{y}年残疾儿童少年入学情况统计"),
            ("Q3", "是", f"{y}年学校章程备案清单及智慧校园建设验收材料"),
            ("Q5", "是", f"{y}年信息化教学应用抽查报告"),
            ("Q6", "是", f"{y}年德育工作和校园文化建设评估结果"),
            ("Q7", "是", f"{y}年课程开设与教学常规检查通报"),
            ("Q8", "是", f"{y}年学生课业负担监测报告"),
            ("Q9", "是", f"国家义务教育质量监测{y}年度县级报告"),
        ]
        # the national monitoring report for the second year is not out yet: 缺数据
        if i == 1:
            items = [it for it in items if it[0] != "Q9"]
        items += [
            (f"VETO{v}", "是" if (i, v) in story.vetoes else "否", f"县教育督导室{y}年专项督查报告")
            for v in range(1, 7)
        ]
        rows += [(y, ind, val, ev) for ind, val, ev in items]
    return pd.DataFrame(rows, columns=TABLES["county_indicators"].names)


def _survey(rng, years: list[int], n_schools: int, n_teachers: np.ndarray) -> pd.DataFrame:
    ny = len(years)
    other = _by_year(_SATISFACTION, ny)
    parent = _by_year(_PARENT_SATISFACTION, ny)
    offset = {
        "student": 0.02,
        "teacher": -0.01,
        "principal": 0.06,
        "deputy": 0.03,
        "cppcc": 0.025,
        "resident": -0.02,
    }
    rows = []
    for i, y in enumerate(years):
        sizes = {
            "student": int(rng.integers(1400, 1700)),
            "parent": int(rng.integers(1700, 2100)),
            "teacher": int(round(n_teachers[i] * rng.uniform(0.16, 0.2))),
            "principal": n_schools - int(rng.integers(0, 4)),
            "deputy": int(rng.integers(30, 45)),
            "cppcc": int(rng.integers(25, 38)),
            "resident": int(rng.integers(450, 650)),
        }
        for g in SURVEY_GROUPS:
            rate = parent[i] if g == "parent" else min(0.99, other[i] + offset[g])
            valid = sizes[g]
            rows.append((y, g, valid, min(valid, int(round(valid * rate)))))
    return pd.DataFrame(rows, columns=TABLES["survey"].names)


# ----------------------------------------------------------------------------- assembly


def _check_arguments(years: tuple[int, int], schools: int) -> None:
    y0, y1 = int(years[0]), int(years[1])
    if y1 < y0:
        raise ParameterError(f"years: the last year {y1} is before the first {y0}")
    if schools < MIN_SCHOOLS:
        raise ParameterError(f"schools: the sample needs at least {MIN_SCHOOLS} schools, got {schools}")
    if schools > 9999:
        raise ParameterError(f"schools: at most 9999 schools per county, got {schools}")


def generate_county(
    seed: int = 2024,
    *,
    years: tuple[int, int] = (2021, 2025),
    schools: int = 45,
    county_index: int = 0,
    code: str = SAMPLE_CODE,
    teacher_prefix: str = "T",
    development: str | None = None,
) -> dict[str, pd.DataFrame]:
    """Every table of one synthetic county, typed and sorted, with English codes: table name →
    DataFrame with the columns of ``eduwb.data.schema.TABLES`` in order.

    The county's random stream is ``numpy.random.default_rng([seed, county_index])``; ``years``
    are the first and last school year; the designed cases need 19 of the ``schools`` (at least
    20). School ids are ``code`` and 4 digits, teacher ids ``teacher_prefix`` and digits.
    ``development`` None is the designed sample county; a level of :data:`DEVELOPMENT_LEVELS`
    moves the county nearer to or further from the standard (multi-county samples).
    """
    _check_arguments(years, schools)
    if development is not None and development not in DEVELOPMENT_LEVELS:
        raise ParameterError(
            f"development must be one of {', '.join(sorted(set(DEVELOPMENT_LEVELS)))}, not {development!r}"
        )
    rng = np.random.default_rng([seed, county_index])
    year_list = list(range(int(years[0]), int(years[1]) + 1))
    ny = len(year_list)
    story = _story(development)
    cat = _catalogue(rng, schools, development, ny)
    ids = np.array([f"{code}{i + 1:04d}" for i in range(len(cat))])
    # the random draws come in this order: schools, pupils, classes, teachers, facilities, budget,
    # cohorts, survey
    units = _enrolment(rng, cat, ny)
    cls, section_classes = _classes(rng, cat, units, ny, story)
    staff, moves = _teachers(rng, cat, units, _teacher_targets(cat, units, section_classes), year_list, story)
    teachers, rotations, counts = _teacher_tables(staff, moves, ids, units, year_list, teacher_prefix)
    facilities = _facility_table(rng, seed, county_index, cat, units, section_classes, ids, year_list)
    budget = _budget(rng, cat, units, ids, year_list)
    cohorts = _cohorts(rng, units, year_list)
    tables = {
        "schools": _school_table(ids, cat).sort_values("school_id"),
        "sections": _section_table(ids, units, year_list, section_classes, counts),
        "facilities": facilities.sort_values(["school_id", "year", "_stage_order"]),
        "classes": _class_table(ids, units, year_list, cls),
        "teachers": teachers,
        "rotations": rotations,
        "cohorts": cohorts,
        "budget": budget.sort_values(["school_id", "year"]),
        "county_indicators": _county_indicators(year_list, story),
        "survey": _survey(rng, year_list, len(cat), counts[0].sum(axis=0)),
    }
    return _typed(tables)


def _school_table(ids: np.ndarray, cat: list[_School]) -> pd.DataFrame:
    """The schools table of the catalogue."""
    return pd.DataFrame(
        {
            "school_id": ids,
            "name": [s.name for s in cat],
            "kind": [s.kind for s in cat],
            "parent_id": [ids[s.parent] if s.parent is not None else None for s in cat],
            "locale": [s.locale for s in cat],
            "township": [s.township for s in cat],
            "sponsor": [s.sponsor for s in cat],
            "boarding": [s.boarding for s in cat],
            "built_year": [s.built_year for s in cat],
        }
    )


def _facility_table(
    rng, seed: int, county_index: int, cat: list[_School], units: _Units, section_classes, ids, year_list
) -> pd.DataFrame:
    """The simulated facilities with computers and books (drawn from their own seed) per stage."""
    fac = _facilities(rng, cat, units, section_classes, year_list)
    computers, books = _computers_and_books(seed, county_index, cat, units, year_list)
    return fac.assign(
        computers=_split_per_stage(fac, computers, cat, units),
        books=_split_per_stage(fac, books, cat, units),
        school_id=ids[fac["school"].to_numpy()],
        year=np.array(year_list)[fac["year_index"].to_numpy()],
        _stage_order=fac["stage"].map(_STAGE_CODE).fillna(-1).to_numpy(),
    )


def _section_table(ids, units: _Units, year_list: list[int], section_classes, counts) -> pd.DataFrame:
    """One row per section × year: pupils, classes and the teacher counts."""
    n_units, ny = len(units.school), len(year_list)
    uu, yy = np.meshgrid(np.arange(n_units), np.arange(ny), indexing="ij")
    uu, yy = uu.ravel(), yy.ravel()
    return pd.DataFrame(
        {
            "school_id": ids[units.school[uu]],
            "year": np.array(year_list)[yy],
            "stage": np.array(_STAGE_NAME)[units.stage[uu]],
            "students": units.students[uu, yy],
            "classes": section_classes[uu, yy],
            "teachers": counts[0, uu, yy],
            "teachers_above_degree": counts[1, uu, yy],
            "backbone_teachers": counts[2, uu, yy],
            "pe_art_teachers": counts[3, uu, yy],
            "intermediate_title_teachers": counts[4, uu, yy],
            "_stage_order": units.stage[uu],
        }
    ).sort_values(["school_id", "year", "_stage_order"])


def _class_table(ids, units: _Units, year_list: list[int], cls: pd.DataFrame) -> pd.DataFrame:
    """The simulated classes with school ids, years and class ids."""
    return pd.DataFrame(
        {
            "school_id": ids[units.school[cls["unit"].to_numpy()]],
            "year": np.array(year_list)[cls["year_index"].to_numpy()],
            "grade": cls["grade"].to_numpy(),
            "class_id": [f"{g}-{c}" for g, c in zip(cls["grade"], cls["class_no"], strict=True)],
            "students": cls["students"].to_numpy(),
            "_class_no": cls["class_no"].to_numpy(),
        }
    ).sort_values(["school_id", "year", "grade", "_class_no"])


def _typed(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Each table's columns in the schema's order, decimals rounded as the schema shows them."""
    out = {}
    for name, df in tables.items():
        df = df[TABLES[name].names].reset_index(drop=True)
        for (tname, col), dec in _DECIMALS.items():
            if tname == name:
                df[col] = df[col].astype(float).round(dec)
        out[name] = df
    return out


def _teacher_tables(staff, moves, ids: np.ndarray, units: _Units, year_list: list[int], teacher_prefix: str):
    """The teachers and rotations tables, and the per-section teacher counts derived from them.

    ``counts`` is (5, section, year): teachers, above the degree, backbone, PE/art, intermediate titles.
    """
    ny = len(year_list)
    n_units = len(units.school)
    t_frames = []
    counts = np.zeros((5, n_units, ny), dtype=np.int64)
    for y, t in staff:
        titles = _intermediate_titles(t.tid, year_list[y] - t.birth)
        for k, flag in enumerate((None, t.above, t.backbone > 0, t.pe_art, titles)):
            counts[k, :, y] = np.bincount(t.unit, weights=flag, minlength=n_units)
        t_frames.append(
            pd.DataFrame(
                {
                    "tid": t.tid,
                    "year": year_list[y],
                    "school_id": ids[units.school[t.unit]],
                    "stage": np.array(_STAGE_NAME)[units.stage[t.unit]],
                    "sex": np.where(t.female, "female", "male"),
                    "birth_year": t.birth,
                    "backbone": np.array(list(BACKBONE_LEVELS))[t.backbone],
                    "years_at_school": t.yas,
                    "certified": t.certified,
                    "training_hours_5y": t.hours.astype(float),
                }
            )
        )
    teachers = pd.concat(t_frames, ignore_index=True).sort_values(["year", "tid"], kind="stable")
    width = max(6, len(str(int(teachers["tid"].max()))))
    teachers.insert(0, "teacher_id", [f"{teacher_prefix}{v:0{width}d}" for v in teachers["tid"]])
    teachers = teachers.drop(columns="tid")

    rot = (
        pd.concat(moves, ignore_index=True)
        if moves
        else pd.DataFrame(columns=["tid", "year_index", "from_unit", "to_unit", "mode"])
    )
    rotations = pd.DataFrame(
        {
            "teacher_id": [f"{teacher_prefix}{int(v):0{width}d}" for v in rot["tid"]],
            "year": np.array(year_list)[rot["year_index"].to_numpy(dtype=np.int64)],
            "from_school": ids[units.school[rot["from_unit"].to_numpy(dtype=np.int64)]],
            "to_school": ids[units.school[rot["to_unit"].to_numpy(dtype=np.int64)]],
            "mode": rot["mode"].to_numpy(dtype=object),
        }
    ).sort_values(["year", "teacher_id"], kind="stable")
    return teachers, rotations, counts


def _budget(rng, cat: list[_School], units: _Units, ids: np.ndarray, year_list: list[int]) -> pd.DataFrame:
    """Per-pupil benchmark × pupils (+ boarders; small rural schools as 100), and training funds."""
    ny = len(year_list)
    school_students = np.zeros((len(cat), ny))
    school_public = np.zeros((len(cat), ny))
    for st, per_pupil in _PUBLIC_FUNDS_PER_PUPIL.items():
        sel = units.stage == _STAGE_CODE[st]
        pp = _by_year(per_pupil, ny)
        np.add.at(school_public, units.school[sel], units.students[sel] * pp[None, :])
    np.add.at(school_students, units.school, units.students)
    kinds = np.array([s.kind for s in cat])
    rural_small = (np.array([s.locale for s in cat]) == "rural")[:, None] & (school_students < 100)
    school_public = np.where(rural_small, school_public / np.maximum(school_students, 1) * 100, school_public)
    boarding = np.array([s.boarding for s in cat])
    school_public += np.where(boarding[:, None], 200 * 0.6 * school_students, 0)
    school_public = np.where(
        (kinds == "special")[:, None],
        school_students * _by_year((6200, 6500, 6800, 7000, 7200), ny)[None, :],
        school_public,
    )
    school_public *= rng.uniform(0.97, 1.05, school_public.shape)
    share = rng.uniform(0.052, 0.085, school_public.shape)
    # a few schools kept training money short in the first two years
    if ny >= 1:
        short = rng.choice(len(cat), size=3, replace=False)
        share[short, 0] = rng.uniform(0.036, 0.048, 3)
    if ny >= 2:
        short = rng.choice(len(cat), size=2, replace=False)
        share[short, 1] = rng.uniform(0.040, 0.049, 2)
    ss, yy2 = np.meshgrid(np.arange(len(cat)), np.arange(ny), indexing="ij")
    public_funds = np.rint(school_public / 100) * 100
    return pd.DataFrame(
        {
            "school_id": ids[ss.ravel()],
            "year": np.array(year_list)[yy2.ravel()],
            "public_funds_yuan": public_funds.ravel(),
            "training_funds_yuan": np.rint(public_funds * share).ravel(),
        }
    )


def _cohorts(rng, units: _Units, year_list: list[int]) -> pd.DataFrame:
    """Graduates are this year's grade 9; entrants make Q1 the planned rate."""
    ny = len(year_list)
    junior = units.stage == 1
    grads = units.grades[junior, 2, :].sum(axis=0)
    retention = _by_year(_RETENTION, ny)
    t_in = np.rint(grads * rng.uniform(0.018, 0.026, ny)).astype(np.int64)
    t_out = np.rint(grads * rng.uniform(0.024, 0.032, ny)).astype(np.int64)
    deaths = rng.integers(1, 6, ny)
    entrants = np.rint((grads - t_in + t_out) / retention + deaths).astype(np.int64)
    return pd.DataFrame(
        {
            "year": year_list,
            "graduates": grads,
            "entrants_3y_ago": entrants,
            "transfers_in": t_in,
            "transfers_out": t_out,
            "deaths": deaths,
        }
    )


def county_toml(
    name: str = SAMPLE_NAME, code: str = SAMPLE_CODE, years: tuple[int, int] = (2021, 2025), seed: int = 2024
) -> str:
    """The ``county.toml`` of a sample county (the plan's milestones relative to the first year)."""
    y0 = int(years[0])
    return f"""\
# Synthetic sample county written by `eduwb sample` (seed {seed}): invented figures, not statistics.
name = "{name}"
code = "{code}"
province = "{SAMPLE_PROVINCE}"
standard = "moe-2017"
relaxations_2019 = false

[[class_size.milestones]]
by = {y0 + 2}
max_students = 65

[[class_size.milestones]]
by = {y0 + 3}
max_students = 55

[[class_size.milestones]]
by = {y0 + 4}
max_students = "standard"

[rotation]
min_years_at_school = 6
exempt_age_male = 55
exempt_age_female = 50

[unit_costs]
teacher_per_year = 120000
building_m2 = 3500
sports_field_m2 = 400
multimedia_room = 40000
"""


# ----------------------------------------------------------------------------- writing


def _quote(text: str) -> str:
    """A CSV field as pandas/Excel write it (quoted only when it must be)."""
    if any(ch in text for ch in ',"\n\r'):
        return '"' + text.replace('"', '""') + '"'
    return text


def _csv_columns(name: str, df: pd.DataFrame) -> list[np.ndarray | list[str]]:
    """Each column as the strings written to CSV (explicit formatting, no float surprises)."""
    cols: list[np.ndarray | list[str]] = []
    for col in TABLES[name].columns:
        s = df[col.name]
        dec = _DECIMALS.get((name, col.name))
        missing = s.isna().to_numpy()
        if col.dtype == "bool":
            cols.append(np.where(s.to_numpy(dtype=bool), "true", "false"))
        elif dec is not None:
            vals = s.to_numpy(dtype=float)
            text = np.char.mod(f"%.{dec}f", np.nan_to_num(vals))
            cols.append(np.where(missing, "", text))
        elif col.dtype == "int" and not missing.any():
            cols.append(s.to_numpy(dtype=np.int64).astype(str))
        else:
            text = ["" if m else str(v) for v, m in zip(s.to_numpy(dtype=object), missing, strict=True)]
            joined = "".join(text)
            if any(ch in joined for ch in ',"\n\r'):  # rare: quote only the columns that need it
                text = [_quote(v) for v in text]
            cols.append(text)
    return cols


def _csv_bytes(name: str, df: pd.DataFrame) -> bytes:
    """UTF-8 (no BOM) CSV with ``\n`` line ends: header of English names, one line per row."""
    lines = [",".join(TABLES[name].names)]
    lines += [",".join(row) for row in zip(*_csv_columns(name, df), strict=True)]
    return ("\n".join(lines) + "\n").encode("utf-8")


def write_county(folder: Path, tables: Mapping[str, pd.DataFrame | None], toml_text: str) -> Path:
    """Write one county folder: every table given as UTF-8 CSV, plus ``county.toml``."""
    folder = Path(folder)
    for name in TABLE_ORDER:
        if tables.get(name) is not None:
            atomic_write_bytes(folder / f"{name}.csv", _csv_bytes(name, tables[name]))
    atomic_write_bytes(folder / "county.toml", toml_text.encode("utf-8"))
    return folder


def write_dataset(folder: Path, ds, toml_text: str) -> Path:
    """Write a loaded (or changed) dataset as a county folder: every table it has, plus ``county.toml``."""
    return write_county(folder, {name: getattr(ds, name, None) for name in TABLE_ORDER}, toml_text)


_FIXED_TIME = datetime(2024, 1, 1)  # the xlsx's dates: the same sample gives the same bytes


def _xlsx_rows(name: str, df: pd.DataFrame):
    """Rows of a sheet: Chinese headers and labels, native Python values, None for blanks."""
    from eduwb.data.template import cell_values

    table = TABLES[name]
    yield [col.zh for col in table.columns]
    yield from zip(*(cell_values(col, df[col.name], "zh") for col in table.columns), strict=True)


def write_xlsx(path: Path, tables: dict[str, pd.DataFrame]) -> Path:
    """Write the county as one workbook, a sheet per table, Chinese headers and labels.

    The file is deterministic: fixed document properties and fixed zip entry times.
    """
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    wb.properties.creator = "eduwb sample"
    for name in TABLE_ORDER:
        ws = wb.create_sheet(title=name)
        for row in _xlsx_rows(name, tables[name]):
            ws.append(list(row))
    atomic_write_bytes(Path(path), pinned_workbook_bytes(wb))
    return Path(path)


def pinned_workbook_bytes(wb) -> bytes:
    """An openpyxl workbook saved deterministically: fixed document times and zip entry times."""
    raw = io.BytesIO()
    wb.save(raw)
    return pin_zip_dates(raw.getvalue(), _FIXED_TIME)


def _county_name(i: int, counties: int) -> str:
    if counties == 1:
        return SAMPLE_NAME
    return f"{SAMPLE_NAME}{i + 1:0{max(2, len(str(counties)))}d}"


def _county_code(i: int, counties: int) -> str:
    if counties == 1:
        return SAMPLE_CODE
    return f"{(429000 + i + 1) % 1_000_000:06d}"


def _write_one(args) -> str:
    folder, seed, years, schools, i, counties = args
    code = _county_code(i, counties)
    prefix = "T" if counties == 1 else f"T{code}"
    tables = generate_county(
        seed,
        years=years,
        schools=schools,
        county_index=i,
        code=code,
        teacher_prefix=prefix,
        development=development_level(i, counties),
    )
    write_county(Path(folder), tables, county_toml(_county_name(i, counties), code, years, seed))
    return str(folder)


def write_sample(
    out: str | Path,
    *,
    seed: int = 2024,
    years: tuple[int, int] = (2021, 2025),
    schools: int = 45,
    counties: int = 1,
    xlsx: Path | None = None,
    workers: int | None = None,
) -> list[Path]:
    """Write the synthetic sample county (or ``counties`` of them) and return the folders.

    ``out`` is the county folder itself, or with ``counties > 1`` the folder that receives one
    sub-folder per county (``示例县01`` …: distinct names, codes, school and teacher ids). The
    same seed writes byte-identical files. ``xlsx``: also write the (single) county as this
    workbook, with ``<stem>.toml`` beside it. ``workers``: processes for a multi-county run
    (default: the machine's CPUs, for 8 or more counties).
    """
    out = Path(out)
    if counties < 1:
        raise ParameterError(f"counties must be at least 1, got {counties}")
    if xlsx is not None and counties != 1:
        raise ParameterError("an .xlsx workbook is written for a single county only (counties = 1)")
    years = (int(years[0]), int(years[1]))
    if counties == 1:
        tables = generate_county(seed, years=years, schools=schools)
        toml_text = county_toml(SAMPLE_NAME, SAMPLE_CODE, years, seed)
        write_county(out, tables, toml_text)
        if xlsx is not None:
            xlsx = Path(xlsx)
            write_xlsx(xlsx, tables)
            atomic_write_bytes(xlsx.with_suffix(".toml"), toml_text.encode("utf-8"))
        return [out]
    _check_arguments(years, schools)
    jobs = [(out / _county_name(i, counties), seed, years, schools, i, counties) for i in range(counties)]
    n_workers = workers if workers is not None else (os.cpu_count() or 1) if counties >= 8 else 1
    if n_workers > 1:
        with ProcessPoolExecutor(max_workers=n_workers) as pool:
            done = list(pool.map(_write_one, jobs, chunksize=max(1, counties // (4 * n_workers))))
    else:
        done = [_write_one(job) for job in jobs]
    return [Path(p) for p in done]


__all__ = ["generate_county", "county_toml", "write_county", "write_xlsx", "write_sample"]
