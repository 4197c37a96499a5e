"""Note keys: a stable integer per note id, kept in the data home; files that do not connect
start a new generation, and one opener at a time holds the keys."""

from __future__ import annotations

import threading
import time

import pyarrow as pa
import pytest

from redline.store import note_keys as module
from redline.store.note_keys import NoteKeys


def _ids(*values):
    return pa.array(list(values), pa.string())


@pytest.fixture
def directory(tmp_path):
    return tmp_path / "note_keys"


def test_lookup_gives_new_ids_the_next_keys_only_when_adding():
    keys = NoteKeys()
    assert keys.lookup(_ids("a", "b"), add=False).tolist() == [-1, -1] and len(keys) == 0
    assert keys.lookup(_ids("b", "a", "b"), add=True).tolist() == [0, 1, 0]  # first seen, first keyed
    assert keys.lookup(_ids("c", "a", "d"), add=False).tolist() == [-1, 1, -1] and len(keys) == 2
    assert keys.lookup(pa.chunked_array([_ids("d"), _ids("a", "c")]), add=True).tolist() == [2, 1, 3]
    assert keys.lookup(_ids(), add=True).tolist() == [] and len(keys) == 4
    assert keys.ids().to_pylist() == ["b", "a", "d", "c"]  # key order


def test_a_null_id_has_no_key_and_takes_none():
    keys = NoteKeys()
    assert keys.lookup(_ids(None, "a", None), add=True).tolist() == [-1, 0, -1]
    assert keys.lookup(_ids(None), add=True).tolist() == [-1]
    assert keys.lookup(_ids("b", None, "a"), add=True).tolist() == [1, -1, 0] and len(keys) == 2


def test_saved_keys_are_there_when_opened_again_and_unsaved_ones_are_not(directory):
    with NoteKeys.open(directory) as keys:
        keys.lookup(_ids("a", "b", "c"), add=True)
        keys.save()
        keys.lookup(_ids("d"), add=True)
        keys.save()
        keys.save()  # nothing new: no file
        keys.lookup(_ids("e"), add=True)  # never saved
        generation = keys.generation
    assert len(list(directory.glob("keys-*.arrow"))) == 2
    with NoteKeys.open(directory) as keys:
        assert keys.generation == generation and len(keys) == 4
        assert keys.lookup(_ids("d", "c", "e"), add=False).tolist() == [3, 2, -1]
        assert keys.lookup(_ids("f"), add=True).tolist() == [4]  # e's key was never durable


def test_in_memory_keys_write_nothing(tmp_path):
    keys = NoteKeys()
    keys.lookup(_ids("a"), add=True)
    keys.save()
    assert list(tmp_path.iterdir()) == []


def test_many_saves_are_folded_into_one_file_keeping_every_key(directory, monkeypatch):
    monkeypatch.setattr(module, "MAX_FILES", 3)
    with NoteKeys.open(directory) as keys:
        for day in range(7):
            keys.lookup(_ids(f"n{day}a", f"n{day}b"), add=True)
            keys.save()
            assert len(list(directory.glob("keys-*.arrow"))) <= 3
        generation = keys.generation
    with NoteKeys.open(directory) as keys:
        assert keys.generation == generation and len(keys) == 14
        assert keys.lookup(_ids("n0a", "n3b", "n6b"), add=False).tolist() == [0, 7, 13]
        keys.lookup(_ids("later"), add=True)
        keys.save()
    with NoteKeys.open(directory) as keys:
        assert keys.lookup(_ids("later"), add=False).tolist() == [14]


def test_a_fold_interrupted_before_the_old_files_went_still_reads_every_key(directory, monkeypatch):
    monkeypatch.setattr(module, "MAX_FILES", 2)
    with NoteKeys.open(directory) as keys:
        for day in range(2):
            keys.lookup(_ids(f"n{day}"), add=True)
            keys.save()
        old = {path.name: path.read_bytes() for path in directory.glob("keys-*.arrow")}
        keys.lookup(_ids("n2"), add=True)
        keys.save()  # folded into keys-0…
    for name, content in old.items():  # …and a crash before the others were removed
        if not (directory / name).exists():
            (directory / name).write_bytes(content)
    with NoteKeys.open(directory) as keys:
        assert len(keys) == 3 and keys.lookup(_ids("n0", "n1", "n2"), add=False).tolist() == [0, 1, 2]


def _three_files(directory):
    with NoteKeys.open(directory) as keys:
        for day in range(3):
            keys.lookup(_ids(f"n{day}"), add=True)
            keys.save()
        return keys.generation


@pytest.mark.parametrize("damage", ["gap", "garbage", "cut", "another generation"])
def test_files_that_do_not_connect_start_a_new_generation(directory, damage):
    generation = _three_files(directory)
    first, middle, last = sorted(directory.glob("keys-*.arrow"))
    if damage == "gap":
        middle.unlink()
    elif damage == "garbage":
        middle.write_bytes(b"ARROW1\0\0not a file")
    elif damage == "cut":
        middle.write_bytes(middle.read_bytes()[:-20])
    else:
        other = directory.parent / "other"
        _three_files(other)
        middle.write_bytes(sorted(other.glob("keys-*.arrow"))[1].read_bytes())
    with NoteKeys.open(directory) as keys:
        assert keys.generation != generation and len(keys) == 0
        assert list(directory.glob("keys-*.arrow")) == []
        assert keys.lookup(_ids("n2", "n0"), add=True).tolist() == [0, 1]
        keys.save()
        new_generation = keys.generation
    with NoteKeys.open(directory) as keys:
        assert keys.generation == new_generation and keys.lookup(_ids("n0"), add=False).tolist() == [1]


def test_a_lost_last_file_keeps_the_generation_with_fewer_keys(directory):
    """Not detectable from the key files alone; whoever used the lost keys checks them (the note
    frame does, by its highest key)."""
    generation = _three_files(directory)
    max(directory.glob("keys-*.arrow")).unlink()
    with NoteKeys.open(directory) as keys:
        assert keys.generation == generation and len(keys) == 2


def test_one_opener_at_a_time(directory):
    first = NoteKeys.open(directory)
    opened = threading.Event()
    holder = {}

    def second_job():
        holder["keys"] = NoteKeys.open(directory)
        opened.set()

    thread = threading.Thread(target=second_job)
    thread.start()
    time.sleep(0.3)
    assert not opened.is_set()  # waits for the first to close
    first.lookup(_ids("a"), add=True)
    first.save()
    first.close()
    assert opened.wait(5)
    thread.join()
    with holder["keys"] as second:
        assert second.lookup(_ids("a"), add=False).tolist() == [0]  # sees what the first saved
