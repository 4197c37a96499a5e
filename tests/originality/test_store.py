"""The index on disk: restarts, incremental adds, deletes, duplicate ids, damage detection."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from redline.errors import NotFoundError, PolicyError
from redline.originality import IndexParams, originality_report, report_for_check
from redline.policy import load_policy
from redline.store.corpus import MAX_SEGMENTS, CorpusStore, CorruptIndexError, notes_dir

from .conftest import add
from .corpus import edit, make_note


def open_store(home, policy) -> CorpusStore:
    return CorpusStore.open(notes_dir(home.corpus_dir), IndexParams.from_policy(policy), create=False)


def matched(store, policy, text) -> list[str]:
    return [m.note_id for m in originality_report(store.index, text, None, policy).matches]


def test_index_survives_a_restart(store, home, policy, notes, rng):
    copy = edit(rng, notes["n9"], 0.05)
    before = originality_report(store.index, copy, None, policy).as_dict()
    reopened = open_store(home, policy)
    assert len(reopened.index) == len(notes)
    assert originality_report(reopened.index, copy, None, policy).as_dict() == before


def test_incremental_adds_one_and_batch(store, home, policy, rng):
    single = make_note(rng)
    assert matched(store, policy, single) == []
    outcome = add(store, policy, {"late-1": single})
    assert outcome.added == ["late-1"]
    assert matched(store, policy, single) == ["late-1"]
    batch = {f"late-{i}": make_note(rng) for i in range(2, 12)}
    add(store, policy, batch)
    reopened = open_store(home, policy)
    for note_id, text in batch.items():
        assert matched(reopened, policy, text) == [note_id]


def test_many_small_adds_are_merged_into_few_segments(store, home, policy, rng):
    texts = {f"s{i}": make_note(rng) for i in range(MAX_SEGMENTS * 2)}
    for note_id, text in texts.items():
        add(store, policy, {note_id: text})
    assert len(store.index.segments) <= MAX_SEGMENTS
    reopened = open_store(home, policy)
    for note_id, text in texts.items():
        assert matched(reopened, policy, text) == [note_id]


def test_duplicate_ids_are_skipped_and_reported(store, policy, notes, rng):
    outcome = add(store, policy, {"n1": make_note(rng), "fresh": make_note(rng)})
    assert outcome.duplicates == ["n1"]
    assert outcome.added == ["fresh"]
    # The stored n1 is unchanged.
    assert matched(store, policy, notes["n1"]) == ["n1"]
    from redline.originality.index import notes_content
    from redline.text.normalize import normalizer_for

    twice = store.add(["x", "x"], ["a", "a"], *notes_content([make_note(rng), make_note(rng)], normalizer_for(policy)))
    assert twice.added == ["x"] and twice.duplicates == ["x"]


def test_a_removed_note_stops_matching_even_after_restart(store, home, policy, notes):
    store.remove("n6")
    assert matched(store, policy, notes["n6"]) == []
    assert matched(open_store(home, policy), policy, notes["n6"]) == []
    with pytest.raises(NotFoundError):
        store.remove("n6")
    # The id can be used again.
    add(store, policy, {"n6": notes["n6"]})
    assert matched(store, policy, notes["n6"]) == ["n6"]


def test_compaction_drops_deleted_notes_and_keeps_the_rest(store, home, policy, notes):
    for note_id in ("n1", "n2", "n3"):
        store.remove(note_id)
    store.compact()
    reopened = open_store(home, policy)
    assert reopened.stats()["deleted_not_compacted"] == 0
    assert len(reopened.index) == len(notes) - 3
    assert matched(reopened, policy, notes["n1"]) == []
    assert matched(reopened, policy, notes["n4"]) == ["n4"]


def test_changed_parameters_require_a_rebuild(store, home, policy, notes, tmp_path):
    override = tmp_path / "policy.toml"
    override.write_text("[originality]\nshingle_chars = 4\n", encoding="utf-8")
    other = load_policy(override)
    with pytest.raises(PolicyError, match="rebuild"):
        open_store(home, other)
    rebuilt = CorpusStore.open(notes_dir(home.corpus_dir), IndexParams.from_policy(other), for_rebuild=True)
    rebuilt.compact(IndexParams.from_policy(other))
    reopened = open_store(home, other)
    assert matched(reopened, other, notes["n5"]) == ["n5"]


def test_report_for_check(home, policy, notes):
    assert report_for_check(home, notes["n1"], None, policy) is None  # no index yet
    store = CorpusStore.open(notes_dir(home.corpus_dir), IndexParams.from_policy(policy))
    add(store, policy, {"n1": notes["n1"]}, account=lambda _: "acc-1")
    report = report_for_check(home, notes["n1"], "acc-1", policy)
    assert set(report) >= {"duplicate_ratio", "originality", "self_duplicate_ratio", "matches", "low_quality",
                           "originality_bonus", "policy_version"}
    assert report["self_duplicate_ratio"] == 1.0
    assert report["matches"][0]["note_id"] == "n1"
    json.dumps(report)  # JSON-ready


# ---- damage ------------------------------------------------------------------------------


def segment_files(home) -> list[Path]:
    return sorted((notes_dir(home.corpus_dir) / "segments").glob("*/*"))


def test_flipped_byte_is_detected(store, home, policy, notes):
    target = next(p for p in segment_files(home) if p.name == "fp_values.npy")
    data = bytearray(target.read_bytes())
    data[-3] ^= 0xFF
    target.write_bytes(bytes(data))
    with pytest.raises(CorruptIndexError, match="校验和"):
        open_store(home, policy)
    with pytest.raises(CorruptIndexError):  # never silently "original"
        report_for_check(home, notes["n1"], None, policy)


def test_truncated_file_is_detected(store, home, policy):
    target = next(p for p in segment_files(home) if p.name == "codes.npy")
    target.write_bytes(target.read_bytes()[: target.stat().st_size // 2])
    with pytest.raises(CorruptIndexError, match="截断"):
        open_store(home, policy)


def test_missing_file_is_detected(store, home, policy):
    next(p for p in segment_files(home) if p.name == "ids.json").unlink()
    with pytest.raises(CorruptIndexError, match="缺少"):
        open_store(home, policy)


@pytest.mark.parametrize("damage", ["truncate", "garbage", "edit"])
def test_damaged_manifest_is_detected(store, home, policy, damage):
    manifest = notes_dir(home.corpus_dir) / "manifest.json"
    text = manifest.read_text(encoding="utf-8")
    if damage == "truncate":
        manifest.write_text(text[: len(text) // 2], encoding="utf-8")
    elif damage == "garbage":
        manifest.write_bytes(b"\x00\xff" * 10)
    else:  # valid JSON, but not what was written
        manifest.write_text(text.replace('"notes": 60', '"notes": 61'), encoding="utf-8")
    with pytest.raises(CorruptIndexError):
        open_store(home, policy)


def test_half_written_index_without_manifest_is_detected(store, home, policy, notes):
    (notes_dir(home.corpus_dir) / "manifest.json").unlink()
    with pytest.raises(CorruptIndexError, match="不完整"):
        open_store(home, policy)
    with pytest.raises(CorruptIndexError):
        report_for_check(home, notes["n1"], None, policy)


def test_crash_before_the_manifest_keeps_the_old_index(store, home, policy, notes, monkeypatch, rng):
    """A crash after a new segment is written but before the manifest is replaced: the index
    opens as it was before that add, with no trace of the half-finished one."""
    import redline.store.corpus as corpus

    def crash(self, body):
        raise KeyboardInterrupt  # the process dies here

    monkeypatch.setattr(corpus.CorpusStore, "_write_manifest", crash)
    with pytest.raises(KeyboardInterrupt):
        add(store, policy, {"lost": make_note(rng)})
    monkeypatch.undo()
    reopened = open_store(home, policy)
    assert "lost" not in reopened.index
    assert len(reopened.index) == len(notes)
    add(reopened, policy, {"after": make_note(rng)})  # and it accepts writes again
    assert len(open_store(home, policy).index) == len(notes) + 1


def test_other_processes_changes_are_seen_before_writing(home, policy, rng):
    directory = notes_dir(home.corpus_dir)
    first = CorpusStore.open(directory, IndexParams.from_policy(policy))
    second = CorpusStore.open(directory, IndexParams.from_policy(policy))
    add(first, policy, {"a": make_note(rng)})
    add(second, policy, {"b": make_note(rng)})  # second reloads and keeps "a"
    assert len(open_store(home, policy).index) == 2
    assert np.all([len(s) > 0 for s in open_store(home, policy).index.segments])


def test_unfinished_first_write_is_no_index(home, policy, notes):
    """A crash while writing the very first segment leaves only a temporary directory: no
    index was ever committed, so there is nothing to check against (and nothing damaged)."""
    (notes_dir(home.corpus_dir) / "segments" / ".s00000001.tmp-123").mkdir(parents=True)
    assert report_for_check(home, notes["n1"], None, policy) is None
