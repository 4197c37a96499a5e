"""The note frame (columnar copy of notes beside the lake) on SQLite AND PostgreSQL: it always
equals what the store holds, whoever wrote there, and re-reads only what changed."""

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

from redline.store.database import Database
from redline.store.entities import Account, Note
from redline.store.health_tables import NoteCheck
from redline.store.note_frame import FRAME_SCHEMA, _read_notes, frame_dir, frame_path, note_frame

PUBLISHED = datetime(2026, 11, 1, 8, 30, tzinfo=timezone.utc)


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


def _meta(path):
    return json.loads(pq.read_schema(path).metadata[b"redline.note_frame"])


def _applied(home):
    """The change number the saved frame is current to: its base's, or its last delta's."""
    return max(_meta(path)["applied"] for path in frame_dir(home.root).glob("*.parquet"))


def _deltas(home):
    return sorted(frame_dir(home.root).glob("delta-*.parquet"), key=lambda path: _meta(path)["applied"])


def _log_size(database):
    with database.session() as session:
        return session.execute(text("SELECT COUNT(*) FROM note_changes")).scalar_one()


def _same_as_store(frame, database):
    """Equal to a from-scratch read of the store: same rows, columns and types (any order)."""
    assert frame.schema == FRAME_SCHEMA
    return frame.sort_by("note_id").equals(_read_notes(database).sort_by("note_id"))


def test_frame_follows_every_kind_of_change(database, home):
    _add_notes(database, ["n1", "n2", "n3"])
    first = _rows(note_frame(database, home.root))
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
    rows = _rows(note_frame(database, home.root))
    assert set(rows) == {"n1", "n2", "n3", "n4"}
    assert rows["n1"]["has_check"] is True and rows["n1"]["text_chars"] == 640 and rows["n1"]["text_q2"] == 25.0
    assert rows["n2"]["status"] == "removed"
    assert rows["n3"]["liked_count"] == 99

    with database.session() as session:
        session.execute(text("DELETE FROM note_checks WHERE note_id = 'n1'"))
        session.execute(text("DELETE FROM notes WHERE id = 'n4'"))
    rows = _rows(note_frame(database, home.root))
    assert set(rows) == {"n1", "n2", "n3"}
    assert rows["n1"]["has_check"] is False and rows["n1"]["text_chars"] is None
    # Whatever the path taken, the frame equals a full read of the store.
    assert rows == _rows(_read_notes(database))


def test_unchanged_store_reads_the_copy_and_the_log_is_pruned(database, home):
    _add_notes(database, [f"n{i}" for i in range(50)])
    note_frame(database, home.root)
    with database.session() as session:
        assert session.execute(text("SELECT COUNT(*) FROM note_changes")).scalar_one() == 1  # the last, as a marker
    applied = _applied(home)
    assert applied >= 50
    before = frame_path(home.root).stat().st_mtime_ns
    assert len(note_frame(database, home.root)) == 50
    assert frame_path(home.root).stat().st_mtime_ns == before  # nothing changed, nothing rewritten

    # A small change is applied as a patch: the frame now covers the newer change numbers.
    with database.session() as session:
        session.execute(text("UPDATE notes SET category = '母婴' WHERE id = 'n7'"))
    rows = _rows(note_frame(database, home.root))
    assert rows["n7"]["category"] == "母婴" and len(rows) == 50
    assert _applied(home) > applied


def test_a_deferred_save_keeps_the_log_until_the_copy_is_on_disk(database, home):
    _add_notes(database, ["n1", "n2"])
    note_frame(database, home.root)
    applied = _applied(home)
    _add_notes(database, ["n3"])
    jobs = []
    assert set(_rows(note_frame(database, home.root, defer=jobs.append))) == {"n1", "n2", "n3"}
    assert len(jobs) == 1 and _applied(home) == applied  # not saved yet…
    with database.session() as session:  # …so the changes it will record are all still logged
        assert session.execute(text("SELECT COUNT(*) FROM note_changes WHERE seq >= :a"), {"a": applied}).scalar_one() >= 2
    jobs[0]()
    assert _applied(home) > applied
    with database.session() as session:
        assert session.execute(text("SELECT COUNT(*) FROM note_changes")).scalar_one() == 1
    assert set(_rows(note_frame(database, home.root, defer=jobs.append))) == {"n1", "n2", "n3"}
    assert len(jobs) == 1  # nothing changed: nothing to save


