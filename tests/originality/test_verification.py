"""The vectorised verification (`coverage.verify_pairs`) against a plain reference written from
its documented rules, on random texts over tiny alphabets (so shingles repeat, in the text and in
the source, and chance matches are common), many pairs per call."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from redline.originality.coverage import verify_pairs
from redline.originality.shingles import concat_codes, shingle_hashes

K, GAP, SHIFT, MIN_CHARS = 3, 4, 2, 8


def reference(text: list[int], source: list[int]) -> tuple[list[bool], list[tuple[int, int]]] | None:
    """Copied characters and passages of `text` from `source`, by the rules in coverage.py."""
    shingles = lambda codes: [tuple(codes[i : i + K]) for i in range(len(codes) - K + 1)]  # noqa: E731
    where: dict[tuple, list[int]] = {}
    for position, shingle in enumerate(shingles(source)):
        where.setdefault(shingle, []).append(position)
    found = {t: where[s] for t, s in enumerate(shingles(text)) if s in where}
    covered = [False] * len(text)
    for t in found:
        covered[t : t + K] = [True] * K

    def chains(points: list[tuple[int, int]], strict: bool) -> list[tuple[int, int]]:
        kept, run = [], []
        for point in points + [None]:
            if run and (point is None or point[0] - run[-1][0] > GAP + K or abs(point[1] - run[-1][1]) > SHIFT
                        or (strict and point[0] - run[-1][0] < K and point[1] != run[-1][1])):
                start, end = run[0][0], run[-1][0] + K
                if sum(covered[start:end]) >= MIN_CHARS:
                    kept.append((start, end))
                run = []
            if point is not None:
                run.append(point)
        return kept

    singles = {t: places[0] - t for t, places in found.items() if len(places) == 1}
    kept = chains(sorted(singles.items()), strict=False)
    if len(singles) < len(found):
        points = []
        for t, places in sorted(found.items()):
            near = [(abs(t - u), u > t, d) for u, d in singles.items() if abs(t - u) <= GAP + K]
            diagonals = [p - t for p in places]
            chosen = diagonals[0]
            if near:
                reference_diagonal = min(near)[2]  # nearest; before wins a tie
                chosen = next((d for d in diagonals if abs(d - reference_diagonal) <= SHIFT), diagonals[0])
            points.append((t, chosen))
        kept += chains(points, strict=True)
    if not kept:
        return None
    inside = [False] * len(text)
    for start, end in kept:
        inside[start:end] = [True] * (end - start)
    spans: list[tuple[int, int]] = []
    for start, end in sorted(kept):
        if spans and start <= spans[-1][1]:
            spans[-1] = (spans[-1][0], max(spans[-1][1], end))
        else:
            spans.append((start, end))
    return [c and i for c, i in zip(covered, inside)], spans


def hashed(texts: list[list[int]]):
    codes, starts = concat_codes([np.array(t, dtype=np.uint32) for t in texts])
    return shingle_hashes(codes, starts, K)


texts_over = lambda alphabet: st.lists(st.lists(st.sampled_from(alphabet), max_size=70), min_size=1, max_size=4)  # noqa: E731


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_verification_follows_the_reference(data):
    alphabet = data.draw(st.sampled_from([[1, 2], [1, 2, 3], list(range(1, 6)), list(range(1, 30))]))
    texts = data.draw(texts_over(alphabet))
    sources = data.draw(texts_over(alphabet))
    # Copies with a few edits make long chains; tiny alphabets make repeats and chance matches.
    if data.draw(st.booleans()):
        texts.append(list(sources[0]) + data.draw(st.lists(st.sampled_from(alphabet), max_size=5)))
    if data.draw(st.booleans()):
        sources.append(list(texts[0]) * data.draw(st.integers(1, 3)))
    pairs = [(t, s) for t in range(len(texts)) for s in range(len(sources))]
    text_hashes, text_starts = hashed(texts)
    source_hashes, source_starts = hashed(sources)
    results = verify_pairs(text_hashes, text_starts, source_hashes, source_starts,
                           np.array([t for t, _ in pairs]), np.array([s for _, s in pairs]), K, GAP, SHIFT, MIN_CHARS)
    for (t, s), result in zip(pairs, results):
        expected = reference(texts[t], sources[s])
        if expected is None:
            assert result is None, (texts[t], sources[s])
            continue
        assert result is not None, (texts[t], sources[s])
        mask, spans = expected
        assert result.mask.tolist() == mask, (texts[t], sources[s])
        assert result.spans == spans
        assert result.copied_chars == sum(mask)


def test_a_paragraph_repeated_in_the_source_is_copied():
    paragraph = list(range(100, 130))
    result, = verify_pairs(*hashed([paragraph]), *hashed([paragraph * 3]), np.array([0]), np.array([0]),
                           K, GAP, SHIFT, MIN_CHARS)
    assert result is not None and result.copied_chars == len(paragraph) and result.spans == [(0, len(paragraph))]


def test_a_run_of_one_character_does_not_chain_against_a_shorter_run():
    assert verify_pairs(*hashed([[7] * 40]), *hashed([[1, 2, 3] + [7] * 6 + [4, 5]]), np.array([0]), np.array([0]),
                        K, GAP, SHIFT, MIN_CHARS) == [None]
