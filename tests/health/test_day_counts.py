"""Kept per-day note counts (pipeline/day_counts.py) always add up to the counts of the raw
events of the metrics window: whole days from the kept files, edge days from raw events, and a
late batch, a damaged file or a policy change makes a day be counted again."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from redline.events.schema import EVENT_SCHEMA
from redline.pipeline.day_counts import WindowSums, counts_dir, event_window_sums, lake_days, window_sums
from redline.policy import load_policy
from redline.signals.engines import DuckDBEngine
from redline.signals.expressions import Window
from redline.store.lake import EventLake
from redline.store.note_keys import NoteKeys

DAY = date(2026, 11, 20)


def _local(day: date, hour: int, policy) -> datetime:
    zone = ZoneInfo(policy.signals.timezone)
    return datetime.combine(day, time(hour), zone).astimezone(timezone.utc).replace(tzinfo=None)


def _events(rows: list[tuple[str, str, datetime, float | None, float | None, float | None]], prefix: str) -> pa.Table:
    """rows of (type, note, ts, seconds, duration, amount)."""
    return pa.Table.from_pylist(
        [
            {"event_id": f"{prefix}{i}", "event_type": kind, "ts": ts, "user_id": f"u{i % 3}", "note_id": note,
             "seconds": seconds, "duration": duration, "amount": amount}
            for i, (kind, note, ts, seconds, duration, amount) in enumerate(rows)
        ],
        schema=EVENT_SCHEMA,
    )


def _day_of_events(day: date, policy, prefix: str) -> pa.Table:
    at = lambda hour: _local(day, hour, policy)  # noqa: E731
    return _events(
        [
            ("impression", "n1", at(8), None, None, None), ("impression", "n1", at(9), None, None, None),
            ("read", "n1", at(9), None, None, None), ("like", "n2", at(10), None, None, None),
            ("watch", "n1", at(11), 29.0, 30.0, None), ("watch", "n2", at(12), 3.0, 30.0, None),
            ("dwell", "n2", at(13), 42.5, None, None), ("order", "n1", at(20), None, None, 99.9),
        ],
        prefix,
    )


def _write(lake: EventLake, table: pa.Table, day: date) -> None:
    lake.write(table, [day] * table.num_rows)


def _sorted(table: pa.Table) -> list[dict]:
    return table.sort_by("note_id").to_pylist()


def _assert_same_counts(got: pa.Table, expected: pa.Table) -> None:
    got_rows, expected_rows = _sorted(got), _sorted(expected)
    assert [r["note_id"] for r in got_rows] == [r["note_id"] for r in expected_rows]
    for a, b in zip(got_rows, expected_rows):
        assert a == pytest.approx(b)


def _by_note(sums: WindowSums, keys: NoteKeys) -> pa.Table:
    """The window's note sums as rows by note id (the notes with events)."""
    columns = sums.notes.columns
    size = len(columns["events"])
    table = pa.table({"note_id": keys.ids().slice(0, size), **columns})
    return table.filter(pc.greater(table.column("events"), 0))


def _keys(lake: EventLake) -> NoteKeys:
    return NoteKeys.open(lake.root.parent / "note_keys")


def _counts(engine, lake, window, policy) -> pa.Table:
    days = lake_days(lake, window.first_day_needed, window.day)
    with _keys(lake) as keys:
        return _by_note(window_sums(engine, lake, days, window, policy, keys), keys)


def _raw(engine, lake, window, policy) -> pa.Table:
    files = lake.files(window.first_day_needed, window.day)
    keys = NoteKeys()
    return _by_note(event_window_sums(engine, engine.events(files), window, policy, keys), keys)


@pytest.fixture
def lake(tmp_path, policy):
    lake = EventLake.in_home(tmp_path / "lake")
    for back in range(4):
        day = DAY - timedelta(days=back)
        _write(lake, _day_of_events(day, policy, f"d{back}-"), day)
    return lake


