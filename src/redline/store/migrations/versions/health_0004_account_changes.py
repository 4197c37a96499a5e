"""health: a change log of accounts, kept by triggers, for the account frame.

Every insert, update or delete of a row of `accounts` appends the account's id to
`account_changes` (whoever writes: the ingesters, a hand-written UPDATE), so the columnar copy of
accounts that the daily recompute reads (store/account_frame.py) is brought up to date by
re-reading only the accounts that changed, as the note frame is from `note_changes`.

Revision ID: health_0004
Revises: health_0003
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "health_0004"
down_revision = "health_0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "account_changes",
        sa.Column("seq", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True),
        sa.Column("account_id", sa.String(64), nullable=False),
        sqlite_autoincrement=True,  # numbers are never reused, even after the log is pruned
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            """
            CREATE FUNCTION redline_account_changed() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF TG_OP <> 'INSERT' THEN
                    INSERT INTO account_changes (account_id) VALUES (OLD.id);
                END IF;
                IF TG_OP = 'INSERT' THEN
                    INSERT INTO account_changes (account_id) VALUES (NEW.id);
                ELSIF TG_OP = 'UPDATE' THEN
                    IF NEW.id <> OLD.id THEN
                        INSERT INTO account_changes (account_id) VALUES (NEW.id);
                    END IF;
                END IF;
                RETURN NULL;
            END $$
            """
        )
        op.execute(
            "CREATE TRIGGER accounts_changed AFTER INSERT OR UPDATE OR DELETE ON accounts "
            "FOR EACH ROW EXECUTE FUNCTION redline_account_changed()"
        )
    else:
        op.execute("CREATE TRIGGER accounts_inserted AFTER INSERT ON accounts BEGIN INSERT INTO account_changes (account_id) VALUES (NEW.id); END")
        op.execute(
            "CREATE TRIGGER accounts_updated AFTER UPDATE ON accounts BEGIN "
            "INSERT INTO account_changes (account_id) VALUES (OLD.id); "
            "INSERT INTO account_changes (account_id) SELECT NEW.id WHERE NEW.id <> OLD.id; END"
        )
        op.execute("CREATE TRIGGER accounts_deleted AFTER DELETE ON accounts BEGIN INSERT INTO account_changes (account_id) VALUES (OLD.id); END")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS accounts_changed ON accounts")
        op.execute("DROP FUNCTION IF EXISTS redline_account_changed()")
    else:
        for event in ("inserted", "updated", "deleted"):
            op.execute(f"DROP TRIGGER IF EXISTS accounts_{event}")
    op.drop_table("account_changes")
