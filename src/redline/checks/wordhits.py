"""Small helpers that turn raw vocabulary hits into the words a detector should act on.

The shared scan reports every match, overlapping ones included, so a detector sees 第一 inside
销量第一 and 广告 inside 非广告. These helpers apply the three rules the word-list detectors
share: an allowed phrase covering a word cancels it, the longest of nested words wins, and a
Latin word must not be part of a longer Latin word (mac in macbook, top1 in top10).
`GatedPatterns` lets a detector keep a few regular expressions (shapes with numbers in them)
without paying for them on every text: they run only when the shared scan found a trigger word.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence

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


def covered(hit: Hit, spans: Sequence[tuple[int, int]]) -> bool:
    """Whether one of `spans` (e.g. allowed phrases) covers the hit entirely."""
    return any(start <= hit.start and hit.end <= end for start, end in spans)


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
    live = [h for h in hits if not covered(h, allowed) and ascii_bounded(text, h.start, h.end)]
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
