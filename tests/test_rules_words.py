"""The chapters' statements of the rules come from the standard in use, never from moe-2017's prose."""

from __future__ import annotations

import pytest

from eduwb.present import rules
from eduwb.standards import load_standard


@pytest.fixture(scope="module")
def moe2017():
    return load_standard("moe-2017")


@pytest.fixture(scope="module")
def moe2012():
    return load_standard("moe-2012")


def test_moe_2017_in_its_own_words(moe2017):
    text = rules.scorecard_intro(moe2017, "zh")
    # the figures of the standard (教督〔2017〕6号): 7 resource indicators, 6 met and the last at 85 %,
    # CV ≤ 0.50 / 0.45, 15 guarantee and 9 quality indicators, recognition ≥ 85 %, vetoes
    for part in (
        "资源配置 7 项",
        "至少 6 项达标",
        "85%",
        "小学 ≤ 0.50、初中 ≤ 0.45",
        "政府保障程度 15 项",
        "教育质量 9 项",
    ):
        assert part in text, part
    assert "社会认可度达到 85%" in text and "一票否决" in text and "达到优质均衡" in text
    assert "(R1–R7)" in rules.resources_intro(moe2017, "en")
    assert "the pathway" in rules.resources_intro(moe2017, "en", can_plan=True)
    assert "最低费用方案" not in rules.resources_intro(moe2017, "zh", can_plan=True)
    assert "小学 0.50，初中 0.45" in rules.cv_limits(moe2017, "zh")


def test_moe_2012_is_not_described_as_moe_2017(moe2012):
    text = rules.scorecard_intro(moe2012, "zh")
    assert "基本均衡" in text and "优质均衡" not in text
    assert "综合差异系数" in text and "小学 ≤ 0.65、初中 ≤ 0.55" in text
    assert "6 项" not in text and "85%" not in text and "一票否决" not in text
    intro = rules.resources_intro(moe2012, "zh", can_plan=False)
    assert "8 项资源配置指标（B1–B8）" in intro and "不制定达标方案" in intro and "至少" not in intro
    assert "composite CV" in rules.cv_limits(moe2012, "en") and "0.65" in rules.cv_limits(moe2012, "en")


def test_a_province_file_changes_the_words(tmp_path):
    path = tmp_path / "province.toml"
    path.write_text(
        'extends = "moe-2017"\n[balance]\ncv_limit = { primary = 0.40 }\n'
        "[school_rule]\nmin_met = 5\nmin_ratio_rest = 0.9\n"
        '[dimensions]\nguarantee = { zh = "政府*保障*", en = "<b>Guarantee</b>" }\n',
        encoding="utf-8",
    )
    std = load_standard(str(path))
    zh = rules.scorecard_intro(std, "zh")
    assert "小学 ≤ 0.40、初中 ≤ 0.45" in zh and "至少 5 项达标、其余不低于标准值的 90%" in zh
    assert "政府\\*保障\\*" in zh  # a file's words are text, not Markdown
    assert "<b>" not in rules.scorecard_intro(std, "en")


def test_the_reports_title_verdict_and_file_name_follow_the_standard(moe2017, moe2012):
    from eduwb.present.words import report_text

    zh17, en17 = report_text("zh", moe2017), report_text("en", moe2017)
    # moe-2017's words as they always were
    assert zh17["report_file"] == "{county}_{year}_优质均衡监测报告.pdf"
    assert zh17["cover_title"] == "义务教育优质均衡发展监测报告" and zh17["passed"] == "达到优质均衡标准"
    assert en17["report_file"] == "{county}_{year}_quality_balance_report.pdf"
    assert en17["cover_title"] == "Quality-balanced compulsory education: monitoring report"
    assert en17["failed"] == "does not meet the quality-balance standard"
    zh12, en12 = report_text("zh", moe2012), report_text("en", moe2012)
    assert (
        zh12["title"] == "{county}{year}年义务教育基本均衡发展监测报告"
        and zh12["failed"] == "未达到基本均衡标准"
    )
    assert zh12["province_counts"] == "{n} 个县（区）中，{passing} 个达到基本均衡标准"
    assert en12["report_file"] == "{county}_{year}_basic_balance_report.pdf"
    assert en12["title"] == "{county} {year}: basic-balanced compulsory education monitoring report"
    assert not any("优质" in v for v in zh12.values() if isinstance(v, str))


def test_the_verdict_rule_names_the_standards_own_vetoes(moe2017, moe2012):
    text = rules.verdict_rule(moe2017, "zh")
    listed = text.split("（", 1)[1].split("）", 1)[0]
    assert listed.split("、") == [v["name_zh"] for v in moe2017.vetoes]
    assert "一票否决" not in rules.verdict_rule(moe2012, "zh")  # moe-2012 has no vetoes
    assert "veto" not in rules.verdict_rule(moe2012, "en")


def test_the_scope_note_follows_the_standards_scope(moe2017, moe2012):
    zh17 = rules.scope_note(moe2017, "zh")
    # moe-2017: public and private, teaching points of 50+ pupils in, special schools out
    assert "公办和民办" in zh17 and "在校生 50 人及以上的教学点" in zh17 and "特殊教育学校不计" in zh17
    assert "十二年一贯制学校：小学 1、初中 1.1、高中 1.32" in zh17 and "完全中学：初中 1、高中 1.2" in zh17
    zh12 = rules.scope_note(moe2012, "zh")
    # moe-2012: public schools only, no teaching points at all
    assert "全县公办小学" in zh12 and "教学点、民办学校、特殊教育学校不计" in zh12 and "50 人" not in zh12
    assert "private schools" in rules.scope_note(moe2012, "en")


def test_the_row_notes_cover_only_the_indicators_the_standard_has(moe2017, moe2012):
    zh17 = rules.indicator_notes(moe2017, "zh")
    for ident in ("G3", "G4", "G5", "G9", "G11", "G12", "Q1", "Q4", "S1", "G13"):
        assert f"（{ident}）" in zh17 or f"如 {ident}" in zh17, ident
    assert "达到本项标准值的学校（学段）数" in zh17
    zh12 = rules.indicator_notes(moe2012, "zh")
    assert "综合差异系数" in zh12 and not any(f"（{i}）" in zh12 for i in ("G3", "Q1", "S1"))
    assert "G13" not in rules.indicator_notes(moe2012, "en")
