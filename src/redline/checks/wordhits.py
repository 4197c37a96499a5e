"""Small helpers that turn raw vocabulary hits into the words a detector should act on.

The shared scan reports every match, overlapping ones included, so a detector sees 第一 inside
销量第一 and 广告 inside 非广告. These helpers apply the three rules the word-list detectors
share: an allowed phrase covering a word cancels it, the longest of nested words wins, and a
Latin word must not be part of a longer Latin word (mac in macbook, top1 in top10).
`GatedPatterns` lets a detector keep a few regular expressions (shapes with numbers in them)
without paying for them on every text: they run only when the shared scan found a trigger word.
(Words spelled with separators between their characters, 最 有 效, come from the shared scan:
see `checks/engine.py`.)
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator, Sequence
from itertools import accumulate


from redline.checks.document import Hit


def _is_ascii_alnum(char: str) -> bool:
    return char.isascii() and char.isalnum()


def ascii_bounded(text: str, start: int, end: int) -> bool:
    """False when a word that begins or ends with a Latin letter/digit continues into one."""
    if start > 0 and _is_ascii_alnum(text[start]) and _is_ascii_alnum(text[start - 1]):
        return False
    if end < len(text) and _is_ascii_alnum(text[end - 1]) and _is_ascii_alnum(text[end]):
        return False
    return True


class Cover:
    """Answers "does one of these spans cover [start, end)?" in O(log n), so a text with
    thousands of allowed phrases and thousands of words stays linear-ish, not quadratic."""

    def __init__(self, spans: Iterable[tuple[int, int]]):
        ordered = sorted(spans)
        self._starts = [start for start, _ in ordered]
        # reach[i]: the furthest end among the spans that start at or before starts[i]
        self._reach = list(accumulate((end for _, end in ordered), max))

    def covers(self, start: int, end: int) -> bool:
        index = bisect_right(self._starts, start) - 1
        return index >= 0 and self._reach[index] >= end


class Nearby:
    """Answers "is one of these cue hits within `window` characters before / after a span?"
    in O(log n) (cues that overlap the span do not count)."""

    def __init__(self, cues: Iterable[Hit]):
        cues = list(cues)
        self._ends = sorted(cue.end for cue in cues)
        self._starts = sorted(cue.start for cue in cues)

    def __bool__(self) -> bool:
        return bool(self._starts)

    def before(self, start: int, window: int) -> bool:
        """A cue ending in [start − window, start]."""
        index = bisect_left(self._ends, start - window)
        return index < len(self._ends) and self._ends[index] <= start

    def after(self, end: int, window: int) -> bool:
        """A cue starting in [end, end + window]."""
        index = bisect_left(self._starts, end)
        return index < len(self._starts) and self._starts[index] <= end + window

    def around(self, start: int, end: int, window: int) -> bool:
        return self.before(start, window) or self.after(end, window)


def outermost(hits: Iterable[Hit]) -> list[Hit]:
    """Drop hits nested inside a longer hit (第一 inside 销量第一); keep text order."""
    ordered = sorted(hits, key=lambda h: (h.start, -h.end))
    kept: list[Hit] = []
    reach = -1  # the furthest end of a kept hit so far
    for hit in ordered:
        if hit.end <= reach:
            continue  # inside a hit that starts at or before it
        kept.append(hit)
        reach = hit.end
    return kept


def select(
    text: str,
    hits: Iterable[Hit],
    allowed: Sequence[tuple[int, int]] = (),
) -> list[Hit]:
    """The hits a detector acts on: not covered by an allowed phrase, Latin-bounded, outermost."""
    cover = Cover(allowed) if allowed else None
    live = [
        h
        for h in hits
        if (cover is None or not cover.covers(h.start, h.end)) and ascii_bounded(text, h.start, h.end)
    ]
    return outermost(live)


def spans(hits: Iterable[Hit]) -> list[tuple[int, int]]:
    return [(h.start, h.end) for h in hits]


class GatedPatterns:
    """Regular expressions that run only when the shared word scan found one of their triggers
    (¥ or 元 for prices, 岁 for ages): most texts contain none, and skip the regex work."""

    def __init__(self, name: str, triggers: Iterable[str], patterns: Iterable[str]):
        self.tag = ("gate", name)
        self.triggers = tuple(triggers)
        self.patterns = tuple(re.compile(p) for p in patterns)

    def vocabulary(self) -> Iterator[tuple[str, object]]:
        for word in self.triggers:
            yield word, self.tag

    def triggered(self, hits: Iterable[Hit]) -> bool:
        return any(h.tag == self.tag for h in hits)

    def run(self, text: str) -> Iterator[re.Match[str]]:
        """Every pattern's matches (call it once a trigger was seen)."""
        for pattern in self.patterns:
            yield from pattern.finditer(text)

    def finditer(self, text: str, hits: Iterable[Hit]) -> Iterator[re.Match[str]]:
        """The patterns' matches if a trigger word is among `hits`, else nothing."""
        if self.patterns and self.triggered(hits):
            yield from self.run(text)
