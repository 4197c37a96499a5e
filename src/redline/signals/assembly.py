"""Lining the engine's per-note and per-account numbers up with the notes and accounts scored.

The engine aggregates events (`signals/expressions.py`); what comes back is keyed by note (a
window's day parts by note key, reports and comment labels by note id) or by account id. Before
the formulas run, every number is put in the row of the note or account it belongs to, so the
formulas are one pass over rows that are already in order: no join of a million note ids, no
sort. Here that is NumPy and Arrow on integer positions: a sum by key is `np.add.at`, lining up
is a gather by key, and ids are turned into positions once per table (a hash of the few ids
asked about, probed by the many).

A note or account with no number of a kind gets 0 for a count, NULL where the formulas read a
missing value as unknown (the worst 24 h of reports, the fans' interest in the category).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from redline.signals.expressions import ACCOUNT_METRIC_INPUTS, NOTE_AMOUNTS, NOTE_COUNTS


@dataclass
class KeyedSums:
    """Additive per-note numbers by note key: dense (`keys` None: a column's position k holds
    key k's sum) or sparse (row i is a number of key `keys[i]`; a key's rows add up). Counts are
    integers (exact), NOTE_AMOUNTS float64; NULL is 0.

    Sums are added with `np.add.at` into the dense columns: no temporaries the size of the
    concatenated parts or of the key space (on a million notes, a float `np.bincount` of the
    stacked parts, rounded back to integers, took four times as long and most of it was the
    system handing out fresh memory).

    Counts are 32-bit while `bound` (the largest column total of what was added: no key's count
    can exceed it) stays within NARROW_COUNTS, and become 64-bit before an addition could pass
    it: a million notes' window counts, and the columns the note formulas read, are then half
    the memory (the daily job's fresh pages are a page fault each)."""

    columns: dict[str, np.ndarray]
    keys: np.ndarray | None = None
    bound: int = 0

    @classmethod
    def add_up(cls, parts: list[tuple[np.ndarray, pa.Table]], size: int, names: tuple[str, ...] = NOTE_COUNTS) -> "KeyedSums":
        """The dense sums of `parts` ((keys, table with the `names` columns) pairs), `size` keys
        long at least (longer when a key needs it)."""
        largest = max((int(keys.max()) for keys, _ in parts if len(keys)), default=-1)
        bound = _count_bound(parts, names)
        counts = np.int32 if bound <= NARROW_COUNTS else np.int64
        sums = cls({name: np.zeros(max(size, largest + 1), _kind(name, counts)) for name in names}, bound=bound)
        for keys, table in parts:
            for name, column in sums.columns.items():
                np.add.at(column, keys, _filled(table.column(name), column.dtype))
        return sums

    @classmethod
    def of_parts(cls, parts: list[tuple[np.ndarray, pa.Table]], names: tuple[str, ...] = NOTE_COUNTS) -> "KeyedSums":
        """The sparse sums of `parts` (their rows as they are, not added up yet)."""
        keys = np.concatenate([keys for keys, _ in parts]) if parts else np.empty(0, np.int64)
        bound = _count_bound(parts, names)
        counts = np.int32 if bound <= NARROW_COUNTS else np.int64
        columns = {}
        for name in names:
            values = [_filled(table.column(name), _kind(name, counts)) for _, table in parts]
            columns[name] = np.concatenate(values) if values else np.empty(0, _kind(name, counts))
        return cls(columns, keys.astype(np.int64, copy=False), bound)

    def __len__(self) -> int:
        """How many keys the dense columns hold (sparse: the largest key + 1)."""
        if self.keys is not None:
            return int(self.keys.max()) + 1 if len(self.keys) else 0
        return len(next(iter(self.columns.values()))) if self.columns else 0

    def __iadd__(self, other: "KeyedSums") -> "KeyedSums":
        """`other` added in place: into this one's columns when it is dense and long enough (a
        sparse one, or a shorter one, first becomes a dense copy long enough for both)."""
        size = max(len(self), len(other))
        if self.keys is not None or len(self) < size:
            self.columns, self.keys = self._dense_columns(size), None
        self.bound += other.bound
        if self.bound > NARROW_COUNTS:
            self.columns = {name: column.astype(np.int64, copy=False) if column.dtype == np.int32 else column for name, column in self.columns.items()}
        for name, column in self.columns.items():
            theirs = other.columns[name].astype(column.dtype, copy=False)  # (`np.add.at` casting as it adds is slow)
            if other.keys is None:
                column[: len(theirs)] += theirs
            else:
                np.add.at(column, other.keys, theirs)
        return self

    def _dense_columns(self, size: int) -> dict[str, np.ndarray]:
        """The columns as dense ones, `size` keys long."""
        dense = {}
        for name, column in self.columns.items():
            dense[name] = np.zeros(size, column.dtype)
            if self.keys is None:
                dense[name][: len(column)] = column
            else:
                np.add.at(dense[name], self.keys, column)
        return dense

    def at(self, keys: np.ndarray) -> dict[str, np.ndarray]:
        """Each column's value for each of `keys` (0 for a key with nothing: newer than the sums).
        Keys 0, 1, 2, … in order (the note frame keeps its notes in key order, and a day seldom
        deletes one) get the columns themselves, not a copy."""
        columns = self.columns if self.keys is None else self._dense_columns(len(self))
        size = len(next(iter(columns.values()))) if columns else 0
        if 0 < len(keys) <= size and keys[0] == 0 and keys[-1] == len(keys) - 1 and np.array_equal(keys, np.arange(len(keys))):
            return {name: column[: len(keys)] for name, column in columns.items()}
        out = {}
        for name, column in columns.items():
            if len(keys) and (keys.max() >= len(column) or keys.min() < 0):
                inside = (keys >= 0) & (keys < len(column))
                values = np.zeros(len(keys), column.dtype)
                values[inside] = column[keys[inside]]
            else:
                values = column[keys]
            out[name] = values
        return out


# The largest count a key may reach for the dense sums to stay 32-bit: a quarter of int32's
# range, as the note formulas add a few counts together (likes + saves + comments).
NARROW_COUNTS = np.iinfo(np.int32).max // 4


def _kind(name: str, counts: type = np.int64) -> type:
    return np.float64 if name in NOTE_AMOUNTS else counts


def _count_bound(parts: list[tuple[np.ndarray, pa.Table]], names: tuple[str, ...]) -> int:
    """An upper bound of any key's sum of `parts` in any count column of `names`: the largest
    column total (a key may have several rows in a part)."""
    totals = (sum(pc.sum(table.column(name)).as_py() or 0 for _, table in parts) for name in names if name not in NOTE_AMOUNTS)
    return max(totals, default=0)


def _filled(column: pa.ChunkedArray, dtype) -> np.ndarray:
    """A numeric column as NumPy `dtype`, NULL as 0."""
    kind = column.type
    zero = pa.scalar(0, kind) if (pa.types.is_integer(kind) or pa.types.is_floating(kind)) else None
    filled = pc.fill_null(column, zero) if column.null_count else column
    return filled.to_numpy().astype(dtype, copy=False)


def ordered_by(table: pa.Table, column: str) -> pa.Table:
    """`table` sorted by `column` (as it is, when it already is: checking costs one pass)."""
    values = table.column(column)
    if table.num_rows > 1 and not pc.all(pc.less_equal(values.slice(0, len(values) - 1), values.slice(1))).as_py():
        return table.sort_by(column)
    return table


def positions(values: pa.ChunkedArray | pa.Array, among: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """The position of each value in `among` (-1 where absent or null). `among`'s values are
    hashed: keep it the smaller side."""
    found = pc.index_in(values, value_set=among.combine_chunks() if isinstance(among, pa.ChunkedArray) else among)
    return pc.fill_null(found, -1).to_numpy(zero_copy_only=False).astype(np.int64, copy=False)


def scatter(rows: np.ndarray, values: np.ndarray, size: int, fill: float | int = 0, dtype=None) -> np.ndarray:
    """An array of `size` holding `values` at `rows` (those < 0 dropped), `fill` elsewhere."""
    out = np.full(size, fill, dtype=dtype or values.dtype)
    keep = rows >= 0
    out[rows[keep]] = values[keep]
    return out


def note_inputs(
    notes: pa.Table,
    note_keys: np.ndarray,
    sums: KeyedSums,
    per_note: list[tuple[np.ndarray, pa.Table]],
    interests: tuple[pa.Array, np.ndarray],
) -> pa.Table:
    """One row per note (in `notes`' order): its `row` and the NOTE_METRIC_INPUTS.

    `note_keys`: each note's key; `sums`: the window's day parts by key; `per_note`: (keys,
    table) of the other per-note numbers (reports, comment labels), a key per table row (-1 for
    a note not scored); `interests`: `interest_share` of the notes."""
    n = notes.num_rows
    columns: dict[str, pa.Array | np.ndarray] = {
        "row": np.arange(n, dtype=np.int64),
        "video_seconds": notes.column("video_seconds"),
        "liked_count": notes.column("liked_count"),
    }
    columns.update(sums.at(note_keys))
    row_of_key = scatter(note_keys, np.arange(n, dtype=np.int64), max(int(note_keys.max()) + 1 if n else 0, 0), fill=-1)

    def rows_for(keys: np.ndarray) -> np.ndarray:
        inside = (keys >= 0) & (keys < len(row_of_key))
        return np.where(inside, row_of_key[np.where(inside, keys, 0)], -1)

    for keys, table in per_note:
        rows = rows_for(keys)
        for name in table.column_names:
            if name == "note_id":
                continue
            if name == "reports_24h_max":  # unknown (NULL) where the note had no report
                present = scatter(rows, np.ones(len(rows), bool), n, fill=False)
                columns[name] = pa.array(scatter(rows, _filled(table.column(name), np.int64), n), mask=~present)
            else:
                columns[name] = scatter(rows, _filled(table.column(name), np.int64), n)
    for name in ("valid_reports", "labelled_comments", "negative_comments", "question_comments"):
        columns.setdefault(name, np.zeros(n, np.int64))
    columns.setdefault("reports_24h_max", pa.nulls(n, pa.int64()))
    share, has_interests = interests
    columns["interest_share"] = share
    columns["has_interests"] = has_interests
    return pa.table({name: value if isinstance(value, (pa.Array, pa.ChunkedArray)) else pa.array(value) for name, value in columns.items()})


def interest_share(category: pa.DictionaryArray, note_account: np.ndarray, accounts: int, interests: pa.Table, interest_account: np.ndarray) -> tuple[pa.Array, np.ndarray]:
    """Per note (its category, dictionary-encoded: each distinct name is looked up once;
    `note_account` its account's position among `accounts` accounts): the share of its
    account's fans interested in its category (NULL when the account lists no such interest),
    and whether the account lists any interest (0/1). `interests`: (interest, share) rows with
    `interest_account` their account positions."""
    n = len(note_account)
    listed = scatter(interest_account, np.ones(len(interest_account), np.int8), accounts, fill=0) if accounts else np.zeros(0, np.int8)
    has_interests = np.where(note_account >= 0, listed[np.maximum(note_account, 0)] if accounts else 0, 0).astype(np.int8)
    if not interests.num_rows or not n:
        return pa.nulls(n, pa.float64()), has_interests
    names = pc.unique(interests.column("interest").combine_chunks())
    width = len(names) + 1
    interest_code = positions(interests.column("interest"), names)
    keep = (interest_account >= 0) & (interest_code >= 0)
    pairs = (interest_account * width + interest_code)[keep]
    shares = pc.fill_null(interests.column("share"), np.nan).to_numpy(zero_copy_only=False)[keep]
    name_code = positions(category.dictionary, names)
    indices = pc.fill_null(category.indices, -1).to_numpy(zero_copy_only=False).astype(np.int64, copy=False)
    note_code = np.where(indices >= 0, name_code[np.maximum(indices, 0)] if len(name_code) else -1, -1)
    wanted = np.where((note_account >= 0) & (note_code >= 0), note_account * width + note_code, -1)
    at = _first_rows(wanted, pairs, accounts * width)  # the first row of an (account, interest) pair
    found = at >= 0
    values = np.where(found, shares[np.maximum(at, 0)] if len(shares) else 0.0, np.nan)
    return pa.array(values, mask=~found | np.isnan(values)), has_interests


def _first_rows(wanted: np.ndarray, codes: np.ndarray, size: int) -> np.ndarray:
    """For each of `wanted` (codes in [0, size), or -1), the first row of `codes` holding it
    (-1: none). While the code space is at most a few times the rows asked about, a table by
    code answers each with one gather: the benchmark's million notes' interest shares took
    0.021–0.045 s instead of 0.044–0.070 s with the codes hashed (five alternated runs; an
    earlier table that sorted the codes first was no faster than the hash)."""
    if size > DENSE_CODES_PER_ROW * max(len(wanted), 1):
        return positions(pa.array(wanted), pa.array(codes))
    none = len(codes)
    first = np.full(size + 1, none, dtype=np.int64)  # the last slot answers -1
    np.minimum.at(first, codes, np.arange(len(codes), dtype=np.int64))
    at = first[wanted]
    at[at == none] = -1
    return at


# A code table is used while it has at most this many slots per row asked about.
DENSE_CODES_PER_ROW = 4


def account_inputs(accounts: pa.Table, per_account: list[pa.Table], recent: pa.Table, recent_account: np.ndarray) -> pa.Table:
    """One row per account (in `accounts`' order): account_id and the ACCOUNT_METRIC_INPUTS.
    `per_account`: tables by account_id (fans, the window's follow sums); `recent`:
    `recent_likes` by account position (`recent_account`)."""
    m = accounts.num_rows
    ids = accounts.column("account_id")
    columns: dict[str, pa.Array | np.ndarray | pa.ChunkedArray] = {"account_id": ids, "followers": accounts.column("followers")}
    for table in per_account:
        rows = positions(table.column("account_id"), ids) if m else np.full(table.num_rows, -1)
        for name in table.column_names:
            if name != "account_id":
                columns[name] = scatter(rows, _filled(table.column(name), np.int64), m)
    for name in ("recent_notes", "recent_notes_with_likes"):
        columns[name] = scatter(recent_account, _filled(recent.column(name), np.int64), m)
    average = recent.column("avg_likes_recent")
    present = scatter(recent_account, average.is_valid().to_numpy(zero_copy_only=False), m, fill=False)
    columns["avg_likes_recent"] = pa.array(scatter(recent_account, _filled(recent.column("avg_likes_recent"), np.float64), m), mask=~present)
    for name in ACCOUNT_METRIC_INPUTS:
        columns.setdefault(name, np.zeros(m, np.int64))
    return pa.table({"account_id": ids, **{name: columns[name] for name in ACCOUNT_METRIC_INPUTS}})
