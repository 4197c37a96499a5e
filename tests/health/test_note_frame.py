"""The note frame (columnar copy of notes beside the lake) on SQLite AND PostgreSQL: it always
equals what the store holds, whoever wrote there, re-reads only what changed, and gives every
note its key."""

from __future__ import annotations

import json
import os
import shutil
from datetime import datetime, timezone

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from sqlalchemy import text

from redline.store import frames as module
from redline.store.database import Database
from redline.store.entities import Account, Note
from redline.store.health import load_notes
from redline.store.health_tables import NoteCheck
from redline.store.note_frame import FRAME_SCHEMA, _read_notes, frame_dir, frame_path, note_frame
from redline.store.note_keys import NoteKeys

PUBLISHED = datetime(2026, 11, 1, 8, 30, tzinfo=timezone.utc)


@pytest.fixture
def keys(home):
    with NoteKeys.open(home.lake_dir / "note_keys") as opened:
        yield opened


def _add_notes(database, ids, account="a1"):
    with database.session() as session:
        if session.get(Account, account) is None:
            session.add(Account(id=account, nickname="", categories=[], credentials=[], fan_interests={}))
        for note_id in ids:
            session.add(Note(id=note_id, account_id=account, title="", body="", category="美妆", published_at=PUBLISHED, liked_count=3))


def _check(note_id, chars=100, q2=0.0):
    return NoteCheck(
        note_id=note_id, text_hash="h", policy_version="p", checked_at=PUBLISHED, verdict="pass",
        text_chars=chars, text_q2=q2, text_q3=0.0, text_c1=0.0, text_c2=0.0, text_c3=0.0, originality=0.9, findings=[],
    )


def _rows(frame):
    return {row["note_id"]: row for row in frame.to_pylist()}


def _read(path):
    with pa.memory_map(str(path)) as source:
        return pa.ipc.open_file(source).read_all()


def _meta(path):
    with pa.memory_map(str(path)) as source:
        return json.loads(pa.ipc.open_file(source).schema.metadata[b"redline.note_frame"])


def _applied(home):
    """The change number the saved frame is current to: its base's, or its last delta's."""
    return max(_meta(path)["applied"] for path in frame_dir(home.root).glob("*.arrow"))


def _deltas(home):
    return sorted(frame_dir(home.root).glob("delta-*.arrow"), key=lambda path: _meta(path)["applied"])


def _log_size(database):
    with database.session() as session:
        return session.execute(text("SELECT COUNT(*) FROM note_changes")).scalar_one()


def _same_as_store(frame, database, keys):
    """Equal to a from-scratch read of the store: same rows, columns and types (any order), and
    each note's key the one the keys give its id."""
    assert frame.schema == FRAME_SCHEMA
    assert frame.column("note_key").null_count == 0
    assert frame.column("note_key").to_pylist() == keys.lookup(frame.column("note_id"), add=False).tolist()
    return frame.drop_columns(["note_key"]).sort_by("note_id").equals(_read_notes(database).sort_by("note_id"))


def test_frame_follows_every_kind_of_change(database, home, keys):
    _add_notes(database, ["n1", "n2", "n3"])
    first = _rows(note_frame(database, home.root, keys))
    assert set(first) == {"n1", "n2", "n3"}
    assert first["n1"]["published_epoch"] == int(PUBLISHED.timestamp())
    assert first["n1"]["has_check"] is False and first["n1"]["status"] == "active"

    # An ORM insert, a check written, a hand-written UPDATE, a delete: all reach the frame.
    _add_notes(database, ["n4"])
    with database.session() as session:
        session.add(_check("n1", chars=640, q2=25.0))
    with database.session() as session:
        session.execute(text("UPDATE notes SET status = 'removed' WHERE id = 'n2'"))
        session.execute(text("UPDATE notes SET liked_count = 99 WHERE id = 'n3'"))
    rows = _rows(note_frame(database, home.root, keys))
    assert set(rows) == {"n1", "n2", "n3", "n4"}
    assert rows["n1"]["has_check"] is True and rows["n1"]["text_chars"] == 640 and rows["n1"]["text_q2"] == 25.0
    assert rows["n2"]["status"] == "removed"
    assert rows["n3"]["liked_count"] == 99

    with database.session() as session:
        session.execute(text("DELETE FROM note_checks WHERE note_id = 'n1'"))
        session.execute(text("DELETE FROM notes WHERE id = 'n4'"))
    frame = note_frame(database, home.root, keys)
    rows = _rows(frame)
    assert set(rows) == {"n1", "n2", "n3"}
    assert rows["n1"]["has_check"] is False and rows["n1"]["text_chars"] is None
    # Whatever the path taken, the frame equals a full read of the store.
    assert _same_as_store(frame, database, keys)


