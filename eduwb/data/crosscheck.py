"""The third pass of :func:`eduwb.data.dataset.load`: the rules between a county's tables (ids
exist, stage fits kind, counts ≤ totals) and implausible resource values as warnings."""

from __future__ import annotations

import numpy as np
import pandas as pd

from eduwb.data import rulewords
from eduwb.data.parse import add_rows, plain, row_keys
from eduwb.data.read import Raw
from eduwb.data.schema import GRADES_BY_STAGE, STAGES_BY_KIND, TABLES, bounds_text
from eduwb.errors import Problem, ProblemList


class Checks:
    """Tables being cross-checked, with the labels and headers needed for messages."""

    def __init__(self, frames: dict[str, pd.DataFrame], raws: dict[str, Raw]):
        self.frames = frames
        self.raws = raws
        self.problems = ProblemList()
        self.warnings = ProblemList()

    def report(
        self, table: str, mask: pd.Series, column: str, rule: str, *, warning: bool = False, value=None
    ):
        """Each row of ``table`` where ``mask`` holds, showing the cell (or ``value(row)``)."""
        frame, raw = self.frames[table], self.raws[table]
        if isinstance(mask, pd.Series):
            mask = mask.fillna(False).to_numpy(dtype=bool)

        def shown(row):
            return plain(frame.at[row, column] if value is None else value(frame.loc[row]))

        target, severity = (self.warnings, "warning") if warning else (self.problems, "error")
        header = raw.headers.get(column, column)
        add_rows(target, raw.label, frame.index[mask], header, shown, rule, severity)


def cross_check(ctx: Checks, known_indicators: set[str] | None, percent_indicators=frozenset()) -> None:
    """The rules across tables, table by table (each rule reports every row it finds)."""
    f = ctx.frames
    at = _SchoolIndex(ctx)
    _check_schools(ctx)
    # sections
    at.school_exists("sections")
    at.stage_fits("sections")
    _row_rules(ctx, "sections")
    _check_facilities(ctx, at)
    if "classes" in f:
        _check_classes(ctx, at)
    if "teachers" in f:
        at.school_exists("teachers")
        at.stage_fits("teachers")
        _check_teacher_counts(ctx, *at.section_keys("teachers", at.stage_codes("teachers")))
    if "rotations" in f:
        _check_rotations(ctx, at)
    if "budget" in f:
        at.school_exists("budget")
    if "survey" in f:
        _row_rules(ctx, "survey")
    if "cohorts" in f:
        co = f["cohorts"]
        ctx.report(
            "cohorts", co["deaths"] >= co["entrants_3y_ago"], "deaths", "must be below entrants_3y_ago"
        )
    if "county_indicators" in f and known_indicators is not None:
        _check_county_indicators(ctx, known_indicators, percent_indicators)


