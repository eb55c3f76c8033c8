"""The province view: every county side by side, who is ready, and the bill to reach 优质均衡.

The tables take a *pooled* dataset (:func:`eduwb.data.province.load_province`, the counties kept
as ``ds.counties``); a county dataset is a province of one. Every county is judged against the one
standard given (like with like), with its own settings (unit costs, rotation rule, relaxations,
milestones). The tables' resource values, per-school rule, CVs and class bands are computed over
the pooled schools at once; what is judged per county (scorecard, rotation ratio, pathway) loops
over the counties, never over schools. Each
part is computed when a table first asks for it (:class:`ProvinceView`). Nothing is judged here:
every status comes from the module that judges it.

Could a county pass next year? (docs/method.md § 13, "the province")
--------------------------------------------------------------------
:func:`readiness_table` puts each county in one class for the year Y asked, ranked in this order:
``passes`` (its verdict in Y is pass); ``next_year`` (次年可望通过: no veto, nothing missing, and
its pathway for Y closes every failing indicator — each one in
:data:`eduwb.analysis.pathway.MOVABLE` — within the annual cap ``county.toml [pathway]
annual_budget_yuan``, else ``budget`` blocks); ``incomplete`` (only closable indicators fail, but
something is missing or the plan could not be drawn); ``far`` (a blocking indicator fails: no money
closes quality, recognition or county-input indicators); ``vetoed`` (a one-vote veto applies);
``no_data``. Then by the number of blocking, failing and missing items, then the plan's cost.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from eduwb.analysis import balance, classsize, resources, rotation, scorecard
from eduwb.analysis.resources import sorted_by
from eduwb.analysis.scope import pick_year, resolve_stage, stage_rank
from eduwb.data.dataset import memoised
from eduwb.errors import AnalysisError, ParameterError
from eduwb.standards import Standard

#: Readiness classes in ranking order (see the module docstring).
READINESS = ("passes", "next_year", "incomplete", "far", "vetoed", "no_data")
#: Grouping options of the tables that have a per-county form.
_BY = (None, "county")


# ----------------------------------------------------------------------------- the view


class ProvinceView:
    """Everything the province tables are read from, for one year Y, as tidy frames.

    Each frame is computed the first time a table asks for it, then kept. Per county × year:
    ``verdicts`` (:func:`eduwb.analysis.scorecard.verdicts`; ``year_verdicts`` its last year
    ≤ Y only), ``rotation``; per county × year × stage: ``schools``, ``classes``, ``cvs``
    (× indicator, :func:`eduwb.analysis.balance.balance_from_values`; ``province_cvs`` over all
    schools); ``scorecards`` per county × year × indicator; ``plans``: each county's
    pathway for Y as bill rows (:func:`eduwb.analysis.pathway.bill_rows`; a county without any
    action: one row, no item); ``plan_errors``: why a county's pathway could not be drawn.
    """

    def __init__(self, ds, std: Standard, year: int, costs: dict[str, Any]):
        counties = counties_of(ds)
        names = [c.name for c in counties]
        if len(set(names)) < len(names):
            raise AnalysisError("two counties of the province have the same name")
        self.year = year
        self.counties = names
        self.dimensions = list(std.raw["dimensions"])
        self.stages = list(std.stages)
        self.indicators = resources.indicator_ids(std)
        self._pooled = ds
        self._std = std
        self._costs = costs
        self._county_of = _county_of_school(counties)
        self._years = [y for y in sorted({int(y) for c in counties for y in c.years}) if y <= year]

    @cached_property
    def _values(self) -> pd.DataFrame:
        """The resource values of every school section of the province, every year ≤ Y."""
        values = resources.section_values(self._pooled, self._std, years=self._years)
        values.insert(0, "county", values["school_id"].map(self._county_of).to_numpy())
        return values

    def _county_trends(self, last_only: bool) -> dict[str, pd.DataFrame]:
        """Each county's scorecards of its years ≤ Y (``last_only``: of its last year ≤ Y; the
        cards are kept on the county's dataset, so the whole trend reads that one back)."""
        out = {}
        for county in counties_of(self._pooled):
            own = [y for y in county.years if y <= self.year]
            if own:
                since = own[-1] if last_only else None
                out[county.name] = scorecard.scorecard_trend(county, self._std, year=own[-1], since=since)
        return out

    @cached_property
    def _trends(self) -> dict[str, pd.DataFrame]:
        return self._county_trends(last_only=False)

    @cached_property
    def verdicts(self) -> pd.DataFrame:
        return self._verdict_frame(self._trends)

    @cached_property
    def year_verdicts(self) -> pd.DataFrame:
        return self._verdict_frame(self._county_trends(last_only=True))

    def _verdict_frame(self, trends: dict[str, pd.DataFrame]) -> pd.DataFrame:
        columns = ["county", "year", *self.dimensions, "vetoes", "verdict", "failing", "missing"]
        rows = [scorecard.verdicts(t, self._std).assign(county=name) for name, t in trends.items()]
        return _concat(rows, columns)[columns].reset_index(drop=True)

    @cached_property
    def scorecards(self) -> pd.DataFrame:
        columns = ["county", "year", "indicator", "dimension", "status"]
        rows = [
            pd.DataFrame({c: t[c].to_numpy() for c in columns[1:]}).assign(county=name)
            for name, t in self._trends.items()
        ]
        return _concat(rows, columns)[columns].reset_index(drop=True)

    @cached_property
    def schools(self) -> pd.DataFrame:
        return _school_counts(self._values, self._std)

    @cached_property
    def cvs(self) -> pd.DataFrame:
        return balance.balance_from_values(self._values, self._std, by=["county", "year", "stage"])

    @cached_property
    def province_cvs(self) -> pd.DataFrame:
        return balance.balance_from_values(
            self._values.drop(columns="county"), self._std, by=["year", "stage"]
        )

    @cached_property
    def classes(self) -> pd.DataFrame:
        ds = self._pooled
        return _class_bands(ds, counties_of(ds), self._std, self._county_of, self._years)

    @cached_property
    def rotation(self) -> pd.DataFrame:
        frames = [
            _county_rotation(c, self._std, [y for y in c.years if y <= self.year])
            for c in counties_of(self._pooled)
        ]
        columns = ["county", "year", "rotation_ratio", "backbone_share", "rotation_passes"]
        return _concat(frames, columns).reset_index(drop=True)

    @cached_property
    def _plan_frames(self) -> tuple[pd.DataFrame, dict[str, str]]:
        plan_rows, plan_errors = [], {}
        counties = counties_of(self._pooled)
        for county in counties:
            if self.year not in county.years:
                continue
            passing = self._movable_pass(county)
            try:
                plan_rows.append(_county_plan(county, self._std, self.year, self._costs, passing))
            except (AnalysisError, ParameterError) as exc:  # data the plan cannot use, or no plans
                plan_errors[county.name] = str(exc)
        return _plans(plan_rows, counties, self.year, plan_errors).reset_index(drop=True), plan_errors

    def _movable_pass(self, county) -> bool:
        """Whether the county's scorecard of Y passes every indicator the pathway moves."""
        from eduwb.analysis.pathway import MOVABLE

        card = scorecard.scorecard_table(county, self._std, year=self.year)
        mine = card[card["indicator"].isin(MOVABLE)]
        return len(mine) == len(MOVABLE) and bool((mine["status"] == "pass").all())

    @property
    def plans(self) -> pd.DataFrame:
        return self._plan_frames[0]

    @property
    def plan_errors(self) -> dict[str, str]:
        return self._plan_frames[1]


