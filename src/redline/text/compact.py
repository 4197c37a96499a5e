"""Cut out separators standing between Han characters (最 有 效 → 最有效), keeping positions.

The normaliser keeps spaces and punctuation (they carry meaning: ids, prices, sentences), so a
word spelled with separators between its characters is found by scanning this compacted copy.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Container

HAN = "\u3400-\u4dbf\u4e00-\u9fff"
_HAN_CHAR = re.compile(f"[{HAN}]")


def gap_pattern(separators: str, max_run: int) -> re.Pattern[str] | None:
    """The pattern of a separator run (1..max_run long) that a Han character follows; whether
    one also precedes it is checked on the few runs found (a look-behind here would be tried at
    every position of the text). None when there are no separators."""
    if not separators:
        return None
    # Spelled as one separator, then up to max_run − 1 more: a pattern that starts with a plain
    # character set lets the regex engine skip ahead to the next separator in C.
    one = f"[{re.escape(separators)}]"
    return re.compile(f"{one}{one}{{0,{max_run - 1}}}(?=[{HAN}])")


class CompactedText:
    """`text` without the separator runs between Han characters, and the way back."""

    __slots__ = ("text", "_cuts", "_removed")

    def __init__(self, text: str, cuts: list[int], removed: list[int]):
        self.text = text
        self._cuts = cuts  # compacted position of each cut, ascending
        self._removed = removed  # characters removed at or before each cut (running total)

    def position(self, index: int) -> int:
        """The position in the uncompacted text of compacted character `index`."""
        cut = bisect_right(self._cuts, index)
        return index + (self._removed[cut - 1] if cut else 0)


def han_gaps(text: str, gaps: re.Pattern[str] | None, joins: Container[str] | None = None) -> list[tuple[int, int]]:
    """[start, end) of every separator run standing between two Han characters (`gaps` from
    `gap_pattern`); with `joins`, only the runs whose two neighbours, put together, are one of
    them (two characters that follow each other in some word being looked for)."""
    if gaps is None:
        return []
    # Most texts have no separator before a Han character: one search settles them, before any
    # iterator is made.
    first = gaps.search(text)
    if first is None:
        return []
    runs = gaps.finditer(text, first.start())
    if joins is not None:  # a join is two Han characters: it settles both neighbours at once
        return [run.span() for run in runs if run.start() > 0 and text[run.start() - 1] + text[run.end()] in joins]
    return [run.span() for run in runs if run.start() > 0 and _HAN_CHAR.match(text, run.start() - 1) is not None]


def compact_gaps(text: str, gaps: list[tuple[int, int]]) -> CompactedText:
    """`text` without the given gaps (ascending, not overlapping)."""
    pieces: list[str] = []
    cuts: list[int] = []
    removed: list[int] = []
    cursor = total = 0
    for start, end in gaps:
        pieces.append(text[cursor:start])
        cuts.append(start - total)
        total += end - start
        removed.append(total)
        cursor = end
    pieces.append(text[cursor:])
    return CompactedText("".join(pieces), cuts, removed)