def test_kept_day_counts_add_up_to_the_raw_window(lake, policy):
    engine = DuckDBEngine()
    window = Window.for_day(DAY, policy)
    _assert_same_counts(_counts(engine, lake, window, policy), _raw(engine, lake, window, policy))
    kept = sorted(counts_dir(lake).glob("day=*/*.parquet"))
    assert len(kept) == 20  # notes, accounts, follows, logins and reports of each day
    # A day's note parts are kept without NULLs (a missing count is 0) and with 32-bit counts.
    notes = pq.read_table(next(path for path in kept if path.name == "notes.parquet"))
    assert sum(column.null_count for column in notes.columns) == 0
    assert notes.schema.field("impressions").type == pa.int32() and notes.schema.field("bursts").type == pa.int32()
    assert notes.schema.field("order_amount").type == pa.float64()
    written = {path: path.stat().st_mtime_ns for path in kept}
    # The next day's job counts only what changed: the kept days are read, not rewritten.
    _assert_same_counts(_counts(engine, lake, window, policy), _raw(engine, lake, window, policy))
    assert {path: path.stat().st_mtime_ns for path in kept} == written
    n1 = next(row for row in _sorted(_counts(engine, lake, window, policy)) if row["note_id"] == "n1")
    assert n1["impressions"] == 8 and n1["watches_completed"] == 4 and n1["order_amount"] == pytest.approx(4 * 99.9)


def test_a_late_batch_for_a_kept_day_is_counted(lake, policy):
    engine = DuckDBEngine()
    window = Window.for_day(DAY, policy)
    before = {row["note_id"]: row for row in _counts(engine, lake, window, policy).to_pylist()}
    past = DAY - timedelta(days=2)
    _write(lake, _events([("read", "n2", _local(past, 15, policy), None, None, None), ("like", "n3", _local(past, 16, policy), None, None, None)], "late-"), past)
    after = {row["note_id"]: row for row in _counts(engine, lake, window, policy).to_pylist()}
    assert after["n2"]["reads"] == before["n2"]["reads"] + 1
    assert after["n3"]["likes"] == 1
    _assert_same_counts(_counts(engine, lake, window, policy), _raw(engine, lake, window, policy))


def test_a_late_login_batch_recomputes_the_days_it_judges(lake, policy):
    """Who was inactive on a day follows the logins of the inactivity window before it: logins
    arriving late for a past day make that day and the later ones be computed again, not the
    earlier ones."""
    engine = DuckDBEngine()
    window = Window.for_day(DAY, policy)
    _counts(engine, lake, window, policy)
    written = {path.parent.name: path.stat().st_mtime_ns for path in counts_dir(lake).glob("day=*/notes.parquet")}
    past = DAY - timedelta(days=2)
    login = pa.Table.from_pylist([{"event_id": "late-login", "event_type": "login", "ts": _local(past, 7, policy), "user_id": "u0"}], schema=EVENT_SCHEMA)
    _write(lake, login, past)
    _counts(engine, lake, window, policy)
    again = {path.parent.name: path.stat().st_mtime_ns for path in counts_dir(lake).glob("day=*/notes.parquet")}
    changed = sorted(name for name in written if again[name] != written[name])
    assert changed == [f"day={(DAY - timedelta(days=back)).isoformat()}" for back in (2, 1, 0)]
    _assert_same_counts(_counts(engine, lake, window, policy), _raw(engine, lake, window, policy))


def test_a_damaged_counts_file_is_counted_again(lake, policy):
    engine = DuckDBEngine()
    window = Window.for_day(DAY, policy)
    expected = _counts(engine, lake, window, policy)
    damaged = counts_dir(lake) / f"day={(DAY - timedelta(days=1)).isoformat()}" / "notes.parquet"
    damaged.write_bytes(b"not parquet")
    _assert_same_counts(_counts(engine, lake, window, policy), expected)
    assert damaged.read_bytes()[:4] == b"PAR1"


def test_a_policy_change_counts_the_days_again(lake, policy, tmp_path):
    engine = DuckDBEngine()
    window = Window.for_day(DAY, policy)
    strict = {row["note_id"]: row for row in _counts(engine, lake, window, policy).to_pylist()}
    path = tmp_path / "policy.toml"
    path.write_text("[signals]\ncompletion_min_fraction = 0.05\n", encoding="utf-8")
    lenient_policy = load_policy(path)
    lenient = {row["note_id"]: row for row in _counts(engine, lake, window, lenient_policy).to_pylist()}
    assert strict["n2"]["watches_completed"] == 0 and lenient["n2"]["watches_completed"] == 4
    _assert_same_counts(_counts(engine, lake, window, lenient_policy), _raw(engine, lake, window, lenient_policy))


