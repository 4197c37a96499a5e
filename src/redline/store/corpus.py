"""The on-disk originality index: segment directories plus a checksummed manifest.

Layout of an index directory (`<data home>/corpus/notes`, `<data home>/corpus/creatives`):

    manifest.json            {"body": {...}, "xxh3": "<checksum of the body>"}
    segments/<name>/         ids.json, account_codes.npy, offsets.npy, codes.npy,
                             fp_values.npy, fp_notes.npy, fp_positions.npy
    lock                     advisory lock: one writer at a time, readers wait for it

The manifest lists the live segments with every file's size and xxh3 checksum, the index
parameters, and each segment's deleted notes. It is the only thing ever overwritten, and only by
write-new-then-rename (with fsync of the file and the directory); a segment directory is written
under a temporary name, synced, renamed, and only then listed in a new manifest. A crash at any
point leaves either the old or the new index, never a mixture. On open every listed file is
checked (size and checksum), so a damaged, truncated or half-written index raises
`CorruptIndexError` with a Chinese message instead of quietly answering "original".

`codes.npy` (the notes' content characters, read only to verify candidates) and `fp_values.npy`
(read once on open to build the in-memory lookup directory, see `Segment.postings`) are
memory-mapped; the postings (`fp_notes.npy`, `fp_positions.npy`) are read into memory.
"""

from __future__ import annotations

import fcntl
import io
import json
import os
import shutil
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import xxhash

from redline.errors import NotFoundError, PolicyError, RedlineError
from redline.originality.index import CorpusIndex, IndexParams, Segment, build_segment, merge_segments, rebuild_segments

FORMAT = "redline-corpus-index"
FORMAT_VERSION = 1
MAX_SEGMENTS = 8  # never more segments than this after an add (see `_merge_small`)
ARRAYS = ("account_codes", "offsets", "codes", "fp_values", "fp_notes", "fp_positions")
# Memory-mapped rather than read: the code points (read only for the few candidates verified)
# and the sorted fingerprint values (read once on open to build the lookup directory, then only
# when merging segments).
MAPPED = ("codes", "fp_values")


class CorruptIndexError(RedlineError):
    """The index on disk is damaged or half-written; it is not used."""


def notes_dir(corpus_dir: Path) -> Path:
    return Path(corpus_dir) / "notes"


def creatives_dir(corpus_dir: Path) -> Path:
    return Path(corpus_dir) / "creatives"


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_file(path: Path, data: bytes) -> dict:
    with open(path, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    return {"bytes": len(data), "xxh3": xxhash.xxh3_64_hexdigest(data)}


def _array_bytes(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, np.ascontiguousarray(array), allow_pickle=False)
    return buffer.getvalue()


def _file_checksum(path: Path) -> str:
    digest = xxhash.xxh3_64()
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 22):
            digest.update(chunk)
    return digest.hexdigest()


def _manifest_checksum(body: dict) -> str:
    return xxhash.xxh3_64_hexdigest(json.dumps(body, sort_keys=True, ensure_ascii=False).encode("utf-8"))


@dataclass
class AddOutcome:
    added: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)


