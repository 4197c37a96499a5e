"""Values review (SPEC R-TXT-4): clickbait in titles, anxiety, wealth, severe cases."""

from __future__ import annotations

from redline.checks import check_text


def values(result):
    return [f for f in result.findings if f.family == "values"]


def test_clickbait_in_the_title_is_a_violation_and_in_the_body_a_warning():
    title = values(check_text("正文", title="99%的人不知道的护肤真相"))
    assert [(f.field, f.severity) for f in title] == [("title", "violation")]
    body = values(check_text("99%的人不知道的护肤真相"))
    assert [(f.field, f.severity) for f in body] == [("text", "warning")]


def test_title_only_words_are_ordinary_speech_in_a_body():
    assert values(check_text("拿到快递都惊呆了")) == []
    assert [f.rule for f in values(check_text("正文", title="惊呆了！这个方法"))] == ["values.clickbait"]


def test_severe_content_bans_on_confirmation(policy):
    [finding] = values(check_text("出售冰毒"))
    assert finding.rule == "values.severe" and finding.severity == "violation"
    assert finding.sanction == policy.checks.values.severe_sanction == "account_ban"
    assert "人工确认" in finding.evidence


def test_anxiety_and_wealth_are_warnings_with_advice():
    findings = values(check_text("35岁失业的人都去哪了？00后月入50万"))
    assert {f.rule for f in findings} == {"values.anxiety", "values.wealth"}
    assert all(f.severity == "warning" and f.advice for f in findings)


def test_numbers_in_patterns_are_matched_after_normalisation():
    [finding] = values(check_text("程序员４０岁被优化"))
    assert finding.rule == "values.anxiety" and finding.excerpt == "４０岁被优化"