def counties_of(ds) -> list:
    """The county datasets of a pooled dataset (a county dataset is a province of one)."""
    return list(ds.counties) if getattr(ds, "counties", None) else [ds]


def resolve_province_year(ds, year: int | str | None) -> int:
    """The year asked for (None: the latest year any county has)."""
    years = sorted({int(y) for c in counties_of(ds) for y in c.years})
    return pick_year(
        years, year, empty=f"{ds.name}: no county has any school section", where="the data of any county"
    )


def province_view(
    ds, std: Standard, *, year: int | None = None, costs: dict[str, Any] | None = None
) -> ProvinceView:
    """The :class:`ProvinceView` of a pooled dataset for ``year`` (default the latest), kept on
    the dataset (:func:`eduwb.data.dataset.memoised`) so that a notebook's tables compute it
    once. ``costs`` overrides every county's unit costs (``teacher_per_year=150000`` …)."""
    year = resolve_province_year(ds, year)
    costs = dict(costs or {})
    key = ("province_view", id(std), year, tuple(sorted((k, str(v)) for k, v in costs.items())))
    return memoised(ds, key, lambda: ProvinceView(ds, std, year, costs), pins=(std,))


def _county_of_school(counties: list) -> pd.Series:
    """school_id → county name over every county (school ids must be distinct)."""
    ids = pd.concat([c.schools["school_id"] for c in counties], ignore_index=True)
    names = np.repeat([c.name for c in counties], [len(c.schools) for c in counties])
    mapping = pd.Series(names, index=ids.to_numpy(), dtype=object)
    if mapping.index.has_duplicates:
        twice = sorted(set(mapping.index[mapping.index.duplicated()]))[:5]
        raise AnalysisError(f"school ids shared by two counties: {', '.join(map(str, twice))}")
    return mapping


