"""Ledger benchmarks: the review queue's claims, and deriving sanctions from long ledgers.

1. Queue (PostgreSQL): W worker processes claim and decide N items. redline claims with
   `SELECT … FOR UPDATE SKIP LOCKED`; the peer, in the same run on the same server, is the
   common optimistic pattern — read the oldest unclaimed item without a lock, then
   `UPDATE … WHERE id = ? AND unclaimed`, retrying when another worker won the race. Both
   decide through the same `decide()` (ledger entry in the same transaction). Reported:
   items/s and the peer's lost races.
2. Derivation: `sanctions_in_force` + `standing` on one account with K entries, against a
   straightforward implementation that rescans the ledger for every entry (offence numbers and
   30-day windows by linear scan) — what redline did before it used bisection.

    uv run python bench/bench_ledger.py [--pg postgresql://postgres@127.0.0.1/postgres]
                                        [--items 400] [--workers 4] [--sizes 300,3000]
"""

from __future__ import annotations

import argparse
import multiprocessing
import random
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
from sqlalchemy import or_, select, update

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from redline.ledger import sanctions_in_force, standing  # noqa: E402
from redline.ledger.entries import Entry, live_deductions  # noqa: E402
from redline.policy import default_policy  # noqa: E402
from redline.store.database import Database, make_engine  # noqa: E402
from redline.store.entities import Account  # noqa: E402
from redline.store.ledger import utc_now, write_transaction  # noqa: E402
from redline.store.review import ITEMS, claim_next, decide  # noqa: E402

T0 = datetime(2026, 1, 1, tzinfo=UTC)


# --- 1. the review queue -------------------------------------------------------------------------


def optimistic_claim(database: Database, policy, reviewer: str, stats: dict) -> int | None:
    """The peer: unlocked read of the oldest claimable item, then a conditional update."""
    timeout = timedelta(minutes=policy.ledger.review.claim_timeout_minutes)
    while True:
        now = utc_now()
        with write_transaction(database) as connection:
            row = connection.execute(
                select(ITEMS.c.id)
                .where(ITEMS.c.stage == "first", or_(ITEMS.c.claimed_until.is_(None), ITEMS.c.claimed_until <= now))
                .order_by(ITEMS.c.created, ITEMS.c.id)
                .limit(1)
            ).first()
            if row is None:
                return None
            won = connection.execute(
                update(ITEMS)
                .where(
                    ITEMS.c.id == row.id,
                    ITEMS.c.stage == "first",  # without this, a just-decided item is "claimable" again
                    or_(ITEMS.c.claimed_until.is_(None), ITEMS.c.claimed_until <= now),
                )
                .values(claimed_by=reviewer, claimed_until=now + timeout)
            ).rowcount
        if won:
            return row.id
        stats["lost"] += 1


def worker(url: str, name: str, mode: str, queue) -> None:
    stats = {"decided": 0, "lost": 0, "error": ""}
    try:
        _work(url, name, mode, stats)
    except Exception as exc:  # reported by the parent, which must not wait forever
        stats["error"] = f"{type(exc).__name__}: {exc}"
    queue.put(stats)


def _work(url: str, name: str, mode: str, stats: dict) -> None:
    policy = default_policy()
    database = Database(make_engine(url))
    while True:
        if mode == "skip_locked":
            item = claim_next(database, policy, name)
            item_id = item.id if item else None
        else:
            item_id = optimistic_claim(database, policy, name, stats)
        if item_id is None:
            break
        decide(database, policy, item_id, name, "violation", reason="bench")
        stats["decided"] += 1
    database.dispose()


def fresh_database(admin_url: str) -> tuple[str, str]:
    name = f"redline_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    return name, admin_url.rsplit("/", 1)[0] + "/" + name


