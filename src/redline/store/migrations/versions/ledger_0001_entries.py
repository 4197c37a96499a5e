"""ledger: append-only entries, appeals, the review queue and note reports.

Revision ID: ledger_0001
Revises:
Create Date: 2026-11-21
"""

import sqlalchemy as sa
from alembic import op

revision = "ledger_0001"
down_revision = None
branch_labels = ("ledger",)
depends_on = ("core_0002",)  # accounts, notes

TS = sa.DateTime(timezone=True)
APPEND_ONLY = ("ledger_entries", "ledger_appeals", "review_decisions")


def upgrade() -> None:
    op.create_table(
        "ledger_accounts",
        sa.Column("account_id", sa.String(64), sa.ForeignKey("accounts.id", name="fk_ledger_accounts_account_id_accounts"), primary_key=True),
        sa.Column("entry_count", sa.Integer, nullable=False, server_default="0"),
        sa.Column("last_created", TS, nullable=True),
    )
    op.create_table(
        "ledger_entries",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("account_id", sa.String(64), sa.ForeignKey("accounts.id", name="fk_ledger_entries_account_id_accounts"), nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("rule", sa.String(64), nullable=False),
        sa.Column("points", sa.Float, nullable=False),
        sa.Column("note_id", sa.String(64), nullable=True),
        sa.Column("reverses", sa.Integer, sa.ForeignKey("ledger_entries.id", name="fk_ledger_entries_reverses_ledger_entries"), nullable=True),
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("reason", sa.Text, nullable=False, server_default=""),
        sa.Column("evidence", sa.JSON, nullable=False),
        sa.Column("policy_version", sa.String(80), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False, server_default=""),
        sa.Column("created", TS, nullable=False),
        sa.Column("recorded", TS, nullable=False),
        sa.UniqueConstraint("account_id", "seq", name="uq_ledger_entries_account_seq"),
        sa.UniqueConstraint("reverses", name="uq_ledger_entries_reverses"),
        sa.CheckConstraint("kind IN ('deduction', 'reversal', 'credit')", name="ck_ledger_entries_kind"),
        sa.CheckConstraint("points >= 0", name="ck_ledger_entries_points"),
        sa.CheckConstraint("(kind = 'reversal') = (reverses IS NOT NULL)", name="ck_ledger_entries_reversal_target"),
    )
    op.create_index("ix_ledger_entries_account_created", "ledger_entries", ["account_id", "created"])
    op.create_index("ix_ledger_entries_note_id", "ledger_entries", ["note_id"])
    op.create_table(
        "ledger_appeals",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("entry_id", sa.Integer, sa.ForeignKey("ledger_entries.id", name="fk_ledger_appeals_entry_id_ledger_entries"), nullable=False),
        sa.Column("decision", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text, nullable=False, server_default=""),
        sa.Column("reviewer", sa.String(64), nullable=False, server_default=""),
        sa.Column("decided_at", TS, nullable=False),
        sa.Column("reversal_entry_id", sa.Integer, sa.ForeignKey("ledger_entries.id", name="fk_ledger_appeals_reversal_entry_id_ledger_entries"), nullable=True),
        sa.UniqueConstraint("entry_id", name="uq_ledger_appeals_entry_id"),
        sa.CheckConstraint("decision IN ('uphold', 'reverse')", name="ck_ledger_appeals_decision"),
    )
    op.create_table(
        "review_items",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("dedupe_key", sa.String(300), nullable=False),
        sa.Column("account_id", sa.String(64), sa.ForeignKey("accounts.id", name="fk_review_items_account_id_accounts"), nullable=False),
        sa.Column("note_id", sa.String(64), nullable=True),
        sa.Column("rule", sa.String(64), nullable=True),
        sa.Column("origin", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text, nullable=False, server_default=""),
        sa.Column("evidence", sa.JSON, nullable=False),
        sa.Column("created", TS, nullable=False),
        sa.Column("stage", sa.String(16), nullable=False),
        sa.Column("second_review", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("first_reviewer", sa.String(64), nullable=True),
        sa.Column("claimed_by", sa.String(64), nullable=True),
        sa.Column("claimed_until", TS, nullable=True),
        sa.Column("policy_version", sa.String(80), nullable=False),
        sa.UniqueConstraint("dedupe_key", name="uq_review_items_dedupe_key"),
        sa.CheckConstraint("stage IN ('first', 'second', 'done')", name="ck_review_items_stage"),
    )
    op.create_index("ix_review_items_stage", "review_items", ["stage", "id"])
    op.create_index("ix_review_items_account_id", "review_items", ["account_id"])
    op.create_index("ix_review_items_note_id", "review_items", ["note_id"])
    op.create_table(
        "review_decisions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("item_id", sa.Integer, sa.ForeignKey("review_items.id", name="fk_review_decisions_item_id_review_items"), nullable=False),
        sa.Column("round", sa.Integer, nullable=False),
        sa.Column("reviewer", sa.String(64), nullable=False),
        sa.Column("verdict", sa.String(16), nullable=False),
        sa.Column("rule", sa.String(64), nullable=True),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("decided_at", TS, nullable=False),
        sa.Column("entry_id", sa.Integer, sa.ForeignKey("ledger_entries.id", name="fk_review_decisions_entry_id_ledger_entries"), nullable=True),
        sa.UniqueConstraint("item_id", "round", name="uq_review_decisions_item_round"),
        sa.CheckConstraint("verdict IN ('violation', 'clear')", name="ck_review_decisions_verdict"),
    )
    op.create_table(
        "note_reports",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("note_id", sa.String(64), sa.ForeignKey("notes.id", name="fk_note_reports_note_id_notes"), nullable=False),
        sa.Column("reporter", sa.String(64), nullable=False, server_default=""),
        sa.Column("reported_at", TS, nullable=False),
        sa.Column("reason", sa.Text, nullable=False, server_default=""),
        sa.UniqueConstraint("note_id", "reporter", "reported_at", name="uq_note_reports_note_reporter_time"),
    )
    op.create_index("ix_note_reports_note_id", "note_reports", ["note_id"])
    _append_only_guards()


def _append_only_guards() -> None:
    """Reject UPDATE and DELETE on the append-only tables in the database itself."""
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute(
            """
            CREATE FUNCTION redline_append_only() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION '% is append-only: % is not allowed', TG_TABLE_NAME, TG_OP
                    USING ERRCODE = 'restrict_violation';
            END
            $$ LANGUAGE plpgsql
            """
        )
        for table in APPEND_ONLY:
            op.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION redline_append_only()"
            )
            op.execute(
                f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION redline_append_only()"
            )
    elif dialect == "sqlite":
        for table in APPEND_ONLY:
            for operation in ("UPDATE", "DELETE"):
                op.execute(
                    f"CREATE TRIGGER {table}_no_{operation.lower()} BEFORE {operation} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: {operation} is not allowed'); END"
                )


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for table in APPEND_ONLY:
        if dialect == "postgresql":
            op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
        elif dialect == "sqlite":
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_update")
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_delete")
    if dialect == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS redline_append_only()")
    op.drop_table("note_reports")
    op.drop_table("review_decisions")
    op.drop_table("review_items")
    op.drop_table("ledger_appeals")
    op.drop_table("ledger_entries")
    op.drop_table("ledger_accounts")
