"""Information increment (SPEC R-TXT-6): sources, personal detail, length and density."""

from __future__ import annotations

import pytest

from redline.checks import check_text

SCIENCE = "研究表明，熬夜会影响皮肤屏障的修复。临床上常见的表现是泛红和干燥。"


def rules(result, family="substance"):
    return [f.rule for f in result.findings if f.family == family]


def test_science_without_source_gets_the_90_percent_flag(policy):
    [finding] = [f for f in check_text(SCIENCE).findings if f.rule == "substance.science_no_source"]
    assert finding.severity == "warning"
    assert finding.sanction == policy.checks.substance.science_no_source_sanction == "throttle_90"
    assert "研究表明" in finding.evidence


@pytest.mark.parametrize(
    "source",
    ["参考《中华皮肤科杂志》2021年第3期", "DOI: 10.1056/NEJMoa2034577", "PMID: 28012345", "参考文献见文末", "数据来自中国营养学会"],
)
def test_a_named_source_clears_the_flag(source):
    found = rules(check_text(SCIENCE + source))
    assert "substance.science_no_source" not in found and "substance.science_sourced" in found


def test_category_makes_a_science_note_without_science_words():
    text = "防晒霜的SPF值代表对UVB的防护倍数，PA代表对UVA的防护等级。"
    assert "substance.science_no_source" not in rules(check_text(text))
    assert "substance.science_no_source" in rules(check_text(text, category="science"))


def test_review_needs_personal_detail():
    features = "面霜测评：成分有神经酰胺，质地轻薄，配方无香精，容量50ml。"
    assert "substance.low_information" in rules(check_text(features))
    detail = features + "我是混干皮，使用3天后T区出油减少。"
    assert "substance.low_information" not in rules(check_text(detail))


def test_length_and_density_are_reported_for_notes_only():
    note = check_text("今天 天气 很好😀！")
    assert note.scores["length"] == 7  # whitespace and emoji do not count; punctuation does
    assert note.scores["density"] == pytest.approx(6 / 8, abs=0.001)  # 6 informative of 8 visible (！ and 😀 are not)
    comment = check_text("今天天气很好", kind="comment")
    assert "length" not in comment.scores and "density" not in comment.scores
    assert rules(comment) == []


def test_fillers_and_repeats_lower_the_density():
    plain = check_text("这家店的牛肉面汤头浓郁，面条劲道").scores["density"]
    padded = check_text("哈哈哈哈哈哈家人们！！！这家店的牛肉面汤头浓郁，面条劲道啊啊啊啊啊").scores["density"]
    assert padded < plain
    assert "substance.thin" in rules(check_text("哈哈哈哈哈哈哈😂😂😂😂！！！！家人们绝绝子"))


def test_short_notes_get_an_info_finding(policy):
    short = [f for f in check_text("今天天气真好").findings if f.rule == "substance.short"]
    assert [f.severity for f in short] == ["info"]
    long_text = "周末带娃去了科技馆，" * (policy.checks.substance.min_chars // 9 + 1)
    assert "substance.short" not in rules(check_text(long_text))


def test_science_words_in_the_title_count():
    body = "熬夜会影响皮肤屏障的修复，常见的表现是泛红和干燥。"
    assert "substance.science_no_source" not in rules(check_text(body))
    assert "substance.science_no_source" in rules(check_text(body, title="科普｜熬夜与皮肤屏障的原理"))
    assert "substance.science_no_source" not in rules(check_text(body))  # nothing carried over


def test_review_words_in_the_title_count():
    body = "成分有神经酰胺，质地轻薄，配方无香精，容量50ml。"
    assert "substance.low_information" not in rules(check_text(body))
    assert "substance.low_information" in rules(check_text(body, title="面霜测评"))
