"""Absolute advertising words (SPEC R-TXT-2): context, and severity by commercial context."""

from __future__ import annotations

import pytest

from redline.checks import check_text

from .policy_helpers import policy_with

TEXT = "这是我用过最有效的面霜"


def absolute(result):
    return [f for f in result.findings if f.rule == "adlaw.absolute"]


def test_ordinary_note_gets_a_warning_without_penalty():
    [finding] = absolute(check_text(TEXT))
    assert finding.severity == "warning"
    assert (finding.points, finding.sanction) == (0, "")
    assert finding.excerpt == "最有效"
    assert "最有效" in finding.evidence and "普通笔记" in finding.evidence


@pytest.mark.parametrize(
    "fields",
    [
        {"kind": "product"},
        {"kind": "ad"},
        {"disclosed": True},
        {"product_attached": True},
    ],
)
def test_commercial_content_gets_a_violation(fields):
    [finding] = absolute(check_text(TEXT, **fields))
    assert finding.severity == "violation"
    assert "商业内容" in finding.evidence


def test_a_marketing_heavy_note_is_commercial():
    text = TEXT + "，兰蔻到手价¥399，领券再减50，闭眼入！"
    result = check_text(text)
    assert result.scores["marketing"] >= 0.7
    assert {f.severity for f in absolute(result)} == {"violation"}


def test_advice_proposes_a_compliant_rewording():
    [finding] = absolute(check_text(TEXT))
    assert "效果明显" in finding.advice  # the policy's rewording for 最有效
    [other] = absolute(check_text("这是独一无二的设计"))
    assert "独一无二" in other.advice  # the default advice names the word


def test_offsets_point_into_the_original_text():
    original = "這款面霜是我用過最🔥有效的"
    [finding] = absolute(check_text(original))
    assert original[finding.start : finding.end] == finding.excerpt == "最🔥有效"


def test_title_is_checked_on_its_own():
    result = check_text("正文没有问题", title="全网第一的粉底")
    [finding] = absolute(result)
    assert finding.field == "title" and finding.excerpt == "全网第一"


def test_nested_words_are_reported_once():
    findings = absolute(check_text("销量第一的精华"))
    assert [f.excerpt for f in findings] == ["销量第一"]


def test_category_allowance_and_severities_come_from_policy():
    text = "国家级品质"
    assert absolute(check_text(text, category="travel")) == []
    assert absolute(check_text(text, category="beauty"))
    custom = policy_with({"checks": {"adlaw": {"ordinary_severity": "info", "category_allowed": {"beauty": ["国家级"]}}}})
    assert absolute(check_text(text, policy=custom, category="beauty")) == []
    assert {f.severity for f in absolute(check_text("最有效", policy=custom))} == {"info"}