def test_a_day_straddling_the_window_edge_is_counted_from_its_events(tmp_path, policy):
    """A day's files holding events from before the window (say, written under another zone)
    are not used whole: only the events inside the window count."""
    engine = DuckDBEngine()
    path = tmp_path / "policy.toml"
    path.write_text("[signals]\nmetrics_window_days = 2\n", encoding="utf-8")
    short = load_policy(path)
    window = Window.for_day(DAY, short)
    lake = EventLake.in_home(tmp_path / "lake")
    first_day = DAY - timedelta(days=1)
    early = _events([("read", "n1", _local(first_day - timedelta(days=1), 20, short), None, None, None)], "early-")
    _write(lake, pa.concat_tables([early, _day_of_events(first_day, short, "a-")]), first_day)
    _write(lake, _day_of_events(DAY, short, "b-"), DAY)
    got = {row["note_id"]: row for row in _counts(engine, lake, window, short).to_pylist()}
    assert got["n1"]["reads"] == 2  # one per day inside the window; the early read is outside
    assert [p.parent.name for p in counts_dir(lake).glob("day=*/notes.parquet")] == [f"day={DAY.isoformat()}"]
    _assert_same_counts(_counts(engine, lake, window, short), _raw(engine, lake, window, short))


def test_no_events_gives_no_counts(tmp_path, policy):
    engine = DuckDBEngine()
    lake = EventLake.in_home(tmp_path / "lake")
    assert _counts(engine, lake, Window.for_day(DAY, policy), policy).num_rows == 0


@pytest.mark.spark
def test_spark_reads_the_same_kept_counts(lake, policy):
    pytest.importorskip("pyspark")
    import shutil

    if shutil.which("java") is None:
        pytest.skip("没有 Java：跳过 Spark 引擎测试")
    from redline.signals.engines import SparkEngine

    window = Window.for_day(DAY, policy)
    duck = _counts(DuckDBEngine(), lake, window, policy)  # writes the kept days
    spark = SparkEngine()
    _assert_same_counts(_counts(spark, lake, window, policy), duck)
    # Spark counting a day itself writes a file DuckDB reads back the same way.
    (counts_dir(lake) / f"day={DAY.isoformat()}" / "notes.parquet").unlink()
    _assert_same_counts(_counts(spark, lake, window, policy), duck)
    _assert_same_counts(_counts(DuckDBEngine(), lake, window, policy), duck)


def test_the_lake_path_gives_the_signals_of_the_raw_events(tmp_path, policy):
    """The daily job's way (kept day parts, login activity of only the users asked about) and
    the signals computed from the raw events agree, fans and bursts included."""
    from redline.pipeline.signals import compute_signals, events_side, lake_side, store_side

    from .scenario import World, at

    world = World()
    world.account("a1")
    world.account("a2")
    world.note("n1", "a1")
    world.note("n2", "a2")
    old = at(3, day=DAY - timedelta(days=300))
    for back in range(3):
        day = DAY - timedelta(days=back)
        world.event("login", "someone", when=at(1, day=day))
        world.event("read", "reader", when=at(10, day=day), n=40)
        world.event("like", "reader", when=at(11, day=day), n=5)
    # Dormant accounts liking together the day before, then logging in: still a burst.
    world.event("like", "bot", when=at(3, day=DAY - timedelta(days=1)), n=60, user_created_at=old)
    world.event("login", "bot", when=at(9), n=60)
    # Fans of a1: three log in often, two never; a burst of follows on a2 from dormant accounts.
    for i in range(5):
        world.event("follow", f"fan{i}", when=at(8, day=DAY - timedelta(days=2)), account_id="a1")
    for i in range(3):
        world.event("login", f"fan{i}", when=at(7, day=DAY - timedelta(days=1)), n=1)
        world.event("login", f"fan{i}", when=at(7, day=DAY), n=1)
        world.event("login", f"fan{i}", when=at(9, day=DAY), n=1)
    world.event("follow", "dormant", when=at(4, day=DAY - timedelta(days=1)), n=60, account_id="a2", user_created_at=old)
    t = world.tables()
    lake = EventLake.in_home(tmp_path / "lake")
    zone = ZoneInfo(policy.signals.timezone)
    events = t["events"]
    _write_by_day(lake, events, zone)
    inputs = {name: t[name] for name in ("notes", "accounts", "fan_interests", "comments")}
    window = Window.for_day(DAY, policy)
    engine = DuckDBEngine()
    with _keys(lake) as keys:
        lake_signals = compute_signals(engine, lake_side(engine, lake, window, policy, keys), store_side(inputs, keys), keys, window, policy)
    memory_keys = NoteKeys()
    raw_signals = compute_signals(engine, events_side(engine, engine.table(events), window, policy, memory_keys), store_side(inputs, memory_keys), memory_keys, window, policy)
    lake_notes, lake_accounts = lake_signals.note_metrics(), lake_signals.accounts
    raw_notes, raw_accounts = raw_signals.note_metrics(), raw_signals.accounts
    _assert_same_rows(lake_notes, raw_notes)
    _assert_same_rows(lake_accounts, raw_accounts)
    n1 = lake_notes.to_pylist()[0]
    assert n1["bursts"] == 1 and n1["burst_engagement"] == 60
    a1, a2 = lake_accounts.to_pylist()
    assert (a1["fans_known"], a1["active_fans"]) == (5, 3)
    assert a2["burst_follows"] == 60