def test_unchanged_store_reads_the_copy_and_the_log_is_pruned(database, home, keys):
    _add_notes(database, [f"n{i}" for i in range(50)])
    note_frame(database, home.root, keys)
    with database.session() as session:
        assert session.execute(text("SELECT COUNT(*) FROM note_changes")).scalar_one() == 1  # the last, as a marker
    applied = _applied(home)
    assert applied >= 50
    before = frame_path(home.root).stat().st_mtime_ns
    assert len(note_frame(database, home.root, keys)) == 50
    assert frame_path(home.root).stat().st_mtime_ns == before  # nothing changed, nothing rewritten

    # A small change is applied as a patch: the frame now covers the newer change numbers.
    with database.session() as session:
        session.execute(text("UPDATE notes SET category = '母婴' WHERE id = 'n7'"))
    rows = _rows(note_frame(database, home.root, keys))
    assert rows["n7"]["category"] == "母婴" and len(rows) == 50
    assert _applied(home) > applied


def test_a_deferred_save_keeps_the_log_until_the_copy_is_on_disk(database, home, keys):
    _add_notes(database, ["n1", "n2"])
    note_frame(database, home.root, keys)
    applied = _applied(home)
    _add_notes(database, ["n3"])
    jobs = []
    assert set(_rows(note_frame(database, home.root, keys, defer=jobs.append))) == {"n1", "n2", "n3"}
    assert len(jobs) == 1 and _applied(home) == applied  # not saved yet…
    with database.session() as session:  # …so the changes it will record are all still logged
        assert session.execute(text("SELECT COUNT(*) FROM note_changes WHERE seq >= :a"), {"a": applied}).scalar_one() >= 2
    jobs[0]()
    assert _applied(home) > applied
    with database.session() as session:
        assert session.execute(text("SELECT COUNT(*) FROM note_changes")).scalar_one() == 1
    assert set(_rows(note_frame(database, home.root, keys, defer=jobs.append))) == {"n1", "n2", "n3"}
    assert len(jobs) == 1  # nothing changed: nothing to save


def test_a_copy_from_another_database_or_a_damaged_copy_is_rebuilt(database, home, keys, tmp_path):
    _add_notes(database, ["n1", "n2"])
    note_frame(database, home.root, keys)

    other = Database.open(f"sqlite:///{tmp_path / 'other.sqlite3'}")
    _add_notes(other, ["x1"])
    assert set(_rows(note_frame(other, home.root, keys))) == {"x1"}  # not patched with n1, n2
    other.dispose()
    assert set(_rows(note_frame(database, home.root, keys))) == {"n1", "n2"}

    frame_path(home.root).write_bytes(b"ARROW1\0\0half a file")
    assert set(_rows(note_frame(database, home.root, keys))) == {"n1", "n2"}


def test_changes_pruned_by_another_data_home_force_a_rebuild(database, home, keys, tmp_path):
    _add_notes(database, ["n1"])
    note_frame(database, home.root, keys)
    _add_notes(database, ["n2"])
    note_frame(database, tmp_path / "second-home", NoteKeys())  # applies and prunes n2's change
    _add_notes(database, ["n3"])
    assert set(_rows(note_frame(database, home.root, keys))) == {"n1", "n2", "n3"}


