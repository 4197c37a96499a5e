"""The per-character normalisation table, built once: what each code point becomes.

One lookup table covers NFKC (full-width → half-width, circled/superscript digits → ASCII),
lower-casing, traditional → simplified (OpenCC's character table), dingbat digits, and the
characters that are dropped (zero-width, variation selectors, emoji, decorations). Most entries
map one character to one character; the few that delete or expand are flagged so the
normaliser only pays for an offset map when a text actually contains one.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import numpy as np
import opencc

# Sentinels in the 1:1 lookup table (outside the Unicode range, so never a real mapping).
DELETE = 0xFFFF_FFFE
EXPAND = 0xFFFF_FFFF
REPLACEMENT_CHAR = 0xFFFD
UNICODE_SIZE = 0x110000

_ZERO_WIDTH = "\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2060\u2061\u2062\u2063\u2064\u2066\u2067\u2068\u2069\u206a\u206b\u206c\u206d\u206e\u206f\u3164\ufeff\uffa0\u20e3"
_DINGBAT_DIGITS = {
    **{0x2776 + i: str(i + 1 if i < 9 else 10) for i in range(10)},  # ❶…❿
    **{0x2780 + i: str(i + 1 if i < 9 else 10) for i in range(10)},  # ➀…➉
    **{0x278A + i: str(i + 1 if i < 9 else 10) for i in range(10)},  # ➊…➓
    0x24FF: "0", 0x24EA: "0", 0x1F10B: "0", 0x1F10C: "0",
}
# Ranges of pictographs and symbols treated as decoration (dropped) unless a policy maps them
# to a word. Letter-like symbols, arrows used as separators, CJK punctuation stay.
_EMOJI_RANGES = (
    (0x1F000, 0x1FAFF),  # mahjong … symbols & pictographs extended-A
    (0x2600, 0x27BF),  # misc symbols, dingbats
    (0x2B00, 0x2BFF),  # misc symbols and arrows (⭐ ⬆)
    (0x1F1E6, 0x1F1FF),  # regional indicators
    (0xE0020, 0xE007F),  # tag characters (flag sequences)
    (0xFE00, 0xFE0F),  # variation selectors
    (0xE0100, 0xE01EF),  # variation selectors supplement
)
# Code-point ranges scanned for NFKC / case / script mappings (the rest map to themselves).
_SCANNED_RANGES = ((0x0000, 0x2FFFF), (0x2F800, 0x2FA1F))
_CJK_RANGES = ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF), (0x20000, 0x2A6DF))


def _traditional_to_simplified_chars() -> dict[str, str]:
    """OpenCC's t2s applied character by character (a character table, not phrases)."""
    chars = [chr(cp) for lo, hi in _CJK_RANGES for cp in range(lo, hi + 1)]
    converter = opencc.OpenCC("t2s")
    converted = converter.convert("\n".join(chars)).split("\n")
    if len(converted) != len(chars):  # pragma: no cover - OpenCC keeps line structure
        converted = [converter.convert(c) for c in chars]
    return {src: dst for src, dst in zip(chars, converted) if src != dst and dst}


@dataclass(frozen=True)
class CharTable:
    """`one_to_one[cp]` is the mapped code point, DELETE, or EXPAND (see `expansions`).

    The same mapping is kept three ways, each fastest for one job: the NumPy array for bulk
    1:1 mapping of long texts, `translations` for `str.translate` (short texts, and any text that
    drops or expands characters), and `reshaping` — a regex matching any character that is
    dropped or expanded — to learn cheaply whether a short text needs an offset map at all."""

    one_to_one: np.ndarray  # uint32[UNICODE_SIZE]
    expansions: dict[int, str]  # cp → replacement of length ≠ 1
    translations: dict[int, str | None]  # cp → replacement (None = dropped), changed cps only
    reshaping: re.Pattern[str]

    def lookup(self, char: str) -> str:
        mapped = int(self.one_to_one[ord(char)])
        if mapped == DELETE:
            return ""
        if mapped == EXPAND:
            return self.expansions[ord(char)]
        return chr(mapped)


def build_char_table(decorations: str, symbol_words: dict[str, str]) -> CharTable:
    mapping: dict[int, str] = {}
    t2s = _traditional_to_simplified_chars()

    def settle(text: str) -> str:
        # Lower-case and simplify after NFKC; NFKC again in case simplification produced a
        # compatibility character (it does not in practice, but the table must be a fixpoint).
        text = unicodedata.normalize("NFKC", text).lower()
        return "".join(t2s.get(c, c) for c in text)

    for lo, hi in _SCANNED_RANGES:
        for cp in range(lo, hi + 1):
            if 0xD800 <= cp <= 0xDFFF:
                continue
            char = chr(cp)
            settled = settle(char)
            if settled != char:
                mapping[cp] = settled
    for cp, digit in _DINGBAT_DIGITS.items():
        mapping[cp] = digit
    for lo, hi in _EMOJI_RANGES:
        for cp in range(lo, hi + 1):
            if cp not in _DINGBAT_DIGITS:
                mapping[cp] = ""
    for char in _ZERO_WIDTH + decorations:
        mapping[ord(char)] = ""
    for symbol, word in symbol_words.items():
        # Only the first code point carries the word; a trailing variation selector is dropped.
        mapping[ord(symbol[0])] = settle(word)

    for cp in range(0xD800, 0xE000):  # lone surrogates
        mapping[cp] = chr(REPLACEMENT_CHAR)
    table = np.arange(UNICODE_SIZE, dtype=np.uint32)
    expansions: dict[int, str] = {}
    translations: dict[int, str | None] = {}
    reshaping_cps: list[int] = []
    for cp, replacement in mapping.items():
        if replacement == "":
            table[cp] = DELETE
            translations[cp] = None
            reshaping_cps.append(cp)
        elif len(replacement) == 1:
            table[cp] = ord(replacement)
            translations[cp] = replacement
        else:
            table[cp] = EXPAND
            expansions[cp] = replacement
            translations[cp] = replacement
            reshaping_cps.append(cp)
    return CharTable(table, expansions, translations, re.compile(f"[{_character_class(reshaping_cps)}]"))


def _character_class(code_points: list[int]) -> str:
    """A regex character class body for a set of code points, as ranges."""
    parts = []
    ordered = sorted(set(code_points))
    start = previous = ordered[0]
    for cp in ordered[1:] + [-1]:
        if cp == previous + 1:
            previous = cp
            continue
        parts.append(re.escape(chr(start)) if start == previous else f"{re.escape(chr(start))}-{re.escape(chr(previous))}")
        start = previous = cp
    return "".join(parts)