def _assert_same_rows(got: pa.Table, expected: pa.Table) -> None:
    assert got.column_names == expected.column_names
    for a, b in zip(got.to_pylist(), expected.to_pylist()):
        assert a.keys() == b.keys()
        for name in a:
            assert a[name] == (pytest.approx(b[name]) if isinstance(b[name], float) else b[name]), name


def _write_by_day(lake: EventLake, events: pa.Table, zone: ZoneInfo) -> None:
    days = [ts.replace(tzinfo=timezone.utc).astimezone(zone).date() for ts in events.column("ts").to_pylist()]
    for day in sorted(set(days)):
        rows = [i for i, d in enumerate(days) if d == day]
        _write(lake, events.take(rows), day)


def _follows(rows: list[tuple[str, str, str, datetime]], prefix: str) -> pa.Table:
    """rows of (type, user, account, ts)."""
    return pa.Table.from_pylist(
        [{"event_id": f"{prefix}{i}", "event_type": kind, "ts": ts, "user_id": user, "account_id": account} for i, (kind, user, account, ts) in enumerate(rows)],
        schema=EVENT_SCHEMA,
    )


def _fans(lake: EventLake, policy) -> dict[str, int]:
    from redline.pipeline.signals import lake_side

    with _keys(lake) as keys:
        fans = lake_side(DuckDBEngine(), lake, Window.for_day(DAY, policy), policy, keys).fans
    return dict(zip(fans.column("account_id").to_pylist(), fans.column("fans_known").to_pylist()))


def test_fans_follow_from_all_history_through_each_days_kept_follows(tmp_path, policy):
    """A follow long before the metrics window still makes a fan; a later unfollow (another
    day) ends it; a late batch for an old day is kept again; a damaged file is read again."""
    lake = EventLake.in_home(tmp_path / "lake")
    old = DAY - timedelta(days=200)
    _write(lake, _follows([("follow", "u1", "a1", _local(old, 9, policy)), ("follow", "u2", "a1", _local(old, 10, policy))], "old-"), old)
    _write(lake, _follows([("follow", "u3", "a2", _local(DAY, 9, policy))], "new-"), DAY)
    assert _fans(lake, policy) == {"a1": 2, "a2": 1}
    kept = sorted(path.parent.name for path in counts_dir(lake).glob("day=*/follows.parquet"))
    assert kept == [f"day={old.isoformat()}", f"day={DAY.isoformat()}"]

    yesterday = DAY - timedelta(days=1)
    _write(lake, _follows([("unfollow", "u1", "a1", _local(yesterday, 9, policy))], "un-"), yesterday)
    assert _fans(lake, policy) == {"a1": 1, "a2": 1}
    # A late batch for the old day: that day's follows are read again.
    _write(lake, _follows([("follow", "u4", "a1", _local(old, 11, policy))], "late-"), old)
    assert _fans(lake, policy) == {"a1": 2, "a2": 1}
    (counts_dir(lake) / f"day={old.isoformat()}" / "follows.parquet").write_bytes(b"not parquet")
    assert _fans(lake, policy) == {"a1": 2, "a2": 1}


def _active_fans(lake: EventLake, policy) -> dict[str, int]:
    from redline.pipeline.signals import lake_side

    with _keys(lake) as keys:
        fans = lake_side(DuckDBEngine(), lake, Window.for_day(DAY, policy), policy, keys).fans
    return dict(zip(fans.column("account_id").to_pylist(), fans.column("active_fans").to_pylist()))


