"""The whole daily recompute vs a bare DuckDB SQL aggregation of the same events.

Generated data (default 20 M events, 1 M notes, 100 k accounts) is written once into a data
home: the events as the lake's Parquet day partitions (a realistic mix: impressions, reads,
likes, saves, comments, shares, follows, logins, watches, dwells, orders, reports), the accounts,
notes and their text-check summaries into the SQLite store.

Measured, each in its own subprocess (so peak memory is per phase):

- bare: DuckDB SQL over the same Parquet files — counts per note by event type, joined to the
  note→account map (an in-memory Arrow table), then summed per account. The least any engine
  must do to touch every event once and roll it up twice.
- recompute: `redline.pipeline.recompute.recompute(engine="duckdb")` — the real daily job of
  DAY as it runs in production: yesterday's job has run (it left the note and account frames,
  the note keys, each lake day's parts, follows, logins and first reports in the data home), today's 20,000 new notes
  have arrived in the store, then DAY is computed: the frames patched with the changed rows,
  DAY's events digested into its parts (per-note counts and bursts, per-account follow bursts,
  follows, logins, first reports) while the earlier days' kept parts are added up by note key, every other R-SIG metric
  (reports in 24 h windows, fans and their activity, dwell baselines…) through Ibis on DuckDB,
  twelve indicators for every note and account, per-note results written to Arrow IPC, per-account
  details to Arrow IPC and headlines to SQLite. The first-ever run (yesterday's, which reads all
  notes and accounts from SQLite to build the frames, gives every note its key and digests every
  day of the lake) is timed and shown too.
- spark (optional, `--spark`): the same recompute with `engine="spark"` (local[2]); its time
  includes starting the Spark session, reported separately.

Each recompute is taken against the mean of a bare run just before and one just after it. The
shared machines this runs on vary by ±15 % from one run to the next, so `--rounds N` recomputes
N times (each round from the same starting state, a bare run between each) and shows the round
with the median ratio, after listing all of them.

Target: recompute ≤ 3 × bare, peak memory ≤ 4 GB.

    nice uv run --all-extras python bench/bench_recompute.py --events 20000000 --notes 1000000 --accounts 100000 --rounds 5 --spark
    uv run python bench/bench_recompute.py --events 1000000 --notes 50000 --accounts 5000   # quick
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, time as dtime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import redline  # noqa: F401 - first, as the `redline` command loads it: it picks Arrow's allocator before PyArrow loads
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

DAY = date(2026, 11, 20)
DAYS = 7
TYPES = np.array(["impression", "read", "like", "save", "comment", "share", "follow", "login", "dwell", "watch", "order", "report"])
SHARES = np.array([0.52, 0.12, 0.05, 0.015, 0.006, 0.004, 0.004, 0.12, 0.09, 0.06, 0.002, 0.003])
SHARES = SHARES / SHARES.sum()
CATEGORIES = ["美妆", "母婴", "美食", "科普", "穿搭", "数码"]
REASONS = np.array(["导流", "广告", "虚假宣传", "我不喜欢"])
NEW_NOTES_PER_DAY = 20_000  # 2 % of the default million


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def generate(home: Path, events: int, notes: int, accounts: int, seed: int = 1) -> None:
    from redline.home import DataHome
    from redline.policy import default_policy
    from redline.store.database import Database

    rng = np.random.default_rng(seed)
    policy = default_policy()
    zone = ZoneInfo(policy.signals.timezone)
    data_home = DataHome.resolve(home).ensure()
    database = Database.open(home=data_home)
    day_start = [int(datetime.combine(DAY - timedelta(days=DAYS - 1 - k), dtime(0), zone).timestamp()) for k in range(DAYS)]

    # Accounts and notes (store).
    followers = np.clip(rng.lognormal(7.5, 1.6, accounts), 10, 2_000_000).astype(np.int64)
    note_account = rng.integers(0, accounts, notes)
    published = day_start[0] - rng.integers(0, 40 * 86_400, notes) + 30 * 86_400
    published = np.minimum(published, day_start[-1] + 43_200)
    video = rng.random(notes) < 0.35
    seconds = np.where(rng.random(notes) < 0.6, rng.integers(15, 31, notes), rng.integers(120, 301, notes)).astype(float)
    now = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")
    raw = database.engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.executemany(
            "INSERT INTO accounts (id, nickname, account_type, followers, categories, credentials, fan_interests, has_shop, teen_audience, source) VALUES (?, '', 'personal', ?, '[]', '[]', ?, 0, 0, 'bench')",
            ((f"a{i}", int(followers[i]), json.dumps({CATEGORIES[i % 6]: 0.7, CATEGORIES[(i + 1) % 6]: 0.3}, ensure_ascii=False)) for i in range(accounts)),
        )
        cursor.executemany(
            "INSERT INTO notes (id, account_id, title, body, category, note_type, video_seconds, dynamic_cover, disclosed, published_at, status, source) VALUES (?, ?, '', '', ?, ?, ?, 0, 0, ?, 'active', 'bench')",
            (
                (str(i), f"a{int(note_account[i])}", CATEGORIES[int(note_account[i]) % 6], "video" if video[i] else "normal",
                 float(seconds[i]) if video[i] else None, datetime.fromtimestamp(int(published[i]), timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f"))
                for i in range(notes)
            ),
        )
        bad = rng.random(notes)
        cursor.executemany(
            "INSERT INTO note_checks (note_id, text_hash, policy_version, checked_at, verdict, text_chars, text_q2, text_q3, text_c1, text_c2, text_c3, originality, findings) VALUES (?, '', ?, ?, 'pass', 400, ?, 0, ?, ?, 0, ?, '[]')",
            ((str(i), policy.version, now, 60.0 if bad[i] < 0.05 else 0.0, 25.0 if bad[i] > 0.97 else 0.0, 60.0 if 0.05 <= bad[i] < 0.07 else 0.0, float(0.5 + 0.5 * bad[i])) for i in range(notes)),
        )
        raw.commit()
    finally:
        raw.close()

    # Events (lake), written per day partition like the ingester does.
    from redline.events.schema import EVENT_SCHEMA
    from redline.store.lake import EventLake

    lake = EventLake.in_home(data_home.lake_dir)
    kind = rng.choice(len(TYPES), size=events, p=SHARES)
    popularity = rng.zipf(1.3, size=events) % notes
    note = rng.permutation(notes)[popularity]
    users = rng.integers(0, max(accounts * 20, 1000), events)
    day_index = rng.integers(0, DAYS, events)
    ts = np.asarray(day_start)[day_index] + rng.integers(0, 86_400, events)
    order = np.argsort(day_index, kind="stable")
    is_note = ~np.isin(TYPES[kind], ["follow", "login"])
    secs = np.where(TYPES[kind] == "watch", rng.uniform(1, 40, events), np.where(TYPES[kind] == "dwell", rng.gamma(3.0, 15.0, events), np.nan))
    duration = np.where(TYPES[kind] == "watch", 30.0, np.nan)
    amount = np.where(TYPES[kind] == "order", rng.uniform(5, 500, events), np.nan)
    reason = np.where(TYPES[kind] == "report", REASONS[rng.integers(0, 4, events)], None)
    created = np.where(rng.random(events) < 0.02, ts - rng.integers(0, 5 * 86_400, events), day_start[0] - 400 * 86_400)
    for k in range(DAYS):
        idx = order[np.searchsorted(day_index[order], k, "left"):np.searchsorted(day_index[order], k, "right")]
        ids = pc.binary_join_element_wise("e", pc.cast(pa.array(idx), pa.string()), "")
        note_ids = pc.cast(pa.array(note[idx]), pa.string())
        table = pa.table(
            {
                "event_id": ids,
                "event_type": pa.array(TYPES[kind[idx]]),
                "ts": pa.array(ts[idx] * 1_000_000, pa.int64()).cast(pa.timestamp("us")),
                "user_id": pc.binary_join_element_wise("u", pc.cast(pa.array(users[idx]), pa.string()), ""),
                "note_id": pc.if_else(pa.array(is_note[idx]), note_ids, pa.nulls(len(idx), pa.string())),
                "account_id": pc.if_else(pa.array(is_note[idx]), pa.nulls(len(idx), pa.string()),
                                         pc.binary_join_element_wise("a", pc.cast(pa.array(note_account[note[idx]]), pa.string()), "")),
                "seconds": pa.array(secs[idx], from_pandas=True),
                "duration": pa.array(duration[idx], from_pandas=True),
                "amount": pa.array(amount[idx], from_pandas=True),
                "reason": pa.array(reason[idx].tolist(), pa.string()),
                "user_created_at": pa.array(created[idx] * 1_000_000, pa.int64()).cast(pa.timestamp("us")),
            },
            schema=EVENT_SCHEMA,
        )
        lake._write_atomically(DAY - timedelta(days=DAYS - 1 - k), table)
    database.dispose()


def warm_up(files: list[str]) -> None:
    """Pay the process's one-off costs (importing pandas, which DuckDB and PyArrow load lazily,
    the first Parquet read) before any clock starts, in every phase alike."""
    import duckdb
    import ibis  # noqa: F401
    import pandas  # noqa: F401

    duckdb.connect().execute("SELECT COUNT(*) FROM read_parquet(?)", [files[:1]]).fetchall()
    pa.array(["warm"])
    ibis.duckdb.connect().to_pyarrow(ibis.memtable({"a": [1]}).group_by("a").aggregate(n=ibis._.count()))


def bare(home: Path) -> dict:
    import duckdb

    from redline.home import DataHome
    from redline.store.lake import EventLake

    data_home = DataHome.resolve(home)
    files = [str(p) for p in EventLake.in_home(data_home.lake_dir).files()]
    with sqlite3.connect(data_home.database_path) as connection:
        rows = connection.execute("SELECT id, account_id FROM notes").fetchall()
    notes = pa.table({"note_id": pa.array([r[0] for r in rows]), "account_id": pa.array([r[1] for r in rows])})
    warm_up(files)
    con = duckdb.connect()
    con.register("notes", notes)
    started = time.perf_counter()
    per_account = con.execute(
        f"""
        WITH per_note AS (
            SELECT note_id,
                   COUNT(*) FILTER (WHERE event_type = 'impression') AS impressions,
                   COUNT(*) FILTER (WHERE event_type = 'read') AS reads,
                   COUNT(*) FILTER (WHERE event_type IN ('like', 'save', 'comment')) AS engagement,
                   AVG(seconds) FILTER (WHERE event_type IN ('dwell', 'watch')) AS dwell,
                   COUNT(*) FILTER (WHERE event_type = 'report') AS reports
            FROM read_parquet({files!r}) WHERE note_id IS NOT NULL GROUP BY note_id
        )
        SELECT n.account_id, SUM(impressions) AS impressions, SUM(reads) AS reads, SUM(engagement) AS engagement,
               AVG(dwell) AS dwell, SUM(reports) AS reports,
               CAST(SUM(engagement) AS DOUBLE) / NULLIF(SUM(reads), 0) AS interaction_rate
        FROM per_note p JOIN notes n USING (note_id) GROUP BY n.account_id
        """
    ).fetch_arrow_table()
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "rows": per_account.num_rows, "events_files": len(files)}


def add_days_notes(home: Path, count: int, seed: int = 2) -> None:
    """The store's changes of one day: `count` new notes published on DAY, with their checks
    (written through SQL, so the change-log triggers fire as for any writer)."""
    from redline.home import DataHome
    from redline.policy import default_policy
    from redline.store.database import Database

    rng = np.random.default_rng(seed)
    policy = default_policy()
    data_home = DataHome.resolve(home)
    database = Database.open(home=data_home)
    zone = ZoneInfo(policy.signals.timezone)
    start = int(datetime.combine(DAY, dtime(0), zone).timestamp())
    with sqlite3.connect(data_home.database_path) as connection:
        accounts = connection.execute("SELECT COUNT(*) FROM accounts").fetchone()[0]
        ids = [f"new{i}" for i in range(count)]
        owner = rng.integers(0, accounts, count)
        connection.executemany(
            "INSERT INTO notes (id, account_id, title, body, category, note_type, video_seconds, dynamic_cover, disclosed, published_at, status, source) VALUES (?, ?, '', '', ?, 'normal', NULL, 0, 0, ?, 'active', 'bench')",
            ((ids[i], f"a{int(owner[i])}", CATEGORIES[int(owner[i]) % 6],
              datetime.fromtimestamp(start + int(rng.integers(0, 80_000)), timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")) for i in range(count)),
        )
        now = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")
        connection.executemany(
            "INSERT INTO note_checks (note_id, text_hash, policy_version, checked_at, verdict, text_chars, text_q2, text_q3, text_c1, text_c2, text_c3, originality, findings) VALUES (?, '', ?, ?, 'pass', 400, 0, 0, 0, 0, 0, 0.8, '[]')",
            ((note_id, policy.version, now) for note_id in ids),
        )
    database.dispose()


def remove_added_notes(home: Path) -> None:
    """Take out the notes an earlier run added (`add_days_notes`), so a kept home is measured
    at the size it was generated with, however often it is reused."""
    with sqlite3.connect(home / "redline.sqlite3") as connection:
        connection.execute("DELETE FROM note_checks WHERE note_id LIKE 'new%'")
        connection.execute("DELETE FROM notes WHERE id LIKE 'new%'")


def remove_results(home: Path, days: list[date]) -> None:
    """Take out what an earlier run stored for `days` (account headlines, note and account
    results), so that a kept home is measured computing new days, as production does (a day
    computed again also deletes its earlier results first)."""
    from redline.store.health import account_results_dir, note_results_dir

    with sqlite3.connect(home / "redline.sqlite3") as connection:
        connection.executemany("DELETE FROM health_account_days WHERE day = ?", [(day.isoformat(),) for day in days])
    for day in days:
        for directory in (note_results_dir(home), account_results_dir(home)):
            shutil.rmtree(directory / f"day={day.isoformat()}", ignore_errors=True)


def recompute_phase(home: Path, engine: str) -> dict:
    """The daily job of DAY as it runs in production: yesterday's job has run (untimed here; it
    left the note frame in the data home), today's new notes arrived, then DAY is recomputed.
    The first-ever run, which builds the note frame from the store, is timed too."""
    from redline.home import DataHome
    from redline.pipeline.day_counts import counts_dir
    from redline.pipeline.recompute import note_keys_dir, recompute
    from redline.policy import default_policy
    from redline.store.database import Database
    from redline.store.lake import EventLake
    from redline.store import account_frame, note_frame

    data_home = DataHome.resolve(home)
    database = Database.open(home=data_home)
    policy = default_policy()
    warm_up([str(p) for p in EventLake.in_home(data_home.lake_dir).files()])
    extra = {}
    if engine == "spark":
        from redline.signals.engines import SparkEngine

        started = time.perf_counter()
        runner = SparkEngine()
        extra["session_seconds"] = time.perf_counter() - started
    else:
        runner = engine
    # The first-ever run starts with no columnar copy of the notes or accounts, no note keys and
    # no kept day parts.
    remove_added_notes(home)
    remove_results(home, [DAY - timedelta(days=1), DAY])
    note_frame.frame_path(data_home.root).unlink(missing_ok=True)
    account_frame.frame_path(data_home.root).unlink(missing_ok=True)
    shutil.rmtree(note_keys_dir(data_home), ignore_errors=True)
    shutil.rmtree(counts_dir(EventLake.in_home(data_home.lake_dir)), ignore_errors=True)
    started = time.perf_counter()
    recompute(database, data_home, DAY - timedelta(days=1), policy, runner, refresh_text=False)
    extra["first_run_seconds"] = time.perf_counter() - started
    add_days_notes(home, NEW_NOTES_PER_DAY)
    started = time.perf_counter()
    result = recompute(database, data_home, DAY, policy, runner, refresh_text=False)
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "notes": result.notes, "accounts": result.accounts, "events": result.events,
            "timings": {k: round(v, 2) for k, v in result.timings.items()}, **extra}


def _child(args: list[str]) -> dict:
    output = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True)
    if output.returncode != 0:
        sys.stderr.write(output.stderr[-4000:])
        raise SystemExit(f"phase {args[1]} failed")
    return json.loads(output.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=20_000_000)
    parser.add_argument("--notes", type=int, default=1_000_000)
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--spark", action="store_true", help="also run the Spark engine")
    parser.add_argument("--keep", type=Path, help="keep (or reuse) the generated data home here")
    parser.add_argument("--rounds", type=int, default=1, help="recompute this many times, a bare run between each; the median round is shown")
    parser.add_argument("--phase", choices=["generate", "bare", "duckdb", "spark"], help=argparse.SUPPRESS)
    parser.add_argument("--home", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.phase:
        started = time.perf_counter()
        if args.phase == "generate":
            generate(args.home, args.events, args.notes, args.accounts)
            result = {"seconds": time.perf_counter() - started}
        elif args.phase == "bare":
            result = bare(args.home)
        else:
            result = recompute_phase(args.home, args.phase)
        result["peak_mb"] = _peak_mb()
        print(json.dumps(result))
        return

    home = args.keep or Path(tempfile.mkdtemp(prefix="redline-bench-"))
    try:
        if not (home / "redline.sqlite3").exists():
            print(f"generating {args.events:,} events, {args.notes:,} notes, {args.accounts:,} accounts in {home} …", flush=True)
            gen = _child(["--phase", "generate", "--home", str(home), "--events", str(args.events), "--notes", str(args.notes), "--accounts", str(args.accounts)])
            print(f"  generated in {gen['seconds']:.1f} s", flush=True)
        # The bare runs before and after each recompute; a round's ratio is taken against the
        # mean of the two, so a change of the shared machine's load during the run shows rather
        # than skews it. With several rounds, the bare runs between them serve both neighbours.
        bares = [_child(["--phase", "bare", "--home", str(home)])]
        rounds = []
        for _ in range(args.rounds):
            rounds.append(_child(["--phase", "duckdb", "--home", str(home)]))
            bares.append(_child(["--phase", "bare", "--home", str(home)]))
        spark = _child(["--phase", "spark", "--home", str(home)]) if args.spark else None
    finally:
        if args.keep is None:
            shutil.rmtree(home, ignore_errors=True)
    ratios = [result["seconds"] / ((before["seconds"] + after["seconds"]) / 2) for result, before, after in zip(rounds, bares, bares[1:])]
    middle = sorted(range(len(rounds)), key=lambda i: ratios[i])[len(rounds) // 2]  # the median round
    base = (bares[middle]["seconds"] + bares[middle + 1]["seconds"]) / 2
    print(f"\n{args.events:,} events · {args.notes:,} notes · {args.accounts:,} accounts · {os.cpu_count()} CPUs · × bare = against the mean of the bare runs before and after")
    if len(rounds) > 1:
        print("rounds (recompute s · × bare): " + " | ".join(f"{r['seconds']:.2f} · {ratio:.2f}" for r, ratio in zip(rounds, ratios)) + f"; the median round, {middle + 1}:")
    results = {"bare DuckDB SQL, before": bares[middle], "redline recompute (duckdb)": rounds[middle], "bare DuckDB SQL, after": bares[middle + 1]}
    if spark is not None:
        results["redline recompute (spark local[2])"] = spark
    print(f"{'run':<38} {'seconds':>9} {'× bare':>8} {'peak MB':>9}")
    for name, result in results.items():
        print(f"{name:<38} {result['seconds']:>9.2f} {result['seconds'] / base:>8.2f} {result['peak_mb']:>9.0f}")
        if "first_run_seconds" in result:
            first = result["first_run_seconds"]
            print(f"{'  first run (frame, all day parts)':<38} {first:>9.2f} {first / base:>8.2f}")
    for name, result in results.items():
        if "timings" in result:
            extra = f", Spark session start {result['session_seconds']:.1f} s" if "session_seconds" in result else ""
            print(f"  {name}: {result['timings']}{extra}")


if __name__ == "__main__":
    main()
