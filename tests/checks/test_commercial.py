"""Marketing intensity and unreported soft ads (SPEC R-TXT-5)."""

from __future__ import annotations

import pytest

from redline.checks import check_text
from redline.checks.finding import TEXT_KINDS

from .policy_helpers import policy_with

SOFT_AD = "兰蔻小黑瓶，到手价¥399，领券再减50，闭眼入！链接在左下角小黄车"


def marketing(text: str, **fields) -> float:
    return check_text(text, **fields).scores["marketing"]


@pytest.mark.parametrize("kind", TEXT_KINDS)
def test_every_kind_of_text_gets_a_marketing_score(kind):
    score = check_text("今天天气不错", kind=kind).scores["marketing"]
    assert score == 0.0


def test_score_rises_with_each_piece_of_evidence():
    steps = [
        "这支口红颜色很好看",
        "兰蔻这支口红颜色很好看",
        "兰蔻这支口红颜色很好看，到手价199元",
        "兰蔻这支口红颜色很好看，到手价199元，闭眼入",
        "兰蔻这支口红颜色很好看，到手价199元，闭眼入，领券再减20",
        "兰蔻这支口红颜色很好看，到手价199元，闭眼入，领券再减20，https://item.example.com/1",
    ]
    scores = [marketing(text) for text in steps]
    assert scores == sorted(scores) and len(set(scores)) == len(scores), scores
    assert scores[0] == 0.0 and 0.0 < scores[-1] < 1.0


def test_product_attached_counts_as_evidence():
    text = "兰蔻这支口红颜色很好看"
    assert marketing(text, product_attached=True) > marketing(text)


def test_one_signal_repeated_is_capped():
    once = marketing("兰蔻" * 3 + "的粉底")
    many = marketing("兰蔻" * 30 + "的粉底")
    assert once == many


def test_soft_ad_names_its_evidence_and_penalty(policy):
    result = check_text(SOFT_AD)
    [finding] = [f for f in result.findings if f.rule == "commercial.soft_ad"]
    section = policy.checks.commercial
    assert finding.severity == "violation"
    assert finding.points == section.points == 2
    assert finding.sanction == section.sanction
    for component in ("品牌", "价格", "购买号召", "优惠"):
        assert component in finding.evidence
    assert f"{result.scores['marketing']:.2f}" in finding.evidence
    assert "蒲公英" in finding.advice


@pytest.mark.parametrize(
    "fields",
    [{"disclosed": True}, {"kind": "product"}, {"kind": "ad"}, {"kind": "comment"}],
)
def test_no_soft_ad_when_disclosed_or_not_a_note(fields):
    result = check_text(SOFT_AD, **fields)
    assert not [f for f in result.findings if f.rule == "commercial.soft_ad"]
    assert result.scores["marketing"] >= 0.7  # the score is still reported


def test_disclosure_words_count_but_denials_do_not():
    assert not [f for f in check_text("#广告 " + SOFT_AD).findings if f.family == "commercial"]
    assert [f for f in check_text("非广告！" + SOFT_AD).findings if f.rule == "commercial.soft_ad"]


def test_complaints_are_discounted():
    praise = "兰蔻粉底到手价399元，赠品是小样，闭眼入"
    complaint = "差评！兰蔻粉底到手价399元，赠品是小样，闭眼入的结果是退货"
    assert marketing(complaint) < marketing(praise)


def test_threshold_comes_from_policy():
    text = "兰蔻这支口红颜色很好看，到手价199元"
    assert not [f for f in check_text(text).findings if f.rule == "commercial.soft_ad"]
    strict = policy_with({"checks": {"commercial": {"soft_ad_threshold": 0.3}}})
    assert [f for f in check_text(text, policy=strict).findings if f.rule == "commercial.soft_ad"]


def test_bad_pattern_in_policy_is_an_error_naming_the_key():
    from redline.errors import PolicyError

    with pytest.raises(PolicyError, match="price_patterns"):
        policy_with({"checks": {"commercial": {"price_patterns": ["(unclosed"]}}})


def test_title_evidence_counts_for_the_note():
    title, body = "兰蔻小黑瓶闭眼入！", "今天到手价¥399"
    alone = check_text(body)
    together = check_text(body, title=title)
    assert together.scores["marketing"] > alone.scores["marketing"]
    assert not [f for f in alone.findings if f.rule == "commercial.soft_ad"]
    [finding] = [f for f in together.findings if f.rule == "commercial.soft_ad"]
    assert "兰蔻" in finding.evidence and finding.field == "text"


def test_a_disclosure_in_the_title_counts():
    result = check_text("到手价¥399，领券再减50", title="【广告】兰蔻小黑瓶闭眼入")
    assert not [f for f in result.findings if f.rule == "commercial.soft_ad"]


def test_title_evidence_does_not_leak_into_the_next_request():
    check_text("今天天气不错", title="兰蔻小黑瓶闭眼入！到手价¥399，领券再减50")
    assert check_text("今天天气不错").scores["marketing"] == 0.0
