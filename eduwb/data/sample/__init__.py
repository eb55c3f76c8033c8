"""The synthetic sample county: a deterministic generator of a realistic (but invented) dataset.

No real county publishes its school-level data, so eduwb ships a generated one.  The
generator writes every table of ``docs/data-dictionary.md`` for one county (or many, for
province-scale benchmarks) with the problems a county plan names: big urban schools,
大班额/超大班额 that shrink unevenly, rural schools short of PE/art teachers, floor and
sports area, equipment, multimedia and music/art rooms; teacher rotation near the 10 %/20 %
lines; county inputs with one missing value.  ``data/README.md`` documents every
distribution and where its range comes from.  The numbers are synthetic.

Everything is vectorised numpy driven by one ``numpy.random.Generator`` per county, seeded
from ``(seed, county index)``, so the same seed writes byte-identical files. The county's plan
(its story and schools) is :mod:`.plan`, the simulation :mod:`.simulate`; this module assembles
the tables and writes them (CSV folder, xlsx workbook, ``county.toml``).
"""

from __future__ import annotations

import io
import os
from collections.abc import Mapping
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd

from eduwb._files import atomic_write_bytes, pin_zip_dates
from eduwb.data.sample import simulate
from eduwb.data.sample.plan import (
    DEVELOPMENT_LEVELS,
    STAGE_CODE,
    STAGE_NAME,
    School,
    catalogue,
    county_story,
    development_level,
)
from eduwb.data.schema import BACKBONE_LEVELS, TABLES
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

#: The per-section teacher counts the teachers table gives, in the order of ``counts`` (see
#: :func:`_teacher_tables`).
_COUNTS = (
    "teachers",
    "teachers_above_degree",
    "backbone_teachers",
    "pe_art_teachers",
    "intermediate_title_teachers",
)

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
    story = county_story(development)
    cat = catalogue(rng, schools, development, ny)
    ids = np.array([f"{code}{i + 1:04d}" for i in range(len(cat))])
    # the random draws come in this order: schools, pupils, classes, teachers, facilities, budget,
    # cohorts, survey
    units = simulate.enrolment(rng, cat, ny)
    cls, section_classes = simulate.classes(rng, cat, units, ny, story)
    staff, moves = simulate.teachers(
        rng, cat, units, simulate.teacher_targets(cat, units, section_classes), year_list, story
    )
    teachers, rotations, counts = _teacher_tables(staff, moves, ids, units, year_list, teacher_prefix)
    fac = simulate.facilities(rng, cat, units, section_classes, year_list)
    # computers and books come from a random stream of their own (see simulate.computers_and_books)
    computers, books = simulate.computers_and_books(seed, county_index, cat, units, year_list)
    facilities = fac.assign(
        computers=simulate.split_per_stage(fac, computers, cat, units),
        books=simulate.split_per_stage(fac, books, cat, units),
        school_id=ids[fac["school"].to_numpy()],
        year=np.array(year_list)[fac["year_index"].to_numpy()],
        _stage_order=fac["stage"].map(STAGE_CODE).fillna(-1).to_numpy(),
    )
    budget = simulate.budget(rng, cat, units, ids, year_list)
    cohorts = simulate.cohorts(rng, units, year_list)
    tables = {
        "schools": _school_table(ids, cat).sort_values("school_id"),
        "sections": _section_table(ids, units, year_list, section_classes, counts),
        "facilities": facilities.sort_values(["school_id", "year", "_stage_order"]),
        "classes": _class_table(ids, units, year_list, cls),
        "teachers": teachers,
        "rotations": rotations,
        "cohorts": cohorts,
        "budget": budget.sort_values(["school_id", "year"]),
        "county_indicators": simulate.county_indicators(year_list, story),
        "survey": simulate.survey(rng, year_list, len(cat), counts[0].sum(axis=0)),
    }
    return _typed(tables)


