"""The note frame (columnar copy of notes beside the lake) on SQLite AND PostgreSQL: it always
equals what the store holds, whoever wrote there, and re-reads only what changed."""

from __future__ import annotations

from datetime import datetime, timezone

import pyarrow.parquet as pq
import pytest
from sqlalchemy import text

from redline.store.database import Database
from redline.store.entities import Account, Note
from redline.store.health_tables import NoteCheck
from redline.store.note_frame import _read_notes, frame_path, note_frame

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


def _applied(home):
    import json

    return json.loads(pq.read_schema(frame_path(home.root)).metadata[b"redline.note_frame"])["applied"]


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
