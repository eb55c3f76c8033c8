"""The guarantee, quality and recognition indicators no other module computes: G3, Q1, Q4, S1.

Each returns a table of the units the indicator is judged on (the schools of its scope in the
standard, the county cohort, survey groups) with a ``status``; :mod:`eduwb.analysis.judging`
makes one scorecard row of each. Every threshold comes from the standard's entry.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from eduwb.analysis.scope import resolve_year, schools_in_scope
from eduwb.data.dataset import Dataset
from eduwb.standards import Standard

PASS, FAIL, MISSING = "pass", "fail", "missing"


def _status(passes: pd.Series, known: pd.Series) -> pd.Series:
    return pd.Series(np.where(~known, MISSING, np.where(passes, PASS, FAIL)), index=passes.index)


# ----------------------------------------------------------------------------- G3


def music_art_rooms_table(
    ds: Dataset, std: Standard, *, year: int | None = None, stage: str | None = None, **options
) -> pd.DataFrame:
    """G3 per school of its scope (moe-2017 ``all_schools``: "every school", teaching points and
    special schools included): ``ceil(classes / classes_per_room)`` music rooms and as many art
    rooms, the smallest of each reaching the standard's area.

    Per-stage facility rows are summed (rooms) and their smallest rooms taken (areas). With
    ``relaxations_2019`` (county.toml), the 2019 relaxations lower the areas for schools built by
    the cut-off year and for small rural schools whose largest class is below the limit.
    ``missing``: no facilities row.
    """
    del stage, options
    year = resolve_year(ds, year)
    params = std.indicator("G3").params
    per_room = params["classes_per_room"]
    schools = schools_in_scope(ds, std, "G3", year)

    fac = ds.facilities[ds.facilities["year"] == year]
    rooms = fac.groupby("school_id").agg(
        music_rooms=("music_rooms", "sum"),
        art_rooms=("art_rooms", "sum"),
        music_room_min_area_m2=("music_room_min_area_m2", "min"),
        art_room_min_area_m2=("art_room_min_area_m2", "min"),
    )
    out = schools.join(rooms, on="school_id")
    known = out["music_rooms"].notna()
    out["year"] = year
    out["rooms_needed"] = np.ceil(out["classes"] / per_room).astype("int64")

    old = has_small = pd.Series(False, index=out.index)
    if ds.settings.relaxations_2019:
        rel = std.relaxations
        old = (out["built_year"] <= rel["music_art_room_area_built_by"]).fillna(False).astype(bool)
        small = _small_rural_area(ds, rel, year, out)
        has_small = small.notna()
    out["relaxed"] = old | has_small
    for kind in ("music", "art"):
        limit = pd.Series(float(params[f"{kind}_room_min_area_m2"]), index=out.index)
        if ds.settings.relaxations_2019:
            limit = limit.where(~old, np.minimum(limit, rel[f"{kind}_room_min_area_m2"]))
            limit = limit.where(~has_small, np.minimum(limit, small))
        out[f"{kind}_area_limit"] = limit
        out[f"{kind}_short"] = known & (out[f"{kind}_rooms"] < out["rooms_needed"])
        # rooms > 0 always carry their smallest area (the loader requires it)
        out[f"{kind}_small"] = known & (out[f"{kind}_rooms"] > 0) & (out[f"{kind}_room_min_area_m2"] < limit)
    failing = out[["music_short", "art_short", "music_small", "art_small"]].any(axis=1)
    out["status"] = _status(~failing, known)
    for col in ("music_rooms", "art_rooms"):
        out[col] = out[col].astype("Int64")
    cols = [
        "school_id", "school_name", "kind", "year", "classes", "rooms_needed", "music_rooms", "art_rooms",
        "music_room_min_area_m2", "art_room_min_area_m2", "music_area_limit", "art_area_limit", "relaxed",
        "music_short", "art_short", "music_small", "art_small", "status",
    ]  # fmt: skip
    return out[cols]


def _small_rural_area(ds: Dataset, rel: dict, year: int, schools: pd.DataFrame) -> pd.Series:
    """The relaxed room area of rural schools whose largest class is below the limit (NaN otherwise)."""
    none = pd.Series(np.nan, index=schools.index)
    if ds.classes is None:
        return none
    cls = ds.classes[ds.classes["year"] == year]
    largest = cls.groupby("school_id")["students"].max()
    by_stage = rel.get("small_rural_room_area_m2", {})
    sec = ds.sections[(ds.sections["year"] == year) & ds.sections["stage"].isin(list(by_stage))]
    # a room serving both stages is held to the larger of the stages' relaxed areas
    area = sec.assign(area=sec["stage"].map(by_stage)).groupby("school_id")["area"].max()
    small = (schools["locale"] == "rural") & (
        schools["school_id"].map(largest) < rel["small_rural_max_class_below"]
    )
    return schools["school_id"].map(area).where(small, np.nan).astype(float)


# ----------------------------------------------------------------------------- Q1


def retention_table(
    ds: Dataset, std: Standard, *, year: int | None = None, stage: str | None = None, **options
) -> pd.DataFrame:
    """Q1 per year (None: all): the three-year junior retention rate from ``cohorts``,
    (graduates − transfers_in + transfers_out) / (entrants_3y_ago − deaths) (docs/method.md)."""
    del stage, options
    cols = [
        "year", "graduates", "entrants_3y_ago", "transfers_in", "transfers_out", "deaths",
        "retention_rate", "threshold", "status",
    ]  # fmt: skip
    if ds.cohorts is None:
        return pd.DataFrame(columns=cols)
    co = ds.cohorts if year is None else ds.cohorts[ds.cohorts["year"] == resolve_year(ds, year)]
    co = co.sort_values("year").reset_index(drop=True)
    threshold = std.indicator("Q1").threshold_for()
    # the loader guarantees deaths < entrants_3y_ago, so the base is positive
    rate = (co["graduates"] - co["transfers_in"] + co["transfers_out"]) / (
        co["entrants_3y_ago"] - co["deaths"]
    )
    out = co.assign(retention_rate=rate.astype(float), threshold=float(threshold))
    out["status"] = _status(out["retention_rate"] >= threshold, out["retention_rate"].notna())
    return out[cols]


# ----------------------------------------------------------------------------- Q4


def training_funds_table(
    ds: Dataset, std: Standard, *, year: int | None = None, stage: str | None = None, **options
) -> pd.DataFrame:
    """Q4 per school of its scope (moe-2017 ``budget_schools``: teaching points are budgeted with
    their parent school): training funds ÷ public funds; ``missing`` without a budget row."""
    del stage, options
    cols = [
        "school_id", "school_name", "year", "public_funds_yuan", "training_funds_yuan",
        "share", "threshold", "status",
    ]  # fmt: skip
    if ds.budget is None:
        return pd.DataFrame(columns=cols)
    year = resolve_year(ds, year)
    threshold = float(std.indicator("Q4").threshold_for())
    schools = schools_in_scope(ds, std, "Q4", year)
    bud = ds.budget[ds.budget["year"] == year].set_index("school_id")[
        ["public_funds_yuan", "training_funds_yuan"]
    ]
    listed = pd.Index(schools["school_id"]).union(bud.index)
    names = ds.schools.set_index("school_id")["name"]
    out = pd.DataFrame({"school_id": listed}).join(bud, on="school_id")
    out["school_name"] = out["school_id"].map(names)
    out["year"] = year
    # public_funds_yuan > 0 is a loader rule, so the share is defined wherever a row exists
    out["share"] = out["training_funds_yuan"] / out["public_funds_yuan"]
    out["threshold"] = threshold
    out["status"] = _status(out["share"] >= threshold, out["share"].notna())
    return out[cols].sort_values("school_id").reset_index(drop=True)


# ----------------------------------------------------------------------------- S1


def recognition_table(
    ds: Dataset, std: Standard, *, year: int | None = None, stage: str | None = None, **options
) -> pd.DataFrame:
    """S1 per year × group and ``all``: the satisfied share of valid questionnaires (only ``all``
    is the test; ``missing`` without a valid questionnaire)."""
    del stage, options
    cols = ["year", "group", "valid", "satisfied", "rate", "threshold", "status"]
    if ds.survey is None:
        return pd.DataFrame(columns=cols)
    from eduwb.data.schema import SURVEY_GROUPS

    sv = ds.survey if year is None else ds.survey[ds.survey["year"] == resolve_year(ds, year)]
    threshold = float(std.indicator("S1").threshold_for())
    groups = sv[["year", "group", "valid", "satisfied"]]
    total = sv.groupby("year", as_index=False)[["valid", "satisfied"]].sum().assign(group="all")
    out = pd.concat([groups, total[["year", "group", "valid", "satisfied"]]], ignore_index=True)
    order = {g: n for n, g in enumerate([*SURVEY_GROUPS, "all"])}
    out = out.assign(_order=out["group"].map(order)).sort_values(["year", "_order"]).drop(columns="_order")
    valid = out["valid"].astype(float)
    out["rate"] = (out["satisfied"] / valid.where(valid > 0)).astype(float)
    out["threshold"] = threshold
    out["status"] = _status(out["rate"] >= threshold, out["rate"].notna())
    return out[cols].reset_index(drop=True)
