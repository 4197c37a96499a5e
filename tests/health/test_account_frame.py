"""The account frame (columnar copy of accounts beside the lake, fans' interests parsed) on SQLite
AND PostgreSQL: it follows every write to `accounts` through its change log, and `load_accounts`
gives from it exactly what reading the store gave."""

from __future__ import annotations

import json

import duckdb
import pyarrow as pa
import pytest
from sqlalchemy import text

from redline.store import frames
from redline.store.account_frame import FRAME_SCHEMA, _read_accounts, account_frame, frame_dir, frame_path
from redline.store.arrow_rows import fetch_rows, rows_to_table
from redline.store.database import Database
from redline.store.entities import Account
from redline.store.health import ACCOUNT_TYPES, INTEREST_TYPES, load_accounts

IDS = [f"a{i:03d}" for i in range(100)]


def _add_accounts(database, ids, followers=10, interests=None):
    with database.session() as session:
        for account_id in ids:
            session.add(Account(id=account_id, nickname="", categories=[], credentials=[], followers=followers,
                                fan_interests={"美妆": 0.7, "母婴": 0.3} if interests is None else interests))


def _read_the_store(database):
    """What `load_accounts` returned before the frame: the store read and unnested at once."""
    rows = fetch_rows(database, "SELECT id, followers, CAST(fan_interests AS TEXT) FROM accounts ORDER BY id")
    raw = rows_to_table(rows, {**ACCOUNT_TYPES, "fan_interests": pa.string()})
    interests = duckdb.sql(
        """
        SELECT account_id, interest.key AS interest, TRY_CAST(interest.value AS DOUBLE) AS share
        FROM (SELECT account_id, CAST(fan_interests AS JSON) AS fans FROM raw
              WHERE json_valid(fan_interests) AND json_type(CAST(fan_interests AS JSON)) = 'OBJECT') AS a,
             json_each(a.fans) AS interest
        WHERE TRY_CAST(interest.value AS DOUBLE) IS NOT NULL
        ORDER BY account_id, interest.key
        """
    ).to_arrow_table()
    return raw.select(list(ACCOUNT_TYPES)), interests.cast(pa.schema(INTEREST_TYPES.items()))


def _as_read_from_the_store(database, home):
    accounts, interests = load_accounts(database, home.root)
    expected_accounts, expected_interests = _read_the_store(database)
    assert accounts.equals(expected_accounts), (accounts.to_pylist(), expected_accounts.to_pylist())
    assert interests.equals(expected_interests), (interests.to_pylist(), expected_interests.to_pylist())
    return accounts, interests


def _same_as_store(frame, database):
    assert frame.schema == FRAME_SCHEMA
    return frame.sort_by("account_id").equals(_read_accounts(database))


def _meta(path):
    with pa.memory_map(str(path)) as source:
        return json.loads(pa.ipc.open_file(source).schema.metadata[b"redline.account_frame"])


def _deltas(home):
    return sorted(frame_dir(home.root).glob("delta-*.arrow"), key=lambda path: _meta(path)["applied"])


def _log_size(database):
    with database.session() as session:
        return session.execute(text("SELECT COUNT(*) FROM account_changes")).scalar_one()


def test_inserts_updates_and_deletes_reach_the_frame(database, home):
    _add_accounts(database, ["a1", "a2", "a3"])
    _as_read_from_the_store(database, home)
    assert _log_size(database) == 1  # applied and pruned, the last kept as a marker

    _add_accounts(database, ["a4"], followers=None, interests={})
    with database.session() as session:
        session.execute(text("UPDATE accounts SET followers = 99 WHERE id = 'a1'"))
        session.execute(text("""UPDATE accounts SET fan_interests = '{"科普": 1}' WHERE id = 'a3'"""))
        session.execute(text("DELETE FROM accounts WHERE id = 'a2'"))
    accounts, interests = _as_read_from_the_store(database, home)
    assert accounts.to_pylist() == [
        {"account_id": "a1", "followers": 99}, {"account_id": "a3", "followers": 10}, {"account_id": "a4", "followers": None},
    ]
    assert interests.to_pylist()[-1] == {"account_id": "a3", "interest": "科普", "share": 1.0}
    assert _same_as_store(account_frame(database, home.root), database)


def test_interests_are_read_by_the_rules_they_always_were(database, home):
    """Entries whose value is not a number are skipped; a text that is not a JSON object is no
    interests. A fresh copy and a patched one both read as the store does."""
    _add_accounts(database, IDS)
    _as_read_from_the_store(database, home)
    stored = {
        "a095": '{"美妆": "0.25", "母婴": true, "美食": null, "科普": {"x": 1}, "穿搭": "很多", "家居": 2.5e-1, "b": 1, "a": 0}',
        "a096": "[0.5, 0.5]",
        "a097": '"美妆"',
        "a098": "{}",
        "a099": "null",
    }
    if database.dialect == "sqlite":
        stored["a094"] = "not json at all"  # PostgreSQL's JSON column refuses such a text
    with database.session() as session:
        for account_id, value in stored.items():
            session.execute(text("UPDATE accounts SET fan_interests = :value WHERE id = :id"), {"value": value, "id": account_id})
    _, interests = _as_read_from_the_store(database, home)  # patched
    assert [row for row in interests.to_pylist() if row["account_id"] in stored] == [
        {"account_id": "a095", "interest": "a", "share": 0.0},
        {"account_id": "a095", "interest": "b", "share": 1.0},
        {"account_id": "a095", "interest": "家居", "share": 0.25},
        {"account_id": "a095", "interest": "母婴", "share": 1.0},
        {"account_id": "a095", "interest": "美妆", "share": 0.25},
    ]
    assert len(_deltas(home)) == 1
    frame_path(home.root).unlink()
    _as_read_from_the_store(database, home)  # fresh


