"""The `ledger` Alembic branch upgrades and downgrades cleanly on SQLite and PostgreSQL."""

from alembic import command
from sqlalchemy import inspect

from redline.store.database import Database, alembic_config, upgrade

LEDGER_TABLES = {"ledger_accounts", "ledger_entries", "ledger_appeals", "review_items", "review_decisions", "note_reports"}


def test_the_ledger_branch_downgrades_and_upgrades_again(database_url):
    database = Database.open(database_url)
    assert LEDGER_TABLES <= set(inspect(database.engine).get_table_names())
    command.downgrade(alembic_config(database.engine), "ledger@base")
    remaining = set(inspect(database.engine).get_table_names())
    assert not (LEDGER_TABLES & remaining) and "accounts" in remaining  # other branches untouched
    upgrade(database.engine)
    columns = {c["name"] for c in inspect(database.engine).get_columns("ledger_entries")}
    assert "dedupe_key" in columns
    database.dispose()