def test_a_copy_from_another_database_or_a_damaged_copy_is_rebuilt(database, home, tmp_path):
    _add_notes(database, ["n1", "n2"])
    note_frame(database, home.root)

    other = Database.open(f"sqlite:///{tmp_path / 'other.sqlite3'}")
    _add_notes(other, ["x1"])
    assert set(_rows(note_frame(other, home.root))) == {"x1"}  # not patched with n1, n2
    other.dispose()
    assert set(_rows(note_frame(database, home.root))) == {"n1", "n2"}

    frame_path(home.root).write_bytes(b"PAR1 half a file")
    assert set(_rows(note_frame(database, home.root))) == {"n1", "n2"}


def test_changes_pruned_by_another_data_home_force_a_rebuild(database, home, tmp_path):
    _add_notes(database, ["n1"])
    note_frame(database, home.root)
    _add_notes(database, ["n2"])
    note_frame(database, tmp_path / "second-home")  # applies and prunes n2's change
    _add_notes(database, ["n3"])
    assert set(_rows(note_frame(database, home.root))) == {"n1", "n2", "n3"}


@pytest.mark.parametrize("share", [0.0, 1.0])
def test_many_changes_rebuild_and_few_patch_to_the_same_frame(database, home, monkeypatch, share):
    import redline.store.note_frame as module

    monkeypatch.setattr(module, "REBUILD_SHARE", share)
    _add_notes(database, [f"n{i}" for i in range(20)])
    note_frame(database, home.root)
    with database.session() as session:
        for i in range(0, 20, 3):
            session.add(_check(f"n{i}", chars=10 * i))
        session.execute(text("UPDATE notes SET status = 'removed' WHERE id = 'n5'"))
    assert _rows(note_frame(database, home.root)) == _rows(_read_notes(database))


# --- the saved frame: a base and the day's deltas -------------------------------------------------


def _day(database, day):
    """A day's changes to four notes: two liked again, one checked, one new."""
    with database.session() as session:
        session.execute(text("UPDATE notes SET liked_count = liked_count + :day WHERE id IN ('n1', 'n2')"), {"day": day})
        session.add(_check(f"n{10 + day}", chars=day))
    _add_notes(database, [f"new{day}"])


def test_each_days_changes_are_saved_as_a_delta_beside_an_untouched_base(database, home):
    _add_notes(database, [f"n{i}" for i in range(100)])
    note_frame(database, home.root)
    base = frame_path(home.root)
    stamp, content = base.stat().st_mtime_ns, base.read_bytes()
    for day in (2, 3):
        _day(database, day)
        frame = note_frame(database, home.root)
        assert _same_as_store(frame, database)
    assert base.stat().st_mtime_ns == stamp and base.read_bytes() == content
    first, second = _deltas(home)
    assert pq.read_metadata(first).num_rows == 4 and pq.read_metadata(second).num_rows == 4
    assert _meta(first)["after"] == _meta(base)["applied"] and _meta(second)["after"] == _meta(first)["applied"]
    assert _meta(first)["base"] == _meta(second)["base"] == _meta(base)["generation"]
    assert _log_size(database) == 1

    # Read back from the files alone: exactly the frame the third day's call returned, order
    # included (unchanged rows first, then the second day's rows, then the third day's).
    again = note_frame(database, home.root)
    assert again.equals(frame) and _same_as_store(again, database)
    assert set(again.column("note_id")[-4:].to_pylist()) == {"n1", "n2", "n13", "new3"}
    assert len(_deltas(home)) == 2 and base.stat().st_mtime_ns == stamp