@pytest.mark.parametrize("share", [0.0, 1.0])
def test_many_changes_rebuild_and_few_patch_to_the_same_frame(database, home, keys, monkeypatch, share):
    monkeypatch.setattr(module, "REBUILD_SHARE", share)
    _add_notes(database, [f"n{i}" for i in range(20)])
    note_frame(database, home.root, keys)
    with database.session() as session:
        for i in range(0, 20, 3):
            session.add(_check(f"n{i}", chars=10 * i))
        session.execute(text("UPDATE notes SET status = 'removed' WHERE id = 'n5'"))
    assert _same_as_store(note_frame(database, home.root, keys), database, keys)


# --- the saved frame: a base and the day's deltas -------------------------------------------------


def _day(database, day):
    """A day's changes to four notes, among the newest as a day's mostly are (of 100 notes: the
    base's last rows): two liked again, one checked, one new."""
    with database.session() as session:
        session.execute(text("UPDATE notes SET liked_count = liked_count + :day WHERE id IN ('n98', 'n99')"), {"day": day})
        session.add(_check(f"n{94 + day}", chars=day))
    _add_notes(database, [f"new{day}"])


def test_each_days_changes_are_saved_as_a_delta_beside_an_untouched_base(database, home, keys):
    _add_notes(database, [f"n{i}" for i in range(100)])
    note_frame(database, home.root, keys)
    base = frame_path(home.root)
    stamp, content = base.stat().st_mtime_ns, base.read_bytes()
    for day in (2, 3):
        _day(database, day)
        frame = note_frame(database, home.root, keys)
        assert _same_as_store(frame, database, keys)
    assert base.stat().st_mtime_ns == stamp and base.read_bytes() == content
    first, second = _deltas(home)
    assert _read(first).num_rows == 4 and _read(second).num_rows == 4
    assert _meta(first)["after"] == _meta(base)["applied"] and _meta(second)["after"] == _meta(first)["applied"]
    assert _meta(first)["base"] == _meta(second)["base"] == _meta(base)["generation"]
    assert _log_size(database) == 1

    # Read back from the files alone: exactly the frame the third day's call returned, order
    # included (unchanged rows first, then the second day's rows, then the third day's).
    again = note_frame(database, home.root, keys)
    assert again.equals(frame) and _same_as_store(again, database, keys)
    assert set(again.column("note_id")[-4:].to_pylist()) == {"n98", "n99", "n97", "new3"}
    assert len(_deltas(home)) == 2 and base.stat().st_mtime_ns == stamp


def test_a_deleted_note_leaves_the_frame_through_a_delta(database, home, keys):
    _add_notes(database, [f"n{i}" for i in range(100)])
    with database.session() as session:
        session.add(_check("n94", chars=50))
    note_frame(database, home.root, keys)
    with database.session() as session:
        session.execute(text("DELETE FROM note_checks WHERE note_id = 'n94'"))
        session.execute(text("DELETE FROM notes WHERE id = 'n94'"))
        session.execute(text("UPDATE notes SET liked_count = 7 WHERE id = 'n95'"))
    assert "n94" not in _rows(note_frame(database, home.root, keys))
    [delta] = _deltas(home)
    saved = _read(delta)
    assert saved.filter(saved.column("deleted")).column("note_id").to_pylist() == ["n94"]
    frame = note_frame(database, home.root, keys)  # from the files alone
    assert "n94" not in _rows(frame) and _rows(frame)["n95"]["liked_count"] == 7 and _same_as_store(frame, database, keys)

    _add_notes(database, ["n94"])  # back the next day: the later delta's row wins over the deletion
    note_frame(database, home.root, keys)
    assert len(_deltas(home)) == 2
    frame = note_frame(database, home.root, keys)
    assert _rows(frame)["n94"]["has_check"] is False and _same_as_store(frame, database, keys)


