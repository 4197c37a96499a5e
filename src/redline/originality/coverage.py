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
    position_bits = max(int(max(text_counts.sum(), source_counts.max())).bit_length(), 1)
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
    point_pair, text_position, source_position, occurrences, repeated_owner, repeated_position = matched
    diagonal = source_position - text_position

    # Characters in one flat array: pair p's text occupies [char_base[p], char_base[p] + L).
    lengths = text_counts + k - 1
    lengths[text_counts == 0] = 0
    char_base = np.cumsum(lengths + 1) - (lengths + 1)
    flat = char_base[point_pair] + text_position
    chars = int(char_base[-1] + lengths[-1]) + 2
    # Every matched shingle covers its characters (shingle starts are distinct, so bincount,
    # not the slow add.at, is enough).
    marks = np.bincount(flat, minlength=chars) - np.bincount(flat + k, minlength=chars)
    covered = np.cumsum(marks[:-1]) > 0
    running = np.concatenate(([0], np.cumsum(covered)))

    def kept_chains(points: np.ndarray | None, diagonals: np.ndarray, strict: bool) -> tuple[np.ndarray, np.ndarray]:
        """Chains of consecutive `points` (all when None; pair after pair, in text order) that
        stay close and in step, and cover at least `min_chars` characters: flat [start, end)."""
        positions, pair_of, flat_of = ((text_position, point_pair, flat) if points is None
                                       else (text_position[points], point_pair[points], flat[points]))
        if not len(positions):
            return positions, positions
        step, turn = np.diff(positions), np.diff(diagonals)
        breaks = (np.diff(pair_of) != 0) | (step > gap + k) | (np.abs(turn) > shift)
        if strict:
            breaks |= (step < k) & (turn != 0)
        chain_first = np.flatnonzero(np.concatenate(([True], breaks)))
        chain_last = np.append(chain_first[1:], len(positions)) - 1
        start, end = flat_of[chain_first], flat_of[chain_last] + k
        kept = (running[end] - running[start]) >= min_chars
        return start[kept], end[kept]

    # Chains of the shingles the source has once (a repeated one covers but does not chain),
    # then, for pairs where the source repeats shingles, chains with each repeated shingle
    # resolved to one occurrence. A character is copied when covered inside a kept chain.
    if repeated_owner is None:
        chains = [kept_chains(None, diagonal, strict=False)]
    else:
        single = np.flatnonzero(occurrences == 1)
        chains = [kept_chains(single, diagonal[single], strict=False)]
        points, diagonals = _resolve_repeats(point_pair, text_position, diagonal, occurrences, repeated_owner,
                                             repeated_position, gap + k, shift)
        chains.append(kept_chains(points, diagonals, strict=True))
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


def _resolve_repeats(pair: np.ndarray, position: np.ndarray, diagonal: np.ndarray, occurrences: np.ndarray,
                     owner: np.ndarray, source_position: np.ndarray, reach: int, shift: int
                     ) -> tuple[np.ndarray, np.ndarray]:
    """The points to chain in the pairs where the source repeats a shingle, and their
    diagonals: every matched shingle of those pairs, a repeated one on one of its occurrences
    (`owner`, `source_position`: each occurrence's shingle and place, in source order per
    shingle): the one in step (within `shift`) with the nearest once-only shingle at most
    `reach` away in the text, else the first (so a paragraph the source repeats lands wholly on
    its first repetition)."""
    involved = np.zeros(int(pair.max()) + 1, dtype=bool)
    involved[pair[occurrences > 1]] = True
    points = np.flatnonzero(involved[pair])
    single = points[occurrences[points] == 1]
    repeated = points[occurrences[points] > 1]
    # Reference diagonal of each repeated shingle: the nearest once-only one within reach.
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
    # Per repeated shingle: its first occurrence in step with the reference, if any.
    slot = np.full(len(pair), -1, dtype=np.int64)
    slot[repeated] = np.arange(len(repeated))
    which = slot[owner]
    occurrence_diagonal = source_position - position[owner]
    in_step = np.flatnonzero(anchored[which] & (np.abs(occurrence_diagonal - reference[which]) <= shift))
    chosen = diagonal.copy()  # a matched shingle's diagonal is that of its first occurrence
    if len(in_step):
        first_in_step = in_step[np.concatenate(([True], which[in_step][1:] != which[in_step][:-1]))]
        chosen[owner[first_in_step]] = occurrence_diagonal[first_in_step]
    return points, chosen[points]