def _plans(plan_rows: list[pd.DataFrame], counties: list, year: int, plan_errors: dict) -> pd.DataFrame:
    """The counties' pathways as bill rows; a county whose pathway has no action gets one row
    with its (zero) total and no item."""
    columns = ["county", "stage", "indicator", "gap_unit", "addition", "schools_raised", "cost_yuan",
               "total_yuan", "method", "within_cap"]  # fmt: skip
    plans = _concat(plan_rows, columns)
    drawn = {c.name for c in counties if year in c.years} - set(plan_errors) - set(plans["county"])
    if not drawn:
        return plans
    empty = pd.DataFrame({"county": sorted(drawn), "total_yuan": 0.0, "method": "exact", "within_cap": True})
    return pd.concat([plans, empty], ignore_index=True)


def _school_counts(values: pd.DataFrame, std: Standard) -> pd.DataFrame:
    """Schools per county × year × stage, and how many pass the per-school rule (NA: no rule)."""
    rule = balance.school_rule(values, std) if std.school_rule is not None else None
    if rule is not None:
        schools = rule.groupby(["county", "year", "stage"], sort=False).agg(
            schools=("passes", "size"), schools_passing=("passes", "sum")
        )
    else:
        schools = values.groupby(["county", "year", "stage"], sort=False).agg(schools=("school_id", "size"))
        schools["schools_passing"] = pd.NA
    return schools.reset_index()


def _county_rotation(county, std: Standard, own: list[int]) -> pd.DataFrame:
    """A county's teacher rotation ratio, backbone share and verdict in its years ``own``."""
    rot = rotation.rotation_table(county, std)
    rot = rot[rot["year"].isin(own)]
    return pd.DataFrame(
        {
            "county": county.name,
            "year": rot["year"].astype("int64").to_numpy(),
            "rotation_ratio": rot["ratio"].to_numpy(dtype="float64", na_value=np.nan),
            "backbone_share": rot["backbone_share"].to_numpy(dtype="float64", na_value=np.nan),
            "rotation_passes": rot["passes"].to_numpy(dtype=object),
        }
    )


def _concat(frames: list[pd.DataFrame], columns: list[str]) -> pd.DataFrame:
    frames = [f for f in frames if len(f)]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)


