"""Normalise text for matching, keeping a map from every normalised position to the original.

Steps, in order: each character through the `CharTable` (NFKC, lower case, traditional →
simplified, digit forms, dropped decorations, symbol words), then runs of Chinese numerals in a
digit context (一三八… → 138…). Alias and homophone forms of contact words (威信, vx, 绿泡泡…)
are not rewritten here: the detectors' vocabularies carry them, mapped to their concept.

Speed matters (every note, comment and DM passes through here), so the common case is done in
bulk with NumPy over UTF-32 code units, and an offset map is built only when a character was
dropped or expanded; otherwise positions are the same in both texts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from redline.text.charmap import DELETE, EXPAND, CharTable, build_char_table

_CHINESE_DIGITS = "零〇一二三四五六七八九壹贰叁肆伍陆柒捌玖幺两"
_CHINESE_DIGIT_VALUES = str.maketrans({c: d for c, d in zip(_CHINESE_DIGITS, "0012345678912345678912")})
_SEPARATORS = r"\s\-_.·,/|~*+—–"


@dataclass(frozen=True, slots=True)
class NormalizedText:
    """`text` is the normalised form of `original`; `offsets[i]` is the original index of
    normalised character i (None when the two texts are aligned character for character)."""

    original: str
    text: str
    offsets: np.ndarray | None = None

    def original_index(self, index: int) -> int:
        if self.offsets is None:
            return index
        return int(self.offsets[index])

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Map the normalised span [start, end) to the smallest original span covering it."""
        if self.offsets is None:
            return start, end
        if not self.text:
            return 0, 0
        start = min(max(start, 0), len(self.text) - 1)
        end = min(max(end, start + 1), len(self.text))
        return int(self.offsets[start]), int(self.offsets[end - 1]) + 1

    def original_slice(self, start: int, end: int) -> str:
        o_start, o_end = self.to_original(start, end)
        return self.original[o_start:o_end]


class Normalizer:
    def __init__(self, table: CharTable, numeral_run_min: int = 4):
        self.table = table
        digit = f"[0-9{_CHINESE_DIGITS}]"
        self._numeral_run = re.compile(f"{digit}(?:[{_SEPARATORS}]*{digit}){{{numeral_run_min - 1},}}")
        self._has_chinese_digit = re.compile(f"[{_CHINESE_DIGITS}]")

    def normalize(self, original: str) -> NormalizedText:
        if not original:
            return NormalizedText(original, "")
        codes = np.frombuffer(original.encode("utf-32-le", "surrogatepass"), dtype="<u4")
        mapped = self.table.one_to_one[codes]
        # One comparison answers "anything dropped or expanded?" (both sentinels are ≥ DELETE).
        special = mapped >= DELETE
        if not special.any():
            text = mapped.tobytes().decode("utf-32-le")
            offsets = None
        elif not (mapped == EXPAND).any():
            keep = np.flatnonzero(~special)
            text = mapped[keep].tobytes().decode("utf-32-le")
            offsets = keep
        else:
            text, offsets = self._with_expansions(original, mapped)
        text = self._digits_in_numeral_runs(text)
        return NormalizedText(original, text, offsets)

    def _with_expansions(self, original: str, mapped: np.ndarray) -> tuple[str, np.ndarray]:
        pieces: list[str] = []
        offsets: list[int] = []
        expansions = self.table.expansions
        for index, code in enumerate(mapped.tolist()):
            if code == DELETE:
                continue
            piece = expansions[ord(original[index])] if code == EXPAND else chr(code)
            pieces.append(piece)
            offsets.extend([index] * len(piece))
        return "".join(pieces), np.asarray(offsets, dtype=np.int64)

    def _digits_in_numeral_runs(self, text: str) -> str:
        if not self._has_chinese_digit.search(text):
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
