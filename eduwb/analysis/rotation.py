"""Teacher rotation (交流轮岗, G11), where the moves go, and the teacher indicators G9 and G12.

:func:`rotation_table`, :func:`flows_table` and :func:`teacher_quality_table` are the
``rotation``, ``flows`` and ``teacher_quality`` tables of :mod:`eduwb.tables`;
:func:`rotation_tables` computes all of them at once.
Who is eligible and what counts: :mod:`eduwb.analysis.teachers` (docs/method.md § 12).

Undefined numbers are NA, never NaN, 0 or inf, and the ``status`` column says why: ``ok``;
``no_eligible`` (the ratio is undefined, ``passes`` NA); ``no_rotated`` (the backbone share is
undefined; the ratio, 0, fails G11 when the limit is > 0); ``no_teacher_data`` (no teacher rows
for the year before, or for the year of teacher quality); ``missing_table`` (no teachers or
rotations table: every count NA, 缺数据); ``no_limit`` (the standard sets no limit, e.g.
``moe-2012``: ``passes`` NA); ``no_moves`` (flows: no counted move that year). A missing table is
a status, not an exception, so that the scorecard and the notebook show 缺数据 without handling
errors; options that make no sense raise :class:`~eduwb.errors.ParameterError`.

Privacy: no table here carries a teacher id, every result is a count over teachers;
:func:`eduwb.present.charts.rotation.localise` hides the small counts of per-school tables.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from eduwb.analysis import teachers as tc
from eduwb.analysis.scope import check_options
from eduwb.analysis.teachers import counted_modes, eligibility_rule, rotation_limits, training_hours_min
from eduwb.data.schema import LOCALES
from eduwb.errors import AnalysisError, ParameterError

LOCALE_CODES = tuple(LOCALES)
COMPLIANCE_GROUPS = ("passing", "failing", "unknown")
_ROTATION_OPTIONS = ("min_years_at_school", "exempt_age_male", "exempt_age_female", "counted_modes")

# ----------------------------------------------------------------------------- rotation (G11)

_ROTATION_COLUMNS = (
    "year eligible rotated ratio backbone_rotated backbone_share ratio_limit share_limit "
    "passes status rotated_eligible"
).split() + [f"moves_{mode}" for mode in tc.MODE_CODES]
_SCHOOL_COLUMNS = (
    "year school_id school_name locale eligible rotated ratio backbone_rotated backbone_share "
    "received backbone_received status"
).split()
_MODE_COLUMNS = ["year", "mode", "counted", "moves", "teachers_moved", "backbone_moved"]


def rotation_table(ds, std, *, year: int | None = None, stage: str | None = None, **options) -> pd.DataFrame:
    """G11 per year: eligible teachers, distinct rotated teachers, ratio and backbone share.

    ``year``: only this year (a row even when it cannot be evaluated); default every year whose
    year before has teacher rows. ``stage``: the stage of the teacher's row. Options:
    ``min_years_at_school``, ``exempt_age_male``, ``exempt_age_female`` override the county's
    eligibility rule; ``counted_modes`` (``"rotation,support"``; default the standard's). Limits:
    G11's threshold and ``params.backbone_share_min``.

    Per year (:data:`_ROTATION_COLUMNS`): ``rotated_eligible`` counts rotated teachers who were
    eligible, ``moves_<mode>`` the distinct move records of each mode, counted or not.
    ``by="school"``: per sending school (the move's ``from_school``; eligibility at the school of
    the year-before row) × year, with what it ``received``. ``by="mode"``: per year × mode,
    distinct move records, teachers and backbone teachers (``counted``: toward G11).
    ``by="min_years"``: the per-year ratio under other ``min_years_at_school`` values
    (``min_years_values="3,4,5"``; default the county's value ± 3, from 1)."""
    options = dict(options)
    by = tc.check_by(options.pop("by", None), (None, "school", "mode", "min_years"), "rotation")
    values = options.pop("min_years_values", None)
    if values is not None and by != "min_years":
        raise ParameterError("table rotation: min_years_values needs by=min_years")
    check_options(options, (*_ROTATION_OPTIONS, "by", "min_years_values"), "rotation")
    stages = tc.stages_of(std, stage)
    rule = eligibility_rule(ds, **options)
    modes = counted_modes(std, options.get("counted_modes"))
    if by == "min_years":
        return _min_years_scan(ds, std, year, stage, rule, values, options)
    if ds.teachers is None or ds.rotations is None:
        return _missing_rotation(ds, std, year, by, modes)
    schools, teachers, moves = tc.prepare(ds, std, rule, stages)
    teacher_years = set(tc.years_in(teachers.year))
    if year is None:
        candidates = (
            teacher_years | set(tc.years_in(ds.rotations["year"].to_numpy(dtype=np.int64))) | set(ds.years)
        )
        years = sorted(int(y) for y in candidates if y - 1 in teacher_years)
    else:
        years = [int(year)]
    evaluable = np.array([y - 1 in teacher_years for y in years], dtype=bool)
    counted = np.isin(moves.mode, [tc.MODE_CODES.index(m) for m in modes])
    if by == "mode":
        return _rotation_by_mode(moves, years, modes)
    if by == "school":
        return _rotation_by_school(schools, teachers, moves, years, evaluable, counted)
    return _rotation_by_year(std, teachers, moves, years, evaluable, counted)


def _eligible_positions(teachers: tc.TeacherRows, years: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """Year positions (the year of the move) and the mask of eligible counted-stage rows."""
    pos, inside = tc.year_positions(teachers.year + 1, years)
    return pos, inside & teachers.counted & teachers.eligible_next


def _rotation_by_year(
    std, teachers: tc.TeacherRows, moves: tc.Moves, years, evaluable, counted
) -> pd.DataFrame:
    n = len(years)
    pos, eligible_rows = _eligible_positions(teachers, years)
    eligible = tc.count(pos[eligible_rows], n)
    mpos, inside = tc.year_positions(moves.year, years)
    sel = np.flatnonzero(inside & counted)
    first = sel[tc.distinct(moves.teacher[sel], mpos[sel])]  # one per teacher × year
    rotated = tc.count(mpos[first], n)
    backbone = tc.count(mpos[first], n, moves.backbone[first])
    rotated_eligible = tc.count(mpos[first], n, moves.eligible[first])
    per_mode = tc.count(
        mpos[inside] * len(tc.MODE_CODES) + moves.mode[inside], n * len(tc.MODE_CODES)
    ).reshape(n, len(tc.MODE_CODES))

    ratio_min, share_min = rotation_limits(std)
    out = {
        "year": np.asarray(years, dtype=np.int64),
        **_ratio_columns(eligible, rotated, backbone, evaluable),
    }
    # Kleene logic: a ratio below its limit fails even when the share is undefined (nobody
    # rotated); without eligible teachers the test as a whole is undefined.
    passes = tc.at_least(out["ratio"], ratio_min) & tc.at_least(out["backbone_share"], share_min)
    passes[np.asarray(out["ratio"].isna(), dtype=bool)] = pd.NA
    if ratio_min is None or share_min is None:
        out["status"][out["status"] == "ok"] = "no_limit"
    out.update(ratio_limit=tc.constant(ratio_min, n), share_limit=tc.constant(share_min, n), passes=passes)
    out["rotated_eligible"] = tc.int_counts(rotated_eligible)
    for i, mode in enumerate(tc.MODE_CODES):
        out[f"moves_{mode}"] = tc.int_counts(per_mode[:, i])
    return pd.DataFrame(out, columns=_ROTATION_COLUMNS)


def _rotation_by_school(
    schools: tc.Schools, teachers: tc.TeacherRows, moves: tc.Moves, years, evaluable, counted
) -> pd.DataFrame:
    n, k = len(years), len(schools)
    pos, eligible_rows = _eligible_positions(teachers, years)
    eligible = tc.count(pos[eligible_rows] * k + teachers.school[eligible_rows], n * k)
    mpos, inside = tc.year_positions(moves.year, years)
    sel = np.flatnonzero(inside & counted)
    tallies = {"eligible": eligible}
    for end, names in (
        ("source", ("rotated", "backbone_rotated")),
        ("target", ("received", "backbone_received")),
    ):
        school = getattr(moves, end)
        first = sel[tc.distinct(moves.teacher[sel], mpos[sel], school[sel])]
        cell = mpos[first] * k + school[first]
        tallies[names[0]] = tc.count(cell, n * k)
        tallies[names[1]] = tc.count(cell, n * k, moves.backbone[first])
    any_count = np.logical_or.reduce([values > 0 for values in tallies.values()])
    cells, year_pos, columns = schools.cells(any_count, years)
    got = {name: values[cells] for name, values in tallies.items()}
    out = {
        **columns,
        **_ratio_columns(got["eligible"], got["rotated"], got["backbone_rotated"], evaluable[year_pos]),
    }
    out.update(
        received=tc.int_counts(got["received"]), backbone_received=tc.int_counts(got["backbone_received"])
    )
    return pd.DataFrame(out, columns=_SCHOOL_COLUMNS)


def _ratio_columns(eligible: np.ndarray, rotated: np.ndarray, backbone: np.ndarray, ok: np.ndarray) -> dict:
    """G11's counts, ratio, backbone share and status (NA and ``no_teacher_data`` where not ``ok``)."""
    return {
        "eligible": tc.int_counts(eligible, missing=~ok),
        "rotated": tc.int_counts(rotated),
        "ratio": tc.ratio_of(rotated, eligible, missing=~ok),
        "backbone_rotated": tc.int_counts(backbone),
        "backbone_share": tc.ratio_of(backbone, rotated),
        "status": np.select(
            [~ok, eligible == 0, rotated == 0], ["no_teacher_data", "no_eligible", "no_rotated"], "ok"
        ).astype(object),
    }


def _rotation_by_mode(moves: tc.Moves, years, modes: tuple[str, ...], missing: bool = False) -> pd.DataFrame:
    n, m = len(years), len(tc.MODE_CODES)
    mpos, inside = tc.year_positions(moves.year, years)
    sel = np.flatnonzero(inside)
    cell = mpos[sel] * m + moves.mode[sel]
    first = sel[tc.distinct(moves.teacher[sel], mpos[sel], moves.mode[sel])]
    first_cell = mpos[first] * m + moves.mode[first]
    counted = np.array([mode in modes for mode in tc.MODE_CODES], dtype=bool)
    return pd.DataFrame(
        {
            "year": np.repeat(np.asarray(years, dtype=np.int64), m),
            "mode": np.tile(np.array(tc.MODE_CODES, dtype=object), n),
            "counted": np.tile(counted, n),
            "moves": tc.int_counts(tc.count(cell, n * m), missing),
            "teachers_moved": tc.int_counts(tc.count(first_cell, n * m), missing),
            "backbone_moved": tc.int_counts(tc.count(first_cell, n * m, moves.backbone[first]), missing),
        },
        columns=_MODE_COLUMNS,
    )


def _missing_rotation(ds, std, year, by, modes: tuple[str, ...]) -> pd.DataFrame:
    """Rows saying 缺数据 for every year asked about: every count NA, what the standard says kept."""
    years = [int(year)] if year is not None else list(ds.years)
    if by == "school":
        return tc.empty_table(_SCHOOL_COLUMNS)
    if by == "mode":
        return _rotation_by_mode(tc.Moves(*[np.zeros(0, dtype=np.int64)] * 7), years, modes, missing=True)
    ratio_min, share_min = rotation_limits(std)
    return tc.missing_rows(
        years, _ROTATION_COLUMNS, "missing_table", {"ratio_limit": ratio_min, "share_limit": share_min}
    )


def _min_years_scan(ds, std, year, stage, rule, values, options) -> pd.DataFrame:
    """The per-year table recomputed for several values of min_years_at_school."""
    if values is None:
        centre = rule.min_years_at_school
        scan = list(range(max(centre - 3, 1), centre + 4))
    else:
        items = str(values).replace("，", ",").split(",")
        scan = sorted({tc.whole_number(v, "min_years_values") for v in items if v.strip()})
        if not scan:
            raise ParameterError("min_years_values: give at least one number")
    base = {k: v for k, v in options.items() if k != "min_years_at_school"}
    frames = [
        rotation_table(ds, std, year=year, stage=stage, min_years_at_school=n, **base).assign(
            min_years_at_school=n
        )
        for n in scan
    ]
    # the per-year table's columns up to ``status``, but the backbone count
    cols = ["min_years_at_school", *(c for c in _ROTATION_COLUMNS[:10] if c != "backbone_rotated")]
    out = pd.concat(frames, ignore_index=True)[cols]
    return out.sort_values(["year", "min_years_at_school"], kind="stable").reset_index(drop=True)


# ----------------------------------------------------------------------------- flows

_FLOW_COLUMNS = ["year", "grouping", "from_group", "to_group", "moves", "backbone_moves", "share"]
_FLOW_SUMMARY_COLUMNS = (
    "year moves backbone_moves to_rural to_rural_share backbone_to_rural to_weak "
    "to_weak_share backbone_to_weak to_rural_or_weak to_rural_or_weak_share "
    "backbone_to_rural_or_weak backbone_to_rural_or_weak_share compliance_unknown "
    "compliance_status status"
).split()


def school_compliance(ds, std, years: Iterable[int]) -> tuple[pd.DataFrame, str]:
    """Each school under the per-school resource rule of :mod:`eduwb.analysis.balance`, all years
    at once: ``(frame, availability)``. ``frame``: ``year, school_id, compliance`` (``failing`` when
    a section fails, else ``unknown`` when one is undecided, else ``passing``; schools out of scope
    are absent: unknown). ``availability``: ``"ok"``, or ``"unavailable"`` when the resource
    analysis cannot run on these data (every school unknown)."""
    from eduwb.analysis.balance import school_rule
    from eduwb.analysis.resources import section_values

    wanted = sorted(int(y) for y in set(years) if y in ds.years)

    def rule_for(year_list: list[int]) -> pd.DataFrame | None:
        try:
            return school_rule(section_values(ds, std, years=year_list), std)
        except (AnalysisError, ParameterError):
            # no per-school rule in this standard, or sections it cannot evaluate
            return None

    # every year in one pass (the resource analysis is vectorised over years); a year that
    # cannot be evaluated is left out on its own
    tables = [rule_for(wanted)] if wanted else []
    if wanted and tables[0] is None:
        tables = [rule_for([y]) for y in wanted]
    tables = [table for table in tables if table is not None and not table.empty]
    if not tables:
        empty = {"year": pd.Series(dtype="int64"), "school_id": pd.Series(dtype=object)}
        return pd.DataFrame({**empty, "compliance": pd.Series(dtype=object)}), "unavailable"
    rule = pd.concat(tables, ignore_index=True)
    passes = rule["passes"].astype("boolean")
    flags = pd.DataFrame({"year": rule["year"].astype("int64"), "school_id": rule["school_id"]})
    flags = flags.assign(undecided=passes.isna(), fails=passes.eq(False))
    per_school = flags.groupby(["year", "school_id"], sort=True)[["undecided", "fails"]].any().reset_index()
    compliance = np.where(
        per_school["fails"], "failing", np.where(per_school["undecided"], "unknown", "passing")
    )
    per_school["school_id"] = per_school["school_id"].astype(object)
    return per_school[["year", "school_id"]].assign(compliance=compliance), "ok"


def flows_table(ds, std, *, year: int | None = None, stage: str | None = None, **options) -> pd.DataFrame:
    """Where the moves go: locale to locale, and passing to failing schools (the resource rule).

    ``year``: only this year (default every year with moves); ``stage``: the moving teacher's;
    ``counted_modes``: the modes included (default the standard's).

    One row per year × grouping × from_group × to_group: ``grouping`` ``"locale"`` (all nine
    pairs, zeros included) or ``"compliance"`` (``passing``/``failing``: all four pairs;
    ``unknown`` only where moves involve one). A school's compliance is its status under the
    per-school resource rule in the year *before* the move: the state the move responds to, not
    one the incoming teachers already changed. ``share`` = moves / all moves of the year.

    ``by="summary"``, per year: moves toward rural (resp. weak: failing) schools, their shares
    (and the backbone share of backbone moves); moves to schools of unknown compliance
    (``compliance_unknown``) are not toward weak schools. ``compliance_status``: ``ok``,
    ``partial`` or ``unavailable`` (no resource analysis: the weak-school columns are NA)."""
    options = dict(options)
    by = tc.check_by(options.pop("by", None), (None, "summary"), "flows")
    check_options(options, ("counted_modes", "by"), "flows")
    stages = tc.stages_of(std, stage)
    modes = counted_modes(std, options.get("counted_modes"))
    if ds.teachers is None or ds.rotations is None:
        years = [int(year)] if year is not None else list(ds.years)
        if by == "summary":
            return tc.missing_rows(years, _FLOW_SUMMARY_COLUMNS, "missing_table")
        return tc.empty_table(_FLOW_COLUMNS)
    schools, _, moves = tc.prepare(ds, std, eligibility_rule(ds), stages)
    flows, years, availability = _flows(ds, std, schools, moves, year, modes)
    if by == "summary":
        return _flows_summary(flows, years, availability)
    return _flows_matrix(flows, years)


def _flows(
    ds, std, schools: tc.Schools, moves: tc.Moves, year, modes
) -> tuple[dict[str, np.ndarray], list[int], str]:
    """Each counted move (of ``year``, or of every year with moves) with the locale and compliance
    group of both ends; the years; the compliance's availability."""
    years = tc.years_in(ds.rotations["year"].to_numpy(dtype=np.int64)) if year is None else [int(year)]
    compliance, availability = school_compliance(ds, std, [y - 1 for y in years])
    mpos, inside = tc.year_positions(moves.year, years)
    sel = np.flatnonzero(inside & np.isin(moves.mode, [tc.MODE_CODES.index(m) for m in modes]))
    locale = pd.Index(LOCALE_CODES).get_indexer(schools.locales)
    # years × schools: 0 passing, 1 failing, 2 unknown (the year before each move year)
    status = np.full((len(years), len(schools)), COMPLIANCE_GROUPS.index("unknown"), dtype=np.int64)
    cpos, cinside = tc.year_positions(compliance["year"].to_numpy(dtype=np.int64) + 1, years)
    cschool = schools.index.get_indexer(compliance["school_id"])
    ok = cinside & (cschool >= 0)
    status[cpos[ok], cschool[ok]] = pd.Index(COMPLIANCE_GROUPS).get_indexer(compliance["compliance"])[ok]
    flows = {
        "year": mpos[sel],
        "from_locale": locale[moves.source[sel]],
        "to_locale": locale[moves.target[sel]],
        "from_compliance": status[mpos[sel], moves.source[sel]],
        "to_compliance": status[mpos[sel], moves.target[sel]],
        "backbone": moves.backbone[sel],
    }
    return flows, years, availability


def _flow_block(
    flows: dict[str, np.ndarray], years: list[int], grouping: str, groups: tuple[str, ...], src: str, dst: str
) -> pd.DataFrame:
    n, g = len(years), len(groups)
    cell = (flows["year"] * g + flows[src]) * g + flows[dst]
    moves = tc.count(cell, n * g * g)
    backbone = tc.count(cell, n * g * g, flows["backbone"])
    per_year = moves.reshape(n, -1).sum(axis=1)
    return pd.DataFrame(
        {
            "year": np.repeat(np.asarray(years, dtype=np.int64), g * g),
            "grouping": grouping,
            "from_group": np.tile(np.repeat(np.array(groups, dtype=object), g), n),
            "to_group": np.tile(np.tile(np.array(groups, dtype=object), g), n),
            "moves": tc.int_counts(moves),
            "backbone_moves": tc.int_counts(backbone),
            "share": tc.ratio_of(moves, np.repeat(per_year, g * g)),
        },
        columns=_FLOW_COLUMNS,
    )


def _flows_matrix(flows: dict[str, np.ndarray], years: list[int]) -> pd.DataFrame:
    by_locale = _flow_block(flows, years, "locale", LOCALE_CODES, "from_locale", "to_locale")
    by_compliance = _flow_block(
        flows, years, "compliance", COMPLIANCE_GROUPS, "from_compliance", "to_compliance"
    )
    # "unknown" rows only where moves occur: the passing/failing square stays complete.
    unknown = (by_compliance["from_group"] == "unknown") | (by_compliance["to_group"] == "unknown")
    by_compliance = by_compliance[~unknown.to_numpy() | (by_compliance["moves"].to_numpy() > 0)]
    out = pd.concat([by_locale, by_compliance], ignore_index=True)
    # year first, then the locale block before the compliance block (already in that order within)
    order = np.argsort(out["year"].to_numpy(), kind="stable")
    return out.iloc[order].reset_index(drop=True)


def _flows_summary(flows: dict[str, np.ndarray], years: list[int], availability: str) -> pd.DataFrame:
    n = len(years)
    year = flows["year"]
    backbone = flows["backbone"]
    rural = flows["to_locale"] == LOCALE_CODES.index("rural")
    weak = flows["to_compliance"] == COMPLIANCE_GROUPS.index("failing")
    unknown = flows["to_compliance"] == COMPLIANCE_GROUPS.index("unknown")

    def tally(mask: np.ndarray) -> np.ndarray:
        return tc.count(year[mask], n)

    moves = tc.count(year, n)
    backbone_moves = tally(backbone)
    na = np.full(n, availability != "ok")  # without the resource rule nothing is known of weak schools
    out = {"year": np.asarray(years, dtype=np.int64), "moves": tc.int_counts(moves)}
    out["backbone_moves"] = tc.int_counts(backbone_moves)
    for name, mask, missing in (
        ("rural", rural, None),
        ("weak", weak, na),
        ("rural_or_weak", rural | weak, na),
    ):
        out[f"to_{name}"] = tc.int_counts(tally(mask), missing=missing)
        out[f"to_{name}_share"] = tc.ratio_of(tally(mask), moves, missing=missing)
        out[f"backbone_to_{name}"] = tc.int_counts(tally(mask & backbone), missing=missing)
    either = tally((rural | weak) & backbone)
    out["backbone_to_rural_or_weak_share"] = tc.ratio_of(either, backbone_moves, missing=na)
    out["compliance_unknown"] = tc.int_counts(tally(unknown))
    known = (
        np.where(tally(unknown) > 0, "partial", "ok") if availability == "ok" else np.full(n, "unavailable")
    )
    out["compliance_status"] = known.astype(object)
    out["status"] = np.where(moves == 0, "no_moves", "ok").astype(object)
    return pd.DataFrame(out, columns=_FLOW_SUMMARY_COLUMNS)


# ----------------------------------------------------------------------------- G9 and G12

_QUALITY_COLUMNS = (
    "year teachers trained training_rate certified certification_rate not_trained "
    "not_certified training_limit certification_limit training_passes certification_passes "
    "schools_short_training schools_short_certification status"
).split()
_QUALITY_SCHOOL_COLUMNS = (
    "year school_id school_name locale teachers trained not_trained training_rate certified "
    "not_certified certification_rate training_passes certification_passes"
).split()


def teacher_quality_table(
    ds, std, *, year: int | None = None, stage: str | None = None, **options
) -> pd.DataFrame:
    """G9 (training completion) and G12 (certification) per year, or ``by="school"``.

    ``year``: only this year (status ``no_teacher_data`` without its teacher rows); default every
    year of the teachers table. Trained: ``training_hours_5y`` at least ``training_hours_min``
    (default G9's ``params.training_hours_min``). ``schools_short_*``: schools whose rate is below
    G9's / G12's threshold. Per school: how many teachers fall short, never which."""
    options = dict(options)
    by = tc.check_by(options.pop("by", None), (None, "school"), "teacher_quality")
    check_options(options, ("training_hours_min", "by"), "teacher_quality")
    tc.stages_of(std, stage)  # an unknown stage is refused even without teachers
    hours = training_hours_min(std, options.get("training_hours_min"))
    if ds.teachers is None:
        if by == "school":
            return tc.empty_table(_QUALITY_SCHOOL_COLUMNS)
        years = [int(year)] if year is not None else list(ds.years)
        limits = {"training_limit": tc.indicator_limit(std, "G9", stage)}
        limits["certification_limit"] = tc.indicator_limit(std, "G12", stage)
        return tc.missing_rows(years, _QUALITY_COLUMNS, "missing_table", limits)
    return _quality(ds, std, year, stage, hours, by)


BUNDLE = (
    "rotation",
    "rotation_by_school",
    "rotation_by_mode",
    "flows",
    "flows_summary",
    "teacher_quality",
    "teacher_quality_by_school",
)


def rotation_tables(
    ds, std, *, year: int | None = None, stage: str | None = None, **options
) -> dict[str, pd.DataFrame]:
    """Every table of this module at once, keyed by :data:`BUNDLE` (what notebook 03 shows).
    ``options``: the eligibility rule, ``counted_modes``, ``training_hours_min``."""
    options = {k: v for k, v in options.items() if v is not None}
    check_options(options, (*_ROTATION_OPTIONS, "training_hours_min"), "rotation_tables")
    rotation_options = {k: v for k, v in options.items() if k in _ROTATION_OPTIONS}
    flow_options = {k: v for k, v in options.items() if k == "counted_modes"}
    quality_options = {k: v for k, v in options.items() if k == "training_hours_min"}
    calls = [(rotation_table, rotation_options, (None, "school", "mode")),
             (flows_table, flow_options, (None, "summary")),
             (teacher_quality_table, quality_options, (None, "school"))]  # fmt: skip
    tables = [fn(ds, std, year=year, stage=stage, by=by, **kw) for fn, kw, bys in calls for by in bys]
    return dict(zip(BUNDLE, tables, strict=True))


def _quality(ds, std, year, stage, hours, by) -> pd.DataFrame:
    t = ds.teachers
    schools = tc.Schools.of(ds)
    school = schools.index.get_indexer(t["school_id"])
    counted = tc.teachers_in_scope(ds, std, "G12", tc.stages_of(std, stage))
    train_limit = tc.indicator_limit(std, "G9", stage)
    cert_limit = tc.indicator_limit(std, "G12", stage)
    t_year = t["year"].to_numpy(dtype=np.int64)
    years = tc.years_in(t_year) if year is None else [int(year)]
    n, k = len(years), len(schools)
    pos, inside = tc.year_positions(t_year, years)
    rows = inside & counted
    cell = pos[rows] * k + school[rows]
    teachers = tc.count(cell, n * k)
    hours_met = (
        np.zeros(len(t), dtype=bool)
        if hours is None
        else t["training_hours_5y"].to_numpy(dtype=np.float64) >= hours
    )
    trained = tc.count(cell, n * k, hours_met[rows])
    certified = tc.count(cell, n * k, t["certified"].to_numpy(dtype=bool)[rows])

    def rates(teachers: np.ndarray, trained: np.ndarray, certified: np.ndarray, missing=False) -> dict:
        """G9's and G12's counts and rates over some cells, NA where ``missing``."""
        # without G9's hours in the standard (moe-2012) nobody can be called trained: NA, not 0
        unknown = missing | (hours is None)
        training, certification = (
            tc.ratio_of(trained, teachers, missing=unknown),
            tc.ratio_of(certified, teachers),
        )
        return {
            "teachers": tc.int_counts(teachers, missing=missing),
            "trained": tc.int_counts(trained, missing=unknown),
            "not_trained": tc.int_counts(teachers - trained, missing=unknown),
            "training_rate": training,
            "certified": tc.int_counts(certified, missing=missing),
            "not_certified": tc.int_counts(teachers - certified, missing=missing),
            "certification_rate": certification,
            "training_passes": tc.at_least(training, train_limit),
            "certification_passes": tc.at_least(certification, cert_limit),
        }

    if by == "school":
        cells, _, columns = schools.cells(teachers > 0, years)
        out = {**columns, **rates(teachers[cells], trained[cells], certified[cells])}
        return pd.DataFrame(out, columns=_QUALITY_SCHOOL_COLUMNS)

    def per_year(values: np.ndarray) -> np.ndarray:
        return values.reshape(n, k).sum(axis=1)

    per_school = rates(teachers, trained, certified)
    none = per_year(teachers) == 0
    out = {
        "year": np.asarray(years, dtype=np.int64),
        **rates(per_year(teachers), per_year(trained), per_year(certified), missing=none),
        "training_limit": tc.constant(train_limit, n),
        "certification_limit": tc.constant(cert_limit, n),
        "schools_short_training": tc.int_counts(
            per_year(tc.is_false(per_school["training_passes"])), missing=none
        ),
        "schools_short_certification": tc.int_counts(
            per_year(tc.is_false(per_school["certification_passes"])), missing=none
        ),
        "status": np.select(
            [none, np.full(n, train_limit is None or cert_limit is None)],
            ["no_teacher_data", "no_limit"],
            "ok",
        ).astype(object),
    }
    return pd.DataFrame(out, columns=_QUALITY_COLUMNS)
