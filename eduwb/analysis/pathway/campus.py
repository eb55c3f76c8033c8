"""A new campus for the pupils no school can take (G4): its rows in every table.

The campus is a new school of the sending stage's kind, in the sender's township and
locale, opened in the pathway's year with the pupils moved to it. It is built and staffed
to the standard's thresholds, so that it passes R1–R7, G3 and G5 on its own: floor area,
sports ground, equipment and multimedia rooms at the thresholds (priced together as
``school_place`` per place), music and art rooms of the minimum area for its classes, and
the teachers R1–R3 and its classes need (hired, ``teacher_per_year`` each).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from eduwb.analysis.pathway.amounts import target_column


def _campus_id(work, sender_id: str) -> str:
    ids = set(work.table("schools")["school_id"])
    k = 1
    while f"{sender_id}X{k}" in ids:
        k += 1
    return f"{sender_id}X{k}"


def add_campus(work, sender: pd.Series, stage: str, places: int, grades: pd.Series) -> str:
    """Add the campus's school, section and facilities rows; record its staff as hires; its id."""
    std, year, p = work.std, work.year, work.prices
    campus = _campus_id(work, sender["school_id"])
    schools = work.table("schools")
    row = {c: pd.NA for c in schools.columns}
    row.update(
        school_id=campus,
        name=f"{sender['name']}新校区",
        kind=stage,
        parent_id=pd.NA,
        locale=sender["locale"],
        township=sender.get("township", pd.NA),
        sponsor="public",
        boarding=False,
        built_year=year,
    )
    schools = pd.concat([schools, pd.DataFrame([row]).astype(schools.dtypes.to_dict())], ignore_index=True)
    limit = std.class_size_standard(stage)
    classes = (
        int(grades.map(lambda n: int(np.ceil(n / limit))).sum())
        if len(grades)
        else int(np.ceil(places / limit))
    )
    need = {}
    for ind in std.resource_indicators:
        need[ind.id] = float(ind.threshold_for(stage)) * places / float(ind.per)
    per_room = std.indicator("G3").params["classes_per_room"]
    rooms = int(np.ceil(classes / per_room))
    g3 = std.indicator("G3").params
    teacher_cols = {
        target_column(ind): ind
        for ind in std.resource_indicators
        if ind.gap_integer and ind.cost_key == "teacher_per_year"
    }
    counts = {col: int(np.ceil(need[ind.id] - 1e-9)) for col, ind in teacher_cols.items()}
    teachers = max([*counts.values(), int(np.ceil(classes * p.teachers_per_class[stage] - 1e-9)), 1])
    sec = work.table("sections")
    srow = {c: pd.NA for c in sec.columns}
    srow.update(
        school_id=campus,
        year=year,
        stage=stage,
        students=places,
        classes=classes,
        teachers=teachers,
        **counts,
    )
    sec = pd.concat([sec, pd.DataFrame([srow]).astype(sec.dtypes.to_dict())], ignore_index=True)
    fac = work.table("facilities")
    frow = {c: (0 if c not in ("school_id", "year", "stage") else pd.NA) for c in fac.columns}
    frow.update(school_id=campus, year=year)
    for ind in std.resource_indicators:
        col = target_column(ind)
        if col not in teacher_cols:
            amount = need[ind.id]
            frow[col] = float(np.ceil(amount - 1e-9)) if ind.gap_integer else amount
    frow.update(
        music_rooms=rooms,
        art_rooms=rooms,
        music_room_min_area_m2=float(g3["music_room_min_area_m2"]),
        art_room_min_area_m2=float(g3["art_room_min_area_m2"]),
    )
    frow["teaching_aux_area_m2"] = frow.get("teaching_aux_area_m2", 0) + rooms * (
        float(g3["music_room_min_area_m2"]) + float(g3["art_room_min_area_m2"])
    )
    fac = pd.concat([fac, pd.DataFrame([frow]).astype(fac.dtypes.to_dict())], ignore_index=True)
    work.set(schools=schools, sections=sec, facilities=fac)
    work.hires.append(
        dict(
            school_id=campus,
            stage=stage,
            n=teachers,
            above_degree=counts.get("teachers_above_degree", 0),
            backbone=counts.get("backbone_teachers", 0),
            pe_art=counts.get("pe_art_teachers", 0),
        )
    )
    work.act(
        indicator="G4",
        action="staff_new_campus",
        school_id=campus,
        stage=stage,
        target_school_id="",
        quantity=teachers,
        unit="teachers",
        cost_key="teacher_per_year",
        method="exact",
    )
    return campus