def _class_bands(
    pooled, counties: list, std: Standard, county_of: pd.Series, years: list[int]
) -> pd.DataFrame:
    """Classes by band per county × year × stage, from the per-school table of the pooled classes."""
    columns = ["county", "year", "stage", "classes", *classsize.BANDS]
    if pooled.classes is not None and len(counties) > 1:
        frames = (
            [classsize.classsize_table(pooled, std, by="school")] if classsize.has_class_data(pooled) else []
        )
    else:  # some county has no classes table: each county that has one
        frames = [
            classsize.classsize_table(c, std, by="school") for c in counties if classsize.has_class_data(c)
        ]
    if not frames:
        return pd.DataFrame(columns=columns)
    per_school = pd.concat(frames, ignore_index=True)
    per_school = per_school[per_school["year"].isin(years)]
    per_school.insert(0, "county", per_school["school_id"].map(county_of).to_numpy())
    out = (
        per_school.groupby(["county", "year", "stage"], sort=True)[["classes", *classsize.BANDS]]
        .sum()
        .reset_index()
    )
    return out[columns]


def _county_plan(
    county, std: Standard, year: int, costs: dict[str, Any], passing: bool = False
) -> pd.DataFrame:
    """The county's pathway for ``year`` (its own unit costs and annual cap) as bill items, with
    the pathway's ``total_yuan``, ``method`` and ``within_cap`` on every row; none when the
    county's scorecard already passes every indicator the pathway moves (``passing``)."""
    from eduwb.analysis import pathway

    if passing:
        if std.school_rule is None or std.balance_test != "each":
            raise ParameterError(f"standard {std.id}: the pathway needs a per-school rule and CV limits")
        return pd.DataFrame()
    pw = pathway.pathway(county, std, year, with_unpriced=False, **costs)
    rows = pathway.bill_rows(pw.actions)
    cap = (getattr(county.settings, "pathway", {}) or {}).get("annual_budget_yuan")
    rows.insert(0, "county", county.name)
    return rows.assign(
        total_yuan=pw.total_yuan,
        method=pw.method,
        within_cap=cap is None or pw.total_yuan <= float(cap) + 1e-6,
    )


# ----------------------------------------------------------------------------- options


def _options(
    options: dict[str, Any], table: str, *, costs: bool = False
) -> tuple[str | None, dict[str, Any]]:
    """``by`` and the unit-cost overrides a table accepts; anything else is refused."""
    options = dict(options)
    by = options.pop("by", None)
    if by not in _BY:
        raise ParameterError(f"table {table!r}: by must be 'county' (or nothing), not {by!r}")
    if options and not costs:
        raise ParameterError(
            f"table {table!r}: unknown parameter(s) {', '.join(sorted(options))} (known: none)"
        )
    return by, options


def _view(ds, std: Standard, year, costs: dict[str, Any] | None = None) -> ProvinceView:
    if costs:
        # the first county's prices know the unit-cost keys: refuse unknown ones now, once
        from eduwb.analysis.pathway.costs import prices

        prices(counties_of(ds)[0], std, costs)
    return province_view(ds, std, year=year, costs=costs)


def _ids(text: object) -> list[str]:
    return [i for i in str(text).split(",") if i] if isinstance(text, str) else []


# ----------------------------------------------------------------------------- counties