@pytest.mark.parametrize(("setting", "value"), [("MAX_DELTAS", 2), ("COMPACT_SHARE", 0.1)])
def test_enough_deltas_are_compacted_into_a_new_base(database, home, keys, monkeypatch, setting, value):
    monkeypatch.setattr(module, setting, value)  # 100 notes, 4 changed a day: two deltas fit
    _add_notes(database, [f"n{i}" for i in range(100)])
    note_frame(database, home.root, keys)
    generation = _meta(frame_path(home.root))["generation"]
    for day in (2, 3):
        _day(database, day)
        note_frame(database, home.root, keys)
    assert len(_deltas(home)) == 2 and _meta(frame_path(home.root))["generation"] == generation

    _day(database, 4)
    frame = note_frame(database, home.root, keys)
    assert _deltas(home) == [] and _meta(frame_path(home.root))["generation"] != generation
    assert _meta(frame_path(home.root))["applied"] == _applied(home) and _log_size(database) == 1
    assert _same_as_store(frame, database, keys) and note_frame(database, home.root, keys).equals(frame)

    _day(database, 5)  # the next day extends the new base
    assert _same_as_store(note_frame(database, home.root, keys), database, keys)
    [delta] = _deltas(home)
    assert _meta(delta)["base"] == _meta(frame_path(home.root))["generation"]


def _fake_delta(database, home, keys, meta, name):
    """A delta that would give n50 12345 likes if it were applied (its keys' generation right)."""
    row = _read_notes(database).filter(pc.equal(pc.field("note_id"), "n50"))
    row = row.add_column(1, "note_key", pa.array(keys.lookup(row.column("note_id"), add=False)))
    row = row.set_column(row.schema.get_field_index("liked_count"), "liked_count", pa.array([12345], pa.int64()))
    row = row.append_column("deleted", pa.array([False]))
    row = row.replace_schema_metadata({b"redline.note_frame": json.dumps({"keys": keys.generation, **meta}).encode()})
    with pa.OSFile(str(frame_dir(home.root) / name), "wb") as sink, pa.ipc.new_file(sink, row.schema) as writer:
        writer.write_table(row)


def _damage_batches(path):
    """Overwrite the record batches, keeping the footer (it holds the schema): the schema reads,
    the rows do not."""
    data = bytearray(path.read_bytes())
    end = len(data) - int.from_bytes(data[-10:-6], "little") - 10
    data[8:end] = b"\xff" * (end - 8)
    path.write_bytes(bytes(data))


def test_a_delta_that_does_not_connect_or_cannot_be_read_is_ignored(database, home, keys):
    _add_notes(database, [f"n{i}" for i in range(100)])
    note_frame(database, home.root, keys)
    _day(database, 2)
    note_frame(database, home.root, keys)
    [delta] = _deltas(home)
    meta = _meta(delta)
    _day(database, 3)  # logged, not applied yet: the fakes below end inside the log
    end = meta["applied"] + 1
    _fake_delta(database, home, keys, {**meta, "after": meta["applied"] + 1, "applied": end + 1}, "delta-gap.arrow")
    # One extending another base, as one left by a crash between a new base and the removal
    # of the old deltas (or by a database restored to an earlier change number) would.
    _fake_delta(database, home, keys, {**meta, "after": meta["applied"], "applied": end, "base": "0" * 32}, "delta-other-base.arrow")
    _fake_delta(database, home, keys, {**meta, "after": meta["applied"], "applied": end, "store_id": "another"}, "delta-other-store.arrow")
    # One given keys of another generation (their keys mean other notes).
    _fake_delta(database, home, keys, {**meta, "after": meta["applied"], "applied": end, "keys": "0" * 32}, "delta-other-keys.arrow")
    (frame_dir(home.root) / f"delta-{meta['applied']}-{end}.arrow").write_bytes(b"ARROW1\0\0half a file")
    frame = note_frame(database, home.root, keys)
    assert _rows(frame)["n50"]["liked_count"] == 3 and _same_as_store(frame, database, keys)
    assert note_frame(database, home.root, keys).equals(frame)