class CorpusStore:
    """An index directory opened for reading and writing. `index` is the in-memory view."""

    def __init__(self, directory: Path, params: IndexParams, index: CorpusIndex, body: dict):
        self.directory = directory
        self.params = params
        self.index = index
        self._body = body

    # ---- opening -------------------------------------------------------------------------

    @classmethod
    def exists(cls, directory: Path) -> bool:
        # Hidden entries are unfinished temporary segments: no index was ever committed.
        return (directory / "manifest.json").exists() or any((directory / "segments").glob("[!.]*"))

    @classmethod
    def open(cls, directory: Path, params: IndexParams, *, create: bool = True, verify: bool = True,
             for_rebuild: bool = False) -> "CorpusStore":
        """Open (and with `create`, initialise) the index in `directory`.

        Raises CorruptIndexError for a damaged index, PolicyError when it was built with other
        parameters than `params` (run `redline corpus rebuild`), NotFoundError when it does not
        exist and `create` is False.
        """
        directory = Path(directory)
        if not (directory / "manifest.json").exists():
            if any((directory / "segments").glob("[!.]*")):
                raise CorruptIndexError(
                    f"语料索引 {directory} 不完整：有数据段但没有清单（manifest.json），可能是写入中途崩溃。"
                    "索引未被使用；请删除该目录后重新导入（redline corpus add）。"
                )
            if not create:
                raise NotFoundError(f"语料索引 {directory} 不存在；请先用 redline corpus add 导入笔记")
            directory.mkdir(parents=True, exist_ok=True)
            store = cls(directory, params, CorpusIndex(params), cls._new_body(params))
            with store._locked():
                if not (directory / "manifest.json").exists():
                    store._write_manifest(store._body)
            return cls.open(directory, params, create=False, verify=verify, for_rebuild=for_rebuild)
        with _lock(directory, shared=True):
            body = _read_manifest(directory)
            stored = IndexParams(**body["params"])
            index = CorpusIndex(stored, [_load_segment(directory, entry, verify) for entry in body["segments"]])
        if for_rebuild:
            return cls(directory, stored, index, body)
        if stored != params:
            raise PolicyError(
                f"语料索引按 shingle_chars={stored.shingle_chars}、窗口={stored.window} 构建，"
                f"当前策略为 shingle_chars={params.shingle_chars}、窗口={params.window}；"
                "请运行 redline corpus rebuild 按当前策略重建索引"
            )
        return cls(directory, params, index, body)

    @staticmethod
    def _new_body(params: IndexParams) -> dict:
        return {"format": FORMAT, "version": FORMAT_VERSION, "params": params.as_dict(), "generation": 0, "segments": []}

    # ---- writing -------------------------------------------------------------------------

    @contextmanager
    def _locked(self) -> Iterator[None]:
        """Exclusive lock; reload first when another process changed the index meanwhile."""
        with _lock(self.directory, shared=False):
            if (self.directory / "manifest.json").exists():
                body = _read_manifest(self.directory)
                if body["generation"] != self._body["generation"]:
                    self.index = CorpusIndex(self.params, [_load_segment(self.directory, e, True) for e in body["segments"]])
                    self._body = body
            yield

    def add(self, ids: Sequence[str], account_ids: Sequence[str], codes: np.ndarray, offsets: np.ndarray) -> AddOutcome:
        """Add notes (their content code points back to back, from `notes_content`) as one new
        segment, atomically. Ids already in the index, or repeated within the batch, are skipped
        and reported."""
        outcome = AddOutcome()
        with self._locked():
            keep: list[int] = []
            seen: set[str] = set()
            indexed = self.index.existing(ids)
            for position, note_id in enumerate(ids):
                if note_id in seen or note_id in indexed:
                    outcome.duplicates.append(note_id)
                    continue
                seen.add(note_id)
                keep.append(position)
            if keep:
                body = dict(self._body)
                name = f"s{body['generation'] + 1:08d}"
                if len(keep) < len(ids):
                    chosen = np.asarray(keep)
                    lengths = (offsets[chosen + 1] - offsets[chosen])
                    codes = np.concatenate([codes[offsets[i] : offsets[i + 1]] for i in keep])
                    offsets = np.concatenate(([0], np.cumsum(lengths))).astype(np.int64)
                segment = build_segment(name, [ids[i] for i in keep], [account_ids[i] for i in keep],
                                        codes, offsets, self.params)
                segments = list(self.index.segments) + [segment]
                segments = self._merge_small(segments, body)
                self._commit(segments, body)
                outcome.added = [ids[i] for i in keep]
        return outcome

    def remove(self, note_id: str) -> None:
        with self._locked():
            where = self.index.locate(note_id)
            if where is None:
                raise NotFoundError(f"语料索引中没有笔记 {note_id}")
            segments = self.index.segments
            deleted = segments[where[0]].deleted.copy()
            deleted[where[1]] = True
            body = dict(self._body)
            entries = [dict(e) for e in body["segments"]]
            entries[where[0]]["deleted"] = np.flatnonzero(deleted).tolist()
            body["segments"] = entries
            body["generation"] += 1
            self._write_manifest(body)
            segments[where[0]].deleted = deleted
            self._body = body

    def compact(self, params: IndexParams | None = None) -> None:
        """Rewrite all live notes into one segment (dropping deleted ones); with `params`, rebuild
        the fingerprints for new index parameters."""
        with self._locked():
            body = dict(self._body)
            if params is not None:
                self.params = params
                body["params"] = params.as_dict()
            name = f"s{body['generation'] + 1:08d}"
            live = self.index.segments
            if params is not None:  # new parameters: fingerprints must be recomputed
                merged = rebuild_segments(name, live, self.params) if live else None
            else:
                merged = merge_segments(name, live, self.params) if live else None
            self._commit([merged] if merged is not None and len(merged) else [], body)

    def _merge_small(self, segments: list[Segment], body: dict) -> list[Segment]:
        """Size-tiered merging: while the newest segment is at least half the size of the one
        before it, the two become one. Sizes then fall geometrically from oldest to newest, so
        there are about log2(notes / batch) segments (fewer lookups per query), and every note
        is rewritten about log2 times in all. MAX_SEGMENTS caps the count regardless."""
        serial = body["generation"] + 2

        def merge(first: int) -> None:
            nonlocal serial
            merged = merge_segments(f"s{serial:08d}", segments[first : first + 2], self.params)
            serial += 1
            segments[first : first + 2] = [merged]

        while len(segments) >= 2 and 2 * segments[-1].live >= segments[-2].live:
            merge(len(segments) - 2)
        while len(segments) > MAX_SEGMENTS:
            sizes = [segment.live for segment in segments]
            merge(min(range(len(segments) - 1), key=lambda i: sizes[i] + sizes[i + 1]))
        body["generation"] = serial - 1
        return segments

    def _commit(self, segments: list[Segment], body: dict) -> None:
        entries = {entry["name"]: entry for entry in self._body["segments"]}
        new_entries = []
        for segment in segments:
            entry = entries.get(segment.name)
            if entry is None:
                entry = _write_segment(self.directory, segment)
            new_entries.append(entry)
        body["segments"] = new_entries
        body["generation"] = max(body["generation"], self._body["generation"]) + 1
        self._write_manifest(body)
        self.index = CorpusIndex(self.params, [_reopen(self.directory, s, e) for s, e in zip(segments, new_entries)])
        self._body = body
        self._remove_unlisted()

    def _write_manifest(self, body: dict) -> None:
        data = json.dumps({"body": body, "xxh3": _manifest_checksum(body)}, ensure_ascii=False, sort_keys=True)
        temporary = self.directory / "manifest.json.tmp"
        _write_file(temporary, data.encode("utf-8"))
        os.replace(temporary, self.directory / "manifest.json")
        _fsync_dir(self.directory)

    def _remove_unlisted(self) -> None:
        listed = {entry["name"] for entry in self._body["segments"]}
        root = self.directory / "segments"
        for path in root.iterdir() if root.exists() else ():
            if path.name not in listed:
                shutil.rmtree(path, ignore_errors=True)

    # ---- reading -------------------------------------------------------------------------

    def stats(self) -> dict:
        size = sum(f.stat().st_size for f in self.directory.rglob("*") if f.is_file())
        return {
            "directory": str(self.directory),
            "notes": len(self.index),
            "deleted_not_compacted": self.index.stored - len(self.index),
            "segments": len(self.index.segments),
            "accounts": len({a for s in self.index.segments for a in s.accounts}),
            "content_chars": int(sum(int(s.offsets[-1]) for s in self.index.segments)),
            "fingerprints": int(sum(len(s.fp_values) for s in self.index.segments)),
            "disk_bytes": size,
            "params": self.params.as_dict(),
            "generation": self._body["generation"],
        }


