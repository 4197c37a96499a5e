"""Content characters and their character n-gram (shingle) hashes, for many texts at once.

Matching runs on the NORMALISED text (`redline.text.normalize`: traditional → simplified,
full-width → half-width, lower case, emoji and zero-width characters dropped) with punctuation
and whitespace removed as well, so "一模一样，的文案！" and "一模一样的文案" share every shingle.
`content_batch` normalises a whole batch of texts in one call and keeps, when asked, the map
from each content character back to its position in the user's original text.

Shingle hashes are computed for a whole batch of texts in a few NumPy passes over their
concatenated code points (a polynomial over the k code points, then the splitmix64 finaliser),
which is what makes bulk inserts and queries fast; there is no per-shingle Python work.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from redline.text.normalize import Normalizer

_POLY = np.uint64(0x100000001B3)  # odd multiplier of the polynomial over code points
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)


@lru_cache(maxsize=1)
def _content_table() -> np.ndarray:
    """`table[c]` is True when BMP code point c is a letter or digit (content, not punctuation)."""
    return np.fromiter((chr(code).isalnum() for code in range(0x10000)), dtype=bool, count=0x10000)


SEPARATOR = "\ue000"  # private use: kept by the normaliser, never content, never a digit


@dataclass(frozen=True, slots=True)
class ContentBatch:
    """The content characters of many texts, back to back: text i is
    `codes[starts[i]:starts[i+1]]`; `original_index[j]` (when kept) is the index of content
    character j in its own ORIGINAL text."""

    codes: np.ndarray
    starts: np.ndarray
    original_index: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.starts) - 1

    def length(self, text: int) -> int:
        return int(self.starts[text + 1] - self.starts[text])

    def text_codes(self, text: int) -> np.ndarray:
        return self.codes[self.starts[text] : self.starts[text + 1]]

    def original_span(self, text: int, start: int, end: int) -> tuple[int, int]:
        """The original span of text `text` covering its content span [start, end)."""
        base = int(self.starts[text])
        return int(self.original_index[base + start]), int(self.original_index[base + end - 1]) + 1


def content_batch(texts: Sequence[str], normalizer: Normalizer, *, with_offsets: bool = False) -> ContentBatch:
    """Normalise many texts in one pass (joined by a private-use separator, which no step of the
    normaliser merges across) and keep their content characters."""
    if not texts:
        return ContentBatch(np.zeros(0, dtype=np.uint32), np.zeros(1, dtype=np.int64),
                            np.zeros(0, dtype=np.int64) if with_offsets else None)
    # A separator inside a text becomes a space: same length, so offsets are unchanged.
    clean = [text.replace(SEPARATOR, " ") if SEPARATOR in text else text for text in texts]
    joined = SEPARATOR.join(clean)
    normalized = normalizer.normalize(joined)
    codes = np.frombuffer(normalized.text.encode("utf-32-le", "surrogatepass"), dtype="<u4")
    bmp = codes < 0x10000
    # Astral characters left after normalisation are CJK extension ideographs: content.
    keep = np.flatnonzero(np.where(bmp, _content_table()[np.where(bmp, codes, 0)], True))
    # The number of separators before a character is the index of its text.
    text_of = np.cumsum(codes == ord(SEPARATOR), dtype=np.int64)[keep]
    starts = np.zeros(len(texts) + 1, dtype=np.int64)
    np.cumsum(np.bincount(text_of, minlength=len(texts)), out=starts[1:])
    original_index = None
    if with_offsets:
        joined_index = keep if normalized.offsets is None else normalized.offsets[keep]
        text_starts = np.zeros(len(texts), dtype=np.int64)
        np.cumsum([len(t) + 1 for t in clean[:-1]], out=text_starts[1:])
        original_index = joined_index - text_starts[text_of]
    return ContentBatch(codes[keep].astype(np.uint32), starts, original_index)


def mix64(values: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser: spreads a 64-bit value's bits over the whole word."""
    x = values ^ (values >> np.uint64(30))
    x *= _MIX1
    x ^= x >> np.uint64(27)
    x *= _MIX2
    x ^= x >> np.uint64(31)
    return x


def shingle_hashes(codes: np.ndarray, starts: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Hashes of every k-character shingle of many texts laid end to end.

    `codes` holds the texts' content code points back to back and `starts` (length n + 1) where
    each text begins. Returns the shingle hashes of all texts back to back and, like `starts`,
    where each text's shingles begin (a text shorter than k characters has none).
    """
    total = int(codes.shape[0])
    lengths = np.diff(starts)
    counts = np.maximum(lengths - k + 1, 0)
    shingle_starts = np.zeros(len(counts) + 1, dtype=np.int64)
    np.cumsum(counts, out=shingle_starts[1:])
    if total < k or shingle_starts[-1] == 0:
        return np.zeros(0, dtype=np.uint64), shingle_starts
    wide = codes.astype(np.uint64)
    span = total - k + 1
    acc = wide[:span].copy()
    for offset in range(1, k):
        acc *= _POLY
        acc += wide[offset : offset + span]
    hashes = mix64(acc)
    if len(counts) == 1:
        return hashes, shingle_starts
    # Keep only shingles that lie inside one text: positions [start, start + count) of each text.
    text_of_shingle = np.repeat(np.arange(len(counts)), counts)
    position = np.arange(shingle_starts[-1]) - shingle_starts[:-1][text_of_shingle] + starts[:-1][text_of_shingle]
    return hashes[position], shingle_starts


def concat_codes(parts: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Lay code arrays end to end; returns the codes and the start offsets (length n + 1)."""
    starts = np.zeros(len(parts) + 1, dtype=np.int64)
    if parts:
        np.cumsum([len(p) for p in parts], out=starts[1:])
        codes = np.concatenate(parts) if len(parts) > 1 else np.asarray(parts[0])
    else:
        codes = np.zeros(0, dtype=np.uint32)
    return codes.astype(np.uint32, copy=False), starts