def _matched_shingles(text_hashes, text_starts, source_hashes, source_starts, pair_text, pair_source,
                      text_counts, source_counts, pair_bits, position_bits):
    """The text shingles of each pair that its source has: pair, text position, source
    position of the first occurrence, number of occurrences, in pair and text order; and, when
    some shingle occurs more than once, every occurrence of those (the matched shingle each
    belongs to and its source position, in source order per shingle). None when nothing
    matches.

    Both sides' shingles go into one array of keys (pair | top hash bits | side | row), sorted
    once with NumPy's vectorised sort; a pair's source occurrences of a shingle then sit right
    before its text occurrences. Keys keep only the top bits of the hash (at least 32), so every
    match is confirmed on the full 64-bit hashes."""
    pairs = len(pair_text)
    hash_bits = 64 - pair_bits - 1 - position_bits
    text_total, source_total = int(text_counts.sum()), int(source_counts.sum())
    if not text_total or not source_total:
        return None
    low_bits = np.uint64(1 + position_bits)
    pair_shift = np.uint64(hash_bits + 1 + position_bits)
    text_first = np.cumsum(text_counts) - text_counts

    def keyed(counts, total, starts, hashes, side, first):
        """Keys of one side: pair, top hash bits, side, and the row (text side: the shingle's
        row among all pairs' text shingles) or position (source side: within the source)."""
        ahead = np.arange(total)
        index = np.repeat(starts - first, counts) + ahead  # into `hashes`
        row_base = first if side else np.zeros(pairs, dtype=np.int64)
        low = (np.repeat((np.arange(pairs, dtype=np.uint64) << pair_shift) + np.uint64(side << position_bits)
                         + (row_base - first).astype(np.uint64), counts) + ahead.astype(np.uint64))
        return low | ((hashes[index] >> np.uint64(64 - hash_bits)) << low_bits)

    source_first = np.cumsum(source_counts) - source_counts
    keys = np.sort(np.concatenate((
        keyed(source_counts, source_total, source_starts[pair_source], source_hashes, 0, source_first),
        keyed(text_counts, text_total, text_starts[pair_text], text_hashes, 1, text_first))))
    group = keys >> low_bits
    is_text = ((keys >> np.uint64(position_bits)) & np.uint64(1)).astype(bool)
    opens = np.concatenate(([True], group[1:] != group[:-1]))
    group_first = np.maximum.accumulate(np.where(opens, np.arange(len(keys)), 0))
    sources_before = np.concatenate(([0], np.cumsum(~is_text)))
    at_text = np.flatnonzero(is_text)
    first_source = group_first[at_text]
    mask = np.uint64((1 << position_bits) - 1)
    # Back to row order (a row is a pair's first row + the shingle's position in its text).
    row = (keys[at_text] & mask).astype(np.int64)
    occurrences = np.zeros(text_total, dtype=np.int64)
    occurrences[row] = sources_before[at_text] - sources_before[first_source]  # the group's sources
    first_at = np.zeros(text_total, dtype=np.int64)
    first_at[row] = first_source
    row = np.flatnonzero(occurrences)
    if not len(row):
        return None
    occurrences, first_at = occurrences[row], first_at[row]
    pair = np.repeat(np.arange(pairs), text_counts)[row] if pairs > 1 else np.zeros(len(row), dtype=np.int64)
    text_position = row - text_first[pair]
    source_position = (keys[first_at] & mask).astype(np.int64)
    text_base, source_base = text_starts[pair_text], source_starts[pair_source]
    repeated = np.flatnonzero(occurrences > 1)
    owner = occurrence_position = None
    if len(repeated):
        counts = occurrences[repeated]
        owner = np.repeat(repeated, counts)
        entry = np.repeat(first_at[repeated] - (np.cumsum(counts) - counts), counts) + np.arange(len(owner))
        occurrence_position = (keys[entry] & mask).astype(np.int64)
        exact = (text_hashes[text_base[pair[owner]] + text_position[owner]]
                 == source_hashes[source_base[pair[owner]] + occurrence_position])
        owner, occurrence_position = owner[exact], occurrence_position[exact]
        occurrences[repeated] = np.bincount(owner, minlength=len(row))[repeated]
        first_exact = np.concatenate(([True], owner[1:] != owner[:-1])) if len(owner) else np.zeros(0, dtype=bool)
        source_position[owner[first_exact]] = occurrence_position[first_exact]
    # Confirm the once-only matches on the full hashes (the repeated ones are confirmed above).
    once = np.flatnonzero(occurrences == 1) if len(repeated) else np.arange(len(row))
    wrong = once[text_hashes[text_base[pair[once]] + text_position[once]]
                 != source_hashes[source_base[pair[once]] + source_position[once]]]
    occurrences[wrong] = 0
    if len(repeated) and len(owner):
        owner_count = np.bincount(owner, minlength=len(row))
        # A repeated shingle left with one exact occurrence is once-only now; drop its list.
        listed = owner_count[owner] > 1
        owner, occurrence_position = owner[listed], occurrence_position[listed]
    keep = occurrences > 0
    if not keep.all():
        if not keep.any():
            return None
        renumber = np.cumsum(keep) - 1
        if owner is not None:
            owner = renumber[owner]
        pair, text_position, source_position, occurrences = (pair[keep], text_position[keep], source_position[keep],
                                                             occurrences[keep])
    if owner is None or not len(owner):
        owner = occurrence_position = None
    return pair, text_position, source_position, occurrences, owner, occurrence_position
