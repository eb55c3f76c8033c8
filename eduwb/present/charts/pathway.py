"""The pathway (达标路径) as people read it: action, unit, method and source labels, the intro.

The tables come from :func:`eduwb.analysis.pathway.pathway_tables`; this module only turns
their codes into words (Simplified Chinese by default, English on request) for notebook 01
and the report.
"""

from __future__ import annotations

import pandas as pd

from eduwb import numbers
from eduwb.lang import pick
from eduwb.present.words import GAP_UNITS, pick_all
from eduwb.standards import Standard

WAN = 10_000  # costs are written in 万元 (10,000 yuan)

ACTIONS = {
    "move_pupils": ("分流学生", "move pupils"),
    "new_campus_places": ("新建校区学位", "new campus places"),
    "staff_new_campus": ("新校区配备教师", "staff the new campus"),
    "add_classes": ("增设班级", "add classes"),
    "reform_classes": ("重新分班", "re-form classes"),
    "build_classrooms": ("新建普通教室", "build classrooms"),
    "build_music_rooms": ("新建音乐教室", "build music rooms"),
    "build_art_rooms": ("新建美术教室", "build art rooms"),
    "rebuild_music_room": ("改扩建音乐教室", "rebuild a music room"),
    "rebuild_art_room": ("改扩建美术教室", "rebuild an art room"),
    "hire_teachers": ("招聘教师", "hire teachers"),
    "add_teaching_aux_area_m2": ("新建教学及辅助用房", "build teaching space"),
    "add_sports_field_area_m2": ("新建体育运动场地", "build sports ground"),
    "add_equipment_value_yuan": ("购置教学仪器设备", "buy teaching equipment"),
    "add_multimedia_rooms": ("建设网络多媒体教室", "equip multimedia classrooms"),
    "premium_teachers_above_degree": ("高学历教师加价", "premium: above the required degree"),
    "premium_backbone_teachers": ("骨干教师加价", "premium: backbone"),
    "premium_pe_art_teachers": ("体育艺术教师加价", "premium: PE and art"),
    "train_teachers": ("教师补足培训学时", "training hours"),
    "certify_teachers": ("教师取得资格证", "teaching certificates"),
    "rotate_teachers": ("增加交流轮岗教师", "more teacher rotations"),
}
UNITS = {
    **GAP_UNITS,
    # the unit costs' units, as the standard's [pathway.unit_costs] writes them
    "元/人·年": ("元/人·年", "yuan per person-year"),
    "元/人": ("元/人", "yuan per person"),
    "元/m²": ("元/m²", "yuan per m²"),
    "元/间": ("元/间", "yuan per room"),
    "元/元": ("元/元", "yuan per yuan"),
    "元/学位": ("元/学位", "yuan per place"),
    "元/学时": ("元/学时", "yuan per hour"),
}
METHODS = {
    "exact": ("最低费用", "least-cost"),
    "estimate": ("估算", "estimate"),
}
SOURCES = {
    "county estimate": ("示例估算（请县里核定）", "illustrative estimate (county to confirm)"),
    "county.toml": ("县级设置（county.toml）", "county settings (county.toml)"),
    "parameter": ("本次参数", "parameter of this run"),
    "the indicator is in 元": ("指标本身以元计", "the indicator is in yuan"),
}
COST_KEYS = {
    "teacher_per_year": ("教师年薪", "teacher, per year"),
    "building_m2": ("校舍造价", "building, per m²"),
    "sports_field_m2": ("运动场地造价", "sports ground, per m²"),
    "multimedia_room": ("网络多媒体教室", "multimedia classroom"),
    "equipment_yuan": ("教学仪器设备", "equipment"),
    "school_place": ("新建学位", "new school place"),
    "training_hour": ("培训学时", "training hour"),
    "certification": ("教师资格证", "teaching certificate"),
    "rotation_move": ("交流轮岗补助", "rotation allowance"),
    "above_degree_premium": ("高学历加价", "above-degree premium"),
    "backbone_premium": ("骨干加价", "backbone premium"),
    "pe_art_premium": ("体育艺术加价", "PE/art premium"),
}
KINDS = {
    "indicator": ("指标", "indicator"),
    "veto": ("一票否决", "veto"),
    "budget": ("年度预算", "annual budget"),
}
_COLUMNS = {
    "action": ACTIONS,
    "unit": UNITS,
    "method": METHODS,
    "source": SOURCES,
    "cost_key": COST_KEYS,
    "kind": KINDS,
}


