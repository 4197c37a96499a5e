"""health: note checks, comment labels, recompute runs, account index per day.

Revision ID: health_0001
Revises:
Create Date: 2026-11-21
"""

import sqlalchemy as sa
from alembic import op

revision = "health_0001"
down_revision = None
branch_labels = ("health",)
depends_on = ("core_0002",)

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "note_checks",
        sa.Column("note_id", sa.String(64), primary_key=True),
        sa.Column("text_hash", sa.String(32), nullable=False),
        sa.Column("policy_version", sa.String(64), nullable=False),
        sa.Column("checked_at", TS, nullable=False),
        sa.Column("verdict", sa.String(16), nullable=False),
        sa.Column("text_chars", sa.Integer, nullable=False),
        sa.Column("text_q2", sa.Float, nullable=False),
        sa.Column("text_q3", sa.Float, nullable=False),
        sa.Column("text_c1", sa.Float, nullable=False),
        sa.Column("text_c2", sa.Float, nullable=False),
        sa.Column("text_c3", sa.Float, nullable=False),
        sa.Column("originality", sa.Float, nullable=True),
        sa.Column("findings", sa.JSON, nullable=False),
    )
    op.create_table(
        "comment_labels",
        sa.Column("comment_id", sa.String(64), primary_key=True),
        sa.Column("note_id", sa.String(64), nullable=False),
        sa.Column("text_hash", sa.String(32), nullable=False),
        sa.Column("policy_version", sa.String(64), nullable=False),
        sa.Column("negative", sa.Boolean, nullable=False),
        sa.Column("question", sa.Boolean, nullable=False),
    )
    op.create_index("ix_comment_labels_note_id", "comment_labels", ["note_id"])
    op.create_table(
        "health_runs",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("engine", sa.String(16), nullable=False),
        sa.Column("policy_version", sa.String(64), nullable=False),
        sa.Column("started_at", TS, nullable=False),
        sa.Column("finished_at", TS, nullable=False),
        sa.Column("notes", sa.Integer, nullable=False),
        sa.Column("accounts", sa.Integer, nullable=False),
        sa.Column("events", sa.Integer, nullable=False),
        sa.Column("timings", sa.JSON, nullable=False),
    )
    op.create_index("ix_health_runs_day", "health_runs", ["day"])
    op.create_table(
        "health_account_days",
        sa.Column("account_id", sa.String(64), primary_key=True),
        sa.Column("day", sa.Date, primary_key=True),
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
        sa.Column("computed_at", TS, nullable=False),
        sa.Column("details", sa.JSON, nullable=False),
    )
    op.create_index("ix_health_account_days_day", "health_account_days", ["day"])


def downgrade() -> None:
    op.drop_table("health_account_days")
    op.drop_table("health_runs")
    op.drop_table("comment_labels")
    op.drop_table("note_checks")
