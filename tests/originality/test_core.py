"""Properties of the pure pieces: winnowing's guarantee, the sliding minimum, offset maps."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from redline.originality.fingerprints import sliding_argmin, winnow
from redline.originality.shingles import concat_codes, content_batch, shingle_hashes
from redline.text.normalize import normalizer_for

CJK = st.text(alphabet=st.sampled_from(list("的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起")), min_size=0, max_size=120)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 50), min_size=1, max_size=80), st.integers(1, 20))
def test_sliding_argmin_is_the_rightmost_window_minimum(values, width):
    array = np.array(values, dtype=np.uint64)
    if width > len(array):
        return
    picks = sliding_argmin(array, width)
    for i, pick in enumerate(picks.tolist()):
        window = values[i : i + width]
        assert values[pick] == min(window)
        assert pick == i + max(j for j, v in enumerate(window) if v == min(window))


@settings(max_examples=150, deadline=None)
@given(CJK, CJK, CJK, st.integers(20, 40))
def test_a_shared_passage_of_min_copied_chars_always_shares_a_fingerprint(left, right, passage_seed, length):
    k, window = 5, 16  # min_copied_chars 20
    rng = np.random.default_rng(len(left) * 131 + len(right) + length)
    passage = "".join(chr(c) for c in rng.integers(0x4E00, 0x4E00 + 2000, size=length))
    first, second = left + passage + right, right + passage_seed + passage + left
    codes, starts = concat_codes([np.frombuffer(t.encode("utf-32-le"), dtype="<u4") for t in (first, second)])
    hashes, shingle_starts = shingle_hashes(codes, starts, k)
    values, texts, _ = winnow(hashes, shingle_starts, window)
    assert set(values[texts == 0].tolist()) & set(values[texts == 1].tolist())


@settings(max_examples=100, deadline=None)
@given(st.lists(st.text(max_size=60), min_size=1, max_size=6))
def test_batch_content_maps_back_to_each_original_text(texts):
    normalizer = normalizer_for(None)
    batch = content_batch(texts, normalizer, with_offsets=True)
    assert len(batch) == len(texts)
    for t, text in enumerate(texts):
        alone = content_batch([text], normalizer, with_offsets=True)
        assert np.array_equal(batch.text_codes(t), alone.text_codes(0))  # batching changes nothing
        for j in range(batch.length(t)):
            start, end = batch.original_span(t, j, j + 1)
            assert 0 <= start < end <= len(text)
            piece = normalizer.normalize(text[start:end]).text
            assert chr(int(batch.text_codes(t)[j])) in piece
