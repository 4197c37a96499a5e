"""The native one-to-one character mapping gives the same normalised texts and offsets as the
pure-Python paths (NumPy for long texts, str.translate for short ones)."""

from __future__ import annotations

import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from redline.text.normalize import Normalizer, OneToOneMap, normalizer_for

needs_native = pytest.mark.skipif(OneToOneMap is None, reason="the C extension is not built")


def _pair() -> tuple[Normalizer, Normalizer]:
    table = normalizer_for().table
    return Normalizer(table, native=True), Normalizer(table, native=False)


def _assert_same(native: Normalizer, plain: Normalizer, original: str) -> None:
    got, expected = native.normalize(original), plain.normalize(original)
    assert got.text == expected.text
    got_offsets, expected_offsets = got.offsets, expected.offsets
    assert (got_offsets is None) == (expected_offsets is None)
    if got_offsets is not None:
        assert np.array_equal(got_offsets, expected_offsets)


@needs_native
@settings(max_examples=300, deadline=None)
@given(st.text(max_size=400))
def test_native_mapping_matches_the_plain_paths_on_any_text(original):
    _assert_same(*_pair(), original)


@needs_native
def test_native_mapping_matches_the_plain_paths_on_awkward_texts():
    native, plain = _pair()
    rng = random.Random(3)
    pieces = ["ＡＢＣ", "微信", "來這裡", "①②", "❶", "x²", "\u200b", "❤", "😀", "🛰", "一三八一二三四", "\ud800", "𝄞", "é", "İ", " ", "。", "abc"]
    for _ in range(2000):
        original = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 120)))
        _assert_same(native, plain, original)


@needs_native
def test_an_unchanged_text_is_returned_as_it_is():
    native, _ = _pair()
    text = "这款面霜很好用"
    assert native.normalize(text).text is text


@needs_native
def test_the_native_map_refuses_a_table_of_the_wrong_size():
    with pytest.raises(ValueError):
        OneToOneMap(np.zeros(10, dtype=np.uint32))
    with pytest.raises(ValueError):
        OneToOneMap(np.zeros(0x110000, dtype=np.uint8))


def test_the_plain_paths_are_used_when_asked(monkeypatch):
    monkeypatch.setenv("REDLINE_PURE_PYTHON", "1")
    assert Normalizer(normalizer_for().table)._map_one_to_one is None
