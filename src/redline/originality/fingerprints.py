"""Winnowing (Schleimer, Wilkerson & Aiken 2003, the method behind MOSS): from every window of
`w` consecutive shingle hashes keep the smallest. Two texts that share a passage of at least
w + k - 1 characters share a whole window of shingles, hence at least one fingerprint; so with
w = min_copied_chars - k + 1 every passage long enough to count as copying is found through the
index, while only about 2 / (w + 1) of the shingles are stored.

Vectorised over many texts at once: a sliding-window minimum by doubling (log2 w passes of
`np.minimum` over the concatenated hashes), windows that straddle two texts masked out.
"""

from __future__ import annotations

import numpy as np


def sliding_argmin(values: np.ndarray, width: int) -> np.ndarray:
    """`out[i]` = position of the smallest of `values[i : i + width]` (the rightmost on ties, as
    robust winnowing prescribes), for every full window (len(values) - width + 1)."""
    best = np.arange(len(values))
    covered = 1

    def combine(left: np.ndarray, right: np.ndarray) -> np.ndarray:
        return np.where(values[right] <= values[left], right, left)

    while covered * 2 <= width:
        best = combine(best[:-covered], best[covered:])
        covered *= 2
    windows = len(values) - width + 1
    if covered < width:
        shift = width - covered
        best = combine(best[:windows], best[shift : shift + windows])
    return best[:windows]


def winnow(hashes: np.ndarray, starts: np.ndarray, window: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Fingerprints of many texts whose shingle hashes lie back to back (`starts`, n + 1 long).

    Returns (fingerprints, text index of each, shingle position of each within its text). A text
    with fewer shingles than `window` contributes its smallest shingle; a text with none
    contributes nothing. A shingle chosen by consecutive windows is one fingerprint.
    """
    counts = np.diff(starts)
    n_texts = len(counts)
    chosen: list[np.ndarray] = []
    if len(hashes) >= window:
        picks = sliding_argmin(hashes, window)
        text_of_window = np.repeat(np.arange(n_texts), counts)[: len(picks)]
        # A window is whole when it ends inside the text it starts in.
        valid = np.arange(len(picks)) + window <= starts[1:][text_of_window]
        picks = picks[valid]
        if len(picks):
            fresh = np.ones(len(picks), dtype=bool)
            fresh[1:] = picks[1:] != picks[:-1]
            chosen.append(picks[fresh])
    short = np.flatnonzero((counts > 0) & (counts < window))
    if len(short):
        chosen.append(_short_argmins(hashes, starts, short))
    if not chosen:
        empty = np.zeros(0, dtype=np.int64)
        return np.zeros(0, dtype=np.uint64), empty, empty
    picks = np.concatenate(chosen)
    texts = np.searchsorted(starts, picks, "right") - 1
    return hashes[picks], texts, picks - starts[texts]


def _short_argmins(hashes: np.ndarray, starts: np.ndarray, texts: np.ndarray) -> np.ndarray:
    # Global position of the smallest hash of each (short) text.
    return np.array([starts[t] + int(np.argmin(hashes[starts[t] : starts[t + 1]])) for t in texts.tolist()],
                    dtype=np.int64)