def counties_table(ds, std: Standard, *, year=None, stage=None, **options) -> pd.DataFrame:
    """Every county side by side, per county × year (every year up to ``year``): ``eduwb table
    counties PROVINCE [--year Y] [--stage S]``.

    ``county, year, verdict``; each dimension's status; ``vetoes``; ``failing_count``,
    ``failing`` and ``failing_<dimension>`` (ids comma-joined); ``missing`` (missing inputs and
    undeclared vetoes); ``schools``, ``schools_passing`` (sections in scope, passing the
    per-school rule); ``cv_<stage>_<indicator>`` and ``composite_<stage>``; ``large``,
    ``super_large`` (classes of 56–65 and 66+); ``rotation_ratio`` (G11). Sorted by county (the
    province's order), then year; ``--stage`` keeps that stage's schools, CVs and classes."""
    _options(options, "counties")
    stage = resolve_stage(std, stage)
    view = _view(ds, std, year)
    stages = [stage] if stage else view.stages
    out = view.verdicts[["county", "year", "verdict", *view.dimensions, "vetoes"]].copy()
    failing = view.verdicts["failing"].map(_ids)
    out["failing_count"] = failing.map(len).astype("int64")
    out["failing"] = view.verdicts["failing"].to_numpy()
    dim_of = view.scorecards.drop_duplicates("indicator").set_index("indicator")["dimension"]
    for dim in view.dimensions:
        out[f"failing_{dim}"] = failing.map(lambda ids, d=dim: ",".join(i for i in ids if dim_of.get(i) == d))
    out["missing"] = view.verdicts["missing"].to_numpy()

    keys = ["county", "year"]

    def summed(frame: pd.DataFrame, columns: list[str]):
        return frame[frame["stage"].isin(stages)].groupby(keys, sort=False)[columns]

    # no per-school rule (moe-2012): schools_passing stays NA
    out = out.join(summed(view.schools, ["schools", "schools_passing"]).sum(min_count=1), on=keys)
    cv = view.cvs[view.cvs["stage"].isin(stages)]
    cv = cv.assign(column=np.where(cv["indicator"] == balance.COMPOSITE, "composite_" + cv["stage"],
                                   "cv_" + cv["stage"] + "_" + cv["indicator"]))  # fmt: skip
    wide = cv.pivot(index=keys, columns="column", values="cv")
    order = [f"cv_{s}_{i}" for s in stages for i in view.indicators] + [f"composite_{s}" for s in stages]
    out = out.join(wide.reindex(columns=order).astype("Float64"), on=keys)
    out = out.join(summed(view.classes, ["large", "super_large"]).sum(), on=keys)
    out = out.join(view.rotation.set_index(keys)["rotation_ratio"], on=keys)
    counts = dict.fromkeys(["schools", "schools_passing", "large", "super_large"], "Int64")
    out = out.astype({**counts, "rotation_ratio": "Float64"})
    return sorted_by(out, [("county", _rank(view.counties)), "year"]).reset_index(drop=True)


def _rank(items) -> dict:
    return {item: i for i, item in enumerate(items)}


# ----------------------------------------------------------------------------- readiness


def readiness_table(ds, std: Standard, *, year=None, stage=None, **options) -> pd.DataFrame:
    """Counties ranked by their distance to recognition in ``year`` (module docstring): ``eduwb
    table readiness PROVINCE [--year Y] [--param teacher_per_year=…]``.

    One row per county: ``rank, county, year, verdict, readiness`` (:data:`READINESS`),
    ``failing_count, failing``, ``blocking`` (failing ids no plan closes), ``missing``, ``vetoes``,
    ``large`` (classes of 56+), ``plan_cost_yuan`` (the whole pathway's cost; NA when it could not
    be drawn) and ``plan_note`` (why not)."""
    if stage is not None:
        raise ParameterError("readiness: a county is judged as a whole; --stage does not apply")
    _, costs = _options(options, "readiness", costs=True)
    view = _view(ds, std, year, costs)
    y = view.year
    verdicts = view.year_verdicts[view.year_verdicts["year"] == y].set_index("county")
    at_least_56 = list(classsize.BANDS[classsize.BANDS.index("large") :])  # 大班额 and 超大班额
    big = view.classes[view.classes["year"] == y].groupby("county")[at_least_56].sum().sum(axis=1)
    totals = view.plans.drop_duplicates("county").set_index("county") if len(view.plans) else None
    cost = totals["total_yuan"] if totals is not None else pd.Series(dtype="float64")
    within = totals["within_cap"] if totals is not None else pd.Series(dtype=bool)
    rows = []
    for county in view.counties:
        if county not in verdicts.index:
            rows.append({"county": county, "year": y, "verdict": "no_data", "readiness": "no_data"})
            continue
        large = int(big.get(county, 0))
        rows.append(_readiness_row(view, county, verdicts.loc[county], large, cost, within))
    columns = ["county", "year", "verdict", "readiness", "failing_count", "failing", "blocking", "missing",
               "vetoes", "large", "plan_cost_yuan", "plan_note"]  # fmt: skip
    out = pd.DataFrame(rows).reindex(columns=columns)
    out = out.astype({"failing_count": "Int64", "large": "Int64", "plan_cost_yuan": "Float64"})
    text = ["failing", "blocking", "missing", "vetoes", "plan_note"]
    out[text] = out[text].fillna("")
    return _readiness_ranked(out, view.counties)


