"""A county on the boundaries of the display rule, made from the sample (for the slow report tests).

``边界县`` is the sample county with two changes to 2024, the year its report is made for:

* 城关第一小学's sports ground is shrunk until the student-weighted CV of R5 over the primary
  sections is 0.5004 (rounded to three decimals: 0.500, its limit) — it fails the limit;
* its 统计时点 for 2024 is 30 September (county.toml ``[statistics_dates]``).

城关第一初级中学 already has R7 = 100 × 51 rooms ÷ 2,127 pupils = 2.3977 (rounded: 2.40, the
junior threshold) in 2024.

The CV is computed here by hand from the CSV files with the spec's formulas (split of
whole-school facilities by weighted pupils, population form weighted by pupils), not by eduwb.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample"
YEAR = 2024
SCHOOL = "4299990001"  # 城关第一小学, a primary school (no split)
R7_SCHOOL = "4299990007"  # 城关第一初级中学
CV_TARGET = (0.50035, 0.50045)  # shows 0.500 with three decimals, 0.5004 with four
WEIGHTS = {
    "nine_year": {"junior": 1.1},
    "twelve_year": {"junior": 1.1, "senior": 1.32},
    "complete_secondary": {"senior": 1.2},
}


def section_values(folder: Path, year: int) -> pd.DataFrame:
    """R5 and R7 per school section in the moe-2017 scope, by the spec's formulas."""
    schools = pd.read_csv(folder / "schools.csv", dtype={"school_id": str}).set_index("school_id")
    sec = pd.read_csv(folder / "sections.csv", dtype={"school_id": str})
    fac = pd.read_csv(folder / "facilities.csv", dtype={"school_id": str})
    sec, fac = sec[sec["year"] == year].copy(), fac[fac["year"] == year]
    sec["kind"] = sec["school_id"].map(schools["kind"])
    sec["wp"] = [
        WEIGHTS.get(k, {}).get(s, 1.0) * n
        for k, s, n in zip(sec["kind"], sec["stage"], sec["students"], strict=True)
    ]
    sec["share"] = sec["wp"] / sec.groupby("school_id")["wp"].transform("sum")
    amounts = ["indoor_sports_area_m2", "sports_field_area_m2", "multimedia_rooms"]
    whole = sec.merge(fac[fac["stage"].isna()][["school_id", *amounts]], on="school_id")
    whole[amounts] = whole[amounts].mul(whole["share"], axis=0)
    staged = sec.merge(fac[fac["stage"].notna()][["school_id", "stage", *amounts]], on=["school_id", "stage"])
    v = pd.concat([whole, staged], ignore_index=True)
    small_point = (v["kind"] == "teaching_point") & (v["students"] < 50)
    v = v[v["stage"].isin(["primary", "junior"]) & (v["kind"] != "special") & ~small_point].copy()
    v["R5"] = (v["indoor_sports_area_m2"] + v["sports_field_area_m2"]) / v["students"]
    v["R7"] = 100 * v["multimedia_rooms"] / v["students"]
    return v


def weighted_cv(values: pd.Series, pupils: pd.Series) -> float:
    x, p = values.to_numpy(dtype=float), pupils.to_numpy(dtype=float)
    mean = (p * x).sum() / p.sum()
    return float(np.sqrt((p * (x - mean) ** 2).sum() / p.sum()) / mean)


def primary_r5_cv(folder: Path, year: int = YEAR) -> float:
    v = section_values(folder, year)
    primary = v[v["stage"] == "primary"]
    return weighted_cv(primary["R5"], primary["students"])


def make_boundary_county(target: Path) -> Path:
    """Write 边界县 (see the module docstring) into ``target`` and return it."""
    shutil.copytree(SAMPLE, target)
    toml = (target / "county.toml").read_text(encoding="utf-8").replace('name = "示例县"', 'name = "边界县"')
    toml += f'\n[statistics_dates]\n{YEAR} = "{YEAR}-09-30"\n'
    (target / "county.toml").write_text(toml, encoding="utf-8")
    path = target / "facilities.csv"
    fac = pd.read_csv(path, dtype=str, keep_default_na=False)
    row = fac.index[(fac["school_id"] == SCHOOL) & (fac["year"] == str(YEAR))][0]
    # shrinking the ground of a school below the mean spreads the values: bisect on the area
    lo, hi = 0.0, float(fac.loc[row, "sports_field_area_m2"])
    for _ in range(60):
        mid = round((lo + hi) / 2, 1)
        fac.loc[row, "sports_field_area_m2"] = f"{mid:.1f}"
        fac.to_csv(path, index=False, lineterminator="\n")
        cv = primary_r5_cv(target)
        if CV_TARGET[0] <= cv < CV_TARGET[1]:
            return target
        if cv > CV_TARGET[1]:
            lo = mid
        else:
            hi = mid
        if hi - lo < 0.1:
            break
    raise AssertionError(f"could not bring the primary R5 CV to {CV_TARGET} (last {cv:.6f})")