def _school_table(ids: np.ndarray, cat: list[School]) -> pd.DataFrame:
    """The schools table of the catalogue."""
    names = ("name", "kind", "locale", "township", "sponsor", "boarding", "built_year")
    return pd.DataFrame({name: [getattr(s, name) for s in cat] for name in names}).assign(
        school_id=ids, parent_id=[ids[s.parent] if s.parent is not None else None for s in cat]
    )


def _section_table(ids, units: simulate.Units, year_list: list[int], section_classes, counts) -> pd.DataFrame:
    """One row per section × year: pupils, classes and the teacher counts."""
    n_units, ny = len(units.school), len(year_list)
    uu, yy = np.meshgrid(np.arange(n_units), np.arange(ny), indexing="ij")
    uu, yy = uu.ravel(), yy.ravel()
    return pd.DataFrame(
        {
            "school_id": ids[units.school[uu]],
            "year": np.array(year_list)[yy],
            "stage": np.array(STAGE_NAME)[units.stage[uu]],
            "students": units.students[uu, yy],
            "classes": section_classes[uu, yy],
            **dict(zip(_COUNTS, counts[:, uu, yy], strict=True)),
            "_stage_order": units.stage[uu],
        }
    ).sort_values(["school_id", "year", "_stage_order"])


def _class_table(ids, units: simulate.Units, year_list: list[int], cls: pd.DataFrame) -> pd.DataFrame:
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


def _teacher_tables(
    staff, moves, ids: np.ndarray, units: simulate.Units, year_list: list[int], teacher_prefix: str
):
    """The teachers and rotations tables, and the per-section teacher counts derived from them.

    ``counts`` is (5, section, year), the columns :data:`_COUNTS`.
    """
    ny = len(year_list)
    n_units = len(units.school)
    t_frames = []
    counts = np.zeros((5, n_units, ny), dtype=np.int64)
    for y, t in staff:
        titles = simulate.intermediate_titles(t.tid, year_list[y] - t.birth)
        for k, flag in enumerate((None, t.above, t.backbone > 0, t.pe_art, titles)):
            counts[k, :, y] = np.bincount(t.unit, weights=flag, minlength=n_units)
        t_frames.append(
            pd.DataFrame(
                {
                    "tid": t.tid,
                    "year": year_list[y],
                    "school_id": ids[units.school[t.unit]],
                    "stage": np.array(STAGE_NAME)[units.stage[t.unit]],
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

    # moves: per year, the rotated teachers' ids, year index, origin and destination section, mode
    if not moves:  # a single year: nobody moves
        moves = [(np.zeros(0, dtype=np.int64),) * 4 + (np.zeros(0, dtype=object),)]
    tid, year_index, origin, destination, mode = (np.concatenate(c) for c in zip(*moves, strict=True))
    rotations = pd.DataFrame(
        {
            "teacher_id": [f"{teacher_prefix}{int(v):0{width}d}" for v in tid],
            "year": np.array(year_list)[year_index],
            "from_school": ids[units.school[origin]],
            "to_school": ids[units.school[destination]],
            "mode": mode.astype(object),
        }
    ).sort_values(["year", "teacher_id"], kind="stable")
    return teachers, rotations, counts


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


def _county(seed: int, years: tuple[int, int], schools: int, i: int, counties: int):
    """The tables and the ``county.toml`` text of county ``i`` of ``counties``."""
    code = _county_code(i, counties)
    prefix = "T" if counties == 1 else f"T{code}"
    level = development_level(i, counties)
    tables = generate_county(
        seed,
        years=years,
        schools=schools,
        county_index=i,
        code=code,
        teacher_prefix=prefix,
        development=level,
    )
    return tables, county_toml(_county_name(i, counties), code, years, seed)


def _write_one(args) -> str:
    folder, *county = args
    write_county(Path(folder), *_county(*county))
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
        tables, toml_text = _county(seed, years, schools, 0, 1)
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