class _SchoolIndex:
    """The schools of a county being cross-checked: each table's rows looked up among them."""

    def __init__(self, ctx: Checks):
        self.ctx = ctx
        schools = ctx.frames["schools"]
        first = ~schools["school_id"].duplicated()
        self.kind_of = pd.Series(
            schools["kind"][first].to_numpy(dtype=object),
            index=schools["school_id"][first].to_numpy(dtype=object),
        )
        self.kinds_by_position = np.append(self.kind_of.to_numpy(dtype=object), None)
        self.positions: dict[tuple[str, str], tuple[np.ndarray, np.ndarray]] = {}
        # a blank id finds a school without an id (as a lookup by value does), or none
        self.blank_position = self.kind_of.index.get_indexer([np.nan])[0]

    def school_positions(self, table: str, column: str = "school_id") -> tuple[np.ndarray, np.ndarray]:
        """Each row's school among the schools (-1: none) and whether the cell holds an id."""
        if (table, column) not in self.positions:
            # the codes of parsing: each distinct id is looked up once
            codes, values = self.ctx.raws[table].codes[column]
            found = np.append(self.kind_of.index.get_indexer(values), self.blank_position)
            self.positions[table, column] = (found[codes], codes >= 0)
        return self.positions[table, column]

    def stage_codes(self, table: str) -> np.ndarray:
        """Each row's stage as a position in _STAGE_CODES (-1: none)."""
        codes, values = self.ctx.raws[table].codes["stage"]
        return np.append(_STAGE_CODES.get_indexer(values), -1)[codes]

    def kinds_of(self, table: str) -> np.ndarray:
        position, _ = self.school_positions(table)
        return self.kinds_by_position[position]

    def school_exists(self, table: str, column: str = "school_id") -> None:
        position, present = self.school_positions(table, column)
        # a found position is never the blank id's (its cell is not present)
        self.ctx.report(table, present & (position < 0), column, "school id not found in schools")

    def stage_fits(self, table: str) -> None:
        stages = self.stage_codes(table)
        kinds = self.kinds_of(table)
        mask = (stages >= 0) & ~pd.isna(kinds) & ~_ALLOWED[_KINDS.get_indexer(kinds), stages]
        kind_of = self.kind_of
        self.ctx.report(
            table,
            mask,
            "stage",
            "stage does not fit the school's kind",
            value=lambda r: f"{r['stage']} at a {kind_of.get(r['school_id'])} school",
        )

    def section_keys(self, table: str, stages: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """school × year × stage keys of the sections and of another table's rows (-1: incomplete)."""
        f = self.ctx.frames
        school = np.concatenate([self.school_positions("sections")[0], self.school_positions(table)[0]])
        year = np.concatenate([_numbers(f["sections"], "year"), _numbers(f[table], "year")])
        stage = np.concatenate([self.stage_codes("sections"), stages])
        keys = row_keys(np.where(school < 0, np.nan, school), year, np.where(stage < 0, np.nan, stage))
        return keys[: len(f["sections"])], keys[len(f["sections"]) :]


def _row_rules(ctx: Checks, table: str) -> None:
    """The dictionary's rules within a row: a column not above another (``at_most``, or the
    amount it is ``part_of``), a column required when a count is above 0 (``required_if``)."""
    frame = ctx.frames[table]
    for col in TABLES[table].columns:
        if bound := col.at_most or col.part_of:
            which = ", which includes it" if col.part_of else ""
            rule = f"must not exceed {bound} ({TABLES[table].column(bound).zh}){which}"
            ctx.report(table, _numbers(frame, col.name) > _numbers(frame, bound), col.name, rule)
        if col.required_if:
            missing = (_numbers(frame, col.required_if) > 0) & np.isnan(_numbers(frame, col.name))
            ctx.report(table, missing, col.name, f"required when {col.required_if} > 0")


def _check_schools(ctx: Checks) -> None:
    """Teaching points hang under an existing parent; no school is its own parent."""
    schools = ctx.frames["schools"]
    ids = pd.unique(schools["school_id"].dropna().to_numpy(dtype=object))
    tp = schools["kind"] == "teaching_point"
    ctx.report(
        "schools",
        tp & schools["parent_id"].isna(),
        "parent_id",
        "a teaching point needs the id of its parent school",
    )
    has_parent = schools["parent_id"].notna()
    ctx.report(
        "schools",
        has_parent & ~schools["parent_id"].isin(ids),
        "parent_id",
        "parent school id not found in schools",
    )
    ctx.report(
        "schools",
        has_parent & (schools["parent_id"] == schools["school_id"]),
        "parent_id",
        "a school cannot be its own parent",
    )


def _check_facilities(ctx: Checks, at: _SchoolIndex) -> None:
    """Facilities rows: known schools and stages, areas that fit, whole-school or per-stage rows."""
    at.school_exists("facilities")
    fac = ctx.frames["facilities"]
    if fac["stage"].notna().any():
        at.stage_fits("facilities")
    _row_rules(ctx, "facilities")
    # whole-school and per-stage rows must not mix for one school × year
    whole = fac["stage"].isna().to_numpy()
    if whole.any() and not whole.all():
        keys = row_keys(fac["school_id"].array, fac["year"].array, dropna=False)
        mixed = ~whole & np.isin(keys, keys[whole])
        ctx.report(
            "facilities",
            mixed,
            "stage",
            "this school × year also has a whole-school row; give one or the other",
        )


def _check_classes(ctx: Checks, at: _SchoolIndex) -> None:
    """Class rows: known schools, grades that fit the school, pupils that add up to the sections."""
    cls = ctx.frames["classes"]
    at.school_exists("classes")
    grade = _numbers(cls, "grade")
    # grades below 1 are already refused by the schema (min 1); one message per cell
    grade_rule = TABLES["classes"].column("grade")
    ctx.report(
        "classes",
        grade > grade_rule.max,
        "grade",
        f"grade must be {grade_rule.bounds()} (1–6 小学, 7–9 初中)",
    )
    stage = _grade_stage(grade)
    kinds = at.kinds_of("classes")
    kind_of = at.kind_of
    ctx.report(
        "classes",
        ~pd.isna(stage) & ~pd.isna(kinds) & ~_fits_kind(kinds, stage),
        "grade",
        "grade does not fit the school's stages",
        value=lambda r: f"grade {r['grade']} at a {kind_of.get(r['school_id'])} school",
    )
    _check_class_totals(ctx, *at.section_keys("classes", _STAGE_CODES.get_indexer(stage)))


def _check_rotations(ctx: Checks, at: _SchoolIndex) -> None:
    """Rotations: known schools, two different ones, a teacher on the rolls that year or the one before."""
    f = ctx.frames
    rot = f["rotations"]
    at.school_exists("rotations", "from_school")
    at.school_exists("rotations", "to_school")
    ctx.report(
        "rotations", rot["from_school"] == rot["to_school"], "to_school", "must differ from from_school"
    )
    if "teachers" in f:
        t = f["teachers"]
        year = _numbers(rot, "year")
        ids = rot["teacher_id"].to_numpy(dtype=object)
        keys = row_keys(
            np.concatenate([t["teacher_id"].to_numpy(dtype=object), ids, ids]),
            np.concatenate([_numbers(t, "year"), year, year - 1]),
        )
        known, same, before = np.split(keys, np.cumsum([len(t), len(rot)]))
        known = known[known >= 0]
        missing = ~np.isin(same, known) & ~np.isin(before, known)
        ctx.report(
            "rotations",
            pd.Series(missing, index=rot.index) & rot["teacher_id"].notna(),
            "teacher_id",
            "teacher not found in teachers for this year or the year before",
        )
    else:
        rule = "rotations need the teachers table, which is missing"
        ctx.problems.append(Problem(ctx.raws["rotations"].label, None, None, None, rule))


def _check_county_indicators(ctx: Checks, known_indicators: set[str], percent_indicators) -> None:
    """County indicator rows: ids of the standard, readable values, percentages within 0–100%."""
    from eduwb.data.values import parse_county_value

    f = ctx.frames
    ci = f["county_indicators"]
    ids_norm = (
        ci["indicator"].map(lambda v: str(v).strip().upper() if isinstance(v, str) else v).astype(object)
    )
    f["county_indicators"] = ci.assign(indicator=ids_norm)
    ctx.report(
        "county_indicators",
        ids_norm.notna() & ~ids_norm.isin(known_indicators),
        "indicator",
        "not an indicator or veto id of the standard",
    )
    # each distinct value is read once (the table may be long; its values repeat)
    codes, uniques = pd.factorize(ci["value"], use_na_sentinel=True)
    readings = [parse_county_value(v) if isinstance(v, str) else None for v in uniques] + [None]
    kind = np.array([p.kind if p else "" for p in readings], dtype=object)[codes]
    # "105%", or "105" for an indicator measured in % (read as 105 %), cannot be true
    fraction = np.array([p.as_fraction() if p else None for p in readings], dtype="float64")[codes]
    is_percent = ids_norm.isin(percent_indicators).to_numpy() | (kind == "percent")
    over = is_percent & (fraction > 1.0 + 1e-9)  # NaN (no fraction) is neither over nor under
    ctx.report("county_indicators", over, "value", "a percentage must not exceed 100%")
    under = is_percent & (fraction < 0)
    ctx.report("county_indicators", under, "value", "a percentage must not be negative")
    unreadable = ci["value"].notna().to_numpy() & (kind == "unreadable")
    ctx.report("county_indicators", unreadable, "value", "must be a number, a percentage or 是/否")


_KINDS = pd.Index(list(STAGES_BY_KIND), dtype=object)
_STAGE_CODES = pd.Index(sorted({s for stages in STAGES_BY_KIND.values() for s in stages}), dtype=object)
# allowed[kind, stage]; the last row and column stand for an unknown kind or stage
_ALLOWED = np.zeros((len(_KINDS) + 1, len(_STAGE_CODES) + 1), dtype=bool)
for _kind, _stages in STAGES_BY_KIND.items():
    for _stage in _stages:
        _ALLOWED[_KINDS.get_loc(_kind), _STAGE_CODES.get_loc(_stage)] = True


def _fits_kind(kinds: np.ndarray, stages: np.ndarray) -> np.ndarray:
    """Whether each (school kind, stage) pair is allowed — one vectorised lookup."""
    return _ALLOWED[_KINDS.get_indexer(kinds), _STAGE_CODES.get_indexer(stages)]


def _numbers(frame: pd.DataFrame, column: str) -> np.ndarray:
    """A number column as float64, NaN where empty (comparisons with NaN are false, as with NA)."""
    return frame[column].to_numpy(dtype="float64", na_value=np.nan)


def _grade_stage(grade: np.ndarray) -> np.ndarray:
    stage = np.full(len(grade), None, dtype=object)
    for name, grades in GRADES_BY_STAGE.items():
        stage[np.isin(grade, list(grades))] = name
    return stage


def _per_section(sec_key: np.ndarray, key: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
    """For each sections row, the rows of another table with its key: how many, or their weights' sum."""
    counted = key >= 0
    groups = int(max(sec_key.max(initial=-1), key.max(initial=-1))) + 1
    sums = np.bincount(key[counted], weights=None if weights is None else weights[counted], minlength=groups)
    return np.where(sec_key >= 0, sums[np.maximum(sec_key, 0)], 0)


def _check_class_totals(ctx: Checks, sec_key: np.ndarray, cls_key: np.ndarray) -> None:
    cls = ctx.frames["classes"]
    sec = ctx.frames["sections"]
    rows = _per_section(sec_key, cls_key)
    compared = rows > 0
    students = cls["students"].to_numpy(dtype="float64", na_value=0.0)
    totals = np.where(compared, _per_section(sec_key, cls_key, students), np.nan)
    rule = "class rows (classes) do not add up to this total"
    _total_differs(ctx, "students", compared, totals, rule, "classes")
    rule = "number of class rows (classes) differs from this total"
    _total_differs(ctx, "classes", compared, rows, rule, "classes")
    years_with_classes = pd.unique(cls["year"].dropna().to_numpy())
    absent = (
        ~compared
        & sec["year"].isin(years_with_classes).to_numpy()
        & sec["stage"].isin(list(GRADES_BY_STAGE)).to_numpy()
    )
    ctx.report("sections", absent, "classes", "no class rows for this school section", warning=True)


def _check_teacher_counts(ctx: Checks, sec_key: np.ndarray, t_key: np.ndarray) -> None:
    years = pd.unique(ctx.frames["teachers"]["year"].dropna().to_numpy())
    compared = ctx.frames["sections"]["year"].isin(years).to_numpy()
    rule = "teacher rows (teachers) do not add up to this total"
    _total_differs(ctx, "teachers", compared, _per_section(sec_key, t_key), rule, "teachers")


def _total_differs(
    ctx: Checks, column: str, compared: np.ndarray, counted: np.ndarray, rule: str, where: str
) -> None:
    """A warning on each compared sections row whose ``column`` is not what the rows of table
    ``where`` count (``counted``, one per sections row); a blank total is not compared."""
    sec = ctx.frames["sections"]
    given = _numbers(sec, column)
    shown = pd.Series(counted, index=sec.index)
    ctx.report(
        "sections",
        compared & (counted != given) & ~np.isnan(given),
        column,
        rule,
        warning=True,
        value=lambda r: f"{r[column]} here, {int(shown[r.name])} in {where}",
    )


def _readable(number: float) -> str:
    """A computed value for a message: whole above 1000, three significant digits below."""
    return f"{number:,.0f}" if abs(number) >= 1000 else f"{number:.3g}"


def check_plausibility(ctx: Checks, std) -> None:
    """Warn where a school's resource value lies outside its indicator's ``plausible`` range
    (nearly always a unit slip: 万元 entered as 元, an area in 亩) on the formula's heaviest cell.

    A value is the formula over one row per pupil: a sections row over its own pupils, a
    facilities row over its school's (or stage's) pupils that year, unsplit. Only the schools
    in the standard's scope are checked.
    """
    from eduwb.standards import formula_columns, scope_mask

    sec = ctx.frames["sections"]
    fac = ctx.frames["facilities"]
    schools = ctx.frames["schools"].drop_duplicates("school_id").set_index("school_id")
    sec_info = sec.assign(
        kind=sec["school_id"].map(schools["kind"]), sponsor=sec["school_id"].map(schools["sponsor"])
    )
    in_scope = scope_mask(sec_info, std)
    pupils_by_school = sec.groupby(["school_id", "year"])["students"].sum()
    pupils_by_stage = sec.set_index(["school_id", "year", "stage"])["students"]
    pupils_by_stage = pupils_by_stage[~pupils_by_stage.index.duplicated()]
    measured = pd.MultiIndex.from_frame(sec.loc[in_scope, ["school_id", "year"]])
    fac_keys = pd.MultiIndex.from_frame(fac[["school_id", "year"]])
    fac_pupils = pd.Series(pupils_by_school.reindex(fac_keys).to_numpy(dtype="float64"), index=fac.index)
    staged = fac["stage"].notna()
    if staged.any():
        keys = pd.MultiIndex.from_frame(fac.loc[staged, ["school_id", "year", "stage"]])
        fac_pupils[staged] = pupils_by_stage.reindex(keys).to_numpy(dtype="float64")
    targets = {
        "sections": (sec, sec["students"].astype("float64"), in_scope),
        "facilities": (fac, fac_pupils, pd.Series(fac_keys.isin(measured), index=fac.index)),
    }
    for ind in std.resource_indicators:
        bounds = ind.plausible
        if not bounds:
            continue
        columns = formula_columns(ind.formula)
        table = next((t for t, (frame, _, _) in targets.items() if columns <= set(frame.columns)), None)
        if table is None:
            continue  # a formula over columns the dictionary does not have (moe-2012's books)
        frame, pupils, checked = targets[table]
        numbers = frame[sorted(columns)].astype("float64")
        value = float(ind.per) * numbers.eval(ind.formula) / pupils.where(pupils > 0)
        low, high = bounds.get("min"), bounds.get("max")
        lowest, highest = -np.inf if low is None else low, np.inf if high is None else high
        outside = ((value < lowest) | (value > highest)) & checked  # NaN is neither
        if not outside.any():
            continue
        culprit = numbers.abs().fillna(-1).idxmax(axis=1)
        span = bounds_text(low, high)
        rule = (
            f"implausible {ind.id} {ind.name_zh} (plausible {span} {ind.unit}): {bounds.get('hint_en', '')}"
        ).rstrip(": ")
        rulewords.know_hint(bounds.get("hint_en", ""), bounds.get("hint_zh", ""))
        for column in sorted(set(culprit[outside])):
            ctx.report(
                table,
                outside & (culprit == column),
                column,
                rule,
                warning=True,
                value=lambda r, column=column, value=value, ind=ind: (
                    f"{plain(r[column])} → {ind.id} = {_readable(value[r.name])} {ind.unit}"
                ),
            )
