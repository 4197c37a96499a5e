"""The native weigher and its pure-Python twin give the same occurrences, sums and evidence, to
the last bit, in the order of an overlapping Aho-Corasick scan."""

from __future__ import annotations

import os
import random

import ahocorasick_rs
import pytest

from redline.checks import weigher as weigher_module
from redline.checks.sentiment import analyzer_for
from redline.checks.weigher import NativeWeigher, PlainWeigher, make_matcher, make_weigher
from redline.text.normalize import normalize

from .test_golden_reviews import REVIEWS, sample_requests

needs_native = pytest.mark.skipif(NativeWeigher is None, reason="the C extension is not built")
_BREAKS = "。.!?;\n…,、:"


def _both(words, weights, ranks=None):
    return make_weigher(words, weights, ranks, native=True), make_weigher(words, weights, ranks, native=False)


def _assert_same(native, plain, text: str, breaks: str = _BREAKS) -> None:
    assert native.matches(text) == plain.matches(text)
    assert native.total(text) == plain.total(text)  # exactly: the same additions in the same order
    assert native.evidence(text, breaks) == plain.evidence(text, breaks)


def test_plain_weigher_counts_every_overlapping_occurrence():
    weigher = PlainWeigher(["不好", "好用", "不好用", "好"], [1.0, -2.0, 0.5, 0.25], [1, -1, 0, -1])
    assert weigher.matches("不好用") == [(0, 0, 2), (3, 1, 2), (2, 0, 3), (1, 1, 3)]
    assert weigher.total("不好用") == 1.0 + 0.25 + 0.5 - 2.0
    assert weigher.total("") == 0.0 and isinstance(weigher.total("xyz"), float)
    # Two clauses, equally heavy: the first wins; the space around it is left out.
    assert weigher.evidence(" 不好用 ,不好用", ",") == ((1, 4), [0, 1])
    # ",好" starts on the break: it counts for the clause before, which is then the heavier.
    assert PlainWeigher([",好", "好"], [5.0, 1.0]).evidence("好,好", ",") == ((0, 1), [])
    assert weigher.evidence("3.5不好", ".")[0] == (0, 5)  # a full stop before a digit is no break
    assert weigher.evidence(",,", ",") == (None, [])


@needs_native
def test_native_weigher_matches_the_plain_one_on_awkward_texts():
    words = ["a", "ab", "abc", "bc", "c", "𝄞", "x𝄞", "好", "不好", "不好用", "很不好用啊", "用"]
    weights = [0.1, 0.7, -0.3, 1e-9, 3.0, 0.2, -0.2, 0.5, 1.25, -0.75, 2.5, 0.1]
    ranks = [0, -1, 3, 1, -1, 2, -1, 5, 4, -1, 6, -1]
    native, plain = _both(words, weights, ranks)
    rng = random.Random(2)
    alphabet = "abcx𝄞好不用很啊 。,.15\n"
    for _ in range(3000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40)))
        _assert_same(native, plain, text)
        _assert_same(native, plain, text, "a。")


@needs_native
def test_native_weigher_matches_the_plain_one_on_the_sentiment_model():
    analyzer = analyzer_for()
    words = list(analyzer.weights)
    native, plain = _both(words, list(analyzer.weights.values()), list(range(len(words))))
    texts = [normalize(text).text for text in ("质量太差了，不推荐！", "敏感肌能用吗？", "", "好好好好好", "😀👍 OK 1.5元")]
    if REVIEWS.exists():
        texts += [normalize(request.text).text for request in sample_requests()]
    for text in texts:
        _assert_same(native, plain, text)


@needs_native
def test_native_matcher_finds_what_the_automaton_finds_for_every_detector_word():
    from redline.checks import checker_for

    words = checker_for()._words
    native, plain = make_matcher(words, native=True), make_matcher(words, native=False)
    texts = ["加我vx abc123，微信号：iphone15", "最有效的第一品牌，治疗糖尿病", "", "Top10 macbook"]
    if REVIEWS.exists():
        texts += [normalize(request.text).text for request in sample_requests()]
    for text in texts:
        assert native.matches(text) == plain.matches(text)


@needs_native
def test_native_weigher_rejects_bad_words():
    with pytest.raises(ValueError):
        NativeWeigher(["a", ""], [1.0, 2.0])
    with pytest.raises(ValueError):
        NativeWeigher(["a", "a"], [1.0, 2.0])
    with pytest.raises(ValueError):
        NativeWeigher(["a"], [1.0, 2.0])
    with pytest.raises(ValueError):
        NativeWeigher(["a"], [1.0], [1])
    with pytest.raises(RuntimeError):
        NativeWeigher.__new__(NativeWeigher).total("a")


def test_the_plain_weigher_is_used_when_asked_or_when_the_extension_is_missing(monkeypatch):
    monkeypatch.setenv("REDLINE_PURE_PYTHON", "1")
    assert isinstance(make_weigher(["a"], [1.0]), PlainWeigher)
    monkeypatch.delenv("REDLINE_PURE_PYTHON")
    monkeypatch.setattr(weigher_module, "NativeWeigher", None)
    assert isinstance(make_weigher(["a"], [1.0]), PlainWeigher)
    with pytest.raises(RuntimeError):
        make_weigher(["a"], [1.0], native=True)


def test_plain_weigher_agrees_with_an_automaton_scan():
    words = ["不好", "好用", "不好用", "好"]
    automaton = ahocorasick_rs.AhoCorasick(words)
    text = "这个不好用，真的不好，好用吗"
    assert PlainWeigher(words, [1.0] * 4).matches(text) == automaton.find_matches_as_indexes(text, overlapping=True)


@pytest.mark.skipif(not os.environ.get("CI"), reason="only CI insists that the extension is built")
def test_ci_builds_the_native_weigher():
    assert NativeWeigher is not None, "hatch_build.py did not compile src/redline/_native/weigher.c"