def _readiness_row(view, county: str, v: pd.Series, large: int, cost: pd.Series, within: pd.Series) -> dict:
    """One county's row of :func:`readiness_table` from its verdict row ``v`` of the view's year."""
    from eduwb.analysis.pathway import MOVABLE

    failing, missing, vetoes = _ids(v["failing"]), _ids(v["missing"]), _ids(v["vetoes"])
    plan_ok = county not in view.plan_errors
    closable = {i for i in failing if i in MOVABLE}
    blocking = [i for i in failing if i not in closable]
    if plan_ok and closable and not bool(within.get(county, True)):
        blocking.append("budget")  # the pathway costs more than the county's annual cap
    if v["verdict"] == "pass":
        readiness = "passes"
    elif vetoes:
        readiness = "vetoed"
    elif blocking:
        readiness = "far"
    elif missing or (closable and not plan_ok):
        readiness = "incomplete"
    else:
        readiness = "next_year"
    return {
        "county": county,
        "year": view.year,
        "verdict": v["verdict"],
        "readiness": readiness,
        "failing_count": len(failing),
        "failing": ",".join(failing),
        "blocking": ",".join(blocking),
        "missing": ",".join(missing),
        "vetoes": ",".join(vetoes),
        "large": large,
        "plan_cost_yuan": float(cost.get(county, 0.0)) if plan_ok else np.nan,
        "plan_note": view.plan_errors.get(county, ""),
    }


def _readiness_ranked(out: pd.DataFrame, counties: list[str]) -> pd.DataFrame:
    """Readiness rows ranked: readiness, blocking, failing, missing, plan cost, then county order."""
    n_ids = lambda text: len(_ids(text))  # noqa: E731
    keys = [("readiness", _rank(READINESS)), ("blocking", n_ids), "failing_count", ("missing", n_ids),
            "plan_cost_yuan", ("county", _rank(counties))]  # fmt: skip
    out = sorted_by(out, keys).reset_index(drop=True)
    out.insert(0, "rank", np.arange(1, len(out) + 1, dtype="int64"))
    return out


# ----------------------------------------------------------------------------- province balance


def province_balance_table(ds, std: Standard, *, year=None, stage=None, **options) -> pd.DataFrame:
    """The distribution of each CV across the counties, per year (every year up to ``year``):
    ``eduwb table province_balance PROVINCE [--by county]``.

    Per year × stage × indicator (R1–R7 and ``composite``): ``counties`` (with a CV), ``min, q1,
    median, q3, max, mean`` of the county CVs, ``limit``, ``counties_over`` and ``province_cv``,
    the CV over every school of the province at once (a reference: the between-county spread is
    part of it). ``by="county"``: each county's own balance rows (``county, year, stage,
    indicator, cv, limit, passes, status``)."""
    by, _ = _options(options, "province_balance")
    stage = resolve_stage(std, stage)
    view = _view(ds, std, year)
    cvs = view.cvs if stage is None else view.cvs[view.cvs["stage"] == stage]
    if by == "county":
        columns = ["county", "year", "stage", "indicator", "cv", "limit", "passes", "status"]
        seq = _rank([*view.indicators, balance.COMPOSITE])
        keys = [("county", _rank(view.counties)), "year", ("stage", _rank(view.stages)), ("indicator", seq)]
        return sorted_by(cvs[columns], keys).reset_index(drop=True)
    keys = ["year", "stage", "indicator"]
    x = cvs.assign(cv=cvs["cv"].astype("float64"), over=cvs["passes"].eq(False).fillna(False).astype(bool))
    grouped = x.groupby(keys, sort=False)
    out = grouped["cv"].agg(
        counties="count",
        min="min",
        q1=lambda s: s.quantile(0.25),
        median="median",
        q3=lambda s: s.quantile(0.75),
        max="max",
        mean="mean",
    )
    out["limit"] = grouped["limit"].first().astype("float64")
    out["counties_over"] = grouped["over"].sum().astype("int64")
    out = out.reset_index()
    ref = view.province_cvs if stage is None else view.province_cvs[view.province_cvs["stage"] == stage]
    out = out.merge(ref[keys + ["cv"]].rename(columns={"cv": "province_cv"}), on=keys, how="left")
    out["province_cv"] = out["province_cv"].astype("Float64")
    out["counties"] = out["counties"].astype("int64")
    seq = _rank([*view.indicators, balance.COMPOSITE])
    return sorted_by(out, ["year", ("stage", stage_rank(std)), ("indicator", seq)]).reset_index(drop=True)