def test_a_damaged_delta_is_replaced_from_the_log_or_the_store(database, home, keys, monkeypatch):
    _add_notes(database, [f"n{i}" for i in range(100)])
    note_frame(database, home.root, keys)
    stamp = frame_path(home.root).stat().st_mtime_ns

    # A crash after each delta was written but before the log was pruned, then the first delta
    # damaged (its footer intact): the chain stops before it, not skipping to the second, and
    # the frame is patched again from the base and the log, the base left as it is.
    with monkeypatch.context() as patch:
        patch.setattr(module, "_prune", lambda database, kind, upto: None)
        for day in (2, 3):
            _day(database, day)
            note_frame(database, home.root, keys)
    first, _ = _deltas(home)
    _damage_batches(first)
    frame = note_frame(database, home.root, keys)
    assert _rows(frame)["n96"]["has_check"] is True and _same_as_store(frame, database, keys)
    assert frame_path(home.root).stat().st_mtime_ns == stamp and _log_size(database) == 1

    # Damaged once the log no longer holds its changes: rebuilt from the store.
    for path in _deltas(home):
        path.write_bytes(b"ARROW1\0\0half a file")
    _day(database, 4)
    assert _same_as_store(note_frame(database, home.root, keys), database, keys)
    assert frame_path(home.root).stat().st_mtime_ns != stamp and _deltas(home) == []


def test_the_log_is_pruned_only_once_the_delta_is_on_disk(database, home, keys, monkeypatch):
    _add_notes(database, [f"n{i}" for i in range(100)])
    note_frame(database, home.root, keys)
    _day(database, 2)
    logged = _log_size(database)
    jobs = []
    frame = note_frame(database, home.root, keys, defer=jobs.append)
    assert _deltas(home) == [] and _log_size(database) == logged  # not saved yet

    def disk_full(*args, **kwargs):
        raise OSError("disk full")

    with monkeypatch.context() as patch:
        patch.setattr(module, "write_atomically", disk_full)
        with pytest.raises(OSError):
            jobs[0]()
    assert _deltas(home) == [] and _log_size(database) == logged
    assert [path.name for path in frame_dir(home.root).iterdir()] == ["base.arrow"]

    prune = module._prune

    def prune_after_the_delta(database, kind, upto):
        assert [_meta(path)["applied"] for path in _deltas(home)] == [upto]
        prune(database, kind, upto)

    monkeypatch.setattr(module, "_prune", prune_after_the_delta)
    jobs[0]()
    assert len(_deltas(home)) == 1 and _log_size(database) == 1
    assert note_frame(database, home.root, keys).equals(frame)


def test_removing_the_base_removes_the_whole_frame(database, home, keys):
    """As the bench does to time a first run: `frame_path(root).unlink()`. Files an earlier
    version or a crash left are cleared by the next base."""
    _add_notes(database, [f"n{i}" for i in range(100)])
    note_frame(database, home.root, keys)
    for day in (2, 3):
        _day(database, day)
        note_frame(database, home.root, keys)
    legacy = home.root / "frames" / "notes.parquet"
    legacy.write_bytes(b"PAR1 the single file of an earlier version")
    old, fresh = frame_dir(home.root) / ".tmp-old.arrow", frame_dir(home.root) / ".tmp-fresh.arrow"
    old.write_bytes(b"ARROW1")
    fresh.write_bytes(b"ARROW1")
    os.utime(old, (0, 0))
    frame_path(home.root).unlink(missing_ok=True)
    assert _same_as_store(note_frame(database, home.root, keys), database, keys)
    assert _deltas(home) == [] and not legacy.exists() and not old.exists() and fresh.exists()
    assert sorted(path.name for path in frame_dir(home.root).iterdir()) == [".tmp-fresh.arrow", "base.arrow"]
    shutil.rmtree(frame_dir(home.root))  # or the whole directory
    assert _same_as_store(note_frame(database, home.root, keys), database, keys)


