"""A new campus for the pupils no school can take (G4): its rows in every table.

The campus is a new school of the sending stage's kind in the sender's township and locale,
built and staffed to the thresholds so that it passes R1–R7, G3 and G5 on its own (priced
``school_place`` per place plus ``teacher_per_year`` per teacher).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from eduwb.analysis.pathway.amounts import PREMIUM_KEYS, target_column


def _campus_id(work, sender_id: str) -> str:
    ids = set(work.ds.schools["school_id"])
    k = 1
    while f"{sender_id}X{k}" in ids:
        k += 1
    return f"{sender_id}X{k}"


def _append(frame: pd.DataFrame, row: dict) -> pd.DataFrame:
    full = {c: row.get(c, pd.NA) for c in frame.columns}
    return pd.concat([frame, pd.DataFrame([full]).astype(frame.dtypes.to_dict())], ignore_index=True)


def _teacher_counts(std, stage: str, places: int) -> dict[str, int]:
    """The teachers with each attribute R1–R3 need for ``places`` pupils (at the thresholds)."""
    return {
        target_column(ind): int(np.ceil(float(ind.threshold_for(stage)) * places / float(ind.per) - 1e-9))
        for ind in std.resource_indicators
        if target_column(ind) in PREMIUM_KEYS
    }


def _facility_row(work, campus: str, stage: str, places: int, rooms: int) -> dict:
    """The campus's facilities: every resource indicator at its threshold, rounded up to the
    statistics' precision, and the music and art rooms of the minimum area."""
    std, p = work.std, work.prices
    g3 = std.indicator("G3").params
    row = {"school_id": campus, "year": work.year, "indoor_sports_area_m2": 0.0}
    for ind in std.resource_indicators:
        col = target_column(ind)
        if col in PREMIUM_KEYS:
            continue
        step = p.addition_step.get(ind.gap_unit, 1.0)
        amount = float(ind.threshold_for(stage)) * places / float(ind.per)
        row[col] = float(np.ceil(amount / step - 1e-9) * step)
    music, art = float(g3["music_room_min_area_m2"]), float(g3["art_room_min_area_m2"])
    row.update(music_rooms=rooms, art_rooms=rooms, music_room_min_area_m2=music, art_room_min_area_m2=art)
    row["teaching_aux_area_m2"] = row.get("teaching_aux_area_m2", 0.0) + rooms * (music + art)
    row["multimedia_rooms"] = int(row.get("multimedia_rooms", 0))
    return row


def add_campus(work, sender: pd.Series, stage: str, places: int, grades: pd.Series) -> str:
    """Add the campus's school, section and facilities rows; record its staff as hires; its id."""
    std, year = work.std, work.year
    campus = _campus_id(work, sender["school_id"])
    school = dict(school_id=campus, name=f"{sender['name']}新校区", kind=stage, locale=sender["locale"],
                  township=sender.get("township", pd.NA), sponsor="public", boarding=False,
                  built_year=year)  # fmt: skip
    limit = std.class_size_standard(stage)
    shares = grades if len(grades) else pd.Series([places])
    classes = int(np.ceil(shares / limit).sum())
    rooms = int(np.ceil(classes / std.indicator("G3").params["classes_per_room"]))
    counts = _teacher_counts(std, stage, places)
    teachers = max(
        [*counts.values(), int(np.ceil(classes * work.prices.teachers_per_class[stage] - 1e-9)), 1]
    )
    section = dict(
        school_id=campus, year=year, stage=stage, students=places, classes=classes, teachers=teachers
    )
    work.set(
        schools=_append(work.ds.schools, school),
        sections=_append(work.ds.sections, {**section, **counts}),
        facilities=_append(work.ds.facilities, _facility_row(work, campus, stage, places, rooms)),
    )
    attributes = {col: counts.get(col, 0) for col in PREMIUM_KEYS}
    work.hires.append(dict(school_id=campus, stage=stage, n=teachers, **attributes))
    work.act(indicator="G4", action="staff_new_campus", school_id=campus, stage=stage, target_school_id="",
             quantity=teachers, unit="teachers", cost_key="teacher_per_year")  # fmt: skip
    return campus
