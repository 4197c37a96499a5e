"""ledger: an optional dedupe key on entries, so a finding is deducted once however often it is routed.

Revision ID: ledger_0002
Revises: ledger_0001
Create Date: 2026-11-21
"""

import sqlalchemy as sa
from alembic import op

revision = "ledger_0002"
down_revision = "ledger_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # ADD COLUMN and CREATE INDEX, not a batch table copy: a copy would drop the append-only
    # triggers on SQLite.
    op.add_column("ledger_entries", sa.Column("dedupe_key", sa.String(300), nullable=True))
    op.create_index("uq_ledger_entries_dedupe_key", "ledger_entries", ["dedupe_key"], unique=True)


def downgrade() -> None:
    op.drop_index("uq_ledger_entries_dedupe_key", table_name="ledger_entries")
    op.drop_column("ledger_entries", "dedupe_key")

