"""Migration health_0005 re-keys the account headlines by (day, account_id), keeping every row,
on SQLite and PostgreSQL; an account's history is read through the new key."""

from datetime import date, datetime, timedelta, timezone

from alembic import command
from sqlalchemy import insert, inspect, select

from redline.store.database import Database, alembic_config, upgrade
from redline.store.health import account_history
from redline.store.health_tables import AccountHealthDay
from redline.store.traffic_facts import latest_index

FIRST = date(2026, 11, 1)


def _row(account_id: str, day: date, index: float) -> dict:
    return {
        "account_id": account_id, "day": day, "health_index": index, "index_before_deductions": index, "deductions": 0.0,
        "quality": index, "compliance": index, "feedback": index, "coverage": 1.0, "notes": 1,
        "policy_version": "v", "engine": "duckdb", "computed_at": datetime(2026, 12, 1, tzinfo=timezone.utc),
    }


def _layout(database: Database) -> tuple[list[str], set[str]]:
    inspector = inspect(database.engine)
    key = inspector.get_pk_constraint("health_account_days")["constrained_columns"]
    return key, {index["name"] for index in inspector.get_indexes("health_account_days")}


def test_health_0005_rekeys_the_headlines_and_back(database_url):
    database = Database.open(database_url)
    assert _layout(database) == (["day", "account_id"], set())
    command.downgrade(alembic_config(database.engine), "health_0004")
    assert _layout(database) == (["account_id", "day"], {"ix_health_account_days_day"})
    # Rows written under the old key (days out of order, accounts interleaved) survive the upgrade.
    rows = [_row(f"a{k % 3}", FIRST + timedelta(days=(7 * k) % 10), float(k)) for k in range(30)]
    with database.engine.begin() as connection:
        connection.execute(insert(AccountHealthDay.__table__), rows)
    upgrade(database.engine)
    assert _layout(database) == (["day", "account_id"], set())
    if database.dialect == "sqlite":  # the table is its key
        with database.engine.connect() as connection:
            assert "WITHOUT ROWID" in connection.exec_driver_sql("SELECT sql FROM sqlite_master WHERE name = 'health_account_days'").scalar()
    with database.session() as session:
        kept = {(row.account_id, row.day): row.health_index for row in session.scalars(select(AccountHealthDay))}
    assert kept == {(row["account_id"], row["day"]): row["health_index"] for row in rows}

    history = account_history(database, "a1")
    assert [h.day for h in history] == sorted(row["day"] for row in rows if row["account_id"] == "a1")
    until = FIRST + timedelta(days=4)
    assert [h.day for h in account_history(database, "a1", until=until)] == sorted(row["day"] for row in rows if row["account_id"] == "a1" and row["day"] <= until)
    assert latest_index(database, "a2", until).day == max(row["day"] for row in rows if row["account_id"] == "a2" and row["day"] <= until)
    assert latest_index(database, "a2", FIRST - timedelta(days=1)) is None
    assert account_history(database, "nobody") == []
    database.dispose()
