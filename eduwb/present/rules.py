"""The standard's rules in words, written from the standard itself.

The chapters state the rules they judge by (how many resource indicators, the per-school rule,
the CV limits, what else must pass). Written as fixed prose they would be right for one standard
only: a report under moe-2012 (a composite CV, no per-school rule) or under a province's own file
would print moe-2017's numbers. These functions write those sentences from the loaded
:class:`~eduwb.standards.Standard`, so every number in them comes from its TOML.
"""

from __future__ import annotations

from eduwb.data.schema import KINDS
from eduwb.lang import CLAUSE_SEP, COLON, LIST_SEP, pick
from eduwb.numbers import exact, percent_limit, plain
from eduwb.present.notebook import md_escape


def _limits(std) -> list[tuple[str, str, str]]:
    """(zh stage name, en stage name, limit) of each stage's CV limit (the composite's unless
    each CV is tested)."""
    limit = std.cv_limit if std.balance_test == "each" else std.composite_limit
    return [
        (std.stage_name(s, "zh"), std.stage_name(s, "en").lower(), exact(v))
        for s in std.stages
        if (v := limit(s)) is not None
    ]


def _school_rule(std) -> tuple[str, str] | None:
    rule = std.school_rule
    if rule is None:
        return None
    met, rest = int(rule["min_met"]), percent_limit(rule["min_ratio_rest"])
    others = len(std.resource_indicators) - met
    rest_en = "the remaining one" if others == 1 else f"the remaining {others}"
    return (
        f"至少 {met} 项达标、其余不低于标准值的 {rest}",
        f"at least {met} indicators reach their thresholds, {rest_en} at least {rest} of its threshold",
    )


def _cv_rule(std) -> tuple[str, str]:
    each = std.balance_test == "each"
    limits = _limits(std)
    zh = "、".join(f"{zh} ≤ {v}" for zh, _, v in limits)
    en = " and ".join(f"{v} for {en}" for _, en, v in limits)
    if each:
        return f"每项校际差异系数{zh}", f"each indicator's between-school CV is at most {en} schools"
    return (
        f"综合差异系数（各项差异系数的平均）{zh}",
        f"the composite CV (the mean of the indicators' CVs) is at most {en} schools",
    )


def _other_dimensions(std) -> tuple[list[str], list[str]]:
    """What the other dimensions ask: "政府保障程度 15 项、教育质量 9 项全部达标", "社会认可度达到 85%"."""
    by_dimension: dict[str, list] = {}
    for ind in std.indicators:
        if ind.dimension != "resource":
            by_dimension.setdefault(ind.dimension, []).append(ind)
    counted_zh, counted_en, share_zh, share_en = [], [], [], []
    for dimension, inds in by_dimension.items():
        zh, en = (md_escape(std.dimension_name(dimension, lang)) for lang in ("zh", "en"))
        threshold = inds[0].threshold
        if len(inds) == 1 and inds[0].unit == "%" and isinstance(threshold, int | float):
            share_zh.append(f"{zh}达到 {percent_limit(threshold)}")
            share_en.append(f"{_lower_first(en)} of at least {percent_limit(threshold)}")
        else:
            counted_zh.append(f"{zh} {len(inds)} 项")
            counted_en.append(f"all {len(inds)} {_lower_first(en)} indicators")
    zh_parts = (["、".join(counted_zh) + "全部达标"] if counted_zh else []) + share_zh
    return zh_parts, counted_en + share_en


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + f" and {items[-1]}"


