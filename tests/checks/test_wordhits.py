"""The span helpers the word-list detectors share, against brute-force definitions."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from redline.checks.document import Hit
from redline.checks.wordhits import Cover, Nearby, ascii_bounded, outermost, select

spans = st.lists(st.tuples(st.integers(0, 60), st.integers(1, 8)).map(lambda p: (p[0], p[0] + p[1])), max_size=25)


@given(spans, st.integers(0, 60), st.integers(1, 8))
def test_cover_matches_brute_force(allowed, start, length):
    end = start + length
    expected = any(a <= start and end <= b for a, b in allowed)
    assert Cover(allowed).covers(start, end) == expected


@given(spans, st.integers(0, 60), st.integers(1, 8), st.integers(0, 10))
def test_nearby_matches_brute_force(cue_spans, start, length, window):
    end = start + length
    cues = [Hit(a, b, "x", "cue") for a, b in cue_spans]
    near = Nearby(cues)
    assert near.before(start, window) == any(c.end <= start and start - c.end <= window for c in cues)
    assert near.after(end, window) == any(c.start >= end and c.start - end <= window for c in cues)


@given(spans)
def test_outermost_keeps_no_nested_hit(hit_spans):
    hits = [Hit(a, b, "w", "t") for a, b in hit_spans]
    kept = outermost(hits)
    for hit in hits:  # every hit is kept or lies inside a kept one
        assert any(k.start <= hit.start and hit.end <= k.end for k in kept)
    for k in kept:  # no kept hit lies strictly inside another kept hit
        assert not any(o is not k and o.start <= k.start and k.end <= o.end and (o.start, o.end) != (k.start, k.end) for o in kept)


def test_select_applies_allowed_phrases_and_latin_boundaries():
    text = "最近用的macbook和mac口红"
    hits = [Hit(0, 1, "最", "a"), Hit(4, 7, "mac", "b"), Hit(12, 15, "mac", "b")]
    kept = select(text, hits, allowed=[(0, 2)])
    assert [(h.start, h.word) for h in kept] == [(12, "mac")]
    assert not ascii_bounded("top10", 0, 4) and ascii_bounded("top1好物", 0, 4)
