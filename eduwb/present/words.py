"""Chinese and English labels for the column names of eduwb's tables (presentation only).

Analysis code returns English column names; notebooks, charts, the Excel workbook and the
PDF show these labels. Indicator names come from the standard's catalogue instead.
"""

from __future__ import annotations

import re

# Re-exported for the callers that import them from here; their one home is eduwb.lang.
from eduwb.lang import LANGS, LIST_SEP, pick  # noqa: F401
from eduwb.numbers import WAN_COLUMNS

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
    "classes_needed": ("按标准班额所需班级数", "Classes needed at the standard"),
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
    "value_number": ("数值（计算用）", "Value (number)"),
    "previous_status": ("上年状态", "Previous status"),
    "previous_value": ("上年数值", "Previous value"),
    "change": ("变化", "Change"),
    "needed": ("需补充的数据", "Needed"),
    "indicators": ("指标数", "Indicators"),
    "passed": ("达标", "Passed"),
    "failed": ("未达标", "Failed"),
    "missing": ("缺数据", "Missing"),
    "vetoes": ("一票否决", "Vetoes"),
    "vetoes_undeclared": ("未填报的否决情形", "Vetoes not declared"),
    "veto": ("否决情形", "Veto"),
    "declared": ("已填报", "Declared"),
    "applies": ("是否存在", "Applies"),
    "resource": ("资源配置", "Resource allocation"),
    "guarantee": ("政府保障程度", "Government guarantee"),
    "quality": ("教育质量", "Education quality"),
    "recognition": ("社会认可度", "Social recognition"),
    "rooms_needed": ("应配音乐/美术教室数", "Rooms needed"),
    "music_rooms": ("音乐专用教室数", "Music rooms"),
    "art_rooms": ("美术专用教室数", "Art rooms"),
    "music_room_min_area_m2": ("最小音乐专用教室面积", "Smallest music room (m²)"),
    "art_room_min_area_m2": ("最小美术专用教室面积", "Smallest art room (m²)"),
    "music_area_limit": ("音乐教室面积标准", "Music room area limit"),
    "art_area_limit": ("美术教室面积标准", "Art room area limit"),
    "relaxed": ("按2019年过渡政策", "2019 relaxation"),
    "music_short": ("音乐教室不足", "Music rooms short"),
    "art_short": ("美术教室不足", "Art rooms short"),
    "music_small": ("音乐教室面积不足", "Music room too small"),
    "art_small": ("美术教室面积不足", "Art room too small"),
    "retention_rate": ("三年巩固率", "Retention rate"),
    "graduates": ("初中毕业班学生数", "Graduates"),
    "entrants_3y_ago": ("三年前入学学生数", "Entrants 3 years ago"),
    "transfers_in": ("三年转入学生数", "Transfers in"),
    "transfers_out": ("三年转出学生数", "Transfers out"),
    "deaths": ("三年死亡学生数", "Deaths"),
    "public_funds_yuan": ("年度公用经费预算总额(元)", "Public funds (yuan)"),
    "training_funds_yuan": ("教师培训经费(元)", "Training funds (yuan)"),
    "share": ("占比", "Share"),
    "group": ("调查对象", "Group"),
    "valid": ("有效问卷数", "Valid"),
    "satisfied": ("满意问卷数", "Satisfied"),
    "rate": ("比例", "Rate"),
    "reason": ("原因", "Reason"),
    "level": ("填平水平", "Fill level"),
    "schools_raised": ("需补充学校数", "Schools raised"),
    "passes_after": ("补足后是否达标", "Passes after"),
    "schools": ("学校（学段）数", "School sections"),
    "schools_passing": ("达标学校数", "Passing"),
    "schools_passing_after": ("补足后达标学校数", "Passing after"),
    "cv_failing": ("超限差异系数项数", "CVs over limit"),
    "cv_failing_after": ("补足后超限项数", "CVs over limit after"),
    "mean_ratio": ("县域均值达标比", "County mean ratio"),
    "composite": ("综合差异系数", "Composite CV"),
    "composite_limit": ("综合差异系数限值", "Composite limit"),
    # rotation and teachers: further columns (eduwb.analysis.rotation)
    "rotation_ratio": ("交流轮岗比例", "Rotation ratio"),
    "rotated_eligible": ("其中符合交流条件", "Of whom eligible"),
    "moves_transfer": ("调动人次", "Transfers"),
    "moves_rotation": ("轮岗人次", "Rotations"),
    "moves_itinerant": ("走教人次", "Itinerant"),
    "moves_support": ("支教人次", "Support"),
    "moves_pairing": ("结对帮扶人次", "Pairing"),
    "counted": ("计入交流比例", "Counted"),
    "teachers_moved": ("交流教师数", "Teachers moved"),
    "backbone_moved": ("其中骨干教师", "Backbone moved"),
    "received": ("接收交流教师数", "Received"),
    "backbone_received": ("接收骨干教师数", "Backbone received"),
    "grouping": ("分组方式", "Grouping"),
    "from_group": ("流出学校", "From"),
    "to_group": ("流入学校", "To"),
    "backbone_moves": ("骨干教师人次", "Backbone moves"),
    "to_rural": ("流向乡村人次", "To rural"),
    "to_rural_share": ("流向乡村占比", "Share to rural"),
    "backbone_to_rural": ("骨干流向乡村人次", "Backbone to rural"),
    "to_weak": ("流向薄弱学校人次", "To weak schools"),
    "to_weak_share": ("流向薄弱学校占比", "Share to weak"),
    "backbone_to_weak": ("骨干流向薄弱学校人次", "Backbone to weak"),
    "to_rural_or_weak": ("流向乡村或薄弱学校人次", "To rural or weak"),
    "to_rural_or_weak_share": ("流向乡村或薄弱学校占比", "Share to rural or weak"),
    "backbone_to_rural_or_weak": ("骨干流向乡村或薄弱学校人次", "Backbone to rural or weak"),
    "backbone_to_rural_or_weak_share": ("骨干流向乡村或薄弱学校占比", "Backbone share to rural or weak"),
    "compliance_unknown": ("流向达标情况未知学校人次", "To schools of unknown compliance"),
    "compliance_status": ("学校达标数据", "Compliance data"),
    "not_trained": ("未完成培训教师数", "Not trained"),
    "not_certified": ("未持证教师数", "Not certified"),
    "training_limit": ("培训完成率要求", "Training limit"),
    "certification_limit": ("持证上岗率要求", "Certification limit"),
    "training_passes": ("培训是否达标", "Training passes"),
    "certification_passes": ("持证是否达标", "Certification passes"),
    "schools_short_training": ("培训未达标学校数", "Schools short on training"),
    "schools_short_certification": ("持证未达标学校数", "Schools short on certification"),
    "min_years_at_school": ("任教年限要求(年)", "Min. years at school"),
    "name_zh": ("指标名称", "Indicator name"),
    "name_en": ("指标名称（英文）", "Indicator name"),
    "threshold_primary": ("小学标准值", "Primary threshold"),
    "threshold_junior": ("初中标准值", "Junior threshold"),
    # class size, ledger, milestones, projection (eduwb.analysis.classsize)
    "class_id": ("班级", "Class"),
    "standard_size": ("标准班额", "Standard size"),
    "limit_primary": ("小学班额上限", "Primary limit"),
    "limit_junior": ("初中班额上限", "Junior limit"),
    "evaluated_year": ("判定年份", "Judged on"),
    "projected_over": ("按趋势预计超限班级数", "Projected classes over"),
    "reopened": ("销号后重现次数", "Reopened"),
    "deadline": ("销号期限", "Deadline"),
    "action_year": ("实施年份", "Year of action"),
    "in_scope": ("纳入判定", "Judged"),
    "max_over_by": ("最多超出人数", "Most over by"),
    "projected_year": ("预测学年", "Projected year"),
    "students_now": ("现有学生数", "Pupils now"),
    "extra_classes_needed": ("需增班级数（各年级合计）", "Extra classes needed (over the grades)"),
    "extra_by_grade": ("需增班的年级", "Where (grade: extra classes)"),
    "max_class_size_if_kept": ("不增班时最大班额", "Largest class if kept"),
    "class_size_if_kept": ("不增班时班额", "Class size if kept"),
    "oversized": ("出现超标准班额", "Oversized"),
    "school_students": ("全校预计在校生数", "School pupils (projected)"),
    "over_size_limit": ("超规模", "Over size limit"),
    "intake": ("招生年级", "Intake grade"),
    # the pathway (eduwb.analysis.pathway)
    "action_id": ("序号", "No."),
    "action": ("行动", "Action"),
    "target_school_id": ("接收学校标识码", "Receiving school id"),
    "quantity": ("数量", "Quantity"),
    "rooms": ("间数", "Rooms"),
    "teachers_above_degree": ("其中高于规定学历", "Of whom above the degree"),
    "backbone_teachers": ("其中骨干教师", "Of whom backbone"),
    "pe_art_teachers": ("其中体育艺术教师", "Of whom PE/art"),
    "cost_key": ("单价项目", "Unit cost"),
    "unit_cost": ("单价(元)", "Unit cost (yuan)"),
    "method": ("求解方式", "Method"),
    "late": ("逾期", "Late"),
    "cap_yuan": ("年度预算上限(元)", "Annual cap (yuan)"),
    "cumulative_yuan": ("累计费用(元)", "Cumulative (yuan)"),
    "shortfall_yuan": ("逾期行动费用(元)", "Late actions' cost (yuan)"),
    "done_by": ("最晚完成年份", "Done by"),
    "actions": ("行动数", "Actions"),
    "target_year": ("目标年份", "Target year"),
    "unpriced": ("不可计价项", "Unpriced"),
    "feasible_in_cap": ("预算内按期完成", "Within the cap in time"),
    "used": ("本次用到", "Used"),
    # the province view (eduwb.analysis.province)
    "county": ("县（区）", "County"),
    "rank": ("排序", "Rank"),
    "readiness": ("申报准备度", "Readiness"),
    "failing_count": ("未达标指标数", "Failing"),
    "failing_resource": ("未达标：资源配置", "Failing: resources"),
    "failing_guarantee": ("未达标：政府保障", "Failing: guarantee"),
    "failing_quality": ("未达标：教育质量", "Failing: quality"),
    "failing_recognition": ("未达标：社会认可", "Failing: recognition"),
    "blocking": ("方案无法补足的指标", "Blocking"),
    "plan_cost_yuan": ("资源配置补足费用(元)", "Plan cost (yuan)"),
    "plan_note": ("说明", "Note"),
    "counties": ("县数", "Counties"),
    "min": ("最小值", "Min"),
    "q1": ("下四分位数", "Q1"),
    "median": ("中位数", "Median"),
    "q3": ("上四分位数", "Q3"),
    "max": ("最大值", "Max"),
    "mean": ("平均值", "Mean"),
    "counties_over": ("超限县数", "Counties over"),
    "province_cv": ("全省差异系数", "Province CV"),
    "item": ("补充项目", "Item"),
}