def drop_database(admin_url: str, name: str) -> None:
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run_queue(admin_url: str, mode: str, items: int, workers: int) -> tuple[float, int, int]:
    policy = default_policy()
    name, url = fresh_database(admin_url)
    try:
        database = Database.open(url)
        accounts = [f"acc{i}" for i in range(20)]
        with database.session() as session:
            for account in accounts:
                session.add(Account(id=account, categories=[], credentials=[], fan_interests={}))
        rows = [
            {
                "dedupe_key": f"bench:{i}", "account_id": accounts[i % len(accounts)], "note_id": None,
                "rule": "report.confirmed", "origin": "manual", "reason": "bench", "evidence": {},
                "created": T0, "stage": "first", "second_review": False, "policy_version": policy.version,
            }
            for i in range(items)
        ]
        with database.engine.begin() as connection:
            connection.execute(ITEMS.insert(), rows)
        database.dispose()
        context = multiprocessing.get_context("fork")
        queue = context.Queue()
        processes = [context.Process(target=worker, args=(url, f"w{i}", mode, queue)) for i in range(workers)]
        start = time.perf_counter()
        for process in processes:
            process.start()
        results = [queue.get() for _ in processes]
        elapsed = time.perf_counter() - start
        for process in processes:
            process.join()
        errors = [r["error"] for r in results if r["error"]]
        if errors:
            raise SystemExit(f"worker failed: {errors[0]}")
        decided = sum(r["decided"] for r in results)
        lost = sum(r["lost"] for r in results)
        return elapsed, decided, lost
    finally:
        drop_database(admin_url, name)


# --- 2. derivation -------------------------------------------------------------------------------


def naive_sanction_count(entries: list[Entry], lp, at: datetime) -> int:
    """The straightforward derivation: rescan the ledger for every entry."""
    live = live_deductions(entries, at)
    window = timedelta(days=lp.history_window_days)
    cr_window = timedelta(days=lp.commercial_restriction_window_days)
    count = 0
    for entry in live:
        key = lp.rule_key(entry.rule)
        rule = lp.rules[key]
        if rule.note and entry.note_id:
            count += 1
        if rule.account:
            n = sum(
                1 for e in live
                if lp.rule_key(e.rule) == key and entry.created - window < e.created and (e.created, e.id) <= (entry.created, entry.id)
            )
            if rule.account[min(n, len(rule.account)) - 1].kind != "none":
                count += 1
        total = sum(e.points for e in live if e.points > 0 and entry.created - cr_window < e.created <= entry.created)
        if total >= lp.commercial_restriction_points:
            count += 0  # merged into restrictions; the cost of the scan is what is measured
    return count


def make_ledger(size: int, lp) -> list[Entry]:
    rng = random.Random(size)
    rules = sorted(lp.rules)
    return [
        Entry(id=i + 1, account_id="a", kind="deduction", rule=rng.choice(rules), points=rng.choice([0, 2, 3, 5, 10]),
              created=T0 + timedelta(hours=4 * i), note_id=f"n{i}", seq=i + 1)
        for i in range(size)
    ]


def timed(function, repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--items", type=int, default=400)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--sizes", default="300,3000")
    args = parser.parse_args()

    print(f"## review queue on PostgreSQL: {args.items} items, {args.workers} worker processes")
    print("| claim | seconds | items/s | decided | lost races |")
    print("|---|---|---|---|---|")
    results = {}
    for mode in ("skip_locked", "optimistic"):
        elapsed, decided, lost = run_queue(args.pg, mode, args.items, args.workers)
        results[mode] = decided / elapsed
        label = "redline: FOR UPDATE SKIP LOCKED" if mode == "skip_locked" else "peer: optimistic read + conditional update"
        print(f"| {label} | {elapsed:.2f} | {decided / elapsed:.0f} | {decided} | {lost} |")
    print(f"\nratio redline / peer: {results['skip_locked'] / results['optimistic']:.2f}×\n")

    lp = default_policy().ledger
    print("## deriving sanctions and points for one account")
    print("| entries | redline (ms) | peer: rescan per entry (ms) | ratio |")
    print("|---|---|---|---|")
    for size in (int(s) for s in args.sizes.split(",")):
        entries = make_ledger(size, lp)
        at = entries[-1].created
        ours = timed(lambda: (sanctions_in_force(entries, lp, at), standing(entries, lp, at)))
        peer = timed(lambda: (naive_sanction_count(entries, lp, at), standing(entries, lp, at)), repeat=1)
        print(f"| {size} | {ours * 1000:.1f} | {peer * 1000:.1f} | {peer / ours:.1f}× faster |")


if __name__ == "__main__":
    main()
