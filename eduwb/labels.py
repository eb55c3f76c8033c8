"""Chinese and English labels for the column names of eduwb's tables (presentation only).

Analysis code returns English column names; notebooks, charts, the Excel workbook and the
PDF show these labels. Indicator names come from the standard's catalogue instead.
"""

from __future__ import annotations

COLUMN_LABELS: dict[str, tuple[str, str]] = {
    # identifiers
    "school_id": ("学校标识码", "School id"),
    "school_name": ("学校名称", "School"),
    "name": ("名称", "Name"),
    "kind": ("办学类型", "Kind"),
    "locale": ("城乡类型", "Locale"),
    "township": ("所在乡镇", "Township"),
    "sponsor": ("举办者类型", "Sponsor"),
    "year": ("学年", "Year"),
    "stage": ("学段", "Stage"),
    "grade": ("年级", "Grade"),
    "indicator": ("指标", "Indicator"),
    "indicator_name": ("指标名称", "Indicator name"),
    "dimension": ("维度", "Dimension"),
    "seq": ("序号", "No."),
    "unit": ("单位", "Unit"),
    "students": ("在校生数", "Pupils"),
    "classes": ("班级数", "Classes"),
    "teachers": ("专任教师数", "Teachers"),
    # resources and balance
    "value": ("数值", "Value"),
    "threshold": ("标准值", "Threshold"),
    "ratio": ("达标比", "Ratio"),
    "met_count": ("达标项数", "Indicators met"),
    "weakest_indicator": ("最弱指标", "Weakest indicator"),
    "weakest_ratio": ("最弱指标达标比", "Weakest ratio"),
    "passes": ("是否达标", "Passes"),
    "county_mean": ("县域均值", "County mean"),
    "std": ("标准差", "Std. dev."),
    "cv": ("差异系数", "CV"),
    "limit": ("限值", "Limit"),
    "gini": ("基尼系数", "Gini"),
    "theil": ("泰尔指数", "Theil"),
    "theil_between": ("泰尔指数(组间)", "Theil between"),
    "theil_within": ("泰尔指数(组内)", "Theil within"),
    "mcloone": ("McLoone指数", "McLoone"),
    "verstegen": ("Verstegen指数", "Verstegen"),
    "federal_range_ratio": ("联邦极差率", "Federal range ratio"),
    "shortfall": ("缺口", "Shortfall"),
    "gap_unit": ("缺口单位", "Gap unit"),
    "cost_yuan": ("估算费用(元)", "Cost (yuan)"),
    "addition": ("需增加", "To add"),
    "value_after": ("补足后数值", "Value after"),
    "cv_after": ("补足后差异系数", "CV after"),
    # class size
    "within_standard": ("标准班额", "Within standard"),
    "over_standard": ("超标准班额", "Over standard"),
    "large": ("大班额", "Large (56–65)"),
    "super_large": ("超大班额", "Super-large (66+)"),
    "share_large": ("大班额占比", "Share large"),
    "share_super_large": ("超大班额占比", "Share super-large"),
    "max_class_size": ("最大班额", "Largest class"),
    "band": ("班额类别", "Band"),
    "registered_year": ("登记年份", "Registered"),
    "last_seen_year": ("最近出现年份", "Last seen"),
    "closed_year": ("销号年份", "Closed"),
    "status": ("状态", "Status"),
    "by": ("目标年份", "By"),
    "max_students": ("班额上限", "Max pupils"),
    "classes_over": ("超限班级数", "Classes over"),
    "met": ("是否完成", "Met"),
    "schools_over": ("超限学校数", "Schools over"),
    "on_track": ("进度", "On track"),
    "size_limit": ("规模上限", "Size limit"),
    "over_by": ("超出人数", "Over by"),
    "projected_students": ("预计在校生数", "Projected pupils"),
    "classes_needed": ("所需班级数", "Classes needed"),
    "classes_now": ("现有班级数", "Classes now"),
    # rotation and teachers
    "eligible": ("符合交流条件教师数", "Eligible"),
    "rotated": ("交流轮岗教师数", "Rotated"),
    "backbone_rotated": ("交流骨干教师数", "Backbone rotated"),
    "backbone_share": ("骨干教师占比", "Backbone share"),
    "ratio_limit": ("比例下限", "Ratio limit"),
    "share_limit": ("骨干占比下限", "Share limit"),
    "from_locale": ("流出地", "From"),
    "to_locale": ("流入地", "To"),
    "moves": ("交流人次", "Moves"),
    "mode": ("交流方式", "Mode"),
    "trained": ("完成培训教师数", "Trained"),
    "training_rate": ("培训完成率", "Training rate"),
    "certified": ("持证教师数", "Certified"),
    "certification_rate": ("持证上岗率", "Certification rate"),
    # scorecard
    "source": ("数据来源", "Source"),
    "evidence": ("依据", "Evidence"),
    "verdict": ("结论", "Verdict"),
    "failing": ("未达标指标", "Failing indicators"),
}


def column_label(column: str, lang: str = "zh") -> str:
    """The label of a column, or the column name itself when none is known."""
    pair = COLUMN_LABELS.get(column)
    if pair is None:
        return column
    return pair[0] if lang == "zh" else pair[1]
