"""Display counts: every form exporters write, unknown stays unknown, garbage is an error."""

import pytest

from redline.errors import InputError
from redline.ingest.counts import CountError, DisplayCount, parse_count, parse_display_count


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1.3万", 13_000),
        ("2.1w", 21_000),
        ("2.1W", 21_000),
        ("3千", 3_000),
        ("1k+", 1_000),
        ("1.5k", 1_500),
        ("100+", 100),
        ("2,345", 2_345),
        ("1,234,567", 1_234_567),
        ("10万+", 100_000),
        ("1.2亿", 120_000_000),
        ("0", 0),
        ("42", 42),
        (" 42 ", 42),
        ("４２", 42),  # full-width digits
        ("3.0", 3),
        (17, 17),
        (0, 0),
        (12.0, 12),
    ],
)
def test_display_forms(raw, expected):
    assert parse_count(raw) == expected


@pytest.mark.parametrize("raw", [None, "", "   ", "null", "-", float("nan")])
def test_empty_is_unknown_never_zero(raw):
    assert parse_count(raw) is None


def test_lower_bounds_are_marked():
    assert parse_display_count("10万+") == DisplayCount(100_000, at_least=True)
    assert parse_display_count("1.3万") == DisplayCount(13_000, at_least=False)


@pytest.mark.parametrize("raw", ["很多", "1.3万万", "abc", "1,23", "万", "12.5", "1.23456k", "1e3", True, [1]])
def test_garbage_is_an_error_naming_the_text(raw):
    with pytest.raises(CountError) as info:
        parse_count(raw)
    assert isinstance(info.value, InputError)
    assert "计数" in str(info.value)


@pytest.mark.parametrize("raw", ["-5", "-1.3万", -3, -2.0])
def test_negative_is_an_error(raw):
    with pytest.raises(CountError, match="负数"):
        parse_count(raw)


def test_decimal_units_do_not_drift():
    # 1.3 × 10000 in binary floating point is 13000.000000000002; counts must be exact.
    assert parse_count("1.3万") == 13_000
    assert parse_count("0.7万") == 7_000
