"""The daily job end to end on SQLite AND PostgreSQL: entities in, events in the lake, per-day
results stored with history, explanations read back."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from redline.demo import generate_community, write_community
from redline.errors import InputError, NotFoundError
from redline.ingest.entities import load_accounts_file, load_comments_file, load_notes_file
from redline.ingest.events import ingest_event_file
from redline.pipeline.explain import account_explanation, note_explanation
from redline.pipeline.recompute import recompute
from redline.store.entities import Account, Note
from redline.store.health import account_history
from redline.store.health_tables import AccountHealthDay, HealthRun, NoteCheck
from redline.store.lake import EventLake

LAST = date(2026, 11, 20)


@pytest.fixture
def community(tmp_path):
    community = generate_community(accounts=5, days=3, seed=3, last_day=LAST)
    return community, write_community(community, tmp_path / "raw")


def _load(database, home, policy, paths):
    load_accounts_file(database, paths["accounts"], policy)
    load_notes_file(database, paths["notes"], policy)
    load_comments_file(database, paths["comments"], policy)
    ingest_event_file(paths["events"], EventLake.in_home(home.lake_dir), policy)


def test_recompute_stores_each_day_and_keeps_history(database, home, policy, community):
    community, paths = community
    _load(database, home, policy, paths)
    first = recompute(database, home, LAST - timedelta(days=1), policy)
    second = recompute(database, home, LAST, policy)
    assert first.accounts == second.accounts == 5
    assert second.notes == len(community.notes)
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(NoteCheck)) == len(community.notes)
        rows = list(session.scalars(select(AccountHealthDay)))
    assert {row.day for row in rows} == {LAST - timedelta(days=1), LAST}
    for row in rows:
        assert row.policy_version == policy.version
        assert 0.0 <= row.health_index <= 100.0
        assert 0.0 < row.coverage <= 1.0
    history = account_history(database, "acct0001")
    assert [h.day for h in history] == [LAST - timedelta(days=1), LAST]

    # Recomputing a day replaces that day's results (same numbers on the same data).
    again = recompute(database, home, LAST, policy)
    assert again.accounts == 5
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(AccountHealthDay)) == 10
        assert session.scalar(select(func.count()).select_from(HealthRun)) == 3
    assert [h.health_index for h in account_history(database, "acct0001")][-1] == pytest.approx(history[-1].health_index)


def test_note_results_written_in_blocks_read_back_as_text(database, home, policy, community, monkeypatch):
    """The few-valued texts of the note results are stored as dictionaries shared by every
    block of a run (an IPC file holds one dictionary per column): read back, they are the
    notes' own strings."""
    import pyarrow as pa

    from redline.pipeline import scoring
    from redline.store.health import note_results_file, read_note_results

    monkeypatch.setattr(scoring, "NOTE_BLOCK", 3)  # several blocks even for a few notes
    community, paths = community
    _load(database, home, policy, paths)
    result = recompute(database, home, LAST, policy)
    assert result.notes > 3 * 2
    table = read_note_results(note_results_file(home.root, LAST))
    for name in ("category", "dwell_baseline_source", "policy_version", "engine"):
        assert pa.types.is_dictionary(table.schema.field(name).type)
    rows = table.to_pylist()
    assert {row["policy_version"] for row in rows} == {policy.version}
    assert {row["engine"] for row in rows} == {"duckdb"}
    assert {row["dwell_baseline_source"] for row in rows} <= {"data", "policy"}
    categories = {note["id"]: note.get("category") or None for note in community.notes}
    assert {row["note_id"]: row["category"] for row in rows} == {row["note_id"]: categories[row["note_id"]] for row in rows}
    # Counts are stored 64-bit whatever the width the window's sums were added up in.
    for name in ("impressions", "reads", "likes", "engagement", "valid_reports"):
        assert table.schema.field(name).type == pa.int64(), name


def test_explanations_read_back_from_storage(database, home, policy, community):
    community, paths = community
    _load(database, home, policy, paths)
    recompute(database, home, LAST, policy)
    note_id = community.notes[0]["id"]
    note = note_explanation(database, home, note_id, policy)
    assert note["id"] == note_id and note["day"] == LAST.isoformat()
    assert {i["code"] for i in note["indicators"]} == {"Q1", "Q2", "Q3", "Q4", "C1", "C2", "C3", "C4", "F1", "F2", "F3", "F4"}
    assert any("原创度" in u for u in note["unknown"])  # no corpus index in this home
    json.dumps(note, ensure_ascii=False)
    account = account_explanation(database, home, "acct0002", policy)
    assert account["index"] is not None and account["history"][-1]["index"] == account["index"]
    with pytest.raises(NotFoundError, match="找不到笔记"):
        note_explanation(database, home, "nope", policy)
    with pytest.raises(NotFoundError, match="还没有健康度结果"):
        account_explanation(database, home, "acct0002", policy, LAST - timedelta(days=5))