def test_a_day_that_replaces_early_rows_is_saved_as_a_new_base(database, home, keys):
    """Every read would copy the base from the first replaced row on: such a day is saved as a
    new base instead (in key order, the order the daily job reads its sums in), and a later
    day's change to late rows is a delta."""
    _add_notes(database, [f"n{i}" for i in range(100)])
    note_frame(database, home.root, keys)
    generation = _meta(frame_path(home.root))["generation"]
    with database.session() as session:
        session.execute(text("UPDATE notes SET liked_count = 50 WHERE id IN ('n3', 'n4')"))
    frame = note_frame(database, home.root, keys)
    assert _deltas(home) == [] and _meta(frame_path(home.root))["generation"] != generation
    stored_keys = _read(frame_path(home.root)).column("note_key").to_pylist()
    assert _same_as_store(frame, database, keys) and stored_keys == sorted(stored_keys)

    last = _read(frame_path(home.root)).column("note_id")[-1].as_py()
    with database.session() as session:
        session.execute(text("UPDATE notes SET liked_count = 51 WHERE id = :id"), {"id": last})
    frame = note_frame(database, home.root, keys)
    [delta] = _deltas(home)
    assert _read(delta).column("note_id").to_pylist() == [last] and _same_as_store(frame, database, keys)


def _old_format_file(path, table, meta):
    pq.write_table(table.replace_schema_metadata({b"redline.note_frame": json.dumps(meta).encode()}), path)


def test_a_frame_of_the_earlier_parquet_format_is_rebuilt_and_its_files_removed(database, home, keys):
    _add_notes(database, ["n1", "n2"])
    note_frame(database, home.root, keys)
    meta = _meta(frame_path(home.root))
    frame_path(home.root).unlink()
    # As the Parquet version left them: a base and a delta of its generation, current to the log.
    stale = _read_notes(database)  # columns as that version kept them: no keys
    stale = stale.set_column(stale.schema.get_field_index("liked_count"), "liked_count", pa.array([777, 777], pa.int64()))
    _old_format_file(frame_dir(home.root) / "base.parquet", stale, {"store_id": meta["store_id"], "generation": "g", "applied": meta["applied"]})
    _old_format_file(frame_dir(home.root) / f"delta-{meta['applied']}-{meta['applied'] + 5}.parquet",
                     stale.append_column("deleted", pa.array([False, False])), {"store_id": meta["store_id"], "base": "g", "after": meta["applied"], "applied": meta["applied"] + 5})
    frame = note_frame(database, home.root, keys)
    assert set(frame.column("liked_count").to_pylist()) == {3} and _same_as_store(frame, database, keys)
    assert sorted(path.name for path in frame_dir(home.root).iterdir()) == ["base.arrow"]


# --- note keys ----------------------------------------------------------------------------------


def _keys_on_disk(directory):
    """How many keys the key files hold (read without the lock the open keys hold)."""
    held = 0
    for path in directory.glob("keys-*.arrow"):
        held = max(held, int(path.stem[len("keys-"):]) + _read(path).num_rows)
    return held


def _key_of(frame):
    return dict(zip(frame.column("note_id").to_pylist(), frame.column("note_key").to_pylist()))


def test_every_note_keeps_its_key_across_syncs(database, home, keys):
    _add_notes(database, [f"n{i}" for i in range(100)])
    first = _key_of(note_frame(database, home.root, keys))
    assert sorted(first.values()) == list(range(100))
    _day(database, 2)  # n98, n99 liked again, n96 checked, new2 added: a delta
    with database.session() as session:
        session.execute(text("UPDATE notes SET category = '母婴' WHERE id = 'n5'"))  # early: a new base
        session.execute(text("DELETE FROM notes WHERE id = 'n7'"))
    second = _key_of(note_frame(database, home.root, keys))
    assert {note: key for note, key in second.items() if note != "new2"} == {note: key for note, key in first.items() if note != "n7"}
    assert second["new2"] == 100
    _add_notes(database, ["n7"])  # back: the key it had
    _day(database, 3)
    third = note_frame(database, home.root, keys)
    assert _key_of(third)["n7"] == first["n7"] and _key_of(third)["new3"] == 101
    assert _same_as_store(third, database, keys) and note_frame(database, home.root, keys).equals(third)
    assert len(set(_key_of(third).values())) == third.num_rows


