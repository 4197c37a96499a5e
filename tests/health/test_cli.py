"""The health-index commands end to end on a SQLite data home: demo-data → ingest → recompute →
accounts / explain; the demo in one go; MediaCrawler import."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from support.cli import run_cli

FIXTURES = Path(__file__).parent.parent / "ingest" / "fixtures"


@pytest.fixture
def cli(home, monkeypatch, capsys):
    def invoke(*args: str) -> tuple[int, str, str]:
        return run_cli(monkeypatch, capsys, *args)

    return invoke


def test_demo_data_ingest_recompute_explain(cli, tmp_path):
    out = tmp_path / "raw"
    code, text, _ = cli("demo-data", "--accounts", "6", "--days", "3", "--out", str(out), "--until", "2026-11-20", "--seed", "5")
    assert code == 0, text
    for name in ("accounts", "notes", "comments", "events"):
        assert (out / f"{name}.jsonl").exists()
    for kind in ("accounts", "notes", "comments"):
        code, text, err = cli("ingest", kind, str(out / f"{kind}.jsonl"))
        assert code == 0, err
    code, text, _ = cli("ingest", "events", str(out / "events.jsonl"), "--format", "json")
    report = json.loads(text)
    assert report["written"] > 1000 and report["rejected"] == 0
    code, text, _ = cli("ingest", "events", str(out / "events.jsonl"), "--format", "json")
    assert json.loads(text)["written"] == 0  # idempotent

    code, text, err = cli("recompute", "--date", "2026-11-20", "--format", "json")
    assert code == 0, err
    result = json.loads(text)
    assert result["accounts"] == 6 and result["engine"] == "duckdb"

    code, text, _ = cli("accounts", "--format", "json")
    rows = json.loads(text)
    assert len(rows) == 6 and all(row["day"] == "2026-11-20" and 0 <= row["index"] <= 100 for row in rows)

    code, text, _ = cli("explain", "account", rows[0]["account_id"], "--format", "json")
    explanation = json.loads(text)
    assert explanation["kind"] == "account" and len(explanation["indicators"]) == 12
    code, text, _ = cli("explain", "account", rows[0]["account_id"])
    assert code == 0 and "健康度" in text and "十二项指标" in text
    assert "…" not in text  # 80 columns: long Chinese reasons fold onto more lines, never cut short

    note_id = json.loads((out / "notes.jsonl").read_text(encoding="utf-8").splitlines()[0])["id"]
    code, text, _ = cli("explain", "note", note_id)
    assert code == 0 and "如何提升" in text or "健康度" in text


def test_clear_errors_for_bad_arguments(cli, tmp_path):
    code, _, err = cli("explain", "note", "does-not-exist")
    assert code == 2 and "找不到笔记" in err
    code, _, err = cli("recompute", "--date", "20-11-2026")
    assert code == 2 and "YYYY-MM-DD" in err
    code, _, err = cli("recompute", "--date", "2026-11-20", "--engine", "flink")
    assert code == 2 and "未知计算引擎" in err
    code, _, err = cli("ingest", "events", str(tmp_path / "missing.jsonl"))
    assert code == 2 and "找不到文件" in err
    code, _, err = cli("demo-data", "--accounts", "0", "--out", str(tmp_path / "x"))
    assert code == 2 and "--accounts" in err


def test_demo_runs_the_whole_pipeline(cli):
    code, text, err = cli("demo", "--accounts", "5", "--days", "3", "--history", "2", "--format", "json")
    assert code == 0, err
    result = json.loads(text)
    assert len(result["days"]) == 2 and len(result["accounts"]) == 5
    assert all(row["index"] is not None for row in result["accounts"])
    kinds = {row["kind"] for row in result["accounts"]}
    assert "healthy" in kinds


def test_mediacrawler_import_scores_on_what_is_known(cli):
    files = [FIXTURES / "search_contents_old.csv", FIXTURES / "search_comments_old.csv", FIXTURES / "creator_creators_old.csv"]
    if not all(path.exists() for path in files):
        pytest.skip("MediaCrawler fixtures are not present")
    code, text, err = cli("import", "mediacrawler", *map(str, files), "--format", "json")
    assert code == 0, err
    result = json.loads(text)
    kinds = [f["kind"] for f in result["files"]]
    assert kinds == ["creators", "notes", "comments"]  # creators first, whatever the order given
    notes = next(f for f in result["files"] if f["kind"] == "notes")
    assert notes["inserted"] == 3 and len(notes["skipped"]) == 2  # rows the reader refused, with lines
    code, text, _ = cli("accounts", "--format", "json")
    accounts = json.loads(text)
    assert accounts and all(row["coverage"] is not None and row["coverage"] < 1 for row in accounts)
    # Importing the same files again changes nothing.
    code, text, _ = cli("import", "mediacrawler", *map(str, files), "--no-recompute", "--format", "json")
    again = json.loads(text)
    assert all(f["inserted"] == 0 and f["updated"] == 0 for f in again["files"])