def test_account_details_come_from_their_file_or_from_days_stored_before_it(database, home, policy, community):
    import pyarrow as pa
    import pyarrow.parquet as pq
    from sqlalchemy import update

    from redline.store.health import account_results_dir

    community, paths = community
    _load(database, home, policy, paths)
    recompute(database, home, LAST, policy)
    fresh = account_explanation(database, home, "acct0002", policy)
    assert any(i["score"] is not None for i in fresh["indicators"])
    with database.session() as session:
        assert session.scalar(select(AccountHealthDay.details).where(AccountHealthDay.account_id == "acct0002")) is None

    # A day whose details were written as Parquet (before they moved to Arrow IPC) reads the same.
    directory = account_results_dir(home.root) / f"day={LAST.isoformat()}"
    pq.write_table(pa.ipc.open_file(directory / "accounts.arrow").read_all(), directory / "accounts.parquet")
    (directory / "accounts.arrow").unlink()
    assert account_explanation(database, home, "acct0002", policy) == fresh

    # A day computed before migration health_0003: no Parquet file, the details in the row.
    legacy = {
        "metrics": {}, "indicators": {"F3": 12.5}, "from_notes": {}, "from_account": {}, "components": {},
        "deduction_entries": [], "notes_weight": None,
    }
    (directory / "accounts.parquet").unlink()
    with database.session() as session:
        session.execute(update(AccountHealthDay).where(AccountHealthDay.account_id == "acct0002").values(details=legacy))
    old = account_explanation(database, home, "acct0002", policy)
    assert {i["code"]: i["score"] for i in old["indicators"]}["F3"] == 12.5


def test_a_bad_entity_file_changes_nothing(database, home, policy, community, tmp_path):
    _, paths = community
    load_accounts_file(database, paths["accounts"], policy)
    lines = paths["notes"].read_text(encoding="utf-8").splitlines()
    broken = tmp_path / "notes.jsonl"
    bad = json.loads(lines[1])
    bad["published_at"] = "not a time"
    broken.write_text("\n".join([lines[0], json.dumps(bad, ensure_ascii=False), *lines[2:], '{"id": "x"'] ) + "\n", encoding="utf-8")
    with pytest.raises(InputError, match="第 2 行"):
        load_notes_file(database, broken, policy)
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(Note)) == 0
    # Notes that name an unknown account are refused whole too.
    orphan = tmp_path / "orphan.jsonl"
    orphan.write_text(json.dumps({"id": "n", "account_id": "ghost", "published_at": "2026-11-20T10:00:00"}) + "\n", encoding="utf-8")
    with pytest.raises(InputError, match="未知账号"):
        load_notes_file(database, orphan, policy)
    # Loading the same good file twice changes nothing the second time.
    assert load_notes_file(database, paths["notes"], policy).inserted > 0
    again = load_notes_file(database, paths["notes"], policy)
    assert again.inserted == 0 and again.updated == 0
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(Account)) == 5


