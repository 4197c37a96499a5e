"""Weigh a text by a list of weighted words: the sum of the weights over every occurrence of
every word, overlapping occurrences included (what an overlapping Aho-Corasick scan counts).

A note of 300 characters holds ~130 occurrences of the sentiment model's n-grams; an automaton
call hands each one back as a Python tuple, which costs more than everything the sum needs. So
the weighing is done natively (`redline._native.weigher`, compiled by the build hook in
`hatch_build.py`) when the extension is built, and by `PlainWeigher` otherwise. Both add the
weights in the same order (by end position, the longest word first at each: the automaton's
order), so they give the same sums to the last bit; tests/checks/test_weigher.py holds them to
each other. Set `REDLINE_PURE_PYTHON=1` to use the plain one.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from functools import lru_cache
from collections.abc import Sequence
from itertools import repeat
from operator import itemgetter
from typing import Protocol

import ahocorasick_rs

from redline import _native

try:
    from redline._native.weigher import Weigher as NativeWeigher
except ImportError:  # not built (no C compiler when installed): the plain one does the same
    NativeWeigher = None

_first, _second = itemgetter(0), itemgetter(1)


class Weigher(Protocol):
    """What both implementations offer."""

    def total(self, text: str) -> float:
        """The sum of the weights over every occurrence, in scan order."""
        ...

    def matches(self, text: str) -> list[tuple[int, int, int]]:
        """(word index, start, end) of every occurrence: by end, the longest first at each."""
        ...

    def evidence(self, text: str, breaks: str) -> tuple[tuple[int, int] | None, list[int]]:
        """Where a reader should look: the clause (a run of characters between `breaks`; a full
        stop before a digit is a decimal point, no break) whose occurrences weigh most — an
        occurrence counts for the clause its start is in, for the first clause when it starts
        before all of them, for the clause before when it starts on a break; each total summed
        in scan order, the first of equally heavy clauses — as (start, end) without the
        whitespace around it, or None when the text has no clause; and the distinct ranks (≥ 0)
        of the words met, ascending."""
        ...


@lru_cache(maxsize=8)
def clause_pattern(breaks: str) -> re.Pattern[str]:
    """A clause: characters other than `breaks`, or a full stop before a digit (3.5岁)."""
    return re.compile(f"(?:[^{re.escape(breaks)}]+|\\.(?=\\d))+")


class PlainWeigher:
    """The pure-Python weigher: one automaton (ahocorasick-rs), sums in Python."""

    def __init__(self, words: Sequence[str], weights: Sequence[float], ranks: Sequence[int] | None = None):
        if len(weights) != len(words) or (ranks is not None and len(ranks) != len(words)):
            raise ValueError("words, weights and ranks must have the same length")
        if len(set(words)) != len(words):
            raise ValueError("duplicate words")
        self._weights = [float(weight) for weight in weights]
        self._ranks = list(ranks) if ranks is not None else [-1] * len(words)
        if any(not -1 <= rank < len(words) for rank in self._ranks):
            raise ValueError("a rank must be -1 or below the number of words")
        self._automaton = ahocorasick_rs.AhoCorasick(list(words)) if words else None

    def matches(self, text: str) -> list[tuple[int, int, int]]:
        if self._automaton is None or not text:
            return []
        return self._automaton.find_matches_as_indexes(text, overlapping=True)

    def total(self, text: str) -> float:
        # float(...) for the text without any occurrence: sum([]) is the int 0.
        return float(sum(map(self._weights.__getitem__, map(_first, self.matches(text)))))

    def evidence(self, text: str, breaks: str) -> tuple[tuple[int, int] | None, list[int]]:
        matches = self.matches(text)
        ranks = sorted({rank for rank in map(self._ranks.__getitem__, map(_first, matches)) if rank >= 0})
        clauses = [m.span() for m in clause_pattern(breaks).finditer(text)]
        if not clauses:
            return None, ranks
        totals = [0.0] * len(clauses)
        later_starts = [start for start, _ in clauses[1:]]
        weights = self._weights
        for clause, word in zip(map(bisect_right, repeat(later_starts), map(_second, matches)), map(_first, matches)):
            totals[clause] += weights[word]
        start, end = clauses[totals.index(max(totals))]
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        return (start, end), ranks


def make_weigher(words: Sequence[str], weights: Sequence[float], ranks: Sequence[int] | None = None, *, native: bool | None = None) -> Weigher:
    """The native weigher when it is built (and not turned off by `REDLINE_PURE_PYTHON`), else
    the plain one; `native=True/False` asks for one of them."""
    if native is None:
        native = NativeWeigher is not None and _native.wanted()
    if native:
        if NativeWeigher is None:
            raise RuntimeError("the native weigher (redline._native.weigher) is not built")
        return NativeWeigher(list(words), list(weights), list(ranks) if ranks is not None else None)
    return PlainWeigher(words, weights, ranks)


def make_matcher(words: Sequence[str], *, native: bool | None = None) -> Weigher:
    """Every overlapping occurrence of the words (`matches`), in an Aho-Corasick scan's order:
    a weigher whose weights are all zero. Natively, a text's occurrences cost less than an
    ahocorasick-rs call (no UTF-8 copy of the text, no byte-to-character offsets)."""
    return make_weigher(words, [0.0] * len(words), native=native)
