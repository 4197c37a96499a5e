"""core: accounts, products, notes, comments.

Revision ID: core_0002
Revises: core_0001
Create Date: 2026-11-21
"""

import sqlalchemy as sa
from alembic import op

revision = "core_0002"
down_revision = "core_0001"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "accounts",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("nickname", sa.String(200), nullable=False, server_default=""),
        sa.Column("account_type", sa.String(32), nullable=False, server_default="personal"),
        sa.Column("followers", sa.Integer, nullable=True),
        sa.Column("categories", sa.JSON, nullable=False),
        sa.Column("credentials", sa.JSON, nullable=False),
        sa.Column("fan_interests", sa.JSON, nullable=False),
        sa.Column("has_shop", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("teen_audience", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("created_at", TS, nullable=True),
        sa.Column("source", sa.String(32), nullable=False, server_default="api"),
    )
    op.create_table(
        "products",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("account_id", sa.String(64), sa.ForeignKey("accounts.id", name="fk_products_account_id_accounts"), nullable=False),
        sa.Column("title", sa.Text, nullable=False, server_default=""),
        sa.Column("description", sa.Text, nullable=False, server_default=""),
        sa.Column("category", sa.String(64), nullable=False, server_default=""),
        sa.Column("price", sa.Float, nullable=False),
        sa.Column("created_at", TS, nullable=True),
    )
    op.create_index("ix_products_account_id", "products", ["account_id"])
    op.create_table(
        "notes",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("account_id", sa.String(64), sa.ForeignKey("accounts.id", name="fk_notes_account_id_accounts"), nullable=False),
        sa.Column("title", sa.Text, nullable=False, server_default=""),
        sa.Column("body", sa.Text, nullable=False, server_default=""),
        sa.Column("category", sa.String(64), nullable=False, server_default=""),
        sa.Column("note_type", sa.String(16), nullable=False, server_default="normal"),
        sa.Column("video_seconds", sa.Float, nullable=True),
        sa.Column("dynamic_cover", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("disclosed", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("brand_account_id", sa.String(64), nullable=True),
        sa.Column("product_id", sa.String(64), sa.ForeignKey("products.id", name="fk_notes_product_id_products"), nullable=True),
        sa.Column("product_attached_at", TS, nullable=True),
        sa.Column("published_at", TS, nullable=False),
        sa.Column("status", sa.String(16), nullable=False, server_default="active"),
        sa.Column("liked_count", sa.Integer, nullable=True),
        sa.Column("collected_count", sa.Integer, nullable=True),
        sa.Column("comment_count", sa.Integer, nullable=True),
        sa.Column("share_count", sa.Integer, nullable=True),
        sa.Column("source", sa.String(32), nullable=False, server_default="api"),
    )
    op.create_index("ix_notes_account_id", "notes", ["account_id"])
    op.create_index("ix_notes_published_at", "notes", ["published_at"])
    op.create_index("ix_notes_brand_account_id", "notes", ["brand_account_id"])
    op.create_table(
        "comments",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("note_id", sa.String(64), sa.ForeignKey("notes.id", name="fk_comments_note_id_notes"), nullable=False),
        sa.Column("account_id", sa.String(64), nullable=True),
        sa.Column("parent_id", sa.String(64), nullable=True),
        sa.Column("content", sa.Text, nullable=False, server_default=""),
        sa.Column("created_at", TS, nullable=True),
        sa.Column("like_count", sa.Integer, nullable=True),
        sa.Column("source", sa.String(32), nullable=False, server_default="api"),
    )
    op.create_index("ix_comments_note_id", "comments", ["note_id"])


def downgrade() -> None:
    op.drop_table("comments")
    op.drop_table("notes")
    op.drop_table("products")
    op.drop_table("accounts")
