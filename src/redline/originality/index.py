"""The in-memory near-duplicate index: immutable segments of notes, queried in batches.

A segment holds, for its notes: ids, accounts, the content code points (`codes`, laid end to
end; the persistence adapter maps them from disk, so they cost no memory until read) and the
winnowed fingerprints sorted by value with the note each came from (`fp_values`, `fp_notes`).
Deleting a note marks it in its segment's `deleted` mask; merging segments drops marked notes.

A query finds candidates by looking its fingerprints up in every segment (reading at most
`max_postings` notes per fingerprint, earliest first), keeps the notes that share fingerprints
the way a copied passage does (two in step, or one rare one inside a long identical run; see
`_candidates`), at most `max_candidates` of them, and verifies each exactly: its shingles
against the query's, giving the copied passages (see `coverage.py`). No candidate is reported
without verified passages, so the index never reports a false match; and every passage long
enough to count is guaranteed a shared fingerprint (see `fingerprints.py`).

Pure: no files here. `redline.store.corpus` reads and writes segments.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import xxhash

from redline.originality.coverage import CopiedPassages, exact_run_lengths, verify_pairs
from redline.originality.fingerprints import winnow
from redline.originality.shingles import ContentBatch, concat_codes, content_batch, shingle_hashes
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

    def __post_init__(self) -> None:
        if self.deleted is None:
            self.deleted = np.zeros(len(self.ids), dtype=bool)
        hashes = id_hashes(self.ids)
        self._id_order = np.argsort(hashes, kind="stable")
        self._id_sorted = hashes[self._id_order]

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
        source_codes, source_starts = concat_codes([self.segments[seg].note_codes(local) for seg, local in distinct])
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
        for pair, copied in enumerate(forward):
            if copied is None:
                continue
            t, i = int(pair_text[pair]), int(pair_source[pair])
            position, local = distinct[i]
            segment = self.segments[position]
            source_length = int(source_starts[i + 1] - source_starts[i])
            back = backward[pair]
            results[t].matches.append(SourceMatch(
                note_id=segment.ids[local],
                account_id=segment.account_of(local),
                passages=copied,
                overlap=copied.copied_chars / batch.length(t),
                source_overlap=(back.copied_chars / source_length if back is not None else 0.0) if symmetric else None,
                source_chars=source_length,
            ))
        for result in results:
            result.matches.sort(key=lambda m: -m.overlap)
        return results

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
        fingerprints first, at most `max_candidates` per text."""
        sizes = [len(segment) for segment in self.segments]
        bases = np.concatenate(([0], np.cumsum(sizes))).astype(np.int64)
        stored = int(bases[-1]) or 1
        keys: list[np.ndarray] = []  # text * stored + global note number
        frequencies: list[np.ndarray] = []  # in how many notes of the segment the fingerprint is
        diagonals: list[np.ndarray] = []  # note position - text position of the shared fingerprint
        text_positions: list[np.ndarray] = []
        reach = self.params.window + self.params.shingle_chars + shift
        # Look fingerprints up in ascending order: the searches then walk the segment's sorted
        # array front to back instead of jumping around it (several times faster on big ones).
        by_value = np.argsort(fp_values)
        fp_values, fp_texts, fp_positions = fp_values[by_value], fp_texts[by_value], fp_positions[by_value]
        for position, segment in enumerate(self.segments):
            if not len(segment.fp_values) or not len(fp_values):
                continue
            lo = np.searchsorted(segment.fp_values, fp_values, "left")
            hi = np.searchsorted(segment.fp_values, fp_values, "right")
            counts = np.minimum(hi - lo, max_postings)
            total = int(counts.sum())
            if not total:
                continue
            run_starts = np.cumsum(counts) - counts
            rows = np.repeat(lo - run_starts, counts) + np.arange(total)
            notes = segment.fp_notes[rows].astype(np.int64)
            texts = np.repeat(fp_texts, counts)
            live = ~segment.deleted[notes]
            keys.append(texts[live] * stored + bases[position] + notes[live])
            frequencies.append(np.repeat(hi - lo, counts)[live])
            repeated_positions = np.repeat(fp_positions, counts)
            diagonal = segment.fp_positions[rows].astype(np.int64) - repeated_positions
            diagonals.append(diagonal[live])
            text_positions.append(repeated_positions[live])
        per_text: list[list[tuple[int, int]]] = [[] for _ in range(n_texts)]
        if not keys:
            return per_text
        # One sort by (pair, diagonal, position) groups every pair's hits; all per-pair facts
        # follow from it.
        all_keys = np.concatenate(keys)
        diagonal = np.concatenate(diagonals)
        frequency = np.concatenate(frequencies)
        text_position = np.concatenate(text_positions)
        # Within a pair and a diagonal, by text position: neighbours are then the closest hits.
        span = int(np.abs(diagonal).max(initial=0)) + 1
        if int(all_keys.max(initial=0)) < (1 << 62) // (2 * span):  # pair and diagonal in one key
            order = np.lexsort((text_position, all_keys * (2 * span) + (diagonal + span)))
        else:
            order = np.lexsort((text_position, diagonal, all_keys))
        sorted_keys, sorted_diagonal = all_keys[order], diagonal[order]
        sorted_position, sorted_frequency = text_position[order], frequency[order]
        group_starts = np.flatnonzero(np.concatenate(([True], sorted_keys[1:] != sorted_keys[:-1])))
        pairs = sorted_keys[group_starts]
        hits = np.diff(np.append(group_starts, len(sorted_keys)))
        rarest = np.minimum.reduceat(sorted_frequency, group_starts)
        # In step: two hits of one pair whose diagonals differ by at most `shift` and that lie
        # close together in the text (consecutive fingerprints of a passage are at most a
        # window apart, plus what edits add), without overlapping (two overlapping shingles
        # are one short common phrase).
        apart = np.abs(np.diff(sorted_position))
        close = ((sorted_keys[1:] == sorted_keys[:-1]) & (np.diff(sorted_diagonal) <= shift)
                 & (apart >= self.params.shingle_chars) & (apart <= reach))
        group_of = np.repeat(np.arange(len(pairs)), hits)
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
        identical run of at least `min_chars` characters?"""
        texts, notes = np.divmod(pairs, stored)
        positions = np.searchsorted(bases, notes, "right") - 1
        sources = [self.segments[p].note_codes(int(n - bases[p])) for p, n in zip(positions.tolist(), notes.tolist())]
        source_codes, source_starts = concat_codes(sources)
        runs = exact_run_lengths(batch.codes, batch.starts, source_codes, source_starts, texts,
                                 np.arange(len(sources)), text_position, text_position + diagonal, min_chars)
        return runs >= min_chars

    # ---- mutations (in memory) -----------------------------------------------------------

    def add_segment(self, segment: Segment) -> None:
        self.segments.append(segment)

    def delete(self, note_id: str) -> bool:
        where = self.locate(note_id)
        if where is None:
            return False
        self.segments[where[0]].deleted[where[1]] = True
        return True