@contextmanager
def _lock(directory: Path, shared: bool) -> Iterator[None]:
    directory.mkdir(parents=True, exist_ok=True)
    with open(directory / "lock", "a+") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_SH if shared else fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _damaged(directory: Path, what: str) -> CorruptIndexError:
    return CorruptIndexError(
        f"语料索引 {directory} 已损坏：{what}。索引未被使用（不会把文本误判为原创）；"
        "请从备份恢复，或删除该目录后重新导入（redline corpus add）"
    )


def _read_manifest(directory: Path) -> dict:
    try:
        document = json.loads((directory / "manifest.json").read_text(encoding="utf-8"))
        body = document["body"]
        checksum = document["xxh3"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise _damaged(directory, f"清单 manifest.json 无法读取（{type(exc).__name__}）") from None
    if _manifest_checksum(body) != checksum:
        raise _damaged(directory, "清单 manifest.json 校验和不符")
    if body.get("format") != FORMAT or body.get("version") != FORMAT_VERSION:
        raise _damaged(directory, f"不认识的索引格式 {body.get('format')} v{body.get('version')}")
    return body


def _segment_files(segment: Segment) -> dict[str, bytes]:
    files = {"ids.json": json.dumps({"ids": segment.ids, "accounts": segment.accounts}, ensure_ascii=False).encode("utf-8")}
    for name in ARRAYS:
        files[f"{name}.npy"] = _array_bytes(getattr(segment, name))
    return files


def _write_segment(directory: Path, segment: Segment) -> dict:
    root = directory / "segments"
    root.mkdir(parents=True, exist_ok=True)
    temporary = root / f".{segment.name}.tmp-{os.getpid()}"
    shutil.rmtree(temporary, ignore_errors=True)
    temporary.mkdir()
    files = {name: _write_file(temporary / name, data) for name, data in _segment_files(segment).items()}
    _fsync_dir(temporary)
    final = root / segment.name
    shutil.rmtree(final, ignore_errors=True)
    os.replace(temporary, final)
    _fsync_dir(root)
    return {"name": segment.name, "notes": len(segment), "files": files,
            "deleted": np.flatnonzero(segment.deleted).tolist()}


def _check_files(directory: Path, entry: dict, verify: bool) -> Path:
    path = directory / "segments" / entry["name"]
    for name, expected in entry["files"].items():
        file = path / name
        if not file.exists():
            raise _damaged(directory, f"数据段 {entry['name']} 缺少文件 {name}")
        if file.stat().st_size != expected["bytes"]:
            raise _damaged(directory, f"数据段 {entry['name']} 的 {name} 大小不符（被截断或写了一半）")
        if verify and _file_checksum(file) != expected["xxh3"]:
            raise _damaged(directory, f"数据段 {entry['name']} 的 {name} 校验和不符")
    return path


def _load_segment(directory: Path, entry: dict, verify: bool) -> Segment:
    path = _check_files(directory, entry, verify)
    try:
        names = json.loads((path / "ids.json").read_text(encoding="utf-8"))
        arrays = {name: np.load(path / f"{name}.npy", mmap_mode="r" if name in MAPPED else None, allow_pickle=False)
                  for name in ARRAYS}
        # Plain ndarray views of the mappings: slicing one is cheap (a memmap slice is an object).
        for name in MAPPED:
            arrays[name] = np.asarray(arrays[name])
    except (OSError, ValueError, KeyError) as exc:
        raise _damaged(directory, f"数据段 {entry['name']} 无法读取（{type(exc).__name__}）") from None
    segment = Segment(name=entry["name"], ids=names["ids"], accounts=names["accounts"], **arrays)
    if len(segment.ids) != entry["notes"] or len(segment.offsets) != entry["notes"] + 1:
        raise _damaged(directory, f"数据段 {entry['name']} 的笔记数与清单不符")
    deleted = np.zeros(len(segment), dtype=bool)
    deleted[np.asarray(entry.get("deleted", []), dtype=np.int64)] = True
    segment.deleted = deleted
    return segment


def _reopen(directory: Path, segment: Segment, entry: dict) -> Segment:
    """After writing, serve the mapped arrays from their files instead of the heap copies."""
    for name in MAPPED:
        setattr(segment, name, np.asarray(np.load(directory / "segments" / entry["name"] / f"{name}.npy", mmap_mode="r")))
    return segment