def test_a_deleted_note_leaves_the_frame_through_a_delta(database, home):
    _add_notes(database, [f"n{i}" for i in range(100)])
    with database.session() as session:
        session.add(_check("n4", chars=50))
    note_frame(database, home.root)
    with database.session() as session:
        session.execute(text("DELETE FROM note_checks WHERE note_id = 'n4'"))
        session.execute(text("DELETE FROM notes WHERE id = 'n4'"))
        session.execute(text("UPDATE notes SET liked_count = 7 WHERE id = 'n5'"))
    assert "n4" not in _rows(note_frame(database, home.root))
    [delta] = _deltas(home)
    saved = pq.read_table(delta)
    assert saved.filter(saved.column("deleted")).column("note_id").to_pylist() == ["n4"]
    frame = note_frame(database, home.root)  # from the files alone
    assert "n4" not in _rows(frame) and _rows(frame)["n5"]["liked_count"] == 7 and _same_as_store(frame, database)

    _add_notes(database, ["n4"])  # back the next day: the later delta's row wins over the deletion
    note_frame(database, home.root)
    assert len(_deltas(home)) == 2
    frame = note_frame(database, home.root)
    assert _rows(frame)["n4"]["has_check"] is False and _same_as_store(frame, database)


@pytest.mark.parametrize(("setting", "value"), [("MAX_DELTAS", 2), ("COMPACT_SHARE", 0.1)])
def test_enough_deltas_are_compacted_into_a_new_base(database, home, monkeypatch, setting, value):
    import redline.store.note_frame as module

    monkeypatch.setattr(module, setting, value)  # 100 notes, 4 changed a day: two deltas fit
    _add_notes(database, [f"n{i}" for i in range(100)])
    note_frame(database, home.root)
    generation = _meta(frame_path(home.root))["generation"]
    for day in (2, 3):
        _day(database, day)
        note_frame(database, home.root)
    assert len(_deltas(home)) == 2 and _meta(frame_path(home.root))["generation"] == generation

    _day(database, 4)
    frame = note_frame(database, home.root)
    assert _deltas(home) == [] and _meta(frame_path(home.root))["generation"] != generation
    assert _meta(frame_path(home.root))["applied"] == _applied(home) and _log_size(database) == 1
    assert _same_as_store(frame, database) and note_frame(database, home.root).equals(frame)

    _day(database, 5)  # the next day extends the new base
    assert _same_as_store(note_frame(database, home.root), database)
    [delta] = _deltas(home)
    assert _meta(delta)["base"] == _meta(frame_path(home.root))["generation"]


def _fake_delta(database, home, meta, name):
    """A delta that would give n50 12345 likes if it were applied."""
    row = _read_notes(database).filter(pc.equal(pc.field("note_id"), "n50"))
    row = row.set_column(row.schema.get_field_index("liked_count"), "liked_count", pa.array([12345], pa.int64()))
    row = row.append_column("deleted", pa.array([False]))
    pq.write_table(row.replace_schema_metadata({b"redline.note_frame": json.dumps(meta).encode()}), frame_dir(home.root) / name)


def _damage_pages(path):
    """Overwrite the data pages, keeping the footer: the schema reads, the rows do not."""
    data = bytearray(path.read_bytes())
    end = len(data) - int.from_bytes(data[-8:-4], "little") - 8
    data[4:end] = b"\xff" * (end - 4)
    path.write_bytes(bytes(data))


def test_a_delta_that_does_not_connect_or_cannot_be_read_is_ignored(database, home):
    _add_notes(database, [f"n{i}" for i in range(100)])
    note_frame(database, home.root)
    _day(database, 2)
    note_frame(database, home.root)
    [delta] = _deltas(home)
    meta = _meta(delta)
    _day(database, 3)  # logged, not applied yet: the fakes below end inside the log
    end = meta["applied"] + 1
    _fake_delta(database, home, {**meta, "after": meta["applied"] + 1, "applied": end + 1}, "delta-gap.parquet")
    # One extending another base, as one left by a crash between a new base and the removal
    # of the old deltas (or by a database restored to an earlier change number) would.
    _fake_delta(database, home, {**meta, "after": meta["applied"], "applied": end, "base": "0" * 32}, "delta-other-base.parquet")
    _fake_delta(database, home, {**meta, "after": meta["applied"], "applied": end, "store_id": "another"}, "delta-other-store.parquet")
    (frame_dir(home.root) / f"delta-{meta['applied']}-{end}.parquet").write_bytes(b"PAR1 half a file")
    frame = note_frame(database, home.root)
    assert _rows(frame)["n50"]["liked_count"] == 3 and _same_as_store(frame, database)
    assert note_frame(database, home.root).equals(frame)


