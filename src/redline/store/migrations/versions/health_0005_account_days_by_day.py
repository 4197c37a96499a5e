"""health: the account headlines keyed by (day, account_id), appended in key order.

Keyed by (account_id, day) with a second index on day, every day's 100k new rows went into
every leaf page of the key's index: at 30 days of history one day's insert took a second and
wrote 108 MB to the write-ahead log, growing with the history. Keyed by (day, account_id) (on
SQLite the table is its key, WITHOUT ROWID) a day's rows are appended at the end: 0.23 s and
11 MB, whatever the history. An account's days are read by walking the distinct days down the
key (store/health.py: `account_days`).

Revision ID: health_0005
Revises: health_0004
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "health_0005"
down_revision = "health_0004"
branch_labels = None
depends_on = None

TABLE = "health_account_days"
PK = "pk_health_account_days"
DAY_INDEX = "ix_health_account_days_day"


def _columns() -> list[sa.Column]:
    return [
        sa.Column("account_id", sa.String(64), nullable=False),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("health_index", sa.Float, nullable=True),
        sa.Column("index_before_deductions", sa.Float, nullable=True),
        sa.Column("deductions", sa.Float, nullable=False),
        sa.Column("quality", sa.Float, nullable=True),
        sa.Column("compliance", sa.Float, nullable=True),
        sa.Column("feedback", sa.Float, nullable=True),
        sa.Column("coverage", sa.Float, nullable=False),
        sa.Column("notes", sa.Integer, nullable=False),
        sa.Column("policy_version", sa.String(64), nullable=False),
        sa.Column("engine", sa.String(16), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("details", sa.JSON, nullable=True),
    ]


def _rebuild_sqlite(key: list[str], without_rowid: bool, day_index: bool) -> None:
    """SQLite cannot change a table's key in place: a new table, the rows copied in key order."""
    names = ", ".join(column.name for column in _columns())
    op.create_table(f"{TABLE}_new", *_columns(), sa.PrimaryKeyConstraint(*key, name=PK), sqlite_with_rowid=not without_rowid)
    op.execute(f"INSERT INTO {TABLE}_new ({names}) SELECT {names} FROM {TABLE} ORDER BY {', '.join(key)}")
    op.drop_table(TABLE)  # (its indexes with it)
    op.rename_table(f"{TABLE}_new", TABLE)
    if day_index:
        op.create_index(DAY_INDEX, TABLE, ["day"])


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _rebuild_sqlite(["day", "account_id"], without_rowid=True, day_index=False)
    else:
        op.drop_index(DAY_INDEX, table_name=TABLE)
        op.drop_constraint(PK, TABLE, type_="primary")
        op.create_primary_key(PK, TABLE, ["day", "account_id"])


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _rebuild_sqlite(["account_id", "day"], without_rowid=False, day_index=True)
    else:
        op.drop_constraint(PK, TABLE, type_="primary")
        op.create_primary_key(PK, TABLE, ["account_id", "day"])
        op.create_index(DAY_INDEX, TABLE, ["day"])