def scorecard_intro(std, lang: str = "zh") -> str:
    """The scorecard chapter's opening paragraph: every rule a county must meet to pass."""
    n = len(std.resource_indicators)
    school = _school_rule(std)
    rules = [("每校" + school[0], f"in every school {school[1]}") if school else None, _cv_rule(std)]
    rules = [r for r in rules if r]
    others_zh, others_en = _other_dimensions(std)
    resource = [md_escape(std.dimension_name("resource", lang)) for lang in ("zh", "en")]
    programme = md_escape(std.programme("zh"))
    veto = bool(std.vetoes)
    zh = "，".join([f"{resource[0]} {n} 项（{'，且'.join(r[0] for r in rules)}）", *others_zh])
    en = _and(
        [f"the {n} {_lower_first(resource[1])} indicators ({', and '.join(r[1] for r in rules)})", *others_en]
    )
    return pick(
        (
            f"本章对照评估标准逐项给出县域义务教育{programme}发展的全部指标：{zh}"
            f"{'，并且不存在任何一票否决情形' if veto else ''}，县域方可认定为达到{programme}。"
            "每项指标都注明数值、标准值、判定结果、数据来源和依据；数据缺失的指标一律记为“缺数据”，不作达标处理。",
            f"This chapter gives every indicator of the standard for county compulsory education: {en}"
            f"{', with no one-vote veto' if veto else ''}. Only then does the county pass. "
            "Each indicator shows its value, threshold, status, data source and evidence; "
            'an indicator without data is "missing" and never counted as passing.',
        ),
        lang,
    )


def resources_intro(std, lang: str = "zh", *, can_plan: bool = True) -> str:
    """The resource chapter's opening paragraph: the indicators, the rules, and the plan."""
    ids = [ind.id for ind in std.resource_indicators]
    span = f"{ids[0]}–{ids[-1]}" if len(ids) > 1 else "".join(ids)
    name = md_escape(std.name(lang))
    rule = _school_rule(std)
    each = std.balance_test == "each"
    limits = _limits(std)
    zh_limits = "，".join(f"{zh} ≤ {v}" for zh, _, v in limits)
    en_limits = ", ".join(f"{en} ≤ {v}" for _, en, v in limits)
    zh_cv = (
        f"每项指标的校际差异系数（{zh_limits}）"
        if each
        else f"各项指标的校际差异系数及其平均，即综合差异系数（{zh_limits}）"
    )
    en_cv = (
        f"each indicator's between-school CV ({en_limits})"
        if each
        else f"each indicator's between-school CV and their mean, the composite CV ({en_limits})"
    )
    zh_rule = f"检查每所学校是否“{rule[0]}”；" if rule else ""
    en_rule = f"checks whether in each school {rule[1]}; " if rule else ""
    zh_plan = (
        "再把差距折算成需要补充的教师、校舍、运动场地、教学仪器设备和网络多媒体教室及其费用，并给出达标路径："
        "使资源配置及音乐美术教室、学校规模、班额、培训、交流轮岗、持证上岗全部达标的行动、年度安排和费用"
        "（由整数规划求得最低费用；需要估算时注明“估算”）。"
        if can_plan
        else "本标准没有逐校标准值和分项差异系数限值，不制定达标方案。"
    )
    en_plan = (
        "and turns the gaps into the teachers, floor area, sports grounds, equipment and multimedia "
        "classrooms to add, with their cost, and the pathway: the actions, schedule and cost after which "
        "the resource indicators, music and art rooms, school size, class size, training, rotation and "
        "certification all pass (least-cost by an integer program; marked as an estimate where it is one)."
        if can_plan
        else "the standard sets no per-school thresholds and per-indicator CV limits, so no plan is drawn."
    )
    return pick(
        (
            f"本章对照《{name}》的 {len(ids)} 项资源配置指标（{span}），逐校（学段）计算指标值；{zh_rule}"
            f"按在校生数加权计算{zh_cv}；{zh_plan}",
            f"This chapter computes the {len(ids)} resource indicators ({span}) of “{name}” for every school "
            f"section; {en_rule}computes {en_cv}, pupil-weighted; {en_plan}",
        ),
        lang,
    )


def cv_limits(std, lang: str = "zh") -> str:
    """How the CVs are judged: each against its limit, or their mean (the composite)."""
    n = len(std.resource_indicators)
    each = std.balance_test == "each"
    limits = _limits(std)
    zh = "，".join(f"{zh} {v}" for zh, _, v in limits)
    en = ", ".join(f"{en} {v}" for _, en, v in limits)
    words = (
        (
            f"{n} 项指标的差异系数须分别不超过限值（{zh}）；"
            f"综合差异系数为 {n} 项的简单平均，只作报告，不作判定。",
            f"Each of the {n} CVs must be within its limit ({en}); "
            "the composite CV, their plain mean, is reported but not tested.",
        )
        if each
        else (
            f"判定看综合差异系数，即 {n} 项差异系数的简单平均，须不超过限值（{zh}）；各项差异系数只作报告。",
            f"The composite CV, the plain mean of the {n} CVs, is tested against its limit "
            f"({en}); each CV alone is reported, not tested.",
        )
    )
    return pick(words, lang)