def test_a_damaged_delta_is_replaced_from_the_log_or_the_store(database, home, monkeypatch):
    import redline.store.note_frame as module

    _add_notes(database, [f"n{i}" for i in range(100)])
    note_frame(database, home.root)
    stamp = frame_path(home.root).stat().st_mtime_ns

    # A crash after each delta was written but before the log was pruned, then the first delta
    # damaged (its footer intact): the chain stops before it, not skipping to the second, and
    # the frame is patched again from the base and the log, the base left as it is.
    with monkeypatch.context() as patch:
        patch.setattr(module, "_prune", lambda database, upto: None)
        for day in (2, 3):
            _day(database, day)
            note_frame(database, home.root)
    first, _ = _deltas(home)
    _damage_pages(first)
    frame = note_frame(database, home.root)
    assert _rows(frame)["n12"]["has_check"] is True and _same_as_store(frame, database)
    assert frame_path(home.root).stat().st_mtime_ns == stamp and _log_size(database) == 1

    # Damaged once the log no longer holds its changes: rebuilt from the store.
    for path in _deltas(home):
        path.write_bytes(b"PAR1 half a file")
    _day(database, 4)
    assert _same_as_store(note_frame(database, home.root), database)
    assert frame_path(home.root).stat().st_mtime_ns != stamp and _deltas(home) == []


def test_the_log_is_pruned_only_once_the_delta_is_on_disk(database, home, monkeypatch):
    import redline.store.note_frame as module

    _add_notes(database, [f"n{i}" for i in range(100)])
    note_frame(database, home.root)
    _day(database, 2)
    logged = _log_size(database)
    jobs = []
    frame = note_frame(database, home.root, defer=jobs.append)
    assert _deltas(home) == [] and _log_size(database) == logged  # not saved yet

    def disk_full(*args, **kwargs):
        raise OSError("disk full")

    with monkeypatch.context() as patch:
        patch.setattr(module, "write_parquet_atomically", disk_full)
        with pytest.raises(OSError):
            jobs[0]()
    assert _deltas(home) == [] and _log_size(database) == logged
    assert [path.name for path in frame_dir(home.root).iterdir()] == ["base.parquet"]

    prune = module._prune

    def prune_after_the_delta(database, upto):
        assert [_meta(path)["applied"] for path in _deltas(home)] == [upto]
        prune(database, upto)

    monkeypatch.setattr(module, "_prune", prune_after_the_delta)
    jobs[0]()
    assert len(_deltas(home)) == 1 and _log_size(database) == 1
    assert note_frame(database, home.root).equals(frame)


def test_removing_the_base_removes_the_whole_frame(database, home):
    """As the bench does to time a first run: `frame_path(root).unlink()`. Files an earlier
    version or a crash left are cleared by the next base."""
    _add_notes(database, [f"n{i}" for i in range(100)])
    note_frame(database, home.root)
    for day in (2, 3):
        _day(database, day)
        note_frame(database, home.root)
    legacy = home.root / "frames" / "notes.parquet"
    legacy.write_bytes(b"PAR1 the single file of an earlier version")
    old, fresh = frame_dir(home.root) / ".tmp-old.parquet", frame_dir(home.root) / ".tmp-fresh.parquet"
    old.write_bytes(b"PAR1")
    fresh.write_bytes(b"PAR1")
    os.utime(old, (0, 0))
    frame_path(home.root).unlink(missing_ok=True)
    assert _same_as_store(note_frame(database, home.root), database)
    assert _deltas(home) == [] and not legacy.exists() and not old.exists() and fresh.exists()
    shutil.rmtree(frame_dir(home.root))  # or the whole directory
    assert _same_as_store(note_frame(database, home.root), database)
