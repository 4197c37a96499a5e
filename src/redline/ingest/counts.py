"""Display counts as exporters write them: `1.3万`, `2.1w`, `3千`, `1k+`, `100+`, `2,345`, `10万+`.

One parser for every importer. An empty count is *unknown* (None), never 0: reading an unknown
count as 0 silently inverts rankings. A count that cannot be read is an error naming the text,
and a negative count is an error too (a display count is never below zero).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from redline.errors import InputError

# Unit suffixes seen in exports, as multipliers. 万/w = 10 000, 千/k = 1 000, 亿 = 10^8.
_UNITS: dict[str, int] = {
    "": 1,
    "k": 1_000,
    "千": 1_000,
    "w": 10_000,
    "万": 10_000,
    "亿": 100_000_000,
}

# A number (optionally with thousands separators or a decimal part), an optional unit, an
# optional "+" meaning "at least". Applied after NFKC and lower-casing (full-width digits, "Ｗ").
_COUNT = re.compile(
    r"^(?P<number>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)"
    r"\s*(?P<unit>[kw千万亿]?)\s*(?P<plus>\+?)$"
)
_EMPTY = {"", "-", "--", "null", "none", "nan", "n/a"}


class CountError(InputError):
    """A display count that cannot be read (garbage, negative, fractional without a unit)."""


@dataclass(frozen=True, slots=True)
class DisplayCount:
    """A parsed display count: the value and whether the display was a lower bound (`10万+`)."""

    value: int
    at_least: bool = False


def parse_display_count(raw: object) -> DisplayCount | None:
    """Parse a display count; None when it is empty/unknown. Raises `CountError` when unreadable."""
    if raw is None:
        return None
    if isinstance(raw, bool):  # bool is an int subclass; True is not a count
        raise CountError(f"无法识别的计数：{raw!r}（应为数字或“1.3万”这类显示值）")
    if isinstance(raw, int):
        if raw < 0:
            raise CountError(f"计数不能为负数：{raw}")
        return DisplayCount(raw)
    if isinstance(raw, float):
        if raw != raw:  # NaN: pandas/Excel write it for empty cells
            return None
        if raw < 0:
            raise CountError(f"计数不能为负数：{raw:g}")
        if not raw.is_integer():
            raise CountError(f"计数应为整数：{raw:g}")
        return DisplayCount(int(raw))
    if not isinstance(raw, str):
        raise CountError(f"无法识别的计数：{raw!r}（应为数字或“1.3万”这类显示值）")

    text = unicodedata.normalize("NFKC", raw).strip().lower().replace("，", ",")
    if text in _EMPTY:
        return None
    if text.startswith("-") and _COUNT.match(text[1:].strip()):
        raise CountError(f"计数不能为负数：{raw.strip()}")
    match = _COUNT.match(text)
    if match is None:
        raise CountError(f"无法识别的计数：{raw.strip()!r}（应为数字或“1.3万”“2.1w”“1k+”这类显示值）")
    try:
        number = Decimal(match["number"].replace(",", ""))
    except InvalidOperation:  # pragma: no cover - the pattern admits only decimal numbers
        raise CountError(f"无法识别的计数：{raw.strip()!r}") from None
    value = number * _UNITS[match["unit"]]
    if value != value.to_integral_value():
        raise CountError(f"计数应为整数：{raw.strip()!r}")
    return DisplayCount(int(value), at_least=bool(match["plus"]))


def parse_count(raw: object) -> int | None:
    """The count as an integer (a lower bound for `10万+`), or None when empty/unknown."""
    parsed = parse_display_count(raw)
    return None if parsed is None else parsed.value