def verdict_rule(std, lang: str = "zh") -> str:
    """How the verdict follows from the indicators and the vetoes (the standard's own vetoes)."""
    names = [md_escape(v[pick(("name_zh", "name_en"), lang)]) for v in std.vetoes]
    if not names:
        return pick(
            (
                "结论规则：任何一项指标未达标即未通过；没有未达标指标但有指标缺数据时，尚不能认定；"
                "全部指标达标，方为通过。",
                "Rules: any failing indicator fails the county; with no failing indicator but some "
                "missing data, the verdict is incomplete; the county passes only when every indicator "
                "passes.",
            ),
            lang,
        )
    return pick(
        (
            f"结论规则：任何一项一票否决情形（{'、'.join(names)}）存在即不予认定；否则任何一项指标未达标即未通过；"
            "没有未达标指标但有指标缺数据、或一票否决情形未填报“是/否”时，尚不能认定；"
            "全部指标达标且各项否决情形均填报为“否”，方为通过。",
            f"Rules: any one-vote veto ({'; '.join(map(_lower_first, names))}) means no "
            "recognition; otherwise any failing indicator fails the county; with no failing indicator but "
            "some missing data, or a veto not declared yes/no, the verdict is incomplete; the county "
            'passes only when every indicator passes and every veto is declared "no".',
        ),
        lang,
    )


#: How the scope paragraph names the kinds of school: the dictionary's Chinese names
#: (:data:`eduwb.data.schema.KINDS`) and their English in a sentence.
_KINDS_EN = {
    "special": "special-education schools",
    "teaching_point": "teaching points",
    "primary": "primary schools",
    "junior": "junior secondary schools",
    "nine_year": "nine-year schools",
    "twelve_year": "twelve-year schools",
    "complete_secondary": "complete secondary schools",
}
_KIND_WORDS = {kind: (zh, _KINDS_EN.get(kind, kind)) for kind, zh in KINDS.items()}


def _weights(std, lang: str) -> str:
    """ "九年一贯制：小学 1、初中 1.1；…" — the pupil weights that share a school's totals."""
    parts = []
    for kind, weights in std.pupil_weights.items():
        kind_words = _KIND_WORDS.get(kind, (kind, kind))
        shares = pick(LIST_SEP, lang).join(
            f"{pick((std.stage_name(stage, 'zh'), std.stage_name(stage, 'en').lower()), lang)} {plain(w)}"
            for stage, w in weights.items()
        )
        parts.append(f"{pick(kind_words, lang)}{pick(COLON, lang)}{shares}")
    return pick(CLAUSE_SEP, lang).join(parts)


def scope_note(std, lang: str = "zh") -> str:
    """Which school sections the resource indicators count, and how shared totals are split."""
    scope = std.scope
    private = not scope.get("exclude_private", False)
    minimum = int(scope.get("teaching_point_min_students", 0))
    excluded = [k for k in scope.get("exclude_kinds", []) if k != "teaching_point"]
    points_in = "teaching_point" not in scope.get("exclude_kinds", []) and minimum < 10**6
    small = (f"不足 {minimum} 人的教学点", f"teaching points under {minimum} pupils")
    out = [small] if points_in and minimum > 0 else [] if points_in else [("教学点", "teaching points")]
    out += [] if private else [("民办学校", "private schools")]
    out += [_KIND_WORDS.get(k, (k, k)) for k in excluded]
    out_zh, out_en = [zh for zh, _ in out], [en for _, en in out]
    points_zh = f"，以及在校生 {minimum} 人及以上的教学点" if points_in else ""
    points_en = f", and teaching points of {minimum} pupils or more" if points_in else ""
    return pick(
        (
            f"纳入评估的是全县{'公办和民办' if private else '公办'}小学、初中，九年一贯制、十二年一贯制学校的"
            f"小学部和初中部，完全中学的初中部{points_zh}，"
            f"各按一所学校计；{'、'.join(out_zh)}不计，高中部不计。一贯制学校和完全中学的校舍、场地、设备总量"
            f"按加权学生数分摊到各学段（{_weights(std, 'zh')}），教师数按学段直接统计。",
            f"The evaluation counts every {'public and private' if private else 'public'} primary and junior "
            "school, the primary and junior sections of nine- and twelve-year schools and the junior section "
            f"of complete secondary schools{points_en}, "
            f"each as one school; {_and(out_en)} are not counted, nor are senior sections. The floor area, "
            "grounds and equipment of a school with several stages are shared among them by weighted pupils "
            f"({_weights(std, 'en')}); teachers are counted by stage.",
        ),
        lang,
    )


