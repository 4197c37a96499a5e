"""Normalise text for matching, keeping a map from every normalised position to the original.

Steps, in order: each character through the `CharTable` (NFKC, lower case, traditional →
simplified, digit forms, dropped decorations, symbol words), then runs of Chinese numerals in a
digit context (一三八… → 138…). Alias and homophone forms of contact words (威信, vx, 绿泡泡…)
are not rewritten here: the detectors' vocabularies carry them, mapped to their concept.

Speed matters (every note, comment and DM passes through here): texts are mapped in one native
pass (`redline._native.charmap`) when the extension is built — else long texts in bulk with NumPy
over UTF-32 code units, short ones with `str.translate` — and an offset map is built only when a
character was dropped or expanded — and then only when a finding asks for it; otherwise
positions are the same in both texts.
"""

from __future__ import annotations

import re
from functools import lru_cache

import numpy as np

from redline import _native
from redline.text.charmap import DELETE, EXPAND, CharTable, build_char_table

try:
    from redline._native.charmap import OneToOneMap
except ImportError:  # not built: the NumPy and str.translate paths do the same
    OneToOneMap = None

_CHINESE_DIGITS = "零〇一二三四五六七八九壹贰叁肆伍陆柒捌玖幺两"
_CHINESE_DIGIT_VALUES = str.maketrans({c: d for c, d in zip(_CHINESE_DIGITS, "0012345678912345678912")})
_SEPARATORS = r"\s\-_.·,/|~*+—–"


class NormalizedText:
    """`text` is the normalised form of `original`; `offsets[i]` is the original index of
    normalised character i, or None when the two texts are aligned character for character.

    When characters were dropped or expanded, the offset map is computed on first use: most
    texts produce no finding and never need it."""

    __slots__ = ("original", "text", "_offsets", "_table", "_codes")

    def __init__(
        self, original: str, text: str, offsets: np.ndarray | None = None, table: CharTable | None = None, codes: np.ndarray | None = None
    ):
        self.original = original
        self.text = text
        self._offsets = offsets
        self._table = table  # set while the offset map is still to be computed
        self._codes = codes  # the code points of `text`, when the normaliser had them at hand

    def __repr__(self) -> str:
        return f"NormalizedText(text={self.text!r})"

    @property
    def offsets(self) -> np.ndarray | None:
        if self._table is not None:
            self._offsets = _offset_map(self.original, self._table)
            self._table = None
        return self._offsets

    def code_points(self) -> np.ndarray:
        """The normalised text as an array of code points (uint32), computed once."""
        if self._codes is None:
            self._codes = _code_points(self.text)
        return self._codes

    def original_index(self, index: int) -> int:
        offsets = self.offsets
        return index if offsets is None else int(offsets[index])

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Map the normalised span [start, end) to the smallest original span covering it."""
        offsets = self.offsets
        if offsets is None:
            return start, end
        if not self.text:
            return 0, 0
        start = min(max(start, 0), len(self.text) - 1)
        end = min(max(end, start + 1), len(self.text))
        return int(offsets[start]), int(offsets[end - 1]) + 1

    def original_slice(self, start: int, end: int) -> str:
        o_start, o_end = self.to_original(start, end)
        return self.original[o_start:o_end]


def _code_points(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype="<u4")


def _offset_map(original: str, table: CharTable) -> np.ndarray:
    """Original index of every normalised character: each original character repeated as many
    times as it produces (0 when dropped, the expansion's length when expanded)."""
    mapped = table.one_to_one[_code_points(original)]
    lengths = (mapped != DELETE).astype(np.int64)
    for position in np.flatnonzero(mapped == EXPAND).tolist():
        lengths[position] = len(table.expansions[ord(original[position])])
    return np.repeat(np.arange(len(original), dtype=np.int64), lengths)


# Below this length `str.translate` beats NumPy's fixed per-call costs (measured in
# bench/bench_check.py's texts: ~40-character comments vs ~300-character notes).
_SHORT_TEXT = 96


class Normalizer:
    def __init__(self, table: CharTable, numeral_run_min: int = 4, native: bool | None = None):
        self.table = table
        if native is None:
            native = OneToOneMap is not None and _native.wanted()
        # The native one-to-one pass: a str, or None when a character is dropped or expanded.
        self._map_one_to_one = OneToOneMap(table.one_to_one).map if native else None
        digit = f"[0-9{_CHINESE_DIGITS}]"
        self._numeral_run = re.compile(f"{digit}(?:[{_SEPARATORS}]*{digit}){{{numeral_run_min - 1},}}")
        self._has_chinese_digit = re.compile(f"[{_CHINESE_DIGITS}]")

    def normalize(self, original: str) -> NormalizedText:
        if not original:
            return NormalizedText(original, "")
        table = self.table
        if self._map_one_to_one is not None:
            text = self._map_one_to_one(original)
            if text is not None:
                return NormalizedText(original, self._digits_in_numeral_runs(text))
            text = self._digits_in_numeral_runs(original.translate(table.translations))
            return NormalizedText(original, text, None, table)
        if len(original) <= _SHORT_TEXT:
            text = original.translate(table.translations)
            aligned = table.reshaping.search(original) is None
        else:
            mapped = table.one_to_one[_code_points(original)]
            # One comparison answers "anything dropped or expanded?" (both sentinels are ≥ DELETE).
            aligned = not (mapped >= DELETE).any()
            if aligned:
                text = mapped.tobytes().decode("utf-32-le")
                with_digits = self._digits_in_numeral_runs(text)
                # The mapped code points are the text's own unless numerals were rewritten.
                return NormalizedText(original, with_digits, None, None, mapped if with_digits is text else None)
            text = original.translate(table.translations)
        text = self._digits_in_numeral_runs(text)
        return NormalizedText(original, text, None, None if aligned else table)

    def _digits_in_numeral_runs(self, text: str) -> str:
        # Half the texts hold a Chinese digit (一, 两…), few a run of them: a search settles the
        # rest before `sub` builds anything.
        if not self._has_chinese_digit.search(text) or not self._numeral_run.search(text):
            return text
        # Same-length replacement, so the offset map stays valid.
        return self._numeral_run.sub(lambda m: m.group(0).translate(_CHINESE_DIGIT_VALUES), text)


@lru_cache(maxsize=8)
def _normalizer(decorations: str, symbol_words: tuple[tuple[str, str], ...], numeral_run_min: int) -> Normalizer:
    return Normalizer(build_char_table(decorations, dict(symbol_words)), numeral_run_min)


def normalizer_for(policy=None) -> Normalizer:
    """The (cached) normaliser for a policy's `[text]` section; the shipped policy by default."""
    if policy is None:
        from redline.policy import default_policy

        policy = default_policy()
    text_policy = policy.text
    return _normalizer(  # keyed by the values, so equal [text] sections share one table
        text_policy.decorations,
        tuple(sorted(text_policy.symbol_words.items())),
        text_policy.numeral_run_min,
    )


def normalize(text: str, policy=None) -> NormalizedText:
    return normalizer_for(policy).normalize(text)
