"""health: account details leave the relational store for the per-day Parquet file.

`health_account_days.details` held ~1.5 KB of JSON per account per day (metrics, twelve
indicators and their parts): 150 MB a day at 100k accounts, and most of the daily job's write
time. They are now written with the notes' results, in `health/accounts/day=D/accounts.parquet`
of the data home; the table keeps the headline numbers the other parts join against. The column
stays, nullable, so the details of days computed before this change are still read from it.

Revision ID: health_0003
Revises: health_0002
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

revision = "health_0003"
down_revision = "health_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("health_account_days") as batch:
        batch.alter_column("details", existing_type=sa.JSON, nullable=True)


def downgrade() -> None:
    op.execute("UPDATE health_account_days SET details = '{}' WHERE details IS NULL")
    with op.batch_alter_table("health_account_days") as batch:
        batch.alter_column("details", existing_type=sa.JSON, nullable=False)