#: The units of the plan's and the pathway's gaps and bill items (``gap_unit``, ``unit``).
GAP_UNITS: dict[str, tuple[str, str]] = {
    "pupils": ("人", "pupils"),
    "places": ("个学位", "places"),
    "teachers": ("人", "teachers"),
    "classes": ("个班", "classes"),
    "m2": ("平方米", "m²"),
    "yuan": ("元", "yuan"),
    "rooms": ("间", "rooms"),
    "hours": ("学时", "hours"),
}

#: The readiness classes of :func:`eduwb.analysis.province.readiness_table`, as people read them.
READINESS_LABELS: dict[str, tuple[str, str]] = {
    "passes": ("已达标", "passes"),
    "next_year": ("次年可望通过", "could pass next year"),
    "incomplete": ("待补数据", "data missing"),
    "far": ("差距较大", "far"),
    "vetoed": ("一票否决", "vetoed"),
    "no_data": ("无当年数据", "no data"),
}


def pick_all(mapping: dict[str, tuple[str, str]], lang: str) -> dict[str, str]:
    """Every ``(zh, en)`` pair of a mapping in one language."""
    return {key: pick(pair, lang) for key, pair in mapping.items()}


def column_label(column: str, lang: str = "zh") -> str:
    """The label of a column, or the column name itself when none is known."""
    pair = COLUMN_LABELS.get(column)
    return column if pair is None else pick(pair, lang)


