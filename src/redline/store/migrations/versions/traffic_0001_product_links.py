"""traffic: history of products attached to / detached from notes.

Revision ID: traffic_0001
Revises:
Create Date: 2026-11-21
"""

import sqlalchemy as sa
from alembic import op

revision = "traffic_0001"
down_revision = None
branch_labels = ("traffic",)
depends_on = "core_0002"


def upgrade() -> None:
    op.create_table(
        "note_product_links",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("note_id", sa.String(64), sa.ForeignKey("notes.id", name="fk_note_product_links_note_id_notes"), nullable=False),
        sa.Column("product_id", sa.String(64), sa.ForeignKey("products.id", name="fk_note_product_links_product_id_products"), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_note_product_links_note_id", "note_product_links", ["note_id"])


def downgrade() -> None:
    op.drop_table("note_product_links")