# ----------------------------------------------------------------------------- the bill


def bill_table(ds, std: Standard, *, year=None, stage=None, **options) -> pd.DataFrame:
    """Every county's pathway for ``year`` summed over the province, with its cost: ``eduwb table
    bill PROVINCE [--year Y] [--stage S] [--by county] [--param …]``.

    Each county's pathway (:mod:`eduwb.analysis.pathway`, its own unit costs) as bill items
    (:func:`eduwb.analysis.pathway.bill_rows`: teachers hired, each once whatever needs it meets;
    m², 元, rooms, classes, pupils moved, places, hours, certificates, rotations) summed per stage
    × item (stage ``""``: what a whole school or the county buys): ``stage, indicator, gap_unit,
    addition, counties`` (adding anything), ``schools_raised, cost_yuan``. ``by="county"``:
    ``county`` first, per county × stage × item, without the counties whose pathway could not be
    drawn. ``--stage`` keeps that stage's rows and the whole-school ones."""
    from eduwb.analysis.pathway import BILL_UNITS

    by, costs = _options(options, "bill", costs=True)
    stage = resolve_stage(std, stage)
    view = _view(ds, std, year, costs)
    plans = view.plans[view.plans["indicator"].notna()] if len(view.plans) else view.plans
    if stage is not None and len(plans):
        plans = plans[plans["stage"].isin([stage, ""])]
    order = [("indicator", _rank(BILL_UNITS)), ("stage", _rank(["", *stage_rank(std)]))]
    columns = ["stage", "indicator", "gap_unit", "addition", "schools_raised", "cost_yuan"]
    if by == "county":
        out = plans[plans["addition"].astype("float64") > 0] if len(plans) else plans
        out = sorted_by(out, [("county", _rank(view.counties)), *order])
        return (
            out[["county", *columns]].reset_index(drop=True)
            if len(out)
            else pd.DataFrame(columns=["county", *columns])
        )
    bill_columns = ["stage", "indicator", "gap_unit", "addition", "counties", "schools_raised", "cost_yuan"]
    if not len(plans):
        return pd.DataFrame(columns=bill_columns)
    summed = plans.groupby(["stage", "indicator", "gap_unit"], sort=False).agg(
        addition=("addition", "sum"),
        counties=("county", "nunique"),
        schools_raised=("schools_raised", "sum"),
        cost_yuan=("cost_yuan", "sum"),
    )
    out = sorted_by(summed.reset_index(), order)
    out = out.astype(
        {"addition": "float64", "cost_yuan": "float64", "counties": "int64", "schools_raised": "int64"}
    )
    return out[bill_columns].reset_index(drop=True)


# ----------------------------------------------------------------------------- one county


def county_scorecard(
    ds, std: Standard, county: str, *, year=None, lang: str = "zh"
) -> tuple[pd.DataFrame, dict]:
    """One county's scorecard and verdict for ``year`` (its latest when None or not in its data).

    For the county picker of notebook 04: :func:`eduwb.analysis.scorecard.scorecard_table` and
    :func:`eduwb.analysis.scorecard.verdict_summary` of that county alone.
    """
    by_name = {c.name: c for c in counties_of(ds)}
    if county not in by_name:
        raise ParameterError(f"no county {county!r} in {ds.name} (counties: {', '.join(by_name)})")
    own = by_name[county]
    year = int(year) if year is not None and int(year) in own.years else None
    card = scorecard.scorecard_table(own, std, year=year, lang=lang)
    return card, scorecard.verdict_summary(card, std, own.name, lang)
