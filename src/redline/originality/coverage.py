"""Which characters of a text are copied from one source text, as passages.

A shingle of the text is matched when the source has the same shingle; it covers its k
characters. Matched shingles chain into one passage while they stay in step with the source
(the offset between their position in the text and in the source, the diagonal, changes by at
most `shift` from one to the next, so inserting or deleting a few characters is allowed) and
while the uncovered gap between them is at most `gap` characters (a copy with a word swapped
here and there stays one passage). Two matched shingles that overlap in the text (less than k
apart) must be on the same diagonal: an edit between them would have left no matched shingle in
between, so an overlapping pair on different diagonals is a repetition, not a copy (this is what
keeps "哈哈哈哈…" from chaining against a shorter run of the same character).

A shingle the source contains several times (a paragraph the source repeats, a phrase it uses
twice) is resolved to one occurrence: the one in step with the nearest shingle of the text that
the source has only once, or, when the source repeats everything the text shares with it, the
first occurrence (so all of a copied paragraph lands on the same repetition and chains).
Shingles that merely occur somewhere in the source, out of step with each other (common
phrases scattered through two unrelated notes), do not chain. A passage with fewer than
`min_chars` covered characters is not copying (a quoted common phrase, a shared hashtag), so its
characters do not count.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, slots=True)
class CopiedPassages:
    """`mask[i]` is True for copied content characters, `copied_chars` counts them; `spans` are
    the passages, [start, end) in content positions (a passage's span may include a few edited
    characters)."""

    mask: np.ndarray
    spans: list[tuple[int, int]]
    copied_chars: int


_MAX_KEY_BITS = 31  # pair and position bits in a sort key: at least 32 bits are left for the hash


def verify_pairs(
    text_hashes: np.ndarray,
    text_starts: np.ndarray,
    source_hashes: np.ndarray,
    source_starts: np.ndarray,
    pair_text: np.ndarray,
    pair_source: np.ndarray,
    k: int,
    gap: int,
    shift: int,
    min_chars: int,
) -> list[CopiedPassages | None]:
    """For each pair (text i, source j), the passages of text i copied from source j, or None.

    Texts and sources are given as shingle hashes laid back to back (`*_starts`, n + 1 long; a
    text of L content characters has L - k + 1 shingles, or none when shorter than k). Every
    pair is verified in the same few vectorised passes: the shingles of both sides of every
    pair sorted together once (so equal shingles of a pair meet), repeated shingles resolved to
    one occurrence, the matches chained and measured per pair.
    """
    pairs = len(pair_text)
    if not pairs:
        return []
    text_counts = np.diff(text_starts)[pair_text]
    source_counts = np.diff(source_starts)[pair_source]
    position_bits = max(int(max(text_counts.max(), source_counts.max())).bit_length(), 1)
    pair_bits = max(int(pairs - 1).bit_length(), 1)
    if pair_bits + position_bits > _MAX_KEY_BITS and pairs > 1:  # too many pairs for one key: halve
        half = pairs // 2
        return (verify_pairs(text_hashes, text_starts, source_hashes, source_starts, pair_text[:half],
                             pair_source[:half], k, gap, shift, min_chars)
                + verify_pairs(text_hashes, text_starts, source_hashes, source_starts, pair_text[half:],
                               pair_source[half:], k, gap, shift, min_chars))
    results: list[CopiedPassages | None] = [None] * pairs
    matched = _matched_shingles(text_hashes, text_starts, source_hashes, source_starts, pair_text, pair_source,
                                text_counts, source_counts, pair_bits, position_bits)
    if matched is None:
        return results
    point_pair, text_position, source_position, group_start, sizes = matched
    diagonal = source_position - text_position

    # Characters in one flat array: pair p's text occupies [char_base[p], char_base[p] + L).
    lengths = text_counts + k - 1
    lengths[text_counts == 0] = 0
    char_base = np.cumsum(lengths + 1) - (lengths + 1)
    flat = char_base[point_pair] + text_position
    chars = int(char_base[-1] + lengths[-1]) + 2
    # Every matched shingle covers its characters (counted once, however often it occurs in the
    # source; shingle starts are distinct, so bincount, not the slow add.at, is enough).
    once = flat[group_start]
    marks = np.bincount(once, minlength=chars) - np.bincount(once + k, minlength=chars)
    covered = np.cumsum(marks[:-1]) > 0
    running = np.concatenate(([0], np.cumsum(covered)))

    def kept_chains(points: np.ndarray, strict: bool) -> tuple[np.ndarray, np.ndarray]:
        """Chains of consecutive `points` (pair after pair, in text order) that stay close and
        in step, and cover at least `min_chars` characters: their flat [start, end)."""
        step, turn = np.diff(text_position[points]), np.diff(diagonal[points])
        breaks = (np.diff(point_pair[points]) != 0) | (step > gap + k) | (np.abs(turn) > shift)
        if strict:
            breaks |= (step < k) & (turn != 0)
        chain_first = np.flatnonzero(np.concatenate(([True], breaks)))
        chain_last = np.append(chain_first[1:], len(points)) - 1
        start, end = flat[points[chain_first]], flat[points[chain_last]] + k
        kept = (running[end] - running[start]) >= min_chars
        return start[kept], end[kept]

    # Chains of the shingles the source has once (a repeated one covers but does not chain),
    # then, for pairs where the source repeats shingles, chains with each repeated shingle
    # resolved to one occurrence. A character is copied when covered inside a kept chain.
    repeats = len(sizes) < len(point_pair)
    single = np.flatnonzero(np.repeat(sizes == 1, sizes)) if repeats else np.arange(len(point_pair))
    chains = [kept_chains(single, strict=False)] if len(single) else []
    if repeats:
        chains.append(kept_chains(_resolve_repeats(group_start, sizes, point_pair, text_position, diagonal,
                                                   gap + k, shift), strict=True))
    kept_start = np.concatenate([start for start, _ in chains])
    kept_end = np.concatenate([end for _, end in chains])
    if not len(kept_start):
        return results
    if len(chains) > 1:
        by_start = np.argsort(kept_start, kind="stable")
        kept_start, kept_end = kept_start[by_start], kept_end[by_start]
    in_kept = np.bincount(kept_start, minlength=chars) - np.bincount(kept_end, minlength=chars)
    copied = covered & (np.cumsum(in_kept[:-1]) > 0)
    copied_before = np.concatenate(([0], np.cumsum(copied)))
    # Passages: kept chains merged where they overlap or touch. Flat positions grow pair after
    # pair with a gap between pairs, so one running maximum merges within pairs only.
    reach = np.maximum.accumulate(kept_end)
    opens = np.flatnonzero(np.concatenate(([True], kept_start[1:] > reach[:-1])))
    span_start, span_end = kept_start[opens], np.maximum.reduceat(kept_end, opens)
    span_pair = np.searchsorted(char_base, span_start, "right") - 1
    local_start = (span_start - char_base[span_pair]).tolist()
    local_end = (span_end - char_base[span_pair]).tolist()
    # Spans come pair after pair, so each pair's spans are one slice.
    boundaries = np.flatnonzero(np.diff(span_pair)) + 1
    firsts = np.concatenate(([0], boundaries)).tolist()
    lasts = np.concatenate((boundaries, [len(span_pair)])).tolist()
    bases = char_base.tolist()
    counts = (copied_before[char_base + lengths] - copied_before[char_base]).tolist()
    for pair, first_span, last_span in zip(span_pair[firsts].tolist(), firsts, lasts):
        base = bases[pair]
        spans = list(zip(local_start[first_span:last_span], local_end[first_span:last_span]))
        results[pair] = CopiedPassages(copied[base : base + int(lengths[pair])], spans, counts[pair])
    return results


def _resolve_repeats(group_start: np.ndarray, sizes: np.ndarray, pair: np.ndarray, position: np.ndarray,
                     diagonal: np.ndarray, reach: int, shift: int) -> np.ndarray:
    """The points to chain in the pairs where the source repeats a shingle: every occurrence
    of a shingle it has once, and one occurrence of a shingle it has several times: the one in
    step (within `shift`) with the nearest shingle of the first kind at most `reach` away in
    the text, else the first (so a paragraph the source repeats lands wholly on its first
    repetition). Points come grouped by text shingle, in text order; within a group in source
    order."""
    size_of = np.repeat(sizes, sizes)
    involved = np.zeros(int(pair.max()) + 1, dtype=bool)
    involved[pair[size_of > 1]] = True
    candidates = np.flatnonzero(involved[pair])
    single = candidates[size_of[candidates] == 1]
    repeated = candidates[size_of[candidates] > 1]
    # Reference diagonal of each repeated occurrence: the nearest single one within reach.
    reference = np.zeros(len(repeated), dtype=np.int64)
    anchored = np.zeros(len(repeated), dtype=bool)
    if len(single):
        after = np.searchsorted(single, repeated)
        before_at = single[np.maximum(after - 1, 0)]
        after_at = single[np.minimum(after, len(single) - 1)]
        before_gap = np.where((after > 0) & (pair[before_at] == pair[repeated]),
                              position[repeated] - position[before_at], reach + 1)
        after_gap = np.where((after < len(single)) & (pair[after_at] == pair[repeated]),
                             position[after_at] - position[repeated], reach + 1)
        reference = np.where(before_gap <= after_gap, diagonal[before_at], diagonal[after_at])
        anchored = np.minimum(before_gap, after_gap) <= reach
    in_step = anchored & (np.abs(diagonal[repeated] - reference) <= shift)
    # Per group: the first occurrence in step with the reference if any, else the first.
    group_of = np.repeat(np.arange(len(sizes)), sizes)[repeated]
    opens = np.concatenate(([True], group_of[1:] != group_of[:-1]))
    group_first = np.flatnonzero(opens)
    group_in_step = np.maximum.reduceat(in_step, group_first) if len(group_first) else in_step
    wanted = np.where(np.repeat(group_in_step, np.diff(np.append(group_first, len(repeated)))), in_step, opens)
    chosen = np.flatnonzero(wanted)
    chosen = chosen[np.concatenate(([True], group_of[chosen][1:] != group_of[chosen][:-1]))]
    points = np.concatenate((single, repeated[chosen]))
    points.sort()
    return points


def _matched_shingles(text_hashes, text_starts, source_hashes, source_starts, pair_text, pair_source,
                      text_counts, source_counts, pair_bits, position_bits):
    """Every (text shingle, source occurrence) of equal shingles within each pair: pair, text
    position, source position, grouped by text shingle (`group_start`, `sizes`) in pair and
    text order, each group's occurrences in source order. None when nothing matches.

    Both sides' shingles go into one array of keys (pair | top hash bits | side | position),
    sorted once with NumPy's vectorised sort; a pair's source occurrences of a shingle then sit
    right before its text occurrences. Keys keep only the top bits of the hash, so every
    match is confirmed on the full 64-bit hashes."""
    pairs = len(pair_text)
    hash_bits = 64 - pair_bits - 1 - position_bits
    text_total, source_total = int(text_counts.sum()), int(source_counts.sum())
    if not text_total or not source_total:
        return None

    def keyed(counts, total, starts, hashes, side):
        pair = np.repeat(np.arange(pairs, dtype=np.uint64), counts)
        first = np.cumsum(counts) - counts
        index = np.repeat(starts - first, counts) + np.arange(total)  # into `hashes`
        local = np.arange(total, dtype=np.uint64) - np.repeat(first.astype(np.uint64), counts)
        key = ((pair << np.uint64(hash_bits + 1 + position_bits))
               | ((hashes[index] >> np.uint64(64 - hash_bits)) << np.uint64(1 + position_bits))
               | np.uint64(side << position_bits) | local)
        return key, first

    text_keys, text_first = keyed(text_counts, text_total, text_starts[pair_text], text_hashes, 1)
    source_keys, source_first = keyed(source_counts, source_total, source_starts[pair_source], source_hashes, 0)
    keys = np.sort(np.concatenate((source_keys, text_keys)))
    group = keys >> np.uint64(1 + position_bits)
    is_text = (keys >> np.uint64(position_bits)) & np.uint64(1) == 1
    opens = np.concatenate(([True], group[1:] != group[:-1]))
    group_first = np.maximum.accumulate(np.where(opens, np.arange(len(keys)), 0))
    sources_before = np.concatenate(([0], np.cumsum(~is_text)))
    at_text = np.flatnonzero(is_text)
    first_source = group_first[at_text]
    counts = sources_before[at_text] - sources_before[first_source]  # the group's source occurrences
    found = counts > 0
    at_text, first_source, counts = at_text[found], first_source[found], counts[found]
    if not len(at_text):
        return None
    # Back to pair and text order: a text shingle's row is its pair's first row + its position.
    mask = np.uint64((1 << position_bits) - 1)
    pair = (keys[at_text] >> np.uint64(hash_bits + 1 + position_bits)).astype(np.int64)
    row = text_first[pair] + (keys[at_text] & mask).astype(np.int64)
    occurrences = np.zeros(text_total, dtype=np.int64)
    occurrences[row] = counts
    first_at = np.zeros(text_total, dtype=np.int64)
    first_at[row] = first_source
    row = np.flatnonzero(occurrences)
    counts, first_source = occurrences[row], first_at[row]
    if (counts == 1).all():
        owner, entry = np.arange(len(row)), first_source
    else:
        owner = np.repeat(np.arange(len(row)), counts)
        entry = np.repeat(first_source - (np.cumsum(counts) - counts), counts) + np.arange(len(owner))
    point_row = row[owner]
    point_pair = np.searchsorted(text_first, point_row, "right") - 1
    text_position = point_row - text_first[point_pair]
    source_position = (keys[entry] & mask).astype(np.int64)
    # Confirm on the full hashes.
    exact = (text_hashes[text_starts[pair_text][point_pair] + text_position]
             == source_hashes[source_starts[pair_source][point_pair] + source_position])
    if not exact.all():
        owner, point_pair = owner[exact], point_pair[exact]
        text_position, source_position = text_position[exact], source_position[exact]
        if not len(owner):
            return None
    group_start = np.flatnonzero(np.concatenate(([True], owner[1:] != owner[:-1])))
    sizes = np.diff(np.append(group_start, len(owner)))
    return point_pair, text_position, source_position, group_start, sizes