def test_a_deleted_account_leaves_through_a_delta_and_new_ones_come_in_order(database, home):
    _add_accounts(database, IDS)
    account_frame(database, home.root)
    stamp = frame_path(home.root).stat().st_mtime_ns
    with database.session() as session:
        session.execute(text("DELETE FROM accounts WHERE id = 'a099'"))
        session.execute(text("UPDATE accounts SET followers = 5 WHERE id = 'a098'"))
    _add_accounts(database, ["a", "a0505"])  # new ids sort among the old ones
    frame = account_frame(database, home.root)
    assert "a099" not in frame.column("account_id").to_pylist() and _same_as_store(frame, database)
    [delta] = _deltas(home)
    with pa.memory_map(str(delta)) as source:
        saved = pa.ipc.open_file(source).read_all()
    assert saved.filter(saved.column("deleted")).column("account_id").to_pylist() == ["a099"]
    assert frame_path(home.root).stat().st_mtime_ns == stamp
    again = account_frame(database, home.root)  # from the files alone
    assert again.equals(frame)
    accounts, _ = _as_read_from_the_store(database, home)
    assert accounts.column("account_id").to_pylist()[:2] == ["a", "a000"]


def test_a_copy_from_another_database_is_not_patched_with_this_ones_changes(database, home, tmp_path):
    _add_accounts(database, ["a1", "a2"])
    account_frame(database, home.root)
    other = Database.open(f"sqlite:///{tmp_path / 'other.sqlite3'}")
    _add_accounts(other, ["x1"])
    assert account_frame(other, home.root).column("account_id").to_pylist() == ["x1"]
    with other.session() as session:
        session.execute(text("UPDATE accounts SET followers = 1 WHERE id = 'x1'"))
    _add_accounts(database, ["a3"])
    assert account_frame(other, home.root).to_pylist()[0]["followers"] == 1
    other.dispose()
    assert account_frame(database, home.root).column("account_id").to_pylist() == ["a1", "a2", "a3"]

    frame_path(home.root).write_bytes(b"ARROW1\0\0half a file")
    _as_read_from_the_store(database, home)


def _damage_batches(path):
    data = bytearray(path.read_bytes())
    end = len(data) - int.from_bytes(data[-10:-6], "little") - 10
    data[8:end] = b"\xff" * (end - 8)
    path.write_bytes(bytes(data))


def test_a_crash_or_a_damaged_delta_loses_nothing(database, home, monkeypatch):
    _add_accounts(database, IDS)
    account_frame(database, home.root)
    stamp = frame_path(home.root).stat().st_mtime_ns

    # A save that fails (disk full) leaves the log as it was: the next call applies it again.
    def disk_full(*args, **kwargs):
        raise OSError("disk full")

    with database.session() as session:
        session.execute(text("UPDATE accounts SET followers = 1 WHERE id = 'a097'"))
    logged = _log_size(database)
    with monkeypatch.context() as patch:
        patch.setattr(frames, "write_atomically", disk_full)
        with pytest.raises(OSError):
            account_frame(database, home.root)
    assert _deltas(home) == [] and _log_size(database) == logged
    assert _same_as_store(account_frame(database, home.root), database)

    # Deltas written, the log not pruned (a crash), the first delta damaged: the chain stops
    # before it and the log patches the frame again, the base left as it is.
    with monkeypatch.context() as patch:
        patch.setattr(frames, "_prune", lambda database, kind, upto: None)
        for followers in (2, 3):
            with database.session() as session:
                session.execute(text("UPDATE accounts SET followers = :f WHERE id = 'a098'"), {"f": followers})
            account_frame(database, home.root)
    first = _deltas(home)[0]
    _damage_batches(first)
    _as_read_from_the_store(database, home)
    assert frame_path(home.root).stat().st_mtime_ns == stamp and _log_size(database) == 1

    # Damaged once the log no longer holds its changes: rebuilt from the store.
    for path in _deltas(home):
        path.write_bytes(b"ARROW1\0\0half a file")
    with database.session() as session:
        session.execute(text("UPDATE accounts SET followers = 4 WHERE id = 'a099'"))
    _as_read_from_the_store(database, home)
    assert frame_path(home.root).stat().st_mtime_ns != stamp and _deltas(home) == []


def test_a_deferred_save_prunes_the_log_only_once_on_disk(database, home):
    _add_accounts(database, IDS)
    account_frame(database, home.root)
    with database.session() as session:
        session.execute(text("UPDATE accounts SET followers = 1 WHERE id = 'a099'"))
    jobs = []
    accounts, _ = load_accounts(database, home.root, defer=jobs.append)
    assert accounts.to_pylist()[-1] == {"account_id": "a099", "followers": 1}
    assert _deltas(home) == [] and _log_size(database) == 2
    jobs[0]()
    assert len(_deltas(home)) == 1 and _log_size(database) == 1