#: How the computed indicators other than R1–R7 are judged, each clause kept only when the
#: standard has every indicator it names.
_HOW_JUDGED: list[tuple[tuple[str, ...], tuple[str, str]]] = [
    (
        ("G3", "G4", "G5"),
        (
            "音乐美术专用教室（G3）、学校规模（G4）、班额（G5）逐校（逐班）判定",
            "music and art rooms (G3), school size (G4) and class size (G5) are judged school by school "
            "(class by class)",
        ),
    ),
    (
        ("G9", "G11", "G12"),
        (
            "教师培训（G9）、交流轮岗（G11）、持证上岗（G12）由教师数据计算",
            "training (G9), rotation (G11) and certification (G12) come from the teacher records",
        ),
    ),
    (
        ("Q1",),
        (
            "初中三年巩固率（Q1）由巩固率数据按（毕业生数 − 转入 + 转出）÷（三年前入学数 − 死亡数）计算",
            "the junior retention rate (Q1) is (graduates − transfers in + transfers out) ÷ "
            "(entrants three years ago − deaths)",
        ),
    ),
    (("Q4",), ("教师培训经费（Q4）逐校判定", "training funds (Q4) are judged per school")),
    (
        ("S1",),
        (
            "社会认可度（S1）为各类调查对象满意问卷合计占有效问卷的比例，家长单列",
            "social recognition (S1) is satisfied over valid questionnaires across all groups, parents "
            "shown separately",
        ),
    ),
]


def indicator_notes(std, lang: str = "zh") -> str:
    """How the scorecard's rows are judged: the resource rows, then the other computed
    indicators and the county's inputs, for the indicators this standard has."""
    if std.balance_test == "each" and std.school_rule is not None:
        first = (
            "资源配置各项的数值是达到本项标准值的学校（学段）数；依据中列出各学段达标数、加权差异系数，"
            "以及未达到每校规则（见本章开头）且本项未达标的学校。",
            "For the resource indicators the value is the number of school sections reaching the "
            "threshold; the evidence gives the counts per stage, the weighted CVs, and the schools that "
            "fail the per-school rule (see the start of this chapter) on this indicator.",
        )
    else:
        first = (
            "各项的数值是各学段按在校生数加权的校际差异系数；判定看综合差异系数（见本章开头）。",
            "For each indicator the value is each stage's pupil-weighted between-school CV; the verdict "
            "follows the composite CV (see the start of this chapter).",
        )
    clauses = [words for ids, words in _HOW_JUDGED if all(std.has_indicator(i) for i in ids)]
    county = [ind for ind in std.indicators if ind.source == "county"]
    zh, en = [first[0]], [first[1]]
    if clauses:
        zh.append("；".join(c[0] for c in clauses) + "。")
        joined = "; ".join(c[1] for c in clauses)
        en.append(joined[:1].upper() + joined[1:] + ".")
    if county:
        strictest = std.has_indicator("G13")
        zh.append(
            "其余指标取县级填报数值及佐证材料"
            + ("；只填报一个数值而标准分学段的（如 G13），按最严学段的标准判定。" if strictest else "。")
        )
        en.append(
            "The other indicators take the county's reported values and evidence"
            + (
                "; where the standard sets thresholds per stage but one value is reported (e.g. G13), "
                "the strictest stage threshold applies."
                if strictest
                else "."
            )
        )
    return pick(("".join(zh), " ".join(en)), lang)
