"""Event ingestion: validation with reasons, idempotence by event id, atomic day partitions."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from redline.errors import InputError
from redline.ingest.events import ingest_event_file
from redline.store.lake import EventLake

GOOD = [
    {"id": "e1", "type": "impression", "ts": "2026-11-20T09:00:00+08:00", "user_id": "u1", "note_id": "n1"},
    {"id": "e2", "type": "read", "ts": "2026-11-20T09:00:05+08:00", "user_id": "u1", "note_id": "n1"},
    {"id": "e3", "type": "watch", "ts": "2026-11-20T09:00:06+08:00", "user_id": "u1", "note_id": "n1", "seconds": 18, "duration": 20},
    {"id": "e4", "type": "report", "ts": "2026-11-20T23:59:59+08:00", "user_id": "u2", "note_id": "n1", "reason": "导流"},
    {"id": "e5", "type": "follow", "ts": 1795100000, "user_id": "u3", "account_id": "a1"},
    {"id": "e6", "type": "order", "ts": "2026-11-21T00:00:00+08:00", "user_id": "u4", "note_id": "n1", "amount": 99.0},
    {"id": "e7", "type": "login", "ts": "2026-11-20 10:00:00", "user_id": "u1"},
]


def _write(path: Path, records, extra_lines=()) -> Path:
    with open(path, "w", encoding="utf-8") as handle:
        for record in records:
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
        for line in extra_lines:
            handle.write(line + "\n")
    return path


@pytest.fixture
def lake(tmp_path) -> EventLake:
    return EventLake(tmp_path / "lake" / "events")


def test_events_are_partitioned_by_local_day(tmp_path, lake, policy):
    report = ingest_event_file(_write(tmp_path / "e.jsonl", GOOD), lake, policy)
    assert (report.read, report.written, report.rejected) == (7, 7, 0)
    days = [d.isoformat() for d in lake.days()]
    # e4 is 23:59:59 in Shanghai on the 20th (15:59:59 UTC); e6 is midnight of the 21st there.
    assert "2026-11-20" in days and "2026-11-21" in days
    on_21st = pq.read_table(lake.files(*[d for d in lake.days() if d.isoformat() == "2026-11-21"] * 2)).column("event_id").to_pylist()
    assert "e6" in on_21st and "e4" not in on_21st


def test_sending_the_same_batch_twice_counts_once(tmp_path, lake, policy):
    path = _write(tmp_path / "e.jsonl", GOOD)
    ingest_event_file(path, lake, policy)
    again = ingest_event_file(path, lake, policy)
    assert again.written == 0 and again.duplicates == 7
    assert lake.count() == 7


def test_duplicates_within_one_file_keep_the_first(tmp_path, lake, policy):
    records = GOOD[:2] + [dict(GOOD[1], user_id="someone-else")]
    report = ingest_event_file(_write(tmp_path / "e.jsonl", records), lake, policy)
    assert report.written == 2 and report.duplicates == 1
    table = pq.read_table(lake.files())
    assert sorted(table.column("event_id").to_pylist()) == ["e1", "e2"]
    assert set(table.column("user_id").to_pylist()) == {"u1"}


@pytest.mark.parametrize(
    "record, reason",
    [
        ({"type": "like", "ts": "2026-11-20T10:00:00", "user_id": "u", "note_id": "n"}, "缺少字段 event_id"),
        ({"id": "x", "type": "teleport", "ts": "2026-11-20T10:00:00", "user_id": "u"}, "未知事件类型"),
        ({"id": "x", "type": "like", "ts": "yesterday", "user_id": "u", "note_id": "n"}, "不是有效时间"),
        ({"id": "x", "type": "like", "ts": "2026-11-20T10:00:00", "user_id": "u"}, "缺少字段 note_id"),
        ({"id": "x", "type": "dwell", "ts": "2026-11-20T10:00:00", "user_id": "u", "note_id": "n", "seconds": -4}, "不能为负数"),
        ({"id": "x", "type": "watch", "ts": "2026-11-20T10:00:00", "user_id": "u", "note_id": "n", "seconds": 5}, "缺少字段 duration"),
        ({"id": "x", "type": "order", "ts": "2026-11-20T10:00:00", "user_id": "u", "note_id": "n", "amount": "lots"}, "不是数字"),
        ({"id": "x", "type": "report", "ts": "2026-11-20T10:00:00", "user_id": "u", "note_id": "n"}, "缺少字段 reason"),
        ({"id": "x", "type": "follow", "ts": "2026-11-20T10:00:00", "user_id": "u"}, "缺少字段 account_id"),
        ({"id": "x" * 500, "type": "like", "ts": "2026-11-20T10:00:00", "user_id": "u", "note_id": "n"}, "过长"),
        ({"id": "x", "type": "dwell", "ts": "2026-11-20T10:00:00", "user_id": "u", "note_id": "n", "seconds": 9e9}, "超出合理范围"),
    ],
)
def test_bad_events_are_rejected_with_a_reason(tmp_path, lake, policy, record, reason):
    report = ingest_event_file(_write(tmp_path / "e.jsonl", [GOOD[0], record]), lake, policy)
    assert report.written == 1 and report.rejected == 1
    line, why = report.rejects[0]
    assert line == 2 and reason in why


def test_broken_lines_and_encodings_are_rejected_and_the_rest_kept(tmp_path, lake, policy):
    path = _write(tmp_path / "e.jsonl", GOOD[:2], extra_lines=["{not json", "[1, 2]"])
    with open(path, "ab") as handle:
        handle.write(b"\xff\xfe\xfa broken\n")
    report = ingest_event_file(path, lake, policy)
    assert report.written == 2 and report.rejected == 3
    assert [line for line, _ in report.rejects] == [3, 4, 5]


def test_strict_mode_writes_nothing_when_anything_is_bad(tmp_path, lake, policy):
    path = _write(tmp_path / "e.jsonl", GOOD, extra_lines=["{not json"])
    with pytest.raises(InputError, match="严格模式"):
        ingest_event_file(path, lake, policy, strict=True)
    assert lake.count() == 0


def test_csv_events(tmp_path, lake, policy):
    path = tmp_path / "e.csv"
    path.write_text(
        "id,type,ts,user_id,note_id,seconds,duration\n"
        "c1,dwell,2026-11-20T10:00:00+08:00,u1,n1,30,\n"
        "c2,watch,2026-11-20T10:01:00+08:00,u1,n1,12.5,20\n"
        "c3,watch,2026-11-20T10:02:00+08:00,u1,n1,abc,20\n",
        encoding="utf-8",
    )
    report = ingest_event_file(path, lake, policy)
    assert report.written == 2 and report.rejected == 1
    assert pq.read_table(lake.files()).column("seconds").to_pylist() == [30.0, 12.5]


def test_unknown_format_and_missing_file_are_clear_errors(tmp_path, lake, policy):
    with pytest.raises(InputError, match="找不到文件"):
        ingest_event_file(tmp_path / "missing.jsonl", lake, policy)
    bad = tmp_path / "e.xlsx"
    bad.write_bytes(b"PK")
    with pytest.raises(InputError, match="不支持"):
        ingest_event_file(bad, lake, policy)


def test_a_crash_while_writing_leaves_accepted_events_intact(tmp_path, lake, policy, monkeypatch):
    ingest_event_file(_write(tmp_path / "a.jsonl", GOOD[:3]), lake, policy)
    before = sorted(p.name for p in lake.root.rglob("*.parquet"))

    def crash(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr("redline.store.lake.pq.write_table", crash)
    with pytest.raises(OSError):
        ingest_event_file(_write(tmp_path / "b.jsonl", GOOD[3:]), lake, policy)
    monkeypatch.undo()
    # No partial or temporary file is left; what was accepted before is all there.
    assert sorted(p.name for p in lake.root.rglob("*.parquet")) == before
    assert not list(lake.root.rglob(".tmp-*"))
    assert lake.count() == 3
    # And the failed batch can simply be sent again.
    report = ingest_event_file(tmp_path / "b.jsonl", lake, policy)
    assert report.written == 4 and lake.count() == 7
