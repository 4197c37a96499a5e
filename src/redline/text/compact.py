"""Cut out separators standing between Han characters (最 有 效 → 最有效), keeping positions.

The normaliser keeps spaces and punctuation (they carry meaning: ids, prices, sentences), so a
word spelled with separators between its characters is found by scanning this compacted copy.
"""

from __future__ import annotations

import re
from functools import lru_cache

import numpy as np

HAN = "\u3400-\u4dbf\u4e00-\u9fff"


@lru_cache(maxsize=16)
def _gap_pattern(separators: str, max_run: int) -> re.Pattern[str]:
    return re.compile(f"(?<=[{HAN}])[{re.escape(separators)}]{{1,{max_run}}}(?=[{HAN}])")


def compact_han_gaps(text: str, separators: str, max_run: int) -> tuple[str, np.ndarray] | None:
    """`text` without the separator runs (1..max_run long) between two Han characters, and the
    position in `text` of every kept character; None when there is no such run."""
    if not separators:
        return None
    gaps = [match.span() for match in _gap_pattern(separators, max_run).finditer(text)]
    if not gaps:
        return None
    keep = np.ones(len(text), dtype=bool)
    pieces, cursor = [], 0
    for start, end in gaps:
        keep[start:end] = False
        pieces.append(text[cursor:start])
        cursor = end
    pieces.append(text[cursor:])
    return "".join(pieces), np.flatnonzero(keep)
