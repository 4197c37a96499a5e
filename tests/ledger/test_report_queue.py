"""Report events in the event lake enter the review queue (SQLite and PostgreSQL)."""

from __future__ import annotations

import json

from redline.store.lake import EventLake
from redline.store.report_queue import enqueue_reports_from_lake

from .store_helpers import seed


def write_events(path, events) -> None:
    path.write_text("\n".join(json.dumps(e, ensure_ascii=False) for e in events), encoding="utf-8")


def report(i: int, note: str, user: str, reason: str, hour: int) -> dict:
    return {"event_id": f"r{i}", "type": "report", "ts": f"2026-03-01T{hour:02d}:00:00+00:00", "user_id": user, "note_id": note, "reason": reason}


def test_valid_reports_in_the_lake_queue_the_note_once(database, policy, tmp_path):
    from redline.ingest.events import ingest_event_file

    seed(database, accounts=("a1",), notes=(("n1", "a1"), ("n2", "a1")))
    valid = policy.signals.valid_report_reasons[0]
    n = policy.signals.reports_for_review
    events = [report(i, "n1", f"u{i}", valid, i) for i in range(n)]
    events += [report(100 + i, "n2", f"v{i}", "看不顺眼", i) for i in range(n)]  # not a valid reason
    events += [report(200 + i, "n2", "same-user", valid, i) for i in range(n)]  # one reporter
    events += [report(300, "ghost", "w", valid, 1)]  # a note the store does not know
    path = tmp_path / "events.jsonl"
    write_events(path, events)
    lake = EventLake(tmp_path / "lake")
    ingest_event_file(path, lake, policy)
    scan = enqueue_reports_from_lake(database, policy, lake)
    assert [item.note_id for item in scan.queued] == ["n1"]
    assert scan.reports == 2 * n + 1
    again = enqueue_reports_from_lake(database, policy, lake)
    assert again.queued == ()
