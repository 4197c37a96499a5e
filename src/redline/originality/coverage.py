"""Which characters of a text are copied from one source text, as passages.

A shingle of the text is matched when the source has the same shingle; it covers its k
characters. Matched shingles chain into one passage while they stay in step with the source
(the offset between their position in the text and in the source changes by at most `shift`
from one to the next, so inserting or deleting a few characters is allowed) and while the
uncovered gap between them is at most `gap` characters (a copy with a word swapped here and
there stays one passage). A shingle the source contains several times covers characters but
does not chain (it has no single position to be in step with).
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
    """`mask[i]` is True for copied content characters; `spans` are the passages, [start, end)
    in content positions (a passage's span may include a few edited characters)."""

    mask: np.ndarray
    spans: list[tuple[int, int]]

    @property
    def copied_chars(self) -> int:
        return int(np.count_nonzero(self.mask))


_SLOT_SHIFT = np.uint64(40)  # key = source slot << 40 | top 40 bits of the shingle hash
_HASH_SHIFT = np.uint64(24)


def _keys(slots: np.ndarray, hashes: np.ndarray) -> np.ndarray:
    # Keys sort by source first, so one pair's lookups all land in one small, cached stretch of
    # the sorted array (a random-order search over all sources is several times slower).
    return (slots.astype(np.uint64) << _SLOT_SHIFT) | (hashes >> _HASH_SHIFT)


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
    pair is verified in the same few vectorised passes: the sources' shingles keyed by
    (source, hash) and sorted once, every pair's text shingles looked up in them, the matches
    chained and measured per pair.
    """
    pairs = len(pair_text)
    if not pairs:
        return []
    # Sources' shingles, sorted by (source, hash) folded into one key. At most 2**24 sources
    # per call.
    source_counts = np.diff(source_starts)
    source_of = np.repeat(np.arange(len(source_counts), dtype=np.uint64), source_counts)
    source_keys = _keys(source_of, source_hashes)
    order = np.argsort(source_keys)  # no need for stability: repeated shingles do not chain
    sorted_keys = source_keys[order]

    # Every pair's text shingles, pair after pair.
    text_counts = np.diff(text_starts)[pair_text]
    total = int(text_counts.sum())
    pair_of = np.repeat(np.arange(pairs), text_counts)
    first_of_pair = np.cumsum(text_counts) - text_counts
    position = np.arange(total) - first_of_pair[pair_of]  # shingle position within its text
    looked_up = text_hashes[text_starts[pair_text][pair_of] + position]
    keys = _keys(pair_source[pair_of], looked_up)
    slots = np.searchsorted(sorted_keys, keys)
    np.minimum(slots, max(len(sorted_keys) - 1, 0), out=slots)
    hit = np.flatnonzero(sorted_keys[slots] == keys) if len(sorted_keys) else np.zeros(0, dtype=np.int64)
    # Keys keep 40 bits of the hash (the source is exact, in the high bits): confirm the hash.
    source_index = order[slots[hit]]
    exact = source_hashes[source_index] == looked_up[hit]
    hit, source_index = hit[exact], source_index[exact]
    results: list[CopiedPassages | None] = [None] * pairs
    if not len(hit):
        return results
    hit_pair = pair_of[hit]
    text_position = position[hit]
    diagonal = (source_index - source_starts[pair_source[hit_pair]]) - text_position
    # A shingle the source has more than once (a repeated phrase) has no one diagonal: it
    # covers characters but does not take part in chaining.
    hit_slots = slots[hit]
    following = np.minimum(hit_slots + 1, len(sorted_keys) - 1)
    unique = ~((hit_slots + 1 < len(sorted_keys)) & (sorted_keys[following] == sorted_keys[hit_slots]))
    chained = np.flatnonzero(unique)
    if not len(chained):
        return results
    c_pair, c_position, c_diagonal = hit_pair[chained], text_position[chained], diagonal[chained]

    # Chains: consecutive matched shingles of one pair, close together and in step.
    breaks = ((np.diff(c_pair) != 0) | (np.diff(c_position) > gap + k)
              | (np.abs(np.diff(c_diagonal)) > shift))
    chain_first = np.flatnonzero(np.concatenate(([True], breaks)))
    chain_last = np.append(chain_first[1:], len(chained)) - 1

    # Characters in one flat array: pair p's text occupies [char_base[p], char_base[p] + L).
    lengths = text_counts + k - 1
    lengths[text_counts == 0] = 0
    char_base = np.cumsum(lengths + 1) - (lengths + 1)
    flat = char_base[hit_pair] + text_position
    size = int(char_base[-1] + lengths[-1]) + 2
    # Shingle starts are distinct, so counting them is enough (bincount, not the slow add.at).
    marks = np.bincount(flat, minlength=size) - np.bincount(flat + k, minlength=size)
    covered = np.cumsum(marks[:-1]) > 0
    running = np.concatenate(([0], np.cumsum(covered)))
    chain_start = char_base[c_pair[chain_first]] + c_position[chain_first]
    chain_end = char_base[c_pair[chain_last]] + c_position[chain_last] + k
    kept = (running[chain_end] - running[chain_start]) >= min_chars
    if not kept.any():
        return results
    kept_pair = c_pair[chain_first[kept]]
    in_kept = np.bincount(chain_start[kept], minlength=size) - np.bincount(chain_end[kept], minlength=size)
    copied = covered & (np.cumsum(in_kept[:-1]) > 0)
    kept_start, kept_end = chain_start[kept], chain_end[kept]
    # Chains come pair after pair, so each pair's kept chains are one slice.
    boundaries = np.flatnonzero(np.diff(kept_pair)) + 1
    firsts = np.concatenate(([0], boundaries)).tolist()
    lasts = np.concatenate((boundaries, [len(kept_pair)])).tolist()
    for pair, first, last in zip(kept_pair[firsts].tolist(), firsts, lasts):
        base = int(char_base[pair])
        spans = _union(kept_start[first:last] - base, kept_end[first:last] - base)
        results[pair] = CopiedPassages(copied[base : base + int(lengths[pair])], spans)
    return results


def exact_run_lengths(
    text_codes: np.ndarray,
    text_starts: np.ndarray,
    source_codes: np.ndarray,
    source_starts: np.ndarray,
    pair_text: np.ndarray,
    pair_source: np.ndarray,
    text_position: np.ndarray,
    source_position: np.ndarray,
    reach: int,
) -> np.ndarray:
    """For each pair with a shared seed (a shingle at `text_position` in the text and at
    `source_position` in the source), the length of the identical run of characters around the
    seed, counting at most `reach` characters on each side."""
    if not len(pair_text):
        return np.zeros(0, dtype=np.int64)
    offsets = np.arange(-reach, reach + 1)
    t_index = text_position[:, None] + offsets
    s_index = source_position[:, None] + offsets
    t_length = (text_starts[pair_text + 1] - text_starts[pair_text])[:, None]
    s_length = (source_starts[pair_source + 1] - source_starts[pair_source])[:, None]
    inside = (t_index >= 0) & (t_index < t_length) & (s_index >= 0) & (s_index < s_length)
    t_flat = np.where(inside, text_starts[pair_text][:, None] + t_index, 0)
    s_flat = np.where(inside, source_starts[pair_source][:, None] + s_index, 0)
    same = inside & (text_codes[t_flat] == source_codes[s_flat])
    centre = reach
    # First difference at or after the seed, last difference before it.
    right = np.where(~same[:, centre:], np.arange(reach + 1), reach + 1).min(axis=1)
    left = np.where(~same[:, :centre], np.arange(centre), -1).max(axis=1)
    return right + (centre - 1 - left)


def _union(starts: np.ndarray, ends: np.ndarray) -> list[tuple[int, int]]:
    """Overlapping or touching spans merged (starts are ascending)."""
    spans: list[tuple[int, int]] = []
    for start, end in zip(starts.tolist(), ends.tolist()):
        if spans and start <= spans[-1][1]:
            spans[-1] = (spans[-1][0], max(spans[-1][1], end))
        else:
            spans.append((start, end))
    return spans