def test_the_keys_are_saved_before_a_frame_file_holding_them(database, home, keys, monkeypatch):
    write = module.write_atomically
    written = []

    def keys_first(final, write_file):
        table = _read_notes(database)  # whatever the file holds, its keys were given by now
        assert _keys_on_disk(home.lake_dir / "note_keys") >= len(keys) >= table.num_rows
        written.append(final.name)
        return write(final, write_file)

    monkeypatch.setattr(module, "write_atomically", keys_first)
    _add_notes(database, [f"n{i}" for i in range(100)])
    jobs = []
    note_frame(database, home.root, keys, defer=jobs.append)
    assert _keys_on_disk(home.lake_dir / "note_keys") == 0  # given, not saved: nothing written yet
    jobs[0]()
    _day(database, 2)
    note_frame(database, home.root, keys)
    assert written[0] == "base.arrow" and written[1].startswith("delta-") and len(keys) == 101
    keys.close()
    with NoteKeys.open(home.lake_dir / "note_keys") as again:
        frame = note_frame(database, home.root, again)
        assert _meta(frame_path(home.root))["keys"] == again.generation == keys.generation
        assert _same_as_store(frame, database, again)


@pytest.mark.parametrize("changes", [False, True])
def test_a_new_keys_generation_gives_every_note_its_key_again(database, home, keys, changes):
    _add_notes(database, [f"n{i}" for i in range(100)])
    note_frame(database, home.root, keys)
    _day(database, 2)
    note_frame(database, home.root, keys)
    assert len(_deltas(home)) == 1
    keys.close()
    for path in (home.lake_dir / "note_keys").glob("keys-*.arrow"):
        path.write_bytes(b"ARROW1\0\0damaged")  # the keys start over
    with NoteKeys.open(home.lake_dir / "note_keys") as fresh:
        fresh.lookup(pa.array(["an id the lake saw first"]), add=True)  # keys given in another order
        assert fresh.generation != keys.generation
        if changes:
            _day(database, 3)
        frame = note_frame(database, home.root, fresh)
        assert _same_as_store(frame, database, fresh) and "an id the lake saw first" not in _key_of(frame)
        assert _deltas(home) == [] and _meta(frame_path(home.root))["keys"] == fresh.generation
        assert note_frame(database, home.root, fresh).equals(frame)


def test_a_keys_file_removed_by_hand_gives_every_note_its_key_again(database, home, keys):
    """The same generation, fewer keys than the frame uses: its higher keys would be given to
    other notes, so every note gets its key again."""
    _add_notes(database, [f"n{i}" for i in range(100)])
    note_frame(database, home.root, keys)
    _day(database, 2)
    note_frame(database, home.root, keys)  # new2's key: a second key file
    keys.close()
    last = max((home.lake_dir / "note_keys").glob("keys-*.arrow"))
    last.unlink()
    with NoteKeys.open(home.lake_dir / "note_keys") as fewer:
        assert fewer.generation == keys.generation and len(fewer) == 100
        fewer.lookup(pa.array(["x-from-the-lake"]), add=True)  # takes key 100, which new2 had
        frame = note_frame(database, home.root, fewer)
        assert _same_as_store(frame, database, fewer) and _key_of(frame)["new2"] == 101


def test_load_notes_gives_the_active_notes_published_before_with_their_keys(database, home, keys):
    _add_notes(database, ["n1", "n2", "n3"])
    with database.session() as session:
        session.execute(text("UPDATE notes SET status = 'removed' WHERE id = 'n2'"))
    epoch = int(PUBLISHED.timestamp())
    notes = load_notes(database, home.root, epoch + 1, keys)
    assert sorted(notes.column("note_id").to_pylist()) == ["n1", "n3"] and "status" not in notes.column_names
    assert notes.column("note_key").to_pylist() == keys.lookup(notes.column("note_id"), add=False).tolist()
    assert load_notes(database, home.root, epoch, keys).num_rows == 0
