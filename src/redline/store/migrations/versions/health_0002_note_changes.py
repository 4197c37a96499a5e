"""health: a change log of notes and their text checks, kept by triggers, for the note frame.

Every insert, update or delete of a row of `notes` or `note_checks` appends the note's id to
`note_changes` (whoever writes: the ingesters, the text checks, a hand-written UPDATE), so the
columnar copy of notes that the daily recompute reads (store/note_frame.py) can be brought up to
date by re-reading only the notes that changed. `store_meta.store_id` names this database, so a
copy made from another database is never patched with this one's changes.

Revision ID: health_0002
Revises: health_0001
Create Date: 2026-11-22
"""

import uuid

import sqlalchemy as sa
from alembic import op

revision = "health_0002"
down_revision = "health_0001"
branch_labels = None
depends_on = None

WATCHED = {"notes": "id", "note_checks": "note_id"}


def upgrade() -> None:
    op.create_table(
        "note_changes",
        sa.Column("seq", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True),
        sa.Column("note_id", sa.String(64), nullable=False),
        sqlite_autoincrement=True,  # numbers are never reused, even after the log is pruned
    )
    meta = sa.table("store_meta", sa.column("key", sa.String), sa.column("value", sa.Text))
    bind = op.get_bind()
    if bind.execute(sa.select(meta.c.key).where(meta.c.key == "store_id")).first() is None:
        op.bulk_insert(meta, [{"key": "store_id", "value": uuid.uuid4().hex}])
    if bind.dialect.name == "postgresql":
        op.execute(
            """
            CREATE FUNCTION redline_note_changed() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF TG_OP <> 'INSERT' THEN
                    INSERT INTO note_changes (note_id) VALUES (to_jsonb(OLD) ->> TG_ARGV[0]);
                END IF;
                IF TG_OP <> 'DELETE' THEN
                    INSERT INTO note_changes (note_id) VALUES (to_jsonb(NEW) ->> TG_ARGV[0]);
                END IF;
                RETURN NULL;
            END $$
            """
        )
        for table, key in WATCHED.items():
            op.execute(
                f"CREATE TRIGGER {table}_changed AFTER INSERT OR UPDATE OR DELETE ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION redline_note_changed('{key}')"
            )
    else:
        for table, key in WATCHED.items():
            op.execute(f"CREATE TRIGGER {table}_inserted AFTER INSERT ON {table} BEGIN INSERT INTO note_changes (note_id) VALUES (NEW.{key}); END")
            op.execute(
                f"CREATE TRIGGER {table}_updated AFTER UPDATE ON {table} BEGIN "
                f"INSERT INTO note_changes (note_id) VALUES (OLD.{key}); "
                f"INSERT INTO note_changes (note_id) SELECT NEW.{key} WHERE NEW.{key} <> OLD.{key}; END"
            )
            op.execute(f"CREATE TRIGGER {table}_deleted AFTER DELETE ON {table} BEGIN INSERT INTO note_changes (note_id) VALUES (OLD.{key}); END")


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        for table in WATCHED:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_changed ON {table}")
        op.execute("DROP FUNCTION IF EXISTS redline_note_changed()")
    else:
        for table in WATCHED:
            for event in ("inserted", "updated", "deleted"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_{event}")
    op.drop_table("note_changes")
