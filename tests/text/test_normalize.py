"""Normalisation: what each step does, and the offset map back to the original."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from redline.text import normalize


@pytest.mark.parametrize(
    ("original", "expected"),
    [
        ("ＡＢＣ１２３", "abc123"),  # full-width → half-width, case folded
        ("微信ＶＸ", "微信vx"),
        ("來這裡買髮夾", "来这里买发夹"),  # traditional → simplified
        ("①②③⑧", "1238"),  # circled digits
        ("❶➁➌", "123"),  # dingbat digits
        ("x²³", "x23"),  # superscripts
        ("微\u200b信", "微信"),  # zero-width
        ("微❤信", "微信"),  # decoration between characters
        ("V✨X", "vx"),  # emoji between characters
        ("🛰", "卫星"),  # symbol standing for a word
        ("📞", "电话"),
        ("一三八一二三四五六七八", "13812345678"),  # a run of Chinese numerals in a number
        ("壹叁捌 1234 5678", "138 1234 5678"),
        ("第一次用，一起去", "第一次用,一起去"),  # numerals in words stay words
        ("，。！？", ",。!?"),
    ],
)
def test_normalisation_steps(original, expected):
    assert normalize(original).text == expected


def test_spans_map_back_to_the_original_text():
    original = "加我❤威\u200b信：ＡＢＣ１２３ 🛰"
    result = normalize(original)
    start = result.text.index("威信")
    o_start, o_end = result.to_original(start, start + 2)
    assert original[o_start:o_end] == "威\u200b信"
    start = result.text.index("abc123")
    assert result.original_slice(start, start + 6) == "ＡＢＣ１２３"
    start = result.text.index("卫星")
    assert result.original_slice(start, start + 2) == "🛰"


def test_aligned_text_needs_no_offset_map():
    result = normalize("今天天气很好，适合出门。")
    assert result.offsets is None
    assert result.to_original(2, 4) == (2, 4)


def test_lone_surrogates_become_replacement_characters():
    assert normalize("a\ud800b").text == "a\ufffdb"


def test_empty_text():
    result = normalize("")
    assert result.text == "" and result.to_original(0, 0) == (0, 0)


def test_one_megabyte_text():
    original = ("这是一段很长的笔记，包含Ｅｍｏｊｉ✨和繁體字。" * 50_000)[:1_000_000]
    result = normalize(original)
    assert len(result.text) < len(original)
    assert result.original_index(len(result.text) - 1) < len(original)


texts = st.text(alphabet=st.characters(codec=None, exclude_categories=()), max_size=200)


@settings(max_examples=300, deadline=None)
@given(texts)
def test_any_input_normalises_and_every_position_maps_inside_the_original(original):
    result = normalize(original)
    assert isinstance(result.text, str)
    if result.offsets is not None:
        assert len(result.offsets) == len(result.text)
        assert all(0 <= int(i) < len(original) for i in result.offsets)
        assert list(result.offsets) == sorted(result.offsets)  # order is preserved
    else:
        assert len(result.text) == len(original)
    for start in range(len(result.text)):
        o_start, o_end = result.to_original(start, start + 1)
        assert 0 <= o_start < o_end <= len(original)


@settings(max_examples=200, deadline=None)
@given(texts)
def test_normalisation_is_idempotent_on_its_output(original):
    once = normalize(original).text
    assert normalize(once).text == once


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from(["😀", "👍🏻", "👨‍👩‍👧", "🇨🇳", "1️⃣", "❤️", "\u200d", "\ufe0f", "微", "信", "a", "1"]), max_size=60))
def test_emoji_sequences(parts):
    original = "".join(parts)
    result = normalize(original)
    assert all(ch not in result.text for ch in "\u200d\ufe0f")