def shown_label(column: str, lang: str = "zh") -> str:
    """The label of a column as a report's table shows it: a cost of :data:`eduwb.numbers.WAN_COLUMNS`
    in 万元 (the workbook keeps :func:`column_label`'s exact 元)."""
    label = column_label(column, lang)
    if column in WAN_COLUMNS:
        return label.replace("(元)", "(万元)").replace("(yuan)", "(10,000 yuan)")
    return label


#: The words of the report's cover, appendix, file names and workbook index, ``(zh, en)``.
#: ``{programme}`` and its forms are what meeting the standard is called (:func:`report_text`
#: fills them in).
_REPORT_WORDS = {
    "report_file": ("{county}_{year}_{programme}监测报告.pdf", "{county}_{year}_{programme_slug}_report.pdf"),
    "tables_file": ("{county}_{year}_tables.xlsx", "{county}_{year}_tables.xlsx"),
    "title": (
        "{county}{year}年义务教育{programme}发展监测报告",
        "{county} {year}: {programme_adjective} compulsory education monitoring report",
    ),
    "cover_title_year": ("{year} 年度", "{year}"),
    "cover_title": (
        "义务教育{programme}发展监测报告",
        "{Programme_adjective} compulsory education: monitoring report",
    ),
    "verdict": ("总体结论", "Verdict"),
    "passed": ("达到{programme}标准", "meets the {programme_hyphen} standard"),
    "failed": ("未达到{programme}标准", "does not meet the {programme_hyphen} standard"),
    "unknown": ("未能评定", "not determined"),
    "incomplete": ("数据不全，暂不能认定", "cannot be determined: data missing"),
    "failing": ("未达标指标", "Indicators not met"),
    "missing": ("缺数据指标", "Indicators without data"),
    "undeclared": ("未填报的一票否决情形", "Vetoes not declared"),
    "more": (" 等 {n} 项", "and {more} more"),
    "standard": ("评估标准", "Standard"),
    "school_year": ("学年", "School year"),
    "school_year_value": ("{year}—{next} 学年", "{year}–{next}"),
    "statistics_date": ("统计时点", "Statistics reference date"),
    "generated": ("报告生成日期", "Report generated"),
    "produced_by": (
        "本报告由 eduwb {version} 根据县级数据自动生成，各章由同名 Jupyter 笔记本执行产生。",
        "Produced by eduwb {version} from the county's data; each chapter is the output of the "
        "Jupyter notebook of the same name.",
    ),
    "contents": ("目录", "Contents"),
    "appendix_title": ("附录  数据、标准与参数", "Appendix: data, standard and parameters"),
    "appendix_intro": (
        "本附录记录生成本报告所用的数据文件、评估标准、参数与软件版本，以便复核与重现。",
        "What produced this report, so that it can be checked and reproduced.",
    ),
    "sec_data": ("数据文件", "Data files"),
    "sec_standard": ("评估标准", "Standard"),
    "sec_parameters": ("参数", "Parameters"),
    "sec_software": ("软件与生成信息", "Software and generation"),
    "file": ("文件", "File"),
    "bytes": ("字节数", "Bytes"),
    "sha256": ("SHA-256 校验值", "SHA-256"),
    "path": ("数据（相对路径或文件夹名及校验值）", "Data (relative path, or folder name and checksum)"),
    "county": ("县（区）", "County"),
    "standard_id": ("标准标识", "Standard id"),
    "standard_name": ("标准名称", "Standard"),
    "standard_source": ("标准文件", "Standard file"),
    "year": ("年份", "Year"),
    "lang": ("语言", "Language"),
    "notebook": ("笔记本", "Notebook"),
    "chapter": ("章", "Chapter"),
    "parameters": ("注入参数", "Injected parameters"),
    "python": ("Python", "Python"),
    "date_fmt": ("{d.year}年{d.month}月{d.day}日", "{d:%Y-%m-%d}"),
    "page_footer": ("第 {page} 页 / 共 {pages} 页", "Page {page} of {pages}"),
    "sheet_index": ("目录", "Contents"),
    "index_header": (
        ["序号", "工作表", "表名", "所在章", "同一张表的命令"],
        ["No.", "Sheet", "Table", "Chapter", "The same table from the command line"],
    ),
    "no": ("无", "none"),
    "province_report_file": (
        "{province}_{year}_省级汇总报告.pdf",
        "{province}_{year}_province_summary_report.pdf",
    ),
    "province_tables_file": (
        "{province}_{year}_省级汇总_tables.xlsx",
        "{province}_{year}_province_tables.xlsx",
    ),
    "province_title": (
        "{province}{year}年义务教育{programme}发展省级汇总报告",
        "{province} {year}: province summary of {programme_adjective} compulsory education",
    ),
    "province_cover_title": (
        "义务教育{programme}发展省级汇总报告",
        "{Programme_adjective} compulsory education: province summary",
    ),
    "province_overview": ("全省概况", "The province"),
    "province_counts": (
        "{n} 个县（区）中，{passing} 个达到{programme}标准",
        "{passing} of {n} counties meet the {programme_hyphen} standard",
    ),
    "province_produced_by": (
        "本报告由 eduwb {version} 根据各县（区）数据自动生成，各章由同名 Jupyter "
        "笔记本执行产生；各县结论与其县级报告一致。",
        "Produced by eduwb {version} from the counties' data; each chapter is the output of the "
        "Jupyter notebook of the same name; each county's verdict is that of its county report.",
    ),
    "counties": ("县（区）数", "Counties"),
    "sec_counties": ("纳入汇总的县（区）", "Counties in the report"),
    "sec_excluded": ("未纳入汇总的县（区）", "Counties left out"),
    "files": ("文件数", "Files"),
    "files_digest": ("全部文件的 SHA-256", "SHA-256 of all files"),
    "reason": ("原因", "Reason"),
    "counties_param": ("{n} 个县（区）的数据（见上表）", "the data of {n} counties (listed above)"),
    "no_year_data": ("没有 {year} 年的数据", "no data for {year}"),
}
REPORT_TEXT = {lang: pick_all(_REPORT_WORDS, lang) for lang in LANGS}


def programme_words(std, lang: str) -> dict[str, str]:
    """The forms of the standard's programme the report's words use (see :data:`REPORT_TEXT`):
    优质均衡 / "quality balance", "quality-balance", "quality-balanced", "quality_balance"."""
    name = std.programme(lang)
    hyphen = name.replace(" ", "-")
    adjective = pick((name, std.programme_adjective()), lang)
    return {
        "programme": name,
        "programme_hyphen": hyphen,
        "programme_adjective": adjective,
        "Programme_adjective": adjective[:1].upper() + adjective[1:],
        "programme_slug": name.replace(" ", "_").replace("-", "_"),
    }


def report_text(lang: str, std) -> dict[str, str]:
    """:data:`REPORT_TEXT` in ``lang`` with the standard's programme filled in (other
    placeholders, such as ``{county}``, are left for the caller)."""
    words = programme_words(std, lang)

    def fill(text):
        return re.sub(r"\{(\w+)\}", lambda m: words.get(m[1], m[0]), text) if isinstance(text, str) else text

    return {key: fill(value) for key, value in REPORT_TEXT[lang].items()}