def test_note_results_of_days_stored_as_parquet_are_still_read(tmp_path):
    """Note results moved from Parquet to Arrow IPC files: a data home keeps its older days,
    and recomputing such a day replaces its Parquet copy."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from redline.store.health import note_result_days, note_results_dir, read_note_history, write_note_results

    def results(index: float) -> pa.Table:
        return pa.table({"note_id": ["n1", "n2"], "account_id": ["a1", "a1"], "index": [index, 50.0]})

    old_day, new_day = LAST - timedelta(days=1), LAST
    legacy = note_results_dir(tmp_path) / f"day={old_day.isoformat()}" / "notes.parquet"
    legacy.parent.mkdir(parents=True)
    pq.write_table(results(61.5), legacy)
    write_note_results(tmp_path, new_day, results(70.0))
    assert note_result_days(tmp_path) == [old_day, new_day]
    assert [(row["day"], row["index"]) for row in read_note_history(tmp_path, "n1")] == [(old_day, 61.5), (new_day, 70.0)]
    write_note_results(tmp_path, old_day, results(62.0))
    assert not legacy.exists()
    assert [row["index"] for row in read_note_history(tmp_path, "n1", until=old_day)] == [62.0]


def test_headline_rows_are_stored_as_given_whatever_the_run_wrote_in_them(database):
    """The values a run shares (day, policy version, engine, time) go into the statement once on
    SQLite: a quote in them, or rows that do not share them, are stored as given."""
    from datetime import datetime, timezone

    import pyarrow as pa

    from redline.store.health import save_account_days

    at = datetime(2026, 11, 21, 3, 4, 5, 678000, tzinfo=timezone.utc)

    def results(versions: list[str]) -> pa.Table:
        n = len(versions)
        return pa.table({
            "account_id": [f"x{i}" for i in range(n)], "day": pa.array([LAST] * n, pa.date32()),
            "health_index": [50.5] * n, "index_before_deductions": [None] * n, "deductions": [0.0] * n,
            "quality": [1.0] * n, "compliance": [2.0] * n, "feedback": [3.0] * n, "coverage": [0.5] * n,
            "notes": pa.array([i for i in range(n)], pa.int64()), "policy_version": versions, "engine": ["duck'db"] * n,
            "computed_at": pa.array([at] * n, pa.timestamp("us", tz="UTC")),
        })

    save_account_days(database, LAST, results(["it's 2026.11+a"] * 3))
    with database.session() as session:
        rows = sorted(session.scalars(select(AccountHealthDay).where(AccountHealthDay.day == LAST)), key=lambda r: r.account_id)
        assert [(r.account_id, r.policy_version, r.engine, r.notes, r.index_before_deductions) for r in rows] == [
            ("x0", "it's 2026.11+a", "duck'db", 0, None), ("x1", "it's 2026.11+a", "duck'db", 1, None), ("x2", "it's 2026.11+a", "duck'db", 2, None)]
        assert rows[0].computed_at.replace(tzinfo=None) == at.replace(tzinfo=None)
    save_account_days(database, LAST, results(["v1", "v2"]))  # replaces the day; versions differ
    with database.session() as session:
        assert sorted(session.scalars(select(AccountHealthDay.policy_version).where(AccountHealthDay.day == LAST))) == ["v1", "v2"]


def test_headline_rows_written_several_to_a_statement_keep_each_rows_values(database, monkeypatch):
    """On SQLite the rows go several to a statement; a last statement with fewer rows, and every
    value in its own row and column, whatever the statement it went in."""
    from datetime import datetime, timezone

    import pyarrow as pa

    import redline.store.health as health

    monkeypatch.setattr(health, "HEADLINE_ROWS_PER_STATEMENT", 2)
    n = 5
    health.save_account_days(database, LAST, pa.table({
        "account_id": [f"y{i}" for i in range(n)], "day": pa.array([LAST] * n, pa.date32()),
        "health_index": [10.0 * i for i in range(n)], "index_before_deductions": [None, 1.5, None, 3.5, 4.5], "deductions": [0.5 * i for i in range(n)],
        "quality": [1.0 + i for i in range(n)], "compliance": [2.0 + i for i in range(n)], "feedback": [3.0 + i for i in range(n)],
        "coverage": [0.1 * i for i in range(n)], "notes": pa.array(range(n), pa.int64()), "policy_version": ["v"] * n, "engine": ["duckdb"] * n,
        "computed_at": pa.array([datetime(2026, 11, 21, tzinfo=timezone.utc)] * n, pa.timestamp("us", tz="UTC")),
    }))
    with database.session() as session:
        rows = sorted(session.scalars(select(AccountHealthDay).where(AccountHealthDay.day == LAST)), key=lambda r: r.account_id)
    assert [(r.account_id, r.health_index, r.index_before_deductions, r.deductions, r.quality, r.compliance, r.feedback, r.coverage, r.notes) for r in rows] == [
        (f"y{i}", 10.0 * i, [None, 1.5, None, 3.5, 4.5][i], 0.5 * i, 1.0 + i, 2.0 + i, 3.0 + i, 0.1 * i, i) for i in range(n)]


def test_note_results_replace_a_day_only_when_all_of_them_are_written(home):
    import pyarrow as pa

    from redline.store.health import note_results_file, note_results_writer, read_note_results, write_note_results

    write_note_results(home.root, LAST, pa.table({"note_id": ["n1"], "index": [70.0]}))
    with pytest.raises(RuntimeError), note_results_writer(home.root, LAST) as write:
        write(pa.table({"note_id": ["n2"], "index": [10.0]}))
        raise RuntimeError("the run failed half way")
    path = note_results_file(home.root, LAST)
    assert read_note_results(path).to_pylist() == [{"note_id": "n1", "index": 70.0}]
    assert [p.name for p in path.parent.iterdir()] == ["notes.arrow"]  # no temporary file left
    with note_results_writer(home.root, LAST) as write:
        for note_id in ("n2", "n3"):
            write(pa.table({"note_id": [note_id], "index": [None]}, schema=pa.schema([("note_id", pa.string()), ("index", pa.float64())])))
    assert read_note_results(path).to_pylist() == [{"note_id": "n2", "index": None}, {"note_id": "n3", "index": None}]
