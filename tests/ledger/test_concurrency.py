"""Many writers at once: reviewers in separate processes claiming and deciding, writers
appending to the same accounts. Each item is decided exactly once and no entry is lost."""

from __future__ import annotations

import multiprocessing
from collections import Counter

import psycopg
import pytest
from sqlalchemy import text

from redline.store.database import Database
from redline.store.review import ITEMS

from .helpers import day
from .store_helpers import seed

ACCOUNTS = [f"acc{i}" for i in range(12)]


def _reviewer(url: str, name: str, queue) -> None:
    """Claim and decide until the queue is empty; report the item ids decided."""
    from redline.policy import default_policy
    from redline.store.database import make_engine
    from redline.store.review import claim_next, decide

    policy = default_policy()
    database = Database(make_engine(url))
    decided: list[int] = []
    try:
        while (item := claim_next(database, policy, name)) is not None:
            decide(database, policy, item.id, name, "violation", reason=f"{name} 核实")
            decided.append(item.id)
    finally:
        database.dispose()
        queue.put((name, decided))


def _writer(url: str, name: str, count: int, queue) -> None:
    """Append `count` violations round-robin over the shared accounts, in real time."""
    from redline.policy import default_policy
    from redline.store.database import make_engine
    from redline.store.ledger import record_violation

    policy = default_policy()
    database = Database(make_engine(url))
    ids: list[int] = []
    try:
        for i in range(count):
            ids.append(record_violation(database, policy, ACCOUNTS[i % len(ACCOUNTS)], "values.clickbait", actor=name).id)
    finally:
        database.dispose()
        queue.put((name, ids))


def _fill_queue(database: Database, policy, n: int) -> None:
    rows = [
        {
            "dedupe_key": f"load:{i}",
            "account_id": ACCOUNTS[i % len(ACCOUNTS)],
            "note_id": None,
            "rule": "report.confirmed",
            "origin": "manual",
            "reason": "并发测试",
            "evidence": {},
            "created": day(0),
            "stage": "first",
            "second_review": False,
            "policy_version": policy.version,
        }
        for i in range(n)
    ]
    with database.engine.begin() as connection:
        connection.execute(ITEMS.insert(), rows)


def _run(target, url: str, workers: int, *extra) -> dict[str, list[int]]:
    # fork: the workers inherit the imported modules (a spawned interpreter re-imports for
    # seconds); each builds its own engine, so no connection crosses a process boundary.
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    processes = [context.Process(target=target, args=(url, f"w{i}", *extra, queue)) for i in range(workers)]
    for process in processes:
        process.start()
    results = dict(queue.get(timeout=300) for _ in processes)
    for process in processes:
        process.join(timeout=60)
        assert process.exitcode == 0
    return results


def _scalar(database: Database, sql: str):
    with database.engine.connect() as connection:
        return connection.execute(text(sql)).scalar_one()


def _assert_ledgers_intact(database: Database, expected_entries: int) -> None:
    assert _scalar(database, "SELECT COUNT(*) FROM ledger_entries") == expected_entries
    with database.engine.connect() as connection:
        per_account = connection.execute(
            text("SELECT account_id, COUNT(*), MIN(seq), MAX(seq) FROM ledger_entries GROUP BY account_id")
        ).all()
        counters = dict(connection.execute(text("SELECT account_id, entry_count FROM ledger_accounts")).all())
        out_of_order = connection.execute(
            text(
                "SELECT COUNT(*) FROM ledger_entries a JOIN ledger_entries b "
                "ON a.account_id = b.account_id AND b.seq = a.seq + 1 WHERE b.created < a.created"
            )
        ).scalar_one()
    for account_id, n, low, high in per_account:
        assert (low, high) == (1, n), account_id  # contiguous sequence: no lost or doubled append
        assert counters[account_id] == n
    assert out_of_order == 0


def _check_review_run(database: Database, results: dict[str, list[int]], n: int) -> None:
    decided = [item for ids in results.values() for item in ids]
    assert len(decided) == n and len(set(decided)) == n  # each item decided by exactly one worker
    assert _scalar(database, "SELECT COUNT(*) FROM review_decisions") == n
    assert _scalar(database, "SELECT COUNT(DISTINCT item_id) FROM review_decisions") == n
    assert _scalar(database, "SELECT COUNT(*) FROM review_items WHERE stage <> 'done'") == 0
    assert _scalar(database, "SELECT COUNT(DISTINCT entry_id) FROM review_decisions") == n
    _assert_ledgers_intact(database, n)
    with database.engine.connect() as connection:
        mismatched = connection.execute(
            text(
                "SELECT COUNT(*) FROM review_decisions d JOIN ledger_entries e ON e.id = d.entry_id "
                "WHERE e.actor <> d.reviewer"
            )
        ).scalar_one()
    assert mismatched == 0


@pytest.mark.postgres
def test_eight_reviewers_decide_a_thousand_items_exactly_once_on_postgresql(postgres_url, policy):
    # This throwaway database need not wait for WAL flushes: what is tested is locking and
    # exactly-once, which do not depend on durability, and the test stays a few seconds.
    name = postgres_url.rsplit("/", 1)[1]
    with psycopg.connect(postgres_url, autocommit=True) as connection:  # applies to new sessions
        connection.execute(f'ALTER DATABASE "{name}" SET synchronous_commit = off')
    database = Database.open(postgres_url)
    seed(database, accounts=ACCOUNTS)
    _fill_queue(database, policy, 1000)
    results = _run(_reviewer, postgres_url, 8)
    assert sum(1 for ids in results.values() if ids) >= 2  # the work really was shared
    _check_review_run(database, results, 1000)
    database.dispose()


@pytest.mark.postgres
def test_concurrent_writers_to_the_same_accounts_lose_nothing_on_postgresql(postgres_url):
    database = Database.open(postgres_url)
    seed(database, accounts=ACCOUNTS)
    results = _run(_writer, postgres_url, 4, 50)
    ids = [i for values in results.values() for i in values]
    assert len(set(ids)) == 200
    _assert_ledgers_intact(database, 200)
    database.dispose()


def test_reviewers_in_parallel_on_sqlite_decide_each_item_once(tmp_path, policy):
    url = f"sqlite:///{tmp_path / 'queue.sqlite3'}"
    database = Database.open(url)
    seed(database, accounts=ACCOUNTS)
    _fill_queue(database, policy, 120)
    results = _run(_reviewer, url, 3)
    _check_review_run(database, results, 120)
    assert Counter(len(v) > 0 for v in results.values())[True] >= 1
    database.dispose()