def test_active_fans_count_the_logins_each_day_keeps(tmp_path, policy):
    """A fan is active with `fan_active_min_logins` logins in the fan window, read from each
    day's kept logins: logins before the window do not count, a late batch of logins for a
    day in the window is kept again and counts."""
    lake = EventLake.in_home(tmp_path / "lake")
    need = policy.signals.fan_active_min_logins
    window = Window.for_day(DAY, policy)
    _write(lake, _follows([("follow", "u1", "a1", _local(DAY, 8, policy)), ("follow", "u2", "a1", _local(DAY, 8, policy))], "f-"), DAY)
    logins = [("login", "u1", None, _local(DAY, 9 + k, policy)) for k in range(need - 1)]  # one short, on the day itself
    _write(lake, _follows(logins, "l-"), DAY)
    before = window.fan_first_day - timedelta(days=1)
    _write(lake, _follows([("login", "u1", None, _local(before, 9, policy))], "old-"), before)
    assert _active_fans(lake, policy) == {"a1": 0}
    assert sorted(path.parent.name for path in counts_dir(lake).glob("day=*/logins.parquet")) == [f"day={before.isoformat()}", f"day={DAY.isoformat()}"]

    inside = window.fan_first_day
    _write(lake, _follows([("login", "u1", None, _local(inside, 9, policy))], "in-"), inside)
    assert _active_fans(lake, policy) == {"a1": 1}
    # A late batch for a day already kept: u2 logs in `need` times that day.
    _write(lake, _follows([("login", "u2", None, _local(inside, 10 + k, policy)) for k in range(need)], "late-"), inside)
    assert _active_fans(lake, policy) == {"a1": 2}


def test_reports_from_kept_days_and_edge_days_equal_those_of_the_raw_events(tmp_path, policy):
    from redline.pipeline.signals import events_side, lake_side

    valid = sorted(policy.signals.valid_report_reasons)
    window = Window.for_day(DAY, policy)
    start_day = DAY - timedelta(days=policy.signals.metrics_window_days - 1)  # the window's first day

    def report(user: str, note: str, ts: datetime, reason: str, n: int) -> dict:
        return {"event_id": f"r{n}", "event_type": "report", "ts": ts, "user_id": user, "note_id": note, "reason": reason}

    rows_by_day = {
        # A day straddling the window's edge (written by another tool) holds a report from before
        # the window and the same reporter's next one inside it: only the one inside counts.
        start_day: [report("u1", "n1", _local(start_day - timedelta(days=1), 12, policy), valid[0], 1),
                    report("u1", "n1", _local(start_day, 1, policy), valid[0], 2)],
        DAY - timedelta(days=1): [report(f"u{k}", "n2", _local(DAY - timedelta(days=1), 10 + k, policy), valid[k % len(valid)], 10 + k) for k in range(4)]
        + [report("u9", "n2", _local(DAY - timedelta(days=1), 12, policy), "我不喜欢", 20)],
        DAY: [report("u0", "n2", _local(DAY, 9, policy), valid[0], 30), report("u5", "n2", _local(DAY, 9, policy), valid[0], 31),
              report("u6", "n3", _local(DAY, 23, policy), valid[-1], 32)],
    }
    lake = EventLake.in_home(tmp_path / "lake")
    for day, rows in rows_by_day.items():
        _write(lake, pa.Table.from_pylist(rows, schema=EVENT_SCHEMA), day)
    engine = DuckDBEngine()
    with _keys(lake) as keys:
        kept = lake_side(engine, lake, window, policy, keys).reports
    raw = events_side(engine, engine.events(lake.files(start_day, DAY)), window, policy, NoteKeys()).reports
    assert _sorted(kept) == _sorted(raw)
    by_note = {row["note_id"]: row for row in _sorted(kept)}
    assert by_note["n1"]["valid_reports"] == 1
    assert by_note["n2"]["valid_reports"] == 5 and by_note["n2"]["reports_24h_max"] == 5  # u0 twice, "我不喜欢" not valid
    # A second run reads the kept reports of every whole day.
    assert sorted(p.parent.name for p in counts_dir(lake).glob("day=*/reports.parquet")) == sorted(f"day={d.isoformat()}" for d in rows_by_day)
    with _keys(lake) as keys:
        assert _sorted(lake_side(engine, lake, window, policy, keys).reports) == _sorted(raw)
