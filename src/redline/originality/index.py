"""The in-memory near-duplicate index: immutable segments of notes, queried in batches.

A segment holds, for its notes: ids, accounts, the content code points (`codes`, laid end to
end; the persistence adapter maps them from disk, so they cost no memory until read) and the
winnowed fingerprints sorted by value with the note each came from (`fp_values`, `fp_notes`),
plus a hash directory over the distinct values built when the segment is made or opened (see
`Segment.postings`). Deleting a note marks it in its segment's `deleted` mask; merging segments
drops marked notes.

A query finds candidates by looking its fingerprints up in every segment (reading at most
`max_postings` notes per fingerprint in the whole index, earliest first), keeps the notes that
share fingerprints the way a copied passage does (two in step, or one rare one inside a long
identical run; see `_candidates`), at most `max_candidates` of them, and verifies each exactly:
its shingles against the query's, giving the copied passages (see `coverage.py`). No candidate
is reported without verified passages, so the index never reports a false match; and every
passage long enough to count is guaranteed a shared fingerprint (see `fingerprints.py`).

Pure: no files here. `redline.store.corpus` reads and writes segments.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import xxhash

from redline.originality.coverage import CopiedPassages, verify_pairs
from redline.originality.fingerprints import winnow
from redline.originality.shingles import ContentBatch, content_batch, shingle_hashes
from redline.text.normalize import Normalizer


@dataclass(frozen=True, slots=True)
class IndexParams:
    """What the stored fingerprints depend on; an index built with other values must be rebuilt."""

    shingle_chars: int
    window: int

    @classmethod
    def from_policy(cls, policy) -> "IndexParams":
        section = policy.originality
        return cls(section.shingle_chars, section.winnow_window)

    def as_dict(self) -> dict[str, int]:
        return {"shingle_chars": self.shingle_chars, "window": self.window}


@dataclass(frozen=True, slots=True)
class NoteInput:
    id: str
    account_id: str
    text: str


def id_hashes(ids: Sequence[str]) -> np.ndarray:
    return np.fromiter((xxhash.xxh3_64_intdigest(i.encode("utf-8", "surrogatepass")) for i in ids),
                       dtype=np.uint64, count=len(ids))


@dataclass(eq=False)
class Segment:
    name: str
    ids: list[str]
    accounts: list[str]  # distinct account ids; `account_codes[i]` indexes this list
    account_codes: np.ndarray
    offsets: np.ndarray  # int64, len n + 1: note i's codes are codes[offsets[i]:offsets[i+1]]
    codes: np.ndarray  # uint32 content code points
    fp_values: np.ndarray  # uint64, sorted
    fp_notes: np.ndarray  # uint32, the note of each fingerprint
    fp_positions: np.ndarray  # uint32, the fingerprint's shingle position within its note
    deleted: np.ndarray = field(default=None)  # bool per note
    _id_order: np.ndarray = field(default=None, repr=False)
    _id_sorted: np.ndarray = field(default=None, repr=False)
    # Derived from fp_values (see `_index_fingerprints`): its distinct values, where each one's
    # postings start, and a directory from a value's top bits to the distinct values having them.
    _fp_distinct: np.ndarray = field(default=None, repr=False)
    _fp_first: np.ndarray = field(default=None, repr=False)
    _fp_directory: np.ndarray = field(default=None, repr=False)
    _fp_shift: np.uint64 = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if self.deleted is None:
            self.deleted = np.zeros(len(self.ids), dtype=bool)
        hashes = id_hashes(self.ids)
        self._id_order = np.argsort(hashes, kind="stable")
        self._id_sorted = hashes[self._id_order]
        self._index_fingerprints()

    def _index_fingerprints(self) -> None:
        """A hash directory over the sorted fingerprints: the top `bits` bits of a value pick a
        bucket of about one distinct value, so a lookup is two reads and a comparison or two,
        where a binary search over millions of values is twenty-odd dependent reads."""
        values = np.asarray(self.fp_values)
        first = np.flatnonzero(np.concatenate(([True], values[1:] != values[:-1]))) if len(values) else values[:0]
        bits = max(int(len(first)).bit_length(), 1)
        index_type = np.int32 if len(values) < 2**31 else np.int64
        self._fp_distinct = values[first]
        self._fp_first = np.append(first, len(values)).astype(index_type)
        self._fp_shift = np.uint64(64 - bits)
        buckets = np.bincount((self._fp_distinct >> self._fp_shift).astype(np.intp), minlength=1 << bits)
        self._fp_directory = np.concatenate(([0], np.cumsum(buckets))).astype(index_type)

    def postings(self, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For each fingerprint value, where its postings start in `fp_notes` / `fp_positions`
        and how many there are (0 when the segment does not have it). Ascending values read the
        arrays front to back."""
        start = np.zeros(len(values), dtype=np.int64)
        count = np.zeros(len(values), dtype=np.int64)
        if not len(values) or not len(self._fp_distinct):
            return start, count
        bucket = (values >> self._fp_shift).astype(np.intp)
        probe = self._fp_directory[bucket].astype(np.int64)
        end = self._fp_directory[bucket + 1]
        active = np.flatnonzero(probe < end)
        while len(active):  # a bucket holds about one value: one or two rounds
            at = probe[active]
            stored = self._fp_distinct[at]
            wanted = values[active]
            found = stored == wanted
            done = active[found]
            start[done] = self._fp_first[at[found]]
            count[done] = self._fp_first[at[found] + 1] - start[done]
            active = active[(stored < wanted) & (at + 1 < end[active])]
            probe[active] += 1
        return start, count

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def live(self) -> int:
        return len(self.ids) - int(np.count_nonzero(self.deleted))

    def find(self, note_id: str, note_hash: int | None = None) -> int | None:
        """Local index of a live note with this id, or None."""
        if note_hash is None:
            note_hash = int(id_hashes([note_id])[0])
        lo = int(np.searchsorted(self._id_sorted, np.uint64(note_hash), "left"))
        hi = int(np.searchsorted(self._id_sorted, np.uint64(note_hash), "right"))
        for position in range(lo, hi):
            local = int(self._id_order[position])
            if self.ids[local] == note_id and not self.deleted[local]:
                return local
        return None

    def note_codes(self, local: int) -> np.ndarray:
        return np.asarray(self.codes[self.offsets[local] : self.offsets[local + 1]])

    def notes_codes(self, locals_: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The code points of several notes, back to back, and where each starts (n + 1 long)."""
        begin = self.offsets[locals_]
        lengths = self.offsets[locals_ + 1] - begin
        starts = np.zeros(len(locals_) + 1, dtype=np.int64)
        np.cumsum(lengths, out=starts[1:])
        index = np.repeat(begin - starts[:-1], lengths) + np.arange(starts[-1])
        return np.asarray(self.codes[index], dtype=np.uint32), starts

    def account_of(self, local: int) -> str:
        return self.accounts[int(self.account_codes[local])]


def build_segment(
    name: str,
    ids: Sequence[str],
    account_ids: Sequence[str],
    codes: np.ndarray,
    offsets: np.ndarray,
    params: IndexParams,
) -> Segment:
    """A segment from notes' content code points laid back to back (`offsets`, n + 1 long;
    see `notes_content`)."""
    accounts: dict[str, int] = {}
    account_codes = np.fromiter((accounts.setdefault(a, len(accounts)) for a in account_ids),
                                dtype=np.int32, count=len(account_ids))
    hashes, shingle_starts = shingle_hashes(codes, offsets, params.shingle_chars)
    values, notes, positions = winnow(hashes, shingle_starts, params.window)
    order = np.argsort(values, kind="stable")  # stable: within one value, earliest note first
    return Segment(
        name=name,
        ids=list(ids),
        accounts=list(accounts),
        account_codes=account_codes,
        offsets=np.asarray(offsets, dtype=np.int64),
        codes=np.asarray(codes, dtype=np.uint32),
        fp_values=values[order],
        fp_notes=notes[order].astype(np.uint32),
        fp_positions=positions[order].astype(np.uint32),
    )


def notes_content(texts: Sequence[str], normalizer: Normalizer) -> tuple[np.ndarray, np.ndarray]:
    """Content code points of many texts, back to back, and where each starts (n + 1 long)."""
    batch = content_batch(texts, normalizer)
    return batch.codes, batch.starts


def merge_segments(name: str, segments: Sequence[Segment], params: IndexParams) -> Segment:
    """One segment with the live notes of `segments`, in order. Without deletions the stored
    fingerprints are merged as they are; otherwise they are recomputed from the code points."""
    if not any(segment.deleted.any() for segment in segments):
        return _concatenate(name, segments)
    return rebuild_segments(name, segments, params)


def rebuild_segments(name: str, segments: Sequence[Segment], params: IndexParams) -> Segment:
    """One segment with the live notes of `segments`, fingerprints recomputed under `params`."""
    ids: list[str] = []
    accounts: list[str] = []
    parts: list[np.ndarray] = []
    lengths: list[np.ndarray] = []
    for segment in segments:
        live = np.flatnonzero(~segment.deleted)
        if len(live) == len(segment):  # nothing deleted: take the codes whole
            parts.append(np.asarray(segment.codes))
        else:
            parts.extend(segment.note_codes(local) for local in live.tolist())
        lengths.append(np.diff(segment.offsets)[live])
        ids.extend(segment.ids[local] for local in live.tolist())
        accounts.extend(segment.account_of(local) for local in live.tolist())
    codes = np.concatenate(parts) if parts else np.zeros(0, dtype=np.uint32)
    offsets = np.zeros(len(ids) + 1, dtype=np.int64)
    if lengths:
        np.cumsum(np.concatenate(lengths), out=offsets[1:])
    return build_segment(name, ids, accounts, codes, offsets, params)


def _concatenate(name: str, segments: Sequence[Segment]) -> Segment:
    accounts: dict[str, int] = {}
    account_codes, offsets, fp_notes = [], [np.zeros(1, dtype=np.int64)], []
    base = 0
    for segment in segments:
        remap = np.array([accounts.setdefault(a, len(accounts)) for a in segment.accounts], dtype=np.int32)
        account_codes.append(remap[segment.account_codes] if len(remap) else segment.account_codes)
        offsets.append(segment.offsets[1:] + offsets[-1][-1])
        fp_notes.append(segment.fp_notes.astype(np.int64) + base)
        base += len(segment)
    values = np.concatenate([segment.fp_values for segment in segments])
    order = np.argsort(values, kind="stable")  # sorted runs: a merge; earliest note first per value
    return Segment(
        name=name,
        ids=[note_id for segment in segments for note_id in segment.ids],
        accounts=list(accounts),
        account_codes=np.concatenate(account_codes),
        offsets=np.concatenate(offsets),
        codes=np.concatenate([np.asarray(segment.codes) for segment in segments]),
        fp_values=values[order],
        fp_notes=np.concatenate(fp_notes)[order].astype(np.uint32),
        fp_positions=np.concatenate([segment.fp_positions for segment in segments])[order],
    )


@dataclass(frozen=True, slots=True)
class SourceMatch:
    """An earlier note that a checked text copies from, with the verified passages."""

    note_id: str
    account_id: str
    passages: CopiedPassages  # in the checked text's content positions
    overlap: float  # share of the checked text's content copied from this note
    source_overlap: float | None = None  # share of the earlier note found in the checked text
    source_chars: int = 0


@dataclass(frozen=True, slots=True)
class QueryResult:
    """Text `text` of `batch` and the earlier notes it copies from, most copied first."""

    batch: ContentBatch
    text: int
    matches: list[SourceMatch]

    @property
    def content_chars(self) -> int:
        return self.batch.length(self.text)

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        return self.batch.original_span(self.text, start, end)


class CorpusIndex:
    """Segments plus the query logic. Mutations (`add_segment`, `delete`) are in memory; the
    persistence adapter writes them out before it changes this object."""

    def __init__(self, params: IndexParams, segments: Sequence[Segment] = ()):
        self.params = params
        self.segments: list[Segment] = list(segments)

    def __len__(self) -> int:
        return sum(segment.live for segment in self.segments)

    @property
    def stored(self) -> int:
        return sum(len(segment) for segment in self.segments)

    def locate(self, note_id: str) -> tuple[int, int] | None:
        note_hash = int(id_hashes([note_id])[0])
        for position, segment in enumerate(self.segments):
            local = segment.find(note_id, note_hash)
            if local is not None:
                return position, local
        return None

    def __contains__(self, note_id: str) -> bool:
        return self.locate(note_id) is not None

    def locate_many(self, note_ids: Sequence[str | None]) -> list[tuple[int, int] | None]:
        """`locate` for many ids at once (hashes looked up in bulk); None stays None."""
        where: list[tuple[int, int] | None] = [None] * len(note_ids)
        wanted = [i for i, note_id in enumerate(note_ids) if note_id is not None]
        if not wanted:
            return where
        hashes = id_hashes([note_ids[i] for i in wanted])
        for position, segment in enumerate(self.segments):
            if not len(segment._id_sorted):
                continue
            slots = np.searchsorted(segment._id_sorted, hashes)
            np.minimum(slots, len(segment._id_sorted) - 1, out=slots)
            for j in np.flatnonzero(segment._id_sorted[slots] == hashes).tolist():
                i = wanted[j]
                if where[i] is not None:
                    continue
                local = int(segment._id_order[slots[j]])  # the usual case: the first of its hash
                if segment.ids[local] != note_ids[i] or segment.deleted[local]:
                    local = segment.find(note_ids[i], int(hashes[j]))
                if local is not None:
                    where[i] = (position, local)
        return where

    def existing(self, note_ids: Sequence[str]) -> set[str]:
        """The ids among `note_ids` of live notes in the index."""
        return {note_id for note_id, where in zip(note_ids, self.locate_many(note_ids)) if where is not None}

    # ---- queries -------------------------------------------------------------------------

    def query(
        self,
        texts: Sequence[str],
        normalizer: Normalizer,
        *,
        gap: int,
        shift: int,
        min_chars: int,
        max_candidates: int,
        max_postings: int,
        rare_notes: int = 0,
        exclude_ids: Sequence[str | None] | None = None,
        symmetric: bool = False,
    ) -> list[QueryResult]:
        """For each text, the earlier notes it copies from (verified), most copied first.
        `exclude_ids[i]` (optional) is a note never to report for text i (the text itself,
        when it is already indexed)."""
        k, window = self.params.shingle_chars, self.params.window
        batch = content_batch(texts, normalizer, with_offsets=True)
        hashes, shingle_starts = shingle_hashes(batch.codes, batch.starts, k)
        fp_values, fp_texts, fp_positions = winnow(hashes, shingle_starts, window)
        excluded = {(t, *where) for t, where in enumerate(self.locate_many(list(exclude_ids or ()))) if where}
        candidates = self._candidates(fp_values, fp_texts, fp_positions, len(texts), max_postings, max_candidates,
                                      rare_notes, shift, min_chars, excluded, batch)

        # Every distinct candidate's shingles, hashed in one batch; then all pairs verified.
        distinct = sorted({c for per_text in candidates for c in per_text})
        slot = {c: i for i, c in enumerate(distinct)}
        source_codes, source_starts = self._notes_codes(distinct)
        source_hashes, source_shingle_starts = shingle_hashes(source_codes, source_starts, k)
        pair_text = np.array([t for t, per_text in enumerate(candidates) for _ in per_text], dtype=np.int64)
        pair_source = np.array([slot[c] for per_text in candidates for c in per_text], dtype=np.int64)
        forward = verify_pairs(hashes, shingle_starts, source_hashes, source_shingle_starts,
                               pair_text, pair_source, k, gap, shift, min_chars)
        backward: list[CopiedPassages | None] = [None] * len(forward)
        if symmetric:
            backward = verify_pairs(source_hashes, source_shingle_starts, hashes, shingle_starts,
                                    pair_source, pair_text, k, gap, shift, min_chars)

        results = [QueryResult(batch, t, []) for t in range(len(texts))]
        text_lengths = np.diff(batch.starts).tolist()
        source_lengths = np.diff(source_starts).tolist()
        for pair, (copied, t, i) in enumerate(zip(forward, pair_text.tolist(), pair_source.tolist())):
            if copied is None:
                continue
            position, local = distinct[i]
            segment = self.segments[position]
            back = backward[pair]
            results[t].matches.append(SourceMatch(
                note_id=segment.ids[local],
                account_id=segment.account_of(local),
                passages=copied,
                overlap=copied.copied_chars / text_lengths[t],
                source_overlap=(back.copied_chars / source_lengths[i] if back is not None else 0.0) if symmetric else None,
                source_chars=source_lengths[i],
            ))
        for result in results:
            if len(result.matches) > 1:
                result.matches.sort(key=lambda m: -m.overlap)
        return results

    def _notes_codes(self, notes: Sequence[tuple[int, int]]) -> tuple[np.ndarray, np.ndarray]:
        """Code points of (segment, local) notes, sorted by segment, back to back."""
        parts: list[tuple[np.ndarray, np.ndarray]] = []
        where = np.array(notes, dtype=np.int64).reshape(-1, 2)
        for position, segment in enumerate(self.segments):
            mine = where[where[:, 0] == position, 1]
            if len(mine):
                parts.append(segment.notes_codes(mine))
        if len(parts) == 1:
            return parts[0]
        codes = np.concatenate([codes for codes, _ in parts]) if parts else np.zeros(0, dtype=np.uint32)
        lengths = np.concatenate([np.diff(starts) for _, starts in parts]) if parts else np.zeros(0, dtype=np.int64)
        return codes, np.concatenate(([0], np.cumsum(lengths))).astype(np.int64)

    def _candidates(
        self,
        fp_values: np.ndarray,
        fp_texts: np.ndarray,
        fp_positions: np.ndarray,
        n_texts: int,
        max_postings: int,
        max_candidates: int,
        rare_notes: int,
        shift: int,
        min_chars: int,
        excluded: set[tuple[int, int, int]],
        batch: ContentBatch,
    ) -> list[list[tuple[int, int]]]:
        """Per text, the notes worth verifying: sharing two fingerprints in step (the same
        offset between text and note, give or take `shift`, as in a copied passage), or one
        fingerprint found in at most `rare_notes` notes inside an identical run of at least
        `min_chars` characters (the case winnowing guarantees for a short verbatim quote).
        Common phrases scattered through two unrelated notes make no candidate. Most shared
        fingerprints first, at most `max_candidates` per text.

        A fingerprint's postings are read oldest segment first, at most `max_postings` in the
        whole index (the earliest notes), and its frequency is its count in the whole index, so
        the answer does not depend on how the index happens to be split into segments."""
        per_text: list[list[tuple[int, int]]] = [[] for _ in range(n_texts)]
        if not len(fp_values) or not self.segments:
            return per_text
        sizes = [len(segment) for segment in self.segments]
        bases = np.concatenate(([0], np.cumsum(sizes))).astype(np.int64)
        stored = int(bases[-1]) or 1
        # Fingerprints numbered in text and position order (winnowing gives that order, but for
        # texts shorter than a window), so that sorting hits by fingerprint number sorts them by
        # text position too.
        place = fp_texts.astype(np.int64) * (int(fp_positions.max(initial=0)) + 1) + fp_positions
        if len(place) > 1 and (place[1:] < place[:-1]).any():
            in_place = np.argsort(place, kind="stable")
            fp_values, fp_texts, fp_positions = fp_values[in_place], fp_texts[in_place], fp_positions[in_place]
        fp_texts, fp_positions = fp_texts.astype(np.int64), fp_positions.astype(np.int64)
        # Look fingerprints up in ascending order: the lookups then walk each segment's arrays
        # front to back instead of jumping around them.
        by_value = np.argsort(fp_values)
        ascending = fp_values[by_value]
        found = [segment.postings(ascending) for segment in self.segments]
        frequency = np.empty(len(fp_values), dtype=np.int64)
        frequency[by_value] = sum(count for _, count in found)  # postings in the whole index
        remaining = np.full(len(fp_values), max_postings, dtype=np.int64)
        fingerprint_parts, note_parts, note_position_parts = [], [], []
        for position, (segment, (first, count)) in enumerate(zip(self.segments, found)):
            take = np.minimum(count, remaining)
            remaining -= take
            total = int(take.sum())
            if not total:
                continue
            run_starts = np.cumsum(take) - take
            rows = np.repeat(first - run_starts, take) + np.arange(total)
            fingerprint = np.repeat(by_value, take)
            notes = segment.fp_notes[rows].astype(np.int64)
            live = ~segment.deleted[notes]
            if not live.all():
                rows, fingerprint, notes = rows[live], fingerprint[live], notes[live]
            fingerprint_parts.append(fingerprint)
            note_parts.append(notes + bases[position])
            note_position_parts.append(segment.fp_positions[rows].astype(np.int64))
        if not fingerprint_parts:
            return per_text
        fingerprint = np.concatenate(fingerprint_parts)
        diagonal = np.concatenate(note_position_parts) - fp_positions[fingerprint]  # note - text position
        pair = fp_texts[fingerprint] * stored + np.concatenate(note_parts)  # text * stored + note
        # One sort by (pair, diagonal, fingerprint number) groups every pair's hits, and within a
        # pair and a diagonal puts the hits in text order, closest next to each other; all
        # per-pair facts follow from it. The three are packed into one integer whenever they
        # fit (always, short of texts of a million characters) and sorted by value, several
        # times faster than an argsort or a lexsort.
        span = int(np.abs(diagonal).max(initial=0)) + 1
        fingerprint_bits = max(int(len(fp_values) - 1).bit_length(), 1)
        diagonal_bits = int(2 * span).bit_length()
        if (n_texts * stored).bit_length() + diagonal_bits + fingerprint_bits <= 63:
            packed = np.sort((pair << (diagonal_bits + fingerprint_bits)) | ((diagonal + span) << fingerprint_bits)
                             | fingerprint)
            sorted_keys = packed >> (diagonal_bits + fingerprint_bits)
            sorted_diagonal = ((packed >> fingerprint_bits) & ((1 << diagonal_bits) - 1)) - span
            sorted_fingerprint = packed & ((1 << fingerprint_bits) - 1)
        else:
            order = np.lexsort((fingerprint, diagonal, pair))
            sorted_keys, sorted_diagonal, sorted_fingerprint = pair[order], diagonal[order], fingerprint[order]
        sorted_position, sorted_frequency = fp_positions[sorted_fingerprint], frequency[sorted_fingerprint]
        opens = np.concatenate(([True], sorted_keys[1:] != sorted_keys[:-1]))
        group_starts = np.flatnonzero(opens)
        pairs = sorted_keys[group_starts]
        hits = np.diff(np.append(group_starts, len(sorted_keys)))
        rarest = np.minimum.reduceat(sorted_frequency, group_starts)
        # In step: two hits of one pair whose diagonals differ by at most `shift` and that lie
        # close together in the text (consecutive fingerprints of a passage are at most a
        # window apart, plus what edits add), without overlapping (two overlapping shingles
        # are one short common phrase).
        reach = self.params.window + self.params.shingle_chars + shift
        apart = np.abs(np.diff(sorted_position))
        close = ((~opens[1:]) & (np.diff(sorted_diagonal) <= shift)
                 & (apart >= self.params.shingle_chars) & (apart <= reach))
        group_of = np.cumsum(opens) - 1
        in_step = np.zeros(len(pairs), dtype=bool)
        in_step[group_of[1:][close]] = True
        worth = in_step.copy()
        rare_only = np.flatnonzero(~in_step & (rarest <= rare_notes))
        if len(rare_only):
            # Each such pair's rarest hit is its seed.
            is_rarest = sorted_frequency == rarest[group_of]
            candidates_rows = np.flatnonzero(is_rarest)
            seed_rows = candidates_rows[np.searchsorted(group_of[candidates_rows], rare_only)]
            worth[rare_only] = self._seed_holds(pairs[rare_only], stored, bases, sorted_position[seed_rows],
                                                sorted_diagonal[seed_rows], min_chars, batch)
        pairs, hits = pairs[worth], hits[worth]
        texts, notes = np.divmod(pairs, stored)
        # Most shared fingerprints first within each text, then the earliest note.
        order = np.lexsort((notes, -hits, texts))
        positions = np.searchsorted(bases, notes, "right") - 1
        locals_ = notes - bases[positions]
        for t, position, local in zip(texts[order].tolist(), positions[order].tolist(), locals_[order].tolist()):
            bucket = per_text[t]
            if len(bucket) >= max_candidates or (t, position, local) in excluded:
                continue
            bucket.append((position, local))
        return per_text

    def _seed_holds(self, pairs, stored, bases, text_position, diagonal, min_chars, batch: ContentBatch) -> np.ndarray:
        """For each pair (text * stored + note) with a seed (a shared fingerprint at
        `text_position` in the text, `diagonal` further on in the note): does the seed sit in an
        identical run of at least `min_chars` characters? The run is grown one character at a
        time on each side, for the pairs still in the running only (a chance match of a shingle
        stops after a character or two)."""
        texts, notes = np.divmod(pairs, stored)
        segment_of = np.searchsorted(bases, notes, "right") - 1
        local = notes - bases[segment_of]
        text_base = batch.starts[texts]
        text_length = batch.starts[texts + 1] - text_base
        note_base = np.zeros(len(pairs), dtype=np.int64)
        note_length = np.zeros(len(pairs), dtype=np.int64)
        for position, segment in enumerate(self.segments):
            mine = segment_of == position
            note_base[mine] = segment.offsets[local[mine]]
            note_length[mine] = segment.offsets[local[mine] + 1] - note_base[mine]
        note_position = text_position + diagonal

        def same(active: np.ndarray, offset: int) -> np.ndarray:
            """Of the `active` pairs, those whose characters `offset` from the seed exist and
            are equal in text and note."""
            at_text, at_note = text_position[active] + offset, note_position[active] + offset
            inside = (at_text >= 0) & (at_text < text_length[active]) & (at_note >= 0) & (at_note < note_length[active])
            active, at_text, at_note = active[inside], at_text[inside], at_note[inside]
            note_chars = np.empty(len(active), dtype=np.uint32)
            owners = segment_of[active]
            for position, segment in enumerate(self.segments):
                mine = owners == position
                if mine.any():
                    note_chars[mine] = segment.codes[note_base[active[mine]] + at_note[mine]]
            return active[batch.codes[text_base[active] + at_text] == note_chars]

        # The seed shingle itself is shared (equal 64-bit hashes; verification checks every
        # character of a candidate anyway), so the run starts as its k characters.
        k = self.params.shingle_chars
        run = np.full(len(pairs), k, dtype=np.int64)
        active = np.arange(len(pairs))
        for offset in range(k, min_chars):  # rightwards from the seed's end
            active = same(active, offset)
            if not len(active):
                break
            run[active] += 1
        active = np.flatnonzero(run < min_chars)
        for offset in range(1, min_chars):  # leftwards
            active = same(active[run[active] < min_chars], -offset)
            if not len(active):
                break
            run[active] += 1
        return run >= min_chars

    # ---- mutations (in memory) -----------------------------------------------------------

    def add_segment(self, segment: Segment) -> None:
        self.segments.append(segment)

    def delete(self, note_id: str) -> bool:
        where = self.locate(note_id)
        if where is None:
            return False
        self.segments[where[0]].deleted[where[1]] = True
        return True