def localise(df: pd.DataFrame, std: Standard, lang: str = "zh") -> pd.DataFrame:
    """The codes of a pathway table in words; stage names; ids of target schools as names.

    A schedule's year is when an action is done, a plan year after the data's: it is shown as
    实施年份 (``action_year``), never as the data's 学年 (``year``)."""
    out = df.copy()
    if "deadline" in out or "cumulative_yuan" in out:  # the schedule and the cost by year
        out = out.rename(columns={"year": "action_year"})
    for col, words in _COLUMNS.items():
        if col in out:
            out[col] = out[col].map(pick_all(words, lang)).fillna(out[col])
    if "grade" in out:  # an action for a whole school has no grade: not applicable, not missing
        out["grade"] = out["grade"].astype(object).where(out["grade"].notna(), "—")
    if "stage" in out:
        out["stage"] = out["stage"].map(lambda s: std.stage_name(s, lang) if s in std.stages else "")
    if "cap_yuan" in out:
        out["cap_yuan"] = (
            out["cap_yuan"].astype(object).where(out["cap_yuan"].notna(), pick(("不设上限", "none"), lang))
        )
    for col in ("late", "used", "feasible_in_cap"):
        if col in out:
            out[col] = out[col].map({True: pick(("是", "yes"), lang), False: pick(("否", "no"), lang)})
    return out


def method_word(method: str, lang: str = "zh") -> str:
    """最低费用 for an exact pathway, 估算 for an estimate (never 最低 for an estimate)."""
    return pick(METHODS.get(method, METHODS["estimate"]), lang)


def intro(summary: pd.DataFrame, unpriced: pd.DataFrame, lang: str = "zh") -> str:
    """The paragraph before the pathway's tables: what it costs, how sure, what it cannot buy."""
    row = summary.iloc[0]
    cost = numbers.number(float(row["cost_yuan"]) / WAN, 1)
    word = method_word(str(row["method"]), lang)
    year, target = int(row["year"]), int(row["target_year"])
    span_zh = f"{year}" if target == year else f"{year}—{target}"
    span_en = f"in {year}" if target == year else f"over {year}–{target}"
    zh = (
        f"按 {year} 年数据，使资源配置（R1–R7）、音乐美术教室（G3）、学校规模（G4）、班额（G5）、"
        f"教师培训（G9）、交流轮岗（G11）和持证上岗（G12）全部达标，共需 {int(row['actions'])} 项行动，"
        f"费用合计 **{cost} 万元**（{word}）；安排在 {span_zh} 年。"
    )
    en = (
        f"On the {year} data, {int(row['actions'])} actions bring R1–R7, music and art rooms (G3), school "
        f"size (G4), class size (G5), training (G9), rotation (G11) and certification (G12) to the standard, "
        f"for **{cost} × 10,000 yuan** ({word}), scheduled {span_en}."
    )
    if str(row["method"]) != "exact":
        zh += "学生分流的去向按就近规则选定（或差异系数需要另加下限），所以结果为估算，不是已证明的最低费用。"
        en += (
            " Where pupils go is chosen by nearness (or the CV limits needed floors), so this is an"
            " estimate, not a proven least cost."
        )
    if not bool(row["feasible_in_cap"]):
        zh += "年度预算上限内无法按期完成，见“未能按期完成”表。"
        en += " The annual budget cap cannot fund it in time: see the misses."
    n = len(unpriced)
    if n:
        zh += f"另有 {n} 项未达标或缺数据的指标（或否决情形）无法用钱或行政手段直接解决，列于最后一表。"
        en += (
            f" {n} failing or missing indicators (or vetoes) are beyond money or administrative action:"
            " see the last table."
        )
    return pick((zh, en), lang)
