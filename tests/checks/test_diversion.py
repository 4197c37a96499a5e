"""Diversion (SPEC R-TXT-1): what the corpus format cannot say — exact spans over obfuscated
originals, policy-driven behaviour, homophone generation, and spans that stay inside the text
for any input."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from redline.checks import CheckRequest, check_text, checker_for
from redline.checks.diversion import _Excluded
from redline.checks.homophones import homophones
from .policy_helpers import policy_with


def diversion(result):
    return [f for f in result.findings if f.family == "diversion"]


def test_span_covers_the_obfuscated_original_exactly():
    text = "姐妹们 加我 微@信：ＡＢＣ＿１２３ 就行"
    [finding] = diversion(check_text(text, kind="comment"))
    assert finding.rule == "diversion.wechat" and finding.severity == "violation"
    assert text[finding.start : finding.end] == finding.excerpt == "微@信：ＡＢＣ＿１２３"
    assert "abc_123" in finding.evidence


def test_digits_split_by_separators_and_written_in_other_forms_are_one_number():
    text = "速联 一三八①②③４５６ 78"
    [finding] = diversion(check_text(text))
    assert finding.rule == "diversion.phone"
    assert finding.excerpt == "一三八①②③４５６ 78"
    assert "13812345678" in finding.evidence


def test_emoji_contact_words_map_back_to_the_emoji():
    text = "有事📞 139-0000-1111"
    [finding] = diversion(check_text(text))
    assert finding.rule == "diversion.phone" and finding.excerpt.startswith("📞")


def test_violation_carries_the_policy_sanction_and_the_ledger_escalation(policy):
    [finding] = diversion(check_text("vx：abc12345"))
    assert finding.sanction == policy.checks.diversion.sanction
    assert finding.points == policy.checks.diversion.points
    first, second = policy.ledger.rules[policy.ledger.rule_key("diversion.wechat")].account
    assert f"首次违规限流 {first.days} 天" in finding.advice
    assert f"再次违规禁言 {second.days} 天" in finding.advice


def test_a_cue_without_an_id_is_a_warning_without_sanction():
    [finding] = diversion(check_text("想要的私我"))
    assert (finding.rule, finding.severity, finding.sanction) == ("diversion.soft_cue", "warning", "")


def test_a_cue_next_to_a_contact_joins_the_violation():
    [finding] = diversion(check_text("复制这段 ¥AbC123xYz¥ 打开手机淘宝"))
    assert finding.rule == "diversion.url" and finding.severity == "violation"
    assert finding.excerpt.startswith("复制这段") and "¥AbC123xYz¥" in finding.excerpt


def test_homophones_count_only_with_an_id():
    assert diversion(check_text("这位老师很有威信")) == []
    [finding] = diversion(check_text("威信 abc12345"))
    assert finding.rule == "diversion.wechat" and finding.severity == "violation"


def test_pypinyin_homophones_cover_every_same_sounding_pair():
    generated = homophones("微信")
    assert {"微信", "威信", "薇信", "维信", "围心", "为新"} <= generated
    assert all(len(word) == 2 for word in generated)
    assert "卫星" not in generated  # xing is not xin
    assert homophones("qq") == frozenset({"qq"})  # Latin has no pinyin


def test_id_window_comes_from_the_policy():
    text = "微信：" + " " * 9 + "abc12345"  # 10 characters between the word and the id
    assert [f.severity for f in diversion(check_text(text))] == ["violation"]
    narrow = policy_with({"checks": {"diversion": {"id_window": 5}}})
    assert diversion(check_text(text, policy=narrow)) == []
    assert [f.severity for f in diversion(check_text("微信：abc12345", policy=narrow))] == ["violation"]


def test_words_between_a_contact_word_and_a_number_break_the_link():
    assert diversion(check_text("微信里说订单 20261121 到")) == []


def test_word_lists_come_from_the_policy():
    custom = policy_with({"checks": {"diversion": {"wechat_aliases": ["小绿"]}}})
    assert [f.rule for f in diversion(check_text("资料在小绿上", policy=custom))] == ["diversion.wechat"]
    assert diversion(check_text("资料在小绿上")) == []


def test_allowed_domains_are_not_links():
    assert diversion(check_text("原帖 https://www.xiaohongshu.com/explore/1")) == []
    custom = policy_with({"checks": {"diversion": {"allowed_domains": []}}})
    assert [f.rule for f in diversion(check_text("原帖 https://www.xiaohongshu.com/explore/1", policy=custom))] == ["diversion.url"]


def test_title_is_checked_with_offsets_into_the_title():
    [finding] = diversion(check_text("正文没有问题", title="加V：abc12345"))
    assert finding.field == "title" and finding.excerpt == "加V：abc12345"


def test_order_numbers_and_dates_stay_clean_even_next_to_contact_words():
    text = "微信支付的订单号 2026112112345678，2026-11-21 下单，客服电话手表款"
    assert diversion(check_text(text)) == []


_PIECES = st.sampled_from(
    ["微", "信", "@", " ", "v", "x", "1", "3", "8", "-", "①", "一", "三", "八", "qq", "企鹅", "📞", "🛰", "\u200b",
     "私我", "扫码加", "t.cn/", "abc", "艾特", "点com", "¥", "元", "号", "：", "\n", "好", "的"]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_PIECES, max_size=40).map("".join))
def test_any_mix_of_contact_fragments_yields_spans_inside_the_original(text):
    for finding in check_text(text, kind="comment").findings:
        assert 0 <= finding.start <= finding.end <= len(text)
        assert text[finding.start : finding.end] == finding.excerpt


# Mostly what the quick return lets through unread: Han characters of contact words, separators
# between them, emoji and full-width forms; now and then a digit or letter.
_QUIET_PIECES = st.sampled_from(
    ["微", "信", "威", "企", "鹅", "电", "话", "加", "我", "私", "号", "码", " ", "·", "～", "*", "，", "。", "📞", "🛰",
     "①", "一", "三", "Ｖ", "ｘ", "好", "的", "\u200b", "\n", "7", "微·信", "绿～泡～泡", "卫*星号", "加"]
)


# The shipped policy's shared scan already hands diversion the Han words spelled with separators;
# with fewer separators there, only the detector's own spelling pass finds 微·信.
_FEW_SHARED_SEPARATORS = policy_with({"text": {"spaced_separators": " "}})


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(_QUIET_PIECES, _PIECES), max_size=30).map("".join), st.booleans())
def test_the_quick_return_finds_what_the_full_path_finds(text, few_shared_separators):
    # A text with no word hit, no ASCII letter or digit and no separator inside a contact word is
    # returned from at once; the full path must find nothing more in any text.
    checker = checker_for(_FEW_SHARED_SEPARATORS if few_shared_separators else None)
    detector = next(d for d in checker.detectors if d.family == "diversion")
    request = CheckRequest(text=text, kind="comment")
    quick = diversion(checker.check(request))
    gate, detector._may_hold_contact = detector._may_hold_contact, None
    try:
        full = diversion(checker.check(request))
    finally:
        detector._may_hold_contact = gate
    assert quick == full


def test_policy_words_may_be_written_in_any_form():
    custom = policy_with({"checks": {"diversion": {"wechat_aliases": ["ＭＹ號"]}}})
    [finding] = diversion(check_text("资料在my号里", policy=custom))
    assert finding.rule == "diversion.wechat" and finding.severity == "warning"


_SPANS = st.lists(st.tuples(st.integers(0, 60), st.integers(1, 8)).map(lambda t: (t[0], t[0] + t[1])), max_size=12)


@settings(max_examples=200, deadline=None)
@given(_SPANS, st.integers(0, 70), st.integers(1, 8))
def test_exclusion_lookup_agrees_with_a_plain_scan(spans, start, length):
    # The detector answers "does any excluding phrase overlap this hit?" by bisection, so that
    # texts with thousands of phrases stay linear; it must agree with the obvious scan.
    end = start + length
    expected = any(s < end and start < e for s, e in spans)
    assert _Excluded(spans).overlaps(start, end) == expected
